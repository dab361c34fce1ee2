"""mnn.data.class_counts against collections.Counter, first_of_each_class against a loop."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mnn.data import class_counts, first_of_each_class


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


def test_first_of_each_class_matches_a_scan_of_the_labels() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 60)
    where = rng.random(60) < 0.5
    for mask in (None, where):
        expected = []
        for c in range(4):
            expected.append(
                next(
                    i for i, label in enumerate(labels) if label == c and (mask is None or mask[i])
                )
            )
        np.testing.assert_array_equal(first_of_each_class(labels, 4, mask), expected)


def test_first_of_each_class_names_the_classes_without_an_example() -> None:
    labels = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"classes \[2\] have no example; pass more"):
        first_of_each_class(labels, 3)
    with pytest.raises(ValueError, match=r"classes \[0\] have no example where `where` is True"):
        first_of_each_class(labels, 2, where=np.array([False, True, True, False]))
    with pytest.raises(ValueError, match="where must have shape"):
        first_of_each_class(labels, 2, where=np.array([True]))
