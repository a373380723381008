from django.db import migrations, models


def rebuild_outdated_documents(apps, schema_editor):
    """Documents gain independent_origins, shared_channel_origins and each relation's lineage
    (schema version 4); until rebuilt, readers get them built from the rows."""
    from claims.projection import rebuild_documents

    rebuild_documents(outdated_only=True)


class Migration(migrations.Migration):
    dependencies = [("claims", "0021_h5_pending_revisions")]

    operations = [
        migrations.AddField(
            model_name="claimrelation",
            name="lineage_conflict",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.RunPython(rebuild_outdated_documents, migrations.RunPython.noop),
    ]
