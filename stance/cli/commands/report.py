"""`stance report EXPERIMENT`: figures and REPORT.md from an experiment's saved outputs."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment YAML whose work_dir holds the saved outputs")
    p.add_argument("--html", action=argparse.BooleanOptionalAction, default=True,
                   help="also write the interactive index.html (default; --no-html skips it)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from stance.experiment.config import Paths, load_experiment
    from stance.experiment.report.build import write_report

    exp = load_experiment(args.experiment)
    out = write_report(exp, Paths(exp), experiment_path=Path(args.experiment), html=args.html)
    print(f"wrote {out}")
    return 0
