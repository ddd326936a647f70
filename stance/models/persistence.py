"""Saving and loading models safely: skops for scikit-learn objects, safetensors for
transformers, and a manifest.json naming the model type. Nothing is ever unpickled.

A skops file is a zip holding `schema.json`, a tree of nodes that each name a type
(`__module__`.`__class__`) and the skops loader that rebuilds it (`__loader__`). skops imports
and calls what the nodes name, and some loaders name functions, methods, partials or operators
under a harmless-looking type, so `load_skops` checks the whole schema itself before skops
sees it and refuses the file, naming what it found, unless

- its skops protocol is one this project writes (`SKOPS_PROTOCOLS`),
- every node's loader is one this project's models are written with (`TRUSTED_LOADERS`), and
- every type a node names is allowed for its loader: instances only of `TRUSTED_TYPES` (the
  project's and scikit-learn's classes), everything else plain builtin or numpy data.

Only the names it has checked are then passed to skops as `trusted`; skops' own list of
untrusted types is never passed back to it.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from stance import atomic
from stance.errors import InputError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1

# Every class whose instances a saved scikit-learn model of this project may contain
# ("module.Class", as skops names it). Anything else is refused. Other model modules append to it.
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
    # embedding_logreg's MLP head (saved without its optimiser and random state)
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
    "sklearn.preprocessing._label.LabelBinarizer",
]

# The skops protocols this project writes (skops 0.16 writes 2). Older protocols select other
# loaders (protocol 0 reads a function's name from the node's content, not from its type).
SKOPS_PROTOCOLS: tuple[int, ...] = (2,)

# Plain data, by the loader that rebuilds it.
BUILTIN_SCALARS = ("builtins.str", "builtins.int", "builtins.float", "builtins.bool", "builtins.complex",
                   "builtins.bytes", "builtins.NoneType")
NUMPY_SCALARS = tuple(f"numpy.{t}" for t in (
    "bool", "bool_", "bytes_", "str_", "void", "object_", "datetime64", "timedelta64",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "longlong", "ulonglong",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble"))
_DATA_TYPES: dict[str, tuple[str, ...]] = {
    "DictNode": ("builtins.dict",),
    "ListNode": ("builtins.list",),
    "TupleNode": ("builtins.tuple",),
    "SetNode": ("builtins.set", "builtins.frozenset"),
    "SliceNode": ("builtins.slice",),
    # a JSON value: its declared type is never imported
    "JsonNode": BUILTIN_SCALARS + ("builtins.list", "builtins.dict"),
    # an array read with numpy.load(allow_pickle=False), or a numpy scalar built from one
    "NdArrayNode": ("numpy.ndarray",) + NUMPY_SCALARS,
    "DTypeNode": ("numpy.dtype",),
    # a type object stored as a value (the key types of a dict, a `dtype` parameter)
    "TypeNode": BUILTIN_SCALARS + ("builtins.list", "builtins.tuple", "builtins.dict", "builtins.set")
    + NUMPY_SCALARS,
}

# The skops loaders this project's models are written with. Not here, so refused: function,
# partial, method, operator, constructor-from-reduce, defaultdict, bytes, random-state, sparse,
# loss and tree nodes, and any loader of another protocol.
TRUSTED_LOADERS: set[str] = {"ObjectNode", "CachedNode", *_DATA_TYPES}

# Limits on a schema: skops builds its tree recursively, so a deeper one would end in RecursionError.
MAX_SCHEMA_DEPTH = 200
MAX_SCHEMA_NODES = 5_000_000


def allowed_types(loader: str) -> set[str]:
    """The types a node with this skops loader may name."""
    if loader == "ObjectNode":
        return set(TRUSTED_TYPES)
    if loader == "CachedNode":  # a second reference to a node already checked: any type a node may have
        return set(TRUSTED_TYPES).union(*_DATA_TYPES.values())
    return set(_DATA_TYPES.get(loader, ()))


def write_manifest(directory: str | Path, model_type: str, classes: list[str], **extra: Any) -> Path:
    """Write manifest.json (format version, model type, classes, extra fields) into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST
    data = {"format_version": MANIFEST_VERSION, "type": model_type, "classes": [str(c) for c in classes], **extra}
    atomic.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
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
    if not isinstance(data["type"], str):
        raise InputError("the model type must be a string", path=path, field="type")
    classes = data.get("classes")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise InputError("classes must be a list of label strings", path=path, field="classes")
    if not isinstance(data.get("params", {}), dict):
        raise InputError("params must be an object", path=path, field="params")
    return data


def manifest_attributes(directory: str | Path, manifest: dict[str, Any], allowed: tuple[str, ...] | set[str] = (),
                        ) -> dict[str, Any]:
    """The manifest's attribute fields (keys ending in "_") that the model's loader expects.

    A model's `load` sets only these on the model; any other attribute field is refused with an
    InputError naming manifest.json and the key (a tampered manifest must not set attributes such
    as `pipeline_` or `predict_proba_`)."""
    unexpected = sorted(k for k in manifest if isinstance(k, str) and k.endswith("_") and k not in allowed)
    if unexpected:
        expected = f"; expected only {sorted(allowed)}" if allowed else "; this model type has none"
        raise InputError(f"unexpected attribute field {unexpected[0]!r} in the manifest{expected}",
                         path=Path(directory) / MANIFEST, field=unexpected[0])
    return {k: manifest[k] for k in allowed if k in manifest}


def save_skops(obj: Any, path: str | Path) -> None:
    """Serialise a scikit-learn object with skops (no pickle)."""
    import skops.io as sio

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(path) as tmp:
        sio.dump(obj, tmp)


def _read_schema(data: bytes, path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if len(names) != len(set(names)):
                raise InputError("refusing to load: the zip holds two entries with the same name", path=path)
            text = z.read("schema.json")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputError(f"not a skops model file: {exc}", path=path) from None
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not a skops model file: schema.json is not valid JSON ({type(exc).__name__})",
                         path=path) from None
    if not isinstance(schema, dict):
        raise InputError("not a skops model file: schema.json is not an object", path=path)
    return schema


def verify_schema(schema: dict[str, Any], path: str | Path = "<skops>") -> set[str]:
    """Check a skops schema against the allow-lists; InputError naming everything refused.

    Every dict in the schema that carries any of `__loader__`, `__module__`, `__class__` is a
    node (skops reads exactly these); each must name a loader in TRUSTED_LOADERS and a type
    allowed for that loader. Returns the set of checked type names ("module.Class")."""
    protocol = schema.get("protocol")
    if isinstance(protocol, bool) or protocol not in SKOPS_PROTOCOLS:
        raise InputError(f"refusing to load: skops protocol {protocol!r}; this project writes only protocol "
                         f"{', '.join(map(str, SKOPS_PROTOCOLS))}", path=path, field="protocol")
    checked: set[str] = set()
    untrusted: set[str] = set()
    loaders: set[str] = set()
    malformed: list[str] = []
    stack: list[tuple[Any, int]] = [(schema, 0)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if depth > MAX_SCHEMA_DEPTH or seen > MAX_SCHEMA_NODES:
            raise InputError("refusing to load: schema.json is nested too deeply or is too large", path=path)
        if isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
            continue
        if not isinstance(item, dict):
            continue
        if {"__loader__", "__module__", "__class__"} & item.keys():
            loader, module, cls = item.get("__loader__"), item.get("__module__"), item.get("__class__")
            if not all(isinstance(v, str) for v in (loader, module, cls)):
                malformed.append(repr({k: item.get(k) for k in ("__loader__", "__module__", "__class__")}))
            elif loader not in TRUSTED_LOADERS:
                loaders.add(f"{loader} ({module}.{cls})")
            elif f"{module}.{cls}" not in allowed_types(loader):
                untrusted.add(f"{module}.{cls}" if loader == "ObjectNode" else f"{module}.{cls} ({loader})")
            elif loader == "NdArrayNode" and item.get("type") not in ("numpy", "json"):
                malformed.append(f"array node of type {item.get('type')!r}")
            else:
                checked.add(f"{module}.{cls}")
        stack.extend((v, depth + 1) for v in item.values())
    problems = []
    if untrusted:
        problems.append(f"the file holds types that are not trusted: {sorted(untrusted)}")
    if loaders:
        problems.append(f"the file uses skops loaders this project does not write: {sorted(loaders)}")
    if malformed:
        problems.append(f"malformed nodes: {sorted(malformed)[:5]}")
    if problems:
        raise InputError(f"refusing to load: {'; '.join(problems)}. Only models saved by this project can be loaded",
                         path=path)
    return checked


def saved_types(path: str | Path) -> set[str]:
    """Every type named in a skops file, as "module.Class", read from its schema (nothing is loaded).

    InputError if the file is not a skops file of this project's protocol or names anything outside
    the allow-lists (see `verify_schema`)."""
    path = Path(path)
    return verify_schema(_read_schema(path.read_bytes(), path), path)


def load_skops(path: str | Path) -> Any:
    """Load a skops file, refusing it unless `verify_schema` accepts every node of it."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", path=path)
    data = path.read_bytes()  # read once: what is checked is what is loaded
    checked = verify_schema(_read_schema(data, path), path)
    try:
        reported = set(sio.get_untrusted_types(data=data))
    except Exception as exc:  # skops could not even build the tree: a corrupt file
        raise InputError(f"not a loadable skops file: {type(exc).__name__}: {exc}", path=path) from None
    # skops names methods and functions by more than their node's type; anything it reports that
    # was not checked above is refused, never passed back to it as trusted
    unchecked = sorted(reported - checked)
    if unchecked:
        raise InputError(f"refusing to load: the file holds types that are not trusted: {unchecked}. "
                         f"Only models saved by this project can be loaded", path=path)
    try:
        return sio.loads(data, trusted=sorted(checked))
    except Exception as exc:
        raise InputError(f"cannot load the model file: {type(exc).__name__}: {exc}", path=path) from None
