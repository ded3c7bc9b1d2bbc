# %% [markdown]
# # Real data, end to end
#
# The earlier notebooks drew their data from a known softmax regression, so every estimate
# could be compared with the truth. Real data have no true parameter inside the model: the
# model is at best a good approximation, and the questions change. Does minimising the summed
# cross entropy give the same fit as the standard software? Does the Wald approximation describe
# the uncertainty as a posterior does? Does the model predict new respondents as well as it fits
# the old ones, and how do we measure that without new respondents? And what happens on real
# data where the MLE does not exist?
#
# The thread is one identity. A fitted model's predictive distribution $\bar q(\cdot \mid x)$
# is judged by its *expected log predictive density* for a new observation $(x, y)$ of the
# population, which is minus a cross entropy:
#
# $$
# \operatorname{elpd} = \mathbb E_{x, y}\big[\log \bar q(y \mid x)\big]
#   = -\,\mathbb E_x\big[H\big(p(\cdot \mid x), \bar q(\cdot \mid x)\big)\big],
# $$
#
# with $p$ the population's conditional distribution of the label. A held-out test set
# estimates it by the mean of $\log \bar q(y_j \mid x_j)$ over its rows, which is minus the
# mean held-out cross entropy; Pareto-smoothed importance sampling leave-one-out cross-validation
# (PSIS-LOO) estimates it from the training data alone.
#
# Two data sets that ship with the installed packages: the 1996 American National Election
# Study (statsmodels), seven classes of party identification; and a separable subset of
# Fisher's iris flowers (scikit-learn).

# %%
import warnings

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_610
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()  # fewer posterior draws; the data and every assert are the same
az.style.use("arviz-variat")
DRAWS = 500 if FAST else 1_000
SAMPLE_KW = dict(tune=500, chains=4, cores=1, progressbar=False, random_seed=RANDOM_SEED)

# %% [markdown]
# ## 1. Party identification in the 1996 election study
#
# The 944 respondents of `statsmodels.datasets.anes96` place themselves on a seven-point scale
# of party identification (`PID`, from 0 = strong Democrat to 6 = strong Republican; 3 is the
# independent who leans to neither party). The predictors of statsmodels' multinomial-logit
# example are the log population of the respondent's home town (`logpopul`), their own
# placement from extremely liberal (1) to extremely conservative (7) (`selfLR`), `age`,
# education in seven levels (`educ`) and household income in 24 bands (`income`).

# %%
anes = sm.datasets.anes96.load_pandas().data
PREDICTORS = ["logpopul", "selfLR", "age", "educ", "income"]
PID = ["strong D", "weak D", "indep. D", "independent", "indep. R", "weak R", "strong R"]
X_anes, y_anes = anes[PREDICTORS].to_numpy(float), anes["PID"].to_numpy().astype(int)
K = len(PID)
pd.DataFrame([np.bincount(y_anes, minlength=K)], ["respondents"], PID)

# %% [markdown]
# ### The MLE by cross entropy, and statsmodels' `MNLogit`
#
# `ce.fit_cross_entropy` minimises the summed cross entropy by Newton's method; statsmodels'
# `MNLogit` maximises the multinomial-logit likelihood, also by Newton's method. `MNLogit`'s
# reference class is the first one (strong Democrat), the class whose row the pivot
# parametrisation fixes at zero, so the two parameter vectors compare entry by entry: for each
# of the classes 1 to 6 an intercept and five slopes, the log-odds of that class against strong
# Democrat. Both give standard errors from the observed information (the NLL's Hessian).

# %%
mle = ce.fit_cross_entropy(X_anes, y_anes)
mnl = sm.MNLogit(y_anes, sm.add_constant(X_anes)).fit(method="newton", disp=0, tol=1e-12)
theta_mle, theta_mnl = ce.pack_params(mle.weights, mle.bias), np.asarray(mnl.params).T.ravel()
se_mle = ce.standard_errors(X_anes, y_anes, mle.weights, mle.bias)
se_mnl = np.asarray(mnl.bse).T.ravel()  # params and bse: one column per class 1..6
print(f"NLL: ce.fit_cross_entropy {mle.nll:.8f}, MNLogit {-mnl.llf:.8f}")
print(
    f"largest |difference|: parameters {np.abs(theta_mle - theta_mnl).max():.1e}, "
    f"se {np.abs(se_mle / se_mnl - 1).max():.1e} (relative)"
)

# %% tags=["hide-input"]
# Check: the gradients g of both estimates bound their distance: a local quadratic with Hessian
# H moves its minimiser by at most ||H^-1|| ||g||, so ||theta_1 - theta_2|| <= ||H^-1||
# (||g_1|| + ||g_2||) (about 2e-6 here: a gap of 1e-5, far below every se, would fail). The NLLs
# then differ by rounding (1e-12 relative); the se come from Hessians at points that close,
# inverted with condition number ~1e6 (error ~1e6 eps): 1e-6 relative covers both.
loss = ce.SoftmaxRegressionLoss(X_anes, y_anes, K)
grads = [np.linalg.norm(loss.loss_gradient(t)[1]) for t in (theta_mle, theta_mnl)]
H_anes = ce.nll_hessian(X_anes, y_anes, mle.weights, mle.bias)
assert np.linalg.norm(theta_mle - theta_mnl) <= sum(grads) / np.linalg.eigvalsh(H_anes)[0] < 1e-5
assert np.isclose(mle.nll, -mnl.llf, rtol=1e-12) and np.allclose(se_mle, se_mnl, rtol=1e-6)

# %% [markdown]
# Read on the original scale, the slope of `selfLR` is the change in the log-odds of each class
# against strong Democrat per step to the right on the liberal-conservative scale. Its Wald
# interval, $\hat\theta_j \pm 1.96\, \mathrm{se}_j$, is an approximate 95% confidence interval
# when the model is right and the NLL close to its quadratic approximation at the MLE. Every
# slope is positive, its interval above zero: each step to the right makes every class more
# likely relative to strong Democrat. The estimates rise in the order of the scale, from 0.3
# (weak D) to 2.1 (strong R), but the data do not separate every pair of neighbours: the two
# Republican-leaning classes (indep. R, weak R) differ by less than 2 standard errors of their
# difference.

# %%
wald = ce.wald_intervals(X_anes, y_anes, mle.weights, mle.bias)
j_self = 1 + PREDICTORS.index("selfLR")  # position in each class's block [b, w_1..w_5]
table = np.column_stack([theta_mle[j_self::6], se_mle[j_self::6], wald[j_self::6]])
pd.DataFrame(table, index=PID[1:], columns=["selfLR slope", "se", "95% lower", "95% upper"]).round(
    3
)

# %% tags=["hide-input"]
# Check: the statements of the text on these (full-data) estimates; the difference of the two
# Republican-leaning slopes is measured in its own se, the two estimates' covariance included.
slope, cov = theta_mle[j_self::6], np.linalg.inv(H_anes)
i4, i5 = 3 * 6 + j_self, 4 * 6 + j_self  # classes 4 and 5 are rows 3 and 4 of the free rows
se_diff = np.sqrt(cov[i4, i4] + cov[i5, i5] - 2 * cov[i4, i5])
assert np.all(wald[j_self::6, 0] > 0) and np.all(np.diff(slope) > 0)
assert round(slope[0], 1) == 0.3 and round(slope[-1], 1) == 2.1
assert abs(theta_mle[i5] - theta_mle[i4]) < 2 * se_diff

# %% [markdown]
# ### A Bayesian model, fitted to a training set
#
# To judge predictions on data the model has not seen, we hold out a random 30% of the
# respondents as a test set and fit only the other 70%. The predictors are standardised with
# the training set's means and standard deviations, so that one weakly informative prior
# suits every coefficient: independent $\mathcal N(0, 2.5^2)$ on each free slope and intercept,
# weakly informative in the sense of Gelman et al. (2008): it lets a one-sd change in a
# predictor move a log-odds by a few units and rules out changes of tens. The model, written out, is the pivot softmax regression
# of the library's `ce.softmax_regression_model(U, y, prior=2.5)`:

# %%
n_test = round(0.3 * len(y_anes))
is_test = np.zeros(len(y_anes), dtype=bool)
is_test[rng.choice(len(y_anes), n_test, replace=False)] = True
centre, scale = X_anes[~is_test].mean(0), X_anes[~is_test].std(0)
U_tr, y_tr = (X_anes[~is_test] - centre) / scale, y_anes[~is_test]
U_te, y_te = (X_anes[is_test] - centre) / scale, y_anes[is_test]
n_train = len(y_tr)


def softmax_model(U, y, classes, features, sigma=2.5):
    coords = {"obs": np.arange(len(y)), "class": classes, "class_free": classes[1:]}
    with pm.Model(coords=coords | {"feature": features}) as model:
        X_data = pm.Data("X", U, dims=("obs", "feature"))
        y_data = pm.Data("y", y, dims="obs")
        W_free = pm.Normal("W_free", 0.0, sigma, dims=("class_free", "feature"))
        b_free = pm.Normal("b_free", 0.0, sigma, dims="class_free")
        z_free = X_data @ W_free.T + b_free  # class 0's logit is fixed at zero
        z = pm.math.concatenate([pm.math.zeros((X_data.shape[0], 1)), z_free], axis=1)
        pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
    return model


anes_model = softmax_model(U_tr, y_tr, PID, PREDICTORS)
pm.model_to_graphviz(anes_model)

# %% tags=["hide-input"]
# Check: the same log density as the library's builder at random points (1e-12 relative).
logp_ours = anes_model.compile_logp()
logp_lib = ce.softmax_regression_model(U_tr, y_tr, prior=2.5).compile_logp()
for _ in range(3):
    point = {"W_free": rng.normal(size=(K - 1, 5)), "b_free": rng.normal(size=K - 1)}
    assert np.isclose(logp_ours(point), logp_lib(point), rtol=1e-12)

# %% [markdown]
# NUTS draws from the posterior on four chains. Before using the draws we check that R-hat
# (which compares the spread between chains with the spread within them; 1 when they agree) is
# at most 1.01 for every parameter, that the effective sample size (ESS, the number of
# independent draws with the same Monte Carlo error) of the bulk and of the tails exceeds 400,
# and that no trajectory diverged.

# %%
with anes_model, ce.capture_sampler_messages():
    dt = pm.sample(draws=DRAWS, **SAMPLE_KW)
    pm.compute_log_likelihood(dt, progressbar=False)


def diagnostics(dt):
    ess = [az.ess(dt, method=m).to_dataset().to_array().min().item() for m in ("bulk", "tail")]
    rhat = az.rhat(dt).to_dataset().to_array().max().item()
    n_div = int(dt.sample_stats.to_dataset()["diverging"].sum())
    return pd.Series(
        [rhat, *ess, n_div], ["max R-hat", "min bulk ESS", "min tail ESS", "divergent"]
    )


def assert_converged(diag):
    assert diag["max R-hat"] <= 1.01 and diag["divergent"] == 0
    assert min(diag["min bulk ESS"], diag["min tail ESS"]) > 400


diag_anes = diagnostics(dt)
diag_anes.round(3)

# %% tags=["hide-input"]
# Check: the diagnostics the text requires.
assert_converged(diag_anes)

# %% [markdown]
# ### Posterior intervals beside Wald intervals
#
# With 661 training respondents and 36 parameters the posterior should be close to the normal
# distribution centred at the MLE with the inverse observed information as covariance
# (the Bernstein-von Mises theorem), and the weak prior should hardly move it. The figure puts
# the 95% Wald interval of each parameter (from the MLE of the training set, standardised
# predictors) beside the posterior's 95% equal-tailed interval.

# %%
post = dt.posterior.to_dataset()
Wd, bd = post["W_free"].values.reshape(-1, K - 1, 5), post["b_free"].values.reshape(-1, K - 1)
draws = np.concatenate([bd[..., None], Wd], axis=-1).reshape(len(bd), -1)  # pack_params order
mle_tr = ce.fit_cross_entropy(U_tr, y_tr)
theta_tr = ce.pack_params(mle_tr.weights, mle_tr.bias)
se_tr = ce.standard_errors(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
wald_tr = ce.wald_intervals(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
post_ci = np.quantile(draws, [0.025, 0.975], axis=0).T
shift = ((draws.mean(0) - theta_tr) / se_tr).reshape(K - 1, 6)  # in se of the MLE
sd_ratio = (draws.std(0) / se_tr).reshape(K - 1, 6)
end_gap = (np.abs(post_ci - wald_tr).max(1) / se_tr).reshape(K - 1, 6)

fig, axes = plt.subplots(2, 3, figsize=(12, 6.8), sharey=True, layout="constrained")
rows = np.arange(K - 1)
for j, (ax, name) in enumerate(zip(axes.flat, ["intercept", *PREDICTORS])):
    for ci, mid, dy, c, label in [
        (wald_tr, theta_tr, -0.15, "C0", "MLE and 95% Wald interval"),
        (post_ci, draws.mean(0), 0.15, "C1", "posterior mean and 95% interval"),
    ]:
        ax.hlines(rows + dy, *ci[j::6].T, color=c, lw=2.5, label=label)
        ax.plot(mid[j::6], rows + dy, "o", color=c, ms=6, mec="white")
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(title=name, yticks=rows, yticklabels=PID[1:])
axes[0, 0].invert_yaxis()  # shared: class 1 on top
for ax in axes[1]:
    ax.set_xlabel("log-odds against strong D, per sd")
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
save_figure(fig, "anes-wald-vs-posterior")

# %% [markdown]
# The two kinds of interval nearly coincide. Measured in the MLE's standard errors, the
# posterior means lie within 0.5 se of the MLE and the posterior sds within 10% of the Wald
# standard errors. The largest gaps are in the parameters of the independents (class 3), the
# smallest class (37 of the 944 respondents, about 26 in a training set): the Wald interval
# comes from a quadratic expansion of the NLL, and a class's parameters are informed mostly by
# its own members, so the expansion is worst where they are fewest. In the other five classes
# the posterior means are within 0.2 se of the MLE. Agreement between the two says that the
# posterior is nearly normal; it does not say that either interval covers at its nominal 95%.
# Both use the inverse observed information (under misspecification the posterior
# concentrates with that covariance too), which is the MLE's sampling covariance only when the
# model is right; when it is not, the sandwich $H^{-1} J H^{-1}$ is, with $J$ the sum of the
# outer products of the observations' score vectors.

# %%
per_class = [np.abs(shift).max(1), np.abs(sd_ratio - 1).max(1), end_gap.max(1)]
columns = ["max |mean − MLE| / se", "max |sd / se − 1|", "max endpoint gap / se"]
pd.DataFrame(np.column_stack(per_class), PID[1:], columns).assign(
    **{"training respondents": np.bincount(y_tr, minlength=K)[1:]}
).round(3)

# %% tags=["hide-input"]
# Check: the claims, with the Monte Carlo error added. In se units a posterior mean has MC se
# 1/sqrt(ESS) and an sd a relative MC se 1/sqrt(2 ESS) (0.03 and 0.02 at ESS 1000); 4 of them
# are added to the stated bounds, so the checks detect a mean shift beyond ~0.6 se or an sd off
# by ~20%. Class 3's largest shift exceeds every other class's by more than 4 MC se of a
# difference (the gap needed is ~0.15-0.2 se; the gap found is about 0.25).
mc_mean, mc_sd = diag_anes["min bulk ESS"] ** -0.5, (2 * diag_anes["min bulk ESS"]) ** -0.5
assert np.abs(shift).max() < 0.5 + 4 * mc_mean and np.abs(sd_ratio - 1).max() < 0.1 + 4 * mc_sd
worst, rest = per_class[0][2], np.delete(per_class[0], 2)
assert worst - rest.max() > 4 * np.sqrt(2) * mc_mean and rest.max() < 0.2 + 4 * mc_mean
assert np.bincount(y_anes)[3] == 37

# %% [markdown]
# ### Checking predictions: class counts and calibration on the test set
#
# A posterior predictive check compares data with draws from the predictive distribution. On
# the *training* data the class counts cannot fail it: the score equations of the intercepts
# make the MLE's mean predicted probability of each class equal its observed frequency exactly,
# and the posterior is close to the MLE. On the test set the check is real. We point the
# model's data at the test predictors (`pm.set_data`), draw test labels for every posterior
# draw, and compare the observed class counts with the predictive distribution of the counts in
# ArviZ's rootogram (square-root scale).

# %%
with anes_model, ce.capture_sampler_messages():
    pm.set_data({"X": U_te, "y": y_te}, coords={"obs": np.arange(n_test)})
    dt_test = pm.sample_posterior_predictive(dt, random_seed=RANDOM_SEED, progressbar=False)
pc = az.plot_ppc_rootogram(dt_test, ci_prob=0.94)
fig = pc.get_viz("figure")
fig.set_size_inches(7, 4)
ax = fig.axes[0]
ax.set(xlabel="PID (0 = strong D, 6 = strong R)", ylabel="respondents", title="ANES test set")
markers = [
    plt.Line2D([], [], color=c, marker=m, ls=ls) for c, m, ls in [("C0", "d", "-"), ("k", "o", "")]
]
ax.legend(markers, ["predictive mean, 94% interval", "observed"], loc="lower left")
save_figure(pc.get_viz("figure"), "anes-test-class-counts")

# %% [markdown]
# The observed test counts lie within the spread of the predictive counts; the table gives
# each one's distance from the predictive mean in predictive sds ($z$).

# %%
y_rep = dt_test.posterior_predictive["y_obs"].values.reshape(-1, n_test)
pred_counts = np.stack([(y_rep == k).sum(1) for k in range(K)], 1)
count_z = (np.bincount(y_te, minlength=K) - pred_counts.mean(0)) / pred_counts.std(0)
counts = [np.bincount(y_te, minlength=K), pred_counts.mean(0), pred_counts.std(0), count_z]
pd.DataFrame(counts, ["observed", "predictive mean", "predictive sd", "z"], PID).round(2)

# %% tags=["hide-input"]
# Check: each observed test count within 3.5 predictive sds of the predictive mean (a
# calibrated predictive distribution fails this in one of 7 classes with probability ~3e-3;
# a class count off by ~25% in the larger classes would fail).
assert np.abs(count_z).max() < 3.5

# %% [markdown]
# Calibration asks more: among the test forecasts $\bar q_k(x_j)$ near a value $t$, does the
# class occur a fraction $t$ of the time? The posterior predictive forecast averages the
# softmax over the draws, $\bar q(x) = \frac1S \sum_s \operatorname{softmax}(W_s x + b_s)$. The
# reliability diagram pools the $7 \times 283$ (respondent, class) forecasts into 10 bins of
# equal counts, with $z = (\text{observed} - \text{mean forecast}) / \text{binomial se}$ per bin.

# %%
Z_te = np.einsum("nj,skj->snk", U_te, Wd) + bd[:, None, :]
q_bar = ce.softmax(np.concatenate([np.zeros((*Z_te.shape[:2], 1)), Z_te], -1)).mean(0)
rel = ce.reliability_curve(ce.one_hot(y_te, K), q_bar, n_bins=10, strategy="quantile")
fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.plot([0, 0.6], [0, 0.6], color="0.5", lw=1, label="calibrated")
style = dict(fmt="o-", ms=5, color="C0", label="posterior predictive, ± 2 se")
ax.errorbar(rel.mean_predicted, rel.observed, 2 * rel.std_error, **style)
ax.set(xlabel="mean forecast in the bin", ylabel="observed frequency", title="ANES test set")
ax.legend(loc="lower right")
save_figure(fig, "anes-test-reliability")
pd.DataFrame([rel.mean_predicted, rel.observed, rel.z], ["mean forecast", "observed", "z"]).round(3)

# %% [markdown]
# In every bin whose mean forecast exceeds 3% the observed frequency is within the binomial
# noise of the forecast. The lowest bins, forecasts of 1-2%, are left out of that statement:
# they expect a few events each, too few for the normal approximation behind $z$. Exercise 3
# looks at them with all 944 respondents.

# %% tags=["hide-input"]
# Check: calibrated forecasts give |z| < 4 in every one of the (about 8) bins above 3% with
# probability > 0.999 (normal approximation, ~8 x 6e-5); a bin off by 4 binomial se
# (0.03-0.1 in probability) would fail.
upper = rel.mean_predicted > 0.03
assert upper.sum() >= 6 and np.abs(rel.z[upper]).max() < 4

# %% [markdown]
# ### Held-out cross entropy and PSIS-LOO
#
# Now the identity of the introduction. On the test set, the mean log predictive density is
# $\frac1m \sum_j \log \bar q(y_j \mid x_j)$, minus the mean held-out cross entropy of the
# posterior predictive forecasts; its standard error is the sd of the $m$ terms over
# $\sqrt m$. On the training data, leave-one-out cross-validation would refit the model $n$
# times without observation $i$ and score $\log p(y_i \mid x_i, \mathcal D_{-i})$; PSIS-LOO
# (Vehtari et al., 2017) gets those $n$ terms from the one posterior, by importance weights
# $\propto 1/p(y_i \mid x_i, \theta_s)$, Pareto-smoothed, and is reliable when every Pareto
# shape $\hat k$ is below 0.7. Divided by $n$, both estimate the elpd per respondent of a model
# fitted to about 660 respondents. For comparison: the MLE's forecasts on the test set (a
# plug-in, which ignores the parameters' uncertainty), and the MLE's in-sample mean
# log-likelihood.

# %%
loo = az.loo(dt, pointwise=True)
lpd_test = np.log(q_bar[np.arange(n_test), y_te])
lpd_mle = ce.log_softmax(mle_tr.model.decision_function(U_te))[np.arange(n_test), y_te]
elpd = pd.DataFrame(
    {
        "PSIS-LOO, training set": (loo.elpd / n_train, loo.se / n_train),
        "posterior predictive, test set": (lpd_test.mean(), lpd_test.std(ddof=1) / n_test**0.5),
        "MLE plug-in, test set": (lpd_mle.mean(), lpd_mle.std(ddof=1) / n_test**0.5),
        "MLE, in-sample (training set)": (-mle_tr.nll / n_train, np.nan),
    },
    index=["log predictive density per respondent", "se"],
).T
print(f"largest Pareto k {float(loo.pareto_k.max()):.2f}; p_loo {loo.p:.1f} (36 parameters)")
elpd.round(4)

# %% tags=["hide-input"]
# Check: PSIS-LOO is reliable (every k < 0.7), and the two estimates of the elpd per
# respondent, from disjoint data, agree within 4 sd of their difference (se combined in
# quadrature; the training sets of 660 and 661 make a negligible difference). With these se
# (~0.06 combined) only a gap beyond ~0.25 nats would fail. p_loo is within a quarter of the
# number of parameters (its Monte Carlo error is far smaller; the gap is the approximation's).
assert float(loo.pareto_k.max()) < 0.7
(loo_pp, loo_se), (test_pp, test_se) = elpd.iloc[0], elpd.iloc[1]
assert abs(loo_pp - test_pp) < 4 * np.hypot(loo_se, test_se) and abs(loo.p - 36) < 9

# %% [markdown]
# The two are estimates of the same quantity, minus a cross entropy per respondent, and they
# agree within their standard errors; the test set's rests on fewer respondents and is the
# noisier. The in-sample log-likelihood scores the data the parameters were fitted to; PSIS-LOO
# estimates that optimism from the training data alone, $p_\text{loo}$ nats in all, close to
# the number of parameters, the penalty of Akaike's criterion.
#
# ## 2. When the MLE does not exist: a separable subset of iris
#
# Fisher's iris data hold 50 flowers of each of three species. Setosa and versicolor flowers can
# be told apart by a straight line in the plane of sepal length and sepal width: the two
# classes are completely separated, and the MLE of logistic regression does not exist (notebook
# 05). `ce.fit_cross_entropy` says so, with the direction along which the likelihood rises
# forever. (The full data, three species and four features, are quasi-completely separated:
# setosa is separable from the rest.)


# %%
def separation(X, y):
    """The SeparationError that fit_cross_entropy raises on (X, y), or None."""
    try:
        ce.fit_cross_entropy(X, y)
    except ce.SeparationError as error:
        return error


iris = load_iris()
keep = iris.target < 2  # setosa (0) and versicolor (1)
X_iris, y_iris = iris.data[keep][:, :2], iris.target[keep]
U_iris = (X_iris - X_iris.mean(0)) / X_iris.std(0)
sep, sep_full = separation(U_iris, y_iris), separation(iris.data, iris.target)
print(sep)
print(f"complete: subset {sep.complete}, full data {sep_full.complete}")

# %% tags=["hide-input"]
# Check: the error's direction D separates: every flower's margin, its own class's logit
# minus the other's along D, is positive (complete separation); the full data are quasi-
# completely separated, with setosa (class 0) separable from the rest.
Z_dir = np.column_stack([np.ones(len(U_iris)), U_iris]) @ sep.direction.T
margins = Z_dir[np.arange(len(y_iris)), y_iris] - Z_dir[np.arange(len(y_iris)), 1 - y_iris]
print(f"smallest margin along D: {margins.min():.3f}")
assert sep.complete and margins.min() > 0
assert sep_full.complete is False and "class 0 is separable from the rest" in str(sep_full)

# %% [markdown]
# scikit-learn's `LogisticRegression` raises no error. Unpenalised (`C=np.inf`), it returns
# weights whose size is set by its stopping rule: the tighter the tolerance `tol`, the larger
# they are, and its convergence warning appears only when `max_iter` runs out first. With the
# L2 penalty $\lVert w\rVert^2 / (2C)$ the minimiser exists for every finite $C$, and as
# $C \to \infty$ its direction tends to that of the hard-margin support vector machine while
# its norm grows like $\log C / \gamma$, with $\gamma$ that machine's margin (Rosset, Zhu and
# Hastie, 2004): without bound, so no finite MLE.


# %%
def sk_fit(C, tol, max_iter=10_000):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf = LogisticRegression(C=C, tol=tol, max_iter=max_iter).fit(U_iris, y_iris)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return clf.coef_.ravel(), clf.intercept_[0], int(clf.n_iter_[0]), warned


svm = SVC(kernel="linear", C=1e10).fit(U_iris, y_iris)  # hard margin: no point inside it
w_svm, gamma = svm.coef_.ravel(), 1 / np.linalg.norm(svm.coef_)
runs = [(np.inf, tol, 10_000) for tol in (1e-2, 1e-4, 1e-6, 1e-10)] + [(np.inf, 1e-4, 5)]
runs += [(C, 1e-10, 10_000) for C in 10.0 ** np.arange(0, 11, 2)]
sk = pd.DataFrame(
    [(f"{C:g}", f"{tol:g}", mi, *sk_fit(C, tol, mi)) for C, tol, mi in runs],
    columns=["C", "tol", "max_iter", "w", "b", "iterations", "convergence warning"],
)
W_sk = np.stack(sk["w"])
sk["‖w‖"] = np.linalg.norm(W_sk, axis=1)
sk["1 − cos(w, w_svm)"] = 1 - W_sk @ w_svm / sk["‖w‖"] * gamma
print(f"hard-margin SVM: margin gamma = {gamma:.4f}, ln(100) / gamma = {np.log(100) / gamma:.2f}")
shown = sk.drop(columns=["w", "b"]).round({"‖w‖": 2})
shown["1 − cos(w, w_svm)"] = shown["1 − cos(w, w_svm)"].map("{:.1e}".format)
shown

# %% tags=["hide-input"]
# Check: unpenalised, the norm grows as the tolerance falls (4 fits); only max_iter = 5 warns.
# Penalised, the norm grows with C (an L2 path's norm is non-decreasing in C), by about
# ln(100)/gamma per factor 100 at large C: the last increment within 10% of it (the
# asymptotic law's next term is O(log log C)); the direction within 1e-4 of the SVM's in
# 1 - cos (0.8 degrees) from C = 1e4 on.
free, path = sk.iloc[:4], sk.iloc[5:]
assert np.all(np.diff(free["‖w‖"]) > 0) and np.all(np.diff(path["‖w‖"]) > 0)
assert sk["convergence warning"].tolist() == [False] * 4 + [True] + [False] * 6
assert abs(np.diff(path["‖w‖"])[-1] / (np.log(100) / gamma) - 1) < 0.1
assert (path["1 − cos(w, w_svm)"].iloc[2:] < 1e-4).all()

# %% [markdown]
# The Bayesian answer keeps the model and adds the prior it lacks: the PyMC model of the
# election data, now with two classes and $\mathcal N(0, 2.5^2)$ priors on the two slopes and
# the intercept of the standardised sepal measurements. The likelihood is at most 1 and the
# prior proper, so the posterior is proper: along $D$ the likelihood levels off while the
# prior's tails keep falling, and the draws stay bounded.

# %%
iris_model = softmax_model(U_iris, y_iris, ["setosa", "versicolor"], ["length", "width"])
with iris_model, ce.capture_sampler_messages():
    dt_iris = pm.sample(draws=DRAWS, **SAMPLE_KW)
w_iris = dt_iris.posterior.to_dataset()["W_free"].values.reshape(-1, 2)
b_iris = dt_iris.posterior.to_dataset()["b_free"].values.reshape(-1)
w_norm = np.linalg.norm(w_iris, axis=1)
p_flower = expit(w_iris @ U_iris.T + b_iris[:, None]).mean(0)  # posterior predictive
between = np.mean((p_flower > 0.05) & (p_flower < 0.95))
print(
    f"posterior ‖w‖: median {np.median(w_norm):.1f}, largest of {w_norm.size} draws {w_norm.max():.1f}"
)
print(f"posterior sds of the two slopes {np.round(w_iris.std(0), 2)} (prior sd 2.5)")
print(f"flowers with a posterior predictive P(versicolor) between 0.05 and 0.95: {between:.0%}")

# %% tags=["hide-input"]
# Check: diagnostics as for the election data. Bounded: no draw of ‖w‖ beyond 20 (the
# likelihood is at most 1, so the posterior tail is at most the prior's, exp(-20²/(2 2.5²))
# ~ 1e-14, over the marginal likelihood). Informative: both slopes' posterior sds below the
# prior's 2.5, allowing 4 relative MC se 1/sqrt(2 ESS). Not all forecasts are 0 or 1.
diag_iris = diagnostics(dt_iris)
assert_converged(diag_iris)
assert w_norm.max() < 20 and 88 < path["‖w‖"].iloc[-1] < 89 and between > 0
assert np.all(w_iris.std(0) * (1 - 4 / np.sqrt(2 * diag_iris["min bulk ESS"])) < 2.5)

# %%
g1, g2 = np.meshgrid(np.linspace(-2.5, 3, 120), np.linspace(-2.5, 4.8, 160))
grid = np.column_stack([g1.ravel(), g2.ravel()])
p_grid = expit(grid @ w_iris[::8].T + b_iris[::8]).mean(1).reshape(g1.shape)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
ax = axes[0]
cs = ax.contourf(g1, g2, p_grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
fig.colorbar(cs, ax=ax, label="posterior predictive P(versicolor)")
w_inf, b_inf = W_sk[3], sk["b"][3]  # C = inf, tol = 1e-10
ax.plot(g1[0], -(b_inf + w_inf[0] * g1[0]) / w_inf[1], "k--", lw=1.5, label="scikit-learn, C = ∞")
for k, (name, m) in enumerate(zip(["setosa", "versicolor"], ["o", "s"])):
    ax.plot(*U_iris[y_iris == k].T, m, color=f"C{k}", mec="k", ms=6, label=name)
ax.set(xlabel="sepal length (standardised)", ylabel="sepal width (standardised)", ylim=(-2.5, 4.8))
ax.legend(loc="upper left")
ax = axes[1]
C_path, norm_path = path["C"].astype(float), path["‖w‖"]
ax.semilogx(C_path, norm_path, "o-", color="C2", label="scikit-learn, penalty ‖w‖²/(2C)")
asymptote = norm_path.iloc[-1] + np.log(C_path / C_path.iloc[-1]) / gamma
ax.semilogx(C_path, asymptote, "--", color="0.4", label="slope 1/γ in ln C")
ax.axhspan(*np.quantile(w_norm, [0.03, 0.97]), color="C1", alpha=0.3, label="posterior, 94%")
ax.set(xlabel="C", ylabel="‖w‖", ylim=(0, None), title="no MLE: ‖w‖ grows with C")
ax.legend(loc="upper left")
save_figure(fig, "iris-separation")

# %% [markdown]
# Under the posterior the probability of versicolor moves from near 0 to near 1 across a band
# around the gap between the species, and the flowers near the gap get intermediate forecasts.
# scikit-learn's unpenalised fit also puts its boundary in the gap, but as a step whose
# steepness is set by its tolerance, not by the data. Every posterior draw of
# $\lVert w \rVert$ is below 20; the penalised path passes 88 at $C = 10^{10}$ and keeps
# growing.
#
# ## Exercises
#
# **1 (easy).** The wine data of scikit-learn (`load_wine`): 178 wines of three cultivars, 13
# chemical measurements. Does the MLE of softmax regression on all 13 features exist?

# %% [markdown]
# :::{dropdown} Solution
# No: with 13 features and 178 wines the three cultivars are completely separated, and
# `ce.fit_cross_entropy` raises `SeparationError`. The cell checks that every wine's margin
# against each other class is positive along the error's direction.
# :::

# %% tags=["hide-input"]
wine = load_wine()
wine_sep, n_wine = separation(wine.data, wine.target), len(wine.target)
Z_w = np.column_stack([np.ones(n_wine), wine.data]) @ wine_sep.direction.T
gap = Z_w[np.arange(n_wine), wine.target][:, None] - Z_w
gap[np.arange(n_wine), wine.target] = np.inf  # a class against itself
print(f"complete: {wine_sep.complete}; smallest margin {gap.min():.3g}")
assert wine_sep.complete and gap.min() > 0

# %% [markdown]
# **2 (medium).** Take an extremely liberal respondent (`selfLR` = 1) who is average in the
# other predictors. Compute the training MLE's probability that they are a strong Republican,
# its Wald interval by the delta method, and the posterior's 95% interval. Why do they differ,
# when the parameters' intervals agree?

# %% [markdown]
# :::{dropdown} Solution
# The probability is tiny, and a normal approximation on the probability scale is poor near
# 0: the delta-method interval $\hat q \pm 1.96\, \mathrm{se}$, with
# $\mathrm{se}^2 = g^\top H^{-1} g$ and $g = \partial q_6 / \partial\theta$, is symmetric
# and reaches below zero, while the posterior interval of $q_6$ is the image of the (nearly
# normal) posterior of the parameters, inside $(0, 1)$ and skewed to the right. A Wald interval
# computed for a log-odds and mapped back would stay inside $(0, 1)$: the Wald approximation
# depends on the parametrisation, the posterior does not.
# :::

# %% tags=["hide-input"]
u_lib = np.zeros(5)
u_lib[1] = (1 - centre[1]) / scale[1]  # selfLR = 1, the others at the training means
q_hat = mle_tr.predict_proba(u_lib[None])[0]
g = (q_hat[6] * ((np.arange(1, K) == 6) - q_hat[1:]))[:, None] * np.r_[1.0, u_lib]  # dq_6/dθ
H_tr = ce.nll_hessian(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
se_q = np.sqrt(g.ravel() @ np.linalg.solve(H_tr, g.ravel()))
q_post = ce.softmax(np.column_stack([np.zeros(len(bd)), Wd @ u_lib + bd]))[:, 6]
lo, mid, hi = np.quantile(q_post, [0.025, 0.5, 0.975])
print(f"MLE {q_hat[6]:.5f}, Wald [{q_hat[6] - 1.96 * se_q:.5f}, {q_hat[6] + 1.96 * se_q:.5f}]")
print(f"posterior median {mid:.5f}, 95% interval [{lo:.5f}, {hi:.5f}]")
assert q_hat[6] - 1.96 * se_q < 0 < lo and hi - mid > 1.5 * (mid - lo)

# %% [markdown]
# **3 (harder).** Are the model's smallest forecasts calibrated? Pool all 944 respondents by
# 10-fold cross-validation at the MLE and compare, among the forecasts below 2%, the number of
# events with the sum of the forecasts (its expectation under calibration).

# %% [markdown]
# :::{dropdown} Solution
# They come true about twice as often as forecast: the events number about twice the
# forecasts' sum, an excess whose one-sided p-value (Poisson approximation to a sum of rare
# Bernoulli events) is below 0.05. Where the linear logits make a class very unlikely, it is
# less unlikely than they say. The 2% threshold was chosen after looking at reliability
# diagrams, which weakens the p-value: this is a lead for a better model (an ordinal one, or
# one with a quadratic term in `selfLR`), not a finding.
# :::

# %% tags=["hide-input"]
folds = rng.permutation(len(y_anes)) % 10
Q_cv = np.zeros((len(y_anes), K))
for f in range(10):
    fit_f = ce.fit_cross_entropy(X_anes[folds != f], y_anes[folds != f])
    Q_cv[folds == f] = fit_f.predict_proba(X_anes[folds == f])
small = Q_cv < 0.02
events, expected = ce.one_hot(y_anes, K)[small].sum(), Q_cv[small].sum()
p_value = stats.poisson.sf(events - 1, expected)
print(
    f"{small.sum()} forecasts below 2%: {events:.0f} events, {expected:.1f} expected, p {p_value:.1e}"
)
assert 1.5 < events / expected < 3 and p_value < 0.05

# %% [markdown]
# ## References
#
# - Albert, A. and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
#   logistic regression models. *Biometrika* 71(1), 1–10.
# - Rosset, S., Zhu, J. and Hastie, T. (2004). Boosting as a regularized path to a maximum
#   margin classifier. *Journal of Machine Learning Research* 5, 941–973.
# - Gelman, A., Jakulin, A., Pittau, M. G. and Su, Y.-S. (2008). A weakly informative default
#   prior distribution for logistic and other regression models. *The Annals of Applied
#   Statistics* 2(4), 1360–1383.
# - Vehtari, A., Gelman, A. and Gabry, J. (2017). Practical Bayesian model evaluation using
#   leave-one-out cross-validation and WAIC. *Statistics and Computing* 27(5), 1413–1432.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
