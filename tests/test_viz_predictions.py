"""plot_predictions draws each image beside the bars of each model's top classes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn.models.imagenet import Prediction
from mnn.viz import plot_predictions


def _top(names: str, probabilities: list[float]) -> list[Prediction]:
    pairs = zip(names.split(), probabilities, strict=True)
    return [Prediction(i, name, p) for i, (name, p) in enumerate(pairs)]


def test_bars_show_the_given_probabilities_in_rank_order() -> None:
    images = np.zeros((2, 8, 8, 3), np.uint8)
    predictions = {
        "PyTorch": [_top("cat dog", [0.7, 0.2]), _top("cup mug", [0.5, 0.4])],
        "Keras": [_top("cat dog", [0.6, 0.3]), _top("cup mug", [0.5, 0.4])],
    }
    fig = plot_predictions(images, predictions, titles=["a", "b"])
    axes = np.array(fig.axes).reshape(2, 3)
    assert axes[0, 0].get_title() == "a" and axes[0, 2].get_title() == "Keras"
    widths = [bar.get_width() for bar in axes[0, 2].patches]
    assert widths == [0.6, 0.3]
    assert [t.get_text() for t in axes[1, 1].get_yticklabels()] == ["cup", "mug"]
    assert axes[1, 1].yaxis_inverted()  # the most probable class on top
    plt.close(fig)


def test_errors() -> None:
    images = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match=r"predictions\['Keras'\] has 1 entries for 2 images"):
        plot_predictions(images, {"Keras": [_top("cat", [1.0])]})
    with pytest.raises(ValueError, match="got 1 titles for 2 images"):
        plot_predictions(images, {}, titles=["a"])
    with pytest.raises(ValueError, match=r"shape \(any, any, any, 3\)"):
        plot_predictions(images[..., 0], {})
    with pytest.raises(ValueError, match=r"images\[0\] must have values in \[0, 1\].*/ 255"):
        plot_predictions(np.full((2, 8, 8, 3), 200.0), {})
    with pytest.raises(ValueError, match=r"images is empty"):
        plot_predictions(images[:0], {})


def test_images_are_drawn_as_pixels() -> None:
    images = np.random.default_rng(0).integers(0, 256, (1, 4, 4, 3), dtype=np.uint8)
    fig = plot_predictions(images, {"a": [[Prediction(0, "cat", 1.0)]]})
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), images[0] / 255)
    plt.close(fig)
