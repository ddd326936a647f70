"""`stance annotate export|import|agreement`."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from stance import atomic
from stance.errors import InputError


def _label_spec(values: list[str] | None) -> dict[str, list[str]]:
    """Parse repeated `FIELD=label1,label2` options; default: the spec's stance and sentiment labels."""
    from stance.dataset.annotate import DEFAULT_LABELS

    if not values:
        return dict(DEFAULT_LABELS)
    out: dict[str, list[str]] = {}
    for v in values:
        name, _, labels = v.partition("=")
        if not name or not labels:
            raise InputError(f"--labels expects FIELD=label1,label2,..., got {v!r}")
        out[name.strip()] = [x.strip() for x in labels.split(",") if x.strip()]
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ex = sub.add_parser("export", help="Write statements (JSONL) to CSV or Label Studio JSON for labeling.")
    ex.add_argument("statements", help="statement JSONL file or folder (extracted or gold)")
    ex.add_argument("-o", "--out", required=True, help="output .csv or .json (Label Studio)")
    ex.add_argument("--format", choices=["csv", "labelstudio"], help="default: from the output suffix")
    ex.add_argument("--labels", action="append", metavar="FIELD=L1,L2", help="label fields (repeatable)")
    ex.add_argument("--prefill", action="store_true", help="fill the label columns with current labels (CSV)")
    ex.add_argument("--annotator", default="", help="value of the annotator column (e.g. 'first' with --prefill)")
    ex.add_argument("--articles", help="articles (JSONL file or folder) to fill each statement's context and date")
    ex.add_argument("--ids", help="only export the statement ids listed in this file (one per line)")

    im = sub.add_parser("import", help="Validate labeled CSV / Label Studio export and merge into gold.")
    im.add_argument("labels_file", help="labeled .csv or Label Studio export .json")
    im.add_argument("--gold", required=True, help="gold statement JSONL to merge into")
    im.add_argument("-o", "--out", help="merged gold JSONL (default: overwrite --gold)")
    im.add_argument("--labels", action="append", metavar="FIELD=L1,L2", help="label fields (repeatable)")
    im.add_argument("--annotator", help="annotator name (default: CSV column 'annotator' or the file name)")
    im.add_argument("--overwrite", action="store_true", help="replace differing labels (logged) instead of failing")
    im.add_argument("--log", help="JSONL change log to append to (default: <out>.changes.jsonl)")

    ag = sub.add_parser("agreement", help="Cohen's kappa, Krippendorff's alpha and confusion between annotators.")
    ag.add_argument("files", nargs="+", help="two or more labeled CSV / Label Studio files (one per annotator)")
    ag.add_argument("--labels", action="append", metavar="FIELD=L1,L2", help="label fields (repeatable)")
    ag.add_argument("-o", "--out", help="write the figures as JSON here")


def run(args: argparse.Namespace) -> int:
    from stance.dataset import annotate
    from stance.dataset.gold import annotation_files
    from stance.jsonl import iter_jsonl, write_jsonl
    from stance.records import Statement

    labels = _label_spec(args.labels)
    if args.action == "export":
        if args.articles:
            from stance.dataset.gold import load_gold
            from stance.records import Article

            articles = {a.id: a for f in annotation_files(args.articles) for _, a in iter_jsonl(f, Article)}
            statements = load_gold(articles, [args.statements])
        else:
            statements = [st for f in annotation_files(args.statements) for _, st in iter_jsonl(f, Statement)]
        if args.ids:
            wanted = {x.strip() for x in Path(args.ids).read_text(encoding="utf-8").splitlines() if x.strip()}
            statements = [st for st in statements if st.id in wanted]
        fmt = args.format or ("labelstudio" if args.out.endswith(".json") else "csv")
        if fmt == "csv":
            n = annotate.export_csv(statements, args.out, fields=list(labels), prefill=args.prefill,
                                   annotator=args.annotator)
        else:
            n = annotate.export_label_studio(statements, args.out, labels)
        print(f"exported {n} statements to {args.out}")
        return 0

    if args.action == "import":
        read = list(iter_jsonl(args.gold, Statement))
        gold = [st for _, st in read]
        rows = annotate.read_labels(args.labels_file, known_ids={st.id for st in gold}, labels=labels,
                                    annotator=args.annotator)
        result = annotate.merge_labels(gold, rows, overwrite=args.overwrite)
        if result.conflicts:
            for c in result.conflicts[:20]:
                print(f"conflict: {c['source']}: {c['statement_id']} {c['field']}: gold has {c['old']!r}, "
                      f"file has {c['new']!r}")
            print(f"{len(result.conflicts)} conflicting labels; nothing written (use --overwrite to replace them; "
                  f"every replacement is logged)")
            return 1
        out = Path(args.out or args.gold)
        raw_lines = Path(args.gold).read_text(encoding="utf-8").splitlines()
        originals = [json.loads(raw_lines[n - 1]) for n, _ in read]
        write_jsonl(out, annotate.updated_gold_lines(originals, gold, result.changes))
        log = Path(args.log or out.with_suffix(".changes.jsonl"))
        with log.open("a", encoding="utf-8") as fh:
            for c in result.changes:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"read {len(rows)} labeled rows; {len(result.changes)} labels set or changed, "
              f"{result.unchanged} already equal; wrote {out}; change log {log}")
        return 0

    rows = [r for f in args.files for r in annotate.read_labels(f, labels=labels)]
    report = {name: annotate.agreement(rows, name, values) for name, values in labels.items()}
    for name, res in report.items():
        alpha = res["krippendorff_alpha"]
        print(f"{name}: {res['n_items']} items, annotators {', '.join(res['annotators'])}, "
              f"Krippendorff's alpha {'n/a' if alpha is None else f'{alpha:.3f}'}")
        for pair in res["pairs"]:
            k = pair["cohen_kappa"]
            print(f"  {pair['annotators'][0]} vs {pair['annotators'][1]}: n={pair['n']} "
                  f"agreement={pair['observed_agreement']:.3f} kappa={'n/a' if k is None else f'{k:.3f}'}")
            width = max(len(x) for x in pair["labels"]) + 1
            print("    " + " " * width + "".join(f"{x[:width - 1]:>{width}}" for x in pair["labels"]))
            for lab, row in zip(pair["labels"], pair["confusion"]):
                print(f"    {lab:<{width}}" + "".join(f"{v:>{width}}" for v in row))
    if args.out:
        atomic.write_text(args.out, json.dumps(report, indent=2))
    return 0
