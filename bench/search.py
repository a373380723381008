"""Full-text search (GIN) against an icontains baseline over the same fields, same terms, same run."""

from django.db import connection
from django.db.models import Q

from bench.generate import BROAD, MEDIUM, SELECTIVE
from bench.measure import ratio, time_calls
from claims.models import Claim

PAGE = 50
TERMS = {"selective": SELECTIVE, "medium": MEDIUM, "broad": BROAD}


def ours(term: str):
    return Claim.objects.public().search(term).order_by("-updated_at", "-id")[:PAGE]


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
    sql, params = queryset.values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def run(*, repeat: int) -> tuple[dict, dict[str, str]]:
    figures, plans = {}, {}
    for label, term in TERMS.items():
        hits = Claim.objects.public().search(term).count()
        mine = time_calls(lambda term=term: list(ours(term).values_list("id")), repeat=repeat)
        theirs = time_calls(lambda term=term: list(naive(term).values_list("id")), repeat=max(3, repeat // 4))
        figures[label] = {
            "term": term,
            "hits": hits,
            "fulltext": mine,
            "icontains": theirs,
            "speedup": ratio(theirs["p50_ms"], mine["p50_ms"]),
        }
        plans[f"search-{label}-fulltext"] = explain(ours(term))
        plans[f"search-{label}-icontains"] = explain(naive(term))
    return figures, plans
