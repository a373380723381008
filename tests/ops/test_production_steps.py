"""The README's production steps, run literally from a fresh clone: PostgreSQL, Redis or RabbitMQ, gunicorn,
two Celery workers and beat; then an editor and a reviewer take a claim to the feed."""

import os
import re
import secrets
import socket
import subprocess
from contextlib import closing

import httpx
import psycopg
import pytest
from django.db import connection

from tests.ops.checkout import clone_head
from tests.ops.production import Browser, production_env, run_production_steps, stop_all
from tests.reliability.stack import RedisServer, free_port, wait_until
from tests.sources.site import Page, article

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the production steps name PostgreSQL: CI runs this in its PostgreSQL pass",
    ),
]
QUOTE = "Pyongyang ha già spedito quantità limitate di munizioni verso la Russia."
PASSWORD = "a-long-production-password-1"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """One fresh clone for both brokers: the second run's migrate and collectstatic find nothing to do."""
    return clone_head(tmp_path_factory.mktemp("production") / "clone")


@pytest.fixture(scope="module")
def database(django_db_setup):
    """An empty PostgreSQL database of these tests' own, beside the suite's."""
    server = connection.settings_dict
    name = f"{server['NAME']}_prod"  # test_<suite's database>_prod: unique per suite run
    admin = f"host={server['HOST']} port={server['PORT']} user={server['USER']} dbname=postgres"
    with closing(psycopg.connect(admin, autocommit=True)) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}/{name}"
    with closing(psycopg.connect(admin, autocommit=True)) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis():
    server = RedisServer()  # a private one: no other test's messages in its queues
    server.start()
    yield server
    server.stop()


def rabbitmq_answers() -> bool:
    try:
        with closing(socket.create_connection(("127.0.0.1", 5672), timeout=1)):
            return True
    except OSError:
        return False


def test_the_production_steps_serve_the_app_with_redis_as_the_broker(
    tmp_path, site, checkout, database, redis
):
    cache = redis.url.removesuffix("/0") + "/1"
    exercise_production_steps(tmp_path, site, checkout, database, broker=redis.url, cache=cache)


def test_the_production_steps_serve_the_app_with_rabbitmq_as_the_broker(
    tmp_path, site, checkout, database, redis
):
    if not rabbitmq_answers():
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ is not running: .ci/run starts it")
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672 (rabbitmq-server -detached starts it)")
    cache = redis.url.removesuffix("/0") + "/1"  # politeness still needs a shared cache
    exercise_production_steps(tmp_path, site, checkout, database, broker=RABBITMQ, cache=cache)


def exercise_production_steps(tmp_path, site, checkout, database, *, broker: str, cache: str) -> None:
    site.pages["/2023/09/05/kim"] = Page(body=article(QUOTE))
    port = free_port()
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_BEHIND_PROXY": "1",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": cache,
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port),
    }
    # Test-only: the re-checker may fetch the local site, without waiting between requests.
    extra = {"SOURCE_FETCH_ALLOWLIST": site.host_port, "SOURCE_MIN_INTERVAL_SECONDS": "0"}
    servers = run_production_steps(checkout, values, tmp_path / "logs", **extra)
    try:
        # Accounts and actors as the admin would make them; then tokens by the README's command.
        accounts = manage(checkout, values, extra, "shell", "-c", ACCOUNTS)
        actors = dict(re.findall(r"(kp|ru)=(\d+)", accounts))
        token_name = f"production-test-{broker.split(':')[0]}"
        tokens = {
            user: manage(checkout, values, extra, "create_api_token", user, "--name", token_name).strip()
            for user in ("editor", "reviewer")
        }
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_until(lambda: answers(browser), timeout=60, interval=0.5, what="gunicorn to answer")
        walk_a_claim_to_the_feed(browser, tokens, actors, site)
        for server in servers:
            assert server.poll() is None, f"{server.args} exited: {logs(tmp_path)}"
        # Beat's first dispatch comes a minute after it starts; its schedule file shows it is running.
        assert list((tmp_path / "var").glob("celerybeat-schedule*")), logs(tmp_path)
    finally:
        stop_all(servers)


ACCOUNTS = f"""
PASSWORD = {PASSWORD!r}
from django.contrib.auth.models import Group, User
from claims import services
from claims.models import Actor
for name in ("editor", "reviewer"):
    if not User.objects.filter(username=name).exists():
        user = User.objects.create_user(name, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=name))
by = User.objects.get(username="editor")
kp = Actor.objects.filter(country="KP").first() or services.create_actor(
    name="North Korea", kind="state", country="KP", by=by)
ru = Actor.objects.filter(country="RU").first() or services.create_actor(
    name="Russia", kind="state", country="RU", by=by)
print(f"kp={{kp.pk}} ru={{ru.pk}}")
"""


def manage(checkout, values, extra, *args: str) -> str:
    done = subprocess.run(
        ["python", "manage.py", *args], cwd=checkout, env=production_env(values, **extra),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def answers(browser: Browser) -> bool:
    try:
        return browser.request("GET", "/accounts/login/").status_code in {200, 500}
    except httpx.HTTPError:  # not up yet
        return False


def logs(tmp_path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()[-2000:]}" for p in sorted((tmp_path / "logs").iterdir()))


def walk_a_claim_to_the_feed(browser: Browser, tokens: dict[str, str], actors, site) -> None:
    login = browser.request("GET", "/accounts/login/")
    assert login.status_code == 200, login.text[-2000:]
    # The stylesheet by its hashed name: collectstatic's manifest, served by whitenoise.
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text)[1]
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    assert browser.request("GET", stylesheet).status_code == 200

    signed_in = browser.post_form("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text[-2000:]
    assert browser.request("GET", "/").status_code == 200

    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    created = browser.request("POST", "/api/v1/claims/", headers=editor, json={
        "statement": "North Korea has shipped artillery shells to Russia.", "kind": "transfer",
        "supplier": int(actors["kp"]), "recipient": int(actors["ru"]), "item_category": "ammunition",
        "stage": "shipment",
        "hops": [{"position": 0, "anonymity": "outlet_voice", "descriptor": "an Italian daily",
                  "source": site.url("/2023/09/05/kim"), "quote": QUOTE, "quote_language": "it"}],
    })  # fmt: skip
    assert created.status_code == 201, created.text
    claim = created.json()

    page = browser.request("GET", f"/claims/{claim['id']}/")
    assert page.status_code == 200
    transition = f"/claims/{claim['id']}/transition/"
    submitted = browser.post_form(transition, {"to": "in_review", "reason": "ready"})
    assert submitted.status_code == 302, submitted.text[-2000:]

    assessed = browser.request("POST", f"/api/v1/claims/{claim['id']}/assessments/", headers=reviewer, json={
        "reliability": "B", "credibility": 3, "rationale": "Consistent with earlier reporting.",
    })  # fmt: skip
    assert assessed.status_code == 201, assessed.text
    published = browser.request("POST", f"/api/v1/claims/{claim['id']}/transitions/", headers=reviewer,
                                json={"to": "published", "reason": "checked",
                                      "confirm_unverified_sources": True})  # fmt: skip
    assert published.status_code == 201, published.text

    feed = browser.request("GET", "/api/v1/feed/?after=0").json()
    assert ("published", claim["id"], 4) in [(e["type"], e["claim_id"], e["version"]) for e in feed["events"]]

    # The capture went through the broker to a worker on checks_now, which fetched the page.
    source = claim["sources"][0]["id"]

    def checked():
        checks = browser.request("GET", f"/api/v1/sources/{source}/checks/", headers=reviewer).json()
        return [c["outcome"] for c in checks.get("results", checks)] if checks else None

    assert wait_until(checked, timeout=60, interval=0.5, what="a worker to check the source") == ["ok"]
