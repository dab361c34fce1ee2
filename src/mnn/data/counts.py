"""How many examples of each class a label array holds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_array, check_in_range


def class_counts(labels: np.ndarray, class_names: Sequence[str]) -> dict[str, int]:
    """The number of examples of each class, in the order of ``class_names``.

    Parameters
    ----------
    labels
        (N,) integer labels in ``0 .. len(class_names) - 1``.
    class_names
        The names of the classes, indexed by label, e.g. :data:`~mnn.data.MNIST_CLASSES`.

    Returns
    -------
    dict
        ``{class_name: count}`` for every class, including those with no example (count 0).
    """
    check_array(labels, "labels", ndim=1, dtype_kind="iu")
    check_in_range(
        labels, "labels", 0, len(class_names) - 1, "pass the class names that match these labels."
    )
    counts = np.bincount(labels, minlength=len(class_names))
    return dict(zip(class_names, counts.tolist(), strict=True))
