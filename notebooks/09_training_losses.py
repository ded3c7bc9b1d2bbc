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
# parametrisation (class 0's row fixed at zero); $\theta$ packs the free rows of $[b, W]$. In
# the code, `H` is the one-hot label matrix (rows $h_i$) and `eps` the label-smoothing $\varepsilon$.

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
    theta = optimize.minimize(f, theta0, jac=True, method="BFGS", options={"gtol": 1e-9}).x
    # BFGS's line search can stall near |g| ~ 1e-8, where f changes by less than its rounding.
    # Two Newton steps on a central-difference Hessian of the exact gradient finish the job.
    eye = np.eye(theta.size)
    for _ in range(2):
        hess = np.array([(f(theta + 1e-5 * e)[1] - f(theta - 1e-5 * e)[1]) / 2e-5 for e in eye])
        theta = theta - np.linalg.solve((hess + hess.T) / 2, f(theta)[1])
    assert np.abs(f(theta)[1]).max() <= 1e-9, "fit_mean_ce: gradient above 1e-9"
    return theta


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
# shuffled copy of the data per epoch. For a convex loss whose minimiser exists (here the MLE)
# and gradient noise of bounded variance, step sizes with $\sum_t \eta_t = \infty$ and
# $\sum_t \eta_t^2 < \infty$ (Robbins and Monro's conditions, met by
# $\eta_t = \eta_0 / (1 + t/\tau)$) make it converge to that minimiser. Their theory assumes
# batches drawn independently (with replacement); reshuffled epochs use every row once per
# epoch, so at each epoch's end the batch gradients have summed to the full gradient and the
# noise partly cancels. We measure the distance in the MLE's standard errors (se), at every step
# and at epoch ends.

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
ends = np.arange(per_epoch - 1, n_steps, per_epoch)  # the last step of each epoch
last = slice(n_steps - 20 * per_epoch, n_steps)  # the last 20 epochs
print(
    f"last 20 epochs, max |theta - MLE| / se: median {np.median(distance[last]):.3f} over all "
    f"steps, {np.median(distance[ends[-20:]]):.3f} at epoch ends (max {distance[ends[-20:]].max():.3f})"
)

# %% tags=["hide-input"]
# Check: SGD's epoch ends in the last 20 epochs are all within a tenth of a standard error of
# the MLE (the claim below; a threshold, not a tolerance), and closer than the mid-epoch steps.
assert distance[ends[-20:]].max() < 0.1
assert np.median(distance[ends[-20:]]) < np.median(distance[last])
# BFGS on the mean and Newton on the sum both stop at gradients ~1e-9 of an objective whose
# curvature is ~0.1 per row: the minimisers agree to ~1e-8, far below the 1e-5 asserted.
assert np.allclose(fit_mean_ce(X, H), theta_hat, atol=1e-5)

# %%
cov_b = np.linalg.inv(ce.nll_hessian(X, y, mle.weights, mle.bias))[np.ix_([0, 3], [0, 3])]
angle = np.linspace(0, 2 * np.pi, 200)
ellipse = theta_hat[[0, 3], None] + np.linalg.cholesky(cov_b) @ [np.cos(angle), np.sin(angle)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
ax = axes[0]
ax.plot(path[:, 0], path[:, 3], lw=0.6, color="C0", label="SGD path")
ax.plot(*ellipse, color="C1", lw=1.5, label="1-se ellipse of the MLE")
ax.plot(*theta_hat[[0, 3]], "o", color="C1", ms=8, label="MLE")
ax.plot(0, 0, "s", color="k", ms=6, label="start")
ax.set(xlabel="$b_1$", ylabel="$b_2$", title="SGD on mini-batches of 64")
ax.legend(loc="lower left", fontsize=10)
ax = axes[1]
steps = np.arange(1, n_steps + 1)
ax.loglog(steps, distance, color="C0", lw=0.4, alpha=0.4, label="max |θ − MLE| / se, every step")
ax.loglog(steps[ends], distance[ends], "o", color="C3", ms=2.5, label="at epoch ends")
ax.set(xlabel="step", ylabel="distance to the MLE, in se", title="SGD converges to the MLE")
ax.legend(loc="upper right", fontsize=10)
save_figure(fig, "sgd-to-mle")
plt.show()

# %% [markdown]
# In practice: the mean and the sum are the same estimator (BFGS on the mean and the library's
# Newton fit of the sum agree to 1e-5 here); a decaying learning rate is what turns mini-batch
# SGD from "near the MLE" into "at the MLE". Here the epoch ends of the last 20 epochs are within
# a tenth of a standard error, and mid-epoch steps farther (printed above); once the remaining
# optimisation error is that small a fraction of the standard error, more epochs buy nothing
# statistically.
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
# Check: the two minimisers agree to 1e-5 (both stop at gradients <= 1e-9 per row of an
# objective strongly convex with constant >= 2 lam = 2e-3, so each is within sqrt(6) 1e-9 / 2e-3
# ~ 1e-6 of the MAP), while the prior moves them from the MLE by more than 1e-2.
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
# (the shift is close to linear in the MLE); the data sets are nested, so the noises of sizes
# n < m correlate as sqrt(n / m). Propagated through the least-squares slope, 4 sd of that noise
# is the tolerance printed: the smallest slope error the check detects.
lx = np.log(N_grid) - np.log(N_grid).mean()
c_slope, r = lx / (lx @ lx), np.array(rel_noise)  # slope = c_slope @ log(shift)
corr = np.sqrt(np.minimum.outer(N_grid, N_grid) / np.maximum.outer(N_grid, N_grid))
slope_tol = 4 * np.sqrt(c_slope @ (np.outer(r, r) * corr) @ c_slope)
print(f"slope tolerance {slope_tol:.3f}")
assert abs(slopes["fixed λ"]) < slope_tol and abs(slopes["λ ∝ 1/N"] + 1) < slope_tol

# %% [markdown]
# In practice: a weight decay tuned at one data-set size is a different prior at another; to
# keep the prior, scale $\lambda$ like $1/N$. PyTorch's `weight_decay` in plain SGD adds
# $\kappa\theta$ to the gradient, the penalty $\frac{\kappa}{2}\lVert\theta\rVert^2$, so
# $\sigma^2 = 1/(N\kappa)$ (Exercise 1). AdamW (Loshchilov and Hutter, 2019, ICLR) *decouples*
# the decay: it subtracts $\eta\kappa\theta$ after Adam's step, which divides each gradient
# coordinate by a running root mean square $\sqrt{\hat v_j}$ of the gradients. Its decay is the
# MAP of no fixed prior. In full batch $\sqrt{\hat v_j} \to |\partial_j \bar\ell|$, and the fixed
# points are those of the *unpenalised* loss constrained to the box $|\theta_j| \le 1/\kappa$
# (Xie and Li, 2024, ICML: AdamW's implicit bias is that $\ell_\infty$ constraint): stationary
# points inside it, or points on its boundary. With the MLE inside the box, full-batch AdamW,
# when it converges, lands on the MLE, not on a MAP; with mini-batches $\sqrt{\hat v_j}$ follows
# the gradient noise, which depends on $B$ and on $\theta$.
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


def influence(theta, X, T, w=None):
    """Per-row influence on the minimiser of sum_i w_i H(t_i, q_i): I'I is its sandwich
    covariance H^-1 J H^-1, valid also when the model is misspecified."""
    w = np.ones(len(X)) if w is None else w
    D, q = design(X), ce.softmax(logits(theta, X))[:, 1:]
    scores = ((w[:, None] * (q - T[:, 1:]))[:, :, None] * D[:, None, :]).reshape(len(X), -1)
    dq_dz = q[:, :, None] * (np.eye(q.shape[1]) - q[:, None, :])
    hess = np.einsum("i,ijk,il,im->jlkm", w, dq_dz, D, D, optimize=True)
    return scores @ np.linalg.inv(hess.reshape(scores.shape[1], -1))


infl_w, infl_1 = influence(theta_w, X_w, H_w, w[y_w]), influence(theta_1, X_w, H_w)
sd_diff = np.sqrt(((infl_w - infl_1) ** 2).sum(0))  # sandwich sd of theta_w - theta_1
pd.DataFrame(
    {
        "weighted − MLE": theta_w - theta_1,
        "log(w_k/w_0)": predicted,
        "sd of the difference": sd_diff,
    },
    index=LABELS,
).round(3)

# %% tags=["hide-input"]
# Check: the difference is the predicted offset within 4 sandwich sd per entry (the weights w
# are treated as fixed; estimating them from the counts moves theta_w and the offset together to
# first order). This detects a departure of 4 sd, printed above.
assert np.all(np.abs(theta_w - theta_1 - predicted) < 4 * sd_diff)

# %% [markdown]
# The identity holds exactly in the population; in a sample the difference scatters around it
# by the sd shown. On a well-specified model, class weighting is thus an inefficient estimate of
# the MLE plus an offset: adding $\log(w_k/w_0)$ to the MLE's logits at prediction gives the same
# target with the MLE's precision. The weighted model forecasts the *reweighted* population.
# Subtracting $\log w_k$ from its logits undoes the shift and gives probabilities for the
# population it was trained on. On fresh data from that population we compare reliability
# curves for the rare class (the class with the largest weight, whose forecasts the weights move
# most): in each of 10 bins of the forecast, the observed frequency of the event against the mean
# forecast. Its $z = (\text{observed} - \text{mean forecast}) / \text{se}$ counts two errors: the
# binomial noise of the test labels, and the fitted model's own estimation error, whose variance
# per bin is $g^\top \Sigma g$ ($g$ the derivative of the bin's mean forecast in $\theta$, $\Sigma$
# the sandwich covariance of the fit: the delta method). A model that is calibrated up to its
# estimation error has $|z| < 4$ in all 10 bins with probability above 0.999.


# %%
def calibration(events, forecast, theta, infl, h=1e-6):
    """Reliability curve of forecast(theta), and per-bin se with the fit's error included."""
    q = forecast(theta)
    rc = ce.reliability_curve(events, q)
    which = np.clip(np.searchsorted(rc.bin_edges[1:-1], q.ravel(), side="right"), 0, 9)
    dq = [
        (forecast(theta + h * e) - forecast(theta - h * e)).ravel() / (2 * h)
        for e in np.eye(len(theta))
    ]
    g = np.stack([np.bincount(which, col, 10) for col in dq], axis=1)
    g = g[np.bincount(which, minlength=10) > 0] / rc.count[:, None]  # d(bin mean) / d theta
    return rc, np.sqrt(rc.std_error**2 + ((g @ infl.T) ** 2).sum(1))


def plot_reliability(ax, curves, title):
    ax.plot([0, 1], [0, 1], color="0.5", lw=1, label="calibrated")
    for (name, (rc, se)), c in zip(curves.items(), ["C0", "C1", "C2"], strict=False):
        z = (rc.observed - rc.mean_predicted) / se
        ax.errorbar(
            rc.mean_predicted,
            rc.observed,
            2 * se,
            fmt="o-",
            ms=5,
            color=c,
            label=f"{name} (max |z| {np.abs(z).max():.1f})",
        )
    ax.set(xlabel="forecast probability", ylabel="observed frequency", title=title)
    ax.legend(loc="lower right", fontsize=10)


def max_z(rc, se):
    return np.abs((rc.observed - rc.mean_predicted) / se).max()


X_wt, y_wt, _ = ce.simulate(N_w, W_true, b_rare, rng)
reliability = {
    "class-weighted": calibration(
        (y_wt == 2).astype(int), lambda th: ce.softmax(logits(th, X_wt))[:, 2], theta_w, infl_w
    ),
    "logits − log w": calibration(
        (y_wt == 2).astype(int),
        lambda th: ce.softmax(logits(th, X_wt) - np.log(w))[:, 2],
        theta_w,
        infl_w,
    ),
}
fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_reliability(ax, reliability, "class weights: the rare class 2, test data")
save_figure(fig, "class-weights-reliability")
plt.show()

# %% tags=["hide-input"]
# Check: |z| > 4 in some bin rejects calibration (10 bins x 6e-5 under the normal approximation).
assert max_z(*reliability["class-weighted"]) > 4 > max_z(*reliability["logits − log w"])

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
# inversion helps but is not exact, and need not even give probabilities: wherever a fitted
# $q_k$ exceeds $1-\varepsilon+\varepsilon/K$ (the largest value of $q^\star$, Exercise 2) the
# inverted forecast is above 1, and wherever $q_k < \varepsilon/K$ it is below 0. We clip the
# inverted forecasts to $[0, 1]$ and renormalise them. The reliability curves below pool all $K$
# classes: each forecast $q_{ik}$ is one forecast of the event $y_i = k$.

# %%
eps = 0.1
T_ls = (1 - eps) * H + eps / K
theta_ls = fit_mean_ce(X, T_ls)
X_t, y_t, p_t = ce.simulate(20_000, W_true, b_true, rng)
H_t = ce.one_hot(y_t, K)


def forecast_t(th):
    return ce.softmax(logits(th, X_t))


def inverted(th):
    """(q - eps/K) / (1 - eps), clipped to [0, 1] and renormalised."""
    p_inv = np.clip((forecast_t(th) - eps / K) / (1 - eps), 0, 1)
    return p_inv / p_inv.sum(1, keepdims=True)


raw_inv = (forecast_t(theta_ls) - eps / K) / (1 - eps)
print(
    f"test points with an inverted forecast above 1: {(raw_inv > 1).any(1).mean():.1%}, "
    f"below 0: {(raw_inv < 0).any(1).mean():.1%}"
)
infl_ls = influence(theta_ls, X, T_ls)
reliability_ls = {
    "MLE": calibration(H_t, forecast_t, theta_hat, influence(theta_hat, X, H)),
    f"label smoothing ε={eps}": calibration(H_t, forecast_t, theta_ls, infl_ls),
    "inverted, clipped": calibration(H_t, inverted, theta_ls, infl_ls),
}
fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_reliability(ax, reliability_ls, "label smoothing, all classes pooled, test data")
save_figure(fig, "label-smoothing-reliability")
plt.show()

# %% tags=["hide-input"]
# Check: (z with the fit's error, as for class weights) the smoothed fit is miscalibrated, the
# MLE is not detectably, and the inverted forecasts are nearer the diagonal than the smoothed.
z_mle, z_ls, z_inv = (max_z(*v) for v in reliability_ls.values())
print(f"max |z| with the fit's error: MLE {z_mle:.1f}, smoothed {z_ls:.1f}, inverted {z_inv:.1f}")
assert z_mle < 4 < z_ls and z_inv < z_ls
if not FAST:  # at N = 10,000 the projection error of the inverted forecasts is detectable
    assert z_inv > 4


# %% [markdown]
# The inverted forecasts are nearer the diagonal than the smoothed ones, but at $N = 10{,}000$ they
# are still detectably miscalibrated (printed $|z|$ above 4): that is the projection error, which
# does not shrink with $N$; with the fast mode's $N = 2{,}000$ the estimation error can hide it.
#
# ## Focal loss is not a likelihood
#
# The focal loss $-(1 - q_y)^\gamma \log q_y$ (Lin et al., 2017, ICCV) down-weights observations that
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


def focal_loss(theta, X, y, gamma=2.0, rows=False):
    """Mean focal loss of a logistic regression and its gradient (u = q_y, s = +-1), or with
    rows=True the per-row gradients."""
    s = 2 * y - 1
    z = s * (design(X) @ theta)
    log_u = -np.logaddexp(0, -z)  # log q_y
    u = np.exp(log_u)
    dz = s * (gamma * u * (1 - u) ** gamma * log_u - (1 - u) ** (gamma + 1))
    if rows:
        return design(X) * dz[:, None]
    return -((1 - u) ** gamma * log_u).mean(), design(X).T @ dz / len(X)


X_b, y_b, _ = ce.simulate(N_w, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
theta_focal = optimize.minimize(
    focal_loss, np.zeros(2), args=(X_b, y_b), jac=True, options={"gtol": 1e-10}
).x
X_bt, y_bt, _ = ce.simulate(20_000, np.array([[0.0], [2.5]]), np.array([0.0, 0.3]), rng)
mle_b = ce.fit_cross_entropy(X_b, y_b)
theta_b = ce.pack_params(mle_b.weights, mle_b.bias)
# the focal fit's sandwich: per-row gradients times the inverse Hessian (central differences)
hess_f = np.column_stack(
    [
        focal_loss(theta_focal + e, X_b, y_b)[1] - focal_loss(theta_focal - e, X_b, y_b)[1]
        for e in 1e-6 * np.eye(2)
    ]
) * (len(X_b) / 2e-6)
infl_f = focal_loss(theta_focal, X_b, y_b, rows=True) @ np.linalg.inv(hess_f)


def forecast_b(th):
    return ce.softmax(logits(th, X_bt))[:, 1]


reliability_focal = {
    "MLE": calibration(y_bt, forecast_b, theta_b, influence(theta_b, X_b, ce.one_hot(y_b, 2))),
    "focal, γ=2": calibration(y_bt, forecast_b, theta_focal, infl_f),
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
# Check: gamma > 0 gives q* = p only at p = 1/2 (by symmetry, to the optimiser's 1e-10) and
# pulls every other p towards 1/2; the first-order condition is increasing in q* and inverts it
# back to p (to 1e-6: xatol 1e-10 times dp/dq, which is below 1e3 here). Calibration: z with
# each fit's own error (sandwich), as for class weights.
for g in [1, 2, 5]:
    assert abs(q_star[g][49] - 0.5) < 1e-7
    assert np.all(np.abs(q_star[g] - 0.5)[p_grid != 0.5] < np.abs(p_grid - 0.5)[p_grid != 0.5])
    assert np.abs(p_from_q(q_star[g], g) - p_grid).max() < 1e-6
    assert np.all(np.diff(p_from_q(np.linspace(0.01, 0.99, 99), g)) > 0)
assert abs(focal_minimiser(0.9, 2) - 0.694) < 1e-3  # the number quoted below
assert max_z(*reliability_focal["focal, γ=2"]) > 4 > max_z(*reliability_focal["MLE"])

# %% [markdown]
# Both losses make the fitted model *under*-confident when the model is right: label smoothing
# pulls every forecast towards $1/K$, the focal loss pulls binary forecasts towards $1/2$ (for
# $\gamma = 2$, $p = 0.9$ gives $q^\star \approx 0.694$). Neither is proper, so neither fitted
# model's forecasts are $p$; both population minimisers are invertible transforms of it, so
# inverting them recovers $p$ exactly when the model can represent $q^\star$, approximately otherwise.
# Both losses are used to improve the calibration of large networks whose maximum-likelihood
# fits are over-confident on new data (label smoothing: Müller et al., 2019; focal loss:
# Mukhoti et al., 2020), where pulling towards $1/K$ offsets the over-confidence; a
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
nll_table = {
    f"T = {t:.2f}": [held_out_nll(t, Z_val, y_val), held_out_nll(t, Z_test, y_test)]
    for t in (1, T_hat)
}
pd.DataFrame(nll_table, index=["validation NLL / obs.", "test NLL / obs."]).round(3)

# %%
fig, ax = plt.subplots(figsize=(5.5, 4.5))
H_test = ce.one_hot(y_test, K)
plot_reliability(
    ax,
    {  # binomial se only: the calibration of these fitted forecasts, not of the method
        name: (rc, rc.std_error)
        for name, rc in [
            ("MLE, 14 features", ce.reliability_curve(H_test, ce.softmax(Z_test))),
            (f"temperature {T_hat:.2f}", ce.reliability_curve(H_test, ce.softmax(Z_test / T_hat))),
        ]
    },
    "temperature scaling, test data",
)
save_figure(fig, "temperature-scaling-reliability")
plt.show()

# %% tags=["hide-input"]
# Check: T > 1 by more than 4 of its standard errors (observed information of log T, by finite
# differences); the test NLL falls by more than 4 se of the paired per-observation differences.
assert flexible.converged
curv = sum(held_out_nll(np.exp(res_T.x + s), Z_val, y_val) for s in (1e-3, -1e-3)) - 2 * res_T.fun
assert res_T.x > 4 / np.sqrt(n_held * curv / 1e-6)
d = (  # per-observation drop of the test NLL
    ce.log_softmax(Z_test / T_hat)[np.arange(n_held), y_test]
    - ce.log_softmax(Z_test)[np.arange(n_held), y_test]
)
assert d.mean() > 4 * d.std() / np.sqrt(n_held)

# %% tags=["hide-input"]
# Check: the scaled forecasts are under-confident (z > 4: observed above forecast) in some
# middle bin. Also printed: the share of the validation NLL at T = 1 the worst 1% carry.
loss_1 = -ce.log_softmax(Z_val)[np.arange(n_held), y_val]
share_worst = np.sort(loss_1)[-n_held // 100 :].sum() / loss_1.sum()
rc_T = ce.reliability_curve(H_test, ce.softmax(Z_test / T_hat))
print(f"worst 1% of validation observations: {share_worst:.0%} of the NLL at T = 1")
middle = (rc_T.mean_predicted > 0.45) & (rc_T.mean_predicted < 0.75)
print("z in the bins with mean forecast in (0.45, 0.75):", rc_T.z[middle].round(1))
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
# one-vs-rest model is misspecified as a joint model: it puts probability on no label or on
# several. Its likelihood, though, factorises into $K$ separate logistic fits, one per marginal
# $p_k(x) = P(y = k \mid x)$ (a composite likelihood), and each would be consistent for its
# marginal if that marginal's model were right, though with wrong model-based standard errors.
# Here the marginal models are wrong too: when $p$ is a softmax regression, $\log p_k/(1-p_k)$ is
# not linear in $x$, so the $K$ fitted probabilities need not sum to one. We fit one logistic
# regression per class to the first data set.

# %%
ovr = [ce.fit_cross_entropy(X, (y == k).astype(int)) for k in range(K)]
sigmoid_sum = sum(f.predict_proba(X_t)[:, 1] for f in ovr)
print(
    f"sum of the {K} sigmoid probabilities on test points: "
    f"{sigmoid_sum.min():.3f} to {sigmoid_sum.max():.3f}"
)

# %% tags=["hide-input"]
# Check: at the worst test point |sum - 1| exceeds a simultaneous bound over all x: the sandwich
# covariance of the 9 stacked binary estimates (valid under misspecification), the delta method
# for the sum, and the Scheffe factor sqrt(chi2_9 quantile at 1 - 1e-4) for the selection of the
# worst of all test points.
thetas = [ce.pack_params(f.weights, f.bias) for f in ovr]
infl_ovr = np.hstack(
    [influence(t, X, ce.one_hot((y == k).astype(int), 2)) for k, t in enumerate(thetas)]
)
i_worst = np.argmax(np.abs(sigmoid_sum - 1))
x_worst = np.r_[1.0, X_t[i_worst]]
g_sum = np.concatenate(
    [
        f.predict_proba(X_t[[i_worst]])[0, 1] * f.predict_proba(X_t[[i_worst]])[0, 0] * x_worst
        for f in ovr
    ]
)
se_sum = np.sqrt(((infl_ovr @ g_sum) ** 2).sum())
assert abs(sigmoid_sum[i_worst] - 1) > np.sqrt(stats.chi2.ppf(1 - 1e-4, 9)) * se_sum

# %% [markdown]
# ## Next-token prediction is the same categorical MLE
#
# A language model predicts the next token $c_t$ from the context. The tokens of a text are not
# independent, but the chain rule makes $\sum_t \log q(c_t \mid c_{<t})$ the exact
# log-likelihood of the sequence given its first token, so the training loss, the mean cross
# entropy over the tokens, is a negative log-likelihood. The smallest case is a character bigram
# model: $q(c_t \mid c_{t-1}) = \operatorname{softmax}(\Theta_{c_{t-1}})$, one row of logits per
# previous character. Its MLE is the table of conditional frequencies $n(a, b) / n(a)$ (bigram
# counts over context counts), for the contexts seen; a zero count needs a logit of $-\infty$,
# so the minimum of the mean cross entropy is approached, not attained, at finite $\Theta$. The
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


ce_mle = -(counts[seen] * np.log(np.where(freq > 0, freq, 1))).sum() / len(nxt)
unigram = np.bincount(nxt, minlength=V) / len(nxt)
perplexity = pd.Series(
    {
        f"uniform over {V} characters": V,
        "unigram MLE": np.exp(-np.log(unigram[nxt]).mean()),
        "bigram MLE": np.exp(ce_mle),
    },
    name="perplexity (in-sample)",
)
print(f"{len(text)} characters, vocabulary of {V}, {V * V} bigram cells")
perplexity.round(3)


# %% [markdown]
# These perplexities are in-sample: the table has many more cells than the text has transitions.
# On held-out text the MLE table gives probability zero to every pair it never saw, so its
# held-out perplexity is infinite. We fit the table to the first 80% of the text and score the
# rest with pseudo-counts $\alpha$ added to every cell (a symmetric Dirichlet prior on each row:
# its posterior mean), against a unigram table smoothed the same way. One pseudo-count per cell
# puts 45 in each row, against 684 training transitions spread over 45 contexts: the prior
# swamps the data, and the bigram table barely beats the unigram; $\alpha = 0.3$ does better
# (it was chosen on this held-out text, so its perplexity is optimistic).

# %%
cut = int(0.8 * len(prev))
train_counts = np.zeros((V, V))
np.add.at(train_counts, (prev[:cut], nxt[:cut]), 1)
unseen = (train_counts[prev[cut:], nxt[cut:]] == 0).mean()
held_ppl = {}
for a in [1.0, 0.3]:
    smoothed = (train_counts + a) / (train_counts + a).sum(1, keepdims=True)
    uni = (train_counts.sum(0) + a) / (cut + a * V)
    held_ppl[f"bigram, α = {a}"] = np.exp(-np.log(smoothed[prev[cut:], nxt[cut:]]).mean())
    held_ppl[f"unigram, α = {a}"] = np.exp(-np.log(uni[nxt[cut:]]).mean())
print(f"held-out transitions never seen in training: {unseen:.1%} (MLE perplexity infinite)")
print("held-out perplexity:", ", ".join(f"{k} {v:.1f}" for k, v in held_ppl.items()))
assert (
    unseen > 0 and held_ppl["bigram, α = 1.0"] < held_ppl["unigram, α = 1.0"]
)  # the text is fixed

# %% [markdown]
# In practice: smoothing (a prior on the table) and models that share parameters across
# contexts are what make held-out perplexity finite. Language models are the same likelihood
# with a far richer $q$.
#
# ## At scale: mini-batches in PyMC
#
# A mini-batch log-likelihood scaled by $N/B$ is an unbiased estimate of the full one, as the
# mini-batch mean is of the full mean. In PyMC, `pm.Minibatch` draws a fresh batch of $B$ row
# indices at each evaluation, independently and *with* replacement (unlike the shuffled epochs of
# the SGD above; unbiased either way), and `total_size=N` on the observed variable multiplies the batch
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
# the posterior's, since it ignores the correlations. Exact MCMC cannot use it: NUTS needs the
# exact gradient of the full-data log density, so `pm.sample` wants the full-data model.
# Stochastic-gradient MCMC (Langevin dynamics on mini-batch gradients) does use it, at the cost
# of a bias that vanishes only as its step size does. On a GPU,
# PyMC's JAX-based samplers (`pm.sample(nuts_sampler="numpyro")` or `"blackjax"`) run NUTS on the
# full-data model; they need JAX, which this collection does not install.
#
# ## Exercises
#
# **1 (easy).** A network is trained with PyTorch's `SGD(weight_decay=κ)` on $N$ independent
# examples (no augmentation), with the default `reduction="mean"` and every parameter, biases
# included, in the decayed group. Which prior sd $\sigma$ is this the MAP of? Check it on our
# data with $\kappa = 5 \times 10^{-4}$.

# %% [markdown]
# :::{dropdown} Solution
# The update adds $\kappa\theta$ to the gradient of the mean loss: the gradient of the penalty
# $\frac{\kappa}{2}\lVert\theta\rVert^2$. Times $N$ it is $\lVert\theta\rVert^2 / (2\sigma^2)$ with
# $\sigma^2 = 1/(N\kappa)$ (for $N = 50{,}000$ images and $\kappa = 5\times10^{-4}$,
# $\sigma = 0.2$). The cell codes that update direction, checks that it vanishes at the library's
# MAP under this $\sigma$ and not under $\sigma^2 = 1/(2N\kappa)$ (the answer for a penalty
# $\kappa\lVert\theta\rVert^2$), and compares the shift from the MLE with its first-order
# prediction $-(\hat{\mathcal I} + \kappa)^{-1}\kappa\hat\theta$, $\hat{\mathcal I}$ the Hessian of
# the mean loss at the MLE. Two limits: a MAP depends on the parametrisation, and in a network
# with batch normalisation the loss does not change when the weights feeding it are rescaled, so
# there the "prior" constrains their scale, not the function.
# :::

# %% tags=["hide-cell"]
kappa = 5e-4


def torch_direction(theta):  # what SGD(weight_decay=kappa) steps along, for the mean loss
    return mean_ce(theta, X, H)[1] + kappa * theta


maps = {
    f"σ² = 1/({c}Nκ)": ce.fit_l2(X, y, s, bias_sigma=s)
    for c, s in [("", 1 / np.sqrt(N * kappa)), ("2", 1 / np.sqrt(2 * N * kappa))]
}
size = {
    name: np.abs(torch_direction(ce.pack_params(f.weights, f.bias))).max()
    for name, f in maps.items()
}
shift_kappa = ce.pack_params(maps["σ² = 1/(Nκ)"].weights, maps["σ² = 1/(Nκ)"].bias) - theta_hat
info = ce.nll_hessian(X, y, mle.weights, mle.bias) / N
first_order = -np.linalg.solve(info + kappa * np.eye(len(theta_hat)), kappa * theta_hat)
print("max |update direction| at the MAP:", {k: f"{v:.1e}" for k, v in size.items()})
print(
    f"max |shift| {np.abs(shift_kappa).max():.2e}, first-order error {np.abs(shift_kappa - first_order).max():.1e}"
)
# fit_l2 stops at gradients <= 1e-10 per row, so the right sigma leaves < 1e-8; the wrong one
# leaves -kappa theta there, of order 1e-4.
assert size["σ² = 1/(Nκ)"] < 1e-8 < 1e-6 < size["σ² = 1/(2Nκ)"]

# %% [markdown]
# **2 (medium).** With $K$ classes and label smoothing $\varepsilon$, what is the largest
# probability the population minimiser $q^\star$ gives, when the class is certain ($p = e_y$)?
# Does the softmax regression fitted with $\varepsilon = 0.1$ above stay below that cap?

# %% [markdown]
# :::{dropdown} Solution
# $q^\star_y = 1 - \varepsilon + \varepsilon/K$ with the convention above, which spreads
# $\varepsilon$ over all $K$ classes ($1 - \varepsilon$ when it goes to the other $K - 1$): $0.91$
# for $K = 10$, $0.9\overline{3}$ for $K = 3$. The fitted model does not stay below it: its logits
# are linear in unbounded (Gaussian) features, so any softmax regression with $W \ne 0$ exceeds
# any cap below 1 on a set of $x$ of positive probability. A forecast above the cap is exactly
# one whose inverted value $(q - \varepsilon/K)/(1-\varepsilon)$ is above 1, which is why the
# label-smoothing section clips them. The cell gives the share of test points above the cap.
# :::

# %% tags=["hide-cell"]
cap = 1 - eps + eps / K
above = (forecast_t(theta_ls).max(1) > cap).mean()
print(
    f"cap {cap:.4f}; largest fitted forecast {forecast_t(theta_ls).max():.4f}; share of test "
    f"points above {above:.1%} (binomial se {np.sqrt(above * (1 - above) / len(X_t)):.2%})"
)

# %% [markdown]
# **3 (harder).** Apply temperature scaling to the correctly specified MLE of the first data set
# (two features, $N$ rows), with $T$ fitted on fresh held-out data. Predict $\hat T$ and how far
# from it you would accept.

# %% [markdown]
# :::{dropdown} Solution
# The model is right and has 6 parameters for $N \ge 2{,}000$ rows, so it is barely over-fitted:
# $\hat T \approx 1$, up to two errors. The logits are linear in $\theta$, so
# $z / T = D\,(\hat\theta / T)$: temperature scaling moves $\hat\theta$ along its ray. With
# $\mathcal I$ the Fisher information per row, the held-out fit from $n$ rows has
# $\operatorname{Var}(\log \hat T) \approx 1/(n\, \theta^\top \mathcal I \theta)$ (estimated by
# the observed information of $\log T$), and the MLE's own error along that ray, which $\hat T$
# absorbs, has variance $1/(N\, \theta^\top \mathcal I \theta)$: $n/N$ times the first. The cell
# checks $|\log \hat T| < 4 \sqrt{1 + n/N}$ held-out standard errors (printed as "total").
# This leaves out the MLE's outward bias, of order $p/N$, which makes even a correct MLE slightly
# over-confident: negligible here (6 parameters on $N \ge 2{,}000$ rows), it is what $\hat T$
# corrects for 30 parameters on 200 rows above. Conditions: held-out data independent of the
# training data, from the same distribution of $x$.
# :::

# %% tags=["hide-cell"]
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
# - Lin, T.-Y., Goyal, P., Girshick, R., He, K. and Dollár, P. (2017). Focal loss for dense
#   object detection. *ICCV*.
# - Mukhoti, J., Kulharia, V., Sanyal, A., Golodetz, S., Torr, P. H. S. and Dokania, P. K.
#   (2020). Calibrating deep neural networks using focal loss. *NeurIPS*.
# - Müller, R., Kornblith, S. and Hinton, G. (2019). When does label smoothing help? *NeurIPS*.
# - Guo, C., Pleiss, G., Sun, Y. and Weinberger, K. Q. (2017). On calibration of modern neural
#   networks. *ICML*.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
