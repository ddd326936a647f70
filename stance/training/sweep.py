"""Hyperparameter sweeps: a small grid in the run config, chosen on dev (or grouped CV on train).

    sweep:
      grid:
        C: [0.5, 2.0, 8.0]
        template: ["{text}", "{speaker} {cue}: {text}"]
        # nested params by dotted path: "model.params.C" (per_group), "members.0.params.C" (ensemble)
      select_on: dev        # dev: train on train, score dev macro-F1; cv: article-grouped k-fold CV on train
      cv_folds: 5

Every point of the grid (the product of the lists, in config order) is trained with the run's
first seed and scored; the best point (ties go to the earlier point) becomes the run's model
parameters, and the run then trains all its seeds with them and is scored on test once. The
whole table is written to `<run_dir>/sweep.json` and `sweep.md`; a later call with the same
data, model, sweep, seed, package code and library versions reuses that table instead of
training the grid again.
"""
from __future__ import annotations

import copy
import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from stance import markdown
from stance.config import StrictModel
from stance.errors import ConfigError
from stance.evaluation.metrics import macro_f1


@dataclass
class SweptFit:
    """The sweep's fit of its chosen point: the model (prediction-time params set to that point's) and
    the seconds its fit took."""

    model: Any
    seconds: float

if TYPE_CHECKING:
    from stance.training.train import RunConfig, TaskData


class SweepSection(StrictModel):
    """A grid of model parameters and how its points are compared."""

    grid: dict[str, list[Any]] = Field(min_length=1, description="parameter (dotted path for nested) -> values")
    select_on: Literal["dev", "cv"] = Field("dev", description="dev split, or article-grouped CV on train")
    cv_folds: int = Field(5, ge=2, description="select_on: cv only")

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in grid.items():
            if not values:
                raise ValueError(f"grid.{key} lists no values")
        return grid


def set_path(params: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `params` with the value at dotted `path` (dict keys and list indices) replaced."""
    out = copy.deepcopy(params)
    parts = path.split(".")
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        nxt = node[int(part)] if isinstance(node, list) else node.get(part)
        if nxt is None:
            raise KeyError(".".join(parts[:i + 1]))
        node = nxt
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


def grid_points(sweep: SweepSection) -> list[dict[str, Any]]:
    """Every combination of the grid's values, as {path: value}, in config order."""
    keys = list(sweep.grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(sweep.grid[k] for k in keys))]


def point_params(model_type: str, params: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """The validated model parameters of one grid point; ConfigError naming `sweep.grid.<key>`."""
    from stance.models import validate_params

    out = params
    for key, value in point.items():
        try:
            out = set_path(out, key, value)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            raise ConfigError(f"sweep.grid.{key}: no such parameter in model.params", field=f"sweep.grid.{key}") \
                from None
    try:
        return validate_params(model_type, out)
    except ConfigError as exc:
        raise ConfigError(f"sweep.grid point {point}: {exc.reason}", field=f"sweep.grid.{next(iter(point))}") \
            from None


def validate_sweep(cfg: "RunConfig", path: str | Path | None = None) -> None:
    """Check every grid point against the model's parameters (before anything is trained)."""
    if cfg.sweep is None:
        return
    unknown = [k for k in cfg.sweep.grid if k.split(".")[0] not in cfg.model.params]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(cfg.model.params), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"sweep.grid.{unknown[0]}: not a parameter of model type {cfg.model.type!r}{hint}",
                          path=path, field=f"sweep.grid.{unknown[0]}")
    for point in grid_points(cfg.sweep):
        try:
            point_params(cfg.model.type, cfg.model.params, point)
        except ConfigError as exc:
            raise ConfigError(exc.reason, path=path, field=exc.field) from None


def _key(cfg: "RunConfig", fingerprint: str) -> dict[str, Any]:
    """What a saved sweep table must match to be reused: data, model, sweep, seed, the package's
    code and the versions of the libraries that shape scores."""
    from stance.experiment.stages import code_fingerprint
    from stance.training.train import package_versions

    assert cfg.sweep is not None  # run_sweep's caller checked
    return {"data_fingerprint": fingerprint, "data": cfg.data.model_dump(mode="json"),
            "model": cfg.model.model_dump(mode="json"), "sweep": cfg.sweep.model_dump(mode="json"),
            "seed": cfg.seeds[0], "code": code_fingerprint(), "packages": package_versions()["packages"]}


def _predict_time_params(cfg: "RunConfig", params: dict[str, Any]) -> frozenset[str]:
    from stance.models import model_class

    return model_class(cfg.model.type).predict_time_params(params)


def _score_points(cfg: "RunConfig", params_list: list[dict[str, Any]], data: "TaskData"
                  ) -> tuple[list[tuple[float, float]], SweptFit | None]:
    """Macro-F1 (dev, or mean over grouped CV folds) and seconds of grid points whose params differ
    only in parameters the model applies at prediction time (an ensemble's weights): one fit serves
    them all, each point is set with `set_params` and scored. Also returns the model fitted on train
    (select_on: dev; None with cv), its prediction-time params as the last point's."""
    from stance.models import make_model
    from stance.training.train import group_column, group_folds

    assert cfg.sweep is not None  # run_sweep's caller checked
    params_list = _seeded(cfg, params_list)
    late = _predict_time_params(cfg, params_list[0])
    train, dev = data.splits["train"], data.splits["dev"]

    def score_each(model, held) -> list[tuple[float, float]]:
        out = []
        for params in params_list:
            start = time.perf_counter()
            model.set_params(**{k: params[k] for k in late})
            out.append((macro_f1(held["y"].tolist(), [str(p) for p in model.predict(held)], data.labels),
                        time.perf_counter() - start))
        return out

    start = time.perf_counter()
    fitted = None
    if cfg.sweep.select_on == "dev":
        if not len(dev):
            raise ConfigError("sweep.select_on: dev, but the dev split has no scored rows; use select_on: cv",
                              field="sweep.select_on")
        model = make_model(cfg.model.type, params_list[0]).fit(train, train["y"].tolist(),
                                                                eval_set=(dev, dev["y"].tolist()))
        fit_seconds = time.perf_counter() - start
        scored = score_each(model, dev)
        fitted = SweptFit(model, fit_seconds)
    else:
        is_scored = train["label_source"].isin(cfg.data.eval_sources).to_numpy()
        folds = group_folds(group_column(train), cfg.sweep.cv_folds, cfg.seeds[0])
        per_fold = []
        for f in range(cfg.sweep.cv_folds):
            fit, held = train[folds != f], train[(folds == f) & is_scored]
            if not len(held):
                continue
            model = make_model(cfg.model.type, params_list[0]).fit(fit, fit["y"].tolist())
            per_fold.append(score_each(model, held))
        fit_seconds = time.perf_counter() - start - sum(t for fold in per_fold for _, t in fold)
        scored = [(float(np.mean([fold[i][0] for fold in per_fold])), sum(fold[i][1] for fold in per_fold))
                  for i in range(len(params_list))]
    share = fit_seconds / len(params_list)
    return [(float(score), seconds + share) for score, seconds in scored], fitted


def _seeded(cfg: "RunConfig", params_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from stance.models import with_seed

    return [with_seed(cfg.model.type, params, cfg.seeds[0]) for params in params_list]


def _score_group(task: tuple["RunConfig", list[dict[str, Any]], "TaskData"]) -> list[tuple[float, float]]:
    """`_score_points` without the fitted model (what a worker process sends back)."""
    cfg, params_list, data = task
    return _score_points(cfg, params_list, data)[0]


def run_sweep(cfg: "RunConfig", data: "TaskData", log=print) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train and score every grid point; return the best point's model params and the sweep table.

    Points that differ only in prediction-time parameters share one fit. Reuses
    `<run_dir>/sweep.json` when it was made from the same data, model, sweep and seed."""
    params, table, _ = run_sweep_fitted(cfg, data, log)
    return params, table


def run_sweep_fitted(cfg: "RunConfig", data: "TaskData", log=print,
                     saved_in: Sequence[Path] = ()) -> tuple[dict[str, Any], dict[str, Any], SweptFit | None]:
    """`run_sweep`, and the best point's model as the sweep fitted it (on train, with the run's first
    seed and dev as eval_set) when that fit was made in this process; else None. A fit with the
    returned params, that seed and the same rows would make the same model, so callers train it once.
    `saved_in`: more run folders whose sweep.json is reused when it was made from the same inputs
    (a study's main run, for its learning curve, shift evaluation and cross-fitting).

    Fits with different parameters (groups of points) run side by side (`stance.parallel`) when
    the model fits on one core; the table is the same for any number of jobs."""
    from stance.parallel import fit_jobs, map_jobs

    if cfg.sweep is None:
        raise ValueError(f"{cfg.name}: run_sweep needs a config with a sweep section")
    key = _key(cfg, data.fingerprint)
    for folder in (cfg.run_dir, *saved_in):
        saved = Path(folder) / "sweep.json"
        if not saved.exists():
            continue
        try:
            table = json.loads(saved.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(table, dict) and table.get("key") == key:
            log(f"{cfg.name} sweep: reusing {saved} (best {table['best']['point']})")
            return table["best"]["params"], table, None
    points = grid_points(cfg.sweep)
    params = [point_params(cfg.model.type, cfg.model.params, point) for point in points]
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(params):
        late = _predict_time_params(cfg, p)
        fit_key = json.dumps({k: v for k, v in p.items() if k not in late}, sort_keys=True, default=str)
        groups.setdefault(fit_key, []).append(i)
    members = list(groups.values())
    jobs = fit_jobs(cfg.model.type, [params[m[0]] for m in members],
                    pd.concat([data.splits["train"], data.splits["dev"]], ignore_index=True), len(members))
    results: dict[int, tuple[float, float]] = {}
    models: dict[int, SweptFit] = {}
    if jobs > 1:
        scored = map_jobs(_score_group, [(cfg, [params[i] for i in m], data) for m in members], jobs)
    else:
        scored = []
        best_so_far = -1.0
        for m in members:
            group_scores, fitted = _score_points(cfg, [params[i] for i in m], data)
            scored.append(group_scores)
            top = max(score for score, _ in group_scores)
            if fitted is not None and top > best_so_far:  # keep only the best group's model
                models = {i: fitted for i in m}
                best_so_far = top
    for m, group_scores in zip(members, scored):
        for i, result in zip(m, group_scores):
            results[i] = result
            log(f"{cfg.name} sweep {points[i]}: {cfg.sweep.select_on} macro-F1 {result[0]:.3f}")
    rows = [{"point": point, "macro_f1": round(results[i][0], 6), "seconds": round(results[i][1], 3)}
            for i, point in enumerate(points)]
    best = max(range(len(rows)), key=lambda i: (rows[i]["macro_f1"], -i))
    best_params = params[best]
    table = {"key": key, "select_on": cfg.sweep.select_on, "metric": "macro_f1",
             "rows": rows, "best": {"index": best, "point": rows[best]["point"], "params": best_params,
                                    "macro_f1": rows[best]["macro_f1"]}}
    swept = models.get(best)
    if swept is not None:
        late = _predict_time_params(cfg, best_params)
        swept.model.set_params(**{k: best_params[k] for k in late})
    return best_params, table, swept


def sweep_markdown(table: dict[str, Any]) -> str:
    """The sweep table as markdown, the chosen point in bold (the seconds each point took stay in
    sweep.json: a report must not change with the machine's load)."""
    keys = list(table["rows"][0]["point"]) if table["rows"] else []
    where = "dev" if table["select_on"] == "dev" else "grouped CV on train"
    rows = []
    for i, row in enumerate(table["rows"]):
        cells = [json.dumps(row["point"][k], ensure_ascii=False) for k in keys] + [f"{row['macro_f1']:.3f}"]
        rows.append([f"**{c}**" for c in cells] if i == table["best"]["index"] else cells)
    return markdown.table([*keys, f"macro-F1 ({where})"], rows) + "\n"
