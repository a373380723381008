"""Versions keep what changed as data, so that pages can say it in the reader's language."""

from django.db import migrations, models

from claims.changes import from_code


def read_codes(apps, schema_editor):
    """Versions written before this one get their data back from the code they stored."""
    ClaimVersion = apps.get_model("claims", "ClaimVersion")
    changed = []
    for version in ClaimVersion.objects.only("id", "change").iterator(chunk_size=1000):
        version.change_data = from_code(version.change)
        changed.append(version)
        if len(changed) == 1000:
            ClaimVersion.objects.bulk_update(changed, ["change_data"])
            changed = []
    ClaimVersion.objects.bulk_update(changed, ["change_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="claimversion",
            name="change_data",
            field=models.JSONField(db_default=models.Value({}, models.JSONField()), default=dict),
        ),
        migrations.RunPython(read_codes, migrations.RunPython.noop),
    ]
