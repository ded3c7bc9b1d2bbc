r"""When the MLE of softmax regression does not exist: empty classes, rank, and separation.

With :math:`\tilde x_i = (1, x_i)` and class directions :math:`d_k` (:math:`d_0 = 0`), the
*margins* of a direction :math:`D` are :math:`m_{ik} = (d_{y_i} - d_k)^\top \tilde x_i` for every
observation :math:`i` and every other class :math:`k \ne y_i`. Moving the parameters along
:math:`t D` raises the log-odds of every observation's own class against class :math:`k` by
:math:`t\, m_{ik}`, so

* **complete separation**: some :math:`D` has every margin positive. Along it every
  :math:`q_{i y_i} \to 1` and the NLL tends to 0, its infimum, which no finite θ attains;
* **quasi-complete separation**: no :math:`D` has every margin positive, but some has every
  margin non-negative and at least one positive. Along it the fit of the observations with
  positive margins improves without bound and no other observation's fit changes, so the
  parameters grow without bound while the NLL tends to a positive limit, and again no finite
  θ attains the infimum.

Otherwise (the classes *overlap*) and with a full-rank design, the NLL has a unique finite
minimiser, the MLE. All decisions are taken on standardised features (see
:mod:`~cross_entropy_mle.standardise`), so they do not depend on the units of X.
"""

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, sparse

from .standardise import standardise
from .validate import check_X_y

__all__ = ["SeparationError", "check_identifiable", "separation_direction", "separation_error"]

#: Relative threshold below which a margin or an eigenvalue counts as zero.
ZERO_TOL = 1e-7


class SeparationError(ValueError):
    """The MLE does not exist: a class has no observations, or the classes are separated.

    Attributes
    ----------
    direction : ndarray of shape (n_classes, n_features + 1) or None
        The direction ``[d_b, d_W]`` per class along which the likelihood rises (None for an
        empty class).
    complete : bool or None
        Whether the separation is complete (None for an empty class).
    """

    def __init__(self, message, direction=None, complete=None):
        super().__init__(message)
        self.direction = direction
        self.complete = complete


def check_identifiable(
    design_t: np.ndarray, y: np.ndarray, n_classes: int, gram: np.ndarray | None = None
) -> None:
    """Raise unless every class has observations and the design ``[1, U]`` has full rank.

    Parameters
    ----------
    design_t : ndarray of shape (n_features + 1, n_samples)
        The transposed design ``[1, U]^T`` on standardised features ``U`` (as held by
        :class:`~cross_entropy_mle.objective.SoftmaxRegressionLoss`).
    y : ndarray of int, shape (n_samples,)
    n_classes : int
    gram : ndarray of shape (n_features + 1, n_features + 1), optional
        ``design_t @ design_t.T``, if already computed.

    Raises
    ------
    SeparationError
        A class has no observations (its bias would go to :math:`-\\infty`).
    ValueError
        The design is rank-deficient (collinear or constant features): the MLE is not unique.
    """
    counts = np.bincount(y, minlength=n_classes)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise SeparationError(
            f"class(es) {empty.tolist()} have no observations: the likelihood rises as their "
            "bias goes to -inf, so no finite MLE exists"
        )
    eig = np.linalg.eigvalsh(design_t @ design_t.T if gram is None else gram)
    if eig[0] > 1e-6 * eig[-1]:  # well conditioned: full rank, no SVD needed
        return
    rank = np.linalg.matrix_rank(design_t)
    if rank < design_t.shape[0]:
        raise ValueError(
            f"the design [1, X] has rank {rank} < {design_t.shape[0]} columns (collinear or "
            "constant features): the MLE is not unique"
        )


def separation_direction(X: ArrayLike, y: ArrayLike, n_classes: int | None = None):
    r"""The direction along which the likelihood rises without bound, if there is one.

    First the max-min-margin linear program

    .. math:: \max_{D, t}\; t \quad\text{s.t.}\quad m_{ik}(D) \ge t \;\; \forall i, k \ne y_i,
              \qquad -1 \le D \le 1,\; d_0 = 0,

    on standardised features: a positive optimum is complete separation, and its direction has
    every margin positive (at least :math:`t^*`). Otherwise

    .. math:: \max_D \sum_{i, k \ne y_i} m_{ik}(D) \quad\text{s.t.}\quad m_{ik}(D) \ge 0

    finds a quasi-complete separation when its optimum is positive.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional

    Returns
    -------
    ndarray of shape (n_classes, n_features + 1) or None
        The direction ``[d_b, d_W]`` per class for the original X (row 0 zero, scaled to
        max-abs 1), or ``None`` when the classes overlap.
    """
    found = _separation(*check_X_y(X, y, n_classes))
    return None if found is None else found[0]


def _separation(X, y, K):
    """``(direction, complete)`` for the original X, or None when the classes overlap."""
    U, st = standardise(X)
    Z = np.column_stack([np.ones(U.shape[0]), U])
    A = _margins_matrix(Z, y, K)
    n_var = A.shape[1]
    tol = ZERO_TOL * max(1.0, np.abs(Z).max())
    # max t subject to A d >= t, |d| <= 1, t <= 1
    res = optimize.linprog(
        np.r_[np.zeros(n_var), -1.0],
        A_ub=sparse.hstack([-A, np.ones((A.shape[0], 1))]).tocsr(),
        b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * n_var + [(None, 1.0)],
        method="highs",
    )
    _check_lp(res)
    complete = -res.fun > tol
    if not complete:
        res = optimize.linprog(
            -np.asarray(A.sum(axis=0)).ravel(),
            A_ub=-A,
            b_ub=np.zeros(A.shape[0]),
            bounds=[(-1.0, 1.0)] * n_var,
            method="highs",
        )
        _check_lp(res)
        if (A @ res.x[:n_var]).max() <= tol:
            return None
    theta = st.params_to_original(res.x[:n_var], K - 1)
    full = np.zeros((K, Z.shape[1]))
    full[1:] = theta.reshape(K - 1, -1)
    return full / np.abs(full).max(), bool(complete)


def separation_error(X: np.ndarray, y: np.ndarray, K: int) -> SeparationError | None:
    """The :class:`SeparationError` describing how the data are separated, or None."""
    found = _separation(X, y, K)
    if found is None:
        return None
    direction, complete = found
    return SeparationError(_message(direction, X, y, K, complete), direction, complete)


def _check_lp(res):
    if res.status != 0:
        raise RuntimeError(f"the separation linear program failed: {res.message}")


def _margins_matrix(Z, labels, K):
    """Sparse rows a_(i,k) with a_(i,k) . theta = (d_{y_i} - d_k) . z_i, for all k != y_i."""
    p = Z.shape[1]
    ii, kk = np.nonzero(np.arange(K)[None, :] != labels[:, None])
    rows, cols, vals = [], [], []
    row_id = np.arange(ii.size)
    for cls, sign in ((labels[ii], 1.0), (kk, -1.0)):
        keep = cls != 0
        rows.append(np.repeat(row_id[keep], p))
        cols.append(((cls[keep] - 1)[:, None] * p + np.arange(p)).ravel())
        vals.append(sign * Z[ii[keep]].ravel())
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(ii.size, (K - 1) * p),
    )


def _message(direction, X, y, K, complete):
    margins = np.column_stack([np.ones(X.shape[0]), X]) @ direction.T
    gap = margins[np.arange(y.size), y][:, None] - margins
    tol = ZERO_TOL * np.abs(gap).max()
    pairs = sorted(
        {(int(y[i]), int(k)) for i, k in zip(*np.nonzero(gap > tol), strict=True) if k != y[i]}
    )
    isolated = [
        c for c in range(K) if all((c, k) in pairs and (k, c) in pairs for k in range(K) if k != c)
    ]
    detail = f"class {isolated[0]} is separable from the rest; " if len(isolated) == 1 else ""
    pair_text = ", ".join(f"{a} vs {b}" for a, b in pairs)
    if complete:
        what = (
            "complete separation: along the direction in this error's .direction every "
            "observation's margin is positive, so the NLL tends to 0 and no finite parameter "
            "attains it"
        )
    else:
        what = (
            "quasi-complete separation: along the direction in this error's .direction some "
            "observations' margins are positive and none is negative, so the parameters grow "
            "without bound while the NLL tends to a positive limit that no finite parameter "
            "attains"
        )
    return f"{what}; {detail}separated class pairs (observed class vs other): {pair_text}"
