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
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.preprocessing._label.LabelEncoder",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.slice",
]


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


def load_skops(path: str | Path) -> Any:
    """Load a skops file, refusing it if it holds a type not in TRUSTED_TYPES."""
    import skops.io as sio

    path = Path(path)
    if not path.exists():
        raise InputError("model file not found", path=path)
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise InputError(f"refusing to load: the file holds types that are not trusted: {sorted(untrusted)}. "
                         f"Only models saved by this project can be loaded", path=path)
    return sio.load(path, trusted=TRUSTED_TYPES)
