"""iFlow parameters in the pathways' terms, pure (no ORM, no network): which externalized parameters are about
authentication, which pathway each probably belongs to, and whether an iFlow agrees with a pathway — in words,
with the value the pathway needs where AuthWizard sets it.

Rules follow sap-apis.md §16.7 and D-51: parameters are classified by their key (case-insensitive words),
the first guess of a pathway comes from the iFlow's name ("… from SAP S/4HANA", "… to SSCv2"), and an
authentication type is only ever set to a literal already used by a parameter of the same kind on the
tenant. AuthWizard sets only the receiver's authentication type, credential name and private key alias and
the sender's authorization and user role; addresses and everything else in an iFlow are only read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pathways import catalog
from pathways.models.iflow import ParameterRole
from pathways.shapes.base import KEEP, UPDATE, Action, RemoteState

# What the plan's iFlow actions work on, and the action that redeploys an iFlow.
IFLOW_PARAMETER = "iflow_parameter"
IFLOW = "iflow"
RESOURCES = frozenset({IFLOW_PARAMETER, IFLOW})
DEPLOY = "deploy"

SENDER_ROLES = frozenset(
    {ParameterRole.SENDER_AUTH, ParameterRole.USER_ROLE, ParameterRole.CLIENT_CERTIFICATE}
)
# The roles AuthWizard may write; the others are only shown.
WRITTEN_ROLES = frozenset(
    {
        ParameterRole.RECEIVER_AUTH_TYPE,
        ParameterRole.CREDENTIAL_NAME,
        ParameterRole.PRIVATE_KEY_ALIAS,
        ParameterRole.SENDER_AUTH,
        ParameterRole.USER_ROLE,
    }
)

# What an authentication-type literal means, whatever its spelling ("Client Certificate", "ClientCert"…).
BASIC_MEANING = "basic"
CERTIFICATE_MEANING = "certificate"
USER_ROLE_MEANING = "user_role"
METHOD_MEANING = {catalog.BASIC: BASIC_MEANING, catalog.CERTIFICATE: CERTIFICATE_MEANING}


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9/]+", " ", text.lower()).strip()


# Keys that name a secret or a switch: never read as one of the roles, so never shown or written.
SECRET_WORDS = ("password", "secret", "token", "passphrase", "pwd")
SWITCH_TYPES = ("xsd:boolean",)
SWITCH_VALUES = ("true", "false")


def classify(key: str, data_type: str = "", value: str | None = None) -> str | None:
    """The authentication role of an externalized parameter, from its key (its type and value only rule one
    out); None when it is about something else (a sender address, a proxy type, a schedule…), holds a
    secret, or is a switch such as `enableBasicAuthentication` = `true` (a literal AuthWizard never sets)."""
    words = _words(key)
    squashed = words.replace(" ", "")
    if any(word in squashed for word in SECRET_WORDS):
        return None
    if data_type.lower() in SWITCH_TYPES or (value or "").strip().lower() in SWITCH_VALUES:
        return None
    if any(w in words for w in ("address", "url", "host", "endpoint")):
        return ParameterRole.RECEIVER_ADDRESS if "receiver" in words else None
    if "privatekey" in squashed or "alias" in words:
        return ParameterRole.PRIVATE_KEY_ALIAS
    if "credential" in words:
        return ParameterRole.CREDENTIAL_NAME
    if "authorization" in words or ("sender" in words and "auth" in squashed):
        return ParameterRole.SENDER_AUTH
    if "userrole" in squashed or re.search(r"\brole\b", words):
        return ParameterRole.USER_ROLE
    if "certificate" in words:
        return ParameterRole.CLIENT_CERTIFICATE
    if "auth" in squashed:
        return ParameterRole.RECEIVER_AUTH_TYPE
    return None


_S4 = r"(?:sap[\s_.-]*)?(?:s/?4(?:[\s_.-]*hana)?|erp)"
_SSC = (
    r"(?:sap[\s_.-]*)?"
    r"(?:ssc(?:v?2)?|sales(?:[\s_.-]*and[\s_.-]*service)?[\s_.-]*cloud|service[\s_.-]*cloud|c4c)"
)
S4_SYSTEM, SSC_SYSTEM = "s4", "ssc"


def _system_after(word: str, text: str, boundary: bool) -> str | None:
    edge = r"\b" if boundary else ""
    for system, pattern in ((S4_SYSTEM, _S4), (SSC_SYSTEM, _SSC)):
        if re.search(edge + word + r"[\s_.-]*" + pattern, text):
            return system
    return None


def direction(flow_name: str, flow_id: str) -> tuple[str | None, str | None]:
    """(sending system, receiving system) of an iFlow of the S/4HANA ↔ SSCv2 content, from its name (or its
    id, "…ReplicateProductFromS4HANA"); None where nothing says."""
    for text, boundary in ((flow_name.lower(), True), (flow_id.lower(), False)):
        source = _system_after("from", text, boundary)
        target = _system_after("to", text, boundary)
        if source or target:
            other = {S4_SYSTEM: SSC_SYSTEM, SSC_SYSTEM: S4_SYSTEM}
            return source or other[str(target)], target or other[str(source)]
    return None, None


def guess_pathway(flow_name: str, flow_id: str, role: str) -> str:
    """The pathway a parameter probably belongs to: a sender parameter to the pathway from the sending
    system into CPI, a receiver parameter to the one from CPI to the receiving system; "" when unknown."""
    source, target = direction(flow_name, flow_id)
    if role in SENDER_ROLES:
        return f"{source}_to_cpi" if source else ""
    return f"cpi_to_{target}" if target else ""


def meaning(value: str) -> str:
    """What an authentication literal means: basic, certificate, user_role, or the squashed literal."""
    squashed = re.sub(r"[^a-z0-9]", "", value.lower())
    if squashed.startswith("basic"):
        return BASIC_MEANING
    if "cert" in squashed:
        return CERTIFICATE_MEANING
    if "role" in squashed:
        return USER_ROLE_MEANING
    return squashed


@dataclass(frozen=True)
class Parameter:
    """One parameter as the rules read it: stored (the page) or just read from CPI (a plan)."""

    flow_id: str
    flow_name: str
    key: str
    role: str
    value: str


@dataclass(frozen=True)
class Verdict:
    """Whether one parameter agrees with the pathway, in one sentence; `wanted` is the value an apply sets
    (None: AuthWizard does not set it); `problem` says why it cannot be set from here."""

    parameter: Parameter
    agrees: bool
    sentence: str
    wanted: str | None = None
    problem: str = ""

    @property
    def changes(self) -> bool:
        return not self.agrees and self.wanted is not None and not self.problem


def _literal_for(wanted_meaning: str, role: str, known: Iterable[Parameter]) -> str | None:
    """A literal already used on the tenant by a parameter of the same role that means `wanted_meaning`."""
    found = sorted(
        {p.value for p in known if p.role == role and p.value and meaning(p.value) == wanted_meaning}
    )
    return found[0] if found else None


def _method_words(method: str) -> str:
    return _("Basic") if method == catalog.BASIC else _("client certificate")


def _value_words(value: str) -> str:
    found = meaning(value)
    if found == BASIC_MEANING:
        return _("Basic")
    if found == CERTIFICATE_MEANING:
        return _("client certificate")
    if found == USER_ROLE_MEANING:
        return _("a user role")
    return value or _("nothing")


def judge(
    pathway_key: str,
    method: str,
    desired: dict[str, object],
    parameters: Sequence[Parameter],
    *,
    known: Sequence[Parameter] = (),
    created: Iterable[str] = (),
) -> list[Verdict]:
    """A verdict for each parameter of the pathway's iFlows, in parameter order, and one per iFlow that lacks
    a parameter the method needs. `known` are all parameters of the landscape (for literals already in use);
    `created` the names the pathway's last apply produced ("this pathway created …")."""
    spec = catalog.get(pathway_key)
    made = set(created)
    verdicts = [_judge_one(spec, method, desired, p, known or parameters, made) for p in parameters]
    verdicts.extend(_missing(spec, method, parameters))
    return verdicts


def _by_pathway(name: str, made: set[str]) -> str:
    if name in made:
        return _("this pathway created %(name)s") % {"name": name}
    return _("this pathway's draft names %(name)s") % {"name": name}


def _judge_one(
    spec: catalog.Pathway,
    method: str,
    desired: dict[str, object],
    p: Parameter,
    known: Sequence[Parameter],
    made: set[str],
) -> Verdict:
    flow = {"flow": p.flow_name or p.flow_id, "current": p.value or _("nothing")}
    role = p.role
    if role == ParameterRole.CREDENTIAL_NAME:
        if method != catalog.BASIC:
            return Verdict(
                p,
                True,
                _("iFlow %(flow)s: credential %(current)s is not used with a client certificate") % flow,
            )
        wanted = str(desired.get("credential_name") or "")
        if p.value == wanted:
            return Verdict(
                p, True, _("iFlow %(flow)s uses credential %(current)s, as this pathway") % flow, wanted
            )
        return Verdict(
            p,
            False,
            _("iFlow %(flow)s uses credential %(current)s; ") % flow + _by_pathway(wanted, made),
            wanted,
        )
    if role == ParameterRole.PRIVATE_KEY_ALIAS:
        if method != catalog.CERTIFICATE:
            return Verdict(
                p, True, _("iFlow %(flow)s: private key alias %(current)s is not used with Basic") % flow
            )
        wanted = str(desired.get("alias") or "")
        if p.value == wanted:
            return Verdict(
                p, True, _("iFlow %(flow)s uses key pair %(current)s, as this pathway") % flow, wanted
            )
        return Verdict(
            p,
            False,
            _("iFlow %(flow)s uses key pair %(current)s; ") % flow + _by_pathway(wanted, made),
            wanted,
        )
    if role == ParameterRole.RECEIVER_AUTH_TYPE:
        return _auth_type(
            p,
            method,
            known,
            flow,
            _("receiver of iFlow %(flow)s authenticates with %(is)s, pathway is %(method)s"),
        )
    if role == ParameterRole.SENDER_AUTH:
        return _sender_auth(p, method, known, flow)
    if role == ParameterRole.USER_ROLE:
        roles = [r.strip() for r in str(desired.get("roles") or "ESBMessaging.send").split(",") if r.strip()]
        words = {**flow, "roles": ", ".join(roles)}
        if p.value in roles:
            return Verdict(
                p,
                True,
                _("sender of iFlow %(flow)s checks role %(current)s, which this pathway grants") % words,
                p.value,
            )
        return Verdict(
            p,
            False,
            _("sender of iFlow %(flow)s checks role %(current)s; this pathway grants %(roles)s") % words,
            roles[0],
        )
    if role == ParameterRole.CLIENT_CERTIFICATE:
        return Verdict(p, True, _("sender of iFlow %(flow)s names the client certificate %(current)s") % flow)
    return Verdict(p, True, _("receiver address of iFlow %(flow)s is %(current)s") % flow)


def _auth_type(
    p: Parameter, method: str, known: Sequence[Parameter], flow: dict[str, str], text: str
) -> Verdict:
    want = METHOD_MEANING[method]
    words = {**flow, "is": _value_words(p.value), "method": _method_words(method)}
    if meaning(p.value) == want:
        return Verdict(
            p,
            True,
            _("receiver of iFlow %(flow)s authenticates with %(method)s, as this pathway") % words,
            p.value,
        )
    literal = _literal_for(want, p.role, known)
    sentence = text % words
    if literal is None:
        problem = (
            _(
                "no iFlow of this landscape uses an authentication type meaning %(method)s yet; set it "
                "once in CPI's Configure dialog, then discover the iFlows again"
            )
            % words
        )
        return Verdict(p, False, sentence, None, problem)
    return Verdict(p, False, sentence, literal)


def _sender_auth(p: Parameter, method: str, known: Sequence[Parameter], flow: dict[str, str]) -> Verdict:
    current = meaning(p.value)
    words = {**flow, "method": _method_words(method)}
    if current == USER_ROLE_MEANING:
        # A user role check works with Basic and with a certificate mapped to the instance's user.
        return Verdict(
            p,
            True,
            _("sender of iFlow %(flow)s checks the user role, which works with %(method)s") % words,
            p.value,
        )
    if current == CERTIFICATE_MEANING and method == catalog.CERTIFICATE:
        return Verdict(
            p,
            True,
            _("sender of iFlow %(flow)s expects a client certificate, as this pathway") % words,
            p.value,
        )
    sentence = _("sender of iFlow %(flow)s expects %(is)s, pathway is %(method)s") % {
        **words,
        "is": _value_words(p.value),
    }
    literal = _literal_for(USER_ROLE_MEANING, p.role, known)
    if literal is None:
        problem = _(
            "no iFlow of this landscape checks a user role yet; set the sender's authorization once in CPI's "
            "Configure dialog, then discover the iFlows again"
        )
        return Verdict(p, False, sentence, None, problem)
    return Verdict(p, False, sentence, literal)


def _missing(spec: catalog.Pathway, method: str, parameters: Sequence[Parameter]) -> list[Verdict]:
    """An outbound iFlow that exposes no parameter for the method's credential cannot be wired from here."""
    if spec.is_inbound:
        return []
    needed = ParameterRole.CREDENTIAL_NAME if method == catalog.BASIC else ParameterRole.PRIVATE_KEY_ALIAS
    label = _("credential name") if method == catalog.BASIC else _("private key alias")
    flows: dict[str, Parameter] = {}
    have: set[str] = set()
    for p in parameters:
        flows.setdefault(p.flow_id, p)
        if p.role == needed:
            have.add(p.flow_id)
    verdicts = []
    for flow_id, first in flows.items():
        if flow_id in have:
            continue
        words = {"flow": first.flow_name or flow_id, "what": label, "method": _method_words(method)}
        sentence = _("iFlow %(flow)s exposes no %(what)s parameter, so it cannot use %(method)s") % words
        problem = (
            _("externalize the %(what)s of iFlow %(flow)s in CPI, then discover the iFlows again") % words
        )
        gap = Parameter(flow_id, first.flow_name, "", needed, "")
        verdicts.append(Verdict(gap, False, sentence, None, problem))
    return verdicts


def plan_actions(
    pathway_key: str, method: str, desired: dict[str, object], remote: RemoteState
) -> list[Action]:
    """The plan's iFlow part: per iFlow that uses the pathway, the parameters to set (or a problem) or one
    action keeping it as it is; then one redeploy per iFlow with a parameter to set."""
    parameters = list(remote.iflow_parameters)
    if not parameters:
        return []
    verdicts = judge(
        pathway_key, method, desired, parameters, known=list(remote.iflow_known), created=remote.created_names
    )
    by_flow: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        by_flow.setdefault(verdict.parameter.flow_id, []).append(verdict)
    changes: list[Action] = []
    redeploys: list[Action] = []
    for flow_id, flow_verdicts in by_flow.items():
        name = flow_verdicts[0].parameter.flow_name or flow_id
        acting = [v for v in flow_verdicts if not v.agrees]
        for verdict in acting:
            p = verdict.parameter
            changes.append(
                Action(
                    UPDATE,
                    IFLOW_PARAMETER,
                    f"iFlow {name}: {p.key}" if p.key else f"iFlow {name}",
                    verdict.sentence,
                    {
                        "flow_id": flow_id,
                        "flow_name": name,
                        "key": p.key,
                        "from": p.value,
                        "to": verdict.wanted,
                    },
                    problem=verdict.problem,
                )
            )
        if any(v.changes for v in acting):
            reason = _("so that the new parameter values take effect; Apply waits until it is started")
            redeploys.append(
                Action(DEPLOY, IFLOW, f"iFlow {name}", reason, {"flow_id": flow_id, "flow_name": name})
            )
        elif not acting:
            sentences = "; ".join(v.sentence for v in flow_verdicts if v.wanted is not None) or _("agrees")
            changes.append(
                Action(KEEP, IFLOW, f"iFlow {name}", sentences, {"flow_id": flow_id, "flow_name": name})
            )
    return changes + redeploys
