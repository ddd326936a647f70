"""The experiment config: one YAML that composes every stage of a study.

`stance reproduce experiments/negotiation.yaml` reads this and runs extract, build,
train (every model over its seeds, per task), evaluate, learning curve, evaluation under
shift (optional), cross-fitted predictions over the whole corpus, and the report.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stance.config import StrictModel, load_config
from stance.evaluation.shift import ShiftSettings


class EventConfig(StrictModel):
    """A dated key event marked on the time axis."""

    date: dt.date
    label: str = Field(min_length=1)


class TimelineConfig(StrictModel):
    """How the stance- and sentiment-over-time figures are drawn."""

    period: Literal["month", "quarter", "half", "year"] = "quarter"
    actors: list[str] = Field(default_factory=list, description="actor ids, in panel order; empty = top_n by count")
    top_n: int = Field(default=6, ge=1)
    min_statements: int = Field(default=3, ge=1, description="periods with fewer statements are not drawn")
    n_boot: int = Field(default=1000, ge=100)
    model: str = Field(default="best",
                       description="model whose cross-fitted predictions are drawn: a model name or 'best'")
    crossfit_folds: int = Field(default=5, ge=2)
    events: list[EventConfig] = Field(default_factory=list)


class LearningCurveConfig(StrictModel):
    """Macro-F1 against training-set size."""

    fractions: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0])
    seeds: list[int] = Field(default_factory=lambda: [1, 2, 3])
    models: list[str] = Field(default_factory=list, description="model names (config file stems); empty = all")
    tasks: list[str] = Field(default_factory=lambda: ["stance"])

    @field_validator("fractions")
    @classmethod
    def _in_unit_interval(cls, v: list[float]) -> list[float]:
        if not v or any(not 0 < f <= 1 for f in v):
            raise ValueError("fractions must be in (0, 1]")
        return sorted(v)


class ShiftConfig(ShiftSettings):
    """Evaluation under shift (stance.evaluation.shift): a temporal split and leave-actor-out, per model and task."""

    tasks: list[str] = Field(default_factory=lambda: ["stance"])
    models: list[str] = Field(default_factory=list, description="model names (config file stems); empty = all")


class TaskConfig(StrictModel):
    """The models compared on one task (stance or sentiment)."""

    models: list[Path] = Field(min_length=1, description="model config files (configs/models/*.yaml)")


class HeadlineConfig(StrictModel):
    """The report's headline comparisons, by model config stem (e.g. `tfidf_svm` for
    configs/models/tfidf_svm.yaml): the best on dev of `challengers` (and of `mixed`) against the
    best on dev of `baseline`, with the paired test on test. A list left empty is filled by model
    type: TF-IDF models; learned models without TF-IDF; ensembles with a TF-IDF member."""

    baseline: list[str] = Field(default_factory=list, description="the reference family (default: TF-IDF models)")
    challengers: list[str] = Field(default_factory=list,
                                   description="compared with the baseline (default: learned models without TF-IDF)")
    mixed: list[str] = Field(default_factory=list,
                             description="reported apart (default: ensembles with a TF-IDF member)")

    def families(self) -> dict[str, list[str]]:
        return {"baseline": self.baseline, "challengers": self.challengers, "mixed": self.mixed}


class ExperimentConfig(StrictModel):
    """A whole study: data, tasks with their models, seeds, and report settings."""

    name: str = Field(min_length=1)
    description: str = ""
    articles: Path
    actors: Path
    dataset: Path = Field(description="dataset config (configs/datasets/*.yaml)")
    tasks: dict[str, TaskConfig] = Field(min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    n_boot: int = Field(1000, ge=100, description="bootstrap resamples for metric intervals")
    work_dir: Path = Field(Path("runs"), description="stage outputs (cached between runs)")
    report_dir: Path = Field(Path("reports"), description="REPORT.md and figures")
    learning_curve: LearningCurveConfig | None = None
    shift: ShiftConfig | None = Field(None, description="temporal and leave-actor-out evaluation; null = skip")
    timeline: TimelineConfig = Field(default_factory=TimelineConfig)
    headline: HeadlineConfig = Field(default_factory=HeadlineConfig,
                                     description="which models the report's headline compares")

    @model_validator(mode="after")
    def _headline_models_exist(self) -> "ExperimentConfig":
        stems = {m.stem for t in self.tasks.values() for m in t.models}
        for family, listed in self.headline.families().items():
            unknown = [x for x in listed if x not in stems]
            if unknown:
                raise ValueError(f"headline.{family}: {unknown} are not model configs of any task "
                                 f"(known: {sorted(stems)})")
        return self


def load_experiment(path: str | Path) -> ExperimentConfig:
    """Load and validate an experiment file; relative paths are taken from the current folder."""
    return load_config(path, ExperimentConfig)


class Paths:
    """Where each stage of an experiment writes (all under work_dir)."""

    def __init__(self, exp: ExperimentConfig) -> None:
        w = exp.work_dir
        self.work = w
        self.statements = w / "extracted" / "statements.jsonl"
        self.extraction = w / "extraction"
        self.dataset = w / "dataset"
        self.runs = w / "runs"
        self.evaluation = w / "evaluation"
        self.learning_curve = w / "learning_curve"
        self.crossfit = w / "crossfit"
        self.shift = w / "shift"
        self.report = exp.report_dir

    def run_dir(self, task: str, model_stem: str) -> Path:
        return self.runs / run_name(task, model_stem)


def run_name(task: str, model_stem: str) -> str:
    """The run folder name of one model config on one task."""
    return f"{task}-{model_stem}"
