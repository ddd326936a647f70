"""Extraction cost on pathological articles: time, peak memory and output size as the input grows.

    python benchmarks/pathological.py            # all shapes, four sizes each
    python benchmarks/pathological.py --quick    # two sizes each

Three shapes that real scraped pages produce:
- one huge paragraph of ordinary wire sentences (a page whose line breaks were lost);
- one run-on sentence of reported clauses with no full stop ("X said that A, and that B, ...");
- thousands of quote marks (scare quotes, a table of quoted numbers).

Each size runs in its own process (peak RSS is per process). Extraction time must grow about
linearly with the article's length: the "x per 2x" column is the time ratio of one size to the
previous (2.0 is linear, 4.0 quadratic). The output size is compared side by side with what
the same statements would take if each stored its whole paragraph as context (the behaviour
before the context cap), the alternative this benchmark exists to rule out.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time

SENTENCE = ("Kremlin spokesman Dmitry Peskov said on Monday that Moscow was ready to continue contacts "
            "with Washington, while Ukraine's foreign ministry warned that any deal \"must respect our "
            "sovereignty\". ")
CLAUSE = "that the talks would resume soon, and {who} added that the sides had exchanged drafts, and "


def make_text(shape: str, size: int) -> str:
    """An article body of about `size` characters in the given shape."""
    if shape == "paragraph":
        return (SENTENCE * (size // len(SENTENCE) + 1))[:size].rsplit(" ", 1)[0] + "."
    if shape == "run-on":
        parts, n = ["Peskov said "], 0
        while sum(map(len, parts)) < size:
            parts.append(CLAUSE.format(who=("Lavrov", "Zakharova", "Ushakov")[n % 3]))
            n += 1
        return "".join(parts) + "nothing else was agreed."
    if shape == "quote-marks":
        cells = []
        while sum(map(len, cells)) < size:
            cells.append(f'"{len(cells) % 97}" ')
        return "The table listed " + "".join(cells) + "as the figures, the ministry said."
    raise ValueError(shape)


def run_one(shape: str, size: int) -> dict:
    """Extract one synthetic article in this process; report time, peak RSS and output bytes."""
    import resource

    from stance.extraction.quotes import Extractor, load_nlp
    from stance.records import Article, paragraph_context

    nlp = load_nlp()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = make_text(shape, size)
    art = Article(id="bench", title="", date=dt.date(2025, 5, 16), source="bench", text=text)
    ex = Extractor(nlp=nlp)
    t0 = time.perf_counter()
    statements = ex.extract(art)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    capped = sum(len(s.model_dump_json()) + 1 for s in statements)
    uncapped = sum(len(s.model_copy(update={"context": paragraph_context(text, s.start, s.end, max_chars=10**12)})
                       .model_dump_json()) + 1 for s in statements)
    return {"shape": shape, "chars": len(text), "seconds": seconds, "statements": len(statements),
            "peak_mb": (peak - base) / 1024, "out_kb": capped / 1024, "uncapped_kb": uncapped / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two sizes per shape")
    ap.add_argument("--one", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return 0
    sizes = {"paragraph": [32_000, 64_000, 128_000, 256_000], "run-on": [6_000, 12_000, 24_000, 48_000],
             "quote-marks": [8_000, 16_000, 32_000, 64_000]}
    print("| shape | chars | seconds | x per 2x | statements | peak MB | statements KB (context cap) | "
          "KB with whole paragraphs |")
    print("|---|---|---|---|---|---|---|---|")
    for shape, ss in sizes.items():
        prev = None
        for size in ss[:2] if args.quick else ss:
            out = subprocess.run([sys.executable, __file__, "--one", shape, str(size)], capture_output=True,
                                 text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = f"{r['seconds'] / prev:.1f}" if prev else ""
            prev = r["seconds"]
            print(f"| {shape} | {r['chars']:,} | {r['seconds']:.2f} | {ratio} | {r['statements']} | "
                  f"{r['peak_mb']:.0f} | {r['out_kb']:,.0f} | {r['uncapped_kb']:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
