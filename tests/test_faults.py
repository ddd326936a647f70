"""Faults injected for real: failed and killed writes, file-size limits, failed stages, failed and
refused training, incomplete runs, damaged files. Nothing written before may be lost, no half-written
file may be taken for a finished one, and the CLI answers with a located error, never a traceback."""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from model_data import build_dataset
from stance import atomic
from stance.cli.main import main
from stance.errors import ConfigError, InputError
from stance.experiment.stages import StageRunner
from stance.jsonl import write_jsonl
from stance.training.train import load_run_config, train_run

ARTICLE = {"id": "2025-05-16-istanbul-talks", "title": "Delegations meet in Istanbul", "date": "2025-05-16",
           "source": "fixture",
           "text": "ISTANBUL, May 16 — Russian and Ukrainian delegations met on Friday for the first direct talks "
                   "in three years.\n\n“We are satisfied with the result and ready to continue contacts,” the head "
                   "of the Russian delegation, Vladimir Medinsky, told reporters after the meeting.\n\nUkraine's "
                   "defence minister Rustem Umerov said the sides had agreed to exchange 1,000 prisoners each."}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".training" in p.name)


# ----------------------------------------------------------------------------- atomic writes

def test_a_writer_that_fails_half_way_leaves_the_previous_file_intact(tmp_path):
    out = tmp_path / "statements.jsonl"
    write_jsonl(out, [{"n": i} for i in range(3)])
    before = out.read_bytes()

    def records():
        yield {"n": 10}
        yield {"n": 11}
        raise RuntimeError("the extractor crashed on article 3")

    with pytest.raises(RuntimeError):
        write_jsonl(out, records())
    assert out.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_a_file_size_limit_fails_with_a_located_error_and_keeps_the_old_output(tmp_path):
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, [ARTICLE | {"id": f"2025-05-16-istanbul-talks-{i}"} for i in range(40)])
    out = tmp_path / "statements.jsonl"
    out.write_text('{"previous": "run"}\n', encoding="utf-8")

    def limit():  # 4 KB: the 40 articles' statements need more
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run([sys.executable, "-m", "stance.cli.main", "extract", str(articles), "-o", str(out),
                           "--no-progress"], capture_output=True, text=True, preexec_fn=limit, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"stance extract: error: {out}" in proc.stderr and "File too large" in proc.stderr
    assert out.read_text(encoding="utf-8") == '{"previous": "run"}\n'
    assert _leftovers(tmp_path) == []


def test_a_killed_writer_leaves_the_previous_file_intact(tmp_path):
    out = tmp_path / "big.jsonl"
    write_jsonl(out, [{"old": True}])
    script = textwrap.dedent(f"""
        import sys, time
        from stance.jsonl import write_jsonl
        def slow():
            for i in range(10_000):
                if i == 50:
                    print("writing", flush=True)
                if i > 50:
                    time.sleep(0.01)
                yield {{"n": i, "text": "x" * 200}}
        write_jsonl({str(out)!r}, slow())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert out.read_text(encoding="utf-8") == '{"old": true}\n'
    # the killed process's temporary file is hidden from readers that glob *.jsonl
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == ["big.jsonl"]


def test_an_output_path_that_is_a_folder_is_a_located_error(tmp_path, capsys):
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, [ARTICLE])
    folder = tmp_path / "out.jsonl"
    folder.mkdir()
    assert main(["extract", str(articles), "-o", str(folder), "--no-progress"]) == 2
    assert f"{folder}: output path is a folder" in capsys.readouterr().err
    with pytest.raises(InputError, match="output path is a folder"):
        atomic.write_text(folder, "x")


# ----------------------------------------------------------------------------- stage stamps

def test_a_failed_forced_stage_is_never_followed_by_up_to_date(tmp_path):
    out = tmp_path / "out.txt"
    logs: list[str] = []
    runner = StageRunner(tmp_path, log=logs.append)
    assert runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))

    def crash():
        out.write_text("trunc")  # a writer that is not atomic, cut short
        raise OSError("disk full")

    with pytest.raises(OSError):
        StageRunner(tmp_path, force=True, log=logs.append).run("make", [], {}, [out], crash)
    assert not (tmp_path / ".stamps" / "make.json").exists()
    assert runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))
    assert "[make] up to date, skipped" not in logs


def test_an_output_changed_after_its_stage_reruns_the_stage(tmp_path):
    out = tmp_path / "out.txt"
    runner = StageRunner(tmp_path, log=lambda *_: None)
    assert runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))
    assert not runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))
    out.write_text("complete out")  # truncated behind the runner's back
    assert runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))
    (tmp_path / ".stamps" / "make.json").write_text("{trunc")  # a damaged stamp is not an error
    assert runner.run("make", [], {}, [out], lambda: out.write_text("complete output\n"))


# ----------------------------------------------------------------------------- training

@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "dataset"
    build_dataset(path, n_articles=16, per_article=4)
    return path


def _config(tmp_path: Path, dataset: Path, name: str = "svm", **params) -> Path:
    cfg = {"name": name, "data": {"path": str(dataset), "task": "stance"},
           "model": {"type": "tfidf_logreg", "params": {"C": 2.0, **params}}, "seeds": [1],
           "output_root": str(tmp_path / "runs")}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("params, field", [
    ({"class_weight": "heavy"}, "model.params.class_weight"),
    ({"word_ngrams": [3, 1]}, "model.params.word_ngrams"),
    ({"char_ngrams": [0, 4]}, "model.params.char_ngrams"),
    ({"seed": -1}, "model.params.seed"),
    ({"template": "{speeker}: {text}"}, "model.params.template"),
])
def test_bad_parameters_are_refused_before_the_previous_run_is_touched(tmp_path, dataset, params, field):
    run_dir = train_run(load_run_config(_config(tmp_path, dataset)), log=lambda *_: None)
    before = _tree(run_dir)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_run_config(_config(tmp_path, dataset, **params))
    assert _tree(run_dir) == before


def test_bad_seeds_and_run_names_are_refused(tmp_path, dataset):
    path = _config(tmp_path, dataset)
    for seeds in ([-3], [2**32]):
        cfg = yaml.safe_load(path.read_text()) | {"seeds": seeds}
        path.write_text(yaml.safe_dump(cfg))
        with pytest.raises(ConfigError, match="seeds"):
            load_run_config(path)
    for name in (".", "..", ".hidden", "../escape", "a/b"):
        with pytest.raises(ConfigError, match="name"):
            load_run_config(_config(tmp_path, dataset), overrides={"name": name})


def test_a_training_failure_keeps_the_previous_run_and_leaves_no_staging_folder(tmp_path, dataset, monkeypatch):
    cfg = load_run_config(_config(tmp_path, dataset))
    run_dir = train_run(cfg, log=lambda *_: None)
    before = _tree(run_dir)
    from stance.models.tfidf import TfidfLogReg

    def broken_fit(self, *a, **k):
        raise MemoryError("out of memory while fitting")

    monkeypatch.setattr(TfidfLogReg, "fit", broken_fit)
    with pytest.raises(MemoryError):
        train_run(cfg, log=lambda *_: None)
    assert _tree(run_dir) == before
    assert _leftovers(run_dir.parent) == []


def test_a_folder_that_is_not_a_run_folder_is_never_deleted(tmp_path, dataset, capsys):
    path = _config(tmp_path, dataset, name="thesis")
    precious = tmp_path / "runs" / "thesis"
    precious.mkdir(parents=True)
    (precious / "chapter1.tex").write_text("months of work", encoding="utf-8")
    (precious / "config.yaml").write_text("not: a run\n", encoding="utf-8")  # a config alone does not make a run
    assert main(["train", str(path)]) == 2
    assert "is not a run folder" in capsys.readouterr().err
    assert (precious / "chapter1.tex").read_text(encoding="utf-8") == "months of work"


def test_incomplete_and_damaged_runs_are_refused_with_located_errors(tmp_path, dataset, capsys):
    run_dir = train_run(load_run_config(_config(tmp_path, dataset)), log=lambda *_: None)
    (run_dir / "summary.json").unlink()
    assert main(["evaluate", str(run_dir), "--out", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err
    assert f"{run_dir}: incomplete run: summary.json" in err and "Traceback" not in err
    run_dir = train_run(load_run_config(_config(tmp_path, dataset)), log=lambda *_: None)
    (run_dir / "run.json").write_text('{"name": "svm", "labels": ["op', encoding="utf-8")
    articles = tmp_path / "articles.jsonl"
    write_jsonl(articles, [ARTICLE])
    assert main(["predict", str(articles), "--model", str(run_dir), "-o", str(tmp_path / "p.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{run_dir / 'run.json'}:1: not valid JSON" in err and "truncated" in err


def test_an_unexpected_error_is_one_line_with_the_traceback_saved(tmp_path, capsys, monkeypatch):
    import stance.cli.commands.extract as extract_cmd

    def bug(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(extract_cmd, "run", bug)
    monkeypatch.delenv("STANCE_DEBUG", raising=False)
    assert main(["extract", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stance extract: error: unexpected ZeroDivisionError: division by zero")
    log = Path(err.split("traceback is in ")[1].split(";")[0])
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8")
    log.unlink()
    monkeypatch.setenv("STANCE_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["extract", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o.jsonl")])


def test_the_summary_is_the_last_file_written(tmp_path, dataset):
    """The completion marker is younger than every other file of the run."""
    run_dir = train_run(load_run_config(_config(tmp_path, dataset)), log=lambda *_: None)
    summary = (run_dir / "summary.json").stat().st_mtime_ns
    others = [p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != "summary.json"]
    assert summary >= max(others)
    assert json.loads((run_dir / "summary.json").read_text())["name"] == "svm"
    assert os.listdir(run_dir.parent) == ["svm"]


# ----------------------------------------------------------------------------- inputs

def test_an_unterminated_csv_quote_rejects_only_its_own_record(tmp_path):
    from stance.corpus.readers import read_articles

    path = tmp_path / "articles.csv"
    path.write_text('\ufeffid,date,text\n'  # a byte-order mark, as spreadsheet exports write
                    'a1,2025-05-16,"Peskov said the talks would ""continue\n'
                    'a2,2025-05-17,"Zelensky said Kyiv was ready for a ceasefire."\n'
                    'a3,2025-05-18,Erdogan offered to host the next round\n'
                    'a4,2025-05-19,"A quote that runs\nover two lines is fine"\n', encoding="utf-8")
    got = read_articles(path, skip_invalid=True)
    assert [a.id for a in got.articles] == ["a2", "a3", "a4"]
    assert got.articles[2].text == "A quote that runs\nover two lines is fine"
    assert [(r.line, r.reason.split(" (")[0]) for r in got.rejects] == [(2, "malformed CSV record")]
    with pytest.raises(InputError, match=rf"{path}:2: malformed CSV record"):
        read_articles(path)


@pytest.mark.parametrize("date, message", [
    (20250516, "date is a number"),
    ("1850-01-01", "outside 1900-01-01"),
    ("2999-01-01", "outside 1900-01-01"),
    ("2025-02-30", "unparsable date"),
])
def test_implausible_dates_are_rejected_with_line_and_field(tmp_path, date, message):
    from stance.corpus.readers import read_articles

    path = tmp_path / "a.jsonl"
    write_jsonl(path, [ARTICLE, ARTICLE | {"id": "second", "date": date}])
    with pytest.raises(InputError) as e:
        read_articles(path)
    assert e.value.line == 2 and e.value.field == "date" and message in e.value.reason


def test_a_misspelled_key_is_named_in_a_warning(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    record = {k: v for k, v in ARTICLE.items() if k != "title"} | {"titel": "Delegations meet"}
    write_jsonl(path, [record])
    assert main(["extract", str(path), "-o", str(tmp_path / "out" / "s.jsonl"), "--no-progress"]) == 0
    assert f"warning: {path}:1: unknown key 'titel' ignored (did you mean 'title'?)" in capsys.readouterr().err


def test_an_output_inside_the_input_folder_is_never_read_back_as_articles(tmp_path, capsys):
    folder = tmp_path / "corpus"
    write_jsonl(folder / "articles.jsonl", [ARTICLE])
    out = folder / "statements.jsonl"
    for _ in range(2):
        assert main(["extract", str(folder), "-o", str(out), "--no-progress"]) == 0
        assert "articles: 1 read from 1 file(s)" in capsys.readouterr().out
    # and a later command that reads the folder skips it too (it has a .meta.json sidecar)
    from stance.corpus.readers import read_articles
    assert [a.id for a in read_articles(folder).articles] == [ARTICLE["id"]]


# ----------------------------------------------------------------------------- bounded cost

def test_a_huge_paragraph_gives_each_statement_a_bounded_context():
    import datetime as dt

    from stance.extraction.quotes import Extractor
    sentence = ("Kremlin spokesman Dmitry Peskov said on Monday that Moscow was ready to continue contacts with "
                "Washington. ")
    text = sentence * 400  # 44,000 characters and no paragraph break: a page whose line breaks were lost
    from stance.records import Article
    art = Article(id="one-paragraph", date=dt.date(2025, 5, 16), text=text)
    statements = Extractor().extract(art)
    assert len(statements) == 400
    for st in statements:
        assert st.text in st.context and len(st.context) <= len(st.text) + 1000
    wider = Extractor(context_chars=4000).extract(art)
    assert max(len(s.context) for s in wider) > 3000


# ----------------------------------------------------------------------------- located errors

def _gold_file(tmp_path: Path) -> Path:
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold, [{"article_id": ARTICLE["id"], "start": 43, "end": 60, "text": ARTICLE["text"][43:60],
                        "speaker": "Medinsky", "actor_id": "medinsky", "cue": "told reporters", "kind": "direct"}])
    return gold


@pytest.mark.parametrize("name, content, expected", [
    ("labels.csv", "statement_id,stance,sentiment\nx,op\xe9n,neutral\n".encode("latin-1"), "labels.csv:2: not UTF-8"),
    ("labels.csv", b'statement_id,stance,sentiment\nx,"open,neutral\ny,open,neutral\n', "labels.csv:2: malformed CSV"),
    ("labels.json", b'[{"data": "x", "annotations": []}]', "labels.json:1, field 'data': task 1: data should be"),
    ("labels.json", b'[{"data": {"statement_id": "x"}, "annotations": {"a": 1}}]', "field 'annotations'"),
    ("labels.json", b'[["not", "a", "task"]]', "task 1: task should be a JSON object"),
    ("labels.json", b"[" * 100_000 + b"]" * 100_000, "labels.json: JSON nested too deeply"),
])
def test_bad_label_files_are_located_errors(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["annotate", "import", str(path), "--gold", str(_gold_file(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_deeply_nested_json_lines_are_located_errors(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(ARTICLE) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert main(["extract", str(path), "-o", str(tmp_path / "s.jsonl")]) == 2
    assert f"{path}:2: JSON nested too deeply" in capsys.readouterr().err


def test_a_page_with_a_date_but_no_body_is_reported_as_empty_not_dateless(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text('<html><head><meta property="article:published_time" content="2025-05-16T10:00:00Z">'
                    "<title>Peskov: talks to continue</title></head><body></body></html>", encoding="utf-8")
    assert main(["extract", str(page), "-o", str(tmp_path / "s.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "field 'text': empty text" in err and "publication date" not in err
