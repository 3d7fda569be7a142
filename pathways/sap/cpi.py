"""CPI OData security-content client: CSRF protocol, User Credentials, keystore entries, ServiceEndpoints."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import requests

from pathways.wording import gettext as _

from .errors import SapError, send_once
from .http import SapHttp
from .keys import ServiceKey
from .odata import (
    check_name,
    der_or_pem_to_pem,
    entity,
    entity_key,
    format_odata_date,
    hex_alias,
    is_reserved_alias,
    odata_error,
    parse_odata_date,
    results,
)
from .xsuaa import TokenClient

SERVICE = "CPI"
USER_CREDENTIAL_KINDS = frozenset({"default", "successfactors", "openconnectors"})
ROLE_READ = "MonitoringDataRead"
ROLE_CREDENTIALS = "CredentialsEdit"
ROLE_SECURITY_MATERIAL = "SecurityMaterialEdit"
JSON_CONTENT_TYPE = "application/json;charset=utf-8"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "MERGE"})
DEFAULT_KEYSTORE = "system"
CSRF_KEEP_SECONDS = 20 * 60  # a CSRF token and its session are reused this long unless CPI refuses them


@dataclass
class DeployWait:
    """How to wait for a User Credentials deployment (D-18): read it at once, then after 0.25 s, the wait
    doubling up to `max_interval`, for up to 60 s."""

    interval: float = 0.25
    timeout: float = 60.0
    max_interval: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class UserCredential:
    """A User Credentials artifact as CPI returns it (the password is write-only and never read)."""

    name: str
    kind: str | None
    description: str | None
    user: str | None
    company_id: str | None
    status: str | None
    deployed_by: str | None
    deployed_on: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserCredential:
        descriptor = data.get("SecurityArtifactDescriptor") or {}
        return cls(
            name=data.get("Name", ""),
            kind=data.get("Kind"),
            description=data.get("Description"),
            user=data.get("User"),
            company_id=data.get("CompanyId"),
            status=descriptor.get("Status"),
            deployed_by=descriptor.get("DeployedBy"),
            deployed_on=parse_odata_date(descriptor.get("DeployedOn")),
        )


@dataclass(frozen=True)
class KeystoreEntry:
    """One keystore entry (key pair or certificate) with its validity and fingerprints."""

    hexalias: str
    alias: str
    type: str | None
    key_type: str | None
    key_size: int | None
    valid_not_before: datetime | None
    valid_not_after: datetime | None
    subject_dn: str | None
    issuer_dn: str | None
    serial_number: str | None
    signature_algorithm: str | None
    fingerprint_sha1: str | None
    fingerprint_sha256: str | None
    fingerprint_sha512: str | None
    owner: str | None
    validity: str | None
    status: str | None
    index: int | None = None

    @property
    def is_key_pair(self) -> bool:
        return (self.type or "").lower() == "key pair"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeystoreEntry:
        return cls(
            hexalias=str(data.get("Hexalias") or "").upper(),
            alias=data.get("Alias") or "",
            type=data.get("Type"),
            key_type=data.get("KeyType"),
            key_size=data.get("KeySize"),
            valid_not_before=parse_odata_date(data.get("ValidNotBefore")),
            valid_not_after=parse_odata_date(data.get("ValidNotAfter")),
            subject_dn=data.get("SubjectDN"),
            issuer_dn=data.get("IssuerDN"),
            serial_number=data.get("SerialNumber"),
            signature_algorithm=data.get("SignatureAlgorithm"),
            fingerprint_sha1=data.get("FingerprintSha1"),
            fingerprint_sha256=data.get("FingerprintSha256"),
            fingerprint_sha512=data.get("FingerprintSha512"),
            owner=data.get("Owner"),
            validity=data.get("Validity"),
            status=data.get("Status"),
            index=data.get("Index"),
        )


@dataclass(frozen=True)
class ServiceEndpoint:
    """A deployed iFlow's endpoint(s) from `ServiceEndpoints?$expand=EntryPoints`."""

    name: str
    id: str | None
    urls: tuple[str, ...]


@dataclass(frozen=True)
class KeyPairRequest:
    """The body of a key-pair generation (D-13: signature algorithm spelled `SHA-256/RSA`)."""

    alias: str
    common_name: str
    country: str
    organization: str | None = None
    organization_unit: str | None = None
    locality: str | None = None
    state: str | None = None
    email: str | None = None
    key_type: str = "RSA"
    key_size: int = 2048
    signature_algorithm: str = "SHA-256/RSA"
    valid_not_before: datetime | None = None
    valid_not_after: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Hexalias": "00",
            "Alias": self.alias,
            "KeyType": self.key_type,
            "KeySize": self.key_size,
            "SignatureAlgorithm": self.signature_algorithm,
            "CommonName": self.common_name,
            "Country": self.country,
        }
        optional = {
            "Organization": self.organization,
            "OrganizationUnit": self.organization_unit,
            "Locality": self.locality,
            "State": self.state,
            "Email": self.email,
        }
        body.update({name: value for name, value in optional.items() if value})
        if self.valid_not_before:
            body["ValidNotBefore"] = format_odata_date(self.valid_not_before)
        if self.valid_not_after:
            body["ValidNotAfter"] = format_odata_date(self.valid_not_after)
        return body


def fingerprints_match(left: str | None, right: str | None) -> bool:
    """Compare fingerprints ignoring case and `:` separators."""
    if not left or not right:
        return False
    return left.replace(":", "").lower() == right.replace(":", "").lower()


def written_entry(response: requests.Response, alias: str) -> KeystoreEntry | None:
    """The entry `alias` from a keystore write's answer (200 with `returnKeystoreEntries=true`); None when
    the answer lists none (204)."""
    if response.status_code != 200 or not response.content:
        return None
    try:
        items = results(response.json())
    except (ValueError, AttributeError, TypeError):
        return None
    for item in items:
        if str(item.get("Alias") or "") == alias:
            return KeystoreEntry.from_json(item)
    return None


@dataclass(eq=False)
class CpiClient:
    """Calls the CPI OData API of one tenant with the `api`-plan key, through the run's SapHttp."""

    http: SapHttp
    key: ServiceKey
    tokens: TokenClient | None = None
    deploy_wait: DeployWait = field(default_factory=DeployWait)

    def __post_init__(self) -> None:
        base = self.key.url.rstrip("/")
        self.root = base if base.endswith("/api/v1") else base + "/api/v1"
        if self.tokens is None:
            self.tokens = TokenClient(self.http)
        self._csrf_token: str | None = None
        self._csrf_kept: dict[str, Any] | None = None
        self._reads: dict[tuple[str, str], Any] = {}

    def __repr__(self) -> str:
        return f"CpiClient(root={self.root!r}, clientid={self.key.clientid!r})"

    @property
    def _resend(self) -> dict[str, Any]:
        """How writes with an unknown outcome are sent again (after reading that they did not land)."""
        return {"tries": max(1, self.http.retry.tries), "pause": self.http.write_pause}

    # --- plumbing ----------------------------------------------------------------------------------------

    def _authorization(self) -> str:
        assert self.tokens is not None
        return self.tokens.for_key(self.key).authorization_header()

    def _csrf_name(self) -> str:
        assert self.tokens is not None
        return self.tokens.shared.name(self.root, self.key.clientid, "csrf-session")

    def _session_cookies(self) -> list[dict[str, Any]]:
        host = urlsplit(self.root).hostname or ""
        return [
            {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path, "secure": c.secure}
            for c in self.http.session.cookies
            if c.value is not None and c.domain.lstrip(".") in (host, host + ".local")
        ]

    def _reuse_csrf_token(self) -> str | None:
        """The CSRF token and session cookie another run of this client kept, put into this run's session."""
        assert self.tokens is not None
        kept = self.tokens.shared.recall(self._csrf_name())
        if not kept or not isinstance(kept.get("token"), str):
            return None
        for cookie in kept.get("cookies") or []:
            self.http.session.cookies.set(
                cookie["name"],
                cookie["value"],
                domain=cookie["domain"],
                path=cookie["path"],
                secure=cookie["secure"],
            )
        self._csrf_kept = kept
        self._csrf_token = kept["token"]
        return self._csrf_token

    def _csrf_refused(self) -> None:
        """CPI answered 403 `X-CSRF-Token: Required`: the kept token is stale for every run."""
        assert self.tokens is not None
        if self._csrf_kept is not None:
            self.tokens.shared.forget(self._csrf_name(), self._csrf_kept)
        self._csrf_token = self._csrf_kept = None

    def fetch_csrf_token(self) -> str:
        """`GET {root}/` with `X-CSRF-Token: Fetch`; the session keeps the cookies it binds to (D-02).

        The token and its session cookie are kept (sealed) for the other runs of this client, which reuse
        them until CPI answers 403 `X-CSRF-Token: Required`.
        """
        headers = {"X-CSRF-Token": "Fetch", "Accept": "application/json"}
        response = self._send("GET", self.root + "/", headers=headers)
        if response.status_code == 401:
            self._refresh_token()
            response = self._send("GET", self.root + "/", headers=headers)
        if response.status_code != 200:
            raise odata_error(response, what=_("the CSRF token"))
        token = response.headers.get("X-CSRF-Token")
        if not token or token.lower() == "required":
            raise SapError(
                _("CPI did not hand out a CSRF token; the API client may lack the role MonitoringDataRead")
            )
        self._csrf_token = token
        assert self.tokens is not None
        self._csrf_kept = {"token": token, "cookies": self._session_cookies()}
        self.tokens.shared.keep(self._csrf_name(), self._csrf_kept, CSRF_KEEP_SECONDS)
        return token

    def _refresh_token(self) -> None:
        assert self.tokens is not None
        self.tokens.invalidate_key(self.key)

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: Any = None,
        json: Any = None,
        data: Any = None,
        idempotent: bool = False,
    ) -> requests.Response:
        all_headers = {"Authorization": self._authorization(), **headers}
        return self.http.request(
            method,
            url,
            service=SERVICE,
            params=params,
            json=json,
            data=data,
            headers=all_headers,
            throttled=True,
            idempotent=idempotent,
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        role: str,
        expected: tuple[int, ...] = (200,),
        params: Any = None,
        json: Any = None,
        data: Any = None,
        content_type: str | None = None,
        accept_json: bool = True,
        alias: str | None = None,
        keystore_write: bool = False,
        idempotent: bool = False,
    ) -> requests.Response:
        """One OData call: bearer token, CSRF on writes (refetched once on `Required`), refresh on 401."""
        url = path if path.startswith("http") else self.root + path
        is_write = method in WRITE_METHODS
        csrf_retried = token_retried = False
        while True:
            headers: dict[str, str] = {}
            if accept_json:
                headers["Accept"] = "application/json"
            if content_type:
                headers["Content-Type"] = content_type
            elif json is not None:
                headers["Content-Type"] = JSON_CONTENT_TYPE
            if is_write:
                self._reads.clear()  # what this client read before may change now
                headers["X-CSRF-Token"] = (
                    self._csrf_token or self._reuse_csrf_token() or self.fetch_csrf_token()
                )
            response = self._send(
                method, url, headers=headers, params=params, json=json, data=data, idempotent=idempotent
            )
            if response.status_code in expected:
                return response
            if response.status_code == 401 and not token_retried:
                token_retried = True
                self._refresh_token()
                continue
            csrf_required = (response.headers.get("X-CSRF-Token") or "").lower() == "required"
            if response.status_code == 403 and csrf_required and is_write and not csrf_retried:
                csrf_retried = True
                self._csrf_refused()
                self.fetch_csrf_token()
                continue
            raise self._failure(response, what=what, role=role, alias=alias, keystore_write=keystore_write)

    def _failure(
        self, response: requests.Response, *, what: str, role: str, alias: str | None, keystore_write: bool
    ) -> SapError:
        error = odata_error(response, what=what)
        status = response.status_code
        if status == 403:
            if (response.headers.get("X-CSRF-Token") or "").lower() == "required":
                message = _("CPI refused the CSRF token twice; try again")
                code = "csrf"
            elif alias is not None and is_reserved_alias(alias):
                message = _(
                    "The alias %(alias)s is reserved for SAP and cannot be written or deleted; choose another"
                ) % {"alias": alias}
                code = "reserved_alias"
            else:
                message = _("The CPI API client lacks the role %(role)s (needed for %(what)s)") % {
                    "role": role,
                    "what": what,
                }
                code = "role_missing"
            return SapError(message, status=403, code=code, remote_message=error.remote_message)
        if keystore_write and status in (423, 503):
            return SapError(
                _("The CPI keystore is locked by another user; try again in a minute"),
                retryable=True,
                status=status,
                code="keystore_locked",
                remote_message=error.remote_message,
            )
        if status == 429:
            return SapError(
                _("CPI is receiving too many requests for this tenant; try again in a minute"),
                retryable=True,
                status=429,
                code=error.code,
                remote_message=error.remote_message,
            )
        return error

    def _collect(self, path: str, *, what: str, role: str, params: Any = None) -> list[dict[str, Any]]:
        """All entities of a collection, following `d.__next` when present (D-17)."""
        items: list[dict[str, Any]] = []
        url: str | None = path
        while url:
            body = self._call("GET", url, what=what, role=role, params=params).json()
            items.extend(results(body))
            next_link = (body.get("d") or {}).get("__next") if isinstance(body.get("d"), dict) else None
            url = urljoin(self.root + "/", next_link) if next_link else None
            params = None
        return items

    # --- User Credentials --------------------------------------------------------------------------------

    def list_user_credentials(self) -> list[UserCredential]:
        """User Credentials only: other artifacts in the list (Kind null) are left out (D-20)."""
        items = self._collect("/UserCredentials", what=_("the User Credentials list"), role=ROLE_READ)
        return [UserCredential.from_json(item) for item in items if item.get("Kind") in USER_CREDENTIAL_KINDS]

    def get_user_credential(self, name: str, *, fresh: bool = False) -> UserCredential | None:
        """The artifact, read once per client (run) until this client writes; `fresh` reads it again."""
        key = ("credential", name)
        if not fresh and key in self._reads:
            return cast(UserCredential | None, self._reads[key])
        try:
            response = self._call(
                "GET",
                "/UserCredentials" + entity_key(name),
                what=_("the User Credentials %(name)s") % {"name": name},
                role=ROLE_READ,
            )
        except SapError as error:
            if error.status != 404:
                raise
            found = None
        else:
            found = UserCredential.from_json(entity(response.json()))
        self._reads[key] = found
        return found

    def _credential_body(
        self, name: str, user: str, password: str, description: str, kind: str, company_id: str | None
    ) -> dict[str, Any]:
        check_name(name, label=_("User Credentials name"), max_length=150)
        if kind not in USER_CREDENTIAL_KINDS:
            raise SapError(
                _("The User Credentials kind %(kind)s is not one of %(kinds)s")
                % {"kind": repr(kind), "kinds": sorted(USER_CREDENTIAL_KINDS)}
            )
        if len(password) > 255:
            raise SapError(_("The password is longer than the 255 characters CPI accepts"))
        return {
            "Name": name,
            "Kind": kind,
            "Description": description,
            "User": user,
            "Password": password,
            "CompanyId": company_id,
        }

    def create_user_credential(
        self,
        name: str,
        user: str,
        password: str,
        *,
        description: str = "",
        kind: str = "default",
        company_id: str | None = None,
    ) -> None:
        """POST a new artifact (202 = deployment triggered); a taken name raises a clear SapError."""
        body = self._credential_body(name, user, password, description, kind, company_id)

        def send() -> bool:
            self._call(
                "POST",
                "/UserCredentials",
                what=_("the User Credentials %(name)s") % {"name": name},
                role=ROLE_CREDENTIALS,
                expected=(201, 202, 204),
                json=body,
            )
            return True

        try:
            send_once(
                send, lambda: True if self.get_user_credential(name) is not None else None, **self._resend
            )
        except SapError as error:
            if error.status == 409:
                raise SapError(
                    _(
                        "A User Credentials artifact named %(name)s already exists in CPI; "
                        "choose another name "
                        "or update it"
                    )
                    % {"name": name},
                    status=409,
                    code="duplicate_credential",
                    remote_message=error.remote_message,
                ) from error
            raise

    def update_user_credential(
        self,
        name: str,
        user: str,
        password: str,
        *,
        description: str = "",
        kind: str = "default",
        company_id: str | None = None,
    ) -> None:
        """PUT the full object, password included (D-19); a missing artifact raises a clear SapError."""
        body = self._credential_body(name, user, password, description, kind, company_id)
        try:
            self._call(
                "PUT",
                "/UserCredentials" + entity_key(name),
                what=_("the User Credentials %(name)s") % {"name": name},
                role=ROLE_CREDENTIALS,
                expected=(200, 202, 204),
                json=body,
                idempotent=True,  # the full object: sending it twice leaves the same artifact
            )
        except SapError as error:
            if error.status in (404, 409):
                raise SapError(
                    _("There is no User Credentials artifact named %(name)s in CPI to update")
                    % {"name": name},
                    status=error.status,
                    code="credential_missing",
                    remote_message=error.remote_message,
                ) from error
            raise

    def delete_user_credential(self, name: str) -> bool:
        """Delete the artifact; False when it was already gone."""

        def send() -> bool:
            self._call(
                "DELETE",
                "/UserCredentials" + entity_key(name),
                what=_("the User Credentials %(name)s") % {"name": name},
                role=ROLE_CREDENTIALS,
                expected=(200, 202, 204),
            )
            return True

        try:
            return send_once(
                send, lambda: True if self.get_user_credential(name) is None else None, **self._resend
            )
        except SapError as error:
            if error.status == 404:
                return False
            raise

    def wait_until_deployed(self, name: str) -> UserCredential:
        """Poll the artifact until `SecurityArtifactDescriptor.Status == DEPLOYED` (D-18)."""
        started = self.deploy_wait.clock()
        interval = self.deploy_wait.interval
        fresh = False  # this run's read (made before any write of it) may already show DEPLOYED
        while True:
            credential = self.get_user_credential(name, fresh=fresh)
            fresh = True
            if credential is not None and (credential.status or "").upper() == "DEPLOYED":
                return credential
            if self.deploy_wait.clock() - started >= self.deploy_wait.timeout:
                state = credential.status if credential else "missing"
                raise SapError(
                    _(
                        "The User Credentials %(name)s did not reach DEPLOYED within "
                        "%(seconds)s s (status: %(state)s)"
                    )
                    % {"name": name, "seconds": int(self.deploy_wait.timeout), "state": state},
                    retryable=True,
                    code="not_deployed",
                )
            self.deploy_wait.sleep(interval)
            interval = min(max(interval, self.deploy_wait.max_interval), interval * 2)

    # --- keystore ----------------------------------------------------------------------------------------

    def _entry_path(self, alias: str) -> str:
        return f"/KeystoreEntries('{hex_alias(alias)}')"

    def list_keystore_entries(self, keystore: str = DEFAULT_KEYSTORE) -> list[KeystoreEntry]:
        items = self._collect(
            "/KeystoreEntries",
            what=_("the keystore entries"),
            role=ROLE_READ,
            params={"keystoreName": keystore},
        )
        return [KeystoreEntry.from_json(item) for item in items]

    def get_keystore_entry(self, alias: str, keystore: str = DEFAULT_KEYSTORE) -> KeystoreEntry | None:
        """The entry, read once per client (run) until this client writes."""
        key = ("keystore:" + keystore, alias)
        if key in self._reads:
            return cast(KeystoreEntry | None, self._reads[key])
        try:
            response = self._call(
                "GET",
                self._entry_path(alias),
                what=_("the keystore entry %(alias)s") % {"alias": alias},
                role=ROLE_READ,
                params={"keystoreName": keystore},
            )
        except SapError as error:
            if error.status != 404:
                raise
            found = None
        else:
            found = KeystoreEntry.from_json(entity(response.json()))
        self._reads[key] = found
        return found

    def _require_entry(self, alias: str) -> KeystoreEntry:
        entry = self.get_keystore_entry(alias)
        if entry is None:
            raise SapError(
                _("The keystore entry %(alias)s is missing right after it was written") % {"alias": alias},
                retryable=True,
            )
        return entry

    def delete_keystore_entry(self, alias: str, keystore: str = DEFAULT_KEYSTORE) -> bool:
        """Delete an entry; False when it was already gone. Reserved aliases raise (403)."""

        def send() -> bool:
            self._call(
                "DELETE",
                self._entry_path(alias),
                what=_("the keystore entry %(alias)s") % {"alias": alias},
                role=ROLE_SECURITY_MATERIAL,
                expected=(200, 204),
                params={"keystoreName": keystore},
                alias=alias,
                keystore_write=True,
            )
            return True

        try:
            return send_once(
                send,
                lambda: True if self.get_keystore_entry(alias, keystore) is None else None,
                **self._resend,
            )
        except SapError as error:
            if error.status == 404:
                return False
            raise

    def generate_key_pair(self, request: KeyPairRequest) -> KeystoreEntry:
        """Generate a self-signed key pair under `request.alias` and return the entry read back."""
        check_name(request.alias, label=_("alias"), max_length=250)
        if not request.common_name or len(request.country or "") != 2:
            raise SapError(_("A key pair needs a common name and a two-letter country code"))

        def send() -> KeystoreEntry | None:
            response = self._call(
                "POST",
                "/KeyPairGenerationRequests",
                what=_("the key pair %(alias)s") % {"alias": request.alias},
                role=ROLE_SECURITY_MATERIAL,
                expected=(200, 201, 204),
                params={"returnKeystoreEntries": "true"},
                json=request.to_json(),
                alias=request.alias,
                keystore_write=True,
            )
            return written_entry(response, request.alias)

        try:
            landed = send_once(send, lambda: self.get_keystore_entry(request.alias), **self._resend)
        except SapError as error:
            raise self._explain_write_refusal(error, request.alias, update=False) from error
        return landed or self._require_entry(request.alias)

    def _trusted_write(
        self,
        method: str,
        path: str,
        *,
        alias: str,
        what: str,
        params: dict[str, str],
        expected_fingerprint_sha256: str | None,
        **body: Any,
    ) -> KeystoreEntry | None:
        """A keystore write that may answer 409 (no trust path): repeated with `fingerprintVerified=true`
        only when the certificate CPI shows has the SHA-256 fingerprint the caller expects. Returns the
        written entry when CPI's answer lists it (`returnKeystoreEntries=true`), so no read follows."""
        for verified in (False, True):
            response = self._call(
                method,
                path,
                what=what,
                role=ROLE_SECURITY_MATERIAL,
                expected=(200, 201, 204, 409),
                params={
                    **params,
                    "fingerprintVerified": str(verified).lower(),
                    "returnKeystoreEntries": "true",
                },
                alias=alias,
                keystore_write=True,
                **body,
            )
            if response.status_code != 409:
                return written_entry(response, alias)
            if verified:
                raise odata_error(response, what=what)
            self._confirm_untrusted(response, alias, expected_fingerprint_sha256)
        return None

    def _explain_write_refusal(self, error: SapError, alias: str, update: bool) -> SapError:
        if error.status != 400:
            return error
        exists = self.get_keystore_entry(alias) is not None
        if exists and not update:
            return SapError(
                _(
                    "The keystore already has an entry with alias %(alias)s; "
                    "choose another alias or replace it"
                )
                % {"alias": alias},
                status=400,
                code="duplicate_alias",
                remote_message=error.remote_message,
            )
        if not exists and update:
            return SapError(
                _("There is no keystore entry %(alias)s to replace") % {"alias": alias},
                status=400,
                code="alias_missing",
                remote_message=error.remote_message,
            )
        return error

    def upload_certificate(
        self, alias: str, pem: str, *, update: bool = False, expected_fingerprint_sha256: str | None = None
    ) -> KeystoreEntry:
        """Upload (or with `update` replace) a trusted certificate, sent as PEM (D-16).

        When CPI cannot build a trust path it answers 409 with the certificate's fingerprint; if that
        matches `expected_fingerprint_sha256`, the upload is repeated with `fingerprintVerified=true`.
        Otherwise a SapError with code `notTrusted` names the fingerprint for the user to check.
        """
        check_name(alias, label=_("alias"), max_length=250)

        def send() -> KeystoreEntry | None:
            return self._trusted_write(
                "PUT",
                f"/CertificateResources('{hex_alias(alias)}')/$value",
                alias=alias,
                what=_("the certificate %(alias)s") % {"alias": alias},
                params={"update": str(update).lower()},
                expected_fingerprint_sha256=expected_fingerprint_sha256,
                data=pem.encode("ascii"),
                content_type="application/pkix-cert",
            )

        try:
            landed = send_once(
                send, lambda: None if update else self.get_keystore_entry(alias), **self._resend
            )
        except SapError as error:
            raise self._explain_write_refusal(error, alias, update) from error
        return landed or self._require_entry(alias)

    def _confirm_untrusted(
        self, response: requests.Response, alias: str, expected_fingerprint: str | None
    ) -> None:
        offered = None
        try:
            body = response.json()
            data = body.get("d") if isinstance(body, dict) else None
            candidates = results(body) if isinstance(data, dict) and "results" in data else [entity(body)]
            offered = next(
                (item["FingerprintSha256"] for item in candidates if item.get("FingerprintSha256")), None
            )
        except (ValueError, AttributeError, TypeError):
            offered = None
        if expected_fingerprint and fingerprints_match(offered, expected_fingerprint):
            return
        raise SapError(
            _(
                "CPI cannot build a trust path for the certificate %(alias)s (fingerprint SHA-256 "
                "%(fingerprint)s); check the fingerprint and confirm it to upload anyway"
            )
            % {"alias": alias, "fingerprint": offered or _("unknown")},
            status=409,
            code="notTrusted",
        )

    def download_certificate(
        self, alias: str, *, root_ca: bool = False, keystore: str = DEFAULT_KEYSTORE
    ) -> str:
        """The entry's certificate as PEM (PEM or DER accepted from the server, D-15)."""
        params = {"keystoreName": keystore}
        if root_ca:
            params["rootCA"] = "true"
        response = self._call(
            "GET",
            self._entry_path(alias) + "/Certificate/$value",
            what=_("the certificate of %(alias)s") % {"alias": alias},
            role=ROLE_READ,
            params=params,
            accept_json=False,
        )
        return der_or_pem_to_pem(response.content)

    def chain_certificates(self, alias: str) -> list[KeystoreEntry]:
        items = self._collect(
            self._entry_path(alias) + "/ChainCertificates",
            what=_("the certificate chain of %(alias)s") % {"alias": alias},
            role=ROLE_READ,
        )
        return sorted((KeystoreEntry.from_json(item) for item in items), key=lambda item: item.index or 0)

    def download_csr(self, alias: str) -> str:
        """The PKCS#10 signing request of a key pair as PEM (PEM or DER accepted, D-14)."""
        response = self._call(
            "GET",
            self._entry_path(alias) + "/SigningRequest/$value",
            what=_("the signing request of %(alias)s") % {"alias": alias},
            role=ROLE_READ,
            accept_json=False,
        )
        return der_or_pem_to_pem(response.content, label="CERTIFICATE REQUEST")

    def upload_certificate_chain(
        self, alias: str, pem_chain: str, *, expected_fingerprint_sha256: str | None = None
    ) -> KeystoreEntry:
        """Import the CA-signed chain (concatenated PEM, leaf first) onto an existing key pair.

        `expected_fingerprint_sha256` confirms the chain's top certificate when CPI does not trust it (409).
        """
        written = self._trusted_write(
            "PUT",
            f"/CertificateChainResources('{hex_alias(alias)}')/$value",
            alias=alias,
            what=_("the signed certificate chain for %(alias)s") % {"alias": alias},
            params={},
            expected_fingerprint_sha256=expected_fingerprint_sha256,
            data=pem_chain.encode("ascii"),
            content_type="application/x-pem-file",
        )
        return written or self._require_entry(alias)

    def import_pkcs12(
        self,
        alias: str,
        pkcs12: bytes,
        password: str,
        *,
        update: bool = False,
        expected_fingerprint_sha256: str | None = None,
    ) -> KeystoreEntry:
        """Import a PKCS#12 key pair under `alias` (or replace it with `update`)."""
        check_name(alias, label=_("alias"), max_length=250)
        body = {
            "Hexalias": "00",
            "Alias": alias,
            "Password": password,
            "Resource": base64.b64encode(pkcs12).decode("ascii"),
        }

        def send() -> KeystoreEntry | None:
            return self._trusted_write(
                "POST",
                "/KeyPairResources",
                alias=alias,
                what=_("the key pair import %(alias)s") % {"alias": alias},
                params={"update": str(update).lower()},
                expected_fingerprint_sha256=expected_fingerprint_sha256,
                json=body,
            )

        try:
            landed = send_once(
                send, lambda: None if update else self.get_keystore_entry(alias), **self._resend
            )
        except SapError as error:
            raise self._explain_write_refusal(error, alias, update) from error
        return landed or self._require_entry(alias)

    # --- service endpoints -------------------------------------------------------------------------------

    def service_endpoints(self) -> list[ServiceEndpoint]:
        items = self._collect(
            "/ServiceEndpoints",
            what=_("the service endpoints"),
            role=ROLE_READ,
            params={"$expand": "EntryPoints"},
        )
        endpoints = []
        for item in items:
            entry_points = item.get("EntryPoints") or {}
            points = entry_points.get("results", []) if isinstance(entry_points, dict) else entry_points
            endpoints.append(
                ServiceEndpoint(
                    name=item.get("Name", ""),
                    id=item.get("Id"),
                    urls=tuple(point.get("Url") for point in points if point.get("Url")),
                )
            )
        return endpoints

    def endpoint_url(self, iflow_id: str) -> str:
        """The first entry-point URL of the iFlow named `iflow_id` (D-33: never guess /http or /cxf)."""
        for endpoint in self.service_endpoints():
            if endpoint.name == iflow_id or endpoint.id == iflow_id:
                if endpoint.urls:
                    return endpoint.urls[0]
        raise SapError(
            _("No deployed endpoint was found for the iFlow %(iflow)s; check it is deployed")
            % {"iflow": iflow_id},
            code="not_found",
        )
