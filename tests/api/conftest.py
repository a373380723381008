"""API clients for the personas."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims import vocab

# Queries a claim page adds for its documents: on PostgreSQL the page's own query builds them
# (claims.projection.current_document_json); elsewhere the documents, their actors and source health.
DOCUMENT_QUERIES = 0 if connection.vendor == "postgresql" else 3


@pytest.fixture(autouse=True)
def no_throttling(settings):
    # Throttling has its own tests; elsewhere a shared cache must not turn requests into 429s.
    settings.API_THROTTLE_ANON_PER_MINUTE = 0
    settings.API_THROTTLE_USER_PER_MINUTE = 0


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def as_user():
    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def published(make_claim):
    return make_claim(vocab.Status.PUBLISHED)


@pytest.fixture
def draft(make_claim):
    return make_claim(vocab.Status.DRAFT, statement="A draft nobody outside may see.")
