"""Every shipped model config validates: its model type, its params and its sweep grid."""
from __future__ import annotations

from pathlib import Path

import pytest

from stance.training.sweep import validate_sweep
from stance.training.train import load_run_config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs" / "models").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_model_config_validates(path, monkeypatch):
    monkeypatch.chdir(ROOT)  # member config files are named relative to the repository root
    cfg = load_run_config(path)
    assert cfg.name == path.stem
    if cfg.sweep is not None:
        validate_sweep(cfg)


def test_the_configs_the_docs_name_are_there():
    assert {"tfidf_svm", "embedding_logreg", "transformer", "ensemble", "ensemble_quality",
            "ensemble_per_target"} <= {p.stem for p in CONFIGS}
