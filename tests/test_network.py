import math

import numpy as np
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.network import (
    Network,
    check_network,
    fit_network,
    network_logit_fn,
    network_logits,
    network_nll_grad,
    pack_network,
    random_network,
    simulate_network,
    unpack_network,
)
from cross_entropy_mle.symmetry import flip_hidden, permute_hidden


@pytest.fixture(scope="module")
def net():
    return random_network(2, 3, 3, np.random.default_rng(0), scale=1.5)


@pytest.fixture(scope="module")
def ring():
    """Two classes, class 1 inside a triangle: a data set a linear model cannot fit."""
    phi = np.deg2rad([90, 210, 330])
    U = np.column_stack([np.cos(phi), np.sin(phi)])
    true = Network(-3 * U, np.full(3, 3.0), np.array([[0.0, 0, 0], [2, 2, 2]]), np.array([0.0, -4]))
    X, y, _ = simulate_network(400, true, np.random.default_rng(7))
    return true, X, y


def _loop_logits(X, net):
    out = np.zeros((len(X), net.n_classes))
    for i, x in enumerate(X):
        for k in range(net.n_classes):
            s = net.output_bias[k]
            for j in range(net.n_hidden):
                u = sum(net.hidden_weights[j, m] * x[m] for m in range(net.n_features))
                s += net.output_weights[k, j] * math.tanh(u + net.hidden_bias[j])
            out[i, k] = s
    return out


def test_logits_match_an_explicit_loop(net):
    X = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_allclose(network_logits(X, net), _loop_logits(X, net), rtol=1e-12)
    np.testing.assert_allclose(net.predict_proba(X), ce.softmax(_loop_logits(X, net)), rtol=1e-12)


def test_pack_unpack_round_trip(net):
    theta = pack_network(net)
    assert theta.size == 3 * (2 + 1) + (3 - 1) * (3 + 1)
    back = unpack_network(theta, 2, 3, 3)
    np.testing.assert_array_equal(pack_network(back), theta)
    np.testing.assert_array_equal(back.output_weights[0], 0.0)
    assert back.output_bias[0] == 0.0


def test_backprop_gradient_matches_finite_differences(net):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    y = rng.integers(3, size=30)
    nll, grad = network_nll_grad(X, y, net)
    assert nll == pytest.approx(ce.negative_log_likelihood(y, _loop_logits(X, net)), rel=1e-12)
    theta = pack_network(net)

    def f(t):
        return network_nll_grad(X, y, unpack_network(t, 2, 3, 3))[0]

    eps = 1e-6
    fd = np.array(
        [(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)]
    )
    np.testing.assert_allclose(pack_network(grad), fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(grad.output_weights[0], 0.0)


def test_logit_fn_vjp_matches_finite_differences(net):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 2))
    fn = network_logit_fn(X, 3, 3)
    theta = pack_network(net)
    G = rng.normal(size=(10, 3))
    Z, vjp = fn(theta)
    np.testing.assert_allclose(Z, network_logits(X, net))
    eps = 1e-6
    fd = np.array(
        [
            ((fn(theta + eps * e)[0] - fn(theta - eps * e)[0]) * G).sum() / (2 * eps)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(vjp(G), fd, rtol=1e-6, atol=1e-8)


def test_fit_network_reaches_a_stationary_point_and_beats_the_linear_model(ring):
    true, X, y = ring
    start = random_network(2, 3, 2, np.random.default_rng(1))
    fit = fit_network(X, y, start, prior_sd=5.0, gtol=1e-8)
    assert isinstance(fit.model, Network) and fit.method == "network"
    assert fit.converged and fit.status in ("gradient", "floor")
    theta = pack_network(fit.model)

    def loss(t):
        nll = ce.negative_log_likelihood(y, _loop_logits(X, unpack_network(t, 2, 3, 2)))
        return nll + t @ t / 50.0

    eps = 1e-6
    fd = np.array(
        [(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)]
    )
    # Central differences: rounding O(1e-16 * loss / eps) ~ 1e-8, i.e. 3e-11 per observation.
    assert np.max(np.abs(fd)) / y.size < 1e-6
    assert fit.objective == pytest.approx(loss(theta), rel=1e-12)
    assert fit.nll == pytest.approx(loss(theta) - theta @ theta / 50.0, rel=1e-12)
    # grad_norm is the largest entry of the mean objective's gradient.
    analytic = pack_network(network_nll_grad(X, y, fit.model)[1]) + theta / 25.0
    assert fit.grad_norm == pytest.approx(np.abs(analytic).max() / y.size, rel=1e-6, abs=1e-14)
    assert fit.grad_norm <= 1e-8 or fit.status == "floor"
    np.testing.assert_allclose(
        fit.predict_proba(X), ce.softmax(_loop_logits(X, fit.model)), rtol=1e-12
    )
    linear = ce.fit_cross_entropy(X, y)
    assert fit.nll < linear.nll - 50


def test_fit_network_from_a_symmetric_start_reaches_the_symmetric_optimum(ring):
    _, X, y = ring
    start = random_network(2, 3, 2, np.random.default_rng(2))
    perm, signs = np.array([2, 0, 1]), np.array([1, -1, -1])
    a = fit_network(X, y, start, prior_sd=5.0, gtol=1e-9)
    b = fit_network(X, y, flip_hidden(permute_hidden(start, perm), signs), prior_sd=5.0, gtol=1e-9)
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    expected = pack_network(flip_hidden(permute_hidden(a.model, perm), signs))
    np.testing.assert_allclose(pack_network(b.model), expected, atol=1e-4)


def test_fit_network_warns_and_marks_the_result_when_the_budget_is_too_small(ring):
    _, X, y = ring
    start = random_network(2, 3, 2, np.random.default_rng(3))
    with pytest.warns(ce.ConvergenceWarning, match="network stopped after 3 iterations"):
        fit = fit_network(X, y, start, max_iter=3)
    assert not fit.converged and fit.status == "max_iter" and fit.n_iter == 3
    assert fit.grad_norm > 1e-6
    # Three BFGS steps still descend from the start.
    assert fit.nll < network_nll_grad(X, y, start)[0]
    assert fit.nll == pytest.approx(network_nll_grad(X, y, fit.model)[0], rel=1e-12)


def test_fit_network_without_a_prior_minimises_the_nll(ring):
    _, X, y = ring
    start = random_network(2, 2, 2, np.random.default_rng(4))
    fit = fit_network(X, y, start, gtol=1e-7, max_iter=20_000)
    assert fit.converged and fit.objective == fit.nll
    g = pack_network(network_nll_grad(X, y, fit.model)[1])
    assert fit.grad_norm == pytest.approx(np.abs(g).max() / y.size, rel=1e-6, abs=1e-14)
    assert fit.nll < network_nll_grad(X, y, start)[0]


def test_check_network_returns_its_argument(net):
    assert check_network(net) is net


def test_simulate_network_draws_labels_from_the_network():
    net = random_network(2, 2, 3, np.random.default_rng(6), scale=2.0)
    X, y, p = simulate_network(50_000, net, np.random.default_rng(7))
    np.testing.assert_allclose(p, net.predict_proba(X))
    freq = np.bincount(y, minlength=3) / y.size
    se = np.sqrt(p.mean(axis=0) * (1 - p.mean(axis=0)) / y.size)
    assert np.all(np.abs(freq - p.mean(axis=0)) < 5 * se)


Z22 = np.zeros((2, 2))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda n: Network(Z22, np.zeros(3), Z22, np.zeros(2)), "hidden_bias"),
        (lambda n: Network(Z22, np.zeros(2), np.ones((2, 2)), np.zeros(2)), "pivot"),
        (lambda n: Network(Z22, np.zeros(2), np.zeros((1, 2)), np.zeros(1)), "2 classes"),
        (lambda n: Network(np.full((2, 2), np.nan), np.zeros(2), Z22, np.zeros(2)), "NaN"),
        (lambda n: unpack_network(np.zeros(5), 2, 3, 3), "entries"),
        (lambda n: network_logits(np.zeros((4, 3)), n), "features"),
        (lambda n: network_nll_grad(np.zeros((4, 2)), [0, 1, 2], n), "rows"),
        (lambda n: network_nll_grad(np.zeros((3, 2)), [0, 1, 3], n), "label"),
        (lambda n: permute_hidden(n, [0, 0, 1]), "permutation"),
        (lambda n: flip_hidden(n, [1, 0, -1]), "signs"),
        (lambda n: pack_network("net"), "net must be a Network, got str"),
        (lambda n: fit_network(np.zeros((3, 2)), [0, 1, 1], "start"), "init must be a Network"),
        (lambda n: check_network(None, "model"), "model must be a Network, got NoneType"),
        (lambda n: random_network(2, 0, 2, np.random.default_rng(0)), "n_hidden"),
        (lambda n: random_network(2, 2, 2, 0), "Generator"),
    ],
)
def test_bad_inputs_name_the_problem(net, call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(net)
