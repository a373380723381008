"""Each claim's search vector also holds its id bucket, a lexeme no text or query can produce, so that
a search finds its newest matches in a GIN scan of the term ANDed with the newest buckets (see
claims/search.py). PostgreSQL only; PostgreSQL 15 cannot change a generated column's expression, so
the column (and its index) is made again: one rewrite of the claims table."""

from django.db import migrations

# The expression as claims.search.bucket_lexeme_sql writes it, with the bucket size of this migration
# (10 000 ids): the lexeme's space is what no parser emits, in documents or in queries.
VECTOR = (
    "to_tsvector('simple', search_document)"
    " || array_to_tsvector(ARRAY['~ids ' || (id / 10000)::text])"
)
OLD_VECTOR = "to_tsvector('simple', search_document)"


def _statements(expression: str) -> list[str]:
    return [
        "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector",
        f"ALTER TABLE claims_claim ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX IF NOT EXISTS claim_search_vector_gin ON claims_claim USING gin (search_vector)"
        " WITH (fastupdate = off)",
        # The planner weighs the buckets by their frequency in the column's statistics.
        "ANALYZE claims_claim",
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(VECTOR):
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(OLD_VECTOR):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0022_h1_relation_lineage_conflict")]

    operations = [migrations.RunPython(forward, backward)]
