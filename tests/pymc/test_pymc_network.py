"""Tests for cross_entropy_mle.pymc.network: the PyMC network model, its MAP, its draws."""

import numpy as np
import pymc as pm
import pytensor
import pytest
import xarray as xr

import cross_entropy_mle as ce
from cross_entropy_mle.convergence import ConvergenceWarning
from cross_entropy_mle.network import (
    Network,
    fit_network,
    network_nll_grad,
    pack_network,
    random_network,
    simulate_network,
    unpack_network,
)
from cross_entropy_mle.pymc import network as pymc_network
from cross_entropy_mle.pymc.models import prior_sd
from cross_entropy_mle.pymc.network import (
    FREE_VARS,
    fit_network_map,
    network_model,
    posterior_networks,
)

PRIOR_SD = 3.0


@pytest.fixture(scope="module")
def data():
    phi = np.deg2rad([90, 210, 330])
    U = np.column_stack([np.cos(phi), np.sin(phi)])
    true = Network(-3 * U, np.full(3, 3.0), np.array([[0.0, 0, 0], [2, 2, 2]]), np.array([0.0, -4]))
    X, y, _ = simulate_network(150, true, np.random.default_rng(7))
    return X, y


@pytest.fixture(scope="module")
def normal_model(data):
    return network_model(*data, 3, prior=PRIOR_SD)


@pytest.fixture(scope="module")
def start():
    return random_network(2, 3, 2, np.random.default_rng(4))


def _point(net):
    return dict(
        zip(
            FREE_VARS,
            (net.hidden_weights, net.hidden_bias, net.output_weights[1:], net.output_bias[1:]),
            strict=True,
        )
    )


def test_the_package_serves_the_layer_names():
    for name in ("network_model", "fit_network_map", "posterior_networks"):
        assert getattr(ce, name) is getattr(pymc_network, name)


def test_model_has_the_documented_variables_and_dims(normal_model):
    assert [v.name for v in normal_model.free_RVs] == list(FREE_VARS)
    assert normal_model.named_vars_to_dims["hidden_weights"] == ("hidden", "feature")
    assert normal_model.named_vars_to_dims["output_weights_free"] == ("class_free", "hidden")
    assert list(normal_model.coords["class_free"]) == [1]
    assert prior_sd(normal_model, FREE_VARS) == PRIOR_SD


@pytest.mark.slow
@pytest.mark.parametrize("prior", [2.0, "flat"])
def test_log_posterior_differences_are_minus_objective_differences(data, prior):
    X, y = data
    model = network_model(X, y, 3, prior=prior)
    logp = model.compile_logp(mode="FAST_COMPILE")
    rng = np.random.default_rng(1)
    a, b = (random_network(2, 3, 2, rng) for _ in range(2))

    def objective(net):
        theta = pack_network(net)
        penalty = 0.0 if prior == "flat" else theta @ theta / (2 * prior**2)
        return network_nll_grad(X, y, net)[0] + penalty

    difference = logp(_point(a)) - logp(_point(b))
    assert difference == pytest.approx(-(objective(a) - objective(b)), rel=1e-9)
    if prior == "flat":  # Flat priors add nothing: the log density is the log-likelihood
        assert logp(_point(a)) == pytest.approx(-objective(a), rel=1e-10)


@pytest.mark.slow
def test_the_hand_written_gradient_is_pytensors(data):
    """network_nll_grad's backpropagation against PyTensor's gradient of the log-likelihood."""
    X, y = data
    model = network_model(X, y, 3, prior="flat")
    loglik = model.logp(vars=[model["y_obs"]])  # the observed variable's term only
    values = [model.rvs_to_values[model[name]] for name in FREE_VARS]
    fn = pytensor.function(values, [loglik, *pytensor.grad(loglik, values)], mode="FAST_COMPILE")
    for seed in (0, 1):
        net = random_network(2, 3, 2, np.random.default_rng(seed), scale=1.5)
        out = fn(*_point(net).values())
        nll, grad = network_nll_grad(X, y, net)
        assert float(out[0]) == pytest.approx(-nll, rel=1e-12)
        pytensor_grad = -np.concatenate([np.ravel(g) for g in out[1:]])
        np.testing.assert_allclose(
            pack_network(grad), pytensor_grad, rtol=1e-9, atol=1e-12 * np.abs(pytensor_grad).max()
        )


@pytest.fixture(scope="module")
def network_map(normal_model, start):
    return fit_network_map(normal_model, start)


@pytest.mark.slow
def test_map_from_the_same_start_matches_fit_network(data, start, network_map):
    X, y = data
    lib = fit_network(X, y, start, prior_sd=PRIOR_SD)
    fit = network_map
    assert fit.method == "pymc-network-map"
    assert fit.converged and fit.status in ("gradient", "floor")
    assert isinstance(fit.model, Network)
    assert fit.objective == pytest.approx(lib.objective, rel=1e-9)
    np.testing.assert_allclose(pack_network(fit.model), pack_network(lib.model), atol=1e-4)
    assert fit.grad_norm <= 1e-6
    assert fit.nll < fit.objective


@pytest.mark.slow
def test_map_result_fields_are_those_of_the_objective(data, network_map):
    X, y = data
    theta = pack_network(network_map.model)
    nll, grad = network_nll_grad(X, y, network_map.model)
    full = pack_network(grad) + theta / PRIOR_SD**2
    assert network_map.nll == pytest.approx(nll, rel=1e-14)
    objective = nll + theta @ theta / (2 * PRIOR_SD**2)
    assert network_map.objective == pytest.approx(objective, rel=1e-14)
    assert network_map.grad_norm == pytest.approx(np.abs(full).max() / y.size, rel=1e-12)
    np.testing.assert_allclose(network_map.predict_proba(X), network_map.model.predict_proba(X))


@pytest.mark.slow
def test_map_at_the_iteration_limit_warns_and_is_not_converged(normal_model, start):
    with pytest.warns(ConvergenceWarning, match="max_iter") as record:
        fit = fit_network_map(normal_model, start, max_iter=2)
    assert [w.category for w in record] == [ConvergenceWarning]
    assert not fit.converged and fit.status == "max_iter"
    assert fit.grad_norm > 1e-6


@pytest.mark.slow
def test_map_fails_closed_without_the_optimizer_report(normal_model, start, monkeypatch):
    real = pm.find_MAP

    def without_report(*args, **kwargs):
        dt = real(*args, **kwargs)
        del dt["optimizer_result"]
        return dt

    monkeypatch.setattr(pm, "find_MAP", without_report)
    with pytest.warns(ConvergenceWarning, match="not certified"):
        fit = fit_network_map(normal_model, start)
    assert not fit.converged and fit.status == "not certified"


def test_fit_network_map_rejects_bad_inputs(normal_model):
    net = random_network(2, 3, 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="pymc.Model"):
        fit_network_map("model", net)
    with pytest.raises(ValueError, match="model lacks"):
        fit_network_map(pm.Model(), net)
    with pytest.raises(TypeError, match="start must be a Network"):
        fit_network_map(normal_model, np.zeros(13))
    with pytest.raises(ValueError, match="shapes"):
        fit_network_map(normal_model, random_network(2, 2, 2, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="gtol"):
        fit_network_map(normal_model, net, gtol=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        fit_network_map(normal_model, net, max_iter=0)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"n_hidden": 0}, ValueError, "n_hidden must be at least 1"),
        ({"n_hidden": 2.0}, TypeError, "n_hidden must be an integer"),
        ({"prior": -1.0}, ValueError, "prior sd must be a positive finite number"),
        ({"prior": "wide"}, TypeError, 'prior must be "flat"'),
    ],
)
def test_network_model_rejects_bad_inputs(data, kwargs, exc, match):
    X, y = data
    args = {"n_hidden": 3, "prior": 2.0, **kwargs}
    with pytest.raises(exc, match=match):
        network_model(X, y, args["n_hidden"], prior=args["prior"])
    with pytest.raises(ValueError, match="X has 149 rows but y has 150 labels"):
        network_model(X[:-1], y, 3)


def test_posterior_networks_packs_draws_in_pack_network_order():
    rng = np.random.default_rng(2)
    nets = [[random_network(2, 3, 3, rng) for _ in range(4)] for _ in range(2)]

    def stack(get):
        return np.array([[get(n) for n in chain] for chain in nets])

    ds = xr.Dataset(
        {
            "hidden_weights": (
                ("chain", "draw", "hidden", "feature"),
                stack(lambda n: n.hidden_weights),
            ),
            "hidden_bias": (("chain", "draw", "hidden"), stack(lambda n: n.hidden_bias)),
            "output_weights_free": (
                ("chain", "draw", "class_free", "hidden"),
                stack(lambda n: n.output_weights[1:]),
            ),
            "output_bias_free": (
                ("chain", "draw", "class_free"),
                stack(lambda n: n.output_bias[1:]),
            ),
        }
    )
    out = posterior_networks(ds)
    assert out.shape == (2, 4, 3 * 3 + 2 * 4)
    np.testing.assert_array_equal(out[1, 2], pack_network(nets[1][2]))
    np.testing.assert_array_equal(pack_network(unpack_network(out[0, 3], 2, 3, 3)), out[0, 3])
    np.testing.assert_array_equal(posterior_networks(xr.DataTree(ds)), out)
    with pytest.raises(ValueError, match="lacks"):
        posterior_networks(ds.drop_vars("hidden_bias"))
