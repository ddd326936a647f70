"""The committed sample corpus passes its own checks, and corpus v1 keeps its split."""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_part_of_the_corpus_passes_check_gold(capsys):
    assert _script("check_gold").main(str(ROOT / "data/articles"), str(ROOT / "data/annotations")) == 0
    out = capsys.readouterr().out
    assert "ERROR" not in out
    n = int(out.split("statements=")[1].split()[0])
    assert n >= 3000


def test_every_pinned_v1_article_is_in_the_corpus_and_v1_is_unchanged():
    ids = {json.loads(line)["id"] for f in (ROOT / "data/articles").glob("*.jsonl")
           for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    with (ROOT / "data/splits/negotiation_v1.csv").open(encoding="utf-8") as fh:
        pinned = {r["article_id"]: r["split"] for r in csv.DictReader(fh)}
    assert len(pinned) == 166 and set(pinned) <= ids
    v1 = {json.loads(line)["id"] for f in (ROOT / "data/articles").glob("p*.jsonl")
          for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert v1 == set(pinned)


def test_low_reliability_sources_are_flagged_and_no_article_rests_on_them_alone(capsys):
    assert _script("source_quality").main(str(ROOT / "data/articles")) == 0
    out = capsys.readouterr().out
    assert "citing only such pages: 0" in out
