"""Evaluation under distribution shift: later events and unseen actors.

The random article-grouped split (train/dev/test) says how well a model does on more articles
like the ones it was trained on. A researcher who applies it to next year's news, or to a
speaker it never saw, needs two more numbers:

temporal      every labeled row of train + dev + test pooled; train (with a dev set for early
              stopping: the latest training groups, or a random group sample) on statements dated
              up to a cut-off, test on the later ones. The cut-off is a date or a quantile of the
              gold rows' dates (0.8: the latest 20% are the test period). A group (`group_id`:
              article, near-duplicate cluster, shared quote) never lies on both sides: a group with
              statements on both sides of the cut-off is dropped, or put wholly on one side
              (`straddling`), and counted.
actor         leave-actor-out: each actor with at least `min_statements` gold rows (or the listed
              `actors`) is held out in turn, or the held-out actors are dealt into `folds` folds. The
              model for a fold trains on the other actors' rows minus every group that holds a row of
              a held-out actor (no leak through shared articles), and predicts the held-out actors'
              gold rows. Reported per held-out actor and pooled over all held-out rows.

Rows whose label source is not gold (weak labels) may train but are never scored. Both schemes
are compared with the random split trained with the same model and seed (taken from an existing
run folder of the same data and settings when there is one). Intervals: 95% bootstrap over
articles (stance.evaluation.runs); the gap's interval resamples the two test sets independently.

A model config with a `sweep` chooses its settings inside each split: on the random split's dev
for the random scores, and for every temporal split and actor fold on that split's own training
and dev rows (never on the rows it tests on: the random split's dev shares statements with the
temporal and held-out-actor test sets). The chosen point of each split is in its metrics.json
(`swept`) and every sweep table in `<scheme>/sweeps.json`.

`shift_eval(cfg, settings)` writes <run_dir>/shift/:
    random/, temporal/, actor/   predictions.jsonl (records as train.prediction_records, gold rows
                                 only) and metrics.json (evaluation.run_summary and the split's counts)
    temporal/split.json, actor/folds.json   which statements trained, early-stopped and were tested
    temporal/sweeps.json, actor/sweeps.json   the sweep table of each split (configs with a sweep)
    summary.json                 the three scores, the gaps with intervals, and one sentence
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from stance.config import StrictModel
from stance.errors import InputError

if TYPE_CHECKING:
    from stance.evaluation.runs import Unit

SCHEMES = ("random", "temporal", "actor")
GOLD = "gold"


# ----------------------------------------------------------------------------- settings

class TemporalSettings(StrictModel):
    """Train on statements up to a cut-off date, test on the later ones."""

    cutoff: float | dt.date = Field(default=0.8, description="a date (YYYY-MM-DD: statements on or before it "
                                                             "train), or a quantile in (0, 1) of the gold rows' dates")
    straddling: Literal["drop", "train", "test"] = Field(
        default="drop", description="a group with statements on both sides of the cut-off is dropped, or put wholly "
                                    "on the training or the test side")
    dev: Literal["latest", "random"] = Field(default="latest", description="early-stopping rows: the latest "
                                                                           "training groups, or a random sample "
                                                                           "of them")
    dev_fraction: float = Field(default=0.1, ge=0, lt=1,
                                description="share of the training period's groups used as dev")

    @field_validator("cutoff")
    @classmethod
    def _quantile(cls, v):
        if isinstance(v, float) and not 0 < v < 1:
            raise ValueError("a numeric cutoff is a quantile and must lie in (0, 1)")
        return v


class ActorSettings(StrictModel):
    """Hold out whole actors: train without their statements and without the groups that quote them."""

    min_statements: int = Field(default=20, ge=1,
                                description="actors with at least this many gold statements are held out")
    actors: list[str] = Field(default_factory=list, description="actor ids to hold out instead (empty = by "
                                                                "min_statements)")
    folds: int | None = Field(default=None, ge=2, description="deal the held-out actors into this many folds (one "
                                                              "model per fold); null = one model per actor")
    dev_fraction: float = Field(default=0.1, ge=0, lt=1, description="share of the training groups used as dev")


class ShiftSettings(StrictModel):
    """Evaluation under shift: a temporal split and leave-actor-out, against the random split."""

    temporal: TemporalSettings | None = Field(default_factory=TemporalSettings, description="null = skip")
    actor: ActorSettings | None = Field(default_factory=ActorSettings, description="null = skip")
    seeds: list[int] = Field(default_factory=lambda: [1], min_length=1, description="model seeds (one is usual)")
    n_boot: int = Field(default=1000, ge=100, description="bootstrap resamples over articles")
    boot_seed: int = Field(default=0, description="seed of the bootstrap resampling")


# ----------------------------------------------------------------------------- rows and splits

@dataclass
class PooledRows:
    """Every labeled row of train + dev + test, with what each row may be used for."""

    rows: pd.DataFrame
    labels: list[str]
    groups: np.ndarray
    trainable: np.ndarray  # label source in train_sources
    scored: np.ndarray  # gold label (never weak)
    fingerprint: str


def pooled_rows(cfg) -> PooledRows:
    """All rows of the task with a known label from a training or an evaluation source."""
    from stance.training.train import SPLITS, group_column, load_task_data

    sources = sorted(set(cfg.data.eval_sources) | set(cfg.data.train_sources))
    data = load_task_data(cfg.data.model_copy(update={"train_sources": sources, "eval_sources": sources}))
    rows = pd.concat([data.splits[s] for s in SPLITS], ignore_index=True)
    trainable = rows["label_source"].isin(cfg.data.train_sources).to_numpy()
    scored = (rows["label_source"] == GOLD).to_numpy()
    return PooledRows(rows, data.labels, group_column(rows), trainable, scored, data.fingerprint)


@dataclass
class Split:
    """Boolean masks over the pooled rows: train, dev (early stopping) and test (scored)."""

    train: np.ndarray
    dev: np.ndarray
    test: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def _dates(rows: pd.DataFrame) -> pd.Series:
    if "date" not in rows.columns:
        return pd.Series(pd.NaT, index=rows.index)
    return pd.to_datetime(rows["date"].astype("object"), errors="coerce").dt.normalize()


def resolve_cutoff(dates: pd.Series, scored: np.ndarray, cutoff: float | dt.date) -> pd.Timestamp:
    """The cut-off as a date: itself, or the `cutoff` quantile of the scored rows' dates (a date that occurs)."""
    if isinstance(cutoff, float):
        known = dates[scored & dates.notna().to_numpy()]
        if known.empty:
            raise InputError("no gold rows with a date: a temporal split needs dates", field="date")
        return pd.Timestamp(np.sort(known.to_numpy())[max(0, math.ceil(cutoff * len(known)) - 1)])
    return pd.Timestamp(cutoff)


def _latest_groups(groups: np.ndarray, dates: pd.Series, mask: np.ndarray, fraction: float) -> set[str]:
    """The groups (among rows in `mask`) with the latest last dates, ceil(fraction * n) of them (not all)."""
    if fraction <= 0 or not mask.any():
        return set()
    last = pd.DataFrame({"g": groups[mask], "d": dates[mask].to_numpy()}).groupby("g")["d"].max()
    n = min(math.ceil(fraction * len(last)), len(last) - 1)
    if n <= 0:
        return set()
    order = last.reset_index().sort_values(["d", "g"], kind="stable")
    return set(order["g"].iloc[-n:].tolist())


def _sampled_groups(groups: np.ndarray, mask: np.ndarray, fraction: float, seed: int) -> set[str]:
    """A seeded random ceil(fraction * n) of the groups among rows in `mask` (not all of them)."""
    from stance.training.train import nested_group_sample

    if fraction <= 0 or not mask.any():
        return set()
    unique = sorted(set(groups[mask].tolist()))
    if len(unique) < 2:
        return set()
    chosen = nested_group_sample(np.array(unique), fraction, seed)
    if chosen.all():
        chosen[np.flatnonzero(chosen)[-1]] = False
    return set(np.array(unique)[chosen].tolist())


def temporal_split(pool: PooledRows, settings: TemporalSettings, seed: int = 1) -> Split:
    """Train on rows dated up to the cut-off, test on the gold rows after it; no group on both sides."""
    rows, groups = pool.rows, pool.groups
    dates = _dates(rows)
    dated = dates.notna().to_numpy()
    cutoff = resolve_cutoff(dates, pool.scored, settings.cutoff)
    before = dated & (dates <= cutoff).to_numpy()
    after = dated & (dates > cutoff).to_numpy()
    frame = pd.DataFrame({"g": groups, "before": before, "after": after})
    sides = frame.groupby("g")[["before", "after"]].any()
    straddling = set(sides.index[sides["before"] & sides["after"]].tolist())
    in_straddling = np.fromiter((g in straddling for g in groups), dtype=bool, count=len(groups))
    policy = settings.straddling
    train_side = dated & ((before & ~in_straddling) | (in_straddling & (policy == "train")))
    test_side = dated & ((after & ~in_straddling) | (in_straddling & (policy == "test")))
    candidates = train_side & pool.trainable
    if settings.dev == "latest":
        dev_groups = _latest_groups(groups, dates, candidates, settings.dev_fraction)
    else:
        dev_groups = _sampled_groups(groups, candidates, settings.dev_fraction, seed + 3000)
    in_dev = np.fromiter((g in dev_groups for g in groups), dtype=bool, count=len(groups))
    train = candidates & ~in_dev
    dev = train_side & in_dev & pool.scored
    test = test_side & pool.scored
    if not train.any():
        raise InputError(f"the temporal split leaves no training rows on or before {cutoff.date()}; "
                         "choose a later cut-off", field="temporal.cutoff")
    if not test.any():
        raise InputError(f"the temporal split leaves no gold rows after {cutoff.date()}; choose an earlier cut-off",
                         field="temporal.cutoff")

    def span(mask: np.ndarray) -> list[str | None]:
        d = dates[mask]
        return [d.min().date().isoformat(), d.max().date().isoformat()] if len(d) else [None, None]

    info = {
        "cutoff": cutoff.date().isoformat(), "cutoff_setting": str(settings.cutoff), "straddling": policy,
        "dev": settings.dev, "dev_fraction": settings.dev_fraction,
        "rows_pooled": int(len(rows)), "gold_rows_pooled": int(pool.scored.sum()),
        "undated_rows_dropped": int((~dated).sum()),
        "straddling_groups": len(straddling), "straddling_rows": int(in_straddling.sum()),
        "straddling_rows_dropped": int(in_straddling.sum()) if policy == "drop" else 0,
        "test_period_non_gold_rows_dropped": int((test_side & ~pool.scored).sum()),
        "n_train": int(train.sum()), "n_train_gold": int((train & pool.scored).sum()),
        "n_dev": int(dev.sum()), "n_test": int(test.sum()),
        "n_train_groups": len(set(groups[train].tolist())), "n_test_groups": len(set(groups[test].tolist())),
        "train_dates": span(train | dev), "test_dates": span(test),
    }
    return Split(train, dev, test, info)


@dataclass
class ActorFold:
    """One leave-actor-out fold: the actors held out and the masks of its model."""

    index: int
    actors: list[str]
    split: Split


def held_out_actors(pool: PooledRows, settings: ActorSettings) -> list[str]:
    """The actors to hold out: the listed ones, else those with >= min_statements gold rows (most first)."""
    actor = pool.rows["actor_id"] if "actor_id" in pool.rows.columns else pd.Series([None] * len(pool.rows))
    counts = actor[pool.scored].dropna().astype(str).value_counts()
    if settings.actors:
        missing = [a for a in settings.actors if a not in counts.index]
        if missing:
            raise InputError(f"actors without gold statements in the data: {', '.join(missing)}",
                             field="actor.actors")
        return list(dict.fromkeys(settings.actors))
    chosen = sorted((a for a, n in counts.items() if n >= settings.min_statements), key=lambda a: (-counts[a], a))
    if not chosen:
        raise InputError(f"no actor has {settings.min_statements} or more gold statements; lower "
                         "actor.min_statements", field="actor.min_statements")
    return chosen


def actor_fold_of(actors: list[str], sizes: dict[str, int], folds: int | None, seed: int) -> dict[str, int]:
    """Fold of each actor: one per actor, or `folds` folds (actors shuffled by `seed`, dealt largest
    first to the fold with the fewest rows so far)."""
    if folds is None or folds >= len(actors):
        return {a: i for i, a in enumerate(actors)}
    order = [actors[i] for i in np.random.default_rng(seed).permutation(len(actors))]
    order.sort(key=lambda a: -sizes[a])
    load = np.zeros(folds, dtype=int)
    out = {}
    for a in order:
        f = int(np.argmin(load))
        out[a] = f
        load[f] += sizes[a]
    return out


def actor_splits(pool: PooledRows, settings: ActorSettings, seed: int = 1) -> list[ActorFold]:
    """Leave-actor-out folds. Training rows: trainable rows whose group holds no row (of any label
    source) of a held-out actor; test rows: the held-out actors' gold rows."""
    rows, groups = pool.rows, pool.groups
    actor = (rows["actor_id"].astype("object").where(rows["actor_id"].notna(), None).to_numpy()
             if "actor_id" in rows.columns else np.full(len(rows), None, dtype=object))
    actors = held_out_actors(pool, settings)
    sizes = {a: int(((actor == a) & pool.scored).sum()) for a in actors}
    fold_of = actor_fold_of(actors, sizes, settings.folds, seed)
    out = []
    for f in sorted(set(fold_of.values())):
        held = [a for a in actors if fold_of[a] == f]
        held_set = set(held)
        of_held = np.fromiter((a in held_set for a in actor), dtype=bool, count=len(actor))
        leak_groups = set(groups[of_held].tolist())
        in_leak = np.fromiter((g in leak_groups for g in groups), dtype=bool, count=len(groups))
        candidates = pool.trainable & ~in_leak
        dev_groups = _sampled_groups(groups, candidates, settings.dev_fraction, seed + 2000 + f)
        in_dev = np.fromiter((g in dev_groups for g in groups), dtype=bool, count=len(groups))
        train, dev, test = candidates & ~in_dev, candidates & in_dev & pool.scored, of_held & pool.scored
        if not train.any():
            raise InputError(f"holding out {', '.join(held)} leaves no training rows", field="actor")
        info = {"fold": f, "actors": held, "n_train": int(train.sum()),
                "n_train_gold": int((train & pool.scored).sum()), "n_dev": int(dev.sum()), "n_test": int(test.sum()),
                "n_test_by_actor": {a: int(((actor == a) & test).sum()) for a in held},
                "groups_removed": len(leak_groups),
                "other_rows_removed_with_their_groups": int((in_leak & ~of_held & pool.trainable).sum()),
                "n_train_groups": len(set(groups[train].tolist()))}
        out.append(ActorFold(f, held, Split(train, dev, test, info)))
    return out


# ----------------------------------------------------------------------------- training and scoring

def split_sweep(cfg, rows: pd.DataFrame, split: Split, labels: list[str], fingerprint: str):
    """`cfg` with the params its sweep chooses on `split`'s own training and dev rows, the sweep
    table, and the sweep's fit of the chosen point (`training.sweep.SweptFit`, the config's first
    seed; None when not kept); (`cfg`, None, None) when it has no sweep. The split's test rows take
    no part."""
    import hashlib

    from stance.training.sweep import run_sweep_fitted
    from stance.training.train import TaskData

    if getattr(cfg, "sweep", None) is None:
        return cfg, None, None
    h = hashlib.sha256(fingerprint.encode("utf-8"))
    for mask in (split.train, split.dev):
        h.update(b"\1" + "\0".join(map(str, rows["statement_id"][mask])).encode("utf-8"))
    data = TaskData({"train": rows[split.train], "dev": rows[split.dev]}, labels, cfg.data.task,
                    fingerprint=h.hexdigest())
    out = cfg.model_copy(deep=True)
    out.model.params, table, swept = run_sweep_fitted(cfg, data, log=lambda *_: None)
    return out, table, swept


def _swept_note(table: dict | None, **where) -> dict | None:
    """What one split's sweep chose, for metrics.json."""
    if table is None:
        return None
    return {**where, "point": table["best"]["point"], table["select_on"] + "_macro_f1": table["best"]["macro_f1"]}


def _fit_predict(cfg, seed: int, rows: pd.DataFrame, split: Split, labels: list[str], swept=None):
    """Train cfg's model with `seed` on split.train (early stopping on split.dev); predict split.test.
    `swept`: the sweep's fit of these params with this seed on these rows (then nothing is trained)."""
    from stance.training.train import _align, fit_seeded

    tr, dv, te = rows[split.train], rows[split.dev], rows[split.test]
    model, seconds = (swept.model, swept.seconds) if swept is not None else fit_seeded(cfg, seed, tr, dv)
    pred, raw = model.predict_with_proba(te)
    probs = _align(raw, [str(c) for c in model.classes_], labels)
    return te.reset_index(drop=True), probs, pred, seconds


def _split_predictions(task: tuple) -> tuple:
    """One split of the shift evaluation: its sweep (when the config has one), the fit with `seed`
    and the test predictions; (test rows, probabilities, labels, seconds, sweep table). One task of
    `stance.parallel.map_jobs`."""
    base_cfg, rows, split, labels, fingerprint, seed = task
    split_cfg, table, swept = split_sweep(base_cfg, rows, split, labels, fingerprint)
    if seed != base_cfg.seeds[0]:
        swept = None  # the sweep fitted with the config's first seed
    te, probs, pred, seconds = _fit_predict(split_cfg, seed, rows, split, labels, swept)
    return te, probs, pred, seconds, table


def _all_split_predictions(base_cfg, pool: PooledRows, splits: list[tuple[Split, int]]) -> list[tuple]:
    """`_split_predictions` of every (split, seed), side by side when the model fits on one core."""
    from stance.parallel import fit_jobs, map_jobs
    from stance.training.sweep import grid_points, point_params

    sweep = getattr(base_cfg, "sweep", None)
    points = [point_params(base_cfg.model.type, base_cfg.model.params, p) for p in grid_points(sweep)] \
        if sweep is not None else [base_cfg.model.params]
    jobs = fit_jobs(base_cfg.model.type, points, pool.rows, len(splits))
    return map_jobs(_split_predictions, [(base_cfg, pool.rows, split, pool.labels, pool.fingerprint, seed)
                                         for split, seed in splits], jobs)


def run_predictions(records: list[dict], labels: list[str], name: str, task: str, model_type: str):
    """An evaluation.RunPredictions from prediction records (every seed on the same statements)."""
    from stance.evaluation.metrics import label_indices
    from stance.evaluation.runs import RunPredictions

    df = pd.DataFrame(records)
    if df.empty:
        raise InputError(f"{name}: no predictions to score")
    items: pd.DataFrame | None = None
    preds: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    seeds: list[int | None] = []
    for seed, part in df.groupby("seed", sort=True, dropna=False):
        part = part.sort_values("statement_id", kind="stable").reset_index(drop=True)
        if items is None:
            items = part[[c for c in ("statement_id", "article_id", "group_id", "actor_id", "target", "gold")
                          if c in part]].copy()
        elif not part["statement_id"].equals(items["statement_id"]):
            raise InputError(f"{name}: seeds were scored on different statements")
        seeds.append(None if pd.isna(seed) else int(seed))
        preds.append(label_indices(part["pred"].tolist(), labels))
        probs.append(np.array([[p.get(lab, 0.0) for lab in labels] for p in part["probs"]], dtype=float))
    assert items is not None  # df is not empty
    return RunPredictions(name, task, model_type, labels, seeds, items, label_indices(items["gold"].tolist(), labels),
                          np.stack(preds), np.stack(probs))


def load_shift_predictions(scheme_dir: str | Path):
    """The RunPredictions of one scheme folder (<run_dir>/shift/<scheme>) written by `shift_eval`."""
    from stance.jsonl import read_jsonl_dicts

    scheme_dir = Path(scheme_dir)
    meta = json.loads((scheme_dir / "metrics.json").read_text(encoding="utf-8"))
    records = read_jsonl_dicts(scheme_dir / "predictions.jsonl")
    return run_predictions(records, meta["labels"], meta["name"], meta["task"], meta["model_type"])


def boot_samples(rp, unit: Unit, n_boot: int, seed: int) -> np.ndarray:
    """The bootstrap distribution of the seed-mean macro-F1 over units, exactly as
    evaluation.bootstrap_macro_f1 draws it for the same `seed`."""
    from stance.evaluation.runs import _seed_mean_f1, resample_weights, unit_confusions, unit_index

    k = len(rp.labels)
    units = unit_index(rp.items, unit)
    confusions = [unit_confusions(rp.gold, p, units, k) for p in rp.pred]
    return _seed_mean_f1(resample_weights(confusions[0].shape[0], n_boot, seed), confusions, k)


def _per_actor(rp, unit: Unit, n_boot: int, seed: int) -> dict[str, dict]:
    """Macro-F1 (seed mean) with its bootstrap interval, and accuracy, for each actor's rows of `rp`.
    Macro-F1 is not an average over actors: one actor's score, over labels with a few statements
    each, is usually below the pooled one."""
    from stance.evaluation.runs import bootstrap_macro_f1, unit_index

    out = {}
    actors = rp.items["actor_id"].astype(str).to_numpy()
    for a in sorted(set(actors.tolist())):
        mask = actors == a
        sub = rp.items[mask].reset_index(drop=True)
        boot = bootstrap_macro_f1(rp.gold[mask], rp.pred[:, mask], unit_index(sub, unit), len(rp.labels), n_boot, seed)
        out[a] = {"n": int(mask.sum()), "macro_f1": boot["estimate"], "ci_low": boot["ci_low"],
                  "ci_high": boot["ci_high"], "n_units": boot["n_units"],
                  "accuracy": float(np.mean(rp.pred[:, mask] == rp.gold[mask]))}
    return out


def _write_scheme(out_dir: Path, scheme: str, records: list[dict], cfg, labels: list[str], settings: ShiftSettings,
                  offset: int, extra: dict) -> tuple[dict, np.ndarray]:
    """predictions.jsonl and metrics.json of one scheme; returns (metrics, bootstrap samples)."""
    from stance.evaluation.runs import run_summary
    from stance.jsonl import write_jsonl
    from stance.training.train import _json

    records = [r for r in records if r.get("label_source") == GOLD]
    write_jsonl(out_dir / "predictions.jsonl", records)
    rp = run_predictions(records, labels, cfg.name, cfg.data.task, cfg.model.type)
    seed = settings.boot_seed + offset
    summary = run_summary(rp, "article", settings.n_boot, seed)
    samples = boot_samples(rp, "article", settings.n_boot, seed)
    metrics = {"scheme": scheme, "name": cfg.name, "task": cfg.data.task, "model_type": cfg.model.type,
               "labels": labels, "seeds": rp.seeds, "scored_on": "gold rows", "boot_seed": seed, **extra,
               "metrics": summary}
    if scheme == "actor":
        metrics["per_actor"] = _per_actor(rp, "article", settings.n_boot, seed)
    _json(out_dir / "metrics.json", metrics)
    return metrics, samples


def _random_records(cfg, pool: PooledRows, seed: int, full_run: Path | None) -> tuple[list[dict], dict]:
    """Test predictions of the random split for `seed`: from `full_run` when it is a run folder of the
    same data and settings that holds that seed, else from a model trained here as `train_run` does."""
    from stance.jsonl import read_jsonl_dicts
    from stance.training.train import full_run_metrics, prediction_records

    reuse = full_run_metrics(cfg, full_run, pool.fingerprint)
    path = Path(full_run) / f"seed_{seed}" / "predictions_test.jsonl" if full_run is not None else None
    if seed in reuse and path is not None and path.exists():
        return read_jsonl_dicts(path), {"n_train": reuse[seed].get("n_train"), "reused_from": str(full_run)}
    split_of = pool.rows["split"].to_numpy()
    eval_ok = pool.rows["label_source"].isin(cfg.data.eval_sources).to_numpy()
    split = Split(train=(split_of == "train") & pool.trainable, dev=(split_of == "dev") & eval_ok,
                  test=(split_of == "test") & eval_ok)
    te, probs, pred, seconds = _fit_predict(cfg, seed, pool.rows, split, pool.labels)
    return prediction_records(te, pool.labels, probs, pred, seed, "test"), {
        "n_train": int(split.train.sum()), "train_seconds": round(seconds, 3)}


def _gap(shift: np.ndarray, base: np.ndarray, point: float) -> dict:
    diffs = shift - base
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return {"diff_macro_f1": point, "ci_low": float(lo), "ci_high": float(hi), "level": 0.95,
            "method": "independent article bootstraps of the two test sets"}


def gap_sentence(model: str, gaps: dict[str, dict]) -> str:
    """One sentence stating the gaps in words, e.g. 'tfidf_svm loses 0.08 macro-F1 on later events
    (95% CI of the change -0.15 to -0.01) and 0.12 on unseen actors (...)'."""
    where = {"temporal": "on later events", "actor": "on unseen actors"}
    parts = []
    for i, scheme in enumerate(s for s in ("temporal", "actor") if s in gaps):
        g = gaps[scheme]
        d = g["diff_macro_f1"]
        unit = " macro-F1" if i == 0 else ""
        ci = f"95% CI of the change {g['ci_low']:+.2f} to {g['ci_high']:+.2f}"
        if round(abs(d), 2) == 0:
            parts.append(f"keeps its{unit} score {where[scheme]} ({ci})")
        else:
            parts.append(f"{'loses' if d < 0 else 'gains'} {abs(d):.2f}{unit} {where[scheme]} ({ci})")
    if not parts:
        return ""
    if len(parts) == 2 and parts[0].split()[0] == parts[1].split()[0]:
        parts[1] = parts[1].split(" ", 1)[1]  # "loses a ... and b ..." rather than "loses a ... and loses b ..."
    return f"{model} " + " and ".join(parts) + " compared with the random article split."


def shift_eval(cfg, settings: ShiftSettings | None = None, full_run: str | Path | None = None,
               log=print) -> dict:
    """Random, temporal and leave-actor-out scores of `cfg`'s model; writes <run_dir>/shift/ and
    returns summary.json's content. `full_run`: a run folder whose seeds' test predictions stand
    for the random split when its data and settings match (see train.full_run_metrics)."""
    from stance.training.train import _json, load_task_data, prediction_records, resolve_config, with_swept_params

    settings = settings or ShiftSettings()
    base_cfg = resolve_config(cfg)
    # the random split trains with the params its sweep chose on the random split's dev (as
    # learning_curve and crossfit_predict do); the temporal and actor splits sweep on their own rows
    cfg = base_cfg
    if getattr(base_cfg, "sweep", None) is not None:
        cfg = with_swept_params(base_cfg, load_task_data(base_cfg.data), log, full_run)
    pool = pooled_rows(cfg)
    rows, labels = pool.rows, pool.labels
    out = cfg.run_dir / "shift"
    full_run = Path(full_run) if full_run is not None else None
    summary: dict[str, Any] = {
        "name": cfg.name, "task": cfg.data.task, "model_type": cfg.model.type, "seeds": settings.seeds,
        "unit": "article", "n_boot": settings.n_boot, "settings": settings.model_dump(mode="json"),
        "data_fingerprint": pool.fingerprint, "scored_on": "gold rows"}
    samples: dict[str, np.ndarray] = {}

    def keep(scheme: str, metrics: dict, boot: np.ndarray, extra: dict) -> None:
        m = metrics["metrics"]
        summary[scheme] = {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"], "ece": m["ece"],
                           "n_items": m["n_items"], "n_units": m["n_units"], **extra}
        samples[scheme] = boot

    # random article-grouped split (the project's train/dev/test)
    records, extras = [], []
    for seed in settings.seeds:
        recs, extra = _random_records(cfg, pool, seed, full_run)
        records += recs
        extras.append(extra)
    extra = {"n_train": extras[0].get("n_train")}
    if all("reused_from" in e for e in extras):
        extra["reused_from"] = extras[0]["reused_from"]
    metrics, boot = _write_scheme(out / "random", "random", records, cfg, labels, settings, 0, extra)
    keep("random", metrics, boot, extra)
    log(f"{cfg.name} shift: random split macro-F1 {metrics['metrics']['macro_f1']['mean']:.3f}"
        + (" (from the full run)" if "reused_from" in extra else ""))

    temporal = [(temporal_split(pool, settings.temporal, seed), seed) for seed in settings.seeds] \
        if settings.temporal is not None else []
    actor = [(fold, seed) for seed in settings.seeds for fold in actor_splits(pool, settings.actor, seed)] \
        if settings.actor is not None else []
    done = _all_split_predictions(base_cfg, pool, temporal + [(fold.split, seed) for fold, seed in actor])
    temporal_done, actor_done = done[:len(temporal)], done[len(temporal):]

    if settings.temporal is not None:
        records, splits_info, seconds, sweeps = [], [], 0.0, []
        for (split, seed), (te, probs, pred, took, table) in zip(temporal, temporal_done):
            if table is not None:
                sweeps.append({"seed": seed, **table})
            seconds += took
            records += prediction_records(te, labels, probs, pred, seed, "temporal")
            splits_info.append({**split.info, "seed": seed,
                                "train_statement_ids": rows["statement_id"][split.train].tolist(),
                                "dev_statement_ids": rows["statement_id"][split.dev].tolist(),
                                "test_statement_ids": rows["statement_id"][split.test].tolist()})
        # with dev: latest the split is the same for every seed; with dev: random the dev groups differ
        _json(out / "temporal" / "split.json", {"splits": splits_info})
        origin = dict(zip(rows["statement_id"], rows["split"]))
        for rec in records:
            rec["origin_split"] = origin.get(rec["statement_id"])
        info = dict(split.info)  # the counts of the last seed's split (the same for every seed with dev: latest)
        info["train_seconds"] = round(seconds, 3)
        if sweeps:
            _json(out / "temporal" / "sweeps.json", {"select_on": "each split's own dev", "sweeps": sweeps})
            info["swept"] = [_swept_note(t, seed=t["seed"]) for t in sweeps]
        metrics, boot = _write_scheme(out / "temporal", "temporal", records, cfg, labels, settings, 1, info)
        keep("temporal", metrics, boot, {k: info[k] for k in ("cutoff", "n_train", "n_dev", "n_test",
                                                               "straddling_groups", "train_dates", "test_dates")})
        if "swept" in info:
            summary["temporal"]["swept"] = info["swept"]
        log(f"{cfg.name} shift: temporal (train to {info['cutoff']}, n={info['n_train']}; test n={info['n_test']}) "
            f"macro-F1 {metrics['metrics']['macro_f1']['mean']:.3f}")

    if settings.actor is not None:
        records, folds_info, seconds, sweeps = [], [], 0.0, []
        for (fold, seed), (te, probs, pred, took, table) in zip(actor, actor_done):
            if table is not None:
                sweeps.append({"seed": seed, "fold": fold.index, "actors": list(fold.actors), **table})
            seconds += took
            for rec in prediction_records(te, labels, probs, pred, seed, "actor"):
                rec["fold"] = fold.index
                records.append(rec)
            folds_info.append({**fold.split.info, "seed": seed,
                               "train_statement_ids": rows["statement_id"][fold.split.train].tolist(),
                               "dev_statement_ids": rows["statement_id"][fold.split.dev].tolist()})
            log(f"{cfg.name} shift: held out {', '.join(fold.actors)} (train n={fold.split.info['n_train']}, "
                f"test n={fold.split.info['n_test']})")
        origin = dict(zip(rows["statement_id"], rows["split"]))
        for rec in records:
            rec["origin_split"] = origin.get(rec["statement_id"])
        _json(out / "actor" / "folds.json", {"settings": settings.actor.model_dump(mode="json"), "folds": folds_info})
        first_seed = [f for f in folds_info if f["seed"] == settings.seeds[0]]
        info = {"held_out_actors": [a for f in first_seed for a in f["actors"]], "n_folds": len(first_seed),
                "fold_of_actor": {a: f["fold"] for f in first_seed for a in f["actors"]},
                "n_train_per_fold": [f["n_train"] for f in first_seed],
                "min_statements": settings.actor.min_statements, "train_seconds": round(seconds, 3)}
        if sweeps:
            _json(out / "actor" / "sweeps.json", {"select_on": "each fold's own dev", "sweeps": sweeps})
            info["swept"] = [_swept_note(t, seed=t["seed"], fold=t["fold"]) for t in sweeps]
        metrics, boot = _write_scheme(out / "actor", "actor", records, cfg, labels, settings, 2, info)
        keep("actor", metrics, boot, {k: info[k] for k in ("held_out_actors", "n_folds", "n_train_per_fold")}
             | {"per_actor": metrics["per_actor"]})
        if "swept" in info:
            summary["actor"]["swept"] = info["swept"]
        log(f"{cfg.name} shift: leave-actor-out ({info['n_folds']} models, {len(info['held_out_actors'])} actors) "
            f"pooled macro-F1 {metrics['metrics']['macro_f1']['mean']:.3f}")

    base = summary["random"]["macro_f1"]["mean"]
    summary["gaps"] = {s: _gap(samples[s], samples["random"], summary[s]["macro_f1"]["mean"] - base)
                       for s in ("temporal", "actor") if s in samples}
    model = cfg.name.removeprefix(f"{cfg.data.task}-")
    summary["sentence"] = gap_sentence(model, summary["gaps"])
    _json(out / "summary.json", summary)
    if summary["sentence"]:
        log(summary["sentence"])
    return summary


def summary_table(summary: dict) -> str:
    """A plain-text table of one shift summary (for the command line)."""
    lines = [f"{summary['name']} ({summary['task']}, {summary['model_type']}, seeds {summary['seeds']}): "
             "macro-F1 [95% CI over articles]"]
    for scheme, what in (("random", "random article split"), ("temporal", "temporal"), ("actor", "leave-actor-out")):
        if scheme not in summary:
            continue
        s = summary[scheme]
        m = s["macro_f1"]
        gap = summary["gaps"].get(scheme)
        gap_text = f"  gap {gap['diff_macro_f1']:+.3f} [{gap['ci_low']:+.3f}, {gap['ci_high']:+.3f}]" if gap else ""
        n_train = s.get("n_train", s.get("n_train_per_fold"))
        detail = f"test n={s['n_items']} ({s['n_units']} articles), train n={n_train}"
        if scheme == "temporal":
            detail += f", cut-off {s['cutoff']}"
        lines.append(f"  {what:22s} {m['mean']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]{gap_text}   {detail}")
    if "actor" in summary:
        lines.append("  per held-out actor: " + ", ".join(
            f"{a} {v['macro_f1']:.3f} (n={v['n']})" for a, v in summary["actor"]["per_actor"].items()))
    if summary.get("sentence"):
        lines.append(summary["sentence"])
    return "\n".join(lines)
