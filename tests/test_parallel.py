"""Fits side by side (stance.parallel): the same outputs for any number of jobs, tasks in worker
processes do not start workers of their own, and a sweep's fit of the chosen point is the model a
fresh fit would make."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import yaml

from stance.errors import ConfigError
from stance.evaluation.shift import ActorSettings, ShiftSettings, TemporalSettings, shift_eval
from stance.models import make_model
from stance.parallel import default_jobs, map_jobs
from stance.training.train import crossfit_predict, learning_curve, load_run_config, load_task_data, train_run

QUIET = dict(log=lambda *_: None)


def _square_and_where(x: int) -> tuple[int, int, int]:
    return x * x, os.getpid(), default_jobs()


def test_map_jobs_keeps_the_order_and_tasks_run_alone(monkeypatch):
    monkeypatch.setenv("STANCE_JOBS", "2")
    out = map_jobs(_square_and_where, [3, 1, 4, 1, 5])
    assert [square for square, _, _ in out] == [9, 1, 16, 1, 25]
    assert all(pid != os.getpid() for _, pid, _ in out)  # in worker processes
    assert {inner for _, _, inner in out} == {1}  # which do not start workers of their own
    # one job, or one item: in this process
    assert {pid for _, pid, _ in map_jobs(_square_and_where, [2, 3], jobs=1)} == {os.getpid()}
    assert map_jobs(_square_and_where, [7], jobs=2)[0][1] == os.getpid()


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_a_bad_job_count_is_a_named_error(monkeypatch, value):
    monkeypatch.setenv("STANCE_JOBS", value)
    with pytest.raises(ConfigError, match="STANCE_JOBS") as info:
        default_jobs()
    assert info.value.field == "STANCE_JOBS"


def _config(tmp_path, dataset, root: str, model: dict, sweep: dict | None, seeds=(1, 2, 3)):
    raw = {"name": "stance-m", "data": {"path": str(dataset), "task": "stance"}, "model": model,
           "seeds": list(seeds), "output_root": str(tmp_path / root)}
    if sweep:
        raw["sweep"] = sweep
    path = tmp_path / f"{root}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_run_config(path)


def _without_seconds(value):
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k not in ("seconds", "train_seconds", "code", "reused_from")}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def test_runs_shift_crossfit_and_curves_are_the_same_for_one_or_two_jobs(tmp_path, dataset, monkeypatch):
    model = {"type": "tfidf_logreg", "params": {"C": 2.0}}
    sweep = {"grid": {"C": [0.05, 2.0], "template": ["{text}", "{speaker}: {text}"]}}
    settings = ShiftSettings(seeds=[1], n_boot=100, temporal=TemporalSettings(cutoff=0.7),
                             actor=ActorSettings(folds=2, min_statements=15))
    outputs = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("STANCE_JOBS", jobs)
        cfg = _config(tmp_path, dataset, f"jobs{jobs}", model, sweep)
        run_dir = train_run(cfg, **QUIET)
        shift = shift_eval(cfg, settings, full_run=run_dir, **QUIET)
        curve = learning_curve(cfg, [0.5, 1.0], seeds=[1, 2], full_run=run_dir, **QUIET)
        crossfit = crossfit_predict(cfg, k=3, **QUIET)
        outputs[jobs] = {
            "predictions": {p.relative_to(run_dir).as_posix(): p.read_bytes()
                            for p in sorted(run_dir.glob("seed_*/predictions_*.jsonl"))},
            "sweep": _without_seconds(json.loads((run_dir / "sweep.json").read_text())),
            "shift": {p.relative_to(run_dir).as_posix(): p.read_bytes()
                      for p in sorted((run_dir / "shift").glob("*/predictions.jsonl"))},
            "shift_sweeps": _without_seconds(json.loads((run_dir / "shift" / "actor" / "sweeps.json").read_text())),
            "gaps": shift["gaps"],
            "curve": _without_seconds(curve),
            "crossfit": crossfit.to_dict("records")}
    assert len(outputs["1"]["predictions"]) == 6 and len(outputs["1"]["shift"]) == 3
    for key in outputs["1"]:
        assert outputs["1"][key] == outputs["2"][key], key


def test_the_sweeps_fit_of_the_chosen_weights_is_a_fresh_fits_model(tmp_path, dataset):
    # an ensemble's weights apply at prediction time: the sweep fits the members once, and that fit
    # (seed 1) is seed 1's model; a fresh fit with the chosen weights predicts the same probabilities
    members = [{"type": "tfidf_logreg", "params": {"C": 2.0}},
               {"type": "tfidf_svm", "params": {"C": 0.5, "template": "{speaker}: {text}"}}]
    model = {"type": "ensemble", "params": {"members": members}}
    sweep = {"grid": {"weights": [[1, 1], [1, 3], [3, 1]]}}
    cfg = _config(tmp_path, dataset, "ens", model, sweep, seeds=(1, 2))
    run_dir = train_run(cfg, **QUIET)
    seed_1 = json.loads((run_dir / "seed_1" / "metrics.json").read_text())
    seed_2 = json.loads((run_dir / "seed_2" / "metrics.json").read_text())
    assert seed_1["fitted_by"] == "sweep" and "fitted_by" not in seed_2
    chosen = yaml.safe_load((run_dir / "config.yaml").read_text())["model"]["params"]
    assert chosen["weights"] == json.loads((run_dir / "sweep.json").read_text())["best"]["point"]["weights"]
    data = load_task_data(cfg.data)
    train, dev, test = data.splits["train"], data.splits["dev"], data.splits["test"]
    fresh = make_model("ensemble", {**chosen, "seed": 1}).fit(train, train["y"].tolist(),
                                                               eval_set=(dev, dev["y"].tolist()))
    saved = [json.loads(line) for line in (run_dir / "seed_1" / "predictions_test.jsonl").read_text().splitlines()]
    expected = fresh.predict_proba(test)
    got = np.array([[rec["probs"][c] for c in fresh.classes_] for rec in saved])
    np.testing.assert_array_equal(got, np.round(expected, 6))  # predictions files keep six decimals
