"""Test macro-F1 of every run of a study, on corpus v1's test statements and on the statements added since.

Usage: python scripts/test_subsets.py [RUNS_DIR] [PINNED_CSV]
  default: runs/negotiation/runs data/splits/negotiation_v1.csv (after `make reproduce`)

The v1 test statements keep their split as the corpus grows (`split.pinned`), so their
column compares a model trained on the grown corpus with the same model trained before.
"""
from __future__ import annotations

import csv
import json
import statistics
import sys
from pathlib import Path

from sklearn.metrics import f1_score


def main(runs: str = "runs/negotiation/runs", pinned: str = "data/splits/negotiation_v1.csv") -> int:
    with open(pinned, encoding="utf-8", newline="") as fh:
        old_articles = {r["article_id"] for r in csv.DictReader(fh)}
    print("| run | v1 test statements | macro-F1 | new test statements | macro-F1 |")
    print("|---|---|---|---|---|")
    for run in sorted(p for p in Path(runs).iterdir() if (p / "summary.json").exists()):
        old_scores, new_scores, n_old, n_new = [], [], 0, 0
        for seed_dir in sorted(run.glob("seed_*")):
            rows = [json.loads(x) for x in (seed_dir / "predictions_test.jsonl").read_text(encoding="utf-8").splitlines()
                    if x.strip()]
            old = [r for r in rows if r["article_id"] in old_articles]
            new = [r for r in rows if r["article_id"] not in old_articles]
            n_old, n_new = len(old), len(new)
            for subset, scores in ((old, old_scores), (new, new_scores)):
                if subset:
                    scores.append(f1_score([r["gold"] for r in subset], [r["pred"] for r in subset], average="macro"))
        fmt = lambda s: f"{statistics.mean(s):.3f}" if s else "n/a"  # noqa: E731
        print(f"| {run.name} | {n_old} | {fmt(old_scores)} | {n_new} | {fmt(new_scores)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
