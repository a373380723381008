"""A small world of claims in every status, and clients for each persona on the API and in the browser."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from claims import services, vocab
from claims.models import (
    Actor,
    Assessment,
    Assignment,
    AttributionHop,
    Claim,
    ClaimRelation,
    ClaimVersion,
    Comment,
    PendingRevision,
    RouteStop,
    SavedSearch,
    Source,
    StatusChange,
    Webhook,
)
from claims.tokens import create_api_token
from tests.conftest import claim_data, hop

ROLES = ("anonymous", "viewer", "editor", "reviewer", "admin")
DRAFT_SOURCE_URL = "https://internal.example.net/draft-only"


@pytest.fixture(autouse=True)
def no_throttling(settings):
    # Throttling has its own tests (test_accounts.py); elsewhere a shared cache must not answer 429.
    settings.API_THROTTLE_ANON_PER_MINUTE = 0
    settings.API_THROTTLE_USER_PER_MINUTE = 0


@dataclass
class World:
    published: Claim
    other_published: Claim
    draft: Claim
    someone_elses_draft: Claim
    relation: ClaimRelation
    source: Source
    draft_source: Source
    actor: Actor
    saved_search: SavedSearch
    webhook: Webhook
    revision: PendingRevision


@pytest.fixture
def world(make_claim, actors, editor, other_editor, reviewer) -> World:
    published = make_claim(vocab.Status.PUBLISHED, statement="Published claim.")
    other = make_claim(vocab.Status.PUBLISHED, statement="Another published claim.")
    draft = make_claim(statement="Eddie's draft.", hops=[hop(source_url=DRAFT_SOURCE_URL)])
    elses = make_claim(by=other_editor, statement="Edna's draft.")
    relation = services.add_relation(
        from_claim_id=published.pk,
        to_claim_id=other.pk,
        kind=vocab.RelationKind.CONTEXT,
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        by=reviewer,  # a relation between two published claims is a reviewer's act
    )
    for claim in (published, other, draft, elses):
        claim.refresh_from_db()  # the relation gave two of them a new version
    # Eddie's suggested edit of the published claim, waiting for a reviewer.
    revision = services.propose_revision(
        claim=published,
        data=claim_data(actors, statement="Eddie's suggested wording."),
        by=editor,
        base_version=published.version,
    )
    return World(
        published=published,
        other_published=other,
        draft=draft,
        someone_elses_draft=elses,
        relation=relation,
        source=Source.objects.exclude(url=DRAFT_SOURCE_URL).get(),
        draft_source=Source.objects.get(url=DRAFT_SOURCE_URL),
        actor=actors["KP"],
        saved_search=services.save_search(name="Eddie's search", query="recipient=RU", by=editor),
        # A public address given as a literal: the guard accepts it with no DNS look-up.
        webhook=Webhook.objects.create(
            owner=reviewer, url="https://93.184.216.34/hook", event_types=["published"], secret="s"
        ),
        revision=revision,
    )


@pytest.fixture
def personas(viewer, editor, reviewer, admin_user) -> dict[str, User | None]:
    return {"anonymous": None, "viewer": viewer, "editor": editor, "reviewer": reviewer, "admin": admin_user}


@pytest.fixture
def api_client(personas):
    """An API client for a role, authenticated the way outside tools are: a Bearer token."""
    tokens: dict[str, str] = {}

    def client_for(role: str) -> APIClient:
        client = APIClient()
        user = personas[role]
        if user is not None:
            if role not in tokens:
                tokens[role] = create_api_token(user=user, name="security-tests")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[role]}")
        return client

    return client_for


@pytest.fixture
def browser(personas):
    """A browser session for a role (logged in, or not)."""

    def client_for(role: str) -> Client:
        client = Client()
        if personas[role] is not None:
            client.force_login(personas[role])
        return client

    return client_for


WRITABLE = (
    Claim,
    Webhook,
    ClaimRelation,
    Actor,
    Source,
    Assessment,
    AttributionHop,
    ClaimVersion,
    RouteStop,
    StatusChange,
    Comment,
    Assignment,
    SavedSearch,
    PendingRevision,
)


def state() -> tuple:
    """Everything a write could change: row counts, each claim's version and status, source leases."""
    return (
        tuple(model.objects.count() for model in WRITABLE),
        tuple(Claim.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(Source.objects.order_by("pk").values_list("pk", "lease_token")),
        tuple(PendingRevision.objects.order_by("pk").values_list("pk", "state")),
    )
