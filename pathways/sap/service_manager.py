"""Read-only SAP Service Manager client (D-09): offerings, plans, instances, bindings, it-rt inventory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from pathways.wording import gettext as _

from .errors import SapError, translate_failure
from .http import SapHttp
from .xsuaa import TokenClient

SERVICE = "SAP Service Manager"
PAGE_SIZE = 200


def quote_literal(value: str) -> str:
    """A fieldQuery string literal: single quotes, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class ServiceManagerBinding:
    """The fields of a `service-manager` binding this client needs; the secret stays out of repr()."""

    sm_url: str
    url: str
    clientid: str
    clientsecret: str = field(repr=False)

    @property
    def tokenurl(self) -> str:
        return self.url.rstrip("/") + "/oauth/token"

    @classmethod
    def parse(cls, raw: str | bytes | dict[str, Any]) -> ServiceManagerBinding:
        try:
            data = json.loads(raw) if isinstance(raw, str | bytes) else dict(raw)
        except ValueError as exc:
            raise SapError(_("The Service Manager binding is not valid JSON")) from exc
        if not isinstance(data, dict):
            raise SapError(_("The Service Manager binding must be a JSON object"))
        while isinstance(data.get("credentials"), dict):
            data = data["credentials"]
        for name in ("sm_url", "url", "clientid", "clientsecret"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise SapError(_("The Service Manager binding has no '%(name)s' field") % {"name": name})
        return cls(
            sm_url=data["sm_url"].rstrip("/"),
            url=data["url"].rstrip("/"),
            clientid=data["clientid"],
            clientsecret=data["clientsecret"],
        )


@dataclass(frozen=True)
class Offering:
    id: str
    name: str


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    offering_id: str | None


@dataclass(frozen=True)
class Instance:
    id: str
    name: str
    plan_id: str | None
    platform_id: str | None
    ready: bool | None
    labels: dict[str, list[str]]


@dataclass(frozen=True)
class Binding:
    """A Service Manager binding; its credentials are not kept (read-only inventory)."""

    id: str
    name: str
    instance_id: str | None
    ready: bool | None
    created_at: str | None


@dataclass(frozen=True)
class InventoryItem:
    """One it-rt instance of the subaccount with its plan name and its keys' names."""

    instance: Instance
    plan_name: str
    binding_names: tuple[str, ...]


def sm_error(response: requests.Response, *, what: str) -> SapError:
    code = message = None
    try:
        body = response.json()
        code, message = body.get("error"), body.get("description")
    except (ValueError, AttributeError):
        pass
    return translate_failure(
        response.status_code, service=SERVICE, what=what, code=code, remote_message=message
    )


class ServiceManager:
    """Reads the subaccount's service catalogue and instances through Service Manager."""

    def __init__(
        self,
        http: SapHttp,
        binding: ServiceManagerBinding,
        tokens: TokenClient | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.http = http
        self.page_size = page_size
        self.binding = binding
        self.tokens = tokens or TokenClient(http)

    def _get_all(self, path: str, *, field_query: str | None, what: str) -> list[dict[str, Any]]:
        """All items of a list, paging with `max_items` and `token`; a 401 refreshes the token once."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        refreshed = False
        while True:
            params: dict[str, Any] = {"max_items": self.page_size}
            if field_query:
                params["fieldQuery"] = field_query
            if page_token:
                params["token"] = page_token
            token = self.tokens.by_secret(
                self.binding.tokenurl, self.binding.clientid, self.binding.clientsecret
            )
            response = self.http.request(
                "GET",
                self.binding.sm_url + path,
                service=SERVICE,
                params=params,
                headers={"Authorization": token.authorization_header(), "Accept": "application/json"},
            )
            if response.status_code == 401 and not refreshed:
                refreshed = True
                self.tokens.invalidate(self.binding.tokenurl, self.binding.clientid)
                continue
            if response.status_code != 200:
                raise sm_error(response, what=what)
            body = response.json()
            items.extend(body.get("items") or [])
            page_token = body.get("token")
            if not page_token:
                return items

    def offerings(self, name: str | None = None) -> list[Offering]:
        query = f"catalog_name eq {quote_literal(name)}" if name else None
        found = self._get_all("/v1/service_offerings", field_query=query, what=_("the service offerings"))
        return [
            Offering(id=item["id"], name=item.get("catalog_name") or item.get("name", "")) for item in found
        ]

    def plans(self, offering_id: str, name: str | None = None) -> list[Plan]:
        query = f"service_offering_id in ({quote_literal(offering_id)})"
        if name:
            query = f"catalog_name eq {quote_literal(name)} and " + query
        found = self._get_all("/v1/service_plans", field_query=query, what=_("the service plans"))
        return [
            Plan(
                id=item["id"],
                name=item.get("catalog_name") or item.get("name", ""),
                offering_id=item.get("service_offering_id"),
            )
            for item in found
        ]

    def instances(self, *, name: str | None = None, plan_id: str | None = None) -> list[Instance]:
        parts = []
        if name:
            parts.append(f"name eq {quote_literal(name)}")
        if plan_id:
            parts.append(f"service_plan_id eq {quote_literal(plan_id)}")
        found = self._get_all(
            "/v1/service_instances", field_query=" and ".join(parts) or None, what=_("the service instances")
        )
        return [
            Instance(
                id=item["id"],
                name=item.get("name", ""),
                plan_id=item.get("service_plan_id"),
                platform_id=item.get("platform_id"),
                ready=item.get("ready"),
                labels=dict(item.get("labels") or {}),
            )
            for item in found
        ]

    def bindings(self, *, instance_id: str | None = None, name: str | None = None) -> list[Binding]:
        parts = []
        if name:
            parts.append(f"name eq {quote_literal(name)}")
        if instance_id:
            parts.append(f"service_instance_id eq {quote_literal(instance_id)}")
        found = self._get_all(
            "/v1/service_bindings", field_query=" and ".join(parts) or None, what=_("the service bindings")
        )
        return [
            Binding(
                id=item["id"],
                name=item.get("name", ""),
                instance_id=item.get("service_instance_id"),
                ready=item.get("ready"),
                created_at=item.get("created_at"),
            )
            for item in found
        ]

    def it_rt_inventory(self) -> list[InventoryItem]:
        """Every it-rt instance of the subaccount (any plan), with the names of its bindings."""
        offerings = self.offerings("it-rt")
        if not offerings:
            return []
        plans = {plan.id: plan.name for offering in offerings for plan in self.plans(offering.id)}
        names_by_instance: dict[str, list[str]] = {}
        for binding in self.bindings():
            names_by_instance.setdefault(binding.instance_id or "", []).append(binding.name)
        return [
            InventoryItem(
                instance=instance,
                plan_name=plans[instance.plan_id],
                binding_names=tuple(sorted(names_by_instance.get(instance.id, []))),
            )
            for instance in self.instances()
            if instance.plan_id in plans
        ]
