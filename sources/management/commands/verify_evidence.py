"""Re-hash every stored evidence body and WARC record; exit 1 when any is missing or altered."""

from django.core.management.base import BaseCommand, CommandError

from sources.integrity import verify_evidence


class Command(BaseCommand):
    help = (
        "Re-hash every stored body and WARC record against its SHA-256; report missing or altered files, "
        "flag their sources for attention, and exit with status 1 if there is any."
    )

    def handle(self, *args, **options):
        report = verify_evidence()
        for problem in report.problems:
            sources = ", ".join(str(pk) for pk in problem.source_ids)
            self.stderr.write(f"{problem} — sources {sources}")
        self.stdout.write(
            f"{report.bodies} bodies and {report.records} WARC records checked: "
            f"{len(report.problems) or 'no'} problem{'' if len(report.problems) == 1 else 's'}."
        )
        if report.problems:
            raise CommandError(f"{len(report.problems)} evidence files are missing or altered.", returncode=1)
