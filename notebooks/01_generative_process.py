# %% [markdown]
# # The generative process of classification
#
# Training a classifier by minimising the cross entropy against hard (one-hot) labels is maximum
# likelihood under one assumption about the data: **given the features, the labels are
# independent, and each is a draw from a categorical distribution over the classes.** It
# assumes nothing about how the features arise (they need not be random, nor i.i.d.). Soft
# labels, label smoothing and class weights fall outside it: their losses are not the
# log-likelihood of the observed labels (integer class weights are that of a data set with
# replicated rows, which is not the one observed). This notebook writes a complete story of this kind down as a
# probabilistic program in PyMC (a full story, with a distribution for the features too, so that
# data can be simulated), runs it forward to draw a data set, and compares the draw with an
# independent NumPy simulation. The later notebooks fit models to data from exactly this
# process.
#
# The story has two steps. For each observation $i = 1, \dots, N$, independently:
#
# 1. **Features.** A feature vector is drawn from a distribution over the feature space,
#    $x^{(i)} \sim p(x)$ with $x^{(i)} \in \mathbb{R}^d$.
# 2. **Label.** Given the features, a label is drawn from a categorical distribution over the
#    $K$ classes $\{0, 1, \dots, K - 1\}$:
#    $y^{(i)} \mid x^{(i)} \sim \operatorname{Cat}\big(p^\star(\cdot \mid x^{(i)})\big)$, where
#    $p^\star(k \mid x)$ is the true probability of class $k$ at $x$.
#
# Nothing in the story says what $p^\star$ looks like. We pick the model that the rest of the
# collection fits, softmax regression $q_\theta$ with parameters $\theta = (W, b)$, and set
# $p^\star = q_{\theta^\star}$ for true parameters $\theta^\star = (W^\star, b^\star)$:
#
# $$
# q_\theta(k \mid x) = \operatorname{softmax}(W x + b)_k = \frac{e^{w_k^\top x + b_k}}{\sum_{j=0}^{K-1} e^{w_j^\top x + b_j}},
# \qquad k = 0, \dots, K - 1 ,
# $$
#
# where $w_k^\top$ is row $k$ of $W$. Adding the same vector to every row of $(W, b)$ leaves the
# probabilities unchanged (shown below), so we fix class 0 as the *pivot*: $w_0 = 0$ and
# $b_0 = 0$. The remaining rows are then the coefficients of the log-odds of each class against
# class 0, $\log\big(q_\theta(k \mid x) / q_\theta(0 \mid x)\big) = w_k^\top x + b_k$. They are
# *identifiable* (different parameters give different probabilities) when the matrix
# $[\mathbf 1, X]$, the features with a column of ones, has full column rank $d + 1$ (notebook
# 04).

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pymc as pm
import pytensor.tensor as pt
from IPython.display import display
from matplotlib.lines import Line2D
from numpy.polynomial.hermite_e import hermegauss
from scipy import stats
from scipy.special import log_softmax

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_601
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
az.style.use("arviz-variat")

# %% [markdown]
# ## The true parameters
#
# We use $K = 3$ classes and $d = 2$ features drawn from a standard normal,
# $p(x) = \mathcal{N}(0, I_2)$. The true parameters fix $p^\star$ once and for all: they play
# the role of "nature", which a real analysis never gets to see.

# %%
N = 1_000 if FAST else 3_000
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
print(f"N = {N} observations, K = {K} classes, d = {d} features")

# %% [markdown]
# The pivot in one line: adding a vector $(a, c)$ to every row of $(W, b)$ changes every logit of
# an observation by the same amount $a^\top x + c$, and the softmax does not see it.

# %%
x_demo = rng.normal(size=(4, d))
a, c = np.array([0.7, -2.0]), 1.3
print(ce.softmax(ce.linear_predictor(x_demo, W_true, b_true)).round(6))
print(ce.softmax(ce.linear_predictor(x_demo, W_true + a, b_true + c)).round(6))

# %% [markdown]
# ## The process as a PyMC model
#
# In PyMC the two steps become two random variables, `X` for the features and `y` for the
# labels, linked by the deterministic `logits` $z_i = W x_i + b$. A PyMC model needs a
# distribution for every quantity it does not observe, so the free rows of $W$ and $b$ (classes
# 1 and 2) get one too: a *prior*, what is assumed about the parameters before any data are
# seen (notebook 03). We take independent $\mathcal{N}(0, 2^2)$ priors. For simulation they are
# replaced by fixed values below, so their choice does not matter here; it matters when the
# same program is used for inference (notebooks 03 and 05). Note that independent priors on the
# pivot's free rows are not symmetric in the classes: at $x = 0$ the log-odds of class 2
# against class 1, $b_2 - b_1$, get prior variance 8, those against class 0 variance 4
# (Exercise 2 asks what happens at other $x$).

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

# the graph alone (its text form names a memory address, which differs between runs)
display(pm.model_to_graphviz(generative), include=["image/svg+xml"])

# %% [markdown]
# In the graph, ellipses are random variables and the rectangle is a deterministic quantity
# (`logits`, a function of its parents); an arrow points from a quantity to those computed from
# it. The rounded boxes (*plates*) mark repetition and are labelled by all the dimensions of
# the nodes inside: `X` sits in the plate `obs (3000) x feature (2)` (a $3000 \times 2$ array,
# $N = 1000$ in the fast mode), `W_free` in `class_free (2) x feature (2)`, `logits` in
# `obs (3000) x class (3)`, `b_free` in `class_free (2)` and `y` in `obs (3000)`. PyMC draws
# one plate per combination of dimensions, side by side, not nested.
#
# Given the features and the labels, the parameters' part of this program is the library's
# inference model `ce.softmax_regression_model(X, y, prior=2.0)`, whose log density is the log
# prior plus the log-likelihood: an *unnormalised* log posterior (notebook 03). The features
# add $\sum_i \log \mathcal{N}(x^{(i)}; 0, I)$, which does not involve $W$ or $b$.

# %% tags=["hide-input"]
# Check: at three random parameter points, with the data fixed at one prior-predictive draw,
# log p(X, W, b, y) of the program = a NumPy log density (SciPy's log_softmax of the observed
# labels + normal log densities of W, b, X), and = the library model's log density + the
# features' term. PyMC's compiled (rewritten) graph departs from the term-by-term sum by ~1e-11
# relative in our runs; 1e-9 relative is an empirical margin of 100 times that, not a derived
# bound. A prior sd off by 0.5% (2.01 for 2) shifts the log density by ~0.02, far above it.
X_prior, y_prior = pm.draw([generative["X"], generative["y"]], random_seed=rng)
library = ce.softmax_regression_model(X_prior, y_prior, prior=2.0, n_classes=K)
logp_program, logp_library = generative.compile_logp(), library.compile_logp()
for _ in range(3):
    Wf, bf = rng.normal(size=(K - 1, d)), rng.normal(size=K - 1)
    z_np = np.column_stack([np.zeros(N), X_prior @ Wf.T + bf])
    terms = np.concatenate(
        [
            log_softmax(z_np, axis=1)[np.arange(N), y_prior],
            stats.norm.logpdf(np.r_[Wf.ravel(), bf], scale=2.0),
            stats.norm.logpdf(X_prior).ravel(),
        ]
    )
    tol = 1e-9 * np.abs(terms).sum()
    lhs = logp_program({"W_free": Wf, "b_free": bf, "X": X_prior, "y": y_prior})
    assert abs(lhs - terms.sum()) < tol, (lhs, terms.sum())
    rhs = logp_library({"W_free": Wf, "b_free": bf}) + stats.norm.logpdf(X_prior).sum()
    assert abs(lhs - rhs) < tol, (lhs, rhs)

# %% [markdown]
# To *simulate* from known parameters we do not draw them from the prior: `pm.do` replaces them
# by fixed values, an *intervention* in the sense of Pearl's do-operator. Fixing a value differs
# from observing it: observing a variable would also change what we believe about its causes
# (the nodes with arrows into it), while an intervention cuts those arrows and leaves everything
# else untouched. `W_free` and `b_free` have no causes in the graph, so here the two coincide.
# In the intervened graph PyMC stores the fixed values as data containers, drawn as grey boxes
# labelled "~ Data": they are constants set by us, not observations.

# %%
true_process = pm.do(generative, {"W_free": W_true[1:], "b_free": b_true[1:]})
display(pm.model_to_graphviz(true_process), include=["image/svg+xml"])

# %% [markdown]
# One call to `pm.draw` runs the whole process forward: features first, then a label for each
# feature vector.

# %%
X_pm, y_pm = pm.draw([true_process["X"], true_process["y"]], random_seed=rng)
print("PyMC draw:", X_pm.shape, y_pm.shape, "labels", np.unique(y_pm))

# %% [markdown]
# ## The same process in NumPy
#
# The library's `simulate` implements the two steps directly: standard-normal features, then an
# inverse-CDF draw from $\operatorname{softmax}(W^\star x_i + b^\star)$. It uses another random
# stream and another algorithm, so the two data sets are not equal; they should be two samples
# from the same distribution.

# %%
X_np, y_np, _ = ce.simulate(N, W_true, b_true, rng)
print("NumPy draw:", X_np.shape, y_np.shape, "labels", np.unique(y_np))

# %% [markdown]
# ## The data and the true class probabilities
#
# The grey background shows the true model: darker where the most probable class is more
# certain (the colour bar gives $\max_k p^\star(k \mid x)$). The black lines are the decision
# boundaries, where the two most probable classes tie. The dots are the simulated observations,
# coloured by their label and drawn in random order, so that no class hides another. Labels of
# the "wrong" colour are not noise to be removed: near the boundaries $p^\star$ gives several
# classes a real chance, and the categorical draw takes it.

# %%
lim = (-3.5, 3.5)
colors = plt.get_cmap("tab10")(np.arange(K))
g0, g1 = np.meshgrid(np.linspace(*lim, 301), np.linspace(*lim, 301))
z_grid = ce.linear_predictor(np.column_stack([g0.ravel(), g1.ravel()]), W_true, b_true)
z_grid = z_grid.reshape(*g0.shape, K)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharex=True, sharey=True)
for ax, (Xs, ys, name) in zip(axes, ((X_pm, y_pm, "PyMC"), (X_np, y_np, "NumPy"))):
    image = ax.pcolormesh(
        g0,
        g1,
        ce.softmax(z_grid).max(axis=-1),
        cmap="Greys",
        vmin=1 / 3,
        vmax=1,
        alpha=0.45,
        shading="auto",
    )
    for j, k in ((0, 1), (0, 2), (1, 2)):  # boundary j|k: z_j = z_k, both above the third
        other = np.delete(z_grid, [j, k], axis=-1).max(axis=-1)
        tie = np.ma.masked_where(
            other > np.maximum(z_grid[..., j], z_grid[..., k]), z_grid[..., j] - z_grid[..., k]
        )
        ax.contour(g0, g1, tie, levels=[0.0], colors="k", linewidths=1.2)
    order = rng.permutation(N)
    ax.scatter(*Xs[order].T, s=6, c=colors[ys[order]], alpha=0.8, lw=0)
    ax.set(title=f"{name} simulation, N = {N}", xlabel="$x_0$", xlim=lim, ylim=lim)
axes[0].set_ylabel("$x_1$")
handles = [Line2D([], [], ls="", marker="o", color=colors[k], label=f"y = {k}") for k in range(K)]
fig.legend(handles=handles, loc="lower center", ncol=K, bbox_to_anchor=(0.45, 0.99), fontsize=10)
fig.colorbar(image, ax=axes, label=r"$\max_k\, p^\star(k \mid x)$", ticks=[0.4, 0.6, 0.8, 1.0])
save_figure(fig, "generative-process-data")
plt.show()

# %% [markdown]
# ## Do the two simulations tell the same story?
#
# Two consequences of the story can be computed from the true parameters alone:
#
# * **Class frequencies.** Averaged over the features, class $k$ occurs with probability
#   $\pi_k = \mathbb{E}_{x \sim p(x)}\big[p^\star(k \mid x)\big]$, which we compute by a
#   Gauss–Hermite rule with $80 \times 80$ nodes. This tests both steps, $p(x)$ and $p^\star$.
#   The labels are then i.i.d. with $P(y = k) = \pi_k$, so the number of labels equal to $k$ is
#   Binomial$(N, \pi_k)$.
# * **Labels given the features.** Among the observations whose true $p^\star(k \mid x_i)$
#   falls in a given range, the share with label $k$ should be the average
#   $p^\star(k \mid x_i)$ there. We sort the observations by $p^\star(k \mid x_i)$ into ten
#   groups of equal size, for each class $k$. Given the features, the number of labels equal to
#   $k$ in a group is a sum of independent Bernoulli variables (Poisson-binomial), with mean
#   $\sum_i p^\star(k \mid x_i)$ and variance $\sum_i p^\star(k \mid x_i)(1 - p^\star(k \mid x_i))$.
#
# The figure shows each observed share minus its expectation in standard errors ($z$).


# %%
def gauss_hermite_pi(n_nodes, b=b_true, f=None):
    """pi = E[softmax(W x + b)] (or E[f(softmax(W x + b))]) for x ~ N(0, I_2), by an
    n_nodes^2 Gauss-Hermite rule."""
    nodes, weights = hermegauss(n_nodes)
    u0, u1 = np.meshgrid(nodes, nodes)
    w = np.outer(weights, weights).ravel() / weights.sum() ** 2
    q = ce.softmax(ce.linear_predictor(np.column_stack([u0.ravel(), u1.ravel()]), W_true, b))
    return w @ (q if f is None else f(q))


def label_cells(X, y, n_groups=10):
    """Per class and group of p*(k|x): observed count of label k, and its exact distribution."""
    p_star = ce.softmax(ce.linear_predictor(X, W_true, b_true))
    return [
        (k, g, np.sum(y[group] == k), stats.poisson_binom(p_star[group, k]))
        for k in range(K)
        for g, group in enumerate(np.array_split(np.argsort(p_star[:, k]), n_groups))
    ]


def two_sided(dist, s, discrete=True):
    """Two-sided p-value of s under dist: twice the smaller tail, each tail including s."""
    return min(1.0, 2 * min(dist.cdf(s), dist.sf(s - 1) if discrete else dist.sf(s)))


def z_score(count, dist):
    return (count - dist.mean()) / dist.std()


pi_true = gauss_hermite_pi(80)
print("class probabilities pi:", pi_true.round(3))
draws = {"PyMC": (X_pm, y_pm), "NumPy": (X_np, y_np)}
cells = {name: label_cells(*xy) for name, xy in draws.items()}
counts = {name: np.bincount(xy[1], minlength=K) for name, xy in draws.items()}
# p(x) directly: each feature's mean (sqrt(N) mean ~ N(0, 1)) and sum of squares (chi2(N))
feature_tests = {
    name: [(stats.norm(), np.sqrt(N) * mu, False) for mu in Xs.mean(axis=0)]
    + [(stats.chi2(N), ss, False) for ss in (Xs**2).sum(axis=0)]
    for name, (Xs, _) in draws.items()
}
p_values = []
for name in draws:
    p_values += [two_sided(*t) for t in feature_tests[name]]
    p_values += [two_sided(stats.binom(N, pi_true[k]), counts[name][k]) for k in range(K)]
    p_values += [two_sided(dist, count) for _, _, count, dist in cells[name]]
alpha, m = 0.01, len(p_values)
z_crit = stats.norm.isf(alpha / (2 * m))  # |z| beyond which a test rejects at alpha / m
print(f"{m} tests at level alpha/m = {alpha / m:.1e} each, |z| > {z_crit:.2f}")

fig, axes = plt.subplots(
    1, 3, figsize=(12, 4), sharey=True, gridspec_kw={"width_ratios": [1.3, 1, 3.5]}
)
for ax in axes:
    ax.axhspan(-2, 2, color="0.9", zorder=0)
    for zc in (-z_crit, z_crit):
        ax.axhline(zc, color="tab:red", ls="--", lw=1)
    ax.axhline(0.0, color="k", lw=0.8)
for j, name in enumerate(draws):
    offset = 0.12 * (2 * j - 1)
    zx = [z_score(s, dist) for dist, s, _ in feature_tests[name]]
    axes[0].scatter(np.arange(4) + offset, zx, c="0.5", marker="os"[j], ec="k", s=40)
    zf = [z_score(counts[name][k], stats.binom(N, pi_true[k])) for k in range(K)]
    axes[1].scatter(np.arange(K) + offset, zf, c=colors, marker="os"[j], ec="k", s=40)
    for k, g, count, dist in cells[name]:
        axes[2].scatter(
            g + 1 + 0.25 * (k - 1) + offset / 3,
            z_score(count, dist),
            color=colors[k],
            marker="os"[j],
            ec="k",
            s=30,
        )
axes[0].set(
    xticks=range(4), xticklabels=[r"$\bar x_0$", r"$\bar x_1$", r"$\sum x_0^2$", r"$\sum x_1^2$"]
)
axes[0].set(ylabel=r"$z$ = (observed $-$ expected) / s.e.")
axes[0].set_title("features", fontsize=11)
axes[1].set(xticks=range(K), xlabel="class $k$")
axes[1].set_title("class frequencies", fontsize=11)
axes[2].set(
    xticks=range(1, 11), xlabel=r"group of observations, by increasing $p^\star(k \mid x_i)$"
)
axes[2].set_title("labels given the features (10 groups per class)", fontsize=11)
handles = [Line2D([], [], ls="", marker="o", color=colors[k], label=f"class {k}") for k in range(K)]
handles += [
    Line2D([], [], ls="", marker=m_, mfc="w", mec="k", label=f"{n} draw")
    for m_, n in zip("os", draws)
]
handles.append(plt.Rectangle((0, 0), 1, 1, color="0.9", label=r"$|z| \leq 2$"))
handles.append(Line2D([], [], color="tab:red", ls="--", label=r"$\pm z_{\mathrm{crit}}$"))
axes[2].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=10)
save_figure(fig, "simulations-against-true-probabilities")
plt.show()
# the class counts given the features: Poisson-binomial with the p*(k | x_i) of each draw
for name, (Xs, _) in draws.items():
    p_x = ce.softmax(ce.linear_predictor(Xs, W_true, b_true))
    z_given = [z_score(counts[name][k], stats.poisson_binom(p_x[:, k])) for k in range(K)]
    print(f"{name} draw: z of the class counts given its features {np.round(z_given, 2)}")


# %% tags=["hide-input"]
# Check: both draws agree with the true model. Each count is tested against its exact
# distribution (binomial or Poisson-binomial: no normal approximation, which fails for the
# groups with ~0.2 expected labels), and p(x) directly. Every two-sided p-value must exceed
# alpha/m, so the chance of a false alarm over all m tests is at most alpha = 1% (union bound).
se_share = max(np.sqrt(dist.var()) / (N // 10) for _, _, _, dist in cells["PyMC"])
print(f"smallest p-value {min(p_values):.4f} (threshold alpha/m = {alpha / m:.1e})")
# The test is weak: in the normal approximation a shift is found with 80% probability only
# when it is (z_crit + 0.84) standard errors (printed for the largest s.e.).
power80 = z_crit + stats.norm.isf(0.2)
print(
    f"shift detected with 80% probability: a class frequency off by "
    f"{power80 * np.sqrt(pi_true * (1 - pi_true) / N).max():.3f}, a group share by {power80 * se_share:.3f}"
)
assert min(p_values) > alpha / m
# the quadrature error of pi (80 against 160 nodes) is negligible: below 1e-3 s.e. of a frequency
assert (
    np.abs(gauss_hermite_pi(160) - pi_true).max()
    < 1e-3 * np.sqrt(pi_true * (1 - pi_true) / N).min()
)

# %% [markdown]
# The figure puts all $m = 74$ tests on one scale. Under the true model about 4.6% of them, 3
# or 4 points, are expected outside the grey band $|z| \le 2$ by chance alone, and the test
# rejects only beyond the red lines, $|z| > z_{\text{crit}} \approx 3.8$, the level $\alpha/m$
# that keeps the false-alarm rate over all 74 tests at 1% (the left panel: each feature's mean
# and sum of squares, as $z$ scores). The exact tests find no deviation. A point near or past
# the red lines in a group with few expected labels (the lowest groups of a class) is not by
# itself a rejection: there the count is far from normal, a count of two or three labels is
# several standard errors out, and the test uses the exact tail probability, not $z$. The class-frequency test is unconditional, so it also moves
# with the draw of the features: in this run (the default seed) the PyMC draw's mean of $x_1$ is high (left
# panel), class 2 becomes more likely as $x_1$ grows ($w_{2,1} = 2$), and its class-2 count is
# high with it; given its features (the printout, and the right panel) its labels are as
# expected. The tests could only have found large deviations (the printout gives the size of
# shift found with 80% probability), so this is a consistency check, not a proof of equality.
# From here on the data come from `ce.simulate`, and the question becomes the reverse one:
# given only the pairs $(x^{(i)}, y^{(i)})$, how do we recover $W$ and $b$? The next notebook shows that maximum
# likelihood answers it, and that for this model it is the same thing as minimising the cross
# entropy. The features drop out of that answer because $p(x)$ has no parameter in common with
# $(W, b)$; when it does, as in linear discriminant analysis, where the classes' Gaussian
# feature distributions determine $W$ and $b$, the joint and the conditional likelihood give
# different estimates (Efron 1975).
#
# ## Exercises
#
# **1 (easy).** The story asks nothing of the features: they may be set by design. Fix every
# feature vector at $x = (1, 0)$ with `pm.do` on `X` in `true_process`, and draw the $N$ labels.
# Predict the label frequencies, and how far from them the observed shares may fall.

# %% [markdown]
# :::{dropdown} Solution
# With $x$ fixed, the labels are i.i.d. $\operatorname{Cat}(p^\star(\cdot \mid x))$ with logits
# $W^\star x + b^\star = (0,\ 1.5 + 0.5,\ -1 - 0.5) = (0, 2, -1.5)$, so
# $p^\star(\cdot \mid x) = (1, e^2, e^{-1.5}) / (1 + e^2 + e^{-1.5}) \approx (0.116, 0.858, 0.026)$.
# The count of class $k$ is Binomial$(N, p^\star_k)$: each share has standard error
# $\sqrt{p^\star_k (1 - p^\star_k) / N}$, largest for class 1, 0.0064 for $N = 3000$ (0.011
# for $N = 1000$). With 99% probability each share falls within $\pm 2.58$ s.e. of its
# prediction: class 1 within $\pm 0.016$ of 0.858 for $N = 3000$ (and all three at once within
# $\pm 2.94$ s.e., the $1\%/K$ level per class). The cell tests the three counts exactly, at a
# 1% false-alarm rate in all. These data cannot tell $W$ from $b$: with every $x = (1, 0)$ the
# matrix $[\mathbf 1, X]$ has rank $1 < d + 1 = 3$, and only the two log-odds at $(1, 0)$,
# $w_k^\top (1, 0) + b_k$, are identifiable.
# :::

# %% tags=["hide-cell"]
x_design = np.array([1.0, 0.0])
p_design = ce.softmax(W_true @ x_design + b_true)
y_design = pm.draw(pm.do(true_process, {"X": np.tile(x_design, (N, 1))})["y"], random_seed=rng)
count_design = np.bincount(y_design, minlength=K)
se_design = np.sqrt(p_design * (1 - p_design) / N)
print("predicted", p_design.round(3), " observed", (count_design / N).round(3))
print("99% half-widths, 2.58 s.e.:", (stats.norm.isf(0.005) * se_design).round(3))
# the hand computation of the solution against the library's softmax (rounding only)
hand = np.exp([0.0, 2.0, -1.5])
assert np.allclose(p_design, hand / hand.sum(), rtol=1e-12, atol=0)
# exact binomial tests, union bound over K classes: a false alarm with probability <= 1%
assert min(two_sided(stats.binom(N, p_design[k]), count_design[k]) for k in range(K)) > 0.01 / K

# %% [markdown]
# **2 (medium).** The generative model puts independent $\mathcal{N}(0, 2^2)$ priors on every
# entry of the free rows of $W$ and $b$. At $x = 0$ the three log-odds, $b_1 - b_0$,
# $b_2 - b_0$ and $b_2 - b_1$, have prior variances 4, 4 and 8 (main text). Predict them at
# $x = (1, 0)$, and check on 4,000 draws from the model's prior. Is the asymmetry specific to
# $x = 0$? Which correlation between the free rows, keeping their variances equal, would make
# the three variances equal?

# %% [markdown]
# :::{dropdown} Solution
# The log-odds of class $k$ against 0 at $x$ is $w_k^\top x + b_k$, a sum of $d + 1$
# independent terms: variance $4(1 + \|x\|^2)$, 8 at $x = (1, 0)$. That of 2 against 1,
# $(w_2 - w_1)^\top x + b_2 - b_1$, has twice that, $8(1 + \|x\|^2)$, 16 at $(1, 0)$: the
# ratio 2 holds at every $x$. With variances $s^2$ and correlation $\rho$ between the rows,
# $\operatorname{Var}(b_2 - b_1) = 2 s^2 (1 - \rho)$, equal to $s^2$ when $\rho = 1/2$. That is
# the prior one gets from independent $\mathcal{N}(0, \tau^2)$ on all $K$ rows of the
# symmetric parametrisation, mapped to the pivot: $b_k - b_0$ has variance $2\tau^2$, any two
# of them covariance $\tau^2$, and all three log-odds variance $2\tau^2$. The cell checks both
# by Monte Carlo (the second with NumPy draws).
# :::

# %% tags=["hide-cell"]
R_prior = 4_000
Wp, bp = pm.draw([generative["W_free"], generative["b_free"]], draws=R_prior, random_seed=rng)
z_10 = Wp[:, :, 0] + bp  # log-odds of classes 1, 2 against 0 at x = (1, 0)
log_odds = np.column_stack([z_10, z_10[:, 1] - z_10[:, 0]])
print(
    "prior variances at x = (1, 0), 1 vs 0, 2 vs 0, 2 vs 1:", log_odds.var(axis=0, ddof=1).round(2)
)
# sd of a normal sample variance: sigma^2 sqrt(2 / (R - 1)); 4 sd is 9% of it (16 vs 8 is 100%)
tol_var = 4 * np.sqrt(2 / (R_prior - 1))
assert np.all(np.abs(log_odds.var(axis=0, ddof=1) / [8, 8, 16] - 1) < tol_var)
b_all = rng.normal(0.0, 1.0, size=(R_prior, K))  # tau = 1 on all K rows, then the pivot
b_piv = b_all[:, 1:] - b_all[:, :1]
var_sym = np.r_[b_piv.var(axis=0, ddof=1), np.var(b_piv[:, 1] - b_piv[:, 0], ddof=1)]
rho = np.corrcoef(b_piv.T)[0, 1]
print(f"all K rows N(0, 1), then the pivot: variances {var_sym.round(3)}, correlation {rho:.3f}")
assert np.all(np.abs(var_sym / 2 - 1) < tol_var)  # all three 2 tau^2 (2 vs 4 would be 100%)
# sd of a sample correlation ~ (1 - rho^2) / sqrt(R) = 0.012; 4 sd
assert abs(rho - 0.5) < 4 * 0.75 / np.sqrt(R_prior), rho

# %% [markdown]
# **3 (harder).** The consistency check above is weak. Suppose the simulator had a bug that
# adds $\delta = 0.2$ to $b_1$, raising the class-1 logit everywhere (the log-odds of class 1
# against 0 and against 2). Predict the probability that the exact two-sided test of the
# class-1 count rejects the true $\pi_1$, at level 1% on its own and at the level
# $\alpha / m$ of the check above, and check both on 400 data sets simulated with the bug.
# (`two_sided(dist, s)`, defined with the figure above, is the exact two-sided p-value of a
# count $s$ under the distribution `dist`.)

# %% [markdown]
# :::{dropdown} Solution
# Raising a logit by $\delta$ raises that class's probability by about
# $\delta\, q_1 (1 - q_1)$ at each $x$ (the derivative of the softmax), so
# $\Delta\pi_1 \approx \delta\, \mathbb{E}_x[q_1 (1 - q_1)] \approx 0.026$; the expectation is
# computed by the Gauss–Hermite rule, `gauss_hermite_pi(80, f=lambda q: q * (1 - q))`. Against
# the standard error $\sqrt{\pi_1 (1 - \pi_1) / N}$ of the share that is a shift of
# $z = \Delta\pi_1 / \text{s.e.}$, about 2.8 for $N = 3000$ (1.6 for $N = 1000$). A test that
# needs $|z| > 2.58$ rejects with probability about $\Phi(z - 2.58)$: about 0.6 (0.17). The
# check above needs $|z| > z_{\text{crit}} \approx 3.82$: power about $\Phi(2.8 - 3.82)$, 0.16
# (0.01). So a bug that raises one logit by 0.2 everywhere goes unnoticed by the class-1 test
# alone in about 4 of 10 data sets of 3000 observations, and by the check above in about 85%.
# The cell computes both powers exactly (the binomial law of the count under the bug, summed
# over the test's rejection region), prints them beside the normal approximation, and compares
# them with the rejection rates over 400 simulated data sets.
# :::

# %% tags=["hide-cell"]
b_bug = b_true + np.r_[0.0, 0.2, 0.0]
pi_bug = gauss_hermite_pi(80, b_bug)
slope = gauss_hermite_pi(80, f=lambda q: q * (1 - q))[1]  # d pi_1 / d b_1
# Taylor remainder of the linearisation: delta^2 / 2 max|q(1-q)(1-2q)| = delta^2 / (12 sqrt 3)
assert abs(pi_bug[1] - pi_true[1] - 0.2 * slope) <= 0.2**2 / (12 * np.sqrt(3))
z_shift = 0.2 * slope / np.sqrt(pi_true[1] * (1 - pi_true[1]) / N)
counts_all = np.arange(N + 1)
null = stats.binom(N, pi_true[1])
p_all = np.minimum(1, 2 * np.minimum(null.cdf(counts_all), null.sf(counts_all - 1)))
R_bug = 400
n1 = np.array([np.sum(ce.simulate(N, W_true, b_bug, rng).y == 1) for _ in range(R_bug)])
print(
    f"pi_1 {pi_true[1]:.3f} -> {pi_bug[1]:.3f}, shift {pi_bug[1] - pi_true[1]:.4f}, z {z_shift:.2f}"
)
for level in (0.01, alpha / m):
    zc = stats.norm.isf(level / 2)
    approx = stats.norm.cdf(z_shift - zc) + stats.norm.cdf(-z_shift - zc)
    power = stats.binom(N, pi_bug[1]).pmf(counts_all)[p_all < level].sum()
    rate = np.mean(p_all[n1] < level)
    print(
        f"level {level:.1e}: power exact {power:.3f}, normal approx. {approx:.3f}, rate {rate:.3f}"
    )
    # the Monte Carlo sd of a rate over R data sets is sqrt(P (1 - P) / R), <= 0.025; 4 sd (it
    # detects an error of ~0.1 in the power: not the 0.01 between exact and approximate power)
    assert abs(rate - power) < 4 * np.sqrt(power * (1 - power) / R_bug)

# %% [markdown]
# ## References
#
# * Bishop, C. M. (2006). *Pattern Recognition and Machine Learning*, section 4.3.4
#   (multiclass logistic regression). Springer.
# * Efron, B. (1975). The efficiency of logistic regression compared to normal discriminant
#   analysis. *Journal of the American Statistical Association* 70, 892–898.
# * Pearl, J. (2009). *Causality: Models, Reasoning, and Inference*, 2nd edition. Cambridge
#   University Press.
# * Abril-Pla, O., Andreani, V., Carroll, C., et al. (2023). PyMC: a modern and comprehensive
#   probabilistic programming framework in Python. *PeerJ Computer Science* 9, e1516.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
