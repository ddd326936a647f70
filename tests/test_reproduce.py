"""`stance reproduce` runs a whole (tiny) study end to end, caches, and is deterministic."""
from __future__ import annotations

import json
import shutil

from mini_study import write_study
from stance.cli.main import main

FIGURES = ["stance_over_time", "sentiment_over_time", "model_comparison", "confusion_matrices", "learning_curve",
           "stance_by_actor", "sentiment_by_actor"]


def _metrics(work):
    out = {}
    for task in ("stance", "sentiment"):
        ev = json.loads((work / "evaluation" / task / "evaluation.json").read_text())
        out[task] = {name: (r["macro_f1"]["values"], r["accuracy"]["values"]) for name, r in ev["runs"].items()}
    return out


def test_reproduce_writes_every_figure_and_table_and_is_deterministic(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    experiment = write_study(tmp_path / "a")
    assert main(["reproduce", str(experiment)]) == 0
    report_dir = tmp_path / "a" / "report"
    for fig in FIGURES:
        for ext in ("png", "svg"):
            assert (report_dir / "figures" / f"{fig}.{ext}").stat().st_size > 2000, f"{fig}.{ext}"
    report = (report_dir / "REPORT.md").read_text()
    for needle in ("## Data", "## Extraction", "### Stance", "### Sentiment", "Paired tests",
                   "| tfidf_logreg |", "| transformer |", "![Stance over time](figures/stance_over_time.png)",
                   "stance reproduce"):
        assert needle in report, needle
    work = tmp_path / "a" / "work"
    for run in ("stance-tfidf_logreg", "stance-transformer", "sentiment-tfidf_logreg", "sentiment-transformer"):
        run_dir = work / "runs" / run
        for f in ("config.yaml", "versions.json", "run.json", "summary.json", "seed_1/predictions_test.jsonl",
                  "seed_2/model/manifest.json"):
            assert (run_dir / f).exists(), f"{run}/{f}"
    first = _metrics(work)
    # the learning curve's fraction 1 is the main run's seed 1, not a second training
    for model in ("tfidf_logreg", "transformer"):
        curve = json.loads((work / "learning_curve" / f"stance-{model}" / "learning_curve.json").read_text())["results"]
        full = next(r for r in curve if r["fraction"] == 1.0)
        assert full["reused_from"] == str(work / "runs" / f"stance-{model}")
        seed_1 = json.loads((work / "runs" / f"stance-{model}" / "seed_1" / "metrics.json").read_text())
        assert full["macro_f1"] == seed_1["test"]["macro_f1"]
    capsys.readouterr()

    # a second run with nothing changed skips every stage
    assert main(["reproduce", str(experiment)]) == 0
    out = capsys.readouterr().out
    assert "[train stance-transformer] up to date, skipped" in out and "[build] up to date, skipped" in out

    # the same study in a fresh folder, run from scratch, gives identical metrics
    shutil.copytree(tmp_path / "a", tmp_path / "b", ignore=shutil.ignore_patterns("work", "report"))
    text = (tmp_path / "b" / "experiment.yaml").read_text().replace(str(tmp_path / "a"), str(tmp_path / "b"))
    (tmp_path / "b" / "experiment.yaml").write_text(text)
    for f in (tmp_path / "b" / "configs").rglob("*.yaml"):
        f.write_text(f.read_text().replace(str(tmp_path / "a"), str(tmp_path / "b")))
    assert main(["reproduce", str(tmp_path / "b" / "experiment.yaml")]) == 0
    assert _metrics(tmp_path / "b" / "work") == first


def test_a_bad_scheme_or_model_config_fails_before_any_stage_runs(tmp_path, capsys):
    import yaml

    experiment = write_study(tmp_path)
    exp = yaml.safe_load(experiment.read_text())
    dataset = yaml.safe_load(open(exp["dataset"]).read())
    dataset["schemes"]["stance"] = "stance7"  # no such scheme
    (tmp_path / "bad_dataset.yaml").write_text(yaml.safe_dump(dataset))
    exp["dataset"] = str(tmp_path / "bad_dataset.yaml")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(exp))
    assert main(["reproduce", str(tmp_path / "bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert "bad_dataset.yaml" in err and "schemes.stance" in err and "stance7" in err
    assert not (tmp_path / "work" / "extracted").exists()  # nothing ran
