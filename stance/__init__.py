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
import sys
import types
from typing import Any

__version__ = "0.1.0"

# public name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "read_articles": ("stance.corpus", "read_articles"),
    "extract": ("stance.api", "extract"),
    "Extractor": ("stance.quotes", "Extractor"),
    "ActorRegistry": ("stance.actors", "ActorRegistry"),
    "build_dataset": ("stance.dataset_builder", "build_dataset"),
    "load_model": ("stance.api", "load_model"),
    "train": ("stance.api", "train"),
    "evaluate": ("stance.api", "evaluate"),
    "reproduce": ("stance.api", "reproduce"),
    "Article": ("stance.records", "Article"),
    "Statement": ("stance.records", "Statement"),
}
# Public functions that share their name with a submodule (stance/train.py, stance/reproduce.py).
# Importing a submodule sets it as an attribute of the package, so `stance.train` is the module
# once anything has imported it; that module is made callable (calling it calls stance.api.train),
# so `stance.train(config)` and `stance.train.train_run` both work.
_CALLABLE_MODULES = ("train", "reproduce")

__all__ = ["__version__", *_EXPORTS]


class _CallableModule(types.ModuleType):
    """A submodule that, called, runs the public function of the same name in stance.api."""

    def _function(self) -> Any:
        return getattr(importlib.import_module("stance.api"), self.__name__.rsplit(".", 1)[1])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self) -> Any:
        import inspect

        return inspect.signature(self._function())


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE_MODULES and type(value) is types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"{__name__}.{name}")  # the callable submodule (see above)
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
