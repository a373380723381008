"""What a user may see: claims, their versions, status changes, relations and sources. One rule, asked
by every page, endpoint, export and feed.

The rule: drafts and claims in review exist only for editorial roles (policies.sees_unpublished). For
everyone else, a claim's past begins at its publication, and a relation to a claim they may not see
is not there at all, note included.
"""

from collections.abc import Callable

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from claims import review, revisions, schema, track_record, vocab
from claims.models import (
    Actor,
    Assignment,
    AttributionHop,
    Claim,
    ClaimRelation,
    ClaimVersion,
    Comment,
    PendingRevision,
    QuoteCheck,
    SavedSearch,
    Source,
    StatusChange,
    fold,
)
from claims.policies import reviews_suggestions, sees_unpublished
from claims.projection import current_document_json, current_representations
from claims.representation import represent_actor
from claims.track_record import TrackRecord


def public_claims() -> QuerySet[Claim]:
    """What anonymous readers and viewers see: published claims, and retracted ones as retracted."""
    return Claim.objects.public()


def claims_visible_to(user) -> QuerySet[Claim]:
    return Claim.objects.all() if sees_unpublished(user) else public_claims()


def claim_titles_visible_to(user, claim_ids: set[str]) -> dict[str, str]:
    """Statements of the given claims (by public id) that the user may read; the others are left out."""
    rows = claims_visible_to(user).filter(uuid__in=claim_ids).values_list("uuid", "statement")
    return {str(uuid): statement for uuid, statement in rows}


def comments_visible_to(user, claim: Claim) -> QuerySet[Comment]:
    """Internal notes: editorial roles only, on every surface."""
    if not sees_unpublished(user):
        return Comment.objects.none()
    return claim.comments.select_related("author").prefetch_related("mentions").order_by("created_at", "id")


def revisions_visible_to(user, claim: Claim) -> QuerySet[PendingRevision]:
    """Suggested edits of a claim, newest first: editorial roles only, on every surface."""
    if not sees_unpublished(user):
        return PendingRevision.objects.none()
    return (
        PendingRevision.objects.filter(claim=claim)
        .select_related("claim", "proposed_by", "decided_by")
        .order_by("-proposed_at", "-id")
    )


def pending_revisions_visible_to(user, claim: Claim) -> list[PendingRevision]:
    return list(revisions_visible_to(user, claim).filter(state=vocab.RevisionState.PENDING))


def revision_visible_to(user, claim: Claim, revision_id: int) -> PendingRevision | None:
    return revisions_visible_to(user, claim).filter(pk=revision_id).first()


def proposed_document(revision: PendingRevision) -> dict:
    """A suggestion in the shape of a version snapshot (actors named), to diff against its base."""
    data = schema.from_write_shape(revision.body)
    ids = {data.supplier_id, data.recipient_id, *data.participant_ids}
    ids |= {hop.speaker_id for hop in data.hops} | {hop.affiliation_id for hop in data.hops}
    actors = Actor.objects.in_bulk(ids - {None})

    def actor(actor_id):
        return represent_actor(actors.get(actor_id)) if actor_id else None

    return {
        **schema.input_document(data, actor),
        "status": revision.claim.status,
    }


def revision_diff(revision: PendingRevision) -> list[revisions.DiffLine]:
    """What the suggestion changes in the version it was made on (fields, hops and route only)."""
    proposed = proposed_document(revision)
    base = ClaimVersion.objects.filter(claim_id=revision.claim_id, version=revision.base_version).first()
    before = {key: value for key, value in (base.snapshot if base else {}).items() if key in proposed}
    return revisions.diff(before, proposed)


def assignee_of(user, claim: Claim):
    """Who a claim waits for, for editorial roles; readers never learn it."""
    if not sees_unpublished(user):
        return None
    assignment = Assignment.objects.filter(claim=claim).select_related("assignee").first()
    return assignment.assignee if assignment else None


def assignable_users() -> QuerySet:
    """Active users with an editorial role (the permission behind sees_unpublished), in one query."""
    return (
        get_user_model()
        .objects.with_perm("claims.view_draft", backend="django.contrib.auth.backends.ModelBackend")
        .order_by("username")
    )


def queue_of(user) -> dict[str, QuerySet[Claim]]:
    """A user's own work: claims waiting for them, their drafts, and claims whose notes mention them."""
    if not sees_unpublished(user):
        return {}
    working = Claim.objects.filter(status__in=(vocab.Status.DRAFT, vocab.Status.IN_REVIEW))
    return {
        "assigned": working.filter(assignment__assignee=user).order_by("updated_at"),
        "drafts": working.filter(status=vocab.Status.DRAFT, created_by=user).order_by("-updated_at"),
        "mentioned": Claim.objects.filter(comments__mentions=user).distinct().order_by("-updated_at"),
    }


def revisions_to_decide(user) -> QuerySet[PendingRevision]:
    """Suggested edits waiting for a reviewer, oldest first; nothing for those who do not publish."""
    if not reviews_suggestions(user):
        return PendingRevision.objects.none()
    return (
        PendingRevision.objects.filter(
            state=vocab.RevisionState.PENDING, claim__status=vocab.Status.PUBLISHED
        )
        .select_related("claim", "proposed_by")
        .order_by("proposed_at", "id")
    )


def saved_searches_of(user) -> QuerySet[SavedSearch]:
    """A user's own saved searches; nobody sees another's."""
    if not (user and user.is_authenticated):
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(owner=user).order_by("name")


def sources_visible_to(user) -> QuerySet[Source]:
    """A source cited only by unpublished claims would reveal what the newsroom is working on."""
    if sees_unpublished(user):
        return Source.objects.all()
    return Source.objects.filter(
        pk__in=Source.objects.filter(hops__claim__in=Claim.objects.public()).values("pk")
    )


def sources_needing_confirmation(claim: Claim) -> list[Source]:
    """Sources a reviewer must knowingly accept before publishing: nothing captured, suspect or dead.

    Publishing on such a source promises readers a document nobody has seen intact."""
    return list(
        Source.objects.filter(hops__claim=claim)
        .filter(Q(baseline_sha256="") | Q(liveness__in=[vocab.Liveness.SUSPECT, vocab.Liveness.DEAD]))
        .distinct()
        .order_by("url")
    )


def quote_checks_visible_to(user) -> QuerySet[QuoteCheck]:
    """A quote result names a hop, and an unpublished claim's hop carries its quote."""
    return QuoteCheck.objects.filter(hop__claim__in=claims_visible_to(user))


def versions_visible_to(user, claim: Claim | None = None) -> QuerySet[ClaimVersion]:
    """Readers see a claim's versions (every claim's, without one) from its publication on, never the
    drafts before it."""
    versions = ClaimVersion.objects.filter(claim__in=claims_visible_to(user))
    if claim is not None:
        versions = versions.filter(claim=claim)
    if sees_unpublished(user):
        return versions
    return versions.filter(snapshot__status__in=list(vocab.PUBLIC_STATUSES))


def status_changes_visible_to(user, claim: Claim) -> QuerySet[StatusChange]:
    """The reasons given while a claim was being prepared are editorial talk."""
    changes = StatusChange.objects.filter(claim=claim)
    if sees_unpublished(user):
        return changes
    return changes.filter(to_status__in=vocab.PUBLIC_STATUSES)


def relations_visible_to(user, claim: Claim) -> list[dict]:
    """The claim's relations as {id, relation, other, direction}, without those this user may not see.

    Expects the claim loaded with Claim.objects.with_details() (no queries of its own then).
    """
    relations = [
        {"id": r.pk, "relation": r, "other": r.to_claim, "direction": "out"}
        for r in claim.relations_out.all()
    ] + [
        {"id": r.pk, "relation": r, "other": r.from_claim, "direction": "in"}
        for r in claim.relations_in.all()
    ]
    if sees_unpublished(user):
        return relations
    return [r for r in relations if r["other"].status in vocab.PUBLIC_STATUSES]


def relation_visible_to(user, claim: Claim, relation_id: int) -> ClaimRelation | None:
    """One relation of this claim, if this user may see both of its ends."""
    visible = claims_visible_to(user)
    return (
        ClaimRelation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim), pk=relation_id)
        .filter(from_claim__in=visible, to_claim__in=visible)
        .select_related("from_claim", "to_claim")
        .first()
    )


def redact_documents(user, documents: list[dict]) -> list[dict]:
    """Drop, in place, relations to claims this user may not see from claim documents or snapshots
    (history, feed, diff): one query for the statuses they mention."""
    if sees_unpublished(user):
        return documents
    mentioned = {r["claim_id"] for document in documents for r in document.get("relations", ())}
    if not mentioned:
        return documents
    public = {
        str(uuid) for uuid in Claim.objects.public().filter(uuid__in=mentioned).values_list("uuid", flat=True)
    }
    for document in documents:
        if "relations" in document:
            document["relations"] = [r for r in document["relations"] if r["claim_id"] in public]
    return documents


def documents_visible_to(user, claims: list[Claim]) -> list[dict]:
    """The current document of each claim, as this user may see it, in a fixed number of queries."""
    return redact_documents(user, current_representations(claims))


# redact_documents() in SQL, for a document being built by the database: a relation stays only if the
# claim at its other end is public. JSON text of the array, as projection.current_document_json() takes it.
_PUBLIC_RELATIONS = f"""(SELECT '[' || coalesce(string_agg(r.v::text, ', ' ORDER BY r.i), '') || ']'
    FROM jsonb_array_elements({{body}}->'relations') WITH ORDINALITY r(v, i)
    WHERE EXISTS (SELECT 1 FROM {Claim._meta.db_table} other
                  WHERE other.uuid = (r.v->>'claim_id')::uuid AND other.status = ANY(%s)))"""  # noqa: S608 (a table name, no input)


def with_documents_visible_to(user, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims, each with its document as this user may see it, as JSON text built by the database in
    the same query (`document_json`, on PostgreSQL): read them with document_texts_visible_to()."""
    relations = None if sees_unpublished(user) else (_PUBLIC_RELATIONS, [list(vocab.PUBLIC_STATUSES)])
    document = current_document_json(relations=relations)
    return claims if document is None else claims.annotate(document_json=document)


def document_texts_visible_to(user, claims: list) -> list[str | bytes]:
    """documents_visible_to() as JSON text: what with_documents_visible_to() fetched, and for the other
    claims (another database, a document missing or in an older shape), the documents built here.
    `claims` are Claims or rows of that query (an `id`, and `document_json` where it was fetched)."""
    texts = {claim.id: text for claim in claims if (text := getattr(claim, "document_json", None))}
    if rest := [claim for claim in claims if claim.id not in texts]:
        texts |= {
            claim.id: orjson.dumps(document)
            for claim, document in zip(rest, documents_visible_to(user, rest), strict=True)
        }
    return [texts[claim.id] for claim in claims]


# ---------------------------------------------------------------- who changed a claim

# Most senior first: a user in several groups is named by the highest.
ROLE_NAMES = ("reviewer", "editor", "viewer")


def _role_of(user: AbstractBaseUser) -> str:
    groups = set(user.groups.values_list("name", flat=True))
    role = next((name for name in ROLE_NAMES if name in groups), None)
    return role or ("administrator" if user.is_superuser else "staff")


def staff_names_for(reader) -> Callable[[AbstractBaseUser | None], str]:
    """How the people behind a change are named to this reader: editorial roles see usernames, anyone
    else only a role ("editor", "reviewer"), so public history does not list the newsroom's accounts."""
    if sees_unpublished(reader):
        return lambda user: user.get_username() if user is not None else ""
    roles: dict[int, str] = {}

    def role(user: AbstractBaseUser | None) -> str:
        if user is None:
            return ""
        if user.pk not in roles:
            roles[user.pk] = _role_of(user)
        return roles[user.pk]

    return role


def name_staff(reader, rows, field: str) -> None:
    """Each row's `shown_by`: the user in `field`, named as this reader may see them."""
    name = staff_names_for(reader)
    for row in rows:
        row.shown_by = name(getattr(row, field))


# ---------------------------------------------------------------- actors


# The roles in which a claim uses an actor: (queryset of rows tied to claims, actor field).
def _uses(claims: QuerySet[Claim]) -> list[tuple[QuerySet, str]]:
    hops = AttributionHop.objects.filter(claim__in=claims)
    participants = Claim.participants.through.objects.filter(claim__in=claims)
    return [
        (claims, "supplier_id"),
        (claims, "recipient_id"),
        (participants, "actor_id"),
        (hops, "speaker_id"),
        (hops, "affiliation_id"),
    ]


def _actor_ids_used_by(claims: QuerySet[Claim], among: set[int] | None = None) -> set[int]:
    """The actors (of `among`, else of all) that at least one of `claims` uses, in any role. One query:
    per actor and role an index probe that stops at the first use. A DISTINCT over each role read every
    row of the claims instead (seconds per reader's list page at a million claims)."""
    used = Q()
    for rows, field in _uses(claims):
        used |= Exists(rows.filter(**{field: OuterRef("pk")}))
    actors = Actor.objects.all() if among is None else Actor.objects.filter(pk__in=among)
    return set(actors.filter(used).values_list("pk", flat=True))


def _draft_only_actor_ids() -> set[int]:
    used_by_drafts = _actor_ids_used_by(Claim.objects.exclude(status__in=vocab.PUBLIC_STATUSES))
    if not used_by_drafts:
        return set()
    parents = dict(Actor.objects.values_list("pk", "parent_id"))

    def chain(actor_id: int | None) -> list[int]:
        """The actor and its ancestors (Shoigu → Russian MoD → Russia); parents never loop."""
        found = []
        while actor_id is not None and actor_id not in found:
            found.append(actor_id)
            actor_id = parents.get(actor_id)
        return found

    # A parent is used wherever its descendants are: a draft's new speaker reveals its new ministry,
    # and a public speaker keeps its ministry visible.
    draft_side = {ancestor for actor_id in used_by_drafts for ancestor in chain(actor_id)}
    related = {actor_id for actor_id in parents if draft_side.intersection(chain(actor_id))}
    used_publicly = _actor_ids_used_by(Claim.objects.public(), among=related)
    public_side = {ancestor for actor_id in used_publicly for ancestor in chain(actor_id)}
    return draft_side - public_side


def actors_visible_to(user) -> QuerySet[Actor]:
    """Every actor for editorial roles. Readers do not see an actor that only unpublished claims use:
    its name alone (a new company, a person) can reveal what the newsroom is working on. Actors no
    claim uses (reference data, publishers) stay visible."""
    actors = Actor.objects.all()
    if sees_unpublished(user):
        return actors
    return actors.exclude(pk__in=_draft_only_actor_ids())


# ---------------------------------------------------------------- review due


def review_due_visible_to(user) -> QuerySet[Claim]:
    """Claims due for a fresh review (claims.review), oldest due first. Only published claims are ever
    due, so every reader sees the same queue: it tells readers which claims may be out of date."""
    due = review.due(claims_visible_to(user))
    return due.order_by(F("review_window_end").asc(nulls_last=True), "review_last_reviewed", "id")


# ---------------------------------------------------------------- track record


def track_record_visible_to(user, actor: Actor, *, excluding: Claim | None = None) -> TrackRecord:
    """An actor's track record over the claims this user may see (relations from hidden claims do not
    count: for a reader they are not there); `excluding` leaves out the claim being assessed."""
    claims = claims_visible_to(user)
    if excluding is not None:
        claims = claims.exclude(pk=excluding.pk)
    return track_record.of(actor, claims=claims, others=claims_visible_to(user))


ACTOR_MATCHES_MAX = 20


def actors_matching(user, query: str, *, limit: int = ACTOR_MATCHES_MAX) -> list[dict]:
    """The actors this user may see whose name or an alias contains the query, case- and
    accent-insensitively: names that start with it first, then names with a word that does, then
    the rest, each alphabetically. Two queries for an editor (more, but always as many, for a
    reader), whatever the number of actors or matches: folding happens here, so SQLite and
    PostgreSQL answer alike without a database extension."""
    wanted = fold(query.strip())
    if not wanted:
        return []
    ranked = []
    for pk, name, kind, country, aliases in (
        actors_visible_to(user).order_by("name").values_list("pk", "name", "kind", "country", "aliases")
    ):
        folded = fold(name)
        alias = next((a for a in aliases or [] if isinstance(a, str) and wanted in fold(a)), None)
        if folded.startswith(wanted):
            rank = 0
        elif f" {wanted}" in f" {folded}".replace("-", " ").replace("(", " "):
            rank = 1
        elif wanted in folded:
            rank = 2
        elif alias is not None:
            rank = 3
        else:
            continue
        row = {"id": pk, "name": name, "kind": kind, "country": country}
        if rank == 3:
            row["alias"] = alias  # the picker says why this name is offered
        ranked.append((rank, row))
    ranked.sort(key=lambda item: item[0])  # stable: alphabetical within a rank
    return [row for _rank, row in ranked[:limit]]


def actor_named(name: str) -> Actor | None:
    """The actor a typed name means: its exact name, else the one actor whose name or an alias reads
    the same ignoring case and accents. None when no actor, or more than one, reads so."""
    exact = Actor.objects.filter(name=name).first()
    if exact is not None:
        return exact
    wanted = fold(name)
    found = {
        pk
        for pk, actor_name, aliases in Actor.objects.values_list("pk", "name", "aliases")
        if fold(actor_name) == wanted or any(isinstance(a, str) and fold(a) == wanted for a in aliases or [])
    }
    return Actor.objects.get(pk=found.pop()) if len(found) == 1 else None


def citations_visible_to(user, urls, *, exclude_uuid: str | None = None) -> list[dict]:
    """Each of these source URLs that claims the user may see already cite: {url, source_id, claims},
    counting distinct claims (one query), the claim being edited left out."""
    claims = claims_visible_to(user)
    if exclude_uuid is not None:
        claims = claims.exclude(uuid=exclude_uuid)
    rows = (
        AttributionHop.objects.filter(source__url__in=set(urls), claim__in=claims)
        .values("source_id", "source__url")
        .annotate(claims=Count("claim_id", distinct=True))
        .order_by("source__url")
    )
    return [
        {"url": row["source__url"], "source_id": row["source_id"], "claims": row["claims"]} for row in rows
    ]
