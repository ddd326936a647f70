"""Label shares per actor and period, with bootstrap intervals that resample articles.

Statements from one article are not independent (one article often quotes a speaker
several times), so the bands resample whole articles within each actor-period cell.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

PERIODS = {"month": "M", "quarter": "Q", "half": "6M", "year": "Y"}


def cell_rng(seed: int, actor_id: object, period: object) -> np.random.Generator:
    """The bootstrap generator of one actor-period cell: `seed` and a checksum of the cell's actor and
    period start (the same for every source, so gold and predicted cells resample alike)."""
    day = pd.Timestamp(period).date().isoformat()
    return np.random.default_rng([seed, zlib.crc32(f"{actor_id}|{day}".encode("utf-8"))])


def period_start(dates: pd.Series, period: str) -> pd.Series:
    """The first day of the month / quarter / half-year / year holding each date."""
    d = pd.to_datetime(dates)
    if period == "month":
        return d.dt.to_period("M").dt.start_time
    if period == "quarter":
        return d.dt.to_period("Q").dt.start_time
    if period == "half":
        return pd.to_datetime({"year": d.dt.year, "month": np.where(d.dt.month <= 6, 1, 7), "day": 1})
    if period == "year":
        return d.dt.to_period("Y").dt.start_time
    raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def label_shares(df: pd.DataFrame, labels: Sequence[str], period: str = "quarter", n_boot: int = 1000,
                 seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Share of each label per (source, actor_id, period), with article-bootstrap intervals.

    `df` needs columns source, actor_id, date, label, article_id. Returns one row per
    (source, actor_id, period, label): share, lo, hi, n_statements, n_articles.
    """
    missing = {"source", "actor_id", "date", "label", "article_id"} - set(df.columns)
    if missing:
        raise ValueError(f"label_shares needs columns {sorted(missing)}")
    data = df.assign(period=period_start(df["date"], period))
    data = data[data["label"].isin(labels)]
    index = {lab: i for i, lab in enumerate(labels)}
    rows = []
    for (source, actor, per), cell in data.groupby(["source", "actor_id", "period"], sort=True):
        counts = np.zeros((cell["article_id"].nunique(), len(labels)))
        art_idx = {a: i for i, a in enumerate(sorted(cell["article_id"].unique()))}
        for a, lab in zip(cell["article_id"], cell["label"]):
            counts[art_idx[a], index[lab]] += 1
        rows += cell_share_rows(counts, labels, seed, n_boot, level,
                                {"source": source, "actor_id": actor, "period": per})
    return pd.DataFrame(rows)


def cell_share_rows(counts: np.ndarray, labels: Sequence[str], seed: int, n_boot: int, level: float,
                    keys: dict) -> list[dict]:
    """The share rows of one (source, actor, period) cell from its article x label `counts`: each label's
    share, with an interval from `n_boot` resamples of the articles. The resamples are drawn from a
    generator of this cell's own (`cell_rng`), so a cell's interval does not move when other actors or
    periods gain or lose statements."""
    rng = cell_rng(seed, keys["actor_id"], keys["period"])
    alpha = (1 - level) / 2
    share = counts.sum(0) / counts.sum()
    draws = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    boot = counts[draws].sum(1)
    boot = boot / boot.sum(1, keepdims=True)
    lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
    return [{**keys, "label": lab, "share": share[i], "lo": lo[i], "hi": hi[i], "n_statements": int(counts.sum()),
             "n_articles": len(counts)} for i, lab in enumerate(labels)]
