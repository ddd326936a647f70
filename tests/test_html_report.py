"""The interactive report, opened in a real headless browser (Debian's chromium)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from mini_study import write_study
from stance.cli.main import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _browser(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--virtual-time-budget=20000", *extra, url], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    experiment = write_study(root)
    assert main(["reproduce", str(experiment)]) == 0
    return root / "report" / "index.html"


def test_the_page_is_self_contained_and_holds_the_data_of_the_figures(report):
    page = report.read_text(encoding="utf-8")
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"<(script|link)[^>]+(src|href)=", outside_scripts)  # plotly.js is embedded: no network
    assert "Plotly" in page and len(re.findall(r"<script", outside_scripts)) == 0
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S).group(1)
                      .replace("<\\/", "</"))
    assert sorted(data["tasks"]) == ["sentiment", "stance"]
    assert data["statements"] and all(r["stance"]["gold"] for r in data["statements"])
    assert all(0 <= (r["stance"]["prob"] or 0) <= 1 for r in data["statements"])
    some = data["statements"][0]
    assert some["a"] in data["articles"] and some["text"] in some["context"]
    assert {s["source"] for s in data["shares"]["stance"]} == {"gold", "predicted"}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_a_selected_point_lists_its_statements_in_a_real_browser(report, tmp_path):
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>',
                                report.read_text(encoding="utf-8"), re.S).group(1).replace("<\\/", "</"))
    rec = next(r for r in data["statements"] if r["actor"])
    want = [r for r in data["statements"] if r["actor"] == rec["actor"] and r["p"] == rec["p"]
            and r["stance"]["gold"] == rec["stance"]["gold"]]
    url = f"{report.as_uri()}#select=stance|{rec['actor']}|{rec['p']}|gold|{rec['stance']['gold']}"
    dom = _browser(url, "--dump-dom").stdout
    assert 'data-ready="1"' in dom, "the page script did not finish"
    assert re.search(r'id="js-errors">\s*<', dom), "a JavaScript error was logged"
    rows = [r for r in data["shares"]["stance"] if r["actor"] == rec["actor"]]
    lines = {(r["label"], r["source"]) for r in rows}
    traces = int(re.search(r'id="timeline"[^>]*data-traces="(\d+)"', dom).group(1))
    assert traces == 2 * len(lines)  # a band and a line per label and source
    assert int(re.search(r'data-points="(\d+)"', dom).group(1)) == len(rows)  # one point per period, label, source
    shown = re.findall(r'class="stmt" data-id="([\w:.-]+)"', dom)  # not the script's own template
    assert sorted(shown) == sorted(r["id"] for r in want)
    assert f"{len(want)} statement(s): actor {rec['actor']}" in dom
    shot = tmp_path / "report.png"
    _browser(url, f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.exists() and shot.stat().st_size > 10_000
