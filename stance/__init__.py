"""stance: statements, stance toward negotiation and sentiment in news articles.

The public API (imported on first use, so `import stance` stays fast and loads neither torch nor spaCy):

    stance.read_articles(path)            articles of a corpus file or folder (.articles, .rejects)
    stance.extract(text, date, actors)    the statements of a text, with speakers
    stance.Extractor, stance.ActorRegistry, stance.Article, stance.Statement
    stance.build_dataset(config, output)  the train/dev/test DatasetDict of a dataset config
    stance.train(config, ...)             a run folder: one model per seed, scored on dev and test
    stance.evaluate(run_dirs, out)        macro-F1 with intervals and paired comparisons
    stance.load_model(path)               a trained model (scikit-learn style: fit, predict, predict_proba)
    stance.reproduce(experiment)          every stage of an experiment, up to its report
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "read_articles": ("stance.corpus.readers", "read_articles"),
    "extract": ("stance.api", "extract"),
    "Extractor": ("stance.extraction.quotes", "Extractor"),
    "ActorRegistry": ("stance.extraction.actors", "ActorRegistry"),
    "build_dataset": ("stance.dataset.builder", "build_dataset"),
    "load_model": ("stance.api", "load_model"),
    "train": ("stance.api", "train"),
    "evaluate": ("stance.api", "evaluate"),
    "reproduce": ("stance.api", "reproduce"),
    "Article": ("stance.records", "Article"),
    "Statement": ("stance.records", "Statement"),
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
