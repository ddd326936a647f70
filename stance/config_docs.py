"""The config reference (docs/CONFIG.md), generated from the config models themselves.

Every YAML file the toolkit reads is validated by one of the pydantic models listed in
`SECTIONS`; this module renders their fields (type, default, description) as Markdown,
so the reference cannot drift from the code. `python -m stance.config_docs` rewrites
docs/CONFIG.md; a test checks that the committed file is current.
"""
from __future__ import annotations

import importlib
import sys
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

# (title, "module:Class", where such a file lives)
SECTIONS: list[tuple[str, str, str]] = [
    ("Experiment", "stance.experiment.config:ExperimentConfig", "experiments/*.yaml"),
    ("Dataset", "stance.dataset.builder:DatasetConfig", "configs/datasets/*.yaml"),
    ("Training run", "stance.training.train:RunConfig", "configs/models/*.yaml"),
    ("Model parameters: rules", "stance.models.rules:RulesParams", "model.params of type rules"),
    ("Model parameters: tfidf_logreg / tfidf_svm", "stance.models.tfidf:TfidfParams", "model.params"),
    ("Model parameters: vader", "stance.models.vader:VaderParams", "model.params of type vader"),
    ("Model parameters: transformer", "stance.models.transformer:TransformerParams", "model.params"),
    ("Model parameters: embedding_logreg", "stance.models.embedding:EmbeddingParams", "model.params"),
    ("Model parameters: setfit", "stance.models.setfit_model:SetFitParams", "model.params"),
    ("Model parameters: ensemble", "stance.models.ensemble:EnsembleParams", "model.params"),
    ("Model parameters: per_group", "stance.models.per_group:PerGroupParams", "model.params"),
    ("Label scheme", "stance.dataset.schemes:LabelScheme", "configs/schemes/*.yaml"),
    ("Labeling functions", "stance.dataset.labeling:LabelingConfig", "configs/labeling/*.yaml"),
    ("Actor registry", "stance.extraction.actors:RegistryConfig", "configs/actors/*.yaml"),
]


def _type_name(annotation) -> str:
    """A short readable name of a field's type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:  # a constrained type (e.g. a validated template): its base type
        return _type_name(typing.get_args(annotation)[0])
    if origin is None:
        return getattr(annotation, "__name__", str(annotation)).replace("NoneType", "null")
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    inner = ", ".join(_type_name(a) for a in args)
    name = getattr(origin, "__name__", str(origin))
    if name in ("Union", "UnionType"):
        return " | ".join(_type_name(a) for a in args)
    return f"{name}[{inner}]"


def _default(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return ""
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(section defaults)"
    return f"`{value!r}`" if value not in (None, "") else ("`null`" if value is None else '`""`')


def _nested_models(annotation) -> list[type[BaseModel]]:
    out = []
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            out.append(a)
        else:
            out += [b for b in typing.get_args(a) if isinstance(b, type) and issubclass(b, BaseModel)]
    return out


def model_table(model: type[BaseModel], prefix: str = "", seen: set | None = None) -> list[str]:
    """Markdown rows for every field of `model`, nested sections flattened with dotted names."""
    seen = set() if seen is None else seen
    rows = []
    for name, field in model.model_fields.items():
        doc = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{prefix}{name}` | {_type_name(field.annotation)} | {_default(field)} | {doc} |")
        for sub in _nested_models(field.annotation):
            if sub not in seen:
                seen.add(sub)
                rows += model_table(sub, f"{prefix}{name}.", seen)
    return rows


def render() -> str:
    """The whole reference as Markdown."""
    lines = ["# Config reference", "",
             "Generated from the config models by `python -m stance.config_docs`; do not edit by hand.",
             "Every config is validated strictly: an unknown key is an error that names the file and the",
             "field and suggests the closest valid key.", ""]
    for title, target, where in SECTIONS:
        module, cls = target.split(":")
        model = getattr(importlib.import_module(module), cls)
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        lines += [f"## {title}", "", f"`{where}` — {doc} (`{target}`)", "",
                  "| field | type | default | meaning |", "|---|---|---|---|", *model_table(model), ""]
    return "\n".join(lines)


def main(out: str = "docs/CONFIG.md") -> int:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
