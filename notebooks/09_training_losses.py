# %% [markdown]
# # Which training losses are likelihoods?
#
# The earlier notebooks showed that minimising the summed cross entropy of softmax regression is
# maximum likelihood for the categorical model $y_i \mid x_i \sim \operatorname{Cat}(q_\theta(x_i))$.
# Training code rarely minimises exactly that sum: it averages over mini-batches, adds weight
# decay, weights classes, smooths labels, swaps in a focal loss, rescales logits after training,
# uses one sigmoid per class, and predicts the next token of a text. This notebook takes each of
# these in turn: it states what the objective is as a likelihood (or why it is not one), checks
# the statement in numbers, and says what follows in practice.
#
# Conventions. $H(t, q) = -\sum_k t_k \log q_k$ is the cross entropy of a target $t$ and a
# forecast $q$; with a one-hot label $t = h_i$ it is $-\log q_{y_i}$. "Mean" means divided by $N$.
# Softmax regression is $q_\theta(x) = \operatorname{softmax}(W x + b)$ in the pivot
# parametrisation (class 0's row fixed at zero); $\theta$ packs the free rows of $[b, W]$.

# %%
import codecs
import contextlib
import io

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
from scipy import optimize

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_609
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
az.style.use("arviz-variat")

# %% [markdown]
# The data come from the generative process of notebook 01: $K = 3$ classes, $d = 2$ standard
# normal features. One short function computes the mean cross entropy against *any* targets $T$
# (one-hot labels or soft targets), optionally with a weight per observation, and its gradient,
# which for the logits is $w_i (q_i - t_i)$ whenever $t_i$ sums to one.

# %%
K = 3
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])


def design(X):
    return np.column_stack([np.ones(len(X)), X])


def logits(theta, X):
    """Pivot softmax-regression logits; theta packs the free rows of [b, W]."""
    D = design(X)
    return np.column_stack([np.zeros(len(X)), D @ theta.reshape(-1, D.shape[1]).T])


def mean_ce(theta, X, T, w=None):
    """(1/N) sum_i w_i H(t_i, q_i) and its gradient in theta."""
    w = np.ones(len(X)) if w is None else w
    log_q = ce.log_softmax(logits(theta, X))
    G = w[:, None] * (np.exp(log_q) - T) / len(X)
    return -(w[:, None] * T * log_q).sum() / len(X), (G.T @ design(X))[1:].ravel()


def fit_mean_ce(X, T, w=None, lam=0.0):
    """Minimise mean_ce + lam * ||theta||^2 by BFGS."""

    def f(theta):
        value, grad = mean_ce(theta, X, T, w)
        return value + lam * theta @ theta, grad + 2 * lam * theta

    theta0 = np.zeros((T.shape[1] - 1) * (X.shape[1] + 1))
    res = optimize.minimize(f, theta0, jac=True, method="BFGS", options={"gtol": 1e-9})
    assert res.success, res.message
    return res.x


N = 2_000 if FAST else 10_000
X, y, p = ce.simulate(N, W_true, b_true, rng)
H = ce.one_hot(y, K)
mle = ce.fit_cross_entropy(X, y)  # minimises the *sum* by Newton's method
theta_hat = ce.pack_params(mle.weights, mle.bias)
se = ce.standard_errors(X, y, mle.weights, mle.bias)

# %% [markdown]
# ## Mean or sum, full batch or mini-batch
#
# Dividing the objective by $N$ does not move its minimiser, so the mean cross entropy has the
# MLE as its minimiser, as the sum does. What changes is the scale of the gradient, hence which
# step sizes work, and the relative weight of anything added to the loss (next section).
#
# A mini-batch $\mathcal B$ of $B$ rows drawn without replacement gives the mean
# $\bar\ell_{\mathcal B} = \frac1B \sum_{i\in\mathcal B} \ell_i$, an unbiased estimate of the full
# mean $\bar\ell$ with variance $\frac{s^2}{B}\frac{N-B}{N-1}$ ($s^2$ the variance of the
# $\ell_i$ over the data set). The same holds for its gradient. We check both moments over many
# batches, at the MLE.

# %%
B, n_batches = 64, 4_000
ell = -ce.log_softmax(ce.linear_predictor(X, mle.weights, mle.bias))[np.arange(N), y]
batch_means = np.array([ell[rng.choice(N, B, replace=False)].mean() for _ in range(n_batches)])
var_theory = ell.var() / B * (N - B) / (N - 1)
print(f"full mean {ell.mean():.4f}, mean of {n_batches} batch means {batch_means.mean():.4f}")
print(f"batch-mean variance {batch_means.var():.3e}, theory {var_theory:.3e}")

# %% tags=["hide-input"]
# Check: unbiased, and the variance formula. CLT tolerances: 4 standard errors of the mean of
# the batch means, and of their sample variance (from their fourth central moment).
assert abs(batch_means.mean() - ell.mean()) < 4 * np.sqrt(var_theory / n_batches)
m4 = ((batch_means - batch_means.mean()) ** 4).mean()
assert abs(batch_means.var() - var_theory) < 4 * np.sqrt((m4 - batch_means.var() ** 2) / n_batches)
# The one-hot mean objective of this notebook has the same minimiser as the library's summed
# one; both optimisers stop at gradients ~1e-9, so the estimates agree far below 1e-5.
assert np.allclose(fit_mean_ce(X, H), theta_hat, atol=1e-5)

# %% [markdown]
# Stochastic gradient descent steps along the mini-batch gradient,
# $\theta_{t+1} = \theta_t - \eta_t \nabla \bar\ell_{\mathcal B_t}(\theta_t)$, with one pass over a
# shuffled copy of the data per epoch. With a constant step it ends in a cloud around the MLE
# whose size is set by $\eta$; Robbins and Monro's conditions $\sum_t \eta_t = \infty$,
# $\sum_t \eta_t^2 < \infty$, met by $\eta_t = \eta_0 / (1 + t/\tau)$, make it converge to the
# minimiser of the mean, the MLE.

# %%
n_steps, eta0, tau = 15 * N // 2, 1.0, 200  # 240 epochs of batches of 64
theta, step, path = np.zeros_like(theta_hat), 0, []
while step < n_steps:
    perm = rng.permutation(N)
    for start in range(0, N - B + 1, B):
        batch = perm[start : start + B]
        theta = theta - eta0 / (1 + step / tau) * mean_ce(theta, X[batch], H[batch])[1]
        path.append(theta)
        step += 1
path = np.array(path[:n_steps])
distance = np.max(np.abs(path - theta_hat) / se, axis=1)  # in MLE standard errors
print(f"after {n_steps} steps: max |theta - MLE| / se = {distance[-1]:.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
ax = axes[0]
ax.plot(path[:, 0], path[:, 3], lw=0.6, color="C0", label="SGD path")
ax.plot(*theta_hat[[0, 3]], "o", color="C1", ms=8, label="MLE")
ax.plot(0, 0, "s", color="k", ms=6, label="start")
ax.set(xlabel="$b_1$", ylabel="$b_2$", title="SGD on mini-batches of 64")
ax.legend(loc="lower left")
ax = axes[1]
ax.loglog(np.arange(1, n_steps + 1), distance, color="C0", label="max |θ − MLE| / se")
ax.loglog(
    np.arange(1, n_steps + 1),
    eta0 / (1 + np.arange(n_steps) / tau),
    color="C2",
    ls="--",
    label="step size $\\eta_t$",
)
ax.set(xlabel="step", title="distance to the MLE, in standard errors")
ax.legend(loc="lower left")
save_figure(fig, "sgd-to-mle")

# %% tags=["hide-input"]
# Check: SGD ends well inside the MLE's sampling error (0.1 se; seen: 0.015 fast, 0.033 full).
assert distance[-1] < 0.1 and distance[-1] < distance[n_steps // 10]

# %% [markdown]
# In practice: the mean and the sum are the same estimator; a decaying learning rate is what
# turns mini-batch SGD from "near the MLE" into "at the MLE", and once the remaining optimisation
# error is a small fraction of the standard error, more epochs buy nothing statistically.
#
# ## Weight decay is a Gaussian prior
#
# Adding $\lambda \lVert\theta\rVert^2$ to the *mean* cross entropy and multiplying by $N$ gives
# $\sum_i H(h_i, q_i) + N\lambda\lVert\theta\rVert^2$, minus the log posterior under independent
# priors $\theta_j \sim \mathcal N(0, \sigma^2)$ when $1/(2\sigma^2) = N\lambda$:
#
# $$\sigma^2 = \frac{1}{2 N \lambda}.$$
#
# (PyTorch's `weight_decay` $= \lambda'$ in plain SGD adds $\lambda'\theta$ to the gradient, the
# penalty $\frac{\lambda'}{2}\lVert\theta\rVert^2$, so $\sigma^2 = 1/(N\lambda')$.) Here the
# penalty covers the biases too. We fit it three ways: BFGS on the penalised mean in this
# notebook, the library's L2 fit, and the MAP of the PyMC model with that prior.

# %%
lam = 1e-3
sigma = 1 / np.sqrt(2 * N * lam)
theta_decay = fit_mean_ce(X, H, lam=lam)
l2 = ce.fit_l2(X, y, sigma, bias_sigma=sigma)
with ce.capture_sampler_messages():
    pymc_map = ce.fit_map(ce.softmax_regression_model(X, y, prior=sigma))
estimates = pd.DataFrame(
    {
        "MLE": theta_hat,
        "weight decay (BFGS)": theta_decay,
        "ce.fit_l2": ce.pack_params(l2.weights, l2.bias),
        "PyMC MAP": ce.pack_params(pymc_map.weights, pymc_map.bias),
    },
    index=["b1", "w11", "w12", "b2", "w21", "w22"],
)
print(f"lambda = {lam}, N = {N}: sigma = {sigma:.3f}")
estimates.round(4)

# %% tags=["hide-input"]
# Check: the three minimisers agree to 1e-5 (all stop at gradients ~1e-8 of a strongly convex
# objective), while the prior moves them from the MLE by more than 1e-2, 1000 times that.
assert pymc_map.converged and l2.converged
assert np.allclose(estimates.iloc[:, 1:].values, theta_decay[:, None], atol=1e-5)
assert np.abs(theta_decay - theta_hat).max() > 1e-2

# %% [markdown]
# The prior is worth $1/\sigma^2 = 2N\lambda$ observations' worth of curvature, against a data
# term of curvature $\propto N$. At fixed $\lambda$ both grow like $N$: the shift of the estimate
# from the MLE does not shrink with more data, and measured in standard errors (which fall like
# $1/\sqrt N$) it grows like $\sqrt N$. A fixed prior, fixed $\lambda N$, has a shift that falls
# like $1/N$, faster than the standard error: the data win. We show both on nested data sets.

# %%
N_grid = np.array([500, 2_000, 8_000, 32_000])
X_big, y_big, _ = ce.simulate(N_grid[-1], W_true, b_true, rng)
shift = {"fixed λ": [], "fixed λN": []}
for n in N_grid:
    fit_mle_n = ce.fit_cross_entropy(X_big[:n], y_big[:n])
    theta_n = ce.pack_params(fit_mle_n.weights, fit_mle_n.bias)
    for kind, lam_n in [("fixed λ", lam), ("fixed λN", lam * N_grid[0] / n)]:
        s_n = 1 / np.sqrt(2 * n * lam_n)
        fit_n = ce.fit_l2(X_big[:n], y_big[:n], s_n, bias_sigma=s_n)
        shift[kind].append(np.linalg.norm(ce.pack_params(fit_n.weights, fit_n.bias) - theta_n))
slopes = {kind: np.polyfit(np.log(N_grid), np.log(v), 1)[0] for kind, v in shift.items()}
pd.DataFrame(shift, index=pd.Index(N_grid, name="N")).round(4)

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
for (kind, v), c in zip(shift.items(), ["C0", "C1"], strict=True):
    ax.loglog(N_grid, v, "o-", color=c, label=f"{kind}: slope {slopes[kind]:.2f}")
ax.set(xlabel="N", ylabel="‖MAP − MLE‖", title="how far weight decay moves the estimate")
ax.legend(loc="lower left")
save_figure(fig, "weight-decay-shift")

# %% tags=["hide-input"]
# Check: log-log slopes 0 and -1. The shift's sampling noise, relative, is ~ se / |theta| ~ 0.1
# at N = 500 and falls with N; over a log-range of 4.2 that moves a slope by ~0.05: tolerance 0.15.
assert abs(slopes["fixed λ"]) < 0.15 and abs(slopes["fixed λN"] + 1) < 0.15

# %% [markdown]
# In practice: a weight decay tuned at one data-set size is a different prior at another; to
# keep the prior, scale $\lambda$ like $1/N$. AdamW (Loshchilov and Hutter, 2019) *decouples* the
# decay: it shrinks $\theta$ by $\eta\lambda\theta$ after Adam's step, while Adam divides each
# coordinate of the gradient by a running root mean square; the shrinkage is then not the
# rescaled gradient of any penalty added to the loss, so AdamW's fixed point is not a MAP under a
# Gaussian prior (for plain SGD the two coincide).
#
# ## Class weights are a weighted likelihood
#
# Weighting each observation of class $k$ by $w_k$ minimises
# $\sum_i w_{y_i} (-\log q_{y_i}(x_i))$. In the population, at each $x$ the expected weighted loss
# $-\sum_k w_k\, p(k \mid x) \log q_k$ is a cross entropy against the normalised target
# $\propto w_k\, p(k \mid x)$, so its minimiser is
#
# $$q_k(x) = \frac{w_k\, p(k \mid x)}{\sum_j w_j\, p(j \mid x)}.$$
#
# When $p$ is itself a softmax regression, this is the same model with bias $b_k + \log w_k$
# (pivot: $b_k - b_0 + \log(w_k/w_0)$) and unchanged weights. Data with a rare class and the
# usual "balanced" weights $w_k = N / (K n_k)$ show it; the uncertainty of the difference
# between the weighted fit and the MLE comes from both estimators' influence functions
# (sandwich), since the weighted fit is not a likelihood.

# %%
N_w = 20_000 if FAST else 50_000
b_rare = np.array([0.0, 0.5, -2.5])
X_w, y_w, _ = ce.simulate(N_w, W_true, b_rare, rng)
w = N_w / (K * np.bincount(y_w, minlength=K))
H_w = ce.one_hot(y_w, K)
theta_w = fit_mean_ce(X_w, H_w, w=w[y_w])
theta_1 = fit_mean_ce(X_w, H_w)
predicted = np.zeros_like(theta_1)
predicted[[0, 3]] = np.log(w[1:] / w[0])  # the bias entries of the packed vector


def influence(theta, X, T, obs_w):
    """Per-observation influence H^-1 g_i of the weighted M-estimator (g_i: its score)."""
    R = obs_w[:, None] * (ce.softmax(logits(theta, X)) - T)
    G = np.einsum("ik,ij->ikj", R[:, 1:], design(X)).reshape(len(X), -1)
    e = 1e-5 * np.eye(theta.size)  # Hessian of the mean loss by central differences of mean_ce
    hess = (
        np.array(
            [mean_ce(theta + d, X, T, obs_w)[1] - mean_ce(theta - d, X, T, obs_w)[1] for d in e]
        )
        / 2e-5
    )
    return G @ np.linalg.inv(hess * len(X)).T


diff_se = np.sqrt(
    ((influence(theta_w, X_w, H_w, w[y_w]) - influence(theta_1, X_w, H_w, np.ones(N_w))) ** 2).sum(
        0
    )
)
pd.DataFrame(
    {"weighted − MLE": theta_w - theta_1, "log(w_k/w_0)": predicted, "se": diff_se},
    index=estimates.index,
).round(3)

# %% tags=["hide-input"]
# Check: every entry of (weighted - MLE) equals log(w_k/w_0) or 0 within 4 sandwich se (a shift
# of ~4 se, here ~0.1 in the biases, would be detected); the predicted shifts are > 20 se.
assert np.all(np.abs(theta_w - theta_1 - predicted) < 4 * diff_se)
assert np.all(np.abs(predicted[[0, 3]]) > 20 * diff_se[[0, 3]])

# %% [markdown]
# So the weighted model forecasts the *reweighted* population. Subtracting $\log w_k$ from its
# logits undoes the shift and gives probabilities for the population it was trained on. On fresh
# data from that population we compare reliability curves: among the forecasts in a bin, the
# observed frequency of the event against the mean forecast, for the rare class
# (the class with the largest weight), whose forecasts the weights move most.

# %%
X_wt, y_wt, _ = ce.simulate(N_w, W_true, b_rare, rng)
Z_wt = logits(theta_w, X_wt)
reliability = {
    "class-weighted": ce.reliability_curve((y_wt == 2).astype(int), ce.softmax(Z_wt)[:, 2]),
    "logits − log w": ce.reliability_curve(
        (y_wt == 2).astype(int), ce.softmax(Z_wt - np.log(w))[:, 2]
    ),
}


def plot_reliability(ax, curves, title):
    ax.plot([0, 1], [0, 1], color="0.5", lw=1, label="calibrated")
    for (name, rc), c in zip(curves.items(), ["C0", "C1", "C2"], strict=False):
        ax.errorbar(
            rc.mean_predicted,
            rc.observed,
            2 * rc.std_error,
            fmt="o-",
            ms=5,
            color=c,
            label=f"{name} (max |z| {np.abs(rc.z).max():.1f})",
        )
    ax.set(xlabel="forecast probability", ylabel="observed frequency", title=title)
    ax.legend(loc="lower right", fontsize=10)


fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_reliability(ax, reliability, "class weights: the rare class 2, test data")
save_figure(fig, "class-weights-reliability")

# %% tags=["hide-input"]
# Check: z = (observed - forecast) / binomial se per bin. Calibrated forecasts give |z| < 4 in
# all 10 bins with probability > 0.99; the weighted model is off by far more.
assert np.abs(reliability["class-weighted"].z).max() > 8
assert np.abs(reliability["logits − log w"].z).max() < 4

# %% [markdown]
# In practice: class weights (or resampling to balance classes) change what the probabilities
# mean. When the model family contains the truth, subtracting $\log w_k$ from the logits restores
# calibrated probabilities; otherwise the weighted fit is a different projection onto the model
# and the correction is only approximate.
#
# ## Label smoothing: soft targets, a different target distribution
#
# Label smoothing trains on $t_i = (1-\varepsilon) h_i + \varepsilon / K$. The loss
# $H(t_i, q_i)$ is a cross entropy, but not the likelihood of the observed labels. Its
# expectation over $y \sim p$ is $H\big((1-\varepsilon)p + \varepsilon/K,\; q\big)$, minimised at
#
# $$q^\star = (1-\varepsilon)\,p + \varepsilon/K,$$
#
# so the loss is not proper for $p$: even the true probabilities score worse than the smoothed
# ones. A softmax regression fitted this way approximates $q^\star(x)$ (the KL projection of
# $q^\star$ onto the model, which cannot represent it exactly), not $p(x)$.

# %%
eps = 0.1
theta_ls = fit_mean_ce(X, (1 - eps) * H + eps / K)
X_t, y_t, p_t = ce.simulate(20_000, W_true, b_true, rng)
q_ls, q_ml = ce.softmax(logits(theta_ls, X_t)), mle.predict_proba(X_t)
rmse = {
    "LS fit vs p": np.sqrt(((q_ls - p_t) ** 2).mean()),
    "LS fit vs (1−ε)p+ε/K": np.sqrt(((q_ls - (1 - eps) * p_t - eps / K) ** 2).mean()),
    "MLE vs p": np.sqrt(((q_ml - p_t) ** 2).mean()),
}
print(", ".join(f"RMSE {k}: {v:.4f}" for k, v in rmse.items()))
reliability_ls = {
    "MLE": ce.reliability_curve(ce.one_hot(y_t, K), q_ml),
    f"label smoothing ε={eps}": ce.reliability_curve(ce.one_hot(y_t, K), q_ls),
}

# %% tags=["hide-input"]
# Check: the closed-form minimiser of the expected smoothed loss, against BFGS over the logits
# at one p (BFGS stops at gradient 1e-10: agreement to 1e-6).
p_demo = np.array([0.7, 0.2, 0.1])
res = optimize.minimize(
    lambda z: -((1 - eps) * p_demo + eps / K) @ ce.log_softmax(z),
    np.zeros(K),
    method="BFGS",
    options={"gtol": 1e-10},
)
assert np.allclose(ce.softmax(res.x), (1 - eps) * p_demo + eps / K, atol=1e-6)
# The smoothed fit is nearer q* than p, and both errors exceed the MLE's estimation error.
assert rmse["LS fit vs (1−ε)p+ε/K"] < 0.75 * rmse["LS fit vs p"]
assert rmse["LS fit vs p"] > 2 * rmse["MLE vs p"]
assert np.abs(reliability_ls[f"label smoothing ε={eps}"].z).max() > 8
assert np.abs(reliability_ls["MLE"].z).max() < 4

# %% [markdown]
# ## Focal loss is not a likelihood
#
# The focal loss $-(1 - q_y)^\gamma \log q_y$ (Lin et al., 2017) down-weights observations that
# are already well predicted. For two classes with $P(y = 1) = p$ and forecast $q$, its
# expectation is $-p(1-q)^\gamma \log q - (1-p) q^\gamma \log(1-q)$. For $\gamma = 0$ (the log
# score) the minimiser is $q^\star = p$; for $\gamma > 0$ we minimise numerically. Then we fit a
# logistic regression by the focal loss with $\gamma = 2$ (its gradient in the logit $z$,
# with $u = q_y$ and $s = \pm 1$ the sign of the observed class, is
# $s\,[\gamma u (1-u)^\gamma \log u - (1-u)^{\gamma+1}]$) and look at its calibration.


# %%
def expected_focal(q, p, gamma):
    return -p * (1 - q) ** gamma * np.log(q) - (1 - p) * q**gamma * np.log1p(-q)


def focal_minimiser(p, gamma):
    res = optimize.minimize_scalar(
        expected_focal,
        bounds=(1e-9, 1 - 1e-9),
        args=(p, gamma),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return res.x


p_grid = np.linspace(0.01, 0.99, 99)
q_star = {g: np.array([focal_minimiser(pp, g) for pp in p_grid]) for g in [0, 1, 2, 5]}


def focal_loss(theta, X, y, gamma=2.0):
    s = 2 * y - 1
    z = s * (design(X) @ theta)
    log_u = -np.logaddexp(0, -z)  # log q_y
    u = np.exp(log_u)
    dz = s * (gamma * u * (1 - u) ** gamma * log_u - (1 - u) ** (gamma + 1))
    return -((1 - u) ** gamma * log_u).mean(), design(X).T @ dz / len(X)


X_b, y_b, _ = ce.simulate(N, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
theta_focal = optimize.minimize(focal_loss, np.zeros(2), args=(X_b, y_b), jac=True).x
X_bt, y_bt, _ = ce.simulate(20_000, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
mle_b = ce.fit_cross_entropy(X_b, y_b)
reliability_focal = {
    "MLE": ce.reliability_curve(y_bt, mle_b.predict_proba(X_bt)[:, 1]),
    "focal, γ=2": ce.reliability_curve(y_bt, 1 / (1 + np.exp(-design(X_bt) @ theta_focal))),
}

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
ax = axes[0]
for g, c in zip(q_star, ["0.3", "C0", "C1", "C2"], strict=True):
    ax.plot(p_grid, q_star[g], color=c, label=f"γ = {g}" + (" (log score)" if g == 0 else ""))
ax.set(xlabel="true p", ylabel="minimiser q*", title="focal loss: expected-loss minimiser")
ax.legend(loc="upper left")
plot_reliability(axes[1], reliability_ls, "label smoothing, softmax regression")
plot_reliability(axes[2], reliability_focal, "focal loss, logistic regression")
save_figure(fig, "label-smoothing-focal-calibration")

# %% tags=["hide-input"]
# Check: gamma = 0 recovers q* = p to the optimiser's 1e-10 (1e-7 allowed); gamma > 0 gives
# q* = p only at p = 1/2 (by symmetry) and pulls every other p towards 1/2.
assert np.abs(q_star[0] - p_grid).max() < 1e-7
for g in [1, 2, 5]:
    assert abs(q_star[g][49] - 0.5) < 1e-7
    assert np.all(np.abs(q_star[g] - 0.5)[p_grid != 0.5] < np.abs(p_grid - 0.5)[p_grid != 0.5])
assert abs(focal_minimiser(0.9, 2) - 0.694) < 1e-3  # the number quoted below
assert np.abs(reliability_focal["focal, γ=2"].z).max() > 8
assert np.abs(reliability_focal["MLE"].z).max() < 4

# %% [markdown]
# Both losses make the fitted model *under*-confident when the model is right: label smoothing
# pulls every forecast towards $1/K$, the focal loss pulls binary forecasts towards $1/2$ (for
# $\gamma = 2$, $p = 0.9$ gives $q^\star \approx 0.694$). Neither is proper, so neither fitted
# model forecasts $p$. That they often *improve* the calibration of large networks says that
# those networks' maximum-likelihood fits are over-confident on new data (over-fitting), and the
# losses counteract it; a likelihood-based fix for that is the next section.
#
# ## Temperature scaling is a one-parameter maximum-likelihood fit
#
# Temperature scaling (Guo et al., 2017) replaces a trained model's logits $z$ by $z / T$ and
# chooses $T$ by minimising the cross entropy on held-out data: the MLE of the one-parameter
# family $q_T = \operatorname{softmax}(z / T)$. Its score equation says that at $\hat T$ the
# observed logit, averaged over the held-out data, equals its expectation under the model:
# $\sum_i z_{i y_i} = \sum_i \sum_k q_{T, ik}\, z_{ik}$. An over-confident model to try it on:
# softmax regression on all monomials of degree at most 4 in the two features (14 columns),
# fitted by maximum likelihood to 200 observations.


# %%
def monomials(X, degree=4):
    return np.column_stack(
        [X[:, 0] ** a * X[:, 1] ** b for a in range(degree + 1) for b in range(degree + 1 - a)][1:]
    )


n_train, n_held = 200, 5_000
X_p, y_p, _ = ce.simulate(n_train + 2 * n_held, W_true, b_true, rng)
F = monomials(X_p)
F = (F - F[:n_train].mean(0)) / F[:n_train].std(0)
flexible = ce.fit_cross_entropy(F[:n_train], y_p[:n_train])
Z_val, y_val = flexible.model.decision_function(F[n_train:-n_held]), y_p[n_train:-n_held]
Z_test, y_test = flexible.model.decision_function(F[-n_held:]), y_p[-n_held:]


def held_out_nll(T, Z, y):
    return -ce.log_softmax(Z / T)[np.arange(len(y)), y].mean()


res_T = optimize.minimize_scalar(
    lambda lt: held_out_nll(np.exp(lt), Z_val, y_val),
    bounds=(-3, 3),
    method="bounded",
    options={"xatol": 1e-9},
)
T_hat = np.exp(res_T.x)
nll_table = pd.DataFrame(
    {
        "T = 1": [held_out_nll(1.0, Z_val, y_val), held_out_nll(1.0, Z_test, y_test)],
        f"T = {T_hat:.2f}": [
            held_out_nll(T_hat, Z_val, y_val),
            held_out_nll(T_hat, Z_test, y_test),
        ],
    },
    index=["validation NLL / obs.", "test NLL / obs."],
)
nll_table.round(3)

# %%
fig, ax = plt.subplots(figsize=(5.5, 4.5))
H_test = ce.one_hot(y_test, K)
plot_reliability(
    ax,
    {
        "MLE, 14 features": ce.reliability_curve(H_test, ce.softmax(Z_test)),
        f"temperature {T_hat:.2f}": ce.reliability_curve(H_test, ce.softmax(Z_test / T_hat)),
    },
    "temperature scaling, test data",
)
save_figure(fig, "temperature-scaling-reliability")

# %% tags=["hide-input"]
# Check: the score equation at T-hat (optimiser tolerance 1e-9 in log T: 1e-6 relative);
# T > 1 by more than 4 of its standard errors (observed information of log T, by finite
# differences); the test NLL falls by more than 4 se of the paired per-observation differences.
q_val = ce.softmax(Z_val / T_hat)
observed_logit = Z_val[np.arange(n_held), y_val].sum()
assert abs(observed_logit - (q_val * Z_val).sum()) < 1e-6 * np.abs(Z_val).sum()
curv = sum(held_out_nll(np.exp(res_T.x + s), Z_val, y_val) for s in (1e-3, -1e-3)) - 2 * res_T.fun
assert res_T.x > 4 / np.sqrt(n_held * curv / 1e-6)
d = (  # per-observation drop of the test NLL
    ce.log_softmax(Z_test / T_hat)[np.arange(n_held), y_test]
    - ce.log_softmax(Z_test)[np.arange(n_held), y_test]
)
assert d.mean() > 4 * d.std() / np.sqrt(n_held)
# Still miscalibrated after scaling: some bin is > 4 binomial se off the diagonal.
assert np.abs(ce.reliability_curve(H_test, ce.softmax(Z_test / T_hat)).z).max() > 4

# %% [markdown]
# The held-out NLL falls a long way, yet the reliability curve after scaling is still far from
# the diagonal: this over-fitted model's errors are not one global over-confidence. In practice:
# temperature scaling is cheap and keeps the argmax (accuracy is unchanged), but it is a model of
# one parameter: it fixes a global over-confidence, not errors that differ across $x$ or
# classes.
#
# ## One sigmoid per class, or one softmax
#
# A sigmoid cross entropy per class, $-\sum_k [h_{ik}\log \sigma(z_{ik}) + (1-h_{ik})\log(1-\sigma(z_{ik}))]$,
# is the likelihood of $K$ *independent* Bernoulli labels: the model of multi-label data, where
# an example can have any subset of the labels. The softmax cross entropy is the likelihood of
# *one* categorical label. Both are MLEs, of different models. On single-label data the
# sigmoid model is misspecified (it gives probability to "no class" and to "two classes"), and
# its $K$ probabilities need not sum to one. We fit one logistic regression per class
# ("one-vs-rest") to the first data set.

# %%
ovr = [ce.fit_cross_entropy(X, (y == k).astype(int)) for k in range(K)]
sigmoid_sum = sum(f.predict_proba(X_t)[:, 1] for f in ovr)
print(
    f"sum of the {K} sigmoid probabilities on test points: "
    f"{sigmoid_sum.min():.3f} to {sigmoid_sum.max():.3f}"
)

# %% tags=["hide-input"]
# Check: at the worst test point, |sum - 1| exceeds 4 times an upper bound on the sum's standard
# error (delta method per binary fit, se_k = q_k (1 - q_k) sqrt(x' H_k^-1 x); sum of the se_k
# bounds the sd of the sum whatever the correlations).
i_worst = np.argmax(np.abs(sigmoid_sum - 1))
x_worst = np.r_[1.0, X_t[i_worst]]
se_sum = 0.0
for k, f in enumerate(ovr):
    cov = np.linalg.inv(ce.nll_hessian(X, (y == k).astype(int), f.weights, f.bias))
    q_k = f.predict_proba(X_t[i_worst : i_worst + 1])[0, 1]
    se_sum += q_k * (1 - q_k) * np.sqrt(x_worst @ cov @ x_worst)
assert abs(sigmoid_sum[i_worst] - 1) > 4 * se_sum

# %% [markdown]
# ## Next-token prediction is the same categorical MLE
#
# A language model predicts the next token $c_t$ from the context; its training loss, the mean
# cross entropy over the tokens of a text, is the negative log-likelihood of a categorical model
# over the vocabulary. The smallest case is a character bigram model: $q(c_t \mid c_{t-1}) =
# \operatorname{softmax}(\Theta_{c_{t-1}})$, one row of logits per previous character. Its MLE is
# the table of conditional frequencies $n(a, b) / n(a)$ (bigram counts over context counts), and
# gradient descent on the mean cross entropy approaches it. The *perplexity*
# $\exp(\text{mean cross entropy})$ is the effective number of equally likely next tokens. The
# text is the Zen of Python, which ships with Python (`import this` prints it on its first
# import; we keep that print out of the output).

# %%
with contextlib.redirect_stdout(io.StringIO()):
    import this
text = codecs.decode(this.s, "rot13")
vocab = sorted(set(text))
V = len(vocab)
ids = np.array([vocab.index(c) for c in text])
prev, nxt = ids[:-1], ids[1:]
counts = np.zeros((V, V))
np.add.at(counts, (prev, nxt), 1)
seen = counts.sum(1) > 0
freq = counts[seen] / counts[seen].sum(1, keepdims=True)  # the MLE, for observed contexts


def bigram_ce(Theta):
    log_q = ce.log_softmax(Theta)
    return -(counts * log_q).sum() / len(nxt), (
        counts.sum(1, keepdims=True) * np.exp(log_q) - counts
    ) / len(nxt)


# The mean loss's curvature is at most max_a n(a) / (2 N_tokens): half the stable step.
STEP = 2 * len(nxt) / counts.sum(1).max()
Theta, ce_path, n_gd = np.zeros((V, V)), [], 10_000
for _ in range(n_gd):
    value, grad = bigram_ce(Theta)
    Theta -= STEP * grad
    ce_path.append(value)
ce_mle = -(counts[seen] * np.log(np.where(freq > 0, freq, 1))).sum() / len(nxt)
unigram = np.bincount(nxt, minlength=V) / len(nxt)
perplexity = pd.Series(
    {
        f"uniform over {V} characters": V,
        "unigram MLE": np.exp(-np.log(unigram[nxt]).mean()),
        "bigram MLE": np.exp(ce_mle),
        f"bigram, {n_gd:,} gradient steps": np.exp(ce_path[-1]),
    },
    name="perplexity",
)
print(f"{len(text)} characters, vocabulary of {V}")
perplexity.round(3)

# %% tags=["hide-input"]
# Check: gradient descent approaches the frequency table: the loss gap closes to < 0.01 nats and
# the largest probability error on observed bigrams is < 0.02 (it falls like 1/steps for the
# unseen bigrams' logits, which head to -inf).
q_gd = ce.softmax(Theta)[seen]
assert ce_path[-1] - ce_mle < 1e-2 and np.abs(q_gd - freq)[freq > 0].max() < 2e-2
assert ce_path[-1] < ce_path[len(ce_path) // 10]

# %% [markdown]
# In practice: the MLE of a bigram table gives probability zero to every pair it never saw, so
# its perplexity on new text is infinite; smoothing (a prior on the table, such as adding a
# pseudo-count to each cell) and models that share parameters across contexts are what make
# held-out perplexity finite. Language models are the same likelihood with a far richer $q$.
#
# ## At scale: the same posterior from mini-batches in PyMC
#
# With many rows, one full pass per step is the cost. Stochastic variational inference (Hoffman
# et al., 2013) scales the mini-batch log-likelihood by $N/B$, an unbiased estimate of the full
# one, exactly as SGD does for the mean. In PyMC, `pm.Minibatch` draws the batch and
# `total_size=N` on the observed variable supplies the factor $N/B$ (without it the likelihood
# counts only $B$ rows and the posterior comes out $\sqrt{N/B}$ times too wide). ADVI
# (`pm.fit(method="advi")`) fits a Gaussian with diagonal covariance (mean-field) by stochastic
# gradients of the ELBO. We compare it with the quadratic (Laplace) approximation at the MLE:
# mean $\hat\theta$, covariance $H^{-1}$ with $H$ the Hessian of the summed NLL. The model,
# written out, has $\mathcal N(0, 10^2)$ priors: their precision, $0.01$, is negligible against
# the data's curvature (of order $N/10$), so the posterior is the likelihood's to within far less
# than a posterior sd.

# %%
N_big = 100_000 if FAST else 1_000_000
X_s, y_s, _ = ce.simulate(N_big, W_true, b_true, rng)


def minibatch_model(X_data, y_data, total_size=None):
    coords = {"class_free": np.arange(1, K), "feature": ["x0", "x1"]}
    with pm.Model(coords=coords) as model:
        W_free = pm.Normal("W_free", 0.0, 10.0, dims=("class_free", "feature"))
        b_free = pm.Normal("b_free", 0.0, 10.0, dims="class_free")
        z = pt.concatenate([pt.zeros((X_data.shape[0], 1)), X_data @ W_free.T + b_free], axis=1)
        pm.Categorical("y_obs", logit_p=z, observed=y_data, total_size=total_size)
    return model


# The batch gradient's noise relative to the posterior sd grows like sqrt(N) / B: B ~ 3 sqrt(N).
B_svi = 3 * int(np.sqrt(N_big))
X_mb, y_mb = pm.Minibatch(X_s, y_s.astype("int32"), batch_size=B_svi)
svi_model = minibatch_model(X_mb, y_mb, total_size=N_big)
pm.model_to_graphviz(svi_model)

# %% tags=["hide-input"]
# Check: without mini-batches this model has the log density of the library's builder with the
# same priors at random points, to rounding (1e-9 relative).
small = ce.simulate(300, W_true, b_true, rng)
logp_mine = minibatch_model(pt.as_tensor(small.X), small.y).compile_logp()
logp_lib = ce.softmax_regression_model(small.X, small.y, prior=10.0).compile_logp()
for _ in range(3):
    point = {"W_free": rng.normal(size=(K - 1, 2)), "b_free": rng.normal(size=K - 1)}
    assert np.isclose(logp_mine(point), logp_lib(point), rtol=1e-9)

# %%
n_iter = 15_000
learning_rate = pytensor.shared(0.05)


def robbins_monro(approx, losses, i):  # a decreasing step, as for SGD above
    learning_rate.set_value(0.05 / (1 + i / (n_iter / 40)))


with ce.capture_sampler_messages():
    approx = pm.fit(
        n_iter,
        method="advi",
        model=svi_model,
        random_seed=RANDOM_SEED,
        progressbar=False,
        obj_optimizer=pm.adam(learning_rate=learning_rate),
        callbacks=[robbins_monro],
    )
draws = approx.sample(4_000, random_seed=RANDOM_SEED).posterior
theta_advi = np.column_stack(
    [np.c_[draws["b_free"].values[0][:, k], draws["W_free"].values[0][:, k]] for k in range(K - 1)]
)
big = ce.fit_cross_entropy(X_s, y_s)
theta_big = ce.pack_params(big.weights, big.bias)
laplace_sd = np.sqrt(np.diag(np.linalg.inv(ce.nll_hessian(X_s, y_s, big.weights, big.bias))))
comparison = pd.DataFrame(
    {
        "Laplace mean": theta_big,
        "(ADVI − Laplace) / sd": (theta_advi.mean(0) - theta_big) / laplace_sd,
        "Laplace sd": laplace_sd,
        "ADVI sd / Laplace sd": theta_advi.std(0) / laplace_sd,
    },
    index=estimates.index,
)
print(f"N = {N_big:,} rows, {n_iter:,} ADVI steps on mini-batches of {B_svi:,}")
comparison.round(4)

# %% tags=["hide-input"]
# Check: ADVI means within 4 Laplace sds of the MLE (seen: < 2), sds within a factor 2 (seen:
# 0.7-0.95 fast, 1.3-1.6 full). Two errors: the optimiser's end-point noise, and mean-field's own
# bias (at its exact optimum, for a Gaussian posterior, it gives the conditional sds 1/sqrt(H_jj)).
assert np.all(np.abs(comparison["(ADVI − Laplace) / sd"]) < 4)
assert np.all((comparison["ADVI sd / Laplace sd"] > 0.5) & (comparison["ADVI sd / Laplace sd"] < 2))

# %% [markdown]
# ADVI's sds are those of a stochastic optimisation stopped after a fixed number of steps, and
# of a mean-field family that ignores the correlations between parameters; for a few parameters
# and many rows the Laplace approximation at the MLE is cheaper and closer. The same objective,
# the likelihood, is behind both: the Laplace approximation expands it at its
# maximum, ADVI fits a Gaussian to the posterior it defines, seeing one mini-batch per step. On a
# GPU, PyMC's JAX-based samplers (`pm.sample(nuts_sampler="numpyro")` or `"blackjax"`) run full
# MCMC on the same model; they need JAX, which this collection does not install.
#
# ## Exercises
#
# **1 (easy).** A network is trained with PyTorch's `SGD(weight_decay=5e-4)` on $N = 50{,}000$
# images. Predict the standard deviation $\sigma$ of the Gaussian prior this is the MAP of.

# %% [markdown]
# :::{dropdown} Solution
# The penalty is $\frac{\lambda'}{2}\lVert\theta\rVert^2$ on the mean loss; times $N$ it is
# $\lVert\theta\rVert^2 / (2\sigma^2)$ with $\sigma^2 = 1/(N\lambda') = 1/25$, so $\sigma = 0.2$.
# The cell checks the gradients agree: $N$ times the gradient of the penalised mean equals the
# gradient of the summed NLL plus $\theta/\sigma^2$, at a random $\theta$ on our data.
# :::

# %% tags=["hide-input"]
wd, n_images = 5e-4, 50_000
sigma_ex = 1 / np.sqrt(n_images * wd)
theta_r = rng.normal(size=theta_hat.size)
lhs = n_images * (mean_ce(theta_r, X, H)[1] + wd * theta_r)  # N' x gradient of the mean
rhs = n_images * mean_ce(theta_r, X, H)[1] + theta_r / sigma_ex**2
assert np.isclose(sigma_ex, 0.2) and np.allclose(lhs, rhs)

# %% [markdown]
# **2 (medium).** With $K = 10$ classes and label smoothing $\varepsilon = 0.1$, what is the
# largest probability the smoothed loss rewards, for an example whose class is certain
# ($p = e_y$)? And the smallest?

# %% [markdown]
# :::{dropdown} Solution
# $q^\star = (1-\varepsilon) e_y + \varepsilon/K$: $0.9 + 0.01 = 0.91$ for the true class and
# $0.01$ for each other class. A model trained this way never forecasts above $0.91$ at its
# optimum, however sure it could be. The cell minimises the expected smoothed loss numerically.
# :::

# %% tags=["hide-input"]
t_10 = 0.9 * np.eye(10)[3] + 0.01
res_10 = optimize.minimize(
    lambda z: -t_10 @ ce.log_softmax(z), np.zeros(10), method="BFGS", options={"gtol": 1e-10}
)
assert np.isclose(ce.softmax(res_10.x).max(), 0.91, atol=1e-6)
assert np.isclose(ce.softmax(res_10.x).min(), 0.01, atol=1e-6)

# %% [markdown]
# **3 (harder).** Apply temperature scaling to the correctly specified MLE of the first data set
# (two features, $N$ rows), with $T$ fitted on fresh held-out data. Predict $\hat T$ and how far
# from it you would accept.

# %% [markdown]
# :::{dropdown} Solution
# The model is right and has 6 parameters for $N \ge 2{,}000$ rows, so it is barely over-fitted:
# $\hat T \approx 1$, up to the noise of the held-out fit, whose standard error is
# $1/\sqrt{n\, I(\log T)}$ from the observed information of $\log T$ on the $n$ held-out rows.
# The cell fits $\log T$ and checks $|\log \hat T| < 4$ standard errors.
# :::

# %% tags=["hide-input"]
X_h, y_h, _ = ce.simulate(5_000, W_true, b_true, rng)
Z_h = mle.model.decision_function(X_h)
res_h = optimize.minimize_scalar(
    lambda lt: held_out_nll(np.exp(lt), Z_h, y_h),
    bounds=(-3, 3),
    method="bounded",
    options={"xatol": 1e-9},
)
curv_h = sum(held_out_nll(np.exp(res_h.x + s), Z_h, y_h) for s in (1e-3, -1e-3)) - 2 * res_h.fun
se_log_T = 1 / np.sqrt(len(y_h) * curv_h / 1e-6)
print(f"T-hat = {np.exp(res_h.x):.3f}, se of log T = {se_log_T:.3f}")
assert abs(res_h.x) < 4 * se_log_T

# %% [markdown]
# ## References
#
# - Robbins, H. and Monro, S. (1951). A stochastic approximation method. *The Annals of
#   Mathematical Statistics* 22(3), 400–407.
# - Hoffman, M. D., Blei, D. M., Wang, C. and Paisley, J. (2013). Stochastic variational
#   inference. *Journal of Machine Learning Research* 14, 1303–1347.
# - Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay regularization. *ICLR*.
# - Lin, T.-Y., Goyal, P., Girshick, R., He, K. and Dollár, P. (2017). Focal loss for dense
#   object detection. *ICCV*.
# - Müller, R., Kornblith, S. and Hinton, G. (2019). When does label smoothing help? *NeurIPS*.
# - Guo, C., Pleiss, G., Sun, Y. and Weinberger, K. Q. (2017). On calibration of modern neural
#   networks. *ICML*.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
