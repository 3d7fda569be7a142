"""`manage.py rundemo`: migrate, start the sandbox and a Celery worker, seed the demo, serve the app."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pathways import demo


class Command(BaseCommand):
    help = "Run everything locally: sandbox (HTTPS), Celery worker and beat on the embedded broker, web app."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=settings.AUTHWIZARD_ADDR)
        parser.add_argument("--sandbox-port", type=int, default=settings.AUTHWIZARD_SANDBOX_PORT)
        parser.add_argument("--no-sandbox", action="store_true", help="do not start the sandbox")

    def handle(self, *args, **options):
        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        for folder in ("queue", "control"):
            (Path(settings.BROKER_DIR) / folder).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if "AUTHWIZARD_ALLOWED_HOSTS" not in os.environ:  # the sandbox's port only, here and in the worker
            port = options["sandbox_port"]
            allowed = f"sandbox.localhost:{port},*.sandbox.localhost:{port}"
            os.environ["AUTHWIZARD_ALLOWED_HOSTS"] = allowed
            settings.AUTHWIZARD_ALLOWED_HOSTS = allowed.split(",")
        children: list[subprocess.Popen] = []
        # SIGINT (also when it was ignored at start, as for a background job), SIGTERM and SIGHUP all end the
        # demo the same way: the sandbox and the worker are stopped too.
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, _stop)
        try:
            if not options["no_sandbox"]:
                children.append(self._start_sandbox(var / "sandbox", options["sandbox_port"]))
                facts = json.loads((var / "sandbox" / "tenants" / "demo.json").read_text())
                landscape, logins = demo.seed(facts)
                self.stdout.write(self.style.SUCCESS(f"Demo landscape: {landscape.name}"))
                for username, password in logins.items():
                    self.stdout.write(
                        f"  log in as {username} / {password} ({demo.DEMO_USERS[username].label})"
                    )
            log = open(var / "worker.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "authwizard",
                        "worker",
                        "--pool",
                        "threads",
                        "--concurrency",
                        "4",
                        "-B",
                        "--schedule",
                        str(var / "celerybeat-schedule"),
                        "-l",
                        "info",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=os.environ.copy(),
                )
            )
            self.stdout.write(f"Celery worker started (log: {var / 'worker.log'})")
            self.stdout.write(self.style.SUCCESS(f"Open http://{options['addr']}/"))
            call_command("runserver", options["addr"], use_reloader=False)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _start_sandbox(self, state_dir: Path, port: int) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port), "--state-dir", str(state_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise CommandError(f"The sandbox did not start (exit code {process.returncode}).")
            if line.startswith("sandbox ready"):
                self.stdout.write(line.strip())
                threading.Thread(
                    target=_drain, args=(process, state_dir.parent / "sandbox.log"), daemon=True
                ).start()
                return process
        process.kill()
        raise CommandError("The sandbox did not report ready within 60 s.")


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _drain(process: subprocess.Popen, log_path: Path) -> None:
    """Keep reading the sandbox's output into a log file so its pipe never fills up."""
    with open(log_path, "a", encoding="utf-8") as log:
        for line in process.stdout:
            log.write(line)
            log.flush()
