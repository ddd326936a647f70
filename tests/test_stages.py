"""Cached stages run once, and again only when an input or a parameter changes."""
from __future__ import annotations

from stance.experiment.stages import StageRunner, stage_key


def test_stage_runs_once_then_reruns_on_input_or_param_change(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text('{"id": "a"}\n')
    out = tmp_path / "out.txt"
    calls = []

    def work():
        calls.append(1)
        out.write_text("done")

    runner = StageRunner(tmp_path / "work", log=lambda m: None)
    assert runner.run("build", [data], {"seed": 13}, [out], work) is True
    assert runner.run("build", [data], {"seed": 13}, [out], work) is False
    (data / "b.jsonl").write_text('{"id": "b"}\n')          # a new input file
    assert runner.run("build", [data], {"seed": 13}, [out], work) is True
    assert runner.run("build", [data], {"seed": 14}, [out], work) is True    # a changed parameter
    out.unlink()                                             # a missing output
    assert runner.run("build", [data], {"seed": 14}, [out], work) is True
    assert len(calls) == 4


def test_key_depends_on_file_contents_not_mtime(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("one")
    k1 = stage_key([f], {})
    f.write_text("one")
    assert stage_key([f], {}) == k1
    f.write_text("two")
    assert stage_key([f], {}) != k1
