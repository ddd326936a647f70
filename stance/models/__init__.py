"""Models with one interface (see `stance.models.base`) and a registry from config `type` to class.

    make_model("tfidf_logreg", {"C": 2.0}) -> an unfitted model
    load_model(directory) -> a saved model, whatever its type (manifest.json says which)
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stance.errors import ConfigError, InputError
from stance.models.base import StanceModel, render_inputs
from stance.models.persistence import read_manifest

# config `type` -> (module, class). Modules are imported on use, so torch loads only when needed.
REGISTRY: dict[str, tuple[str, str]] = {
    "rules": ("stance.models.rules", "RulesModel"),
    "tfidf_logreg": ("stance.models.tfidf", "TfidfLogReg"),
    "tfidf_svm": ("stance.models.tfidf", "TfidfSVM"),
    "vader": ("stance.models.vader", "VaderSentiment"),
    "transformer": ("stance.models.transformer", "TransformerClassifier"),
    "setfit": ("stance.models.setfit_model", "SetFitClassifier"),
    "per_group": ("stance.models.per_group", "PerGroupModel"),
    "embedding_logreg": ("stance.models.embedding", "EmbeddingClassifier"),
    "ensemble": ("stance.models.ensemble", "EnsembleModel"),
}


def model_class(model_type: str) -> type[StanceModel]:
    """The class registered for a config `type`; ConfigError listing the known types otherwise."""
    if model_type not in REGISTRY:
        import difflib

        close = difflib.get_close_matches(model_type, list(REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown model type {model_type!r}{hint} (known: {sorted(REGISTRY)})", field="model.type")
    module, name = REGISTRY[model_type]
    return getattr(importlib.import_module(module), name)


def validate_params(model_type: str, params: dict[str, Any], path: str | Path | None = None,
                    prefix: str = "model.params") -> dict[str, Any]:
    """Check hyperparameters against the model's Params; a typo names the key and suggests the right one."""
    from stance.config import format_validation_error

    try:
        cls = model_class(model_type)
    except ConfigError as exc:  # name the config file too
        raise ConfigError(exc.reason, path=path, field=exc.field) from None
    try:
        return cls.Params.model_validate(params or {}).model_dump(mode="json")
    except ValidationError as exc:
        err = format_validation_error(exc, cls.Params, path or "<config>", prefix=prefix)
        raise ConfigError(err.reason, path=path, field=err.field) from None


def make_model(model_type: str, params: dict[str, Any] | None = None) -> StanceModel:
    """An unfitted model of `model_type` with validated hyperparameters."""
    return model_class(model_type)(**validate_params(model_type, params or {}))


def with_seed(model_type: str, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """A copy of `params` with `seed` set, when models of `model_type` take one."""
    out = dict(params)
    if "seed" in model_class(model_type).Params.model_fields:
        out["seed"] = seed
    return out


def load_model(directory: str | Path) -> StanceModel:
    """Load a saved model directory (its manifest.json names the type)."""
    manifest = read_manifest(directory)
    cls = model_class(manifest["type"])
    try:
        return cls.load(directory)
    except ValidationError as exc:  # the manifest's params do not validate: a damaged or edited model folder
        first = exc.errors()[0]
        field = "params." + ".".join(str(part) for part in first.get("loc", ()))
        raise InputError(f"invalid saved parameters: {first.get('msg')}", path=Path(directory) / "manifest.json",
                         field=field) from None
    except (KeyError, TypeError) as exc:
        raise InputError(f"malformed saved model ({type(exc).__name__}: {exc})",
                         path=Path(directory) / "manifest.json") from None


__all__ = ["REGISTRY", "StanceModel", "load_model", "make_model", "model_class", "render_inputs", "validate_params"]
