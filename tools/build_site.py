"""Render the executed notebooks and the API as a static site.

Run from the repository root: ``python -m tools.build_site NB... OUT``.

``NB...`` is a directory of executed notebooks (every ``*.ipynb`` in it) or a list of executed
notebook files. Sphinx does the rendering (``docs/conf.py``: myst-nb takes the outputs from the
executed notebooks and runs nothing again; autosummary writes the API pages). This module adds
only what ``sphinx-build`` does not do by itself:

1. it assembles one source directory from two places, a copy of ``docs/`` and the executed
   notebooks under ``notebooks/``, and refuses a notebook that was never executed (myst-nb
   would render it without outputs);
2. it serves MathJax 3 from the site: the files are copied from an installed Python package into
   ``_static/mathjax/``, so the pages make no request outside the site, from a web server or
   from disk;
3. it writes the landing page's gallery (``_gallery.md``, included by ``docs/index.md``): one card
   per notebook with a thumbnail of its first saved figure (or the one named in
   ``docs/notebooks.toml``), its one-line summary from that file and the run time the executed
   notebook records; and it puts two downloads beside each notebook page, the notebook without
   outputs and the executed copy (``downloads/``, linked from ``docs/_templates/downloads.html``);
4. it replaces ``OUT`` atomically: ``sphinx-build -W --keep-going`` renders into a temporary
   directory next to ``OUT`` (any warning fails), which replaces ``OUT`` only when everything
   succeeded. A failed build leaves the previous site untouched.
"""

import argparse
import base64
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import nbformat
from PIL import Image

from .paths import DOCS_DIR

__all__ = [
    "MATHJAX_DISTRIBUTION",
    "MATHJAX_SCRIPT",
    "BuildError",
    "assemble",
    "build",
    "copy_mathjax",
    "gallery_entries",
    "write_downloads",
    "write_gallery",
    "mathjax_dir",
    "notebook_paths",
]

#: The MathJax component the pages load, relative to the MathJax directory; ``docs/conf.py``
#: points ``mathjax_path`` at ``mathjax/`` followed by this name.
MATHJAX_SCRIPT = "tex-chtml.js"
#: Where the MathJax files go in the site.
MATHJAX_SUBDIR = Path("_static") / "mathjax"
# What tex-chtml.js loads on demand (TeX extensions, fonts, menu, accessibility); the other
# combined components are not needed, and latest.js would fetch MathJax from a CDN.
_MATHJAX_SUBDIRS = ("a11y", "adaptors", "input", "output", "sre", "ui")
#: The distribution that ships MathJax's release files (no dependencies; imports as ``mathjax``).
MATHJAX_DISTRIBUTION = "django-static-mathjax"


#: The gallery's text: per notebook, ``summary`` (one line) and optionally ``thumbnail`` (a name
#: the notebook passes to ``save_figure``). Read from the docs directory.
GALLERY_FILE = "notebooks.toml"
#: The landing page includes this file, which the build writes into the source directory.
GALLERY_PAGE = "_gallery.md"
THUMBNAIL_WIDTH = 480  # pixels
DOWNLOADS_SUBDIR = "downloads"
_SAVE_FIGURE = re.compile(r"""save_figure\(\s*[\w.]+\s*,\s*["']([^"']+)["']""")


class BuildError(RuntimeError):
    """The site could not be built; the previous site is left in place."""


def mathjax_dir():
    """The directory of MathJax 3's browser components, from the installed package.

    Returns
    -------
    pathlib.Path
        A directory holding ``tex-chtml.js`` and the files it loads on demand.

    Raises
    ------
    BuildError
        If the package is not installed or is not MathJax 3.
    """
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            "MathJax is not installed: the site serves its own copy, taken from the Python "
            f"package {MATHJAX_DISTRIBUTION!r} (in requirements.lock; `make setup` installs it)"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    es5 = root / "es5"
    try:
        version = json.loads((root / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        version = None
    if not (es5 / MATHJAX_SCRIPT).is_file() or not version or not version.startswith("3."):
        raise BuildError(f"{root} is not a MathJax 3 distribution (version {version!r})")
    return es5


def copy_mathjax(dest):
    """Copy MathJax's ``tex-chtml.js`` and everything it loads on demand into ``dest``."""
    src, dest = mathjax_dir(), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / MATHJAX_SCRIPT, dest / MATHJAX_SCRIPT)
    for sub in _MATHJAX_SUBDIRS:
        shutil.copytree(src / sub, dest / sub, dirs_exist_ok=True)
    return dest


def _check_executed(path):
    """Refuse a notebook whose code cells were never run: its page would have no outputs."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # invalid JSON or not a notebook: nbformat raises several kinds
        raise BuildError(f"{path} is not a readable notebook: {err}") from None
    unrun = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.execution_count is None and c.source.strip()
    ]
    if unrun:
        raise BuildError(
            f"{path} is not executed (code cell #{unrun[0]} has no execution count): "
            "render executed notebooks, e.g. from build/notebooks/"
        )


def notebook_paths(notebooks):
    """The notebook files given as a directory (its ``*.ipynb``) or as an iterable of files."""
    if isinstance(notebooks, str | os.PathLike):
        notebooks = [notebooks]
    paths = []
    for item in map(Path, notebooks):
        if item.is_dir():
            paths += sorted(item.glob("*.ipynb"))
        elif item.suffix == ".ipynb" and item.is_file():
            paths.append(item)
        else:
            raise BuildError(f"{item} is neither a directory nor a notebook file")
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise BuildError(f"two notebooks share a file name: {sorted(names)}")
    return sorted(paths, key=lambda p: p.name)


def assemble(notebooks, src, docs=DOCS_DIR):
    """Fill ``src`` with the pages: ``docs/`` and the executed notebooks under ``notebooks/``."""
    notebooks, src, docs = notebook_paths(notebooks), Path(src), Path(docs)
    if not (docs / "conf.py").is_file():
        raise BuildError(f"{docs} has no conf.py")
    ignore = shutil.ignore_patterns("_build", "generated", "__pycache__", ".*")
    shutil.copytree(docs, src, ignore=ignore, dirs_exist_ok=True)
    (src / "notebooks").mkdir(exist_ok=True)
    for path in notebooks:
        _check_executed(path)
        shutil.copy2(path, src / "notebooks" / path.name)
    return notebooks


def gallery_entries(notebooks, docs=DOCS_DIR):
    """Each notebook's gallery entry from ``docs/notebooks.toml``: ``{stem: {"summary": ...}}``."""
    path = Path(docs) / GALLERY_FILE
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BuildError(f"{path}: cannot read the gallery's summaries: {err}") from None
    entries = {}
    for nb_path in notebook_paths(notebooks):
        entry = table.get(nb_path.stem)
        if not isinstance(entry, dict) or not str(entry.get("summary", "")).strip():
            raise BuildError(
                f"{path} has no summary for {nb_path.stem}: add a table [{nb_path.stem}] with "
                'summary = "one line for the landing page"'
            )
        entries[nb_path.stem] = entry
    return entries


def _title(nb, stem):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise BuildError(f"{stem} has no title (a markdown line starting with '# ')")


def _figure_png(nb, stem, name=None):
    """The PNG shown by the cell that saves figure ``name`` (by default the first saved figure)."""
    for cell in nb.cells:
        names = _SAVE_FIGURE.findall(cell.source) if cell.cell_type == "code" else []
        if names and (name is None or name in names):
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    return base64.b64decode(output["data"]["image/png"])
    which = f"figure {name!r}" if name else "any saved figure"
    raise BuildError(f"{stem}: no cell that saves {which} shows a PNG to use as the thumbnail")


def _run_time(nb):
    run = nb.metadata.get("cross_entropy_mle", {})
    if "seconds" not in run:
        return ""
    return f"Runs in {run['seconds']:.0f} s ({run.get('mode', 'full')} mode)"


def write_gallery(notebooks, src, docs=DOCS_DIR):
    """Write the landing page's gallery and its thumbnails into the source directory ``src``."""
    paths, src = notebook_paths(notebooks), Path(src)
    entries = gallery_entries(paths, docs)
    thumbs = src / "_static" / "thumbnails"
    thumbs.mkdir(parents=True, exist_ok=True)
    cards = []
    for path in paths:
        nb, entry = nbformat.read(path, as_version=4), entries[path.stem]
        with Image.open(io.BytesIO(_figure_png(nb, path.stem, entry.get("thumbnail")))) as img:
            img.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
            img.save(thumbs / f"{path.stem}.png", optimize=True)
        footer = _run_time(nb)
        cards.append(
            f"::::{{grid-item-card}} {_title(nb, path.stem)}\n"
            f":link: notebooks/{path.stem}\n:link-type: doc\n"
            f":img-top: _static/thumbnails/{path.stem}.png\n"
            f":img-alt: a figure from {path.stem}\n:class-card: notebook-card\n\n"
            f"{entry['summary'].strip()}\n"
            + (f"\n:::{{card-footer}}\n{footer}\n:::\n" if footer else "")
            + "::::\n"
        )
    grid = ":::::{grid} 1 2 2 2\n:gutter: 3\n\n" + "\n".join(cards) + ":::::\n" if cards else ""
    (src / GALLERY_PAGE).write_text(grid)
    return src / GALLERY_PAGE


def write_downloads(notebooks, site):
    """Put each notebook beside its page, as ``downloads/NAME.ipynb`` without outputs and
    ``downloads/NAME.executed.ipynb`` as executed."""
    dest = Path(site) / DOWNLOADS_SUBDIR
    dest.mkdir(parents=True, exist_ok=True)
    for path in notebook_paths(notebooks):
        shutil.copy2(path, dest / f"{path.stem}.executed.ipynb")
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("cross_entropy_mle", None)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, dest / path.name)
    return dest


def build(notebooks, out, docs=DOCS_DIR, quiet=True):
    """Build the site from executed notebooks into ``out``, atomically.

    Parameters
    ----------
    notebooks : path-like or iterable of path-like
        A directory of executed notebooks (its ``*.ipynb``) or the notebook files themselves;
        their outputs are rendered as they are, in the order of their file names.
    out : path-like
        The site's directory. It is replaced only when the whole build succeeded.
    docs : path-like
        The Sphinx source: ``conf.py``, the landing page and the API page.
    quiet : bool
        Pass ``-q`` to sphinx-build (warnings and errors are still printed).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    BuildError
        If MathJax is missing, a notebook is not executed or has no summary in
        ``docs/notebooks.toml``, or sphinx-build failed or warned;
        ``out`` is then as it was before.
    """
    out = Path(out).resolve()
    mathjax_dir()  # fail before rendering anything if MathJax is missing
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-build-", dir=out.parent) as tmp:
        tmp = Path(tmp)
        src, new = tmp / "src", tmp / "html"
        copied = assemble(notebooks, src, docs)
        write_gallery(copied, src, docs)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E"]
        cmd += ["-q"] if quiet else []
        cmd += ["-d", str(tmp / "doctrees"), str(src), str(new)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        log = _original_paths(f"{proc.stdout}{proc.stderr}", src, copied, Path(docs))
        if proc.returncode != 0:
            raise BuildError(
                f"sphinx-build failed (exit {proc.returncode}); {out} is unchanged\n{log}".rstrip()
            )
        if log.strip():
            print(log.rstrip(), file=sys.stderr)
        copy_mathjax(new / MATHJAX_SUBDIR)
        write_downloads(copied, new)
        _replace(new, out, tmp / "old")
    return out


def _original_paths(log, src, notebooks, docs):
    """Name the notebooks and pages in sphinx-build's messages by their own paths."""
    for path in notebooks:
        log = log.replace(str(src / "notebooks" / path.name), str(path))
    return log.replace(f"{src}/", f"{docs}/")


def _replace(new, out, graveyard):
    """Put ``new`` in place of ``out``; if the second rename fails, restore the old site."""
    had_old = out.exists()
    if had_old:
        os.replace(out, graveyard)
    try:
        os.replace(new, out)
    except OSError:
        if had_old:
            os.replace(graveyard, out)
        raise


def main(argv=None):
    """Command line: ``python -m tools.build_site NOTEBOOK... OUT_DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="+",
        help="executed notebooks: a directory (e.g. build/notebooks) or .ipynb files",
    )
    parser.add_argument("out", help="the site's directory, e.g. build/html")
    parser.add_argument("--docs", default=str(DOCS_DIR), help="Sphinx source (default: docs/)")
    parser.add_argument("--verbose", action="store_true", help="show sphinx-build's progress")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        out = build(args.notebooks, args.out, args.docs, quiet=not args.verbose)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    n = len(notebook_paths(args.notebooks))
    seconds = time.perf_counter() - start
    print(f"{n} notebook{'' if n == 1 else 's'} -> {out}/index.html in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
