"""Reliability curves and population cross entropy vs scikit-learn, quadrature and Monte Carlo."""

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.calibration import calibration_curve

import cross_entropy_mle as ce
from cross_entropy_mle.calibration import population_cross_entropy, reliability_curve

W_TRUE = np.array([[0.0, 0.0], [2.0, -1.0], [-1.0, 2.5]])
B_TRUE = np.array([0.0, 0.5, -0.3])


# ------------------------------------------------------------------------------------------
# Reliability curve
# ------------------------------------------------------------------------------------------


def test_reliability_curve_by_hand():
    h = np.array([0, 1, 1, 0, 1, 1])
    q = np.array([0.05, 0.15, 0.55, 0.65, 0.95, 1.2])
    rc = reliability_curve(h, q, n_bins=2)
    np.testing.assert_array_equal(rc.bin_edges, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(rc.count, [2, 4])
    np.testing.assert_allclose(rc.mean_predicted, [0.1, (0.55 + 0.65 + 0.95 + 1.2) / 4], rtol=1e-14)
    np.testing.assert_allclose(rc.observed, [0.5, 0.75], rtol=1e-14)
    qc = np.clip(q, 0, 1)
    var = qc * (1 - qc)
    expected_se = [np.sqrt(var[:2].sum()) / 2, np.sqrt(var[2:].sum()) / 4]
    np.testing.assert_allclose(rc.std_error, expected_se, rtol=1e-14)
    np.testing.assert_allclose(rc.z, (rc.observed - rc.mean_predicted) / rc.std_error, rtol=1e-14)


def test_reliability_curve_of_one_hot_labels_pools_every_class():
    # Each (sample, class) pair is one forecast of one event.
    h = ce.one_hot([0, 1, 1], 2)
    q = np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    rc = reliability_curve(h, q, n_bins=2)
    np.testing.assert_array_equal(rc.count, [3, 3])
    np.testing.assert_allclose(rc.mean_predicted, [(0.2 + 0.3 + 0.4) / 3, (0.8 + 0.7 + 0.6) / 3])
    np.testing.assert_allclose(rc.observed, [0.0, 1.0])


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [5, 10])
def test_reliability_curve_matches_scikit_learn(strategy, n_bins):
    # scikit-learn puts a forecast equal to an inner edge in the lower bin, this library in the
    # upper one. Continuous forecasts never hit the uniform edges; the quantile edge j / n_bins
    # of n sorted forecasts interpolates at position (n - 1) j / n_bins, never a whole number
    # when n - 1 = 1001 is coprime to n_bins, so no forecast lies on an inner quantile edge.
    rng = np.random.default_rng(n_bins)
    q = rng.beta(2.0, 5.0, size=1002)
    h = (rng.uniform(size=q.size) < q).astype(int)
    assert not np.any(np.isin(q, np.linspace(0, 1, n_bins + 1)))
    rc = reliability_curve(h, q, n_bins=n_bins, strategy=strategy)
    prob_true, prob_pred = calibration_curve(h, q, n_bins=n_bins, strategy=strategy)
    if strategy == "quantile":
        np.testing.assert_allclose(
            rc.bin_edges, np.percentile(q, np.linspace(0, 100, n_bins + 1)), rtol=1e-14
        )
        assert not np.any(np.isin(q, rc.bin_edges[1:-1]))
    assert rc.observed.size == prob_true.size
    np.testing.assert_allclose(rc.observed, prob_true, rtol=1e-13)
    np.testing.assert_allclose(rc.mean_predicted, prob_pred, rtol=1e-13)
    assert rc.count.sum() == q.size


def test_reliability_curve_drops_empty_bins_like_scikit_learn():
    q = np.array([0.05, 0.07, 0.93, 0.97])
    h = np.array([0, 0, 1, 1])
    rc = reliability_curve(h, q, n_bins=10)
    prob_true, prob_pred = calibration_curve(h, q, n_bins=10)
    np.testing.assert_array_equal(rc.count, [2, 2])
    np.testing.assert_allclose(rc.observed, prob_true)
    np.testing.assert_allclose(rc.mean_predicted, prob_pred)


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


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(h=[0.5, 1.0], q=[0.2, 0.3]), ValueError, "0 or 1"),
        (dict(h=[0, 1], q=[0.2, 0.3, 0.4]), ValueError, "same shape"),
        (dict(h=[0, 1], q=[0.2, 0.3], strategy="kmeans"), ValueError, "strategy"),
        (dict(h=[0, 1], q=[0.2, 0.3], n_bins=0), ValueError, "n_bins must be at least 1"),
        (dict(h=[0, 1], q=[0.2, 0.3], n_bins=2.0), TypeError, "n_bins must be an integer"),
        (dict(h=[0, 1], q=[0.2, np.nan]), ValueError, "q contains NaN"),
        (dict(h=np.zeros((2, 2, 2)), q=np.zeros((2, 2, 2))), ValueError, "h must have 1 or 2"),
    ],
)
def test_reliability_curve_rejects_bad_inputs(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        reliability_curve(**kwargs)


# ------------------------------------------------------------------------------------------
# Population cross entropy
# ------------------------------------------------------------------------------------------


def test_population_cross_entropy_against_adaptive_quadrature():
    W_true = np.array([[0.0], [1.5]])
    b_true = np.array([0.0, -0.3])
    W, b = np.array([[0.0], [0.7]]), np.array([0.0, 0.2])

    def integrand(x, fn):
        p = ce.softmax(ce.linear_predictor([[x]], W_true, b_true))
        q = ce.softmax(ce.linear_predictor([[x]], W, b))
        return stats.norm.pdf(x) * fn(p, q)[0]

    ent = integrate.quad(integrand, -12, 12, args=(lambda p, q: ce.entropy(p),))[0]
    kl = integrate.quad(integrand, -12, 12, args=(ce.kl_divergence,))[0]
    cross = integrate.quad(integrand, -12, 12, args=(ce.cross_entropy,))[0]
    out = population_cross_entropy(W_true, b_true, W, b)
    assert out.entropy == pytest.approx(ent, rel=1e-9)
    assert out.kl == pytest.approx(kl, rel=1e-7)
    assert out.cross_entropy == pytest.approx(cross, rel=1e-9)
    truth = population_cross_entropy(W_true, b_true, W_true, b_true)
    assert truth.kl == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    "W, b",
    [
        (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.zeros(3)),
        (W_TRUE, B_TRUE),
        (np.array([[0.5, -2.0], [0.0, 0.0], [3.0, 1.0]]), np.array([1.0, 0.0, -1.0])),
    ],
)
def test_population_cross_entropy_is_entropy_plus_kl(W, b):
    # The three fields are computed separately; the decomposition must hold to rounding.
    out = population_cross_entropy(W_TRUE, B_TRUE, W, b)
    assert out.cross_entropy == pytest.approx(out.entropy + out.kl, rel=1e-12)
    assert out.kl >= 0
    assert 0 < out.entropy < np.log(3)
    # The entropy term depends on the truth only.
    truth = population_cross_entropy(W_TRUE, B_TRUE, W_TRUE, B_TRUE)
    assert out.entropy == pytest.approx(truth.entropy, rel=1e-14)


def test_population_cross_entropy_is_the_limit_of_the_average_nll():
    rng = np.random.default_rng(8)
    W = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    b = np.zeros(3)
    X, y, p = ce.simulate(200_000, W_TRUE, B_TRUE, rng)
    log_q = ce.log_softmax(ce.linear_predictor(X, W, b))
    nll = -ce.categorical_log_pmf(y, log_q)
    pop = population_cross_entropy(W_TRUE, B_TRUE, W, b)
    # CLT: the sample mean of iid per-sample NLLs is within 5 standard errors (p ~ 6e-7).
    se = nll.std() / np.sqrt(nll.size)
    assert abs(nll.mean() - pop.cross_entropy) < 5 * se
    # The same for the entropy, averaging the exact conditional entropy over the drawn x.
    ent = ce.entropy(p)
    assert abs(ent.mean() - pop.entropy) < 5 * ent.std() / np.sqrt(ent.size)


def test_population_cross_entropy_rejects_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        population_cross_entropy(W_TRUE, B_TRUE, W_TRUE[:, :1], B_TRUE)
    with pytest.raises(ValueError, match="quadrature points"):
        population_cross_entropy(
            np.zeros((2, 4)), np.zeros(2), np.zeros((2, 4)), np.zeros(2), n_nodes=40
        )
    with pytest.raises(ValueError, match="n_nodes must be at least 1"):
        population_cross_entropy(W_TRUE, B_TRUE, W_TRUE, B_TRUE, n_nodes=0)
