"""The TAXII 2.1 server, judged by the maintained taxii2-client against a live server, and its refusals."""

import base64
import importlib

import pytest
import requests
from django.contrib.auth.models import AnonymousUser, Group, Permission
from taxii2client.v21 import Collection, Server, as_pages

from claims import selectors, services, vocab
from claims.api import stix, taxii
from claims.models import Claim
from claims.tokens import create_api_token

TAXII = "/taxii2/"
COLLECTION = "/taxii2/api/collections/claims/"
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ACCEPT = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"}


def expected_objects(claims: list[Claim]) -> set[tuple[str, str]]:
    """(id, modified) of every object the collection should serve for these claims, as readers see them:
    the claims' graph with the producer and extension definition, each actor's identity once."""
    documents = selectors.documents_visible_to(AnonymousUser(), claims)
    return {(obj["id"], obj["modified"]) for obj in stix.stix_objects(documents)}


def collected(pages) -> list[tuple[str, str]]:
    return [(obj["id"], obj["modified"]) for envelope in pages for obj in envelope.get("objects", [])]


@pytest.fixture
def roles(transactional_db):
    """Roles again: a live server's transactional test empties the tables the data migration filled."""
    for name, codenames in importlib.import_module("claims.migrations.0002_roles").ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        )


@pytest.fixture
def token(roles, viewer) -> str:
    return create_api_token(user=viewer, name="taxii")


@pytest.fixture
def collection(live_server, token):
    # Closed after the test: a kept-alive connection holds the live server's database connection open.
    with Collection(f"{live_server.url}{COLLECTION}", user="viewer", password=token) as collection:
        yield collection


# ---------------------------------------------------------------- with taxii2-client


@LIVE
def test_the_client_discovers_the_api_root_and_the_claims_collection(live_server, token):
    with Server(f"{live_server.url}{TAXII}", user="anyone", password=token) as server:
        [root] = server.api_roots
        assert server.default.url == root.url == f"{live_server.url}/taxii2/api/"
        assert root.versions == ["application/taxii+json;version=2.1"]
        [collection] = root.collections
    assert (collection.id, collection.can_read, collection.can_write) == ("claims", True, False)
    assert collection.media_types == ["application/stix+json;version=2.1"]


@LIVE
def test_as_pages_walks_the_whole_collection_once(collection, make_claim):
    claims = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.") for n in range(7)]
    claims.append(make_claim(vocab.Status.RETRACTED, statement="A claim later withdrawn."))
    seen = collected(as_pages(collection.get_objects, per_request=3))
    assert len(seen) == len(set(seen)), "an object version was served twice"
    assert set(seen) == expected_objects(claims)
    # A report and a hop note per claim, the two actors they all name, the producer and the extension.
    assert len(seen) == 8 * 2 + 2 + 2


@LIVE
def test_paging_misses_and_repeats_nothing_while_claims_are_published_and_updated(
    collection, make_claim, reviewer
):
    claims = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.") for n in range(5)]
    pages = as_pages(collection.get_objects, per_request=2)
    seen = collected([next(pages), next(pages)])  # the first two claims
    services.add_assessment(claim_id=claims[0].pk, by=reviewer, reliability="A", credibility=2, rationale="r")
    services.add_assessment(claim_id=claims[4].pk, by=reviewer, reliability="A", credibility=2, rationale="r")
    claims.append(make_claim(vocab.Status.PUBLISHED, statement="Published while a client was paging."))
    seen += collected(pages)
    assert len(seen) == len(set(seen))
    # Everything as it is now, plus the first version of claim 0 that the client had already read (the
    # first page is the producer and the extension definition, the second claim 0's report and note).
    for claim in claims:
        claim.refresh_from_db()
    assert set(seen) - expected_objects(claims) == set(seen[2:4])
    assert expected_objects(claims) <= set(seen)


@LIVE
def test_added_after_returns_only_what_was_added_since(collection, make_claim):
    old = make_claim(vocab.Status.PUBLISHED, statement="Published before the last poll.")
    manifest = collection.get_manifest()
    last_poll = max(record["date_added"] for record in manifest["objects"])
    new = make_claim(vocab.Status.PUBLISHED, statement="Published after the last poll.")
    fresh = {(o["id"], o["modified"]) for o in collection.get_objects(added_after=last_poll)["objects"]}
    # The actors' identities and the producer came with the old claim: only the new claim's own objects.
    assert fresh == expected_objects([new]) - expected_objects([old])
    assert {kind.split("--")[0] for kind, _ in fresh} == {"report", "note"}


@LIVE
def test_a_wrong_token_is_refused_with_a_taxii_401(live_server, roles, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    with Collection(f"{live_server.url}{COLLECTION}", user="viewer", password="not-a-token") as bad:
        # Closed by the server after the answer, so it holds no database connection past the test.
        bad._conn.session.headers["Connection"] = "close"
        with pytest.raises(requests.HTTPError) as refused:
            bad.get_objects()
    response = refused.value.response
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/taxii+json;version=2.1"
    assert response.json()["http_status"] == "401"


# ---------------------------------------------------------------- the collection's contents


@pytest.mark.django_db
def test_drafts_and_claims_in_review_are_never_in_the_collection(as_user, editor, make_claim):
    make_claim(vocab.Status.DRAFT, statement="A secret draft.")
    make_claim(vocab.Status.IN_REVIEW, statement="A claim under review.")
    public = make_claim(vocab.Status.PUBLISHED)
    client = as_user(editor)  # even an editor's token reads the public collection
    for url in (f"{COLLECTION}objects/", f"{COLLECTION}objects/?match[version]=all"):
        body = client.get(url, **ACCEPT)
        assert b"secret draft" not in body.content and b"under review" not in body.content
        assert {(o["id"], o["modified"]) for o in body.json()["objects"]} == expected_objects([public])


@pytest.mark.django_db
def test_the_stix_export_gets_documents_without_relations_to_drafts_or_staff_names(
    anon, make_claim, reviewer, monkeypatch
):
    handed, export = [], taxii.stix_objects
    monkeypatch.setattr(
        taxii, "stix_objects", lambda documents: handed.extend(documents) or export(documents)
    )
    draft = make_claim(vocab.Status.DRAFT, statement="A secret draft.")
    public = make_claim(vocab.Status.PUBLISHED)
    services.add_relation(
        from_claim_id=public.pk,
        to_claim_id=draft.pk,
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.POSSIBLY_SHARED_ORIGIN,
        note="internal lead",
        by=reviewer,
    )
    body = anon.get(f"{COLLECTION}objects/?match[version]=all", **ACCEPT).content
    assert handed and all(document["relations"] == [] for document in handed)
    assert str(draft.uuid).encode() not in body and b"internal lead" not in body
    assert b"rita" not in body and b"eddie" not in body


@pytest.mark.django_db
def test_a_filter_matching_few_objects_still_reaches_them_across_empty_pages(anon, make_claim):
    claims = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.") for n in range(5)]
    [wanted] = selectors.documents_visible_to(AnonymousUser(), [claims[2]])
    version = stix.claim_objects(wanted)[0]["modified"]  # the report's; its hop note has it too
    found, query = [], f"{COLLECTION}objects/?limit=1&match[version]={version}"
    body = anon.get(query, **ACCEPT).json()
    found += body.get("objects", [])
    while body["more"]:
        body = anon.get(f"{query}&next={body['next']}", **ACCEPT).json()
        found += body.get("objects", [])
    wanted_objects = {obj for obj in expected_objects([claims[2]]) if obj[1] == version}
    assert {(o["id"], o["modified"]) for o in found} == wanted_objects
    assert {o["type"] for o in found} == {"report", "note"}


def every_page(client, query: str) -> list[dict]:
    found, url = [], f"{COLLECTION}objects/?{query}"
    body = client.get(url, **ACCEPT).json()
    found += body.get("objects", [])
    while body["more"]:
        body = client.get(f"{url}&next={body['next']}", **ACCEPT).json()
        found += body.get("objects", [])
    return found


def references(obj: dict) -> set[str]:
    """Every id an object points to, its extension's actor and note references included."""
    found = {obj["created_by_ref"], *obj.get("extensions", {})}
    pending = [obj]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("_ref") and isinstance(item, str):
                    found.add(item)
                elif key.endswith("_refs"):
                    found.update(item)
                else:
                    pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)
    return found


@pytest.mark.django_db
def test_every_object_version_is_served_once_and_every_reference_resolves_inside(
    anon, make_claim, reviewer, actors
):
    claims = [make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.") for n in range(3)]
    claims.append(
        make_claim(vocab.Status.RETRACTED, statement="A claim later withdrawn.", supplier_id=actors["US"].pk)
    )
    services.add_assessment(claim_id=claims[0].pk, by=reviewer, reliability="A", credibility=2, rationale="r")
    served = {}
    for query in ("match[version]=all&limit=3", "limit=3", "match[version]=first&limit=1"):
        served[query] = every_page(anon, query)
        versions = [(o["id"], o["modified"]) for o in served[query]]
        assert len(versions) == len(set(versions)), f"an object version was served twice ({query})"
        assert {o["id"] for o in served[query]} >= set().union(*map(references, served[query])), query
    producer, extension = every_page(anon, "match[type]=identity,extension-definition&limit=1")[:2]
    assert (producer["id"], extension["id"]) == (stix.PRODUCER_ID, stix.EXTENSION_ID)
    for claim in claims:
        claim.refresh_from_db()
    every = {(o["id"], o["modified"]) for o in served["match[version]=all&limit=3"]}
    # The graph as it is now (three actors once each), and the report and note that claim 0 had before
    # its update and the withdrawn claim before its retraction.
    assert every >= expected_objects(claims)
    assert len(every) == len(expected_objects(claims)) + 2 * 2 == 4 * 2 + 3 + 2 + 2 * 2


@pytest.mark.django_db
def test_an_actor_identity_is_found_by_id_with_its_one_version(anon, make_claim, actors):
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="Another claim naming the same actors.")
    wanted = stix.actor_id({"id": actors["KP"].pk})
    [record] = anon.get(f"{COLLECTION}manifest/?match[id]={wanted}", **ACCEPT).json()["objects"]
    [identity] = anon.get(f"{COLLECTION}objects/{wanted}/", **ACCEPT).json()["objects"]
    assert identity["name"] == "North Korea" and record["version"] == identity["modified"]
    versions = anon.get(f"{COLLECTION}objects/{wanted}/versions/", **ACCEPT).json()["versions"]
    assert versions == [identity["modified"]]
    every = anon.get(f"{COLLECTION}objects/{wanted}/?match[version]=all", **ACCEPT).json()["objects"]
    assert [o["modified"] for o in every] == versions


@pytest.mark.django_db
def test_an_actor_changed_since_comes_with_the_next_claim_naming_it_not_in_pages_already_read(
    anon, make_claim, actors
):
    make_claim(vocab.Status.PUBLISHED)
    read = anon.get(f"{COLLECTION}manifest/", **ACCEPT)
    last_poll = read["X-TAXII-Date-Added-Last"]
    actors["KP"].name = "DPRK"
    actors["KP"].save()
    wanted = stix.actor_id({"id": actors["KP"].pk})
    # Its new version belongs at no event yet: were it served with the first claim, a client that has
    # read that page would never see it.
    assert every_page(anon, f"match[id]={wanted}&match[version]=all") == []
    assert every_page(anon, f"added_after={last_poll}") == []
    make_claim(vocab.Status.PUBLISHED, statement="A claim naming the renamed actor.")
    [identity] = [o for o in every_page(anon, f"added_after={last_poll}") if o["id"] == wanted]
    assert identity["name"] == "DPRK"
    assert every_page(anon, f"match[id]={wanted}&match[version]=all") == [identity]


@pytest.mark.django_db
def test_a_retracted_claim_stays_with_its_report_revoked(anon, make_claim):
    make_claim(vocab.Status.RETRACTED)
    reports = anon.get(f"{COLLECTION}objects/?match[type]=report", **ACCEPT).json()["objects"]
    assert [report.get("revoked") for report in reports] == [True]


@pytest.mark.django_db
def test_an_object_has_a_version_per_change_and_the_latest_by_default(anon, make_claim, reviewer):
    claim = make_claim(vocab.Status.PUBLISHED)
    services.add_assessment(claim_id=claim.pk, by=reviewer, reliability="A", credibility=2, rationale="r")
    [report] = [
        o for o in anon.get(f"{COLLECTION}objects/", **ACCEPT).json()["objects"] if o["type"] == "report"
    ]
    versions = anon.get(f"{COLLECTION}objects/{report['id']}/versions/", **ACCEPT)
    assert versions.status_code == 200
    assert len(versions.json()["versions"]) == 2 and versions.json()["versions"][-1] == report["modified"]
    latest = anon.get(f"{COLLECTION}objects/{report['id']}/", **ACCEPT).json()["objects"]
    assert [o["modified"] for o in latest] == [report["modified"]]
    every = anon.get(f"{COLLECTION}objects/{report['id']}/?match[version]=all", **ACCEPT).json()["objects"]
    assert [o["modified"] for o in every] == versions.json()["versions"]
    first = anon.get(f"{COLLECTION}objects/{report['id']}/?match[version]=first", **ACCEPT).json()["objects"]
    assert [o["modified"] for o in first] == versions.json()["versions"][:1]


@pytest.mark.django_db
def test_match_type_and_id_narrow_objects_and_manifest(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="Another claim.")
    notes = anon.get(f"{COLLECTION}objects/?match[type]=note", **ACCEPT).json()["objects"]
    assert len(notes) == 2 and {o["type"] for o in notes} == {"note"}
    wanted = notes[1]["id"]
    [record] = anon.get(f"{COLLECTION}manifest/?match[id]={wanted}", **ACCEPT).json()["objects"]
    assert record["id"] == wanted and record["version"] == notes[1]["modified"]
    assert record["media_type"] == "application/stix+json;version=2.1"


@pytest.mark.django_db
def test_pages_carry_the_span_of_dates_added(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    make_claim(vocab.Status.PUBLISHED, statement="Another claim.")
    # Six objects come with the first claim (the producer, the extension, its report and note, two
    # actors), two with the second (its report and note: the rest it names was served already).
    first = anon.get(f"{COLLECTION}manifest/?limit=6", **ACCEPT)
    rest = anon.get(f"{COLLECTION}manifest/?limit=6&next={first.json()['next']}", **ACCEPT)
    assert len(first.json()["objects"]) == 6 and len(rest.json()["objects"]) == 2
    assert first["X-TAXII-Date-Added-First"] <= first["X-TAXII-Date-Added-Last"]
    assert first["X-TAXII-Date-Added-Last"] < rest["X-TAXII-Date-Added-First"]
    assert rest.json()["more"] is False and "next" not in rest.json()


@pytest.mark.django_db
def test_an_empty_collection_is_an_empty_envelope(anon):
    response = anon.get(f"{COLLECTION}objects/", **ACCEPT)
    assert response.json() == {"more": False}
    assert "X-TAXII-Date-Added-First" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 8])
def test_a_page_costs_the_same_queries_whatever_its_size(
    anon, make_claim, django_assert_num_queries, settings, size
):
    for n in range(size):
        make_claim(vocab.Status.PUBLISHED, statement=f"Claim number {n}.")
    anon.get(f"{COLLECTION}objects/", **ACCEPT)  # builds the per-feed-head index of carriers, cached
    # The events with their documents and the redaction's statuses; the times of the actors they name
    # (identities' versions); the feed head, which keys the cached index of carriers; and the cache read
    # when the cache is a database table (the default; Redis answers it without SQL). Throttling is off.
    cache_in_database = "DatabaseCache" in settings.CACHES["default"]["BACKEND"]
    with django_assert_num_queries(3 + cache_in_database):
        body = anon.get(f"{COLLECTION}objects/?limit={2 * size}", **ACCEPT).json()
    assert len(body["objects"]) == 2 * size


# ---------------------------------------------------------------- access and refusals


@pytest.mark.django_db
def test_tokens_work_as_basic_password_and_as_bearer_when_the_api_is_private(
    settings, anon, viewer, make_claim
):
    settings.PUBLIC_API = False
    make_claim(vocab.Status.PUBLISHED)
    secret = create_api_token(user=viewer, name="taxii")
    refused = anon.get(f"{COLLECTION}objects/", **ACCEPT)
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Basic")
    assert refused.json()["title"] == "Authentication required"
    basic = base64.b64encode(f"vera:{secret}".encode()).decode()
    assert anon.get(f"{COLLECTION}objects/", HTTP_AUTHORIZATION=f"Basic {basic}", **ACCEPT).status_code == 200
    assert (
        anon.get(f"{COLLECTION}objects/", HTTP_AUTHORIZATION=f"Bearer {secret}", **ACCEPT).status_code == 200
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"vera:wrong").decode(),
        "Basic !!!",
        "Basic " + base64.b64encode(b"vera").decode(),
    ],
)
def test_bad_basic_credentials_are_a_401_even_when_reads_are_public(anon, authorization):
    response = anon.get(TAXII, HTTP_AUTHORIZATION=authorization, **ACCEPT)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/taxii+json;version=2.1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept",
    [
        None,
        "application/json",
        "*/*",
        "application/taxii+json;version=2.0",
        "application/stix+json;version=2.1",
    ],
)
def test_any_other_accept_is_a_406_in_the_taxii_error_shape(anon, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = anon.get(f"{COLLECTION}objects/", **headers)
    assert response.status_code == 406
    assert response["Content-Type"] == "application/taxii+json;version=2.1"
    assert (
        response.json()["http_status"] == "406" and "application/taxii+json" in response.json()["description"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept", ["application/taxii+json", "application/json, application/taxii+json;version=2.1"]
)
def test_the_taxii_media_type_without_version_or_among_others_is_accepted(anon, accept):
    assert anon.get(TAXII, HTTP_ACCEPT=accept).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/taxii2/api/collections/other/",
        "/taxii2/api/collections/other/objects/",
        "/taxii2/api/collections/other/manifest/",
        "/taxii2/other-root/",
        f"{COLLECTION}objects/report--00000000-0000-4000-8000-000000000000/",
        f"{COLLECTION}objects/report--00000000-0000-4000-8000-000000000000/versions/",
    ],
)
def test_unknown_collections_roots_and_objects_are_taxii_404s(anon, url):
    response = anon.get(url, **ACCEPT)
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "added_after=yesterday",
        "added_after=2026-01-01T00:00:00",
        "added_after=2026-13-01T00:00:00Z",
        "limit=0",
        "limit=ten",
        "limit=-1",
        "limit=" + "9" * 5000,
        "limit=²",
        "next=42",
        "next=abc-1",
        "match[version]=latest",
        "match[colour]=red",
        "page=2",
    ],
)
def test_bad_parameters_are_taxii_400s_naming_the_parameter(anon, query):
    response = anon.get(f"{COLLECTION}objects/?{query}", **ACCEPT)
    assert response.status_code == 400
    body = response.json()
    assert body["http_status"] == "400" and list(body["details"]) == [query.split("=")[0]]


@pytest.mark.django_db
def test_a_limit_above_the_maximum_is_served_as_the_maximum(anon, make_claim):
    make_claim(vocab.Status.PUBLISHED)
    assert anon.get(f"{COLLECTION}objects/?limit=100000", **ACCEPT).status_code == 200


@pytest.mark.django_db
def test_the_collection_is_read_only(anon):
    response = anon.post(f"{COLLECTION}objects/", {}, format="json", **ACCEPT)
    assert response.status_code in (401, 405)
    assert response["Content-Type"] == "application/taxii+json;version=2.1"
