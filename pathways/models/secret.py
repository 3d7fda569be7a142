"""Encrypted secrets of a landscape or of one pathway's draft; the value never leaves through a page."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from pathways import vault
from pathways.runmemo import RunMemo

if TYPE_CHECKING:
    from pathways.models.audit import Actor
    from pathways.models.landscape import Landscape
    from pathways.models.pathway import Pathway


# Within a run, one owner's secrets (a landscape's, or one pathway's) are read together once and kept until
# a Secret of that owner is saved or deleted.
_kept: RunMemo[tuple[int, int | None], dict[str, Secret]] = RunMemo("secrets_kept")


def secrets_kept() -> AbstractContextManager[None]:
    """Within this block (a run), `Secret.lookup` reads each owner's secrets in one query."""
    return _kept.block()


def forget_kept(sender: Any, instance: Secret, **kwargs: Any) -> None:
    """post_save / post_delete of a Secret: the next lookup of its owner reads the database again."""
    kept = _kept.get()
    if kept is not None:
        kept.pop((instance.landscape_id, instance.pathway_id), None)


class Secret(models.Model):
    landscape = models.ForeignKey("pathways.Landscape", on_delete=models.CASCADE, related_name="secrets")
    pathway = models.ForeignKey(
        "pathways.Pathway", null=True, blank=True, on_delete=models.CASCADE, related_name="secrets"
    )
    name = models.CharField(max_length=60)
    ciphertext = models.TextField()
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["landscape", "pathway", "name"], name="one_secret_per_name"),
            models.UniqueConstraint(
                fields=["landscape", "name"],
                condition=models.Q(pathway=None),
                name="one_landscape_secret_per_name",
            ),
        ]

    def __str__(self) -> str:
        return f"secret {self.name}"

    def __repr__(self) -> str:
        return f"<Secret {self.name} set {self.set_at:%Y-%m-%d}>"

    def reveal(self) -> str:
        return vault.decrypt(self.ciphertext)

    def reveal_bytes(self) -> bytes:
        return vault.decrypt_bytes(self.ciphertext)

    @classmethod
    def store(
        cls,
        *,
        landscape: Landscape,
        name: str,
        value: str | bytes,
        user: Actor | None = None,
        pathway: Pathway | None = None,
    ) -> Secret:
        secret, _ = cls.objects.update_or_create(
            landscape=landscape,
            pathway=pathway,
            name=name,
            defaults={
                "ciphertext": vault.encrypt(value),
                "set_at": timezone.now(),
                "set_by": user if user and user.is_authenticated else None,
            },
        )
        return secret

    @classmethod
    def claim(
        cls,
        *,
        landscape: Landscape,
        name: str,
        value: str,
        user: Actor | None = None,
        pathway: Pathway | None = None,
    ) -> bool:
        """Create the secret `name` once: True for the one caller that created it, False for every other.

        The row's unique constraint decides, so concurrent callers cannot both win; inside the caller's
        transaction the claim is withdrawn again if that transaction fails.
        """
        try:
            with transaction.atomic():
                cls.objects.create(
                    landscape=landscape,
                    pathway=pathway,
                    name=name,
                    ciphertext=vault.encrypt(value),
                    set_at=timezone.now(),
                    set_by=user if user and user.is_authenticated else None,
                )
        except IntegrityError:
            return False
        return True

    @classmethod
    def lookup(cls, *, landscape: Landscape, name: str, pathway: Pathway | None = None) -> Secret | None:
        kept = _kept.get()
        if kept is None:
            return cls.objects.filter(landscape=landscape, pathway=pathway, name=name).first()
        owner = (landscape.pk, pathway.pk if pathway is not None else None)
        if owner not in kept:
            kept[owner] = {
                secret.name: secret for secret in cls.objects.filter(landscape=landscape, pathway=pathway)
            }
        return kept[owner].get(name)
