r"""The generative process of classification, simulated with NumPy.

.. math:: x_i \sim p(x), \qquad
          y_i \mid x_i \sim \operatorname{Cat}\big(\operatorname{softmax}(W x_i + b)\big)
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .losses import softmax
from .model import linear_predictor
from .validate import check_finite_array, check_int, check_probabilities, check_rng

__all__ = ["SimulatedData", "sample_features", "sample_labels", "simulate"]

FEATURE_DISTRIBUTIONS = ("normal", "mixture")


@dataclass(frozen=True)
class SimulatedData:
    """A data set drawn from the generative process.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features drawn from p(x).
    y : ndarray of int64, shape (n_samples,)
        Labels drawn from Cat(softmax(W x + b)).
    probabilities : ndarray of shape (n_samples, n_classes)
        The true class probabilities softmax(W x_i + b) that each label was drawn from.
    """

    X: np.ndarray
    y: np.ndarray
    probabilities: np.ndarray

    def __iter__(self):
        return iter((self.X, self.y, self.probabilities))


def sample_features(
    n: int,
    n_features: int,
    rng: np.random.Generator,
    features: str = "normal",
    means: ArrayLike | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    r"""Draw ``n`` feature vectors from p(x).

    Parameters
    ----------
    n : int
        Number of samples (at least 1).
    n_features : int
        Dimension d.
    rng : numpy.random.Generator
    features : {"normal", "mixture"}
        ``"normal"``: :math:`x \sim \mathcal{N}(0, I_d)`. ``"mixture"``: an equal-weight mixture of
        :math:`\mathcal{N}(\mu_m, \text{scale}^2 I_d)` over the rows of ``means``.
    means : array_like of shape (n_components, n_features), optional
        Component means of the mixture; required for ``"mixture"``.
    scale : float
        Standard deviation of each mixture component.

    Returns
    -------
    ndarray of shape (n, n_features)
    """
    n = check_int(n, "n", 1)
    n_features = check_int(n_features, "n_features", 0)
    check_rng(rng)
    if features == "normal":
        return rng.standard_normal((n, n_features))
    if features == "mixture":
        if means is None:
            raise ValueError('features="mixture" needs means of shape (n_components, n_features)')
        mu = check_finite_array(means, "means", ndim=2)
        if mu.shape[1] != n_features:
            raise ValueError(f"means must have {n_features} columns, got shape {mu.shape}")
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale}")
        component = rng.integers(mu.shape[0], size=n)
        return mu[component] + scale * rng.standard_normal((n, n_features))
    raise ValueError(f"features must be one of {FEATURE_DISTRIBUTIONS}, got {features!r}")


def simulate(
    n: int,
    weights: ArrayLike,
    bias: ArrayLike,
    rng: np.random.Generator,
    features: str = "normal",
    means: ArrayLike | None = None,
    scale: float = 1.0,
) -> "SimulatedData":
    r"""Simulate the generative process of a softmax classifier.

    Draws :math:`x_i \sim p(x)` (see :func:`sample_features`), then
    :math:`y_i \sim \operatorname{Cat}(\operatorname{softmax}(W x_i + b))`.

    Parameters
    ----------
    n : int
        Number of samples.
    weights : array_like of shape (n_classes, n_features)
        True W.
    bias : array_like of shape (n_classes,)
        True b.
    rng : numpy.random.Generator
    features, means, scale
        The feature distribution p(x); see :func:`sample_features`.

    Returns
    -------
    SimulatedData
        ``X`` (n, n_features), ``y`` (n,), and the true ``probabilities`` (n, n_classes).
        It unpacks as ``X, y, probabilities = simulate(...)``.
    """
    W = check_finite_array(weights, "weights", ndim=2, allow_empty=True)
    b = check_finite_array(bias, "bias", ndim=1)
    if b.size < 2:
        raise ValueError(f"bias must have at least 2 entries (one per class), got {b.size}")
    if W.shape[0] != b.size:
        raise ValueError(f"weights has {W.shape[0]} rows but bias has {b.size} classes")
    X = sample_features(n, W.shape[1], rng, features, means, scale)
    p = softmax(linear_predictor(X, W, b))
    return SimulatedData(X, sample_labels(p, rng), p)


def sample_labels(probabilities: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    r"""One draw :math:`y_i \sim \operatorname{Cat}(p_i)` per row of ``probabilities``.

    By the inverse CDF: :math:`y_i` is the number of cumulative sums :math:`\sum_{k \le j}
    p_{ik}` below a uniform draw (the last edge set to 1 exactly).

    Parameters
    ----------
    probabilities : array_like of shape (n_samples, n_classes)
        Probability rows.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int64, shape (n_samples,)
    """
    p = check_probabilities(probabilities, "probabilities")
    check_rng(rng)
    cdf = np.cumsum(p, axis=1)
    cdf[:, -1] = 1.0
    return (rng.random((p.shape[0], 1)) > cdf).sum(axis=1).astype(np.int64)
