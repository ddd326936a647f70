"""Saving and loading models safely: skops for scikit-learn objects, safetensors for
transformers, and a manifest.json naming the model type. Nothing is ever unpickled.

`load_skops` refuses a file holding any type outside `TRUSTED_TYPES`, naming the types.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stance.errors import InputError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1

# Every type a saved scikit-learn model of this project may contain. Anything else is refused.
TRUSTED_TYPES: list[str] = [
    "stance.models.ngrams.NgramTfidf",
    "stance.models.ngrams.WordCharTfidf",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.utils._bunch.Bunch",
    "builtins.slice",
]
# Plain data: containers, scalars, numpy arrays, scalars and dtypes.
DATA_TYPES = {f"builtins.{t}" for t in ("dict", "list", "tuple", "str", "int", "float", "bool", "NoneType", "set",
                                       "complex", "bytes", "frozenset")}
DATA_LOADERS = {"NdArrayNode", "DTypeNode", "NumpyDtypeNode", "JsonNode"}


def write_manifest(directory: str | Path, model_type: str, classes: list[str], **extra: Any) -> Path:
    """Write manifest.json (format version, model type, classes, extra fields) into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST
    data = {"format_version": MANIFEST_VERSION, "type": model_type, "classes": [str(c) for c in classes], **extra}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of a saved model directory; InputError if it is missing or malformed."""
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise InputError("not a saved model: manifest.json is missing", path=directory)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(data, dict) or "type" not in data:
        raise InputError("manifest has no model type", path=path, field="type")
    return data


def save_skops(obj: Any, path: str | Path) -> None:
    """Serialise a scikit-learn object with skops (no pickle)."""
    import skops.io as sio

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sio.dump(obj, path)


def saved_types(path: str | Path) -> set[str]:
    """Every type named in a skops file, as "module.Class", read from its schema (nothing is loaded).

    Plain data (builtin containers and scalars, numpy arrays, scalars and dtypes) is left out.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            schema = json.loads(z.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise InputError(f"not a skops model file: {exc}", path=path) from None
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__class__" in node and "__module__" in node:
                name = f"{node['__module__']}.{node['__class__']}"
                is_numpy_data = node.get("__loader__") in DATA_LOADERS and str(node["__module__"]).startswith("numpy")
                if name not in DATA_TYPES and not is_numpy_data:
                    found.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def load_skops(path: str | Path) -> Any:
    """Load a skops file, refusing it if it names any type outside TRUSTED_TYPES."""
    import skops.io as sio

    path = Path(path)
    if not path.exists():
        raise InputError("model file not found", path=path)
    types = saved_types(path)
    untrusted = sorted(types - set(TRUSTED_TYPES))
    if untrusted:
        raise InputError(f"refusing to load: the file holds types that are not trusted: {untrusted}. "
                         f"Only models saved by this project can be loaded", path=path)
    # every class in the file is on our list; what skops still calls untrusted is numpy or builtin data
    return sio.load(path, trusted=sorted(set(sio.get_untrusted_types(file=path))))
