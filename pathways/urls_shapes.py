"""URLs for the credential shapes' own questions: a plan problem's choice and retiring leftovers."""

from django.urls import path

from pathways.views import shapes

urlpatterns: list = [
    path("l/<uuid:code>/p/<slug:key>/plan-choice/", shapes.choose, name="plan_choice"),
    path(
        "l/<uuid:code>/p/<slug:key>/retire/<uuid:leftover_code>/",
        shapes.retire_leftover,
        name="leftover_retire",
    ),
]
