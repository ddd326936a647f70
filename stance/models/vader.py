"""VADER's sentiment lexicon as a sentiment classifier (no training).

predict: compound >= `positive_threshold` -> positive, <= `negative_threshold` -> negative,
else neutral (VADER's recommended thresholds are +-0.05).
predict_proba: VADER's pos/neu/neg proportions of the text, renormalised to sum to one.
These are lexicon proportions, not calibrated probabilities, and their argmax is usually
"neutral"; `predict` follows the compound thresholds, so the predicted label is not always
the one with the largest "probability".
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import Field

from stance.config import StrictModel
from stance.models.base import StanceModel, Template, check_labels, render_inputs
from stance.models.persistence import manifest_attributes, read_manifest, write_manifest

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


class VaderParams(StrictModel):
    """Thresholds and the dataset's names for the three sentiment labels."""

    template: Template = "{text}"
    positive_threshold: float = 0.05
    negative_threshold: float = -0.05
    negative: str = Field("negative", description="label name for negative sentiment")
    neutral: str = "neutral"
    positive: str = "positive"


class VaderSentiment(StanceModel):
    """Lexicon sentiment: compound thresholds for labels, pos/neu/neg proportions as probabilities."""

    type_name = "vader"
    Params = VaderParams

    def __init__(self, **params) -> None:
        self.p = VaderParams(**params)
        self.classes_ = np.asarray([self.p.negative, self.p.neutral, self.p.positive], dtype=object)
        self._analyzer: SentimentIntensityAnalyzer | None = None

    def _params_changed(self) -> None:
        self.classes_ = np.asarray([self.p.negative, self.p.neutral, self.p.positive], dtype=object)

    def _scores(self, X: pd.DataFrame) -> list[dict[str, float]]:
        if self._analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._analyzer = SentimentIntensityAnalyzer()
        return [self._analyzer.polarity_scores(t) for t in render_inputs(X, self.p.template)]

    def check_task_labels(self, labels: Sequence[str]) -> None:
        unknown = sorted(set(labels) - set(self.classes_))
        if unknown:
            raise ValueError(f"vader predicts only {list(self.classes_)}, but the task's labels include "
                             f"{unknown}; use it for the sentiment task or set negative/neutral/positive")

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "VaderSentiment":
        """Nothing to learn; checks that the labels are the three sentiment labels."""
        self.check_task_labels(list(check_labels(y)))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        scores = self._scores(X)
        probs = np.array([[s["neg"], s["neu"], s["pos"]] for s in scores], dtype=float).reshape(-1, 3)
        total = probs.sum(axis=1, keepdims=True)
        probs[total[:, 0] == 0] = [0.0, 1.0, 0.0]  # empty text
        return probs / probs.sum(axis=1, keepdims=True)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        compound = np.array([s["compound"] for s in self._scores(X)], dtype=float)
        out = np.full(len(compound), self.p.neutral, dtype=object)
        out[compound >= self.p.positive_threshold] = self.p.positive
        out[compound <= self.p.negative_threshold] = self.p.negative
        return out

    def save(self, directory: str | Path) -> None:
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params)

    @classmethod
    def load(cls, directory: str | Path) -> "VaderSentiment":
        manifest = read_manifest(directory)
        manifest_attributes(directory, manifest)  # vader saves no attributes
        return cls(**manifest.get("params", {}))
