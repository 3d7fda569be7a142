"""Django admin for operators; encrypted secrets are not shown or editable here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from pathways.models import ApiToken, Approval, AuditEvent, Landscape, Membership, Pathway, Run, RunStep

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Landscape)
class LandscapeAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "cpi_api_url", "updated_at"]
    list_filter = ["tier"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    readonly_fields = ["code", "version", "cpi_client_id", "cpi_token_url", "cpi_auth"]
    exclude = ["cpi_certificate"]


class ReadOnly(admin.ModelAdmin):
    """Shown, never added or changed here: the app changes these through the model, with audit rows.

    Deleting stays possible where deleting a landscape needs it (its pathways and runs go with it).
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Pathway)
class PathwayAdmin(ReadOnly):
    """A pathway's status, method, verification and expiry come from runs; nobody sets them by hand."""

    list_display = ["landscape", "key", "method", "status", "last_verified_at", "drift_checked_at"]
    list_filter = ["key", "method", "status"]
    list_select_related = ["landscape"]


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    readonly_fields = ["index", "label", "state", "duration_ms", "http_calls", "message"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(ReadOnly):
    """A run's state and result are the worker's record of what happened; read only."""

    list_display = ["code", "landscape", "pathway", "kind", "state", "created_at"]
    list_filter = ["kind", "state"]
    inlines = [RunStepInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    """The audit trail is append-only for everyone, superusers included (the model refuses as well)."""

    list_display = ["at", "username", "landscape_name", "pathway_key", "action"]
    list_filter = ["action"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    """Approvals are decided in the app (four eyes, audit); operators only read them here."""

    list_display = ["pathway", "state", "requested_by_name", "requested_at", "decided_by_name", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["pathway", "pathway__landscape"]
    readonly_fields = [f.name for f in Approval._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators may see and revoke tokens; the digest is never shown and tokens are created by their
    owner.
    """

    list_display = ["name", "user", "hint", "created_at", "last_used_at"]
    search_fields = ["name", "user__username"]
    exclude = ["digest"]
    readonly_fields = ["user", "name", "hint", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
