r"""What every fitter returns, and the one convergence policy they all follow.

Every fitter of the library returns a :class:`FitResult` with the same fields, whatever the
model (softmax regression or a network) and the objective (cross entropy, a penalised cross
entropy, the Brier score). The policy:

* ``grad_norm`` is always the largest absolute entry of the gradient of the *mean* objective
  (the minimised function divided by the number of observations) at the estimate, over the
  free parameters the fit returns;
* a fit is ``converged`` when the fitter's stopping rule is met (each fitter's docstring
  states it: the softmax-regression fitters test the gradient over *standardised* parameters,
  so that the rule does not depend on the units of X, while ``grad_norm`` reports it in the
  returned parametrisation), or when it has reached the *precision floor*: the objective
  :math:`f` is resolved only to about :math:`\epsilon |f|`
  (:math:`\epsilon \approx 2.2 \times 10^{-16}`), so once no step lowers it by more than
  :math:`16 \epsilon |f|` (:func:`precision_floor_reached`), no optimiser can do better (as in
  scikit-learn's Newton solver, which also accepts steps within that band while the gradient
  still falls). ``status`` says which;
* otherwise the fitter warns :class:`ConvergenceWarning` and returns ``converged=False``. No
  fitter reports a success it did not check.
"""

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FLOOR_FACTOR",
    "ConvergenceWarning",
    "FitResult",
    "fit_result",
    "precision_floor_reached",
]

#: A change of the objective within ``FLOOR_FACTOR * eps * |f|`` is rounding, not progress.
FLOOR_FACTOR = 16.0

#: ``FitResult.status`` values.
STATUSES = ("gradient", "floor", "max_iter", "line search", "not certified")


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before it reached a minimiser; the result has ``converged=False``."""


@dataclass(frozen=True)
class FitResult:
    """A fitted model and how its optimiser ended; the same fields for every fitter.

    Attributes
    ----------
    model : SoftmaxRegression or Network
        The estimate, with ``predict_proba(X)``. For softmax regression it is in the pivot
        parametrisation (class 0's row zero); ``weights`` and ``bias`` are shortcuts to it.
    nll : float
        Summed negative log-likelihood (summed cross entropy) at the estimate, whatever the
        objective.
    objective : float
        The minimised function at the estimate: the summed NLL plus the L2 term, or the
        summed score.
    n_iter : int
        Optimiser iterations.
    converged : bool
        Whether ``grad_norm`` met the tolerance or the precision floor was reached (and, for
        :func:`~cross_entropy_mle.fit_cross_entropy`, the estimate was certified as the MLE).
    grad_norm : float
        Largest absolute entry of the gradient of ``objective / n_samples`` at the estimate.
    method : str
        Which estimator produced it.
    status : str
        ``"gradient"`` (tolerance met), ``"floor"`` (precision floor), ``"max_iter"``,
        ``"line search"`` (no descent step found above the floor) or ``"not certified"``.
    """

    model: object
    nll: float
    objective: float
    n_iter: int
    converged: bool
    grad_norm: float
    method: str
    status: str

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.converged != (self.status in ("gradient", "floor")):
            raise ValueError(f"converged={self.converged} contradicts status {self.status!r}")

    @property
    def weights(self) -> np.ndarray:
        """W of a softmax-regression fit, shape (n_classes, n_features), row 0 zero."""
        return self.model.weights

    @property
    def bias(self) -> np.ndarray:
        """b of a softmax-regression fit, shape (n_classes,), entry 0 zero."""
        return self.model.bias

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities of the fitted model, shape (n_samples, n_classes)."""
        return self.model.predict_proba(X)


def fit_result(model, nll, objective, n_iter, status, grad_norm, method, stacklevel=3):
    """Build the :class:`FitResult` of a fit under the policy: warn unless it converged.

    ``converged`` is ``status in ("gradient", "floor")``; any other status warns
    :class:`ConvergenceWarning` naming the method, the iterations, the status and ``grad_norm``.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    converged = status in ("gradient", "floor")
    if not converged:
        warnings.warn(
            f"{method} stopped after {n_iter} iterations without converging (status "
            f"{status!r}; largest entry of the mean gradient {grad_norm:.3g}); the result has "
            "converged=False",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
    return FitResult(
        model,
        float(nll),
        float(objective),
        int(n_iter),
        converged,
        float(grad_norm),
        method,
        status,
    )


def precision_floor_reached(fun, theta: np.ndarray, value: float, grad: np.ndarray) -> bool:
    r"""Whether no step along :math:`-\nabla f` lowers ``fun`` by more than rounding.

    Tries steps :math:`t\,\nabla f` for :math:`t = t_0 2^{-k}`, :math:`k = 0, \dots, 59`, from
    :math:`t_0 = \max(|f|, 1) / \|\nabla f\|^2` (where the linear model predicts a change of
    :math:`|f|`) down to where it predicts less than rounding. ``fun(theta)`` returns
    ``(value, grad)``.
    """
    with np.errstate(over="ignore"):
        g2 = float(grad @ grad)
    if g2 == 0.0:
        return True
    if not (np.isfinite(g2) and np.isfinite(value)):
        return False  # a gradient this large says nothing about rounding
    floor = FLOOR_FACTOR * np.finfo(float).eps * max(abs(value), np.finfo(float).tiny)
    t = max(abs(value), 1.0) / g2
    for _ in range(60):
        trial = fun(theta - t * grad)[0]
        if np.isfinite(trial) and trial < value - floor:
            return False
        t *= 0.5
        if t * g2 < 0.01 * floor:
            break
    return True
