"""`stance train CONFIG`: train a model from a run config into runs/<name>/."""
from __future__ import annotations

import argparse


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="run config (configs/models/*.yaml)")
    p.add_argument("--seeds", type=_ints, help="comma-separated seeds, overriding the config's")
    p.add_argument("--output-root", help="folder for run folders, overriding the config's output_root")
    p.add_argument("--data", help="dataset folder, overriding the config's data.path")
    p.add_argument("--learning-curve", type=_floats, metavar="FRACTIONS",
                   help="also train on these fractions of train (e.g. 0.25,0.5,1) -> learning_curve.json")
    p.add_argument("--crossfit", type=int, metavar="K", help="also write K-fold out-of-fold predictions")
    p.add_argument("--no-train", action="store_true", help="skip the seed runs (only the extras above)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pydantic import ValidationError

    from stance.errors import ConfigError
    from stance.jsonl import validation_field
    from stance.training.train import RunConfig, crossfit_predict, learning_curve, load_run_config, train_run

    cfg = load_run_config(args.config)
    update: dict = {}
    if args.seeds:
        update["seeds"] = args.seeds
    if args.output_root:
        update["output_root"] = Path(args.output_root)
    if args.data:
        update["data"] = cfg.data.model_copy(update={"path": Path(args.data)})
    if update:  # command-line values are validated like the config's own
        try:
            cfg = RunConfig.model_validate({**cfg.model_dump(), **update})
        except ValidationError as exc:
            raise ConfigError(exc.errors()[0]["msg"], path=args.config, field=validation_field(exc)) from None
    try:
        if not args.no_train:
            run_dir = train_run(cfg)
            print(f"wrote {run_dir}")
        if args.learning_curve:
            learning_curve(cfg, args.learning_curve)
            print(f"wrote {cfg.run_dir / 'learning_curve.json'}")
        if args.crossfit:
            crossfit_predict(cfg, k=args.crossfit)
            print(f"wrote {cfg.run_dir / 'crossfit'}")
    except ConfigError as exc:
        if exc.path is None:  # found while training (e.g. a value scikit-learn refuses): name the config
            raise ConfigError(exc.reason, path=args.config, field=exc.field) from None
        raise
    return 0
