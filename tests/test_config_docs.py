"""docs/CONFIG.md is generated from the config models and must be current."""
from __future__ import annotations

from pathlib import Path

from stance.config_docs import SECTIONS, render

ROOT = Path(__file__).resolve().parents[1]


def test_config_reference_is_current():
    committed = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/CONFIG.md is stale: run `python -m stance.config_docs`"


def test_reference_lists_every_field_of_every_section():
    import importlib

    text = render()
    for title, target, _ in SECTIONS:
        module, cls = target.split(":")
        model = getattr(importlib.import_module(module), cls)
        assert f"## {title}" in text
        for name in model.model_fields:
            assert f"| `{name}` |" in text, f"{target}.{name} missing from the reference"
