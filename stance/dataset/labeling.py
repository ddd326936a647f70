"""Weak (silver) labels from labeling functions, label models, and the `rules` classifier.

Labeling functions are configuration (configs/labeling/*.yaml): each names one label and
the cue phrases or regular expressions that vote for it; it returns that label or abstains.
A function can also require (or forbid) negotiation vocabulary in the statement, and says
what a negated match means (`not ready to` is not `ready to`): abstain, vote anyway, or
vote another label.

Votes are combined by
- `majority_vote`: after the config's precedence rules (the spec's tie-breaks: any
  conditional vote makes a statement conditional, rejecting beats evasive, every label beats
  none), the label with most votes wins, ties broken by `priority`;
  confidence = the winner's share of the votes;
- `GenerativeLabelModel`: snorkel's LabelModel, which learns each function's accuracy from
  their agreements and disagreements on unlabeled data; confidence = the posterior.

`lf_analysis` gives per-function coverage, overlaps, conflicts (snorkel's LFAnalysis
definitions) and, where gold labels exist, correct / incorrect / empirical accuracy.

`RulesClassifier` is the weak labeler as a scikit-learn classifier (the `rules` baseline):
fit(X, y) / predict(X) / predict_proba(X) on a DataFrame with a `text` column (and
optionally `cue` and `context`). A statement on which every function abstains, or whose
label the dataset scheme drops, gets the fallback label: the `fallback` parameter if given,
else the config's `fallback` when the dataset scheme keeps it, else the most frequent label
of the training labels y.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator
from sklearn.base import BaseEstimator, ClassifierMixin

from stance.config import StrictModel, load_config
from stance.dataset.schemes import LabelScheme, load_scheme
from stance.resources import config_dir

if TYPE_CHECKING:
    from snorkel.labeling.model import LabelModel

ABSTAIN = -1
TEXT_FIELDS = ("text", "cue", "context")
_CLAUSE_BREAK = re.compile(r"[.;:!?,\u2014\u2013]")
_TOKEN = re.compile(r"[\w'\u2019-]+")


def phrase_regex(phrase: str) -> str:
    """A case-insensitive regex for a cue phrase: whole words, any whitespace between them, `*` = word prefix."""
    parts = []
    for word in phrase.split():
        star = word.endswith("*")
        body = re.escape(word.rstrip("*")).replace("'", "['\u2019]")
        parts.append(body + (r"\w*" if star else ""))
    if not parts:
        raise ValueError("empty cue phrase")
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


class NegationConfig(StrictModel):
    """Words that negate a cue when they occur shortly before it in the same clause."""

    cues: list[str] = Field(default_factory=lambda: ["not", "no", "never", "nor", "neither", "without",
                                                     "hardly", "cannot", "nobody", "nothing"])
    window: int = Field(default=3, ge=1, le=10)

    @field_validator("cues")
    @classmethod
    def _single_words(cls, cues: list[str]) -> list[str]:
        for c in cues:
            if len(c.split()) != 1:
                raise ValueError(f"negation cue {c!r} must be one word (\"n't\" endings are always negations)")
        return [c.lower() for c in cues]


def _text_and_cue() -> list[Literal["text", "cue", "context"]]:
    return ["text", "cue"]


class FunctionConfig(StrictModel):
    """One labeling function: the label it votes for and when."""

    name: str = Field(min_length=1)
    label: str
    description: str = ""
    cues: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    fields: list[Literal["text", "cue", "context"]] = Field(default_factory=_text_and_cue)
    topic: Literal["required", "absent", "any"] = "required"
    topic_fields: list[Literal["text", "cue", "context"]] = Field(default_factory=_text_and_cue)
    on_negation: str = "abstain"

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _something_to_match(self) -> "FunctionConfig":
        if not self.cues and not self.patterns and self.topic != "absent":
            raise ValueError(f"function {self.name!r} has no cues or patterns (only topic: absent may omit them)")
        return self

    @cached_property
    def regex(self) -> re.Pattern | None:
        alts = [phrase_regex(c) for c in self.cues] + [f"(?:{p})" for p in self.patterns]
        return re.compile("|".join(alts), re.IGNORECASE) if alts else None


class LabelModelConfig(StrictModel):
    """Training settings of the generative label model."""

    epochs: int = Field(default=500, ge=1)
    lr: float = Field(default=0.01, gt=0)
    l2: float = Field(default=0.0, ge=0)
    seed: int = 13


class LabelingConfig(StrictModel):
    """A set of labeling functions for one label scheme, and how their votes combine."""

    name: str = Field(min_length=1)
    scheme: str | LabelScheme = "stance5"
    fallback: str = "none"
    topic: list[str] = Field(min_length=1, description="negotiation vocabulary (cue phrases, `*` = prefix)")
    negation: NegationConfig = Field(default_factory=NegationConfig)
    precedence: dict[str, list[str]] = Field(default_factory=dict)
    priority: list[str] = Field(default_factory=list)
    functions: list[FunctionConfig] = Field(min_length=1)
    label_model: LabelModelConfig = Field(default_factory=LabelModelConfig)

    @model_validator(mode="after")
    def _labels_known(self) -> "LabelingConfig":
        scheme = self.label_scheme
        labels = scheme.output_labels

        def check(value: str, where: str, extra: Sequence[str] = ()) -> None:
            if value not in labels and value not in extra:
                raise ValueError(f"{where}: unknown label {value!r}; the scheme {scheme.name!r} has {labels}")

        check(self.fallback, "fallback")
        names = set()
        for i, fn in enumerate(self.functions):
            if fn.name in names:
                raise ValueError(f"functions.{i}: duplicate function name {fn.name!r}")
            names.add(fn.name)
            check(fn.label, f"functions.{i} ({fn.name}).label")
            check(fn.on_negation, f"functions.{i} ({fn.name}).on_negation", ("abstain", "ignore"))
        for winner, losers in self.precedence.items():
            check(winner, "precedence")
            for loser in losers:
                check(loser, f"precedence.{winner}")
        for p in self.priority:
            check(p, "priority")
        for t in self.topic:
            phrase_regex(t)
        return self

    @cached_property
    def label_scheme(self) -> LabelScheme:
        return load_scheme(self.scheme)

    @property
    def labels(self) -> list[str]:
        return self.label_scheme.output_labels

    @cached_property
    def topic_regex(self) -> re.Pattern:
        return re.compile("|".join(phrase_regex(t) for t in self.topic), re.IGNORECASE)

    @property
    def full_priority(self) -> list[str]:
        """`priority`, then the remaining labels in scheme order."""
        return list(self.priority) + [lab for lab in self.labels if lab not in self.priority]


def load_labeling(ref: "str | Path | LabelingConfig") -> LabelingConfig:
    """A labeling config from a path (ConfigError names file and field) or an instance."""
    if isinstance(ref, LabelingConfig):
        return ref
    return load_config(ref, LabelingConfig)


# ----------------------------------------------------------------------------- applying functions

def _column(X: pd.DataFrame, name: str) -> list[str]:
    if name not in X.columns:
        return [""] * len(X)
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in X[name].tolist()]


def _is_negated(text: str, start: int, negation: NegationConfig) -> bool:
    """Whether a negation word occurs within `window` tokens before `start`, in the same clause."""
    left = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    if breaks:
        left = left[breaks[-1].end():]
    tokens = [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(left)][-negation.window:]
    return any(t in negation.cues or t.endswith("n't") for t in tokens)


def _vote(fn: FunctionConfig, cfg: LabelingConfig, row: dict[str, str], label_idx: dict[str, int]) -> tuple[int, bool]:
    """(vote, negated) of one function on one statement."""
    topic_text = " \n ".join(row[f] for f in fn.topic_fields)
    has_topic = cfg.topic_regex.search(topic_text) is not None
    if fn.topic == "required" and not has_topic:
        return ABSTAIN, False
    if fn.topic == "absent" and has_topic:
        return ABSTAIN, False
    if fn.regex is None:
        return label_idx[fn.label], False
    plain = negated = False
    for f in fn.fields:
        for m in fn.regex.finditer(row[f]):
            if fn.on_negation != "ignore" and _is_negated(row[f], m.start(), cfg.negation):
                negated = True
            else:
                plain = True
                break
        if plain:
            break
    if plain:
        return label_idx[fn.label], False
    if negated and fn.on_negation not in ("abstain", "ignore"):
        return label_idx[fn.on_negation], True
    return ABSTAIN, negated


def apply_functions(cfg: LabelingConfig, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The label matrix L (statements x functions; label index or -1) and which votes were negations."""
    if "text" not in X.columns:
        raise ValueError("X must be a DataFrame with a 'text' column")
    cols = {f: _column(X, f) for f in TEXT_FIELDS}
    label_idx = {lab: i for i, lab in enumerate(cfg.labels)}
    L = np.full((len(X), len(cfg.functions)), ABSTAIN, dtype=np.int64)
    N = np.zeros_like(L, dtype=bool)
    for i in range(len(X)):
        row = {f: cols[f][i] for f in TEXT_FIELDS}
        for j, fn in enumerate(cfg.functions):
            L[i, j], N[i, j] = _vote(fn, cfg, row, label_idx)
    return L, N


# ----------------------------------------------------------------------------- analysis

def lf_analysis(cfg: LabelingConfig, L: np.ndarray, gold: Sequence[str | None] | None = None,
                negated: np.ndarray | None = None) -> pd.DataFrame:
    """Per function: label, coverage, overlaps, conflicts (fractions of all statements, as in
    snorkel's LFAnalysis), votes, negated votes and, on statements with a gold label in the
    scheme, correct / incorrect / emp_accuracy (NaN where the function never fired on gold)."""
    n, m = L.shape
    fired = L != ABSTAIN
    n_fired = fired.sum(axis=1)
    rows = []
    gold_idx = None
    if gold is not None:
        idx = {lab: i for i, lab in enumerate(cfg.labels)}
        gold_idx = np.array([idx.get(g, ABSTAIN) if g is not None else ABSTAIN for g in gold], dtype=np.int64)
    for j, fn in enumerate(cfg.functions):
        col = L[:, j]
        f = fired[:, j]
        others = n_fired - f
        conflict = np.zeros(n, dtype=bool)
        for k in range(m):
            if k != j:
                conflict |= f & fired[:, k] & (L[:, k] != col)
        row = {
            "function": fn.name,
            "label": fn.label,
            "votes": int(f.sum()),
            "coverage": f.mean() if n else 0.0,
            "overlaps": (f & (others > 0)).mean() if n else 0.0,
            "conflicts": conflict.mean() if n else 0.0,
            "negated": int((negated[:, j] & f).sum()) if negated is not None else 0,
        }
        if gold_idx is not None:
            has_gold = gold_idx != ABSTAIN
            correct = int((f & has_gold & (col == gold_idx)).sum())
            incorrect = int((f & has_gold & (col != gold_idx)).sum())
            row.update(correct=correct, incorrect=incorrect,
                       emp_accuracy=correct / (correct + incorrect) if correct + incorrect else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def summary_figures(L: np.ndarray, labels: np.ndarray | None = None, gold_idx: np.ndarray | None = None) -> dict:
    """Whole-set coverage, overlap and conflict, and the accuracy of combined labels on gold."""
    fired = L != ABSTAIN
    any_fired = fired.any(axis=1)
    multi = fired.sum(axis=1) > 1
    conflict = np.array([len(set(r[r != ABSTAIN])) > 1 for r in L], dtype=bool) if len(L) else np.zeros(0, bool)
    out: dict[str, Any] = {
        "statements": int(len(L)), "coverage": float(any_fired.mean()) if len(L) else 0.0,
        "overlap": float(multi.mean()) if len(L) else 0.0, "conflict": float(conflict.mean()) if len(L) else 0.0}
    if labels is not None and gold_idx is not None:
        scored = (gold_idx != ABSTAIN) & (labels != ABSTAIN)
        out["gold_labeled"] = int(scored.sum())
        out["gold_statements"] = int((gold_idx != ABSTAIN).sum())
        out["accuracy_where_labeled"] = float((labels[scored] == gold_idx[scored]).mean()) if scored.any() else None
    return out


# ----------------------------------------------------------------------------- label models

def majority_vote(cfg: LabelingConfig, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, confidence, vote distribution) after precedence; -1 / 0 / zeros where all abstain."""
    k = len(cfg.labels)
    idx = {lab: i for i, lab in enumerate(cfg.labels)}
    counts = np.zeros((len(L), k), dtype=float)
    for c in range(k):
        counts[:, c] = (L == c).sum(axis=1)
    for winner, losers in cfg.precedence.items():
        w = idx[winner]
        has = counts[:, w] > 0
        for loser in losers:
            lo = idx[loser]
            counts[has, w] += counts[has, lo]
            counts[has, lo] = 0
    total = counts.sum(axis=1)
    probs = np.divide(counts, total[:, None], out=np.zeros_like(counts), where=total[:, None] > 0)
    rank = np.array([cfg.full_priority.index(lab) for lab in cfg.labels])
    # among labels with the most votes, the one earliest in priority
    best = counts.max(axis=1, keepdims=True)
    tied = (counts == best) & (total[:, None] > 0)
    masked = np.where(tied, rank[None, :], len(rank) + 1)
    labels = np.where(total > 0, masked.argmin(axis=1), ABSTAIN)
    conf = np.where(total > 0, probs.max(axis=1), 0.0)
    return labels.astype(np.int64), conf, probs


class GenerativeLabelModel:
    """snorkel's LabelModel over a label matrix; statements where every function abstains stay -1."""

    def __init__(self, cfg: LabelingConfig) -> None:
        self.cfg = cfg
        self.model: LabelModel | None = None

    def fit(self, L: np.ndarray) -> "GenerativeLabelModel":
        from snorkel.labeling.model import LabelModel

        if L.shape[1] < 3:
            raise ValueError("the generative label model needs at least 3 labeling functions")
        import torch

        self.model = LabelModel(cardinality=len(self.cfg.labels), verbose=False, device="cpu")
        lm = self.cfg.label_model
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the matrices are tiny: one thread is fastest, and fair to other jobs
        try:
            self.model.fit(L, n_epochs=lm.epochs, lr=lm.lr, l2=lm.l2, seed=lm.seed, progress_bar=False)
        finally:
            torch.set_num_threads(threads)
        return self

    def predict(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, confidence, posterior); -1 / 0 / zeros where every function abstains."""
        if self.model is None:
            raise RuntimeError("fit the label model first")
        probs = self.model.predict_proba(L) if len(L) else np.zeros((0, len(self.cfg.labels)))
        none_fired = (L == ABSTAIN).all(axis=1)
        probs = np.where(none_fired[:, None], 0.0, probs)
        rank = np.array([self.cfg.full_priority.index(lab) for lab in self.cfg.labels])
        best = probs.max(axis=1, keepdims=True)
        masked = np.where(np.isclose(probs, best) & ~none_fired[:, None], rank[None, :], len(rank) + 1)
        labels = np.where(none_fired, ABSTAIN, masked.argmin(axis=1))
        conf = np.where(none_fired, 0.0, probs.max(axis=1))
        return labels.astype(np.int64), conf, probs


Method = Literal["majority", "label_model"]


def weak_labels(cfg: LabelingConfig, X: pd.DataFrame, method: Method = "majority",
                fit_on: pd.DataFrame | None = None) -> pd.DataFrame:
    """Label each row of X: columns `label` (a label name, or None where every function abstains),
    `confidence` and one vote column per function. The label model is fit on `fit_on` (default X)."""
    L, _ = apply_functions(cfg, X)
    if method == "majority":
        labels, conf, _ = majority_vote(cfg, L)
    elif method == "label_model":
        L_fit = L if fit_on is None else apply_functions(cfg, fit_on)[0]
        labels, conf, _ = GenerativeLabelModel(cfg).fit(L_fit).predict(L)
    else:
        raise ValueError(f"unknown method {method!r}; use 'majority' or 'label_model'")
    def names(idx) -> pd.Series:  # object dtype keeps None for an abstention (not NaN)
        return pd.Series([cfg.labels[i] if i != ABSTAIN else None for i in idx], index=X.index, dtype=object)

    out = pd.DataFrame({"label": names(labels), "confidence": conf.astype(float)}, index=X.index)
    for j, fn in enumerate(cfg.functions):
        out[f"lf_{fn.name}"] = names(L[:, j])
    return out


# ----------------------------------------------------------------------------- the `rules` classifier

DEFAULT_CONFIG = config_dir("labeling") / "negotiation.yaml"


class RulesClassifier(ClassifierMixin, BaseEstimator):
    """The labeling functions as a classifier (scikit-learn conventions).

    Parameters
    ----------
    config: path of a labeling config (default configs/labeling/negotiation.yaml).
    method: "majority" (precedence + majority vote) or "label_model" (snorkel LabelModel fit
        on the training statements at `fit`).
    scheme: the dataset's label scheme (name, path or LabelScheme) to map rule labels onto, e.g.
        "stance3" merges rejecting into evasive; None keeps the config's labels.
    fallback: the label for statements where every function abstains (or whose rule label
        the scheme drops). None: the config's fallback if the scheme keeps it, else the most
        frequent label of y, else the first label.
    label_names: the dataset's label names in ClassLabel order. Needed when y holds integer
        ids; then predict returns integer ids too.

    X: a pandas DataFrame with a `text` column; `cue` and `context` are used when present.
    """

    def __init__(self, config: str | Path | None = None, method: Method = "majority", scheme=None,
                 fallback: str | None = None, label_names: Sequence[str] | None = None) -> None:
        self.config = config
        self.method = method
        self.scheme = scheme
        self.fallback = fallback
        self.label_names = label_names

    def fit(self, X: pd.DataFrame, y: Sequence | None = None) -> "RulesClassifier":
        """Resolve the label space and fallback; fit the label model on X if method='label_model'."""
        self.cfg_ = load_labeling(self.config or DEFAULT_CONFIG)
        self.scheme_ = load_scheme(self.scheme) if self.scheme is not None else None
        y_list = list(y) if y is not None else []
        self.integer_labels_ = bool(y_list) and all(isinstance(v, (int, np.integer)) for v in y_list)
        if self.label_names is not None:
            names = [str(n) for n in self.label_names]
        elif self.scheme_ is not None:
            names = self.scheme_.output_labels
        elif y_list and not self.integer_labels_:
            names = sorted({str(v) for v in y_list} | set(self.cfg_.labels))
        else:
            names = list(self.cfg_.labels)
        if self.integer_labels_ and self.label_names is None:
            raise ValueError("y holds integer ids: pass label_names (the dataset's ClassLabel names)")
        self.names_ = names
        self.classes_ = np.arange(len(names)) if self.integer_labels_ else np.array(names, dtype=object)
        if self.integer_labels_:
            y_names = [names[int(v)] for v in y_list if int(v) >= 0]  # -1 = unknown (GLUE convention)
        else:
            y_names = [str(v) for v in y_list]
        self.fallback_ = self._resolve_fallback(y_names)
        if self.fallback_ not in names:
            raise ValueError(f"fallback {self.fallback_!r} is not one of the labels {names}")
        # rule label index -> output label index (or -1 when the scheme drops it / it is not a class)
        self.map_ = np.full(len(self.cfg_.labels), ABSTAIN, dtype=np.int64)
        for i, lab in enumerate(self.cfg_.labels):
            out = self._map_label(lab)
            self.map_[i] = names.index(out) if out in names else ABSTAIN
        self.label_model_ = None
        if self.method == "label_model":
            L, _ = apply_functions(self.cfg_, X)
            self.label_model_ = GenerativeLabelModel(self.cfg_).fit(L)
        elif self.method != "majority":
            raise ValueError(f"unknown method {self.method!r}; use 'majority' or 'label_model'")
        return self

    def _map_label(self, label: str) -> str | None:
        if self.scheme_ is None:
            return label
        try:
            return self.scheme_.map(label)
        except KeyError:
            return None

    def _resolve_fallback(self, y_names: list[str]) -> str:
        if self.fallback is not None:
            return self.fallback
        mapped = self._map_label(self.cfg_.fallback)
        if mapped is not None and mapped in self.names_:
            return mapped
        if y_names:
            values, counts = np.unique(np.array(y_names, dtype=object), return_counts=True)
            return str(values[np.argmax(counts)])
        return self.names_[0]

    def _rule_probs(self, X: pd.DataFrame) -> np.ndarray:
        """Rule-label distribution per statement (zeros where all abstain)."""
        L, _ = apply_functions(self.cfg_, X)
        if self.label_model_ is not None:
            return self.label_model_.predict(L)[2]
        return majority_vote(self.cfg_, L)[2]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities over classes_: rule votes (or label-model posterior) mapped through the scheme;
        rows with no usable vote put all mass on the fallback. argmax agrees with predict: ties
        are broken by the config's priority."""
        self._check_fitted()
        rule = self._rule_probs(X)
        n, k = len(X), len(self.names_)
        probs = np.zeros((n, k))
        for i, j in enumerate(self.map_):
            if j != ABSTAIN:
                probs[:, j] += rule[:, i]
        total = probs.sum(axis=1)
        fb = self.names_.index(self.fallback_)
        probs[total == 0, fb] = 1.0
        total = probs.sum(axis=1, keepdims=True)
        probs = probs / total
        # deterministic tie-break toward the config's priority, kept tiny so probabilities stay honest
        rank = [self._priority_rank(name) for name in self.names_]
        eps = 1e-9 * (len(rank) - np.array(rank, dtype=float))
        probs = probs + eps[None, :] * (probs == probs.max(axis=1, keepdims=True))
        return probs / probs.sum(axis=1, keepdims=True)

    def _priority_rank(self, name: str) -> int:
        order = []
        for lab in self.cfg_.full_priority:
            mapped = self._map_label(lab)
            if mapped is not None and mapped not in order:
                order.append(mapped)
        return order.index(name) if name in order else len(order)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """One label per row: label names, or integer ids when fit on integer y."""
        self._check_fitted()
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def abstained(self, X: pd.DataFrame) -> np.ndarray:
        """True where the prediction is the fallback because no function gave a usable vote."""
        self._check_fitted()
        rule = self._rule_probs(X)
        usable = self.map_ != ABSTAIN
        return rule[:, usable].sum(axis=1) == 0

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise RuntimeError("RulesClassifier is not fitted; call fit(X, y) first")

