r"""Inference around the MLE: curvature, Wald intervals, posteriors, optimiser paths.

Everything is in the pivot parametrisation (class 0's row of ``[b, W]`` zero); the free
parameters :math:`\theta` are rows ``1..K-1`` of ``[b, W]`` in the order of
:func:`~cross_entropy_mle.pack_params`. All curvature comes from
:class:`~cross_entropy_mle.objective.SoftmaxRegressionLoss`.

* :func:`nll_hessian`, :func:`standard_errors`, :func:`wald_intervals`: the observed
  information :math:`H(\hat\theta)` and :math:`\hat\theta_j \pm z\,\sqrt{[H^{-1}]_{jj}}`.
* :func:`gradient_descent_path`: the iterates of gradient descent on the summed cross entropy,
  to watch them escape to infinity on separated data.
* :func:`importance_posterior`: the flat-prior posterior by importance sampling from a
  multivariate Student-t centred at the MLE, with Kish's ESS and the PSIS :math:`\hat k`.

NumPy/SciPy only (PSIS from arviz-stats' NumPy layer).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import logsumexp

from .fit import fit_cross_entropy
from .model import pack_params
from .objective import SoftmaxRegressionLoss
from .validate import (
    check_finite_array,
    check_int,
    check_level,
    check_positive,
    check_rng,
    check_X_y,
)

__all__ = [
    "PosteriorSample",
    "gradient_descent_path",
    "importance_posterior",
    "nll_hessian",
    "standard_errors",
    "wald_intervals",
]


def nll_hessian(X: ArrayLike, y: ArrayLike, weights: ArrayLike, bias: ArrayLike) -> np.ndarray:
    r"""Hessian of the summed NLL over the free (pivot) parameters: the observed information.

    .. math:: \frac{\partial^2 \operatorname{NLL}}{\partial \tilde w_k \, \partial \tilde w_l^\top}
              = \sum_{i=1}^N q_{ik} (\delta_{kl} - q_{il})\, \tilde x_i \tilde x_i^\top,
              \qquad k, l = 1, \dots, K-1

    It does not depend on the labels (they are checked all the same).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    weights : array_like of shape (n_classes, n_features)
        Any parametrisation (only differences from row 0 matter).
    bias : array_like of shape (n_classes,)

    Returns
    -------
    ndarray of shape (P, P), P = (n_classes - 1) * (n_features + 1)
    """
    b = check_finite_array(bias, "bias", ndim=1)
    obj = SoftmaxRegressionLoss(X, y, b.size)
    W = check_finite_array(weights, "weights", ndim=2, allow_empty=True)
    if W.shape != (b.size, obj.shape[1] - 1):
        raise ValueError(
            f"weights must have shape (n_classes, n_features) = "
            f"({b.size}, {obj.shape[1] - 1}), got {W.shape}"
        )
    return obj.hessian(pack_params(W, b))


def standard_errors(X: ArrayLike, y: ArrayLike, weights: ArrayLike, bias: ArrayLike) -> np.ndarray:
    r"""Standard errors from the observed information, :math:`\sqrt{\operatorname{diag}(H^{-1})}`.

    Evaluated at the MLE these are the usual asymptotic standard errors (marginal, one per
    parameter), in the order of :func:`~cross_entropy_mle.pack_params`.

    Raises
    ------
    numpy.linalg.LinAlgError
        If the Hessian is singular (a collinear design).
    """
    return np.sqrt(np.diag(np.linalg.inv(nll_hessian(X, y, weights, bias))))


def wald_intervals(
    X: ArrayLike, y: ArrayLike, weights: ArrayLike, bias: ArrayLike, level: float = 0.95
) -> np.ndarray:
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
    level = check_level(level)
    half = stats.norm.ppf(0.5 + level / 2) * standard_errors(X, y, weights, bias)
    theta = pack_params(weights, bias)
    return np.column_stack([theta - half, theta + half])


def gradient_descent_path(
    X: ArrayLike,
    y: ArrayLike,
    n_classes: int | None = None,
    *,
    n_steps: int = 1000,
    step_size: float | None = None,
    theta0: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Iterates of gradient descent on the summed cross entropy (pivot parametrisation).

    .. math:: \theta_{t+1} = \theta_t - \eta\, \nabla_\theta \operatorname{NLL}(\theta_t),
              \qquad \eta = \frac{1}{L}, \quad L = \tfrac12 \lambda_{\max}(\tilde X^\top \tilde X)

    :math:`L` bounds the largest eigenvalue of the Hessian (the per-sample class covariance
    :math:`\operatorname{diag}(q) - q q^\top` has eigenvalues at most 1/2), so with the default
    step every iterate lowers the NLL. When the MLE exists the iterates converge to it. Under
    complete separation the NLL falls towards its infimum 0 while :math:`\lVert\theta_t\rVert`
    grows without bound, like :math:`\log t` (Soudry et al. 2018); under quasi-complete
    separation it falls towards a positive limit while the parameters still diverge.

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
    obj = SoftmaxRegressionLoss(X, y, n_classes)
    n_steps = check_int(n_steps, "n_steps", 1)
    n_par = obj.n_params
    if step_size is None:
        step_size = 2.0 / np.linalg.eigvalsh(obj.gram)[-1]
    else:
        step_size = check_positive(step_size, "step_size", allow_inf=False)
    theta = (
        np.zeros(n_par) if theta0 is None else check_finite_array(theta0, "theta0", ndim=1).copy()
    )
    if theta.size != n_par:
        raise ValueError(f"theta0 must have {n_par} entries, got {theta.size}")
    thetas = np.empty((n_steps + 1, n_par))
    nll = np.empty(n_steps + 1)
    for t in range(n_steps + 1):
        value, grad = obj.loss_gradient(theta)
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
    pareto_k : float
        The Pareto-smoothed importance sampling :math:`\\hat k` of the raw log weights
        (arviz-stats): below 0.7 the importance-sampling estimates are reliable; above it the
        weights' tail is too heavy, whatever the ESS says.
    """

    draws: np.ndarray
    weights: np.ndarray
    ess: float
    mle: np.ndarray
    pareto_k: float

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
        level = check_level(level)
        return self.quantile([(1 - level) / 2, (1 + level) / 2]).T


def importance_posterior(
    X: ArrayLike,
    y: ArrayLike,
    n_draws: int,
    rng: np.random.Generator,
    *,
    n_classes: int | None = None,
    df: float = 4.0,
    scale: float = 1.2,
    n_adapt: int = 4,
    target_ess: float = 0.5,
) -> "PosteriorSample":
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
    from arviz_stats.base import array_stats

    n_draws = check_int(n_draws, "n_draws", 2)
    check_rng(rng)
    df = check_positive(df, "df", allow_inf=False)
    scale = check_positive(scale, "scale", allow_inf=False)
    n_adapt = check_int(n_adapt, "n_adapt", 0)
    target_ess = check_level(target_ess, "target_ess")
    X, labels, K = check_X_y(X, y, n_classes)
    fit = fit_cross_entropy(X, labels, K)
    obj = SoftmaxRegressionLoss(X, labels, K)
    mle = pack_params(fit.weights, fit.bias)
    loc, shape = mle, np.linalg.inv(obj.hessian(mle))
    for round_ in range(n_adapt + 1):
        proposal = stats.multivariate_t(loc=loc, shape=scale**2 * shape, df=df)
        draws = np.atleast_2d(proposal.rvs(size=n_draws, random_state=rng)).reshape(
            n_draws, mle.size
        )
        log_w = -obj.nll_many(draws) - proposal.logpdf(draws)
        weights = np.exp(log_w - logsumexp(log_w))
        # the generalised-Pareto shape of the weights' right tail (arviz-stats, as in PSIS)
        k_hat = float(
            array_stats.pareto_khat(weights, chain_axis=None, draw_axis=-1, tail="right", r_eff=1.0)
        )
        sample = PosteriorSample(draws, weights, float(1.0 / np.sum(weights**2)), mle, k_hat)
        if sample.ess >= target_ess * n_draws or round_ == n_adapt:
            return sample
        loc, shape = sample.mean(), sample.cov()
