"""The wizard: autosave per field, bad input kept with its message, conflicts between two browsers."""

from django.urls import reverse

from pathways.models import AuditEvent, Secret

HTMX = {"HTTP_HX_REQUEST": "true"}


def field_url(landscape, key, name):
    return reverse("wizard_field", kwargs={"code": landscape.code, "key": key, "name": name})


def step_url(landscape, key, step):
    return reverse("wizard_step", kwargs={"code": landscape.code, "key": key, "step": step})


def save(client, landscape, key, name, value, version, **extra):
    return client.post(
        field_url(landscape, key, name), {name: value, "version": str(version), **extra}, **HTMX
    )


def test_a_field_is_saved_the_moment_it_changes_and_the_page_gets_the_new_version(as_user, landscape):
    response = save(as_user("consultant"), landscape, "cpi_to_s4", "user", "COMM_USER", 1)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="field-user"' in html and "Saved" in html
    assert 'id="version"' in html and 'value="2"' in html and "hx-swap-oob" in html
    pathway = landscape.pathways.get(key="cpi_to_s4")
    assert pathway.draft["user"] == "COMM_USER" and pathway.version == 2


def test_bad_input_is_kept_as_typed_with_the_message_beside_the_field(as_user, landscape):
    client = as_user("consultant")
    response = save(
        client, landscape, "s4_to_cpi", "instance_name", "has spaces and is far too long for btp", 1
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 32 characters" in html and 'aria-invalid="true"' in html
    assert 'value="has spaces and is far too long for btp"' in html
    page = client.get(step_url(landscape, "s4_to_cpi", "instance")).content.decode()
    assert 'value="has spaces and is far too long for btp"' in page and "at most 32 characters" in page
    review = client.get(step_url(landscape, "s4_to_cpi", "review")).content.decode()
    assert "still need" in review


def test_a_draft_survives_logout_and_another_consultant_picks_it_up(as_user, landscape, people):
    from tests.factories import MembershipFactory

    save(as_user("consultant"), landscape, "cpi_to_s4", "user", "COMM_USER", 1)
    colleague = MembershipFactory(landscape=landscape, role="consultant").user
    from django.test import Client

    other = Client()
    other.force_login(colleague)
    page = other.get(step_url(landscape, "cpi_to_s4", "credential")).content.decode()
    assert 'value="COMM_USER"' in page


def test_the_later_of_two_browsers_is_told_of_the_conflict_and_sees_both_values(as_user, landscape, people):
    from django.test import Client

    from tests.factories import MembershipFactory

    first = as_user("consultant")
    second = Client()
    second.force_login(MembershipFactory(landscape=landscape, role="consultant", user__username="bob").user)
    # Both pages were loaded at version 1.
    save(second, landscape, "cpi_to_s4", "user", "BOBS_USER", 1)
    response = save(first, landscape, "cpi_to_s4", "user", "CARLAS_USER", 1)
    html = response.content.decode()
    assert "bob" in html and "BOBS_USER" in html and "CARLAS_USER" in html
    assert "Keep mine" in html and "Take theirs" in html
    assert landscape.pathways.get(key="cpi_to_s4").draft["user"] == "BOBS_USER"
    # Keep mine: the explicit choice wins.
    save(first, landscape, "cpi_to_s4", "user", "CARLAS_USER", 2, force="1")
    assert landscape.pathways.get(key="cpi_to_s4").draft["user"] == "CARLAS_USER"


def test_different_fields_from_two_browsers_merge_and_the_other_change_is_shown(as_user, landscape, people):
    from django.test import Client

    from tests.factories import MembershipFactory

    first = as_user("consultant")
    second = Client()
    second.force_login(MembershipFactory(landscape=landscape, role="consultant", user__username="bob").user)
    save(second, landscape, "cpi_to_s4", "description", "from bob", 1)
    html = save(first, landscape, "cpi_to_s4", "user", "COMM_USER", 1).content.decode()
    pathway = landscape.pathways.get(key="cpi_to_s4")
    assert pathway.draft == {"description": "from bob", "user": "COMM_USER"}
    assert 'id="field-description" hx-swap-oob="true"' in html and "Changed by bob" in html


def test_a_secret_is_stored_encrypted_never_rendered_and_empty_keeps_it(as_user, landscape):
    client = as_user("consultant")
    save(client, landscape, "cpi_to_s4", "password", "Canary-Pa55word-x1", 1)
    secret = Secret.objects.get(name="password")
    assert secret.reveal() == "Canary-Pa55word-x1" and "Canary" not in secret.ciphertext
    page = client.get(step_url(landscape, "cpi_to_s4", "credential")).content.decode()
    assert "Canary-Pa55word-x1" not in page and "Set on" in page and "by carla" in page
    save(client, landscape, "cpi_to_s4", "password", "", 2)
    assert Secret.objects.get(name="password").reveal() == "Canary-Pa55word-x1"
    audit = AuditEvent.objects.filter(action="draft.change", changes__has_key="password").first()
    assert audit.changes["password"] == ["***CHANGED***", "***CHANGED***"]


def test_every_draft_change_is_audited_with_who_and_what(as_user, landscape):
    save(as_user("consultant"), landscape, "cpi_to_s4", "user", "COMM_USER", 1)
    event = AuditEvent.objects.get(action="draft.change")
    assert event.username == "carla" and event.pathway_key == "cpi_to_s4"
    assert event.changes == {"user": ["", "COMM_USER"]}


def test_choosing_the_method_changes_the_steps_and_is_audited(as_user, landscape):
    client = as_user("consultant")
    response = client.post(
        field_url(landscape, "cpi_to_s4", "method"), {"method": "certificate", "version": "1"}, **HTMX
    )
    assert response.status_code == 200 and "Client certificate" in response.content.decode()
    page = client.get(step_url(landscape, "cpi_to_s4", "method")).content.decode()
    assert "Key pair" in page and "Certificates for production" in page
    assert AuditEvent.objects.filter(changes__method=["basic", "certificate"]).exists()


def test_a_choice_that_controls_other_fields_rerenders_the_step(as_user, landscape):
    client = as_user("consultant")
    html = save(client, landscape, "ssc_to_cpi", "certificate_source", "sap_generated", 1).content.decode()
    assert 'id="field-validity_days"' in html and 'id="field-external_certificate"' not in html


def test_the_no_javascript_path_saves_a_whole_step_and_moves_on(as_user, landscape):
    client = as_user("consultant")
    response = client.post(
        reverse(
            "wizard_save_step", kwargs={"code": landscape.code, "key": "cpi_to_s4", "step": "credential"}
        ),
        {
            "credential_name": "S4_BASIC",
            "user": "COMM",
            "password": "pw",
            "description": "d",
            "version": "1",
            "go": "next",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/step/review/")
    review = client.get(response["Location"]).content.decode()
    assert "The draft is complete" in review


def test_an_uploaded_certificate_file_is_read_and_checked(as_user, landscape):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from django.core.files.uploadedfile import SimpleUploadedFile

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ssc-client")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    client = as_user("consultant")
    response = client.post(
        field_url(landscape, "ssc_to_cpi", "external_certificate"),
        {"version": "1", "external_certificate_file": SimpleUploadedFile("c.der", der)},
        **HTMX,
    )
    html = response.content.decode()
    assert "-----BEGIN CERTIFICATE-----" in html
    assert "clientAuth" in html  # no clientAuth EKU: refused with the reason beside the field


def test_a_conflict_on_the_no_javascript_path_shows_both_values_and_keeps_the_typed_one(
    as_user, landscape, people
):
    from django.test import Client

    from tests.factories import MembershipFactory

    other = Client()
    other.force_login(MembershipFactory(landscape=landscape, role="consultant", user__username="bob").user)
    save(other, landscape, "cpi_to_s4", "user", "BOBS_USER", 1)
    response = as_user("consultant").post(
        reverse(
            "wizard_save_step", kwargs={"code": landscape.code, "key": "cpi_to_s4", "step": "credential"}
        ),
        {"credential_name": "S4_BASIC", "user": "CARLAS_USER", "version": "1", "go": "next"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "BOBS_USER" in html and 'value="CARLAS_USER"' in html
    assert "Keep mine" in html
    assert landscape.pathways.get(key="cpi_to_s4").draft["credential_name"] == "S4_BASIC"


def test_a_nul_byte_in_a_field_is_dropped_instead_of_failing(as_user, landscape):
    response = save(as_user("consultant"), landscape, "cpi_to_s4", "user", "COMM\x00USER", 1)
    assert response.status_code == 200
    assert landscape.pathways.get(key="cpi_to_s4").draft["user"] == "COMMUSER"


def test_a_rotation_on_production_needs_the_four_eyes_approval_like_an_apply(as_user, landscape):
    from pathways.models import Run

    landscape.tier = "prod"
    landscape.save()
    url = reverse("certificate_rotate", kwargs={"code": landscape.code, "key": "cpi_to_ssc"})
    from pathways.models import AuditEvent

    as_user("consultant").post(url)
    assert not Run.objects.filter(kind="rotate").exists()
    assert AuditEvent.objects.filter(action="approval.apply_refused", pathway_key="cpi_to_ssc").exists()
