"""The German catalogue is complete: every message the code and the templates mark (extracted in pure Python,
as `manage.py translations extract` does) has a German translation, none fuzzy, placeholders intact."""

import shutil

import pytest
from babel.messages.pofile import read_po, write_po
from django.core.management import call_command
from django.utils import translation

from pathways import translations


def test_every_message_has_a_german_translation_none_untranslated_or_fuzzy():
    problems = translations.problems("de")
    assert not problems, f"{len(problems)} German entries to fix:\n" + "\n".join(problems[:50])


def test_the_check_finds_an_untranslated_a_fuzzy_and_a_missing_entry(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    target = tmp_path / "de" / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True)
    with open(translations.root() / "locale" / "de" / "LC_MESSAGES" / "django.po", "rb") as handle:
        catalog = read_po(handle, locale="de")
    ids = [m.id for m in catalog if m.id and isinstance(m.id, str)]
    catalog[ids[0]].string = ""
    catalog[ids[1]].flags.add("fuzzy")
    del catalog[ids[2]]
    with open(target, "wb") as handle:
        write_po(handle, catalog)

    found = translations.problems("de")
    assert any(line.startswith(f"untranslated: {ids[0]!r}") for line in found)
    assert any(line.startswith(f"fuzzy: {ids[1]!r}") for line in found)
    assert any(line.startswith(f"missing: {ids[2]!r}") for line in found)
    with pytest.raises(Exception, match="missing, untranslated or fuzzy"):
        call_command("translations", "check")


def test_the_install_step_compiles_the_catalogue_without_gnu_gettext(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(translations.root() / "locale" / "de" / "LC_MESSAGES" / "django.po", target / "django.po")
    call_command("translations", "compile")
    assert (target / "django.mo").stat().st_size > 10_000


def test_the_compiled_catalogue_speaks_sap_german():
    with translation.override("de"):
        assert translation.gettext("Service key") == "Dienstschlüssel"
        assert translation.gettext("Service instance") == "Dienstinstanz"
        assert translation.gettext("User Credentials") == "Benutzeranmeldedaten"
        assert translation.gettext("Keystore alias") == "Alias im Schlüsselspeicher"
        assert translation.gettext("Verified") == "Verifiziert"


def test_certificate_checks_speak_the_readers_language_though_certs_knows_no_django():
    from pathways import certs

    with translation.override("de"), pytest.raises(certs.CertificateError) as refused:
        certs.parse_certificates("hello, this is no certificate")
    assert str(refused.value).startswith("Dies ist keine Zertifikatsdatei")
    with pytest.raises(certs.CertificateError) as refused:
        certs.parse_certificates("hello, this is no certificate")
    assert str(refused.value).startswith("This is not a certificate file")
    assert "django" not in (translations.root() / "pathways" / "certs" / "parse.py").read_text()
