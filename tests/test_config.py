"""Run settings: the figures directory and fast mode, independent of where the package lives."""

import pytest

from cross_entropy_mle import config
from tools.paths import FIGURES_DIR, NOTEBOOKS_DIR, ROOT


@pytest.fixture
def no_figures_variable(monkeypatch):
    monkeypatch.delenv("CROSS_ENTROPY_MLE_FIGURES", raising=False)


def make_repository(path):
    (path / "notebooks").mkdir(parents=True)
    (path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return path


def test_only_run_settings_are_left_in_the_package():
    assert config.__all__ == ["fast_mode", "figures_dir"]
    for name in ("ROOT", "FIGURES_DIR", "BUILD_DIR", "NOTEBOOKS_DIR"):
        assert not hasattr(config, name), f"config.{name}: repository paths belong to tools.paths"


def test_figures_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no repository here: the variable alone decides
    monkeypatch.setenv("CROSS_ENTROPY_MLE_FIGURES", str(tmp_path / "figs"))
    assert config.figures_dir() == tmp_path / "figs"


@pytest.mark.parametrize("where", [ROOT, NOTEBOOKS_DIR])
def test_figures_dir_of_this_repository(no_figures_variable, monkeypatch, where):
    """From the root or from notebooks/ (where Jupyter and the runner start a kernel)."""
    monkeypatch.chdir(where)
    assert config.figures_dir() == FIGURES_DIR


def test_figures_dir_is_found_upwards_from_the_working_directory(
    no_figures_variable, tmp_path, monkeypatch
):
    repo = make_repository(tmp_path / "clone")
    deep = repo / "notebooks" / "scratch" / "deeper"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert config.figures_dir() == repo.resolve() / "figures"
    assert config.figures_dir().is_absolute()


def test_figures_dir_needs_both_markers(no_figures_variable, tmp_path, monkeypatch):
    """A pyproject.toml alone (some other project) or a notebooks/ alone is not the repository."""
    outer = make_repository(tmp_path / "outer")
    inner = outer / "notebooks" / "other_project"
    (inner / "src").mkdir(parents=True)
    (inner / "pyproject.toml").write_text("[project]\nname = 'other'\n")
    monkeypatch.chdir(inner / "src")
    assert config.figures_dir() == outer.resolve() / "figures"


def test_figures_dir_outside_any_repository_asks_for_the_variable(
    no_figures_variable, tmp_path, monkeypatch
):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'other'\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="set CROSS_ENTROPY_MLE_FIGURES"):
        config.figures_dir()


@pytest.mark.parametrize("value, expected", [("1", True), ("0", False), (None, False)])
def test_fast_mode(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("CROSS_ENTROPY_MLE_FAST", raising=False)
    else:
        monkeypatch.setenv("CROSS_ENTROPY_MLE_FAST", value)
    assert config.fast_mode() is expected


@pytest.mark.parametrize("value", ["yes", "true", "2", "", " 1", "True"])
def test_bad_fast_mode_value(monkeypatch, value):
    monkeypatch.setenv("CROSS_ENTROPY_MLE_FAST", value)
    with pytest.raises(ValueError, match="CROSS_ENTROPY_MLE_FAST must be 0 or 1"):
        config.fast_mode()
