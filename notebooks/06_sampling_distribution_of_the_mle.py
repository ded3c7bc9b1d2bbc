# %% [markdown]
# # The sampling distribution of the MLE, and when the posterior agrees with it
#
# Minimising the cross entropy gives one number per parameter. How far is it from the truth?
# Maximum-likelihood theory answers with a limit: as the number of observations $N$ grows,
#
# $$
# \hat\theta_N \;\approx\; \mathcal N\big(\theta_0,\; \mathcal I_N(\theta_0)^{-1}\big),
# \qquad \mathcal I_N(\theta)
#   = \mathbb E\Big[\nabla^2_\theta \sum_{i=1}^N H\big(h_i, q_\theta(x_i)\big)\Big],
# $$
#
# where $\mathcal I_N$ is the Fisher information: the expected Hessian of the summed cross
# entropy. For softmax regression the Hessian does not depend on the labels, so
# $\mathcal I_N(\theta) = N\, \mathbb E_x\big[\nabla^2_\theta H\big]$. Replacing $\theta_0$ by
# $\hat\theta$ and the expectation by the observed Hessian gives the familiar standard errors and
# the Wald intervals $\hat\theta_j \pm z\, \mathrm{se}_j$.
#
# A Bayesian with a flat prior reports the posterior instead. The Bernstein–von Mises theorem
# says that, for large $N$, that posterior is approximately
# $\mathcal N\big(\hat\theta, \mathcal I_N(\hat\theta)^{-1}\big)$: the *same* spread as the
# sampling distribution of the MLE, centred at the estimate instead of the truth. Credible
# intervals then behave like confidence intervals.
#
# Both statements are about large $N$. This notebook checks them by simulation, the only way to
# see a sampling distribution: draw many data sets from the generative process at several sample
# sizes, fit each one, and compare the spread of the estimates with the inverse Fisher
# information, with the Wald standard errors and with the flat-prior posterior. At small $N$ the
# agreement fails in ways worth seeing, including data sets for which there is no MLE at all.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_605
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## The experiment
#
# Three classes, one standard-normal feature, class 0 as the pivot: four free parameters
# $\theta = (b_1, w_1, b_2, w_2)$, in the order of `ce.pack_params`. The slope of class 1 is
# fairly steep, which makes separation possible at small $N$.
#
# At each sample size we draw `R` data sets. Every data set gets the MLE, its Wald intervals and
# its flat-prior posterior, except that at the largest $N$, where a posterior costs most, only
# the first `R_POST_BIG` data sets get a posterior. Running NUTS a thousand times
# would take far too long, so the posteriors are computed by importance sampling
# (`ce.importance_posterior`: draws from a Student-t centred at the MLE, reweighted by the exact
# likelihood, so the result is the exact posterior up to Monte Carlo error). Further down, NUTS on
# a few of the same data sets checks that the two agree.

# %%
K, d = 3, 1
W_true = np.array([[0.0], [2.0], [-1.0]])
b_true = np.array([0.0, 0.5, 0.0])
theta_true = ce.pack_params(W_true, b_true)
names = ["b_1", "w_1", "b_2", "w_2"]

N_GRID = [20, 50, 200, 800]
R = 400 if FAST else 1_200
R_POST_BIG = 250 if FAST else 400
LEVEL = 0.9
IS_DRAWS = 1_000
r_post = {n: R if n < N_GRID[-1] else R_POST_BIG for n in N_GRID}
print(
    f"sample sizes {N_GRID}; {R} data sets each; posteriors for {list(r_post.values())}; "
    f"{LEVEL:.0%} intervals"
)

# %% [markdown]
# The Fisher information per observation, $\mathbb E_x[\nabla^2_\theta H]$ at the true
# parameters, by Monte Carlo over a large sample of features (the Hessian needs labels only for
# their shape; its value does not depend on them). Its Monte Carlo error is far below anything
# that matters here.

# %%
X_big, y_big, _ = ce.simulate(200_000, W_true, b_true, rng)
fisher_1 = ce.nll_hessian(X_big, y_big, W_true, b_true) / len(y_big)
fisher_table = pd.DataFrame(fisher_1, index=names, columns=names).round(3)
print(f"Fisher information per observation:\n{fisher_table}")

# %% [markdown]
# The simulation itself. `SeparationError` marks the data sets whose MLE does not exist (the
# classes are separated, or, rarely at the smallest $N$, a class has no observations at all);
# they get no estimate, no Wald interval and no posterior (the flat-prior posterior is improper
# there, as the previous notebook showed).


# %%
def one_data_set(n, with_posterior):
    """Simulate, fit, and (optionally) compute the flat-prior posterior of one data set."""
    X, y, _ = ce.simulate(n, W_true, b_true, rng)
    try:
        fit = ce.fit_cross_entropy(X, y, n_classes=K)
    except ce.SeparationError:
        return None
    out = {
        "mle": ce.pack_params(fit.weights, fit.bias),
        "wald": ce.wald_intervals(X, y, fit.weights, fit.bias, LEVEL),
    }
    if with_posterior:
        post = ce.importance_posterior(X, y, IS_DRAWS, rng, n_classes=K)
        out.update(
            post_mean=post.mean(),
            post_sd=np.sqrt(np.diag(post.cov())),
            credible=post.interval(LEVEL),
            ess=post.ess,
        )
    return out


results = {}
for n in N_GRID:
    runs = [one_data_set(n, r < r_post[n]) for r in range(R)]
    ok = [run for run in runs if run is not None]
    with_post = [run for run in ok if "post_mean" in run]
    results[n] = {
        "n_separated": sum(run is None for run in runs),
        "mle": np.array([run["mle"] for run in ok]),
        "wald": np.array([run["wald"] for run in ok]),
        "post_mle": np.array([run["mle"] for run in with_post]),
        "post_wald": np.array([run["wald"] for run in with_post]),
        "post_mean": np.array([run["post_mean"] for run in with_post]),
        "post_sd": np.array([run["post_sd"] for run in with_post]),
        "credible": np.array([run["credible"] for run in with_post]),
        "ess": np.array([run["ess"] for run in with_post]),
    }
print({n: f"{res['n_separated']} of {R} without an MLE" for n, res in results.items()})

# %% [markdown]
# The importance-sampling posteriors are trustworthy only if the weights are not dominated by a
# few draws. The smallest effective sample size over all data sets:

# %%
min_ess = min(res["ess"].min() for res in results.values())
print(f"smallest importance-sampling ESS: {min_ess:.0f} of {IS_DRAWS} draws")
assert min_ess > 100

# %% [markdown]
# ## The sampling distribution against the inverse Fisher information
#
# The histograms show the MLE of the slope $w_1$ over the data sets that have one, with the
# asymptotic normal $\mathcal N\big(w_1, [\mathcal I_N(\theta_0)^{-1}]_{w_1}\big)$ on top. At
# $N = 800$ the two match. At $N = 20$ the histogram is far wider than the curve, shifted to the
# right, and has a long right tail: the estimate of a steep slope from a few observations is
# often much steeper, because near-separated data sets push it out, and the separated ones
# (counted in the titles) have no estimate at all.

# %%
j = names.index("w_1")
fig, axes = plt.subplots(1, len(N_GRID), figsize=(13, 3.6))
for ax, n in zip(axes, N_GRID):
    est = results[n]["mle"][:, j]
    sd_asym = np.sqrt(np.linalg.inv(n * fisher_1)[j, j])
    lo, hi = theta_true[j] - 5 * sd_asym, theta_true[j] + 5 * sd_asym
    ax.hist(
        np.clip(est, lo, hi),
        bins=40,
        range=(lo, hi),
        density=True,
        alpha=0.6,
        label="MLE over data sets",
    )
    grid = np.linspace(lo, hi, 200)
    ax.plot(grid, stats.norm.pdf(grid, theta_true[j], sd_asym), "k", label="N(θ₀, I⁻¹)")
    ax.axvline(theta_true[j], color="k", ls=":")
    ax.set_title(f"N = {n}\n{results[n]['n_separated']} of {R} without an MLE", fontsize=11)
axes[0].legend(fontsize=8, loc="upper left")
fig.supxlabel("MLE of the slope $\\hat w_1$ over data sets (clipped to ±5 asymptotic sd)")
save_figure(fig, "mle-sampling-distribution-by-n")
plt.show()

# %% [markdown]
# In numbers: the variance of each estimate across data sets, divided by the corresponding
# diagonal entry of $\mathcal I_N(\theta_0)^{-1}$; the bias of the slope; and the skewness of its
# sampling distribution. Asymptotically the ratios are 1 and the bias and skewness 0.

# %%
rows = []
for n in N_GRID:
    est = results[n]["mle"]
    inv_fisher = np.diag(np.linalg.inv(n * fisher_1))
    ratio = est.var(axis=0, ddof=1) / inv_fisher
    rows.append(
        {
            "N": n,
            "data sets with an MLE": len(est),
            **{f"var ratio {name}": r for name, r in zip(names, ratio)},
            "bias w_1": est[:, j].mean() - theta_true[j],
            "skewness w_1": stats.skew(est[:, j]),
        }
    )
sampling_table = pd.DataFrame(rows).set_index("N")
sampling_table.round(3)

# %% [markdown]
# How close to 1 must the ratios be at $N = 800$? If the estimates were exactly normal, the
# sample variance of $R'$ of them would have a relative standard error of $\sqrt{2/(R'-1)}$; we
# allow four of those. At $N = 20$ the slope's ratio is several times that far above 1, its bias
# is positive and large, and its skewness is far outside the $\pm 4\sqrt{6/R'}$ that a normal
# sample would show. (The MLE is never exactly normal: its skewness shrinks like $1/\sqrt N$, so
# at $N = 800$ a little of it is still visible with many data sets, but only a small fraction of
# the skewness at $N = 20$.)

# %%
big, small = N_GRID[-1], N_GRID[0]
n_big, n_small = len(results[big]["mle"]), len(results[small]["mle"])
var_tol = 4 * np.sqrt(2 / (n_big - 1))
ratios_big = sampling_table.loc[big, [f"var ratio {name}" for name in names]].to_numpy()
print(f"N = {big}: variance ratios {np.round(ratios_big, 3)}, allowed 1 ± {var_tol:.3f}")
assert np.all(np.abs(ratios_big - 1) < var_tol)

assert sampling_table.loc[small, "var ratio w_1"] > 1 + 4 * np.sqrt(2 / (n_small - 1))
assert sampling_table.loc[small, "skewness w_1"] > 4 * np.sqrt(6 / n_small)
# the skewness of the MLE fades like 1/sqrt(N); at N = 800 it is a small fraction of that at N = 20
assert sampling_table.loc[big, "skewness w_1"] < sampling_table.loc[small, "skewness w_1"] / 3
# the bias at N = 20 is positive beyond its standard error (sd / sqrt(R')) many times over
se_bias_small = results[small]["mle"][:, j].std() / np.sqrt(n_small)
assert sampling_table.loc[small, "bias w_1"] > 4 * se_bias_small

# %% [markdown]
# Separation is a small-sample phenomenon: a fair fraction of the data sets at $N = 20$ have no
# MLE, none at $N = 800$ (the probability that 800 draws separate is astronomically small here).

# %%
separated = pd.Series(
    {n: results[n]["n_separated"] / R for n in N_GRID}, name="fraction without an MLE"
)
print(separated.round(3).to_string())
assert results[small]["n_separated"] > 0 and results[big]["n_separated"] == 0
assert separated.is_monotonic_decreasing

# %% [markdown]
# ## The posterior against the Wald approximation
#
# For each data set, divide the posterior sd of each parameter by its Wald standard error (the
# square root of the diagonal of the inverse observed Hessian at the MLE). Bernstein–von Mises
# predicts ratios near 1 for large $N$. The shift of the posterior mean away from the MLE, in
# units of the standard error, tells the same story about the centre.

# %%
rows = []
for n in N_GRID:
    res = results[n]
    width = res["post_wald"][:, :, 1] - res["post_wald"][:, :, 0]
    se = width / (2 * stats.norm.ppf(0.5 + LEVEL / 2))
    sd_ratio = res["post_sd"] / se
    shift = (res["post_mean"] - res["post_mle"]) / se
    median_ratio = np.median(sd_ratio, axis=0)
    rows.append(
        {
            "N": n,
            **{f"sd/se {name}": v for name, v in zip(names, median_ratio)},
            "median shift w_1 (in se)": np.median(shift[:, j]),
        }
    )
    res["sd_ratio"] = sd_ratio
bvm_table = pd.DataFrame(rows).set_index("N")
bvm_table.round(3)

# %% [markdown]
# At $N = 800$ the median ratio is within two per cent of 1 for every parameter (the
# importance-sampling error of a single ratio is a few per cent; the median over hundreds of
# data sets is much steadier). At $N = 20$ the posterior is more than 10 % wider than the Wald
# approximation for every parameter, and its mean sits well away from the MLE: the posterior is
# skewed, which no normal approximation can represent.

# %%
assert np.all(np.abs(bvm_table.loc[big, [f"sd/se {name}" for name in names]] - 1) < 0.02)
assert np.all(bvm_table.loc[small, [f"sd/se {name}" for name in names]] > 1.1)
assert bvm_table.loc[small, "median shift w_1 (in se)"] > 0.1
assert bvm_table["sd/se w_1"].is_monotonic_decreasing

# %% [markdown]
# ## Coverage of Wald and credible intervals
#
# A 90 % interval procedure should contain the true parameter in 90 % of data sets. The
# proportion that do is a binomial estimate with standard error $\sqrt{0.9 \cdot 0.1 / R'}$ for
# $R'$ data sets. The table reports both kinds of interval on the same data sets (those with a
# posterior), averaged over the four parameters, and per parameter.


# %%
def covers(intervals):
    """(R', P, 2) intervals -> (R', P) booleans: does the interval contain the true value?"""
    return (intervals[:, :, 0] <= theta_true) & (theta_true <= intervals[:, :, 1])


rows = []
for n in N_GRID:
    res = results[n]
    wald_hit, cred_hit = covers(res["post_wald"]), covers(res["credible"])
    res["wald_hit"], res["cred_hit"] = wald_hit, cred_hit
    n_sets = len(wald_hit)
    rows.append(
        {
            "N": n,
            "data sets": n_sets,
            "no MLE (of R)": res["n_separated"],
            "Wald coverage": wald_hit.mean(),
            "credible coverage": cred_hit.mean(),
            "binomial se": np.sqrt(LEVEL * (1 - LEVEL) / n_sets),
            **{f"Wald {name}": v for name, v in zip(names, wald_hit.mean(axis=0))},
            **{f"credible {name}": v for name, v in zip(names, cred_hit.mean(axis=0))},
        }
    )
coverage_table = pd.DataFrame(rows).set_index("N")
coverage_table.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, kind in zip(axes, ["Wald", "credible"]):
    for p, name in enumerate(names):
        cov = coverage_table[f"{kind} {name}"]
        x_offset = np.array(N_GRID) * (1 + 0.04 * (p - 1.5))  # side by side, not on top
        ax.errorbar(
            x_offset,
            cov,
            yerr=2 * coverage_table["binomial se"],
            fmt="o-",
            ms=4,
            capsize=2,
            label=name,
        )
    ax.axhline(LEVEL, color="k", ls=":", label="nominal 90 %")
    ax.set(xscale="log", xlabel="N", title=f"{kind} intervals", xticks=N_GRID, xticklabels=N_GRID)
axes[0].set_ylabel("coverage (± 2 binomial se)")
axes[1].legend(fontsize=8, loc="lower right")
save_figure(fig, "interval-coverage-by-n")
plt.show()

# %% [markdown]
# The checks, each with a tolerance of four binomial standard errors:
#
# * at $N = 800$ every parameter's Wald and credible coverage is within tolerance of 90 %;
# * at $N = 20$ the credible intervals under-cover: averaged over the parameters, their coverage
#   is more than four standard errors below 90 %, while the Wald intervals err on the other side
#   and cover more than 90 % of the time (the near-separated data sets have enormous standard
#   errors);
# * at $N = 20$ the two procedures disagree on the same data sets: the Wald intervals cover
#   more often, by more than four standard errors of the paired difference (the per-data-set
#   difference in the fraction of parameters covered, so its standard error comes from the
#   data rather than from a binomial formula).
#
# Both statements about $N = 20$ are conditional on the MLE existing; the separated data sets,
# for which neither interval can be computed, are a further failure of both.

# %%
res_big, res_small = results[big], results[small]
se_big = np.sqrt(LEVEL * (1 - LEVEL) / len(res_big["wald_hit"]))
for kind in ("wald_hit", "cred_hit"):
    assert np.all(np.abs(res_big[kind].mean(axis=0) - LEVEL) < 4 * se_big), kind

se_small = np.sqrt(LEVEL * (1 - LEVEL) / len(res_small["cred_hit"]))
assert res_small["cred_hit"].mean() < LEVEL - 4 * se_small
assert res_small["wald_hit"].mean() > LEVEL

# per data set: fraction of parameters the Wald intervals cover minus the credible ones'
diff = (res_small["wald_hit"].astype(float) - res_small["cred_hit"]).mean(axis=1)
se_paired = diff.std(ddof=1) / np.sqrt(len(diff))
print(f"N = {small}: Wald minus credible coverage {diff.mean():.3f}, paired se {se_paired:.3f}")
assert diff.mean() > 4 * se_paired

# %% [markdown]
# ## NUTS on a few data sets: the same posteriors, one compiled model
#
# Finally, the importance-sampling posteriors against PyMC's NUTS, on one data set per sample
# size (two in the full run). The model is built once with the library's
# `softmax_regression_model` under flat priors; `pm.set_data` swaps in each new data set, with
# the new number of observations in the `obs` coordinate, so PyTensor compiles the model once.

# %%
n_nuts = 1 if FAST else 2
nuts_sets = {}
for n in N_GRID:
    sets = []
    while len(sets) < n_nuts:
        X, y, _ = ce.simulate(n, W_true, b_true, rng)
        if np.bincount(y, minlength=K).min() > 0 and ce.separation_direction(X, y, K) is None:
            sets.append((X, y))
    nuts_sets[n] = sets

X0, y0 = nuts_sets[N_GRID[0]][0]
flat_model = ce.softmax_regression_model(X0, y0, prior="flat", n_classes=K)
nuts_rows, nuts_draws = [], {}
for n in N_GRID:
    for i, (X, y) in enumerate(nuts_sets[n]):
        with flat_model, ce.capture_sampler_messages():
            pm.set_data({"X": X, "y": y}, coords={"obs": np.arange(n)})
            dt = pm.sample(
                draws=1_000,
                tune=1_000,
                chains=2,
                cores=1,
                random_seed=1_000 * n + i,
                progressbar=False,
                compute_convergence_checks=False,
                var_names=["W_free", "b_free"],
            )
        post = dt.posterior.to_dataset()
        W = post["W_free"].values.reshape(-1, K - 1, d)
        b = post["b_free"].values.reshape(-1, K - 1)
        draws = np.concatenate([b[:, :, None], W], axis=2).reshape(len(b), -1)  # pack_params order
        ref = ce.importance_posterior(X, y, 20_000, rng, n_classes=K)
        ess_nuts = az.ess(dt).to_dataset().to_array().min().item()
        sd_ref = np.sqrt(np.diag(ref.cov()))
        nuts_rows.append(
            {
                "N": n,
                "data set": i,
                "max r_hat": az.rhat(dt).to_dataset().to_array().max().item(),
                "min ess": ess_nuts,
                "divergences": int(dt.sample_stats.to_dataset()["diverging"].sum()),
                "max |mean diff| / sd": np.max(np.abs(draws.mean(axis=0) - ref.mean()) / sd_ref),
                "max |sd ratio - 1|": np.max(np.abs(draws.std(axis=0) / sd_ref - 1)),
                "IS ess": ref.ess,
            }
        )
        nuts_draws[(n, i)] = (draws, ref)
nuts_table = pd.DataFrame(nuts_rows).set_index(["N", "data set"])
nuts_table.round(3)

# %% [markdown]
# The NUTS runs converged (every $\hat R < 1.01$, no divergences), and the two methods agree:
# the difference of the posterior means is a Monte Carlo error, below five standard errors
# $\text{sd}\sqrt{1/\text{ESS}_\text{NUTS} + 1/\text{ESS}_\text{IS}}$, and the posterior sds
# agree to within 20 % (the relative error of an sd from an ESS of several hundred is a few
# per cent).

# %%
assert (nuts_table["max r_hat"] < 1.01).all() and (nuts_table["divergences"] == 0).all()
assert (nuts_table["min ess"] > 300).all()
mean_tol = 5 * np.sqrt(1 / nuts_table["min ess"] + 1 / nuts_table["IS ess"])
assert (nuts_table["max |mean diff| / sd"] < mean_tol).all()
assert (nuts_table["max |sd ratio - 1|"] < 0.2).all()

# %% [markdown]
# ## Bernstein–von Mises in one picture
#
# For the first NUTS data set at each $N$, in units of the asymptotic standard deviation
# $\sqrt{[\mathcal I_N(\theta_0)^{-1}]_{w_1}}$: the posterior of $w_1$ centred at the data set's
# MLE, the sampling distribution of $\hat w_1$ centred at the truth, and the standard normal that
# both approach. At $N = 800$ the three coincide, as the tables above showed in numbers; at
# $N = 20$ they visibly do not.

# %%
fig, axes = plt.subplots(1, len(N_GRID), figsize=(13, 3.4), sharey=True)
grid = np.linspace(-4, 4, 200)
for ax, n in zip(axes, N_GRID):
    sd_asym = np.sqrt(np.linalg.inv(n * fisher_1)[j, j])
    draws, ref = nuts_draws[(n, 0)]
    posterior_z = (draws[:, j] - ref.mle[j]) / sd_asym
    sampling_z = (results[n]["mle"][:, j] - theta_true[j]) / sd_asym
    bins = np.linspace(-4, 4, 41)
    ax.hist(
        np.clip(posterior_z, -4, 4),
        bins=bins,
        density=True,
        alpha=0.5,
        label="posterior − MLE (NUTS)",
    )
    ax.hist(
        np.clip(sampling_z, -4, 4),
        bins=bins,
        density=True,
        histtype="step",
        lw=2,
        label="MLE − truth (over data sets)",
    )
    ax.plot(grid, stats.norm.pdf(grid), "k", label="N(0, 1)")
    ax.set_title(f"N = {n}")
axes[0].legend(fontsize=7, loc="upper left")
fig.supxlabel("$w_1$ in units of its asymptotic sd (clipped to ±4)")
save_figure(fig, "bernstein-von-mises-by-n")
plt.show()

# %% [markdown]
# ## Summary
#
# * For large $N$ the MLE (the cross-entropy minimiser) is approximately normal around the truth
#   with covariance equal to the inverse Fisher information, the inverse expected Hessian of the
#   summed cross entropy; Wald intervals built from the observed Hessian reach their nominal
#   coverage.
# * The flat-prior posterior has the same covariance and is centred at the MLE, so credible
#   intervals and Wald intervals coincide and both cover as advertised: Bernstein–von Mises.
# * At small $N$ every part of this fails: some data sets have no MLE, the rest give a skewed,
#   biased estimate with a variance well above the inverse Fisher information, the posterior is
#   wider and skewed, and Wald and credible intervals disagree with each other and with their
#   nominal level.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
