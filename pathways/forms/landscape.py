"""The landscape form: pasted service keys parsed, URLs guarded, secrets kept in the vault."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from pathways import netguard, validators
from pathways.models import Landscape, Secret
from pathways.sap.errors import SapError
from pathways.sap.keys import ServiceKey, parse_service_key
from pathways.sap.service_manager import ServiceManagerBinding

if TYPE_CHECKING:
    from pathways.models import Actor

SECRET_FIELDS = ("cpi_service_key", "cf_password", "sm_service_key")
URL_FIELDS = ("runtime_url", "cf_api_url", "cf_uaa_url")


def _parse_key(raw: str, what: str) -> ServiceKey:
    try:
        return parse_service_key(raw)
    except SapError as error:
        raise ValidationError(f"{what}: {error.message}.")


def _check_key_urls(**urls: str) -> None:
    """The addresses inside a pasted key pass the same SSRF guard as the ones typed into the form."""
    for name, url in urls.items():
        try:
            netguard.check_url(url)
        except netguard.UnsafeURL as error:
            raise ValidationError(f"The key's '{name}': {error}")


class SecretTextarea(forms.Textarea):
    """A textarea for pasted keys: what was typed is never rendered back into the page."""

    def format_value(self, value: object) -> None:
        return None


def _https_urls(model_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(model_field, models.URLField):
        return model_field.formfield(assume_scheme="https", **kwargs)
    return model_field.formfield(**kwargs)


class LandscapeForm(forms.ModelForm):
    formfield_callback = _https_urls
    cpi_service_key = forms.CharField(
        label="CPI API service key (plan api)",
        required=False,
        strip=True,
        widget=SecretTextarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Paste the JSON of the it-rt service key of plan api, as the BTP cockpit shows it. "
        "Leave empty to keep the stored key.",
    )
    cf_password = forms.CharField(
        label="Cloud Foundry password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the stored password.",
    )
    sm_service_key = forms.CharField(
        label="Service Manager key (optional, read-only inventory)",
        required=False,
        widget=SecretTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            "A subaccount-audit or subaccount-admin binding of service-manager. Leave empty to keep it."
        ),
    )

    class Meta:
        model = Landscape
        fields = [
            "name",
            "tier",
            "cpi_service_key",
            "runtime_url",
            "endpoint_path",
            "integration_packages",
            "cf_api_url",
            "cf_uaa_url",
            "cf_org",
            "cf_space",
            "cf_user",
            "cf_password",
            "sm_service_key",
            "ca_bundle",
            "s4_host",
            "ssc_host",
            "expiry_threshold_days",
        ]
        labels = {
            "runtime_url": "CPI runtime URL",
            "endpoint_path": "Endpoint that verification calls",
            "integration_packages": "Integration packages (optional)",
            "cf_api_url": "Cloud Foundry API URL",
            "cf_uaa_url": "Cloud Foundry UAA URL",
            "cf_org": "Cloud Foundry org",
            "cf_space": "Cloud Foundry space",
            "cf_user": "Technical user (Space Developer)",
            "ca_bundle": "Trusted CA bundle (optional)",
            "s4_host": "S/4HANA host",
            "ssc_host": "SSCv2 host",
            "expiry_threshold_days": "Warn about expiring certificates (days)",
        }
        help_texts = {
            "runtime_url": "The url of an integration-flow key, e.g. https://x.it-cpi001-rt.cfapps.eu10.hana.ondemand.com",
            "endpoint_path": "An iFlow address under /http/ or /cxf/ that senders call.",
            "integration_packages": "Ids of the packages whose iFlows use these pathways, comma separated; "
            "Discover iFlows lists their authentication parameters.",
            "cf_uaa_url": "Empty: derived from the API URL (api. → uaa.).",
            "ca_bundle": "PEM certificates to trust besides public CAs, e.g. a corporate proxy's root.",
        }
        widgets = {"ca_bundle": forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})}

    def __init__(self, *args: Any, user: Actor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.parsed_cpi_key: ServiceKey | None = None
        self.parsed_sm_key: ServiceManagerBinding | None = None
        self.secret_status: dict[str, Secret] = {}
        if self.instance.pk:
            for name, stored in (
                ("cpi_service_key", "cpi_secret"),
                ("cf_password", "cf_password"),
                ("sm_service_key", "sm_secret"),
            ):
                secret = Secret.lookup(landscape=self.instance, name=stored)
                if secret:
                    self.secret_status[name] = secret
        elif not self.is_bound:
            self.fields["cpi_service_key"].help_text = "Paste the JSON of the it-rt service key of plan api."

    def clean_name(self) -> str:
        return validators.landscape_name(self.cleaned_data["name"])

    def _clean_url(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return value
        try:
            return netguard.check_url(value).rstrip("/")
        except netguard.UnsafeURL as error:
            raise ValidationError(str(error))

    def clean_runtime_url(self) -> str:
        return self._clean_url("runtime_url")

    def clean_cf_api_url(self) -> str:
        return self._clean_url("cf_api_url")

    def clean_cf_uaa_url(self) -> str:
        return self._clean_url("cf_uaa_url")

    def clean_endpoint_path(self) -> str:
        return validators.endpoint_path(self.cleaned_data.get("endpoint_path") or "")

    def clean_integration_packages(self) -> str:
        return validators.package_ids(self.cleaned_data.get("integration_packages") or "")

    def clean_s4_host(self) -> str:
        return validators.host_name(self.cleaned_data.get("s4_host") or "")

    def clean_ssc_host(self) -> str:
        return validators.host_name(self.cleaned_data.get("ssc_host") or "")

    def clean_cf_org(self) -> str:
        return validators._text(self.cleaned_data.get("cf_org") or "", "org name", 200, required=False)

    def clean_cf_space(self) -> str:
        return validators._text(self.cleaned_data.get("cf_space") or "", "space name", 200, required=False)

    def clean_cf_user(self) -> str:
        return validators._text(self.cleaned_data.get("cf_user") or "", "user", 200, required=False)

    def clean_cpi_service_key(self) -> str:
        raw = self.cleaned_data.get("cpi_service_key") or ""
        if not raw:
            return raw
        key = _parse_key(raw, "CPI API service key")
        _check_key_urls(url=key.url, tokenurl=key.tokenurl)
        self.parsed_cpi_key = key
        return raw

    def clean_sm_service_key(self) -> str:
        raw = self.cleaned_data.get("sm_service_key") or ""
        if not raw:
            return raw
        try:
            key = ServiceManagerBinding.parse(raw)
        except SapError as error:
            raise ValidationError(f"{error.message}; paste the whole binding.")
        _check_key_urls(sm_url=key.sm_url, url=key.url)
        self.parsed_sm_key = key
        return raw

    def clean_ca_bundle(self) -> str:
        raw = (self.cleaned_data.get("ca_bundle") or "").strip()
        if not raw:
            return raw
        from pathways.certs import CertificateError, parse_certificates

        try:
            parse_certificates(raw.encode("utf-8"))
        except CertificateError as error:
            raise ValidationError(f"The CA bundle: {error}")
        return raw + "\n"

    def clean_expiry_threshold_days(self) -> int:
        value = self.cleaned_data.get("expiry_threshold_days")
        if not isinstance(value, int) or not 1 <= value <= 365:
            raise ValidationError("Enter a number of days between 1 and 365.")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("cf_api_url") and not data.get("cf_uaa_url"):
            data["cf_uaa_url"] = data["cf_api_url"].replace("://api.", "://uaa.", 1)
        return data

    @property
    def secrets_to_retype(self) -> list[str]:
        """Secret fields that were filled in on a form that failed: they are not shown again, for safety."""
        if not self.is_bound or not self.errors:
            return []
        return [str(self.fields[name].label) for name in SECRET_FIELDS if self.data.get(name)]

    def changed_secret_fields(self) -> set[str]:
        return {name for name in SECRET_FIELDS if self.cleaned_data.get(name)}

    def save_secrets(self, landscape: Landscape) -> None:
        """Store the secret parts; an empty field keeps what is stored."""
        key = self.parsed_cpi_key
        if key is not None:
            landscape.cpi_api_url = key.url
            landscape.cpi_token_url = key.tokenurl
            landscape.cpi_client_id = key.clientid
            pair = key.client_certificate
            if pair is not None:
                landscape.cpi_auth = "certificate"
                landscape.cpi_certificate, private_key = pair
                Secret.store(landscape=landscape, name="cpi_secret", value=private_key, user=self.user)
            elif key.clientsecret:  # parse_service_key refuses a key with neither a secret nor a key pair
                landscape.cpi_auth = "secret"
                landscape.cpi_certificate = ""
                Secret.store(landscape=landscape, name="cpi_secret", value=key.clientsecret, user=self.user)
        if self.cleaned_data.get("cf_password"):
            Secret.store(
                landscape=landscape,
                name="cf_password",
                value=self.cleaned_data["cf_password"],
                user=self.user,
            )
        sm = self.parsed_sm_key
        if sm is not None:
            landscape.sm_url, landscape.sm_token_url, landscape.sm_client_id = (
                sm.sm_url,
                sm.tokenurl,
                sm.clientid,
            )
            Secret.store(landscape=landscape, name="sm_secret", value=sm.clientsecret, user=self.user)
        landscape.save()
