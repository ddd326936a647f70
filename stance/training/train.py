"""Training from a run config into a self-describing run folder.

A run config (configs/models/*.yaml) fully describes a run:

    name: stance_tfidf_logreg
    data: {path: data/datasets/negotiation, task: stance}
    model: {type: tfidf_logreg, params: {C: 4.0}}
    seeds: [1, 2, 3]
    output_root: runs

`train_run(config)` writes runs/<name>/:
    config.yaml      the resolved config (every hyperparameter, defaults included)
    versions.json    python and package versions
    run.json         data fingerprint (hash of the dataset files), git commit, row counts,
                     rows dropped and why
    seed_<s>/        model/ (manifest.json + weights), predictions_dev.jsonl,
                     predictions_test.jsonl, metrics.json
    summary.json     mean and std over seeds of every headline metric

`learning_curve` trains on growing random fractions of the training groups (nested, so a
larger fraction contains the smaller ones for the same seed) and scores test macro-F1.
`crossfit_predict` gives out-of-fold predictions for every labeled row, from k models each
trained without the row's group. Groups are the dataset's `group_id` (articles joined by
near-duplicate clusters and shared quotes), falling back to `article_id`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, field_validator
from sklearn.utils._param_validation import InvalidParameterError

from stance import atomic
from stance.config import StrictModel, load_config
from stance.errors import ConfigError, InputError
from stance.evaluation.metrics import classification_metrics
from stance.jsonl import write_jsonl
from stance.models import StanceModel, make_model, validate_params, with_seed
from stance.parallel import fit_jobs, map_jobs
from stance.training.sweep import SweepSection, SweptFit, run_sweep_fitted, sweep_markdown, validate_sweep

TASK_COLUMNS = {"stance": "label", "sentiment": "sentiment"}
SPLITS = ("train", "dev", "test")
PACKAGES = ["torch", "transformers", "tokenizers", "scikit-learn", "numpy", "scipy", "pandas", "datasets",
            "pyarrow", "skops", "vaderSentiment", "onnxruntime", "pydantic", "negotiation-stance"]


class DataSection(StrictModel):
    """Which dataset, which task, and which label sources to train and score on."""

    path: Path = Field(description="a DatasetDict saved with save_to_disk (train/dev/test)")
    task: Literal["stance", "sentiment"] = "stance"
    train_sources: list[str] = Field(default_factory=lambda: ["gold", "weak"],
                                     description="label_source values used for training")
    eval_sources: list[str] = Field(default_factory=lambda: ["gold"],
                                    description="label_source values scored on dev and test")


class ModelSection(StrictModel):
    """The model type (see stance.models.REGISTRY) and its hyperparameters."""

    type: str
    params: dict[str, Any] = Field(default_factory=dict)


class RunConfig(StrictModel):
    """One training run: data, model, seeds and where the run folder goes."""

    name: str = Field(min_length=1, pattern=r"^[\w.\-]+$")
    description: str = ""
    data: DataSection
    model: ModelSection
    seeds: list[int] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    output_root: Path = Path("runs")
    sweep: SweepSection | None = Field(None, description="a grid of model params chosen on dev before the seeds run")

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise ValueError("seeds repeat a value")
        bad = [s for s in v if not 0 <= s <= 2**32 - 1]
        if bad:
            raise ValueError(f"seeds must be in [0, 2**32 - 1] (numpy's range), not {bad}")
        return v

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        if v.startswith("."):
            raise ValueError(f"run name {v!r} may not start with '.' ('.', '..' and hidden names are refused)")
        return v

    @property
    def run_dir(self) -> Path:
        return self.output_root / self.name


def load_run_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Load and validate a run config; model params are checked against the model type."""
    cfg = load_config(path, RunConfig, overrides)
    cfg.model.params = validate_params(cfg.model.type, cfg.model.params, path=path)
    validate_sweep(cfg, path)
    return cfg


def run_config_for(path: str | Path, *, task: str | None = None, dataset: str | Path | None = None,
                   seeds: list[int] | None = None, output_root: str | Path | None = None,
                   name: str | None = None) -> RunConfig:
    """A model config file with the study's task, dataset, seeds and output folder put in
    (how an experiment reuses one model config for several tasks)."""
    cfg = load_run_config(path)
    data = cfg.data.model_dump()
    if task is not None:
        data["task"] = task
    if dataset is not None:
        data["path"] = Path(dataset)
    update: dict[str, Any] = {"data": DataSection.model_validate(data)}
    if seeds is not None:
        update["seeds"] = list(seeds)
    if output_root is not None:
        update["output_root"] = Path(output_root)
    if name is not None:
        update["name"] = name
    return RunConfig.model_validate({**cfg.model_dump(), **update})


def check_model_fits_task(cfg: RunConfig, data: "TaskData") -> None:
    """ConfigError (field model.type) when the model cannot predict the task's labels, before anything
    is trained or a run folder is touched."""
    try:
        make_model(cfg.model.type, cfg.model.params).check_task_labels(data.labels)
    except ValueError as exc:
        raise ConfigError(f"model type {cfg.model.type!r} does not fit task {cfg.data.task!r}: {exc}",
                          field="model.type") from None


def model_type_label(cfg: RunConfig) -> str:
    """The model type as reports show it: a per-group wrapper names its inner type (per_group:tfidf_svm)."""
    if cfg.model.type == "per_group":
        inner = (cfg.model.params.get("model") or {}).get("type")
        return f"per_group:{inner}" if inner else "per_group"
    return cfg.model.type


def with_swept_params(cfg: RunConfig, data: "TaskData", log=print, full_run: str | Path | None = None) -> RunConfig:
    """`cfg` with the model params its sweep chose (the sweep's saved table, in cfg's run folder or
    in `full_run`, is reused when it was made from the same inputs); `cfg` itself when it has no sweep."""
    if cfg.sweep is None:
        return cfg
    out = cfg.model_copy(deep=True)
    out.model.params, _, _ = run_sweep_fitted(cfg, data, log, saved_in=[Path(full_run)] if full_run else [])
    return out


def resolve_config(cfg: RunConfig) -> RunConfig:
    """A copy of `cfg` with every model hyperparameter filled in (defaults included)."""
    out = cfg.model_copy(deep=True)
    out.model.params = validate_params(cfg.model.type, cfg.model.params)
    return out


# ----------------------------------------------------------------------------- data

@dataclass
class TaskData:
    """The rows of one task, with labels as strings in column `y`."""

    splits: dict[str, pd.DataFrame]
    labels: list[str]
    column: str
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    fingerprint: str = ""


def dataset_fingerprint(path: str | Path) -> str:
    """sha256 over the relative paths and bytes of every file of a saved dataset."""
    path = Path(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode("utf-8") + b"\0")
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def load_task_data(data: DataSection) -> TaskData:
    """Read the DatasetDict and keep the rows usable for `data.task`; count what is dropped.

    Training rows need a known label (not -1) from one of `train_sources`; dev and test rows
    a known label from one of `eval_sources`.
    """
    from datasets import ClassLabel

    from stance.dataset.builder import load_dataset_dict

    if not Path(data.path).exists():
        raise InputError("dataset folder not found (build it with `stance build`)", path=data.path)
    try:
        dd = load_dataset_dict(data.path)
    except Exception as exc:  # datasets raises several types for a folder that is not a dataset
        raise InputError(f"not a saved DatasetDict: {exc}", path=data.path) from None
    missing = [s for s in SPLITS if s not in dd]
    if missing:
        raise InputError(f"the dataset has splits {list(dd)}, missing {missing}", path=data.path)
    column = TASK_COLUMNS[data.task]
    feature = dd["train"].features.get(column)
    if feature is None:
        raise InputError(f"the dataset has no column {column!r} for task {data.task!r}", path=data.path, field=column)
    if not isinstance(feature, ClassLabel):
        raise InputError(f"column {column!r} must be a ClassLabel, not {feature}", path=data.path, field=column)
    names = list(feature.names)
    splits, dropped = {}, {}
    for split in SPLITS:
        df = dd[split].to_pandas()
        sources = data.train_sources if split == "train" else data.eval_sources
        if "label_source" not in df.columns:
            df["label_source"] = "gold"
        unknown = df[column].to_numpy() < 0
        wrong_source = ~df["label_source"].isin(sources).to_numpy() & ~unknown
        dropped[split] = {"unknown_label": int(unknown.sum()),
                          f"label_source_not_in_{'train' if split == 'train' else 'eval'}_sources":
                              int(wrong_source.sum())}
        df = df[~unknown & ~wrong_source].reset_index(drop=True)
        df["y"] = [names[int(i)] for i in df[column]]
        df["split"] = split
        splits[split] = df
    if len(splits["train"]) == 0:
        raise InputError(f"no training rows with a known {data.task} label from sources {data.train_sources}",
                         path=data.path, field=column)
    return TaskData(splits, names, column, dropped, dataset_fingerprint(data.path))


def group_column(df: pd.DataFrame) -> np.ndarray:
    """The leak-free group of each row: group_id, else article_id, else the statement id."""
    for col in ("group_id", "article_id", "statement_id"):
        if col in df.columns and df[col].notna().all():
            return df[col].astype(str).to_numpy()
    return np.arange(len(df)).astype(str)


# ----------------------------------------------------------------------------- run folder

def package_versions() -> dict[str, Any]:
    """Python, platform and installed versions of the packages that shape results."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": versions}


def git_commit(cwd: str | Path = ".") -> str:
    """The current git commit (with "-dirty" when tracked files changed), or "unknown"."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()[:10]
    return str(value)


def prediction_records(df: pd.DataFrame, labels: list[str], probs: np.ndarray, pred: np.ndarray,
                       seed: int | None, split: str) -> list[dict]:
    """One JSON record per row: ids, split, seed, gold, pred and {label: probability}."""
    def col(name: str) -> list:
        return df[name].tolist() if name in df.columns else [None] * len(df)

    out = []
    for i, (sid, aid, gid, actor, date, target, source, gold) in enumerate(zip(
            col("statement_id"), col("article_id"), col("group_id"), col("actor_id"), col("date"), col("target"),
            col("label_source"), col("y"))):
        out.append({"statement_id": sid, "article_id": aid, "group_id": gid, "actor_id": actor, "date": _iso(date),
                    "target": target, "split": split, "seed": seed, "label_source": source, "gold": gold,
                    "pred": str(pred[i]), "probs": {lab: round(float(p), 6) for lab, p in zip(labels, probs[i])}})
    return out


def _align(probs: np.ndarray, classes: list[str], labels: list[str]) -> np.ndarray:
    """Probabilities reordered to `labels` (zeros for labels the model never saw)."""
    out = np.zeros((len(probs), len(labels)))
    for j, c in enumerate(classes):
        out[:, labels.index(c)] = probs[:, j]
    return out


def _score(model, df: pd.DataFrame, labels: list[str], seed: int | None, split: str):
    start = time.perf_counter()
    pred, raw = model.predict_with_proba(df)
    probs = _align(raw, [str(c) for c in model.classes_], labels)
    seconds = time.perf_counter() - start
    metrics = classification_metrics(df["y"].tolist(), pred.tolist(), labels, probs) if len(df) else {"n": 0}
    metrics["predict_seconds"] = round(seconds, 3)
    return prediction_records(df, labels, probs, pred, seed, split), metrics


def _seeded_params(cfg: RunConfig, seed: int) -> dict[str, Any]:
    return with_seed(cfg.model.type, cfg.model.params, seed)


def fit_seeded(cfg: RunConfig, seed: int, train: pd.DataFrame, dev: pd.DataFrame) -> tuple[StanceModel, float]:
    """cfg's model with `seed`, fitted on `train` (dev as eval_set when it has rows), and the seconds
    the fit took."""
    model = make_model(cfg.model.type, _seeded_params(cfg, seed))
    start = time.perf_counter()
    model.fit(train, train["y"].tolist(), eval_set=(dev, dev["y"].tolist()) if len(dev) else None)
    return model, time.perf_counter() - start


def _summary(per_seed: dict[int, dict]) -> dict:
    """Mean, sample std and per-seed values of the headline metrics, per split."""
    out: dict[str, Any] = {"seeds": sorted(per_seed)}
    for split in ("dev", "test"):
        block: dict[str, Any] = {}
        first = next(iter(per_seed.values()))[split]
        keys = [k for k in ("macro_f1", "accuracy", "ece") if k in first]
        keys += [f"f1_{lab}" for lab in first.get("per_class", {})]
        for key in keys:
            values = []
            for s in sorted(per_seed):
                m = per_seed[s][split]
                values.append(m["per_class"][key[3:]]["f1"] if key.startswith("f1_") else m[key])
            arr = np.asarray(values, dtype=float)
            block[key] = {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                          "values": [float(v) for v in arr]}
        block["n"] = first.get("n", 0)
        out[split] = block
    return out


def is_run_folder(path: Path) -> bool:
    """A folder `stance train` wrote: it holds config.yaml and run.json."""
    return (path / "config.yaml").is_file() and (path / "run.json").is_file()


def _check_run_dir(run_dir: Path) -> None:
    """Refuse, before any work, an output that exists and is not a run folder (it is never deleted)."""
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError("exists and is a file, not a run folder; refusing to overwrite it", path=run_dir)
    if run_dir.is_dir() and any(run_dir.iterdir()) and not is_run_folder(run_dir):
        raise InputError("exists and is not a run folder (no config.yaml and run.json); refusing to overwrite it",
                         path=run_dir)


@contextlib.contextmanager
def _staged_run_dir(run_dir: Path):
    """Yield a temporary sibling folder to train into; on success it replaces `run_dir` (an earlier run of
    the same name is removed only then); on failure it is removed and `run_dir` is left as it was."""
    _check_run_dir(run_dir)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", suffix=".training", dir=run_dir.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if run_dir.exists():
        _check_run_dir(run_dir)  # it may have changed while training
        old = run_dir.with_name(f".{run_dir.name}.{os.getpid()}.replaced")
        os.replace(run_dir, old)
    os.replace(tmp, run_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def train_run(cfg: RunConfig, log=print) -> Path:
    """Train one model per seed and write the run folder; return its path."""
    cfg = resolve_config(cfg)
    data = load_task_data(cfg.data)
    check_model_fits_task(cfg, data)
    sweep_table, swept = None, None
    if cfg.sweep is not None:
        cfg.model.params, sweep_table, swept = run_sweep_fitted(cfg, data, log)
    with _staged_run_dir(cfg.run_dir) as run_dir:
        _train_into(cfg, data, sweep_table, run_dir, log, swept)
    return cfg.run_dir


def _train_into(cfg: RunConfig, data: "TaskData", sweep_table: dict | None, run_dir: Path, log,
                swept: SweptFit | None = None) -> None:
    """Write the whole run folder into `run_dir` (a staging folder). `swept`: the sweep's fit of
    the chosen point (first seed, same rows), used as that seed's model instead of fitting it again.
    The seeds' fits run side by side when the model fits on one core (`stance.parallel`)."""
    if sweep_table is not None:
        _json(run_dir / "sweep.json", sweep_table)
        atomic.write_text(run_dir / "sweep.md", sweep_markdown(sweep_table))
    atomic.write_text(run_dir / "config.yaml", yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False),
                                         encoding="utf-8")
    _json(run_dir / "versions.json", package_versions())
    counts = {s: int(len(df)) for s, df in data.splits.items()}
    _json(run_dir / "run.json", {
        "name": cfg.name, "task": cfg.data.task, "model_type": model_type_label(cfg), "labels": data.labels,
        "data_path": str(cfg.data.path), "data_fingerprint": data.fingerprint, "git_commit": git_commit(),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rows": counts, "dropped": data.dropped,
        "train_label_counts": data.splits["train"]["y"].value_counts().to_dict()})
    reused = {cfg.seeds[0]: swept} if swept is not None else {}
    to_fit = [seed for seed in cfg.seeds if seed not in reused]
    per_seed = {seed: _train_seed((cfg, data, seed, run_dir / f"seed_{seed}", model))
                for seed, model in reused.items()}
    if to_fit:
        jobs = fit_jobs(cfg.model.type, [cfg.model.params], pd.concat([data.splits[s] for s in SPLITS],
                                                                      ignore_index=True), len(to_fit))
        fitted = map_jobs(_train_seed, [(cfg, data, seed, run_dir / f"seed_{seed}", None) for seed in to_fit], jobs)
        per_seed.update(zip(to_fit, fitted))
    per_seed = {seed: per_seed[seed] for seed in cfg.seeds}
    for seed, metrics in per_seed.items():
        scores = ", ".join(f"{split} macro-F1 {metrics[split]['macro_f1']:.3f}" if "macro_f1" in metrics[split]
                           else f"{split}: no rows" for split in ("dev", "test"))
        took = " (the sweep's fit)" if seed in reused else ""
        log(f"{cfg.name} seed {seed}: train {metrics['train_seconds']:.1f}s{took}, {scores}")
    summary = _summary(per_seed)
    summary.update({"name": cfg.name, "task": cfg.data.task, "model_type": model_type_label(cfg)})
    _json(run_dir / "summary.json", summary)


def _train_seed(task: tuple[RunConfig, "TaskData", int, Path, SweptFit | None]) -> dict[str, Any]:
    """Fit one seed's model (unless the sweep fitted it), save it and its dev and test predictions into
    `seed_dir`; return its metrics."""
    cfg, data, seed, seed_dir, swept = task
    train, dev, test = (data.splits[s] for s in SPLITS)
    metrics: dict[str, Any] = {"seed": seed, "n_train": int(len(train))}
    if swept is None:
        try:
            model, seconds = fit_seeded(cfg, seed, train, dev)
        except InvalidParameterError as exc:
            raise ConfigError(f"scikit-learn rejected a hyperparameter: {exc}", field="model.params") from None
        metrics["train_seconds"] = round(seconds, 3)
    else:
        model = swept.model  # the sweep's fit of the chosen point with this seed on the same rows
        metrics["train_seconds"] = round(swept.seconds, 3)
        metrics["fitted_by"] = "sweep"
    model.save(seed_dir / "model")
    for split, df in (("dev", dev), ("test", test)):
        records, metrics[split] = _score(model, df, data.labels, seed, split)
        write_jsonl(seed_dir / f"predictions_{split}.jsonl", records)
    if getattr(model, "history_", None):
        metrics["history"] = model.history_
    _json(seed_dir / "metrics.json", metrics)
    return metrics


# ----------------------------------------------------------------------------- learning curve

def nested_group_sample(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the rows whose group is among the first ceil(fraction * n) groups of a
    seeded shuffle; for one seed, a larger fraction always contains a smaller one."""
    unique = np.array(sorted(set(groups.tolist())))
    order = np.random.default_rng(seed).permutation(len(unique))
    chosen = set(unique[order[: max(1, math.ceil(fraction * len(unique)))]].tolist())
    return np.fromiter((g in chosen for g in groups), dtype=bool, count=len(groups))


def full_run_metrics(cfg: RunConfig, full_run: str | Path | None, fingerprint: str) -> dict[int, dict]:
    """Per-seed metrics of `full_run`, a run folder trained on the whole train split, when it used the
    same data (fingerprint), task and model settings as `cfg`; empty otherwise."""
    if full_run is None:
        return {}
    full_run = Path(full_run)
    try:
        saved = yaml.safe_load((full_run / "config.yaml").read_text(encoding="utf-8"))
        run = json.loads((full_run / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    mine = cfg.model_dump(mode="json")
    if saved.get("data") != mine["data"] or saved.get("model") != mine["model"] \
            or run.get("data_fingerprint") != fingerprint:
        return {}
    out = {}
    for seed in saved.get("seeds", []):
        path = full_run / f"seed_{seed}" / "metrics.json"
        if path.exists():
            out[int(seed)] = json.loads(path.read_text(encoding="utf-8"))
    return out


def _curve_point(task: tuple[RunConfig, int, pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]
                 ) -> tuple[float, dict[str, Any]]:
    """Fit on `sub` (early stopping on `dev`): the seconds it took and the test metrics."""
    cfg, seed, sub, dev, test, labels = task
    model, seconds = fit_seeded(cfg, seed, sub, dev)
    return round(seconds, 3), _score(model, test, labels, seed, "test")[1]


def learning_curve(cfg: RunConfig, fractions: list[float], seeds: list[int] | None = None,
                   log=print, full_run: str | Path | None = None) -> list[dict]:
    """Test macro-F1 after training on growing group-sampled fractions of train; writes
    <run_dir>/learning_curve.json and returns its records.

    Fraction 1 is the whole train split in its own order, i.e. the training of a plain run:
    where `full_run` is a run folder of the same data and model settings, its seeds' test
    metrics are taken instead of training again (`reused_from` says so)."""
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise ConfigError("fractions must lie in (0, 1]", field="fractions")
    cfg = resolve_config(cfg)
    data = load_task_data(cfg.data)
    cfg = with_swept_params(cfg, data, log, full_run)
    train, dev, test = (data.splits[s] for s in SPLITS)
    groups = group_column(train)
    reuse = full_run_metrics(cfg, full_run, data.fingerprint)
    results: list[dict[str, Any]] = []
    to_fit: list[tuple[int, tuple]] = []
    for seed in seeds or cfg.seeds:
        for fraction in sorted(fractions):
            sub = train[nested_group_sample(groups, fraction, seed)].reset_index(drop=True)
            record = {"task": cfg.data.task, "model": cfg.name, "model_type": cfg.model.type,
                      "fraction": fraction, "seed": seed, "n_train": int(len(sub)),
                      "n_train_groups": int(len(set(group_column(sub))))}
            if fraction == 1 and seed in reuse and reuse[seed].get("n_train") == len(sub):
                metrics = reuse[seed]["test"]
                record.update(train_seconds=reuse[seed].get("train_seconds"), reused_from=str(full_run),
                              macro_f1=metrics["macro_f1"], f1=metrics["macro_f1"], accuracy=metrics["accuracy"])
            else:
                to_fit.append((len(results), (cfg, seed, sub, dev, test, data.labels)))
            results.append(record)
    jobs = fit_jobs(cfg.model.type, [cfg.model.params], pd.concat([train, dev, test], ignore_index=True),
                    len(to_fit))
    for (i, _), (seconds, metrics) in zip(to_fit, map_jobs(_curve_point, [task for _, task in to_fit], jobs)):
        results[i].update(train_seconds=seconds, macro_f1=metrics["macro_f1"], f1=metrics["macro_f1"],
                          accuracy=metrics["accuracy"])
    for record in results:
        log(f"{cfg.name} learning curve: fraction {record['fraction']:g}, seed {record['seed']}, "
            f"n={record['n_train']}: test macro-F1 {record['macro_f1']:.3f}"
            + (" (from the full run)" if "reused_from" in record else ""))
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    _json(cfg.run_dir / "learning_curve.json", {"metric": "test macro-F1 (f1 = macro_f1)",
                                                "data_fingerprint": data.fingerprint, "results": results})
    return results


# ----------------------------------------------------------------------------- cross-fitting

def group_folds(groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) of each row; whole groups per fold, groups shuffled with `seed` and
    dealt largest first to the currently smallest fold."""
    unique, sizes = np.unique(groups, return_counts=True)
    if len(unique) < k:
        raise InputError(f"cross-fitting needs at least k={k} groups, the data has {len(unique)}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unique))
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(k, dtype=int)
    fold_of = {}
    for i in order:
        f = int(np.argmin(load))
        fold_of[unique[i]] = f
        load[f] += sizes[i]
    return np.array([fold_of[g] for g in groups])


def _fit_predict_fold(task: tuple[RunConfig, int, pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Fit on `tr` (early stopping on `dv`), predict `te`: labels and probabilities in `labels` order."""
    cfg, seed, tr, dv, te, labels = task
    model, _ = fit_seeded(cfg, seed, tr, dv)
    pred, raw = model.predict_with_proba(te)
    return pred, _align(raw, [str(c) for c in model.classes_], labels)


def crossfit_predict(cfg: RunConfig, k: int = 5, seed: int | None = None, dev_fraction: float = 0.1,
                     log=print, full_run: str | Path | None = None) -> pd.DataFrame:
    """Out-of-fold predictions for every labeled row of train, dev and test.

    Rows are dealt into k folds by group; the model for fold f is trained on the other folds'
    rows whose label source is in `train_sources` (early stopping on `dev_fraction` of their
    groups), and predicts fold f. Writes <run_dir>/crossfit/predictions.jsonl and metrics.json.
    """
    cfg = resolve_config(cfg)
    seed = cfg.seeds[0] if seed is None else seed
    data = load_task_data(cfg.data.model_copy(update={
        "eval_sources": sorted(set(cfg.data.eval_sources) | set(cfg.data.train_sources))}))
    cfg = with_swept_params(cfg, load_task_data(cfg.data), log, full_run)
    rows = pd.concat([data.splits[s] for s in SPLITS], ignore_index=True)
    groups = group_column(rows)
    folds = group_folds(groups, k, seed)
    trainable = rows["label_source"].isin(cfg.data.train_sources).to_numpy()
    probs = np.zeros((len(rows), len(data.labels)))
    pred = np.empty(len(rows), dtype=object)
    tasks = []
    for f in range(k):
        held = folds == f
        fit_rows = ~held & trainable
        inner_dev = fit_rows & nested_group_sample(groups, dev_fraction, seed + 1000 + f)
        if inner_dev.sum() == fit_rows.sum():
            inner_dev[:] = False
        tasks.append((cfg, seed, rows[fit_rows & ~inner_dev], rows[inner_dev], rows[held], data.labels))
    jobs = fit_jobs(cfg.model.type, [cfg.model.params], rows, len(tasks))
    for f, (fold_pred, fold_probs) in enumerate(map_jobs(_fit_predict_fold, tasks, jobs)):
        held = folds == f
        probs[held] = fold_probs
        pred[held] = fold_pred
        log(f"{cfg.name} cross-fit fold {f + 1}/{k}: trained on {len(tasks[f][2])}, predicted {int(held.sum())}")
    out_dir = cfg.run_dir / "crossfit"
    records = prediction_records(rows, data.labels, probs, pred, seed, "crossfit")
    for rec, split, fold in zip(records, rows["split"], folds):
        rec["origin_split"] = split
        rec["fold"] = int(fold)
    write_jsonl(out_dir / "predictions.jsonl", records)
    gold_rows = (rows["label_source"] == "gold").to_numpy()
    metrics = classification_metrics(rows["y"][gold_rows].tolist(), pred[gold_rows].tolist(), data.labels,
                                     probs[gold_rows]) if gold_rows.any() else {"n": 0}
    _json(out_dir / "metrics.json", {"k": k, "seed": seed, "scored_on": "gold rows", "data_fingerprint":
                                     data.fingerprint, "oof": metrics})
    result = pd.DataFrame(records)
    return result
