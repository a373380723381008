import pytest
from django.utils import translation

from claims import changes, services, vocab
from claims.models import ClaimVersion

pytestmark = pytest.mark.django_db

EVERY_CHANGE = [
    (changes.created(), "created"),
    (changes.edited(), "edited"),
    (changes.imported(), "imported"),
    (changes.source_edited(), "source edited"),
    (changes.transitioned(from_status="draft", to_status="in_review"), "draft → in_review"),
    (changes.assessed("B2"), "assessed B2"),
    (changes.related("corroborates"), "related: corroborates"),
    (changes.unrelated("denies"), "unrelated: denies"),
]


@pytest.mark.parametrize(("change", "code"), EVERY_CHANGE)
def test_each_change_keeps_the_code_api_clients_read(change, code):
    assert changes.code(change) == code


@pytest.mark.parametrize(("change", "code"), EVERY_CHANGE)
def test_codes_written_before_the_data_existed_read_back_as_the_same_data(change, code):
    assert changes.from_code(code) == change


def test_publishing_and_retracting_read_back_from_their_codes():
    assert changes.from_code("published") == {"action": "published"}
    assert changes.from_code("retracted: wrong country") == {
        "action": "retracted",
        "from": "",
        "reason": "wrong country",
    }


def test_an_unknown_code_reads_back_as_no_data_and_is_shown_as_stored():
    assert changes.from_code("renamed by hand") == {}
    assert changes.in_words({}, fallback="renamed by hand") == "renamed by hand"


def test_changes_in_english_use_the_labels_readers_see():
    transition = changes.transitioned(from_status="draft", to_status="in_review")
    assert changes.in_words(transition) == "Status: Draft → In review"
    assert changes.in_words(changes.related("context")) == "Relation added: gives context to"
    assert changes.in_words(changes.assessed("B2")) == "Assessed B2"


def test_changes_in_italian():
    with translation.override("it"):
        assert changes.in_words(changes.created()) == "Creata"
        assert (
            changes.in_words(changes.transitioned(from_status="draft", to_status="in_review"))
            == "Stato: Bozza → In revisione"
        )
        assert changes.in_words(changes.related("corroborates")) == "Relazione aggiunta: conferma"
        assert changes.in_words(changes.assessed("B2")) == "Valutata B2"


def test_a_transition_to_published_or_retracted_is_its_own_action():
    assert changes.transitioned(from_status="in_review", to_status="published")["action"] == "published"
    retraction = changes.transitioned(from_status="published", to_status="retracted", reason="wrong")
    assert retraction == {"action": "retracted", "from": "published", "reason": "wrong"}
    assert changes.code(retraction) == "retracted: wrong"


def test_every_write_stores_its_change_as_data_and_as_code(make_claim, reviewer):
    claim = make_claim(status=vocab.Status.PUBLISHED)
    services.transition_claim(
        claim_id=claim.pk, to=vocab.Status.RETRACTED, reason="Mistaken identity", by=reviewer
    )
    stored = list(ClaimVersion.objects.filter(claim=claim).order_by("version"))
    assert [v.change_data["action"] for v in stored] == [
        "created",
        "transitioned",
        "assessed",
        "published",
        "retracted",
    ]
    code = stored[2].change_data["code"]
    assert [v.change for v in stored] == [
        "created",
        "draft → in_review",
        f"assessed {code}",
        "published",
        "retracted: Mistaken identity",
    ]
    with translation.override("it"):
        assert [v.summary for v in stored] == [
            "Creata",
            "Stato: Bozza → In revisione",
            f"Valutata {code}",
            "Pubblicata",
            "Ritirata: Mistaken identity",
        ]
