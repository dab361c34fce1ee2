r"""A one-class SVM rewritten as a two-layer network, and its outlier score explained.

A one-class SVM with the RBF kernel scores a point by :math:`s(x) = \sum_i \alpha_i
\exp(-\gamma \|x - u_i\|^2)` over its support vectors :math:`u_i` (weights :math:`\alpha_i > 0`):
inliers score high. With the weights normalised to :math:`\sum_i \alpha_i = 1` (scikit-learn's
are not; dividing :math:`s` by their sum shifts the outlier score by a constant and makes it
non-negative), its *outlier score*

.. math::

    o(x) = -\frac{1}{\gamma} \log s(x)
         = -\frac{1}{\gamma} \log \sum_i \exp\big(-\gamma h_i(x)\big),
    \qquad h_i(x) = \|x - u_i\|^2 - \frac{1}{\gamma} \log \alpha_i ,

is a two-layer network (Kauffmann et al. 2020): a layer of distances :math:`h_i` to the support
vectors, then a *soft minimum* over them with stiffness :math:`\beta = \gamma`. As
:math:`\beta \to \infty` the soft minimum becomes min-pooling:
:math:`\min_i h_i - \tfrac{\log m}{\beta} \le o_\beta(x) \le \min_i h_i` for :math:`m` support
vectors. Relevance then flows as in LRP: the soft minimum hands :math:`o(x)` to the units in
proportion to :math:`p_i = e^{-\beta h_i} / \sum_j e^{-\beta h_j}` (the nearest support vectors
take almost all of it), and each unit to the input dimensions in proportion to their share of its
squared distance,

.. math::

    R_k = \sum_i p_i \, \frac{(x_k - u_{ik})^2}{\|x - u_i\|^2}\; o(x), \qquad \sum_k R_k = o(x):

the dimensions along which a point lies far from the data it resembles most make it an outlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_array, check_positive_real


@dataclass(frozen=True)
class NeuralizedSVM:
    """The two-layer network of a fitted one-class SVM.

    Attributes
    ----------
    centres
        (m, d): the support vectors :math:`u_i`.
    weights
        (m,): their dual coefficients :math:`\\alpha_i > 0`, normalised to sum to 1.
    gamma
        The RBF kernel's :math:`\\gamma`.
    """

    centres: np.ndarray
    weights: np.ndarray
    gamma: float

    def _check(self, x: Any) -> np.ndarray:
        check_array(x, "x", ndim=2, dtype_kind="fiu", finite=True)
        if x.shape[1] != self.centres.shape[1]:
            raise ValueError(
                f"x has {x.shape[1]} features but the SVM was fitted on "
                f"{self.centres.shape[1]}; pass (N, {self.centres.shape[1]}) points."
            )
        return np.asarray(x, dtype=np.float64)

    def _stiffness(self, stiffness: float | None) -> float:
        return self.gamma if stiffness is None else check_positive_real(stiffness, "stiffness")

    def distances(self, x: Any) -> np.ndarray:
        """The first layer, :math:`h_i(x) = \\|x - u_i\\|^2 - \\gamma^{-1} \\log \\alpha_i`.

        Parameters
        ----------
        x
            (N, d) points.

        Returns
        -------
        numpy.ndarray
            (N, m).
        """
        x = self._check(x)
        squared = ((x[:, None, :] - self.centres[None]) ** 2).sum(axis=-1)
        return squared - np.log(self.weights) / self.gamma

    def pooling_shares(self, x: Any, stiffness: float | None = None) -> np.ndarray:
        """:math:`p_i = e^{-\\beta h_i} / \\sum_j e^{-\\beta h_j}`, (N, m): how the soft minimum
        of stiffness ``stiffness`` (default :math:`\\gamma`) shares its value among the units."""
        scaled = -self._stiffness(stiffness) * self.distances(x)
        scaled -= scaled.max(axis=1, keepdims=True)
        shares = np.exp(scaled)
        return shares / shares.sum(axis=1, keepdims=True)

    def outlier_score(self, x: Any, stiffness: float | None = None) -> np.ndarray:
        """The second layer, a soft minimum: :math:`o_\\beta(x) = -\\beta^{-1} \\log \\sum_i
        e^{-\\beta h_i(x)}`, (N,). With the default stiffness :math:`\\beta = \\gamma` it is
        :math:`-\\gamma^{-1} \\log (s(x) / \\sum_i \\alpha_i)`, ``s`` the SVM's
        ``score_samples``; it is at least :math:`\\min_i \\|x - u_i\\|^2 \\ge 0`."""
        beta = self._stiffness(stiffness)
        h = self.distances(x)
        low = h.min(axis=1)
        # Shifted by the minimum, so that no exponential underflows to zero.
        return low - np.log(np.exp(-beta * (h - low[:, None])).sum(axis=1)) / beta

    def relevance(self, x: Any, stiffness: float | None = None) -> np.ndarray:
        """The outlier score shared among the input dimensions (see the module's description).

        Parameters
        ----------
        x
            (N, d) points.
        stiffness
            The soft minimum's :math:`\\beta`; default :math:`\\gamma`.

        Returns
        -------
        numpy.ndarray
            (N, d), summing over d to :func:`outlier_score`.
        """
        x = self._check(x)
        differences = (x[:, None, :] - self.centres[None]) ** 2  # (N, m, d)
        fractions = differences / differences.sum(axis=-1, keepdims=True)
        shares = self.pooling_shares(x, stiffness)
        score = self.outlier_score(x, stiffness)
        return np.einsum("nm,nmd->nd", shares, fractions) * score[:, None]


def neuralize_one_class_svm(svm: Any) -> NeuralizedSVM:
    """The two-layer network of a fitted scikit-learn ``OneClassSVM`` with the RBF kernel.

    Parameters
    ----------
    svm
        A fitted ``sklearn.svm.OneClassSVM(kernel="rbf")``.

    Returns
    -------
    NeuralizedSVM
        Its support vectors (m, d), dual coefficients (m,) normalised to sum to 1, and
        :math:`\\gamma`.
    """
    if type(svm).__name__ != "OneClassSVM" or not hasattr(svm, "support_vectors_"):
        raise TypeError(
            "svm must be a fitted sklearn.svm.OneClassSVM; got "
            f"{type(svm).__name__}{'' if hasattr(svm, 'support_vectors_') else ' (not fitted)'}."
            " Call svm.fit(X) first."
        )
    if svm.kernel != "rbf":
        raise ValueError(
            f"svm must use the RBF kernel, the only one with this network, got "
            f"kernel={svm.kernel!r}; fit OneClassSVM(kernel='rbf')."
        )
    weights = np.array(svm.dual_coef_, dtype=np.float64).ravel()
    return NeuralizedSVM(
        centres=np.array(svm.support_vectors_, dtype=np.float64),
        weights=weights / weights.sum(),
        gamma=float(svm._gamma),
    )
