r"""The same softmax-regression model written in PyMC, and its MAP estimate.

.. math:: y_i \sim \operatorname{Cat}\big(\operatorname{softmax}(W x_i + b)\big),
          \qquad W_0 = 0,\; b_0 = 0 \text{ (pivot class 0)}

With ``prior="flat"`` the free rows of W and b get :class:`pymc.Flat` priors, the log posterior
equals the log-likelihood up to a constant, and the MAP is the MLE.
"""

import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from .fit import FitResult, _design, pack_params
from .losses import nll_grad
from .validate import check_finite_array

__all__ = ["fit_map", "softmax_regression_model"]


def softmax_regression_model(X, y, prior="flat", n_classes=None):
    r"""Build the PyMC model of softmax regression in the pivot parametrisation.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    prior : "flat" or float
        ``"flat"``: :class:`pymc.Flat` on every free parameter (MAP = MLE). A positive number
        :math:`\sigma`: independent :math:`\mathcal{N}(0, \sigma^2)` priors on the free weights and
        biases.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    pymc.Model
        With data ``X`` and ``y`` (:func:`pymc.Data`), free variables ``W_free`` (dims
        ``("class_free", "feature")``) and ``b_free`` (dims ``"class_free"``), the deterministic
        ``logits`` (dims ``("obs", "class")``) and the observed ``y_obs``.
    """
    Xt, labels, K = _design(X, y, n_classes)
    X = Xt[:, 1:]
    d = X.shape[1]
    coords = {
        "obs": np.arange(labels.size),
        "feature": [f"x{j}" for j in range(d)],
        "class": np.arange(K),
        "class_free": np.arange(1, K),
    }
    with pm.Model(coords=coords) as model:
        X_data = pm.Data("X", X, dims=("obs", "feature"))
        y_data = pm.Data("y", labels, dims="obs")
        if isinstance(prior, str) and prior == "flat":
            W_free = pm.Flat("W_free", dims=("class_free", "feature"))
            b_free = pm.Flat("b_free", dims="class_free")
        else:
            sigma = _check_sigma(prior)
            W_free = pm.Normal("W_free", 0.0, sigma, dims=("class_free", "feature"))
            b_free = pm.Normal("b_free", 0.0, sigma, dims="class_free")
        z_free = pt.dot(X_data, W_free.T) + b_free
        z = pm.Deterministic(
            "logits",
            pt.concatenate([pt.zeros((X_data.shape[0], 1)), z_free], axis=1),
            dims=("obs", "class"),
        )
        pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
    return model


def fit_map(model, tol=1e-8, max_iter=500):
    """Maximise the model's log posterior with :func:`pymc.find_MAP`.

    Uses a trust-region Newton method with PyTensor's gradient and Hessian-vector products, no
    jitter, and ``return_inferencedata=True`` (the current API).

    Parameters
    ----------
    model : pymc.Model
        From :func:`softmax_regression_model`.
    tol : float
        Tolerance on the gradient norm of the *mean* log posterior: the optimiser stops when the
        gradient of the summed log posterior falls below ``tol * n_samples``. (An absolute
        tolerance far below that is unreachable in floating point for large data sets: the
        trust region then fails on round-off and PyMC warns that it did not converge.)
    max_iter : int
        Maximum optimiser iterations.

    Returns
    -------
    FitResult
        Same fields as :func:`~cross_entropy_mle.fit_cross_entropy`: ``weights`` (K, d) and
        ``bias`` (K,) with class 0 zero; ``nll`` and ``grad_norm`` are those of the summed
        negative log-likelihood (the data term alone, whatever the prior).
    """
    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}")
    missing = {"X", "y", "W_free", "b_free"} - set(model.named_vars)
    if missing:
        raise ValueError(f"model lacks {sorted(missing)}; build it with softmax_regression_model")
    with warnings.catch_warnings():
        # scipy notes that trust-ncg ignores the bounds PyMC passes as None; nothing else.
        warnings.filterwarnings("ignore", message="Method trust-ncg does not use", category=RuntimeWarning)
        dt = pm.find_MAP(
            method="trust-ncg",
            model=model,
            jitter=False,
            return_inferencedata=True,
            progressbar=False,
            gtol=tol * max(1, int(model["y"].get_value().size)),
            maxiter=max_iter,
        )
    post = dt.posterior.to_dataset()
    W_free = post["W_free"].values[0, 0]
    b_free = post["b_free"].values[0, 0]
    X = check_finite_array(model["X"].get_value(), "X", ndim=2)
    y = np.asarray(model["y"].get_value(), dtype=np.int64)
    K = b_free.size + 1
    weights = np.vstack([np.zeros((1, X.shape[1])), W_free])
    bias = np.concatenate([[0.0], b_free])
    nll, gW, gb = nll_grad(y, X, weights, bias)
    opt = dt.optimizer_result.to_dataset() if "optimizer_result" in dt.children else None
    n_iter = int(opt["nit"].values) if opt is not None and "nit" in opt else -1
    success = bool(opt["success"].values) if opt is not None and "success" in opt else True
    grad_norm = float(np.linalg.norm(pack_params(gW, gb)))
    return FitResult(weights, bias, nll, n_iter, success, grad_norm, method="pymc-map")


def _check_sigma(prior):
    if isinstance(prior, bool) or not isinstance(prior, (int, float, np.floating, np.integer)):
        raise TypeError(f'prior must be "flat" or a positive number (the prior sd), got {prior!r}')
    if not (np.isfinite(prior) and prior > 0):
        raise ValueError(f"prior sd must be a positive finite number, got {prior}")
    return float(prior)
