"""The one interface every model follows, and the input template shared by text models.

A model is a scikit-learn style classifier over a pandas DataFrame of statements (columns of
the dataset: at least `text`; `speaker`, `target`, `context`, ... when a template uses them)
and a sequence of label strings:

    model.fit(X, y, eval_set=(X_dev, y_dev))   # eval_set is optional; only some models use it
    model.predict(X) -> array of label strings
    model.predict_proba(X) -> (n, k) array, columns in the order of model.classes_
    model.save(directory); Model.load(directory)

They follow scikit-learn's estimator contract (`StanceModel` is a `BaseEstimator` and a
`ClassifierMixin`): X may also be a list of strings (or of Statement records, or of dicts),
`get_params()` / `set_params(**params)` read and change the validated hyperparameters (`Params`),
`repr(model)` shows the non-default ones, and `sklearn.base.clone(model)` gives an unfitted copy.
"""
from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticUndefined
from sklearn.base import BaseEstimator, ClassifierMixin

from stance.errors import InputError


class StanceModel(ClassifierMixin, BaseEstimator):
    """Base class: subclasses set `type_name` and `Params` (a pydantic model of the hyperparameters,
    validated into `self.p` by `__init__(**params)`) and implement fit, predict_proba, save and load.

    The scikit-learn side is implemented here once: the `X` of a subclass's fit, predict and
    predict_proba (and of fit's eval_set) goes through `as_records` first, so a list of strings works
    wherever a DataFrame does; get_params / set_params / clone / repr work from `Params`.
    """

    type_name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]]
    classes_: np.ndarray
    p: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        for name in ("fit", "predict", "predict_proba"):
            if name in cls.__dict__:
                setattr(cls, name, _accepting_texts(cls.__dict__[name], fit=name == "fit"))
        super().__init_subclass__(**kwargs)

    def fit(self, X: pd.DataFrame, y: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "StanceModel":
        raise NotImplementedError

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The most probable label of each row."""
        return self.classes_[np.argmax(self.predict_proba(as_records(X)), axis=1)]

    def predict_with_proba(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """`(predict(X), predict_proba(X))` from one inference pass where the label is the most
        probable class (every model that keeps the base `predict`); else both methods are called."""
        X = as_records(X)
        probs = self.predict_proba(X)
        if type(self).predict is StanceModel.predict:
            return np.asarray(self.classes_[np.argmax(probs, axis=1)] if len(probs) else [], dtype=object), probs
        return np.asarray(self.predict(X), dtype=object), probs

    def check_task_labels(self, labels: Sequence[str]) -> None:
        """Raise ValueError when this model cannot predict a task with these labels (checked before
        training; most models learn any label set)."""

    def save(self, directory: str | Path) -> None:
        raise NotImplementedError

    @classmethod
    def load(cls, directory: str | Path) -> "StanceModel":
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        """The hyperparameters of this model (its validated `p`, as plain JSON values)."""
        return self.p.model_dump(mode="json")

    # ------------------------------------------------------------------ scikit-learn contract
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyperparameters as keyword arguments of the constructor (a copy of the validated `p`;
        the models hold no nested estimators, so `deep` changes nothing)."""
        return self.p.model_dump()

    def set_params(self, **params: Any) -> "StanceModel":
        """Change hyperparameters (validated against `Params`; an unknown name or a bad value raises
        a ValueError). Fitted attributes stay until the next fit, as in scikit-learn."""
        if params:
            self.p = type(self.p)(**{**self.p.model_dump(), **params})
            self._params_changed()
        return self

    @classmethod
    def predict_time_params(cls, params: dict[str, Any]) -> frozenset[str]:
        """Names of parameters that change only what a fitted model predicts, not what it learns (a
        sweep over them fits once and sets them with `set_params`). None by default."""
        return frozenset()

    @classmethod
    def fits_on_one_core(cls, params: dict[str, Any]) -> bool:
        """True when a fit of this model runs on one core (scikit-learn heads, BLAS held to one
        thread), so independent fits may run side by side (`stance.parallel`); False for models that
        use every core they are given (torch)."""
        return True

    def prepare(self, X: pd.DataFrame) -> None:
        """Compute and store what every fit of this model on rows of X shares (a frozen encoder's
        embeddings, in the on-disk cache), so that fits side by side do not each compute it."""

    def _params_changed(self) -> None:
        """Drop whatever a subclass derived from `p` outside fit (called by set_params)."""

    def __sklearn_clone__(self) -> "StanceModel":
        """An unfitted model with the same hyperparameters (what `sklearn.base.clone` returns)."""
        return type(self)(**self.get_params(deep=False))

    def non_default_params(self) -> dict[str, Any]:
        """The hyperparameters that differ from their defaults (required ones are always listed)."""
        out = {}
        for name, field in type(self.p).model_fields.items():
            value = getattr(self.p, name)
            if field.default is PydanticUndefined and field.default_factory is None:
                out[name] = value
                continue
            default = field.get_default(call_default_factory=True)
            if _plain(value) != _plain(default):
                out[name] = value
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_shown(v)!r}" for k, v in self.non_default_params().items())
        return f"{type(self).__name__}({args})"


def _shown(value: Any) -> Any:
    """`_plain(value)`, with an inner model spec ({type, params} of ensemble and per_group) cut to its
    non-default params."""
    if isinstance(value, (list, tuple)):
        return type(value)(_shown(v) for v in value)
    if isinstance(value, BaseModel) and set(type(value).model_fields) == {"type", "params"}:
        from stance.models import model_class

        try:
            inner = model_class(value.type)(**value.params)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the repr shows the spec as it is
            return _plain(value)
        return {"type": value.type, "params": _plain(inner.non_default_params())}  # type: ignore[attr-defined]
    return _plain(value)


def _plain(value: Any) -> Any:
    """A pydantic value as plain Python data (nested models as dicts) for comparison and repr."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def as_records(X: Any) -> Any:
    """X as a DataFrame of statements: a DataFrame is returned as it is; a list (or array, or Series)
    of strings becomes a frame with those strings as `text` and every other field a template may
    name (DATASET_FIELDS) empty, except `group_id` (so calibration folds run over statements);
    a list of Statement records or of dicts becomes one row each.
    Anything else is returned unchanged (and refused by the model)."""
    if isinstance(X, pd.DataFrame) or X is None or isinstance(X, (str, bytes)):
        return X
    if isinstance(X, pd.Series):
        X = X.tolist()
    elif isinstance(X, np.ndarray):
        if X.ndim != 1:
            return X
        X = X.tolist()
    elif not isinstance(X, (list, tuple)):
        return X
    rows = list(X)
    if all(v is None or isinstance(v, str) for v in rows):
        empty = [""] * len(rows)
        return pd.DataFrame({"text": ["" if v is None else v for v in rows],
                             **{f: list(empty) for f in DATASET_FIELDS if f not in ("text", "group_id")}})
    from stance.records import Statement

    if all(isinstance(v, Statement) for v in rows):
        from stance.training.predict import statements_frame

        return statements_frame(rows)
    if all(isinstance(v, dict) for v in rows):
        return pd.DataFrame(rows)
    return X


def _accepting_texts(method: Any, fit: bool) -> Any:
    """`method` with its X (and fit's eval_set X) passed through `as_records` first."""
    if getattr(method, "_accepts_texts", False):
        return method
    if fit:
        @functools.wraps(method)
        def wrapper(self: Any, X: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("eval_set") is not None:
                X_eval, y_eval = kwargs["eval_set"]
                kwargs["eval_set"] = (as_records(X_eval), y_eval)
            elif args and args[0] is not None:
                X_eval, y_eval = args[0]
                args = ((as_records(X_eval), y_eval), *args[1:])
            return method(self, as_records(X), y, *args, **kwargs)
    else:
        @functools.wraps(method)
        def wrapper(self: Any, X: Any, *args: Any, **kwargs: Any) -> Any:
            X = as_records(X)
            if hasattr(X, "__len__") and len(X) == 0 and method.__name__ in ("predict", "predict_proba"):
                # no rows (an empty dev split): the answer's shape, without asking the estimator
                if method.__name__ == "predict":
                    return np.array([], dtype=object)
                return np.zeros((0, len(self.classes_)))
            return method(self, X, *args, **kwargs)
    wrapper._accepts_texts = True  # type: ignore[attr-defined]
    return wrapper


# Columns of a built dataset (stance.dataset.builder.COLUMNS) that a template may name, and the
# fields derived from them: `actor` is the actor id; `context` is the statement's paragraph with the
# statement marked inside it ("... [S] statement [/S] ..."; the statement alone, marked, when the
# paragraph is unknown or does not hold it).
DATASET_FIELDS = ("statement_id", "text", "context", "speaker", "actor_id", "target", "date", "article_id",
                  "cluster_id", "group_id", "kind", "cue", "label_source")
DERIVED_FIELDS = {"actor": "actor_id"}
TEMPLATE_FIELDS = tuple(sorted(set(DATASET_FIELDS) | set(DERIVED_FIELDS)))
MARK_OPEN, MARK_CLOSE = "[S]", "[/S]"


def template_fields(template: str) -> list[str]:
    """The column names a template such as "{speaker} [SEP] {text}" refers to."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def check_template(template: str) -> str:
    """`template` if it parses and names only known fields; ValueError saying which field is unknown."""
    try:
        fields = template_fields(template)
    except ValueError as exc:
        raise ValueError(f"template {template!r} does not parse: {exc}") from None
    for name in fields:
        if name not in TEMPLATE_FIELDS:
            import difflib

            close = difflib.get_close_matches(name, TEMPLATE_FIELDS, n=1)
            hint = f" (did you mean {{{close[0]}}}?)" if close else ""
            raise ValueError(f"template {template!r} names unknown field {{{name}}}{hint} "
                             f"(known: {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)})")
    if not fields:
        raise ValueError(f"template {template!r} must name at least one field, e.g. '{{text}}'")
    return template


Template = Annotated[str, AfterValidator(check_template)]


def check_ngram_range(value: tuple[int, int]) -> tuple[int, int]:
    """An n-gram range (low, high) with 1 <= low <= high <= 10."""
    low, high = value
    if not 1 <= low <= high:
        raise ValueError(f"n-gram range {list(value)} needs 1 <= low <= high")
    if high > 10:
        raise ValueError(f"n-gram range {list(value)}: n-grams longer than 10 are not supported")
    return value


NgramRange = Annotated[tuple[int, int], AfterValidator(check_ngram_range)]
# numpy and scikit-learn accept seeds in [0, 2**32 - 1]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]


def mark_statement(context: str, text: str) -> str:
    """The paragraph `context` with the first occurrence of the statement `text` wrapped in [S] ... [/S];
    the statement alone, marked, when the paragraph is empty or does not hold it."""
    at = context.find(text) if context and text else -1
    if at < 0:
        return f"{MARK_OPEN} {text} {MARK_CLOSE}"
    return f"{context[:at]}{MARK_OPEN} {text} {MARK_CLOSE}{context[at + len(text):]}"


def _column(X: pd.DataFrame, name: str) -> list[str]:
    return ["" if v is None or v != v else str(v) for v in X[name].tolist()]


def render_inputs(X: pd.DataFrame, template: str = "{text}") -> list[str]:
    """One input string per row of X, filling `template` with the row's columns (None -> "").

    `{actor}` is the row's actor_id; `{context}` is its paragraph with the statement marked
    (see `mark_statement`)."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of statements, not {type(X).__name__}")
    fields = template_fields(template)
    needed = {DERIVED_FIELDS.get(f, f) for f in fields} | ({"text"} if "context" in fields else set())
    missing = sorted(f for f in needed if f not in X.columns)
    if missing:
        raise InputError(f"the input template {template!r} needs column(s) {missing}, "
                         f"but the data has only {list(X.columns)}", field=missing[0])
    if template == "{text}":
        return _column(X, "text")
    columns = {f: _column(X, DERIVED_FIELDS.get(f, f)) for f in fields if f != "context"}
    if "context" in fields:
        columns["context"] = [mark_statement(c, t) for c, t in zip(_column(X, "context"), _column(X, "text"))]
    return [template.format(**{f: columns[f][i] for f in fields}) for i in range(len(X))]


def check_labels(y: Sequence[str]) -> np.ndarray:
    """y as an array of label strings; raise if it is empty or holds missing labels."""
    arr = np.asarray([None if v is None else str(v) for v in y], dtype=object)
    if len(arr) == 0:
        raise ValueError("no training labels")
    if any(v is None for v in arr):
        raise ValueError("training labels contain missing values")
    return arr
