"""Shared fixtures: the notebooks executed once per test session in fast mode.

The build lives in ``tools/`` at the repository root, importable because pytest puts the root
on ``sys.path`` (``pythonpath`` in pyproject.toml); its commands run from the root, as the
Makefile runs them.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.paths import BUILD_DIR, NOTEBOOKS_DIR, ROOT


@dataclass
class FastBuild:
    """Where the fast-mode run put things, and how each notebook ended."""

    root: Path
    notebooks: Path
    figures: Path
    results: dict  # notebook stem -> CompletedProcess


def _execute(src, build):
    out = build.notebooks / src.name
    cmd = [
        sys.executable,
        "-m",
        "tools.run_notebook",
        str(src),
        str(out),
        "--figures",
        str(build.figures),
        "--fast",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), cwd=ROOT)


@pytest.fixture(scope="session")
def fast_build():
    """Execute every notebook in fast mode into build/test/, two at a time."""
    root = BUILD_DIR / "test"
    build = FastBuild(root, root / "notebooks", root / "figures", {})
    build.figures.mkdir(parents=True, exist_ok=True)
    for old in build.figures.glob("*.png"):
        old.unlink()
    sources = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        for src, proc in zip(sources, pool.map(lambda s: _execute(s, build), sources), strict=True):
            build.results[src.stem] = proc
    return build
