"""Sphinx configuration for odekit (build: ``pip install -e .[docs] && sphinx-build docs docs/_build``).

Figures are regenerated with ``odekit figures --out docs/_static/figures`` before a build.
"""

import odekit

project = "odekit"
author = "the odekit developers"
release = odekit.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
]
numpydoc_show_class_members = False
autodoc_member_order = "bysource"
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
exclude_patterns = ["_build"]
