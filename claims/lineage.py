"""Origin lineage of an attribution chain, and whether two chains are independent: pure, no queries.

A chain's **origins** are its hop-0 speaker and that actor's ancestors (Actor.parent), the hop-0
affiliation and its ancestors, and, for an originator given only in words, the descriptor class
(below). Its **channels** are every relay (the speaker, or the words, of each later hop) and every
document we read (each hop's source). Two claims are independent only when their origins do not
meet; when only a relay or a document is shared they are a "shared channel", which does not block an
`independent` relation but does not count as fully disjoint either (credibility 1 needs that).

Descriptor class: an anonymous originator is known only by the words printed, so the class is those
words lowercased, stripped of punctuation and of leading articles and determiners ("a", "an", "the",
"some", "several", "one", "two", "three", "unnamed"...) and of a plural "s" on the last word, together
with the affiliation actor if one is given: "A US official" and "US officials" are one class, the
same words under another affiliation are not. It is deliberately coarse: two unnamed US officials
cannot be told apart, so they are never taken for two independent origins.
"""

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# ("actor", id) | ("descriptor", class, affiliation id or None) | ("source", id) | ("unknown",)
Key = tuple

UNKNOWN_ORIGIN: Key = ("unknown",)

# Words that say how many or which unnamed speakers, not who: dropped from a descriptor's class.
_DETERMINERS = frozenset(
    {"a", "an", "the", "some", "several", "one", "two", "three", "many", "various", "unnamed", "anonymous"}
)
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}‘’“”«»]")


class Verdict(StrEnum):
    INDEPENDENT = "independent"
    SHARED_CHANNEL = "shared_channel"
    SHARED_ORIGIN = "shared_origin"


# How much two claims depend on each other, least first.
DEPENDENCE = {Verdict.INDEPENDENT: 0, Verdict.SHARED_CHANNEL: 1, Verdict.SHARED_ORIGIN: 2}


@dataclass(frozen=True)
class ChainHop:
    """The parts of a hop that lineage reads (a row's ids, or a write's)."""

    position: int
    speaker_id: int | None = None
    affiliation_id: int | None = None
    descriptor: str = ""
    source_id: int | None = None


@dataclass(frozen=True)
class Lineage:
    origins: frozenset = frozenset()
    channels: frozenset = frozenset()

    @property
    def keys(self) -> frozenset:
        return self.origins | self.channels


class Comparison(NamedTuple):
    verdict: Verdict
    shared: tuple[Key, ...] = ()


def descriptor_class(descriptor: str) -> str:
    words = _PUNCTUATION.sub(" ", descriptor.lower()).split()
    while words and words[0] in _DETERMINERS:
        words.pop(0)
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def ancestry(actor_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """The actor and its ancestors, nearest first; a cycle (refused elsewhere) stops the walk."""
    chain: list[int] = []
    current: int | None = actor_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def lineage_of(hops: Iterable[ChainHop], parents: Mapping[int, int | None]) -> Lineage:
    """`parents` maps each actor the hops name, and each ancestor, to its parent id (or None)."""
    ordered = sorted(hops, key=lambda hop: hop.position)
    if not ordered:
        return Lineage()
    first = ordered[0]
    origins: set[Key] = set()
    for actor_id in (first.speaker_id, first.affiliation_id):
        if actor_id is not None:
            origins.update(("actor", ancestor) for ancestor in ancestry(actor_id, parents))
    if first.speaker_id is None and descriptor_class(first.descriptor):
        origins.add(("descriptor", descriptor_class(first.descriptor), first.affiliation_id))
    if not origins:
        origins.add(UNKNOWN_ORIGIN)  # nothing to tell it apart from another untold origin
    channels: set[Key] = set()
    for hop in ordered[1:]:
        if hop.speaker_id is not None:
            channels.add(("actor", hop.speaker_id))
        elif descriptor_class(hop.descriptor):
            channels.add(("descriptor", descriptor_class(hop.descriptor), hop.affiliation_id))
    channels.update(("source", hop.source_id) for hop in ordered if hop.source_id is not None)
    return Lineage(origins=frozenset(origins), channels=frozenset(channels - origins))


def _sorted(keys: Iterable[Key]) -> tuple[Key, ...]:
    return tuple(sorted(keys, key=repr))


def compare(a: Lineage, b: Lineage) -> Comparison:
    """Symmetric: shared origin when the origins meet, shared channel when anything else does."""
    if shared := a.origins & b.origins:
        return Comparison(Verdict.SHARED_ORIGIN, _sorted(shared))
    if shared := a.keys & b.keys:
        return Comparison(Verdict.SHARED_CHANNEL, _sorted(shared))
    return Comparison(Verdict.INDEPENDENT)


def count_origins(lineages: list[Lineage]) -> int:
    """How many disjoint origins these claims stand on: claims whose origins meet count once."""
    groups: list[set] = []
    for lineage in lineages:
        meeting = [group for group in groups if group & lineage.origins]
        merged = set(lineage.origins).union(*meeting)
        groups = [group for group in groups if not group & lineage.origins] + [merged]
    return len(groups)


@dataclass(frozen=True)
class Corroboration:
    """One corroborating claim as a claim's lineage summary counts it."""

    lineage: Lineage
    declared_independent: bool


def independent_origins(own: Lineage, corroborations: Iterable[Corroboration]) -> tuple[int, int]:
    """(disjoint origins among corroborating claims of wholly disjoint lineage, disjoint origins among
    those that share only a channel with this claim); only relations declared independent count."""
    by_verdict: dict[Verdict, list[Lineage]] = {verdict: [] for verdict in Verdict}
    for corroboration in corroborations:
        if corroboration.declared_independent:
            by_verdict[compare(own, corroboration.lineage).verdict].append(corroboration.lineage)
    return count_origins(by_verdict[Verdict.INDEPENDENT]), count_origins(by_verdict[Verdict.SHARED_CHANNEL])


def label(key: Key, names: Mapping[Key, str]) -> str:
    """A key in words: the actor's name, the descriptor's class, the document's URL."""
    if key in names:
        return names[key]
    if key[0] == "descriptor":
        return key[1]
    return "?" if key != UNKNOWN_ORIGIN else "undisclosed origin"
