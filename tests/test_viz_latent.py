"""Latent scatter, latent plane and reconstruction grids draw exactly what they are given."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mnn
from mnn.viz import latent_plane, latent_scatter, reconstruction_grid

NAMES = ["coat", "shirt", "bag"]


def test_latent_scatter_draws_each_class_in_its_colour_with_its_name() -> None:
    rng = np.random.default_rng(0)
    labels = np.array([2, 0, 1, 2, 2, 0])
    codes = rng.normal(size=(6, 2))
    ax = latent_scatter(codes, labels, NAMES, title="codes")
    assert [text.get_text() for text in ax.get_legend().get_texts()] == NAMES
    for index, collection in enumerate(ax.collections):
        np.testing.assert_array_equal(collection.get_offsets(), codes[labels == index])
    colours = {tuple(c.get_facecolor()[0][:3]) for c in ax.collections}
    assert len(colours) == 3
    assert ax.get_title() == "codes" and ax.get_xlabel() == "$z_1$"
    plt.close(ax.figure)
    assert latent_scatter(codes, labels, NAMES, legend=False).get_legend() is None


def test_latent_scatter_errors() -> None:
    with pytest.raises(ValueError, match=r"labels must lie in 0 \.\. 2 \(one per class name\)"):
        latent_scatter(np.zeros((2, 2)), np.array([0, 3]), NAMES)
    with pytest.raises(ValueError, match="class_names is empty"):
        latent_scatter(np.zeros((2, 2)), np.array([0, 1]), [])
    with pytest.raises(ValueError, match=r"codes must have shape \(any, 2\)"):
        latent_scatter(np.zeros((2, 3)), np.array([0, 1]), NAMES)


def test_latent_plane_puts_each_decoded_image_at_its_code() -> None:
    codes = np.array([[0.0, 0.0], [3.0, 2.0]], np.float32)
    grid = mnn.models.latent_grid(codes, n=3, quantiles=(0.0, 1.0))
    # Image i is a constant tile of value i / 8, marked with its own code.
    images = np.repeat(np.arange(9, dtype=np.float32)[:, None, None] / 8, 4, axis=1)
    images = np.repeat(images, 4, axis=2)
    ax = latent_plane(images, grid)
    shown = ax.images[0]
    mosaic = np.asarray(shown.get_array())
    assert mosaic.shape == (12, 12)
    left, right, bottom, top = shown.get_extent()
    assert (left, right, bottom, top) == pytest.approx((-0.75, 3.75, -0.5, 2.5))
    for index, (z1, z2) in enumerate(grid):
        column = int((z1 - left) / (right - left) * 12)
        row = int((top - z2) / (top - bottom) * 12)
        assert mosaic[row, column] == pytest.approx(index / 8)
    plt.close(ax.figure)


def test_latent_plane_refuses_codes_that_are_not_its_lattice() -> None:
    grid = mnn.models.latent_grid(np.array([[0.0, 0.0], [1.0, 1.0]], np.float32), n=3)
    images = np.zeros((9, 4, 4), np.float32)
    with pytest.raises(ValueError, match="regular n x n lattice"):
        latent_plane(images, grid[::-1].copy())
    with pytest.raises(ValueError, match="regular n x n lattice"):
        latent_plane(images[:8], grid[:8])
    with pytest.raises(ValueError, match=r"grid must have shape \(9, 2\)"):
        latent_plane(images, grid[:4])


def test_reconstruction_grid_rows_columns_and_ranges() -> None:
    rng = np.random.default_rng(1)
    rows = {"input": rng.random((4, 5, 5)), "noisy": rng.normal(size=(4, 5, 5))}
    fig = reconstruction_grid(rows, ranges={"noisy": (-3.0, 3.0)}, title="t")
    axes = np.array(fig.axes).reshape(2, 4)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["input", "noisy"]
    np.testing.assert_array_equal(axes[1, 2].images[0].get_array(), rows["noisy"][2])
    assert axes[0, 3].images[0].get_clim() == (0.0, 1.0)
    assert axes[1, 0].images[0].get_clim() == (-3.0, 3.0)
    plt.close(fig)


def test_reconstruction_grid_errors() -> None:
    with pytest.raises(ValueError, match="rows is empty"):
        reconstruction_grid({})
    with pytest.raises(ValueError, match=r"rows\['b'\] has \(3, 5, 5\)"):
        reconstruction_grid({"a": np.zeros((4, 5, 5)), "b": np.zeros((3, 5, 5))})
    with pytest.raises(ValueError, match=r"ranges names rows that do not exist: \['c'\]"):
        reconstruction_grid({"a": np.zeros((4, 5, 5))}, ranges={"c": (0, 1)})


def test_reconstruction_grid_refuses_images_on_another_scale() -> None:
    pixels = np.linspace(0, 255, 75).round().astype(np.uint8).reshape(3, 5, 5)
    with pytest.raises(
        ValueError,
        match=r"rows\['input'\] has values from 0 to 255, far outside its "
        r"colour range \(0, 1\).*divide 0-255 pixels by 255, or pass ranges=",
    ):
        reconstruction_grid({"input": pixels})
    with pytest.raises(ValueError, match=r"far outside its colour range \(0, 1\)"):
        reconstruction_grid({"input": pixels / 255, "output": pixels.astype(np.float32)})
    # A range that fits is the documented way to show them; a slight overshoot is drawn clipped.
    fig = reconstruction_grid(
        {"input": pixels, "overshoot": pixels / 255 * 1.4 - 0.2}, ranges={"input": (0, 255)}
    )
    assert fig.axes[0].images[0].get_clim() == (0, 255)
    plt.close(fig)
    with pytest.raises(
        ValueError, match=r"ranges\['input'\] must be a pair \(low, high\).*got \(1, 0\)"
    ):
        reconstruction_grid({"input": pixels}, ranges={"input": (1, 0)})
    with pytest.raises(ValueError, match=r"must be a pair.*got \(0, 1, 2\)"):
        reconstruction_grid({"input": pixels}, ranges={"input": (0, 1, 2)})
    with pytest.raises(ValueError, match=r"rows\['input'\] must be finite"):
        reconstruction_grid({"input": np.full((1, 2, 2), np.nan)})
    with pytest.raises(ValueError, match=r"the rows hold no images, shape \(0, 5, 5\)"):
        reconstruction_grid({"input": pixels[:0]})


def test_latent_plane_refuses_images_on_another_scale() -> None:
    grid = mnn.models.latent_grid(np.array([[0.0, 0.0], [1.0, 1.0]], np.float32), n=2)
    images = np.full((4, 3, 3), 200.0, np.float32)
    with pytest.raises(
        ValueError,
        match=r"images has values from 200 to 200, far outside its "
        r"colour range \(0, 1\).*divide 0-255 pixels by 255",
    ):
        latent_plane(images, grid)
