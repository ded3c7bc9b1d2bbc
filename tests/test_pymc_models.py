"""The PyMC softmax-regression model and its MAP estimate."""

import numpy as np
import pymc as pm
import pytest
from scipy import stats

import cross_entropy_mle as ce

W_TRUE = np.array([[0.0, 0.0], [1.0, -0.5], [-0.8, 1.2]])
B_TRUE = np.array([0.0, 0.3, -0.4])


@pytest.fixture(scope="module")
def data():
    X, y, _ = ce.simulate(200, W_TRUE, B_TRUE, np.random.default_rng(0))
    return X, y


@pytest.fixture(scope="module")
def mle(data):
    return ce.fit_cross_entropy(*data)


@pytest.fixture(scope="module")
def flat_model(data):
    return ce.softmax_regression_model(*data)


@pytest.fixture(scope="module")
def flat_map(flat_model):
    return ce.fit_map(flat_model)


# --- structure ------------------------------------------------------------------------------------


def test_coords_and_dims(flat_model, data):
    X, y = data
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


def test_flat_and_normal_priors(flat_model, data):
    assert all(isinstance(flat_model[n].owner.op, type(pm.Flat.dist().owner.op)) for n in ("W_free", "b_free"))
    normal = ce.softmax_regression_model(*data, prior=2.0)
    assert all(isinstance(normal[n].owner.op, type(pm.Normal.dist().owner.op)) for n in ("W_free", "b_free"))


def test_n_classes_widens_the_class_coordinates(data):
    model = ce.softmax_regression_model(*data, n_classes=5)
    assert list(model.coords["class"]) == [0, 1, 2, 3, 4]
    assert list(model.coords["class_free"]) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "prior, exc, match",
    [
        (-1.0, ValueError, "prior sd must be a positive finite number"),
        (0, ValueError, "prior sd must be a positive finite number"),
        (np.inf, ValueError, "prior sd must be a positive finite number"),
        ("normal", TypeError, 'prior must be "flat" or a positive number'),
        (True, TypeError, 'prior must be "flat" or a positive number'),
        (None, TypeError, 'prior must be "flat" or a positive number'),
    ],
)
def test_bad_prior(data, prior, exc, match):
    with pytest.raises(exc, match=match):
        ce.softmax_regression_model(*data, prior=prior)


def test_bad_data():
    with pytest.raises(ValueError, match="X contains NaN"):
        ce.softmax_regression_model(np.array([[0.0], [np.nan]]), [0, 1])
    with pytest.raises(ValueError, match="X has 2 rows but y has 3 labels"):
        ce.softmax_regression_model(np.zeros((2, 1)), [0, 1, 1])
    with pytest.raises(ValueError, match="y must hold integer class labels"):
        ce.softmax_regression_model(np.zeros((2, 1)), [0, 0.5])


def test_fit_map_bad_model():
    with pytest.raises(TypeError, match="model must be a pymc.Model"):
        ce.fit_map("model")
    with pytest.raises(ValueError, match="model lacks"):
        ce.fit_map(pm.Model())


# --- the log density and the MAP ----------------------------------------------------------------------


@pytest.mark.slow
def test_flat_log_density_is_the_log_likelihood(flat_model, data, mle):
    X, y = data
    logp = flat_model.compile_logp()
    rng = np.random.default_rng(1)
    for W_free, b_free in [(mle.weights[1:], mle.bias[1:]), (rng.normal(size=(2, 2)), rng.normal(size=2))]:
        W = np.vstack([np.zeros((1, 2)), W_free])
        b = np.concatenate([[0.0], b_free])
        expected = -ce.negative_log_likelihood(y, ce.logits(X, W, b))
        assert logp({"W_free": W_free, "b_free": b_free}) == pytest.approx(expected, rel=1e-10)


@pytest.mark.slow
def test_flat_prior_map_equals_the_cross_entropy_mle(flat_map, mle):
    assert flat_map.method == "pymc-map"
    assert flat_map.converged
    np.testing.assert_array_equal(flat_map.weights[0], 0.0)
    assert flat_map.bias[0] == 0.0
    np.testing.assert_allclose(flat_map.weights, mle.weights, rtol=0, atol=1e-5)
    np.testing.assert_allclose(flat_map.bias, mle.bias, rtol=0, atol=1e-5)
    assert flat_map.nll == pytest.approx(mle.nll, rel=1e-10)


@pytest.mark.slow
def test_map_result_fields_are_those_of_the_data_term(flat_map, data):
    X, y = data
    nll, gW, gb = ce.nll_grad(y, X, flat_map.weights, flat_map.bias)
    assert flat_map.nll == pytest.approx(nll, rel=1e-14)
    assert flat_map.grad_norm == pytest.approx(np.linalg.norm(ce.pack_params(gW, gb)), rel=1e-12)
    assert flat_map.n_iter >= 1


@pytest.mark.slow
def test_normal_prior_map_shrinks_and_fits_worse(data, mle):
    X, y = data
    sigma = 0.5
    model = ce.softmax_regression_model(X, y, prior=sigma)
    fit = ce.fit_map(model)
    assert fit.nll > mle.nll
    theta = ce.pack_params(fit.weights, fit.bias)
    assert np.linalg.norm(theta) < np.linalg.norm(ce.pack_params(mle.weights, mle.bias))
    # Stationarity of NLL + |theta|^2 / (2 sigma^2): the NLL gradient is -theta / sigma^2, up to
    # the optimiser's stopping rule (gradient norm of the log posterior <= 1e-8 * N by default).
    _, gW, gb = ce.nll_grad(y, X, fit.weights, fit.bias)
    residual = ce.pack_params(gW, gb) + theta / sigma**2
    assert np.linalg.norm(residual) <= 1e-8 * len(y)
    # The model's log density is the log-likelihood plus the Normal log densities.
    logp = model.compile_logp()
    expected = -fit.nll + stats.norm.logpdf(theta, scale=sigma).sum()
    assert logp({"W_free": fit.weights[1:], "b_free": fit.bias[1:]}) == pytest.approx(expected, rel=1e-10)


# --- regressions ------------------------------------------------------------------------------------

W_REG = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
B_REG = np.array([0.0, 0.5, -0.5])


@pytest.mark.slow
@pytest.mark.parametrize("seed, n", [(0, 50), (0, 1500), (2, 3000), (5, 500)])
def test_flat_prior_map_converges_without_warning_and_equals_the_mle(seed, n):
    # An absolute gradient tolerance of 1e-10 made the trust region fail on round-off for most
    # of these data sets, with PyMC's "optimizer did not converge" UserWarning (an error here).
    X, y, _ = ce.simulate(n, W_REG, B_REG, np.random.default_rng(seed))
    fit = ce.fit_map(ce.softmax_regression_model(X, y, "flat", 3))
    ref = ce.fit_cross_entropy(X, y, 3)
    assert fit.converged
    diff = np.abs(ce.pack_params(fit.weights, fit.bias) - ce.pack_params(ref.weights, ref.bias))
    assert diff.max() < 1e-5
