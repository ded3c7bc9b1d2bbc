"""Sphinx configuration of the site: the executed notebooks (myst-nb), the API, the PyData theme.

Build it with ``make html`` (or ``python -m tools.build_site build/notebooks build/html`` from the
repository root), which copies this directory and the executed notebooks into a fresh source
directory, runs Sphinx and adds MathJax to the site. Every asset is served from the site itself:
no page requests anything from another host, so the site reads the same offline, from a local
server or straight from disk.
"""

import inspect
import re
from pathlib import Path

import cross_entropy_mle

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
    "sphinx_design",
]

# _gallery.md, the landing page's gallery, is written by tools/build_site.py; index.md includes it.
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store", "_gallery.md"]
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
# tools/build_site.py copies MathJax 3 (from the Python package django-static-mathjax) into the
# site's _static/mathjax/; the path is relative, so it is served from the site.
mathjax_path = "mathjax/tex-chtml.js"
# myst-parser adds processHtmlClass here so MathJax typesets only the math it parsed.
mathjax3_config = {"options": {}, "chtml": {"displayAlign": "center"}}

# --- API from the docstrings (numpydoc style, read by napoleon) -------------------------------
# api.md groups the modules, one automodule each; every module's documentation opens with an
# autosummary table of what it exports (_summary_table below), then documents each export.
autosummary_generate = False  # the tables link to the entries on the same page
autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": True}
autodoc_typehints = "none"
toc_object_entries = False  # the page's table of contents lists sections, not every function
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
    # Each notebook page links to its two downloads (tools/build_site.py writes them).
    "article_header_end": ["downloads"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "icon_links": [],
}
html_sidebars = {"**": ["book-nav"]}
html_context = {"default_mode": "auto"}  # follow the reader's light or dark preference


NOTEBOOK_TOCTREE = re.compile(r"```\{toctree\}\n:caption: Notebooks\n.*?\n```\n", re.DOTALL)


def _without_notebooks(app, docname, source):
    if docname == "index" and not HAVE_NOTEBOOKS:
        source[0], found = NOTEBOOK_TOCTREE.subn(
            "*No notebook has been executed yet: `make` executes them and renders them here.*\n",
            source[0],
        )
        if found != 1:
            raise RuntimeError("index.md has no toctree captioned 'Notebooks'")


def _public(module):
    """The functions and classes a module exports: its ``__all__``, else what it defines."""
    names = getattr(module, "__all__", None) or [
        n
        for n, obj in vars(module).items()
        if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
    ]
    return [
        n
        for n in names
        if inspect.isfunction(obj := getattr(module, n, None)) or inspect.isclass(obj)
    ]


def _summary_table(app, what, name, obj, options, lines):
    """Append an autosummary table of the module's exports to the module's docstring."""
    if what == "module" and name.startswith("cross_entropy_mle") and (public := _public(obj)):
        lines += ["", ".. rubric:: Contents", "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in public]


def setup(app):
    app.connect("source-read", _without_notebooks)
    app.connect("autodoc-process-docstring", _summary_table)
