import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_current_snapshots(apps, schema_editor):
    """Each claim's first document is the snapshot of its current version: what the API served so far.

    Copied through the historical models rather than rebuilt with claims.projection, so that this
    migration still runs on a database that jumps past later changes to the claim tables.
    """
    ClaimVersion = apps.get_model("claims", "ClaimVersion")
    ClaimDocument = apps.get_model("claims", "ClaimDocument")
    now = django.utils.timezone.now()
    current = ClaimVersion.objects.filter(version=models.F("claim__version")).values_list(
        "claim_id", "snapshot"
    )
    batch = []
    for claim_id, snapshot in current.iterator(chunk_size=1000):
        batch.append(ClaimDocument(claim_id=claim_id, schema_version=1, body=snapshot, updated_at=now))
        if len(batch) == 1000:
            ClaimDocument.objects.bulk_create(batch)
            batch = []
    ClaimDocument.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_actor_updated_at_index")]

    operations = [
        migrations.CreateModel(
            name="ClaimDocument",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="document",
                        serialize=False,
                        to="claims.claim",
                    ),
                ),
                ("schema_version", models.PositiveSmallIntegerField()),
                ("body", models.JSONField()),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(copy_current_snapshots, migrations.RunPython.noop),
    ]
