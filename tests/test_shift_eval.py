"""Evaluation under shift (stance.evaluation.shift): the temporal split keeps groups whole, leave-actor-out
never trains on a held-out actor or the articles that quote them, weak rows train but are never
scored, the outputs and the report section are written, and `stance reproduce` runs the stage."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import yaml

from stance.cli.main import main
from stance.errors import InputError
from stance.evaluation.runs import bootstrap_macro_f1, run_summary, unit_index
from stance.evaluation.shift import (
    ActorSettings,
    ShiftSettings,
    TemporalSettings,
    actor_splits,
    gap_sentence,
    load_shift_predictions,
    pooled_rows,
    shift_eval,
    temporal_split,
)
from stance.experiment.report.build import shift_section
from stance.experiment.report.figures import plot_reliability, reliability_bins
from stance.training.train import RunConfig, train_run

QUIET = dict(log=lambda *_: None)


def config(dataset, root, name="stance-lr", **changes) -> RunConfig:
    raw = {"name": name, "data": {"path": str(dataset), "task": "stance"},
           "model": {"type": "tfidf_logreg", "params": {"C": 2.0}}, "seeds": [1], "output_root": str(root)}
    raw.update(changes)
    return RunConfig.model_validate(raw)


def _groups(pool, mask):
    return set(pool.groups[mask].tolist())


@pytest.mark.parametrize("policy", ["drop", "train", "test"])
def test_no_group_straddles_the_temporal_cutoff(dataset, tmp_path, policy):
    pool = pooled_rows(config(dataset, tmp_path))
    split = temporal_split(pool, TemporalSettings(cutoff=dt.date(2025, 9, 2), straddling=policy))
    dates = pool.rows["date"].astype(str).to_numpy()
    train_side = split.train | split.dev
    assert not _groups(pool, train_side) & _groups(pool, split.test)
    assert not (split.train & split.dev).any() and not _groups(pool, split.train) & _groups(pool, split.dev)
    # September articles (art-008, art-020) have statements on the 1st..4th: both sides of the 2nd
    assert split.info["straddling_groups"] == 2 and split.info["straddling_rows"] == 8
    straddlers = {"art-008", "art-020"}
    if policy == "drop":
        assert not straddlers & (_groups(pool, train_side) | _groups(pool, split.test))
        assert (dates[train_side] <= "2025-09-02").all() and (dates[split.test] > "2025-09-02").all()
    elif policy == "train":
        assert straddlers <= _groups(pool, train_side)
    else:
        assert straddlers <= _groups(pool, split.test)
    assert split.info["cutoff"] == "2025-09-02" and split.info["n_test"] == int(split.test.sum()) > 0
    # dev (early stopping) is the latest part of the training period: its groups end no earlier than any
    # training group
    def last(mask):
        return {g: max(d for g2, d in zip(pool.groups[mask], dates[mask]) if g2 == g) for g in _groups(pool, mask)}

    assert split.dev.any() and min(last(split.dev).values()) >= max(last(split.train).values())


def test_quantile_cutoff_is_a_date_of_the_gold_rows(dataset, tmp_path):
    pool = pooled_rows(config(dataset, tmp_path))
    split = temporal_split(pool, TemporalSettings(cutoff=0.8))
    gold_dates = np.sort(pool.rows["date"].astype(str).to_numpy()[pool.scored])
    assert split.info["cutoff"] in set(gold_dates)
    assert (gold_dates <= split.info["cutoff"]).mean() >= 0.8
    with pytest.raises(ValueError, match="quantile"):
        TemporalSettings(cutoff=1.5)
    with pytest.raises(InputError, match="no gold rows after"):
        temporal_split(pool, TemporalSettings(cutoff=dt.date(2030, 1, 1)))


@pytest.mark.parametrize("folds", [None, 2])
def test_held_out_actor_never_trains_nor_do_the_groups_that_quote_it(dataset, tmp_path, folds):
    pool = pooled_rows(config(dataset, tmp_path))
    actor = pool.rows["actor_id"].to_numpy()
    splits = actor_splits(pool, ActorSettings(min_statements=15, folds=folds))
    held_all = [a for f in splits for a in f.actors]
    assert len(held_all) == len(set(held_all)) == len({a for a in actor if (actor[pool.scored] == a).sum() >= 15})
    assert len(splits) == (folds or len(held_all))
    for fold in splits:
        s = fold.split
        of_held = np.isin(actor, fold.actors)
        fitted = s.train | s.dev
        assert not np.isin(actor[fitted], fold.actors).any()
        assert not _groups(pool, fitted) & _groups(pool, of_held)  # no shared articles
        assert (s.test == (of_held & pool.scored)).all() and s.test.any()
    with pytest.raises(InputError, match="without gold statements"):
        actor_splits(pool, ActorSettings(actors=["nobody"]))


def test_weak_rows_train_but_are_never_scored(dataset, tmp_path):
    cfg = config(dataset, tmp_path, name="weak")
    pool = pooled_rows(cfg)
    weak = ~pool.scored
    assert weak.sum() == 4 and pool.trainable[weak].all()
    # the weak rows are dated in March: after a February cut-off they are dropped, not tested
    split = temporal_split(pool, TemporalSettings(cutoff=dt.date(2025, 2, 28)))
    assert not (split.test & weak).any() and split.info["test_period_non_gold_rows_dropped"] == 4
    split = temporal_split(pool, TemporalSettings(cutoff=dt.date(2025, 10, 31), dev_fraction=0))
    assert (split.train & weak).sum() == 4 and not (split.test & weak).any()
    summary = shift_eval(cfg, ShiftSettings(temporal=TemporalSettings(cutoff=dt.date(2025, 2, 28)),
                                            actor=ActorSettings(min_statements=15, folds=2), n_boot=100), **QUIET)
    weak_ids = set(pool.rows["statement_id"][weak])
    for scheme in ("random", "temporal", "actor"):
        lines = (cfg.run_dir / "shift" / scheme / "predictions.jsonl").read_text().splitlines()
        records = [json.loads(line) for line in lines]
        assert records and all(r["label_source"] == "gold" for r in records)
        assert not weak_ids & {r["statement_id"] for r in records}
    trained_on = {i for f in json.loads((cfg.run_dir / "shift" / "actor" / "folds.json").read_text())["folds"]
                  for i in f["train_statement_ids"]}
    assert weak_ids & trained_on  # weak rows did train some leave-actor-out models
    assert summary["actor"]["n_items"] == sum(summary["actor"]["per_actor"][a]["n"]
                                              for a in summary["actor"]["held_out_actors"])


def test_outputs_match_the_project_record_format_and_the_cli(dataset, tmp_path, capsys):
    root = tmp_path / "runs"
    full = train_run(config(dataset, root, name="stance-lr", seeds=[1, 2]), **QUIET)
    path = tmp_path / "lr.yaml"
    path.write_text(yaml.safe_dump(config(dataset, root, name="stance-lr", seeds=[1, 2]).model_dump(mode="json")))
    assert main(["shift-eval", str(path), "--temporal-cutoff", "0.7", "--actor-folds", "2", "--min-statements", "15",
                 "--n-boot", "200"]) == 0
    out = capsys.readouterr().out
    assert "temporal" in out and "leave-actor-out" in out and "compared with the random article split" in out
    shift = full / "shift"
    for scheme in ("random", "temporal", "actor"):
        for f in ("predictions.jsonl", "metrics.json"):
            assert (shift / scheme / f).exists(), f"{scheme}/{f}"
        first = json.loads((shift / scheme / "predictions.jsonl").read_text().splitlines()[0])
        assert set(first) >= {"statement_id", "article_id", "group_id", "actor_id", "date", "split", "seed",
                              "label_source", "gold", "pred", "probs"}
        # the predictions feed the project's article bootstrap unchanged
        rp = load_shift_predictions(shift / scheme)
        metrics = json.loads((shift / scheme / "metrics.json").read_text())
        summary = run_summary(rp, "article", 200, metrics["boot_seed"])
        assert summary["macro_f1"] == metrics["metrics"]["macro_f1"]
        boot = bootstrap_macro_f1(rp.gold, rp.pred, unit_index(rp.items), len(rp.labels), 200, metrics["boot_seed"])
        assert boot["ci_low"] == summary["macro_f1"]["ci_low"] and rp.seeds == [1]
    result = json.loads((shift / "summary.json").read_text())
    # the trained run's seed 1 stands for the random split (no second training)
    assert result["random"]["reused_from"] == str(full)
    assert result["random"]["macro_f1"]["mean"] == json.loads((full / "seed_1" / "metrics.json").read_text())[
        "test"]["macro_f1"]
    assert result["temporal"]["n_test"] == result["temporal"]["n_items"]
    assert result["actor"]["n_folds"] == 2 and set(result["gaps"]) == {"temporal", "actor"}
    for g in result["gaps"].values():
        assert g["ci_low"] <= g["ci_high"]
    # the report section: a table per task with intervals and one sentence per model
    text = shift_section(root, ["stance", "sentiment"])
    assert "## Later events and unseen actors" in text and "### Stance under shift" in text
    assert "| model | random split | temporal | leave-one-actor-out (pooled) |" in text
    assert "| lr | " in text and "lr " + result["sentence"].split(" ", 1)[1] in text
    assert "| held-out actor | gold statements | lr |" in text
    assert main(["shift-eval", str(path), "--temporal-cutoff", "2031-01-01", "--no-actor"]) == 2
    assert "choose an earlier cut-off" in capsys.readouterr().err


def test_gap_sentence_states_the_gaps_in_words():
    gaps = {"temporal": {"diff_macro_f1": -0.081, "ci_low": -0.15, "ci_high": -0.01},
            "actor": {"diff_macro_f1": -0.12, "ci_low": -0.2, "ci_high": -0.05}}
    assert gap_sentence("tfidf_svm", gaps).startswith(
        "tfidf_svm loses 0.08 macro-F1 on later events (95% CI of the change -0.15 to -0.01) and 0.12 on unseen actors")
    gaps["actor"]["diff_macro_f1"] = 0.031
    assert "and gains 0.03 on unseen actors" in gap_sentence("m", gaps)


def test_reliability_bins_and_figure(tmp_path):
    conf = np.array([0.05, 0.1, 0.15, 0.55, 0.95, 1.0])
    bins = reliability_bins(conf, [True, False, True, True, False, True])
    assert bins["n"].tolist() == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]  # (b/10, (b+1)/10], as the ECE
    assert bins["accuracy"][9] == 0.5 and bins["confidence"][0] == pytest.approx(0.075)
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"task": ["stance"] * 80 + ["sentiment"] * 40, "model": (["a", "b"] * 40) + ["a"] * 40,
                          "seed": 1, "confidence": rng.uniform(0.2, 1, 120), "correct": rng.uniform(size=120) < 0.6})
    paths = plot_reliability(frame, "caption", tmp_path / "reliability")
    assert all((tmp_path / f"reliability.{ext}").stat().st_size > 2000 for ext in ("png", "svg")) and len(paths) == 2


def test_reproduce_runs_the_shift_stage_and_reports_it(tmp_path, capsys, monkeypatch):
    from mini_study import write_study

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    experiment = write_study(tmp_path)
    exp = yaml.safe_load(experiment.read_text())
    models = [m for m in exp["tasks"]["stance"]["models"] if "tfidf_logreg" in m]
    exp["tasks"] = {"stance": {"models": models}, "sentiment": {"models": models}}
    exp["seeds"] = [1]
    exp["learning_curve"] = None
    exp["shift"] = {"tasks": ["stance"], "temporal": {"cutoff": 0.75}, "actor": {"actors": ["erdogan"]},
                    "n_boot": 100}
    experiment.write_text(yaml.safe_dump(exp))
    # every mini-study article quotes all four actors; without Erdogan in half of them, holding him
    # out would leave nothing to train on
    gold_path = tmp_path / "data" / "annotations" / "mini.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text().splitlines()]
    kept = [g for g in gold if not (g["actor_id"] == "erdogan" and int(g["article_id"][-2:]) >= 6)]
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in kept))
    assert main(["reproduce", str(experiment)]) == 0
    work = tmp_path / "work"
    summary = json.loads((work / "shift" / "stance-tfidf_logreg" / "shift" / "summary.json").read_text())
    assert summary["random"]["reused_from"] == str(work / "runs" / "stance-tfidf_logreg")
    assert summary["actor"]["held_out_actors"] == ["erdogan"] and summary["actor"]["n_items"] == 6
    report = (tmp_path / "report" / "REPORT.md").read_text()
    assert "## Later events and unseen actors" in report and "| tfidf_logreg | " in report
    assert summary["sentence"] in report
    assert "![Calibration (reliability diagrams)](figures/reliability.png)" in report
    assert (tmp_path / "report" / "figures" / "reliability.png").stat().st_size > 2000
    capsys.readouterr()
    assert main(["reproduce", str(experiment)]) == 0
    assert "[shift stance-tfidf_logreg] up to date, skipped" in capsys.readouterr().out


def test_a_swept_model_chooses_its_settings_inside_each_shift_split(dataset, tmp_path, monkeypatch):
    # the random split's dev shares statements with the temporal and held-out-actor test sets: a sweep
    # chosen there would have seen the shift test rows, so every split sweeps on its own train and dev
    import stance.training.sweep

    seen = []
    real = stance.training.sweep._score_points

    def spy(cfg, params_list, data):
        seen.append((set(data.splits["train"]["statement_id"]), set(data.splits["dev"]["statement_id"])))
        return real(cfg, params_list, data)

    monkeypatch.setattr(stance.training.sweep, "_score_points", spy)
    cfg = config(dataset, tmp_path / "runs", name="stance-lr-swept",
                 sweep={"grid": {"C": [0.05, 2.0]}, "select_on": "dev"})
    settings = ShiftSettings(seeds=[1], n_boot=100, temporal=TemporalSettings(cutoff=0.7),
                             actor=ActorSettings(folds=2, min_statements=15))
    summary = shift_eval(cfg, settings, **QUIET)
    out = cfg.run_dir / "shift"
    temporal = json.loads((out / "temporal" / "split.json").read_text())["splits"]
    folds = json.loads((out / "actor" / "folds.json").read_text())["folds"]
    # random split (2 points), one temporal split (2 points), two actor folds (2 points each)
    assert len(seen) == 2 + 2 + 4
    tests = [set(temporal[0]["test_statement_ids"])]
    pool = pooled_rows(cfg)
    for fold in actor_splits(pool, settings.actor, 1):
        tests.append(set(pool.rows["statement_id"][fold.split.test]))
    for (train, dev), test in zip(seen[2::2], tests):
        assert train and dev and not (train | dev) & test
    assert seen[2][1] == set(temporal[0]["dev_statement_ids"])
    assert [seen[4 + 2 * i][1] for i in range(2)] == [set(f["dev_statement_ids"]) for f in folds]
    sweeps = json.loads((out / "actor" / "sweeps.json").read_text())["sweeps"]
    assert [s["fold"] for s in sweeps] == [0, 1] and all(len(s["rows"]) == 2 for s in sweeps)
    assert [s["point"] for s in summary["actor"]["swept"]] == [s["best"]["point"] for s in sweeps]
    assert summary["temporal"]["swept"][0]["point"]["C"] in (0.05, 2.0)
