"""Fits side by side (stance.parallel) against the same work in one process, in one run.

    python benchmarks/parallel.py [--jobs 2] [--config configs/models/embedding_logreg.yaml ...]

For each model config (default: the sample study's swept embedding_logreg and ensemble, stance
task), runs what `make reproduce` runs for it: `stance train` (sweep + three seeds) and the shift
evaluation (a temporal split and four leave-actor-out folds, each swept), once with STANCE_JOBS=1
(the named alternative: every fit in this process, one after another) and once with --jobs
workers, into fresh folders under a temporary directory. Prints the seconds of each and whether
the two produced byte-identical predictions (they must: a task computes the same thing in any
process). Needs the built sample dataset (`make reproduce` builds runs/negotiation/dataset) and
warms the embedding cache before timing, so neither side pays for embedding.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from stance.evaluation.shift import ActorSettings, ShiftSettings, TemporalSettings, shift_eval  # noqa: E402
from stance.training.train import load_run_config, train_run  # noqa: E402

ACTORS = ["putin", "peskov", "lavrov", "zakharova", "zelensky", "podolyak", "erdogan", "macron"]


def _predictions(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("predictions*.jsonl"))}


def _run(config: str, root: Path, jobs: int) -> tuple[float, float, dict[str, bytes]]:
    os.environ["STANCE_JOBS"] = str(jobs)
    cfg = load_run_config(config, overrides={"output_root": str(root)})
    start = time.perf_counter()
    run_dir = train_run(cfg, log=lambda *_: None)
    trained = time.perf_counter() - start
    settings = ShiftSettings(seeds=[1], temporal=TemporalSettings(cutoff=0.8),
                             actor=ActorSettings(actors=ACTORS, folds=4))
    start = time.perf_counter()
    shift_eval(load_run_config(config, overrides={"output_root": str(root / "shift"), "seeds": [1]}),
               settings, full_run=run_dir, log=lambda *_: None)
    return trained, time.perf_counter() - start, _predictions(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--config", nargs="*", default=["configs/models/embedding_logreg.yaml",
                                                         "configs/models/ensemble.yaml"])
    args = parser.parse_args()
    if not Path("runs/negotiation/dataset").exists():
        sys.exit("runs/negotiation/dataset is missing: run `make reproduce` first")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores usable: {cpus}; load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'config':40s} {'jobs':>4s} {'train s':>8s} {'shift s':>8s} {'total s':>8s}  same predictions")
    for config in args.config:
        with tempfile.TemporaryDirectory() as tmp:
            _run(config, Path(tmp) / "warm", args.jobs)  # fills the embedding cache; not timed
        results = {}
        for jobs in (1, args.jobs):
            with tempfile.TemporaryDirectory() as tmp:
                results[jobs] = _run(config, Path(tmp) / "out", jobs)
        same = results[1][2] == results[args.jobs][2] and len(results[1][2]) > 0
        for jobs, (trained, shifted, preds) in results.items():
            print(f"{config:40s} {jobs:4d} {trained:8.1f} {shifted:8.1f} {trained + shifted:8.1f}  "
                  f"{'yes' if same else 'NO'} ({len(preds)} files)")


if __name__ == "__main__":
    main()
