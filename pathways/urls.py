"""URLs of the app; public identifiers are UUIDs and catalog keys, never database ids."""

from django.urls import include, path

from pathways.views import handoff, iflows, landscapes, members, runs, wizard

urlpatterns = [
    path("", landscapes.home, name="home"),
    path("landscapes/new/", landscapes.create, name="landscape_new"),
    path("l/<uuid:code>/", landscapes.detail, name="landscape"),
    path("l/<uuid:code>/edit/", landscapes.edit, name="landscape_edit"),
    path("l/<uuid:code>/tier/", landscapes.lower_tier, name="landscape_tier"),
    path("l/<uuid:code>/members/", members.members, name="members"),
    path("l/<uuid:code>/members/set/", members.set_member, name="member_set"),
    path("l/<uuid:code>/p/<slug:key>/", wizard.start, name="wizard"),
    path("l/<uuid:code>/p/<slug:key>/step/<slug:step>/", wizard.step, name="wizard_step"),
    path("l/<uuid:code>/p/<slug:key>/step/<slug:step>/save/", wizard.save_step, name="wizard_save_step"),
    path("l/<uuid:code>/p/<slug:key>/field/<slug:name>/", wizard.save_field, name="wizard_field"),
    path("l/<uuid:code>/p/<slug:key>/run/<slug:kind>/", runs.start_pathway_run, name="pathway_run"),
    path("l/<uuid:code>/run/<slug:kind>/", runs.start_landscape_run, name="landscape_run"),
    path("l/<uuid:code>/iflows/", iflows.iflows, name="iflows"),
    path("l/<uuid:code>/iflows/confirm/", iflows.confirm, name="iflows_confirm"),
    path("runs/<uuid:run_code>/", runs.run_page, name="run"),
    path("runs/<uuid:run_code>/csr/", runs.run_csr, name="run_csr"),
    path("l/<uuid:code>/runs/", runs.landscape_runs, name="landscape_runs"),
    path("l/<uuid:code>/p/<slug:key>/handoff/", handoff.sheet, name="handoff"),
    path("l/<uuid:code>/p/<slug:key>/handoff/reveal/", handoff.reveal, name="handoff_reveal"),
    path("l/<uuid:code>/p/<slug:key>/handoff/pkcs12/", handoff.pkcs12, name="handoff_pkcs12"),
    path(
        "l/<uuid:code>/p/<slug:key>/handoff/certificate.<slug:encoding>",
        handoff.certificate,
        name="handoff_certificate",
    ),
    path("l/<uuid:code>/p/<slug:key>/handoff/server-root-ca.pem", handoff.server_root, name="handoff_root"),
    path("", include("pathways.urls_leads")),
    path("", include("pathways.urls_certs")),
    path("", include("pathways.urls_shapes")),
    path("", include("pathways.urls_traffic")),
]
