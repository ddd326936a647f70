"""The report's results tables: paired tests read as transformer minus baseline."""
from __future__ import annotations

import json

from stance.experiment.report.build import headline_comparison, paired_table


def _run(model_type: str, mean: float) -> dict:
    return {"task": "stance", "model_type": model_type, "macro_f1": {"mean": mean}}


EVALUATION = {
    "runs": {"stance-tfidf_logreg": _run("tfidf_logreg", 0.44), "stance-tfidf_svm": _run("tfidf_svm", 0.46),
             "stance-transformer": _run("transformer", 0.53), "stance-rules": _run("rules", 0.28)},
    # pairs as evaluate_runs writes them: a − b in the order the runs were listed
    "paired": [
        {"task": "stance", "a": "stance-tfidf_logreg", "b": "stance-transformer", "diff_macro_f1": -0.087,
         "ci_low": -0.146, "ci_high": -0.027, "p_bootstrap": 0.006, "p_randomization": 0.011},
        {"task": "stance", "a": "stance-tfidf_svm", "b": "stance-transformer", "diff_macro_f1": -0.067,
         "ci_low": -0.132, "ci_high": 0.002, "p_bootstrap": 0.058, "p_randomization": 0.076},
        {"task": "stance", "a": "stance-rules", "b": "stance-tfidf_svm", "diff_macro_f1": -0.179,
         "ci_low": -0.284, "ci_high": -0.080, "p_bootstrap": 0.0, "p_randomization": 0.006},
    ],
}


def test_pairs_put_the_transformer_first_and_flip_the_interval():
    rows = paired_table(EVALUATION, "stance").splitlines()[2:]
    assert rows[0] == "| transformer | tfidf_svm | +0.067 | [-0.002, +0.132] | 0.058 | 0.076 |"
    assert rows[1] == "| transformer | tfidf_logreg | +0.087 | [+0.027, +0.146] | 0.006 | 0.011 |"
    # without a transformer, the better model (by mean) comes first
    assert rows[2] == "| tfidf_svm | rules | +0.179 | [+0.080, +0.284] | 0.000 | 0.006 |"


def test_headline_uses_the_tfidf_model_that_is_best_on_dev_not_test(tmp_path):
    # on dev, logreg beats svm although svm is better on test: the headline must follow dev
    for name, dev in {"stance-tfidf_logreg": 0.52, "stance-tfidf_svm": 0.50, "stance-transformer": 0.55}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps({"dev": {"macro_f1": {"mean": dev}}}))
    line = headline_comparison(EVALUATION, "stance", tmp_path)
    assert "(tfidf_logreg)" in line
    assert "Δ macro-F1 +0.087, 95% CI [+0.027, +0.146] (the interval excludes zero)" in line


def test_subset_scores_split_a_runs_test_predictions_by_pinned_article(tmp_path):
    import json

    from stance.experiment.report.build import subset_scores

    rows = [("old-1", "open", "open"), ("old-1", "evasive", "evasive"), ("old-2", "open", "evasive"),
            ("new-1", "open", "open"), ("new-1", "rejecting", "open")]
    for seed in (1, 2):
        d = tmp_path / f"seed_{seed}"
        d.mkdir()
        (d / "predictions_test.jsonl").write_text("".join(
            json.dumps({"article_id": a, "gold": g, "pred": p}) + "\n" for a, g, p in rows), encoding="utf-8")
    n_old, f_old, n_new, f_new = subset_scores(tmp_path, {"old-1", "old-2"})
    assert (n_old, n_new) == (3, 2)
    # old: open P 1/1 R 1/2 -> 2/3; evasive P 1/2 R 1/1 -> 2/3; macro over the labels present = 2/3
    assert abs(f_old - 2 / 3) < 1e-9
    # new: open P 1/2 R 1/1 -> 2/3; rejecting 0 -> macro 1/3
    assert abs(f_new - 1 / 3) < 1e-9


def _four_runs(folder):
    """Run folders of four stance models with only their dev macro-F1 (what the headline reads)."""
    import json

    for name, dev in (("stance-tfidf_logreg", 0.47), ("stance-tfidf_svm", 0.45), ("stance-transformer", 0.5),
                      ("stance-rules", 0.2)):
        (folder / name).mkdir()
        (folder / name / "summary.json").write_text(json.dumps({"dev": {"macro_f1": {"mean": dev}}}))


def test_headline_names_the_swept_models_from_their_run_folders(tmp_path):
    _four_runs(tmp_path)
    line = headline_comparison(EVALUATION, "stance", tmp_path)
    assert "sweep" not in line  # nothing was swept: no caveat
    (tmp_path / "stance-tfidf_svm" / "sweep.json").write_text("{}")
    line = headline_comparison(EVALUATION, "stance", tmp_path)
    assert "Models with a sweep (tfidf_svm) had their settings chosen on the same dev split" in line
    assert line.endswith("; rules, tfidf_logreg, transformer were not swept.")


def test_best_on_dev_is_the_one_rule_for_picking_a_model(tmp_path):
    import json

    import pytest

    from stance.errors import InputError
    from stance.experiment.config import Paths
    from stance.experiment.reproduce import _best_model
    from stance.run_folder import best_on_dev

    class Exp:  # the two fields Paths reads
        work_dir, report_dir = tmp_path, tmp_path / "report"

    paths = Paths(Exp())
    for stem, dev, test in (("a", 0.50, 0.60), ("b", 0.55, 0.40), ("c", 0.55, 0.70)):
        d = paths.run_dir("stance", stem)
        d.mkdir(parents=True)
        (d / "summary.json").write_text(json.dumps({"dev": {"macro_f1": {"mean": dev}},
                                                    "test": {"macro_f1": {"mean": test}}}))
        (d / "run.json").write_text("{}")
    # dev decides, never test; the first of a tie wins
    assert best_on_dev(paths.run_dir("stance", s) for s in "abc").name == "stance-b"
    assert _best_model(paths, "stance", ["a", "b", "c"]) == "b"
    assert best_on_dev([]) is None
    (paths.run_dir("stance", "c") / "run.json").unlink()
    with pytest.raises(InputError, match="not a run folder"):
        _best_model(paths, "stance", ["a", "b", "c"])


def test_the_experiment_can_declare_the_headline_families(tmp_path):
    _four_runs(tmp_path)
    # by type: the transformer against the TF-IDF model best on dev
    line = headline_comparison(EVALUATION, "stance", tmp_path)
    assert "Best model without TF-IDF on dev (transformer) versus the best TF-IDF model on dev (tfidf_logreg)" in line
    # declared: tfidf_svm alone is the baseline, whatever dev says about tfidf_logreg
    line = headline_comparison(EVALUATION, "stance", tmp_path,
                               {"baseline": ["tfidf_svm"], "challengers": ["transformer"], "mixed": []})
    assert "Best on dev of transformer (transformer) versus the best baseline on dev (tfidf_svm)" in line
    assert "Δ macro-F1 +0.067, 95% CI [-0.002, +0.132] (the interval includes zero)" in line


def test_a_headline_naming_an_unknown_model_fails_at_load(tmp_path):
    import pytest
    import yaml

    from stance.errors import ConfigError
    from stance.experiment.config import load_experiment

    (tmp_path / "m.yaml").write_text("name: m\n")
    exp = {"name": "x", "articles": "a", "actors": "b", "dataset": "d.yaml",
           "tasks": {"stance": {"models": [str(tmp_path / "m.yaml")]}},
           "headline": {"baseline": ["tfidf_svmm"]}}
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(exp))
    with pytest.raises(ConfigError, match=r"headline.baseline: \['tfidf_svmm'\] are not model configs"):
        load_experiment(tmp_path / "exp.yaml")
