"""Labeling functions, their analysis, label models and the `rules` classifier."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from stance.dataset.labeling import (
    ABSTAIN,
    DEFAULT_CONFIG,
    GenerativeLabelModel,
    LabelingConfig,
    RulesClassifier,
    lf_analysis,
    load_labeling,
    majority_vote,
    weak_labels,
)
from stance.errors import ConfigError


@pytest.fixture(scope="module")
def cfg() -> LabelingConfig:
    return load_labeling(DEFAULT_CONFIG)


def _label(cfg, text: str, cue: str = "") -> str | None:
    return weak_labels(cfg, pd.DataFrame({"text": [text], "cue": [cue]}))["label"].iloc[0]


@pytest.mark.parametrize("text, expected", [
    ("A meeting between the two presidents is possible only if the delegations agree on a text first",
     "conditional"),
    ("As soon as they withdraw their troops, we will cease fire and begin talks", "conditional"),
    ("We will sign the memorandum provided that the ports are reopened", "conditional"),
    ("We are ready to resume contacts with the Ukrainian side", "open"),
    ("We welcome any effort that brings the sides to the negotiating table", "open"),
    ("We are open to a meeting in Istanbul next week", "open"),
    ("It is premature to talk about a summit", "evasive"),
    ("Negotiations must stay behind closed doors", "evasive"),
    ("The summit is a waste of time", "rejecting"),
    ("There will be no talks with the regime in Kyiv", "rejecting"),
    ("Three people were injured when debris fell on a residential building", "none"),
])
def test_cues_vote_for_their_label(cfg, text, expected):
    assert _label(cfg, text) == expected


def test_cue_field_counts_for_a_statement_whose_cue_is_the_evasion(cfg):
    assert _label(cfg, "on the timing of the next round", cue="declined to comment") == "evasive"
    assert _label(cfg, "on the timing of the next round", cue="said") is None


def test_negation_turns_willingness_into_refusal(cfg):
    assert _label(cfg, "We are not ready to talk to them about a ceasefire") == "rejecting"
    assert _label(cfg, "We have never been willing to negotiate with terrorists") == "rejecting"
    assert _label(cfg, "They aren't open to any proposal from Washington") == "rejecting"


def test_negation_stops_at_the_clause_boundary(cfg):
    # "no" belongs to the first clause; "ready to" is not negated
    assert _label(cfg, "There was no shelling today, and we are ready to meet the delegation") == "open"


def test_negated_precondition_reads_as_open(cfg):
    assert _label(cfg, "We are prepared to negotiate without preconditions") == "open"
    assert _label(cfg, "Kyiv sets preconditions for any negotiations") == "conditional"


def test_negated_dismissal_abstains(cfg):
    row = weak_labels(cfg, pd.DataFrame({"text": ["The talks were not pointless"]}))
    assert row["lf_rejecting_pointless"].iloc[0] is None


def test_tie_break_order_of_the_spec(cfg):
    # open + conditional cues: any condition makes it conditional
    assert _label(cfg, "We are ready to meet, but only if the shelling of our cities stops first") == "conditional"
    # rejecting + evasive cues: a clear refusal beats vagueness
    assert _label(cfg, "It is premature to say more, but the plan is a non-starter for us") == "rejecting"


def test_majority_vote_ties_follow_priority():
    cfg = LabelingConfig.model_validate({
        "name": "t", "topic": ["talks"], "priority": ["evasive", "open"],
        "functions": [{"name": "a", "label": "open", "cues": ["ready"], "topic": "any"},
                      {"name": "b", "label": "evasive", "cues": ["later"], "topic": "any"},
                      {"name": "c", "label": "open", "cues": ["glad"], "topic": "any"}]})
    L = np.array([[0, 2, -1], [0, 2, 0], [-1, -1, -1]])
    labels, conf, probs = majority_vote(cfg, L)
    assert [cfg.labels[i] if i >= 0 else None for i in labels] == ["evasive", "open", None]
    assert conf.tolist() == pytest.approx([0.5, 2 / 3, 0.0])
    assert probs[2].sum() == 0


@pytest.mark.filterwarnings("ignore::FutureWarning")  # scipy, inside snorkel
def test_lf_analysis_matches_snorkel_and_measures_accuracy(cfg):
    from snorkel.labeling import LFAnalysis

    rng = np.random.default_rng(0)
    m = len(cfg.functions)
    L = rng.integers(-1, 5, size=(60, m))
    L[rng.random((60, m)) < 0.6] = ABSTAIN
    gold = [cfg.labels[i] for i in rng.integers(0, 5, size=60)]
    ours = lf_analysis(cfg, L, gold)
    theirs = LFAnalysis(L).lf_summary(Y=np.array([cfg.labels.index(g) for g in gold]))
    assert ours["coverage"].to_numpy() == pytest.approx(theirs["Coverage"].to_numpy())
    assert ours["overlaps"].to_numpy() == pytest.approx(theirs["Overlaps"].to_numpy())
    assert ours["conflicts"].to_numpy() == pytest.approx(theirs["Conflicts"].to_numpy())
    assert ours["correct"].tolist() == theirs["Correct"].tolist()
    j = 0
    fired = L[:, j] != ABSTAIN
    right = sum(cfg.labels[L[i, j]] == gold[i] for i in np.flatnonzero(fired))
    assert ours.loc[j, "emp_accuracy"] == pytest.approx(right / fired.sum())


def test_generative_label_model_recovers_labels_and_abstains(cfg):
    cfg = cfg.model_copy(update={"label_model": cfg.label_model.model_copy(update={"epochs": 200})})
    rng = np.random.default_rng(1)
    n, m = 300, len(cfg.functions)
    truth = rng.integers(0, 5, size=n)
    L = np.full((n, m), ABSTAIN)
    for j in range(m):
        fires = rng.random(n) < 0.5
        correct = rng.random(n) < 0.85
        L[fires, j] = np.where(correct[fires], truth[fires], rng.integers(0, 5, size=fires.sum()))
    L[:5] = ABSTAIN
    labels, conf, probs = GenerativeLabelModel(cfg).fit(L).predict(L)
    assert (labels[:5] == ABSTAIN).all() and (conf[:5] == 0).all()
    assert (labels[5:] == truth[5:]).mean() > 0.85
    assert probs[5:].sum(axis=1) == pytest.approx(np.ones(n - 5))
    again = GenerativeLabelModel(cfg).fit(L).predict(L)[0]
    assert (again == labels).all()


def test_labeling_config_errors_name_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntopic: [talks]\nfunctions:\n  - {name: f, label: hopeful, cues: [hope]}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_labeling(bad)
    assert "hopeful" in str(err.value) and str(bad) in str(err.value)
    bad.write_text("name: x\ntopic: [talks]\nfunctions:\n  - {name: f, label: open, patterns: ['(ready']}\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="functions.0.patterns"):
        load_labeling(bad)


def test_a_study_can_edit_the_functions_in_yaml(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nscheme: stance3\nfallback: evasive\ntopic: [talks, truce]\n"
                    "functions:\n  - {name: hopeful, label: open, cues: [we hope]}\n", encoding="utf-8")
    cfg = load_labeling(path)
    out = weak_labels(cfg, pd.DataFrame({"text": ["We hope the truce holds", "We hope it rains"]}))
    assert out["label"].tolist() == ["open", None]


# ----------------------------------------------------------------------------- RulesClassifier

X = pd.DataFrame({"text": [
    "We are ready to resume contacts with Kyiv",
    "The talks are a waste of time",
    "A ceasefire is possible only if they withdraw",
    "Russian drones hit a power plant overnight",
    "Sunny weather is expected",  # no vocabulary, no battlefield words
    "on the timing",
], "cue": ["said", "said", "said", "said", "said", "declined to comment"]})
Y = ["open", "rejecting", "conditional", "none", "none", "evasive"]


def test_rules_classifier_predicts_names_and_probabilities():
    clf = RulesClassifier().fit(X, Y)
    pred = clf.predict(X)
    assert list(pred) == Y
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(clf.classes_))
    assert proba.sum(axis=1) == pytest.approx(np.ones(len(X)))
    assert (clf.classes_[proba.argmax(axis=1)] == pred).all()
    assert clf.score(X, Y) == 1.0


def test_rules_classifier_with_integer_labels_and_a_merging_scheme():
    names = ["open", "conditional", "evasive"]
    y = [0, 2, 1, -1, -1, 2]
    clf = RulesClassifier(scheme="stance3", label_names=names).fit(X, y)
    pred = clf.predict(X)
    assert pred.dtype.kind == "i"
    assert [names[i] for i in pred[:3]] == ["open", "evasive", "conditional"]  # rejecting -> evasive
    # 'none' votes are dropped by stance3: those rows abstain and take the fallback (most frequent y)
    assert clf.fallback_ == "evasive"
    assert clf.abstained(X).tolist() == [False, False, False, True, True, False]
    assert [names[i] for i in pred[3:5]] == ["evasive", "evasive"]


def test_rules_classifier_fallback_is_documented_default_and_overridable():
    empty = pd.DataFrame({"text": ["Talks continue", "The weather"]})  # topic but no cue; no topic
    clf = RulesClassifier().fit(empty)
    assert clf.fallback_ == "none"
    assert list(clf.predict(empty)) == ["none", "none"]
    clf = RulesClassifier(fallback="evasive").fit(empty)
    assert list(clf.predict(empty))[0] == "evasive"


def test_rules_classifier_is_a_clonable_estimator_and_checks_input():
    clf = RulesClassifier(method="label_model", scheme="stance5")
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    with pytest.raises(ValueError, match="text"):
        RulesClassifier().fit(X, Y).predict(pd.DataFrame({"body": ["x"]}))
    with pytest.raises(RuntimeError, match="not fitted"):
        RulesClassifier().predict(X)
    with pytest.raises(ValueError, match="label_names"):
        RulesClassifier().fit(X, [0, 1, 2, 3, 3, 2])


def test_rules_classifier_label_model_method_fits_on_training_text():
    big = pd.concat([X] * 5, ignore_index=True)
    clf = RulesClassifier(method="label_model").fit(big, Y * 5)
    pred = clf.predict(X)
    assert len(pred) == len(X) and set(pred) <= set(clf.classes_)
    assert pred[0] == "open" and pred[5] == "evasive"
