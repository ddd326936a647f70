"""Sharded, resumable extraction on Dask (stance.scale) and aggregation over statement shards."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stance import scale
from stance.cli.main import main
from stance.extraction.actors import load_registry
from stance.records import Article, Statement

pytest.importorskip("distributed")

REGISTRY = Path(__file__).parents[1] / "configs" / "actors"

# Short wire-style articles written for these tests.
TEXTS = [
    ("GENEVA, March 2 - Russian Foreign Minister Sergei Lavrov said on Sunday that Moscow was "
     "\"ready to talk, but not to surrender\".\n\n"
     "\"We will not accept a ceasefire that lets Kyiv rearm,\" Lavrov told reporters after the meeting."),
    ("KYIV, March 4 - Ukrainian President Volodymyr Zelenskiy said talks could begin only after a full truce "
     "along the front line.\n\n\"Peace needs guarantees, not promises,\" Zelenskiy said in his nightly address."),
    ("BRUSSELS, April 10 - NATO Secretary General Mark Rutte said the alliance backed negotiations but "
     "would keep arming Ukraine.\n\n\"Any deal must be one Ukraine can live with,\" Rutte told a news "
     "conference. He added that sanctions would stay in place."),
    ("ANKARA, May 15 - Turkish officials said the delegations would meet in Istanbul on Friday.\n\n"
     "\"Both sides have agreed to sit at the same table,\" a Turkish diplomat said, asking not to be named."),
]
DATES = ["2025-03-02", "2025-03-04", "2025-04-10", "2025-05-15"]


def _articles(shard: int, n: int = 3) -> list[dict]:
    out = []
    for i in range(n):
        k = (shard + i) % len(TEXTS)
        out.append({"id": f"s{shard}-a{i}", "title": f"Story {shard}.{i}", "date": DATES[k],
                    "source": "Wire", "url": f"https://example.org/{shard}/{i}", "text": TEXTS[k]})
    return out


def _write_corpus(folder: Path, shards: int = 3, parquet: bool = True) -> Path:
    """`shards` JSONL shards of 2-3 articles; the last one as Parquet when `parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        arts = _articles(s, 2 + s % 2)
        if parquet and s == shards - 1:
            pq.write_table(pa.Table.from_pylist(arts), folder / f"part-{s:02d}.parquet")
        else:
            (folder / f"part-{s:02d}.jsonl").write_text("".join(json.dumps(a) + "\n" for a in arts),
                                                       encoding="utf-8")
    return folder


def _records(out_dir: Path) -> list[dict]:
    """All statements of the shards, as JSON records sorted by id (an order-free comparison)."""
    rows = []
    for f in sorted(out_dir.glob("*.parquet")):
        rows += [Statement.model_validate(r).model_dump(mode="json") for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: r["id"])


def _bytes(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in sorted(out_dir.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, registry, client):
    """One uninterrupted run over a 4-shard corpus: (input folder, output folder, summary)."""
    base = tmp_path_factory.mktemp("clean")
    corpus = _write_corpus(base / "in", shards=4)
    s = scale.extract_shards(corpus, base / "out", registry, client=client, log=lambda m: None)
    return corpus, base / "out", s


def test_dask_gives_the_same_statements_as_the_single_process_path(clean_run, registry):
    from stance.extraction.quotes import extract_corpus

    corpus, out, summary = clean_run
    arts = [Article.model_validate(a) for s in range(4) for a in _articles(s, 2 + s % 2)]
    single = extract_corpus(arts, registry)
    want = sorted((s.model_dump(mode="json") for s in single), key=lambda r: r["id"])
    assert len(want) > 10
    assert _records(out) == want
    assert summary.statements == len(want) and summary.articles == len(arts) and not summary.failed


def test_manifest_records_each_shard_with_its_fingerprint_and_counts(clean_run):
    corpus, out, _ = clean_run
    man = json.loads((out / "manifest.json").read_text())
    assert sorted(man["shards"]) == ["part-00", "part-01", "part-02", "part-03"]
    for name, entry in man["shards"].items():
        src = Path(entry["input"])
        assert src.parent == corpus and src.stem == name
        assert entry["fingerprint"] == "sha256:" + hashlib.sha256(src.read_bytes()).hexdigest()
        assert entry["status"] == "done" and entry["rejects"] == 0
        assert entry["articles"] == 2 + int(name[-1]) % 2
        assert entry["statements"] == pq.read_metadata(out / f"{name}.parquet").num_rows
    assert man["settings"]["registry"]["name"] == "russia_ukraine"
    assert pq.read_schema(out / "part-00.parquet").names == list(Statement.model_fields)


def test_rerun_skips_finished_shards_and_redoes_changed_ones(clean_run, tmp_path, registry, client):
    corpus, out, _ = clean_run
    work = tmp_path / "out"
    (work).mkdir()
    for name, data in _bytes(out).items():
        (work / name).write_bytes(data)
    s = scale.extract_shards(corpus, work, registry, client=client, log=lambda m: None)
    assert s.skipped == 4 and not s.done
    assert _bytes(work) == _bytes(out)
    (work / "part-01.parquet").unlink()  # a lost output is redone
    s = scale.extract_shards(corpus, work, registry, client=client, log=lambda m: None)
    assert s.skipped == 3 and [r.name for r in s.done] == ["part-01"]
    assert _bytes(work) == _bytes(out)
    man = json.loads((work / "manifest.json").read_text())
    man["shards"]["part-02"]["fingerprint"] = "sha256:0"  # an input that changed since
    (work / "manifest.json").write_text(json.dumps(man))
    s = scale.extract_shards(corpus, work, registry, client=client, log=lambda m: None)
    assert [r.name for r in s.done] == ["part-02"]
    assert _bytes(work) == _bytes(out)


def test_bad_shard_is_reported_and_the_others_finish(tmp_path, registry, client, capsys):
    corpus = _write_corpus(tmp_path / "in", shards=3, parquet=False)
    with (corpus / "part-01.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "bad", "date": "not a date", "text": "x"}\n{oops\n')
        fh.write(json.dumps(_articles(1, 1)[0]) + "\n")  # a duplicate id within the shard
    (corpus / "part-03.parquet").write_bytes(b"this is not parquet")
    lines = []
    s = scale.extract_shards(corpus, tmp_path / "out", registry, client=client, log=lines.append)
    assert not s.failed and len(s.done) == 4
    by = {r.name: r for r in s.done}
    assert by["part-01"].rejects == 3 and by["part-01"].articles == 3 and by["part-01"].statements > 0
    assert by["part-03"].rejects == 1 and by["part-03"].articles == 0
    assert by["part-00"].rejects == 0 and by["part-02"].statements > 0
    rej = [json.loads(x) for x in (tmp_path / "out" / "part-01.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rej] == [4, 5, 6] and rej[0]["field"] == "date" and "duplicate" in rej[2]["reason"]
    whole = json.loads((tmp_path / "out" / "part-03.rejects.jsonl").read_text())
    assert "unreadable Parquet shard" in whole["reason"]
    assert pq.read_metadata(tmp_path / "out" / "part-03.parquet").num_rows == 0
    assert not (tmp_path / "out" / "part-00.rejects.jsonl").exists()
    assert any("part-01" in x and "3 rejected" in x for x in lines)
    assert any(x.startswith("[4/4]") for x in lines)


def test_a_failing_shard_is_left_out_of_the_manifest_and_retried(clean_run, tmp_path, registry, client,
                                                                  monkeypatch):
    corpus, out, _ = clean_run
    real = scale.process_shard

    def flaky(path, out_dir, name, *a, **k):
        if name == "part-02":
            raise RuntimeError("worker lost its disk")
        return real(path, out_dir, name, *a, **k)

    monkeypatch.setattr(scale, "process_shard", flaky)  # processes=False: the workers see the patch
    s = scale.extract_shards(corpus, tmp_path / "out", registry, client=client, log=lambda m: None)
    assert [r.name for r in s.failed] == ["part-02"] and "worker lost its disk" in s.failed[0].error
    assert len(s.done) == 3
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sorted(man["shards"]) == ["part-00", "part-01", "part-03"]
    monkeypatch.setattr(scale, "process_shard", real)
    s = scale.extract_shards(corpus, tmp_path / "out", registry, client=client, log=lambda m: None)
    assert s.skipped == 3 and [r.name for r in s.done] == ["part-02"]
    assert _bytes(tmp_path / "out") == _bytes(out)


KILLABLE = """
import sys, time
from stance import scale
from stance.extraction.actors import load_registry
real = scale.process_shard
def slow(*a, **k):
    r = real(*a, **k)
    time.sleep(1.0)
    return r
scale.process_shard = slow
scale.extract_shards(sys.argv[1], sys.argv[2], load_registry(sys.argv[3]), workers=1, processes=False,
                     log=lambda m: None)
"""


def test_killed_run_resumes_to_byte_identical_outputs(clean_run, tmp_path, registry, client):
    corpus, out, _ = clean_run
    work = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(corpus), str(work), str(REGISTRY)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done: dict = {}
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = json.loads((work / "manifest.json").read_text()).get("shards", {})
            except (OSError, ValueError):
                done = {}
            if done:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert 1 <= len(done) < 4, "the run was not killed midway"
    unfinished = sorted({"part-00", "part-01", "part-02", "part-03"} - set(done))[-1]
    (work / f".{unfinished}.parquet.99999.deadbeef.tmp").write_bytes(b"half a file")  # as a kill mid-write leaves
    s = scale.extract_shards(corpus, work, registry, client=client, log=lambda m: None)
    assert s.skipped >= 1 and s.skipped + len(s.done) == 4
    assert _bytes(work) == _bytes(out)
    assert not list(work.glob(".*.tmp"))


@pytest.mark.slow
def test_cli_engine_dask_with_a_local_cluster_of_processes(tmp_path, capsys):
    import psutil

    corpus = _write_corpus(tmp_path / "in", shards=2)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    assert main(["extract", "--engine", "dask", "--workers", "1", str(tmp_path / "in" / "part-*"),
                 "-o", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "dask dashboard: http" in captured.err and "[2/2]" in captured.err
    assert "shards: 2 (0 already done, 2 processed, 0 failed)" in captured.out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json", "part-00.parquet",
                                                                     "part-01.parquet"]
    time.sleep(0.5)
    # multiprocessing's resource tracker is one per parent process and lives as long as it: not a worker
    leaked = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.is_running()
              and p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline())]
    assert not leaked
    assert main(["extract", "--engine", "dask", str(corpus), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "shards: 2 (2 already done, 0 processed, 0 failed)" in capsys.readouterr().out


def test_cli_refuses_a_file_output_and_scheduler_without_dask(tmp_path, capsys):
    corpus = _write_corpus(tmp_path / "in", shards=1, parquet=False)
    assert main(["extract", "--engine", "dask", str(corpus), "-o", str(tmp_path / "s.parquet")]) == 2
    assert "output is a folder" in capsys.readouterr().err
    assert main(["extract", "--scheduler", "tcp://x:1", str(corpus), "-o", str(tmp_path / "s.jsonl")]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_aggregate_shares_matches_label_shares(tmp_path):
    from stance.experiment.report.timeline import label_shares

    schema = scale.statement_schema()
    labels = ["pro", "anti", "neutral"]
    rows = []
    for i in range(60):
        rows.append({"id": f"x{i}", "article_id": f"art{i % 17}", "start": 0, "end": 1, "text": "t",
                     "speaker": "s", "actor_id": ["RU", "UA", None][i % 3], "cue": "said", "kind": "direct",
                     "context": "", "date": pd.Timestamp("2025-01-05").date() + pd.Timedelta(days=7 * (i % 20)),
                     "stance": labels[(i * 7) % 4] if (i * 7) % 4 < 3 else None, "sentiment": None, "note": None})
    out = tmp_path / "out"
    out.mkdir()
    for k in range(3):  # an article's statements in one shard, as extraction writes them
        part = [r for r in rows if int(r["article_id"][3:]) % 3 == k]
        pq.write_table(pa.Table.from_pylist(part, schema=schema), out / f"part-{k}.parquet")
    got = scale.aggregate_shares(out, labels, period="month", n_boot=200, seed=3)
    df = pd.DataFrame(rows).rename(columns={"stance": "label"}).assign(source="all")
    want = label_shares(df, labels, period="month", n_boot=200, seed=3)
    assert len(got) == len(want) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    halves = scale.aggregate_shares(out, labels, period="half", n_boot=100)
    assert set(halves["period"].dt.month) <= {1, 7}


def test_aggregate_counts_without_duckdb_match(tmp_path, monkeypatch):
    schema = scale.statement_schema()
    rows = [{"id": f"x{i}", "article_id": f"a{i % 5}", "start": 0, "end": 1, "text": "t", "speaker": "s",
             "actor_id": "RU", "cue": "", "kind": "direct", "context": "",
             "date": pd.Timestamp("2025-02-01").date() + pd.Timedelta(days=40 * (i % 4)),
             "stance": ["open", "rejecting"][i % 2], "sentiment": None, "note": None} for i in range(30)]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp_path / "p.parquet")
    with_duckdb = scale.aggregate_shares(tmp_path, ["open", "rejecting"], n_boot=100)
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    without = scale.aggregate_shares(tmp_path, ["open", "rejecting"], n_boot=100)
    pd.testing.assert_frame_equal(with_duckdb, without, check_dtype=False)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from model_data import STANCE, tiny_rows
    from stance.models import make_model

    frame = pd.DataFrame(tiny_rows(12, 4))
    path = tmp_path_factory.mktemp("model") / "m"
    make_model("tfidf_logreg", {"seed": 1}).fit(frame, [STANCE[i] for i in frame["label"]]).save(path)
    return path


def test_predict_on_dask_classifies_article_and_statement_shards_like_the_local_path(
        clean_run, saved_model, tmp_path, registry, client):
    from stance.training.predict import classify, load_predictor

    corpus, out, _ = clean_run
    from_articles = scale.extract_shards(corpus, tmp_path / "a", registry, client=client, log=lambda m: None,
                                         model_paths=[saved_model])
    from_statements = scale.extract_shards(out, tmp_path / "s", registry, client=client, log=lambda m: None,
                                           model_paths=[saved_model])
    assert len(from_articles.done) == len(from_statements.done) == 4
    assert not from_statements.rejects and from_statements.statements == from_articles.statements
    got = pd.concat([pd.read_parquet(f) for f in sorted((tmp_path / "a").glob("*.parquet"))])
    again = pd.concat([pd.read_parquet(f) for f in sorted((tmp_path / "s").glob("*.parquet"))])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), again.reset_index(drop=True))
    statements = [Statement.model_validate(r) for r in _records(out)]
    want = {r["id"]: r for r in classify([load_predictor(saved_model)], statements)}
    assert set(got["id"]) == set(want)
    for row in got.to_dict("records"):
        assert row["label"] == want[row["id"]]["label"] and row["label_model"] == want[row["id"]]["label_model"]
        assert json.loads(row["label_probs"]) == pytest.approx(want[row["id"]]["label_probs"])
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert man["settings"]["classifiers"][0]["task"] == "label"


class _DieOnce(scale._WorkerPlugin):
    """Makes the worker process that first takes shard `part-01` exit hard, midway through writing it."""

    name = "die-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def setup(self, worker) -> None:
        real = scale.process_shard
        marker = Path(self.marker)

        def dying(path, out_dir, name, *a, **k):
            if name == "part-01" and not marker.exists():
                marker.write_text("killed")
                tmp = Path(out_dir) / ".part-01.parquet.1.dead.tmp"
                tmp.write_bytes(b"half a shard")
                os._exit(1)
            return real(path, out_dir, name, *a, **k)

        scale.process_shard = dying


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_its_shard_redone(clean_run, tmp_path, registry):
    from distributed import Client, LocalCluster

    corpus, out, _ = clean_run
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=50)
    client = Client(cluster)
    try:
        client.register_plugin(_DieOnce(str(tmp_path / "marker")))
        s = scale.extract_shards(corpus, tmp_path / "out", registry, client=client, log=lambda m: None)
    finally:
        client.close()
        cluster.close()
    assert (tmp_path / "marker").exists(), "no worker was killed"
    assert not s.failed and len(s.done) == 4
    assert _bytes(tmp_path / "out") == _bytes(out)


def test_aggregate_command_writes_the_shares_and_plot_from_shards(tmp_path, capsys):
    import datetime as dt

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stance.cli.main import main
    from stance.experiment.report.timeline import label_shares

    shard_dir = tmp_path / "predicted"
    shard_dir.mkdir()
    rows = []
    for i in range(24):
        rows.append({"article_id": f"a{i // 3}", "actor_id": ["peskov", "zelensky"][i % 2],
                     "date": dt.date(2025, 1 + (i % 6), 10), "stance": ["open", "evasive", "rejecting"][i % 3],
                     "text": "We are ready to continue contacts"})
    for k in range(2):
        pq.write_table(pa.Table.from_pylist(rows[k * 12:(k + 1) * 12]), shard_dir / f"shard-{k}.parquet")
    out = tmp_path / "shares.csv"
    assert main(["aggregate", str(shard_dir), "-o", str(out), "--labels", "open,evasive,rejecting",
                 "--n-boot", "50", "--plot", str(tmp_path / "timeline.png")]) == 0
    got = pd.read_csv(out)
    frame = pd.DataFrame(rows).rename(columns={"stance": "label"}).assign(source="predicted")
    frame["date"] = pd.to_datetime(frame["date"])
    want = label_shares(frame, ["open", "evasive", "rejecting"], "quarter", n_boot=50)
    assert list(got["share"].round(6)) == list(want["share"].round(6))
    assert (tmp_path / "timeline.png").stat().st_size > 2000
    assert "actor-period cells" in capsys.readouterr().out
    assert main(["aggregate", str(shard_dir), "-o", str(out), "--column", "stance; DROP TABLE x"]) == 2


# ----------------------------------------------------------------------------- progress, duplicates, workers

def test_progress_bar_on_a_terminal_and_short_lines_off_it(monkeypatch):
    import io

    from rich.console import Console

    results = [scale.ShardResult(name=f"part-0{i}", input="x", articles=3, statements=5) for i in range(4)]
    results[1].rejects = 2
    results[2] = scale.ShardResult(name="part-02", input="x", status="failed", error="RuntimeError: boom")
    buf = io.StringIO()
    lines: list[str] = []
    with scale.ShardProgress(4, lines.append, bar=True,
                             console=Console(file=buf, force_terminal=True, width=120)) as pb:
        for r in results:
            pb.shard(r)
    out = buf.getvalue()
    assert "4/4" in out and "shards" in out and "\x1b[" in out  # a rich bar, drawn with terminal codes
    assert "part-01: 3 articles, 5 statements, 2 rejected -> part-01.rejects.jsonl" in out
    assert "part-02: FAILED (RuntimeError: boom)" in out and not lines

    monkeypatch.setattr(scale, "PROGRESS_EVERY", 3600.0)  # off a terminal: bad shards, then a count at the end
    with scale.ShardProgress(4, lines.append, bar=False) as pb:
        for r in results:
            pb.shard(r)
    assert lines == ["[2/4] part-01: 3 articles, 5 statements, 2 rejected -> part-01.rejects.jsonl",
                     "[3/4] part-02: FAILED (RuntimeError: boom); rerun to retry it",
                     "[4/4] shards done: 9 articles, 15 statements"]
    assert all("\x1b" not in x for x in lines)


def test_duplicate_article_ids_across_shards_are_recorded_and_reported(clean_run, tmp_path, registry, client,
                                                                       capsys):
    corpus, out, _ = clean_run
    work = tmp_path / "in"
    work.mkdir()
    for f in corpus.iterdir():
        (work / f.name).write_bytes(f.read_bytes())
    repeat = _articles(0, 2)  # part-00's two articles again, same ids, in a later shard
    (work / "part-09.jsonl").write_text("".join(json.dumps(a) + "\n" for a in repeat), encoding="utf-8")
    s = scale.extract_shards(work, tmp_path / "out", registry, client=client, log=lambda m: None)
    dups = s.duplicates
    assert sorted(set(dups["article_id"])) == ["s0-a0", "s0-a1"]
    assert set(dups["shard"]) == {"part-00", "part-09"}
    assert list(dups[dups["kept"]]["shard"].unique()) == ["part-00"]
    per_shard = pq.read_table(out / "part-00.parquet").to_pandas()["article_id"].value_counts()
    dropped = int(sum(per_shard.get(a, 0) for a in ["s0-a0", "s0-a1"]))
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["duplicates"]["article_ids"] == 2 and man["duplicates"]["statements_dropped"] == dropped > 0
    assert man["duplicates"]["by_shard"] == {"part-09": 2}
    assert man["duplicates"]["examples"][0] == {"article_id": "s0-a0", "shards": ["part-00", "part-09"]}
    assert scale.print_summary(s) == 0
    printed = capsys.readouterr().out
    assert "duplicate article ids across shards: 2 id(s), e.g. 's0-a0' in part-00 and part-09" in printed
    clean = json.loads((out / "manifest.json").read_text())["duplicates"]
    assert clean == {"article_ids": 0, "statements_dropped": 0}


def _labelled_rows(n: int = 48) -> list[dict]:
    labels = ["open", "evasive", "rejecting"]
    return [{"id": f"st{i}", "article_id": f"a{i // 4}", "start": i, "end": i + 1, "text": "t", "speaker": "s",
             "actor_id": ["peskov", "zelensky"][(i // 4) % 2], "cue": "said", "kind": "direct", "context": "",
             "date": pd.Timestamp("2025-01-10").date() + pd.Timedelta(days=45 * ((i // 4) % 6)),
             "stance": labels[(i * 5) % 3], "sentiment": None, "note": None} for i in range(n)]


@pytest.mark.parametrize("backend", ["pyarrow", "duckdb"])
def test_aggregation_counts_an_article_repeated_across_shards_once(tmp_path, capsys, backend):
    from stance.experiment.report.timeline import label_shares

    if backend == "duckdb":
        pytest.importorskip("duckdb")
    schema = scale.statement_schema()
    labels = ["open", "evasive", "rejecting"]
    rows = _labelled_rows()
    shards = tmp_path / "shards"
    shards.mkdir()
    for k in range(3):
        pq.write_table(pa.Table.from_pylist([r for r in rows if int(r["article_id"][1:]) % 3 == k], schema=schema),
                       shards / f"part-{k}.parquet")
    repeated = [r for r in rows if r["article_id"] in ("a0", "a4")]  # in part-0 and part-1 already
    pq.write_table(pa.Table.from_pylist(repeated, schema=schema), shards / "part-9.parquet")

    dups = scale.duplicate_articles(scale._statement_files(shards), shards, backend)
    assert sorted(zip(dups["article_id"], dups["shard"], dups["kept"])) == [
        ("a0", "part-0", True), ("a0", "part-9", False), ("a4", "part-1", True), ("a4", "part-9", False)]
    assert list(dups["statements"]) == [4, 4, 4, 4]
    with pytest.warns(UserWarning, match="duplicate article ids across shards: 2 id"):
        got = scale.aggregate_shares(shards, labels, n_boot=100, seed=1, backend=backend)
    want = label_shares(pd.DataFrame(rows).rename(columns={"stance": "label"}).assign(source="all"), labels,
                        n_boot=100, seed=1)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)

    out = tmp_path / "shares.csv"
    assert main(["aggregate", str(shards), "-o", str(out), "--labels", ",".join(labels), "--n-boot", "20",
                 "--backend", backend]) == 0
    err = capsys.readouterr().err
    assert "duplicate article ids across shards: 2 id(s)" in err and "8 statement(s) left out" in err
    listed = pd.read_csv(tmp_path / "shares.duplicates.csv")
    assert list(listed.columns) == ["article_id", "shard", "statements", "kept"] and len(listed) == 4
    assert pd.read_csv(out)["n_statements"].drop_duplicates().sum() > 0
    (shards / "part-9.parquet").unlink()
    assert main(["aggregate", str(shards), "-o", str(out), "--labels", ",".join(labels), "--n-boot", "20"]) == 0
    assert not (tmp_path / "shares.duplicates.csv").exists()


def test_synthetic_benchmark_archive_has_unique_ids(tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    try:
        import scale as bench  # benchmarks/scale.py
    finally:
        sys.path.pop(0)
    sample = [Article.model_validate(a) for s in range(3) for a in _articles(s, 2)]
    n_shards, words = bench.write_shards(sample, 25, 4, tmp_path / "arch")
    assert n_shards == 7 and words > 0
    ids = [json.loads(line)["id"] for f in sorted((tmp_path / "arch").glob("*.jsonl"))
           for line in f.read_text().splitlines()]
    assert len(ids) == 25 == len(set(ids))
    assert scale.duplicate_articles([], tmp_path).empty


def test_local_cluster_of_two_processes_matches_and_leaks_nothing(clean_run, tmp_path, registry):
    import psutil
    from distributed import Client

    corpus, out, _ = clean_run
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    cluster = scale.local_cluster(2, silence_logs=50)
    client = Client(cluster)
    try:
        s = scale.extract_shards(corpus, tmp_path / "out", registry, client=client, log=lambda m: None)
        info = client.run(lambda: (scale.EXTRACTOR_LOADS, os.environ.get("MALLOC_MMAP_THRESHOLD_"),
                                   os.environ.get("OMP_NUM_THREADS")))
        nthreads = client.nthreads()
        profile = client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
    finally:
        client.close()
        cluster.close()
    assert len(s.done) == 4 and not s.failed
    assert _records(tmp_path / "out") == _records(out)  # the same statements as the threaded cluster
    assert sorted(nthreads.values()) == [1, 1]
    mmap = str(scale.MMAP_THRESHOLD)
    assert sorted(info.values()) == [(1, mmap, "1"), (1, mmap, "1")]  # spaCy loaded once per worker
    assert not any(profile.values())
    time.sleep(0.5)
    leaked = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.is_running()
              and p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline())]
    assert not leaked
