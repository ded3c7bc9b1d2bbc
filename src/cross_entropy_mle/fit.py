r"""Maximum-likelihood fitting of softmax regression by minimising the summed cross entropy.

Parametrisation (pivot): class 0 is the reference, so :math:`W_0 = 0` and :math:`b_0 = 0`, and the
free parameters are the rows :math:`k = 1, \dots, K-1`. With a full-rank design the summed
cross entropy is then strictly convex, and its minimiser, when it exists, is the unique MLE.

The MLE does not exist when the classes are (quasi-)separated: a direction in parameter space
then improves the fit of every observation at once and the likelihood keeps rising towards its
supremum as the weights grow without bound. :func:`fit_cross_entropy` certifies every returned
estimate, and decides failures with a linear program (:func:`separation_direction`).
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import logsumexp

from .losses import logits as _logits
from .losses import softmax
from .validate import check_finite_array, check_labels

__all__ = [
    "ConvergenceWarning",
    "FitResult",
    "SeparationError",
    "fit_cross_entropy",
    "pack_params",
    "separation_direction",
    "unpack_params",
]

#: A fit is accepted as the MLE when ``R * ||Newton step|| <= NEWTON_CERTIFICATE``, with
#: ``R = 2 max_i ||(1, x_i)||``. Under separation the Newton step along the escaping direction
#: stays of order ``1 / R`` instead of shrinking, so this threshold tells the two apart.
NEWTON_CERTIFICATE = 0.1


class SeparationError(ValueError):
    """The maximum-likelihood estimate does not exist (separation or an empty class)."""


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before it reached the MLE."""


@dataclass(frozen=True)
class FitResult:
    """A fitted softmax-regression model in the pivot parametrisation.

    Attributes
    ----------
    weights : ndarray of shape (n_classes, n_features)
        W, with row 0 equal to zero.
    bias : ndarray of shape (n_classes,)
        b, with entry 0 equal to zero.
    nll : float
        Summed negative log-likelihood (= summed cross entropy) at the estimate.
    n_iter : int
        Optimiser iterations.
    converged : bool
        Whether the estimate is certified as the minimiser.
    grad_norm : float
        Euclidean norm of the gradient of the summed NLL over the free parameters.
    method : str
        Which estimator produced it.
    """

    weights: np.ndarray
    bias: np.ndarray
    nll: float
    n_iter: int
    converged: bool
    grad_norm: float
    method: str = "cross-entropy"

    def predict_proba(self, X):
        """Class probabilities softmax(W x + b), shape (n_samples, n_classes)."""
        return softmax(_logits(X, self.weights, self.bias))


def pack_params(weights, bias):
    """Flatten pivot-parametrised ``(weights, bias)`` into the free-parameter vector.

    Parameters
    ----------
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)

    Returns
    -------
    ndarray of shape ((n_classes - 1) * (n_features + 1),)
        Rows 1..K-1 of ``[b, W]``, row-major.
    """
    W = np.asarray(weights, dtype=float)
    b = np.asarray(bias, dtype=float)
    return np.column_stack([b[1:], W[1:]]).ravel()


def unpack_params(theta, n_classes, n_features):
    """Inverse of :func:`pack_params`: return ``(weights, bias)`` with class 0 fixed at zero."""
    full = np.zeros((n_classes, n_features + 1))
    full[1:] = np.asarray(theta, dtype=float).reshape(n_classes - 1, n_features + 1)
    return full[:, 1:].copy(), full[:, 0].copy()


class _Objective:
    """Summed NLL, gradient and Hessian-vector products over the free parameters."""

    def __init__(self, Xt, y, n_classes):
        self.Xt, self.y, self.K = Xt, y, n_classes
        self.rows = np.arange(y.size)
        self._key, self._q = None, None

    def _full(self, theta):
        full = np.zeros((self.K, self.Xt.shape[1]))
        full[1:] = theta.reshape(self.K - 1, -1)
        return full

    def value_and_grad(self, theta):
        z = self.Xt @ self._full(theta).T
        log_q = z - logsumexp(z, axis=1, keepdims=True)
        q = np.exp(log_q)
        self._key, self._q = theta.tobytes(), q
        resid = q.copy()
        resid[self.rows, self.y] -= 1.0
        grad = (resid.T @ self.Xt)[1:]
        return -log_q[self.rows, self.y].sum(), grad.ravel()

    def hessp(self, theta, v):
        if self._key != theta.tobytes():
            self.value_and_grad(theta)
        q = self._q
        u = self.Xt @ self._full(v).T
        r = q * (u - (q * u).sum(axis=1, keepdims=True))
        return (r.T @ self.Xt)[1:].ravel()


def fit_cross_entropy(X, y, n_classes=None, *, tol=1e-9, max_iter=200):
    r"""Fit softmax regression by minimising the summed cross entropy (the MLE).

    .. math:: \hat\theta = \arg\min_\theta \sum_{i=1}^N H(h_i, q_\theta(x_i))
              = \arg\max_\theta \prod_{i=1}^N q_\theta(y_i \mid x_i)

    A trust-region Newton method (``scipy.optimize.minimize(method="trust-ncg")``) uses the
    analytic gradient and exact Hessian-vector products. The estimate is returned only when a
    final Newton step certifies it; otherwise a linear program decides whether the MLE exists
    (:class:`SeparationError` if not) or the optimiser merely stopped early
    (:class:`ConvergenceWarning` and ``converged=False``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Features; ``n_features`` may be 0 (an intercept-only model).
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.
    tol : float
        Stop when the gradient norm of the *mean* NLL falls below ``tol``.
    max_iter : int
        Maximum trust-region iterations.

    Returns
    -------
    FitResult
        ``weights`` (K, d) and ``bias`` (K,) with class 0 fixed at zero, the summed ``nll``,
        ``n_iter``, ``converged`` and ``grad_norm`` (of the summed NLL).

    Raises
    ------
    SeparationError
        A class has no observations, or the classes are completely or quasi-completely
        separated, so no finite MLE exists.
    ValueError
        Bad input, or a rank-deficient design (the MLE is then not unique).
    """
    Xt, labels, K = _design(X, y, n_classes)
    _check_identifiable(Xt, labels, K)
    obj = _Objective(Xt, labels, K)
    n = labels.size
    counts = np.bincount(labels, minlength=K)
    theta0 = np.zeros((K - 1, Xt.shape[1]))
    theta0[:, 0] = np.log(counts[1:] / counts[0])
    res = optimize.minimize(
        lambda t: tuple(v / n for v in obj.value_and_grad(t)),
        theta0.ravel(),
        jac=True,
        hessp=lambda t, v: obj.hessp(t, v) / n,
        method="trust-ncg",
        options={"gtol": tol, "maxiter": max_iter},
    )
    nll, grad = obj.value_and_grad(res.x)
    certified = _newton_certificate(obj, res.x, grad, Xt)
    if not certified:
        direction = separation_direction(X, labels, K)
        if direction is not None:
            complete = _completely_separated(Xt, labels, K)
            raise SeparationError(_separation_message(direction, Xt, labels, K, complete))
        warnings.warn(
            f"fit_cross_entropy stopped after {res.nit} iterations without reaching the MLE "
            f"({res.message}); the returned estimate is not certified",
            ConvergenceWarning,
            stacklevel=2,
        )
    weights, bias = unpack_params(res.x, K, Xt.shape[1] - 1)
    return FitResult(weights, bias, float(nll), int(res.nit), bool(certified), float(np.linalg.norm(grad)))


def separation_direction(X, y, n_classes=None):
    r"""Find a direction along which the likelihood rises without bound, if there is one.

    Solves the linear program

    .. math:: \max_{D} \sum_{i} \sum_{k \ne y_i} (d_{y_i} - d_k)^\top \tilde x_i
              \quad\text{s.t.}\quad (d_{y_i} - d_k)^\top \tilde x_i \ge 0,\;
              -1 \le D \le 1,\; d_0 = 0,

    with :math:`\tilde x_i = (1, x_i)`. A positive optimum means every observation's log-odds
    against every other class can be raised together: the data are separated (complete if all
    inequalities are strict, quasi-complete otherwise) and no finite MLE exists.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional

    Returns
    -------
    ndarray of shape (n_classes, n_features + 1) or None
        The direction ``[d_b, d_W]`` per class (row 0 zero, scaled to max-abs 1), or ``None`` when
        the data overlap and the likelihood is bounded away from its supremum.
    """
    Xt, labels, K = _design(X, y, n_classes)
    Z, scale = _scaled_design(Xt)
    A = _pair_margins_matrix(Z, labels, K)
    n_var = (K - 1) * Z.shape[1]
    res = optimize.linprog(
        -np.asarray(A.sum(axis=0)).ravel(),
        A_ub=-A,
        b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * n_var,
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"the separation linear program failed: {res.message}")
    margins = A @ res.x
    if margins.max() <= 1e-7 * max(1.0, np.abs(Z).max()):
        return None
    full = np.zeros((K, Z.shape[1]))
    full[1:] = res.x.reshape(K - 1, -1) / scale
    return full / np.abs(full).max()


def _design(X, y, n_classes):
    X = check_finite_array(X, "X", ndim=2)
    labels, K = check_labels(y, n_classes)
    if labels.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.size} labels")
    return np.column_stack([np.ones(X.shape[0]), X]), labels, K


def _check_identifiable(Xt, labels, K):
    counts = np.bincount(labels, minlength=K)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise SeparationError(
            f"class(es) {empty.tolist()} have no observations: the likelihood rises as their "
            "bias goes to -inf, so no finite MLE exists"
        )
    rank = np.linalg.matrix_rank(Xt)
    if rank < Xt.shape[1]:
        raise ValueError(
            f"the design [1, X] has rank {rank} < {Xt.shape[1]} columns (collinear or constant "
            "features): the MLE is not unique"
        )


def _newton_certificate(obj, theta, grad, Xt):
    n_par = theta.size
    H = LinearOperator((n_par, n_par), matvec=lambda v: obj.hessp(theta, v), dtype=float)
    step, info = cg(H, grad, rtol=1e-10, maxiter=10 * n_par)
    if info != 0 or not np.all(np.isfinite(step)):
        return False
    radius = 2.0 * np.sqrt((Xt**2).sum(axis=1).max())
    return bool(radius * np.linalg.norm(step) <= NEWTON_CERTIFICATE)


def _pair_margins_matrix(Z, labels, K):
    """Sparse rows a_(i,k) with a_(i,k) . theta = (d_{y_i} - d_k) . z_i, for all k != y_i."""
    n, p = Z.shape
    ii, kk = np.nonzero(np.arange(K)[None, :] != labels[:, None])
    rows, cols, vals = [], [], []
    row_id = np.arange(ii.size)
    for cls, sign in ((labels[ii], 1.0), (kk, -1.0)):
        keep = cls != 0
        r = np.repeat(row_id[keep], p)
        c = ((cls[keep] - 1)[:, None] * p + np.arange(p)).ravel()
        rows.append(r)
        cols.append(c)
        vals.append(sign * Z[ii[keep]].ravel())
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(ii.size, (K - 1) * p),
    )


def _scaled_design(Xt):
    scale = np.ones(Xt.shape[1])
    spread = Xt[:, 1:].std(axis=0)
    scale[1:] = np.where(spread > 0, spread, 1.0)
    return Xt / scale, scale


def _completely_separated(Xt, labels, K):
    """Whether one direction makes every margin strictly positive: max t s.t. A d >= t."""
    Z, _ = _scaled_design(Xt)
    A = _pair_margins_matrix(Z, labels, K)
    n_var = A.shape[1]
    c = np.zeros(n_var + 1)
    c[-1] = -1.0
    A_ub = sparse.hstack([-A, np.ones((A.shape[0], 1))]).tocsr()
    res = optimize.linprog(
        c, A_ub=A_ub, b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * n_var + [(None, 1.0)], method="highs",
    )
    return res.status == 0 and -res.fun > 1e-7 * max(1.0, np.abs(Z).max())


def _separation_message(direction, Xt, labels, K, complete):
    margins = Xt @ direction.T
    own = margins[np.arange(labels.size), labels]
    gap = own[:, None] - margins
    tol = 1e-7 * np.abs(gap).max()
    pairs = sorted(
        {(int(labels[i]), int(k)) for i, k in zip(*np.nonzero(gap > tol)) if k != labels[i]}
    )
    kind = "complete" if complete else "quasi-complete"
    isolated = [
        c
        for c in range(K)
        if all((c, k) in pairs for k in range(K) if k != c)
        and all((k, c) in pairs for k in range(K) if k != c)
    ]
    detail = f"class {isolated[0]} is separable from the rest; " if len(isolated) == 1 else ""
    pair_text = ", ".join(f"{a} vs {b}" for a, b in pairs)
    return (
        f"{kind} separation: {detail}a direction in parameter space improves the fit of every "
        f"observation, so the likelihood has no finite maximiser (separated class pairs, "
        f"observed class vs other: {pair_text})"
    )
