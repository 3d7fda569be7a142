"""`manage.py landscape import` puts a draft's secrets into the vault, whoever imports, and nowhere else."""

import base64
import importlib
import io
import json
import logging
import uuid

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from pathways import certs
from pathways.landscape_files import export_landscape
from pathways.models import AuditEvent, Landscape, Pathway, Secret
from pathways.shapes.key_pair import pkcs12_state
from tests.factories import LandscapeFactory, UserFactory

pytestmark = pytest.mark.django_db


def pkcs12_file(passphrase: str, common_name: str) -> tuple[str, str]:
    """(base64 of a PKCS#12 file under `passphrase`, its certificate's SHA-256 fingerprint)."""
    key = certs.generate_private_key()
    issued = certs.issue_certificate(
        key, None, key, 365, subject=certs.DistinguishedName(common_name=common_name)
    )
    data = certs.export_pkcs12(key, certs.parse_certificates(issued.pem), passphrase)
    return base64.b64encode(data).decode(), issued.fingerprint_sha256


def landscape_file(tmp_path, name: str, drafts: dict) -> str:
    """A landscape file as `landscape export` writes it, renamed, with the given pathway drafts."""
    data = export_landscape(
        Landscape.objects.filter(name=f"{name} source").first() or LandscapeFactory(name=f"{name} source")
    )
    data["name"] = name
    for key, (method, draft) in drafts.items():
        data["pathways"][key] = {"method": method, "draft": draft}
    path = tmp_path / "landscape.json"
    path.write_text(json.dumps(data))
    return str(path)


def run_import(path: str, *options: str) -> str:
    out = io.StringIO()
    call_command("landscape", "import", path, *options, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize("as_user", [False, True], ids=["without --as-user", "with --as-user"])
def test_draft_secrets_in_the_file_go_to_the_vault_and_nowhere_else(tmp_path, caplog, as_user):
    caplog.set_level(logging.DEBUG)
    token = uuid.uuid4().hex
    password, passphrase = f"canary-pw-{token}", f"canary-p12-{token}"
    bundle, fingerprint = pkcs12_file(passphrase, f"canary-{token[:8]}.example.com")
    path = landscape_file(
        tmp_path,
        "Imported",
        {
            "cpi_to_s4": ("basic", {"user": "COMM_USER", "password": password}),
            "cpi_to_ssc": (
                "certificate",
                {"key_source": "import", "pkcs12": bundle, "pkcs12_passphrase": passphrase},
            ),
        },
    )
    options = ("--as-user", UserFactory(username="carla").username) if as_user else ()
    output = run_import(path, *options)

    landscape = Landscape.objects.get(name="Imported")
    basic, pair = landscape.pathways.get(key="cpi_to_s4"), landscape.pathways.get(key="cpi_to_ssc")
    assert basic.draft["user"] == "COMM_USER" and pair.draft["key_source"] == "import"
    assert basic.secret("password").reveal() == password
    assert pair.secret("pkcs12_passphrase").reveal() == passphrase
    assert pkcs12_state(pair) == {"pkcs12_present": True, "pkcs12_fingerprint": fingerprint}

    drafts = json.dumps(list(Pathway.objects.values("draft", "draft_meta", "applied", "status_message")))
    audit = json.dumps(list(AuditEvent.objects.values("changes", "note", "action")))
    dump = io.StringIO()
    call_command("dumpdata", "pathways", stdout=dump)
    for canary in (password, passphrase, bundle[:60], bundle[-60:]):
        for where, text in (
            ("draft", drafts),
            ("audit", audit),
            ("log", caplog.text),
            ("output", output),
            ("dump", dump.getvalue()),
        ):
            assert canary not in text, (where, canary[:12])
    event = AuditEvent.objects.get(action="landscape.import")
    assert event.changes["cpi_to_s4.password"] == ["***CHANGED***", "***CHANGED***"]


def test_a_secret_in_the_file_replaces_the_older_one_the_apply_would_use(tmp_path):
    old_bundle, old_fingerprint = pkcs12_file("old passphrase", "old.example.com")
    new_bundle, new_fingerprint = pkcs12_file("new passphrase", "new.example.com")
    drafts = {
        "cpi_to_ssc": (
            "certificate",
            {"key_source": "import", "pkcs12": old_bundle, "pkcs12_passphrase": "old passphrase"},
        )
    }
    run_import(landscape_file(tmp_path, "Replaced", drafts))
    pair = Landscape.objects.get(name="Replaced").pathways.get(key="cpi_to_ssc")
    assert pkcs12_state(pair)["pkcs12_fingerprint"] == old_fingerprint
    drafts["cpi_to_ssc"][1].update(pkcs12=new_bundle, pkcs12_passphrase="new passphrase")
    run_import(landscape_file(tmp_path, "Replaced", drafts))
    assert pkcs12_state(pair)["pkcs12_fingerprint"] == new_fingerprint
    assert "pkcs12" not in Pathway.objects.get(pk=pair.pk).draft


def test_a_secret_read_from_the_environment_goes_to_the_vault(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORT_S4_PASSWORD", "from-the-environment-1")
    drafts = {"cpi_to_s4": ("basic", {"user": "U", "password": {"env": "IMPORT_S4_PASSWORD"}})}
    run_import(landscape_file(tmp_path, "From env", drafts))
    pathway = Landscape.objects.get(name="From env").pathways.get(key="cpi_to_s4")
    assert pathway.secret("password").reveal() == "from-the-environment-1"
    assert "password" not in pathway.draft


@pytest.mark.parametrize(
    "key, method, draft, message",
    [
        ("cpi_to_s4", "basic", {"password": 12345}, "pathways.cpi_to_s4.draft.password: a secret"),
        (
            "cpi_to_s4",
            "basic",
            {"password": {"env": "NOT_SET_ANYWHERE_42"}},
            "pathways.cpi_to_s4.draft.password: the environment variable NOT_SET_ANYWHERE_42 is not set",
        ),
        (
            "cpi_to_ssc",
            "certificate",
            {"key_source": "import", "pkcs12": "not base64 at all!"},
            "pathways.cpi_to_ssc.draft.pkcs12: give the PKCS#12 file as base64",
        ),
    ],
)
def test_a_secret_the_vault_cannot_take_refuses_the_file_naming_the_field(
    tmp_path, key, method, draft, message
):
    with pytest.raises(CommandError, match=message):
        run_import(landscape_file(tmp_path, "Refused", {key: (method, draft)}))
    assert not Landscape.objects.filter(name="Refused").exists()
    assert not Secret.objects.filter(landscape__name="Refused").exists()


def test_secrets_an_earlier_import_left_in_a_draft_move_into_the_vault():
    migration = importlib.import_module("pathways.migrations.0006_integrity_draft_secrets_to_vault")
    landscape = LandscapeFactory(name="Earlier import")
    pathway = landscape.pathways.get(key="cpi_to_s4")
    Secret.store(landscape=landscape, pathway=pathway, name="pkcs12_passphrase", value="older in the vault")
    Pathway.objects.filter(pk=pathway.pk).update(
        draft={"user": "U", "password": "clear-in-draft-1", "pkcs12_passphrase": "newer in the draft"},
        updated_at=timezone.now(),
    )
    migration.draft_secrets_to_vault(django_apps, None)
    pathway.refresh_from_db()
    assert pathway.draft == {"user": "U"}
    assert pathway.secret("password").reveal() == "clear-in-draft-1"
    assert pathway.secret("pkcs12_passphrase").reveal() == "newer in the draft"
