"""Sphinx configuration of the site: the executed notebooks (myst-nb), the API, the PyData theme.

Build it with ``make html`` (or ``python -m cross_entropy_mle.build_site build/notebooks
build/html``), which copies this directory and the executed notebooks into a fresh source
directory first. Every asset is served from the site itself: no page requests anything from
another host, so the site reads the same offline, from a local server or straight from disk.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import cross_entropy_mle
from cross_entropy_mle.build_site import MATHJAX_SCRIPT, copy_mathjax, mathjax_dir

project = "Cross entropy is maximum likelihood"
author = "the cross_entropy_mle authors"
copyright = "the cross_entropy_mle authors"
release = version = cross_entropy_mle.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
# A build with no executed notebook yet still renders the landing page (its notebook list is
# replaced by a note, see _without_notebooks) and the API.
HAVE_NOTEBOOKS = any(Path(__file__).parent.glob("notebooks/*.ipynb"))

# --- MyST and notebooks ---------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks were executed by `make`; render their outputs as they are
nb_merge_streams = True
# Outputs are shown as the notebook has them, stderr included (marked as such); the browser
# test (tests/test_html.py) rejects any page with a stderr, error or warning output.
nb_output_stderr = "show"
nb_ipywidgets_js = {}  # never load require.js and the widget manager from a CDN
nb_render_markdown_format = "myst"

# --- Math: MathJax 3 from the site itself ---------------------------------------------------
mathjax_dir()  # fail early, with the package to install, if MathJax is missing
mathjax_path = f"mathjax/{MATHJAX_SCRIPT}"  # relative: served from _static/
# myst-parser adds processHtmlClass here so MathJax typesets only the math it parsed.
mathjax3_config = {"options": {}, "chtml": {"displayAlign": "center"}}

# --- API from the docstrings (numpydoc style) ------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": True}
autodoc_typehints = "none"
autosummary_generate = False
toc_object_entries = False  # the page's table of contents lists modules, not every function
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True

# --- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = project
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_favicon = "_static/favicon.svg"  # also spares the browser a request for /favicon.ico
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    # The reading list is in the left sidebar (book-nav.html); the header keeps the title,
    # the search field and the light/dark switch.
    "navbar_center": [],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "show_prev_next": True,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "icon_links": [],
}
html_sidebars = {"**": ["book-nav"]}
html_context = {"default_mode": "auto"}  # follow the reader's light or dark preference


# The API page documents every module of the package: api.md holds the introduction and the
# marker below, replaced at build time by one section per module, so a new module appears on
# the page without editing it. Known modules come in this order; a new one joins its group.
API_MARKER = "% api-modules"
API_GROUPS = [
    ("The NumPy/SciPy core", "These modules never import PyMC.",
     ["losses", "simulate", "fit", "likelihood", "curvature", "inference", "scoring", "network"]),
    ("PyMC models", "The same models written in PyMC, their MAP estimates and posterior draws.",
     ["pymc_models", "pymc_variants", "pymc_network"]),
    ("Comparisons and plots", "Independent references for the MLE, and the figures' helpers.",
     ["compare", "plotting"]),
    ("Running the project", "Paths and settings, input checks, and the build of notebooks and site.",
     ["config", "validate", "run_notebook", "build_site"]),
]


def _api_groups():
    names = sorted(m.name for m in pkgutil.iter_modules(cross_entropy_mle.__path__)
                   if not m.name.startswith("_"))
    known = {name for _, _, mods in API_GROUPS for name in mods}
    groups = [(title, intro, [m for m in mods if m in names]) for title, intro, mods in API_GROUPS]
    for name in names:
        if name not in known:
            groups[1 if name.startswith("pymc") else 0][2].append(name)
    return groups


def _public(module):
    """Functions and classes the module exports (``__all__``, else those it defines)."""
    names = getattr(module, "__all__", None) or [
        n for n, obj in vars(module).items()
        if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__]
    return [n for n in names if inspect.isfunction(getattr(module, n, None))
            or inspect.isclass(getattr(module, n, None))]


def api_markdown():
    """The per-module sections of the API page, as MyST Markdown."""
    lines = []
    for title, intro, mods in _api_groups():
        if not mods:
            continue
        lines += [f"## {title}", "", intro, ""]
        for name in mods:
            module = importlib.import_module(f"cross_entropy_mle.{name}")
            lines += [f"### `{name}`", "", "```{eval-rst}", f".. automodule:: cross_entropy_mle.{name}", ""]
            public = _public(module)
            if public:
                lines += ["   .. autosummary::", "      :nosignatures:", ""]
                lines += [f"      {n}" for n in public] + [""]
            lines += ["```", ""]
    return "\n".join(lines)


def _insert_api(app, docname, source):
    if docname == "api":
        if API_MARKER not in source[0]:
            raise RuntimeError(f"api.md lost its marker line {API_MARKER!r}")
        source[0] = source[0].replace(API_MARKER, api_markdown())


NOTEBOOK_TOCTREE = re.compile(r"```\{toctree\}\n:caption: Notebooks\n.*?\n```\n", re.DOTALL)


def _without_notebooks(app, docname, source):
    if docname == "index" and not HAVE_NOTEBOOKS:
        source[0], found = NOTEBOOK_TOCTREE.subn(
            "*No notebook has been executed yet: `make` executes them and renders them here.*\n",
            source[0])
        if found != 1:
            raise RuntimeError("index.md has no toctree captioned 'Notebooks'")


def _copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir) / "_static" / "mathjax")


def setup(app):
    app.connect("source-read", _insert_api)
    app.connect("source-read", _without_notebooks)
    app.connect("build-finished", _copy_mathjax)
