import re
from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import services, vocab
from claims.models import Actor, Claim, ClaimRelation, Source
from tests.conftest import SOURCE_URL, claim_data, hop

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def login(client, user):
    client.force_login(user)
    return client


def form_post(actors, *, hops=None, route=None, **overrides) -> dict:
    """What the browser sends for a transfer with two hops and one route stop."""
    hops = hops or [
        {"anonymity": "anonymous_individual", "descriptor": "a US official", "role": "official"},
        {
            "anonymity": "outlet_voice",
            "speaker": actors["daily"].name,
            "source_url": SOURCE_URL,
            "quote": "Pyongyang ha spedito munizioni.",
            "quote_language": "it",
            "translation": "Pyongyang shipped munitions.",
        },
    ]
    route = (
        route if route is not None else [{"role": "transit", "region": "Middle East", "approximate": "on"}]
    )
    data = {
        "statement": "North Korea shipped shells to Russia.",
        "kind": "transfer",
        "supplier": actors["KP"].name,
        "recipient": actors["RU"].name,
        "item_category": "ammunition",
        "stage": "shipment",
        "stance": "assert",
        "modality": "occurred",
        "quantity_qualifier": "unknown",
        "event_precision": "month",
        "event_start": "2023-09-01",
        "hops-TOTAL_FORMS": str(len(hops)),
        "hops-INITIAL_FORMS": "0",
        "route-TOTAL_FORMS": str(len(route)),
        "route-INITIAL_FORMS": "0",
    }
    for prefix, rows in (("hops", hops), ("route", route)):
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-ORDER"] = str(index + 1)
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    data.update(overrides)
    return data


def edit_post(claim, actors, **overrides) -> dict:
    data = form_post(actors, expected_version=str(claim.version), **overrides)
    data["hops-INITIAL_FORMS"] = "0"
    return data


# ---------------------------------------------------------------- access


PAGES = ["/", "/claims/", "/claims/new/", "/claims/new/from-article/", "/actors/search/?q=a"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_user_without_a_role_gets_the_403_page_not_a_500(client, outsider):
    response = login(client, outsider).get("/")
    assert response.status_code == 403
    assert "You are not allowed to do this" in response.content.decode()


def test_login_page_and_post_logout(client, editor):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post(
        "/accounts/login/", {"username": "eddie", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_viewers_do_not_see_drafts(client, viewer, make_claim):
    draft = make_claim(statement="A draft nobody should read yet.")
    published = make_claim(vocab.Status.PUBLISHED, statement="A published claim.")
    login(client, viewer)
    listing = client.get("/claims/").content.decode()
    assert "A published claim." in listing and "A draft nobody" not in listing
    assert client.get(f"/claims/{draft.uuid}/").status_code == 404
    assert client.get(f"/claims/{published.uuid}/").status_code == 200


# ---------------------------------------------------------------- dashboard


def test_dashboard_counts_queues_and_pictures(client, reviewer, make_claim):
    make_claim(vocab.Status.IN_REVIEW, statement="Waiting for a reviewer.")
    make_claim(vocab.Status.PUBLISHED, event_precision="day", event_start=date(2023, 9, 13))
    make_claim(vocab.Status.PUBLISHED, statement="Undated but published.")
    Source.objects.filter(url=SOURCE_URL).update(liveness=vocab.Liveness.DEAD)
    html = login(client, reviewer).get("/").content.decode()
    assert "Waiting for a reviewer." in html
    assert re.search(r"<strong>1</strong> <span>In review</span>", html)
    assert "Dead" in html  # the dead source is in the attention queue
    assert '<svg class="chart timeline"' in html and '<svg class="chart graph"' in html
    kp, ru = Actor.objects.get(name="North Korea"), Actor.objects.get(name="Russia")
    assert f'href="/claims/?supplier={kp.pk}&amp;recipient={ru.pk}"' in html
    assert "Claims with no known date" in html


def test_dashboard_pictures_show_published_claims_and_only_count_the_rest(client, reviewer, make_claim):
    make_claim(
        vocab.Status.PUBLISHED,
        statement="Published and dated.",
        event_precision="day",
        event_start=date(2023, 9, 13),
    )
    make_claim(statement="A draft with a typo date.", event_precision="day", event_start=date(1023, 9, 13))
    make_claim(vocab.Status.IN_REVIEW, statement="Waiting for a reviewer.")
    html = login(client, reviewer).get("/").content.decode()
    timeline = html[html.index('<svg class="chart timeline"') : html.index("</svg>")]
    assert "Published and dated." in timeline and "A draft with a typo date." not in timeline
    assert "2 unpublished claims are counted above, not drawn." in html
    graph = html[html.index('<svg class="chart graph"') :]
    assert '<tspan class="count">1</tspan>' in graph  # three claims name the pair; one is public


def test_a_negated_transfer_is_drawn_hollow_and_left_out_of_the_supply_graph(
    client, reviewer, actors, make_claim
):
    make_claim(
        vocab.Status.PUBLISHED,
        statement="The shells did not reach the front.",
        negated=True,
        stage=vocab.Stage.BATTLEFIELD_USE,
        event_precision="day",
        event_start=date(2023, 9, 13),
    )
    html = login(client, reviewer).get("/").content.decode()
    assert 'class="mark negated"' in html and "stage-battlefield_use" not in html.split("</svg>")[0]
    assert '<svg class="chart graph"' not in html


def test_dashboard_hides_the_editorial_queue_from_viewers(client, viewer, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    html = login(client, viewer).get("/").content.decode()
    assert "Needs attention" not in html


# ---------------------------------------------------------------- list


def test_list_filters_sorts_and_keeps_everything_in_the_url(client, reviewer, actors, make_claim):
    make_claim(statement="Shells from North Korea.")
    make_claim(
        statement="Russia sends technology.", supplier_id=actors["RU"].pk, recipient_id=actors["KP"].pk
    )
    make_claim(vocab.Status.PUBLISHED, statement="Published shells claim.")
    login(client, reviewer)
    html = client.get(f"/claims/?supplier={actors['RU'].pk}").content.decode()
    assert "Russia sends technology." in html and "Shells from North Korea." not in html
    html = client.get("/claims/?status=published").content.decode()
    assert "Published shells claim." in html and "Shells from North Korea." not in html
    html = client.get("/claims/?q=technology").content.decode()
    assert "Russia sends technology." in html and "Published shells" not in html
    html = client.get("/claims/?sort=statement&credibility=3").content.decode()
    assert "Published shells claim." in html and "Russia sends" not in html  # unassessed claims drop out
    html = client.get("/claims/?sort=statement").content.decode()
    assert html.index("Published shells") < html.index("Russia sends") < html.index("Shells from")


def test_list_paginates_and_links_keep_the_filters(client, reviewer, make_claim):
    for number in range(27):
        make_claim(statement=f"Claim number {number}.")
    html = login(client, reviewer).get("/claims/?status=draft").content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?status=draft&amp;page=2"' in html
    second = client.get("/claims/?status=draft&page=2").content.decode()
    assert second.count("<tr>") == 1 + 2  # header row and the last two claims


def test_list_rows_speak_the_readers_language(client, viewer, make_claim):
    make_claim(vocab.Status.PUBLISHED, stage=vocab.Stage.DELIVERY)
    login(client, viewer)
    english = client.get("/claims/").content.decode()
    assert "<td>Delivery</td>" in english and 'status-published">Published<' in english
    assert 'title="usually reliable, possibly true">B3<' in english
    client.cookies["django_language"] = "it"
    italian = client.get("/claims/").content.decode()
    assert "<td>Consegna</td>" in italian and 'status-published">Pubblicata<' in italian
    assert 'title="di solito affidabile, forse vera">B3<' in italian


def test_list_rows_write_the_status_badge_as_every_other_page_does(client, viewer, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    login(client, viewer)
    badge = render_to_string("claims/_status.html", {"status": claim.status, "label": "Published"})
    assert f"<td>{badge}</td>" in client.get("/claims/").content.decode()
    assert badge in client.get(f"/claims/{claim.uuid}/").content.decode()


def test_the_filter_panel_shows_the_filters_in_use_errors_and_the_readers_language(client, viewer):
    login(client, viewer)
    unused = client.get("/claims/?q=shells").content.decode()
    assert '<details class="wide more-filters" data-open-wide>' in unused and "in use" not in unused
    used = client.get("/claims/?q=shells&stage=delivery").content.decode()
    assert '<option value="delivery" selected>' in used and "1 in use" in used
    wrong = client.get("/claims/", {"q": "x" * 201}).content.decode()
    assert '<details class="wide more-filters" data-open-wide open>' in wrong
    assert client.get("/claims/").content.decode().count("<summary>Filters</summary>") == 1
    client.cookies["django_language"] = "it"
    assert client.get("/claims/").content.decode().count("<summary>Filtri</summary>") == 1


def test_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    client, reviewer, make_claim, django_assert_num_queries
):
    make_claim()
    login(client, reviewer)
    with CaptureQueriesContext(connection) as few:
        client.get("/claims/?per_page=100")
    for _ in range(30):
        make_claim()
    # session, user, user and group permissions, count, page (who said it comes with each row), the
    # user's saved searches
    assert len(few) == 7
    with django_assert_num_queries(len(few)):
        response = client.get("/claims/?per_page=100")
    assert response.content.decode().count('<td><a href="/claims/') == 31


def test_claim_page_runs_a_fixed_number_of_queries(
    client, reviewer, actors, make_claim, django_assert_num_queries
):
    short = make_claim(vocab.Status.PUBLISHED)
    hops = [hop(i, source_url=f"https://news.example.org/{i}") for i in range(6)]
    long = make_claim(
        vocab.Status.PUBLISHED,
        hops=hops,
        route=[services.RouteStopData(position=i, role="transit", country="TR") for i in range(4)],
    )
    login(client, reviewer)
    with CaptureQueriesContext(connection) as baseline:
        client.get(f"/claims/{short.uuid}/")
    with django_assert_num_queries(len(baseline)):
        client.get(f"/claims/{long.uuid}/")


# ---------------------------------------------------------------- claim page


def test_claim_page_shows_chain_assessment_in_words_and_history(client, reviewer, actors, make_claim):
    claim = make_claim(
        vocab.Status.PUBLISHED,
        hops=[
            hop(0, source_url=""),
            hop(1, anonymity="outlet_voice", speaker_id=actors["daily"].pk, descriptor=""),
        ],
    )
    html = login(client, reviewer).get(f"/claims/{claim.uuid}/").content.decode()
    assert "Originator" in html and "The document we read" in html
    assert "Anonymous individual" in html and "Outlet&#x27;s own voice" in html
    assert "Kim Jong-un ha intenzione" in html and "Kim Jong Un intends" in html
    assert "B3 — usually reliable source, information possibly true" in html
    assert "Official, unconfirmed." in html
    assert "Draft → <strong>In review</strong>" in html
    assert "v1 · Created" in html


def test_diff_between_two_versions_is_readable(client, editor, actors, make_claim):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk,
        expected_version=1,
        by=editor,
        data=claim_data(actors, statement="A changed statement."),
    )
    html = login(client, editor).get(f"/claims/{claim.uuid}/diff/?from=1&to=2").content.decode()
    assert "<del>Statement: North Korea has shipped munitions to Russia.</del>" in html
    assert "<ins>Statement: A changed statement.</ins>" in html
    assert client.get(f"/claims/{claim.uuid}/diff/?from=1&to=9").status_code == 404
    assert client.get(f"/claims/{claim.uuid}/diff/?from=x").status_code == 404


# ---------------------------------------------------------------- create and edit


def test_editor_creates_a_claim_with_two_hops_and_a_route(client, editor, actors):
    response = login(client, editor).post("/claims/new/", form_post(actors))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.uuid}/"
    assert [h.descriptor for h in claim.hops.all()] == ["a US official", ""]
    assert claim.hops.get(position=1).source.url == SOURCE_URL
    assert claim.route.get().region == "Middle East"
    assert str(claim.event_end) == "2023-09-30"


def test_hops_are_saved_in_the_order_the_editor_gave(client, editor, actors):
    data = form_post(actors)
    data["hops-0-ORDER"], data["hops-1-ORDER"] = "2", "1"
    data["hops-1-source_url"], data["hops-0-source_url"] = "", SOURCE_URL
    assert login(client, editor).post("/claims/new/", data).status_code == 302
    assert [h.descriptor for h in Claim.objects.get().hops.all()] == ["", "a US official"]


def test_invalid_hop_shows_the_error_next_to_it_and_saves_nothing(client, editor, actors):
    data = form_post(actors)
    data["hops-0-descriptor"] = ""
    response = login(client, editor).post("/claims/new/", data)
    assert response.status_code == 200
    assert Claim.objects.count() == 0 and Source.objects.count() == 0
    hop_form = response.context["hops"].forms[0]
    assert "An unnamed source needs the words used" in hop_form.errors["descriptor"][0]
    assert not response.context["form"].non_field_errors()  # shown on the hop, not twice
    assert "Nothing was saved" in response.content.decode()


def test_claim_level_errors_go_next_to_their_fields(client, editor, actors):
    response = login(client, editor).post("/claims/new/", form_post(actors, recipient=actors["KP"].name))
    assert "must be different actors" in response.context["form"].errors["recipient"][0]
    response = client.post("/claims/new/", form_post(actors, supplier="Atlantis"))
    assert "No actor is called" in response.context["form"].errors["supplier"][0]
    assert Claim.objects.count() == 0


def test_missing_last_hop_url_is_reported_on_that_hop(client, editor, actors):
    data = form_post(actors)
    data["hops-1-source_url"] = ""
    response = login(client, editor).post("/claims/new/", data)
    assert "give its URL" in response.context["hops"].forms[1].errors["source_url"][0]


def test_viewer_cannot_open_or_post_the_forms(client, viewer, actors, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    login(client, viewer)
    assert client.get("/claims/new/").status_code == 403
    assert client.post("/claims/new/", form_post(actors)).status_code == 403
    response = client.post(f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="Hijacked"))
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.statement != "Hijacked" and claim.version == 4


def test_the_conflict_compares_only_what_the_form_edits(client, reviewer, actors, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    other = make_claim(statement="Another claim.")
    services.add_relation(
        from_claim_id=claim.pk,
        to_claim_id=other.pk,
        kind="corroborates",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    services.add_assessment(
        claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, rationale="Two officials."
    )
    claim.refresh_from_db()
    # As the edit form posts it: the end date shown is the stored end of the month.
    month = {"event_end": "2023-09-30"}
    login(client, reviewer)
    theirs = client.post(
        f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="Their edit.", **month)
    )
    assert theirs.status_code == 302
    response = client.post(
        f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="My late edit.", **month)
    )
    conflict = response.context["conflict"]
    changed = [line.text for line in conflict["lines"] if line.op != "same"]
    assert changed == ["Statement: Their edit.", "Statement: My late edit."]
    shown = conflict["their_lines"] + conflict["my_lines"]
    assert not [line for line in shown if line.startswith(("Assessment", "Rationale", "Relation"))]


def test_editor_cannot_edit_someone_elses_draft(client, other_editor, actors, make_claim):
    claim = make_claim()
    login(client, other_editor)
    assert client.get(f"/claims/{claim.uuid}/edit/").status_code == 403
    assert (
        client.post(f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="Mine now")).status_code
        == 403
    )
    claim.refresh_from_db()
    assert claim.statement != "Mine now"


def test_edit_form_is_prefilled_and_saves_a_new_version(client, editor, actors, make_claim):
    claim = make_claim()
    login(client, editor)
    page = client.get(f"/claims/{claim.uuid}/edit/")
    assert page.context["form"].initial["expected_version"] == 1
    assert page.context["hops"].forms[0].initial["descriptor"] == "a US official"
    response = client.post(f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="Edited."))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Edited." and claim.version == 2


def test_stale_edit_shows_their_version_and_saves_nothing(client, editor, reviewer, actors, make_claim):
    claim = make_claim()
    stale = edit_post(claim, actors, statement="My late edit.")
    services.update_claim(
        claim_id=claim.pk, expected_version=1, by=reviewer, data=claim_data(actors, statement="Their edit.")
    )
    response = login(client, editor).post(f"/claims/{claim.uuid}/edit/", stale)
    assert response.status_code == 200 and response.context["conflict"]
    html = response.content.decode()
    assert "Someone else saved this claim meanwhile: version 2 by rita" in html
    assert "Statement: Their edit." in html and "Statement: My late edit." in html
    assert 'name="expected_version" value="2"' in html
    claim.refresh_from_db()
    assert claim.statement == "Their edit." and claim.version == 2


def test_from_article_puts_the_article_in_the_last_hop_and_leaves_hop_zero_for_the_originator(client, editor):
    login(client, editor)
    assert client.get("/claims/new/from-article/").status_code == 200
    response = client.post(
        "/claims/new/from-article/",
        {"source_url": SOURCE_URL, "quote": "Secondo Washington…", "quote_language": "it"},
    )
    hops = response.context["hops"]
    assert [row.initial for row in hops.forms] == [
        {},
        {
            "anonymity": "outlet_voice",
            "source_url": SOURCE_URL,
            "quote": "Secondo Washington…",
            "quote_language": "it",
        },
    ]
    html = response.content.decode()
    assert f'name="hops-1-source_url" value="{SOURCE_URL}"' in html
    assert "Secondo Washington…</textarea>" in html
    assert 'action="/claims/new/"' in html
    assert Claim.objects.count() == 0


# ---------------------------------------------------------------- workflow, assessment, relations


def test_editor_submits_own_draft_with_a_reason(client, editor, make_claim):
    claim = make_claim()
    login(client, editor)
    response = client.post(f"/claims/{claim.uuid}/transition/", {"to": "in_review", "reason": "ready"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == vocab.Status.IN_REVIEW


def test_a_transition_without_a_reason_is_refused_and_changes_nothing(client, editor, make_claim):
    claim = make_claim()
    response = login(client, editor).post(
        f"/claims/{claim.uuid}/transition/", {"to": "in_review", "reason": " "}
    )
    assert response.status_code == 200
    assert "required" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == vocab.Status.DRAFT


def test_editor_cannot_publish(client, editor, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, rationale="ok")
    response = login(client, editor).post(
        f"/claims/{claim.uuid}/transition/", {"to": "published", "reason": "go"}
    )
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == vocab.Status.IN_REVIEW


def test_reviewer_publishes_and_the_page_offers_retract(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, rationale="ok")
    login(client, reviewer)
    assert (
        client.post(
            f"/claims/{claim.uuid}/transition/",
            {"to": "published", "reason": "go", "confirm_unverified_sources": "on"},
        ).status_code
        == 302
    )
    html = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "Retract" in html and "Publish</summary>" not in html


def test_publishing_on_an_uncaptured_source_warns_and_needs_the_checkbox(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="B", credibility=2, rationale="ok")
    page = login(client, reviewer).get(f"/claims/{claim.uuid}/").content.decode()
    assert "No intact copy of these sources was captured, or they are suspect or dead:" in page
    assert SOURCE_URL in page and 'name="confirm_unverified_sources"' in page
    response = client.post(f"/claims/{claim.uuid}/transition/", {"to": "published", "reason": "go"})
    assert response.status_code == 200
    form = response.context["transitions"][-1][2]
    assert "Confirm that you publish anyway" in form.errors["confirm_unverified_sources"][0]
    claim.refresh_from_db()
    assert claim.status == vocab.Status.IN_REVIEW


def test_publishing_an_unassessed_claim_shows_why(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    response = login(client, reviewer).post(
        f"/claims/{claim.uuid}/transition/", {"to": "published", "reason": "go"}
    )
    assert "Assess the claim before publishing it." in response.content.decode()


def test_assessments_are_for_reviewers(client, editor, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    data = {
        "reliability": "B",
        "credibility": "2",
        "likelihood": "likely",
        "confidence": "moderate",
        "rationale": "Two officials.",
    }
    assert login(client, editor).post(f"/claims/{claim.uuid}/assess/", data).status_code == 403
    assert not claim.assessments.exists()
    assert login(client, reviewer).post(f"/claims/{claim.uuid}/assess/", data).status_code == 302
    html = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert (
        "B2 — usually reliable source, information probably true · likely (55–80 %) · moderate confidence"
        in html
    )


def test_the_assessment_form_starts_blank_and_refuses_a_rationale_alone(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    page = login(client, reviewer).get(f"/claims/{claim.uuid}/")
    html = page.content.decode()
    for name in ("reliability", "credibility"):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group()
        assert re.search(r"<option.*?>", select).group() == '<option value="" selected>'
    assert "B — usually reliable</option>" in html and "2 — probably true</option>" in html

    response = client.post(f"/claims/{claim.uuid}/assess/", {"rationale": "Only words."})
    errors = response.context["assessment_form"].errors
    assert errors["reliability"] == ["This field is required."]
    assert errors["credibility"] == ["This field is required."]
    assert not claim.assessments.exists()

    client.post("/i18n/setlang/", {"language": "it", "next": "/"})
    html = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "B — di solito affidabile</option>" in html and "2 — probabilmente vera</option>" in html


def test_credibility_one_without_corroboration_is_refused_on_the_field(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    data = {"reliability": "A", "credibility": "1", "rationale": "Sure."}
    response = login(client, reviewer).post(f"/claims/{claim.uuid}/assess/", data)
    assert "independent origin" in response.context["assessment_form"].errors["credibility"][0]
    assert not claim.assessments.exists()


def test_relations_are_added_and_removed(client, editor, make_claim):
    one, other = make_claim(statement="One."), make_claim(statement="Other.")
    login(client, editor)
    data = {
        "kind": "corroborates",
        "to_claim": str(other.uuid),
        "independence": "possibly_shared_origin",
        "note": "",
    }
    assert client.post(f"/claims/{one.uuid}/relations/", data).status_code == 302
    relation = ClaimRelation.objects.get()
    html = client.get(f"/claims/{other.uuid}/").content.decode()
    assert "One." in html and "independent" in html
    assert client.post(f"/claims/{one.uuid}/relations/{relation.pk}/remove/").status_code == 302
    assert not ClaimRelation.objects.exists()


def test_viewer_cannot_relate_or_unrelate(client, viewer, reviewer, make_claim):
    one, other = make_claim(vocab.Status.PUBLISHED), make_claim(vocab.Status.PUBLISHED)
    relation = services.add_relation(
        from_claim_id=one.pk,
        to_claim_id=other.pk,
        kind="context",
        independence="possibly_shared_origin",
        by=reviewer,
    )
    login(client, viewer)
    data = {"kind": "corroborates", "to_claim": str(other.uuid), "independence": "possibly_shared_origin"}
    assert client.post(f"/claims/{one.uuid}/relations/", data).status_code == 403
    assert client.post(f"/claims/{one.uuid}/relations/{relation.pk}/remove/").status_code == 403
    assert ClaimRelation.objects.count() == 1


# ---------------------------------------------------------------- actors


def test_actor_search_matches_names_and_aliases(client, viewer, actors):
    login(client, viewer)
    results = client.get("/actors/search/?q=pyong").json()["results"]
    assert [(a["name"], a["alias"]) for a in results] == [("North Korea", "Pyongyang")]


def test_actor_search_ignores_case_and_accents_both_ways(client, editor, actors):
    Actor.objects.create(name="Kyïv City Administration", kind=vocab.ActorKind.GOVERNMENT_BODY)
    Actor.objects.create(
        name="Rosoboronexport", kind=vocab.ActorKind.COMPANY, aliases=["Rosoboronéxport OAO"]
    )
    login(client, editor)

    def names(query):
        return [a["name"] for a in client.get("/actors/search/", {"q": query}).json()["results"]]

    assert names("KYIV") == names("kyïv") == ["Kyïv City Administration"]
    assert names("ÉXPORT oao") == ["Rosoboronexport"]
    assert names("NORTH") == ["North Korea"]


def test_actor_search_puts_names_that_start_with_the_query_first(client, editor, actors):
    Actor.objects.create(name="Armed Forces of Russia", kind=vocab.ActorKind.ARMED_FORCES)
    Actor.objects.create(name="Russian Railways", kind=vocab.ActorKind.COMPANY)
    login(client, editor)
    results = client.get("/actors/search/", {"q": "russ"}).json()["results"]
    assert [a["name"] for a in results] == ["Russia", "Russian Railways", "Armed Forces of Russia"]
    assert results[0] == {"id": actors["RU"].pk, "name": "Russia", "kind": "state", "country": "RU"}


def test_actor_search_answers_at_most_20_in_a_fixed_number_of_queries(
    client, editor, viewer, actors, make_claim, django_assert_num_queries
):
    Actor.objects.bulk_create(Actor(name=f"Supplier {n:03}", kind=vocab.ActorKind.COMPANY) for n in range(60))
    make_claim()  # a draft: readers' visibility has work to do
    for user in (editor, viewer):
        login(client, user)
        with CaptureQueriesContext(connection) as one:
            assert len(client.get("/actors/search/", {"q": "Supplier 001"}).json()["results"]) == 1
        with django_assert_num_queries(len(one)):
            results = client.get("/actors/search/", {"q": "supplier"}).json()["results"]
        assert [a["name"] for a in results] == [f"Supplier {n:03}" for n in range(20)]


def test_actor_search_never_shows_a_draft_only_actor_to_readers(client, editor, viewer, actors, make_claim):
    secret = Actor.objects.create(name="Secret Shell Company", kind=vocab.ActorKind.COMPANY)
    make_claim(supplier_id=secret.pk)  # a draft
    login(client, viewer)
    assert client.get("/actors/search/", {"q": "secret"}).json()["results"] == []
    assert client.get("/claims/", {"supplier": secret.pk}).content.decode().count("Secret Shell") == 0
    login(client, editor)
    assert [a["name"] for a in client.get("/actors/search/", {"q": "secret"}).json()["results"]] == [
        "Secret Shell Company"
    ]


def test_actor_search_offers_countries_only_when_asked(client, viewer, actors):
    login(client, viewer)
    assert "countries" not in client.get("/actors/search/", {"q": "ru"}).json()
    countries = client.get("/actors/search/", {"q": "ru", "countries": "1"}).json()["countries"]
    assert countries[0] == {"code": "RU", "name": "Russian Federation"}
    assert len(countries) <= 5


@pytest.mark.parametrize(
    ("query", "message"), [("x" * 101, "at most 100 characters"), ("no\x00pe", "NUL character")]
)
def test_actor_search_refuses_bad_input_with_a_json_field_error(client, viewer, actors, query, message):
    login(client, viewer)
    response = client.get("/actors/search/", {"q": query})
    assert response.status_code == 400
    assert message in response.json()["errors"]["q"][0]


def test_actor_search_with_nothing_typed_answers_nothing(client, viewer, actors):
    login(client, viewer)
    for query in ({}, {"q": ""}, {"q": "   "}):
        assert client.get("/actors/search/", query).json() == {"results": []}
    assert client.get("/actors/search/", {"q": "x" * 100}).status_code == 200


def test_anonymous_visitors_cannot_search_actors(client, actors):
    response = client.get("/actors/search/", {"q": "north"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_participants_posted_as_tokens_are_saved_with_those_typed_by_name(client, editor, actors):
    data = form_post(
        actors, kind="military_cooperation", supplier="", recipient="", item_category="", stage=""
    )
    data["participants"] = [str(actors["KP"].pk), str(actors["RU"].pk)]
    data["participants_add"] = "washington; John Kirby"
    response = login(client, editor).post("/claims/new/", data)
    assert response.status_code == 302
    assert set(Claim.objects.get().participants.values_list("name", flat=True)) == {
        "North Korea",
        "Russia",
        "United States",
        "John Kirby",
    }


def test_an_unknown_participant_id_is_refused_next_to_the_field_and_saves_nothing(client, editor, actors):
    data = form_post(
        actors, kind="military_cooperation", supplier="", recipient="", item_category="", stage=""
    )
    data["participants"] = [str(actors["KP"].pk), "999999"]
    response = login(client, editor).post("/claims/new/", data)
    assert response.status_code == 200 and Claim.objects.count() == 0
    assert "No actor has the id 999999" in response.context["form"].errors["participants"][0]
    html = response.content.decode()
    # The valid token is shown again, ticked; the unknown one is not.
    assert (
        f'name="participants" value="{actors["KP"].pk}"' in html
        and "999999" not in html.split("field-errors")[0]
    )


def test_the_claim_form_puts_create_an_actor_beside_each_picker_and_lists_no_actors(client, editor, actors):
    html = login(client, editor).get("/claims/new/").content.decode()
    for field in (
        "id_supplier",
        "id_recipient",
        "id_participants",
        "id_hops-0-speaker",
        "id_hops-0-affiliation",
    ):
        assert f'data-create-actor-for="{field}"' in html, field
    assert "<datalist" not in html and "North Korea" not in html


def test_actor_is_created_inline_and_refused_to_viewers(client, editor, viewer):
    headers = {"Accept": "application/json"}
    data = {"name": "Wagner Group", "kind": "non_state_armed_group", "country": "ru"}
    assert login(client, viewer).post("/actors/new/", data, headers=headers).status_code == 403
    response = login(client, editor).post("/actors/new/", data, headers=headers)
    assert response.status_code == 201 and response.json()["name"] == "Wagner Group"
    assert Actor.objects.get(name="Wagner Group").country == "RU"
    response = client.post("/actors/new/", {**data, "name": "Other", "country": "UK"}, headers=headers)
    assert response.status_code == 400 and "country" in response.json()["errors"]


# ---------------------------------------------------------------- safety


def test_every_html_page_has_a_csp_without_inline_script_or_style(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    login(client, reviewer)
    for url in [
        "/",
        "/claims/",
        f"/claims/{claim.uuid}/",
        f"/claims/{claim.uuid}/edit/",
        "/claims/new/",
        f"/claims/{claim.uuid}/diff/",
        "/claims/new/from-article/",
        "/accounts/login/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = response.content.decode()
        # A JSON-LD block (ClaimReview) is data, which browsers never run: only it may be inline.
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/ld\+json\"))", html), url
        assert not re.search(r"\sstyle=|<style", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_every_post_form_carries_a_csrf_token(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.IN_REVIEW)
    login(client, reviewer)
    for url in ["/", f"/claims/{claim.uuid}/", f"/claims/{claim.uuid}/edit/", "/claims/new/from-article/"]:
        html = client.get(url).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms and all("csrfmiddlewaretoken" in form for form in forms), url


def test_posts_without_a_csrf_token_are_refused(editor, actors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post("/claims/new/", form_post(actors)).status_code == 403
    assert Claim.objects.count() == 0


def test_user_text_is_escaped_everywhere(client, reviewer, actors, make_claim):
    evil = Actor.objects.create(name=f"Evil {XSS}", kind="state")
    claim = make_claim(
        vocab.Status.PUBLISHED,
        statement=XSS,
        supplier_id=evil.pk,
        event_precision="day",
        event_start=date(2023, 9, 1),
    )
    login(client, reviewer)
    for url in ["/", "/claims/", f"/claims/{claim.uuid}/", f"/claims/{claim.uuid}/edit/"]:
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_language_switch_to_italian(client, reviewer):
    login(client, reviewer)
    response = client.post("/i18n/setlang/", {"language": "it", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="it">' in html
    assert "Cruscotto" in html


# ---------------------------------------------------------------- formset bounds


def many_rows(actors, count: int) -> dict:
    """A valid claim with count hops (the last one the source read) and count route stops."""
    hops = [{"anonymity": "anonymous_individual", "descriptor": f"official {n}"} for n in range(count - 1)]
    hops.append({"anonymity": "outlet_voice", "speaker": actors["daily"].name, "source_url": SOURCE_URL})
    route = [{"role": "transit", "region": f"Region {n}"} for n in range(count)]
    return form_post(actors, hops=hops, route=route)


def test_fifty_hops_and_fifty_route_stops_are_accepted(client, editor, actors):
    response = login(client, editor).post("/claims/new/", many_rows(actors, 50))
    assert response.status_code == 302, re.findall(r'class="errors"[^>]*>(.*?)</', response.content.decode())
    claim = Claim.objects.get()
    assert (claim.hops.count(), claim.route.count()) == (50, 50)


@pytest.mark.parametrize(
    ("prefix", "message"),
    [("hops", "A claim can have at most 50 hops."), ("route", "A claim can have at most 50 route stops.")],
)
@pytest.mark.parametrize("total", [51, 100_000])
def test_more_rows_than_the_cap_are_refused_quickly_with_a_small_page(
    client, editor, actors, prefix, message, total
):
    data = many_rows(actors, 50)
    data[f"{prefix}-TOTAL_FORMS"] = str(total)
    login(client, editor)
    response = client.post("/claims/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    # Uncapped, 2,000 rows were built and shown again (over 12 s); capped, the 50 sent come back.
    assert len(set(re.findall(rf'name="{prefix}-(\d+)-', body))) <= 50
    assert len(response.content) < 1_000_000, len(response.content)
    assert not Claim.objects.exists()


def test_version_summaries_speak_the_readers_language(client, reviewer, make_claim):
    claim = make_claim(status=vocab.Status.IN_REVIEW)
    login(client, reviewer).post("/i18n/setlang/", {"language": "it", "next": "/"})
    dashboard = client.get("/").content.decode()
    assert "Stato: Bozza → In revisione" in dashboard and "draft → in_review" not in dashboard
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "Creata" in page and "Stato: Bozza → In revisione" in page
    diff = client.get(f"/claims/{claim.uuid}/diff/").content.decode()
    assert "Stato: Bozza → In revisione" in diff


def test_diff_names_a_related_claim_by_its_statement_only_when_the_reader_may_see_it(
    client, viewer, reviewer, make_claim
):
    published = make_claim(status=vocab.Status.PUBLISHED, statement="Iran has shipped drones to Russia.")
    other = make_claim(status=vocab.Status.PUBLISHED, statement="Russia has received Iranian drones.")
    draft = make_claim(statement="A draft nobody outside may read.")
    for target in (other, draft):
        services.add_relation(
            from_claim_id=published.pk,
            to_claim_id=target.pk,
            kind="corroborates",
            independence="possibly_shared_origin",
            by=reviewer,
        )
    last = published.versions.count()
    as_reviewer = login(client, reviewer).get(f"/claims/{published.uuid}/diff/?from=1&to={last}")
    assert "“Russia has received Iranian drones.”" in as_reviewer.content.decode()
    assert "“A draft nobody outside may read.”" in as_reviewer.content.decode()
    first_public = published.versions.get(change="published").version
    as_viewer = login(client, viewer).get(f"/claims/{published.uuid}/diff/?from={first_public}&to={last}")
    assert "“Russia has received Iranian drones.”" in as_viewer.content.decode()
    assert "A draft nobody outside may read." not in as_viewer.content.decode()


# ---------------------------------------------------------------- discard and restore


def test_the_author_discards_a_draft_from_its_page(client, editor, make_claim):
    claim = make_claim(statement="A draft to throw away.")
    page = login(client, editor).get(f"/claims/{claim.uuid}/").content.decode()
    assert f'action="/claims/{claim.uuid}/discard/"' in page
    response = client.post(f"/claims/{claim.uuid}/discard/", follow=True)
    assert "A draft to throw away." in response.content.decode()  # the message names it
    assert response.redirect_chain[-1][0] == "/claims/"
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_a_published_claim_offers_no_discard_and_refuses_one(client, reviewer, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    page = login(client, reviewer).get(f"/claims/{claim.uuid}/").content.decode()
    assert "/discard/" not in page
    assert client.post(f"/claims/{claim.uuid}/discard/").status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_restore_this_version_from_the_diff_view(client, editor, actors, make_claim):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk, expected_version=1, by=editor, data=claim_data(actors, place="Vladivostok")
    )
    page = login(client, editor).get(f"/claims/{claim.uuid}/diff/?from=1&to=2").content.decode()
    assert "Restore version 1" in page and 'name="expected_version" value="2"' in page
    response = client.post(
        f"/claims/{claim.uuid}/revert/",
        {"to_version": "1", "expected_version": "2", "reason": "Wrong port"},
        follow=True,
    )
    assert "Version 1 is restored as a new version." in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 3 and claim.place == ""


def test_restoring_without_a_reason_or_from_a_stale_page_changes_nothing(client, editor, actors, make_claim):
    claim = make_claim()
    services.update_claim(
        claim_id=claim.pk, expected_version=1, by=editor, data=claim_data(actors, place="Vladivostok")
    )
    login(client, editor)
    blank = client.post(
        f"/claims/{claim.uuid}/revert/",
        {"to_version": "1", "expected_version": "2", "reason": ""},
        follow=True,
    )
    assert "a reason is required" in blank.content.decode()
    stale = client.post(
        f"/claims/{claim.uuid}/revert/",
        {"to_version": "1", "expected_version": "1", "reason": "x"},
        follow=True,
    )
    assert "Someone saved this claim meanwhile" in stale.content.decode()
    claim.refresh_from_db()
    assert claim.version == 2 and claim.place == "Vladivostok"


def test_the_current_version_offers_no_restore(client, editor, make_claim):
    claim = make_claim()
    page = login(client, editor).get(f"/claims/{claim.uuid}/diff/").content.decode()
    assert "Restore version" not in page
