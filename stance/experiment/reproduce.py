"""Run a whole experiment: extract, evaluate extraction, build, train, evaluate, learning
curve, evaluation under shift (temporal, leave-actor-out), cross-fitted predictions over the
corpus, and the report.

Every stage is cached (`stance.experiment.stages`): a second run with unchanged inputs, parameters
and code skips it. All stage outputs live under the experiment's `work_dir`; the report
goes to `report_dir`.
"""
from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path

from stance import atomic
from stance.experiment.config import ExperimentConfig, Paths, load_experiment, run_name
from stance.experiment.stages import StageRunner
from stance.run_folder import best_on_dev, require_complete_run


def run_config(exp: ExperimentConfig, paths: Paths, task: str, model_config: Path, output_root: Path,
               seeds: list[int] | None = None):
    """The model config file adapted to this experiment: its dataset, task, seeds and output folder."""
    from stance.config import read_yaml
    from stance.errors import ConfigError
    from stance.training.train import RunConfig, resolve_config

    raw = read_yaml(model_config) or {}
    raw["name"] = run_name(task, model_config.stem)
    raw["data"] = {**(raw.get("data") or {}), "path": str(paths.dataset), "task": task}
    raw["seeds"] = list(seeds or exp.seeds)
    raw["output_root"] = str(output_root)
    from stance.training.sweep import validate_sweep

    try:
        cfg = resolve_config(RunConfig.model_validate(raw))
    except ConfigError as exc:
        raise ConfigError(exc.reason, path=model_config, field=exc.field) from None
    except Exception as exc:  # pydantic errors carry no file name; add it
        raise ConfigError(str(exc), path=model_config) from None
    validate_sweep(cfg, model_config)
    return cfg


def _extract(exp: ExperimentConfig, paths: Paths) -> None:
    from stance.corpus.readers import read_articles
    from stance.extraction.actors import load_registry
    from stance.extraction.quotes import extract_corpus
    from stance.jsonl import write_jsonl

    read = read_articles(exp.articles)
    statements = extract_corpus(read.articles, load_registry(exp.actors), progress=True)
    write_jsonl(paths.statements, statements)


def _eval_extraction(exp: ExperimentConfig, paths: Paths, gold_paths: list[Path]) -> None:
    from stance.corpus.readers import read_articles
    from stance.dataset.gold import load_gold
    from stance.extraction.evaluation import evaluate_extraction
    from stance.jsonl import read_jsonl, write_jsonl
    from stance.records import Statement

    articles = {a.id: a for a in read_articles(exp.articles).articles}
    gold = load_gold(articles, gold_paths)
    report = evaluate_extraction(read_jsonl(paths.statements, Statement), gold, articles)
    paths.extraction.mkdir(parents=True, exist_ok=True)
    atomic.write_text(paths.extraction / "metrics.json", json.dumps(report.scores(), indent=2) + "\n")
    write_jsonl(paths.extraction / "mismatches.jsonl", report.mismatches)
    print(report.table())


def _best_model(paths: Paths, task: str, stems: list[str]) -> str:
    """The model stem with the highest mean dev macro-F1 (chosen on dev, never on test)."""
    for stem in stems:
        require_complete_run(paths.run_dir(task, stem))
    best = best_on_dev(paths.run_dir(task, stem) for stem in stems)
    if best is None:
        raise ValueError(f"no models for task {task!r} to choose from")
    return stems[[paths.run_dir(task, stem) for stem in stems].index(best)]


def reproduce(experiment: str | Path, force: bool = False, log=print) -> Path:
    """Run every stage of `experiment` (cached); return the report folder."""
    from stance.dataset.builder import build_dataset, load_dataset_config
    from stance.dataset.schemes import load_scheme
    from stance.errors import ConfigError
    from stance.evaluation.runs import evaluate_runs
    from stance.experiment.report.build import write_report
    from stance.training.train import crossfit_predict, learning_curve, train_run

    exp = load_experiment(experiment)
    paths = Paths(exp)
    # the whole experiment is checked before any stage runs: every model config (task, params,
    # sweep), the dataset config and its label schemes
    for task, tcfg in exp.tasks.items():
        for model_config in tcfg.models:
            run_config(exp, paths, task, model_config, paths.runs)
    ds_cfg = load_dataset_config(exp.dataset, overrides={"output": str(paths.dataset)})
    for task, scheme in (("stance", ds_cfg.schemes.stance), ("sentiment", ds_cfg.schemes.sentiment)):
        try:
            load_scheme(scheme)
        except ConfigError as exc:
            raise ConfigError(exc.reason, path=exp.dataset, field=f"schemes.{task}") from None
    runner = StageRunner(paths.work, force=force, log=log)
    started = time.perf_counter()
    gold_paths = list(ds_cfg.gold)
    data_inputs = [exp.articles, exp.actors, *gold_paths]

    runner.run("extract", data_inputs, {}, [paths.statements], lambda: _extract(exp, paths))
    runner.run("eval-extraction", [paths.statements, *data_inputs], {}, [paths.extraction],
               lambda: _eval_extraction(exp, paths, gold_paths))
    config_inputs = [exp.dataset, Path("configs")] if Path("configs").is_dir() else [exp.dataset]
    runner.run("build", [*data_inputs, *config_inputs], ds_cfg.model_dump(mode="json"),
               [paths.dataset], lambda: build_dataset(ds_cfg, paths.dataset))

    stems: dict[str, list[str]] = {}
    for task, tcfg in exp.tasks.items():
        stems[task] = [m.stem for m in tcfg.models]
        for model_config in tcfg.models:
            cfg = run_config(exp, paths, task, model_config, paths.runs)
            runner.run(f"train {cfg.name}", [paths.dataset], cfg.model_dump(mode="json"),
                       [cfg.run_dir], partial(train_run, cfg, log=log))
        run_dirs = [paths.run_dir(task, s) for s in stems[task]]
        runner.run(f"evaluate {task}", run_dirs, {"n_boot": exp.n_boot},
                   [paths.evaluation / task],
                   partial(evaluate_runs, run_dirs, paths.evaluation / task, n_boot=exp.n_boot))

    lc = exp.learning_curve
    if lc is not None:
        for task in lc.tasks:
            for model_config in exp.tasks[task].models:
                if lc.models and model_config.stem not in lc.models:
                    continue
                cfg = run_config(exp, paths, task, model_config, paths.learning_curve, seeds=lc.seeds)
                full = paths.run_dir(task, model_config.stem)  # its seeds stand for fraction 1
                # what learning_curve reads of it (not the weights): settings, data fingerprint, metrics
                full_inputs = [full / "config.yaml", full / "run.json", full / "summary.json"]
                runner.run(f"learning-curve {cfg.name}", [paths.dataset, *full_inputs],
                           [cfg.model_dump(mode="json"), lc.model_dump(mode="json")],
                           [cfg.run_dir / "learning_curve.json"],
                           partial(learning_curve, cfg, lc.fractions, lc.seeds, log=log, full_run=full))

    sh = exp.shift
    if sh is not None:
        from stance.evaluation.shift import ShiftSettings, shift_eval

        settings = ShiftSettings.model_validate(sh.model_dump(exclude={"tasks", "models"}))
        for task in sh.tasks:
            if task not in exp.tasks:
                from stance.errors import ConfigError
                raise ConfigError(f"shift.tasks names {task!r}, which is not a task of the experiment",
                                  path=experiment, field="shift.tasks")
            for model_config in exp.tasks[task].models:
                if sh.models and model_config.stem not in sh.models:
                    continue
                cfg = run_config(exp, paths, task, model_config, paths.shift, seeds=sh.seeds)
                full = paths.run_dir(task, model_config.stem)  # its seeds' test predictions are the random split
                full_inputs = [full / "config.yaml", full / "run.json", full / "summary.json",
                               *[full / f"seed_{s}" / "predictions_test.jsonl" for s in sh.seeds]]
                runner.run(f"shift {cfg.name}", [paths.dataset, *full_inputs],
                           [cfg.model_dump(mode="json"), settings.model_dump(mode="json")],
                           [cfg.run_dir / "shift"],
                           partial(shift_eval, cfg, settings, full_run=full, log=log))

    tl = exp.timeline
    for task, tcfg in exp.tasks.items():
        stem = _best_model(paths, task, stems[task]) if tl.model == "best" else tl.model
        if stem not in stems[task]:
            from stance.errors import ConfigError
            raise ConfigError(f"timeline.model {stem!r} is not a model of task {task!r} ({', '.join(stems[task])})",
                              path=experiment, field="timeline.model")
        model_config = next(m for m in tcfg.models if m.stem == stem)
        cfg = run_config(exp, paths, task, model_config, paths.crossfit / task, seeds=exp.seeds[:1])
        full = paths.run_dir(task, stem)  # its sweep table is reused when it matches
        runner.run(f"crossfit {task}", [paths.dataset, full / "sweep.json"] if (full / "sweep.json").exists()
                   else [paths.dataset], [cfg.model_dump(mode="json"), tl.crossfit_folds],
                   [cfg.run_dir / "crossfit"],
                   partial(crossfit_predict, cfg, k=tl.crossfit_folds, log=log, full_run=full))

    write_report(exp, paths, experiment_path=Path(experiment))
    log(f"reproduce: finished in {time.perf_counter() - started:.0f} s; report at {paths.report / 'REPORT.md'}")
    return paths.report
