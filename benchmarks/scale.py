"""Sharded extraction on Dask against the process pool of `stance extract --workers N`.

    python benchmarks/scale.py [--articles data/articles] [--n 2000] [--shard-size 100] [--workers 2]
                               [--engines pool,dask] [--keep DIR]

Builds a synthetic archive by repeating the sample corpus (ids made unique) to `--n` articles,
written as JSONL shards of `--shard-size` articles, then times on the same shards:

- `pool`: the current path, `stance extract --workers N` (read all articles, a process pool,
  one output file);
- `dask`: `stance extract --engine dask --workers N` (a LocalCluster of N processes, one
  Parquet file per shard, manifest);
- `single`: one process (add it to --engines); `dask:1`, `pool:4`: another worker count.

and prints shards/s, articles/s, statements/s and words/s side by side, with the start-up time
(pool: starting the processes and loading spaCy in each, measured on a pool of its own and
subtracted, since extract_corpus starts its pool inside the clock; dask: cluster start and spaCy on
each worker, outside the clock) and the peak resident memory per worker. Without data/ it falls back to the test fixtures.
A benchmark, not a test: the numbers depend on the machine (and on what else runs on it).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.actors import load_registry  # noqa: E402
from stance.corpus import read_articles  # noqa: E402
from stance.records import Article  # noqa: E402


def sample_articles(path: Path) -> list[Article]:
    if path.exists():
        return read_articles(path).articles
    import yaml

    return [Article(id=d["id"], title=d["title"], date=d["date"], text=d["text"])
            for d in (yaml.safe_load(p.read_text(encoding="utf-8"))
                      for p in sorted((ROOT / "tests" / "fixtures" / "extraction").glob("*.yaml")))]


def write_shards(sample: list[Article], n: int, shard_size: int, folder: Path) -> tuple[int, int]:
    """`n` articles (the sample repeated, ids made unique) in JSONL shards; (shards, words)."""
    folder.mkdir(parents=True, exist_ok=True)
    words = shards = 0
    fh = None
    for i in range(n):
        if i % shard_size == 0:
            if fh:
                fh.close()
            fh = (folder / f"part-{i // shard_size:05d}.jsonl").open("w", encoding="utf-8")
            shards += 1
        a = sample[i % len(sample)]
        rec = a.model_dump(mode="json") | {"id": f"{a.id}~{i // len(sample)}"}
        words += len(a.text.split())
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if fh:
        fh.close()
    return shards, words


def _loaded(_: int) -> bool:
    from stance import quotes

    return quotes._WORKER is not None and quotes._WORKER.nlp is not None  # forces the spaCy load


def run_pool(shards: Path, out: Path, registry, workers: int) -> dict:
    """The current path: all articles read, a process pool (or one process), one output file."""
    from concurrent.futures import ProcessPoolExecutor

    from stance.commands.extract import write_statements
    from stance.quotes import _init_worker, extract_corpus, load_nlp

    t0 = time.perf_counter()
    nlp = None
    if workers > 1:  # the start-up of a pool (processes, spaCy in each), measured apart: extract_corpus starts
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(registry,)) as pool:  # its own
            list(pool.map(_loaded, range(workers)))
    else:
        nlp = load_nlp()
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    articles = read_articles(shards).articles
    statements = extract_corpus(articles, registry, workers=workers, nlp=nlp)
    write_statements(out / "statements.parquet", statements)
    seconds = time.perf_counter() - t0
    if workers > 1:  # its pool started inside the clock: take out the start-up measured above
        seconds -= startup
    peak = resource.getrusage(resource.RUSAGE_CHILDREN if workers > 1 else resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "startup": startup, "statements": len(statements), "peak_mb": peak / 1024}


def run_dask(shards: Path, out: Path, registry, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from stance.scale import extract_shards

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=40)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        s = extract_shards(shards, out, registry, client=client, log=lambda m: None)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    finally:
        client.close()
        cluster.close()
    if s.failed:
        raise SystemExit(f"failed shards: {[r.name for r in s.failed]}")
    return {"seconds": s.seconds, "startup": startup + s.startup, "statements": s.statements,
            "peak_mb": max(peaks.values()) / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", default=str(ROOT / "data" / "articles"))
    ap.add_argument("--actors", default=str(ROOT / "configs" / "actors"))
    ap.add_argument("--n", type=int, default=2000, help="articles in the synthetic archive (default 2000)")
    ap.add_argument("--shard-size", type=int, default=100, help="articles per shard (default 100)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default="pool,dask",
                    help="comma-separated: single, pool, dask; pool:N / dask:N for N workers (default --workers)")
    ap.add_argument("--keep", help="build the shards and outputs in this folder and keep them")
    args = ap.parse_args()

    registry = load_registry(args.actors) if Path(args.actors).exists() else None
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="stance-scale-"))
    try:
        n_shards, words = write_shards(sample_articles(Path(args.articles)), args.n, args.shard_size,
                                       base / "shards")
        print(f"archive: {args.n} articles, {words:,} words, {n_shards} shards of {args.shard_size}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other processes slow every engine)")
        rows = []
        for spec in args.engines.split(","):
            engine, _, n = spec.partition(":")
            workers = 1 if engine == "single" else int(n or args.workers)
            out = base / f"out-{engine}-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            r = (run_dask if engine == "dask" else run_pool)(base / "shards", out, registry, workers)
            label = {"single": "single process", "pool": f"--workers {workers} (process pool)",
                     "dask": f"--engine dask --workers {workers}"}[engine]
            rows.append((label, r))
            print(f"  {label}: {r['seconds']:.1f} s", flush=True)
        print()
        print(f"{'engine':<34} {'start-up s':>10} {'shards/s':>9} {'articles/s':>11} {'statements/s':>13} "
              f"{'words/s':>9} {'peak MB/worker':>15}")
        for label, r in rows:
            sec = r["seconds"]
            print(f"{label:<34} {r['startup']:>10.1f} {n_shards / sec:>9.2f} {args.n / sec:>11.1f} "
                  f"{r['statements'] / sec:>13.1f} {words / sec:>9,.0f} {r['peak_mb']:>15.0f}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        if len({r["statements"] for _, r in rows}) > 1:
            print("warning: the engines found different numbers of statements")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
