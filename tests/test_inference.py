"""Tests for cross_entropy_mle.inference: each result checked against a value computed otherwise."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logit

import cross_entropy_mle as ce
from cross_entropy_mle.inference import (
    PosteriorSample,
    gradient_descent_path,
    importance_posterior,
    nll_hessian,
    standard_errors,
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


def _gradient(X, y, theta, K):
    """Gradient of the summed NLL over the pivot free parameters, by the explicit formula."""
    W, b = ce.unpack_params(theta, K, X.shape[1])
    resid = ce.softmax(X @ W.T + b) - ce.one_hot(y, K)
    return (resid[:, 1:].T @ np.column_stack([np.ones(len(y)), X])).ravel()


# --------------------------------------------------------------------------- nll_hessian


@pytest.fixture(scope="module")
def curvature_data():
    rng = np.random.default_rng(11)
    W = np.array([[0.0, 0.0], [1.0, -0.5], [-0.7, 1.2]])
    b = np.array([0.0, 0.3, -0.2])
    X, y, _ = ce.simulate(300, W, b, rng)
    return X, y


@pytest.mark.parametrize(
    "theta",
    [
        np.array([0.2, -0.4, 0.9, -0.3, 0.5, 0.1]),
        np.array([3.0, -2.0, 4.0, -5.0, 1.0, 6.0]),  # far from the MLE: probabilities near 0 and 1
    ],
)
def test_hessian_matches_finite_differences_of_the_gradient(curvature_data, theta):
    X, y = curvature_data
    K, d = 3, X.shape[1]
    W, b = ce.unpack_params(theta, K, d)
    H = nll_hessian(X, y, W, b)
    eps = 1e-6
    fd = np.column_stack(
        [
            (_gradient(X, y, theta + eps * e, K) - _gradient(X, y, theta - eps * e, K)) / (2 * eps)
            for e in np.eye(theta.size)
        ]
    )
    # Central differences of a gradient of size ~N: truncation O(eps^2 * N), rounding
    # O(1e-16 * N / eps) ~ 3e-8.
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6)


def test_hessian_matches_the_explicit_sum_over_observations(curvature_data):
    X, y = curvature_data
    theta = np.array([0.2, -0.4, 0.9, -0.3, 0.5, 0.1])
    W, b = ce.unpack_params(theta, 3, 2)
    Xt = np.column_stack([np.ones(len(y)), X])
    q = ce.softmax(X @ W.T + b)[:, 1:]
    expected = np.zeros((6, 6))
    for qi, xi in zip(q, Xt, strict=True):
        expected += np.kron(np.diag(qi) - np.outer(qi, qi), np.outer(xi, xi))
    np.testing.assert_allclose(nll_hessian(X, y, W, b), expected, rtol=1e-12, atol=1e-12)


def test_hessian_is_symmetric_positive_definite_and_shift_invariant(curvature_data):
    X, y = curvature_data
    W = np.array([[0.0, 0.0], [0.4, -0.1], [0.3, 0.2]])
    b = np.array([0.0, 0.1, -0.1])
    H = nll_hessian(X, y, W, b)
    assert H.shape == (6, 6)
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H).min() > 0
    # Adding the same row to every class leaves the probabilities, hence the Hessian, unchanged.
    H_shift = nll_hessian(X, y, W + np.array([1.0, -2.0]), b + 0.7)
    np.testing.assert_allclose(H_shift, H, rtol=1e-12)
    # It does not depend on the labels.
    np.testing.assert_allclose(nll_hessian(X, np.roll(y, 1), W, b), H, rtol=1e-12)


def test_hessian_of_binary_intercept_only_model_is_n_p_1_minus_p():
    y = np.array([0, 1, 1, 0, 1])
    X = np.empty((y.size, 0))
    H = nll_hessian(X, y, np.zeros((2, 0)), np.array([0.0, 0.8]))
    p = 1 / (1 + np.exp(-0.8))
    np.testing.assert_allclose(H, [[y.size * p * (1 - p)]], rtol=1e-14)


def test_standard_errors_match_statsmodels(curvature_data):
    import statsmodels.api as sm

    X, y = curvature_data
    fit = ce.fit_cross_entropy(X, y)
    se = standard_errors(X, y, fit.weights, fit.bias)
    design = np.column_stack([np.ones(len(y)), X])
    res = sm.MNLogit(y, design).fit(method="newton", disp=0, tol=1e-12)
    # statsmodels' bse has shape (1 + d, K - 1): column k holds [b_k, W_k].
    np.testing.assert_allclose(se, np.asarray(res.bse).T.ravel(), rtol=1e-6)


def test_standard_error_of_a_binary_intercept_is_the_delta_method_value():
    # Intercept-only logistic model, k successes in n: se(logit p_hat) = 1 / sqrt(n p (1 - p)).
    n, k = 40, 13
    y = np.r_[np.ones(k, int), np.zeros(n - k, int)]
    fit = ce.fit_cross_entropy(np.empty((n, 0)), y)
    p = k / n
    se = standard_errors(np.empty((n, 0)), y, fit.weights, fit.bias)
    np.testing.assert_allclose(se, [1 / np.sqrt(n * p * (1 - p))], rtol=1e-9)


def test_nll_hessian_checks_its_inputs(curvature_data):
    X, y = curvature_data
    W, b = np.zeros((3, 2)), np.zeros(3)
    with pytest.raises(ValueError, match="X has 300 rows but y has 299 labels"):
        nll_hessian(X, y[:-1], W, b)
    with pytest.raises(ValueError, match="bias contains NaN"):
        nll_hessian(X, y, W, np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="y has label 2 but n_classes=2"):
        nll_hessian(X, y, np.zeros((2, 2)), np.zeros(2))


def test_nll_hessian_names_weights_of_the_wrong_width(curvature_data):
    X, y = curvature_data
    with pytest.raises(ValueError, match="weights"):
        nll_hessian(X, y, np.zeros((3, 3)), np.zeros(3))


# --------------------------------------------------------------------------- wald_intervals


def test_wald_intervals_match_statsmodels(data):
    import statsmodels.api as sm

    X, y = data
    fit = ce.fit_cross_entropy(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", disp=0, tol=1e-12)
    for level in (0.9, 0.95):
        expected = np.asarray(ref.conf_int(alpha=1 - level)).reshape(-1, 2)
        got = wald_intervals(X, y, fit.weights, fit.bias, level)
        np.testing.assert_allclose(got, expected, atol=1e-6)


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
    [
        (0, ValueError),
        (1, ValueError),
        (1.5, ValueError),
        (-0.1, ValueError),
        (True, TypeError),
        ("0.9", TypeError),
    ],
)
def test_wald_intervals_reject_bad_level(data, level, error):
    X, y = data
    with pytest.raises(error, match="level"):
        wald_intervals(X, y, W_TRUE, B_TRUE, level)


# --------------------------------------------------------------------------- gradient_descent_path


def test_gradient_descent_path_records_the_nll(data):
    X, y = data
    thetas, nll = gradient_descent_path(X, y, n_steps=30)
    assert thetas.shape == (31, 6) and nll.shape == (31,)
    assert np.all(thetas[0] == 0)
    for t in (0, 7, 30):
        W, b = ce.unpack_params(thetas[t], 3, 2)
        expected = ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b))
        assert nll[t] == pytest.approx(expected, rel=1e-12)


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
    np.testing.assert_allclose(thetas[1], theta0 - 1e-3 * _gradient(X, y, theta0, 3), atol=1e-12)
    W, b = ce.unpack_params(thetas[1], 3, 2)
    expected = ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b))
    assert nll[1] == pytest.approx(expected, rel=1e-12)


def test_gradient_descent_default_step_is_two_over_the_largest_gram_eigenvalue(data):
    X, y = data
    Xt = np.column_stack([np.ones(len(y)), X])
    eta = 2.0 / np.linalg.eigvalsh(Xt.T @ Xt)[-1]
    thetas, _ = gradient_descent_path(X, y, n_steps=2)
    np.testing.assert_allclose(thetas[1], -eta * _gradient(X, y, np.zeros(6), 3), atol=1e-12)
    second = thetas[1] - eta * _gradient(X, y, thetas[1], 3)
    np.testing.assert_allclose(thetas[2], second, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 0}, ValueError, "n_steps must be at least 1"),
        ({"n_steps": 2.5}, TypeError, "n_steps must be an integer"),
        ({"step_size": -1.0}, ValueError, "step_size"),
        ({"step_size": np.inf}, ValueError, "step_size"),
        ({"step_size": np.nan}, ValueError, "step_size"),
        ({"theta0": np.zeros(5)}, ValueError, "theta0 must have 6 entries"),
        ({"theta0": np.full(6, np.nan)}, ValueError, "theta0 contains NaN"),
    ],
)
def test_gradient_descent_path_rejects_bad_input(data, kwargs, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        gradient_descent_path(X, y, **kwargs)


# --------------------------------------------------------------------------- importance_posterior


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
    se = sd * np.sqrt(1 / adapted.ess + 1 / fixed.ess)
    assert np.all(np.abs(adapted.mean() - fixed.mean()) < 5 * se)


def test_importance_posterior_approaches_the_inverse_hessian_at_large_n():
    X, y, _ = ce.simulate(4000, W_TRUE, B_TRUE, np.random.default_rng(4))
    post = importance_posterior(X, y, 8000, np.random.default_rng(5))
    fit = ce.fit_cross_entropy(X, y)
    sd_laplace = np.sqrt(np.diag(np.linalg.inv(nll_hessian(X, y, fit.weights, fit.bias))))
    np.testing.assert_allclose(np.sqrt(np.diag(post.cov())), sd_laplace, rtol=0.06)
    np.testing.assert_allclose(post.mean(), post.mle, atol=0.1 * sd_laplace.min())


def _intercept_only(n=30, k=9):
    return np.zeros((n, 0)), np.r_[np.ones(k, int), np.zeros(n - k, int)]


def test_pareto_k_is_small_for_a_proposal_wider_than_the_posterior():
    # A t proposal 1.2 times wider than the Laplace approximation: bounded weights, k-hat < 0.7.
    X, y = _intercept_only()
    post = importance_posterior(X, y, 20_000, np.random.default_rng(2), n_adapt=0)
    assert post.ess > 0.5 * 20_000
    assert np.isfinite(post.pareto_k) and post.pareto_k < 0.7
    X, y, _ = ce.simulate(4000, W_TRUE, B_TRUE, np.random.default_rng(4))
    post = importance_posterior(X, y, 8000, np.random.default_rng(5))
    assert np.isfinite(post.pareto_k) and post.pareto_k < 0.7


def test_pareto_k_flags_a_proposal_narrower_than_the_posterior():
    # A nearly normal proposal at 0.4 times the posterior's scale: the weights grow like
    # exp(c a^2) in the tails, the ESS collapses and k-hat exceeds 0.7.
    X, y = _intercept_only()
    post = importance_posterior(
        X, y, 20_000, np.random.default_rng(2), df=100.0, scale=0.4, n_adapt=0
    )
    assert post.ess < 0.01 * 20_000
    assert post.pareto_k > 0.7


def test_posterior_sample_summaries():
    draws = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])
    post = PosteriorSample(draws, np.array([0.25, 0.5, 0.25]), 8 / 3, np.zeros(2), 0.0)
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
        dt = pm.sample(
            draws=2000,
            tune=1000,
            chains=2,
            progressbar=False,
            random_seed=8,
            compute_convergence_checks=False,
            var_names=["W_free", "b_free"],
        )
    ds = dt.posterior.to_dataset()
    W = ds["W_free"].values.reshape(-1, 2, 1)
    b = ds["b_free"].values.reshape(-1, 2)
    nuts = np.concatenate([b[:, :, None], W], axis=2).reshape(-1, 4)
    sd = np.sqrt(np.diag(post.cov()))
    # NUTS draws are autocorrelated: allow 5 standard errors at an effective size of 500
    assert np.all(np.abs(nuts.mean(axis=0) - post.mean()) < 5 * sd / np.sqrt(500))
    np.testing.assert_allclose(nuts.std(axis=0), sd, rtol=0.15)
