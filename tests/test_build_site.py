"""The site build (tools/build_site.py): atomic replacement of the output, MathJax served from the
site, executed notebooks only; and the API page (docs/api.md) that documents the whole package."""

import base64
import hashlib
import importlib
import inspect
import io
import pkgutil
import re
import shutil
from html.parser import HTMLParser

import nbformat
import pytest
from matplotlib.figure import Figure

import cross_entropy_mle
from tools import build_site
from tools.build_site import MATHJAX_SCRIPT, BuildError
from tools.paths import DOCS_DIR


def _png():
    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().plot([0, 1, 2], [1, 0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return base64.b64encode(buf.getvalue()).decode()


# Every notebook name the tests below build, with its line for the landing page's gallery.
TEST_NOTEBOOKS = ["01_small", "01_good", "01_first", "02_second", "02_broken", "01_new"]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """The project's docs/, with gallery summaries for the test notebooks, not the real ones."""
    docs = tmp_path_factory.mktemp("docs") / "docs"
    shutil.copytree(DOCS_DIR, docs, ignore=shutil.ignore_patterns("generated", "__pycache__"))
    (docs / build_site.GALLERY_FILE).write_text(
        "".join(f'[{stem}]\nsummary = "What {stem} shows."\n\n' for stem in TEST_NOTEBOOKS)
    )
    return docs


def _executed_notebook(path, title="A small notebook", stderr=None, markdown="", seconds=None):
    """Write a notebook as nbclient would leave it: math, code, a printed line and a figure."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="the answer is 42\n"),
        nbformat.v4.new_output(
            "display_data", data={"image/png": _png(), "text/plain": "<Figure>"}
        ),
    ]
    if stderr is not None:
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text=stderr))
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# {title}\n\nThe loss $-\\log q_{{y}}$ and\n\n$$\\sum_i x_i$$\n{markdown}"
        ),
        nbformat.v4.new_code_cell(
            "print('the answer is', 6 * 7)\nsave_figure(fig, 'small-figure')",
            execution_count=1,
            outputs=outputs,
        ),
    ]
    if seconds is not None:  # as tools/run_notebook records it
        nb.metadata["cross_entropy_mle"] = {"mode": "full", "seconds": seconds, "seed": None}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _snapshot(directory):
    """Every file under ``directory`` with a hash of its content."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _previous_site(out):
    """Stand-in for the site of an earlier build."""
    (out / "notebooks").mkdir(parents=True)
    (out / "index.html").write_text("<html>the previous site</html>")
    (out / "notebooks" / "01_old.html").write_text("<html>an earlier page</html>")
    return _snapshot(out)


# --- MathJax from the installed package ----------------------------------------------------


def test_mathjax_is_version_3_with_its_fonts():
    src = build_site.mathjax_dir()
    assert (src / MATHJAX_SCRIPT).is_file()
    assert any((src / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_Main-Regular.woff"))


def test_copy_mathjax_brings_what_tex_chtml_loads(tmp_path):
    dest = build_site.copy_mathjax(tmp_path / "mathjax")
    assert (dest / MATHJAX_SCRIPT).read_bytes() == (
        build_site.mathjax_dir() / MATHJAX_SCRIPT
    ).read_bytes()
    assert (dest / "input" / "tex" / "extensions" / "boldsymbol.js").is_file()  # loaded on demand
    assert (dest / "ui" / "menu.js").is_file()
    assert len(list((dest / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))) > 10
    assert not (dest / "latest.js").exists()  # it would fetch MathJax from a CDN


def test_missing_mathjax_names_the_package(monkeypatch):
    monkeypatch.setattr(build_site.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BuildError, match=build_site.MATHJAX_DISTRIBUTION):
        build_site.mathjax_dir()


def test_missing_mathjax_fails_before_rendering_and_keeps_the_site(tmp_path, monkeypatch, docs):
    notebooks = tmp_path / "executed"
    _executed_notebook(notebooks / "01_small.ipynb")
    out = tmp_path / "build" / "html"
    before = _previous_site(out)
    monkeypatch.setattr(build_site.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(BuildError, match=build_site.MATHJAX_DISTRIBUTION):
        build_site.build(notebooks, out, docs=docs)

    assert _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"], "temporary files left behind"


def test_conf_loads_mathjax_from_where_the_build_copies_it():
    conf = (DOCS_DIR / "conf.py").read_text()
    path = build_site.MATHJAX_SUBDIR.relative_to("_static") / MATHJAX_SCRIPT
    assert f'mathjax_path = "{path.as_posix()}"' in conf


# --- Failed builds leave the previous site in place ----------------------------------------


def test_conf_error_leaves_previous_site_intact(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text("raise RuntimeError('a broken configuration')\n")
    (docs / "index.md").write_text("# Title\n")
    (docs / build_site.GALLERY_FILE).write_text('[01_small]\nsummary = "A small notebook."\n')
    notebooks = tmp_path / "executed"
    _executed_notebook(notebooks / "01_small.ipynb")
    out = tmp_path / "build" / "html"
    before = _previous_site(out)

    with pytest.raises(BuildError, match="a broken configuration"):
        build_site.build(notebooks, out, docs=docs)

    assert _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["html"], "temporary files left behind"


def test_unexecuted_notebook_is_refused(tmp_path, docs):
    notebooks = tmp_path / "executed"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("1 + 1")]
    notebooks.mkdir()
    nbformat.write(nb, notebooks / "01_unrun.ipynb")
    out = tmp_path / "html"
    before = _previous_site(out)

    with pytest.raises(BuildError, match="01_unrun.ipynb is not executed"):
        build_site.build(notebooks, out, docs=docs)

    assert _snapshot(out) == before


def test_corrupt_notebook_is_refused(tmp_path, docs):
    notebooks = tmp_path / "executed"
    _executed_notebook(notebooks / "01_good.ipynb")
    (notebooks / "02_cut.ipynb").write_text('{"cells": [')  # a write cut short
    out = tmp_path / "html"
    before = _previous_site(out)

    with pytest.raises(BuildError, match="02_cut.ipynb is not a readable notebook"):
        build_site.build(notebooks, out, docs=docs)

    assert _snapshot(out) == before


def test_command_line_reports_failure(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Title\n")  # no conf.py
    out = tmp_path / "html"
    before = _previous_site(out)

    status = build_site.main([str(tmp_path), str(out), "--docs", str(docs)])

    assert status == 1
    assert "has no conf.py" in capsys.readouterr().err
    assert _snapshot(out) == before


def test_notebooks_given_as_a_directory_or_as_files(tmp_path):
    first = _executed_notebook(tmp_path / "a" / "02_second.ipynb")
    second = _executed_notebook(tmp_path / "a" / "01_first.ipynb")
    other = _executed_notebook(tmp_path / "b" / "03_third.ipynb")
    (tmp_path / "a" / "notes.txt").write_text("not a notebook")

    assert build_site.notebook_paths(tmp_path / "a") == [second, first]
    assert build_site.notebook_paths([str(other), first]) == [first, other]
    with pytest.raises(BuildError, match="neither a directory nor a notebook"):
        build_site.notebook_paths([tmp_path / "a" / "notes.txt"])
    with pytest.raises(BuildError, match="share a file name"):
        build_site.notebook_paths([first, _executed_notebook(tmp_path / "c" / "02_second.ipynb")])


# --- Real builds of the project's docs/ (Sphinx runs: marked slow) -------------------------


class _Resources(HTMLParser):
    """Collect the URLs a page loads by itself (scripts, styles, images, frames), not its links."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and attrs.get(
            "src"
        ):
            self.urls.append(attrs["src"])
        if (
            tag == "link"
            and attrs.get("href")
            and attrs.get("rel") not in ("next", "prev", "index", "search")
        ):
            self.urls.append(attrs["href"])
        if tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])


def _is_external(url):
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I))


@pytest.fixture(scope="module")
def site(tmp_path_factory, docs):
    root = tmp_path_factory.mktemp("site")
    notebooks = root / "executed"
    _executed_notebook(notebooks / "01_first.ipynb", "The first notebook", seconds=12.3)
    _executed_notebook(notebooks / "02_second.ipynb", "The second notebook", stderr="to stderr\n")
    return build_site.build(notebooks, root / "build" / "html", docs=docs)


@pytest.mark.slow
def test_site_serves_its_own_mathjax(site):
    assert (site / "_static" / "mathjax" / MATHJAX_SCRIPT).is_file()
    assert any(
        (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")
    )
    for page in ("index.html", "api.html", "notebooks/01_first.html"):
        html = (site / page).read_text()
        assert 'class="math' in html, f"{page}: no math"
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', html)
        assert scripts, f"{page}: MathJax is not loaded"
        for src in scripts:
            assert not _is_external(src), f"{page} loads MathJax from {src}"
            assert (site / page).parent.joinpath(src.split("?")[0]).resolve().is_file(), src


@pytest.mark.slow
def test_no_page_or_stylesheet_loads_anything_from_outside(site):
    for page in site.rglob("*.html"):
        parser = _Resources()
        parser.feed(page.read_text())
        external = [u for u in parser.urls if _is_external(u)]
        assert external == [], f"{page.relative_to(site)} loads {external}"
    for css in site.rglob("*.css"):
        urls = re.findall(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", css.read_text())
        external = [u for u in urls if _is_external(u)]
        assert external == [], f"{css.relative_to(site)} loads {external}"


@pytest.mark.slow
def test_notebook_pages_in_numbered_order_with_outputs(site):
    index = (site / "index.html").read_text()
    first, second = index.find("notebooks/01_first.html"), index.find("notebooks/02_second.html")
    assert 0 <= first < second, "the landing page lists the notebooks in their numbered order"
    page = (site / "notebooks" / "01_first.html").read_text()
    assert "the answer is 42" in page
    images = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert images and all((site / "notebooks" / src).resolve().is_file() for src in images)
    # stderr is rendered, marked with the class the browser test looks for
    assert 'class="output stderr' not in page
    assert re.search(
        r'class="output stderr[^"]*"[^>]*>.*?to stderr',
        (site / "notebooks" / "02_second.html").read_text(),
        re.DOTALL,
    )


@pytest.mark.slow
def test_sphinx_warning_fails_the_build_and_keeps_the_site(site, tmp_path, docs):
    """A page that makes Sphinx warn (here a reference to no label) is refused; the site stays."""
    notebooks = tmp_path / "executed"
    _executed_notebook(notebooks / "01_first.ipynb")
    broken = _executed_notebook(
        notebooks / "02_broken.ipynb", markdown="\nSee {ref}`no-such-label`.\n"
    )
    before = _snapshot(site)

    with pytest.raises(BuildError, match=re.escape(f"{broken}:")):  # named by its own path
        build_site.build(notebooks, site, docs=docs)

    assert _snapshot(site) == before
    assert sorted(p.name for p in site.parent.iterdir()) == [site.name], (
        "temporary files left behind"
    )


@pytest.mark.slow
def test_successful_build_replaces_the_site(tmp_path, capsys, docs):
    notebook = _executed_notebook(tmp_path / "executed" / "01_new.ipynb", "A new notebook")
    _executed_notebook(tmp_path / "executed" / "02_not_listed.ipynb")
    out = tmp_path / "html"
    _previous_site(out)

    assert build_site.main([str(notebook), str(out), "--docs", str(docs)]) == 0

    assert "1 notebook ->" in capsys.readouterr().out
    assert not (out / "notebooks" / "02_not_listed.html").exists()

    assert not (out / "notebooks" / "01_old.html").exists()
    assert "A new notebook" in (out / "notebooks" / "01_new.html").read_text()
    assert "the previous site" not in (out / "index.html").read_text()


def _public_modules():
    """Every module of the package, subpackages' included, whose name has no leading underscore."""
    return sorted(
        info.name
        for info in pkgutil.walk_packages(cross_entropy_mle.__path__, "cross_entropy_mle.")
        if not any(part.startswith("_") for part in info.name.split("."))
    )


def _documented_modules():
    return re.findall(r"^\.\. automodule:: (\S+)$", (DOCS_DIR / "api.md").read_text(), re.MULTILINE)


def test_api_page_lists_every_module_once():
    """docs/api.md names each public module of the package exactly once, and nothing else.

    Subpackages themselves (``cross_entropy_mle.pymc``) may be left out: their modules are listed.
    """
    documented = _documented_modules()
    assert len(documented) == len(set(documented)), f"listed twice: {documented}"
    packages = {
        name for name in _public_modules() if hasattr(importlib.import_module(name), "__path__")
    }
    modules = set(_public_modules()) - packages
    assert sorted(modules - set(documented)) == [], "modules missing from docs/api.md"
    assert sorted(set(documented) - modules - packages) == [], "docs/api.md lists unknown modules"


@pytest.mark.slow
def test_api_page_documents_every_public_function(site):
    """Each documented function and class a module exports has its entry: no module is forgotten."""
    html = (site / "api.html").read_text()
    documented = set(re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', html))
    expected = set()
    for name in _public_modules():
        module = importlib.import_module(name)
        if hasattr(module, "__path__"):
            continue  # a subpackage re-exports what its modules define
        names = getattr(module, "__all__", None) or [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
        objects = {n: getattr(module, n) for n in names}
        expected |= {
            f"{module.__name__}.{n}"
            for n, obj in objects.items()
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and inspect.getdoc(obj)
        }
    assert "cross_entropy_mle.losses.cross_entropy" in expected
    assert sorted(expected - documented) == []
    assert 'class="math' in html, "the docstrings' math did not reach the page"
    # each module's documentation opens with a table of its exports, linked to their entries
    assert html.count('class="autosummary') >= len(_documented_modules())
    assert 'href="#cross_entropy_mle.losses.cross_entropy"' in html


@pytest.mark.slow
def test_site_without_notebooks_still_builds(tmp_path):
    """Before any notebook has been executed, the landing page and the API still render."""
    (tmp_path / "executed").mkdir()
    out = build_site.build(tmp_path / "executed", tmp_path / "html")  # the project's own docs/
    assert "No notebook has been executed yet" in (out / "index.html").read_text()
    assert (out / "api.html").is_file()
    assert not (out / "notebooks").exists()


# --- The landing page's gallery and the downloads -------------------------------------------


def test_gallery_refuses_a_notebook_without_a_summary(tmp_path, docs):
    notebooks = tmp_path / "executed"
    _executed_notebook(notebooks / "01_small.ipynb")
    _executed_notebook(notebooks / "03_unlisted.ipynb")
    out = tmp_path / "html"
    before = _previous_site(out)

    with pytest.raises(BuildError, match=r"no summary for 03_unlisted.*\[03_unlisted\]"):
        build_site.build(notebooks, out, docs=docs)

    assert _snapshot(out) == before


def test_gallery_thumbnail_is_the_named_figure_or_fails(tmp_path, docs):
    notebooks = tmp_path / "executed"
    path = _executed_notebook(notebooks / "01_small.ipynb")
    table = (docs / build_site.GALLERY_FILE).read_text()
    named = tmp_path / "docs"
    shutil.copytree(docs, named)
    (named / build_site.GALLERY_FILE).write_text(
        table.replace("[01_small]\n", '[01_small]\nthumbnail = "no-such-figure"\n')
    )
    with pytest.raises(BuildError, match="01_small: no cell that saves figure 'no-such-figure'"):
        build_site.write_gallery([path], tmp_path / "src", named)

    page = build_site.write_gallery([path], tmp_path / "src", docs).read_text()
    assert ":link: notebooks/01_small" in page and "What 01_small shows." in page
    thumb = tmp_path / "src" / "_static" / "thumbnails" / "01_small.png"
    assert thumb.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_landing_page_gallery_has_a_card_per_notebook(site):
    html = (site / "index.html").read_text()
    cards = re.findall(r'<div class="sd-card [^"]*notebook-card', html)
    assert len(cards) == 2
    for stem, title in [("01_first", "The first notebook"), ("02_second", "The second notebook")]:
        assert f"What {stem} shows." in html and title in html
        assert f'href="notebooks/{stem}.html"' in html
        thumb = site / "_static" / "thumbnails" / f"{stem}.png"
        assert thumb.read_bytes().startswith(b"\x89PNG")
    assert html.count("Runs in 12 s (full mode)") == 1  # only the first records its run


@pytest.mark.slow
def test_each_notebook_page_links_to_its_downloads(site):
    for stem in ["01_first", "02_second"]:
        html = (site / "notebooks" / f"{stem}.html").read_text()
        for href in (f"../downloads/{stem}.ipynb", f"../downloads/{stem}.executed.ipynb"):
            assert f'href="{href}"' in html, f"{stem}: no link to {href}"
        source = nbformat.read(site / "downloads" / f"{stem}.ipynb", as_version=4)
        executed = nbformat.read(site / "downloads" / f"{stem}.executed.ipynb", as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert code and all(c.outputs for c in code)
        assert [c.source for c in source.cells] == [c.source for c in executed.cells]
        assert all(
            c.outputs == [] and c.execution_count is None
            for c in source.cells
            if c.cell_type == "code"
        )
        assert "cross_entropy_mle" not in source.metadata
