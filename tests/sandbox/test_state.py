"""The persistent store: what state.json holds after writes that serialise only the changed tenants."""

import json
import time

from sandbox.state import Store

from .conftest import CfClient, CpiClient


def _written(store: Store) -> dict:
    return json.loads(store.path.read_text())


def test_a_write_serialises_the_changed_tenants_anew_and_equals_a_full_dump(tmp_path):
    store = Store(tmp_path)
    store.save()
    assert store.path.read_text() == json.dumps(store.data, separators=(",", ":"))
    store.tenants.update(a={"n": 1, "list": [1, "ü"]}, b={"n": 1})
    store.mark_dirty(["a", "b"])
    store.save()
    store.tenants["a"]["n"] = 2
    store.tenants["c"] = {"n": 3}
    del store.tenants["b"]
    store.data["revision"] = 7
    store.mark_dirty(["a"])
    store.save()
    assert store.path.read_text() == json.dumps(store.data, separators=(",", ":"))
    assert list(_written(store)["tenants"]) == ["a", "c"]


def test_a_tenant_not_named_keeps_its_last_written_text_until_any_change_is_marked(tmp_path):
    store = Store(tmp_path)
    store.tenants.update(a={"n": 1}, b={"n": 1})
    store.save()
    store.tenants["a"]["n"] = store.tenants["b"]["n"] = 2
    store.mark_dirty(["a"])
    store.save()
    assert _written(store)["tenants"] == {"a": {"n": 2}, "b": {"n": 1}}
    store.mark_dirty()
    store.save()
    assert _written(store)["tenants"] == {"a": {"n": 2}, "b": {"n": 2}}


def test_close_writes_every_tenant_anew(tmp_path):
    store = Store(tmp_path)
    store.tenants["a"] = {"n": 1}
    store.save()
    store.tenants["a"]["n"] = 2
    store.close()
    assert _written(store)["tenants"]["a"] == {"n": 2}


def _wait_for_written(server, subdomain: str, found) -> None:
    deadline = time.monotonic() + 10
    while True:
        tenant = json.loads((server.state_dir / "state.json").read_text())["tenants"].get(subdomain)
        if tenant and found(tenant):
            return
        assert time.monotonic() < deadline, "the tenant's change did not reach state.json"
        time.sleep(0.2)


def test_the_running_sandbox_writes_cf_and_cpi_changes_of_a_tenant(sandbox_server, sandbox_tenant):
    subdomain = sandbox_tenant["subdomain"]
    _wait_for_written(sandbox_server, subdomain, lambda tenant: True)  # the tenant as created
    CfClient(sandbox_server, sandbox_tenant).create_instance("persisted-instance")
    _wait_for_written(
        sandbox_server,
        subdomain,
        lambda tenant: "persisted-instance" in {i["name"] for i in tenant["instances"].values()},
    )
    body = {"Name": "PERSISTED", "Kind": "default", "User": "u", "Password": "p"}
    cpi = CpiClient(sandbox_server, sandbox_tenant["api_key"])
    assert cpi.call("POST", "/UserCredentials", json=body).status_code == 202
    _wait_for_written(sandbox_server, subdomain, lambda tenant: "PERSISTED" in tenant["user_credentials"])
