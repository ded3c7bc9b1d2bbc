"""Execute one notebook atomically: ``python -m tools.run_notebook SRC OUT``.

Run from the repository root. The notebook runs in its own directory (the kernel's working
directory is the one holding ``SRC``, as in Jupyter), with its figures directed to a temporary
directory through ``CROSS_ENTROPY_MLE_FIGURES`` and fast mode set through
``CROSS_ENTROPY_MLE_FAST``. Only when every cell succeeded are the figures moved into
``figures/`` (or ``--figures DIR``) and the executed notebook written to ``OUT``; a failure names
the notebook and the failing cell and leaves the previous outputs untouched.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .paths import FIGURES_DIR


def run(src, out, figures=FIGURES_DIR, fast=False, timeout=1800):
    """Execute ``src`` and write it to ``out``; return the list of figure files written."""
    src, out, figures = Path(src), Path(out), Path(figures)
    nb = nbformat.read(src, as_version=4)
    out.parent.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="figures-", dir=out.parent) as tmp:
        # Absolute: the kernel runs in the notebook's directory, not in this one.
        env = {
            "CROSS_ENTROPY_MLE_FIGURES": str(Path(tmp).resolve()),
            "CROSS_ENTROPY_MLE_FAST": "1" if fast else "0",
        }
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            client = NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(src.parent)}},
            )
            client.execute()
        except CellExecutionError as err:
            failing = _failing_cell(nb)
            raise SystemExit(f"{src}: cell {failing} failed\n{err}") from None
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        written = sorted(Path(tmp).glob("*.png"))
        tmp_out = out.with_name(out.name + ".tmp")
        nbformat.write(nb, tmp_out)
        for path in written:
            shutil.move(path, figures / path.name)
        os.replace(tmp_out, out)
    return [figures / p.name for p in written]


def _failing_cell(nb):
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"#{index} (execution count {cell.get('execution_count')})"
    return "(unknown)"


def main(argv=None):
    """Command line: ``python -m tools.run_notebook SRC OUT [--figures DIR] [--fast]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("out")
    parser.add_argument("--figures", default=str(FIGURES_DIR))
    parser.add_argument(
        "--fast", action="store_true", help="run in fast mode (smaller N, fewer draws)"
    )
    args = parser.parse_args(argv)
    written = run(args.src, args.out, args.figures, args.fast)
    print(f"{args.src} -> {args.out}; figures: {', '.join(p.name for p in written) or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
