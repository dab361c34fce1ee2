"""How well a low-dimensional code keeps the structure of the images it encodes.

- :func:`~mnn.models.knn_accuracy`: do the codes of images of one class lie together? The
  accuracy of a k-nearest-neighbour classifier in the code space, cross-validated.
- :func:`~mnn.models.embedding_scores`: that, and the *trustworthiness* of the embedding (Venna
  and Kaski, 2001), :math:`T(k) = 1 - \\frac{2}{N k (2N - 3k - 1)} \\sum_i \\sum_{j \\in U_k(i)}
  (r(i, j) - k)`, where :math:`U_k(i)` are the :math:`k` nearest neighbours of image :math:`i` in
  the code space that are not among its :math:`k` nearest in pixel space, and :math:`r(i, j)`
  the rank of :math:`j` among the pixel-space neighbours of :math:`i`. :math:`T = 1` when every
  neighbour in the code was a neighbour in pixel space.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._validation import check_array, check_nonempty, check_positive_int, check_seed, describe


def _check_codes(codes: np.ndarray, labels: np.ndarray) -> None:
    check_array(codes, "codes", ndim=2, dtype_kind="f", finite=True)
    check_nonempty(codes, "codes", what="code")
    check_array(labels, "labels", shape=(len(codes),), dtype_kind="iu")


def _check_neighbours(k: Any, folds: Any, labels: np.ndarray) -> tuple[int, int]:
    """``k`` and ``folds`` checked against the labels of the codes: a stratified fold needs a
    class with an example in every fold, and every fold must find ``k`` neighbours among the
    codes of the other folds."""
    folds = check_positive_int(folds, "folds", minimum=2)
    count, largest = len(labels), int(np.unique(labels, return_counts=True)[1].max())
    if folds > largest:
        raise ValueError(
            f"folds must be at most {largest}, the number of codes of the largest class in "
            f"labels (stratified folds need a class present in every fold), got {folds}."
        )
    k = check_positive_int(k, "k")
    neighbours = count - math.ceil(count / folds)
    if k > neighbours:
        raise ValueError(
            f"k must be at most {neighbours}: with {count} codes in {folds} folds, the largest "
            f"fold finds only {neighbours} neighbours in the others; got k={k}."
        )
    return k, folds


def knn_accuracy(
    codes: np.ndarray, labels: np.ndarray, k: int = 5, folds: int = 5, seed: int = 0
) -> float:
    """Mean accuracy of a k-nearest-neighbour classifier (Euclidean, majority vote) on the codes,
    over ``folds`` stratified folds: each fold is classified by the neighbours it finds in the
    other folds.

    Parameters
    ----------
    codes
        (N, d) codes.
    labels
        (N,) integer classes.
    k
        Neighbours that vote.
    folds
        Number of folds; the folds are shuffled with ``seed``.
    """
    # Imported here, as in every function of mnn.models that needs scikit-learn: at the top of
    # the module it would make ``import mnn.models`` several times slower.
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    _check_codes(codes, labels)
    k, folds = _check_neighbours(k, folds, labels)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=check_seed(seed))
    scores = cross_val_score(KNeighborsClassifier(k), codes, labels, cv=splitter)
    return float(np.mean(scores))


def embedding_scores(
    images: np.ndarray, codes: np.ndarray, labels: np.ndarray, k: int = 5
) -> dict[str, float]:
    """``{"knn_accuracy": ..., "trustworthiness": ...}`` of the codes of ``images``.

    Parameters
    ----------
    images
        (N, ...) the images (flattened to (N, P) pixel vectors).
    codes
        (N, d) their codes.
    labels
        (N,) their classes.
    k
        Neighbours for both scores.
    """
    from sklearn.manifold import trustworthiness

    _check_codes(codes, labels)
    check_array(images, "images", dtype_kind="fiu", finite=True)
    if images.ndim == 0:
        raise ValueError(f"images must be a batch (N, ...) of images, got {describe(images)}.")
    if len(images) != len(codes):
        raise ValueError(
            f"images must hold one image per code: got {len(images)} images for {len(codes)} codes."
        )
    k = check_positive_int(k, "k")
    if not k < len(codes) / 2:
        raise ValueError(
            f"k must be less than half the number of codes ({len(codes)}) for the "
            f"trustworthiness, got k={k}."
        )
    pixels = images.reshape(len(images), -1).astype(np.float64)
    return {
        "knn_accuracy": knn_accuracy(codes, labels, k),
        "trustworthiness": float(trustworthiness(pixels, codes, n_neighbors=k)),
    }
