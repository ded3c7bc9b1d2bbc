import numpy as np
import pytest

import cross_entropy_mle as ce

W_TRUE = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
B_TRUE = np.array([0.0, 0.5, -0.5])


@pytest.mark.slow
@pytest.mark.parametrize("seed, n", [(0, 50), (0, 1500), (2, 3000), (5, 500)])
def test_flat_prior_map_converges_without_warning_and_equals_the_mle(seed, n):
    # An absolute gradient tolerance of 1e-10 made the trust region fail on round-off for most
    # of these data sets, with PyMC's "optimizer did not converge" UserWarning (an error here).
    X, y, _ = ce.simulate(n, W_TRUE, B_TRUE, np.random.default_rng(seed))
    fit = ce.fit_map(ce.softmax_regression_model(X, y, "flat", 3))
    ref = ce.fit_cross_entropy(X, y, 3)
    assert fit.converged
    diff = np.abs(ce.pack_params(fit.weights, fit.bias) - ce.pack_params(ref.weights, ref.bias))
    assert diff.max() < 1e-5


@pytest.mark.slow
def test_normal_prior_map_converges_and_is_shrunk_towards_zero():
    X, y, _ = ce.simulate(200, W_TRUE, B_TRUE, np.random.default_rng(1))
    fit = ce.fit_map(ce.softmax_regression_model(X, y, 1.0, 3))
    mle = ce.fit_cross_entropy(X, y, 3)
    assert fit.converged
    theta, theta_mle = ce.pack_params(fit.weights, fit.bias), ce.pack_params(mle.weights, mle.bias)
    # The MAP solves grad NLL(theta) + theta / sigma^2 = 0 with sigma = 1.
    _, gW, gb = ce.nll_grad(y, X, fit.weights, fit.bias)
    np.testing.assert_allclose(ce.pack_params(gW, gb), -theta, atol=1e-5)
    assert np.linalg.norm(theta) < np.linalg.norm(theta_mle)
