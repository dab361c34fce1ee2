"""Overlays: the course's jet blend, blue-grey-red for signed maps, and their grids."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from mnn.explain import to_input
from mnn.viz import DIVERGING, diverging_overlay, heatmap_grid, overlay_grid, superimpose

RNG = np.random.default_rng(0)
IMAGE = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
HEATMAP = RNG.standard_normal((6, 7))


def course_superimpose(image: np.ndarray, heatmap: np.ndarray, alpha: float) -> np.ndarray:
    """The course's superimpose_heatmap without its resize: 8-bit jet lookup, then a blend."""
    heatmap_uint8 = np.uint8(np.maximum(heatmap, 0) / heatmap.max() * 255)
    jet_colors = matplotlib.colormaps["jet"](np.arange(256))[:, :3]
    return image / 255 * (1 - alpha) + jet_colors[heatmap_uint8] * alpha


def test_superimpose_is_the_course_blend():
    for alpha in (0.0, 0.4, 1.0):
        result = superimpose(IMAGE, HEATMAP, alpha=alpha)
        np.testing.assert_allclose(result, course_superimpose(IMAGE, HEATMAP, alpha), rtol=1e-12)
    np.testing.assert_allclose(superimpose(IMAGE, HEATMAP, alpha=0.0), IMAGE / 255)
    top = np.unravel_index(HEATMAP.argmax(), HEATMAP.shape)
    colour = superimpose(IMAGE, HEATMAP, alpha=1.0)
    np.testing.assert_allclose(colour[top], matplotlib.colormaps["jet"](1.0)[:3])
    np.testing.assert_allclose(
        colour[HEATMAP < 0], np.tile(matplotlib.colormaps["jet"](0.0)[:3], (np.sum(HEATMAP < 0), 1))
    )


def test_superimpose_accepts_grey_and_float_images():
    grey = RNG.random((6, 7))
    result = superimpose(grey, HEATMAP, alpha=0.0)
    np.testing.assert_allclose(result, np.repeat(grey[..., None], 3, axis=-1))
    assert superimpose(grey, np.zeros((6, 7))).shape == (6, 7, 3)


def test_diverging_overlay_colours_by_sign():
    values = np.array([[-2.0, 0.0, 1.0, 2.0]])
    image = np.full((1, 4, 3), 0.5)
    colour = diverging_overlay(image, values, alpha=1.0)
    np.testing.assert_allclose(colour[0, 0], to_rgb("#2166ac"))
    np.testing.assert_allclose(colour[0, 1], to_rgb("#bdbdbd"))
    np.testing.assert_allclose(colour[0, 3], to_rgb("#b2182b"))
    np.testing.assert_allclose(colour[0, 2], DIVERGING(0.75)[:3])
    limited = diverging_overlay(image, values, alpha=1.0, limit=1.0)
    np.testing.assert_allclose(limited[0, 2], to_rgb("#b2182b"))
    blended = diverging_overlay(IMAGE, np.zeros((6, 7)), alpha=0.0)
    np.testing.assert_allclose(blended[..., 0], IMAGE.mean(axis=-1) / 255)


def test_heatmap_grid_rows_of_image_heatmap_overlay():
    heatmaps = RNG.standard_normal((3, 6, 7))
    fig = heatmap_grid(IMAGE, heatmaps, ["a 0.5", "b 0.3", "c 0.1"])
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 9
    np.testing.assert_array_equal(shown[4].images[0].get_array(), heatmaps[1])
    np.testing.assert_allclose(shown[5].images[0].get_array(), superimpose(IMAGE, heatmaps[1]))
    assert shown[3].get_ylabel() == "b 0.3" and shown[1].get_title() == "heatmap"
    plt.close(fig)
    fig = heatmap_grid(np.stack([IMAGE] * 3), heatmaps, diverging=True)
    limit = np.abs(heatmaps[2]).max()
    assert fig.axes[7].images[0].get_clim() == (-limit, limit)
    plt.close(fig)


def test_overlay_grid_one_row_per_image():
    images = np.stack([IMAGE, IMAGE[::-1]])
    heatmaps = RNG.random((2, 3, 6, 7))
    titles = [["x", "y", "z"], ["u", "v", "w"]]
    fig = overlay_grid(images, heatmaps, titles, row_titles=["first", "second"])
    assert len(fig.axes) == 8
    assert fig.axes[6].get_title() == "v" and fig.axes[4].get_title() == "second"
    np.testing.assert_allclose(
        fig.axes[7].images[0].get_array(), superimpose(images[1], heatmaps[1, 2])
    )
    plt.close(fig)


def test_bad_input():
    with pytest.raises(ValueError, match=r"heatmap has shape \(3, 3\) but the image is \(6, 7\).*"):
        superimpose(IMAGE, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"mnn\.explain\.to_input"):
        diverging_overlay(IMAGE, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*image / 255"):
        superimpose(IMAGE.astype(np.float64), HEATMAP)
    with pytest.raises(ValueError, match=r"\(H, W, 3\) RGB or \(H, W\) grey"):
        superimpose(np.zeros((6, 7, 4), np.uint8), HEATMAP)
    with pytest.raises(ValueError, match=r"alpha must be a real number in \[0, 1\], got 1.5"):
        superimpose(IMAGE, HEATMAP, alpha=1.5)
    with pytest.raises(ValueError, match=r"limit must be finite and greater than 0"):
        diverging_overlay(IMAGE, HEATMAP, limit=0.0)
    with pytest.raises(ValueError, match=r"got 2 titles for 3 heatmaps"):
        heatmap_grid(IMAGE, np.zeros((3, 6, 7)), ["a", "b"])
    with pytest.raises(ValueError, match=r"titles must be 1 rows of 2 strings"):
        overlay_grid(IMAGE[None], np.zeros((1, 2, 6, 7)), [["a"]])


def test_numpy_numbers_are_numbers():
    np.testing.assert_array_equal(
        superimpose(IMAGE, HEATMAP, alpha=np.float32(0.25)), superimpose(IMAGE, HEATMAP, alpha=0.25)
    )
    np.testing.assert_array_equal(
        diverging_overlay(IMAGE, HEATMAP, alpha=np.float32(0.5), limit=np.float32(2.0)),
        diverging_overlay(IMAGE, HEATMAP, alpha=0.5, limit=2.0),
    )


def test_bad_input_says_what_to_do():
    small = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"to_input\(heatmap, input_size=\(6, 7\)\)") as error:
        superimpose(IMAGE, small)
    assert "model, mode='roi'" in str(error.value)
    # The advice works as written.
    assert superimpose(IMAGE, to_input(small, input_size=(6, 7))).shape == (6, 7, 3)
    with pytest.raises(ValueError, match=r"image\[\.\.\., 0\] for a \(H, W, 1\) grey image"):
        superimpose(IMAGE[..., :1], HEATMAP)
    with pytest.raises(ValueError, match=r"image\[\.\.\., :3\] to drop the alpha channel"):
        superimpose(np.concatenate([IMAGE, IMAGE[..., :1]], axis=-1), HEATMAP)
    with pytest.raises(
        ValueError, match=r"or \(H, W\) grey, got array of shape \(2, 6, 7\)[^;]*\.$"
    ):
        superimpose(np.zeros((2, 6, 7)), HEATMAP)  # no advice about channels for a batch
    with pytest.raises(
        ValueError, match=r"size must be a real number in \(0, 10\], got 0; it is the side"
    ):
        heatmap_grid(IMAGE, HEATMAP[None], size=0)
    with pytest.raises(TypeError, match=r"uint8 \(0-255\) or floating.*image\.astype\(np\.uint8\)"):
        superimpose(IMAGE.astype(np.int64), HEATMAP)
    with pytest.raises(ValueError, match=r"image is empty"):
        superimpose(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0)))
    with pytest.raises(TypeError, match=r"limit must be a real number, got str"):
        diverging_overlay(IMAGE, HEATMAP, limit="1")
    with pytest.raises(ValueError, match=r"limit must be finite and greater than 0, got inf"):
        diverging_overlay(IMAGE, HEATMAP, limit=np.inf)


def test_heatmap_column_has_the_colours_of_the_overlay():
    """Each pixel of the jet heatmap column has the colour superimpose blends in (alpha = 1),
    up to one of its 256 levels, also where the map is negative or zero everywhere."""
    signed = RNG.standard_normal((6, 7))
    heatmaps = np.stack([signed, np.abs(signed) + 0.5, np.zeros((6, 7))])
    fig = heatmap_grid(IMAGE, heatmaps)
    for row, (heatmap, extend) in enumerate(
        zip(heatmaps, ["min", "neither", "neither"], strict=True)
    ):
        shown = fig.axes[3 * row + 1].images[0]
        assert shown.get_clim() == (0.0, heatmap.max() or 1.0)
        drawn = shown.to_rgba(shown.get_array())[..., :3]
        np.testing.assert_allclose(drawn, superimpose(IMAGE, heatmap, alpha=1.0), atol=0.02)
        assert shown.colorbar.extend == extend
    plt.close(fig)


def test_empty_grids_are_refused():
    with pytest.raises(ValueError, match=r"heatmaps is empty, array of shape \(0, 6, 7\)"):
        heatmap_grid(IMAGE, np.zeros((0, 6, 7)))
    with pytest.raises(ValueError, match=r"heatmaps is empty, array of shape \(1, 0, 6, 7\)"):
        overlay_grid(IMAGE[None], np.zeros((1, 0, 6, 7)))


def test_wrong_number_of_heatmap_dimensions_says_how_to_fix_it():
    with pytest.raises(ValueError, match=r"one \(H, W\) map.*pass heatmaps\[i\] of a batch"):
        superimpose(IMAGE, HEATMAP[None])
    with pytest.raises(ValueError, match=r"\(K, H, W\).*pass heatmap\[None\]"):
        heatmap_grid(IMAGE, HEATMAP)
    with pytest.raises(ValueError, match=r"\(R, C, H, W\).*pass heatmaps\[:, None\]"):
        overlay_grid(IMAGE[None], HEATMAP[None])
    # The advice works as written.
    plt.close(heatmap_grid(IMAGE, HEATMAP[None]))
    plt.close(overlay_grid(IMAGE[None], HEATMAP[None][:, None]))
