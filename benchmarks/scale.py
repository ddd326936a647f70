"""Sharded extraction on Dask against the single-process path and the process pool, over archive sizes.

    python benchmarks/scale.py [--sizes 5000 10000 20000] [--shard-size 100]
                               [--engines single,pool:2,dask:1,dask:2] [--articles data/articles] [--keep DIR]

For each size, builds a synthetic archive by repeating the sample corpus to that many articles (ids
made unique: `<id>~<repeat>`), written as JSONL shards of `--shard-size` articles, then times on the
same shards each engine, each in a fresh Python process (so that peak memory is per run):

- `single`: the current path, `stance extract` (all articles read, one process, one output file);
- `pool:N`: `stance extract --workers N` (all articles read, a process pool of N, one output file);
- `dask:N`: `stance extract --engine dask --workers N` (a LocalCluster of N one-thread processes with
  the toolkit's worker settings, `stance.scale.local_cluster`; one Parquet file per shard, manifest);
- `dask-defaults:N`: the same on a LocalCluster with Dask's default worker settings (profiler on,
  MALLOC_TRIM_THRESHOLD_ set), to see what stance.scale.WORKER_CONFIG buys.

It prints, per size and engine, articles/s, words/s and statements/s (after start-up: starting the
processes and loading spaCy in each is reported apart: for the pool it is measured on a pool of its
own and subtracted, since extract_corpus starts its pool inside the clock), the speed-up over
`single`, articles per CPU-second of the workers (the per-core rate: less sensitive to other load
than the wall clock; for the pool, less its start-up measured apart), the peak resident memory of
the biggest worker (for `single`: the one process) and of the driver process, and the load average (1 min) before and after each run: other processes on the
machine slow every engine, and a 2-worker engine on 2 shared cores most of all.

A quick run: `--sizes 1000` (about a minute on 2 cores). Without data/ it falls back to the test fixtures.
A benchmark, not a test: the numbers depend on the machine (and on what else runs on it).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.corpus.readers import read_articles  # noqa: E402
from stance.extraction.actors import load_registry  # noqa: E402
from stance.records import Article  # noqa: E402

ENGINES = "single,pool:2,dask:1,dask:2"


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


def _mb(kb: int) -> float:
    return kb / 1024  # ru_maxrss is in KiB on Linux


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _loaded(_: int) -> bool:
    from stance.extraction import quotes

    return quotes._WORKER is not None and quotes._WORKER.nlp is not None  # forces the spaCy load


def run_pool(shards: Path, out: Path, registry, workers: int) -> dict:
    """The current path: all articles read, a process pool (or one process), one output file."""
    from concurrent.futures import ProcessPoolExecutor

    from stance.cli.commands.extract import write_statements
    from stance.extraction.quotes import _init_worker, extract_corpus, load_nlp

    t0 = time.perf_counter()
    nlp = None
    if workers > 1:  # the start-up of a pool (processes, spaCy in each), measured apart: extract_corpus starts
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(registry,)) as pool:  # its own
            list(pool.map(_loaded, range(workers)))
    else:
        nlp = load_nlp()
    startup = time.perf_counter() - t0
    warm_cpu = _cpu(resource.RUSAGE_CHILDREN)  # the start-up pool's, or none
    t0, c0 = time.perf_counter(), time.process_time()
    articles = read_articles(shards).articles
    statements = extract_corpus(articles, registry, workers=workers, nlp=nlp)
    write_statements(out / "statements.parquet", statements)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if workers > 1:  # its pool started inside the clock: take out the start-up measured above
        seconds -= startup
        cpu = _cpu(resource.RUSAGE_CHILDREN) - 2 * warm_cpu  # the pool's workers, less their start-up
    own = _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    kids = _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # the biggest pool process
    return {"seconds": seconds, "startup": startup, "statements": len(statements), "cpu": cpu,
            "worker_mb": kids if workers > 1 else own, "driver_mb": own}


def run_dask(shards: Path, out: Path, registry, workers: int, defaults: bool = False) -> dict:
    from distributed import Client, LocalCluster

    from stance.scale import extract_shards, local_cluster

    t0 = time.perf_counter()
    if defaults:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=40)
    else:
        cluster = local_cluster(workers)
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
    return {"seconds": s.seconds, "startup": startup + s.startup, "statements": s.statements, "cpu": s.cpu,
            "worker_mb": _mb(max(peaks.values())), "driver_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def one(spec: str, shards: Path, out: Path, actors: str) -> dict:
    """Run one engine (`single`, `pool:N`, `dask:N`, `dask-defaults:N`) in this process."""
    registry = load_registry(actors) if Path(actors).exists() else None
    engine, _, n = spec.partition(":")
    workers = 1 if engine == "single" else int(n or 2)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if engine in ("dask", "dask-defaults"):
        return run_dask(shards, out, registry, workers, defaults=engine == "dask-defaults")
    if engine in ("single", "pool"):
        return run_pool(shards, out, registry, workers)
    raise SystemExit(f"unknown engine {spec!r}: single, pool:N, dask:N or dask-defaults:N")


def label_of(spec: str) -> str:
    engine, _, n = spec.partition(":")
    return {"single": "single process", "pool": f"--workers {n or 2} (process pool)",
            "dask": f"--engine dask --workers {n or 2}",
            "dask-defaults": f"dask --workers {n or 2}, Dask defaults"}.get(engine, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", default=str(ROOT / "data" / "articles"))
    ap.add_argument("--actors", default=str(ROOT / "configs" / "actors"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000],
                    help="archive sizes in articles (default 5000 10000 20000)")
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)  # the old single size
    ap.add_argument("--shard-size", type=int, default=100, help="articles per shard (default 100)")
    ap.add_argument("--engines", default=ENGINES,
                    help=f"comma-separated: single, pool:N, dask:N, dask-defaults:N (default {ENGINES})")
    ap.add_argument("--keep", help="build the shards and outputs in this folder and keep them")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one engine, print its numbers as JSON
    ap.add_argument("--shards", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, Path(args.shards), Path(args.out), args.actors)))
        return 0

    sizes = [args.n] if args.n else args.sizes
    specs = [e.strip() for e in args.engines.split(",") if e.strip()]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="stance-scale-"))
    sample = sample_articles(Path(args.articles))
    print(f"sample: {len(sample)} articles repeated; {os.cpu_count()} CPUs; engines: {', '.join(specs)}; "
          f"shards of {args.shard_size} articles; each run in a fresh process", flush=True)
    table = []
    try:
        for size in sizes:
            shards = base / f"archive-{size}"
            shutil.rmtree(shards, ignore_errors=True)
            n_shards, words = write_shards(sample, size, args.shard_size, shards)
            print(f"\narchive: {size} articles, {words:,} words, {n_shards} shards", flush=True)
            for spec in specs:
                load0 = os.getloadavg()[0]
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, __file__, "--one", spec, "--shards", str(shards),
                                       "--out", str(base / f"out-{size}-{spec.replace(':', '-')}"),
                                       "--actors", args.actors], capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"  {label_of(spec)}: failed\n{proc.stderr[-3000:]}", flush=True)
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                r.update(size=size, spec=spec, words=words, shards=n_shards, load0=load0, load1=os.getloadavg()[0],
                         wall=time.perf_counter() - t0)
                table.append(r)
                print(f"  {label_of(spec)}: {r['seconds']:.1f} s ({size / r['seconds']:.1f} articles/s) "
                      f"after {r['startup']:.1f} s start-up; load {load0:.2f} -> {r['load1']:.2f}", flush=True)
        print()
        print(f"{'articles':>8} {'engine':<32} {'articles/s':>10} {'words/s':>9} {'statements/s':>12} "
              f"{'vs single':>9} {'art/CPU-s':>9} {'worker MB':>9} {'driver MB':>9} {'start s':>7} {'load':>11}")
        for r in table:
            single = next((x for x in table if x["size"] == r["size"] and x["spec"] == "single"), None)
            speed = f"{single['seconds'] / r['seconds']:.2f}x" if single else "-"
            sec = r["seconds"]
            print(f"{r['size']:>8} {label_of(r['spec']):<32} {r['size'] / sec:>10.1f} {r['words'] / sec:>9,.0f} "
                  f"{r['statements'] / sec:>12.1f} {speed:>9} {r['size'] / r['cpu']:>9.1f} {r['worker_mb']:>9.0f} "
                  f"{r['driver_mb']:>9.0f} {r['startup']:>7.1f} {r['load0']:>5.2f}-{r['load1']:<5.2f}")
        for size in sizes:
            found = {r["statements"] for r in table if r["size"] == size}
            if len(found) > 1:
                print(f"warning: the engines found different numbers of statements at {size} articles: {sorted(found)}")
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
