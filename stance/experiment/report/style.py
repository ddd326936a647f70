"""One consistent, colour-blind-safe style for every figure (Okabe-Ito palette)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stance import atomic

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]

# Fixed colours for the labels of the project's schemes, so a label looks the same in every figure.
LABEL_COLOURS = {
    "open": "#009E73", "conditional": "#0072B2", "evasive": "#E69F00", "rejecting": "#D55E00", "none": "#999999",
    "positive": "#009E73", "neutral": "#999999", "negative": "#D55E00",
    "favor": "#009E73", "against": "#D55E00",
}
LINESTYLES = {"gold": "-", "predicted": "--"}


def colours_for(labels: Sequence[str]) -> dict[str, str]:
    """A colour per label: the fixed one if known, else the next Okabe-Ito colour not already in use."""
    used = {LABEL_COLOURS[lab.lower()] for lab in labels if lab.lower() in LABEL_COLOURS}
    spare = [c for c in OKABE_ITO if c not in used] or OKABE_ITO
    out: dict[str, str] = {}
    n_spare = 0
    for lab in labels:
        if lab.lower() in LABEL_COLOURS:
            out[lab] = LABEL_COLOURS[lab.lower()]
        else:
            out[lab] = spare[n_spare % len(spare)]
            n_spare += 1
    return out


def apply_style() -> None:
    """Matplotlib defaults shared by all figures (headless backend, readable sizes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 150, "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
        "legend.fontsize": 8, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.alpha": 0.25, "grid.linewidth": 0.6, "svg.hashsalt": "stance", "svg.fonttype": "none",
    })


def add_caption(fig, text: str) -> None:
    """A caption line under the figure naming data and model."""
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=7.5, color="#333333", wrap=True)


def save(fig, path_stem) -> list[str]:
    """Save `fig` as PNG and SVG (deterministic metadata); return the paths."""
    import matplotlib.pyplot as plt

    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None})):
        path = stem.with_suffix(f".{ext}")
        with atomic.atomic_path(path) as tmp:
            fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", bbox_inches="tight", metadata=meta)
        out.append(str(path))
    plt.close(fig)
    return out
