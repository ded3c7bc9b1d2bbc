r"""Scoring rules for probability forecasts, and fitting softmax models by minimising a score.

A scoring rule :math:`S(q, y)` charges a forecast :math:`q` (a probability vector over K classes)
when class :math:`y` occurs; lower is better here. Its expected value under the true distribution
:math:`p` is

.. math:: \bar S(p, q) = \sum_{y=0}^{K-1} p_y\, S(q, y).

The rule is *proper* when :math:`\bar S(p, \cdot)` is minimised at :math:`q = p`, and *strictly*
proper when :math:`q = p` is its only minimiser. The log score :math:`-\log q_y` (the cross entropy
against a one-hot label) and the Brier score :math:`\sum_k (q_k - 1[y = k])^2` are strictly proper;
the absolute error :math:`\sum_k |q_k - 1[y = k]| = 2 (1 - q_y)` is not.

The fitters minimise a summed score over the parameters of any differentiable logit function
(:func:`fit_logits`); :func:`fit_brier` is its softmax-regression case with the Brier score, and
:func:`fit_linear_probability` is least squares on one-hot labels. Everything here is NumPy/SciPy
only.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from .fit import _design, fit_cross_entropy, pack_params, unpack_params
from .losses import cross_entropy, logits, one_hot, softmax
from .validate import (
    check_finite_array,
    check_int,
    check_labels,
    check_positive,
    check_probabilities,
)

__all__ = [
    "SCORES",
    "ConvergenceError",
    "CrossEntropyDecomposition",
    "LinearProbabilityFit",
    "LogitFit",
    "ReliabilityCurve",
    "ScoreFit",
    "absolute_score",
    "brier_score",
    "entropy",
    "expected_score",
    "fit_brier",
    "fit_linear_probability",
    "fit_logits",
    "kl_divergence",
    "linear_logit_fn",
    "population_cross_entropy",
    "reliability_curve",
    "score_logits",
]

#: Names accepted by :func:`expected_score` (``"log"`` is the cross entropy).
SCORES = ("log", "brier", "absolute")

#: Names accepted by :func:`score_logits` and :func:`fit_logits`.
LOGIT_SCORES = ("log", "brier")

OPTIMIZERS = ("BFGS", "L-BFGS-B", "CG")


class ConvergenceError(RuntimeError):
    """The optimiser stopped with a gradient above the requested tolerance.

    Attributes
    ----------
    result : scipy.optimize.OptimizeResult
        The optimiser's last result.
    """

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


# --------------------------------------------------------------------------------------------
# Scores of single forecasts
# --------------------------------------------------------------------------------------------


def brier_score(h, q):
    r"""Brier score of probability forecasts, one value per sample.

    .. math:: B(h, q) = \sum_{k=0}^{K-1} (q_k - h_k)^2

    With one-hot ``h`` (the observed class) it lies in :math:`[0, 2]`.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes)
        Target probability rows (one-hot labels, see :func:`~cross_entropy_mle.one_hot`).
    q : array_like of shape (n_samples, n_classes)
        Forecast probability rows.

    Returns
    -------
    ndarray of shape (n_samples,)
        Per-sample score (not summed, not averaged).
    """
    h, q = _pair(h, q)
    return ((q - h) ** 2).sum(axis=-1)


def absolute_score(h, q):
    r"""Absolute-error score of probability forecasts, one value per sample (not proper).

    .. math:: A(h, q) = \sum_{k=0}^{K-1} |q_k - h_k|

    For one-hot ``h`` with observed class :math:`y` this is :math:`2 (1 - q_y)`, an affine function
    of :math:`q_y`: its expectation :math:`2 (1 - p^\top q)` is minimised by putting all mass on
    the most probable class, not at :math:`q = p`.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes)
    q : array_like of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    h, q = _pair(h, q)
    return np.abs(q - h).sum(axis=-1)


def entropy(p):
    r"""Shannon entropy of probability rows, in nats.

    .. math:: H(p) = -\sum_k p_k \log p_k, \qquad 0 \log 0 = 0

    Parameters
    ----------
    p : array_like of shape (..., n_classes)

    Returns
    -------
    ndarray of shape (...)
    """
    p = check_probabilities(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    return terms.sum(axis=-1)


def kl_divergence(p, q):
    r"""Kullback–Leibler divergence :math:`\mathrm{KL}(p \,\|\, q)` between probability rows.

    .. math:: \mathrm{KL}(p \,\|\, q) = \sum_k p_k \log \frac{p_k}{q_k} = H(p, q) - H(p) \ge 0

    with :math:`0 \log(0 / q) = 0`, and :math:`+\infty` where :math:`p_k > 0 = q_k`.

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
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def expected_score(p, q, rule):
    r"""Expected score of the forecast ``q`` when outcomes are drawn from ``p``.

    .. math:: \bar S(p, q) = \sum_{y=0}^{K-1} p_y\, S(q, e_y)

    where :math:`e_y` is the one-hot vector of class :math:`y`. For the log score this is the
    cross entropy :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`; for the Brier score it is
    :math:`1 - \|p\|^2 + \|q - p\|^2`; for the absolute score :math:`2 (1 - p^\top q)`.

    Parameters
    ----------
    p : array_like of shape (..., n_classes)
        True outcome probabilities.
    q : array_like of shape (..., n_classes)
        Forecasts; ``p`` and ``q`` broadcast against each other (for instance one ``p`` of
        shape ``(K,)`` against a grid of forecasts of shape ``(n_grid, K)``).
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
    total = np.zeros(qb.shape[0])
    pb = np.broadcast_to(p, shape).reshape(-1, K)
    for y in range(K):
        e_y = np.zeros_like(qb)
        e_y[:, y] = 1.0
        if rule == "log":
            s = cross_entropy(e_y, qb)
        elif rule == "brier":
            s = brier_score(e_y, qb)
        else:
            s = absolute_score(e_y, qb)
        # 0 * inf = 0: an outcome of probability zero costs nothing, whatever its score.
        with np.errstate(invalid="ignore"):
            total += np.where(pb[:, y] > 0, pb[:, y] * s, 0.0)
    return total.reshape(shape[:-1])


# --------------------------------------------------------------------------------------------
# Scores as functions of logits, and the generic fitter
# --------------------------------------------------------------------------------------------


def score_logits(y, logits, rule="log"):
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
        Labels in ``0..n_classes-1``.
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
    labels, K = check_labels(y, z.shape[1])
    if labels.size != z.shape[0]:
        raise ValueError(f"y has {labels.size} samples but logits has {z.shape[0]} rows")
    if rule not in LOGIT_SCORES:
        raise ValueError(f"rule must be one of {LOGIT_SCORES}, got {rule!r}")
    return _score_logits(labels, z, rule)


def _score_logits(labels, z, rule):
    rows = np.arange(labels.size)
    log_q = z - logsumexp(z, axis=1, keepdims=True)
    q = np.exp(log_q)
    r = q.copy()
    r[rows, labels] -= 1.0
    if rule == "log":
        return float(-log_q[rows, labels].sum()), r
    value = float((r**2).sum())
    grad = 2.0 * q * (r - (r * q).sum(axis=1, keepdims=True))
    return value, grad


@dataclass(frozen=True)
class LogitFit:
    """The result of :func:`fit_logits`.

    Attributes
    ----------
    theta : ndarray of shape (n_params,)
        The estimate.
    loss : float
        The minimised objective: summed score plus the prior penalty (if any).
    nll : float
        Summed negative log-likelihood (summed cross entropy) at ``theta``, whatever the score.
    grad_norm : float
        Largest absolute entry of the gradient of ``loss / n_samples`` at ``theta``.
    n_iter : int
        Optimiser iterations over all restarts.
    converged : bool
        Always True (a failure raises :class:`ConvergenceError`).
    rule : str
        The score that was minimised.
    """

    theta: np.ndarray
    loss: float
    nll: float
    grad_norm: float
    n_iter: int
    converged: bool
    rule: str


def fit_logits(logit_fn, theta0, y, n_classes=None, *, rule="log", prior_sd=None, gtol=1e-6,
               max_iter=2000, method="BFGS", max_restarts=3):
    r"""Minimise a summed score over the parameters of any differentiable logit function.

    .. math:: \hat\theta = \arg\min_\theta \; \sum_{i=1}^N S\big(\operatorname{softmax}(z_i(\theta)),
              y_i\big) + \frac{\|\theta\|^2}{2 \sigma^2}

    With ``rule="log"`` and no prior this is the maximum-likelihood estimate of the categorical
    model :math:`y_i \sim \operatorname{Cat}(\operatorname{softmax}(z_i(\theta)))`; with
    ``prior_sd`` :math:`= \sigma` it is the MAP under independent :math:`\mathcal{N}(0, \sigma^2)`
    priors on every parameter. The chain rule runs through ``logit_fn``'s vector–Jacobian
    product, and ``scipy.optimize.minimize(..., jac=True)`` uses the exact gradient of the
    summed objective (the function :func:`pymc.find_MAP` minimises, so that both follow the same
    path from the same start); convergence is judged on the mean. When the
    optimiser stops early (for instance BFGS's "precision loss") it is restarted from where it
    stopped, at most ``max_restarts`` times. Only a local minimum is found: for non-convex
    models (neural networks) the result depends on ``theta0``.

    Parameters
    ----------
    logit_fn : callable
        ``logit_fn(theta) -> (Z, vjp)`` with ``Z`` the logits, an ndarray of shape
        ``(n_samples, n_classes)``, and ``vjp(G)`` returning :math:`\sum_{ik} G_{ik}\,
        \partial Z_{ik} / \partial \theta`, shape ``(n_params,)``, for ``G`` of the shape of
        ``Z``. See :func:`linear_logit_fn` and :func:`~cross_entropy_mle.network.network_logit_fn`.
    theta0 : array_like of shape (n_params,)
        Starting point.
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        K; defaults to the number of columns of ``Z``.
    rule : {"log", "brier"}
        The score to minimise.
    prior_sd : float, optional
        Standard deviation of a Gaussian prior on every parameter (an L2 penalty).
    gtol : float
        Convergence: the largest absolute gradient entry of the *mean* objective
        (``loss / n_samples``) must fall below ``gtol``.
    max_iter : int
        Iterations per optimiser run.
    method : {"BFGS", "L-BFGS-B", "CG"}
        The ``scipy.optimize.minimize`` method.
    max_restarts : int
        Restarts allowed after an early stop.

    Returns
    -------
    LogitFit

    Raises
    ------
    ValueError
        Bad input, logits of the wrong shape, or a non-finite objective at ``theta0``.
    ConvergenceError
        The gradient is still above ``gtol`` after the restarts, or the objective became
        non-finite.
    """
    if not callable(logit_fn):
        raise TypeError(f"logit_fn must be callable, got {type(logit_fn).__name__}")
    theta0 = check_finite_array(theta0, "theta0", ndim=1)
    if rule not in LOGIT_SCORES:
        raise ValueError(f"rule must be one of {LOGIT_SCORES}, got {rule!r}")
    if method not in OPTIMIZERS:
        raise ValueError(f"method must be one of {OPTIMIZERS}, got {method!r}")
    prior_precision = 0.0 if prior_sd is None else 1.0 / check_positive(prior_sd, "prior_sd") ** 2
    gtol = check_positive(gtol, "gtol")
    for name, value in (("max_iter", max_iter), ("max_restarts", max_restarts)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    labels = np.asarray(y)
    Z0, _ = _call_logit_fn(logit_fn, theta0, None, theta0.size)
    labels, K = check_labels(labels, Z0.shape[1] if n_classes is None else n_classes)
    if Z0.shape != (labels.size, K):
        raise ValueError(f"logit_fn must return logits of shape (n_samples, n_classes) = "
                         f"({labels.size}, {K}), got {Z0.shape}")
    n = labels.size

    def objective(theta):
        Z, vjp = _call_logit_fn(logit_fn, theta, Z0.shape, theta0.size)
        value, G = _score_logits(labels, Z, rule)
        grad = _call_vjp(vjp, G, theta0.size)
        value += 0.5 * prior_precision * theta @ theta
        grad = grad + prior_precision * theta
        return value, grad

    value0, grad0 = objective(theta0)
    if not (np.isfinite(value0) and np.all(np.isfinite(grad0))):
        raise ValueError("the objective or its gradient is not finite at theta0")
    # The summed objective goes to the optimiser (as in pymc.find_MAP, so that from the same
    # start both follow the same path); convergence is judged on the mean.
    theta, n_iter, res = theta0, 0, None
    for _ in range(max_restarts + 1):
        res = optimize.minimize(objective, theta, jac=True, method=method,
                                options={"gtol": 0.1 * gtol * n, "maxiter": max_iter})
        n_iter += int(res.nit)
        if not (np.isfinite(res.fun) and np.all(np.isfinite(res.x))):
            raise ConvergenceError(f"the objective became non-finite ({res.message})", res)
        theta = res.x
        grad = objective(theta)[1] / n
        if np.max(np.abs(grad)) <= gtol:
            break
    grad_norm = float(np.max(np.abs(grad)))
    if grad_norm > gtol:
        raise ConvergenceError(
            f"fit_logits stopped after {n_iter} iterations with gradient {grad_norm:.3g} > "
            f"gtol={gtol:g} ({res.message})", res)
    Z, _ = _call_logit_fn(logit_fn, theta, Z0.shape, theta0.size)
    nll = _score_logits(labels, Z, "log")[0]
    loss = _score_logits(labels, Z, rule)[0] + 0.5 * prior_precision * theta @ theta
    return LogitFit(theta.copy(), float(loss), float(nll), grad_norm, n_iter, True, rule)


def linear_logit_fn(X, n_classes):
    r"""The logit function of softmax regression in the pivot parametrisation, for :func:`fit_logits`.

    .. math:: z_i(\theta) = W x_i + b, \qquad W_0 = 0,\; b_0 = 0

    with :math:`\theta` packed as in :func:`~cross_entropy_mle.pack_params` (rows 1..K-1 of
    ``[b, W]``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_classes : int

    Returns
    -------
    callable
        ``theta -> (Z, vjp)`` with ``Z`` of shape (n_samples, n_classes) and
        ``vjp(G) = ((G^T [1, X])_{1:}).ravel()``.
    """
    X = check_finite_array(X, "X", ndim=2)
    Xt = np.column_stack([np.ones(X.shape[0]), X])
    K = check_int(n_classes, "n_classes", 2)
    p = Xt.shape[1]

    def logit_fn(theta):
        full = np.zeros((K, p))
        full[1:] = np.asarray(theta).reshape(K - 1, p)
        return Xt @ full.T, lambda G: (G.T @ Xt)[1:].ravel()

    return logit_fn


# --------------------------------------------------------------------------------------------
# Softmax regression fitted by the Brier score, and the linear probability model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreFit:
    """A softmax-regression model fitted by minimising a score, in the pivot parametrisation.

    Attributes
    ----------
    weights : ndarray of shape (n_classes, n_features)
        W, row 0 zero.
    bias : ndarray of shape (n_classes,)
        b, entry 0 zero.
    score : float
        The minimised summed score.
    nll : float
        Summed negative log-likelihood at the estimate.
    grad_norm : float
        Largest absolute gradient entry of the mean score at the estimate.
    n_iter : int
    rule : str
    """

    weights: np.ndarray
    bias: np.ndarray
    score: float
    nll: float
    grad_norm: float
    n_iter: int
    rule: str

    def predict_proba(self, X):
        """Class probabilities softmax(W x + b), shape (n_samples, n_classes)."""
        return softmax(logits(X, self.weights, self.bias))


def fit_brier(X, y, n_classes=None, *, gtol=1e-8):
    r"""Fit softmax regression by minimising the summed Brier score.

    .. math:: \hat\theta_B = \arg\min_\theta \sum_{i=1}^N \big\|\operatorname{softmax}(W x_i + b)
              - h_i\big\|^2

    The Brier score is strictly proper, so under a correctly specified model this estimator is
    consistent for the same parameters as the MLE; it is less efficient, because it is not the
    likelihood. The optimiser (:func:`fit_logits`) starts at the cross-entropy MLE.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
    gtol : float
        Gradient tolerance on the mean Brier score.

    Returns
    -------
    ScoreFit

    Raises
    ------
    SeparationError
        From the starting MLE, when the classes are separated.
    ConvergenceError
        The optimiser did not reach a stationary point.
    """
    Xt, labels, K = _design(X, y, n_classes)
    start = fit_cross_entropy(Xt[:, 1:], labels, K)
    fit = fit_logits(linear_logit_fn(Xt[:, 1:], K), pack_params(start.weights, start.bias), labels,
                     K, rule="brier", gtol=gtol)
    weights, bias = unpack_params(fit.theta, K, Xt.shape[1] - 1)
    return ScoreFit(weights, bias, fit.loss, fit.nll, fit.grad_norm, fit.n_iter, "brier")


@dataclass(frozen=True)
class LinearProbabilityFit:
    r"""Least squares on one-hot labels: the linear probability model.

    Attributes
    ----------
    weights : ndarray of shape (n_classes, n_features)
    bias : ndarray of shape (n_classes,)
    rss : float
        Residual sum of squares, :math:`\sum_i \|h_i - (W x_i + b)\|^2` (the summed Brier score
        of the fitted values).
    """

    weights: np.ndarray
    bias: np.ndarray
    rss: float

    def predict(self, X):
        """Fitted "probabilities" W x + b, shape (n_samples, n_classes).

        Each row sums to 1, but entries can be negative or exceed 1.
        """
        return logits(X, self.weights, self.bias)


def fit_linear_probability(X, y, n_classes=None):
    r"""Fit the linear probability model: least squares of the one-hot labels on ``[1, X]``.

    .. math:: (\hat W, \hat b) = \arg\min_{W, b} \sum_{i=1}^N \|h_i - W x_i - b\|^2

    Each class's column of :math:`H` is regressed separately. Because the one-hot rows sum to 1
    and the design contains the intercept, the fitted rows also sum to 1 exactly; nothing keeps
    them inside :math:`[0, 1]`.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional

    Returns
    -------
    LinearProbabilityFit

    Raises
    ------
    ValueError
        Bad input, or a rank-deficient design.
    """
    Xt, labels, K = _design(X, y, n_classes)
    rank = np.linalg.matrix_rank(Xt)
    if rank < Xt.shape[1]:
        raise ValueError(f"the design [1, X] has rank {rank} < {Xt.shape[1]} columns: the "
                         "least-squares fit is not unique")
    H = one_hot(labels, K)
    coef, *_ = np.linalg.lstsq(Xt, H, rcond=None)  # (1 + d, K)
    rss = float(((H - Xt @ coef) ** 2).sum())
    return LinearProbabilityFit(coef[1:].T.copy(), coef[0].copy(), rss)


# --------------------------------------------------------------------------------------------
# Calibration and population cross entropy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReliabilityCurve:
    r"""Binned calibration of probability forecasts (non-empty bins only).

    Attributes
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges in forecast space; the outer bins also hold forecasts beyond the outer edges.
    mean_predicted : ndarray of shape (n_nonempty,)
        Mean forecast in each bin.
    observed : ndarray of shape (n_nonempty,)
        Observed frequency of the event in each bin.
    count : ndarray of int, shape (n_nonempty,)
        Forecasts in each bin.
    std_error : ndarray of shape (n_nonempty,)
        Standard error of ``observed`` if the forecasts were calibrated:
        :math:`\sqrt{\sum_{i \in \text{bin}} \tilde q_i (1 - \tilde q_i)} / n_\text{bin}`, with
        :math:`\tilde q` the forecasts clipped to [0, 1], treating events as independent.
    """

    bin_edges: np.ndarray
    mean_predicted: np.ndarray
    observed: np.ndarray
    count: np.ndarray
    std_error: np.ndarray

    @property
    def z(self):
        """Standardised deviations ``(observed - mean_predicted) / std_error`` per bin."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.observed - self.mean_predicted) / self.std_error


def reliability_curve(h, q, n_bins=10, strategy="uniform"):
    r"""Reliability curve: observed event frequency against forecast, in bins of the forecast.

    Every pair (sample, class) is one forecast :math:`q_{ik}` of the event :math:`y_i = k`. A
    calibrated forecaster has :math:`P(y = k \mid q_k = t) = t`, so the curve lies on the diagonal
    up to binomial noise.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes) or (n_samples,)
        Event indicators, 0 or 1 (one-hot labels, or a single event per sample).
    q : array_like of the same shape as ``h``
        Forecasts; any real numbers (a linear probability model's forecasts may leave [0, 1]).
    n_bins : int
        Number of bins.
    strategy : {"uniform", "quantile"}
        ``"uniform"``: equal-width bins on [0, 1] (forecasts outside go to the outer bins).
        ``"quantile"``: bins with equal numbers of forecasts.

    Returns
    -------
    ReliabilityCurve
    """
    h = check_finite_array(h, "h", ndim=(1, 2)).ravel()
    q = check_finite_array(q, "q", ndim=(1, 2))
    if q.size != h.size:
        raise ValueError(f"h and q must have the same shape, got {h.size} and {q.size} values")
    q = q.ravel()
    if not np.all((h == 0) | (h == 1)):
        raise ValueError("h must hold event indicators 0 or 1")
    n_bins = check_int(n_bins, "n_bins", 1)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(q, np.linspace(0.0, 1.0, n_bins + 1))
    else:
        raise ValueError(f'strategy must be "uniform" or "quantile", got {strategy!r}')
    which = np.clip(np.searchsorted(edges[1:-1], q, side="right"), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    keep = count > 0
    qc = np.clip(q, 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(which, q, n_bins) / count
        observed = np.bincount(which, h, n_bins) / count
        se = np.sqrt(np.bincount(which, qc * (1 - qc), n_bins)) / count
    return ReliabilityCurve(edges, mean_pred[keep], observed[keep], count[keep], se[keep])


@dataclass(frozen=True)
class CrossEntropyDecomposition:
    r"""Population cross entropy of a model and its split :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`.

    Attributes
    ----------
    cross_entropy : float
        :math:`\mathbb{E}_x[H(p(\cdot \mid x), q(\cdot \mid x))]`, the expected NLL per sample.
    entropy : float
        :math:`\mathbb{E}_x[H(p(\cdot \mid x))]`, the part no model can remove.
    kl : float
        :math:`\mathbb{E}_x[\mathrm{KL}(p(\cdot \mid x) \,\|\, q(\cdot \mid x))]`, zero iff q = p.
    """

    cross_entropy: float
    entropy: float
    kl: float


def population_cross_entropy(true_weights, true_bias, weights, bias, n_nodes=40):
    r"""Expected per-sample NLL of a softmax-regression model under the generative process.

    For :math:`x \sim \mathcal{N}(0, I_d)` and :math:`y \mid x \sim \operatorname{Cat}(p(x))` with
    :math:`p(x) = \operatorname{softmax}(W^* x + b^*)`, the model :math:`q(x) =
    \operatorname{softmax}(W x + b)` has

    .. math:: \mathbb{E}_{x, y}[-\log q_y(x)] = \mathbb{E}_x[H(p(x))]
              + \mathbb{E}_x[\mathrm{KL}(p(x) \,\|\, q(x))].

    The expectation over :math:`x` is a tensor Gauss–Hermite rule with ``n_nodes`` nodes per
    dimension; the sum over :math:`y` is exact.

    Parameters
    ----------
    true_weights : array_like of shape (n_classes, n_features)
    true_bias : array_like of shape (n_classes,)
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)
    n_nodes : int
        Nodes per dimension (``n_nodes ** n_features`` points in all; at most 10**6).

    Returns
    -------
    CrossEntropyDecomposition
    """
    Ws = check_finite_array(true_weights, "true_weights", ndim=2)
    W = check_finite_array(weights, "weights", ndim=2)
    if Ws.shape != W.shape:
        raise ValueError(f"weights must have the shape of true_weights {Ws.shape}, got {W.shape}")
    n_nodes = check_int(n_nodes, "n_nodes", 1)
    d = W.shape[1]
    if n_nodes**d > 10**6:
        raise ValueError(f"n_nodes ** n_features = {n_nodes}**{d} exceeds 10**6 quadrature points")
    t, w = np.polynomial.hermite_e.hermegauss(n_nodes)  # weight exp(-t^2 / 2)
    w = w / np.sqrt(2 * np.pi)
    nodes = np.stack(np.meshgrid(*([t] * d), indexing="ij"), axis=-1).reshape(-1, d)
    weights_q = np.prod(np.stack(np.meshgrid(*([w] * d), indexing="ij"), axis=-1).reshape(-1, d), axis=1)
    log_p = _log_softmax(logits(nodes, Ws, true_bias))
    log_q = _log_softmax(logits(nodes, W, bias))
    p = np.exp(log_p)
    H = -(p * log_p).sum(axis=1)
    KL = (p * (log_p - log_q)).sum(axis=1)
    ent, kl = float(weights_q @ H), float(weights_q @ KL)
    return CrossEntropyDecomposition(ent + kl, ent, kl)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _log_softmax(z):
    return z - logsumexp(z, axis=-1, keepdims=True)


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
        raise ValueError(f"p and q must broadcast against each other, got shapes {p.shape} and "
                         f"{q.shape}") from None


def _call_logit_fn(logit_fn, theta, shape, n_params):
    out = logit_fn(theta)
    if not (isinstance(out, tuple) and len(out) == 2 and callable(out[1])):
        raise ValueError("logit_fn(theta) must return a pair (logits, vjp) with vjp callable")
    Z = np.asarray(out[0], dtype=np.float64)
    if Z.ndim != 2 or (shape is not None and Z.shape != shape):
        want = "two dimensions" if shape is None else f"shape {shape}"
        raise ValueError(f"logit_fn returned logits of shape {Z.shape}; expected {want}")
    return Z, out[1]


def _call_vjp(vjp, G, n_params):
    g = np.asarray(vjp(G), dtype=np.float64)
    if g.shape != (n_params,):
        raise ValueError(f"the vjp of logit_fn returned shape {g.shape}; expected ({n_params},)")
    return g
