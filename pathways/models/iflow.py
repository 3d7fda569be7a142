"""The authentication-related externalized parameters of a landscape's iFlows, and the pathway of each.

A discovery run lists the iFlows of the landscape's integration packages and records every parameter that
names how a receiver authenticates or how a sender is authorized, with a first guess of its pathway. The
consultant confirms the guess (or names another pathway, or none); the confirmation is remembered per
landscape, iFlow and parameter key, across discoveries. Only confirmed parameters are ever written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models.audit import AuditEvent

if TYPE_CHECKING:
    from pathways.models.audit import Actor
    from pathways.models.landscape import Landscape
    from pathways.models.pathway import Pathway


class ParameterRole(models.TextChoices):
    """What an externalized parameter says about authentication (SAP's adapter fields, sap-apis.md §16.7)."""

    RECEIVER_AUTH_TYPE = "receiver_auth_type", _("receiver authentication type")
    CREDENTIAL_NAME = "credential_name", _("credential name")
    PRIVATE_KEY_ALIAS = "private_key_alias", _("private key alias")
    RECEIVER_ADDRESS = "receiver_address", _("receiver address")
    SENDER_AUTH = "sender_auth", _("sender authorization")
    USER_ROLE = "user_role", _("sender user role")
    CLIENT_CERTIFICATE = "client_certificate", _("sender client certificate")


@dataclass(frozen=True)
class FoundParameter:
    """One parameter as a discovery read it (public facts only: CPI parameters hold names, never secrets)."""

    package_id: str
    flow_id: str
    flow_version: str
    flow_name: str
    key: str
    data_type: str
    role: str
    value: str
    guessed_pathway: str  # a pathway key, or "" when nothing suggests one


class IFlowParameterQuerySet(models.QuerySet["IFlowParameter"]):
    def present(self) -> IFlowParameterQuerySet:
        """Parameters the last discovery still found."""
        return self.filter(missing_since__isnull=True)

    def of_pathway(self, pathway: Pathway) -> IFlowParameterQuerySet:
        """The parameters confirmed as the pathway's, still present."""
        return self.present().filter(pathway=pathway, confirmed_at__isnull=False)


class IFlowParameter(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    landscape = models.ForeignKey(
        "pathways.Landscape", on_delete=models.CASCADE, related_name="iflow_parameters"
    )
    # Null until the consultant confirms it; a confirmed parameter without pathway belongs to none.
    pathway = models.ForeignKey(
        "pathways.Pathway", null=True, blank=True, on_delete=models.SET_NULL, related_name="iflow_parameters"
    )
    package_id = models.CharField(max_length=200)
    flow_id = models.CharField(max_length=200)
    flow_version = models.CharField(max_length=40)
    flow_name = models.CharField(max_length=300)
    key = models.CharField(max_length=200)
    data_type = models.CharField(max_length=60, blank=True)
    role = models.CharField(max_length=24, choices=ParameterRole.choices)
    value = models.CharField(max_length=500, blank=True)  # as last read from CPI
    guessed_pathway = models.CharField(max_length=20, blank=True)  # the first guess: a pathway key or ""
    read_at = models.DateTimeField(default=timezone.now)
    missing_since = models.DateTimeField(null=True, blank=True)  # the last discovery did not find it
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = IFlowParameterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["landscape", "flow_id", "key"], name="one_iflow_parameter_per_key"
            )
        ]
        ordering = ["landscape", "flow_name", "flow_id", "key"]

    def __str__(self) -> str:
        return f"{self.flow_name}: {self.key}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    # --- state changes: the only writers of these rows ----------------------------------------------------

    @classmethod
    def record_discovery(
        cls, landscape: Landscape, found: Iterable[FoundParameter], unread_flows: Iterable[str] = ()
    ) -> dict[str, int]:
        """Store what a discovery read: new parameters with their guess, known ones with their current value
        (a confirmation stays), and those no longer found marked missing (except those of `unread_flows`,
        which could not be read this time). Returns counts for the run's log."""
        now = timezone.now()
        counts = {"new": 0, "known": 0, "missing": 0}
        with transaction.atomic():
            existing = {
                (p.flow_id, p.key): p for p in cls.objects.select_for_update().filter(landscape=landscape)
            }
            seen: set[tuple[str, str]] = set()
            for item in found:
                seen.add((item.flow_id, item.key))
                row = existing.get((item.flow_id, item.key))
                facts: dict[str, Any] = {
                    "package_id": item.package_id,
                    "flow_version": item.flow_version,
                    "flow_name": item.flow_name,
                    "data_type": item.data_type,
                    "role": item.role,
                    "value": item.value[:500],
                    "read_at": now,
                    "missing_since": None,
                }
                if row is None:
                    cls.objects.create(
                        landscape=landscape,
                        flow_id=item.flow_id,
                        key=item.key,
                        guessed_pathway=item.guessed_pathway,
                        **facts,
                    )
                    counts["new"] += 1
                else:
                    cls.objects.filter(pk=row.pk).update(**facts)
                    counts["known"] += 1
            unread = set(unread_flows)
            gone = [
                p.pk
                for k, p in existing.items()
                if k not in seen and p.missing_since is None and p.flow_id not in unread
            ]
            counts["missing"] = cls.objects.filter(pk__in=gone).update(missing_since=now)
        return counts

    def confirm(self, pathway: Pathway | None, *, user: Actor) -> None:
        """The consultant says which pathway the parameter belongs to (None: to no pathway); audited."""
        if pathway is not None and pathway.landscape_id != self.landscape_id:
            raise ValueError("A parameter belongs only to a pathway of its own landscape.")
        before = self.pathway.key if self.pathway_id and self.pathway else ""
        after = pathway.key if pathway else ""
        was_confirmed = self.confirmed
        fields = {
            "pathway": pathway,
            "confirmed_by": user if user.is_authenticated else None,
            "confirmed_at": timezone.now(),
        }
        IFlowParameter.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        if was_confirmed and before == after:
            return
        AuditEvent.record(
            user=user,
            action="iflow.parameter_confirmed",
            landscape=self.landscape,
            pathway_key=after or before,
            changes={f"{self.flow_id} {self.key}": [before, after or "none"]},
            note=self.flow_name,
        )

    def record_value(self, value: str) -> None:
        """A run wrote (and read back) this value."""
        IFlowParameter.objects.filter(pk=self.pk).update(value=value[:500], read_at=timezone.now())
        self.value = value[:500]


def iflows_of(pathway: Pathway) -> list[tuple[str, str]]:
    """The iFlows that use the pathway: (flow id, flow name) of every iFlow with a parameter confirmed as the
    pathway's, by name. The message-log watcher reads these."""
    rows = (
        IFlowParameter.objects.of_pathway(pathway)
        .order_by("flow_name", "flow_id")
        .values_list("flow_id", "flow_name")
        .distinct()
    )
    return [(flow_id, flow_name) for flow_id, flow_name in rows]
