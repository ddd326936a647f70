"""Corpus scale: sharded, resumable extraction on Dask, and aggregation over the statement shards.

`extract_shards(articles, out_dir, registry)` reads a folder or glob of article shards
(`.jsonl`, `.parquet`, or any other format `stance.corpus.readers` reads; one file = one shard) and
writes, for each input shard, one Parquet statements file `OUT/<shard>.parquet` (columns:
the `Statement` fields, fixed schema) and, when the shard has bad records, a rejects shard
`OUT/<shard>.rejects.jsonl` (as `stance extract --skip-invalid` writes). `OUT/manifest.json`
records every finished shard with the sha256 of its input bytes, its row counts and its
rejects count, and the settings the outputs depend on.

Streaming: a worker reads one shard and writes its statements in batches of articles; no
step holds the whole corpus. The driver keeps only a bounded window of shard tasks in flight.

Exactly once: a shard's outputs are written atomically (`stance.atomic`) and the shard is
recorded in the manifest (atomically too; after every shard, or every few seconds once it holds
thousands) only after they are in place; a rerun skips the shards whose input fingerprint and
settings match the manifest and redoes the others (a shard's output depends only on its bytes and
the settings), so a run killed at any point and rerun gives byte-identical outputs to an
uninterrupted run. One run at a time may write into an output folder.

A bad record is written to the shard's rejects file; an unreadable shard gets an empty
statements file and one reject naming the whole-file problem; an unexpected failure of one
shard (a bug, a killed worker) is reported and left out of the manifest, so the next run
retries it. None of them stops the other shards.

Workers: `--scheduler ADDRESS` uses an existing cluster; otherwise a `LocalCluster` of
`workers` processes (one thread each, WORKER_CONFIG) is started and closed here. spaCy and the
Extractor are loaded once per worker by a `WorkerPlugin`, not once per shard. The dashboard's
address is printed; a progress bar counts the shards on a terminal (plain lines in a log).

Article ids repeated across shards (each worker sees one shard) are found after the run from the
output shards' `article_id` column and counted in the manifest (`duplicates`); the aggregation counts
such an article once, from its first shard.

`aggregate_shares(out_dir, labels)` computes the label shares per actor and period, with
article-bootstrap intervals, from the statement shards with pyarrow (DuckDB when installed, the
`scale` extra), holding only per-article counts in memory; its rows match
`stance.experiment.report.timeline.label_shares`. docs/SCALE.md: running on a cluster.
"""
from __future__ import annotations

import glob
import hashlib
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from stance import atomic
from stance.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
SHARD_SUFFIXES = {".jsonl", ".csv", ".txt", ".html", ".htm", ".parquet"}
ARTICLE_BATCH = 64  # articles extracted and written together within a shard
PLUGIN_NAME = "stance-extractor"
MANIFEST_EVERY = 5.0  # seconds between manifest rewrites once it holds 1000 shards or more
PROGRESS_EVERY = 10.0  # seconds between progress lines when the output is not a terminal


# ----------------------------------------------------------------------------- schema

def statement_schema():
    """The Parquet schema of a statements shard: the Statement fields, in order."""
    import pyarrow as pa

    from stance.records import Statement

    types = {"start": pa.int64(), "end": pa.int64(), "date": pa.date32()}
    return pa.schema([pa.field(name, types.get(name, pa.string()), nullable=True)
                      for name in Statement.model_fields])


# ----------------------------------------------------------------------------- shards

def shard_files(spec: str | Path, exclude: Sequence[str | Path] = ()) -> list[Path]:
    """The article shards of a folder (recursive; hidden files and the toolkit's outputs left
    out) or a glob pattern, sorted; `exclude` holds folders or files to leave out (the output)."""
    from stance.corpus.readers import is_stance_output

    spec_s = str(spec)
    skip = [Path(p).resolve() for p in exclude]

    def keep(p: Path) -> bool:
        r = p.resolve()
        return (p.is_file() and p.suffix.lower() in SHARD_SUFFIXES and not is_stance_output(p)
                and not p.name.startswith(".") and p.name != MANIFEST
                and not any(r == s or s in r.parents for s in skip))

    if any(c in spec_s for c in "*?["):
        files = sorted(Path(p) for p in glob.glob(spec_s, recursive=True) if keep(Path(p)))
        if not files:
            raise InputError("no article shards match this pattern", path=spec_s)
        return files
    path = Path(spec)
    if not path.exists():
        raise InputError("no such file or folder", path=path)
    if path.is_file():
        if path.suffix.lower() not in SHARD_SUFFIXES:
            raise InputError(f"unsupported shard type {path.suffix!r}", path=path)
        return [path]
    files = sorted(p for p in path.rglob("*") if keep(p)
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise InputError(f"no article shards ({', '.join(sorted(SHARD_SUFFIXES))}) in this folder", path=path)
    return files


def shard_names(files: Sequence[Path]) -> list[str]:
    """Output names of the shards: the path below their common folder, without suffix
    (`2025/part-01.jsonl` -> `2025/part-01`); two shards with one name are an error."""
    import os

    if not files:
        return []
    root = Path(os.path.commonpath([str(f.resolve().parent) for f in files]))
    names = [f.resolve().relative_to(root).with_suffix("").as_posix() for f in files]
    seen: dict[str, Path] = {}
    for f, n in zip(files, names):
        if n in seen:
            raise InputError(f"two shards would write the same output {n!r}: {seen[n]} and {f}", path=f)
        seen[n] = f
    return names


def fingerprint(path: str | Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _parquet_items(path: Path) -> Iterator[tuple]:
    """(row number, raw record, Article or InputError) for each row of a Parquet article shard."""
    import pyarrow.parquet as pq

    from stance.corpus.readers import split_multi, validate_article

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # not a Parquet file, truncated, ...
        raise InputError(f"unreadable Parquet shard: {exc}", path=path) from None
    n = 0
    for batch in pf.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            n += 1
            data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if v is not None}
            for key in ("source_urls", "authors"):
                if isinstance(data.get(key), str):
                    data[key] = split_multi(data[key])
            raw = json.dumps(data, ensure_ascii=False, default=str)
            try:
                yield n, raw, validate_article(data, path, n)
            except InputError as exc:
                yield n, raw, exc


def iter_shard(path: Path, encoding: str = "utf-8") -> Iterator[tuple]:
    """(line, raw record, Article or InputError) for each record of one shard, duplicates within the
    shard turned into errors; a whole-file problem raises InputError."""
    from stance.corpus.readers import READERS, SUFFIXES

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        items = _parquet_items(path)
    else:
        items = READERS[SUFFIXES[suffix]](path, encoding)
    seen: dict[str, int | None] = {}
    for line, raw, got in items:
        if not isinstance(got, InputError) and got.id in seen:
            got = InputError(f"duplicate id {got.id!r} (first at {path}:{seen[got.id]})", path=path,
                             line=line, field="id")
        elif not isinstance(got, InputError):
            seen[got.id] = line
        yield line, raw, got


# ----------------------------------------------------------------------------- one shard

@dataclass
class ShardResult:
    """What one shard task did (`status`: done, or failed with `error`)."""

    name: str
    input: str
    fingerprint: str = ""
    status: str = "done"
    articles: int = 0
    statements: int = 0
    rejects: int = 0
    words: int = 0
    error: str | None = None
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the worker process while it ran the shard

    def manifest_entry(self) -> dict:
        """The manifest record: no timings, so that reruns write the same bytes."""
        entry = {"input": self.input, "fingerprint": self.fingerprint, "status": self.status,
                 "articles": self.articles, "statements": self.statements, "rejects": self.rejects}
        if self.error:
            entry["error"] = self.error
        return entry


def output_paths(out_dir: Path, name: str) -> tuple[Path, Path]:
    """(statements Parquet, rejects JSONL) of shard `name`."""
    return out_dir / f"{name}.parquet", out_dir / f"{name}.rejects.jsonl"


def is_statement_shard(path: Path) -> bool:
    """A shard of Statement records (Parquet with, or JSONL whose first line has, speaker/start/end),
    e.g. the output of `stance extract --engine dask`, rather than of articles."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            return {"speaker", "start", "end"} <= set(pq.read_schema(path).names)
        except Exception:
            return False
    from stance.training.predict import _is_statement_file

    return _is_statement_file(path)


def _statement_items(path: Path, encoding: str) -> Iterator[tuple]:
    """(line, raw record, Statement or InputError) for each record of a statement shard."""
    from pydantic import ValidationError

    from stance.jsonl import validation_field
    from stance.records import Statement

    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        rows = (r for b in pq.ParquetFile(path).iter_batches(batch_size=1024) for r in b.to_pylist())
    else:
        def lines():
            with open(path, encoding=encoding) as fh:
                for line in fh:
                    if line.strip():
                        yield line
        rows = lines()
    for n, row in enumerate(rows, 1):
        raw = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str)
        try:
            data = json.loads(row) if isinstance(row, str) else row
            yield n, raw, Statement.model_validate(data)
        except json.JSONDecodeError as exc:
            yield n, raw, InputError(f"malformed JSON: {exc.msg}", path=path, line=n)
        except ValidationError as exc:
            yield n, raw, InputError(exc.errors()[0]["msg"], path=path, line=n, field=validation_field(exc))


def output_schema(tasks: Sequence[str] = ()):
    """The statements schema plus, for each classifier task, its label, probabilities (a JSON
    object as text), model name and the label the input already had."""
    import pyarrow as pa

    schema = statement_schema()
    for task in tasks:
        if task not in schema.names:
            schema = schema.append(pa.field(task, pa.string()))
        for suffix in ("_probs", "_model", "_input"):
            schema = schema.append(pa.field(task + suffix, pa.string()))
    return schema


def _rows(statements: list, predictors: Sequence) -> list[dict]:
    """Output rows of `statements`, classified by `predictors` when there are any."""
    if not predictors:
        return [s.model_dump() for s in statements]
    from stance.training.predict import classify

    rows = classify(list(predictors), statements)
    for row, st in zip(rows, statements):
        row["date"] = st.date
        for p in predictors:
            row[p.task + "_probs"] = json.dumps(row[p.task + "_probs"], sort_keys=True)
    return rows


def process_shard(path: str | Path, out_dir: str | Path, name: str, extractor,
                  encoding: str = "utf-8", batch: int = ARTICLE_BATCH, predictors: Sequence = ()) -> ShardResult:
    """Extract the statements of one shard (or read them, for a statement shard), classify them
    with `predictors` if any, and write them to the shard's Parquet file (and rejects file), atomically.

    Bad records go to the rejects file; a whole-file problem (unreadable shard) gives an empty
    statements file and one reject. Other exceptions propagate (the shard is then not done).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.corpus.readers import Reject

    path, out_dir = Path(path), Path(out_dir)
    t0, c0 = time.perf_counter(), time.process_time()
    res = ShardResult(name=name, input=str(path), fingerprint=fingerprint(path))
    stmt_path, rej_path = output_paths(out_dir, name)
    schema = output_schema([p.task for p in predictors])
    rejects: list[dict] = []
    statement_input = bool(predictors) and is_statement_shard(path)

    with atomic.atomic_path(stmt_path) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            def flush(items: list) -> None:
                if statement_input:
                    stmts = items
                else:
                    stmts = [s for per in extractor.extract_many(items, batch_size=min(32, batch)) for s in per]
                rows = _rows(stmts, predictors)
                res.statements += len(rows)
                if rows:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))

            pending = []
            try:
                items = _statement_items(path, encoding) if statement_input else iter_shard(path, encoding)
                for _line, raw, got in items:
                    if isinstance(got, InputError):
                        rejects.append(Reject(str(path), got.line, got.field, got.reason, raw).as_dict())
                        continue
                    if not statement_input:
                        res.articles += 1
                        res.words += len(got.text.split())
                    pending.append(got)
                    if len(pending) >= (batch if not statement_input else 16 * batch):
                        flush(pending)
                        pending = []
            except InputError as exc:  # the whole shard is unreadable (past the records read so far)
                rejects.append(Reject(str(path), exc.line, exc.field, exc.reason, "").as_dict())
            except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:  # a statement shard that breaks off
                rejects.append(Reject(str(path), None, None, f"unreadable shard: {exc}", "").as_dict())
            if pending:
                flush(pending)
    res.rejects = len(rejects)
    if rejects:
        from stance.jsonl import write_jsonl

        write_jsonl(rej_path, rejects)
    else:
        rej_path.unlink(missing_ok=True)  # from an earlier run of a since-corrected shard
    res.seconds, res.cpu = time.perf_counter() - t0, time.process_time() - c0
    return res


# ----------------------------------------------------------------------------- workers

if TYPE_CHECKING:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
else:
    try:
        from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
    except ImportError:  # distributed not installed: only the aggregation is usable
        _WorkerPlugin = object


EXTRACTOR_LOADS = 0  # spaCy pipelines this process has loaded through make_extractor (one per worker)


def make_extractor(registry, context_chars: int):
    """An Extractor with its spaCy pipeline loaded."""
    global EXTRACTOR_LOADS
    from stance.extraction.quotes import Extractor

    ex = Extractor(registry, context_chars=context_chars)
    _ = ex.nlp  # load spaCy now, once
    EXTRACTOR_LOADS += 1
    return ex


class ExtractorPlugin(_WorkerPlugin):
    """Loads spaCy, the Extractor and the models (`stance predict`) once on each worker (`setup`),
    for all the shards it runs."""

    name = PLUGIN_NAME

    def __init__(self, registry, context_chars: int, model_paths: Sequence[str] = (), seed: int | None = None) -> None:
        self.registry = registry
        self.context_chars = context_chars
        self.model_paths = list(model_paths)
        self.seed = seed
        self.extractor = None
        self.predictors: list = []

    def setup(self, worker) -> None:
        from stance.corpus.readers import UnknownKeyWarning

        warnings.filterwarnings("ignore", category=UnknownKeyWarning)  # not one log line per unknown key
        self.extractor = make_extractor(self.registry, self.context_chars)
        if self.model_paths:
            from stance.training.predict import load_predictor

            self.predictors = [load_predictor(p, self.seed) for p in self.model_paths]


def _shard_task(path: str, out_dir: str, name: str, encoding: str) -> ShardResult:
    """Run on a worker: one shard with the worker's Extractor; failures come back as results."""
    from distributed import get_worker

    try:
        plugin = cast(ExtractorPlugin, get_worker().plugins[PLUGIN_NAME])  # registered under PLUGIN_NAME
        return process_shard(path, out_dir, name, plugin.extractor, encoding, predictors=plugin.predictors)
    except Exception as exc:  # reported, not recorded as done: the next run retries the shard
        return ShardResult(name=name, input=str(path), status="failed", error=f"{type(exc).__name__}: {exc}")


# ----------------------------------------------------------------------------- manifest

def models_of(model_paths: Sequence[str | Path], seed: int | None) -> list[dict]:
    """Task, name and manifest hash of each model (resolved without loading it)."""
    from stance.training.predict import resolve_model_dir

    out = []
    for p in model_paths:
        model_dir, task, name = resolve_model_dir(p, seed)
        digest = hashlib.sha256((model_dir / "manifest.json").read_bytes()).hexdigest()
        out.append({"task": task, "name": name, "path": str(Path(model_dir).resolve()), "manifest_sha256": digest})
    tasks = [m["task"] for m in out]
    if len(set(tasks)) != len(tasks):
        raise InputError(f"two models label the same task: {tasks}")
    return out


def settings_of(registry, context_chars: int, encoding: str, models: Sequence[dict] = ()) -> dict:
    """What a shard's output depends on besides its input bytes."""
    from stance.extraction.quotes import MODEL

    reg = None
    if registry is not None:
        blob = json.dumps([a.model_dump(mode="json") for a in registry.actors.values()], sort_keys=True)
        reg = {"name": registry.name, "sha256": hashlib.sha256(blob.encode()).hexdigest()}
    settings = {"model": MODEL, "registry": reg, "context_chars": context_chars, "encoding": encoding,
                "schema": [f.name for f in output_schema([m["task"] for m in models])]}
    if models:
        settings["classifiers"] = list(models)
    return settings


def read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}


def write_manifest(out_dir: Path, settings: dict, shards: dict[str, dict], duplicates: dict | None = None) -> None:
    data = {"version": MANIFEST_VERSION, "settings": settings,
            "shards": {k: shards[k] for k in sorted(shards)}}
    if duplicates is not None:
        data["duplicates"] = duplicates
    atomic.write_text(out_dir / MANIFEST, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- driver

@dataclass
class ScaleSummary:
    """The outcome of a sharded run."""

    out_dir: Path
    shards: int = 0
    skipped: int = 0
    done: list[ShardResult] = field(default_factory=list)
    failed: list[ShardResult] = field(default_factory=list)
    dashboard: str | None = None
    duplicates: pd.DataFrame | None = None  # duplicate_articles() of the output shards (a DataFrame), after the run
    seconds: float = 0.0  # extraction, after the cluster has started and loaded spaCy
    startup: float = 0.0  # starting the cluster and loading spaCy on its workers

    @property
    def articles(self) -> int:
        return sum(r.articles for r in self.done)

    @property
    def statements(self) -> int:
        return sum(r.statements for r in self.done)

    @property
    def rejects(self) -> int:
        return sum(r.rejects for r in self.done)

    @property
    def words(self) -> int:
        return sum(r.words for r in self.done)

    @property
    def cpu(self) -> float:
        """CPU seconds the workers spent on the shards (the per-core rate is articles / cpu)."""
        return sum(r.cpu for r in self.done)


# Worker settings for the CPU-bound spaCy work, on the LocalCluster the toolkit starts (on a cluster of
# your own, see docs/SCALE.md). Dask's statistical profiler samples every thread's stack 100 times a
# second (5-8% of a worker's CPU here). Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in the workers'
# environment, which turns off glibc's dynamic mmap threshold: every numpy buffer of the parser over
# 128 KiB is then mmap'ed and unmapped again (2.3x the page faults, some 7% more CPU here); we leave it unset
# and fix the mmap threshold at glibc's own ceiling (32 MiB), which also holds when the variable is
# inherited. Memory stays flat: a worker holds one batch of one shard. The event-loop ticks (every
# 20 ms), the nannies' memory checks (100 ms) and the system monitor (500 ms) of the scheduler, nannies
# and workers cost an idle 2-worker cluster 7% of a core here, taken from the workers on a small
# machine; at 1 s / 1 s / 2 s, 1.3%. The ticks only watch for a blocked event loop.
MMAP_THRESHOLD = 32 * 1024 * 1024
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1,
                                            "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD},
}


def local_cluster(workers: int | None = None, processes: bool = True, threads_per_worker: int = 1,
                  silence_logs: int = 40):
    """A LocalCluster for extraction: `workers` processes (default: one per core) of one thread each,
    with WORKER_CONFIG (for its scheduler, nannies and workers), and the dashboard on a free port."""
    import os

    import dask
    from distributed import LocalCluster

    n = workers or os.cpu_count() or 1
    with dask.config.set(WORKER_CONFIG):
        return LocalCluster(n_workers=n, threads_per_worker=threads_per_worker, processes=processes,
                            dashboard_address=":0", silence_logs=silence_logs)


def _open_client(scheduler: str | None, workers: int | None, processes: bool, threads_per_worker: int):
    """(client, cluster or None): a client of the cluster at `scheduler`, or of a new LocalCluster."""
    from distributed import Client

    if scheduler:
        return Client(scheduler), None
    cluster = local_cluster(workers, processes, threads_per_worker)
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def dashboard_link(client) -> str | None:
    """The address of the cluster's Dask dashboard, or None when its scheduler serves none."""
    try:
        if not client.scheduler_info().get("services", {}).get("dashboard"):
            return None
        return client.dashboard_link or None
    except Exception:  # an unusual cluster object: no link rather than no run
        return None


def _dashboard_line(client, local: bool) -> str:
    import importlib.util

    link = dashboard_link(client)
    if not link:
        return "dask dashboard: none (the scheduler serves no dashboard)"
    if local and importlib.util.find_spec("bokeh") is None:
        return f"dask dashboard: {link} (its pages need bokeh: pip install 'negotiation-stance[dashboard]')"
    return f"dask dashboard: {link}"


class ShardProgress:
    """Progress over shards: a rich progress bar on a terminal (`bar`), else plain lines to `log`: one
    per bad or failed shard, and a count at most every PROGRESS_EVERY seconds and at the end, so that
    logs of long runs stay short. Bad and failed shards are always reported, above the bar."""

    def __init__(self, total: int, log: Callable[[str], None], bar: bool = False, console=None) -> None:
        self.total, self.log, self.n = total, log, 0
        self.articles = self.statements = 0
        self.last = time.monotonic()
        self.progress = None
        if bar and total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(TextColumn("shards"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[articles]:,} articles, {task.fields[statements]:,} "
                                                "statements"), TimeElapsedColumn(), TimeRemainingColumn(),
                                     console=console or Console(stderr=True), transient=False)
            self.task = self.progress.add_task("shards", total=total, articles=0, statements=0)

    def __enter__(self) -> ShardProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def say(self, msg: str) -> None:
        if self.progress is not None:
            self.progress.console.print(msg, markup=False, highlight=False)
        else:
            self.log(msg)

    def shard(self, res: ShardResult) -> None:
        self.n += 1
        self.articles += res.articles
        self.statements += res.statements
        head = f"[{self.n}/{self.total}] {res.name}: "
        if res.status != "done":
            self.say(f"{head}FAILED ({res.error}); rerun to retry it")
        elif res.rejects:
            arts = f"{res.articles} articles, " if res.articles or not res.statements else ""
            self.say(f"{head}{arts}{res.statements} statements, {res.rejects} rejected -> {res.name}.rejects.jsonl")
        if self.progress is not None:
            self.progress.update(self.task, advance=1, articles=self.articles, statements=self.statements)
        elif self.n == self.total or time.monotonic() - self.last >= PROGRESS_EVERY:
            self.log(f"[{self.n}/{self.total}] shards done: {self.articles:,} articles, "
                     f"{self.statements:,} statements")
            self.last = time.monotonic()


def _quiet(msg: str) -> None:
    return None


def extract_shards(articles: str | Path, out_dir: str | Path, registry=None, *, scheduler: str | None = None,
                   workers: int | None = None, processes: bool = True, threads_per_worker: int = 1,
                   context_chars: int = 1000, encoding: str = "utf-8",
                   log: Callable[[str], None] | None = None, progress: bool | None = None,
                   client=None, model_paths: Sequence[str | Path] = (), seed: int | None = None) -> ScaleSummary:
    """Extract the statements of every article shard under `articles` into `out_dir` on Dask,
    skipping the shards the manifest shows finished with the same input and settings.

    With `model_paths` (`stance predict --engine dask`), the statements are also classified by
    each model (run folder or saved model folder, readable by the workers); statement shards
    (e.g. an earlier `stance extract --engine dask` output) are then classified as they are.

    Progress (`progress` None or True): a progress bar over the shards when `log` is the default and
    standard error is a terminal, else lines to `log` (bad and failed shards, a count every few
    seconds); `progress=False`: none (the summary still names bad and failed shards). Article ids
    found in more than one shard are counted in the manifest (`duplicates`) and `summary.duplicates`.
    """
    out_dir = Path(out_dir)
    if out_dir.suffix.lower() in (".jsonl", ".parquet", ".json"):
        raise InputError("with --engine dask the output is a folder (one Parquet file per shard)", path=out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("output exists and is not a folder", path=out_dir)
    bar = progress is not False and log is None and sys.stderr.isatty()
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    files = shard_files(articles, exclude=[out_dir])
    names = shard_names(files)
    out_dir.mkdir(parents=True, exist_ok=True)
    models = models_of(model_paths, seed)
    settings = settings_of(registry, context_chars, encoding, models)
    old = read_manifest(out_dir)
    recorded: dict[str, dict] = {}
    if old.get("settings") == settings:
        recorded = {k: v for k, v in old.get("shards", {}).items() if v.get("status") == "done"}
    summary = ScaleSummary(out_dir=out_dir, shards=len(files))
    todo: list[tuple[Path, str]] = []
    kept: dict[str, dict] = {}
    for f, name in zip(files, names):
        entry = recorded.get(name)
        stmt_path, _ = output_paths(out_dir, name)
        if entry and stmt_path.exists() and entry.get("fingerprint") == fingerprint(f):
            kept[name] = entry
        else:
            todo.append((f, name))
    summary.skipped = len(kept)
    _remove_stale_temps(out_dir, [name for _, name in todo])
    if kept:
        log(f"skipping {len(kept)} finished shard(s) (same input fingerprint and settings)")
    manifest = dict(kept)
    write_manifest(out_dir, settings, manifest)
    t0 = time.perf_counter()
    if todo:
        own = client is None
        cluster = None
        if own:
            client, cluster = _open_client(scheduler, workers, processes, threads_per_worker)
        try:
            summary.dashboard = dashboard_link(client)
            log(_dashboard_line(client, local=cluster is not None))
            client.register_plugin(ExtractorPlugin(registry, context_chars,
                                                   [str(Path(p).resolve()) for p in model_paths], seed),
                                   name=PLUGIN_NAME)
            summary.startup = time.perf_counter() - t0
            t0 = time.perf_counter()  # the throughput clock starts once spaCy is loaded on every worker
            with ShardProgress(len(todo), log if progress is not False else _quiet, bar=bar) as pb:
                _run_tasks(client, todo, out_dir, encoding, manifest, settings, summary, pb)
            _remove_stale_temps(out_dir, [r.name for r in summary.done])  # left by workers killed mid-write
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    summary.seconds = time.perf_counter() - t0
    summary.duplicates = duplicate_articles([output_paths(out_dir, n)[0] for n in sorted(manifest)], out_dir)
    write_manifest(out_dir, settings, manifest, duplicates_entry(summary.duplicates))
    return summary


def _remove_stale_temps(out_dir: Path, names: Sequence[str]) -> None:
    """Remove the temporary files a killed run left for the outputs about to be redone (and the
    manifest's): one run at a time writes into an output folder."""
    targets = [out_dir / MANIFEST] + [p for n in names for p in output_paths(out_dir, n)]
    for t in targets:
        for tmp in t.parent.glob(f".{glob.escape(t.name)}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_tasks(client, todo, out_dir: Path, encoding: str, manifest: dict, settings: dict,
               summary: ScaleSummary, progress: ShardProgress) -> None:
    """Submit the shards in a bounded window; record each finished one in the manifest as it lands
    and report it to `progress`."""
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    window = max(4, 4 * threads)
    # the biggest shards first, so that the last to finish are short and no worker idles long at the end
    # (popped from the end; shards of one size in name order)
    queue = sorted(sorted(todo, key=lambda t: t[1], reverse=True), key=lambda t: _size(t[0]))

    names: dict[str, str] = {}  # future key -> shard name

    def submit():
        f, name = queue.pop()
        fut = client.submit(_shard_task, str(f), str(out_dir), name, encoding, pure=False,
                            key=f"stance-shard-{name}-{time.monotonic_ns()}")
        names[fut.key] = name
        return fut

    # The manifest is rewritten after every finished shard while it is small, then at most every
    # MANIFEST_EVERY seconds (a shard finished but not yet recorded is redone by a rerun: same bytes).
    last_write = time.monotonic()
    unwritten = 0
    futures = [submit() for _ in range(min(window, len(queue)))]
    ac = as_completed(futures)
    try:
        for fut in ac:
            name = names.pop(fut.key)
            try:
                res: ShardResult = fut.result()
            except Exception as exc:  # a worker killed again and again, a lost connection
                res = ShardResult(name=name, input="", status="failed", error=f"{type(exc).__name__}: {exc}")
            fut.release()
            if res.status == "done":
                manifest[res.name] = res.manifest_entry()
                unwritten += 1
                if len(manifest) < 1000 or time.monotonic() - last_write >= MANIFEST_EVERY:
                    write_manifest(out_dir, settings, manifest)
                    last_write, unwritten = time.monotonic(), 0
                summary.done.append(res)
            else:
                summary.failed.append(res)
            progress.shard(res)
            if queue:
                ac.add(submit())
    finally:
        if unwritten:
            write_manifest(out_dir, settings, manifest)


# ----------------------------------------------------------------------------- CLI glue

def run_extract(args) -> int:
    """`stance extract --engine dask`: shards in, a folder of Parquet shards and a manifest out."""
    from stance.cli.commands.extract import registry_from_args

    if args.context_chars < 0:
        raise InputError("--context-chars must be 0 or more")
    if getattr(args, "articles_out", None):
        raise InputError("--articles-out is not available with --engine dask")
    s = extract_shards(args.articles, args.out, registry_from_args(args), scheduler=args.scheduler,
                       workers=args.workers, context_chars=args.context_chars, encoding=args.encoding,
                       progress=False if args.no_progress else None)
    return print_summary(s)


def run_predict(args) -> int:
    """`stance predict --engine dask`: article or statement shards in, classified Parquet shards out."""
    from stance.cli.commands.extract import actors_from_args
    from stance.extraction.actors import load_registry

    s = extract_shards(args.input, args.out, load_registry(actors_from_args(args)), scheduler=args.scheduler,
                       workers=args.workers, model_paths=args.model, seed=args.seed,
                       progress=False if getattr(args, "no_progress", False) else None)
    return print_summary(s)


def print_summary(s: ScaleSummary) -> int:
    """Print what a sharded run did; 1 when a shard failed (rerun to retry it), else 0."""
    for r in s.done:
        if r.rejects:
            print(f"bad shard: {r.name}: {r.rejects} record(s) rejected, {r.articles} article(s) read "
                  f"-> {s.out_dir / (r.name + '.rejects.jsonl')}")
    for r in s.failed:
        print(f"failed shard: {r.name}: {r.error}")
    print(f"shards: {s.shards} ({s.skipped} already done, {len(s.done)} processed, {len(s.failed)} failed) "
          f"-> {s.out_dir}")
    print(f"articles: {s.articles}; statements: {s.statements}; rejected: {s.rejects} record(s)")
    if s.duplicates is not None and len(s.duplicates):
        print(duplicates_message(s.duplicates) + f" (listed in {s.out_dir / MANIFEST} under 'duplicates')")
    if s.done and s.seconds:
        print(f"time: {s.seconds:.1f} s after {s.startup:.1f} s of cluster start-up "
              f"({len(s.done) / s.seconds:.2f} shards/s, {s.statements / s.seconds:,.1f} statements/s, "
              f"{s.words / s.seconds:,.0f} words/s)")
    if s.failed:
        print("some shards failed: rerun the same command to retry them (finished shards are skipped)")
    return 1 if s.failed else 0


# ----------------------------------------------------------------------------- aggregation

BACKENDS = ("auto", "duckdb", "pyarrow")
DUPLICATE_EXAMPLES = 20  # duplicate article ids listed in the manifest (all are counted)


def _statement_files(out_dir: str | Path) -> list[str]:
    out_dir = Path(out_dir)
    if out_dir.is_file():
        return [str(out_dir)]
    files = sorted(str(p) for p in out_dir.rglob("*.parquet") if not p.name.startswith("."))
    if not files:
        raise InputError("no statement shards (.parquet) in this folder", path=out_dir)
    return files


def _duckdb(backend: str):
    """The duckdb module for `backend` (auto: when installed), or None for pyarrow."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend == "pyarrow":
        return None
    try:
        import duckdb
    except ImportError:
        if backend == "duckdb":
            raise InputError("the duckdb backend needs DuckDB: pip install 'negotiation-stance[scale]'") from None
        return None
    return duckdb


def _shard_name(path: str, root: Path | None) -> str:
    p = Path(path)
    if root is not None:
        try:
            p = p.resolve().relative_to(Path(root).resolve())
        except ValueError:
            pass
    return p.with_suffix("").as_posix()


def duplicate_articles(files: Sequence[str | Path], root: str | Path | None = None, backend: str = "auto"):
    """Article ids whose statements are in more than one of the statement shards `files`: one row per
    (article_id, shard) with its `statements` and whether it is `kept` (the first shard in sorted path
    order; the aggregation drops the others, so an article repeated across shards counts once).

    Within a shard ids are unique (a repeat is a reject); across shards the workers cannot see each
    other, so the repeats are found here, from the `article_id` column (articles without statements
    cannot be double counted and are not seen). `shard` is the path below `root` without `.parquet`."""
    import pandas as pd

    cols = ["article_id", "shard", "statements", "kept"]
    files = sorted(str(f) for f in files if Path(f).exists())
    root = Path(root) if root is not None else None
    if not files:
        return pd.DataFrame(columns=cols)
    duckdb = _duckdb(backend)
    if duckdb is not None:
        con = duckdb.connect()
        try:
            con.execute("SET threads TO 2")
            pairs = con.execute(
                "WITH per AS (SELECT article_id, filename AS file, count(*) AS statements "
                "FROM read_parquet(?, filename=true, union_by_name=true) WHERE article_id IS NOT NULL GROUP BY ALL), "
                "dup AS (SELECT article_id FROM per GROUP BY article_id HAVING count(*) > 1) "
                "SELECT per.* FROM per SEMI JOIN dup USING (article_id)", [files]).df()
        finally:
            con.close()
        order = {f: i for i, f in enumerate(files)}
        pairs["i"] = pairs["file"].map(order)
    else:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        first: dict[str, tuple[int, int]] = {}
        rows: dict[str, list[tuple[int, int]]] = {}
        for i, f in enumerate(files):
            vc = pc.value_counts(pq.read_table(f, columns=["article_id"]).column(0))
            for aid, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()):
                if aid is None:
                    continue
                if aid in first:
                    rows.setdefault(aid, [first[aid]]).append((i, n))
                else:
                    first[aid] = (i, n)
        pairs = pd.DataFrame([(aid, files[i], n, i) for aid, got in rows.items() for i, n in got],
                             columns=["article_id", "file", "statements", "i"])
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pairs = pairs.sort_values(["article_id", "i"], kind="stable").reset_index(drop=True)
    pairs["kept"] = ~pairs.duplicated("article_id")
    pairs["shard"] = [_shard_name(f, root) for f in pairs["file"]]
    pairs["statements"] = pairs["statements"].astype(int)
    return pairs[cols + ["file"]]


def duplicates_entry(dups) -> dict:
    """The manifest's record of duplicate article ids: counts, per shard the repeated ids whose
    statements the aggregation leaves out, and the first few ids with their shards."""
    if dups is None or not len(dups):
        return {"article_ids": 0, "statements_dropped": 0}
    dropped = dups[~dups["kept"]]
    examples = []
    for aid, g in dups.groupby("article_id", sort=True):
        examples.append({"article_id": aid, "shards": list(g["shard"])})
        if len(examples) >= DUPLICATE_EXAMPLES:
            break
    return {"article_ids": int(dups["article_id"].nunique()), "statements_dropped": int(dropped["statements"].sum()),
            "by_shard": {k: int(v) for k, v in sorted(dropped.groupby("shard").size().items())},
            "examples": examples}


def duplicates_message(dups) -> str:
    e = duplicates_entry(dups)
    by = e.get("by_shard", {})
    shards = ", ".join(f"{k} ({v})" for k, v in list(by.items())[:5]) + (", ..." if len(by) > 5 else "")
    ex = e.get("examples", [{}])[0]
    return (f"duplicate article ids across shards: {e['article_ids']} id(s), e.g. {ex.get('article_id')!r} in "
            f"{' and '.join(ex.get('shards', []))}; counted once, from the first shard: "
            f"{e['statements_dropped']} statement(s) left out of the aggregation, from {shards}")


def article_counts(out_dir: str | Path, labels: Sequence[str], label_column: str = "stance",
                   period: str = "quarter", duplicates=None, backend: str = "auto"):
    """Per-(actor_id, period, article_id, label) statement counts over all statement shards, computed
    without loading the statements (DuckDB, or pyarrow scanning shard by shard). The statements of an
    article id's repeats in later shards (`duplicates`, as `duplicate_articles` gives; found here when
    None) are left out."""
    import pandas as pd

    from stance.experiment.report.timeline import PERIODS, period_start

    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    files = _statement_files(out_dir)
    if duplicates is None:
        duplicates = duplicate_articles(files, out_dir, backend)
    dropped = duplicates[~duplicates["kept"]][["article_id", "file"]].astype(str) if len(duplicates) else None
    duckdb = _duckdb(backend)
    if duckdb is not None:
        trunc = {"month": "date_trunc('month', date)", "quarter": "date_trunc('quarter', date)",
                 "year": "date_trunc('year', date)",
                 "half": "make_date(year(date), CASE WHEN month(date) <= 6 THEN 1 ELSE 7 END, 1)"}[period]
        con = duckdb.connect()
        try:
            con.execute("SET threads TO 2")
            anti = ""
            if dropped is not None:
                con.register("dropped", dropped.rename(columns={"file": "filename"}))
                anti = "ANTI JOIN dropped USING (article_id, filename) "
            df = con.execute(
                f"SELECT actor_id, CAST({trunc} AS DATE) AS period, article_id, {label_column} AS label, "
                f"count(*) AS n FROM read_parquet(?, union_by_name=true, filename=true) {anti}"
                f"WHERE actor_id IS NOT NULL AND date IS NOT NULL AND {label_column} IN "
                f"(SELECT unnest(?)) GROUP BY ALL", [files, list(labels)]).df()
        finally:
            con.close()
        df["period"] = pd.to_datetime(df["period"])
        return df
    import pyarrow.parquet as pq

    drop_by_file = dropped.groupby("file")["article_id"].apply(set).to_dict() if dropped is not None else {}
    parts = []
    cols = ["actor_id", "date", "article_id", label_column]
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(columns=cols, batch_size=65536):
            b = batch.to_pandas().rename(columns={label_column: "label"})
            b = b[b["actor_id"].notna() & b["date"].notna() & b["label"].isin(labels)]
            if f in drop_by_file:
                b = b[~b["article_id"].isin(drop_by_file[f])]
            if len(b):
                b = b.assign(period=period_start(b["date"], period))
                parts.append(b.groupby(["actor_id", "period", "article_id", "label"]).size().rename("n").reset_index())
    if not parts:
        return pd.DataFrame(columns=["actor_id", "period", "article_id", "label", "n"])
    df = pd.concat(parts)
    return df.groupby(["actor_id", "period", "article_id", "label"]).n.sum().reset_index()


def aggregate_shares(out_dir: str | Path, labels: Sequence[str], label_column: str = "stance",
                     period: str = "quarter", n_boot: int = 1000, seed: int = 0, level: float = 0.95,
                     source: str = "all", duplicates=None, backend: str = "auto"):
    """Share of each label per (actor_id, period) over the statement shards in `out_dir`, with
    article-bootstrap intervals; the same rows (and, for one source, the same numbers) as
    `stance.experiment.report.timeline.label_shares`, so the existing figures can draw them. An article id found
    in several shards counts once (its first shard's statements; see `duplicate_articles`), with a
    warning when `duplicates` is not given."""
    import numpy as np
    import pandas as pd

    from stance.experiment.report.timeline import cell_share_rows

    if duplicates is None:
        duplicates = duplicate_articles(_statement_files(out_dir), out_dir, backend)
        if len(duplicates):
            warnings.warn(duplicates_message(duplicates), stacklevel=2)
    counts = article_counts(out_dir, labels, label_column, period, duplicates=duplicates, backend=backend)
    index = {lab: i for i, lab in enumerate(labels)}
    rows = []
    for (actor, per), cell in counts.groupby(["actor_id", "period"], sort=True):
        arts = sorted(cell["article_id"].unique())
        art_idx = {a: i for i, a in enumerate(arts)}
        mat = np.zeros((len(arts), len(labels)))
        for a, lab, n in zip(cell["article_id"], cell["label"], cell["n"]):
            mat[art_idx[a], index[lab]] += n
        rows += cell_share_rows(mat, labels, seed, n_boot, level, {"source": source, "actor_id": actor, "period": per})
    return pd.DataFrame(rows)
