"""Back up the database and the evidence into a new directory (see the README's "Backup and restore")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write a consistent copy of the database and the evidence files, with checksums, into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A new or empty directory.")

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(f"Backed up the {manifest['vendor']} database and {len(manifest['files']) - 1} "
                          f"evidence files into {directory}.")  # fmt: skip
