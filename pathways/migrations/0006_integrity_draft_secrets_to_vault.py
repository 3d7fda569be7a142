"""Secret fields that an import without a user once left in a pathway's draft move into the vault."""

from django.db import migrations

# The secret fields of the outbound pathways' drafts when this migration was written (pathways.catalog).
SECRET_DRAFT_FIELDS = ("password", "pkcs12", "pkcs12_passphrase")


def draft_secrets_to_vault(apps, schema_editor):
    from pathways import vault

    Pathway = apps.get_model("pathways", "Pathway")
    Secret = apps.get_model("pathways", "Secret")
    for pathway in Pathway.objects.all().iterator():
        found = {
            name: pathway.draft.get(name) for name in SECRET_DRAFT_FIELDS if name in (pathway.draft or {})
        }
        if not found:
            continue
        for name, value in found.items():
            pathway.draft.pop(name, None)
            pathway.draft_meta.pop(name, None)
            if not isinstance(value, str) or not value:
                continue
            stored = Secret.objects.filter(
                landscape_id=pathway.landscape_id, pathway=pathway, name=name
            ).first()
            if stored is None:
                Secret.objects.create(
                    landscape_id=pathway.landscape_id,
                    pathway=pathway,
                    name=name,
                    ciphertext=vault.encrypt(value),
                )
            elif stored.set_at < pathway.updated_at:  # the draft's value came later: it is the one meant
                stored.ciphertext = vault.encrypt(value)
                stored.save(update_fields=["ciphertext"])
        Pathway.objects.filter(pk=pathway.pk).update(draft=pathway.draft, draft_meta=pathway.draft_meta)


class Migration(migrations.Migration):
    dependencies = [("pathways", "0005_leftover_credentials")]

    operations = [migrations.RunPython(draft_secrets_to_vault, migrations.RunPython.noop)]
