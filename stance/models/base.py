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
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field

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


# Columns of a built dataset (stance.dataset_builder.COLUMNS) that a template may name, and the
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
