"""URLs for team leads: overview, history, approval, drift, exports, API tokens and promotion."""

from django.urls import path

from pathways.views import api, history, overview

urlpatterns = [
    path("overview/", overview.overview, name="overview"),
    path("overview.csv", overview.overview_csv, name="overview_csv"),
    path("api/status.json", api.status_json, name="status_json"),
    path("api/tokens/", api.tokens, name="api_tokens"),
    path("l/<uuid:code>/export.json", api.landscape_export, name="landscape_export"),
    path("l/<uuid:code>/promote/", api.promote, name="landscape_promote"),
    path("l/<uuid:code>/drift/", history.drift_check, name="landscape_drift"),
    path("l/<uuid:code>/p/<slug:key>/history/", history.pathway_history, name="pathway_history"),
    path("l/<uuid:code>/p/<slug:key>/approval/", history.approval_panel, name="approval_panel"),
    path("l/<uuid:code>/p/<slug:key>/approval/request/", history.approval_request, name="approval_request"),
    path("l/<uuid:code>/p/<slug:key>/approval/decide/", history.approval_decide, name="approval_decide"),
]
