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
from scipy import linalg, optimize, sparse

from threadpoolctl import threadpool_limits

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

#: The Newton systems are preconditioned by the exact Hessian of a regular subsample of about
#: ``PRECONDITIONER_ROWS_PER_PARAM`` observations per free parameter, when there are at most
#: ``PRECONDITIONER_MAX_PARAMS`` free parameters (a Kronecker approximation otherwise).
PRECONDITIONER_ROWS_PER_PARAM = 40
PRECONDITIONER_MAX_PARAMS = 600

#: While the forcing term (the relative accuracy asked of a Newton step) is at least this, the
#: preconditioned gradient step is taken as it is, without conjugate-gradient refinement.
DIRECT_STEP_FORCING = 0.03

#: The preconditioner is rebuilt unless the last step moved every logit by less than this
#: (``R * ||step||``, with R as for the certificate).
PRECONDITIONER_REUSE = 0.5


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
    r"""Summed NLL, gradient, Hessian-vector products and a preconditioner over the free parameters.

    ``theta`` is the packed vector of :func:`pack_params`. The design is held transposed,
    (p, N) with p = n_features + 1, and processed in blocks of observations small enough to stay
    in cache. Per block the free classes' logits are a (K-1, n_block) array, so sums over
    classes run along contiguous rows; the probabilities at the last evaluated ``theta`` are
    kept for Hessian-vector products.

    Class 0's logit is 0, so :math:`\sum_k e^{z_k} \ge 1` never underflows; when a bound on
    :math:`|z|` rules out overflow the logits are exponentiated without the max-shift.
    """

    BLOCK_ROWS = 4096

    def __init__(self, Xt, y, n_classes):
        self.Xt, self.y, self.K = Xt, y, n_classes
        XtT = np.ascontiguousarray(Xt.T)  # no copy when Xt comes from _design(..., transposed=True)
        p, n = XtT.shape
        self.shape = (n_classes - 1, p)
        self.row_norm = np.sqrt(np.einsum("ji,ji->i", XtT, XtT))
        free = np.arange(1, n_classes)[:, None]
        self.blocks = []
        for start in range(0, n, self.BLOCK_ROWS):
            sl = slice(start, min(start + self.BLOCK_ROWS, n))
            yb, Xb = y[sl], XtT[:, sl]
            rows = np.flatnonzero(yb > 0)
            flat = (yb[rows] - 1) * yb.size + rows  # index of z[y_i - 1, i] in the raveled block
            class_sums = (yb == free).astype(float) @ Xb.T
            self.blocks.append(_Block(sl, Xb, rows, flat, class_sums, self.row_norm[sl].max()))
        self._key = None
        # A regular subsample of the observations, (rows, p), for the preconditioner.
        n_par = (n_classes - 1) * p
        stride = max(1, n // max(PRECONDITIONER_ROWS_PER_PARAM * n_par, 2048))
        self.subsample = np.ascontiguousarray(XtT[:, ::stride].T)

    def value_and_grad(self, theta):
        T = np.reshape(theta, self.shape)
        nll, grad = 0.0, np.zeros(self.shape)
        row_max = np.sqrt((T**2).sum(axis=1)).max() if T.size else 0.0
        for b in self.blocks:
            z = T @ b.X
            z_obs = np.zeros(z.shape[1])
            z_obs[b.labelled] = z.ravel()[b.flat]
            if row_max * b.max_norm < 700.0:  # |z| < 700: exp cannot overflow
                q = np.exp(z, out=z)
                total = q.sum(axis=0)
                total += 1.0
                nll += (np.log(total) - z_obs).sum()
            else:
                m = np.maximum(z.max(axis=0), 0.0)
                z -= m
                q = np.exp(z, out=z)
                total = q.sum(axis=0)
                total += np.exp(-m)
                nll += (np.log(total) + m - z_obs).sum()
            q *= 1.0 / total
            b.q = q
            grad += q @ b.X.T
            grad -= b.class_sums
        self._key = theta.tobytes()
        return float(nll), grad.ravel()

    def _ensure(self, theta):
        if self._key != theta.tobytes():
            self.value_and_grad(theta)

    def hessp(self, theta, v):
        self._ensure(theta)
        V = np.reshape(v, self.shape)
        out = np.zeros(self.shape)
        for b in self.blocks:
            u = V @ b.X
            u *= b.q
            u -= b.q * u.sum(axis=0)
            out += u @ b.X.T
        return out.ravel()

    def probabilities(self, theta):
        """Free classes' probabilities at ``theta``, shape (K-1, N)."""
        self._ensure(theta)
        return np.concatenate([b.q for b in self.blocks], axis=1)

    def hessian_lower_bound(self, theta, subsample=False):
        r"""A lower bound on the smallest eigenvalue of the Hessian at ``theta``.

        For :math:`A_i = \operatorname{diag}(q_i) - q_i q_i^\top` over the free classes,
        Cauchy-Schwarz gives :math:`v^\top A_i v \ge q_{i0} \sum_k q_{ik} v_k^2 \ge c_i |v|^2`
        with :math:`c_i = q_{i0} \min_k q_{ik}`, so the Hessian
        :math:`\sum_i A_i \otimes \tilde x_i \tilde x_i^\top \succeq I \otimes \sum_i c_i
        \tilde x_i \tilde x_i^\top`, whose smallest eigenvalue is that of a p x p matrix.
        Dropping observations from the sum only lowers it, so with ``subsample`` the cheaper
        sum over the preconditioner's subsample is a valid (weaker) bound.
        """
        if subsample:
            Xs = self.subsample
            q = _free_probabilities(Xs @ np.reshape(theta, self.shape).T)
            c = (1.0 - q.sum(axis=1)) * q.min(axis=1)
            Y = Xs * np.sqrt(np.maximum(c, 0.0))[:, None]
            return float(np.linalg.eigvalsh(Y.T @ Y)[0])
        self._ensure(theta)
        G = np.zeros((self.shape[1], self.shape[1]))
        for b in self.blocks:
            c = (1.0 - b.q.sum(axis=0)) * b.q.min(axis=0)
            Y = b.X * np.sqrt(np.maximum(c, 0.0))
            G += Y @ Y.T
        return float(np.linalg.eigvalsh(G)[0])

    def preconditioner(self, theta):
        r"""A function applying an approximate inverse Hessian at ``theta``.

        The Hessian :math:`\sum_i (\operatorname{diag} q_i - q_i q_i^\top) \otimes \tilde x_i
        \tilde x_i^\top` is formed exactly on every ``stride``-th observation (scaled up to N)
        and Cholesky-factorised. With many parameters, a Kronecker approximation
        :math:`\bar A \otimes \tilde X^\top \tilde X` (class covariance averaged over the
        observations) is used instead. Either only affects speed: the conjugate-gradient solves
        still run to their tolerance against the exact Hessian-vector product.
        """
        n = self.y.size
        k, p = self.shape
        n_par = k * p
        if n_par <= PRECONDITIONER_MAX_PARAMS:
            Xs = self.subsample
            q = _free_probabilities(Xs @ np.reshape(theta, self.shape).T)
            M = np.einsum("ij,ik->ijk", q, Xs).reshape(Xs.shape[0], n_par)
            H = -(M.T @ M)
            diag_blocks = M.T @ Xs  # row block j: sum_i q_ij x_i x_i^T
            for j in range(k):
                H[j * p:(j + 1) * p, j * p:(j + 1) * p] += diag_blocks[j * p:(j + 1) * p]
            factor = _cholesky(H * (n / Xs.shape[0]))
            if factor is not None:
                return lambda v: linalg.cho_solve(factor, v, check_finite=False)
        q = self.probabilities(theta)
        A = np.diag(q.mean(axis=1)) - (q @ q.T) / n
        fa, fg = _cholesky(A), _cholesky(self.Xt.T @ self.Xt)
        if fa is None or fg is None:
            return lambda v: v
        return lambda v: linalg.cho_solve(
            fg, linalg.cho_solve(fa, v.reshape(k, p), check_finite=False).T,
            check_finite=False,
        ).T.ravel()


@dataclass
class _Block:
    """Observations ``rows_slice``, with what the objective needs about them."""

    rows_slice: slice
    X: np.ndarray  # (p, n_block) view of the transposed design
    labelled: np.ndarray  # observations (within the block) whose label is not the pivot class 0
    flat: np.ndarray  # their entries z[y_i - 1, i] in the raveled (K-1, n_block) logits
    class_sums: np.ndarray  # (K-1, p): sum over the block's observations of class k of (1, x_i)
    max_norm: float  # largest |(1, x_i)| in the block
    q: np.ndarray = None  # free classes' probabilities at the last evaluated theta


def _single_threaded_blas():
    """Limit BLAS to one thread while the objective works through its blocks.

    Its many small matrix products gain nothing from BLAS threads, whose start-up and waiting
    cost more than the products themselves (badly so on a busy machine).
    """
    return threadpool_limits(limits=1, user_api="blas")


def _free_probabilities(z):
    """Softmax probabilities of the free classes from their logits ``z`` (rows, K-1)."""
    m = np.maximum(z.max(axis=1, keepdims=True), 0.0)  # the pivot class's logit is 0
    q = np.exp(z - m)
    q /= q.sum(axis=1, keepdims=True) + np.exp(-m)
    return q


def _cholesky(H):
    """Cholesky factor of a symmetric matrix, with a tiny ridge if needed; None if it fails."""
    scale = max(np.abs(np.diag(H)).max(), np.finfo(float).tiny)
    for ridge in (0.0, 1e-12, 1e-8):
        try:
            return linalg.cho_factor(H + ridge * scale * np.eye(H.shape[0]), check_finite=False)
        except linalg.LinAlgError:
            continue
    return None


def _pcg(matvec, b, precond, rtol, maxiter):
    """Preconditioned conjugate gradients for ``H x = b``; returns ``(x, info)``.

    ``info`` is 0 when ``||b - H x|| <= rtol ||b||``, 1 when ``maxiter`` ran out and -1 when a
    direction of non-positive curvature was met.
    """
    x = np.zeros_like(b)
    r = b.copy()
    b_norm = np.linalg.norm(b)
    if b_norm == 0.0:
        return x, 0
    z = precond(r)
    d = z.copy()
    rz = r @ z
    for _ in range(maxiter):
        Hd = matvec(d)
        curvature = d @ Hd
        if not curvature > 0:
            return x, -1
        alpha = rz / curvature
        x += alpha * d
        r -= alpha * Hd
        if np.linalg.norm(r) <= rtol * b_norm:
            return x, 0
        z = precond(r)
        rz, rz_old = r @ z, rz
        d = z + (rz / rz_old) * d
    return x, 1


def _newton(obj, theta, tol, max_iter, start=None):
    """Inexact Newton iterations with a backtracking line search.

    Each step solves ``H s = -g`` by preconditioned conjugate gradients to a relative
    accuracy that tightens as the gradient shrinks (superlinear convergence), then halves the
    step until the Armijo condition holds. Stops when the gradient norm of the mean NLL is at
    most ``tol``. ``start`` may give ``(nll, grad, inverse_hessian)`` at ``theta``, saving
    their evaluation.

    Returns
    -------
    theta, nll, grad, n_iter, reached
        ``reached`` is whether the gradient tolerance was met.
    """
    n = obj.y.size
    if start is None:
        (nll, grad), precond = obj.value_and_grad(theta), None
    else:
        nll, grad, precond = start
    tiny = 1e-13 * max(1.0, abs(nll))
    radius = 2.0 * obj.row_norm.max()
    moved = 0.0 if precond is not None else np.inf
    for it in range(max_iter):
        g_norm = np.linalg.norm(grad)
        if g_norm <= tol * n:
            return theta, nll, grad, it, True
        if precond is None or moved > PRECONDITIONER_REUSE:
            precond = obj.preconditioner(theta)
        forcing = min(0.5, np.sqrt(g_norm / n))
        if forcing >= DIRECT_STEP_FORCING or it == 0 and start is not None:
            step = -precond(grad)
        else:
            step, _ = _pcg(lambda v: obj.hessp(theta, v), -grad, precond,
                           rtol=forcing, maxiter=max(20, theta.size))
        slope = grad @ step
        if not slope < 0:  # no conjugate-gradient progress: a preconditioned gradient step
            step = -precond(grad)
            slope = grad @ step
        t = 1.0
        for _ in range(60):
            trial = theta + t * step
            nll_new, grad_new = obj.value_and_grad(trial)
            if nll_new <= nll + 1e-4 * t * slope or (
                nll_new - nll <= tiny and np.linalg.norm(grad_new) < g_norm
            ):
                break
            t *= 0.5
        else:
            obj.value_and_grad(theta)
            return theta, nll, grad, it + 1, False
        moved = radius * t * np.linalg.norm(step)
        theta, nll, grad = trial, nll_new, grad_new
    return theta, nll, grad, max_iter, bool(np.linalg.norm(grad) <= tol * n)


def _intercept_only_start(obj, counts, gram):
    r"""NLL, gradient and exact inverse Hessian at the intercept-only MLE, in closed form.

    With zero weights and biases :math:`\log(n_k / n_0)` every observation has
    :math:`q = \bar p = (n_k / N)_k`, so the NLL is :math:`-\sum_k n_k \log \bar p_k`, the
    gradient of row k is :math:`\bar p_k \sum_i \tilde x_i - S_k`, and the Hessian is the
    Kronecker product :math:`A \otimes G` with :math:`A = \operatorname{diag}(\bar p) - \bar p
    \bar p^\top` over the free classes and :math:`G = \tilde X^\top \tilde X`.
    """
    p_bar = counts / counts.sum()
    nll = -float(counts @ np.log(p_bar))
    S = sum(b.class_sums for b in obj.blocks)
    grad = p_bar[1:, None] * gram[0] - S
    grad[:, 0] = 0.0  # the biases already match the class frequencies
    A = np.diag(p_bar[1:]) - np.outer(p_bar[1:], p_bar[1:])
    fa, fg = _cholesky(A), _cholesky(gram)
    shape = obj.shape

    def inverse_hessian(v):
        V = linalg.cho_solve(fa, np.reshape(v, shape), check_finite=False)
        return linalg.cho_solve(fg, V.T, check_finite=False).T.ravel()

    return nll, grad.ravel(), inverse_hessian


def fit_cross_entropy(X, y, n_classes=None, *, tol=1e-9, max_iter=200):
    r"""Fit softmax regression by minimising the summed cross entropy (the MLE).

    .. math:: \hat\theta = \arg\min_\theta \sum_{i=1}^N H(h_i, q_\theta(x_i))
              = \arg\max_\theta \prod_{i=1}^N q_\theta(y_i \mid x_i)

    Newton's method with a backtracking line search uses the analytic gradient. The first step,
    from the intercept-only MLE, is exact and in closed form; later Newton systems are solved
    by conjugate gradients with exact Hessian-vector products, preconditioned by the exact
    Hessian of a regular subsample, to an accuracy that tightens as the gradient shrinks.
    Large data sets are processed in cache-sized blocks of observations.

    The estimate is certified when the gradient tolerance is met and the Newton step there is
    provably small: :math:`R \, \|H^{-1} g\| \le 0.1` with :math:`R = 2 \max_i \|(1, x_i)\|`,
    shown either through a lower bound on the Hessian's smallest eigenvalue or by solving for
    the step (relative residual 1e-10). Otherwise a linear program decides whether the MLE
    exists (:class:`SeparationError` if not) or the optimiser merely stopped early
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
        Maximum Newton iterations.

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
    Xt, labels, K = _design(X, y, n_classes, transposed=True)
    gram = _check_identifiable(Xt, labels, K)
    counts = np.bincount(labels, minlength=K)
    theta0 = np.zeros((K - 1, Xt.shape[1]))
    theta0[:, 0] = np.log(counts[1:] / counts[0])
    with _single_threaded_blas():
        obj = _Objective(Xt, labels, K)
        start = _intercept_only_start(obj, counts, gram)
        theta, nll, grad, n_iter, reached = _newton(obj, theta0.ravel(), tol, max_iter, start)
        certified = reached and _newton_certificate(obj, theta, grad)
    if not certified:
        direction = separation_direction(X, labels, K)
        if direction is not None:
            complete = _completely_separated(Xt, labels, K)
            raise SeparationError(_separation_message(direction, Xt, labels, K, complete))
        why = "the gradient tolerance was not met" if not reached else "the Newton certificate failed"
        warnings.warn(
            f"fit_cross_entropy stopped after {n_iter} iterations without reaching the MLE "
            f"({why}); the returned estimate is not certified",
            ConvergenceWarning,
            stacklevel=2,
        )
    weights, bias = unpack_params(theta, K, Xt.shape[1] - 1)
    return FitResult(weights, bias, float(nll), int(n_iter), bool(certified), float(np.linalg.norm(grad)))


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


def _design(X, y, n_classes, transposed=False):
    """Checked ``([1, X], labels, K)``; with ``transposed`` the design is a view of a (p, N) array."""
    X = check_finite_array(X, "X", ndim=2)
    labels, K = check_labels(y, n_classes)
    if labels.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.size} labels")
    if not transposed:
        return np.column_stack([np.ones(X.shape[0]), X]), labels, K
    XtT = np.empty((X.shape[1] + 1, X.shape[0]))
    XtT[0] = 1.0
    for start in range(0, X.shape[0], 512):  # transposing in chunks keeps the copy in cache
        XtT[1:, start:start + 512] = X[start:start + 512].T
    return XtT.T, labels, K


def _check_identifiable(Xt, labels, K):
    counts = np.bincount(labels, minlength=K)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise SeparationError(
            f"class(es) {empty.tolist()} have no observations: the likelihood rises as their "
            "bias goes to -inf, so no finite MLE exists"
        )
    # Fast path: a well-conditioned Gram matrix proves full column rank (its eigenvalues are
    # the squared singular values, far above matrix_rank's threshold); otherwise decide by SVD.
    gram = Xt.T @ Xt
    eig = np.linalg.eigvalsh(gram)
    if eig[0] > 1e-6 * eig[-1]:
        return gram
    rank = np.linalg.matrix_rank(Xt)
    if rank < Xt.shape[1]:
        raise ValueError(
            f"the design [1, X] has rank {rank} < {Xt.shape[1]} columns (collinear or constant "
            "features): the MLE is not unique"
        )
    return gram


def _newton_certificate(obj, theta, grad):
    """Whether ``R * ||H^{-1} g|| <= NEWTON_CERTIFICATE`` at ``theta``.

    First from the bound ``||H^{-1} g|| <= ||g|| / lambda`` with a lower bound ``lambda`` on the
    Hessian's smallest eigenvalue (:meth:`_Objective.hessian_lower_bound`, from a subsample,
    then from all observations), which needs no linear solve; when that bound is too weak to
    decide, from the Newton step itself, solved by conjugate gradients to a relative residual
    of 1e-10.
    """
    radius = 2.0 * obj.row_norm.max()
    for subsample in (True, False):
        lower = obj.hessian_lower_bound(theta, subsample=subsample)
        if lower > 0 and radius * np.linalg.norm(grad) / lower <= NEWTON_CERTIFICATE:
            return True
    n_par = theta.size
    step, info = _pcg(lambda v: obj.hessp(theta, v), grad, obj.preconditioner(theta),
                      rtol=1e-10, maxiter=10 * n_par)
    if info != 0 or not np.all(np.isfinite(step)):
        return False
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
