"""Several models as one (`ensemble`): averaged or stacked class probabilities.

    model:
      type: ensemble
      params:
        members:
          - configs/models/embedding_logreg.yaml        # a model config file (its `model` section)
          - {type: tfidf_logreg, params: {C: 4.0}}       # or a model written inline
        method: mean            # mean: weighted average of the members' probabilities
        weights: [2, 1]         # mean only; default equal weights
        # method: stack         # a logistic regression over the members' log-probabilities, fit on
        # stack_folds: 5        # out-of-fold predictions from article-grouped cross-fitting on train

Every member is trained on the whole training set (with the ensemble's seed and its
eval_set). With `method: stack`, the stacker is fit only on out-of-fold probabilities of the
training rows (each fold's members trained without that fold's groups, `group_id`), never on
dev or test. Member config files are read when the config is validated, so the resolved
config (config.yaml of a run) holds every member's full hyperparameters.

Saved as manifest.json, member_<i>/ (each member saved by its own type) and, for stacking,
stacker.skops.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from stance.config import StrictModel
from stance.errors import ConfigError, InputError
from stance.models.base import Seed, StanceModel, check_labels
from stance.models.persistence import load_skops, read_manifest, save_skops, write_manifest


class MemberSpec(StrictModel):
    """One member: a registered model type and its hyperparameters."""

    type: str
    params: dict[str, Any] = Field(default_factory=dict)


def _member_from_file(path: str) -> dict[str, Any]:
    from stance.config import read_yaml

    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise ConfigError("a member config file needs a `model` section with `type` and `params`", path=path,
                          field="model")
    return {"type": data["model"].get("type"), "params": data["model"].get("params") or {}}


class EnsembleParams(StrictModel):
    """Hyperparameters of an ensemble."""

    members: list[MemberSpec] = Field(min_length=2, description="model config files or inline {type, params}")
    method: Literal["mean", "stack"] = "mean"
    weights: list[float] | None = Field(None, description="mean only: one non-negative weight per member")
    stack_folds: int = Field(5, ge=2, description="stack only: article-grouped folds for out-of-fold probabilities")
    stack_C: float = Field(1.0, gt=0, description="stack only: inverse regularisation of the stacker")
    seed: Seed = 0

    @field_validator("members", mode="before")
    @classmethod
    def _read_files(cls, value: Any) -> Any:
        from stance.models import validate_params

        if not isinstance(value, list):
            return value
        out = []
        for i, item in enumerate(value):
            spec = _member_from_file(item) if isinstance(item, str) else item
            if isinstance(spec, dict) and isinstance(spec.get("type"), str):
                if spec["type"] == "ensemble":
                    raise ValueError(f"member {i} is itself an ensemble; list its members instead")
                try:
                    params = validate_params(spec["type"], spec.get("params") or {},
                                             prefix=f"model.params.members.{i}.params")
                except ConfigError as exc:
                    raise ValueError(exc.reason) from None
                spec = {**spec, "params": params}
            out.append(spec)
        return out

    @model_validator(mode="after")
    def _weights_fit(self) -> "EnsembleParams":
        if self.weights is not None:
            if len(self.weights) != len(self.members):
                raise ValueError(f"weights has {len(self.weights)} values for {len(self.members)} members")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        return self


def _aligned(probs: np.ndarray, classes: Sequence[str], labels: list[str]) -> np.ndarray:
    out = np.zeros((len(probs), len(labels)))
    for j, c in enumerate(classes):
        out[:, labels.index(str(c))] = probs[:, j]
    return out


class EnsembleModel(StanceModel):
    """Averaged or stacked probabilities of several models."""

    type_name = "ensemble"
    Params = EnsembleParams

    def __init__(self, **params) -> None:
        self.p = EnsembleParams(**params)

    @classmethod
    def predict_time_params(cls, params: dict[str, Any]) -> frozenset[str]:
        """The weights of a weighted mean apply to fitted members' probabilities."""
        return frozenset({"weights"}) if params.get("method", "mean") == "mean" else frozenset()

    @classmethod
    def fits_on_one_core(cls, params: dict[str, Any]) -> bool:
        """When every member does."""
        from stance.models import model_class

        members = [m if isinstance(m, dict) else m.model_dump() for m in params.get("members", [])]
        return all(model_class(m["type"]).fits_on_one_core(m.get("params") or {}) for m in members)

    def prepare(self, X: pd.DataFrame) -> None:
        """Every member's."""
        for member in self._new_members():
            member.prepare(X)

    def _new_members(self) -> list[StanceModel]:
        from stance.models import make_model, with_seed

        return [make_model(spec.type, with_seed(spec.type, spec.params, self.p.seed)) for spec in self.p.members]

    def _member_probs(self, members: list[StanceModel], X: pd.DataFrame) -> list[np.ndarray]:
        return [_aligned(m.predict_proba(X), [str(c) for c in m.classes_], list(self.classes_)) for m in members]

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "EnsembleModel":
        """Fit every member on X (and, for stacking, the stacker on out-of-fold probabilities)."""
        labels = check_labels(y)
        self.classes_ = np.asarray(sorted({str(v) for v in labels}), dtype=object)
        if self.p.method == "stack":
            self.stacker_ = self._fit_stacker(X, labels, eval_set)
        self.members_ = [m.fit(X, labels.tolist(), eval_set=eval_set) for m in self._new_members()]
        return self

    def _fit_stacker(self, X: pd.DataFrame, labels: np.ndarray, eval_set) -> LogisticRegression:
        from stance.training.train import group_column, group_folds

        groups = group_column(X.reset_index(drop=True))
        k = min(self.p.stack_folds, len(set(groups.tolist())))
        if k < 2:
            raise InputError("stacking needs training rows from at least two groups (articles)", field="group_id")
        folds = group_folds(groups, k, self.p.seed)
        oof = np.zeros((len(X), len(self.p.members) * len(self.classes_)))
        X = X.reset_index(drop=True)
        for f in range(k):
            held = folds == f
            fit_rows = X[~held]
            members = [m.fit(fit_rows, labels[~held].tolist(), eval_set=eval_set) for m in self._new_members()]
            oof[held] = self._stack_features(self._member_probs(members, X[held]))
        stacker = LogisticRegression(C=self.p.stack_C, class_weight="balanced", max_iter=2000,
                                     random_state=self.p.seed)
        with threadpool_limits(1, user_api="blas"):
            stacker.fit(oof, labels)
        return stacker

    @staticmethod
    def _stack_features(probs: list[np.ndarray]) -> np.ndarray:
        return np.log(np.clip(np.hstack(probs), 1e-6, 1.0))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        probs = self._member_probs(self.members_, X)
        if self.p.method == "stack":
            with threadpool_limits(1, user_api="blas"):
                out = self.stacker_.predict_proba(self._stack_features(probs))
            return _aligned(out, [str(c) for c in self.stacker_.classes_], list(self.classes_))
        weights = np.asarray(self.p.weights or [1.0] * len(probs), dtype=float)
        weights = weights / weights.sum()
        return sum(w * p for w, p in zip(weights, probs))

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        for i, member in enumerate(self.members_):
            member.save(directory / f"member_{i}")
        if self.p.method == "stack":
            save_skops(self.stacker_, directory / "stacker.skops")
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params,
                       member_types=[m.type_name for m in self.members_])

    @classmethod
    def load(cls, directory: str | Path) -> "EnsembleModel":
        from stance.models import load_model

        directory = Path(directory)
        manifest = read_manifest(directory)
        model = cls(**manifest.get("params", {}))
        model.classes_ = np.asarray(manifest["classes"], dtype=object)
        model.members_ = []
        for i, spec in enumerate(model.p.members):
            member = load_model(directory / f"member_{i}")
            if member.type_name != spec.type:
                raise InputError(f"member_{i} is a {member.type_name!r} model, the manifest says {spec.type!r}",
                                 path=directory / "manifest.json", field=f"params.members.{i}.type")
            model.members_.append(member)
        if model.p.method == "stack":
            model.stacker_ = load_skops(directory / "stacker.skops")
        return model
