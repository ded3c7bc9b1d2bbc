"""Checks on every notebook in notebooks/: the committed sources, and their fast-mode execution.

The static checks read the sources; the slow ones use the session fixture ``fast_build``
(tests/conftest.py), which executes every notebook once in fast mode into build/test/.
"""

import os
import re
import subprocess
import sys
from collections import Counter

import nbformat
import pytest

from tools.paths import NOTEBOOKS_DIR, ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
by_stem = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])

#: ``save_figure(<figure expression>, "name")``, the name a plain string literal (not an f-string).
SAVE_FIGURE = re.compile(
    r"""save_figure\((?:[^()]|\([^()]*\))*?,\s*(?<![fF])["']([^"'{}]+)["']\s*,?\s*\)"""
)
#: A warning or a traceback in any text output.
WARNING_TEXT = re.compile(r"\w*Warning\b|Traceback \(most recent call last\)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # terminal colours in nbclient's tracebacks
SEED_LINE = re.compile(r"^RANDOM_SEED\s*=\s*[\d_]+\s*(#.*)?$", re.MULTILINE)


def _read(path):
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _figure_names(nb):
    return [name for cell in _code_cells(nb) for name in SAVE_FIGURE.findall(cell.source)]


def _tail(text, n=3000):
    text = ANSI.sub("", text or "")
    return text[-n:] if text else "(empty)"


def _text_outputs(cell):
    """(kind, text) for each textual output of a code cell."""
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            yield out.get("name", "stream"), out.get("text", "")
        elif kind in ("execute_result", "display_data"):
            yield kind, out.get("data", {}).get("text/plain", "")
        elif kind == "error":
            yield "error", f"{out.get('ename')}: {out.get('evalue')}"


# --- the committed sources ---------------------------------------------------------------------


def test_the_figure_name_pattern_finds_literal_names():
    source = (
        'save_figure(fig, "nll-surface")\nsave_figure(pc.get_viz("figure"), \'trace\')\n'
        'save_figure(fig, f"curve-{k}")\nsave_figure(\n    fig,\n    "multi-line",\n)'
    )
    assert SAVE_FIGURE.findall(source) == ["nll-surface", "trace", "multi-line"]


@by_stem
def test_source_is_committed_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them"


@by_stem
def test_sets_random_seed(path):
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert SEED_LINE.search(sources), f"{path.name} does not set RANDOM_SEED = <int>"
    assert "np.random.default_rng(RANDOM_SEED)" in sources, f"{path.name} does not seed a Generator"


@by_stem
def test_ends_with_the_watermark_cell(path):
    last = _read(path).cells[-1]
    assert last.cell_type == "code", f"{path.name}: the last cell is {last.cell_type}, not code"
    assert "%load_ext watermark" in last.source and "%watermark" in last.source.replace(
        "%load_ext watermark", ""
    ), f"{path.name}: the last cell is not the watermark cell"


@by_stem
def test_has_exercises_with_folded_solutions(path):
    """2-3 exercises; each solution is a dropdown, and the cells that execute it are folded
    whole (``hide-cell``), so their printed answers do not show before the reader tries."""
    nb = _read(path)
    solutions, unfolded, in_solution = 0, [], False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            in_solution = ":::{dropdown} Solution" in cell.source
            solutions += in_solution
        elif in_solution and "hide-cell" not in cell.metadata.get("tags", []):
            unfolded.append(i)
    assert 2 <= solutions <= 3, f"{path.name}: {solutions} exercise solutions, want 2 or 3"
    assert not unfolded, f"{path.name}: solution cells {unfolded} are not tagged hide-cell"


def test_figure_names_are_unique_across_notebooks():
    names = Counter(name for path in NOTEBOOKS for name in _figure_names(_read(path)))
    assert not [n for n, c in names.items() if c > 1], f"figure names used twice: {names}"


# --- the fast-mode execution -------------------------------------------------------------------


@pytest.mark.slow
@by_stem
def test_executes_in_fast_mode(path, fast_build):
    proc = fast_build.results[path.stem]
    assert proc.returncode == 0, (
        f"{path.name} failed in fast mode (exit {proc.returncode})\n"
        f"--- stderr (tail) ---\n{_tail(proc.stderr)}\n--- stdout (tail) ---\n{_tail(proc.stdout)}"
    )


@pytest.mark.slow
@by_stem
def test_writes_every_figure_it_names(path, fast_build):
    names = _figure_names(_read(path))
    missing = [n for n in names if not (fast_build.figures / f"{n}.png").is_file()]
    assert not missing, (
        f"{path.name} names {missing} in save_figure calls but did not write them to "
        f"{fast_build.figures} (exit {fast_build.results[path.stem].returncode})"
    )


@pytest.mark.slow
@by_stem
def test_outputs_have_no_stderr_warning_error_or_traceback(path, fast_build):
    executed = fast_build.notebooks / path.name
    assert executed.is_file(), (
        f"{path.name} was not executed: {_tail(fast_build.results[path.stem].stderr)}"
    )
    problems = []
    for index, cell in enumerate(_read(executed).cells):
        for kind, text in _text_outputs(cell):
            # Nothing may reach stderr (warnings, sampler logs, progress bars): the HTML shows it.
            if kind in ("error", "stderr") or WARNING_TEXT.search(text):
                problems.append(f"cell {index} ({kind}): {text.strip()[:500]}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.slow
def test_a_second_run_gives_the_same_numbers_and_figures(fast_build, tmp_path):
    src = NOTEBOOKS_DIR / "01_generative_process.ipynb"
    if not src.is_file():
        pytest.skip("notebook 01 is not there")
    first = fast_build.notebooks / src.name
    assert first.is_file(), "notebook 01 did not execute in the fast build"
    second, figures = tmp_path / src.name, tmp_path / "figures"
    cmd = [
        sys.executable,
        "-m",
        "tools.run_notebook",
        str(src),
        str(second),
        "--figures",
        str(figures),
        "--fast",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT)
    assert proc.returncode == 0, _tail(proc.stderr)

    def numbers(nb):  # stdout and results of every code cell but the watermark
        return [
            [text for kind, text in _text_outputs(cell) if kind != "stderr"]
            for cell in _code_cells(nb)[:-1]
        ]

    run1, run2 = numbers(_read(first)), numbers(_read(second))
    differing = [i for i, (a, b) in enumerate(zip(run1, run2, strict=True)) if a != b]
    assert len(run1) == len(run2) and not differing, (
        f"code cells {differing} printed different output"
    )
    for name in _figure_names(_read(src)):
        assert (figures / f"{name}.png").read_bytes() == (
            fast_build.figures / f"{name}.png"
        ).read_bytes(), name
