"""`stance evaluate RUN [RUN ...] --out DIR`: test-split metrics with article-bootstrap
intervals and paired tests between runs; writes evaluation.json and evaluation.md."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", help="run folders (runs/<name>)")
    p.add_argument("--out", required=True, help="folder for evaluation.json and evaluation.md")
    p.add_argument("--unit", choices=["article", "group", "statement"], default="article",
                   help="what the bootstrap resamples (default: articles)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--n-perm", type=int, default=1000, help="randomisation permutations (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the resampling (default 0)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from stance.evaluation.runs import evaluate_runs

    evaluate_runs(args.runs, args.out, unit=args.unit, n_boot=args.n_boot, n_perm=args.n_perm, seed=args.seed)
    print((Path(args.out) / "evaluation.md").read_text(encoding="utf-8"))
    return 0
