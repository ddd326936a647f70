"""CLI fuzzing: mutated article files and run configs never produce a traceback; with --skip-invalid
every input record is either read or written to the rejects file (accepted + rejected = input)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_data import build_dataset
from stance.cli.main import main

BASE = {"id": "a", "title": "Kremlin says talks possible", "date": "2025-05-16", "source": "fixture",
        "text": "MOSCOW, May 16 — “We are ready to continue contacts,” Kremlin spokesman Dmitry Peskov told "
                "reporters.\n\nUkraine's foreign ministry said the proposal was an ultimatum."}
JUNK = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.booleans(),
                 st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                           st.integers(), max_size=2))


@st.composite
def article_line(draw, n: int) -> bytes:
    """One JSONL line: a valid article, or one broken in one of many ways."""
    rec = dict(BASE, id=f"a{n}")
    how = draw(st.sampled_from(["ok", "drop", "junk", "truncate", "bytes", "array", "nested", "blank", "dup"]))
    if how == "drop":
        rec.pop(draw(st.sampled_from(sorted(rec))))
    elif how == "junk":
        rec[draw(st.sampled_from([*sorted(rec), "titel", "url"]))] = draw(JUNK)
    elif how == "dup":
        rec["id"] = "a0"
    line = json.dumps(rec, ensure_ascii=False).encode("utf-8")
    if how == "truncate":
        line = line[:draw(st.integers(1, max(1, len(line) - 1)))]
    elif how == "bytes":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(min_size=1, max_size=4)) + line[at:]
    elif how == "array":
        line = b"[" + line + b"]"
    elif how == "nested":
        line = b"[" * 5000 + b"]" * 5000
    elif how == "blank":
        line = b"   "
    return line.replace(b"\n", b" ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.integers(0, 10**6), min_size=1, max_size=8).flatmap(
    lambda xs: st.tuples(*[article_line(i) for i in range(len(xs))])))
def test_mutated_article_files_are_read_or_rejected_never_a_traceback(tmp_path_factory, capsys, lines):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "articles.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp / "out" / "statements.jsonl"
    rc = main(["extract", str(path), "-o", str(out), "--skip-invalid", "--no-progress"])
    captured = capsys.readouterr()
    assert rc in (0, 2) and "Traceback" not in captured.err
    assert rc == 0, captured.err  # with --skip-invalid, bad records are rejects, not errors
    read = int(captured.out.split("articles: ")[1].split(" read")[0])
    rejects = out.with_name("statements.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert read + len(rejects) == sum(1 for x in lines if x.strip())
    for r in rejects:
        r = json.loads(r)
        assert r["path"] == str(path) and isinstance(r["line"], int) and r["reason"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "dataset"
    build_dataset(path, n_articles=12, per_article=4)
    return path


PARAM_KEYS = ["C", "class_weight", "word_ngrams", "char_ngrams", "min_df", "max_features", "template", "seed",
              "max_iter", "n_threads", "nonsense"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(PARAM_KEYS), value=JUNK, top=st.sampled_from(["params", "seeds", "name", "type", "root"]))
def test_mutated_run_configs_give_exit_0_or_2_never_a_traceback(tmp_path_factory, capsys, dataset, key, value, top):
    tmp = tmp_path_factory.mktemp("cfg")
    cfg = {"name": "fuzz", "data": {"path": str(dataset), "task": "stance"},
           "model": {"type": "tfidf_logreg", "params": {"C": 1.0}}, "seeds": [1], "output_root": str(tmp / "runs")}
    if top == "params":
        cfg["model"]["params"][key] = value
    elif top == "seeds":
        cfg["seeds"] = value
    elif top == "name":
        cfg["name"] = value
    elif top == "type":
        cfg["model"]["type"] = value
    else:
        cfg[key] = value
    path = tmp / "run.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rc = main(["train", str(path)])
    err = capsys.readouterr().err
    assert rc in (0, 2) and "Traceback" not in err and "unexpected" not in err, err
    if rc == 2:
        assert err.startswith("stance train: error: ") and str(path) in err
    else:
        assert (Path(cfg["output_root"]) / str(cfg["name"]) / "summary.json").exists()
