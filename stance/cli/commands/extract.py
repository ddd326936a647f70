"""`stance extract ARTICLES -o OUT`: statements with their speakers, from a corpus of articles."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from stance import atomic
from stance.errors import InputError

DEFAULT_ACTORS = Path("configs/actors")


EPILOG = """Article formats (see stance.corpus.readers): .jsonl / .csv with columns id, title, date, source,
url or source_urls, text, [language, authors]; .txt with a header block of "key: value" lines
(id, title, date, source, url, language, authors), a blank line, then the body; .html read
with trafilatura. A folder is searched for all of these."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EPILOG
    p.add_argument("articles", help="article file or folder (.jsonl, .csv, .txt with header, .html)")
    p.add_argument("-o", "--out", required=True, help="output statements, .jsonl or .parquet")
    p.add_argument("--actors", help=f"actor registry YAML file or folder (default: {DEFAULT_ACTORS} if present)")
    p.add_argument("--no-actors", action="store_true", help="do not resolve speakers to actor ids")
    p.add_argument("--skip-invalid", action="store_true",
                   help="skip bad article records, writing each with its reason to the rejects file")
    p.add_argument("--rejects", help="rejects JSONL (default: OUT with suffix .rejects.jsonl)")
    p.add_argument("--encoding", default="utf-8", help="encoding of the article files (default utf-8)")
    p.add_argument("--workers", type=int, help="processes for large corpora (default 1); with --engine dask, "
                                               "the workers of the LocalCluster (default: one per core)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: one process or a pool (default); dask: a folder or glob of article shards "
                        "(.jsonl/.parquet) to a folder of Parquet statement shards with a manifest, resumable "
                        "(see stance.scale)")
    p.add_argument("--scheduler", help="with --engine dask: address of an existing Dask scheduler "
                                       "(default: start a LocalCluster)")
    p.add_argument("--articles-out", help="also write the validated articles, with near-duplicate cluster ids, "
                                          "to this JSONL file")
    p.add_argument("--context-chars", type=int, default=1000,
                   help="at most this many characters of a long paragraph are kept as a statement's context, "
                        "around it (default 1000)")
    p.add_argument("--cluster-threshold", type=float, default=0.8,
                   help="MinHash Jaccard threshold for near-duplicate articles (default 0.8)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (shown only on a terminal; with --engine dask, off a terminal, "
                        "a progress line every few seconds)")


def actors_from_args(args: argparse.Namespace) -> str | Path | None:
    """The actor registry path chosen by --actors / --no-actors: DEFAULT_ACTORS when present, None for none."""
    if getattr(args, "no_actors", False):
        return None
    return args.actors or (DEFAULT_ACTORS if DEFAULT_ACTORS.is_dir() else None)


def registry_from_args(args: argparse.Namespace):
    """The actor registry chosen by --actors / --no-actors (None for none)."""
    from stance.extraction.actors import load_registry

    return load_registry(actors_from_args(args))


def write_statements(path: Path, statements: list) -> None:
    """Statements as JSONL or Parquet, by the suffix of `path`."""
    from stance.jsonl import write_jsonl

    if path.suffix == ".parquet":
        import pandas as pd

        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([s.model_dump(mode="json") for s in statements]).to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        write_jsonl(path, statements)
    else:
        raise InputError("output must end in .jsonl or .parquet", path=path)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "engine", "local") == "dask":
        from stance.scale import run_extract

        return run_extract(args)
    if getattr(args, "scheduler", None):
        raise InputError("--scheduler needs --engine dask")
    args.workers = args.workers or 1
    from stance.corpus.readers import assign_clusters, read_articles
    from stance.extraction.quotes import MODEL, extract_corpus, load_nlp
    from stance.jsonl import write_jsonl

    out = Path(args.out)
    if out.suffix not in (".jsonl", ".parquet"):
        raise InputError("output must end in .jsonl or .parquet", path=out)
    rejects = Path(args.rejects) if args.rejects else out.with_name(out.stem + ".rejects.jsonl")
    registry = registry_from_args(args)
    result = read_articles(args.articles, encoding=args.encoding, skip_invalid=args.skip_invalid,
                           rejects_path=rejects if args.skip_invalid else None,
                           exclude=[out, *([args.articles_out] if args.articles_out else [])])
    for w in result.warnings[:10]:
        print(f"warning: {w}", file=sys.stderr)
    if len(result.warnings) > 10:
        print(f"warning: ... and {len(result.warnings) - 10} more unknown keys", file=sys.stderr)
    articles = assign_clusters(result.articles, threshold=args.cluster_threshold)
    if args.articles_out:
        write_jsonl(args.articles_out, articles)
    nlp = load_nlp() if args.workers <= 1 else None  # loaded before the clock starts
    t0 = time.perf_counter()
    if args.context_chars < 0:
        raise InputError("--context-chars must be 0 or more")
    statements = extract_corpus(articles, registry, workers=args.workers, nlp=nlp, context_chars=args.context_chars,
                                progress=not args.no_progress and sys.stderr.isatty())
    seconds = time.perf_counter() - t0
    write_statements(out, statements)

    kinds = Counter(s.kind for s in statements)
    unresolved = Counter(s.speaker for s in statements if s.actor_id is None)
    clusters = len({a.cluster_id for a in articles})
    print(f"articles: {len(articles)} read from {result.files} file(s) ({clusters} story clusters)")
    if args.skip_invalid:
        print(f"rejected: {result.rejected} record(s) -> {rejects}")
    print(f"statements: {len(statements)} ({', '.join(f'{k} {kinds[k]}' for k in ('direct', 'partial', 'reported'))})"
          f" -> {out}")
    print(f"unresolved speakers: {sum(unresolved.values())} statement(s), {len(unresolved)} distinct speaker(s)"
          + (f"; most common: {', '.join(f'{s!r} ({n})' for s, n in unresolved.most_common(5))}" if unresolved else ""))
    words = sum(len(a.text.split()) for a in articles)
    print(f"time: {seconds:.1f} s ({words / seconds if seconds else 0:,.0f} words/s, {args.workers} worker(s))")
    meta = {"command": "stance extract", "articles": str(args.articles), "out": str(out),
            "registry": registry.name if registry else None, "model": MODEL, "n_articles": len(articles),
            "n_rejected": result.rejected, "n_statements": len(statements), "by_kind": dict(kinds),
            "n_unresolved": sum(unresolved.values()), "encoding": args.encoding}
    atomic.write_text(out.with_name(out.stem + ".meta.json"), json.dumps(meta, indent=2) + "\n")
    return 0
