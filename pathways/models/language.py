"""The language a user chose for pages and e-mails; without a choice the browser's language is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


class LanguagePreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"

    @classmethod
    def choose(cls, user: AbstractBaseUser, language: str) -> LanguagePreference:
        """Remember `language` (one of settings.LANGUAGES) as the user's language."""
        if not supported(language):
            raise ValueError(f"unsupported language {language!r}")
        preference, _ = cls.objects.update_or_create(
            user=user, defaults={"language": language, "changed_at": timezone.now()}
        )
        return preference

    @classmethod
    def of(cls, user: AbstractBaseUser | AnonymousUser | None) -> str:
        """The user's chosen language, or "" when they chose none."""
        if user is None or not user.is_authenticated:
            return ""
        found = cls.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        return found if found and supported(found) else ""
