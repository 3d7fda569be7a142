"""Django admin for operators; encrypted secrets are not shown or editable here."""

from django.contrib import admin

from pathways.models import ApiToken, Approval, AuditEvent, Landscape, Membership, Pathway, Run, RunStep


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


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["landscape", "key", "method", "status", "last_verified_at", "drift_checked_at"]
    list_filter = ["key", "method", "status"]
    readonly_fields = ["draft", "draft_meta", "applied", "version", "drift", "drift_checked_at"]
    list_select_related = ["landscape"]


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    readonly_fields = ["index", "label", "state", "duration_ms", "http_calls", "message"]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["code", "landscape", "pathway", "kind", "state", "created_at"]
    list_filter = ["kind", "state"]
    inlines = [RunStepInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "landscape_name", "pathway_key", "action"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_change_permission(self, request, obj=None):
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
