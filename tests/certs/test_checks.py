"""Checks per purpose: one test per finding, with the sentence the consultant will read."""

from datetime import timedelta

import pytest

from pathways.certs import (
    CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES,
    CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES,
    Purpose,
    check_certificates,
    cpi_upload_size,
    export_pkcs12,
    has_errors,
    leaf_only,
    parse_certificates,
)

from .factory import NOW, make_leaf, make_root, resign_with_sha1


def findings_for(data, purpose, **kwargs):
    parsed = data if not isinstance(data, bytes) else parse_certificates(data, keep_private_key=True)
    return check_certificates(parsed, purpose, now=NOW, **kwargs)


def only(findings, code):
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def codes(findings):
    return {finding.code for finding in findings}


def test_a_sound_client_certificate_has_no_findings(leaf):
    assert findings_for(leaf.pem, Purpose.CLIENT_EXTERNAL) == []


def test_certificate_not_yet_valid_is_an_error(leaf_key, intermediate, intermediate_key):
    future = make_leaf(leaf_key, intermediate, intermediate_key, not_before=NOW + timedelta(days=12))
    finding = only(findings_for(future.pem, Purpose.CLIENT_EXTERNAL), "not_yet_valid")
    assert finding.level == "error"
    assert finding.message == (
        "The certificate 'CN=s4client.example.com,O=Customer AG' is not valid yet: it becomes valid on "
        "2026-12-10 12:00 UTC (in 12 days). Wait until then, or check the issuing CA's clock."
    )


def test_expired_certificate_is_an_error(leaf_key, intermediate, intermediate_key):
    old = make_leaf(leaf_key, intermediate, intermediate_key, not_before=NOW - timedelta(days=400), days=373)
    finding = only(findings_for(old.pem, Purpose.SERVER_TRUST), "expired")
    assert finding.level == "error"
    assert finding.message == (
        "The certificate 'CN=s4client.example.com,O=Customer AG' expired on 2026-11-01 (27 days ago); "
        "have a new one issued."
    )


def test_certificate_expiring_within_the_threshold_is_a_warning_with_days_and_date(
    leaf_key, intermediate, intermediate_key
):
    soon = make_leaf(leaf_key, intermediate, intermediate_key, not_before=NOW - timedelta(days=10), days=19)
    finding = only(findings_for(soon.pem, Purpose.CLIENT_EXTERNAL, threshold_days=30), "expiring")
    assert finding.level == "warning"
    assert "expires in 9 days, on 2026-12-07" in finding.message


def test_certificate_expiring_after_the_threshold_is_not_reported(leaf_key, intermediate, intermediate_key):
    soon = make_leaf(leaf_key, intermediate, intermediate_key, not_before=NOW - timedelta(days=10), days=19)
    assert "expiring" not in codes(findings_for(soon.pem, Purpose.CLIENT_EXTERNAL, threshold_days=9))


def test_expiring_issuing_certificate_is_named_as_such(leaf, intermediate_key, root, root_key, leaf_key):
    from .factory import make_intermediate

    short_ca = make_intermediate(intermediate_key, root, root_key)
    parsed = parse_certificates(make_leaf(leaf_key, short_ca, intermediate_key).pem + short_ca.pem)
    findings = check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, threshold_days=5000)
    messages = [f.message for f in findings if f.code == "expiring"]
    assert any(
        m.startswith("The issuing certificate 'CN=Test Sub CA,O=Test,C=DE' expires in") for m in messages
    )


def test_client_certificate_without_client_auth_usage_is_an_error(leaf_key, intermediate, intermediate_key):
    server_only = make_leaf(leaf_key, intermediate, intermediate_key, eku=("serverAuth",))
    finding = only(findings_for(server_only.pem, Purpose.CLIENT_EXTERNAL), "no_client_auth")
    assert finding.level == "error"
    assert finding.message == (
        "The certificate 'CN=s4client.example.com,O=Customer AG' is not allowed for client authentication "
        "(its extended key usages are serverAuth); ask your CA for a certificate with the clientAuth usage."
    )


def test_key_pair_without_client_auth_usage_is_only_a_warning(leaf_key, intermediate, intermediate_key):
    server_only = make_leaf(leaf_key, intermediate, intermediate_key, eku=("serverAuth",))
    p12 = export_pkcs12(leaf_key, [server_only, intermediate], "pw-123456")
    parsed = parse_certificates(p12, "pw-123456", keep_private_key=True)
    assert only(check_certificates(parsed, Purpose.KEY_PAIR, now=NOW), "no_client_auth").level == "warning"


def test_client_certificate_without_any_eku_extension_is_a_warning(leaf_key, intermediate, intermediate_key):
    unrestricted = make_leaf(leaf_key, intermediate, intermediate_key, eku=())
    finding = only(findings_for(unrestricted.pem, Purpose.CLIENT_EXTERNAL), "no_eku")
    assert finding.level == "warning" and "has no extended key usage" in finding.message


def test_rsa_key_under_2048_bits_is_an_error(rsa1024_key, intermediate, intermediate_key):
    weak = make_leaf(rsa1024_key, intermediate, intermediate_key)
    finding = only(findings_for(weak.pem, Purpose.CLIENT_EXTERNAL), "weak_key")
    assert finding.level == "error"
    assert finding.message == (
        "The certificate 'CN=s4client.example.com,O=Customer AG' has a 1024-bit RSA key; at least 2048 bits "
        "are required. Have it re-issued with a 2048-bit or larger key."
    )


def test_rsa_2048_is_accepted(rsa2048_key, intermediate, intermediate_key):
    good = make_leaf(rsa2048_key, intermediate, intermediate_key)
    assert "weak_key" not in codes(findings_for(good.pem, Purpose.CLIENT_EXTERNAL))


def test_sha1_signed_certificate_is_an_error(rsa2048_key, leaf_key):
    rsa_ca = make_root(rsa2048_key, "RSA Root")
    sha1_leaf = resign_with_sha1(make_leaf(leaf_key, rsa_ca, rsa2048_key), rsa2048_key)
    assert sha1_leaf.signature_algorithm == "SHA1withRSA"
    finding = only(findings_for(sha1_leaf.pem, Purpose.CLIENT_EXTERNAL), "weak_signature")
    assert finding.message == (
        "The certificate 'CN=s4client.example.com,O=Customer AG' is signed with SHA-1 (SHA1withRSA), "
        "which TLS clients and SAP refuse; have it re-issued with SHA-256."
    )


def test_sha1_signature_on_a_self_signed_root_is_not_reported(rsa2048_key):
    sha1_root = resign_with_sha1(make_root(rsa2048_key, "Old Root"), rsa2048_key)
    assert "weak_signature" not in codes(findings_for(sha1_root.pem, Purpose.SERVER_TRUST))


def test_sha1_signed_chain_is_still_ordered_by_signature(rsa2048_key, leaf_key):
    rsa_ca = make_root(rsa2048_key, "RSA Root")
    sha1_leaf = resign_with_sha1(make_leaf(leaf_key, rsa_ca, rsa2048_key), rsa2048_key)
    parsed = parse_certificates(rsa_ca.pem + sha1_leaf.pem)
    assert [c.subject for c in parsed.chain] == [sha1_leaf.subject, rsa_ca.subject]


def test_key_pair_whose_key_does_not_belong_to_the_certificate_is_an_error(leaf, intermediate, other_key):
    parsed = parse_certificates(leaf.pem + intermediate.pem)
    finding = only(
        check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, private_key=other_key), "key_mismatch"
    )
    assert finding.message == (
        "The private key does not belong to the certificate 'CN=s4client.example.com,O=Customer AG'; "
        "upload the key that was used to create the certificate's request."
    )


def test_key_pair_with_matching_separate_key_has_no_key_finding(leaf, intermediate, root, leaf_key):
    parsed = parse_certificates(leaf.pem + intermediate.pem + root.pem)
    assert check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, private_key=leaf_key) == []


def test_key_pair_without_any_private_key_is_an_error(leaf):
    finding = only(findings_for(leaf.pem, Purpose.KEY_PAIR), "private_key_missing")
    assert finding.message.startswith("A key pair needs its private key")


def test_incomplete_chain_names_the_missing_issuer(leaf, intermediate, leaf_key):
    parsed = parse_certificates(leaf.pem + intermediate.pem)
    finding = only(
        check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, private_key=leaf_key), "chain_incomplete"
    )
    assert finding.level == "warning"
    assert finding.message.startswith(
        "The chain is incomplete: the issuer 'CN=Test Root CA,O=Test,C=DE' of 'CN=Test Sub CA,O=Test,C=DE' "
        "is not included."
    )


def test_chain_out_of_order_is_reported_as_reordered(leaf, intermediate, root, leaf_key):
    parsed = parse_certificates(root.pem + leaf.pem + intermediate.pem)
    finding = only(
        check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, private_key=leaf_key), "chain_reordered"
    )
    assert finding.level == "warning"
    assert finding.message == (
        "The certificates were not in order (leaf first, each issued by the next); they have been reordered, "
        "starting with 'CN=s4client.example.com,O=Customer AG'."
    )


def test_certificates_that_are_not_one_chain_block_a_key_pair(leaf, leaf_key, other_key):
    stranger = make_root(other_key, "Stranger CA")
    parsed = parse_certificates(leaf.pem + stranger.pem)
    finding = only(
        check_certificates(parsed, Purpose.KEY_PAIR, now=NOW, private_key=leaf_key), "chain_broken"
    )
    assert finding.level == "error" and finding.message.startswith("These certificates do not form one chain")


def test_chain_given_for_an_external_key_offers_to_keep_the_leaf(chain_pem):
    finding = only(findings_for(chain_pem, Purpose.CLIENT_EXTERNAL), "chain_not_accepted")
    assert finding.level == "error" and finding.fix == "keep_leaf_only"
    assert finding.message == (
        "An External Certificate service key accepts only the leaf certificate, not the whole chain; "
        "keep just 'CN=s4client.example.com,O=Customer AG' and drop the 2 issuing certificates?"
    )


def test_keeping_only_the_leaf_clears_the_chain_finding(chain_pem):
    trimmed = leaf_only(parse_certificates(chain_pem))
    assert len(trimmed.chain) == 1
    assert check_certificates(trimmed, Purpose.CLIENT_EXTERNAL, now=NOW) == []


def test_certificate_over_cpis_10_kb_upload_limit_is_an_error(leaf_key, root, root_key):
    sans = tuple(f"host-{n:04d}.s4.example.com" for n in range(400))
    big = make_leaf(leaf_key, root, root_key, sans=sans, eku=("serverAuth",))
    assert len(big.pem) > CPI_CERTIFICATE_UPLOAD_LIMIT_BYTES
    finding = only(findings_for(big.pem, Purpose.SERVER_TRUST), "too_large_for_cpi")
    assert finding.message.startswith(
        f"This is {len(big.pem):,} bytes, but CPI refuses a certificate upload over 10,240 bytes"
    )


def test_key_pair_over_cpis_30072_byte_limit_is_an_error(leaf_key, root, root_key):
    sans = tuple(f"host-{n:04d}.s4.example.com" for n in range(1100))
    big = make_leaf(leaf_key, root, root_key, sans=sans)
    p12 = export_pkcs12(leaf_key, [big, root], "pw-123456")
    assert len(p12) > CPI_CHAIN_OR_PKCS12_UPLOAD_LIMIT_BYTES
    parsed = parse_certificates(p12, "pw-123456", keep_private_key=True)
    finding = only(check_certificates(parsed, Purpose.KEY_PAIR, now=NOW), "too_large_for_cpi")
    assert f"This is {len(p12):,} bytes" in finding.message and "over 30,072 bytes" in finding.message


def test_certificate_already_used_in_another_service_key_is_an_error(leaf):
    known = {leaf.fingerprint_sha256.replace(":", "").lower(), "AA:BB"}
    finding = only(
        findings_for(leaf.pem, Purpose.CLIENT_EXTERNAL, known_fingerprints=known), "certificate_in_use"
    )
    assert finding.level == "error"
    assert finding.message.startswith(
        "The certificate 'CN=s4client.example.com,O=Customer AG' is already used in another service key"
    )


def test_unknown_certificate_is_not_reported_as_in_use(leaf, root):
    findings = findings_for(leaf.pem, Purpose.CLIENT_EXTERNAL, known_fingerprints={root.fingerprint_sha256})
    assert "certificate_in_use" not in codes(findings)


def test_self_signed_client_certificate_is_a_warning(leaf_key):
    self_signed = make_leaf(leaf_key, None, leaf_key)
    finding = only(findings_for(self_signed.pem, Purpose.CLIENT_EXTERNAL), "self_signed_client")
    assert "self-signed" in finding.message and finding.level == "warning"


def test_trusting_a_servers_own_certificate_suggests_its_root(leaf):
    finding = only(findings_for(leaf.pem, Purpose.SERVER_TRUST), "server_leaf_trusted")
    assert "Consider trusting its root CA instead (issuer 'CN=Test Sub CA,O=Test,C=DE')" in finding.message


def test_several_certificates_for_trust_need_one_alias_each(intermediate, root):
    finding = only(
        findings_for(intermediate.pem + root.pem, Purpose.SERVER_TRUST), "one_certificate_per_alias"
    )
    assert finding.message.startswith("CPI stores one certificate per keystore alias; the 2 certificates")


def test_root_ca_for_trust_has_no_findings(root):
    assert findings_for(root.pem, Purpose.SERVER_TRUST) == []


def test_purpose_may_be_given_by_its_name_and_errors_are_detected(leaf):
    findings = findings_for(leaf.pem, "key_pair")
    assert has_errors(findings)
    assert not has_errors([f for f in findings if f.level == "warning"])


def test_unknown_purpose_is_refused(leaf):
    with pytest.raises(ValueError):
        findings_for(leaf.pem, "something_else")


def test_cpi_upload_size_is_measured_per_purpose(leaf, intermediate, leaf_key):
    parsed = parse_certificates(leaf.pem + intermediate.pem)
    assert cpi_upload_size(parsed, Purpose.SERVER_TRUST) == (len(leaf.pem), 10240)
    expected = len(leaf.pem) + len(intermediate.pem) + len(leaf_key.pem)
    assert cpi_upload_size(parsed, Purpose.KEY_PAIR, leaf_key) == (expected, 30072)
    assert cpi_upload_size(parsed, Purpose.CLIENT_EXTERNAL) is None
