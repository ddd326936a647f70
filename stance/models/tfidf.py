"""TF-IDF baselines: word 1-3 and character 2-5 n-grams, then a linear classifier.

- `tfidf_logreg`: multinomial logistic regression (probabilities from the model itself).
- `tfidf_svm`: linear SVM with sigmoid calibration (CalibratedClassifierCV). The calibration
  folds keep the statements of one group together (`calibration_groups`, the dataset's
  `group_id`: an article with its near-duplicates), so the sigmoids are fit on margins of
  articles the fold's SVM has not seen, as the test split is; they are shuffled by the seed.
  Without that column, or when grouped folds would leave a class out of a fold's training
  part, the folds are stratified over statements. When the smallest class has fewer members
  than the calibration folds, the folds are reduced to its size; with a class of one, the
  SVM is fit on everything and its margins go through a softmax (uncalibrated).
  `calibration_` says which was used.

Both weight classes inversely to their frequency by default (`class_weight: balanced`).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC
from sklearn.utils.extmath import safe_sparse_dot
from threadpoolctl import threadpool_limits

from stance.config import StrictModel
from stance.errors import InputError
from stance.models.base import NgramRange, Seed, StanceModel, Template, check_labels, render_inputs
from stance.models.ngrams import WordCharTfidf
from stance.models.persistence import load_skops, manifest_attributes, read_manifest, save_skops, write_manifest


class TfidfParams(StrictModel):
    """Hyperparameters shared by the TF-IDF models."""

    template: Template = Field("{text}", description="input built from the row's columns, e.g. '{target} | {text}'")
    word_ngrams: NgramRange = (1, 3)
    char_ngrams: NgramRange = (2, 5)
    min_df: int = Field(1, ge=1)
    max_features: int | None = Field(None, ge=1, description="per analyzer; None keeps all")
    C: float = Field(4.0, gt=0, description="inverse regularisation strength")
    class_weight: Literal["balanced"] | None = Field("balanced", description="'balanced' or null")
    max_iter: int = Field(2000, ge=1)
    calibration_folds: int = Field(3, ge=2, description="tfidf_svm only")
    calibration_groups: str | None = Field(
        "group_id", description="tfidf_svm only: column whose values stay in one calibration fold "
                                "(null: folds over statements)")
    n_threads: int = Field(2, ge=1, description="threads for feature extraction")
    seed: Seed = 0


def _features(p: TfidfParams) -> WordCharTfidf:
    return WordCharTfidf(p.word_ngrams, p.char_ngrams, p.min_df, p.max_features, p.n_threads)  # validated tuples


class _TfidfModel(StanceModel):
    Params = TfidfParams
    manifest_fields: tuple[str, ...] = ()  # manifest attribute fields that load sets on the model

    def __init__(self, **params) -> None:
        self.p = TfidfParams(**params)

    def _classifier(self, y: np.ndarray, X: pd.DataFrame):
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "_TfidfModel":
        """Fit features and classifier on X (eval_set is not used)."""
        labels = check_labels(y)
        self.pipeline_ = Pipeline([("features", _features(self.p)), ("clf", self._classifier(labels, X))])
        # one BLAS thread: the problems are small, and threaded BLAS on a busy machine is 10x slower
        with threadpool_limits(1, user_api="blas"):
            self.pipeline_.fit(render_inputs(X, self.p.template), labels)
        self.classes_ = np.asarray([str(c) for c in self.pipeline_.classes_], dtype=object)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(1, user_api="blas"):
            return self.pipeline_.predict_proba(render_inputs(X, self.p.template))

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        save_skops(self.pipeline_, directory / "pipeline.skops")
        write_manifest(directory, self.type_name, list(self.classes_), params=self.params, **self._extra_manifest())

    def _extra_manifest(self) -> dict:
        return {}

    @classmethod
    def load(cls, directory: str | Path) -> "_TfidfModel":
        manifest = read_manifest(directory)
        where = Path(directory) / "manifest.json"
        # only the attribute fields this class writes (e.g. calibration_) are set on the model
        attributes = manifest_attributes(directory, manifest, cls.manifest_fields)
        params = manifest.get("params", {})
        if not isinstance(params, dict):
            raise InputError("params must be an object", path=where, field="params")
        try:
            model = cls(**params)
        except ValidationError as exc:
            raise InputError(f"invalid params: {exc.errors()[0].get('msg')}", path=where, field="params") from None
        model.pipeline_ = load_skops(Path(directory) / "pipeline.skops")
        if not isinstance(model.pipeline_, Pipeline):
            raise InputError(f"holds a {type(model.pipeline_).__name__}, not a Pipeline",
                             path=Path(directory) / "pipeline.skops")
        classes = manifest.get("classes")
        if classes != [str(c) for c in getattr(model.pipeline_, "classes_", [])]:
            raise InputError("the classes do not match those of pipeline.skops", path=where, field="classes")
        model.classes_ = np.asarray(classes, dtype=object)
        for key, value in attributes.items():
            if not isinstance(value, str):
                raise InputError(f"{key} must be a string", path=where, field=key)
            setattr(model, key, value)
        return model


class TfidfLogReg(_TfidfModel):
    """TF-IDF n-grams + multinomial logistic regression."""

    type_name = "tfidf_logreg"

    def _classifier(self, y: np.ndarray, X: pd.DataFrame) -> LogisticRegression:
        return LogisticRegression(C=self.p.C, class_weight=self.p.class_weight, max_iter=self.p.max_iter,
                                  random_state=self.p.seed)


class TfidfSVM(_TfidfModel):
    """TF-IDF n-grams + linear SVM with calibrated probabilities."""

    type_name = "tfidf_svm"
    manifest_fields = ("calibration_",)

    def _classifier(self, y: np.ndarray, X: pd.DataFrame):
        svc = LinearSVC(C=self.p.C, class_weight=self.p.class_weight, max_iter=self.p.max_iter,
                        random_state=self.p.seed)
        _, counts = np.unique(y, return_counts=True)
        folds = min(self.p.calibration_folds, int(counts.min()))
        if folds >= 2:
            cv, self.calibration_ = calibration_folds(y, X, folds, self.p.calibration_groups, self.p.seed)
            return CalibratedClassifierCV(svc, method="sigmoid", cv=cv)
        self.calibration_ = "none: a class has a single example; softmax of SVM margins"
        return svc

    def fit(self, X: pd.DataFrame, y: Sequence[str], eval_set=None) -> "TfidfSVM":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Liblinear failed to converge.*")
            return super().fit(X, y, eval_set)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        clf = self.pipeline_.named_steps["clf"]
        if isinstance(clf, CalibratedClassifierCV):
            features = self.pipeline_.named_steps["features"].transform(render_inputs(X, self.p.template))
            with threadpool_limits(1, user_api="blas"):
                return calibrated_svm_proba(clf, features)
        margins = self.pipeline_.decision_function(render_inputs(X, self.p.template))
        if margins.ndim == 1:  # two classes: margin of the second
            margins = np.stack([-margins, margins], axis=1) / 2
        e = np.exp(margins - margins.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def _extra_manifest(self) -> dict:
        return {"calibration_": self.calibration_}


def calibration_folds(y: np.ndarray, X: pd.DataFrame, folds: int, column: str | None, seed: int) -> tuple:
    """The `cv` for CalibratedClassifierCV and its description: folds that keep each value of `column`
    (e.g. group_id) together when possible, shuffled by `seed`; folds over statements otherwise."""
    if not column:
        return folds, f"sigmoid, {folds}-fold"
    if column not in X.columns:
        return folds, f"sigmoid, {folds}-fold over statements (no {column!r} column)"
    # a statement without a group is a group of its own
    groups = np.asarray([f"\x00row{i}" if g is None or g != g or g == "" else str(g)
                         for i, g in enumerate(X[column].tolist())], dtype=object)
    n_groups = len(np.unique(groups))
    if n_groups >= folds:
        # every statement its own group (benchmarks grouped by text): plain stratified folds,
        # which is what grouping amounts to, without StratifiedGroupKFold's per-group loop
        splitter = (StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed) if n_groups == len(y)
                    else StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*least populated class.*")
            warnings.filterwarnings("ignore", message=".*groups parameter is ignored.*")
            splits = [(train, test) for train, test in splitter.split(np.zeros(len(y)), y, groups)]
        n_classes = len(np.unique(y))
        if all(len(np.unique(y[train])) == n_classes for train, _ in splits):
            return splits, f"sigmoid, {folds}-fold grouped by {column}"
    return folds, f"sigmoid, {folds}-fold over statements (too few {column} groups for every class in each fold)"


def calibrated_svm_proba(clf: CalibratedClassifierCV, X) -> np.ndarray:
    """`clf.predict_proba(X)` for sigmoid-calibrated linear SVMs, with one sparse product for all folds.

    scikit-learn scores X once per calibration fold; here the folds' weight vectors are stacked so
    X is read once, then each fold's sigmoids and normalisation are applied as scikit-learn does
    (one-vs-rest sigmoid per class, rows renormalised, folds averaged). Anything else is passed to
    scikit-learn.
    """
    folds = clf.calibrated_classifiers_
    if clf.method != "sigmoid" or not all(isinstance(f.estimator, LinearSVC) for f in folds):
        return clf.predict_proba(X)
    n_classes = len(clf.classes_)
    weights = np.vstack([f.estimator.coef_ for f in folds])
    margins = safe_sparse_dot(X, weights.T, dense_output=True) + np.concatenate([f.estimator.intercept_ for f in folds])
    per_fold = weights.shape[0] // len(folds)
    mean = np.zeros((X.shape[0], n_classes))
    for i, fold in enumerate(folds):
        proba = np.zeros((X.shape[0], n_classes))
        positions = LabelEncoder().fit(fold.classes).transform(fold.estimator.classes_)
        for position, column, calibrator in zip(positions, margins[:, i * per_fold:(i + 1) * per_fold].T,
                                                fold.calibrators):
            proba[:, position + 1 if n_classes == 2 else position] = calibrator.predict(column)
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        mean += proba
    return mean / len(folds)
