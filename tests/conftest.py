"""Test-wide settings and fixtures.

Fits run in the test process (tests monkeypatch functions that worker processes would not see);
tests/test_parallel.py turns the worker processes on where it checks them."""
import os

import pytest

os.environ["STANCE_JOBS"] = "1"


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    """A small statement dataset (tests/model_data.py), read-only: 25 articles of 4 statements
    (dates 2025-MM-01..04 within an article), 3 training rows without a sentiment, 4 weak training rows."""
    from model_data import build_dataset

    path = tmp_path_factory.mktemp("data") / "dataset"
    build_dataset(path, n_articles=25, per_article=4, unknown_sentiment=3, weak_train=4)
    return path
