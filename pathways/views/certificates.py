"""Certificate pages of a pathway: what it holds and when it expires, local key + CSR generation with a
one-time PKCS#12 download, the CPI key pair's CSR and signed chain, keep-only-the-leaf, rotate and retire."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from pathways import certs, expiry, sender_keys, shapes, standing, upload_limit
from pathways.engine import rotate
from pathways.engine.certificates import ChainRefused, start_chain, start_csr
from pathways.errors import Refused
from pathways.forms.wizard import clean_value
from pathways.models.pathway import Conflict
from pathways.views.access import pathway_for

if TYPE_CHECKING:
    from typing import Any
    from uuid import UUID

    from django.http import HttpRequest

    from pathways.models import Pathway
    from pathways.views.access import SignedInRequest

DN_FIELDS = ("common_name", "organization", "organizational_unit", "locality", "state", "country", "email")


def _file(data: bytes | str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, pathway: Pathway, **extra: Any) -> HttpResponse:
    applied = pathway.applied or {}
    now = timezone.now()
    shape = shapes.of(pathway)
    context = {
        "pathway": pathway,
        "landscape": pathway.landscape,
        "spec": pathway.spec,
        "watched": [(w, w.days_left(now)) for w in expiry.certificates_of(pathway)],
        "expiry": standing.of(pathway, now=now).expiry,
        "can_edit": pathway.landscape.may(request.user, "edit"),
        "can_run": pathway.landscape.may(request.user, "run"),
        "sender": sender_keys.state(pathway) if sender_keys.applies_to(pathway) else None,
        "algorithms": sender_keys.ALGORITHMS,
        "dn": {name: request.POST.get(name, "") for name in DN_FIELDS} if request.method == "POST" else {},
        "is_cpi_key_pair": shape.has_keystore_key_pair and bool(applied.get("alias")),
        "holds_certificates": shape.holds_certificates,
        "rotation_words": rotate.rotation_words(pathway),
        "rotation": rotate.open_rotation(pathway),
        "last_rotation": rotate.last_rotation(pathway),
        "rotation_blocker": rotate.rotation_blocker(pathway),
        "rotation_plan": rotate.plan_rotation(pathway) if applied else [],
        "needs_new_certificate": rotate.needs_new_certificate(pathway),
        "errors": {},
    }
    context.update(extra)
    return render(request, "pathways/certs/overview.html", context, status=extra.get("status", 200))


@login_required
def overview(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    return _page(request, pathway_for(request, code, key))


def _read_upload(request: HttpRequest, name: str) -> str:
    """A pasted text (`name`) or an uploaded file (`name_file`, as in the wizard): a chosen file wins, an
    empty file input never hides what was pasted."""
    upload = request.FILES.get(f"{name}_file") or request.FILES.get(name)
    if upload is None or not upload.size:
        return next((text for text in request.POST.getlist(name) if text.strip()), "")
    try:
        data = upload_limit.read_file(upload)
    except upload_limit.FileTooLarge as error:
        raise certs.CertificateError(error.message)
    return certs.export_chain_pem(certs.parse_certificates(data)).decode("ascii")


@login_required
@require_POST
def keep_leaf_only(request: SignedInRequest, code: UUID, key: str, name: str) -> HttpResponse:
    """Replace an uploaded chain by its leaf (External Certificate keys accept only the leaf)."""
    pathway = pathway_for(request, code, key, "edit")
    spec = pathway.spec.all_fields().get(name)
    if spec is None or spec.kind != "certificate":
        raise Http404(_("No such certificate field"))
    try:
        parsed = certs.parse_certificates(pathway.draft.get(name, ""))
    except certs.CertificateError as error:
        messages.error(request, f"{spec.label}: {error.message}")
        return redirect("wizard_step", code, key, "key")
    leaf = certs.leaf_only(parsed).leaf.pem.decode("ascii")
    result = pathway.save_field(name, leaf, seen_version=pathway.version, user=request.user)
    current = pathway if isinstance(result, Conflict) else result
    if request.htmx:
        state = {
            "spec": spec,
            "value": leaf,
            "active": True,
            "error": clean_value(spec, leaf)[1],
            "secret": None,
            "meta": current.draft_meta.get(name),
            "conflict": None,
            "saved": True,
        }
        return render(
            request,
            "pathways/htmx/field.html",
            {"pathway": current, "landscape": current.landscape, "f": state, "can_edit": True},
        )
    messages.success(
        request,
        _("%(label)s: only the leaf %(label2)s is kept.")
        % {"label": spec.label, "label2": parsed.leaf.label()},
    )
    step = next(s.key for s in pathway.method_spec.steps if any(f.name == name for f in s.fields))
    return redirect("wizard_step", code, key, step)


@login_required
@require_POST
def generate_key(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "edit")
    subject = certs.DistinguishedName(**{name: request.POST.get(name, "") for name in DN_FIELDS})
    names = [
        n.strip()
        for n in request.POST.get("subject_alt_names", "").replace("\n", ",").split(",")
        if n.strip()
    ]
    try:
        info = sender_keys.generate(
            pathway, subject, request.POST.get("algorithm", ""), names, user=request.user
        )
    except sender_keys.SenderKeyError as error:
        return _page(request, pathway, errors={"generate": str(error)}, status=200)
    messages.success(
        request,
        _("Key and CSR made for %(subject)s; the key stays encrypted here until you download it once.")
        % {"subject": info.subject},
    )
    return redirect("certificates", code, key)


@login_required
def download_csr(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key)
    pem = sender_keys.csr_pem(pathway)
    if pem is None:
        raise Http404(_("No CSR generated yet"))
    return _file(pem, f"{pathway.key}-request.csr", "application/pkcs10")


@login_required
@require_POST
@never_cache
@sensitive_post_parameters("passphrase", "passphrase_again")
@sensitive_variables("passphrase", "again")
def download_pkcs12(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "edit")
    passphrase, again = request.POST.get("passphrase", ""), request.POST.get("passphrase_again", "")
    try:
        data = sender_keys.pkcs12_once(pathway, passphrase, again, user=request.user)
    except sender_keys.SenderKeyError as error:
        return _page(request, pathway, errors={"pkcs12": str(error)})
    return _file(data, f"{pathway.key}-client.p12", "application/x-pkcs12")


@login_required
@require_POST
def download_cpi_csr(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    """Start the run that fetches the key pair's CSR; its page offers the file when it is done."""
    pathway = pathway_for(request, code, key, "run")
    try:
        run = start_csr(pathway, user=request.user)
    except Refused as error:
        return _page(request, pathway, errors={"cpi_csr": error.message})
    return redirect("run", run.code)


@login_required
@require_POST
def upload_cpi_chain(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    """Start the run that imports the CA-signed chain; its page shows the result."""
    pathway = pathway_for(request, code, key, "run")
    try:
        text = _read_upload(request, "chain")
        if not text.strip():
            raise ChainRefused(_("Paste or upload the certificate chain your CA issued for the CSR."))
        run = start_chain(pathway, text, user=request.user)
    except (Refused, certs.CertificateError) as error:
        message = getattr(error, "message", None) or str(error)
        return _page(request, pathway, errors={"chain": message}, chain_text=request.POST.get("chain", ""))
    return redirect("run", run.code)


@login_required
@require_POST
def rotate_view(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "run")
    try:
        text = _read_upload(request, "new_certificate") if rotate.needs_new_certificate(pathway) else ""
        run = rotate.start_rotation(pathway, request.user, new_certificate=text)
    except (Refused, certs.CertificateError) as error:
        message = getattr(error, "message", None) or str(error)
        return _page(
            request,
            pathway,
            errors={"rotate": message},
            new_certificate_text=request.POST.get("new_certificate", ""),
        )
    if run.state == "failed":
        messages.error(request, run.message)
    return redirect("run", run.code)


@login_required
@require_POST
def retire(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    pathway = pathway_for(request, code, key, "run")
    if request.POST.get("confirm") != "yes":
        return _page(
            request,
            pathway,
            errors={
                "retire": _("Tick the box to confirm that %(other_system)s has switched.")
                % {"other_system": pathway.spec.other_system}
            },
        )
    try:
        run = rotate.start_retire(pathway, request.user)
    except Refused as error:
        return _page(request, pathway, errors={"retire": str(error)})
    return redirect("run", run.code)


@login_required
def download_new_certificate(request: SignedInRequest, code: UUID, key: str) -> HttpResponse:
    """The successor certificate of an outbound rotation (public), for the receiver to trust beforehand."""
    pathway = pathway_for(request, code, key)
    rotation = rotate.open_rotation(pathway)
    if rotation is None or not rotation.new.get("certificate"):
        raise Http404(_("No new certificate to hand over"))
    return _file(rotation.new["certificate"], f"{pathway.key}-new-certificate.pem", "application/x-pem-file")
