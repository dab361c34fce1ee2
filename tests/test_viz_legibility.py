"""Figures fit the book's column (at most 10 inches wide) with text of at least 10 points that
stays inside the figure, and the options that keep several panels legible work."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from mnn.models.imagenet import Prediction
from mnn.viz import (
    class_grid,
    figure_legend,
    image_grid,
    latent_scatter,
    overlay_grid,
    plot_confusion_matrix,
    plot_predictions,
    reconstruction_grid,
)

RNG = np.random.default_rng(0)


def assert_legible(fig: Figure) -> None:
    assert fig.get_figwidth() <= 10.0 + 1e-9, f"{fig.get_figwidth():.2f} in is wider than 10 in"
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert texts, "the figure has no text to check"
    for text in texts:
        assert text.get_fontsize() >= 10.0, f"{text.get_text()!r} is {text.get_fontsize()} pt"
    fig.canvas.draw()
    drawn = fig.get_tightbbox()  # inches, everything drawn: no text may stick out
    width, height = fig.get_size_inches()
    tolerance = 0.02
    assert drawn.x0 >= -tolerance and drawn.y0 >= -tolerance, f"{drawn} sticks out"
    assert drawn.x1 <= width + tolerance and drawn.y1 <= height + tolerance, f"{drawn} sticks out"
    plt.close(fig)


def test_image_grid_of_ten_columns_fits_with_titles_and_row_labels() -> None:
    images = RNG.random((20, 28, 28))
    titles = ["Ankle boot"] * 10 + [""] * 10
    fig = image_grid(images, titles=titles, row_labels=["bilinear", "ROI"], ncols=10)
    labels = [ax.get_ylabel() for ax in fig.axes[::10]]
    assert labels == ["bilinear", "ROI"]
    assert_legible(fig)
    fig = image_grid(images[:3], size=1.5)
    assert fig.get_figwidth() == pytest.approx(4.5), "an explicit size is kept"
    plt.close(fig)
    with pytest.raises(ValueError, match="got 1 row labels for 2 rows of 10 images"):
        image_grid(images, row_labels=["bilinear"])
    with pytest.raises(
        ValueError, match=r"size must be a real number in \(0, 10\], got 0; it is the side"
    ):
        image_grid(images, size=0)


def test_class_grid_and_reconstruction_grid_fit_their_row_names() -> None:
    labels = np.repeat(np.arange(10), 12).astype(np.uint8)
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"] + ["Ankle boot"] * 5
    assert_legible(class_grid(RNG.random((120, 28, 28)), labels, names, per_class=12))
    rows = {name: RNG.random((10, 28, 28)) for name in ("input", "autoencoder, 2-D code")}
    assert_legible(reconstruction_grid(rows, title="reconstructions"))


def test_predictions_leave_room_for_the_percentage_of_a_full_bar() -> None:
    top = [Prediction(0, "Granny Smith", 0.97), Prediction(1, "orange", 0.02)]
    predictions = {"PyTorch": [top], "Keras": [top]}
    fig = plot_predictions(np.zeros((1, 8, 8, 3), np.uint8), predictions, titles=["apple"])
    fig.canvas.draw()
    bars = fig.axes[1]
    label = next(t for t in bars.texts if t.get_text() == "97%")
    assert label.get_window_extent().x1 < bars.get_window_extent().x1
    assert_legible(fig)


def test_confusion_matrix_counts_are_legible() -> None:
    matrix = RNG.integers(0, 1200, size=(10, 10))
    ax = plot_confusion_matrix(matrix)
    assert_legible(ax.figure)


def test_overlay_grid_colorbar_spans_zero_to_one() -> None:
    images = RNG.random((2, 16, 16, 3))
    heatmaps = RNG.random((2, 3, 16, 16))
    titles = [["grad_cam · PyTorch"] * 3] * 2
    fig = overlay_grid(images, heatmaps, titles, row_titles=["cat", "rocket"], colorbar=True)
    assert len(fig.axes) == 2 * 4 + 1
    bar = fig.axes[-1]
    assert bar.get_ylim() == (0.0, 1.0) and bar.get_ylabel() == "heatmap / its maximum"
    assert_legible(fig)


def test_figure_legend_gathers_each_label_once_below_the_axes() -> None:
    fig, axes = plt.subplots(1, 3, figsize=(10, 4), layout="constrained")
    codes, labels = RNG.normal(size=(30, 2)), np.arange(30) % 3
    for ax in axes:
        latent_scatter(codes, labels, ["a", "b", "c"], ax=ax, legend=False)
    axes[2].plot([0, 1], [0, 1], label="diagonal")
    legend = figure_legend(fig, ncol=5)
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b", "c", "diagonal"]
    assert legend is fig.legends[0] and len(fig.legends) == 1
    fig.canvas.draw()
    lowest = min(ax.get_tightbbox().y0 for ax in axes)
    assert legend.get_window_extent().y1 <= lowest, "the legend covers an axes"
    assert_legible(fig)


def test_figure_legend_errors() -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], label="line")
    with pytest.raises(ValueError, match="needs a figure with constrained layout"):
        figure_legend(fig)
    plt.close(fig)
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([0, 1])
    with pytest.raises(ValueError, match="no labelled lines or points"):
        figure_legend(fig)
    ax.plot([0, 1], label="line")
    with pytest.raises(ValueError, match="ncol must be at least 1, got 0"):
        figure_legend(fig, ncol=0)
    with pytest.raises(TypeError, match=r"fig must be a matplotlib Figure, got Axes.*ax\.figure"):
        figure_legend(ax)
    plt.close(fig)
