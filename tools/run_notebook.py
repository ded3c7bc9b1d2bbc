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
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

from .paths import FIGURES_DIR

SEED_LINE = re.compile(r"^RANDOM_SEED = [0-9_]+$", re.MULTILINE)


def set_seed(nb, seed):
    """Replace the notebook's ``RANDOM_SEED = <int>`` line by ``RANDOM_SEED = seed``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and SEED_LINE.search(cell.source):
            cell.source = SEED_LINE.sub(f"RANDOM_SEED = {int(seed)}", cell.source, count=1)
            return nb
    raise ValueError("the notebook has no line 'RANDOM_SEED = <int>' to replace with --seed")


def run(src, out, figures=FIGURES_DIR, fast=False, seed=None, timeout=1800):
    """Execute ``src`` and write it to ``out``; return the list of figure files written.

    With ``seed``, the notebook's ``RANDOM_SEED = <int>`` line is replaced before execution (the
    executed copy shows the seed used).
    """
    src, out, figures = Path(src), Path(out), Path(figures)
    nb = nbformat.read(src, as_version=4)
    if seed is not None:
        set_seed(nb, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="figures-", dir=out.parent) as tmp:
        # Absolute: the kernel runs in the notebook's directory, not in this one.
        env = {
            "CROSS_ENTROPY_MLE_FIGURES": str(Path(tmp).resolve()),
            "CROSS_ENTROPY_MLE_FAST": "1" if fast else "0",
        }
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            # IPC sockets in the temporary directory, not TCP: local only, and no warning from
            # ipykernel about unencrypted TCP on stderr.
            config = Config()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = str(Path(tmp) / "kernel")
            client = NotebookClient(
                nb,
                config=config,
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
        # How it ran, for the site's gallery (tools/build_site.py) and for the reader.
        nb.metadata["cross_entropy_mle"] = {
            "mode": "fast" if fast else "full",
            "seconds": round(time.perf_counter() - start, 1),
            "seed": seed,
        }
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
    parser.add_argument(
        "--seed", type=int, help="replace the notebook's RANDOM_SEED = <int> line by this seed"
    )
    parser.add_argument("--verbose", action="store_true", help="also list the figures written")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    written = run(args.src, args.out, args.figures, args.fast, args.seed)
    seconds = time.perf_counter() - start
    mode = ("fast" if args.fast else "full") + ("" if args.seed is None else f", seed {args.seed}")
    print(f"{Path(args.src).stem:<40} {seconds:6.1f} s  ({mode}, {len(written)} figures)")
    if args.verbose:
        print(f"  figures: {', '.join(p.name for p in written) or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
