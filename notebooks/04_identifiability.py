# %% [markdown]
# # Identifiability: when the minimiser of cross entropy is a line
#
# The earlier notebooks minimised the summed cross entropy of softmax regression in the *pivot*
# parametrisation (class 0's weights and bias fixed at zero) and found a single minimiser, the
# MLE. Many implementations (scikit-learn's multinomial `LogisticRegression`, most neural-network
# output layers) instead keep a free row of weights and a free bias for **every** class.
# Without a penalty or a prior that costs identifiability: the likelihood no longer has a
# single best point but a ridge of them, optimisers stop anywhere on it, and under flat priors
# the posterior is improper. This notebook shows that, then the two standard cures, the pivot
# and the zero-sum parametrisations, and checks that they make the same predictions.
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
# constant. The *contrasts* $W_k - W_0$ and $b_k - b_0$ do not change under a shift: they are
# what the data can identify.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pymc.model_graph
import pytensor
import xarray as xr
from pymc.distributions.transforms import ZeroSumTransform

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_604
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # fewer posterior draws; the data and every assert are the same
plt.style.use("arviz-variat")

DRAWS = 500 if FAST else 1_000
SAMPLE_KW = dict(chains=4, cores=1, progressbar=False, random_seed=RANDOM_SEED)


def model_graph(model):
    """pm.model_to_graphviz(model), also for pm.Flat priors.

    PyMC 6.4 evaluates each variable's shape in a mode without shape rewrites, which draws the
    variable, and a Flat variable has no draws; FAST_COMPILE infers the shapes without drawing.
    """
    cheap_eval = pymc.model_graph.fast_eval
    pymc.model_graph.fast_eval = lambda var: pytensor.function([], var, mode="FAST_COMPILE")()
    try:
        return pm.model_to_graphviz(model)
    finally:
        pymc.model_graph.fast_eval = cheap_eval


# %% [markdown]
# ## 1. A ridge in the likelihood
#
# Three classes and one feature, so the over-parametrised model has $3 \times 2 = 6$
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
# The picture: the NLL over a slice through the MLE, one axis along the ridge (a common shift
# $c_b$ of the three biases), one across it (the contrast $b_1 - b_0$). The contours are
# horizontal lines, and the minimum is attained along a whole line.

# %%
mle = ce.fit_cross_entropy(X, y)  # pivot parametrisation: row 0 is zero
shifts = np.linspace(-4, 4, 41)
contrasts = mle.bias[1] + np.linspace(-0.8, 0.8, 81)
S, C = np.meshgrid(shifts, contrasts)
b_grid = np.tile(mle.bias, (S.size, 1))
b_grid[:, 1] = C.ravel()
b_grid += S.ravel()[:, None]
W_grid = np.broadcast_to(mle.weights, (S.size, K, d))
nll_slice = -ce.log_likelihood_grid(X, y, W_grid, b_grid).reshape(S.shape)

fig, ax = plt.subplots(figsize=(7, 4.2))
cs = ax.contourf(
    S, C, nll_slice - mle.nll, levels=np.linspace(0, 4, 17), cmap="viridis_r", extend="max"
)
ax.axhline(mle.bias[1], color="k", ls="--", lw=2, label="minimum: a line, not a point")
ax.set(
    xlabel="common shift $c_b$ added to $b_0, b_1, b_2$",
    ylabel="contrast $b_1 - b_0$",
    title="NLL minus its minimum ($W$ at the MLE)",
)
fig.colorbar(cs, ax=ax, label="NLL − min NLL")
ax.legend(loc="upper right", facecolor="white", framealpha=1.0, edgecolor="k", fontsize=11)
save_figure(fig, "overparametrised-nll-ridge")
plt.show()

# %% [markdown]
# The flat directions can be counted without drawing anything: the Hessian of the
# over-parametrised NLL, $\sum_i (\operatorname{diag} q_i - q_i q_i^\top) \otimes \tilde x_i
# \tilde x_i^\top$ with $\tilde x_i = (1, x_i)$, has exactly $d + 1 = 2$ zero eigenvalues, and
# its null space is spanned by the two shifts (all rows' biases up by one; all rows' weights up
# by one). The other four eigenvalues are positive: across the ridge the NLL is curved.

# %% tags=["hide-input"]
# Check: the over-parametrised Hessian at the MLE, built here from the probabilities (not by the
# library), has a null space of dimension d + 1 spanned by the shifts.
q = mle.predict_proba(X)
X_tilde = np.column_stack([np.ones(N), X])
H_over = sum(
    np.kron(np.diag(qi) - np.outer(qi, qi), np.outer(xi, xi))
    for qi, xi in zip(q, X_tilde, strict=True)
)  # parameters ordered (class, [bias, weight])
eig, vec = np.linalg.eigh(H_over)
print("eigenvalues / largest:", (eig / eig[-1]).round(6))
# zero to rounding (~1e-15 relative) vs a smallest curved direction more than 1e-3 of the largest
assert np.all(np.abs(eig[: d + 1]) < 1e-12 * eig[-1]) and eig[d + 1] > 1e-3 * eig[-1]
shift_vectors = np.kron(np.ones((K, 1)), np.eye(d + 1))  # columns: c_b = 1 and c_W = 1
null = vec[:, : d + 1]
assert np.allclose(null @ (null.T @ shift_vectors), shift_vectors, atol=1e-10)

# %% [markdown]
# ### The over-parametrised model in PyMC
#
# Flat priors on all $K$ rows make the log posterior equal to the log-likelihood, so its mode is
# an MLE. The model, written out (the library's `ce.overparametrised_model` builds the same):

# %%
coords = {"obs": np.arange(N), "class": np.arange(K), "feature": ["x0"]}
with pm.Model(coords=coords) as over_flat:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    W = pm.Flat("W", dims=("class", "feature"))
    b = pm.Flat("b", dims="class")
    logits = pm.Deterministic("logits", X_data @ W.T + b, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=logits, observed=y, dims="obs")
model_graph(over_flat)


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
# The NLL is constant along the shifts, so its gradient has no component along them: at every
# point the gradient's entries sum to zero over the classes. BFGS, starting from the identity as its inverse-Hessian
# guess, builds every step from gradients, so it never moves along the ridge. From three
# starting points it reaches three different parameter values, each on the ridge line through
# its start: the class means $\bar b = \tfrac1K \sum_k b_k$ and $\bar W$ are those of the
# start, while the contrasts are the pivot MLE.

# %%
starts = [
    {"W": np.zeros((K, d)), "b": np.zeros(K)},
    {"W": np.full((K, d), 5.0), "b": np.full(K, -3.0)},
    {"W": rng.normal(0, 3, size=(K, d)), "b": rng.normal(0, 3, size=K)},
]
maps = []
for start in starts:
    with ce.capture_sampler_messages():
        dt_map = pm.find_MAP(
            initvals=start,
            model=over_flat,
            method="BFGS",
            jitter=False,
            return_inferencedata=True,
            progressbar=False,
        )
    point = dt_map.posterior.to_dataset()
    maps.append((point["W"].values[0, 0], point["b"].values[0, 0]))

map_table = pd.DataFrame(
    [
        {
            "start b̄": s["b"].mean(),
            "start W̄": s["W"].mean(),
            "b_0": b_m[0],
            "b_1": b_m[1],
            "b_2": b_m[2],
            "b̄": b_m.mean(),
            "W̄": W_m.mean(),
            "b_1 - b_0": b_m[1] - b_m[0],
            "W_1 - W_0": W_m[1, 0] - W_m[0, 0],
            "NLL": ce.negative_log_likelihood(y, ce.linear_predictor(X, W_m, b_m)),
        }
        for s, (W_m, b_m) in zip(starts, maps, strict=True)
    ]
).rename_axis("start")
map_table.round(4)

# %% tags=["hide-input"]
# Check: each MAP keeps its start's class means (to rounding, ~1e-14: BFGS never steps along the
# ridge) and its contrasts are the pivot MLE within the optimiser's stopping error, bounded by
# 2 |gradient| / (smallest curvature of the pivot NLL) at the point where BFGS stopped.
objective = ce.SoftmaxRegressionLoss(X, y, K)  # the pivot NLL and its gradient
lam_min = np.linalg.eigvalsh(ce.nll_hessian(X, y, mle.weights, mle.bias))[0]
theta_mle = ce.pack_params(mle.weights, mle.bias)
for s, (W_m, b_m) in zip(starts, maps, strict=True):
    assert np.allclose([b_m.mean(), W_m.mean()], [s["b"].mean(), s["W"].mean()], atol=1e-12)
    theta_m = ce.pack_params(W_m, b_m)  # contrasts with class 0
    bound = 2 * np.linalg.norm(objective.loss_gradient(theta_m)[1]) / lam_min
    assert np.linalg.norm(theta_m - theta_mle) < bound, (theta_m - theta_mle, bound)

# %% [markdown]
# ### NUTS drifts along the ridge
#
# Under flat priors the posterior is proportional to the likelihood, which is constant along
# the ridge, so its integral over the ridge directions is infinite: the posterior is improper
# and there is nothing for a sampler to converge to. We run NUTS anyway, briefly and with the
# tree depth capped at 6 (at most $2^6 = 64$ gradient steps per draw).

# %%
with over_flat, ce.capture_sampler_messages():
    dt_over = pm.sample(draws=300, tune=300, max_treedepth=6, var_names=["W", "b"], **SAMPLE_KW)
post_over = dt_over.posterior.to_dataset()
free = {"class": [1, 2]}  # the contrasts of class 0 with itself are identically 0
post_over["b_contrast"] = (post_over["b"] - post_over["b"].sel({"class": 0})).sel(free)
W_contrast = post_over["W"] - post_over["W"].sel({"class": 0})
post_over["W_contrast"] = W_contrast.sel(feature="x0").sel(free)
at_cap = float(dt_over.sample_stats.to_dataset()["reached_max_treedepth"].mean())
print(f"draws that hit the tree-depth cap: {at_cap:.0%}")

fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
for chain in post_over["chain"].values:
    draws = post_over.sel(chain=chain)
    b_0, b_1 = draws["b"].sel({"class": 0}), draws["b"].sel({"class": 1})
    axes[0].plot(
        b_0, color=f"C{chain}", lw=1, label="$b_0$ (a colour per chain)" if chain == 0 else None
    )
    axes[0].plot(
        b_1 - b_0, color="k", lw=1, label="$b_1 - b_0$ (all chains)" if chain == 0 else None
    )
    axes[1].plot(b_0, b_1, ".", color=f"C{chain}", ms=3)
    contrasts = draws["b_contrast"]
    axes[2].plot(
        contrasts.sel({"class": 1}), contrasts.sel({"class": 2}), ".", color=f"C{chain}", ms=3
    )
axes[0].set(xlabel="draw", ylabel="value", title="traces")
axes[1].set(xlabel="$b_0$", ylabel="$b_1$", title="raw draws: a long line")
axes[2].set(xlabel="$b_1 - b_0$", ylabel="$b_2 - b_0$", title="contrasts: a compact cloud")
fig.legend(loc="lower center", ncol=2, fontsize=11, bbox_to_anchor=(0.3, -0.08), frameon=False)
fig.suptitle("Flat priors on all K rows: the raw biases drift together, their contrasts do not")
save_figure(fig, "overparametrised-drift")
plt.show()

# %% [markdown]
# In numbers: $\hat R$ (which compares the spread of all chains pooled with the spread within
# each chain; about 1 when the chains agree, above 1.01 a sign they do not) is far above 1.01
# for the raw parameters and near 1 for the contrasts, and the raw draws spread more than ten
# times as widely as the contrasts (here hundreds of times).

# %%
rhat_over = az.rhat(post_over)
sd_over = post_over.std(("chain", "draw"))
summary_over = pd.DataFrame(
    {
        "largest r_hat": {v: float(rhat_over[v].max()) for v in post_over.data_vars},
        "smallest sd": {v: float(sd_over[v].min()) for v in post_over.data_vars},
    }
)
summary_over.round(3)

# %% tags=["hide-input"]
# Check: the drift is in the raw parameters only. One seeded run of a sampler on an improper
# posterior: the thresholds are far from the values printed above (raw r_hat > 1.1, contrast
# r_hat < 1.05; raw sds more than 10 times the contrasts').
assert min(float(rhat_over[v].max()) for v in ("b", "W")) > 1.1
assert max(float(rhat_over[v].max()) for v in ("b_contrast", "W_contrast")) < 1.05
sd_raw = min(float(sd_over["b"].min()), float(sd_over["W"].min()))
assert sd_raw > 10 * max(float(sd_over[v].max()) for v in ("b_contrast", "W_contrast"))

# %% [markdown]
# ## 2. Two cures, one model
#
# Identifiability is restored by removing the $d + 1$ flat directions, with $K - 1$ free rows
# left:
#
# * **Pivot.** Fix one class's row at zero, $W_0 = 0$, $b_0 = 0$: the library's
#   `ce.softmax_regression_model` and the parametrisation of `ce.fit_cross_entropy`.
# * **Zero sum.** Keep all $K$ rows but constrain them to sum to zero over the classes,
#   $\sum_k W_k = 0$, $\sum_k b_k = 0$: in PyMC, a `pm.Flat` prior restricted by a
#   `ZeroSumTransform` (or a `pm.ZeroSumNormal` prior).
#
# The map from pivot to zero-sum parameters, $W_k \mapsto W_k - \bar W$ (the same for $b$), is
# linear and one-to-one, and both give every observation the same probabilities. A flat prior
# in one is therefore flat in the other, and under flat priors both posteriors are the same
# distribution over the predictions. The zero-sum model, written out:

# %%
with pm.Model(coords=coords) as zero_sum_flat:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    W = pm.Flat("W", dims=("feature", "class"), transform=ZeroSumTransform([-1]))
    b = pm.Flat("b", dims="class", transform=ZeroSumTransform([-1]))
    logits = pm.Deterministic("logits", X_data @ W + b, dims=("obs", "class"))
    pm.Categorical("y_obs", logit_p=logits, observed=y, dims="obs")
model_graph(zero_sum_flat)

# %% tags=["hide-input"]
# Check: the same log density as the library's ce.zero_sum_model at random points.
same_logp(zero_sum_flat, ce.zero_sum_model(X, y, prior="flat"))

# %% [markdown]
# Both posteriors are proper, and NUTS samples them without complaint: $\hat R$ below 1.01, no
# divergences, and an effective sample size (ESS: the number of independent draws with the
# same Monte Carlo error) above 200 for every parameter.

# %%
pivot_flat = ce.softmax_regression_model(X, y, prior="flat")
with pivot_flat, ce.capture_sampler_messages():
    dt_pivot = pm.sample(draws=DRAWS, var_names=["W_free", "b_free"], **SAMPLE_KW)
with zero_sum_flat, ce.capture_sampler_messages():
    dt_zero = pm.sample(draws=DRAWS, var_names=["W", "b"], **SAMPLE_KW)

diagnostics = pd.DataFrame(
    {
        name: {
            "largest r_hat": float(az.rhat(dt).to_dataset().to_array().max()),
            "smallest ess_bulk": float(az.ess(dt).to_dataset().to_array().min()),
            "divergences": int(dt.sample_stats.to_dataset()["diverging"].sum()),
        }
        for name, dt in (("pivot", dt_pivot), ("zero sum", dt_zero))
    }
).T.astype({"divergences": int})
diagnostics.round(3)

# %% tags=["hide-input"]
# Check: the diagnostics stated above (4 chains: the number R-hat < 1.01 was calibrated for).
assert (diagnostics["largest r_hat"] < 1.01).all()
assert (diagnostics["smallest ess_bulk"] > 200).all()
assert (diagnostics["divergences"] == 0).all()

# %% [markdown]
# ### Same predictions
#
# The posterior-mean probability of each class along $x$, from the pivot draws, the zero-sum
# draws, and the contrasts of the drifting over-parametrised draws of section 1: three curves
# per class, on top of each other, so the lower panel shows the differences from the pivot
# curves, within the Monte Carlo error of the draws. (The over-parametrised chains get the
# predictions right because the probabilities depend on the contrasts only, and the contrasts
# mixed.)

# %%
x_grid = np.linspace(-3, 3, 61)[:, None]


def probabilities(W_draws, b_draws):
    """softmax(W x + b) on x_grid; W_draws (chain, draw, class, feature), b_draws (.., class)."""
    z = np.einsum("gf,...kf->...gk", x_grid, W_draws) + b_draws[..., None, :]
    return ce.softmax(z)  # (chain, draw, grid, class)


post_pivot = dt_pivot.posterior.to_dataset()
zeros = np.zeros((4, DRAWS, 1))
p_draws = {
    "pivot": probabilities(
        np.concatenate([zeros[..., None], post_pivot["W_free"].values], axis=2),
        np.concatenate([zeros, post_pivot["b_free"].values], axis=2),
    ),
    "zero sum": probabilities(
        np.swapaxes(dt_zero.posterior.to_dataset()["W"].values, 2, 3),
        dt_zero.posterior.to_dataset()["b"].values,
    ),
    "over-parametrised": probabilities(post_over["W"].values, post_over["b"].values),
}

dims = ("chain", "draw", "x", "class")
p_mean = {name: p.mean(axis=(0, 1)) for name, p in p_draws.items()}
p_mcse = {name: az.mcse(xr.DataArray(p, dims=dims)).values for name, p in p_draws.items()}

fig, axes = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, height_ratios=(3, 2))
for k in range(K):
    axes[0].plot(x_grid[:, 0], p_mean["pivot"][:, k], color=f"C{k}", label=f"class {k}")
    for name, ls in (("zero sum", "--"), ("over-parametrised", ":")):
        diff = p_mean[name][:, k] - p_mean["pivot"][:, k]
        label = f"class {k}: {name} − pivot"
        axes[1].plot(x_grid[:, 0], diff, ls=ls, color=f"C{k}", lw=2, label=label)
band = 2 * np.hypot(p_mcse["zero sum"], p_mcse["pivot"]).max(axis=1)
axes[1].fill_between(
    x_grid[:, 0], -band, band, color="0.85", label="±2 Monte Carlo s.e., zero sum − pivot"
)
axes[0].set(ylabel="posterior mean of $q(y = k \\mid x)$", title="Three models, one prediction")
axes[1].set(xlabel="x", ylabel="difference")
axes[0].legend(fontsize=10, loc="center left", bbox_to_anchor=(1.01, 0.5))
axes[1].legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
save_figure(fig, "identified-parametrisations-predictions")
plt.show()

# %% tags=["hide-input"]
# Check: the posterior means agree within Monte Carlo error. az.mcse gives each mean's Monte
# Carlo standard error (s.e.) from its own ESS; a difference beyond 4 combined s.e. at any of
# the 61 x 3 points fails (4 s.e. is about 0.01 here: the smallest difference it detects).
for name in ("zero sum", "over-parametrised"):
    z_score = np.abs(p_mean[name] - p_mean["pivot"]) / np.hypot(p_mcse[name], p_mcse["pivot"])
    print(f"{name} vs pivot: largest |difference| / its standard error {z_score.max():.2f}")
    assert z_score.max() < 4

# %% [markdown]
# ## What it means
#
# With a free row for every class the likelihood of softmax regression has a ridge of
# dimension $d + 1$: optimisers stop at the point of the ridge their start selects, and under
# flat priors NUTS drifts along it without converging, because that posterior is improper.
# What the data determine are the contrasts between classes, and through them the predicted
# probabilities, which every parametrisation gets right. Fixing a pivot class or imposing a
# zero sum removes the ridge and leaves the same model; under flat priors the two posteriors
# give the same predictions. A proper prior on all $K$ rows removes the ridge too, but it is a
# different prior from the same prior on $K - 1$ pivot rows: notebook 05 shows what that
# changes, along with the other way an MLE fails to exist, separation.
#
# ## References
#
# * Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., chapter 8 (baseline-category
#   logit models). Wiley.
# * Stan Development Team (2024). *Stan User's Guide*, section "Multi-logit regression"
#   (identifiability by a pivot class or a sum-to-zero constraint).
# * Hoffman, M. D. and Gelman, A. (2014). The No-U-Turn Sampler: adaptively setting path
#   lengths in Hamiltonian Monte Carlo. *Journal of Machine Learning Research* 15, 1593-1623.
# * Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
#   Rank-normalization, folding, and localization: an improved $\widehat R$ for assessing
#   convergence of MCMC. *Bayesian Analysis* 16(2), 667-718.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
