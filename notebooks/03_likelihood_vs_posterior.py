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
# This notebook computes that integral, with one parameter and with two, shows that it is not 1
# and that it depends on the sample size and on how $\theta$ is parametrised, and then builds
# the object that *is* a distribution over $\theta$, the posterior
# $p(\theta \mid \mathcal{D}) \propto \mathcal{L}(\theta \mid \mathcal{D})\, p(\theta)$, by NUTS
# sampling in PyMC.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
from scipy import optimize
from scipy.special import betaln, expit

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
# true log-odds $0.4$ and look at the first $N = 10$, $100$ and $1000$ of them.

# %%
theta_true = 0.4
X1, y1, _ = ce.simulate(1_000, np.zeros((2, 0)), np.array([0.0, theta_true]), rng)
sizes_1d = [10, 100, 1_000]

theta_axis = np.linspace(-30.0, 30.0, 6_001 if FAST else 12_001)


def loglik_1d(n, theta):
    """log L(theta | first n labels) of the intercept-only binary model, for an array of theta."""
    theta = np.atleast_1d(theta)
    bias = np.column_stack([np.zeros_like(theta), theta])
    return ce.log_likelihood_grid(X1[:n], y1[:n], np.zeros((theta.size, 2, 0)), bias)


rows = []
for n in sizes_1d:
    k = int(y1[:n].sum())
    log_int = ce.log_integral(loglik_1d(n, theta_axis), theta_axis)
    rows.append((n, k, log_int, betaln(k, n - k), np.exp(log_int)))
one_param = pd.DataFrame(
    rows, columns=["N", "k", "log ∫L dθ (quadrature)", "log B(k, N-k)", "∫L dθ"]
)
one_param

# %% [markdown]
# The quadrature agrees with the beta function to six digits or more, and the "total
# likelihood" is nowhere near 1: it is far below 1 already for ten observations and shrinks with
# every observation added. It must shrink: adding an observation multiplies $\mathcal{L}(\theta)$ at every
# $\theta$ by a probability below one.

# %%
log_ints = one_param["log ∫L dθ (quadrature)"].to_numpy()
assert np.allclose(log_ints, one_param["log B(k, N-k)"], rtol=0, atol=1e-6)
assert np.all(np.abs(log_ints) > 1)  # not 1, not even close
assert np.all(np.diff(log_ints) < 0)  # strictly smaller for every larger N

# %% [markdown]
# ### Changing the parametrisation
#
# Nothing forces us to describe the model by its log-odds. The odds $\omega = e^\theta$ are an
# equally valid parameter, and the likelihood is the same function of the model, written in the
# new coordinate: $\tilde{\mathcal{L}}(\omega) = \mathcal{L}(\log \omega) = \omega^k / (1 + \omega)^N$.
# Two things happen.
#
# * **The maximiser moves with the map.** The MLE of the odds is the odds of the MLE,
#   $\hat\omega = e^{\hat\theta} = k / (N - k)$: maximising over $\omega$ or over $\theta$ picks
#   the same model.
# * **The area does not.** $\int_0^\infty \tilde{\mathcal{L}}(\omega)\, d\omega = B(k + 1, N - k - 1)$,
#   a different number from $\int \mathcal{L}\, d\theta = B(k, N - k)$. A probability density
#   would not behave like this: a density of $\theta$ becomes a density of $\omega$ only after
#   multiplying by the Jacobian $|d\theta / d\omega| = 1/\omega$, and then its integral is
#   unchanged. The likelihood has no Jacobian to pick up, because it is not a density in
#   $\theta$.
#
# First the maximisers, found by two separate numerical optimisations:

# %%
rows = []
for n in sizes_1d:
    k = int(y1[:n].sum())
    theta_hat = ce.fit_cross_entropy(X1[:n], y1[:n]).bias[1]
    res = optimize.minimize_scalar(
        lambda w, n=n: -loglik_1d(n, np.log(w))[0],
        bounds=(1e-3, 1e3),
        method="bounded",
        options={"xatol": 1e-10},
    )
    rows.append((n, k, theta_hat, np.exp(theta_hat), res.x, k / (n - k)))
invariance = pd.DataFrame(
    rows, columns=["N", "k", "θ̂", "exp(θ̂)", "ω̂ (maximised over ω)", "k/(N-k)"]
)
invariance

# %%
assert np.allclose(invariance["ω̂ (maximised over ω)"], invariance["exp(θ̂)"], rtol=1e-6)
assert np.allclose(invariance["exp(θ̂)"], invariance["k/(N-k)"], rtol=1e-8)

# %% [markdown]
# Then the areas. The grid $\omega_j = e^{\theta_j}$ is uneven, which the trapezoid rule handles.

# %%
omega_axis = np.exp(theta_axis)
rows = []
for n in sizes_1d:
    k = int(y1[:n].sum())
    ll = loglik_1d(n, theta_axis)
    rows.append(
        (
            n,
            ce.log_integral(ll, theta_axis),
            ce.log_integral(ll, omega_axis),  # ∫ L(log ω) dω
            betaln(k + 1, n - k - 1),
            ce.log_integral(ll - theta_axis, omega_axis),  # ∫ L(log ω) / ω dω, with the Jacobian
        )
    )
areas = pd.DataFrame(
    rows, columns=["N", "log ∫L dθ", "log ∫L dω", "log B(k+1, N-k-1)", "log ∫L/ω dω"]
)
areas

# %%
assert np.allclose(areas["log ∫L dω"], areas["log B(k+1, N-k-1)"], rtol=0, atol=1e-4)
assert np.all(np.abs(areas["log ∫L dω"] - areas["log ∫L dθ"]) > 0.1)  # the area changed
# With the Jacobian 1/ω the area is the original one again.
assert np.allclose(areas["log ∫L/ω dω"], areas["log ∫L dθ"], rtol=0, atol=1e-4)

# %% [markdown]
# The contrast runs the other way for densities. Normalise $\mathcal{L}$ over $\theta$ into a
# density (this is the posterior under a flat prior on $\theta$, see below) and transform it to
# $\omega$ with its Jacobian: its mode lands at $(k - 1)/(N - k + 1)$, not at $\hat\omega$.
# Modes of densities depend on the parametrisation; maximisers of the likelihood do not.

# %%
n = sizes_1d[0]
k = int(y1[:n].sum())
log_density_omega = loglik_1d(n, theta_axis) - theta_axis  # density of ω, up to a constant
mode_omega = omega_axis[np.argmax(log_density_omega)]
omega_hat = k / (n - k)
print(f"N = {n}: MLE of the odds {omega_hat:.4f}; mode of the transformed density {mode_omega:.4f}")
spacing = omega_axis[np.argmax(log_density_omega) + 1] - mode_omega
assert abs(mode_omega - (k - 1) / (n - k + 1)) <= spacing
assert abs(mode_omega - omega_hat) > 0.1

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
ll10 = loglik_1d(n, theta_axis)
L10 = np.exp(ll10)
theta_hat10 = np.log(omega_hat)
axes[0].fill_between(theta_axis, L10, alpha=0.4)
axes[0].plot(theta_axis, L10)
axes[0].axvline(theta_hat10, color="k", ls="--", lw=1)
axes[0].set_xlim(-4, 3)
axes[0].set_xlabel(r"log-odds $\theta$")
axes[0].set_ylabel(r"$\mathcal{L}$")
area_theta, area_omega = np.exp(areas["log ∫L dθ"][0]), np.exp(areas["log ∫L dω"][0])
axes[0].set_title(rf"$N = {n}$: area $\int\mathcal{{L}}\,d\theta$ = {area_theta:.2e}", fontsize=11)
axes[1].fill_between(omega_axis, L10, alpha=0.4)
axes[1].plot(omega_axis, L10)
axes[1].axvline(omega_hat, color="k", ls="--", lw=1, label=r"MLE, $\hat\omega = e^{\hat\theta}$")
axes[1].set_xlim(0, 4)
axes[1].set_xlabel(r"odds $\omega = e^\theta$")
axes[1].set_title(
    rf"same function: area $\int\mathcal{{L}}\,d\omega$ = {area_omega:.2e}", fontsize=11
)
axes[1].legend(loc="upper right", fontsize=9)
n_all = np.arange(2, y1.size + 1)
k_all = np.cumsum(y1)[n_all - 1]
ok = (k_all > 0) & (k_all < n_all - 1)
n_ok, k_ok = n_all[ok], k_all[ok]
axes[2].plot(n_ok, betaln(k_ok, n_ok - k_ok) / np.log(10), label=r"$\int\mathcal{L}\,d\theta$")
axes[2].plot(
    n_ok,
    betaln(k_ok + 1, n_ok - k_ok - 1) / np.log(10),
    ls="--",
    label=r"$\int\mathcal{L}\,d\omega$",
)
axes[2].axhline(0, color="k", lw=0.8)
axes[2].set_xscale("log")
axes[2].set_xlabel("number of observations $N$")
axes[2].set_ylabel(r"$\log_{10}$ of the area")
axes[2].legend(loc="lower left", fontsize=9)
save_figure(fig, "likelihood-area-one-parameter")
plt.show()

# %% [markdown]
# ## Two parameters
#
# Now binary logistic regression with one feature: $q(y = 1 \mid x) = \sigma(b + w x)$, with
# intercept $b$ and slope $w$, true values $b = -0.5$ and $w = 1.5$. There is no closed form for
# the integral, so we integrate over a grid centred on the MLE that reaches 8 standard errors
# in each direction, and check that a wider, coarser grid reaching 12 standard errors gives the
# same answer.

# %%
b_true, w_true = -0.5, 1.5
X2, y2, _ = ce.simulate(1_000, np.array([[0.0], [w_true]]), np.array([0.0, b_true]), rng)
sizes_2d = [50, 150, 500]
n_grid = 121 if FAST else 201


def likelihood_grid_2d(n, b_axis, w_axis):
    """log L(b, w | first n observations) on the grid b_axis x w_axis, shape (len(b), len(w))."""
    B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
    weights = np.zeros((B.size, 2, 1))
    weights[:, 1, 0] = Wg.ravel()
    bias = np.column_stack([np.zeros(B.size), B.ravel()])
    return ce.log_likelihood_grid(X2[:n], y2[:n], weights, bias).reshape(B.shape)


def grid_around_mle(n, reach, points):
    fit = ce.fit_cross_entropy(X2[:n], y2[:n])
    se = ce.standard_errors(X2[:n], y2[:n], fit.weights, fit.bias)  # [b, w]
    unit = np.linspace(-1.0, 1.0, points)
    return fit, fit.bias[1] + reach * se[0] * unit, fit.weights[1, 0] + reach * se[1] * unit


rows, grids = [], {}
for n in sizes_2d:
    fit, b_axis, w_axis = grid_around_mle(n, 8, n_grid)
    ll = likelihood_grid_2d(n, b_axis, w_axis)
    _, b_wide, w_wide = grid_around_mle(n, 12, n_grid)
    grids[n] = (b_axis, w_axis, ll, fit)
    rows.append(
        (
            n,
            fit.bias[1],
            fit.weights[1, 0],
            ce.log_integral(ll, b_axis, w_axis),
            ce.log_integral(likelihood_grid_2d(n, b_wide, w_wide), b_wide, w_wide),
            ce.log_integral(ll, np.exp(b_axis), w_axis),  # over (α, w) with α = e^b
            ce.log_integral(
                ll + b_axis[:, None], b_axis, w_axis
            ),  # the same, by change of variables
        )
    )
two_param = pd.DataFrame(
    rows,
    columns=["N", "b̂", "ŵ", "log ∫∫L db dw", "(wider grid)", "log ∫∫L dα dw", "log ∫∫L e^b db dw"],
)
two_param

# %% [markdown]
# Same picture as with one parameter: the volume under the likelihood is tiny, shrinks as data
# accumulate, and changes when the intercept is replaced by the baseline odds $\alpha = e^b$
# (the two right-hand columns compute $\int\!\!\int \mathcal{L}\, d\alpha\, dw$ once on the uneven
# grid in $\alpha$ and once through the Jacobian $e^b$; they agree).

# %%
vol = two_param["log ∫∫L db dw"].to_numpy()
assert np.allclose(vol, two_param["(wider grid)"], rtol=0, atol=1e-3)  # the grid captures it
assert np.all(np.abs(vol) > 1)
assert np.all(np.diff(vol) < 0)
assert np.allclose(two_param["log ∫∫L dα dw"], two_param["log ∫∫L e^b db dw"], rtol=0, atol=1e-3)
assert np.all(np.abs(two_param["log ∫∫L dα dw"] - vol) > 0.01)

# %% [markdown]
# And the MLE is again invariant: maximising the likelihood over $(\alpha, w)$ directly, with the
# gradient from the chain rule $\partial/\partial\alpha = (1/\alpha)\, \partial/\partial b$, returns
# $(e^{\hat b}, \hat w)$.

# %%
objectives = {n: ce.SoftmaxRegressionLoss(X2[:n], y2[:n], 2) for n in sizes_2d}


def nll_alpha_w(params, n):
    alpha, w = params
    theta = ce.pack_params(np.array([[0.0], [w]]), np.array([0.0, np.log(alpha)]))  # (b, w)
    nll, (g_b, g_w) = objectives[n].loss_gradient(theta)
    return nll, np.array([g_b / alpha, g_w])


for n in sizes_2d:
    fit = grids[n][3]
    res = optimize.minimize(
        nll_alpha_w,
        x0=[1.0, 0.0],
        args=(n,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(1e-6, None), (None, None)],
        options={"gtol": 1e-10, "ftol": 1e-15},
    )
    print(
        f"N = {n:4d}: (α̂, ŵ) = ({res.x[0]:.6f}, {res.x[1]:.6f});  "
        f"(e^b̂, ŵ) = ({np.exp(fit.bias[1]):.6f}, {fit.weights[1, 0]:.6f})"
    )
    assert res.success
    assert np.allclose(res.x, [np.exp(fit.bias[1]), fit.weights[1, 0]], rtol=1e-5, atol=1e-6)

# %% [markdown]
# The figure draws, for each sample size, the contour where the likelihood is $e^{-2}$ of its
# maximum, in the original coordinates and in $(\alpha, w)$. The regions inside the contours
# shrink as $N$ grows, roughly like $1/N$ in area; in the new coordinates the same regions change
# shape, but their maximisers, marked, are the images of the original ones.

# %%
region_area = []
for n in sizes_2d:
    b_axis, w_axis, ll, _ = grids[n]
    cell = (b_axis[1] - b_axis[0]) * (w_axis[1] - w_axis[0])
    region_area.append(np.sum(ll - ll.max() >= -2.0) * cell)
region_area = np.array(region_area)
print(
    "area of {L >= e^-2 max L} in (b, w):",
    np.round(region_area, 4),
    "; times N:",
    np.round(region_area * np.array(sizes_2d), 2),
)
assert np.all(np.diff(region_area) < 0)
scaled = region_area * np.array(sizes_2d)
assert scaled.max() < 2 * scaled.min()  # area x N stays within a factor of 2

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for i, n in enumerate(sizes_2d):
    b_axis, w_axis, ll, fit = grids[n]
    rel = ll - ll.max()
    volume = two_param.loc[i, "log ∫∫L db dw"] / np.log(10)
    coordinates = ((axes[0], b_axis, fit.bias[1]), (axes[1], np.exp(b_axis), np.exp(fit.bias[1])))
    for ax, first_axis, centre in coordinates:
        ax.contour(
            *np.meshgrid(first_axis, w_axis, indexing="ij"),
            rel,
            levels=[-2.0],
            colors=[f"C{i}"],
            linestyles="solid",
        )
        ax.plot(
            centre,
            fit.weights[1, 0],
            "o",
            color=f"C{i}",
            ms=5,
            label=f"N = {n}: volume $10^{{{volume:.1f}}}$",
        )
for ax in axes:
    true_first = b_true if ax is axes[0] else np.exp(b_true)
    ax.plot(true_first, w_true, "X", color="k", ms=8, label="true value")
    ax.set_ylabel("slope $w$")
axes[0].set_xlabel("intercept $b$")
axes[0].set_xlim(-1.2, 0.8)
axes[1].set_xlabel(r"baseline odds $\alpha = e^b$")
axes[1].set_xlim(0.2, 2.2)
for ax in axes:
    ax.set_ylim(0.2, 2.2)
axes[0].legend(loc="upper left", fontsize=9)
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
# With a **flat** prior, $p(\theta) \propto 1$, the posterior is the likelihood divided by the
# integral we have been computing. The flat prior is not a distribution itself, so the posterior
# exists only if that integral is finite. For logistic regression it is finite exactly when the
# classes are not separated, the same condition under which the MLE exists. We take the first
# $N = 50$ observations of the two-parameter data, check that they overlap, and compare the flat
# prior with a weakly informative one, independent $\mathcal{N}(0, 2.5^2)$ priors on $b$ and $w$.

# %%
n_post = 50
Xp, yp = X2[:n_post], y2[:n_post]
assert ce.separation_direction(Xp, yp) is None
SIGMA_PRIOR = 2.5

b_axis, w_axis, ll_post, mle_post = grids[n_post]
B, Wg = np.meshgrid(b_axis, w_axis, indexing="ij")
log_prior = -0.5 * (B**2 + Wg**2) / SIGMA_PRIOR**2
log_z_flat = ce.log_integral(ll_post, b_axis, w_axis)
log_z_weak = ce.log_integral(ll_post + log_prior, b_axis, w_axis)
log_post_grid = {
    "flat": ll_post - log_z_flat,
    f"N(0, {SIGMA_PRIOR}²)": ll_post + log_prior - log_z_weak,
}

# %% [markdown]
# Normalised on one grid, each posterior must integrate to 1 on any other grid that covers it.
# We check that on the wider grid used above.

# %%
_, b_wide, w_wide = grid_around_mle(n_post, 12, n_grid)
Bw, Ww = np.meshgrid(b_wide, w_wide, indexing="ij")
ll_wide = likelihood_grid_2d(n_post, b_wide, w_wide)
lp_wide = -0.5 * (Bw**2 + Ww**2) / SIGMA_PRIOR**2
total_flat = np.exp(ce.log_integral(ll_wide - log_z_flat, b_wide, w_wide))
total_weak = np.exp(ce.log_integral(ll_wide + lp_wide - log_z_weak, b_wide, w_wide))
print(
    f"posterior mass on the second grid: flat {total_flat:.6f}, weakly informative {total_weak:.6f}"
)
assert abs(total_flat - 1) < 1e-3 and abs(total_weak - 1) < 1e-3

# %% [markdown]
# ### Sampling the posterior with NUTS
#
# The library builds the same model in PyMC (`prior="flat"` puts `pm.Flat` on every free
# parameter; a number puts a normal prior with that standard deviation). Four chains of the
# No-U-Turn sampler explore each posterior. PyMC's log messages are collected rather than
# printed, and checked below.

# %%
draws = 1_000 if FAST else 2_000
posteriors, models, sampler_messages = {}, {}, {}
for i, (name, prior) in enumerate([("flat", "flat"), (f"N(0, {SIGMA_PRIOR}²)", SIGMA_PRIOR)]):
    models[name] = ce.softmax_regression_model(Xp, yp, prior=prior, n_classes=2)
    with models[name], ce.capture_sampler_messages() as sampler_messages[name]:
        posteriors[name] = pm.sample(
            draws=draws,
            tune=1_000,
            chains=4,
            cores=1,
            random_seed=RANDOM_SEED + i,
            progressbar=False,
        )

# %% [markdown]
# Before reading anything off the samples we check the sampler: no divergent transitions,
# $\hat R < 1.01$, at least 400 effective draws (100 per chain) in the bulk and in the tails, and
# nothing but informational messages from PyMC (no warning, no convergence complaint).

# %%
summaries = {}
for name, dt in posteriors.items():
    messages = sampler_messages[name]
    assert messages and all(m.startswith("INFO: ") for m in messages), messages
    assert not any(k in m for m in messages for k in ("diverg", "rhat", "effective sample")), (
        messages
    )
    summaries[name] = az.summary(dt, var_names=["b_free", "W_free"], ci_prob=0.94, ci_kind="hdi")
    n_divergent = int(dt.sample_stats.to_dataset()["diverging"].sum())
    print(f"{name}: {n_divergent} divergences")
    assert n_divergent == 0
    assert (summaries[name]["r_hat"] < 1.01).all()
    assert (summaries[name]["ess_bulk"] > 400).all() and (summaries[name]["ess_tail"] > 400).all()
pd.concat(summaries, names=["prior"])


# %% [markdown]
# ### The samples against the grid
#
# Two independent routes to the same posterior: quadrature of $\mathcal{L}\, p$ on the grid, and
# NUTS. Their means and standard deviations must agree within the Monte Carlo error of the
# samples (we allow four Monte Carlo standard errors).


# %%
def grid_moments(log_p):
    p = np.exp(log_p)

    def integrate(f):
        return np.trapezoid(np.trapezoid(p * f, w_axis, axis=1), b_axis)

    mean_b, mean_w = integrate(B), integrate(Wg)
    return {
        "b_free[1]": (mean_b, np.sqrt(integrate((B - mean_b) ** 2))),
        "W_free[1, x0]": (mean_w, np.sqrt(integrate((Wg - mean_w) ** 2))),
    }


rows = []
for name in posteriors:
    for param, (mean, sd) in grid_moments(log_post_grid[name]).items():
        s = summaries[name].loc[param]
        rows.append((name, param, mean, s["mean"], s["mcse_mean"], sd, s["sd"], s["mcse_sd"]))
compare = pd.DataFrame(
    rows,
    columns=[
        "prior",
        "parameter",
        "grid mean",
        "NUTS mean",
        "mcse mean",
        "grid sd",
        "NUTS sd",
        "mcse sd",
    ],
)
compare.round(4)

# %%
assert np.all(np.abs(compare["grid mean"] - compare["NUTS mean"]) < 4 * compare["mcse mean"])
assert np.all(np.abs(compare["grid sd"] - compare["NUTS sd"]) < 4 * compare["mcse sd"])

# %% [markdown]
# ### The MAP point is not the posterior mean
#
# Under the flat prior the posterior mode (MAP) is the MLE. Under the normal prior it is found
# by `fit_map`, PyMC's `find_MAP` on the model with that prior; it sits closer to zero than the
# MLE, pulled in by the prior. Both modes agree with the highest point of their grid posterior.
# With 50 observations the posterior is visibly skewed, and its mean differs from its mode by
# many Monte Carlo standard errors: the MAP is a point estimate, not a summary of the posterior.

# %%
map_points = {
    "flat": np.array([mle_post.bias[1], mle_post.weights[1, 0]]),
    f"N(0, {SIGMA_PRIOR}²)": (lambda f: np.array([f.bias[1], f.weights[1, 0]]))(
        ce.fit_map(models[f"N(0, {SIGMA_PRIOR}²)"])
    ),
}
db, dw = b_axis[1] - b_axis[0], w_axis[1] - w_axis[0]
for name, point in map_points.items():
    i, j = np.unravel_index(np.argmax(log_post_grid[name]), B.shape)
    assert abs(B[i, j] - point[0]) <= db and abs(Wg[i, j] - point[1]) <= dw, name
    s = summaries[name]
    gap = s.loc["W_free[1, x0]", "mean"] - point[1]
    print(
        f"{name}: MAP (b, w) = ({point[0]:.3f}, {point[1]:.3f}); posterior mean of w minus MAP: "
        f"{gap:.3f} ({gap / s.loc['W_free[1, x0]', 'mcse_mean']:.0f} Monte Carlo s.e.)"
    )
    assert abs(gap) > 4 * s.loc["W_free[1, x0]", "mcse_mean"]
assert np.linalg.norm(map_points[f"N(0, {SIGMA_PRIOR}²)"]) < np.linalg.norm(map_points["flat"])

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharex=True, sharey=True)
for ax, (name, dt) in zip(axes, posteriors.items()):
    post = dt.posterior.to_dataset()
    b_s = post["b_free"].values.ravel()
    w_s = post["W_free"].values.ravel()
    ax.scatter(b_s, w_s, s=2, alpha=0.15, color="C0", label="NUTS draws")
    density = np.exp(log_post_grid[name])
    levels = density.max() * np.exp(-0.5 * np.array([9.0, 4.0, 1.0]))
    ax.contour(B, Wg, density, levels=levels, colors="k", linewidths=0.9)
    ax.plot(*map_points[name], "*", color="C3", ms=15, label="MAP")
    ax.plot(b_s.mean(), w_s.mean(), "P", color="C2", ms=11, label="posterior mean")
    ax.set_title(f"prior {name}", fontsize=11)
    ax.set_xlabel("intercept $b$")
    ax.set_xlim(-1.6, 1.3)
    ax.set_ylim(-0.3, 2.9)
axes[0].set_ylabel("slope $w$")
axes[0].legend(loc="upper left", fontsize=9, markerscale=1)
save_figure(fig, "posterior-samples-grid-and-map")
plt.show()

# %% [markdown]
# The black contours come from the grid, the cloud from the sampler: the same distribution. The
# ArviZ views of the same draws follow: the marginal posteriors under both priors, and the
# traces of the flat-prior chains, which mix well.

# %%
pc = az.plot_dist(posteriors, var_names=["b_free", "W_free"])
pc.add_legend("model")
save_figure(pc.get_viz("figure"), "posterior-marginals-two-priors")
plt.show()

# %%
pc = az.plot_trace_dist(posteriors["flat"], var_names=["b_free", "W_free"])
save_figure(pc.get_viz("figure"), "posterior-trace-flat-prior")
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
# PyMC draws labels from it directly (`sample_posterior_predictive` on new inputs via
# `pm.set_data`); their frequency must match the averaged probability up to the binomial
# noise of the draws.

# %%
x_new = np.linspace(-3.0, 3.0, 31)
S = 4 * draws
pred = {}
for name, dt in posteriors.items():
    post = dt.posterior.to_dataset()
    b_s, w_s = post["b_free"].values.reshape(S, 1), post["W_free"].values.reshape(S, 1)
    pred[name] = expit(b_s + w_s * x_new)  # (S, len(x_new))
plugin = mle_post.predict_proba(x_new[:, None])[:, 1]

with models["flat"], ce.capture_sampler_messages() as ppc_messages:
    pm.set_data(
        {"X": x_new[:, None], "y": np.zeros(x_new.size, dtype=np.int64)},
        coords={"obs": np.arange(x_new.size)},
    )
    ppc = pm.sample_posterior_predictive(
        posteriors["flat"], var_names=["y_obs"], random_seed=RANDOM_SEED, progressbar=False
    )
assert all(m.startswith("INFO: ") for m in ppc_messages), ppc_messages
y_draws = ppc.posterior_predictive.to_dataset()["y_obs"].values.reshape(S, x_new.size)
freq = y_draws.mean(axis=0)
mc_se = np.sqrt((pred["flat"] * (1 - pred["flat"])).mean(axis=0) / S)
assert np.all(np.abs(freq - pred["flat"].mean(axis=0)) < 4 * mc_se)

# %% [markdown]
# The posterior predictive is less confident than the plug-in one away from the data's centre:
# at the ends of the range, where a small change in the slope moves $\sigma(b + w x)$ the most,
# averaging over the posterior pulls the probability towards $\tfrac12$. Near the centre the two
# nearly coincide.

# %%
post_mean = {name: p.mean(axis=0) for name, p in pred.items()}
ends = [0, -1]
for name, p in post_mean.items():
    print(f"{name}: P(y=1 | x=-3) = {p[0]:.4f}, P(y=1 | x=3) = {p[-1]:.4f}")
print(f"plug-in MLE: P(y=1 | x=-3) = {plugin[0]:.4f}, P(y=1 | x=3) = {plugin[-1]:.4f}")
for p in post_mean.values():
    assert np.all(np.abs(p[ends] - 0.5) < np.abs(plugin[ends] - 0.5))
centre = np.argmin(np.abs(x_new))
assert abs(post_mean["flat"][centre] - plugin[centre]) < 0.05

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.4))
lo, hi = np.quantile(pred["flat"], [0.03, 0.97], axis=0)
ax.fill_between(
    x_new, lo, hi, color="C0", alpha=0.2, label=r"94% interval of $\sigma(b + wx)$, flat prior"
)
ax.plot(x_new, post_mean["flat"], color="C0", label="posterior predictive, flat prior")
ax.plot(
    x_new,
    post_mean[f"N(0, {SIGMA_PRIOR}²)"],
    color="C1",
    ls="-.",
    label=f"posterior predictive, N(0, {SIGMA_PRIOR}²) prior",
)
ax.plot(x_new, plugin, color="k", ls="--", label="plug-in MLE")
ax.plot(x_new, freq, "o", color="C0", ms=3, label="frequency of PyMC predictive draws")
ax.plot(Xp[:, 0], yp + np.where(yp == 1, 0.02, -0.02), "|", color="0.3", ms=10)
ax.set_xlabel("feature $x$")
ax.set_ylabel(r"$P(y = 1 \mid x)$")
ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.06), fontsize=8)
save_figure(fig, "posterior-predictive-vs-plugin")
plt.show()

# %% [markdown]
# ## Summary
#
# The likelihood is a function of $\theta$ whose integral is an arbitrary positive number that
# depends on the sample size and on the coordinates chosen for $\theta$; its maximiser, the MLE,
# does not depend on the coordinates. A distribution over $\theta$ needs a prior and a
# normalising constant, and then behaves like one: it integrates to 1, it can be sampled, and
# its mean, its mode and its predictions are different things. Cross-entropy training computes
# the MLE only; the posterior is the extra step that gives its uncertainty.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
