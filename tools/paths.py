"""The repository's directories, found from this file's location (``tools/`` is at the root)."""

from pathlib import Path

__all__ = ["BUILD_DIR", "DOCS_DIR", "FIGURES_DIR", "NOTEBOOKS_DIR", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]
FIGURES_DIR = ROOT / "figures"
BUILD_DIR = ROOT / "build"
NOTEBOOKS_DIR = ROOT / "notebooks"
DOCS_DIR = ROOT / "docs"
