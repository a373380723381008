"""What readers must not learn: staff usernames, actors that only drafts use, and a live reset form."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client

from claims import services, vocab
from claims.models import Actor
from tests.conftest import hop

pytestmark = pytest.mark.django_db

# Distinctive usernames, so that their absence from a page means something.
EDITOR_NAME, REVIEWER_NAME = "eddie-staff-7f3", "rita-staff-9k2"


@pytest.fixture
def staffed_claim(make_claim, editor, reviewer):
    User.objects.filter(pk=editor.pk).update(username=EDITOR_NAME)
    User.objects.filter(pk=reviewer.pk).update(username=REVIEWER_NAME)
    editor.refresh_from_db()
    reviewer.refresh_from_db()
    claim = make_claim(vocab.Status.PUBLISHED)
    return claim


# ---------------------------------------------------------------- who changed a claim


def test_readers_see_roles_not_usernames_in_the_api_history(staffed_claim, api_client):
    for role in ("anonymous", "viewer"):
        response = api_client(role).get(f"/api/v1/claims/{staffed_claim.uuid}/history/")
        assert response.status_code == 200
        # Readers get only the versions that were public: the publication, by a reviewer.
        assert {entry["changed_by"] for entry in response.json()} == {"reviewer"}, role
        assert EDITOR_NAME.encode() not in response.content and REVIEWER_NAME.encode() not in response.content


def test_editorial_roles_still_see_usernames_in_the_api_history(staffed_claim, api_client):
    for role in ("editor", "reviewer", "admin"):
        history = api_client(role).get(f"/api/v1/claims/{staffed_claim.uuid}/history/").json()
        assert {entry["changed_by"] for entry in history} == {EDITOR_NAME, REVIEWER_NAME}, role


def test_viewers_see_roles_not_usernames_on_the_claim_page_its_diff_and_the_dashboard(staffed_claim, browser):
    viewer, editor = browser("viewer"), browser("editor")
    for url in ["/", f"/claims/{staffed_claim.uuid}/", f"/claims/{staffed_claim.uuid}/diff/"]:
        page = viewer.get(url).content.decode()
        assert EDITOR_NAME not in page and REVIEWER_NAME not in page, url
        assert re.search(r"\b(editor|reviewer)\b", page), url
        assert EDITOR_NAME in editor.get(url).content.decode(), url
    detail = viewer.get(f"/claims/{staffed_claim.uuid}/").content.decode()
    assert "reviewer, " in detail  # the assessment and the publication are signed by a role


# ---------------------------------------------------------------- actors only drafts use


@pytest.fixture
def secret_actors(make_claim, actors) -> dict[str, Actor]:
    """Actors named only by a draft, in every role, and the ones that must stay visible."""

    def actor(name: str, **extra) -> Actor:
        return Actor.objects.create(name=name, kind=vocab.ActorKind.COMPANY, **extra)

    ministry = actor("Draft-only Ministry Parent")
    made = {
        "supplier": actor("Draft-only Supplier Co"),
        "participant": actor("Draft-only Participant"),
        "speaker": actor("Draft-only Speaker", parent=ministry),
        "affiliation": actor("Draft-only Affiliation"),
        "in_review": actor("In-review-only Recipient"),
        "both": actor("Both Draft And Public Co"),
        "unused": actor("Unused Reference Actor"),
        "parent_of_public": actor("Parent Of Public Speaker"),
        "ministry": ministry,
    }
    made["public_child"] = actor("Public Speaker", parent=made["parent_of_public"])
    make_claim(
        statement="A draft naming new actors.",
        supplier_id=made["supplier"].pk,
        hops=[hop(0, speaker_id=made["speaker"].pk, affiliation_id=made["affiliation"].pk)],
    )
    make_claim(
        kind=vocab.ClaimKind.DIPLOMATIC_EVENT,
        supplier_id=None,
        recipient_id=None,
        item_category="",
        stage="",
        participant_ids=[made["participant"].pk, made["both"].pk, actors["KP"].pk],
        place="Vladivostok",
    )
    make_claim(vocab.Status.IN_REVIEW, recipient_id=made["in_review"].pk)
    make_claim(vocab.Status.PUBLISHED, supplier_id=made["both"].pk)
    make_claim(vocab.Status.PUBLISHED, hops=[hop(0, speaker_id=made["public_child"].pk)])
    return made


HIDDEN = ("supplier", "participant", "speaker", "affiliation", "in_review", "ministry")
SHOWN = ("both", "unused", "parent_of_public", "public_child")


def api_actor_names(client) -> set[str]:
    names, url = set(), "/api/v1/actors/?page_size=500"
    while url:
        page = client.get(url).json()
        names |= {actor["name"] for actor in page["results"]}
        url = page["next"]
    return names


def test_readers_do_not_see_actors_that_only_unpublished_claims_use(secret_actors, api_client, browser):
    hidden = {secret_actors[key].name for key in HIDDEN}
    shown = {secret_actors[key].name for key in SHOWN}
    for role in ("anonymous", "viewer"):
        names = api_actor_names(api_client(role))
        assert not names & hidden, role
        assert shown <= names, role
        for key in HIDDEN:
            assert api_client(role).get(f"/api/v1/actors/{secret_actors[key].pk}/").status_code == 404
    viewer = browser("viewer")
    for name in hidden | shown:
        found = {actor["name"] for actor in viewer.get("/actors/search/", {"q": name}).json()["results"]}
        assert (name in found) == (name in shown), name
    claim_list = viewer.get("/claims/").content.decode()
    assert not [name for name in hidden if name in claim_list]
    assert secret_actors["both"].name in claim_list


def test_editorial_roles_see_every_actor(secret_actors, api_client, browser):
    everyone = {actor.name for actor in secret_actors.values()}
    for role in ("editor", "reviewer", "admin"):
        assert everyone <= api_actor_names(api_client(role)), role
    editor = browser("editor")
    for name in everyone:
        assert name in {
            actor["name"] for actor in editor.get("/actors/search/", {"q": name}).json()["results"]
        }


def test_an_actor_appears_to_readers_once_a_claim_using_it_is_published(
    secret_actors, make_claim, api_client, reviewer
):
    claim = make_claim(vocab.Status.IN_REVIEW, supplier_id=secret_actors["supplier"].pk)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="Ok.")
    services.transition_claim(
        claim_id=claim.pk,
        to=vocab.Status.PUBLISHED,
        reason="checked",
        by=reviewer,
        confirm_unverified_sources=True,
    )
    assert secret_actors["supplier"].name in api_actor_names(api_client("anonymous"))


# ---------------------------------------------------------------- password reset

RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
]


def test_password_reset_is_off_without_a_mail_server(settings, editor):
    settings.EMAIL_HOST = ""
    client = Client()
    for url in RESET_URLS:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"email": "eddie@example.org"}).status_code == 404, url
    assert b"password_reset" not in client.get("/accounts/login/").content
    assert mail.outbox == []


@pytest.fixture
def mail_configured(settings, request):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Its own cache: budgets spent by other tests must not count here.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    # A locmem cache lives as long as the process: a second pytest run in it (mutmut runs many) would
    # find the budgets this test spent last time.
    cache.clear()


def ask_reset(email: str, address: str = "203.0.113.5", forwarded_for: str = "") -> int:
    headers = {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    headers.setdefault("REMOTE_ADDR", address)
    return Client().post("/accounts/password_reset/", {"email": email}, **headers).status_code


def test_password_reset_with_mail_configured_sends_the_link(mail_configured, editor):
    User.objects.filter(pk=editor.pk).update(email="eddie@example.org")
    assert b"/accounts/password_reset/" in Client().get("/accounts/login/").content
    assert ask_reset("eddie@example.org") == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_password_reset_requests_are_limited_per_client_and_per_address(mail_configured, editor):
    User.objects.filter(pk=editor.pk).update(email="eddie@example.org")
    # Five an hour from one client, whatever X-Forwarded-For says.
    answers = [ask_reset(f"someone{n}@example.org", forwarded_for=f"192.0.2.{n}") for n in range(6)]
    assert answers == [302] * 5 + [429]
    # Five an hour for one address, whichever client asks.
    answers = [ask_reset("eddie@example.org", address=f"198.51.100.{n}") for n in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5  # only existing accounts get mail, and none past the limit
    refused = Client().post("/accounts/password_reset/", {"email": "eddie@example.org"})
    assert refused.status_code == 429 and b"Too many password reset requests" in refused.content
    assert ask_reset("other@example.org", address="198.51.100.99") == 302
