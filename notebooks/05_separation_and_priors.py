# %% [markdown]
# # Separation, and priors as regularisers
#
# Minimising the summed cross entropy finds the MLE only when there is one. Notebook 04 showed
# one way it fails, a ridge of equally good parameters. This notebook shows the other, common
# in small data sets and with many features (for Gaussian features the MLE of logistic
# regression fails to exist with high probability once $p/N$ passes a threshold that depends on
# the signal strength, $1/2$ without signal, Candès and Sur 2020): **separation**, where some
# direction in parameter space improves the fit of observations without ever worsening any, so
# the minimiser runs off to infinity. It then shows the standard cure, a proper prior, and what it means for the
# loss: a normal prior turns cross-entropy minimisation into L2-penalised minimisation.
#
# The idea in one equation. For two classes the log-odds of observation $i$ are
# $\eta_i = b + w^\top x_i$, and its cross entropy is $\log(1 + e^{-m_i})$ with the *margin*
# $m_i = (2 y_i - 1)\, \eta_i$. The margins are linear in the parameters $\theta = (b, w)$,
# so along a direction $D = (d_b, d_w)$ they change by $t\, m_i(D)$, with
# $m_i(D) = (2 y_i - 1)(d_b + d_w^\top x_i)$:
#
# $$
# \operatorname{NLL}(\theta + t D) = \sum_{i=1}^N \log\big(1 + e^{-m_i(\theta) - t\, m_i(D)}\big).
# $$
#
# If every $m_i(D) > 0$ (**complete separation**) the NLL tends to 0 as $t \to \infty$. If every
# $m_i(D) \ge 0$, some positive and some zero, and no direction makes them all positive
# (**quasi-complete separation**), the observations with positive margins tend to a perfect
# fit while the others keep the loss they had, so the NLL tends to a positive limit, and the
# parameters again grow without bound. In both cases no
# finite parameter attains the infimum of the NLL: the MLE does not exist (Albert and
# Anderson 1984).

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
from scipy import optimize, special
from sklearn.linear_model import LogisticRegression

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_605
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # fewer posterior draws; the data and every assert are the same
plt.style.use("arviz-variat")

DRAWS = 250 if FAST else 500  # per chain, after as many tuning steps
SAMPLE_KW = dict(chains=4, cores=1, progressbar=False, random_seed=RANDOM_SEED)

# %% [markdown]
# ## 1. Three data sets
#
# Twenty points on a line. In the **separated** set every class-1 point has a larger $x$ than
# every class-0 point. The **quasi-separated** set adds two points at $x = 0$, one of each
# class. The **overlapping** set swaps the two labels nearest the gap of the separated set, and
# its MLE exists.

# %%
x_sep = np.sort(rng.normal(size=20))
x_sep = x_sep + 0.2 * np.sign(x_sep)  # open a gap around zero
y_sep = (x_sep > 0).astype(int)
y_ovl = y_sep.copy()
gap = np.searchsorted(x_sep, 0.0)
y_ovl[[gap - 1, gap]] = y_ovl[[gap, gap - 1]]
x_quasi, y_quasi = np.r_[x_sep, 0.0, 0.0], np.r_[y_sep, 0, 1]
data = {
    "separated": (x_sep[:, None], y_sep),
    "quasi-separated": (x_quasi[:, None], y_quasi),
    "overlapping": (x_sep[:, None], y_ovl),
}
fig, ax = plt.subplots(figsize=(8, 2.8), layout="constrained")
for row, (X_, y_) in enumerate(data.values()):
    for k, marker in ((0, "o"), (1, "s")):
        sel = y_ == k
        ax.plot(
            X_[sel, 0],
            np.full(sel.sum(), -row),
            marker,
            color=f"C{k}",
            mfc="none",
            mew=1.5,
            ms=8,
            label=f"class {k}" if row == 0 else None,
        )
ax.set(yticks=[0, -1, -2], yticklabels=list(data), xlabel="x", ylim=(-2.6, 0.6))
ax.legend(loc="upper left", ncols=2, frameon=True, facecolor="white", fontsize=10)
save_figure(fig, "separation-data-sets")
plt.show()

# %% [markdown]
# `ce.fit_cross_entropy` refuses to return a number when no MLE exists: it raises
# `SeparationError`, whose `.direction` is an escaping direction $D$ and `.complete` says which
# kind of separation it is. $D$ has a row per class, in the pivot parametrisation: row 0 (the
# pivot class) is zero, row 1 holds $(d_b, d_w)$. It comes from a linear program (Konis 2007):
# maximise the smallest margin $m_i(D)$ subject to $|D_j| \le 1$ on standardised features; a
# positive optimum is complete separation, with every margin positive. Otherwise a second
# program maximises the sum of the margins subject to all margins $\ge 0$, which finds a
# quasi-complete separation, the tied points' margins exactly zero. $D$ is reported in the
# original units of $x$, so the printed entries need not lie in the box. (The box $|D_j| \le 1$
# makes this direction differ in general from the maximum-margin direction $\hat w$ of
# section 2.)

# %%
errors, margins = {}, {}
for name, (X_, y_) in data.items():
    try:
        ce.fit_cross_entropy(X_, y_)
    except ce.SeparationError as err:
        errors[name], D = err, err.direction  # rows: classes 0, 1; columns (d_b, d_w)
        margins[name] = m = (2 * y_ - 1) * (D[1, 0] + D[1, 1] * X_[:, 0])
        print(f"{name}: complete={err.complete}, D = (d_b, d_w) = {D[1].round(3)}, ", end="")
        print(f"margins from {m.min():.3f} to {m.max():.3f}")
fit_ovl = ce.fit_cross_entropy(*data["overlapping"])
print(f"overlapping: MLE (b, w) = {ce.pack_params(fit_ovl.weights, fit_ovl.bias).round(3)}")

# %% [markdown]
# Along $t D$ from the origin the two cases part ways. Under complete separation the NLL is
# squeezed between $\log(1 + e^{-t m_{\min}})$ and $N e^{-t m_{\min}}$, with $m_{\min}$ the
# smallest margin of $D$, and falls to 0. Under quasi-complete separation the two points at
# $x = 0$ have margin 0 and keep probability $\tfrac12$ each, so the NLL falls to $2 \log 2$;
# no finite parameter does better, because a point of each class at the same $x$ always costs
# $-\log q - \log(1 - q) \ge 2 \log 2$ together.

# %%
t_grid = np.linspace(0, 60, 61)
nll_ray = {}
for name, err in errors.items():
    (X_, y_), D = data[name], err.direction
    logits_along = [ce.linear_predictor(X_, t * D[:, 1:], t * D[:, 0]) for t in t_grid]
    nll_ray[name] = np.array([ce.negative_log_likelihood(y_, z) for z in logits_along])
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
for (name, nll_t), ls in zip(nll_ray.items(), ("-", "--"), strict=True):
    ax.plot(t_grid, nll_t, ls, lw=2, label=name)
ax.axhline(2 * np.log(2), color="k", ls=":", lw=1, label="2 log 2")
ax.set(xlabel="t", ylabel="NLL(t D)", title="The NLL along the escaping direction", ylim=(0, 6))
ax.legend(frameon=True, facecolor="white")
save_figure(fig, "separation-nll-along-direction")
plt.show()

# %% tags=["hide-input"]
# Check: the library's NLL along t D equals sum_i log(1 + e^{-t m_i(D)}) computed from the margins
# alone (rounding: 1e-12 relative, ~1e-16 absolute per term), the margins are >= 0 with exactly the tied
# points at 0, and so the limits are 0 and 2 log 2.
for name, n_tied in (("separated", 0), ("quasi-separated", 2)):
    m = margins[name]
    direct = np.log1p(np.exp(-t_grid[:, None] * m)).sum(axis=1)
    assert np.allclose(nll_ray[name], direct, rtol=1e-12, atol=1e-14)
    assert np.all(m >= -1e-12) and np.sum(m < 1e-12) == n_tied
    assert errors[name].complete == (name == "separated")
print(
    f"at t = 60: {nll_ray['separated'][-1]:.2e} and {nll_ray['quasi-separated'][-1] - 2 * np.log(2):.1e} above 2 log 2"
)

# %% [markdown]
# ## 2. What an optimiser does: the NLL falls, the parameters run away
#
# Plain gradient descent with a fixed step $\eta = 1/L$, $L = \tfrac12
# \lambda_{\max}(\tilde X^\top \tilde X)$ a bound on the NLL's curvature ($\tilde x_i = (1, x_i)$),
# so that every step lowers the NLL (`ce.gradient_descent_path`; the folded cell below runs the
# same iteration on the three data sets at once), makes the failure visible. On
# the overlapping data the iterates converge to the MLE. On the separated data Soudry et al.
# (2018) proved, for complete separation and any fixed step below $2/L$, that
# $\theta_t = \hat w \log t + \rho_t$ with $\rho_t$ bounded (for almost every data set), where
# $\hat w = \arg\min \lVert w \rVert$ subject to every margin $\ge 1$ is the direction of the
# hard-margin support vector machine, here with the bias treated as one more weight. So
# $\lVert\theta_t\rVert$ grows like $\lVert \hat w \rVert \log t$, and, because the loss is
# then dominated by the support vectors, each contributing about $e^{-\rho^\top x_i}/t$, the
# NLL falls like $\lVert\hat w\rVert^2 / (\eta t)$. On the quasi-separated data the NLL falls to
# $2 \log 2$ while $\lVert\theta_t\rVert$ keeps growing, a different result (Ji and Telgarsky
# 2019): the iterates diverge along the separable part (the slope) and converge on the rest
# (the bias, to 0, where the two points at $x = 0$ get probability $\tfrac12$). A stopping rule
# on the size of the gradient cannot be trusted here: the gradient goes to zero but the
# parameters do not converge.


# %% tags=["hide-input"]
# Gradient descent on several two-class data sets at once: the iterates of ce.gradient_descent_path
# (start 0, step 1/L), with NumPy's per-call overhead paid once per step instead of per data set.
def gradient_descent_paths(datasets, n_steps):
    """[(iterates (n_steps + 1, 2), NLLs (n_steps + 1,)), ...], one pair per (X, y) data set."""
    sizes = [len(y_) for _, y_ in datasets]
    S = np.zeros((len(datasets), max(sizes), 2))  # rows (2 y_i - 1)(1, x_i); zero rows pad
    for r, (X_, y_) in enumerate(datasets):
        S[r, : sizes[r]] = (2 * y_ - 1)[:, None] * np.column_stack([np.ones(sizes[r]), X_[:, 0]])
    S_T = S.mT.copy()
    eta = 2 / np.linalg.eigvalsh(S_T @ S)[:, -1, None, None]  # 1/L; the signs leave S^T S alone
    thetas = np.zeros((n_steps + 1, len(datasets), 2, 1))
    for t in range(n_steps):  # the NLL is sum_i log(1 + e^{-m_i}), margins m = S theta
        thetas[t + 1] = thetas[t] + eta * (S_T @ special.expit(-(S @ thetas[t])))
    margins = (S @ thetas)[..., 0]  # (n_steps + 1, data sets, rows)
    real = np.arange(max(sizes)) < np.array(sizes)[:, None]  # not padding
    nll = np.where(real, np.logaddexp(0, -margins), 0).sum(axis=-1)
    return [(thetas[:, r, :, 0], nll[:, r]) for r in range(len(datasets))]


# Check: the same iterates and NLLs as the library for the first 2,000 steps (the sums are
# ordered differently: rounding of ~1e-15 per step, so 1e-10 after 2,000 steps covers it).
for (X_, y_), (theta_b, nll_b) in zip(
    data.values(), gradient_descent_paths(list(data.values()), 2_000), strict=True
):
    theta_lib, nll_lib = ce.gradient_descent_path(X_, y_, n_steps=2_000)
    assert np.allclose(theta_b, theta_lib, rtol=0, atol=1e-10)
    assert np.allclose(nll_b, nll_lib, rtol=1e-10, atol=1e-14)

# %%
n_steps = 100_000
paths = dict(zip(data, gradient_descent_paths(list(data.values()), n_steps), strict=True))
infimum = {"separated": 0.0, "quasi-separated": 2 * np.log(2), "overlapping": fit_ovl.nll}
norms = {name: np.linalg.norm(theta, axis=1) for name, (theta, _) in paths.items()}

# the hard-margin SVM on (1, x): a small quadratic programme
X_tilde = np.column_stack([np.ones(20), x_sep])
signs = 2 * y_sep - 1
w_hat = optimize.minimize(
    lambda w: 0.5 * w @ w,
    np.array([0.0, 5.0]),
    jac=lambda w: w,
    constraints={"type": "ineq", "fun": lambda w: signs * (X_tilde @ w) - 1},
    method="SLSQP",
    options={"ftol": 1e-14},
).x
eta = 1 / (0.5 * np.linalg.eigvalsh(X_tilde.T @ X_tilde)[-1])  # the library's default step
w_norm = np.linalg.norm(w_hat)

steps = np.arange(1, n_steps + 1)
styles = {"separated": ("C0", "-"), "quasi-separated": ("C1", "--"), "overlapping": ("C2", ":")}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
for name, (_, nll) in paths.items():
    colour, ls = styles[name]
    excess = np.maximum(nll[1:] - infimum[name], 1e-16)
    axes[0].loglog(steps, excess, color=colour, ls=ls, lw=2, label=name)
    axes[1].semilogx(steps, norms[name][1:], color=colour, ls=ls, lw=2, label=name)
late = steps >= 100
axes[0].loglog(
    steps[late], w_norm**2 / (eta * steps[late]), "k-", lw=0.8, label=r"$\|\hat w\|^2 / (\eta t)$"
)
anchor = norms["separated"][-1] - w_norm * np.log(n_steps)
axes[1].semilogx(
    steps[late],
    w_norm * np.log(steps[late]) + anchor,
    "k-",
    lw=0.8,
    label=r"$\|\hat w\| \log t$ + const (separated)",
)
axes[0].set(
    xlabel="gradient step t", ylabel="NLL − its infimum", title="the loss", ylim=(1e-12, 30)
)
axes[1].set(xlabel="gradient step t", ylabel=r"$\|\theta_t\|$", title="the size of the parameters")
axes[0].legend(fontsize=10, loc="lower left", frameon=True, facecolor="white")
axes[1].legend(fontsize=10, loc="upper left", frameon=True, facecolor="white")
save_figure(fig, "separation-gradient-descent-path")
plt.show()

decades = [10, 100, 1_000, 10_000, 100_000]
theta_sep, nll_sep = paths["separated"]
rho = theta_sep[decades] - np.outer(np.log(decades), w_hat)  # theta_t - w_hat log t
pd.DataFrame(
    {
        "NLL x eta t / |w_hat|^2": nll_sep[decades] * eta * np.array(decades) / w_norm**2,
        "|theta_t| (separated)": norms["separated"][decades],
        "rho_t = theta_t - w_hat log t": [np.array2string(r, precision=2) for r in rho],
        "1 - cos(theta_t, w_hat)": 1
        - theta_sep[decades] @ w_hat / (norms["separated"][decades] * w_norm),
        "bias (quasi)": paths["quasi-separated"][0][decades, 0],
        "NLL - 2 log 2 (quasi)": paths["quasi-separated"][1][decades] - 2 * np.log(2),
    },
    index=pd.Index(decades, name="step t"),
).map(lambda v: v if isinstance(v, str) else f"{v:.3g}")

# %% [markdown]
# The table shows the asymptotics arriving slowly: $\eta t \cdot \mathrm{NLL} / \lVert\hat
# w\rVert^2$ rises towards 1, and $\rho_t$ changes less in each decade, as it settles to its
# bounded limit; meanwhile the direction of $\theta_t$ is $\hat w$'s to $1 - \cos$ of order
# $10^{-5}$ from $t = 10^3$ on, with no visible progress after that: the angle to $\hat w$
# shrinks only like $1/\log t$ (Soudry et al. 2018), too slowly to see over two decades. How
# fast depends on the data: a point whose margin under $\hat w$ is
# $1 + \delta$ fades relative to the support vectors only like $t^{-\delta}$.
#
# In the right panel the quasi-separated norm grows faster late on. Its tied points hold the bias
# near 0, so it escapes along the slope alone, at the rate $\lVert\hat w_0\rVert \log t$ of the
# max-margin direction with zero bias, and a minimum norm under one more constraint is at least
# $\lVert\hat w\rVert$. Early on the two paths nearly coincide: at bias 0 the two tied points'
# gradients cancel.

# %% tags=["hide-input"]
# Check: the two predictions, in forms a wrong rate would fail. (1) rho_t: its change per
# decade shrinks (under any power-law growth t^a of theta_t the change would grow by 10^a per
# decade; this cannot tell a bounded rho_t from log log t growth). (2) eta t NLL / |w_hat|^2 rises towards 1 from below (for NLL ~ t^-a with a < 1
# it would grow past 1; for a > 1 it would fall). The direction's 1/log t rate is shown, not
# asserted: its constant depends on the data.
rho_steps = np.linalg.norm(np.diff(rho, axis=0), axis=1)
assert np.all(np.diff(rho_steps) < 0), rho_steps
ratio = nll_sep[decades] * eta * np.array(decades) / w_norm**2
assert np.all(np.diff(ratio) > 0) and ratio[-1] < 1
assert np.all(np.diff(nll_sep) < 0) and np.all(np.diff(norms["separated"][10:]) > 0)
# the gradient vanishes all the same
grad = ce.SoftmaxRegressionLoss(*data["separated"]).loss_gradient
assert np.linalg.norm(grad(theta_sep[-1])[1]) < 1e-2 * np.linalg.norm(grad(theta_sep[0])[1])
# quasi-separated: the loss goes to 2 log 2 from above; the slope grows at every decade; the
# bias, which may cross 0 on the way, ends below a tenth of its largest excursion (a bias that
# did not converge would stay of that size)
theta_q, nll_q = paths["quasi-separated"]
assert np.all(nll_q > 2 * np.log(2)) and np.all(np.diff(nll_q) < 0)
assert np.all(np.diff(theta_q[decades, 1]) > 0)
assert abs(theta_q[-1, 0]) < 0.1 * np.abs(theta_q[:, 0]).max()
# overlapping: the iterates converge to the MLE
assert np.allclose(
    paths["overlapping"][0][-1], ce.pack_params(fit_ovl.weights, fit_ovl.bias), atol=1e-6
)

# %% [markdown]
# ### The flat-prior posterior is improper
#
# Under a flat prior the posterior is the likelihood, renormalised, and under separation that
# is impossible. Moving any $\theta$ along $D$ never lowers a margin, so the likelihood at
# $\theta + t D$ is at least that at $\theta$ for every $t \ge 0$: over the half-cylinder
# swept by a small ball moved along $D$ the likelihood stays above a positive number, and its
# integral is infinite, under complete and quasi-complete separation alike. NUTS (PyMC's
# Hamiltonian Monte Carlo sampler, notebook 04), run briefly on four chains of 100 tuning steps
# and 100 draws, with at most 63 leapfrog steps per draw (`max_treedepth=6`, and the same for the
# tuning steps, `early_max_treedepth=6`, where PyMC 6.4's default is 8), shows what happens to a
# sampler aimed at it. In every chain the median draw of the slope is hundreds of times the
# overlapping data's MLE or more, and the chains disagree: $\hat R$ (the ratio of the spread of
# all chains' draws to the spread within each chain, rank-normalised; 1 when the chains sample
# one distribution) is far above 1. No chain has anywhere to settle.

# %%
sep_flat = ce.softmax_regression_model(*data["separated"], prior="flat")
with sep_flat, ce.capture_sampler_messages():
    dt_flat = pm.sample(
        draws=100,
        tune=100,
        max_treedepth=6,
        early_max_treedepth=6,
        var_names=["W_free", "b_free"],
        **SAMPLE_KW,
    )
w_flat = dt_flat.posterior.to_dataset()["W_free"].values[..., 0, 0]
at_cap = float(dt_flat.sample_stats.to_dataset()["reached_max_treedepth"].mean())
chain_medians = np.median(w_flat, axis=1)
rhat_flat = float(az.rhat(dt_flat).to_dataset()["W_free"].max())
print(
    f"slope draws: median per chain {np.array2string(chain_medians, precision=2)}; R-hat {rhat_flat:.2f}"
)
print(
    f"draws at the tree-depth cap {at_cap:.0%}; slope MLE, overlapping data {fit_ovl.weights[1, 0]:.2f}"
)

# %% tags=["hide-input"]
# Check (a qualitative demonstration: no theory gives these thresholds): every chain's median
# slope is far beyond the overlapping data's MLE (10 times), and R-hat is far from 1 (above
# 1.1). Converged chains on a proper posterior like the overlapping data's would have medians
# near its MLE and an R-hat within ~0.01 of 1.
assert np.all(chain_medians > 10 * fit_ovl.weights[1, 0]) and rhat_flat > 1.1

# %% [markdown]
# ## 3. Priors as regularisers
#
# Since $-\log \mathcal N(w; 0, \sigma^2) = w^2 / (2\sigma^2) + \text{const}$, independent
# $\mathcal N(0, \sigma^2)$ priors on the weights and $\mathcal N(0, \sigma_b^2)$ on the
# biases of the free rows $k = 1, \dots, K - 1$ of the pivot parametrisation give the negative
# log posterior
#
# $$
# -\log p(\theta \mid \mathcal D) = \sum_{i=1}^N H\big(h_i, q_\theta(x_i)\big)
#   + \frac{1}{2\sigma^2} \sum_{k=1}^{K-1} \lVert W_k \rVert^2
#   + \frac{1}{2\sigma_b^2} \sum_{k=1}^{K-1} b_k^2 + \text{const},
# $$
#
# with $h_i$ the one-hot vector of label $y_i$: the summed cross entropy plus an L2 penalty. The
# MAP (maximum a posteriori estimate, the posterior mode) is the L2-regularised cross-entropy
# minimiser, `ce.fit_l2(X, y, sigma, bias_sigma=sigma_b)`. The limit $\sigma_b \to \infty$ is a
# flat prior on the biases (unpenalised intercepts). When does it help?
#
# * **Normal priors on all parameters**: the likelihood is at most 1 and the prior proper, so
#   the posterior is proper; the NLL is convex and the penalty strictly convex and unbounded in
#   every direction, so the MAP exists and is unique, whatever the data. Propriety needs only a
#   proper prior, but uniqueness needs a log-concave one: under a Cauchy prior (not log-concave)
#   the log posterior can have several modes, and a proper prior with an unbounded density can
#   have no mode at all.
# * **Normal weights, flat biases, pivot parametrisation**: the same holds when *every class has
#   at least one observation*. A class with no observations has a likelihood that keeps rising
#   as its bias goes to $-\infty$, unpenalised: no MAP, an improper posterior, and `ce.fit_l2`
#   raises `SeparationError`. In the symmetric parametrisation (a free row for every class, as in
#   notebook 04 and scikit-learn) flat biases are never enough: their common shift stays flat,
#   the posterior is improper and the MAP's intercepts are unique only up to that shift.

# %%
X_empty, y_empty = data["separated"][0], np.zeros(20, dtype=int)  # K = 2, class 1 never seen
try:
    ce.fit_l2(X_empty, y_empty, 1.0, n_classes=2)
    raised = False
except ce.SeparationError as err:
    raised = True
    print("flat biases:", err)
with_bias_prior = ce.fit_l2(X_empty, y_empty, 1.0, n_classes=2, bias_sigma=1.0)
print(f"N(0, 1) biases: b_1 = {with_bias_prior.bias[1]:.3f}, converged {with_bias_prior.converged}")

# %% tags=["hide-input"]
# Check: fit_l2 raised for flat biases, and converged with the bias prior.
assert raised and with_bias_prior.converged

# %% [markdown]
# ### The model in PyMC
#
# The separated data with $\mathcal N(0, 2^2)$ priors on the slope and the bias of class 1
# (class 0 is the pivot), written out; `ce.softmax_regression_model(X, y, prior=2.0)` builds
# the same.

# %%
sigma = 2.0
X_sep = data["separated"][0]
coords = {"obs": np.arange(20), "class": [0, 1], "class_free": [1], "feature": ["x0"]}
with pm.Model(coords=coords) as sep_normal:
    X_data = pm.Data("X", X_sep, dims=("obs", "feature"))
    y_data = pm.Data("y", y_sep, dims="obs")
    W_free = pm.Normal("W_free", 0.0, sigma, dims=("class_free", "feature"))
    b_free = pm.Normal("b_free", 0.0, sigma, dims="class_free")
    z = pm.math.concatenate([pm.math.zeros((20, 1)), X_data @ W_free.T + b_free], axis=1)
    logits = pm.Deterministic("logits", z, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=logits, observed=y_data, dims="obs")
pm.model_to_graphviz(sep_normal)

# %% tags=["hide-input"]
# Check: the same log density as the library's builder at random points (~1e-12 relative).
library_model = ce.softmax_regression_model(X_sep, y_sep, prior=sigma)
logp_a, logp_b = sep_normal.compile_logp(), library_model.compile_logp()
for _ in range(5):
    point = {"W_free": rng.normal(0, 3, size=(1, 1)), "b_free": rng.normal(0, 3, size=1)}
    assert np.isclose(logp_a(point), logp_b(point), rtol=1e-12)

# %% [markdown]
# Its MAP, found by PyMC's optimiser (`ce.fit_map`), is the L2-penalised minimiser of
# `ce.fit_l2`. The posterior adds what a point cannot. Because the slope's marginal posterior
# is one-dimensional it can also be computed without sampling, by quadrature over a grid of
# $(w, b)$, which checks the draws. The data rule out small slopes, but for large slopes the
# likelihood, averaged over the bias prior, rises towards 1 (a perfect fit) and stops
# discriminating. That holds here because the gap between the classes straddles $x = 0$
# ($x_- < 0 < x_+$, with $x_+$ the smallest $x$ of class 1 and $x_-$ the largest of class 0):
# the biases that fit perfectly, $-w x_+ < b < -w x_-$, then stay where the bias prior has mass.
# With all $x > 0$ that interval would move to $-\infty$ as $w$ grows, and the averaged
# likelihood would rise and then fall to 0. The slope's posterior is its prior times this average likelihood (right
# panel) divided by a constant, so the posterior's upper tail is the prior's tail times a
# factor that rises to a limit, and only the prior bounds the slope from above. The data do
# inform the slope: they rule out small and negative slopes, so the posterior sd is smaller
# than the prior's. The posterior mean lies to the right of the MAP; these
# are different objects (the MAP is the joint mode of $(w, b)$, the mean is marginal), and
# under a skewed posterior they differ.

# %%
map_pymc = ce.fit_map(sep_normal)
map_l2 = ce.fit_l2(X_sep, y_sep, sigma, bias_sigma=sigma)
with sep_normal, ce.capture_sampler_messages():
    dt_sep = pm.sample(draws=DRAWS, tune=DRAWS, var_names=["W_free", "b_free"], **SAMPLE_KW)
w_post = dt_sep.posterior.to_dataset()["W_free"].sel(class_free=1, feature="x0")
w_map = map_l2.weights[1, 0]
lo, hi = np.quantile(w_post, [0.03, 0.97])
print(
    f"MAP slope: PyMC {map_pymc.weights[1, 0]:.6f}, fit_l2 {w_map:.6f}; posterior mean "
    f"{float(w_post.mean()):.2f}, sd {float(w_post.std()):.2f} (prior sd {sigma:g}), "
    f"94% equal-tailed interval [{lo:.2f}, {hi:.2f}]"
)

# the marginal posterior of the slope by quadrature: sum the joint density over a grid of b
w_grid, b_grid = np.linspace(-4, 20, 601), np.linspace(-5 * sigma, 5 * sigma, 401)
Wg, Bg = np.meshgrid(w_grid, b_grid, indexing="ij")
W_q = np.zeros((Wg.size, 2, 1))
W_q[:, 1, 0] = Wg.ravel()
b_q = np.column_stack([np.zeros(Wg.size), Bg.ravel()])
lik = np.exp(ce.log_likelihood_grid(X_sep, y_sep, W_q, b_q).reshape(Wg.shape))
dw, db = w_grid[1] - w_grid[0], b_grid[1] - b_grid[0]
prior_pdf = np.exp(-(w_grid**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
bias_prior = np.exp(-(b_grid**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
avg_lik = lik @ bias_prior * db  # the likelihood at slope w, averaged over the bias prior
post_pdf = prior_pdf * avg_lik / np.sum(prior_pdf * avg_lik * dw)
quad_mean = np.sum(w_grid * post_pdf) * dw
quad_sd = np.sqrt(np.sum((w_grid - quad_mean) ** 2 * post_pdf) * dw)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
axes[0].hist(
    w_post.values.ravel(), bins=60, density=True, alpha=0.5, label="posterior draws (NUTS)"
)
axes[0].plot(w_grid, post_pdf, "C0", lw=2, label="posterior (quadrature)")
axes[0].plot(w_grid, prior_pdf, "k:", lw=2, label=f"prior N(0, {sigma:g}²)")
axes[0].axvline(w_map, color="C3", lw=2, label="MAP (joint mode) = L2 minimiser")
axes[0].axvline(float(w_post.mean()), color="C1", lw=2, ls="--", label="posterior mean")
axes[0].set(xlabel="slope w", ylabel="density", title="Separated data, normal prior", xlim=(-1, 12))
axes[0].legend(fontsize=10, loc="upper right", frameon=True, facecolor="white")
axes[1].semilogy(w_grid, avg_lik, "C0", lw=2)
axes[1].axhline(1, color="k", ls=":", lw=1, label="1: a perfect fit")
axes[1].set(
    xlabel="slope w",
    ylabel="likelihood averaged over b",
    title="posterior / prior, up to a constant",
    xlim=(-1, 20),
    ylim=(1e-4, 2),
)
axes[1].legend(fontsize=10, loc="lower right", frameon=True, facecolor="white")
save_figure(fig, "separated-posterior-normal-prior")
plt.show()

# %% tags=["hide-input"]
# Check: sampler diagnostics (R-hat < 1.01, bulk ESS > 400, no divergences, as in notebook 04).
# The two MAPs: the penalised objective is (1/sigma^2)-strongly convex (convex NLL plus the
# penalty), so each is within sigma^2 |gradient| of the true minimiser. The draws against the
# quadrature: mean and sd within 4 Monte Carlo s.e. (az.mcse; the grid's error, ~1e-4, is far
# smaller). The mean lies right of the MAP by more than 5 s.e. The averaged likelihood rises
# with w > 0 and is above 0.9 by w = 20 (quadrature, deterministic).
assert float(az.rhat(dt_sep).to_dataset().to_array().max()) < 1.01
assert float(az.ess(dt_sep).to_dataset().to_array().min()) > 400
assert int(dt_sep.sample_stats.to_dataset()["diverging"].sum()) == 0
penalised = ce.SoftmaxRegressionLoss(X_sep, y_sep).loss_gradient
thetas = [ce.pack_params(f.weights, f.bias) for f in (map_pymc, map_l2)]
grad_norms = [np.linalg.norm(penalised(t)[1] + t / sigma**2) for t in thetas]
assert np.linalg.norm(thetas[0] - thetas[1]) <= sigma**2 * sum(grad_norms)
mean_se, sd_se = float(az.mcse(w_post)), float(az.mcse(w_post, method="sd"))
assert (
    abs(float(w_post.mean()) - quad_mean) < 4 * mean_se
    and abs(float(w_post.std()) - quad_sd) < 4 * sd_se
)
assert float(w_post.mean()) - w_map > 5 * mean_se
assert np.all(np.diff(avg_lik[w_grid > 0]) > 0) and 0.9 < avg_lik[-1] <= 1
assert float(w_post.std()) < sigma

# %% [markdown]
# ### scikit-learn's `LogisticRegression` is the same MAP, for its own prior
#
# scikit-learn minimises $C \sum_i H_i + \tfrac12 \sum_k \lVert W_k \rVert^2$, with unpenalised
# intercepts for the solvers used here (`newton-cholesky`, also `lbfgs`; `liblinear` penalises
# the intercept as one more weight). Dividing by $C$ shows the one line to remember:
# $C = \sigma^2$ gives the minimiser of the flat-bias objective above. For
# two classes it fits one row of weights, the log-odds of class 1 against class 0: the pivot
# parametrisation, so it matches `ce.fit_l2(X, y, sigma)`. For $K \ge 3$ it penalises all $K$
# rows (the symmetric parametrisation): a normal prior on every row of the over-parametrised
# model of notebook 04 (the intercepts' common shift stays free and changes nothing). That
# matches `ce.fit_l2(..., parametrisation="symmetric")`, and it is a different prior from
# independent normals on the $K - 1$ pivot rows. In steps, for one feature: the penalty
# $\sum_{k=0}^{K-1} (W_k + c)^2$ is smallest at $c = -\bar W$, where it is
# $\sum_k (W_k - \bar W)^2$; written in the contrasts $V_k = W_k - W_0$, $k = 1, \dots, K - 1$,
# this is $V^\top (I - J/K) V$ with $J$ the all-ones matrix. A quadratic form with matrix
# $(I - J/K)/\sigma^2$ is a normal prior with covariance $\sigma^2 (I - J/K)^{-1} = \sigma^2 (I +
# J)$ (check by multiplying: $J^2 = (K - 1) J$). So each contrast has variance $2\sigma^2$ and
# any two have correlation $\tfrac12$, where the pivot prior has variance $\sigma^2$ and no
# correlation. Different priors, different MAPs.

# %%
sk_data = {
    2: ce.simulate(150, np.array([[0.0, 0.0], [1.2, -0.8]]), np.array([0.0, 0.4]), rng),
    3: ce.simulate(
        150, np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]]), np.array([0.0, 0.5, -0.5]), rng
    ),
}
rows = []
for K_sk, (X_sk, y_sk, _) in sk_data.items():
    for s_ in (0.1, 0.5, 2.0):
        clf = LogisticRegression(C=s_**2, solver="newton-cholesky", tol=1e-12, max_iter=1_000)
        clf.fit(X_sk, y_sk)
        # binary: one row, the log-odds of class 1 (pivot order); multinomial: all K rows
        theta_sk = np.r_[clf.intercept_, clf.coef_[0]]
        if K_sk > 2:
            theta_sk = ce.pack_params(clf.coef_, clf.intercept_)
        row = {"K": K_sk, "sigma": s_}
        for par in ("pivot", "symmetric"):
            fit = ce.fit_l2(X_sk, y_sk, s_, parametrisation=par)
            row[f"max |sklearn - fit_l2 {par}|"] = np.abs(
                theta_sk - ce.pack_params(fit.weights, fit.bias)
            ).max()
        rows.append(row)
sk_table = pd.DataFrame(rows).set_index(["K", "sigma"])
sk_table.map(lambda v: f"{v:.1e}")

# %% tags=["hide-input"]
# Check: scikit-learn is the pivot MAP for K = 2 and the symmetric MAP for K = 3 (agreement to
# two exact Newton solvers at tol 1e-12, < 1e-8); the other parametrisation differs by > 1e-3.
assert (sk_table.loc[2, "max |sklearn - fit_l2 pivot|"] < 1e-8).all()
assert (sk_table.loc[3, "max |sklearn - fit_l2 symmetric|"] < 1e-8).all()
assert (sk_table.loc[2, "max |sklearn - fit_l2 symmetric|"] > 1e-3).all()
assert (sk_table.loc[3, "max |sklearn - fit_l2 pivot|"] > 1e-3).all()
# the symmetric MAP is the pivot MAP under the prior N(0, sigma^2 (I + J)) on the contrasts of
# each feature: minimised here directly (BFGS, gradient to 1e-10), not by the library's fitter
X_3, y_3, _ = sk_data[3]
s_ = 0.5
precision = np.linalg.inv(s_**2 * (np.eye(2) + np.ones((2, 2))))
nll_3 = ce.SoftmaxRegressionLoss(X_3, y_3, 3).loss_gradient


def correlated_prior_objective(theta):
    value, grad = nll_3(theta)
    V = theta.reshape(2, 3)[:, 1:]  # contrasts of classes 1, 2 (rows) for each feature
    grad = grad.reshape(2, 3).copy()
    grad[:, 1:] += precision @ V
    return value + 0.5 * np.sum(V * (precision @ V)), grad.ravel()


theta_corr = optimize.minimize(
    correlated_prior_objective, np.zeros(6), jac=True, method="BFGS", options={"gtol": 1e-10}
).x
sym = ce.fit_l2(X_3, y_3, s_, parametrisation="symmetric")
assert np.abs(theta_corr - ce.pack_params(sym.weights, sym.bias)).max() < 1e-6

# %% [markdown]
# ### On separated data the MAP exists, and follows the escaping direction as the prior fades
#
# With $\mathcal N(0, \sigma^2)$ priors on both the slope and the bias the MAP exists on the
# separated data for every $\sigma$. As $\sigma$ grows the penalty fades: on the overlapping
# data the MAP converges to the MLE; on the separated data its norm keeps growing and its
# direction approaches the maximum-margin direction $\hat w$ that gradient descent followed
# (Rosset, Zhu and Hastie 2004). Balancing the loss of the support vectors,
# $\approx e^{-\lVert\theta\rVert / \lVert\hat w\rVert}$, against the penalty
# $\lVert\theta\rVert^2 / (2\sigma^2)$ gives $\lVert\hat\theta_\sigma\rVert \approx \lVert\hat
# w\rVert (2 \log\sigma - \log\log\sigma) + \text{const}$: a slope in $\log\sigma$ that
# approaches $2\lVert\hat w\rVert$ slowly, from below. The direction converges even more slowly:
# the angle to $\hat w$ shrinks like $1/\log\sigma$, and on these data it can overshoot first,
# crossing 0 (right panel), before it settles.

# %%
prior_scales = np.geomspace(0.1, 1_000, 25)
map_path = {
    name: np.array(
        [
            ce.pack_params(f.weights, f.bias)
            for f in (ce.fit_l2(*data[name], s_, bias_sigma=s_) for s_ in prior_scales)
        ]
    )
    for name in ("separated", "overlapping")
}
norm_sep = np.linalg.norm(map_path["separated"], axis=1)
one_minus_cos = 1 - map_path["separated"] @ w_hat / (norm_sep * w_norm)
cross = w_hat[0] * map_path["separated"][:, 1] - w_hat[1] * map_path["separated"][:, 0]
angle = np.degrees(np.arctan2(cross, map_path["separated"] @ w_hat))  # signed, in degrees
theta_mle = ce.pack_params(fit_ovl.weights, fit_ovl.bias)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
for (name, path), colour in zip(map_path.items(), ("C0", "C2"), strict=True):
    axes[0].semilogx(
        prior_scales, np.linalg.norm(path, axis=1), "o-", color=colour, ms=4, label=f"MAP, {name}"
    )
axes[0].axhline(np.linalg.norm(theta_mle), color="C2", ls=":", label="MLE, overlapping")
big = prior_scales >= 10
ref = 2 * w_norm * np.log(prior_scales[big])
axes[0].semilogx(
    prior_scales[big],
    ref - ref[-1] + norm_sep[-1],
    "k-",
    lw=0.8,
    label=r"slope $2\|\hat w\| \log\sigma$",
)
axes[0].set(
    xlabel=r"prior scale $\sigma$ (weaker prior to the right)",
    ylabel=r"$\|\hat\theta_\sigma\|$",
    title="the size of the MAP",
)
axes[0].legend(fontsize=10, loc="upper left", frameon=True, facecolor="white")
axes[1].semilogx(prior_scales, angle, "o-", color="C0", ms=4)
axes[1].axhline(0, color="k", lw=0.8)
axes[1].set(
    xlabel=r"prior scale $\sigma$",
    ylabel=r"signed angle from $\hat w$ (degrees)",
    title="its direction, separated data",
)
save_figure(fig, "map-norm-vs-prior-scale")
plt.show()
print(f"sigma = 1000: angle {angle[-1]:.2f} degrees, 1 - cos = {one_minus_cos[-1]:.1e}")

# %% tags=["hide-input"]
# Check: the separated MAP's norm grows at every step of sigma; for sigma >= 10, where the
# log sigma - log log sigma argument applies, its slope in log sigma rises and stays below
# 2 |w_hat| (d/dlog sigma of 2 log sigma - log log sigma = 2 - 1/log sigma).
# The overlapping MAP at sigma = 1000 is the MLE shrunk by the first-order shift
# delta = H^-1 theta_MLE / sigma^2 (H the NLL's Hessian): what is left is second order,
# ~|delta|^2 ~1e-10, plus the solvers' errors (~1e-9): tolerance 100 |delta|^2 + 1e-9 (~1.5e-8),
# which a first-order shift wrong by 0.2 % of |delta| would exceed.
slope = np.diff(norm_sep) / np.diff(np.log(prior_scales))
assert np.all(slope > 0) and np.all(np.diff(slope[big[1:]]) > 0) and slope[-1] < 2 * w_norm
H_ovl = ce.nll_hessian(*data["overlapping"], fit_ovl.weights, fit_ovl.bias)
delta = np.linalg.solve(H_ovl, theta_mle) / prior_scales[-1] ** 2
resid = np.linalg.norm(map_path["overlapping"][-1] - theta_mle + delta)
print(f"|delta| = {np.linalg.norm(delta):.1e}, second-order residual {resid:.1e}")
assert resid < 100 * np.linalg.norm(delta) ** 2 + 1e-9

# %% [markdown]
# ## What it means
#
# Under separation the cross entropy has an infimum that no finite parameter attains: 0 under
# complete separation, a positive number under quasi-complete separation. Optimisers then run
# off to infinity: under complete separation gradient descent (with a small enough fixed step)
# follows the maximum-margin direction at a rate of $\log t$; under quasi-complete separation it
# diverges along the separable part only. `fit_cross_entropy` raises `SeparationError`, and the
# flat-prior posterior is improper. A fitter that does not check returns large coefficients
# with huge Wald standard errors, the usual practical symptom. A normal prior makes the MAP the
# L2-penalised cross-entropy minimiser, which exists and is unique for any data once every
# parameter has a normal prior, or, in the pivot parametrisation, the biases are flat and
# every class is observed. Which rows the prior is put on is part of the model: scikit-learn's multinomial
# penalty is a prior on all $K$ rows, not on the $K - 1$ free rows of the pivot. Other cures
# exist: Firth's penalty (the Jeffreys prior) gives finite estimates under separation (Firth
# 1993; Heinze and Schemper 2002), and weakly informative Cauchy priors on standardised inputs
# were proposed as a default for logistic regression (Gelman et al. 2008). Under a proper
# prior the posterior, unlike the MAP, also reports how little separated data say about the
# size of the slope.

# %% [markdown]
# ## Exercises
#
# **1 (easy).** Add a second class-1 point at $x = 0$ to the quasi-separated data, so that three
# points tie there: one of class 0, two of class 1. Complete or quasi-complete separation? What
# is the infimum of the NLL now, and where does the bias go while the slope runs off? (Hint: at
# $x = 0$ the slope does nothing, so only the tied points see the bias once the slope is large.)

# %% [markdown]
# :::{dropdown} Solution
# Still quasi-complete: the direction $D = (0, 1)$ (slope only) gives every point a margin
# $\ge 0$, the three tied points exactly 0, and no direction can separate points that share an
# $x$. The tied points see only the bias: with $q = \sigma(b)$ they cost
# $-2 \log q - \log(1 - q)$, smallest at $q = \tfrac23$, $b = \log 2$, where it equals
# $3 \log 3 - 2 \log 2 \approx 1.910$, three times the entropy $H(\tfrac13, \tfrac23)$ of the
# labels at $x = 0$. The other points' loss tends to 0 as the slope grows at any fixed bias, so the
# infimum is $3 H(\tfrac13, \tfrac23)$, approached with $b \to \log 2$ and $w \to \infty$. With
# one point of each class the same argument gives $2 H(\tfrac12, \tfrac12) = 2 \log 2$, the limit
# of section 1: the tied points are fitted by their empirical distribution, whose cross entropy
# with itself is its entropy.
# :::

# %% tags=["hide-cell"]
# Check: the library finds quasi-complete separation; at slope 200 the best bias is log 2 (a
# bounded scalar search resolves it to ~1e-7) and the NLL there is 3 H(1/3, 2/3) up to the
# untied points' loss, below 20 e^{-(200 * 0.2 - log 2)} ~ 1e-16 because every |x| >= 0.2.
x_tie, y_tie = np.r_[x_quasi, 0.0], np.r_[y_quasi, 1]
try:
    ce.fit_cross_entropy(x_tie[:, None], y_tie)
    complete = None
except ce.SeparationError as err:
    complete = err.complete


def nll_tie(b, w=200.0):
    """NLL of the data with three tied points at slope w and bias b (class 0 the pivot)."""
    z = ce.linear_predictor(x_tie[:, None], np.array([[0.0], [w]]), np.array([0.0, b]))
    return ce.negative_log_likelihood(y_tie, z)


best = optimize.minimize_scalar(nll_tie, bounds=(-3, 3), method="bounded", options={"xatol": 1e-10})
limit = 3 * np.log(3) - 2 * np.log(2)
print(
    f"complete = {complete}; best bias {best.x:.6f} (log 2 = {np.log(2):.6f}); NLL {best.fun:.6f}"
)
assert complete is False and abs(best.x - np.log(2)) < 1e-6 and abs(best.fun - limit) < 1e-12

# %% [markdown]
# **2 (medium).** A fitter that does not check for separation stops somewhere on the
# gradient-descent path of section 2 and reports Wald standard errors from the Hessian there.
# On the separated data, predict how the standard error of the slope and its z-statistic
# $w_t / \mathrm{se}_t$ change with the number of steps $t$; check at $t = 10^2, \dots, 10^5$.
# The path is `theta_sep` (rows are steps), the data `X_sep`, `y_sep`; the Hessian is taken at
# $\theta_t$, which is not an MLE (there is none).

# %% [markdown]
# :::{dropdown} Solution
# The Hessian is $\sum_i q_i (1 - q_i)\, \tilde x_i \tilde x_i^\top$ with $q_i (1 - q_i) \approx
# e^{-m_i}$ at a large margin $m_i$. Along the path $\theta_t \approx \hat w \log t$, which gives
# the support vectors margins $\approx \log t$ (the max-margin direction gives them margin 1) and
# the other points larger ones, so the Hessian falls like $1/t$ and the standard errors grow like
# $\sqrt t$: by a factor per decade that approaches $\sqrt{10} \approx 3.16$ as $\rho_t$
# settles (here from below, because the points off the support still contribute, less each
# decade). The slope grows only like $\log t$, so its z-statistic falls towards 0. The
# longer the optimiser runs, the larger the estimate and the less significant it looks: a
# Hessian that vanishes faster than the estimate grows is also why Wald tests lose power for large
# effects in logistic regression (Hauck and Donner 1977).
# :::

# %% tags=["hide-cell"]
# Check, in forms a wrong rate would fail: the factor per decade rises, and in the last decade
# lies within 0.16 of sqrt 10 (a power law t^a gives 10^a, so a is pinned to 0.48-0.52); z falls at every
# decade and is below 1 from t = 10^4.
steps_se = [100, 1_000, 10_000, 100_000]
se_path = np.array(
    [ce.standard_errors(X_sep, y_sep, *ce.unpack_params(theta_sep[t], 2, 1))[1] for t in steps_se]
)
z_path = theta_sep[steps_se, 1] / se_path
growth = se_path[1:] / se_path[:-1]
assert np.all(np.diff(growth) > 0) and abs(growth[-1] - np.sqrt(10)) < 0.16, growth
assert np.all(np.diff(z_path) < 0) and np.all(z_path[2:] < 1), z_path
pd.DataFrame(
    {"slope w_t": theta_sep[steps_se, 1], "se_t": se_path, "z = w_t / se_t": z_path},
    index=pd.Index(steps_se, name="step t"),
).round(3)

# %% [markdown]
# **3 (harder).** Keep the $\mathcal N(0, 2^2)$ prior on the slope but make the bias flat (an
# unpenalised intercept, as in scikit-learn) on the separated data. Is the posterior proper? Work
# out $\int \mathcal L(w, b)\, db$ for a large slope $w$, in terms of the gap $g = x_+ - x_-$
# between the smallest $x$ of class 1, $x_+$, and the largest of class 0, $x_-$ (section 3's
# normal prior on the bias kept the perfect-fit biases within reach; a flat one does not need
# to), and what it says about a flat prior on the slope as well.

# %% [markdown]
# :::{dropdown} Solution
# At a fixed $w > 0$ every margin is positive exactly when $-w x_+ < b < -w x_-$, with $x_+$ the
# smallest $x$ of class 1 and $x_-$ the largest of class 0: an interval of length $w g$, where
# $g = x_+ - x_-$ is the gap. For large $w$ the likelihood is close to 1 inside it and falls off at
# each end like a logistic step $\sigma(u)$ of the point at that end, and
# $\int (\sigma(u) - \mathbb 1[u > 0])\, du = 0$: the ends add nothing. The next points lower it
# slightly near the ends; a single point at distance $\delta$ behind an end costs
# $\int \sigma(u)\, \sigma(-u - c)\, du = c / (e^c - 1)$ with $c = w \delta$, and several points
# cost at most the sum of theirs (a union bound). So $\int \mathcal L\, db = w g$ minus a deficit
# that vanishes exponentially in $w$ when the $x$ within each class are distinct ($\delta > 0$). It is finite
# for every $w$, because both classes are observed, and it grows only linearly, so the
# normaliser $\int \mathcal N(w; 0, 2^2) \int \mathcal L\, db\, dw$ is finite: the posterior is
# proper. Under a flat prior on the slope
# as well, $\int^\infty w g\, dw$ diverges: improper, as found above.
# :::

# %% tags=["hide-cell"]
# Check: at w = 200 the trapezoid rule (step 0.005 in b; its error is below 1e-4) gives
# w g minus a deficit between 0 and the bound sum_j c_j / (e^c_j - 1) over the points behind each
# end (both printed: a single point close behind an end nearly attains the bound).
w_big = 200.0
x_plus, x_minus = x_sep[y_sep == 1].min(), x_sep[y_sep == 0].max()
b_line = np.arange(-w_big * x_plus - 40, -w_big * x_minus + 40, 0.005)
W_line = np.zeros((b_line.size, 2, 1))
W_line[:, 1, 0] = w_big
b_pair = np.column_stack([np.zeros(b_line.size), b_line])
integral = np.trapezoid(np.exp(ce.log_likelihood_grid(X_sep, y_sep, W_line, b_pair)), b_line)
c_behind = w_big * np.r_[x_sep[y_sep == 1][1:] - x_plus, x_minus - x_sep[y_sep == 0][:-1]]
deficit_bound = np.sum(c_behind / np.expm1(c_behind))
print(
    f"gap g = {x_plus - x_minus:.4f}: integral / (w g) = {integral / (w_big * (x_plus - x_minus)):.6f}, "
    f"w g - integral = {w_big * (x_plus - x_minus) - integral:.6f} (bound {deficit_bound:.6f})"
)
assert -1e-4 < w_big * (x_plus - x_minus) - integral < deficit_bound + 1e-4

# %% [markdown]
# ## References
#
# * Albert, A. and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
#   logistic regression models. *Biometrika* 71(1), 1-10.
# * Soudry, D., Hoffer, E., Nacson, M. S., Gunasekar, S. and Srebro, N. (2018). The implicit
#   bias of gradient descent on separable data. *Journal of Machine Learning Research* 19(70),
#   1-57.
# * Ji, Z. and Telgarsky, M. (2019). The implicit bias of gradient descent on nonseparable
#   data. *Proceedings of the 32nd Conference on Learning Theory (COLT)*, PMLR 99, 1772-1798.
# * Rosset, S., Zhu, J. and Hastie, T. (2004). Boosting as a regularized path to a maximum
#   margin classifier. *Journal of Machine Learning Research* 5, 941-973.
#
# Further reading, cited above: Hauck, W. W. and Donner, A. (1977), Wald's test as applied to
# hypotheses in logit analysis, *Journal of the American Statistical Association* 72(360),
# 851-853; Candès, E. J. and Sur, P. (2020), The phase transition for the
# existence of the maximum likelihood estimate in high-dimensional logistic regression, *Annals
# of Statistics* 48(1), 27-42; Konis, K. (2007), *Linear programming algorithms for detecting
# separated data in binary logistic regression models*, DPhil thesis, University of Oxford;
# Firth, D. (1993), Bias reduction of maximum likelihood estimates, *Biometrika* 80(1), 27-38;
# Heinze, G. and Schemper, M. (2002), A solution to the problem of separation in logistic
# regression, *Statistics in Medicine* 21(16), 2409-2419; Gelman, A., Jakulin, A., Pittau, M. G.
# and Su, Y.-S. (2008), A weakly informative default prior distribution for logistic and other
# regression models, *Annals of Applied Statistics* 2(4), 1360-1383.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
