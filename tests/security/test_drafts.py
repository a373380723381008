"""Drafts and claims in review never reach readers who may not see them, on any surface."""

import pytest
from django.urls import reverse

from claims import services, vocab
from claims.models import Actor, Source
from tests.conftest import claim_data, hop
from tests.security.test_permissions import _patterns

pytestmark = pytest.mark.django_db

# Words only the unpublished claims contain, in the statement and in a quote.
DRAFT_WORD, REVIEW_WORD, QUOTE_WORD = "zebrafinch", "quokkarider", "narwhalquote"
# Words of the published claim's past before publication: its first wording, the reason it was
# submitted with, and the notes of its relations to the unpublished claims.
EARLY_WORD, REASON_WORD, NOTE_WORD = "axolotlwording", "pangolinreason", "okapinote"
# What readers must still see: the published claim's relation to another published claim, and its note.
PUBLIC_NOTE = "capybarapublicnote"

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
    ("SIPRI CSV", "/api/v1/claims/sipri.csv", True),
    ("SIPRI CSV search", f"/api/v1/claims/sipri.csv?q={DRAFT_WORD}", True),
    ("STIX list", "/api/v1/claims/stix/", True),
    ("STIX per claim", "/api/v1/claims/{draft}/stix/", True),
    ("STIX of a related claim", "/api/v1/claims/{published}/stix/", True),  # its relationships
    ("Atom", "/feeds/claims.atom", False),
    ("UI list", "/claims/", True),
    ("UI search", f"/claims/?q={DRAFT_WORD}", True),
    ("UI claim page", "/claims/{draft}/", True),
    ("UI claim page in review", "/claims/{review}/", True),
    ("UI page of a related claim", "/claims/{published}/", True),
    ("UI diff", "/claims/{draft}/diff/", True),
    ("UI diff of a related claim", "/claims/{published}/diff/", True),
    ("UI diff from before publication", "/claims/{published}/diff/?from=1&to=2", True),
    ("dashboard", "/", True),
]


def _published_with_a_past(actors, editor, reviewer):
    """A claim first worded and submitted with telltale words, then reworded, assessed and published."""
    claim = services.create_claim(data=claim_data(actors, statement=f"{EARLY_WORD} shells."), by=editor)
    claim = services.update_claim(
        claim_id=claim.pk,
        expected_version=claim.version,
        data=claim_data(actors, statement="Published and public."),
        by=editor,
    )
    services.transition_claim(claim_id=claim.pk, to="in_review", reason=f"{REASON_WORD} ready", by=editor)
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="Plausible."
    )
    services.transition_claim(
        claim_id=claim.pk, to="published", reason="checked", by=reviewer, confirm_unverified_sources=True
    )
    claim.refresh_from_db()
    return claim


@pytest.fixture
def unpublished(make_claim, actors, editor, reviewer):
    """A published claim related to a draft and to a claim in review, each with telltale words."""
    draft = make_claim(
        statement=f"{DRAFT_WORD} shells reached the front.",
        hops=[hop(quote=f"{QUOTE_WORD} testo", source_url="https://internal.example.net/draft-only")],
    )
    review = make_claim(vocab.Status.IN_REVIEW, statement=f"{REVIEW_WORD} rockets were ordered.")
    published = _published_with_a_past(actors, editor, reviewer)
    other_published = make_claim(vocab.Status.PUBLISHED, statement="Another public claim.")
    for other in (draft, review):
        services.add_relation(
            from_claim_id=published.pk,
            to_claim_id=other.pk,
            kind=vocab.RelationKind.CONTEXT,
            independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
            note=f"{NOTE_WORD} internal link",
            by=reviewer,
        )
    services.add_relation(
        from_claim_id=published.pk,
        to_claim_id=other_published.pk,
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        note=PUBLIC_NOTE,
        by=reviewer,
    )
    for claim in (draft, review, published, other_published):
        claim.refresh_from_db()
    return {"draft": draft, "review": review, "published": published, "other_published": other_published}


def secrets_of(claims) -> list[str]:
    return [
        DRAFT_WORD,
        REVIEW_WORD,
        QUOTE_WORD,
        EARLY_WORD,
        REASON_WORD,
        NOTE_WORD,
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
        if "from=1" in url or any(str(c.uuid) in url for c in (unpublished["draft"], unpublished["review"])):
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


# ---------------------------------------------------------------- every route, not only the listed ones


def _bindings(route: str, converters, claims) -> list[dict]:
    """Every way to fill a route's arguments with the world's claims, sources and actors."""
    if not converters:
        return [{}]
    if set(converters) - {"claim_id", "uuid", "relation_id", "pk", "source_id"}:
        return []  # one-time links (password reset) name no claim
    if "relation_id" in converters:
        return []  # relations are only ever removed (POST/DELETE), never read on their own
    if set(converters) & {"claim_id", "uuid"}:
        key = "claim_id" if "claim_id" in converters else "uuid"
        return [{key: claim.uuid} for claim in claims.values()]
    if "actor" in route:
        return [{"pk": pk} for pk in Actor.objects.values_list("pk", flat=True)]
    key = "source_id" if "source_id" in converters else "pk"
    return [{key: pk} for pk in Source.objects.values_list("pk", flat=True)]


def _readable_urls(claims) -> list[str]:
    urls = []
    for name, pattern in sorted(_patterns().items()):
        if name.startswith("admin:") and name != "admin:index":
            continue  # the admin is for staff: readers are sent to its login page (test_permissions)
        for kwargs in _bindings(name, pattern.pattern.converters, claims):
            urls.append(reverse(name, kwargs=kwargs))
    published = claims["published"]
    urls += [f"{reverse('claims:diff', args=[published.uuid])}?from=1&to={published.version}"]
    return urls


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_no_readable_route_shows_readers_an_unpublished_claim_or_a_published_claims_past(
    role, unpublished, browser
):
    client = browser(role)
    leaks = []
    for url in _readable_urls(unpublished):
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert response.status_code < 500, url
        leaks += [
            f"{url}: {secret}" for secret in secrets_of(unpublished) if secret in body and secret not in url
        ]
    assert leaks == []


def test_readers_still_see_the_published_claims_relations_notes_and_versions(unpublished, browser):
    published, other = unpublished["published"], unpublished["other_published"]
    page = browser("viewer").get(reverse("claims:detail", args=[published.uuid])).content.decode()
    assert str(other.uuid) in page and PUBLIC_NOTE in page and "Published and public." in page
    history = browser("anonymous").get(f"/api/v1/claims/{published.uuid}/history/").json()
    assert history and all(entry["claim"]["status"] in ("published", "retracted") for entry in history)
    assert {r["note"] for r in history[0]["claim"]["relations"]} == {PUBLIC_NOTE}
    diff = browser("viewer").get(f"/claims/{published.uuid}/diff/?from=1&to={published.version}")
    assert diff.status_code == 404  # version 1 was a draft
