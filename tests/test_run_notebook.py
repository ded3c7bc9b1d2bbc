"""Atomic notebook execution: figures and the executed notebook appear only on success."""

import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tools import run_notebook
from tools.paths import ROOT

pytestmark = pytest.mark.slow

SAVE_CELL = """\
import matplotlib.pyplot as plt
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
path = save_figure(fig, "tiny-line")
print(path.parent.name.startswith("figures-"), fast_mode())
"""

# The kernel runs where the notebook is, as in Jupyter: relative paths and figures_dir()'s
# search for the repository start there.
CWD_CELL = "from pathlib import Path\nprint(Path.cwd())"


def write_notebook(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def layout(tmp_path):
    src_dir, out_dir, figures = tmp_path / "src", tmp_path / "build", tmp_path / "figures"
    src_dir.mkdir()
    return src_dir, out_dir, figures


def leftovers(out_dir):
    return sorted(
        p.name for p in out_dir.iterdir() if p.name.startswith("figures-") or p.suffix == ".tmp"
    )


def test_successful_run_moves_figures_and_writes_the_notebook(layout, capsys):
    src_dir, out_dir, figures = layout
    src = write_notebook(src_dir / "tiny.ipynb", SAVE_CELL, "x = 1 + 1\nx", CWD_CELL)
    env_before = {
        k: os.environ.get(k) for k in ("CROSS_ENTROPY_MLE_FIGURES", "CROSS_ENTROPY_MLE_FAST")
    }
    # Through the command line, as the Makefile runs it.
    run_notebook.main(
        [str(src), str(out_dir / "tiny.ipynb"), "--figures", str(figures), "--fast", "--verbose"]
    )
    summary, figure_line = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"tiny +\d+\.\d s  \(fast, 1 figures\)", summary), summary
    assert figure_line.strip() == "figures: tiny-line.png"
    assert sorted(p.name for p in figures.iterdir()) == ["tiny-line.png"]
    assert (figures / "tiny-line.png").read_bytes().startswith(b"\x89PNG")
    nb = nbformat.read(out_dir / "tiny.ipynb", as_version=4)
    # The figure was written to a temporary directory, in fast mode.
    assert nb.cells[0].outputs[0]["text"].strip() == "True True"
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert nb.cells[2].outputs[0]["text"].strip() == str(src_dir.resolve())
    assert leftovers(out_dir) == []
    assert {k: os.environ.get(k) for k in env_before} == env_before
    # The source notebook is not modified.
    assert all(not cell.get("outputs") for cell in nbformat.read(src, as_version=4).cells)


def test_failing_run_names_the_cell_and_leaves_previous_outputs(layout):
    src_dir, out_dir, figures = layout
    figures.mkdir()
    out_dir.mkdir()
    old_figure = figures / "tiny-line.png"
    old_figure.write_bytes(b"previous figure")
    old_notebook = out_dir / "broken.ipynb"
    old_notebook.write_text("previous notebook")
    src = write_notebook(
        src_dir / "broken.ipynb", SAVE_CELL, "y = 2", "raise RuntimeError('deliberate failure')"
    )
    with pytest.raises(SystemExit) as info:
        run_notebook.run(src, old_notebook, figures=figures, fast=False)
    message = str(info.value)
    assert str(src) in message
    assert "cell #2" in message
    assert "deliberate failure" in message
    assert old_figure.read_bytes() == b"previous figure"
    assert old_notebook.read_text() == "previous notebook"
    assert sorted(p.name for p in figures.iterdir()) == ["tiny-line.png"]
    assert leftovers(out_dir) == []


def test_command_line_from_another_directory_with_relative_paths(layout):
    """As the Makefile runs it (relative paths), the figures still reach the figures directory."""
    src_dir, out_dir, figures = layout
    write_notebook(src_dir / "tiny.ipynb", SAVE_CELL)
    cmd = [
        sys.executable,
        "-m",
        "tools.run_notebook",
        "src/tiny.ipynb",
        "build/tiny.ipynb",
        "--figures",
        "figures",
        "--verbose",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=src_dir.parent, env=env)
    assert proc.returncode == 0, proc.stderr
    # One line and the figure list; nothing from the kernel machinery on stderr.
    assert proc.stderr == ""
    assert proc.stdout.splitlines()[0].startswith("tiny ")
    assert "figures: tiny-line.png" in proc.stdout
    assert sorted(p.name for p in figures.iterdir()) == ["tiny-line.png"]
    nb = nbformat.read(out_dir / "tiny.ipynb", as_version=4)
    assert nb.cells[0].outputs[0]["text"].strip() == "True False"
    assert leftovers(out_dir) == []


SEED_CELL = "RANDOM_SEED = 20_240_601\nprint(RANDOM_SEED)"


def test_seed_replaces_the_random_seed_line(layout):
    src_dir, out_dir, figures = layout
    src = write_notebook(src_dir / "seeded.ipynb", "x = 1", SEED_CELL)
    run_notebook.run(src, out_dir / "seeded.ipynb", figures=figures, seed=7)
    nb = nbformat.read(out_dir / "seeded.ipynb", as_version=4)
    assert nb.cells[1].source.startswith("RANDOM_SEED = 7\n")
    assert nb.cells[1].outputs[0]["text"].strip() == "7"
    # Without a seed the notebook's own runs.
    run_notebook.run(src, out_dir / "seeded.ipynb", figures=figures)
    nb = nbformat.read(out_dir / "seeded.ipynb", as_version=4)
    assert nb.cells[1].outputs[0]["text"].strip() == "20240601"


def test_seed_without_a_seed_line_is_an_error(layout):
    src_dir, out_dir, figures = layout
    src = write_notebook(src_dir / "unseeded.ipynb", "SEED = 3")
    with pytest.raises(ValueError, match="RANDOM_SEED = <int>"):
        run_notebook.run(src, out_dir / "unseeded.ipynb", figures=figures, seed=7)
    assert not (out_dir / "unseeded.ipynb").exists()
