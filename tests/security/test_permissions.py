"""Who may do what: every API endpoint and UI view, for anonymous, viewer, editor, reviewer, admin.

Each row is one request on one target; the last column gives the answer for each role, in the order
anonymous, viewer, editor, reviewer, admin. Refusals change nothing; successful writes change something.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from claims import selectors
from claims.api import stix
from tests.api.test_writes import payload
from tests.security.conftest import ROLES, World, state
from tests.test_views import edit_post, form_post

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
# "login": sent to a login page (the site's, or the admin's for the admin).
LOGIN = "login"


@dataclass(frozen=True)
class Row:
    action: str  # read, create, update, transition, delete
    method: str
    route: str  # URL name
    target: str  # which object of the world the URL names ("-": none)
    expect: str  # one answer per role, in ROLES order

    @property
    def id(self) -> str:
        return f"{self.action}-{self.method}-{self.route}-{self.target}"

    def expected(self) -> dict[str, str]:
        answers = self.expect.split()
        assert len(answers) == len(ROLES), self
        return dict(zip(ROLES, answers, strict=True))


# fmt: off
API_MATRIX = [
    #   action        method    route                         target                 anon view edit rev. admin
    Row("read",       "GET",    "api:claim-list",             "-",                   "200 200 200 200 200"),
    Row("create",     "POST",   "api:claim-list",             "-",                   "401 403 201 201 201"),
    Row("read",       "GET",    "api:claim-csv",              "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-sipri",            "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-stix-list",        "-",                   "200 200 200 200 200"),
    # A POST that writes nothing: logged-in users and tokens, each among the claims they may read.
    Row("read",       "POST",   "api:claim-match",            "-",                   "401 200 200 200 200"),
    Row("read",       "GET",    "api:claim-detail",           "published",           "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-detail",           "draft",               "404 404 200 200 200"),
    Row("update",     "PATCH",  "api:claim-detail",           "draft",               "401 404 200 200 200"),
    Row("update",     "PATCH",  "api:claim-detail",           "someone_elses_draft", "401 404 403 200 200"),
    Row("update",     "PATCH",  "api:claim-detail",           "published",           "401 403 202 200 200"),
    Row("delete",     "DELETE", "api:claim-detail",           "draft",               "401 404 204 204 204"),
    Row("delete",     "DELETE", "api:claim-detail",           "someone_elses_draft", "401 404 403 204 204"),
    Row("delete",     "DELETE", "api:claim-detail",           "published",           "401 403 403 403 403"),
    Row("update",     "POST",   "api:claim-revert",           "published",           "401 403 202 200 200"),
    Row("update",     "POST",   "api:claim-revert",           "someone_elses_draft", "401 404 403 400 400"),
    Row("read",       "GET",    "api:claim-comments",         "published",           "404 404 200 200 200"),
    Row("read",       "GET",    "api:claim-comments",         "draft",               "404 404 200 200 200"),
    Row("create",     "POST",   "api:claim-comments",         "published",           "401 404 201 201 201"),
    Row("read",       "GET",    "api:claim-assignee",         "draft",               "404 404 200 200 200"),
    Row("update",     "PUT",    "api:claim-assignee",         "published",           "401 404 200 200 200"),
    Row("read",       "GET",    "api:claim-revisions",        "published",           "404 404 200 200 200"),
    Row("read",       "GET",    "api:claim-revisions",        "draft",               "404 404 200 200 200"),
    Row("read",       "GET",    "api:claim-revision-detail",  "revision",            "404 404 200 200 200"),
    Row("update",     "POST",   "api:claim-revision-approve", "revision",            "401 404 403 200 200"),
    Row("update",     "POST",   "api:claim-revision-reject",  "revision",            "401 404 403 200 200"),
    Row("update",     "POST",   "api:claim-revision-withdraw", "revision",           "401 404 200 403 403"),
    Row("read",       "GET",    "api:claim-history",          "published",           "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-history",          "draft",               "404 404 200 200 200"),
    Row("read",       "GET",    "api:claim-assessments",      "published",           "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-assessments",      "draft",               "404 404 200 200 200"),
    Row("create",     "POST",   "api:claim-assessments",      "published",           "401 403 403 201 201"),
    Row("transition", "POST",   "api:claim-transitions",      "draft",               "401 404 201 201 201"),
    Row("transition", "POST",   "api:claim-transitions",      "someone_elses_draft", "401 404 403 201 201"),
    Row("transition", "POST",   "api:claim-transitions",      "published",           "401 403 403 201 201"),
    Row("create",     "POST",   "api:claim-relations",        "published",           "401 403 403 201 201"),
    Row("create",     "POST",   "api:claim-relations",        "draft",               "401 404 403 201 201"),
    Row("delete",     "DELETE", "api:claim-relation-detail",  "relation",            "401 403 403 204 204"),
    Row("read",       "GET",    "api:claim-stix",             "published",           "200 200 200 200 200"),
    Row("read",       "GET",    "api:claim-stix",             "draft",               "404 404 200 200 200"),
    Row("read",       "GET",    "api:saved-search-list",      "-",                   "401 200 200 200 200"),
    Row("create",     "POST",   "api:saved-search-list",      "-",                   "401 201 201 201 201"),
    Row("delete",     "DELETE", "api:saved-search-detail",    "saved_search",        "401 404 204 404 404"),
    Row("read",       "GET",    "api:actor-list",             "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:actor-detail",           "actor",               "200 200 200 200 200"),
    Row("read",       "GET",    "api:source-list",            "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:source-detail",          "source",              "200 200 200 200 200"),
    Row("read",       "GET",    "api:source-detail",          "draft_source",        "404 404 200 200 200"),
    Row("read",       "GET",    "api:source-checks",          "source",              "200 200 200 200 200"),
    Row("read",       "GET",    "api:source-checks",          "draft_source",        "404 404 200 200 200"),
    Row("create",     "POST",   "api:source-check",           "source",              "401 403 202 202 202"),
    Row("create",     "POST",   "api:source-check",           "draft_source",        "401 404 202 202 202"),
    Row("read",       "GET",    "api:feed",                   "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:webhook-list",           "-",                   "401 403 403 200 200"),
    Row("create",     "POST",   "api:webhook-list",           "-",                   "401 403 403 201 201"),
    Row("read",       "GET",    "api:webhook-detail",         "webhook",             "401 403 403 200 200"),
    Row("delete",     "DELETE", "api:webhook-detail",         "webhook",             "401 403 403 204 204"),
    Row("read",       "GET",    "api:webhook-deliveries",     "webhook",             "401 403 403 200 200"),
    Row("read",       "GET",    "api:schema",                 "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "api:docs",                   "-",                   "200 200 200 200 200"),
]

# The TAXII server and the MISP feed serve the public record: the same to every role.
FEED_MATRIX = [
    #   action        method    route                         target                 anon view edit rev. admin
    Row("read",       "GET",    "taxii:discovery",            "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:api-root",             "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:collections",          "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:collection",           "collection",          "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:objects",              "collection",          "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:manifest",             "collection",          "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:object",               "published_report",    "200 200 200 200 200"),
    Row("read",       "GET",    "taxii:object-versions",      "published_report",    "200 200 200 200 200"),
    Row("read",       "GET",    "misp:manifest",              "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "misp:hashes",                "-",                   "200 200 200 200 200"),
    Row("read",       "GET",    "misp:event",                 "published",           "200 200 200 200 200"),
    Row("read",       "GET",    "misp:event",                 "draft",               "404 404 404 404 404"),
]

UI_MATRIX = [
    #   action        method  route                    target                 anon  viewer editor rev. admin
    Row("read",       "GET",  "claims:dashboard",      "-",                   "login 200 200 200 200"),
    Row("read",       "GET",  "claims:list",           "-",                   "login 200 200 200 200"),
    Row("read",       "GET",  "claims:create",         "-",                   "login 403 200 200 200"),
    Row("create",     "POST", "claims:create",         "-",                   "login 403 302 302 302"),
    Row("read",       "GET",  "claims:from_article",   "-",                   "login 403 200 200 200"),
    Row("read",       "POST", "claims:from_article",   "-",                   "login 403 200 200 200"),
    Row("read",       "POST", "claims:match",          "-",                   "login 200 200 200 200"),
    Row("read",       "GET",  "claims:detail",         "published",           "login 200 200 200 200"),
    Row("read",       "GET",  "claims:detail",         "draft",               "login 404 200 200 200"),
    Row("read",       "GET",  "claims:edit",           "draft",               "login 404 200 200 200"),
    Row("read",       "GET",  "claims:edit",           "published",           "login 403 200 200 200"),
    Row("update",     "POST", "claims:edit",           "draft",               "login 404 302 302 302"),
    Row("update",     "POST", "claims:edit",           "someone_elses_draft", "login 404 403 302 302"),
    Row("update",     "POST", "claims:edit",           "published",           "login 403 302 302 302"),
    Row("read",       "GET",  "claims:diff",           "published",           "login 200 200 200 200"),
    Row("read",       "GET",  "claims:diff",           "draft",               "login 404 200 200 200"),
    Row("transition", "POST", "claims:transition",     "draft",               "login 404 302 302 302"),
    Row("transition", "POST", "claims:transition",     "someone_elses_draft", "login 404 403 302 302"),
    Row("transition", "POST", "claims:transition",     "published",           "login 403 403 302 302"),
    Row("delete",     "POST", "claims:discard",        "draft",               "login 404 302 302 302"),
    Row("delete",     "POST", "claims:discard",        "someone_elses_draft", "login 404 403 302 302"),
    Row("delete",     "POST", "claims:discard",        "published",           "login 403 403 403 403"),
    Row("update",     "POST", "claims:revert",         "published",           "login 403 302 302 302"),
    Row("read",       "GET",  "claims:revision",       "revision",            "login 404 200 200 200"),
    Row("update",     "POST", "claims:revision_approve", "revision",          "login 404 403 302 302"),
    Row("update",     "POST", "claims:revision_reject", "revision",           "login 404 403 302 302"),
    Row("update",     "POST", "claims:revision_withdraw", "revision",         "login 404 302 403 403"),
    Row("create",     "POST", "claims:comment",        "published",           "login 403 302 302 302"),
    Row("update",     "POST", "claims:assign",         "published",           "login 403 302 302 302"),
    Row("create",     "POST", "claims:assess",         "published",           "login 403 403 302 302"),
    Row("create",     "POST", "claims:relate",         "published",           "login 403 403 302 302"),
    Row("create",     "POST", "claims:relate",         "draft",               "login 404 403 302 302"),
    Row("delete",     "POST", "claims:unrelate",       "relation",            "login 403 403 302 302"),
    Row("read",       "GET",  "claims:sources",        "-",                   "login 200 200 200 200"),
    Row("read",       "GET",  "claims:source",         "source",              "login 200 200 200 200"),
    Row("read",       "GET",  "claims:source",         "draft_source",        "login 404 200 200 200"),
    Row("update",     "POST", "claims:source_check",   "source",              "login 403 302 302 302"),
    Row("update",     "POST", "claims:source_check",   "draft_source",        "login 403 302 302 302"),
    # No capture yet: editors are told so and nothing changes; viewers are refused first.
    Row("read",       "POST", "claims:source_accept",  "source",              "login 403 302 302 302"),
    Row("create",     "POST", "claims:save_search",    "-",                   "login 302 302 302 302"),
    Row("delete",     "POST", "claims:delete_search",  "saved_search",        "login 404 302 404 404"),
    Row("read",       "GET",  "claims:actor_search",   "-",                   "login 200 200 200 200"),
    Row("read",       "GET",  "claims:actor_create",   "-",                   "login 403 200 200 200"),
    Row("create",     "POST", "claims:actor_create",   "-",                   "login 403 302 302 302"),
    Row("read",       "GET",  "claims:actor",          "actor",               "login 200 200 200 200"),
    Row("read",       "GET",  "claims-atom",           "-",                   "200 200 200 200 200"),
    Row("read",       "GET",  "review-due-atom",       "-",                   "200 200 200 200 200"),
    Row("read",       "GET",  "admin:index",           "-",                   "login login login login 200"),
    Row("read",       "GET",  "admin:claims_claim_changelist", "-",           "login login login login 200"),
]
# fmt: on


# ---------------------------------------------------------------- the matrix covers every route


def _patterns() -> dict[str, URLPattern]:
    """Every named URL pattern, by its namespaced name."""
    found = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif pattern.name:
                found[f"{namespace}{pattern.name}"] = pattern

    walk(get_resolver().url_patterns)
    return found


def api_operations() -> set[tuple[str, str]]:
    """(route, method) of every operation the API's URLconf serves."""
    operations = set()
    for name, pattern in _patterns().items():
        if name.startswith("api:"):
            view = pattern.callback.view_class
            for method in view.http_method_names:
                if method not in ("options", "head", "trace") and hasattr(view, method):
                    operations.add((name, method.upper()))
    return operations


SAMPLES = {
    "claim_id": "00000000-0000-4000-8000-000000000000",
    "relation_id": 987651,
    "revision_id": 987653,
    "pk": 987652,
    "collection_id": "sample-collection",
    "object_id": "report--00000000-0000-4000-8000-000000000001",
    "event_uuid": "00000000-0000-4000-8000-000000000002",
}
PLACEHOLDERS = {name: f"{{{name}}}" for name in SAMPLES} | {"pk": "{id}"}


def _schema_path(route: str) -> str:
    """The route as the OpenAPI schema spells it: /api/v1/claims/{claim_id}/."""
    converters = _patterns()[route].pattern.converters
    url = reverse(route, kwargs={name: SAMPLES[name] for name in converters})
    for name in converters:
        url = url.replace(str(SAMPLES[name]), PLACEHOLDERS[name])
    return url


def test_every_api_operation_is_in_the_matrix():
    assert api_operations() == {(row.route, row.method) for row in API_MATRIX}


def test_every_operation_in_the_openapi_schema_is_in_the_matrix(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = {(path, method.upper()) for path, item in schema["paths"].items() for method in item}
    assert documented == {(_schema_path(row.route), row.method) for row in API_MATRIX + FEED_MATRIX} - {
        (_schema_path("api:schema"), "GET"),
        (_schema_path("api:docs"), "GET"),
    }


def test_every_taxii_and_misp_route_is_in_the_feed_matrix():
    feeds = {name for name in _patterns() if name.startswith(("taxii:", "misp:"))}
    assert feeds == {row.route for row in FEED_MATRIX}


def test_every_ui_view_is_in_the_matrix():
    ui_routes = {name for name in _patterns() if name.startswith("claims:")} | {
        "claims-atom",
        "review-due-atom",
    }
    assert ui_routes <= {row.route for row in UI_MATRIX}


# ---------------------------------------------------------------- requests


def _target_kwargs(row: Row, world: World, *, api: bool) -> dict:
    claim_key = "claim_id" if api else "uuid"
    if row.target == "relation":
        return {claim_key: world.published.uuid, "relation_id": world.relation.pk}
    if row.target == "revision":
        return {claim_key: world.published.uuid, "revision_id": world.revision.pk}
    if row.target in ("source", "draft_source"):
        return {"pk" if api else "source_id": getattr(world, row.target).pk}
    if row.target == "actor":
        return {"pk" if api else "actor_id": world.actor.pk}
    if row.target == "saved_search":
        return {"pk" if api else "search_id": world.saved_search.pk}
    if row.target == "webhook":
        return {"pk": world.webhook.pk}
    if row.target == "-":
        return {}
    if row.target == "collection":
        return {"collection_id": "claims"}
    if row.target == "published_report":
        [document] = selectors.documents_visible_to(AnonymousUser(), [world.published])
        return {"collection_id": "claims", "object_id": stix.claim_objects(document)[0]["id"]}
    if row.route.startswith("misp:"):
        return {"event_uuid": getattr(world, row.target).uuid}
    return {claim_key: getattr(world, row.target).uuid}


def _api_body(row: Row, world: World, actors) -> tuple[dict | None, dict]:
    """The body and headers of a request that would succeed for someone allowed to make it."""
    target = getattr(world, row.target, None)
    if row.method == "GET":
        return None, {}  # a GET's data would become query parameters, which list endpoints refuse
    if row.route == "api:claim-list":
        return payload(actors), {}
    if row.route == "api:claim-match":
        return payload(actors), {}
    if row.route == "api:claim-detail" and row.method == "PATCH":
        return {"statement": "Changed."}, {"HTTP_IF_MATCH": f'"{target.version}"'}
    if row.route == "api:saved-search-list":
        return {"name": "Shipments", "query": "stage=shipment"}, {}
    if row.route == "api:claim-comments":
        return {"body": "Internal: ask @rita."}, {}
    if row.route == "api:claim-assignee":
        return {"assignee": "rita"}, {}
    if row.route == "api:claim-revert":
        return {"to_version": 1, "reason": "Back to the first draft."}, {
            "HTTP_IF_MATCH": f'"{target.version}"'
        }
    if row.route == "api:claim-revision-approve":
        return {"reason": "Better wording."}, {}
    if row.route == "api:claim-revision-reject":
        return {"reason": "The source says otherwise."}, {}
    if row.route == "api:claim-assessments":
        return {"reliability": "C", "credibility": 3, "rationale": "Plausible."}, {}
    if row.route == "api:claim-transitions":
        to = "retracted" if target.status == "published" else "in_review"
        return {"to": to, "reason": "Because."}, {}
    if row.route == "api:claim-relations":
        return {
            "to_claim": str(world.other_published.uuid),
            "kind": "corroborates",
            "independence": "possibly_shared_origin",
        }, {}
    if row.route == "api:webhook-list":
        return {"url": "https://93.184.216.34/claims", "event_types": ["published"]}, {}
    return None, {}


def _ui_body(row: Row, world: World, actors) -> dict | None:
    target = getattr(world, row.target, None)
    if row.method != "POST":
        return None
    if row.route in ("claims:create", "claims:match"):
        return form_post(actors)
    if row.route == "claims:from_article":
        return {"source_url": "https://news.example.org/a", "quote": "A passage.", "quote_language": "en"}
    if row.route == "claims:edit":
        return edit_post(target, actors, statement="Changed in the browser.")
    if row.route == "claims:transition":
        to = "retracted" if target.status == "published" else "in_review"
        return {"to": to, "reason": "Because."}
    if row.route == "claims:save_search":
        return {"name": "Shipments", "query": "stage=shipment"}
    if row.route == "claims:comment":
        return {"body": "Internal: ask @rita."}
    if row.route == "claims:revision_approve":
        return {"approve-reason": "Better wording."}
    if row.route == "claims:revision_reject":
        return {"reject-reason": "The source says otherwise."}
    if row.route == "claims:assign":
        return {"assignee": str(User.objects.get(username="rita").pk)}
    if row.route == "claims:revert":
        return {
            "to_version": "1",
            "expected_version": str(target.version),
            "reason": "Back to the first draft.",
        }
    if row.route == "claims:assess":
        return {
            "reliability": "C",
            "credibility": "3",
            "rationale": "Plausible.",
            "likelihood": "",
            "confidence": "",
        }
    if row.route == "claims:relate":
        return {
            "kind": "corroborates",
            "to_claim": str(world.other_published.uuid),
            "independence": "possibly_shared_origin",
        }
    if row.route == "claims:actor_create":
        return {"name": "Wagner Group", "kind": "non_state_armed_group", "country": "RU"}
    return {}


def _answer(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(("/admin/login/", "/accounts/login/")):
            return LOGIN
    return str(response.status_code)


def _run(row: Row, send) -> list[str]:
    """Send the row's request as each role in a rolled-back savepoint; list departures from the spec."""
    actual, problems = {}, []
    for role in ROLES:
        with transaction.atomic():
            before = state()
            response = send(role)
            answer = _answer(response)
            changed = state() != before
            transaction.set_rollback(True)
        actual[role] = answer
        refused = answer[0] in "45" or answer == LOGIN
        if refused and changed:
            problems.append(f"{row.id}: {role} refused with {answer} but the data changed")
        if row.method in WRITE_METHODS and row.action != "read" and not refused and not changed:
            problems.append(f"{row.id}: {role} answered {answer} but nothing changed")
    if actual != row.expected():
        problems.append(f"{row.id}: expected {row.expect!r}, got {' '.join(actual.values())!r}")
    return problems


def test_api_permission_matrix(world, actors, api_client, monkeypatch):
    monkeypatch.setattr("sources.tasks.check_source_now_task.delay", lambda *args: None)
    clients = {role: api_client(role) for role in ROLES}  # tokens exist before the savepoints
    problems = []
    for row in API_MATRIX:
        url = reverse(row.route, kwargs=_target_kwargs(row, world, api=True))

        def send(role, row=row, url=url):
            body, headers = _api_body(row, world, actors)
            response = getattr(clients[role], row.method.lower())(url, body, format="json", **headers)
            if response.status_code >= 400 and not response["Content-Type"].startswith("application/json"):
                problems.append(f"{row.id}: {role} got a {response.status_code} that is not JSON")
            return response

        problems.extend(_run(row, send))
    assert problems == []


def test_feed_permission_matrix(world, api_client):
    clients = {role: api_client(role) for role in ROLES}
    problems = []
    for row in FEED_MATRIX:
        url = reverse(row.route, kwargs=_target_kwargs(row, world, api=True))
        taxii = row.route.startswith("taxii:")
        headers = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"} if taxii else {}
        problems.extend(_run(row, lambda role, url=url, headers=headers: clients[role].get(url, **headers)))
    assert problems == []


def test_ui_permission_matrix(world, actors, browser):
    clients = {role: browser(role) for role in ROLES}
    problems = []
    for row in UI_MATRIX:
        url = reverse(row.route, kwargs=_target_kwargs(row, world, api=False))

        def send(role, row=row, url=url):
            if row.method == "GET":
                return clients[role].get(url)
            return clients[role].post(url, _ui_body(row, world, actors))

        problems.extend(_run(row, send))
    assert problems == []


# ---------------------------------------------------------------- refusal comes before validation

# Bodies every endpoint refuses with field errors; the body-less endpoints ignore what they are sent.
INVALID_BODIES = {
    "api:claim-list": {"statement": "", "kind": "teleport", "hops": "none"},
    "api:claim-detail": {"statement": "", "kind": "teleport"},
    "api:claim-match": {"statement": ["not", "text"], "hops": "none"},
    "api:claim-assessments": {"reliability": "Z", "credibility": 9},
    "api:claim-transitions": {"to": "nowhere"},
    "api:claim-relations": {"to_claim": "not-a-uuid", "kind": "nonsense"},
    "api:claim-revert": {"to_version": "latest", "reason": ""},
    "api:claim-comments": {"body": ""},
    "api:claim-assignee": {"assignee": ["not", "a", "name"]},
    "api:claim-revision-approve": {"reason": ["not", "a", "reason"]},
    "api:claim-revision-reject": {"reason": ""},
    "api:claim-revision-withdraw": {"unexpected": True},
    "api:saved-search-list": {"name": "", "query": "recipent=RU"},
    "api:saved-search-detail": {"unexpected": True},
    "api:claim-relation-detail": {"unexpected": True},
    "api:source-check": {"unexpected": True},
    "api:webhook-list": {"url": "http://10.0.0.1/", "event_types": ["nonsense"]},
    "api:webhook-detail": {"unexpected": True},
}
BODY_IGNORED = {
    ("api:claim-relation-detail", "DELETE"),
    ("api:claim-revision-withdraw", "POST"),
    ("api:source-check", "POST"),
    ("api:claim-detail", "DELETE"),
    ("api:saved-search-detail", "DELETE"),
    ("api:webhook-detail", "DELETE"),
}


# Refusals that depend on what the body names: an editor may relate a draft, but not to the published
# claim the valid body names. With a body naming nothing readable, validation speaks first (400).
REFUSED_FOR_THE_BODY = {("api:claim-relations", "draft", "editor")}


def _with_invalid_body(row: Row) -> Row:
    """The same row, where the roles allowed to write now get a 400 and everyone else the same refusal."""
    if (row.route, row.method) in BODY_IGNORED:
        return row
    answers = [
        "400" if answer.startswith("2") or (row.route, row.target, role) in REFUSED_FOR_THE_BODY else answer
        for role, answer in zip(ROLES, row.expect.split(), strict=True)
    ]
    return Row(row.action, row.method, row.route, row.target, " ".join(answers))


def test_a_write_with_an_invalid_body_is_refused_for_permission_before_it_is_validated(
    world, actors, api_client, monkeypatch
):
    monkeypatch.setattr("sources.dispatch.check_source_now_task.delay", lambda *args: None)
    clients = {role: api_client(role) for role in ROLES}
    problems = []
    for row in [_with_invalid_body(row) for row in API_MATRIX if row.method in WRITE_METHODS]:
        url = reverse(row.route, kwargs=_target_kwargs(row, world, api=True))
        _, headers = _api_body(row, world, actors)

        def send(role, row=row, url=url, headers=headers):
            body = INVALID_BODIES[row.route]
            response = getattr(clients[role], row.method.lower())(url, body, format="json", **headers)
            if response.status_code in (401, 403) and "errors" in response.json():
                problems.append(f"{row.id}: {role}'s refusal lists field errors")
            return response

        problems.extend(_run(row, send))
    assert problems == []


# ---------------------------------------------------------------- methods nobody may use


def test_methods_an_api_endpoint_does_not_offer_are_refused_for_everyone(world, api_client):
    problems = []
    clients = {role: api_client(role) for role in ROLES}
    before = state()
    for route in sorted({row.route for row in API_MATRIX}):
        offered = {row.method for row in API_MATRIX if row.route == route}
        target = next(row for row in API_MATRIX if row.route == route)
        url = reverse(route, kwargs=_target_kwargs(target, world, api=True))
        for role, client in clients.items():
            for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - offered):
                status = getattr(client, method.lower())(url, {}, format="json").status_code
                if status not in (401, 403, 404, 405):
                    problems.append(f"{role} {method} {url}: {status}")
    assert problems == []
    assert state() == before
