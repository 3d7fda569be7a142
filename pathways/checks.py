"""System checks: refuse to start without usable encryption keys; warn (deploy) without an e-mail base URL."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from pathways import vault


@register(Tags.security, deploy=False)
def encryption_keys(app_configs, **kwargs):
    if settings.AUTHWIZARD_TESTING and not settings.AUTHWIZARD_ENCRYPTION_KEYS:
        return []
    return [
        Error(
            problem,
            hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"',
            id="authwizard.E001",
        )
        for problem in vault.key_problems(vault.configured_keys())
    ]


@register(Tags.security, deploy=True)
def base_url(app_configs, **kwargs):
    """E-mails carry links built on AUTHWIZARD_BASE_URL; in production without it they would lead nowhere."""
    configured = settings.AUTHWIZARD_BASE_URL
    if configured.startswith(("https://", "http://")):
        return []
    return [
        Warning(
            "AUTHWIZARD_BASE_URL is not set (or not an http(s) address): links in e-mails cannot be built.",
            hint="Set it to the address people open AuthWizard at, e.g. https://authwizard.example.com",
            id="authwizard.W002",
        )
    ]
