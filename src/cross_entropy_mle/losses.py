r"""Cross entropy, the categorical likelihood, and their stable computation.

The model is softmax regression: for a feature vector :math:`x \in \mathbb{R}^d` the class
probabilities are

.. math:: q(y = k \mid x; W, b) = \operatorname{softmax}(W x + b)_k,
          \qquad k = 0, \dots, K-1.

Everything here is NumPy/SciPy only.
"""

import numpy as np
from scipy.special import logsumexp

from .validate import check_finite_array, check_labels, check_probabilities

__all__ = [
    "categorical_log_pmf",
    "cross_entropy",
    "log_softmax",
    "logits",
    "negative_log_likelihood",
    "nll_grad",
    "one_hot",
    "softmax",
]


def log_softmax(logits):
    r"""Logarithm of the softmax along the last axis, computed stably.

    .. math:: \log \operatorname{softmax}(z)_k = z_k - \log \sum_j e^{z_j}

    The largest logit :math:`m` is subtracted first and the result formed as
    :math:`(z_k - m) - \log \sum_j e^{z_j - m}`, so it is finite whenever the differences of
    the logits are representable (magnitudes up to about 1e307), and its rounding error scales
    with :math:`|z_k - m|`, not with :math:`|z_k|`.

    Parameters
    ----------
    logits : array_like of shape (..., n_classes)

    Returns
    -------
    ndarray of shape (..., n_classes)
    """
    z = check_finite_array(logits, "logits")
    if z.ndim == 0:
        raise ValueError("logits must have a last axis over classes, got a scalar")
    return _log_softmax(z, axis=-1)


def _log_softmax(z, axis):
    """Stable log-softmax of a finite float array along ``axis`` (no input checks)."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits):
    r"""Softmax along the last axis, :math:`e^{z_k} / \sum_j e^{z_j}`, computed stably.

    Parameters
    ----------
    logits : array_like of shape (..., n_classes)

    Returns
    -------
    ndarray of shape (..., n_classes)
        Rows of non-negative numbers that sum to 1.
    """
    return np.exp(log_softmax(logits))


def one_hot(y, n_classes=None):
    r"""One-hot encode integer labels: :math:`h_{ik} = 1[y_i = k]`.

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        Number of classes K; defaults to ``max(y) + 1``.

    Returns
    -------
    ndarray of float64, shape (n_samples, n_classes)
    """
    labels, n_classes = check_labels(y, n_classes)
    h = np.zeros((labels.size, n_classes))
    h[np.arange(labels.size), labels] = 1.0
    return h


def categorical_log_pmf(y, log_p):
    r"""Log of the categorical probability mass function, one value per sample.

    .. math:: \log f(y \mid p) = \log \prod_{k=0}^{K-1} p_k^{1[y = k]} = \log p_y

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        Observed labels in ``0..K-1``.
    log_p : array_like of shape (n_samples, n_classes) or (n_classes,)
        Log-probabilities; a single row is shared by every sample. ``-inf`` is allowed
        (a class of probability 0).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    lp = np.asarray(log_p, dtype=np.float64) if _is_real(log_p) else None
    if lp is None:
        raise TypeError(f"log_p must hold real numbers, got dtype {np.asarray(log_p).dtype}")
    if lp.ndim not in (1, 2):
        raise ValueError(f"log_p must have shape (n_samples, n_classes) or (n_classes,), got {lp.shape}")
    if np.isnan(lp).any() or (lp == np.inf).any():
        raise ValueError("log_p contains NaN or +inf; log-probabilities must be <= 0")
    if (lp > 1e-12).any():
        raise ValueError(f"log_p has positive values (max {lp.max():.3g}); log-probabilities are <= 0")
    total = logsumexp(lp, axis=-1)
    if np.max(np.abs(total)) > 1e-8:
        raise ValueError("log_p rows must be normalised: exp(log_p) must sum to 1 along the last axis")
    labels, _ = check_labels(y, lp.shape[-1])
    if lp.ndim == 2 and lp.shape[0] != labels.size:
        raise ValueError(f"y has {labels.size} samples but log_p has {lp.shape[0]} rows")
    rows = lp if lp.ndim == 2 else np.broadcast_to(lp, (labels.size, lp.size))
    return rows[np.arange(labels.size), labels]


def cross_entropy(h, q):
    r"""Cross entropy between probability rows, one value per sample.

    .. math:: H(h, q) = -\sum_{k=0}^{K-1} h_k \log q_k

    with the convention :math:`0 \log 0 = 0`, and :math:`+\infty` where :math:`h_k > 0` but
    :math:`q_k = 0`. With one-hot ``h`` (see :func:`one_hot`) this is the negative log-likelihood
    of each sample; soft labels are allowed.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes)
        Target probability rows (for instance one-hot labels).
    q : array_like of shape (n_samples, n_classes)
        Model probability rows.

    Returns
    -------
    ndarray of shape (n_samples,)
        Per-sample cross entropy (not summed, not averaged).
    """
    h = check_probabilities(h, "h")
    q = check_probabilities(q, "q")
    if h.shape != q.shape:
        raise ValueError(f"h and q must have the same shape, got {h.shape} and {q.shape}")
    # 0 * log 0 is nan before np.where discards it; silence that, not just the log of 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = np.log(q)
        terms = np.where(h > 0, -h * log_q, 0.0)
    return terms.sum(axis=-1)


def negative_log_likelihood(y, logits):
    r"""Summed negative log-likelihood of labels under softmax probabilities.

    .. math:: \operatorname{NLL} = -\sum_{i=1}^{N} \log \operatorname{softmax}(z_i)_{y_i}
              = \sum_{i=1}^{N} H(h_i, \operatorname{softmax}(z_i))

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    logits : array_like of shape (n_samples, n_classes)

    Returns
    -------
    float
        The sum over samples (not the mean).
    """
    z = check_finite_array(logits, "logits", ndim=2)
    labels, _ = check_labels(y, z.shape[1])
    if labels.size != z.shape[0]:
        raise ValueError(f"y has {labels.size} samples but logits has {z.shape[0]} rows")
    log_q = _log_softmax(z, axis=1)
    return float(-log_q[np.arange(labels.size), labels].sum())


def logits(X, weights, bias):
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


def nll_grad(y, X, weights, bias):
    r"""Summed NLL of softmax regression and its gradient with respect to ``weights`` and ``bias``.

    .. math:: \nabla_{W_k} \operatorname{NLL} = \sum_i (q_{ik} - h_{ik})\, x_i, \qquad
              \nabla_{b_k} \operatorname{NLL} = \sum_i (q_{ik} - h_{ik})

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
    X : array_like of shape (n_samples, n_features)
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)

    Returns
    -------
    nll : float
        Summed negative log-likelihood.
    grad_weights : ndarray of shape (n_classes, n_features)
    grad_bias : ndarray of shape (n_classes,)
    """
    z = logits(X, weights, bias)
    labels, _ = check_labels(y, z.shape[1])
    if labels.size != z.shape[0]:
        raise ValueError(f"y has {labels.size} samples but X has {z.shape[0]} rows")
    log_q = _log_softmax(z, axis=1)
    resid = np.exp(log_q)
    resid[np.arange(labels.size), labels] -= 1.0
    X = np.asarray(X, dtype=np.float64)
    return float(-log_q[np.arange(labels.size), labels].sum()), resid.T @ X, resid.sum(axis=0)


def _is_real(a):
    arr = np.asarray(a)
    return arr.dtype != object and np.issubdtype(arr.dtype, np.number) and not np.iscomplexobj(arr)
