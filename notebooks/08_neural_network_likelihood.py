# %% [markdown]
# # A neural network as the model: same loss, new likelihood geometry
#
# The derivation in notebook 02 never used the form of the model $q(y \mid x; \theta)$. It
# needed only that the model returns a probability vector over the classes for every $x$; the
# parameters $\theta$ could be, as the usual phrasing goes, the weights of a neural network.
# This notebook takes that literally. It fits a small network by minimising the summed cross
# entropy, checks that this is again the MAP of the same model written in PyMC, and then looks
# at what changes: the likelihood of a network has many symmetric maxima, so the estimate is one
# of a set of equally good points; it can also have worse local optima; and the posterior has
# many modes, which changes what a convergence diagnostic can tell us.
#
# The model is a network with one hidden layer of $H$ tanh units:
#
# $$
# z(x) = V \tanh(A x + a) + c, \qquad
# q(y = k \mid x; \theta) = \operatorname{softmax}\big(z(x)\big)_k ,
# $$
#
# with $A \in \mathbb{R}^{H \times d}$, $a \in \mathbb{R}^H$, $V \in \mathbb{R}^{K \times H}$,
# $c \in \mathbb{R}^K$, and class 0 as the pivot ($V_0 = 0$, $c_0 = 0$) as before. Softmax
# regression is the special case without the hidden layer. The negative log-likelihood is still
# the summed cross entropy between the one-hot labels $h_i$ and the predictions $q_i$,
#
# $$
# -\log \mathcal{L}(\theta \mid \mathcal{D}) = -\sum_{i=1}^N \log q(y_i \mid x_i; \theta)
#   = \sum_{i=1}^N H(h_i, q_i) ,
# $$
#
# because nothing in that step depended on how $q$ is computed.

# %%
import itertools

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy.spatial.distance import pdist

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_607
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## Data that a linear model cannot fit
#
# The generative process is the one of notebook 01 with a network in place of the linear
# logits: $x \sim \mathcal{N}(0, I_2)$ and
# $y \mid x \sim \operatorname{Cat}\big(\operatorname{softmax}(z_{\theta^*}(x))\big)$ with two
# classes. The true network has three hidden units, one per side of a triangle around the
# origin: unit $j$ is close to $+1$ on the inner side of its edge, so the logit of class 1 is
# high inside the triangle and low outside. Class 1 sits in the middle, surrounded by class 0,
# and no straight line separates them.

# %%
K, d, H_units = 2, 2, 3
angles = np.deg2rad([90, 210, 330])
edges = np.column_stack([np.cos(angles), np.sin(angles)])  # outward normals of the triangle
true_net = ce.Network(
    hidden_weights=-3.0 * edges,
    hidden_bias=np.full(H_units, 3.0),
    output_weights=np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]),
    output_bias=np.array([0.0, -4.0]),
)
N = 400
X, y, p_true = ce.simulate_network(N, true_net, rng)
X_test, y_test, p_test = ce.simulate_network(20_000, true_net, rng)
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")

# %% [markdown]
# ## The model in PyMC
#
# For a network we use a weak prior rather than a flat one: independent $\mathcal{N}(0, 3^2)$
# on every parameter (the reason follows below). The model is four blocks of parameters, the
# network's logits with the pivot column of zeros, and a categorical likelihood:

# %%
SIGMA = 3.0
coords = {"obs": np.arange(N), "feature": ["x0", "x1"], "hidden": np.arange(H_units)}
with pm.Model(coords=coords | {"class_free": [1]}) as model:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    y_data = pm.Data("y", y, dims="obs")
    A = pm.Normal("hidden_weights", 0.0, SIGMA, dims=("hidden", "feature"))
    a = pm.Normal("hidden_bias", 0.0, SIGMA, dims="hidden")
    V = pm.Normal("output_weights_free", 0.0, SIGMA, dims=("class_free", "hidden"))
    c = pm.Normal("output_bias_free", 0.0, SIGMA, dims="class_free")
    z_free = pt.tanh(X_data @ A.T + a) @ V.T + c
    z = pt.concatenate([pt.zeros((N, 1)), z_free], axis=1)
    pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
pm.model_to_graphviz(model)

# %% tags=["hide-input"]
# Check: this model has the log density of the library's builder ce.network_model.
# Both sum the same 400 + 13 terms in double precision; 1e-12 relative covers the rounding of
# a different order of summation, and any modelling difference would show at the unit level.
logp_here = model.compile_logp()
logp_lib = ce.network_model(X, y, H_units, prior=SIGMA).compile_logp()
for _ in range(5):
    point = {k: 2.0 * rng.standard_normal(v.shape) for k, v in model.initial_point().items()}
    assert np.isclose(logp_here(point), logp_lib(point), rtol=1e-12, atol=0)

# %% [markdown]
# ## Fitting the network: cross entropy and the PyMC MAP
#
# The log posterior is the log-likelihood minus $\lVert\theta\rVert^2 / (2 \cdot 3^2)$ (plus a
# constant), so the MAP minimises the summed cross entropy plus an L2 penalty ("weight decay"):
#
# $$
# \hat\theta_{\text{MAP}} = \arg\min_\theta \sum_{i=1}^N H(h_i, q_i) + \frac{\lVert\theta\rVert^2}{2 \sigma^2},
# \qquad \sigma = 3 .
# $$
#
# `ce.fit_network` minimises this objective with BFGS, using the library's cross entropy and its
# gradient by backpropagation. That gradient is checked against finite differences and against
# PyTensor's automatic gradient in the library's tests (`tests/test_network.py`,
# `tests/pymc/test_pymc_network.py`), so that check is not repeated here. The objective is
# not convex, so a fit is only a local minimum and depends on where the optimiser starts. We
# draw 40 random starting points, with independent $\mathcal{N}(0, 2^2)$ entries, fit from
# each, and keep the best. A fit that does not reach the gradient tolerance warns and has
# `converged=False`; none does here. (The Hessian by central differences of the gradient,
# defined here too, serves the checks and the stationary points further down.)


# %%
def objective_hessian(net, sigma=SIGMA):
    """Hessian of the objective (sigma=None: of the NLL) by differences of the gradient."""

    def grad(theta):
        g = ce.network_nll_grad(X, y, ce.unpack_network(theta, d, net.n_hidden, K))[1]
        return ce.pack_network(g) + (0.0 if sigma is None else theta / sigma**2)

    theta, h = ce.pack_network(net), 1e-5
    hess = [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    return (np.array(hess) + np.transpose(hess)) / 2


starts = [ce.random_network(d, H_units, K, rng, scale=2.0) for _ in range(40)]
fits = [ce.fit_network(X, y, s, prior_sd=SIGMA) for s in starts]
assert all(f.converged for f in fits)
best_index = int(np.argmin([f.objective for f in fits]))
best = fits[best_index]
print(f"best objective {best.objective:.4f} (NLL {best.nll:.4f}) from start {best_index}")

# %% [markdown]
# PyMC's `pm.find_MAP` on the model above (through `ce.fit_network_map`), from the *same*
# starting point, finds the same point: both optimisers minimise the same function by BFGS from
# the same start, so they follow the same path into the same local minimum.

# %%
map_fit = ce.fit_network_map(model, starts[best_index])
max_diff = np.max(np.abs(ce.pack_network(map_fit.model) - ce.pack_network(best.model)))
print(f"objective {best.objective:.6f} (library), {map_fit.objective:.6f} (PyMC)")
print(f"largest parameter difference {max_diff:.1e}")

# %% tags=["hide-input"]
# Check: the two fits are one point. To first order a fit with gradient g lies within
# |g| / (smallest Hessian eigenvalue) of the minimiser, which bounds the distance of two fits
# (about 1e-4 here); distinct minima, such as the symmetric copies below, are > 1 apart.
eig_min_map = np.linalg.eigvalsh(objective_hessian(best.model)).min()
bound = 2 * np.sqrt(13) * N * max(best.grad_norm, map_fit.grad_norm) / eig_min_map
assert map_fit.converged and max_diff < bound
assert np.isclose(map_fit.objective, best.objective, rtol=1e-9)

# %% [markdown]
# The prior is weak: it moves the estimate only a little. Without it (a flat prior, under which
# PyMC's MAP is the maximum likelihood estimate, as notebook 02 showed for softmax
# regression), the fit started at the MAP ends at an NLL lower by less than 1%.

# %%
mle_fit = ce.fit_network(X, y, best.model)
print(f"NLL: {mle_fit.nll:.4f} without the prior (MLE), {best.nll:.4f} with it (MAP)")
assert mle_fit.converged and 0 < (best.nll - mle_fit.nll) / best.nll < 0.01

# %% [markdown]
# Why bother with the prior, then? Because of what can happen *away* from this optimum. If a
# hidden unit's output weight is zero, its input weights do not affect the likelihood at all,
# and if a unit saturates into a step function, making it steeper changes the likelihood less
# and less. Along such directions the likelihood does not fall to zero, so under a flat prior
# the posterior is improper (its integral is infinite), and an optimiser can run off to
# infinity. Under the $\mathcal{N}(0, 3^2)$ prior the posterior is proper (a proper prior times
# a likelihood bounded by 1) and the objective grows without bound in every direction, so a
# MAP exists, at the small cost in NLL just shown.
#
# ## The network beats the linear model
#
# Softmax regression, fitted by `ce.fit_cross_entropy`, has a straight line as its boundary
# $q(y = 1 \mid x) = 1/2$; on these data the best it can do is a nearly constant probability,
# between 0.5 and 0.6 over the whole plotted square, so that its boundary lies outside the
# plot. On a test set of 20,000 new draws the network's NLL per observation is far below
# softmax regression's, and its excess over the true network is less than a tenth
# of that gap; each difference is compared with its paired standard error (the standard
# deviation of the per-observation differences over $\sqrt{20{,}000}$).

# %%
linear = ce.fit_cross_entropy(X, y)
test_logits = {
    "softmax regression": ce.linear_predictor(X_test, linear.weights, linear.bias),
    "network (MAP)": ce.network_logits(X_test, best.model),
    "true network": ce.network_logits(X_test, true_net),
}
test_nll = {k: -ce.categorical_log_pmf(y_test, ce.log_softmax(z)) for k, z in test_logits.items()}
gap = test_nll["softmax regression"] - test_nll["network (MAP)"]
excess = test_nll["network (MAP)"] - test_nll["true network"]
se_gap, se_excess = (v.std(ddof=1) / np.sqrt(v.size) for v in (gap, excess))
print(f"linear - network: {gap.mean():.3f} ± {se_gap:.3f} per observation")
print(f"network - truth: {excess.mean():.3f} ± {se_excess:.3f} per observation")
pd.Series({k: v.mean() for k, v in test_nll.items()}, name="test NLL / obs.").round(3)

# %% tags=["hide-input"]
# Check: both statements hold by more than 3 paired standard errors (a 3-SE margin leaves a
# chance below 0.2% that sampling noise of the test set alone makes them true).
assert gap.mean() > 3 * se_gap
q_linear = linear.predict_proba(np.array(np.meshgrid([-3.5, 3.5], [-3.5, 3.5])).reshape(2, -1).T)
assert np.all((q_linear[:, 1] > 0.5) & (q_linear[:, 1] < 0.6))  # linear logit: corners bound it
assert excess.mean() + 3 * se_excess < 0.1 * gap.mean()

# %%
lim = (-3.5, 3.5)
g1, g2 = np.meshgrid(np.linspace(*lim, 200), np.linspace(*lim, 200))
grid = np.column_stack([g1.ravel(), g2.ravel()])


def plot_probability(ax, fitted, title):
    """q(y = 1 | x) of a fitted model on the grid, its 1/2 contour and the training data."""
    surface = fitted.predict_proba(grid)[:, 1].reshape(g1.shape)
    im = ax.pcolormesh(g1, g2, surface, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6)
    ax.contour(g1, g2, surface, levels=[0.5], colors="k", linewidths=1.5)
    style = {0: dict(marker="o", fc="white", ec="k"), 1: dict(marker="^", fc="k", ec="white")}
    for k, kw in style.items():
        ax.scatter(*X[y == k].T, s=22, lw=0.6, label=f"y = {k}", **kw)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("$x_0$")
    return im


def finish_probability_figure(fig, axes, name):
    axes[0].set_ylabel("$x_1$")
    handles = axes[0].get_legend_handles_labels()
    fig.legend(*handles, loc="outside lower center", ncols=2, fontsize=10, markerscale=1.5)
    label = "$q(y = 1 \\mid x)$; black line: 1/2"
    fig.colorbar(axes[0].collections[0], ax=axes, shrink=0.85, label=label).ax.axhline(0.5, c="k")
    save_figure(fig, name)
    plt.show()


fig, axes = plt.subplots(1, 3, figsize=(13, 4.8), sharex=True, sharey=True)
panels = {"true network": true_net, "softmax regression (MLE)": linear, "network (MAP)": best.model}
for ax, (title, fitted) in zip(axes, panels.items()):
    plot_probability(ax, fitted, title)
finish_probability_figure(fig, axes, "network-vs-softmax-regression-probabilities")

# %% [markdown]
# ## The likelihood has symmetric maxima
#
# Two operations on the hidden layer change the parameters but not the function
# (`ce.permute_hidden`, `ce.flip_hidden`):
#
# - **permuting the hidden units**: reordering the rows of $A$ and $a$ together with the columns
#   of $V$ only reorders a sum;
# - **flipping the sign of a unit**: $\tanh$ is odd, so
#   $v_j \tanh(A_j x + a_j) = (-v_j) \tanh(-A_j x - a_j)$.
#
# With $H = 3$ units there are $3! \cdot 2^3 = 48$ combinations (`ce.symmetric_networks`), and
# each turns the fitted network into a parameter vector with exactly the same logits, the same
# likelihood and, since the prior is symmetric too, the same posterior density. For a network
# with non-zero output weights, non-zero $A_j$ and no two units with
# $(A_j, a_j) = \pm (A_k, a_k)$, these are the only parameter vectors that compute the same
# function of $x$ (Sussmann 1992). The 48 copies of the fit are distinct points:

# %%
copies = ce.symmetric_networks(best.model)
copy_thetas = np.array([ce.pack_network(c) for c in copies])
copy_nll = np.array([ce.network_nll_grad(X, y, c)[0] for c in copies])
min_distance = pdist(copy_thetas).min()
print(
    f"{len(copies)} copies; NLL spread {np.ptp(copy_nll):.1e}; closest two {min_distance:.2f} apart"
)
assert min_distance > 1.0

# %% [markdown]
# So the maximiser of the likelihood (or of the posterior) is not a point but a set of 48
# equally good points: the data can at best determine the function the network computes, and
# its parameters only up to these symmetries.
# Between two copies the objective rises. On the straight line from the MAP to its copy with
# two units swapped, or with one unit's sign flipped, the NLL climbs far above its minimum: the
# average of two equally good networks is a much worse network.

# %%
t_path = np.linspace(-0.25, 1.25, 121)
theta_hat = ce.pack_network(best.model)


def nll_at(theta):
    """Summed NLL of the three-unit network with packed parameters theta."""
    return ce.network_nll_grad(X, y, ce.unpack_network(theta, d, H_units, K))[0]


targets = {
    "units 0 and 1 swapped": ce.pack_network(ce.permute_hidden(best.model, np.array([1, 0, 2]))),
    "unit 0 sign-flipped": ce.pack_network(ce.flip_hidden(best.model, np.array([-1, 1, 1]))),
}
path_nll = {
    n: np.array([nll_at((1 - t) * theta_hat + t * v) for t in t_path]) for n, v in targets.items()
}
barrier = {name: v.max() - best.nll for name, v in path_nll.items()}
print("ridge height above the minimum: " + ", ".join(f"{n} {h:.1f}" for n, h in barrier.items()))
assert min(barrier.values()) > 10  # NLL units; the lower of the two ridges, printed above

# %%
fig, ax = plt.subplots(figsize=(7.5, 4))
for name, v in path_nll.items():
    ax.plot(t_path, v, label=f"MAP → copy with {name}")
ax.axhline(best.nll, color="k", lw=0.8, ls="--", label="NLL at the MAP")
for t in (0, 1):
    ax.axvline(t, color="0.6", lw=0.8)
ax.set_xlabel("position on the straight line, 0 = MAP, 1 = symmetric copy")
ax.set_ylabel("negative log-likelihood")
ax.set_title("Two equal minima and a ridge between them", fontsize=11)
ax.legend(fontsize=9, loc="upper right")
save_figure(fig, "network-nll-between-symmetric-copies")
plt.show()


# %% [markdown]
# ## Many starts, one optimum, many points
#
# The 40 fits from random starts show the symmetry at work. All of them end at the same
# objective value, but at *different* parameter vectors, in more than half of the 48 copies. Mapped to a canonical representative
# they coincide: they are symmetric copies of one optimum. The canonical form
# (`ce.canonical_network`) flips each unit's sign so that its output weight $V_{1j}$ is
# positive and then sorts the units by the direction of their input weights $A_j$ in the
# plane, which separates the three edges of the triangle clearly.


# %%
def direction(net):
    """Angle of each hidden unit's input-weight vector: the sort key of the canonical form."""
    return np.arctan2(net.hidden_weights[:, 1], net.hidden_weights[:, 0])


def canonical(net):
    return ce.pack_network(ce.canonical_network(net, sort_key=direction))


theta_fit = np.array([ce.pack_network(f.model) for f in fits])
losses = np.array([f.objective for f in fits])
distance = np.linalg.norm(theta_fit - theta_hat, axis=1)
canonical_distance = [np.linalg.norm(canonical(f.model) - canonical(best.model)) for f in fits]
n_copies_found = len({int(np.argmin(np.linalg.norm(copy_thetas - t, axis=1))) for t in theta_fit})
print(f"objective range over the 40 starts {np.ptp(losses):.1e}; {n_copies_found} copies reached")
print(
    f"distance to the best fit up to {distance.max():.2f}, canonical {max(canonical_distance):.1e}"
)

# %% tags=["hide-input"]
# Check: one optimum (objective range within 1e-8 relative, the fits' own precision), reached
# at many points that are copies of one another (canonical distance below 1e-3, more than the
# fits' ~1e-4 precision and far less than the > 1 between distinct points).
assert np.ptp(losses) < 1e-8 * best.objective
assert distance.max() > 1.0 and max(canonical_distance) < 1e-3
assert n_copies_found > 24

# %% [markdown]
# ## Other stationary points: a saddle and worse local minima
#
# That all 40 starts found one optimum is a property of these data and this network, not a
# guarantee, and gradient-based fitting only certifies a *stationary* point. One stationary
# point is easy to construct. A "dead" hidden unit, with all its weights zero, outputs
# $\tanh(0) = 0$ and receives zero gradient, so an optimiser started there never revives it and
# ends at a two-unit network with a dead third unit. The gradient vanishes there, yet the objective is clearly worse;
# the Hessian (by central differences of the backpropagated gradient) has a negative
# eigenvalue, so the point is a saddle, which only a perturbation would let the optimiser leave.


# %%
alive = np.ones(theta_hat.size)
alive[[4, 5, 8, 11]] = 0.0  # A[2, :], a[2] and V[1, 2] in pack_network's order: unit 2 dead
dead = ce.unpack_network(ce.pack_network(starts[0]) * alive, d, H_units, K)
stuck = ce.fit_network(X, y, dead, prior_sd=SIGMA)
eig_min = np.linalg.eigvalsh(objective_hessian(stuck.model)).min()
print(f"dead-unit start: objective {stuck.objective:.2f} (best {best.objective:.2f})")
print(f"max |gradient| / N {stuck.grad_norm:.1e}; smallest Hessian eigenvalue {eig_min:.2f}")

# %% tags=["hide-input"]
# Check: the unit stayed exactly dead, the point is stationary and worse, and the Hessian has a
# negative eigenvalue. The difference Hessian errs by about h^2 * (third derivative)
# (truncation) plus eps * N / h (rounding of a sum of N terms), both about 1e-8.
assert np.all(stuck.model.hidden_weights[2] == 0) and stuck.model.output_weights[1, 2] == 0
assert stuck.converged and stuck.objective > best.objective + 10
assert eig_min < -1.0

# %% [markdown]
# The saddle is the best two-unit network with a spare unit (its objective is that of the best
# two-unit fit below, since the dead unit's weights add no penalty). A network with *only* two
# units shows
# genuinely different local minima: two units can cut off only two of the triangle's three
# sides, and which two they take depends on the start. We fit such networks from 20 random
# starts. The fits end at different objective values, so they are not symmetric copies of one
# another; each is a local minimum (its Hessian is positive definite); and each uses a
# different pair of the true network's units, matched by the direction of $A_j$ (the true
# units point at $-90°$, $30°$ and $150°$).

# %%
starts_2 = [ce.random_network(d, 2, K, rng, scale=2.0) for _ in range(20)]
fits_2 = [ce.fit_network(X, y, s, prior_sd=SIGMA) for s in starts_2]
values, first, counts = np.unique(
    np.round([f.objective for f in fits_2], 6), return_index=True, return_counts=True
)
minima_2 = [fits_2[i].model for i in first]
eig_2 = [np.linalg.eigvalsh(objective_hessian(m)).min() for m in minima_2]
true_angles = np.rad2deg(direction(true_net))
angles_2 = [np.rad2deg(np.sort(direction(ce.canonical_network(m)))) for m in minima_2]
turn = [(a[:, None] - true_angles + 180) % 360 - 180 for a in angles_2]  # (unit, true unit)
sides_2 = [tuple(sorted(np.argmin(np.abs(t), axis=1).tolist())) for t in turn]
two_unit = pd.DataFrame({"objective": values, "starts": counts, "min Hessian eigenvalue": eig_2})
two_unit["directions (°)"] = [a.round().tolist() for a in angles_2]
two_unit.assign(**{"true units": sides_2}).round(3)

# %% tags=["hide-input"]
# Check: at least two local minima with different objectives. Fits are precise to 1e-8
# relative (rounded at 1e-6), so any two distinct values are distinct minima, and the gaps are
# > 1. Positive definite by a margin far above the difference Hessian's 1e-8 error. Distinct
# pairs of true units, each pair of two different units.
assert all(f.converged for f in fits_2) and len(values) >= 2 and np.diff(values).min() > 1.0
assert min(eig_2) > 0.01
assert len(set(sides_2)) == len(sides_2) and all(len(set(s)) == 2 for s in sides_2)
# The best two-unit network is the dead-unit saddle of the three-unit one (zero penalty for the
# dead unit): the same objective, found two independent ways, to the fits' precision.
assert np.isclose(values[0], stuck.objective, rtol=1e-8)

# %%
fig, axes = plt.subplots(1, len(minima_2), figsize=(4.3 * len(minima_2) + 1, 4.8), sharey=True)
for ax, m, v in zip(axes, minima_2, values):
    plot_probability(ax, m, f"two units: objective {v:.1f}")
finish_probability_figure(fig, axes, "two-unit-network-local-minima")

# %% [markdown]
# ## The posterior is multimodal
#
# By the same symmetries the posterior has 48 copies, all with the same mass, of every mode
# whose units are distinct and non-zero. A consequence that holds whatever the sampler does:
# flipping unit $j$ maps the posterior onto itself and $A_j, a_j, V_{1j}$ onto their negatives,
# so the exact posterior mean of every parameter except the output bias $c_1$ is zero.
# Summaries of the raw weights from a few chains do not estimate that; they describe whichever
# copies the chains happened to visit, which is why no table of them is shown here.
#
# We run NUTS on the model above with four chains started at dispersed random points (drawn as
# the optimiser's starts were), so that each can settle in a different copy. The diagnostic is
# $\hat R$, the rank-normalised split-$\hat R$ of Vehtari et al. (2021): the ratio of the spread
# of all chains pooled to the spread within each chain, close to 1 when all chains sample the
# same distribution. ESS, the effective sample size, is the number of independent draws that
# would give the same Monte Carlo error as the correlated draws at hand.

# %%
shapes = {k: v.shape for k, v in model.initial_point().items()}  # the four parameter blocks
initvals = [{k: 2.0 * rng.standard_normal(s) for k, s in shapes.items()} for _ in range(4)]
draws, tune = (150, 300) if FAST else (300, 400)
options = dict(cores=1, init="adapt_diag", progressbar=False, compute_convergence_checks=False)
# The sampler's log messages are collected instead of printed; its diagnostics are checked below.
with model, ce.capture_sampler_messages() as sampler_messages:
    dt = pm.sample(
        draws, tune=tune, chains=4, initvals=initvals, random_seed=RANDOM_SEED, **options
    )
n_divergent = int(dt.sample_stats.to_dataset()["diverging"].values.sum())
posterior = ce.posterior_networks(dt.posterior)  # (chain, draw, 13 parameters)
nets = [[ce.unpack_network(t, d, H_units, K) for t in chain] for chain in posterior]


def copy_label(net):
    """Which copy a network is in: the signs of V_1 and the order of the unit directions."""
    signs = np.where(net.output_weights[1] < 0, -1, 1)
    return tuple(signs) + tuple(np.argsort(direction(ce.flip_hidden(net, signs))))


labels = [{copy_label(n) for n in chain} for chain in nets]
print(f"divergences: {n_divergent}; copies visited by each chain: {[len(s) for s in labels]}")
print(f"distinct copies over the 4 chains: {len(set().union(*labels))}")

# %% [markdown]
# Each chain stays in one copy (every draw of a chain has the same signs of $V_1$ and order of
# units), and no two chains share a copy. $\hat R$ on the raw weights detects that, while
# $\hat R$ on quantities that the symmetries leave unchanged checks whether the chains agree on
# them: the log-likelihood of the data, the predicted probability
# at three points, and each parameter after mapping every draw to its canonical form. The MCSE
# (Monte Carlo standard error, posterior sd over $\sqrt{\text{ESS}}$) states the precision of
# each posterior mean.

# %%
canon = np.array([[canonical(n) for n in chain] for chain in nets])
x_probe = np.array([[0.0, 0.0], [1.5, 0.0], [0.0, -1.5]])
prob_probe = np.array([[n.predict_proba(x_probe)[:, 1] for n in chain] for chain in nets])
invariants = {"log-likelihood": np.array([[-nll_at(t) for t in c] for c in posterior])}
invariants |= {
    f"q(y=1 | x=({x[0]:g}, {x[1]:g}))": prob_probe[..., j] for j, x in enumerate(x_probe)
}
stats = {"posterior mean": np.mean, "MCSE": az.mcse, "ess_bulk": az.ess, "r_hat": az.rhat}
diag = pd.DataFrame({k: [float(f(v)) for v in invariants.values()] for k, f in stats.items()})
diag.index = list(invariants)
rhat_raw = np.array([float(az.rhat(posterior[..., j])) for j in range(12)])  # all but c_1
rhat_canon = np.array([float(az.rhat(canon[..., j])) for j in range(13)])
ess_canon = np.array([float(az.ess(canon[..., j])) for j in range(13)])
print(f"r_hat of the 12 raw weights: {rhat_raw.min():.2f} to {rhat_raw.max():.2f}")
print(f"13 canonical parameters: r_hat <= {rhat_canon.max():.3f}, ess >= {ess_canon.min():.0f}")
diag.round(3)

# %% tags=["hide-input"]
# Check: no divergences; one copy per chain, a different one for each chain. r_hat^2 is about
# 1 + (variance of the chain means) / (within-chain variance): r_hat > 1.2 means chain means
# spread by more than about 0.6 within-chain sd, r_hat < 1.05 that they spread by less than
# about 0.3 sd. When chains agree, r_hat is about 1 + 4 / ESS (8 split half-chains), so at
# ESS >= 150 it stays below 1.03: 1.05 is not crossed by noise alone. MCSE < 0.01 makes the
# probabilities' posterior means good to +-0.01 (a 2-MCSE interval of +-0.02 at worst).
assert n_divergent == 0
assert all(len(s) == 1 for s in labels) and len(set().union(*labels)) == 4
assert rhat_raw.min() > 1.2
assert (diag["r_hat"] < 1.05).all() and rhat_canon.max() < 1.05
assert (diag["ess_bulk"] > 150).all() and ess_canon.min() > 150
assert (diag["MCSE"].iloc[1:] < 0.01).all()

# %% [markdown]
# What $\hat R$ shows here, precisely:
#
# - On the raw weights it is far above 1: the chains are in different symmetric copies. In
#   parameter space they have not converged to the posterior, which gives each of the 48 copies
#   the same mass, and their raw means are no estimate of the true ones (zero).
# - On the invariant quantities it is close to 1: the four chains, started at dispersed points,
#   found the same mode up to symmetry and agree on everything the symmetries leave unchanged.
#   For such quantities every copy has the same distribution, so one copy is enough; if this
#   mode (with its 48 copies) holds essentially all the posterior mass, these posterior means,
#   good to the MCSE shown, are the model's predictions.
# - Neither proves that every mode has been visited. Four chains visit at most four of the 48
#   copies, and a mode that no chain found leaves no trace in $\hat R$ at all; the two-unit
#   network showed that network likelihoods do have worse local optima. No diagnostic computed
#   from the chains alone can rule such a mode out.
#
# The pair plot shows two of the twelve weights, one colour per chain (the pair of weights in
# which the two closest chains are furthest apart). In the raw parameters the chains form
# separate clouds, images of one another under sign flips and swaps of units; after
# canonicalisation they lie on top of each other.

# %%
names = [f"A[{j},{m}]" for j in range(3) for m in range(2)] + [f"a[{j}]" for j in range(3)]
names += [f"V[1,{j}]" for j in range(3)]
means = posterior[..., :12].mean(axis=1)  # (chain, weight); below: closest two chains' distance
ix, iy = max(itertools.combinations(range(12), 2), key=lambda ij: pdist(means[:, list(ij)]).min())
fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
for ax, sample in zip(axes, (posterior, canon)):
    for c in range(4):
        ax.scatter(sample[c, :, ix], sample[c, :, iy], s=8, alpha=0.5, label=f"chain {c}")
    ax.set_xlabel(f"weight {names[ix]}")
axes[0].set_title("raw draws: one symmetric copy per chain", fontsize=11)
axes[1].set_title("canonicalised draws: the same mode in every chain", fontsize=11)
axes[0].set_ylabel(f"weight {names[iy]}")
handles = axes[0].get_legend_handles_labels()
fig.legend(*handles, loc="outside lower center", ncols=4, fontsize=10, markerscale=1.5)
save_figure(fig, "network-posterior-symmetric-modes")
plt.show()


# %% [markdown]
# ## What this gives us
#
# Replacing the linear logits by a network changes nothing in the derivation: the negative
# log-likelihood is still the summed cross entropy, and minimising it (plus the prior's
# penalty) is still exactly what PyMC's MAP does. What changes is the geometry. The likelihood
# of a network is invariant under permutations and sign flips of the hidden units, so every
# optimum comes with $H!\,2^H$ equal copies; and it can have worse local optima and saddles
# besides, as the two-unit network and the dead unit showed. Maximum likelihood then picks one
# member of a set of equivalent points, while the posterior is a mixture over all of them.
# $\hat R$ must be read with that in mind: on raw weights it flags chains in different copies,
# on invariant quantities it checks that the chains agree, and on neither does it show that
# all modes were found. Statements about the model are best made about the function it
# computes rather than about its weights.
#
# ## References
#
# - Bishop, C. M. (2006). *Pattern Recognition and Machine Learning*, §5.1.1 "Weight-space
#   symmetries". Springer.
# - Sussmann, H. J. (1992). Uniqueness of the weights for minimal feedforward nets with a given
#   input-output map. *Neural Networks* 5(4), 589–593.
# - Neal, R. M. (1996). *Bayesian Learning for Neural Networks*. Lecture Notes in Statistics
#   118, Springer.
# - Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
#   Rank-normalization, folding, and localization: an improved $\hat R$ for assessing
#   convergence of MCMC. *Bayesian Analysis* 16(2), 667–718.
# - Pourzanjani, A. A., Jiang, R. M. and Petzold, L. R. (2017). Improving the identifiability
#   of neural networks for Bayesian inference. NIPS Workshop on Bayesian Deep Learning.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
