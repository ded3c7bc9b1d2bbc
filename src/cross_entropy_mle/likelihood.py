r"""The likelihood as a function of θ: evaluation on a grid and its integral over θ.

The likelihood :math:`\mathcal{L}(\theta \mid \mathcal{D}) = \prod_i q_\theta(y_i \mid x_i)` is a
function of θ for fixed data; nothing makes :math:`\int \mathcal{L}\, d\theta` equal to 1. These
helpers evaluate it on a grid and integrate it by quadrature, in log space because the values
themselves underflow for all but tiny data sets.
"""

import numpy as np
from numpy.typing import ArrayLike

from .model import to_pivot
from .objective import SoftmaxRegressionLoss
from .validate import check_finite_array, check_int

__all__ = ["log_integral", "log_likelihood_grid"]


def log_likelihood_grid(
    X: ArrayLike, y: ArrayLike, weights: ArrayLike, bias: ArrayLike, chunk_size: int | None = None
) -> np.ndarray:
    r"""Log-likelihood of a data set at many parameter values at once.

    .. math:: \log \mathcal{L}(\theta_m)
              = \sum_{i=1}^N \log \operatorname{softmax}(W_m x_i + b_m)_{y_i}

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    weights : array_like of shape (n_points, n_classes, n_features)
        W at each of the ``n_points`` parameter values.
    bias : array_like of shape (n_points, n_classes)
        b at each parameter value.
    chunk_size : int, optional
        Parameter values evaluated per batch; by default as many as keep each temporary
        (chunk_size, K, N) array under about 64 MB.

    Returns
    -------
    ndarray of shape (n_points,)
    """
    X = check_finite_array(X, "X", ndim=2)
    W = check_finite_array(weights, "weights", ndim=3, allow_empty=True)
    b = check_finite_array(bias, "bias", ndim=2)
    if W.shape[:2] != b.shape or W.shape[2] != X.shape[1]:
        raise ValueError(
            f"weights must have shape (n_points, n_classes, n_features) = "
            f"({b.shape[0]}, {b.shape[1]}, {X.shape[1]}), got {W.shape}"
        )
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", 1)
    obj = SoftmaxRegressionLoss(X, y, b.shape[1])
    W, b = to_pivot(W, b)
    thetas = np.concatenate([b[:, 1:, None], W[:, 1:, :]], axis=2).reshape(b.shape[0], -1)
    return -obj.nll_many(thetas, chunk=chunk_size)


def log_integral(log_values: ArrayLike, *axes: ArrayLike) -> float:
    r"""Logarithm of the integral of :math:`e^{f}` over a rectangular grid (trapezoid rule).

    .. math:: \log \int e^{f(\theta)}\, d\theta

    Computed with the largest value factored out, so it is accurate when :math:`e^{f}` itself
    underflows.

    Parameters
    ----------
    log_values : array_like of shape (len(axes[0]), len(axes[1]), ...)
        :math:`f` on the grid.
    *axes : array_like of shape (n_j,)
        Strictly increasing grid coordinates, one array per dimension of ``log_values``.

    Returns
    -------
    float
    """
    f = np.asarray(log_values, dtype=float)
    if not axes:
        raise ValueError("log_integral needs one coordinate array per dimension of log_values")
    if f.ndim != len(axes):
        raise ValueError(f"log_values has {f.ndim} dimensions but {len(axes)} axes were given")
    if np.isnan(f).any() or (f == np.inf).any():
        raise ValueError("log_values contains NaN or +inf")
    grids = []
    for j, ax in enumerate(axes):
        a = check_finite_array(ax, f"axes[{j}]", ndim=1)
        if a.size != f.shape[j] or a.size < 2:
            raise ValueError(f"axes[{j}] must have {f.shape[j]} >= 2 points, got {a.size}")
        if np.any(np.diff(a) <= 0):
            raise ValueError(f"axes[{j}] must be strictly increasing")
        grids.append(a)
    top = f.max()
    if top == -np.inf:
        return -np.inf
    value = np.exp(f - top)
    for a in reversed(grids):
        value = np.trapezoid(value, a, axis=-1)
    return float(np.log(value) + top)
