"""Cross entropy, the categorical likelihood, their stable computation, and the other scores."""

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import optimize, stats
from sklearn.metrics import brier_score_loss, log_loss

import cross_entropy_mle as ce

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def logits_and_labels(draw, max_abs=50.0, max_n=12, max_k=6):
    """A (n, K) array of finite logits and labels drawn in 0..K-1."""
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(2, max_k))
    z = draw(arrays(np.float64, (n, k), elements=st.floats(-max_abs, max_abs)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    return z, y


# --- values against independent references ---------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (7, 3), (2, 4, 6)])
def test_log_softmax_and_softmax_match_scipy(shape):
    z = np.random.default_rng(1).normal(scale=10.0, size=shape)
    np.testing.assert_allclose(
        ce.log_softmax(z), scipy.special.log_softmax(z, axis=-1), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        ce.softmax(z), scipy.special.softmax(z, axis=-1), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_log_softmax_along_another_axis_matches_scipy(axis):
    z = np.random.default_rng(2).normal(scale=10.0, size=(4, 5, 3))
    out = ce.log_softmax(z, axis=axis)
    np.testing.assert_allclose(out, scipy.special.log_softmax(z, axis=axis), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.exp(out).sum(axis=axis), 1.0, rtol=1e-13)


@SETTINGS
@given(logits_and_labels())
def test_log_softmax_matches_scipy_property(case):
    z, _ = case
    np.testing.assert_allclose(
        ce.log_softmax(z), scipy.special.log_softmax(z, axis=-1), rtol=1e-12, atol=1e-11
    )


@pytest.mark.parametrize("k", [2, 3, 7])
def test_nll_is_log_loss_summed_not_averaged(k):
    rng = np.random.default_rng(k)
    z = rng.normal(scale=3.0, size=(50, k))
    y = rng.integers(0, k, size=50)
    y[:k] = np.arange(k)
    q = scipy.special.softmax(z, axis=1)
    nll = ce.negative_log_likelihood(y, z)
    assert nll == pytest.approx(log_loss(y, q, labels=np.arange(k), normalize=False), rel=1e-12)
    assert nll / y.size == pytest.approx(log_loss(y, q, labels=np.arange(k)), rel=1e-12)
    per_sample = ce.cross_entropy(ce.one_hot(y, k), q)
    assert per_sample.shape == (50,)
    assert per_sample.sum() == pytest.approx(
        log_loss(y, q, labels=np.arange(k), normalize=False), rel=1e-12
    )


def test_hand_computed_values():
    # Two classes with logits (0, log 3): probabilities (1/4, 3/4).
    z = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(ce.softmax(z), [[0.25, 0.75]] * 2)
    assert ce.negative_log_likelihood([0, 1], z) == pytest.approx(
        -np.log(0.25) - np.log(0.75), rel=1e-14
    )
    assert ce.cross_entropy([[0.5, 0.5]], [[0.25, 0.75]])[0] == pytest.approx(
        -0.5 * np.log(0.25) - 0.5 * np.log(0.75), rel=1e-14
    )


# --- identities that hold for every input -----------------------------------------------------


@SETTINGS
@given(logits_and_labels())
def test_cross_entropy_of_one_hot_labels_is_the_nll(case):
    z, y = case
    k = z.shape[1]
    per_sample = ce.cross_entropy(ce.one_hot(y, k), ce.softmax(z))
    expected = -ce.log_softmax(z)[np.arange(y.size), y]
    # softmax then log loses relative accuracy only for probabilities near underflow.
    np.testing.assert_allclose(per_sample, expected, rtol=1e-9, atol=1e-9)
    assert per_sample.sum() == pytest.approx(ce.negative_log_likelihood(y, z), rel=1e-9, abs=1e-9)


@SETTINGS
@given(logits_and_labels(), st.floats(-1e3, 1e3))
def test_shift_invariance(case, c):
    z, y = case
    scale = 1e-13 * (np.abs(z).max() + abs(c) + 1.0)
    np.testing.assert_allclose(ce.log_softmax(z + c), ce.log_softmax(z), atol=8 * scale)
    np.testing.assert_allclose(ce.softmax(z + c), ce.softmax(z), atol=8 * scale)
    assert ce.negative_log_likelihood(y, z + c) == pytest.approx(
        ce.negative_log_likelihood(y, z), abs=8 * scale * y.size
    )


@SETTINGS
@given(logits_and_labels(max_abs=1e4))
def test_finite_for_logits_of_magnitude_1e4(case):
    z, y = case
    ls = ce.log_softmax(z)
    p = ce.softmax(z)
    assert np.all(np.isfinite(ls)) and np.all(ls <= 0)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.isfinite(ce.negative_log_likelihood(y, z))


@SETTINGS
@given(logits_and_labels(max_abs=1e150))
def test_finite_far_beyond_1e4(case):
    z, y = case
    ls = ce.log_softmax(z)
    assert np.all(np.isfinite(ls))
    # The largest logit of each row has log-probability in [-log K, 0].
    top = ls[np.arange(z.shape[0]), z.argmax(axis=1)]
    assert np.all((top <= 0) & (top >= -np.log(z.shape[1]) - 1e-12))
    np.testing.assert_allclose(ce.softmax(z).sum(axis=-1), 1.0, rtol=1e-12)
    assert np.isfinite(ce.negative_log_likelihood(y, z))


def test_extreme_logits_have_the_limiting_values():
    z = np.array([[1e4, -1e4, 0.0], [-1e300, 1e300, 0.0]])
    np.testing.assert_array_equal(ce.softmax(z), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    ls = ce.log_softmax(np.array([[1e4, -1e4]]))
    np.testing.assert_allclose(ls, [[0.0, -2e4]])
    assert ce.negative_log_likelihood([1], np.array([[1e4, -1e4]])) == pytest.approx(2e4, rel=1e-15)


# --- one_hot, categorical_log_pmf, cross_entropy ----------------------------------------------


def test_one_hot():
    h = ce.one_hot([2, 0, 1, 2], 4)
    np.testing.assert_array_equal(h, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    assert ce.one_hot([1, 0]).shape == (2, 2)


@SETTINGS
@given(logits_and_labels())
def test_categorical_log_pmf_is_the_log_of_the_product_form(case):
    z, y = case
    log_p = ce.log_softmax(z)
    p = np.exp(log_p)
    k = z.shape[1]
    # f(y | p) = prod_i p_i^{1[y = i]}, evaluated literally.
    product = np.prod(p ** (np.arange(k)[None, :] == y[:, None]), axis=1)
    got = ce.categorical_log_pmf(y, log_p)
    np.testing.assert_allclose(got, log_p[np.arange(y.size), y], rtol=1e-15)
    ok = product > 1e-300
    np.testing.assert_allclose(np.exp(got[ok]), product[ok], rtol=1e-12)


def test_categorical_log_pmf_shared_row_and_zero_probability():
    log_p = np.array([np.log(0.5), np.log(0.5), -np.inf])
    np.testing.assert_allclose(ce.categorical_log_pmf([0, 1, 0], log_p), np.log(0.5))
    assert ce.categorical_log_pmf([2], log_p)[0] == -np.inf


def test_cross_entropy_conventions():
    h = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    q = np.array([[0.0, 1.0], [1.0, 0.0], [0.25, 0.75]])
    out = ce.cross_entropy(h, q)
    assert out[0] == 0.0  # 0 log 0 = 0
    assert out[1] == np.inf  # h > 0 where q = 0
    assert out[2] == pytest.approx(np.log(4.0))


def test_cross_entropy_soft_labels_and_gibbs_inequality():
    rng = np.random.default_rng(3)
    h = rng.dirichlet(np.ones(4), size=30)
    q = rng.dirichlet(np.ones(4), size=30)
    H = ce.cross_entropy(h, q)
    np.testing.assert_allclose(H, -(h * np.log(q)).sum(axis=1), rtol=1e-13)
    entropy = ce.cross_entropy(h, h)
    assert np.all(H >= entropy - 1e-12)


# --- bad input --------------------------------------------------------------------------------


Z = np.zeros((3, 2))


@pytest.mark.parametrize(
    "y, exc, match",
    [
        ([0.0, 1.5, 1.0], ValueError, "y must hold integer class labels"),
        (["a", "b", "a"], TypeError, "y must hold integer class labels"),
        ([True, False, True], TypeError, "y must hold integer class labels"),
        ([0, -1, 1], ValueError, "y has negative labels"),
        ([0, 1, 2], ValueError, "y has label 2 but n_classes=2"),
        ([0, 1], ValueError, "y has 2 samples but logits has 3 rows"),
        ([[0, 1, 1]], ValueError, "y must be one-dimensional"),
    ],
)
def test_nll_bad_labels(y, exc, match):
    with pytest.raises(exc, match=match):
        ce.negative_log_likelihood(y, Z)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_logits(bad):
    z = np.zeros((3, 2))
    z[1, 0] = bad
    for fn in (ce.log_softmax, ce.softmax):
        with pytest.raises(ValueError, match="logits contains"):
            fn(z)
    with pytest.raises(ValueError, match="logits contains"):
        ce.negative_log_likelihood([0, 1, 0], z)


def test_bad_logits_shapes_and_types():
    with pytest.raises(ValueError, match="logits must have an axis over classes"):
        ce.log_softmax(3.0)
    with pytest.raises(ValueError, match="logits must have 2 dimension"):
        ce.negative_log_likelihood([0], np.zeros(2))
    with pytest.raises(ValueError, match="logits is empty"):
        ce.negative_log_likelihood([0], np.zeros((0, 2)))
    with pytest.raises(TypeError, match="logits must hold real numbers"):
        ce.softmax(["a", "b"])


@pytest.mark.parametrize(
    "h, q, match",
    [
        ([[0.5, 0.5]], [[1.1, -0.1]], "q has negative probabilities"),
        ([[-0.5, 1.5]], [[0.5, 0.5]], "h has negative probabilities"),
        ([[0.5, 0.5]], [[0.5, 0.6]], "q rows must sum to 1"),
        ([[0.5, 0.4]], [[0.5, 0.5]], "h rows must sum to 1"),
        ([[0.5, 0.5]], [[np.nan, 0.5]], "q contains NaN"),
        ([[np.inf, 0.5]], [[0.5, 0.5]], "h contains inf"),
        ([[0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]], "h and q must have the same shape"),
        ([], [], "h is empty"),
    ],
)
def test_cross_entropy_bad_probabilities(h, q, match):
    with pytest.raises(ValueError, match=match):
        ce.cross_entropy(h, q)


def test_one_hot_bad_input():
    with pytest.raises(ValueError, match="n_classes must be at least 2"):
        ce.one_hot([0, 0], 1)
    with pytest.raises(ValueError, match="y has label 3 but n_classes=3"):
        ce.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="y is empty"):
        ce.one_hot([], 3)


@pytest.mark.parametrize(
    "y, log_p, exc, match",
    [
        ([0, 1], np.log([[0.5, 0.5], [0.5, 0.5]]) + 1.0, ValueError, "log_p has positive values"),
        ([0, 1], np.log([[0.5, 0.4], [0.5, 0.5]]), ValueError, "log_p rows must be normalised"),
        ([0, 1], [[np.nan, 0.0], [0.0, np.nan]], ValueError, "log_p contains NaN"),
        ([0, 1], np.log([[0.5, 0.5]] * 3), ValueError, "y has 2 samples but log_p has 3 rows"),
        ([0, 2], np.log([[0.5, 0.5]] * 2), ValueError, "y has label 2"),
        ([0.5, 1], np.log([[0.5, 0.5]] * 2), ValueError, "y must hold integer class labels"),
        ([0, 1], np.zeros((1, 1, 2)), ValueError, "log_p must have shape"),
        ([0, 1], [["a", "b"]] * 2, TypeError, "log_p must hold real numbers"),
    ],
)
def test_categorical_log_pmf_bad_input(y, log_p, exc, match):
    with pytest.raises(exc, match=match):
        ce.categorical_log_pmf(y, log_p)


def test_finite_up_to_1e307():
    z = np.array([[8e306, -8e306, 0.0]])
    ls = ce.log_softmax(z)
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls, [[0.0, -1.6e307, -8e306]], rtol=1e-15)
    assert ce.negative_log_likelihood([2], z) == pytest.approx(8e306, rel=1e-15)


# --- the Brier and absolute scores -----------------------------------------------------------


def _simplex_rows(k):
    return arrays(np.float64, k, elements=st.floats(0.01, 1.0)).map(lambda a: a / a.sum())


def test_brier_and_absolute_by_hand():
    h = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[0.2, 0.5, 0.3], [0.6, 0.4, 0.0]])
    np.testing.assert_allclose(ce.brier_score(h, q), [0.04 + 0.25 + 0.09, 0.16 + 0.16], rtol=1e-14)
    np.testing.assert_allclose(ce.absolute_score(h, q), [2 * (1 - 0.5), 2 * (1 - 0.6)], rtol=1e-14)


def test_binary_brier_is_twice_scikit_learns():
    # scikit-learn's binary score squares the error of the positive class only; ours sums both
    # classes, whose errors are equal and opposite.
    rng = np.random.default_rng(10)
    p1 = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p1).astype(int)
    q = np.column_stack([1 - p1, p1])
    ours = ce.brier_score(ce.one_hot(y, 2), q)
    assert ours.shape == (200,)
    assert ours.mean() == pytest.approx(2 * brier_score_loss(y, p1), rel=1e-12)
    assert ours.mean() == pytest.approx(brier_score_loss(y, q, scale_by_half=False), rel=1e-12)


@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_brier_is_scikit_learns(k):
    # For more than two classes scikit-learn (>= 1.7) keeps the unscaled sum over classes.
    rng = np.random.default_rng(k)
    q = rng.dirichlet(np.ones(k), size=300)
    y = np.array([rng.choice(k, p=row) for row in q])
    y[:k] = np.arange(k)
    ours = ce.brier_score(ce.one_hot(y, k), q).mean()
    assert ours == pytest.approx(brier_score_loss(y, q, labels=np.arange(k)), rel=1e-12)
    assert ours == pytest.approx(
        brier_score_loss(y, q, labels=np.arange(k), scale_by_half=False), rel=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(_simplex_rows(4), st.integers(0, 3))
def test_scores_of_a_one_hot_label_have_closed_forms(q, y):
    h = ce.one_hot([y], 4)
    b = ce.brier_score(h, q[None])[0]
    assert b == pytest.approx(1 - 2 * q[y] + q @ q, rel=1e-12, abs=1e-15)
    assert 0 <= b <= 2
    assert ce.absolute_score(h, q[None])[0] == pytest.approx(2 * (1 - q[y]), rel=1e-12, abs=1e-15)


# --- entropy and the Kullback-Leibler divergence ---------------------------------------------


def test_entropy_by_hand_and_the_zero_log_zero_convention():
    np.testing.assert_allclose(
        ce.entropy([[0.5, 0.5], [0.25, 0.75]]),
        [np.log(2), -0.25 * np.log(0.25) - 0.75 * np.log(0.75)],
        rtol=1e-14,
    )
    assert ce.entropy([0.25] * 4) == pytest.approx(np.log(4), rel=1e-14)
    assert ce.entropy([0.5, 0.25, 0.25]) == pytest.approx(1.5 * np.log(2), rel=1e-14)
    # 0 log 0 = 0: a certain outcome has no entropy, an impossible class adds nothing.
    assert ce.entropy([1.0, 0.0]) == 0.0
    assert ce.entropy([0.5, 0.0, 0.5]) == pytest.approx(np.log(2), rel=1e-14)


def test_kl_divergence_by_hand_and_the_zero_log_zero_convention():
    assert ce.kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * np.log(2) + 0.5 * np.log(2 / 3), rel=1e-14
    )
    assert ce.kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * np.log(4 / 3), rel=1e-14
    )
    # 0 log(0 / q) = 0, also where q = 0; p > 0 = q costs infinity.
    assert ce.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2), rel=1e-14)
    assert ce.kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert ce.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    p = np.array([0.2, 0.5, 0.3, 0.0])
    assert ce.kl_divergence(p, p) == 0.0


def test_entropy_and_kl_against_scipy_stats():
    p = np.array([0.2, 0.5, 0.3, 0.0])
    q = np.array([0.1, 0.6, 0.2, 0.1])
    assert ce.entropy(p) == pytest.approx(stats.entropy(p), rel=1e-14)
    assert ce.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-14)


def test_kl_divergence_broadcasts_rows():
    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(3), size=5)
    q = np.array([0.2, 0.3, 0.5])
    out = ce.kl_divergence(p, q)
    assert out.shape == (5,)
    np.testing.assert_allclose(out, [stats.entropy(row, q) for row in p], rtol=1e-13)
    np.testing.assert_allclose(ce.entropy(p), [stats.entropy(row) for row in p], rtol=1e-13)


@settings(max_examples=50, deadline=None)
@given(_simplex_rows(4), _simplex_rows(4))
def test_cross_entropy_is_entropy_plus_kl(p, q):
    # Three separate computations: the expected log score, the entropy and the divergence.
    assert ce.expected_score(p, q, "log") == pytest.approx(
        ce.entropy(p) + ce.kl_divergence(p, q), rel=1e-12
    )
    assert ce.cross_entropy(p[None], q[None])[0] == pytest.approx(
        ce.entropy(p) + ce.kl_divergence(p, q), rel=1e-12
    )
    assert ce.kl_divergence(p, q) >= -1e-15


# --- expected scores and propriety -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(_simplex_rows(3), _simplex_rows(3))
def test_expected_scores_match_closed_forms(p, q):
    brier = 1 - p @ p + (q - p) @ (q - p)
    assert ce.expected_score(p, q, "brier") == pytest.approx(brier, rel=1e-12)
    assert ce.expected_score(p, q, "absolute") == pytest.approx(2 * (1 - p @ q), rel=1e-12)
    # Propriety: the truthful forecast never scores worse in expectation.
    for rule in ("log", "brier"):
        assert ce.expected_score(p, p, rule) <= ce.expected_score(p, q, rule) + 1e-12


def test_expected_score_is_a_monte_carlo_mean():
    rng = np.random.default_rng(0)
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.3, 0.3, 0.4])
    y = rng.choice(3, size=200_000, p=p)
    h = ce.one_hot(y, 3)
    qs = np.broadcast_to(q, h.shape)
    for rule, fn in (
        ("log", ce.cross_entropy),
        ("brier", ce.brier_score),
        ("absolute", ce.absolute_score),
    ):
        s = fn(h, qs)
        se = s.std() / np.sqrt(s.size)
        assert abs(s.mean() - ce.expected_score(p, q, rule)) < 5 * se


def test_propriety_by_optimisation():
    p = np.array([0.2, 0.5, 0.3])

    def best(rule):
        res = optimize.minimize(
            lambda u: ce.expected_score(p, ce.softmax(u), rule),
            np.zeros(3),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14},
        )
        return ce.softmax(res.x)

    np.testing.assert_allclose(best("log"), p, atol=1e-4)
    np.testing.assert_allclose(best("brier"), p, atol=1e-4)
    assert best("absolute")[1] > 0.99  # all mass on the most probable class


def test_expected_score_broadcasts_and_handles_zero_probabilities():
    p = np.array([0.5, 0.5, 0.0])
    grid = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5], [1.0, 0.0, 0.0]])
    out = ce.expected_score(p, grid, "log")
    assert out.shape == (3,)
    np.testing.assert_allclose(out[:2], [np.log(2), np.log(4)], rtol=1e-14)
    assert out[2] == np.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ce.brier_score([[0.5, 0.5]], [[0.5, 0.5, 0.0]]), "same shape"),
        (lambda: ce.brier_score([[1.0, 0.0]], [[0.7, 0.7]]), "q rows must sum to 1"),
        (lambda: ce.absolute_score([[1.0, 0.0]], [[1.2, -0.2]]), "q has negative"),
        (lambda: ce.entropy([[0.5, np.nan]]), "p contains NaN"),
        (lambda: ce.kl_divergence([0.5, 0.5], [1 / 3] * 3), "broadcast"),
        (lambda: ce.expected_score([0.5, 0.5], [0.5, 0.5], "squared"), "rule must be one of"),
        (lambda: ce.expected_score("ab", [0.5, 0.5], "log"), "p must hold real numbers"),
    ],
)
def test_score_bad_inputs_name_the_problem(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --- scores of logits and their gradients ----------------------------------------------------


@pytest.mark.parametrize("rule", ["log", "brier"])
def test_score_logits_value_and_finite_difference_gradient(rule):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(7, 4))
    y = rng.integers(4, size=7)
    value, grad = ce.score_logits(y, z, rule)
    h, q = ce.one_hot(y, 4), scipy.special.softmax(z, axis=1)
    expected = -np.log(q[np.arange(7), y]).sum() if rule == "log" else ((q - h) ** 2).sum()
    assert value == pytest.approx(expected, rel=1e-12)
    eps = 1e-6
    fd = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = eps
        up, down = ce.score_logits(y, z + e, rule)[0], ce.score_logits(y, z - e, rule)[0]
        fd[idx] = (up - down) / (2 * eps)
    # Central differences: truncation O(eps^2), rounding O(1e-16 * value / eps) ~ 1e-9.
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_score_logits_is_finite_for_extreme_logits():
    z = np.array([[1e4, -1e4, 0.0], [-800.0, 800.0, 0.0]])
    for rule in ("log", "brier"):
        value, grad = ce.score_logits([1, 0], z, rule)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    # Both samples are certain of the wrong class: the log score is the logit gap, Brier is 2.
    assert ce.score_logits([1, 0], z, "log")[0] == pytest.approx(2e4 + 1600.0, rel=1e-15)
    assert ce.score_logits([1, 0], z, "brier")[0] == pytest.approx(4.0, rel=1e-15)


def test_score_logits_rejects_an_unknown_rule():
    with pytest.raises(ValueError, match="rule must be one of"):
        ce.score_logits([0, 1], np.zeros((2, 2)), "absolute")
