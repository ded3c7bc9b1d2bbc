r"""The softmax-regression model: its logits, probabilities and pivot parametrisation.

.. math:: q(y = k \mid x; W, b) = \operatorname{softmax}(W x + b)_k, \qquad k = 0, \dots, K-1

Adding the same vector to every class's row of :math:`[b, W]` leaves every probability
unchanged, so only differences between rows are identified. The *pivot* parametrisation fixes
class 0's row at zero (:func:`to_pivot`); its free parameters are rows ``1..K-1`` of
:math:`[b, W]`, packed row-major by :func:`pack_params`.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .losses import softmax
from .validate import check_finite_array, check_int

__all__ = ["SoftmaxRegression", "linear_predictor", "pack_params", "to_pivot", "unpack_params"]


def linear_predictor(X: ArrayLike, weights: ArrayLike, bias: ArrayLike) -> np.ndarray:
    r"""Class logits :math:`z_i = W x_i + b` of a softmax-regression model.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    X = check_finite_array(X, "X", ndim=2)
    W = check_finite_array(weights, "weights", ndim=2, allow_empty=True)
    b = check_finite_array(bias, "bias", ndim=1)
    if W.shape != (b.size, X.shape[1]):
        raise ValueError(
            f"weights must have shape (n_classes, n_features) = ({b.size}, {X.shape[1]}), "
            f"got {W.shape}"
        )
    return X @ W.T + b


@dataclass(frozen=True)
class SoftmaxRegression:
    """A softmax-regression model: ``weights`` (K, d) and ``bias`` (K,)."""

    weights: np.ndarray
    bias: np.ndarray

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Logits ``W x + b``, shape (n_samples, n_classes)."""
        return linear_predictor(X, self.weights, self.bias)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities ``softmax(W x + b)``, shape (n_samples, n_classes)."""
        return softmax(self.decision_function(X))


def pack_params(weights: ArrayLike, bias: ArrayLike) -> np.ndarray:
    """Flatten ``(weights, bias)`` into the free-parameter vector of the pivot parametrisation.

    Parameters
    ----------
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)
        Any parametrisation: class 0's row is subtracted first (see :func:`to_pivot`).

    Returns
    -------
    ndarray of shape ((n_classes - 1) * (n_features + 1),)
        Rows 1..K-1 of ``[b, W]``, row-major.
    """
    W, b = to_pivot(weights, bias)
    return np.column_stack([b[1:], W[1:]]).ravel()


def unpack_params(
    theta: ArrayLike, n_classes: int, n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pack_params`: ``(weights, bias)`` with class 0 fixed at zero."""
    n_classes = check_int(n_classes, "n_classes", 2)
    n_features = check_int(n_features, "n_features", 0)
    theta = check_finite_array(theta, "theta", ndim=1, allow_empty=True)
    if theta.size != (n_classes - 1) * (n_features + 1):
        raise ValueError(
            f"theta must have (n_classes - 1) * (n_features + 1) = "
            f"{(n_classes - 1) * (n_features + 1)} entries, got {theta.size}"
        )
    full = np.zeros((n_classes, n_features + 1))
    full[1:] = theta.reshape(n_classes - 1, n_features + 1)
    return full[:, 1:].copy(), full[:, 0].copy()


def to_pivot(weights: ArrayLike, bias: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Subtract class 0's parameters from every class: the pivot parametrisation.

    .. math:: W_k \mapsto W_k - W_0, \qquad b_k \mapsto b_k - b_0

    Adding the same vector to every class's logit leaves the softmax unchanged, so the result
    gives the same probabilities for every :math:`x`, with row 0 equal to zero.

    Parameters
    ----------
    weights : array_like of shape (..., n_classes, n_features)
        W, possibly with leading batch axes (for instance posterior draws).
    bias : array_like of shape (..., n_classes)

    Returns
    -------
    weights : ndarray of shape (..., n_classes, n_features)
    bias : ndarray of shape (..., n_classes)
    """
    W = check_finite_array(weights, "weights", allow_empty=True)
    b = check_finite_array(bias, "bias")
    if W.ndim < 2 or W.shape[:-1] != b.shape:
        raise ValueError(
            f"weights must have shape bias.shape + (n_features,) = {b.shape} + (d,), got {W.shape}"
        )
    if b.shape[-1] < 2:
        raise ValueError(f"bias must have at least 2 classes on its last axis, got shape {b.shape}")
    return W - W[..., :1, :], b - b[..., :1]
