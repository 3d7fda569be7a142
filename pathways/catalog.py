"""The four pathways and the two methods as plain data: what each asks for and what it produces.

Templates, forms, the planner and the hand-off sheet read this catalog; nothing else lists pathways.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

BASIC = "basic"
CERTIFICATE = "certificate"
METHOD_LABELS = {BASIC: gettext_lazy("Basic authentication"), CERTIFICATE: gettext_lazy("Client certificate")}
RECOMMENDATION = gettext_lazy(
    "Certificates for production: they expire and rotate without sharing a password."
)

INBOUND = "inbound"
OUTBOUND = "outbound"
DIRECTION_LABELS = {INBOUND: gettext_lazy("inbound"), OUTBOUND: gettext_lazy("outbound")}
BTP_SERVICE_KEY = gettext_lazy("BTP service key (it-rt instance, plan integration-flow)")
CPI_SECURITY_MATERIAL = gettext_lazy("CPI security material (Monitor → Manage Security)")

S4 = "SAP S/4HANA"
CPI = "SAP Cloud Integration"
SSC = "SAP Sales and Service Cloud V2"

# Where the other system keeps the CPI load balancer's server root CA (sap-apis.md §13; names inferred).
SERVER_ROOT_HOME = {
    S4: gettext_lazy(
        "STRUST, the SSL client PSE (on-premise) or the trusted certificates of the communication"
        " system (Cloud)"
    ),
    SSC: gettext_lazy("the communication system's settings, only when SSCv2 asks for the server's root CA"),
}


@dataclass(frozen=True)
class Field:
    """One input of a wizard step. `rule` names a validator in pathways.validators."""

    name: str
    label: str
    kind: str = "text"  # text | int | choice | secret | certificate | pkcs12
    help: str = ""
    required: bool = True
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    rule: str = ""
    # Only asked when another field has this value: ("certificate_source", "external").
    when: tuple[str, str] | None = None

    @property
    def is_secret(self) -> bool:
        return self.kind in ("secret", "pkcs12")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    intro: str
    fields: tuple[Field, ...]


# The credential shapes (one module each under pathways/shapes/): what a pathway-method produces remotely.
IT_RT_KEY = "it_rt_key"
USER_CREDENTIALS = "user_credentials"
KEY_PAIR = "key_pair"


@dataclass(frozen=True)
class Method:
    key: str
    steps: tuple[Step, ...]
    artifacts: tuple[str, ...]
    shape: str = ""  # the credential shape this method produces (pathways.shapes)

    @property
    def label(self) -> str:
        return METHOD_LABELS[self.key]

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """The fields of every step, in order (gathered once: pages read them for every pathway shown)."""
        return tuple(f for step in self.steps for f in step.fields)


@dataclass(frozen=True)
class Pathway:
    key: str
    label: str
    source: str
    target: str
    direction: str
    credential_home: str
    default_method: str
    methods: dict[str, Method] = field(default_factory=dict)

    @property
    def direction_label(self) -> str:
        """Inbound or outbound, as CPI sees it, in the reader's language."""
        return str(DIRECTION_LABELS[self.direction])

    @property
    def is_inbound(self) -> bool:
        return self.direction == INBOUND

    @property
    def other_system(self) -> str:
        """The system whose administrator receives the hand-off sheet."""
        return self.source if self.is_inbound else self.target

    @property
    def server_root_home(self) -> str:
        """Where the other system's administrator puts the CPI server root CA."""
        return SERVER_ROOT_HOME[self.source if self.is_inbound else self.target]

    def method(self, key: str) -> Method:
        return self.methods[key]

    def shape(self, method: str) -> str:
        """The credential shape the method produces (a key of pathways.shapes.SHAPES)."""
        return self.methods[method].shape

    def fields(self, method: str) -> tuple[Field, ...]:
        return self.methods[method].fields

    def all_fields(self) -> dict[str, Field]:
        return {f.name: f for m in self.methods for f in self.fields(m)}

    def field(self, name: str, method: str) -> Field | None:
        """The field as the given method asks for it (defaults differ per method), else as any method does."""
        for spec in self.fields(method):
            if spec.name == name:
                return spec
        return self.all_fields().get(name)

    def default(self, name: str, method: str) -> str:
        """The field's default as the given method asks for it ("" when no method has the field)."""
        spec = self.field(name, method)
        return spec.default if spec is not None else ""

    def label_of(self, name: str, method: str) -> str:
        """The field's label as the given method asks for it; the bare name for a field no method has."""
        spec = self.field(name, method)
        return spec.label if spec else name


def _inbound_instance_step(prefix: str) -> Step:
    return Step(
        "instance",
        gettext_lazy("Service instance"),
        gettext_lazy(
            "The it-rt service instance (plan integration-flow) that the sender's credentials belong to."
        ),
        (
            Field(
                "instance_name",
                gettext_lazy("Instance name"),
                default=f"{prefix}-inbound",
                rule="btp_name",
                help=gettext_lazy("Up to 32 characters: letters, digits, '.', '_' and '-'."),
            ),
            Field(
                "roles",
                gettext_lazy("Roles"),
                default="ESBMessaging.send",
                rule="roles",
                help=gettext_lazy(
                    "Comma-separated role names the sender needs; ESBMessaging.send unless the "
                    "iFlow checks a custom role."
                ),
            ),
            Field(
                "token_validity",
                gettext_lazy("Token validity (seconds)"),
                kind="int",
                default="3600",
                rule="token_validity",
                help=gettext_lazy("3600 to 86400."),
            ),
        ),
    )


def _inbound(key: str, label: str, source: str, prefix: str, default_method: str) -> Pathway:
    instance = _inbound_instance_step(prefix)
    basic_key = Step(
        "key",
        gettext_lazy("Service key"),
        gettext_lazy("A ClientId/Secret key; the sender authenticates with clientid and clientsecret."),
        (
            Field(
                "key_name",
                gettext_lazy("Service key name"),
                default=f"{prefix}-key",
                rule="btp_name",
                help=gettext_lazy("Up to 32 characters: letters, digits, '.', '_' and '-'."),
            ),
        ),
    )
    cert_key = Step(
        "key",
        gettext_lazy("Service key"),
        gettext_lazy(
            "A certificate key: SAP generates the key pair, or the sender's own client certificate is used."
        ),
        (
            Field(
                "key_name",
                gettext_lazy("Service key name"),
                default=f"{prefix}-cert-key",
                rule="btp_name",
                help=gettext_lazy("Up to 32 characters: letters, digits, '.', '_' and '-'."),
            ),
            Field(
                "certificate_source",
                gettext_lazy("Certificate"),
                kind="choice",
                default="external",
                choices=(
                    (
                        "external",
                        format_lazy(
                            gettext_lazy("The {source} client certificate (External Certificate)"),
                            source=source,
                        ),
                    ),
                    ("sap_generated", gettext_lazy("Generated by SAP (Certificate)")),
                ),
            ),
            Field(
                "external_certificate",
                format_lazy(gettext_lazy("{source} client certificate"), source=source),
                kind="certificate",
                rule="client_certificate",
                when=("certificate_source", "external"),
                help=gettext_lazy(
                    "PEM or DER of the leaf certificate, with the clientAuth extended key usage."
                ),
            ),
            Field(
                "validity_days",
                gettext_lazy("Validity (days)"),
                kind="int",
                default="365",
                rule="validity_days",
                when=("certificate_source", "sap_generated"),
                help=gettext_lazy("1 to 365."),
            ),
            Field(
                "key_length",
                gettext_lazy("Key length"),
                kind="choice",
                default="2048",
                choices=(("2048", gettext_lazy("2048 bits")), ("4096", gettext_lazy("4096 bits"))),
                when=("certificate_source", "sap_generated"),
            ),
        ),
    )
    return Pathway(
        key,
        label,
        source,
        CPI,
        INBOUND,
        BTP_SERVICE_KEY,
        default_method,
        {
            BASIC: Method(
                BASIC,
                (instance, basic_key),
                (
                    gettext_lazy("it-rt service instance (plan integration-flow) with the sender roles"),
                    gettext_lazy("ClientId/Secret service key"),
                ),
                IT_RT_KEY,
            ),
            CERTIFICATE: Method(
                CERTIFICATE,
                (instance, cert_key),
                (
                    gettext_lazy("it-rt service instance (plan integration-flow) with the sender roles"),
                    gettext_lazy("Certificate or External Certificate service key"),
                ),
                IT_RT_KEY,
            ),
        },
    )


def _outbound(key: str, label: str, target: str, prefix: str, default_method: str) -> Pathway:
    credential = Step(
        "credential",
        gettext_lazy("User credentials"),
        format_lazy(
            gettext_lazy(
                "The {target} technical user that CPI logs on with; stored as a User Credentials artifact."
            ),
            target=target,
        ),
        (
            Field(
                "credential_name",
                gettext_lazy("Credential name"),
                default=f"{prefix.upper()}_BASIC",
                rule="artifact_name",
                help=gettext_lazy("The name the iFlow's receiver channel refers to."),
            ),
            Field("user", format_lazy(gettext_lazy("{target} user"), target=target), rule="user"),
            Field("password", gettext_lazy("Password"), kind="secret", rule="password"),
            Field(
                "description",
                gettext_lazy("Description"),
                required=False,
                default=f"CPI to {target}",
                rule="description",
            ),
        ),
    )
    key_pair = Step(
        "key_pair",
        gettext_lazy("Key pair"),
        format_lazy(
            gettext_lazy("The key pair in the CPI keystore whose certificate {target} trusts."), target=target
        ),
        (
            Field(
                "alias",
                gettext_lazy("Keystore alias"),
                default=f"{prefix}_client",
                rule="alias",
                help=gettext_lazy(
                    "Referenced by the iFlow's receiver channel; keep it stable across renewals."
                ),
            ),
            Field(
                "key_source",
                gettext_lazy("Key pair"),
                kind="choice",
                default="generate",
                choices=(
                    ("generate", gettext_lazy("Generate in the CPI keystore")),
                    ("import", gettext_lazy("Import a PKCS#12 file")),
                ),
            ),
            Field(
                "common_name",
                gettext_lazy("Common name (CN)"),
                default=f"cpi-{prefix}-client",
                rule="dn_value",
                when=("key_source", "generate"),
            ),
            Field(
                "organization",
                gettext_lazy("Organization (O)"),
                required=False,
                rule="dn_value",
                when=("key_source", "generate"),
            ),
            Field(
                "country",
                gettext_lazy("Country (C)"),
                default="DE",
                rule="country",
                when=("key_source", "generate"),
                help=gettext_lazy("Two letters, e.g. DE."),
            ),
            Field(
                "key_type",
                gettext_lazy("Key type"),
                kind="choice",
                default="RSA-2048",
                choices=(
                    ("RSA-2048", "RSA 2048"),
                    ("RSA-4096", "RSA 4096"),
                    ("EC-256", "EC P-256"),
                ),
                when=("key_source", "generate"),
            ),
            Field(
                "validity_days",
                gettext_lazy("Validity (days)"),
                kind="int",
                default="730",
                rule="keypair_days",
                when=("key_source", "generate"),
                help=gettext_lazy("1 to 3650."),
            ),
            Field("pkcs12", gettext_lazy("PKCS#12 file"), kind="pkcs12", when=("key_source", "import")),
            Field(
                "pkcs12_passphrase",
                gettext_lazy("PKCS#12 passphrase"),
                kind="secret",
                when=("key_source", "import"),
            ),
        ),
    )
    trust = Step(
        "trust",
        gettext_lazy("Receiver trust"),
        format_lazy(
            gettext_lazy(
                "Only when {target}'s server certificate is not issued by a public CA: its root to trust "
                "in CPI."
            ),
            target=target,
        ),
        (
            Field(
                "server_root",
                format_lazy(gettext_lazy("{target} server root certificate"), target=target),
                kind="certificate",
                required=False,
                rule="server_certificate",
            ),
            Field(
                "server_root_alias",
                gettext_lazy("Alias for that certificate"),
                default=f"{prefix}_server_root",
                rule="alias",
                required=False,
            ),
        ),
    )
    return Pathway(
        key,
        label,
        CPI,
        target,
        OUTBOUND,
        CPI_SECURITY_MATERIAL,
        default_method,
        {
            BASIC: Method(
                BASIC,
                (credential,),
                (gettext_lazy("User Credentials artifact (Kind default), deployed"),),
                USER_CREDENTIALS,
            ),
            CERTIFICATE: Method(
                CERTIFICATE,
                (key_pair, trust),
                (
                    gettext_lazy("Keystore key pair under the alias"),
                    gettext_lazy(
                        "Trusted certificate entry for the receiver's server root (if not a public CA)"
                    ),
                ),
                KEY_PAIR,
            ),
        },
    )


PATHWAYS: dict[str, Pathway] = {
    p.key: p
    for p in (
        _inbound("s4_to_cpi", "S/4HANA → CPI", S4, "s4", BASIC),
        _outbound("cpi_to_ssc", "CPI → SSCv2", SSC, "ssc", CERTIFICATE),
        _inbound("ssc_to_cpi", "SSCv2 → CPI", SSC, "ssc", CERTIFICATE),
        _outbound("cpi_to_s4", "CPI → S/4HANA", S4, "s4", BASIC),
    )
}
PATHWAY_CHOICES = [(p.key, p.label) for p in PATHWAYS.values()]
METHOD_CHOICES = list(METHOD_LABELS.items())


def get(key: str) -> Pathway:
    return PATHWAYS[key]


# Every pathway with each of its methods, in catalog order: what the tests and the benchmark go through.
COMBINATIONS = tuple((key, method) for key, spec in PATHWAYS.items() for method in spec.methods)
