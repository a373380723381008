"""A queryset compiled once and run again with new values returns what the queryset itself would."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from claims.models import Source
from sources.prepared import Prepared


def _by_url(url: str):
    return Source.objects.filter(url=url).annotate(hop_count=Count("hops"), shouted=F("title")).order_by("pk")


BY_URL = Prepared(_by_url, url="\x00sentinel-url")


def _source(url: str, title: str = "") -> Source:
    return Source.objects.create(url=url, title=title)


@pytest.mark.django_db
def test_each_call_returns_the_rows_and_annotations_of_its_own_values():
    first = _source("https://a.example.org/1", title="First")
    second = _source("https://a.example.org/2", title="Second")

    for source in (first, second):
        (row,) = BY_URL(url=source.url)
        (expected,) = _by_url(source.url)
        assert (row.pk, row.url, row.title, row.created_at) == (
            source.pk,
            source.url,
            source.title,
            expected.created_at,
        )
        assert (row.hop_count, row.shouted) == (0, source.title)
        assert row._state.adding is False and row._state.db == "default"
    assert BY_URL(url="https://a.example.org/none") == []


@pytest.mark.django_db
def test_the_sql_is_compiled_once_and_each_call_is_one_statement():
    _source("https://a.example.org/1")
    BY_URL(url="https://a.example.org/1")
    compiled = BY_URL._compiled("default")

    with CaptureQueriesContext(connection) as queries:
        BY_URL(url="https://a.example.org/2")

    assert BY_URL._compiled("default") is compiled
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_locking_query_keeps_its_lock_clause_and_refuses_to_run_outside_a_transaction():
    locking = Prepared(lambda pk: Source.objects.select_for_update().filter(pk=pk), pk=-999_001)
    source = _source("https://a.example.org/1")

    with transaction.atomic():
        (row,) = locking(pk=source.pk)
    assert row.pk == source.pk
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in locking._compiled("default").sql


def test_a_value_the_sql_does_not_take_as_a_parameter_is_refused():
    # A sentinel that never reaches the parameters would leave every call running with the sentinel.
    constant = Prepared(lambda url: Source.objects.filter(url="fixed"), url="\x00sentinel-url")

    with pytest.raises(ValueError, match="url"):
        constant._compile(connection, "default")


@pytest.mark.django_db
def test_calls_must_name_exactly_the_sentinels_values():
    with pytest.raises(TypeError):
        BY_URL(link="https://a.example.org/1")
    with pytest.raises(TypeError):
        BY_URL()
