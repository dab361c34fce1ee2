"""Bad input to mnn.viz: the defects the sweep of issue #16 found, each refused with mnn's own
words before anything is drawn (every test here failed before the fix)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn import viz
from mnn.optim import ChainQuadratic, lbfgs

IMAGES = np.zeros((4, 8, 8))
LABELS = np.array([0, 0, 1, 1])
GRID = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
PROBLEM = ChainQuadratic(4)
RESULT = lbfgs(PROBLEM.fun, PROBLEM.grad, PROBLEM.x0)


@pytest.fixture(autouse=True)
def no_figure_left_open():
    """Every refusal comes before a figure is made: none may be left open."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


CASES = [
    # size: a string failed in a comparison, inf and 1e5 inside matplotlib.
    (
        lambda: viz.image_grid(IMAGES, size="a"),
        TypeError,
        r"size must be a real number in \(0, 10\]",
    ),
    (lambda: viz.image_grid(IMAGES, size=np.inf), ValueError, r"size must be .*, got inf"),
    (lambda: viz.image_grid(IMAGES, size=1e5), ValueError, "side of one cell in inches"),
    (lambda: viz.heatmap_grid(IMAGES[0], IMAGES, size="x"), TypeError, "size must be a real"),
    (lambda: viz.overlay_grid(IMAGES, IMAGES[:, None], size=np.inf), ValueError, "size must be"),
    (
        lambda: viz.plot_predictions(np.zeros((1, 4, 4, 3)), {}, size=0),
        ValueError,
        r"size must be a real number in \(0, 10\], got 0",
    ),
    # cmap: matplotlib's errors, a KeyError for superimpose.
    (lambda: viz.image_grid(IMAGES, cmap="nope"), ValueError, "cmap='nope' is not a Matplotlib"),
    (lambda: viz.image_grid(IMAGES, cmap=3), TypeError, "cmap must be the name of a Matplotlib"),
    (lambda: viz.superimpose(IMAGES[0], IMAGES[0], cmap="jett"), ValueError, "Did you mean 'jet'"),
    (lambda: viz.superimpose(IMAGES[0], IMAGES[0], cmap=np.array(["jet"])), TypeError, "cmap"),
    (lambda: viz.latent_plane(IMAGES[:, :2, :2], GRID, cmap="nope"), ValueError, "cmap='nope'"),
    (lambda: viz.reconstruction_grid({"x": IMAGES}, cmap="nope"), ValueError, "cmap='nope'"),
    # titles and names that are not lists of strings: len() of an int, or drawn as numbers.
    (lambda: viz.image_grid(IMAGES, titles=3), TypeError, "titles must be a list of strings"),
    (lambda: viz.image_grid(IMAGES, titles=[1, 2, 3, 4]), TypeError, "titles must hold strings"),
    (lambda: viz.image_grid(IMAGES, suptitle=3), TypeError, "suptitle must be a str or None"),
    (lambda: viz.class_grid(IMAGES, LABELS, iter(["a", "b"])), TypeError, "got list_iterator"),
    (lambda: viz.class_grid(IMAGES, LABELS, 2), TypeError, "class_names must be a list of str"),
    (lambda: viz.plot_confusion_matrix(np.eye(2, dtype=int), 3), TypeError, "class_names must"),
    (lambda: viz.plot_history({"a": [1.0]}, keys=3), TypeError, "keys must be a list of strings"),
    # seeds
    (lambda: viz.class_grid(IMAGES, LABELS, ["a", "b"], seed="x"), TypeError, "seed must be a"),
    # axis labels: "z" failed with IndexError.
    (
        lambda: viz.latent_scatter(IMAGES[:, 0, :2], LABELS, ["a", "b"], axis_labels="z"),
        TypeError,
        r"axis_labels must be a list of strings such as \['z'\]",
    ),
    (
        lambda: viz.latent_plane(IMAGES[:, :2, :2], GRID, axis_labels=("z",)),
        ValueError,
        "axis_labels must hold 2 names, got 1",
    ),
    (
        lambda: viz.latent_scatter(IMAGES[:, 0, :2], LABELS, ["a", "b"], marker_size="z"),
        TypeError,
        "marker_size must be a real number greater than 0",
    ),
    (
        lambda: viz.latent_scatter(IMAGES[:, 0, :2], LABELS, ["a", "b"], ax="axes"),
        TypeError,
        r"ax must be a matplotlib Axes, such as plt\.subplots\(\)\[1\], got str",
    ),
    # mappings: AttributeError: 'list' object has no attribute 'items'.
    (lambda: viz.reconstruction_grid([IMAGES]), TypeError, "rows must be a mapping such as"),
    (lambda: viz.reconstruction_grid({"x": IMAGES}, ranges=[(0, 1)]), TypeError, "ranges must"),
    (lambda: viz.plot_predictions(np.zeros((1, 4, 4, 3)), [[]]), TypeError, "predictions must"),
    (
        lambda: viz.plot_predictions(np.zeros((1, 4, 4, 3)), {"a": [[("cat", 0.9)]]}),
        TypeError,
        r"predictions\['a'\]\[0\]\[0\] must have a str attribute name",
    ),
    (
        lambda: viz.plot_predictions(
            np.zeros((1, 4, 4, 3)), {"a": [[SimpleNamespace(name="cat", probability=2.0)]]}
        ),
        ValueError,
        r"predictions\['a'\]\[0\]\[0\]\.probability must be a real number in \[0, 1\]",
    ),
    (lambda: viz.plot_convergence({"a": RESULT}, styles=[1]), TypeError, "styles must be a"),
    # plot_convergence: minimum=nan drew an empty plot; an array as quantity was unhashable.
    (
        lambda: viz.plot_convergence({"a": RESULT}, "fun", minimum=np.nan),
        ValueError,
        "minimum must be a finite real number, got nan",
    ),
    (lambda: viz.plot_convergence({"a": RESULT}, "fun", minimum="x"), TypeError, "minimum must"),
    (
        lambda: viz.plot_convergence({"a": RESULT}, np.array(["fun"])),
        ValueError,
        "quantity must be one of 'grad_norm', 'fun'; got array",
    ),
    # figures too large to draw: matplotlib's errors, or minutes of layout.
    (lambda: viz.image_grid(np.zeros((2000, 2, 2))), ValueError, "the number of cells to draw"),
    (
        lambda: viz.image_grid(np.zeros((100, 2, 2)), ncols=1, size=10),
        ValueError,
        r"the area of the figure, 10 x 1e\+03 inches, must be a real number of at most 5000",
    ),
]


@pytest.mark.parametrize(("draw", "error", "message"), CASES)
def test_bad_input_is_refused_before_drawing(draw, error, message) -> None:
    with pytest.raises(error, match=message):
        draw()


def test_figure_legend_checks_markerscale() -> None:
    fig, ax = plt.subplots(layout="constrained")
    ax.plot([1, 2], label="a")
    with pytest.raises(TypeError, match="markerscale must be a real number greater than 0"):
        viz.figure_legend(fig, markerscale="x")
    # A negative scale was accepted and drew mirrored markers.
    with pytest.raises(ValueError, match=r"markerscale must be .* greater than 0, got -1"):
        viz.figure_legend(fig, markerscale=-1.0)
    plt.close(fig)


def test_class_grid_counts_the_classes_before_making_the_figure() -> None:
    # per_class larger than a class first built a figure of per_class axes per class.
    with pytest.raises(ValueError, match=r"class 0 \('a'\) has 2 images, fewer than per_class=3"):
        viz.class_grid(IMAGES, LABELS, ["a", "b"], per_class=3)


def test_class_grid_draws_the_same_samples_as_before() -> None:
    images = np.arange(12 * 4, dtype=float).reshape(12, 2, 2)
    labels = np.repeat([0, 1, 2], 4)
    fig = viz.class_grid(images, labels, ["a", "b", "c"], per_class=2, seed=3)
    shown = [ax.images[0].get_array()[0, 0] for ax in fig.axes]
    rng = np.random.default_rng(3)
    expected = [
        images[index, 0, 0]
        for row in range(3)
        for index in rng.choice(np.flatnonzero(labels == row), size=2, replace=False)
    ]
    assert shown == expected
    plt.close(fig)


def test_a_colour_map_object_is_accepted_where_a_name_is() -> None:
    # superimpose looked the colour map up by name: TypeError: unhashable type.
    image, heatmap = np.zeros((2, 2)), np.eye(2)
    by_object = viz.superimpose(image, heatmap, cmap=plt.get_cmap("magma"))
    np.testing.assert_array_equal(by_object, viz.superimpose(image, heatmap, cmap="magma"))


@pytest.mark.parametrize("blank", ["", " ", "\u200b"])
def test_labels_that_draw_nothing_are_measured_as_nothing(blank) -> None:
    # matplotlib cannot make a TextPath of blanks: AttributeError from inside it.
    plt.close(viz.reconstruction_grid({blank: IMAGES / 2, "output": IMAGES}))
    plt.close(viz.image_grid(IMAGES, row_labels=[blank], ncols=4))
