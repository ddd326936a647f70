"""Training from configs: validation, the run folder, determinism, learning curve, cross-fitting,
and the train / evaluate / predict commands."""
import json

import pytest
import yaml

from model_data import build_dataset
from stance.cli.main import main
from stance.errors import ConfigError
from stance.records import Statement
from stance.training.train import (
    crossfit_predict,
    learning_curve,
    load_run_config,
    nested_group_sample,
    run_config_for,
    train_run,
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "dataset"
    build_dataset(path, n_articles=25, per_article=4, unknown_sentiment=3, weak_train=4)
    return path


def write_config(tmp_path, dataset, **changes):
    cfg = {"name": "logreg", "data": {"path": str(dataset), "task": "stance"},
           "model": {"type": "tfidf_logreg", "params": {"C": 2.0}}, "seeds": [1, 2], "output_root": str(tmp_path / "runs")}
    for key, value in changes.items():
        cfg[key] = value
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_config_typo_names_the_field_and_suggests_the_key(tmp_path, dataset):
    path = write_config(tmp_path, dataset, seeds=[1])
    text = path.read_text().replace("output_root", "output_rot")
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"run\.yaml.*unknown key 'output_rot'; did you mean 'output_root'"):
        load_run_config(path)
    path = write_config(tmp_path, dataset, model={"type": "tfidf_logreg", "params": {"class_wieght": None}})
    with pytest.raises(ConfigError, match=r"model\.params\.class_wieght.*did you mean 'class_weight'"):
        load_run_config(path)
    path = write_config(tmp_path, dataset, data={"path": str(dataset), "task": "stence"})
    with pytest.raises(ConfigError, match=r"data\.task"):
        load_run_config(path)


def test_run_folder_holds_everything_needed_to_trust_the_numbers(tmp_path, dataset):
    cfg = load_run_config(write_config(tmp_path, dataset))
    run_dir = train_run(cfg, log=lambda *_: None)
    for name in ("config.yaml", "versions.json", "run.json", "summary.json"):
        assert (run_dir / name).exists(), name
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["model"]["params"]["C"] == 2.0 and resolved["model"]["params"]["char_ngrams"] == [2, 5]
    info = json.loads((run_dir / "run.json").read_text())
    assert len(info["data_fingerprint"]) == 64 and info["git_commit"]
    assert info["labels"] == ["conditional", "evasive", "none", "open", "rejecting"]
    assert info["rows"]["test"] == 20 and info["dropped"]["train"]["unknown_label"] == 0
    assert "scikit-learn" in json.loads((run_dir / "versions.json").read_text())["packages"]
    for seed in (1, 2):
        seed_dir = run_dir / f"seed_{seed}"
        assert (seed_dir / "model" / "manifest.json").exists()
        rows = [json.loads(line) for line in (seed_dir / "predictions_test.jsonl").read_text().splitlines()]
        assert len(rows) == 20
        assert set(rows[0]) >= {"statement_id", "article_id", "actor_id", "date", "split", "seed", "gold", "pred", "probs"}
        assert rows[0]["seed"] == seed and rows[0]["split"] == "test"
        assert sum(rows[0]["probs"].values()) == pytest.approx(1.0, abs=1e-4)
        metrics = json.loads((seed_dir / "metrics.json").read_text())
        assert 0 <= metrics["test"]["macro_f1"] <= 1 and "ece" in metrics["test"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["test"]["macro_f1"]["values"] == [
        json.loads((run_dir / f"seed_{s}" / "metrics.json").read_text())["test"]["macro_f1"] for s in (1, 2)]


def test_same_seed_gives_identical_predictions(tmp_path, dataset):
    cfg = load_run_config(write_config(tmp_path, dataset, seeds=[7], model={"type": "tfidf_svm"}))
    first = (train_run(cfg, log=lambda *_: None) / "seed_7" / "predictions_test.jsonl").read_text()
    second = (train_run(cfg, log=lambda *_: None) / "seed_7" / "predictions_test.jsonl").read_text()
    assert first == second


def test_sentiment_drops_unknown_labels_and_counts_them(tmp_path, dataset):
    cfg = run_config_for(write_config(tmp_path, dataset, seeds=[1]), task="sentiment", name="sent")
    run_dir = train_run(cfg, log=lambda *_: None)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["dropped"]["train"]["unknown_label"] == 3
    assert info["labels"] == ["negative", "neutral", "positive"]
    # only gold rows for weak-free training
    cfg = run_config_for(write_config(tmp_path, dataset, seeds=[1]), name="goldonly")
    cfg.data.train_sources = ["gold"]
    info = json.loads((train_run(cfg, log=lambda *_: None) / "run.json").read_text())
    assert info["dropped"]["train"]["label_source_not_in_train_sources"] == 4


def test_learning_curve_grows_by_whole_articles(tmp_path, dataset):
    cfg = load_run_config(write_config(tmp_path, dataset, seeds=[1]))
    results = learning_curve(cfg, [0.5, 1.0], seeds=[1, 2], log=lambda *_: None)
    assert [(r["fraction"], r["seed"]) for r in results] == [(0.5, 1), (1.0, 1), (0.5, 2), (1.0, 2)]
    assert all(r["n_train"] % 4 == 0 for r in results)  # four statements per article
    assert results[1]["n_train"] == 60 and results[0]["n_train"] < 60
    saved = json.loads((cfg.run_dir / "learning_curve.json").read_text())
    assert saved["results"] == results
    import numpy as np

    groups = np.repeat([f"a{i}" for i in range(10)], 3)
    small, large = nested_group_sample(groups, 0.3, 5), nested_group_sample(groups, 0.6, 5)
    assert small.sum() == 9 and large.sum() == 18 and not (small & ~large).any()


def test_learning_curve_takes_fraction_one_from_a_matching_full_run(tmp_path, dataset):
    for sub in ("full", "lc", "lc2"):
        (tmp_path / sub).mkdir()
    full = train_run(load_run_config(write_config(tmp_path / "full", dataset, seeds=[1, 2],
                                                  model={"type": "tfidf_svm"})), log=lambda *_: None)
    cfg = load_run_config(write_config(tmp_path / "lc", dataset, seeds=[1], model={"type": "tfidf_svm"}))
    fresh = learning_curve(cfg, [0.5, 1.0], seeds=[1], log=lambda *_: None)
    reused = learning_curve(cfg, [0.5, 1.0], seeds=[1], log=lambda *_: None, full_run=full)
    # the full run's seed 1 trained on exactly what fraction 1 trains on: same score, no second training
    assert "reused_from" not in fresh[1] and reused[1]["reused_from"] == str(full)
    assert reused[1]["macro_f1"] == fresh[1]["macro_f1"]
    assert reused[1]["macro_f1"] == json.loads((full / "seed_1" / "metrics.json").read_text())["test"]["macro_f1"]
    assert "reused_from" not in reused[0]
    # other settings: the full run does not stand for fraction 1
    other = load_run_config(write_config(tmp_path / "lc2", dataset, seeds=[1],
                                         model={"type": "tfidf_svm", "params": {"C": 0.5}}))
    assert "reused_from" not in learning_curve(other, [1.0], seeds=[1], log=lambda *_: None, full_run=full)[0]


def test_crossfit_predicts_every_row_from_a_model_that_never_saw_its_article(tmp_path, dataset):
    cfg = load_run_config(write_config(tmp_path, dataset, seeds=[1]))
    out = crossfit_predict(cfg, k=5, log=lambda *_: None)
    assert len(out) == 100 and out["statement_id"].is_unique
    assert out.groupby("article_id")["fold"].nunique().max() == 1
    assert set(out["fold"]) == {0, 1, 2, 3, 4}
    assert (cfg.run_dir / "crossfit" / "predictions.jsonl").exists()


def test_train_evaluate_predict_commands(tmp_path, dataset, capsys):
    cfg_a = write_config(tmp_path, dataset, name="a", seeds=[1, 2])
    assert main(["train", str(cfg_a)]) == 0
    cfg_b = write_config(tmp_path, dataset, name="b", seeds=[1, 2], model={"type": "tfidf_svm"})
    assert main(["train", str(cfg_b), "--learning-curve", "0.5,1"]) == 0
    runs = tmp_path / "runs"
    assert (runs / "b" / "learning_curve.json").exists()
    assert main(["evaluate", str(runs / "a"), str(runs / "b"), "--out", str(tmp_path / "eval"), "--n-boot", "200",
                 "--n-perm", "200"]) == 0
    result = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert set(result["runs"]) == {"a", "b"} and result["paired"][0]["unit"] == "article"
    assert result["runs"]["a"]["n_units"] == 5
    assert "| a | b |" in (tmp_path / "eval" / "evaluation.md").read_text()
    statements = [Statement(article_id="new-1", start=0, end=52, text="We are ready to resume talks with Kyiv at any time",
                            speaker="Dmitry Peskov", kind="direct", stance="open"),
                  Statement(article_id="new-1", start=60, end=110, text="There is nothing to discuss with them at all",
                            speaker="Sergei Lavrov", kind="reported")]
    src = tmp_path / "statements.jsonl"
    src.write_text("\n".join(s.model_dump_json() for s in statements) + "\n")
    out = tmp_path / "predicted.jsonl"
    assert main(["predict", "--model", str(runs / "a"), str(src), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["stance"] for r in rows] == ["open", "rejecting"]
    assert rows[0]["stance_input"] == "open" and rows[0]["stance_model"].startswith("a/seed_")
    assert set(rows[1]["stance_probs"]) == {"conditional", "evasive", "none", "open", "rejecting"}
    article = {"id": "new-2", "date": "2025-05-16", "title": "Talks",
               "text": "\"We are ready to resume talks with Kyiv at any time,\" Kremlin spokesman Dmitry Peskov "
                       "told reporters on Friday.\n\nUkraine's foreign minister said there was nothing to discuss."}
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps(article) + "\n")
    assert main(["predict", "--model", str(runs / "a"), str(articles), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and rows[0]["text"] == "We are ready to resume talks with Kyiv at any time"
    assert rows[0]["stance"] == "open" and rows[0]["speaker"].endswith("Dmitry Peskov")
    assert rows[0]["actor_id"] == "peskov"  # the project's actor registry, as `stance extract` uses it
    assert main(["predict", "--model", str(runs / "a"), str(articles), "-o", str(out), "--no-actors"]) == 0
    assert json.loads(out.read_text().splitlines()[0])["actor_id"] is None
    assert main(["train", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_a_dataset_built_without_dev_trains_and_scores_test(tmp_path, dataset):
    # `split.fractions.dev: 0` saves an empty dev split; `datasets` writes no data file for it
    from datasets import Dataset, DatasetDict, load_from_disk

    from stance.dataset.builder import load_built

    dd = load_from_disk(str(dataset))
    empty = Dataset.from_dict({k: [] for k in dd["dev"].features}, features=dd["dev"].features)
    no_dev = tmp_path / "no_dev"
    DatasetDict({"train": dd["train"], "dev": empty, "test": dd["test"]}).save_to_disk(str(no_dev))
    assert len(load_built(no_dev)["dev"]) == 0 and len(load_built(no_dev)["test"]) == len(dd["test"])
    logs = []
    run_dir = train_run(load_run_config(write_config(tmp_path, no_dev, seeds=[1])), log=logs.append)
    assert any("dev: no rows, test macro-F1" in line for line in logs)
    metrics = json.loads((run_dir / "seed_1" / "metrics.json").read_text())
    assert metrics["dev"]["n"] == 0 and metrics["test"]["n"] == len(dd["test"])
    assert (run_dir / "seed_1" / "predictions_dev.jsonl").read_text() == ""
    assert len((run_dir / "seed_1" / "predictions_test.jsonl").read_text().splitlines()) == len(dd["test"])
