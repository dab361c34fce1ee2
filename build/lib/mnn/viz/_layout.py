"""Sizes that keep a figure legible in the book's text column.

The HTML book shows a figure at most about 740 px wide. At the inline backend's 100 dpi a
figure :data:`COLUMN_WIDTH` inches wide is therefore shown at 74 % of its size, and text of
:data:`TEXT_SIZE` points ends up about 10 px high: the smallest size that reads comfortably.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.textpath import TextPath

#: Width in inches of the widest figure the book shows without shrinking its text too far.
COLUMN_WIDTH = 10.0
#: Font size in points of the smallest text (tick labels, titles of cells, legends).
TEXT_SIZE = 10.0


def cell_size(size: float | None, default: float, columns: int, margin: float = 0.0) -> float:
    """Width of one cell: ``size`` if given, else ``default`` shrunk until ``columns`` cells and
    a ``margin`` (inches) fit :data:`COLUMN_WIDTH`."""
    if size is not None:
        if not size > 0:
            raise ValueError(f"size must be a positive number of inches, got {size!r}.")
        return float(size)
    return min(default, (COLUMN_WIDTH - margin) / columns)


def text_size(width: float) -> float:
    """Font size for a figure ``width`` inches wide: :data:`TEXT_SIZE`, grown with figures wider
    than :data:`COLUMN_WIDTH` (which the book shrinks to the column)."""
    return TEXT_SIZE * max(1.0, width / COLUMN_WIDTH)


def label_width(labels: Iterable[str], fontsize: float) -> float:
    """Width in inches of the widest label at ``fontsize`` points plus a small gap; 0 if there is
    no (non-empty) label."""
    widths = [
        TextPath((0, 0), label, size=fontsize).get_extents().width for label in labels if label
    ]
    return max(widths) / 72 + 0.15 if widths else 0.0
