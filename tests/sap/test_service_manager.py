"""Read-only Service Manager client against the sandbox: catalogue, instances, bindings, paging, inventory."""

import json

import pytest

from pathways.sap.errors import SapError
from pathways.sap.service_manager import ServiceManager, ServiceManagerBinding, quote_literal

from .conftest import INSTANCE_PARAMETERS


@pytest.fixture
def binding(sandbox_tenant):
    return ServiceManagerBinding.parse(json.dumps(sandbox_tenant["sm_binding"]))


@pytest.fixture
def sm(http, binding, tokens):
    return ServiceManager(http, binding, tokens)


def test_binding_secret_stays_out_of_repr_and_missing_fields_are_named(binding, sandbox_tenant):
    assert sandbox_tenant["sm_binding"]["clientsecret"] not in repr(binding)
    broken = {k: v for k, v in sandbox_tenant["sm_binding"].items() if k != "sm_url"}
    with pytest.raises(SapError, match="no 'sm_url' field"):
        ServiceManagerBinding.parse({"credentials": broken})


def test_it_rt_offering_and_its_two_plans_are_listed(sm):
    [offering] = sm.offerings("it-rt")
    assert offering.name == "it-rt"
    assert sorted(plan.name for plan in sm.plans(offering.id)) == ["api", "integration-flow"]
    [flow] = sm.plans(offering.id, "integration-flow")
    assert flow.offering_id == offering.id


def test_instances_and_bindings_are_found_by_name(sm, sandbox_tenant):
    [instance] = sm.instances(name=sandbox_tenant["api_instance_name"])
    names = [item.name for item in sm.bindings(instance_id=instance.id)]
    assert names == [sandbox_tenant["api_instance_name"] + "-key"]
    assert sm.instances(name="no-such-instance") == []


def test_inventory_lists_every_it_rt_instance_with_plan_and_key_names(
    sm, cf, inbound_instance, sandbox_tenant
):
    cf.create_key(inbound_instance.guid, "s4-key")
    inventory = {item.instance.name: item for item in sm.it_rt_inventory()}
    assert inventory["s4-inbound"].plan_name == "integration-flow"
    assert inventory["s4-inbound"].binding_names == ("s4-key",)
    assert inventory[sandbox_tenant["api_instance_name"]].plan_name == "api"


def test_paging_with_max_items_and_token_returns_everything(http, binding, tokens, cf, space, flow_plan):
    for name in ("p1", "p2", "p3"):
        cf.create_instance(space.guid, flow_plan.guid, name, INSTANCE_PARAMETERS)
    paged = ServiceManager(http, binding, tokens, page_size=1)
    before = http.call_count
    names = {instance.name for instance in paged.instances()}
    assert {"p1", "p2", "p3"} <= names
    pages = [call for call in http.calls[before:] if "/v1/service_instances" in call.url]
    assert len(pages) == len(names)


def test_expired_service_manager_token_is_refreshed_once(sm, http, faults, binding):
    sm.offerings("it-rt")
    faults.add(kind="expire_token", host="sm")
    assert sm.offerings("it-rt")
    assert len([call for call in http.calls if call.url == binding.tokenurl]) == 2


def test_field_query_literals_double_their_quotes():
    assert quote_literal("it's") == "'it''s'"
