"""The transformer's mean-pooled head: pooled vectors, logistic-regression initialisation,
separate encoder learning rate, cached lower layers, saving, and loading older saved models."""
import json

import numpy as np
import pandas as pd
import pytest

from model_data import tiny_rows
from stance.errors import ConfigError
from stance.models import load_model, make_model
from stance.models.base import render_inputs

STANCE = ["conditional", "evasive", "none", "open", "rejecting"]
TINY = {"max_steps": 3, "batch_size": 8, "eval_batch_size": 16, "max_length": 32, "epochs": 1, "threads": 1}
MEAN = {**TINY, "pooling": "mean", "template": "{speaker}: {text}"}
NEW_FIELDS = ("pooling", "normalize", "head_dropout", "head_init", "head_init_C", "body_learning_rate",
              "label_smoothing")


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(tiny_rows(12, 4))


def stance_y(df):
    return [STANCE[i] for i in df["label"]]


def sentence_vectors(texts, max_length=32):
    """all-MiniLM-L6-v2's own sentence embeddings (mean pooled, L2-normalised), computed independently."""
    from stance.models.encoders import SentenceEncoder, resolve_encoder_path

    return SentenceEncoder(resolve_encoder_path(None), pooling="mean", normalize=True, max_length=max_length,
                           batch_size=1, threads=1).encode(texts)


@pytest.fixture(scope="module")
def logreg_start(frame):
    """head_init logreg with no optimiser step: the regression head on the frozen encoder."""
    train = frame.iloc[:24]
    return make_model("transformer", {**MEAN, "head_init": "logreg", "max_steps": 0}).fit(train, stance_y(train))


def test_mean_pooling_gives_the_encoders_own_sentence_vector(frame, logreg_start):
    model = logreg_start
    X = frame.iloc[24:]
    ids = model._encode(model._texts(X))
    ours = model._pooled_features(ids)
    np.testing.assert_allclose(ours, sentence_vectors(render_inputs(X, MEAN["template"])), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # the cached-lower-layer path pools the same vector (train_layers 2: four layers cached)
    model.p.train_layers = 2
    try:
        np.testing.assert_allclose(model._pooled_features(ids, model._frozen_prefix(ids)), ours, atol=1e-5)
    finally:
        model.p.train_layers = None
    # and the head reads exactly that vector
    import torch

    with torch.no_grad():
        logits = model.model_.classifier(torch.tensor(ours)).numpy()
    np.testing.assert_allclose(logits, model._logits(ids), atol=1e-4)


def test_logreg_head_starts_with_the_regressions_probabilities(frame, logreg_start):
    model = logreg_start
    assert [h["epoch"] for h in model.history_] == [0] and model.best_epoch_ == 0
    X = frame.iloc[24:]
    features = sentence_vectors(render_inputs(X, MEAN["template"])).astype(np.float64)
    np.testing.assert_allclose(model.predict_proba(X), model.head_logreg_.predict_proba(features), atol=1e-5)
    assert model.head_logreg_.C == 4.0 and model.head_logreg_.class_weight == "balanced"


def test_logreg_start_is_epoch_zero_and_kept_when_no_epoch_beats_it(frame, logreg_start):
    train, dev = frame.iloc[:24], frame.iloc[24:36]
    # a learning rate that wrecks the encoder and head: epoch 1 is worse on dev, so the start is restored
    params = {**MEAN, "head_init": "logreg", "max_steps": None, "epochs": 1, "learning_rate": 1.0}
    model = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert [h["epoch"] for h in model.history_] == [0, 1]
    assert model.history_[1]["dev_macro_f1"] < model.history_[0]["dev_macro_f1"]
    assert model.history_[0]["best"] and model.best_epoch_ == 0
    np.testing.assert_allclose(model.predict_proba(frame), logreg_start.predict_proba(frame), atol=1e-6)
    # a tie does not replace the start either
    tie = make_model("transformer", {**params, "learning_rate": 1e-30}).fit(train, stance_y(train),
                                                                            eval_set=(dev, stance_y(dev)))
    assert tie.history_[1]["dev_macro_f1"] == tie.history_[0]["dev_macro_f1"] and tie.best_epoch_ == 0


def test_logreg_init_needs_mean_pooling():
    with pytest.raises(ConfigError, match="pooling"):
        make_model("transformer", {"head_init": "logreg"})


def test_body_learning_rate_is_separate_from_the_heads(frame):
    import torch
    from transformers import AutoModel

    from stance.models.transformer import default_encoder_path

    train = frame.iloc[:24]
    params = {**MEAN, "learning_rate": 1e-2, "body_learning_rate": 1e-30, "max_steps": 2}
    model = make_model("transformer", params).fit(train, stance_y(train))
    base = AutoModel.from_pretrained(default_encoder_path())
    for (name, a), b in zip(model.model_.body.named_parameters(), base.parameters()):
        assert (a - b).abs().max() <= 1e-20, name  # steps of 1e-30 leave the encoder as it was
    fresh = make_model("transformer", {**params, "max_steps": 0}).fit(train, stance_y(train))
    assert not torch.equal(model.model_.classifier.weight, fresh.model_.classifier.weight)


def test_mean_head_on_cached_lower_layers_gives_the_models_own_logits(frame):
    import torch

    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**MEAN, "train_layers": 2, "head_init": "logreg", "learning_rate": 1e-3, "seed": 3}
    model = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert model.prefix_cached_
    ids = model._encode(model._texts(dev))
    states = model._frozen_prefix(ids)
    model.model_.eval()  # no dropout: both paths are deterministic functions of the input
    with torch.no_grad():
        cached = model._top_logits(*model._pad_states(states))
        input_ids, mask = model._batch(ids)
        full = model.model_(input_ids=input_ids, attention_mask=mask).logits
    torch.testing.assert_close(cached, full, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(model._prefix_logits(states), model._logits(ids), atol=1e-4)
    again = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert np.array_equal(again.predict_proba(dev), model.predict_proba(dev))


def test_the_next_seed_reuses_the_frozen_layers_output_with_the_same_result(frame, monkeypatch):
    import stance.models.transformer as transformer

    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**MEAN, "train_layers": 2, "head_init": "logreg", "learning_rate": 1e-3}
    computed = []
    real = transformer.TransformerClassifier._compute_frozen_prefix

    def spy(self, ids):
        computed.append(len(ids))
        return real(self, ids)

    monkeypatch.setattr(transformer.TransformerClassifier, "_compute_frozen_prefix", spy)
    monkeypatch.setattr(transformer, "_PREFIX_MEMO", {})
    make_model("transformer", {**params, "seed": 1}).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert computed == [24, 12]  # train and dev
    second = make_model("transformer", {**params, "seed": 2}).fit(train, stance_y(train),
                                                                  eval_set=(dev, stance_y(dev)))
    assert computed == [24, 12]  # the second seed computed nothing
    make_model("transformer", {**params, "seed": 2, "train_layers": 3}).fit(train, stance_y(train))
    assert computed == [24, 12, 24]  # other frozen layers: computed again
    monkeypatch.setattr(transformer, "_PREFIX_MEMO", {})
    fresh = make_model("transformer", {**params, "seed": 2}).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert computed[-2:] == [24, 12]
    assert np.array_equal(fresh.predict_proba(dev), second.predict_proba(dev))


def test_the_next_seed_reuses_the_heads_starting_regression_with_the_same_result(frame, monkeypatch):
    import stance.models.transformer as transformer

    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**MEAN, "train_layers": 2, "head_init": "logreg", "learning_rate": 1e-3}
    pooled = []
    real = transformer.TransformerClassifier._pooled_features

    def spy(self, ids, prefix):
        pooled.append(len(ids))
        return real(self, ids, prefix)

    monkeypatch.setattr(transformer.TransformerClassifier, "_pooled_features", spy)
    monkeypatch.setattr(transformer, "_PREFIX_MEMO", {})
    monkeypatch.setattr(transformer, "_HEAD_MEMO", {})
    make_model("transformer", {**params, "seed": 1}).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert pooled == [24]
    second = make_model("transformer", {**params, "seed": 2}).fit(train, stance_y(train),
                                                                  eval_set=(dev, stance_y(dev)))
    assert pooled == [24]  # the second seed fitted no regression
    assert second.head_logreg_.random_state == 2
    shuffled = train.assign(label=train["label"].to_numpy()[::-1])
    make_model("transformer", {**params, "seed": 2}).fit(shuffled, stance_y(shuffled))
    assert pooled == [24, 24]  # other labels: fitted again
    monkeypatch.setattr(transformer, "_PREFIX_MEMO", {})
    monkeypatch.setattr(transformer, "_HEAD_MEMO", {})
    fresh = make_model("transformer", {**params, "seed": 2}).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    assert pooled == [24, 24, 24]
    assert np.array_equal(fresh.predict_proba(dev), second.predict_proba(dev))


def test_mean_head_round_trip(frame, tmp_path):
    train, dev = frame.iloc[:24], frame.iloc[24:36]
    params = {**MEAN, "train_layers": 2, "head_init": "logreg", "learning_rate": 1e-3, "body_learning_rate": 1e-4}
    model = make_model("transformer", params).fit(train, stance_y(train), eval_set=(dev, stance_y(dev)))
    probs = model.predict_proba(frame)
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "head.safetensors").exists() and (tmp_path / "m" / "hf" / "model.safetensors").exists()
    assert not list((tmp_path / "m").rglob("*.bin")) and not list((tmp_path / "m").rglob("*.pkl"))
    loaded = load_model(tmp_path / "m")
    assert loaded.p.pooling == "mean" and loaded.p.head_init == "logreg"
    np.testing.assert_array_equal(loaded.predict_proba(frame), probs)
    assert list(loaded.predict(frame)) == list(model.predict(frame))


def test_mean_head_with_wrong_shapes_is_refused(frame, tmp_path):
    import torch
    from safetensors.torch import save_file

    from stance.errors import InputError

    train = frame.iloc[:24]
    make_model("transformer", {**MEAN, "max_steps": 1}).fit(train, stance_y(train)).save(tmp_path / "m")
    save_file({"weight": torch.zeros(3, 384), "bias": torch.zeros(3)}, str(tmp_path / "m" / "head.safetensors"))
    with pytest.raises(InputError, match="head weights have shapes"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / "head.safetensors").unlink()
    with pytest.raises(InputError, match="missing"):
        load_model(tmp_path / "m")


def test_a_model_saved_without_the_new_fields_loads_and_predicts_as_before(frame, tmp_path):
    from transformers import BertForSequenceClassification

    train, dev = frame.iloc[:24], frame.iloc[24:36]
    model = make_model("transformer", {**TINY, "template": "{speaker} [SEP] {text}"}).fit(train, stance_y(train))
    probs = model.predict_proba(dev)
    model.save(tmp_path / "m")
    manifest_path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for key in NEW_FIELDS:  # as written before these fields existed
        manifest["params"].pop(key)
    manifest["params"]["max_steps"] = 3
    manifest_path.write_text(json.dumps(manifest))
    assert not (tmp_path / "m" / "head.safetensors").exists()
    loaded = load_model(tmp_path / "m")
    assert loaded.p.pooling == "cls" and loaded.p.head_init == "random" and loaded.p.body_learning_rate is None
    assert isinstance(loaded.model_, BertForSequenceClassification)
    np.testing.assert_allclose(loaded.predict_proba(dev), probs, atol=1e-6)


@pytest.mark.slow  # one ONNX export (~15 s)
def test_mean_head_exports_to_onnx(frame, tmp_path):
    pytest.importorskip("onnx")
    train = frame.iloc[:24]
    model = make_model("transformer", {**MEAN, "head_init": "logreg", "train_layers": 2, "max_steps": 2}).fit(
        train, stance_y(train))
    probs = model.predict_proba(frame)
    model.p.inference = "onnx"
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "onnx" / "model.onnx").exists()
    np.testing.assert_allclose(load_model(tmp_path / "m").predict_proba(frame), probs, atol=1e-4)
