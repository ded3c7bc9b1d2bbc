r"""The one-hidden-layer tanh network written in PyMC, its MAP, and its posterior draws as networks.

.. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(V \tanh(A x_i + a) + c)\big),
          \qquad V_0 = 0,\; c_0 = 0

The variables mirror :class:`~cross_entropy_mle.network.Network`: ``hidden_weights`` (A),
``hidden_bias`` (a), ``output_weights_free`` (rows 1..K-1 of V) and ``output_bias_free``
(entries 1..K-1 of c), in the order of :func:`~cross_entropy_mle.network.pack_network`.
"""

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from ..convergence import FitResult, fit_result, precision_floor_reached
from ..network import Network, check_network, network_nll_grad, pack_network, unpack_network
from ..validate import check_int, check_positive, check_X_y
from .map import find_map, map_status, optimizer_outcome
from .models import check_prior, prior_sd

__all__ = ["FREE_VARS", "fit_network_map", "network_model", "posterior_networks"]

#: The free variables of :func:`network_model`, in the order of ``pack_network``.
FREE_VARS = ("hidden_weights", "hidden_bias", "output_weights_free", "output_bias_free")


def network_model(X, y, n_hidden, prior=5.0, n_classes=None) -> pm.Model:
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
        :math:`\sum_i H(h_i, q_i) + \|\theta\|^2 / (2\sigma^2)`, as
        ``fit_network(X, y, start, prior_sd=sigma)`` does.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y``, the free variables :data:`FREE_VARS` (dims ``hidden``,
        ``feature``, ``class_free``) and the observed ``y_obs``.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    n_hidden = check_int(n_hidden, "n_hidden", 1)
    sigma = check_prior(prior)
    coords = {
        "obs": np.arange(labels.size),
        "feature": [f"x{j}" for j in range(X.shape[1])],
        "hidden": np.arange(n_hidden),
        "class_free": np.arange(1, K),
    }

    def param(name, dims):
        if sigma is None:
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


def fit_network_map(
    model: pm.Model, start: Network, gtol: float = 1e-6, max_iter: int = 5000
) -> FitResult:
    r"""Maximise the network model's log posterior with :func:`pymc.find_MAP` from ``start``.

    BFGS on the summed log posterior with PyTensor's gradient, no jitter,
    ``return_inferencedata=True``. From the same start, and with the same objective, this
    follows the path of :func:`~cross_entropy_mle.network.fit_network`. The result is judged as
    :func:`~cross_entropy_mle.pymc.models.fit_map`'s is: the objective

    .. math:: f(\theta) = \sum_i -\log q_{i y_i} \;\Big[+ \frac{\|\theta\|^2}{2\sigma^2}\Big]

    and its gradient are recomputed by :func:`~cross_entropy_mle.network.network_nll_grad` at
    PyMC's estimate and the status follows :func:`~cross_entropy_mle.pymc.models.map_status`.
    BFGS sometimes stops with "precision loss" at a point that is already stationary: that
    counts when no step lowers :math:`f` by more than rounding (status ``"floor"``), as in the
    core. Otherwise the fit warns :class:`~cross_entropy_mle.ConvergenceWarning` and has
    ``converged=False``.

    Parameters
    ----------
    model : pymc.Model
        From :func:`network_model`.
    start : Network
        Initial values.
    gtol : float
        Tolerance on the largest absolute gradient entry of the mean objective :math:`f / N`.
    max_iter : int

    Returns
    -------
    FitResult
        ``model`` the fitted :class:`~cross_entropy_mle.network.Network`, ``nll`` the summed
        NLL, ``objective`` :math:`f` (comparable with ``fit_network``'s), ``grad_norm`` that of
        :math:`f / N`, ``method="pymc-network-map"``.
    """
    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}")
    missing = {"X", "y", *FREE_VARS} - set(model.named_vars)
    missing |= {"hidden", "class_free"} - set(model.coords)
    if missing:
        raise ValueError(f"model lacks {sorted(missing)}; build it with network_model")
    check_network(start, "start")
    gtol = check_positive(gtol, "gtol")
    max_iter = check_int(max_iter, "max_iter", 1)
    H, K = len(model.coords["hidden"]), len(model.coords["class_free"]) + 1
    X, y, _ = check_X_y(model["X"].get_value(), model["y"].get_value(), K)
    wanted = {"hidden_weights": (H, X.shape[1]), "output_weights_free": (K - 1, H)}
    given = {
        "hidden_weights": start.hidden_weights.shape,
        "output_weights_free": start.output_weights[1:].shape,
    }
    if given != wanted:
        raise ValueError(f"start has shapes {given}, the model {wanted}")
    sigma = prior_sd(model, FREE_VARS)
    initvals = {
        "hidden_weights": start.hidden_weights,
        "hidden_bias": start.hidden_bias,
        "output_weights_free": start.output_weights[1:],
        "output_bias_free": start.output_bias[1:],
    }
    dt = find_map(model, "BFGS", initvals=initvals, gtol=0.1 * gtol * y.size, maxiter=max_iter)
    post = dt.posterior.to_dataset()
    theta = np.concatenate([np.ravel(post[name].values[0, 0]) for name in FREE_VARS])
    precision = 0.0 if sigma is None else sigma**-2
    d = X.shape[1]

    def objective(th):
        nll, grad = network_nll_grad(X, y, unpack_network(th, d, H, K))
        return nll + 0.5 * precision * th @ th, pack_network(grad) + precision * th

    value, grad = objective(theta)
    grad_norm = float(np.max(np.abs(grad))) / y.size
    outcome = optimizer_outcome(dt)
    status = map_status(
        outcome,
        grad_norm,
        gtol,
        max_iter,
        lambda: precision_floor_reached(objective, theta, value, grad),
    )
    return fit_result(
        unpack_network(theta, d, H, K),
        value - 0.5 * precision * theta @ theta,
        value,
        outcome.n_iter,
        status,
        grad_norm,
        "pymc-network-map",
    )


def posterior_networks(posterior) -> np.ndarray:
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
