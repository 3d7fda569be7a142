"""A sandbox server in a subprocess and its admin knobs, for the test suite and the benchmark (which start
their own), and `localhost_resolution()`, which connects `*.localhost` names to 127.0.0.1."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
import urllib3.util.connection as urllib3_connection

REPO_ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 30
_tenant_numbers = itertools.count(1)


def _is_localhost_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


@contextlib.contextmanager
def localhost_resolution():
    """Connect `*.localhost` names to 127.0.0.1 (RFC 6761) while requests keeps SNI and hostname checks."""
    original = urllib3_connection.create_connection

    def create_connection(address, *args, **kwargs):
        host, port = address
        if _is_localhost_name(host):
            address = ("127.0.0.1", port)
        return original(address, *args, **kwargs)

    urllib3_connection.create_connection = create_connection
    try:
        yield
    finally:
        urllib3_connection.create_connection = original


class SandboxProcess:
    """A running `python -m sandbox` with its admin helpers."""

    def __init__(self, state_dir: Path, port: int = 0, extra_args: tuple[str, ...] = ()):
        self.state_dir = Path(state_dir)
        command = [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--state-dir",
            str(self.state_dir),
            *extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.state_dir / "sandbox.log"
        start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        self.ready_line = self._wait_ready(start)
        descriptor = json.loads((self.state_dir / "sandbox.json").read_text())
        self.port = int(descriptor["port"])
        self.domain = descriptor["domain"]
        self.url = descriptor["url"]
        self.ca_path = descriptor["ca_path"]
        self.client_ca_path = str(self.state_dir / "client-ca.pem")
        self.client_ca_key_path = str(self.state_dir / "client-ca-key.pem")
        self.http = self.session()

    def _wait_ready(self, start: int) -> str:
        """The `sandbox ready …` line the process writes to its log (after byte `start`) once it listens."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            output = self.output(start)
            for line in output.splitlines():
                if line.startswith("sandbox ready "):
                    return line.strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.process.kill()
        self.process.wait()
        raise RuntimeError(
            f"sandbox did not start; its output ({self.log_path}):\n" + self.output(start)[-2000:]
        )

    def output(self, start: int = 0) -> str:
        """What the process wrote to its log from byte `start` on."""
        with self.log_path.open("rb") as stream:
            stream.seek(start)
            return stream.read().decode(errors="replace")

    def session(self) -> requests.Session:
        """A requests session that trusts the sandbox CA (and ignores REQUESTS_CA_BUNDLE and proxies)."""
        http = requests.Session()
        http.trust_env = False
        http.verify = self.ca_path
        return http

    def admin(self, method: str, path: str, json=None, **kwargs) -> requests.Response:
        """Call a knob: `path` is `/_sandbox/faults`, `_sandbox/faults` or just `faults`."""
        path = path.lstrip("/")
        if not (path == "_sandbox" or path.startswith("_sandbox/")):
            path = "_sandbox/" + path
        path = "/" + path
        return self.http.request(method, self.url + path, json=json, timeout=60, **kwargs)

    def new_tenant(self, prefix: str = "t") -> dict:
        subdomain = f"{prefix}-{next(_tenant_numbers)}-{uuid.uuid4().hex[:6]}"
        response = self.admin("POST", "tenants", {"subdomain": subdomain})
        response.raise_for_status()
        return response.json()

    def calls(self, since: int | None = None) -> list[dict]:
        path = "calls" if since is None else f"calls?since={since}"
        return self.admin("GET", path).json()["calls"]

    def state(self, subdomain: str | None = None) -> dict:
        path = "state" if subdomain is None else f"state?subdomain={subdomain}"
        return self.admin("GET", path).json()

    def reset(self, subdomain: str | None = None) -> dict:
        return self.admin("POST", "reset", {"subdomain": subdomain} if subdomain else {}).json()

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults").raise_for_status()

    def stop(self, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.http.close()
        return self.process.returncode
