"""Each notebook has a text twin (jupytext ``py:percent``) beside it, and the two are in sync.

The ``.py`` files are what a reviewer reads and what ``make lint`` checks; ``make sync`` (that is
``jupytext --sync``) brings the older of a pair up to date after either was edited.
"""

import tomllib

import jupytext
import nbformat
import pytest

from tools.paths import NOTEBOOKS_DIR, ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
by_stem = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def _cells(nb):
    """What a pair must agree on: each cell's kind, source and tags."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]


def test_pairing_is_configured_for_jupytext():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        config = tomllib.load(fh)["tool"]["jupytext"]
    assert config["formats"] == "ipynb,py:percent"


def test_every_text_file_has_its_notebook():
    orphans = [p.name for p in NOTEBOOKS_DIR.glob("*.py") if not p.with_suffix(".ipynb").is_file()]
    assert orphans == [], f"paired .py files without a notebook: {orphans}"


@by_stem
def test_notebook_and_text_file_are_in_sync(path):
    text = path.with_suffix(".py")
    assert text.is_file(), f"{path.name} has no paired {text.name}: run `make sync`"
    notebook = nbformat.read(path, as_version=4)
    paired = jupytext.read(text, fmt="py:percent")
    assert _cells(paired) == _cells(notebook), (
        f"{path.name} and {text.name} differ: run `make sync` (the newer file wins)"
    )
