"""Tests for cross_entropy_mle.pymc.models: the PyMC softmax-regression models and their MAP.

The agreement checks use the core's one objective, SoftmaxRegressionLoss. Log densities are
compiled with mode="FAST_COMPILE" (one-off evaluations; numba's first compile is slow), and
the MAP tests share one compiled flat model and one Normal-prior model.
"""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
import xarray as xr
from scipy import stats

import cross_entropy_mle as ce
from cross_entropy_mle.convergence import ConvergenceWarning
from cross_entropy_mle.model import pack_params, to_pivot
from cross_entropy_mle.objective import SoftmaxRegressionLoss
from cross_entropy_mle.pymc.map import OptimizerOutcome, fit_map, map_status, optimizer_outcome
from cross_entropy_mle.pymc.models import (
    check_prior,
    overparametrised_model,
    prior_sd,
    softmax_regression_model,
    zero_sum_model,
)

W_TRUE = np.array([[0.0, 0.0], [1.0, -0.5], [-0.8, 1.2]])
B_TRUE = np.array([0.0, 0.3, -0.4])
SIGMA = 0.5


@pytest.fixture(scope="module")
def data():
    X, y, _ = ce.simulate(200, W_TRUE, B_TRUE, np.random.default_rng(0))
    return X, y


@pytest.fixture(scope="module")
def mle(data):
    return ce.fit_cross_entropy(*data)


@pytest.fixture(scope="module")
def flat_model(data):
    return softmax_regression_model(*data)


@pytest.fixture(scope="module")
def normal_model(data):
    return softmax_regression_model(*data, prior=SIGMA)


@pytest.fixture(scope="module")
def flat_map(flat_model):
    return fit_map(flat_model)


def _logp(model, point, **kwargs):
    return float(model.compile_logp(mode="FAST_COMPILE", **kwargs)(point))


def _free(theta):
    """The pivot model's point at packed parameters theta (K = 3, d = 2)."""
    W, b = ce.unpack_params(theta, 3, 2)
    return {"W_free": W[1:], "b_free": b[1:]}


# --- the lazy names ---------------------------------------------------------------------------


def test_the_package_serves_the_layer_names():
    from cross_entropy_mle.pymc import map as pymc_map
    from cross_entropy_mle.pymc import models

    for name in ("softmax_regression_model", "overparametrised_model", "zero_sum_model"):
        assert getattr(ce, name) is getattr(models, name)
    assert ce.fit_map is pymc_map.fit_map


# --- structure ------------------------------------------------------------------------------------


def test_coords_and_dims(flat_model):
    coords = flat_model.coords
    assert list(coords["obs"]) == list(range(200))
    assert list(coords["feature"]) == ["x0", "x1"]
    assert list(coords["class"]) == [0, 1, 2]
    assert list(coords["class_free"]) == [1, 2]
    dims = flat_model.named_vars_to_dims
    assert dims["W_free"] == ("class_free", "feature")
    assert dims["b_free"] == ("class_free",)
    assert dims["logits"] == ("obs", "class")
    assert dims["y_obs"] == ("obs",)
    assert dims["X"] == ("obs", "feature")
    assert dims["y"] == ("obs",)


def test_variables_and_data_nodes(flat_model, data):
    X, y = data
    assert {v.name for v in flat_model.free_RVs} == {"W_free", "b_free"}
    assert [v.name for v in flat_model.observed_RVs] == ["y_obs"]
    assert [v.name for v in flat_model.deterministics] == ["logits"]
    assert {v.name for v in flat_model.data_vars} == {"X", "y"}
    np.testing.assert_array_equal(flat_model["X"].get_value(), X)
    np.testing.assert_array_equal(flat_model["y"].get_value(), y)
    assert np.issubdtype(flat_model["y"].get_value().dtype, np.integer)


def test_flat_and_normal_priors(flat_model, normal_model):
    assert prior_sd(flat_model, ("W_free", "b_free")) is None
    assert prior_sd(normal_model, ("W_free", "b_free")) == SIGMA


def test_n_classes_widens_the_class_coordinates(data):
    model = softmax_regression_model(*data, n_classes=5)
    assert list(model.coords["class"]) == [0, 1, 2, 3, 4]
    assert list(model.coords["class_free"]) == [1, 2, 3, 4]


BUILDERS = [softmax_regression_model, overparametrised_model, zero_sum_model]
BAD_PRIORS = [
    (-1.0, ValueError, "prior sd must be a positive finite number"),
    (0, ValueError, "prior sd must be a positive finite number"),
    (np.inf, ValueError, "prior sd must be a positive finite number"),
    (np.nan, ValueError, "prior sd must be a positive finite number"),
    ("normal", TypeError, 'prior must be "flat" or a positive number'),
    (True, TypeError, 'prior must be "flat" or a positive number'),
    (None, TypeError, 'prior must be "flat" or a positive number'),
]


@pytest.mark.parametrize("prior, exc, match", BAD_PRIORS)
def test_check_prior_rejects(prior, exc, match):
    with pytest.raises(exc, match=match):
        check_prior(prior)


def test_check_prior_accepts():
    assert check_prior("flat") is None
    assert check_prior(2) == 2.0 and isinstance(check_prior(2), float)
    assert check_prior(np.float32(0.5)) == 0.5
    with pytest.raises(ValueError, match="tau sd must be"):
        check_prior(-1.0, "tau")


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize("prior, exc, match", BAD_PRIORS)
def test_builders_reject_bad_priors(data, builder, prior, exc, match):
    with pytest.raises(exc, match=match):
        builder(*data, prior=prior)


@pytest.mark.parametrize("builder", BUILDERS)
def test_builders_reject_bad_data(data, builder):
    X, y = data
    with pytest.raises(ValueError, match="X contains NaN"):
        builder(np.array([[0.0], [np.nan]]), [0, 1])
    with pytest.raises(ValueError, match="X has 199 rows but y has 200 labels"):
        builder(X[:-1], y)
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        builder(np.zeros((2, 1)), [0, 0.5])
    with pytest.raises(ValueError, match="negative labels"):
        builder(X, y - 1)


def test_prior_sd_rejects_other_and_mixed_priors():
    with pm.Model() as model:
        pm.Flat("a", shape=2)
        pm.Normal("b", 0.0, 2.0, shape=2)
        pm.Normal("c", 1.0, 2.0)
        pm.Normal("d", 0.0, np.array([1.0, 2.0]))
        pm.HalfNormal("e", 1.0)
        pm.Normal("f", 0.0, 3.0)
    assert prior_sd(model, ["a"]) is None
    assert prior_sd(model, ["b"]) == 2.0
    with pytest.raises(ValueError, match="must share one prior"):
        prior_sd(model, ["a", "b"])
    with pytest.raises(ValueError, match="must share one prior"):
        prior_sd(model, ["b", "f"])
    with pytest.raises(ValueError, match="mu=1.0"):
        prior_sd(model, ["c"])
    with pytest.raises(ValueError, match="not constant scalars"):
        prior_sd(model, ["d"])
    with pytest.raises(ValueError, match="expected Flat or Normal"):
        prior_sd(model, ["e"])


def test_fit_map_rejects_bad_arguments(flat_model):
    with pytest.raises(TypeError, match="model must be a pymc.Model"):
        fit_map("model")
    with pytest.raises(ValueError, match="model lacks"):
        fit_map(pm.Model())
    with pytest.raises(ValueError, match="tol must be a positive finite number"):
        fit_map(flat_model, tol=0.0)
    with pytest.raises(ValueError, match="max_iter must be at least 1"):
        fit_map(flat_model, max_iter=0)


# --- the optimiser's report and the status ----------------------------------------------------


def test_optimizer_outcome_fails_closed_on_a_missing_report():
    empty = xr.DataTree()
    assert optimizer_outcome(empty).success is None
    no_success = xr.DataTree.from_dict({"optimizer_result": xr.Dataset({"nit": 7})})
    assert optimizer_outcome(no_success) == OptimizerOutcome(None, None, 7, "")
    full = xr.DataTree.from_dict(
        {
            "optimizer_result": xr.Dataset(
                {
                    "success": False,
                    "status": 1,
                    "nit": 500,
                    "message": "Maximum number of iterations",
                }
            )
        }
    )
    expected = OptimizerOutcome(False, 1, 500, "Maximum number of iterations")
    assert optimizer_outcome(full) == expected


def _never():
    raise AssertionError("the precision floor must not be checked here")


@pytest.mark.parametrize(
    "outcome, grad_norm, at_floor, expected",
    [
        (OptimizerOutcome(True, 0, 10, ""), 1e-9, _never, "gradient"),
        (OptimizerOutcome(None, None, -1, ""), 0.0, _never, "not certified"),
        (OptimizerOutcome(None, 0, 10, ""), 0.0, _never, "not certified"),
        (OptimizerOutcome(False, 1, 500, ""), 1e-9, _never, "max_iter"),
        (OptimizerOutcome(False, None, 500, ""), 1e-3, _never, "max_iter"),
        (OptimizerOutcome(False, 2, 30, ""), 1e-9, lambda: True, "floor"),
        (OptimizerOutcome(False, 2, 30, ""), 1e-9, lambda: False, "line search"),
        (OptimizerOutcome(True, 0, 30, ""), 1e-3, lambda: False, "line search"),
    ],
)
def test_map_status(outcome, grad_norm, at_floor, expected):
    assert map_status(outcome, grad_norm, 1e-8, 500, at_floor) == expected


# --- the log density and the MAP ----------------------------------------------------------------


@pytest.mark.slow
def test_flat_log_density_is_minus_the_objective(flat_model, data, mle):
    X, y = data
    obj = SoftmaxRegressionLoss(X, y, 3)
    rng = np.random.default_rng(1)
    thetas = [pack_params(mle.weights, mle.bias), *rng.normal(size=(3, 6))]
    logp = flat_model.compile_logp(mode="FAST_COMPILE")
    for theta in thetas:
        assert logp(_free(theta)) == pytest.approx(-obj.loss(theta), rel=1e-10)


@pytest.mark.slow
def test_normal_log_density_is_minus_the_penalised_objective(normal_model, data):
    X, y = data
    obj = SoftmaxRegressionLoss(X, y, 3, l2=np.full(3, SIGMA**-2))
    logp = normal_model.compile_logp(mode="FAST_COMPILE")
    constant = 6 * stats.norm.logpdf(0.0, scale=SIGMA)  # the normalising constants of 6 priors
    for theta in np.random.default_rng(2).normal(size=(3, 6)):
        assert logp(_free(theta)) == pytest.approx(constant - obj.loss(theta), rel=1e-10)


@pytest.mark.slow
def test_flat_prior_map_equals_the_cross_entropy_mle(flat_map, mle):
    assert flat_map.method == "pymc-map"
    assert flat_map.converged and flat_map.status == "gradient"
    assert isinstance(flat_map.model, ce.SoftmaxRegression)
    np.testing.assert_array_equal(flat_map.weights[0], 0.0)
    assert flat_map.bias[0] == 0.0
    np.testing.assert_allclose(flat_map.weights, mle.weights, rtol=0, atol=1e-6)
    np.testing.assert_allclose(flat_map.bias, mle.bias, rtol=0, atol=1e-6)
    assert flat_map.nll == pytest.approx(mle.nll, rel=1e-9)
    assert flat_map.objective == flat_map.nll


@pytest.mark.slow
def test_map_result_fields_are_those_of_the_one_objective(flat_map, data):
    X, y = data
    theta = pack_params(flat_map.weights, flat_map.bias)
    value, grad = SoftmaxRegressionLoss(X, y, 3).loss_gradient(theta)
    assert flat_map.nll == pytest.approx(value, rel=1e-14)
    assert flat_map.grad_norm == pytest.approx(np.abs(grad).max() / y.size, rel=1e-12)
    assert flat_map.grad_norm <= 1e-8
    assert flat_map.n_iter >= 1
    np.testing.assert_allclose(
        flat_map.predict_proba(X),
        ce.softmax(ce.linear_predictor(X, flat_map.weights, flat_map.bias)),
    )


@pytest.mark.slow
def test_normal_prior_map_equals_fit_l2(normal_model, data, mle):
    X, y = data
    fit = fit_map(normal_model)
    ref = ce.fit_l2(X, y, SIGMA, bias_sigma=SIGMA)
    assert fit.converged and fit.status == "gradient"
    theta = pack_params(fit.weights, fit.bias)
    np.testing.assert_allclose(theta, pack_params(ref.weights, ref.bias), rtol=0, atol=1e-6)
    assert fit.objective == pytest.approx(ref.objective, rel=1e-9)
    assert fit.nll == pytest.approx(ref.nll, rel=1e-9)
    assert fit.objective == pytest.approx(fit.nll + theta @ theta / (2 * SIGMA**2), rel=1e-14)
    assert fit.nll > mle.nll
    assert np.linalg.norm(theta) < np.linalg.norm(pack_params(mle.weights, mle.bias))


@pytest.mark.slow
@pytest.mark.parametrize("drop", ["group", "success"])
def test_fit_map_fails_closed_without_the_optimizer_report(flat_model, monkeypatch, drop):
    real = pm.find_MAP

    def without_report(*args, **kwargs):
        dt = real(*args, **kwargs)
        if drop == "group":
            del dt["optimizer_result"]
        else:
            report = dt.optimizer_result.to_dataset().drop_vars("success")
            dt["optimizer_result"] = xr.DataTree(report)
        return dt

    monkeypatch.setattr(pm, "find_MAP", without_report)
    with pytest.warns(ConvergenceWarning, match="not certified"):
        fit = fit_map(flat_model)
    assert not fit.converged
    assert fit.status == "not certified"
    assert fit.grad_norm <= 1e-8  # the estimate is fine; only nothing reported that it is


@pytest.mark.slow
def test_fit_map_at_the_iteration_limit_warns_and_is_not_converged(flat_model):
    with pytest.warns(ConvergenceWarning, match="max_iter") as record:
        fit = fit_map(flat_model, max_iter=1)
    assert [w.category for w in record] == [ConvergenceWarning]  # PyMC's own warning is replaced
    assert not fit.converged
    assert fit.status == "max_iter"
    assert fit.n_iter == 1
    assert fit.grad_norm > 1e-8


W_REG = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
B_REG = np.array([0.0, 0.5, -0.5])


@pytest.mark.slow
@pytest.mark.parametrize("seed, n", [(0, 50), (0, 1500), (2, 3000), (5, 500)])
def test_flat_prior_map_converges_without_warning_and_equals_the_mle(seed, n):
    # An absolute gradient tolerance of 1e-10 made the trust region fail on round-off for most
    # of these data sets; the tolerance is on the mean gradient since.
    X, y, _ = ce.simulate(n, W_REG, B_REG, np.random.default_rng(seed))
    fit = fit_map(softmax_regression_model(X, y, "flat", 3))
    ref = ce.fit_cross_entropy(X, y, 3)
    assert fit.converged
    diff = np.abs(pack_params(fit.weights, fit.bias) - pack_params(ref.weights, ref.bias))
    assert diff.max() < 1e-6


# --- the over-parametrised and zero-sum models ----------------------------------------------------


@pytest.fixture(scope="module")
def small():
    X, y, _ = ce.simulate(
        80,
        np.array([[0.0, 0.0], [1.5, -0.5], [-1.0, 1.0]]),
        np.array([0.0, 0.3, -0.2]),
        np.random.default_rng(0),
    )
    return X, y


def test_overparametrised_flat_logp_is_minus_the_objective_and_has_a_ridge(small):
    X, y = small
    model = overparametrised_model(X, y)
    obj = SoftmaxRegressionLoss(X, y, 3)
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    expected = -obj.loss(pack_params(W, b))  # pack_params maps any row shift to the pivot
    logp = model.compile_logp(mode="FAST_COMPILE")
    assert logp({"W": W, "b": b}) == pytest.approx(expected, rel=1e-10)
    shifted = {"W": W + np.array([5.0, -3.0]), "b": b + 7.0}
    assert logp(shifted) == pytest.approx(expected, rel=1e-10)


def test_overparametrised_normal_prior_breaks_the_ridge(small):
    X, y = small
    model = overparametrised_model(X, y, prior=2.0)
    logp = model.compile_logp(mode="FAST_COMPILE")
    W, b = np.zeros((3, 2)), np.zeros(3)
    # the likelihood is unchanged; the prior loses 9 * 1 / (2 * 2^2)
    drop = logp({"W": W, "b": b}) - logp({"W": W + 1.0, "b": b + 1.0})
    assert drop == pytest.approx(9 / 8, rel=1e-10)
    assert {v.name for v in model.free_RVs} == {"W", "b"}
    assert model.named_vars_to_dims["W"] == ("class", "feature")
    assert prior_sd(model, ("W", "b")) == 2.0


def test_zero_sum_flat_map_is_the_mle(small):
    X, y = small
    with zero_sum_model(X, y):
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


def test_zero_sum_normal_prior_logp(small):
    """ZeroSumNormal's density on the subspace is the normal density of the constrained values."""
    X, y = small
    sigma = 1.5
    model = zero_sum_model(X, y, prior=sigma)
    assert model.named_vars_to_dims["W"] == ("feature", "class")
    obj = SoftmaxRegressionLoss(X, y, 3)
    rng = np.random.default_rng(2)

    def point(shift):
        W = rng.normal(size=(2, 3)) + shift
        b = rng.normal(size=3)
        return W - W.mean(axis=1, keepdims=True), b - b.mean()

    (W1, b1), (W2, b2) = point(0.0), point(1.0)
    diff_lik = obj.loss(pack_params(W2.T, b2)) - obj.loss(pack_params(W1.T, b1))
    diff_prior = (np.sum(W2**2) + np.sum(b2**2) - np.sum(W1**2) - np.sum(b1**2)) / (2 * sigma**2)
    # logp is evaluated at the untransformed values through the model's value variables
    logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
    assert set(model.initial_point()) == {"W_zerosum__", "b_zerosum__"}
    tr_W = model.rvs_to_transforms[model["W"]]
    tr_b = model.rvs_to_transforms[model["b"]]

    def at(W, b):
        values = {
            "W_zerosum__": tr_W.forward(pt.as_tensor(W)),
            "b_zerosum__": tr_b.forward(pt.as_tensor(b)),
        }
        return float(logp({k: v.eval() for k, v in values.items()}))

    assert at(W1, b1) - at(W2, b2) == pytest.approx(diff_lik + diff_prior, rel=1e-8)


def test_models_accept_new_data_of_another_length(small):
    X, y = small
    model = zero_sum_model(X, y)
    with model:
        pm.set_data({"X": X[:10], "y": y[:10]}, coords={"obs": np.arange(10)})
    assert model["X"].get_value().shape == (10, 2)


@pytest.mark.slow
def test_overparametrised_flat_posterior_drifts_along_the_ridge(small):
    X, y = small
    with overparametrised_model(X, y), ce.capture_sampler_messages():
        dt = pm.sample(
            draws=200,
            tune=200,
            chains=2,
            progressbar=False,
            random_seed=3,
            max_treedepth=6,
            compute_convergence_checks=False,
            var_names=["W", "b"],
        )
    W = dt.posterior.to_dataset()["W"].values.reshape(-1, 3, 2)
    raw_sd = W.std(axis=0)[1]
    contrast_sd = (W[:, 1] - W[:, 0]).std(axis=0)
    assert np.all(raw_sd > 5 * contrast_sd)


@pytest.mark.slow
def test_model_graph_draws_flat_models(flat_model):
    import pymc.model_graph

    assert hasattr(pymc.model_graph, "_cheap_eval_mode")  # the setting the workaround patches
    graph = ce.model_graph(flat_model)
    source = graph.source
    for name in ("W_free", "b_free", "y_obs", "logits"):
        assert name in source
    assert graph.pipe(format="svg").startswith(b"<?xml") or b"<svg" in graph.pipe(format="svg")
