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
from scipy.special import expit, logit, logsumexp
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_610
rng = np.random.default_rng(RANDOM_SEED)
az.style.use("arviz-variat")
DRAWS = 500 if fast_mode() else 1_000  # fast mode: fewer draws, the same data and asserts
SAMPLE_KW = dict(tune=500, chains=4, cores=1, progressbar=False, random_seed=RANDOM_SEED)

# %% [markdown]
# ## 1. Party identification in the 1996 election study
#
# The 944 respondents of `statsmodels.datasets.anes96` place themselves on a seven-point scale
# of party identification (`PID`, from 0 = strong Democrat to 6 = strong Republican; 3 is the
# independent who leans to neither party). The predictors of statsmodels' multinomial-logit
# example are the log population of the respondent's home town (`logpopul`), their own
# placement from extremely liberal (1) to extremely conservative (7) (`selfLR`), `age`,
# education in seven levels (`educ`) and household income in 24 bands (`income`). The survey
# drew its respondents in clusters, and this file carries no survey weights: every standard
# error and every "population" below treats the respondents as independent draws from one
# population, which the survey's design does not guarantee.

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
# then differ by rounding (1e-12 relative). The se invert Hessians at points that close; with
# condition number kappa ~1e6 their relative error is ~kappa eps = 2e-10: 10 kappa eps allowed.
loss = ce.SoftmaxRegressionLoss(X_anes, y_anes, K)
grads = [np.linalg.norm(loss.loss_gradient(t)[1]) for t in (theta_mle, theta_mnl)]
H_anes = ce.nll_hessian(X_anes, y_anes, mle.weights, mle.bias)
rtol_se = 10 * np.linalg.cond(H_anes) * np.finfo(float).eps
assert np.linalg.norm(theta_mle - theta_mnl) <= sum(grads) / np.linalg.eigvalsh(H_anes)[0] < 1e-5
assert np.isclose(mle.nll, -mnl.llf, rtol=1e-12) and np.allclose(se_mle, se_mnl, rtol=rtol_se)

# %% [markdown]
# Read on the original scale, the slope of `selfLR` for class $k$ is the change in the log-odds
# of class $k$ against strong Democrat per step to the right on the liberal-conservative scale,
# the other four predictors held fixed. Its Wald interval, $\hat\theta_j \pm 1.96\,
# \mathrm{se}_j$, is an approximate 95% confidence interval when the model is right, the
# respondents independent and the NLL close to its quadratic approximation at the MLE. Every
# slope is positive, its interval above zero: each step to the right makes every class more
# likely relative to strong Democrat. The point estimates rise in the order of the scale, from
# 0.30 (weak D) to 2.07 (strong R), but the data resolve only three of the six steps between
# neighbouring classes ($|z| > 2$). The table gives each step (a class's slope minus the slope
# of the class before it on the scale, 0 for strong D), its standard error (the two slopes'
# covariance included) and $z$ = step / se: strong D to weak D ($z$ = 3.2), independent to
# indep. R (4.1) and weak R to strong R (5.8) are resolved; the steps from weak D to indep. D
# (0.9), from indep. D to the independents (1.1) and from indep. R to weak R (0.6) are within
# the noise.

# %%
wald = ce.wald_intervals(X_anes, y_anes, mle.weights, mle.bias)
j_self = 1 + PREDICTORS.index("selfLR")  # position in each class's block [b, w_1..w_5]
idx = j_self + 6 * np.arange(K - 1)  # the six selfLR slopes in the packed vector
slope, cov_self = theta_mle[idx], np.linalg.inv(H_anes)[np.ix_(idx, idx)]
D_step = np.eye(K - 1) - np.eye(K - 1, k=-1)  # step k: slope_k - slope_(k-1), slope_0 = 0
step, se_step = D_step @ slope, np.sqrt(np.diag(D_step @ cov_self @ D_step.T))
columns = ["selfLR slope", "se", "95% lower", "95% upper", "step", "se of step", "z of step"]
table = np.column_stack([slope, se_mle[idx], wald[idx], step, se_step, step / se_step])
pd.DataFrame(table, PID[1:], columns).round(2)

# %% tags=["hide-input"]
# Check: a step's se, computed from the covariance of two slopes, is also the se of one slope
# when the class above is the pivot: the labels shifted by k - 1 make class k - 1 class 0 and
# class k class 1. Same model, refitted: agreement to the numerical error of the se (above).
for k in range(2, K):
    y_shift = (y_anes - (k - 1)) % K
    refit = ce.fit_cross_entropy(X_anes, y_shift)
    se_k = ce.standard_errors(X_anes, y_shift, refit.weights, refit.bias)[j_self]
    assert np.isclose(se_k, se_step[k - 1], rtol=rtol_se)
assert np.all(wald[idx, 0] > 0) and np.all(step > 0)
assert (np.abs(step / se_step) > 2).tolist() == [True, False, False, True, False, True]

# %% [markdown]
# ### A Bayesian model, fitted to a training set
#
# To judge predictions on data the model has not seen, we hold out a random 30% of the respondents
# as a test set and fit only the other 70%. The split is data preparation, so it has its own fixed
# seed: the numbers in the text describe one training set, and `RANDOM_SEED` drives the sampler and
# the other random draws. The predictors are standardised with the training set's means and standard
# deviations, so that one prior suits every coefficient: independent $\mathcal N(0, 2.5^2)$ on each
# free slope and intercept. It lets a one-sd change in a predictor move a log-odds by a few units
# and rules out changes of tens. This is weakly informative in the spirit of Gelman et al. (2008),
# not their prior (a Cauchy with scale 2.5 on inputs scaled to sd 0.5, and scale 10 on the
# intercept); a normal with sd 2.5 on sd-1 inputs is the default of the R package rstanarm for
# logistic regression. Set on the log-odds against strong Democrat, the prior is not symmetric in
# the classes: the log-odds between two other classes, a difference of two free parameters, has
# prior sd $2.5\sqrt 2$, so the posterior, unlike the MLE, depends slightly on which class is the
# pivot. The model, with $u_i$ the standardised predictors of respondent $i$:
#
# $$
# z_{i0} = 0, \quad z_{ik} = b_k + w_k^\top u_i \ (k = 1, \dots, 6), \quad
# y_i \sim \operatorname{Categorical}\big(\operatorname{softmax}(z_i)\big), \quad
# w_{kj}, b_k \sim \mathcal N(0, 2.5^2).
# $$
#
# We write it out in PyMC to show it; the library's `ce.softmax_regression_model(U, y,
# prior=2.5)` builds the same model (the Check compares their log densities). In the graph,
# ellipses are random variables: the parameters `W_free` and `b_free`, and the labels `y_obs`,
# grey because observed. The rounded boxes are data containers: `X`, and `y`, which holds the
# observed values of `y_obs` (hence the arrow between them). The logits, a deterministic
# function of these, with the zero column of the pivot class, are computed inside `y_obs` and
# not drawn.

# %%
split = np.random.default_rng(20_240_610)  # the fixed seed of the train/test split
n_test = round(0.3 * len(y_anes))
is_test = np.zeros(len(y_anes), dtype=bool)
is_test[split.choice(len(y_anes), n_test, replace=False)] = True
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
# NUTS (the No-U-Turn Sampler, PyMC's adaptive Hamiltonian Monte Carlo) draws from the
# posterior on four chains. Before using the draws we check three diagnostics. R-hat compares
# the spread between chains with the spread within them; it is 1 when they agree, and we
# require at most 1.01 for every parameter. The effective sample size (ESS) is the number of
# independent draws with the same Monte Carlo error; we require more than 400 both in the bulk
# (for means and medians) and in the tails (for the 5% and 95% quantiles). And no trajectory
# may diverge (a divergence flags a region of the posterior the sampler could not explore).

# %%
with anes_model, ce.capture_sampler_messages():
    dt = pm.sample(draws=DRAWS, **SAMPLE_KW)
    pm.compute_log_likelihood(dt, progressbar=False)


def converged(dt):
    """The diagnostics of the text, asserted."""
    summary = az.summary(dt, kind="diagnostics", round_to="none")
    n_div = int(dt.sample_stats["diverging"].sum())
    values = [summary["r_hat"].max(), summary["ess_bulk"].min(), summary["ess_tail"].min(), n_div]
    assert values[0] <= 1.01 and min(values[1:3]) > 400 and n_div == 0
    return pd.Series(values, ["max R-hat", "min bulk ESS", "min tail ESS", "divergent"])


diag_anes = converged(dt)
diag_anes.round(3)

# %% [markdown]
# ### Posterior intervals beside Wald intervals
#
# With 661 training respondents and 36 parameters the posterior should be close to the normal
# distribution centred at the MLE with the inverse observed information as covariance
# (the Bernstein-von Mises theorem), and the weak prior should hardly move it. The figure puts
# the 95% Wald interval of each parameter (from the MLE of the training set) beside the
# posterior's 95% equal-tailed interval. On the standardised scale a slope is per standard
# deviation of its predictor, the per-step slope of the table above times the predictor's sd
# (1.42 for `selfLR`), and estimated from the training set alone: there indep. R (2.02) and
# weak R (1.92) swap places, as their unresolved step allows.

# %%
post = dt.posterior.to_dataset()
Wd, bd = post["W_free"].values.reshape(-1, K - 1, 5), post["b_free"].values.reshape(-1, K - 1)
draws = np.concatenate([bd[..., None], Wd], axis=-1).reshape(len(bd), -1)  # pack_params order
mle_tr = ce.fit_cross_entropy(U_tr, y_tr)
theta_tr = ce.pack_params(mle_tr.weights, mle_tr.bias)
se_tr = ce.standard_errors(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
wald_tr = ce.wald_intervals(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
post_ci = np.quantile(draws, [0.025, 0.975], axis=0).T

fig, axes = plt.subplots(2, 3, figsize=(12, 7.2), sharey=True, layout="constrained")
rows = np.arange(K - 1)
for j, (ax, name) in enumerate(zip(axes.flat, ["intercept", *PREDICTORS])):
    for ci, mid, dy, c, label in [
        (wald_tr, theta_tr, -0.15, "C0", "MLE and 95% Wald interval"),
        (post_ci, draws.mean(0), 0.15, "C1", "posterior mean and 95% interval"),
    ]:
        ax.hlines(rows + dy, *ci[j::6].T, color=c, lw=2.5, label=label)
        ax.plot(mid[j::6], rows + dy, "o", color=c, ms=6, mec="white")
    ax.axvline(0, color="0.5", lw=0.8)
    xlabel = "log-odds at the mean predictors" if j == 0 else "change in log-odds per sd"
    ax.set(title=name, yticks=rows, yticklabels=PID[1:], xlabel=xlabel)
axes[0, 0].invert_yaxis()  # shared: class 1 on top
fig.suptitle("log-odds against strong D, training set")
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
save_figure(fig, "anes-wald-vs-posterior")


# %% [markdown]
# standard error at most, are too small to see, so the table below measures them, per class, in the
# MLE's standard errors. The posterior means lie within 0.41 se of the MLE, and within about 0.15 se
# outside class 3, the independents; the posterior sds are within about 5% of the Wald standard
# errors. The prior is not what moves class 3: it moves the posterior mode (the MAP, fitted by
# `ce.fit_l2` with the same prior) by at most 0.21 se in any class and 0.12 se in class 3, whose
# intercept's posterior mean moves *away* from the prior mean 0 (from the MLE's $-1.19$ to $-1.28$).
# The rest is the gap between the posterior's mean and its mode, a skewness of the likelihood that
# the quadratic expansion behind the Wald interval leaves out. It is largest for the smallest class
# (37 of the 944 respondents, 26 in the training set), because a class's parameters are informed
# mostly by its own members.
#
# Agreement between the two says that the posterior is nearly normal; it does not say that either
# interval covers at its nominal 95%. Both rest on $H^{-1}$, the inverse observed information: for
# large $n$ the posterior is close to a normal with that covariance even when the model is wrong
# (Kleijn and van der Vaart, 2012), while the MLE's sampling covariance is then the *sandwich*
# $H^{-1} J H^{-1}$ (White, 1982), with $J = \sum_i s_i s_i^\top$ and $s_i = (h_i - q_i) \otimes (1,
# u_i)$ the score of respondent $i$, the gradient of $\log q(y_i \mid x_i)$ ($h_i$ one-hot, $q_i$
# the fitted probabilities, free classes only). When the model is right, $J \approx H$ and the two
# agree. Here the sandwich changes the standard errors by $-9\%$ to $+26\%$ (last columns), more
# than any posterior-Wald gap. But the sandwich is itself noisy: $J$, a sum of 661 outer products of
# scores, estimates their variance from the same data. For labels simulated from the fitted model,
# where $H^{-1}$ is right, the largest of the 36 ratios is about 1.1 in a typical simulation, and
# exceeds the observed 1.26 in a few per cent of them: weak evidence, from the standard errors
# alone, that the model is wrong.


# %%
def sandwich_ratio(U, y, fit):
    """Sandwich se over Wald se per parameter, and tr(H^-1 J)."""
    resid = (ce.one_hot(y, K) - fit.predict_proba(U))[:, 1:]  # h_i - q_i, free classes
    S = (resid[:, :, None] * np.c_[np.ones(len(y)), U][:, None, :]).reshape(len(y), -1)  # s_i
    H_inv = np.linalg.inv(ce.nll_hessian(U, y, fit.weights, fit.bias))
    HJ = H_inv @ S.T @ S
    return np.sqrt(np.diag(HJ @ H_inv) / np.diag(H_inv)), np.trace(HJ)


def in_se(theta):
    """The largest |theta - MLE| per class, in the MLE's se."""
    return np.abs((theta - theta_tr) / se_tr).reshape(K - 1, 6).max(1)


sand, tic = sandwich_ratio(U_tr, y_tr, mle_tr)
cum_q = mle_tr.predict_proba(U_tr).cumsum(1)[:, :-1]
y_sim = (rng.random((100, n_train, 1)) > cum_q).sum(-1)  # labels drawn from the fitted model
sim_max = [sandwich_ratio(U_tr, y, ce.fit_cross_entropy(U_tr, y, K))[0].max() for y in y_sim]
map_tr = ce.fit_l2(U_tr, y_tr, 2.5, bias_sigma=2.5)  # the posterior mode
per_class = {
    "max |mean − MLE| / se": in_se(draws.mean(0)),
    "max |MAP − MLE| / se": in_se(ce.pack_params(map_tr.weights, map_tr.bias)),
    "max |sd / se − 1|": np.abs(draws.std(0) / se_tr - 1).reshape(K - 1, 6).max(1),
    "sandwich / se, min": sand.reshape(K - 1, 6).min(1),
    "sandwich / se, max": sand.reshape(K - 1, 6).max(1),
    "training respondents": np.bincount(y_tr, minlength=K)[1:],
}
sim_above = np.mean(np.array(sim_max) > sand.max())
print(f"simulations from the fitted model: largest sandwich / se, median {np.median(sim_max):.2f};")
print(f"above the observed {sand.max():.2f} in a fraction {sim_above:.2f} of them")
pd.DataFrame(per_class, PID[1:]).round(3)

# %% tags=["hide-input"]
# Check: the claims, with the Monte Carlo error. In se units a posterior mean has MC se about
# 1/sqrt(ESS) (0.02 at ESS 2000), and a sample sd from ESS independent draws a relative error
# 1/sqrt(2 ESS); 4 of them are allowed around each stated value. Class 3's shift exceeds every
# other class's, and its own MAP's, by more than 4 MC se of a difference (the gaps are ~0.27).
# The sandwich (by hand) equals statsmodels' HC0 covariance to the numerical error of an se.
# Its observed largest ratio is in the upper tail of the simulated ones: exceeded by fewer than
# 1 in 4 simulations (a typical ratio, exceeded by half of them, would fail).
mc_mean, mc_sd = diag_anes["min bulk ESS"] ** -0.5, (2 * diag_anes["min bulk ESS"]) ** -0.5
shift, shift_map = per_class["max |mean − MLE| / se"], per_class["max |MAP − MLE| / se"]
rest = np.delete(shift, 2)
assert abs(shift[2] - 0.41) < 4 * mc_mean and rest.max() < 0.15 + 4 * mc_mean
assert draws[:, 12].mean() < theta_tr[12] - 4 * mc_mean * se_tr[12] < 0  # class 3's intercept
assert shift[2] - max(rest.max(), shift_map[2]) > 4 * np.sqrt(2) * mc_mean
assert per_class["max |sd / se − 1|"].max() < 0.05 + 4 * mc_sd
hc0 = sm.MNLogit(y_tr, sm.add_constant(U_tr)).fit(method="newton", disp=0, cov_type="HC0")
assert np.allclose(sand * se_tr, np.asarray(hc0.bse).T.ravel(), rtol=1e-8)
assert sim_above < 0.25

# %% [markdown]
# ### Checking predictions: class counts and calibration on the test set
#
# A posterior predictive check compares data with draws from the predictive distribution. On
# the *training* data the class counts cannot fail it: the score equations of the intercepts
# make the MLE's mean predicted probability of each class equal its observed frequency exactly,
# and the posterior is close to the MLE. On the test set the check is less trivial, but weak: a
# random split gives the test set nearly the training set's class proportions, so any model that
# reproduces those, even the class frequencies alone without predictors, passes it; it cannot
# detect a wrong dependence on $x$. We point the model's data at the test predictors
# (`pm.set_data`), draw test labels for every posterior draw, and compare the observed class
# counts with the predictive distribution of the counts in ArviZ's rootogram.

# %%
with anes_model, ce.capture_sampler_messages():
    pm.set_data({"X": U_te, "y": y_te}, coords={"obs": np.arange(n_test)})
    dt_test = pm.sample_posterior_predictive(dt, random_seed=RANDOM_SEED, progressbar=False)
pc = az.plot_ppc_rootogram(dt_test, ci_prob=0.95)
fig = pc.get_viz("figure")
fig.set_size_inches(7, 4)
ax = fig.axes[0]
ax.set(xlabel="PID (0 = strong D, 6 = strong R)", ylabel="respondents (square-root scale)")
ax.set_title("ANES test set")
handles = [plt.Line2D([], [], color="C0", marker="d"), plt.Line2D([], [], c="k", marker="o", ls="")]
ax.legend(handles, ["predictive mean, 95% interval", "observed"], loc="lower left")
save_figure(fig, "anes-test-class-counts")

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
# calibrated predictive distribution fails this in one of 7 classes with probability ~3e-3).
# Weak: it fails only for a count off by 3.5 sds, 43% of the largest classes' counts and more
# of the smaller ones.
assert np.abs(count_z).max() < 3.5

# %% [markdown]
# Calibration asks more: among the test forecasts $\bar q_k(x_j)$ near a value $t$, does the
# class occur a fraction $t$ of the time? The posterior predictive forecast averages the
# softmax over the draws, $\bar q(x) = \frac1S \sum_s \operatorname{softmax}(W_s x + b_s)$. The
# reliability diagram pools the $7 \times 283$ (respondent, class) forecasts into 10 bins of
# equal counts. Under calibration a bin's observed frequency is its mean forecast up to
# binomial noise, whose $\pm 2$ se band is drawn around the diagonal; the right panel enlarges
# the smallest forecasts.

# %%
Z_te = np.einsum("nj,skj->snk", U_te, Wd) + bd[:, None, :]
q_bar = ce.softmax(np.concatenate([np.zeros((*Z_te.shape[:2], 1)), Z_te], -1)).mean(0)
rel = ce.reliability_curve(ce.one_hot(y_te, K), q_bar, n_bins=10, strategy="quantile")
fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
t, band = rel.mean_predicted, 2 * rel.std_error
for ax, top, title in zip(axes, [0.55, 0.07], ["ANES test set", "the smallest forecasts"]):
    ax.fill_between(t, t - band, t + band, color="0.85", label="calibrated ± 2 binomial se")
    ax.plot([0, top], [0, top], color="0.4", lw=1, label="calibrated")
    ax.plot(t, rel.observed, "o", color="C0", ms=7, mec="k", label="observed")
    ax.set(xlim=(0, top), ylim=(0, top), title=title, xlabel="mean forecast in the bin")
axes[0].set_ylabel("observed frequency")
axes[0].legend(loc="upper left")
save_figure(fig, "anes-test-reliability")
events0, expected0 = rel.observed[0] * rel.count[0], t[0] * rel.count[0]
p_bin0 = stats.poisson.sf(round(events0) - 1, expected0)  # P(at least events0 events)
print(f"lowest bin: {rel.count[0]} forecasts of mean {t[0]:.4f}, {events0:.0f} events where")
print(f"{expected0:.2f} are expected; exact Poisson P(at least {events0:.0f}) = {p_bin0:.4f}")
pd.DataFrame([t, rel.observed, rel.z], ["mean forecast", "observed", "z"]).round(3)

# %% [markdown]
# In the nine bins whose mean forecast exceeds 2%, the observed frequency is within 2 binomial
# standard errors of the forecast. The lowest bin is not: its 198 forecasts average 0.8%, and
# they come true 7 times where 1.55 events are expected. The exact Poisson probability of 7 or
# more is 0.001, and conservative: this far above the mean, the Poisson tail is heavier than
# that of a binomial with the same mean, which is heavier than that of a sum of independent
# Bernoulli events with unequal probabilities (Hoeffding, 1956, *Annals of Mathematical
# Statistics* 27, 713–721); and a respondent's seven class events, being mutually exclusive,
# are negatively dependent, which shrinks the sum's variance further. The model's smallest
# forecasts are too small. A test set of 283 holds few such events, so another random split
# could give a much weaker result; Exercise 3 tests the smallest forecasts with all 944
# respondents. The diagram also pools the seven classes, so a class whose small forecasts are
# too small could hide another's that are too large; Exercise 3 counts the events class by
# class.

# %% tags=["hide-input"]
# Check: the claims. Monte Carlo moves a bin's mean forecast by ~1e-4 relative, and its
# observed frequency only when a forecast at a bin edge changes bins: one event, 1/198, moves a
# z by 0.5 in the lowest bins and 0.2 in those with |z| > 1, within the margins to 2. The
# lowest bin would have to lose two of its 7 events for its tail probability to pass 0.01.
assert np.abs(rel.z[t > 0.02]).max() < 2 and (t > 0.02).sum() == 9 and p_bin0 < 0.01

# %% [markdown]
# ### Held-out cross entropy and PSIS-LOO
#
# Now the identity of the introduction. On the test set, the mean log predictive density is
# $\frac1m \sum_j \log \bar q(y_j \mid x_j)$, minus the mean held-out cross entropy of the
# posterior predictive forecasts; its standard error is the sd of the $m$ terms over
# $\sqrt m$. On the training data, leave-one-out cross-validation would refit the model $n$
# times without respondent $i$ and score $\log p(y_i \mid x_i, \mathcal D_{-i})$. PSIS-LOO
# (Vehtari et al., 2017) gets those $n$ terms from the one posterior. Removing respondent $i$
# divides the posterior by its likelihood factor, $p(\theta \mid \mathcal D_{-i}) \propto
# p(\theta \mid \mathcal D) / p(y_i \mid x_i, \theta)$, so the draws $\theta_s$, weighted by
# $1/p(y_i \mid x_i, \theta_s)$, represent the leave-one-out posterior. These weights can have a
# heavy right tail; PSIS replaces the largest by quantiles of a generalised Pareto distribution
# fitted to them, whose shape $\hat k$ measures how heavy the tail is: with a few thousand
# draws, the estimate is reliable when every $\hat k$ is below 0.7. Divided by $n$, both
# estimate the elpd per respondent of a model fitted to about 660 respondents.
#
# The in-sample score of the posterior predictive is
# $\mathrm{lppd} = \sum_i \log \frac1S \sum_s p(y_i \mid x_i, \theta_s)$; its excess over the
# leave-one-out score, $p_\text{loo} = \mathrm{lppd} - \mathrm{elpd}_\text{loo}$, is the optimism
# of scoring the data the model was fitted to, called the effective number of parameters. The
# table scores three predictive distributions three ways: the posterior predictive; the MLE's
# forecasts (a plug-in, which ignores the parameters' uncertainty), whose leave-one-out score is
# exact, from 661 refits; and the class frequencies of the training set alone, no predictors.


# %%
def log_score(fit, U, y):
    return ce.log_softmax(fit.model.decision_function(U))[np.arange(len(y)), y]


def left_out_score(i):
    """The MLE refitted without training respondent i, scored on i."""
    fit = ce.fit_cross_entropy(np.delete(U_tr, i, 0), np.delete(y_tr, i), K)
    return log_score(fit, U_tr[[i]], y_tr[[i]])[0]


loo = az.loo(dt, pointwise=True)
ll = dt.log_likelihood.to_dataset()["y_obs"].values.reshape(-1, n_train)
lppd = logsumexp(ll, axis=0) - np.log(len(ll))  # per respondent
loo_mle = np.array([left_out_score(i) for i in range(n_train)])
lpd_test, lpd_plug = np.log(q_bar[np.arange(n_test), y_te]), log_score(mle_tr, U_te, y_te)
freq = np.bincount(y_tr, minlength=K)
base_loo = np.log((freq[y_tr] - 1) / (n_train - 1))  # class frequencies without respondent i
base_in, base_te = np.log(freq[y_tr] / n_train), np.log(freq[y_te] / n_train)
scores_table = pd.DataFrame(
    {
        "posterior predictive": [loo.elpd / n_train, lppd.mean(), lpd_test.mean()],
        "MLE plug-in": [loo_mle.mean(), -mle_tr.nll / n_train, lpd_plug.mean()],
        "class frequencies only": [base_loo.mean(), base_in.mean(), base_te.mean()],
    },
    ["leave-one-out", "in-sample", "test set"],
).T
se_loo, se_te = loo.se / n_train, lpd_test.std() / n_test**0.5
gain, edge = loo.elpd_i.values - base_loo, lpd_test - lpd_plug  # paired differences
print(f"se of an entry: leave-one-out {se_loo:.4f}, test set {se_te:.4f}")
print(f"largest Pareto k {float(loo.pareto_k.max()):.2f}; p_loo {loo.p:.1f}; tr(H^-1 J) {tic:.1f}")
print(
    f"leave-one-out gain over the frequencies {gain.mean():.3f} ± {gain.std() / n_train**0.5:.3f}"
)
print(
    f"test set, posterior predictive - plug-in {edge.mean():.4f} ± {edge.std() / n_test**0.5:.4f}"
)
scores_table.round(4)

# %% tags=["hide-input"]
# Check: PSIS-LOO is reliable (every k below ArviZ's threshold, 0.7 here). Paired on the same
# respondents, it is within 0.005 of the exact leave-one-out score of the MLE: that covers the
# posterior predictive's edge over the plug-in (0.0017 on the test set) three times over and
# excludes the in-sample score, 0.058 higher. The test set agrees with leave-one-out within 2
# combined se (95% if both estimate the same elpd; only a gap beyond ~0.12 would fail). p_loo
# matches tr(H^-1 J) to first order in p/n (each respondent's leverage, 36/661 = 0.054):
# twice that is allowed (a doubled or missing penalty would fail). The predictors' gain over
# the class frequencies exceeds 4 paired se.
loo_pp, in_pp, test_pp = scores_table.iloc[0]
assert float(loo.pareto_k.max()) < loo.good_k and abs(loo_pp - loo_mle.mean()) < 0.005
combined = np.hypot(se_loo, se_te)
assert abs(loo_pp - test_pp) < 2 * combined and abs(loo.p / tic - 1) < 2 * 36 / n_train
assert gain.mean() > 4 * gain.std() / n_train**0.5

# %% [markdown]
# Three lessons. First, leave-one-out and the test set estimate the same elpd, minus a cross
# entropy per respondent, and agree within their standard errors (0.07 apart, 1.2 combined
# se). The test set's estimate rests on 283 respondents and is the noisier: this one even
# scores better than the training data in-sample, by 0.3 of its se, a property of this split.
# With such errors the test set cannot tell a leave-one-out score from an in-sample one.
# Second, paired on the same 661 respondents, PSIS-LOO of the posterior predictive is 0.058
# below its in-sample score and within 0.0014 of the exact leave-one-out score of the MLE. The
# 0.0014 is the posterior predictive's small edge over the plug-in (0.0017 ± 0.0011 on the test
# set, paired), small because with 661 respondents the posterior is narrow. The optimism,
# $p_\text{loo} = (-1.5602 + 1.6179) \times 661$ = 38.1 nats in all, is close to the penalty
# of Takeuchi's information criterion, $\operatorname{tr}(H^{-1} J)$ = 37.0, which becomes
# Akaike's, the number of parameters (36), when the model is right (then $J \approx H$). Third,
# the elpd ranks models: the five predictors gain 0.25 nats per respondent over the class
# frequencies in leave-one-out (paired se 0.026), and 0.30 on the test set.
#
# ## 2. When the MLE does not exist: a separable subset of iris
#
# Fisher's iris data hold 50 flowers of each of three species. Setosa and versicolor flowers can
# be told apart by a straight line in the plane of sepal length and sepal width: the two
# classes are completely separated, and the MLE of logistic regression does not exist (notebook
# 05). `ce.fit_cross_entropy` says so, with the direction $D$ along which the likelihood rises
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
assert "class 0 is separable from the rest" in str(sep_full)  # setosa, in the full data

# %% [markdown]
# scikit-learn's `LogisticRegression` raises no error. Unpenalised (`C=np.inf`), it returns
# weights whose size is set by its stopping rule: the tighter the tolerance `tol`, the larger
# they are. Here its convergence warning appears only when `max_iter` runs out first (its
# solver, lbfgs, also warns when a line search fails, which did not happen). With the L2
# penalty $\lVert w\rVert^2 / (2C)$ the minimiser exists for every finite $C$. As
# $C \to \infty$ its direction tends to that of the hard-margin support vector machine, the
# line with the widest gap $\gamma$ to the nearest flower, and its norm grows without bound,
# asymptotically like $\ln C / \gamma$ (Rosset, Zhu and Hastie, 2004): no finite MLE. The
# posterior mode under independent $\mathcal N(0, \sigma^2)$ priors minimises
# $\mathrm{NLL} + \lVert w\rVert^2 / (2\sigma^2) + b^2 / (2\sigma^2)$: it is the penalised fit
# with $C = \sigma^2$, except that scikit-learn leaves the intercept unpenalised.


# %%
def sk_fit(C, tol, max_iter=10_000):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf = LogisticRegression(C=C, tol=tol, max_iter=max_iter).fit(U_iris, y_iris)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return clf.coef_.ravel(), clf.intercept_[0], int(clf.n_iter_[0]), warned


# SVC's C weighs margin violations, a different C: 1e10 forbids them, the hard margin.
svm = SVC(kernel="linear", C=1e10, tol=1e-6).fit(U_iris, y_iris)  # default tol: 3e-4 off
w_svm, b_svm = svm.coef_.ravel(), svm.intercept_[0]
gamma = 1 / np.linalg.norm(w_svm)  # the margin: the nearest flowers satisfy |w u + b| = 1
runs = [(np.inf, tol, 10_000) for tol in (1e-2, 1e-4, 1e-6, 1e-10)] + [(np.inf, 1e-4, 5)]
runs += [(C, 1e-10, 10_000) for C in (1, 1e2, 1e4, 1e6, 1e8, 6.25)]
sk = pd.DataFrame(
    [(f"{C:g}", f"{tol:g}", mi, *sk_fit(C, tol, mi)) for C, tol, mi in runs],
    columns=["C", "tol", "max_iter", "w", "b", "iterations", "convergence warning"],
)
W_sk = np.stack(sk["w"])
sk["‖w‖"] = np.linalg.norm(W_sk, axis=1)
one_minus_cos = 1 - W_sk @ w_svm / (sk["‖w‖"] * np.linalg.norm(w_svm))
sk["1 − cos(w, w_svm)"] = np.where(sk["C"] == "inf", "", one_minus_cos.map("{:.1e}".format))
print(f"hard-margin SVM: margin gamma = {gamma:.4f}, ln(100) / gamma = {np.log(100) / gamma:.2f}")
free, path = sk.iloc[:4], sk.iloc[5:10]
r = path["‖w‖"].to_numpy()
print(f"increments of ‖w‖ per factor 100 of C: {np.round(np.diff(r), 1)}")
sk.drop(columns=["w", "b"]).round({"‖w‖": 2})

# %% [markdown]
# Unpenalised there is no minimiser to converge to, and the direction is wherever the
# optimiser stopped (the table leaves $1 - \cos$ blank there). Along the penalised path
# $1 - \cos$ falls steadily, and $\lVert w\rVert$ grows by 8.5, 16.3, 18.9 and 19.9 per factor
# 100 of $C$: towards $\ln(100)/\gamma = 21.9$, slowly, because at the optimum
# $\gamma \lVert w\rVert$ grows like $\ln C - \ln \lVert w\rVert$. The path stops at
# $C = 10^8$: beyond it the penalised NLL falls below $10^{-6}$ at its minimum, and the
# solvers' stopping rules (lbfgs here, the library's Newton solver in `ce.fit_l2`) no longer
# pin the minimiser down.

# %% tags=["hide-input"]
# Check: unpenalised, the norm grows as the tolerance falls (4 fits); only max_iter = 5 warns.
# Penalised, the norm grows and 1 - cos falls with C. The first-order condition along the
# SVM direction, n_sv gamma exp(-gamma r) = r / C, predicts the increment of r = ‖w‖ per factor
# 100: (ln 100 - ln(r_k / r_(k-1))) / gamma. It neglects the change of ln(n_sv), the effective
# number of flowers on the margin (two within 0.4% of it at C = 1e8): ~0.06 of ln 100 = 4.6,
# so 5% is allowed (a law with ln C / gamma alone, 9% off here, would fail). At C = sigma^2
# scikit-learn's fit is the MAP with an unpenalised intercept (lbfgs to 1e-10: 1e-6 allowed).
predicted = (np.log(100) - np.log(r[-1] / r[-2])) / gamma
assert np.all(np.diff(free["‖w‖"]) > 0) and np.all(np.diff(r) > 0)
assert (
    np.all(np.diff(one_minus_cos.to_numpy()[5:10]) < 0)
    and abs((r[-1] - r[-2]) / predicted - 1) < 0.05
)
assert sk["convergence warning"].tolist() == [False] * 4 + [True] + [False] * 6
map_sk = ce.fit_l2(U_iris, y_iris, 2.5)  # bias unpenalised
assert np.allclose(W_sk[10], map_sk.weights[1], rtol=1e-6)

# %% [markdown]
# The Bayesian answer keeps the model and adds the prior it lacks: the PyMC model of the
# election data, now with two classes and $\mathcal N(0, 2.5^2)$ priors on the two slopes and
# the intercept of the standardised sepal measurements. The likelihood is at most 1 and the
# prior proper, so the posterior is proper: along $D$ the likelihood levels off while the
# prior's tails keep falling, and the draws stay bounded. For comparison, the posterior mode
# (`ce.fit_l2`) under priors of sd 1, 2.5 and 5.

# %%
iris_model = softmax_model(U_iris, y_iris, ["setosa", "versicolor"], ["length", "width"])
with iris_model, ce.capture_sampler_messages():
    dt_iris = pm.sample(draws=DRAWS, **SAMPLE_KW)
w_iris = dt_iris.posterior.to_dataset()["W_free"].values.reshape(-1, 2)
b_iris = dt_iris.posterior.to_dataset()["b_free"].values.reshape(-1)
w_norm = np.linalg.norm(w_iris, axis=1)
maps = {s: ce.fit_l2(U_iris, y_iris, s, bias_sigma=s) for s in (1.0, 2.5, 5.0)}
map_norm = {s: np.linalg.norm(f.weights[1]) for s, f in maps.items()}
prior_median = 2.5 * np.sqrt(2 * np.log(2))  # of ‖w‖ when w ~ N(0, 2.5^2 I_2)
print(f"posterior ‖w‖: median {np.median(w_norm):.1f} (prior median {prior_median:.1f}), ", end="")
print(f"largest of {w_norm.size} draws {w_norm.max():.1f}")
print(f"posterior sds of the two slopes {np.round(w_iris.std(0), 2)} (prior sd 2.5)")
print("MAP ‖w‖ for prior sd 1, 2.5, 5:", np.round(list(map_norm.values()), 2))

# %% tags=["hide-input"]
# Check: diagnostics as for the election data. Bounded: since the likelihood is at most 1,
# P(‖w‖ > 20 | y) <= P_prior(‖w‖ > 20) / p(y) = exp(-20²/(2 2.5²)) / p(y); p(y), the mean
# likelihood over 50,000 prior draws (~30% MC error, a factor that does not matter here),
# makes it ~1e-10 per draw. Informative: both slopes' posterior sds below the prior's 2.5,
# allowing 4 relative MC se 1/sqrt(2 ESS). The prior sets the scale: a five-fold prior sd
# more than doubles the MAP's ‖w‖ (were the data informative along D, it would hardly move).
diag_iris = converged(dt_iris)
theta_prior = rng.normal(0.0, 2.5, (50_000, 3))
design = np.column_stack([np.ones(len(U_iris)), U_iris])
log_lik = -np.logaddexp(0, -(2 * y_iris - 1) * (theta_prior @ design.T)).sum(1)
log_py = logsumexp(log_lik) - np.log(len(log_lik))
assert w_norm.max() < 20 and w_norm.size * np.exp(-(20**2) / (2 * 2.5**2) - log_py) < 1e-5
assert np.all(w_iris.std(0) * (1 - 4 / np.sqrt(2 * diag_iris["min bulk ESS"])) < 2.5)
assert map_norm[5.0] / map_norm[1.0] > 2

# %%
g1, g2 = np.meshgrid(np.linspace(-2.5, 3, 120), np.linspace(-2.5, 4.8, 160))
grid = np.column_stack([g1.ravel(), g2.ravel()])
p_grid = expit(grid @ w_iris[::8].T + b_iris[::8]).mean(1).reshape(g1.shape)
w_inf, b_inf = W_sk[3], sk["b"][3]  # C = inf, tol = 1e-10
fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
ax = axes[0]
cs = ax.contourf(g1, g2, p_grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
fig.colorbar(cs, ax=ax, label="posterior predictive P(versicolor)")
ax.plot(g1[0], -(b_inf + w_inf[0] * g1[0]) / w_inf[1], "k--", label="scikit-learn, C = ∞")
for k, name, m, fc, ec in [(0, "setosa", "o", "w", "k"), (1, "versicolor", "s", "k", "w")]:
    ax.plot(*U_iris[y_iris == k].T, m, mfc=fc, mec=ec, ms=6.5, label=name)
ax.set(xlabel="sepal length (standardised)", ylabel="sepal width (standardised)", ylim=(-2.5, 4.8))
ax.legend(loc="upper left")

ax, dist = axes[1], np.linspace(-1.2, 1.2, 241)  # signed distance from the SVM's boundary
line = (dist - b_svm * gamma)[:, None] * w_svm * gamma  # its normal through the data's centre
p_post = expit(line @ w_iris[::4].T + b_iris[::4]).mean(1)
ax.plot(dist, p_post, color="C1", lw=3, label="posterior predictive, σ = 2.5")
for s, ls in [(1.0, ":"), (5.0, "--")]:
    p_map = expit(line @ maps[s].weights[1] + maps[s].bias[1])
    ax.plot(dist, p_map, "k", ls=ls, label=f"MAP, σ = {s:g}")
ax.plot(dist, expit(line @ w_inf + b_inf), color="C0", label="scikit-learn, C = ∞")
d_flower = (U_iris @ w_svm + b_svm) * gamma  # ticks: setosa below, versicolor above
ax.plot(d_flower, np.where(y_iris == 1, 1.04, -0.04), "|", color="k", ms=10)
ax.set(xlabel="signed distance from the SVM boundary", ylabel="P(versicolor)", xlim=(-1.2, 1.2))
ax.legend(loc="center left", bbox_to_anchor=(0, 0.7), fontsize=10)

ax, C_path = axes[2], path["C"].astype(float).to_numpy()
ax.semilogx(C_path, r, "o-", color="C0", label="scikit-learn, penalty ‖w‖²/(2C)")
asymptote = r[-1] + np.log(C_path / C_path[-1]) / gamma
ax.semilogx(C_path, asymptote, "--", color="0.4", label="slope 1/γ, through the last point")
star = dict(color="C1", ms=16, mec="k", label="C = σ² = 6.25 (MAP, bias unpenalised)")
ax.plot(6.25, sk["‖w‖"][10], "*", **star)
ax.axhspan(*np.quantile(w_norm, [0.025, 0.975]), color="C1", alpha=0.3, label="posterior ‖w‖, 95%")
ax.set(xlabel="C", ylabel="‖w‖", ylim=(0, None), title="no MLE: ‖w‖ grows with C")
ax.legend(loc="upper left", fontsize=10)
save_figure(fig, "iris-separation")

# %% [markdown]
# Under the posterior the probability of versicolor rises from near 0 to near 1 across a band
# around the gap between the species (left). The band widens away from the flowers: the draws
# differ a little in the boundary's direction, and far from the data a small change of angle
# moves the boundary far. The flowers next to the gap get intermediate forecasts (middle, along
# the line through the centre of the data perpendicular to the SVM's boundary; the ticks are the
# flowers' distances from it). scikit-learn's unpenalised fit puts its boundary in the gap as a
# step, its steepness set by its tolerance. The posterior's steepness is not set by the data
# either: along $D$ the likelihood is flat, so the prior sets $\lVert w\rVert$. Widening the
# prior five-fold, from sd 1 to 5, moves the MAP's $\lVert w\rVert$ from 3.5 to 8.5, and the
# posterior's median, 6.5, lies between the prior's 2.9 and the likelihood's $\infty$. What the
# data fix is the boundary's direction and position. Every posterior draw of
# $\lVert w\rVert$ is below 20 (the largest of 4,000 is 11.9); the penalised path passes 67 at
# $C = 10^8$ and keeps growing (right).
#
# ## Exercises
#
# **1 (easy).** The wine data of scikit-learn (`load_wine`): 178 wines of three cultivars, 13
# chemical measurements. Does the MLE of softmax regression on all 13 features exist?

# %% [markdown]
# :::{dropdown} Solution
# No: the three cultivars are completely separated, and `ce.fit_cross_entropy` raises
# `SeparationError`. The cell checks that every wine's margin against each other class is
# positive along the error's direction. The counts alone do not imply it: 178 points in 13
# dimensions with labels assigned at random are almost never linearly separable (for two
# classes the probability is $2^{1-n} \sum_{k=0}^{d} \binom{n-1}{k}$ with $n = 178$,
# $d = 13$; Cover, 1965, *IEEE Transactions on Electronic Computers* 14, 326–334). The
# cultivars differ chemically.
# :::

# %% tags=["hide-cell"]
wine = load_wine()
wine_sep, n_wine = separation(wine.data, wine.target), len(wine.target)
Z_w = np.column_stack([np.ones(n_wine), wine.data]) @ wine_sep.direction.T
gap = Z_w[np.arange(n_wine), wine.target][:, None] - Z_w
gap[np.arange(n_wine), wine.target] = np.inf  # a class against itself
print(f"complete: {wine_sep.complete}; smallest margin {gap.min():.3g}")
print(f"random labels, two classes: P(separable) = {stats.binom.cdf(13, n_wine - 1, 0.5):.0e}")
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
# normal) posterior of the parameters, inside $(0, 1)$ and skewed to the right. A Wald
# interval for the log-odds $\log(q_6 / (1 - q_6))$ (se divided by $\hat q (1 - \hat q)$)
# mapped back stays inside $(0, 1)$ and is skewed too, close to the posterior's. Wald intervals
# depend on the scale they are computed on; the posterior's equal-tailed intervals do not,
# because quantiles map through any increasing function (its density, mean and highest-density
# intervals do change, and its prior was set on one scale). All three intervals trust the model
# where it is weakest: only 16 respondents place themselves at `selfLR` = 1, none of them a
# strong Republican, and Exercise 3 finds the model's smallest forecasts too small.
# :::

# %% tags=["hide-cell"]
u_lib = np.zeros(5)
u_lib[1] = (1 - centre[1]) / scale[1]  # selfLR = 1, the others at the training means
q_hat = mle_tr.predict_proba(u_lib[None])[0]
# dq_6/dz_k = q_6 (delta_k6 - q_k) for the free classes k = 1..6, and dz_k/d(b_k, w_k) = (1, u)
g = (q_hat[6] * ((np.arange(1, K) == 6) - q_hat[1:]))[:, None] * np.r_[1.0, u_lib]
H_tr = ce.nll_hessian(U_tr, y_tr, mle_tr.weights, mle_tr.bias)
se_q = np.sqrt(g.ravel() @ np.linalg.solve(H_tr, g.ravel()))
se_logit = se_q / (q_hat[6] * (1 - q_hat[6]))  # d logit(q) / dq = 1 / (q (1 - q))
q_post = ce.softmax(np.column_stack([np.zeros(len(bd)), Wd @ u_lib + bd]))[:, 6]
lo, mid, hi = np.quantile(q_post, [0.025, 0.5, 0.975])
wald_q = q_hat[6] + np.array([-1.96, 1.96]) * se_q
wald_logit = expit(logit(q_hat[6]) + np.array([-1.96, 1.96]) * se_logit)
print(f"MLE {q_hat[6]:.5f}; Wald [{wald_q[0]:.5f}, {wald_q[1]:.5f}]; ", end="")
print(f"log-odds Wald mapped back [{wald_logit[0]:.5f}, {wald_logit[1]:.5f}]")
print(f"posterior median {mid:.5f}, equal-tailed 95% interval [{lo:.5f}, {hi:.5f}]")
print("respondents at selfLR = 1, by class:", np.bincount(y_anes[anes["selfLR"] == 1], minlength=K))
assert wald_q[0] < 0 and hi - mid > 1.5 * (mid - lo)

# %% [markdown]
# **3 (harder).** Are the model's smallest forecasts calibrated? Pool all 944 respondents by
# 10-fold cross-validation at the MLE and compare, among the forecasts below 2%, the number of
# events with the sum of the forecasts (its expectation under calibration), in all and class
# by class.

# %% [markdown]
# :::{dropdown} Solution
# No: they come true more than twice as often as forecast, 19 events against a forecast sum
# of 8.1 (the numbers move a little with the random folds). The one-sided Poisson p-value of
# the excess, below 0.001, is conservative for the same reasons as in the reliability
# diagram's lowest bin. Where the linear logits make a class very unlikely, it is less unlikely
# than they say. Most of the excess sits in three classes: the two ends of the scale, strong
# Democrats and strong Republicans, and the independents in its middle (15 of the 19 events,
# 5.3 expected). The 2% threshold was chosen after looking at reliability diagrams, which
# weakens the p-value: this is a lead for a better model (an ordinal one, or one with a
# quadratic term in `selfLR`), not a finding.
# :::

# %% tags=["hide-cell"]
folds = rng.permutation(len(y_anes)) % 10
Q_cv = np.zeros((len(y_anes), K))
for f in range(10):
    fit_f = ce.fit_cross_entropy(X_anes[folds != f], y_anes[folds != f])
    Q_cv[folds == f] = fit_f.predict_proba(X_anes[folds == f])
small = Q_cv < 0.02
by_class = np.stack([(ce.one_hot(y_anes, K) * small).sum(0), (Q_cv * small).sum(0)])
events, expected = by_class.sum(1)
p_value = stats.poisson.sf(events - 1, expected)
print(f"{small.sum()} forecasts below 2%: {events:.0f} events, {expected:.1f} expected ", end="")
print(f"(ratio {events / expected:.1f}), one-sided Poisson p {p_value:.1e}")
assert events / expected > 2 and p_value < 0.01
ends = by_class[:, [0, 3, 6]].sum(1)  # strong D, independent, strong R
assert (ends[0] - ends[1]) / (events - expected) > 0.5  # most of the excess
pd.DataFrame(by_class, ["events", "expected"], PID).round(1)

# %% [markdown]
# ## References
#
# - Gelman, A., Jakulin, A., Pittau, M. G. and Su, Y.-S. (2008). A weakly informative default
#   prior distribution for logistic and other regression models. *The Annals of Applied
#   Statistics* 2(4), 1360–1383.
# - Kleijn, B. J. K. and van der Vaart, A. W. (2012). The Bernstein-von-Mises theorem under
#   misspecification. *Electronic Journal of Statistics* 6, 354–381.
# - Rosset, S., Zhu, J. and Hastie, T. (2004). Boosting as a regularized path to a maximum
#   margin classifier. *Journal of Machine Learning Research* 5, 941–973.
# - Vehtari, A., Gelman, A. and Gabry, J. (2017). Practical Bayesian model evaluation using
#   leave-one-out cross-validation and WAIC. *Statistics and Computing* 27(5), 1413–1432.
# - White, H. (1982). Maximum likelihood estimation of misspecified models. *Econometrica*
#   50(1), 1–25.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
