"""`stance predict --model RUN_DIR ARTICLES -o OUT`: extract and classify statements of new articles."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="articles (file or folder, any format `stance extract` reads) or statement JSONL")
    p.add_argument("--model", action="append", required=True,
                   help="run folder or saved model folder; repeat for several tasks (stance and sentiment)")
    p.add_argument("-o", "--out", required=True, help="output statement JSONL with labels and probabilities")
    p.add_argument("--seed", type=int, help="seed of the run to use (default: best dev macro-F1)")
    p.add_argument("--actors", help="actor registry YAML file or folder to resolve speakers "
                                    "(default, as for `stance extract`: configs/actors if present)")
    p.add_argument("--no-actors", action="store_true", help="do not resolve speakers to actor ids")
    p.add_argument("--workers", type=int, help="extraction processes (default 1); with --engine dask, the workers "
                                               "of the LocalCluster (default: one per core)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: in this process (default); dask: a folder or glob of article or statement shards "
                        "to a folder of classified Parquet shards (-o) with a manifest, resumable (see stance.scale)")
    p.add_argument("--scheduler", help="with --engine dask: address of an existing Dask scheduler "
                                       "(default: start a LocalCluster)")
    p.add_argument("--no-progress", action="store_true",
                   help="with --engine dask: no progress bar or progress lines (the bar shows only on a terminal)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "engine", "local") == "dask":
        from stance.scale import run_predict

        return run_predict(args)
    if getattr(args, "scheduler", None):
        from stance.errors import InputError

        raise InputError("--scheduler needs --engine dask")
    from stance.cli.commands.extract import actors_from_args
    from stance.training.predict import predict_file

    n = predict_file(args.model, args.input, args.out, seed=args.seed, actors=actors_from_args(args),
                     workers=args.workers or 1)
    print(f"wrote {n} statements to {args.out}")
    return 0
