"""`stance eval-extraction ARTICLES GOLD`: precision, recall and speaker accuracy of the extractor."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from stance import atomic


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("articles", help="article file or folder")
    p.add_argument("gold", nargs="+", help="gold statement JSONL file(s) or folder(s)")
    p.add_argument("--predictions", help="score these extracted statements (JSONL) instead of running the extractor")
    p.add_argument("--actors", help="actor registry YAML file or folder (default: configs/actors if present)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="token Jaccard needed for a predicted and a gold span to match (default 0.5)")
    p.add_argument("--mismatches", default="extraction_mismatches.jsonl",
                   help="where to write missed, spurious and mismatched statements (JSONL)")
    p.add_argument("-o", "--out", help="write the scores as JSON here")
    p.add_argument("--encoding", default="utf-8", help="encoding of the article files")


def run(args: argparse.Namespace) -> int:
    from stance.commands.extract import registry_from_args
    from stance.corpus import read_articles
    from stance.extraction_eval import evaluate_extraction
    from stance.gold import load_gold
    from stance.jsonl import read_jsonl, write_jsonl
    from stance.quotes import extract_corpus
    from stance.records import Statement

    articles = {a.id: a for a in read_articles(args.articles, encoding=args.encoding).articles}
    gold = load_gold(articles, args.gold)
    annotated = sorted({g.article_id for g in gold})
    if args.predictions:
        pred = read_jsonl(args.predictions, Statement)
    else:
        args.no_actors = False
        pred = extract_corpus([articles[a] for a in annotated], registry_from_args(args))
    rep = evaluate_extraction(pred, gold, articles, threshold=args.threshold)
    print(f"articles with gold: {len(annotated)}")
    print(rep.table())
    write_jsonl(args.mismatches, rep.mismatches)
    print(f"mismatches: {len(rep.mismatches)} -> {args.mismatches}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(args.out, json.dumps(rep.scores(), indent=2) + "\n")
    return 0
