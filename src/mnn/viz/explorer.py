"""An interactive heatmap for JupyterLab: pick an image, a class and a layer, see the map.

The explorer only draws. The heatmap of a choice comes from a function the notebook passes
(for chapter 3 a call of :func:`mnn.explain.grad_cam`), so ``mnn.viz`` still computes no
gradient. Each choice is drawn by :func:`mnn.viz.overlay_grid`, as the book's static figures
are, into a PNG that an ``ipywidgets.Image`` shows. Widgets need a running kernel: the HTML book
shows the code of such a cell, not the widget.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from .._validation import (
    check_array,
    check_callable,
    check_names,
    check_nonempty,
    check_scalar,
    describe,
)
from .overlays import as_rgb, overlay_grid

Heatmap = Callable[[int, int, str], np.ndarray]


class HeatmapExplorer:
    """Three drop-down menus (image, class, layer) above the overlay of the chosen heatmap.

    Shown by ending a notebook cell with it. ``image``, ``target`` and ``layer`` are the
    ``ipywidgets.Dropdown`` menus, ``picture`` the ``ipywidgets.Image`` of the overlay (PNG),
    ``widget`` the box holding them; setting a menu's ``value`` redraws, as a click does.
    Built by :func:`heatmap_explorer`, which checks the arguments; each map ``heatmap``
    returns is checked when it is drawn.
    """

    def __init__(
        self,
        images: np.ndarray,
        heatmap: Heatmap,
        classes: Sequence[Sequence[tuple[str, int]]],
        layers: Sequence[str],
        names: Sequence[str],
        alpha: float,
    ) -> None:
        import ipywidgets

        self.images, self.heatmap, self.classes, self.alpha = images, heatmap, classes, alpha
        self.image = ipywidgets.Dropdown(
            options=[(name, index) for index, name in enumerate(names)], description="image"
        )
        self.target = ipywidgets.Dropdown(options=list(classes[0]), description="class")
        self.layer = ipywidgets.Dropdown(options=list(layers), description="layer")
        self.picture = ipywidgets.Image(format="png")
        self.widget = ipywidgets.VBox(
            [ipywidgets.HBox([self.image, self.target, self.layer]), self.picture]
        )
        self.image.observe(self._new_image, names="value")
        self.target.observe(self._draw, names="value")
        self.layer.observe(self._draw, names="value")
        self._draw()

    def _new_image(self, change: Any = None) -> None:
        # Offer the new image's classes without drawing once per menu that changes.
        self.target.unobserve(self._draw, names="value")
        self.target.options = list(self.classes[self.image.value])
        self.target.observe(self._draw, names="value")
        self._draw()

    def _draw(self, change: Any = None) -> None:
        index, target, layer = self.image.value, self.target.value, self.layer.value
        label = self.target.label
        heatmap = check_array(
            self.heatmap(index, target, layer),
            f"the map returned by heatmap({index}, {target}, {layer!r})",
            shape=self.images.shape[1:3],
            dtype_kind="fiu",
            finite=True,
        )
        figure = overlay_grid(
            self.images[index : index + 1],
            heatmap[None, None],
            [[f"{label} · {layer}"]],
            row_titles=[self.image.label],
            alpha=self.alpha,
            size=4.0,
            colorbar=True,
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        plt.close(figure)
        self.picture.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def heatmap_explorer(
    images: np.ndarray,
    heatmap: Heatmap,
    classes: Sequence[Sequence[tuple[str, int]]],
    layers: Sequence[str],
    *,
    names: Sequence[str] | None = None,
    alpha: float = 0.5,
) -> HeatmapExplorer:
    """A widget that draws ``heatmap(image, target, layer)`` over the chosen image.

    Parameters
    ----------
    images
        (N, H, W, 3) RGB or (N, H, W) grey images, as :func:`overlay_grid` takes them.
    heatmap
        Called as ``heatmap(image, target, layer)`` with the index of the image, the class
        index and the layer name chosen; returns the (H, W) map at the image's size.
    classes
        For each of the N images the classes offered, as (label, class index) pairs, e.g. its
        ten most likely classes; the first is shown first.
    layers
        The layer names offered; the first is shown first.
    names
        N names of the images (default "image 0", "image 1", ...).
    alpha
        Weight of the colour in the overlay.

    Returns
    -------
    HeatmapExplorer
        Displayed when it ends a notebook cell. Needs ``ipywidgets`` (in mnn's ``book`` extra).
    """
    check_array(images, "images", ndim=(3, 4))
    check_nonempty(images, "images", what="image")
    for index, image in enumerate(images):
        as_rgb(image, f"images[{index}]")
    count = len(images)
    check_callable(heatmap, "heatmap", "heatmap(image, target, layer) -> (H, W) array")
    _check_classes(classes, count)
    layers = check_names(layers, "layers", unique=True)
    if not layers:
        raise ValueError("layers must hold at least one layer name, got an empty list.")
    if names is None:
        names = [f"image {index}" for index in range(count)]
    names = check_names(names, "names", length=count)
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        raise ImportError(
            "heatmap_explorer needs ipywidgets: pip install ipywidgets (part of mnn's [book] "
            "extra). The static figures (overlay_grid) do not."
        ) from None
    return HeatmapExplorer(images, heatmap, classes, layers, names, alpha)


def _check_classes(classes: Any, count: int) -> None:
    """Check that ``classes`` holds, for each of ``count`` images, a non-empty list of
    (label, class index) pairs."""
    if not isinstance(classes, (list, tuple)):
        raise TypeError(
            "classes must be a list holding, for each image, a list of (label, class index) "
            f"pairs such as [[('tabby 0.41', 281)], [('espresso 0.94', 967)]], got "
            f"{describe(classes)}."
        )
    if len(classes) != count:
        raise ValueError(
            f"classes must hold one list of classes per image: got {len(classes)} "
            f"lists for {count} images."
        )
    for index, offered in enumerate(classes):
        if not isinstance(offered, (list, tuple)) or not offered:
            raise ValueError(
                f"classes[{index}] must be a non-empty list of (label, class index) pairs, such "
                f"as [('tabby 0.41', 281), ('tiger cat 0.30', 282)], got {describe(offered)}."
            )
        for choice in offered:
            if not _is_class(choice):
                raise ValueError(
                    f"classes[{index}] must hold (label, class index) pairs, a string and an "
                    f"integer of at least 0 such as ('tabby 0.41', 281), got {describe(choice)}."
                )


def _is_class(choice: Any) -> bool:
    return (
        isinstance(choice, (tuple, list))
        and len(choice) == 2
        and isinstance(choice[0], str)
        and isinstance(choice[1], (int, np.integer))
        and not isinstance(choice[1], (bool, np.bool_))
        and choice[1] >= 0
    )
