"""Host names of the sandbox landscape: building URLs per tenant and classifying a request's Host header."""

from __future__ import annotations

from dataclasses import dataclass

HOST_KINDS = ("admin", "cf", "uaa", "xsuaa", "xsuaa_cert", "cpi", "runtime", "sm")


@dataclass(frozen=True)
class Landscape:
    """URL builder for one running sandbox (domain, port, scheme)."""

    domain: str
    port: int
    scheme: str = "https"

    def _url(self, host: str) -> str:
        default = 443 if self.scheme == "https" else 80
        suffix = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{host}{suffix}"

    def admin(self) -> str:
        return self._url(self.domain)

    def cf_api(self) -> str:
        return self._url(f"api.cf.{self.domain}")

    def uaa(self) -> str:
        return self._url(f"uaa.cf.{self.domain}")

    def xsuaa(self, subdomain: str) -> str:
        return self._url(f"{subdomain}.authentication.{self.domain}")

    def xsuaa_cert(self, subdomain: str) -> str:
        return self._url(f"{subdomain}.authentication.cert.{self.domain}")

    def cpi(self, subdomain: str) -> str:
        return self._url(f"{subdomain}.it-cpi001.cfapps.{self.domain}")

    def runtime(self, subdomain: str) -> str:
        return self._url(f"{subdomain}.it-cpi001-rt.cfapps.{self.domain}")

    def service_manager(self) -> str:
        return self._url(f"service-manager.cfapps.{self.domain}")

    def classify(self, host_header: str) -> tuple[str | None, str | None]:
        """(host kind, tenant subdomain) for a Host header; (None, None) when it is not ours."""
        host = host_header.strip().lower()
        if host.startswith("["):
            return None, None
        host = host.rsplit(":", 1)[0] if ":" in host else host
        domain = self.domain.lower()
        if host == domain:
            return "admin", None
        if not host.endswith("." + domain):
            return None, None
        prefix = host[: -len(domain) - 1]
        fixed = {"api.cf": "cf", "uaa.cf": "uaa", "service-manager.cfapps": "sm"}
        if prefix in fixed:
            return fixed[prefix], None
        for suffix, kind in (
            (".authentication.cert", "xsuaa_cert"),
            (".authentication", "xsuaa"),
            (".it-cpi001.cfapps", "cpi"),
            (".it-cpi001-rt.cfapps", "runtime"),
        ):
            if prefix.endswith(suffix):
                subdomain = prefix[: -len(suffix)]
                if subdomain and "." not in subdomain:
                    return kind, subdomain
        return None, None
