"""The one interface every model follows, and the input template shared by text models.

A model is a scikit-learn style classifier over a pandas DataFrame of statements (columns of
the dataset: at least `text`; `speaker`, `target`, `context`, ... when a template uses them)
and a sequence of label strings:

    model.fit(X, y, eval_set=(X_dev, y_dev))   # eval_set is optional; only some models use it
    model.predict(X) -> array of label strings
    model.predict_proba(X) -> (n, k) array, columns in the order of model.classes_
    model.save(directory); Model.load(directory)
"""
from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from stance.errors import InputError


class StanceModel:
    """Base class: subclasses set `type_name` and implement fit, predict_proba, save and load."""

    type_name: ClassVar[str] = ""
    classes_: np.ndarray

    def fit(self, X: pd.DataFrame, y: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "StanceModel":
        raise NotImplementedError

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The most probable label of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def save(self, directory: str | Path) -> None:
        raise NotImplementedError

    @classmethod
    def load(cls, directory: str | Path) -> "StanceModel":
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        """The hyperparameters of this model (its validated `p`, as plain JSON values)."""
        return self.p.model_dump(mode="json")


def template_fields(template: str) -> list[str]:
    """The column names a template such as "{speaker} [SEP] {text}" refers to."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def render_inputs(X: pd.DataFrame, template: str = "{text}") -> list[str]:
    """One input string per row of X, filling `template` with the row's columns (None -> "")."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of statements, not {type(X).__name__}")
    fields = template_fields(template)
    missing = [f for f in fields if f not in X.columns]
    if missing:
        raise InputError(f"the input template {template!r} needs column(s) {missing}, "
                         f"but the data has only {list(X.columns)}", field=missing[0])
    if template == "{text}":
        return ["" if t is None or t != t else str(t) for t in X["text"].tolist()]
    columns = {f: ["" if v is None or v != v else str(v) for v in X[f].tolist()] for f in fields}
    return [template.format(**{f: columns[f][i] for f in fields}) for i in range(len(X))]


def check_labels(y: Sequence[str]) -> np.ndarray:
    """y as an array of label strings; raise if it is empty or holds missing labels."""
    arr = np.asarray([None if v is None else str(v) for v in y], dtype=object)
    if len(arr) == 0:
        raise ValueError("no training labels")
    if any(v is None for v in arr):
        raise ValueError("training labels contain missing values")
    return arr
