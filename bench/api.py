"""The claim list and the change feed over HTTP, against the naive and the raw baselines."""

import base64

from bench.http import drained_wrk as wrk
from bench.http import gunicorn, rss_mb
from bench.measure import ratio
from claims.models import Claim, FeedEvent

PAGE = 100
LIST_PATH = "/api/v1/claims/"
# Many clients at once against the two workers: requests queue, and the tail shows whether they are
# served in turn (p99 near p50) or some wait far longer than others.
BUSY_CONNECTIONS = 32  # the headline keys say 32


def cursor_at(position: int) -> str:
    """A cursor for the page that starts just below claim id `position` (DRF's cursor encoding)."""
    return base64.urlsafe_b64encode(f"p={position}".encode()).decode()


def run(*, seconds: int, env: dict | None = None) -> dict:
    public = Claim.objects.public()
    top = public.order_by("-id").values_list("id", flat=True).first() or 0
    count = public.count()
    middle_id = public.order_by("-id").values_list("id", flat=True)[count // 2]
    last_id = public.order_by("-id").values_list("id", flat=True)[max(count - PAGE, 0)]
    head_seq = FeedEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    figures = {}
    short = max(1, seconds // 2)
    listing = f"{LIST_PATH}?page_size={PAGE}"
    with gunicorn(env=env) as (base, pid):
        ours = wrk(f"{base}{listing}", seconds=seconds)
        figures["web_rss_mb_during_list"] = rss_mb(pid)
        busy = wrk(f"{base}{listing}", seconds=seconds, connections=BUSY_CONNECTIONS)
        raw = wrk(f"{base}/bench/raw/claims/?limit={PAGE}", seconds=seconds)
        figures["feed_incremental"] = wrk(
            f"{base}/api/v1/feed/?after={max(head_seq - 50, 0)}&limit=100", seconds=short
        )
        cursor_pages = {
            "first": wrk(f"{base}{listing}&cursor={cursor_at(top + 1)}", seconds=short),
            "middle": wrk(f"{base}{listing}&cursor={cursor_at(middle_id)}", seconds=short),
            "last": wrk(f"{base}{listing}&cursor={cursor_at(last_id)}", seconds=short),
        }
        # The naive baseline last: its slow requests must not sit in front of anything else.
        naive = wrk(f"{base}/bench/naive/claims/?limit={PAGE}", seconds=seconds)
        offset_pages = {
            "first": wrk(f"{base}/bench/naive/claims/?limit={PAGE}&offset=0", seconds=short),
            "middle": wrk(f"{base}/bench/naive/claims/?limit={PAGE}&offset={count // 2}", seconds=short),
            "last": wrk(
                f"{base}/bench/naive/claims/?limit={PAGE}&offset={max(count - PAGE, 0)}", seconds=short
            ),
        }
    figures["list"] = {"ours": ours, "naive": naive, "raw": raw, "ours_busy": busy}
    figures["list_p99_vs_p50_busy"] = ratio(busy["p99_ms"], busy["p50_ms"])
    figures["list_speedup_vs_naive"] = ratio(naive["p50_ms"], ours["p50_ms"])
    figures["list_vs_raw_limit"] = ratio(ours["p50_ms"], raw["p50_ms"])
    figures["deep_pagination"] = {
        "cursor": cursor_pages,
        "offset": offset_pages,
        "cursor_last_vs_first": ratio(cursor_pages["last"]["p50_ms"], cursor_pages["first"]["p50_ms"]),
        "offset_last_vs_first": ratio(offset_pages["last"]["p50_ms"], offset_pages["first"]["p50_ms"]),
    }
    return figures
