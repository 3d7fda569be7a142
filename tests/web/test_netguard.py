import pytest

from pathways import netguard


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://api.cf.eu10.hana.ondemand.com", "https"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://localhost:8443", "loopback"),
        ("https://evil.localhost", "loopback"),
        ("https://10.1.2.3", "private"),
        ("https://192.168.0.1", "private"),
        ("https://172.16.5.4", "private"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://[::1]/", "loopback"),
        ("https://169.254.10.10", "link-local"),
        ("https://metadata.google.internal", "metadata"),
        ("https://user:pw@api.example.com", "user name and password"),
        ("https://0.0.0.0", "reserved"),
    ],
)
def test_unsafe_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(netguard.UnsafeURL) as error:
        netguard.check_url(url)
    assert reason in str(error.value)


def test_a_public_sap_host_is_accepted_even_when_it_does_not_resolve_here():
    assert (
        netguard.check_url("https://api.cf.eu10.hana.ondemand.com") == "https://api.cf.eu10.hana.ondemand.com"
    )


def test_allowed_hosts_let_the_local_sandbox_in(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = ["*.sandbox.localhost"]
    assert netguard.is_safe("https://api.cf.sandbox.localhost:8443")
    assert not netguard.is_safe("https://other.localhost:8443")
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    assert not netguard.is_safe("https://api.cf.sandbox.localhost:8443")
