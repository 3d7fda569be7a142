"""URLs for certificate work: inspect, generate, download, rotate."""

from django.urls import path

from pathways.views import certificates

urlpatterns: list = [
    path("l/<uuid:code>/p/<slug:key>/certificates/", certificates.overview, name="certificates"),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/leaf-only/<slug:name>/",
        certificates.keep_leaf_only,
        name="certificate_leaf_only",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/generate/",
        certificates.generate_key,
        name="certificate_generate",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/request.csr",
        certificates.download_csr,
        name="certificate_csr",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/key.p12",
        certificates.download_pkcs12,
        name="certificate_pkcs12",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/cpi-request.csr",
        certificates.download_cpi_csr,
        name="certificate_cpi_csr",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/cpi-chain/",
        certificates.upload_cpi_chain,
        name="certificate_cpi_chain",
    ),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/rotate/", certificates.rotate_view, name="certificate_rotate"
    ),
    path("l/<uuid:code>/p/<slug:key>/certificates/retire/", certificates.retire, name="certificate_retire"),
    path(
        "l/<uuid:code>/p/<slug:key>/certificates/new.pem",
        certificates.download_new_certificate,
        name="certificate_new_pem",
    ),
]
