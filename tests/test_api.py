"""The Python API: `import stance` (lazy), stance.extract / train / evaluate / load_model, the
scikit-learn estimator contract of every model, and docs/quickstart.py."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier

import stance
from model_data import build_dataset
from stance.models import REGISTRY, model_class
from stance.models.tfidf import TfidfLogReg, TfidfSVM

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ["read_articles", "extract", "Extractor", "ActorRegistry", "build_dataset", "load_model", "train",
          "evaluate", "reproduce", "Article", "Statement"]
WIRE = ('MOSCOW, May 16 (Reuters) - The Kremlin is ready to resume talks with Ukraine in Istanbul, '
        'spokesman Dmitry Peskov said on Friday.\n\n'
        '"We are ready to continue the negotiations, but only on the basis of the realities on the ground," '
        'Peskov told reporters.')
TEXTS = ["We are ready to resume direct talks in Istanbul at any time", "We welcome the proposal for a ceasefire",
         "Talks are possible only once they withdraw their troops", "If there is no progress, we may step back",
         "There is nothing to discuss with them", "We reject this so-called peace plan outright"] * 3
LABELS = ["open", "open", "conditional", "conditional", "rejecting", "rejecting"] * 3
# the hyperparameters a type needs besides its defaults (inline, no files)
REQUIRED = {"ensemble": {"members": [{"type": "tfidf_logreg"}, {"type": "tfidf_svm", "params": {"C": 0.5}}]},
            "per_group": {"model": {"type": "tfidf_svm"}}}


# ----------------------------------------------------------------------------- import stance

def test_import_stance_is_lazy_and_lists_the_public_api():
    code = ("import sys, stance; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'spacy', 'transformers', 'sklearn', 'pandas') or m.startswith('stance.')); print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert set(PUBLIC) <= set(stance.__all__) and set(PUBLIC) <= set(dir(stance))
    assert stance.__version__ == "0.1.0"
    with pytest.raises(AttributeError):
        stance.no_such_name  # noqa: B018


def test_the_public_functions_are_not_shadowed_by_the_stage_modules():
    # the stage modules live in their packages (stance.training.train, stance.experiment.reproduce), so
    # importing them leaves `stance.train` and `stance.reproduce` the public functions of stance.api
    import stance.api
    import stance.experiment.reproduce as reproduce_module
    import stance.training.train as train_module

    assert stance.train is stance.api.train and stance.reproduce is stance.api.reproduce
    assert train_module.train_run and reproduce_module.reproduce
    from stance import evaluate, extract, train

    assert callable(train) and callable(evaluate) and callable(extract)


# ----------------------------------------------------------------------------- extract

def test_extract_a_string_finds_the_statements_and_speakers():
    statements = stance.extract(WIRE)
    assert [(s.kind, s.speaker, s.text) for s in statements] == [
        ("reported", "spokesman Dmitry Peskov", "The Kremlin is ready to resume talks with Ukraine in Istanbul"),
        ("direct", "Peskov",
         "We are ready to continue the negotiations, but only on the basis of the realities on the ground")]
    assert all(isinstance(s, stance.Statement) and s.actor_id is None for s in statements)
    assert WIRE[statements[1].start:statements[1].end] == statements[1].text


def test_extract_with_a_registry_a_date_a_dict_and_an_article():
    registry = stance.ActorRegistry.load(ROOT / "configs/actors/russia_ukraine.yaml")
    by_path = stance.extract(WIRE, date="2025-05-16", actors=ROOT / "configs/actors/russia_ukraine.yaml")
    assert [s.actor_id for s in by_path] == ["peskov", "peskov"]
    assert {str(s.date) for s in by_path} == {"2025-05-16"}
    from_dict = stance.extract({"id": "a1", "text": WIRE, "date": "2025-05-16"}, actors=registry)
    article = stance.Article(id="a1", text=WIRE, date="2025-05-16")
    assert from_dict == stance.extract(article, actors=registry)
    assert [s.actor_id for s in from_dict] == ["peskov", "peskov"] and from_dict[0].article_id == "a1"
    with pytest.raises(TypeError):
        stance.extract(42)


# ----------------------------------------------------------------------------- estimator contract

def test_a_list_of_strings_fits_and_predicts():
    model = TfidfLogReg(C=2.0).fit(TEXTS, LABELS)
    assert list(model.classes_) == ["conditional", "open", "rejecting"]
    assert list(model.predict(["We reject this plan outright"])) == ["rejecting"]
    proba = model.predict_proba(np.asarray(["We welcome the proposal", "Only once they withdraw"]))
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1)
    frame = pd.DataFrame({"text": TEXTS})  # the same texts as a DataFrame give the same model
    assert np.array_equal(TfidfLogReg(C=2.0).fit(frame, LABELS).predict_proba(frame), model.predict_proba(TEXTS))
    assert is_classifier(model) and model.score(TEXTS, LABELS) == 1.0


def test_a_template_field_missing_from_strings_is_empty():
    model = TfidfSVM(template="{speaker}: {text}").fit(TEXTS, LABELS)
    assert model.calibration_.startswith("sigmoid") and len(model.predict(TEXTS[:2])) == 2


def test_statements_from_extract_can_be_predicted():
    model = TfidfLogReg().fit(TEXTS, LABELS)
    assert len(model.predict(stance.extract(WIRE))) == 2


@pytest.mark.parametrize("model_type", sorted(REGISTRY))
def test_clone_gives_an_unfitted_copy_with_the_same_params(model_type):
    try:
        model = model_class(model_type)(**REQUIRED.get(model_type, {}))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"{model_type} cannot be built without files: {exc}")
    copy = clone(model)
    assert type(copy) is type(model) and copy is not model
    assert copy.get_params() == model.get_params() and repr(copy) == repr(model)
    assert is_classifier(copy)


def test_clone_of_a_fitted_model_is_unfitted_and_refits_identically():
    model = TfidfSVM(C=0.5, seed=3).fit(TEXTS, LABELS)
    copy = clone(model)
    assert not hasattr(copy, "pipeline_") and not hasattr(copy, "classes_")
    assert np.array_equal(copy.fit(TEXTS, LABELS).predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_get_and_set_params_round_trip():
    model = TfidfSVM()
    params = model.get_params()
    assert params["C"] == 4.0 and params == model.get_params(deep=False)
    assert model.set_params(C=0.5, word_ngrams=(1, 2)) is model
    assert model.p.C == 0.5 and model.get_params()["word_ngrams"] == (1, 2)
    assert TfidfSVM(**model.get_params()).get_params() == model.get_params()
    assert repr(model) == "TfidfSVM(word_ngrams=(1, 2), C=0.5)" and repr(TfidfSVM()) == "TfidfSVM()"
    with pytest.raises(ValueError):
        model.set_params(Cc=1.0)  # unknown name
    with pytest.raises(ValueError):
        model.set_params(C=-1.0)  # invalid value
    assert model.p.C == 0.5  # unchanged after a refused change


def test_set_params_updates_what_a_model_derives_from_them():
    vader = model_class("vader")().set_params(negative="neg")
    assert list(vader.classes_) == ["neg", "neutral", "positive"]


def test_nested_model_specs_show_only_non_default_params():
    model = model_class("ensemble")(**REQUIRED["ensemble"])
    assert repr(model) == ("EnsembleModel(members=[{'type': 'tfidf_logreg', 'params': {}}, "
                           "{'type': 'tfidf_svm', 'params': {'C': 0.5}}])")


# ----------------------------------------------------------------------------- train / evaluate / load_model

def test_train_evaluate_and_load_model_from_python(tmp_path):
    build_dataset(tmp_path / "dataset", n_articles=20, per_article=4)
    config = {"name": "logreg", "data": {"path": str(tmp_path / "dataset")},
              "model": {"type": "tfidf_logreg", "params": {"C": 2.0}}, "seeds": [1]}
    run = stance.train(config, output_root=tmp_path / "runs", log=lambda *_: None)
    assert run == tmp_path / "runs" / "logreg" and (run / "run.json").exists()
    other = stance.train(config, output_root=tmp_path / "runs", name="svm", seeds=[2], log=lambda *_: None)
    result = stance.evaluate([run, other], tmp_path / "evaluation", n_boot=50, n_perm=50)
    assert set(result["runs"]) == {"logreg", "svm"} and len(result["paired"]) == 1
    assert json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())["runs"].keys() == {"logreg", "svm"}
    assert stance.evaluate(run, n_boot=50)["runs"]["logreg"]["macro_f1"]["mean"] > 0
    model = stance.load_model(run)
    assert model.get_params()["C"] == 2.0 and len(model.predict(["We reject the plan"])) == 1


# ----------------------------------------------------------------------------- quickstart

def test_quickstart_runs(tmp_path):
    # in the default suite (the "done when"): about 25 s with the sentence embeddings cached,
    # 70 s with a cold cache on 2 quiet cores (3,710 statements embedded one at a time)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "docs/quickstart.py", str(tmp_path)], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "tfidf_svm: macro-F1" in out.stdout and "embedding_logreg: macro-F1" in out.stdout
    assert (tmp_path / "zelensky_timeline.png").stat().st_size > 0


def test_quickstart_is_short_and_uses_only_the_public_api():
    source = (ROOT / "docs/quickstart.py").read_text()
    assert len(source.splitlines()) < 40
    assert "from stance" not in source and "import stance." not in source


def test_an_embedding_model_takes_a_list_of_strings(tmp_path):
    model = model_class("embedding_logreg")(cache_dir=str(tmp_path)).fit(TEXTS, LABELS)
    assert list(model.classes_) == ["conditional", "open", "rejecting"]
    assert model.predict_proba(TEXTS[:2]).shape == (2, 3) and len(model.predict(["No talks with them"])) == 1


def test_the_report_does_not_import_the_pipeline_that_runs_it():
    # report <- reproduce, never the other way round (the experiment's Paths live in stance.experiment.config)
    import subprocess
    import sys

    code = "import sys, stance.experiment.report.build, stance.cli.commands.report; print('stance.reproduce' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.strip() == "False"
