r"""The MAP of a PyMC model by :func:`pymc.find_MAP`, judged by the core's convergence policy.

:func:`optimizer_outcome` reads what :func:`pymc.find_MAP` reports (failing closed when the
report is missing), :func:`map_status` applies the policy of
:mod:`~cross_entropy_mle.convergence` to it, and :func:`fit_map` fits a model of
:mod:`.models` and recomputes its NLL and gradient with the core's objective.
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm

from ..convergence import FitResult, fit_result, precision_floor_reached
from ..model import SoftmaxRegression, pack_params
from ..objective import SoftmaxRegressionLoss
from ..validate import check_int, check_positive, check_X_y
from .models import prior_sd

__all__ = ["OptimizerOutcome", "find_map", "fit_map", "map_status", "optimizer_outcome"]

#: scipy's ``OptimizeResult.status`` when the iteration limit was reached (BFGS, trust-ncg).
SCIPY_MAX_ITER_STATUS = 1


@dataclass(frozen=True)
class OptimizerOutcome:
    """How scipy's optimiser ended inside :func:`pymc.find_MAP`, as its result reported it.

    Attributes
    ----------
    success : bool or None
        scipy's ``success``; None when the result, or its ``success`` field, is missing.
    status : int or None
        scipy's ``status`` code (1: iteration limit), None when missing.
    n_iter : int
        ``nit``; -1 when missing.
    message : str
    """

    success: bool | None
    status: int | None
    n_iter: int
    message: str


def optimizer_outcome(dt) -> OptimizerOutcome:
    """Read the ``optimizer_result`` group of what :func:`pymc.find_MAP` returned.

    Parameters
    ----------
    dt : xarray.DataTree
        ``pm.find_MAP(..., return_inferencedata=True)``.

    Returns
    -------
    OptimizerOutcome
        With ``success=None`` when the group or its ``success`` field is absent: nothing then
        says the optimiser converged, and :func:`map_status` does not assume it did.
    """
    if "optimizer_result" not in dt.children:
        return OptimizerOutcome(None, None, -1, "find_MAP returned no optimizer_result")
    opt = dt.optimizer_result.to_dataset()

    def get(key, kind, default):
        return kind(opt[key].values) if key in opt.data_vars else default

    return OptimizerOutcome(
        get("success", bool, None),
        get("status", int, None),
        get("nit", int, -1),
        get("message", str, ""),
    )


def map_status(
    outcome: OptimizerOutcome,
    grad_norm: float,
    tol: float,
    max_iter: int,
    at_floor: Callable[[], bool],
) -> str:
    """The :class:`~cross_entropy_mle.FitResult` status of a MAP found by :func:`pymc.find_MAP`.

    The core's policy (:mod:`cross_entropy_mle.convergence`), failing closed on what PyMC
    reports:

    * ``"not certified"``: the optimiser's result, or its ``success``, is missing;
    * ``"gradient"``: the optimiser reported success *and* ``grad_norm`` (recomputed by the
      core's objective) is at most ``tol``;
    * ``"max_iter"``: it stopped at the iteration limit;
    * ``"floor"``: it stopped otherwise (BFGS's "precision loss", the trust region's failed
      prediction) at a point where no step lowers the objective by more than rounding;
    * ``"line search"``: any other stop.

    Parameters
    ----------
    outcome : OptimizerOutcome
    grad_norm : float
        Largest absolute entry of the gradient of the mean objective at the estimate.
    tol : float
    max_iter : int
        The iteration limit passed to the optimiser.
    at_floor : callable
        ``() -> bool``, whether the estimate is at the precision floor (called only if needed;
        see :func:`~cross_entropy_mle.convergence.precision_floor_reached`).
    """
    if outcome.success is None:
        return "not certified"
    if outcome.success and grad_norm <= tol:
        return "gradient"
    if outcome.status == SCIPY_MAX_ITER_STATUS or outcome.n_iter >= max_iter:
        return "max_iter"
    if at_floor():
        return "floor"
    return "line search"


def find_map(model: pm.Model, method: str, **options):
    """:func:`pymc.find_MAP` as every MAP fitter here calls it, its report left to the policy.

    No jitter, ``return_inferencedata=True`` (the current API), no progress bar. PyMC's own
    warning that the optimiser reported failure, and scipy's note that ``method`` ignores the
    bounds PyMC passes as None, are silenced: :func:`map_status` judges the result instead.
    ``options`` go to the optimiser (``gtol``, ``maxiter``, ``initvals``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The optimizer did not converge", category=UserWarning
        )
        warnings.filterwarnings(
            "ignore", message=f"Method {method} does not use", category=RuntimeWarning
        )
        return pm.find_MAP(
            method=method,
            model=model,
            jitter=False,
            return_inferencedata=True,
            progressbar=False,
            **options,
        )


def fit_map(model: pm.Model, tol: float = 1e-8, max_iter: int = 500) -> FitResult:
    r"""Maximise a :func:`softmax_regression_model`'s log posterior with :func:`pymc.find_MAP`.

    A trust-region Newton method (``trust-ncg``) with PyTensor's gradient and Hessian-vector
    products, no jitter, ``return_inferencedata=True``. The result is then judged by the core:
    the objective

    .. math:: f(\theta) = \sum_i -\log q_{i y_i} \;\Big[+ \frac{\|\theta\|^2}{2\sigma^2}\Big]

    (minus the log posterior without its constant; the bracket for a
    :math:`\mathcal N(0, \sigma^2)` prior, on every free weight and bias) is evaluated by
    :class:`~cross_entropy_mle.SoftmaxRegressionLoss` at PyMC's estimate, and the status follows
    :func:`map_status`. A fit that is not certified warns
    :class:`~cross_entropy_mle.ConvergenceWarning` and has ``converged=False``.

    Parameters
    ----------
    model : pymc.Model
        From :func:`softmax_regression_model`.
    tol : float
        Tolerance on the largest absolute entry of the gradient of the *mean* objective
        :math:`f / N`. The optimiser is asked for a summed gradient of Euclidean norm at most
        ``tol * n_samples``, which implies it. (A tolerance on the summed gradient that does not
        grow with N is unreachable in floating point for large data sets.)
    max_iter : int
        Maximum optimiser iterations.

    Returns
    -------
    FitResult
        ``model`` a :class:`~cross_entropy_mle.SoftmaxRegression` (class 0's row zero),
        ``nll`` the summed NLL, ``objective`` :math:`f`, ``grad_norm`` that of :math:`f / N`,
        ``method="pymc-map"``; ``n_iter`` is -1 when PyMC did not report it.
    """
    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}")
    missing = {"X", "y", "W_free", "b_free"} - set(model.named_vars)
    missing |= {"class"} - set(model.coords)
    if missing:
        raise ValueError(f"model lacks {sorted(missing)}; build it with softmax_regression_model")
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", 1)
    K = len(model.coords["class"])
    X, y, _ = check_X_y(model["X"].get_value(), model["y"].get_value(), K)
    sigma = prior_sd(model, ("W_free", "b_free"))
    dt = find_map(model, "trust-ncg", gtol=tol * y.size, maxiter=max_iter)
    post = dt.posterior.to_dataset()
    W_free = post["W_free"].values[0, 0]
    b_free = post["b_free"].values[0, 0]
    weights = np.vstack([np.zeros((1, X.shape[1])), W_free])
    bias = np.concatenate([[0.0], b_free])
    l2 = None if sigma is None else np.full(X.shape[1] + 1, sigma**-2)
    obj = SoftmaxRegressionLoss(X, y, K, l2=l2)
    theta = pack_params(weights, bias)
    value, grad = obj.loss_gradient(theta)
    grad_norm = float(np.max(np.abs(grad), initial=0.0)) / y.size
    outcome = optimizer_outcome(dt)
    status = map_status(
        outcome,
        grad_norm,
        tol,
        max_iter,
        lambda: precision_floor_reached(obj.loss_gradient, theta, value, grad),
    )
    return fit_result(
        SoftmaxRegression(weights, bias),
        value - obj.penalty(theta),
        value,
        outcome.n_iter,
        status,
        grad_norm,
        "pymc-map",
    )
