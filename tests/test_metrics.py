"""Metrics on hand-computed cases, and the article-level bootstrap and paired tests."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from stance.evaluation.metrics import classification_metrics, expected_calibration_error, macro_f1, semeval_f_avg
from stance.evaluation.runs import (
    RunPredictions,
    bootstrap_macro_f1,
    markdown_tables,
    paired_comparison,
    run_summary,
    unit_column,
    unit_index,
)


def test_ece_on_a_hand_computed_case():
    conf = [0.95, 0.95, 0.65, 0.65, 0.25, 0.81, 0.89]
    correct = [1, 0, 1, 1, 0, 1, 0]
    # bins: 0.9-1.0 {0.95 ok, 0.95 wrong}: |0.5 - 0.95| * 2; 0.6-0.7: |1 - 0.65| * 2; 0.2-0.3: |0 - 0.25| * 1;
    # 0.8-0.9 {0.81 ok, 0.89 wrong}: |0.5 - 0.85| * 2
    expected = (0.45 * 2 + 0.35 * 2 + 0.25 + 0.35 * 2) / 7
    assert expected_calibration_error(conf, correct) == pytest.approx(expected)
    assert expected_calibration_error([1.0, 1.0], [1, 1]) == pytest.approx(0.0)


def test_semeval_f_avg_on_a_hand_computed_case():
    gold = ["FAVOR", "FAVOR", "AGAINST", "AGAINST", "NONE"]
    pred = ["FAVOR", "AGAINST", "AGAINST", "AGAINST", "FAVOR"]
    targets = ["t1", "t1", "t1", "t2", "t2"]
    out = semeval_f_avg(gold, pred, targets)
    # pooled: F1(favor) = 2*1/(2+2) = 0.5, F1(against) = 2*2/(2+3) = 0.8
    assert out["f_avg_pooled"] == pytest.approx(0.65)
    # t1: F1(favor) = 2/3, F1(against) = 2/3; t2: F1(favor) = 0, F1(against) = 1
    assert out["per_target"] == pytest.approx({"t1": 2 / 3, "t2": 0.5})
    assert out["f_avg_macro_targets"] == pytest.approx((2 / 3 + 0.5) / 2)


def test_macro_f1_matches_scikit_learn():
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c", "d"]
    gold = list(rng.choice(labels[:3], 200))
    pred = list(rng.choice(labels, 200))
    assert macro_f1(gold, pred, labels) == pytest.approx(f1_score(gold, pred, average="macro"))
    m = classification_metrics(gold, pred, labels, probs=np.full((200, 4), 0.25))
    assert m["per_class"]["b"]["f1"] == pytest.approx(f1_score(gold, pred, labels=["b"], average=None)[0])
    assert np.sum(m["confusion"]) == 200 and m["ece"] == pytest.approx(abs(m["accuracy"] - 0.25))


def clustered_case(n_articles=30, per_article=10, seed=0):
    """Errors cluster by article: each article is either all right or all wrong."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 3, n_articles * per_article)
    wrong_article = rng.random(n_articles) < 0.4
    wrong = np.repeat(wrong_article, per_article)
    pred = np.where(wrong, (gold + 1) % 3, gold)
    articles = np.repeat(np.arange(n_articles), per_article)
    return gold, pred, articles


def test_article_bootstrap_is_wider_than_statement_bootstrap_when_errors_cluster():
    gold, pred, articles = clustered_case()
    by_article = bootstrap_macro_f1(gold, pred, articles, 3, n_boot=1000, seed=1)
    by_statement = bootstrap_macro_f1(gold, pred, np.arange(len(gold)), 3, n_boot=1000, seed=1)
    assert by_article["estimate"] == by_statement["estimate"]
    width_a = by_article["ci_high"] - by_article["ci_low"]
    width_s = by_statement["ci_high"] - by_statement["ci_low"]
    assert width_a > 2 * width_s  # ten statements per article: roughly sqrt(10) wider
    assert by_article["ci_low"] <= by_article["estimate"] <= by_article["ci_high"]
    assert by_article["n_units"] == 30 and by_statement["n_units"] == 300


def test_bootstrap_is_seeded():
    gold, pred, articles = clustered_case()
    assert bootstrap_macro_f1(gold, pred, articles, 3, 200, seed=4) == bootstrap_macro_f1(gold, pred, articles, 3, 200, seed=4)


def run(name, gold, preds, articles, labels=("x", "y", "z")):
    items = pd.DataFrame({"statement_id": [f"s{i:04d}" for i in range(len(gold))],
                          "article_id": [f"a{a}" for a in articles], "gold": [labels[g] for g in gold]})
    preds = np.atleast_2d(preds)
    k = len(labels)
    return RunPredictions(name, "stance", "test", list(labels), list(range(len(preds))), items, np.asarray(gold),
                          preds, np.full(preds.shape + (k,), 1 / k))


def test_paired_test_finds_a_real_difference_and_not_a_null_one():
    gold, weak, articles = clustered_case(40, 5, seed=2)
    rng = np.random.default_rng(3)
    strong = np.where(rng.random(len(gold)) < 0.9, gold, (gold + 1) % 3)
    a = run("strong", gold, np.stack([strong, strong]), articles)
    b = run("weak", gold, np.stack([weak, weak]), articles)
    res = paired_comparison(a, b, n_boot=500, n_perm=500, seed=0)
    assert res["diff_macro_f1"] > 0.2
    assert res["ci_low"] > 0 and res["p_bootstrap"] < 0.01 and res["p_randomization"] < 0.01
    # no resample crosses zero: p is the smallest the resamples can show, 2 / (n_boot + 1), never 0
    assert res["p_bootstrap"] == pytest.approx(2 / 501)
    same = paired_comparison(a, run("copy", gold, np.stack([strong, strong]), articles), n_boot=200, n_perm=200)
    assert same["diff_macro_f1"] == 0 and same["p_randomization"] == 1.0 and same["ci_low"] == same["ci_high"] == 0
    # a small difference on few articles is not significant
    nudged = strong.copy()
    nudged[0] = (gold[0] + 1) % 3 if strong[0] == gold[0] else gold[0]
    small = paired_comparison(a, run("nudged", gold, np.stack([nudged, nudged]), articles), n_boot=300, n_perm=300)
    assert abs(small["diff_macro_f1"]) < 0.02 and small["p_randomization"] > 0.2


def test_paired_test_refuses_different_test_items():
    gold, pred, articles = clustered_case(10, 3)
    a = run("a", gold, pred, articles)
    b = run("b", gold[:-1], pred[:-1], articles[:-1])
    with pytest.raises(Exception, match="same test statements"):
        paired_comparison(a, b)


def test_unit_index_falls_back_to_statements():
    items = pd.DataFrame({"statement_id": ["s1", "s2", "s3"], "article_id": ["a", "a", None]})
    assert list(unit_index(items, "article")) == [0, 1, 2]
    items["article_id"] = ["a", "a", "b"]
    assert list(unit_index(items, "article")) == [0, 0, 1]


def test_benchmark_items_without_articles_are_resampled_by_group_and_the_table_says_so():
    # tweets: no article, grouped by identical text; s1 and s2 are the same tweet
    items = pd.DataFrame({"statement_id": ["s1", "s2", "s3", "s4"], "article_id": [None] * 4,
                          "group_id": ["g1", "g1", "g2", "g3"], "gold": ["x", "x", "y", "z"]})
    assert unit_column(items) == "group_id" and list(unit_index(items)) == [0, 0, 1, 2]
    r = RunPredictions("tfidf", "stance", "test", ["x", "y", "z"], [1], items, np.array([0, 0, 1, 2]),
                       np.array([[0, 0, 1, 1]]), np.full((1, 4, 3), 1 / 3))
    summary = run_summary(r, n_boot=100)
    assert summary["unit_column"] == "group_id" and summary["n_units"] == 3
    result = {"settings": {"unit": "article", "n_boot": 100, "n_perm": 100, "seed": 0},
              "runs": {"tfidf": summary}, "paired": []}
    assert "Resampling units: group_id" in markdown_tables(result)
    items["article_id"] = ["a", "a", "b", "c"]
    assert "Resampling units" not in markdown_tables({**result, "runs": {"tfidf": run_summary(r, n_boot=100)}})
