"""Independent fits side by side on the machine's cores.

The scikit-learn models of the toolkit fit on one core (their BLAS is held to one thread, so a
fit gives the same numbers on every machine). Where a stage has several independent fits (the
points of a sweep, the seeds of a run, the splits of the shift evaluation, the folds of
cross-fitting), `map_jobs` runs them in worker processes, one fit per core. Each task computes
exactly what it would compute in the main process, so the outputs do not depend on the number of
jobs (tests/test_parallel.py checks this).

The number of jobs is `STANCE_JOBS` when set, else the cores this process may use. Inside a
worker it is 1: a task never starts workers of its own. Models that run torch (the fine-tuned
transformer, SetFit) already use every core they are given and are never fitted in parallel
(`StanceModel.fits_on_one_core`).
"""
from __future__ import annotations

import atexit
import os
from typing import Any, Callable, Sequence, TypeVar

from stance.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

_WORKER_ENV = "STANCE_JOBS"


def default_jobs() -> int:
    """STANCE_JOBS when set (>= 1), else the number of cores this process may use."""
    value = os.environ.get(_WORKER_ENV)
    if value is not None and value.strip():
        try:
            jobs = int(value)
        except ValueError:
            jobs = 0
        if jobs < 1:
            raise ConfigError(f"STANCE_JOBS must be a whole number >= 1, not {value!r}", field="STANCE_JOBS")
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_pool: tuple[int, Any] | None = None  # (jobs, the executor), kept for the next call


def _worker_init() -> None:
    os.environ[_WORKER_ENV] = "1"  # a task runs its own inner loops in its worker


def _executor(jobs: int):
    """The worker processes, started once and reused by later calls with the same number of jobs.
    Workers are forked from a clean server process (forkserver; spawn where there is none), not
    from this one, which may hold torch's threads."""
    global _pool
    if _pool is not None and _pool[0] == jobs:
        return _pool[1]
    if _pool is not None:
        _pool[1].shutdown()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                   initializer=_worker_init)
    _pool = (jobs, executor)
    return executor


def _shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool[1].shutdown(cancel_futures=True)
        _pool = None


atexit.register(_shutdown)


def fit_jobs(model_type: str, params_list: Sequence[dict[str, Any]], rows, tasks: int) -> int:
    """The number of jobs for `tasks` independent fits of `model_type`: `default_jobs()` (at most
    `tasks`) when the model fits on one core, else 1. With more than one, the model of each params
    first prepares `rows` here (`StanceModel.prepare`: embeddings cached once, not by every worker)."""
    from stance.models import make_model, model_class

    jobs = min(default_jobs(), tasks) if model_class(model_type).fits_on_one_core(dict(params_list[0])) else 1
    if jobs > 1:
        for params in params_list:
            make_model(model_type, dict(params)).prepare(rows)
    return jobs


def map_jobs(fn: Callable[[T], R], items: Sequence[T], jobs: int | None = None) -> list[R]:
    """[fn(item) for item in items], in order, on up to `jobs` worker processes (default
    `default_jobs()`); in this process when there is one job or one item. `fn` must be a
    module-level function and the items picklable; an exception in a task is raised here."""
    jobs = default_jobs() if jobs is None else jobs
    jobs = min(jobs, len(items))
    if jobs <= 1:
        return [fn(item) for item in items]
    return list(_executor(jobs).map(fn, items))
