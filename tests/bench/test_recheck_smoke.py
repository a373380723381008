"""The re-check benchmark end to end on a tiny tier: real worker, Redis, simulated hosts."""

import os

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_recheck_benchmark_captures_then_rechecks_every_source_politely():
    if connection.vendor != "postgresql":
        pytest.skip("the re-check benchmark loads PostgreSQL with COPY: set DATABASE_URL=postgres://…")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the re-check benchmark runs the worker on Redis: set CELERY_BROKER_URL=redis://…")
    if not os.environ.get("CACHE_URL", "").startswith("redis://"):
        pytest.skip("politeness is shared through the cache: set CACHE_URL=redis://…")
    from bench.recheck import run

    figures = run(sources=20, hosts=4, concurrency=2, interval=0.2, timeout=25)

    for checked in (figures["capture"], figures):  # first captures, then re-checks of the same pages
        assert checked["checks"] == 20
        assert checked["origin"]["served"] == 20
        assert checked["max_inflight_per_host"] <= 1
        assert set(checked["outcomes"]) == {"ok"}
        assert checked["statements_per_check"] > 0
