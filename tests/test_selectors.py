"""What each role may see: the hidden side and, paired with it, what must still show."""

from datetime import UTC, datetime

import orjson
import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection  # noqa: F401 (read by the skipif condition)

from claims import selectors, services, vocab
from claims.models import Actor, Claim, ClaimDocument, QuoteCheck, Source, SourceCheck
from claims.projection import SCHEMA_VERSION
from tests.conftest import claim_data, hop, make_user

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
