"""Claim matching on intake (claims/matching.py): what is suggested, why, and to whom."""

import pytest

from bench import matching as labelled_set
from claims import vocab
from tests.conftest import SOURCE_URL
from tests.test_views import form_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(editor):
    return labelled_set.load(editor)


def test_the_labelled_pairs_are_matched_with_the_precision_and_recall_the_issue_asks(labelled):
    figures = labelled_set.evaluate(labelled)
    assert figures["pairs"] >= 60
    assert figures["precision"] >= 0.9, figures
    assert figures["recall"] >= 0.8, figures


# --- the claim form's panel ------------------------------------------------------------------------

MATCH_PANEL = "/claims/match/"


def test_the_form_panel_lists_claims_that_may_say_the_same_with_their_reasons(
    client, viewer, actors, make_claim
):
    published = make_claim(vocab.Status.PUBLISHED)
    client.force_login(viewer)
    page = client.post(MATCH_PANEL, form_post(actors, statement="Pyongyang shipped shells to Moscow."))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/claims/{published.uuid}/"' in html
    assert "same supplier and recipient" in html


def test_the_form_panel_tells_how_many_visible_claims_already_cite_a_source_url(
    client, viewer, editor, actors, make_claim
):
    cited = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim {n}.") for n in range(2)]
    make_claim(vocab.Status.DRAFT, statement="A draft citing it too.")
    source = cited[0].hops.get().source
    body = form_post(actors, statement="Something else entirely.")
    client.force_login(viewer)
    html = client.post(MATCH_PANEL, body).content.decode()
    assert f"{SOURCE_URL} is already cited by 2 claims" in html
    assert f'href="/sources/{source.pk}/"' in html
    client.force_login(editor)
    assert f"{SOURCE_URL} is already cited by 3 claims" in client.post(MATCH_PANEL, body).content.decode()


def test_the_form_panel_of_a_claim_being_edited_leaves_it_out(client, editor, actors, make_claim):
    claim = make_claim(vocab.Status.DRAFT)
    client.force_login(editor)
    body = form_post(actors, statement=claim.statement) | {"exclude": str(claim.uuid)}
    html = client.post(MATCH_PANEL, body).content.decode()
    assert str(claim.uuid) not in html and "already cited" not in html


def test_the_form_panel_takes_a_half_typed_form_without_complaint(client, editor, make_claim):
    published = make_claim(vocab.Status.PUBLISHED)
    client.force_login(editor)
    body = {"statement": published.statement, "supplier": "Nobody yet", "stage": "nonsense", "exclude": "x"}
    page = client.post(MATCH_PANEL, body)
    assert page.status_code == 200 and str(published.uuid) in page.content.decode()


def test_the_form_panel_is_in_italian_for_italian_users(client, viewer, actors, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    client.force_login(viewer)
    body = form_post(actors)
    html = client.post(MATCH_PANEL, body, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "stesso fornitore e destinatario" in html and "è già citato da 1 affermazione" in html


def test_the_claim_form_carries_the_panel_and_its_url(client, editor):
    client.force_login(editor)
    html = client.get("/claims/new/").content.decode()
    assert 'data-match-url="/claims/match/"' in html and "data-match-panel" in html
