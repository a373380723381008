"""Every change, through the UI, the API, the admin or the importer, is in history with who made it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.models import AttributionHop, Claim, ClaimVersion
from claims.tokens import create_api_token
from tests.test_admin import admin_post
from tests.test_views import edit_post, form_post

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def authors_in_history(claim: Claim) -> dict[int, set[int | None]]:
    """version -> the users recorded for it, in ClaimVersion and in simple-history."""
    recorded: dict[int, set[int | None]] = {}
    for version in ClaimVersion.objects.filter(claim=claim):
        recorded.setdefault(version.version, set()).add(version.changed_by_id)
    for record in Claim.history.filter(id=claim.pk):
        recorded.setdefault(record.version, set()).add(record.history_user_id)
    return recorded


def test_ui_api_and_admin_changes_are_recorded_with_the_acting_user(
    client, editor, reviewer, admin_user, actors
):
    client.force_login(editor)
    assert client.post("/claims/new/", form_post(actors)).status_code == 302
    claim = Claim.objects.get()
    response = client.post(f"/claims/{claim.uuid}/edit/", edit_post(claim, actors, statement="UI edit."))
    assert response.status_code == 302

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=reviewer, name='bot')}")
    response = api.patch(
        f"/api/v1/claims/{claim.uuid}/", {"statement": "API edit."}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 200, response.content

    client.force_login(admin_user)
    hop = claim.hops.order_by("position").first()
    post = admin_post(
        actors,
        statement="Admin edit.",
        expected_version="3",
        **{"hops-INITIAL_FORMS": "1", "hops-0-id": str(hop.pk), "hops-0-claim": str(claim.pk)},
    )
    assert client.post(f"/admin/claims/claim/{claim.pk}/change/", post).status_code == 302

    claim.refresh_from_db()
    assert (claim.version, claim.statement) == (4, "Admin edit.")
    assert authors_in_history(claim) == {
        1: {editor.pk},
        2: {editor.pk},
        3: {reviewer.pk},
        4: {admin_user.pk},
    }
    statements = {v.version: v.snapshot["statement"] for v in ClaimVersion.objects.filter(claim=claim)}
    assert [statements[v] for v in (2, 3, 4)] == ["UI edit.", "API edit.", "Admin edit."]
    hop_users = set(
        AttributionHop.history.filter(claim_id=claim.pk).values_list("history_user_id", flat=True)
    )
    assert hop_users <= {editor.pk, reviewer.pk, admin_user.pk} and None not in hop_users


def test_bulk_import_writes_history_with_the_importing_user(tmp_path, other_editor, actors):
    rows = [
        {
            "statement": f"Imported claim {n}.",
            "kind": "transfer",
            "supplier": actors["KP"].pk,
            "recipient": actors["RU"].pk,
            "item_category": "ammunition",
            "stage": "shipment",
            "hops": [
                {
                    "position": 0,
                    "anonymity": "anonymous_individual",
                    "descriptor": "a US official",
                    "source": f"https://news.example.org/{n}",
                }
            ],
        }
        for n in range(3)
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = StringIO()
    call_command("import_claims", str(path), "--user", other_editor.username, stdout=out, stderr=StringIO())
    assert "3 imported, 0 rejected." in out.getvalue()

    claims = list(Claim.objects.all())
    assert len(claims) == 3
    for claim in claims:
        assert authors_in_history(claim) == {1: {other_editor.pk}}
    hops = AttributionHop.history.filter(claim_id__in=[c.pk for c in claims])
    assert set(hops.values_list("history_user_id", flat=True)) == {other_editor.pk}
