"""Import claims from a CSV export or a JSON Lines file; print which rows were refused and why."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims import importing


class Command(BaseCommand):
    help = (
        "Import claims from FILE (.csv in the export's shape, .jsonl in the API's write shape): a row whose"
        " id is a claim here updates it; a reviewer's import also sets status, assessment and relations."
        " A .csv in SIPRI's Trade Register layout (/api/v1/claims/sipri.csv) edits the deals of its claims."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="Username the claims and their history are saved by."
        )
        parser.add_argument("--format", choices=importing.FORMATS, help="Default: from the file name.")

    def handle(self, *args, file: Path, user: str, format: str | None, **options):
        try:
            author = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {user!r}.") from error
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        try:
            file_format = format or importing.format_of(file)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with tqdm(unit=" rows", file=sys.stderr, desc=file.name) as progress:
            try:
                report = importing.import_rows(
                    importing.read_rows(file, file_format, by=author), by=author, progress=progress
                )
            except PermissionDenied as error:
                raise CommandError(str(error)) from error
        for rejection in report.rejected:
            self.stdout.write(f"rejected {rejection}")
        if report.updated or report.unchanged:
            self.stdout.write(f"{len(report.updated)} updated, {len(report.unchanged)} unchanged.")
        self.stdout.write(f"{len(report.accepted)} imported, {len(report.rejected)} rejected.")
        if report.rejected:
            raise CommandError(f"{len(report.rejected)} row(s) rejected; the others were imported.")
