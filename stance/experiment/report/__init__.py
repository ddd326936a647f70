"""Figures and the Markdown report, drawn from saved outputs (no retraining)."""
