"""The simulated generative process: x ~ p(x), y ~ Cat(softmax(W x + b))."""

import numpy as np
import pytest

import cross_entropy_mle as ce

W = np.array([[0.0, 0.0], [1.0, -0.5], [-0.8, 1.2]])
B = np.array([0.0, 0.3, -0.4])
MEANS = np.array([[-3.0, 0.0], [3.0, 2.0]])


def test_shapes_dtypes_and_unpacking():
    data = ce.simulate(50, W, B, np.random.default_rng(0))
    X, y, p = data
    assert X.shape == (50, 2) and y.shape == (50,) and p.shape == (50, 3)
    assert y.dtype == np.int64 and X.dtype == np.float64
    assert data.X is X and data.y is y and data.probabilities is p
    assert set(np.unique(y)) <= {0, 1, 2}


def test_probabilities_are_the_softmax_of_the_true_logits():
    X, _, p = ce.simulate(100, W, B, np.random.default_rng(1))
    z = X @ W.T + B
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, expected, rtol=1e-13)


def test_reproducible_with_the_same_seed():
    a = ce.simulate(200, W, B, np.random.default_rng(42))
    b = ce.simulate(200, W, B, np.random.default_rng(42))
    c = ce.simulate(200, W, B, np.random.default_rng(43))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.X, c.X)


def test_the_generator_advances():
    rng = np.random.default_rng(7)
    a = ce.simulate(30, W, B, rng)
    b = ce.simulate(30, W, B, rng)
    assert not np.array_equal(a.X, b.X)


@pytest.mark.parametrize("features", ["normal", "mixture"])
def test_label_frequencies_match_the_true_probabilities(features):
    n = 20_000
    X, y, p = ce.simulate(n, W, B, np.random.default_rng(5), features=features, means=MEANS)
    counts = np.bincount(y, minlength=3)
    # Given X the count of class k is a sum of independent Bernoulli(p_ik): its mean is sum_i p_ik
    # and its variance sum_i p_ik (1 - p_ik). Five standard deviations: a false alarm has
    # probability below 1e-6 per class.
    mean = p.sum(axis=0)
    sd = np.sqrt((p * (1 - p)).sum(axis=0))
    assert np.all(np.abs(counts - mean) <= 5 * sd), (counts, mean, sd)


def test_labels_follow_probabilities_row_by_row():
    # Strongly separated true probabilities: a label drawn against its own row's probabilities
    # lands on the row's likely class; shuffled rows would not.
    Wbig = 20 * W
    X, y, p = ce.simulate(2000, Wbig, B, np.random.default_rng(9))
    confident = p.max(axis=1) > 0.999
    assert confident.sum() > 1000
    mismatches = (y[confident] != p[confident].argmax(axis=1)).sum()
    # Expected mismatches: sum of (1 - max p) over those rows, at most 1e-3 each.
    expected = (1 - p[confident].max(axis=1)).sum()
    assert mismatches <= expected + 5 * np.sqrt(expected) + 1


def test_standard_normal_features():
    X = ce.sample_features(40_000, 3, np.random.default_rng(11))
    # Mean of N draws of N(0, 1): standard error 1/sqrt(N); variance: sd sqrt(2/N).
    assert np.all(np.abs(X.mean(axis=0)) <= 5 / np.sqrt(X.shape[0]))
    assert np.all(np.abs(X.var(axis=0) - 1) <= 5 * np.sqrt(2 / X.shape[0]))


def test_mixture_features():
    n, scale = 40_000, 0.5
    X = ce.sample_features(
        n, 2, np.random.default_rng(12), features="mixture", means=MEANS, scale=scale
    )
    # Every point lies near one of the component means (6 sd in each coordinate).
    dist = np.abs(X[:, None, :] - MEANS[None]).max(axis=2).min(axis=1)
    assert np.all(dist < 6 * scale)
    component = np.abs(X[:, None, :] - MEANS[None]).max(axis=2).argmin(axis=1)
    # Equal weights: the count of component 0 is Binomial(n, 1/2).
    assert abs((component == 0).sum() - n / 2) <= 5 * np.sqrt(n / 4)
    for m in range(2):
        pts = X[component == m]
        assert np.all(np.abs(pts.mean(axis=0) - MEANS[m]) <= 5 * scale / np.sqrt(len(pts)))
        assert np.all(np.abs(pts.std(axis=0) - scale) <= 5 * scale / np.sqrt(2 * len(pts)))


def test_zero_features():
    X, y, p = ce.simulate(10, np.zeros((2, 0)), [0.0, 1.0], np.random.default_rng(0))
    assert X.shape == (10, 0)
    np.testing.assert_allclose(p, np.tile(np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum(), (10, 1)))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0), np.random.default_rng])
def test_rng_must_be_a_generator(rng):
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        ce.simulate(5, W, B, rng)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n=0), ValueError, "n must be at least 1"),
        (dict(n=5.0), TypeError, "n must be an integer"),
        (dict(n=True), TypeError, "n must be an integer"),
        (dict(bias=[0.0]), ValueError, "bias must have at least 2 entries"),
        (dict(bias=[0.0, 1.0]), ValueError, "weights has 3 rows but bias has 2 classes"),
        (dict(weights=np.ones(3)), ValueError, "weights must have 2 dimension"),
        (dict(weights=np.full((3, 2), np.nan)), ValueError, "weights contains NaN"),
        (dict(bias=[0.0, np.inf, 1.0]), ValueError, "bias contains inf"),
        (dict(features="uniform"), ValueError, "features must be one of"),
        (dict(features="mixture"), ValueError, "needs means"),
        (dict(features="mixture", means=np.zeros((2, 3))), ValueError, "means must have 2 columns"),
        (dict(features="mixture", means=MEANS, scale=0.0), ValueError, "scale must be a positive"),
        (
            dict(features="mixture", means=MEANS, scale=np.nan),
            ValueError,
            "scale must be a positive",
        ),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(n=5, weights=W, bias=B, rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        ce.simulate(**args)


def test_sample_features_bad_dimension():
    with pytest.raises(ValueError, match="n_features must be at least 0"):
        ce.sample_features(3, -1, np.random.default_rng(0))
