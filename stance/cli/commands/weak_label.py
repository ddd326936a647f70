"""`stance weak-label CONFIG`: apply labeling functions, print and save their analysis.

Statements come from gold annotations (`--gold`, with `--articles`), extracted statement
files (`--statements`), and/or one split of a built dataset (`--dataset DIR --split train`).
Revise labeling functions against the train split only, so that dev and test stay a fair
measure of the `rules` baseline.
"""
from __future__ import annotations

import argparse
import sys

from stance import atomic


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="labeling config (configs/labeling/*.yaml)")
    p.add_argument("--articles", action="append", default=[], help="articles (file or folder; repeatable), "
                   "to check gold offsets and fill context and date of statements")
    p.add_argument("--gold", action="append", default=[], help="gold annotation JSONL file or folder (repeatable): "
                   "statements with known labels, for empirical accuracy (needs --articles)")
    p.add_argument("--statements", action="append", default=[], help="statement JSONL file or folder to label "
                   "(repeatable), e.g. the output of `stance extract`")
    p.add_argument("--dataset", help="a built dataset folder (`stance build`); its --split is analysed")
    p.add_argument("--split", default="train", choices=["train", "dev", "test"],
                   help="split of --dataset (default: train)")
    p.add_argument("--method", choices=["majority", "label_model"], default="majority",
                   help="how votes combine (default: majority with the config's precedence)")
    p.add_argument("-o", "--out", default="runs/weak_label", help="output folder (default: runs/weak_label)")


def _statements(args: argparse.Namespace) -> list[dict]:
    """Rows of statement_id, text, cue, context, gold (None where unknown)."""
    from stance.dataset.gold import annotation_files, load_gold
    from stance.errors import InputError
    from stance.jsonl import iter_jsonl
    from stance.records import Statement, paragraph_context

    articles = {}
    if args.articles:
        from stance.corpus.readers import read_articles

        for p in args.articles:
            articles.update({a.id: a for a in read_articles(p).articles})
    if args.gold and not articles:
        raise InputError("--gold needs --articles (gold offsets are checked against the article text)")
    rows = []
    for st in (load_gold(articles, args.gold) if args.gold else []):
        rows.append({"statement_id": st.id, "text": st.text, "cue": st.cue, "context": st.context,
                     "gold": st.stance})
    for given in args.statements:
        for path in annotation_files(given):
            for _, st in iter_jsonl(path, Statement):
                art = articles.get(st.article_id)
                context = st.context
                if not context and art is not None and art.text[st.start:st.end] == st.text:
                    context = paragraph_context(art.text, st.start, st.end)
                rows.append({"statement_id": st.id, "text": st.text, "cue": st.cue, "context": context,
                             "gold": None})
    if args.dataset:
        from stance.dataset.builder import load_built

        ds = load_built(args.dataset)[args.split]
        names = ds.features["label"].names
        df = ds.to_pandas()
        for r in df.itertuples():
            rows.append({"statement_id": r.statement_id, "text": r.text, "cue": r.cue, "context": r.context,
                         "gold": names[r.label] if r.label_source == "gold" else None})
    if not rows:
        raise InputError("nothing to label: give --gold (with --articles), --statements, or --dataset")
    return rows


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    import numpy as np
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from stance.dataset.labeling import apply_functions, lf_analysis, load_labeling, summary_figures, weak_labels
    from stance.jsonl import write_jsonl

    cfg = load_labeling(args.config)
    rows = _statements(args)
    gold = [r["gold"] for r in rows]  # kept as a list: a DataFrame column would turn None into NaN
    X = pd.DataFrame({c: [r[c] for r in rows] for c in ("statement_id", "text", "cue", "context")})
    n_gold = sum(g is not None for g in gold)
    outside = sorted({g for g in gold if g is not None and g not in cfg.labels})
    L, N = apply_functions(cfg, X)
    table_df = lf_analysis(cfg, L, gold if n_gold else None, N)
    combined = weak_labels(cfg, X, args.method)
    idx = {lab: i for i, lab in enumerate(cfg.labels)}
    gold_idx = np.array([idx.get(g, -1) if g else -1 for g in gold])
    pred_idx = np.array([idx[v] if v else -1 for v in combined["label"]])
    summary = summary_figures(L, pred_idx, gold_idx) if n_gold else summary_figures(L)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / "lf_analysis.csv", table_df.to_csv(index=False))
    atomic.write_text(out / "summary.json", json.dumps({"config": str(args.config), "method": args.method, **summary},
                                                 indent=2) + "\n", encoding="utf-8")
    write_jsonl(out / "weak_labels.jsonl", ({"statement_id": sid, "label": lab, "confidence": round(float(c), 4),
                                            "gold": g}
                                           for sid, lab, c, g in zip(X["statement_id"], combined["label"],
                                                                     combined["confidence"], gold)))
    console = Console(width=None if sys.stdout.isatty() else 160)  # no wrapping in logs and pipes
    table = Table(title=f"labeling functions: {cfg.name} on {len(X)} statements ({n_gold} gold)")
    for col in table_df.columns:
        table.add_column(col, justify="left" if col in ("function", "label") else "right")
    for _, row in table_df.iterrows():
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.tolist()])
    console.print(table)
    line = (f"coverage {summary['coverage']:.3f}, overlap {summary['overlap']:.3f}, "
            f"conflict {summary['conflict']:.3f}")
    if summary.get("accuracy_where_labeled") is not None:
        line += (f"; {args.method} accuracy on gold where labeled {summary['accuracy_where_labeled']:.3f} "
                 f"({summary['gold_labeled']} of {summary['gold_statements']} gold statements labeled)")
    console.print(line)
    if outside:
        console.print(f"note: gold labels {outside} are not labels of the functions' scheme "
                      f"{cfg.label_scheme.name!r}; those statements are not scored")
    console.print(f"wrote {out / 'lf_analysis.csv'}, {out / 'summary.json'} and {out / 'weak_labels.jsonl'}")
    return 0
