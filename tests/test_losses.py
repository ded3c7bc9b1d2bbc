"""Cross entropy, the categorical likelihood and their stable computation."""

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import log_loss

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


def random_problem(seed, n=40, d=3, k=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(k, d))
    b = rng.normal(size=k)
    y = rng.integers(0, k, size=n)
    return X, y, W, b


# --- values against independent references ---------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (7, 3), (2, 4, 6)])
def test_log_softmax_and_softmax_match_scipy(shape):
    z = np.random.default_rng(1).normal(scale=10.0, size=shape)
    np.testing.assert_allclose(ce.log_softmax(z), scipy.special.log_softmax(z, axis=-1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ce.softmax(z), scipy.special.softmax(z, axis=-1), rtol=1e-12, atol=1e-15)


@SETTINGS
@given(logits_and_labels())
def test_log_softmax_matches_scipy_property(case):
    z, _ = case
    np.testing.assert_allclose(ce.log_softmax(z), scipy.special.log_softmax(z, axis=-1), rtol=1e-12, atol=1e-11)


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
    assert per_sample.sum() == pytest.approx(log_loss(y, q, labels=np.arange(k), normalize=False), rel=1e-12)


def test_hand_computed_values():
    # Two classes with logits (0, log 3): probabilities (1/4, 3/4).
    z = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(ce.softmax(z), [[0.25, 0.75]] * 2)
    assert ce.negative_log_likelihood([0, 1], z) == pytest.approx(-np.log(0.25) - np.log(0.75), rel=1e-14)
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


# --- logits and the gradient ------------------------------------------------------------------


def test_logits():
    X, _, W, b = random_problem(0)
    np.testing.assert_allclose(ce.logits(X, W, b), X @ W.T + b, rtol=1e-14)
    assert ce.logits(np.ones((3, 0)), np.ones((2, 0)), [1.0, 2.0]).shape == (3, 2)


@pytest.mark.parametrize("seed", range(3))
def test_nll_grad_value_and_finite_differences(seed):
    X, y, W, b = random_problem(seed)
    nll, gW, gb = ce.nll_grad(y, X, W, b)
    assert nll == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, W, b)), rel=1e-13)
    h = 1e-6
    for grad, param in ((gW, W), (gb, b)):
        assert grad.shape == param.shape
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            up, down = param.copy(), param.copy()
            up[idx] += h
            down[idx] -= h
            args_up = (up, b) if param is W else (W, up)
            args_down = (down, b) if param is W else (W, down)
            numeric[idx] = (ce.nll_grad(y, X, *args_up)[0] - ce.nll_grad(y, X, *args_down)[0]) / (2 * h)
        # Central differences: truncation O(h^2) and rounding O(eps * nll / h).
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * max(1.0, nll))


def test_gradient_is_sum_of_residuals_times_features():
    X, y, W, b = random_problem(4)
    q = ce.softmax(ce.logits(X, W, b))
    resid = q - ce.one_hot(y, 4)
    _, gW, gb = ce.nll_grad(y, X, W, b)
    np.testing.assert_allclose(gW, resid.T @ X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, resid.sum(axis=0), rtol=1e-12, atol=1e-12)


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
    with pytest.raises(ValueError, match="logits must have a last axis"):
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


def test_logits_and_nll_grad_shape_mismatch():
    X, y, W, b = random_problem(0)
    with pytest.raises(ValueError, match="weights must have shape"):
        ce.logits(X, W[:, :2], b)
    with pytest.raises(ValueError, match="weights must have shape"):
        ce.logits(X, W, b[:3])
    with pytest.raises(ValueError, match="y has 39 samples but X has 40 rows"):
        ce.nll_grad(y[:-1], X, W, b)
    with pytest.raises(ValueError, match="X contains NaN"):
        ce.nll_grad(y, np.where(X > 1, np.nan, X), W, b)
    with pytest.raises(ValueError, match="bias contains inf"):
        ce.logits(X, W, np.array([0.0, np.inf, 0.0, 0.0]))


def test_finite_up_to_1e307():
    z = np.array([[8e306, -8e306, 0.0]])
    ls = ce.log_softmax(z)
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls, [[0.0, -1.6e307, -8e306]], rtol=1e-15)
    assert ce.negative_log_likelihood([2], z) == pytest.approx(8e306, rel=1e-15)
