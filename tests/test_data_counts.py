"""mnn.data.class_counts against collections.Counter."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mnn.data import class_counts


def test_counts_match_a_counter_and_keep_empty_classes() -> None:
    labels = np.random.default_rng(0).integers(0, 4, 200).astype(np.uint8)
    labels[labels == 2] = 1  # class "c" ends up with no example
    names = ("a", "b", "c", "d", "e")
    counted = Counter(labels.tolist())
    expected = {name: counted.get(index, 0) for index, name in enumerate(names)}
    assert class_counts(labels, names) == expected
    assert list(class_counts(labels, names)) == list(names)
    assert class_counts(labels, names)["c"] == 0 == class_counts(labels, names)["e"]


def test_labels_beyond_the_classes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*class names that match"):
        class_counts(np.array([0, 3]), ("a", "b", "c"))
    with pytest.raises(TypeError, match="labels must have a signed integer or unsigned"):
        class_counts(np.array([0.0, 1.0]), ("a", "b"))
    with pytest.raises(ValueError, match="labels must have 1 dimensions"):
        class_counts(np.zeros((2, 2), dtype=int), ("a", "b"))
