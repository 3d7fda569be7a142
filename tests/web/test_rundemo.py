"""`./dev run` (manage.py rundemo) stops its sandbox and Celery worker when it is told to stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_demo_stops_the_sandbox_and_the_worker(tmp_path, stop):
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "AUTHWIZARD_VAR_DIR")
    }
    env.update(AUTHWIZARD_VAR_DIR=str(tmp_path), AUTHWIZARD_LOCAL="1", DEBUG="1", PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    output = tmp_path / "rundemo.out"
    with open(output, "wb") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "rundemo",
                "--addr",
                f"127.0.0.1:{_free_port()}",
                "--sandbox-port",
                str(_free_port()),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            # Started in the background (as by a script), a process begins with SIGINT ignored; the demo
            # must still stop on it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        children: set[int] = set()
        try:
            deadline = time.monotonic() + 120
            while "Open http://" not in output.read_text(errors="replace"):
                assert demo.poll() is None, output.read_text(errors="replace")
                assert time.monotonic() < deadline, output.read_text(errors="replace")
                time.sleep(0.2)
            children = _children(demo.pid)
            assert len(children) >= 2, output.read_text(errors="replace")  # the sandbox and the worker
            demo.send_signal(stop)
            demo.wait(timeout=60)
            deadline = time.monotonic() + 30
            while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not [pid for pid in children if _alive(pid)], output.read_text(errors="replace")
        finally:
            if demo.poll() is None:
                demo.kill()
            for pid in children:  # a failed run leaves nothing behind either
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
