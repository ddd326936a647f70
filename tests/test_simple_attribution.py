"""Attribution shapes read without a parse."""
from __future__ import annotations

import pytest

from stance.extraction.simple_attribution import content_first, is_simple_speaker, quote_first, reported, speaker_first


@pytest.mark.parametrize("text, ok", [
    ("he", True), ("Peskov", True), ("Kremlin spokesman Dmitry Peskov", True), ("Ukraine's foreign ministry", True),
    ("local officials", True), ("Andriy Yermak, head of the presidential office", True),
    ("the Kremlin spokesman", True),
    ("We", False), ("it was", False), ("Zelensky, speaking in Kyiv", False), ("the talks", False),
    ("Peskov, who spoke", False), ("Russian forces that", False), ("Zelensky and Macron", False),
    ("Lavrov, on a visit to Cairo", False), ("", False),
])
def test_simple_speakers(text, ok):
    assert is_simple_speaker(text) is ok


def _span(text, span):
    return text[span[0]:span[1]] if span else None


@pytest.mark.parametrize("attr, speaker, cue", [
    (', Kremlin spokesman Dmitry Peskov told reporters.', "Kremlin spokesman Dmitry Peskov", "told reporters"),
    (" he said on Monday.", "he", "said"),
    (" said Wang.", "Wang", "said"),
    (", she added.", "she", "added"),
    (" Ushakov was quoted as saying by TASS.", "Ushakov", "was quoted as saying"),
    (" he also told the forum.", "he", "also told the forum"),  # adverbs and auxiliaries belong to the cue
])
def test_quote_first(attr, speaker, cue):
    text = '"We are ready,"' + attr
    found = quote_first(text, len('"We are ready,"'), len(text))
    assert found is not None
    assert (_span(text, found[0]), _span(text, found[1])) == (speaker, cue)


@pytest.mark.parametrize("attr", [
    " he said, adding that talks would go on.",  # a second statement
    " the talks were hard.",  # no cue
    ", Zelensky and Macron said.",  # two speakers
    ' he said, "and we will see."',
])
def test_quote_first_leaves_complex_attributions_to_the_parser(attr):
    text = '"We are ready,"' + attr
    assert quote_first(text, len('"We are ready,"'), len(text)) is None


def test_speaker_first_with_fronted_phrase():
    text = "In a post on X on Tuesday, Zelensky wrote: "
    found = speaker_first(text, 0, len(text))
    assert (_span(text, found[0]), _span(text, found[1])) == ("Zelensky", "wrote")


@pytest.mark.parametrize("sentence, speaker, cue, clause", [
    ("Peskov told reporters that the talks were useful.", "Peskov", "told reporters", "the talks were useful."),
    ("He said the talks were useful.", "He", "said", "the talks were useful."),
    ("Putin said on Thursday he was ready.", "Putin", "said", "he was ready."),
    ("Yermak wrote on Telegram that Kyiv was ready.", "Yermak", "wrote on Telegram", "Kyiv was ready."),
    ("He said a drone strike that day had hit a school.", "He", "said", "a drone strike that day had hit a school."),
    ("Putin told his Security Council the same day that the operation was going to plan.", "Putin",
     "told his Security Council",
     "the operation was going to plan."),
])
def test_reported(sentence, speaker, cue, clause):
    sp, cu, start = reported(sentence, 0, len(sentence))
    assert (_span(sentence, sp), _span(sentence, cu), sentence[start:].strip()) == (speaker, cue, clause)


@pytest.mark.parametrize("sentence", [
    "Peskov told the delegation he was ready.",  # addressee without "that"
    "Zelensky explained the decision on Friday.",  # an object, not a clause
    "The talks, Peskov said, were useful.",
])
def test_reported_leaves_other_sentences_to_the_parser(sentence):
    assert reported(sentence, 0, len(sentence)) is None


def test_content_first():
    text = "Kyiv should recognise Crimea as Russian, Peskov said on Monday."
    sp, cue, comma = content_first(text, 0, len(text))
    assert (_span(text, sp), _span(text, cue), text[:comma]) == ("Peskov", "said", "Kyiv should recognise Crimea as Russian")
    late = "In August, days after the incursion began, Putin had said there could be no talks."
    assert content_first(late, 0, len(late)) is None


@pytest.mark.parametrize("sentence, speaker, contents", [
    ("The museum, Mr. Obama said, would make visitors face hard truths.", "Mr. Obama",
     ["The museum, Mr. Obama said, would make visitors face hard truths."]),
    ("In Kyiv, she said, the talks had stalled over prisoners.", "she", ["the talks had stalled over prisoners."]),
    ("To understand the deal fully, Peskov said, one should read the annex.", "Peskov",
     ["To understand the deal fully", "one should read the annex."]),
])
def test_parenthetical(sentence, speaker, contents):
    from stance.extraction.simple_attribution import parenthetical

    sp, _, spans = parenthetical(sentence, 0, len(sentence))
    assert (_span(sentence, sp), [_span(sentence, s).strip() for s in spans]) == (speaker, contents)


@pytest.mark.parametrize("sentence", [
    "The talks, which began in May, have stalled.",  # a relative clause, not an attribution
    "Kyiv, the capital, was quiet, officials said.",  # no attribution between the commas
])
def test_not_parenthetical(sentence):
    from stance.extraction.simple_attribution import parenthetical

    assert parenthetical(sentence, 0, len(sentence)) is None
