"""The line diff of a captured text against the baseline: context, folding and limits."""

from sources import textdiff
from sources.textdiff import text_diff


def paragraphs(n: int, *, replace: dict[int, str] | None = None) -> str:
    lines = [f"Paragrafo numero {i}." for i in range(n)]
    for index, text in (replace or {}).items():
        lines[index] = text
    return "\n".join(lines)


def test_identical_texts_have_no_lines():
    assert text_diff(paragraphs(10), paragraphs(10)) == ([], False)


def test_a_changed_paragraph_is_removed_then_added_with_context_and_folded_ends():
    lines, truncated = text_diff(paragraphs(30), paragraphs(30, replace={15: "Paragrafo riscritto."}))
    ops = [(line.op, line.text) for line in lines]
    assert ops == [
        ("gap", ""),
        ("same", "Paragrafo numero 13."),
        ("same", "Paragrafo numero 14."),
        ("removed", "Paragrafo numero 15."),
        ("added", "Paragrafo riscritto."),
        ("same", "Paragrafo numero 16."),
        ("same", "Paragrafo numero 17."),
        ("gap", ""),
    ]
    assert not truncated


def test_two_distant_changes_are_separated_by_a_gap():
    lines, _ = text_diff(paragraphs(40), paragraphs(40, replace={5: "Primo.", 30: "Secondo."}))
    assert [line.op for line in lines].count("gap") == 3
    assert [line.text for line in lines if line.op == "added"] == ["Primo.", "Secondo."]


def test_blank_lines_and_surrounding_spaces_do_not_count_as_changes():
    assert text_diff("Uno.\nDue.", "  Uno.\n\n\nDue.  ") == ([], False)


def test_long_pages_and_long_diffs_are_cut_and_say_so(monkeypatch):
    monkeypatch.setattr(textdiff, "DIFF_MAX_LINES", 10)
    lines, truncated = text_diff(
        paragraphs(50), paragraphs(50, replace={i: f"Nuovo {i}." for i in range(50)})
    )
    assert len(lines) == 10 and truncated
    monkeypatch.setattr(textdiff, "TEXT_MAX_CHARS", 100)
    lines, truncated = text_diff(paragraphs(50), paragraphs(50))
    assert truncated and lines == []


def test_a_very_long_line_is_shortened():
    lines, _ = text_diff("Breve.", "x" * 5000)
    added = next(line for line in lines if line.op == "added")
    assert len(added.text) == textdiff.LINE_MAX_CHARS + 1 and added.text.endswith("…")
