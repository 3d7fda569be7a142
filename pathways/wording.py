"""Translation for the packages that know nothing of Django (`certs/`, `sap/`): they mark their sentences
with `gettext` from here, and the app hands in Django's at start-up (`PathwaysConfig.ready`), so a sentence
comes out in the language of the page or run that asked. Without the app (scripts, the sandbox): English.
"""

from __future__ import annotations

from collections.abc import Callable


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


_translate: Callable[[str], str] = str
_translate_plural: Callable[[str, str, int], str] = _english_plural


def use(translate: Callable[[str], str], translate_plural: Callable[[str, str, int], str]) -> None:
    """Translate every sentence marked with `gettext` / `ngettext` through these from now on."""
    global _translate, _translate_plural
    _translate, _translate_plural = translate, translate_plural


def gettext(message: str) -> str:
    return _translate(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translate_plural(singular, plural, count)


def gettext_noop(message: str) -> str:
    """Marks a sentence kept in a constant for translation; `gettext(CONSTANT)` translates it where used."""
    return message
