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
# 3. what the three fits converge to: the two softmax fits are calibrated, the linear
#    probability model is not, and accuracy shows the differences only faintly;
# 4. how much they vary: when the model is correctly specified, cross entropy, being the
#    likelihood, gives the least variable estimates, by the factor the sandwich formula
#    predicts;
# 5. the flip side: the Brier score is bounded, and under label noise, when the model is
#    misspecified, it stays closer to the clean probabilities (in the example here).

# %%
import arviz  # noqa: F401  (registers the "arviz-variat" matplotlib style)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss
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
# The absolute error is linear in $q$: when the most probable class is unique, it is minimised
# by putting all the mass on that class, whatever the other probabilities are. Propriety
# matters for fitting because fitting minimises an average score over the data, an estimate of
# the expected score: only a strictly proper rule guarantees that the truth is the unique
# target.
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
# Check: the grid minimisers, and the three closed forms above, computed a second way.
# Tolerances: floating-point rounding of sums of three terms (1e-12); the smallest excess on
# the grid, at a neighbour of p, is about 2e-4, far above it.
interior = np.all(grid > 0, axis=1)  # the log score is infinite on the boundary
assert np.array_equal(argmin["log"], p_demo) and np.array_equal(argmin["brier"], p_demo)
assert np.array_equal(argmin["absolute"], [0.0, 1.0, 0.0])
for rule in ("log", "brier"):  # strict: every other grid point scores worse
    assert expected[rule][~is_p].min() > expected[rule][is_p][0] + 1e-6
excess_log = expected["log"][interior] - expected["log"][is_p]
assert np.allclose(excess_log, ce.kl_divergence(p_demo, grid[interior]), rtol=0, atol=1e-12)
excess_brier = expected["brier"] - expected["brier"][is_p]
assert np.allclose(excess_brier, ((grid - p_demo) ** 2).sum(axis=1), rtol=0, atol=1e-12)
assert np.allclose(expected["absolute"], 2 * (1 - grid @ p_demo), rtol=0, atol=1e-12)

# %% [markdown]
# The log and Brier scores are minimised exactly at $q = p$, and strictly: every other grid
# point scores worse, by the Kullback–Leibler divergence and by the squared distance,
# respectively. The absolute error prefers the corner $q = (0, 1, 0)$, an over-confident forecast
# that reports class 1 as certain although it happens only half of the time. In the figure each
# corner of the triangle is a certain forecast of one class; the star marks the truth $p$ and
# the cross the best forecast on the grid.


# %%
def simplex_xy(q):
    """Barycentric coordinates on the simplex -> points of an equilateral triangle."""
    return q[..., 1] + q[..., 2] / 2, q[..., 2] * np.sqrt(3) / 2


fig, axes = plt.subplots(1, 3, figsize=(14, 4.4))
titles = {"log": "log score (cross entropy)", "brier": "Brier score", "absolute": "absolute error"}
for ax, rule in zip(axes, rules):
    keep = interior if rule == "log" else np.ones(len(grid), bool)
    excess = expected[rule][keep] - expected[rule][keep].min()
    levels = np.unique(np.quantile(excess, np.linspace(0, 1, 16)))
    tcf = ax.tricontourf(*simplex_xy(grid[keep]), excess, levels=levels, cmap="viridis_r")
    fig.colorbar(tcf, ax=ax, shrink=0.8, format="%.2f", label="expected score − its minimum")
    ax.plot(*simplex_xy(p_demo), "*", ms=16, color="white", mec="k", label="truth $p$")
    ax.plot(*simplex_xy(argmin[rule]), "x", ms=11, mew=2.5, color="C3", label="best forecast")
    for k, (cx, cy) in enumerate(zip(*simplex_xy(np.eye(3)))):
        ax.text(cx, cy + (0.04 if k == 2 else -0.1), f"class {k}", ha="center", fontsize=11)
    ax.set(title=titles[rule], aspect="equal", xlim=(-0.1, 1.1), ylim=(-0.15, 1.0))
    ax.axis("off")
axes[0].legend(loc="upper left", fontsize=9)
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
# minimising the expected divergence from the truth; the average NLL of the training data
# estimates it, and the MLE minimises that estimate. The smallest value any model can reach is
# the entropy, and only the true conditional distribution reaches it.
#
# From here on the data come from the generative process with $K = 3$ classes, standard-normal
# features in $d = 2$ dimensions, and true parameters sharper than in notebook 01 (slopes
# up to 3 instead of 2), so that the class probabilities come close to 0 and 1 over much of the
# plane: the regime where the choice of loss matters.

# %%
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [2.5, -1.0], [-1.0, 3.0]])
b_true = np.array([0.0, 0.5, -0.5])
theta_true = ce.pack_params(W_true, b_true)  # pivot parametrisation: class 0 fixed at zero
names = [s for k in range(1, K) for s in [f"b_{k}"] + [f"W_{k},{j}" for j in range(d)]]

# %% [markdown]
# Three models enter the comparison: the truth itself; the MLE from a small training set of
# 100 observations; and the intercept-only model fitted to the same 100 observations, which
# ignores the features and predicts the class frequencies everywhere. The three population
# quantities come from `ce.population_cross_entropy`, which computes each of them separately
# by Gauss–Hermite quadrature over $x \sim \mathcal{N}(0, I_2)$ and an exact sum over $y$.

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
# Now the empirical side: for each $N$ a fresh test set, the same for the three models, and the
# average NLL with its standard error.

# %%
N_grid = [30, 300, 3_000, 30_000, 300_000]
rows, nll_largest = [], {}
for N_test in N_grid:
    X_t, y_t, _ = ce.simulate(N_test, W_true, b_true, rng)
    for name, (W, b) in models.items():
        nll_i = -ce.categorical_log_pmf(y_t, ce.log_softmax(ce.linear_predictor(X_t, W, b)))
        se = nll_i.std(ddof=1) / np.sqrt(N_test)
        rows.append((name, N_test, nll_i.mean(), se, population[name].cross_entropy))
        nll_largest[name] = nll_i  # kept for the largest N
convergence = pd.DataFrame(rows, columns=["model", "N", "average NLL", "s.e.", "population"])
convergence["z"] = (convergence["average NLL"] - convergence["population"]) / convergence["s.e."]
convergence.pivot(index="N", columns="model", values="average NLL").round(4)

# %% tags=["hide-input"]
# Check: the quadrature against Monte Carlo. (1) Each average NLL is within 4 s.e. of the
# population cross entropy; 15 roughly standard-normal z, so a false alarm has probability
# about 15 * 6e-5 = 1e-3; at N = 300,000 it detects a quadrature error above ~0.005 nats.
# (2) At the largest N the paired difference NLL(model) - NLL(truth), same observations,
# estimates the KL term alone, with a smaller s.e. (3) The three quadrature sums agree to
# rounding: cross entropy = entropy + KL, each computed separately.
assert np.all(np.abs(convergence["z"]) < 4)
for name in ("MLE, N = 100", "intercept only"):
    diff = nll_largest[name] - nll_largest["truth"]
    print(f"{name}: KL by Monte Carlo {diff.mean():.4f}, by quadrature {population[name].kl:.4f}")
    assert abs(diff.mean() - population[name].kl) < 4 * diff.std(ddof=1) / np.sqrt(diff.size)
for v in population.values():
    assert np.isclose(v.cross_entropy, v.entropy + v.kl, rtol=1e-12, atol=0)

# %%
fig, ax = plt.subplots(figsize=(11, 4.6))
for i, name in enumerate(models):
    part = convergence[convergence["model"] == name]
    x, err = part["N"] * (0.93, 1.0, 1.07)[i], 2 * part["s.e."]
    label = f"{name}: average NLL ± 2 s.e."
    ax.errorbar(x, part["average NLL"], err, fmt="o", color=f"C{i}", capsize=3, label=label)
    ax.axhline(population[name].cross_entropy, color=f"C{i}", lw=1)
ax.axhline(population["truth"].entropy, color="k", ls="--", lw=1.2, label="entropy $E[H(p)]$")
ax.plot([], [], color="0.4", lw=1, label="population cross entropy (colour of its model)")
ax.set(xscale="log", xlabel="size of the fresh data set $N$", ylabel="average NLL per observation")
ax.set_title("Average NLL converges to entropy + KL divergence")
ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
save_figure(fig, "average-nll-entropy-plus-kl")
plt.show()

# %% [markdown]
# Every model's average NLL settles on its own population cross entropy; the gap between a
# model's line and the dashed entropy is its expected KL divergence, zero only for the truth.
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
fit_wb = {"cross entropy": (fit_ce.weights, fit_ce.bias), "Brier": (fit_br.weights, fit_br.bias)}
kl = {k: ce.population_cross_entropy(W_true, b_true, *wb).kl for k, wb in fit_wb.items()}
table = {"test NLL / obs.": nll, "test Brier / obs.": {k: v.mean() for k, v in brier_i.items()}}
table |= {"forecasts outside [0, 1]": outside, "E[KL(p || q)]": kl}
pd.DataFrame(table).map(lambda v: f"{v:.4g}")

# %% [markdown]
# On the test set the two softmax fits score within 0.001 of the truth by either rule, and
# their expected KL divergence from the truth (by quadrature, as in the previous section) is
# below $3 \times 10^{-4}$ nats: with 100,000 observations both have nearly reached the true
# probabilities, as consistency promises. The linear probability model's fitted rows sum to
# one, because the one-hot rows do and the design has an intercept, but nothing keeps the
# entries inside $[0, 1]$. A "probability" below zero has no log score at all, and one above
# one promises more than certainty; here some observed classes get a forecast of zero or less,
# so the linear probability model's test NLL is undefined, and its Brier score is clearly worse
# than the truth's.

# %% tags=["hide-input"]
# Check: the softmax fits' KL below 3e-4 (for the MLE it is about chi2_6 / (2 N_train), mean
# 3e-5) and their test scores within 0.001 of the truth's (paired s.e. about 1e-4); the linear
# probability model's rows sum to one to rounding, leave [0, 1] both ways, and its Brier score
# exceeds the truth's by more than 4 paired s.e.
for k in ("cross entropy", "Brier"):
    assert kl[k] < 3e-4 and abs(nll[k] - nll["truth"]) < 0.001
    assert abs(brier_i[k].mean() - brier_i["truth"].mean()) < 0.001
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
# divided by its binomial standard error, $z$, is then roughly standard normal (Guo et al. 2017
# use reliability diagrams of this kind, for the most probable class, on neural networks).

# %%
curves = {name: ce.reliability_curve(H_te, q, n_bins=10) for name, q in forecast.items()}
max_z = {name: float(np.max(np.abs(c.z))) for name, c in curves.items()}
print("largest |z| over the ten bins:", {k: round(v, 1) for k, v in max_z.items()})

# %% [markdown]
# The two softmax fits stay within $|z| < 4$ in every bin, as do the true probabilities on the
# same test set, whose deviations are pure binomial noise. The linear probability model does
# not. Its curve is S-shaped: its lowest bin, where the mean forecast is negative, still comes
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
    label = "observed ± 2 binomial s.e."
    ax.errorbar(c.mean_predicted, c.observed, 2 * c.std_error, fmt="o-", capsize=3, label=label)
    for lo, hi in ((-0.2, 0), (1, 1.2)):
        ax.axvspan(lo, hi, color="C3", alpha=0.1)
    ax.set_title(f"{name}\nmax |z| {max_z[name]:.1f}, {outside[name]:.1%} outside [0, 1]")
    ax.set(xlabel="forecast probability", xlim=(-0.2, 1.2), ylim=(-0.05, 1.05))
axes[0].set_ylabel("observed frequency")
axes[0].legend(fontsize=9, loc="upper left")
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

# %% [markdown]
# The two softmax fits lose less than a tenth of a percentage point against the Bayes
# classifier. The linear probability model loses more than one point: its decision boundaries
# are straight lines too, but not the Bayes ones, because where two fitted straight lines cross
# is not where the two S-shaped true probabilities cross. Most of the differences between the
# methods live in the probabilities, not in their argmax: accuracy is a blunt instrument for
# judging a probabilistic classifier.

# %% tags=["hide-input"]
# Check: the softmax fits' losses below 0.001; the linear probability model's above 0.01 by
# more than 4 paired s.e. (its s.e. is about 2e-4, the softmax fits' about 1e-6).
assert loss["cross entropy"].mean() < 0.001 and loss["Brier"].mean() < 0.001
assert loss["linear probability"].mean() > 0.01 + 4 * se_loss["linear probability"]

# %% [markdown]
# ## The sampling distribution: cross entropy is the most efficient
#
# Because the Brier score is strictly proper, the softmax model is correctly specified and its
# pivot parameters are identifiable, the expected Brier score is minimised at the true
# parameters, as is the expected NLL: both estimators are consistent for the same $\theta$.
# They differ in how much they vary from one data set to the next, and the gradients show why.
# Write $D_i = \partial z_i / \partial \theta$ for the derivative of observation $i$'s logits and
# $J(q) = \operatorname{diag}(q) - q q^\top$, which is both the Jacobian $\partial q / \partial z$
# of the softmax and the covariance of the one-hot label when $q$ is the truth. The two fits
# solve
#
# $$
# \text{log:}\quad \sum_i D_i^\top (q_i - h_i) = 0, \qquad
# \text{Brier:}\quad \sum_i D_i^\top J(q_i)\,(q_i - h_i) = 0 .
# $$
#
# The Brier fit is nonlinear least squares on the probability scale: it treats every residual
# $h_i - q_i$ as equally noisy, although their covariance $J(q_i)$ is nearly zero where the
# model is confident. Weighting each residual by the (generalised) inverse of its covariance,
# as generalised least squares would, turns the Brier equation into the log-score one: the MLE
# is the properly weighted fit. In the logits, the log score's gradient $q_i - h_i$ has every
# entry in $[-1, 1]$; its *pull* towards the observed class (minus the derivative with respect
# to that class's logit) is $1 - q_{i y_i}$, nearly 1 for a surprising observation. The Brier
# score's pull towards the observed class fades like $q_{i y_i}$. The next cell evaluates both
# gradients (`ce.score_logits`) for one observation of class 0 as its probability shrinks.

# %%
logits = np.column_stack([np.linspace(-2, -20, 7), np.zeros((7, 2))])
y0 = np.zeros(len(logits), dtype=int)  # class 0 observed, the other two equally likely
q_y = ce.softmax(logits)[:, 0]
grad = {rule: ce.score_logits(y0, logits, rule)[1] for rule in ("log", "brier")}
pull_log, pull_brier = -grad["log"][:, 0], -grad["brier"][:, 0]
table = np.column_stack([q_y, pull_log, pull_brier, pull_brier / q_y])
columns = ["q_y", "log-score pull", "Brier pull", "Brier pull / q_y"]
pd.DataFrame(table, columns=columns).map(lambda v: f"{v:.3g}")

# %% tags=["hide-input"]
# Check: the log score's gradient stays in [-1, 1] and its pull tends to 1; the Brier pull is
# 2 q_y (1 - 2 q_y + |q|^2), so pull / q_y lies in [2, 4] when q_y < 0.18: it vanishes like q_y.
assert np.all(np.abs(grad["log"]) <= 1) and np.all(pull_log > 0.9) and pull_log[-1] > 1 - 1e-8
assert np.all((pull_brier / q_y > 2) & (pull_brier / q_y < 4))

# %% [markdown]
# How much variance does this cost? An estimator that minimises a sum of per-observation
# scores $\sum_i S_i(\theta)$ has, for large $N$ and under smoothness conditions that hold here,
# covariance $A^{-1} B A^{-1} / N$ (the **sandwich**, Huber & Ronchetti 2009), with $A$ the
# expected Hessian of $S_i$ and $B$ the covariance of its gradient, both at the parameter the
# estimator converges to. For the log score $A = B = I$, the Fisher information, so the MLE's
# covariance is $I^{-1}/N$ with $I = \mathbb{E}_x[D^\top J D]$; for the Brier score, at the
# truth, $A = \mathbb{E}_x[D^\top J^2 D]$ and $B = \mathbb{E}_x[D^\top J^3 D]$ (constant factors
# cancel). Under a correctly specified model $I^{-1}$ is the smallest asymptotic covariance of
# any *regular* estimator (one whose limit distribution does not change under small
# perturbations of $\theta$; smooth M-estimators such as the Brier fit are regular), so the
# ratio of the Brier estimator's asymptotic variance to the MLE's is at least one for every
# parameter. We compute both matrices by Gauss–Hermite quadrature.


# %%
def gauss_hermite_2d(n_nodes=60):
    """Nodes and weights for E over x ~ N(0, I_2): a tensor Gauss-Hermite rule."""
    t, w = hermegauss(n_nodes)  # weight exp(-t^2 / 2)
    nodes = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    return nodes, np.outer(w, w).ravel() / (2 * np.pi)


x_q, w_q = gauss_hermite_2d()
p_q = ce.softmax(ce.linear_predictor(x_q, W_true, b_true))
J = p_q[:, :, None] * np.eye(K) - p_q[:, :, None] * p_q[:, None, :]  # (n_nodes, K, K)
design_q = np.column_stack([np.ones(len(x_q)), x_q])
D = np.einsum("kl,np->nklp", np.eye(K)[:, 1:], design_q).reshape(len(x_q), K, -1)


def expect(Mx):
    """E_x[D^T M(x) D] by the quadrature rule."""
    return np.einsum("n,nka,nkl,nlb->ab", w_q, D, Mx, D)


A, B = expect(J @ J), expect(J @ J @ J)
V_ce = np.linalg.inv(expect(J))
V_br = np.linalg.solve(A, np.linalg.solve(A, B).T)  # A^-1 B A^-1
ratio_theory = np.diag(V_br) / np.diag(V_ce)  # 60 against 80 nodes: changes below 1e-3
print("asymptotic variance ratio, Brier / cross entropy:", ratio_theory.round(2))

# %% [markdown]
# The simulation: many data sets of $N = 5{,}000$ from the generative process, both softmax
# estimators fitted to each.

# %%
N, R = 5_000, 300 if FAST else 1_000
theta = {"cross entropy": [], "Brier": []}
for _ in range(R):
    Xr, yr, _ = ce.simulate(N, W_true, b_true, rng)
    for name, fit in (("cross entropy", ce.fit_cross_entropy), ("Brier", ce.fit_brier)):
        f = fit(Xr, yr)
        theta[name].append(ce.pack_params(f.weights, f.bias))
theta = {k: np.array(v) for k, v in theta.items()}

# %% [markdown]
# The variance ratio per parameter, with its Monte Carlo standard error by the delta method
# (for $\log$ of the ratio: the standard deviation over data sets of
# $a_r / \bar a - c_r / \bar c$, over $\sqrt{R}$, where $a_r$ and $c_r$ are the squared
# deviations of the Brier and MLE estimates from their means), next to the sandwich prediction.

# %%
dev2 = {k: (v - v.mean(axis=0)) ** 2 for k, v in theta.items()}
a_r, c_r = dev2["Brier"], dev2["cross entropy"]
ratio_sim = a_r.mean(axis=0) / c_r.mean(axis=0)
se_log_ratio = (a_r / a_r.mean(axis=0) - c_r / c_r.mean(axis=0)).std(axis=0, ddof=1) / np.sqrt(R)
sd = {k: v.std(axis=0, ddof=1) for k, v in theta.items()}
table = [sd["cross entropy"], sd["Brier"], ratio_sim, ratio_sim * se_log_ratio, ratio_theory]
columns = ["sd, cross entropy", "sd, Brier", "ratio, simulated", "Monte Carlo s.e.", "sandwich"]
print(f"{R} data sets of N = {N}; variance ratio Brier / cross entropy:")
pd.DataFrame(np.column_stack(table), columns=columns, index=names).round(3)

# %% tags=["hide-input"]
# Check: simulation against the sandwich, per parameter, on the log scale: |z| < 4 (false-alarm
# probability below 6 * 6e-5 if the asymptotics held exactly; the O(1/N) finite-sample excess
# of the simulated ratios, about 5% at N = 2,000 in a trial run, is under one s.e. at
# N = 5,000). It detects a ratio off by more than 4 s.e., about
# 15% (full mode) or 25% (fast mode). The total variance is compared pairwise as well:
# D_r = sum of the Brier squared deviations - sum of the MLE's, mean over its s.e.
z_ratio = (np.log(ratio_sim) - np.log(ratio_theory)) / se_log_ratio
D_r = a_r.sum(axis=1) - c_r.sum(axis=1)
z_total = D_r.mean() / (D_r.std(ddof=1) / np.sqrt(R))
print("z, simulated against sandwich:", z_ratio.round(2), f"; total variance z = {z_total:.1f}")
assert np.all(np.abs(z_ratio) < 4) and np.all((ratio_theory > 1.25) & (ratio_theory < 1.65))
assert z_total > 4  # the MLE's total variance is lower beyond Monte Carlo error

# %% [markdown]
# The Brier estimator is more variable for every parameter, by the factor the sandwich formula
# predicts, between about 1.3 and 1.6 here: for large $N$, the Brier fit needs that many times
# more data to match the MLE's precision.

# %%
fig, ax = plt.subplots(figsize=(8, 4.4))
pos, err = np.arange(len(names)), 2 * ratio_sim * se_log_ratio
label = f"simulated, {R} data sets of N = {N}, ± 2 Monte Carlo s.e."
ax.errorbar(pos, ratio_sim, err, fmt="o", capsize=4, color="C1", label=label)
ax.plot(pos, ratio_theory, "_", ms=22, mew=2.5, color="k", label="sandwich formula, N → ∞")
ax.axhline(1.0, color="0.5", lw=1, ls=":", label="equal variance")
ax.set_xticks(pos, names)
ax.set(ylabel="variance ratio, Brier / cross entropy", ylim=(0.9, 2.3))
ax.set_title("Variance of the Brier estimator relative to the MLE's, per parameter")
ax.legend(fontsize=9, loc="upper left")
save_figure(fig, "cross-entropy-vs-brier-sampling-variance")
plt.show()

# %% [markdown]
# ## The flip side: label noise, a bounded score and misspecification
#
# Efficiency is a statement about a correctly specified model. Suppose instead that each label
# is replaced, with probability $\varepsilon = 0.1$, by a class drawn uniformly at random. The
# labels then follow $p_\varepsilon(x) = (1 - \varepsilon)\, p(x) + \varepsilon / K$, which no
# softmax regression matches: its probabilities tend to 0 far from the decision boundaries,
# while $p_\varepsilon$ never falls below $\varepsilon / K$. With the model misspecified, each
# rule's fit converges to its own best approximation: the log score's to the minimiser of
# $\mathbb{E}_x[\mathrm{KL}(p_\varepsilon \,\|\, q_\theta)]$, the Brier score's to the
# minimiser of $\mathbb{E}_x \lVert q_\theta - p_\varepsilon \rVert^2$. We compute both targets
# with the same quadrature rule.

# %%
eps = 0.1
p_noisy = (1 - eps) * p_q + eps / K
logit_fn_q = ce.linear_logit_fn(x_q, K)


def population_fit(rule):
    """argmin over theta of E_x[expected score of q_theta(x) under p_noisy(x)], by quadrature."""

    def objective(th):
        Z, vjp = logit_fn_q(th)
        q = ce.softmax(Z)
        r = w_q[:, None] * (q - p_noisy)
        if rule == "log":
            return -(w_q[:, None] * p_noisy * ce.log_softmax(Z)).sum(), vjp(r)
        return (r * (q - p_noisy)).sum(), vjp(2 * q * (r - (r * q).sum(axis=1, keepdims=True)))

    return optimize.minimize(
        objective, theta_true, jac=True, method="BFGS", options={"gtol": 1e-9}
    ).x


target = {"cross entropy": population_fit("log"), "Brier": population_fit("brier")}
pd.DataFrame({"clean truth": theta_true, **target}, index=names).round(3)

# %% [markdown]
# Both targets have flatter slopes than the clean parameters, the log score's much more so.
# Far from the boundaries a mislabelled observation has a tiny probability under the clean
# model; the log score charges it $-\log q_y$, without bound, and keeps pulling on the logits
# with a force near 1; a softmax regression lowers that cost by flattening its probabilities,
# that is, by shrinking its slopes. The Brier score charges at most 2 and its pull fades like $q_y$: a
# bounded score limits the influence of gross errors, the central idea of robust statistics.
# The distances of each target from the noisy and from the clean probabilities:

# %%
q_target = {k: ce.softmax(logit_fn_q(v)[0]) for k, v in target.items()}
table = {"E KL(p_noisy || q)": {k: w_q @ ce.kl_divergence(p_noisy, q) for k, q in q_target.items()}}
table["E |q - p_noisy|^2"] = {
    k: w_q @ ((q - p_noisy) ** 2).sum(axis=1) for k, q in q_target.items()
}
table["E KL(p_clean || q)"] = {k: w_q @ ce.kl_divergence(p_q, q) for k, q in q_target.items()}
table["E |q - p_clean|^2"] = {k: w_q @ ((q - p_q) ** 2).sum(axis=1) for k, q in q_target.items()}
distances = pd.DataFrame(table).rename_axis("target of")
distances.round(4)

# %% [markdown]
# Each target is the better one by its own rule's measure of distance from the noisy truth, by
# construction; against the clean probabilities, the Brier target is the closer one by both
# measures. Which fit to prefer depends on the goal: to forecast the noisy labels as they come,
# the log-score fit is the best in log score; to recover the clean probabilities, the bounded
# score does better here. The likelihood can have both: a model that includes the noise,
# $q = (1 - \varepsilon)\operatorname{softmax}(Wx + b) + \varepsilon / K$ with $\varepsilon$ a
# parameter, is correctly specified, so its MLE is consistent for the clean parameters and
# efficient again.

# %% tags=["hide-input"]
# Check: the slopes shrink, the log score's more; the Brier target is closer to the clean
# probabilities (quadrature error, 60 against 80 nodes, below 1e-4 in the targets; the
# differences checked are above 0.1 in the slopes and 1e-3 in the distances). Then the library's
# fits on 50,000 noisy labels: each lies nearer its own rule's target than the other's, by
# less than half the targets' separation (0.8). Their distance from their own target is
# sampling error: sqrt(trace V / N) = 0.06-0.08 with the clean-model V above, somewhat more
# under the noise (0.05 to 0.14 in trial runs), so the bound 0.4 leaves a margin of three.
slope = [names.index(s) for s in names if s.startswith("W")]
assert np.all(np.abs(target["cross entropy"][slope]) < np.abs(target["Brier"][slope]))
assert np.all(np.abs(target["Brier"][slope]) < np.abs(theta_true[slope]))
clean = distances[["E KL(p_clean || q)", "E |q - p_clean|^2"]]
assert np.all(clean.loc["Brier"] < clean.loc["cross entropy"] - 1e-3)
X_n, y_n, _ = ce.simulate(50_000, W_true, b_true, rng)
y_n = np.where(rng.random(y_n.size) < eps, rng.integers(K, size=y_n.size), y_n)
for name, fit in (("cross entropy", ce.fit_cross_entropy), ("Brier", ce.fit_brier)):
    f = fit(X_n, y_n)
    dist = {k: np.linalg.norm(ce.pack_params(f.weights, f.bias) - v) for k, v in target.items()}
    print(f"{name} fit: distance to each target", {k: f"{v:.3f}" for k, v in dist.items()})
    assert min(dist, key=dist.get) == name and dist[name] < 0.5 * max(dist.values())

# %% [markdown]
# ## What this gives us
#
# Cross entropy and the Brier score are both strictly proper, so with a correctly specified
# softmax model both aim at the true probabilities, and both fits are calibrated. Cross entropy
# is the likelihood, so its estimates vary least from one data set to the next: here the Brier
# fit needs 1.3 to 1.6 times as much data for the same precision, as the sandwich formula
# predicts. Its expectation splits into the entropy of the data and the Kullback–Leibler
# divergence of the model from the truth, which makes "lower test NLL" mean "closer to the true
# conditional distribution". The Brier score's boundedness is its strength when the labels are
# noisy and the model does not account for it: there the two rules aim at different
# approximations, and the bounded one stays closer to the clean probabilities. Dropping the
# softmax, as the linear probability model does, loses calibration and even valid
# probabilities. The next notebook keeps the cross entropy and changes the model: a small
# neural network.
#
# ## References
#
# - Brier, G. W. (1950). Verification of forecasts expressed in terms of probability.
#   *Monthly Weather Review*, 78(1), 1–3.
# - Good, I. J. (1952). Rational decisions. *Journal of the Royal Statistical Society,
#   Series B*, 14(1), 107–114.
# - Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
#   estimation. *Journal of the American Statistical Association*, 102(477), 359–378.
# - Huber, P. J., & Ronchetti, E. M. (2009). *Robust Statistics* (2nd ed.). Wiley.
# - Guo, C., Pleiss, G., Sun, Y., & Weinberger, K. Q. (2017). On calibration of modern neural
#   networks. *Proceedings of the 34th International Conference on Machine Learning*, PMLR 70,
#   1321–1330.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
