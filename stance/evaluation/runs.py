"""Evaluation of trained runs on the held-out test split.

For each run: macro-F1, accuracy, per-label precision/recall/F1, confusion matrix and
expected calibration error, as mean and sample std over seeds; a 95% confidence interval of
the seed-mean macro-F1 by bootstrap over *units* (articles by default: article ids are
resampled with replacement and all their statements come along, because statements of one
article are not independent). For each pair of runs of the same task scored on the same test
statements: the macro-F1 difference with a paired article-bootstrap interval and p-value, and
an approximate-randomisation p-value (each article's predictions are swapped between the two
systems with probability 1/2). With several seeds, the statistic is always the seed-mean;
randomisation pairs seeds by position. Benchmarks with `favor`/`against` labels also get the
SemEval-2016 F_avg (see stance.evaluation.metrics).

Bootstraps work on per-unit confusion matrices: one resample is a weighted sum of them, so
1,000 resamples cost one matrix product.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from stance import atomic, markdown
from stance.errors import InputError
from stance.evaluation.metrics import (
    classification_metrics,
    label_indices,
    macro_f1_from_confusion,
    prf_from_confusion,
    semeval_f_avg,
)
from stance.jsonl import read_jsonl_dicts
from stance.run_folder import require_complete_run

Unit = Literal["article", "group", "statement"]


@dataclass
class RunPredictions:
    """The test predictions of one run: every seed, aligned on the same statements."""

    name: str
    task: str
    model_type: str
    labels: list[str]
    seeds: list[int | None]  # None: a run whose predictions name no seed
    items: pd.DataFrame  # one row per statement: statement_id, article_id, group_id, target, gold
    gold: np.ndarray  # (n,) label index
    pred: np.ndarray  # (seeds, n) label index
    probs: np.ndarray  # (seeds, n, k)


def load_run_predictions(run_dir: str | Path, split: str = "test") -> RunPredictions:
    """Read run.json and every seed's predictions_<split>.jsonl of a run folder."""
    run_dir = Path(run_dir)
    info = require_complete_run(run_dir)
    if not isinstance(info.get("labels"), list):
        raise InputError("run.json has no labels list", path=run_dir / "run.json", field="labels")
    labels = list(info["labels"])
    seed_dirs = sorted((p for p in run_dir.glob("seed_*") if (p / f"predictions_{split}.jsonl").exists()),
                       key=lambda p: int(p.name.split("_", 1)[1]))
    if not seed_dirs:
        raise InputError(f"no seed_*/predictions_{split}.jsonl in the run folder", path=run_dir)
    items: pd.DataFrame | None = None
    preds: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    seeds: list[int | None] = []
    for d in seed_dirs:
        rows = read_jsonl_dicts(d / f"predictions_{split}.jsonl")
        df = pd.DataFrame(rows)
        if df.empty:
            raise InputError("no predictions", path=d / f"predictions_{split}.jsonl")
        df = df.sort_values("statement_id", kind="stable").reset_index(drop=True)
        if items is None:
            items = df[[c for c in ("statement_id", "article_id", "group_id", "target", "gold") if c in df]].copy()
        elif not df["statement_id"].equals(items["statement_id"]):
            raise InputError("seeds were scored on different statements", path=d)
        seeds.append(int(d.name.split("_", 1)[1]))
        preds.append(label_indices(df["pred"].tolist(), labels))
        probs.append(np.array([[p.get(lab, 0.0) for lab in labels] for p in df["probs"]], dtype=float))
    assert items is not None  # seed_dirs is not empty
    return RunPredictions(info.get("name", run_dir.name), info.get("task", ""), info.get("model_type", ""), labels,
                          seeds, items, label_indices(items["gold"].tolist(), labels), np.stack(preds), np.stack(probs))


def unit_column(items: pd.DataFrame, unit: Unit = "article") -> str:
    """The column that defines the resampling units: the article (else the group, else the
    statement itself, when a column is missing or has empty values)."""
    order = {"article": ["article_id", "group_id"], "group": ["group_id", "article_id"], "statement": []}[unit]
    return next((c for c in order if c in items.columns and items[c].notna().all()), "statement_id")


def unit_index(items: pd.DataFrame, unit: Unit = "article") -> np.ndarray:
    """Integer unit of each statement (see `unit_column`)."""
    return np.unique(items[unit_column(items, unit)].astype(str).to_numpy(), return_inverse=True)[1]


def unit_confusions(gold: np.ndarray, pred: np.ndarray, units: np.ndarray, k: int) -> np.ndarray:
    """(n_units, k*k) confusion counts of each unit."""
    n_units = int(units.max()) + 1 if len(units) else 0
    flat = units * (k * k) + gold * k + pred
    return np.bincount(flat, minlength=n_units * k * k).reshape(n_units, k * k).astype(float)


def resample_weights(n_units: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n_units): how often each unit is drawn in each bootstrap resample."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(n_boot, n_units))
    weights = np.zeros((n_boot, n_units))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n_units), draws.ravel()), 1.0)
    return weights


def _seed_mean_f1(weights: np.ndarray, confusions: list[np.ndarray], k: int) -> np.ndarray:
    """Seed-mean macro-F1 for each row of `weights` (one resample per row)."""
    # a stack of confusion matrices gives an array of scores (one per resample)
    scores = [cast(np.ndarray, macro_f1_from_confusion((weights @ cm).reshape(-1, k, k))) for cm in confusions]
    return np.mean(scores, axis=0)


def bootstrap_macro_f1(gold: np.ndarray, preds: np.ndarray, units: np.ndarray, k: int, n_boot: int = 1000,
                       seed: int = 0, level: float = 0.95) -> dict:
    """Point estimate (seed-mean macro-F1) and percentile interval from resampling units.

    `preds` is (seeds, n) or (n,). Pass statement indices as `units` for a statement-level bootstrap.
    """
    preds = np.atleast_2d(preds)
    confusions = [unit_confusions(gold, p, units, k) for p in preds]
    point = float(np.mean([macro_f1_from_confusion(c.sum(axis=0).reshape(k, k)) for c in confusions]))
    samples = _seed_mean_f1(resample_weights(confusions[0].shape[0], n_boot, seed), confusions, k)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(samples, [alpha, 1 - alpha])
    return {"estimate": point, "ci_low": float(lo), "ci_high": float(hi), "level": level, "n_boot": n_boot,
            "n_units": int(confusions[0].shape[0]), "boot_std": float(samples.std(ddof=1))}


def paired_comparison(a: RunPredictions, b: RunPredictions, unit: Unit = "article", n_boot: int = 1000,
                      n_perm: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Macro-F1 of a minus b on the same test statements: paired bootstrap interval and p-value,
    and an approximate-randomisation p-value, both over units."""
    if a.labels != b.labels:
        raise InputError(f"runs {a.name!r} and {b.name!r} have different label sets")
    if not a.items["statement_id"].equals(b.items["statement_id"]) or not np.array_equal(a.gold, b.gold):
        raise InputError(f"runs {a.name!r} and {b.name!r} were not scored on the same test statements")
    k = len(a.labels)
    units = unit_index(a.items, unit)
    conf_a = [unit_confusions(a.gold, p, units, k) for p in a.pred]
    conf_b = [unit_confusions(b.gold, p, units, k) for p in b.pred]
    n_units = conf_a[0].shape[0]
    ones = np.ones((1, n_units))
    observed = float(_seed_mean_f1(ones, conf_a, k)[0] - _seed_mean_f1(ones, conf_b, k)[0])
    w = resample_weights(n_units, n_boot, seed)
    diffs = _seed_mean_f1(w, conf_a, k) - _seed_mean_f1(w, conf_b, k)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(diffs, [alpha, 1 - alpha])
    # two-sided p from the bootstrap distribution: how often the difference lands on the other side
    # of 0, counted as (1 + count) / (1 + resamples) so that it is never 0 (at least 2 / (n_boot + 1))
    crossings = min(int(np.sum(diffs <= 0)), int(np.sum(diffs >= 0)))
    p_boot = float(min(1.0, 2 * (1 + crossings) / (n_boot + 1)))
    # approximate randomisation: swap each unit's predictions (all seeds, paired by position)
    m = min(len(conf_a), len(conf_b))
    swap = np.random.default_rng(seed + 1).integers(0, 2, size=(n_perm, n_units)).astype(float)
    stats = np.zeros(n_perm)
    for i in range(m):
        delta = conf_b[i] - conf_a[i]
        cm_a = conf_a[i].sum(axis=0) + swap @ delta
        cm_b = conf_b[i].sum(axis=0) - swap @ delta
        stats += (macro_f1_from_confusion(cm_a.reshape(-1, k, k)) - macro_f1_from_confusion(cm_b.reshape(-1, k, k))) / m
    obs_paired = float(np.mean([macro_f1_from_confusion(conf_a[i].sum(0).reshape(k, k))
                                - macro_f1_from_confusion(conf_b[i].sum(0).reshape(k, k)) for i in range(m)]))
    p_perm = float((1 + np.sum(np.abs(stats) >= abs(obs_paired) - 1e-12)) / (n_perm + 1))
    return {"task": a.task, "a": a.name, "b": b.name, "diff_macro_f1": observed, "ci_low": float(lo),
            "ci_high": float(hi), "level": level, "p_bootstrap": p_boot, "p_randomization": p_perm,
            "n_boot": n_boot, "n_perm": n_perm, "unit": unit, "n_units": n_units, "n_items": int(len(a.gold)),
            "seeds_paired_for_randomization": m}


def _mean_std(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
            "values": [float(v) for v in arr]}


def run_summary(r: RunPredictions, unit: Unit = "article", n_boot: int = 1000, seed: int = 0) -> dict:
    """Metrics of one run on its test predictions: seed mean/std, bootstrap interval, SemEval F_avg."""
    k = len(r.labels)
    gold_names = [r.labels[i] for i in r.gold]
    per_seed = [classification_metrics(gold_names, [r.labels[i] for i in p], r.labels, pr)
                for p, pr in zip(r.pred, r.probs)]
    units = unit_index(r.items, unit)
    out = {
        "task": r.task, "model_type": r.model_type, "labels": r.labels, "seeds": r.seeds,
        "n_items": int(len(r.gold)), "n_units": int(units.max() + 1) if len(units) else 0, "unit": unit,
        "unit_column": unit_column(r.items, unit),
        "macro_f1": _mean_std([m["macro_f1"] for m in per_seed]),
        "accuracy": _mean_std([m["accuracy"] for m in per_seed]),
        "ece": _mean_std([m.get("ece", float("nan")) for m in per_seed]),
        "per_class": {lab: {key: _mean_std([m["per_class"][lab][key] for m in per_seed])["mean"]
                            for key in ("precision", "recall", "f1")} | {"support": per_seed[0]["per_class"][lab]["support"]}
                      for lab in r.labels},
        "confusion_sum_over_seeds": np.sum([m["confusion"] for m in per_seed], axis=0).tolist(),
    }
    boot = bootstrap_macro_f1(r.gold, r.pred, units, k, n_boot, seed)
    out["macro_f1"]["ci_low"], out["macro_f1"]["ci_high"] = boot["ci_low"], boot["ci_high"]
    lower = [lab.lower() for lab in r.labels]
    if "favor" in lower and "against" in lower:
        targets = r.items["target"].tolist() if "target" in r.items else None
        sem = [semeval_f_avg(gold_names, [r.labels[i] for i in p], targets) for p in r.pred]
        fav, ag = lower.index("favor"), lower.index("against")
        confusions = [unit_confusions(r.gold, p, units, k) for p in r.pred]
        w = resample_weights(confusions[0].shape[0], n_boot, seed)
        boot_f = np.mean([prf_from_confusion((w @ c).reshape(-1, k, k))[2][:, [fav, ag]].mean(axis=1)
                          for c in confusions], axis=0)
        out["semeval"] = {
            "f_avg_pooled": {**_mean_std([s["f_avg_pooled"] for s in sem]),
                             "ci_low": float(np.quantile(boot_f, 0.025)), "ci_high": float(np.quantile(boot_f, 0.975))},
            "f_avg_macro_targets": _mean_std([s["f_avg_macro_targets"] for s in sem])
            if targets is not None else None,
        }
    return out


def evaluate_runs(run_dirs: Sequence[str | Path], out_dir: str | Path, unit: Unit = "article", n_boot: int = 1000,
                  n_perm: int = 1000, seed: int = 0) -> dict:
    """Evaluate runs on their test predictions; write evaluation.json and evaluation.md into out_dir."""
    runs = [load_run_predictions(d) for d in run_dirs]
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise InputError(f"two runs share a name: {names}")
    result: dict[str, Any] = {
        "settings": {"split": "test", "unit": unit, "n_boot": n_boot, "n_perm": n_perm, "seed": seed,
                     "ci_level": 0.95, "run_dirs": [str(d) for d in run_dirs]},
        "runs": {r.name: run_summary(r, unit, n_boot, seed) for r in runs}, "paired": [], "not_paired": []}
    for a, b in itertools.combinations(runs, 2):
        if a.task != b.task:
            continue
        try:
            result["paired"].append(paired_comparison(a, b, unit, n_boot, n_perm, seed))
        except InputError as exc:
            result["not_paired"].append({"a": a.name, "b": b.name, "reason": exc.reason})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out_dir / "evaluation.json", json.dumps(result, indent=2) + "\n")
    atomic.write_text(out_dir / "evaluation.md", markdown_tables(result))
    return result


def _pm(block: dict | None, digits: int = 3) -> str:
    if not block:
        return "-"
    return f"{block['mean']:.{digits}f} ± {block['std']:.{digits}f}"


def markdown_tables(result: dict) -> str:
    """The evaluation as Markdown: one table of runs per task, then the paired comparisons."""
    s = result["settings"]
    lines = ["# Evaluation on the held-out test split", "",
             f"Mean ± sample std over seeds; 95% CI by bootstrap over {s['unit']}s ({s['n_boot']} resamples, "
             f"seed {s['seed']}) of the seed-mean macro-F1. ECE: 10 equal-width bins, confidence of the predicted label.",
             ""]
    tasks = sorted({r["task"] for r in result["runs"].values()})
    for task in tasks:
        runs = {n: r for n, r in result["runs"].items() if r["task"] == task}
        labels = next(iter(runs.values()))["labels"]
        rows = [[name, r["model_type"], len(r["seeds"]), f"{r['n_items']} ({r['n_units']})", _pm(r["macro_f1"]),
                 f"[{r['macro_f1']['ci_low']:.3f}, {r['macro_f1']['ci_high']:.3f}]", _pm(r["accuracy"]), _pm(r["ece"]),
                 *(f"{r['per_class'][lab]['f1']:.3f}" for lab in labels)]
                for name, r in sorted(runs.items(), key=lambda kv: -kv[1]["macro_f1"]["mean"])]
        lines += [f"## {task}", "", markdown.table(["run", "model", "seeds", "test n (units)", "macro-F1", "95% CI",
                                                    "accuracy", "ECE", *(f"F1 {lab}" for lab in labels)], rows)]
        columns = sorted({r.get("unit_column", "") for r in runs.values()} - {"", f"{s['unit']}_id"})
        if columns:
            lines += ["", f"Resampling units: {', '.join(columns)} (the test statements have no complete "
                          f"{s['unit']}_id column)."]
        sem = {n: r["semeval"] for n, r in runs.items() if r.get("semeval")}
        if sem:
            lines += ["", markdown.table(
                ["run", "F_avg pooled (official)", "95% CI", "F_avg macro over targets"],
                [[name, _pm(v["f_avg_pooled"]), f"[{v['f_avg_pooled']['ci_low']:.3f}, {v['f_avg_pooled']['ci_high']:.3f}]",
                  _pm(v["f_avg_macro_targets"])] for name, v in sem.items()])]
        pairs = [p for p in result["paired"] if p["task"] == task]
        if pairs:
            lines += ["", f"Paired comparisons (difference a − b of seed-mean macro-F1; {s['unit']}-level "
                          f"bootstrap and approximate randomisation, {s['n_perm']} permutations):", "",
                      markdown.table(["a", "b", "Δ macro-F1", "95% CI", "p (bootstrap)", "p (randomisation)"],
                                     [[p["a"], p["b"], f"{p['diff_macro_f1']:+.3f}",
                                       f"[{p['ci_low']:+.3f}, {p['ci_high']:+.3f}]", f"{p['p_bootstrap']:.3f}",
                                       f"{p['p_randomization']:.3f}"] for p in pairs])]
        lines.append("")
    for np_ in result.get("not_paired", []):
        lines.append(f"- not compared: {np_['a']} vs {np_['b']}: {np_['reason']}")
    return "\n".join(lines) + "\n"
