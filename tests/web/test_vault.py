import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from pathways import redact, vault
from pathways.models import Secret

NEW, OLD = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_secret_round_trips_and_is_not_stored_in_clear(settings):
    token = vault.encrypt("s3cr3t-value")
    assert "s3cr3t-value" not in token
    assert vault.decrypt(token) == "s3cr3t-value"


def test_a_token_from_another_key_raises(settings):
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [OLD]
    token = vault.encrypt("x")
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(vault.VaultError):
        vault.decrypt(token)


def test_rotation_keeps_old_tokens_readable_and_rewrites_them_with_the_newest_key(settings):
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [OLD]
    token = vault.encrypt("x")
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [NEW, OLD]
    assert vault.decrypt(token) == "x"
    rotated = vault.rotate(token)
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [NEW]
    assert vault.decrypt(rotated) == "x"


def test_rotate_encryption_keys_command_reencrypts_every_row(settings, landscape, capsys):
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [OLD]
    Secret.store(landscape=landscape, name="cf_password", value="pw-1")
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys")
    assert "Re-encrypted 1 secret" in capsys.readouterr().out
    settings.AUTHWIZARD_ENCRYPTION_KEYS = [NEW]
    assert Secret.objects.get(name="cf_password").reveal() == "pw-1"


def test_malformed_or_missing_keys_are_reported_by_the_system_check(settings):
    from pathways.checks import encryption_keys

    settings.AUTHWIZARD_ENCRYPTION_KEYS = ["not-a-key"]
    assert [e.id for e in encryption_keys(None)] == ["authwizard.E001"]
    settings.AUTHWIZARD_ENCRYPTION_KEYS = []
    settings.AUTHWIZARD_TESTING = False
    settings.AUTHWIZARD_LOCAL = False
    assert "not set" in encryption_keys(None)[0].msg


def test_the_local_run_generates_a_key_file_once(settings, tmp_path):
    settings.AUTHWIZARD_ENCRYPTION_KEYS = []
    settings.AUTHWIZARD_LOCAL = True
    settings.VAR_DIR = tmp_path
    token = vault.encrypt("x")
    key_file = tmp_path / "encryption.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert vault.decrypt(token) == "x"
    assert vault.configured_keys() == [key_file.read_text().strip()]


def test_redaction_removes_authorization_headers_private_keys_and_secrets():
    text = (
        "Authorization: Bearer abc.def.ghi clientsecret=XYZ123 "
        '{"password": "hunter2"} -----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----'
    )
    cleaned = redact.log_text(text)
    for leaked in ("abc.def.ghi", "XYZ123", "hunter2", "MIIB"):
        assert leaked not in cleaned
