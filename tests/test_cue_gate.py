"""The cheap gate that decides which sentences without quotation marks are worth a parse
(`CueLexicon.verb_pattern`): cue forms that are as often nouns or adjectives count only
right after a subject-like word."""
from __future__ import annotations

import pytest

from stance.extraction.cues import CueLexicon


@pytest.mark.parametrize("sentence, hit", [
    ("Zelensky proposed a ceasefire in the air and at sea.", "proposed"),
    ("He proposed hosting the talks in Istanbul.", "proposed"),
    ("The Kremlin claims the offer is a ploy.", "claims"),
    ("Western officials warn that the pause could be used to regroup.", "warn"),
    ("Analysts argue that the sanctions have failed.", "argue"),
    ("European diplomats said the plan was dead.", "said"),
    ("The two delegations met in Riyadh, according to Saudi media.", "according to"),
])
def test_sentences_with_a_cue_are_parsed(sentence, hit):
    m = CueLexicon().verb_pattern().search(sentence)
    assert m is not None and sentence[m.start():m.end()] == hit


@pytest.mark.parametrize("sentence", [
    "The proposed truce would not cover strikes on the front line.",
    "Peace talks resumed in Geneva on Monday.",
    "The Washington Post sent a team to cover the Islamic State front.",
    "Her claims about the convoy could not be verified.",
    "A warn-and-wait approach is not a policy.",
])
def test_sentences_without_a_cue_are_skipped(sentence):
    assert CueLexicon().verb_pattern().search(sentence) is None
