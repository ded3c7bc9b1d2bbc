# %% [markdown]
# # A neural network as the model: same loss, new likelihood geometry
#
# The derivation in the second notebook never used the form of the model
# $q(y \mid x; \theta)$. It needed only that the model returns a probability vector over the
# classes for every $x$; the parameters $\theta$ could be, as the usual phrasing goes, the
# weights of a neural network. This notebook takes that literally. It fits a small network by
# minimising the summed cross entropy, checks that this is again the MAP of the same model
# written in PyMC, and then looks at what changes: the likelihood of a network has many
# symmetric maxima, so the estimate is not a point but a set of equally good points, and the
# posterior has many modes.
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
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm

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
# The generative process is the one of the first notebook with a network in place of the
# linear logits: $x \sim \mathcal{N}(0, I_2)$ and
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
# Softmax regression, fitted by the library's `fit_cross_entropy`, can only draw one straight
# boundary. We compare it with the network fitted below on a large independent test set.
#
# ## Fitting the network: cross entropy and the PyMC MAP
#
# With a flat prior the MAP is the MLE, as in the linear case. For a network we use a weak
# prior instead, independent $\mathcal{N}(0, 3^2)$ on every parameter (the reason follows
# below). The log posterior is then the log-likelihood minus $\lVert\theta\rVert^2 / (2 \cdot 3^2)$,
# so the MAP minimises the summed cross entropy plus an L2 penalty ("weight decay"):
#
# $$
# \hat\theta_{\text{MAP}} = \arg\min_\theta \sum_{i=1}^N H(h_i, q_i) + \frac{\lVert\theta\rVert^2}{2 \sigma^2},
# \qquad \sigma = 3 .
# $$
#
# `ce.fit_network` minimises this objective with BFGS, using the library's cross entropy and its
# gradient by backpropagation. First, a check that the backpropagated gradient is the gradient:
# central finite differences at a random parameter vector agree with it.


# %%
def nll_at(theta):
    """Summed NLL of the network with packed parameters theta."""
    return ce.network_nll_grad(X, y, ce.unpack_network(theta, d, H_units, K))[0]


theta_probe = ce.pack_network(ce.random_network(d, H_units, K, rng))
_, grad_probe = ce.network_nll_grad(X, y, ce.unpack_network(theta_probe, d, H_units, K))
eps = 1e-6
fd = np.array(
    [
        (nll_at(theta_probe + eps * e) - nll_at(theta_probe - eps * e)) / (2 * eps)
        for e in np.eye(theta_probe.size)
    ]
)
rel_err = np.max(np.abs(fd - ce.pack_network(grad_probe))) / np.max(np.abs(fd))
print(
    f"{theta_probe.size} parameters; largest relative difference, "
    f"backprop vs finite differences: {rel_err:.1e}"
)
assert rel_err < 1e-6

# %% [markdown]
# A network's objective is not convex, so a fit is only a local minimum and depends on where
# the optimiser starts. We draw 40 random starting points, fit from each, and keep the best.

# %%
SIGMA = 3.0
starts = [ce.random_network(d, H_units, K, rng, scale=2.0) for _ in range(40)]
fits = [ce.fit_network(X, y, s, prior_sd=SIGMA) for s in starts]
assert all(f.converged for f in fits)
best_index = int(np.argmin([f.objective for f in fits]))
best = fits[best_index]
print(f"best objective {best.objective:.4f} (NLL {best.nll:.4f}) from start {best_index}")

# %% [markdown]
# PyMC's version of the same model, `ce.network_model`, has the four parameter blocks as random
# variables with the $\mathcal{N}(0, 3^2)$ prior and a categorical likelihood on the logits.
# Its MAP, found by `pm.find_MAP` (through `ce.fit_network_map`) from the *same* starting point,
# is the same point: both optimisers minimise the same function by BFGS from the same start, so
# they follow the same path into the same local minimum.

# %%
model = ce.network_model(X, y, H_units, prior=SIGMA)
map_fit = ce.fit_network_map(model, starts[best_index])
agreement = pd.DataFrame(
    {
        "objective": [best.objective, map_fit.objective],
        "NLL (summed cross entropy)": [best.nll, map_fit.nll],
        "max |gradient| / N": [best.grad_norm, map_fit.grad_norm],
    },
    index=pd.Index(["ce.fit_network", "PyMC find_MAP"], name="fit"),
)
max_diff = np.max(np.abs(ce.pack_network(map_fit.model) - ce.pack_network(best.model)))
print(f"largest parameter difference: {max_diff:.1e}")
agreement

# %%
assert map_fit.converged and max_diff < 1e-4
assert np.isclose(map_fit.objective, best.objective, rtol=1e-9)
assert np.isclose(map_fit.nll, best.nll, rtol=1e-9)

# %% [markdown]
# The prior is weak: it moves the estimate only a little. Without it (a flat prior, so the MLE
# itself), started at the MAP, the library and PyMC again land on the same point, with an NLL
# lower by a fraction of a percent.

# %%
mle_fit = ce.fit_network(X, y, best.model)
map_flat = ce.fit_network_map(ce.network_model(X, y, H_units, prior="flat"), best.model)
print(
    f"flat prior: NLL {mle_fit.nll:.4f} (library), {map_flat.nll:.4f} (PyMC); "
    f"weak prior: NLL {best.nll:.4f}"
)
assert mle_fit.converged and map_flat.converged
assert np.allclose(ce.pack_network(map_flat.model), ce.pack_network(mle_fit.model), atol=1e-4)
assert mle_fit.nll <= best.nll and (best.nll - mle_fit.nll) / best.nll < 0.01

# %% [markdown]
# Why bother with the prior, then? Because of what can happen *away* from this optimum. If a
# hidden unit's output weight is zero, its input weights do not affect the likelihood at all,
# and if a unit saturates into a step function, making it steeper changes the likelihood less
# and less. Along such directions a flat prior leaves the posterior improper and an optimiser
# can run off to infinity. The weak prior keeps every direction bounded, at a negligible cost
# near the optimum.
#
# ## The network beats the linear model
#
# On the test set the network's average NLL is far below that of softmax regression, and close
# to the true model's; the differences are compared with their paired standard errors.

# %%
linear = ce.fit_cross_entropy(X, y)
test_logits = {
    "softmax regression": ce.linear_predictor(X_test, linear.weights, linear.bias),
    "network (MAP)": ce.network_logits(X_test, best.model),
    "true network": ce.network_logits(X_test, true_net),
}
test_nll = {k: -ce.categorical_log_pmf(y_test, ce.log_softmax(z)) for k, z in test_logits.items()}
proba = {
    "softmax regression": linear.predict_proba(X_test),
    "network (MAP)": best.model.predict_proba(X_test),
    "true network": p_test,
}
comparison = pd.DataFrame(
    {
        "test NLL / obs.": {k: v.mean() for k, v in test_nll.items()},
        "test accuracy": {k: (q.argmax(axis=1) == y_test).mean() for k, q in proba.items()},
    }
)
gap = test_nll["softmax regression"] - test_nll["network (MAP)"]
z_gap = gap.mean() / (gap.std(ddof=1) / np.sqrt(gap.size))
excess = test_nll["network (MAP)"] - test_nll["true network"]
print(
    f"linear - network: {gap.mean():.3f} per observation ({z_gap:.0f} standard errors); "
    f"network - truth: {excess.mean():.3f}"
)
comparison.round(4)

# %%
assert z_gap > 10
assert excess.mean() < gap.mean() / 5
accuracy = comparison["test accuracy"]
assert accuracy["network (MAP)"] > accuracy["softmax regression"]

# %%
lim = (-3.5, 3.5)
g1, g2 = np.meshgrid(np.linspace(*lim, 200), np.linspace(*lim, 200))
grid = np.column_stack([g1.ravel(), g2.ravel()])
fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), sharex=True, sharey=True)
surfaces = {
    "true network": true_net.predict_proba(grid)[:, 1],
    "softmax regression (MLE)": linear.predict_proba(grid)[:, 1],
    "network, 3 hidden units (MAP)": best.model.predict_proba(grid)[:, 1],
}
for ax, (title, surface) in zip(axes, surfaces.items()):
    im = ax.imshow(
        surface.reshape(g1.shape),
        origin="lower",
        extent=(*lim, *lim),
        cmap="RdBu_r",
        vmin=0,
        vmax=1,
        alpha=0.75,
        aspect="auto",
    )
    ax.contour(g1, g2, surface.reshape(g1.shape), levels=[0.5], colors="k", linewidths=1.2)
    for k, marker in ((0, "o"), (1, "^")):
        sel = y == k
        ax.scatter(
            *X[sel].T,
            s=10,
            marker=marker,
            facecolor="none",
            edgecolor=f"C{k}",
            lw=0.8,
            label=f"y = {k}",
        )
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("$x_0$")
axes[0].set_ylabel("$x_1$")
axes[0].legend(loc="lower left", fontsize=8)
fig.colorbar(im, ax=axes, shrink=0.85, label="$q(y = 1 \\mid x)$")
save_figure(fig, "network-vs-softmax-regression-probabilities")
plt.show()

# %% [markdown]
# ## The likelihood has symmetric maxima
#
# Two operations on the hidden layer change the parameters but not the function:
#
# - **permuting the hidden units**: reordering the rows of $A$ and $a$ together with the columns
#   of $V$ only reorders a sum;
# - **flipping the sign of a unit**: $\tanh$ is odd, so
#   $v_j \tanh(A_j x + a_j) = (-v_j) \tanh(-A_j x - a_j)$.
#
# With $H = 3$ units there are $3! \cdot 2^3 = 48$ combinations, and each turns the fitted
# network into a different parameter vector with exactly the same logits, the same likelihood
# and, since the prior is symmetric too, the same posterior density.

# %%
copies = ce.symmetric_networks(best.model)
copy_thetas = np.array([ce.pack_network(c) for c in copies])
copy_nll = np.array([ce.network_nll_grad(X, y, c)[0] for c in copies])
pairwise = np.linalg.norm(copy_thetas[:, None] - copy_thetas[None], axis=-1)
min_distance = pairwise[~np.eye(len(copies), dtype=bool)].min()
print(
    f"{len(copies)} symmetric copies; NLL spread {np.ptp(copy_nll):.1e}; "
    f"closest two copies {min_distance:.2f} apart in parameter space"
)

# %%
assert len(copies) == 48
assert np.ptp(copy_nll) < 1e-9 * best.nll
assert min_distance > 0.1
assert all(
    np.allclose(c.predict_proba(X_test), proba["network (MAP)"], rtol=0, atol=1e-12) for c in copies
)

# %% [markdown]
# So the maximiser of the likelihood (or of the posterior) is not a point but a set of 48 equally
# good points, and the parameters themselves are not identifiable; only the function they
# compute is. Between two copies the objective rises: the straight line from the MAP to its copy
# with two units swapped, or with one unit's sign flipped, passes over a ridge. The average of
# two equally good networks is a worse network.

# %%
t_path = np.linspace(-0.25, 1.25, 121)
theta_hat = ce.pack_network(best.model)
targets = {
    "units 0 and 1 swapped": ce.pack_network(ce.permute_hidden(best.model, np.array([1, 0, 2]))),
    "unit 0 sign-flipped": ce.pack_network(ce.flip_hidden(best.model, np.array([-1, 1, 1]))),
}
path_nll = {
    name: np.array([nll_at((1 - t) * theta_hat + t * target) for t in t_path])
    for name, target in targets.items()
}
barrier = {name: v.max() - best.nll for name, v in path_nll.items()}
print(
    "height of the ridge above the minimum: "
    + ", ".join(f"{name} {height:.1f}" for name, height in barrier.items())
)
i0, i1 = np.argmin(np.abs(t_path)), np.argmin(np.abs(t_path - 1))
for v in path_nll.values():
    assert np.isclose(v[i0], v[i1], rtol=1e-12)
    assert v[(t_path > 0) & (t_path < 1)].max() > v[i0] + 10  # a ridge between the two copies

# %%
fig, ax = plt.subplots(figsize=(7.5, 4))
for name, v in path_nll.items():
    ax.plot(t_path, v, label=f"MAP → copy with {name}")
ax.axhline(best.nll, color="k", lw=0.8, ls="--")
ax.axvline(0, color="C7", lw=0.8)
ax.axvline(1, color="C7", lw=0.8)
ax.set_xlabel("position on the straight line, 0 = MAP, 1 = symmetric copy")
ax.set_ylabel("negative log-likelihood")
ax.set_title("Two equal minima and a ridge between them", fontsize=11)
ax.legend(fontsize=8)
save_figure(fig, "network-nll-between-symmetric-copies")
plt.show()


# %% [markdown]
# ## Many starts, one optimum, many points
#
# The 40 fits from random starts show the symmetry at work. All of them end at the same
# objective value, but at *different* parameter vectors. Mapped to a canonical representative
# they coincide: they are symmetric copies of one optimum. The canonical form
# (`ce.canonical_network`) flips each unit's sign so that its output weight is positive and then
# sorts the units by the direction of their input weights $A_j$ in the plane, which separates the
# three edges of the triangle clearly.


# %%
def direction(net):
    """Angle of each hidden unit's input-weight vector: the sort key of the canonical form."""
    return np.arctan2(net.hidden_weights[:, 1], net.hidden_weights[:, 0])


def canonical(net):
    return ce.pack_network(ce.canonical_network(net, sort_key=direction))


theta_fit = np.array([ce.pack_network(f.model) for f in fits])
theta_canon = np.array([canonical(f.model) for f in fits])
losses = np.array([f.objective for f in fits])
starts_table = pd.DataFrame(
    {
        "objective": losses,
        "distance to the best fit": np.linalg.norm(theta_fit - theta_fit[best_index], axis=1),
        "canonical distance": np.linalg.norm(theta_canon - theta_canon[best_index], axis=1),
        "same copy as": [
            int(np.argmin(np.linalg.norm(copy_thetas - t, axis=1))) for t in theta_fit
        ],
    },
    index=pd.Index(range(len(fits)), name="start"),
)
n_copies_found = starts_table["same copy as"].nunique()
print(
    f"objective range over the {len(fits)} starts: {np.ptp(losses):.1e}; "
    f"{n_copies_found} different symmetric copies reached"
)
starts_table.head(10).round(4)

# %%
assert np.ptp(losses) < 1e-8 * best.objective
assert (
    starts_table["distance to the best fit"].max() > 1.0
)  # different points in parameter space ...
assert starts_table["canonical distance"].max() < 1e-3  # ... that are copies of one another
assert n_copies_found >= 5

# %% [markdown]
# With this much data and this small a network, no random start got stuck. That is not
# guaranteed: network likelihoods have worse local optima too, and gradient-based fitting only
# certifies a *stationary* point. One stationary point is easy to construct. A "dead" hidden
# unit, with all its weights zero, outputs $\tanh(0) = 0$ and receives zero gradient, so an
# optimiser started there never revives it and ends at the best network with only two units.
# The gradient vanishes there, yet the objective is clearly worse; the Hessian (by finite
# differences of the backpropagated gradient) has a negative eigenvalue, so the point is a
# saddle, and only a perturbation would let the optimiser leave it.

# %%
s0 = starts[0]
dead = ce.Network(
    s0.hidden_weights * np.array([[1.0], [1.0], [0.0]]),
    s0.hidden_bias * np.array([1.0, 1.0, 0.0]),
    s0.output_weights * np.array([1.0, 1.0, 0.0]),
    s0.output_bias,
)
stuck = ce.fit_network(X, y, dead, prior_sd=SIGMA)
theta_stuck = ce.pack_network(stuck.model)


def objective_grad(theta):
    _, g = ce.network_nll_grad(X, y, ce.unpack_network(theta, d, H_units, K))
    return ce.pack_network(g) + theta / SIGMA**2


hess = np.array(
    [
        (objective_grad(theta_stuck + 1e-5 * e) - objective_grad(theta_stuck - 1e-5 * e)) / 2e-5
        for e in np.eye(theta_stuck.size)
    ]
)
eig_min = np.linalg.eigvalsh((hess + hess.T) / 2).min()
print(
    f"dead-unit start: objective {stuck.objective:.2f} (best {best.objective:.2f}), "
    f"max |gradient| / N {stuck.grad_norm:.1e}, smallest Hessian eigenvalue {eig_min:.2f}"
)
assert np.all(stuck.model.hidden_weights[2] == 0) and stuck.model.output_weights[1, 2] == 0
assert stuck.converged and stuck.grad_norm < 1e-6 and stuck.objective > best.objective + 5
assert eig_min < -1.0

# %% [markdown]
# ## The posterior is multimodal
#
# The posterior has 48 symmetric copies of every mode. A sampler that explored it fully would
# visit them all, and every parameter's marginal posterior would be symmetric about zero or a
# mixture over the units. NUTS moves locally and cannot cross the ridges between copies. To make
# this visible we start four chains at four different symmetric copies of the MAP and let each
# explore its own mode. The standard convergence diagnostic $\hat R$ compares chains, so it
# flags the parameters whose chains disagree; quantities that are the same in every copy, such
# as the output bias $c_1$, the log-likelihood of the data, and the predicted probabilities,
# have chains that agree.

# %%
chosen = [0, 13, 26, 47]  # four distinct symmetric copies
initvals = [
    {
        "hidden_weights": copies[i].hidden_weights,
        "hidden_bias": copies[i].hidden_bias,
        "output_weights_free": copies[i].output_weights[1:],
        "output_bias_free": copies[i].output_bias[1:],
    }
    for i in chosen
]
draws, tune = (400, 400) if FAST else (1_000, 1_000)
# The sampler's log messages are collected instead of printed; its diagnostics are checked below.
with model, ce.capture_sampler_messages() as sampler_messages:
    dt = pm.sample(
        draws=draws,
        tune=tune,
        chains=4,
        cores=1,
        init="adapt_diag",
        initvals=initvals,
        target_accept=0.9,
        random_seed=RANDOM_SEED,
        progressbar=False,
        compute_convergence_checks=False,
    )
summary = az.summary(dt, ci_prob=0.9, ci_kind="eti")
summary[["mean", "sd", "ess_bulk", "r_hat"]]

# %% [markdown]
# The weights and the hidden biases have $\hat R$ far above 1: each chain sits in its own copy.
# The output bias, which no symmetry changes, mixes fine.

# %%
posterior = ce.posterior_networks(dt.posterior)  # (chain, draw, n_params)
n_chain, n_draw, _ = posterior.shape
nets = [[ce.unpack_network(t, d, H_units, K) for t in chain] for chain in posterior]
loglik = np.array([[-ce.network_nll_grad(X, y, n)[0] for n in chain] for chain in nets])
x_probe = np.array([[0.0, 0.0], [1.5, 0.0], [0.0, -1.5]])
prob_probe = np.array([[n.predict_proba(x_probe)[:, 1] for n in chain] for chain in nets])
canon = np.array([[canonical(n) for n in chain] for chain in nets])

invariant = pd.DataFrame(
    {
        "r_hat": [float(az.rhat(loglik))] + [float(az.rhat(prob_probe[:, :, j])) for j in range(3)],
        "ess_bulk": [float(az.ess(loglik))]
        + [float(az.ess(prob_probe[:, :, j])) for j in range(3)],
    },
    index=["log-likelihood"] + [f"q(y=1 | x=({x[0]:g}, {x[1]:g}))" for x in x_probe],
)
rhat_raw = summary["r_hat"].drop("output_bias_free[1]")
rhat_canon = np.array([float(az.rhat(canon[:, :, j])) for j in range(canon.shape[2])])
n_divergent = int(dt.sample_stats.to_dataset()["diverging"].values.sum())
print(
    f"raw parameters: r_hat from {rhat_raw.min():.2f} to {rhat_raw.max():.2f}; "
    f"canonicalised: largest r_hat {rhat_canon.max():.3f}; divergences: {n_divergent}"
)
invariant.round(3)

# %% [markdown]
# Every chain agrees on everything the symmetries leave unchanged: the log-likelihood, the
# predicted probabilities and, after mapping each draw to its canonical representative, every
# parameter. The chains are not failing to converge; they converge to different, equivalent
# copies of one posterior mode.

# %%
assert n_divergent == 0
assert (rhat_raw > 1.5).sum() >= 6  # the chains disagree on most parameters
assert summary.loc["output_bias_free[1]", "r_hat"] < 1.05
assert (invariant["r_hat"] < 1.05).all() and (invariant["ess_bulk"] > 100).all()
assert rhat_canon.max() < 1.05

# %% [markdown]
# The pair plot shows two input weights of the hidden layer, one colour per chain (the pair
# whose chain means are furthest apart). In the raw parameters the chains form separate
# clusters, mirror images of one another under sign flips and swaps; after canonicalisation
# they lie on top of each other.

# %%
names = [f"A[{j},{m}]" for j in range(H_units) for m in range(d)]
chain_means = posterior[:, :, : H_units * d].mean(axis=1)  # (chain, hidden weight)


def separation(i, j):
    pts = chain_means[:, [i, j]]
    return min(np.linalg.norm(pts[a] - pts[b]) for a in range(n_chain) for b in range(a))


ix, iy = max(((i, j) for i in range(len(names)) for j in range(i)), key=lambda ij: separation(*ij))
fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
for c in range(n_chain):
    axes[0].scatter(
        posterior[c, :, ix], posterior[c, :, iy], s=4, alpha=0.4, color=f"C{c}", label=f"chain {c}"
    )
    axes[1].scatter(canon[c, :, ix], canon[c, :, iy], s=4, alpha=0.4, color=f"C{c}")
axes[0].set_title("raw draws: one symmetric copy per chain", fontsize=11)
axes[1].set_title("canonicalised draws: the same mode in every chain", fontsize=11)
for ax in axes:
    ax.set_xlabel(f"hidden weight {names[ix]}")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
axes[0].set_ylabel(f"hidden weight {names[iy]}")
axes[0].legend(markerscale=4, fontsize=8)
save_figure(fig, "network-posterior-symmetric-modes")
plt.show()

# %% [markdown]
# ## What this gives us
#
# Replacing the linear logits by a network changes nothing in the derivation: the negative
# log-likelihood is still the summed cross entropy, and minimising it (plus the prior's penalty)
# is still exactly what PyMC's MAP does. What changes is the geometry. The likelihood of a
# network is invariant under permutations and sign flips of the hidden units, so it has many
# equal maxima, and it has genuinely different local optima besides. Maximum likelihood then
# picks one member of a set of equivalent points, while the posterior is a mixture over all of
# them; diagnostics such as $\hat R$ must be read with that in mind, and statements about the
# model are best made about the function it computes rather than about its weights.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
