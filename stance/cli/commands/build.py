"""`stance build CONFIG`: build a train/dev/test DatasetDict with its dataset card."""
from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="dataset config (configs/datasets/*.yaml)")
    p.add_argument("-o", "--output", help="output folder (default: the config's output)")
    p.add_argument("--seed", type=int, help="split seed (default: the config's split.seed)")
    p.add_argument("--test-actor", help="leave this actor out (sets split.strategy leave_one_actor_out)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from stance.config import read_yaml
    from stance.dataset.builder import build_dataset, load_card, load_dataset_config
    from stance.dataset.splits import SPLITS

    overrides = {}
    if args.seed is not None or args.test_actor:
        split = dict((read_yaml(args.config) or {}).get("split") or {})
        if args.seed is not None:
            split["seed"] = args.seed
        if args.test_actor:
            split.update(strategy="leave_one_actor_out", test_actor=args.test_actor)
        overrides["split"] = split
    cfg = load_dataset_config(args.config, overrides)
    out = args.output or cfg.output
    build_dataset(cfg, out)
    card = load_card(out)
    console = Console(width=None if sys.stdout.isatty() else 160)  # no wrapping in logs and pipes
    labels = card["schemes"]["stance"]["output_labels"]
    table = Table(title=f"{card['name']}: {card['split']['strategy']} split, seed {card['split']['seed']}")
    for col in ["split", "statements", "gold", "weak", "articles", *labels]:
        table.add_column(col, justify="left" if col == "split" else "right")
    for s in [*SPLITS, "total"]:
        st = card["splits"][s] if s != "total" else card["total"]
        table.add_row(s, str(st["rows"]), str(st["label_source"]["gold"]), str(st["label_source"]["weak"]),
                      str(st["articles"]), *[str(st["labels"][lab]) for lab in labels])
    console.print(table)
    notes = card["notes"]
    if notes.get("external_summary"):
        console.print(f"loaded: {notes['external_summary']}")
    console.print(f"left out: {card['excluded']['total']} statement(s) "
                  + (f"({'; '.join(f'{k}: {v}' for k, v in card['excluded']['by_reason'].items())})"
                     if card["excluded"]["total"] else "")
                  + f" -> {out}/excluded.jsonl")
    console.print(f"leakage check: {card['leakage_check']} (no article, cluster or text shared between splits)")
    console.print(f"wrote {out} (DatasetDict, README.md, card.json)")
    return 0
