r"""Other parametrisations of softmax regression in PyMC, and a quiet way to run the sampler.

The pivot model of :mod:`.pymc_models` fixes class 0's row of ``[b, W]`` at zero. Two others:

* :func:`overparametrised_model`: all K rows free. Adding one vector :math:`c` to every row,
  :math:`(W_k, b_k) \mapsto (W_k + c_W, b_k + c_b)`, adds :math:`c_W^\top x + c_b` to every logit
  and leaves the softmax unchanged, so under flat priors the likelihood is constant along these
  directions (a ridge) and the posterior is improper.
* :func:`zero_sum_model`: all K rows, constrained to sum to zero over classes, which removes
  exactly that ridge; with flat priors its MAP gives the same probabilities as the pivot MLE.

:func:`capture_sampler_messages` collects what PyMC logs and warns while it runs, so a notebook
can report the relevant facts as text instead of leaking log lines into its output.
"""

import contextlib
import logging
import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.transforms import ZeroSumTransform

from .fit import _design
from .pymc_models import _check_sigma

__all__ = ["capture_sampler_messages", "overparametrised_model", "zero_sum_model"]


def overparametrised_model(X, y, prior="flat", n_classes=None):
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
        With data ``X`` and ``y``, free variables ``W`` (dims ``("class", "feature")``) and ``b``
        (dims ``"class"``), the deterministic ``logits`` (dims ``("obs", "class")``) and the
        observed ``y_obs``.
    """
    Xt, labels, K = _design(X, y, n_classes)
    with pm.Model(coords=_coords(Xt, labels, K)) as model:
        X_data, y_data = _data(Xt, labels)
        if isinstance(prior, str) and prior == "flat":
            W = pm.Flat("W", dims=("class", "feature"))
            b = pm.Flat("b", dims="class")
        else:
            sigma = _check_sigma(prior)
            W = pm.Normal("W", 0.0, sigma, dims=("class", "feature"))
            b = pm.Normal("b", 0.0, sigma, dims="class")
        _likelihood(X_data, y_data, W.T, b)
    return model


def zero_sum_model(X, y, prior="flat", n_classes=None):
    r"""Softmax regression with weights and biases that sum to zero over the classes.

    .. math:: \sum_{k=0}^{K-1} W_{jk} = 0 \text{ for every feature } j, \qquad
              \sum_{k=0}^{K-1} b_k = 0

    The constraint leaves K - 1 free values per feature (as in the pivot model), and every pivot
    parameter maps to exactly one zero-sum parameter with the same probabilities:
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
    Xt, labels, K = _design(X, y, n_classes)
    with pm.Model(coords=_coords(Xt, labels, K)) as model:
        X_data, y_data = _data(Xt, labels)
        if isinstance(prior, str) and prior == "flat":
            W = pm.Flat("W", dims=("feature", "class"), transform=ZeroSumTransform([-1]))
            b = pm.Flat("b", dims="class", transform=ZeroSumTransform([-1]))
        else:
            sigma = _check_sigma(prior)
            W = pm.ZeroSumNormal("W", sigma=sigma, dims=("feature", "class"))
            b = pm.ZeroSumNormal("b", sigma=sigma, dims="class")
        _likelihood(X_data, y_data, W, b)
    return model


_NEVER_HIDDEN = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


@contextlib.contextmanager
def capture_sampler_messages(logger="pymc"):
    """Collect the log records and warnings emitted inside the ``with`` block.

    The records of ``logger`` (and its children) are kept out of the output and stored, as are
    the sampler's own warnings; the caller decides what to show. Deprecation and future warnings
    are not the sampler's findings but problems of the code calling it: they are warned again
    when the block ends, so they are never hidden.

    Parameters
    ----------
    logger : str
        Name of the logger to capture.

    Yields
    ------
    list of str
        Filled with ``"<LEVEL>: <message>"`` for each log record and
        ``"<WarningClass>: <message>"`` for each warning, in the order they arrived.
    """
    if not isinstance(logger, str):
        raise TypeError(f"logger must be a logger name, got {type(logger).__name__}")
    messages = []

    class _Collect(logging.Handler):
        def emit(self, record):
            messages.append(f"{record.levelname}: {record.getMessage()}")

    log = logging.getLogger(logger)
    handler = _Collect(level=logging.DEBUG)
    old_level, old_propagate, old_handlers = log.level, log.propagate, log.handlers[:]
    log.handlers = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        for w in caught:
            if issubclass(w.category, _NEVER_HIDDEN):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            else:
                messages.append(f"{w.category.__name__}: {w.message}")
    finally:
        log.handlers = old_handlers
        log.propagate = old_propagate
        log.setLevel(old_level)


def _coords(Xt, labels, K):
    return {
        "obs": np.arange(labels.size),
        "feature": [f"x{j}" for j in range(Xt.shape[1] - 1)],
        "class": np.arange(K),
    }


def _data(Xt, labels):
    return pm.Data("X", Xt[:, 1:], dims=("obs", "feature")), pm.Data("y", labels, dims="obs")


def _likelihood(X_data, y_data, W_fc, b):
    """Logits ``X W_fc + b`` with ``W_fc`` of shape (feature, class), and the observed labels."""
    z = pm.Deterministic("logits", pt.dot(X_data, W_fc) + b, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
