"""The package a student installs: light to import, and complete without the repository.

The wheel is built with the locked hatchling and installed by pip, both without a network
(``--no-build-isolation``, ``--no-index``); that takes some seconds, so those tests are slow.
"""

import os
import subprocess
import sys
import zipfile

import pytest

from tools.paths import ROOT

IMPORT_IS_LIGHT = """
import sys
import cross_entropy_mle
heavy = sorted(m for m in ("pymc", "pytensor") if m in sys.modules)
assert not heavy, f"import cross_entropy_mle loaded {heavy}"
"""

SMALL_FIT = """
import numpy as np
import cross_entropy_mle as ce

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 2))
y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
f = ce.fit_cross_entropy(X, y)
assert f.converged
print(ce.__file__)
"""


def _python(code, **kwargs):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, **kwargs)


def test_import_does_not_load_pymc():
    proc = _python(IMPORT_IS_LIGHT)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel of the project, built offline with the locked hatchling (no build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--quiet",
        "-w",
        str(out),
        str(ROOT),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("cross_entropy_mle-*.whl")
    return path


@pytest.mark.slow
def test_wheel_holds_the_library_and_not_the_build(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert "cross_entropy_mle/__init__.py" in modules
    assert "cross_entropy_mle/config.py" in modules
    assert "cross_entropy_mle/pymc/__init__.py" in modules, "the PyMC subpackage is missing"
    assert not [n for n in names if "run_notebook" in n or "build_site" in n]
    assert not [n for n in modules if not n.startswith("cross_entropy_mle/")], modules


@pytest.mark.slow
def test_installed_wheel_fits_outside_the_repository(wheel, tmp_path):
    """Installed (not editable) into a directory of its own and run from elsewhere."""
    site = tmp_path / "site"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        "--target",
        str(site),
        str(wheel),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSS_ENTROPY_MLE_")}
    env["PYTHONPATH"] = str(site)
    # -P: the working directory is not put on sys.path (nor is anything else but PYTHONPATH).
    proc = subprocess.run(
        [sys.executable, "-P", "-c", SMALL_FIT],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(site)), proc.stdout
