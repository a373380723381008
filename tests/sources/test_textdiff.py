"""The diff of a captured text against the baseline: context, folding, words, limits and budget."""

import random

from sources import textdiff
from sources.textdiff import Budget, TextDiff, text_diff


def paragraphs(n: int, *, replace: dict[int, str] | None = None) -> str:
    lines = [f"Paragrafo numero {i}." for i in range(n)]
    for index, text in (replace or {}).items():
        lines[index] = text
    return "\n".join(lines)


def ops(diff: TextDiff) -> list[tuple[str, str]]:
    return [(line.op, line.text) for line in diff.lines]


def test_identical_texts_have_no_lines():
    diff = text_diff(paragraphs(10), paragraphs(10))
    assert (diff.lines, diff.truncated, diff.too_large, diff.changed) == ([], False, False, False)


def test_a_rewritten_paragraph_is_removed_then_added_with_context_and_folded_ends():
    diff = text_diff(paragraphs(30), paragraphs(30, replace={15: "Paragrafo riscritto."}))
    assert ops(diff) == [
        ("gap", ""),
        ("same", "Paragrafo numero 13."),
        ("same", "Paragrafo numero 14."),
        ("removed", "Paragrafo numero 15."),
        ("added", "Paragrafo riscritto."),
        ("same", "Paragrafo numero 16."),
        ("same", "Paragrafo numero 17."),
        ("gap", ""),
    ]
    assert diff.changed and not diff.truncated


def test_one_added_word_marks_that_word_not_the_whole_paragraph():
    old = "Kim Jong-un ha intenzione di recarsi in Russia questo mese, secondo fonti americane."
    new = "Kim Jong-un ha intenzione di recarsi in Russia già questo mese, secondo fonti americane."
    diff = text_diff(old, new)
    [line] = diff.lines
    assert line.op == "changed" and line.text == new
    assert line.parts == (
        ("same", "Kim Jong-un ha intenzione di recarsi in Russia "),
        ("added", "già "),
        ("same", "questo mese, secondo fonti americane."),
    )


def test_a_replaced_word_is_removed_and_added_inside_its_line():
    diff = text_diff("Il treno è partito lunedì da Pyongyang.", "Il treno è partito martedì da Pyongyang.")
    assert [part for part in diff.lines[0].parts if part[0] != "same"] == [
        ("removed", "lunedì "),
        ("added", "martedì "),
    ]


def test_two_distant_changes_are_separated_by_a_gap():
    diff = text_diff(paragraphs(40), paragraphs(40, replace={5: "Primo.", 30: "Secondo."}))
    assert [line.op for line in diff.lines].count("gap") == 3
    assert [line.text for line in diff.lines if line.op == "added"] == ["Primo.", "Secondo."]


def test_blank_lines_and_surrounding_spaces_do_not_count_as_changes():
    assert text_diff("Uno.\nDue.", "  Uno.\n\n\nDue.  ").lines == []


def test_long_pages_and_long_diffs_are_cut_and_say_so(monkeypatch):
    monkeypatch.setattr(textdiff, "DIFF_MAX_LINES", 10)
    diff = text_diff(paragraphs(50), paragraphs(50, replace={i: f"Nuovo {i}." for i in range(50)}))
    assert len(diff.lines) == 10 and diff.truncated and not diff.too_large
    monkeypatch.setattr(textdiff, "TEXT_MAX_CHARS", 100)
    diff = text_diff(paragraphs(50), paragraphs(50))
    assert diff.truncated and diff.lines == []


def test_a_very_long_line_is_shortened():
    diff = text_diff("Breve.", "x" * 5000)
    added = next(line for line in diff.lines if line.op == "added")
    assert len(added.text) == 1000 + 1 and added.text.endswith("…")


def test_a_pathological_page_stops_at_the_work_budget_and_says_too_large():
    # Short repeated lines are difflib's worst case: the cost grows far faster than the page.
    rng = random.Random(7)
    old = "\n".join(rng.choice("xyz") for _ in range(2000))
    new = "\n".join(rng.choice("xyz") for _ in range(2000))
    budget = Budget()
    diff = text_diff(old, new, budget=budget)
    assert diff.too_large and diff.changed and diff.lines == []
    assert budget.limit == 3_000_000 and 0 < budget.spent <= 3_000_000


def test_an_ordinary_article_diff_fits_the_budget_easily():
    budget = Budget()
    old = "\n".join(f"Paragrafo {i}: la delegazione ha visitato il cosmodromo." for i in range(600))
    new = old.replace("Paragrafo 300:", "Paragrafo 300 (aggiornato):")
    diff = text_diff(old, new, budget=budget)
    assert not diff.too_large and [line.op for line in diff.lines].count("changed") == 1
    assert budget.spent < 100_000


def test_a_stored_diff_reads_back_the_same():
    diff = text_diff(paragraphs(30), paragraphs(30, replace={3: "Paragrafo numero 3 bis.", 20: "Altro."}))
    stored = diff.to_json(baseline_sha256="ab" * 32)
    assert stored["baseline_sha256"] == "ab" * 32
    assert TextDiff.from_json(stored) == diff
