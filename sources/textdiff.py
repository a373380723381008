"""A readable line diff of a source's latest captured text against its accepted baseline."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from claims.models import Source, SourceCheck
from sources.checks import captured_text, latest_capture

# Enough for any article; beyond this a page is a dump, and difflib's cost grows with its square.
TEXT_MAX_CHARS = 60_000
LINE_MAX_CHARS = 1_000
DIFF_MAX_LINES = 400
CONTEXT_LINES = 2


@dataclass(frozen=True)
class TextLine:
    op: str  # same, added, removed or gap (unchanged lines left out)
    text: str

    @property
    def sign(self) -> str:
        return {"same": " ", "added": "+", "removed": "−", "gap": "⋯"}[self.op]


@dataclass(frozen=True)
class TextDiff:
    capture: SourceCheck | None
    lines: list[TextLine]
    changed: bool
    truncated: bool
    unavailable: str = ""  # why there is nothing to compare, when there is not


def source_text_diff(source: Source) -> TextDiff:
    capture = latest_capture(source)
    if capture is None:
        return TextDiff(None, [], changed=False, truncated=False, unavailable="no_capture")
    try:
        text = captured_text(capture)
    except FileNotFoundError:
        return TextDiff(capture, [], changed=False, truncated=False, unavailable="body_missing")
    lines, truncated = text_diff(source.baseline_text, text)
    return TextDiff(
        capture, lines, changed=any(line.op in ("added", "removed") for line in lines), truncated=truncated
    )


def text_diff(old: str, new: str) -> tuple[list[TextLine], bool]:
    """Changed lines with a little context, long runs of unchanged lines folded; True if cut short."""
    truncated = len(old) > TEXT_MAX_CHARS or len(new) > TEXT_MAX_CHARS
    before = _lines(old[:TEXT_MAX_CHARS])
    after = _lines(new[:TEXT_MAX_CHARS])
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(CONTEXT_LINES))
    lines: list[TextLine] = []
    for index, group in enumerate(groups):
        if index or group[0][1] > 0:
            lines.append(TextLine("gap", ""))
        for op, a1, a2, b1, b2 in group:
            if op == "equal":
                lines += [TextLine("same", text) for text in before[a1:a2]]
                continue
            lines += [TextLine("removed", text) for text in before[a1:a2]]
            lines += [TextLine("added", text) for text in after[b1:b2]]
    if groups and groups[-1][-1][2] < len(before):
        lines.append(TextLine("gap", ""))
    if len(lines) > DIFF_MAX_LINES:
        return lines[:DIFF_MAX_LINES], True
    return lines, truncated


def _lines(text: str) -> list[str]:
    return [
        line if len(line) <= LINE_MAX_CHARS else line[:LINE_MAX_CHARS] + "…"
        for line in (raw.strip() for raw in text.splitlines())
        if line
    ]
