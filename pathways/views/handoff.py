"""The printable hand-off sheet and its downloads; one-time reveals are POST, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from pathways import certs, handoff
from pathways.views.access import pathway_for

if TYPE_CHECKING:
    from uuid import UUID

    from pathways.views.access import SignedInRequest


def _file(data: bytes | str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def sheet(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    chain = handoff.certificate_of(pathway)
    return render(
        request,
        "pathways/handoff.html",
        {
            "pathway": pathway,
            "landscape": pathway.landscape,
            "spec": pathway.spec,
            "items": handoff.items(pathway),
            "applied": bool(pathway.applied),
            "leaf": chain.leaf if chain else None,
            "secret_revealed": handoff.revealed(pathway, handoff.CLIENTSECRET),
            "key_revealed": handoff.revealed(pathway, handoff.PRIVATE_KEY),
            "has_secret": pathway.secret(handoff.CLIENTSECRET) is not None,
            "has_key": pathway.secret(handoff.PRIVATE_KEY) is not None,
            "server_root": bool(handoff.server_root_pem(pathway.landscape)),
            "can_reveal": pathway.landscape.may(request.user, "edit"),
        },
    )


@login_required
@require_POST
@never_cache
@sensitive_variables("secret")
def reveal(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "edit")
    try:
        secret = handoff.reveal_client_secret(pathway, request.user)
    except handoff.HandoffError as error:
        messages.error(request, str(error))
        return redirect("handoff", code=code, key=key)
    return render(
        request,
        "pathways/handoff_secret.html",
        {"pathway": pathway, "landscape": pathway.landscape, "secret": secret},
    )


@login_required
@require_POST
@never_cache
@sensitive_post_parameters("passphrase")
def pkcs12(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "edit")
    try:
        data = handoff.pkcs12_for_handoff(pathway, request.user, request.POST.get("passphrase", ""))
    except handoff.HandoffError as error:
        messages.error(request, str(error))
        return redirect("handoff", code=code, key=key)
    return _file(data, f"{pathway.applied.get('key_name', pathway.key)}.p12", "application/x-pkcs12")


@login_required
def certificate(request: SignedInRequest, code: UUID, key: str, encoding: str) -> HttpResponse:
    if encoding not in ("pem", "der"):
        raise Http404(_("Certificates come as .pem or .der"))
    pathway = pathway_for(request, code, key)
    chain = handoff.certificate_of(pathway)
    if chain is None:
        raise Http404(_("No certificate yet"))
    name = pathway.applied.get("alias") or pathway.applied.get("key_name") or pathway.key
    if encoding == "der":
        return _file(certs.export_certificate(chain.leaf, "DER"), f"{name}.der", "application/pkix-cert")
    return _file(certs.export_chain_pem(chain), f"{name}.pem", "application/x-pem-file")


@login_required
def server_root(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    pem = handoff.server_root_pem(pathway.landscape)
    if not pem:
        raise Http404(_("No CA bundle configured"))
    return _file(pem, "server-root-ca.pem", "application/x-pem-file")
