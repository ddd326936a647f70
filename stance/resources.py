"""Where the configuration that ships with the package lives.

Label schemes, labeling functions and actor registries are YAML under `configs/` in a checkout;
a wheel carries the same files as `stance/configs/<kind>/` (pyproject.toml maps them), so
`load_scheme("stance5")` and the `rules` model work after a regular install too.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def config_dir(kind: str) -> Path:
    """The folder of shipped configs of `kind` ("schemes", "labeling", "actors"): the copy inside
    an installed package, else the checkout's configs/<kind>."""
    installed = _PACKAGE / "configs" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "configs" / kind
