# %% [markdown]
# # Separation, and priors as regularisers
#
# Minimising the summed cross entropy finds the MLE only when there is one. Notebook 04 showed
# one way it fails, a ridge of equally good parameters. This notebook shows the other, common
# in small data sets and with many features: **separation**, where some direction in parameter
# space improves the fit of observations without ever worsening any, so the minimiser runs
# off to infinity. It then shows the standard cure, a proper prior, and what it means for the
# loss: a normal prior turns cross-entropy minimisation into L2-penalised minimisation.
#
# The idea in one equation. For two classes the log-odds of observation $i$ are
# $\eta_i = b + w^\top x_i$, and its cross entropy is $\log(1 + e^{-m_i})$ with the *margin*
# $m_i = (2 y_i - 1)\, \eta_i$. Along a direction $D = (d_b, d_w)$ the margins change by
# $t\, m_i(D)$:
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
from scipy import optimize
from sklearn.linear_model import LogisticRegression

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_605
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # fewer posterior draws; the data and every assert are the same
plt.style.use("arviz-variat")

DRAWS = 500 if FAST else 1_000
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
for name, (_, labels) in data.items():
    print(f"{name:>16}: {''.join(map(str, labels))}")

# %% [markdown]
# `ce.fit_cross_entropy` refuses to return a number when no MLE exists: it raises
# `SeparationError`, whose `.direction` is an escaping direction $D$ found by a linear
# program and `.complete` says which kind of separation it is. The direction maximises the
# smallest margin, so under complete separation all its margins are positive; under
# quasi-complete separation the tied points' margins are exactly zero.

# %%
errors, margins = {}, {}
for name, (X_, y_) in data.items():
    try:
        ce.fit_cross_entropy(X_, y_)
    except ce.SeparationError as err:
        errors[name], D = err, err.direction  # D: rows are classes, columns (bias, weight)
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
print(
    f"at t = {t_grid[-1]:.0f}: separated NLL {nll_ray['separated'][-1]:.2e}; "
    f"quasi-separated NLL {nll_ray['quasi-separated'][-1]:.6f}, 2 log 2 = {2 * np.log(2):.6f}"
)

# %% tags=["hide-input"]
# Check: the limits along the ray against bounds computed from the margins alone,
# log(1 + e^{-t m_min}) <= sum_i log(1 + e^{-t m_i}) <= N e^{-t m_min} (rounding: 1e-12 relative).
for name, limit, n_tied in (("separated", 0.0, 0), ("quasi-separated", 2 * np.log(2), 2)):
    m = margins[name]
    assert np.all(m >= -1e-12) and np.sum(m < 1e-12) == n_tied  # tied points: margin 0
    m_min = m[m > 1e-12].min()
    excess = nll_ray[name] - limit  # the tied points contribute the limit exactly
    assert np.all(np.log1p(np.exp(-t_grid * m_min)) <= excess * (1 + 1e-12) + 1e-15)
    assert np.all(excess <= m.size * np.exp(-t_grid * m_min) * (1 + 1e-12))
    assert errors[name].complete == (name == "separated")

# %% [markdown]
# ## 2. What an optimiser does: the NLL falls, the parameters run away
#
# Plain gradient descent with a fixed step small enough that every step lowers the NLL
# (`ce.gradient_descent_path`) makes the failure visible. On the overlapping data the iterates
# converge to the MLE. On the separated data the NLL falls towards 0 like $1/t$, and
# $\lVert\theta_t\rVert$ grows like $\log t$: Soudry et al. (2018) proved that
# $\theta_t = \hat w \log t + \rho_t$ with $\rho_t$ bounded for almost every data set
# (at worst $O(\log \log t)$), where $\hat w$ is the maximum-margin direction of the
# hard-margin support vector machine, $\hat w = \arg\min \lVert w \rVert$ subject to every
# margin $\ge 1$ (with the bias counted as a weight). On the quasi-separated data the NLL falls
# to $2 \log 2$ while $\lVert\theta_t\rVert$ keeps growing. A stopping rule on the size of the
# gradient cannot be trusted here: the gradient goes to zero but the parameters do not
# converge.

# %%
n_steps = 100_000
paths = {name: ce.gradient_descent_path(*data[name], n_steps=n_steps) for name in data}
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

steps = np.arange(1, n_steps + 1)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
for name, (_, nll) in paths.items():
    excess = np.maximum(nll[1:] - infimum[name], 1e-16)
    axes[0].loglog(steps, excess, label=name)
    axes[1].semilogx(steps, norms[name][1:], label=name)
ref = np.linalg.norm(w_hat) * np.log(steps)
axes[1].semilogx(
    steps,
    ref + norms["separated"][-1] - ref[-1],
    "k--",
    lw=1,
    label=r"$\|\hat w\| \log t$ + const (Soudry et al. 2018)",
)
axes[0].set(
    xlabel="gradient step t", ylabel="NLL − its infimum", title="the loss", ylim=(1e-12, 30)
)
axes[1].set(xlabel="gradient step t", ylabel=r"$\|\theta_t\|$", title="the size of the parameters")
axes[0].legend(fontsize=9, loc="lower left")
axes[1].legend(fontsize=9, loc="upper left")
save_figure(fig, "separation-gradient-descent-path")
plt.show()

decades = [100, 1_000, 10_000, 100_000]
pd.DataFrame(
    {
        "NLL (separated)": paths["separated"][1][decades],
        "||theta|| (separated)": norms["separated"][decades],
        "||theta|| / sqrt(t)": norms["separated"][decades] / np.sqrt(decades),
        "NLL - 2 log 2 (quasi-separated)": paths["quasi-separated"][1][decades] - 2 * np.log(2),
    },
    index=pd.Index(decades, name="step t"),
).round(4)

# %% tags=["hide-input"]
# Check: log t growth, in a way sqrt(t) growth would fail. Per decade of steps, log t growth adds
# a constant to ||theta_t|| (successive increments in ratio -> 1; sqrt(t): ratio sqrt(10) = 3.2)
# and makes ||theta_t|| / sqrt(t) fall by about sqrt(10) (sqrt(t): constant).
theta_sep, nll_sep = paths["separated"]
per_decade = np.diff(norms["separated"][decades])
print(
    f"increase per decade {per_decade.round(3)}; ||w_hat|| ln 10 = {np.linalg.norm(w_hat) * np.log(10):.3f}"
)
assert np.all(per_decade[1:] / per_decade[:-1] < 1.5)
assert np.all(np.diff(norms["separated"][decades] / np.sqrt(decades)) < 0)
assert np.all(
    norms["separated"][decades[1:]] / np.sqrt(decades[1:])
    < 0.7 * norms["separated"][decades[:-1]] / np.sqrt(decades[:-1])
)
# the last decade's increase is ||w_hat|| ln 10 within 15% (the O(1) term's drift, ~8% here)
assert 0.85 < per_decade[-1] / (np.linalg.norm(w_hat) * np.log(10)) < 1.15
# the direction is the max-margin one (cosine; 1 - cos ~ 1e-5 here)
assert theta_sep[-1] @ w_hat / (norms["separated"][-1] * np.linalg.norm(w_hat)) > 0.9999
# NLL like 1/t: t * NLL changes by under 10% over the last decade (1/sqrt(t): by sqrt(10))
assert 0.9 < (1e5 * nll_sep[100_000]) / (1e4 * nll_sep[10_000]) < 1.1
assert np.all(np.diff(nll_sep) < 0) and np.all(np.diff(norms["separated"][10:]) > 0)
# the gradient vanishes all the same
grad = ce.SoftmaxRegressionLoss(*data["separated"]).loss_gradient
assert np.linalg.norm(grad(theta_sep[-1])[1]) < 1e-2 * np.linalg.norm(grad(theta_sep[0])[1])
# quasi-separated: the loss goes to 2 log 2 from above, the norm keeps growing per decade
nll_q = paths["quasi-separated"][1]
assert np.all(nll_q > 2 * np.log(2)) and nll_q[-1] - 2 * np.log(2) < 1e-2
assert np.all(np.diff(norms["quasi-separated"][decades]) > 3)
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
# integral is infinite, under complete and quasi-complete separation alike. NUTS, run briefly
# with the tree depth capped at 6, shows what happens to a sampler aimed at it: the draws of
# the slope go off to magnitudes far beyond any value the overlapping data support.

# %%
sep_flat = ce.softmax_regression_model(*data["separated"], prior="flat")
with sep_flat, ce.capture_sampler_messages():
    dt_flat = pm.sample(draws=200, tune=200, max_treedepth=6, **SAMPLE_KW)
w_flat = dt_flat.posterior.to_dataset()["W_free"].values[..., 0, 0]
at_cap = float(dt_flat.sample_stats.to_dataset()["reached_max_treedepth"].mean())
print(f"slope draws: median {np.median(w_flat):.3g}; tree-depth cap hit by {at_cap:.0%}")
print(f"slope MLE on the overlapping data {fit_ovl.weights[1, 0]:.2f}")

# %% tags=["hide-input"]
# Check: one seeded run on an improper posterior; thresholds far from the values printed.
assert np.median(w_flat) > 100 * fit_ovl.weights[1, 0] and at_cap > 0.5

# %% [markdown]
# ## 3. Priors as regularisers
#
# For independent $\mathcal N(0, \sigma^2)$ priors on the weights and
# $\mathcal N(0, \sigma_b^2)$ on the biases, the negative log posterior is
#
# $$
# -\log p(\theta \mid \mathcal D) = \sum_{i=1}^N H\big(h_i, q_\theta(x_i)\big)
#   + \frac{1}{2\sigma^2} \sum_k \lVert W_k \rVert^2 + \frac{1}{2\sigma_b^2} \sum_k b_k^2
#   + \text{const},
# $$
#
# the summed cross entropy plus an L2 penalty: the MAP is the L2-regularised cross-entropy
# minimiser, `ce.fit_l2(X, y, sigma, bias_sigma=sigma_b)`. The limit $\sigma_b \to \infty$ is a
# flat prior on the biases (unpenalised intercepts, as in scikit-learn). When does it help?
#
# * **Proper priors on all parameters**: the likelihood is at most 1, so the posterior is
#   proper, and the penalised objective is strictly convex and grows without bound in every
#   direction, so the MAP exists and is unique, whatever the data.
# * **Normal weights, flat biases**: the same holds when *every class has at least one
#   observation*. A class with no observations has a likelihood that keeps rising as its bias
#   goes to $-\infty$, unpenalised: no MAP, an improper posterior, and `ce.fit_l2` raises
#   `SeparationError`.

# %%
X_empty, y_empty = data["separated"][0], np.zeros(20, dtype=int)  # K = 2, class 1 never seen
try:
    ce.fit_l2(X_empty, y_empty, 1.0, n_classes=2)
except ce.SeparationError as err:
    print("flat biases:", err)
with_bias_prior = ce.fit_l2(X_empty, y_empty, 1.0, n_classes=2, bias_sigma=1.0)
print(f"N(0, 1) biases: b_1 = {with_bias_prior.bias[1]:.3f}, converged {with_bias_prior.converged}")

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
# `ce.fit_l2`. The posterior adds what a point cannot: the data say only "the slope is large
# and positive", never how large, because for large slopes the likelihood is almost flat. So
# the posterior's upper tail follows the prior's: the posterior sd is more than half the
# prior's, the posterior mean lies to the right of the MAP, and the upper tail beyond the MAP
# is longer than the lower one.

# %%
map_pymc = ce.fit_map(sep_normal)
map_l2 = ce.fit_l2(X_sep, y_sep, sigma, bias_sigma=sigma)
with sep_normal, ce.capture_sampler_messages():
    dt_sep = pm.sample(draws=DRAWS, var_names=["W_free", "b_free"], **SAMPLE_KW)
w_post = dt_sep.posterior.to_dataset()["W_free"].sel(class_free=1, feature="x0")
w_map = map_l2.weights[1, 0]
lo, hi = np.quantile(w_post, [0.03, 0.97])
print(
    f"MAP slope: PyMC {map_pymc.weights[1, 0]:.5f}, fit_l2 {w_map:.5f}; posterior mean "
    f"{float(w_post.mean()):.2f}, sd {float(w_post.std()):.2f}, 94% interval [{lo:.2f}, {hi:.2f}]"
)

fig, ax = plt.subplots(figsize=(7, 4))
ax.hist(w_post.values.ravel(), bins=50, density=True, alpha=0.6, label="posterior draws")
grid_w = np.linspace(-1, 12, 300)
prior_pdf = np.exp(-(grid_w**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
ax.plot(grid_w, prior_pdf, "k:", label=f"prior N(0, {sigma:g}²)")
ax.axvline(w_map, color="C3", label="MAP = L2-penalised minimiser")
ax.set(xlabel="slope w", ylabel="density", title="Separated data, normal prior", xlim=(-1, 12))
ax.legend(fontsize=10, loc="upper right")
save_figure(fig, "separated-posterior-normal-prior")
plt.show()

# %% tags=["hide-input"]
# Check: sampler diagnostics (R-hat < 1.01, bulk ESS > 400, no divergences: R-hat is the
# rank-normalised between/within-chain spread ratio, ESS the number of independent draws with
# the same Monte Carlo error); the MAPs agree within the optimisers' tolerances (1e-8 on the
# mean gradient, curvature ~1: ~1e-7 in the slope); the mean lies right of the MAP by more than
# 5 Monte Carlo standard errors (MCSE, from the draws' own ESS); the upper tail is longer.
assert float(az.rhat(dt_sep).to_dataset().to_array().max()) < 1.01
assert float(az.ess(dt_sep).to_dataset().to_array().min()) > 400
assert int(dt_sep.sample_stats.to_dataset()["diverging"].sum()) == 0
assert abs(map_pymc.weights[1, 0] - w_map) < 1e-5 and abs(map_pymc.bias[1] - map_l2.bias[1]) < 1e-5
mcse = float(az.mcse(w_post))
assert float(w_post.mean()) - w_map > 5 * mcse and (hi - w_map) > 1.5 * (w_map - lo)
assert float(w_post.std()) > 0.5 * sigma  # the data left more than half the prior sd

# %% [markdown]
# ### scikit-learn's `LogisticRegression` is the same MAP, for its own prior
#
# scikit-learn minimises $C \sum_i H_i + \tfrac12 \sum_k \lVert W_k \rVert^2$ with unpenalised
# intercepts, which has the minimiser of the flat-bias objective above when $C = \sigma^2$. For
# two classes it fits one row of weights, the log-odds of class 1 against class 0: the pivot
# parametrisation, so it matches `ce.fit_l2(X, y, sigma)`. For $K \ge 3$ it penalises all $K$
# rows (the symmetric parametrisation): a normal prior on every row of the over-parametrised
# model of notebook 04 (the intercepts' common shift stays free and changes nothing). That matches `ce.fit_l2(..., parametrisation="symmetric")`, and it is
# a different prior from independent normals on the $K - 1$ pivot rows. Minimising
# $\sum_{k=0}^{K-1} \lVert W_k + c \rVert^2$ over the free shift $c$ leaves
# $V^\top (I - J/K) V$ in the contrasts $V_k = W_k - W_0$ ($J$ the all-ones matrix), a normal
# prior on the contrasts with covariance $\sigma^2 (I - J/K)^{-1} = \sigma^2 (I + J)$: variance
# $2\sigma^2$ and correlation $\tfrac12$, where the pivot prior has variance $\sigma^2$ and no
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
# data the MAP converges to the MLE; on the separated data its norm keeps growing, and its
# direction approaches the maximum-margin direction $\hat w$ that gradient descent followed.

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
fig, ax = plt.subplots(figsize=(7, 4))
for name, path in map_path.items():
    ax.semilogx(prior_scales, np.linalg.norm(path, axis=1), "o-", ms=4, label=f"MAP, {name}")
theta_mle = ce.pack_params(fit_ovl.weights, fit_ovl.bias)
ax.axhline(np.linalg.norm(theta_mle), color="C1", ls=":", label="MLE, overlapping")
ax.set(
    xlabel=r"prior scale $\sigma$ (weaker prior to the right)",
    ylabel=r"$\|\hat\theta_\sigma\|$",
    title="MAP under N(0, σ²) priors on the slope and the bias",
)
ax.legend(fontsize=10)
save_figure(fig, "map-norm-vs-prior-scale")
plt.show()

# %% tags=["hide-input"]
# Check: the separated MAP's norm grows at every step of sigma and its direction is w_hat's
# (cosine > 0.999 at sigma = 1000); the overlapping MAP reaches the MLE (shrinkage ~|theta| / (sigma^2 x curvature) ~1e-5).
norm_sep = np.linalg.norm(map_path["separated"], axis=1)
assert np.all(np.diff(norm_sep) > 0)
assert map_path["separated"][-1] @ w_hat / (norm_sep[-1] * np.linalg.norm(w_hat)) > 0.999
assert np.allclose(map_path["overlapping"][-1], theta_mle, atol=1e-4)

# %% [markdown]
# ## What it means
#
# Under separation the cross entropy has an infimum that no finite parameter attains: 0 under
# complete separation, a positive number under quasi-complete separation. Optimisers then run
# off to infinity, gradient descent along the maximum-margin direction at a rate of $\log t$,
# `fit_cross_entropy` raises `SeparationError`, and the flat-prior posterior is improper. A
# normal prior makes the MAP the L2-penalised cross-entropy minimiser, which exists for any
# data once every parameter has a proper prior, or the biases are flat and every class is
# observed. Which rows the prior is put on is part of the model: scikit-learn's multinomial
# penalty is a prior on all $K$ rows, not on the $K - 1$ free rows of the pivot. Other cures
# exist: Firth's penalty (the Jeffreys prior) gives finite estimates under separation (Firth
# 1993; Heinze and Schemper 2002), and weakly informative Cauchy priors on standardised inputs
# were proposed as a default for logistic regression (Gelman et al. 2008). Under a proper
# prior the posterior, unlike the MAP, also reports how little separated data say about the
# size of the slope.
#
# ## References
#
# * Albert, A. and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
#   logistic regression models. *Biometrika* 71(1), 1-10.
# * Soudry, D., Hoffer, E., Nacson, M. S., Gunasekar, S. and Srebro, N. (2018). The implicit
#   bias of gradient descent on separable data. *Journal of Machine Learning Research* 19(70),
#   1-57.
# * Firth, D. (1993). Bias reduction of maximum likelihood estimates. *Biometrika* 80(1), 27-38.
# * Heinze, G. and Schemper, M. (2002). A solution to the problem of separation in logistic
#   regression. *Statistics in Medicine* 21(16), 2409-2419.
# * Gelman, A., Jakulin, A., Pittau, M. G. and Su, Y.-S. (2008). A weakly informative default
#   prior distribution for logistic and other regression models. *Annals of Applied
#   Statistics* 2(4), 1360-1383.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
