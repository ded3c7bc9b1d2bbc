"""Standardised features and the parameter maps back to the original ones."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cross_entropy_mle as ce
from cross_entropy_mle.standardise import standardise


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(-300.0, 300.0), st.floats(-5.0, 5.0))
def test_columns_have_mean_zero_and_unit_spread(seed, log_scale, shift):
    rng = np.random.default_rng(seed)
    s = 10.0**log_scale
    X = (rng.normal(size=(50, 3)) + shift) * s
    U, st_ = standardise(X)
    np.testing.assert_allclose(U.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.sqrt((U**2).mean(axis=0)), 1.0, rtol=1e-12)
    np.testing.assert_allclose(st_.apply(X), U, rtol=1e-12, atol=1e-12)


def test_logits_are_unchanged_by_the_parameter_map():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * [1e-6, 1.0, 1e6] + [3e-6, -2.0, 5e6]
    U, st_ = standardise(X)
    theta_u = rng.normal(size=2 * 4)
    theta_x = st_.params_to_original(theta_u, 2)
    Wu, bu = ce.unpack_params(theta_u, 3, 3)
    Wx, bx = ce.unpack_params(theta_x, 3, 3)
    np.testing.assert_allclose(
        ce.linear_predictor(X, Wx, bx), ce.linear_predictor(U, Wu, bu), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(st_.params_to_standardised(theta_x, 2), theta_u, rtol=1e-12)


def test_gradient_map_is_the_chain_rule():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(60, 2)) * [10.0, 0.1] + [5.0, -1.0], rng.integers(0, 3, 60)
    U, st_ = standardise(X)
    theta_u = rng.normal(size=6)
    g_u = ce.SoftmaxRegressionLoss(U, y).loss_gradient(theta_u)[1]
    g_x = ce.SoftmaxRegressionLoss(X, y).loss_gradient(st_.params_to_original(theta_u, 2))[1]
    np.testing.assert_allclose(st_.gradient_to_original(g_u, 2), g_x, rtol=1e-9, atol=1e-12)


def test_constant_column_keeps_scale_one():
    X = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    U, st_ = standardise(X)
    assert st_.scale[1] == 1.0
    np.testing.assert_array_equal(U[:, 1], 0.0)


@pytest.mark.parametrize("centre", [True, False])
def test_no_centring_keeps_the_mean(centre):
    X = np.random.default_rng(2).normal(size=(30, 2)) + 4.0
    _, st_ = standardise(X, centre=centre)
    assert (np.abs(st_.mean) > 1).all() == centre
