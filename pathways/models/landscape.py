"""A landscape: one CPI tenant with its BTP subaccount, S/4HANA system and SSCv2 tenant; and who may use
it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pathways.models.audit import Actor
    from pathways.models.pathway import Pathway


class Tier(models.TextChoices):
    DEV = "dev", _("Development")
    TEST = "test", _("Test")
    PROD = "prod", _("Production")


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("Consultant")  # edits drafts, starts runs
    LEAD = "lead", _("Lead")  # views, approves
    VIEWER = "viewer", _("Viewer")  # views


# What each role may do; "view" is implied by membership.
PERMISSIONS = {
    Role.CONSULTANT: {"view", "edit", "run"},
    Role.LEAD: {"view", "approve"},
    Role.VIEWER: {"view"},
}


def only_looks(user: Actor) -> bool:
    """Whether the user is a viewer wherever they are a member: viewers look, so they are offered neither
    a new landscape nor API tokens. Everyone else signed in may start a landscape (and consults on it)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    mine = Membership.objects.filter(user=user)  # a role other than viewer ends the question at once
    return not mine.exclude(role=Role.VIEWER).exists() and mine.exists()


class LandscapeQuerySet(models.QuerySet["Landscape"]):
    def visible_to(self, user: Actor) -> Self:
        """The one place that decides which landscapes a user may see: a subquery of their memberships (no
        join, so no duplicates to remove and a page in name order can stop after its rows)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(pk__in=Membership.objects.filter(user=user).values("landscape_id"))

    def editable_by(self, user: Actor) -> Self:
        """Landscapes whose drafts the user may change (consultants; superusers all)."""
        visible = self.visible_to(user)
        if user.is_superuser:
            return visible
        return visible.filter(memberships__user=user, memberships__role=Role.CONSULTANT)


class Landscape(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80, unique=True)
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.DEV)

    # CPI OData API: the parsed `api`-plan service key (its secret lives in the vault as "cpi_secret"
    # or "cpi_key" for a certificate key).
    cpi_api_url = models.URLField(blank=True)
    cpi_token_url = models.URLField(blank=True)
    cpi_client_id = models.CharField(max_length=300, blank=True)
    cpi_auth = models.CharField(max_length=12, blank=True)  # "secret" | "certificate"
    cpi_certificate = models.TextField(blank=True)  # public chain of a certificate api key
    # CPI runtime and the iFlow endpoint that verification calls.
    runtime_url = models.URLField(blank=True)
    endpoint_path = models.CharField(max_length=300, blank=True, default="/http/authwizard/ping")
    # The integration package ids (comma separated) whose iFlows use the pathways' credentials.
    integration_packages = models.CharField(max_length=500, blank=True)

    # BTP, Cloud Foundry v3: all writes. The password lives in the vault as "cf_password".
    cf_api_url = models.URLField(blank=True)
    cf_uaa_url = models.URLField(blank=True)
    cf_org = models.CharField(max_length=200, blank=True)
    cf_space = models.CharField(max_length=200, blank=True)
    cf_user = models.CharField(max_length=200, blank=True)

    # Optional Service Manager key (subaccount-admin/-audit) for a read-only inventory; secret "sm_secret".
    sm_url = models.URLField(blank=True)
    sm_token_url = models.URLField(blank=True)
    sm_client_id = models.CharField(max_length=300, blank=True)

    ca_bundle = models.TextField(blank=True, help_text="PEM certificates to trust in addition to public CAs")
    s4_host = models.CharField(max_length=253, blank=True)
    ssc_host = models.CharField(max_length=253, blank=True)
    expiry_threshold_days = models.PositiveSmallIntegerField(default=30)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LandscapeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new landscape comes with its four pathways, whoever creates it (page, import, admin, code)."""
        created = self._state.adding
        super().save(*args, **kwargs)
        if created:
            self.ensure_pathways()

    def package_ids(self) -> list[str]:
        """The integration package ids named for the landscape, in the order given, without repeats."""
        ids = (part.strip() for part in self.integration_packages.split(","))
        return list(dict.fromkeys(i for i in ids if i))

    def role_of(self, user: Actor) -> str | None:
        if not user.is_authenticated:
            return None
        if user.is_superuser:
            return Role.CONSULTANT
        # one query per user and instance, not per check
        roles: dict[int, str | None] = self.__dict__.setdefault("_roles", {})
        if user.pk not in roles:
            membership = self.memberships.filter(user=user).first()
            roles[user.pk] = membership.role if membership else None
        return roles[user.pk]

    def may(self, user: Actor, action: str) -> bool:
        role = self.role_of(user)
        if user.is_authenticated and user.is_superuser:
            return True
        return role is not None and action in PERMISSIONS[Role(role)]

    def ordered_pathways(self) -> list[Pathway]:
        """The four pathways in catalog order (uses prefetched rows when there are any)."""
        from pathways import catalog

        order = list(catalog.PATHWAYS)
        return sorted(self.pathways.all(), key=lambda p: order.index(p.key))

    def ensure_pathways(self) -> None:
        """Every landscape has exactly one pathway per catalog entry, each on its default method."""
        from pathways import catalog
        from pathways.models.pathway import Pathway

        existing = set(self.pathways.values_list("key", flat=True))
        Pathway.objects.bulk_create(
            [
                Pathway(landscape=self, key=p.key, method=p.default_method)
                for p in catalog.PATHWAYS.values()
                if p.key not in existing
            ]
        )


class Membership(models.Model):
    landscape = models.ForeignKey(Landscape, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["landscape", "user"], name="one_role_per_landscape")]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.landscape}"
