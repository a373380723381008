"""Suggested edits of published claims: proposed by editors, decided by reviewers, public only on approval."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import changes, schema, selectors, services, vocab
from claims.models import ClaimDocument, ClaimVersion, FeedEvent, PendingRevision
from tests.conftest import claim_data, hop

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(make_claim):
    return make_claim(vocab.Status.PUBLISHED)


def propose(claim, actors, by, statement="North Korea has shipped shells to Russia.", **extra):
    return services.propose_revision(
        claim=claim, data=claim_data(actors, statement=statement, **extra), by=by, base_version=claim.version
    )


def snapshot_of(claim) -> tuple:
    claim.refresh_from_db()
    return (
        claim.version,
        claim.statement,
        ClaimVersion.objects.filter(claim=claim).count(),
        FeedEvent.objects.count(),
        ClaimDocument.objects.get(claim=claim).body,
    )


def test_a_proposal_changes_nothing_on_the_claim_and_emits_no_feed_event(published, actors, editor):
    before = snapshot_of(published)
    revision = propose(published, actors, editor)
    assert snapshot_of(published) == before
    assert revision.state == vocab.RevisionState.PENDING
    assert revision.base_version == published.version
    assert revision.proposed_by == editor
    assert revision.body["statement"] == "North Korea has shipped shells to Russia."
    assert revision.body["hops"][0]["source"] == "https://news.example.org/2023/09/arms"


def test_the_stored_body_is_the_write_shape_and_reads_back_as_the_same_claim_data(published, actors, editor):
    data = claim_data(
        actors,
        statement="Shells, again.",
        hops=[hop(0, speaker_id=actors["kirby"].pk, anonymity="named_on_record", descriptor="")],
    )
    revision = services.propose_revision(
        claim=published, data=data, by=editor, base_version=published.version
    )
    assert schema.read_write_shape(revision.body) == data


def test_approval_applies_the_edit_as_one_new_version_with_exactly_one_feed_event(
    published, actors, editor, reviewer
):
    revision = propose(published, actors, editor)
    events = FeedEvent.objects.count()
    claim = services.approve_revision(revision=revision, by=reviewer, reason="Good catch.")
    assert claim.version == revision.base_version + 1
    assert claim.statement == "North Korea has shipped shells to Russia."
    [event] = FeedEvent.objects.all()[events:]
    assert event.type == vocab.FeedEventType.UPDATED and event.version == claim.version
    assert event.payload["statement"] == "North Korea has shipped shells to Russia."
    version = ClaimVersion.objects.get(claim=claim, version=claim.version)
    assert version.changed_by == reviewer and version.change_data == changes.edited()
    assert ClaimDocument.objects.get(claim=claim).body["statement"] == claim.statement
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.APPROVED
    assert (revision.decided_by, revision.reason, revision.approved_version) == (
        reviewer,
        "Good catch.",
        claim.version,
    )


def test_rejection_needs_a_reason_and_changes_nothing(published, actors, editor, reviewer):
    revision = propose(published, actors, editor)
    before = snapshot_of(published)
    with pytest.raises(ValidationError) as refused:
        services.reject_revision(revision=revision, by=reviewer, reason="  ")
    assert "reason" in refused.value.message_dict
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.PENDING
    services.reject_revision(revision=revision, by=reviewer, reason="The source says munitions.")
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.REJECTED and revision.decided_by == reviewer
    assert snapshot_of(published) == before


def test_approving_a_stale_suggestion_is_refused_and_changes_nothing(published, actors, editor, reviewer):
    revision = propose(published, actors, editor)
    services.update_claim(
        claim_id=published.pk,
        expected_version=published.version,
        data=claim_data(actors, statement="A reviewer's own edit."),
        by=reviewer,
    )
    before = snapshot_of(published)
    with pytest.raises(services.StaleVersion) as stale:
        services.approve_revision(revision=revision, by=reviewer)
    assert stale.value.expected_version == revision.base_version
    assert stale.value.current_version == published.version
    assert snapshot_of(published) == before
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.PENDING


def test_a_proposal_on_a_stale_base_version_is_refused(published, actors, editor):
    with pytest.raises(services.StaleVersion):
        services.propose_revision(
            claim=published, data=claim_data(actors), by=editor, base_version=published.version - 1
        )
    assert not PendingRevision.objects.exists()


def test_an_invalid_proposal_gets_the_same_field_errors_as_an_edit(published, actors, editor, reviewer):
    bad = claim_data(actors, statement="Self-supply.", recipient_id=actors["KP"].pk)
    with pytest.raises(ValidationError) as refused:
        services.propose_revision(claim=published, data=bad, by=editor, base_version=published.version)
    with pytest.raises(ValidationError) as as_edit:
        services.update_claim(
            claim_id=published.pk, expected_version=published.version, data=bad, by=reviewer
        )
    assert refused.value.message_dict.keys() == as_edit.value.message_dict.keys() == {"recipient"}
    assert not PendingRevision.objects.exists()


def test_only_editors_who_may_not_edit_directly_propose(
    published, make_claim, actors, viewer, reviewer, editor
):
    for user in (viewer, reviewer):
        with pytest.raises(PermissionDenied):
            propose(published, actors, user)
    draft = make_claim()
    with pytest.raises(PermissionDenied):
        propose(draft, actors, editor)  # a draft of one's own is simply edited
    assert not PendingRevision.objects.exists()


def test_only_reviewers_decide(published, actors, editor, other_editor, viewer):
    revision = propose(published, actors, editor)
    for user in (editor, other_editor, viewer):
        with pytest.raises(PermissionDenied):
            services.approve_revision(revision=revision, by=user)
        with pytest.raises(PermissionDenied):
            services.reject_revision(revision=revision, by=user, reason="No.")
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.PENDING


def test_a_decided_suggestion_cannot_be_decided_again(published, actors, editor, reviewer):
    revision = propose(published, actors, editor)
    services.reject_revision(revision=revision, by=reviewer, reason="No.")
    with pytest.raises(ValidationError):
        services.approve_revision(revision=revision, by=reviewer)
    assert published.version == snapshot_of(published)[0]


def test_the_proposer_withdraws_their_own_suggestion_and_nobody_else_does(
    published, actors, editor, other_editor, reviewer
):
    revision = propose(published, actors, editor)
    for user in (other_editor, reviewer):
        with pytest.raises(PermissionDenied):
            services.withdraw_revision(revision=revision, by=user)
    services.withdraw_revision(revision=revision, by=editor)
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.WITHDRAWN


def test_a_new_suggestion_supersedes_the_proposers_earlier_one(published, actors, editor, other_editor):
    first = propose(published, actors, editor, statement="First try.")
    theirs = propose(published, actors, other_editor, statement="Edna's try.")
    second = propose(published, actors, editor, statement="Second try.")
    states = {r.pk: r.state for r in PendingRevision.objects.all()}
    assert states == {
        first.pk: vocab.RevisionState.SUPERSEDED,
        theirs.pk: vocab.RevisionState.PENDING,
        second.pk: vocab.RevisionState.PENDING,
    }


def test_an_editors_revert_of_a_published_claim_is_a_suggestion(published, actors, editor, reviewer):
    services.update_claim(
        claim_id=published.pk,
        expected_version=published.version,
        data=claim_data(actors, statement="Reviewer's wording."),
        by=reviewer,
    )
    published.refresh_from_db()
    with pytest.raises(PermissionDenied):  # reverting directly stays a reviewer's act
        services.revert_claim(
            claim_id=published.pk, to_version=1, expected_version=published.version, reason="x", by=editor
        )
    before = snapshot_of(published)
    revision = services.propose_revert(
        claim=published,
        to_version=1,
        reason="Back to the original.",
        by=editor,
        base_version=published.version,
    )
    assert snapshot_of(published) == before
    assert (revision.reverts_to, revision.note) == (1, "Back to the original.")
    claim = services.approve_revision(revision=revision, by=reviewer)
    assert claim.statement == "North Korea has shipped munitions to Russia."
    version = ClaimVersion.objects.get(claim=claim, version=claim.version)
    assert version.change_data == changes.reverted(to_version=1, reason="Back to the original.")


def test_a_revert_suggestion_needs_a_reason_and_an_existing_version(published, editor):
    with pytest.raises(ValidationError) as refused:
        services.propose_revert(
            claim=published, to_version=99, reason="", by=editor, base_version=published.version
        )
    assert refused.value.message_dict.keys() == {"reason", "to_version"}
    assert not PendingRevision.objects.exists()


def test_readers_get_no_suggestions_from_the_selectors(published, actors, editor, viewer, reviewer):
    revision = propose(published, actors, editor)
    assert list(selectors.revisions_visible_to(viewer, published)) == []
    assert list(selectors.revisions_to_decide(viewer)) == []
    assert list(selectors.revisions_to_decide(editor)) == []
    assert list(selectors.revisions_to_decide(reviewer)) == [revision]


def test_retracting_a_claim_closes_its_pending_suggestions(published, actors, editor, reviewer):
    revision = propose(published, actors, editor)
    services.transition_claim(
        claim_id=published.pk, to=vocab.Status.RETRACTED, reason="Withdrawn.", by=reviewer
    )
    revision.refresh_from_db()
    assert revision.state == vocab.RevisionState.SUPERSEDED and revision.decided_by == reviewer
    assert selectors.pending_revisions_visible_to(reviewer, published) == []
