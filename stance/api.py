"""The Python API: thin functions over the pipeline's stages, for notebooks and scripts.

    import stance

    stance.extract('"We are ready to talk," Peskov told reporters.')   # -> [Statement(...)]
    stance.build_dataset("configs/datasets/negotiation.yaml", "/tmp/dataset")
    run = stance.train("configs/models/tfidf_svm.yaml", dataset="/tmp/dataset", output_root="/tmp/runs")
    stance.evaluate([run])["runs"]
    model = stance.load_model(run)           # the best dev seed's model
    model.predict(["We will never negotiate with them."])

Everything here is also a command of the CLI (`stance extract`, `stance train`, ...); the
functions call the same code.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from stance.extraction.actors import ActorRegistry
    from stance.extraction.quotes import Extractor
    from stance.models.base import StanceModel
    from stance.records import Article, Statement
    from stance.training.train import RunConfig

# Extractors already built, keyed by registry: loading spaCy's pipeline takes a second or two, so
# repeated `extract` calls in a notebook share one (the value keeps the registry object alive)
_EXTRACTORS: dict[Any, tuple[Any, "Extractor"]] = {}


def _registry(actors: "ActorRegistry | str | Path | None") -> tuple[Any, "ActorRegistry | None"]:
    """(cache key, registry) for `actors`: a registry, a registry YAML file or folder, or None."""
    from stance.extraction.actors import ActorRegistry

    if actors is None:
        return None, None
    if isinstance(actors, ActorRegistry):
        return ("object", id(actors)), actors
    path = Path(actors).resolve()
    stamp = path.stat().st_mtime_ns if path.exists() else None
    key = ("path", str(path), stamp)
    cached = _EXTRACTORS.get(key)
    return key, cached[0] if cached else ActorRegistry.load(path)


def _extractor(actors: "ActorRegistry | str | Path | None") -> "Extractor":
    from stance.extraction.quotes import Extractor

    key, registry = _registry(actors)
    cached = _EXTRACTORS.get(key)
    if cached is None or cached[0] is not registry:
        shared = next(iter(_EXTRACTORS.values()), None)
        extractor = Extractor(registry, nlp=shared[1]._nlp if shared else None)
        _EXTRACTORS[key] = cached = (registry, extractor)
    return cached[1]


def _article(text_or_article: "str | Article | dict[str, Any]", date: "dt.date | str | None") -> "Article":
    from stance.records import Article

    if isinstance(text_or_article, Article):
        return text_or_article if date is None else text_or_article.model_copy(
            update={"date": Article.model_validate({"id": "x", "text": "x", "date": date}).date})
    if isinstance(text_or_article, str):
        data: dict[str, Any] = {"id": "text", "text": text_or_article}
    elif isinstance(text_or_article, dict):
        data = {"id": "text", **text_or_article}
    else:
        raise TypeError(f"extract takes a string, an Article or a dict, not {type(text_or_article).__name__}")
    if date is not None or data.get("date") is None:
        data["date"] = date if date is not None else dt.date.today()
    return Article.model_validate(data)


def extract(text_or_article: "str | Article | dict[str, Any]", date: "dt.date | str | None" = None,
            actors: "ActorRegistry | str | Path | None" = None) -> "list[Statement]":
    """The quoted and reported statements of one text, with their speakers, in text order.

    `text_or_article` is a plain string (read as the body of an article with id "text"), an
    `Article`, or a dict of Article fields (`id` defaults to "text"). An Article needs a date,
    because the actor registry resolves titles and dated roles ("the foreign minister") on the
    day of the article: it is `date` (a date or an ISO string) when given, else the dict's or the
    Article's own date, else today's date.

    `actors` is an `ActorRegistry`, the path of a registry YAML file (or folder of them, e.g.
    "configs/actors/russia_ukraine.yaml"), or None: then speakers keep their text and `actor_id`
    is None. The spaCy pipeline is loaded on the first call and reused afterwards.
    """
    return _extractor(actors).extract(_article(text_or_article, date))


def load_model(path: str | Path, seed: int | None = None) -> "StanceModel":
    """A trained model: from a saved model folder (manifest.json), or from a run folder written by
    `train` (run.json; the seed with the best dev macro-F1, or `seed`)."""
    from stance.models import load_model as load_model_dir
    from stance.training.predict import resolve_model_dir

    model_dir, _, _ = resolve_model_dir(path, seed)
    return load_model_dir(model_dir)


def train(config: "str | Path | RunConfig | dict[str, Any]", *, dataset: str | Path | None = None,
          task: str | None = None, seeds: Sequence[int] | None = None, output_root: str | Path | None = None,
          name: str | None = None, log: Callable[[str], Any] = print) -> Path:
    """Train a run (one model per seed, scored on dev and test) and return its run folder.

    `config` is a run config file (configs/models/*.yaml), a `RunConfig`, or a dict of the same
    content (`{"name": ..., "data": {"path": ...}, "model": {"type": ..., "params": {...}}}`). The
    keyword arguments replace the config's dataset folder (`data.path`), task, seeds, output root
    and run name, as an experiment does (`stance.training.train.run_config_for`). `log` gets the progress
    lines. Wraps `stance.training.train.train_run`.
    """
    from pydantic import ValidationError

    from stance.config import format_validation_error
    from stance.models import validate_params
    from stance.training.sweep import validate_sweep
    from stance.training.train import RunConfig, load_run_config, train_run

    if isinstance(config, RunConfig):
        cfg = config
    elif isinstance(config, dict):
        try:
            cfg = RunConfig.model_validate(config)
        except ValidationError as exc:
            raise format_validation_error(exc, RunConfig, "<dict>") from None
        cfg.model.params = validate_params(cfg.model.type, cfg.model.params)
        validate_sweep(cfg)
    else:
        cfg = load_run_config(config)
    data = cfg.data.model_dump()
    data.update({key: value for key, value in (("task", task), ("path", dataset)) if value is not None})
    update = {key: value for key, value in (("seeds", list(seeds) if seeds is not None else None),
                                            ("output_root", output_root), ("name", name)) if value is not None}
    if update or data != cfg.data.model_dump():
        cfg = RunConfig.model_validate({**cfg.model_dump(), **update, "data": data})
    return train_run(cfg, log=log)


def evaluate(run_dirs: "str | Path | Sequence[str | Path]", out: str | Path | None = None, *, unit: str = "article",
             n_boot: int = 1000, n_perm: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Score runs on their test predictions: macro-F1 per run (mean and std over seeds, bootstrap
    interval over `unit`s) and paired comparisons of the runs of one task.

    Returns the result of `stance.evaluation.runs.evaluate_runs`; with `out`, evaluation.json and
    evaluation.md are also written into that folder (without, nothing is kept on disk).
    """
    from stance.evaluation.runs import evaluate_runs

    dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    if out is not None:
        return evaluate_runs(dirs, out, unit=unit, n_boot=n_boot, n_perm=n_perm, seed=seed)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="stance-evaluate-") as scratch:
        return evaluate_runs(dirs, scratch, unit=unit, n_boot=n_boot, n_perm=n_perm,  # type: ignore[arg-type]
                             seed=seed)


def reproduce(experiment: str | Path, force: bool = False, log: Callable[[str], Any] = print) -> Path:
    """Run every stage of an experiment (experiments/*.yaml; stages whose inputs have not changed
    are skipped unless `force`) and return the report folder."""
    from stance.experiment.reproduce import reproduce as run_experiment

    return run_experiment(experiment, force=force, log=log)


__all__ = ["evaluate", "extract", "load_model", "reproduce", "train"]
