"""`manage.py pathway plan|apply|verify LANDSCAPE PATHWAY [--method …] [--wait]` and `pathway
check|discover|traffic LANDSCAPE` (traffic: a message check of the pathways' iFlows).
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pathways import catalog, engine
from pathways.errors import Refused
from pathways.models import Landscape, Run, RunStep
from pathways.status import ACTIVE_RUN_STATES, RunState

POLL_SECONDS = 0.25


class Command(BaseCommand):
    help = "Queue the same run as the page's button; with --wait, print each step as it finishes."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["plan", "apply", "verify", "check", "discover", "traffic"])
        parser.add_argument("landscape", help="landscape name (or its code)")
        parser.add_argument(
            "pathway", nargs="?", choices=list(catalog.PATHWAYS), help="not for check, discover or traffic"
        )
        parser.add_argument(
            "--method",
            choices=list(catalog.METHOD_LABELS),
            help="switch the pathway to this method before the run",
        )
        parser.add_argument(
            "--as-user",
            default="",
            help="start the run as this user (their role and the four-eyes rule apply; default: operator)",
        )
        parser.add_argument("--wait", action="store_true", help="follow the run until it ends")
        parser.add_argument("--timeout", type=float, default=1800.0, help="seconds --wait waits at most")

    def handle(self, *args, **options):
        landscape = self._landscape(options["landscape"])
        action = options["action"]
        user = None
        if options["as_user"]:
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['as_user']!r}.")
        if action in ("check", "discover", "traffic"):
            if options["pathway"]:
                raise CommandError(f"{action} takes a landscape only")
            target = landscape
        else:
            if not options["pathway"]:
                raise CommandError(f"{action} needs a pathway: one of {', '.join(catalog.PATHWAYS)}")
            target = landscape.pathways.get(key=options["pathway"])
            if options["method"] and options["method"] != target.method:
                target.method = options["method"]
                target.save(update_fields=["method", "updated_at"])
        try:
            run = engine.start_run(target, action, user)
        except Refused as refused:
            raise CommandError(f"Not started: {refused.message}") from refused
        run.refresh_from_db()
        self.stdout.write(f"Run {run.code} ({run.get_kind_display()}) is {run.state}.")
        if run.state == RunState.FAILED:
            raise CommandError(run.message)
        if options["wait"]:
            self._follow(run, options["timeout"])

    @staticmethod
    def _landscape(name: str) -> Landscape:
        landscape = Landscape.objects.filter(name=name).first()
        if landscape is None:
            try:
                landscape = Landscape.objects.filter(code=name).first()
            except Exception:  # noqa: BLE001 - not a UUID: simply not found
                landscape = None
        if landscape is None:
            raise CommandError(f"No landscape named {name!r}.")
        return landscape

    def _follow(self, run: Run, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        shown: set[int] = set()
        while True:
            run.refresh_from_db()
            finished = RunStep.objects.filter(run=run).exclude(state__in=ACTIVE_RUN_STATES).order_by("index")
            for step in finished:
                if step.index not in shown:
                    shown.add(step.index)
                    self.stdout.write(
                        f"{step.index + 1:>2}. {step.label} — {step.state} "
                        f"({step.duration_ms or 0} ms, {step.http_calls} HTTP): {step.message}"
                    )
            if run.state not in ACTIVE_RUN_STATES:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The run is still {run.state} after {int(timeout)} s; is a worker running?"
                )
            time.sleep(POLL_SECONDS)
        if run.state != RunState.SUCCEEDED:
            hint = f" ({run.hint})" if run.hint else ""
            raise CommandError(f"{run.get_state_display()}: {run.message}{hint}")
        self.stdout.write(self.style.SUCCESS(f"{run.message} — {run.http_calls} HTTP calls."))
