r"""Curvature of the summed cross entropy: its Hessian and the standard errors of the MLE.

In the pivot parametrisation (class 0's row of ``[b, W]`` fixed at zero) the free parameters are
:math:`\theta = (\tilde w_1, \dots, \tilde w_{K-1})` with :math:`\tilde w_k = (b_k, W_k)`, in the
order of :func:`~cross_entropy_mle.pack_params`. With :math:`\tilde x_i = (1, x_i)` the Hessian of
the summed negative log-likelihood is

.. math:: \frac{\partial^2 \operatorname{NLL}}{\partial \tilde w_k \, \partial \tilde w_l^\top}
          = \sum_{i=1}^N q_{ik} (\delta_{kl} - q_{il})\, \tilde x_i \tilde x_i^\top,
          \qquad k, l = 1, \dots, K-1,

which does not depend on the labels. At the MLE it is the observed Fisher information, and the
square roots of the diagonal of its inverse are the usual standard errors.

NumPy only.
"""

import numpy as np

from .losses import logits, softmax
from .validate import check_labels

__all__ = ["nll_hessian", "standard_errors"]


def nll_hessian(X, y, weights, bias):
    r"""Hessian of the summed negative log-likelihood over the free (pivot) parameters.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1`` (checked, although the Hessian does not depend on them).
    weights : array_like of shape (n_classes, n_features)
        W; only differences from row 0 matter, so any parametrisation gives the same Hessian.
    bias : array_like of shape (n_classes,)

    Returns
    -------
    ndarray of shape (P, P), P = (n_classes - 1) * (n_features + 1)
        Symmetric and positive semi-definite, in the order of
        :func:`~cross_entropy_mle.pack_params`.
    """
    z = logits(X, weights, bias)
    labels, _ = check_labels(y, z.shape[1])
    if labels.size != z.shape[0]:
        raise ValueError(f"y has {labels.size} samples but X has {z.shape[0]} rows")
    q = softmax(z)[:, 1:]  # (N, K-1)
    Xt = np.column_stack([np.ones(z.shape[0]), np.asarray(X, dtype=float)])  # (N, p)
    n_free, p = q.shape[1], Xt.shape[1]
    # M_i = diag(q_i) - q_i q_i^T over the free classes, one (K-1, K-1) block per sample.
    M = -q[:, :, None] * q[:, None, :]
    M[:, np.arange(n_free), np.arange(n_free)] += q
    H = np.einsum("ikl,ia,ic->kalc", M, Xt, Xt).reshape(n_free * p, n_free * p)
    return (H + H.T) / 2


def standard_errors(X, y, weights, bias):
    r"""Standard errors from the observed information: :math:`\sqrt{\operatorname{diag}(H^{-1})}`.

    Evaluate at the MLE (for instance ``fit.weights, fit.bias`` of
    :func:`~cross_entropy_mle.fit_cross_entropy`) for the usual asymptotic standard errors.

    Parameters
    ----------
    X, y, weights, bias
        As in :func:`nll_hessian`.

    Returns
    -------
    ndarray of shape (P,)
        In the order of :func:`~cross_entropy_mle.pack_params`.

    Raises
    ------
    numpy.linalg.LinAlgError
        If the Hessian is singular (a collinear design).
    """
    H = nll_hessian(X, y, weights, bias)
    return np.sqrt(np.diag(np.linalg.inv(H)))
