"""`manage.py check --deploy` is clean under production settings (a subprocess with a production
environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path) -> dict[str, str]:
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "VIRTUAL_ENV") if name in os.environ}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "authwizard.settings",
        "SECRET_KEY": Fernet.generate_key().decode() + Fernet.generate_key().decode(),
        "AUTHWIZARD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AUTHWIZARD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "authwizard.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://authwizard.example.com",
        "AUTHWIZARD_BASE_URL": "https://authwizard.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_when_debug_is_on(tmp_path):
    env = production_env(tmp_path) | {"DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr


def test_check_deploy_warns_when_the_base_url_for_e_mail_links_is_missing(tmp_path):
    env = production_env(tmp_path)
    del env["AUTHWIZARD_BASE_URL"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "authwizard.W002" in result.stdout + result.stderr
    assert "AUTHWIZARD_BASE_URL" in result.stdout + result.stderr
