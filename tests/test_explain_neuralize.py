"""The one-class SVM as a two-layer network: scikit-learn's score, the min-pooling limit, and an
explanation that is conserved and names the dimension that makes a point an outlier."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import SVC, OneClassSVM

from mnn.explain import neuralize_one_class_svm

RNG = np.random.default_rng(8)
DATA = RNG.standard_normal((300, 2)) * np.array([1.0, 0.3])


@pytest.fixture(scope="module")
def svm() -> OneClassSVM:
    return OneClassSVM(kernel="rbf", gamma=0.5, nu=0.1).fit(DATA)


def test_the_network_reproduces_minus_log_of_the_svm_score_over_gamma(svm):
    network = neuralize_one_class_svm(svm)
    points = RNG.uniform(-4, 4, (200, 2))
    total = svm.dual_coef_.sum()
    assert total > 1.5  # scikit-learn's weights sum to nu n, not 1
    expected = -np.log(svm.score_samples(points) / total) / 0.5
    np.testing.assert_allclose(network.outlier_score(points), expected, rtol=1e-8, atol=1e-8)
    # The same score, the long way: the kernel sum written out.
    kernel = np.exp(-0.5 * ((points[:, None] - svm.support_vectors_[None]) ** 2).sum(-1))
    by_hand = -np.log(kernel @ (svm.dual_coef_.ravel() / total)) / 0.5
    np.testing.assert_allclose(network.outlier_score(points), by_hand, rtol=1e-8, atol=1e-8)
    # gamma="scale" is resolved to the number scikit-learn used.
    scaled = OneClassSVM(kernel="rbf", nu=0.1).fit(DATA)
    np.testing.assert_allclose(
        neuralize_one_class_svm(scaled).outlier_score(points),
        -np.log(scaled.score_samples(points) / scaled.dual_coef_.sum()) / (1 / (2 * DATA.var())),
        rtol=1e-8,
    )


def test_the_soft_minimum_tends_to_min_pooling_within_log_m_over_beta(svm):
    network = neuralize_one_class_svm(svm)
    points = RNG.uniform(-4, 4, (100, 2))
    smallest = network.distances(points).min(axis=1)
    count = len(network.centres)
    gaps = []
    for beta in (0.5, 5.0, 50.0, 5000.0):
        gap = smallest - network.outlier_score(points, stiffness=beta)
        assert np.all(gap >= -1e-12) and np.all(gap <= np.log(count) / beta + 1e-12)
        gaps.append(gap.max())
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-3


def test_relevance_is_conserved_and_names_the_outlying_dimension(svm):
    network = neuralize_one_class_svm(svm)
    points = np.array([[0.0, 3.0], [6.0, 0.0], [0.2, 0.1]])
    relevance = network.relevance(points)
    np.testing.assert_allclose(relevance.sum(axis=1), network.outlier_score(points), rtol=1e-10)
    assert np.all(relevance >= 0)  # o(x) >= min_i |x - u_i|^2 >= 0
    assert relevance[0, 1] > 4 * abs(relevance[0, 0])  # far along the second axis
    assert relevance[1, 0] > 4 * abs(relevance[1, 1])  # far along the first
    # With one support vector the shares are the squared coordinate differences.
    one = neuralize_one_class_svm(svm)
    single = type(one)(one.centres[:1], one.weights[:1], one.gamma)
    x = np.array([[2.0, -1.0]])
    difference = (x - single.centres[0]) ** 2
    np.testing.assert_allclose(
        single.relevance(x), difference / difference.sum() * single.outlier_score(x), rtol=1e-12
    )


def test_bad_input_is_refused(svm):
    with pytest.raises(TypeError, match=r"svm must be a fitted sklearn.svm.OneClassSVM; got SVC"):
        neuralize_one_class_svm(SVC())
    with pytest.raises(TypeError, match=r"OneClassSVM \(not fitted\)\. Call svm.fit\(X\) first"):
        neuralize_one_class_svm(OneClassSVM())
    with pytest.raises(ValueError, match=r"svm must use the RBF kernel, .* got kernel='linear'"):
        neuralize_one_class_svm(OneClassSVM(kernel="linear").fit(DATA))
    network = neuralize_one_class_svm(svm)
    with pytest.raises(ValueError, match=r"x has 3 features but the SVM was fitted on 2"):
        network.outlier_score(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"stiffness"):
        network.outlier_score(np.zeros((4, 2)), stiffness=-1.0)
