"""The project's build: executing the notebooks and rendering the site. Not part of the package.

Run from the repository root as ``python -m tools.run_notebook ...`` and
``python -m tools.build_site ...`` (the Makefile does).
"""

import sys

# nbformat's validator imports jsonschema, which builds an Earley parser for RFC 3987 IRIs at
# import when rfc3987-syntax is installed: 3 s for every notebook run. The notebook schema
# checks no IRI format, so that optional checker is left out of the build's processes.
sys.modules.setdefault("rfc3987_syntax", None)
