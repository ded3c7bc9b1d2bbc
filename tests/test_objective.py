"""The softmax-regression objective: value, gradient, Hessian, their blocks and the L2 term."""

import numpy as np
import pytest
from overlapping_data import simulated
from scipy.special import log_softmax

import cross_entropy_mle as ce
from cross_entropy_mle import objective as O
from cross_entropy_mle.objective import SoftmaxRegressionLoss


def reference_gradient(X, y, W, b):
    """Packed gradient of the summed NLL, written out directly: sum_i (q_i - h_i) (1, x_i)."""
    q = np.exp(log_softmax(X @ W.T + b, axis=1))
    q[np.arange(len(y)), y] -= 1.0
    design = np.column_stack([np.ones(len(y)), X])
    return (q.T @ design)[1:].ravel()


# --- the objective fit.py minimises: value, gradient and Hessian-vector products --------------


@pytest.fixture(scope="module")
def objective():
    X, y = simulated(8, n=120, d=3, k=4)
    return X, y, SoftmaxRegressionLoss(X, y)


def test_objective_loss_gradientient(objective):
    X, y, obj = objective
    theta = np.random.default_rng(1).normal(size=3 * 4)
    nll, grad = obj.loss_gradient(theta)
    W, b = ce.unpack_params(theta, 4, 3)
    assert nll == pytest.approx(
        ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b)), rel=1e-12
    )
    np.testing.assert_allclose(grad, reference_gradient(X, y, W, b), rtol=1e-10, atol=1e-10)
    h = 1e-6
    numeric = np.array(
        [
            (obj.loss_gradient(theta + h * e)[0] - obj.loss_gradient(theta - h * e)[0]) / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * nll)


def test_objective_hessian_vector_products(objective):
    _, _, obj = objective
    rng = np.random.default_rng(2)
    theta = rng.normal(size=12)
    other = rng.normal(size=12)
    h = 1e-5
    for _ in range(3):
        v = rng.normal(size=12)
        numeric = (obj.loss_gradient(theta + h * v)[1] - obj.loss_gradient(theta - h * v)[1]) / (
            2 * h
        )
        obj.loss_gradient(other)  # the cached probabilities belong to another point now
        Hv = obj.hessp(theta, v)
        np.testing.assert_allclose(Hv, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    # Symmetric and positive semi-definite.
    u, v = rng.normal(size=(2, 12))
    assert u @ obj.hessp(theta, v) == pytest.approx(v @ obj.hessp(theta, u), rel=1e-10)
    assert v @ obj.hessp(theta, v) > 0


def test_preconditioner_is_the_exact_inverse_hessian_on_small_data(objective):
    # With fewer rows than the subsample size, the preconditioner's Hessian uses every row.
    _, _, obj = objective
    rng = np.random.default_rng(3)
    theta = rng.normal(size=12)
    apply = obj.preconditioner(theta)
    for v in rng.normal(size=(3, 12)):
        np.testing.assert_allclose(apply(obj.hessp(theta, v)), v, rtol=1e-8, atol=1e-8)


def test_kronecker_preconditioner_is_exact_when_probabilities_are_constant(objective, monkeypatch):
    # With zero weights every observation has the same q, and the Hessian is A (x) X~'X~.
    _, _, obj = objective
    monkeypatch.setattr(O, "PRECONDITIONER_MAX_PARAMS", 0)
    theta = np.zeros((3, 4))
    theta[:, 0] = [0.3, -0.2, 0.1]
    theta = theta.ravel()
    apply = obj.preconditioner(theta)
    for v in np.random.default_rng(4).normal(size=(3, 12)):
        np.testing.assert_allclose(apply(obj.hessp(theta, v)), v, rtol=1e-8, atol=1e-8)


def test_objective_for_huge_logits(objective):
    # Beyond |z| = 700 the objective shifts the logits before exponentiating.
    X, y, obj = objective
    theta = 300.0 * np.random.default_rng(6).normal(size=12)
    nll, grad = obj.loss_gradient(theta)
    W, b = ce.unpack_params(theta, 4, 3)
    assert np.abs(ce.linear_predictor(X, W, b)).max() > 700
    assert nll == pytest.approx(
        ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b)), rel=1e-12
    )
    np.testing.assert_allclose(
        grad, reference_gradient(X, y, W, b), rtol=1e-9, atol=1e-9 * np.abs(X).max()
    )


def explicit_hessian(obj, theta):
    return np.column_stack([obj.hessp(theta, e) for e in np.eye(theta.size)])


def test_hessian_lower_bound(objective):
    _, _, obj = objective
    rng = np.random.default_rng(7)
    for scale in (0.0, 0.5, 3.0):
        theta = scale * rng.normal(size=12)
        H = explicit_hessian(obj, theta)
        np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-10 * np.abs(H).max())
        lower = obj.hessian_lower_bound(theta)
        assert 0 < lower <= np.linalg.eigvalsh(H)[0] * (1 + 1e-10)
        assert 0 < obj.hessian_lower_bound(theta, subsample=True) <= lower * (1 + 1e-10)


def test_intercept_only_start_is_exact(objective):
    X, y, obj = objective
    counts = np.bincount(y, minlength=4)
    theta0, nll, grad, inverse_hessian = obj.intercept_only_start()
    expected = np.zeros((3, 4))
    expected[:, 0] = np.log(counts[1:] / counts[0])
    np.testing.assert_allclose(theta0, expected.ravel(), rtol=1e-15)
    nll_ref, grad_ref = obj.loss_gradient(theta0)
    assert nll == pytest.approx(nll_ref, rel=1e-12)
    np.testing.assert_allclose(grad, grad_ref, atol=1e-10 * np.abs(grad_ref).max())
    H = explicit_hessian(obj, theta0)
    for v in np.random.default_rng(8).normal(size=(3, 12)):
        np.testing.assert_allclose(inverse_hessian(H @ v), v, rtol=1e-8, atol=1e-8)


def test_objective_over_blocks_equals_one_block(objective, monkeypatch):
    X, y, obj = objective
    monkeypatch.setattr(SoftmaxRegressionLoss, "BLOCK_ROWS", 7)
    small = SoftmaxRegressionLoss(X, y)
    assert len(small.blocks) == -(-len(y) // 7)
    rng = np.random.default_rng(9)
    theta, v = rng.normal(size=(2, 12))
    for scale in (1.0, 300.0):  # the second puts some blocks on the shifted (|z| > 700) path
        a, b = obj.loss_gradient(scale * theta), small.loss_gradient(scale * theta)
        assert a[0] == pytest.approx(b[0], rel=1e-13)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-12 * np.abs(a[1]).max())
        np.testing.assert_allclose(
            obj.hessp(scale * theta, v), small.hessp(scale * theta, v), rtol=1e-12, atol=1e-12
        )


def test_dense_hessian_equals_hessian_vector_products(objective):
    _, _, obj = objective
    theta = np.random.default_rng(10).normal(size=12)
    H = obj.hessian(theta)
    np.testing.assert_allclose(H, explicit_hessian(obj, theta), rtol=1e-12, atol=1e-12)


def test_nll_many_equals_one_at_a_time(objective):
    _, _, obj = objective
    thetas = np.random.default_rng(11).normal(size=(70, 12))
    np.testing.assert_allclose(
        obj.nll_many(thetas, chunk=16), [obj.nll(t) for t in thetas], rtol=1e-12
    )


@pytest.mark.parametrize("symmetric", [False, True])
def test_l2_term(objective, symmetric):
    X, y, _ = objective
    lam = np.array([0.5, 1.0, 2.0, 3.0])
    obj = SoftmaxRegressionLoss(X, y, l2=lam, symmetric_penalty=symmetric)
    rng = np.random.default_rng(12)
    theta, v = rng.normal(size=(2, 12))
    T = theta.reshape(3, 4)
    if symmetric:  # sum over all K rows of the zero-mean symmetric parameters, by hand
        full = np.vstack([np.zeros(4), T])
        full -= full.mean(axis=0)
        penalty = 0.5 * np.sum(lam * full**2)
    else:
        penalty = 0.5 * np.sum(lam * T**2)
    plain = SoftmaxRegressionLoss(X, y)
    assert obj.loss(theta) == pytest.approx(plain.loss(theta) + penalty, rel=1e-13)
    assert obj.penalty(theta) == pytest.approx(penalty, rel=1e-13)
    h = 1e-6
    numeric = np.array(
        [(obj.loss(theta + h * e) - obj.loss(theta - h * e)) / (2 * h) for e in np.eye(12)]
    )
    np.testing.assert_allclose(obj.loss_gradient(theta)[1], numeric, rtol=1e-6, atol=1e-6)
    numeric_hv = (obj.loss_gradient(theta + h * v)[1] - obj.loss_gradient(theta - h * v)[1]) / (
        2 * h
    )
    np.testing.assert_allclose(obj.hessp(theta, v), numeric_hv, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(obj.hessian(theta) @ v, obj.hessp(theta, v), rtol=1e-12, atol=1e-12)


def test_loss_bad_l2():
    with pytest.raises(ValueError, match="l2 must hold 3 non-negative numbers"):
        SoftmaxRegressionLoss(np.zeros((4, 2)), [0, 1, 0, 1], l2=[1.0, -1.0, 1.0])
