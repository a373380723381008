"""Two editors on one claim, through the API (If-Match) and the services: no update is ever lost."""

import random
import threading
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, ClaimVersion
from tests.conftest import claim_data

pytestmark = pytest.mark.slow

ROUNDS = 200
RACES = 40


@dataclass
class Write:
    statement: str
    user: User
    accepted: bool
    version: int | None = None


class Editor:
    """One editor: reads the claim's version and writes a new statement through the API or a service."""

    def __init__(self, name: str, user: User, actors, claim: Claim) -> None:
        self.name, self.user, self.actors, self.claim = name, user, actors, claim
        self.api = APIClient()
        self.api.force_authenticate(user)
        self.seen: int | None = None

    def read(self) -> None:
        # The version the editor starts from (what GET's ETag carries); reading through the ORM keeps
        # 200 rounds fast, and the writes are what the guarantee is about.
        self.seen = Claim.objects.values_list("version", flat=True).get(pk=self.claim.pk)

    def write(self, channel: str, statement: str) -> Write:
        if channel == "api":
            response = self.api.patch(
                f"/api/v1/claims/{self.claim.uuid}/",
                {"statement": statement},
                format="json",
                HTTP_IF_MATCH=f'"{self.seen}"',
            )
            assert response.status_code in (200, 412), response.content
            if response.status_code == 412:
                assert response.json()["code"] == "stale_version"
                return Write(statement, self.user, accepted=False)
            return Write(statement, self.user, accepted=True, version=response.json()["version"])
        try:
            saved = services.update_claim(
                claim_id=self.claim.pk,
                expected_version=self.seen,
                data=claim_data(self.actors, statement=statement),
                by=self.user,
            )
        except services.StaleVersion:
            return Write(statement, self.user, accepted=False)
        return Write(statement, self.user, accepted=True, version=saved.version)


def assert_nothing_lost(claim: Claim, writes: list[Write]) -> None:
    """Versions run 1..N; every accepted write is in both histories, by its author; no refused one is."""
    accepted = sorted((w for w in writes if w.accepted), key=lambda w: w.version)
    versions = list(ClaimVersion.objects.filter(claim=claim).order_by("version"))
    assert [v.version for v in versions] == list(range(1, len(accepted) + 2)), "versions are contiguous"
    assert [w.version for w in accepted] == list(range(2, len(accepted) + 2))
    for write, version in zip(accepted, versions[1:], strict=True):
        assert (version.snapshot["statement"], version.changed_by_id) == (write.statement, write.user.pk)
    history = {record.version: record for record in Claim.history.filter(id=claim.pk).order_by("history_id")}
    for write in accepted:
        record = history[write.version]
        assert (record.statement, record.history_user_id) == (write.statement, write.user.pk)
    refused = {w.statement for w in writes if not w.accepted}
    assert not refused & {v.snapshot["statement"] for v in versions}
    assert not refused & {record.statement for record in history.values()}
    claim.refresh_from_db()
    assert (claim.version, claim.statement) == (accepted[-1].version, accepted[-1].statement)


@pytest.mark.django_db
def test_200_random_interleavings_of_two_editors_lose_no_update(make_claim, editor, reviewer, actors):
    """Each round: both editors read, then write what they read over, in a seeded random order,
    each through the API or the services. A write over a version someone else replaced is refused."""
    claim = make_claim()
    rng = random.Random(20240607)
    a, b = Editor("a", editor, actors, claim), Editor("b", reviewer, actors, claim)
    writes: list[Write] = []
    for round_ in range(ROUNDS):
        b_slots = set(rng.sample(range(4), 2))  # where b's read and write fall among the four steps
        a_steps, b_steps = iter([(a, "read"), (a, "write")]), iter([(b, "read"), (b, "write")])
        steps = [next(b_steps) if i in b_slots else next(a_steps) for i in range(4)]
        channels = {a: rng.choice(["api", "service"]), b: rng.choice(["api", "service"])}
        results = {}
        for who, action in steps:
            if action == "read":
                who.read()
            else:
                results[who] = who.write(channels[who], f"round {round_}: {who.name} via {channels[who]}")
        at = {step: i for i, step in enumerate(steps)}
        # Each read before the other's write: both started from one version, the second save is stale.
        overlapped = at[b, "read"] < at[a, "write"] and at[a, "read"] < at[b, "write"]
        expected = 1 if overlapped else 2
        assert sum(w.accepted for w in results.values()) == expected, (round_, steps, results)
        writes += results.values()
    assert sum(not w.accepted for w in writes) > ROUNDS / 4, "the schedules rarely overlapped"
    assert_nothing_lost(claim, writes)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL (SQLite serialises)"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_saving_at_the_same_instant_one_wins_the_other_is_refused(
    make_claim, editor, reviewer, actors
):
    """Both read the same version, meet at a barrier and save at once, from two connections."""
    claim = make_claim()
    rng = random.Random(7)
    barrier = threading.Barrier(2, timeout=30)
    plans = [[rng.choice(["api", "service"]) for _ in range(RACES)] for _ in range(2)]
    results: list[list[Write]] = [[], []]
    failures: list[BaseException] = []

    def run(index: int, user: User) -> None:
        me = Editor("ab"[index], User.objects.get(pk=user.pk), actors, claim)
        try:
            for round_, channel in enumerate(plans[index]):
                me.read()
                barrier.wait()  # both have read: their writes race
                results[index].append(me.write(channel, f"race {round_}: {me.name} via {channel}"))
                barrier.wait()  # both have written: next round reads the winner's version
        except BaseException as error:  # a thread cannot fail the test itself: hand it over
            failures.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate((editor, reviewer))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    for round_, pair in enumerate(zip(*results, strict=True)):
        assert sum(w.accepted for w in pair) == 1, (round_, pair)
    assert_nothing_lost(claim, results[0] + results[1])
