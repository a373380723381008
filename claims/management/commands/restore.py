"""Restore a backup into an empty database and evidence directory (see the README's "Backup and restore")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.backup import BackupError, restore


class Command(BaseCommand):
    help = "Check DIR's checksums, then load it into an empty database and the evidence directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A directory written by the backup command.")

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = restore(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(f"Restored the {manifest['vendor']} database and {len(manifest['files']) - 1} "
                          f"evidence files from {directory}.")  # fmt: skip
