# %% [markdown]
# # The likelihood is not a distribution over θ
#
# The maximum-likelihood estimator of the previous notebook maximises
# $\mathcal{L}(\theta \mid \mathcal{D})$, the probability of the observed data computed at the
# parameter value $\theta$. It is tempting to read $\mathcal{L}$ as "how probable $\theta$ is",
# but it is not a probability distribution over $\theta$: for fixed $\theta$ it sums to one over
# possible *data* sets, while for fixed data nothing makes
#
# $$
# \int \mathcal{L}(\theta \mid \mathcal{D})\, d\theta = 1 .
# $$
#
# This notebook computes that integral, with one parameter and with two, and shows that it is
# not 1 and that it depends on the sample size and on how $\theta$ is parametrised. It then
# builds the object that *is* a distribution over $\theta$, the posterior
# $p(\theta \mid \mathcal{D}) \propto \mathcal{L}(\theta \mid \mathcal{D})\, p(\theta)$, in three
# ways: on a grid, by the quadratic (Laplace) approximation around the MLE, and by NUTS sampling
# in PyMC; and it shows where the three disagree.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats
from scipy.special import betaln, expit, logit

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_603
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## One parameter
#
# The smallest instance of the model: two classes and no features, so that
# $q(y = 1; \theta) = \sigma(\theta) = 1 / (1 + e^{-\theta})$ with a single parameter, the log-odds
# $\theta$ of class 1 (class 0 is the pivot). With $k$ ones among $N$ labels,
#
# $$
# \mathcal{L}(\theta \mid \mathcal{D}) = \sigma(\theta)^k \big(1 - \sigma(\theta)\big)^{N - k},
# \qquad
# \int_{-\infty}^{\infty} \mathcal{L}(\theta \mid \mathcal{D})\, d\theta = B(k, N - k),
# $$
#
# where the closed form follows from substituting $p = \sigma(\theta)$,
# $d\theta = dp / \big(p(1 - p)\big)$, and $B$ is the beta function. We draw 1000 labels with
# true log-odds $0.4$ and integrate numerically over the first $N = 10$, $100$ and $1000$.

# %%
theta_true = 0.4
X1, y1, _ = ce.simulate(1_000, np.zeros((2, 0)), np.array([0.0, theta_true]), rng)
sizes_1d = [10, 100, 1_000]
theta_axis = np.linspace(-30.0, 30.0, 6_001 if FAST else 12_001)
omega_axis = np.exp(theta_axis)  # the odds ω = e^θ, used below


def loglik_1d(n, theta):
    """log L(theta | first n labels) of the intercept-only binary model, for an array of theta."""
    theta = np.atleast_1d(theta)
    bias = np.column_stack([np.zeros_like(theta), theta])
    return ce.log_likelihood_grid(X1[:n], y1[:n], np.zeros((theta.size, 2, 0)), bias)


rows = []
for n in sizes_1d:
    k, ll = int(y1[:n].sum()), loglik_1d(n, theta_axis)
    rows.append([n, k, ce.log_integral(ll, theta_axis), betaln(k, n - k)])
    rows[-1] += [ce.log_integral(ll, omega_axis), betaln(k + 1, n - k - 1)]
cols = ["N", "k", "log ∫L dθ", "log B(k, N-k)", "log ∫L dω", "log B(k+1, N-k-1)"]
areas = pd.DataFrame(rows, columns=cols)
areas.round(3)

# %% [markdown]
# The "total likelihood" $\int \mathcal{L}\, d\theta$ is nowhere near 1: its logarithm is
# already below $-5$ for ten observations, and it shrinks with every observation added, as it
# must, since each new observation multiplies $\mathcal{L}(\theta)$ at every $\theta$ by a
# probability below one.

# %% tags=["hide-input"]
# Check: the trapezoid rule reproduces the beta functions (its error here is below 1e-6).
assert np.allclose(areas["log ∫L dθ"], areas["log B(k, N-k)"], rtol=0, atol=1e-6)
assert np.allclose(areas["log ∫L dω"], areas["log B(k+1, N-k-1)"], rtol=0, atol=1e-4)
assert (areas["log ∫L dθ"] < -5).all() and (np.diff(areas["log ∫L dθ"]) < 0).all()

# %% [markdown]
# ### Changing the parametrisation
#
# The odds $\omega = e^\theta$ are an equally valid parameter, and the likelihood is the same
# function of the model written in the new coordinate:
# $\tilde{\mathcal{L}}(\omega) = \mathcal{L}(\log \omega) = \omega^k / (1 + \omega)^N$.
#
# * **The maximiser moves with the map.** $\hat\omega = e^{\hat\theta} = k / (N - k)$:
#   maximising over $\omega$ or over $\theta$ picks the same model.
# * **The area is not preserved.** $\int_0^\infty \tilde{\mathcal{L}}\, d\omega = B(k + 1, N - k - 1)$
#   (last columns of the table), and
#   $\log \int \tilde{\mathcal{L}}\, d\omega - \log \int \mathcal{L}\, d\theta = \log \frac{k}{N - k - 1}$,
#   which is not zero unless $k = N - k - 1$. A density of $\theta$ would become a density of
#   $\omega$ only after multiplying by the Jacobian $|d\theta / d\omega| = 1/\omega$, and its
#   integral would stay 1. The likelihood picks up no Jacobian, because it is not a density in
#   $\theta$.

# %% tags=["hide-input"]
# Check: both maximisers, by grid search in each coordinate (error: one grid step), and the
# area ratio from the quadrature against log(k / (N - k - 1)) (quadrature error below 1e-4).
for n in sizes_1d:
    k, ll = int(y1[:n].sum()), loglik_1d(n, theta_axis)
    j = np.argmax(ll)
    assert abs(theta_axis[j] - np.log(k / (n - k))) <= theta_axis[1] - theta_axis[0]
    assert abs(omega_axis[j] - k / (n - k)) <= omega_axis[j + 1] - omega_axis[j - 1]
    gap = ce.log_integral(ll, omega_axis) - ce.log_integral(ll, theta_axis)
    assert abs(gap - np.log(k / (n - k - 1))) < 1e-4
    # With the Jacobian 1/ω the area is the original one again.
    assert (
        abs(ce.log_integral(ll - theta_axis, omega_axis) - ce.log_integral(ll, theta_axis)) < 1e-4
    )

# %% [markdown]
# Densities behave the other way round: their integral is invariant, their mode is not. This is
# why "with a flat prior the MAP is the MLE" holds only in the coordinates in which the prior is
# flat. A flat prior on $\theta$ is the density $p(\omega) \propto 1/\omega$ on the odds; a flat
# prior on $\omega$ is $p(\theta) \propto e^\theta$ on the log-odds. Each gives a posterior
# whose mode (MAP) is the MLE in its own coordinate and moves in the other one:
#
# | prior | MAP of $\theta$ | MAP of $\omega$ |
# |---|---|---|
# | flat in $\theta$: posterior $\propto \omega^{k-1}/(1+\omega)^N$ in $\omega$ | $\hat\theta$ | $(k-1)/(N-k+1)$ |
# | flat in $\omega$: posterior $\propto \omega^{k+1}/(1+\omega)^N$ in $\theta$ | $\log\big((k+1)/(N-k-1)\big)$ | $\hat\omega = k/(N-k)$ |
#
# The MLE, $\hat\omega = e^{\hat\theta}$, is the same model in both rows. With $N = 10$:

# %%
n = sizes_1d[0]
k, ll10 = int(y1[:n].sum()), loglik_1d(n, theta_axis)
log_post = {"flat in θ": ll10, "flat in ω": ll10 + theta_axis}  # both as densities in θ
rows = []
for name, lp in log_post.items():
    map_theta = theta_axis[np.argmax(lp)]
    map_omega = omega_axis[np.argmax(lp - theta_axis)]  # density in ω: times |dθ/dω| = 1/ω
    rows.append((name, map_theta, np.exp(map_theta), map_omega))
maps_1d = pd.DataFrame(rows, columns=["prior", "MAP of θ", "exp(MAP of θ)", "MAP of ω"])
print(f"N = {n}, k = {k}: MLE θ̂ = {np.log(k / (n - k)):.3f}, ω̂ = {k / (n - k):.3f}")
maps_1d.round(3)

# %% tags=["hide-input"]
# Check: the grid modes against the closed forms of the table (error: one grid step in θ,
# at most 0.01 in θ and ω·0.01 in ω; the smallest gap checked, 0.8 in ω, is far larger).
step = theta_axis[1] - theta_axis[0]
expected = [
    (np.log(k / (n - k)), (k - 1) / (n - k + 1)),
    (np.log((k + 1) / (n - k - 1)), k / (n - k)),
]
for (_, row), (t, w) in zip(maps_1d.iterrows(), expected):
    assert abs(row["MAP of θ"] - t) <= step and abs(row["MAP of ω"] - w) <= 1.01 * w * step
assert abs(maps_1d["exp(MAP of θ)"] - maps_1d["MAP of ω"]).min() > 0.5  # the MAP moved

# %% [markdown]
# The likelihood of these ten labels in the two coordinates: the same heights at the same
# models, the same maximiser, different areas.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
L10, omega_hat = np.exp(ll10), k / (n - k)
panels = [
    (theta_axis, r"\theta", r"log-odds $\theta$", (-4, 3.5), r"$\hat\theta$", np.log(omega_hat))
]
panels += [
    (omega_axis, r"\omega", r"odds $\omega = e^\theta$", (0, 10), r"$\hat\omega$", omega_hat)
]
for ax, (axis, var, xlabel, lim, hat, mle), col in zip(axes, panels, ["log ∫L dθ", "log ∫L dω"]):
    ax.fill_between(axis, L10, alpha=0.4)
    ax.axvline(mle, color="k", ls="--", lw=1, label=f"MLE {hat}")
    ax.set(xlim=lim, xlabel=xlabel, ylabel=r"$\mathcal{L}$")
    ax.set_title(
        rf"$N = {n}$: area $\int\mathcal{{L}}\,d{var}$ = {np.exp(areas[col][0]):.2e}", fontsize=11
    )
    ax.legend(loc="upper right", fontsize=9)
save_figure(fig, "likelihood-area-one-parameter")
plt.show()

# %% [markdown]
# ## Two parameters, and the quadratic approximation
#
# Now binary logistic regression with one feature: $q(y = 1 \mid x) = \sigma(b + w x)$, with
# intercept $b$ and slope $w$, true values $b = -0.5$ and $w = 1.5$, and $x \sim \mathcal N(0, 1)$.
# There is no closed form for the integral; we integrate over a grid centred on the MLE that
# reaches 8 standard errors in each direction (and check it against a grid reaching 12). Near
# its maximum the log-likelihood is close to a quadratic, with the Hessian $H$ of the negative
# log-likelihood at the MLE (`ce.nll_hessian`, the observed information of notebook 02):
#
# $$
# \log \mathcal{L}(\theta) \approx \log \mathcal{L}(\hat\theta)
#   - \tfrac12 (\theta - \hat\theta)^\top H (\theta - \hat\theta) .
# $$
#
# Under this approximation the region where $\mathcal{L} \ge e^{-2} \max \mathcal{L}$ is an
# ellipse of area $4\pi / \sqrt{\det H}$. $H$ is a sum over the observations, so on average it
# grows in proportion to $N$, $\det H$ like $N^2$, and the area like $1/N$ once the
# approximation holds.

# %%
b_true, w_true = -0.5, 1.5
X2, y2, _ = ce.simulate(1_000, np.array([[0.0], [w_true]]), np.array([0.0, b_true]), rng)
sizes_2d = [15, 100, 1_000]
n_grid = 201 if FAST else 301


def grid_around_mle(n, reach):
    """MLE, Hessian H (order b, w), and log L on a grid reaching `reach` standard errors."""
    fit = ce.fit_cross_entropy(X2[:n], y2[:n])
    H = ce.nll_hessian(X2[:n], y2[:n], fit.weights, fit.bias)
    mle, se = np.array([fit.bias[1], fit.weights[1, 0]]), np.sqrt(np.diag(np.linalg.inv(H)))
    b_axis, w_axis = mle[:, None] + reach * se[:, None] * np.linspace(-1, 1, n_grid)
    B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
    weights = np.stack([np.zeros(B.size), Wg.ravel()], axis=1)[:, :, None]
    bias = np.column_stack([np.zeros(B.size), B.ravel()])
    ll = ce.log_likelihood_grid(X2[:n], y2[:n], weights, bias).reshape(B.shape)
    return mle, H, b_axis, w_axis, ll


grids, rows = {n: grid_around_mle(n, 8) for n in sizes_2d}, []
for n, (mle, _, b_axis, w_axis, ll) in grids.items():
    *_, b_wide, w_wide, ll_wide = grid_around_mle(n, 12)
    rows.append([n, *mle, ce.log_integral(ll, b_axis, w_axis)])
    rows[-1] += [ce.log_integral(ll_wide, b_wide, w_wide)]
    rows[-1] += [ce.log_integral(ll + b_axis[:, None], b_axis, w_axis)]  # dα = e^b db
cols = ["N", "b̂", "ŵ", "log ∫∫L db dw", "(wider grid)", "log ∫∫L dα dw"]
two_param = pd.DataFrame(rows, columns=cols)
two_param.round(3)

# %% [markdown]
# The same picture as with one parameter: the volume under the likelihood is below $e^{-5}$
# already at $N = 15$, shrinks as data accumulate, and changes when the intercept is replaced
# by the baseline odds $\alpha = e^b$ (last column, through the Jacobian $d\alpha = e^b\, db$).

# %% tags=["hide-input"]
# Check: grid truncation and quadrature error, measured by the wider grid, below 1e-3; the
# change of coordinates moves the volume by more than 10 times that (by log E[e^b] under the
# normalised likelihood: -0.07 at N = 100).
vol = two_param["log ∫∫L db dw"].to_numpy()
assert np.allclose(vol, two_param["(wider grid)"], rtol=0, atol=1e-3)
assert (vol < -5).all() and (np.diff(vol) < 0).all()
assert (np.abs(two_param["log ∫∫L dα dw"] - vol) > 0.01).all()

# %% [markdown]
# The figure draws the contour $\mathcal{L} = e^{-2} \max \mathcal{L}$ (solid) and the ellipse
# of the quadratic approximation (dashed). At $N = 15$ the contour is lopsided, stretched
# towards large slopes, and encloses more area than the ellipse; at $N = 100$ and $1000$ the
# ellipse's area matches the contour's to the grid's resolution.

# %% tags=["hide-input"]
# Check: the grid area of {L >= e^-2 max L} against 4π/√det H. The grid's own error is
# bracketed: cells with all four corners inside (lower bound) or any corner inside (upper);
# the bracket is 5-10% wide, so it detects a quadratic approximation off by more.
region = []
for n, (_, H, b_axis, w_axis, ll) in grids.items():
    inside = (ll - ll.max() >= -2.0).astype(int)
    corners = inside[:-1, :-1] + inside[1:, :-1] + inside[:-1, 1:] + inside[1:, 1:]
    cell = (b_axis[1] - b_axis[0]) * (w_axis[1] - w_axis[0])
    region.append([n, (corners == 4).sum() * cell, (corners > 0).sum() * cell])
    region[-1] += [4 * np.pi / np.sqrt(np.linalg.det(H))]
region = pd.DataFrame(region, columns=["N", "grid area ≥", "grid area ≤", "4π/√det H"])
print(region.round(4).to_string(index=False))
lo, hi, quad = region.iloc[:, 1:].to_numpy().T
assert quad[0] < lo[0]  # N = 15: the region is larger than the ellipse, beyond the grid error
assert np.all((lo[1:] <= quad[1:]) & (quad[1:] <= hi[1:]))  # N >= 100: within the grid error

# %%
fig, ax = plt.subplots(figsize=(7, 4.8))
for i, (n, (mle, H, b_axis, w_axis, ll)) in enumerate(grids.items()):
    B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
    d = np.stack([B - mle[0], Wg - mle[1]], axis=-1)
    quadratic = -0.5 * np.einsum("...i,ij,...j->...", d, H, d)
    ax.contour(B, Wg, ll - ll.max(), levels=[-2.0], colors=[f"C{i}"], linestyles="solid")
    ax.contour(B, Wg, quadratic, levels=[-2.0], colors=[f"C{i}"], linestyles="dashed")
    volume = two_param.loc[i, "log ∫∫L db dw"] / np.log(10)
    ax.plot(*mle, "o", color=f"C{i}", ms=6, label=f"N = {n}: MLE; volume $10^{{{volume:.1f}}}$")
ax.plot(b_true, w_true, "X", color="k", ms=9, label="true value")
ax.plot([], [], "k-", lw=1, label=r"$\mathcal{L} = e^{-2} \max \mathcal{L}$")
ax.plot([], [], "k--", lw=1, label="quadratic approximation")
ax.set(xlabel="intercept $b$", ylabel="slope $w$", xlim=(-1.6, 4.4), ylim=(-0.7, 5.7))
ax.legend(loc="upper right", fontsize=9)
save_figure(fig, "likelihood-contours-two-parameters")
plt.show()

# %% [markdown]
# ## From likelihood to posterior
#
# Bayes' theorem turns the likelihood into a distribution over $\theta$ by multiplying with a
# prior density and dividing by the normalising constant:
#
# $$
# p(\theta \mid \mathcal{D}) = \frac{\mathcal{L}(\theta \mid \mathcal{D})\, p(\theta)}
#                                  {\int \mathcal{L}(\theta' \mid \mathcal{D})\, p(\theta')\, d\theta'} .
# $$
#
# With a **flat** prior on $(b, w)$, $p(b, w) \propto 1$, the posterior is the likelihood divided
# by the volume computed above. The flat prior is not a distribution itself, so the posterior
# exists only if that volume is finite; for logistic regression it is finite exactly when the
# classes are not separated, the same condition under which the MLE exists. We take the first
# $N = 15$ observations, few enough for the prior and the shape of the posterior to matter,
# check that the classes overlap, and compare the flat prior with independent
# $\mathcal{N}(0, 2.5^2)$ priors on $b$ and $w$. Written in PyMC:

# %%
n_post = sizes_2d[0]
x_post, y_post = X2[:n_post, 0], y2[:n_post]
assert ce.separation_direction(X2[:n_post], y_post) is None
WEAK = "N(0, 2.5²)"
PRIORS = {"flat": None, WEAK: 2.5}


def logistic_model(x, y, prior_sd=None):
    """y_i ~ Bernoulli(σ(b + w x_i)); flat priors on b and w, or independent N(0, prior_sd²)."""
    with pm.Model(coords={"obs": np.arange(y.size)}) as model:
        x_data = pm.Data("x", x, dims="obs")
        y_data = pm.Data("y", y, dims="obs")
        if prior_sd is None:
            b, w = pm.Flat("b"), pm.Flat("w")
        else:
            b, w = pm.Normal("b", 0.0, prior_sd), pm.Normal("w", 0.0, prior_sd)
        pm.Bernoulli("y_obs", logit_p=b + w * x_data, observed=y_data, dims="obs")
    return model


models = {name: logistic_model(x_post, y_post, sd) for name, sd in PRIORS.items()}
pm.model_to_graphviz(models[WEAK])

# %% tags=["hide-input"]
# Check: the library's builder (softmax regression with K = 2, class 0 the pivot) has the same
# log density at random points; rounding over 15 terms is far below rtol 1e-10.
library = {
    name: ce.softmax_regression_model(X2[:n_post], y_post, prior=sd or "flat", n_classes=2)
    for name, sd in PRIORS.items()
}
for name in PRIORS:
    mine, theirs = models[name].compile_logp(), library[name].compile_logp()
    for b, w in rng.normal(0.0, 3.0, size=(5, 2)):
        point = {"b_free": np.array([b]), "W_free": np.array([[w]])}
        assert np.isclose(mine({"b": b, "w": w}), theirs(point), rtol=1e-10, atol=0)

# %% [markdown]
# The same posteriors on the grid of the previous section, normalised by quadrature, and their
# moments:

# %%
mle15, H15, b_axis, w_axis, ll15 = grids[n_post]
B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
log_post_grid = {}
for name, sd in PRIORS.items():
    lp = ll15 if sd is None else ll15 - 0.5 * (B**2 + Wg**2) / sd**2
    log_post_grid[name] = lp - ce.log_integral(lp, b_axis, w_axis)


def grid_moments(log_p, b_axis, w_axis):
    """Means, standard deviations and covariance of (b, w) under the grid density exp(log_p)."""
    B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
    p = np.exp(log_p)

    def integrate(f):
        return np.trapezoid(np.trapezoid(p * f, w_axis, axis=1), b_axis)

    mean = np.array([integrate(B), integrate(Wg)])
    sd = np.sqrt([integrate((B - mean[0]) ** 2), integrate((Wg - mean[1]) ** 2)])
    return mean, sd, integrate((B - mean[0]) * (Wg - mean[1]))


# %% [markdown]
# ### Sampling the posterior with NUTS
#
# Four chains of the No-U-Turn sampler explore each posterior; PyMC's log messages are collected
# rather than printed. Before reading anything off the draws we check the sampler: no divergent
# transitions; $\hat R < 1.01$ ($\hat R$ compares the spread of the draws between chains with the
# spread within them, and is 1 when the chains agree); and an effective sample size (ESS, the
# number of independent draws with the same Monte Carlo error) above 400 in the bulk and the
# tails.

# %%
draws = 1_000 if FAST else 2_000
posteriors, messages, summaries = {}, {}, {}
for i, (name, model) in enumerate(models.items()):
    with model, ce.capture_sampler_messages() as messages[name]:
        posteriors[name] = pm.sample(
            draws=draws,
            tune=1_000,
            chains=4,
            cores=1,
            random_seed=RANDOM_SEED + i,
            progressbar=False,
        )
    assert messages[name] and all(m.startswith("INFO: ") for m in messages[name]), messages[name]
    assert int(posteriors[name].sample_stats.to_dataset()["diverging"].sum()) == 0
    summaries[name] = az.summary(
        posteriors[name], var_names=["b", "w"], ci_prob=0.94, ci_kind="hdi"
    )
    assert (summaries[name]["r_hat"] < 1.01).all()
    assert (summaries[name][["ess_bulk", "ess_tail"]] > 400).all(axis=None)
table = pd.concat(summaries, names=["prior"])
table[["mean", "sd", "mcse_mean", "ess_bulk", "ess_tail", "r_hat"]].round(3)

# %%
pc = az.plot_trace_dist(posteriors["flat"], var_names=["b", "w"])
save_figure(pc.get_viz("figure"), "posterior-trace-flat-prior")
plt.show()

# %% [markdown]
# ## Grid, quadratic approximation, NUTS
#
# The quadratic approximation of the log-likelihood turns the flat-prior posterior into a
# normal distribution, $\mathcal{N}(\hat\theta, H^{-1})$: centred at the MLE, with the standard
# errors of notebook 02 as standard deviations. It is the large-$N$ limit of the posterior, not
# the posterior. The table puts the three routes side by side for the flat prior: at $N = 15$
# the grid and NUTS agree within the Monte Carlo error, and the quadratic approximation places
# the mean of $w$ at the MLE, more than a third of a posterior standard deviation below the
# posterior mean, with a standard deviation more than 10% too small. At $N = 1000$ its means
# are within a tenth of a posterior standard deviation of the grid's and its standard
# deviations within 1%.

# %%
rows = []
for n in (sizes_2d[0], sizes_2d[-1]):
    mle, H, b_ax, w_ax, ll = grids[n]
    mean, sd, _ = grid_moments(ll - ce.log_integral(ll, b_ax, w_ax), b_ax, w_ax)
    nuts = summaries["flat"] if n == n_post else np.nan * summaries["flat"]
    for j, param in enumerate(["b", "w"]):
        rows.append([n, param, mean[j], mle[j], nuts.loc[param, "mean"], sd[j]])
        rows[-1] += [np.sqrt(np.linalg.inv(H)[j, j]), nuts.loc[param, "sd"]]
cols = ["N", "", "grid mean", "quad. mean", "NUTS mean", "grid sd", "quad. sd", "NUTS sd"]
routes = pd.DataFrame(rows, columns=cols).set_index(["N", ""])
routes.round(3)

# %% tags=["hide-input"]
# Check: grid against NUTS within 4 Monte Carlo standard errors (mcse; the grid's error is
# ~1e-4, far smaller), which detects a difference of about 0.1 posterior sd. Then the claims
# about the quadratic approximation, on grid values.
for name in PRIORS:
    mean, sd, _ = grid_moments(log_post_grid[name], b_axis, w_axis)
    s = summaries[name].loc[["b", "w"]]
    assert np.all(np.abs(mean - s["mean"]) < 4 * s["mcse_mean"]), name
    assert np.all(np.abs(sd - s["sd"]) < 4 * s["mcse_sd"]), name
r15, r1000 = routes.loc[(n_post, "w")], routes.loc[sizes_2d[-1]]
assert (r15["grid mean"] - r15["quad. mean"]) / r15["grid sd"] > 1 / 3
assert r15["NUTS mean"] - r15["quad. mean"] > 4 * summaries["flat"].loc["w", "mcse_mean"]
assert r15["quad. sd"] < 0.9 * r15["grid sd"]
assert np.all(np.abs(r1000["grid mean"] - r1000["quad. mean"]) < 0.1 * r1000["grid sd"])
assert np.all(np.abs(r1000["quad. sd"] / r1000["grid sd"] - 1) < 0.01)

# %% [markdown]
# ### The mode is not the mean
#
# Under the flat prior on $(b, w)$ the posterior mode (MAP) in these coordinates is the MLE.
# Under the normal prior it is found by `ce.fit_map`, PyMC's `find_MAP` on the library's model;
# the prior pulls it towards zero, here by more than a quarter of a posterior standard
# deviation of $w$. Neither mode summarises its posterior: under either prior the posterior mean
# of $w$ lies more than a third of a posterior standard deviation above the MAP. The figure
# shows the marginal posteriors of $w$ at $N = 15$ under both priors, and at $N = 1000$.

# %%
fit_weak = ce.fit_map(library[WEAK])
map_points = {"flat": mle15, WEAK: np.array([fit_weak.bias[1], fit_weak.weights[1, 0]])}
modes = pd.DataFrame(map_points, index=["MAP b", "MAP w"]).T
modes["mean of w"] = [summaries[name].loc["w", "mean"] for name in PRIORS]
modes["sd of w"] = [summaries[name].loc["w", "sd"] for name in PRIORS]
modes["(mean - MAP) / sd"] = (modes["mean of w"] - modes["MAP w"]) / modes["sd of w"]
modes.round(3)

# %% tags=["hide-input"]
# Check: each MAP against the highest point of its grid posterior (error: one grid step); the
# prior's pull and the mean-mode gap against thresholds far outside the Monte Carlo error of
# the NUTS means (≈ 0.03 sd).
assert fit_weak.converged
for name, point in map_points.items():
    i, j = np.unravel_index(np.argmax(log_post_grid[name]), B.shape)
    assert abs(b_axis[i] - point[0]) <= b_axis[1] - b_axis[0]
    assert abs(w_axis[j] - point[1]) <= w_axis[1] - w_axis[0]
assert np.linalg.norm(map_points[WEAK]) < np.linalg.norm(map_points["flat"])
assert (map_points["flat"][1] - map_points[WEAK][1]) / modes.loc[WEAK, "sd of w"] > 0.25
assert (modes["(mean - MAP) / sd"] > 1 / 3).all()

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
panels = [(n_post, "flat", log_post_grid["flat"]), (n_post, WEAK, log_post_grid[WEAK])]
mle, H, b_ax, w_ax, ll = grids[sizes_2d[-1]]
panels.append((sizes_2d[-1], "flat", ll - ce.log_integral(ll, b_ax, w_ax)))
for ax, (n, name, log_p) in zip(axes, panels):
    mle, H, b_ax, w_ax, _ = grids[n]
    marginal = np.trapezoid(np.exp(log_p), b_ax, axis=0)
    if n == n_post:
        w_s = posteriors[name].posterior.to_dataset()["w"].values.ravel()
        ax.hist(w_s, bins=60, range=(-1, 9), density=True, alpha=0.35, label="NUTS draws")
        ax.axvline(map_points[name][1], color="C3", ls=":", lw=2, label="MAP")
    ax.plot(w_ax, marginal, color="C0", label="grid")
    if name == "flat":
        quad = stats.norm(mle[1], np.sqrt(np.linalg.inv(H)[1, 1]))
        ax.plot(w_ax, quad.pdf(w_ax), "k--", label="quadratic approximation")
    ax.axvline(np.trapezoid(marginal * w_ax, w_ax), color="C1", lw=1.5, label="posterior mean")
    ax.set(title=f"N = {n}, prior {name}", xlabel="slope $w$")
    ax.set(xlim=(-1, 9) if n == n_post else (1.1, 1.85), ylim=(0, marginal.max() * 1.5))
    ax.legend(loc="upper right", fontsize=9)
axes[0].set_ylabel("marginal posterior density")
save_figure(fig, "posterior-marginals-grid-quadratic-nuts")
plt.show()

# %% [markdown]
# ## Predicting with the posterior
#
# The plug-in predictive uses the single best parameter value, $\sigma(\hat b + \hat w x)$. The
# posterior predictive averages over the parameter uncertainty,
#
# $$
# p(y = 1 \mid x, \mathcal{D}) = \int \sigma(b + w x)\, p(b, w \mid \mathcal{D})\, db\, dw
#   \approx \frac{1}{S} \sum_{s=1}^S \sigma(b_s + w_s x).
# $$
#
# The logit $\eta(x) = b + w x$ has posterior variance
# $\operatorname{Var} b + 2x \operatorname{Cov}(b, w) + x^2 \operatorname{Var} w$, a parabola in
# $x$: under the flat prior its standard deviation is below 1 near the centre of the data and
# above 4 at $x = \pm 3$. Since $\sigma$ is concave where $\eta > 0$ and convex where $\eta < 0$,
# averaging it over logits spread on one side of 0 pulls the average towards $\tfrac12$
# (Jensen's inequality), the more so the wider the spread. Here, wherever the logit's standard deviation
# exceeds 3, under either prior, the posterior predictive is closer to $\tfrac12$ than the
# plug-in. The log-odds panel shows it: the plug-in's log-odds are a straight line, the
# predictive's bend towards 0 as the band of $\eta$ widens. Near the centre, where the spread
# is smallest, the two differ for another reason: the posterior mean of the logit,
# $\operatorname{E} b + x \operatorname{E} w$, is not the MLE's logit (the posterior is skewed),
# and at the centre that shift moves the predictive more than the spread does. PyMC draws
# labels from the predictive directly (`sample_posterior_predictive` on new inputs set with
# `pm.set_data`).

# %%
x_new = np.linspace(-3.0, 3.0, 61)
plugin = expit(mle15[0] + mle15[1] * x_new)
eta, pred, pred_se = {}, {}, {}
for name, dt in posteriors.items():
    post = dt.posterior.to_dataset()
    eta[name] = post["b"].values[..., None] + post["w"].values[..., None] * x_new  # chain, draw, x
    pred[name] = expit(eta[name]).mean(axis=(0, 1))
    pred_se[name] = az.mcse(expit(eta[name]))  # Monte Carlo standard error of pred

new_data = {"x": x_new, "y": np.zeros(x_new.size, dtype=np.int64)}
with models["flat"], ce.capture_sampler_messages() as ppc_messages:
    pm.set_data(new_data, coords={"obs": np.arange(x_new.size)})
    ppc = pm.sample_posterior_predictive(posteriors["flat"], random_seed=1, progressbar=False)
assert all(m.startswith("INFO: ") for m in ppc_messages), ppc_messages
freq = ppc.posterior_predictive.to_dataset()["y_obs"].values.mean(axis=(0, 1))

# %% tags=["hide-input"]
# Check: the claims on grid values (quadrature error ~1e-5); NUTS against the grid within
# 4 Monte Carlo standard errors; PyMC's label draws against the averaged probability within
# 4 binomial standard errors (about 0.01).
for name in PRIORS:
    p = np.exp(log_post_grid[name])[..., None] * expit(B[..., None] + Wg[..., None] * x_new)
    pred_grid = np.trapezoid(np.trapezoid(p, w_axis, axis=1), b_axis, axis=0)
    assert np.all(np.abs(pred[name] - pred_grid) < 4 * pred_se[name]), name
    mean, sd, cov = grid_moments(log_post_grid[name], b_axis, w_axis)
    sd_eta = np.sqrt(sd[0] ** 2 + 2 * x_new * cov + x_new**2 * sd[1] ** 2)
    wide = sd_eta > 3
    assert wide.any() and np.all(np.abs(pred_grid - 0.5)[wide] < np.abs(plugin - 0.5)[wide])
    if name == "flat":
        assert sd_eta.min() < 1 and sd_eta[[0, -1]].min() > 4
        c, mean_eta = np.argmin(sd_eta), mean[0] + mean[1] * x_new
        spread, shift = pred_grid[c] - expit(mean_eta[c]), expit(mean_eta[c]) - plugin[c]
        assert abs(shift) > abs(spread), (shift, spread)
assert np.all(
    np.abs(freq - pred["flat"]) < 4 * np.sqrt(pred["flat"] * (1 - pred["flat"]) / (4 * draws))
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
axes[0].plot(x_new, plugin, "k--", label="plug-in MLE")
axes[0].plot(x_new, pred["flat"], color="C0", label="posterior predictive, flat prior")
axes[0].plot(x_new, pred[WEAK], color="C1", ls="-.", label=f"posterior predictive, {WEAK}")
axes[0].plot(x_new, freq, "o", color="C0", ms=4, mfc="none", label="frequency of PyMC draws")
rug = y_post + np.where(y_post == 1, 0.03, -0.03)
axes[0].plot(x_post, rug, "|", color="0.3", ms=10, label="data")
axes[0].set(xlabel="feature $x$", ylabel=r"$P(y = 1 \mid x)$")
axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 0.08), fontsize=9)
lo, hi = np.quantile(eta["flat"], [0.03, 0.97], axis=(0, 1))
axes[1].fill_between(x_new, lo, hi, alpha=0.2, label=r"94% interval of $\eta = b + wx$")
axes[1].plot(x_new, eta["flat"].mean(axis=(0, 1)), "C0:", label=r"posterior mean of $\eta$")
axes[1].plot(x_new, logit(pred["flat"]), "C0", label="log-odds of the posterior predictive")
axes[1].plot(x_new, logit(plugin), "k--", label=r"plug-in $\hat b + \hat w x$")
axes[1].set(xlabel="feature $x$", ylabel="log-odds, flat prior", ylim=(-12, 16))
axes[1].legend(loc="upper left", fontsize=9)
save_figure(fig, "posterior-predictive-vs-plugin")
plt.show()

# %% [markdown]
# ## Summary
#
# The likelihood is a function of $\theta$ whose integral is an arbitrary positive number that
# depends on the sample size and on the coordinates chosen for $\theta$; its maximiser, the MLE,
# does not depend on the coordinates. Cross-entropy training computes that maximiser, and the
# Hessian of the same loss gives its standard errors and Wald intervals (estimate
# $\pm\, 1.96$ standard errors, notebook 02): statements about how the estimator varies over
# repeated data sets. What the likelihood alone does not give is a probability distribution
# over $\theta$. That needs a prior; the posterior then integrates to 1, can be sampled, and its
# mode, its mean and its predictions are different things. With much data the posterior is
# close to the normal distribution of the quadratic approximation, centred at the MLE with the
# Hessian's inverse as covariance (at $N = 1000$ here); with little data (at $N = 15$) it is
# not, and only the grid or the sampler describe it.
#
# ## References
#
# - Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A. and Rubin, D. B. (2013).
#   *Bayesian Data Analysis*, 3rd ed., ch. 4 (normal approximations to the posterior). CRC Press.
# - McElreath, R. (2020). *Statistical Rethinking*, 2nd ed., ch. 2-4 (grid approximation,
#   quadratic approximation, sampling). CRC Press.
# - Pawitan, Y. (2001). *In All Likelihood: Statistical Modelling and Inference Using
#   Likelihood*, ch. 2 (the likelihood is not a density; invariance of the MLE). Oxford
#   University Press.
# - MacKay, D. J. C. (1992). The evidence framework applied to classification networks.
#   *Neural Computation* 4(5), 720-736 (the posterior predictive moderated towards ½).
# - Hoffman, M. D. and Gelman, A. (2014). The No-U-Turn sampler. *Journal of Machine Learning
#   Research* 15, 1593-1623.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
