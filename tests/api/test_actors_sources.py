import pytest
from django.utils import timezone

from claims import vocab
from claims.models import QuoteCheck, Source, SourceCheck
from tests.conftest import hop

pytestmark = pytest.mark.django_db


def test_actors_are_listed_and_found_by_name_or_alias(anon, actors):
    everyone = anon.get("/api/v1/actors/").json()["results"]
    assert {actor["name"] for actor in everyone} == {actor.name for actor in actors.values()}
    found = anon.get("/api/v1/actors/?q=pyongyang").json()["results"]
    assert [actor["name"] for actor in found] == ["North Korea"]
    detail = anon.get(f"/api/v1/actors/{actors['US'].pk}/").json()
    assert detail["aliases"] == ["Washington"] and detail["country"] == "US"


def test_unknown_actor_is_a_json_404(anon, db):
    response = anon.get("/api/v1/actors/999999/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_sources_show_health_and_hide_those_cited_only_by_drafts(anon, as_user, editor, make_claim, actors):
    make_claim(vocab.Status.PUBLISHED)
    draft = make_claim(hops=[hop(source_url="https://secret.example/draft")])
    assert [s["url"] for s in anon.get("/api/v1/sources/").json()["results"]] == [
        "https://news.example.org/2023/09/arms"
    ]
    hidden = draft.hops.get().source
    assert anon.get(f"/api/v1/sources/{hidden.pk}/").status_code == 404
    assert as_user(editor).get(f"/api/v1/sources/{hidden.pk}/").json()["liveness"] == "unchecked"


def test_source_checks_list_outcomes_with_their_quote_results(anon, published):
    source = Source.objects.get()
    check = SourceCheck.objects.create(
        source=source,
        outcome="quote_missing",
        http_status=200,
        final_url=source.url,
        content_sha256="ab" * 32,
    )
    QuoteCheck.objects.create(check_run=check, hop=published.hops.get(), result="missing", score=0.41)
    body = anon.get(f"/api/v1/sources/{source.pk}/checks/").json()["results"]
    assert body[0]["outcome"] == "quote_missing" and body[0]["http_status"] == 200
    assert body[0]["quotes"] == [
        {"hop": 0, "claim_id": str(published.uuid), "result": "missing", "score": 0.41}
    ]


def test_editor_asks_for_a_check_now_and_gets_202(
    as_user, editor, published, monkeypatch, django_capture_on_commit_callbacks
):
    source = Source.objects.get()
    Source.objects.update(next_check_at=timezone.now() + timezone.timedelta(days=3))
    queued = []
    monkeypatch.setattr("sources.tasks.check_source_now_task.delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(editor).post(f"/api/v1/sources/{source.pk}/check/")
    assert response.status_code == 202
    assert response.json()["url"] == source.url
    source.refresh_from_db()
    assert queued == [(source.pk, source.lease_token)], "one check on the high-priority queue, under a lease"


def test_viewers_cannot_ask_for_checks(as_user, viewer, anon, published):
    source = Source.objects.get()
    assert as_user(viewer).post(f"/api/v1/sources/{source.pk}/check/").status_code == 403
    assert anon.post(f"/api/v1/sources/{source.pk}/check/").status_code == 401
