"""Static files from node_modules: exactly the Fiori CSS and fonts the pages use, nothing else of them.

`npm ci` installs SAP's Fundamental Library Styles and the Horizon theme variables (pinned in
package-lock.json); this finder hands the few files the pages link to Django's static files, so `runserver`
serves them and `collectstatic` copies them for whitenoise. The theme's CSS names its fonts by relative
paths (`../../../Base/baseLib/baseTheme/fonts/…`), so they keep the package's folder layout under `fiori/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

THEMING = "@sap-theming/theming-base-content/content/Base/baseLib"
FONTS = (".woff2", ".woff", ".ttf")  # every format the theme's @font-face rules name


@dataclass(frozen=True)
class Vendored:
    served: str  # folder under STATIC_URL
    source: str  # folder under node_modules
    names: tuple[str, ...] = ()  # the files taken from it; empty: every font file of the folder


VENDORED = (
    Vendored("fiori", "fundamental-styles/dist", ("fundamental-styles.css",)),
    Vendored("fiori/theming", "fundamental-styles/dist/theming", ("sap_horizon.css",)),
    Vendored("fiori/content/Base/baseLib/sap_horizon", f"{THEMING}/sap_horizon", ("css_variables.css",)),
    Vendored("fiori/content/Base/baseLib/baseTheme/fonts", f"{THEMING}/baseTheme/fonts"),
    Vendored("fiori/content/Base/baseLib/sap_horizon/fonts", f"{THEMING}/sap_horizon/fonts"),
)
# What base.html links, in this order: theme variables, the library's Horizon layer, its components.
STYLESHEETS = (
    "fiori/content/Base/baseLib/sap_horizon/css_variables.css",
    "fiori/theming/sap_horizon.css",
    "fiori/fundamental-styles.css",
)


def node_modules() -> Path:
    return Path(getattr(settings, "NODE_MODULES_DIR", Path(settings.BASE_DIR) / "node_modules"))


def _names(folder: Path, entry: Vendored) -> list[str]:
    if entry.names:
        return [name for name in entry.names if (folder / name).is_file()]
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in FONTS)


class NodeModulesFinder(BaseFinder):
    """Finds the files of VENDORED in node_modules under their served names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages: list[tuple[Vendored, FileSystemStorage]] = []
        for entry in VENDORED:
            storage = FileSystemStorage(location=node_modules() / entry.source)
            storage.prefix = entry.served  # type: ignore[attr-defined]  # collectstatic reads it
            self.storages.append((entry, storage))

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        missing = [e.source for e in VENDORED if not _names(node_modules() / e.source, e)]
        if not missing:
            return []
        return [
            checks.Warning(
                f"The Fiori styles are not installed ({', '.join(missing)} missing in {node_modules()}): "
                "the pages show unstyled.",
                hint="Run `npm ci` (./dev run and ./dev test do) or build the Docker image.",
                id="authwizard.W001",
            )
        ]

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        found: list[str] = []
        folder_of_path, _, name = path.rpartition("/")
        for entry, storage in self.storages:
            if folder_of_path == entry.served and name in _names(Path(storage.location), entry):
                match = str(Path(storage.location) / name)
                if not (find_all or kwargs.get("all")):
                    return match
                found.append(match)
        return found

    def list(self, ignore_patterns: list[str] | None) -> Iterator[tuple[str, FileSystemStorage]]:
        for entry, storage in self.storages:
            for name in _names(Path(storage.location), entry):
                if not utils.matches_patterns(name, ignore_patterns or []):
                    yield name, storage
