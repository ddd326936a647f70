"""Every model: fit / predict / predict_proba / save / load, and safe loading."""
import json

import numpy as np
import pandas as pd
import pytest

from model_data import tiny_rows
from stance.errors import ConfigError, InputError
from stance.models import load_model, make_model


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(tiny_rows(12, 4))


STANCE = ["conditional", "evasive", "none", "open", "rejecting"]
SENTIMENT = ["negative", "neutral", "positive"]


def stance_y(df):
    return [STANCE[i] for i in df["label"]]


def sentiment_y(df):
    return [SENTIMENT[i] for i in df["sentiment"]]


def round_trip(model, X, tmp_path):
    probs = model.predict_proba(X)
    model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["type"] == model.type_name and manifest["classes"] == list(model.classes_)
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict_proba(X), probs, atol=1e-6)
    assert list(loaded.predict(X)) == list(model.predict(X))
    return probs


@pytest.mark.parametrize("model_type", ["tfidf_logreg", "tfidf_svm"])
def test_tfidf_models_learn_and_round_trip(model_type, frame, tmp_path):
    train, test = frame.iloc[:36], frame.iloc[36:]
    model = make_model(model_type, {"seed": 3}).fit(train, stance_y(train))
    assert list(model.classes_) == STANCE
    probs = round_trip(model, test, tmp_path)
    assert probs.shape == (len(test), 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    # the templates repeat across articles, so a fitted model gets most held-out statements right
    assert np.mean(model.predict(test) == np.array(stance_y(test))) > 0.7
    assert list(model.predict(test)) == list(model.classes_[np.argmax(probs, axis=1)])


def test_tfidf_is_deterministic(frame):
    y = stance_y(frame)
    a = make_model("tfidf_svm", {"seed": 1}).fit(frame, y).predict_proba(frame)
    b = make_model("tfidf_svm", {"seed": 1}).fit(frame, y).predict_proba(frame)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("labels", [STANCE, ["open", "rejecting"]])
def test_calibrated_svm_probabilities_match_scikit_learn(frame, labels):
    from stance.models.base import render_inputs

    y = [labels[i % len(labels)] for i in frame["label"]]
    model = make_model("tfidf_svm").fit(frame, y)
    texts = render_inputs(frame, model.p.template)
    expected = model.pipeline_.predict_proba(texts)  # scikit-learn's own path, one product per fold
    assert model.calibration_ == "sigmoid, 3-fold grouped by group_id"
    np.testing.assert_allclose(model.predict_proba(frame), expected, rtol=0, atol=1e-12)


def test_svm_calibration_folds_keep_each_article_together(frame):
    y = stance_y(frame)
    clf = make_model("tfidf_svm", {"seed": 1}).fit(frame, y).pipeline_.named_steps["clf"]
    groups = frame["group_id"].to_numpy()
    assert len(clf.cv) == 3
    for train, test in clf.cv:
        assert not set(groups[train]) & set(groups[test])  # no article on both sides of a fold
        assert set(np.asarray(y)[train]) == set(STANCE)
    assert sorted(np.concatenate([test for _, test in clf.cv]).tolist()) == list(range(len(frame)))
    # the seed shuffles the groups into folds, so seeds give different calibrations
    other = make_model("tfidf_svm", {"seed": 2}).fit(frame, y).pipeline_.named_steps["clf"]
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(clf.cv, other.cv))
    # every statement its own group: stratified folds over all of them
    singletons = make_model("tfidf_svm").fit(frame.assign(group_id=frame["statement_id"]), y)
    folds = singletons.pipeline_.named_steps["clf"].cv
    assert singletons.calibration_ == "sigmoid, 3-fold grouped by group_id"
    assert sorted(len(test) for _, test in folds) == [16, 16, 16]
    # without the column, or with grouping switched off: stratified folds over statements
    no_groups = make_model("tfidf_svm").fit(frame.drop(columns="group_id"), y)
    assert no_groups.calibration_ == "sigmoid, 3-fold over statements (no 'group_id' column)"
    assert make_model("tfidf_svm", {"calibration_groups": None}).fit(frame, y).calibration_ == "sigmoid, 3-fold"


def test_svm_calibration_falls_back_when_a_class_is_tiny(frame, tmp_path):
    y = stance_y(frame)
    y[0] = "unique"  # a class with a single member cannot be split into calibration folds
    model = make_model("tfidf_svm").fit(frame, y)
    assert model.calibration_.startswith("none")
    probs = round_trip(model, frame, tmp_path)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert load_model(tmp_path / "m").calibration_ == model.calibration_
    y[1] = "unique"  # two members: calibration with two folds
    # both members sit in one article, so grouped folds would train a fold without the class
    assert make_model("tfidf_svm").fit(frame, y).calibration_.startswith("sigmoid, 2-fold over statements")


def test_template_uses_other_columns_and_names_a_missing_one(frame):
    model = make_model("tfidf_logreg", {"template": "{speaker} | {text}"}).fit(frame, stance_y(frame))
    assert model.predict_proba(frame).shape == (len(frame), 5)
    with pytest.raises(InputError, match="speaker"):
        model.predict_proba(frame[["text"]])


def test_vader_labels_sentiment_and_refuses_stance_labels(frame, tmp_path):
    model = make_model("vader").fit(frame, sentiment_y(frame))
    X = pd.DataFrame({"text": ["We warmly welcome this wonderful and hopeful agreement.",
                               "The shelling killed three people; it was a horrible, brutal attack.",
                               "The delegation arrived in Istanbul on Tuesday."]})
    assert list(model.predict(X)) == ["positive", "negative", "neutral"]
    round_trip(model, X, tmp_path)
    with pytest.raises(ValueError, match="sentiment"):
        make_model("vader").fit(frame, stance_y(frame))


def test_rules_model_round_trips(frame, tmp_path):
    model = make_model("rules").fit(frame, stance_y(frame))
    assert set(model.predict(frame)) <= set(STANCE)
    round_trip(model, frame, tmp_path)


def test_unknown_type_and_param_typo_are_config_errors():
    with pytest.raises(ConfigError, match="did you mean 'tfidf_svm'"):
        make_model("tfidf_svn")
    with pytest.raises(ConfigError, match=r"model\.params\.learning_rat.*did you mean 'learning_rate'"):
        make_model("transformer", {"learning_rat": 1e-4})


def test_loading_refuses_a_file_with_untrusted_types(frame, tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import StandardScaler

    model = make_model("tfidf_logreg").fit(frame, stance_y(frame))
    model.save(tmp_path / "m")
    sio.dump({"pipeline": StandardScaler()}, tmp_path / "m" / "pipeline.skops")
    with pytest.raises(InputError, match="not trusted.*StandardScaler"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / "manifest.json").unlink()
    with pytest.raises(InputError, match="manifest.json is missing"):
        load_model(tmp_path / "m")


TINY_TRANSFORMER = {"max_steps": 3, "batch_size": 8, "eval_batch_size": 16, "max_length": 32, "epochs": 1, "threads": 1}


def test_transformer_round_trip_and_determinism(frame, tmp_path):
    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**TINY_TRANSFORMER, "template": "{speaker} [SEP] {text}", "seed": 5}
    a = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert a.history_[0]["steps"] == 3 and "dev_macro_f1" in a.history_[0]
    probs = round_trip(a, dev, tmp_path)
    assert (tmp_path / "m" / "hf" / "model.safetensors").exists()
    assert not list((tmp_path / "m").rglob("*.bin")) and not list((tmp_path / "m").rglob("*.pkl"))
    b = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert np.array_equal(b.predict_proba(dev), probs)


def test_transformer_early_stopping_keeps_the_best_epoch(frame):
    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**TINY_TRANSFORMER, "max_steps": None, "epochs": 3, "patience": 1, "learning_rate": 1e-7}
    model = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    f1s = [h["dev_macro_f1"] for h in model.history_]
    assert model.best_epoch_ == 1 + int(np.argmax(f1s))
    # with patience 1 training stops at the first epoch that does not improve on the best
    assert len(f1s) == 3 or f1s[-1] <= max(f1s[:-1])


@pytest.mark.slow  # two ONNX exports (~30 s); PyTorch inference is covered by the tests above
def test_transformer_onnx_paths_agree_with_pytorch(frame, tmp_path):
    pytest.importorskip("onnx")
    train = frame.iloc[:24]
    model = make_model("transformer", {**TINY_TRANSFORMER, "max_steps": 2}).fit(train, stance_y(train))
    reference, probs = model.predict(frame), model.predict_proba(frame)
    model.p.inference = "onnx"
    model.save(tmp_path / "fp32")
    assert (tmp_path / "fp32" / "onnx" / "model.onnx").exists()
    loaded = load_model(tmp_path / "fp32")
    assert loaded.p.inference == "onnx"
    np.testing.assert_allclose(loaded.predict_proba(frame), probs, atol=1e-4)
    model.p.inference, model._onnx = "onnx_int8", None
    model.save(tmp_path / "int8")
    assert (tmp_path / "int8" / "onnx" / "model.int8.onnx").exists()
    int8 = load_model(tmp_path / "int8")
    int8.p.int8_recheck = 0.0  # int8 alone
    raw = int8.predict_proba(frame)
    assert int8.recheck_share_ == 0.0
    assert np.mean(int8.classes_[raw.argmax(axis=1)] == reference) >= 0.9
    int8.p.int8_recheck = 1.0  # every statement re-scored in float32: PyTorch's probabilities
    np.testing.assert_allclose(int8.predict_proba(frame), probs, atol=1e-5)
    assert int8.recheck_share_ == 1.0
    int8.p.int8_recheck = 0.1  # only the statements int8 is unsure about
    mixed = int8.predict_proba(frame)
    top2 = np.sort(raw, axis=1)[:, -2:]
    close = top2[:, 1] - top2[:, 0] < 0.1
    assert int8.recheck_share_ == pytest.approx(close.mean())
    np.testing.assert_allclose(mixed[close], probs[close], atol=1e-5)
    np.testing.assert_array_equal(mixed[~close], raw[~close])


def test_transformer_train_layers_freezes_the_lower_encoder(frame):
    import torch
    from transformers import AutoModelForSequenceClassification

    from stance.models.transformer import default_encoder_path

    train = frame.iloc[:24]
    model = make_model("transformer", {**TINY_TRANSFORMER, "train_layers": 1, "learning_rate": 1e-3}).fit(
        train, stance_y(train))
    base = AutoModelForSequenceClassification.from_pretrained(default_encoder_path(), num_labels=5)
    tuned, original = model.model_.base_model.encoder.layer, base.base_model.encoder.layer
    for i in range(len(tuned) - 1):
        for a, b in zip(tuned[i].parameters(), original[i].parameters()):
            assert torch.equal(a, b)
    assert any(not torch.equal(a, b) for a, b in zip(tuned[-1].parameters(), original[-1].parameters()))
    assert torch.equal(model.model_.get_input_embeddings().weight, base.get_input_embeddings().weight)


def test_cached_lower_layers_give_the_models_own_logits(frame):
    """Training the top layers on cached lower-layer states computes what the full model computes."""
    import torch

    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**TINY_TRANSFORMER, "train_layers": 2, "learning_rate": 1e-3, "seed": 3}
    model = make_model("transformer", params).fit(train, stance_y(train))
    assert model.prefix_cached_
    ids = model._encode(model._texts(dev))
    states = model._frozen_prefix(ids)
    assert [len(s) for s in states] == [len(x) for x in ids]
    model.model_.eval()  # no dropout: both paths are deterministic functions of the input
    with torch.no_grad():
        cached = model._top_logits(*model._pad_states(states))
        input_ids, mask = model._batch(ids)
        full = model.model_(input_ids=input_ids, attention_mask=mask).logits
    torch.testing.assert_close(cached, full, atol=1e-4, rtol=1e-4)
    again = make_model("transformer", params).fit(train, stance_y(train))
    assert np.array_equal(again.predict_proba(dev), model.predict_proba(dev))


def test_prefix_cache_is_used_only_with_frozen_lower_layers(frame):
    train = frame.iloc[:24]
    assert not make_model("transformer", TINY_TRANSFORMER).fit(train, stance_y(train)).prefix_cached_
    off = make_model("transformer", {**TINY_TRANSFORMER, "train_layers": 1, "cache_frozen": False})
    assert not off.fit(train, stance_y(train)).prefix_cached_


@pytest.mark.parametrize("model_type", ["tfidf_logreg", "rules", "vader"])
def test_predict_with_proba_gives_predict_and_predict_proba_in_one_pass(model_type, frame, monkeypatch):
    y = sentiment_y(frame) if model_type == "vader" else stance_y(frame)
    model = make_model(model_type).fit(frame, y)
    expected_pred, expected_probs = list(model.predict(frame)), model.predict_proba(frame)
    calls = []
    cls = type(model)
    real = cls.predict_proba
    monkeypatch.setattr(cls, "predict_proba", lambda self, X: calls.append(len(X)) or real(self, X))
    pred, probs = model.predict_with_proba(frame)
    assert list(pred) == expected_pred and pred.dtype == object
    np.testing.assert_array_equal(probs, expected_probs)
    # the label is the most probable class, so one predict_proba pass serves both (vader labels by
    # its compound score instead, and keeps its own predict)
    assert calls == [len(frame)] if model_type != "vader" else calls[:1] == [len(frame)]
    assert [list(a) for a in model.predict_with_proba([])] == [[], []]
