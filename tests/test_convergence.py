"""The one result shape and convergence policy: statuses, the warning, the precision floor."""

import warnings

import numpy as np
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.convergence import STATUSES, fit_result, precision_floor_reached
from cross_entropy_mle.optimise import minimize


def quadratic(center, scale=1.0):
    """f(t) = scale * (1 + |t - center|^2 / 2): minimum scale at center."""

    def fun(t):
        d = t - center
        return scale * (1.0 + 0.5 * d @ d), scale * d

    return fun


@pytest.mark.parametrize("status", STATUSES)
def test_fit_result_policy(status):
    model = ce.SoftmaxRegression(np.zeros((2, 1)), np.zeros(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_result(model, 1.0, 2.0, 3, status, 1e-3, "demo")
    converged = status in ("gradient", "floor")
    assert fit.converged is converged and fit.status == status
    assert [w.category for w in caught] == ([] if converged else [ce.ConvergenceWarning])
    if not converged:
        assert f"demo stopped after 3 iterations without converging (status '{status}'" in str(
            caught[0].message
        )
    assert fit.weights is model.weights and fit.objective == 2.0


def test_fit_result_rejects_an_unknown_status():
    with pytest.raises(ValueError, match="status must be one of"):
        fit_result(None, 1.0, 1.0, 1, "fine", 0.0, "demo")


def test_minimize_reaches_the_gradient_tolerance():
    fun = quadratic(np.array([1.0, -2.0]))
    theta, value, grad, n_iter, status = minimize(fun, np.zeros(2), 1, 1e-10, 100)
    assert status == "gradient"
    np.testing.assert_allclose(theta, [1.0, -2.0], atol=1e-10)


def test_minimize_reports_the_floor_when_the_tolerance_is_below_rounding():
    # With f ~ 1e6 the objective is resolved to ~1e-10; a gradient of 1e-30 cannot be shown.
    fun = quadratic(np.array([1.0, -2.0]), scale=1e6)
    theta, value, grad, n_iter, status = minimize(fun, np.zeros(2), 1, 1e-30, 1000)
    assert status in ("gradient", "floor")
    np.testing.assert_allclose(theta, [1.0, -2.0], atol=1e-6)


def test_minimize_reports_max_iter():
    fun = quadratic(np.full(5, 3.0))
    *_, status = minimize(fun, np.zeros(5), 1, 1e-12, 1)
    assert status == "max_iter"


def test_precision_floor_reached():
    fun = quadratic(np.array([0.5]), scale=1.0)
    assert precision_floor_reached(fun, np.array([0.5]), *fun(np.array([0.5])))
    far = np.array([3.0])
    assert not precision_floor_reached(fun, far, *fun(far))
    near = np.array([0.5 + 1e-9])  # the decrease available, ~5e-19, is below 16 eps |f|
    assert precision_floor_reached(fun, near, *fun(near))


def test_precision_floor_is_not_claimed_for_an_overflowing_gradient():
    def fun(t):
        return 1.0, np.full_like(t, 1e200)

    assert not precision_floor_reached(fun, np.zeros(3), *fun(np.zeros(3)))
