"""The book's repository address, given once (``repository: url:`` in ``_config.yml``).

When it is set, notebook pages get their launch buttons (Colab, Binder, as ``launch_buttons:``
lists them) and a link to the repository, and the directive ``colab-install`` writes the lines
that clone and install the course on Colab. While it is empty (a copy of the book that has not
been published yet) there are no launch buttons, whose links would need the address, and
``colab-install`` writes the same lines with a placeholder and a note saying what to put there.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective

PLACEHOLDER = "<URL of this repository>"
LAUNCH_SERVICES = ("colab_url", "binderhub_url")


def repository_url(config: Config) -> str:
    """The address given as ``repository: url:``, or "" when there is none."""
    return (config.html_theme_options.get("repository_url") or "").strip()


def colab_install_lines(url: str) -> str:
    """The first cell of a notebook opened on Colab: clone, install, go to the notebooks."""
    return (
        f"!git clone --depth 1 {url or PLACEHOLDER} mnn-course\n"
        '!pip install -q "./mnn-course[torch]"\n'
        'import os; os.chdir("mnn-course/notebooks")'
    )


def buttons_follow_repository(app: Sphinx, config: Config) -> None:
    """Launch and repository buttons only where the repository is known."""
    options = config.html_theme_options
    if repository_url(config):
        options["use_repository_button"] = True
    else:
        launch = dict(options.get("launch_buttons") or {})
        options["launch_buttons"] = {**launch, **dict.fromkeys(LAUNCH_SERVICES, "")}


class ColabInstall(SphinxDirective):
    """``colab-install``: the Colab install lines, with the repository's address."""

    def run(self) -> list[nodes.Node]:
        url = repository_url(self.config)
        lines = colab_install_lines(url)
        block = nodes.literal_block(lines, lines, language="ipython")
        if url:
            return [block]
        explanation = nodes.paragraph()
        explanation += [
            nodes.Text("This copy of the book was built without the address of its repository ("),
            nodes.literal(text="repository: url:"),
            nodes.Text(" in "),
            nodes.literal(text="_config.yml"),
            nodes.Text(" is empty), so replace "),
            nodes.literal(text=PLACEHOLDER),
            nodes.Text(" below with the address of the Git repository you got the course from."),
        ]
        return [nodes.note("", explanation), block]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", buttons_follow_repository)
    app.add_directive("colab-install", ColabInstall)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
