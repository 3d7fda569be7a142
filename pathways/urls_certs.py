"""URLs for certificate work: inspect, generate, download, rotate."""

urlpatterns: list = []
