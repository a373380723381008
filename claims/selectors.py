"""Read rules: what of the newsroom's own work a reader may see."""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from claims import vocab
from claims.models import Actor, AttributionHop, Claim, sees_drafts

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
    if sees_drafts(reader):
        return lambda user: user.get_username() if user is not None else ""
    roles: dict[int, str] = {}

    def role(user: AbstractBaseUser | None) -> str:
        if user is None:
            return ""
        if user.pk not in roles:
            roles[user.pk] = _role_of(user)
        return roles[user.pk]

    return role


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
    ids: set[int] = set()
    for rows, field in _uses(claims):
        rows = rows.filter(**{f"{field}__in": among}) if among is not None else rows.exclude(**{field: None})
        ids.update(rows.order_by().values_list(field, flat=True).distinct())
    return ids


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
    if sees_drafts(user):
        return actors
    return actors.exclude(pk__in=_draft_only_actor_ids())
