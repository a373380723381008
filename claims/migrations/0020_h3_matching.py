"""pg_trgm and a trigram index on the statement, for claim matching on intake (PostgreSQL only;
SQLite compares the candidates it filters with rapidfuzz)."""

from django.db import migrations

# The index serves `word <% statement` (pg_trgm word similarity: a rare word of the probe found in a
# statement, spelled alike or nearly): without it, a sequential scan of the claims per match request.
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS claim_statement_trgm ON claims_claim USING gin (statement gin_trgm_ops)"
    " WITH (fastupdate = off)",
    # With a histogram of 100 statements (the default target), the planner priced each `word <%
    # statement` by computing the word similarity against every one of them: 20-40 ms of planning per
    # match request at 100k claims (under load), for 1 ms of execution. Below 100 entries pg_trgm takes
    # its default selectivity: 2.5 ms. No other plan reads the statement's statistics (it is filtered
    # by full text or by id, never by value).
    "ALTER TABLE claims_claim ALTER COLUMN statement SET STATISTICS 50",
    "ANALYZE claims_claim (statement)",
]
# The extension stays: another database object may have come to use it meanwhile.
BACKWARD = [
    "DROP INDEX IF EXISTS claim_statement_trgm",
    "ALTER TABLE claims_claim ALTER COLUMN statement SET STATISTICS -1",
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
    dependencies = [("claims", "0019_h2_sipri")]

    operations = [migrations.RunPython(forward, backward)]
