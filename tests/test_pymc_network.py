import numpy as np
import pytest
import xarray as xr

from cross_entropy_mle.network import (
    Network,
    network_nll_grad,
    pack_network,
    random_network,
    simulate_network,
    unpack_network,
)
from cross_entropy_mle.pymc_network import (
    fit_network_map,
    network_model,
    posterior_networks,
)


@pytest.fixture(scope="module")
def data():
    phi = np.deg2rad([90, 210, 330])
    U = np.column_stack([np.cos(phi), np.sin(phi)])
    true = Network(-3 * U, np.full(3, 3.0), np.array([[0.0, 0, 0], [2, 2, 2]]), np.array([0.0, -4]))
    X, y, _ = simulate_network(150, true, np.random.default_rng(7))
    return X, y


def test_model_has_the_documented_variables_and_dims(data):
    X, y = data
    model = network_model(X, y, 3, prior=2.0)
    assert {v.name for v in model.free_RVs} == {
        "hidden_weights", "hidden_bias", "output_weights_free", "output_bias_free"}
    assert model.named_vars_to_dims["hidden_weights"] == ("hidden", "feature")
    assert model.named_vars_to_dims["output_weights_free"] == ("class_free", "hidden")
    assert list(model.coords["class_free"]) == [1]


@pytest.mark.slow
@pytest.mark.parametrize("prior", [2.0, "flat"])
def test_log_posterior_differences_are_minus_nll_and_penalty_differences(data, prior):
    X, y = data
    model = network_model(X, y, 3, prior=prior)
    logp = model.compile_logp()
    rng = np.random.default_rng(1)
    a, b = (random_network(2, 3, 2, rng) for _ in range(2))

    def point(net):
        return {"hidden_weights": net.hidden_weights, "hidden_bias": net.hidden_bias,
                "output_weights_free": net.output_weights[1:], "output_bias_free": net.output_bias[1:]}

    def loss(net):
        theta = pack_network(net)
        penalty = 0.0 if prior == "flat" else theta @ theta / (2 * prior**2)
        return network_nll_grad(X, y, net)[0] + penalty

    assert logp(point(a)) - logp(point(b)) == pytest.approx(-(loss(a) - loss(b)), rel=1e-9)


@pytest.mark.slow
def test_map_from_the_same_start_matches_fit_network(data):
    from cross_entropy_mle.network import fit_network

    X, y = data
    start = random_network(2, 3, 2, np.random.default_rng(4))
    lib = fit_network(X, y, start, prior_sd=3.0)
    pymc = fit_network_map(network_model(X, y, 3, prior=3.0), start)
    assert pymc.loss == pytest.approx(lib.loss, rel=1e-9)
    np.testing.assert_allclose(pack_network(pymc.network), pack_network(lib.network), atol=1e-4)
    assert pymc.grad_norm <= 1e-6
    assert pymc.nll < pymc.loss


def test_fit_network_map_rejects_bad_inputs(data):
    X, y = data
    model = network_model(X, y, 3, prior=2.0)
    with pytest.raises(TypeError, match="pymc.Model"):
        fit_network_map("model", random_network(2, 3, 2, np.random.default_rng(0)))
    with pytest.raises(TypeError, match="Network"):
        fit_network_map(model, np.zeros(13))
    with pytest.raises(ValueError, match="shapes"):
        fit_network_map(model, random_network(2, 2, 2, np.random.default_rng(0)))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_hidden": 0}, "n_hidden"), ({"prior": -1.0}, "positive"), ({"prior": "wide"}, "flat")],
)
def test_network_model_rejects_bad_inputs(data, kwargs, match):
    X, y = data
    args = {"n_hidden": 3, "prior": 2.0, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        network_model(X, y, args["n_hidden"], prior=args["prior"])


def test_posterior_networks_packs_draws_in_pack_network_order():
    rng = np.random.default_rng(2)
    nets = [[random_network(2, 3, 3, rng) for _ in range(4)] for _ in range(2)]

    def stack(get):
        return np.array([[get(n) for n in chain] for chain in nets])

    ds = xr.Dataset({
        "hidden_weights": (("chain", "draw", "hidden", "feature"), stack(lambda n: n.hidden_weights)),
        "hidden_bias": (("chain", "draw", "hidden"), stack(lambda n: n.hidden_bias)),
        "output_weights_free": (("chain", "draw", "class_free", "hidden"),
                                stack(lambda n: n.output_weights[1:])),
        "output_bias_free": (("chain", "draw", "class_free"), stack(lambda n: n.output_bias[1:])),
    })
    out = posterior_networks(ds)
    assert out.shape == (2, 4, 3 * 3 + 2 * 4)
    np.testing.assert_array_equal(out[1, 2], pack_network(nets[1][2]))
    np.testing.assert_array_equal(pack_network(unpack_network(out[0, 3], 2, 3, 3)), out[0, 3])
    with pytest.raises(ValueError, match="lacks"):
        posterior_networks(ds.drop_vars("hidden_bias"))
