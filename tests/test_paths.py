"""The repository's directories, found from tools/ rather than from the working directory."""

from tools import paths


def test_paths_are_found_from_the_tools_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (paths.ROOT / "pyproject.toml").is_file()
    assert (paths.ROOT / "tools" / "paths.py").is_file()
    assert paths.ROOT.is_absolute()
    assert paths.FIGURES_DIR == paths.ROOT / "figures"
    assert paths.BUILD_DIR == paths.ROOT / "build"
    assert paths.NOTEBOOKS_DIR == paths.ROOT / "notebooks"
    assert paths.DOCS_DIR == paths.ROOT / "docs"
    assert (paths.DOCS_DIR / "conf.py").is_file()
