"""SetFit (`setfit`): seeded pairs, training on a tiny fixture, safe save/load, config errors.

The fits use the shipped MiniLM-L6 encoder with a few dozen pairs (two or three body steps,
short inputs, one thread), a few seconds each.
"""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from model_data import tiny_rows
from stance.errors import ConfigError, InputError
from stance.models import load_model, make_model, validate_params
from stance.models.setfit_model import sample_pairs

STANCE = ["conditional", "evasive", "none", "open", "rejecting"]
FAST = {"num_iterations": 1, "max_pairs": 32, "batch_size": 16, "max_length": 32, "threads": 1,
        "freeze_embeddings": True, "seed": 3}


def stance_y(df):
    return [STANCE[i] for i in df["label"]]


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(tiny_rows(12, 4))


@pytest.fixture(scope="module")
def fitted(frame):
    train = frame.iloc[:36]
    return make_model("setfit", FAST).fit(train, stance_y(train))


def test_pairs_are_seeded_balanced_and_never_self():
    texts = [f"t{i}" for i in range(30)]
    y = np.array([0] * 12 + [1] * 10 + [2] * 7 + [3])  # label 3 has a single statement
    pairs = sample_pairs(texts, y, num_iterations=2, seed=5)
    label = {t: y[i] for i, t in enumerate(texts)}
    positives = [p for p in pairs if p["label"] == 1.0]
    negatives = [p for p in pairs if p["label"] == 0.0]
    assert len(negatives) == 2 * 30 and len(positives) == 2 * 29  # the lone statement has no positive partner
    assert all(label[p["sentence_1"]] == label[p["sentence_2"]] and p["sentence_1"] != p["sentence_2"]
               for p in positives)
    assert all(label[p["sentence_1"]] != label[p["sentence_2"]] for p in negatives)
    assert pairs == sample_pairs(texts, y, num_iterations=2, seed=5)
    assert pairs != sample_pairs(texts, y, num_iterations=2, seed=6)
    cut = sample_pairs(texts, y, num_iterations=2, seed=5, max_pairs=10)
    assert cut == pairs[:10]
    with pytest.raises(ValueError, match="two labels"):
        sample_pairs(texts[:3], np.zeros(3), 1, 0)


def test_setfit_learns_and_round_trips(fitted, frame, tmp_path):
    test = frame.iloc[36:]
    assert list(fitted.classes_) == STANCE
    assert fitted.pairs_ == 32 and fitted.body_steps_ == 2
    probs = fitted.predict_proba(test)
    assert probs.shape == (len(test), 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert np.mean(fitted.predict(test) == np.array(stance_y(test))) > 0.6
    fitted.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["type"] == "setfit" and manifest["classes"] == STANCE and manifest["params"]["seed"] == 3
    assert (tmp_path / "m" / "body" / "model.safetensors").exists() and (tmp_path / "m" / "head.skops").exists()
    saved = {p.suffix for p in (tmp_path / "m").rglob("*") if p.is_file()}
    assert not saved & {".bin", ".pt", ".pkl", ".pickle", ".joblib"}
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is type(fitted) and loaded.pairs_ == 32
    np.testing.assert_array_equal(loaded.predict_proba(test), probs)
    assert list(loaded.predict(test)) == list(fitted.predict(test))
    assert loaded.predict_proba(test.iloc[:0]).shape == (0, 5)


def test_training_is_deterministic_for_a_seed(fitted, frame):
    train, test = frame.iloc[:36], frame.iloc[36:]
    again = make_model("setfit", FAST).fit(train, stance_y(train))
    np.testing.assert_array_equal(again.predict_proba(test), fitted.predict_proba(test))


def test_template_uses_the_row_columns(frame):
    train = frame.iloc[:24]
    model = make_model("setfit", {**FAST, "template": "{speaker}: {text}", "max_pairs": 16}).fit(train, stance_y(train))
    assert model._texts(train.iloc[:1]) == [f"{train.iloc[0]['speaker']}: {train.iloc[0]['text']}"]
    with pytest.raises(InputError, match="speaker"):
        model.predict_proba(train[["text"]])


def test_bad_config_names_the_field(frame, tmp_path):
    with pytest.raises(ConfigError) as err:
        validate_params("setfit", {"num_iteration": 2})
    assert err.value.field == "model.params.num_iteration" and "num_iterations" in str(err.value)
    with pytest.raises(ConfigError) as err:
        validate_params("setfit", {"batch_size": 0})
    assert err.value.field == "model.params.batch_size"
    model = make_model("setfit", {**FAST, "model_path": str(tmp_path / "no-such-encoder")})
    with pytest.raises(ConfigError) as err:
        model.fit(frame, stance_y(frame))
    assert err.value.field == "model.params.model_path" and "no-such-encoder" in str(err.value)


def test_configs_validate():
    from stance.training.train import load_run_config

    for name in ("setfit", "setfit_quality"):
        cfg = load_run_config(f"configs/models/{name}.yaml")
        assert cfg.model.type == "setfit"


def test_load_refuses_custom_code_and_pickles(fitted, tmp_path):
    fitted.save(tmp_path / "good")

    def broken(name, edit):
        target = tmp_path / name
        shutil.copytree(tmp_path / "good", target)
        edit(target)
        return target

    def auto_map(d):
        config = json.loads((d / "body" / "config.json").read_text())
        config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
        (d / "body" / "config.json").write_text(json.dumps(config))

    def foreign_module(d):
        modules = json.loads((d / "body" / "modules.json").read_text())
        modules[1]["type"] = "evil_package.Pooling"
        (d / "body" / "modules.json").write_text(json.dumps(modules))

    def pickle_in_pooling(d):
        (d / "body" / "1_Pooling" / "weights.pkl").write_bytes(b"\x80\x04N.")

    def pickle_weights_only(d):
        (d / "body" / "model.safetensors").rename(d / "body" / "pytorch_model.bin")

    def manifest_sets_head(d):
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["head_"] = "not a head"
        (d / "manifest.json").write_text(json.dumps(manifest))

    for name, edit, match in [("a", auto_map, "custom code"), ("b", foreign_module, "evil_package"),
                              ("c", pickle_in_pooling, "pickle"), ("d", pickle_weights_only, "safetensors"),
                              ("e", manifest_sets_head, "head_")]:
        with pytest.raises(InputError, match=match):
            load_model(broken(name, edit))
