"""The weak labeler (`stance.dataset.labeling.RulesClassifier`) as a model of this package.

Saved as its parameters plus a copy of the labeling config and the label scheme it used,
so a saved rules model gives the same labels even if the config files change later.
Only the `majority` method can be saved: the `label_model` method learns weights at fit time.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field

from stance import atomic
from stance.config import StrictModel
from stance.models.base import StanceModel, check_labels
from stance.models.persistence import manifest_attributes, read_manifest, write_manifest


class RulesParams(StrictModel):
    """Parameters of the rules baseline (see stance.dataset.labeling.RulesClassifier)."""

    config: str | None = Field(None, description="labeling config; None = configs/labeling/negotiation.yaml")
    method: str = Field("majority", description="'majority' or 'label_model'")
    scheme: str | None = Field(None, description="label scheme to map rule labels onto (name or path)")
    fallback: str | None = None


class RulesModel(StanceModel):
    """Labeling functions + vote, with the standard model interface."""

    type_name = "rules"
    Params = RulesParams

    def __init__(self, **params) -> None:
        self.p = RulesParams(**params)

    def _make(self, config, scheme, fallback, label_names):
        from stance.dataset.labeling import RulesClassifier

        return RulesClassifier(config=config, method=self.p.method, scheme=scheme, fallback=fallback,
                               label_names=list(label_names))

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "RulesModel":
        labels = check_labels(y)
        names = sorted(set(labels))  # the dataset's labels; rule labels outside them fall back
        self.clf_ = self._make(self.p.config, self.p.scheme, self.p.fallback, names).fit(X, labels)
        self.classes_ = np.asarray([str(c) for c in self.clf_.classes_], dtype=object)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.clf_.predict_proba(X)

    def save(self, directory: str | Path) -> None:
        if self.p.method != "majority":
            raise ValueError("only the 'majority' rules method can be saved; 'label_model' learns weights "
                             "at fit time: refit it from its run config instead")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        atomic.write_text(directory / "labeling.json", self.clf_.cfg_.model_dump_json(indent=2))
        scheme = self.clf_.scheme_
        if scheme is not None:
            atomic.write_text(directory / "scheme.json", scheme.model_dump_json(indent=2))
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params,
                       fallback_=self.clf_.fallback_)

    @classmethod
    def load(cls, directory: str | Path) -> "RulesModel":
        from stance.dataset.labeling import LabelingConfig
        from stance.dataset.schemes import LabelScheme

        directory = Path(directory)
        manifest = read_manifest(directory)
        manifest_attributes(directory, manifest, ("fallback_",))  # no other attribute fields
        model = cls(**manifest.get("params", {}))
        cfg = LabelingConfig.model_validate_json((directory / "labeling.json").read_text(encoding="utf-8"))
        scheme_path = directory / "scheme.json"
        scheme = LabelScheme.model_validate_json(scheme_path.read_text(encoding="utf-8")) \
            if scheme_path.exists() else None
        classes = manifest["classes"]
        fallback = manifest.get("fallback_")
        model.clf_ = model._make(cfg, scheme, fallback, classes).fit(pd.DataFrame({"text": []}), classes)
        model.classes_ = np.asarray(classes, dtype=object)
        return model
