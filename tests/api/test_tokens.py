from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.models import ApiToken

pytestmark = pytest.mark.django_db


def create_token(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_create_api_token_prints_only_the_token_and_stores_its_digest(editor):
    printed = create_token("eddie", "--name", "newsroom-dashboard")
    token = printed.strip()
    assert printed == token + "\n" and len(token) == 64 and token.isalnum()
    stored = AuthToken.objects.get(user=editor)
    assert token not in (stored.digest, stored.token_key) and stored.expiry is None
    assert ApiToken.objects.get(user=editor).name == "newsroom-dashboard"


def test_bearer_token_authenticates_writes_and_draft_reads(editor, make_claim):
    draft = make_claim()
    client = bearer(create_token("eddie").strip())
    assert client.get(f"/api/v1/claims/{draft.uuid}/").status_code == 200
    response = client.post(f"/api/v1/claims/{draft.uuid}/transitions/", {"to": "in_review", "reason": "ok"})
    assert response.status_code == 201


def test_wrong_token_is_401_json(db):
    response = bearer("0" * 64).get("/api/v1/claims/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_old_token_keyword_is_not_accepted_for_writes(editor, make_claim):
    token = create_token("eddie").strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/claims/", {}, format="json").status_code == 401


def test_revoked_token_stops_working(editor):
    client = bearer(create_token("eddie", "--name", "bot").strip())
    call_command("revoke_api_token", "eddie", "--name", "bot", stderr=StringIO())
    assert client.get("/api/v1/claims/").status_code == 401
    assert not ApiToken.objects.exists()


def test_expired_token_stops_working(editor):
    client = bearer(create_token("eddie", "--expires-days", "1").strip())
    AuthToken.objects.update(expiry=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get("/api/v1/claims/").status_code == 401


def test_token_names_are_unique_per_user_and_bad_input_is_refused(editor):
    create_token("eddie", "--name", "bot")
    for args in (["eddie", "--name", "bot"], ["nobody"], ["eddie", "--name", "x", "--expires-days", "0"]):
        with pytest.raises(CommandError):
            create_token(*args)
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "eddie", "--name", "missing", stderr=StringIO())
    assert AuthToken.objects.count() == 1


def test_session_login_still_works_for_the_browser_with_csrf(client, editor, actors):
    client.force_login(editor)
    assert client.get("/api/v1/claims/").status_code == 200
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    assert csrf_client.post("/api/v1/claims/", {}, format="json").status_code == 403
