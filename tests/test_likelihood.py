"""The likelihood as a function of theta: grid evaluation and its integral."""

import numpy as np
import pytest
from scipy import integrate

import cross_entropy_mle as ce
from cross_entropy_mle import log_integral, log_likelihood_grid


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    W = np.array([[0.0, 0.0], [1.0, -1.0], [-0.5, 0.7]])
    X, y, _ = ce.simulate(60, W, np.array([0.0, 0.2, -0.1]), rng)
    return X, y


def test_grid_equals_negative_nll_at_each_point(data):
    X, y = data
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(25, 3, 2))
    bias = rng.normal(size=(25, 3))
    got = log_likelihood_grid(X, y, weights, bias)
    assert got.shape == (25,)
    expected = [
        -ce.negative_log_likelihood(y, ce.linear_predictor(X, w, b))
        for w, b in zip(weights, bias, strict=True)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_chunk_size_does_not_change_the_values(data):
    X, y = data
    rng = np.random.default_rng(2)
    weights, bias = rng.normal(size=(11, 3, 2)), rng.normal(size=(11, 3))
    np.testing.assert_allclose(
        log_likelihood_grid(X, y, weights, bias, chunk_size=1),
        log_likelihood_grid(X, y, weights, bias, chunk_size=4),
        rtol=1e-14,
    )


def test_grid_is_finite_for_huge_parameters(data):
    X, y = data
    weights = np.zeros((2, 3, 2))
    weights[:, 1, 0] = [1e5, -1e5]
    out = log_likelihood_grid(X, y, weights, np.zeros((2, 3)))
    assert np.all(np.isfinite(out)) and np.all(out <= 0)


def test_intercept_only_grid():
    y = np.array([0, 1, 1, 1])
    bias = np.array([[0.0, b] for b in np.linspace(-3, 3, 7)])
    out = log_likelihood_grid(np.empty((4, 0)), y, np.empty((7, 2, 0)), bias)
    p1 = 1 / (1 + np.exp(-bias[:, 1]))
    np.testing.assert_allclose(out, np.log(1 - p1) + 3 * np.log(p1), rtol=1e-12)


def test_log_integral_of_a_gaussian():
    # int exp(-t^2 / (2 s^2)) dt = sqrt(2 pi) s; the grid covers +-12 s, where the tails are
    # below exp(-72), and the trapezoid rule is spectrally accurate for this integrand.
    s = 0.7
    t = np.linspace(-12 * s, 12 * s, 2001)
    f = -(t**2) / (2 * s**2)
    assert log_integral(f, t) == pytest.approx(np.log(np.sqrt(2 * np.pi) * s), abs=1e-10)


@pytest.mark.parametrize("offset", [-1e4, -1e5, 1e3])
def test_log_integral_does_not_underflow(offset):
    # exp(-1e4) is 0 in floating point; the log of the integral is still exact.
    s = 1.3
    t = np.linspace(-15 * s, 15 * s, 3001)
    f = -(t**2) / (2 * s**2) + offset
    value = log_integral(f, t)
    assert np.isfinite(value)
    assert value == pytest.approx(offset + np.log(np.sqrt(2 * np.pi) * s), rel=1e-14, abs=1e-9)


def test_log_integral_of_a_two_dimensional_likelihood_against_scipy():
    # Binary logistic regression: theta = (bias, weight) of class 1, a 2-D likelihood surface.
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    y = (rng.random(30) < 1 / (1 + np.exp(-(0.5 + 1.5 * x)))).astype(int)
    X = x[:, None]
    b_axis = np.linspace(-4, 5, 361)
    w_axis = np.linspace(-3, 7, 401)
    B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
    weights = np.zeros((B.size, 2, 1))
    weights[:, 1, 0] = Wg.ravel()
    bias = np.zeros((B.size, 2))
    bias[:, 1] = B.ravel()
    f = log_likelihood_grid(X, y, weights, bias).reshape(B.shape)
    top = f.max()

    def lik(w, b):
        z = b + w * x
        return np.exp(np.sum(y * z - np.logaddexp(0, z)) - top)

    ref, err = integrate.dblquad(
        lik, b_axis[0], b_axis[-1], w_axis[0], w_axis[-1], epsabs=0, epsrel=1e-10
    )
    # Trapezoid error bound on the box: area * (hb^2 max|g_bb| + hw^2 max|g_ww|) / 12, with the
    # second derivatives of g = exp(f - top) estimated by finite differences on the grid.
    g = np.exp(f - top)
    hb, hw = np.diff(b_axis)[0], np.diff(w_axis)[0]
    g_bb = np.abs(np.diff(g, 2, axis=0)).max() / hb**2
    g_ww = np.abs(np.diff(g, 2, axis=1)).max() / hw**2
    area = (b_axis[-1] - b_axis[0]) * (w_axis[-1] - w_axis[0])
    bound = area * (hb**2 * g_bb + hw**2 * g_ww) / 12
    fine = np.exp(log_integral(f, b_axis, w_axis) - top)
    assert abs(fine - ref) <= bound + err
    # A sharper check: the trapezoid error is O(h^2), so halving the resolution multiplies it by
    # about 4 and (coarse - fine) / 3 estimates the fine grid's error (Richardson).
    coarse = np.exp(log_integral(f[::2, ::2], b_axis[::2], w_axis[::2]) - top)
    estimate = abs(coarse - fine) / 3
    assert abs(fine - ref) <= 2 * estimate + 1e-10 * ref + err


def test_log_integral_all_minus_infinity():
    assert log_integral(np.full(3, -np.inf), np.arange(3.0)) == -np.inf


def test_log_integral_of_a_constant_is_the_log_area():
    a, b = np.linspace(0, 2, 5), np.linspace(-1, 2, 7)
    assert log_integral(np.full((5, 7), -3.0), a, b) == pytest.approx(np.log(6.0) - 3.0, rel=1e-14)


@pytest.mark.parametrize(
    "values, axes, match",
    [
        (np.zeros(3), (), "needs one coordinate array"),
        (np.zeros((3, 3)), (np.arange(3.0),), "2 dimensions but 1 axes"),
        (np.zeros(3), (np.arange(4.0),), r"axes\[0\] must have 3 >= 2 points"),
        (np.zeros(1), (np.arange(1.0),), r"axes\[0\] must have 1 >= 2 points"),
        (np.zeros(3), (np.array([0.0, 2.0, 1.0]),), r"axes\[0\] must be strictly increasing"),
        (np.zeros(3), (np.array([0.0, 1.0, 1.0]),), r"axes\[0\] must be strictly increasing"),
        (np.array([0.0, np.nan, 0.0]), (np.arange(3.0),), "log_values contains NaN"),
        (np.array([0.0, np.inf, 0.0]), (np.arange(3.0),), r"log_values contains NaN or \+inf"),
        (np.zeros(3), (np.array([0.0, np.nan, 1.0]),), r"axes\[0\] contains NaN"),
    ],
)
def test_log_integral_bad_input(values, axes, match):
    with pytest.raises(ValueError, match=match):
        log_integral(values, *axes)


@pytest.mark.parametrize(
    "weights, bias, y, match",
    [
        (np.zeros((4, 3, 3)), np.zeros((4, 3)), None, "weights must have shape"),
        (np.zeros((4, 3, 2)), np.zeros((5, 3)), None, "weights must have shape"),
        (np.zeros((3, 2)), np.zeros((4, 3)), None, "weights must have 3 dimension"),
        (np.zeros((4, 3, 2)), np.zeros((4, 3)), "short", "X has 60 rows but y has 59 labels"),
        (np.zeros((4, 3, 2)), np.zeros((4, 2)), None, "weights must have shape"),
        (np.full((4, 3, 2), np.nan), np.zeros((4, 3)), None, "weights contains NaN"),
    ],
)
def test_log_likelihood_grid_bad_input(data, weights, bias, y, match):
    X, labels = data
    if y == "short":
        labels = labels[:-1]
    with pytest.raises(ValueError, match=match):
        log_likelihood_grid(X, labels, weights, bias)


def test_log_likelihood_grid_label_out_of_range(data):
    X, y = data
    with pytest.raises(ValueError, match="y has label 2 but n_classes=2"):
        log_likelihood_grid(X, y, np.zeros((3, 2, 2)), np.zeros((3, 2)))


@pytest.mark.parametrize(
    "chunk_size, exc, match",
    [
        (0, ValueError, "chunk_size must be at least 1, got 0"),
        (-1, ValueError, "chunk_size must be at least 1, got -1"),
        (1.5, TypeError, "chunk_size must be an integer, got float"),
        (True, TypeError, "chunk_size must be an integer, got bool"),
    ],
)
def test_log_likelihood_grid_bad_chunk_size(data, chunk_size, exc, match):
    X, y = data
    with pytest.raises(exc, match=match):
        log_likelihood_grid(X, y, np.zeros((2, 3, 2)), np.zeros((2, 3)), chunk_size=chunk_size)
