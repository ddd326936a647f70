"""Label shares over time with article-bootstrap bands, and the figures drawn from them."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from stance.experiment.report import figures
from stance.experiment.report.timeline import label_shares, period_start

LABELS = ["open", "conditional", "evasive", "rejecting", "none"]


def _frame(rows):
    return pd.DataFrame(rows, columns=["source", "actor_id", "date", "label", "article_id"])


def test_period_start_for_each_granularity():
    dates = pd.Series(pd.to_datetime(["2024-06-14", "2025-08-15", "2025-11-23"]))
    assert list(period_start(dates, "month").dt.strftime("%Y-%m-%d")) == ["2024-06-01", "2025-08-01", "2025-11-01"]
    assert list(period_start(dates, "quarter").dt.strftime("%Y-%m-%d")) == ["2024-04-01", "2025-07-01", "2025-10-01"]
    assert list(period_start(dates, "half").dt.strftime("%Y-%m-%d")) == ["2024-01-01", "2025-07-01", "2025-07-01"]
    assert list(period_start(dates, "year").dt.strftime("%Y-%m-%d")) == ["2024-01-01", "2025-01-01", "2025-01-01"]
    with pytest.raises(ValueError, match="unknown period 'week'"):
        period_start(dates, "week")


def test_shares_are_exact_and_bands_contain_them():
    d = dt.date(2025, 5, 16)
    rows = [("gold", "peskov", d, "evasive", "a1"), ("gold", "peskov", d, "evasive", "a1"),
            ("gold", "peskov", d, "open", "a2"), ("gold", "peskov", d, "conditional", "a3")]
    shares = label_shares(_frame(rows), LABELS, "quarter", n_boot=500, seed=1)
    got = shares.set_index("label")
    assert got.loc["evasive", "share"] == pytest.approx(0.5)
    assert got.loc["open", "share"] == pytest.approx(0.25) and got.loc["none", "share"] == 0
    assert (got["lo"] <= got["share"] + 1e-12).all() and (got["share"] <= got["hi"] + 1e-12).all()
    assert set(got["n_statements"]) == {4} and set(got["n_articles"]) == {3}


def test_a_cells_band_does_not_move_when_other_actors_change():
    d = dt.date(2025, 5, 16)
    peskov = [("gold", "peskov", d, lab, f"p{i}")
              for i, lab in enumerate(["evasive", "open", "evasive", "none", "conditional", "open"] * 3)]
    alone = label_shares(_frame(peskov), LABELS, "quarter", n_boot=300, seed=2)
    # an actor sorted before Peskov gains statements (as when a gold id is corrected): Peskov's band stays
    blinken = [("gold", "blinken", d, "open", f"b{i}") for i in range(3)]
    both = label_shares(_frame(blinken + peskov), LABELS, "quarter", n_boot=300, seed=2)
    cols = ["label", "share", "lo", "hi"]
    pd.testing.assert_frame_equal(alone[cols].reset_index(drop=True),
                                  both[both["actor_id"] == "peskov"][cols].reset_index(drop=True))
    other_seed = label_shares(_frame(peskov), LABELS, "quarter", n_boot=300, seed=3)
    assert not np.allclose(alone[["lo", "hi"]].to_numpy(), other_seed[["lo", "hi"]].to_numpy())


def test_bootstrap_resamples_articles_not_statements():
    # One article holds all 6 evasive statements, 6 other articles hold one open each.
    # Resampling articles gives a much wider band than 12 independent statements would.
    d = dt.date(2022, 3, 29)
    rows = [("gold", "lavrov", d, "evasive", "big")] * 6
    rows += [("gold", "lavrov", d, "open", f"small{i}") for i in range(6)]
    shares = label_shares(_frame(rows), LABELS, "month", n_boot=2000, seed=0).set_index("label")
    lo, hi = shares.loc["evasive", ["lo", "hi"]]
    # the article-level band includes 0 (the big article left out) and goes past 0.75
    assert lo == 0.0 and hi > 0.75
    # a statement-level bootstrap of 6/12 would have a 95% interval of roughly 0.25-0.75
    rng = np.random.default_rng(0)
    stmt = rng.binomial(12, 0.5, 2000) / 12
    assert np.quantile(stmt, 0.975) - np.quantile(stmt, 0.025) < hi - lo


def test_figures_are_written_as_png_and_svg(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for actor in ["putin", "zelensky"]:
        for i in range(40):
            day = dt.date(2022, 2, 24) + dt.timedelta(days=int(rng.integers(0, 1300)))
            lab = LABELS[int(rng.integers(0, 5))]
            rows.append(("gold", actor, day, lab, f"{actor}{i // 2}"))
            rows.append(("predicted", actor, day, LABELS[int(rng.integers(0, 5))], f"{actor}{i // 2}"))
    df = _frame(rows)
    shares = label_shares(df, LABELS, "year", n_boot=100)
    actors = [("putin", "Vladimir Putin"), ("zelensky", "Volodymyr Zelensky")]
    written = figures.plot_label_timeline(shares, LABELS, actors, [("2022-03-29", "Istanbul talks")], "Stance",
                                          "Data: test", tmp_path / "stance_over_time")
    written += figures.plot_label_distribution(df[df.source == "gold"], LABELS, actors, "By actor", "Data: test",
                                               tmp_path / "labels_by_actor")
    results = pd.DataFrame([
        {"task": "stance", "model": "tfidf_logreg", "f1": 0.5, "lo": 0.4, "hi": 0.6, "seed_f1": [0.49, 0.5, 0.51]},
        {"task": "stance", "model": "transformer", "f1": 0.55, "lo": 0.42, "hi": 0.66, "seed_f1": [0.5, 0.55, 0.6]},
    ])
    written += figures.plot_model_comparison(results, "Data: test", tmp_path / "models")
    written += figures.plot_confusions([("tfidf", ["a", "b"], [[3, 1], [0, 4]])], "Data: test", tmp_path / "cm")
    curve = pd.DataFrame([{"task": "stance", "model": m, "n_train": n, "seed": s, "f1": 0.3 + n / 1000}
                          for m in ("tfidf_logreg", "transformer") for n in (50, 100, 200) for s in (1, 2)])
    written += figures.plot_learning_curve(curve, "Data: test", tmp_path / "lc")
    assert len(written) == 10
    for path in written:
        data = open(path, "rb").read()
        assert len(data) > 2000
        assert data.startswith(b"\x89PNG") if path.endswith(".png") else b"<svg" in data[:2000]
    svg = (tmp_path / "stance_over_time.svg").read_text()
    assert "Vladimir Putin" in svg and "Istanbul talks" in svg and "Data: test" in svg
