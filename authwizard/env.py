"""Typed readers for settings from the environment; a malformed value fails loudly at start-up."""

import os

from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    """A string setting; `NAME_FILE` (a path) takes precedence so secrets can come from files."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as handle:
            return handle.read().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int_list(name: str, default: str, *, positive: bool = True) -> list[int]:
    """Whole numbers separated by commas, e.g. "30,14,7"; a typo stops start-up with the setting named."""
    raw = env(name, default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    try:
        numbers = [int(item) for item in items]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be whole numbers separated by commas (e.g. {default!r}), not {raw!r}"
        ) from None
    if positive and any(number <= 0 for number in numbers):
        raise ImproperlyConfigured(f"{name} must hold numbers greater than zero, not {raw!r}")
    return numbers


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}")
