"""REPORT.md and every figure of an experiment, from the outputs its stages saved.

Nothing is trained here: `write_report` reads the built dataset, the run folders, the
evaluation, the learning curves and the cross-fitted predictions under the experiment's
work_dir, draws the figures and writes the Markdown report.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from stance import atomic, markdown
from stance.experiment.report import figures
from stance.experiment.report.timeline import label_shares
from stance.run_folder import best_on_dev
from stance.run_folder import read_json as _json

if TYPE_CHECKING:
    from stance.experiment.config import ExperimentConfig, Paths

TASK_COLUMN = {"stance": "label", "sentiment": "sentiment"}


def dataset_frame(dataset_dir: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """All rows of the built dataset with a `split` column, label ids turned into names."""
    from stance.dataset.builder import load_built

    dd = load_built(dataset_dir)
    names = {task: dd["train"].features[col].names for task, col in TASK_COLUMN.items()
             if col in dd["train"].features}
    frames = []
    for split, ds in dd.items():
        df = ds.to_pandas()
        df["split"] = split
        for task, col in TASK_COLUMN.items():
            if task in names:
                df[task] = [names[task][i] if i >= 0 else None for i in df[col]]
        frames.append(df)
    return pd.concat(frames, ignore_index=True), names


def crossfit_frame(crossfit_dir: Path) -> tuple[pd.DataFrame, str]:
    """The cross-fitted predictions of one task and the name of the run that made them."""
    files = sorted(crossfit_dir.glob("*/crossfit/predictions.jsonl"))
    if not files:
        raise FileNotFoundError(f"no cross-fitted predictions under {crossfit_dir}")
    rows = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows), files[0].parents[1].name


def timeline_actors(exp: "ExperimentConfig", gold: pd.DataFrame, names: dict[str, str]) -> list[tuple[str, str]]:
    """(actor id, display name) in panel order: the configured actors, else the top_n most quoted."""
    ids = exp.timeline.actors or gold["actor_id"].dropna().value_counts().head(exp.timeline.top_n).index.tolist()
    return [(a, names.get(a, a)) for a in ids]


def _fmt_ci(m: dict) -> str:
    return f"{m['mean']:.3f} ± {m['std']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def results_table(evaluation: dict, task: str) -> tuple[str, pd.DataFrame]:
    """Markdown table of one task's runs (best first) and the frame the comparison figure uses."""
    runs = {n: r for n, r in evaluation["runs"].items() if r["task"] == task}
    labels = next(iter(runs.values()))["labels"]
    cells, rows = [], []
    for name, r in sorted(runs.items(), key=lambda kv: -kv[1]["macro_f1"]["mean"]):
        model = name.split("-", 1)[1] if name.startswith(f"{task}-") else name
        m = r["macro_f1"]
        cells.append([model, _fmt_ci(m), f"{r['accuracy']['mean']:.3f}", f"{r['ece']['mean']:.3f}",
                      *(f"{r['per_class'][lab]['f1']:.3f}" for lab in labels)])
        rows.append({"task": task, "model": model, "f1": m["mean"], "lo": m["ci_low"], "hi": m["ci_high"],
                     "seed_f1": m["values"]})
    n_items, n_units = next(iter(runs.values()))["n_items"], next(iter(runs.values()))["n_units"]
    lines = [markdown.table(["model", "macro-F1 (mean ± std over seeds) [95% CI]", "accuracy", "ECE",
                             *(f"F1 {lab}" for lab in labels)], cells), ""]
    lines.append(f"Test split: {n_items} statements from {n_units} articles; seeds: "
                 f"{', '.join(str(s) for s in next(iter(runs.values()))['seeds'])}.")
    return "\n".join(lines), pd.DataFrame(rows)


BASELINE_TYPES = ("rules", "vader")


def is_tfidf(model_type: str) -> bool:
    """A TF-IDF model, or a per-group wrapper around one (named per_group:<inner type> in evaluations)."""
    return model_type.startswith("tfidf") or model_type.startswith("per_group:tfidf")


def is_challenger(model_type: str) -> bool:
    """A learned model that uses no TF-IDF (embeddings, SetFit, transformer, an ensemble of those): what
    the headline compares with the best TF-IDF model."""
    return not is_tfidf(model_type) and model_type not in BASELINE_TYPES and not is_mixed(model_type)


def _oriented(p: dict, evaluation: dict) -> dict:
    """The pair with the non-TF-IDF learned model (or else the model with the higher mean) as `a`, so Δ
    reads a − b."""
    runs = evaluation["runs"]

    def rank(name: str) -> tuple[bool, float]:
        return is_challenger(runs[name]["model_type"]), runs[name]["macro_f1"]["mean"]

    if rank(p["a"]) >= rank(p["b"]):
        return p
    return {**p, "a": p["b"], "b": p["a"], "diff_macro_f1": -p["diff_macro_f1"],
            "ci_low": -p["ci_high"], "ci_high": -p["ci_low"]}


def paired_table(evaluation: dict, task: str) -> str:
    """Markdown table of the paired tests of one task, non-TF-IDF learned models first.

    Each pair is oriented so that `a` is the non-TF-IDF learned model (embeddings, SetFit,
    transformer, ensemble), or else the model with the higher mean macro-F1: Δ is a − b and its
    interval flips with it; the p-values are two-sided."""
    pairs = [_oriented(p, evaluation) for p in evaluation["paired"] if p["task"] == task]
    runs = evaluation["runs"]
    # pairs led by a learned non-TF-IDF model first; within them, the strongest first
    pairs.sort(key=lambda p: (not is_challenger(runs[p["a"]]["model_type"]),
                              -runs[p["a"]]["macro_f1"]["mean"], -runs[p["b"]]["macro_f1"]["mean"]))
    strip = f"{task}-"
    return markdown.table(
        ["model a", "model b", "Δ macro-F1 (a − b)", "95% CI", "p (article bootstrap)", "p (randomisation)"],
        [[p["a"].removeprefix(strip), p["b"].removeprefix(strip), f"{p['diff_macro_f1']:+.3f}",
          f"[{p['ci_low']:+.3f}, {p['ci_high']:+.3f}]", f"{p['p_bootstrap']:.3f}", f"{p['p_randomization']:.3f}"]
         for p in pairs])


def _family(families: dict[str, list[str]] | None, key: str, by_type, task: str):
    """A predicate on (run name, model type): the stems the experiment lists for `key`, else `by_type`."""
    stems = set((families or {}).get(key) or [])
    if stems:
        return lambda name, model_type: name.removeprefix(f"{task}-") in stems
    return lambda name, model_type: by_type(model_type)


def headline_comparison(evaluation: dict, task: str, model_dirs: Path,
                        families: dict[str, list[str]] | None = None) -> str | None:
    """One sentence: the best non-TF-IDF learned model against the best TF-IDF model, both chosen by
    dev macro-F1 (never test), with their paired test on the test split. `families` (the experiment's
    `headline`: baseline, challengers, mixed as model config stems) replaces the by-type families."""
    declared = {k for k, v in (families or {}).items() if v}
    base_title = "the best baseline on dev" if "baseline" in declared else "the best TF-IDF model on dev"
    tfidf = _best_of(evaluation, task, model_dirs, _family(families, "baseline", is_tfidf, task))
    if tfidf is None:  # nothing to compare against (no pair below could name it)
        return None
    sentences = []
    for key, by_type, title in (("challengers", is_challenger, "Best model without TF-IDF on dev"),
                                ("mixed", is_mixed, "Best ensemble with a TF-IDF member on dev")):
        if key in declared:
            title = f"Best on dev of {', '.join((families or {})[key])}"
        other = _best_of(evaluation, task, model_dirs, _family(families, key, by_type, task))
        pair = next((p for p in evaluation["paired"] if {p["a"], p["b"]} == {tfidf, other}), None)
        if pair is None:
            continue
        p = pair if pair["a"] == other else {**pair, "a": pair["b"], "b": pair["a"],
                                             "diff_macro_f1": -pair["diff_macro_f1"],
                                             "ci_low": -pair["ci_high"], "ci_high": -pair["ci_low"]}
        strip = f"{task}-"
        verdict = ("the interval excludes zero" if p["ci_low"] > 0 or p["ci_high"] < 0
                   else "the interval includes zero")
        sentences.append(f"**{title} ({p['a'].removeprefix(strip)}) versus {base_title} "
                         f"({tfidf.removeprefix(strip)})**: Δ macro-F1 {p['diff_macro_f1']:+.3f}, 95% CI "
                         f"[{p['ci_low']:+.3f}, {p['ci_high']:+.3f}] ({verdict}); p = {p['p_bootstrap']:.3f} "
                         f"(article bootstrap), {p['p_randomization']:.3f} (randomisation).")
    if not sentences:
        return None
    names = sorted(n for n, r in evaluation["runs"].items() if r["task"] == task)
    swept = [n.removeprefix(f"{task}-") for n in names if (model_dirs / n / "sweep.json").exists()]
    if not swept:
        return "\n\n".join(sentences)
    others = [n.removeprefix(f"{task}-") for n in names if n.removeprefix(f"{task}-") not in swept]
    return "\n\n".join(sentences) + (f"\n\nModels with a sweep ({', '.join(swept)}) had their settings chosen on "
                                      "the same dev split that picks the best model here, so their dev score is the "
                                      "best of several tries" + (f"; {', '.join(others)} were not swept." if others
                                                                 else "."))


def run_model_type(model_dirs: Path, name: str, model_type: str) -> str:
    """The run's model type, with an ensemble's member types (ensemble[embedding_logreg+tfidf_svm]) read
    from its config.yaml, so that an ensemble holding a TF-IDF member is not taken for a non-TF-IDF model."""
    if model_type != "ensemble":
        return model_type
    try:
        config = yaml.safe_load((Path(model_dirs) / name / "config.yaml").read_text(encoding="utf-8"))
        members = sorted({m["type"] for m in config["model"]["params"]["members"]})
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return model_type
    return f"ensemble[{'+'.join(members)}]"


def is_mixed(model_type: str) -> bool:
    """An ensemble with a TF-IDF member among others."""
    return model_type.startswith("ensemble[") and "tfidf" in model_type


def _best_of(evaluation: dict, task: str, model_dirs: Path, accept) -> str | None:
    """The run of `task` accepted by `accept(name, model_type)` with the best mean dev macro-F1
    (ensembles are judged with their member types, see `run_model_type`)."""
    best = best_on_dev(model_dirs / name for name, r in evaluation["runs"].items()
                       if r["task"] == task and accept(name, run_model_type(model_dirs, name, r["model_type"])))
    return None if best is None else best.name


def reliability_frame(paths: "Paths", exp: "ExperimentConfig") -> pd.DataFrame:
    """One row per test prediction of every model and task (all seeds): the confidence of the predicted
    label and whether it is right, for the reliability diagrams."""
    rows = []
    for task, tcfg in exp.tasks.items():
        for model_config in tcfg.models:
            run_dir = paths.run_dir(task, model_config.stem)
            for f in sorted(run_dir.glob("seed_*/predictions_test.jsonl")):
                seed = int(f.parent.name.split("_", 1)[1])
                for line in f.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        r = json.loads(line)
                        rows.append({"task": task, "model": model_config.stem, "seed": seed,
                                     "confidence": float(r["probs"].get(r["pred"], 0.0)),
                                     "correct": r["pred"] == r["gold"]})
    return pd.DataFrame(rows, columns=["task", "model", "seed", "confidence", "correct"])


def _ci_cell(m: dict) -> str:
    return f"{m['mean']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def _gap_cell(g: dict | None) -> str:
    if not g:
        return "-"
    return f"{g['diff_macro_f1']:+.3f} [{g['ci_low']:+.3f}, {g['ci_high']:+.3f}]"


def shift_table(summaries: list[dict], task: str) -> str:
    """Markdown table of one task: model | random split | temporal | leave-one-actor-out (pooled) | gaps."""
    rows = []
    for s in sorted(summaries, key=lambda s: -s["random"]["macro_f1"]["mean"]):
        cells = [s["name"].removeprefix(task + "-"), _ci_cell(s["random"]["macro_f1"])]
        cells += [_ci_cell(s[k]["macro_f1"]) if k in s else "-" for k in ("temporal", "actor")]
        cells += [_gap_cell(s["gaps"].get(k)) for k in ("temporal", "actor")]
        rows.append(cells)
    return markdown.table(["model", "random split", "temporal", "leave-one-actor-out (pooled)",
                           "gap: temporal − random", "gap: actors − random"], rows)


def shift_actor_table(summaries: list[dict], task: str) -> str | None:
    """Markdown table of leave-actor-out macro-F1 per held-out actor (rows) and model (columns)."""
    with_actor = [s for s in summaries if "actor" in s]
    if not with_actor:
        return None
    names = [s["name"].removeprefix(task + "-") for s in with_actor]
    actors = sorted({a for s in with_actor for a in s["actor"]["per_actor"]},
                    key=lambda a: -max(s["actor"]["per_actor"].get(a, {}).get("n", 0) for s in with_actor))
    rows = []
    for a in actors:
        n = next(s["actor"]["per_actor"][a]["n"] for s in with_actor if a in s["actor"]["per_actor"])
        cells = [a, n]
        for s in with_actor:
            v = s["actor"]["per_actor"].get(a)
            cells.append(f"{v['macro_f1']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]" if v else "-")
        rows.append(cells)
    return markdown.table(["held-out actor", "gold statements", *names], rows)


def shift_section(shift_dir: Path, tasks: list[str]) -> str | None:
    """The report section on later events and unseen actors, from <shift_dir>/<task>-<model>/shift/summary.json."""
    by_task = {t: [_json(f) for f in sorted(Path(shift_dir).glob(f"{t}-*/shift/summary.json"))] for t in tasks}
    by_task = {t: v for t, v in by_task.items() if v}
    if not by_task:
        return None
    first = next(iter(by_task.values()))[0]
    settings = first["settings"]
    seeds = ", ".join(str(x) for x in first["seeds"])
    lines = ["## Later events and unseen actors", "",
             f"Macro-F1 of each model (seed {seeds}) on three test sets, with 95% bootstrap intervals over articles "
             f"({first['n_boot']} resamples); only gold statements are scored (weak labels may train). "
             "**Random split**: the held-out test articles above. "]
    t = first.get("temporal")
    if t:
        ts = settings["temporal"]
        kept = "dropped" if ts["straddling"] == "drop" else f"kept whole on the {ts['straddling']} side"
        how_cut = (f"the {ts['cutoff']} quantile of the gold statements' dates" if isinstance(ts["cutoff"], float)
                   else "as configured")
        lines[-1] += (f"**Temporal**: all labeled statements pooled; trained on those dated {t['train_dates'][0]} to "
                      f"{t['train_dates'][1]} (cut-off {t['cutoff']}, {how_cut}; dev for early stopping: the "
                      f"{'latest' if ts['dev'] == 'latest' else 'randomly drawn'} {ts['dev_fraction']:.0%} of the "
                      f"training groups), tested on {t['n_test']} gold statements from {t['test_dates'][0]} to "
                      f"{t['test_dates'][1]}; a group (article, near-duplicate cluster, shared quote) with statements "
                      f"on both sides of the cut-off is {kept} "
                      f"({t['straddling_groups']} such groups). ")
    a = first.get("actor")
    if a:
        ac = settings["actor"]
        how = (f"in {a['n_folds']} folds (one model per fold)" if ac.get("folds") else "one at a time")
        chosen = ("the listed actors" if ac.get("actors") else
                  f"every actor with at least {ac['min_statements']} gold statements")
        held = ", ".join(a["held_out_actors"])
        lines[-1] += (f"**Leave-one-actor-out**: {chosen} ({held}) held out {how}; each model "
                      "trains without the held-out actors' statements and without every article group that quotes "
                      "them, and the held-out statements are pooled into one score. ")
    lines[-1] += ("The three test sets differ, and so do the training sets (the temporal model sees only the earlier "
                  "period; a leave-actor-out model loses the articles that quote its held-out actors), so a gap "
                  "mixes the shift with less training data. A gap's interval resamples the articles of both test "
                  "sets independently. A model with a sweep (see Sweeps) reruns it inside every temporal split and "
                  "actor fold, on that split's own training and dev rows, so no setting is chosen on statements "
                  "the split tests on (the points chosen are in each scheme's `sweeps.json`).")
    lines.append("")
    for task, summaries in by_task.items():
        lines += [f"### {task.capitalize()} under shift", "", shift_table(summaries, task), ""]
        sizes = []
        for s in sorted(summaries, key=lambda s: -s["random"]["macro_f1"]["mean"]):
            n = [f"random {s['random'].get('n_train')}"]
            if "temporal" in s:
                n.append(f"temporal {s['temporal']['n_train']}")
            if "actor" in s:
                per_fold = s["actor"]["n_train_per_fold"]
                n.append(f"leave-actor-out {min(per_fold)}-{max(per_fold)}")
            sizes.append(f"{s['name'].removeprefix(task + '-')}: {', '.join(n)}")
        lines += ["Training statements: " + "; ".join(sizes) + ".", ""]
        lines += [s["sentence"] for s in sorted(summaries, key=lambda s: -s["random"]["macro_f1"]["mean"])
                  if s.get("sentence")]
        lines.append("")
        actor_table = shift_actor_table(summaries, task)
        if actor_table:
            lines += ["Leave-actor-out macro-F1 per held-out actor [95% CI over articles]. One actor's macro-F1 "
                      "averages over labels with a few statements each, so it is usually below the pooled score; an "
                      "actor with few statements gives a wide interval:", "", actor_table, ""]
    return "\n".join(lines)


def subset_scores(run_dir: Path, old_articles: set[str]) -> tuple[int, float | None, int, float | None]:
    """Seed-mean test macro-F1 of a run on the statements of `old_articles` and on the rest, with their sizes."""
    from sklearn.metrics import f1_score

    old_scores: list[float] = []
    new_scores: list[float] = []
    n_old, n_new = 0, 0
    for seed_dir in sorted(run_dir.glob("seed_*")):
        path = seed_dir / "predictions_test.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        old = [r for r in rows if r.get("article_id") in old_articles]
        new = [r for r in rows if r.get("article_id") not in old_articles]
        n_old, n_new = len(old), len(new)
        for subset, scores in ((old, old_scores), (new, new_scores)):
            if subset:
                scores.append(f1_score([r["gold"] for r in subset], [r["pred"] for r in subset], average="macro",
                                       zero_division=0))
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    return n_old, mean(old_scores), n_new, mean(new_scores)


def pinned_section(exp: "ExperimentConfig", paths: "Paths", card: dict) -> str | None:
    """With a pinned split: every run's test macro-F1 on the pinned (earlier) test statements and on the new ones,
    so a grown corpus's results can be compared with the earlier ones on the same statements."""
    from stance.dataset.splits import read_pinned

    pinned = card.get("split", {}).get("pinned")
    if not pinned or not Path(pinned["file"]).exists():
        return None
    old_articles = set(read_pinned(pinned["file"]))
    rows = []
    for task, tcfg in exp.tasks.items():
        for model_config in tcfg.models:
            run_dir = paths.run_dir(task, model_config.stem)
            if (run_dir / "summary.json").exists():
                n_old, f_old, n_new, f_new = subset_scores(run_dir, old_articles)
                fmt = lambda f: "n/a" if f is None else f"{f:.3f}"  # noqa: E731
                rows.append([task, model_config.stem, n_old, fmt(f_old), n_new, fmt(f_new)])
    if not rows:
        return None
    return "\n".join([
        "### Earlier and new test statements", "",
        f"The split is pinned: the articles listed in `{pinned['file']}` keep the split they had, so their test "
        "statements are the earlier test split, scored here by models trained on the grown corpus (compare with "
        "the earlier report's numbers), next to the test statements added since (seed-mean macro-F1, no intervals):",
        "", markdown.table(["task", "model", "earlier test statements", "macro-F1", "new test statements",
                            "macro-F1"], rows), ""])


def sweep_section(exp: "ExperimentConfig", paths: "Paths") -> str | None:
    """The sweep tables of every run that has one (chosen point in bold), or None."""
    from stance.training.sweep import sweep_markdown

    parts = []
    for task, tcfg in exp.tasks.items():
        for model_config in tcfg.models:
            path = paths.run_dir(task, model_config.stem) / "sweep.json"
            if path.exists():
                table = _json(path)
                parts += [f"**{task} / {model_config.stem}** ({len(table['rows'])} points, first seed):", "",
                          sweep_markdown(table)]
    if not parts:
        return None
    return "\n".join(["### Sweeps", "", "Each grid point was trained on train and scored on dev (or by "
                      "article-grouped cross-validation on train); the point in bold was then trained with every "
                      "seed and scored on test once.", "", *parts])


def write_report(exp: "ExperimentConfig", paths: "Paths", experiment_path: Path, html: bool = True) -> Path:
    """Draw every figure and write REPORT.md under `exp.report_dir` (and, with `html`, the interactive
    index.html beside it, `stance.experiment.report.html`); return the REPORT.md path."""
    from stance.extraction.actors import load_registry

    out = Path(exp.report_dir)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    card = _json(paths.dataset / "card.json")
    df, label_names = dataset_frame(paths.dataset)
    gold = df[df["label_source"] == "gold"]
    registry = load_registry(exp.actors)
    names = {a: (actor.name if registry and (actor := registry.get(a)) else a) for a in gold["actor_id"].dropna()}
    actors = timeline_actors(exp, gold, names)
    events = [(e.date.isoformat(), e.label) for e in exp.timeline.events]
    tl = exp.timeline
    data_caption = (f"Data: {card['name']} ({card['total']['rows']} gold statements, {card['total']['articles']} "
                    f"articles, {gold['date'].min()} to {gold['date'].max()}).")
    written: dict[str, str] = {}
    sections: list[str] = []
    timeline_shares: dict[str, pd.DataFrame] = {}
    timeline_predictions: dict[str, pd.DataFrame] = {}
    timeline_models: dict[str, str] = {}

    # 1-2. label shares over time, gold and cross-fitted predictions
    for task in exp.tasks:
        labels = label_names[task]
        frame = gold[["actor_id", "date", "article_id", task]].rename(columns={task: "label"}).assign(source="gold")
        pred, run = crossfit_frame(paths.crossfit / task)
        timeline_predictions[task] = pred
        pred = pred[pred["label_source"] == "gold"][["actor_id", "date", "article_id", "pred"]]
        frame = pd.concat([frame, pred.rename(columns={"pred": "label"}).assign(source="predicted")])
        frame = frame.dropna(subset=["label", "date", "actor_id"])
        shares = label_shares(frame, labels, tl.period, n_boot=tl.n_boot)
        atomic.write_text(fig_dir / f"{task}_over_time.csv", shares.to_csv(index=False))
        timeline_shares[task] = shares
        model = run.removeprefix(f"{task}-")
        timeline_models[task] = model
        caption = (f"{data_caption} Predicted: {model}, {tl.crossfit_folds}-fold article-grouped cross-fitting "
                   f"(each statement predicted by a model that never saw its article). Bands: 95% bootstrap over "
                   f"articles; periods with < {tl.min_statements} statements omitted; period = {tl.period}.")
        figures.plot_label_timeline(shares, labels, actors, events,
                                    f"{task.capitalize()} over time per actor: share of each label", caption,
                                    fig_dir / f"{task}_over_time", min_statements=tl.min_statements)
        written[f"{task}_over_time"] = f"figures/{task}_over_time.png"

    # 3-4. model comparison and confusion matrices
    comparison, confusions = [], []
    for task in exp.tasks:
        evaluation = _json(paths.evaluation / task / "evaluation.json")
        table, frame = results_table(evaluation, task)
        comparison.append(frame)
        families = exp.headline.families()
        headline = headline_comparison(evaluation, task, paths.runs, families)
        sections.append(f"### {task.capitalize()}\n\n{table}\n\n" + (f"{headline}\n\n" if headline else "")
                        + "Paired tests on the same test statements (difference of seed-mean macro-F1; each pair "
                          "oriented so that a is the learned non-TF-IDF model, or else the model with the higher "
                          "mean; "
                          f"two-sided p):\n\n{paired_table(evaluation, task)}\n")
        for key, by_type, title in (("baseline", is_tfidf, "best TF-IDF on dev"),
                                    ("challengers", is_challenger, "best model without TF-IDF on dev")):
            if families[key]:
                title = f"best on dev of {', '.join(families[key])}"
            name = _best_of(evaluation, task, paths.runs, _family(families, key, by_type, task))
            if name:
                r = evaluation["runs"][name]
                confusions.append((f"{task}: {name.removeprefix(task + '-')} ({title})",
                                   r["labels"], r["confusion_sum_over_seeds"]))
    model_caption = f"{data_caption} Held-out test articles; models trained on train, early-stopped on dev."
    figures.plot_model_comparison(pd.concat(comparison, ignore_index=True), model_caption,
                                  fig_dir / "model_comparison")
    written["model_comparison"] = "figures/model_comparison.png"
    figures.plot_confusions(confusions, model_caption, fig_dir / "confusion_matrices")
    written["confusion_matrices"] = "figures/confusion_matrices.png"
    reliability = reliability_frame(paths, exp)
    if not reliability.empty:
        figures.plot_reliability(reliability, model_caption, fig_dir / "reliability")
        written["reliability"] = "figures/reliability.png"

    # earlier (pinned) and new test statements, when the corpus grew
    subsets = pinned_section(exp, paths, card)
    if subsets:
        sections.append(subsets)

    # sweeps: every grid point's dev score, for the runs whose config has a sweep
    sweeps = sweep_section(exp, paths)
    if sweeps:
        sections.append(sweeps)

    # evaluation under shift (temporal split, leave-actor-out), when the experiment ran it
    shift_dir = getattr(paths, "shift", Path(paths.work) / "shift")
    shift = shift_section(shift_dir, list(exp.tasks)) if getattr(exp, "shift", None) is not None else None
    if shift:
        sections.append(shift)

    # 5. learning curve
    curves = [pd.DataFrame(_json(f)["results"]) for f in sorted(paths.learning_curve.glob("*/learning_curve.json"))]
    if curves:
        curve = pd.concat(curves, ignore_index=True)
        curve["model"] = [m.split("-", 1)[1] for m in curve["model"]]
        figures.plot_learning_curve(curve, f"{data_caption} Nested article-grouped subsamples of train; test split "
                                           f"fixed.", fig_dir / "learning_curve")
        written["learning_curve"] = "figures/learning_curve.png"

    # 6. label distribution per actor
    dist_actors = [(a, names.get(a, a)) for a in gold["actor_id"].dropna().value_counts().head(15).index]
    for task in exp.tasks:
        figures.plot_label_distribution(gold[["actor_id", task]].rename(columns={task: "label"}), label_names[task],
                                        dist_actors,
                                        f"{task.capitalize()} labels per actor (gold, 15 most quoted actors)",
                                        data_caption, fig_dir / f"{task}_by_actor")
        written[f"{task}_by_actor"] = f"figures/{task}_by_actor.png"

    report = render_report(exp, paths, card, sections, written, experiment_path)
    path = out / "REPORT.md"
    atomic.write_text(path, report)
    if html:
        _write_html(exp, out, gold, label_names, actors, events, timeline_shares, timeline_predictions,
                    timeline_models, report, fig_dir)
    return path


def _write_html(exp: "ExperimentConfig", out: Path, gold: pd.DataFrame, label_names: dict[str, list[str]],
                actors: list[tuple[str, str]], events: list[tuple[str, str]], shares: dict[str, pd.DataFrame],
                predictions: dict[str, pd.DataFrame], models: dict[str, str], report: str, fig_dir: Path) -> Path:
    """The interactive index.html from what the report has computed (stance.experiment.report.html)."""
    from stance.corpus.readers import read_articles
    from stance.experiment.report.html import statement_records, write_html

    tasks = list(exp.tasks)
    articles = {a.id: {"title": a.title, "urls": list(a.source_urls)} for a in read_articles(exp.articles).articles
                if a.id in set(gold["article_id"])}
    statements = statement_records(gold.sort_values(["date", "statement_id"], kind="stable"), predictions, tasks,
                                   exp.timeline.period)
    figures = {name: fig_dir / f"{stem}.png" for stem, name in (
        ("model_comparison", "Model comparison"), ("confusion_matrices", "Confusion matrices"),
        ("reliability", "Calibration (reliability diagrams)"), ("learning_curve", "Learning curve"))}
    return write_html(out, f"{exp.name}: interactive report", tasks, {t: label_names[t] for t in tasks}, actors,
                      events, shares, statements, articles, report, figures, models)


def _counts_table(counts: dict[str, int], header: str) -> str:
    total = sum(counts.values()) or 1
    return markdown.table([header, "statements", "share"], [[k, v, f"{v / total:.1%}"] for k, v in counts.items()])


def render_report(exp: "ExperimentConfig", paths: "Paths", card: dict, sections: list[str], written: dict[str, str],
                  experiment_path: Path) -> str:
    """The Markdown text of REPORT.md."""
    rel = lambda p: Path(p).as_posix()  # noqa: E731 - paths in the report are repo-relative
    splits = card["splits"]
    lines = [f"# {exp.name}: report", "", exp.description.strip(), "",
             "## How to regenerate", "", "```bash", f"stance reproduce {rel(experiment_path)}   # every stage, cached",
             f"stance report {rel(experiment_path)}      # figures and this file from saved outputs", "```", "",
             f"Stage outputs: `{rel(paths.work)}/` (dataset, run folders with per-seed predictions, evaluation, "
             f"learning curves, cross-fitted predictions).", "",
             "## Data", "",
             f"{card['total']['rows']} gold statements from {card['total']['articles']} articles "
             f"(split: {card['split']['strategy']}, seed {card['split']['seed']}; grouped by article, near-duplicate "
             f"cluster and identical statement text; leakage check: {card['leakage_check']}).", "",
             markdown.table(["split", "statements", "articles"], [[s, v["rows"], v["articles"]]
                                                                  for s, v in splits.items()]), "",
             _counts_table(card["total"]["labels"], "stance"), "",
             _counts_table({k: v for k, v in card["total"]["sentiment"].items() if v}, "sentiment"), "",
             f"The full dataset card is `{rel(paths.dataset)}/README.md`.", ""]
    extraction = paths.extraction / "metrics.json"
    if extraction.exists():
        m = _json(extraction)
        lines += ["## Extraction", "",
                  f"`stance extract` against the gold statements ({m['match_rule']}): precision {m['precision']:.3f}, "
                  f"recall {m['recall']:.3f}, F1 {m['f1']:.3f}; exact spans: precision {m['exact_precision']:.3f}, "
                  f"recall {m['exact_recall']:.3f}; speaker (actor) accuracy on matched statements "
                  f"{m['actor_accuracy']:.3f}. Recall by kind: "
                  + ", ".join(f"{k} {v:.3f} (n={m['gold_by_kind'][k]})" for k, v in m["recall_by_kind"].items())
                  + f". Mismatches: `{rel(paths.extraction)}/mismatches.jsonl`.", ""]
    lines += ["## Results on held-out test articles", "",
              "Macro-F1: mean ± sample standard deviation over seeds; 95% confidence interval by bootstrap over "
              f"test articles ({exp.n_boot} resamples) of the seed-mean macro-F1. ECE: expected calibration error "
              "(10 bins). Model selection (early stopping, the timeline's 'best' model) uses dev, never test.", ""]
    lines += sections
    for key, title in (("model_comparison", "Model comparison"), ("confusion_matrices", "Confusion matrices"),
                       ("reliability", "Calibration (reliability diagrams)"),
                       ("learning_curve", "Learning curve"), ("stance_over_time", "Stance over time"),
                       ("sentiment_over_time", "Sentiment over time"), ("stance_by_actor", "Stance per actor"),
                       ("sentiment_by_actor", "Sentiment per actor")):
        if key in written:
            lines += [f"## {title}", "", f"![{title}]({written[key]})", ""]
    lines += ["## Files", "", "Every figure is also saved as SVG next to its PNG; the shares behind the timelines are "
              "in `figures/*_over_time.csv`.", ""]
    return "\n".join(lines)
