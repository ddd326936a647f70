"""`stance reproduce EXPERIMENT`: every stage of an experiment, cached."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment YAML (e.g. experiments/negotiation.yaml)")
    p.add_argument("--force", action="store_true", help="re-run every stage even when its inputs are unchanged")


def run(args: argparse.Namespace) -> int:
    from stance.experiment.reproduce import reproduce

    reproduce(args.experiment, force=args.force)
    return 0
