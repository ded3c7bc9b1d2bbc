# %% [markdown]
# # Identifiability: when the minimiser of cross entropy is not a point
#
# The earlier notebooks minimised the summed cross entropy of softmax regression in the *pivot*
# parametrisation (class 0's weights and bias fixed at zero) and found a single minimiser, the
# MLE. Many implementations (scikit-learn's multinomial `LogisticRegression`, most neural-network
# output layers) instead keep a free row of weights and a free bias for **every** class.
# Without a penalty or a prior that costs identifiability: the minimisers of the NLL are no
# longer a point but a flat subspace, and which of them an optimiser returns depends on where it
# starts. A Bayesian analysis with a *flat prior* (a constant prior density, so the posterior is
# the likelihood renormalised) fails too: the posterior is *improper*, its integral infinite, so
# it is not a probability distribution. This notebook shows both, then the two standard cures,
# the pivot and the zero-sum parametrisations, and checks that they make the same predictions.
#
# The idea in one equation: adding the same number $c$ to every logit leaves the softmax
# unchanged,
#
# $$
# \operatorname{softmax}(z + c\,\mathbf 1)_k = \frac{e^{z_k + c}}{\sum_j e^{z_j + c}}
#   = \operatorname{softmax}(z)_k .
# $$
#
# With logits $z = W x + b$ and all $K$ rows of $(W, b)$ free, the shift
# $(W_k, b_k) \mapsto (W_k + c_W, b_k + c_b)$ of every row adds $c_W^\top x + c_b$ to every logit
# of every observation, so it changes no probability and no likelihood. For $d$ features these
# shifts form a $(d + 1)$-dimensional space of directions along which the likelihood is exactly
# constant. When $[\mathbf 1, X]$ has full column rank and the pivot MLE exists, these are the
# only such directions, and the minimisers of the NLL form a flat $(d + 1)$-dimensional affine
# subspace of the $K(d + 1)$-dimensional parameter space. The *contrasts* $W_k - W_0$ and $b_k - b_0$ do not
# change under a shift: they are what the data can identify.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr
from pymc.distributions.transforms import ZeroSumTransform
from scipy import optimize

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_604
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # fewer posterior draws; the data and every assert are the same
plt.style.use("arviz-variat")

DRAWS, TUNE = (500 if FAST else 1_000), 500  # per chain
SAMPLE_KW = dict(chains=4, cores=1, progressbar=False, random_seed=RANDOM_SEED)

# %% [markdown]
# ## 1. A ridge in the likelihood
#
# Three classes and one feature, so the over-parametrised model has $K(d + 1) = 6$
# parameters, of which $d + 1 = 2$ directions are redundant. $N = 100$ observations are drawn
# from the generative process of notebook 01.

# %%
K, d, N = 3, 1, 100
W_true = np.array([[0.0], [1.5], [-1.0]])
b_true = np.array([0.0, 0.3, -0.2])
X, y, _ = ce.simulate(N, W_true, b_true, rng)
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")

# %% [markdown]
# A random parameter value and the same value shifted by $c_W = 4$, $c_b = -7.5$ in every row
# have the same summed cross entropy (to rounding):

# %%
W_a, b_a = rng.normal(size=(K, d)), rng.normal(size=K)
nll_a = ce.negative_log_likelihood(y, ce.linear_predictor(X, W_a, b_a))
nll_b = ce.negative_log_likelihood(y, ce.linear_predictor(X, W_a + 4.0, b_a - 7.5))
print(f"NLL before the shift {nll_a:.10f}, after {nll_b:.10f}")

# %% [markdown]
# The picture: the NLL over two slices through the MLE, with $W$ held at the MLE. Left, the
# over-parametrised model, one axis along the ridge (a common shift $c_b$ of the three biases)
# and one across it (the contrast $b_1 - b_0$): the contours are horizontal lines and the
# minimum is attained along a whole line (in this 2-D slice; in all six dimensions, a plane).
# Right, the pivot model ($b_0 = 0$) over its two free biases: closed contours around a single
# point.

# %%
mle = ce.fit_cross_entropy(X, y)  # pivot parametrisation: row 0 is zero
shifts, offsets = np.linspace(-4, 4, 41), np.linspace(-0.8, 0.8, 81)
S, C = np.meshgrid(shifts, mle.bias[1] + offsets)
b_grid = np.tile(mle.bias, (S.size, 1))
b_grid[:, 1] = C.ravel()
b_grid += S.ravel()[:, None]
W_grid = np.broadcast_to(mle.weights, (S.size, K, d))
nll_over = -ce.log_likelihood_grid(X, y, W_grid, b_grid).reshape(S.shape)
B1, B2 = np.meshgrid(mle.bias[1] + offsets, mle.bias[2] + offsets)
b_pivot = np.column_stack([np.zeros(B1.size), B1.ravel(), B2.ravel()])
W_pivot = np.broadcast_to(mle.weights, (B1.size, K, d))
nll_pivot = -ce.log_likelihood_grid(X, y, W_pivot, b_pivot).reshape(B1.shape)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
levels = np.linspace(0, 4, 17)
kw = dict(levels=levels, cmap="viridis_r", extend="max")
cs = axes[0].contourf(S, C, nll_over - mle.nll, **kw)
axes[0].axhline(mle.bias[1], color="k", ls="--", lw=2, label="minimum: a line, not a point")
axes[1].contourf(B1, B2, nll_pivot - mle.nll, **kw)
axes[1].plot(*mle.bias[1:], "w*", ms=14, mec="k", label="minimum: the MLE, a point")
axes[0].set(xlabel="common shift $c_b$ added to $b_0, b_1, b_2$", ylabel="contrast $b_1 - b_0$")
axes[0].set_title("all K rows free")
axes[1].set(xlabel="$b_1$", ylabel="$b_2$", title="pivot: $b_0 = 0$")
fig.colorbar(cs, ax=axes, label="NLL − min NLL")
for ax in axes:
    ax.legend(loc="upper right", frameon=True, facecolor="white", framealpha=1, edgecolor="k")
save_figure(fig, "overparametrised-nll-ridge")
plt.show()

# %% [markdown]
# The flat directions can be counted without drawing anything. Order the parameters class by
# class, each class as $(b_k, W_k)$. The Hessian of the over-parametrised NLL is then
# $\sum_i (\operatorname{diag} q_i - q_i q_i^\top) \otimes \tilde x_i \tilde x_i^\top$, with
# $q_i$ the vector of predicted probabilities, $\tilde x_i = (1, x_i)$, and $\otimes$ the
# Kronecker product (the $K \times K$ class matrix with each entry multiplied by the
# $(d + 1) \times (d + 1)$ feature matrix). When the design $[\mathbf 1, X]$ has full column rank
# and every $q_{ik} > 0$ (true at every finite parameter), it has exactly $d + 1 = 2$ zero
# eigenvalues, and its null space is spanned by the two shifts (all rows' biases up by one; all
# rows' weights up by one). The other four are positive: across the ridge the NLL is curved.


# %% tags=["hide-input"]
# Check: the over-parametrised Hessian at the MLE, built here from the probabilities (not by the
# library), has a null space of dimension d + 1 spanned by the shifts, and its pseudo-inverse
# gives the contrasts the same asymptotic covariance as the pivot model's inverse Hessian.
def over_hessian(q, X_tilde):
    """Hessian of the NLL over all K rows, ordered (b_k, W_k) class by class."""
    return sum(
        np.kron(np.diag(qi) - np.outer(qi, qi), np.outer(xi, xi))
        for qi, xi in zip(q, X_tilde, strict=True)
    )


X_tilde = np.column_stack([np.ones(N), X])
H_over = over_hessian(mle.predict_proba(X), X_tilde)
eig, vec = np.linalg.eigh(H_over)
print("eigenvalues / largest:", np.abs(eig / eig[-1]).round(6))
# zero to rounding (~1e-15 relative) vs a smallest curved direction more than 1e-3 of the largest
assert np.all(np.abs(eig[: d + 1]) < 1e-12 * eig[-1]) and eig[d + 1] > 1e-3 * eig[-1]
shift_vectors = np.kron(np.ones((K, 1)), np.eye(d + 1))  # columns: c_b = 1 and c_W = 1
null = vec[:, : d + 1]
assert np.allclose(null @ (null.T @ shift_vectors), shift_vectors, atol=1e-10)
to_contrasts = np.kron(np.column_stack([-np.ones(K - 1), np.eye(K - 1)]), np.eye(d + 1))
cov_over = to_contrasts @ np.linalg.pinv(H_over) @ to_contrasts.T
cov_pivot = np.linalg.inv(ce.nll_hessian(X, y, mle.weights, mle.bias))
assert np.allclose(cov_over, cov_pivot, rtol=1e-8, atol=0)  # rounding of two inversions

# %% [markdown]
# ### The over-parametrised model in PyMC
#
# The model, written out (the library's `ce.overparametrised_model` builds the same). In PyMC,
# `coords` names the axes of the model (observations, classes, features) and `dims` attaches
# those names to each variable, so the draws come back labelled; `pm.Data` holds the
# observed features; `pm.Flat` is a flat prior (an improper constant density, which has no
# random draws); `pm.Deterministic` records a function of the parameters (here the logits);
# and `pm.Categorical(logit_p=...)` is the likelihood, applying the softmax to the logits. In
# the graph, each box (a *plate*) is one named dimension and its size. With flat priors the log
# posterior equals the log-likelihood up to a constant, so its mode, the MAP (maximum a
# posteriori estimate), is an MLE.

# %%
coords = {"obs": np.arange(N), "class": np.arange(K), "feature": ["x0"]}
with pm.Model(coords=coords) as over_flat:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    W = pm.Flat("W", dims=("class", "feature"))
    b = pm.Flat("b", dims="class")
    logits = pm.Deterministic("logits", X_data @ W.T + b, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=logits, observed=y, dims="obs")
ce.model_graph(over_flat)


# %% tags=["hide-input"]
# Check: the model above has the log density of the library's builder at random points
# (both are sums of the same N log-probabilities: agreement to ~1e-12 relative).
def same_logp(model_a, model_b, n_points=5):
    logp_a, logp_b = model_a.compile_logp(), model_b.compile_logp()
    shapes = {name: np.shape(value) for name, value in model_a.initial_point().items()}
    for _ in range(n_points):
        point = {name: rng.normal(size=shape) for name, shape in shapes.items()}
        assert np.isclose(logp_a(point), logp_b(point), rtol=1e-12), point


same_logp(over_flat, ce.overparametrised_model(X, y, prior="flat"))

# %% [markdown]
# ### `find_MAP` stops where its start puts it
#
# The NLL is constant along the shifts, so its gradient is orthogonal to them: at every point
# the gradient's entries sum to zero over the classes. BFGS starts from the identity as its
# inverse-Hessian guess, and every step and every update it makes is a combination of gradients
# and their differences, which all keep that zero sum; so it never moves along the ridge. (The
# same holds for plain gradient descent. It does not hold for Adam, which rescales each
# coordinate by its own running gradient size, so its steps have a component along the ridge;
# nor for weight decay, an L2 penalty on all $K$ rows, which picks the zero-sum point.) From
# three starting points BFGS reaches three different parameter values, each in the flat
# subspace through its start: the class means $\bar b = \tfrac1K \sum_k b_k$ and $\bar W$ are
# those of the start, while the contrasts are the pivot MLE. The start at zero therefore ends
# at the zero-sum MLE.

# %%
starts = [
    {"W": np.zeros((K, d)), "b": np.zeros(K)},
    {"W": np.full((K, d), 5.0), "b": np.full(K, -3.0)},
    {"W": rng.normal(0, 3, size=(K, d)), "b": rng.normal(0, 3, size=K)},
]


def find_map(model, start=None):
    """pm.find_MAP by BFGS from `start`; returns the point as a dict of arrays."""
    with ce.capture_sampler_messages():
        dt_map = pm.find_MAP(
            initvals=start,
            model=model,
            method="BFGS",
            jitter=False,
            return_inferencedata=True,
            progressbar=False,
        )
    point = dt_map.posterior.to_dataset()
    return {name: point[name].values[0, 0] for name in ("W", "b")}


maps = [find_map(over_flat, start) for start in starts]
map_table = pd.DataFrame(
    [
        {
            "start b̄": s["b"].mean(),
            "start W̄": s["W"].mean(),
            "b_0": m["b"][0],
            "b_1": m["b"][1],
            "b_2": m["b"][2],
            "b̄": m["b"].mean(),
            "W̄": m["W"].mean(),
            "b_1 - b_0": m["b"][1] - m["b"][0],
            "W_1 - W_0": m["W"][1, 0] - m["W"][0, 0],
            "NLL": ce.negative_log_likelihood(y, ce.linear_predictor(X, m["W"], m["b"])),
        }
        for s, m in zip(starts, maps, strict=True)
    ]
).rename_axis("start")
map_table.round(4) + 0.0  # + 0.0: no "-0.0000" from rounding

# %% tags=["hide-input"]
# Check: each MAP keeps its start's class means (to rounding, ~1e-14) and its contrasts are the
# pivot MLE within the two optimisers' stopping errors. The pivot NLL is convex with Hessian
# >= mu on the segment between the two points, so |theta - theta*| <= |gradient(theta)| / mu;
# the segment is ~1e-6 long, over which the smallest eigenvalue changes by ~1e-6 relative, so
# mu = 0.99 x the smaller of its values at the two ends is a bound.
objective = ce.SoftmaxRegressionLoss(X, y, K)  # the pivot NLL and its gradient
theta_mle = ce.pack_params(mle.weights, mle.bias)


def distance_bound(theta):
    """Upper bound on |theta - pivot MLE| from the gradients at both points."""
    W_, b_ = ce.unpack_params(theta, K, d)
    mu = 0.99 * min(
        np.linalg.eigvalsh(ce.nll_hessian(X, y, w, c))[0]
        for w, c in ((W_, b_), (mle.weights, mle.bias))
    )
    grads = [np.linalg.norm(objective.loss_gradient(t)[1]) for t in (theta, theta_mle)]
    return sum(grads) / mu


for s, m in zip(starts, maps, strict=True):
    assert np.allclose([m["b"].mean(), m["W"].mean()], [s["b"].mean(), s["W"].mean()], atol=1e-12)
    theta_m = ce.pack_params(m["W"], m["b"])  # contrasts with class 0
    assert np.linalg.norm(theta_m - theta_mle) < distance_bound(theta_m)

# %% [markdown]
# ### NUTS drifts along the ridge
#
# NUTS (the No-U-Turn Sampler) is the Hamiltonian Monte Carlo sampler PyMC uses: each draw
# follows a simulated trajectory of leapfrog (gradient) steps, doubling its length until it
# turns back; the number of doublings is the *tree depth*, and a depth cap of $D$ allows at most
# $2^D - 1$ leapfrog steps per draw. A *chain* is one sequence of draws; we run four. PyMC
# starts each within $\pm 1$ of zero (its default jitter); the chains are already far apart at
# the first kept draw because they drifted during tuning. Under flat priors the posterior is proportional to the likelihood, which is
# constant along the ridge, so its integral over the ridge directions is infinite: the posterior
# is improper. In coordinates (shift, contrasts) the map is linear with a constant Jacobian, so
# this improper density factorises into a constant in the shift times the likelihood of the
# contrasts, which (because the pivot MLE exists here) is the proper flat-prior pivot posterior.
# So a sampler should wander in the shift, with nothing to bound how far, while the contrasts
# behave. We run
# NUTS briefly with `max_treedepth=6`: at most 63 leapfrog steps per draw, except during the
# first 200 tuning iterations, where PyMC 6.4 uses its `early_max_treedepth` of 8 (255 steps).

# %%
with over_flat, ce.capture_sampler_messages():
    dt_over = pm.sample(draws=300, tune=300, max_treedepth=6, var_names=["W", "b"], **SAMPLE_KW)
post_over = dt_over.posterior.to_dataset()
free = {"class": [1, 2]}  # the contrasts of class 0 with itself are identically 0
post_over["b_contrast"] = (post_over["b"] - post_over["b"].sel({"class": 0})).sel(free)
W_contrast = post_over["W"] - post_over["W"].sel({"class": 0})
post_over["W_contrast"] = W_contrast.sel(feature="x0").sel(free)
at_cap = float(dt_over.sample_stats.to_dataset()["reached_max_treedepth"].mean())
print(f"draws (after tuning) that hit the tree-depth cap: {at_cap:.0%}")

fig, axes = plt.subplots(2, 2, figsize=(12, 7.5), layout="constrained")
for chain in post_over["chain"].values:
    draws, colour = post_over.sel(chain=chain), f"C{chain}"
    b_0, b_1 = draws["b"].sel({"class": 0}), draws["b"].sel({"class": 1})
    axes[0, 0].plot(b_0, color=colour, lw=1, label=f"chain {chain}")
    axes[0, 1].plot(b_1 - b_0, color=colour, lw=0.8, alpha=0.8)
    axes[1, 0].plot(b_0, b_1, ".", color=colour, ms=3)
    contrasts = draws["b_contrast"]
    axes[1, 1].plot(
        contrasts.sel({"class": 1}), contrasts.sel({"class": 2}), ".", color=colour, ms=3
    )
axes[0, 0].set(xlabel="draw", ylabel="$b_0$", title="raw bias $b_0$: drifts")
axes[0, 1].set(xlabel="draw", ylabel="$b_1 - b_0$", title="contrast $b_1 - b_0$: stationary")
axes[1, 0].set(xlabel="$b_0$", ylabel="$b_1$", title="raw draws: spread along the ridge")
axes[1, 1].set(xlabel="$b_1 - b_0$", ylabel="$b_2 - b_0$", title="contrasts: one compact cloud")
fig.legend(loc="outside lower center", ncols=4, frameon=False)
fig.suptitle("Flat priors on all K rows: the raw biases drift together, their contrasts do not")
save_figure(fig, "overparametrised-drift")
plt.show()

# %% [markdown]
# Each chain wanders along the ridge on its own, so the chains end up at unrelated shifts (the
# separate groups in the lower left panel); nothing pulls them back. The sampler also keeps
# asking for longer trajectories along the unbounded direction, which is why so many draws hit
# the tree-depth cap: on a proper posterior that would be a warning sign. In numbers: $\hat R$
# (split-$\hat R$ on rank-normalised draws: compares the spread between chains with the spread
# within them; about 1 when the chains agree, above 1.01 a sign they do not) is far above 1.01
# for the raw parameters (above 1.1) and near 1 for the contrasts. Running longer would not
# bring the raw $\hat R$ down: for chains that diffuse like random walks, the spread between
# chains and the spread within each grow together (both like $\sqrt{\text{draws}}$), so
# $\hat R$ stays well above 1 however long the run (the check below simulates four random
# walks). The raw parameters' sd (about 100 here, against 0.3 to 0.4 for the contrasts) is not
# a property of any posterior (an improper one has none): it measures how far the chains
# wandered in the draws they were given, and it is what grows with the length of the run.

# %%
rhat_over = az.rhat(post_over)
sd_over = post_over.std(("chain", "draw"))
summary_over = pd.DataFrame(
    {
        "largest r_hat": {v: float(rhat_over[v].max()) for v in post_over.data_vars},
        "smallest sd": {v: float(sd_over[v].min()) for v in post_over.data_vars},
        "largest sd": {v: float(sd_over[v].max()) for v in post_over.data_vars},
    }
)
summary_over.round(3)

# %% tags=["hide-input"]
# Check: the numbers of the paragraph. (a) Four Gaussian random walks: r_hat does not fall
# towards 1 with run length while the sd grows like sqrt(draws); its 0.1% quantile at 300
# draws is the reference for "above 1.1" for the raw parameters. (b) Mixed chains: split-r_hat
# is about sqrt(1 + 8 F / ess) with F ~ chi2_7 / 7 (8 half-chains), so r_hat < 1 + 14 / ess_bulk
# (F below its 99.9% quantile, 3.5) has a false alarm of ~1e-3; it detects chain means apart
# by ~0.2 posterior sd at ess ~ 1000.
walks = {t: np.cumsum(rng.normal(size=(400, 4, t)), axis=-1) for t in (300, 3_000)}
for t, w in walks.items():
    r = az.rhat(xr.DataArray(w, dims=("walk", "chain", "draw"))).values
    print(
        f"random walks, {t} draws: r_hat median {np.median(r):.2f}, 0.1% quantile "
        f"{np.quantile(r, 0.001):.2f}; median sd {np.median(w.std(axis=(1, 2))):.1f}"
    )
    assert np.quantile(r, 0.001) > 1.1
assert min(float(rhat_over[v].min()) for v in ("W", "b")) > 1.1  # every raw parameter
ess_over = az.ess(post_over[["W_contrast", "b_contrast"]])
for v in ("W_contrast", "b_contrast"):
    r_v, ess_v = rhat_over[v].sel(free), ess_over[v].sel(free)  # class 0 is not a contrast
    assert (r_v < 1 + 14 / ess_v).all(), (r_v.values, ess_v.values)

# %% [markdown]
# ## 2. Two cures, one model
#
# Identifiability is restored by removing the $d + 1$ flat directions, with $K - 1$ free rows
# left:
#
# * **Pivot.** Fix one class's row at zero, $W_0 = 0$, $b_0 = 0$: the library's
#   `ce.softmax_regression_model` and the parametrisation of `ce.fit_cross_entropy`.
# * **Zero sum.** Keep all $K$ rows but constrain them to sum to zero over the classes,
#   $\sum_k W_k = 0$, $\sum_k b_k = 0$: in PyMC, a `pm.Flat` prior with a `ZeroSumTransform`.
#   A *transform* is how PyMC handles a constrained variable: the sampler moves an unconstrained
#   vector of $K - 1$ numbers, which the transform maps to $K$ numbers summing to zero along the
#   last axis (so `W` is stored here as (feature, class), and the logits are `X @ W`). A
#   `pm.ZeroSumNormal` prior is a different model: a proper normal prior on the zero-sum
#   subspace, each element with marginal variance $\sigma^2 (K - 1) / K$.
#
# The map from pivot to zero-sum parameters, $W_k \mapsto W_k - \bar W$ (the same for $b$), is
# linear and one-to-one, and both give every observation the same probabilities. By the
# change-of-variables formula a density transforms with the Jacobian of the map, which for a
# linear map is a constant: a flat prior in one is therefore flat in the other, and under flat
# priors the two posteriors are the same distribution, up to this relabelling. They are proper
# only when the pivot MLE exists (Speckman et al. 2009), as it does here: the design $[\mathbf 1,
# X]$ has full column rank and the classes are not separated (notebook 05 shows the failure).
# The zero-sum model, written out (its graph looks like the over-parametrised one: the
# constraint lives in the transform, which the graph does not draw). The weights are stored in
# three layouts in this notebook:
#
# | where | array | shape |
# |---|---|---|
# | over-parametrised model, library fits | `W`, `b` | (class, feature), (class,) |
# | zero-sum model | `W`, `b` | (feature, class), (class,) |
# | pivot model | `W_free`, `b_free` | (class − 1, feature), (class − 1,) |
# | exercises | `T` $= [b_k, W_k]$ | (class, 1 + feature) |

# %%
with pm.Model(coords=coords) as zero_sum_flat:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    W = pm.Flat("W", dims=("feature", "class"), transform=ZeroSumTransform([-1]))
    b = pm.Flat("b", dims="class", transform=ZeroSumTransform([-1]))
    logits = pm.Deterministic("logits", X_data @ W + b, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=logits, observed=y, dims="obs")
ce.model_graph(zero_sum_flat)

# %% tags=["hide-input"]
# Check: the same log density as the library's ce.zero_sum_model at random points; and two
# cures, one model: random pivot points, mapped to zero-sum coordinates (subtract the class mean,
# then the transform's forward map), have the zero-sum model's log density equal to the pivot
# model's up to one constant (the Jacobian: 0 here), to rounding of sums of N = 100 terms.
same_logp(zero_sum_flat, ce.zero_sum_model(X, y, prior="flat"))
pivot_flat = ce.softmax_regression_model(X, y, prior="flat")
logp_pivot, logp_zero = pivot_flat.compile_logp(), zero_sum_flat.compile_logp()
forward = ZeroSumTransform([-1]).forward  # acts on the last axis: all 5 points in one call
W_p = np.concatenate([np.zeros((5, 1, d)), rng.normal(size=(5, K - 1, d))], axis=1)
b_p = np.concatenate([np.zeros((5, 1)), rng.normal(size=(5, K - 1))], axis=1)
W_u = forward(pt.as_tensor(np.swapaxes(W_p - W_p.mean(1, keepdims=True), 1, 2))).eval()
b_u = forward(pt.as_tensor(b_p - b_p.mean(1, keepdims=True))).eval()
logps = np.array(
    [
        [
            logp_zero({"W_zerosum__": Wu, "b_zerosum__": bu}),
            logp_pivot({"W_free": Wp[1:], "b_free": bp[1:]}),
        ]
        for Wu, bu, Wp, bp in zip(W_u, b_u, W_p, b_p, strict=True)
    ]
)
assert np.abs(logps[:, 0] - logps[:, 1]).max() < 1e-10 * np.abs(logps).max()  # constant 0
# the zero-sum MLE (found by BFGS in the zero-sum model) is the pivot MLE minus its class mean,
# within the stopping-error bound above; BFGS from start 0 in the over-parametrised model too
zs = find_map(zero_sum_flat)
zs_W, zs_b = zs["W"].T, zs["b"]
for W_m, b_m in ((zs_W, zs_b), (maps[0]["W"], maps[0]["b"])):
    target = np.r_[mle.bias - mle.bias.mean(), (mle.weights - mle.weights.mean(0)).ravel()]
    gap = np.linalg.norm(np.r_[b_m, W_m.ravel()] - target)
    assert gap < distance_bound(ce.pack_params(W_m, b_m)) + 1e-12, gap

# %% [markdown]
# NUTS samples both without complaint. We check $\hat R$ below 1.01 with four chains and a
# bulk ESS (effective sample size: the number of independent draws that would give the
# posterior mean the same Monte Carlo error) above 400, i.e. 100 per chain, both as Vehtari et
# al. (2021) recommend, and no divergences (trajectories whose energy error blew up, a sign of
# regions the sampler cannot explore), no draw at the tree-depth cap, and E-BFMI (how well
# the momentum resampling explores the energy) above 0.3.

# %%
with pivot_flat, ce.capture_sampler_messages():
    dt_pivot = pm.sample(draws=DRAWS, tune=TUNE, var_names=["W_free", "b_free"], **SAMPLE_KW)
with zero_sum_flat, ce.capture_sampler_messages():
    dt_zero = pm.sample(draws=DRAWS, tune=TUNE, var_names=["W", "b"], **SAMPLE_KW)

diagnostics = pd.DataFrame(
    {
        name: {
            "largest r_hat": float(az.rhat(dt).to_dataset().to_array().max()),
            "smallest ess_bulk": float(az.ess(dt).to_dataset().to_array().min()),
            "divergences": int(dt.sample_stats.to_dataset()["diverging"].sum()),
            "at tree-depth cap": int(dt.sample_stats.to_dataset()["reached_max_treedepth"].sum()),
            "smallest E-BFMI": float(az.bfmi(dt.sample_stats.to_dataset()["energy"]).min()),
        }
        for name, dt in (("pivot", dt_pivot), ("zero sum", dt_zero))
    }
).T.astype({"divergences": int, "at tree-depth cap": int})
diagnostics.round(3)

# %% tags=["hide-input"]
# Check: the diagnostics stated above.
assert (diagnostics["largest r_hat"] < 1.01).all()
assert (diagnostics["smallest ess_bulk"] > 400).all()
assert (diagnostics[["divergences", "at tree-depth cap"]] == 0).all(axis=None)
assert (diagnostics["smallest E-BFMI"] > 0.3).all()

# %% [markdown]
# ### Same predictions
#
# The posterior-mean probability of each class along $x$, from the pivot draws, the zero-sum
# draws, and the drifting over-parametrised draws of section 1: three curves per class (solid,
# dashed, dotted), drawn on top of each other and indistinguishable. The lower panel shows each
# difference from the pivot curve divided by its Monte Carlo standard error (s.e.), so each
# comparison has its own scale and the band of $\pm 2$ s.e. is the same for all. A curve
# may leave that band for a stretch: neighbouring $x$ use the same draws, so their $z$-scores
# are strongly correlated and such a stretch is one excursion, not many; with $61 \times 3$
# points some excursions beyond 2 are expected, and the check below uses $|z| < 4$ with a
# Bonferroni bound. (The
# over-parametrised chains get the predictions right because the probabilities depend on the
# contrasts only, and the contrasts mixed.)

# %%
x_grid = np.linspace(-3, 3, 61)[:, None]
post_pivot, post_zero = dt_pivot.posterior.to_dataset(), dt_zero.posterior.to_dataset()
zeros = np.zeros((4, DRAWS, 1))
full_rows = {  # every model's draws as all K rows: W (chain, draw, class, feature), b (.., class)
    "pivot": (
        np.concatenate([zeros[..., None], post_pivot["W_free"].values], axis=2),
        np.concatenate([zeros, post_pivot["b_free"].values], axis=2),
    ),
    "zero sum": (np.swapaxes(post_zero["W"].values, 2, 3), post_zero["b"].values),
    "over-parametrised": (post_over["W"].values, post_over["b"].values),
}
p_draws = {  # softmax(W x + b) on the grid: (chain, draw, x, class)
    name: ce.softmax(np.einsum("gf,...kf->...gk", x_grid, W_) + b_[..., None, :])
    for name, (W_, b_) in full_rows.items()
}
p_mean = {name: p.mean(axis=(0, 1)) for name, p in p_draws.items()}
dims = ("chain", "draw", "x", "class")
p_mcse = {name: az.mcse(xr.DataArray(p, dims=dims)).values for name, p in p_draws.items()}

fig, axes = plt.subplots(
    2, 1, figsize=(9, 7), sharex=True, height_ratios=(3, 2), layout="constrained"
)
styles = {"pivot": "-", "zero sum": "--", "over-parametrised": ":"}
z_scores = {}
for k in range(K):
    for name, ls in styles.items():
        axes[0].plot(x_grid[:, 0], p_mean[name][:, k], ls=ls, color=f"C{k}", lw=2)
        if name != "pivot":
            z = (p_mean[name] - p_mean["pivot"]) / np.hypot(p_mcse[name], p_mcse["pivot"])
            z_scores[name] = z
            axes[1].plot(
                x_grid[:, 0],
                z[:, k],
                ls=ls,
                color=f"C{k}",
                lw=2,
            )
axes[1].axhspan(-2, 2, color="0.85", zorder=0, label="±2 s.e.")
axes[0].set(ylabel="posterior mean of $q(y = k \\mid x)$", title="Three models, one prediction")
axes[1].set(xlabel="x", ylabel="difference / its s.e.", ylim=(-4.5, 4.5))
class_handles = [plt.Line2D([], [], color=f"C{k}", lw=2, label=f"class {k}") for k in range(K)]
style_handles = [plt.Line2D([], [], color="k", ls=ls, lw=2, label=n) for n, ls in styles.items()]
axes[0].legend(handles=class_handles + style_handles, loc="center left", bbox_to_anchor=(1.01, 0.5))
diff_handles = [
    plt.Line2D([], [], color="k", ls=styles[n], lw=2, label=f"{n} − pivot")
    for n in list(styles)[1:]
]
axes[1].legend(
    handles=diff_handles + axes[1].get_legend_handles_labels()[0],
    loc="center left",
    bbox_to_anchor=(1.01, 0.5),
    frameon=False,
)
save_figure(fig, "identified-parametrisations-predictions")
plt.show()

# %% tags=["hide-input"]
# Check: the same distribution. (a) The posterior means of the probabilities agree: az.mcse
# gives each mean's s.e. from its own ESS; |z| > 4 at any of the 61 x 3 points fails, a false
# alarm with probability below 183 x 6e-5 = 0.012 (Bonferroni). (b) The 5%, 50% and 95%
# quantiles of the four contrasts agree, in units of their quantile Monte Carlo s.e. (24
# comparisons: false alarm below 24 x 6e-5 = 0.0015).
for name, z in z_scores.items():
    smallest = 4 * np.hypot(p_mcse[name], p_mcse["pivot"]).max()
    print(
        f"{name} vs pivot: largest |z| {np.abs(z).max():.2f}; detects differences above {smallest:.4f}"
    )
    assert np.abs(z).max() < 4


def contrast_draws(W_, b_):
    """(chain, draw, 4): b_1 - b_0, b_2 - b_0, W_1 - W_0, W_2 - W_0."""
    return xr.DataArray(
        np.concatenate([b_[..., 1:] - b_[..., :1], W_[..., 1:, 0] - W_[..., :1, 0]], axis=-1),
        dims=("chain", "draw", "contrast"),
    )


contrast = {name: contrast_draws(*rows) for name, rows in full_rows.items()}
for prob in (0.05, 0.5, 0.95):
    est = {n: c.quantile(prob, dim=("chain", "draw")).values for n, c in contrast.items()}
    se = {n: az.mcse(c, method="quantile", prob=prob).values for n, c in contrast.items()}
    for name in ("zero sum", "over-parametrised"):
        z = (est[name] - est["pivot"]) / np.hypot(se[name], se["pivot"])
        assert np.abs(z).max() < 4, (prob, name, z)

# %% [markdown]
# ## What it means
#
# With a free row for every class the likelihood of softmax regression is constant on flat
# $(d + 1)$-dimensional subspaces: gradient descent and BFGS (started from the identity) stop at
# the point their start selects, other optimisers (Adam, weight decay) at points chosen by
# their own rules, and under flat priors NUTS drifts along the ridge, because that posterior is
# improper. What the data determine are the contrasts between classes, and through them the
# predicted probabilities, which every parametrisation gets right: even the drifting chains'
# contrasts have the pivot posterior. Fixing a pivot class or imposing a zero sum removes the
# ridge and leaves the same model; under flat priors, and when the MLE exists, the two
# posteriors are the same distribution and give the same predictions. A proper prior on all
# $K$ rows removes the ridge too, but it is a different prior from the same prior on $K - 1$
# pivot rows: notebook 05 shows what that changes, along with the other way an MLE fails to
# exist, separation. scikit-learn's `LogisticRegression` is identified this way: its default
# L2 penalty ($C = 1$) acts on the weights of all $K$ rows (not on the intercepts) and so
# picks their zero-sum point (exercise 3).
#
# ## Exercises
#
# **1 (easy).** With $K = 4$ classes and $d = 2$ features, how many parameters does the
# over-parametrised model have, and how many zero eigenvalues does the Hessian of its NLL have?
# What changes when the second feature is an exact copy of the first? Predict, then check at a
# random parameter value.

# %% [markdown]
# :::{dropdown} Solution
# $K(d + 1) = 12$ parameters and $d + 1 = 3$ zero eigenvalues, one for each shift (all biases,
# all weights of feature 1, all weights of feature 2). With $x_2 = x_1$ the design
# $[\mathbf 1, x_1, x_1]$ has rank 2: raising $W_{k1}$ and lowering $W_{k2}$ by the same amount
# changes no logit, in each row $k$ separately, which adds $K$ flat directions; one of them
# (every row at once) is already a shift, so there are $(d + 1) + (K - 1) = 6$. In general the
# count is $K(d + 1) - (K - 1)\operatorname{rank}[\mathbf 1, X]$: each exact collinearity
# among the columns of $[\mathbf 1, X]$ adds $K - 1$. Numerically, "zero" means below
# $10^{-10}$ of the largest eigenvalue: rounding leaves about $10^{-16}$ of it, and the curved
# directions here are above $10^{-4}$. The Hessian
# $\sum_i (\operatorname{diag} q_i - q_i q_i^\top) \otimes \tilde x_i \tilde x_i^\top$ does not
# involve the labels: which directions are flat is a property of the parametrisation and the
# design, not of the labels (whether an MLE exists does depend on them: notebook 05). A pivot
# removes the shifts but not the collinearity: $K - 1 = 3$ flat directions would remain.
# :::

# %% tags=["hide-cell"]
# A zero eigenvalue is rounding (~1e-16 relative, a sum of 200 terms); the curved ones must be
# far above the 1e-10 threshold (asserted above 1e-4 of the largest).
X4 = rng.normal(size=(200, 2))


def flat_directions(X_, K_=4):
    """(number of zero eigenvalues, number of parameters) at a random parameter value."""
    X_t = np.column_stack([np.ones(len(X_)), X_])
    logits = X_t @ rng.normal(size=(X_t.shape[1], K_))
    ev = np.linalg.eigvalsh(over_hessian(ce.softmax(logits), X_t))
    flat = ev < 1e-10 * ev[-1]
    assert ev[~flat].min() > 1e-4 * ev[-1]
    return int(flat.sum()), ev.size


counts = {"independent": flat_directions(X4), "copied": flat_directions(X4[:, [0, 0]])}
print("(zero eigenvalues, parameters):", counts)
assert counts == {"independent": (3, 12), "copied": (6, 12)}

# %% [markdown]
# **2 (medium).** Train the over-parametrised model by Adam (learning rate $\eta = 0.05$, the
# usual $\beta_1 = 0.9$, $\beta_2 = 0.999$) from the zero start, the start at which BFGS ended at
# the zero-sum MLE. Predict the class means $\bar b$ and $\bar W$ after the first step (up to
# sign). After 1000 steps, is Adam at the zero-sum MLE? (With a constant learning rate Adam
# does not converge to a point; ask where it is after 1000 steps.)

# %% [markdown]
# :::{dropdown} Solution
# After one step Adam's bias-corrected moments are $\hat m = g$ and $\sqrt{\hat v} = |g|$, so
# every coordinate moves by $-\eta \operatorname{sign}(g)$ (up to its $\epsilon = 10^{-8}$):
# the step ignores the gradient's size. The gradient sums to zero over the classes, but its signs
# do not: with $K = 3$ the sum of three signs (no entry is exactly 0 here) is odd, never zero,
# so $\bar b$ and $\bar W$ each move by $\pm \eta / 3$ at once. Later steps rescale each
# coordinate by its own running gradient size, so nothing brings the class means back: after
# 1000 steps Adam is near the bottom of the ridge (NLL within $10^{-3}$ of the minimum) at a
# point of its own, not the zero-sum one, whose class means are 0.
# :::

# %% tags=["hide-cell"]
# The first step is shown, not checked (it is the algebra of the loop). After 1000 steps the
# NLL is within 1e-3 of its minimum (the start's is 20 above it); the zero-sum MLE has class
# means 0, and BFGS and gradient descent keep them to rounding (~1e-14, asserted at 1e-12
# above), so class means above 1e-10 put Adam at another point of the ridge.
X_t, onehot = np.column_stack([np.ones(N), X]), ce.one_hot(y, K)


def grad_rows(T):
    """Gradient of the summed NLL over all K rows, T = [b_k, W_k] of shape (K, d + 1)."""
    return (ce.softmax(X_t @ T.T) - onehot).T @ X_t


eta, T, m, v = 0.05, np.zeros((K, d + 1)), 0.0, 0.0
for t in range(1, 1_001):
    g = grad_rows(T)
    m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
    T = T - eta * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    if t == 1:
        g_1, T_1 = g, T
print(f"class means (b̄, W̄) after one step {T_1.mean(0).round(4)}, at the end {T.mean(0).round(4)}")
print(f"-eta sign(g) averaged over the classes: {(-eta * np.sign(g_1).mean(0)).round(4)}")
assert ce.negative_log_likelihood(y, X_t @ T.T) - mle.nll < 1e-3
assert np.linalg.norm(T.mean(0)) > 1e-10

# %% [markdown]
# **3 (harder).** Weight decay on all $K$ rows: minimise the NLL plus
# $\frac{1}{2\sigma^2} \sum_k (b_k^2 + \lVert W_k \rVert^2)$ with $\sigma = 2.5$, from a random
# start. Predict the class means of the minimiser. Which prior on the contrasts is this, and is
# its MAP the pivot model's under $\mathcal N(0, \sigma^2)$ priors on the $K - 1$ free rows?

# %% [markdown]
# :::{dropdown} Solution
# Subtracting the class mean changes no logit and lowers the penalty,
# $\sum_k \lVert T_k - \bar T \rVert^2 = \sum_k \lVert T_k \rVert^2 - K \lVert \bar T \rVert^2$
# (with $T_k = (b_k, W_k)$), so the minimiser has zero class means: weight decay picks the
# zero-sum point. In terms of the contrasts $c_k = T_k - T_0$, $k = 1, \dots, K - 1$, the penalty
# at that point is $\frac{1}{2\sigma^2} \sum_j c_{\cdot j}^\top (I - \mathbf 1 \mathbf 1^\top / K)\,
# c_{\cdot j}$, one term per column $j$ of $(b, W)$: a normal prior on the contrasts with
# covariance $\sigma^2 (I + \mathbf 1 \mathbf 1^\top)$, variances $2\sigma^2$ and correlation
# $\tfrac12$. (Why a prior: the zero-sum point minimises the penalty over the shift, i.e. profiles
# the shift out; for a Gaussian in the shift, integrating it out instead gives the same quadratic
# form in the contrasts up to a constant, because the integral of a Gaussian is its maximum
# times a constant; so the profiled penalty is the log density of the contrasts' marginal
# prior.) That is `ce.fit_l2(..., parametrisation="symmetric")`, not the pivot prior (variance
# $\sigma^2$, independent), so the two MAPs differ; with $\sigma = 2.5$ and $N = 100$ the prior
# is weak and they differ by about $10^{-3}$, far below the posterior sds (about 0.3): a real
# difference of no practical size.
# :::

# %% tags=["hide-cell"]
# The penalised objective is strongly convex with Hessian >= 1/sigma^2, so |T - T*| <= sigma^2
# |gradient| for BFGS's answer; the library's fit gets the same bound with its smallest penalty
# eigenvalue 1/(K sigma^2) over the contrasts. The pivot MAP differs by far more than both.
sigma = 2.5


def weight_decay(t):
    """NLL + |T|^2 / (2 sigma^2) over all K rows, and its gradient."""
    T = t.reshape(K, d + 1)
    penalty = (T**2).sum() / (2 * sigma**2)
    return ce.negative_log_likelihood(y, X_t @ T.T) + penalty, (grad_rows(T) + T / sigma**2).ravel()


start = rng.normal(0, 3, K * (d + 1))
res = optimize.minimize(weight_decay, start, jac=True, method="BFGS", options={"gtol": 1e-8})
T_wd, tol_wd = res.x.reshape(K, d + 1), sigma**2 * np.linalg.norm(res.jac)  # bound on |T - T*|
fits = {
    p: ce.fit_l2(X, y, sigma, bias_sigma=sigma, parametrisation=p) for p in ("symmetric", "pivot")
}
gaps = {
    p: np.abs(T_wd - T_wd[0] - np.column_stack([f.bias, f.weights])).max() for p, f in fits.items()
}
tol_lib = K * sigma**2 * np.sqrt((K - 1) * (d + 1)) * N * fits["symmetric"].grad_norm
print(f"largest class mean {np.abs(T_wd.mean(0)).max():.1e}; largest contrast gap:")
print(f"to the symmetric fit {gaps['symmetric']:.1e}, to the pivot fit {gaps['pivot']:.4f}")
assert np.linalg.norm(T_wd.mean(0)) <= tol_wd
# a contrast T_k - T_0 errs by at most |dT_k| + |dT_0| <= sqrt(2) |dT|
assert gaps["symmetric"] <= np.sqrt(2) * tol_wd + tol_lib < gaps["pivot"]

# %% [markdown]
# ## References
#
# * Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., chapter 8 (baseline-category
#   logit models). Wiley.
# * Stan Development Team (2024). *Stan User's Guide*, section "Multi-logit regression"
#   (identifiability by a pivot class or a sum-to-zero constraint).
# * Speckman, P. L., Lee, J. and Sun, D. (2009). Existence of the MLE and propriety of
#   posteriors for a general multinomial choice model. *Statistica Sinica* 19(2), 731-748.
# * Hoffman, M. D. and Gelman, A. (2014). The No-U-Turn Sampler: adaptively setting path
#   lengths in Hamiltonian Monte Carlo. *Journal of Machine Learning Research* 15, 1593-1623.
# * Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
#   Rank-normalization, folding, and localization: an improved $\widehat R$ for assessing
#   convergence of MCMC. *Bayesian Analysis* 16(2), 667-718.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
