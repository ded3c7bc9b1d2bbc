# %% [markdown]
# # Scoring rules: why cross entropy and not squared error
#
# The earlier notebooks showed that minimising the summed cross entropy *is* maximum
# likelihood. That answers where the loss comes from, but not why one should prefer it. A label
# is a one-hot vector $h$ and a prediction is a probability vector $q$, so any measure of the
# distance between the two could serve as a loss. The most obvious is the squared error
# $\lVert q - h \rVert^2$, known for probability forecasts as the **Brier score**; and one can go
# further and drop the softmax altogether, regressing the one-hot labels on the features by
# least squares, the **linear probability model**.
#
# This notebook puts the three side by side on data from the generative process:
#
# 1. what a *proper* scoring rule is, and why the log score and the Brier score are strictly
#    proper while the absolute error is not;
# 2. the decomposition of the expected negative log-likelihood into an entropy, which no model
#    can remove, and a Kullback–Leibler divergence, which measures how far the model is from the
#    truth;
# 3. what the three fits converge to: the two softmax fits pass a calibration test, the linear
#    probability model fails it, and accuracy shows the differences only faintly;
# 4. how much they vary: when the model is correctly specified, cross entropy, being the
#    likelihood, gives the least variable estimates, by the factor the sandwich formula
#    predicts;
# 5. the flip side: the Brier score's influence function redescends, and under label noise,
#    when the model is misspecified, its fit stays closer to the clean probabilities (in the
#    example here).

# %%
import arviz  # noqa: F401  (registers the "arviz-variat" matplotlib style)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, stats

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_606
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # env CROSS_ENTROPY_MLE_FAST=1: fewer replications; the same asserts hold
plt.style.use("arviz-variat")

# %% [markdown]
# ## Scoring rules and what "proper" means
#
# A scoring rule $S(q, y)$ is the penalty for announcing the probability vector $q$ over the
# $K$ classes when class $y$ then occurs; lower is better. Three candidates, written for the
# one-hot label $h = e_y$:
#
# | rule | $S(q, y)$ |
# |---|---|
# | log score (cross entropy; Good 1952) | $-\log q_y = -\sum_k h_k \log q_k$ |
# | Brier score (squared error; Brier 1950) | $\sum_k (q_k - h_k)^2$ |
# | absolute error | $\sum_k \lvert q_k - h_k \rvert = 2 (1 - q_y)$ |
#
# If outcomes are drawn from $p$, the **expected score** of the forecast $q$ is
# $\bar S(p, q) = \sum_y p_y\, S(q, y)$. A rule is **proper** if no forecast beats the truth in
# expectation, $\bar S(p, q) \ge \bar S(p, p)$ for all $q$, and **strictly proper** if $q = p$
# is the *only* minimiser (Gneiting & Raftery 2007). For the three rules:
#
# $$
# \begin{aligned}
# \text{log:}\quad & \bar S(p, q) - \bar S(p, p) = \sum_y p_y \log \frac{p_y}{q_y}
#   = \mathrm{KL}(p \,\|\, q), \\
# \text{Brier:}\quad & \bar S(p, q) - \bar S(p, p) = \lVert q - p \rVert^2, \\
# \text{absolute:}\quad & \bar S(p, q) = 2\,(1 - p^\top q).
# \end{aligned}
# $$
#
# Both divergences are zero only at $q = p$, so the log and Brier scores are strictly proper.
# They are two cases of one construction: the expected score of the truth, $\bar S(p, p)$, is
# a concave "entropy" of $p$ (Shannon's $H(p)$ for the log score, $1 - \lVert p \rVert^2$ for
# the Brier score), and the excess $\bar S(p, q) - \bar S(p, p)$ is the Bregman divergence of
# the negative entropy between $p$ and $q$. For $K \ge 3$ every smooth proper rule that is
# *local*, depending on $q$ only through $q_y$, the probability given to what happened, is
# equivalent to the log score: of the form $-a \log q_y + c(y)$ with $a > 0$ (Gneiting &
# Raftery 2007). The absolute error
# is linear in $q$: when the most probable class is unique, it is minimised by putting all the
# mass on that class, whatever the other probabilities are. Propriety matters for fitting
# because fitting minimises an average score over the data, an estimate of the expected score:
# only a strictly proper rule guarantees that the truth is the unique target.
#
# We evaluate the three expected scores for one distribution over three classes on a grid over
# the probability simplex with step $1/100$.

# %%
p_demo = np.array([0.2, 0.5, 0.3])
M = 100
counts = np.array([(i, j, M - i - j) for i in range(M + 1) for j in range(M + 1 - i)])
grid = counts / M  # (n_grid, 3), rows on the simplex
rules = ["log", "brier", "absolute"]
expected = {rule: ce.expected_score(p_demo, grid, rule) for rule in rules}
argmin = {rule: grid[np.argmin(expected[rule])] for rule in rules}
is_p = np.all(counts == np.round(p_demo * M).astype(int), axis=1)
table = [[argmin[r].round(2).tolist(), expected[r][is_p][0], expected[r].min()] for r in rules]
columns = ["minimiser on the grid", "expected score at q = p", "minimum over the grid"]
pd.DataFrame(table, columns=columns, index=pd.Index(rules, name="rule")).round(4)

# %% tags=["hide-input"]
# Check: the grid minimisers, and strictness. A grid neighbour of p (0.01 away in two
# coordinates) exceeds the minimum by 2e-4 (Brier) or at least 2.7e-4 (KL, about
# sum(delta^2 / p) / 2), so every other grid point must exceed it by more than 1e-4.
assert np.array_equal(argmin["log"], p_demo) and np.array_equal(argmin["brier"], p_demo)
assert np.array_equal(argmin["absolute"], [0.0, 1.0, 0.0])
# The Brier excess's maximum over the grid (which holds the corners) is the formula's.
assert np.isclose(np.ptp(expected["brier"]), 1 - 2 * p_demo.min() + p_demo @ p_demo, rtol=1e-12)
for rule in ("log", "brier"):  # strict: every other grid point scores worse
    assert expected[rule][~is_p].min() > expected[rule][is_p][0] + 1e-4

# %% [markdown]
# The log and Brier scores are minimised exactly at $q = p$, and strictly: every other grid
# point scores worse, by the Kullback–Leibler divergence and by the squared distance,
# respectively. The absolute error prefers the corner $q = (0, 1, 0)$, an over-confident forecast
# that reports class 1 as certain although it happens only half of the time. In the figure each
# point of the triangle is one forecast $q$, coloured by how much worse than the best forecast
# it scores in expectation (one logarithmic colour scale for the three panels); each corner is
# a certain forecast of one class, the open circle in the centre the uniform forecast
# $(1/3, 1/3, 1/3)$. The log score's penalty grows without bound towards the edges, where a
# class that does occur is given probability near zero; the Brier score's is bounded, by
# $\max_q \lVert q - p \rVert^2 = 1 - 2 \min_y p_y + \lVert p \rVert^2$ (at the corner of the
# least likely class), 0.98 here and below 2 for every $p$.


# %%
def simplex_xy(q):
    """Barycentric coordinates on the simplex -> points of an equilateral triangle."""
    return q[..., 1] + q[..., 2] / 2, q[..., 2] * np.sqrt(3) / 2


interior = np.all(grid > 0, axis=1)  # the log score is infinite on the boundary
levels = np.geomspace(1e-3, 3, 16)  # log-spaced; excesses below 1e-3 fill the lowest band
titles = {"log": "log score (cross entropy)", "brier": "Brier score", "absolute": "absolute error"}
hollow, colour = dict(mfc="none", mec="k", mew=1.5), dict(norm="log", cmap="viridis_r")
fig, axes = plt.subplots(1, 3, figsize=(14, 4.8), layout="constrained")
for ax, rule in zip(axes, rules):
    keep = interior if rule == "log" else np.ones(len(grid), bool)
    excess = np.clip(expected[rule][keep] - expected[rule][keep].min(), levels[0], None)
    tcf = ax.tricontourf(*simplex_xy(grid[keep]), excess, levels=levels, **colour)
    ax.plot(*simplex_xy(np.full(3, 1 / 3)), "o", ms=9, **hollow, label="uniform forecast")
    ax.plot(*simplex_xy(argmin[rule]), "x", ms=9, mew=2.5, color="C3", label="best forecast")
    ax.plot(*simplex_xy(p_demo), "*", ms=20, **hollow, label="truth $p$")
    for k, (cx, cy) in enumerate(zip(*simplex_xy(np.eye(3)))):
        ax.text(cx, cy + (0.04 if k == 2 else -0.1), f"class {k}", ha="center", fontsize=11)
    ax.set(title=titles[rule], aspect="equal", xlim=(-0.1, 1.1), ylim=(-0.15, 1.0))
    ax.axis("off")
label = "expected score − its minimum (log scale)"
cbar = fig.colorbar(tcf, ax=axes, shrink=0.85, spacing="proportional", label=label)
cbar.set_ticks([1e-3, 1e-2, 1e-1, 1], labels=["0.001", "0.01", "0.1", "1"])
fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=11)
save_figure(fig, "scoring-rules-expected-score-simplex")
plt.show()

# %% [markdown]
# ## Expected negative log-likelihood: entropy plus divergence
#
# For the conditional model the same identity holds point by point in the feature space.
# Write $p(\cdot \mid x)$ for the true class probabilities and $q(\cdot \mid x)$ for a model's.
# The expected negative log-likelihood of one fresh observation is the **population cross
# entropy**
#
# $$
# \mathbb{E}_{x, y}\big[-\log q(y \mid x)\big]
#   = \underbrace{\mathbb{E}_x\big[H(p(\cdot \mid x))\big]}_{\text{entropy: no model removes it}}
#   + \underbrace{\mathbb{E}_x\big[\mathrm{KL}\big(p(\cdot \mid x) \,\|\, q(\cdot \mid x)\big)\big]}_{\ge 0,\ = 0 \text{ only if } q = p} .
# $$
#
# For a model fixed in advance (not fitted to the same observations), the average NLL of $N$
# fresh observations converges to it by the law of large numbers, with standard error
# $\operatorname{sd}(-\log q(y \mid x)) / \sqrt{N}$ by the central limit theorem. The entropy
# does not depend on $q$, so minimising the population cross entropy over a family of models is
# minimising the expected divergence from the truth. The average NLL of the *training* data is
# no fair estimate of it at the MLE, which was chosen to make that average small: under a
# correctly specified model and for large $N$ it is too low by about $k/N$ in expectation, with
# $k$ the number of parameters (the correction behind Akaike's information criterion). Half of
# that is the fitted model's expected KL divergence from the truth, about $k/(2N)$, and half the
# fit's adaptation to the noise of its own sample; both are checked at $N = 5{,}000$ in the
# efficiency section below. A model is therefore judged on fresh data. The smallest value any
# model can reach is the entropy, and only the true conditional distribution reaches it.
#
# From here on the data come from the generative process of notebook 01 ($x \sim
# \mathcal{N}(0, I_d)$, $y \mid x \sim \operatorname{Cat}(\operatorname{softmax}(W x + b))$)
# with $K = 3$ classes, $d = 2$ features, and true parameters sharper than in notebook 01
# (slopes up to 3 instead of 2), so that the class probabilities come close to 0 and 1 over
# much of the plane. The parameters are in the pivot parametrisation: class 0's row of $W$ and
# its $b_0$ are fixed at zero, leaving $k = (K - 1)(d + 1) = 6$ free parameters, named
# $b_k$ and $W_{k,j}$ (the slope of class $k$'s logit on feature $j$).

# %%
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [2.5, -1.0], [-1.0, 3.0]])
b_true = np.array([0.0, 0.5, -0.5])
theta_true = ce.pack_params(W_true, b_true)  # pivot parametrisation: class 0 fixed at zero
names = [s for k in range(1, K) for s in [f"b_{k}"] + [f"W_{k},{j}" for j in range(d)]]
n_par = len(names)

# %% [markdown]
# Three models enter the comparison: the truth itself; the MLE from a small training set of
# 100 observations; and the intercept-only model fitted to the same 100 observations, which
# ignores the features and predicts the class frequencies everywhere. The three population
# quantities come from `ce.population_cross_entropy`, which computes each of them separately,
# with an exact sum over $y$ and a tensor Gauss–Hermite rule over $x \sim \mathcal{N}(0, I_2)$.
# A Gauss–Hermite rule replaces an expectation over a standard normal by a weighted sum over
# $n$ fixed nodes, exact for polynomials up to degree $2n - 1$ (the tensor rule takes all
# $n^2$ pairs of nodes for two features); for smooth integrands like these its error falls far
# faster than the $1/\sqrt{n}$ of averaging random draws.

# %%
X_small, y_small, _ = ce.simulate(100, W_true, b_true, rng)
mle_small = ce.fit_cross_entropy(X_small, y_small)
freq = np.bincount(y_small, minlength=K) / y_small.size
models = {
    "truth": (W_true, b_true),
    "MLE, N = 100": (mle_small.weights, mle_small.bias),
    "intercept only": (np.zeros((K, d)), np.log(freq / freq[0])),
}
population = {name: ce.population_cross_entropy(W_true, b_true, *wb) for name, wb in models.items()}
table = [[v.cross_entropy, v.entropy, v.kl] for v in population.values()]
columns = ["population cross entropy", "entropy E[H(p)]", "E[KL(p || q)]"]
pd.DataFrame(table, columns=columns, index=pd.Index(list(models), name="model")).round(4)

# %% [markdown]
# The MLE's divergence is of the size $k/(2N) = 0.03$ that sampling error alone produces
# ($2N \cdot \mathrm{KL}$ of the MLE is approximately $\chi^2_6$). Now the empirical side: for
# each $N$ a fresh test set, the same for the three models, and the average NLL with its
# standard error, and the paired difference from the truth's NLL on the same observations,
# which estimates the KL term alone.


# %%
def nll_obs(X, y, W, b):
    """Per-observation NLL of the softmax regression (W, b)."""
    return -ce.categorical_log_pmf(y, ce.log_softmax(ce.linear_predictor(X, W, b)))


rows = []
for N_test in [30, 300, 3_000, 30_000, 300_000]:
    X_t, y_t, _ = ce.simulate(N_test, W_true, b_true, rng)
    nll_i = {name: nll_obs(X_t, y_t, *wb) for name, wb in models.items()}
    for name, v in nll_i.items():
        diff = v - nll_i["truth"]
        se = [u.std(ddof=1) / np.sqrt(N_test) for u in (v, diff)]
        rows.append((name, N_test, v.mean(), se[0], diff.mean(), se[1]))
columns = ["model", "N", "average NLL", "s.e.", "minus truth", "paired s.e."]
convergence = pd.DataFrame(rows, columns=columns)
convergence.pivot(index="N", columns="model", values="average NLL").round(4)

# %% tags=["hide-input"]
# Check: the quadrature against Monte Carlo. Each average NLL within 4 s.e. of its population
# cross entropy, each paired difference within 4 paired s.e. of the KL; from N = 300 on, where
# the mean of the skewed per-observation NLL is close to normal (at N = 30 it is not). 20 z
# values: about 20 * 6e-5 = 1e-3 false-alarm probability. The MLE's KL against the chi2_6 / (2N)
# law, quantiles 1e-4 and 1 - 1e-4 (a loose check at N = 100).
conv = convergence[convergence["N"] >= 300]
pop = conv["model"].map({k: v.cross_entropy for k, v in population.items()})
kl_pop = conv["model"].map({k: v.kl for k, v in population.items()})
assert np.all(np.abs(conv["average NLL"] - pop) < 4 * conv["s.e."])
fitted = conv["model"] != "truth"
assert np.all((np.abs(conv["minus truth"] - kl_pop) < 4 * conv["paired s.e."])[fitted])
print("4 paired s.e. at N = 300,000:", (4 * conv["paired s.e."][fitted][-2:]).round(4).tolist())
chi2_6 = stats.chi2(n_par)
assert chi2_6.ppf(1e-4) < 2 * 100 * population["MLE, N = 100"].kl < chi2_6.ppf(1 - 1e-4)
assert mle_small.converged

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
panels = {"average NLL": ("s.e.", "cross_entropy"), "minus truth": ("paired s.e.", "kl")}
for i, name in enumerate(models):
    part = convergence[convergence["model"] == name]
    for ax, (col, (se, attr)) in zip(axes, panels.items()):
        x, style = part["N"] * (0.9, 1.0, 1.1)[i], dict(fmt="o", ms=4, capsize=3, color=f"C{i}")
        ax.errorbar(x, part[col], 2 * part[se], label=name, **style)
        ax.axhline(getattr(population[name], attr), color=f"C{i}", lw=3 if i == 0 else 1)
entropy_label = "entropy $E[H(p)]$ (under the truth's line)"
axes[0].axhline(population["truth"].entropy, color="k", ls="--", lw=1.2, label=entropy_label)
axes[0].set(ylabel="average NLL, ± 2 s.e.", title="average NLL → population cross entropy")
axes[1].set(ylabel="NLL(model) − NLL(truth), ± 2 paired s.e.")
axes[1].set_title("paired difference → E[KL(p || q)]")
for ax in axes:
    ax.set(xscale="log", xlabel="size of the fresh data set $N$")
axes[0].legend(fontsize=10, loc="upper right")
save_figure(fig, "average-nll-entropy-plus-kl")
plt.show()

# %% [markdown]
# Every model's average NLL settles on its own population cross entropy (left); the gap
# between a model's line and the dashed entropy is its expected KL divergence, zero only for
# the truth. The test sets are shared by the three models, so their averages move up and down
# together; the paired differences (right) remove that common noise and settle on the KL.
#
# ## Three ways to fit class probabilities, and what they converge to
#
# We fit three models:
#
# - **cross entropy**: softmax regression by minimising $\sum_i -\log q_{i y_i}$, the MLE
#   (`ce.fit_cross_entropy`);
# - **Brier**: the same softmax model, by minimising $\sum_i \lVert q_i - h_i \rVert^2$
#   (`ce.fit_brier`, which calls the library's generic `ce.minimise_score` with the Brier score);
# - **linear probability model**: least squares of the one-hot labels on $[1, x]$, with no
#   softmax (`ce.fit_linear_probability`). It minimises the same squared error as the Brier fit,
#   but over linear functions instead of softmax probabilities.
#
# To see what each *method* converges to, rather than the noise of a small training set, we
# fit on 100,000 observations and evaluate on an independent test set of 5,000, twenty times
# smaller, so that the fits' estimation error is small next to the test set's noise.

# %%
N_train, N_test = 100_000, 5_000
X_tr, y_tr, _ = ce.simulate(N_train, W_true, b_true, rng)
X_te, y_te, _ = ce.simulate(N_test, W_true, b_true, rng)
H_te = ce.one_hot(y_te, K)
fit_ce, fit_br = ce.fit_cross_entropy(X_tr, y_tr), ce.fit_brier(X_tr, y_tr)
assert fit_ce.converged and fit_br.converged
W_lp, b_lp = ce.fit_linear_probability(X_tr, y_tr)
predict = {
    "cross entropy": fit_ce.predict_proba,
    "Brier": fit_br.predict_proba,
    "linear probability": lambda Z: Z @ W_lp.T + b_lp,  # its fitted values, its 'probabilities'
    "truth": lambda Z: ce.softmax(ce.linear_predictor(Z, W_true, b_true)),
}
forecast = {name: f(X_te) for name, f in predict.items()}
q_observed = {k: q[np.arange(N_test), y_te] for k, q in forecast.items()}
brier_i = {k: ((q - H_te) ** 2).sum(axis=1) for k, q in forecast.items()}
nll = {k: -np.log(q).mean() if (q > 0).all() else np.nan for k, q in q_observed.items()}
outside = {k: np.mean((q < 0) | (q > 1)) for k, q in forecast.items()}
fit_wb = {k: (f.weights, f.bias) for k, f in (("cross entropy", fit_ce), ("Brier", fit_br))}
kl = {k: ce.population_cross_entropy(W_true, b_true, *wb).kl for k, wb in fit_wb.items()}
table = {"test NLL / obs.": nll, "test Brier / obs.": {k: v.mean() for k, v in brier_i.items()}}
fits = pd.DataFrame(table).map(lambda v: "undefined" if np.isnan(v) else f"{v:.4f}")
fits["forecasts outside [0, 1]"] = pd.Series(outside).map("{:.1%}".format)
fits["E[KL(p || q)]"] = pd.Series(kl | {"truth": 0.0}).map("{:.2g}".format)
fits.fillna("undefined")

# %% [markdown]
# On the test set the two softmax fits score the same as the truth by either rule, up to the
# test set's paired standard error, and their expected KL divergence from the truth (by
# quadrature, as in the previous section) is a few times $10^{-5}$ nats, the size
# $k/(2N) = 3 \times 10^{-5}$ that sampling error alone leaves in the MLE of $N = 100{,}000$
# observations: both have nearly reached the true probabilities, as consistency promises. The linear probability model's fitted rows sum to
# one, because the one-hot rows do and the design has an intercept, but nothing keeps the
# entries inside $[0, 1]$. A "probability" below zero has no log score at all, and one above
# one promises more than certainty; here some observed classes get a forecast of zero or less,
# so the linear probability model's test NLL is undefined, and its Brier score is clearly worse
# than the truth's. That failure is conditional on the truth: here the true probabilities are
# logistic and the Gaussian features unbounded, so no straight line follows them; were the true
# probabilities linear in $x$ and inside $[0, 1]$ over the range of the features, the linear
# probability model would be correctly specified.

# %% tags=["hide-input"]
# Check: (1) 2 N_train KL of the MLE is asymptotically chi2_6: below its 1 - 1e-4 quantile
# (the Brier fit's bound needs the sandwich; it is checked in the efficiency section).
# (2) The paired test differences fit minus truth: the NLL's estimates the KL, within 4 paired
# s.e.; the Brier score's has expectation E||q - p||^2, of the KL's size, far below its s.e.
# (3) The linear probability model's rows sum to one (a property of least squares with an
# intercept), its forecasts leave [0, 1] both ways, and its Brier score exceeds the truth's by
# more than 4 paired s.e.
assert 2 * N_train * kl["cross entropy"] < stats.chi2(n_par).ppf(1 - 1e-4)
for k in ("cross entropy", "Brier"):
    d_nll = np.log(q_observed["truth"]) - np.log(q_observed[k])
    d_br = brier_i[k] - brier_i["truth"]
    se_nll, se_br = (v.std(ddof=1) / np.sqrt(N_test) for v in (d_nll, d_br))
    print(f"{k}: paired s.e. {se_nll:.1g} (NLL), {se_br:.1g} (Brier)")
    assert abs(d_nll.mean() - kl[k]) < 4 * se_nll and abs(d_br.mean()) < 4 * se_br
lp_te = forecast["linear probability"]
assert np.allclose(lp_te.sum(axis=1), 1.0, rtol=0, atol=1e-12)
assert (lp_te < 0).any() and (lp_te > 1).any() and (q_observed["linear probability"] <= 0).any()
gap = brier_i["linear probability"] - brier_i["truth"]
assert gap.mean() > 4 * gap.std(ddof=1) / np.sqrt(N_test)

# %% [markdown]
# ### Calibration
#
# A forecaster is **calibrated** if, among all the occasions on which it announces probability
# $t$ for an event, the event happens a fraction $t$ of the time. The reliability diagram bins
# the forecasts $q_{ik}$ (every observation and every class) in ten bins of width 0.1 and plots
# the observed frequency of the event $y_i = k$ against the mean forecast in each bin; a
# calibrated forecaster stays on the diagonal up to binomial noise, and each bin's deviation
# divided by its binomial standard error, $z$, is then roughly standard normal.

# %%
curves = {name: ce.reliability_curve(H_te, q, n_bins=10) for name, q in forecast.items()}
max_z = {name: float(np.max(np.abs(c.z))) for name, c in curves.items()}
print("largest |z| over the ten bins:", {k: round(v, 1) for k, v in max_z.items()})
detectable = 4 * curves["cross entropy"].std_error  # the smallest deviation |z| >= 4 flags
print("forecasts per bin:", curves["cross entropy"].count.tolist())
print("deviation detectable per bin (4 s.e.):", detectable.round(3).tolist())

# %% [markdown]
# The two softmax fits stay within $|z| < 4$ in every bin, as do the true probabilities on the
# same test set, whose deviations are pure binomial noise. This is evidence of calibration with
# limited power: with 5,000 test observations a bin's deviation must exceed 4 s.e., printed
# above for each bin, to be detected, from below 0.01 in the crowded outer bins to about 0.08
# in the sparse middle ones; the bins pool the three classes, so a miscalibration of
# one class could hide; and the s.e. treats the $K$ events of one observation as independent,
# although they are mutually exclusive, which if anything overstates it and makes $z$
# conservative. The linear probability model does not pass even this test. Its curve is S-shaped: its lowest bin, where the mean forecast is negative, still comes
# true one to three per cent of the time, and its top bin, with mean forecast above one, less
# than always; in between it is under-confident, its forecasts from 0.1 to 0.4 coming true less
# often than announced and those from 0.5 to 0.9 more often. A straight line cannot bend into
# the S-shape of the true probabilities, and the line's errors show up here.

# %% tags=["hide-input"]
# Check: over ten bins max |z| > 4 has probability about 10 * 6e-5 = 6e-4 for a calibrated
# forecaster (somewhat more for the fits, whose estimation error adds to the variance; their
# training set is 20 times the test set). The linear probability model's z grow like
# sqrt(N_test); each bin named in the text is beyond 4 s.e. in the stated direction.
assert all(max_z[k] < 4 for k in ("cross entropy", "Brier", "truth"))
lp = curves["linear probability"]
assert max_z["linear probability"] > 10 and lp.z[0] > 4 and lp.z[-1] < -4
assert lp.mean_predicted[0] < 0 and 0.01 < lp.observed[0] < 0.03 and lp.mean_predicted[-1] > 1
low = (lp.mean_predicted > 0.1) & (lp.mean_predicted < 0.4)
high = (lp.mean_predicted > 0.5) & (lp.mean_predicted < 0.9)
assert np.all(lp.z[low] < -4) and np.all(lp.z[high] > 4)

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.5), sharex=True, sharey=True)
for ax, name in zip(axes, ["cross entropy", "Brier", "linear probability"]):
    c = curves[name]
    ax.plot([-0.1, 1.1], [-0.1, 1.1], color="k", lw=1, label="calibrated")
    label = "observed ± 2 binomial s.e.\n(the test flags |z| ≥ 4)"
    ax.errorbar(c.mean_predicted, c.observed, 2 * c.std_error, fmt="o-", capsize=3, label=label)
    ax.axvspan(-0.2, 0, color="C3", alpha=0.1, label="forecast outside [0, 1]")
    ax.axvspan(1, 1.2, color="C3", alpha=0.1)
    ax.set_title(f"{name}\nmax |z| {max_z[name]:.1f}, {outside[name]:.1%} outside [0, 1]")
    ax.set(xlabel="forecast probability", xlim=(-0.2, 1.2), ylim=(-0.05, 1.05))
axes[0].set_ylabel("observed frequency")
axes[0].legend(fontsize=10, loc="upper left")
save_figure(fig, "reliability-cross-entropy-brier-linear")
plt.show()

# %% [markdown]
# ### Accuracy
#
# Accuracy, the share of observations whose most probable class is the observed one, is far
# less sensitive. We compute each classifier's population accuracy,
# $\mathbb{E}_x[p(\hat y(x) \mid x)]$ with $\hat y(x) = \arg\max_k q_k(x)$, on $2 \times 10^5$
# fresh feature vectors with the true probabilities, and its loss against the Bayes classifier
# $\arg\max_k p_k(x)$, the best any classifier can do, with the paired Monte Carlo standard
# error.

# %%
X_acc = ce.sample_features(200_000, d, rng)
p_acc = predict["truth"](X_acc)
hit = {name: p_acc[np.arange(len(X_acc)), f(X_acc).argmax(axis=1)] for name, f in predict.items()}
loss = {k: hit["truth"] - v for k, v in hit.items() if k != "truth"}
se_loss = {k: v.std(ddof=1) / np.sqrt(v.size) for k, v in loss.items()}
print(f"Bayes classifier: population accuracy {hit['truth'].mean():.4f}; loss against it:")
print({k: f"{v.mean():.2g} ± {se_loss[k]:.1g}" for k, v in loss.items()})
# second order: the MLE's loss, and the loss with its estimation error doubled
theta_ce = ce.pack_params(fit_ce.weights, fit_ce.bias)
W2, b2 = ce.unpack_params(theta_true + 2 * (theta_ce - theta_true), K, d)
loss2 = hit["truth"] - p_acc[np.arange(len(X_acc)), ce.linear_predictor(X_acc, W2, b2).argmax(1)]
l1 = loss["cross entropy"]
ratio_acc = loss2.mean() / l1.mean()
se_log_acc = (loss2 / loss2.mean() - l1 / l1.mean()).std(ddof=1) / np.sqrt(l1.size)
print(
    f"loss with the MLE's error doubled / its loss: {ratio_acc:.2f} ± {ratio_acc * se_log_acc:.1g}"
)

# %% [markdown]
# The two softmax fits lose about $10^{-5}$ against the Bayes classifier, a thousandth of a
# percentage point. Accuracy is insensitive to small errors in the parameters because the loss
# is of second order in them: a misplaced decision boundary only misclassifies the points
# between it and the Bayes boundary, where the two classes are nearly equally probable. So
# doubling the MLE's estimation error multiplies the loss by a factor between the 2 of a
# first-order loss and the 8 of a third-order one (printed above; an exactly quadratic loss
# would give 4, and the printed factor is some 2.6 s.e. above it, a gap we leave open), and
# the loss falls like $1/N$. The linear probability model loses more than one point: its decision boundaries
# are straight lines too, but not the Bayes ones, because where two fitted straight lines cross
# is not where the two S-shaped true probabilities cross. Most of the differences between the
# methods live in the probabilities, not in their argmax: accuracy is a blunt instrument for
# judging a probabilistic classifier.

# %% tags=["hide-input"]
# Check: the loss is of second order: doubling the error multiplies it by 4 (by 2 if it were of
# first order, by 8 if of third), so the ratio must lie in (2, 8) by more than 4 s.e. of its
# log (delta method, paired over the same feature vectors). The linear probability model's
# loss exceeds 0.01 by more than 4 paired s.e. The softmax fits' losses are "about 1e-5": within
# a factor 10 either way (the loss varies from one training set to the next like a weighted
# chi-square with six degrees of freedom, so this is an order of magnitude, not a tolerance).
assert np.log(2) + 4 * se_log_acc < np.log(ratio_acc) < np.log(8) - 4 * se_log_acc
assert loss["linear probability"].mean() > 0.01 + 4 * se_loss["linear probability"]
assert all(1e-6 < loss[k].mean() < 1e-4 for k in ("cross entropy", "Brier"))

# %% [markdown]
# ## The sampling distribution: cross entropy is the most efficient
#
# Because the Brier score is strictly proper, the softmax model is correctly specified and its
# pivot parameters are identifiable, the expected Brier score is minimised at the true
# parameters, as is the expected NLL: both estimators are consistent for the same $\theta$.
# They differ in how much they vary from one data set to the next, and the gradients show why.
# Write $D_i = \partial z_i / \partial \theta$ for the $K \times 6$ derivative of observation
# $i$'s logits (row 0 is zero, the pivot; row $k$ holds $(1, x_i^\top)$ in the three columns of
# $b_k, W_{k,\cdot}$), and $J(q) = \operatorname{diag}(q) - q q^\top$, which is both the Jacobian
# $\partial q / \partial z$ of the softmax and the covariance of the one-hot label when $q$ is
# the truth. The two fits solve
#
# $$
# \text{log:}\quad \sum_i D_i^\top (q_i - h_i) = 0, \qquad
# \text{Brier:}\quad \sum_i D_i^\top J(q_i)\,(q_i - h_i) = 0 .
# $$
#
# The Brier fit is nonlinear least squares on the probability scale: with
# $\partial q_i / \partial \theta = J_i D_i$, its equation is
# $\sum_i (J_i D_i)^\top (q_i - h_i) = 0$, every residual weighted equally although their
# covariance $J_i$ is nearly zero where the model is confident. The generalised-least-squares
# (quasi-score) equation weights each residual by the inverse of its covariance instead,
# evaluated at the current fit as iteratively reweighted least squares does. $J_i$ is singular
# ($J_i \mathbf 1 = 0$), but its pseudo-inverse $J_i^+$ makes $J_i J_i^+$ the projection
# orthogonal to $\mathbf 1$, and $\mathbf 1^\top (q_i - h_i) = 0$, so
# $\sum_i (J_i D_i)^\top J_i^+ (q_i - h_i) = \sum_i D_i^\top (q_i - h_i)$: the weighted equation
# is the log score's. The MLE is the properly weighted fit.
#
# Each term of these sums is one observation's *influence* on the estimate,
# $\psi_i = D_i^\top g_i$ with $g_i$ the score's gradient in the logits. For the log score
# $g_i = q_i - h_i$; for a point far out along a ray where its observed class is improbable, $g_i$
# tends to a fixed vector and $\lVert \psi_i \rVert$ grows like $\lVert (1, x_i) \rVert$, the
# point's leverage. For the Brier score $g_i = 2 J(q_i)(q_i - h_i)$ vanishes as $q_i$ becomes
# certain, like the small probabilities, exponentially in $|x_i|$, so $\psi_i$ rises and then
# falls back to zero (it *redescends*). The next cell follows an observation of class 0 along
# the ray $x = (s, 0)$, where class 1 takes over.

# %%
s_ray = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
z_ray = ce.linear_predictor(np.column_stack([s_ray, np.zeros_like(s_ray)]), W_true, b_true)
y0 = np.zeros(len(s_ray), dtype=int)  # class 0 observed
leverage = np.sqrt(1 + s_ray**2)  # psi = D^T g stacks g_k (1, x) for k = 1, 2
g_ray = {r: ce.score_logits(y0, z_ray, r)[1] for r in ("log", "brier")}  # gradient in the logits
psi = {r: np.linalg.norm(g[:, 1:], axis=1) * leverage for r, g in g_ray.items()}
q_y = ce.softmax(z_ray)[:, 0]
table = {"q_y": q_y, "|(1, x)|": leverage, "|psi|, log": psi["log"], "|psi|, Brier": psi["brier"]}
pd.DataFrame(table, index=pd.Index(s_ray, name="s")).map(lambda v: f"{v:.3g}")

# %% tags=["hide-input"]
# Check: with class 0 observed, the log score's g_k = q_k for k = 1, 2, so |psi| / |(1, x)| =
# |(q_1, q_2)|, between (1 - q_y) / sqrt(2) and 1 - q_y: it grows with the leverage. The Brier
# influence falls from its peak by more than a factor 100 along the ray.
assert np.all(psi["log"] / leverage <= (1 - q_y) * (1 + 1e-12))
assert np.all(psi["log"] / leverage >= (1 - q_y) / np.sqrt(2))
assert psi["brier"][-1] < psi["brier"].max() / 100

# %% [markdown]
# How much variance does the equal weighting cost? An estimator that minimises a sum of
# per-observation scores $\sum_i S_i(\theta)$ (an *M-estimator*) has, for large $N$ and under
# smoothness conditions that hold here, covariance $A^{-1} B A^{-1} / N$ (the **sandwich**,
# Huber & Ronchetti 2009), with $A$ the expected Hessian of $S_i$ and $B$ the covariance of its
# gradient, both at the parameter the estimator converges to. For the log score under a
# correctly specified model, the information equality gives $A = B = I$, the Fisher
# information $I = \mathbb{E}_x[D^\top J D]$, so the MLE's covariance is $I^{-1}/N$ (the next
# section drops the correct specification). For the Brier score at the truth,
# $A = 2\,\mathbb{E}_x[D^\top J^2 D]$ and $B = 4\,\mathbb{E}_x[D^\top J^3 D]$; the factors 2 and
# 4 cancel in $A^{-1} B A^{-1}$. For every unbiased estimating equation
# $\sum_i \psi_i(\theta) = 0$, $A^{-1} B A^{-1} \succeq I^{-1}$, with equality only when $\psi$
# is proportional to the likelihood score (Godambe 1960), so the ratio of the Brier estimator's
# asymptotic variance to the MLE's is at least one for every parameter. We compute the
# matrices with the Gauss–Hermite rule, and repeat it with the slopes scaled by a factor $c$ to
# see how the ratio depends on how sharp the probabilities are.


# %%
def gauss_hermite_2d(n_nodes=60):
    """Nodes and weights for E over x ~ N(0, I_2): a tensor Gauss-Hermite rule."""
    t, w = hermegauss(n_nodes)  # weight exp(-t^2 / 2)
    nodes = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    return nodes, np.outer(w, w).ravel() / (2 * np.pi)


def sandwich(W, n_nodes=60):
    """N Cov: I^-1 (MLE) and A^-1 B A^-1 (Brier), at the truth (W, b_true), by quadrature;
    A = 2 E[D^T J^2 D] and B = 4 E[D^T J^3 D], as in the text."""
    x, w = gauss_hermite_2d(n_nodes)
    p = ce.softmax(ce.linear_predictor(x, W, b_true))
    J = p[:, :, None] * np.eye(K) - p[:, :, None] * p[:, None, :]  # (n_nodes, K, K)
    design = np.column_stack([np.ones(len(x)), x])
    D = np.einsum("kl,np->nklp", np.eye(K)[:, 1:], design).reshape(len(x), K, -1)  # (n, K, 6)

    def expect(Mx):  # E_x[D^T M(x) D] = sum over nodes n of w_n D_n^T M_n D_n
        return np.einsum("n,nka,nkl,nlb->ab", w, D, Mx, D)

    info, A, B = expect(J), 2 * expect(J @ J), 4 * expect(J @ J @ J)
    V_ce, V_br = np.linalg.inv(info), np.linalg.solve(A, np.linalg.solve(A, B).T)
    return V_ce, V_br, info, np.diag(V_br) / np.diag(V_ce), A  # variance ratios, Brier's A


V_ce, V_br, info, ratio_theory, A_br = sandwich(W_true)
flat = pd.DataFrame({c: sandwich(c * W_true)[3] for c in (0.05, 0.3, 1.0, 1.5)}, index=names)
print("asymptotic variance ratio, Brier / cross entropy, slopes W scaled by c:")
flat.T.rename_axis("c").round(2)

# %% tags=["hide-input"]
# Check: Godambe's bound, V_br - V_ce positive definite. The ratios fall with c for every
# parameter and are within 0.05 of one at c = 0.05 (quadrature error ~1e-3, printed below). The quadrature error of the ratios,
# 60 against 80 nodes per axis, is checked against the Monte Carlo s.e. below.
quad_err = np.abs(sandwich(W_true, 80)[3] - ratio_theory).max()
eig_min = np.linalg.eigvalsh(V_br - V_ce).min()
print(f"change of the ratios, 60 to 80 nodes: {quad_err:.1e}; smallest eigenvalue {eig_min:.2f}")
assert eig_min > 0
assert np.all(np.diff(flat.to_numpy(), axis=1) > 0) and np.all(flat[0.05] - 1 < 0.05)

# %% [markdown]
# When the slopes shrink the probabilities flatten, $J$ hardly varies with $x$, the Brier
# equation becomes a fixed linear transformation of the log score's, and the two estimators
# coincide to first order: the ratio tends to one. The sharper the probabilities, the larger
# the price of weighting the confident residuals equally. The simulation: many data sets of
# $N = 5{,}000$ from the generative process, both softmax estimators fitted to each; we also
# keep each fit's KL divergence from the truth, by quadrature, and the MLE's training-NLL
# advantage over the truth, $\ell_N(\hat\theta) - \ell_N(\theta^*)$ per observation, for the
# optimism of the training average.
#
# Two thousand fits one at a time would spend most of their time in per-call overhead, so we
# run Newton's method on all data sets at once, as arrays with a leading data-set axis. Each
# step needs the gradient and Hessian of one observation's score in its logits $z$: for the log
# score $q - h$ and $J$; for the Brier score $2c$ and
# $2\,(J^2 + \operatorname{diag}(c) - c q^\top - q c^\top)$, with $c = J (q - h)$ (the second
# derivatives of the softmax contribute the last three terms). The chain rule through
# $z = D\theta$ gives $\sum_i D_i^\top g_i$ and $\sum_i D_i^\top H_i D_i$. The MLE starts at the
# truth (its objective is strictly convex, so the start changes only the number of steps), the
# Brier fit at the MLE, as `ce.fit_brier` does; a fit has converged when its mean gradient is
# below $10^{-9}$ and its Hessian positive definite.


# %%
def logits_many(U, thetas):
    """Logits (R, n, K) of R softmax regressions (rows of thetas) on designs U = [1, x]."""
    Z = U @ thetas.reshape(len(thetas), K - 1, d + 1).transpose(0, 2, 1)
    return np.concatenate([np.zeros(Z.shape[:-1] + (1,)), Z], axis=-1)  # class 0: the pivot


def score_derivatives(q, h, rule):
    """Gradient (..., K) and free block (..., K - 1, K - 1) of the Hessian in the logits. The
    Brier Hessian 2 (J^2 + diag(c) - c q^T - q c^T) is expanded as 2 (diag(v) - v q^T - q v^T
    + |q|^2 q q^T) with v = q^2 + c, which needs no K x K products."""
    r, qf = q - h, q[..., 1:, None]  # qf: the free classes' probabilities, as columns
    if rule == "log":
        return r, qf * np.eye(K - 1) - qf * qf.mT  # J = diag(q) - q q^T
    c = q * (r - (q * r).sum(axis=-1, keepdims=True))  # c = J r
    vf, q2 = (q**2 + c)[..., 1:, None], (q**2).sum(axis=-1)[..., None, None]
    return 2 * c, 2 * (vf * np.eye(K - 1) - vf * qf.mT - qf * vf.mT + q2 * qf * qf.mT)


def fit_many(X, H, rule, thetas, tol=1e-9, max_steps=20):
    """Newton's method on R data sets at once: X (R, N, d), one-hot H (R, N, K), starts (R, 6).
    Returns the estimates, the largest gradient entry / N and the smallest Hessian eigenvalue."""
    U = np.concatenate([np.ones(X.shape[:2] + (1,)), X], axis=-1)
    UU = (U[..., :, None] * U[..., None, :]).reshape(*U.shape[:2], -1)
    for _ in range(max_steps):
        g, Hz = score_derivatives(ce.softmax(logits_many(U, thetas)), H, rule)
        grad = (np.swapaxes(g[..., 1:], 1, 2) @ U).reshape(len(U), -1)  # sum_i D_i^T g_i
        hess = np.swapaxes(Hz.reshape(*U.shape[:2], -1), 1, 2) @ UU  # sum_i D_i^T H_i D_i
        hess = hess.reshape(len(U), K - 1, K - 1, d + 1, d + 1).transpose(0, 1, 3, 2, 4)
        hess = hess.reshape(len(U), n_par, n_par)
        if np.abs(grad).max() / X.shape[1] < tol:
            break
        thetas = thetas - np.linalg.solve(hess, grad[..., None])[..., 0]
    return thetas, np.abs(grad).max(axis=1) / X.shape[1], np.linalg.eigvalsh(hess).min(axis=1)


def kl_many(thetas):
    """E_x[KL(p || q_theta)] for each row of thetas, by the rule of ce.population_cross_entropy."""
    log_q = ce.log_softmax(logits_many(U_q, thetas))
    return np.einsum("n,nk,rnk->r", w_q, p_q, np.log(p_q) - log_q)


N, R = 5_000, 300 if FAST else 1_000
X_sim, y_sim, _ = ce.simulate(R * N, W_true, b_true, rng)  # R independent data sets of N
X_sim, y_sim = X_sim.reshape(R, N, d), y_sim.reshape(R, N)
x_q, w_q = gauss_hermite_2d(40)
p_q, U_q = ce.softmax(ce.linear_predictor(x_q, W_true, b_true)), np.c_[np.ones(len(x_q)), x_q]
est = {"cross entropy": [], "Brier": []}  # per block: estimates, gradient / N, min eigenvalue
advantage = []  # training NLL per observation, truth minus MLE
for Xc, yc in zip(np.array_split(X_sim, R // 50), np.array_split(y_sim, R // 50)):
    Hc, start = ce.one_hot(yc.ravel(), K).reshape(*yc.shape, K), np.tile(theta_true, (len(yc), 1))
    est["cross entropy"].append(fit_many(Xc, Hc, "log", start))
    est["Brier"].append(fit_many(Xc, Hc, "brier", est["cross entropy"][-1][0]))
    U_c = np.concatenate([np.ones((*yc.shape, 1)), Xc], axis=-1)
    loglik = [
        (Hc * ce.log_softmax(logits_many(U_c, t))).sum(axis=(1, 2)) / N
        for t in (start, est["cross entropy"][-1][0])
    ]
    advantage.append(loglik[1] - loglik[0])
theta, grad_sim, eig_sim = (
    {k: np.concatenate([b[i] for b in v]) for k, v in est.items()} for i in range(3)
)
converged = np.concatenate([(grad_sim[k] < 1e-9) & (eig_sim[k] > 0) for k in theta])
kl_sim = {k: kl_many(v) for k, v in theta.items()}
optimism = kl_sim["cross entropy"] + np.concatenate(advantage)  # its mean: E[population - training]
summary = {
    "2N E[KL], MLE": (2 * N * kl_sim["cross entropy"], n_par),
    "2N E[KL], Brier": (2 * N * kl_sim["Brier"], np.trace(info @ V_br)),
    "N E[optimism], MLE": (N * optimism, n_par),
}
mc = {k: (v.mean(), v.std(ddof=1) / np.sqrt(R), a) for k, (v, a) in summary.items()}
pd.DataFrame(mc, index=["simulated", "Monte Carlo s.e.", "asymptotic"]).T.round(2)

# %% tags=["hide-input"]
# Check: the batched fits against the library's fitters on the first two data sets. A fit with
# mean gradient g near a minimum whose mean Hessian has smallest eigenvalue lambda lies within
# about |g|_2 / lambda <= sqrt(6) max|g| / lambda of it, so two fits of one data set agree to
# the sum of their bounds (about 1e-6 for the Brier score's flatter minimum). The KL helper
# against ce.population_cross_entropy: the same rule, so to rounding.
for r in range(2):
    for name, fit in (("cross entropy", ce.fit_cross_entropy), ("Brier", ce.fit_brier)):
        f = fit(X_sim[r], y_sim[r])
        bound = np.sqrt(n_par) * (f.grad_norm + grad_sim[name][r]) / (eig_sim[name][r] / N)
        assert np.abs(ce.pack_params(f.weights, f.bias) - theta[name][r]).max() < bound
kl_lib = ce.population_cross_entropy(W_true, b_true, *ce.unpack_params(theta["Brier"][0], K, d))
assert np.isclose(kl_sim["Brier"][0], kl_lib.kl, rtol=1e-9, atol=0)

# %% [markdown]
# The MLE's expected divergence is $k/(2N)$ and the training average's optimism $k/N$, as
# stated in the second section; the Brier fit's divergence is larger, by its larger variance:
# $2N \cdot \mathrm{KL} \approx N\, \delta^\top I \delta$ for an error $\delta$, whose mean is
# $\operatorname{tr}(I V_\mathrm{Br})$ against $\operatorname{tr}(I I^{-1}) = k$.

# %% tags=["hide-input"]
# Check: every refit converged; the three means within 4 Monte Carlo s.e. of their asymptotic
# values (detects a deviation of about 0.4 on the 2N KL scale in full mode). The Brier fit of
# N_train observations: 2 N KL is asymptotically a weighted chi2_6 with weights the eigenvalues
# of I V_br, below the largest weight times the chi2_6 quantile 1 - 1e-4.
assert all(converged)
for v, a in summary.values():
    assert abs(v.mean() - a) < 4 * v.std(ddof=1) / np.sqrt(R)
lam_max = np.linalg.eigvals(info @ V_br).real.max()
assert 2 * N_train * kl["Brier"] < lam_max * stats.chi2(n_par).ppf(1 - 1e-4)

# %% [markdown]
# The variance ratio per parameter, with its Monte Carlo standard error by the delta method
# (the standard error of a smooth function of means from the linearised function; here, for
# $\log$ of the ratio, the standard deviation over data sets of $a_r / \bar a - c_r / \bar c$,
# over $\sqrt{R}$, where $a_r$ and $c_r$ are the squared deviations of the Brier and MLE
# estimates from their means), next to the sandwich prediction.

# %%
dev2 = {k: (v - v.mean(axis=0)) ** 2 for k, v in theta.items()}
a_r, c_r = dev2["Brier"], dev2["cross entropy"]
ratio_sim = a_r.mean(axis=0) / c_r.mean(axis=0)
se_log_ratio = (a_r / a_r.mean(axis=0) - c_r / c_r.mean(axis=0)).std(axis=0, ddof=1) / np.sqrt(R)
table = [ratio_sim, ratio_sim * se_log_ratio, ratio_theory]
columns = ["ratio, simulated", "Monte Carlo s.e.", "sandwich"]
print(f"{R} data sets of N = {N}; variance ratio Brier / cross entropy:")
pd.DataFrame(np.column_stack(table), columns=columns, index=names).round(3)

# %% tags=["hide-input"]
# Check: the MLE's total variance is lower, pairwise: D_r = sum of the Brier squared
# deviations - sum of the MLE's, z > 4 (false alarm 3e-5). Per parameter the simulation cannot
# resolve a ratio of 1.3 with 300 data sets (fast mode); "every parameter" rests on Godambe's
# bound, asserted above. The z against the sandwich are shown, not asserted: they
# include the O(1/N) finite-N excess of the simulated ratios, which is not modelled (most z are
# positive). The sandwich's full covariance is checked through 2N E[KL] of the Brier fit above.
# The sandwich's quadrature error must be below a tenth of the smallest s.e.
z_ratio = (np.log(ratio_sim) - np.log(ratio_theory)) / se_log_ratio
D_r = a_r.sum(axis=1) - c_r.sum(axis=1)
z_total = D_r.mean() / (D_r.std(ddof=1) / np.sqrt(R))
print("z, simulated against sandwich:", z_ratio.round(2), f"; total variance z = {z_total:.1f}")
assert quad_err < 0.1 * (ratio_sim * se_log_ratio).min()
assert z_total > 4  # the MLE's total variance is lower beyond Monte Carlo error

# %% [markdown]
# The Brier estimator is more variable: in total beyond Monte Carlo error in the simulation, and
# for every parameter by the sandwich formula, which predicts factors between about 1.3 and 1.6
# here; the simulated ratios at $N = 5{,}000$ lie near
# them, mostly somewhat above (up to about 1.8; the z printed above), as a finite-$N$ excess
# would make them. For large $N$, the Brier fit needs that many times more data to match the
# MLE's precision. With flatter probabilities the factor shrinks towards one (the table of $c$
# above; at $c = 0.05$ it is within 0.05 of one, checked there).

# %%
fig, ax = plt.subplots(figsize=(8, 4.4))
pos, err = np.arange(len(names)), 2 * ratio_sim * se_log_ratio
label = f"simulated, {R} data sets of N = {N}, ± 2 Monte Carlo s.e."
ax.errorbar(pos + 0.12, ratio_sim, err, fmt="o", capsize=4, color="C1", label=label)
ax.plot(pos - 0.12, ratio_theory, "D", ms=8, **hollow, label="sandwich formula, N → ∞")
ax.axhline(1.0, color="0.5", lw=1, ls=":", label="equal variance")
ax.set_xticks(pos, names)
ax.set(ylabel="variance ratio, Brier / cross entropy", ylim=(0.9, (ratio_sim + err).max() + 0.45))
ax.set_title("Variance of the Brier estimator relative to the MLE's, per parameter")
ax.legend(fontsize=10, loc="upper left")
save_figure(fig, "cross-entropy-vs-brier-sampling-variance")
plt.show()

# %% [markdown]
# ## The flip side: label noise, bounded influence and misspecification
#
# Efficiency is a statement about a correctly specified model. Suppose instead that each label
# is replaced, with probability $\varepsilon = 0.1$, by a class drawn uniformly at random. The
# labels then follow $p_\varepsilon(x) = (1 - \varepsilon)\, p(x) + \varepsilon / K$, which no
# softmax regression with non-zero slopes matches: $p_\varepsilon$ stays inside
# $[\varepsilon / K,\ 1 - \varepsilon (K - 1)/K]$, while the softmax probabilities come
# arbitrarily close to 0 and 1 far from the decision boundaries. With the model misspecified,
# each rule's fit converges to its own best approximation: the log score's to the minimiser of
# $\mathbb{E}_x[\mathrm{KL}(p_\varepsilon \,\|\, q_\theta)]$, the Brier score's to the
# minimiser of $\mathbb{E}_x \lVert q_\theta - p_\varepsilon \rVert^2$. We compute both targets
# with the same quadrature rule, by BFGS with exact gradients.

# %%
eps = 0.1


def population_fit(rule, n_nodes=60, eps=eps, start=theta_true):
    """argmin over theta of E_x[expected score of q_theta(x) under p_noisy(x)], by quadrature."""
    x, w = gauss_hermite_2d(n_nodes)
    p_noisy = (1 - eps) * ce.softmax(ce.linear_predictor(x, W_true, b_true)) + eps / K
    logit_fn = ce.linear_logit_fn(x, K)  # theta -> logits Z and vjp(G) = sum G_ik dZ_ik/dtheta

    def objective(th):
        Z, vjp = logit_fn(th)
        q = ce.softmax(Z)
        r = w[:, None] * (q - p_noisy)  # weighted residuals; d(expected log score)/dZ = r
        if rule == "log":
            return -(w[:, None] * p_noisy * ce.log_softmax(Z)).sum(), vjp(r)
        # Brier: d/dZ of sum_k (q_k - p_k)^2 is 2 J(q) (q - p) = 2 q * (r - q . r), row by row
        return (r * (q - p_noisy)).sum(), vjp(2 * q * (r - (r * q).sum(axis=1, keepdims=True)))

    res = optimize.minimize(objective, start, jac=True, method="BFGS", options={"gtol": 1e-10})
    assert np.abs(res.jac).max() < 1e-8, res.message  # a stationary point, whatever the status
    return res.x, x, w, p_noisy


target = {"cross entropy": population_fit("log")[0], "Brier": population_fit("brier")[0]}
pd.DataFrame({"clean truth": theta_true, **target}, index=names).round(3)

# %% [markdown]
# Both targets have flatter slopes than the clean parameters, the log score's much more so.
# Far from the boundaries a mislabelled observation is a point of high leverage whose observed
# class the clean model finds nearly impossible; its log-score influence grows with its
# distance $\lVert (1, x) \rVert$ (the table of $\psi$ above), and a softmax regression lowers
# the cost of such points by flattening its probabilities, that is, by shrinking its slopes.
# The Brier influence of the same point redescends to zero, so the far mislabelled points
# hardly move the Brier fit. Bounded influence is a property of $\psi$, not of the loss being
# bounded, and it is the central idea of robust statistics (Huber & Ronchetti 2009). The
# distances of each target from the noisy and from the clean probabilities:

# %%
_, x_q, w_q, p_noisy = population_fit("log")
p_q = ce.softmax(ce.linear_predictor(x_q, W_true, b_true))
q_target = {k: ce.softmax(ce.linear_logit_fn(x_q, K)(v)[0]) for k, v in target.items()}
table = {}
for lab, pp in (("noisy", p_noisy), ("clean", p_q)):
    table[f"E KL(p_{lab} || q)"] = {k: w_q @ ce.kl_divergence(pp, q) for k, q in q_target.items()}
    table[f"E |q - p_{lab}|^2"] = {k: w_q @ ((q - pp) ** 2).sum(1) for k, q in q_target.items()}
distances = pd.DataFrame(table).rename_axis("target of")
distances.round(4)

# %% [markdown]
# Each target is the better one by its own rule's measure of distance from the noisy truth, by
# construction; against the clean probabilities, the Brier target is the closer one by both
# measures. Which fit to prefer depends on the goal: to forecast the noisy labels as they come,
# the log-score fit is the best in log score; to recover the clean probabilities, the Brier fit
# does better here (at this $\varepsilon$ and these parameters; we compare the population
# targets only, not the sampling variance at finite $N$). The likelihood can have both, under
# conditions: a model that includes the noise,
# $q = (1 - \varepsilon)\operatorname{softmax}(Wx + b) + \varepsilon / K$ with $\varepsilon$ a
# seventh parameter, is correctly specified if the noise really is uniform; with
# $\varepsilon \in (0, 1)$ (at $\varepsilon = 0$ the parameter is on the boundary, where the
# usual asymptotics fail) and $\varepsilon$ identifiable jointly with $\theta$ (here the floor
# $\varepsilon / K$ shows wherever the clean probabilities are near 0), standard likelihood
# theory makes its MLE consistent for the clean parameters and efficient within that model
# (exercise 3 fits it).

# %% tags=["hide-input"]
# Check: the slopes shrink, the log score's more; the Brier target is closer to the clean
# probabilities. The quadrature error (60 against 80 nodes) must be far below the differences
# checked. Then the library's fits on 50,000 noisy labels: each lies within half the targets'
# separation of its own target, so (triangle inequality) nearer it than the other. Distances
# are Euclidean over the six parameters (intercepts and slopes per standard deviation of the
# features, comparable scales).
target80 = {"cross entropy": population_fit("log", 80)[0], "Brier": population_fit("brier", 80)[0]}
quad_err_t = max(np.abs(target80[k] - target[k]).max() for k in target)
slope = [names.index(s) for s in names if s.startswith("W")]
gap_slopes = np.abs(target["Brier"][slope]) - np.abs(target["cross entropy"][slope])
print(f"targets' quadrature error {quad_err_t:.1e}; smallest slope gap {gap_slopes.min():.2f}")
assert np.all(gap_slopes > 100 * quad_err_t)
assert np.all(np.abs(target["Brier"][slope]) < np.abs(theta_true[slope]) - 100 * quad_err_t)
clean = distances[["E KL(p_clean || q)", "E |q - p_clean|^2"]]
assert np.all(clean.loc["Brier"] < clean.loc["cross entropy"])  # by 0.009 or more, see table
X_n, y_n, _ = ce.simulate(50_000, W_true, b_true, rng)
y_n = np.where(rng.random(y_n.size) < eps, rng.integers(K, size=y_n.size), y_n)
separation = np.linalg.norm(target["cross entropy"] - target["Brier"])
for name, fit in (("cross entropy", ce.fit_cross_entropy), ("Brier", ce.fit_brier)):
    f = fit(X_n, y_n)
    dist = {k: np.linalg.norm(ce.pack_params(f.weights, f.bias) - v) for k, v in target.items()}
    print(f"{name} fit: distance to each target", {k: f"{v:.3f}" for k, v in dist.items()})
    assert f.converged and dist[name] < 0.5 * separation

# %% [markdown]
# ## What this gives us
#
# Cross entropy and the Brier score are both strictly proper, so with a correctly specified
# softmax model both aim at the true probabilities, and both fits pass the calibration test
# (one of limited power). Cross entropy is the likelihood, so its estimates vary least from one
# data set to the next: here the Brier fit needs 1.3 to 1.6 times as much data for the same
# precision by the sandwich formula (a little more in the simulation at $N = 5{,}000$), and less so as the probabilities flatten. Its
# expectation splits into the entropy of the data and the Kullback–Leibler divergence of the
# model from the truth, so that, in expectation over test sets from the same feature
# distribution and up to the test set's paired standard error, "lower test NLL" means "closer
# to the true conditional distribution". The Brier score's redescending influence is its
# strength when the labels are noisy and the model does not account for it: there the two rules
# aim at different approximations, and here the Brier fit stays closer to the clean
# probabilities. Dropping the softmax, as the linear probability model does, here (a logistic
# truth) loses calibration and even valid probabilities. The next notebook keeps the cross
# entropy and changes the model: a small neural network.
#
# ## Exercises
#
# **1 (easy).** The score $S(q, y) = (1 - q_y)^2$ squares only the error on the observed class.
# It is local, like the log score. Is it proper? Predict the forecast that minimises its expected
# score for $p = (0.2, 0.5, 0.3)$, then find it on the simplex grid of the first section.

# %% [markdown]
# :::{dropdown} Solution
# The expected score is $\sum_y p_y (1 - q_y)^2$. Minimising it subject to $\sum_y q_y = 1$
# with a Lagrange multiplier $\lambda$ gives $2 p_y (1 - q_y) = \lambda$, so
# $q_y = 1 - \lambda / (2 p_y)$ with $\lambda = 2 (K - 1) / \sum_y p_y^{-1}$ from the
# constraint: $\lambda = 0.387$ and $q^\star = (0.032, 0.613, 0.355)$, inside the simplex (the
# formula needs $\lambda < 2 \min_y p_y$). Its expected score is
# $\sum_y p_y (\lambda / 2p_y)^2 = \lambda = 0.387$, below the truth's
# $\bar S(p, p) = \sum_y p_y (1 - p_y)^2 = 0.400$: a forecast beats the truth, so the score is
# not proper. Its best forecast moves mass from the rare class to the likely ones, and the most
# probable class gets 0.61 instead of 0.5. This agrees with the uniqueness result quoted in the
# first section: $(1 - q_y)^2$ is smooth and local but not of the form $-a \log q_y + c(y)$.
# :::

# %% tags=["hide-cell"]
# q* against an independent constrained optimiser (SLSQP on the simplex; ftol 1e-14 leaves
# |q - q*| ~ 1e-7, as the curvatures are 2 p_y >= 0.4). The grid minimum lies above the exact
# minimum lambda, and within sum_y p_y / M^2 of it: the lattice point nearest q* is within
# 1/M per coordinate, and the score exceeds lambda by sum_y p_y delta_y^2 there.
quad_score = (p_demo * (1 - grid) ** 2).sum(axis=1)
lam = 2 * (K - 1) / (1 / p_demo).sum()
q_star = 1 - lam / (2 * p_demo)
simplex = [{"type": "eq", "fun": lambda q: q.sum() - 1}]
slsqp = optimize.minimize(
    lambda q: p_demo @ (1 - q) ** 2,
    np.full(3, 1 / 3),
    method="SLSQP",
    bounds=[(0, 1)] * 3,
    constraints=simplex,
    options={"ftol": 1e-14},
)
truth_score = p_demo @ (1 - p_demo) ** 2
print(
    f"q* = {q_star.round(3)}; SLSQP {slsqp.x.round(3)}; grid minimiser {grid[np.argmin(quad_score)]}"
)
print(f"expected score at q*: {lam:.3f}, at q = p: {truth_score:.3f}")
assert slsqp.success and np.abs(slsqp.x - q_star).max() < 1e-5
assert lam - 1e-12 < quad_score.min() < lam + p_demo.sum() / M**2 and lam < truth_score - 0.01

# %% [markdown]
# **2 (medium).** Without label noise ($\varepsilon = 0$) the softmax model is correctly
# specified, and both targets are the true parameters (the efficiency section said why). Show
# that `population_fit`, which replaces the expectation over $x$ by a quadrature rule, finds
# them *exactly*, for any number of nodes, not merely up to the quadrature error; check by
# starting its optimiser far from the truth, at $\theta = 0$.

# %% [markdown]
# :::{dropdown} Solution
# Both rules are strictly proper. At every quadrature node $x_n$ the expected score of
# $q_\theta(x_n)$ under $p(x_n)$ is smallest at $q_\theta(x_n) = p(x_n)$, and
# $\theta = \theta^*$ achieves that at every node at once; so $\theta^*$ minimises the
# weighted sum exactly, for any number of nodes, and the quadrature adds no error. It is the
# only minimiser: the logit differences are linear in $x$, so matching $p$ at three
# non-collinear nodes fixes $\theta$. Both targets are therefore the true parameters: the
# two rules part only when the model is misspecified, as under label noise.
# :::

# %% tags=["hide-cell"]
# BFGS stops at a gradient below 1e-8 (asserted in population_fit). The objectives' Hessians
# at the truth are I (log score) and A = 2 E[D^T J^2 D] (Brier); a fit with gradient g is
# within |g|_2 / lambda_min <= sqrt(6) 1e-8 / lambda_min of the minimiser. One start (the
# Brier objective is not convex in theta) demonstrates that BFGS gets there; it proves nothing
# about other starts.
lam_min = {"log": np.linalg.eigvalsh(info).min(), "brier": np.linalg.eigvalsh(A_br).min()}
clean_fit = {rule: population_fit(rule, eps=0.0, start=np.zeros(n_par))[0] for rule in rules[:2]}
print("smallest curvature at the truth:", {k: f"{v:.4f}" for k, v in lam_min.items()})
print(
    "largest distance from the truth:",
    {k: f"{np.abs(v - theta_true).max():.1e}" for k, v in clean_fit.items()},
)
assert all(
    np.abs(v - theta_true).max() < np.sqrt(n_par) * 1e-8 / lam_min[k] for k, v in clean_fit.items()
)

# %% [markdown]
# **3 (harder).** The last section ended with a claim it did not demonstrate: the likelihood of
# a model that includes the noise, $q = (1 - \varepsilon) \operatorname{softmax}(Wx + b) +
# \varepsilon / K$ with $\varepsilon$ a seventh parameter, recovers the clean parameters. Fit it
# by maximum likelihood to the 50,000 noisy labels of the last check (`X_n`, `y_n`) and compare
# the estimate with $(\theta^*, 0.1)$ and with the cross-entropy target.

# %% [markdown]
# :::{dropdown} Solution
# The model is now correctly specified (the noise is uniform), so its MLE is consistent and
# approximately normal with covariance the inverse observed information $\hat I^{-1}$. The Wald
# statistic $(\hat\vartheta - \vartheta^*)^\top \hat I (\hat\vartheta - \vartheta^*)$ over
# the seven parameters is then about $\chi^2_7$; we estimate $\varepsilon$ through
# $\eta = \log(\varepsilon / (1 - \varepsilon))$, which keeps it in $(0, 1)$. With
# $s = \operatorname{softmax}(z)$ and $q_y = (1 - \varepsilon) s_y + \varepsilon / K$, the
# gradient of $-\log q_y$ is $-(1 - \varepsilon) s_y (h - s) / q_y$ in $z$ and
# $-(1/K - s_y)\, \varepsilon (1 - \varepsilon) / q_y$ in $\eta$. The cross-entropy target,
# by contrast, is a fixed distance from $\theta^*$ whatever $N$: at $N = 50{,}000$ its Wald
# statistic (over the six $\theta$ coordinates, with the noise model's covariance, so about
# $\chi^2_6$ if it were the truth) is in the hundreds, and it grows like $N$; its square root
# is the target's distance from $\theta^*$ in noise-model standard errors.
# :::


# %% tags=["hide-cell"]
# The noise model's NLL and its gradient, its MLE, and Wald statistics against the truth.
def noise_nll(par, X, y):
    """NLL of the noise model, par = (theta, logit eps), and its gradient."""
    e = 1 / (1 + np.exp(-par[-1]))
    Z, vjp = ce.linear_logit_fn(X, K)(par[:-1])
    s = ce.softmax(Z)
    s_y = s[np.arange(len(y)), y]
    q_y = (1 - e) * s_y + e / K
    G = -(1 - e) * s_y[:, None] * (ce.one_hot(y, K) - s) / q_y[:, None]
    return -np.log(q_y).sum(), np.r_[vjp(G), -((1 / K - s_y) / q_y).sum() * e * (1 - e)]


res_n = optimize.minimize(noise_nll, np.zeros(n_par + 1), (X_n, y_n), jac=True, method="BFGS")
g_n = lambda v: noise_nll(v, X_n, y_n)[1]  # noqa: E731
info_n = np.array([(g_n(res_n.x + 1e-5 * u) - g_n(res_n.x - 1e-5 * u)) / 2e-5 for u in np.eye(7)])
cov_n = np.linalg.inv((info_n + info_n.T) / 2)  # the inverse observed information
delta = {"noise model": res_n.x - np.r_[theta_true, np.log(eps / (1 - eps))]}
delta["cross-entropy target"] = target["cross entropy"] - theta_true  # theta only
wald = {k: v @ np.linalg.solve(cov_n[: v.size, : v.size], v) for k, v in delta.items()}
compare = {
    "truth": theta_true,
    "noise-model MLE": res_n.x[:-1],
    "CE target": target["cross entropy"],
}
print(pd.DataFrame(compare, index=names).T.round(3).to_string())
print(f"eps-hat {1 / (1 + np.exp(-res_n.x[-1])):.3f}; Wald statistics", end=" ")
print({k: f"{v:.1f}" for k, v in wald.items()}, end="; ")
print(f"CE target {np.sqrt(wald['cross-entropy target']):.0f} s.e. from the truth")
# Under the noise model the Wald statistic is about chi2_7: below its 1 - 1e-4 quantile, 29.9
# (false alarm 1e-4; it flags a bias of about 5.5 standard errors). The cross-entropy target is
# compared with the chi2_6 quantile (its six theta coordinates): it must lie beyond it. BFGS
# may stop on precision loss: the Newton step left, I^-1 g, must be under 1% of an s.e.
newton_step = np.abs(cov_n @ res_n.jac) / np.sqrt(np.diag(cov_n))
assert newton_step.max() < 0.01 and wald["noise model"] < stats.chi2(7).ppf(1 - 1e-4)
assert wald["cross-entropy target"] > stats.chi2(6).ppf(1 - 1e-4)

# %% [markdown]
# ## References
#
# - Brier, G. W. (1950). Verification of forecasts expressed in terms of probability.
#   *Monthly Weather Review*, 78(1), 1–3.
# - Good, I. J. (1952). Rational decisions. *Journal of the Royal Statistical Society,
#   Series B*, 14(1), 107–114.
# - Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
#   estimation. *Journal of the American Statistical Association*, 102(477), 359–378.
# - Godambe, V. P. (1960). An optimum property of regular maximum likelihood estimation.
#   *Annals of Mathematical Statistics*, 31(4), 1208–1211.
# - Huber, P. J., & Ronchetti, E. M. (2009). *Robust Statistics* (2nd ed.). Wiley.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
