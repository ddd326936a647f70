"""`stance shift-eval CONFIG`: a model under distribution shift. Trains on statements up to a
cut-off date and tests on later ones, and holds out whole actors (with the articles that quote
them); compares both with the random article split. Writes <run_dir>/shift/."""
from __future__ import annotations

import argparse


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="run config (configs/models/*.yaml)")
    p.add_argument("--temporal-cutoff", metavar="DATE_OR_QUANTILE",
                   help="train on statements dated on or before this date (YYYY-MM-DD), or up to this quantile "
                        "of the gold rows' dates (default 0.8)")
    p.add_argument("--straddling", choices=["drop", "train", "test"],
                   help="groups with statements on both sides of the cut-off: drop them (default) or put them "
                        "wholly on one side")
    p.add_argument("--actor-folds", type=int, metavar="K",
                   help="hold the actors out in K folds (K models) instead of one model per actor")
    p.add_argument("--min-statements", type=int, metavar="N",
                   help="hold out the actors with at least N gold statements (default 20)")
    p.add_argument("--actors", type=_names, metavar="IDS", help="comma-separated actor ids to hold out instead")
    p.add_argument("--no-temporal", action="store_true", help="skip the temporal split")
    p.add_argument("--no-actor", action="store_true", help="skip leave-actor-out")
    p.add_argument("--seeds", type=_ints, help="comma-separated model seeds (default: 1)")
    p.add_argument("--task", choices=["stance", "sentiment"], help="task, overriding the config's data.task")
    p.add_argument("--data", help="dataset folder, overriding the config's data.path")
    p.add_argument("--output-root", help="folder for run folders, overriding the config's output_root")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples over articles (default 1000)")


def settings_from_args(args: argparse.Namespace):
    """ShiftSettings from the command-line options (defaults where an option is not given)."""
    from stance.evaluation.shift import ActorSettings, ShiftSettings, TemporalSettings

    temporal = None
    if not args.no_temporal:
        t: dict = {}
        if args.temporal_cutoff:
            value = args.temporal_cutoff.strip()
            try:
                t["cutoff"] = float(value)
            except ValueError:
                t["cutoff"] = value
        if args.straddling:
            t["straddling"] = args.straddling
        temporal = TemporalSettings.model_validate(t)
    actor = None
    if not args.no_actor:
        a: dict = {}
        if args.actor_folds:
            a["folds"] = args.actor_folds
        if args.min_statements:
            a["min_statements"] = args.min_statements
        if args.actors:
            a["actors"] = args.actors
        actor = ActorSettings.model_validate(a)
    return ShiftSettings(temporal=temporal, actor=actor, seeds=args.seeds or [1], n_boot=args.n_boot)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pydantic import ValidationError

    from stance.errors import ConfigError
    from stance.evaluation.shift import shift_eval, summary_table
    from stance.training.train import load_run_config, run_config_for

    cfg = load_run_config(args.config)
    if args.task or args.data or args.output_root:
        cfg = run_config_for(args.config, task=args.task, dataset=args.data, output_root=args.output_root)
    try:
        settings = settings_from_args(args)
    except ValidationError as exc:
        raise ConfigError("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()),
                          field="shift") from None
    # a trained run folder of the same config stands for the random split when its settings match
    full_run = cfg.run_dir if (cfg.run_dir / "config.yaml").exists() else None
    summary = shift_eval(cfg, settings, full_run=full_run, log=print)
    print()
    print(summary_table(summary))
    print(f"wrote {Path(cfg.run_dir) / 'shift'}")
    if full_run is None:
        print(f"note: {cfg.run_dir} holds no trained run; `stance train` of this config refuses to overwrite it "
              "until the folder is removed (or give --output-root)")
    return 0
