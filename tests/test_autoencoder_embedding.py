"""Scores of a low-dimensional code: k-NN accuracy against a naive classifier, trustworthiness."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

import mnn


def naive_knn_accuracy(codes, labels, k, folds, seed) -> float:
    """Majority vote of the k nearest codes of the other folds (ties: the smallest label)."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = []
    for train, test in splitter.split(codes, labels):
        distances = np.linalg.norm(codes[test, None] - codes[None, train], axis=-1)
        nearest = np.argsort(distances, axis=1)[:, :k]
        votes = labels[train][nearest]
        predicted = np.array([np.bincount(v, minlength=labels.max() + 1).argmax() for v in votes])
        scores.append(np.mean(predicted == labels[test]))
    return float(np.mean(scores))


def test_knn_accuracy_matches_a_naive_classifier() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 200)
    codes = rng.normal(size=(200, 2)) + labels[:, None] * 0.8
    accuracy = mnn.models.knn_accuracy(codes, labels, k=5, folds=5, seed=1)
    assert accuracy == pytest.approx(naive_knn_accuracy(codes, labels, 5, 5, 1), abs=1e-12)
    assert 0.3 < accuracy < 0.95


def test_scores_of_perfect_and_of_meaningless_embeddings() -> None:
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(3), 30)
    codes = rng.normal(size=(90, 2)) * 0.1 + labels[:, None] * 10.0
    # Images whose pixel distances are the code distances: the code keeps every neighbour.
    images = np.zeros((90, 4, 4))
    images[:, 0, :2] = codes
    scores = mnn.models.embedding_scores(images, codes, labels)
    assert scores == {"knn_accuracy": 1.0, "trustworthiness": pytest.approx(1.0)}
    shuffled = mnn.models.embedding_scores(images, rng.permutation(codes), labels)
    assert shuffled["trustworthiness"] < 0.7
    assert shuffled["knn_accuracy"] < 0.6


def test_bad_embeddings_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"labels must have shape \(3,\), got array of shape \(4,\)"
    ):
        mnn.models.knn_accuracy(np.zeros((3, 2)), np.zeros(4, int))
    with pytest.raises(TypeError, match="codes must have a floating dtype"):
        mnn.models.knn_accuracy(np.zeros((3, 2), int), np.zeros(3, int))
    with pytest.raises(ValueError, match="got 2 images for 3 codes"):
        mnn.models.embedding_scores(np.zeros((2, 4)), np.zeros((3, 2)), np.zeros(3, int))


def test_k_folds_and_seed_are_checked_against_the_codes() -> None:
    """Found by the API sweep: scikit-learn's errors (n_neighbors, n_splits) passed through."""
    codes, labels = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(ValueError, match="k must be at most 8: with 10 codes in 5 folds"):
        mnn.models.knn_accuracy(codes, labels, k=9)
    with pytest.raises(ValueError, match="folds must be at most 5, the number of codes of the"):
        mnn.models.knn_accuracy(codes, labels, folds=6)
    with pytest.raises(TypeError, match="seed must be a non-negative integer"):
        mnn.models.knn_accuracy(codes, labels, seed="0")
    with pytest.raises(ValueError, match=r"k must be less than half the number of codes \(10\)"):
        mnn.models.embedding_scores(np.zeros((10, 4)), codes, labels, k=5)
    with pytest.raises(ValueError, match="codes must hold at least one code"):
        mnn.models.knn_accuracy(np.zeros((0, 2)), np.zeros(0, int))
