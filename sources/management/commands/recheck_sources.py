"""Re-check sources: enqueue on the `checks_now` queue, or with --sync check them in this process."""

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.models import Source
from sources import dispatch
from sources.checks import DomainBusy, check_source


class Command(BaseCommand):
    help = "Re-check due sources (default), every source (--all) or some (--source ID …); --sync runs here."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--due", action="store_true", help="Sources whose next check has come (default).")
        which.add_argument("--all", action="store_true", help="Every source.")
        which.add_argument("--source", type=int, nargs="+", metavar="ID", help="These sources.")
        parser.add_argument(
            "--sync", action="store_true", help="Check in this process instead of enqueueing for a worker."
        )

    def handle(self, *args, **options):
        ids = self._source_ids(options)
        outcomes: Counter[str] = Counter()
        for source_id in tqdm(ids, desc="sources", unit="source", file=self.stderr, disable=not ids):
            if options["sync"]:
                # An explicit request outranks a scheduled check that holds the lease.
                token = dispatch.lease_source(source_id=source_id, steal=True)
                outcomes[self._check_here(source_id, token)] += 1
            else:
                dispatch.check_now(source_id=source_id)
                outcomes["queued"] += 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} sources: {summary or 'nothing to do'}.")

    def _source_ids(self, options) -> list[int]:
        if options["source"]:
            wanted = list(dict.fromkeys(options["source"]))
            known = set(Source.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            unknown = [str(source_id) for source_id in wanted if source_id not in known]
            if unknown:
                raise CommandError(f"Unknown source id(s): {', '.join(unknown)}.")
            return wanted
        sources = Source.objects.all() if options["all"] else Source.objects.due()
        return list(sources.order_by("pk").values_list("pk", flat=True))

    def _check_here(self, source_id: int, token: str) -> str:
        # A foreground command may wait for the domain's turn; workers reschedule instead.
        while True:
            try:
                row = check_source(source_id=source_id, lease_token=token)
            except DomainBusy as busy:
                time.sleep(max(busy.wait, 0.05))
                continue
            return row.outcome if row is not None else "skipped"
