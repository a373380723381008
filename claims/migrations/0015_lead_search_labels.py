"""Search text gains category and stage labels in English and Italian: existing claims get it now."""

from django.db import migrations

from claims.projection import search_text


def rewrite_search_text(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    claims = Claim.objects.select_related("supplier", "recipient").prefetch_related(
        "participants", "hops__speaker", "hops__affiliation"
    )
    batch = []
    for claim in claims.order_by("pk").iterator(chunk_size=500):
        hops = list(claim.hops.all())
        speakers = [actor for hop in hops for actor in (hop.speaker, hop.affiliation)]
        actors = [claim.supplier, claim.recipient, *claim.participants.all(), *speakers]
        claim.search_document = search_text(claim, hops, actors)
        batch.append(claim)
        if len(batch) == 500:
            Claim.objects.bulk_update(batch, ["search_document"])
            batch = []
    Claim.objects.bulk_update(batch, ["search_document"])


class Migration(migrations.Migration):
    dependencies = [("claims", "0014_lead_change_data")]

    operations = [migrations.RunPython(rewrite_search_text, migrations.RunPython.noop)]
