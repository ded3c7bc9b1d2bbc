"""The inexact Newton solver and the MLE certificate."""

import numpy as np
import pytest
from overlapping_data import simulated

import cross_entropy_mle as ce
from cross_entropy_mle import objective as O
from cross_entropy_mle.newton import newton, pcg
from cross_entropy_mle.objective import SoftmaxRegressionLoss


def test_certificate_by_conjugate_gradients_when_the_bound_is_inconclusive(monkeypatch):
    X, y = simulated(18, n=400, d=2, k=3)
    a = ce.fit_cross_entropy(X, y)
    monkeypatch.setattr(
        SoftmaxRegressionLoss, "hessian_lower_bound", lambda self, theta, subsample=False: 0.0
    )
    b = ce.fit_cross_entropy(X, y)
    assert b.converged
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-12)


def test_conjugate_gradient_solver():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(30, 30))
    H = A @ A.T + 0.1 * np.eye(30)
    b = rng.normal(size=30)
    x, info = pcg(lambda v: H @ v, b, lambda v: v, rtol=1e-12, maxiter=300)
    assert info == 0
    np.testing.assert_allclose(H @ x, b, atol=1e-10 * np.linalg.norm(b))
    x, info = pcg(lambda v: H @ v, b, lambda v: np.linalg.solve(H, v), rtol=1e-12, maxiter=3)
    assert info == 0
    _, info = pcg(lambda v: -v, b, lambda v: v, rtol=1e-12, maxiter=5)
    assert info == -1
    _, info = pcg(lambda v: H @ v, b, lambda v: v, rtol=1e-12, maxiter=2)
    assert info == 1


def test_forced_kronecker_preconditioner_gives_the_same_fit(monkeypatch):
    X, y = simulated(9, n=500, d=3, k=4)
    a = ce.fit_cross_entropy(X, y)
    monkeypatch.setattr(O, "PRECONDITIONER_MAX_PARAMS", 0)
    b = ce.fit_cross_entropy(X, y)
    assert b.converged
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-7)


def test_precision_floor_is_reached_not_failed():
    # Asking for a gradient below what rounding allows ends at the floor, converged.
    X, y = simulated(19, n=2000, d=3, k=3)
    obj = SoftmaxRegressionLoss(X, y)
    res = newton(obj, np.zeros(obj.n_params), tol=1e-300, max_iter=100)
    assert res.status == "floor"
    assert res.n_iter < 100
    reference = ce.fit_cross_entropy(X, y)
    assert res.loss == pytest.approx(reference.nll, rel=1e-13)
