"""Datasets to models: run configs, training over seeds, sweeps, cross-fitting and prediction."""
