"""Claims that may state the proposition one being written states: found on intake, before a duplicate.

Two steps. Candidates: a few indexed look-ups pick at most CANDIDATES claims per path among those the
user may see (PostgreSQL: the statement's rarest words by pg_trgm word similarity over a GIN trigram
index, or the rarest words of the statement and the quotes by full text over search_vector; the same
supplier and recipient; a shared source URL. SQLite: the same paths as plain filters). Score: the same
Python on both databases (rapidfuzz for the text), so the labelled set's precision and recall hold
on either.

Statements are English by design but quotes keep their language: the text similarity is the best of
statement against statement and quote against quote (an Italian relay of the same Italian quote), and
a quote's translation counts as one more quote. An Italian quote is never compared with an English
statement: across languages the letters say nothing, the structure (parties, item, stage, dates,
sources, speakers) does.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from claims import schema, selectors
from claims.models import Actor, AttributionHop, Claim, Source

# A claim is suggested from this score up (0..1): tests/data/claim_matches.json measures it.
THRESHOLD = 0.5
LIMIT = 10  # suggestions answered
CANDIDATES = 40  # claims read per candidate path
# Words of four letters or more: shorter ones (to, of, has) select nothing in a full-text index.
_WORD = re.compile(r"\w{4,}")
_RAREST = 3

# Why a claim is suggested: codes the API returns and the form shows as phrases.
SIMILAR_STATEMENT = "similar_statement"
SIMILAR_QUOTE = "similar_quote"
SAME_PARTIES = "same_parties"
SAME_ITEM = "same_item"
SAME_STAGE = "same_stage"
OVERLAPPING_DATES = "overlapping_dates"
SHARED_SOURCE = "shared_source"
SHARED_SPEAKER = "shared_speaker"
SHARED_AFFILIATION = "shared_affiliation"
# The form shows each reason as a phrase.
REASON_LABELS = {
    SIMILAR_STATEMENT: _("similar statement"),
    SIMILAR_QUOTE: _("similar quote"),
    SAME_PARTIES: _("same supplier and recipient"),
    SAME_ITEM: _("same item"),
    SAME_STAGE: _("same stage"),
    OVERLAPPING_DATES: _("overlapping dates"),
    SHARED_SOURCE: _("same source URL"),
    SHARED_SPEAKER: _("same first speaker"),
    SHARED_AFFILIATION: _("same affiliation"),
}
REASONS = tuple(REASON_LABELS)


class Refused(ValueError):
    """What makes a probe unusable (an actor id no actor has, a text over its column's limit), by
    dotted path."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__(messages)
        self.messages = messages


@dataclass(frozen=True)
class Probe:
    """What is compared: the claim being written, read from its (possibly partial) write shape."""

    statement: str = ""
    supplier_id: int | None = None
    recipient_id: int | None = None
    item_category: str = ""
    stage: str = ""
    event_start: date | None = None
    event_end: date | None = None
    source_urls: frozenset[str] = frozenset()
    speaker_ids: frozenset[int] = frozenset()
    affiliation_ids: frozenset[int] = frozenset()
    quotes: tuple[str, ...] = ()
    exclude_uuid: str | None = None  # the claim being edited, never its own duplicate

    @property
    def empty(self) -> bool:
        return not (self.statement.strip() or self.quotes or self.source_urls or self.parties)

    @property
    def parties(self) -> bool:
        return self.supplier_id is not None and self.recipient_id is not None


@dataclass
class Suggestion:
    id: int
    uuid: str
    statement: str
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[reason]) for reason in self.reasons]


def actor_ids_named(data: schema.ClaimData) -> dict[str, int]:
    """Every actor id the write shape names, by its dotted path."""
    named = {"supplier": data.supplier_id, "recipient": data.recipient_id}
    named |= {f"participants.{index}": pk for index, pk in enumerate(data.participant_ids)}
    for index, hop in enumerate(data.hops):
        named |= {f"hops.{index}.speaker": hop.speaker_id, f"hops.{index}.affiliation": hop.affiliation_id}
    return {path: pk for path, pk in named.items() if pk is not None}


def _refusals(data: schema.ClaimData) -> dict[str, list[str]]:
    """Texts longer than their columns hold, choices the vocabulary lacks: no claim could say them."""
    errors: dict[str, list[str]] = {}

    def check(path: str, value: str, model, name: str) -> None:
        limit = schema.limit(model, name)
        if value and len(value) > limit:
            errors.setdefault(path, []).append(f"Ensure this field has no more than {limit} characters.")

    check("statement", data.statement or "", Claim, "statement")
    for name in ("item_category", "stage"):
        value = getattr(data, name) or ""
        if value and value not in dict(Claim._meta.get_field(name).choices):
            errors.setdefault(name, []).append(f'"{value}" is not a valid choice.')
    for index, hop in enumerate(data.hops):
        check(f"hops.{index}.source", hop.source_url or "", Source, "url")
        check(f"hops.{index}.quote", hop.quote or "", AttributionHop, "quote")
        check(f"hops.{index}.translation", hop.translation or "", AttributionHop, "translation")
    return errors


def probe_of(data: schema.ClaimData, *, exclude_uuid: str | None = None) -> Probe:
    """The probe for a write shape; refuses actor ids no actor has (one query, which also brings
    each speaker's parent: a relay of a ministry's words shares its speaker with the minister's)."""
    errors = _refusals(data)
    if errors:
        raise Refused(errors)
    named = actor_ids_named(data)
    parents = dict(Actor.objects.filter(pk__in=set(named.values())).order_by().values_list("pk", "parent_id"))
    unknown = {path: ["No such actor."] for path, pk in named.items() if pk not in parents}
    if unknown:
        raise Refused(unknown)
    hop_zero = [hop for hop in data.hops if getattr(hop, "position", 0) == 0][:1] or data.hops[:1]
    speakers = {hop.speaker_id for hop in hop_zero if hop.speaker_id}
    speakers |= {parents[pk] for pk in speakers if parents.get(pk)}
    quotes = [text for hop in data.hops for text in (hop.quote, hop.translation) if text and text.strip()]
    return Probe(
        statement=data.statement or "",
        supplier_id=data.supplier_id,
        recipient_id=data.recipient_id,
        item_category=data.item_category or "",
        stage=data.stage or "",
        event_start=data.event_start,
        event_end=data.event_end or data.event_start,
        source_urls=frozenset(hop.source_url.strip() for hop in data.hops if hop.source_url.strip()),
        speaker_ids=frozenset(speakers),
        affiliation_ids=frozenset(hop.affiliation_id for hop in data.hops if hop.affiliation_id),
        quotes=tuple(quotes),
        exclude_uuid=exclude_uuid,
    )


# --- candidates ------------------------------------------------------------------------------------

COLUMNS = ("id", "uuid", "statement", "supplier_id", "recipient_id", "item_category", "stage",
           "event_start", "event_end")  # fmt: skip


def _rarest_words(text: str) -> list[str]:
    """The longest distinct words of a text: on average the rarest, so that two of them select."""
    words = sorted({word.lower() for word in _WORD.findall(text)}, key=lambda word: (-len(word), word))
    return words[:_RAREST]


def _any_two(words: list[str]) -> str:
    """A tsquery matching a text with any two of these words (the one word, when there is only one):
    one reworded word must not lose a paraphrase, and a pair is selective where one word is not."""
    if len(words) == 1:
        return words[0]
    return " | ".join(f"({a} & {b})" for index, a in enumerate(words) for b in words[index + 1 :])


def _candidates(user, probe: Probe) -> dict[int, dict]:
    """Rows (COLUMNS) of the visible claims worth scoring, at most CANDIDATES per path."""
    visible = selectors.claims_visible_to(user).order_by()
    if probe.exclude_uuid is not None:
        visible = visible.exclude(uuid=probe.exclude_uuid)
    paths = []
    if probe.parties:
        paths.append(
            visible.filter(supplier_id=probe.supplier_id, recipient_id=probe.recipient_id).order_by("-id")
        )
    if probe.source_urls:
        paths.append(
            visible.filter(
                pk__in=AttributionHop.objects.filter(source__url__in=probe.source_urls).values("claim_id")
            ).order_by("-id")
        )
    texts = [probe.statement, *probe.quotes]
    if connection.vendor == "postgresql":
        # One query, two GIN indexes: the statement's two rarest words each found, spelled alike or
        # nearly (pg_trgm word similarity: Shahed/Shaheds, Pyongyang/Pyongyan), or any two of the
        # rarest words of the statement or of a quote (full text, which covers the quotes). Never
        # the whole statement's trigrams: common words share them with every row (2.3 s at 100k).
        table = visible.model._meta.db_table
        conditions, params = [], []
        rare = _rarest_words(probe.statement)[:2]
        if rare:
            conditions.append("(" + " AND ".join(f"%s <%% {table}.statement" for _ in rare) + ")")
            params += rare
        for words in map(_rarest_words, texts):
            if words:
                conditions.append(f"{table}.search_vector @@ to_tsquery('simple', %s)")
                params.append(_any_two(words))
        if conditions:
            text = RawSQL(  # noqa: S611 (the words are bound parameters)
                "(" + " OR ".join(conditions) + ")", params, output_field=models.BooleanField()
            )
            paths.append(visible.filter(text).order_by("-id"))
    else:
        # SQLite (development, the test suite): any of the rarest words, scored in Python.
        words = Q()
        for word in {word for text in texts for word in _rarest_words(text)}:
            words |= Q(search_document__icontains=word)
        if words:
            paths.append(visible.filter(words).order_by("-id"))
    sliced = [path.values(*COLUMNS)[:CANDIDATES] for path in paths]
    if len(sliced) > 1 and connection.features.supports_slicing_ordering_in_compound:
        sliced = [sliced[0].union(*sliced[1:], all=True)]  # PostgreSQL: one round trip for every path
    rows: dict[int, dict] = {}
    for path in sliced:
        for row in path:
            rows.setdefault(row["id"], row)
    return rows


# --- scores ----------------------------------------------------------------------------------------


def text_similarity(a: str, b: str) -> float:
    """0..1: word order and words missing on one side both count, case and punctuation do not."""
    a, b = default_process(a), default_process(b)
    if not a or not b:
        return 0.0
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200


def _overlap(start_a, end_a, start_b, end_b) -> bool | None:
    """Whether two date ranges meet; None when either is unknown."""
    if start_a is None or start_b is None:
        return None
    return start_a <= (end_b or start_b) and start_b <= (end_a or start_a)


def _same(a, b) -> bool | None:
    """Equal, different, or None when either side is not given."""
    if a in (None, "") or b in (None, ""):
        return None
    return a == b


# What a contradiction on a core element keeps of the score: another supplier or recipient, another
# item, another stage of the deal, dates that cannot meet. Each alone brings a near-identical text
# below the threshold; two claims stating one proposition never disagree on these.
CONTRADICTION = {"parties": 0.4, "item": 0.5, "stage": 0.6, "dates": 0.45}


def _structured(probe: Probe) -> bool:
    return bool(
        probe.supplier_id or probe.recipient_id or probe.item_category or probe.stage or probe.event_start
        or probe.source_urls or probe.speaker_ids or probe.affiliation_ids
    )  # fmt: skip


def score(probe: Probe, row: dict, hops: list[dict]) -> tuple[float, list[str]]:
    """The candidate's score (0..1) and why: the text's similarity plus what the structure shares,
    times what it contradicts. A probe with no structure yet (a statement being typed) is its text."""
    reasons = []
    statement = text_similarity(probe.statement, row["statement"])
    theirs = [text for hop in hops for text in (hop["quote"], hop["translation"]) if text]
    quote = max((text_similarity(a, b) for a in probe.quotes for b in theirs), default=0.0)
    text = max(statement, quote)
    if statement >= 0.6:
        reasons.append(SIMILAR_STATEMENT)
    if quote >= 0.6:
        reasons.append(SIMILAR_QUOTE)
    if not _structured(probe):
        return round(text, 3), reasons
    total, kept = 0.7 * text, 1.0
    supplier = _same(probe.supplier_id, row["supplier_id"])
    recipient = _same(probe.recipient_id, row["recipient_id"])
    if supplier is False or recipient is False:
        kept *= CONTRADICTION["parties"]
    elif supplier and recipient:
        total += 0.2
        reasons.append(SAME_PARTIES)
    for given, stored, reason, contradiction in (
        (probe.item_category, row["item_category"], SAME_ITEM, "item"),
        (probe.stage, row["stage"], SAME_STAGE, "stage"),
    ):
        same = _same(given, stored)
        if same:
            total += 0.05
            reasons.append(reason)
        elif same is False:
            kept *= CONTRADICTION[contradiction]
    overlap = _overlap(probe.event_start, probe.event_end, row["event_start"], row["event_end"])
    if overlap:
        total += 0.05
        reasons.append(OVERLAPPING_DATES)
    elif overlap is False:
        kept *= CONTRADICTION["dates"]
    if probe.source_urls & {hop["source__url"] for hop in hops}:
        total += 0.1
        reasons.append(SHARED_SOURCE)
    first = [hop for hop in hops if hop["position"] == 0]
    speakers = {hop["speaker_id"] for hop in first} | {hop["speaker__parent_id"] for hop in first}
    if probe.speaker_ids & (speakers - {None}):
        total += 0.05
        reasons.append(SHARED_SPEAKER)
    if probe.affiliation_ids & {hop["affiliation_id"] for hop in hops}:
        total += 0.05
        reasons.append(SHARED_AFFILIATION)
    return round(min(1.0, total) * kept, 3), reasons


HOP_COLUMNS = ("claim_id", "position", "speaker_id", "speaker__parent_id", "affiliation_id", "source__url",
               "quote", "translation")  # fmt: skip


def suggest(user, probe: Probe, *, threshold: float = THRESHOLD, limit: int = LIMIT) -> list[Suggestion]:
    """The visible claims scoring `threshold` or more against the probe, best first (ties newest
    first). A fixed number of queries: the candidates (PostgreSQL: one query; SQLite: one per path the
    probe opens), then their hops."""
    if probe.empty:
        return []
    rows = _candidates(user, probe)
    hops: dict[int, list[dict]] = {pk: [] for pk in rows}
    if rows:
        for hop in AttributionHop.objects.filter(claim_id__in=rows).values(*HOP_COLUMNS):
            hops[hop["claim_id"]].append(hop)
    found = []
    for pk, row in rows.items():
        value, reasons = score(probe, row, hops[pk])
        if value >= threshold:
            found.append(Suggestion(pk, str(row["uuid"]), row["statement"], value, reasons))
    found.sort(key=lambda suggestion: (-suggestion.score, -suggestion.id))
    return found[:limit]
