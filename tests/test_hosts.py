"""Look-alike hosts: one stored spelling (IDNA A-label), the Unicode form shown, confusable dots refused."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from claims import services, vocab
from claims.models import Source, normalise_url
from tests.api.test_writes import LIST, payload
from tests.api.test_writes import refused as refused_by_api
from tests.conftest import claim_data, hop
from tests.test_services import refused

CYRILLIC_APPLE = "https://\u0430pple.com/news"  # the first letter is CYRILLIC SMALL LETTER A


def test_a_unicode_host_is_stored_as_its_a_label():
    assert normalise_url(CYRILLIC_APPLE) == "https://xn--pple-43d.com/news"
    assert normalise_url("https://XN--PPLE-43D.com/news") == "https://xn--pple-43d.com/news"
    assert normalise_url("https://Bücher.example.org/a") == "https://xn--bcher-kva.example.org/a"
    assert normalise_url("https://col·legi.cat/") == "https://xn--collegi-xma.cat/"  # Catalan middle dot


def test_both_spellings_of_a_look_alike_host_are_one_source(actors, editor):
    services.create_claim(data=claim_data(actors, hops=[hop(source_url=CYRILLIC_APPLE)]), by=editor)
    services.create_claim(
        data=claim_data(actors, hops=[hop(source_url="https://xn--pple-43d.com/news")]), by=editor
    )
    assert list(Source.objects.values_list("url", flat=True)) == ["https://xn--pple-43d.com/news"]


@pytest.mark.parametrize("dot", ["\u2024", "\u3002", "\uff0e", "\uff61", "\ufe52"])
def test_a_confusable_dot_is_refused_with_a_field_error_and_nothing_is_written(actors, editor, dot):
    url = f"https://reuters.com{dot}evil.example.org/world"
    error = refused(
        lambda: services.create_claim(data=claim_data(actors, hops=[hop(source_url=url)]), by=editor),
        field="hops.0.source",
    )
    assert "looks like a dot but is not one" in error.message_dict["hops.0.source"][0]


def test_the_api_refuses_a_confusable_dot_with_a_400_on_the_hop(editor, actors, settings):
    settings.API_THROTTLE_USER_PER_MINUTE = 0
    client = APIClient()
    client.force_authenticate(editor)
    hops = [{"position": 0, "anonymity": "outlet_voice", "speaker": actors["daily"].pk,
             "source": "https://reuters.com\u2024evil.example.org/world"}]  # fmt: skip
    body = refused_by_api(client, "post", LIST, payload(actors, hops=hops), status=400)
    assert "ONE DOT LEADER" in body["errors"]["hops.0.source"][0]


def test_a_host_that_is_no_valid_idn_is_refused():
    with pytest.raises(ValidationError) as caught:
        normalise_url("https://bad\u200dlabel.com/")  # a zero-width joiner outside its context
    assert caught.value.code == "invalid_idn"


def test_the_source_page_shows_the_unicode_host_and_warns_of_mixed_scripts(client, viewer, make_claim):
    make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url=CYRILLIC_APPLE)])
    source = Source.objects.get()
    client.force_login(viewer)
    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert "\u0430pple.com" in html and "stored as xn--pple-43d.com" in html
    assert "This host name mixes scripts (Cyrillic, Latin) in one label" in html


def test_a_single_script_idn_is_shown_without_a_warning(client, viewer, make_claim):
    make_claim(vocab.Status.PUBLISHED, hops=[hop(source_url="https://пример.рф/статья")])
    source = Source.objects.get()
    assert source.url.startswith("https://xn--e1afmkfd.xn--p1ai/")
    client.force_login(viewer)
    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert "пример.рф" in html and "mixes scripts" not in html


def test_an_ascii_host_shows_no_host_line(client, viewer, make_claim):
    source = make_claim(vocab.Status.PUBLISHED).hops.get().source
    client.force_login(viewer)
    assert "Host as written" not in client.get(f"/sources/{source.pk}/").content.decode()
