r"""The public fitters of softmax regression: the MLE, the L2-penalised MAP, and other scores.

* :func:`fit_cross_entropy`: the MLE, by minimising the summed cross entropy; it refuses to
  answer when no MLE exists (:class:`~cross_entropy_mle.separation.SeparationError`).
* :func:`fit_l2`: the summed cross entropy plus an L2 term, the MAP under normal priors.
* :func:`fit_brier`: the summed Brier score; :func:`fit_linear_probability`: least squares on
  one-hot labels.
* :func:`minimise_score`: the generic optimiser over any differentiable logit function, used by
  :func:`fit_brier` and :func:`~cross_entropy_mle.network.fit_network`.

All return a :class:`~cross_entropy_mle.convergence.FitResult` under the one convergence
policy of :mod:`~cross_entropy_mle.convergence`. The softmax-regression fitters work on
standardised features and map the estimate back, so they are equivariant under rescaling a
column of X (its weights scale inversely, the NLL is unchanged) and their tolerances are in
units that do not depend on X's.
"""

import numpy as np
from numpy.typing import ArrayLike
from threadpoolctl import threadpool_limits

from .convergence import FitResult, fit_result, minimize
from .losses import one_hot, score_logits
from .model import SoftmaxRegression, pack_params, unpack_params
from .newton import certify_minimiser, newton
from .objective import SoftmaxRegressionLoss
from .separation import SeparationError, check_identifiable, separation_error
from .standardise import fit_standardisation, standardise
from .validate import check_finite_array, check_int, check_labels, check_positive, check_X_y

__all__ = [
    "fit_brier",
    "fit_cross_entropy",
    "fit_l2",
    "fit_linear_probability",
    "linear_logit_fn",
    "minimise_score",
]

PARAMETRISATIONS = ("pivot", "symmetric")
OPTIMIZERS = ("BFGS", "L-BFGS-B", "CG")
RULES = ("log", "brier")


def _single_threaded_blas():
    """One BLAS thread over the objective's blocks: its many small products gain nothing from
    more (thread start-up costs more than the products, badly so on a busy machine)."""
    return threadpool_limits(limits=1, user_api="blas")


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
    blocks of observations. It stops when the gradient of the mean NLL over the standardised
    parameters has Euclidean norm at most ``tol``, or at the precision floor (the NLL resolved
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
        Gradient tolerance on the mean NLL over the standardised parameters.
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
        certified = res.status != "max_iter" and certify_minimiser(obj, res.theta, res.grad)
    status = res.status
    if not certified:
        error = separation_error(X, labels, K)
        if error is not None:
            raise error
        status = "max_iter" if res.status == "max_iter" else "not certified"
    return _linear_result(obj, st, res, K, "cross-entropy", status)


def fit_l2(
    X: ArrayLike,
    y: ArrayLike,
    sigma: float,
    n_classes: int | None = None,
    *,
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
    symmetric case with ``bias_sigma=inf``). For K > 2 the two are different priors and give
    different estimates; for K = 2 the symmetric penalty is the pivot one with
    :math:`\sigma^2` doubled. The minimiser exists for any data when every class has
    observations or the biases are penalised.

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


def minimise_score(
    logit_fn,
    theta0: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    *,
    rule: str = "log",
    prior_sd: float | None = None,
    gtol: float = 1e-6,
    max_iter: int = 2000,
    method: str = "BFGS",
):
    r"""Minimise a summed score over the parameters of any differentiable logit function.

    .. math:: \hat\theta = \arg\min_\theta \; \sum_{i=1}^N
              S\big(\operatorname{softmax}(z_i(\theta)),
              y_i\big) + \frac{\|\theta\|^2}{2 \sigma^2}

    With ``rule="log"`` and no prior this is the MLE of
    :math:`y_i \sim \operatorname{Cat}(\operatorname{softmax}(z_i(\theta)))`; with ``prior_sd``
    :math:`= \sigma` the MAP under independent :math:`\mathcal{N}(0, \sigma^2)` priors. The
    gradient is the chain rule through ``logit_fn``'s vector-Jacobian product; the optimiser is
    :func:`~cross_entropy_mle.convergence.minimize` (its tolerance on the mean, its precision
    floor). Only a local minimum is found: for non-convex models the result depends on
    ``theta0``.

    Parameters
    ----------
    logit_fn : callable
        ``logit_fn(theta) -> (Z, vjp)``: the logits, shape (n_samples, n_classes), and
        ``vjp(G)`` returning :math:`\sum_{ik} G_{ik}\, \partial Z_{ik} / \partial \theta`.
    theta0 : array_like of shape (n_params,)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
        K; defaults to the number of columns of ``Z``.
    rule : {"log", "brier"}
    prior_sd : float, optional
    gtol : float
        Tolerance on the largest absolute gradient entry of the mean objective.
    max_iter : int
    method : {"BFGS", "L-BFGS-B", "CG"}

    Returns
    -------
    theta, nll, objective, n_iter, status, grad_norm
        ``status`` as in :class:`~cross_entropy_mle.FitResult`; the caller applies the policy.
    """
    if not callable(logit_fn):
        raise TypeError(f"logit_fn must be callable, got {type(logit_fn).__name__}")
    theta0 = check_finite_array(theta0, "theta0", ndim=1)
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if method not in OPTIMIZERS:
        raise ValueError(f"method must be one of {OPTIMIZERS}, got {method!r}")
    precision = 0.0 if prior_sd is None else check_positive(prior_sd, "prior_sd") ** -2
    gtol = check_positive(gtol, "gtol")
    max_iter = check_int(max_iter, "max_iter", 1)
    Z0 = _call(logit_fn, theta0)[0]
    labels, K = check_labels(y, Z0.shape[1] if n_classes is None else n_classes)
    if Z0.shape != (labels.size, K):
        raise ValueError(
            f"logit_fn must return logits of shape (n_samples, n_classes) = "
            f"({labels.size}, {K}), got {Z0.shape}"
        )

    def objective(theta):
        Z, vjp = _call(logit_fn, theta, Z0.shape)
        value, G = score_logits(labels, Z, rule)
        grad = np.asarray(vjp(G), dtype=float)
        if grad.shape != theta0.shape:
            raise ValueError(
                f"the vjp of logit_fn returned shape {grad.shape}; expected {theta0.shape}"
            )
        return value + 0.5 * precision * theta @ theta, grad + precision * theta

    value0, grad0 = objective(theta0)
    if not (np.isfinite(value0) and np.all(np.isfinite(grad0))):
        raise ValueError("the objective or its gradient is not finite at theta0")
    theta, value, grad, n_iter, status = minimize(
        objective, theta0, labels.size, gtol, max_iter, method
    )
    nll = score_logits(labels, _call(logit_fn, theta, Z0.shape)[0], "log")[0]
    grad_norm = float(np.max(np.abs(grad), initial=0.0)) / labels.size
    return theta, nll, value, n_iter, status, grad_norm


def _call(logit_fn, theta, shape=None):
    out = logit_fn(theta)
    if not (isinstance(out, tuple) and len(out) == 2 and callable(out[1])):
        raise ValueError("logit_fn(theta) must return a pair (logits, vjp) with vjp callable")
    Z = np.asarray(out[0], dtype=np.float64)
    if Z.ndim != 2 or (shape is not None and Z.shape != shape):
        want = "two dimensions" if shape is None else f"shape {shape}"
        raise ValueError(f"logit_fn returned logits of shape {Z.shape}; expected {want}")
    return Z, out[1]


def linear_logit_fn(X: ArrayLike, n_classes: int):
    r"""The logit function of softmax regression (pivot), for :func:`minimise_score`.

    .. math:: z_i(\theta) = W x_i + b, \qquad W_0 = 0,\; b_0 = 0

    with :math:`\theta` packed as in :func:`~cross_entropy_mle.pack_params`.

    Returns
    -------
    callable
        ``theta -> (Z, vjp)`` with ``Z`` of shape (n_samples, n_classes).
    """
    X = check_finite_array(X, "X", ndim=2)
    design = np.column_stack([np.ones(X.shape[0]), X])
    K = check_int(n_classes, "n_classes", 2)
    p = design.shape[1]

    def logit_fn(theta):
        theta = np.asarray(theta)
        if theta.shape != ((K - 1) * p,):
            raise ValueError(
                f"theta must have shape ((n_classes - 1) * (n_features + 1),) = "
                f"({(K - 1) * p},), got {theta.shape}"
            )
        full = np.zeros((K, p))
        full[1:] = theta.reshape(K - 1, p)
        return design @ full.T, lambda G: (G.T @ design)[1:].ravel()

    return logit_fn


def fit_brier(
    X: ArrayLike, y: ArrayLike, n_classes: int | None = None, *, gtol: float = 1e-9
) -> FitResult:
    r"""Fit softmax regression by minimising the summed Brier score.

    .. math:: \hat\theta_B = \arg\min_\theta \sum_{i=1}^N \big\|\operatorname{softmax}(W x_i + b)
              - h_i\big\|^2

    The Brier score is strictly proper, so under a correctly specified model this estimator is
    consistent for the same parameters as the MLE, and less efficient. BFGS
    (:func:`minimise_score`) runs on standardised features from the cross-entropy MLE.

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
    theta, nll, value, n_iter, status, _ = minimise_score(
        linear_logit_fn(U, K),
        pack_params(start.weights, start.bias),
        labels,
        K,
        rule="brier",
        gtol=gtol,
    )
    weights, bias = unpack_params(st.params_to_original(theta, K - 1), K, X.shape[1])
    Z, vjp = linear_logit_fn(U, K)(theta)
    grad = st.gradient_to_original(vjp(score_logits(labels, Z, "brier")[1]), K - 1)
    grad_norm = np.max(np.abs(grad), initial=0.0) / labels.size
    return fit_result(
        SoftmaxRegression(weights, bias), nll, value, n_iter, status, grad_norm, "brier"
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
