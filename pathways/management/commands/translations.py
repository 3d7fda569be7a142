"""`manage.py translations extract|compile|check`: the message catalogues without GNU gettext (Babel)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways import translations


class Command(BaseCommand):
    help = (
        "extract: update locale/<language>/LC_MESSAGES/django.po from the code and templates; "
        "compile: write django.mo beside each; check: list entries missing, untranslated or fuzzy."
    )

    requires_system_checks: list[str] = []  # the install step compiles before anything is configured

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["extract", "compile", "check"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        if action == "compile":
            for path in translations.compile_all():
                self.stdout.write(f"compiled {path}")
            return
        for language in translations.languages():
            if action == "extract":
                path, open_entries = translations.update(language)
                self.stdout.write(f"{path}: {open_entries} entries to translate")
                continue
            found = translations.problems(language)
            for line in found:
                self.stdout.write(f"{language}: {line}")
            if found:
                raise CommandError(f"{language}: {len(found)} entries missing, untranslated or fuzzy")
            self.stdout.write(f"{language}: complete")
