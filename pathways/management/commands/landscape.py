"""`manage.py landscape export NAME FILE` and `manage.py landscape import FILE`."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pathways.landscape_files import ImportProblem, export_landscape, import_landscape
from pathways.models import Landscape


class Command(BaseCommand):
    help = "Export a landscape to JSON (secrets left out) or import one (created or updated)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write NAME's configuration to FILE ('-' for standard output)")
        export.add_argument("name")
        export.add_argument("file")
        imp = sub.add_parser("import", help="create or update the landscape described in FILE")
        imp.add_argument("file")
        imp.add_argument("--as-user", default="", help="user recorded in the audit trail and made consultant")

    def handle(self, *args, **options):
        if options["action"] == "export":
            landscape = Landscape.objects.filter(name=options["name"]).first()
            if landscape is None:
                raise CommandError(f"No landscape named {options['name']!r}.")
            text = json.dumps(export_landscape(landscape), indent=2, sort_keys=True) + "\n"
            if options["file"] == "-":
                self.stdout.write(text)
            else:
                with open(options["file"], "w", encoding="utf-8") as handle:
                    handle.write(text)
                self.stdout.write(f"Exported {landscape.name} to {options['file']} (secrets left out).")
            return
        try:
            with open(options["file"], encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}")
        user = None
        if options["as_user"]:
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['as_user']!r}.")
        try:
            landscape, created = import_landscape(data, user=user)
        except ImportProblem as problem:
            raise CommandError(f"{options['file']} was not imported:\n{problem}")
        self.stdout.write(f"{'Created' if created else 'Updated'} landscape {landscape.name}.")
