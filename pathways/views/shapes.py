"""Pages for what a credential shape asks of the user: settle a plan problem by a new name or a confirmed
replacement (stored in the draft, so an approval covers it), and retire a credential the pathway no longer
uses (confirmation, the apply gate, a run)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pathways.engine import retire
from pathways.errors import Refused
from pathways.forms.wizard import clean_value
from pathways.models import LeftoverCredential, LeftoverState
from pathways.models.pathway import Conflict
from pathways.shapes.base import CONFIRM_REPLACE
from pathways.views.access import pathway_for


@login_required
@require_POST
def choose(request, code, key):
    """ "Use the new name X" or "Replace the existing key": the choice goes into the draft."""
    pathway = pathway_for(request, code, key, "edit")
    field_name, choice = request.POST.get("field", ""), request.POST.get("choice", "")
    spec = pathway.spec.field(field_name, pathway.method)
    if spec is None or spec.name not in {f.name for f in pathway.spec.fields(pathway.method)}:
        raise Http404(_("No such field for this method"))
    seen = pathway.version
    if choice == "rename":
        name, error = clean_value(spec, request.POST.get("name", "").strip())
        if error:
            messages.error(request, f"{spec.label}: {error}")
            return redirect("wizard_step", code, key, "review")
        result = pathway.save_field(spec.name, name, seen_version=seen, user=request.user)
        if not isinstance(result, Conflict) and result.draft.get(CONFIRM_REPLACE):
            result.save_field(CONFIRM_REPLACE, "", seen_version=result.version, user=request.user)
        messages.success(
            request,
            _("%(label)s is now %(name)s; the existing one stays live until you retire it.")
            % {"label": spec.label, "name": name},
        )
    elif choice == "replace":
        name = pathway.value(spec.name)
        result = pathway.save_field(CONFIRM_REPLACE, name, seen_version=seen, user=request.user)
        messages.success(
            request, _("Apply will delete %(name)s and create it anew as the draft asks.") % {"name": name}
        )
    else:
        raise Http404(_("No such choice"))
    if isinstance(result, Conflict):
        messages.error(request, f"{result.by} changed the draft meanwhile; review the plan again.")
    return redirect("wizard_step", code, key, "review")


def _leftover(request, code, key, leftover_code, action="view"):
    pathway = pathway_for(request, code, key, action)
    return pathway, get_object_or_404(LeftoverCredential, pathway=pathway, code=leftover_code)


@login_required
def retire_leftover(request, code, key, leftover_code):
    """GET: what will be deleted, with a confirmation; POST (confirmed): the retire run starts."""
    pathway, leftover = _leftover(
        request, code, key, leftover_code, "run" if request.method == "POST" else "view"
    )
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Confirm that nothing uses this credential any more.")
        elif leftover.state == LeftoverState.RETIRED:
            error = _("The %(label)s is already retired.") % {"label": leftover.label}
        else:
            try:
                run = retire.start_retire(leftover, request.user)
            except Refused as refused:
                error = refused.message
            else:
                return redirect("run", run.code)
    return render(
        request,
        "pathways/shapes/retire.html",
        {
            "pathway": pathway,
            "landscape": pathway.landscape,
            "spec": pathway.spec,
            "leftover": leftover,
            "error": error,
            "can_run": pathway.landscape.may(request.user, "run"),
        },
        status=200,
    )
