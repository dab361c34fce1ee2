"""Relevance maps: a symmetric red/white/blue scale, the course's typical limit, bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from mnn.viz import RELEVANCE, relevance_grid, relevance_limit

RNG = np.random.default_rng(5)


def test_zero_is_white_and_the_signs_are_red_and_blue():
    np.testing.assert_allclose(RELEVANCE(0.5)[:3], to_rgb("#ffffff"), atol=2e-3)
    red, green, blue = RELEVANCE(1.0)[:3]
    assert red > 0.3 and red > 3 * blue and red > 3 * green
    red, green, blue = RELEVANCE(0.0)[:3]
    assert blue > 0.3 and blue > 3 * red


def test_the_limit_is_ten_times_the_cube_root_of_the_mean_cube_at_most_the_maximum():
    spread = RNG.standard_normal((20, 20))
    np.testing.assert_allclose(relevance_limit(spread), np.abs(spread).max())
    one_hot = np.zeros((20, 20))
    one_hot[3, 4] = -8.0
    one_hot[5, 5] = 0.01
    # (mean |R|^3)^(1/3) = (512 / 400)^(1/3); one pixel alone does not set the scale.
    np.testing.assert_allclose(relevance_limit(one_hot), min(8.0, 10 * (512.0 / 400) ** (1 / 3)))
    peaked = np.full((100, 100), 0.1)
    peaked[0, 0] = 1e3
    assert relevance_limit(peaked) == pytest.approx(10 * ((1e9 + 9999e-3) / 1e4) ** (1 / 3))
    assert relevance_limit(peaked) < 1e3
    assert relevance_limit(np.zeros((3, 3))) == 1.0


def test_each_map_gets_its_own_symmetric_scale():
    maps = RNG.standard_normal((2, 3, 6, 7)) * np.array([1.0, 10.0, 100.0])[:, None, None]
    images = RNG.integers(0, 256, (2, 6, 7, 3), dtype=np.uint8)
    titles = [["a", "b", "c"], ["d", "e", "f"]]
    fig = relevance_grid(maps, titles, images=images, row_titles=["x", "y"], limit="max")
    axes = np.array(fig.axes).reshape(2, 4)
    for row in range(2):
        for column in range(3):
            low, high = axes[row, column + 1].images[0].get_clim()
            assert high == -low == pytest.approx(np.abs(maps[row, column]).max())
    assert axes[1, 0].get_ylabel() == "y" and axes[0, 2].get_title() == "b"
    plt.close(fig)
    fig = relevance_grid(maps, limit=2.5)
    assert fig.axes[4].images[0].get_clim() == (-2.5, 2.5)
    plt.close(fig)


def test_bad_input_is_refused():
    maps = np.zeros((2, 1, 4, 4))
    with pytest.raises(ValueError, match=r"heatmaps must be \(R, C, H, W\).*heatmaps\[:, None\]"):
        relevance_grid(maps[:, 0])
    with pytest.raises(ValueError, match=r"titles must be 2 rows of 1 strings"):
        relevance_grid(maps, [["a"]])
    with pytest.raises(ValueError, match=r"got 3 images for 2 rows of maps"):
        relevance_grid(maps, images=np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match=r"limit must be 'typical', 'max' or a positive number"):
        relevance_grid(maps, limit="largest")
    with pytest.raises(ValueError, match=r"limit"):
        relevance_grid(maps, limit=-1.0)
