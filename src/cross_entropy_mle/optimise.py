r"""The generic optimiser: a summed score over any differentiable logit function.

:func:`minimise_score` fits any model whose logits are a differentiable function of its
parameters (softmax regression through :func:`linear_logit_fn`, the network of
:mod:`~cross_entropy_mle.network`) by BFGS on the summed score, under the one convergence
policy of :mod:`~cross_entropy_mle.convergence` (:func:`minimize`).
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from .convergence import FitResult, fit_result, precision_floor_reached
from .losses import LOGIT_SCORES, score_logits
from .validate import check_finite_array, check_int, check_labels, check_positive

__all__ = ["linear_logit_fn", "minimise_score", "minimize"]

OPTIMIZERS = ("BFGS", "L-BFGS-B", "CG")


def minimize(fun, theta0: np.ndarray, n_samples: int, gtol: float, max_iter: int, method="BFGS"):
    """Minimise ``fun`` (``theta -> (value, grad)`` of a summed objective) under the policy.

    ``scipy.optimize.minimize`` runs on the summed objective (so that from the same start it
    follows the path of :func:`pymc.find_MAP`), with its gradient tolerance set on the summed
    gradient; convergence is then judged on the mean gradient, ``max|grad| / n_samples <=
    gtol``, or on the precision floor (:func:`precision_floor_reached`) when scipy reports
    precision loss.

    Returns
    -------
    theta, value, grad, n_iter, status
        ``status`` is one of ``"gradient"``, ``"floor"``, ``"max_iter"``, ``"line search"``.
    """
    res = optimize.minimize(
        fun,
        theta0,
        jac=True,
        method=method,
        options={"gtol": 0.1 * gtol * n_samples, "maxiter": max_iter},
    )
    theta = res.x
    value, grad = fun(theta)
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        return theta, value, grad, int(res.nit), "line search"
    if np.max(np.abs(grad), initial=0.0) / n_samples <= gtol:
        status = "gradient"
    elif res.status == 1:
        status = "max_iter"
    elif precision_floor_reached(fun, theta, value, grad):
        status = "floor"
    else:
        status = "line search"
    return theta, value, grad, int(res.nit), status


def minimise_score(
    logit_fn,
    theta0: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    *,
    rule: str = "log",
    prior_sd: float | None = None,
    gtol: float = 1e-6,
    max_iter: int = 2000,
    method: str = "BFGS",
    to_model=None,
    name: str = "minimise_score",
) -> FitResult:
    r"""Minimise a summed score over the parameters of any differentiable logit function.

    .. math:: \hat\theta = \arg\min_\theta \; \sum_{i=1}^N
              S\big(\operatorname{softmax}(z_i(\theta)),
              y_i\big) + \frac{\|\theta\|^2}{2 \sigma^2}

    With ``rule="log"`` and no prior this is the MLE of
    :math:`y_i \sim \operatorname{Cat}(\operatorname{softmax}(z_i(\theta)))`; with ``prior_sd``
    :math:`= \sigma` the MAP under independent :math:`\mathcal{N}(0, \sigma^2)` priors. The
    gradient is the chain rule through ``logit_fn``'s vector-Jacobian product; the optimiser is
    :func:`~cross_entropy_mle.convergence.minimize` (its tolerance on the mean, its precision
    floor). Only a local minimum is found: for non-convex models the result depends on
    ``theta0``.

    Parameters
    ----------
    logit_fn : callable
        ``logit_fn(theta) -> (Z, vjp)``: the logits, shape (n_samples, n_classes), and
        ``vjp(G)`` returning :math:`\sum_{ik} G_{ik}\, \partial Z_{ik} / \partial \theta`.
    theta0 : array_like of shape (n_params,)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
        K; defaults to the number of columns of ``Z``.
    rule : {"log", "brier"}
    prior_sd : float, optional
    gtol : float
        Tolerance on the largest absolute gradient entry of the mean objective.
    max_iter : int
    method : {"BFGS", "L-BFGS-B", "CG"}

    to_model : callable, optional
        ``to_model(theta)`` builds the fitted model (for instance a
        :class:`~cross_entropy_mle.network.Network`); by default the model is ``theta`` itself.
    name : str
        The method name reported in the result and in a :class:`ConvergenceWarning`.

    Returns
    -------
    FitResult
        ``model`` from ``to_model``, ``nll`` the summed NLL, ``objective`` the minimised sum,
        ``grad_norm`` the largest entry of its gradient divided by ``n_samples``, under the
        policy of :mod:`~cross_entropy_mle.convergence` (a warning when it did not converge).
    """
    if not callable(logit_fn):
        raise TypeError(f"logit_fn must be callable, got {type(logit_fn).__name__}")
    theta0 = check_finite_array(theta0, "theta0", ndim=1)
    if rule not in LOGIT_SCORES:
        raise ValueError(f"rule must be one of {LOGIT_SCORES}, got {rule!r}")
    if method not in OPTIMIZERS:
        raise ValueError(f"method must be one of {OPTIMIZERS}, got {method!r}")
    precision = 0.0 if prior_sd is None else check_positive(prior_sd, "prior_sd") ** -2
    gtol = check_positive(gtol, "gtol")
    max_iter = check_int(max_iter, "max_iter", 1)
    Z0 = _call(logit_fn, theta0)[0]
    labels, K = check_labels(y, Z0.shape[1] if n_classes is None else n_classes)
    if Z0.shape != (labels.size, K):
        raise ValueError(
            f"logit_fn must return logits of shape (n_samples, n_classes) = "
            f"({labels.size}, {K}), got {Z0.shape}"
        )

    def objective(theta):
        with np.errstate(over="ignore", invalid="ignore"):  # checked on the next line
            Z, vjp = _call(logit_fn, theta, Z0.shape)
        if not np.all(np.isfinite(Z)):  # a trial step too far: reject it, do not fail
            return np.inf, np.zeros_like(theta0)
        value, G = score_logits(labels, Z, rule)
        grad = np.asarray(vjp(G), dtype=float)
        if grad.shape != theta0.shape:
            raise ValueError(
                f"the vjp of logit_fn returned shape {grad.shape}; expected {theta0.shape}"
            )
        return value + 0.5 * precision * theta @ theta, grad + precision * theta

    value0, grad0 = objective(theta0)
    if not (np.isfinite(value0) and np.all(np.isfinite(grad0))):
        raise ValueError("the objective or its gradient is not finite at theta0")
    # Far trial steps may overflow; every result is checked for finiteness, so no warning.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        theta, value, grad, n_iter, status = minimize(
            objective, theta0, labels.size, gtol, max_iter, method
        )
    with np.errstate(over="ignore", invalid="ignore"):
        Z = _call(logit_fn, theta, Z0.shape)[0]
    nll = score_logits(labels, Z, "log")[0] if np.all(np.isfinite(Z)) else np.inf
    grad_norm = float(np.max(np.abs(grad), initial=0.0)) / labels.size
    model = theta if to_model is None else to_model(theta)
    return fit_result(model, nll, value, n_iter, status, grad_norm, name, stacklevel=4)


def _call(logit_fn, theta, shape=None):
    out = logit_fn(theta)
    if not (isinstance(out, tuple) and len(out) == 2 and callable(out[1])):
        raise ValueError("logit_fn(theta) must return a pair (logits, vjp) with vjp callable")
    Z = np.asarray(out[0], dtype=np.float64)
    if Z.ndim != 2 or (shape is not None and Z.shape != shape):
        want = "two dimensions" if shape is None else f"shape {shape}"
        raise ValueError(f"logit_fn returned logits of shape {Z.shape}; expected {want}")
    return Z, out[1]


def linear_logit_fn(X: ArrayLike, n_classes: int) -> Callable:
    r"""The logit function of softmax regression (pivot), for :func:`minimise_score`.

    .. math:: z_i(\theta) = W x_i + b, \qquad W_0 = 0,\; b_0 = 0

    with :math:`\theta` packed as in :func:`~cross_entropy_mle.pack_params`.

    Returns
    -------
    callable
        ``theta -> (Z, vjp)`` with ``Z`` of shape (n_samples, n_classes).
    """
    X = check_finite_array(X, "X", ndim=2)
    design = np.column_stack([np.ones(X.shape[0]), X])
    K = check_int(n_classes, "n_classes", 2)
    p = design.shape[1]

    def logit_fn(theta):
        theta = np.asarray(theta)
        if theta.shape != ((K - 1) * p,):
            raise ValueError(
                f"theta must have shape ((n_classes - 1) * (n_features + 1),) = "
                f"({(K - 1) * p},), got {theta.shape}"
            )
        full = np.zeros((K, p))
        full[1:] = theta.reshape(K - 1, p)
        return design @ full.T, lambda G: (G.T @ design)[1:].ravel()

    return logit_fn
