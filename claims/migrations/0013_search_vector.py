"""A stored tsvector for full-text search (PostgreSQL only; SQLite falls back to substring matching)."""

from django.db import migrations

# Stored, so that neither the match test nor the ranking re-parses the text of every row they visit
# (an expression index only serves the index scan; filters and ts_rank recomputed to_tsvector per row).
FORWARD = [
    "ALTER TABLE claims_claim ADD COLUMN IF NOT EXISTS search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED",
    # Without the pending list: after a bulk load it made every search scan it (1 ms at 100k claims)
    # and, at 10k, priced the index above a sequential scan until the next vacuum.
    "CREATE INDEX IF NOT EXISTS claim_search_vector_gin ON claims_claim USING gin (search_vector)"
    " WITH (fastupdate = off)",
    "DROP INDEX IF EXISTS claim_search_gin",
    # The planner needs the new column's statistics to choose between the primary key and the GIN index.
    "ANALYZE claims_claim",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS claim_search_gin ON claims_claim"
    " USING gin (to_tsvector('simple', search_document))",
    "DROP INDEX IF EXISTS claim_search_vector_gin",
    "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0012_claim_designation")]

    operations = [migrations.RunPython(forward, backward)]
