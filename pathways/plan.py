"""Desired state of one pathway against what exists remotely → the list of actions an apply would take; pure.

No Django ORM and no network here: the engine reads the remote state into `RemoteState`, passes the draft
values (secrets only as flags and fingerprints) and executes the returned `Action`s in order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pathways import catalog, certs

CREATE = "create"
KEEP = "keep"
UPDATE = "update"
REPLACE = "replace"
DELETE = "delete"

INSTANCE = "instance"
KEY = "key"
CREDENTIAL = "credential"
KEY_PAIR = "key_pair"
TRUSTED_CERTIFICATE = "trusted_certificate"

SECRET_KEY = "secret"
SAP_CERTIFICATE_KEY = "certificate"
EXTERNAL_CERTIFICATE_KEY = "external_certificate"
KEY_KIND_WORDS = {
    SECRET_KEY: "a ClientId/Secret key",
    SAP_CERTIFICATE_KEY: "an SAP-generated certificate key",
    EXTERNAL_CERTIFICATE_KEY: "an External Certificate key",
}
DEFAULT_ROLE = "ESBMessaging.send"
GRANT_TYPES = ["client_credentials"]
DEPRECATED_GRANT = "client_x509"
KEY_TYPES = {"RSA-2048": ("RSA", 2048), "RSA-4096": ("RSA", 4096), "EC-256": ("EC", 256)}
SIGNATURE_ALGORITHMS = {"RSA": "SHA-256/RSA", "EC": "SHA-256/ECDSA"}


@dataclass(frozen=True)
class RemoteInstance:
    """The it-rt instance found under the draft's name; `parameters` is None when nobody can tell (D-29)."""

    guid: str
    name: str
    plan_matches: bool = True
    state: str | None = "succeeded"
    operation: str | None = "create"
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True)
class RemoteKey:
    """The service key found under the draft's name, with what its credentials reveal (never the secret)."""

    guid: str
    name: str
    kind: str | None = None  # secret | certificate | external_certificate; None when unknown
    fingerprint: str | None = None  # SHA-256 of the key's leaf certificate
    valid_until: str | None = None
    state: str | None = "succeeded"


@dataclass(frozen=True)
class RemoteCredential:
    """A User Credentials artifact as CPI reports it (the password is write-only)."""

    name: str
    kind: str | None = "default"
    user: str | None = None
    description: str | None = None
    status: str | None = "DEPLOYED"


@dataclass(frozen=True)
class RemoteEntry:
    """A keystore entry: a key pair or a trusted certificate."""

    alias: str
    type: str | None = "Key Pair"
    fingerprint: str | None = None
    valid_not_after: str | None = None
    key_type: str | None = None
    key_size: int | None = None
    subject_dn: str | None = None

    @property
    def is_key_pair(self) -> bool:
        return (self.type or "").lower() == "key pair"


@dataclass(frozen=True)
class RemoteState:
    """Everything the planner needs to know about the remote side of one pathway."""

    instance: RemoteInstance | None = None
    key: RemoteKey | None = None
    credential: RemoteCredential | None = None
    key_pair: RemoteEntry | None = None
    trusted: RemoteEntry | None = None


@dataclass(frozen=True)
class Action:
    """One planned step: what happens to which remote object, why, and the (secret-free) data to do it."""

    kind: str
    resource: str
    target: str
    reason: str
    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # non-empty: apply must not proceed until the draft or the remote side is fixed

    @property
    def changes_remote(self) -> bool:
        return self.kind != KEEP

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.target}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        return cls(**data)


def problems(actions: list[Action]) -> list[str]:
    """The reasons an apply of this plan cannot start (empty when it can)."""
    return [f"{action.target}: {action.problem}" for action in actions if action.problem]


def plan(pathway_key: str, method: str, desired: dict[str, Any], remote: RemoteState) -> list[Action]:
    """The actions that bring the remote side to the draft, in the order they must run."""
    spec = catalog.get(pathway_key)
    if method not in spec.methods:
        raise ValueError(f"unknown method {method!r} for {pathway_key}")
    if spec.is_inbound:
        instance = _instance_action(desired, remote.instance)
        return [instance, _key_action(method, desired, remote.key, instance)]
    if method == catalog.BASIC:
        return [_credential_action(desired, remote.credential)]
    actions = [_key_pair_action(desired, remote.key_pair)]
    if (desired.get("server_root") or "").strip():
        actions.append(_trusted_action(desired, remote.trusted))
    return actions


# --- inbound: it-rt instance and service key ---------------------------------------------------------------


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
        differences.append("still on the deprecated client_x509 grant type (switch to client_credentials)")
    elif sorted(grants or GRANT_TYPES) != sorted(wanted["grant-types"]):
        differences.append(f"grant types {', '.join(grants or [])} instead of client_credentials")
    roles = found.get("roles")
    if sorted(roles or [DEFAULT_ROLE]) != sorted(wanted["roles"]):
        differences.append(
            f"roles {', '.join(roles or [DEFAULT_ROLE])} instead of {', '.join(wanted['roles'])}"
        )
    validity = found.get("token-validity", 3600)
    if validity != wanted["token-validity"]:
        differences.append(f"token validity {validity} s instead of {wanted['token-validity']} s")
    return differences


def _instance_action(desired: dict[str, Any], found: RemoteInstance | None) -> Action:
    name = desired.get("instance_name") or ""
    target = f"service instance {name}"
    parameters = instance_parameters(desired)
    data = {"name": name, "parameters": parameters}
    if found is None:
        return Action(CREATE, INSTANCE, target, "no instance of this name exists in the space", data)
    data["guid"] = found.guid
    if not found.plan_matches:
        return Action(
            KEEP,
            INSTANCE,
            target,
            "an instance of this name exists with another plan",
            data,
            problem="the name is taken by an instance that is not it-rt/integration-flow; "
            "choose another instance name",
        )
    if found.state == "in progress":
        return Action(
            KEEP,
            INSTANCE,
            target,
            "an operation is still running on the instance",
            data,
            problem="an operation is in progress on this instance; try again when it has finished",
        )
    if found.state == "failed" and found.operation == "create":
        return Action(
            REPLACE, INSTANCE, target, "its creation failed earlier; delete it and create it again", data
        )
    if found.parameters is None:
        return Action(
            UPDATE,
            INSTANCE,
            target,
            "its parameters cannot be read back; apply roles, grant type and token validity",
            data,
        )
    differences = _parameter_differences(parameters, found.parameters)
    if differences:
        return Action(UPDATE, INSTANCE, target, "; ".join(differences), data)
    return Action(KEEP, INSTANCE, target, "exists with the wanted roles, grant type and token validity", data)


def key_parameters(method: str, desired: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str, str]:
    """(key kind, CF parameters or None, leaf fingerprint, problem) for the draft's key."""
    if method == catalog.BASIC:
        return SECRET_KEY, None, "", ""
    if (desired.get("certificate_source") or "external") == "sap_generated":
        parameters = {
            "key-type": "certificate",
            "validity": int(desired.get("validity_days") or 365),
            "key-length": int(desired.get("key_length") or 2048),
        }
        return SAP_CERTIFICATE_KEY, parameters, "", ""
    pem = (desired.get("external_certificate") or "").strip()
    if not pem:
        return EXTERNAL_CERTIFICATE_KEY, None, "", "upload the sender's client certificate first"
    try:
        leaf = certs.parse_certificates(pem).leaf
    except certs.CertificateError as error:
        return EXTERNAL_CERTIFICATE_KEY, None, "", f"the uploaded certificate cannot be read: {error}"
    parameters = {"key-type": "certificate_external", "X.509": leaf.pem.decode("ascii")}
    return EXTERNAL_CERTIFICATE_KEY, parameters, leaf.fingerprint_sha256, ""


def _key_action(method: str, desired: dict[str, Any], found: RemoteKey | None, instance: Action) -> Action:
    name = desired.get("key_name") or ""
    target = f"service key {name}"
    kind, parameters, fingerprint, problem = key_parameters(method, desired)
    data = {"name": name, "kind": kind, "parameters": parameters, "fingerprint": fingerprint}
    if problem:
        return Action(
            CREATE if found is None else KEEP,
            KEY,
            target,
            "the key cannot be described yet",
            data,
            problem=problem,
        )
    if instance.kind in (CREATE, REPLACE) or found is None:
        why = "the instance is new" if instance.kind in (CREATE, REPLACE) else "no key of this name exists"
        return Action(CREATE, KEY, target, f"{why}: create {KEY_KIND_WORDS[kind]}", data)
    data["guid"] = found.guid
    if found.state == "failed":
        return Action(
            REPLACE, KEY, target, "its creation failed earlier; delete it and create it again", data
        )
    if found.state in ("in progress", "initial"):
        return Action(
            KEEP,
            KEY,
            target,
            "the key is still being created",
            data,
            problem="the key is still being created; try again in a minute",
        )
    differences = []
    if found.kind and found.kind != kind:
        differences.append(
            f"it is {KEY_KIND_WORDS.get(found.kind, found.kind)}, the draft asks for {KEY_KIND_WORDS[kind]}"
        )
    elif (
        kind == EXTERNAL_CERTIFICATE_KEY
        and found.fingerprint
        and fingerprint
        and certs.normalize_fingerprint(found.fingerprint) != certs.normalize_fingerprint(fingerprint)
    ):
        differences.append("it holds another certificate than the one uploaded")
    if differences:
        data["differs"] = True
        return Action(
            KEEP,
            KEY,
            target,
            f"keep (differs: {'; '.join(differences)} — keys cannot be changed: rotate to change, "
            f"or choose a new key name)",
            data,
        )
    return Action(KEEP, KEY, target, f"exists as {KEY_KIND_WORDS[kind]}", data)


# --- outbound Basic: User Credentials ----------------------------------------------------------------------


def _credential_action(desired: dict[str, Any], found: RemoteCredential | None) -> Action:
    name = desired.get("credential_name") or ""
    target = f"User Credentials {name}"
    user = desired.get("user") or ""
    description = desired.get("description") or ""
    data = {"name": name, "user": user, "description": description}
    password_present = bool(desired.get("password_present"))
    if found is None:
        if not password_present:
            return Action(
                CREATE,
                CREDENTIAL,
                target,
                "no artifact of this name exists",
                data,
                problem="enter the password first",
            )
        return Action(CREATE, CREDENTIAL, target, "no artifact of this name exists in CPI", data)
    if found.kind not in (None, "default"):
        return Action(
            KEEP,
            CREDENTIAL,
            target,
            f"an artifact of kind {found.kind} has this name",
            data,
            problem="the name is taken by another kind of credential; choose another name",
        )
    differences = []
    if (found.user or "") != user:
        differences.append(f"user {found.user or '(none)'} instead of {user}")
    if (found.description or "") != description:
        differences.append("another description")
    if desired.get("password_changed"):
        differences.append("the password was changed in the draft since the last apply")
    if not differences:
        if (found.status or "").upper() != "DEPLOYED":
            return Action(
                KEEP,
                CREDENTIAL,
                target,
                f"exists; status {found.status or 'unknown'}, verification waits for DEPLOYED",
                data,
            )
        return Action(KEEP, CREDENTIAL, target, "exists with this user and description", data)
    if not password_present:
        return Action(
            UPDATE,
            CREDENTIAL,
            target,
            "; ".join(differences),
            data,
            problem="CPI needs the password with every update; enter it again",
        )
    return Action(UPDATE, CREDENTIAL, target, "; ".join(differences), data)


# --- outbound certificate: keystore key pair and trusted server root ---------------------------------------


def key_pair_request(desired: dict[str, Any]) -> dict[str, Any]:
    """The generation data (DN, key type and size, signature algorithm, validity) for the engine."""
    key_type, key_size = KEY_TYPES.get(desired.get("key_type") or "RSA-2048", ("RSA", 2048))
    return {
        "common_name": desired.get("common_name") or "",
        "organization": desired.get("organization") or "",
        "country": (desired.get("country") or "").upper(),
        "key_type": key_type,
        "key_size": key_size,
        "signature_algorithm": SIGNATURE_ALGORITHMS[key_type],
        "validity_days": int(desired.get("validity_days") or 730),
    }


def _key_pair_action(desired: dict[str, Any], found: RemoteEntry | None) -> Action:
    alias = desired.get("alias") or ""
    target = f"key pair {alias}"
    source = desired.get("key_source") or "generate"
    data: dict[str, Any] = {"alias": alias, "source": source}
    if found is not None and not found.is_key_pair:
        return Action(
            KEEP,
            KEY_PAIR,
            target,
            "the alias holds a trusted certificate, not a key pair",
            data,
            problem="the alias is used by a certificate entry; choose another alias",
        )
    if source == "import":
        wanted = desired.get("pkcs12_fingerprint") or ""
        data["fingerprint"] = wanted
        if not desired.get("pkcs12_present") or not wanted:
            return Action(
                CREATE if found is None else KEEP,
                KEY_PAIR,
                target,
                "the PKCS#12 file is missing",
                data,
                problem="upload the PKCS#12 file and its passphrase first",
            )
        if found is None:
            return Action(
                CREATE, KEY_PAIR, target, "no entry under this alias: import the PKCS#12 file", data
            )
        if found.fingerprint and certs.normalize_fingerprint(
            found.fingerprint
        ) == certs.normalize_fingerprint(wanted):
            return Action(KEEP, KEY_PAIR, target, "holds the certificate of the uploaded PKCS#12 file", data)
        return Action(
            REPLACE,
            KEY_PAIR,
            target,
            "holds another certificate than the uploaded PKCS#12 file: replace it under the same alias",
            data,
        )
    data.update(key_pair_request(desired))
    if not data["common_name"] or len(data["country"]) != 2:
        return Action(
            CREATE if found is None else KEEP,
            KEY_PAIR,
            target,
            "the distinguished name is incomplete",
            data,
            problem="a common name and a two-letter country are needed",
        )
    if found is None:
        return Action(
            CREATE,
            KEY_PAIR,
            target,
            f"no entry under this alias: generate {data['key_type']} {data['key_size']}, "
            f"valid {data['validity_days']} days",
            data,
        )
    differences = []
    if found.key_type and found.key_type.upper() != data["key_type"]:
        differences.append(f"key type {found.key_type} instead of {data['key_type']}")
    elif found.key_size and found.key_size != data["key_size"]:
        differences.append(f"key size {found.key_size} instead of {data['key_size']}")
    if found.subject_dn and f"CN={data['common_name']}" not in found.subject_dn:
        differences.append(f"subject {found.subject_dn}")
    if differences:
        data["differs"] = True
        return Action(
            KEEP,
            KEY_PAIR,
            target,
            f"keep (differs: {'; '.join(differences)} — rotate to replace it under the same alias)",
            data,
        )
    return Action(KEEP, KEY_PAIR, target, "a key pair exists under this alias", data)


def _trusted_action(desired: dict[str, Any], found: RemoteEntry | None) -> Action:
    alias = desired.get("server_root_alias") or ""
    target = f"trusted certificate {alias}"
    data: dict[str, Any] = {"alias": alias}
    try:
        leaf = certs.parse_certificates(desired["server_root"]).leaf
    except certs.CertificateError as error:
        return Action(
            CREATE,
            TRUSTED_CERTIFICATE,
            target,
            "the server root cannot be read",
            data,
            problem=f"the uploaded server root cannot be read: {error}",
        )
    data.update(pem=leaf.pem.decode("ascii"), fingerprint=leaf.fingerprint_sha256)
    if alias and alias == (desired.get("alias") or ""):
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            "the alias is the key pair's alias",
            data,
            problem="the server root needs an alias of its own",
        )
    if found is None:
        return Action(CREATE, TRUSTED_CERTIFICATE, target, "not in the keystore: upload it", data)
    if found.is_key_pair:
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            "the alias holds a key pair",
            data,
            problem="the alias is used by a key pair; choose another alias for the server root",
        )
    if found.fingerprint and certs.normalize_fingerprint(found.fingerprint) == certs.normalize_fingerprint(
        leaf.fingerprint_sha256
    ):
        return Action(KEEP, TRUSTED_CERTIFICATE, target, "the same certificate is already trusted", data)
    return Action(
        UPDATE,
        TRUSTED_CERTIFICATE,
        target,
        "another certificate is stored under this alias: replace it",
        data,
    )
