"""fit_cross_entropy: the MLE of softmax regression, certified or refused."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from overlapping_data import simulated

import cross_entropy_mle as ce
from cross_entropy_mle.objective import SoftmaxRegressionLoss


def statsmodels_params(X, y):
    """(K-1, 1+d) parameters of statsmodels' MNLogit, class 0 the reference."""
    design = np.column_stack([np.ones(len(y)), X])
    res = sm.MNLogit(y, design).fit(method="newton", disp=0, maxiter=100, tol=1e-12)
    assert res.mle_retvals["converged"]
    return np.asarray(res.params).T, -res.llf


# --- the estimate against an independent reference ---------------------------------------------


@pytest.mark.parametrize(
    "seed, n, d, k", [(0, 300, 1, 2), (1, 500, 3, 3), (2, 800, 4, 5), (3, 400, 0, 4)]
)
def test_matches_statsmodels_mnlogit(seed, n, d, k):
    X, y = simulated(seed, n, d, k)
    fit = ce.fit_cross_entropy(X, y)
    params, nll = statsmodels_params(X, y)
    np.testing.assert_allclose(fit.bias[1:], params[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.weights[1:], params[:, 1:], rtol=0, atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)


def test_nearly_separated_but_finite_mle():
    # One observation of each class on the wrong side: the MLE exists, with large weights.
    X = np.array([[-3.0], [-2.0], [-1.0], [0.5], [-0.5], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    fit = ce.fit_cross_entropy(X, y)
    params, nll = statsmodels_params(X, y)
    assert fit.converged
    np.testing.assert_allclose(ce.pack_params(fit.weights, fit.bias), params.ravel(), atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)
    assert ce.separation_direction(X, y) is None


# --- the result -------------------------------------------------------------------------------


def test_result_fields():
    X, y = simulated(4, n=600, d=3, k=4)
    fit = ce.fit_cross_entropy(X, y)
    assert fit.weights.shape == (4, 3) and fit.bias.shape == (4,)
    np.testing.assert_array_equal(fit.weights[0], 0.0)
    assert fit.bias[0] == 0.0
    assert fit.converged and fit.method == "cross-entropy"
    assert isinstance(fit.n_iter, int) and fit.n_iter >= 1
    assert isinstance(fit.nll, float)
    logits = ce.linear_predictor(X, fit.weights, fit.bias)
    assert fit.nll == pytest.approx(ce.negative_log_likelihood(y, logits), rel=1e-12)
    assert fit.objective == fit.nll
    assert fit.status in ("gradient", "floor")
    # grad_norm: the largest entry of the gradient of the mean NLL over the free parameters.
    resid = ce.softmax(logits) - ce.one_hot(y, 4)
    grad = (resid.T @ np.column_stack([np.ones(len(y)), X]))[1:]
    assert fit.grad_norm == pytest.approx(np.abs(grad).max() / len(y), rel=1e-3, abs=1e-15)
    assert fit.grad_norm <= 1e-8
    p = fit.predict_proba(X)
    assert p.shape == (600, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p, ce.softmax(ce.linear_predictor(X, fit.weights, fit.bias)))


def test_score_equations_hold_at_the_mle():
    # Zero gradient: for each class the fitted probabilities reproduce the class sums of (1, x).
    X, y = simulated(5, n=500, d=2, k=3)
    fit = ce.fit_cross_entropy(X, y)
    Xt = np.column_stack([np.ones(len(y)), X])
    q = fit.predict_proba(X)
    h = ce.one_hot(y, 3)
    np.testing.assert_allclose(q.T @ Xt, h.T @ Xt, atol=1e-7)


def test_explicit_n_classes_and_whole_float_labels():
    X, y = simulated(6, n=300, d=2, k=3)
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X, y.astype(float), n_classes=3)
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_intercept_only_mle_is_the_log_frequency_ratio(counts, random):
    y = np.repeat(np.arange(len(counts)), counts)
    random.shuffle(y)
    fit = ce.fit_cross_entropy(np.empty((len(y), 0)), y)
    counts = np.asarray(counts)
    np.testing.assert_allclose(fit.bias, np.log(counts / counts[0]), atol=1e-9)
    assert fit.weights.shape == (len(counts), 0)
    assert fit.converged
    # At the MLE each class's fitted probability is its observed frequency.
    np.testing.assert_allclose(ce.softmax(fit.bias), counts / counts.sum(), atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 10_000),
    st.lists(st.floats(0.1, 10.0), min_size=2, max_size=2),
    st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=2),
)
def test_affine_equivariance(seed, scales, shifts):
    # x' = s x + c gives W' = W / s and b' = b - W (c / s): the same probabilities.
    X, y = simulated(seed, n=300, d=2, k=3)
    s, c = np.asarray(scales), np.asarray(shifts)
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X * s + c, y)
    assert b.nll == pytest.approx(a.nll, rel=1e-9)
    np.testing.assert_allclose(b.weights, a.weights / s, atol=1e-6)
    np.testing.assert_allclose(b.bias, a.bias - (a.weights / s) @ c, atol=1e-5)


def test_row_order_does_not_matter():
    X, y = simulated(7, n=300, d=2, k=3)
    perm = np.random.default_rng(0).permutation(len(y))
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X[perm], y[perm])
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-8)
    np.testing.assert_allclose(a.bias, b.bias, atol=1e-8)


def test_several_blocks_give_the_statsmodels_fit():
    X, y = simulated(17, n=3 * SoftmaxRegressionLoss.BLOCK_ROWS + 123, d=3, k=4)
    params, nll = statsmodels_params(X, y)
    fit = ce.fit_cross_entropy(X, y)
    assert fit.converged
    np.testing.assert_allclose(ce.pack_params(fit.weights, fit.bias), params.ravel(), atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)


# --- non-convergence, bad input ---------------------------------------------------------------


def test_non_convergence_is_reported():
    X, y = simulated(14, n=500, d=3, k=4, scale=2.0)
    with pytest.warns(ce.ConvergenceWarning, match="cross-entropy stopped after 1 iterations"):
        fit = ce.fit_cross_entropy(X, y, max_iter=1)
    assert not fit.converged
    assert fit.n_iter == 1
    assert fit.status == "max_iter"
    assert fit.grad_norm > 1e-6


@pytest.mark.parametrize(
    "X, y, kwargs, exc, match",
    [
        (np.array([[0.0], [np.nan], [1.0]]), [0, 1, 0], {}, ValueError, "X contains NaN"),
        (np.array([[0.0], [np.inf], [1.0]]), [0, 1, 0], {}, ValueError, "X contains inf"),
        (np.zeros(3), [0, 1, 0], {}, ValueError, "X must have 2 dimension"),
        (np.zeros((3, 1)), [0, 1], {}, ValueError, "X has 3 rows but y has 2 labels"),
        (np.zeros((0, 1)), [0], {}, ValueError, "X is empty"),
        (np.zeros((3, 1)), [], {}, ValueError, "y is empty"),
        (np.zeros((3, 1)), [0, 1.5, 0], {}, ValueError, "y must hold integer class labels"),
        (np.zeros((3, 1)), ["a", "b", "a"], {}, TypeError, "y must hold integer class labels"),
        (np.zeros((3, 1)), [True, False, True], {}, TypeError, "y must hold integer class labels"),
        (np.zeros((3, 1)), [0, -1, 1], {}, ValueError, "y has negative labels"),
        (
            np.zeros((3, 1)),
            [0, 1, 2],
            {"n_classes": 2},
            ValueError,
            "y has label 2 but n_classes=2",
        ),
        (np.zeros((3, 1)), [0, 0, 0], {"n_classes": 1}, ValueError, "n_classes must be at least 2"),
        (np.array([["a"], ["b"], ["c"]]), [0, 1, 0], {}, TypeError, "X must hold real numbers"),
    ],
)
def test_bad_input(X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ce.fit_cross_entropy(X, y, **kwargs)
    if "n_classes" not in kwargs:
        with pytest.raises(exc, match=match):
            ce.separation_direction(X, y)


# --- right at every scale ---------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 1000),
    st.lists(st.floats(-10.0, 10.0), min_size=3, max_size=3),
    st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3),
)
def test_scale_equivariance_from_1e_minus_10_to_1e10(seed, log_scales, shifts):
    # Column j times s_j (plus a shift of a few of its own spreads): weights / s_j, same NLL.
    X, y = simulated(seed, n=300, d=3, k=3)
    s = 10.0 ** np.asarray(log_scales)
    c = np.asarray(shifts) * s
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X * s + c, y)
    assert a.converged and b.converged
    assert b.nll == pytest.approx(a.nll, rel=1e-9)
    np.testing.assert_allclose(b.weights * s, a.weights, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b.bias + (b.weights * s) @ (c / s), a.bias, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("s", [1e-150, 1e-8, 1e150])
def test_extreme_uniform_scales(s):
    X, y = simulated(20, n=300, d=2, k=3)
    a, b = ce.fit_cross_entropy(X, y), ce.fit_cross_entropy(X * s, y)
    assert b.converged and b.nll == pytest.approx(a.nll, rel=1e-9)
    np.testing.assert_allclose(b.weights * s, a.weights, rtol=1e-6)


def test_rounding_level_perturbations_do_not_change_the_verdict():
    # X rescaled by 1 + j 1e-15: every fit converges to the same MLE within rounding.
    X, y = simulated(21, n=400, d=3, k=4)
    a = ce.fit_cross_entropy(X, y)
    for j in range(1, 21):
        b = ce.fit_cross_entropy(X * (1 + j * 1e-15), y)
        assert b.converged
        assert b.nll == pytest.approx(a.nll, rel=1e-12)
        np.testing.assert_allclose(b.weights, a.weights, atol=1e-8)


# --- the L2-penalised MAP -----------------------------------------------------------------------


def independent_l2(X, y, sigma, bias_sigma, symmetric):
    """The penalised objective written out with scipy, minimised by scipy's trust-exact."""
    from scipy import optimize
    from scipy.special import logsumexp

    K, p = y.max() + 1, X.shape[1] + 1
    design = np.column_stack([np.ones(len(y)), X])
    lam = np.r_[0.0 if np.isinf(bias_sigma) else bias_sigma**-2, np.full(p - 1, sigma**-2)]
    rows = K if symmetric else K - 1

    def full(t):
        T = t.reshape(rows, p)
        return T if symmetric else np.vstack([np.zeros(p), T])

    def f(t):
        Z = design @ full(t).T
        return (logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]).sum() + 0.5 * np.sum(
            lam * t.reshape(rows, p) ** 2
        )

    res = optimize.minimize(f, np.zeros(rows * p), method="BFGS", options={"gtol": 1e-9})
    T = full(res.x)
    return T[:, 1:] - T[0, 1:], T[:, 0] - T[0, 0], res.fun


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("bias_sigma", [np.inf, 2.0])
def test_fit_l2_against_an_independent_solver(symmetric, bias_sigma):
    X, y = simulated(22, n=300, d=2, k=3)
    fit = ce.fit_l2(
        X, y, 0.7, bias_sigma=bias_sigma, parametrisation="symmetric" if symmetric else "pivot"
    )
    W, b, value = independent_l2(X, y, 0.7, bias_sigma, symmetric)
    assert fit.converged
    assert fit.objective == pytest.approx(value, rel=1e-9)
    np.testing.assert_allclose(fit.weights, W, atol=1e-5)
    np.testing.assert_allclose(fit.bias, b, atol=1e-5)
    assert fit.nll < fit.objective


def test_fit_l2_symmetric_is_scikit_learns_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    X, y = simulated(23, n=400, d=3, k=4)
    fit = ce.fit_l2(X, y, 1.5, parametrisation="symmetric")
    clf = LogisticRegression(C=1.5**2, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(fit.weights, clf.coef_ - clf.coef_[0], atol=1e-5)
    # The penalised symmetric weights sum to zero over classes.
    np.testing.assert_allclose(fit.weights - fit.weights.mean(axis=0), clf.coef_, atol=1e-5)


def test_fit_l2_exists_on_separated_data_and_tends_to_the_mle():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    slopes = [ce.fit_l2(X, y, s).weights[1, 0] for s in (0.5, 2.0, 8.0)]
    assert 0 < slopes[0] < slopes[1] < slopes[2]
    X, y = simulated(24, n=500, d=2, k=3)
    mle = ce.fit_cross_entropy(X, y)
    weak = ce.fit_l2(X, y, 1e4)
    np.testing.assert_allclose(weak.weights, mle.weights, atol=1e-4)


def test_fit_l2_is_scale_equivariant_in_its_prior():
    # Scaling column j by s_j with the prior on w_j scaled by 1/s_j is the same problem.
    X, y = simulated(25, n=300, d=2, k=3)
    a = ce.fit_l2(X, y, 1.0)
    b = ce.fit_l2(X * 1e6, y, 1e-6)
    assert a.objective == pytest.approx(b.objective, rel=1e-9)
    np.testing.assert_allclose(b.weights * 1e6, a.weights, rtol=1e-6)


def test_fit_l2_empty_class_needs_a_bias_prior():
    X, y = simulated(26, n=200, d=2, k=2)
    with pytest.raises(ce.SeparationError, match="no observations"):
        ce.fit_l2(X, y, 1.0, n_classes=3)
    fit = ce.fit_l2(X, y, 1.0, n_classes=3, bias_sigma=1.0)
    assert fit.converged and fit.bias[2] < fit.bias[1]


# --- other scores ---------------------------------------------------------------------------


def test_fit_brier_against_an_independent_solver():
    from scipy import optimize
    from scipy.special import softmax

    X, y = simulated(27, n=400, d=2, k=3)
    fit = ce.fit_brier(X, y)
    design = np.column_stack([np.ones(len(y)), X])
    H = ce.one_hot(y, 3)

    def brier(t):
        T = np.vstack([np.zeros(3), t.reshape(2, 3)])
        return ((softmax(design @ T.T, axis=1) - H) ** 2).sum()

    res = optimize.minimize(
        brier,
        np.zeros(6),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 40_000, "maxfev": 40_000},
    )
    assert fit.converged and fit.method == "brier"
    assert fit.objective == pytest.approx(res.fun, rel=1e-8)
    assert fit.objective <= res.fun * (1 + 1e-12)
    np.testing.assert_allclose(ce.pack_params(fit.weights, fit.bias), res.x, atol=1e-4)
    mle = ce.fit_cross_entropy(X, y)
    assert fit.nll > mle.nll  # the MLE minimises the NLL, the Brier fit does not


def test_fit_brier_under_rounding_perturbations():
    X, y = simulated(28, n=300, d=2, k=3)
    values = [ce.fit_brier(X * (1 + j * 1e-15), y) for j in range(1, 21)]
    assert all(v.converged for v in values)
    assert np.ptp([v.objective for v in values]) <= 1e-10 * values[0].objective


def test_fit_linear_probability_is_least_squares():
    X, y = simulated(29, n=300, d=2, k=3)
    W, b = ce.fit_linear_probability(X * 1e8, y)
    design = np.column_stack([np.ones(len(y)), X * 1e8])
    coef, *_ = np.linalg.lstsq(design, ce.one_hot(y, 3), rcond=None)
    fitted = X * 1e8 @ W.T + b
    np.testing.assert_allclose(fitted, design @ coef, atol=1e-10)
    np.testing.assert_allclose(fitted.sum(axis=1), 1.0, atol=1e-12)


def test_minimise_score_validates_the_logit_function():
    with pytest.raises(ValueError, match="must return a pair"):
        ce.minimise_score(lambda t: t, np.zeros(2), [0, 1])
    with pytest.raises(TypeError, match="logit_fn must be callable"):
        ce.minimise_score(3, np.zeros(2), [0, 1])


@pytest.mark.parametrize("sigma", [0.2, 1.0, 5.0])
def test_fit_l2_binary_is_scikit_learns_logistic_regression(sigma):
    # For K = 2 scikit-learn keeps one row, the pivot one: C = sigma^2 is the same prior.
    from sklearn.linear_model import LogisticRegression

    X, y = simulated(30, n=300, d=2, k=2)
    fit = ce.fit_l2(X, y, sigma)
    clf = LogisticRegression(C=sigma**2, tol=1e-12, max_iter=10_000).fit(X, y)
    assert fit.method == "l2-pivot"
    np.testing.assert_allclose(fit.weights[1], clf.coef_[0], atol=1e-6)
    np.testing.assert_allclose(fit.bias[1], clf.intercept_[0], atol=1e-6)


def test_pivot_and_symmetric_penalties_differ_for_three_classes():
    X, y = simulated(31, n=300, d=2, k=3)
    a = ce.fit_l2(X, y, 0.5)
    b = ce.fit_l2(X, y, 0.5, parametrisation="symmetric")
    assert np.abs(a.weights - b.weights).max() > 1e-2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sigma": 0.0}, ValueError, "sigma must be a positive finite number"),
        ({"sigma": np.inf}, ValueError, "sigma must be a positive finite number"),
        ({"sigma": 1.0, "bias_sigma": -1.0}, ValueError, "bias_sigma must be a positive"),
        (
            {"sigma": 1.0, "parametrisation": "zero-sum"},
            ValueError,
            "parametrisation must be one of",
        ),
        ({"sigma": 1.0, "tol": 0.0}, ValueError, "tol must be a positive"),
    ],
)
def test_fit_l2_bad_input(kwargs, exc, match):
    X, y = simulated(32, n=50, d=2, k=2)
    with pytest.raises(exc, match=match):
        ce.fit_l2(X, y, **kwargs)


def test_minimise_score_on_the_linear_model_is_the_mle():
    X, y = simulated(33, n=400, d=2, k=3)
    fit = ce.minimise_score(ce.linear_logit_fn(X, 3), np.zeros(6), y, gtol=1e-10)
    theta, nll = fit.model, fit.nll
    mle = ce.fit_cross_entropy(X, y)
    assert fit.converged and fit.objective == nll
    np.testing.assert_allclose(theta, ce.pack_params(mle.weights, mle.bias), atol=1e-6)
    assert nll == pytest.approx(mle.nll, rel=1e-12)


def test_minimise_score_with_a_prior_is_stationary():
    # At the MAP, the NLL's gradient equals -theta / sigma^2.
    X, y = simulated(34, n=300, d=2, k=3)
    theta = ce.minimise_score(
        ce.linear_logit_fn(X, 3), np.zeros(6), y, prior_sd=0.5, gtol=1e-10
    ).model
    grad = ce.SoftmaxRegressionLoss(X, y).loss_gradient(theta)[1]
    np.testing.assert_allclose(grad, -theta / 0.25, atol=1e-10 * len(y))


def test_linear_logit_fn_vjp_matches_finite_differences():
    rng = np.random.default_rng(35)
    X = rng.normal(size=(20, 2))
    fn = ce.linear_logit_fn(X, 3)
    theta, G = rng.normal(size=6), rng.normal(size=(20, 3))
    h = 1e-6
    numeric = [
        ((fn(theta + h * e)[0] - fn(theta - h * e)[0]) * G).sum() / (2 * h) for e in np.eye(6)
    ]
    np.testing.assert_allclose(fn(theta)[1](G), numeric, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rule": "spherical"}, "rule must be one of"),
        ({"method": "Powell"}, "method must be one of"),
        ({"prior_sd": -1.0}, "prior_sd must be a positive"),
        ({"gtol": 0.0}, "gtol must be a positive"),
        ({"max_iter": 0}, "max_iter must be at least 1"),
    ],
)
def test_minimise_score_bad_options(kwargs, match):
    X, y = simulated(36, n=30, d=1, k=2)
    with pytest.raises(ValueError, match=match):
        ce.minimise_score(ce.linear_logit_fn(X, 2), np.zeros(4), y, **kwargs)


def test_fit_brier_is_consistent_for_the_true_parameters():
    # Brier is strictly proper: at large N its estimate is near the truth, as the MLE is.
    rng = np.random.default_rng(37)
    W = np.array([[0.0, 0.0], [1.0, -0.5], [-0.7, 0.8]])
    b = np.array([0.0, 0.3, -0.2])
    X, y, _ = ce.simulate(40_000, W, b, rng)
    fit = ce.fit_brier(X, y)
    np.testing.assert_allclose(fit.weights, W, atol=0.08)


def test_fit_linear_probability_rejects_collinear_columns():
    X, y = simulated(38, n=50, d=1, k=2)
    with pytest.raises(ValueError, match="rank"):
        ce.fit_linear_probability(np.column_stack([X, 2 * X]), y)


def test_minimise_score_warns_when_it_stops_early():
    X, y = simulated(39, n=200, d=2, k=3)
    with pytest.warns(ce.ConvergenceWarning, match="minimise_score stopped after"):
        fit = ce.minimise_score(ce.linear_logit_fn(X, 3), np.zeros(6), y, max_iter=1)
    assert not fit.converged and fit.status == "max_iter"


def test_minimise_score_survives_overflowing_trial_steps():
    # Features of magnitude 1e160: a first BFGS trial step overflows the logits.
    X, y = simulated(40, n=200, d=1, k=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.ConvergenceWarning)  # it may stop early: allowed
        fit = ce.minimise_score(ce.linear_logit_fn(X * 1e160, 2), np.zeros(2), y, max_iter=50)
    assert np.all(np.isfinite(fit.model)) and np.isfinite(fit.nll)
    # never a success it did not check: converged only if it really improved on the start
    assert (
        not fit.converged
        or fit.nll
        < ce.minimise_score(ce.linear_logit_fn(X * 1e160, 2), np.zeros(2), y, max_iter=1).objective
    )
