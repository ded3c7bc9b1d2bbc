r"""The public fitters of softmax regression: the MLE, the L2-penalised MAP, and other scores.

* :func:`fit_cross_entropy`: the MLE, by minimising the summed cross entropy; it refuses to
  answer when no MLE exists (:class:`~cross_entropy_mle.separation.SeparationError`).
* :func:`fit_l2`: the summed cross entropy plus an L2 term, the MAP under normal priors.
* :func:`fit_brier`: the summed Brier score; :func:`fit_linear_probability`: least squares on
  one-hot labels.

The first three return a :class:`~cross_entropy_mle.convergence.FitResult` under the one
convergence policy of :mod:`~cross_entropy_mle.convergence` (the linear probability model is a
regression and returns its coefficients). :func:`fit_brier` uses the generic optimiser of
:mod:`~cross_entropy_mle.optimise`. The softmax-regression fitters work on
standardised features and map the estimate back, so they are equivariant under rescaling a
column of X (its weights scale inversely, the NLL is unchanged) and their tolerances are in
units that do not depend on X's.
"""

import dataclasses

import numpy as np
from numpy.typing import ArrayLike
from threadpoolctl import ThreadpoolController

from .convergence import FitResult, fit_result
from .losses import one_hot, score_logits
from .model import SoftmaxRegression, pack_params, unpack_params
from .newton import certify_minimiser, newton
from .objective import SoftmaxRegressionLoss
from .optimise import linear_logit_fn, minimise_score
from .separation import SeparationError, check_identifiable, separation_error
from .standardise import fit_standardisation, standardise
from .validate import check_int, check_positive, check_X_y

__all__ = [
    "fit_brier",
    "fit_cross_entropy",
    "fit_l2",
    "fit_linear_probability",
]

PARAMETRISATIONS = ("pivot", "symmetric")


_BLAS = []  # the ThreadpoolController, made on first use (inspecting the libraries costs ms)


def _single_threaded_blas():
    """One BLAS thread over the objective's blocks: its many small products gain nothing from
    more (thread start-up costs more than the products, badly so on a busy machine)."""
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


def _linear_result(obj, st, res, K, method, status, stacklevel=4):
    """FitResult of a softmax-regression fit on standardised features, mapped back."""
    theta = st.params_to_original(res.theta, K - 1)
    grad = st.gradient_to_original(res.grad, K - 1)
    weights, bias = unpack_params(theta, K, st.mean.size)
    nll = res.loss - obj.penalty(res.theta)
    grad_norm = np.max(np.abs(grad), initial=0.0) / obj.n_samples
    return fit_result(
        SoftmaxRegression(weights, bias),
        nll,
        res.loss,
        res.n_iter,
        status,
        grad_norm,
        method,
        stacklevel=stacklevel,
    )


def fit_cross_entropy(
    X: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    *,
    tol: float = 1e-9,
    max_iter: int = 200,
) -> FitResult:
    r"""Fit softmax regression by minimising the summed cross entropy: the MLE.

    .. math:: \hat\theta = \arg\min_\theta \sum_{i=1}^N H(h_i, q_\theta(x_i))
              = \arg\max_\theta \prod_{i=1}^N q_\theta(y_i \mid x_i)

    The columns of X are centred and scaled first. Newton's method (:mod:`.newton`) starts from
    the intercept-only MLE with an exact, closed-form first step; later steps are solved by
    preconditioned conjugate gradients with exact Hessian-vector products, in cache-sized
    blocks of observations. It stops when the largest entry of the gradient of the mean NLL over
    the standardised parameters is at most ``tol``, or at the precision floor (the NLL resolved
    to about :math:`16 \epsilon |f|`, :math:`\epsilon \approx 2.2 \times 10^{-16}`).

    The estimate is then *certified*: the Newton step there must be provably small,
    :math:`R \|H^{-1} g\| \le 0.1` with :math:`R = 2 \max_i \|(1, u_i)\|`. Otherwise a linear
    program decides whether the MLE exists (:class:`SeparationError` if not) or the optimiser
    merely stopped early (:class:`~cross_entropy_mle.ConvergenceWarning`, ``converged=False``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Features; ``n_features`` may be 0 (an intercept-only model).
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.
    tol : float
        Tolerance on the largest gradient entry of the mean NLL over the standardised
        parameters.
    max_iter : int
        Maximum Newton iterations.

    Returns
    -------
    FitResult
        ``weights`` (K, d) and ``bias`` (K,) with class 0 zero, ``nll`` = ``objective`` the
        summed NLL, ``method="cross-entropy"``.

    Raises
    ------
    SeparationError
        A class has no observations, or the classes are completely or quasi-completely
        separated: no finite MLE exists. The error carries the direction.
    ValueError
        Bad input, or a rank-deficient design (the MLE is then not unique).
    """
    X, labels, K = check_X_y(X, y, n_classes)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", 1)
    st = fit_standardisation(X)
    with _single_threaded_blas():
        obj = SoftmaxRegressionLoss(X, labels, K, standardisation=st)
        check_identifiable(obj.Xt, labels, K, obj.gram)
        theta0, loss0, grad0, inverse_hessian = obj.intercept_only_start()
        res = newton(obj, theta0, tol, max_iter, start=(loss0, grad0, inverse_hessian))
        certified = res.status in ("gradient", "floor") and certify_minimiser(
            obj, res.theta, res.grad
        )
    status = res.status
    if not certified:
        error = separation_error(X, labels, K)
        if error is not None:
            raise error
        status = res.status if res.status in ("max_iter", "line search") else "not certified"
    return _linear_result(obj, st, res, K, "cross-entropy", status)


def fit_l2(
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    *,
    n_classes: int | None = None,
    bias_sigma: float = np.inf,
    parametrisation: str = "pivot",
    tol: float = 1e-10,
    max_iter: int = 200,
) -> FitResult:
    r"""Minimise the summed cross entropy plus an L2 term: the MAP under normal priors.

    .. math:: \hat\theta_\sigma = \arg\min_\theta \sum_{i=1}^N H(h_i, q_\theta(x_i))
              + \frac{1}{2\sigma^2} \sum_{k} \lVert W_k \rVert^2
              + \frac{1}{2\sigma_b^2} \sum_{k} b_k^2

    The penalised sum is :math:`-\log p(\theta \mid \mathcal D)` up to a constant when the free
    rows have independent :math:`\mathcal N(0, \sigma^2)` priors on the weights and
    :math:`\mathcal N(0, \sigma_b^2)` on the biases. The sums over :math:`k` run over rows
    ``1..K-1`` in the ``"pivot"`` parametrisation (row 0 fixed at zero) and over all ``K`` rows
    in the ``"symmetric"`` one, whose free common shift is minimised out (scikit-learn's
    multinomial ``LogisticRegression(C=sigma**2)``, with its unpenalised intercepts, is the
    symmetric case with ``bias_sigma=inf`` for K > 2). For K > 2 the two are different priors
    and give different estimates. For K = 2 scikit-learn fits a single row, the pivot
    parametrisation (``LogisticRegression(C=sigma**2)`` is ``"pivot"``), and the symmetric
    penalty is the pivot one with :math:`\sigma^2` doubled. The minimiser exists for any data
    when every class has observations or the biases are penalised.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    sigma : float
        Prior standard deviation of the weights, positive and finite.
    n_classes : int, optional
    bias_sigma : float
        Prior standard deviation of the biases; ``inf`` (default) leaves them unpenalised.
    parametrisation : {"pivot", "symmetric"}
    tol : float
        Gradient tolerance on the penalised objective divided by ``n_samples`` (standardised
        parameters).
    max_iter : int

    Returns
    -------
    FitResult
        ``weights`` and ``bias`` in the pivot parametrisation (the symmetric weights are
        ``weights - weights.mean(axis=0)``), ``nll`` the data term, ``objective`` the penalised
        sum, ``method`` ``"l2-pivot"`` or ``"l2-symmetric"``.

    Raises
    ------
    SeparationError
        A class has no observations and the biases are unpenalised.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    sigma = check_positive(sigma, "sigma")
    bias_sigma = check_positive(bias_sigma, "bias_sigma", allow_inf=True)
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", 1)
    if parametrisation not in PARAMETRISATIONS:
        raise ValueError(
            f"parametrisation must be one of {PARAMETRISATIONS}, got {parametrisation!r}"
        )
    empty = np.flatnonzero(np.bincount(labels, minlength=K) == 0)
    if empty.size and np.isinf(bias_sigma):
        raise SeparationError(
            f"class(es) {empty.tolist()} have no observations and the biases are unpenalised: "
            "the penalised likelihood rises as their bias goes to -inf"
        )
    # Centring moves weight into the bias, which changes a penalised bias's prior: scale only.
    st = fit_standardisation(X, centre=np.isinf(bias_sigma))
    lam = np.r_[0.0 if np.isinf(bias_sigma) else bias_sigma**-2, sigma**-2 / st.scale**2]
    with _single_threaded_blas():
        obj = SoftmaxRegressionLoss(
            X,
            labels,
            K,
            l2=lam,
            symmetric_penalty=parametrisation == "symmetric",
            standardisation=st,
        )
        res = newton(obj, np.zeros(obj.n_params), tol, max_iter)
    return _linear_result(obj, st, res, K, f"l2-{parametrisation}", res.status)


def fit_brier(
    X: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    *,
    gtol: float = 1e-9,
    max_iter: int = 2000,
) -> FitResult:
    r"""Fit softmax regression by minimising the summed Brier score.

    .. math:: \hat\theta_B = \arg\min_\theta \sum_{i=1}^N \big\|\operatorname{softmax}(W x_i + b)
              - h_i\big\|^2

    The Brier score is strictly proper, so under a correctly specified model this estimator is
    consistent for the same parameters as the MLE, and less efficient. BFGS
    (:func:`~cross_entropy_mle.optimise.minimise_score`) runs on standardised features from
    the cross-entropy MLE.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
    gtol : float
        Tolerance on the largest gradient entry of the mean Brier score over the standardised
        parameters.
    max_iter : int

    Returns
    -------
    FitResult
        ``objective`` the summed Brier score, ``nll`` the summed NLL, ``method="brier"``.

    Raises
    ------
    SeparationError
        From the starting MLE, when the classes are separated.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    U, st = standardise(X)
    start = fit_cross_entropy(U, labels, K)

    def to_model(theta):
        return SoftmaxRegression(*unpack_params(st.params_to_original(theta, K - 1), K, d))

    d = X.shape[1]
    fit = minimise_score(
        linear_logit_fn(U, K),
        pack_params(start.weights, start.bias),
        labels,
        K,
        rule="brier",
        gtol=gtol,
        max_iter=max_iter,
        to_model=to_model,
        name="brier",
    )
    # grad_norm in the returned parametrisation, as for the other fitters
    theta = st.params_to_standardised(pack_params(fit.weights, fit.bias), K - 1)
    Z, vjp = linear_logit_fn(U, K)(theta)
    grad = st.gradient_to_original(vjp(score_logits(labels, Z, "brier")[1]), K - 1)
    return dataclasses.replace(
        fit, grad_norm=float(np.max(np.abs(grad), initial=0.0)) / labels.size
    )


def fit_linear_probability(X: ArrayLike, y: ArrayLike, n_classes: int | None = None):
    r"""Fit the linear probability model: least squares of the one-hot labels on ``[1, X]``.

    .. math:: (\hat W, \hat b) = \arg\min_{W, b} \sum_{i=1}^N \|h_i - W x_i - b\|^2

    Because the one-hot rows sum to 1 and the design contains the intercept, the fitted rows
    also sum to 1 exactly; nothing keeps them inside :math:`[0, 1]`. This is a regression, not
    a probability model, so it returns the coefficients, not a :class:`FitResult`.

    Returns
    -------
    weights : ndarray of shape (n_classes, n_features)
    bias : ndarray of shape (n_classes,)
        The fitted "probabilities" are ``X @ weights.T + bias``.

    Raises
    ------
    ValueError
        Bad input, or a rank-deficient design.
    """
    X, labels, K = check_X_y(X, y, n_classes)
    U, st = standardise(X)
    design = np.column_stack([np.ones(X.shape[0]), U])
    rank = np.linalg.matrix_rank(design)
    if rank < design.shape[1]:
        raise ValueError(
            f"the design [1, X] has rank {rank} < {design.shape[1]} columns: the "
            "least-squares fit is not unique"
        )
    coef, *_ = np.linalg.lstsq(design, one_hot(labels, K), rcond=None)  # (1 + d, K)
    weights = coef[1:].T / st.scale
    bias = coef[0] - weights @ st.mean
    return weights, bias
