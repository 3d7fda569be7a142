"""The main journeys in German: a consultant whose browser asks for German creates and checks a landscape,
sets up a pathway through the wizard (plan, apply, verify), hands it over and looks at its certificates,
history, members, the iFlows of the landscape (discovered and confirmed), a pathway's messages and the
overview — and no page shows an English UI string.

English is recognised by the words of the English messages that no German translation uses (so "Status" or
"Test", the same in both, do not count), beside product names, identifiers, what the user typed and what the
tenant holds (iFlow names, parameter keys and values), which are allowed. Finally the language is switched
to English and back in the user menu, and it is remembered.
"""

import re

import pytest

from pathways import catalog, translations
from pathways.demo import landscape_form_data, landscape_from_facts
from pathways.models import IFlowParameter, LanguagePreference
from tests.browser.conftest import wait_for_finished_run
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LANDSCAPE = "Sandbox-Landschaft"
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
# Product names, protocols and SAP's own names that stay as they are in German.
ALLOWED = {
    "authwizard", "sap", "cpi", "btp", "xsuaa", "sscv", "pem", "der", "csr", "pkcs", "http", "https", "mtls",
    "oauth", "utc", "api", "json", "csv", "cloud", "foundry", "space", "developer", "manager", "service",
    "english",  # the switch back to English names the language in its own words
}  # fmt: skip
# Product names that contain English words.
PRODUCTS = ("SAP Sales and Service Cloud V2", "SAP Cloud Integration", "SAP S/4HANA", "Service Manager")
# Everything a screen reader or a hover shows, beside the visible text.
PAGE_TEXT = """() => {
  // Identifiers set in <code> (field names, aliases, fingerprints) are not UI strings.
  const body = document.body.cloneNode(true);
  for (const el of body.querySelectorAll('code, kbd, pre, samp')) el.remove();
  document.documentElement.appendChild(body);
  body.style.position = 'absolute'; body.style.left = '-99999px';
  const text = body.innerText;
  body.remove();
  const parts = [document.title, text];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join('\\n');
}"""


def _words(text: str) -> set[str]:
    text = re.sub(r"%\(\w+\)s|\{\w+\}", " ", text)
    return {w.lower() for w in WORD.findall(text)}


def english_vocabulary() -> set[str]:
    """The words of the English messages that no German translation uses."""
    catalog = translations.read("de")
    english, german = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= _words(text)
        for text in strings:
            german |= _words(text)
    return english - german - ALLOWED


def identifier(token: str) -> bool:
    """A value, not a word: names with digits, dots, dashes, slashes, underscores, @ or inner capitals."""
    core = token.strip(".,;:!?()[]{}«»„“”\"'…–—·→")
    return bool(re.search(r"[\d._/@:#=\\-]", core)) or bool(re.search(r"[a-z][A-Z]", core))


class EnglishWatch:
    def __init__(self, page):
        self.page = page
        self.vocabulary = english_vocabulary()
        self.found: dict[str, list[str]] = {}
        self.tenant_names: list[str] = []  # the tenant's own names, in SAP's English: not UI strings

    def allow_iflow_names(self) -> None:
        """The names the discovered iFlows carry (flow names, parameter keys and values), longest first."""
        names = set()
        for row in IFlowParameter.objects.all():
            names |= {row.flow_name, row.key, row.value}
        self.tenant_names = sorted((n for n in names if n), key=len, reverse=True)

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        for line in self.page.evaluate(PAGE_TEXT).splitlines():
            for product in (*self.tenant_names, *PRODUCTS):
                line = line.replace(product, " ")
            tokens = [t for t in line.split() if not identifier(t)]
            english = sorted({w for t in tokens for w in _words(t)} & self.vocabulary)
            if english:
                self.found.setdefault(where, []).append(f"{', '.join(english)}  ←  {line.strip()[:160]}")

    def assert_none(self) -> None:
        report = "\n".join(f"[{where}]\n  " + "\n  ".join(lines) for where, lines in self.found.items())
        assert not self.found, f"English UI strings on German pages:\n{report}"


def test_the_main_journeys_in_german_show_no_english_ui_string(
    page, live_server, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    watch = EnglishWatch(page)
    user = UserFactory(username="greta")
    base = live_server.url

    page.goto(f"{base}/login/")
    assert page.get_attribute("html", "lang") == "de"
    watch.check("Anmeldung")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    watch.check("Start")

    # A landscape from pasted service keys, then Check landscape.
    page.goto(f"{base}/landscapes/new/")
    watch.check("Neue Landschaft")
    for name, value in landscape_form_data(sandbox_tenant, name=LANDSCAPE).items():
        if name == "tier":
            page.select_option("#id_tier", value)
        else:
            page.fill(f"#id_{name}", value)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=mit ihren vier Pfaden angelegt")
    landscape_url = page.url
    watch.check("Landschaft")
    page.click("button:has-text('Landschaft prüfen')")
    assert wait_for_finished_run(page) == "erfolgreich", page.inner_text("#run-panel")
    watch.check("Lauf: Landschaft prüfen")
    page.goto(landscape_url)
    assert "Alle Anmeldedaten funktionieren" in page.inner_text("main")
    watch.check("Landschaft nach der Prüfung")

    # S/4HANA → CPI with Basic authentication through the wizard: plan, apply, verify.
    page.goto(f"{landscape_url}p/s4_to_cpi/")
    page.wait_for_selector("legend")
    choice = page.locator("input[name=method][value=basic]")
    if not choice.is_checked():
        choice.check()
        page.wait_for_selector("#method-status:has-text('Gesichert')")
    watch.check("Assistent: Methode")
    page.click("button:has-text('Weiter')")
    for title in ("Dienstinstanz", "Dienstschlüssel"):
        page.wait_for_selector(f"h2:has-text('{title}')")
        watch.check(f"Assistent: {title}")
        page.click("button:has-text('Sichern und weiter')")
    page.wait_for_selector("h2#review-h")
    page.wait_for_selector("#plan table.plan", timeout=30_000)
    assert "Anlegen" in page.inner_text("#plan table.plan")
    watch.check("Assistent: Prüfen mit Plan")
    page.click("form[action$='/run/apply/'] button")
    assert wait_for_finished_run(page) == "erfolgreich", page.inner_text("#run-panel")
    watch.check("Lauf: Anwenden")
    page.click("#run-panel button:has-text('Verifizieren')")
    page.wait_for_selector("h1:has-text('Verifizieren')")
    assert wait_for_finished_run(page) == "erfolgreich", page.inner_text("#run-panel")
    watch.check("Lauf: Verifizieren")

    # The hand-off sheet and the client secret, shown once.
    page.goto(f"{landscape_url}p/s4_to_cpi/handoff/")
    watch.check("Übergabeblatt")
    page.click("button:has-text('Client-Secret einmalig anzeigen')")
    page.wait_for_selector("#secret")
    watch.check("Client-Secret")

    for path, where in (
        ("p/ssc_to_cpi/certificates/", "Zertifikate"),
        ("p/s4_to_cpi/history/", "Verlauf"),
        ("members/", "Mitglieder"),
        ("p/cpi_to_s4/", "Assistent: Benutzeranmeldedaten"),
    ):
        page.goto(f"{landscape_url}{path}")
        watch.check(where)

    # The iFlows of the landscape's package: discover (read only), confirm the guesses, see the verdicts.
    page.goto(f"{landscape_url}iflows/")
    watch.check("iFlows vor der Ermittlung")
    page.click("button:has-text('iFlows ermitteln')")
    assert wait_for_finished_run(page) == "erfolgreich", page.inner_text("#run-panel")
    watch.check("Lauf: iFlows ermitteln")
    watch.allow_iflow_names()
    page.click("a:has-text('Pfade der Parameter')")
    page.wait_for_selector("#unconfirmed")
    watch.check("iFlows mit Vermutungen")
    page.click("button:has-text('Diese Pfade bestätigen')")
    page.wait_for_selector("text=Parameter bestätigt.")
    watch.check("iFlows bestätigt")
    # The draft's default description is a value written to CPI as it is, not a UI string.
    watch.tenant_names.append(catalog.get("cpi_to_s4").default("description", "basic"))
    page.goto(f"{landscape_url}p/cpi_to_s4/step/review/")
    page.wait_for_selector("#pathway-iflows")
    watch.check("Assistent: iFlows des Pfads")
    page.goto(landscape_url)
    watch.check("Landschaft mit iFlows")

    # A pathway's messages, and a message check run from there.
    page.goto(f"{landscape_url}p/cpi_to_s4/messages/")
    watch.check("Nachrichten")
    page.click("button:has-text('Nachrichten jetzt prüfen')")
    assert wait_for_finished_run(page) == "erfolgreich", page.inner_text("#run-panel")
    watch.check("Lauf: Nachrichtenprüfung")
    page.goto(f"{landscape_url}p/cpi_to_s4/messages/")
    watch.check("Nachrichten nach der Prüfung")

    page.goto(f"{base}/overview/")
    watch.check("Übersicht")
    watch.assert_none()

    # German words are longer: on a phone no page scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    wide = {}
    for path in (
        "",
        "p/s4_to_cpi/step/review/",
        "p/s4_to_cpi/handoff/",
        "p/ssc_to_cpi/certificates/",
        "p/s4_to_cpi/history/",
        "p/cpi_to_s4/",
        "iflows/",
        "p/cpi_to_s4/messages/",
    ):
        page.goto(f"{landscape_url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if width > 0:
            wide[path or "landscape"] = width
    assert not wide, f"pages wider than 390 px in German (px too wide): {wide}"
    page.set_viewport_size({"width": 1100, "height": 900})

    # The user menu switches to English and back; the choice is the user's, remembered.
    page.click("#user-menu summary")
    page.click("#user-menu button:has-text('English')")
    page.wait_for_selector("html[lang=en]")
    assert "Landscapes" in page.inner_text("header")
    assert LanguagePreference.of(user) == "en"
    page.click("#user-menu summary")
    page.click("#user-menu button:has-text('Deutsch')")
    page.wait_for_selector("html[lang=de]")
    assert LanguagePreference.of(user) == "de"


def test_a_german_member_reads_the_landscape_in_german_whatever_the_browser_asks(
    page, live_server, sandbox_tenant, fast_waits
):
    user = UserFactory(username="gerd")
    landscape = landscape_from_facts(sandbox_tenant, name=LANDSCAPE, user=user)
    MembershipFactory(landscape=landscape, user=user, role="consultant")
    LanguagePreference.choose(user, "de")
    page.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    page.goto(f"{live_server.url}/login/")
    assert page.get_attribute("html", "lang") == "en"
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    assert page.get_attribute("html", "lang") == "de"
    assert "Landschaft prüfen" in page.inner_text("main")
