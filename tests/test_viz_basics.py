"""Grids and curves draw what they are given, and refuse what they cannot draw."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn.viz import class_grid, image_grid, plot_history


def test_image_grid_lays_out_rows() -> None:
    images = np.random.default_rng(0).random((7, 5, 5))
    fig = image_grid(images, titles=[str(i) for i in range(7)], ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 9 and len(shown) == 7
    np.testing.assert_array_equal(shown[4].images[0].get_array(), images[4])
    assert shown[6].get_title() == "6"
    plt.close(fig)


def test_image_grid_errors() -> None:
    with pytest.raises(ValueError, match=r"RGB images must be \(N, H, W, 3\)"):
        image_grid(np.zeros((2, 4, 4, 4)))
    with pytest.raises(ValueError, match="got 1 titles for 2 images"):
        image_grid(np.zeros((2, 4, 4)), titles=["a"])


def test_image_grid_draws_rgb_pixels_on_their_scale() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (2, 4, 5, 3), dtype=np.uint8)
    fig = image_grid(pixels)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), pixels[1] / 255)
    plt.close(fig)
    # 0-255 floats would be clipped to white: refused with the fix.
    with pytest.raises(ValueError, match=r"images\[0\] must have values in \[0, 1\].*/ 255"):
        image_grid(pixels.astype(np.float64))
    with pytest.raises(TypeError, match=r"images\[0\] must be uint8 \(0-255\) or floating"):
        image_grid(pixels.astype(np.int64))
    with pytest.raises(ValueError, match=r"images must be finite, but 1 of its"):
        image_grid(np.where(np.eye(4) == 1, np.nan, 0.0)[None, :1])
    with pytest.raises(ValueError, match=r"images is empty, array of shape \(0, 4, 4\)"):
        image_grid(np.zeros((0, 4, 4)))


def test_class_grid_draws_each_class_from_its_own_images() -> None:
    labels = np.repeat(np.arange(3), 4).astype(np.uint8)
    images = labels[:, None, None] * np.ones((1, 2, 2))
    fig = class_grid(images, labels, ["a", "b", "c"], per_class=4)
    rows = np.array([ax.images[0].get_array().mean() for ax in fig.axes]).reshape(3, 4)
    np.testing.assert_array_equal(rows, np.repeat([[0], [1], [2]], 4, axis=1))
    assert fig.axes[4].get_ylabel() == "b"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"class 0 \('a'\) has 4 images, fewer than per_class=5"):
        class_grid(images, labels, ["a", "b", "c"], per_class=5)


def test_class_grid_needs_a_name_for_every_label() -> None:
    labels = np.repeat(np.arange(3), 4)
    images = np.zeros((12, 2, 2))
    # Two names for three classes silently left class 2 out.
    with pytest.raises(
        ValueError,
        match=r"labels must lie in 0 \.\. 1 \(one per class name\), "
        r"got values from 0 to 2",
    ):
        class_grid(images, labels, ["a", "b"], per_class=4)
    # A label -1 was reported as "class 2 ('c') has 0 images".
    with pytest.raises(ValueError, match=r"got values from -1 to 1"):
        class_grid(images, labels - 1, ["a", "b", "c"], per_class=4)
    with pytest.raises(ValueError, match="class_names is empty"):
        class_grid(images, labels, [], per_class=4)
    with pytest.raises(ValueError, match="images must be finite"):
        class_grid(np.full((12, 2, 2), np.nan), labels, ["a", "b", "c"], per_class=4)


def test_plot_history() -> None:
    ax = plot_history({"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.5, 2.4]})
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(ax.lines[1].get_xydata(), [[1, 3.1], [2, 2.5], [3, 2.4]])
    ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
    assert ticks == [1, 2, 3], "epochs are whole numbers"
    with pytest.raises(KeyError, match="history has no entries"):
        plot_history({"loss": [1.0]}, keys=["accuracy"])
    plt.close("all")


def test_plot_history_refuses_what_is_not_one_number_per_epoch() -> None:
    with pytest.raises(TypeError, match=r"pass its \.history, the dict that Keras' fit records"):
        # Like keras.callbacks.History, which fit returns: the dict is its .history.
        plot_history(SimpleNamespace(history={"loss": [1.0, 0.5]}))
    # A string was split into letters: "history has no entries ['l', 'o', 's', 's']".
    with pytest.raises(TypeError, match=r"keys must be a list of names, e.g. \['loss'\]"):
        plot_history({"loss": [1.0]}, keys="loss")
    with pytest.raises(ValueError, match="nothing to draw"):
        plot_history({})
    # A (epochs, 2) array was drawn as two lines under one label.
    with pytest.raises(ValueError, match=r"history\['loss'\] must hold one number per epoch"):
        plot_history({"loss": np.ones((3, 2))})
    with pytest.raises(ValueError, match=r"history\['loss'\] must hold one number per epoch"):
        plot_history({"loss": 0.5})
    # Matplotlib silently drops values <= 0 from a logarithmic axis.
    with pytest.raises(ValueError, match=r"history\['loss'\] has values <= 0 \(down to -1\)"):
        plot_history({"loss": [1.0, -1.0, 0.5]}, logy=True)
    ax = plot_history({"loss": np.array([2.0, np.nan, 0.5])}, logy=True)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [2.0, np.nan, 0.5])
    plt.close("all")
