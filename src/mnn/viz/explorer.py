"""Interactive maps for JupyterLab: pick an image, a class and a layer (:func:`heatmap_explorer`),
or an image and a rule's parameter such as LRP's gamma (:func:`relevance_explorer`), see the map.

The explorers only draw. The map of a choice comes from a function the notebook passes (for
chapter 3 a call of :func:`mnn.explain.grad_cam`, for chapter 5 one of :func:`mnn.explain.lrp`),
so ``mnn.viz`` still computes no gradient. Each choice is drawn as the book's static figures are
(:func:`mnn.viz.overlay_grid`, :func:`mnn.viz.relevance_grid`), into a PNG that an
``ipywidgets.Image`` shows. Widgets need a running kernel: the HTML book shows the code of such a
cell, not the widget.
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
    check_word,
    describe,
)
from .overlays import as_rgb, overlay_grid
from .relevance import check_limit, relevance_grid

Heatmap = Callable[[int, int, str], np.ndarray]
Relevance = Callable[[int, float], np.ndarray]


def _png(figure: Any) -> bytes:
    """The figure as PNG bytes, the figure closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _image_menu(names: Sequence[str]) -> Any:
    """The drop-down menu of the images, by name; its value is the chosen image's index."""
    import ipywidgets

    return ipywidgets.Dropdown(
        options=[(name, index) for index, name in enumerate(names)], description="image"
    )


def _require_ipywidgets(who: str, static: str) -> None:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{who} needs ipywidgets: pip install ipywidgets (part of mnn's [book] extra). The "
            f"static figures ({static}) do not."
        ) from None


def _check_images(images: Any) -> int:
    """Check the explorers' (N, H, W, 3) or (N, H, W) images; return N."""
    check_array(images, "images", ndim=(3, 4))
    check_nonempty(images, "images", what="image")
    for index, image in enumerate(images):
        as_rgb(image, f"images[{index}]")
    return len(images)


def _image_names(names: Any, count: int) -> tuple[str, ...]:
    if names is None:
        names = [f"image {index}" for index in range(count)]
    return check_names(names, "names", length=count)


class _Shown:
    """Displayed as its ``widget`` when it ends a notebook cell."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class HeatmapExplorer(_Shown):
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
        self.image = _image_menu(names)
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
        self.picture.value = _png(figure)


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
    count = _check_images(images)
    check_callable(heatmap, "heatmap", "heatmap(image, target, layer) -> (H, W) array")
    _check_classes(classes, count)
    layers = check_names(layers, "layers", unique=True)
    if not layers:
        raise ValueError("layers must hold at least one layer name, got an empty list.")
    names = _image_names(names, count)
    alpha = check_scalar(alpha, "alpha", low=0.0, high=1.0)
    _require_ipywidgets("heatmap_explorer", "overlay_grid")
    return HeatmapExplorer(images, heatmap, classes, layers, names, alpha)


class RelevanceExplorer(_Shown):
    """An image menu and a slider over the values of one parameter (LRP's gamma, say) above the
    image and its relevance map, drawn by :func:`mnn.viz.relevance_grid`.

    Shown by ending a notebook cell with it. ``image`` is the ``ipywidgets.Dropdown`` menu,
    ``value`` the ``ipywidgets.SelectionSlider``, ``picture`` the ``ipywidgets.Image`` of the
    figure (PNG), ``widget`` the box holding them; setting ``image.value`` or ``value.value``
    redraws, as the mouse does. Built by :func:`relevance_explorer`, which checks the arguments;
    each map ``relevance`` returns is checked when it is drawn.
    """

    def __init__(
        self,
        images: np.ndarray,
        relevance: Relevance,
        values: tuple[float, ...],
        names: Sequence[str],
        label: str,
        limit: str | float,
    ) -> None:
        import ipywidgets

        self.images, self.relevance, self.label, self.limit = images, relevance, label, limit
        self.image = _image_menu(names)
        self.value = ipywidgets.SelectionSlider(
            options=[(f"{value:g}", value) for value in values], description=label
        )
        self.picture = ipywidgets.Image(format="png")
        self.widget = ipywidgets.VBox([ipywidgets.HBox([self.image, self.value]), self.picture])
        self.image.observe(self._draw, names="value")
        self.value.observe(self._draw, names="value")
        self._draw()

    def _draw(self, change: Any = None) -> None:
        index, value = self.image.value, self.value.value
        heatmap = check_array(
            self.relevance(index, value),
            f"the map returned by relevance({index}, {value:g})",
            shape=self.images.shape[1:3],
            dtype_kind="fiu",
            finite=True,
        )
        figure = relevance_grid(
            heatmap[None, None],
            [[f"{self.label} = {value:g}"]],
            images=self.images[index : index + 1],
            row_titles=[self.image.label],
            limit=self.limit,
            size=3.0,
        )
        self.picture.value = _png(figure)


def relevance_explorer(
    images: np.ndarray,
    relevance: Relevance,
    values: Sequence[float],
    *,
    names: Sequence[str] | None = None,
    label: str = "gamma",
    limit: str | float = "typical",
) -> RelevanceExplorer:
    """A widget that draws ``relevance(image, value)`` beside the chosen image, the value chosen
    on a slider: LRP's gamma, an epsilon, a number of steps.

    Parameters
    ----------
    images
        (N, H, W, 3) RGB or (N, H, W) grey images, as :func:`relevance_grid` takes them.
    relevance
        Called as ``relevance(image, value)`` with the index of the image and the value chosen;
        returns the (H, W) relevance map at the image's size.
    values
        The values the slider offers, in the order given (at least one, distinct, finite); the
        first is shown first.
    names
        N names of the images (default "image 0", "image 1", ...).
    label
        The slider's name, also in the map's title (``"gamma = 0.25"``).
    limit
        As for :func:`relevance_grid`: ``"typical"``, ``"max"`` or a positive number.

    Returns
    -------
    RelevanceExplorer
        Displayed when it ends a notebook cell. Needs ``ipywidgets`` (in mnn's ``book`` extra).
    """
    count = _check_images(images)
    check_callable(relevance, "relevance", "relevance(image, value) -> (H, W) array")
    values = _check_values(values)
    names = _image_names(names, count)
    label = check_word(label, "label", "gamma")
    limit = check_limit(limit)
    _require_ipywidgets("relevance_explorer", "relevance_grid")
    return RelevanceExplorer(images, relevance, values, names, label, limit)


def _check_values(values: Any) -> tuple[float, ...]:
    """The slider's values: a non-empty list, tuple or 1-D array of distinct finite numbers."""
    if isinstance(values, np.ndarray):
        check_array(values, "values", ndim=1, dtype_kind="fiu", finite=True)
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"values must be a list of the numbers the slider offers, such as [0, 0.25, 1], got "
            f"{describe(values)}."
        )
    if not values:
        raise ValueError("values must hold at least one number for the slider, got none.")
    checked = tuple(check_scalar(value, f"values[{i}]") for i, value in enumerate(values))
    if len(set(checked)) != len(checked):
        raise ValueError(f"values must be distinct (each is a stop of the slider), got {checked}.")
    return checked


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
