"""The project's build: executing the notebooks and rendering the site. Not part of the package.

Run from the repository root as ``python -m tools.run_notebook ...`` and
``python -m tools.build_site ...`` (the Makefile does).
"""
