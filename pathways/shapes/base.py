"""What every credential shape has in common: the planner's terms (remote objects, actions), a run's working
state, verification checks, and the `Shape` interface each shape module implements.

The data types here are pure (no ORM, no network); the planner (`Shape.plan`) works on them alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pathways import certs

if TYPE_CHECKING:
    from pathways.catalog import Pathway as PathwaySpec
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Pathway, Rotation

CREATE = "create"
KEEP = "keep"
UPDATE = "update"
REPLACE = "replace"
DELETE = "delete"

# Resources an action works on.
INSTANCE = "instance"
KEY = "key"
CREDENTIAL = "credential"
KEY_PAIR = "key_pair"
TRUSTED_CERTIFICATE = "trusted_certificate"

# The vault names under which an apply stores what the hand-off sheet gives out.
HANDOFF_CLIENTSECRET = "handoff_clientsecret"
HANDOFF_PRIVATE_KEY = "handoff_private_key"
HANDOFF_CERTIFICATE = "handoff_certificate"

# A draft entry (outside the catalog's fields) by which the user confirms the replacement of a remote object
# of another kind under the draft's name: its value is that object's name.
CONFIRM_REPLACE = "confirm_replace"


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
    """Everything the planner needs to know about the remote side of one pathway (each shape fills its own
    parts; `taken_names` are the names already used beside the draft's, for proposing a free one)."""

    instance: RemoteInstance | None = None
    key: RemoteKey | None = None
    credential: RemoteCredential | None = None
    key_pair: RemoteEntry | None = None
    trusted: RemoteEntry | None = None
    taken_names: tuple[str, ...] = ()
    # The iFlow parameters confirmed for the pathway as read now, every parameter of the landscape (for the
    # literals in use) and the names the pathway's last apply produced (pathways/iflows.py).
    iflow_parameters: tuple[Any, ...] = ()
    iflow_known: tuple[Any, ...] = ()
    created_names: tuple[str, ...] = ()

    def found(self) -> list[tuple[str, str]]:
        """(what, name) of each object found, for the run's step message."""
        parts = []
        for label, item in (
            ("instance", self.instance),
            ("key", self.key),
            ("credential", self.credential),
            ("key pair", self.key_pair),
            ("trusted certificate", self.trusted),
        ):
            if item is not None:
                parts.append((label, str(getattr(item, "name", None) or getattr(item, "alias", ""))))
        return parts


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


@dataclass
class Work:
    """What one run learns and produces for a pathway; `service_key` (with secrets) stays in memory."""

    pathway: Any
    desired: dict[str, Any]
    instance_guid: str | None = None
    key_guid: str | None = None
    service_key: Any = field(default=None, repr=False)
    applied: dict[str, Any] = field(default_factory=dict)
    # Public facts of remote credentials this run deleted (a confirmed replacement): not left over.
    removed: list[dict[str, Any]] = field(default_factory=list)
    # Who started the run (audit rows of what it changes name them); None for the command line.
    requested_by: Any = None


@dataclass
class Check:
    """One verification step: its label and the function that returns its one-line message or raises."""

    label: str
    run: Callable[[], str]


@dataclass
class Findings:
    """What verification learnt, for the pathway row: the certificate's end and what was proven."""

    certificate_not_after: datetime | None = None
    proof: list[str] = field(default_factory=list)

    def proven(self, method_label: str) -> str:
        """ "verified: client certificate, mTLS token issued" — the sentence stored with the pathway."""
        return f"verified: {method_label.lower()}" + (f", {', '.join(self.proof)}" if self.proof else "")


@dataclass(frozen=True)
class Leftover:
    """A credential a pathway no longer uses that is still live remotely (public facts only)."""

    shape: str
    label: str
    facts: dict[str, Any]


def leaf_fingerprint(pem: str | None) -> str | None:
    if not pem:
        return None
    try:
        return certs.parse_certificates(pem).leaf.fingerprint_sha256
    except certs.CertificateError:
        return None


def same_fingerprint(left: str | None, right: str | None) -> bool:
    return certs.normalize_fingerprint(left or "") == certs.normalize_fingerprint(right or "")


def short_fingerprint(fingerprint: str | None) -> str:
    return (certs.normalize_fingerprint(fingerprint or "") or "none")[:16]


def store_handoff(pathway: Pathway, name: str, value: str | None) -> None:
    from pathways.models import Secret

    if value:
        Secret.store(landscape=pathway.landscape, pathway=pathway, name=name, value=value)


class Shape:
    """One kind of credential a pathway-method produces. Subclasses implement every method below; the engine,
    the planner, hand-off, expiry, readiness and drift call only these, never branch on direction or method.
    """

    key: str = ""
    verify_steps: int = 1  # the most verify checks a run of this shape makes (its step total counts them)
    label: str = ""  # "it-rt service key"
    holds_certificates: bool = True  # False: nothing to watch for expiry, nothing to rotate
    has_keystore_key_pair: bool = False  # a CPI key pair whose CSR and signed chain can be handled
    rights: tuple[str, ...] = ()  # the landscape check's names this shape needs (pathways.readiness)
    markers: tuple[str, ...] = ()  # facts in `applied` that only this shape records

    # --- desired and remote state, plan ---------------------------------------------------------------------
    def desired(self, pathway: Pathway) -> dict[str, Any]:
        """The draft through the catalog (defaults filled in), plus flags and fingerprints for secrets."""
        desired: dict[str, Any] = {}
        for field_spec in pathway.active_fields():
            if not field_spec.is_secret:
                desired[field_spec.name] = pathway.draft.get(field_spec.name, field_spec.default)
        if pathway.draft.get(CONFIRM_REPLACE):
            desired[CONFIRM_REPLACE] = pathway.draft[CONFIRM_REPLACE]
        return desired

    def read(self, connection: Connection, work: Work) -> RemoteState:
        raise NotImplementedError

    def plan(
        self, spec: PathwaySpec, method: str, desired: dict[str, Any], remote: RemoteState
    ) -> list[Action]:
        raise NotImplementedError

    def execute(self, connection: Connection, work: Work, action: Action) -> str:
        raise NotImplementedError

    # --- verify and drift -----------------------------------------------------------------------------------
    def verify_checks(self, connection: Connection, work: Work, findings: Findings) -> list[Check]:
        raise NotImplementedError

    def refresh(self, connection: Connection, work: Work) -> bool:
        """Before a verify run: update `work.applied` from what was read; True when it changed."""
        return False

    def drift(self, connection: Connection, applied: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    # --- what the pathway uses, and what it no longer uses --------------------------------------------------
    def identity(self, applied: dict[str, Any]) -> dict[str, Any] | None:
        """The public facts that name the applied credential of this shape, or None when there is none."""
        raise NotImplementedError

    def same(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        """Whether two identities name the same remote credential."""
        raise NotImplementedError

    def describe(self, facts: dict[str, Any]) -> str:
        """ "service key ssc-key (ClientId/Secret)" — a leftover or rotated credential in words."""
        raise NotImplementedError

    def retire(
        self, connection: Connection, recorder: Recorder, facts: dict[str, Any], pathway: Pathway
    ) -> str:
        """Delete a credential the pathway no longer uses; returns the run's message."""
        raise NotImplementedError

    def still_exists(self, connection: Connection, facts: dict[str, Any]) -> bool:
        raise NotImplementedError

    # --- hand-off, expiry -----------------------------------------------------------------------------------
    def handoff_items(self, pathway: Pathway) -> list:
        raise NotImplementedError

    def certificate_source(self, applied: dict[str, Any]) -> str:
        return "the applied certificate"

    def expiry_advice(self, spec: PathwaySpec) -> str:
        return ""

    def takes_sender_certificate(self, pathway: Pathway) -> bool:
        """Whether the sender logs on with its own certificate (a key and CSR can be made for it here)."""
        return False

    def sender_fingerprint(self, draft: dict[str, Any], method: str) -> str | None:
        """The fingerprint of the sender's own certificate the draft puts into SAP (External Certificate)."""
        return None

    def keystore_alias(self, pathway: Pathway) -> str | None:
        return None

    def proposed_names(self, pathway: Pathway, old_method: str, new_method: str) -> dict[str, str]:
        """Draft fields to set when the method is switched (the new method's default names)."""
        return {}

    # --- rotation -------------------------------------------------------------------------------------------
    def rotation_blocker(self, pathway: Pathway) -> str | None:
        return "This credential cannot be rotated."

    def rotation_plan(self, pathway: Pathway) -> list[dict]:
        return []

    def needs_new_certificate(self, pathway: Pathway) -> bool:
        return False

    def rotation_create(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        raise NotImplementedError

    def rotation_retire(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        raise NotImplementedError

    def retire_blocker(self, rotation: Rotation) -> str | None:
        """Why the rotation's old credential cannot be retired yet, or None."""
        return None

    def rotation_words(self, spec: PathwaySpec) -> dict[str, str]:
        """Sentences for the rotation panel: "overlap" (what to do now) and "confirm" (the checkbox)."""
        return {"overlap": "", "confirm": ""}
