"""One inner model per value of a column (e.g. one per SemEval target), routed by that column.

    model:
      type: per_group
      params:
        column: target
        min_rows: 20          # groups with fewer training rows use the pooled model
        model: {type: tfidf_svm, params: {C: 0.5}}

`fit` trains a pooled inner model on every row, then one inner model per group value with at
least `min_rows` training rows and at least two labels (a group with a single label, or too
few rows, is served by the pooled model). `predict_proba` routes each row by its value of
`column`: rows of a trained group go to that group's model, all others (unseen values, small
groups, missing values) to the pooled model. Probabilities are aligned to `classes_`, the
union of the labels seen in training, with zeros for labels a group's model never saw.

The inner `model` is validated against its own type's Params, so a typo in an inner
hyperparameter is reported at `model.params.model.params.<key>`. The outer `seed` is passed
to the inner models (it overrides an inner `seed`), so `stance train` seeds them.

Saved as one folder: manifest.json (type per_group, classes, params, and the group table),
`pooled/` and `groups/<NNN>-<slug>/`, each written by the inner model's own save and read back
with `stance.models.load_model`. Folder names are a running number and a slug of the value
restricted to [A-Za-z0-9_-]; the raw value lives only in the manifest, and a manifest naming a
folder outside that pattern is refused on load.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from stance.config import StrictModel
from stance.errors import InputError
from stance.models.base import Seed, StanceModel, check_labels
from stance.models.persistence import read_manifest, write_manifest

POOLED_FOLDER = "pooled"
GROUPS_FOLDER = "groups"
_FOLDER = re.compile(r"^[0-9]{3,}-[A-Za-z0-9_-]{0,40}$")


class InnerModel(StrictModel):
    """The model trained per group (and pooled): a registered `type` and its params."""

    type: str = Field(description="a model type of stance.models.REGISTRY (not per_group)")
    params: dict[str, Any] = Field(default_factory=dict, validate_default=True,
                                   description="the inner type's params, checked against its Params (defaults filled in)")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        from stance.models import model_class

        if value == "per_group":
            raise ValueError("a per_group model cannot contain another per_group model")
        from stance.errors import ConfigError

        try:
            model_class(value)
        except ConfigError as exc:
            raise ValueError(exc.reason) from None  # names the known types
        return value

    @field_validator("params")
    @classmethod
    def _inner_params(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """The params checked against the inner type's Params, defaults filled in; the errors keep
        their location (so the outer error names params.<key>) and unknown keys get a hint."""
        from stance.config import _fields_at
        from stance.models import model_class

        if "type" not in info.data:  # the type itself was invalid; that error is reported
            return value
        params_cls = model_class(info.data["type"]).Params
        try:
            return params_cls.model_validate(value or {}).model_dump(mode="json")
        except ValidationError as exc:
            details: list[InitErrorDetails] = []
            for err in exc.errors():
                loc = tuple(err.get("loc", ()))
                msg = err["msg"]
                if err["type"] == "extra_forbidden" and loc:
                    close = difflib.get_close_matches(str(loc[-1]), _fields_at(params_cls, loc), n=1, cutoff=0.6)
                    msg = f"unknown key {loc[-1]!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                # no context: the message is used as it is (braces included)
                details.append({"type": PydanticCustomError("inner_params", msg),
                                "loc": loc, "input": err.get("input")})
            raise ValidationError.from_exception_data(exc.title, details) from None


class PerGroupParams(StrictModel):
    """Hyperparameters of the per-group model."""

    column: str = Field("target", min_length=1, description="the column whose values pick the model")
    min_rows: int = Field(20, ge=1, description="groups with fewer training rows use the pooled model")
    model: InnerModel = Field(description="the inner model: {type: ..., params: {...}}")
    seed: Seed = Field(0, description="passed to the inner models' seed (when they have one)")


def group_keys(X: pd.DataFrame, column: str) -> list[str | None]:
    """The group value of every row as a string (None when missing); InputError without the column."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of statements, not {type(X).__name__}")
    if column not in X.columns:
        raise InputError(f"the per_group model routes by column {column!r}, but the data has only "
                         f"{list(X.columns)}", field=column)
    return [None if v is None or v != v or str(v) == "" else str(v) for v in X[column].tolist()]


def folder_name(index: int, value: str) -> str:
    """A safe folder name for a group value: running number and a slug of [A-Za-z0-9_-]."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", value).strip("_-")[:40]
    return f"{index:03d}-{slug}"


class PerGroupModel(StanceModel):
    """One inner model per value of `column`, a pooled inner model for everything else."""

    type_name = "per_group"
    Params = PerGroupParams

    def __init__(self, **params) -> None:
        self.p = PerGroupParams(**params)

    def _inner_params(self) -> dict[str, Any]:
        from stance.models import with_seed

        return with_seed(self.p.model.type, self.p.model.params, self.p.seed)

    @classmethod
    def fits_on_one_core(cls, params: dict[str, Any]) -> bool:
        """When the inner model does."""
        from stance.models import model_class

        inner = params.get("model") or {}
        inner = inner if isinstance(inner, dict) else inner.model_dump()
        return model_class(inner["type"]).fits_on_one_core(inner.get("params") or {})

    def prepare(self, X: pd.DataFrame) -> None:
        """The inner model's, on all rows."""
        self._new_inner().prepare(X)

    def _new_inner(self) -> StanceModel:
        from stance.models import make_model

        return make_model(self.p.model.type, self._inner_params())

    def fit(self, X: pd.DataFrame, y: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "PerGroupModel":
        """Fit the pooled model on all rows and one model per group with enough rows and two labels;
        `eval_set` is passed on (all of it to the pooled model, each group's rows to its model)."""
        labels = check_labels(y)
        keys = np.asarray(group_keys(X, self.p.column), dtype=object)
        eval_keys = None
        if eval_set is not None:
            eval_keys = np.asarray(group_keys(eval_set[0], self.p.column), dtype=object)
        self.pooled_ = self._new_inner().fit(X, labels.tolist(), eval_set=eval_set)
        self.models_: dict[str, StanceModel] = {}
        self.groups_: dict[str, dict[str, Any]] = {}
        for value in sorted({k for k in keys.tolist() if k is not None}):
            mask = keys == value
            n, n_labels = int(mask.sum()), len(set(labels[mask].tolist()))
            info: dict[str, Any] = {"n_train": n}
            if n < self.p.min_rows:
                info["model"] = f"pooled: {n} training rows < min_rows {self.p.min_rows}"
            elif n_labels < 2:
                info["model"] = "pooled: a single label in training"
            else:
                sub_eval = None
                if eval_set is not None and eval_keys is not None:
                    emask = eval_keys == value
                    if emask.any():
                        ey = np.asarray(list(eval_set[1]), dtype=object)[emask]
                        sub_eval = (eval_set[0][emask].reset_index(drop=True), ey.tolist())
                sub = X[mask].reset_index(drop=True)
                self.models_[value] = self._new_inner().fit(sub, labels[mask].tolist(), eval_set=sub_eval)
                info["model"] = "own"
            self.groups_[value] = info
        self.classes_ = np.asarray(sorted({str(c) for c in labels.tolist()}), dtype=object)
        return self

    def _aligned(self, model: StanceModel, X: pd.DataFrame) -> np.ndarray:
        probs = np.asarray(model.predict_proba(X), dtype=float)
        out = np.zeros((len(X), len(self.classes_)))
        position = {c: i for i, c in enumerate(self.classes_.tolist())}
        for j, c in enumerate(model.classes_):
            out[:, position[str(c)]] = probs[:, j]
        return out

    def route(self, X: pd.DataFrame) -> list[str | None]:
        """The group whose model scores each row (None: the pooled model)."""
        return [k if k in self.models_ else None for k in group_keys(X, self.p.column)]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        routes = np.asarray(self.route(X), dtype=object)
        out = np.zeros((len(X), len(self.classes_)))
        for value in [None, *sorted(self.models_)]:
            mask = np.asarray([r is None for r in routes]) if value is None else routes == value
            if mask.any():
                model = self.pooled_ if value is None else self.models_[value]
                out[mask] = self._aligned(model, X[mask].reset_index(drop=True))
        return out

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.pooled_.save(directory / POOLED_FOLDER)
        groups = []
        for i, value in enumerate(sorted(self.groups_)):
            entry = {"value": value, **self.groups_[value], "folder": None}
            if value in self.models_:
                entry["folder"] = f"{GROUPS_FOLDER}/{folder_name(i, value)}"
                self.models_[value].save(directory / GROUPS_FOLDER / folder_name(i, value))
            groups.append(entry)
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params,
                       pooled=POOLED_FOLDER, groups=groups)

    @classmethod
    def load(cls, directory: str | Path) -> "PerGroupModel":
        from stance.models import load_model

        directory = Path(directory)
        manifest = read_manifest(directory)
        model = cls(**manifest.get("params", {}))
        model.classes_ = np.asarray(manifest["classes"], dtype=object)
        if manifest.get("pooled") != POOLED_FOLDER:
            raise InputError(f"unexpected pooled folder {manifest.get('pooled')!r}", path=directory, field="pooled")
        model.pooled_ = load_model(directory / POOLED_FOLDER)
        model.models_, model.groups_ = {}, {}
        for entry in manifest.get("groups", []):
            value, folder = str(entry["value"]), entry.get("folder")
            model.groups_[value] = {k: v for k, v in entry.items() if k not in ("value", "folder")}
            if folder is None:
                continue
            parts = str(folder).split("/")
            if len(parts) != 2 or parts[0] != GROUPS_FOLDER or not _FOLDER.match(parts[1]):
                raise InputError(f"refusing group folder {folder!r} (not {GROUPS_FOLDER}/NNN-slug)",
                                 path=directory / "manifest.json", field="groups")
            model.models_[value] = load_model(directory / GROUPS_FOLDER / parts[1])
        return model
