"""Classification metrics computed from confusion matrices, so that bootstrap resamples
(sums of per-article confusion matrices) are cheap.

Conventions (stated here once, used everywhere):
- macro-F1 averages F1 over the labels that occur in the gold or the predicted labels of the
  items scored (scikit-learn's default); a label with no gold and no predicted item is skipped.
- F1 of a label with predictions but no gold items (or the reverse) is 0.
- expected calibration error (ECE) uses the probability given to the *predicted* label as the
  confidence, 10 equal-width bins over [0, 1], weighted by the share of items in each bin.
- SemEval-2016 Task 6: F_avg = (F1(favor) + F1(against)) / 2. `f_avg_pooled` computes both F1s
  over all test items at once (the official figure); `f_avg_macro_targets` computes F_avg
  per target and averages over targets.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def label_indices(values: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Positions of `values` in `labels`; ValueError naming a value that is not a label."""
    index = {lab: i for i, lab in enumerate(labels)}
    try:
        return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    except KeyError as exc:
        raise ValueError(f"label {exc.args[0]!r} is not one of {list(labels)}") from None


def confusion_matrix(gold: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """k x k counts, rows = gold label index, columns = predicted label index."""
    return np.bincount(np.asarray(gold) * k + np.asarray(pred), minlength=k * k).reshape(k, k)


def prf_from_confusion(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-label precision, recall, F1 and support from one confusion matrix (or a stack, ... x k x k)."""
    cm = np.asarray(cm, dtype=float)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    gold = cm.sum(axis=-1)
    pred = cm.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, tp / np.maximum(pred, 1e-300), 0.0)
        recall = np.where(gold > 0, tp / np.maximum(gold, 1e-300), 0.0)
        f1 = np.where(gold + pred > 0, 2 * tp / np.maximum(gold + pred, 1e-300), 0.0)
    return precision, recall, f1, gold


def macro_f1_from_confusion(cm: np.ndarray) -> np.ndarray | float:
    """Macro-F1 of one confusion matrix or of a stack of them (labels absent from gold and
    predictions are skipped)."""
    cm = np.asarray(cm, dtype=float)
    _, _, f1, gold = prf_from_confusion(cm)
    present = (gold + cm.sum(axis=-2)) > 0
    n = present.sum(axis=-1)
    out = np.where(n > 0, (f1 * present).sum(axis=-1) / np.maximum(n, 1), 0.0)
    return float(out) if np.ndim(out) == 0 else out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    """Macro-F1 over `labels` that occur in gold or pred."""
    k = len(labels)
    return float(macro_f1_from_confusion(confusion_matrix(label_indices(gold, labels), label_indices(pred, labels), k)))


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of (share of items) * |accuracy - mean confidence|.
    Bin b holds confidences in (b/n, (b+1)/n]; a confidence of exactly 0 goes to the first bin."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    if len(conf) == 0:
        return float("nan")
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    conf_sum = np.bincount(bins, weights=conf, minlength=n_bins)
    acc_sum = np.bincount(bins, weights=ok, minlength=n_bins)
    return float(np.sum(np.abs(acc_sum - conf_sum)) / len(conf))


def classification_metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str],
                           probs: np.ndarray | None = None) -> dict:
    """Macro-F1, accuracy, per-label precision/recall/F1/support, confusion matrix and (with the
    (n, k) probabilities in `labels` order) expected calibration error."""
    labels = list(labels)
    k = len(labels)
    g, p = label_indices(gold, labels), label_indices(pred, labels)
    cm = confusion_matrix(g, p, k)
    precision, recall, f1, support = prf_from_confusion(cm)
    out = {
        "n": int(len(g)),
        "macro_f1": macro_f1_from_confusion(cm),
        "accuracy": float(np.mean(g == p)) if len(g) else float("nan"),
        "per_class": {lab: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                            "support": int(support[i])} for i, lab in enumerate(labels)},
        "labels": labels,
        "confusion": cm.tolist(),
    }
    if probs is not None and len(g):
        probs = np.asarray(probs, dtype=float)
        confidence = probs[np.arange(len(p)), p]
        out["ece"] = expected_calibration_error(confidence, g == p)
    return out


def semeval_f_avg(gold: Sequence[str], pred: Sequence[str], targets: Sequence[str] | None = None,
                  favor: str = "favor", against: str = "against") -> dict:
    """SemEval-2016 Task 6 F_avg = mean of F1(favor) and F1(against); labels compared case-insensitively.

    Returns {"f_avg_pooled": over all items (official), "f_avg_macro_targets": mean of per-target
    F_avg (None without targets), "per_target": {target: F_avg}}.
    """
    g = np.array([str(v).lower() for v in gold], dtype=object)
    p = np.array([str(v).lower() for v in pred], dtype=object)
    fav, ag = favor.lower(), against.lower()

    def f_avg(mask: np.ndarray) -> float:
        scores = []
        for lab in (fav, ag):
            tp = np.sum((g == lab) & (p == lab) & mask)
            denom = np.sum((g == lab) & mask) + np.sum((p == lab) & mask)
            scores.append(2 * tp / denom if denom else 0.0)
        return float(np.mean(scores))

    everything = np.ones(len(g), dtype=bool)
    out: dict = {"f_avg_pooled": f_avg(everything), "f_avg_macro_targets": None, "per_target": {}}
    if targets is not None:
        t = np.array([str(v) for v in targets], dtype=object)
        per = {str(name): f_avg(t == name) for name in sorted(set(t))}
        out["per_target"] = per
        out["f_avg_macro_targets"] = float(np.mean(list(per.values()))) if per else None
    return out
