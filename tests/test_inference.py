"""Tests for cross_entropy_mle.inference: each result checked against a value computed another way."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from scipy.special import expit, logit

import cross_entropy_mle as ce
from cross_entropy_mle.inference import (
    PosteriorSample,
    _log_likelihood,
    fit_l2,
    gradient_descent_path,
    importance_posterior,
    to_pivot,
    wald_intervals,
)

W_TRUE = np.array([[0.0, 0.0], [1.5, -0.5], [-1.0, 1.0]])
B_TRUE = np.array([0.0, 0.3, -0.2])


@pytest.fixture(scope="module")
def data():
    X, y, _ = ce.simulate(200, W_TRUE, B_TRUE, np.random.default_rng(0))
    return X, y


@pytest.fixture(scope="module")
def separated():
    """One feature, class 0 left of 0 and class 1 right of it: completely separated."""
    X = np.array([[-2.0], [-1.3], [-0.4], [0.3], [0.9], [2.1]])
    return X, np.array([0, 0, 0, 1, 1, 1])


def _penalised_grad(X, y, fit, sigma, bias_sigma):
    _, gW, gb = ce.nll_grad(y, X, fit.weights, fit.bias)
    return gW[1:] + fit.weights[1:] / sigma**2, gb[1:] + fit.bias[1:] / bias_sigma**2


# --------------------------------------------------------------------------- to_pivot


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, (4, 3, 2), elements=st.floats(-20, 20)),
    arrays(np.float64, (4, 3), elements=st.floats(-20, 20)),
)
def test_to_pivot_keeps_probabilities(weights, bias):
    W, b = to_pivot(weights, bias)
    assert np.all(W[:, 0] == 0) and np.all(b[:, 0] == 0)
    X = np.array([[0.5, -1.0], [2.0, 0.3]])
    for m in range(4):
        before = ce.softmax(ce.logits(X, weights[m], bias[m]))
        after = ce.softmax(ce.logits(X, W[m], b[m]))
        np.testing.assert_allclose(after, before, atol=1e-12)


def test_to_pivot_rejects_bad_shapes():
    with pytest.raises(ValueError, match="weights must have shape"):
        to_pivot(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least 2 classes"):
        to_pivot(np.zeros((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="bias contains NaN"):
        to_pivot(np.zeros((3, 2)), np.array([0.0, np.nan, 1.0]))


# --------------------------------------------------------------------------- wald_intervals


def test_wald_intervals_match_statsmodels(data):
    import statsmodels.api as sm

    X, y = data
    fit = ce.fit_cross_entropy(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", disp=0, tol=1e-12)
    for level in (0.9, 0.95):
        expected = np.asarray(ref.conf_int(alpha=1 - level)).reshape(-1, 2)
        np.testing.assert_allclose(wald_intervals(X, y, fit.weights, fit.bias, level), expected, atol=1e-6)


def test_wald_intervals_do_not_depend_on_the_parametrisation(data):
    X, y = data
    fit = ce.fit_cross_entropy(X, y)
    shift_W, shift_b = np.array([3.0, -2.0]), 1.7
    moved = wald_intervals(X, y, fit.weights + shift_W, fit.bias + shift_b)
    np.testing.assert_allclose(moved, wald_intervals(X, y, fit.weights, fit.bias), atol=1e-12)


def test_wald_intervals_are_centred_and_widen_with_level(data):
    X, y = data
    fit = ce.fit_cross_entropy(X, y)
    narrow = wald_intervals(X, y, fit.weights, fit.bias, 0.5)
    wide = wald_intervals(X, y, fit.weights, fit.bias, 0.99)
    theta = ce.pack_params(fit.weights, fit.bias)
    np.testing.assert_allclose(narrow.mean(axis=1), theta, atol=1e-12)
    ratio = (wide[:, 1] - wide[:, 0]) / (narrow[:, 1] - narrow[:, 0])
    np.testing.assert_allclose(ratio, stats.norm.ppf(0.995) / stats.norm.ppf(0.75))


@pytest.mark.parametrize(
    ("level", "error"),
    [(0, ValueError), (1, ValueError), (1.5, ValueError), (-0.1, ValueError), (True, TypeError),
     ("0.9", TypeError)],
)
def test_wald_intervals_reject_bad_level(data, level, error):
    X, y = data
    with pytest.raises(error, match="level"):
        wald_intervals(X, y, W_TRUE, B_TRUE, level)


# --------------------------------------------------------------------------- fit_l2


@pytest.mark.parametrize("sigma", [0.2, 1.0, 5.0])
def test_fit_l2_binary_matches_sklearn(data, sigma):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    yb = (y == 1).astype(int)
    fit = fit_l2(X, yb, sigma)
    clf = LogisticRegression(C=sigma**2, tol=1e-12, max_iter=10_000).fit(X, yb)
    assert fit.converged and fit.method == "l2-pivot"
    np.testing.assert_allclose(fit.weights[1], clf.coef_[0], atol=1e-6)
    np.testing.assert_allclose(fit.bias[1], clf.intercept_[0], atol=1e-6)


@pytest.mark.parametrize("sigma", [0.3, 2.0])
def test_fit_l2_symmetric_matches_sklearn_multinomial(data, sigma):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    fit = fit_l2(X, y, sigma, parametrisation="symmetric")
    clf = LogisticRegression(C=sigma**2, tol=1e-12, max_iter=10_000).fit(X, y)
    assert fit.converged
    # the penalised symmetric rows sum to zero, so they are the centred contrasts
    np.testing.assert_allclose(clf.coef_, fit.weights - fit.weights.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(clf.intercept_ - clf.intercept_[0], fit.bias, atol=1e-6)


def test_fit_l2_pivot_and_symmetric_penalties_differ_for_three_classes(data):
    X, y = data
    pivot = fit_l2(X, y, 0.5)
    symmetric = fit_l2(X, y, 0.5, parametrisation="symmetric")
    assert np.abs(pivot.weights - symmetric.weights).max() > 1e-2


@pytest.mark.parametrize("bias_sigma", [np.inf, 0.7])
def test_fit_l2_gradient_is_zero(data, bias_sigma):
    X, y = data
    fit = fit_l2(X, y, 0.8, bias_sigma=bias_sigma)
    gW, gb = _penalised_grad(X, y, fit, 0.8, bias_sigma)
    assert np.abs(gW).max() < 1e-6 and np.abs(gb).max() < 1e-6
    nll = ce.negative_log_likelihood(y, ce.logits(X, fit.weights, fit.bias))
    assert fit.nll == pytest.approx(nll, rel=1e-12)


def test_fit_l2_is_a_minimum(data):
    """Finite perturbations raise the penalised objective."""
    X, y = data
    sigma = 0.8
    fit = fit_l2(X, y, sigma)

    def objective(theta):
        W, b = ce.unpack_params(theta, 3, 2)
        return ce.negative_log_likelihood(y, ce.logits(X, W, b)) + np.sum(W**2) / (2 * sigma**2)

    theta = ce.pack_params(fit.weights, fit.bias)
    rng = np.random.default_rng(3)
    for _ in range(20):
        assert objective(theta + 1e-3 * rng.standard_normal(theta.size)) > objective(theta)


def test_fit_l2_approaches_the_mle_as_sigma_grows(data):
    X, y = data
    mle = ce.fit_cross_entropy(X, y)
    fit = fit_l2(X, y, 1e4)
    np.testing.assert_allclose(fit.weights, mle.weights, atol=1e-5)
    np.testing.assert_allclose(fit.bias, mle.bias, atol=1e-5)


def test_fit_l2_exists_on_separated_data_and_grows_with_sigma(separated):
    X, y = separated
    with pytest.raises(ce.SeparationError):
        ce.fit_cross_entropy(X, y)
    norms = [np.linalg.norm(fit_l2(X, y, s).weights) for s in (0.5, 1.0, 2.0, 4.0, 8.0)]
    assert np.all(np.isfinite(norms)) and np.all(np.diff(norms) > 0)


def test_fit_l2_empty_class(data):
    X, y = data
    y2 = np.where(y == 2, 1, y)
    with pytest.raises(ce.SeparationError, match="no observations"):
        fit_l2(X, y2, 1.0, n_classes=3)
    fit = fit_l2(X, y2, 1.0, n_classes=3, bias_sigma=1.0)  # a penalised bias stays finite
    assert fit.converged and fit.bias[2] < fit.bias[1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sigma": 0.0}, ValueError, "sigma"),
        ({"sigma": -1.0}, ValueError, "sigma"),
        ({"sigma": np.inf}, ValueError, "sigma"),
        ({"sigma": np.nan}, ValueError, "sigma"),
        ({"sigma": True}, TypeError, "sigma"),
        ({"sigma": "1"}, TypeError, "sigma"),
        ({"sigma": 1.0, "bias_sigma": 0.0}, ValueError, "bias_sigma"),
        ({"sigma": 1.0, "parametrisation": "full"}, ValueError, "parametrisation"),
    ],
)
def test_fit_l2_rejects_bad_input(data, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        fit_l2(X, y, **kwargs)


def test_fit_l2_rejects_bad_data(data):
    X, y = data
    with pytest.raises(ValueError, match="rows"):
        fit_l2(X[:-1], y, 1.0)
    with pytest.raises(ValueError, match="X contains NaN"):
        fit_l2(np.full_like(X, np.nan), y, 1.0)


# --------------------------------------------------------------------------- gradient_descent_path


def test_gradient_descent_path_records_the_nll(data):
    X, y = data
    thetas, nll = gradient_descent_path(X, y, n_steps=30)
    assert thetas.shape == (31, 6) and nll.shape == (31,)
    assert np.all(thetas[0] == 0)
    for t in (0, 7, 30):
        W, b = ce.unpack_params(thetas[t], 3, 2)
        assert nll[t] == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, W, b)), rel=1e-12)


def test_gradient_descent_path_descends_and_converges_to_the_mle(data):
    X, y = data
    thetas, nll = gradient_descent_path(X, y, n_steps=3000)
    assert np.all(np.diff(nll) <= 1e-9)
    mle = ce.fit_cross_entropy(X, y)
    np.testing.assert_allclose(thetas[-1], ce.pack_params(mle.weights, mle.bias), atol=1e-4)


def test_gradient_descent_path_escapes_on_separated_data(separated):
    X, y = separated
    thetas, nll = gradient_descent_path(X, y, n_steps=10_000)
    norms = np.linalg.norm(thetas, axis=1)
    assert np.all(np.diff(nll) < 0) and nll[-1] < 1e-2 * nll[0]
    assert np.all(np.diff(norms[10:]) > 0)
    # ||theta_t|| grows like log t: by a comparable amount in each decade of steps
    per_decade = np.diff(norms[[10, 100, 1000, 10_000]])
    assert np.all((per_decade[1:] / per_decade[:-1] > 0.5) & (per_decade[1:] / per_decade[:-1] < 2))
    # and the iterate's direction separates the classes: every margin is positive
    margins = (2 * y - 1) * (thetas[-1, 0] + thetas[-1, 1] * X[:, 0])
    assert np.all(margins > 0)
    # NLL ~ 1/t: ten times the steps, about a tenth of the loss
    assert 5 < nll[1000] / nll[10_000] < 15


def test_gradient_descent_path_start_and_step(data):
    X, y = data
    theta0 = np.linspace(-1, 1, 6)
    thetas, nll = gradient_descent_path(X, y, n_steps=1, step_size=1e-3, theta0=theta0)
    W, b = ce.unpack_params(theta0, 3, 2)
    _, gW, gb = ce.nll_grad(y, X, W, b)
    np.testing.assert_allclose(thetas[1], theta0 - 1e-3 * ce.pack_params(gW, gb), atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_steps": 0}, "n_steps"),
        ({"n_steps": 2.5}, "n_steps"),
        ({"step_size": -1.0}, "step_size"),
        ({"step_size": np.inf}, "step_size"),
        ({"step_size": np.nan}, "step_size"),
        ({"theta0": np.zeros(5)}, "theta0"),
        ({"theta0": np.full(6, np.nan)}, "theta0"),
    ],
)
def test_gradient_descent_path_rejects_bad_input(data, kwargs, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        gradient_descent_path(X, y, **kwargs)


# --------------------------------------------------------------------------- importance_posterior


def test_log_likelihood_matches_the_grid_evaluation(data):
    X, y = data
    Xt = np.column_stack([np.ones(len(y)), X])
    thetas = np.random.default_rng(1).normal(size=(7, 6))
    full = np.zeros((7, 3, 3))
    full[:, 1:] = thetas.reshape(7, 2, 3)
    expected = ce.log_likelihood_grid(X, y, full[:, :, 1:], full[:, :, 0])
    np.testing.assert_allclose(_log_likelihood(Xt, y, thetas), expected, rtol=1e-12)


def test_importance_posterior_intercept_only_is_a_logit_beta():
    """Flat prior on the log-odds a, k successes in n: p = expit(a) is Beta(k, n - k)."""
    n, k = 30, 9
    X = np.zeros((n, 0))
    y = np.r_[np.ones(k, int), np.zeros(n - k, int)]
    post = importance_posterior(X, y, 40_000, np.random.default_rng(2))
    assert post.ess > 0.5 * 40_000
    ref = stats.beta(k, n - k)
    q = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    got = post.quantile(q)[:, 0]
    # Monte Carlo error of a quantile: sqrt(q (1 - q) / ess) / density, here well under 0.03
    np.testing.assert_allclose(got, logit(ref.ppf(q)), atol=0.03)
    p_mean = post.weights @ expit(post.draws[:, 0])
    assert p_mean == pytest.approx(ref.mean(), abs=4 * ref.std() / np.sqrt(post.ess))
    assert post.mle[0] == pytest.approx(logit(k / n), abs=1e-6)


def test_importance_posterior_adapts_to_a_skewed_posterior():
    """Few observations near separation: a skewed posterior; adaptation raises the ESS."""
    X = np.array([[-2.0], [-1.0], [-0.5], [0.3], [0.2], [0.5], [1.0], [2.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])  # one overlapping pair: the MLE exists, barely
    assert ce.separation_direction(X, y) is None
    fixed = importance_posterior(X, y, 4000, np.random.default_rng(1), n_adapt=0)
    adapted = importance_posterior(X, y, 4000, np.random.default_rng(1), n_adapt=3, target_ess=0.9)
    assert adapted.ess > fixed.ess
    # both estimate the same posterior: means within a few Monte Carlo standard errors
    sd = np.sqrt(np.diag(adapted.cov()))
    assert np.all(np.abs(adapted.mean() - fixed.mean()) < 5 * sd * np.sqrt(1 / adapted.ess + 1 / fixed.ess))


def test_importance_posterior_approaches_the_inverse_hessian_at_large_n():
    X, y, _ = ce.simulate(4000, W_TRUE, B_TRUE, np.random.default_rng(4))
    post = importance_posterior(X, y, 8000, np.random.default_rng(5))
    fit = ce.fit_cross_entropy(X, y)
    from cross_entropy_mle.curvature import nll_hessian

    sd_laplace = np.sqrt(np.diag(np.linalg.inv(nll_hessian(X, y, fit.weights, fit.bias))))
    np.testing.assert_allclose(np.sqrt(np.diag(post.cov())), sd_laplace, rtol=0.06)
    np.testing.assert_allclose(post.mean(), post.mle, atol=0.1 * sd_laplace.min())


def test_posterior_sample_summaries():
    draws = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    post = PosteriorSample(draws, np.array([0.25, 0.5, 0.25]), 8 / 3, np.zeros(2))
    np.testing.assert_allclose(post.mean(), [1.0, 3.0])
    np.testing.assert_allclose(post.cov(), [[0.5, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(post.quantile(0.5)[0], [1.0, 3.0])
    lo, hi = post.interval(0.5).T
    assert np.all(lo < post.mean()) and np.all(post.mean() < hi)
    with pytest.raises(ValueError, match="q must"):
        post.quantile(1.5)


def test_importance_posterior_is_improper_under_separation(separated):
    X, y = separated
    with pytest.raises(ce.SeparationError):
        importance_posterior(X, y, 100, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((1, np.random.default_rng(0)), {}, ValueError, "n_draws"),
        ((100, 0), {}, TypeError, "rng"),
        ((100, np.random.default_rng(0)), {"df": 0}, ValueError, "df"),
        ((100, np.random.default_rng(0)), {"scale": np.nan}, ValueError, "scale"),
        ((100, np.random.default_rng(0)), {"n_adapt": -1}, ValueError, "n_adapt"),
        ((100, np.random.default_rng(0)), {"target_ess": 1.5}, ValueError, "target_ess"),
    ],
)
def test_importance_posterior_rejects_bad_input(data, args, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        importance_posterior(X, y, *args, **kwargs)


@pytest.mark.slow
def test_importance_posterior_agrees_with_nuts():
    import pymc as pm

    X, y, _ = ce.simulate(60, W_TRUE[:, :1], B_TRUE, np.random.default_rng(6))
    post = importance_posterior(X, y, 20_000, np.random.default_rng(7))
    model = ce.softmax_regression_model(X, y, "flat")
    with model:
        dt = pm.sample(draws=2000, tune=1000, chains=2, progressbar=False, random_seed=8,
                       compute_convergence_checks=False, var_names=["W_free", "b_free"])
    ds = dt.posterior.to_dataset()
    W = ds["W_free"].values.reshape(-1, 2, 1)
    b = ds["b_free"].values.reshape(-1, 2)
    nuts = np.concatenate([b[:, :, None], W], axis=2).reshape(-1, 4)
    sd = np.sqrt(np.diag(post.cov()))
    # NUTS draws are autocorrelated: allow 5 standard errors at an effective size of 500
    assert np.all(np.abs(nuts.mean(axis=0) - post.mean()) < 5 * sd / np.sqrt(500))
    np.testing.assert_allclose(nuts.std(axis=0), sd, rtol=0.15)


@pytest.mark.slow
def test_fit_l2_pivot_matches_the_pymc_map():
    X, y, _ = ce.simulate(80, W_TRUE, B_TRUE, np.random.default_rng(9))
    fit = fit_l2(X, y, 0.7, bias_sigma=0.7)
    mapped = ce.fit_map(ce.softmax_regression_model(X, y, 0.7), tol=1e-7)
    np.testing.assert_allclose(mapped.weights, fit.weights, atol=1e-5)
    np.testing.assert_allclose(mapped.bias, fit.bias, atol=1e-5)
