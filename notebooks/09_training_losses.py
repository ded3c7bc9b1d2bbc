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
import pytensor.tensor as pt
from IPython.display import display
from scipy import optimize, stats

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
# which for the logits is $w_i (q_i - t_i)$ whenever $t_i$ sums to one. The packed parameter
# vector $\theta$ lists, for classes 1 and 2, the bias and then the two weights:

# %%
K = 3
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
LABELS = ["b1", "w11", "w12", "b2", "w21", "w22"]  # the order of theta
print("theta =", LABELS)


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
# step sizes work, and the relative weight of anything added to the loss (next section). A
# mini-batch $\mathcal B$ of $B$ rows drawn at random gives the mean
# $\bar\ell_{\mathcal B} = \frac1B \sum_{i\in\mathcal B} \ell_i$, an unbiased estimate of the full
# mean $\bar\ell$ (each row is equally likely to be in the batch), and its gradient, linear in
# the $\ell_i$, is an unbiased estimate of the full gradient.
#
# Stochastic gradient descent steps along the mini-batch gradient,
# $\theta_{t+1} = \theta_t - \eta_t \nabla \bar\ell_{\mathcal B_t}(\theta_t)$, with one pass over a
# shuffled copy of the data per epoch. Robbins and Monro's conditions $\sum_t \eta_t = \infty$,
# $\sum_t \eta_t^2 < \infty$, met by $\eta_t = \eta_0 / (1 + t/\tau)$, make it converge to the
# minimiser of the mean, the MLE. We measure the distance in the MLE's standard errors (se).

# %%
B = 64
n_steps, eta0, tau = 15 * N // 2, 1.0, 200  # about 480 epochs of N // B batches of 64
D, H_free = design(X), H[:, 1:]


def batch_gradient(theta, D_b, H_b):
    """mean_ce's gradient for one-hot targets, without its input checks (called n_steps times)."""
    z = D_b @ theta.reshape(K - 1, -1).T  # logits of classes 1..K-1; class 0's is 0
    m = np.maximum(z.max(axis=1, keepdims=True), 0.0)  # stable softmax of (0, z)
    e = np.exp(z - m)
    return ((e / (np.exp(-m) + e.sum(axis=1, keepdims=True)) - H_b).T @ D_b).ravel() / len(D_b)


theta, path, per_epoch = np.zeros_like(theta_hat), np.empty((n_steps, theta_hat.size)), N // B
for step in range(n_steps):
    if step % per_epoch == 0:  # a new epoch: a shuffled copy of the data
        perm = rng.permutation(N)
        D_perm, H_perm = D[perm], H_free[perm]
    rows = slice(step % per_epoch * B, (step % per_epoch + 1) * B)
    theta = theta - eta0 / (1 + step / tau) * batch_gradient(theta, D_perm[rows], H_perm[rows])
    path[step] = theta
distance = np.max(np.abs(path - theta_hat) / se, axis=1)  # in MLE standard errors
print(f"after {n_steps} steps: max |theta - MLE| / se = {distance[-1]:.3f}")

# %% tags=["hide-input"]
# Check: the one-hot mean objective has the library's summed objective's minimiser (BFGS here,
# Newton there; both stop at gradients ~1e-9, so the estimates agree far below 1e-5); SGD ends
# within a tenth of a standard error of it, as the text says.
assert np.allclose(fit_mean_ce(X, H), theta_hat, atol=1e-5)
assert distance[-1] < 0.1

# %%
cov_b = np.linalg.inv(ce.nll_hessian(X, y, mle.weights, mle.bias))[np.ix_([0, 3], [0, 3])]
angle = np.linspace(0, 2 * np.pi, 200)
ellipse = theta_hat[[0, 3], None] + np.linalg.cholesky(cov_b) @ [np.cos(angle), np.sin(angle)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
ax = axes[0]
ax.plot(path[:, 0], path[:, 3], lw=0.6, color="C0", label="SGD path")
ax.plot(*ellipse, color="C1", lw=1.5, label="1-se ellipse of the MLE")
ax.plot(*theta_hat[[0, 3]], "o", color="C1", ms=8, label="MLE")
ax.plot(0, 0, "s", color="k", ms=6, label="start")
ax.set(xlabel="$b_1$", ylabel="$b_2$", title="SGD on mini-batches of 64")
ax.legend(loc="lower right")
ax = axes[1]
steps = np.arange(1, n_steps + 1)
running_median = pd.Series(distance).rolling(50, min_periods=1).median()
ax.loglog(steps, distance, color="C0", lw=0.4, alpha=0.4, label="max |θ − MLE| / se")
ax.loglog(steps, running_median, color="C0", lw=2, label="running median (50 steps)")
ax.set(xlabel="step", ylabel="distance to the MLE, in se", title="SGD converges to the MLE")
ax2 = ax.twinx()
ax2.loglog(steps, eta0 / (1 + (steps - 1) / tau), color="C2", ls="--", label="step size $\\eta_t$")
ax2.set_ylabel("step size $\\eta_t$", color="C2")
handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
ax.legend(handles=handles, loc="lower left")
save_figure(fig, "sgd-to-mle")
plt.show()

# %% [markdown]
# In practice: the mean and the sum are the same estimator; a decaying learning rate is what
# turns mini-batch SGD from "near the MLE" into "at the MLE", and once the remaining optimisation
# error is a small fraction of the standard error, more epochs buy nothing statistically.
#
# ## Weight decay is a Gaussian prior
#
# Adding $\lambda \lVert\theta\rVert^2$ to the *mean* cross entropy and multiplying by $N$ gives
# $\sum_i H(h_i, q_i) + N\lambda\lVert\theta\rVert^2$, which is minus the log posterior, up to an
# additive constant, under independent priors $\theta_j \sim \mathcal N(0, \sigma^2)$ with
# $1/(2\sigma^2) = N\lambda$:
#
# $$\sigma^2 = \frac{1}{2 N \lambda}.$$
#
# Here the penalty covers the biases too. We fit it by BFGS on the penalised mean and by the
# library's L2 fit with that $\sigma$.

# %%
lam = 1e-3
sigma = 1 / np.sqrt(2 * N * lam)
theta_decay = fit_mean_ce(X, H, lam=lam)
l2 = ce.fit_l2(X, y, sigma, bias_sigma=sigma)
print(f"lambda = {lam}, N = {N}: sigma = {sigma:.3f}")
pd.DataFrame(
    {
        "MLE": theta_hat,
        "weight decay (BFGS)": theta_decay,
        "ce.fit_l2": ce.pack_params(l2.weights, l2.bias),
    },
    index=LABELS,
).round(4)

# %% tags=["hide-input"]
# Check: the two minimisers agree to 1e-5 (both stop at gradients ~1e-8 of a strongly convex
# objective), while the prior moves them from the MLE by more than 1e-2, 1000 times that.
assert l2.converged
assert np.allclose(ce.pack_params(l2.weights, l2.bias), theta_decay, atol=1e-5)
assert np.abs(theta_decay - theta_hat).max() > 1e-2

# %% [markdown]
# The prior adds the precision $1/\sigma^2 = 2N\lambda$ to the curvature of every coordinate; the
# data add a curvature that also grows like $N$. At fixed $\lambda$ the two keep their ratio: the
# shift of the estimate from the MLE does not shrink with more data, and measured in standard
# errors (which fall like $1/\sqrt N$) it grows like $\sqrt N$. A fixed prior ($\sigma$ fixed, so
# $\lambda \propto 1/N$) has a shift that falls like $1/N$, faster than the standard error: the
# data win. Nested data sets show both, with the size of the standard errors for scale.

# %%
N_grid = np.array([500, 2_000, 8_000, 32_000])
X_big, y_big, _ = ce.simulate(N_grid[-1], W_true, b_true, rng)
shift, se_norm, rel_noise = {"fixed λ": [], "λ ∝ 1/N": []}, [], []
for n in N_grid:
    fit_mle_n = ce.fit_cross_entropy(X_big[:n], y_big[:n])
    theta_n = ce.pack_params(fit_mle_n.weights, fit_mle_n.bias)
    se_n = ce.standard_errors(X_big[:n], y_big[:n], fit_mle_n.weights, fit_mle_n.bias)
    se_norm.append(np.linalg.norm(se_n))
    rel_noise.append(se_norm[-1] / np.linalg.norm(theta_n))
    for kind, lam_n in [("fixed λ", lam), ("λ ∝ 1/N", lam * N_grid[0] / n)]:
        s_n = 1 / np.sqrt(2 * n * lam_n)
        fit_n = ce.fit_l2(X_big[:n], y_big[:n], s_n, bias_sigma=s_n)
        shift[kind].append(np.linalg.norm(ce.pack_params(fit_n.weights, fit_n.bias) - theta_n))
slopes = {kind: np.polyfit(np.log(N_grid), np.log(v), 1)[0] for kind, v in shift.items()}

fig, ax = plt.subplots(figsize=(5.5, 4.2))
for (kind, v), c in zip(shift.items(), ["C0", "C1"], strict=True):
    ax.loglog(N_grid, v, "o-", color=c, label=f"shift, {kind}: slope {slopes[kind]:.2f}")
ax.loglog(N_grid, se_norm, "s--", color="0.4", label="‖se of the MLE‖ (slope −1/2)")
ax.set(xlabel="N", ylabel="‖MAP − MLE‖", title="how far weight decay moves the estimate")
ax.legend(loc="lower left")
save_figure(fig, "weight-decay-shift")
plt.show()

# %% tags=["hide-input"]
# Check: log-log slopes 0 and -1. Each log-shift carries a relative noise of about ||se|| / ||theta||
# (the shift is close to linear in the MLE); propagated through the least-squares slope, 4 sd of
# that noise is the tolerance (it detects a slope error of ~0.1).
x_c = np.log(N_grid) - np.log(N_grid).mean()
slope_tol = 4 * np.sqrt((x_c**2 * np.array(rel_noise) ** 2).sum()) / (x_c**2).sum()
print(f"slope tolerance {slope_tol:.3f}")
assert abs(slopes["fixed λ"]) < slope_tol and abs(slopes["λ ∝ 1/N"] + 1) < slope_tol

# %% [markdown]
# In practice: a weight decay tuned at one data-set size is a different prior at another; to
# keep the prior, scale $\lambda$ like $1/N$. PyTorch's `weight_decay` in plain SGD adds
# $\kappa\theta$ to the gradient, the penalty $\frac{\kappa}{2}\lVert\theta\rVert^2$, so
# $\sigma^2 = 1/(N\kappa)$ (Exercise 1). AdamW (Loshchilov and Hutter, 2019) *decouples* the
# decay: it subtracts $\eta\kappa\theta$ after Adam's step, which divides each gradient
# coordinate by a running root mean square $\sqrt{\hat v_j}$. If $\hat v$ settles, a fixed point
# solves $\partial_j \bar\ell = -\kappa \sqrt{\hat v_j}\, \theta_j$: the MAP under a Gaussian
# prior whose precision on coordinate $j$ is $N\kappa\sqrt{\hat v_j}$, set by the optimiser,
# not the isotropic $\sigma^2 = 1/(N\kappa)$ prior (for plain SGD the two coincide).
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
# usual "balanced" weights $w_k = N / (K n_k)$ show it.

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
pd.DataFrame({"weighted − MLE": theta_w - theta_1, "log(w_k/w_0)": predicted}, index=LABELS).round(
    3
)

# %% [markdown]
# So the weighted model forecasts the *reweighted* population. Subtracting $\log w_k$ from its
# logits undoes the shift and gives probabilities for the population it was trained on. On fresh
# data from that population we compare reliability curves for the rare class (the class with
# the largest weight, whose forecasts the weights move most): in each of 10 bins of the
# forecast, the observed frequency of the event against the mean forecast, with
# $z = (\text{observed} - \text{mean forecast}) / \text{binomial se}$ per bin.
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
plt.show()

# %% tags=["hide-input"]
# Check: calibrated forecasts give |z| < 4 in all 10 bins with probability > 0.999 (normal
# approximation: 10 x 6e-5), so |z| > 4 in some bin rejects calibration.
assert np.abs(reliability["class-weighted"].z).max() > 4
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
# so the loss is not *proper* (notebook 07: a scoring rule is proper when the true $p$ minimises
# its expected score): the true probabilities score worse than the smoothed ones. A softmax
# regression fitted this way approximates $q^\star(x)$ (its KL projection onto the model, which
# cannot represent $q^\star$ exactly), not $p(x)$. The map from $p$ to $q^\star$ is invertible,
# $p = (q^\star - \varepsilon/K)/(1-\varepsilon)$, so the population minimiser gives $p$ back;
# applied to the fitted model, whose forecasts are only the projection of $q^\star$, the same
# inversion helps but is not exact. The reliability curves below pool
# all $K$ classes: each forecast $q_{ik}$ is one forecast of the event $y_i = k$.

# %%
eps = 0.1
theta_ls = fit_mean_ce(X, (1 - eps) * H + eps / K)
X_t, y_t, p_t = ce.simulate(20_000, W_true, b_true, rng)
q_ls, q_ml = ce.softmax(logits(theta_ls, X_t)), mle.predict_proba(X_t)
H_t = ce.one_hot(y_t, K)
reliability_ls = {
    "MLE": ce.reliability_curve(H_t, q_ml),
    f"label smoothing ε={eps}": ce.reliability_curve(H_t, q_ls),
    "(q − ε/K)/(1 − ε)": ce.reliability_curve(H_t, (q_ls - eps / K) / (1 - eps)),
}
fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_reliability(ax, reliability_ls, "label smoothing, all classes pooled, test data")
save_figure(fig, "label-smoothing-reliability")
plt.show()

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


# %% tags=["hide-input"]
# Check: calibration, with the fits' own error counted. A fitted model's bin means differ from
# the truth by its estimation error as well as by binomial noise: with N training rows and n
# test forecasts in a bin (thousands here) the first is of order sqrt(n / N) binomial se, too
# large to ignore. Its variance, g' cov g per bin (delta method; cov the sandwich covariance of
# the fit), adds to the binomial one (the test data are independent of the fit). Then |z| < 4 in all 10 bins has probability > 0.999 for a calibrated
# model: the smoothed fit is miscalibrated, the MLE is not detectably, and the inverted
# forecasts are nearer the diagonal than the smoothed ones. (Their remaining error, the
# projection, is of the size of the estimation error at these N, so it is not asserted.)
def sandwich(theta, T):
    """Covariance of the minimiser of the summed cross entropy against targets T: H^-1 J H^-1."""
    h_inv = np.linalg.inv(ce.nll_hessian(X, y, *ce.unpack_params(theta, K, 2)))  # no T in it
    scores = (ce.softmax(logits(theta, X)) - T)[:, 1:, None] * design(X)[:, None, :]
    scores = scores.reshape(len(X), -1)
    return h_inv @ scores.T @ scores @ h_inv


def jacobian(q):
    """d q_ik / d theta at the test points, shape (n, K, P), theta packed as LABELS."""
    dq_dz = q[:, :, None] * (np.eye(K)[:, 1:] - q[:, None, 1:])  # free logits j = 1..K-1
    return (dq_dz[..., None] * design(X_t)[:, None, None, :]).reshape(*q.shape, -1)


def fit_aware_z(q, jac, cov):
    """Largest |z| of the reliability curve of forecasts q on the test data, with their error."""
    rc = ce.reliability_curve(H_t, q)
    which = np.clip(np.searchsorted(rc.bin_edges[1:-1], q.ravel(), side="right"), 0, 9)
    g = np.stack([np.bincount(which, col, 10) for col in jac.reshape(q.size, -1).T], axis=1)
    g = g[np.bincount(which, minlength=10) > 0] / rc.count[:, None]  # d(bin mean) / d theta
    fit_var = np.einsum("bi,ij,bj->b", g, cov, g)
    return np.abs((rc.observed - rc.mean_predicted) / np.sqrt(rc.std_error**2 + fit_var)).max()


cov_ls = sandwich(theta_ls, (1 - eps) * H + eps / K)
z_mle = fit_aware_z(q_ml, jacobian(q_ml), sandwich(theta_hat, H))
z_ls = fit_aware_z(q_ls, jacobian(q_ls), cov_ls)
z_inv = fit_aware_z((q_ls - eps / K) / (1 - eps), jacobian(q_ls) / (1 - eps), cov_ls)
print(f"max |z| with the fit's error: MLE {z_mle:.1f}, smoothed {z_ls:.1f}, inverted {z_inv:.1f}")
assert z_mle < 4 < z_ls and z_inv < z_ls


# %% [markdown]
# ## Focal loss is not a likelihood
#
# The focal loss $-(1 - q_y)^\gamma \log q_y$ (Lin et al., 2017) down-weights observations that
# are already well predicted. For two classes with $P(y = 1) = p$ and forecast $q$, its
# expectation is $-p(1-q)^\gamma \log q - (1-p) q^\gamma \log(1-q)$. For $\gamma = 0$ (the log
# score) the minimiser is $q^\star = p$; for $\gamma > 0$ we minimise numerically. Setting the
# derivative to zero gives $p$ as an explicit increasing function of $q^\star$, so here too $p$
# can be recovered. Then we fit a logistic regression with
# $\gamma = 2$ to new binary data with one feature, $P(y=1 \mid x) = \sigma(0.3 + 2.5x)$, and look
# at its calibration.


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


def p_from_q(q, gamma):
    """The p whose expected focal loss is stationary at q (first-order condition)."""
    a = (1 - q) ** gamma / q - gamma * (1 - q) ** (gamma - 1) * np.log(q)
    b = q**gamma / (1 - q) - gamma * q ** (gamma - 1) * np.log1p(-q)
    return b / (a + b)


def focal_loss(theta, X, y, gamma=2.0):
    """Mean focal loss of a logistic regression and its gradient (u = q_y, s = +-1)."""
    s = 2 * y - 1
    z = s * (design(X) @ theta)
    log_u = -np.logaddexp(0, -z)  # log q_y
    u = np.exp(log_u)
    dz = s * (gamma * u * (1 - u) ** gamma * log_u - (1 - u) ** (gamma + 1))
    return -((1 - u) ** gamma * log_u).mean(), design(X).T @ dz / len(X)


X_b, y_b, _ = ce.simulate(N_w, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
theta_focal = optimize.minimize(focal_loss, np.zeros(2), args=(X_b, y_b), jac=True).x
X_bt, y_bt, _ = ce.simulate(20_000, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
mle_b = ce.fit_cross_entropy(X_b, y_b)
reliability_focal = {
    "MLE": ce.reliability_curve(y_bt, mle_b.predict_proba(X_bt)[:, 1]),
    "focal, γ=2": ce.reliability_curve(y_bt, 1 / (1 + np.exp(-design(X_bt) @ theta_focal))),
}

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
ax = axes[0]
for g, c in zip(q_star, ["0.3", "C0", "C1", "C2"], strict=True):
    ax.plot(p_grid, q_star[g], color=c, label=f"γ = {g}" + (" (log score)" if g == 0 else ""))
ax.set(xlabel="true p", ylabel="minimiser q*", title="focal loss: expected-loss minimiser")
ax.legend(loc="upper left")
plot_reliability(axes[1], reliability_focal, "focal loss, logistic regression, test data")
save_figure(fig, "focal-loss-calibration")
plt.show()

# %% tags=["hide-input"]
# Check: gamma = 0 recovers q* = p to the optimiser's 1e-10 (1e-7 allowed); gamma > 0 gives
# q* = p only at p = 1/2 (by symmetry) and pulls every other p towards 1/2; the first-order
# condition inverts q* back to p (to 1e-6: xatol 1e-10 times dp/dq, which is below 1e3 here).
assert np.abs(q_star[0] - p_grid).max() < 1e-7
for g in [1, 2, 5]:
    assert abs(q_star[g][49] - 0.5) < 1e-7
    assert np.all(np.abs(q_star[g] - 0.5)[p_grid != 0.5] < np.abs(p_grid - 0.5)[p_grid != 0.5])
    assert np.abs(p_from_q(q_star[g], g) - p_grid).max() < 1e-6
assert abs(focal_minimiser(0.9, 2) - 0.694) < 1e-3  # the number quoted below
assert np.abs(reliability_focal["focal, γ=2"].z).max() > 4
# The fitted MLE's own error adds ~ sqrt(n_bin / N_train) of a binomial se per bin; with
# N_train = N_w >= 20,000 rows that widens z by about 10%, inside the margin of the 4.
assert np.abs(reliability_focal["MLE"].z).max() < 4

# %% [markdown]
# Both losses make the fitted model *under*-confident when the model is right: label smoothing
# pulls every forecast towards $1/K$, the focal loss pulls binary forecasts towards $1/2$ (for
# $\gamma = 2$, $p = 0.9$ gives $q^\star \approx 0.694$). Neither is proper, so neither fitted
# model's forecasts are $p$; both population minimisers are invertible transforms of it, so
# inverting them recovers $p$ exactly when the model can represent $q^\star$, approximately otherwise.
# Both losses are used to improve the calibration of large networks whose maximum-likelihood
# fits are over-confident on new data (for label smoothing, Müller et al., 2019); a
# likelihood-based fix for over-confidence is the next section.
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
plt.show()

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

# %%
# How much of the validation NLL at T = 1 the worst 1% of observations carry, and the scaled
# forecasts' calibration in the upper bins (z > 0: observed above forecast, under-confident).
loss_1 = -ce.log_softmax(Z_val)[np.arange(n_held), y_val]
share_worst = np.sort(loss_1)[-n_held // 100 :].sum() / loss_1.sum()
rc_T = ce.reliability_curve(H_test, ce.softmax(Z_test / T_hat))
print(f"worst 1% of validation observations: {share_worst:.0%} of the NLL at T = 1")
print(
    "z in the bins with mean forecast in (0.45, 0.75):",
    rc_T.z[(rc_T.mean_predicted > 0.45) & (rc_T.mean_predicted < 0.75)].round(1),
)

# %% tags=["hide-input"]
# Check: the scaled forecasts are under-confident in some middle bin (z > 4, as above).
middle = (rc_T.mean_predicted > 0.45) & (rc_T.mean_predicted < 0.75)
assert rc_T.z[middle].max() > 4

# %% [markdown]
# The held-out NLL falls a long way, and $\hat T$ is well above 1: a few very confident wrong
# forecasts weigh heavily in the log score (the worst 1% of observations carry the share of it
# printed above), and a large $T$ tames them. The same $T$ then flattens the many sound forecasts
# too much, so after scaling the curve can cross the diagonal and turn under-confident in the
# middle bins ($z > 0$ there). In practice: temperature scaling is cheap and keeps the argmax
# (accuracy is unchanged), but it is a model of one parameter: it fixes a global
# over-confidence, not errors that differ across $x$ or classes.
#
# ## One sigmoid per class, or one softmax
#
# A sigmoid cross entropy per class, $-\sum_k [h_{ik}\log \sigma(z_{ik}) + (1-h_{ik})\log(1-\sigma(z_{ik}))]$,
# is the likelihood of $K$ *independent* Bernoulli labels: the model of multi-label data, where
# an example can have any subset of the labels. The softmax cross entropy is the likelihood of
# *one* categorical label. Both are MLEs, of different models. On single-label data the
# one-vs-rest sigmoid model is misspecified, but not for its independence: logistic models of
# the correct marginals $p_k(x)$ would sum to one. It is misspecified because when $p$ is a
# softmax regression, $\log p_k/(1-p_k)$ is not linear in $x$; so the $K$ fitted probabilities
# need not sum to one. We fit one logistic regression per class to the first data set.

# %%
ovr = [ce.fit_cross_entropy(X, (y == k).astype(int)) for k in range(K)]
sigmoid_sum = sum(f.predict_proba(X_t)[:, 1] for f in ovr)
print(
    f"sum of the {K} sigmoid probabilities on test points: "
    f"{sigmoid_sum.min():.3f} to {sigmoid_sum.max():.3f}"
)

# %% tags=["hide-input"]
# Check: at the worst test point, |sum - 1| exceeds 4 times an upper bound on the sum's standard
# error (delta method per binary fit, se_k = q_k (1 - q_k) sqrt(x' H_k^-1 x); the sum of the se_k
# bounds the sd of the sum whatever the correlations, so the check is conservative).
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
# A language model predicts the next token $c_t$ from the context. The tokens of a text are not
# independent, but the chain rule makes $\sum_t \log q(c_t \mid c_{<t})$ the exact
# log-likelihood of the sequence given its first token, so the training loss, the mean cross
# entropy over the tokens, is a negative log-likelihood. The smallest case is a character bigram
# model: $q(c_t \mid c_{t-1}) = \operatorname{softmax}(\Theta_{c_{t-1}})$, one row of logits per
# previous character. Its MLE is the table of conditional frequencies $n(a, b) / n(a)$ (bigram
# counts over context counts), and gradient descent on the mean cross entropy approaches it. The
# *perplexity* $\exp(\text{mean cross entropy})$ is the effective number of equally likely next
# tokens. The text is the Zen of Python, which ships with Python (the module `this` stores it
# rot13-encoded and prints it on its first import; we keep that print out of the output).

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


# Row a of the mean loss has Hessian n(a)/N_tokens (diag q - q q'), eigenvalues <= n(a)/(2 N_tokens):
# L = max_a n(a) / (2 N_tokens) bounds the curvature, and the step 1/L is half the stable 2/L.
L_smooth = counts.sum(1).max() / (2 * len(nxt))
Theta, ce_path, n_gd = np.zeros((V, V)), [], 10_000
for _ in range(n_gd):
    value, grad = bigram_ce(Theta)
    Theta -= grad / L_smooth
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
    name="perplexity (in-sample)",
)
print(f"{len(text)} characters, vocabulary of {V}, {V * V} bigram cells")
perplexity.round(3)


# %% tags=["hide-input"]
# Check: gradient descent with step 1/L on a convex L-smooth loss obeys, for every u,
# loss(Theta_t) - loss(u) <= L ||Theta_0 - u||^2 / (2t). With u the logs of the add-alpha
# smoothed table (centred rows), minimised over alpha, this bounds the gap to the MLE's loss.
def gd_bound(alpha):
    log_u = np.log((counts + alpha) / (counts + alpha).sum(1, keepdims=True)) * seen[:, None]
    log_u -= log_u.mean(1, keepdims=True)
    loss_u = -(counts * log_u).sum() / len(nxt) + (
        counts.sum(1) * np.log(np.exp(log_u).sum(1))
    ).sum() / len(nxt)
    return loss_u - ce_mle + L_smooth * (log_u**2).sum() / (2 * n_gd)


bound = min(gd_bound(a) for a in np.logspace(-6, 0, 25))
print(f"loss gap after {n_gd:,} steps {ce_path[-1] - ce_mle:.2e}, bound {bound:.2e}")
assert 0 <= ce_path[-1] - ce_mle <= bound

# %% [markdown]
# These perplexities are in-sample: the table has many more cells than the text has transitions.
# On held-out text the MLE table gives probability zero to every pair it never saw, so its
# held-out perplexity is infinite. We fit the table to the first 80% of the text and score the
# rest, and score it again with one pseudo-count added to every cell (a Dirichlet prior on each
# row: its posterior mean).

# %%
cut = int(0.8 * len(prev))
train_counts = np.zeros((V, V))
np.add.at(train_counts, (prev[:cut], nxt[:cut]), 1)
unseen = (train_counts[prev[cut:], nxt[cut:]] == 0).mean()
smoothed = (train_counts + 1) / (train_counts + 1).sum(1, keepdims=True)
held_ppl = np.exp(-np.log(smoothed[prev[cut:], nxt[cut:]]).mean())
print(f"held-out transitions never seen in training: {unseen:.1%} (MLE perplexity infinite)")
print(f"held-out perplexity, add-one table: {held_ppl:.1f}")

# %% tags=["hide-input"]
# Check: some held-out transition is unseen, which makes the MLE's held-out perplexity infinite.
assert unseen > 0

# %% [markdown]
# In practice: smoothing (a prior on the table) and models that share parameters across
# contexts are what make held-out perplexity finite. Language models are the same likelihood
# with a far richer $q$.
#
# ## At scale: mini-batches in PyMC
#
# A mini-batch log-likelihood scaled by $N/B$ is an unbiased estimate of the full one, as the
# mini-batch mean is of the full mean. In PyMC, `pm.Minibatch` draws a fresh batch of $B$ rows
# at each evaluation, and `total_size=N` on the observed variable multiplies the batch
# log-likelihood by $N/B$ (in PyMC 6.4 the observed variable becomes a
# `MinibatchRandomVariable`, whose log density is the Categorical's times `total_size` over the
# batch length). The model's log density is then
#
# $$\log p(\theta) + \frac{N}{B} \sum_{i \in \mathcal B} \log q_\theta(y_i \mid x_i).$$
#
# The model, written out with $\mathcal N(0, 10^2)$ priors; its graph shows the observed node as
# that `MinibatchRandomVariable` on a plate of $B$ rows (the graph does not show `total_size`).


# %%
def softmax_model(X_data, y_data, total_size=None):
    coords = {"class_free": np.arange(1, K), "feature": ["x1", "x2"]}
    with pm.Model(coords=coords) as model:
        if isinstance(X_data, np.ndarray):  # arrays go into data containers (pm.set_data)
            X_data, y_data = pm.Data("X", X_data), pm.Data("y", y_data)
        W_free = pm.Normal("W_free", 0.0, 10.0, dims=("class_free", "feature"))
        b_free = pm.Normal("b_free", 0.0, 10.0, dims="class_free")
        z = pt.concatenate([pt.zeros((X_data.shape[0], 1)), X_data @ W_free.T + b_free], axis=1)
        pm.Categorical("y_obs", logit_p=z, observed=y_data, total_size=total_size)
    return model


B_mb = 200
X_mb, y_mb = pm.Minibatch(X, y.astype("int32"), batch_size=B_mb)
mb_model = softmax_model(X_mb, y_mb, total_size=N)
# the graph alone (its text form names a memory address, which differs between runs)
display(pm.model_to_graphviz(mb_model), include=["image/svg+xml"])


# %%
def as_point(theta):
    rows = theta.reshape(K - 1, 3)  # [b_k, w_k1, w_k2] per free class
    return {"W_free": rows[:, 1:], "b_free": rows[:, 0]}


def log_lik(theta, rows):
    return ce.log_softmax(logits(theta, X[rows]))[np.arange(len(rows)), y[rows]].sum()


theta_r = theta_hat + rng.normal(scale=0.3, size=theta_hat.size)
log_prior = stats.norm.logpdf(theta_r, 0.0, 10.0).sum()
batch = rng.choice(N, B_mb, replace=False)
fixed_model = softmax_model(X[batch], y[batch], total_size=N)
logp_batch = fixed_model.compile_logp()
logp_mb = mb_model.compile_logp(random_seed=int(rng.integers(2**32)))  # seeds the batches
draws_mb = np.array([logp_mb(as_point(theta_r)) for _ in range(400)]) - log_prior
print(
    f"one fixed batch: model logp {logp_batch(as_point(theta_r)):.2f}, "
    f"prior + (N/B) batch log-lik {log_prior + N / B_mb * log_lik(theta_r, batch):.2f}"
)
print(
    f"pm.Minibatch, mean of 400 evaluations minus log prior {draws_mb.mean():.1f} "
    f"(MC se {draws_mb.std() / 20:.1f}); full-data log-lik {log_lik(theta_r, np.arange(N)):.1f}"
)

# %% tags=["hide-input"]
# Check: on a fixed batch the model's logp is the prior plus N/B times the batch log-likelihood
# to rounding (1e-9 relative); pm.Minibatch's scaled term averages to the full-data
# log-likelihood within 4 Monte Carlo se of 400 batches; with all N rows in its data containers
# (total_size / rows = 1) the fixed-batch model has the library builder's log density (same
# priors) at random points.
assert np.isclose(
    logp_batch(as_point(theta_r)), log_prior + N / B_mb * log_lik(theta_r, batch), rtol=1e-9
)
assert abs(draws_mb.mean() - log_lik(theta_r, np.arange(N))) < 4 * draws_mb.std() / np.sqrt(400)
pm.set_data({"X": X, "y": y}, model=fixed_model)  # the same compiled function, all N rows
logp_lib = ce.softmax_regression_model(X, y, prior=10.0).compile_logp()
for _ in range(3):
    point = as_point(rng.normal(size=theta_hat.size))
    assert np.isclose(logp_batch(point), logp_lib(point), rtol=1e-9)

# %% [markdown]
# This scaled log density is what stochastic variational inference and
# PyMC's ADVI (`pm.fit(method="advi")`: a Gaussian approximation fitted by stochastic gradients
# of the evidence lower bound) optimise on mini-batches, as SGD does for the mean loss; a
# mean-field (diagonal) Gaussian on a near-Gaussian posterior gives marginal sds no larger than
# the posterior's, since it ignores the correlations. MCMC cannot use it: NUTS needs the exact
# gradient of the full-data log density, so `pm.sample` wants the full-data model. On a GPU,
# PyMC's JAX-based samplers (`pm.sample(nuts_sampler="numpyro")` or `"blackjax"`) run NUTS on the
# full-data model; they need JAX, which this collection does not install.
#
# ## Exercises
#
# **1 (easy).** A network is trained with PyTorch's `SGD(weight_decay=κ)` on $N$ examples.
# Which prior sd $\sigma$ is this the MAP of? Check it on our data with $\kappa = 5 \times 10^{-4}$.

# %% [markdown]
# :::{dropdown} Solution
# The penalty is $\frac{\kappa}{2}\lVert\theta\rVert^2$ on the mean loss; times $N$ it is
# $\lVert\theta\rVert^2 / (2\sigma^2)$ with $\sigma^2 = 1/(N\kappa)$ (for $N = 50{,}000$ images and
# $\kappa = 5\times10^{-4}$, $\sigma = 0.2$). The cell minimises the mean loss plus
# $\frac{\kappa}{2}\lVert\theta\rVert^2$ and compares with the library's MAP under that $\sigma$.
# :::

# %% tags=["hide-input"]
# Both fits stop at gradients ~1e-8 of a strongly convex objective: agreement to 1e-5; the prior
# moves the estimate by far more than that.
kappa = 5e-4
theta_kappa = fit_mean_ce(X, H, lam=kappa / 2)
map_kappa = ce.fit_l2(X, y, 1 / np.sqrt(N * kappa), bias_sigma=1 / np.sqrt(N * kappa))
assert np.allclose(ce.pack_params(map_kappa.weights, map_kappa.bias), theta_kappa, atol=1e-5)
assert np.abs(theta_kappa - theta_hat).max() > 1e-3

# %% [markdown]
# **2 (medium).** With $K$ classes and label smoothing $\varepsilon$, what is the largest
# probability the population minimiser $q^\star$ gives, when the class is certain ($p = e_y$)?
# Does the softmax regression fitted with $\varepsilon = 0.1$ above stay below that cap?

# %% [markdown]
# :::{dropdown} Solution
# $q^\star_y = 1 - \varepsilon + \varepsilon/K$: $0.91$ for $K = 10$, $0.9\overline{3}$ for
# $K = 3$. The fitted model is a KL projection of $q^\star$ onto softmax regressions, not
# $q^\star$ itself: where the data are nearly certain its linear logits can extrapolate past the
# cap. The cell counts the test forecasts above it.
# :::

# %% tags=["hide-input"]
cap = 1 - eps + eps / K
above = (q_ls.max(1) > cap).mean()
print(
    f"cap {cap:.4f}; largest fitted forecast {q_ls.max():.4f}; share of test points above {above:.1%}"
)
assert above > 0
# %% [markdown]
# **3 (harder).** Apply temperature scaling to the correctly specified MLE of the first data set
# (two features, $N$ rows), with $T$ fitted on fresh held-out data. Predict $\hat T$ and how far
# from it you would accept.

# %% [markdown]
# :::{dropdown} Solution
# The model is right and has 6 parameters for $N \ge 2{,}000$ rows, so it is barely over-fitted:
# $\hat T \approx 1$, up to two errors. One is the noise of the held-out fit, whose standard
# error is $1/\sqrt{n\, I(\log T)}$ from the observed information of $\log T$ on the $n$
# held-out rows. The other is the MLE's own: the logits are linear in $\theta$, so
# $z / T = D\,(\hat\theta / T)$ and temperature scaling moves $\hat\theta$ along its ray, and
# the MLE's error along that direction is the inverse information of the same direction from
# $N$ training rows instead of $n$: to first order its variance is $n / N$ times the first. The
# cell fits $\log T$ and checks $|\log \hat T| < 4 \sqrt{1 + n/N}$ held-out standard errors.
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
se_total = se_log_T * np.sqrt(1 + len(y_h) / N)  # held-out noise and the MLE's own error
print(f"T-hat = {np.exp(res_h.x):.3f}, se of log T: held-out {se_log_T:.3f}, total {se_total:.3f}")
assert abs(res_h.x) < 4 * se_total

# %% [markdown]
# ## References
#
# - Robbins, H. and Monro, S. (1951). A stochastic approximation method. *The Annals of
#   Mathematical Statistics* 22(3), 400–407.
# - Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay regularization. *ICLR*.
# - Lin, T.-Y., Goyal, P., Girshick, R., He, K. and Dollár, P. (2017). Focal loss for dense
#   object detection. *ICCV*.
# - Müller, R., Kornblith, S. and Hinton, G. (2019). When does label smoothing help? *NeurIPS*.
# - Guo, C., Pleiss, G., Sun, Y. and Weinberger, K. Q. (2017). On calibration of modern neural
#   networks. *ICML*.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
