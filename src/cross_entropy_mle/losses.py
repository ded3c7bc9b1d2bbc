r"""Losses and scoring rules: cross entropy, the categorical likelihood, Brier, and their kin.

A scoring rule :math:`S(q, y)` charges a forecast :math:`q` (a probability vector over K classes)
when class :math:`y` occurs; lower is better here. The log score :math:`-\log q_y` is the cross
entropy against a one-hot label and the negative log-likelihood of the categorical model. It and
the Brier score :math:`\sum_k (q_k - 1[y = k])^2` are strictly proper; the absolute error is
not. Arguments follow scikit-learn's order: the truth first, then the prediction. Everything
here is NumPy/SciPy only; log-softmax is computed once, stably, in :func:`log_softmax`.
"""

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .validate import check_finite_array, check_labels, check_probabilities

__all__ = [
    "LOGIT_SCORES",
    "SCORES",
    "absolute_score",
    "brier_score",
    "categorical_log_pmf",
    "cross_entropy",
    "entropy",
    "expected_score",
    "kl_divergence",
    "log_softmax",
    "negative_log_likelihood",
    "one_hot",
    "score_logits",
    "softmax",
]

#: Names accepted by :func:`expected_score` (``"log"`` is the cross entropy).
SCORES = ("log", "brier", "absolute")

#: Names accepted by :func:`score_logits`.
LOGIT_SCORES = ("log", "brier")


def log_softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Logarithm of the softmax along the last axis, computed stably.

    .. math:: \log \operatorname{softmax}(z)_k = z_k - \log \sum_j e^{z_j}

    The largest logit :math:`m` is subtracted first and the result formed as
    :math:`(z_k - m) - \log \sum_j e^{z_j - m}`, so it is finite whenever the differences of
    the logits are representable (magnitudes up to about 1e307), and its rounding error scales
    with :math:`|z_k - m|`, not with :math:`|z_k|`.

    Parameters
    ----------
    logits : array_like of shape (..., n_classes)
    axis : int, default -1
        The axis over classes.

    Returns
    -------
    ndarray of the shape of ``logits``
    """
    z = check_finite_array(logits, "logits", allow_empty=True)
    if z.ndim == 0:
        raise ValueError("logits must have an axis over classes, got a scalar")
    if z.shape[axis] == 0:
        raise ValueError(f"logits have no classes along axis {axis} (shape {z.shape})")
    return _log_softmax(z, axis=axis)


def _log_softmax(z, axis):
    """Stable log-softmax of a finite float array along ``axis`` (no input checks)."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: ArrayLike) -> np.ndarray:
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


def one_hot(y: ArrayLike, n_classes: int | None = None) -> np.ndarray:
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


def categorical_log_pmf(y: ArrayLike, log_p: ArrayLike) -> np.ndarray:
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
    if not _is_real(log_p):
        raise TypeError(f"log_p must hold real numbers, got dtype {np.asarray(log_p).dtype}")
    lp = np.asarray(log_p, dtype=np.float64)
    if lp.ndim not in (1, 2):
        raise ValueError(
            f"log_p must have shape (n_samples, n_classes) or (n_classes,), got {lp.shape}"
        )
    if np.isnan(lp).any() or (lp == np.inf).any():
        raise ValueError("log_p contains NaN or +inf; log-probabilities must be <= 0")
    if (lp > 1e-12).any():
        raise ValueError(
            f"log_p has positive values (max {lp.max():.3g}); log-probabilities are <= 0"
        )
    total = special.logsumexp(lp, axis=-1)
    if np.max(np.abs(total)) > 1e-8:
        raise ValueError(
            "log_p rows must be normalised: exp(log_p) must sum to 1 along the last axis"
        )
    labels, _ = check_labels(y, lp.shape[-1])
    if lp.ndim == 2 and lp.shape[0] != labels.size:
        raise ValueError(f"y has {labels.size} samples but log_p has {lp.shape[0]} rows")
    rows = lp if lp.ndim == 2 else np.broadcast_to(lp, (labels.size, lp.size))
    return rows[np.arange(labels.size), labels]


def cross_entropy(h: ArrayLike, q: ArrayLike) -> np.ndarray:
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


def negative_log_likelihood(y: ArrayLike, logits: ArrayLike) -> float:
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
    return score_logits(y, logits, "log")[0]


def score_logits(y: ArrayLike, logits: ArrayLike, rule: str = "log") -> tuple[float, np.ndarray]:
    r"""Summed score of softmax probabilities and its gradient with respect to the logits.

    With :math:`q_i = \operatorname{softmax}(z_i)`, :math:`h_i` the one-hot label and
    :math:`r_i = q_i - h_i`:

    .. math::
        \text{log:}\quad L = -\sum_i \log q_{i y_i}, \qquad
        \frac{\partial L}{\partial z_{ij}} = q_{ij} - h_{ij}

        \text{brier:}\quad L = \sum_i \|r_i\|^2, \qquad
        \frac{\partial L}{\partial z_{ij}} = 2\, q_{ij} \big(r_{ij} - r_i^\top q_i\big)

    Parameters
    ----------
    y : array_like of int, shape (n_samples,)
    logits : array_like of shape (n_samples, n_classes)
    rule : {"log", "brier"}

    Returns
    -------
    value : float
        The score summed over samples.
    grad : ndarray of shape (n_samples, n_classes)
        Its gradient with respect to ``logits``.
    """
    z = check_finite_array(logits, "logits", ndim=2)
    labels, _ = check_labels(y, z.shape[1])
    if labels.size != z.shape[0]:
        raise ValueError(f"y has {labels.size} samples but logits has {z.shape[0]} rows")
    if rule not in LOGIT_SCORES:
        raise ValueError(f"rule must be one of {LOGIT_SCORES}, got {rule!r}")
    rows = np.arange(labels.size)
    log_q = _log_softmax(z, axis=1)
    q = np.exp(log_q)
    r = q.copy()
    r[rows, labels] -= 1.0
    if rule == "log":
        return float(-log_q[rows, labels].sum()), r
    grad = 2.0 * q * (r - (r * q).sum(axis=1, keepdims=True))
    return float((r**2).sum()), grad


def brier_score(h: ArrayLike, q: ArrayLike) -> np.ndarray:
    r"""Brier score of probability forecasts, one value per sample.

    .. math:: B(h, q) = \sum_{k=0}^{K-1} (q_k - h_k)^2

    With one-hot ``h`` (the observed class) it lies in :math:`[0, 2]`. For K = 2 this is twice
    scikit-learn's binary ``brier_score_loss``, which scores only the positive class.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes)
        Target probability rows (one-hot labels, see :func:`one_hot`).
    q : array_like of shape (n_samples, n_classes)
        Forecast probability rows.

    Returns
    -------
    ndarray of shape (n_samples,)
        Per-sample score (not summed, not averaged).
    """
    h, q = _pair(h, q)
    return ((q - h) ** 2).sum(axis=-1)


def absolute_score(h: ArrayLike, q: ArrayLike) -> np.ndarray:
    r"""Absolute-error score of probability forecasts, one value per sample (not proper).

    .. math:: A(h, q) = \sum_{k=0}^{K-1} |q_k - h_k|

    For one-hot ``h`` with observed class :math:`y` this is :math:`2 (1 - q_y)`, affine in
    :math:`q_y`: its expectation :math:`2 (1 - p^\top q)` is minimised by putting all mass on the
    most probable class, not at :math:`q = p`.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    h, q = _pair(h, q)
    return np.abs(q - h).sum(axis=-1)


def entropy(p: ArrayLike) -> np.ndarray:
    r"""Shannon entropy of probability rows in nats: :math:`-\sum_k p_k \log p_k`.

    Computed with ``scipy.special.entr`` (:math:`0 \log 0 = 0`).

    Parameters
    ----------
    p : array_like of shape (..., n_classes)

    Returns
    -------
    ndarray of shape (...)
    """
    return special.entr(check_probabilities(p, "p")).sum(axis=-1)


def kl_divergence(p: ArrayLike, q: ArrayLike) -> np.ndarray:
    r"""Kullback-Leibler divergence :math:`\sum_k p_k \log(p_k / q_k)` (``scipy.special.rel_entr``).

    :math:`0 \log(0 / q) = 0`, and :math:`+\infty` where :math:`p_k > 0 = q_k`.

    Parameters
    ----------
    p : array_like of shape (..., n_classes)
        Reference ("true") distribution.
    q : array_like of shape (..., n_classes)
        Approximating distribution; broadcast against ``p``.

    Returns
    -------
    ndarray of shape (...)
    """
    p = check_probabilities(p, "p")
    q = check_probabilities(q, "q")
    _check_broadcast(p, q)
    return special.rel_entr(p, q).sum(axis=-1)


def expected_score(p: ArrayLike, q: ArrayLike, rule: str) -> np.ndarray:
    r"""Expected score of the forecast ``q`` when outcomes are drawn from ``p``.

    .. math:: \bar S(p, q) = \sum_{y=0}^{K-1} p_y\, S(q, e_y)

    where :math:`e_y` is the one-hot vector of class :math:`y`. The rule is *proper* when
    :math:`\bar S(p, \cdot)` is minimised at :math:`q = p`. Outcomes of probability 0 cost
    nothing, whatever their score.

    Parameters
    ----------
    p : array_like of shape (..., n_classes)
        True outcome probabilities.
    q : array_like of shape (..., n_classes)
        Forecasts; ``p`` and ``q`` broadcast against each other.
    rule : {"log", "brier", "absolute"}

    Returns
    -------
    ndarray of shape ``broadcast(p, q).shape[:-1]``
    """
    if rule not in SCORES:
        raise ValueError(f"rule must be one of {SCORES}, got {rule!r}")
    p = check_probabilities(p, "p")
    q = check_probabilities(q, "q")
    shape = _check_broadcast(p, q)
    K = shape[-1]
    qb = np.broadcast_to(q, shape).reshape(-1, K)
    pb = np.broadcast_to(p, shape).reshape(-1, K)
    score = {"log": cross_entropy, "brier": brier_score, "absolute": absolute_score}[rule]
    total = np.zeros(qb.shape[0])
    for y in range(K):
        e_y = np.zeros_like(qb)
        e_y[:, y] = 1.0
        s = score(e_y, qb)
        with np.errstate(invalid="ignore"):
            total += np.where(pb[:, y] > 0, pb[:, y] * s, 0.0)
    return total.reshape(shape[:-1])


def _pair(h, q):
    h = check_probabilities(h, "h")
    q = check_probabilities(q, "q")
    if h.shape != q.shape:
        raise ValueError(f"h and q must have the same shape, got {h.shape} and {q.shape}")
    return h, q


def _check_broadcast(p, q):
    try:
        return np.broadcast_shapes(p.shape, q.shape)
    except ValueError:
        raise ValueError(
            f"p and q must broadcast against each other, got shapes {p.shape} and {q.shape}"
        ) from None


def _is_real(a):
    arr = np.asarray(a)
    return arr.dtype != object and np.issubdtype(arr.dtype, np.number) and not np.iscomplexobj(arr)
