# %% [markdown]
# # Identifiability and separation: when the minimiser of cross entropy is not a point
#
# The earlier notebooks showed that minimising the summed cross entropy *is* maximum-likelihood
# estimation, and that for the data used there the minimiser is a single, well-defined point.
# Two things can break that, and both are common in practice:
#
# 1. **Non-identifiability.** If the model has more parameters than the probabilities it
#    produces, many parameter values give exactly the same likelihood. The minimiser is then a
#    whole set (here a line), not a point.
# 2. **Separation.** If some direction in parameter space improves the fit of *every*
#    observation, the likelihood keeps rising as the parameters run off to infinity. The
#    infimum of the cross entropy is approached but never attained: the MLE does not exist.
#
# Both are properties of the likelihood, so they show up identically in a cross-entropy
# optimiser, in PyMC's `find_MAP` under flat priors, and in the flat-prior posterior, where they
# make the posterior improper. The last section shows the standard cure, a proper prior, and
# what it means for the loss: a normal prior turns cross-entropy minimisation into L2-penalised
# cross-entropy minimisation.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from sklearn.linear_model import LogisticRegression

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_604
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# Posterior sampling is kept short on purpose: several of the posteriors below are improper,
# and no amount of sampling would make them converge. `FAST` shortens the well-behaved runs
# further.

# %%
DRAWS = 500 if FAST else 1_000
TUNE = 500 if FAST else 1_000
SAMPLE_KW = dict(chains=2, cores=1, progressbar=False, compute_convergence_checks=False)


def report(messages, keywords=("tree depth", "rhat", "divergence", "effective sample size")):
    """Print the sampler's relevant messages as plain text (without log levels)."""
    relevant = [m.split(": ", 1)[1] for m in messages if any(k in m for k in keywords)]
    print("PyMC reported:", *(relevant or ["nothing relevant"]), sep="\n  ")


# %% [markdown]
# ## 1. A ridge in the likelihood
#
# Softmax regression with $K$ classes maps the logits $z = W x + b$ to probabilities. Adding the
# same number $c(x) = c_W^\top x + c_b$ to every logit changes nothing:
#
# $$
# \operatorname{softmax}(z + c\,\mathbf 1)_k = \frac{e^{z_k + c}}{\sum_j e^{z_j + c}}
#   = \frac{e^{z_k}}{\sum_j e^{z_j}} = \operatorname{softmax}(z)_k .
# $$
#
# So if all $K$ rows of $(W, b)$ are free parameters, the shift
# $(W_k, b_k) \mapsto (W_k + c_W, b_k + c_b)$ for every class $k$ leaves every predicted
# probability, and hence the likelihood, unchanged. For $d$ features these shifts span a
# $(d + 1)$-dimensional family of directions along which the likelihood is exactly flat. The
# *contrasts* $W_k - W_0$ and $b_k - b_0$ are untouched by the shift; they are what the data
# identify.
#
# We use three classes and a single feature, so the over-parametrised model has six
# parameters, two of them redundant.

# %%
K, d = 3, 1
N = 100
W_true = np.array([[0.0], [1.5], [-1.0]])
b_true = np.array([0.0, 0.3, -0.2])
X, y, _ = ce.simulate(N, W_true, b_true, rng)
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")

# %% [markdown]
# An arbitrary parameter value, the same value shifted along the ridge, and their summed cross
# entropies:

# %%
W_a = rng.normal(size=(K, d))
b_a = rng.normal(size=K)
c_W, c_b = np.array([4.0]), -7.5
W_b, b_b = W_a + c_W, b_a + c_b

nll_a = ce.negative_log_likelihood(y, ce.linear_predictor(X, W_a, b_a))
nll_b = ce.negative_log_likelihood(y, ce.linear_predictor(X, W_b, b_b))
print(f"NLL before the shift {nll_a:.12f}, after {nll_b:.12f}")
assert np.isclose(nll_a, nll_b, rtol=1e-12, atol=0)
p_a = ce.softmax(ce.linear_predictor(X, W_a, b_a))
p_b = ce.softmax(ce.linear_predictor(X, W_b, b_b))
assert np.allclose(p_a, p_b, atol=1e-14)

# %% [markdown]
# The picture: the NLL over a two-dimensional slice through the MLE, with one axis along the
# ridge (a common shift $c_b$ added to all three biases) and one across it (the contrast
# $b_1 - b_0$). The contours are straight lines parallel to the ridge axis, and the minimum is
# attained along a whole line.

# %%
mle = ce.fit_cross_entropy(X, y)
shifts = np.linspace(-4, 4, 81)
contrasts = mle.bias[1] + np.linspace(-0.8, 0.8, 81)
S, C = np.meshgrid(shifts, contrasts)
W_grid = np.broadcast_to(mle.weights, (S.size, K, d))
b_grid = np.tile(mle.bias, (S.size, 1))
b_grid[:, 1] = C.ravel()
b_grid += S.ravel()[:, None]
nll_slice = -ce.log_likelihood_grid(X, y, W_grid, b_grid).reshape(S.shape)

fig, ax = plt.subplots(figsize=(6.5, 4))
cs = ax.contourf(
    S, C, nll_slice - mle.nll, levels=np.linspace(0, 4, 17), cmap="viridis_r", extend="max"
)
ax.axhline(mle.bias[1], color="w", lw=2, label="minimum: a line, not a point")
ax.set(
    xlabel="common shift $c_b$ added to $b_0, b_1, b_2$",
    ylabel="contrast $b_1 - b_0$",
    title="NLL minus its minimum",
)
fig.colorbar(cs, ax=ax)
ax.legend(loc="upper right", framealpha=0.9)
save_figure(fig, "overparametrised-nll-ridge")
plt.show()

# the NLL is constant along every row of the slice (fixed contrast)
assert np.ptp(nll_slice, axis=1).max() < 1e-9 * mle.nll

# %% [markdown]
# ### `find_MAP` lands wherever it starts
#
# The over-parametrised model in PyMC, `ce.overparametrised_model`, puts `pm.Flat` priors on
# all $K$ rows of $W$ and $b$, so its log posterior is the log-likelihood and its MAP is a
# maximum-likelihood estimate. The gradient is zero along the ridge, so a gradient-based
# optimiser has no reason to move along it: from three starting points it stops at three
# different parameter values.

# %%
over_flat = ce.overparametrised_model(X, y, prior="flat")
starts = [
    {"W": np.zeros((K, d)), "b": np.zeros(K)},
    {"W": np.full((K, d), 5.0), "b": np.full(K, -3.0)},
    {"W": rng.normal(0, 3, size=(K, d)), "b": rng.normal(0, 3, size=K)},
]
maps = []
for start in starts:
    with ce.capture_sampler_messages() as messages:
        dt_map = pm.find_MAP(
            initvals=start,
            model=over_flat,
            method="BFGS",
            jitter=False,
            return_inferencedata=True,
            progressbar=False,
        )
    assert not [m for m in messages if not m.startswith("INFO")], messages
    point = dt_map.posterior.to_dataset()
    maps.append((point["W"].values[0, 0], point["b"].values[0, 0]))

rows = []
for i, (W_m, b_m) in enumerate(maps):
    Wp, bp = ce.to_pivot(W_m, b_m)
    rows.append(
        {
            "start": i,
            "b_0": b_m[0],
            "b_1": b_m[1],
            "b_2": b_m[2],
            "W_0": W_m[0, 0],
            "b_1 - b_0": bp[1],
            "b_2 - b_0": bp[2],
            "W_1 - W_0": Wp[1, 0],
            "NLL": ce.negative_log_likelihood(y, ce.linear_predictor(X, W_m, b_m)),
        }
    )
map_table = pd.DataFrame(rows).set_index("start")
map_table.round(4)

# %% [markdown]
# The raw parameters differ by several units between runs; the NLL and the contrasts agree, and
# the contrasts are the pivot-parametrised MLE of `fit_cross_entropy`.

# %%
raw = np.array([np.concatenate([b_m, W_m.ravel()]) for W_m, b_m in maps])
assert np.abs(raw[:, None] - raw[None]).max() > 3.0
assert np.ptp(map_table["NLL"]) < 1e-6 * mle.nll
assert np.isclose(map_table["NLL"], mle.nll, rtol=1e-8).all()
for W_m, b_m in maps:
    Wp, bp = ce.to_pivot(W_m, b_m)
    assert np.allclose(Wp, mle.weights, atol=1e-4) and np.allclose(bp, mle.bias, atol=1e-4)

# %% [markdown]
# ### NUTS drifts along the ridge
#
# Under flat priors the posterior is proportional to the likelihood, which is constant along
# the ridge: its integral over the ridge direction is infinite, so the posterior is improper.
# A sampler cannot converge to a distribution that does not exist. We run NUTS anyway, briefly
# and with the tree depth capped at 6 (at most 64 gradient steps per draw), collect what PyMC
# reports instead of printing it, and look at what the chains did.

# %%
with over_flat, ce.capture_sampler_messages() as over_messages:
    dt_over = pm.sample(
        draws=300,
        tune=300,
        max_treedepth=6,
        random_seed=1,
        var_names=["W", "b"],
        **{**SAMPLE_KW, "compute_convergence_checks": True},
    )
post_over = dt_over.posterior.to_dataset()
stats_over = dt_over.sample_stats.to_dataset()
at_cap = stats_over["reached_max_treedepth"].values.mean()
print(f"draws hitting the maximum tree depth: {at_cap:.0%}")
print(f"divergences: {int(stats_over['diverging'].sum())}")

# %% [markdown]
# The raw biases wander far, and all three move together; their contrasts, computed from the
# very same draws, stay put.


# %%
def contrast(da):
    """Draws of a (..., class) variable minus class 0, on the free classes 1..K-1."""
    return (da - da.sel({"class": 0})).sel({"class": [1, 2]}).rename({"class": "class_free"})


W_over = post_over["W"].sel(feature="x0")
over_view = xr.Dataset(
    {
        "b": post_over["b"],
        "b_contrast": contrast(post_over["b"]),
        "W": W_over,
        "W_contrast": contrast(W_over),
    }
)
dt_over_view = xr.DataTree.from_dict({"posterior": over_view})
pc = az.plot_trace(
    dt_over_view,
    var_names=["b", "b_contrast"],
    coords={"class": [0, 1], "class_free": [1]},
    col_wrap=3,
)
fig = pc.viz["figure"].item()
fig.suptitle("Flat priors on all K classes: $b_0$ and $b_1$ drift together, $b_1 - b_0$ does not")
save_figure(fig, "overparametrised-trace")
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for chain in post_over["chain"].values:
    b_draws = post_over["b"].sel(chain=chain).values
    axes[0].plot(b_draws[:, 0], b_draws[:, 1], ".", ms=3, alpha=0.6, label=f"chain {chain}")
    axes[1].plot(b_draws[:, 1] - b_draws[:, 0], b_draws[:, 2] - b_draws[:, 0], ".", ms=3, alpha=0.6)
axes[0].set(xlabel="$b_0$", ylabel="$b_1$", title="raw draws: a line tens of units long")
axes[1].set(xlabel="$b_1 - b_0$", ylabel="$b_2 - b_0$", title="contrasts: a compact cloud")
axes[0].legend()
save_figure(fig, "overparametrised-pair")
plt.show()

# %%
rhat_over = az.rhat(dt_over_view).to_dataset()
sd_over = over_view.std(("chain", "draw"))
labels = {"b": "b_{k}", "W": "W_{k}", "b_contrast": "b_{k} - b_0", "W_contrast": "W_{k} - W_0"}
summary_over = pd.DataFrame(
    [
        {
            "parameter": label.format(k=k),
            "posterior sd": float(sd_over[v][j]),
            "r_hat": float(rhat_over[v][j]),
        }
        for v, label in labels.items()
        for j, k in enumerate(over_view[v][over_view[v].dims[-1]].values)
    ]
).set_index("parameter")
report(over_messages)
summary_over.round(3)

# %% [markdown]
# The numbers make the failure concrete: every raw parameter has a posterior sd more than twenty
# times that of any contrast, the chains disagree about where the raw parameters are
# ($\hat R$ far above 1.01), and a large share of the trajectories (printed above) hit the
# tree-depth cap because nothing stops them along the flat direction. The contrasts, meanwhile,
# have the spread the data warrant and chains that agree.

# %%
sd_raw = min(float(sd_over["b"].min()), float(sd_over["W"].min()))
sd_contrast = max(float(sd_over["b_contrast"].max()), float(sd_over["W_contrast"].max()))
print(f"smallest raw sd {sd_raw:.1f}, largest contrast sd {sd_contrast:.2f}")
assert sd_raw > 20 * sd_contrast
assert float(rhat_over["b"].max()) > 1.05 and float(rhat_over["W"].max()) > 1.05
assert stats_over["reached_max_treedepth"].values.mean() > 0.25

# %% [markdown]
# ## 2. Two fixes, one model
#
# Identifiability is restored by removing the flat directions, and there are two common ways.
#
# * **Pivot.** Fix one class's row at zero, $W_0 = 0$, $b_0 = 0$. This is the library's
#   `softmax_regression_model` and the parametrisation of `fit_cross_entropy`.
# * **Zero sum.** Keep all $K$ rows but constrain them to sum to zero over the classes,
#   $\sum_k W_k = 0$, $\sum_k b_k = 0$. In PyMC this is a `pm.ZeroSumNormal` prior or, with a
#   flat prior on the constrained space, `pm.Flat` with a `ZeroSumTransform`;
#   `ce.zero_sum_model` builds either.
#
# Both leave exactly $K - 1$ free rows, and each contrast vector corresponds to exactly one
# parameter value in either form, so under flat priors both posteriors are the same
# distribution over the predictions. NUTS now samples both without complaint.

# %%
pivot_model = ce.softmax_regression_model(X, y, prior="flat")
zero_sum_flat = ce.zero_sum_model(X, y, prior="flat")
with pivot_model, ce.capture_sampler_messages():
    dt_pivot = pm.sample(
        draws=DRAWS, tune=TUNE, random_seed=2, var_names=["W_free", "b_free"], **SAMPLE_KW
    )
with zero_sum_flat, ce.capture_sampler_messages():
    dt_zero = pm.sample(draws=DRAWS, tune=TUNE, random_seed=3, var_names=["W", "b"], **SAMPLE_KW)

diagnostics = pd.DataFrame(
    [
        {
            "parametrisation": name,
            "max r_hat": float(az.rhat(dt).to_dataset().to_array().max()),
            "min ess_bulk": float(az.ess(dt).to_dataset().to_array().min()),
            "divergences": int(dt.sample_stats.to_dataset()["diverging"].sum()),
        }
        for name, dt in (("pivot", dt_pivot), ("zero sum", dt_zero))
    ]
).set_index("parametrisation")
diagnostics.round(3)

# %%
for dt in (dt_pivot, dt_zero):
    assert float(az.rhat(dt).to_dataset().to_array().max()) < 1.01
    assert float(az.ess(dt).to_dataset().to_array().min()) > 200
    assert int(dt.sample_stats.to_dataset()["diverging"].sum()) == 0

# every zero-sum draw sums to zero over the classes
post_zero = dt_zero.posterior.to_dataset()
assert np.abs(post_zero["W"].sum("class")).max() < 1e-10
assert np.abs(post_zero["b"].sum("class")).max() < 1e-10

# %% [markdown]
# Same predictions, first at the mode: the pivot MAP (`ce.fit_map`) and the zero-sum MAP give
# the same class probabilities at every $x$, and both equal the probabilities of
# `fit_cross_entropy`'s MLE.

# %%
x_grid = np.linspace(-3, 3, 121)[:, None]
map_pivot = ce.fit_map(pivot_model)
with ce.capture_sampler_messages():
    dt_zero_map = pm.find_MAP(
        model=zero_sum_flat, jitter=False, return_inferencedata=True, progressbar=False
    )
zero_map = dt_zero_map.posterior.to_dataset()
W_zero_map = zero_map["W"].values[0, 0].T  # (feature, class) -> (class, feature)
b_zero_map = zero_map["b"].values[0, 0]

p_pivot = map_pivot.predict_proba(x_grid)
p_zero = ce.softmax(ce.linear_predictor(x_grid, W_zero_map, b_zero_map))
p_mle = mle.predict_proba(x_grid)
print(
    f"largest probability difference, pivot vs zero-sum MAP: {np.abs(p_pivot - p_zero).max():.2e}"
)
assert np.abs(p_pivot - p_zero).max() < 1e-5 and np.abs(p_pivot - p_mle).max() < 1e-5

# %% [markdown]
# And over the whole posterior: the posterior-mean class probabilities along $x$ from the two
# samplers agree up to Monte Carlo error. (The drifting over-parametrised chains, shown dotted,
# get the predictions right as well: the drift is invisible to the probabilities.)


# %%
def posterior_probabilities(W_draws, b_draws):
    """Draws (S, K, d) and (S, K) -> mean and sd over draws of softmax(W x + b) on x_grid."""
    z = np.einsum("gd,skd->sgk", x_grid, W_draws) + b_draws[:, None, :]
    p = ce.softmax(z)
    return p.mean(axis=0), p.std(axis=0)


def stack(da):
    return da.stack(sample=("chain", "draw")).transpose("sample", ...).values


post_pivot = dt_pivot.posterior.to_dataset()
W_piv = np.concatenate([np.zeros((DRAWS * 2, 1, d)), stack(post_pivot["W_free"])], axis=1)
b_piv = np.concatenate([np.zeros((DRAWS * 2, 1)), stack(post_pivot["b_free"])], axis=1)
mean_pivot, sd_pivot = posterior_probabilities(W_piv, b_piv)
W_zero_draws = np.swapaxes(stack(post_zero["W"]), 1, 2)  # to (sample, class, feature)
mean_zero, sd_zero = posterior_probabilities(W_zero_draws, stack(post_zero["b"]))
mean_over, sd_over_p = posterior_probabilities(stack(post_over["W"]), stack(post_over["b"]))

fig, ax = plt.subplots(figsize=(7, 4))
for k in range(K):
    (line,) = ax.plot(x_grid[:, 0], mean_pivot[:, k], lw=3, alpha=0.5, label=f"class {k}: pivot")
    ax.plot(
        x_grid[:, 0], mean_zero[:, k], "--", color=line.get_color(), label=f"class {k}: zero sum"
    )
    ax.plot(x_grid[:, 0], mean_over[:, k], ":", color="k", lw=1)
ax.set(
    xlabel="x",
    ylabel="posterior mean of $q(y = k \\mid x)$",
    ylim=(0, 1.25),
    title="Three parametrisations, one prediction",
)
ax.legend(ncol=3, fontsize=8, loc="upper center")
save_figure(fig, "identified-parametrisations-predictions")
plt.show()

# %% [markdown]
# The tolerance: each posterior mean has a Monte Carlo standard error of about
# $\text{sd} / \sqrt{\text{ESS}}$; with an ESS of at least 200 for every parameter, five such
# errors of the larger of the two posterior sds bound the difference comfortably.

# %%
diff = np.abs(mean_pivot - mean_zero)
bound = 5 * np.maximum(sd_pivot, sd_zero) * np.sqrt(2 / 200)
print(
    f"largest difference {diff.max():.4f}; "
    f"largest ratio of difference to its bound {(diff / bound).max():.2f}"
)
assert np.all(diff < bound)

# the over-parametrised draws, through their contrasts, predict the same within their own
# (smaller) effective sample size
ess_over = float(
    az.ess(dt_over_view, var_names=["b_contrast", "W_contrast"]).to_dataset().to_array().min()
)
diff_over = np.abs(mean_over - mean_pivot)
bound_over = 5 * np.maximum(sd_over_p, sd_pivot) * np.sqrt(1 / ess_over + 1 / 200)
print(f"over-parametrised: contrast ESS {ess_over:.0f}; largest difference {diff_over.max():.4f}")
assert np.all(diff_over < bound_over)

# %% [markdown]
# ## 3. Separation: the MLE does not exist
#
# A new data set, two classes and one feature, in which every observation of class 1 has a
# larger $x$ than every observation of class 0. For the log-odds $\eta = w x + b$ the direction
# $(w, b) \propto (1, 0)$ pushes every class-1 probability up and every class-0 probability down
# at once, so the likelihood increases along it for ever and approaches 1: the NLL approaches 0
# and never reaches it. A second data set with the same features and two labels swapped near
# the boundary overlaps, and its MLE exists.

# %%
n_sep = 20
x_sep = np.sort(rng.normal(size=n_sep))
x_sep = x_sep + 0.2 * np.sign(x_sep)  # open a gap around zero
X_sep = x_sep[:, None]
y_sep = (x_sep > 0).astype(int)
y_overlap = y_sep.copy()
gap = np.searchsorted(x_sep, 0.0)
y_overlap[[gap - 1, gap]] = y_overlap[[gap, gap - 1]]  # swap the two labels nearest the gap
print("separated:  ", "".join(map(str, y_sep)))
print("overlapping:", "".join(map(str, y_overlap)))

# %% [markdown]
# `fit_cross_entropy` refuses to return a number for the separated data: it detects the
# escaping direction with a linear program and raises `SeparationError`, which carries the
# direction and whether the separation is complete. The direction the program finds
# (`ce.separation_direction`) maximises the smallest margin: here every observation's
# log-odds move the right way along it (complete separation), so following it lowers the NLL
# towards 0.

# %%
try:
    ce.fit_cross_entropy(X_sep, y_sep)
except ce.SeparationError as err:
    separation = err
else:
    separation = None
print(separation)
assert separation is not None and "separation" in str(separation) and separation.complete

direction = ce.separation_direction(X_sep, y_sep)  # rows: classes; columns: (bias, weight)
margins = (2 * y_sep - 1) * (direction[1, 0] + direction[1, 1] * x_sep)
print(
    f"escaping direction (b, w) = {direction[1]}; "
    f"margins from {margins.min():.3f} to {margins.max():.3f}"
)
assert np.all(margins > 0)  # every observation gains
assert np.allclose(separation.direction, direction)

fit_overlap = ce.fit_cross_entropy(X_sep, y_overlap)
assert fit_overlap.converged and ce.separation_direction(X_sep, y_overlap) is None

# %% [markdown]
# ### What an optimiser does: the NLL falls, the parameters run away
#
# Plain gradient descent with a safe fixed step (`ce.gradient_descent_path`) makes the failure
# visible. On the overlapping data the iterates settle at the MLE. On the separated data every
# step lowers the NLL, the NLL keeps falling towards 0 (roughly like $1/t$ after $t$ steps), and
# $\lVert\theta_t\rVert$ keeps growing (roughly like $\log t$). No stopping rule based on the
# size of the gradient can be trusted here: the gradient does go to zero, but the parameters do
# not converge.

# %%
n_steps = 20_000
theta_sep, nll_sep = ce.gradient_descent_path(X_sep, y_sep, n_steps=n_steps)
theta_ovl, nll_ovl = ce.gradient_descent_path(X_sep, y_overlap, n_steps=n_steps)
norm_sep = np.linalg.norm(theta_sep, axis=1)
norm_ovl = np.linalg.norm(theta_ovl, axis=1)
steps = np.arange(n_steps + 1)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].loglog(steps[1:], nll_sep[1:], label="separated")
axes[0].loglog(steps[1:], nll_ovl[1:], label="overlapping")
axes[0].axhline(fit_overlap.nll, color="C1", ls=":", label="NLL at the MLE (overlapping)")
axes[0].set(xlabel="gradient step t", ylabel="summed NLL", title="the NLL")
axes[1].semilogx(steps[1:], norm_sep[1:], label="separated")
axes[1].semilogx(steps[1:], norm_ovl[1:], label="overlapping")
mle_ovl = ce.pack_params(fit_overlap.weights, fit_overlap.bias)
axes[1].axhline(np.linalg.norm(mle_ovl), color="C1", ls=":", label="norm of the MLE (overlapping)")
axes[1].set(xlabel="gradient step t", ylabel=r"$\|\theta_t\|$", title="the size of the parameters")
for ax in axes:
    ax.legend(fontsize=8)
save_figure(fig, "separation-gradient-descent-path")
plt.show()

checkpoints = [10, 100, 1_000, 10_000, 20_000]
pd.DataFrame(
    {
        "NLL (separated)": nll_sep[checkpoints],
        "||theta|| (separated)": norm_sep[checkpoints],
        "NLL (overlapping)": nll_ovl[checkpoints],
        "||theta|| (overlapping)": norm_ovl[checkpoints],
    },
    index=pd.Index(checkpoints, name="step"),
)

# %%
# separated: every step lowers the NLL, which ends at a small fraction of its start ...
assert np.all(np.diff(nll_sep) < 0) and nll_sep[-1] < 1e-3 * nll_sep[0]
# ... and the parameters grow without levelling off: by a similar amount in each decade of steps
assert np.all(np.diff(norm_sep[10:]) > 0)
per_decade = np.diff(norm_sep[[10, 100, 1_000, 10_000]])
assert np.all(per_decade > 1.0) and per_decade[-1] > 0.5 * per_decade[-2]
# NLL roughly like 1/t: ten times the steps, roughly a tenth of the NLL
assert 5 < nll_sep[1_000] / nll_sep[10_000] < 15
# the gradient vanishes all the same, so a small gradient proves nothing here
objective_sep = ce.SoftmaxRegressionLoss(X_sep, y_sep, 2)  # the summed NLL and its gradient
grad_end = np.linalg.norm(objective_sep.loss_gradient(theta_sep[-1])[1])
grad_ratio = grad_end / np.linalg.norm(objective_sep.loss_gradient(np.zeros(2))[1])
print(f"gradient norm after {n_steps} steps: {grad_ratio:.1e} of its value at the start")
assert grad_ratio < 1e-2
# overlapping: the iterates converge to the MLE
assert np.allclose(theta_ovl[-1], mle_ovl, atol=1e-4)
assert np.isclose(nll_ovl[-1], fit_overlap.nll, rtol=1e-8)

# %% [markdown]
# ### The flat-prior posterior is improper
#
# Under a flat prior the posterior is the likelihood, renormalised. Along the escaping direction
# the likelihood tends to 1 instead of falling to 0, so its integral is infinite and there is no
# posterior to sample from. NUTS, run briefly with a capped tree depth, shows it: the draws go
# off to absurd magnitudes, and almost every trajectory runs into the tree-depth cap.

# %%
sep_flat = ce.softmax_regression_model(X_sep, y_sep, prior="flat")
with sep_flat, ce.capture_sampler_messages() as sep_messages:
    dt_sep = pm.sample(
        draws=200,
        tune=200,
        max_treedepth=6,
        random_seed=4,
        var_names=["W_free", "b_free"],
        **{**SAMPLE_KW, "compute_convergence_checks": True},
    )
w_sep = dt_sep.posterior.to_dataset()["W_free"].values[..., 0, 0]
stats_sep = dt_sep.sample_stats.to_dataset()
print(
    f"slope draws: median {np.median(w_sep):.3g}, "
    f"smallest {w_sep.min():.3g}, largest {w_sep.max():.3g}"
)
print(
    f"divergences {int(stats_sep['diverging'].sum())}; "
    f"draws at the tree-depth cap {stats_sep['reached_max_treedepth'].values.mean():.0%}"
)
report(sep_messages)

# %% [markdown]
# For scale: the MLE of the slope on the overlapping data, printed below, is a single-digit
# number. The flat-prior "posterior" on the separated data puts its draws many orders of
# magnitude beyond it.

# %%
print(f"slope MLE on the overlapping data: {fit_overlap.weights[1, 0]:.2f}")
assert 0 < fit_overlap.weights[1, 0] < 10
assert np.median(w_sep) > 1e3 and np.median(w_sep) > 100 * fit_overlap.weights[1, 0]
assert stats_sep["reached_max_treedepth"].values.mean() > 0.5

# %% [markdown]
# ## 4. Priors as regularisers
#
# With a proper prior the posterior is proper whatever the data. For independent
# $\mathcal N(0, \sigma^2)$ priors on the weights (and, for now, a flat prior on the biases) the
# negative log posterior is
#
# $$
# -\log p(\theta \mid \mathcal D) = \sum_{i=1}^N H\big(h_i, q_\theta(x_i)\big)
#   + \frac{1}{2\sigma^2} \sum_k \lVert W_k \rVert^2 + \text{const},
# $$
#
# the summed cross entropy plus an L2 penalty of strength $1/(2\sigma^2)$. The MAP is therefore
# exactly the L2-regularised cross-entropy minimiser. scikit-learn's `LogisticRegression`
# minimises $C \sum_i H_i + \tfrac12 \lVert W \rVert^2$, which has the same minimiser when
# $C = \sigma^2$; it leaves the intercepts unpenalised, which is our flat prior on $b$.
#
# ### Two classes: all three agree
#
# For two classes scikit-learn fits one row of weights, the log-odds of class 1 against
# class 0: the pivot parametrisation. We compare PyMC's MAP, the library's `fit_l2`, and
# scikit-learn at three prior scales. One PyMC model serves all three, with $\sigma$ as data.

# %%
W_bin = np.array([[0.0, 0.0], [1.2, -0.8]])
b_bin = np.array([0.0, 0.4])
X_bin, y_bin, _ = ce.simulate(150, W_bin, b_bin, rng)

with pm.Model(coords={"feature": ["x0", "x1"]}) as ridge_binary:
    sigma = pm.Data("sigma", 1.0)
    w = pm.Normal("w", 0.0, sigma, dims="feature")
    b = pm.Flat("b")
    pm.Bernoulli("y_obs", logit_p=pm.math.dot(X_bin, w) + b, observed=y_bin)

rows = []
for s in (0.1, 0.5, 2.0):
    with ridge_binary, ce.capture_sampler_messages():
        pm.set_data({"sigma": s})
        point = pm.find_MAP(
            method="BFGS", jitter=False, return_inferencedata=True, progressbar=False
        )
    point = point.posterior.to_dataset()
    pymc_map = np.concatenate([[point["b"].values.item()], point["w"].values[0, 0]])
    l2 = ce.fit_l2(X_bin, y_bin, s)
    l2_theta = ce.pack_params(l2.weights, l2.bias)
    clf = LogisticRegression(C=s**2, tol=1e-10, max_iter=10_000).fit(X_bin, y_bin)
    sk_theta = np.concatenate([clf.intercept_, clf.coef_[0]])
    rows.append(
        {
            "sigma": s,
            "b": l2_theta[0],
            "w_0": l2_theta[1],
            "w_1": l2_theta[2],
            "|PyMC - fit_l2|": np.abs(pymc_map - l2_theta).max(),
            "|sklearn - fit_l2|": np.abs(sk_theta - l2_theta).max(),
        }
    )
binary_table = pd.DataFrame(rows).set_index("sigma")
binary_table

# %%
assert (binary_table["|PyMC - fit_l2|"] < 1e-5).all()
assert (binary_table["|sklearn - fit_l2|"] < 1e-5).all()
# a weaker prior allows larger weights
assert np.all(np.diff(np.hypot(binary_table["w_0"], binary_table["w_1"])) > 0)

# %% [markdown]
# ### Three classes: the parametrisation is part of the prior
#
# With $K > 2$ classes scikit-learn penalises all $K$ rows of $W$ (the symmetric
# parametrisation). That is a normal prior on every row of the *over-parametrised* model; the
# prior removes the ridge in $W$ (the penalty is smallest when the rows sum to zero), so this
# MAP is unique in $W$. It is a different prior from independent normals on the pivot rows: the
# contrasts $W_k - W_0$ of the symmetric prior have variance $2\sigma^2$ and correlation
# $\tfrac12$ between classes, those of the pivot prior variance $\sigma^2$ and no correlation.
# Different priors, different MAPs: scikit-learn matches `fit_l2(..., parametrisation="symmetric")`
# and the PyMC MAP of the over-parametrised model with normal weights, not the pivot fit.

# %%
W_3 = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_3 = np.array([0.0, 0.5, -0.5])
X_3, y_3, _ = ce.simulate(150, W_3, b_3, rng)
s3 = 0.5

with pm.Model(coords={"class": np.arange(3), "feature": ["x0", "x1"]}) as ridge_symmetric:
    W_s = pm.Normal("W", 0.0, s3, dims=("class", "feature"))
    b_s = pm.Flat("b", dims="class")  # unpenalised, as in scikit-learn: a ridge remains in b only
    pm.Categorical("y_obs", logit_p=pm.math.dot(X_3, W_s.T) + b_s, observed=y_3)
with ridge_symmetric, ce.capture_sampler_messages():
    point = pm.find_MAP(method="BFGS", jitter=False, return_inferencedata=True, progressbar=False)
point = point.posterior.to_dataset()
W_pm, b_pm = ce.to_pivot(point["W"].values[0, 0], point["b"].values[0, 0])

clf3 = LogisticRegression(C=s3**2, tol=1e-10, max_iter=10_000).fit(X_3, y_3)
W_sk, b_sk = ce.to_pivot(clf3.coef_, clf3.intercept_)
sym = ce.fit_l2(X_3, y_3, s3, parametrisation="symmetric")
piv = ce.fit_l2(X_3, y_3, s3, parametrisation="pivot")

estimates = {
    "scikit-learn": (W_sk, b_sk),
    "PyMC, normal on all K rows": (W_pm, b_pm),
    "fit_l2 symmetric": (sym.weights, sym.bias),
    "fit_l2 pivot": (piv.weights, piv.bias),
}
three = pd.DataFrame(
    {name: ce.pack_params(Wq, bq) for name, (Wq, bq) in estimates.items()},
    index=["b_1", "W_1,0", "W_1,1", "b_2", "W_2,0", "W_2,1"],
).T
three.round(4)

# %%
theta_sym = ce.pack_params(sym.weights, sym.bias)
assert np.abs(ce.pack_params(W_sk, b_sk) - theta_sym).max() < 1e-5
assert np.abs(ce.pack_params(W_pm, b_pm) - theta_sym).max() < 1e-4
assert np.allclose(clf3.coef_.sum(axis=0), 0, atol=1e-6)  # the penalised rows sum to zero
prior_effect = np.abs(three.loc["fit_l2 pivot"] - three.loc["fit_l2 symmetric"]).max()
print(f"pivot vs symmetric prior: largest difference {prior_effect:.3f}")
assert prior_effect > 0.02

# the implied prior on the contrasts W_k - W_0 under the symmetric prior: variance 2 sigma^2,
# correlation 1/2 (checked on prior draws; standard errors about 0.01 relative)
prior_rows = rng.normal(0, s3, size=(40_000, 3))
contrast_cov = np.cov((prior_rows[:, 1:] - prior_rows[:, :1]).T) / s3**2
print("prior covariance of the contrasts / sigma^2:\n", contrast_cov.round(3))
assert np.allclose(contrast_cov, [[2, 1], [1, 2]], atol=0.06)

# %% [markdown]
# ### On separated data the MAP exists
#
# The penalty grows quadratically while the NLL can fall by at most its current value, so the
# penalised objective always has a finite minimiser, separated data or not. As $\sigma$ grows
# the penalty fades: on the overlapping data the MAP converges to the MLE, on the separated data
# it keeps growing, tracing the escaping direction of the unpenalised problem.


# %%
def map_norm(X_, y_, s):
    fit = ce.fit_l2(X_, y_, s)
    return np.linalg.norm(ce.pack_params(fit.weights, fit.bias))


sigmas = np.geomspace(0.1, 1_000, 25)
norm_map_sep = [map_norm(X_sep, y_sep, s) for s in sigmas]
norm_map_ovl = [map_norm(X_sep, y_overlap, s) for s in sigmas]

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogx(sigmas, norm_map_sep, "o-", ms=3, label="separated")
ax.semilogx(sigmas, norm_map_ovl, "o-", ms=3, label="overlapping")
ax.axhline(np.linalg.norm(mle_ovl), color="C1", ls=":", label="MLE (overlapping)")
ax.set(
    xlabel=r"prior scale $\sigma$ (weaker prior to the right)",
    ylabel=r"$\|\hat\theta_\sigma\|$ of the MAP",
    title="MAP under a N(0, σ²) prior on the weight",
)
ax.legend()
save_figure(fig, "map-norm-vs-prior-scale")
plt.show()

# %%
assert np.all(np.isfinite(norm_map_sep)) and np.all(np.diff(norm_map_sep) > 0)
assert norm_map_sep[-1] > 2 * norm_map_ovl[-1]
assert np.isclose(norm_map_ovl[-1], np.linalg.norm(mle_ovl), rtol=1e-3)

# %% [markdown]
# ### ... but the posterior stays wide
#
# The MAP is a single point; the posterior says how much the data actually pin down. With a
# $\mathcal N(0, 2^2)$ prior on the slope and the bias, NUTS samples the separated data without
# trouble. The data only say "the slope is large and positive", never how large: for large
# slopes the likelihood is almost constant, so the posterior's upper tail has the shape of the
# prior's tail. The posterior is wide and skewed to the right.

# %%
sigma_sep = 2.0
sep_normal = ce.softmax_regression_model(X_sep, y_sep, prior=sigma_sep)
with sep_normal, ce.capture_sampler_messages():
    dt_sep_normal = pm.sample(
        draws=DRAWS, tune=TUNE, random_seed=5, var_names=["W_free", "b_free"], **SAMPLE_KW
    )
assert float(az.rhat(dt_sep_normal).to_dataset().to_array().max()) < 1.01
assert int(dt_sep_normal.sample_stats.to_dataset()["diverging"].sum()) == 0
ess_sep = float(az.ess(dt_sep_normal).to_dataset().to_array().min())
assert ess_sep > 200

w_post = dt_sep_normal.posterior.to_dataset()["W_free"].values[..., 0, 0].ravel()
map_sep = ce.fit_l2(X_sep, y_sep, sigma_sep, bias_sigma=sigma_sep)  # the MAP of this model
w_map = map_sep.weights[1, 0]
lo, hi = np.quantile(w_post, [0.03, 0.97])
print(
    f"MAP slope {w_map:.2f}; posterior mean {w_post.mean():.2f}, sd {w_post.std():.2f}, "
    f"94% interval [{lo:.2f}, {hi:.2f}]"
)

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.hist(w_post, bins=40, density=True, alpha=0.6, label="posterior draws")
grid_w = np.linspace(-1, 10, 300)
ax.plot(
    grid_w,
    np.exp(-(grid_w**2) / (2 * sigma_sep**2)) / np.sqrt(2 * np.pi * sigma_sep**2),
    "k:",
    label="prior N(0, 2²)",
)
ax.axvline(w_map, color="C3", label="MAP = L2-penalised minimiser")
ax.set(xlabel="slope w", ylabel="density", title="Separated data, normal prior", xlim=(-1, 10))
ax.legend(fontsize=9, loc="upper right")
save_figure(fig, "separated-posterior-normal-prior")
plt.show()

# %% [markdown]
# Quantitatively: the posterior sd of the slope is more than a quarter of the prior sd (the
# data removed less than a factor of four of the prior's spread), the posterior mean lies
# above the MAP by more than five Monte Carlo standard errors, and the upper tail beyond the MAP
# is much longer than the lower one.

# %%
mcse = w_post.std() / np.sqrt(ess_sep)
assert w_post.std() > 0.25 * sigma_sep
assert w_post.mean() - w_map > 5 * mcse
assert (hi - w_map) > 1.5 * (w_map - lo)

# %% [markdown]
# ## Summary
#
# * With all $K$ classes free the likelihood has a ridge: optimisers stop anywhere on it and
#   flat-prior NUTS drifts along it, while the contrasts are estimated fine. Pinning one class
#   (pivot) or imposing a zero sum removes the ridge, and both give the same predictions.
# * Under separation the cross entropy has an infimum of zero that no finite parameter attains:
#   optimisers run off to infinity, `fit_cross_entropy` raises `SeparationError`, and the
#   flat-prior posterior is improper.
# * A normal prior makes the MAP the L2-regularised cross-entropy minimiser, which always
#   exists; which rows the prior penalises is part of the model. The posterior under that prior
#   still reports honestly how little separated data say about the size of the slope.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
