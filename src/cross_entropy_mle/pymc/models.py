r"""Softmax regression written in PyMC, three ways, and its MAP estimate.

.. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(W x_i + b)\big)

* :func:`softmax_regression_model`: the pivot parametrisation of the core
  (:mod:`cross_entropy_mle.objective`): class 0's row of ``[b, W]`` is fixed at zero and the
  rows 1..K-1 are free. With ``prior="flat"`` the log posterior is the log-likelihood, so the
  MAP (:func:`fit_map`) is the MLE.
* :func:`overparametrised_model`: all K rows free. Adding one vector :math:`c` to every row,
  :math:`(W_k, b_k) \mapsto (W_k + c_W, b_k + c_b)`, adds :math:`c_W^\top x + c_b` to every
  logit and leaves the softmax unchanged, so under flat priors the likelihood is constant along
  these directions (a ridge) and the posterior is improper.
* :func:`zero_sum_model`: all K rows, constrained to sum to zero over classes, which removes
  exactly that ridge; with flat priors its MAP gives the same probabilities as the pivot MLE.

The builders share :func:`check_prior` (the ``prior`` argument of every builder) and
:func:`prior_sd` (which prior a built model has). The MAP is in :mod:`.map`.
"""

from collections.abc import Sequence

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.continuous import FlatRV
from pymc.distributions.transforms import ZeroSumTransform
from pytensor.tensor.exceptions import NotScalarConstantError
from pytensor.tensor.random.basic import NormalRV

from ..validate import check_X_y

__all__ = [
    "check_prior",
    "model_graph",
    "overparametrised_model",
    "prior_sd",
    "softmax_regression_model",
    "zero_sum_model",
]


# --------------------------------------------------------------------------------------------
# Priors
# --------------------------------------------------------------------------------------------


def check_prior(prior, name: str = "prior") -> float | None:
    r"""Check the ``prior`` argument of a PyMC model builder.

    Parameters
    ----------
    prior : "flat" or float
        ``"flat"`` for :class:`pymc.Flat` priors, or a positive finite number :math:`\sigma`
        for independent :math:`\mathcal N(0, \sigma^2)` priors.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    float or None
        :math:`\sigma`, or None for ``"flat"``.
    """
    if isinstance(prior, str) and prior == "flat":
        return None
    if isinstance(prior, bool) or not isinstance(prior, (int, float, np.integer, np.floating)):
        raise TypeError(f'{name} must be "flat" or a positive number (the prior sd), got {prior!r}')
    if not (np.isfinite(prior) and prior > 0):
        raise ValueError(f"{name} sd must be a positive finite number, got {prior}")
    return float(prior)


def prior_sd(model: pm.Model, names: Sequence[str]) -> float | None:
    r"""The prior of the named free variables of a model, as :func:`check_prior` returned it.

    Reads the model's graph: every named variable must have a :class:`pymc.Flat` prior (the
    result is None) or the same :math:`\mathcal N(0, \sigma^2)` prior with a constant scalar
    :math:`\sigma` (the result is :math:`\sigma`). The MAP then minimises the summed NLL plus
    :math:`\|\theta\|^2 / (2\sigma^2)` over those variables.

    Parameters
    ----------
    model : pymc.Model
    names : sequence of str
        Names of free variables of ``model``.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        A variable has another prior, or the variables' priors differ.
    """
    found = set()
    for name in names:
        node = model[name].owner
        if isinstance(node.op, FlatRV):
            found.add(None)
            continue
        if not isinstance(node.op, NormalRV):
            raise ValueError(f"{name} has prior {node.op}; expected Flat or Normal(0, sigma)")
        try:
            mu, sigma = (
                float(pt.get_underlying_scalar_constant_value(p)) for p in node.op.dist_params(node)
            )
        except NotScalarConstantError:
            raise ValueError(
                f"{name} has a Normal prior whose mu and sigma are not constant "
                "scalars; expected Normal(0, sigma)"
            ) from None
        if mu != 0.0:
            raise ValueError(f"{name} has a Normal prior with mu={mu}; expected Normal(0, sigma)")
        found.add(sigma)
    if len(found) != 1:
        raise ValueError(f"the variables {list(names)} must share one prior, got sds {found}")
    return found.pop()


# --------------------------------------------------------------------------------------------
# Model builders
# --------------------------------------------------------------------------------------------


def softmax_regression_model(X, y, prior="flat", n_classes=None) -> pm.Model:
    r"""Build the PyMC model of softmax regression in the pivot parametrisation.

    .. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(W x_i + b)\big),
              \qquad W_0 = 0,\; b_0 = 0

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    prior : "flat" or float
        ``"flat"``: :class:`pymc.Flat` on every free parameter (MAP = MLE). A positive number
        :math:`\sigma`: independent :math:`\mathcal{N}(0, \sigma^2)` priors on the free weights
        and biases, under which the MAP is
        ``fit_l2(X, y, sigma, bias_sigma=sigma)``.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y`` (:func:`pymc.Data`), free variables ``W_free`` (dims
        ``("class_free", "feature")``) and ``b_free`` (dims ``"class_free"``), the
        deterministic ``logits`` (dims ``("obs", "class")``) and the observed ``y_obs``.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    sigma = check_prior(prior)
    coords = {**_coords(X, labels, K), "class_free": np.arange(1, K)}
    with pm.Model(coords=coords) as model:
        X_data, y_data = _data(X, labels)
        W_free = _param("W_free", ("class_free", "feature"), sigma)
        b_free = _param("b_free", "class_free", sigma)
        z_free = pt.dot(X_data, W_free.T) + b_free
        z = pt.concatenate([pt.zeros((X_data.shape[0], 1)), z_free], axis=1)
        _likelihood(y_data, z)
    return model


def overparametrised_model(X, y, prior="flat", n_classes=None) -> pm.Model:
    r"""Softmax regression with every class's weights and bias free (not identified).

    .. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(W x_i + b)\big),
              \qquad W \in \mathbb{R}^{K \times d},\; b \in \mathbb{R}^K

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    prior : "flat" or float
        ``"flat"``: :class:`pymc.Flat` on every entry of W and b, so the log posterior is the
        log-likelihood and is constant along the ridge. A positive number :math:`\sigma`:
        independent :math:`\mathcal N(0, \sigma^2)` priors, which make the posterior proper.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y``, free variables ``W`` (dims ``("class", "feature")``) and
        ``b`` (dims ``"class"``), the deterministic ``logits`` (dims ``("obs", "class")``) and
        the observed ``y_obs``.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    sigma = check_prior(prior)
    with pm.Model(coords=_coords(X, labels, K)) as model:
        X_data, y_data = _data(X, labels)
        W = _param("W", ("class", "feature"), sigma)
        b = _param("b", "class", sigma)
        _likelihood(y_data, pt.dot(X_data, W.T) + b)
    return model


def zero_sum_model(X, y, prior="flat", n_classes=None) -> pm.Model:
    r"""Softmax regression with weights and biases that sum to zero over the classes.

    .. math:: \sum_{k=0}^{K-1} W_{jk} = 0 \text{ for every feature } j, \qquad
              \sum_{k=0}^{K-1} b_k = 0

    The constraint leaves K - 1 free values per feature (as in the pivot model), and every
    pivot parameter maps to exactly one zero-sum parameter with the same probabilities:
    subtract the class mean, :math:`W_k - \bar W`.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    prior : "flat" or float
        ``"flat"``: :class:`pymc.Flat` restricted to the zero-sum subspace by PyMC's
        ``ZeroSumTransform`` (a flat prior there, so the MAP is the MLE). A positive number
        :math:`\sigma`: :class:`pymc.ZeroSumNormal` with that ``sigma``, the
        :math:`\mathcal N(0, \sigma^2 (I - J/K))` distribution on the subspace.
    n_classes : int, optional

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y``, free variables ``W`` (dims ``("feature", "class")``: the
        zero-sum axis is the last one, as :class:`pymc.ZeroSumNormal` requires) and ``b`` (dims
        ``"class"``), the deterministic ``logits`` and the observed ``y_obs``.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    sigma = check_prior(prior)
    with pm.Model(coords=_coords(X, labels, K)) as model:
        X_data, y_data = _data(X, labels)
        if sigma is None:
            W = pm.Flat("W", dims=("feature", "class"), transform=ZeroSumTransform([-1]))
            b = pm.Flat("b", dims="class", transform=ZeroSumTransform([-1]))
        else:
            W = pm.ZeroSumNormal("W", sigma=sigma, dims=("feature", "class"))
            b = pm.ZeroSumNormal("b", sigma=sigma, dims="class")
        _likelihood(y_data, pt.dot(X_data, W) + b)
    return model


def _coords(X, labels, K):
    return {
        "obs": np.arange(labels.size),
        "feature": [f"x{j}" for j in range(X.shape[1])],
        "class": np.arange(K),
    }


def _data(X, labels):
    return pm.Data("X", X, dims=("obs", "feature")), pm.Data("y", labels, dims="obs")


def _param(name, dims, sigma):
    """A free variable with a Flat prior (``sigma`` None) or a Normal(0, sigma) prior."""
    if sigma is None:
        return pm.Flat(name, dims=dims)
    return pm.Normal(name, 0.0, sigma, dims=dims)


def _likelihood(y_data, z):
    """The deterministic ``logits`` z, shape (obs, class), and the observed labels."""
    z = pm.Deterministic("logits", z, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")


def model_graph(model: pm.Model):
    """Draw ``model`` with :func:`pymc.model_to_graphviz`, also when it has :class:`pymc.Flat`
    variables.

    PyMC 6.4 evaluates every variable to learn its shape while drawing, which a Flat cannot
    (PyMC issue 8024); evaluating in PyTensor's ``FAST_COMPILE`` mode infers the shape instead
    (the approach of the fix proposed upstream). The workaround touches a private PyMC setting,
    so it lives here, in one place, and is tested against the installed PyMC.

    Returns
    -------
    graphviz.Digraph
    """
    from unittest import mock

    import pymc.model_graph

    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}")
    with mock.patch.object(pymc.model_graph, "_cheap_eval_mode", "FAST_COMPILE"):
        return pm.model_to_graphviz(model)
