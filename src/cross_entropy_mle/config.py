"""Project paths and run settings, found from the package rather than the working directory.

Environment variables (set by the Makefile and the tests):

``CROSS_ENTROPY_MLE_FIGURES``
    Directory that :func:`~cross_entropy_mle.plotting.save_figure` writes to (default ``figures/``).
    The build points it at a temporary directory and moves the files into ``figures/`` only when
    the notebook ran to the end.
``CROSS_ENTROPY_MLE_FAST``
    ``1`` selects the fast mode of the notebooks: smaller data sets and fewer posterior draws.
"""

import os
from pathlib import Path

__all__ = ["BUILD_DIR", "FIGURES_DIR", "NOTEBOOKS_DIR", "ROOT", "fast_mode", "figures_dir"]

ROOT = Path(__file__).resolve().parents[2]
FIGURES_DIR = ROOT / "figures"
BUILD_DIR = ROOT / "build"
NOTEBOOKS_DIR = ROOT / "notebooks"


def figures_dir():
    """The directory figures are written to: ``$CROSS_ENTROPY_MLE_FIGURES`` or ``figures/``."""
    return Path(os.environ.get("CROSS_ENTROPY_MLE_FIGURES", FIGURES_DIR))


def fast_mode():
    """Whether the notebooks run in fast mode (``CROSS_ENTROPY_MLE_FAST=1``)."""
    value = os.environ.get("CROSS_ENTROPY_MLE_FAST", "0")
    if value not in ("0", "1"):
        raise ValueError(f"CROSS_ENTROPY_MLE_FAST must be 0 or 1, got {value!r}")
    return value == "1"
