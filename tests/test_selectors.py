"""What each role may see: the hidden side and, paired with it, what must still show."""

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection  # noqa: F401 (read by the skipif condition)

from claims import selectors, services, vocab
from claims.models import (
    Actor,
    Assessment,
    Claim,
    ClaimDocument,
    Comment,
    PendingRevision,
    QuoteCheck,
    Source,
    SourceCheck,
)
from claims.projection import SCHEMA_VERSION
from tests.conftest import SOURCE_URL, claim_data, hop, make_user, other_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def related(make_claim, reviewer):
    published = make_claim(vocab.Status.PUBLISHED, statement="Published.")
    other = make_claim(vocab.Status.PUBLISHED, statement="Also published.")
    draft = make_claim(statement="Draft.", hops=[hop(source_url="https://internal.example.net/only-drafts")])
    for target, note in ((other, "public note"), (draft, "internal note")):
        services.add_relation(
            from_claim_id=published.pk,
            to_claim_id=target.pk,
            kind="context",
            independence="possibly_shared_origin",
            note=note,
            by=reviewer,
        )
    return {"published": Claim.objects.with_details().get(pk=published.pk), "other": other, "draft": draft}


def test_drafts_are_visible_to_editors_but_not_to_viewers_or_anonymous(related, editor, viewer):
    draft = related["draft"]
    assert draft in selectors.claims_visible_to(editor)
    assert draft not in selectors.claims_visible_to(viewer)
    assert draft not in selectors.claims_visible_to(AnonymousUser())
    assert related["published"] in selectors.claims_visible_to(AnonymousUser())


def test_readers_see_versions_from_publication_on_and_editors_see_them_all(related, viewer, editor):
    published = related["published"]
    public = list(selectors.versions_visible_to(viewer, published).values_list("snapshot__status", flat=True))
    assert public and set(public) == {"published"}
    every = selectors.versions_visible_to(editor, published)
    assert every.count() == published.version
    assert every.filter(snapshot__status="draft").exists()


def test_readers_see_the_publication_but_not_the_reasons_given_before_it(related, viewer, editor):
    published = related["published"]
    assert list(
        selectors.status_changes_visible_to(viewer, published).values_list("to_status", flat=True)
    ) == ["published"]
    assert selectors.status_changes_visible_to(editor, published).count() == 2


def test_a_relation_to_a_hidden_claim_goes_with_its_note_and_a_public_one_stays(related, viewer, editor):
    published = related["published"]
    shown = selectors.relations_visible_to(viewer, published)
    assert [(r["other"], r["relation"].note) for r in shown] == [(related["other"], "public note")]
    assert {r["other"] for r in selectors.relations_visible_to(editor, published)} == {
        related["other"],
        related["draft"],
    }


def test_one_relation_is_found_only_when_the_user_sees_both_ends(related, viewer, editor):
    published = related["published"]
    hidden = published.relations_out.get(to_claim=related["draft"])
    public = published.relations_out.get(to_claim=related["other"])
    assert selectors.relation_visible_to(viewer, published, hidden.pk) is None
    assert selectors.relation_visible_to(viewer, published, public.pk) == public
    assert selectors.relation_visible_to(editor, published, hidden.pk) == hidden
    assert selectors.relation_visible_to(editor, related["other"], hidden.pk) is None  # not its relation


def test_documents_drop_relations_to_hidden_claims_for_readers_only(related, viewer, editor):
    published = related["published"]
    [for_viewer] = selectors.documents_visible_to(viewer, [published])
    [for_editor] = selectors.documents_visible_to(editor, [published])
    assert [r["claim_id"] for r in for_viewer["relations"]] == [str(related["other"].uuid)]
    assert {r["claim_id"] for r in for_editor["relations"]} == {
        str(related["other"].uuid),
        str(related["draft"].uuid),
    }


def test_a_source_only_drafts_cite_is_hidden_from_readers_and_a_public_one_is_not(related, viewer, editor):
    internal = Source.objects.get(url="https://internal.example.net/only-drafts")
    public = Source.objects.exclude(pk=internal.pk).get()
    assert set(selectors.sources_visible_to(viewer)) == {public}
    assert set(selectors.sources_visible_to(editor)) == {public, internal}


def test_a_source_cited_by_a_draft_and_a_published_claim_is_shown_once(related, viewer, actors, editor):
    services.create_claim(data=claim_data(actors, statement="Another draft."), by=editor)
    assert selectors.sources_visible_to(viewer).count() == 1


def test_a_relation_is_found_from_either_end_and_not_when_its_other_end_is_hidden(
    related, viewer, editor, reviewer
):
    published, other = related["published"], related["other"]
    public = published.relations_out.get(to_claim=other)
    assert selectors.relation_visible_to(viewer, other, public.pk) == public  # asked from its target
    from_draft = services.add_relation(
        from_claim_id=related["draft"].pk,
        to_claim_id=other.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    assert selectors.relation_visible_to(viewer, other, from_draft.pk) is None
    assert selectors.relation_visible_to(editor, other, from_draft.pk) == from_draft


def test_one_relation_comes_with_both_its_claims_in_one_query(related, viewer, django_assert_num_queries):
    published = related["published"]
    public = published.relations_out.get(to_claim=related["other"])
    selectors.relation_visible_to(viewer, published, public.pk)  # the viewer's permissions, cached
    with django_assert_num_queries(1):
        found = selectors.relation_visible_to(viewer, published, public.pk)
        assert (found.from_claim.statement, found.to_claim.statement) == ("Published.", "Also published.")


def test_a_drafts_quote_check_shows_to_editors_only_and_a_published_ones_to_everyone(related, viewer, editor):
    by_claim = {}
    for name in ("published", "draft"):
        hop = related[name].hops.get()
        run = SourceCheck.objects.create(source=hop.source, outcome="ok")
        by_claim[name] = QuoteCheck.objects.create(check_run=run, hop=hop, result="found", score=1.0)
    assert set(selectors.quote_checks_visible_to(viewer)) == {by_claim["published"]}
    assert set(selectors.quote_checks_visible_to(AnonymousUser())) == {by_claim["published"]}
    assert set(selectors.quote_checks_visible_to(editor)) == {by_claim["published"], by_claim["draft"]}


def test_readers_see_roles_for_the_people_behind_a_change_and_editors_see_usernames(
    editor, reviewer, admin_user
):
    both = make_user("bea", "editor")
    both.groups.add(Group.objects.get(name="reviewer"))
    staff = make_user("sam", None, is_staff=True)
    for_reader = selectors.staff_names_for(AnonymousUser())
    assert [for_reader(user) for user in (editor, reviewer, both, admin_user, staff, None)] == [
        "editor",
        "reviewer",
        "reviewer",  # the most senior of their roles
        "administrator",
        "staff",
        "",
    ]
    for_editor = selectors.staff_names_for(editor)
    assert [for_editor(user) for user in (reviewer, admin_user, None)] == ["rita", "ada", ""]


def test_relations_say_which_way_they_point_from_the_claim_asked_about(related, viewer):
    published, other = related["published"], related["other"]
    from_published = Claim.objects.with_details().get(pk=published.pk)
    from_other = Claim.objects.with_details().get(pk=other.pk)
    assert [(r["other"], r["direction"]) for r in selectors.relations_visible_to(viewer, from_published)] == [
        (other, "out")
    ]
    assert [(r["other"], r["direction"]) for r in selectors.relations_visible_to(viewer, from_other)] == [
        (published, "in")
    ]


# ---------------------------------------------------------------- documents built by the database


def _both_ways(user, claims: list[Claim]) -> tuple[list, list]:
    """The documents as the list endpoint gets them (JSON text, built by PostgreSQL in the page's query)
    and as documents_visible_to() builds them in Python."""
    page = list(
        selectors.with_documents_visible_to(
            user, Claim.objects.filter(pk__in=[c.pk for c in claims])
        ).order_by("pk")
    )
    texts = [orjson.loads(text) for text in selectors.document_texts_visible_to(user, page)]
    return texts, selectors.documents_visible_to(user, page)


def test_the_database_builds_each_readers_documents_as_they_are_built_here(
    related, actors, reviewer, viewer, editor
):
    with_everything = services.create_claim(
        data=claim_data(
            actors,
            participant_ids=[actors["CN"].pk, actors["US"].pk],
            hops=[
                hop(0, speaker_id=actors["kirby"].pk, affiliation_id=actors["US"].pk),
                hop(1, source_url="https://second.example.org/report", affiliation_id=actors["daily"].pk),
            ],
        ),
        by=editor,
    )
    services.add_relation(
        from_claim_id=with_everything.pk,
        to_claim_id=related["draft"].pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    # What moves without a new version: an actor renamed, sources re-checked (with and without
    # microseconds, which iso() writes differently).
    Actor.objects.filter(pk=actors["kirby"].pk).update(name="J. Kirby", country="GB")
    Source.objects.filter(url="https://second.example.org/report").update(
        liveness=vocab.Liveness.DEAD, last_checked_at=datetime(2026, 5, 1, 12, 30, 5, 123456, tzinfo=UTC)
    )
    Source.objects.exclude(url="https://second.example.org/report").update(
        last_checked_at=datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
    )
    claims = [related["published"], related["other"], related["draft"], with_everything]
    for user in (AnonymousUser(), viewer, editor):
        texts, built_here = _both_ways(user, claims)
        assert texts == built_here
    documents, _ = _both_ways(editor, claims)
    assert documents[3]["hops"][0]["speaker"]["name"] == "J. Kirby"
    assert [source["liveness"] for source in documents[3]["sources"]] == ["unchecked", "dead"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the documents come built from PostgreSQL")
def test_on_postgresql_the_page_query_brings_every_document_as_text(related, viewer, editor):
    for user in (viewer, editor):
        page = list(selectors.with_documents_visible_to(user, selectors.claims_visible_to(user)))
        assert page and all(isinstance(claim.document_json, str) for claim in page)


def test_a_missing_or_outdated_document_is_built_from_the_rows_beside_the_fetched_ones(related, viewer):
    published, other = related["published"], related["other"]
    ClaimDocument.objects.filter(claim=published).update(schema_version=SCHEMA_VERSION - 1, body={})
    ClaimDocument.objects.filter(claim=other).delete()
    texts, built_here = _both_ways(viewer, [published, other, related["draft"]])
    assert texts == built_here
    assert [document["statement"] for document in texts] == ["Published.", "Also published.", "Draft."]


def test_notes_are_shown_to_editorial_roles_in_the_order_written_and_to_nobody_else(
    related, editor, reviewer, viewer
):
    claim = related["published"]
    first = services.add_comment(claim_id=claim.pk, body="Check the date with @rita.", by=editor)
    second = services.add_comment(claim_id=claim.pk, body="Done.", by=reviewer)
    shown = list(selectors.comments_visible_to(reviewer, claim))
    assert shown == [first, second]
    assert [user.username for user in shown[0].mentions.all()] == ["rita"]
    assert not selectors.comments_visible_to(viewer, claim).exists()
    assert not selectors.comments_visible_to(AnonymousUser(), claim).exists()


def test_notes_come_with_their_authors_and_mentions_in_two_queries(
    related, editor, reviewer, django_assert_num_queries
):
    claim = related["published"]
    for n in range(3):
        services.add_comment(claim_id=claim.pk, body=f"Note {n} for @rita and @eddie.", by=reviewer)
    with django_assert_num_queries(2):
        rows = [
            (c.author.username, [u.username for u in c.mentions.all()])
            for c in selectors.comments_visible_to(editor, claim)
        ]
    assert rows == [("rita", ["eddie", "rita"])] * 3


def test_the_assignee_is_told_to_editorial_roles_only(related, editor, reviewer, viewer):
    claim = related["draft"]
    assert selectors.assignee_of(editor, claim) is None
    services.assign_claim(claim_id=claim.pk, assignee_id=reviewer.pk, by=editor)
    services.assign_claim(claim_id=related["published"].pk, assignee_id=editor.pk, by=reviewer)
    assert selectors.assignee_of(editor, claim) == reviewer
    assert selectors.assignee_of(reviewer, related["published"]) == editor
    assert selectors.assignee_of(viewer, related["published"]) is None
    assert selectors.assignee_of(AnonymousUser(), related["published"]) is None


def test_a_queue_holds_what_waits_for_the_user_their_drafts_and_their_mentions(
    related, editor, other_editor, reviewer, viewer, make_claim
):
    waiting = related["draft"]
    services.assign_claim(claim_id=waiting.pk, assignee_id=reviewer.pk, by=editor)
    services.assign_claim(claim_id=related["other"].pk, assignee_id=other_editor.pk, by=editor)
    own_draft = make_claim(statement="Mine.")
    services.add_comment(claim_id=related["published"].pk, body="@rita, a look?", by=editor)
    queue = selectors.queue_of(reviewer)
    assert list(queue["assigned"]) == [waiting]
    assert list(queue["mentioned"]) == [related["published"]]
    assert not queue["drafts"].exists()
    assert list(selectors.queue_of(editor)["drafts"]) == [own_draft, waiting]
    assert not selectors.queue_of(other_editor)["assigned"].exists()  # published claims wait for nobody
    assert selectors.queue_of(viewer) == {} and selectors.queue_of(AnonymousUser()) == {}


def test_saved_searches_belong_to_their_owner_only(editor, reviewer):
    mine = services.save_search(name="Shells", query="q=shells", by=editor)
    services.save_search(name="Drones", query="q=drones", by=reviewer)
    also_mine = services.save_search(name="Artillery", query="q=artillery", by=editor)
    assert list(selectors.saved_searches_of(editor)) == [also_mine, mine]
    assert not selectors.saved_searches_of(AnonymousUser()).exists()
    assert not selectors.saved_searches_of(None).exists()


def test_titles_are_given_for_the_claims_a_reader_may_see_by_public_id(related, viewer, editor):
    ids = {str(related["published"].uuid), str(related["draft"].uuid)}
    assert selectors.claim_titles_visible_to(viewer, ids) == {str(related["published"].uuid): "Published."}
    assert selectors.claim_titles_visible_to(editor, ids) == {
        str(related["published"].uuid): "Published.",
        str(related["draft"].uuid): "Draft.",
    }


def test_publishing_asks_to_confirm_uncaptured_suspect_and_dead_sources_only(related, make_claim):
    urls = {
        "https://a.example.org/uncaptured": ("", vocab.Liveness.LIVE),
        "https://b.example.org/suspect": ("f" * 64, vocab.Liveness.SUSPECT),
        "https://c.example.org/dead": ("f" * 64, vocab.Liveness.DEAD),
        "https://d.example.org/healthy": ("f" * 64, vocab.Liveness.LIVE),
        "https://e.example.org/changed": ("f" * 64, vocab.Liveness.CHANGED),
    }
    claim = make_claim(hops=[hop(position=n, source_url=url) for n, url in enumerate(urls)])
    elsewhere = make_claim(hops=[hop(source_url="https://f.example.org/uncaptured-elsewhere")])
    for url, (baseline, liveness) in urls.items():
        Source.objects.filter(url=url).update(baseline_sha256=baseline, liveness=liveness)
    Source.objects.filter(hops__claim=elsewhere).update(baseline_sha256="")
    flagged = [source.url for source in selectors.sources_needing_confirmation(claim)]
    assert flagged == [
        "https://a.example.org/uncaptured",
        "https://b.example.org/suspect",
        "https://c.example.org/dead",
    ]


def test_which_actors_a_reader_may_see_takes_a_fixed_number_of_queries(
    make_claim, viewer, django_assert_num_queries
):
    for status in (vocab.Status.DRAFT, vocab.Status.PUBLISHED) * 3:
        make_claim(status)
    selectors.actors_visible_to(viewer)  # the viewer's permissions, cached on the user
    # actors any draft uses, the actors' parents, which of the related ones public claims use, the
    # list: one query per question, not one per role in which a claim uses an actor (a DISTINCT over
    # every claim each: seconds at a million claims)
    with django_assert_num_queries(4):
        visible = list(selectors.actors_visible_to(viewer))
    assert visible


# ---------------------------------------------------------------- suggested edits


def propose(claim, actors, by, statement="North Korea has shipped shells to Russia.", **extra):
    return services.propose_revision(
        claim=claim, data=claim_data(actors, statement=statement, **extra), by=by, base_version=claim.version
    )


def test_a_suggestion_reads_as_a_version_snapshot_with_its_actors_named(make_claim, actors, editor):
    published = make_claim(vocab.Status.PUBLISHED)
    revision = propose(
        published,
        actors,
        editor,
        participant_ids=[actors["CN"].pk],
        hops=[hop(0, speaker_id=actors["kirby"].pk, affiliation_id=actors["US"].pk), hop(1)],
    )
    document = selectors.proposed_document(revision)
    assert document["statement"] == "North Korea has shipped shells to Russia."
    assert document["status"] == "published"
    assert document["supplier"] == {
        "id": actors["KP"].pk,
        "name": "North Korea",
        "kind": "state",
        "country": "KP",
    }
    assert document["recipient"] == {
        "id": actors["RU"].pk,
        "name": "Russia",
        "kind": "state",
        "country": "RU",
    }
    assert document["participants"] == [
        {"id": actors["CN"].pk, "name": "China", "kind": "state", "country": "CN"}
    ]
    assert [(h["speaker"], h["affiliation"]) for h in document["hops"]] == [
        (
            {"id": actors["kirby"].pk, "name": "John Kirby", "kind": "person", "country": "US"},
            {"id": actors["US"].pk, "name": "United States", "kind": "state", "country": "US"},
        ),
        (None, None),
    ]


def test_the_diff_of_a_suggestion_is_taken_against_the_version_it_was_made_on(make_claim, actors, editor):
    # Other claims at the same version number, made before and after: the base is this claim's version.
    make_claim(vocab.Status.PUBLISHED, statement="An earlier claim.")
    published = make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="A later claim.")
    revision = propose(published, actors, editor)
    lines = selectors.revision_diff(revision)
    assert [line.text for line in lines if line.op == "removed"] == [
        "Statement: North Korea has shipped munitions to Russia."
    ]
    assert [line.text for line in lines if line.op == "added"] == [
        "Statement: North Korea has shipped shells to Russia."
    ]
    same = [line.text for line in lines if line.op == "same"]
    assert "Status: Published" in same and "Supplier: North Korea (KP)" in same
    assert not any(text.startswith("Assessment") for text in same)  # a suggestion carries none


def test_a_suggestion_whose_base_version_is_missing_is_diffed_against_nothing(make_claim, actors, editor):
    published = make_claim(vocab.Status.PUBLISHED)
    revision = propose(published, actors, editor)
    revision.base_version = 99
    lines = selectors.revision_diff(revision)
    removed = [line.text for line in lines if line.op == "removed"]
    added = [line.text for line in lines if line.op == "added"]
    assert removed[:2] == ["Statement: ", "Status: —"]  # every line blank before
    assert added[:2] == ["Statement: North Korea has shipped shells to Russia.", "Status: Published"]


@pytest.fixture
def suggestions(make_claim, actors, editor, other_editor, reviewer):
    """Three suggestions on one published claim: two proposed at the same moment, one earlier but
    made last; the first rejected."""
    published = make_claim(vocab.Status.PUBLISHED)
    first = propose(published, actors, editor, statement="First.")
    services.reject_revision(revision=first, by=reviewer, reason="No source for it.")
    tied = propose(published, actors, other_editor, statement="Tied.")
    earliest = propose(published, actors, editor, statement="Earliest, made last.")
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    PendingRevision.objects.filter(pk__in=[first.pk, tied.pk]).update(proposed_at=moment)
    PendingRevision.objects.filter(pk=earliest.pk).update(proposed_at=datetime(2026, 2, 1, tzinfo=UTC))
    return {"claim": published, "first": first, "tied": tied, "earliest": earliest}


def test_suggestions_are_listed_to_editorial_roles_newest_first_and_to_nobody_else(
    suggestions, editor, viewer
):
    claim = suggestions["claim"]
    shown = [r.pk for r in selectors.revisions_visible_to(editor, claim)]
    # Newest first; of two proposed at the same moment, the later made first.
    assert shown == [suggestions["tied"].pk, suggestions["first"].pk, suggestions["earliest"].pk]
    assert list(selectors.revisions_visible_to(viewer, claim)) == []
    assert list(selectors.revisions_visible_to(AnonymousUser(), claim)) == []


def test_suggestions_of_another_claim_are_not_listed(suggestions, make_claim, editor):
    assert list(selectors.revisions_visible_to(editor, make_claim(vocab.Status.PUBLISHED))) == []


def test_suggestions_come_with_their_claim_proposer_and_decider_in_one_query(
    suggestions, editor, django_assert_num_queries
):
    claim = suggestions["claim"]
    selectors.revisions_visible_to(editor, claim)  # the editor's permissions, cached
    with django_assert_num_queries(1):
        rows = [
            (r.claim.statement, r.proposed_by.username, r.decided_by and r.decided_by.username)
            for r in selectors.revisions_visible_to(editor, claim)
        ]
    assert rows == [
        ("North Korea has shipped munitions to Russia.", "edna", None),
        ("North Korea has shipped munitions to Russia.", "eddie", "rita"),
        ("North Korea has shipped munitions to Russia.", "eddie", None),
    ]


def test_only_pending_suggestions_wait_and_only_editorial_roles_see_them(suggestions, editor, viewer):
    claim = suggestions["claim"]
    pending = selectors.pending_revisions_visible_to(editor, claim)
    assert [r.pk for r in pending] == [suggestions["tied"].pk, suggestions["earliest"].pk]
    assert selectors.pending_revisions_visible_to(viewer, claim) == []


def test_one_suggestion_is_found_by_id_for_editorial_roles_on_its_own_claim_only(
    suggestions, make_claim, editor, viewer
):
    claim, tied = suggestions["claim"], suggestions["tied"]
    assert selectors.revision_visible_to(editor, claim, tied.pk) == tied
    assert selectors.revision_visible_to(viewer, claim, tied.pk) is None
    assert selectors.revision_visible_to(editor, make_claim(vocab.Status.PUBLISHED), tied.pk) is None


def test_reviewers_decide_pending_suggestions_on_published_claims_oldest_first(
    make_claim, actors, editor, other_editor, reviewer, viewer
):
    made_first, made_second = (make_claim(vocab.Status.PUBLISHED, statement=s) for s in ("A.", "B."))
    # Two proposed at the same moment, the older one on the claim made later; one before both.
    tied_older = propose(made_second, actors, editor)
    tied_newer = propose(made_first, actors, editor)
    oldest = propose(made_first, actors, other_editor)
    PendingRevision.objects.update(proposed_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    PendingRevision.objects.filter(pk=oldest.pk).update(proposed_at=datetime(2026, 2, 1, tzinfo=UTC))
    rejected = propose(made_second, actors, other_editor)
    services.reject_revision(revision=rejected, by=reviewer, reason="No source for it.")
    # A pending suggestion on a claim that is not published is not offered.
    draft = make_claim(statement="A draft.")
    PendingRevision.objects.create(claim=draft, body={}, base_version=draft.version, proposed_by=editor)
    waiting = [r.pk for r in selectors.revisions_to_decide(reviewer)]
    assert waiting == [oldest.pk, tied_older.pk, tied_newer.pk]
    assert list(selectors.revisions_to_decide(editor)) == []
    assert list(selectors.revisions_to_decide(viewer)) == []
    assert list(selectors.revisions_to_decide(AnonymousUser())) == []


def test_suggestions_to_decide_come_with_their_claim_and_proposer_in_one_query(
    suggestions, reviewer, django_assert_num_queries
):
    selectors.revisions_to_decide(reviewer)  # the reviewer's permissions, cached
    with django_assert_num_queries(1):
        rows = [(r.claim.statement, r.proposed_by.username) for r in selectors.revisions_to_decide(reviewer)]
    assert rows == [
        ("North Korea has shipped munitions to Russia.", "eddie"),
        ("North Korea has shipped munitions to Russia.", "edna"),
    ]


# ---------------------------------------------------------------- editorial work


def test_notes_written_at_an_earlier_moment_come_first_whatever_their_order_of_writing(
    related, editor, reviewer
):
    claim = related["published"]
    later = services.add_comment(claim_id=claim.pk, body="Written first, dated later.", by=editor)
    earlier = services.add_comment(claim_id=claim.pk, body="Written second, dated earlier.", by=reviewer)
    Comment.objects.filter(pk=later.pk).update(created_at=datetime(2026, 3, 2, tzinfo=UTC))
    Comment.objects.filter(pk=earlier.pk).update(created_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert list(selectors.comments_visible_to(editor, claim)) == [earlier, later]


def test_the_assignee_comes_in_the_query_that_finds_the_assignment(
    related, editor, reviewer, django_assert_num_queries
):
    claim = related["draft"]
    services.assign_claim(claim_id=claim.pk, assignee_id=reviewer.pk, by=editor)
    selectors.assignee_of(editor, claim)  # the editor's permissions, cached
    with django_assert_num_queries(1):
        assert selectors.assignee_of(editor, claim).username == "rita"


def test_the_assignee_picker_offers_editorial_users_by_username_and_not_readers(
    editor, other_editor, reviewer, viewer, outsider, admin_user
):
    make_user("ivan", "editor", is_active=False)
    offered = [user.username for user in selectors.assignable_users()]
    assert offered == ["ada", "eddie", "edna", "rita"]


def test_a_claim_in_review_is_not_among_its_authors_drafts(related, make_claim, editor):
    in_review = make_claim(vocab.Status.IN_REVIEW, statement="Submitted.")
    drafts = list(selectors.queue_of(editor)["drafts"])
    assert in_review not in drafts
    assert drafts == [related["draft"]]


# ---------------------------------------------------------------- documents as text


def test_texts_already_fetched_are_kept_and_the_others_built_here(related, viewer, editor):
    published, other, draft = related["published"], related["other"], related["draft"]
    # What with_documents_visible_to() brings on PostgreSQL, set by hand: the fetched text is used as is.
    published.document_json = '{"fetched": true}'
    texts = selectors.document_texts_visible_to(viewer, [published, other])
    assert texts[0] == '{"fetched": true}'
    assert orjson.loads(texts[1]) == selectors.documents_visible_to(viewer, [other])[0]
    draft.document_json = '{"draft": "fetched"}'
    assert selectors.document_texts_visible_to(editor, [other, draft])[1] == '{"draft": "fetched"}'


# ---------------------------------------------------------------- review due


def test_review_due_lists_the_earliest_window_first_then_the_oldest_review_then_the_unreviewed(
    make_claim, viewer, editor
):
    now = datetime.now(UTC)
    recent, older = now - timedelta(days=1), now - timedelta(days=10)
    # (window end or None, last reviewed): made in this order, listed in another.
    plan = {
        "same window, reviewed recently": (date(2024, 3, 1), recent),
        "same window, reviewed earlier": (date(2024, 3, 1), older),
        "earliest window": (date(2024, 1, 1), now - timedelta(days=5)),
        "no window, reviewed long ago": (None, now - timedelta(days=800)),
    }
    for statement, (window_end, reviewed) in plan.items():
        claim = make_claim(vocab.Status.PUBLISHED, statement=statement)
        forward = {"stage": vocab.Stage.REQUEST, "event_start": window_end, "event_end": window_end}
        Claim.objects.filter(pk=claim.pk).update(published_at=reviewed, **(forward if window_end else {}))
        Assessment.objects.filter(claim=claim).update(assessed_at=reviewed)
    make_claim(vocab.Status.PUBLISHED, statement="Not due.")
    expected = [
        "earliest window",
        "same window, reviewed earlier",
        "same window, reviewed recently",
        "no window, reviewed long ago",
    ]
    for user in (AnonymousUser(), viewer, editor):
        assert [c.statement for c in selectors.review_due_visible_to(user)] == expected


# ---------------------------------------------------------------- track record


@pytest.fixture
def kirby_said(make_claim, actors, reviewer):
    """John Kirby on record in a published claim and a draft; an unpublished claim corroborates the
    published one, a published one the draft."""

    def said(status, statement):
        on_record = {"anonymity": vocab.Anonymity.NAMED_ON_RECORD, "speaker_id": actors["kirby"].pk}
        return make_claim(status, statement=statement, hops=[hop(0, descriptor="", **on_record)])

    published, draft = (
        said(vocab.Status.PUBLISHED, "Kirby, published."),
        said(vocab.Status.DRAFT, "Kirby, draft."),
    )
    corroborating = make_claim(vocab.Status.IN_REVIEW, statement="Unpublished.", hops=other_chain())
    public_one = make_claim(vocab.Status.PUBLISHED, statement="Public.", hops=other_chain())
    for source, target in ((corroborating, published), (public_one, draft)):
        services.add_relation(
            from_claim_id=source.pk,
            to_claim_id=target.pk,
            kind=vocab.RelationKind.CORROBORATES,
            independence=vocab.Independence.INDEPENDENT,
            by=reviewer,
        )
    return {"kirby": actors["kirby"], "published": published, "draft": draft}


def test_a_readers_track_record_counts_public_claims_and_relations_only(kirby_said, viewer):
    record = selectors.track_record_visible_to(viewer, kirby_said["kirby"])
    assert (record.claims, record.originated, record.corroborated) == (1, 1, 0)


def test_an_editors_track_record_counts_drafts_and_unpublished_relations(kirby_said, editor):
    record = selectors.track_record_visible_to(editor, kirby_said["kirby"])
    assert (record.claims, record.originated, record.corroborated) == (2, 2, 2)


def test_the_claim_being_assessed_is_left_out_of_its_speakers_record(kirby_said, editor, viewer):
    kirby = kirby_said["kirby"]
    record = selectors.track_record_visible_to(editor, kirby, excluding=kirby_said["draft"])
    assert (record.claims, record.corroborated) == (1, 1)
    assert selectors.track_record_visible_to(viewer, kirby, excluding=kirby_said["published"]).claims == 0


# ---------------------------------------------------------------- actor pickers


@pytest.fixture
def korean_names(actors):
    """Names that meet "kor" in each way the picker ranks (North Korea, from `actors`, at a word)."""

    def company(name, **extra):
        return Actor.objects.create(name=name, kind=vocab.ActorKind.COMPANY, country="KR", **extra)

    return {
        "start": company("Korea Shipbuilding"),
        "bracket": company("Hanwha (Korea)"),
        "hyphen": company("Pro-Korean Front"),
        "inside": company("Dakora Arms"),
        # Aliases may hold anything JSON does: only strings are names.
        "alias": company("Bureau 39", aliases=[39, "Pyongyang office", "Korea Kwangson Bank"]),
        "nothing": company("Samsung Techwin", aliases=["Hanwha Aerospace"]),
    }


def test_actor_matches_come_by_start_then_word_then_inside_then_alias_each_alphabetically(
    korean_names, actors, editor
):
    def row(actor, **extra):
        return {"id": actor.pk, "name": actor.name, "kind": actor.kind, "country": actor.country, **extra}

    assert selectors.actors_matching(editor, "kor") == [
        row(korean_names["start"]),
        row(korean_names["bracket"]),
        row(actors["KP"]),
        row(korean_names["hyphen"]),
        row(korean_names["inside"]),
        row(korean_names["alias"], alias="Korea Kwangson Bank"),  # why a name without "kor" is offered
    ]
    assert selectors.actors_matching(editor, "kor")[0] == {
        "id": korean_names["start"].pk,
        "name": "Korea Shipbuilding",
        "kind": "company",
        "country": "KR",
    }


def test_actor_matches_fold_case_and_accents_and_offer_nothing_for_a_blank_query(korean_names, editor):
    assert [row["name"] for row in selectors.actors_matching(editor, "  KÖREA SHIP ")] == [
        "Korea Shipbuilding"
    ]
    assert selectors.actors_matching(editor, "   ") == []


def test_a_typed_name_means_the_actor_of_that_exact_name_even_if_another_reads_the_same(actors):
    korea = Actor.objects.create(name="Korea", kind=vocab.ActorKind.STATE)
    Actor.objects.create(name="Korea Trading", kind=vocab.ActorKind.COMPANY, aliases=[7, "KOREA"])
    assert selectors.actor_named("Korea") == korea
    assert selectors.actor_named("korea") is None  # two read so: neither is meant


def test_a_typed_name_finds_the_one_actor_whose_name_or_alias_reads_the_same(actors):
    Actor.objects.create(name="Bureau 39", kind=vocab.ActorKind.GOVERNMENT_BODY, aliases=[39, "Room 39"])
    Actor.objects.create(name="Kyïv City Council", kind=vocab.ActorKind.GOVERNMENT_BODY)
    assert selectors.actor_named("north KOREA") == actors["KP"]
    assert selectors.actor_named("pyongyang") == actors["KP"]
    assert selectors.actor_named("ROOM 39").name == "Bureau 39"
    assert selectors.actor_named("Kyiv city council").name == "Kyïv City Council"
    assert selectors.actor_named("Atlantis") is None


# ---------------------------------------------------------------- citations


@pytest.fixture
def cited(make_claim):
    """A (cited by two published claims, one of them twice), Z (by a published claim and a draft),
    elsewhere (by a published claim); Z's source made first."""
    a, z = "https://a.example.org/report", "https://z.example.org/report"
    zed = make_claim(vocab.Status.PUBLISHED, statement="Z.", hops=[hop(0, source_url=z)])
    twice = make_claim(
        vocab.Status.PUBLISHED, statement="A twice.", hops=[hop(0, source_url=a), hop(1, source_url=a)]
    )
    make_claim(vocab.Status.PUBLISHED, statement="A once.", hops=[hop(0, source_url=a)])
    make_claim(statement="Z draft.", hops=[hop(0, source_url=z)])
    make_claim(vocab.Status.PUBLISHED, statement="Elsewhere.", hops=[hop(0, source_url=SOURCE_URL)])
    return {"a": Source.objects.get(url=a), "z": Source.objects.get(url=z), "twice": twice, "zed": zed}


def test_citations_count_the_claims_a_reader_may_see_once_each_by_url(cited, viewer):
    a, z = cited["a"], cited["z"]
    urls = [z.url, a.url, z.url, "https://nobody.example.org/"]
    assert selectors.citations_visible_to(viewer, urls) == [
        {"url": "https://a.example.org/report", "source_id": a.pk, "claims": 2},
        {"url": "https://z.example.org/report", "source_id": z.pk, "claims": 1},
    ]


def test_citations_by_drafts_count_for_editors(cited, editor):
    assert [
        row["claims"] for row in selectors.citations_visible_to(editor, [cited["a"].url, cited["z"].url])
    ] == [
        2,
        2,
    ]


def test_the_claim_being_edited_is_not_counted_among_the_citations(cited, viewer):
    urls = [cited["a"].url, cited["z"].url]
    rows = selectors.citations_visible_to(viewer, urls, exclude_uuid=str(cited["twice"].uuid))
    assert [(row["url"], row["claims"]) for row in rows] == [
        ("https://a.example.org/report", 1),
        ("https://z.example.org/report", 1),
    ]
    rows = selectors.citations_visible_to(viewer, urls, exclude_uuid=str(cited["zed"].uuid))
    assert [(row["url"], row["claims"]) for row in rows] == [("https://a.example.org/report", 2)]
