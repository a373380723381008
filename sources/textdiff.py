"""A readable diff of a captured text against the baseline: lines, then words within changed lines.

Computed once per capture by the worker, under a work and a time budget, and stored with the check;
pages only render what is stored.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field
from typing import Any

# Enough for any article; beyond this a page is a dump.
TEXT_MAX_CHARS = 60_000
LINE_MAX_CHARS = 1_000
DIFF_MAX_LINES = 400
CONTEXT_LINES = 2
# Inner-loop steps of the matcher (about a second of CPU) and a wall-clock ceiling on top: repetitive
# pages make difflib's cost grow far faster than their length, and a worker must not stall on one.
WORK_BUDGET = 3_000_000
TIME_BUDGET_SECONDS = 5.0
# Two lines this similar (by words) are shown as one line with its changed words marked.
WORD_DIFF_MIN_RATIO = 0.5
_WORDS = re.compile(r"\S+\s*")


class OverBudget(Exception):
    pass


class Budget:
    """Counts the matcher's work; raises OverBudget past `work` steps or `seconds`."""

    def __init__(self, work: int = WORK_BUDGET, seconds: float = TIME_BUDGET_SECONDS) -> None:
        self.limit = work
        self.spent = 0
        self.deadline = time.monotonic() + seconds

    def charge(self, steps: int) -> None:
        """Pay for work about to be done, or refuse it."""
        if self.spent + steps > self.limit or time.monotonic() > self.deadline:
            raise OverBudget
        self.spent += steps


class _Matcher(difflib.SequenceMatcher):
    """SequenceMatcher that pays for each longest-match search before running it."""

    def __init__(self, a: list[str], b: list[str], budget: Budget) -> None:
        budget.charge(len(a) + len(b))
        self._budget = budget
        super().__init__(None, a, b, autojunk=False)
        self._occurrences = {element: len(places) for element, places in self.b2j.items()}

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        # The search visits every occurrence in b of every element of a[alo:ahi].
        self._budget.charge(1 + sum(self._occurrences.get(element, 0) for element in self.a[alo:ahi]))
        return super().find_longest_match(alo, ahi, blo, bhi)


@dataclass(frozen=True)
class TextLine:
    op: str  # same, added, removed, changed (words marked in parts) or gap (unchanged lines left out)
    text: str = ""
    parts: tuple[tuple[str, str], ...] = ()  # for changed lines: (same | added | removed, words)

    @property
    def sign(self) -> str:
        return {"same": " ", "added": "+", "removed": "−", "changed": "±", "gap": "⋯"}[self.op]


@dataclass(frozen=True)
class TextDiff:
    lines: list[TextLine] = field(default_factory=list)
    truncated: bool = False  # the texts or the diff were cut to their limits
    too_large: bool = False  # the budget ran out: no lines, only the fact

    @property
    def changed(self) -> bool:
        return self.too_large or any(line.op not in ("same", "gap") for line in self.lines)

    def to_json(self, *, baseline_sha256: str) -> dict[str, Any]:
        return {
            "baseline_sha256": baseline_sha256,
            "truncated": self.truncated,
            "too_large": self.too_large,
            "lines": [[line.op, line.text, [list(p) for p in line.parts]] for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextDiff:
        return cls(
            lines=[TextLine(op, text, tuple(tuple(p) for p in parts)) for op, text, parts in data["lines"]],
            truncated=data["truncated"],
            too_large=data["too_large"],
        )


def text_diff(old: str, new: str, *, budget: Budget | None = None) -> TextDiff:
    """Changed lines with a little context, long runs of unchanged lines folded, within `budget`."""
    budget = budget or Budget()
    truncated = len(old) > TEXT_MAX_CHARS or len(new) > TEXT_MAX_CHARS
    before = _lines(old[:TEXT_MAX_CHARS])
    after = _lines(new[:TEXT_MAX_CHARS])
    lines: list[TextLine] = []
    try:
        groups = list(_Matcher(before, after, budget).get_grouped_opcodes(CONTEXT_LINES))
        for index, group in enumerate(groups):
            if index or group[0][1] > 0:
                lines.append(TextLine("gap"))
            for op, a1, a2, b1, b2 in group:
                if op == "equal":
                    lines += [TextLine("same", text) for text in before[a1:a2]]
                else:
                    lines += _changed_block(before[a1:a2], after[b1:b2], budget)
                if len(lines) > DIFF_MAX_LINES:
                    return TextDiff(lines[:DIFF_MAX_LINES], truncated=True)
        if groups and groups[-1][-1][2] < len(before):
            lines.append(TextLine("gap"))
    except OverBudget:
        return TextDiff(truncated=truncated, too_large=True)
    if len(lines) > DIFF_MAX_LINES:
        return TextDiff(lines[:DIFF_MAX_LINES], truncated=True)
    return TextDiff(lines, truncated=truncated)


def _changed_block(removed: list[str], added: list[str], budget: Budget) -> list[TextLine]:
    """Line i of the old block against line i of the new: similar ones become one line with word marks."""
    lines: list[TextLine] = []
    for index in range(min(max(len(removed), len(added)), DIFF_MAX_LINES + 1)):
        old = removed[index] if index < len(removed) else None
        new = added[index] if index < len(added) else None
        parts = _word_parts(old, new, budget) if old is not None and new is not None else None
        if parts is not None:
            lines.append(TextLine("changed", new or "", parts))
            continue
        if old is not None:
            lines.append(TextLine("removed", old))
        if new is not None:
            lines.append(TextLine("added", new))
    return lines


def _word_parts(old: str, new: str, budget: Budget) -> tuple[tuple[str, str], ...] | None:
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    matcher = _Matcher(old_words, new_words, budget)
    if matcher.ratio() < WORD_DIFF_MIN_RATIO:
        return None
    parts: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("removed", "".join(old_words[a1:a2])))
        if b2 > b1:
            parts.append(("added", "".join(new_words[b1:b2])))
    return tuple(parts)


def _lines(text: str) -> list[str]:
    return [
        line if len(line) <= LINE_MAX_CHARS else line[:LINE_MAX_CHARS] + "…"
        for line in (raw.strip() for raw in text.splitlines())
        if line
    ]
