"""Properties of the extractor on arbitrary text: it never crashes, and every statement's
offsets slice the article text to the statement text, without overlaps."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.extraction.actors import ActorRegistry
from stance.extraction.quotes import Extractor, load_nlp
from stance.records import Article

PIECES = ["Peskov", "said", "told", "reporters", "that", "he", "she", "added", "according to", "Kremlin", "the",
          "Zelensky", "talks", "were", "useful", "Moscow", "warned", "U.S.", "Mr.", "president", ",", ".", ":",
          "?", "!", '"', "\u201c", "\u201d", "\u2018", "\u2019", "\u2014", "-", "\n", "\n\n", "It", "would", "not",
          "Kyiv", "was", "ready", "claim", "'s", "on", "Monday", "(", ")", "X.", "said:", "who", "and", "that,"]

_EXTRACTOR = None


def _extractor() -> Extractor:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        _EXTRACTOR = Extractor(ActorRegistry.load(Path(__file__).resolve().parents[1] / "configs" / "actors"),
                               nlp=load_nlp())
    return _EXTRACTOR


def _check(text: str) -> None:
    if not text.strip():
        return
    art = Article(id="p", date=dt.date(2025, 3, 1), text=text)
    for fast in (True, False):
        ex = _extractor()
        ex.fast = fast
        stmts = ex.extract(art)
        ex.fast = True
        last_end = -1
        for s in stmts:
            assert 0 <= s.start < s.end <= len(text)
            assert text[s.start:s.end] == s.text
            assert s.start >= last_end, "statements overlap"
            last_end = s.end
            assert s.kind in ("direct", "partial", "reported")


wire_like = st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map(
    lambda xs: " ".join(xs).replace(" \n ", "\n").replace(" \n\n ", "\n\n"))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wire_like)
def test_wire_like_text(text):
    _check(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=300))
def test_any_text(text):
    _check(text)


@pytest.mark.parametrize("text", [
    '"', '\u201c\u201d', '"" said Peskov.', 'Peskov said: "', '\u201cA\n\n\u201cB\n\n\u201cC', "said.",
    "According to , .", '"We are ready," he said, "', "He said that.", "X. \"Y\" Z.",
])
def test_edge_cases(text):
    _check(text)
