"""The softmax-regression model: logits, probabilities and the pivot parametrisation."""

import numpy as np
import pytest

import cross_entropy_mle as ce


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    W[0], b[0] = 0.0, 0.0
    theta = ce.pack_params(W, b)
    assert theta.shape == (3 * 4,)
    np.testing.assert_array_equal(theta[:4], [b[1], *W[1]])
    W2, b2 = ce.unpack_params(theta, 4, 3)
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)


def test_to_pivot_keeps_probabilities():
    rng = np.random.default_rng(13)
    X, W, b = rng.normal(size=(20, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    Wp, bp = ce.to_pivot(W, b)
    np.testing.assert_array_equal(Wp[0], 0.0)
    np.testing.assert_allclose(
        ce.softmax(ce.linear_predictor(X, Wp, bp)),
        ce.softmax(ce.linear_predictor(X, W, b)),
        rtol=1e-13,
    )


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros((3, 2)), np.zeros((3, 3)), np.zeros(3)), "weights must have shape"),
        ((np.zeros((3, 2)), np.zeros((2, 2)), np.zeros((2, 1))), "bias must have 1 dimension"),
    ],
)
def test_linear_predictor_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ce.linear_predictor(*args)


def test_linear_predictor_is_x_w_plus_b():
    rng = np.random.default_rng(14)
    X, W, b = rng.normal(size=(7, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    expected = np.array([[W[k] @ x + b[k] for k in range(4)] for x in X])
    np.testing.assert_allclose(ce.linear_predictor(X, W, b), expected, rtol=1e-14)
    assert ce.linear_predictor(np.zeros((3, 0)), np.zeros((2, 0)), [0.0, 1.0]).shape == (3, 2)


def test_to_pivot_on_batches_of_draws():
    rng = np.random.default_rng(15)
    W, b = rng.normal(size=(5, 4, 3, 2)), rng.normal(size=(5, 4, 3))
    Wp, bp = ce.to_pivot(W, b)
    np.testing.assert_allclose(Wp, W - W[..., :1, :])
    np.testing.assert_allclose(bp, b - b[..., :1])


@pytest.mark.parametrize(
    "W, b, match",
    [
        (np.zeros((3, 2)), np.zeros(4), "weights must have shape"),
        (np.zeros((1, 2)), np.zeros(1), "at least 2 classes"),
        (np.zeros((3, 2)), np.array([0.0, np.nan, 1.0]), "bias contains NaN"),
    ],
)
def test_to_pivot_bad_input(W, b, match):
    with pytest.raises(ValueError, match=match):
        ce.to_pivot(W, b)


def test_unpack_params_checks_the_length():
    with pytest.raises(ValueError, match="theta must have"):
        ce.unpack_params(np.zeros(5), 3, 2)
