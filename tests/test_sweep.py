"""Sweeps: every grid point scored on dev (or grouped CV), the best one trained over the seeds."""
import json

import pytest
import yaml

from stance.errors import ConfigError
from stance.evaluation.metrics import macro_f1
from stance.models import make_model
from stance.training.sweep import set_path
from stance.training.train import DataSection, learning_curve, load_run_config, load_task_data, train_run


def write_config(tmp_path, dataset, sweep, model=None):
    cfg = {"name": "swept", "data": {"path": str(dataset), "task": "stance"},
           "model": model or {"type": "tfidf_logreg", "params": {"C": 2.0}}, "seeds": [1, 2],
           "output_root": str(tmp_path / "runs"), "sweep": sweep}
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_sweep_scores_every_point_on_dev_and_trains_the_best(tmp_path, dataset):
    grid = {"C": [0.001, 10.0], "template": ["{text}", "{speaker}: {text}"]}
    cfg = load_run_config(write_config(tmp_path, dataset, {"grid": grid}))
    run_dir = train_run(cfg, log=lambda *_: None)
    table = json.loads((run_dir / "sweep.json").read_text())
    assert [r["point"] for r in table["rows"]] == [
        {"C": 0.001, "template": "{text}"}, {"C": 0.001, "template": "{speaker}: {text}"},
        {"C": 10.0, "template": "{text}"}, {"C": 10.0, "template": "{speaker}: {text}"}]
    # each row's score is the dev macro-F1 of that point trained with the first seed
    data = load_task_data(DataSection(path=dataset, task="stance"))
    train, dev = data.splits["train"], data.splits["dev"]
    for row in table["rows"]:
        model = make_model("tfidf_logreg", {"C": row["point"]["C"], "template": row["point"]["template"], "seed": 1})
        model.fit(train, train["y"].tolist())
        assert row["macro_f1"] == pytest.approx(macro_f1(dev["y"].tolist(), list(model.predict(dev)), data.labels),
                                                abs=1e-6)
    best = max(table["rows"], key=lambda r: r["macro_f1"])
    assert table["best"]["macro_f1"] == best["macro_f1"]
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["model"]["params"]["C"] == table["best"]["point"]["C"]
    assert resolved["model"]["params"]["template"] == table["best"]["point"]["template"]
    assert resolved["sweep"]["grid"] == grid
    assert "**" in (run_dir / "sweep.md").read_text()
    # the learning curve reuses the saved sweep instead of training the grid again
    messages = []
    learning_curve(cfg, [1.0], seeds=[1], log=messages.append, full_run=run_dir)
    assert any("reusing" in m for m in messages) and not any("sweep {" in m for m in messages)


def test_sweep_on_grouped_cv_and_nested_params(tmp_path, dataset):
    model = {"type": "ensemble", "params": {"members": [{"type": "tfidf_logreg", "params": {}},
                                                         {"type": "tfidf_svm", "params": {}}]}}
    sweep = {"grid": {"members.0.params.C": [0.5, 4.0], "weights": [[1, 1], [3, 1]]}, "select_on": "cv", "cv_folds": 3}
    cfg = load_run_config(write_config(tmp_path, dataset, sweep, model=model))
    run_dir = train_run(cfg.model_copy(update={"seeds": [1]}), log=lambda *_: None)
    table = json.loads((run_dir / "sweep.json").read_text())
    assert len(table["rows"]) == 4 and table["select_on"] == "cv"
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["model"]["params"]["members"][0]["params"]["C"] == table["best"]["point"]["members.0.params.C"]


def test_bad_sweeps_fail_before_training_naming_the_field(tmp_path, dataset):
    with pytest.raises(ConfigError, match=r"sweep\.grid\.CC.*did you mean 'C'") as err:
        load_run_config(write_config(tmp_path, dataset, {"grid": {"CC": [1.0]}}))
    assert err.value.field == "sweep.grid.CC" and err.value.path.endswith("run.yaml")
    with pytest.raises(ConfigError) as err:
        load_run_config(write_config(tmp_path, dataset, {"grid": {"C": [-1.0]}}))
    assert err.value.field == "sweep.grid.C"
    with pytest.raises(ConfigError, match="unknown field"):
        load_run_config(write_config(tmp_path, dataset, {"grid": {"template": ["{speech}"]}}))
    with pytest.raises(ConfigError, match="lists no values"):
        load_run_config(write_config(tmp_path, dataset, {"grid": {"C": []}}))


def test_set_path_reaches_into_dicts_and_lists():
    params = {"members": [{"params": {"C": 1}}, {"params": {}}], "method": "mean"}
    out = set_path(params, "members.1.params.C", 3)
    assert out["members"][1]["params"]["C"] == 3 and params["members"][1]["params"] == {}
    with pytest.raises(KeyError):
        set_path(params, "head.C", 1)


def test_a_model_that_cannot_predict_the_task_fails_before_the_run_folder_is_touched(tmp_path, dataset):
    path = write_config(tmp_path, dataset, {"grid": {"negative_threshold": [-0.05]}},
                        model={"type": "vader", "params": {}})
    cfg = load_run_config(path)
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text("earlier run\n")
    with pytest.raises(ConfigError, match="does not fit task 'stance'") as err:
        train_run(cfg, log=lambda *_: None)
    assert err.value.field == "model.type"
    assert (run_dir / "config.yaml").read_text() == "earlier run\n"


def test_a_grid_path_through_a_plain_value_is_a_config_error(tmp_path, dataset):
    with pytest.raises(ConfigError) as err:
        load_run_config(write_config(tmp_path, dataset, {"grid": {"template.a.b": ["x"]}}))
    assert err.value.field == "sweep.grid.template.a.b"


@pytest.mark.parametrize("select_on", ["dev", "cv"])
def test_an_ensemble_weight_sweep_fits_its_members_once_and_scores_as_separate_fits(tmp_path, dataset, monkeypatch,
                                                                                    select_on):
    import stance.models.ensemble

    members = [{"type": "tfidf_logreg", "params": {"C": 0.05}}, {"type": "tfidf_logreg",
                                                                  "params": {"C": 20.0, "template": "{speaker}: {text}"}}]
    model = {"type": "ensemble", "params": {"members": members, "method": "mean"}}
    grid = {"weights": [[1, 0], [0, 1], [1, 3]]}
    cfg = load_run_config(write_config(tmp_path, dataset, {"grid": grid, "select_on": select_on, "cv_folds": 3},
                                       model=model))
    fits = []
    real_fit = stance.models.ensemble.EnsembleModel.fit
    monkeypatch.setattr(stance.models.ensemble.EnsembleModel, "fit",
                        lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    from stance.training.sweep import run_sweep
    _, table = run_sweep(cfg, load_task_data(cfg.data), log=lambda *_: None)
    assert len(fits) == (1 if select_on == "dev" else 3)
    monkeypatch.setattr(stance.models.ensemble.EnsembleModel, "fit", real_fit)
    # the same scores as fitting every point on its own
    data = load_task_data(cfg.data)
    train, dev = data.splits["train"], data.splits["dev"]
    if select_on == "dev":
        for row in table["rows"]:
            alone = make_model("ensemble", {"members": members, "weights": row["point"]["weights"], "seed": 1})
            alone.fit(train, train["y"].tolist())
            assert row["macro_f1"] == pytest.approx(
                macro_f1(dev["y"].tolist(), [str(p) for p in alone.predict(dev)], data.labels), abs=1e-6)
    # a stacked ensemble has no prediction-time weights: every point is its own fit
    assert make_model("ensemble", {"members": members, "method": "stack"}).predict_time_params(
        {"method": "stack"}) == frozenset()


def test_a_saved_sweep_is_not_reused_after_a_code_change(tmp_path, dataset, monkeypatch):
    import stance.experiment.stages
    from stance.training.sweep import run_sweep

    cfg = load_run_config(write_config(tmp_path, dataset, {"grid": {"C": [0.5, 4.0]}}))
    run_dir = train_run(cfg, log=lambda *_: None)
    data = load_task_data(cfg.data)
    messages = []
    run_sweep(cfg, data, log=messages.append)
    assert any("reusing" in m for m in messages)
    monkeypatch.setattr(stance.experiment.stages, "code_fingerprint", lambda: "another version of the code")
    messages.clear()
    run_sweep(cfg, data, log=messages.append)
    assert not any("reusing" in m for m in messages) and sum("sweep {" in m for m in messages) == 2
    assert (run_dir / "sweep.json").exists()


def test_curves_shift_and_crossfit_reuse_the_main_runs_sweep(tmp_path, dataset):
    # each writes into its own folder, but the main run's table was made from the same data, model,
    # sweep and seed: it is read, not trained again; a different seed trains the grid
    from stance.evaluation.shift import ActorSettings, ShiftSettings, shift_eval
    from stance.training.train import crossfit_predict, run_config_for

    path = write_config(tmp_path, dataset, {"grid": {"C": [0.5, 4.0]}})
    run_dir = train_run(load_run_config(path), log=lambda *_: None)
    chosen = yaml.safe_load((run_dir / "config.yaml").read_text())["model"]["params"]["C"]
    for i, call in enumerate([
            lambda cfg, log: learning_curve(cfg, [0.5], seeds=[1], log=log, full_run=run_dir),
            lambda cfg, log: shift_eval(cfg, ShiftSettings(seeds=[1], n_boot=100, temporal=None,
                                                           actor=ActorSettings(folds=2, min_statements=15)),
                                        full_run=run_dir, log=log),
            lambda cfg, log: crossfit_predict(cfg, k=3, log=log, full_run=run_dir)]):
        cfg = run_config_for(path, seeds=[1], output_root=tmp_path / f"other{i}")
        messages = []
        call(cfg, messages.append)
        assert any(f"reusing {run_dir / 'sweep.json'}" in m for m in messages), i
        assert not any(m.startswith("swept sweep {") for m in messages), i
    cfg = run_config_for(path, seeds=[7], output_root=tmp_path / "seed7")
    messages = []
    crossfit_predict(cfg, k=3, log=messages.append, full_run=run_dir)
    assert not any("reusing" in m for m in messages) and sum(m.startswith("swept sweep {") for m in messages) == 2
    assert chosen in (0.5, 4.0)
