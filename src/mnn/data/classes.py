"""Per-class views of a label array: how many examples, and the first example, of each class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_array, check_in_range, check_names, check_positive_int


def class_counts(labels: np.ndarray, class_names: Sequence[str]) -> dict[str, int]:
    """The number of examples of each class, in the order of ``class_names``.

    Parameters
    ----------
    labels
        (N,) integer labels in ``0 .. len(class_names) - 1``.
    class_names
        The names of the classes, indexed by label, e.g. :data:`~mnn.data.MNIST_CLASSES`; a
        list or tuple of distinct strings (a repeated name would merge two classes).

    Returns
    -------
    dict
        ``{class_name: count}`` for every class, including those with no example (count 0).
    """
    check_array(labels, "labels", ndim=1, dtype_kind="iu")
    class_names = check_names(class_names, "class_names", unique=True)
    check_in_range(
        labels, "labels", 0, len(class_names) - 1, "pass the class names that match these labels."
    )
    counts = np.bincount(labels, minlength=len(class_names))
    return dict(zip(class_names, counts.tolist(), strict=True))


def first_of_each_class(
    labels: np.ndarray, n_classes: int, where: np.ndarray | None = None
) -> np.ndarray:
    """The index of the first example of each class, e.g. to show one image per class.

    Parameters
    ----------
    labels
        (N,) integer labels in ``0 .. n_classes - 1``.
    n_classes
        The number of classes.
    where
        (N,) booleans: consider only these examples (e.g. the correctly classified ones);
        ``None`` considers all.

    Returns
    -------
    numpy.ndarray
        (n_classes,) indices into ``labels``, in class order.
    """
    check_array(labels, "labels", ndim=1, dtype_kind="iu")
    n_classes = check_positive_int(n_classes, "n_classes")
    check_in_range(labels, "labels", 0, n_classes - 1, "pass the number of classes they use.")
    eligible = np.ones(labels.shape, dtype=bool)
    if where is not None:
        eligible = check_array(where, "where", shape=labels.shape, dtype_kind="b")
    firsts = [np.flatnonzero(eligible & (labels == c)) for c in range(n_classes)]
    missing = [c for c, indices in enumerate(firsts) if indices.size == 0]
    if missing:
        among = " where `where` is True" if where is not None else ""
        raise ValueError(f"classes {missing} have no example{among}; pass more examples.")
    return np.array([indices[0] for indices in firsts])
