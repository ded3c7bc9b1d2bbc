"""environment.yml and pyproject.toml name the same packages, with bounds refusing the old API."""

import tomllib
from importlib.metadata import version

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tools.paths import ROOT

# Conda-only entries of environment.yml that are not Python package requirements.
CONDA_ONLY = {"python", "pip"}
# conda-forge names of PyPI packages that differ from the PyPI name.
CONDA_NAMES = {"python-graphviz": "graphviz"}


@pytest.fixture(scope="module")
def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]


@pytest.fixture(scope="module")
def environment():
    with open(ROOT / "environment.yml") as fh:
        return yaml.safe_load(fh)


def pyproject_requirements(project):
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return {canonicalize_name(r.name): r.specifier for r in reqs}


def conda_requirements(env):
    """Name -> specifier of the packages, from conda-forge or from the ``pip:`` section.

    conda's ``name>=x`` is pip's syntax here; the editable install of the project is skipped.
    """
    out = {}
    for dep in env["dependencies"]:
        for entry in dep["pip"] if isinstance(dep, dict) else [dep]:
            if entry != "-e .":
                req = Requirement(entry)
                name = canonicalize_name(req.name)
                out[CONDA_NAMES.get(name, name)] = req.specifier
    return out


def test_same_packages(pyproject, environment):
    pip = pyproject_requirements(pyproject)
    conda = conda_requirements(environment)
    conda_packages = {name: spec for name, spec in conda.items() if name not in CONDA_ONLY}
    assert set(conda_packages) == set(pip), (
        f"only in environment.yml: {sorted(set(conda_packages) - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - set(conda_packages))}"
    )
    for name, spec in pip.items():
        assert conda_packages[name] == spec, (
            f"{name}: pyproject {spec} vs environment.yml {conda_packages[name]}"
        )


def test_environment_channels_and_editable_install(environment):
    assert environment["channels"] == ["conda-forge", "nodefaults"]
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert len(pip_sections) == 1 and pip_sections[0][-1] == "-e ."
    assert "pip" in conda_requirements(environment)


def test_python_lower_bound_refuses_old_python(pyproject, environment):
    for spec in (
        SpecifierSet(pyproject["requires-python"]),
        conda_requirements(environment)["python"],
    ):
        assert not spec.contains("3.11.7")
        assert spec.contains("3.12.0") and spec.contains("3.13.0")


@pytest.mark.parametrize(
    "name, refused, accepted",
    [
        ("pymc", ["5.28.0", "6.3.9"], ["6.4.0", "6.5.1"]),
        ("arviz", ["0.23.0", "1.2.9"], ["1.3.0", "1.4.0"]),
        ("numpy", ["1.26.4"], ["2.0.0"]),
    ],
)
def test_lower_bounds_refuse_the_old_api(pyproject, environment, name, refused, accepted):
    for spec in (pyproject_requirements(pyproject)[name], conda_requirements(environment)[name]):
        for v in refused:
            assert not spec.contains(v), f"{name}{spec} accepts {v}"
        for v in accepted:
            assert spec.contains(v), f"{name}{spec} refuses {v}"


def test_installed_versions_satisfy_pyproject(pyproject):
    for name, spec in pyproject_requirements(pyproject).items():
        assert spec.contains(version(name), prereleases=True), (
            f"{name} {version(name)} does not satisfy {spec}"
        )


def test_lock_pins_every_declared_package(pyproject):
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            req = Requirement(line.split(";")[0].strip() if ";" in line else line)
            pinned[canonicalize_name(req.name)] = next(iter(req.specifier)).version
    for name, spec in pyproject_requirements(pyproject).items():
        assert name in pinned, f"{name} is not pinned in requirements.lock"
        assert spec.contains(pinned[name], prereleases=True), (
            f"the lock pins {name}=={pinned[name]}, outside {spec}"
        )
