"""The generator leaves what real writes leave: each claim's document, version, feed event and search text
are what the projection builds from the rows."""

import pytest
from django.db import connection

from claims import projection, vocab
from claims.models import Claim, ClaimDocument, ClaimVersion, FeedEvent
from claims.representation import represent_claim
from claims.search import bucket_lexeme_sql

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def generated():
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads PostgreSQL with COPY; CI runs this on its PostgreSQL pass")
    from bench import generate

    return generate.generate(claims=300)


def test_generated_documents_equal_what_the_projection_builds_from_the_rows(generated):
    claims = list(Claim.objects.with_details().order_by("pk"))
    documents = dict(ClaimDocument.objects.values_list("claim_id", "body"))
    snapshots = dict(ClaimVersion.objects.filter(version=1).values_list("claim_id", "snapshot"))
    payloads = dict(FeedEvent.objects.values_list("claim_id", "payload"))

    assert len(claims) == generated.claims == len(documents) == len(snapshots)
    for claim in claims:
        expected = represent_claim(claim)
        assert documents[claim.pk] == expected, claim.pk
        assert snapshots[claim.pk] == expected, claim.pk
        assert claim.search_document == projection.search_document(claim), claim.pk
    public = [claim for claim in claims if claim.status in vocab.PUBLIC_STATUSES]
    assert {pk: payloads[pk] for pk in payloads} == {claim.pk: documents[claim.pk] for claim in public}
    assert ClaimDocument.objects.filter(schema_version=projection.SCHEMA_VERSION).count() == len(claims)


def test_generated_claims_carry_the_planted_words_and_rebuilt_indexes(generated):
    from bench import generate

    assert Claim.objects.search(generate.SELECTIVE).count() == 10
    assert Claim.objects.search(generate.MEDIUM).count() == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'claim_search_vector_gin'")
        assert cursor.fetchone()[0] == 1


def test_generated_search_vectors_are_the_ones_an_update_makes_with_their_id_bucket(generated):
    bucket = f"quote_literal({bucket_lexeme_sql('claims_claim')})::tsquery"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE loaded AS SELECT id, search_vector FROM claims_claim")
        cursor.execute("UPDATE claims_claim SET search_document = search_document")  # regenerates
        cursor.execute(
            "SELECT count(*) FROM claims_claim JOIN loaded USING (id)"  # noqa: S608 (our own SQL)
            " WHERE claims_claim.search_vector = loaded.search_vector"
            f" AND claims_claim.search_vector @@ {bucket}"
        )
        assert cursor.fetchone()[0] == generated.claims
