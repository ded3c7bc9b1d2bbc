r"""The one-hidden-layer tanh network written in PyMC, its MAP, and its posterior draws as networks.

.. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(V \tanh(A x_i + a) + c)\big),
          \qquad V_0 = 0,\; c_0 = 0

The variables mirror :class:`~cross_entropy_mle.network.Network`: ``hidden_weights`` (A),
``hidden_bias`` (a), ``output_weights_free`` (rows 1..K-1 of V) and ``output_bias_free``
(entries 1..K-1 of c).
"""

import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.continuous import FlatRV
from pytensor.tensor.random.basic import NormalRV

from .network import Network, NetworkFit, _check_network, network_nll_grad, pack_network
from .pymc_models import _check_sigma
from .scoring import ConvergenceError
from .validate import check_finite_array, check_labels

__all__ = ["fit_network_map", "network_model", "posterior_networks"]

FREE_VARS = ("hidden_weights", "hidden_bias", "output_weights_free", "output_bias_free")


def network_model(X, y, n_hidden, prior=5.0, n_classes=None):
    r"""Build the PyMC model of the network classifier.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_hidden : int
        Hidden units H.
    prior : "flat" or float
        ``"flat"``: :class:`pymc.Flat` on every parameter (log posterior = log-likelihood; the
        posterior is improper, so use it for the MAP only). A positive number :math:`\sigma`:
        independent :math:`\mathcal{N}(0, \sigma^2)` priors, under which the MAP minimises
        :math:`\sum_i H(h_i, q_i) + \|\theta\|^2 / (2\sigma^2)`.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y``, the free variables listed in the module docstring (dims
        ``hidden``, ``feature``, ``class_free``) and the observed ``y_obs``.
    """
    X = check_finite_array(X, "X", ndim=2)
    labels, K = check_labels(y, n_classes)
    if labels.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.size} labels")
    if isinstance(n_hidden, bool) or not isinstance(n_hidden, (int, np.integer)) or n_hidden < 1:
        raise ValueError(f"n_hidden must be a positive integer, got {n_hidden!r}")
    flat = isinstance(prior, str) and prior == "flat"
    sigma = None if flat else _check_sigma(prior)
    coords = {
        "obs": np.arange(labels.size),
        "feature": [f"x{j}" for j in range(X.shape[1])],
        "hidden": np.arange(n_hidden),
        "class_free": np.arange(1, K),
    }

    def param(name, dims):
        if flat:
            return pm.Flat(name, dims=dims)
        return pm.Normal(name, 0.0, sigma, dims=dims)

    with pm.Model(coords=coords) as model:
        X_data = pm.Data("X", X, dims=("obs", "feature"))
        y_data = pm.Data("y", labels, dims="obs")
        A = param("hidden_weights", ("hidden", "feature"))
        a = param("hidden_bias", "hidden")
        V = param("output_weights_free", ("class_free", "hidden"))
        c = param("output_bias_free", "class_free")
        hidden = pt.tanh(pt.dot(X_data, A.T) + a)
        z_free = pt.dot(hidden, V.T) + c
        z = pt.concatenate([pt.zeros((X_data.shape[0], 1)), z_free], axis=1)
        pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
    return model


def fit_network_map(model, start, gtol=1e-6, max_iter=5000):
    r"""Maximise the network model's log posterior with :func:`pymc.find_MAP` from ``start``.

    BFGS on the summed log posterior with PyTensor's gradient, no jitter,
    ``return_inferencedata=True``. From the same start, and with the same objective, this follows
    the path of :func:`~cross_entropy_mle.network.fit_network`. BFGS sometimes stops with
    "precision loss" at a point that is already stationary; the result is accepted when the
    gradient criterion below holds, and rejected otherwise.

    Parameters
    ----------
    model : pymc.Model
        From :func:`network_model`.
    start : Network
        Initial values.
    gtol : float
        Required largest absolute gradient entry of the mean objective (minus the log posterior
        without constants, divided by the number of samples).
    max_iter : int

    Returns
    -------
    NetworkFit
        ``nll`` is the summed negative log-likelihood (the data term); ``loss`` adds the prior
        penalty :math:`\|\theta\|^2 / (2\sigma^2)` (zero for flat priors), so it is comparable
        with :func:`~cross_entropy_mle.network.fit_network`'s; ``grad_norm`` is that of
        ``loss / n_samples``.

    Raises
    ------
    ConvergenceError
        The optimiser stopped away from a stationary point.
    """
    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}")
    missing = {"X", "y", *FREE_VARS} - set(model.named_vars)
    if missing:
        raise ValueError(f"model lacks {sorted(missing)}; build it with network_model")
    _check_network(start, "start")
    shapes = {name: tuple(int(s) for s in model[name].shape.eval())
              for name in ("hidden_weights", "output_weights_free")}
    wanted = {"hidden_weights": start.hidden_weights.shape,
              "output_weights_free": start.output_weights[1:].shape}
    if shapes != wanted:
        raise ValueError(f"start has shapes {wanted}, the model {shapes}")
    initvals = {
        "hidden_weights": start.hidden_weights,
        "hidden_bias": start.hidden_bias,
        "output_weights_free": start.output_weights[1:],
        "output_bias_free": start.output_bias[1:],
    }
    X = np.asarray(model["X"].get_value(), dtype=float)
    y = np.asarray(model["y"].get_value(), dtype=np.int64)
    with warnings.catch_warnings():
        # Judged below by the gradient instead: BFGS's "precision loss" at a stationary point,
        # and scipy's note that BFGS ignores the bounds PyMC passes as None.
        warnings.filterwarnings("ignore", message="The optimizer did not converge", category=UserWarning)
        warnings.filterwarnings("ignore", message="Method BFGS does not use", category=RuntimeWarning)
        dt = pm.find_MAP(method="BFGS", model=model, initvals=initvals, jitter=False,
                         return_inferencedata=True, progressbar=False, gtol=0.1 * gtol * y.size,
                         maxiter=max_iter)
    post = dt.posterior.to_dataset()
    net = _network_from(*(post[name].values[0, 0] for name in FREE_VARS))
    nll, grad = network_nll_grad(X, y, net)
    theta = pack_network(net)
    sigma = _prior_sd(model)
    penalty = 0.0 if sigma is None else 0.5 * theta @ theta / sigma**2
    full_grad = pack_network(grad) + (0.0 if sigma is None else theta / sigma**2)
    grad_norm = float(np.max(np.abs(full_grad))) / y.size
    opt = dt.optimizer_result.to_dataset() if "optimizer_result" in dt.children else None
    n_iter = int(opt["nit"].values) if opt is not None and "nit" in opt else -1
    if grad_norm > gtol:
        raise ConvergenceError(f"find_MAP stopped after {n_iter} iterations with gradient "
                               f"{grad_norm:.3g} > gtol={gtol:g}")
    return NetworkFit(net, nll, nll + penalty, grad_norm, n_iter)


def posterior_networks(posterior):
    """Turn posterior draws into packed network parameters.

    Parameters
    ----------
    posterior : xarray.Dataset or xarray.DataTree
        ``dt.posterior`` (or its ``.to_dataset()``) from sampling :func:`network_model`, with
        dimensions ``chain`` and ``draw``.

    Returns
    -------
    ndarray of shape (n_chains, n_draws, n_params)
        Each draw in the order of :func:`~cross_entropy_mle.network.pack_network`; rebuild a
        draw with :func:`~cross_entropy_mle.network.unpack_network`.
    """
    ds = posterior.to_dataset() if hasattr(posterior, "to_dataset") else posterior
    missing = set(FREE_VARS) - set(ds.data_vars)
    if missing:
        raise ValueError(f"posterior lacks {sorted(missing)}; sample a model from network_model")
    arrays = [ds[name].transpose("chain", "draw", ...).values for name in FREE_VARS]
    n_chain, n_draw = arrays[0].shape[:2]
    return np.concatenate([a.reshape(n_chain, n_draw, -1) for a in arrays], axis=-1)


def _prior_sd(model):
    """The prior sd of the model's parameters, or None for flat priors."""
    node = model["hidden_weights"].owner
    if isinstance(node.op, FlatRV):
        return None
    if isinstance(node.op, NormalRV):
        return float(np.max(node.op.dist_params(node)[1].eval()))
    raise ValueError(f"unexpected prior {node.op}; build the model with network_model")


def _network_from(A, a, V_free, c_free):
    K = V_free.shape[0] + 1
    V = np.zeros((K, A.shape[0]))
    V[1:] = V_free
    c = np.zeros(K)
    c[1:] = c_free
    return Network(np.asarray(A), np.asarray(a), V, c)
