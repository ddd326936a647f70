"""A wheel built with `python -m build` installs and runs away from the checkout: the label
schemes, labeling functions and actor registry travel inside it (stance.resources)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from mini_study import write_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out / "dist"),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next((out / "dist").glob("*.whl"))
    site = out / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return wheel, site


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_wheel_carries_the_shipped_configs(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("schemes", "labeling", "actors"):
        shipped = {p.name for p in (ROOT / "configs" / kind).glob("*.yaml")}
        assert shipped and {f"stance/configs/{kind}/{n}" for n in shipped} <= names, kind
    assert not any(n.startswith(("tests/", "data/", "configs/")) for n in names)
    # every module of the package (pyproject.toml lists the subpackages by name)
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "stance").rglob("*.py")}
    assert modules and modules <= names, sorted(modules - names)
    assert "stance/extraction/data/first_names.tsv" in names  # the given-name table of stance.extraction.names


def test_an_installed_wheel_extracts_builds_and_trains_without_the_checkout(installed, tmp_path):
    _, site = installed
    work = tmp_path / "elsewhere"
    work.mkdir()
    probe = run_installed(site, work, "-c", (
        "import json, stance\n"
        "from stance.dataset.schemes import load_scheme\n"
        "from stance.models import make_model\n"
        "rules = make_model('rules', {}).fit(['a', 'b', 'c'], ['open', 'rejecting', 'none'])\n"
        "print(json.dumps({'file': stance.__file__, 'labels': load_scheme('stance5').labels,\n"
        "                  'rules': [str(p) for p in rules.predict(['There is nothing to discuss with them.'])]}))"))
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert Path(seen["file"]).is_relative_to(site)  # the installed copy, not the checkout
    assert seen["labels"] == ["open", "conditional", "evasive", "rejecting", "none"]
    assert seen["rules"] == ["rejecting"]

    experiment = yaml.safe_load(write_study(tmp_path / "study").read_text())
    cli = ("from stance.cli.main import main; import sys; sys.exit(main(sys.argv[1:]))",)
    actors = str(site / "stance" / "configs" / "actors" / "russia_ukraine.yaml")
    done = run_installed(site, work, "-c", *cli, "extract", experiment["articles"], "-o", str(work / "st.jsonl"),
                         "--actors", actors)
    assert done.returncode == 0, done.stderr[-2000:]
    statements = [json.loads(line) for line in (work / "st.jsonl").read_text().splitlines()]
    # four quoted actors in each of the 12 articles, matched to the packaged registry
    quoted = [s for s in statements if s["actor_id"] in {"putin", "zelensky", "peskov", "erdogan"}]
    assert len(quoted) == 48 and len({s["article_id"] for s in quoted}) == 12

    done = run_installed(site, work, "-c", *cli, "build", experiment["dataset"])
    assert done.returncode == 0, done.stderr[-2000:]
    dataset = yaml.safe_load(Path(experiment["dataset"]).read_text())["output"]
    run = {"name": "lr", "data": {"path": dataset, "task": "stance"},
           "model": {"type": "tfidf_logreg", "params": {"C": 4.0}}, "seeds": [1], "output_root": str(work / "runs")}
    (work / "lr.yaml").write_text(yaml.safe_dump(run))
    done = run_installed(site, work, "-c", *cli, "train", "lr.yaml")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((work / "runs" / "lr" / "summary.json").read_text())
    assert summary["test"]["macro_f1"]["mean"] > 0.2
