"""A suggested edit of a published claim reaches no reader, on any surface, until a reviewer approves it."""

import pytest
from django.urls import reverse

from claims import services, vocab
from tests.conftest import claim_data, hop

pytestmark = pytest.mark.django_db

# Words only the suggestion contains: in its statement, a quote, and a source it would add.
SUGGESTED_WORD, QUOTE_WORD, SOURCE_HOST = "wombatwording", "tapirquote", "suggested-only.example.net"


def surfaces(published) -> list[tuple[str, str]]:
    """Every surface that shows, lists, searches, exports or streams the published claim."""
    return [
        ("API list", "/api/v1/claims/"),
        ("API search", f"/api/v1/claims/?q={SUGGESTED_WORD}"),
        ("API detail", "/api/v1/claims/{published}/"),
        ("API history", "/api/v1/claims/{published}/history/"),
        ("API sources", "/api/v1/sources/"),
        ("feed", "/api/v1/feed/"),
        ("CSV", "/api/v1/claims/csv/"),
        ("STIX list", "/api/v1/claims/stix/"),
        ("STIX per claim", "/api/v1/claims/{published}/stix/"),
        ("TAXII objects", reverse("taxii:objects", kwargs={"collection_id": "claims"})),
        ("MISP manifest", reverse("misp:manifest")),
        ("MISP event", reverse("misp:event", kwargs={"event_uuid": published.uuid})),
        ("Atom", "/feeds/claims.atom"),
        ("UI list", "/claims/"),
        ("UI search", f"/claims/?q={SUGGESTED_WORD}"),
        ("UI claim page", "/claims/{published}/"),
        ("UI diff", "/claims/{published}/diff/"),
        ("UI sources", reverse("claims:sources")),
        ("dashboard", "/"),
    ]


@pytest.fixture
def suggested(make_claim, actors, editor):
    published = make_claim(vocab.Status.PUBLISHED, statement="The public wording.")
    revision = services.propose_revision(
        claim=published,
        data=claim_data(
            actors,
            statement=f"{SUGGESTED_WORD} shells reached the front.",
            hops=[hop(quote=f"{QUOTE_WORD} testo", source_url=f"https://{SOURCE_HOST}/a")],
        ),
        by=editor,
        base_version=published.version,
    )
    return {"published": published, "revision": revision}


SECRETS = (SUGGESTED_WORD, QUOTE_WORD, SOURCE_HOST)


def fetch(client, url: str, published) -> tuple[str, int, str]:
    url = url.format(published=published.uuid)
    taxii = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"} if "taxii" in url else {}
    response = client.get(url, **taxii)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return url, response.status_code, body.decode()


def _leaks(client, suggested) -> list[str]:
    leaks = []
    for surface, url in surfaces(suggested["published"]):
        url, status, body = fetch(client, url, suggested["published"])
        assert status in (200, 302), (surface, status)
        leaks += [f"{surface}: {secret}" for secret in SECRETS if secret in body and secret not in url]
    return leaks


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_readers_never_see_a_pending_suggestion_anywhere(role, suggested, browser):
    assert _leaks(browser(role), suggested) == []


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_readers_get_404_for_the_suggestion_itself(role, suggested, browser, api_client):
    claim, revision = suggested["published"].uuid, suggested["revision"].pk
    assert api_client(role).get(f"/api/v1/claims/{claim}/revisions/").status_code == 404
    assert api_client(role).get(f"/api/v1/claims/{claim}/revisions/{revision}/").status_code == 404
    page = browser(role).get(f"/claims/{claim}/revisions/{revision}/")
    assert page.status_code in (302, 404)  # anonymous visitors are sent to log in first


def test_even_editors_find_the_suggestion_only_on_its_own_pages_not_in_the_public_record(suggested, browser):
    """The control: the surfaces above would show it if it had been applied (see the next test)."""
    leaks = _leaks(browser("editor"), suggested)
    assert leaks == []
    claim, revision = suggested["published"].uuid, suggested["revision"].pk
    assert SUGGESTED_WORD in browser("editor").get(f"/claims/{claim}/revisions/{revision}/").content.decode()


def test_once_approved_the_public_surfaces_show_it(suggested, browser, reviewer):
    services.approve_revision(revision=suggested["revision"], by=reviewer)
    client = browser("anonymous")
    for surface, url in [("feed", "/api/v1/feed/"), ("API detail", "/api/v1/claims/{published}/")]:
        _url, status, body = fetch(client, url, suggested["published"])
        assert status == 200 and SUGGESTED_WORD in body, surface
