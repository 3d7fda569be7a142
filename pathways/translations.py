"""Messages for translation, in pure Python (Babel): extracted from the code and the templates, kept in
`locale/<language>/LC_MESSAGES/django.po`, compiled to `django.mo` by the install step — no GNU gettext.

`manage.py translations extract` updates the catalogues, `manage.py translations compile` compiles them;
`problems()` is what the completeness test asks: an entry missing, untranslated, fuzzy or with placeholders
that differ from the English.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation.template import templatize

DOMAIN = "django"
# Django's gettext functions (as makemessages passes them to xgettext): name -> argument positions.
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
CODE = ("authwizard", "pathways")
TEMPLATES = ("templates",)
SKIP = {"migrations", "__pycache__"}


def root() -> Path:
    return Path(settings.BASE_DIR)


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def languages() -> list[str]:
    """The languages translated from English (every one of settings.LANGUAGES but the source)."""
    return [code for code, _ in settings.LANGUAGES if code != "en"]


def po_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _files(folders: tuple[str, ...], suffix: str) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((root() / folder).rglob(f"*{suffix}")):
            if not SKIP.intersection(path.parts):
                yield path


def _python_messages(source: bytes) -> Iterator[tuple[int, str, object, list[str]]]:
    yield from extract_python(io.BytesIO(source), KEYWORDS.keys(), [], {"encoding": "utf-8"})


def _add(catalog: Catalog, path: Path, source: bytes) -> None:
    where = str(path.relative_to(root()))
    for lineno, funcname, messages, _comments in _python_messages(source):
        spec = KEYWORDS.get(funcname)
        values = messages if isinstance(messages, tuple) else (messages,)
        context = None
        if spec and isinstance(spec[0], tuple):  # pgettext: the first argument is the context
            context, values = values[0], values[1:]
        values = tuple(v for v in values if v is not None)
        if not values or not values[0]:
            continue
        message = values if len(values) > 1 else values[0]
        catalog.add(message, None, [(where, lineno)], context=context)


def extract() -> Catalog:
    """Every message of the code and the templates, as a template catalogue (no translations)."""
    catalog = Catalog(project="AuthWizard", domain=DOMAIN, charset="utf-8")
    for path in _files(CODE, ".py"):
        _add(catalog, path, path.read_bytes())
    for path in _files(TEMPLATES, ".html"):
        _add(catalog, path, templatize(path.read_text("utf-8"), origin=str(path)).encode("utf-8"))
    for path in _files(TEMPLATES, ".txt"):
        _add(catalog, path, templatize(path.read_text("utf-8"), origin=str(path)).encode("utf-8"))
    return catalog


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="AuthWizard", domain=DOMAIN, charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write(language: str, catalog: Catalog) -> Path:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=110, ignore_obsolete=True, include_lineno=False)
    return path


def update(language: str) -> tuple[Path, int]:
    """Bring the language's catalogue up to the messages in the code: new ones empty, gone ones dropped,
    never guessed (no fuzzy matching). Returns the path and how many entries still need a translation."""
    catalog = read(language)
    catalog.update(extract(), no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    catalog.fuzzy = False
    path = write(language, catalog)
    return path, len(problems(language))


def problems(language: str) -> list[str]:
    """What keeps the language's catalogue from being complete, one line each (empty: complete)."""
    catalog = read(language)
    found = []
    for message in extract():
        if not message.id:  # the header
            continue
        entry = catalog.get(message.id, context=message.context)
        where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
        label = message.id if isinstance(message.id, str) else message.id[0]
        if entry is None:
            found.append(f"missing: {label!r} ({where})")
        elif entry.fuzzy:
            found.append(f"fuzzy: {label!r} ({where})")
        elif not (all(entry.string) if isinstance(entry.string, tuple | list) else entry.string):
            found.append(f"untranslated: {label!r} ({where})")
        else:
            found.extend(f"{error} in {label!r}" for error in entry.check(catalog))
    return found


def compile_all() -> list[Path]:
    """Compile every catalogue to its .mo (fuzzy entries left out, as msgfmt does)."""
    written = []
    for language in languages():
        catalog = read(language)
        target = po_path(language).with_suffix(".mo")
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(target)
    return written
