"""The claims' two GIN indexes (search vector, statement trigrams) take new entries in a pending list
again, kept short: bulk loads empty it themselves (claims.models.loading). PostgreSQL only."""

from django.db import migrations

INDEXES = ("claim_search_vector_gin", "claim_statement_trgm")
# An insertion per row and key was ~85 % of an import's INSERT of claims (BENCHMARKS.md, "Import,
# round three"); with a pending list a bulk load merges its keys a sorted batch at a time instead. Every
# scan reads the pending list in full, so one left long made every search slower (0013): the limit
# keeps what single writes leave to at most PENDING_KB, flushed by the write that passes it.
PENDING_KB = 256


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(
                f"ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = {PENDING_KB})"
            )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            schema_editor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
            # Turning the list off does not empty it.
            schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


class Migration(migrations.Migration):
    dependencies = [("claims", "0023_h6_search_id_buckets")]

    operations = [migrations.RunPython(forward, backward)]
