r"""The softmax-regression objective, written once: loss, gradient, Hessian-vector product, Hessian.

The model is :math:`q(y = k \mid x; \theta) = \operatorname{softmax}(W x + b)_k` in the *pivot*
parametrisation: class 0's row of :math:`[b, W]` is fixed at zero and the free parameters are
the rows :math:`\tilde w_k = (b_k, W_k)`, :math:`k = 1, \dots, K-1`, packed row-major by
:func:`~cross_entropy_mle.model.pack_params`. With :math:`\tilde x_i = (1, x_i)` and
:math:`h_i` the one-hot label,

.. math::
    f(\theta) = \sum_{i=1}^N -\log q_{i y_i}
        + \frac12 \sum_{j=0}^{d} \lambda_j\, \theta_{\cdot j}^\top C\, \theta_{\cdot j},
    \qquad
    \nabla_{\tilde w_k} f = \sum_i (q_{ik} - h_{ik})\, \tilde x_i + \lambda \odot (C\theta)_k,

    \nabla^2 f = \sum_i (\operatorname{diag} q_i - q_i q_i^\top) \otimes \tilde x_i \tilde x_i^\top
        + C \otimes \operatorname{diag}(\lambda),

with :math:`q_i` over the free classes. The L2 term is optional: :math:`\lambda_j \ge 0` per
column of :math:`[1, X]` (column 0 is the bias) and :math:`C = I` penalises the free rows
(independent normal priors in the pivot parametrisation), while
:math:`C = I - \mathbf 1 \mathbf 1^\top / K` is the same penalty on all K rows of the symmetric
parametrisation after its free shift is minimised out (scikit-learn's multinomial L2).

Everything here is NumPy/SciPy only. The loss is a *sum* over observations, not a mean.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg

from .losses import log_softmax
from .standardise import Standardisation
from .validate import check_finite_array, check_X_y

__all__ = ["SoftmaxRegressionLoss"]

#: The Newton systems are preconditioned by the exact Hessian of a regular subsample of about
#: ``PRECONDITIONER_ROWS_PER_PARAM`` observations per free parameter, when there are at most
#: ``PRECONDITIONER_MAX_PARAMS`` free parameters (a Kronecker approximation otherwise).
PRECONDITIONER_ROWS_PER_PARAM = 40
PRECONDITIONER_MAX_PARAMS = 600


@dataclass
class _Block:
    """A cache-sized run of observations and what the objective needs about them."""

    X: np.ndarray  # (p, n_block) view of the transposed design [1, X]^T
    labelled: np.ndarray  # observations (within the block) whose label is not the pivot 0
    flat: np.ndarray  # their entries z[y_i - 1, i] in the raveled (K-1, n_block) logits
    class_sums: np.ndarray  # (K-1, p): sum of (1, x_i) over the block's observations of class k
    max_norm: float  # largest |(1, x_i)| in the block
    q: np.ndarray | None = None  # free classes' probabilities at the last evaluated theta


class SoftmaxRegressionLoss:
    r"""Summed negative log-likelihood of softmax regression, with an optional L2 term.

    The one implementation of the objective in the module docstring. ``theta`` is the packed
    free-parameter vector of :func:`~cross_entropy_mle.model.pack_params`. The design is held
    transposed, (p, N) with
    p = n_features + 1, and processed in blocks of observations that stay in cache; the
    probabilities at the last evaluated ``theta`` are kept for Hessian-vector products.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Features; ``n_features`` may be 0 (intercept only).
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.
    l2 : array_like of shape (n_features + 1,), optional
        Penalty weights :math:`\lambda_j \ge 0` per column of ``[1, X]`` (entry 0: the bias).
        For independent priors :math:`\mathcal N(0, \sigma_j^2)`, :math:`\lambda_j = 1/\sigma_j^2`.
    symmetric_penalty : bool, default False
        Use :math:`C = I - \mathbf 1 \mathbf 1^\top / K` (the penalty of the symmetric
        parametrisation) instead of :math:`C = I`.
    standardisation : Standardisation, optional
        Build the design from the standardised features ``(X - mean) / scale`` (see
        :mod:`~cross_entropy_mle.standardise`) without a standardised copy of X; ``theta``
        and ``l2`` are then in the standardised parametrisation.
    """

    BLOCK_ROWS = 4096

    def __init__(
        self,
        X: ArrayLike,
        y: ArrayLike,
        n_classes: int | None = None,
        *,
        l2: ArrayLike | None = None,
        symmetric_penalty: bool = False,
        standardisation: Standardisation | None = None,
    ):
        X, labels, K = check_X_y(X, y, n_classes)
        n, d = X.shape
        p = d + 1
        self.y, self.n_classes, self.n_samples = labels, K, n
        self.shape = (K - 1, p)
        self.n_params = (K - 1) * p
        if standardisation is not None and standardisation.mean.shape != (d,):
            raise ValueError(f"standardisation must be for {d} features")
        self.standardisation = standardisation
        Xt = np.empty((p, n))  # the transposed design, filled in cache-sized chunks
        Xt[0] = 1.0
        for start in range(0, n, 2048):
            part = X[start : start + 2048]
            if standardisation is not None:
                part = standardisation.apply(part)
            Xt[1:, start : start + 2048] = part.T
        self.Xt = Xt
        self._gram = None
        self.row_norm = np.sqrt(np.einsum("ji,ji->i", Xt, Xt))
        if l2 is None:
            self.l2 = None
        else:
            lam = check_finite_array(l2, "l2", ndim=1)
            if lam.shape != (p,) or (lam < 0).any():
                raise ValueError(f"l2 must hold {p} non-negative numbers, got shape {lam.shape}")
            C = np.eye(K - 1) - (1.0 / K if symmetric_penalty else 0.0)
            self.l2 = (C, lam)
        free = np.arange(1, K)[:, None]
        self.blocks = []
        for start in range(0, n, self.BLOCK_ROWS):
            sl = slice(start, min(start + self.BLOCK_ROWS, n))
            yb, Xb = labels[sl], Xt[:, sl]
            rows = np.flatnonzero(yb > 0)
            flat = (yb[rows] - 1) * yb.size + rows
            class_sums = (yb == free).astype(float) @ Xb.T
            self.blocks.append(_Block(Xb, rows, flat, class_sums, self.row_norm[sl].max()))
        self._key = None
        stride = max(1, n // max(PRECONDITIONER_ROWS_PER_PARAM * self.n_params, 2048))
        self.subsample = np.ascontiguousarray(Xt[:, ::stride].T)

    @property
    def gram(self) -> np.ndarray:
        r"""The Gram matrix of the design, :math:`\tilde X^\top \tilde X`, shape (p, p)."""
        if self._gram is None:
            self._gram = self.Xt @ self.Xt.T
        return self._gram

    # -- the objective ---------------------------------------------------------------------

    def penalty(self, theta: np.ndarray) -> float:
        r"""The L2 term, :math:`\frac12 \sum_j \lambda_j \theta_{:j}^\top C \theta_{:j}`."""
        if self.l2 is None:
            return 0.0
        C, lam = self.l2
        T = np.reshape(theta, self.shape)
        return 0.5 * float(np.sum((C @ T) * T * lam))

    def _theta(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        return theta

    def loss_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its gradient, shape ``(n_params,)``, at ``theta``."""
        theta = self._theta(theta)
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
                total += 1.0  # the pivot's e^0; the sum never underflows
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
        if self.l2 is not None:
            C, lam = self.l2
            grad += (C @ T) * lam
        return float(nll) + self.penalty(theta), grad.ravel()

    def loss(self, theta: np.ndarray) -> float:
        """The objective at ``theta``."""
        return self.loss_gradient(theta)[0]

    def nll(self, theta: np.ndarray) -> float:
        """The summed negative log-likelihood alone (the objective without its L2 term)."""
        return self.loss(theta) - self.penalty(theta)

    def _ensure(self, theta):
        theta = self._theta(theta)
        if self._key != theta.tobytes():
            self.loss_gradient(theta)

    def hessp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Hessian-vector product :math:`\\nabla^2 f(\\theta)\\, v`."""
        self._ensure(theta)
        V = np.reshape(self._theta(v), self.shape)
        out = np.zeros(self.shape)
        for b in self.blocks:
            u = V @ b.X
            u *= b.q
            u -= b.q * u.sum(axis=0)
            out += u @ b.X.T
        if self.l2 is not None:
            C, lam = self.l2
            out += (C @ V) * lam
        return out.ravel()

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The Hessian, shape ``(n_params, n_params)``, in the order of ``pack_params``."""
        self._ensure(theta)
        k, p = self.shape
        H = np.zeros((k, p, k, p))
        for b in self.blocks:
            for j in range(k):
                for m in range(j, k):
                    c = b.q[j] * ((j == m) - b.q[m])
                    H[j, :, m, :] += (b.X * c) @ b.X.T
        for j in range(k):
            for m in range(j):
                H[j, :, m, :] = H[m, :, j, :].T
        H = H.reshape(self.n_params, self.n_params)
        if self.l2 is not None:
            C, lam = self.l2
            H += np.kron(C, np.diag(lam))
        return (H + H.T) / 2

    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        """Probabilities of the free classes 1..K-1 at ``theta``, shape (K-1, n_samples)."""
        self._ensure(theta)
        return np.concatenate([b.q for b in self.blocks], axis=1)

    def nll_many(self, thetas: ArrayLike, chunk: int | None = None) -> np.ndarray:
        """Summed NLL (without the L2 term) at each row of ``thetas``, shape (m, n_params).

        ``chunk`` rows of ``thetas`` are evaluated at a time; by default as many as keep each
        temporary (chunk, K, N) array under about 64 MB.
        """
        thetas = check_finite_array(thetas, "thetas", ndim=2)
        if thetas.shape[1] != self.n_params:
            raise ValueError(f"thetas must have {self.n_params} columns, got {thetas.shape[1]}")
        if chunk is None:
            chunk = max(1, 2**23 // (self.n_classes * self.n_samples))
        out = np.empty(thetas.shape[0])
        k, p = self.shape
        rows = np.arange(self.n_samples)
        for start in range(0, thetas.shape[0], chunk):
            T = thetas[start : start + chunk].reshape(-1, k, p)
            z = np.zeros((T.shape[0], k + 1, self.n_samples))  # the pivot's logit is 0
            z[:, 1:] = np.einsum("mkp,pn->mkn", T, self.Xt)
            out[start : start + chunk] = -log_softmax(z, axis=1)[:, self.y, rows].sum(axis=1)
        return out

    # -- what the Newton solver needs about the curvature ----------------------------------

    def intercept_only_start(self):
        r"""Objective, gradient and exact inverse Hessian at the intercept-only MLE, in closed form.

        With zero weights and biases :math:`\log(n_k / n_0)` every observation has
        :math:`q = \bar p = (n_k / N)_k`, so the NLL is :math:`-\sum_k n_k \log \bar p_k`, the
        gradient of row k is :math:`\bar p_k \sum_i \tilde x_i - S_k`, and the Hessian is the
        Kronecker product :math:`A \otimes G` with :math:`A = \operatorname{diag}(\bar p) -
        \bar p \bar p^\top` over the free classes and :math:`G = \tilde X^\top \tilde X`.
        Without an L2 term only; every class must have observations.

        Returns
        -------
        theta, loss, grad, inverse_hessian
            ``inverse_hessian`` is a function ``v -> H^{-1} v``.
        """
        if self.l2 is not None:
            raise ValueError("the closed-form start holds for the unpenalised objective only")
        counts = np.bincount(self.y, minlength=self.n_classes).astype(float)
        p_bar = counts / counts.sum()
        theta = np.zeros(self.shape)
        theta[:, 0] = np.log(counts[1:] / counts[0])
        gram = self.gram
        S = sum(b.class_sums for b in self.blocks)
        grad = p_bar[1:, None] * gram[0] - S
        grad[:, 0] = 0.0  # the biases already match the class frequencies
        A = np.diag(p_bar[1:]) - np.outer(p_bar[1:], p_bar[1:])
        fa, fg = _cholesky(A), _cholesky(gram)
        shape = self.shape

        def inverse_hessian(v):
            V = linalg.cho_solve(fa, np.reshape(v, shape), check_finite=False)
            return linalg.cho_solve(fg, V.T, check_finite=False).T.ravel()

        loss = -float(counts @ np.log(p_bar))
        return theta.ravel(), loss, grad.ravel(), inverse_hessian

    def _penalty_matrix(self):
        C, lam = self.l2
        return np.kron(C, np.diag(lam))

    def hessian_lower_bound(self, theta: np.ndarray, subsample: bool = False) -> float:
        r"""A lower bound on the smallest eigenvalue of the Hessian of the summed NLL.

        For :math:`A_i = \operatorname{diag}(q_i) - q_i q_i^\top` over the free classes,
        Cauchy-Schwarz gives :math:`v^\top A_i v \ge q_{i0} \sum_k q_{ik} v_k^2 \ge c_i |v|^2`
        with :math:`c_i = q_{i0} \min_k q_{ik}`, so the Hessian is at least
        :math:`I \otimes \sum_i c_i \tilde x_i \tilde x_i^\top`, whose smallest eigenvalue is that
        of a p x p matrix. Dropping observations only lowers it, so with ``subsample`` the cheaper
        sum over the preconditioner's subsample is a valid, weaker bound. (The L2 term, positive
        semi-definite, can only raise the true value.)
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

    def preconditioner(self, theta: np.ndarray):
        r"""A function applying an approximate inverse Hessian at ``theta``.

        The Hessian is formed exactly on every ``stride``-th observation (scaled up to N) and
        Cholesky-factorised; with many parameters, a Kronecker approximation
        :math:`\bar A \otimes \tilde X^\top \tilde X` is used instead. Either only affects speed:
        conjugate-gradient solves still run against the exact Hessian-vector product.
        """
        n = self.n_samples
        k, p = self.shape
        if self.n_params <= PRECONDITIONER_MAX_PARAMS:
            Xs = self.subsample
            q = _free_probabilities(Xs @ np.reshape(theta, self.shape).T)
            M = np.einsum("ij,ik->ijk", q, Xs).reshape(Xs.shape[0], self.n_params)
            H = -(M.T @ M)
            diag_blocks = M.T @ Xs  # row block j: sum_i q_ij x_i x_i^T
            for j in range(k):
                H[j * p : (j + 1) * p, j * p : (j + 1) * p] += diag_blocks[j * p : (j + 1) * p]
            H *= n / Xs.shape[0]
            if self.l2 is not None:
                H += self._penalty_matrix()
            factor = _cholesky(H)
            if factor is not None:
                return lambda v: linalg.cho_solve(factor, v, check_finite=False)
        q = self.probabilities(theta)
        A = np.diag(q.mean(axis=1)) - (q @ q.T) / n
        fa, fg = _cholesky(A), _cholesky(self.gram)
        if fa is None or fg is None:
            return lambda v: v
        return lambda v: linalg.cho_solve(
            fg, linalg.cho_solve(fa, v.reshape(k, p), check_finite=False).T, check_finite=False
        ).T.ravel()


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
