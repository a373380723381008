import pytest

from claims import vocab
from claims.models import AttributionHop, Claim, FeedEvent, Source
from tests.conftest import SOURCE_URL

pytestmark = pytest.mark.django_db


def admin_post(actors, **overrides) -> dict:
    data = {
        "statement": "North Korea shipped shells to Russia.",
        "kind": "transfer",
        "supplier": actors["KP"].pk,
        "recipient": actors["RU"].pk,
        "item_category": "ammunition",
        "stage": "shipment",
        "stance": "assert",
        "modality": "occurred",
        "quantity_qualifier": "unknown",
        "event_precision": "unknown",
        "hops-TOTAL_FORMS": "1",
        "hops-INITIAL_FORMS": "0",
        "hops-0-position": "0",
        "hops-0-anonymity": "anonymous_individual",
        "hops-0-descriptor": "a US official",
        "hops-0-source_url": SOURCE_URL,
        "route-TOTAL_FORMS": "1",
        "route-INITIAL_FORMS": "0",
        "route-0-position": "0",
        "route-0-role": "transit",
        "route-0-region": "Middle East",
        "route-0-approximate": "on",
        "assessments-TOTAL_FORMS": "0",
        "assessments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_reviewer(reviewer):
    reviewer.is_staff = True
    reviewer.save()
    return reviewer


def test_admin_creates_a_claim_with_hops_and_route_through_the_service(client, staff_reviewer, actors):
    client.force_login(staff_reviewer)
    response = client.post("/admin/claims/claim/add/", admin_post(actors))
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        response.context["errors"],
    )
    claim = Claim.objects.get()
    assert claim.created_by == staff_reviewer
    assert claim.hops.get().source == Source.objects.get(url=SOURCE_URL)
    assert claim.route.get().region == "Middle East"
    assert claim.versions.count() == 1


def test_admin_refuses_supplier_equal_to_recipient_and_saves_nothing(client, staff_reviewer, actors):
    client.force_login(staff_reviewer)
    response = client.post("/admin/claims/claim/add/", admin_post(actors, recipient=actors["KP"].pk))
    assert response.status_code == 200
    assert "must be different actors" in response.content.decode()
    assert not Claim.objects.exists()


def test_admin_refuses_anonymous_hop_without_descriptor(client, staff_reviewer, actors):
    client.force_login(staff_reviewer)
    response = client.post("/admin/claims/claim/add/", admin_post(actors, **{"hops-0-descriptor": ""}))
    assert response.status_code == 200
    assert "needs the words used" in response.content.decode()
    assert not AttributionHop.objects.exists()


def test_admin_refuses_a_stale_edit(client, staff_reviewer, actors, make_claim):
    claim = make_claim()
    client.force_login(staff_reviewer)
    post = admin_post(
        actors,
        expected_version=str(claim.version - 1 if claim.version > 1 else 0),
        **{"hops-INITIAL_FORMS": "0"},
    )
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", post)
    assert response.status_code == 200
    assert "Someone else saved this claim meanwhile" in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1


def test_admin_edit_saves_a_new_version(client, staff_reviewer, actors, make_claim):
    claim = make_claim()
    hop = claim.hops.get()
    client.force_login(staff_reviewer)
    post = admin_post(
        actors,
        statement="Edited in the admin.",
        expected_version=str(claim.version),
        **{"hops-INITIAL_FORMS": "1", "hops-0-id": str(hop.pk), "hops-0-claim": str(claim.pk)},
    )
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", post)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert (claim.statement, claim.version) == ("Edited in the admin.", 2)
    assert claim.history.first().history_user == staff_reviewer


def test_viewer_cannot_reach_the_admin(client, viewer):
    client.force_login(viewer)
    assert client.get("/admin/claims/claim/").status_code == 302


@pytest.fixture
def staff_editor(editor):
    editor.is_staff = True
    editor.save()
    return editor


def _source_post(source, **changes) -> dict:
    values = {
        "url": source.url,
        "title": source.title,
        "publisher": "",
        "language": source.language,
        "published_on": "",
        "published_precision": source.published_precision,
    }
    return {**values, **changes}


def test_editor_cannot_repoint_a_source_that_published_claims_cite(client, staff_editor, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    source = Source.objects.get()
    client.force_login(staff_editor)
    response = client.post(
        f"/admin/claims/source/{source.pk}/change/", _source_post(source, url="https://evil.example.org/")
    )
    assert response.status_code == 403
    assert Source.objects.get().url == source.url


def test_reviewer_repoints_a_cited_source_and_the_claim_gets_a_version_and_a_feed_event(
    client, staff_reviewer, make_claim
):
    claim = make_claim(vocab.Status.PUBLISHED)
    source = Source.objects.get()
    client.force_login(staff_reviewer)
    response = client.post(
        f"/admin/claims/source/{source.pk}/change/",
        _source_post(source, url="https://news.example.org/2023/09/arms-corrected"),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.versions.order_by("-version").first().change == "source edited"
    assert FeedEvent.objects.order_by("-seq").first().version == claim.version


def test_the_history_revert_form_writes_nothing_even_for_a_superuser(client, admin_user, actors, make_claim):
    claim = make_claim(vocab.Status.PUBLISHED)
    first = claim.history.order_by("history_id").first()
    client.force_login(admin_user)
    url = f"/admin/claims/claim/{claim.pk}/history/{first.history_id}/"
    assert client.get(url).status_code == 200  # still readable
    response = client.post(url, admin_post(actors, statement="Reverted behind the services' back."))
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.statement != "Reverted behind the services' back."
    actor = actors["KP"]
    old = actor.history.order_by("history_id").first()
    actor_url = f"/admin/claims/actor/{actor.pk}/history/{old.history_id}/"
    assert client.post(actor_url, {"name": "Renamed", "kind": "state"}).status_code == 403


def test_editor_cannot_rename_an_actor_that_published_claims_name_but_may_one_only_drafts_use(
    client, staff_editor, make_claim, actors
):
    make_claim(vocab.Status.PUBLISHED)  # names North Korea and Russia
    client.force_login(staff_editor)
    named = actors["KP"]
    refused = client.post(
        f"/admin/claims/actor/{named.pk}/change/", {"name": "DPRK", "kind": "state", "country": "KP"}
    )
    assert refused.status_code == 403
    named.refresh_from_db()
    assert named.name == "North Korea"
    unused = actors["CN"]
    assert client.get(f"/admin/claims/actor/{unused.pk}/change/").status_code == 200
