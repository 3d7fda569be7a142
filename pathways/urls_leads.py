"""URLs for team leads: overview, history, approval, drift, exports."""

urlpatterns: list = []
