"""System checks: refuse to start without usable encryption keys."""

from django.conf import settings
from django.core.checks import Error, Tags, register

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
