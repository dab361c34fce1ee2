"""plot_confusion_matrix draws the counts it is given, and refuses what is not a count matrix."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnn.viz import plot_confusion_matrix


def test_every_count_is_written_in_its_cell():
    matrix = np.array([[5, 1, 0], [2, 7, 0], [0, 0, 9]])
    ax = plot_confusion_matrix(matrix, ["a", "b", "c"], title="t")
    texts = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    assert texts == {(r, c): str(matrix[r, c]) for r in range(3) for c in range(3)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    plt.close(ax.figure)


def test_bad_matrices_are_refused():
    with pytest.raises(ValueError, match="must be square"):
        plot_confusion_matrix(np.zeros((2, 3), dtype=int))
    with pytest.raises(TypeError, match=r"matrix must hold integer counts.*without normalize="):
        plot_confusion_matrix(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="got 3 class names for a 2x2 matrix"):
        plot_confusion_matrix(np.zeros((2, 2), dtype=int), ["a", "b", "c"])
    # log1p(-1) is -inf: a negative count was drawn as an empty cell with a RuntimeWarning.
    with pytest.raises(ValueError, match=r"not negative, got -1 at \[1, 0\]"):
        plot_confusion_matrix(np.array([[3, 0], [-1, 2]]))
    with pytest.raises(ValueError, match=r"matrix is empty"):
        plot_confusion_matrix(np.zeros((0, 0), dtype=int))
