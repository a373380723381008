from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone

from claims import projection, services, vocab
from claims.models import (
    Assessment,
    AttributionHop,
    Claim,
    ClaimDocument,
    ClaimRelation,
    ClaimVersion,
    FeedEvent,
    RouteStop,
    Source,
    StatusChange,
    loading,
)
from tests.conftest import SOURCE_URL, claim_data, hop, make_user, other_chain

pytestmark = pytest.mark.django_db

TABLES = (
    Claim,
    AttributionHop,
    RouteStop,
    Source,
    ClaimVersion,
    FeedEvent,
    Assessment,
    ClaimRelation,
    StatusChange,
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def refused(call, *, field: str) -> ValidationError:
    """Run a service call that must be refused on `field` and must leave every table as it was."""
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert caught.value.message_dict[field], "the refusal carries a message"
    assert row_counts() == before
    return caught.value


# --- creating a claim ---------------------------------------------------------------------------


def test_create_claim_writes_claim_hops_route_source_and_first_version(actors, editor):
    data = claim_data(
        actors,
        route=[
            services.RouteStopData(position=0, role="origin", country="KP"),
            services.RouteStopData(position=1, role="transit", region="Middle East", approximate=True),
            services.RouteStopData(position=2, role="destination", country="RU"),
        ],
        hops=[
            hop(0, anonymity="named_on_record", speaker_id=actors["kirby"].pk, descriptor="", source_url=""),
            hop(1, anonymity="outlet_voice", speaker_id=actors["daily"].pk, descriptor=""),
        ],
    )
    claim = services.create_claim(data=data, by=editor)

    assert claim.status == vocab.Status.DRAFT and claim.version == 1
    assert [h.position for h in claim.hops.all()] == [0, 1]
    assert claim.hops.get(position=1).source.url == SOURCE_URL
    assert [s.region or s.country for s in claim.route.all()] == ["KP", "Middle East", "RU"]
    version = claim.versions.get()
    assert version.version == 1 and version.changed_by == editor
    assert version.snapshot["hops"][0]["speaker"]["name"] == "John Kirby"
    assert not FeedEvent.objects.exists(), "drafts never reach the feed"


def test_hop_source_reuses_the_source_with_the_same_normalised_url(actors, editor):
    services.create_claim(data=claim_data(actors), by=editor)
    spelled_differently = "HTTPS://News.Example.org:443/2023/09/arms?utm_source=x#top"
    services.create_claim(data=claim_data(actors, hops=[hop(source_url=spelled_differently)]), by=editor)
    assert Source.objects.count() == 1


def test_month_precision_is_stored_as_the_whole_month(actors, editor):
    claim = services.create_claim(
        data=claim_data(actors, event_start=date(2023, 9, 14), event_precision="month"), by=editor
    )
    assert (claim.event_start, claim.event_end) == (date(2023, 9, 1), date(2023, 9, 30))


def test_year_precision_is_stored_as_the_whole_year(actors, editor):
    claim = services.create_claim(
        data=claim_data(actors, event_start=date(2022, 5, 2), event_precision="year"), by=editor
    )
    assert (claim.event_start, claim.event_end) == (date(2022, 1, 1), date(2022, 12, 31))


def test_viewer_cannot_create_a_claim(actors, viewer):
    with pytest.raises(PermissionDenied):
        services.create_claim(data=claim_data(actors), by=viewer)
    assert not Claim.objects.exists()


# --- every validation refusal changes nothing ----------------------------------------------------


def test_supplier_equal_to_recipient_is_refused(actors, editor):
    data = claim_data(actors, recipient_id=actors["KP"].pk)
    refused(lambda: services.create_claim(data=data, by=editor), field="recipient")


@pytest.mark.parametrize("country", ["UK", "RUS", "Middle East", "ru", "XX"])
def test_route_country_that_is_not_iso_alpha_2_is_refused(actors, editor, country):
    data = claim_data(actors, route=[services.RouteStopData(position=0, role="transit", country=country)])
    refused(lambda: services.create_claim(data=data, by=editor), field="route.0.country")


def test_quantity_min_above_max_is_refused(actors, editor):
    data = claim_data(actors, quantity_qualifier="range", quantity_min=10, quantity_max=5)
    refused(lambda: services.create_claim(data=data, by=editor), field="quantity_max")


def test_negative_quantity_is_refused(actors, editor):
    data = claim_data(actors, quantity_qualifier="exact", quantity_min=-3)
    refused(lambda: services.create_claim(data=data, by=editor), field="quantity_min")


def test_qualitative_quantity_carrying_numbers_is_refused(actors, editor):
    data = claim_data(
        actors, quantity_qualifier="qualitative", quantity_text="limited quantities", quantity_min=5
    )
    refused(lambda: services.create_claim(data=data, by=editor), field="quantity_qualifier")


def test_qualitative_quantity_without_words_is_refused(actors, editor):
    data = claim_data(actors, quantity_qualifier="qualitative")
    refused(lambda: services.create_claim(data=data, by=editor), field="quantity_text")


def test_at_least_with_a_maximum_is_refused(actors, editor):
    data = claim_data(actors, quantity_qualifier="at_least", quantity_min=5, quantity_max=9)
    refused(lambda: services.create_claim(data=data, by=editor), field="quantity_max")


def test_reversed_event_date_range_is_refused(actors, editor):
    data = claim_data(
        actors, event_start=date(2023, 9, 30), event_end=date(2023, 9, 1), event_precision="interval"
    )
    refused(lambda: services.create_claim(data=data, by=editor), field="event_end")


def test_dates_with_unknown_precision_are_refused(actors, editor):
    data = claim_data(actors, event_start=date(2023, 9, 1))
    refused(lambda: services.create_claim(data=data, by=editor), field="event_precision")


def test_speculation_recorded_as_occurred_is_refused(actors, editor):
    data = claim_data(actors, stance="speculate", modality="occurred")
    refused(lambda: services.create_claim(data=data, by=editor), field="modality")


def test_an_occurred_event_dated_in_the_future_is_refused(actors, editor):
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = claim_data(actors, modality="occurred", event_start=tomorrow, event_precision="day")
    error = refused(lambda: services.create_claim(data=data, by=editor), field="event_start")
    assert "cannot be dated in the future" in error.message_dict["event_start"][0]


def test_an_occurred_event_dated_today_or_planned_in_the_future_is_accepted(actors, editor):
    today = timezone.localdate()
    services.create_claim(
        data=claim_data(actors, modality="occurred", event_start=today, event_precision="day"), by=editor
    )
    services.create_claim(
        data=claim_data(actors, modality="planned", event_start=date(2027, 6, 1), event_precision="day"),
        by=editor,
    )


@pytest.mark.parametrize("anonymity", ["named_on_record", "named_paraphrased"])
def test_named_hop_without_a_speaker_actor_is_refused(actors, editor, anonymity):
    data = claim_data(actors, hops=[hop(anonymity=anonymity, speaker_id=None)])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops.0.speaker")


@pytest.mark.parametrize("anonymity", ["anonymous_individual", "anonymous_institutional", "undisclosed"])
def test_anonymous_hop_without_descriptor_is_rejected(actors, editor, anonymity):
    data = claim_data(actors, hops=[hop(anonymity=anonymity, descriptor="  ")])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops.0.descriptor")


@pytest.mark.parametrize("positions", [[1], [0, 2], [0, 0], [1, 2]])
def test_hop_positions_not_contiguous_from_zero_are_refused(actors, editor, positions):
    data = claim_data(actors, hops=[hop(p) for p in positions])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops")


def test_claim_with_no_hop_is_refused(actors, editor):
    data = claim_data(actors, hops=[])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops")


def test_last_hop_without_the_source_we_read_is_refused(actors, editor):
    data = claim_data(actors, hops=[hop(source_url="")])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops.0.source")


def test_hop_source_that_is_not_a_web_url_is_refused(actors, editor):
    data = claim_data(actors, hops=[hop(source_url="ftp://example.org/file")])
    refused(lambda: services.create_claim(data=data, by=editor), field="hops.0.source")


def test_unknown_actor_is_refused(actors, editor):
    data = claim_data(actors, supplier_id=999_999)
    refused(lambda: services.create_claim(data=data, by=editor), field="supplier")


def test_transfer_without_recipient_is_refused(actors, editor):
    data = claim_data(actors, recipient_id=None)
    refused(lambda: services.create_claim(data=data, by=editor), field="recipient")


def test_diplomatic_event_without_participants_is_refused(actors, editor):
    data = claim_data(actors, kind="diplomatic_event", supplier_id=None, recipient_id=None)
    refused(lambda: services.create_claim(data=data, by=editor), field="participants")


def test_unknown_vocabulary_value_is_refused(actors, editor):
    data = claim_data(actors, stage="teleportation")
    refused(lambda: services.create_claim(data=data, by=editor), field="stage")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"statement": "x" * 1001}, "statement"),
        ({"place": "x" * 201}, "place"),
        ({"item_description": "x" * 301}, "item_description"),
        ({"hops": [hop(quote="x" * 5001)]}, "hops.0.quote"),
        ({"hops": [hop(descriptor="x" * 301)]}, "hops.0.descriptor"),
    ],
)
def test_text_over_the_limit_is_refused(actors, editor, overrides, field):
    data = claim_data(actors, **overrides)
    refused(lambda: services.create_claim(data=data, by=editor), field=field)


def test_all_problems_are_reported_at_once(actors, editor):
    data = claim_data(actors, recipient_id=actors["KP"].pk, stance="speculate", modality="occurred", hops=[])
    error = refused(lambda: services.create_claim(data=data, by=editor), field="recipient")
    assert {"recipient", "modality", "hops"} <= set(error.message_dict)


# --- optimistic locking ----------------------------------------------------------------------------


def test_update_moves_to_the_next_version_and_keeps_the_old_one(make_claim, actors, editor):
    claim = make_claim()
    updated = services.update_claim(
        claim_id=claim.pk, expected_version=1, data=claim_data(actors, statement="Edited."), by=editor
    )
    assert updated.version == 2
    assert [v.snapshot["statement"] for v in claim.versions.order_by("version")] == [
        "North Korea has shipped munitions to Russia.",
        "Edited.",
    ]


def test_stale_edit_is_refused_and_changes_nothing(make_claim, actors, editor):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk, expected_version=1, data=claim_data(actors, statement="first"), by=editor
    )
    with pytest.raises(services.StaleVersion) as caught:
        services.update_claim(
            claim_id=claim.pk, expected_version=1, data=claim_data(actors, statement="second"), by=editor
        )
    assert caught.value.current_version == 2
    claim.refresh_from_db()
    assert (claim.statement, claim.version) == ("first", 2)


def test_update_replaces_hops_and_route_by_position(make_claim, actors, editor):
    claim = make_claim(
        hops=[hop(0, source_url=""), hop(1)],
        route=[services.RouteStopData(position=0, role="origin", country="KP")],
    )
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        data=claim_data(actors, hops=[hop(0, descriptor="a South Korean official")]),
        by=editor,
    )
    assert list(claim.hops.values_list("descriptor", flat=True)) == ["a South Korean official"]
    assert not claim.route.exists()


def test_invalid_update_changes_nothing_not_even_the_version(make_claim, actors, editor):
    claim = make_claim()
    refused(
        lambda: services.update_claim(
            claim_id=claim.pk, expected_version=1, data=claim_data(actors, hops=[]), by=editor
        ),
        field="hops",
    )
    claim.refresh_from_db()
    assert claim.version == 1


def test_editor_cannot_edit_another_editors_draft(make_claim, actors, other_editor):
    claim = make_claim()
    with pytest.raises(PermissionDenied):
        services.update_claim(claim_id=claim.pk, expected_version=1, data=claim_data(actors), by=other_editor)


def test_editor_cannot_edit_a_published_claim_but_a_reviewer_can(make_claim, actors, editor, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.update_claim(
            claim_id=claim.pk, expected_version=claim.version, data=claim_data(actors), by=editor
        )
    services.update_claim(
        claim_id=claim.pk,
        expected_version=claim.version,
        data=claim_data(actors, statement="Fixed."),
        by=reviewer,
    )
    assert FeedEvent.objects.filter(claim=claim).latest("seq").type == vocab.FeedEventType.UPDATED


def test_nobody_edits_a_retracted_claim(make_claim, actors, reviewer):
    claim = make_claim(vocab.Status.RETRACTED)
    with pytest.raises(PermissionDenied):
        services.update_claim(
            claim_id=claim.pk, expected_version=claim.version, data=claim_data(actors), by=reviewer
        )


# --- assessments --------------------------------------------------------------------------------


def test_newest_assessment_is_current_and_older_ones_stay(make_claim, reviewer):
    claim = make_claim()
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="C", credibility=3, rationale="first")
    newest = services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, likelihood="likely", rationale="more"
    )
    claim.refresh_from_db()
    assert claim.current_assessment == newest
    assert claim.assessments.count() == 2
    assert claim.versions.latest("version").snapshot["assessment"]["credibility"] == 2


def test_credibility_one_without_independent_corroboration_is_refused(make_claim, reviewer, editor):
    claim, other = make_claim(), make_claim()
    services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind="corroborates",
        independence="same_origin",
        by=editor,
    )
    refused(
        lambda: services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="B", credibility=1, rationale="confirmed"
        ),
        field="credibility",
    )


def test_credibility_one_with_independent_corroboration_is_accepted(make_claim, reviewer, editor):
    claim, other = make_claim(), make_claim(hops=other_chain())
    services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind="corroborates",
        independence="independent",
        by=editor,
    )
    assessment = services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="B", credibility=1, rationale="two independent origins"
    )
    assert assessment.credibility == 1


def test_assessment_without_rationale_is_refused(make_claim, reviewer):
    claim = make_claim()
    refused(
        lambda: services.add_assessment(
            claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, rationale=" "
        ),
        field="rationale",
    )


@pytest.mark.parametrize(
    ("field", "values"), [("reliability", {"reliability": "G"}), ("credibility", {"credibility": 7})]
)
def test_assessment_outside_the_scales_is_refused(make_claim, reviewer, field, values):
    claim = make_claim()
    arguments = {"reliability": "B", "credibility": 2, "rationale": "r", **values}
    refused(lambda: services.add_assessment(claim_id=claim.pk, by=reviewer, **arguments), field=field)


def test_editor_cannot_assess(make_claim, editor):
    claim = make_claim()
    with pytest.raises(PermissionDenied):
        services.add_assessment(claim_id=claim.pk, by=editor, reliability="B", credibility=2, rationale="r")


# --- relations ------------------------------------------------------------------------------------


def test_claim_related_to_itself_is_refused(make_claim, editor):
    claim = make_claim()
    refused(
        lambda: services.add_relation(
            from_claim_id=claim.pk,
            to_claim_id=claim.pk,
            kind="corroborates",
            independence="possibly_shared_origin",
            by=editor,
        ),
        field="to_claim",
    )


def test_relation_shows_on_both_claims_as_a_new_version(make_claim, editor):
    first, second = make_claim(), make_claim()
    services.add_relation(
        from_claim_id=first.pk,
        to_claim_id=second.pk,
        kind="contradicts",
        independence="possibly_shared_origin",
        by=editor,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (2, 2)
    assert second.versions.latest("version").snapshot["relations"] == [
        {
            "direction": "in",
            "kind": "contradicts",
            "claim_id": str(first.uuid),
            "independence": "possibly_shared_origin",
            "note": "",
            "lineage": {
                "verdict": "shared_origin",
                "shared": [{"kind": "descriptor", "id": None, "name": "us official"}],
            },
            "lineage_conflict": "",
        }
    ]


def test_duplicate_relation_is_refused(make_claim, editor):
    first, second = make_claim(), make_claim()
    arguments = {
        "from_claim_id": first.pk,
        "to_claim_id": second.pk,
        "kind": "context",
        "independence": "possibly_shared_origin",
    }
    services.add_relation(**arguments, by=editor)
    refused(lambda: services.add_relation(**arguments, by=editor), field="kind")


def test_removing_the_corroboration_a_confirmed_claim_rests_on_is_refused(make_claim, editor, reviewer):
    claim, other = make_claim(), make_claim(hops=other_chain())
    relation = services.add_relation(
        from_claim_id=other.pk,
        to_claim_id=claim.pk,
        kind="corroborates",
        independence="independent",
        by=editor,
    )
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="A", credibility=1, rationale="confirmed"
    )
    refused(lambda: services.remove_relation(relation_id=relation.pk, by=editor), field="relation")


def test_removing_a_relation_deletes_it_and_records_versions(make_claim, editor):
    first, second = make_claim(), make_claim()
    relation = services.add_relation(
        from_claim_id=first.pk,
        to_claim_id=second.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=editor,
    )
    services.remove_relation(relation_id=relation.pk, by=editor)
    assert not ClaimRelation.objects.exists()
    assert first.versions.latest("version").snapshot["relations"] == []


def test_viewer_cannot_relate_claims(make_claim, viewer):
    first, second = make_claim(), make_claim()
    with pytest.raises(PermissionDenied):
        services.add_relation(
            from_claim_id=first.pk,
            to_claim_id=second.pk,
            kind="context",
            independence="possibly_shared_origin",
            by=viewer,
        )


# --- workflow -------------------------------------------------------------------------------------


def test_full_workflow_records_who_when_and_why(make_claim, editor, reviewer):
    claim = make_claim(vocab.Status.RETRACTED)
    changes = list(
        claim.status_changes.values_list("from_status", "to_status", "changed_by__username", "reason")
    )
    assert changes == [
        ("draft", "in_review", "eddie", "ready"),
        ("in_review", "published", "rita", "checked"),
        ("published", "retracted", "rita", "source withdrew"),
    ]
    assert claim.published_at is not None
    assert list(FeedEvent.objects.filter(claim=claim).values_list("type", flat=True)) == [
        "published",
        "retracted",
    ]


def test_retraction_event_is_a_tombstone_with_the_reason(make_claim):
    claim = make_claim(vocab.Status.RETRACTED)
    tombstone = FeedEvent.objects.get(claim=claim, type="retracted").payload
    assert tombstone["id"] == str(claim.uuid)
    assert tombstone["reason"] == "source withdrew"
    assert "statement" not in tombstone


def test_editor_publishing_is_refused(make_claim, editor):
    claim = make_claim(vocab.Status.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.transition_claim(claim_id=claim.pk, to="published", reason="looks fine", by=editor)
    claim.refresh_from_db()
    assert claim.status == vocab.Status.IN_REVIEW


def _assessed_in_review(make_claim, reviewer) -> Claim:
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=3, rationale="ok")
    return claim


def test_publishing_on_a_source_never_captured_needs_a_confirmation(make_claim, reviewer):
    claim = _assessed_in_review(make_claim, reviewer)
    error = refused(
        lambda: services.transition_claim(claim_id=claim.pk, to="published", reason="go", by=reviewer),
        field="confirm_unverified_sources",
    )
    assert SOURCE_URL in error.message_dict["confirm_unverified_sources"][0]
    services.transition_claim(
        claim_id=claim.pk, to="published", reason="go", by=reviewer, confirm_unverified_sources=True
    )
    claim.refresh_from_db()
    assert claim.status == vocab.Status.PUBLISHED


@pytest.mark.parametrize("liveness", ["suspect", "dead"])
def test_publishing_on_a_suspect_or_dead_source_needs_a_confirmation(make_claim, reviewer, liveness):
    claim = _assessed_in_review(make_claim, reviewer)
    Source.objects.filter(url=SOURCE_URL).update(baseline_sha256="a" * 64, liveness=liveness)
    refused(
        lambda: services.transition_claim(claim_id=claim.pk, to="published", reason="go", by=reviewer),
        field="confirm_unverified_sources",
    )


@pytest.mark.parametrize("liveness", ["live", "changed", "degraded"])
def test_publishing_on_a_captured_source_needs_no_confirmation(make_claim, reviewer, liveness):
    claim = _assessed_in_review(make_claim, reviewer)
    Source.objects.filter(url=SOURCE_URL).update(baseline_sha256="a" * 64, liveness=liveness)
    services.transition_claim(claim_id=claim.pk, to="published", reason="go", by=reviewer)
    claim.refresh_from_db()
    assert claim.status == vocab.Status.PUBLISHED


@pytest.mark.parametrize("target", ["draft", "in_review", "published"])
def test_nothing_leaves_retracted(make_claim, reviewer, target):
    claim = make_claim(vocab.Status.RETRACTED)
    refused(
        lambda: services.transition_claim(claim_id=claim.pk, to=target, reason="undo", by=reviewer),
        field="to",
    )


def test_skipping_review_is_refused(make_claim, reviewer):
    claim = make_claim(by=reviewer)
    refused(
        lambda: services.transition_claim(claim_id=claim.pk, to="published", reason="x", by=reviewer),
        field="to",
    )


def test_transition_without_reason_is_refused(make_claim, editor):
    claim = make_claim()
    refused(
        lambda: services.transition_claim(claim_id=claim.pk, to="in_review", reason="", by=editor),
        field="reason",
    )


def test_publishing_an_unassessed_claim_is_refused(make_claim, reviewer):
    claim = make_claim(vocab.Status.IN_REVIEW)
    refused(
        lambda: services.transition_claim(claim_id=claim.pk, to="published", reason="ok", by=reviewer),
        field="to",
    )


def test_editor_cannot_submit_another_editors_claim(make_claim, other_editor):
    claim = make_claim()
    with pytest.raises(PermissionDenied):
        services.transition_claim(claim_id=claim.pk, to="in_review", reason="ready", by=other_editor)


def test_in_review_claim_can_be_sent_back_to_draft(make_claim, editor):
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.transition_claim(claim_id=claim.pk, to="draft", reason="needs a second source", by=editor)
    claim.refresh_from_db()
    assert claim.status == vocab.Status.DRAFT


# --- history ------------------------------------------------------------------------------------


def test_history_keeps_every_row_change_with_the_acting_user(make_claim, actors, editor):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        data=claim_data(actors, hops=[hop(descriptor="a diplomat")]),
        by=editor,
    )
    assert claim.history.count() == 2
    assert {record.history_user for record in claim.history.all()} == {editor}
    hop_history = AttributionHop.history.filter(claim_id=claim.pk).order_by("history_date")
    assert [record.descriptor for record in hop_history] == ["a US official", "a diplomat"]


def test_create_actor_validates_the_country(editor):
    with pytest.raises(ValidationError) as caught:
        services.create_actor(name="Britain", kind="state", country="UK", by=editor)
    assert "country" in caught.value.message_dict


def test_create_actor_records_history(editor):
    actor = services.create_actor(name="Wagner Group", kind="non_state_armed_group", country="RU", by=editor)
    assert actor.history.get().history_user == editor


# --- bulk creation (the importer) ---------------------------------------------------------------


def test_bulk_creation_writes_valid_rows_with_history_versions_and_search_and_refuses_the_rest(
    actors, editor
):
    rows = [
        claim_data(actors, statement="First imported."),
        claim_data(actors, recipient_id=actors["KP"].pk),  # supplier equal to recipient
        claim_data(
            actors, statement="Third imported.", hops=[hop(0, source_url="https://other.example.org/a")]
        ),
    ]
    created, refused = services.create_claims(rows=rows, by=editor)
    assert [claim.statement for claim in created] == ["First imported.", "Third imported."]
    assert list(refused) == [1] and "recipient" in refused[1].message_dict
    assert Claim.objects.count() == 2
    for claim in created:
        assert claim.history.get().history_user == editor
        assert claim.versions.get().snapshot["statement"] == claim.statement
        assert AttributionHop.history.filter(claim_id=claim.pk).get().history_user == editor
    assert list(Claim.objects.search("Third")) == [created[1]]
    assert Source.objects.filter(next_check_at__isnull=False).count() == 2, "new sources are due for capture"


def _without(row: dict, ignored: set) -> dict:
    return {key: value for key, value in row.items() if key not in ignored}


def test_bulk_creation_matches_one_by_one_creation(actors, editor):
    data = claim_data(
        actors,
        participant_ids=[actors["CN"].pk],
        route=[services.RouteStopData(position=0, role="transit", region="Middle East", approximate=True)],
        hops=[hop(0, source_url=""), hop(1, anonymity="named_on_record", speaker_id=actors["kirby"].pk)],
    )
    [bulk], _ = services.create_claims(rows=[data], by=editor)
    single = services.create_claim(data=data, by=editor)
    ignored = {"id", "uuid", "claim_id", "created_at", "updated_at", "history_id", "history_date"}
    bulk_version, single_version = bulk.versions.get(), single.versions.get()
    assert _without(bulk_version.snapshot, ignored) == _without(single_version.snapshot, ignored)
    assert bulk_version.snapshot == bulk.document.body
    assert (bulk_version.version, bulk_version.changed_by) == (single_version.version, editor)
    assert bulk_version.change_data == {"action": "imported"} and bulk_version.change == "imported"
    assert not FeedEvent.objects.exists()  # drafts: nothing for the feed
    # The rows as created ('+'); one by one, setting the participants adds a '~' row of the claim.
    for model in (Claim, AttributionHop, RouteStop):
        histories = [
            [
                _without(row, ignored)
                for row in model.history.filter(
                    **{"id" if model is Claim else "claim_id": claim.pk}, history_type="+"
                )
                .order_by("history_id")
                .values()
            ]
            for claim in (bulk, single)
        ]
        assert histories[0] == histories[1] and histories[0], model.__name__


def test_viewer_cannot_bulk_create(actors, viewer):
    with pytest.raises(PermissionDenied):
        services.create_claims(rows=[claim_data(actors)], by=viewer)
    assert not Claim.objects.exists()


def test_a_source_added_by_another_writer_meanwhile_is_reused_not_an_error(actors, editor, monkeypatch):
    existing = services.get_or_create_source(url=SOURCE_URL, by=editor)
    # The look-up misses (the other writer had not committed yet); the insert then collides.
    monkeypatch.setattr(Source.objects, "filter", lambda **_: Source.objects.none())
    assert services.get_or_create_source(url=SOURCE_URL, by=editor) == existing
    assert Source.objects.count() == 1


# ---------------------------------------------------------------- the accepted side of each boundary


@pytest.mark.parametrize(
    "quantity",
    [
        {"quantity_qualifier": "exact", "quantity_min": 0},
        {"quantity_qualifier": "exact", "quantity_min": 5, "quantity_max": 5},
        {"quantity_qualifier": "range", "quantity_min": 5, "quantity_max": 5},
        {"quantity_qualifier": "about", "quantity_min": 3000, "quantity_text": "some 3,000 shells"},
        {"quantity_qualifier": "at_least", "quantity_min": 1},
        {"quantity_qualifier": "up_to", "quantity_max": 10},
        {"quantity_qualifier": "qualitative", "quantity_text": "limited quantities"},
        {"quantity_qualifier": "unknown"},
    ],
)
def test_each_well_formed_quantity_is_accepted_as_given(actors, editor, quantity):
    claim = services.create_claim(data=claim_data(actors, **quantity), by=editor)
    for name, value in quantity.items():
        assert getattr(claim, name) == value


@pytest.mark.parametrize(
    ("quantity", "field"),
    [
        ({"quantity_qualifier": "exact"}, "quantity_min"),
        ({"quantity_qualifier": "about"}, "quantity_min"),
        ({"quantity_qualifier": "exact", "quantity_min": 5, "quantity_max": 6}, "quantity_max"),
        ({"quantity_qualifier": "up_to"}, "quantity_max"),
        ({"quantity_qualifier": "up_to", "quantity_min": 1, "quantity_max": 10}, "quantity_min"),
        ({"quantity_qualifier": "range", "quantity_min": 5}, "quantity_max"),
        ({"quantity_qualifier": "unknown", "quantity_max": 5}, "quantity_qualifier"),
        ({"quantity_qualifier": "exact", "quantity_min": 1, "quantity_max": -1}, "quantity_max"),
        ({"quantity_qualifier": "gross"}, "quantity_qualifier"),
    ],
)
def test_each_malformed_quantity_is_refused_on_its_field(actors, editor, quantity, field):
    refused(lambda: services.create_claim(data=claim_data(actors, **quantity), by=editor), field=field)


def test_an_interval_is_stored_as_given_and_a_one_day_interval_is_accepted(actors, editor):
    claim = services.create_claim(
        data=claim_data(
            actors, event_start=date(2023, 9, 1), event_end=date(2023, 9, 1), event_precision="interval"
        ),
        by=editor,
    )
    assert (claim.event_start, claim.event_end) == (date(2023, 9, 1), date(2023, 9, 1))


def test_a_february_in_a_leap_year_ends_on_the_29th(actors, editor):
    claim = services.create_claim(
        data=claim_data(actors, event_start=date(2024, 2, 10), event_precision="month"), by=editor
    )
    assert (claim.event_start, claim.event_end) == (date(2024, 2, 1), date(2024, 2, 29))


def test_an_interval_without_an_end_is_refused(actors, editor):
    data = claim_data(actors, event_start=date(2023, 9, 1), event_precision="interval")
    refused(lambda: services.create_claim(data=data, by=editor), field="event_end")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"place": "x" * 200}, "place"), ({"item_description": "x" * 300}, "item_description")],
)
def test_text_at_the_limit_is_accepted(actors, editor, overrides, field):
    claim = services.create_claim(data=claim_data(actors, **overrides), by=editor)
    assert getattr(claim, field) == overrides[field]


# ---------------------------------------------------------------- what each refusal says


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"stage": "teleportation"},
            "stage",
            "'teleportation' is not one of: request, negotiation, agreement, production, shipment, delivery, "
            "battlefield_use.",
        ),
        ({"place": "x" * 201}, "place", "At most 200 characters (this has 201)."),
        (
            {"event_start": date(2023, 9, 1)},
            "event_precision",
            "Give a precision other than unknown when dates are given.",
        ),
        ({"event_precision": "month"}, "event_start", "A start date is required with precision month."),
        (
            {"event_start": date(2023, 9, 30), "event_end": date(2023, 9, 1), "event_precision": "interval"},
            "event_end",
            "The end date must be on or after the start date.",
        ),
        (
            {"event_start": date(2023, 9, 1), "event_precision": "interval"},
            "event_end",
            "An interval needs an end date.",
        ),
    ],
)
def test_each_refusal_says_what_is_wrong(actors, editor, overrides, field, message):
    error = refused(
        lambda: services.create_claim(data=claim_data(actors, **overrides), by=editor), field=field
    )
    assert error.message_dict[field] == [message]


def test_hops_route_and_fields_are_validated_on_their_own_too(actors):
    with pytest.raises(ValidationError) as hops:
        services.validate_hops([hop(position=1)])
    assert "hops" in hops.value.message_dict
    services.validate_hops([hop()])  # a well-formed chain passes
    with pytest.raises(ValidationError) as route:
        services.validate_route([services.RouteStopData(position=0, role="origin", country="UK")])
    assert list(route.value.message_dict) == ["route.0.country"]
    services.validate_route([services.RouteStopData(position=0, role="origin", country="GB")])
    with pytest.raises(ValidationError) as fields:
        services.validate_claim_fields(claim_data(actors, stage="teleportation"))
    assert list(fields.value.message_dict) == ["stage"]
    services.validate_claim_fields(claim_data(actors))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"quantity_qualifier": "exact", "quantity_min": -3},
            "quantity_min",
            "A quantity cannot be negative.",
        ),
        (
            {"quantity_qualifier": "range", "quantity_min": 10, "quantity_max": 5},
            "quantity_max",
            "The maximum must be greater than or equal to the minimum.",
        ),
        (
            {"quantity_qualifier": "unknown", "quantity_max": 5},
            "quantity_qualifier",
            "A unknown quantity carries no numbers.",
        ),
        (
            {"quantity_qualifier": "qualitative"},
            "quantity_text",
            "Give the words used, e.g. 'limited quantities'.",
        ),
        ({"quantity_qualifier": "about"}, "quantity_min", "A quantity qualified as about needs a number."),
        ({"quantity_qualifier": "up_to"}, "quantity_max", "'Up to' needs a maximum."),
        (
            {"quantity_qualifier": "range", "quantity_min": 5},
            "quantity_max",
            "A range needs both a minimum and a maximum.",
        ),
        (
            {"quantity_qualifier": "exact", "quantity_min": 5, "quantity_max": 6},
            "quantity_max",
            "An exact quantity has one number.",
        ),
        (
            {"quantity_qualifier": "at_least", "quantity_min": 5, "quantity_max": 9},
            "quantity_max",
            "'At least' has no maximum.",
        ),
        (
            {"quantity_qualifier": "up_to", "quantity_min": 1, "quantity_max": 9},
            "quantity_min",
            "'Up to' has no minimum.",
        ),
        ({"hops": []}, "hops", "A claim needs at least one attribution hop: who said it."),
        (
            {"hops": [hop(position=1)]},
            "hops",
            "Positions must run 0, 1, 2 … without gaps or repeats (got [1]).",
        ),
        (
            {"hops": [hop(anonymity="named_on_record", speaker_id=None)]},
            "hops.0.speaker",
            "A named source needs a speaker actor.",
        ),
        (
            {"hops": [hop(descriptor="")]},
            "hops.0.descriptor",
            "An unnamed source needs the words used, e.g. 'a US official'.",
        ),
        (
            {"hops": [hop(anonymity="named_on_record", speaker_id=999_999)]},
            "hops.0.speaker",
            "Unknown actor 999999.",
        ),
        ({"hops": [hop(affiliation_id=999_999)]}, "hops.0.affiliation", "Unknown actor 999999."),
    ],
)
def test_each_quantity_and_hop_refusal_says_what_is_wrong(actors, editor, overrides, field, message):
    error = refused(
        lambda: services.create_claim(data=claim_data(actors, **overrides), by=editor), field=field
    )
    assert message in error.message_dict[field], error.message_dict


# --- discarding and reverting --------------------------------------------------------------------


def test_the_author_discards_a_draft_and_its_history_keeps_who_did(make_claim, editor):
    claim = make_claim()
    services.discard_claim(claim_id=claim.pk, by=editor)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    deletion = Claim.history.filter(id=claim.pk).order_by("-history_date").first()
    assert deletion.history_type == "-" and deletion.history_user == editor


def test_a_reviewer_discards_an_editors_claim_in_review(make_claim, reviewer):
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.discard_claim(claim_id=claim.pk, by=reviewer)
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_discarding_a_related_draft_gives_the_other_claim_a_version_saying_so(make_claim, editor):
    draft, other = make_claim(), make_claim(statement="Another draft.")
    services.add_relation(
        from_claim_id=draft.pk,
        to_claim_id=other.pk,
        kind="corroborates",
        independence="possibly_shared_origin",
        by=editor,
    )
    services.discard_claim(claim_id=draft.pk, by=editor)
    other.refresh_from_db()
    assert other.versions.order_by("-version").first().change == "unrelated: corroborates"
    assert not ClaimRelation.objects.exists()


@pytest.mark.parametrize("status", [vocab.Status.PUBLISHED, vocab.Status.RETRACTED])
def test_a_public_claim_cannot_be_discarded_even_by_a_reviewer(make_claim, reviewer, status):
    claim = make_claim(status)
    before = row_counts()
    with pytest.raises(PermissionDenied, match="retract a published claim instead"):
        services.discard_claim(claim_id=claim.pk, by=reviewer)
    assert row_counts() == before


def test_an_editor_cannot_discard_someone_elses_draft(make_claim, editor):
    other_editor = make_user("olga", "editor")
    claim = make_claim(by=other_editor)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.discard_claim(claim_id=claim.pk, by=editor)
    assert row_counts() == before


def test_an_editor_cannot_discard_a_draft_related_to_a_published_claim(make_claim, editor, reviewer):
    draft, public = make_claim(), make_claim(vocab.Status.PUBLISHED)
    services.add_relation(
        from_claim_id=draft.pk,
        to_claim_id=public.pk,
        kind="corroborates",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.discard_claim(claim_id=draft.pk, by=editor)
    assert row_counts() == before


def test_revert_writes_a_new_version_with_the_earlier_content(make_claim, actors, editor):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        by=editor,
        data=claim_data(actors, statement="Shells, not munitions.", place="Vladivostok"),
    )
    services.revert_claim(claim_id=claim.pk, to_version=1, expected_version=2, reason="Typo", by=editor)
    claim.refresh_from_db()
    assert claim.version == 3 and claim.statement == "North Korea has shipped munitions to Russia."
    assert claim.place == ""
    versions = {v.version: v for v in claim.versions.all()}
    first, restored = versions[1].snapshot, versions[3].snapshot
    content = [key for key in first if key not in ("version", "updated_at", "sources")]
    assert {key: restored[key] for key in content} == {key: first[key] for key in content}
    assert versions[3].change == "reverted to v1: Typo"


def test_revert_refuses_a_missing_version_the_current_one_and_a_blank_reason(make_claim, actors, editor):
    claim = make_claim()
    refused(
        lambda: services.revert_claim(
            claim_id=claim.pk, to_version=7, expected_version=1, reason="x", by=editor
        ),
        field="to_version",
    )
    refused(
        lambda: services.revert_claim(
            claim_id=claim.pk, to_version=1, expected_version=1, reason="x", by=editor
        ),
        field="to_version",
    )
    services.update_claim(
        claim_id=claim.pk, expected_version=1, by=editor, data=claim_data(actors, place="Murmansk")
    )
    refused(
        lambda: services.revert_claim(
            claim_id=claim.pk, to_version=1, expected_version=2, reason=" ", by=editor
        ),
        field="reason",
    )


def test_revert_from_a_stale_version_is_refused(make_claim, actors, editor):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk, expected_version=1, by=editor, data=claim_data(actors, place="Murmansk")
    )
    before = row_counts()
    with pytest.raises(services.StaleVersion):
        services.revert_claim(claim_id=claim.pk, to_version=1, expected_version=1, reason="x", by=editor)
    assert row_counts() == before


def test_an_editor_cannot_revert_a_published_claim(make_claim, editor):
    claim = make_claim(vocab.Status.PUBLISHED)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.revert_claim(
            claim_id=claim.pk, to_version=1, expected_version=claim.version, reason="x", by=editor
        )
    assert row_counts() == before


def test_a_bulk_write_refused_by_the_database_midway_leaves_nothing_behind(actors, editor, monkeypatch):
    real_load = loading.load

    def failing(model, objects, **kwargs):
        if model is RouteStop:
            raise IntegrityError("refused")
        return real_load(model, objects, **kwargs)

    monkeypatch.setattr("claims.services.bulk.load", failing)
    data = claim_data(actors, route=[services.RouteStopData(position=0, role="origin", country="KP")])
    with pytest.raises(IntegrityError):
        services.create_claims(rows=[data, data], by=editor)
    assert not Claim.objects.exists() and not Source.objects.exists()
    assert not AttributionHop.objects.exists() and not Claim.history.exists()
    assert not AttributionHop.history.exists() and not ClaimVersion.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_bulk_creation_copies_the_rows_and_writes_history_and_versions_set_based_on_postgresql(
    actors, editor, monkeypatch
):
    tables = []
    real_copy = loading._copy
    monkeypatch.setattr(
        loading, "_copy", lambda table, columns, rows: (tables.append(table), real_copy(table, columns, rows))
    )
    data = claim_data(
        actors,
        participant_ids=[actors["CN"].pk],
        route=[services.RouteStopData(position=0, role="origin", country="KP")],
    )
    [claim], _ = services.create_claims(rows=[data], by=editor)
    assert sorted(tables) == sorted(
        model._meta.db_table
        for model in (Source, Claim, AttributionHop, RouteStop, Claim.participants.through, ClaimDocument)
    )
    assert claim.history.get().history_user == editor and claim.route.get().country == "KP"
    assert RouteStop.history.get().history_user == editor and Source.history.get().history_user == editor
    assert claim.versions.get().snapshot == claim.document.body
    assert list(Claim.objects.search("munitions")) == [claim]  # the stored search vector is filled


CLAIM_GIN_INDEXES = ("claim_search_vector_gin", "claim_statement_trgm")


def pending_pages() -> int:
    """Pages in the claims' GIN pending lists, moved into the indexes as they are counted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(gin_clean_pending_list(name::regclass)) FROM unnest(%s::text[]) AS name",
            [list(CLAIM_GIN_INDEXES)],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN pending lists are PostgreSQL's")
def test_bulk_creation_leaves_the_claims_gin_pending_lists_empty_where_a_single_write_fills_them(
    actors, editor
):
    pending_pages()  # what earlier tests left (their rows rolled back, their index entries not)
    services.create_claim(data=claim_data(actors), by=editor)
    assert pending_pages() > 0
    rows = [claim_data(actors, statement=f"Shipment {n} of shells.") for n in range(20)]
    created, _ = services.create_claims(rows=rows, by=editor)
    assert pending_pages() == 0
    assert set(Claim.objects.search("shells")) == set(created)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN pending lists are PostgreSQL's")
def test_bulk_creation_by_a_role_that_does_not_own_the_indexes_leaves_their_lists_to_autovacuum(
    actors, editor
):
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE tracker_app_only")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO tracker_app_only")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO tracker_app_only")
        cursor.execute("SET LOCAL ROLE tracker_app_only")
    rows = [claim_data(actors, statement=f"Shipment {n} of shells.") for n in range(3)]
    created, refused = services.create_claims(rows=rows, by=editor)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert refused == {} and len(created) == 3
    assert pending_pages() > 0
    assert set(Claim.objects.search("shells")) == set(created)


def test_bulk_creation_copies_first_versions_in_slices_under_the_parameter_cap(actors, editor, monkeypatch):
    monkeypatch.setattr(projection, "VERSION_COPY_SLICE", 2)  # 5 claims: three statements, every claim
    rows = [claim_data(actors, statement=f"Shipment {n}.") for n in range(5)]
    created, refused = services.create_claims(rows=rows, by=editor)
    assert refused == {}
    versions = ClaimVersion.objects.filter(claim__in=created)
    assert sorted(versions.values_list("claim_id", "version")) == sorted((claim.pk, 1) for claim in created)
