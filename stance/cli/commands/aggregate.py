"""`stance aggregate SHARDS`: label shares per actor and period from statement shards, at corpus scale.

Reads the Parquet statement shards written by `stance predict --engine dask` (or any folder of
statement Parquet files with a label column) without loading them all (pyarrow, shard by shard; DuckDB
when installed, `pip install 'negotiation-stance[scale]'`), and writes the shares with article-bootstrap
intervals as CSV, in the columns of the report's `figures/*_over_time.csv`; `--plot` draws them with
the report's timeline figure. An article id found in more than one shard counts once (its first
shard's statements): the repeats are reported and listed in `OUT.duplicates.csv`.
"""
from __future__ import annotations

import argparse
import re
import sys

STANCE5 = "open,conditional,evasive,rejecting,none"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shards", help="folder of statement Parquet shards (stance predict --engine dask -o FOLDER)")
    p.add_argument("-o", "--out", required=True, help="output CSV of shares per actor, period and label")
    p.add_argument("--column", default="stance", help="label column of the shards (default stance)")
    p.add_argument("--labels", default=STANCE5, help=f"comma-separated labels in order (default {STANCE5})")
    p.add_argument("--period", default="quarter", choices=["month", "quarter", "half", "year"])
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples over articles (default 1000)")
    p.add_argument("--plot", help="also draw the timeline of the most quoted actors to PATH (.png and .svg)")
    p.add_argument("--actors", type=int, default=6, help="actors in the plot (most statements first; default 6)")
    p.add_argument("--backend", choices=("auto", "duckdb", "pyarrow"), default="auto",
                   help="how the shards are scanned: auto (default) uses DuckDB when installed, else pyarrow")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from stance import atomic
    from stance.errors import InputError
    from stance.scale import _statement_files, aggregate_shares, duplicate_articles, duplicates_message

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args.column):
        raise InputError(f"--column {args.column!r} is not a column name")
    labels = [x.strip() for x in args.labels.split(",") if x.strip()]
    if not labels or len(set(labels)) != len(labels):
        raise InputError(f"--labels {args.labels!r}: give distinct labels separated by commas")
    if args.n_boot < 1:
        raise InputError("--n-boot must be at least 1")
    dups = duplicate_articles(_statement_files(args.shards), args.shards, args.backend)
    shares = aggregate_shares(args.shards, labels, label_column=args.column, period=args.period, n_boot=args.n_boot,
                              source="predicted", duplicates=dups, backend=args.backend)
    dup_path = Path(args.out).with_suffix(".duplicates.csv")
    if len(dups):
        atomic.write_text(dup_path, dups.drop(columns=["file"]).to_csv(index=False))
        print(f"{duplicates_message(dups)} -> {dup_path}", file=sys.stderr)
    else:
        Path(dup_path).unlink(missing_ok=True)  # from an earlier run over other shards
    if shares.empty:
        raise InputError(f"no statement with an actor, a date and one of the labels in column {args.column!r}",
                         path=args.shards)
    atomic.write_text(args.out, shares.to_csv(index=False))
    cells = shares.drop_duplicates(["actor_id", "period"])
    print(f"shares: {len(cells)} actor-period cells, {cells['n_statements'].sum()} statements, "
          f"{shares['actor_id'].nunique()} actors -> {args.out}")
    if args.plot:
        from stance.experiment.report import figures

        top = cells.groupby("actor_id")["n_statements"].sum().sort_values(ascending=False).head(args.actors)
        actors = [(a, a) for a in top.index]
        path = Path(args.plot)
        figures.plot_label_timeline(shares, labels, actors, [], f"{args.column.capitalize()} over time per actor",
                                    f"Statement shards: {args.shards}. Bands: 95% bootstrap over articles; "
                                    f"period = {args.period}.", path.with_suffix(""), min_statements=3)
        print(f"plot -> {path.with_suffix('.png')}")
    return 0
