"""`stance eval-extraction ARTICLES GOLD` (or `--polnear DIR --split dev`): precision, recall and
speaker accuracy of the extractor."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from stance import atomic
from stance.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("articles", nargs="?", help="article file or folder (not with --polnear)")
    p.add_argument("gold", nargs="*", help="gold statement JSONL file(s) or folder(s) (not with --polnear)")
    p.add_argument("--polnear", metavar="DIR_OR_YAML",
                   help="score against PolNeAR: the placed release (data/external/polnear) or a config "
                        "(configs/datasets/polnear.yaml); see stance.extraction.polnear")
    p.add_argument("--split", default="dev", choices=["train", "dev", "test"], help="PolNeAR split (default dev)")
    p.add_argument("--predictions", help="score these extracted statements (JSONL) instead of running the extractor")
    p.add_argument("--actors", help="actor registry YAML file or folder (default: configs/actors if present)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="token Jaccard needed for a predicted and a gold span to match (default 0.5)")
    p.add_argument("--mismatches", default="extraction_mismatches.jsonl",
                   help="where to write missed, spurious and mismatched statements (JSONL)")
    p.add_argument("-o", "--out", help="write the scores as JSON here")
    p.add_argument("--encoding", default="utf-8", help="encoding of the article files")
    p.add_argument("--cues", choices=["statements", "attributions"], default="statements",
                   help="statements (default): what the project's guidelines count as a statement; attributions: "
                        "also verb objects that name what was spoken about ('discussed the war', 'criticized the "
                        "plan'), as PolNeAR annotates every attribution (stance.extraction.cues.CueLexicon.broad)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="score only the first N articles (PolNeAR: of the split, in file-name order; otherwise: "
                        "of the annotated articles, in id order), to iterate quickly")


def run(args: argparse.Namespace) -> int:
    from stance.corpus.readers import read_articles
    from stance.dataset.gold import load_gold
    from stance.extraction.evaluation import evaluate_extraction

    if args.polnear:
        return run_polnear(args)
    if not args.articles or not args.gold:
        raise InputError("give ARTICLES and GOLD, or --polnear DIR", field="gold")
    articles = {a.id: a for a in read_articles(args.articles, encoding=args.encoding).articles}
    gold = load_gold(articles, args.gold)
    annotated = sorted({g.article_id for g in gold})
    if args.limit is not None:
        if args.limit < 1:
            raise InputError(f"--limit must be at least 1, not {args.limit}", field="limit")
        annotated = annotated[:args.limit]
        kept = set(annotated)
        gold = [g for g in gold if g.article_id in kept]
    pred = predictions(args, [articles[a] for a in annotated])
    rep = evaluate_extraction(pred, gold, articles, threshold=args.threshold)
    print(f"articles with gold: {len(annotated)}")
    return report(args, rep)


def run_polnear(args: argparse.Namespace) -> int:
    """`--polnear`: extract (or read --predictions) on one PolNeAR split and print its scores."""
    from stance.extraction.polnear import articles_list, evaluate_polnear, load_config, read_split

    given = Path(args.polnear)
    cfg = load_config(given) if given.suffix in (".yaml", ".yml") else None
    root = cfg.root if cfg else str(given)
    split = read_split(root, args.split, cfg.annotator if cfg else "first", limit=args.limit)
    return report(args, evaluate_polnear(predictions(args, articles_list(split)), split, threshold=args.threshold))


def predictions(args: argparse.Namespace, articles: list) -> list:
    """The statements to score: --predictions read from JSONL, else the extractor run on `articles`."""
    from stance.cli.commands.extract import registry_from_args
    from stance.extraction.cues import CueLexicon
    from stance.extraction.quotes import extract_corpus
    from stance.jsonl import read_jsonl
    from stance.records import Statement

    if args.predictions:
        return read_jsonl(args.predictions, Statement)
    args.no_actors = False
    lexicon = CueLexicon.broad() if getattr(args, "cues", "statements") == "attributions" else None
    return extract_corpus(articles, registry_from_args(args), lexicon=lexicon)


def report(args: argparse.Namespace, rep) -> int:
    """Print a report's table, write its mismatches and (with --out) its scores."""
    from stance.jsonl import write_jsonl

    print(rep.table())
    write_jsonl(args.mismatches, rep.mismatches)
    print(f"mismatches: {len(rep.mismatches)} -> {args.mismatches}")
    if args.out:
        atomic.write_text(args.out, json.dumps(rep.scores(), indent=2) + "\n")
    return 0
