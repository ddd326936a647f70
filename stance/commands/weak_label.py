"""`stance weak-label CONFIG`: apply labeling functions, print and save their analysis."""
from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="labeling config (configs/labeling/*.yaml)")
    p.add_argument("--articles", action="append", default=[], help="articles (file or folder; repeatable), "
                   "to fill context and date of statements")
    p.add_argument("--gold", action="append", default=[], help="gold annotation JSONL file or folder (repeatable): "
                   "statements with known labels, for empirical accuracy (needs --articles)")
    p.add_argument("--statements", action="append", default=[], help="statement JSONL file or folder to label "
                   "(repeatable), e.g. the output of `stance extract`")
    p.add_argument("--method", choices=["majority", "label_model"], default="majority",
                   help="how votes combine (default: majority with the config's precedence)")
    p.add_argument("-o", "--out", default="runs/weak_label", help="output folder (default: runs/weak_label)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from stance.errors import InputError
    from stance.gold import annotation_files, load_gold
    from stance.jsonl import iter_jsonl, write_jsonl
    from stance.labeling import apply_functions, lf_analysis, load_labeling, summary_figures, weak_labels
    from stance.records import Statement, paragraph_context

    cfg = load_labeling(args.config)
    if not args.gold and not args.statements:
        raise InputError("nothing to label: give --gold (with --articles) and/or --statements")
    articles = {}
    if args.articles:
        from stance.corpus import read_articles

        for p in args.articles:
            articles.update({a.id: a for a in read_articles(p).articles})
    if args.gold and not articles:
        raise InputError("--gold needs --articles (gold offsets are checked against the article text)")
    statements: list[Statement] = list(load_gold(articles, args.gold)) if args.gold else []
    n_gold = len(statements)
    for given in args.statements:
        for path in annotation_files(given):
            for _, st in iter_jsonl(path, Statement):
                art = articles.get(st.article_id)
                if art is not None and art.text[st.start:st.end] == st.text:
                    st = st.model_copy(update={"context": st.context or paragraph_context(art.text, st.start,
                                                                                          st.end),
                                               "date": st.date or art.date})
                statements.append(st.model_copy(update={"stance": None}))
    X = pd.DataFrame({"text": [s.text for s in statements], "cue": [s.cue for s in statements],
                      "context": [s.context for s in statements]})
    gold = [s.stance for s in statements[:n_gold]] + [None] * (len(statements) - n_gold)
    L, N = apply_functions(cfg, X)
    table_df = lf_analysis(cfg, L, gold if n_gold else None, N)
    combined = weak_labels(cfg, X, args.method)
    idx = {lab: i for i, lab in enumerate(cfg.labels)}
    gold_idx = pd.Series([idx.get(g, -1) if g else -1 for g in gold]).to_numpy()
    pred_idx = pd.Series([idx[v] if v else -1 for v in combined["label"]]).to_numpy()
    summary = summary_figures(L, pred_idx, gold_idx if n_gold else None) if n_gold else summary_figures(L)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table_df.to_csv(out / "lf_analysis.csv", index=False)
    write_jsonl(out / "weak_labels.jsonl", ({"statement_id": s.id, "label": lab, "confidence": round(float(c), 4),
                                            "gold": g}
                                           for s, lab, c, g in zip(statements, combined["label"],
                                                                    combined["confidence"], gold)))
    console = Console(width=None if sys.stdout.isatty() else 160)  # no wrapping in logs and pipes
    table = Table(title=f"labeling functions: {cfg.name} on {len(statements)} statements ({n_gold} gold)")
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
    console.print(f"wrote {out / 'lf_analysis.csv'} and {out / 'weak_labels.jsonl'}")
    return 0
