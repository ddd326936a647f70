"""Frozen-encoder embeddings with a linear head, the embedding cache, input templates and ensembles."""
import json

import numpy as np
import pandas as pd
import pytest

from model_data import tiny_rows
from stance.errors import ConfigError, InputError
from stance.models import load_model, make_model
from stance.models.base import mark_statement, render_inputs
from stance.models.embedding_cache import EmbeddingCache, embed, encoder_namespace
from stance.models.encoders import SentenceEncoder, default_encoder_path

STANCE = ["conditional", "evasive", "none", "open", "rejecting"]


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(tiny_rows(12, 4))


@pytest.fixture(autouse=True, scope="module")
def cache_dir(tmp_path_factory):
    """One embedding cache for the module's tests (each text is embedded once), never the user's."""
    path = tmp_path_factory.mktemp("embedding-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STANCE_CACHE_DIR", str(path))
        yield path


def stance_y(df):
    return [STANCE[i] for i in df["label"]]


# ----------------------------------------------------------------------------- templates

def test_context_template_marks_the_statement_inside_its_paragraph():
    X = pd.DataFrame([{"text": "talks are possible", "context": "Peskov said talks are possible, but not now.",
                       "speaker": "Dmitry Peskov", "actor_id": "peskov", "cue": "said", "kind": "reported"},
                      {"text": "we will not negotiate", "context": "", "speaker": "Zelensky",
                       "actor_id": None, "cue": "told", "kind": "direct"}])
    out = render_inputs(X, "{speaker} ({actor}, {kind}) {cue}: {context}")
    assert out[0] == "Dmitry Peskov (peskov, reported) said: Peskov said [S] talks are possible [/S], but not now."
    # no paragraph: the statement alone, still marked; a missing actor is an empty string
    assert out[1] == "Zelensky (, direct) told: [S] we will not negotiate [/S]"
    assert mark_statement("x y x", "x") == "[S] x [/S] y x"


def test_unknown_template_field_is_a_config_error_naming_the_field():
    for model_type in ("tfidf_logreg", "embedding_logreg", "transformer"):
        with pytest.raises(ConfigError) as err:
            make_model(model_type, {"template": "{speker}: {text}"})
        assert err.value.field == "model.params.template"
        assert "{speker}" in str(err.value) and "did you mean {speaker}" in str(err.value)
    with pytest.raises(ConfigError, match="does not parse"):
        make_model("tfidf_logreg", {"template": "{text"})


# ----------------------------------------------------------------------------- cache

def test_cached_embeddings_are_bit_identical_to_fresh_ones(tmp_path):
    encoder = SentenceEncoder(default_encoder_path(), batch_size=1)
    texts = ["The Kremlin said talks were possible.", "Kyiv rejected the plan.", "The Kremlin said talks were possible."]
    cache = EmbeddingCache(tmp_path / "c")
    first = embed(encoder, texts, cache)
    assert first.shape == (3, 384) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first[0], first[2])
    stored = cache.get(encoder_namespace(encoder), texts)
    assert len(stored) == 2  # one entry per distinct text
    # a second call is served from the cache and equals a fresh computation bit for bit
    again = embed(encoder, texts[::-1], cache)[::-1]
    fresh = encoder.encode(texts)
    assert np.array_equal(again, first) and np.array_equal(fresh, first)
    # another pooling or thread count is another namespace: nothing is served across settings
    cls = SentenceEncoder(default_encoder_path(), pooling="cls", batch_size=1)
    assert cache.get(encoder_namespace(cls), texts) == {}
    one_thread = SentenceEncoder(default_encoder_path(), batch_size=1, threads=1)
    assert cache.get(encoder_namespace(one_thread), texts) == {}


def test_several_layers_are_pooled_one_by_one_and_joined_at_unit_length(tmp_path):
    texts = ["Peskov said talks with Kyiv were possible.", "Kyiv rejected the plan outright."]
    last = SentenceEncoder(default_encoder_path(), batch_size=1).encode(texts)
    explicit = SentenceEncoder(default_encoder_path(), batch_size=1, layers=(-1,)).encode(texts)
    assert np.array_equal(last, explicit)
    two = SentenceEncoder(default_encoder_path(), batch_size=1, layers=(-1, 3)).encode(texts)
    assert two.shape == (2, 768) and np.allclose(np.linalg.norm(two, axis=1), 1.0, atol=1e-5)
    # the first block is the last layer's vector, scaled so the joined vector has unit length
    np.testing.assert_allclose(two[:, :384] * np.sqrt(2), last, atol=1e-5)
    # the middle layer is another vector, not a copy of the last
    assert not np.allclose(two[:, 384:] * np.sqrt(2), last, atol=1e-2)
    # its own cache namespace; the last layer alone keeps the namespace it always had
    enc = SentenceEncoder(default_encoder_path(), batch_size=1, layers=(-1, 3))
    assert encoder_namespace(enc).endswith("|layers=-1,3")
    assert "layers" not in encoder_namespace(SentenceEncoder(default_encoder_path(), batch_size=1))
    # MiniLM-L6 has hidden states 0-6: layer 9 is named in the error
    with pytest.raises(ConfigError, match=r"layers \[9\] do not exist.*0-6") as err:
        SentenceEncoder(default_encoder_path(), batch_size=1, layers=(-1, 9)).encode(texts)
    assert err.value.field == "layers"
    model = make_model("embedding_logreg", {"layers": [-1, -2]})
    assert model.encoder.layers == (-1, -2)
    frame = pd.DataFrame({"text": texts})
    with pytest.raises(ConfigError, match="do not exist") as err:
        make_model("embedding_logreg", {"layers": [-1, -8]}).fit(frame, ["open", "rejecting"])
    assert err.value.field == "model.params.layers"
    with pytest.raises(ConfigError):
        make_model("embedding_logreg", {"layers": []})


def test_an_unwritable_cache_costs_speed_not_results(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    encoder = SentenceEncoder(default_encoder_path(), batch_size=1)
    with pytest.warns(UserWarning, match="is not usable"):  # said once, then computed without the cache
        out = embed(encoder, ["Talks resumed in Istanbul."], EmbeddingCache(blocker / "sub"))
    assert out.shape == (1, 384)


# ----------------------------------------------------------------------------- embedding_logreg

@pytest.mark.parametrize("head", ["logreg", "svm", "mlp"])
def test_embedding_model_learns_and_round_trips(head, frame, tmp_path):
    train, test = frame.iloc[:36], frame.iloc[36:]
    model = make_model("embedding_logreg", {"head": head, "C": 4.0, "template": "{speaker}: {text}",
                                            "extra_templates": ["{context}"]})
    model.fit(train, stance_y(train))
    assert list(model.classes_) == STANCE and model.n_features_ == 768
    probs = model.predict_proba(test)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert np.mean(model.predict(test) == np.array(stance_y(test))) > 0.6
    model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["type"] == "embedding_logreg" and manifest["encoder_fingerprint_"]
    loaded = load_model(tmp_path / "m")
    assert np.array_equal(loaded.predict_proba(test), probs)


def test_embedding_model_is_deterministic_and_cache_independent(frame, tmp_path):
    y = stance_y(frame)
    a = make_model("embedding_logreg", {"cache_dir": str(tmp_path / "one")}).fit(frame, y).predict_proba(frame)
    b = make_model("embedding_logreg", {"cache_dir": str(tmp_path / "one")}).fit(frame, y).predict_proba(frame)
    c = make_model("embedding_logreg", {"cache": False}).fit(frame, y).predict_proba(frame)
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_embedding_model_refuses_another_encoder_at_load(frame, tmp_path):
    model = make_model("embedding_logreg", {}).fit(frame, stance_y(frame))
    model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["encoder_fingerprint_"] = "0" * 16
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="not the one this model was trained with"):
        load_model(tmp_path / "m")


def test_embedding_model_bad_configs_name_the_field(tmp_path):
    with pytest.raises(ConfigError) as err:
        make_model("embedding_logreg", {"head": "forest"})
    assert err.value.field == "model.params.head"
    with pytest.raises(ConfigError) as err:
        _ = make_model("embedding_logreg", {"model_path": str(tmp_path / "missing")}).encoder
    assert err.value.field == "model.params.model_path" and "nothing is downloaded" in str(err.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no config.json"):
        _ = make_model("embedding_logreg", {"model_path": str(tmp_path / "empty")}).encoder


# ----------------------------------------------------------------------------- ensemble

def test_mean_ensemble_averages_its_members_with_weights(frame, tmp_path):
    train, test = frame.iloc[:36], frame.iloc[36:]
    a = {"type": "tfidf_logreg", "params": {"C": 4.0}}
    b = {"type": "embedding_logreg", "params": {"C": 4.0}}
    model = make_model("ensemble", {"members": [a, b], "weights": [3, 1], "seed": 2}).fit(train, stance_y(train))
    pa = make_model(a["type"], {**a["params"], "seed": 2}).fit(train, stance_y(train)).predict_proba(test)
    pb = make_model(b["type"], {**b["params"], "seed": 2}).fit(train, stance_y(train)).predict_proba(test)
    probs = model.predict_proba(test)
    np.testing.assert_allclose(probs, 0.75 * pa + 0.25 * pb, atol=1e-12)
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "member_0" / "manifest.json").exists()
    assert np.array_equal(load_model(tmp_path / "m").predict_proba(test), probs)


def test_stacked_ensemble_fits_the_stacker_out_of_fold_only(frame, tmp_path, monkeypatch):
    train, test = frame.iloc[:36], frame.iloc[36:]
    seen: list[set] = []
    from stance.models import tfidf

    original = tfidf._TfidfModel.fit

    def spy(self, X, y, eval_set=None):
        seen.append(set(X["statement_id"]))
        return original(self, X, y, eval_set)

    monkeypatch.setattr(tfidf._TfidfModel, "fit", spy)
    members = [{"type": "tfidf_logreg", "params": {}}, {"type": "tfidf_svm", "params": {}}]
    model = make_model("ensemble", {"members": members, "method": "stack", "stack_folds": 3})
    model.fit(train, stance_y(train))
    # 3 folds x 2 members out of fold, then both members on all of train
    assert len(seen) == 8
    for fitted in seen[:6]:
        held = set(train["statement_id"]) - fitted
        assert held and {a for a in train["article_id"][train["statement_id"].isin(held)]}.isdisjoint(
            set(train["article_id"][train["statement_id"].isin(fitted)]))
    assert seen[6] == seen[7] == set(train["statement_id"])
    probs = model.predict_proba(test)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    model.save(tmp_path / "m")
    assert np.array_equal(load_model(tmp_path / "m").predict_proba(test), probs)


def test_ensemble_members_from_config_files_and_bad_configs(tmp_path):
    member = tmp_path / "member.yaml"
    member.write_text("name: m\nmodel:\n  type: tfidf_logreg\n  params: {C: 2.0}\n")
    model = make_model("ensemble", {"members": [str(member), {"type": "tfidf_svm"}]})
    assert model.p.members[0].type == "tfidf_logreg" and model.p.members[0].params["C"] == 2.0
    assert model.p.members[0].params["word_ngrams"] == [1, 3]  # resolved: defaults filled in
    with pytest.raises(ConfigError) as err:
        make_model("ensemble", {"members": [{"type": "tfidf_logreg", "params": {"CC": 1}}, {"type": "tfidf_svm"}]})
    assert "model.params.members.0.params.CC" in str(err.value)
    with pytest.raises(ConfigError, match="weights has 3 values for 2 members"):
        make_model("ensemble", {"members": [{"type": "tfidf_logreg"}, {"type": "tfidf_svm"}], "weights": [1, 1, 1]})
    with pytest.raises(ConfigError, match="file not found"):
        make_model("ensemble", {"members": [str(tmp_path / "nope.yaml"), {"type": "tfidf_svm"}]})


def test_a_damaged_manifest_is_an_input_error_naming_the_field(frame, tmp_path):
    members = [{"type": "tfidf_logreg", "params": {}}, {"type": "tfidf_svm", "params": {}}]
    make_model("ensemble", {"members": members}).fit(frame, stance_y(frame)).save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["params"]["members"] = manifest["params"]["members"][:1]
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as err:
        load_model(tmp_path / "m")
    assert err.value.path.endswith("manifest.json") and err.value.field.startswith("params.members")
