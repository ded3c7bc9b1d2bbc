"""The MLE four ways: cross-entropy minimisation, PyMC's flat-prior MAP, scikit-learn, statsmodels.

All four are reported as :class:`~cross_entropy_mle.FitResult` in the pivot parametrisation
(class 0's row of W and its bias are zero), with ``nll`` and ``grad_norm`` computed by the one
objective, :class:`~cross_entropy_mle.objective.SoftmaxRegressionLoss`. scikit-learn,
statsmodels and PyMC are imported on first use.
"""

import numpy as np
from numpy.typing import ArrayLike

from .convergence import FitResult, fit_result
from .fit import fit_cross_entropy
from .model import SoftmaxRegression, pack_params
from .objective import SoftmaxRegressionLoss
from .separation import check_identifiable
from .standardise import fit_standardisation
from .validate import check_X_y

__all__ = ["compare_estimates", "fit_sklearn", "fit_statsmodels"]


def fit_sklearn(
    X: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    tol: float = 1e-4,
    max_iter: int = 10_000,
) -> FitResult:
    """Unpenalised multinomial ``LogisticRegression(C=np.inf)``, moved to the pivot parametrisation.

    scikit-learn fits all K rows (the symmetric parametrisation); subtracting row 0 from every
    row gives the same probabilities with class 0 as the pivot.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
    tol, max_iter
        Passed to ``LogisticRegression`` (its defaults are ``tol=1e-4``).

    Returns
    -------
    FitResult
        With ``converged`` from scikit-learn's iteration count against ``max_iter``.
    """
    from sklearn.linear_model import LogisticRegression

    X, labels, K = check_X_y(X, y, n_classes)
    _check_identifiable(X, labels, K)
    clf = LogisticRegression(C=np.inf, tol=tol, max_iter=max_iter)
    clf.fit(X, labels)
    coef, intercept = clf.coef_, clf.intercept_
    if K == 2:  # scikit-learn keeps one row, the log-odds of class 1 against class 0
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    weights, bias = coef - coef[0], intercept - intercept[0]
    n_iter = int(np.max(clf.n_iter_))
    return _result(X, labels, weights, bias, n_iter, n_iter < max_iter, "scikit-learn")


def fit_statsmodels(X: ArrayLike, y: ArrayLike, n_classes: int | None = None) -> FitResult:
    """``statsmodels.api.MNLogit`` fitted by Newton's method (class 0 is its reference).

    Returns
    -------
    FitResult
    """
    import statsmodels.api as sm

    X, labels, K = check_X_y(X, y, n_classes)
    _check_identifiable(X, labels, K)
    Xt = np.column_stack([np.ones(X.shape[0]), X])
    fit = sm.MNLogit(labels, Xt).fit(method="newton", disp=0, maxiter=200, tol=1e-12)
    params = np.asarray(fit.params).T  # (K-1, 1+d)
    weights = np.vstack([np.zeros((1, Xt.shape[1] - 1)), params[:, 1:]])
    bias = np.concatenate([[0.0], params[:, 0]])
    converged = bool(fit.mle_retvals["converged"])
    n_iter = int(fit.mle_retvals["iterations"])
    return _result(X, labels, weights, bias, n_iter, converged, "statsmodels")


def compare_estimates(X: ArrayLike, y: ArrayLike, n_classes: int | None = None):
    """Fit the MLE four ways and tabulate how closely they agree.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional

    Returns
    -------
    pandas.DataFrame
        One row per estimator (``cross-entropy``, ``pymc-map``, ``statsmodels``, ``scikit-learn``)
        with columns ``nll`` (summed), ``grad_norm``, ``converged`` and ``max_abs_diff`` (largest
        absolute parameter difference from the cross-entropy fit). The fits themselves are in
        ``df.attrs["fits"]``.
    """
    import pandas as pd

    from .pymc.map import fit_map
    from .pymc.models import softmax_regression_model

    reference = fit_cross_entropy(X, y, n_classes)
    K = reference.bias.size
    fits = [
        reference,
        fit_map(softmax_regression_model(X, y, "flat", K)),
        fit_statsmodels(X, y, K),
        fit_sklearn(X, y, K),
    ]
    theta_ref = pack_params(reference.weights, reference.bias)
    table = pd.DataFrame(
        {
            "nll": [f.nll for f in fits],
            "grad_norm": [f.grad_norm for f in fits],
            "converged": [f.converged for f in fits],
            "max_abs_diff": [
                float(np.abs(pack_params(f.weights, f.bias) - theta_ref).max()) for f in fits
            ],
        },
        index=pd.Index([f.method for f in fits], name="estimator"),
    )
    table.attrs["fits"] = {f.method: f for f in fits}
    return table


def _check_identifiable(X, labels, K):
    """The library's own existence checks (rank, empty classes) before calling a reference."""
    obj = SoftmaxRegressionLoss(X, labels, K, standardisation=fit_standardisation(X))
    check_identifiable(obj.Xt, labels, K, obj.gram)


def _result(X, y, weights, bias, n_iter, converged, method):
    """A reference's estimate as a FitResult, under the one policy.

    The reference's own convergence criterion decides ``status`` (scikit-learn: it stopped
    before ``max_iter``; statsmodels: its ``converged`` flag); ``nll`` and ``grad_norm`` are
    recomputed by the library's objective, so the table shows how far each one really is.
    """
    obj = SoftmaxRegressionLoss(X, y, bias.size)
    nll, grad = obj.loss_gradient(pack_params(weights, bias))
    grad_norm = np.max(np.abs(grad), initial=0.0) / y.size
    status = "gradient" if converged else "max_iter"
    return fit_result(
        SoftmaxRegression(weights, bias), nll, nll, n_iter, status, grad_norm, method, stacklevel=4
    )
