"""pg_trgm and a trigram index on the statement, for claim matching on intake (PostgreSQL only;
SQLite compares the candidates it filters with rapidfuzz)."""

from django.db import migrations

# The index serves `statement % probe` (trigram similarity): without it, every match request would
# compare the probe with every visible statement (a sequential scan of the claims).
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS claim_statement_trgm ON claims_claim USING gin (statement gin_trgm_ops)"
    " WITH (fastupdate = off)",
]
# The extension stays: another database object may have come to use it meanwhile.
BACKWARD = ["DROP INDEX IF EXISTS claim_statement_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0018_h7_source_events_webhooks")]

    operations = [migrations.RunPython(forward, backward)]
