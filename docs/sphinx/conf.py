"""Sphinx settings for `make docs` (tests/tools/docs.sh): the reference antsibull-docs writes
from the code, the guides in docs/*.md (MyST) and the changelog. Offline: no intersphinx."""

project = "mfaops.cognito"
copyright = "mfaops team, GPL-3.0-or-later"  # pylint: disable=redefined-builtin
title = "mfaops.cognito: TOTP MFA for Amazon Cognito user pools"
html_short_title = "mfaops.cognito"

extensions = ["sphinx_antsibull_ext", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_title = title
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {"collapse_navigation": False}

myst_heading_anchors = 3
nitpicky = True
