"""Frozen sentence embeddings with a scikit-learn head (`embedding_logreg`).

The encoder body (all-MiniLM-L6-v2 by default; any local encoder or packaged name through
`model_path`) is never trained: each input is embedded once (mean pooling, L2-normalised, as
sentence-transformers does; `layers` can pool several hidden states and concatenate them) and the vector is cached on disk (`stance.models.embedding_cache`),
so training a head takes seconds once a corpus has been embedded. The head is a multinomial
logistic regression (`head: logreg`), a linear SVM with sigmoid-calibrated probabilities
(`head: svm`, calibration folds keep each article together as in tfidf_svm) or a small MLP
(`head: mlp`).

The input is `template` over the row's columns ("{text}", "{speaker}: {text}",
"{context}" with the statement marked, ...). `extra_templates` adds further embeddings that
are concatenated to the first (e.g. the statement and its marked paragraph), each of them
normalised.

Saved as manifest.json (parameters, encoder fingerprint) and head.skops. The encoder itself
is not copied: it is found again from `model_path` at load time, and a model refuses to
load when the encoder's fingerprint differs from the one it was trained with.
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from stance.config import StrictModel
from stance.errors import ConfigError, InputError
from stance.models.base import Seed, StanceModel, Template, check_labels, render_inputs
from stance.models.embedding_cache import EmbeddingCache, embed
from stance.models.encoders import SentenceEncoder, resolve_encoder_path
from stance.models.persistence import load_skops, read_manifest, save_skops, write_manifest


class EmbeddingParams(StrictModel):
    """Hyperparameters of the frozen-encoder classifier."""

    model_path: str | None = Field(None, description="local encoder folder or packaged name "
                                                     "(e.g. all-mpnet-base-v2); None = the shipped MiniLM-L6")
    template: Template = Field("{text}", description="input built from the row's columns, e.g. '{speaker}: {text}'")
    extra_templates: list[Template] = Field(default_factory=list,
                                            description="more inputs whose embeddings are concatenated to the first")
    pooling: Literal["mean", "cls"] = "mean"
    layers: list[int] = Field([-1], min_length=1,
                              description="hidden states pooled and concatenated (0 = embedding output, -1 = last "
                                          "layer; e.g. [-1, -2, -3] for the last three)")
    normalize: bool = True
    max_length: int = Field(256, ge=8, description="tokens per input; longer inputs are truncated")
    head: Literal["logreg", "svm", "mlp"] = "logreg"
    C: float = Field(1.0, gt=0, description="inverse regularisation strength (logreg, svm)")
    class_weight: Literal["balanced"] | None = "balanced"
    hidden_units: int = Field(256, ge=1, description="mlp only")
    alpha: float = Field(1e-3, ge=0, description="mlp only: L2 penalty")
    max_iter: int = Field(2000, ge=1)
    calibration_folds: int = Field(3, ge=2, description="svm only")
    calibration_groups: str | None = Field("group_id", description="svm only: column kept in one calibration fold")
    batch_size: int = Field(1, ge=1, description="texts per encoder call; 1 makes each vector independent of its "
                                                 "batch, so cached and fresh embeddings are bit-identical")
    cache: bool = Field(True, description="keep embeddings on disk (see cache_dir)")
    cache_dir: str | None = Field(None, description="None = $STANCE_CACHE_DIR or ~/.cache/stance")
    threads: int = Field(2, ge=1)
    seed: Seed = 0


class EmbeddingClassifier(StanceModel):
    """Frozen sentence-encoder embeddings + a linear (or small MLP) head."""

    type_name = "embedding_logreg"
    Params = EmbeddingParams

    def __init__(self, **params) -> None:
        self.p = EmbeddingParams(**params)
        self._encoder: SentenceEncoder | None = None

    def _params_changed(self) -> None:
        self._encoder = None  # built from model_path, pooling, ...: rebuilt on next use

    # ------------------------------------------------------------------ features
    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = SentenceEncoder(resolve_encoder_path(self.p.model_path, field="model.params.model_path"),
                                            pooling=self.p.pooling, normalize=self.p.normalize,
                                            max_length=self.p.max_length, batch_size=self.p.batch_size,
                                            threads=self.p.threads, layers=tuple(self.p.layers))
        return self._encoder

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The feature matrix of X: one embedding per template, concatenated."""
        cache = EmbeddingCache(self.p.cache_dir) if self.p.cache else None
        try:
            blocks = [embed(self.encoder, render_inputs(X, t), cache)
                      for t in [self.p.template, *self.p.extra_templates]]
        except ConfigError as exc:
            if exc.field == "layers":  # an index the encoder does not have: name the config's field
                raise ConfigError(exc.reason, field="model.params.layers") from None
            raise
        return np.hstack(blocks) if len(blocks) > 1 else blocks[0]

    def prepare(self, X: pd.DataFrame) -> None:
        """Embed X's inputs into the on-disk cache (nothing to do without the cache)."""
        if self.p.cache:
            self.transform(X)

    # ------------------------------------------------------------------ head
    def _head(self, y: np.ndarray, X: pd.DataFrame):
        p = self.p
        if p.head == "logreg":
            return LogisticRegression(C=p.C, class_weight=p.class_weight, max_iter=p.max_iter, random_state=p.seed)
        if p.head == "mlp":
            # early stopping holds out 10% of train: only worth it with a few hundred rows
            return MLPClassifier(hidden_layer_sizes=(p.hidden_units,), alpha=p.alpha, max_iter=p.max_iter,
                                 early_stopping=len(y) >= 300, n_iter_no_change=20, random_state=p.seed)
        from stance.models.tfidf import calibration_folds

        svc = LinearSVC(C=p.C, class_weight=p.class_weight, max_iter=p.max_iter, random_state=p.seed)
        _, counts = np.unique(y, return_counts=True)
        folds = min(p.calibration_folds, int(counts.min()))
        if folds < 2:
            raise InputError("head 'svm' needs at least two training rows of every label for calibration",
                             field="model.params.head")
        cv, self.calibration_ = calibration_folds(y, X, folds, p.calibration_groups, p.seed)
        return CalibratedClassifierCV(svc, method="sigmoid", cv=cv)

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "EmbeddingClassifier":
        """Embed X (cached) and fit the head (eval_set is not used)."""
        labels = check_labels(y)
        features = self.transform(X)
        self.head_ = self._head(labels, X)
        with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*failed to converge.*")
            self.head_.fit(features, labels)
        self.classes_ = np.asarray([str(c) for c in self.head_.classes_], dtype=object)
        self.encoder_fingerprint_ = self.encoder.fingerprint
        self.n_features_ = int(features.shape[1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(1, user_api="blas"):
            return self.head_.predict_proba(self.transform(X))

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        head = self.head_
        if isinstance(head, MLPClassifier):
            # prediction needs neither the optimiser's state nor the random generator
            head = copy.copy(head)
            for name in ("_optimizer", "_random_state"):
                if hasattr(head, name):
                    setattr(head, name, None)
        save_skops(head, directory / "head.skops")
        extra = {"encoder_fingerprint_": self.encoder_fingerprint_, "n_features_": self.n_features_}
        if hasattr(self, "calibration_"):
            extra["calibration_"] = self.calibration_
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params, **extra)

    @classmethod
    def load(cls, directory: str | Path) -> "EmbeddingClassifier":
        manifest = read_manifest(directory)
        model = cls(**manifest.get("params", {}))
        model.head_ = load_skops(Path(directory) / "head.skops")
        model.classes_ = np.asarray(manifest["classes"], dtype=object)
        model.encoder_fingerprint_ = str(manifest.get("encoder_fingerprint_", ""))
        model.n_features_ = int(manifest.get("n_features_", 0))
        if "calibration_" in manifest:
            model.calibration_ = str(manifest["calibration_"])
        found = model.encoder.fingerprint
        if model.encoder_fingerprint_ and found != model.encoder_fingerprint_:
            raise InputError(f"the encoder at {model.encoder.path} (fingerprint {found}) is not the one this model "
                             f"was trained with ({model.encoder_fingerprint_})", path=Path(directory) / "manifest.json",
                             field="params.model_path")
        return model
