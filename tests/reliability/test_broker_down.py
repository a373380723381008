"""Editors keep saving while the broker is down; once it is back, every source they added is checked."""

import time

import pytest

from tests.reliability.stack import RedisServer, wait_until
from tests.sources.site import Page, article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PATHS = ("/cited", "/added", "/second-hop")

EDITORS_SAVE = """
import time
from django.contrib.auth.models import Group, User
from django.utils import timezone
from claims import services, vocab
from claims.models import Actor, Source
from sources.dispatch import request_source_check
from tests.conftest import claim_data, hop

actors = {
    "KP": Actor.objects.create(name="North Korea", kind=vocab.ActorKind.STATE, country="KP"),
    "RU": Actor.objects.create(name="Russia", kind=vocab.ActorKind.STATE, country="RU"),
}
editor = User.objects.create_user("eddie")
editor.groups.add(Group.objects.get(name="editor"))
cited, added, second_hop = URLS
timings = {}

def timed(name, save):
    started = time.monotonic()
    value = save()
    timings[name] = time.monotonic() - started
    return value

claim = timed("create claim", lambda: services.create_claim(
    data=claim_data(actors, hops=[hop(0, source_url=cited)]), by=editor))
source = timed("add source", lambda: services.get_or_create_source(url=added, by=editor))
timed("edit claim", lambda: services.update_claim(
    claim_id=claim.pk, expected_version=claim.version, by=editor,
    data=claim_data(actors, hops=[hop(0, source_url=cited), hop(1, source_url=second_hop)])))
timed("check now", lambda: request_source_check(source_id=source.pk, by=editor))
now = timezone.now()
result = {
    "timings": timings,
    "versions": list(claim.versions.values_list("version", flat=True)),
    "sources": {
        s.url: {"leased": bool(s.lease_token), "due": s.next_check_at is not None and s.next_check_at <= now}
        for s in Source.objects.all()
    },
}
"""

DISPATCH = """
from sources.dispatch import dispatch_due_sources
result = sorted(source_id for source_id, _ in dispatch_due_sources())
"""


def test_saves_succeed_while_the_broker_is_down_and_their_checks_run_once_it_is_back(stack, site):
    for path in PATHS:
        site.pages[path] = Page(body=article("Kim Jong-un ha intenzione di recarsi in Russia questo mese."))
    urls = [site.url(path) for path in PATHS]
    broker = RedisServer()
    stack.env["CELERY_BROKER_URL"] = broker.url
    try:
        broker.start()
        broker.stop()  # down while the editors work

        saved = stack.script(f"URLS = {urls!r}\n" + EDITORS_SAVE)
        assert saved["versions"] == [1, 2]
        assert all(seconds < 5 for seconds in saved["timings"].values()), saved["timings"]
        # Nothing could be queued: no lease may hide a source from the dispatcher, and all are due.
        assert saved["sources"] == {url: {"leased": False, "due": True} for url in urls}

        broker.start()
        dispatched = stack.script(DISPATCH)  # the beat's next run
        assert len(dispatched) == len(urls)
        stack.worker()

        def checked() -> list[tuple]:
            return stack.rows(
                "SELECT s.url, COUNT(c.id) FROM claims_source s "
                "LEFT JOIN claims_sourcecheck c ON c.source_id = s.id GROUP BY s.url ORDER BY s.url"
            )

        wait_until(lambda: all(count for _, count in checked()), timeout=40, what="every source checked")
        time.sleep(0.5)
        assert checked() == sorted((url, 1) for url in urls)
        assert stack.rows("SELECT COUNT(*) FROM claims_source WHERE lease_token <> ''") == [(0,)]
    finally:
        broker.stop()
