"""Creating and editing landscapes: pasted service keys, guarded URLs, secrets in the vault, audit, files."""

import json
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pathways.models import AuditEvent, Landscape, Secret

CPI_KEY = {
    "oauth": {
        "clientid": "sb-1234!b5|it!b6",
        "clientsecret": "Canary-Cpi-Secret-9f8e7d",
        "url": "https://demo.it-cpi001.cfapps.eu10.hana.ondemand.com",
        "tokenurl": "https://demo.authentication.eu10.hana.ondemand.com/oauth/token",
    }
}


def form_data(**overrides):
    data = {
        "name": "Acme QA",
        "tier": "test",
        "cpi_service_key": json.dumps(CPI_KEY),
        "runtime_url": "https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com",
        "endpoint_path": "/http/authwizard/ping",
        "cf_api_url": "https://api.cf.eu10.hana.ondemand.com",
        "cf_uaa_url": "",
        "cf_org": "acme",
        "cf_space": "qa",
        "cf_user": "tech@acme.example",
        "cf_password": "Canary-CF-pw-1",
        "sm_service_key": "",
        "ca_bundle": "",
        "s4_host": "s4.acme.example",
        "ssc_host": "acme.crm.cloud.sap",
        "expiry_threshold_days": "30",
    }
    data.update(overrides)
    return data


def test_a_consultant_creates_a_landscape_with_four_pathways_by_pasting_the_key(as_user, people):
    client = as_user("consultant")
    response = client.post(reverse("landscape_new"), form_data())
    assert response.status_code == 302
    landscape = Landscape.objects.get(name="Acme QA")
    assert landscape.cpi_client_id == "sb-1234!b5|it!b6" and landscape.cpi_api_url.endswith(
        "hana.ondemand.com"
    )
    assert landscape.cf_uaa_url == "https://uaa.cf.eu10.hana.ondemand.com"
    assert sorted(landscape.pathways.values_list("key", flat=True)) == [
        "cpi_to_s4",
        "cpi_to_ssc",
        "s4_to_cpi",
        "ssc_to_cpi",
    ]
    assert Secret.lookup(landscape=landscape, name="cpi_secret").reveal() == "Canary-Cpi-Secret-9f8e7d"
    assert landscape.role_of(people["consultant"]) == "consultant"
    page = client.get(response["Location"]).content.decode()
    assert "Canary" not in page
    event = AuditEvent.objects.get(action="landscape.create")
    assert event.changes["cf_password"] == ["***CHANGED***", "***CHANGED***"]
    assert "Canary" not in json.dumps(event.changes)


def test_the_flat_key_form_is_accepted_too(as_user, people):
    flat = dict(CPI_KEY["oauth"])
    response = as_user("consultant").post(
        reverse("landscape_new"), form_data(cpi_service_key=json.dumps(flat))
    )
    assert response.status_code == 302
    landscape = Landscape.objects.get(name="Acme QA")
    assert response["Location"] == reverse("landscape", args=[landscape.code])
    assert (landscape.cpi_client_id, landscape.cpi_token_url) == (flat["clientid"], flat["tokenurl"])
    assert landscape.cpi_api_url == flat["url"]


@pytest.mark.parametrize(
    "key, message",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"oauth": {"clientid": "x", "url": "https://a.example.com"}}), "no 'tokenurl' field"),
        (
            json.dumps({"oauth": {"url": "https://a.example.com", "tokenurl": "https://a.example.com/t"}}),
            "no 'clientid' field",
        ),
    ],
)
def test_a_malformed_service_key_names_the_missing_field_and_keeps_the_rest(as_user, people, key, message):
    response = as_user("consultant").post(reverse("landscape_new"), form_data(cpi_service_key=key))
    html = unescape(response.content.decode())
    assert response.status_code == 200 and message in html
    assert 'value="acme"' in html and 'value="s4.acme.example"' in html
    assert "Canary-CF-pw-1" not in html  # the password is not echoed


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("runtime_url", "http://demo.example.com", "https://"),
        ("cf_api_url", "https://169.254.169.254", "metadata"),
        ("cf_api_url", "https://10.0.0.1", "private network"),
        ("runtime_url", "https://127.0.0.1:8443", "loopback"),
        ("endpoint_path", "/api/x", "/http/ or /cxf/"),
        ("s4_host", "https://s4.example.com/path", "only the host name"),
        ("name", "", "This field is required"),
        ("expiry_threshold_days", "0", "between 1 and 365"),
        ("ca_bundle", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "private key"),
    ],
)
def test_bad_landscape_input_gets_a_message_beside_the_field_never_a_500(
    as_user, people, field, value, message
):
    response = as_user("consultant").post(reverse("landscape_new"), form_data(**{field: value}))
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert "Canary" not in response.content.decode()
    assert not Landscape.objects.filter(name="Acme QA").exists()


def test_editing_with_empty_secret_fields_keeps_the_stored_secrets(as_user, landscape):
    Secret.store(landscape=landscape, name="cf_password", value="old-pw")
    data = form_data(name=landscape.name, cpi_service_key="", cf_password="", version=str(landscape.version))
    response = as_user("consultant").post(reverse("landscape_edit", args=[landscape.code]), data)
    assert response.status_code == 302
    assert Secret.lookup(landscape=landscape, name="cf_password").reveal() == "old-pw"
    page = as_user("consultant").get(reverse("landscape_edit", args=[landscape.code])).content.decode()
    assert "old-pw" not in page and "Set on" in page


def test_a_stale_landscape_edit_is_refused_and_keeps_the_entries(as_user, landscape):
    data = form_data(name=landscape.name, cpi_service_key="", cf_org="mine", version="0")
    html = as_user("consultant").post(reverse("landscape_edit", args=[landscape.code]), data).content.decode()
    assert "Someone else saved this landscape" in html and 'value="mine"' in html
    landscape.refresh_from_db()
    assert landscape.cf_org == "org"


def test_export_then_import_round_trips_without_secrets(landscape, tmp_path, monkeypatch, people):
    Secret.store(landscape=landscape, name="cf_password", value="Canary-export-pw")
    pathway = landscape.pathways.get(key="cpi_to_s4")
    pathway.save_field("user", "COMM_USER", seen_version=pathway.version, user=people["consultant"])
    path = tmp_path / "landscape.json"
    call_command("landscape", "export", landscape.name, str(path))
    exported = json.loads(path.read_text())
    assert "Canary" not in path.read_text()
    assert exported["cf_password"] == {"env": "DEMO_DEV_CF_PASSWORD"}
    exported["name"] = "Demo QA"
    exported["tier"] = "test"
    path.write_text(json.dumps(exported))
    monkeypatch.setenv("DEMO_DEV_CF_PASSWORD", "pw-from-env")
    call_command("landscape", "import", str(path), "--as-user", "carla")
    copy = Landscape.objects.get(name="Demo QA")
    assert (
        copy.tier == "test" and copy.cf_org == landscape.cf_org and copy.runtime_url == landscape.runtime_url
    )
    assert copy.pathways.get(key="cpi_to_s4").draft["user"] == "COMM_USER"
    assert Secret.lookup(landscape=copy, name="cf_password").reveal() == "pw-from-env"
    # Importing again updates in place.
    call_command("landscape", "import", str(path))
    assert Landscape.objects.filter(name="Demo QA").count() == 1


def test_import_validates_exactly_as_the_form(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "authwizard.landscape/1",
                "name": "Bad",
                "tier": "dev",
                "runtime_url": "http://10.0.0.1",
                "endpoint_path": "/http/x",
                "expiry_threshold_days": 30,
            }
        )
    )
    with pytest.raises(CommandError, match="runtime_url: .*https"):
        call_command("landscape", "import", str(path))
    assert not Landscape.objects.filter(name="Bad").exists()


@pytest.mark.parametrize(
    "key, message",
    [
        ("[1, 2]", "must be a JSON object"),
        ('{"sm_url": "https://service-manager.cfapps.eu10.hana.ondemand.com"}', "no 'url' field"),
        (
            '{"sm_url": "https://10.0.0.1", "url": "https://a.example.com", '
            '"clientid": "c", "clientsecret": "s"}',
            "private network",
        ),
    ],
)
def test_a_bad_service_manager_key_is_explained_beside_the_field(as_user, people, key, message):
    response = as_user("consultant").post(reverse("landscape_new"), form_data(sm_service_key=key))
    assert response.status_code == 200 and message in unescape(response.content.decode())
