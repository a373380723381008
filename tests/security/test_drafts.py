"""Drafts and claims in review never reach readers who may not see them, on any surface."""

import pytest

from claims import services, vocab
from tests.conftest import hop

pytestmark = pytest.mark.django_db

# Words only the unpublished claims contain, in the statement and in a quote.
DRAFT_WORD, REVIEW_WORD, QUOTE_WORD = "zebrafinch", "quokkarider", "narwhalquote"

# Every surface that lists, searches, exports or shows claims. {draft}, {review} and {published} are uuids.
# The last column says whether editors see the unpublished claims there (the control that proves the
# surface would show them); the feed and Atom carry published claims only, to everyone (editors see the
# feed's relations to drafts).
SURFACES = [
    # surface                 url                                            editors see drafts
    ("API list", "/api/v1/claims/", True),
    ("API search", f"/api/v1/claims/?q={DRAFT_WORD}", True),
    ("API search (quote)", f"/api/v1/claims/?q={QUOTE_WORD}", True),
    ("API detail", "/api/v1/claims/{draft}/", True),
    ("API detail in review", "/api/v1/claims/{review}/", True),
    ("API detail of a related claim", "/api/v1/claims/{published}/", True),
    ("API history", "/api/v1/claims/{draft}/history/", True),
    ("API history of a related claim", "/api/v1/claims/{published}/history/", True),
    ("API assessments", "/api/v1/claims/{review}/assessments/", False),
    ("API sources", "/api/v1/sources/", True),
    ("feed", "/api/v1/feed/", True),
    ("CSV", "/api/v1/claims/csv/", True),
    ("CSV search", f"/api/v1/claims/csv/?q={DRAFT_WORD}", True),
    ("STIX list", "/api/v1/claims/stix/", True),
    ("STIX per claim", "/api/v1/claims/{draft}/stix/", True),
    ("STIX of a related claim", "/api/v1/claims/{published}/stix/", False),
    ("Atom", "/feeds/claims.atom", False),
    ("UI list", "/claims/", True),
    ("UI search", f"/claims/?q={DRAFT_WORD}", True),
    ("UI claim page", "/claims/{draft}/", True),
    ("UI claim page in review", "/claims/{review}/", True),
    ("UI page of a related claim", "/claims/{published}/", True),
    ("UI diff", "/claims/{draft}/diff/", True),
    ("dashboard", "/", True),
]


@pytest.fixture
def unpublished(make_claim, editor):
    """A published claim related to a draft and to a claim in review, each with telltale words."""
    draft = make_claim(
        statement=f"{DRAFT_WORD} shells reached the front.",
        hops=[hop(quote=f"{QUOTE_WORD} testo", source_url="https://internal.example.net/draft-only")],
    )
    review = make_claim(vocab.Status.IN_REVIEW, statement=f"{REVIEW_WORD} rockets were ordered.")
    published = make_claim(vocab.Status.PUBLISHED, statement="Published and public.")
    for other in (draft, review):
        services.add_relation(
            from_claim_id=published.pk,
            to_claim_id=other.pk,
            kind=vocab.RelationKind.CONTEXT,
            independence=vocab.Independence.INDEPENDENT,
            by=editor,
        )
    return {"draft": draft, "review": review, "published": published}


def secrets_of(claims) -> list[str]:
    return [
        DRAFT_WORD,
        REVIEW_WORD,
        QUOTE_WORD,
        "internal.example.net",
        str(claims["draft"].uuid),
        str(claims["review"].uuid),
    ]


def fetch(client, url: str, claims) -> tuple[str, int, str]:
    url = url.format(**{name: claim.uuid for name, claim in claims.items()})
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return url, response.status_code, body.decode()


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_readers_without_the_right_never_see_an_unpublished_claim_anywhere(role, unpublished, browser):
    client = browser(role)
    leaks = []
    for surface, url, _ in SURFACES:
        url, status, body = fetch(client, url, unpublished)
        if any(str(claim.uuid) in url for claim in (unpublished["draft"], unpublished["review"])):
            assert status in (302, 404), (surface, status)  # 302: anonymous visitors go to the login page
        else:
            assert status in (200, 302), (surface, status)
        # What the reader typed (the URL, a search word) is echoed back; anything else would be a leak.
        leaks += [
            f"{surface}: {secret}"
            for secret in secrets_of(unpublished)
            if secret in body and secret not in url
        ]
    assert leaks == []


@pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
def test_editorial_roles_see_unpublished_claims_where_the_surface_shows_them(role, unpublished, browser):
    client = browser(role)
    missing = []
    for surface, url, editors_see in SURFACES:
        url, status, body = fetch(client, url, unpublished)
        assert status == 200, (surface, status)
        shown = any(secret in body for secret in secrets_of(unpublished) if secret not in url)
        if shown != editors_see:
            missing.append(f"{surface}: {'shown' if shown else 'not shown'}")
    assert missing == []
