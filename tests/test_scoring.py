import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate, optimize, stats

import cross_entropy_mle as ce
from cross_entropy_mle.scoring import (
    ConvergenceError,
    absolute_score,
    brier_score,
    entropy,
    expected_score,
    fit_brier,
    fit_linear_probability,
    fit_logits,
    kl_divergence,
    linear_logit_fn,
    population_cross_entropy,
    reliability_curve,
    score_logits,
)

W_TRUE = np.array([[0.0, 0.0], [2.0, -1.0], [-1.0, 2.5]])
B_TRUE = np.array([0.0, 0.5, -0.3])


@pytest.fixture(scope="module")
def data():
    return ce.simulate(400, W_TRUE, B_TRUE, np.random.default_rng(3))


def _simplex_rows(k):
    return arrays(np.float64, k, elements=st.floats(0.01, 1.0)).map(lambda a: a / a.sum())


# ------------------------------------------------------------------------------------------
# Single-forecast scores, entropy, KL
# ------------------------------------------------------------------------------------------


def test_brier_and_absolute_by_hand():
    h = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[0.2, 0.5, 0.3], [0.6, 0.4, 0.0]])
    np.testing.assert_allclose(brier_score(h, q), [0.04 + 0.25 + 0.09, 0.16 + 0.16])
    np.testing.assert_allclose(absolute_score(h, q), [2 * (1 - 0.5), 2 * (1 - 0.6)])


def test_entropy_and_kl_by_hand_and_against_scipy():
    p = np.array([0.2, 0.5, 0.3, 0.0])
    q = np.array([0.1, 0.6, 0.2, 0.1])
    assert entropy(p) == pytest.approx(stats.entropy(p))
    assert kl_divergence(p, q) == pytest.approx(stats.entropy(p, q))
    assert entropy(np.array([1.0, 0.0])) == 0.0
    assert kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf
    assert kl_divergence(p, p) == 0.0


@settings(max_examples=50, deadline=None)
@given(_simplex_rows(4), _simplex_rows(4))
def test_cross_entropy_is_entropy_plus_kl(p, q):
    assert expected_score(p, q, "log") == pytest.approx(entropy(p) + kl_divergence(p, q), rel=1e-12)
    assert kl_divergence(p, q) >= -1e-15


@settings(max_examples=50, deadline=None)
@given(_simplex_rows(3), _simplex_rows(3))
def test_expected_scores_match_closed_forms(p, q):
    assert expected_score(p, q, "brier") == pytest.approx(1 - p @ p + (q - p) @ (q - p), rel=1e-12)
    assert expected_score(p, q, "absolute") == pytest.approx(2 * (1 - p @ q), rel=1e-12)
    # Propriety: the truthful forecast never scores worse in expectation.
    for rule in ("log", "brier"):
        assert expected_score(p, p, rule) <= expected_score(p, q, rule) + 1e-12


def test_expected_score_is_a_monte_carlo_mean():
    rng = np.random.default_rng(0)
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.3, 0.3, 0.4])
    y = rng.choice(3, size=200_000, p=p)
    h = ce.one_hot(y, 3)
    qs = np.broadcast_to(q, h.shape)
    for rule, fn in (("log", ce.cross_entropy), ("brier", brier_score), ("absolute", absolute_score)):
        s = fn(h, qs)
        se = s.std() / np.sqrt(s.size)
        assert abs(s.mean() - expected_score(p, q, rule)) < 5 * se


def test_propriety_by_optimisation():
    p = np.array([0.2, 0.5, 0.3])

    def best(rule):
        res = optimize.minimize(lambda u: expected_score(p, ce.softmax(u), rule), np.zeros(3),
                                method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
        return ce.softmax(res.x)

    np.testing.assert_allclose(best("log"), p, atol=1e-4)
    np.testing.assert_allclose(best("brier"), p, atol=1e-4)
    assert best("absolute")[1] > 0.99  # all mass on the most probable class


def test_expected_score_broadcasts_and_handles_zero_probabilities():
    p = np.array([0.5, 0.5, 0.0])
    grid = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5], [1.0, 0.0, 0.0]])
    out = expected_score(p, grid, "log")
    assert out.shape == (3,)
    np.testing.assert_allclose(out[:2], [np.log(2), np.log(4)])
    assert out[2] == np.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: brier_score([[0.5, 0.5]], [[0.5, 0.5, 0.0]]), "same shape"),
        (lambda: brier_score([[1.0, 0.0]], [[0.7, 0.7]]), "sum to 1"),
        (lambda: absolute_score([[1.0, 0.0]], [[1.2, -0.2]]), "negative"),
        (lambda: entropy([[0.5, np.nan]]), "NaN"),
        (lambda: kl_divergence([0.5, 0.5], [1 / 3] * 3), "broadcast"),
        (lambda: expected_score([0.5, 0.5], [0.5, 0.5], "squared"), "rule"),
        (lambda: expected_score("ab", [0.5, 0.5], "log"), "real numbers"),
    ],
)
def test_bad_inputs_name_the_problem(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ------------------------------------------------------------------------------------------
# Scores of logits and the generic fitter
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["log", "brier"])
def test_score_logits_value_and_finite_difference_gradient(rule):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(7, 4))
    y = rng.integers(4, size=7)
    value, grad = score_logits(y, z, rule)
    h, q = ce.one_hot(y, 4), ce.softmax(z)
    expected = ce.cross_entropy(h, q).sum() if rule == "log" else brier_score(h, q).sum()
    assert value == pytest.approx(expected, rel=1e-12)
    eps = 1e-6
    fd = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = eps
        fd[idx] = (score_logits(y, z + e, rule)[0] - score_logits(y, z - e, rule)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_score_logits_is_finite_for_extreme_logits():
    z = np.array([[1e4, -1e4, 0.0], [-800.0, 800.0, 0.0]])
    for rule in ("log", "brier"):
        value, grad = score_logits([1, 0], z, rule)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_linear_logit_fn_vjp_is_the_transposed_jacobian(data):
    X, _, _ = data
    fn = linear_logit_fn(X[:20], 3)
    rng = np.random.default_rng(2)
    theta, G = rng.normal(size=6), rng.normal(size=(20, 3))
    Z, vjp = fn(theta)
    W, b = ce.unpack_params(theta, 3, 2)
    np.testing.assert_allclose(Z, ce.logits(X[:20], W, b))
    eps = 1e-6
    fd = np.array([((fn(theta + eps * e)[0] - fn(theta - eps * e)[0]) * G).sum() / (2 * eps)
                   for e in np.eye(6)])
    np.testing.assert_allclose(vjp(G), fd, rtol=1e-7, atol=1e-9)


def test_fit_logits_with_the_linear_model_is_fit_cross_entropy(data):
    X, y, _ = data
    ref = ce.fit_cross_entropy(X, y)
    fit = fit_logits(linear_logit_fn(X, 3), np.zeros(6), y, gtol=1e-9)
    np.testing.assert_allclose(fit.theta, ce.pack_params(ref.weights, ref.bias), atol=1e-6)
    assert fit.nll == pytest.approx(ref.nll, rel=1e-12)
    assert fit.loss == fit.nll and fit.grad_norm <= 1e-9 and fit.converged


def test_fit_logits_with_a_prior_is_l2_penalised_cross_entropy(data):
    X, y, _ = data
    sigma = 0.5
    fit = fit_logits(linear_logit_fn(X, 3), np.zeros(6), y, prior_sd=sigma, gtol=1e-10)
    W, b = ce.unpack_params(fit.theta, 3, 2)
    _, gW, gb = ce.nll_grad(y, X, W, b)
    # Stationarity of NLL + |theta|^2 / (2 sigma^2): grad NLL = -theta / sigma^2.
    np.testing.assert_allclose(ce.pack_params(gW, gb), -fit.theta / sigma**2, atol=1e-6)
    assert fit.loss == pytest.approx(fit.nll + fit.theta @ fit.theta / (2 * sigma**2))
    assert np.linalg.norm(fit.theta) < np.linalg.norm(ce.pack_params(W_TRUE, B_TRUE))


def test_fit_logits_raises_when_the_budget_is_too_small(data):
    X, y, _ = data
    with pytest.raises(ConvergenceError, match="gradient") as info:
        fit_logits(linear_logit_fn(X, 3), np.zeros(6), y, max_iter=2, max_restarts=0)
    assert info.value.result is not None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rule": "hinge"}, "rule"),
        ({"method": "Newton-CG"}, "method"),
        ({"prior_sd": -1.0}, "prior_sd"),
        ({"gtol": 0.0}, "gtol"),
        ({"max_iter": -1}, "max_iter"),
    ],
)
def test_fit_logits_rejects_bad_options(data, kwargs, match):
    X, y, _ = data
    with pytest.raises((ValueError, TypeError), match=match):
        fit_logits(linear_logit_fn(X, 3), np.zeros(6), y, **kwargs)


def test_fit_logits_rejects_bad_logit_functions(data):
    X, y, _ = data
    with pytest.raises(TypeError, match="callable"):
        fit_logits(None, np.zeros(6), y)
    with pytest.raises(ValueError, match="pair"):
        fit_logits(lambda t: X @ np.ones((2, 3)), np.zeros(6), y)
    with pytest.raises(ValueError, match="shape"):
        fit_logits(lambda t: (np.zeros((5, 3)), lambda G: np.zeros(6)), np.zeros(6), y)
    with pytest.raises(ValueError, match="vjp"):
        fit_logits(lambda t: (np.zeros((y.size, 3)), lambda G: np.zeros(4)), np.zeros(6), y)
    with pytest.raises(ValueError, match="theta0"):
        fit_logits(linear_logit_fn(X, 3), np.full(6, np.nan), y)


# ------------------------------------------------------------------------------------------
# Brier fit and the linear probability model
# ------------------------------------------------------------------------------------------


def test_fit_brier_is_a_stationary_point_of_the_summed_brier_score(data):
    X, y, _ = data
    fit = fit_brier(X, y)
    theta = ce.pack_params(fit.weights, fit.bias)
    fn = linear_logit_fn(X, 3)

    def total(t):
        return score_logits(y, fn(t)[0], "brier")[0]

    eps = 1e-6
    fd = np.array([(total(theta + eps * e) - total(theta - eps * e)) / (2 * eps) for e in np.eye(6)])
    assert np.max(np.abs(fd)) < 1e-4
    assert fit.score == pytest.approx(brier_score(ce.one_hot(y, 3), fit.predict_proba(X)).sum())
    assert fit.nll == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, fit.weights, fit.bias)))
    # The Brier minimiser is not the likelihood maximiser: its NLL is larger, its Brier smaller.
    mle = ce.fit_cross_entropy(X, y)
    assert fit.nll > mle.nll
    assert fit.score < brier_score(ce.one_hot(y, 3), mle.predict_proba(X)).sum()
    assert fit.weights[0].tolist() == [0.0, 0.0] and fit.bias[0] == 0.0


def test_fit_brier_is_consistent():
    # Strictly proper score and a correct model: the estimate approaches the true parameters.
    X, y, _ = ce.simulate(40_000, W_TRUE, B_TRUE, np.random.default_rng(5))
    fit = fit_brier(X, y)
    np.testing.assert_allclose(fit.weights, W_TRUE, atol=0.15)
    np.testing.assert_allclose(fit.bias, B_TRUE, atol=0.15)


def test_linear_probability_model_is_least_squares(data):
    X, y, _ = data
    fit = fit_linear_probability(X, y)
    H = ce.one_hot(y, 3)
    Xt = np.column_stack([np.ones(len(X)), X])
    coef = np.linalg.solve(Xt.T @ Xt, Xt.T @ H)  # normal equations
    np.testing.assert_allclose(fit.bias, coef[0], atol=1e-10)
    np.testing.assert_allclose(fit.weights, coef[1:].T, atol=1e-10)
    q = fit.predict(X)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-12)
    assert fit.rss == pytest.approx(((H - q) ** 2).sum())
    assert (q < 0).any() and (q > 1).any()  # strong signal: fitted values leave [0, 1]


def test_linear_probability_model_rejects_collinear_features(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="rank"):
        fit_linear_probability(np.column_stack([X, 2 * X[:, 0]]), y)


# ------------------------------------------------------------------------------------------
# Reliability curve and population cross entropy
# ------------------------------------------------------------------------------------------


def test_reliability_curve_by_hand():
    h = np.array([0, 1, 1, 0, 1, 1])
    q = np.array([0.05, 0.15, 0.55, 0.65, 0.95, 1.2])
    rc = reliability_curve(h, q, n_bins=2)
    np.testing.assert_array_equal(rc.count, [2, 4])
    np.testing.assert_allclose(rc.mean_predicted, [0.1, (0.55 + 0.65 + 0.95 + 1.2) / 4])
    np.testing.assert_allclose(rc.observed, [0.5, 0.75])
    qc = np.clip(q, 0, 1)
    np.testing.assert_allclose(rc.std_error[0], np.sqrt((qc[:2] * (1 - qc[:2])).sum()) / 2)


def test_reliability_curve_of_calibrated_forecasts_stays_within_noise():
    rng = np.random.default_rng(4)
    q = rng.uniform(size=50_000)
    h = (rng.uniform(size=q.size) < q).astype(float)
    for strategy in ("uniform", "quantile"):
        rc = reliability_curve(h, q, n_bins=10, strategy=strategy)
        assert rc.count.sum() == q.size
        assert np.max(np.abs(rc.z)) < 4.5  # ten roughly normal z-scores
    # Over-confident forecasts are caught.
    rc = reliability_curve(h, np.clip(1.5 * q - 0.25, 0, 1), n_bins=10)
    assert np.max(np.abs(rc.z)) > 10


def test_reliability_curve_rejects_bad_inputs():
    with pytest.raises(ValueError, match="0 or 1"):
        reliability_curve([0.5, 1.0], [0.2, 0.3])
    with pytest.raises(ValueError, match="same shape"):
        reliability_curve([0, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="strategy"):
        reliability_curve([0, 1], [0.2, 0.3], strategy="kmeans")
    with pytest.raises(ValueError, match="n_bins"):
        reliability_curve([0, 1], [0.2, 0.3], n_bins=0)


def test_population_cross_entropy_against_adaptive_quadrature():
    W_true = np.array([[0.0], [1.5]])
    b_true = np.array([0.0, -0.3])
    W, b = np.array([[0.0], [0.7]]), np.array([0.0, 0.2])

    def integrand(x, fn):
        p = ce.softmax(ce.logits([[x]], W_true, b_true))
        q = ce.softmax(ce.logits([[x]], W, b))
        return stats.norm.pdf(x) * fn(p, q)[0]

    ent = integrate.quad(integrand, -12, 12, args=(lambda p, q: entropy(p),))[0]
    kl = integrate.quad(integrand, -12, 12, args=(kl_divergence,))[0]
    out = population_cross_entropy(W_true, b_true, W, b)
    assert out.entropy == pytest.approx(ent, rel=1e-9)
    assert out.kl == pytest.approx(kl, rel=1e-7)
    assert out.cross_entropy == pytest.approx(ent + kl, rel=1e-9)
    assert population_cross_entropy(W_true, b_true, W_true, b_true).kl == 0.0


def test_population_cross_entropy_is_the_limit_of_the_average_nll():
    rng = np.random.default_rng(8)
    W = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    b = np.zeros(3)
    X, y, _ = ce.simulate(200_000, W_TRUE, B_TRUE, rng)
    nll = -ce.categorical_log_pmf(y, ce.log_softmax(ce.logits(X, W, b)))
    pop = population_cross_entropy(W_TRUE, B_TRUE, W, b)
    assert abs(nll.mean() - pop.cross_entropy) < 5 * nll.std() / np.sqrt(nll.size)


def test_population_cross_entropy_rejects_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        population_cross_entropy(W_TRUE, B_TRUE, W_TRUE[:, :1], B_TRUE)
    with pytest.raises(ValueError, match="quadrature points"):
        population_cross_entropy(np.zeros((2, 4)), np.zeros(2), np.zeros((2, 4)), np.zeros(2),
                                 n_nodes=40)
