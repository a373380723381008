"""GIN index for full-text search on PostgreSQL (SQLite falls back to substring matching)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS claim_search_gin ON claims_claim "
    "USING gin (to_tsvector('simple', search_document))"
)
DROP = "DROP INDEX IF EXISTS claim_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_search_document")]

    operations = [migrations.RunPython(create_index, drop_index)]
