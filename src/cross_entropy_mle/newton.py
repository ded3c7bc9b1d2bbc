r"""The inexact Newton solver behind the softmax-regression fitters, and the MLE certificate.

Both work on a :class:`~cross_entropy_mle.objective.SoftmaxRegressionLoss`. Each Newton step
solves :math:`H s = -g` by preconditioned conjugate gradients (exact Hessian-vector products)
to a relative accuracy that tightens as the gradient shrinks, then backtracks until the Armijo
condition holds. It stops when :math:`\max_j |g_j| / N \le` ``tol`` (the measure of
:mod:`~cross_entropy_mle.convergence`), or at its precision floor: a step whose change of the
objective is within :math:`16 \epsilon |f|` is accepted while the gradient still falls; when
the line search finds no step, :func:`~cross_entropy_mle.convergence.precision_floor_reached`
decides whether the floor has been reached (status ``"floor"``) or not (``"line search"``).
"""

from dataclasses import dataclass

import numpy as np

from .convergence import FLOOR_FACTOR, precision_floor_reached

__all__ = ["NewtonResult", "certify_minimiser", "newton"]

#: While the forcing term (the relative accuracy asked of a Newton step) is at least this, the
#: preconditioned gradient step is taken as it is, without conjugate-gradient refinement.
DIRECT_STEP_FORCING = 0.03

#: The preconditioner is rebuilt unless the last step moved every logit by less than this.
PRECONDITIONER_REUSE = 0.5

#: An estimate is certified when ``R * ||H^{-1} g|| <= NEWTON_CERTIFICATE`` with
#: ``R = 2 max_i ||(1, x_i)||``: under separation the Newton step along the escaping direction
#: stays of order ``1 / R`` instead of shrinking, so this threshold tells the two apart.
NEWTON_CERTIFICATE = 0.1


@dataclass(frozen=True)
class NewtonResult:
    """Where :func:`newton` stopped: ``status`` is ``"gradient"``, ``"floor"``, ``"max_iter"`` or
    ``"line search"``."""

    theta: np.ndarray
    loss: float
    grad: np.ndarray
    n_iter: int
    status: str


def pcg(matvec, b, precond, rtol, maxiter):
    """Preconditioned conjugate gradients for ``H x = b``; returns ``(x, info)``.

    ``info`` is 0 when ``||b - H x|| <= rtol ||b||``, 1 when ``maxiter`` ran out and -1 when a
    direction of non-positive curvature was met.
    """
    x = np.zeros_like(b)
    r = b.copy()
    b_norm = np.linalg.norm(b)
    if b_norm == 0.0:
        return x, 0
    z = precond(r)
    d = z.copy()
    rz = r @ z
    for _ in range(maxiter):
        Hd = matvec(d)
        curvature = d @ Hd
        if not curvature > 0:
            return x, -1
        alpha = rz / curvature
        x += alpha * d
        r -= alpha * Hd
        if np.linalg.norm(r) <= rtol * b_norm:
            return x, 0
        z = precond(r)
        rz, rz_old = r @ z, rz
        d = z + (rz / rz_old) * d
    return x, 1


def newton(obj, theta, tol, max_iter, start=None) -> NewtonResult:
    """Minimise ``obj`` from ``theta`` by inexact Newton steps with backtracking.

    ``start`` may give ``(loss, grad, inverse_hessian)`` at ``theta`` (for instance from
    :meth:`~cross_entropy_mle.objective.SoftmaxRegressionLoss.intercept_only_start`), saving
    their evaluation and making the first step exact.
    """
    n = obj.n_samples
    eps_floor = FLOOR_FACTOR * np.finfo(float).eps
    if start is None:
        (loss, grad), precond = obj.loss_gradient(theta), None
    else:
        loss, grad, precond = start
    radius = 2.0 * obj.row_norm.max()
    moved = 0.0 if precond is not None else np.inf
    for it in range(max_iter):
        if np.max(np.abs(grad), initial=0.0) <= tol * n:
            return NewtonResult(theta, loss, grad, it, "gradient")
        g_norm = np.linalg.norm(grad)
        if precond is None or moved > PRECONDITIONER_REUSE:
            precond = obj.preconditioner(theta)
        forcing = min(0.5, np.sqrt(g_norm / n))
        if forcing >= DIRECT_STEP_FORCING or (it == 0 and start is not None):
            step = -precond(grad)
        else:
            step, _ = pcg(
                lambda v, at=theta: obj.hessp(at, v),
                -grad,
                precond,
                rtol=forcing,
                maxiter=max(20, theta.size),
            )
        slope = grad @ step
        if not slope < 0:  # no conjugate-gradient progress: a preconditioned gradient step
            step = -precond(grad)
            slope = grad @ step
        floor = eps_floor * max(abs(loss), np.finfo(float).tiny)
        t = 1.0
        for _ in range(60):
            trial = theta + t * step
            loss_new, grad_new = obj.loss_gradient(trial)
            decrease = -1e-4 * t * slope  # what the Armijo condition asks for
            if decrease > floor and loss_new <= loss - decrease:
                break
            # below rounding the objective cannot tell: accept while the gradient still falls
            if loss_new - loss <= floor and np.linalg.norm(grad_new) < g_norm:
                break
            t *= 0.5
        else:  # no step found: at the floor, or stuck above it
            at_floor = precision_floor_reached(obj.loss_gradient, theta, loss, grad)
            obj.loss_gradient(theta)  # the probabilities of theta again, for the certificate
            return NewtonResult(theta, loss, grad, it + 1, "floor" if at_floor else "line search")
        moved = radius * t * np.linalg.norm(step)
        theta, loss, grad = trial, loss_new, grad_new
    status = "gradient" if np.max(np.abs(grad), initial=0.0) <= tol * n else "max_iter"
    return NewtonResult(theta, loss, grad, max_iter, status)


def certify_minimiser(obj, theta, grad) -> bool:
    """Whether ``R * ||H^{-1} g|| <= NEWTON_CERTIFICATE`` at ``theta``: the minimiser is near.

    First from the bound ``||H^{-1} g|| <= ||g|| / lambda`` with a lower bound ``lambda`` on the
    Hessian's smallest eigenvalue (from a subsample, then from all observations), which needs no
    linear solve; when that bound is too weak, from the Newton step itself, solved by conjugate
    gradients to a relative residual of 1e-10.
    """
    radius = 2.0 * obj.row_norm.max()
    for subsample in (True, False):
        lower = obj.hessian_lower_bound(theta, subsample=subsample)
        if lower > 0 and radius * np.linalg.norm(grad) / lower <= NEWTON_CERTIFICATE:
            return True
    step, info = pcg(
        lambda v: obj.hessp(theta, v),
        grad,
        obj.preconditioner(theta),
        rtol=1e-10,
        maxiter=10 * theta.size,
    )
    if info != 0 or not np.all(np.isfinite(step)):
        return False
    return bool(radius * np.linalg.norm(step) <= NEWTON_CERTIFICATE)
