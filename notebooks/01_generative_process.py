# %% [markdown]
# # The generative process of classification
#
# Every classifier trained with cross entropy silently assumes a story about how its data came
# to be. This notebook writes that story down as a probabilistic program, draws a data set from
# it, and checks the draw against an independent NumPy simulation of the same story. The later
# notebooks fit models to data from exactly this process, so it pays to see it clearly first.
#
# The story has two steps. For each observation $i = 1, \dots, N$:
#
# 1. **Features.** A feature vector is drawn from some distribution over the feature space,
#    $x^{(i)} \sim p(x)$ with $x^{(i)} \in \mathbb{R}^d$.
# 2. **Label.** Given the features, a label is drawn from a categorical distribution over the
#    classes $\{0, 1, \dots, C\}$, that is $K = C + 1$ classes:
#    $y^{(i)} \mid x^{(i)} \sim \operatorname{Cat}\big(\beta(x^{(i)})\big)$, where the vector
#    $\beta(x)$ holds the probability of each class at $x$.
#
# Nothing in the story says what $\beta(x)$ looks like. Here we pick the model that the rest of
# the collection fits, softmax regression:
#
# $$
# \beta_k(x) = \operatorname{softmax}(W x + b)_k = \frac{e^{w_k^\top x + b_k}}{\sum_{j=0}^{C} e^{w_j^\top x + b_j}},
# \qquad k = 0, \dots, C .
# $$
#
# Adding the same vector to every row of $(W, b)$ leaves the probabilities unchanged, so we fix
# class 0 as the *pivot*: $w_0 = 0$ and $b_0 = 0$. The remaining rows are the log-odds of each
# class against class 0, and they are identifiable.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from numpy.polynomial.hermite_e import hermegauss
from scipy import stats

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import plot_probability_map, save_figure

RANDOM_SEED = 20_240_601
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## The true parameters
#
# We use $K = 3$ classes and $d = 2$ features drawn from a standard normal,
# $p(x) = \mathcal{N}(0, I_2)$. The true parameters below fix $\beta(x)$ once and for all: they
# play the role of "nature", which a real analysis never gets to see.

# %%
N = 1_000 if FAST else 3_000
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
print(f"N = {N} observations, K = {K} classes, d = {d} features")

# %% [markdown]
# ## The process as a PyMC model
#
# In PyMC the two steps become two random variables: `X` for the features and `y` for the
# labels, linked by the deterministic `logits` $z_i = W x_i + b$. The free rows of $W$ and $b$
# (classes 1 and 2; class 0 is the pivot) are random variables too, with a proper prior, so the
# same model could later be used for inference. To *simulate* from known parameters we do not
# draw them from the prior: `pm.do` replaces them by fixed values, an intervention in the sense
# of causal inference, and leaves the rest of the graph untouched.

# %%
coords = {
    "obs": np.arange(N),
    "feature": [f"x{j}" for j in range(d)],
    "class": np.arange(K),
    "class_free": np.arange(1, K),
}
with pm.Model(coords=coords) as generative:
    X = pm.Normal("X", mu=0.0, sigma=1.0, dims=("obs", "feature"))
    W_free = pm.Normal("W_free", mu=0.0, sigma=2.0, dims=("class_free", "feature"))
    b_free = pm.Normal("b_free", mu=0.0, sigma=2.0, dims="class_free")
    z_free = pt.dot(X, W_free.T) + b_free
    logits = pm.Deterministic(
        "logits", pt.concatenate([pt.zeros((N, 1)), z_free], axis=1), dims=("obs", "class")
    )
    y = pm.Categorical("y", logit_p=logits, dims="obs")

generative

# %% [markdown]
# After the intervention, `W_free` and `b_free` are no longer random variables but fixed data,
# holding the free rows of $W_{\text{true}}$ and $b_{\text{true}}$.

# %%
true_process = pm.do(generative, {"W_free": W_true[1:], "b_free": b_true[1:]})
assert {v.name for v in true_process.free_RVs} == {"X", "y"}
true_process

# %% [markdown]
# One call to `pm.draw` runs the whole process forward: features first, then a label for each
# feature vector.

# %%
X_pm, logits_pm, y_pm = pm.draw(
    [true_process["X"], true_process["logits"], true_process["y"]], random_seed=rng
)
print("PyMC draw:", X_pm.shape, y_pm.shape, "labels", np.unique(y_pm))

# %% [markdown]
# The intervention really did fix the parameters: the logits PyMC computed are exactly
# $W_{\text{true}} x_i + b_{\text{true}}$ as computed by the library's `linear_predictor`, with a zero
# column for the pivot class.

# %%
assert np.allclose(logits_pm, ce.linear_predictor(X_pm, W_true, b_true), rtol=0, atol=1e-12)
assert np.all(logits_pm[:, 0] == 0.0)

# %% [markdown]
# ## The same process in NumPy
#
# The library's `simulate` implements the two steps directly: standard-normal features, then an
# inverse-CDF draw from $\operatorname{softmax}(W x_i + b)$. It uses a different random stream
# and a different algorithm, so the two data sets are not equal; they should be two samples from
# the same distribution. The next three checks test exactly that.

# %%
sim = ce.simulate(N, W_true, b_true, rng)
X_np, y_np = sim.X, sim.y
print("NumPy draw:", X_np.shape, y_np.shape, "labels", np.unique(y_np))

# %% [markdown]
# ### Check 1: class frequencies
#
# Averaged over the features, class $k$ occurs with probability
# $\pi_k = \mathbb{E}_{x \sim p(x)}\big[\operatorname{softmax}(W x + b)_k\big]$. For a standard
# normal $p(x)$ this expectation is a two-dimensional Gauss–Hermite sum, accurate to many digits.
# The number of labels equal to $k$ is then binomial, $\operatorname{Bin}(N, \pi_k)$, so each
# observed frequency should lie within a few standard errors
# $\sqrt{\pi_k (1 - \pi_k) / N}$ of $\pi_k$. We allow four.

# %%
nodes, weights = hermegauss(40)
weights = weights / weights.sum()  # a probability rule for N(0, 1)
g1, g2 = np.meshgrid(nodes, nodes)
quad_x = np.column_stack([g1.ravel(), g2.ravel()])
quad_w = np.outer(weights, weights).ravel()
pi_true = quad_w @ ce.softmax(ce.linear_predictor(quad_x, W_true, b_true))

se = np.sqrt(pi_true * (1 - pi_true) / N)
freq = pd.DataFrame(
    {
        "true pi_k": pi_true,
        "PyMC": np.bincount(y_pm, minlength=K) / N,
        "NumPy": np.bincount(y_np, minlength=K) / N,
        "std. error": se,
    },
    index=pd.Index(range(K), name="class"),
)
freq["z PyMC"] = (freq["PyMC"] - pi_true) / se
freq["z NumPy"] = (freq["NumPy"] - pi_true) / se
freq.round(4)

# %%
assert np.isclose(pi_true.sum(), 1.0, rtol=0, atol=1e-12)
assert np.all(np.abs(freq[["z PyMC", "z NumPy"]].to_numpy()) < 4)

# %% [markdown]
# Both simulations reproduce the class frequencies that the true parameters imply: every
# deviation is well inside four standard errors.
#
# ### Check 2: the features
#
# Both feature samples should be standard normal in each coordinate, and the two samples should
# be indistinguishable from each other. Kolmogorov–Smirnov tests check both; a p-value below
# $10^{-3}$ would flag a mismatch (a false alarm has probability $10^{-3}$ per test).

# %%
ks = pd.DataFrame(
    {
        "PyMC vs N(0,1)": [stats.kstest(X_pm[:, j], "norm").pvalue for j in range(d)],
        "NumPy vs N(0,1)": [stats.kstest(X_np[:, j], "norm").pvalue for j in range(d)],
        "PyMC vs NumPy": [stats.ks_2samp(X_pm[:, j], X_np[:, j]).pvalue for j in range(d)],
    },
    index=pd.Index(coords["feature"], name="feature"),
)
ks.round(3)

# %%
assert (ks.to_numpy() > 1e-3).all()
# The two coordinates are independent: their sample correlation is within 4 / sqrt(N) of zero.
assert abs(np.corrcoef(X_pm.T)[0, 1]) < 4 / np.sqrt(N)
assert abs(np.corrcoef(X_np.T)[0, 1]) < 4 / np.sqrt(N)


# %% [markdown]
# ### Check 3: labels given the features
#
# The heart of the model is the conditional distribution $p(y \mid x)$. We cut the feature plane
# into the three regions where each class is the most probable one under the true parameters,
# and compare, in each region $R$, the observed count of each label with its expectation
# given the features that fell there:
#
# $$
# \mathbb{E}\Big[\textstyle\sum_{i: x_i \in R} 1[y_i = k] \,\Big|\, X\Big]
#   = \sum_{i: x_i \in R} \beta_k(x_i), \qquad
# \operatorname{Var}\Big[\cdot \,\Big|\, X\Big] = \sum_{i: x_i \in R} \beta_k(x_i)\big(1 - \beta_k(x_i)\big).
# $$
#
# The labels are independent given the features, so the standardised differences are
# approximately standard normal; again we allow four.


# %%
def conditional_check(X, y, label):
    """Observed and expected label counts in each true decision region."""
    p = ce.softmax(ce.linear_predictor(X, W_true, b_true))
    region = p.argmax(axis=1)
    rows = []
    for r in range(K):
        inside = region == r
        for k in range(K):
            expected = p[inside, k].sum()
            sd = np.sqrt((p[inside, k] * (1 - p[inside, k])).sum())
            observed = np.sum(y[inside] == k)
            z = (observed - expected) / sd
            rows.append((label, r, k, inside.sum(), observed, expected, z))
    columns = ["data", "region", "label", "n", "observed", "expected", "z"]
    return pd.DataFrame(rows, columns=columns)


by_region = pd.concat(
    [conditional_check(X_pm, y_pm, "PyMC"), conditional_check(X_np, y_np, "NumPy")]
)
by_region.round(2)

# %%
assert np.all(np.abs(by_region["z"]) < 4)
print(f"largest |z| over {len(by_region)} cells: {np.abs(by_region['z']).max():.2f}")

# %% [markdown]
# In every region the labels occur as often as the true class probabilities say they should, in
# both simulations. The figure shows the same comparison as frequencies: each bar is the share
# of a label inside a region, the black marks show the expected share for the features that fell in
# the region, with a band of two standard errors.

# %%
fig, axes = plt.subplots(1, K, figsize=(11, 3.6), sharey=True)
width = 0.38
for r, ax in enumerate(axes):
    for offset, name in ((-width / 2, "PyMC"), (width / 2, "NumPy")):
        part = by_region[(by_region["data"] == name) & (by_region["region"] == r)]
        n_r = part["n"].to_numpy()
        share = part["expected"].to_numpy() / n_r
        ax.bar(part["label"] + offset, part["observed"] / n_r, width, label=f"{name} draw")
        ax.errorbar(
            part["label"] + offset,
            share,
            yerr=2 * np.sqrt(share * (1 - share) / n_r),
            fmt="_",
            color="k",
            ms=14,
            capsize=3,
            label="expected ± 2 s.e." if name == "PyMC" else None,
        )
    ax.set_title(f"class {r} most probable", fontsize=11)
    ax.set_xticks(range(K))
    ax.set_xlabel("label")
axes[0].set_ylabel("share of labels in region")
axes[0].legend(loc="upper right", fontsize=8)
save_figure(fig, "label-frequencies-by-region")
plt.show()

# %% [markdown]
# ## The data and the true class probabilities
#
# The background shows the true model: each point of the plane is coloured by its most probable
# class, paler where that class is less certain; the black lines are the decision boundaries,
# where two classes tie. The dots are the simulated observations, coloured by their label.
# Labels of the "wrong" colour are not noise to be removed: near the boundaries the true
# $\beta(x)$ gives several classes a real chance, and the categorical draw takes it.

# %%
lim = (-3.5, 3.5)
colors = plt.get_cmap("tab10")(np.arange(K))
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharex=True, sharey=True)
for ax, (Xs, ys, name) in zip(axes, ((X_pm, y_pm, "PyMC"), (X_np, y_np, "NumPy"))):
    p_map = plot_probability_map(ax, W_true, b_true, lim, lim)
    for k in range(K):
        sel = ys == k
        ax.scatter(*Xs[sel].T, s=6, color=colors[k], edgecolor="none", alpha=0.8, label=f"y = {k}")
    ax.set_title(f"{name} simulation, N = {N}")
    ax.set_xlabel("$x_0$")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
axes[0].set_ylabel("$x_1$")
axes[1].legend(loc="lower right", markerscale=3)
save_figure(fig, "generative-process-data")
plt.show()

# %% [markdown]
# The probability map is a proper distribution at every point, and its decision regions are the
# regions used in check 3.

# %%
assert np.allclose(p_map.sum(axis=-1), 1.0)
assert set(np.unique(p_map.argmax(axis=-1))) == set(range(K))

# %% [markdown]
# ## What this gives us
#
# The PyMC program and the NumPy simulation agree on the class frequencies, on the features and,
# region by region, on the labels given the features. From here on the data come from
# `ce.simulate`, and the question becomes the reverse one: given only $(x^{(i)}, y^{(i)})$, how
# do we recover $W$ and $b$? The next notebook shows that maximum likelihood answers it, and that
# maximum likelihood for this model is the same thing as minimising the cross entropy.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
