"""Scoring extracted statements against gold: matching rule, metrics, mismatches."""
from __future__ import annotations

import datetime as dt

import pytest

from stance.extraction.evaluation import evaluate_extraction, jaccard, match_statements, span_tokens
from stance.records import Article, Statement

TEXT = ('"We are ready to talk," Peskov said. Zelensky said Kyiv needed a clear answer from Moscow. '
        "Lavrov said the proposals were not serious.")
ART = Article(id="a", date=dt.date(2025, 5, 1), text=TEXT)


def _st(text, kind="reported", actor=None, shift=0, cut=0):
    start = TEXT.index(text) + shift
    end = TEXT.index(text) + len(text) - cut
    return Statement(article_id="a", start=start, end=end, text=TEXT[start:end], speaker="x", actor_id=actor,
                     kind=kind)


def test_span_tokens_and_jaccard():
    assert len(span_tokens(TEXT, 0, 22)) == 5  # We are ready to talk
    assert jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 0.0


def test_matching_is_one_to_one_and_needs_half_the_tokens():
    gold = [_st("Kyiv needed a clear answer from Moscow")]
    pred = [_st("Kyiv needed a clear answer from Moscow", cut=len(" from Moscow")),  # 5/7 tokens
            _st("Kyiv needed a clear answer from Moscow")]  # exact
    pairs = match_statements(pred, gold, TEXT)
    assert [(p, g) for p, g, _ in pairs] == [(1, 0)]  # the better candidate wins, only once
    short = [_st("Kyiv needed a clear answer from Moscow", cut=len(" clear answer from Moscow"))]  # 2/7
    assert match_statements(short, gold, TEXT) == []


def test_scores_and_mismatches():
    gold = [_st("We are ready to talk", "direct", "peskov"),
            _st("Kyiv needed a clear answer from Moscow", "reported", "zelensky"),
            _st("the proposals were not serious", "reported", "lavrov")]
    pred = [_st("We are ready to talk", "direct", "peskov"),  # exact, right actor
            _st("Kyiv needed a clear answer from Moscow", "partial", "putin", cut=len(" from Moscow")),
            _st("Peskov said", "reported", None)]  # spurious
    rep = evaluate_extraction(pred, gold, {"a": ART})
    s = rep.scores()
    assert (s["predicted"], s["gold"], s["matched"], s["exact"]) == (3, 3, 2, 1)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    assert s["exact_recall"] == pytest.approx(1 / 3)
    assert s["actor_accuracy"] == pytest.approx(1 / 2)
    assert s["kind_accuracy"] == pytest.approx(1 / 2)
    assert s["recall_by_kind"] == {"direct": 1.0, "reported": 0.5}
    types = sorted(m["type"] for m in rep.mismatches)
    assert types == ["boundary+actor+kind", "missed", "spurious"]
    assert "recall 0.667" in rep.table()


def test_predictions_for_articles_without_gold_are_ignored():
    other = Statement(article_id="b", start=0, end=4, text="abcd", speaker="x", kind="reported")
    gold = [_st("We are ready to talk", "direct")]
    rep = evaluate_extraction([other, _st("We are ready to talk", "direct")], gold, {"a": ART})
    assert rep.scores()["precision"] == 1.0
