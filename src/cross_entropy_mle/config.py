"""Run settings of the notebooks: where figures go and whether to run in fast mode.

Environment variables (set by the notebook runner, ``python -m tools.run_notebook``, and by the
tests):

``CROSS_ENTROPY_MLE_FIGURES``
    Directory that :func:`~cross_entropy_mle.plotting.save_figure` writes to. Unset, figures go
    to the ``figures/`` directory of the repository that holds the working directory. The build
    points it at a temporary directory and moves the files into ``figures/`` only when the
    notebook ran to the end.
``CROSS_ENTROPY_MLE_FAST``
    ``1`` selects the fast mode of the notebooks: smaller data sets and fewer posterior draws.

Nothing here depends on where the package is installed: an installed copy (not editable) works
the same.
"""

import os
from pathlib import Path

__all__ = ["fast_mode", "figures_dir"]


def _repository(start):
    """The nearest of ``start`` and its parents that holds ``pyproject.toml`` and ``notebooks/``."""
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file() and (directory / "notebooks").is_dir():
            return directory
    return None


def figures_dir() -> Path:
    """The directory figures are written to.

    Returns
    -------
    pathlib.Path
        ``$CROSS_ENTROPY_MLE_FIGURES`` if it is set; otherwise ``figures/`` in the repository
        found from the working directory upwards (the first directory holding both
        ``pyproject.toml`` and ``notebooks/``). Notebooks run with ``notebooks/`` as their
        working directory, in Jupyter and under the build, so they find it.

    Raises
    ------
    FileNotFoundError
        If the variable is unset and no such repository holds the working directory.
    """
    value = os.environ.get("CROSS_ENTROPY_MLE_FIGURES")
    if value:
        return Path(value)
    cwd = Path.cwd().resolve()
    root = _repository(cwd)
    if root is None:
        raise FileNotFoundError(
            f"no directory for figures: {cwd} is not inside the project's repository (no parent "
            "holds both pyproject.toml and notebooks/); set CROSS_ENTROPY_MLE_FIGURES to the "
            "directory figures should be written to"
        )
    return root / "figures"


def fast_mode() -> bool:
    """Whether the notebooks run in fast mode (``CROSS_ENTROPY_MLE_FAST=1``)."""
    value = os.environ.get("CROSS_ENTROPY_MLE_FAST", "0")
    if value not in ("0", "1"):
        raise ValueError(f"CROSS_ENTROPY_MLE_FAST must be 0 or 1, got {value!r}")
    return value == "1"
