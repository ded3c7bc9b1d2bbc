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
# 1. what a *proper* scoring rule is, and why both the log score and the Brier score are
#    strictly proper while the absolute error is not;
# 2. the decomposition of the expected negative log-likelihood into an entropy, which no model
#    can remove, and a Kullback–Leibler divergence, which measures how far the model is from the
#    truth;
# 3. the three estimators on repeated data sets: cross entropy, being the likelihood, gives the
#    least variable estimates;
# 4. calibration and accuracy: the two softmax fits are calibrated, the linear probability
#    model is not, and accuracy shows the differences only faintly.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import optimize

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_606
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
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
# | log score (cross entropy) | $-\log q_y = -\sum_k h_k \log q_k$ |
# | Brier score (squared error) | $\sum_k (q_k - h_k)^2$ |
# | absolute error | $\sum_k \lvert q_k - h_k \rvert = 2 (1 - q_y)$ |
#
# If outcomes are drawn from $p$, the **expected score** of the forecast $q$ is
# $\bar S(p, q) = \sum_y p_y\, S(q, y)$. A rule is **proper** if no forecast beats the truth in
# expectation, $\bar S(p, q) \ge \bar S(p, p)$ for all $q$, and **strictly proper** if $q = p$
# is the *only* minimiser. For the three rules the excess over the truth has a closed form:
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
# The absolute error is linear in $q$: it is minimised by putting all the mass on the most
# probable class, whatever the other probabilities are. Propriety matters for fitting because
# fitting minimises an average score over the data, an estimate of the expected score: only a
# proper rule makes the truth the target.
#
# We check this numerically for one distribution over three classes, on a grid over the
# probability simplex with step $1/100$ that contains $p$.

# %%
p_demo = np.array([0.2, 0.5, 0.3])
M = 100
counts = np.array([(i, j, M - i - j) for i in range(M + 1) for j in range(M + 1 - i)])
grid = counts / M  # (n_grid, 3), rows on the simplex
rules = ["log", "brier", "absolute"]
expected = {rule: ce.expected_score(p_demo, grid, rule) for rule in rules}
argmin = {rule: grid[np.argmin(expected[rule])] for rule in rules}
is_p = np.all(counts == np.round(p_demo * M).astype(int), axis=1)

pd.DataFrame(
    {
        "minimiser on the grid": [np.round(argmin[r], 2).tolist() for r in rules],
        "expected score at q = p": [expected[r][is_p][0] for r in rules],
        "minimum over the grid": [expected[r].min() for r in rules],
    },
    index=pd.Index(rules, name="rule"),
).round(4)

# %% [markdown]
# The log and Brier scores are minimised exactly at $q = p$, and *strictly*: every other grid
# point scores worse, by the Kullback–Leibler divergence and by the squared distance,
# respectively. The absolute error prefers the corner $q = (0, 1, 0)$, an over-confident forecast
# that reports class 1 as certain although it happens only half of the time.

# %%
interior = np.all(grid > 0, axis=1)  # the log score is infinite on the boundary
assert np.array_equal(argmin["log"], p_demo) and np.array_equal(argmin["brier"], p_demo)
assert np.array_equal(argmin["absolute"], [0.0, 1.0, 0.0])
for rule in ("log", "brier"):
    others = expected[rule][~is_p]
    assert others.min() > expected[rule][is_p][0]  # strict: the minimiser is unique
assert np.allclose(
    expected["log"][interior] - expected["log"][is_p],
    ce.kl_divergence(p_demo, grid[interior]),
    rtol=0,
    atol=1e-12,
)
assert np.allclose(
    expected["brier"] - expected["brier"][is_p],
    ((grid - p_demo) ** 2).sum(axis=1),
    rtol=0,
    atol=1e-12,
)
assert np.allclose(expected["absolute"], 2 * (1 - grid @ p_demo), rtol=0, atol=1e-12)


# %% [markdown]
# A grid only checks the points on it. An optimiser searching the whole simplex (through the
# softmax of three free numbers, from several random starts) finds the same answers: the log
# and Brier scores lead back to $p$, the absolute error runs off to the corner.


# %%
def best_forecast(rule, start):
    res = optimize.minimize(
        lambda u: ce.expected_score(p_demo, ce.softmax(u), rule),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000},
    )
    return ce.softmax(res.x)


starts = rng.normal(scale=2.0, size=(5, 3))
found = {rule: np.array([best_forecast(rule, s) for s in starts]) for rule in rules}
for rule in rules:
    print(
        f"{rule:>8}: "
        + "  ".join(np.array2string(q, precision=3, suppress_small=True) for q in found[rule])
    )

# %%
assert np.allclose(found["log"], p_demo, atol=1e-4)
assert np.allclose(found["brier"], p_demo, atol=1e-4)
assert np.all(found["absolute"][:, 1] > 0.99)


# %% [markdown]
# The figure shows the expected score over the whole simplex. Each corner is a certain forecast
# of one class; the star marks the truth $p$ and the cross the best forecast. For the log and
# Brier scores the two coincide; for the absolute error the best forecast sits on a corner.


# %%
def simplex_xy(q):
    """Barycentric coordinates on the simplex -> points of an equilateral triangle."""
    return q[..., 1] + q[..., 2] / 2, q[..., 2] * np.sqrt(3) / 2


fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
titles = {"log": "log score (cross entropy)", "brier": "Brier score", "absolute": "absolute error"}
for ax, rule in zip(axes, rules):
    keep = interior if rule == "log" else np.ones(len(grid), bool)
    gx, gy = simplex_xy(grid[keep])
    excess = expected[rule][keep] - expected[rule][keep].min()
    levels = np.quantile(excess, np.linspace(0, 1, 16))
    tcf = ax.tricontourf(gx, gy, excess, levels=np.unique(levels), cmap="viridis_r")
    cbar = fig.colorbar(tcf, ax=ax, shrink=0.8, format="%.2f")
    cbar.set_label("expected score − its minimum", fontsize=9)
    cbar.ax.tick_params(labelsize=8)
    ax.plot(
        *simplex_xy(p_demo), marker="*", ms=16, color="white", mec="k", ls="none", label="truth $p$"
    )
    ax.plot(
        *simplex_xy(argmin[rule]),
        marker="x",
        ms=11,
        mew=2.5,
        color="C3",
        ls="none",
        label="best forecast",
    )
    for k, corner in enumerate(np.eye(3)):
        cx, cy = simplex_xy(corner)
        ax.annotate(
            f"class {k}",
            (cx, cy),
            textcoords="offset points",
            xytext=(0, 8 if k == 2 else -14),
            ha="center",
            fontsize=9,
        )
    ax.set_title(titles[rule])
    ax.set_aspect("equal")
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.15, 1.0)
    ax.axis("off")
axes[0].legend(loc="upper left", fontsize=8)
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
#   + \underbrace{\mathbb{E}_x\big[\mathrm{KL}\big(p(\cdot \mid x) \,\|\, q(\cdot \mid x)\big)\big]}_{\ge 0,\ = 0 \text{ only at } q = p} .
# $$
#
# The average NLL on $N$ fresh observations converges to it by the law of large numbers, with
# a standard error $\operatorname{sd}(-\log q(y \mid x)) / \sqrt{N}$ by the central limit
# theorem. So minimising the average NLL is, for large $N$, minimising the divergence from the
# truth, and the smallest achievable value is the entropy, reached only by the true model.
#
# From here on the data come from the generative process with $K = 3$ classes, standard-normal
# features in $d = 2$ dimensions, and true parameters somewhat sharper than in the first
# notebook, so that the class probabilities come close to 0 and 1 over much of the plane: the
# regime where the choice of loss matters.

# %%
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [2.5, -1.0], [-1.0, 3.0]])
b_true = np.array([0.0, 0.5, -0.5])

# %% [markdown]
# Three models enter the comparison: the truth itself; the MLE from a small training set of
# 100 observations; and the intercept-only model fitted to the same 100 observations, which
# ignores the features and predicts the class frequencies everywhere. The population quantities
# come from `ce.population_cross_entropy`, which integrates over $x \sim \mathcal{N}(0, I_2)$ by
# Gauss–Hermite quadrature and sums over $y$ exactly.

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
pd.DataFrame(
    {
        "population cross entropy": [v.cross_entropy for v in population.values()],
        "entropy E[H(p)]": [v.entropy for v in population.values()],
        "E[KL(p || q)]": [v.kl for v in population.values()],
    },
    index=pd.Index(list(population), name="model"),
).round(4)

# %% [markdown]
# The entropy term is the same for every model, and the truth has no divergence at all. Now the
# empirical side: for each $N$ a fresh test set, the same for the three models, and the average
# NLL with its standard error.

# %%
N_grid = [30, 300, 3_000, 30_000, 300_000]
rows = []
for N_test in N_grid:
    X_t, y_t, _ = ce.simulate(N_test, W_true, b_true, rng)
    for name, (W, b) in models.items():
        nll_i = -ce.categorical_log_pmf(y_t, ce.log_softmax(ce.linear_predictor(X_t, W, b)))
        rows.append(
            (
                name,
                N_test,
                nll_i.mean(),
                nll_i.std(ddof=1) / np.sqrt(N_test),
                population[name].cross_entropy,
            )
        )
convergence = pd.DataFrame(rows, columns=["model", "N", "average NLL", "std. error", "population"])
convergence["z"] = (convergence["average NLL"] - convergence["population"]) / convergence[
    "std. error"
]
convergence.pivot(index="N", columns="model", values="average NLL").round(4)

# %% [markdown]
# At every $N$ and for every model the average NLL lies within four standard errors of the
# population cross entropy (fifteen roughly standard-normal deviations; four is a generous
# bound), and the standard errors shrink like $1/\sqrt{N}$. The population cross entropy is
# smallest for the truth, where it equals the entropy.

# %%
assert np.all(np.abs(convergence["z"]) < 4)
assert population["truth"].kl == 0.0
assert population["truth"].cross_entropy == population["truth"].entropy
assert all(population[m].kl > 0 for m in models if m != "truth")
assert min(population, key=lambda m: population[m].cross_entropy) == "truth"
for m in models:
    assert np.isclose(
        population[m].cross_entropy, population[m].entropy + population[m].kl, rtol=1e-12
    )
se_by_n = convergence[convergence["model"] == "truth"]["std. error"].to_numpy()
assert np.all(np.diff(np.log10(se_by_n)) < -0.3)  # a tenfold N shrinks the s.e. about 3.16-fold

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.4))
for offset, (name, color) in zip((0.96, 1.0, 1.04), zip(models, ("C0", "C1", "C2"))):
    part = convergence[convergence["model"] == name]
    ax.errorbar(
        part["N"] * offset,
        part["average NLL"],
        yerr=2 * part["std. error"],
        fmt="o",
        color=color,
        capsize=3,
        label=f"{name}: average NLL ± 2 s.e.",
    )
    ax.axhline(
        population[name].cross_entropy,
        color=color,
        lw=1,
        label="population cross entropy" if name == "intercept only" else None,
    )
ax.axhline(population["truth"].entropy, color="k", ls="--", lw=1.2, label="entropy $E[H(p)]$")
ax.set_xscale("log")
ax.set_xlabel("size of the fresh data set $N$")
ax.set_ylabel("average negative log-likelihood")
ax.set_title("Average NLL converges to entropy + KL divergence")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
save_figure(fig, "average-nll-entropy-plus-kl")
plt.show()

# %% [markdown]
# ## Three ways to fit class probabilities
#
# On one training set of $N = 300$ observations we fit:
#
# - **cross entropy**: softmax regression by minimising $\sum_i -\log q_{i y_i}$, the MLE
#   (`ce.fit_cross_entropy`);
# - **Brier**: the same softmax model, by minimising $\sum_i \lVert q_i - h_i \rVert^2$
#   (`ce.fit_brier`, which calls the library's generic `ce.minimise_score` with the Brier score);
# - **linear probability model**: least squares of the one-hot labels on $[1, x]$, with no
#   softmax (`ce.fit_linear_probability`). It minimises the same squared error as the Brier fit,
#   but over linear functions instead of softmax probabilities.

# %%
N = 300
X, y, _ = ce.simulate(N, W_true, b_true, rng)
H = ce.one_hot(y, K)
fit_ce = ce.fit_cross_entropy(X, y)
fit_br = ce.fit_brier(X, y)
fit_lp = ce.fit_linear_probability(X, y)  # (weights, bias)


def linear_probabilities(X_, coef):
    """The linear probability model's fitted values X w^T + b: its 'probabilities'."""
    weights, bias = coef
    return X_ @ weights.T + bias


q_lp = linear_probabilities(X, fit_lp)

params = pd.DataFrame(
    {
        "truth": ce.pack_params(W_true, b_true),
        "cross entropy": ce.pack_params(fit_ce.weights, fit_ce.bias),
        "Brier": ce.pack_params(fit_br.weights, fit_br.bias),
    },
    index=[name for k in range(1, K) for name in [f"b_{k}"] + [f"W_{k},{j}" for j in range(d)]],
)
params.round(3)


# %% [markdown]
# Each fit wins on its own criterion: the MLE has the smaller negative log-likelihood, the Brier
# fit the smaller summed Brier score. The linear probability model's fitted rows sum to one,
# because the one-hot rows do and the design has an intercept, but nothing keeps the entries
# inside $[0, 1]$.


# %%
def brier_of(q):
    return ce.brier_score(H, q).sum()


outside = (q_lp < 0) | (q_lp > 1)
print(f"NLL:   cross entropy {fit_ce.nll:.2f}, Brier fit {fit_br.nll:.2f}")
print(
    f"Brier: cross entropy {brier_of(fit_ce.predict_proba(X)):.2f}, "
    f"Brier fit {fit_br.objective:.2f}, "
    f"linear probability {((q_lp - H) ** 2).sum():.2f}"
)  # its residual sum of squares
print(
    f"linear probability model: {outside.any(axis=1).mean():.1%} of the training rows have an "
    f"entry outside [0, 1]; range [{q_lp.min():.3f}, {q_lp.max():.3f}]"
)

# %%
assert fit_ce.nll < fit_br.nll
assert fit_br.objective < brier_of(fit_ce.predict_proba(X))
assert np.allclose(q_lp.sum(axis=1), 1.0, rtol=0, atol=1e-12)
assert (q_lp < 0).any() and (q_lp > 1).any()
# least squares: the residuals are orthogonal to every column of the design [1, X]
assert np.allclose(np.column_stack([np.ones(N), X]).T @ (q_lp - H), 0.0, atol=1e-9)

# %% [markdown]
# A "probability" below zero is not a small blemish: the log score of a negative forecast is
# undefined, and a forecast above one promises more than certainty.
#
# ## The sampling distribution: cross entropy is the most efficient
#
# Because the Brier score is strictly proper and the softmax model is correctly specified, the
# Brier fit estimates the same parameters as the MLE: both are consistent. They differ in how
# much they vary from one data set to the next. The MLE is asymptotically efficient: no other
# consistent estimator of this kind has a smaller asymptotic variance (the Cramér–Rao bound).
# The Brier score is bounded: an observation that the model finds nearly impossible costs it at
# most 2, and that observation's pull on the logits vanishes (the gradient carries a factor
# $q_{i y_i}$), whereas under the log score both grow without bound. Such surprising
# observations carry much of the information about how sharp the probabilities are, and the
# Brier fit largely ignores them. We draw many data sets of $N = 300$ from the generative
# process and fit all three models to each.

# %%
R = 300 if FAST else 1_000
X_eval = ce.sample_features(2_000, d, rng)  # where predicted probabilities are compared
p_eval = ce.softmax(ce.linear_predictor(X_eval, W_true, b_true))
theta = {"cross entropy": [], "Brier": []}
prob_sq_err = {"cross entropy": [], "Brier": [], "linear probability": []}
for _ in range(R):
    Xr, yr, _ = ce.simulate(N, W_true, b_true, rng)
    f_ce = ce.fit_cross_entropy(Xr, yr)
    f_br = ce.fit_brier(Xr, yr)
    f_lp = ce.fit_linear_probability(Xr, yr)
    theta["cross entropy"].append(ce.pack_params(f_ce.weights, f_ce.bias))
    theta["Brier"].append(ce.pack_params(f_br.weights, f_br.bias))
    for name, q in (
        ("cross entropy", f_ce.predict_proba(X_eval)),
        ("Brier", f_br.predict_proba(X_eval)),
        ("linear probability", linear_probabilities(X_eval, f_lp)),
    ):
        prob_sq_err[name].append(((q - p_eval) ** 2).sum(axis=1).mean())
theta = {k: np.array(v) for k, v in theta.items()}
prob_sq_err = {k: np.array(v) for k, v in prob_sq_err.items()}
print(f"{R} data sets of N = {N}")

# %% [markdown]
# For each parameter, the ratio of the Brier estimator's variance to the MLE's (above one means
# the MLE is less variable), with a bootstrap interval over the data sets. The total variance
# (the trace of the covariance) is compared with a paired Monte Carlo standard error: the two
# estimates come from the same data sets, so we average the per-data-set difference of squared
# deviations, $D_r = \lVert \hat\theta^{B}_r - \bar\theta^{B} \rVert^2
# - \lVert \hat\theta^{CE}_r - \bar\theta^{CE} \rVert^2$.

# %%
var_ce, var_br = theta["cross entropy"].var(axis=0, ddof=1), theta["Brier"].var(axis=0, ddof=1)
boot = rng.integers(R, size=(1_000, R))
ratio_boot = theta["Brier"][boot].var(axis=1) / theta["cross entropy"][boot].var(axis=1)
variance_table = pd.DataFrame(
    {
        "truth": ce.pack_params(W_true, b_true),
        "mean, cross entropy": theta["cross entropy"].mean(axis=0),
        "mean, Brier": theta["Brier"].mean(axis=0),
        "sd, cross entropy": np.sqrt(var_ce),
        "sd, Brier": np.sqrt(var_br),
        "variance ratio Brier / CE": var_br / var_ce,
        "ratio 2.5%": np.quantile(ratio_boot, 0.025, axis=0),
        "ratio 97.5%": np.quantile(ratio_boot, 0.975, axis=0),
    },
    index=params.index,
)
D = ((theta["Brier"] - theta["Brier"].mean(axis=0)) ** 2).sum(axis=1) - (
    (theta["cross entropy"] - theta["cross entropy"].mean(axis=0)) ** 2
).sum(axis=1)
z_trace = D.mean() / (D.std(ddof=1) / np.sqrt(R))
print(
    f"total variance: cross entropy {var_ce.sum():.4f}, Brier {var_br.sum():.4f}; "
    f"difference {D.mean():.4f} = {z_trace:.1f} Monte Carlo standard errors"
)
variance_table.round(3)

# %% [markdown]
# The Brier estimator is more variable for every parameter: the variance ratio is above one
# throughout and about two on average, and the total variance differs by several Monte Carlo
# standard errors. On the probability scale
# the same ordering holds for the mean squared distance between fitted and true probabilities,
# $\mathbb{E}_x \lVert \hat q(x) - p(x) \rVert^2$; the linear probability model is far behind,
# because its error is mostly bias, not variance.

# %%
mse_table = pd.DataFrame(
    {
        "mean squared probability error": [prob_sq_err[k].mean() for k in prob_sq_err],
        "Monte Carlo s.e.": [prob_sq_err[k].std(ddof=1) / np.sqrt(R) for k in prob_sq_err],
    },
    index=pd.Index(list(prob_sq_err), name="estimator"),
)
mse_table

# %%
assert np.all(var_br / var_ce > 1)
assert 1.5 < np.mean(var_br / var_ce) < 3
assert z_trace > 3  # the MLE's total variance is lower beyond Monte Carlo error
diff_mse = prob_sq_err["Brier"] - prob_sq_err["cross entropy"]
assert diff_mse.mean() > 3 * diff_mse.std(ddof=1) / np.sqrt(R)
diff_lp = prob_sq_err["linear probability"] - prob_sq_err["Brier"]
assert diff_lp.mean() > 3 * diff_lp.std(ddof=1) / np.sqrt(R)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
j = list(params.index).index("W_2,1")
bins = np.linspace(
    *np.quantile(np.concatenate([theta[k][:, j] for k in theta]), [0.001, 0.999]), 30
)
for name, color in zip(theta, ("C0", "C1")):
    axes[0].hist(
        theta[name][:, j],
        bins=bins,
        histtype="step",
        lw=2,
        color=color,
        density=True,
        label=f"{name}: sd {theta[name][:, j].std(ddof=1):.3f}",
    )
axes[0].axvline(params.loc["W_2,1", "truth"], color="k", ls="--", label="true value")
axes[0].set_xlabel("estimate of $W_{2,1}$")
axes[0].set_title(f"Estimates from {R} data sets of N = {N}", fontsize=11)
axes[0].legend(fontsize=8)
pos = np.arange(len(params.index))
axes[1].errorbar(
    pos,
    variance_table["variance ratio Brier / CE"],
    yerr=[
        variance_table["variance ratio Brier / CE"] - variance_table["ratio 2.5%"],
        variance_table["ratio 97.5%"] - variance_table["variance ratio Brier / CE"],
    ],
    fmt="o",
    capsize=4,
    color="C1",
)
axes[1].axhline(1.0, color="k", lw=1)
axes[1].set_xticks(pos, params.index)
axes[1].set_ylabel("variance ratio, Brier / cross entropy")
axes[1].set_title("Variance ratio per parameter, 95% bootstrap intervals", fontsize=11)
save_figure(fig, "cross-entropy-vs-brier-sampling-variance")
plt.show()

# %% [markdown]
# ## Calibration and accuracy
#
# A forecaster is **calibrated** if, among all the occasions on which it announces probability
# $t$ for an event, the event happens a fraction $t$ of the time. The reliability diagram bins
# the forecasts $q_{ik}$ (every observation and every class) and plots the observed frequency
# of the event $y_i = k$ against the mean forecast in each bin; a calibrated forecaster stays on
# the diagonal up to binomial noise. To see what each *method* converges to, rather than the
# noise of a small training set, we fit on a large training set and evaluate on an independent
# test set ten times smaller, so the estimation error is small next to the test set's binomial
# noise.

# %%
N_train = 20_000 if FAST else 50_000
N_test = N_train // 10
X_tr, y_tr, _ = ce.simulate(N_train, W_true, b_true, rng)
X_te, y_te, p_te = ce.simulate(N_test, W_true, b_true, rng)
H_te = ce.one_hot(y_te, K)
big = {
    "cross entropy": ce.fit_cross_entropy(X_tr, y_tr),
    "Brier": ce.fit_brier(X_tr, y_tr),
    "linear probability": ce.fit_linear_probability(X_tr, y_tr),
}
forecast = {
    "cross entropy": big["cross entropy"].predict_proba(X_te),
    "Brier": big["Brier"].predict_proba(X_te),
    "linear probability": linear_probabilities(X_te, big["linear probability"]),
}
curves = {name: ce.reliability_curve(H_te, q, n_bins=10) for name, q in forecast.items()}
max_z = {name: float(np.max(np.abs(c.z))) for name, c in curves.items()}
# The true probabilities on the same test set: the noise level every forecaster faces.
max_z["truth"] = float(np.max(np.abs(ce.reliability_curve(H_te, p_te, n_bins=10).z)))
print(f"N_train = {N_train}, N_test = {N_test}")
print(
    "largest |observed - forecast| / s.e. over the bins:",
    {k: round(v, 1) for k, v in max_z.items()},
)

# %% [markdown]
# Each bin's deviation, divided by its binomial standard error, is roughly standard normal for a
# calibrated forecaster; over ten bins a value beyond four would be a one-in-a-thousand event.
# The two softmax fits stay inside that bound, as do the true probabilities themselves on the
# same test set (their deviations are pure binomial noise). The linear probability model does
# not. Its curve is S-shaped: its negative forecasts come true a few percent of the time and
# its forecasts above one less than always, while in between it is under-confident (forecasts
# below one half come true less often than announced, those above more often). A straight line
# cannot bend into the S-shape of the true probabilities, so the line's errors show up here.

# %%
assert max_z["cross entropy"] < 4 and max_z["Brier"] < 4 and max_z["truth"] < 4
assert max_z["linear probability"] > 4
lp_te = forecast["linear probability"]
assert ((lp_te < 0) | (lp_te > 1)).any()

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), sharex=True, sharey=True)
for ax, (name, c) in zip(axes, curves.items()):
    ax.plot([-0.1, 1.1], [-0.1, 1.1], color="k", lw=1, label="calibrated")
    ax.errorbar(
        c.mean_predicted,
        c.observed,
        yerr=2 * c.std_error,
        fmt="o-",
        capsize=3,
        label="observed ± 2 s.e. of a calibrated forecaster",
    )
    share_out = ((forecast[name] < 0) | (forecast[name] > 1)).mean()
    ax.axvspan(-0.2, 0, color="C3", alpha=0.1)
    ax.axvspan(1, 1.2, color="C3", alpha=0.1)
    ax.set_title(
        f"{name}\nmax |z| = {max_z[name]:.1f}; {share_out:.1%} of forecasts outside [0, 1]",
        fontsize=10,
    )
    ax.set_xlabel("forecast probability")
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.05, 1.05)
axes[0].set_ylabel("observed frequency")
axes[0].legend(fontsize=8, loc="upper left")
save_figure(fig, "reliability-cross-entropy-brier-linear")
plt.show()

# %% [markdown]
# Accuracy, the share of test observations whose most probable class is the observed one, is
# far less sensitive. Besides the test-set accuracy we compute each classifier's population
# accuracy, $\mathbb{E}_x[p(\hat y(x) \mid x)]$ with $\hat y(x) = \arg\max_k q_k(x)$, on
# $10^5$ fresh feature vectors with the true probabilities, and compare it with the Bayes
# classifier $\arg\max_k p_k(x)$, the best any classifier can do.

# %%
X_acc = ce.sample_features(100_000, d, rng)
p_acc = ce.softmax(ce.linear_predictor(X_acc, W_true, b_true))
predict = {
    "cross entropy": big["cross entropy"].predict_proba,
    "Brier": big["Brier"].predict_proba,
    "linear probability": lambda Z: linear_probabilities(Z, big["linear probability"]),
    "Bayes (truth)": lambda Z: ce.softmax(ce.linear_predictor(Z, W_true, b_true)),
}
rows_acc = np.arange(len(X_acc))
population_accuracy = {
    name: p_acc[rows_acc, f(X_acc).argmax(axis=1)].mean() for name, f in predict.items()
}
test_accuracy = {name: (f(X_te).argmax(axis=1) == y_te).mean() for name, f in predict.items()}
pd.DataFrame({"test accuracy": test_accuracy, "population accuracy": population_accuracy}).round(4)

# %% [markdown]
# The two softmax fits are within half a percentage point of the Bayes classifier. The linear
# probability model loses more than a point: its decision boundaries are still straight lines,
# but in the wrong places, because least squares spends its effort on fitting probabilities far
# from the boundaries. Most of the differences between the methods, though, live in the
# probabilities, not in their argmax: accuracy is a blunt instrument for judging a probabilistic
# classifier.

# %%
bayes = population_accuracy["Bayes (truth)"]
assert abs(population_accuracy["cross entropy"] - bayes) < 0.005
assert abs(population_accuracy["Brier"] - bayes) < 0.005
assert bayes - population_accuracy["linear probability"] > 0.01

# %% [markdown]
# ## Summary
#
# The table collects the test-set scores of the three large-sample fits, next to the
# repeated-data-set results for $N = 300$. The linear probability model's log score cannot be
# computed, since some of its forecasts for the observed class are not positive.

# %%
summary = pd.DataFrame(index=pd.Index(list(forecast), name="estimator"))
summary["test NLL / obs."] = [
    ce.cross_entropy(H_te, forecast["cross entropy"]).mean(),
    ce.cross_entropy(H_te, forecast["Brier"]).mean(),
    np.nan,
]
summary["test Brier / obs."] = [((q - H_te) ** 2).sum(axis=1).mean() for q in forecast.values()]
summary["test accuracy"] = [test_accuracy[k] for k in forecast]
summary["forecasts outside [0, 1]"] = [((q < 0) | (q > 1)).mean() for q in forecast.values()]
summary["max calibration |z|"] = [max_z[k] for k in forecast]
summary["total param. variance (N=300)"] = [var_ce.sum(), var_br.sum(), np.nan]
summary["prob. MSE (N=300)"] = [prob_sq_err[k].mean() for k in forecast]
summary.round(4)

# %%
observed_lp = lp_te[np.arange(N_test), y_te]
assert (observed_lp <= 0).any()  # the log score of the linear probability model is undefined

# %% [markdown]
# ## What this gives us
#
# Cross entropy and the Brier score are both strictly proper, so both aim at the true
# probabilities, and with a correctly specified softmax model both are calibrated. Cross entropy
# has two further properties the Brier score lacks: it is the likelihood, so its estimates vary
# least from one data set to the next, and its expectation splits into the entropy of the data
# and the Kullback–Leibler divergence of the model from the truth, which makes "lower test NLL"
# mean "closer to the true conditional distribution". Dropping the softmax, as the linear
# probability model does, loses calibration and even valid probabilities. The next notebook
# keeps the cross entropy and changes the model: a small neural network.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
