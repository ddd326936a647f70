"""Label schemes: the labels of one task, and how annotated labels map onto them.

A scheme is configuration (configs/schemes/*.yaml):

    name: stance3
    task: stance                # the annotation field it reads: stance or sentiment
    labels: [open, conditional, evasive, rejecting, none]   # labels found in the annotation
    merge: {rejecting: evasive} # annotated label -> label it is counted as
    drop: [none]                # annotated labels left out of the dataset (counted, never silent)

The output labels are `labels` in order, after merges and drops. Annotated values are
matched case-insensitively ("FAVOR" -> "favor"). A scheme that names a label outside
`labels` is a ConfigError; an annotation with a label outside `labels` is an InputError
raised by the caller, which knows the file and line.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from stance.config import StrictModel, load_config
from stance.errors import ConfigError
from stance.resources import config_dir

SCHEMES_DIR = config_dir("schemes")


class LabelScheme(StrictModel):
    """The labels of one task and the merges and drops a study applies to them."""

    name: str = Field(min_length=1)
    task: str = Field(default="stance", min_length=1)
    description: str = ""
    labels: list[str] = Field(min_length=1)
    merge: dict[str, str] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "LabelScheme":
        self.labels = [lab.strip().lower() for lab in self.labels]
        self.merge = {k.strip().lower(): v.strip().lower() for k, v in self.merge.items()}
        self.drop = [d.strip().lower() for d in self.drop]
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels repeat a name: {self.labels}")
        known = set(self.labels)
        for src, dst in self.merge.items():
            if src not in known:
                raise ValueError(f"merge names unknown label {src!r}; labels are {self.labels}")
            if dst not in known:
                raise ValueError(f"merge target {dst!r} (for {src!r}) is not one of the labels {self.labels}")
            if dst in self.merge:
                raise ValueError(f"merge target {dst!r} is itself merged away; merge {src!r} straight to the end label")
        for d in self.drop:
            if d not in known:
                raise ValueError(f"drop names unknown label {d!r}; labels are {self.labels}")
            if d in self.merge:
                raise ValueError(f"label {d!r} is both merged and dropped")
            if d in self.merge.values():
                raise ValueError(f"label {d!r} is dropped but other labels merge into it")
        if not self.output_labels:
            raise ValueError("every label is dropped")
        return self

    @property
    def output_labels(self) -> list[str]:
        """The labels of the dataset, in `labels` order, after merges and drops."""
        return [lab for lab in self.labels if lab not in self.merge and lab not in self.drop]

    def is_known(self, label: str) -> bool:
        """Whether an annotated value is one of `labels` (case-insensitive)."""
        return label.strip().lower() in self.labels

    def map(self, label: str) -> str | None:
        """The output label of an annotated value, or None when the scheme drops it.

        Raises KeyError for a value outside `labels`; callers turn that into an InputError
        that names the file and line.
        """
        key = label.strip().lower()
        if key not in self.labels:
            raise KeyError(key)
        if key in self.drop:
            return None
        return self.merge.get(key, key)

    def index(self, label: str) -> int:
        """Position of an output label (the ClassLabel integer)."""
        return self.output_labels.index(label)


def load_scheme(ref: "str | Path | LabelScheme | dict") -> LabelScheme:
    """A scheme from a LabelScheme, an inline dict, a YAML path, or a name under configs/schemes/."""
    if isinstance(ref, LabelScheme):
        return ref
    if isinstance(ref, dict):
        return LabelScheme.model_validate(ref)
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_config(path, LabelScheme)
    candidate = SCHEMES_DIR / f"{ref}.yaml"
    if candidate.exists():
        return load_config(candidate, LabelScheme)
    known = sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml"))
    raise ConfigError(f"unknown label scheme {str(ref)!r}; give a YAML path or one of {known}")
