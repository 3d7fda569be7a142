"""Inbound shape: an it-rt service instance (plan integration-flow) and a service key of it, with which the
sender (S/4HANA or SSCv2) calls CPI — a ClientId/Secret key (Basic), an SAP-generated certificate key, or an
External Certificate key holding the sender's own certificate.

Keys cannot change in place: another kind under the draft's name is never kept; the plan asks for a new name
or a confirmed replacement. Verification proves the drafted kind (a certificate key is never verified with a
client secret).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways import catalog, certs
from pathways.errors import EngineError
from pathways.sap.errors import SapError
from pathways.sap.keys import KIND_CERTIFICATE, KIND_EXTERNAL_CERTIFICATE, KIND_SECRET, ServiceKey
from pathways.sap.runtime import FORBIDDEN, NOT_FOUND, UNAUTHORIZED, call_endpoint, endpoint_url
from pathways.shapes.base import (
    CONFIRM_REPLACE,
    CREATE,
    HANDOFF_CERTIFICATE,
    HANDOFF_CLIENTSECRET,
    HANDOFF_PRIVATE_KEY,
    INSTANCE,
    KEEP,
    KEY,
    REPLACE,
    UPDATE,
    Action,
    Check,
    Findings,
    RemoteInstance,
    RemoteKey,
    RemoteState,
    Shape,
    Work,
    leaf_fingerprint,
    same_fingerprint,
    short_fingerprint,
    store_handoff,
)

if TYPE_CHECKING:
    from pathways.catalog import Pathway as PathwaySpec
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Pathway, Rotation

SECRET_KEY = KIND_SECRET
SAP_CERTIFICATE_KEY = KIND_CERTIFICATE
EXTERNAL_CERTIFICATE_KEY = KIND_EXTERNAL_CERTIFICATE
KEY_KIND_WORDS = {
    SECRET_KEY: gettext_lazy("a ClientId/Secret key"),
    SAP_CERTIFICATE_KEY: gettext_lazy("an SAP-generated certificate key"),
    EXTERNAL_CERTIFICATE_KEY: gettext_lazy("an External Certificate key"),
}
DEFAULT_ROLE = "ESBMessaging.send"
GRANT_TYPES = ["client_credentials"]
DEPRECATED_GRANT = "client_x509"
KEY_NAME_LIMIT = 32
ROTATION_SUFFIX = re.compile(r"-r\d{6}(-\d+)?$")
RIGHTS = ("cf_login", "cf_space_developer", "it_rt_plan", "runtime")


# --- the planner's pure part -------------------------------------------------------------------------------


def desired_roles(desired: dict[str, Any]) -> list[str]:
    text = desired.get("roles") or DEFAULT_ROLE
    roles = [role.strip() for role in str(text).split(",") if role.strip()]
    return roles or [DEFAULT_ROLE]


def instance_parameters(desired: dict[str, Any]) -> dict[str, Any]:
    """The `integration-flow` parameters sent (§6.2): roles, client_credentials, token validity."""
    return {
        "grant-types": list(GRANT_TYPES),
        "redirect-uris": [],
        "roles": desired_roles(desired),
        "token-validity": int(desired.get("token_validity") or 3600),
    }


def _parameter_differences(wanted: dict[str, Any], found: dict[str, Any]) -> list[str]:
    differences = []
    grants = found.get("grant-types")
    if isinstance(grants, list) and DEPRECATED_GRANT in grants:
        differences.append(_("still on the deprecated client_x509 grant type (switch to client_credentials)"))
    elif sorted(grants or GRANT_TYPES) != sorted(wanted["grant-types"]):
        differences.append(
            _("grant types %(join)s instead of client_credentials") % {"join": ", ".join(grants or [])}
        )
    roles = found.get("roles")
    if sorted(roles or [DEFAULT_ROLE]) != sorted(wanted["roles"]):
        differences.append(
            _("roles %(join)s instead of %(join2)s")
            % {"join": ", ".join(roles or [DEFAULT_ROLE]), "join2": ", ".join(wanted["roles"])}
        )
    validity = found.get("token-validity", 3600)
    if validity != wanted["token-validity"]:
        differences.append(
            _("token validity %(validity)s s instead of %(token_validity)s s")
            % {"validity": validity, "token_validity": wanted["token-validity"]}
        )
    return differences


def instance_action(desired: dict[str, Any], found: RemoteInstance | None) -> Action:
    name = desired.get("instance_name") or ""
    target = _("service instance %(name)s") % {"name": name}
    parameters = instance_parameters(desired)
    data = {"name": name, "parameters": parameters}
    if found is None:
        return Action(CREATE, INSTANCE, target, _("no instance of this name exists in the space"), data)
    data["guid"] = found.guid
    if not found.plan_matches:
        return Action(
            KEEP,
            INSTANCE,
            target,
            _("an instance of this name exists with another plan"),
            data,
            problem=_(
                "the name is taken by an instance that is not it-rt/integration-flow; choose "
                "another instance name"
            ),
        )
    if found.state == "in progress":
        return Action(
            KEEP,
            INSTANCE,
            target,
            _("an operation is still running on the instance"),
            data,
            problem=_("an operation is in progress on this instance; try again when it has finished"),
        )
    if found.state == "failed" and found.operation == "create":
        return Action(
            REPLACE, INSTANCE, target, _("its creation failed earlier; delete it and create it again"), data
        )
    if found.parameters is None:
        return Action(
            UPDATE,
            INSTANCE,
            target,
            _("its parameters cannot be read back; apply roles, grant type and token validity"),
            data,
        )
    differences = _parameter_differences(parameters, found.parameters)
    if differences:
        return Action(UPDATE, INSTANCE, target, "; ".join(differences), data)
    return Action(
        KEEP, INSTANCE, target, _("exists with the wanted roles, grant type and token validity"), data
    )


def key_kind(method: str, desired: dict[str, Any]) -> str:
    """The kind of key the draft asks for."""
    if method == catalog.BASIC:
        return SECRET_KEY
    if (desired.get("certificate_source") or "external") == "sap_generated":
        return SAP_CERTIFICATE_KEY
    return EXTERNAL_CERTIFICATE_KEY


def key_parameters(method: str, desired: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str, str]:
    """(key kind, CF parameters or None, leaf fingerprint, problem) for the draft's key."""
    kind = key_kind(method, desired)
    if kind == SECRET_KEY:
        return SECRET_KEY, None, "", ""
    if kind == SAP_CERTIFICATE_KEY:
        parameters = {
            "key-type": "certificate",
            "validity": int(desired.get("validity_days") or 365),
            "key-length": int(desired.get("key_length") or 2048),
        }
        return SAP_CERTIFICATE_KEY, parameters, "", ""
    pem = (desired.get("external_certificate") or "").strip()
    if not pem:
        return EXTERNAL_CERTIFICATE_KEY, None, "", _("upload the sender's client certificate first")
    try:
        leaf = certs.parse_certificates(pem).leaf
    except certs.CertificateError as error:
        return (
            EXTERNAL_CERTIFICATE_KEY,
            None,
            "",
            _("the uploaded certificate cannot be read: %(error)s") % {"error": error},
        )
    parameters = {"key-type": "certificate_external", "X.509": leaf.pem.decode("ascii")}
    return EXTERNAL_CERTIFICATE_KEY, parameters, leaf.fingerprint_sha256, ""


def free_name(wanted: str, taken: set[str]) -> str:
    """`wanted` when it is free, else `wanted-2`, `wanted-3`… (≤ 32 characters)."""
    if wanted not in taken:
        return wanted
    for number in range(2, 100):
        suffix = f"-{number}"
        candidate = wanted[: KEY_NAME_LIMIT - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    return ""


def key_action(
    spec: catalog.Pathway, method: str, desired: dict[str, Any], remote: RemoteState, instance: Action
) -> Action:
    name = desired.get("key_name") or ""
    found = remote.key
    target = _("service key %(name)s") % {"name": name}
    kind, parameters, fingerprint, problem = key_parameters(method, desired)
    data: dict[str, Any] = {"name": name, "kind": kind, "parameters": parameters, "fingerprint": fingerprint}
    if problem:
        return Action(
            CREATE if found is None else KEEP,
            KEY,
            target,
            _("the key cannot be described yet"),
            data,
            problem=problem,
        )
    if instance.kind in (CREATE, REPLACE) or found is None:
        why = (
            _("the instance is new")
            if instance.kind in (CREATE, REPLACE)
            else _("no key of this name exists")
        )
        return Action(
            CREATE,
            KEY,
            target,
            _("%(why)s: create %(value)s") % {"why": why, "value": KEY_KIND_WORDS[kind]},
            data,
        )
    data["guid"] = found.guid
    if found.state == "failed":
        return Action(
            REPLACE, KEY, target, _("its creation failed earlier; delete it and create it again"), data
        )
    if found.state in ("in progress", "initial"):
        return Action(
            KEEP,
            KEY,
            target,
            _("the key is still being created"),
            data,
            problem=_("the key is still being created; try again in a minute"),
        )
    if found.kind and found.kind != kind:
        difference = _("it is %(get)s, the draft asks for %(value)s") % {
            "get": KEY_KIND_WORDS.get(found.kind, found.kind),
            "value": KEY_KIND_WORDS[kind],
        }
    elif (
        kind == EXTERNAL_CERTIFICATE_KEY
        and found.fingerprint
        and fingerprint
        and not same_fingerprint(found.fingerprint, fingerprint)
    ):
        difference = _("it holds another certificate than the one uploaded")
    else:
        return Action(KEEP, KEY, target, _("exists as %(value)s") % {"value": KEY_KIND_WORDS[kind]}, data)
    data["replaces"] = {"key_name": name, "key_guid": found.guid, "key_kind": found.kind}
    if desired.get(CONFIRM_REPLACE) == name:
        return Action(
            REPLACE,
            KEY,
            target,
            _(
                "%(difference)s; replaced as confirmed: delete it (its credentials stop working at "
                "once) and create %(value)s"
            )
            % {"difference": difference, "value": KEY_KIND_WORDS[kind]},
            data,
        )
    default = spec.default("key_name", method)
    taken = {*remote.taken_names, name}
    proposal = free_name(default, taken)
    data["choices"] = {"field": "key_name", "what": "key", "rename": proposal, "replace": name}
    return Action(
        KEEP,
        KEY,
        target,
        _("%(difference)s — a key cannot be changed in place") % {"difference": difference},
        data,
        problem=_(
            "the service key %(name)s is %(get)s%(value)s, not what the draft asks for; use "
            "the new name %(proposal)s (the existing key stays live until you retire it) or "
            "replace the existing key (delete it and create %(value2)s)"
        )
        % {
            "name": name,
            "get": KEY_KIND_WORDS.get(found.kind or kind, "another key"),
            "value": "" if found.kind != kind else " with another certificate",
            "proposal": proposal,
            "value2": KEY_KIND_WORDS[kind],
        },
    )


# --- reading -----------------------------------------------------------------------------------------------


def describe_key(guid: str, name: str, service_key: ServiceKey) -> RemoteKey:
    return RemoteKey(
        guid=guid,
        name=name,
        kind=service_key.kind,
        fingerprint=leaf_fingerprint(service_key.certificate),
        valid_until=service_key.valid_until.isoformat() if service_key.valid_until else None,
        state="succeeded",
    )


def key_not_after(service_key: ServiceKey) -> datetime | None:
    """The key certificate's end of validity: from `certificatedetails`, else from the certificate itself."""
    if service_key.valid_until is not None:
        return service_key.valid_until
    if service_key.kind == KIND_EXTERNAL_CERTIFICATE or service_key.certificate:
        try:
            return certs.parse_certificates(service_key.certificate or "").leaf.not_after
        except certs.CertificateError:
            return None
    return None


def record_key(work: Work, name: str) -> None:
    """Put the key's public facts into `applied` and its secrets into the vault for the hand-off sheet."""
    key: ServiceKey = work.service_key
    work.applied.update(
        shape=ItRtKey.key,
        key_name=name,
        key_guid=work.key_guid,
        key_kind=key.kind,
        clientid=key.clientid,
        url=key.url,
        tokenurl=key.tokenurl,
        fingerprint=leaf_fingerprint(key.certificate),
        validuntil=key.valid_until.isoformat() if key.valid_until else None,
    )
    if key.kind == KIND_SECRET:
        store_handoff(work.pathway, HANDOFF_CLIENTSECRET, key.clientsecret)
    if key.kind == KIND_CERTIFICATE:
        store_handoff(work.pathway, HANDOFF_PRIVATE_KEY, key.key)
    store_handoff(work.pathway, HANDOFF_CERTIFICATE, key.certificate)


def forget_reveals(pathway: Pathway) -> None:
    """A new key's hand-off may be revealed once again."""
    from pathways.models import Secret

    Secret.objects.filter(pathway=pathway, name__startswith="handoff_revealed_").delete()


def successor_key_name(old_name: str, taken: set[str], today: datetime) -> str:
    """`<name>-rYYMMDD` (≤ 32 characters), with `-2`, `-3`… when that is taken."""
    base = ROTATION_SUFFIX.sub("", old_name) or "key"
    stamp = f"-r{today:%y%m%d}"
    for number in range(1, 100):
        suffix = stamp if number == 1 else f"{stamp}-{number}"
        candidate = base[: KEY_NAME_LIMIT - len(suffix)] + suffix
        if candidate not in taken and candidate != old_name:
            return candidate
    raise EngineError(
        _("No free name for the new service key; delete old rotated keys first"), code="no_free_name"
    )


class ItRtKey(Shape):
    verify_steps = 2  # the most verify checks a run of this shape makes
    key = "it_rt_key"
    label = gettext_lazy("it-rt service key")
    rights = RIGHTS
    markers = ("key_name", "key_guid", "instance_name")

    # --- plan --------------------------------------------------------------------------------------------
    def plan(
        self, spec: PathwaySpec, method: str, desired: dict[str, Any], remote: RemoteState
    ) -> list[Action]:
        instance = instance_action(desired, remote.instance)
        return [instance, key_action(spec, method, desired, remote, instance)]

    def read(self, connection: Connection, work: Work) -> RemoteState:
        cf, desired, applied = connection.cf, work.desired, work.pathway.applied
        space = connection.space()
        plan_guid = connection.integration_flow_plan_guid()
        found = cf.find_instance(space.guid, desired.get("instance_name") or "")
        if found is None:
            return RemoteState()
        work.instance_guid = found.guid
        parameters = cf.instance_parameters(found.guid)
        if parameters is None and applied.get("instance_guid") == found.guid:
            parameters = applied.get("instance_parameters")
        operation = found.last_operation
        instance = RemoteInstance(
            guid=found.guid,
            name=found.name,
            plan_matches=found.plan_guid == plan_guid,
            state=operation.state if operation else None,
            operation=operation.type if operation else None,
            parameters=parameters,
        )
        if instance.state == "failed" or not instance.plan_matches:
            return RemoteState(instance=instance)
        binding = cf.find_key(found.guid, desired.get("key_name") or "")
        if binding is None:
            return RemoteState(instance=instance)
        work.key_guid = binding.guid
        state = binding.last_operation.state if binding.last_operation else None
        key = RemoteKey(guid=binding.guid, name=binding.name, state=state)
        taken: tuple[str, ...] = ()
        if state in (None, "succeeded"):
            work.service_key = cf.key_details(binding.guid)
            key = describe_key(binding.guid, binding.name, work.service_key)
            if key.kind != key_kind(work.pathway.method, desired) or (
                key.kind == EXTERNAL_CERTIFICATE_KEY
                and not same_fingerprint(key.fingerprint, key_parameters(work.pathway.method, desired)[2])
            ):
                taken = tuple(k.name for k in cf.list_keys(found.guid))  # to propose a free name
        return RemoteState(instance=instance, key=key, taken_names=taken)

    # --- apply -------------------------------------------------------------------------------------------
    def execute(self, connection: Connection, work: Work, action: Action) -> str:
        return (self._instance if action.resource == INSTANCE else self._key)(connection, work, action)

    def _instance(self, connection: Connection, work: Work, action: Action) -> str:
        cf, data = connection.cf, action.data
        space_guid = connection.space().guid
        message = _("kept %(name)s") % {"name": data["name"]}
        if action.kind == REPLACE:
            cf.delete_instance(data["guid"])
        if action.kind in (CREATE, REPLACE):
            try:
                instance = cf.create_instance(
                    space_guid,
                    connection.integration_flow_plan_guid(),
                    data["name"],
                    data["parameters"],
                    labels={"authwizard": work.pathway.key},
                )
                message = _("created %(name)s") % {"name": data["name"]}
            except SapError as error:
                if error.code != "duplicate_instance_name":
                    raise
                found = cf.find_instance(space_guid, data["name"])
                if found is None:
                    raise
                instance = found
                cf.update_instance_parameters(instance.guid, data["parameters"])
                message = _("adopted the existing %(name)s and applied its parameters") % {
                    "name": data["name"]
                }
            work.instance_guid = instance.guid
        elif action.kind == UPDATE:
            cf.update_instance_parameters(data["guid"], data["parameters"])
            work.instance_guid = data["guid"]
            message = _("updated %(name)s: %(reason)s") % {"name": data["name"], "reason": action.reason}
        else:
            work.instance_guid = data["guid"]
        work.applied.update(
            shape=self.key,
            instance_name=data["name"],
            instance_guid=work.instance_guid,
            instance_parameters=data["parameters"],
        )
        return message

    def _key(self, connection: Connection, work: Work, action: Action) -> str:
        cf, data = connection.cf, action.data
        if work.instance_guid is None:
            raise EngineError(
                _("The service instance is missing, so no key can be created"), code="plan_problem"
            )
        message = _("kept %(name)s") % {"name": data["name"]}
        if action.kind == REPLACE:
            cf.delete_key(data["guid"])
            if data.get("replaces"):
                work.removed.append(dict(data["replaces"], instance_guid=work.instance_guid))
        if action.kind in (CREATE, REPLACE):
            try:
                binding = cf.create_key(work.instance_guid, data["name"], data["parameters"])
                message = _("created %(name)s") % {"name": data["name"]}
            except SapError as error:
                if error.code != "duplicate_key_name":
                    raise
                found_key = cf.find_key(work.instance_guid, data["name"])
                if found_key is None:
                    raise
                binding = found_key
                binding = cf.wait_for_key(binding)
                message = _("adopted the existing %(name)s") % {"name": data["name"]}
            work.key_guid = binding.guid
            work.service_key = cf.key_details(binding.guid)
            if binding.guid != work.pathway.applied.get("key_guid"):
                forget_reveals(work.pathway)  # a new key: its secret may be handed over once again
            if data.get("replaces"):
                message = _("replaced %(name)s (%(value)s now)") % {
                    "name": data["name"],
                    "value": KEY_KIND_WORDS[data["kind"]],
                }
        elif work.service_key is None:
            work.key_guid = data["guid"]
            work.service_key = cf.key_details(data["guid"])
        record_key(work, data["name"])
        return message

    # --- verify ------------------------------------------------------------------------------------------
    def verify_checks(self, connection: Connection, work: Work, findings: Findings) -> list[Check]:
        key = work.service_key
        if key is None:
            return [Check(_("Verify: the service key exists"), _missing_key)]
        wanted = key_kind(work.pathway.method, work.desired)
        if key.kind != wanted:
            return [Check(_("Verify: the key is of the drafted kind"), lambda: _wrong_kind(work, wanted))]
        if key.kind == KIND_SECRET:
            return [
                Check(
                    _("Verify: a token from the key's client secret"),
                    lambda: _secret_token(connection, work, findings),
                ),
                Check(
                    _("Verify: call the runtime endpoint with that token"),
                    lambda: _runtime_call(connection, work, findings),
                ),
            ]
        if key.kind == KIND_CERTIFICATE:
            return [
                Check(
                    _("Verify: a token over mTLS with the key's certificate"),
                    lambda: _mtls_token(connection, work, findings),
                ),
                Check(
                    _("Verify: call the runtime endpoint with the key's certificate"),
                    lambda: _runtime_call(connection, work, findings, mtls=True),
                ),
            ]
        return [
            Check(
                _("Verify: the key holds the uploaded certificate, valid today"),
                lambda: _external_key(work, findings),
            )
        ]

    def refresh(self, connection: Connection, work: Work) -> bool:
        """A verify run reads the key it found by name; its facts become the applied ones."""
        if work.service_key is not None and work.key_guid:
            record_key(work, work.desired.get("key_name") or "")
            return True
        return False

    # --- drift -------------------------------------------------------------------------------------------
    def drift(self, connection: Connection, applied: dict[str, Any]) -> list[str]:
        cf = connection.cf
        name, guid = applied.get("instance_name") or "", applied.get("instance_guid") or ""
        found = cf.find_instance(connection.space().guid, name)
        if found is None:
            return [_("The service instance %(name)s was deleted.") % {"name": name}]
        differences = []
        if guid and found.guid != guid:
            differences.append(
                _("The service instance %(name)s was deleted and created again (another guid).")
                % {"name": name}
            )
        key_name, key_guid = applied.get("key_name") or "", applied.get("key_guid") or ""
        if not key_name:
            return differences
        binding = cf.find_key(found.guid, key_name)
        if binding is None:
            return [*differences, _("The service key %(key_name)s was deleted.") % {"key_name": key_name}]
        if key_guid and binding.guid != key_guid:
            differences.append(
                _(
                    "The service key %(key_name)s was deleted and created again: the credentials "
                    "handed over no longer work."
                )
                % {"key_name": key_name}
            )
        elif applied.get("fingerprint"):
            remote = leaf_fingerprint(cf.key_details(binding.guid).certificate)
            if not same_fingerprint(remote, applied["fingerprint"]):
                differences.append(
                    _(
                        "The certificate of service key %(key_name)s changed (fingerprint "
                        "%(short_fingerprint)s…, handed over %(short_fingerprint2)s…)."
                    )
                    % {
                        "key_name": key_name,
                        "short_fingerprint": short_fingerprint(remote),
                        "short_fingerprint2": short_fingerprint(applied["fingerprint"]),
                    }
                )
        return differences

    # --- what is used, and retiring what is not ---------------------------------------------------------
    def identity(self, applied: dict[str, Any]) -> dict[str, Any] | None:
        if not applied.get("key_guid"):
            return None
        names = (
            "key_name",
            "key_guid",
            "key_kind",
            "clientid",
            "instance_guid",
            "instance_name",
            "fingerprint",
        )
        return {name: applied[name] for name in names if applied.get(name) is not None}

    def same(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        return left.get("key_guid") == right.get("key_guid")

    def describe(self, facts: dict[str, Any]) -> str:
        kind = KEY_KIND_WORDS.get(facts.get("key_kind") or "", "a service key")
        return _("service key %(get)s (%(value)s)") % {
            "get": facts.get("key_name", ""),
            "value": kind.split(" ", 1)[1],
        }

    def still_exists(self, connection: Connection, facts: dict[str, Any]) -> bool:
        return any(k.guid == facts.get("key_guid") for k in connection.cf.list_keys(facts["instance_guid"]))

    def retire(
        self, connection: Connection, recorder: Recorder, facts: dict[str, Any], pathway: Pathway
    ) -> str:
        cf, name = connection.cf, facts.get("key_name", "")
        with recorder.step(_("Delete the service key %(name)s") % {"name": name}) as outcome:
            cf.delete_key(facts["key_guid"])
            outcome.message = _("deleted %(name)s") % {"name": name}
        with recorder.step(_("Confirm %(name)s is gone") % {"name": name}) as outcome:
            if self.still_exists(connection, facts):
                raise SapError(
                    _("The service key %(name)s still exists after its deletion") % {"name": name},
                    retryable=True,
                )
            outcome.message = _("%(name)s no longer exists; its credentials stop working") % {"name": name}
        if facts.get("key_kind") == KIND_SECRET and (pathway.applied or {}).get("key_kind") != KIND_SECRET:
            from pathways.models import Secret

            Secret.objects.filter(pathway=pathway, name=HANDOFF_CLIENTSECRET).delete()
        return _("Retired the %(describe)s") % {"describe": self.describe(facts)}

    # --- hand-off, expiry, sender keys -------------------------------------------------------------------
    def handoff_items(self, pathway: Pathway) -> list:
        from pathways.handoff import Item

        landscape, applied, other = pathway.landscape, pathway.applied or {}, pathway.spec.other_system
        runtime = (applied.get("url") or landscape.runtime_url).rstrip("/")
        rows = [
            Item(
                _("Endpoint URL"),
                f"{runtime}{landscape.endpoint_path}",
                _("%(other)s: the logical port / destination / communication system that calls CPI")
                % {"other": other},
            ),
            Item(
                _("Client ID (user)"),
                applied.get("clientid", ""),
                _("%(other)s: user or client ID of that connection") % {"other": other},
            ),
        ]
        kind = applied.get("key_kind") or key_kind(pathway.method, pathway.draft)
        if kind == KIND_SECRET:
            rows.append(
                Item(
                    _("Client secret (password)"),
                    "",
                    _("%(other)s: the password of that connection; shown once, after Reveal")
                    % {"other": other},
                    "reveal",
                )
            )
            rows.append(
                Item(
                    _("Token URL (only for OAuth)"),
                    applied.get("tokenurl", ""),
                    _("Only when the sender uses OAuth client credentials instead of Basic"),
                )
            )
        elif kind == KIND_CERTIFICATE:
            rows.append(
                Item(
                    _("Client certificate and private key"),
                    "",
                    _(
                        "Import into %(other)s's client PSE / keystore as PKCS#12, protected by a "
                        "passphrase you choose"
                    )
                    % {"other": other},
                    "pkcs12",
                )
            )
        else:
            rows.append(
                Item(
                    _("Client certificate"),
                    applied.get("fingerprint", ""),
                    _("%(other)s must send this certificate with its full chain") % {"other": other},
                )
            )
        rows.append(Item(_("Server root CA to trust"), "", f"{other}: {pathway.spec.server_root_home}", "ca"))
        return rows

    def certificate_source(self, applied: dict[str, Any]) -> str:
        return (
            _("service key %(key_name)s") % {"key_name": applied["key_name"]}
            if applied.get("key_name")
            else _("the applied certificate")
        )

    def takes_sender_certificate(self, pathway: Pathway) -> bool:
        return key_kind(pathway.method, {"certificate_source": pathway.value("certificate_source")}) == (
            EXTERNAL_CERTIFICATE_KEY
        )

    def sender_fingerprint(self, draft: dict[str, Any], method: str) -> str | None:
        if key_kind(method, draft) != EXTERNAL_CERTIFICATE_KEY:
            return None
        return key_parameters(method, draft)[2] or None

    def proposed_names(self, pathway: Pathway, old_method: str, new_method: str) -> dict[str, str]:
        """The new method's default key name, when the draft still holds the old method's default or the
        name of the applied key of another kind."""
        current = pathway.draft.get("key_name")
        if not current:
            return {}
        old_default = pathway.spec.default("key_name", old_method)
        new_default = pathway.spec.default("key_name", new_method)
        applied = pathway.applied or {}
        wanted = key_kind(new_method, pathway.draft)
        applied_other = current == applied.get("key_name") and applied.get("key_kind") not in (None, wanted)
        if current != new_default and (current == old_default or applied_other):
            return {"key_name": new_default}
        return {}

    # --- rotation ----------------------------------------------------------------------------------------
    def needs_new_certificate(self, pathway: Pathway) -> bool:
        return (pathway.applied or {}).get("key_kind") == EXTERNAL_CERTIFICATE_KEY

    def rotation_blocker(self, pathway: Pathway) -> str | None:
        applied = pathway.applied or {}
        if not applied.get("key_guid"):
            return _("Apply and verify the pathway first; there is no service key to rotate yet.")
        wanted = key_kind(pathway.method, desired_values(pathway, pathway.draft))
        if applied.get("key_kind") and applied["key_kind"] != wanted:
            return _(
                "The draft now asks for %(value)s, but the key is %(get)s; apply the draft under "
                "a new key name instead of rotating."
            ) % {
                "value": KEY_KIND_WORDS[wanted],
                "get": KEY_KIND_WORDS.get(applied["key_kind"], applied["key_kind"]),
            }
        return None

    def rotation_plan(self, pathway: Pathway) -> list[dict]:
        applied, other = pathway.applied or {}, pathway.spec.other_system
        until = applied.get("validuntil") or ""
        old = _("service key %(get)s") % {"get": applied.get("key_name", "")}
        return [
            {
                "kind": "keep",
                "target": old,
                "reason": _("stays active during the overlap%(until)s; %(other)s keeps working with it")
                % {"until": _until(until), "other": other},
            },
            {
                "kind": "create",
                "target": _("a new service key beside it"),
                "reason": _("same instance and roles; verified before anything else happens"),
            },
            {
                "kind": "handoff",
                "target": _("the new key"),
                "reason": _("hand-off sheet shows the new key for %(other)s") % {"other": other},
            },
            {
                "kind": "delete",
                "target": old,
                "reason": _(
                    "only in the retire run, after you confirm %(other)s uses the new key "
                    "and the new key verifies again"
                )
                % {"other": other},
            },
        ]

    def rotation_words(self, spec: PathwaySpec) -> dict[str, str]:
        other = spec.other_system
        return {
            "overlap": _(
                "Both keys work now. Hand the new key to the %(other)s administrator "
                "(hand-off sheet); once %(other)s uses it, retire the old key."
            )
            % {"other": other},
            "confirm": _("%(other)s now uses the new key") % {"other": other},
        }

    def rotation_create(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        from pathways.engine import rotate

        pathway, old, cf = rotation.pathway, rotation.old, connection.cf
        instance_guid = old.get("instance_guid") or pathway.applied.get("instance_guid")
        with recorder.step(_("Find the old key %(key_name)s") % {"key_name": old["key_name"]}) as outcome:
            keys = cf.list_keys(instance_guid)
            if not any(key.guid == old["key_guid"] for key in keys):
                raise SapError(
                    _("The service key %(key_name)s no longer exists; apply the pathway instead")
                    % {"key_name": old["key_name"]},
                    code="not_applied",
                )
            new_name = successor_key_name(old["key_name"], {key.name for key in keys}, datetime.now(UTC))
            outcome.message = _("found; the new key will be %(new_name)s") % {"new_name": new_name}
        desired = dict(pathway.draft)
        if rotation.new.get("certificate"):
            desired.update(certificate_source="external", external_certificate=rotation.new["certificate"])
        kind, parameters, _print, problem = key_parameters(pathway.method, desired_values(pathway, desired))
        if problem:
            raise EngineError(
                _("The new key cannot be described: %(problem)s") % {"problem": problem}, code="plan_problem"
            )
        with recorder.step(
            _("Create the new key %(new_name)s beside %(key_name)s")
            % {"new_name": new_name, "key_name": old["key_name"]}
        ) as outcome:
            binding = cf.create_key(instance_guid, new_name, parameters)
            outcome.message = _("created %(new_name)s (%(value)s); %(key_name)s stays active") % {
                "new_name": new_name,
                "value": KEY_KIND_WORDS[kind],
                "key_name": old["key_name"],
            }
        new_work = _key_work(pathway, binding.guid, rotation.new.get("certificate", ""), connection)
        new_work.instance_guid = instance_guid
        new_findings = rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify the new key %(new_name)s") % {"new_name": new_name},
            new_work,
        )
        old_work = _key_work(pathway, old["key_guid"], "", connection)
        rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify the old key %(key_name)s (overlap)") % {"key_name": old["key_name"]},
            old_work,
        )
        with recorder.step(_("Hand over the new key")) as outcome:
            new_work.applied = dict(pathway.applied or {})
            record_key(new_work, new_name)
            rotate.forget_reveals(pathway)
            not_after = new_findings.certificate_not_after or key_not_after(new_work.service_key)
            draft = dict(pathway.draft, key_name=new_name)
            if rotation.new.get("certificate"):
                draft["external_certificate"] = rotation.new["certificate"]
            rotate.move_pathway(
                pathway,
                draft=draft,
                applied=new_work.applied,
                not_after=not_after,
                proof=new_findings.proven(str(catalog.METHOD_LABELS[pathway.method])),
            )
            new_facts = {
                **rotation.new,
                "key_name": new_name,
                "key_guid": binding.guid,
                "key_kind": new_work.service_key.kind,
                "fingerprint": new_work.applied.get("fingerprint"),
                "validuntil": not_after.isoformat() if not_after else None,
            }
            new_facts.pop("certificate", None)
            rotation.reach_overlap(new_facts)
            outcome.message = _(
                "the hand-off sheet now shows %(new_name)s; %(key_name)s is retired once "
                "%(other_system)s has switched"
            ) % {"new_name": new_name, "key_name": old["key_name"], "other_system": pathway.spec.other_system}
        return _(
            "New key %(new_name)s created and verified beside %(key_name)s; both work until you "
            "confirm %(other_system)s has switched"
        ) % {"new_name": new_name, "key_name": old["key_name"], "other_system": pathway.spec.other_system}

    def rotation_retire(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        from pathways.engine import rotate

        pathway, old, new, cf = rotation.pathway, rotation.old, rotation.new, connection.cf
        current_certificate = (
            pathway.draft.get("external_certificate", "")
            if new.get("key_kind") == EXTERNAL_CERTIFICATE_KEY
            else ""
        )
        try:
            new_work = _key_work(pathway, new["key_guid"], current_certificate, connection)
        except SapError as error:
            if error.status == 404:
                raise SapError(
                    _("The new key %(key_name)s is gone; nothing was deleted. Start a new rotation")
                    % {"key_name": new["key_name"]},
                    code="not_applied",
                ) from error
            raise
        rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify the new key %(key_name)s before retiring the old one") % {"key_name": new["key_name"]},
            new_work,
        )
        with recorder.step(_("Delete the old key %(key_name)s") % {"key_name": old["key_name"]}) as outcome:
            cf.delete_key(old["key_guid"])
            outcome.message = _("deleted %(key_name)s") % {"key_name": old["key_name"]}
        with recorder.step(_("Confirm %(key_name)s is gone") % {"key_name": old["key_name"]}) as outcome:
            instance_guid = old.get("instance_guid") or pathway.applied.get("instance_guid")
            if cf.find_key(instance_guid, old["key_name"]) is not None:
                raise SapError(
                    _("The old key %(key_name)s still exists after its deletion")
                    % {"key_name": old["key_name"]},
                    retryable=True,
                )
            outcome.message = _("only %(key_name)s remains") % {"key_name": new["key_name"]}
        rotate.finish(rotation, pathway)
        return _("Retired %(key_name)s; %(key_name2)s is the pathway's key") % {
            "key_name": old["key_name"],
            "key_name2": new["key_name"],
        }


def desired_values(pathway: Pathway, draft: dict) -> dict:
    """The draft values a key is described from, with the catalog's defaults filled in."""
    fields = pathway.spec.fields(pathway.method)
    return {spec.name: draft.get(spec.name, spec.default) for spec in fields if not spec.is_secret}


def _until(value: str) -> str:
    return _(" (valid until %(value)s)") % {"value": value[:10]} if value else ""


def _key_work(pathway: Pathway, guid: str, certificate: str, connection: Connection) -> Work:
    desired = dict(desired_values(pathway, pathway.draft))
    if certificate:
        desired.update(certificate_source="external", external_certificate=certificate)
    work = Work(pathway=pathway, desired=desired, key_guid=guid)
    work.service_key = connection.cf.key_details(guid)
    return work


# --- verification steps ------------------------------------------------------------------------------------


def _missing_key() -> str:
    raise SapError(_("The service key does not exist; apply the pathway first"), code="not_applied")


def _wrong_kind(work: Work, wanted: str) -> str:
    found = work.service_key.kind
    name = work.desired.get("key_name") or work.applied.get("key_name") or ""
    raise SapError(
        _(
            "The service key %(name)s is %(get)s, but the pathway is drafted for %(value)s: it cannot"
            " prove the drafted method. Apply the draft under a new key name or replace the key."
        )
        % {"name": name, "get": KEY_KIND_WORDS.get(found, found), "value": KEY_KIND_WORDS[wanted]},
        code="method_mismatch",
    )


def _secret_token(connection: Connection, work: Work, findings: Findings) -> str:
    key = work.service_key
    token = connection.tokens.by_secret(key.tokenurl, key.clientid, key.clientsecret or "", fresh=True)
    findings.proof.append(_("client-secret token issued"))
    return _("token issued, valid %(expires_in)s s, roles %(value)s") % {
        "expires_in": token.expires_in,
        "value": ", ".join(token.role_names) or "none",
    }


def _mtls_token(connection: Connection, work: Work, findings: Findings) -> str:
    key = work.service_key
    token = connection.tokens.by_certificate(
        key.mtls_tokenurl, key.clientid, key.certificate, key.key, fresh=True
    )
    findings.certificate_not_after = key_not_after(key)
    findings.proof.append(_("mTLS token issued"))
    return _("token issued over mTLS, valid %(expires_in)s s, roles %(value)s") % {
        "expires_in": token.expires_in,
        "value": ", ".join(token.role_names) or "none",
    }


def _runtime_call(connection: Connection, work: Work, findings: Findings, *, mtls: bool = False) -> str:
    key = work.service_key
    landscape = connection.landscape
    url = endpoint_url(landscape.runtime_url or key.url, landscape.endpoint_path or "/")
    if mtls:
        result = call_endpoint(connection.http, url, certificate=(key.certificate, key.key))
    else:
        token = connection.tokens.by_secret(key.tokenurl, key.clientid, key.clientsecret or "")
        result = call_endpoint(connection.http, url, bearer=token.access_token)
    if result.outcome in (UNAUTHORIZED, FORBIDDEN, NOT_FOUND):
        raise SapError(
            _("The runtime call to %(url)s failed: %(sentence)s")
            % {"url": url, "sentence": result.sentence(_)},
            status=result.status,
            code="runtime_" + result.outcome.replace(" ", "_"),
        )
    findings.proof.append(
        _("runtime call%(value)s answered %(status)s")
        % {"value": " over mTLS" if mtls else "", "status": result.status}
    )
    return _("%(url)s answered %(status)s: %(sentence)s") % {
        "url": url,
        "status": result.status,
        "sentence": result.sentence(_),
    }


def _external_key(work: Work, findings: Findings) -> str:
    key = work.service_key
    wanted = work.desired.get("external_certificate") or ""
    uploaded = certs.parse_certificates(wanted).leaf if wanted.strip() else None
    held = certs.parse_certificates(key.certificate).leaf
    if uploaded is not None and uploaded.fingerprint_sha256 != held.fingerprint_sha256:
        raise SapError(
            _("The service key holds another certificate than the one uploaded; rotate the key"),
            code="fingerprint_mismatch",
        )
    now = datetime.now(UTC)
    if not held.not_before <= now <= held.not_after:
        raise SapError(
            f"The key's certificate is not valid today (valid {held.not_before:%Y-%m-%d} to "
            f"{held.not_after:%Y-%m-%d})",
            code="not_valid",
        )
    findings.certificate_not_after = held.not_after
    findings.proof.append(
        _("stored certificate matches the upload; only the sender's first call proves mTLS")
    )
    return (
        f"holds {held.fingerprint_sha256[:23]}…, valid until {held.not_after:%Y-%m-%d}; only the sender's "
        "first call proves the mTLS handshake (its private key stays with the sender)"
    )


SHAPE = ItRtKey()
