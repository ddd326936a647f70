"""The per_group model: one inner model per value of a column, a pooled model for the rest."""
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from model_data import build_dataset
from stance.errors import ConfigError, InputError
from stance.models import load_model, make_model, validate_params
from stance.models.per_group import folder_name

SUBJECTS = ["the plan", "the law", "the deal", "the vote", "the reform", "the budget"]
VERBS = {"good": ["great", "wonderful", "excellent"], "bad": ["awful", "terrible", "dreadful"]}


def mirrored_rows(target: str, flip: bool, n: int = 12, with_none: bool = False) -> list[dict]:
    """Rows of one target: "great/wonderful ..." is favor and "awful/terrible ..." against, or the
    other way round when `flip`; with_none adds neutral rows ("... was discussed")."""
    rows = []
    for i in range(n):
        subject = SUBJECTS[i % len(SUBJECTS)]
        for tone, words in VERBS.items():
            label = "favor" if (tone == "good") != flip else "against"
            rows.append({"text": f"{subject} is {words[i % 3]}", "target": target, "y": label})
        if with_none:
            rows.append({"text": f"{subject} was discussed on day {i}", "target": target, "y": "none"})
    for k, r in enumerate(rows):
        r["group_id"] = f"{target}:{k}"
    return rows


INNER = {"type": "tfidf_svm", "params": {"C": 1.0, "word_ngrams": [1, 1], "char_ngrams": [3, 4]}}


@pytest.fixture(scope="module")
def data():
    # targets A and B use the same words with opposite stances, so a model that ignores the
    # target cannot tell them apart; C is too small for its own model
    train = pd.DataFrame(mirrored_rows("A", flip=False) + mirrored_rows("B", flip=True, with_none=True)
                         + mirrored_rows("C", flip=False, n=2))
    test = pd.DataFrame(mirrored_rows("A", flip=False, n=6) + mirrored_rows("B", flip=True, n=6))
    return train, test


@pytest.fixture(scope="module")
def fitted(data):
    train, _ = data
    return make_model("per_group", {"column": "target", "min_rows": 10, "model": INNER, "seed": 4}).fit(
        train, train["y"].tolist())


def test_routing_uses_each_groups_own_model(data, fitted):
    train, test = data
    assert sorted(fitted.models_) == ["A", "B"]
    assert fitted.groups_["C"]["model"].startswith("pooled: 4 training rows < min_rows 10")
    assert list(fitted.classes_) == ["against", "favor", "none"]
    pred = fitted.predict(test)
    assert list(pred) == test["y"].tolist()
    # the pooled model sees the same text with both labels, so it cannot be right on both targets
    pooled = make_model(INNER["type"], INNER["params"]).fit(train, train["y"].tolist())
    pooled_pred = pooled.predict(test)
    assert np.mean(pooled_pred == test["y"].to_numpy()) <= 0.6
    a, b = test["target"] == "A", test["target"] == "B"
    assert list(pooled_pred[a.to_numpy()]) == list(pooled_pred[b.to_numpy()])  # same texts, same answers
    assert list(pred[a.to_numpy()]) != list(pred[b.to_numpy()])


def test_probabilities_align_to_the_union_of_classes(data, fitted):
    _, test = data
    probs = fitted.predict_proba(test)
    assert probs.shape == (len(test), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    a = (test["target"] == "A").to_numpy()
    assert list(fitted.models_["A"].classes_) == ["against", "favor"]
    assert np.all(probs[a, 2] == 0.0)  # target A never saw "none"
    np.testing.assert_allclose(probs[a][:, :2], fitted.models_["A"].predict_proba(test[a].reset_index(drop=True)))


def test_unseen_small_and_missing_groups_fall_back_to_the_pooled_model(fitted):
    X = pd.DataFrame({"text": ["the plan is great", "the law is awful", "the deal is excellent"],
                      "target": ["Z", "C", None]})
    assert fitted.route(X) == [None, None, None]
    np.testing.assert_allclose(fitted.predict_proba(X), fitted._aligned(fitted.pooled_, X))
    with pytest.raises(InputError, match="routes by column 'target'"):
        fitted.predict_proba(X[["text"]])


def test_outer_seed_reaches_the_inner_models(fitted):
    assert fitted.pooled_.p.seed == 4 and all(m.p.seed == 4 for m in fitted.models_.values())
    assert fitted.models_["A"].p.C == 1.0 and fitted.models_["A"].p.word_ngrams == (1, 1)


def test_save_and_load_give_identical_probabilities(data, fitted, tmp_path):
    _, test = data
    X = pd.concat([test, pd.DataFrame({"text": ["the vote is great"], "target": ["unseen"]})], ignore_index=True)
    fitted.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["type"] == "per_group" and manifest["classes"] == ["against", "favor", "none"]
    assert manifest["params"]["model"]["params"]["C"] == 1.0
    assert [g["folder"] for g in manifest["groups"]] == ["groups/000-A", "groups/001-B", None]
    assert json.loads((tmp_path / "m" / "pooled" / "manifest.json").read_text())["type"] == "tfidf_svm"
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is type(fitted) and sorted(loaded.models_) == ["A", "B"]
    assert np.array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert list(loaded.predict(X)) == list(fitted.predict(X))


def test_group_values_never_become_paths(tmp_path):
    rows = mirrored_rows("../x", flip=False, n=6) + mirrored_rows("/etc/passwd", flip=True, n=6) \
        + mirrored_rows("..", flip=True, n=6)
    train = pd.DataFrame(rows)
    model = make_model("per_group", {"min_rows": 5, "model": INNER}).fit(train, train["y"].tolist())
    out = tmp_path / "sub" / "m"
    model.save(out)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("manifest.json"))
    assert all(p.startswith("sub/m/") for p in written)  # nothing outside the model folder
    assert sorted(p.name for p in (out / "groups").iterdir()) == ["000-", "001-x", "002-etc_passwd"]
    assert folder_name(7, "../x") == "007-x" and folder_name(0, "Hillary Clinton") == "000-Hillary_Clinton"
    loaded = load_model(out)
    np.testing.assert_allclose(loaded.predict_proba(train), model.predict_proba(train))
    assert list(loaded.predict(train)) == train["y"].tolist()
    # a manifest that points a group outside the model folder is refused
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["groups"][0]["folder"] = "groups/../../evil"
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="refusing group folder"):
        load_model(out)


def test_inner_params_are_validated_with_their_path():
    with pytest.raises(ConfigError, match=r"model\.params\.model\.params\.Cc: unknown key 'Cc'.*'C'") as exc:
        make_model("per_group", {"model": {"type": "tfidf_svm", "params": {"Cc": 0.5}}})
    assert exc.value.field == "model.params.model.params.Cc"
    with pytest.raises(ConfigError, match=r"model\.params\.model\.params\.C: Input should be greater than 0"):
        validate_params("per_group", {"model": {"type": "tfidf_svm", "params": {"C": -1}}})
    with pytest.raises(ConfigError, match=r"model\.params\.model\.type.*did you mean 'tfidf_svm'"):
        validate_params("per_group", {"model": {"type": "tfidf_svn"}})
    with pytest.raises(ConfigError, match=r"model\.params\.colum: unknown key"):
        validate_params("per_group", {"colum": "target", "model": INNER})
    with pytest.raises(ConfigError, match=r"model\.params\.model: Field required"):
        validate_params("per_group", {})
    with pytest.raises(ConfigError, match="cannot contain another per_group"):
        validate_params("per_group", {"model": {"type": "per_group", "params": {"model": INNER}}})
    # defaults of the inner model are filled in, as for a top-level model
    resolved = validate_params("per_group", {"model": {"type": "tfidf_svm"}})
    assert resolved["model"]["params"]["char_ngrams"] == [2, 5] and resolved["min_rows"] == 20


def test_a_run_config_with_an_inner_typo_names_file_and_key(tmp_path):
    from stance.training.train import load_run_config

    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"name": "pg", "data": {"path": str(tmp_path)},
                                    "model": {"type": "per_group", "params": {"model": {
                                        "type": "tfidf_svm", "params": {"class_wieght": None}}}}}))
    with pytest.raises(ConfigError, match=r"run\.yaml.*model\.params\.model\.params\.class_wieght.*'class_weight'"):
        load_run_config(path)


def test_train_run_seeds_the_inner_models(tmp_path):
    from stance.training.train import load_run_config, train_run

    build_dataset(tmp_path / "dataset", n_articles=15, per_article=4)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({
        "name": "pg", "data": {"path": str(tmp_path / "dataset")}, "seeds": [3], "output_root": str(tmp_path / "runs"),
        "model": {"type": "per_group", "params": {"column": "target", "min_rows": 5,
                                                  "model": {"type": "tfidf_logreg", "params": {"C": 2.0}}}}}))
    run_dir = train_run(load_run_config(path), log=lambda *_: None)
    model = load_model(run_dir / "seed_3" / "model")
    assert sorted(model.models_) == ["negotiation"]
    assert model.p.seed == 3 and model.models_["negotiation"].p.seed == 3 and model.pooled_.p.seed == 3
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["model"]["params"]["model"]["params"]["char_ngrams"] == [2, 5]
