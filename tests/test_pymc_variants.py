"""Tests for cross_entropy_mle.pymc_variants: the over-parametrised and zero-sum PyMC models."""

import logging
import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.inference import to_pivot
from cross_entropy_mle.pymc_variants import (
    capture_sampler_messages,
    overparametrised_model,
    zero_sum_model,
)

W_TRUE = np.array([[0.0, 0.0], [1.5, -0.5], [-1.0, 1.0]])
B_TRUE = np.array([0.0, 0.3, -0.2])


@pytest.fixture(scope="module")
def data():
    X, y, _ = ce.simulate(80, W_TRUE, B_TRUE, np.random.default_rng(0))
    return X, y


def _logp(model, point):
    return float(model.compile_logp()(point))


def test_overparametrised_flat_logp_is_the_log_likelihood_and_has_a_ridge(data):
    X, y = data
    model = overparametrised_model(X, y)
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    expected = -ce.negative_log_likelihood(y, ce.logits(X, W, b))
    assert _logp(model, {"W": W, "b": b}) == pytest.approx(expected, rel=1e-10)
    shifted = {"W": W + np.array([5.0, -3.0]), "b": b + 7.0}
    assert _logp(model, shifted) == pytest.approx(expected, rel=1e-10)


def test_overparametrised_normal_prior_breaks_the_ridge(data):
    X, y = data
    model = overparametrised_model(X, y, prior=2.0)
    W, b = np.zeros((3, 2)), np.zeros(3)
    shifted = {"W": W + 1.0, "b": b + 1.0}
    # the likelihood is unchanged; the prior loses 9 * 1 / (2 * 2^2)
    assert _logp(model, {"W": W, "b": b}) - _logp(model, shifted) == pytest.approx(9 / 8, rel=1e-10)
    assert {v.name for v in model.free_RVs} == {"W", "b"}
    assert model.named_vars_to_dims["W"] == ("class", "feature")


def test_zero_sum_flat_map_is_the_mle(data):
    X, y = data
    model = zero_sum_model(X, y)
    with model:
        dt = pm.find_MAP(progressbar=False, jitter=False, return_inferencedata=True)
    post = dt.posterior.to_dataset()
    W = post["W"].values[0, 0]  # (feature, class)
    b = post["b"].values[0, 0]
    np.testing.assert_allclose(W.sum(axis=1), 0, atol=1e-10)
    assert abs(b.sum()) < 1e-10
    mle = ce.fit_cross_entropy(X, y)
    Wp, bp = to_pivot(W.T, b)
    np.testing.assert_allclose(Wp, mle.weights, atol=1e-4)
    np.testing.assert_allclose(bp, mle.bias, atol=1e-4)


def test_zero_sum_normal_prior_logp(data):
    """ZeroSumNormal's density on the subspace is the normal density of the constrained values."""
    X, y = data
    sigma = 1.5
    model = zero_sum_model(X, y, prior=sigma)
    assert model.named_vars_to_dims["W"] == ("feature", "class")
    rng = np.random.default_rng(2)

    def point(seed_shift):
        W = rng.normal(size=(2, 3)) + seed_shift
        b = rng.normal(size=3)
        return W - W.mean(axis=1, keepdims=True), b - b.mean()

    (W1, b1), (W2, b2) = point(0.0), point(1.0)
    diff_lik = ce.negative_log_likelihood(y, ce.logits(X, W2.T, b2)) - ce.negative_log_likelihood(
        y, ce.logits(X, W1.T, b1)
    )
    diff_prior = (np.sum(W2**2) + np.sum(b2**2) - np.sum(W1**2) - np.sum(b1**2)) / (2 * sigma**2)
    # logp is evaluated at the untransformed values through the model's value variables
    logp = model.compile_logp(jacobian=False)
    ip = model.initial_point()
    assert set(ip) == {"W_zerosum__", "b_zerosum__"}
    tr_W = model.rvs_to_transforms[model["W"]]
    tr_b = model.rvs_to_transforms[model["b"]]

    def at(W, b):
        values = {"W_zerosum__": tr_W.forward(pt.as_tensor(W)), "b_zerosum__": tr_b.forward(pt.as_tensor(b))}
        return float(logp({k: v.eval() for k, v in values.items()}))

    assert at(W1, b1) - at(W2, b2) == pytest.approx(diff_lik + diff_prior, rel=1e-8)


@pytest.mark.parametrize("builder", [overparametrised_model, zero_sum_model])
@pytest.mark.parametrize(("prior", "error"), [(0.0, ValueError), (-1.0, ValueError), ("wide", TypeError)])
def test_models_reject_bad_priors(data, builder, prior, error):
    X, y = data
    with pytest.raises(error, match="prior"):
        builder(X, y, prior=prior)


@pytest.mark.parametrize("builder", [overparametrised_model, zero_sum_model])
def test_models_reject_bad_data(data, builder):
    X, y = data
    with pytest.raises(ValueError, match="rows"):
        builder(X[:-1], y)
    with pytest.raises(ValueError, match="negative labels"):
        builder(X, y - 1)


def test_models_accept_new_data_of_another_length(data):
    X, y = data
    model = zero_sum_model(X, y)
    with model:
        pm.set_data({"X": X[:10], "y": y[:10]}, coords={"obs": np.arange(10)})
    assert model["X"].get_value().shape == (10, 2)


def test_capture_sampler_messages_collects_and_restores():
    log = logging.getLogger("pymc")
    before = (log.level, log.propagate, list(log.handlers))
    with capture_sampler_messages() as messages:
        log.info("sampling started")
        logging.getLogger("pymc.sampling").warning("reached the maximum tree depth")
        warnings.warn("r_hat is large", UserWarning)
    assert messages == [
        "INFO: sampling started",
        "WARNING: reached the maximum tree depth",
        "UserWarning: r_hat is large",
    ]
    assert (log.level, log.propagate, list(log.handlers)) == before


@pytest.mark.parametrize("category", [DeprecationWarning, FutureWarning, PendingDeprecationWarning])
def test_capture_sampler_messages_never_hides_deprecations(category):
    with pytest.warns(category, match="old API"):
        with capture_sampler_messages() as messages:
            warnings.warn("old API", category)
    assert messages == []


def test_capture_sampler_messages_rejects_a_logger_object():
    with pytest.raises(TypeError, match="logger"):
        with capture_sampler_messages(logging.getLogger("pymc")):
            pass


@pytest.mark.slow
def test_overparametrised_flat_posterior_drifts_along_the_ridge(data):
    X, y = data
    with overparametrised_model(X, y), capture_sampler_messages():
        dt = pm.sample(draws=200, tune=200, chains=2, progressbar=False, random_seed=3,
                       max_treedepth=6, compute_convergence_checks=False, var_names=["W", "b"])
    W = dt.posterior.to_dataset()["W"].values.reshape(-1, 3, 2)
    raw_sd = W.std(axis=0)[1]
    contrast_sd = (W[:, 1] - W[:, 0]).std(axis=0)
    assert np.all(raw_sd > 5 * contrast_sd)
