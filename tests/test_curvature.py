import numpy as np
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.curvature import nll_hessian, standard_errors


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    W = np.array([[0.0, 0.0], [1.0, -0.5], [-0.7, 1.2]])
    b = np.array([0.0, 0.3, -0.2])
    X, y, _ = ce.simulate(300, W, b, rng)
    return X, y


def _grad(theta, X, y, K):
    W, b = ce.unpack_params(theta, K, X.shape[1])
    _, gW, gb = ce.nll_grad(y, X, W, b)
    return ce.pack_params(gW, gb)


def test_hessian_matches_finite_differences_of_the_gradient(data):
    X, y = data
    K, d = 3, X.shape[1]
    theta = np.array([0.2, -0.4, 0.9, -0.3, 0.5, 0.1])
    W, b = ce.unpack_params(theta, K, d)
    H = nll_hessian(X, y, W, b)
    eps = 1e-6
    fd = np.column_stack([
        (_grad(theta + eps * e, X, y, K) - _grad(theta - eps * e, X, y, K)) / (2 * eps)
        for e in np.eye(theta.size)
    ])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6)


def test_hessian_is_symmetric_positive_definite_and_shift_invariant(data):
    X, y = data
    W = np.array([[0.0, 0.0], [0.4, -0.1], [0.3, 0.2]])
    b = np.array([0.0, 0.1, -0.1])
    H = nll_hessian(X, y, W, b)
    assert H.shape == (6, 6)
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H).min() > 0
    # Adding the same row to every class leaves the probabilities, hence the Hessian, unchanged.
    H_shift = nll_hessian(X, y, W + np.array([1.0, -2.0]), b + 0.7)
    np.testing.assert_allclose(H_shift, H, rtol=1e-12)


def test_hessian_of_binary_intercept_only_model_is_n_p_1_minus_p():
    y = np.array([0, 1, 1, 0, 1])
    X = np.empty((y.size, 0))
    H = nll_hessian(X, y, np.zeros((2, 0)), np.array([0.0, 0.8]))
    p = 1 / (1 + np.exp(-0.8))
    np.testing.assert_allclose(H, [[y.size * p * (1 - p)]], rtol=1e-14)


def test_standard_errors_match_statsmodels(data):
    sm = pytest.importorskip("statsmodels.api")
    X, y = data
    fit = ce.fit_cross_entropy(X, y)
    se = standard_errors(X, y, fit.weights, fit.bias)
    res = sm.MNLogit(y, np.column_stack([np.ones(len(y)), X])).fit(method="newton", disp=0, tol=1e-12)
    # statsmodels' bse has shape (1 + d, K - 1): column k holds [b_k, W_k].
    np.testing.assert_allclose(se, np.asarray(res.bse).T.ravel(), rtol=1e-6)


def test_nll_hessian_checks_its_inputs(data):
    X, y = data
    W, b = np.zeros((3, 2)), np.zeros(3)
    with pytest.raises(ValueError, match="y has"):
        nll_hessian(X, y[:-1], W, b)
    with pytest.raises(ValueError, match="weights"):
        nll_hessian(X, y, np.zeros((3, 3)), b)
