"""Claim versions as readable lines, and the difference between two of them."""

import difflib
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claims import schema, vocab
from claims.wording import assessment_in_words

# The labels below are looked up inside f-strings, where makemessages cannot see them.
LABELS = (
    gettext_noop("Assessment"),
    gettext_noop("Event date"),
    gettext_noop("Hop"),
    gettext_noop("Item category"),
    gettext_noop("Item description"),
    gettext_noop("Kind"),
    gettext_noop("Modality"),
    gettext_noop("Negated"),
    gettext_noop("Participants"),
    gettext_noop("Place"),
    gettext_noop("Quantity"),
    gettext_noop("Rationale"),
    gettext_noop("Recipient"),
    gettext_noop("Relation"),
    gettext_noop("Route stop"),
    gettext_noop("Stage"),
    gettext_noop("Stance"),
    gettext_noop("Statement"),
    gettext_noop("Status"),
    gettext_noop("Supplier"),
    gettext_noop("affiliation"),
    gettext_noop("approximate"),
    gettext_noop("no"),
    gettext_noop("quote"),
    gettext_noop("role"),
    gettext_noop("source"),
    gettext_noop("translation"),
    gettext_noop("yes"),
)


def _label(choices, value) -> str:
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _actor(actor: dict | None) -> str:
    if not actor:
        return "—"
    return f"{actor['name']} ({actor['country']})" if actor.get("country") else actor["name"]


def _column_line(field, value) -> str:
    """One line for a claim column, labelled as the model labels it (a snapshot may predate it)."""
    if field.is_relation:
        shown = _actor(value)
    elif field.choices:
        shown = str(dict(field.choices).get(value, value)) if value not in (None, "") else "—"
    elif isinstance(value, bool):
        shown = _("yes") if value else _("no")
    else:
        shown = value if value not in (None, "") else "—"
    return f"{capfirst(field.verbose_name)}: {shown}"


def _related(claim_id: str | None, titles: dict[str, str]) -> str:
    title = titles.get(claim_id or "")
    return f"“{title}”" if title else str(claim_id)


def flatten(snapshot: dict, titles: dict[str, str] | None = None) -> list[str]:
    """One line per fact, in a fixed order, so that difflib lines up what changed.

    A related claim is named by its statement when `titles` (claim id → statement) has it.
    """
    titles = titles or {}
    quantity = snapshot.get("quantity") or {}
    event = snapshot.get("event_date") or {}
    lines = [
        f"{_('Statement')}: {snapshot.get('statement', '')}",
        f"{_('Status')}: {_label(vocab.Status, snapshot.get('status'))}",
        *(
            _column_line(field, snapshot.get(field.name))
            for field in schema.STANDALONE
            if field.name != "statement"
        ),
        f"{_('Participants')}: {', '.join(_actor(a) for a in snapshot.get('participants') or []) or '—'}",
        f"{_('Quantity')}: {_label(vocab.QuantityQualifier, quantity.get('qualifier'))} "
        f"{quantity.get('min') if quantity.get('min') is not None else ''}"
        f"{'–' + str(quantity['max']) if quantity.get('max') is not None else ''} "
        f"{quantity.get('unit') or ''} {quantity.get('text') or ''}".rstrip(),
        f"{_('Event date')}: {event.get('start') or '?'} – {event.get('end') or '?'} "
        f"({_label(vocab.DatePrecision, event.get('precision'))})",
    ]
    # The deal: a line per value given (a claim that is no transfer has none, and nor has an old snapshot).
    for group in schema.TRANSFER_GROUPS:
        values = snapshot.get(group) or {}
        for field in schema.GROUPED[group]:
            value = values.get(schema.group_of(field)[1])
            if value not in (None, "", False, schema.default_of(field)):
                lines.append(_column_line(field, value))
    for stop in snapshot.get("route") or []:
        place = stop.get("country") or stop.get("region") or "—"
        if stop.get("country") and stop.get("region"):
            place = f"{stop['country']} / {stop['region']}"
        approx = f" ({_('approximate')})" if stop.get("approximate") else ""
        lines.append(
            f"{_('Route stop')} {stop['position'] + 1}: {_label(vocab.RouteRole, stop.get('role'))} · "
            f"{place}{approx}"
        )
    for hop in snapshot.get("hops") or []:
        number = hop["position"] + 1
        who = _actor(hop.get("speaker")) if hop.get("speaker") else f"“{hop.get('descriptor', '')}”"
        if hop.get("speaker") and hop.get("descriptor"):
            who += f" “{hop['descriptor']}”"
        lines.append(f"{_('Hop')} {number}: {who} · {_label(vocab.Anonymity, hop.get('anonymity'))}")
        if hop.get("role"):
            lines.append(f"{_('Hop')} {number} {_('role')}: {hop['role']}")
        if hop.get("affiliation"):
            lines.append(f"{_('Hop')} {number} {_('affiliation')}: {_actor(hop['affiliation'])}")
        if hop.get("quote"):
            lines.append(
                f"{_('Hop')} {number} {_('quote')} ({hop.get('quote_language', '')}): {hop['quote']}"
            )
        if hop.get("translation"):
            lines.append(f"{_('Hop')} {number} {_('translation')}: {hop['translation']}")
        if hop.get("source"):
            lines.append(f"{_('Hop')} {number} {_('source')}: {hop['source']}")
    assessment = snapshot.get("assessment")
    if assessment:
        lines.append(
            f"{_('Assessment')}: "
            + assessment_in_words(
                reliability=assessment["reliability"],
                credibility=assessment["credibility"],
                likelihood=assessment.get("likelihood") or "",
                confidence=assessment.get("confidence") or "",
            )
        )
        lines.append(f"{_('Rationale')}: {assessment.get('rationale', '')}")
    for relation in snapshot.get("relations") or []:
        arrow = "→" if relation.get("direction") == "out" else "←"
        lines.append(
            f"{_('Relation')}: {arrow} {_label(vocab.RelationKind, relation.get('kind'))} "
            f"{_related(relation.get('claim_id'), titles)} "
            f"({_label(vocab.Independence, relation.get('independence'))})"
        )
    return lines


@dataclass(frozen=True)
class DiffLine:
    op: str  # same, added or removed
    text: str

    @property
    def sign(self) -> str:
        return {"same": " ", "added": "+", "removed": "−"}[self.op]


def diff(old: dict, new: dict, titles: dict[str, str] | None = None) -> list[DiffLine]:
    """Line by line, removals before additions, unchanged lines kept for context."""
    before, after = flatten(old, titles), flatten(new, titles)
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines += [DiffLine("same", text) for text in before[a1:a2]]
            continue
        lines += [DiffLine("removed", text) for text in before[a1:a2]]
        lines += [DiffLine("added", text) for text in after[b1:b2]]
    return lines
