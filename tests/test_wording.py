from datetime import date

from django.utils import translation

from claims.wording import assessment_in_words, event_date_in_words, formatted_date, quantity_in_words


def test_assessment_reads_as_an_editor_would_say_it():
    assert (
        assessment_in_words(reliability="B", credibility=2, likelihood="likely", confidence="moderate")
        == "B2 — usually reliable source, information probably true · likely (55–80 %) · moderate confidence"
    )


def test_missing_likelihood_and_confidence_are_left_out_not_guessed():
    assert assessment_in_words(reliability="C", credibility=3) == (
        "C3 — fairly reliable source, information possibly true"
    )


def test_cannot_be_judged_reads_naturally():
    words = assessment_in_words(reliability="F", credibility=6)
    assert words == "F6 — source reliability cannot be judged, truth of the information cannot be judged"


def test_assessment_in_italian():
    with translation.override("it"):
        words = assessment_in_words(reliability="B", credibility=2, likelihood="likely", confidence="high")
    assert words.startswith("B2 — fonte ")
    assert "probabile" in words


def test_event_dates_follow_their_precision():
    assert event_date_in_words(date(2023, 9, 13), date(2023, 9, 13), "day") == "13 September 2023"
    assert event_date_in_words(date(2023, 9, 1), date(2023, 9, 30), "month") == "September 2023"
    assert event_date_in_words(date(2023, 1, 1), date(2023, 12, 31), "year") == "2023"
    assert event_date_in_words(date(2023, 8, 21), date(2023, 9, 10), "approximate") == (
        "about 21 Aug 2023 – 10 Sep 2023"
    )
    assert event_date_in_words(None, None, "unknown") == "date unknown"


def test_a_remembered_date_is_written_in_each_reader_s_language():
    day = date(2023, 9, 13)
    assert formatted_date(day, "j F Y") == "13 September 2023"
    with translation.override("it"):
        assert formatted_date(day, "j F Y") == "13 Settembre 2023"
        assert event_date_in_words(day, day, "month") == "Settembre 2023"
    assert formatted_date(day, "j F Y") == "13 September 2023"
    assert event_date_in_words(day, day, "month") == "September 2023"


def test_quantities_in_words():
    assert quantity_in_words("about", 300, None, "shells", "") == "about 300 shells"
    assert quantity_in_words("range", 10, 20, "trains", "") == "between 10 and 20 trains"
    assert quantity_in_words("up_to", None, 5, "", "") == "up to 5"
    assert quantity_in_words("qualitative", None, None, "", "limited quantities") == "limited quantities"
