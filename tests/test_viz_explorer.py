"""mnn.viz.heatmap_explorer: the menus call the heatmap function with what they show, and the
picture is the overlay figure of that choice."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn.viz import heatmap_explorer, overlay_grid

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(2, 24, 32, 3), dtype=np.uint8)
CLASSES = [[("tabby 0.41", 281), ("tiger cat 0.30", 282)], [("espresso 0.94", 967)]]
LAYERS = ["head", "blocks.7"]


class Heatmaps:
    """A heatmap function that records its calls; each choice gets its own map."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, image: int, target: int, layer: str) -> np.ndarray:
        self.calls.append((image, target, layer))
        seed = hash((image, target, layer)) % 2**32
        return np.random.default_rng(seed).random(IMAGES.shape[1:3])


def png_of(image: int, target: int, layer: str, title: str, name: str) -> bytes:
    """The overlay figure drawn directly, the oracle of the explorer's picture."""
    figure = overlay_grid(
        IMAGES[image : image + 1],
        Heatmaps()(image, target, layer)[None, None],
        [[title]],
        row_titles=[name],
        size=4.0,
        colorbar=True,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def test_the_first_choice_is_drawn_at_once() -> None:
    heatmaps = Heatmaps()
    explorer = heatmap_explorer(IMAGES, heatmaps, CLASSES, LAYERS, names=["cat", "coffee"])
    assert heatmaps.calls == [(0, 281, "head")]
    assert explorer.picture.value == png_of(0, 281, "head", "tabby 0.41 · head", "cat")
    assert plt.get_fignums() == []  # drawn off screen, nothing left for the notebook to show


def test_each_menu_redraws_once_with_its_choice() -> None:
    heatmaps = Heatmaps()
    explorer = heatmap_explorer(IMAGES, heatmaps, CLASSES, LAYERS, names=["cat", "coffee"])
    explorer.layer.value = "blocks.7"
    explorer.target.value = 282
    assert explorer.picture.value == png_of(0, 282, "blocks.7", "tiger cat 0.30 · blocks.7", "cat")
    explorer.image.value = 1  # the class menu now offers the coffee's classes
    assert explorer.target.options == (("espresso 0.94", 967),)
    assert heatmaps.calls == [
        (0, 281, "head"),
        (0, 281, "blocks.7"),
        (0, 282, "blocks.7"),
        (1, 967, "blocks.7"),
    ]
    expected = png_of(1, 967, "blocks.7", "espresso 0.94 · blocks.7", "coffee")
    assert explorer.picture.value == expected


def test_it_shows_as_a_widget() -> None:
    explorer = heatmap_explorer(IMAGES, Heatmaps(), CLASSES, LAYERS)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert explorer.image.label == "image 0"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ((IMAGES, "not callable", CLASSES, LAYERS), TypeError, "heatmap must be a callable"),
        ((IMAGES, Heatmaps(), CLASSES[:1], LAYERS), ValueError, "got 1 lists for 2 images"),
        ((IMAGES, Heatmaps(), [CLASSES[0], []], LAYERS), ValueError, r"classes\[1\] must be"),
        ((IMAGES, Heatmaps(), [CLASSES[0], [281]], LAYERS), ValueError, r"\(label, class index\)"),
        ((IMAGES, Heatmaps(), CLASSES, []), ValueError, "layers must hold at least one"),
        ((IMAGES, Heatmaps(), CLASSES, "head"), TypeError, r"layers must be a list .*\['head'\]"),
        ((IMAGES[:0], Heatmaps(), [], LAYERS), ValueError, "images must hold at least one image"),
    ],
    ids=["heatmap", "classes count", "no class", "bare index", "no layer", "one string", "empty"],
)
def test_bad_input_is_refused_clearly(arguments, error, message) -> None:
    with pytest.raises(error, match=message):
        heatmap_explorer(*arguments)


def test_names_must_match_the_images() -> None:
    with pytest.raises(ValueError, match="names must hold 2 names, got 1"):
        heatmap_explorer(IMAGES, Heatmaps(), CLASSES, LAYERS, names=["cat"])


@pytest.mark.parametrize(
    ("returned", "error", "message"),
    [
        (np.ones((7, 7)), ValueError, r"must have shape \(24, 32\)"),
        (np.full((24, 32), np.nan), ValueError, "must be finite"),
        (np.ones((24, 32)).tolist(), TypeError, "must be a NumPy array"),
        (np.ones((24, 32), dtype=bool), TypeError, "must have a floating .* dtype"),
    ],
    ids=["wrong size", "NaN", "a list", "bool"],
)
def test_a_bad_map_is_refused_naming_the_call(returned, error, message) -> None:
    with pytest.raises(error, match=r"heatmap\(0, 281, 'head'\) " + message):
        heatmap_explorer(IMAGES, lambda image, target, layer: returned, CLASSES, LAYERS)
