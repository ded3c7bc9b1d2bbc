"""Project paths and run settings."""

import pytest

from cross_entropy_mle import config


def test_paths_are_found_from_the_package():
    assert (config.ROOT / "pyproject.toml").is_file()
    assert (config.ROOT / "src" / "cross_entropy_mle" / "config.py").is_file()
    assert config.FIGURES_DIR == config.ROOT / "figures"
    assert config.BUILD_DIR == config.ROOT / "build"
    assert config.NOTEBOOKS_DIR == config.ROOT / "notebooks"


def test_paths_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CROSS_ENTROPY_MLE_FIGURES", raising=False)
    assert config.figures_dir() == config.FIGURES_DIR
    assert config.figures_dir().is_absolute()


def test_figures_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSS_ENTROPY_MLE_FIGURES", str(tmp_path / "figs"))
    assert config.figures_dir() == tmp_path / "figs"


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
