"""The report's figures. Each function takes tidy DataFrames and writes PNG + SVG.

1. `plot_label_timeline`: label shares over time, one row per actor, gold | predicted.
2. (same function) sentiment over time.
3. `plot_model_comparison`: macro-F1 per model with intervals and seed spread.
4. `plot_confusions`: confusion matrices, row-normalised, with counts.
5. `plot_learning_curve`: macro-F1 against training-set size.
6. `plot_label_distribution`: label shares per actor.
7. `plot_reliability`: reliability diagrams (accuracy per confidence bin) per model.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stance.experiment.report.style import LINESTYLES, OKABE_ITO, add_caption, apply_style, colours_for, save


def _plt():
    apply_style()
    import matplotlib.pyplot as plt

    return plt


def plot_label_timeline(shares: pd.DataFrame, labels: Sequence[str], actors: Sequence[tuple[str, str]],
                        events: Sequence[tuple[str, str]], title: str, caption: str, out_stem: str | Path,
                        min_statements: int = 3) -> list[str]:
    """Small multiples: one row per actor, one column per label; gold (solid) and predicted (dashed).

    Each panel shows the share of one label in one actor's statements per period, placed at
    the period's midpoint, with its article-bootstrap band. Periods with fewer than
    `min_statements` statements are left out (too few to read a share); marker area grows
    with the number of statements. Key events are numbered dotted vertical lines.
    """
    plt = _plt()
    sources = [s for s in ("gold", "predicted") if s in set(shares["source"])]
    colours = colours_for(labels)
    data = shares[shares["n_statements"] >= min_statements].copy()
    data["period"] = pd.to_datetime(data["period"])
    periods = sorted(data["period"].unique())
    half = (periods[1] - periods[0]) / 2 if len(periods) > 1 else pd.Timedelta(days=45)
    data["x"] = data["period"] + half
    fig, axes = plt.subplots(len(actors), len(labels), figsize=(2.35 * len(labels) + 0.8, 1.6 * len(actors) + 1.6),
                             sharex=True, sharey=True, squeeze=False)
    event_dates = [(pd.Timestamp(d), name) for d, name in events]
    for r, (actor_id, actor_name) in enumerate(actors):
        totals = data[(data["actor_id"] == actor_id)].drop_duplicates(["source", "period"])
        n_by_source = totals.groupby("source")["n_statements"].sum().to_dict()
        for c, lab in enumerate(labels):
            ax = axes[r][c]
            for source in sources:
                line = data[(data["actor_id"] == actor_id) & (data["source"] == source)
                            & (data["label"] == lab)].sort_values("x")
                if line.empty:
                    continue
                ax.fill_between(line["x"], line["lo"], line["hi"], color=colours[lab],
                                alpha=0.22 if source == "gold" else 0.10, linewidth=0)
                ax.plot(line["x"], line["share"], LINESTYLES.get(source, "-"), color=colours[lab], linewidth=1.3)
                if source == "gold":
                    ax.scatter(line["x"], line["share"], s=4 + 3 * np.sqrt(line["n_statements"]),
                               color=colours[lab], zorder=3, edgecolor="white", linewidth=0.4)
            for i, (d, _) in enumerate(event_dates, 1):
                ax.axvline(d, color="#666666", linestyle=":", linewidth=0.7)
                if r == 0:
                    ax.annotate(str(i), xy=(d, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                                textcoords="offset points", ha="center", va="bottom", fontsize=6.5)
            ax.set_ylim(-0.02, 1.02)
            ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
            if r == 0:
                ax.set_title(lab, color=colours[lab], fontweight="bold", pad=11)
            if c == 0:
                ax.set_ylabel(actor_name, fontsize=8, fontweight="bold")
                ns = ", ".join(f"{s} n={n_by_source.get(s, 0)}" for s in sources)
                ax.text(0.02, 0.97, ns, transform=ax.transAxes, fontsize=6, va="top", color="#444444")
    locator = plt.matplotlib.dates.YearLocator()
    axes[-1][0].xaxis.set_major_locator(locator)
    axes[-1][0].xaxis.set_major_formatter(plt.matplotlib.dates.DateFormatter("%Y"))
    fig.supxlabel("date (points at period midpoints)", fontsize=8.5, y=0.045)
    handles = [plt.Line2D([], [], color="black", linestyle=LINESTYLES[s], label=f"{s} labels") for s in sources]
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), frameon=False, bbox_to_anchor=(1.0, 1.0))
    key = "   ".join(f"{i} {name} ({d.date()})" for i, (d, name) in enumerate(event_dates, 1))
    fig.suptitle(title, x=0.01, ha="left", y=1.0, fontsize=11)
    if key:
        fig.text(0.01, 0.965, "Events: " + key, fontsize=7, ha="left", va="top", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    add_caption(fig, caption)
    return save(fig, out_stem)


def plot_model_comparison(results: pd.DataFrame, caption: str, out_stem: str | Path) -> list[str]:
    """Macro-F1 per model and task: the seed mean with its 95% article-bootstrap interval, seeds as dots.

    `results` columns: task, model, f1 (seed mean), lo, hi, seed_f1 (list of per-seed values).
    """
    plt = _plt()
    tasks = list(dict.fromkeys(results["task"]))
    models = list(dict.fromkeys(results["model"]))
    colours = dict(zip(models, OKABE_ITO))
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.4 * len(tasks), 0.5 * len(models) + 1.6), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        sub = results[results["task"] == task].set_index("model")
        order = [m for m in models if m in sub.index]
        for y, m in enumerate(order):
            row = sub.loc[m]
            ax.errorbar(row["f1"], y, xerr=[[row["f1"] - row["lo"]], [row["hi"] - row["f1"]]], fmt="o",
                        color=colours[m], capsize=3, markersize=6)
            seeds = list(row["seed_f1"])
            ax.scatter(seeds, [y + 0.18] * len(seeds), s=10, color=colours[m], alpha=0.6, marker="|")
            ax.text(row["hi"] + 0.01, y, f"{row['f1']:.3f}", va="center", fontsize=7.5)
        ax.set_yticks(range(len(order)), order)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("macro-F1 on held-out test articles")
        ax.set_title(task, loc="left")
    fig.suptitle("Model comparison: mean over seeds, 95% article-bootstrap interval, ticks = single seeds",
                 x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    add_caption(fig, caption)
    return save(fig, out_stem)


def plot_confusions(panels: Sequence[tuple[str, Sequence[str], Sequence[Sequence[int]]]], caption: str,
                    out_stem: str | Path, ncols: int = 2) -> list[str]:
    """Confusion matrices (rows = gold, columns = predicted), shaded by row share, annotated with counts."""
    plt = _plt()
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 4.0 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, labels, matrix) in zip(axes.flat, panels):
        m = np.asarray(matrix, dtype=float)
        share = m / np.maximum(m.sum(1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        ax.grid(False)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                ax.text(j, i, f"{int(m[i, j])}\n{share[i, j]:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.55 else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted label")
        ax.set_ylabel("gold label")
        ax.set_title(title, loc="left")
    fig.suptitle("Confusion matrices on the test split: counts summed over seeds, shading = share of the gold row",
                 x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    add_caption(fig, caption)
    return save(fig, out_stem)


def plot_learning_curve(curve: pd.DataFrame, caption: str, out_stem: str | Path) -> list[str]:
    """Macro-F1 against the number of training statements; line = seed mean, band = min-max over seeds.

    `curve` columns: task, model, n_train, seed, f1.
    """
    plt = _plt()
    tasks = list(dict.fromkeys(curve["task"]))
    models = list(dict.fromkeys(curve["model"]))
    colours = dict(zip(models, OKABE_ITO))
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 3.4), squeeze=False, sharey=True)
    for ax, task in zip(axes[0], tasks):
        for m in models:
            sub = curve[(curve["task"] == task) & (curve["model"] == m)]
            if sub.empty:
                continue
            g = sub.groupby("n_train")["f1"].agg(["mean", "min", "max"]).reset_index()
            ax.fill_between(g["n_train"], g["min"], g["max"], color=colours[m], alpha=0.15, linewidth=0)
            ax.plot(g["n_train"], g["mean"], "o-", color=colours[m], label=m, markersize=4)
        ax.set_xlabel("training statements (number)")
        ax.set_title(task, loc="left")
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("macro-F1 on test articles")
    axes[0][-1].legend(loc="lower right", frameon=False)
    n_seeds = curve["seed"].nunique()
    what = "one seed per point" if n_seeds == 1 else f"mean of {n_seeds} seeds, band = min-max over seeds"
    fig.suptitle(f"Learning curve: {what}", x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    add_caption(fig, caption)
    return save(fig, out_stem)


def plot_label_distribution(df: pd.DataFrame, labels: Sequence[str], actors: Sequence[tuple[str, str]],
                            title: str, caption: str, out_stem: str | Path) -> list[str]:
    """Horizontal 100% bars: the share of each label among each actor's statements, with n."""
    plt = _plt()
    colours = colours_for(labels)
    fig, ax = plt.subplots(figsize=(7.5, 0.38 * len(actors) + 1.5))
    for y, (actor_id, _name) in enumerate(actors):
        counts = df[df["actor_id"] == actor_id]["label"].value_counts()
        total = int(counts.sum())
        left = 0.0
        for lab in labels:
            share = counts.get(lab, 0) / total if total else 0
            ax.barh(y, share, left=left, color=colours[lab], edgecolor="white", linewidth=0.5,
                    label=lab if y == 0 else None)
            if share >= 0.08:
                ax.text(left + share / 2, y, f"{share:.0%}", ha="center", va="center", fontsize=6.5,
                        color="white" if lab not in ("none", "neutral") else "black")
            left += share
        ax.text(1.01, y, f"n={total}", va="center", fontsize=7)
    ax.set_yticks(range(len(actors)), [name for _, name in actors])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of the actor's statements")
    ax.grid(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(actors), 1)), ncol=len(labels),
              frameon=False)
    ax.set_title(title, loc="left")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    add_caption(fig, caption)
    return save(fig, out_stem)


def reliability_bins(confidence: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> pd.DataFrame:
    """Per confidence bin: count, mean confidence and accuracy. Bin b holds confidences in
    (b/n, (b+1)/n], a confidence of 0 the first bin (as stance.evaluation.metrics.expected_calibration_error)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(bins, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=ok, minlength=n_bins) / count
    return pd.DataFrame({"bin": np.arange(n_bins), "lo": np.arange(n_bins) / n_bins,
                         "hi": np.arange(1, n_bins + 1) / n_bins, "n": count, "confidence": mean_conf,
                         "accuracy": accuracy})


def plot_reliability(preds: pd.DataFrame, caption: str, out_stem: str | Path, n_bins: int = 10) -> list[str]:
    """Reliability diagrams, one panel per task and model: accuracy of the predicted label against its
    confidence (the probability the model gave it) in `n_bins` equal-width bins, with the number of
    predictions in each bin; the dashed diagonal is perfect calibration. ECE in the title is the mean
    over seeds (as in the results tables); bins pool the seeds.

    `preds` columns: task, model, seed, confidence, correct (one row per test prediction).
    """
    from stance.evaluation.metrics import expected_calibration_error

    plt = _plt()
    tasks = list(dict.fromkeys(preds["task"]))
    models = list(dict.fromkeys(preds["model"]))
    colours = dict(zip(models, OKABE_ITO))
    ncols = max(len(dict.fromkeys(preds[preds["task"] == t]["model"])) for t in tasks)
    fig, axes = plt.subplots(len(tasks), ncols, figsize=(max(2.7 * ncols + 0.4, 6.4), 2.9 * len(tasks) + 1.0),
                             squeeze=False, sharex=True, sharey=True)
    for r, task in enumerate(tasks):
        sub_task = preds[preds["task"] == task]
        task_models = list(dict.fromkeys(sub_task["model"]))
        for ax in axes[r][len(task_models):]:
            ax.axis("off")
        for c, model in enumerate(task_models):
            ax = axes[r][c]
            sub = sub_task[sub_task["model"] == model]
            bins = reliability_bins(sub["confidence"], sub["correct"], n_bins)
            ece = float(np.mean([expected_calibration_error(g["confidence"], g["correct"], n_bins)
                                 for _, g in sub.groupby("seed", dropna=False)]))
            filled = bins[bins["n"] > 0]
            width = 1.0 / n_bins
            ax.bar(filled["lo"] + width / 2, filled["accuracy"], width=width * 0.88, color=colours[model], alpha=0.75,
                   edgecolor="white", linewidth=0.5)
            ax.plot([0, 1], [0, 1], "--", color="#666666", linewidth=0.8)
            ax.plot(filled["confidence"], filled["accuracy"], "o", color="black", markersize=2.5)
            for _, b in filled.iterrows():  # the count of each bin, at the foot of its bar
                ax.text(b["lo"] + width / 2, 0.015, f"{int(b['n'])}", ha="center", va="bottom", fontsize=5.8,
                        color="#111111")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.05)
            ax.set_title(f"{task}: {model}\nECE {ece:.3f}, n = {len(sub)}", loc="left", fontsize=8.5)
            if r == len(tasks) - 1:
                ax.set_xlabel("confidence of the predicted label")
            if c == 0:
                ax.set_ylabel("accuracy")
    fig.suptitle(f"Calibration on the test split: accuracy per confidence bin ({n_bins} bins)\nnumbers = "
                 "predictions in the bin (seeds pooled), dots = mean confidence, dashed = perfect calibration",
                 x=0.01, ha="left", fontsize=9.5)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    add_caption(fig, caption)
    return save(fig, out_stem)
