"""Paragraphs, quotations and sentence units."""
from __future__ import annotations

from stance.extraction.segmentation import as_double_quoted, paragraphs, quotations, units


def _quotes(text):
    return [text[q.start:q.end] for q in quotations(text)]


def _units(text):
    return [text[u.start:u.end] for u in units(text)]


def test_paragraphs_are_non_blank_lines_trimmed():
    text = "  First para.  \n\n\nSecond para.\nThird line.\n"
    assert [text[s:e] for s, e in paragraphs(text)] == ["First para.", "Second para.", "Third line."]


def test_straight_and_curly_quotations():
    text = 'He said "yes," and she said \u201cno\u201d. \u00abMaybe\u00bb, they said.'
    assert _quotes(text) == ["yes,", "no", "Maybe"]


def test_quotation_continues_into_a_paragraph_that_opens_with_a_mark():
    text = "Peskov said: \u201cWe are ready.\n\n\u201cBut not at any price,\u201d he added.\n\nNext."
    (q,) = quotations(text)
    assert text[q.start:q.end] == "We are ready.\n\n\u201cBut not at any price,"
    assert q.close_at is not None


def test_unclosed_quotation_ends_with_its_paragraph_when_the_next_does_not_open_one():
    text = 'He called it "a mistake.\n\nThe talks resumed.'
    (q,) = quotations(text)
    assert text[q.start:q.end] == "a mistake." and q.close_at is None
    assert _units(text) == ['He called it "a mistake.', "The talks resumed."]


def test_units_keep_quotations_whole_and_respect_abbreviations():
    text = ('\u201cWe are ready. We always were,\u201d Mr. Peskov told the U.S. envoy. The talks resumed on Jan. 5 '
            'in Geneva. "Fine." He left.')
    assert _units(text) == [
        "\u201cWe are ready. We always were,\u201d Mr. Peskov told the U.S. envoy.",
        "The talks resumed on Jan. 5 in Geneva.",
        '"Fine."',
        "He left.",
    ]


def test_multi_paragraph_quotation_is_one_unit_with_its_attribution():
    text = 'Intro.\n\n"First part. Second.\n\n"Third," she said. After.'
    assert _units(text) == ["Intro.", '"First part. Second.\n\n"Third," she said.', "After."]


def test_a_single_letter_before_a_quote_mark_ends_a_sentence():
    text = 'Zelensky replied on X. "We want peace," he wrote.'
    assert _units(text) == ["Zelensky replied on X.", '"We want peace," he wrote.']


def test_a_short_attribution_stays_with_the_quotation_before_it():
    text = ('"Nothing will happen. OK?" Trump told a reporter aboard the U.S. plane. "Fine." Then he left. '
            '"Really?" Asked whether it was over, he said nothing.')
    got = [text[u.start:u.end] for u in units(text, attribution=lambda s: " told " in s)]
    assert got == ['"Nothing will happen. OK?" Trump told a reporter aboard the U.S. plane.', '"Fine."',
                   "Then he left.", '"Really?"', "Asked whether it was over, he said nothing."]


def _single_quotes(text):
    work = as_double_quoted(text)
    assert len(work) == len(text)
    return [text[q.start:q.end] for q in quotations(work)]


def test_single_mark_quotations_are_read_with_apostrophes_left_alone():
    text = ("Ukraine\u2019s envoy said the plan was \u2018a starting point\u2019.\n\n"
            "\u2018The allies\u2019 support matters, and we don\u2019t forget it,\u2019 she said. "
            "Moscow was \u2018open to talks\u2019 but rejected \u2018so-called \u201cpeace formulas\u201d\u2019.")
    assert _single_quotes(text) == [
        "a starting point",
        "The allies\u2019 support matters, and we don\u2019t forget it,",
        "open to talks",
        "so-called \u201cpeace formulas\u201d",
    ]


def test_straight_single_marks_and_a_quotation_running_over_two_paragraphs():
    text = "Lavrov said: 'We are open to dialogue.\n\n'But not on those terms,' he added. The West's 'games' must stop."
    assert _single_quotes(text) == ["We are open to dialogue.\n\n'But not on those terms,", "games"]


def test_double_mark_articles_are_read_as_they_are():
    text = ("\u201cThere are no such things as \u2018paper bears,\u2019\u201d he said. "
            "She called it \u2018a farce\u2019 and \u201ca waste of time\u201d.")
    assert as_double_quoted(text) is text
    assert _quotes(text) == ["There are no such things as \u2018paper bears,\u2019", "a waste of time"]
    plain = "Ukraine\u2019s army held the line; the allies\u2019 aid arrived in the \u201890s style."
    assert as_double_quoted(plain) is plain  # an opening mark that nothing closes is no quotation


def test_doubled_apostrophes_are_read_as_double_marks_with_offsets_kept():
    text = ("''We are closer,'' said Ms. Brandt. ''Nobody expects a deal.''\n\n"
            "He called the list ''out of date'' and said it's ''the Kremlin's'' list.\n\nThe '90s ended.")
    view = as_double_quoted(text)
    assert len(view) == len(text)
    assert [text[q.start:q.end] for q in quotations(view)] == [
        "We are closer,", "Nobody expects a deal.", "out of date", "the Kremlin's"]
    first, second = [text[u.start:u.end].strip("'") for u in units(view)][:2]  # a unit may leave out a half mark
    assert (first, second) == ("We are closer,'' said Ms. Brandt.", "Nobody expects a deal.")
    assert as_double_quoted("It's the '90s.") == "It's the '90s."
