"""Accounts and transport: login lockout, API throttles, CSRF, CSP on every page, production cookies and HSTS.

`manage.py check --deploy` with production settings is proven by
tests/test_settings.py::test_deploy_check_is_clean_with_production_settings.
"""

import contextlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim
from claims.tokens import create_api_token
from tests.api.test_writes import payload
from tests.security.conftest import state
from tests.security.test_permissions import UI_MATRIX, _patterns, _target_kwargs, _ui_body
from tests.test_settings import PRODUCTION

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user


def attempt(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# ---------------------------------------------------------------- brute force


def test_five_wrong_passwords_lock_the_account_from_that_address_with_a_clear_429(editor):
    client = Client()
    for _ in range(4):
        assert attempt(client, "eddie", "guess").status_code == 200  # the form again, with its error
    assert attempt(client, "eddie", "guess").status_code == 429  # the fifth failure locks
    locked = attempt(client, "eddie", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many sign-in attempts" in page and "_auth_user_id" not in client.session
    assert "script-src 'self'" in locked["Content-Security-Policy"]


def test_the_lockout_is_per_username_and_address(editor, other_editor):
    client = Client()
    for _ in range(5):
        attempt(client, "eddie", "guess")
    assert attempt(Client(), "eddie", PASSWORD, address="198.51.100.7").status_code == 302
    assert attempt(Client(), "edna", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(editor):
    client = Client()
    for _ in range(5):
        attempt(client, "eddie", "guess")
    assert attempt(client, "eddie", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "eddie", PASSWORD).status_code == 302


def test_a_locked_out_browser_login_leaves_tokens_and_existing_sessions_working(editor, make_claim):
    draft = make_claim()
    token = create_api_token(user=editor, name="newsroom")
    session = Client()
    session.force_login(editor)
    for _ in range(6):
        attempt(Client(), "eddie", "guess")
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.get(f"/api/v1/claims/{draft.uuid}/").status_code == 200
    assert session.get(f"/claims/{draft.uuid}/").status_code == 200


# ---------------------------------------------------------------- throttles
# Also tests/api/test_schema_and_errors.py::test_anonymous_clients_are_throttled_with_retry_after


@pytest.fixture
def throttled(settings, request):
    # Its own local-memory cache: budgets spent by earlier tests (same address) must not count here.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    settings.API_THROTTLE_ANON_PER_MINUTE = 2
    settings.API_THROTTLE_USER_PER_MINUTE = 3


@pytest.mark.parametrize("who, budget", [("anonymous", 2), ("token", 3)])
def test_api_clients_over_their_budget_get_429_with_retry_after(throttled, editor, who, budget):
    client = APIClient()
    if who == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=editor, name='t')}")
    answers = [client.get("/api/v1/feed/").status_code for _ in range(budget + 1)]
    assert answers == [200] * budget + [429]
    response = client.get("/api/v1/feed/")
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_budget(throttled, editor, reviewer):
    clients = []
    for user in (editor, reviewer):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t')}")
        clients.append(client)
    for _ in range(3):
        clients[0].get("/api/v1/feed/")
    assert clients[0].get("/api/v1/feed/").status_code == 429
    assert clients[1].get("/api/v1/feed/").status_code == 200


@pytest.fixture
def proxies(settings):
    def trust(hops: int) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": hops}

    return trust


def feed_from(address: str, forwarded_for: str | None = None) -> int:
    headers = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return APIClient().get("/api/v1/feed/", **headers).status_code


ATTACKER, VICTIM, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.1"


def test_a_fresh_x_forwarded_for_per_request_does_not_escape_the_anonymous_limit(throttled, proxies):
    proxies(0)
    answers = [feed_from(ATTACKER, f"192.0.2.{n}") for n in range(1, 5)]
    assert answers == [200, 200, 429, 429]


def test_a_victims_address_in_x_forwarded_for_leaves_the_victims_budget_alone(throttled, proxies):
    proxies(0)
    assert [feed_from(ATTACKER, VICTIM) for _ in range(3)] == [200, 200, 429]
    assert [feed_from(VICTIM) for _ in range(2)] == [200, 200]


def test_behind_one_proxy_the_address_it_appended_is_the_one_counted(throttled, proxies):
    proxies(1)
    # The client wrote the first entries; the proxy (the peer) appended the client's real address.
    spoofed = [feed_from(PROXY, f"192.0.2.{n}, {ATTACKER}") for n in range(1, 4)]
    assert spoofed == [200, 200, 429]
    assert [feed_from(PROXY, f"{VICTIM}, {ATTACKER}")] == [429]  # naming the victim changes nothing
    assert [feed_from(PROXY, VICTIM) for _ in range(2)] == [200, 200]


@pytest.mark.slow
@pytest.mark.parametrize("behind_proxy, hops", [("0", 0), ("1", 1), (None, 0)])
def test_the_proxy_hops_trusted_come_from_django_behind_proxy(tmp_path, behind_proxy, hops):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_BEHIND_PROXY"}
    if behind_proxy is not None:
        env["DJANGO_BEHIND_PROXY"] = behind_proxy
    env.update(DJANGO_SETTINGS_MODULE="tracker.settings", TRACKER_VAR_DIR=str(tmp_path))
    probe = "from django.conf import settings; print(settings.REST_FRAMEWORK['NUM_PROXIES'])"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == str(hops)


# ---------------------------------------------------------------- CSRF


def test_every_ui_form_post_without_a_csrf_token_is_refused(world, actors, editor, reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    for row in [row for row in UI_MATRIX if row.method == "POST"]:
        url = reverse(row.route, kwargs=_target_kwargs(row, world, api=False))
        before = state()
        response = client.post(url, _ui_body(row, world, actors))
        assert response.status_code == 403, (url, response.status_code)
        assert state() == before, url


def test_session_writes_to_the_api_need_the_csrf_token(editor, actors):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    refused = client.post("/api/v1/claims/", payload(actors), format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert Claim.objects.count() == 0
    token = client.get(LOGIN).cookies["csrftoken"].value
    accepted = client.post("/api/v1/claims/", payload(actors), format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_bearer_token_writes_need_no_csrf_token(editor, actors):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=editor, name='t')}")
    assert client.post("/api/v1/claims/", payload(actors), format="json").status_code == 201


# ---------------------------------------------------------------- Content-Security-Policy


SAMPLE_KWARGS = {"uuid", "relation_id"}


def html_pages(world) -> list[tuple[str, str]]:
    """(who, url) for every URL pattern that serves pages and needs no id we cannot supply."""
    pages = []
    for name, pattern in _patterns().items():
        if name.startswith("api:") or name in ("claims-atom",):
            continue
        converters = set(pattern.pattern.converters)
        if name.startswith("admin:"):
            with contextlib.suppress(NoReverseMatch):  # unless it needs an object id
                pages.append(("admin", reverse(name)))
            continue
        if converters - SAMPLE_KWARGS:
            continue
        kwargs = {"uuid": world.published.uuid, "relation_id": world.relation.pk}
        pages.append(("reviewer", reverse(name, kwargs={k: kwargs[k] for k in converters})))
    return pages


def test_every_html_page_sends_a_csp_without_unsafe_inline_scripts(world, browser, outsider):
    pages = html_pages(world)
    pages += [("anonymous", LOGIN), ("anonymous", "/no-such-page/"), ("outsider", "/")]
    clients = {role: browser(role) for role in ("reviewer", "admin", "anonymous")}
    clients["outsider"] = Client()
    clients["outsider"].force_login(outsider)  # the 403 page
    html_seen = 0
    for who, url in pages:
        response = clients[who].get(url)
        assert response.status_code != 500, url
        if not response.get("Content-Type", "").startswith("text/html") or not response.content:
            continue
        html_seen += 1
        policy = response.get("Content-Security-Policy", "")
        directives = dict([*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip())
        assert "'self'" in directives.get("script-src", ""), (url, policy)
        assert "unsafe-inline" not in directives["script-src"], url
        assert "unsafe-eval" not in directives["script-src"], url
    assert html_seen >= 20, html_seen


# ---------------------------------------------------------------- production cookies and HSTS

PROBE = """
import django
django.setup()
from django.conf import settings
# The manifest needs collectstatic, which has nothing to do with cookies and headers.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# No database here; the cookie's flags come from SESSION_COOKIE_*, whatever stores the session.
settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="claims.example.org")
print("redirect", plain.status_code, plain.get("Location"))
secure = client.get("/accounts/login/", HTTP_HOST="claims.example.org", secure=True)
print("hsts", secure.get("Strict-Transport-Security"))
csrf = secure.cookies["csrftoken"]
print("csrf", bool(csrf["secure"]), csrf["samesite"])
request = RequestFactory().get("/", HTTP_HOST="claims.example.org", secure=True)
middleware = SessionMiddleware(lambda r: HttpResponse())
middleware.process_request(request)
request.session["x"] = 1
session = middleware.process_response(request, HttpResponse()).cookies["sessionid"]
print("session", bool(session["secure"]), bool(session["httponly"]), session["samesite"])
"""


@pytest.mark.slow
def test_production_settings_send_secure_cookies_hsts_and_redirect_to_https(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="tracker.settings", TRACKER_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["redirect"] == "301 https://claims.example.org/accounts/login/"
    assert lines["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["csrf"] == "True Lax"
    assert lines["session"] == "True True Lax"
