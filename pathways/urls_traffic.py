"""URLs for what the pathways' real messages show: a pathway's messages, and a landscape's message check."""

from django.urls import path

from pathways.views import traffic

urlpatterns: list = [
    path("l/<uuid:code>/p/<slug:key>/messages/", traffic.pathway_messages, name="pathway_traffic"),
    path("l/<uuid:code>/messages/check/", traffic.landscape_check, name="landscape_traffic"),
]
