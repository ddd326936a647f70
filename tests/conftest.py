"""Test-wide settings: fits run in the test process (tests monkeypatch functions that worker
processes would not see); tests/test_parallel.py turns the worker processes on where it checks them."""
import os

os.environ["STANCE_JOBS"] = "1"
