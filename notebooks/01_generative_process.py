# %% [markdown]
# # The generative process of classification
#
# Every classifier trained with cross entropy assumes, without saying so, a story about how its
# data came to be. This notebook writes that story down as a probabilistic program in PyMC, runs
# it forward to draw a data set, and compares the draw with an independent NumPy simulation of
# the same story. The later notebooks fit models to data from exactly this process, so it pays
# to see it clearly first.
#
# The story has two steps. For each observation $i = 1, \dots, N$, independently:
#
# 1. **Features.** A feature vector is drawn from a distribution over the feature space,
#    $x^{(i)} \sim p(x)$ with $x^{(i)} \in \mathbb{R}^d$.
# 2. **Label.** Given the features, a label is drawn from a categorical distribution over the
#    classes $\{0, 1, \dots, C\}$, that is $K = C + 1$ classes:
#    $y^{(i)} \mid x^{(i)} \sim \operatorname{Cat}\big(\beta(x^{(i)})\big)$, where the vector
#    $\beta(x)$ holds the probability of each class at $x$.
#
# Nothing in the story says what $\beta(x)$ looks like. We pick the model that the rest of the
# collection fits, softmax regression:
#
# $$
# \beta_k(x) = \operatorname{softmax}(W x + b)_k = \frac{e^{w_k^\top x + b_k}}{\sum_{j=0}^{C} e^{w_j^\top x + b_j}},
# \qquad k = 0, \dots, C .
# $$
#
# Adding the same vector to every row of $(W, b)$ leaves the probabilities unchanged, so we fix
# class 0 as the *pivot*: $w_0 = 0$ and $b_0 = 0$. The remaining rows are the log-odds of each
# class against class 0, and with a full-rank design they are identifiable.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pymc as pm
import pytensor.tensor as pt
from IPython.display import display
from numpy.polynomial.hermite_e import hermegauss
from scipy import stats

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import plot_probability_map, save_figure

RANDOM_SEED = 20_240_601
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
az.style.use("arviz-variat")

# %% [markdown]
# ## The true parameters
#
# We use $K = 3$ classes and $d = 2$ features drawn from a standard normal,
# $p(x) = \mathcal{N}(0, I_2)$. The true parameters fix $\beta(x)$ once and for all: they play
# the role of "nature", which a real analysis never gets to see.

# %%
N = 1_000 if FAST else 3_000
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
print(f"N = {N} observations, K = {K} classes, d = {d} features")

# %% [markdown]
# ## The process as a PyMC model
#
# In PyMC the two steps become two random variables, `X` for the features and `y` for the
# labels, linked by the deterministic `logits` $z_i = W x_i + b$. The free rows of $W$ and $b$
# (classes 1 and 2; class 0 is the pivot) are random variables too, with independent
# $\mathcal{N}(0, 2^2)$ priors, so that the same program describes inference as well.

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
# Given the features and the labels, this is the library's inference model
# `ce.softmax_regression_model(X, y, prior=2.0)` plus the log density of the features, which
# does not involve $W$ or $b$.

# %% tags=["hide-input"]
# Check: log p(X, W, b, y) of the program = library model's log p(W, b | X, y) + sum log N(X; 0, 1)
# at three random parameter points, the data fixed at one prior-predictive draw. The two graphs
# share no code; rounding of sums over N log-softmax terms is ~1e-13 relative (1e-9 allowed),
# while a wrong prior sd or a dropped class would shift the log density by O(1).
X_prior, y_prior = pm.draw([generative["X"], generative["y"]], random_seed=rng)
library = ce.softmax_regression_model(X_prior, y_prior, prior=2.0, n_classes=K)
logp_program, logp_library = generative.compile_logp(), library.compile_logp()
for _ in range(3):
    point = {"W_free": rng.normal(size=(K - 1, d)), "b_free": rng.normal(size=K - 1)}
    lhs = logp_program(point | {"X": X_prior, "y": y_prior})
    rhs = logp_library(point) + stats.norm.logpdf(X_prior).sum()
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=0), (lhs, rhs)

# %% [markdown]
# To *simulate* from known parameters we do not draw them from the prior: `pm.do` replaces
# them by fixed values (an intervention, in the sense of Pearl's do-operator) and leaves the
# rest of the graph untouched. In the graph of the intervened model, `W_free` and `b_free` are
# constants.

# %%
true_process = pm.do(generative, {"W_free": W_true[1:], "b_free": b_true[1:]})
display(pm.model_to_graphviz(true_process), include=["image/svg+xml"])

# %% [markdown]
# One call to `pm.draw` runs the whole process forward: features first, then a label for each
# feature vector.

# %%
X_pm, logits_pm, y_pm = pm.draw(
    [true_process["X"], true_process["logits"], true_process["y"]], random_seed=rng
)
print("PyMC draw:", X_pm.shape, y_pm.shape, "labels", np.unique(y_pm))

# %% tags=["hide-input"]
# Check: the intervention fixed the parameters. PyMC's logits equal W_true x + b_true computed by
# the library's linear_predictor, up to the rounding of a 2-term dot product (1e-12 allowed; a
# parameter left random would differ by O(1)).
assert np.allclose(logits_pm, ce.linear_predictor(X_pm, W_true, b_true), rtol=0, atol=1e-12)

# %% [markdown]
# ## The same process in NumPy
#
# The library's `simulate` implements the two steps directly: standard-normal features, then an
# inverse-CDF draw from $\operatorname{softmax}(W x_i + b)$. It uses another random stream and
# another algorithm, so the two data sets are not equal; they should be two samples from the
# same distribution.

# %%
X_np, y_np, _ = ce.simulate(N, W_true, b_true, rng)
print("NumPy draw:", X_np.shape, y_np.shape, "labels", np.unique(y_np))

# %% [markdown]
# ## The data and the true class probabilities
#
# The background shows the true model: each point of the plane is coloured by its most probable
# class, paler where that class is less certain; the black lines are the decision boundaries,
# where two classes tie. The dots are the simulated observations, coloured by their label.
# Labels of the "wrong" colour are not noise to be removed: near the boundaries $\beta(x)$ gives
# several classes a real chance, and the categorical draw takes it.

# %%
lim = (-3.5, 3.5)
colors = plt.get_cmap("tab10")(np.arange(K))
fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.6), sharex=True, sharey=True)
for ax, (Xs, ys, name) in zip(axes, ((X_pm, y_pm, "PyMC"), (X_np, y_np, "NumPy"))):
    plot_probability_map(ax, W_true, b_true, lim, lim)
    for k in range(K):
        sel = ys == k
        ax.scatter(*Xs[sel].T, s=8, color=colors[k], edgecolor="k", lw=0.2, label=f"y = {k}")
    ax.set_title(f"{name} simulation, N = {N}")
    ax.set_xlabel("$x_0$")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
axes[0].set_ylabel("$x_1$")
axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), markerscale=2.5)
save_figure(fig, "generative-process-data")
plt.show()

# %% [markdown]
# ## Do the two simulations tell the same story?
#
# Two consequences of the story can be computed from the true parameters alone:
#
# * **Class frequencies.** Averaged over the features, class $k$ occurs with probability
#   $\pi_k = \mathbb{E}_{x \sim p(x)}\big[\beta_k(x)\big]$, which we compute by a
#   Gauss–Hermite rule with $80 \times 80$ nodes. This tests both steps: $p(x)$ and
#   $\beta(x)$.
# * **Labels given the features.** Among the observations whose true $\beta_k(x_i)$ falls in a
#   given range, the share with label $k$ should be the average $\beta_k(x_i)$ there. We sort the
#   observations by $\beta_k(x_i)$ into ten groups of equal size, for each class $k$.
#
# In each case the number of labels equal to $k$ is a sum of independent Bernoulli variables,
# with mean $\sum_i \beta_k(x_i)$ and variance $\sum_i \beta_k(x_i)(1 - \beta_k(x_i))$; the
# figure shows each observed share minus its expectation, with two standard errors.


# %%
def gauss_hermite_pi(n_nodes):
    """pi_k = E[softmax(W x + b)_k] for x ~ N(0, I_2), by an n_nodes^2 Gauss-Hermite rule."""
    nodes, weights = hermegauss(n_nodes)
    g0, g1 = np.meshgrid(nodes, nodes)
    w = np.outer(weights, weights).ravel() / weights.sum() ** 2
    return w @ ce.softmax(
        ce.linear_predictor(np.column_stack([g0.ravel(), g1.ravel()]), W_true, b_true)
    )


def label_shares(X, y, n_groups=10):
    """Per class and group of beta_k: mean beta_k, observed share of label k, its s.e."""
    beta = ce.softmax(ce.linear_predictor(X, W_true, b_true))
    rows = []
    for k in range(K):
        for group in np.array_split(np.argsort(beta[:, k]), n_groups):
            p = beta[group, k]
            rows.append(
                (k, p.mean(), np.mean(y[group] == k), np.sqrt(np.sum(p * (1 - p))) / p.size)
            )
    return np.array(rows)


pi_true = gauss_hermite_pi(80)
draws = {"PyMC": (X_pm, y_pm), "NumPy": (X_np, y_np)}
shares = {name: label_shares(*xy) for name, xy in draws.items()}
freqs = {name: np.bincount(xy[1], minlength=K) / N for name, xy in draws.items()}
se_pi = np.sqrt(pi_true * (1 - pi_true) / N)

fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 2.2]})
for j, (name, marker) in enumerate((("PyMC", "o"), ("NumPy", "s"))):
    offset = 0.15 * (2 * j - 1)
    axes[0].errorbar(
        np.arange(K) + offset,
        freqs[name] - pi_true,
        2 * se_pi,
        fmt=marker,
        color="k",
        mfc="w" if j else "k",
        capsize=3,
        label=f"{name} draw",
    )
    for k in range(K):
        part = shares[name][shares[name][:, 0] == k]
        axes[1].errorbar(
            part[:, 1] + 0.006 * (2 * j - 1),
            part[:, 2] - part[:, 1],
            2 * part[:, 3],
            fmt=marker,
            color=colors[k],
            mfc="w" if j else colors[k],
            capsize=2,
            label=f"class {k}, {name}",
        )
for ax in axes:
    ax.axhline(0.0, color="k", lw=0.8)
axes[0].set(
    xticks=range(K),
    xlabel="class $k$",
    ylabel=r"observed share $-$ expected share",
)
axes[0].set_title("class frequencies", fontsize=12)
axes[0].legend(loc="lower left", fontsize=9)
axes[1].set(
    xlabel=r"mean true probability $\beta_k(x_i)$ in the group",
)
axes[1].set_title("labels given the features (10 groups per class)", fontsize=12)
axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
save_figure(fig, "simulations-against-true-probabilities")
plt.show()

# %% tags=["hide-input"]
# Check: both draws agree with the true probabilities. Every deviation in the figure is within
# 4 standard errors: P(|Z| > 4) = 6.3e-5, so over all cells a false alarm has probability below
# 0.5% (union bound). The smallest deviation it detects is printed (4 s.e., largest over cells).
# The quadrature error of pi_k (80 against 160 nodes) must be negligible: below 1e-3 s.e.
assert np.abs(gauss_hermite_pi(160) - pi_true).max() < 1e-3 * se_pi.min()
z = [(freqs[n] - pi_true) / se_pi for n in draws] + [
    (s[:, 2] - s[:, 1]) / s[:, 3] for s in shares.values()
]
z = np.concatenate(z)
print(
    f"{z.size} cells, largest |z| = {np.abs(z).max():.2f}; false-alarm bound {z.size * 2 * stats.norm.sf(4):.4f}"
)
print(
    f"detects a class frequency off by {4 * se_pi.max():.3f}, a group share off by "
    f"{4 * max(s[:, 3].max() for s in shares.values()):.3f}"
)
assert np.abs(z).max() < 4

# %% [markdown]
# Both simulations reproduce the class frequencies that the true parameters imply and, group by
# group, the share of each label given the features: every deviation in the figure is within
# the scatter expected of $N$ independent draws. From here on the data come from `ce.simulate`,
# and the question becomes the reverse one: given only the pairs $(x^{(i)}, y^{(i)})$, how do
# we recover $W$ and $b$? The next notebook shows that maximum likelihood answers it, and that
# maximum likelihood for this model is the same thing as minimising the cross entropy.
#
# ## References
#
# * Bishop, C. M. (2006). *Pattern Recognition and Machine Learning*, section 4.3.4
#   (multiclass logistic regression). Springer.
# * Murphy, K. P. (2022). *Probabilistic Machine Learning: An Introduction*, chapter 10. MIT
#   Press.
# * Pearl, J. (2009). *Causality: Models, Reasoning, and Inference*, 2nd edition. Cambridge
#   University Press.
# * Abril-Pla, O., Andreani, V., Carroll, C., et al. (2023). PyMC: a modern and comprehensive
#   probabilistic programming framework in Python. *PeerJ Computer Science* 9, e1516.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
