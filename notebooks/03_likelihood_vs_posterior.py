# %% [markdown]
# # The likelihood is not a distribution over θ
#
# The maximum-likelihood estimator of the previous notebook maximises
# $\mathcal{L}(\theta \mid \mathcal{D})$, the probability of the observed labels computed at the
# parameter value $\theta$. It is tempting to read $\mathcal{L}$ as "how probable $\theta$ is",
# but it is not a probability distribution over $\theta$: for fixed $\theta$ it sums to one over
# the possible label vectors (the inputs $x$ held fixed), while for fixed data nothing makes
#
# $$
# \int \mathcal{L}(\theta \mid \mathcal{D})\, d\theta = 1 .
# $$
#
# This notebook computes that integral, with one parameter and with two, and shows that it is
# not 1 and that it depends on the sample size and on how $\theta$ is parametrised. It then
# builds the object that *is* a distribution over $\theta$, the posterior density
# $p(\theta \mid \mathcal{D}) \propto \mathcal{L}(\theta \mid \mathcal{D})\, p(\theta)$ for a
# prior density $p(\theta)$ (Bayes' theorem, written out in full below), in three ways: on a
# grid, by the quadratic (Laplace) approximation, and by NUTS sampling in PyMC; and it shows
# where the three disagree. The posterior's highest point is the MAP (maximum a posteriori).

# %%
import arviz as az
import contourpy
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats
from scipy.special import betaln, expit, log_expit

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_603
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")
plt.rcParams["axes.titleweight"] = "normal"

# %% [markdown]
# ## One parameter
#
# The smallest instance of the model: two classes and no features, so that
# $q(y = 1; \theta) = \sigma(\theta) = 1 / (1 + e^{-\theta})$ with a single parameter, the log-odds
# $\theta$ of class 1 (class 0 is the pivot). In this section $k$ counts the ones among the $N$
# labels, and
#
# $$
# \mathcal{L}(\theta \mid \mathcal{D}) = \sigma(\theta)^k \big(1 - \sigma(\theta)\big)^{N - k},
# \qquad
# \int_{-\infty}^{\infty} \mathcal{L}(\theta \mid \mathcal{D})\, d\theta = B(k, N - k),
# $$
#
# by the substitution $p = \sigma(\theta)$, $d\theta = dp / \big(p(1 - p)\big)$; here
# $B(a, c) = \int_0^1 p^{a-1}(1-p)^{c-1}\, dp$ is the beta function, finite for $a, c > 0$, so
# the integral is finite when $0 < k < N$ (both classes seen). We draw 1000 labels with true
# log-odds $0.4$ and integrate numerically over the first $N = 20$, $100$ and $1000$.

# %%
theta_true = 0.4
# No features: X has 0 columns, the weights have shape (K, 0) = (2, 0), bias = (0, θ).
X1, y1, _ = ce.simulate(1_000, np.zeros((2, 0)), np.array([0.0, theta_true]), rng)
sizes_1d = [20, 100, 1_000]
theta_axis = np.linspace(-30.0, 30.0, 6_001 if FAST else 12_001)
omega_axis = np.exp(theta_axis)  # the odds ω = e^θ, used below


def loglik_1d(n, theta):
    """log L(theta | first n labels) of the intercept-only binary model, for an array of theta."""
    bias = np.column_stack([np.zeros_like(theta), theta])
    return ce.log_likelihood_grid(X1[:n], y1[:n], np.zeros((theta.size, 2, 0)), bias)


def log_integral_err(ll, *axes):
    """log ∫ exp(ll) by the trapezoid rule, and a conservative bound on its error: the change
    when every other grid point is dropped (the coarse grid's error exceeds the fine one's)."""
    fine = ce.log_integral(ll, *axes)
    coarse = ce.log_integral(ll[(slice(None, None, 2),) * ll.ndim], *(a[::2] for a in axes))
    return fine, abs(fine - coarse)


rows = []
for n in sizes_1d:
    k, ll = int(y1[:n].sum()), loglik_1d(n, theta_axis)
    rows.append([n, k, *log_integral_err(ll, theta_axis), betaln(k, n - k)])
    rows[-1] += [*log_integral_err(ll, omega_axis), betaln(k + 1, n - k - 1)]
cols = ["N", "k", "log ∫L dθ", "err θ", "log B(k, N-k)", "log ∫L dω", "err ω", "log B(k+1, N-k-1)"]
areas = pd.DataFrame(rows, columns=cols)
areas.drop(columns=["err θ", "err ω"]).round(3)

# %% [markdown]
# The "total likelihood" $\int \mathcal{L}\, d\theta$ is nowhere near 1. Whatever the labels,
# as long as both classes occur, it is at most $B(1, N - 1) = 1/(N - 1)$: $\log B(k, N - k)$ is a
# convex function of $k$ (as $\log \Gamma$ is), symmetric about $N/2$, so it is largest at
# $k = 1$ and $k = N - 1$. And it shrinks with every observation added, as it must, since each
# new observation multiplies $\mathcal{L}(\theta)$ at every $\theta$ by a probability below one.
# (Both are properties of the beta function; the table shows them for this sample.)

# %% tags=["hide-input"]
# Check: the quadrature against the beta functions, within its own error bound plus a rounding
# floor: pairwise summation of N <= 1000 log terms errs by ~log2(N) eps |log L| ~ 1.5e-12 per
# grid point (|log L| <= 700); 1e-10 leaves room for the exp and log of the quadrature.
for c, ref, err in [
    ("log ∫L dθ", "log B(k, N-k)", "err θ"),
    ("log ∫L dω", "log B(k+1, N-k-1)", "err ω"),
]:
    assert np.all(np.abs(areas[c] - areas[ref]) <= areas[err] + 1e-10), c

# %% [markdown]
# ### Changing the parametrisation
#
# The odds $\omega = e^\theta$ are an equally valid parameter, and the likelihood is the same
# function of the model written in the new coordinate:
# $\tilde{\mathcal{L}}(\omega) = \mathcal{L}(\log \omega) = \omega^k / (1 + \omega)^N$.
#
# * **The maximiser moves with the map.** $\hat\omega = e^{\hat\theta} = k / (N - k)$:
#   maximising over $\omega$ or over $\theta$ picks the same model.
# * **The area is not preserved.** $\int_0^\infty \tilde{\mathcal{L}}\, d\omega = B(k + 1, N - k - 1)$,
#   finite when $0 \le k \le N - 2$ (last columns of the table), and the two log areas differ by
#   $\log \frac{k}{N - k - 1}$, zero only if $k = N - k - 1$. A density of $\theta$ would become
#   a density of $\omega$ only after multiplying by the Jacobian $|d\theta / d\omega| = 1/\omega$,
#   and its integral would stay 1. The likelihood picks up no Jacobian, because it is not a
#   density in $\theta$.
#
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
# The MLE, $\hat\omega = e^{\hat\theta}$, is the same model in both rows. With $N = 20$:

# %%
n = sizes_1d[0]
k, ll_n = int(y1[:n].sum()), loglik_1d(n, theta_axis)
log_post = {"flat in θ": ll_n, "flat in ω": ll_n + theta_axis}  # both as densities in θ
rows = []
for name, lp in log_post.items():
    map_theta = theta_axis[np.argmax(lp)]
    map_omega = omega_axis[np.argmax(lp - theta_axis)]  # density in ω: times |dθ/dω| = 1/ω
    rows.append((name, map_theta, np.exp(map_theta), map_omega))
maps_1d = pd.DataFrame(rows, columns=["prior", "MAP of θ", "exp(MAP of θ)", "MAP of ω"])
print(f"N = {n}, k = {k}: MLE θ̂ = {np.log(k / (n - k)):.3f}, ω̂ = {k / (n - k):.3f}")
maps_1d.round(3)

# %% tags=["hide-input"]
# Check: the grid modes against the closed forms of the table (error: one grid step h in θ,
# a factor e^h in ω); the MAP of ω moves by far more than that.
step = theta_axis[1] - theta_axis[0]
expected = [(np.log(k / (n - k)), (k - 1) / (n - k + 1))]  # flat in θ
expected += [(np.log((k + 1) / (n - k - 1)), k / (n - k))]  # flat in ω
for (_, row), (t, w) in zip(maps_1d.iterrows(), expected):
    assert abs(row["MAP of θ"] - t) <= step and abs(row["MAP of ω"] - w) <= np.expm1(step) * w
assert (abs(maps_1d["exp(MAP of θ)"] - maps_1d["MAP of ω"]) > 4 * step * maps_1d["MAP of ω"]).all()

# %% [markdown]
# Neither flat prior is privileged. Jeffreys' prior, $p(\theta) \propto \sqrt{I(\theta)}$ with
# $I$ the Fisher information, is the rule that gives the same posterior whichever coordinate it
# is applied in; here it is $\sqrt{\sigma(\theta)(1 - \sigma(\theta))}$ in $\theta$, the
# $\mathrm{Beta}(\tfrac12, \tfrac12)$ density for $p = \sigma(\theta)$.
#
# The likelihood of the twenty labels in the two coordinates: the same heights at the same
# models, the same maximiser, different areas. $\tilde{\mathcal{L}}$ is skewed to the right,
# with a tail $\propto \omega^{k - N}$. The left panel spans 5 standard errors either side of
# $\hat\theta$, the right one the odds from 0 to the same upper end.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
L_n, omega_hat = np.exp(ll_n), k / (n - k)
view = np.log(omega_hat) + np.array([-5, 5]) / np.sqrt(k * (n - k) / n)  # θ̂ ± 5 se
panels = [
    (theta_axis, r"\theta", r"log-odds $\theta$", view, r"$\hat\theta$", np.log(omega_hat)),
    (
        omega_axis,
        r"\omega",
        r"odds $\omega = e^\theta$",
        (0, np.exp(view[1])),
        r"$\hat\omega$",
        omega_hat,
    ),
]
unit = np.floor(np.log10(L_n.max()))  # the heights in units of 10^unit
for ax, (axis, var, xlabel, lim, hat, mle) in zip(axes, panels):
    area = np.trapezoid(L_n, axis)
    ax.fill_between(axis, L_n / 10**unit, alpha=0.4)
    ax.axvline(mle, color="k", ls="--", lw=1, label=f"MLE {hat}")
    ax.set(xlim=lim, xlabel=xlabel, ylabel=rf"$\mathcal{{L}}$ / $10^{{{unit:.0f}}}$")
    ax.set_title(rf"area $\int\mathcal{{L}}\,d{var}$ = {area:.2e}", fontsize=12)
    ax.legend(loc="upper right", fontsize=11)
save_figure(fig, "likelihood-area-one-parameter")
plt.show()

# %% [markdown]
# ## Two parameters, and the quadratic approximation
#
# Now binary logistic regression with one feature: $q(y = 1 \mid x) = \sigma(b + w x)$, with
# intercept $b$ and slope $w$, true values $b = -0.5$ and $w = 1.5$, and $x \sim \mathcal N(0, 1)$;
# $\theta = (b, w)$ from here on. There is no closed form for the integral; we integrate over a
# grid centred on the MLE that reaches 12 standard errors in each direction, and estimate the
# grid's error from a grid reaching 16 at the same spacing (the first is its centre) and from
# the first at half resolution. Near its maximum the log-likelihood is close to a quadratic,
#
# $$
# \log \mathcal{L}(\theta) \approx \log \mathcal{L}(\hat\theta)
#   - \tfrac12 (\theta - \hat\theta)^\top H (\theta - \hat\theta) ,
# $$
#
# with $H$ the Hessian of the negative log-likelihood (the summed cross entropy) at the MLE
# (`ce.nll_hessian`; statisticians call it the observed information). Its inverse gives the
# standard errors of notebook 02 (section "The MLE four ways"), which also draws this
# approximation.
#
# The region where $\mathcal{L} \ge e^{-2} \max \mathcal{L}$ is, under the approximation, the
# ellipse $(\theta - \hat\theta)^\top H (\theta - \hat\theta) \le 4$, with semi-axes
# $2/\sqrt{\lambda_1}$ and $2/\sqrt{\lambda_2}$ ($\lambda_i$ the eigenvalues of $H$), so of area
# $4\pi / \sqrt{\det H}$. If the approximation were exact, this ellipse would hold
# $1 - e^{-2} \approx 86\%$ of the normalised likelihood (a $\chi^2_2$ probability): the same
# fall of 2 in $\log \mathcal{L}$ as at $\pm 2$ standard errors in one dimension, which hold
# 95%; the 95% region in two dimensions is the fall of $5.99/2 \approx 3$ (the $\chi^2_2$
# quantile). $H$ is a sum over the observations and
# $H/N$ tends to the Fisher information of one observation, so $\det H$ grows like $N^2$ and the
# area shrinks roughly like $1/N$ (not exactly: $H$ also depends on the sample and on
# $\hat\theta$).

# %%
b_true, w_true = -0.5, 1.5
X2, y2, _ = ce.simulate(1_000, np.array([[0.0], [w_true]]), np.array([0.0, b_true]), rng)
N_SMALL = 30
sizes_2d = [N_SMALL, 100, 1_000]
# points across the main grid: odd (every other point is then a grid too) and 1 + a multiple of
# 6 (the main grid is then the centre of the wide one, 16/12 times as wide at the same spacing)
n_grid = {N_SMALL: 601, 100: 181 if FAST else 361, 1_000: 181 if FAST else 241}


def loglik_binary(x, y, b, w):
    """log L at every (b_i, w_j) of a grid: sum over n of log σ(s_n (b_i + w_j x_n)), s = 2y - 1."""
    s = 2.0 * y - 1.0
    return np.array([log_expit(s * (b_i + np.outer(w, x))).sum(axis=1) for b_i in b])


def grids_around_mle(n):
    """MLE, Hessian H (order b, w) and log L on two grids centred on the MLE, reaching 12 (main)
    and 16 (wide) standard errors in each direction."""
    fit = ce.fit_cross_entropy(X2[:n], y2[:n])
    H = ce.nll_hessian(X2[:n], y2[:n], fit.weights, fit.bias)
    mle, se = np.array([fit.bias[1], fit.weights[1, 0]]), np.sqrt(np.diag(np.linalg.inv(H)))
    m = n_grid[n]
    centre = slice((m - 1) // 6, (m - 1) // 6 + m)  # of the (m - 1) * 4 / 3 + 1 wide points
    b, w = mle[:, None] + 16 * se[:, None] * np.linspace(-1, 1, (m - 1) * 4 // 3 + 1)
    ll = loglik_binary(X2[:n, 0], y2[:n], b, w)
    main = dict(mle=mle, H=H, b=b[centre], w=w[centre], ll=ll[centre, centre])
    return main, dict(b=b, w=w, ll=ll)


grids, wides = {}, {}
for n in sizes_2d:
    grids[n], wides[n] = grids_around_mle(n)


def on_grids(f, n, log_prior=lambda B, W: 0.0):
    """f(log density, b axis, w axis) on the main grid, and an error bound: the largest change
    on the half-resolution grid (resolution) or on the wider grid (truncation)."""
    values, every, half = [], slice(None), slice(None, None, 2)
    for g, s in [(grids[n], every), (grids[n], half), (wides[n], every)]:
        b, w = g["b"][s], g["w"][s]
        values.append(f(g["ll"][s, s] + log_prior(*np.meshgrid(b, w, indexing="ij")), b, w))
    values = np.asarray(values)
    return values[0], np.abs(values[1:] - values[0]).max(axis=0)


rows = []
for n, g in grids.items():
    vol, err = on_grids(ce.log_integral, n)
    # dα = e^b db: the volume in (α, w) is the integral of L e^b over (b, w)
    vol_a, err_a = on_grids(lambda ll, b, w: ce.log_integral(ll + b[:, None], b, w), n)
    rows.append([n, *g["mle"], vol, err, vol_a, err_a])
cols = ["N", "b̂", "ŵ", "log ∫∫L db dw", "error", "log ∫∫L dα dw", "error α"]
two_param = pd.DataFrame(rows, columns=cols)
print(f"largest grid error estimate: {two_param[['error', 'error α']].to_numpy().max():.0e}")
two_param.drop(columns=["error", "error α"]).round(3)

# %% [markdown]
# The same picture as with one parameter: the volume under the likelihood is not 1 (nor is it
# bounded: near separation the likelihood is close to 1 over a wide region), it shrinks as data
# accumulate, and it changes when the intercept is replaced by the baseline odds
# $\alpha = e^b$ (last columns, through the Jacobian $d\alpha = e^b\, db$), by far more than
# the grid's error.

# %% tags=["hide-input"]
# Check: the claims of the paragraph, each beyond the grid's error estimate.
vol, err = two_param["log ∫∫L db dw"], two_param["error"]
assert (np.abs(vol) > err).all() and (np.diff(vol) < -(err[1:].values + err[:-1].values)).all()
assert (np.abs(two_param["log ∫∫L dα dw"] - vol) > err + two_param["error α"]).all()

# %% [markdown]
# The figure draws the contour $\mathcal{L} = e^{-2} \max \mathcal{L}$ (solid) and the ellipse
# of the quadratic approximation (dashed); the right panel enlarges the two larger samples. The
# table gives the contour's area (a polygon through the grid's interpolated contour) against the
# ellipse's. At $N = 30$ the contour is lopsided: it reaches further from the MLE on the side
# of larger $|w|$, away from $w = 0$ and towards separation, where the likelihood levels off
# instead of falling, and the whole contour sits further from $w = 0$ than the ellipse (its
# lower edge too). In this sample it encloses more area than the ellipse, and the excess
# shrinks as $N$ grows, roughly like $1/N$; at $N = 1000$ contour and ellipse coincide to the
# eye (the values, which vary from sample to sample, are in the table). The ellipse's area
# shrinks roughly like $1/N$ too, not exactly: the printed ratio of the areas at $N = 100$ and
# $1000$ is not 10, because $H$ also depends on the sample and on $\hat\theta$.


# %%
def contour(ll, b, w):
    """The polygon(s) of the contour log L = max log L - 2, as (b, w) vertices."""
    return contourpy.contour_generator(b, w, (ll - ll.max()).T).lines(-2.0)


def contour_area(ll, b, w):
    """Area inside the contour by the shoelace formula; and how much further it reaches above
    the grid's centre (the MLE) in w than below it."""
    lines, w_hat = contour(ll, b, w), w[w.size // 2]
    area = sum(0.5 * abs(np.dot(p[:-1, 0], p[1:, 1]) - np.dot(p[1:, 0], p[:-1, 1])) for p in lines)
    w_all = np.concatenate([p[:, 1] for p in lines])
    return np.array([area, (w_all.max() - w_hat) - (w_hat - w_all.min())])


region = []
for n, g in grids.items():
    (area, lopsided), (err, err_lop) = on_grids(contour_area, n)
    region.append([n, area, err, 4 * np.pi / np.sqrt(np.linalg.det(g["H"])), lopsided, err_lop])
cols = ["N", "contour area", "grid error", "4π/√det H", "w reach above - below ŵ", "error of reach"]
region = pd.DataFrame(region, columns=cols)
region["contour / ellipse - 1"] = region["contour area"] / region["4π/√det H"] - 1
print("area ratio N = 100 to 1000:", round(region["4π/√det H"][1] / region["4π/√det H"][2], 1))
region.drop(columns=["grid error", "error of reach"]).round(4)

# %% tags=["hide-input"]
# Check: at N = 30 more area than the ellipse, and an excess that falls with N, each beyond the
# grid's error; the N = 30 contour reaches further from the MLE on the side away from w = 0
# than on the other, beyond the grid's error.
gap, rel_err = region["contour / ellipse - 1"], region["grid error"] / region["4π/√det H"]
assert gap[0] > rel_err[0]
assert np.all(gap[:-1].values - rel_err[:-1].values > gap[1:].values + rel_err[1:].values)
small = region.iloc[0]
assert (
    np.sign(grids[N_SMALL]["mle"][1]) * small["w reach above - below ŵ"] > small["error of reach"]
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), width_ratios=[1.3, 1], layout="constrained")
panels = [(axes[0], i, n) for i, n in enumerate(sizes_2d)]
panels += [(axes[1], i, n) for i, n in enumerate(sizes_2d) if n != N_SMALL]  # enlarged
for ax, i, n in panels:
    g = grids[n]
    B, Wg = np.meshgrid(g["b"], g["w"], indexing="ij")
    d = np.stack([B - g["mle"][0], Wg - g["mle"][1]], axis=-1)
    quadratic = -0.5 * np.einsum("...i,ij,...j->...", d, g["H"], d)
    for z, ls in [(g["ll"] - g["ll"].max(), "solid"), (quadratic, "dashed")]:
        ax.contour(B, Wg, z, levels=[-2.0], colors=[f"C{i}"], linestyles=ls)
    ax.plot(*g["mle"], "o", color=f"C{i}", ms=6, label=f"MLE, N = {n}")
for ax in axes:
    ax.plot(b_true, w_true, "+", color="k", ms=10, mew=1.5, label="true value")
    ax.set(xlabel="intercept $b$", ylabel="slope $w$")
axes[0].plot([], [], "k-", lw=1, label=r"$\mathcal{L} = e^{-2} \max \mathcal{L}$")
axes[0].plot([], [], "k--", lw=1, label="quadratic approximation")
for ax, shown in zip(axes, [sizes_2d, sizes_2d[1:]]):  # a box around the contours shown
    corners = [np.array([b_true, w_true])]
    for n in shown:
        g, se = grids[n], np.sqrt(np.diag(np.linalg.inv(grids[n]["H"])))
        corners += [*contour(g["ll"], g["b"], g["w"]), g["mle"] + 2 * se, g["mle"] - 2 * se]
    low, high = np.min(np.vstack(corners), axis=0), np.max(np.vstack(corners), axis=0)
    margin = 0.08 * (high - low)
    ax.set(
        xlim=(low[0] - margin[0], high[0] + margin[0]),
        ylim=(low[1] - margin[1], high[1] + margin[1]),
    )
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=6, fontsize=10)
axes[1].set_title("enlarged around N = 100 and 1000", fontsize=11)
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
# exists only if that volume is finite; for logistic regression with $[\mathbf 1, x]$ of full
# column rank it is finite exactly when the classes are not separated (completely or
# quasi-completely), the same condition under which the MLE exists (Speckman, Lee and Sun 2009).
# We take the first $N = 30$ observations, few enough for the prior and the shape of the
# posterior to matter, check that the classes overlap, and compare the flat prior with
# independent $\mathcal{N}(0, 2.5^2)$ priors on $b$ and $w$.
#
# That prior is where this notebook meets the collection's thesis. Its log density is
# $-(b^2 + w^2)/(2 \cdot 2.5^2)$ plus a constant, so
#
# $$
# -\log p(\theta \mid \mathcal D) = \sum_{i=1}^N -\log q_\theta(y_i \mid x_i)
#   + \lambda \lVert \theta \rVert^2 + \text{const}, \qquad \lambda = \frac{1}{2\sigma^2} = 0.08 ,
# $$
#
# with $\sigma = 2.5$: the *summed* cross entropy (between each one-hot label and the predicted
# distribution $q_\theta(\cdot \mid x_i)$) plus an L2 penalty (on the mean cross entropy the penalty is
# $\lambda/N$): the MAP is the L2-regularised cross-entropy minimiser, `ce.fit_l2(X, y, 2.5,
# bias_sigma=2.5)`. Notebook 05 follows this up. Written in PyMC:

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

# %% [markdown]
# In the graph, the grey boxes `x` and `y` are the data containers; `y_obs` is the Bernoulli
# likelihood, and the arrow from it to `y` says that it is observed at those values.

# %% tags=["hide-input"]
# Check: the library's builder (softmax regression with K = 2, class 0 the pivot) has the same
# log density at random points; rounding over 30 terms is far below rtol 1e-10.
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
# The same posteriors on the grid, normalised by quadrature, and their moments:

# %%
log_prior = {"flat": lambda B, W: 0.0 * B, WEAK: lambda B, W: -0.5 * (B**2 + W**2) / 2.5**2}


def grid_moments(lp, b, w):
    """Means and sds of (b, w) and their covariance, under the density ∝ exp(lp) on the grid."""
    B, Wg = np.meshgrid(b, w, indexing="ij")
    p = np.exp(lp - ce.log_integral(lp, b, w))

    def integrate(f):
        return np.trapezoid(np.trapezoid(p * f, w, axis=1), b)

    mean = np.array([integrate(B), integrate(Wg)])
    sd = np.sqrt([integrate((B - mean[0]) ** 2), integrate((Wg - mean[1]) ** 2)])
    return np.array([*mean, *sd, integrate((B - mean[0]) * (Wg - mean[1]))])


moments = {name: on_grids(grid_moments, n_post, log_prior[name]) for name in PRIORS}
pd.DataFrame(
    {name: m for name, (m, _) in moments.items()}, index=["mean b", "mean w", "sd b", "sd w", "cov"]
).T.round(3)

# %% [markdown]
# ### Sampling the posterior with NUTS
#
# The No-U-Turn sampler (NUTS) is a Markov chain Monte Carlo method: it simulates a particle
# moving on $-\log p(\theta \mid \mathcal D)$ to propose distant points that are accepted
# often. We run four independent chains, each with 500 tuning steps (adapting the step size
# and the mass matrix, then discarded) before the kept draws; PyMC's log messages are collected rather than printed.
# Before reading anything off the draws we check the sampler: no divergent transitions (a sign
# of regions the sampler cannot explore); no trajectory stopped at the maximum tree depth;
# E-BFMI above 0.3 (ArviZ's rule of thumb for how well the momentum resampling explores the
# energy); $\hat R < 1.01$ (the rank-normalised split-$\hat R$ of Vehtari et al. 2021: it
# compares the spread between chains and chain halves with the spread within them, and is 1
# when they agree); and an effective sample size (ESS, the number of independent draws with the
# same Monte Carlo error) above 400, for the mean ("bulk") and for the 5% and 95% quantiles
# ("tail"). The Monte Carlo standard error of a mean (`mcse_mean`) is its sd over
# $\sqrt{\text{ESS}}$, with ArviZ's `ess_mean` (the ESS of the raw draws, not the rank-normalised
# `ess_bulk` shown).

# %%
draws = 500 if FAST else 1_000
posteriors, messages, summaries = {}, {}, {}
sampler = dict(draws=draws, tune=500, chains=4, cores=1, progressbar=False)
for i, (name, model) in enumerate(models.items()):
    with model, ce.capture_sampler_messages() as messages[name]:
        posteriors[name] = pm.sample(**sampler, random_seed=RANDOM_SEED + i)
    assert messages[name] and all(m.startswith("INFO: ") for m in messages[name]), messages[name]
    sample_stats = posteriors[name].sample_stats.to_dataset()
    assert int(sample_stats["diverging"].sum()) == 0
    assert not sample_stats["reached_max_treedepth"].any()
    assert np.all(az.bfmi(posteriors[name]) > 0.3)
    summaries[name] = az.summary(posteriors[name], var_names=["b", "w"])
    assert (summaries[name]["r_hat"] < 1.01).all()
    assert (summaries[name][["ess_bulk", "ess_tail"]] > 400).all(axis=None)
table = pd.concat(summaries, names=["prior"])
table[["mean", "sd", "mcse_mean", "ess_bulk", "ess_tail", "r_hat"]].round(3)

# %% [markdown]
# The rank plot shows the same diagnosis for the flat prior. All draws of the four chains are
# ranked together; if the chains sample the same distribution, each chain's ranks are uniform.
# Each line is one chain: the empirical CDF of its fractional ranks minus the uniform CDF, which
# wanders around 0 for a healthy chain (a chain stuck in one region would rise or fall far from
# it, by several hundredths or more). ArviZ's multi-chain uniformity test (its default for
# this plot; its documentation says it takes the autocorrelation of the ranks into account)
# highlights the points it finds suspicious; the p-value printed in each panel is that test's,
# and a value below $\alpha = 0.01$ would flag a problem.

# %%
pc = az.plot_rank(posteriors["flat"], var_names=["b", "w"], visuals={"remove_axis": False})
save_figure(pc.get_viz("figure"), "posterior-rank-flat-prior")
plt.show()

# %% tags=["hide-input"]
# Check: grid against NUTS within 4 Monte Carlo standard errors plus the grid's error (about 1
# false alarm in 10^4 per comparison); this detects a difference of about 0.1 posterior sd.
for name in PRIORS:
    (mb, mw, sb, sw, _), err = moments[name]
    s = summaries[name].loc[["b", "w"]]
    assert np.all(np.abs([mb, mw] - s["mean"]) < 4 * s["mcse_mean"] + err[:2]), name
    assert np.all(np.abs([sb, sw] - s["sd"]) < 4 * s["mcse_sd"] + err[2:4]), name

# %% [markdown]
# ## Grid, quadratic approximation, NUTS
#
# The quadratic approximation of the log-likelihood turns the flat-prior posterior into a
# normal distribution, $\mathcal{N}(\hat\theta, H^{-1})$: centred at the MLE, with the standard
# errors as standard deviations. The table puts the routes side by side for the flat prior
# (NUTS was run at $N = 30$ only). At $N = 30$ the quadratic approximation misplaces the means:
# it puts the mean of $w$ closer to 0 than the posterior mean, because the posterior of $w$ is
# skewed away from 0 (the contour above; next section). It understates both standard
# deviations, each by at least 2%. At $N = 1000$ its means are within 0.1 posterior sd of the
# grid's and its standard deviations within 0.5% (hence four decimals in the table).
#
# That the approximation improves with $N$ is the Bernstein–von Mises theorem: if the model is
# correctly specified and identifiable, the true $\theta$ is an interior point, the
# log-likelihood is smooth with a positive-definite Fisher information, and the prior has a
# continuous positive density at the true $\theta$ (a flat prior qualifies once the posterior is
# proper), then as $N \to \infty$ with the number of parameters fixed the posterior approaches
# $\mathcal{N}(\hat\theta, H^{-1})$ in total variation. Notebook 06 tests it over many data sets.

# %%
rows = []
for n in (sizes_2d[0], sizes_2d[-1]):
    (mb, mw, sb, sw, _), _ = on_grids(grid_moments, n)
    g, nuts = grids[n], summaries["flat"] if n == n_post else None
    for j, (param, mean, sd) in enumerate([("b", mb, sb), ("w", mw, sw)]):
        quad_sd = np.sqrt(np.linalg.inv(g["H"])[j, j])
        nuts_mean, nuts_sd = (
            (nuts.loc[param, "mean"], nuts.loc[param, "sd"]) if nuts is not None else ("", "")
        )
        rows.append([n, param, mean, g["mle"][j], nuts_mean, sd, quad_sd, nuts_sd])
cols = ["N", "", "grid mean", "quad. mean", "NUTS mean", "grid sd", "quad. sd", "NUTS sd"]
routes = pd.DataFrame(rows, columns=cols).set_index(["N", ""])
routes.map(lambda v: round(v, 4) if isinstance(v, float) else v)

# %% tags=["hide-input"]
# Check: the claims of the paragraph, on grid values, beyond the grid's error (`err`, below
# 1e-4 here: small against every margin).
(mb, mw, sb, sw, _), err = on_grids(grid_moments, n_post)
r_small, r_large = routes.loc[n_post], routes.loc[sizes_2d[-1]]
assert np.sign(mw) * (mw - grids[n_post]["mle"][1]) > err[1]
assert np.all(1 - r_small["quad. sd"] / r_small["grid sd"] > 0.02 + err[2:4] / [sb, sw])
assert np.all(np.abs(r_large["grid mean"] - r_large["quad. mean"]) < 0.1 * r_large["grid sd"])
assert np.all(np.abs(r_large["quad. sd"] / r_large["grid sd"] - 1) < 0.005)

# %% [markdown]
# ### The mode is not the mean
#
# The MLE is a property of the likelihood alone, so it is the same model in any coordinates;
# the MAP maximises likelihood times prior *density*, and a density changes with the
# coordinates (first section), so the MAP depends on them. Under the flat prior on $(b, w)$ the
# MAP in these coordinates is the MLE. Under the normal
# prior it is found by `ce.fit_map`, PyMC's `find_MAP` on the library's model, and agrees with
# `ce.fit_l2`, the L2-penalised cross-entropy minimiser. The prior pulls it towards zero: it
# is shorter than the MLE, as any L2-penalised minimiser must be (with $f$ the NLL,
# $f(\theta_\lambda) + \lambda \lVert\theta_\lambda\rVert^2 \le f(\hat\theta) + \lambda
# \lVert\hat\theta\rVert^2$ and $f(\hat\theta) \le f(\theta_\lambda)$). The MAP is the
# *joint* mode of $(b, w)$. The mode of the marginal posterior of $w$ is another point, and the
# posterior mean a third: under either prior, marginal mode and mean lie further from 0 than
# the MAP's $w$ (the last column gives the mean's distance in posterior sds), because the
# posterior of $w$ is skewed away from 0, towards separation, where the likelihood levels off.

# %%
fit_weak = ce.fit_map(library[WEAK])
fit_l2 = ce.fit_l2(X2[:n_post], y_post, 2.5, bias_sigma=2.5)
map_points = {
    "flat": grids[n_post]["mle"],
    WEAK: np.array([fit_weak.bias[1], fit_weak.weights[1, 0]]),
}
g = grids[n_post]


def marginal_of_w(n, name):
    """The normalised marginal posterior density of w on the grid of sample size n."""
    g = grids[n]
    lp = g["ll"] - g["ll"].max() + log_prior[name](*np.meshgrid(g["b"], g["w"], indexing="ij"))
    marginal = np.trapezoid(np.exp(lp), g["b"], axis=0)
    return marginal / np.trapezoid(marginal, g["w"])


def marginal_mode(lp, b, w):
    """Mode of the marginal density of w, ∝ ∫ exp(lp) db: the grid argmax, refined by the
    parabola through the log density there and at its two neighbours."""
    log_m = np.log(np.trapezoid(np.exp(lp - lp.max()), b, axis=0))
    j = np.argmax(log_m)
    before, at, after = log_m[j - 1 : j + 2]
    return w[j] + 0.5 * (w[1] - w[0]) * (before - after) / (before - 2 * at + after)


mode_w = {name: on_grids(marginal_mode, n_post, log_prior[name]) for name in PRIORS}
modes = pd.DataFrame(map_points, index=["MAP b", "MAP w"]).T
modes["marginal mode of w"] = [mode_w[name][0] for name in PRIORS]
modes["mean of w"] = [moments[name][0][1] for name in PRIORS]
modes["sd of w"] = [moments[name][0][3] for name in PRIORS]
modes["(mean - MAP w) / sd"] = (modes["mean of w"] - modes["MAP w"]) / modes["sd of w"]
modes.drop(columns="sd of w").round(3)

# %% tags=["hide-input"]
# Check: PyMC's MAP against the library's L2 minimiser (each stops at a gradient below 1e-8 per
# observation, so they may differ by up to 2·N·1e-8·||H⁻¹||); the prior's pull; marginal mode
# and mean further from 0 than the MAP's w, beyond their grid errors.
H_map = ce.nll_hessian(X2[:n_post], y_post, fit_weak.weights, fit_weak.bias) + np.eye(2) / 2.5**2
tol = 2 * n_post * 1e-8 * np.linalg.norm(np.linalg.inv(H_map), 2)
assert fit_weak.converged and fit_l2.converged
assert np.allclose(map_points[WEAK], [fit_l2.bias[1], fit_l2.weights[1, 0]], rtol=0, atol=tol)
assert np.linalg.norm(map_points[WEAK]) < np.linalg.norm(map_points["flat"])
for name in PRIORS:
    away = np.sign(modes.loc[name, "MAP w"])  # the direction away from w = 0
    assert (
        away * (modes.loc[name, "marginal mode of w"] - modes.loc[name, "MAP w"]) > mode_w[name][1]
    )
    assert away * (modes.loc[name, "mean of w"] - modes.loc[name, "MAP w"]) > moments[name][1][1]

# %% [markdown]
# The marginal posteriors of $w$ at $N = 30$ under both priors, and at $N = 1000$ under the flat
# prior (note the narrower x-range). The quadratic approximation is drawn around the
# MLE for the flat prior and around the MAP, with the Hessian of the negative log posterior,
# for the normal prior. At $N = 1000$ the grid and the quadratic curves coincide to the eye:
# that is the large-$N$ agreement of the table. Where the three vertical lines are too close to
# tell apart, the values in each panel's corner separate them.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
panels = [(n_post, "flat", map_points["flat"], g["H"]), (n_post, WEAK, map_points[WEAK], H_map)]
panels.append((sizes_2d[-1], "flat", grids[sizes_2d[-1]]["mle"], grids[sizes_2d[-1]]["H"]))
for ax, (n, name, centre, Hc) in zip(axes, panels):
    w_axis, marginal = grids[n]["w"], marginal_of_w(n, name)
    if name == "flat":  # x-range: the flat prior's central 99.9% (shared by the N = 30 panels)
        cdf = np.r_[0, np.cumsum(np.diff(w_axis) * (marginal[1:] + marginal[:-1]) / 2)]
        lim = np.interp([0.0005, 0.9995], cdf / cdf[-1], w_axis)
    if n == n_post:
        w_s = posteriors[name].posterior.to_dataset()["w"].values.ravel()
        bins = np.linspace(*lim, 61)  # weights: a density over all draws, also those out of view
        ax.hist(w_s, bins, weights=np.full_like(w_s, 1 / (w_s.size * np.diff(bins)[0])), alpha=0.35)
    ax.plot(w_axis, marginal, color="C0", label="grid")
    quad = stats.norm(centre[1], np.sqrt(np.linalg.inv(Hc)[1, 1]))
    ax.plot(w_axis, quad.pdf(w_axis), "k--", label="quadratic approximation")
    ax.axvline(centre[1], color="C3", ls=":", lw=2, label="MAP (joint mode)")
    mode = on_grids(marginal_mode, n, log_prior[name])[0]
    ax.axvline(mode, color="C2", ls="-.", lw=1.5, label="marginal mode")
    mean = np.trapezoid(marginal * w_axis, w_axis)
    ax.axvline(mean, color="C1", lw=1.5, label="posterior mean")
    values = f"MAP {centre[1]:.3f}\nmarginal mode {mode:.3f}\nmean {mean:.3f}"
    ax.text(0.98, 0.95, values, transform=ax.transAxes, ha="right", va="top", fontsize=10)
    ax.set(title=f"N = {n}, prior {name}", xlabel="slope $w$", ylim=(0, marginal.max() * 1.15))
    ax.set(xlim=lim)
axes[0].set_ylabel("marginal posterior density")
axes[0].patches[0].set_label("NUTS draws")
handles = axes[0].get_legend_handles_labels()
fig.legend(*handles, loc="lower center", ncol=6, bbox_to_anchor=(0.5, 1), frameon=False)
save_figure(fig, "posterior-marginals-grid-quadratic-nuts")
plt.show()

# %% [markdown]
# ## Predicting with the posterior
#
# The plug-in predictive uses the single best parameter value: $\sigma(\hat b + \hat w x)$ at
# the MLE, or at the MAP under the normal prior. The posterior predictive averages over the
# parameter uncertainty,
#
# $$
# p(y = 1 \mid x, \mathcal{D}) = \int \sigma(b + w x)\, p(b, w \mid \mathcal{D})\, db\, dw
#   \approx \frac{1}{S} \sum_{s=1}^S \sigma(b_s + w_s x).
# $$
#
# It is the average of $\sigma$ over the posterior of the logit $\eta(x) = b + wx$, whose mean is
# $\mu(x) = \operatorname{E} b + x \operatorname{E} w$ and whose standard deviation $s(x)$, the
# square root of $\operatorname{Var} b + 2x \operatorname{Cov}(b, w) + x^2 \operatorname{Var} w$,
# grows on either side of its minimum, near the centre of the data (right panel). The difference from the plug-in has two
# parts (middle panel):
#
# * **Spread** ($p(y = 1 \mid x, \mathcal D) - \sigma(\mu)$, dotted). If $\eta$ were symmetric
#   about $\mu$, pairing $\mu \pm z$ shows that the average of $\sigma$ lies between $\tfrac12$
#   and $\sigma(\mu)$: averaging pulls towards $\tfrac12$. For a normal $\eta$, MacKay's (1992)
#   approximation $\sigma\big(\mu / \sqrt{1 + \pi s^2 / 8}\big)$ says by how much. Here the
#   posterior of $\eta$ is skewed, so the pairing argument holds only approximately.
# * **Shift** ($\sigma(\mu) - $ plug-in, dashed). The posterior mean of the logit is not the plug-in's
#   logit, because the posterior is skewed and its mean is not its mode.
#
# Near the centre of the data $s(x)$ is below 1; at the edges $x = \pm 3$ it is above 1, and
# there the spread is the larger part under both priors. (PyMC can also draw labels from the predictive: `pm.set_data` with the new inputs, then
# `pm.sample_posterior_predictive`.)

# %%
x_new = np.linspace(-3.0, 3.0, 61)
plugin = {name: expit(p[0] + p[1] * x_new) for name, p in map_points.items()}
pred, pred_se, mu, s_eta = {}, {}, {}, {}
for name, dt in posteriors.items():
    post = dt.posterior.to_dataset()
    eta = post["b"].values[..., None] + post["w"].values[..., None] * x_new  # chain, draw, x
    pred[name], pred_se[name] = expit(eta).mean(axis=(0, 1)), az.mcse(expit(eta))
    mu[name], s_eta[name] = eta.mean(axis=(0, 1)), eta.std(axis=(0, 1))


# %% tags=["hide-input"]
# Check: the claims of the text on the grid (beyond its error estimate `err`), and NUTS's
# average against the grid within 4 Monte Carlo standard errors plus the grid's error (61
# correlated comparisons per prior: a false alarm below 61 × 6e-5 = 0.4%).
def grid_predictive(lp, b, w):
    """The posterior predictive P(y = 1 | x_new) under the density ∝ exp(lp) on the grid."""
    p = np.exp(lp - ce.log_integral(lp, b, w))
    integrand = (p * expit(b[:, None] + w * x) for x in x_new)
    return np.array([np.trapezoid(np.trapezoid(f, w, axis=1), b) for f in integrand])


edges = [0, -1]  # x = -3 and 3
for name in PRIORS:
    p_grid, err = on_grids(grid_predictive, n_post, log_prior[name])
    (mb, mw, sb, sw, cov), _ = moments[name]
    mu_g, s_g = mb + mw * x_new, np.sqrt(sb**2 + 2 * x_new * cov + x_new**2 * sw**2)
    assert np.all(np.abs(pred[name] - p_grid) < 4 * pred_se[name] + err), name
    spread, shift = p_grid - expit(mu_g), expit(mu_g) - plugin[name]
    assert s_g.min() < 1 and s_g[edges].min() > 1, name
    assert np.all(np.abs(spread[edges]) > np.abs(shift[edges]) + err[edges]), name

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
styles = {"flat": ("C0", "MLE"), WEAK: ("C1", "MAP")}
for name, (color, point) in styles.items():
    axes[0].plot(x_new, plugin[name], "--", color=color, label=f"plug-in {point}")
    axes[0].plot(x_new, pred[name], color=color, label=f"predictive, prior {name}")
    axes[1].plot(x_new, pred[name] - plugin[name], color=color, label=f"total, {name}")
    axes[1].plot(
        x_new, pred[name] - expit(mu[name]), ":", color=color, lw=2, label=f"spread part, {name}"
    )
    shift = expit(mu[name]) - plugin[name]
    axes[1].plot(x_new, shift, "--", color=color, lw=1.5, label=f"shift part, {name}")
    axes[2].plot(x_new, s_eta[name], color=color, label=f"prior {name}")
rug = y_post + np.where(y_post == 1, 0.04, -0.04)
axes[0].plot(x_post, rug, "|", color="0.3", ms=10, label="data")
axes[0].set(xlabel="feature $x$", ylabel=r"$P(y = 1 \mid x)$")
axes[1].axhline(0, color="0.5", lw=0.8)
axes[1].set(xlabel="feature $x$", ylabel="predictive − plug-in")
axes[2].set(xlabel="feature $x$", ylabel=r"posterior sd $s(x)$ of $\eta = b + wx$", ylim=(0, None))
axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 0.08), fontsize=9)
axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=9)
axes[2].legend(loc="upper center", fontsize=9)
save_figure(fig, "posterior-predictive-vs-plugin")
plt.show()

# %% [markdown]
# ## Summary
#
# The likelihood is a function of $\theta$ whose integral is an arbitrary positive number that
# depends on the sample size and on the coordinates chosen for $\theta$; its maximiser, the MLE,
# does not depend on the coordinates. Cross-entropy training computes that maximiser, and the
# Hessian of the same loss gives its standard errors and Wald intervals (estimate $\pm\, 1.96$
# standard errors): large-$N$ statements about how the estimator varies over repeated data sets,
# whose accuracy at small $N$ notebook 06 measures. What the likelihood alone does not give is a
# probability distribution over $\theta$. That needs a prior; the posterior then integrates to 1,
# can be sampled, and its joint mode, marginal modes, mean and predictions are different things.
# A normal prior makes the MAP the L2-regularised cross-entropy minimiser. With much data the
# posterior is close to the normal distribution of the quadratic approximation, centred at the
# MLE with the Hessian's inverse as covariance (at $N = 1000$ here); with little data (at
# $N = 30$) the quadratic approximation misplaces its mean and understates its spread, and a grid
# (feasible in two dimensions) or a sampler is needed.
#
# ## Exercises
#
# **1 (easy).** Suppose the twenty labels of the first section were all 1 ($k = N$). Predict
# $\int \mathcal{L}\, d\theta$, the MLE and the flat-prior posterior. Check by integrating
# $\mathcal{L}(\theta) = \sigma(\theta)^{20}$ (e.g. `np.trapezoid(expit(theta) ** 20, theta)`)
# up to $\theta = 10$, $20$ and $30$: how much does each window of 10 add?

# %% [markdown]
# :::{dropdown} Solution
# $\mathcal{L}(\theta) = \sigma(\theta)^N$ rises towards 1 as $\theta \to \infty$ and never
# reaches it: there is no maximiser (the MLE "is" $+\infty$, and `ce.fit_cross_entropy` refuses
# with a `SeparationError`), and since $\sigma(\theta)^N \ge 1 - N e^{-\theta}$ every unit of
# $\theta$ beyond $T$ adds at least $1 - N e^{-T}$ to the integral: it diverges ($B(N, 0) =
# \infty$), and the flat prior gives no posterior. Each window $[T, T + 10]$ therefore adds
# $10$ minus a shortfall between 0 and $N e^{-T}$ (in fact $N e^{-T}(1 - O(N e^{-T}))$): a
# convergent integral would add less and less, this one adds 10 every time. A proper prior,
# such as the normal one of section "From likelihood to posterior", gives a proper posterior. This is separation with one parameter
# (notebook 05).
# :::

# %% tags=["hide-cell"]
# The windows [10, 20] and [20, 30] add 10 minus a shortfall in [0, N e^-T], up to the
# trapezoid error (bounded by the change on the half-resolution grid, ~1e-8).
n = sizes_1d[0]
for T in (10, 20):
    window = (theta_axis >= T) & (theta_axis <= T + 10)
    t_win, L_win = theta_axis[window], expit(theta_axis[window]) ** n  # twenty labels, all 1
    added = np.trapezoid(L_win, t_win)
    err = abs(added - np.trapezoid(L_win[::2], t_win[::2]))
    print(f"∫ from {T} to {T + 10}: 10 - {10 - added:.3e}; N e^-T = {n * np.exp(-T):.3e}")
    assert -err <= 10 - added <= n * np.exp(-T) + err
try:
    ce.fit_cross_entropy(X1[:n], np.ones(n, dtype=int), 2)
    raise AssertionError("an MLE was returned")
except ce.SeparationError:
    pass

# %% [markdown]
# **2 (medium).** The quadratic approximation also approximates the area:
# $\log \int \mathcal{L}\, d\theta \approx \log \mathcal{L}(\hat\theta) + \tfrac12 \log (2\pi / H)$,
# the log of a normal density's normalising constant, with $H = k(N - k)/N$ the observed
# information. Predict its error to leading order in $1/N$ (hint: Stirling's series for
# $\log \Gamma$, since $B(k, N - k) = \Gamma(k)\Gamma(N - k)/\Gamma(N)$), and check it against
# the exact $\log B(k, N - k)$ (`scipy.special.betaln`, unrounded) for the three sample sizes.

# %% [markdown]
# :::{dropdown} Solution
# With $\hat p = k/N$, $\log \mathcal{L}(\hat\theta) = k \log k + (N - k) \log(N - k) - N \log N$.
# Stirling's series, $\log \Gamma(z) = (z - \tfrac12) \log z - z + \tfrac12 \log 2\pi +
# \frac{1}{12 z} - \frac{1}{360 z^3} + \dots$, applied to $B(k, N - k) = \Gamma(k)\Gamma(N - k) /
# \Gamma(N)$ gives exactly the approximation plus
#
# $$
# \log B(k, N - k) - \text{approximation} = \frac{1}{12}\Big(\frac1k + \frac{1}{N - k}
#   - \frac1N\Big) + O(N^{-3}) ,
# $$
#
# positive, so the approximation underestimates the area, by about $1/(4N)$ in the log when
# $\hat p$ is near $\tfrac12$ (1.25% at $N = 20$). The remainder is bounded by the next terms,
# $\frac{1}{360}(k^{-3} + (N - k)^{-3} + N^{-3})$.
# :::

# %% tags=["hide-cell"]
# The residual after the predicted term must be within the Stirling remainder plus the rounding
# of a sum of up to 1000 logs (~log2(N) eps |log L| ~ 1.5e-12; floor 1e-11). The predicted term
# is 1e3 to 1e6 times that tolerance; at N = 20 the remainder is the tight part, at N = 1000
# the tolerance is mostly rounding.
for n_, k_, exact in areas[["N", "k", "log B(k, N-k)"]].itertuples(index=False):
    theta_hat = np.log(k_ / (n_ - k_))
    info = ce.nll_hessian(X1[:n_], y1[:n_], np.zeros((2, 0)), np.array([0.0, theta_hat]))[0, 0]
    laplace = loglik_1d(n_, np.array([theta_hat]))[0] + 0.5 * np.log(2 * np.pi / info)
    predicted = (1 / k_ + 1 / (n_ - k_) - 1 / n_) / 12
    remainder = (k_**-3.0 + (n_ - k_) ** -3.0 + n_**-3.0) / 360
    print(f"N = {n_}: error {exact - laplace:.3e}, predicted {predicted:.3e}")
    assert abs(exact - laplace - predicted) <= remainder + 1e-11

# %% [markdown]
# **3 (harder).** Jeffreys' prior gives the same posterior whichever coordinate it is applied
# in. With the twenty labels, predict the posterior mode of $\theta$ and of $\omega$ under it:
# are they the same model? And the posterior medians?

# %% [markdown]
# :::{dropdown} Solution
# In $p = \sigma(\theta)$ the posterior is $\mathrm{Beta}(k + \tfrac12, N - k + \tfrac12)$. As a
# density in $\theta$ it is $\propto p^{k + 1/2} (1 - p)^{N - k + 1/2}$ (times
# $dp/d\theta = p(1 - p)$), with mode $\theta = \log\frac{k + 1/2}{N - k + 1/2}$; in $\omega$ it
# is $\propto \omega^{k - 1/2} (1 + \omega)^{-N - 1}$, with mode
# $\omega = \frac{k - 1/2}{N - k + 3/2}$ (the same posterior as Jeffreys' prior applied in
# $\omega$, with $I(\omega) = 1/(\omega(1 + \omega)^2)$). These are different models: invariance of the
# distribution does not make its mode invariant, because a mode depends on the coordinate
# through the Jacobian. Quantiles do not: the median of $\omega$ is $e^{\text{median of }\theta}$,
# both the odds of the median of the beta distribution.
# :::

# %% tags=["hide-cell"]
# Modes: grid argmax, within one step h of log-odds (both grids are uniform in θ). Medians:
# interpolated from each grid's CDF, within the change on the half-resolution grid.
n = sizes_1d[0]  # the twenty labels
k, ll_n = int(y1[:n].sum()), loglik_1d(n, theta_axis)
jeffreys = {  # grid, log posterior density, map to the odds; I(θ) = p(1-p), I(ω) = 1/(ω(1+ω)²)
    "θ": (theta_axis, ll_n + 0.5 * np.log(expit(theta_axis) * expit(-theta_axis)), np.exp),
    "ω": (omega_axis, ll_n - 0.5 * np.log(omega_axis) - np.log1p(omega_axis), lambda v: v),
}


def median(axis, lp):
    """The median of the density ∝ exp(lp) on the grid axis, by the trapezoid rule."""
    dens = np.exp(lp - lp.max())
    cdf = np.r_[0, np.cumsum(np.diff(axis) * (dens[1:] + dens[:-1]))]
    return np.interp(0.5, cdf / cdf[-1], axis)


rows = {}
for name, (axis, lp, to_odds) in jeffreys.items():
    med, med_half = to_odds(median(axis, lp)), to_odds(median(axis[::2], lp[::2]))
    rows[name] = (to_odds(axis[np.argmax(lp)]), med, abs(med - med_half))
jeffreys_table = pd.DataFrame(rows, index=["mode, as odds", "median, as odds", "median error"]).T
p_med = stats.beta(k + 0.5, n - k + 0.5).median()
modes_odds = jeffreys_table["mode, as odds"]
assert abs(np.log(modes_odds["θ"] / ((k + 0.5) / (n - k + 0.5)))) <= step
assert abs(np.log(modes_odds["ω"] / ((k - 0.5) / (n - k + 1.5)))) <= step
assert abs(np.log(modes_odds["θ"] / modes_odds["ω"])) > 4 * step
errors = np.abs(jeffreys_table["median, as odds"] - p_med / (1 - p_med))
assert (errors <= jeffreys_table["median error"] + 1e-9).all()
jeffreys_table.drop(columns="median error").round(4)

# %% [markdown]
# ## References
#
# - Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A. and Rubin, D. B. (2013).
#   *Bayesian Data Analysis*, 3rd ed., ch. 2 (Jeffreys' invariance principle) and ch. 4 (normal
#   approximations, large-sample theory). CRC Press.
# - Pawitan, Y. (2001). *In All Likelihood: Statistical Modelling and Inference Using
#   Likelihood*, ch. 2 (the likelihood is not a density; invariance of the MLE). Oxford
#   University Press.
# - Speckman, P. L., Lee, J. and Sun, D. (2009). Existence of the MLE and propriety of
#   posteriors for a general multinomial choice model. *Statistica Sinica* 19, 731-748.
# - MacKay, D. J. C. (1992). The evidence framework applied to classification networks.
#   *Neural Computation* 4(5), 720-736 (the posterior predictive moderated towards ½).
# - Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
#   Rank-normalization, folding, and localization: an improved $\hat R$ for assessing
#   convergence of MCMC. *Bayesian Analysis* 16(2), 667-718.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
