"""Widget outputs leave the HTML book: no widget state, no widget scripts from outside the site.

An executed notebook keeps its Jupyter widgets twice: a view per output (a tqdm bar of a training
loop, the sliders of an interactive figure) and, in its metadata, the state of every widget the
kernel created. myst-nb puts both in the page and loads require.js and the widget manager from
two CDNs to draw them. Offline the views stay blank; online the page calls two outside hosts,
and chapter 1 carried 376 KB of state for progress bars that are closed when each epoch ends.
Without a kernel behind it an embedded widget would not respond anyway, so the book drops widget
views, their state and the scripts; what a widget reports for the record is printed by the cell
(a training loop prints one line per epoch), and interactive figures keep a static version.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'


def drop_widget_views(app: Sphinx, doctree: nodes.document) -> None:
    """Remove the widget views of a page and the widget state and scripts myst-nb registered."""
    for node in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW in node.astext():
            node.parent.remove(node)
    page = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    scripts = page.get("js_files", {})
    for key in [key for key in scripts if key.startswith("ipywidgets")]:
        del scripts[key]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_nb")
    app.connect("doctree-read", drop_widget_views)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
