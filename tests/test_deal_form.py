"""The claim form's deal fieldset (SIPRI), the claim page's deal, place and brackets, in both languages."""

import pytest

from claims import vocab
from claims.models import Claim
from tests.test_views import edit_post, form_post, login

pytestmark = pytest.mark.django_db

DEAL_POST = {
    "deal_status": "in_delivery",
    "deal_type": "barter",
    "deal_number_ordered": "50",
    "deal_number_delivered": "20",
    "deal_order_year": "2022",
    "deal_order_precision": "approximate",
    "deal_delivery_first_year": "2023",
    "deal_delivery_precision": "exact",
    "deal_comments": "Seen in Kharkiv",
    "uncertain_number_ordered": "on",
    "designation": "KN-23",
    "uncertain_designation": "on",
    "place": "Rason",
    "place_precision": "near",
    "place_latitude": "42.25",
    "place_longitude": "130.3",
}


def test_the_form_groups_the_deal_fields_in_a_fieldset_for_transfers(client, editor):
    page = login(client, editor).get("/claims/new/").content.decode()
    fieldset = page.split("data-transfer-only>", 1)[1].split("</fieldset>", 1)[0]
    assert "Deal (SIPRI Trade Register)" in fieldset
    for name in ("deal_status", "deal_number_ordered", "deal_un_category", "uncertain_supplier"):
        assert f'name="{name}"' in fieldset
    assert 'name="place_latitude"' not in fieldset and 'name="place_latitude"' in page


def test_the_fieldset_speaks_italian(client, editor):
    login(client, editor).post("/i18n/setlang/", {"language": "it", "next": "/"})
    page = client.get("/claims/new/").content.decode()
    assert "Accordo (Trade Register del SIPRI)" in page and "Numero ordinato" in page


def test_a_transfer_saved_with_its_deal_shows_it_in_brackets_on_its_page(client, editor, actors):
    response = login(client, editor).post("/claims/new/", form_post(actors, **DEAL_POST))
    assert response.status_code == 302, response.context["form"].errors
    claim = Claim.objects.get()
    assert (claim.deal_number_ordered, claim.uncertain_number_ordered, claim.deal_order_precision) == (
        50,
        True,
        "approximate",
    )
    assert (claim.place_latitude, claim.place_longitude) == (42.25, 130.3)
    page = client.get(f"/claims/{claim.uuid}/").content.decode()
    assert "Number ordered: (50)" in page and "Year of order: c. 2022" in page
    assert "(KN-23)" in page and 'Rason (near) · <span class="coordinates">42.25, 130.3</span>' in page
    assert "UN Register: Outside the Register (from the item category)" in page


def test_a_deal_the_services_refuse_is_shown_on_its_field_and_nothing_is_saved(client, editor, actors):
    post = form_post(actors, **DEAL_POST | {"deal_number_delivered": "51"})
    response = login(client, editor).post("/claims/new/", post)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "deal_number_delivered": ["More cannot be delivered than was ordered."]
    }
    assert not Claim.objects.exists()


def test_a_claim_of_another_kind_without_the_fieldset_saves_with_the_defaults(client, editor, actors):
    # What the browser sends when the script hides and disables the fieldset: none of its fields.
    post = form_post(
        actors, kind="diplomatic_event", supplier="", recipient="", item_category="", stage="", route=[]
    )
    post["participants"] = [actors["KP"].pk]
    response = login(client, editor).post("/claims/new/", post)
    assert response.status_code == 302, response.context["form"].errors
    claim = Claim.objects.get()
    assert claim.deal_order_precision == vocab.YearPrecision.EXACT and claim.deal_status == ""


def test_deal_details_on_a_claim_of_another_kind_are_refused_on_their_field(client, editor, actors):
    post = form_post(
        actors,
        kind="diplomatic_event",
        supplier="",
        recipient="",
        item_category="",
        stage="",
        route=[],
        deal_number_ordered="3",
    )
    post["participants"] = [actors["KP"].pk]
    response = login(client, editor).post("/claims/new/", post)
    assert response.context["form"].errors == {
        "deal_number_ordered": ["Only a transfer claim has deal details: leave this empty."]
    }


def test_an_edit_keeps_the_deal_and_the_history_diff_names_it(client, editor, actors, make_claim):
    claim = make_claim(deal_status="ordered")
    response = login(client, editor).post(
        f"/claims/{claim.uuid}/edit/",
        edit_post(claim, actors, deal_status="ordered", deal_number_ordered="12"),
    )
    assert response.status_code == 302, response.context["form"].errors
    claim.refresh_from_db()
    assert (claim.deal_status, claim.deal_number_ordered) == ("ordered", 12)
    diff = client.get(f"/claims/{claim.uuid}/diff/").content.decode()
    assert "Number ordered: 12" in diff
