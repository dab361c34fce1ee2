"""Sizes that keep a figure legible in the book's text column.

The HTML book shows a figure at most about 740 px wide. At the inline backend's 100 dpi a
figure :data:`COLUMN_WIDTH` inches wide is therefore shown at 74 % of its size, and text of
:data:`TEXT_SIZE` points ends up about 10 px high: the smallest size that reads comfortably.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath, TextToPath

from .._validation import check_instance, check_scalar

#: Width in inches of the widest figure the book shows without shrinking its text too far.
COLUMN_WIDTH = 10.0
#: Font size in points of the smallest text (tick labels, titles of cells, legends).
TEXT_SIZE = 10.0
#: Most cells (images, maps, bar charts) one figure draws: laying out many more takes minutes,
#: and they could not be told apart.
MAX_CELLS = 1000
#: Largest side of one cell in inches: a wider one is only shrunk to the book's column.
MAX_CELL_SIZE = COLUMN_WIDTH
#: Largest figure in square inches: its canvas at 100 dpi, 4 bytes a pixel, takes about 200 MB.
MAX_FIGURE_AREA = 5000.0

_TEXT_TO_PATH = TextToPath()


def check_cell_size(size: float) -> float:
    """``size`` checked to be a number of inches in (0, :data:`MAX_CELL_SIZE`]."""
    return check_scalar(
        size,
        "size",
        low=0.0,
        high=MAX_CELL_SIZE,
        include="high",
        hint="it is the side of one cell in inches.",
    )


def cell_size(size: float | None, default: float, columns: int, margin: float = 0.0) -> float:
    """Width of one cell: ``size`` if given, else ``default`` shrunk until ``columns`` cells and
    a ``margin`` (inches) fit :data:`COLUMN_WIDTH`."""
    if size is not None:
        return check_cell_size(size)
    return min(default, (COLUMN_WIDTH - margin) / columns)


def check_figure(cells: int, width: float, height: float) -> None:
    """Refuse, before anything is drawn, a figure of more than :data:`MAX_CELLS` cells or
    :data:`MAX_FIGURE_AREA` square inches."""
    check_scalar(
        cells,
        "the number of cells to draw",
        int,
        high=MAX_CELLS,
        hint="draw fewer, e.g. a slice such as images[:100].",
    )
    check_scalar(
        width * height,
        f"the area of the figure, {width:.3g} x {height:.3g} inches,",
        high=MAX_FIGURE_AREA,
        hint="pass a smaller size, or draw fewer images.",
    )


def text_size(width: float) -> float:
    """Font size for a figure ``width`` inches wide: :data:`TEXT_SIZE`, grown with figures wider
    than :data:`COLUMN_WIDTH` (which the book shrinks to the column)."""
    return TEXT_SIZE * max(1.0, width / COLUMN_WIDTH)


def label_width(labels: Iterable[str], fontsize: float) -> float:
    """Width in inches of the widest label at ``fontsize`` points plus a small gap; 0 if no
    label draws anything (empty, or only blanks)."""
    # A label that draws nothing has no outline, and matplotlib fails to make a TextPath of it.
    drawn = [
        label for label in labels if len(_TEXT_TO_PATH.get_text_path(FontProperties(), label)[0])
    ]
    widths = [TextPath((0, 0), label, size=fontsize).get_extents().width for label in drawn]
    return max(widths) / 72 + 0.15 if widths else 0.0


def check_axes(ax: Axes | None) -> Axes | None:
    """``ax`` checked to be ``None`` (draw into a new figure) or a matplotlib ``Axes``."""
    if ax is not None:
        check_instance(ax, "ax", Axes, "a matplotlib Axes, such as plt.subplots()[1]")
    return ax
