"""Rebuild the claim documents (the read model) from the rows: all of them, or only outdated ones."""

from django.core.management.base import BaseCommand, CommandError

from claims.projection import SCHEMA_VERSION, rebuild_documents


class Command(BaseCommand):
    help = "Rebuild every claim document from the rows (idempotent); --outdated: only those missing or older."

    def add_arguments(self, parser):
        parser.add_argument(
            "--outdated",
            action="store_true",
            help=f"Only claims without a document or with a schema_version below {SCHEMA_VERSION}.",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Claims per transaction (500).")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        written = rebuild_documents(outdated_only=options["outdated"], batch_size=options["batch_size"])
        self.stdout.write(f"{written} claim documents rebuilt (schema version {SCHEMA_VERSION}).")
