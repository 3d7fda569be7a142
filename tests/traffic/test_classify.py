"""A failed message's error text → the class of authentication failure and the cause in one sentence."""

import pytest

from pathways.traffic import classify
from pathways.traffic.classify import (
    CLIENT_CERTIFICATE_REFUSED,
    HANDSHAKE,
    KEY_ALIAS,
    NOT_FOUND,
    OTHER,
    REJECTED,
    SERVER_NOT_TRUSTED,
    TLS,
    USER_CREDENTIALS,
    Failure,
)

S4 = "SAP S/4HANA"
SSC = "SAP Sales and Service Cloud V2"

# (error text as CPI's message monitor keeps it, expected failure)
TEXTS = [
    # the receiver answered 401 or 403 (HTTP, SOAP and generic adapter wordings)
    (
        "com.sap.it.rt.adapter.http.api.exception.HttpResponseException: An internal server error occured: "
        "HTTP operation failed invoking https://s4.example.com/sap/bc/srt/scs with statusCode: 401",
        Failure(REJECTED, http_status=401),
    ),
    (
        "org.apache.cxf.interceptor.Fault: Could not send Message., cause: org.apache.cxf.transport.http."
        "HTTPException: HTTP response '401: Unauthorized' when communicating with https://s4.example.com/x",
        Failure(REJECTED, http_status=401),
    ),
    (
        "Error message received from Http Server, Code 403: Forbidden",
        Failure(REJECTED, http_status=403),
    ),
    (
        "org.apache.cxf.transport.http.HTTPException: HTTP response '403: Forbidden' when communicating with "
        "https://my123.crm.cloud.sap/sap/c4c/odata/v1",
        Failure(REJECTED, http_status=403),
    ),
    (
        "com.sap.gateway.core.ip.component.odata.exception.OsciException: Unauthorized : 401 : HTTP/1.1",
        Failure(REJECTED, http_status=401),
    ),
    # TLS: the receiver refused the client certificate, CPI did not trust the server, a handshake failed
    (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate",
        Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED),
    ),
    (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
        Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED),
    ),
    (
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath."
        "SunCertPathBuilderException: unable to find valid certification path to requested target",
        Failure(TLS, detail=SERVER_NOT_TRUSTED),
    ),
    (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure",
        Failure(TLS, detail=HANDSHAKE),
    ),
    # the credential or alias does not exist in CPI (sap-apis.md §16.4.4 and §10.2 texts)
    (
        "java.lang.IllegalStateException: No credentials for 'S4_BASIC' found",
        Failure(NOT_FOUND, detail=USER_CREDENTIALS, name="S4_BASIC"),
    ),
    (
        "com.sap.it.api.securestore.exception.SecureStoreException: User credential 'S4_OLD' not found",
        Failure(NOT_FOUND, detail=USER_CREDENTIALS, name="S4_OLD"),
    ),
    (
        "java.security.KeyStoreException: Alias 'ssc_client' not found in the keystore",
        Failure(NOT_FOUND, detail=KEY_ALIAS, name="ssc_client"),
    ),
    (
        "com.sap.esb.security.KeyManagerException: No private key found for alias 'ssc_client'",
        Failure(NOT_FOUND, detail=KEY_ALIAS, name="ssc_client"),
    ),
    (
        "java.lang.IllegalStateException: No key pair with alias 'ssc_client' found in keystore 'system'",
        Failure(NOT_FOUND, detail=KEY_ALIAS, name="ssc_client"),
    ),
    (
        "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_expired",
        Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED),
    ),
    # failed, but not for authentication
    ("HTTP operation failed invoking https://s4.example.com/x with statusCode: 500", Failure(OTHER)),
    ("com.sap.it.rt.adapter.http.api.exception.HttpResponseException: statusCode: 404", Failure(OTHER)),
    ("Mapping failed: cannot produce target element /ns0:BusinessPartner", Failure(OTHER)),
    ("", Failure(OTHER)),
]


@pytest.mark.parametrize(("text", "expected"), TEXTS, ids=[t[:60] for t, _ in TEXTS])
def test_a_failed_message_is_classified_by_its_error_text(text, expected):
    assert classify.classify("FAILED", text) == expected


@pytest.mark.parametrize("status", ["FAILED", "ESCALATED", "RETRY", "failed"])
def test_every_status_that_did_not_get_through_is_read(status):
    assert classify.classify(status, "HTTP response '401: Unauthorized'") == Failure(
        REJECTED, http_status=401
    )


@pytest.mark.parametrize("status", ["COMPLETED", "PROCESSING", "DISCARDED", "CANCELLED", ""])
def test_a_message_that_did_not_fail_has_no_failure_even_with_an_old_error_text(status):
    assert classify.classify(status, "HTTP response '401: Unauthorized'") is None


def test_only_the_three_classes_are_authentication_failures():
    assert Failure(REJECTED, 401).is_authentication
    assert Failure(TLS, detail=HANDSHAKE).is_authentication
    assert Failure(NOT_FOUND, detail=KEY_ALIAS).is_authentication
    assert not Failure(OTHER).is_authentication


@pytest.mark.parametrize(
    ("failure", "receiver", "kind", "name", "sentence"),
    [
        (
            Failure(REJECTED, 401),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)",
        ),
        (
            Failure(REJECTED, 403),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "SAP S/4HANA refused access to the user of credential S4_BASIC (HTTP 403)",
        ),
        (
            Failure(REJECTED, 401),
            SSC,
            KEY_ALIAS,
            "ssc_client",
            f"{SSC} rejected the client certificate of key pair ssc_client (HTTP 401)",
        ),
        (
            Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED),
            SSC,
            KEY_ALIAS,
            "ssc_client",
            f"{SSC} did not accept the client certificate of key pair ssc_client (TLS handshake failed)",
        ),
        # a Basic pathway presents no key pair of its own: the sentence names none
        (
            Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "SAP S/4HANA did not accept the client certificate Cloud Integration presented "
            "(TLS handshake failed)",
        ),
        (
            Failure(TLS, detail=SERVER_NOT_TRUSTED),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "Cloud Integration did not accept the server certificate of SAP S/4HANA (TLS handshake failed)",
        ),
        (
            Failure(TLS, detail=HANDSHAKE),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "The TLS handshake with SAP S/4HANA failed",
        ),
        # the name CPI looked up (in the error text) wins over the one the pathway expects
        (
            Failure(NOT_FOUND, detail=USER_CREDENTIALS, name="S4_OLD"),
            S4,
            USER_CREDENTIALS,
            "S4_BASIC",
            "Cloud Integration has no User Credentials named S4_OLD (credential not found)",
        ),
        (
            Failure(NOT_FOUND, detail=KEY_ALIAS, name="ssc_client"),
            SSC,
            KEY_ALIAS,
            "",
            "Cloud Integration has no key pair with the alias ssc_client (alias not found)",
        ),
    ],
)
def test_the_cause_reads_as_one_sentence(failure, receiver, kind, name, sentence):
    assert classify.cause(failure, receiver, kind, name) == sentence


def test_a_failure_survives_being_stored():
    failure = Failure(NOT_FOUND, detail=KEY_ALIAS, name="a")
    assert Failure.from_dict(failure.as_dict()) == failure
