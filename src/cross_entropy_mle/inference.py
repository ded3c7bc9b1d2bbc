r"""Inference around the MLE: Wald intervals, L2-penalised fits (MAPs), optimiser paths, posteriors.

Everything is in the pivot parametrisation of :mod:`.fit` unless said otherwise: class 0's row of
``[b, W]`` is zero and the free parameters :math:`\theta` are rows ``1..K-1`` of ``[b, W]``, in
the order of :func:`~cross_entropy_mle.pack_params`.

* :func:`to_pivot` moves any parametrisation (all K rows free, zero-sum, ...) to the pivot one.
* :func:`wald_intervals`: :math:`\hat\theta_j \pm z_{1-\alpha/2}\,
  \sqrt{[H(\hat\theta)^{-1}]_{jj}}` with :math:`H` the Hessian of the summed cross entropy.
* :func:`fit_l2`: the minimiser of the summed cross entropy plus an L2 penalty, which is the MAP
  under independent normal priors; it exists even when the MLE does not.
* :func:`gradient_descent_path`: the iterates of gradient descent on the summed cross entropy,
  to watch them escape to infinity on separated data.
* :func:`importance_posterior`: the flat-prior posterior by importance sampling from a
  multivariate Student-t centred at the MLE.

NumPy/SciPy only.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from scipy.special import logsumexp

from .curvature import nll_hessian
from .fit import ConvergenceWarning, FitResult, SeparationError, _design, fit_cross_entropy, pack_params
from .losses import nll_grad
from .validate import check_finite_array, check_positive, check_rng

__all__ = [
    "PosteriorSample",
    "fit_l2",
    "gradient_descent_path",
    "importance_posterior",
    "to_pivot",
    "wald_intervals",
]

PARAMETRISATIONS = ("pivot", "symmetric")


def to_pivot(weights, bias):
    r"""Subtract class 0's parameters from every class: the pivot parametrisation.

    .. math:: W_k \mapsto W_k - W_0, \qquad b_k \mapsto b_k - b_0

    Adding the same vector to every class's logit leaves the softmax unchanged, so the result
    gives the same probabilities for every :math:`x`, with row 0 equal to zero.

    Parameters
    ----------
    weights : array_like of shape (..., n_classes, n_features)
        W, possibly with leading batch axes (for instance posterior draws).
    bias : array_like of shape (..., n_classes)
        b, with the same leading axes.

    Returns
    -------
    weights : ndarray of shape (..., n_classes, n_features)
    bias : ndarray of shape (..., n_classes)
    """
    W = check_finite_array(weights, "weights", allow_empty=True)
    b = check_finite_array(bias, "bias")
    if W.ndim < 2 or W.shape[:-1] != b.shape:
        raise ValueError(
            f"weights must have shape bias.shape + (n_features,) = {b.shape} + (d,), got {W.shape}"
        )
    if b.shape[-1] < 2:
        raise ValueError(f"bias must have at least 2 classes on its last axis, got shape {b.shape}")
    return W - W[..., :1, :], b - b[..., :1]


def wald_intervals(X, y, weights, bias, level=0.95):
    r"""Wald confidence intervals for the free parameters from the observed information.

    .. math:: \hat\theta_j \pm z_{(1+\text{level})/2}\,\sqrt{[H(\hat\theta)^{-1}]_{jj}},
              \qquad H = \nabla^2_\theta \sum_i H(h_i, q_\theta(x_i))

    Evaluate at the MLE (``fit.weights, fit.bias`` of :func:`~cross_entropy_mle.fit_cross_entropy`).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)
        The estimate; any parametrisation (it is moved to the pivot one first).
    level : float
        Nominal coverage, in (0, 1).

    Returns
    -------
    ndarray of shape (P, 2), P = (n_classes - 1) * (n_features + 1)
        Lower and upper ends, in the order of :func:`~cross_entropy_mle.pack_params`.
    """
    level = _check_level(level)
    W, b = to_pivot(weights, bias)
    H = nll_hessian(X, y, W, b)
    se = np.sqrt(np.diag(np.linalg.inv(H)))
    half = stats.norm.ppf(0.5 + level / 2) * se
    theta = pack_params(W, b)
    return np.column_stack([theta - half, theta + half])


def fit_l2(X, y, sigma, n_classes=None, *, bias_sigma=np.inf, parametrisation="pivot", tol=1e-10,
           max_iter=500):
    r"""Minimise the summed cross entropy plus an L2 penalty: the MAP under normal priors.

    .. math:: \hat\theta_\sigma = \arg\min_\theta \sum_{i=1}^N H(h_i, q_\theta(x_i))
              + \frac{1}{2\sigma^2} \sum_{k} \lVert W_k \rVert^2
              + \frac{1}{2\sigma_b^2} \sum_{k} b_k^2

    The penalised sum is :math:`-\log p(\theta \mid \mathcal D)` up to a constant when the free
    rows have independent :math:`\mathcal N(0, \sigma^2)` priors on the weights and
    :math:`\mathcal N(0, \sigma_b^2)` on the biases, so the minimiser is the MAP. The sums over
    :math:`k` run over the free rows: ``1..K-1`` in the ``"pivot"`` parametrisation (row 0 fixed
    at zero), all ``K`` rows in the ``"symmetric"`` one (scikit-learn's multinomial
    ``LogisticRegression(C=sigma**2)`` with its unpenalised intercepts is the symmetric case with
    ``bias_sigma=inf``). The two penalties are different priors and give different estimates
    for K > 2; for K = 2, scikit-learn's single row is the pivot parametrisation.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    sigma : float
        Prior standard deviation of the weights, positive and finite.
    n_classes : int, optional
        K; defaults to ``max(y) + 1``.
    bias_sigma : float
        Prior standard deviation of the biases; ``inf`` (default) leaves them unpenalised.
    parametrisation : {"pivot", "symmetric"}
        Which rows are free and penalised.
    tol : float
        Gradient tolerance on the penalised objective divided by ``n_samples``.
    max_iter : int
        Maximum trust-region iterations.

    Returns
    -------
    FitResult
        ``weights`` (K, d) and ``bias`` (K,) moved to the pivot parametrisation (so they give the
        fitted probabilities; in the symmetric case the penalised weight rows sum to zero over
        classes, so the symmetric weights are ``weights - weights.mean(axis=0)``), ``nll`` the
        summed cross entropy (the data term alone), ``grad_norm`` that of the penalised
        objective, ``method`` ``"l2-pivot"`` or ``"l2-symmetric"``.

    Raises
    ------
    SeparationError
        A class has no observations and the biases are unpenalised (its bias would go to
        :math:`-\infty`).
    """
    Xt, labels, K = _design(X, y, n_classes)
    sigma = check_positive(sigma, "sigma", allow_inf=False)
    bias_sigma = check_positive(bias_sigma, "bias_sigma", allow_inf=True)
    if parametrisation not in PARAMETRISATIONS:
        raise ValueError(f"parametrisation must be one of {PARAMETRISATIONS}, got {parametrisation!r}")
    empty = np.flatnonzero(np.bincount(labels, minlength=K) == 0)
    if empty.size and np.isinf(bias_sigma):
        raise SeparationError(
            f"class(es) {empty.tolist()} have no observations and the biases are unpenalised: "
            "the penalised likelihood rises as their bias goes to -inf"
        )
    precision = np.full(Xt.shape[1], 1.0 / sigma**2)
    precision[0] = 0.0 if np.isinf(bias_sigma) else 1.0 / bias_sigma**2
    obj = _PenalisedObjective(Xt, labels, K, precision, first=0 if parametrisation == "symmetric" else 1)
    n = labels.size
    res = optimize.minimize(
        lambda t: tuple(v / n for v in obj.value_and_grad(t)),
        np.zeros(obj.n_par),
        jac=True,
        hessp=lambda t, v: obj.hessp(t, v) / n,
        method="trust-ncg",
        options={"gtol": tol, "maxiter": max_iter},
    )
    theta, grad = obj.polish(res.x)
    converged = bool(np.linalg.norm(grad) / n <= 10 * tol)
    if not converged:
        warnings.warn(
            f"fit_l2 stopped after {res.nit} iterations with gradient norm "
            f"{np.linalg.norm(grad):.3g} ({res.message})",
            ConvergenceWarning,
            stacklevel=2,
        )
    full = obj.full(theta)
    W, b = to_pivot(full[:, 1:], full[:, 0])
    nll = nll_grad(labels, Xt[:, 1:], W, b)[0]
    return FitResult(W, b, nll, int(res.nit), converged, float(np.linalg.norm(grad)),
                     method=f"l2-{parametrisation}")


def gradient_descent_path(X, y, n_classes=None, *, n_steps=1000, step_size=None, theta0=None):
    r"""Iterates of gradient descent on the summed cross entropy (pivot parametrisation).

    .. math:: \theta_{t+1} = \theta_t - \eta\, \nabla_\theta \operatorname{NLL}(\theta_t),
              \qquad \eta = \frac{1}{L}, \quad L = \tfrac12 \lambda_{\max}(\tilde X^\top \tilde X)

    :math:`L` bounds the largest eigenvalue of the Hessian (the per-sample class covariance
    :math:`\operatorname{diag}(q) - q q^\top` has eigenvalues at most 1/2), so with the default
    step every iterate lowers the NLL. When the MLE exists the iterates converge to it; on
    separated data the NLL falls towards its infimum 0 while :math:`\lVert\theta_t\rVert`
    grows without bound (like :math:`\log t`).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_classes : int, optional
    n_steps : int
        Number of gradient steps.
    step_size : float, optional
        :math:`\eta`; defaults to :math:`1/L`.
    theta0 : array_like of shape (P,), optional
        Start, in the order of :func:`~cross_entropy_mle.pack_params`; defaults to zero.

    Returns
    -------
    thetas : ndarray of shape (n_steps + 1, P)
        Every iterate, the start included.
    nll : ndarray of shape (n_steps + 1,)
        Summed NLL at each iterate.
    """
    Xt, labels, K = _design(X, y, n_classes)
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    n_par = (K - 1) * Xt.shape[1]
    if step_size is None:
        step_size = 2.0 / np.linalg.eigvalsh(Xt.T @ Xt)[-1]
    else:
        step_size = check_positive(step_size, "step_size", allow_inf=False)
    theta = np.zeros(n_par) if theta0 is None else check_finite_array(theta0, "theta0", ndim=1).copy()
    if theta.size != n_par:
        raise ValueError(f"theta0 must have {n_par} entries, got {theta.size}")
    obj = _PenalisedObjective(Xt, labels, K, np.zeros(Xt.shape[1]), first=1)
    thetas = np.empty((n_steps + 1, n_par))
    nll = np.empty(n_steps + 1)
    for t in range(n_steps + 1):
        value, grad = obj.value_and_grad(theta)
        thetas[t], nll[t] = theta, value
        theta = theta - step_size * grad
    return thetas, nll


@dataclass(frozen=True)
class PosteriorSample:
    """Weighted draws from a posterior over the free (pivot) parameters.

    Attributes
    ----------
    draws : ndarray of shape (n_draws, P)
        Parameter vectors in the order of :func:`~cross_entropy_mle.pack_params`.
    weights : ndarray of shape (n_draws,)
        Non-negative importance weights that sum to 1.
    ess : float
        Kish's effective sample size :math:`1 / \\sum_s w_s^2`.
    mle : ndarray of shape (P,)
        The MLE the proposal was centred at.
    """

    draws: np.ndarray
    weights: np.ndarray
    ess: float
    mle: np.ndarray

    def mean(self):
        """Posterior mean, shape (P,)."""
        return self.weights @ self.draws

    def cov(self):
        """Posterior covariance, shape (P, P)."""
        centred = self.draws - self.mean()
        return (centred * self.weights[:, None]).T @ centred

    def quantile(self, q):
        """Weighted quantiles of each parameter: ``q`` of shape (m,) -> shape (m, P)."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any((q < 0) | (q > 1)):
            raise ValueError("q must lie in [0, 1]")
        order = np.argsort(self.draws, axis=0)
        out = np.empty((q.size, self.draws.shape[1]))
        for j in range(self.draws.shape[1]):
            w = self.weights[order[:, j]]
            cdf = np.cumsum(w) - w / 2  # midpoints: symmetric in the two tails
            out[:, j] = np.interp(q, cdf, self.draws[order[:, j], j])
        return out

    def interval(self, level=0.95):
        """Equal-tailed credible intervals, shape (P, 2)."""
        level = _check_level(level)
        return self.quantile([(1 - level) / 2, (1 + level) / 2]).T


def importance_posterior(X, y, n_draws, rng, n_classes=None, *, df=4.0, scale=1.2, n_adapt=4,
                         target_ess=0.5):
    r"""The flat-prior posterior over the free parameters, by importance sampling.

    Under a flat prior the posterior is the normalised likelihood,
    :math:`p(\theta \mid \mathcal D) \propto \prod_i q_\theta(y_i \mid x_i)`, proper exactly when
    the MLE exists. The proposal is a multivariate Student-t with ``df`` degrees of freedom
    centred at the MLE :math:`\hat\theta` with scale matrix :math:`s^2 H(\hat\theta)^{-1}`;
    the self-normalised weights are

    .. math:: w_s \propto \frac{\mathcal L(\theta_s \mid \mathcal D)}{t_{\nu}(\theta_s;\,
              \hat\theta, s^2 H^{-1})}.

    The likelihood falls off exponentially in every direction when the MLE exists, while the
    t density falls off polynomially, so the weights are bounded. At small N the posterior can
    be strongly skewed away from the MLE and the effective sample size drops. While it is below
    ``target_ess * n_draws``, up to ``n_adapt`` rounds of moment matching move the proposal's
    centre and scale matrix to the weighted posterior mean and covariance of the previous round
    (adaptive importance sampling); only the last round's draws are returned.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    n_draws : int
        Number of proposal draws.
    rng : numpy.random.Generator
    n_classes : int, optional
    df : float
        Degrees of freedom of the proposal.
    scale : float
        Factor :math:`s` on the proposal's scale.
    n_adapt : int
        Maximum rounds of moment matching (0: the proposal stays at the MLE).
    target_ess : float
        Stop adapting once the effective sample size reaches this fraction of ``n_draws``.

    Returns
    -------
    PosteriorSample
        ``mle`` is the MLE; ``draws`` and ``weights`` come from the final proposal.

    Raises
    ------
    SeparationError
        The MLE does not exist, and the flat-prior posterior is improper.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ValueError(f"n_draws must be an integer >= 2, got {n_draws!r}")
    check_rng(rng)
    df = check_positive(df, "df", allow_inf=False)
    scale = check_positive(scale, "scale", allow_inf=False)
    if isinstance(n_adapt, bool) or not isinstance(n_adapt, (int, np.integer)) or n_adapt < 0:
        raise ValueError(f"n_adapt must be a non-negative integer, got {n_adapt!r}")
    target_ess = _check_level(target_ess, "target_ess")
    fit = fit_cross_entropy(X, y, n_classes)
    K, d = fit.weights.shape
    mle = pack_params(fit.weights, fit.bias)
    H = nll_hessian(X, y, fit.weights, fit.bias)
    Xt, labels, _ = _design(X, y, K)
    loc, shape = mle, np.linalg.inv(H)
    for round_ in range(n_adapt + 1):
        proposal = stats.multivariate_t(loc=loc, shape=scale**2 * shape, df=df)
        draws = np.atleast_2d(proposal.rvs(size=n_draws, random_state=rng)).reshape(n_draws, mle.size)
        log_lik = np.concatenate(
            [_log_likelihood(Xt, labels, chunk) for chunk in np.array_split(draws, -(-n_draws // 1024))]
        )
        log_w = log_lik - proposal.logpdf(draws)
        weights = np.exp(log_w - logsumexp(log_w))
        sample = PosteriorSample(draws, weights, float(1.0 / np.sum(weights**2)), mle)
        if sample.ess >= target_ess * n_draws or round_ == n_adapt:
            return sample
        loc, shape = sample.mean(), sample.cov()


def _log_likelihood(Xt, labels, thetas):
    """Log-likelihood at each row of ``thetas`` (m, (K-1) * p), pivot order; shape (m,)."""
    m, p = thetas.shape[0], Xt.shape[1]
    # one contiguous (N, m) block of logits per free class; class 0's logit is 0
    z = [Xt @ rows.T for rows in np.moveaxis(thetas.reshape(m, -1, p), 1, 0)]
    top = np.maximum.reduce([np.zeros_like(z[0]), *z])
    total = np.exp(-top)
    for zk in z:
        total += np.exp(zk - top)
    log_lik = -(top + np.log(total)).sum(axis=0)
    for k, zk in enumerate(z, start=1):
        log_lik += zk[labels == k].sum(axis=0)
    return log_lik


class _PenalisedObjective:
    """Summed NLL + 0.5 * sum(precision * theta**2) over free rows ``first..K-1`` of [b, W]."""

    def __init__(self, Xt, y, n_classes, precision, first):
        self.Xt, self.y, self.K, self.first = Xt, y, n_classes, first
        self.precision = precision
        self.rows = np.arange(y.size)
        self.n_par = (n_classes - first) * Xt.shape[1]
        self._key, self._q = None, None

    def full(self, theta):
        full = np.zeros((self.K, self.Xt.shape[1]))
        full[self.first:] = theta.reshape(self.K - self.first, -1)
        return full

    def value_and_grad(self, theta):
        free = theta.reshape(self.K - self.first, -1)
        z = self.Xt @ self.full(theta).T
        log_q = z - logsumexp(z, axis=1, keepdims=True)
        q = np.exp(log_q)
        self._key, self._q = theta.tobytes(), q
        resid = q.copy()
        resid[self.rows, self.y] -= 1.0
        grad = (resid.T @ self.Xt)[self.first:] + self.precision * free
        value = -log_q[self.rows, self.y].sum() + 0.5 * np.sum(self.precision * free**2)
        return value, grad.ravel()

    def hessp(self, theta, v):
        if self._key != theta.tobytes():
            self.value_and_grad(theta)
        q = self._q
        u = self.Xt @ self.full(v).T
        r = q * (u - (q * u).sum(axis=1, keepdims=True))
        free_v = v.reshape(self.K - self.first, -1)
        return ((r.T @ self.Xt)[self.first:] + self.precision * free_v).ravel()

    def polish(self, theta, n_steps=3):
        """A few full Newton steps (least squares: the Hessian may be singular along a flat
        direction whose gradient is zero); returns the better of the start and the result."""
        value, grad = self.value_and_grad(theta)
        for _ in range(n_steps):
            H = np.column_stack([self.hessp(theta, e) for e in np.eye(self.n_par)])
            step = np.linalg.lstsq((H + H.T) / 2, grad, rcond=1e-12)[0]
            new_value, new_grad = self.value_and_grad(theta - step)
            if not (np.linalg.norm(new_grad) < np.linalg.norm(grad) and new_value <= value + 1e-12 * abs(value)):
                break
            theta, value, grad = theta - step, new_value, new_grad
        return theta, grad


def _check_level(level, name="level"):
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in (0, 1), got {type(level).__name__}")
    if not (0 < level < 1):
        raise ValueError(f"{name} must be a number in (0, 1), got {level!r}")
    return float(level)
