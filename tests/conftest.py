"""Personas and small builders shared by the whole suite."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation
from rest_framework.test import APIClient

from claims import schema, services, vocab
from claims.models import Actor
from tests.receiver import receiver  # noqa: F401 (fixture: a local webhook receiver)
from tests.sources.site import site  # noqa: F401 (fixture: the re-checker's local web site)

SOURCE_URL = "https://news.example.org/2023/09/arms"


def api(user=None) -> APIClient:
    """An API client, signed in as `user` when one is given."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def pytest_configure(config):
    # make mutation runs pytest once per mutant: start each run from a copy of a migrated SQLite file
    # (tools/mutation.py makes it) instead of migrating a fresh test database every time.
    template = os.environ.get("MUTATION_DB_TEMPLATE")
    if template:
        from django.conf import settings

        copy = f"{template}.{os.getpid()}"
        shutil.copyfile(template, copy)
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = copy
        config.option.reuse_db = True
        config.add_cleanup(lambda: os.path.exists(copy) and os.remove(copy))


@pytest.fixture(autouse=True)
def test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest needs collectstatic; the suite checks pages, not hashed file names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def write_shape_built_in_each_mutation_test():
    """make mutation: the claim's serializer fields are built once per process, before mutmut switches
    a mutant on; built again in each test, a mutant in their builders is the one the test reads."""
    if os.environ.get("MUTATION_DB_TEMPLATE"):
        schema._claim_field_templates.cache_clear()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in Italian leaves Italian active in the thread; the next test starts in English."""
    yield
    translation.activate("en")


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery staple", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db) -> User:
    return make_user("vera", "viewer")


@pytest.fixture
def editor(db) -> User:
    return make_user("eddie", "editor")


@pytest.fixture
def other_editor(db) -> User:
    return make_user("edna", "editor")


@pytest.fixture
def reviewer(db) -> User:
    return make_user("rita", "reviewer")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada", None, is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db) -> User:
    return make_user("otto")


@pytest.fixture
def actors(db) -> dict[str, Actor]:
    def actor(name: str, kind: str = vocab.ActorKind.STATE, country: str = "", **extra) -> Actor:
        return Actor.objects.create(name=name, kind=kind, country=country, **extra)

    return {
        "RU": actor("Russia", country="RU"),
        "KP": actor("North Korea", country="KP", aliases=["Pyongyang"]),
        "US": actor("United States", country="US", aliases=["Washington"]),
        "CN": actor("China", country="CN"),
        "kirby": actor("John Kirby", vocab.ActorKind.PERSON, "US"),
        "daily": actor("An Italian daily", vocab.ActorKind.MEDIA_OUTLET, "IT"),
    }


def hop(position: int = 0, **overrides) -> services.HopData:
    values = {
        "position": position,
        "anonymity": vocab.Anonymity.ANONYMOUS_INDIVIDUAL,
        "descriptor": "a US official",
        "source_url": SOURCE_URL,
        "quote": "Kim Jong-un ha intenzione di recarsi in Russia questo mese.",
        "quote_language": "it",
        "translation": "Kim Jong Un intends to travel to Russia this month.",
    }
    values.update(overrides)
    return services.HopData(**values)


# A chain sharing nothing with hop()'s (another originator, another document): claims built with it
# may be related as independent to the default ones and confirm them.
OTHER_SOURCE_URL = "https://wire.example.net/2023/09/korea"


def other_chain(**overrides) -> list[services.HopData]:
    values = {
        "anonymity": vocab.Anonymity.ANONYMOUS_INSTITUTIONAL,
        "descriptor": "South Korean intelligence",
        "source_url": OTHER_SOURCE_URL,
        "quote": "",
        "quote_language": "",
        "translation": "",
    }
    return [hop(**(values | overrides))]


def claim_data(actors: dict[str, Actor], **overrides) -> services.ClaimData:
    values = {
        "statement": "North Korea has shipped munitions to Russia.",
        "kind": vocab.ClaimKind.TRANSFER,
        "supplier_id": actors["KP"].pk,
        "recipient_id": actors["RU"].pk,
        "item_category": vocab.ItemCategory.AMMUNITION,
        "stage": vocab.Stage.SHIPMENT,
        "hops": [hop()],
    }
    values.update(overrides)
    return services.ClaimData(**values)


@pytest.fixture
def make_claim(actors, editor, reviewer):
    """A claim in the status asked for, walked there through the real services."""

    def build(status: str = vocab.Status.DRAFT, by=None, **overrides):
        author = by or editor
        claim = services.create_claim(data=claim_data(actors, **overrides), by=author)
        if status == vocab.Status.DRAFT:
            return claim
        services.transition_claim(claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="ready", by=author)
        if status in (vocab.Status.PUBLISHED, vocab.Status.RETRACTED):
            services.add_assessment(
                claim_id=claim.pk,
                by=reviewer,
                reliability="B",
                credibility=3,
                rationale="Official, unconfirmed.",
            )
            # Builders never capture their sources: publishing them is a knowing choice.
            services.transition_claim(
                claim_id=claim.pk,
                to=vocab.Status.PUBLISHED,
                reason="checked",
                by=reviewer,
                confirm_unverified_sources=True,
            )
        if status == vocab.Status.RETRACTED:
            services.transition_claim(
                claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="source withdrew", by=reviewer
            )
        claim.refresh_from_db()
        return claim

    return build
