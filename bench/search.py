"""Full-text search: the query against an icontains baseline, and the API and UI search pages over HTTP."""

import json
import statistics
import urllib.request
import uuid

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Q
from django.test import Client

from bench.generate import BROAD, MEDIUM, SELECTIVE
from bench.http import wrk
from bench.measure import ratio, time_calls
from claims.models import Claim
from claims.search import ID_BUCKET, WINDOWS
from claims.tokens import create_api_token

PAGE = 50
UI_PAGE = 25  # the UI's default page size
LATER = 3  # "a later page": the third
TERMS = {"selective": SELECTIVE, "medium": MEDIUM, "broad": BROAD}


def head_queries(term: str) -> dict[str, object]:
    """What a search page adds to a list page, step by step: the newest matches with their rank in
    the newest ids, in a wider window, and among every match (claims.search.RankedSearch._newest)."""
    search = Claim.objects.public().ranked_search(term)
    newest = Claim.objects.order_by("-id").values_list("id", flat=True).first() or 0
    low = max(newest // ID_BUCKET - WINDOWS[-1] + 1, 0)
    return {
        "": search.first_window_query(),
        "-wider": search.head_query(low_bucket=low),
        "-all": search.head_query(),
    }


def ours(term: str):
    """The search's own queries, as the baseline's: which claims come first, however many windows
    that takes (the page's rows are fetched by id afterwards, as for any list page, and timed with
    the pages over HTTP)."""
    return Claim.objects.public().ranked_search(term).count()


def naive(term: str):
    """What one writes first: icontains over each field the search covers, joined, made distinct."""
    return (
        Claim.objects.public()
        .filter(
            Q(statement__icontains=term)
            | Q(item_description__icontains=term)
            | Q(hops__quote__icontains=term)
            | Q(hops__descriptor__icontains=term)
            | Q(supplier__name__icontains=term)
            | Q(recipient__name__icontains=term)
        )
        .distinct()
        .order_by("-updated_at", "-id")[:PAGE]
    )


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def run(*, repeat: int) -> tuple[dict, dict[str, str]]:
    figures, plans = {}, {}
    for label, term in TERMS.items():
        hits = Claim.objects.public().search(term).count()
        mine = time_calls(lambda term=term: ours(term), repeat=repeat)
        theirs = time_calls(lambda term=term: list(naive(term).values_list("id")), repeat=max(3, repeat // 4))
        figures[label] = {
            "term": term,
            "hits": hits,
            "fulltext": mine,
            "icontains": theirs,
            "speedup": ratio(theirs["p50_ms"], mine["p50_ms"]),
        }
        for step, queryset in head_queries(term).items():
            plans[f"search-{label}-fulltext{step}"] = explain(queryset)
        plans[f"search-{label}-icontains"] = explain(naive(term).values_list("id"))
        plans[f"search-{label}-count"] = explain(
            Claim.objects.public().ranked_search(term).matches.values("id")[:1001]
        )
    return figures, plans


def _personas() -> dict[str, dict]:
    """Request headers of each persona: an anonymous API reader, an editor's token, UI sessions."""
    editor, _ = User.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="reviewer"))
    viewer, _ = User.objects.get_or_create(username="bench-viewer")
    viewer.groups.add(Group.objects.get(name="viewer"))

    def session(user) -> dict:
        client = Client()
        client.force_login(user)
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    token = create_api_token(user=editor, name=f"bench-search-{uuid.uuid4().hex[:8]}")
    return {
        "api-reader": {},
        "api-editor": {"Authorization": f"Bearer {token}"},
        "ui-reader": session(viewer),
        "ui-editor": session(editor),
    }


def _later_api_url(base: str, term: str, headers: dict) -> str | None:
    url = f"{base}/api/v1/claims/?q={term}&page_size={PAGE}"
    for _ in range(LATER - 1):
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
        url = json.loads(urllib.request.urlopen(request, timeout=300).read())["next"]  # noqa: S310
        if url is None:
            return None
    return url


def run_http(base: str, *, seconds: int) -> dict:
    """p50 of every search page a client asks for: API and UI, first and a later page, each persona.

    One connection: the latency of one request on an otherwise idle server.
    """
    personas = _personas()
    for headers in personas.values():  # the first request of a persona loads templates, translations
        for _ in range(3):
            request = urllib.request.Request(f"{base}/claims/?q={SELECTIVE}", headers=headers)  # noqa: S310
            urllib.request.urlopen(request, timeout=300).read()  # noqa: S310 (our own server)
    figures = {}
    for label, term in TERMS.items():
        pages = {}
        for persona, headers in personas.items():
            if persona.startswith("api"):
                urls = {"first": f"{base}/api/v1/claims/?q={term}&page_size={PAGE}",
                        "later": _later_api_url(base, term, headers)}  # fmt: skip
            else:
                hits = Claim.objects.search(term).count()
                urls = {"first": f"{base}/claims/?q={term}",
                        "later": f"{base}/claims/?q={term}&page={LATER}" if hits > UI_PAGE * LATER else None}  # fmt: skip
            for page, url in urls.items():
                if url is not None:
                    pages[f"{persona}-{page}"] = wrk(url, seconds=seconds, connections=1, headers=headers)
        worst = max(pages, key=lambda key: pages[key]["p50_ms"])
        figures[label] = {
            "term": term,
            "hits": Claim.objects.public().search(term).count(),
            "pages": pages,
            "worst": worst,
            "p50_ms": pages[worst]["p50_ms"],
            "median_of_pages_p50_ms": round(statistics.median(p["p50_ms"] for p in pages.values()), 2),
            "non_2xx": sum(p["non_2xx"] for p in pages.values()),
        }
    # The same pages without a search, in the same run: what any list page costs on this machine.
    figures["unsearched"] = {
        "api-reader-first": wrk(f"{base}/api/v1/claims/?page_size={PAGE}", seconds=seconds, connections=1),
        "ui-reader-first": wrk(
            f"{base}/claims/", seconds=seconds, connections=1, headers=personas["ui-reader"]
        ),
    }
    return figures
