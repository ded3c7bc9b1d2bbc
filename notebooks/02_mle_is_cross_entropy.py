# %% [markdown]
# # Maximum likelihood is cross-entropy minimisation
#
# Classifiers are trained by minimising the cross entropy between the one-hot labels and the
# predicted class probabilities. This notebook derives that loss from a single principle,
# maximum likelihood, and executes every step of the derivation on simulated data, so that each
# equality is checked by the computer rather than taken on trust. It then fits the model four
# independent ways and shows that all four land on the same estimate, and it ends with three
# corrections to the way this derivation is usually written down.
#
# **Setting.** We observe $N$ pairs $(x^{(i)}, y^{(i)})$ with $x^{(i)} \in \mathbb{R}^d$ and
# labels $y^{(i)} \in \{0, 1, \dots, C\}$, that is $K = C + 1$ classes, generated as in the
# previous notebook. The model is softmax regression,
#
# $$
# q(y = k \mid x; \theta) = \operatorname{softmax}(W x + b)_k, \qquad k = 0, \dots, C,
# $$
#
# with class 0 as the pivot ($w_0 = 0$, $b_0 = 0$), so the parameters $\theta$ are the rows
# $k = 1, \dots, C$ of $W$ and $b$. The maximum-likelihood estimator is
#
# $$
# \hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D}).
# $$

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_602
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## The data
#
# Three classes, two standard-normal features, and the true parameters of the first notebook.
# The maximum-likelihood estimate exists only when no direction in parameter space separates the
# classes perfectly; the library's linear-programming check confirms that these data overlap.

# %%
N = 1_500 if FAST else 3_000
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
X, y, _ = ce.simulate(N, W_true, b_true, rng)

assert ce.separation_direction(X, y) is None
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")

# %% [markdown]
# To evaluate the likelihood we need some parameter value. Any will do for the identities below;
# we take an arbitrary guess $\theta_0$, deliberately not the truth.

# %%
W0 = np.array([[0.0, 0.0], [1.0, -0.5], [-0.5, 1.0]])
b0 = np.array([0.0, 0.2, 0.1])
z0 = ce.linear_predictor(X, W0, b0)  # (N, K)
q0 = ce.softmax(z0)  # predicted class probabilities, each row sums to 1
l0 = q0[np.arange(N), y]  # the probability each observation's own label receives

# %% [markdown]
# ## Step 1: independence turns the likelihood into a product
#
# The likelihood is the probability of the observed labels given the features, read as a
# function of $\theta$. If the pairs are drawn independently from the same distribution
# (i.i.d.), that joint probability factorises into one term per observation:
#
# $$
# \mathcal{L}(\theta \mid \mathcal{D}) = p\big(y^{(1)}, \dots, y^{(N)} \mid x^{(1)}, \dots, x^{(N)}; \theta\big)
#   \overset{\text{i.i.d.}}{=} \prod_{i=1}^N \ell\big(\theta \mid x^{(i)}, y^{(i)}\big),
# \qquad \ell\big(\theta \mid x^{(i)}, y^{(i)}\big) = q\big(y^{(i)} \mid x^{(i)}; \theta\big).
# $$
#
# For fixed $\theta$ the product is a probability distribution over the *labels*: summed over
# all $K^n$ possible label vectors of $n$ observations it gives exactly 1. We check that by
# brute force for $n = 4$ observations ($3^4 = 81$ label vectors).

# %%
n_small = 4
label_vectors = np.array(np.meshgrid(*[range(K)] * n_small, indexing="ij")).reshape(n_small, -1).T
joint = np.prod(q0[np.arange(n_small), label_vectors], axis=1)  # one product per label vector
print(f"{len(label_vectors)} label vectors; total probability {joint.sum():.15f}")
assert np.isclose(joint.sum(), 1.0, rtol=0, atol=1e-12)

# %% [markdown]
# A product of many numbers below one is numerically fragile. On a small subset the product and
# the exponential of the summed logarithms agree to machine precision; on the whole data set the
# product underflows to exactly zero, although its logarithm is an ordinary number.

# %%
n_sub = 20
assert np.isclose(np.prod(l0[:n_sub]), np.exp(np.sum(np.log(l0[:n_sub]))), rtol=1e-12, atol=0)

log_L0 = np.sum(np.log(l0))
print(f"product of {n_sub} terms: {np.prod(l0[:n_sub]):.6e}")
print(f"product of all {N} terms: {np.prod(l0)}; sum of their logs: {log_L0:.2f}")
assert np.prod(l0) == 0.0
assert log_L0 < np.log(np.finfo(float).smallest_subnormal)  # the true value is below any double

# %% [markdown]
# ## Step 2: each term is a categorical probability mass function
#
# Under the model, $y \mid x$ is categorical with probabilities $p = q(\cdot \mid x; \theta)$.
# The categorical PMF picks out the probability of the observed class with an indicator in the
# exponent, over **all** classes $0, \dots, C$:
#
# $$
# f(y \mid p) = \prod_{k=0}^{C} p_k^{\,1[y = k]}
# \quad\Longrightarrow\quad
# \ell\big(\theta \mid x^{(i)}, y^{(i)}\big) = \prod_{k=0}^{C} q\big(k \mid x^{(i)}; \theta\big)^{1[y^{(i)} = k]} .
# $$
#
# Three computations of the same numbers: the indicator product over $k = 0, \dots, C$, the
# library's `categorical_log_pmf`, and SciPy's multinomial PMF with a single trial.

# %%
h = ce.one_hot(y, K)  # h[i, k] = 1[y_i = k]
pmf_product = np.prod(q0**h, axis=1)
pmf_library = np.exp(ce.categorical_log_pmf(y, ce.log_softmax(z0)))
pmf_scipy = stats.multinomial.pmf(h, 1, q0)

assert np.allclose(pmf_product, l0, rtol=1e-12, atol=0)
assert np.allclose(pmf_library, l0, rtol=1e-12, atol=0)
assert np.allclose(pmf_scipy, l0, rtol=1e-10, atol=0)

# %% [markdown]
# ## Step 3: the logarithm turns the product into a sum and keeps the maximiser
#
# $$
# \log \mathcal{L}(\theta \mid \mathcal{D}) = \log \prod_{i=1}^N \ell_i(\theta) = \sum_{i=1}^N \log \ell_i(\theta).
# $$
#
# The sum is what we compute; it never underflows. Taking the logarithm does not move the
# maximiser because $\log$ is **strictly increasing**: $u < v \iff \log u < \log v$, so the
# parameter with the largest likelihood also has the largest log-likelihood, and conversely.

# %%
log_l0 = ce.categorical_log_pmf(y, ce.log_softmax(z0))
assert np.isclose(log_l0.sum(), log_L0, rtol=1e-12, atol=0)
assert np.isclose(log_l0[:n_sub].sum(), np.log(np.prod(l0[:n_sub])), rtol=1e-12, atol=0)

# %% [markdown]
# To see the maximiser stay put, we vary one parameter, the bias $b_1$ of class 1, keep the other
# parameters at $\theta_0$, and use the first $n = 40$ observations so that $\mathcal{L}$ itself
# is still a representable number. On a grid of $b_1$ values, $\mathcal{L}$ and
# $\log\mathcal{L}$ peak at the same grid point.

# %%
n_slice = 40
b1_grid = np.linspace(-3.0, 4.0, 351 if FAST else 1401)
W_slice = np.broadcast_to(W0, (b1_grid.size, K, d))
b_slice = np.tile(b0, (b1_grid.size, 1))
b_slice[:, 1] = b1_grid
loglik_slice = ce.log_likelihood_grid(X[:n_slice], y[:n_slice], W_slice, b_slice)
lik_slice = np.exp(loglik_slice)

assert lik_slice.min() > 0  # no underflow on this subset
i_max = np.argmax(lik_slice)
assert i_max == np.argmax(loglik_slice)
print(f"argmax of L and of log L: b_1 = {b1_grid[i_max]:.3f} (max L = {lik_slice[i_max]:.3e})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
axes[0].plot(b1_grid, lik_slice)
axes[0].set_ylabel(r"$\mathcal{L}(\theta \mid \mathcal{D}_{40})$")
axes[1].plot(b1_grid, loglik_slice)
axes[1].set_ylabel(r"$\log \mathcal{L}(\theta \mid \mathcal{D}_{40})$")
for ax in axes:
    ax.axvline(b1_grid[i_max], color="k", ls="--", lw=1, label="common maximiser")
    ax.set_xlabel("$b_1$ (other parameters fixed)")
axes[0].legend(loc="upper left", fontsize=9)
save_figure(fig, "likelihood-and-log-likelihood")
plt.show()

# %% [markdown]
# ## Step 4: maximising becomes minimising the negative log-likelihood
#
# Maximising a function is minimising its negative, so
#
# $$
# \hat\theta = \arg\max_\theta \sum_{i=1}^N \log \ell_i(\theta)
#            = \arg\min_\theta \underbrace{\sum_{i=1}^N -\log \ell_i(\theta)}_{\operatorname{NLL}(\theta)} .
# $$

# %%
nll0 = ce.negative_log_likelihood(y, z0)
assert np.isclose(nll0, -log_l0.sum(), rtol=1e-12, atol=0)
assert np.argmin(-loglik_slice) == np.argmax(loglik_slice)
print(f"NLL(theta_0) = {nll0:.4f}")

# %% [markdown]
# ## Step 5: with one-hot labels the NLL is the summed cross entropy
#
# Write each label as a one-hot vector $h^{(i)}$ with $h^{(i)}_k = 1[y^{(i)} = k]$, a probability
# distribution that puts all its mass on the observed class. Taking $-\log$ of the PMF of step 2,
#
# $$
# -\log \ell_i(\theta) = -\sum_{k=0}^{C} h^{(i)}_k \log q\big(k \mid x^{(i)}; \theta\big)
#                      = H\big(h^{(i)}, q^{(i)}_\theta\big),
# $$
#
# the cross entropy between the label distribution and the predicted distribution. Summing over
# observations,
#
# $$
# \boxed{\;\hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D})
#        = \arg\min_\theta \sum_{i=1}^N H\big(h^{(i)}, q^{(i)}_\theta\big)\;}
# $$
#
# Minimising the summed cross entropy is maximum-likelihood estimation. (The mean cross entropy,
# the usual training loss, differs by the constant factor $1/N$ and has the same minimiser.)

# %%
H0 = ce.cross_entropy(h, q0)  # one value per observation
assert np.allclose(H0, -log_l0, rtol=1e-12, atol=1e-15)
assert np.isclose(H0.sum(), nll0, rtol=1e-12, atol=0)
print(f"summed cross entropy {H0.sum():.6f} = NLL {nll0:.6f}")

# %% [markdown]
# ## The MLE four ways
#
# If the derivation is right, four routes that share no code must reach the same $\hat\theta$:
#
# * **cross entropy**: `ce.fit_cross_entropy` minimises the summed cross entropy by Newton's
#   method and certifies the result by bounding the Newton step that remains;
# * **PyMC**: the same model with `pm.Flat` priors on every parameter, maximised by `pm.find_MAP`.
#   With a flat prior the log posterior is the log-likelihood plus a constant, so the maximum a
#   posteriori estimate *is* the MLE;
# * **statsmodels**: `MNLogit`, the textbook multinomial logit, fitted by Newton's method;
# * **scikit-learn**: `LogisticRegression(C=np.inf)` (no penalty), which fits one row per class;
#   subtracting row 0 moves it to the pivot parametrisation.
#
# The table reports, for each, the summed NLL at its estimate, the largest absolute entry of
# the gradient of the *mean* NLL there (`grad_norm`, computed for all four by the library's one
# objective), and the largest absolute difference of its parameters from the cross-entropy fit.

# %%
table = ce.compare_estimates(X, y)
fits = table.attrs["fits"]
table.assign(
    nll=table["nll"].map("{:.8f}".format),
    grad_norm=table["grad_norm"].map("{:.2e}".format),
    max_abs_diff=table["max_abs_diff"].map("{:.2e}".format),
)

# %% [markdown]
# The parameters themselves, next to the truth and the standard errors of the MLE (from the
# inverse of the NLL's Hessian, the observed information):

# %%
mle = fits["cross-entropy"]
theta_hat = ce.pack_params(mle.weights, mle.bias)
se_hat = ce.standard_errors(X, y, mle.weights, mle.bias)
names = [f"{p}_{k}" for k in range(1, K) for p in ["b"] + [f"w{j}" for j in range(d)]]
params = pd.DataFrame(
    {"true": ce.pack_params(W_true, b_true)}
    | {name: ce.pack_params(f.weights, f.bias) for name, f in fits.items()}
    | {"std. error": se_hat},
    index=pd.Index(names, name="parameter"),
)
params.round(6)

# %% [markdown]
# The three exact routes agree to far better than $10^{-5}$ in every parameter, and reach the
# same minimum of the NLL:

# %%
assert table["converged"].all()
for name in ["pymc-map", "statsmodels"]:
    assert table.loc[name, "max_abs_diff"] < 1e-5, name
    assert abs(table.loc[name, "nll"] - mle.nll) < 1e-8 * mle.nll, name
# No estimator finds a lower NLL than the certified minimum.
assert (table["nll"] >= mle.nll - 1e-8 * mle.nll).all()

# %% [markdown]
# scikit-learn is further off, for a documented reason: its L-BFGS solver stops as soon as every
# component of the gradient of the *mean* loss is below its tolerance `tol`, by default
# $10^{-4}$ (the largest component is the table's `grad_norm`). It meets that criterion, and
# what remains is exactly one Newton step short of the optimum: the difference
# $\theta_{\text{sklearn}} - \hat\theta$ equals $H^{-1} g$, with $g$ the NLL's gradient at
# scikit-learn's estimate and $H$ the Hessian, up to the quadratic remainder (we allow 5% of the
# difference). The shortfall is a small fraction of the statistical uncertainty: below a tenth of
# a standard error for every parameter.

# %%
sk = fits["scikit-learn"]
SKLEARN_TOL = 1e-4  # LogisticRegression's default tol
objective = ce.SoftmaxRegressionLoss(X, y, K)  # the summed NLL and its gradient
_, g_sk = objective.loss_gradient(ce.pack_params(sk.weights, sk.bias))
delta = ce.pack_params(sk.weights, sk.bias) - theta_hat
newton = np.linalg.solve(ce.nll_hessian(X, y, mle.weights, mle.bias), g_sk)
print(f"max |gradient of mean NLL| at the scikit-learn estimate: {np.abs(g_sk).max() / N:.2e}")
print(
    f"max |difference| {np.abs(delta).max():.2e}; "
    f"max |difference - Newton step| {np.abs(delta - newton).max():.2e}; "
    f"max |difference| / s.e. {np.abs(delta / se_hat).max():.3f}"
)

assert np.abs(g_sk).max() / N <= SKLEARN_TOL
assert np.isclose(sk.grad_norm, np.abs(g_sk).max() / N, rtol=1e-9)
assert np.linalg.norm(delta - newton) <= 0.05 * np.linalg.norm(delta)
assert np.all(np.abs(delta) < 0.1 * se_hat)

# %% [markdown]
# ## The NLL surface
#
# The NLL is a smooth bowl in $\theta$. The figure shows it over two of the six parameters, the
# weights of class 1, with the others held at the MLE; contours are drawn at
# $\operatorname{NLL} - \operatorname{NLL}(\hat\theta) = \tfrac12 c^2$ for $c = 1, 2, 3, 4$, which
# for a quadratic bowl are the $c$-standard-error ellipses of this slice. The minimum of the
# grid sits on the MLE, and the true parameters lie inside the outer contours, as sampling
# variability says they should.

# %%
n_grid = 61 if FAST else 101
i0, i1 = names.index("w0_1"), names.index("w1_1")
ax0 = theta_hat[i0] + 5 * se_hat[i0] * np.linspace(-1, 1, n_grid)
ax1 = theta_hat[i1] + 5 * se_hat[i1] * np.linspace(-1, 1, n_grid)
G0, G1 = np.meshgrid(ax0, ax1, indexing="ij")
thetas = np.tile(theta_hat, (G0.size, 1))
thetas[:, i0], thetas[:, i1] = G0.ravel(), G1.ravel()
W_grid, b_grid = zip(*(ce.unpack_params(t, K, d) for t in thetas))
nll_surface = -ce.log_likelihood_grid(X, y, np.array(W_grid), np.array(b_grid)).reshape(G0.shape)

j0, j1 = np.unravel_index(np.argmin(nll_surface), nll_surface.shape)
step0, step1 = ax0[1] - ax0[0], ax1[1] - ax1[0]
assert abs(ax0[j0] - theta_hat[i0]) <= step0 and abs(ax1[j1] - theta_hat[i1]) <= step1
assert nll_surface.min() >= mle.nll - 1e-8 * mle.nll
# The true weights of class 1 (the other parameters at the MLE) lie inside the 4-s.e. contour.
true_theta = ce.pack_params(W_true, b_true)
theta_check = theta_hat.copy()
theta_check[[i0, i1]] = true_theta[[i0, i1]]
W_check, b_check = ce.unpack_params(theta_check, K, d)
excess = ce.negative_log_likelihood(y, ce.linear_predictor(X, W_check, b_check)) - mle.nll
print(f"NLL at the true class-1 weights exceeds the minimum by {excess:.2f} (4 s.e.: 8)")
assert excess < 0.5 * 4**2

# %%
fig, ax = plt.subplots(figsize=(6, 5))
radius = np.sqrt(2 * np.clip(nll_surface - mle.nll, 0, None))  # c with NLL - min = c^2 / 2
filled = ax.contourf(G0, G1, radius, levels=np.arange(0, 5.01, 0.25), cmap="Blues_r", extend="max")
cs = ax.contour(G0, G1, radius, levels=[1, 2, 3, 4], colors="k", linewidths=0.8)
ax.clabel(cs, fmt=lambda v: f"{v:.0f} s.e.", fontsize=8)
fig.colorbar(filled, ax=ax, label=r"$\sqrt{2\,(\mathrm{NLL} - \mathrm{NLL}(\hat\theta))}$")
ax.plot(theta_hat[i0], theta_hat[i1], "*", color="C3", ms=14, label=r"MLE $\hat\theta$")
ax.plot(true_theta[i0], true_theta[i1], "X", color="k", ms=9, label="true value")
ax.set_xlabel("$w_{1,0}$ (weight of $x_0$ for class 1)")
ax.set_ylabel("$w_{1,1}$ (weight of $x_1$ for class 1)")
ax.legend(loc="upper right")
save_figure(fig, "nll-surface")
plt.show()


# %% [markdown]
# ---
#
# ## Corrections to the usual derivation
#
# The derivation above is the standard one, but the way it is commonly written down contains
# three slips. None changes the conclusion; each would mislead a reader who took the formulas
# literally, and each can be checked numerically.
#
# ### (a) The sums and products must run over all classes, including class 0
#
# The labels take values in $\{0, 1, \dots, C\}$, yet the per-observation likelihood is often
# written as $\prod_{k=1}^{C} q_k^{1[y = k]}$ and the cross entropy as $\sum_{k=1}^{C}$. Starting
# at $k = 1$ silently drops class 0. For an observation with $y = 0$ every factor of that product
# is $q_k^0 = 1$: the empty product says the model predicted it perfectly, whatever $\theta$ is.
#
# The truncated "PMF" is then not a distribution: summed over the possible labels it gives
# $1 + \sum_{k=1}^{C} q_k = 2 - q_0$ instead of 1.


# %%
def truncated_pmf(labels, q):
    """The per-observation 'likelihood' with the product over k = 1..C only (class 0 dropped)."""
    indicator = ce.one_hot(labels, q.shape[1])
    return np.prod(q[:, 1:] ** indicator[:, 1:], axis=1)


total = sum(truncated_pmf(np.full(N, k), q0) for k in range(K))
assert np.allclose(total, 2 - q0[:, 0], rtol=1e-12, atol=0)
assert np.all(total > 1)
print(f"sum over labels of the truncated PMF: between {total.min():.3f} and {total.max():.3f}")

# %% [markdown]
# Its negative logarithm misses the terms of every class-0 observation, so it is smaller than the
# NLL by exactly $-\sum_{i: y_i = 0} \log q_0(x^{(i)})$:

# %%
nll_truncated = -np.log(truncated_pmf(y, q0)).sum()
missing = -np.log(q0[y == 0, 0]).sum()
print(f"NLL {nll0:.3f}; truncated 'NLL' {nll_truncated:.3f}; class-0 terms {missing:.3f}")
assert not np.isclose(nll_truncated, nll0)
assert np.isclose(nll0 - nll_truncated, missing, rtol=1e-10, atol=0)

# %% [markdown]
# Worse, the truncated loss has no minimiser. Raising the biases of all classes except 0 by the
# same amount $t$ lowers the probability of class 0 everywhere, which the truncated loss never
# pays for, and raises the probability of every other observed label. Starting from the MLE, the
# true NLL goes up in that direction while the truncated loss goes down for ever:

# %%
t_path = np.linspace(0.0, 10.0, 21)
along_nll, along_truncated = [], []
for t in t_path:
    q_t = ce.softmax(ce.linear_predictor(X, mle.weights, mle.bias + t * np.r_[0.0, np.ones(K - 1)]))
    along_nll.append(-np.log(q_t[np.arange(N), y]).sum())
    along_truncated.append(-np.log(truncated_pmf(y, q_t)).sum())
assert np.all(np.diff(along_nll) > 0)
assert np.all(np.diff(along_truncated) < 0)
path = pd.DataFrame({"t": t_path, "NLL": along_nll, "truncated": along_truncated})
print(path.iloc[::4].round(2).to_string(index=False))

# %% [markdown]
# ### (b) The minus sign in "cross entropy as negative log-likelihood"
#
# The step is sometimes written $-\log \ell_i = \sum_k 1[y^{(i)} = k] \log q_k$, without a minus
# sign on the right. That cannot be: the left side is $\geq 0$ (the log of a probability is
# $\leq 0$) and the right side is $\leq 0$. The right side is $+\log \ell_i$. The correct
# statement is
#
# $$
# -\log \ell_i(\theta) = -\sum_{k=0}^{C} 1\big[y^{(i)} = k\big] \log q\big(k \mid x^{(i)}; \theta\big) .
# $$

# %%
neg_log_l = -ce.categorical_log_pmf(y, ce.log_softmax(z0))  # the left side
sum_without_minus = (h * ce.log_softmax(z0)).sum(axis=1)  # the right side as miswritten
assert np.all(neg_log_l >= 0) and np.all(sum_without_minus <= 0)
assert not np.allclose(neg_log_l, sum_without_minus)
assert np.allclose(sum_without_minus, -neg_log_l, rtol=1e-12, atol=0)  # it is log l, not -log l
assert np.allclose(-sum_without_minus, ce.cross_entropy(h, q0), rtol=1e-12, atol=1e-15)

# %% [markdown]
# ### (c) It is the monotonicity of the logarithm, not its concavity, that keeps the maximiser
#
# The logarithm is both strictly increasing and strictly concave, and the step "taking the log
# does not change the MLE" is often justified by concavity. Concavity is the wrong property:
# a transform $g$ keeps the maximiser of every function exactly when it is strictly increasing.
# Two examples on the likelihood slice of step 3, rescaled to $u = \mathcal{L}/\max\mathcal{L}
# \in (0, 1]$:
#
# * $g(u) = u^2$ is strictly increasing on $u \ge 0$ but **convex**: the maximiser stays put;
# * $g(u) = -(u - \tfrac12)^2$ is strictly **concave** but not monotone: it is largest where the
#   likelihood is half its maximum, so its maximiser moves away from the MLE.

# %%
u = lik_slice / lik_slice.max()
transforms = {
    r"$\log u$ (increasing, concave)": np.log(u),
    r"$u^2$ (increasing, convex)": u**2,
    r"$-(u - 1/2)^2$ (concave, not monotone)": -((u - 0.5) ** 2),
}
argmaxes = {name: int(np.argmax(values)) for name, values in transforms.items()}
print(
    {name: round(float(b1_grid[i]), 3) for name, i in argmaxes.items()},
    "MLE on the slice:",
    round(float(b1_grid[i_max]), 3),
)

log_name, square_name, concave_name = transforms
assert argmaxes[log_name] == i_max
assert argmaxes[square_name] == i_max
assert abs(b1_grid[argmaxes[concave_name]] - b1_grid[i_max]) > 10 * (b1_grid[1] - b1_grid[0])
assert abs(u[argmaxes[concave_name]] - 0.5) < 0.02  # it sits where L is half its maximum

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharex=True)
for ax, (name, values) in zip(axes, transforms.items()):
    ax.plot(b1_grid, values)
    ax.axvline(b1_grid[i_max], color="k", ls="--", lw=1, label="maximiser of $u$")
    ax.axvline(b1_grid[argmaxes[name]], color="C3", ls=":", lw=2, label="argmax of $g(u)$")
    ax.set_title(name, fontsize=11)
    ax.set_xlabel("$b_1$")
axes[0].legend(loc="lower center", fontsize=9)
save_figure(fig, "monotone-transforms-keep-the-maximiser")
plt.show()

# %% [markdown]
# ## Summary
#
# Independence makes the likelihood a product; the categorical PMF gives each factor; the
# logarithm, because it is strictly increasing, turns the product into a sum with the same
# maximiser; a sign flip turns maximisation into minimisation; and with one-hot labels each term
# is a cross entropy. Four independent optimisers confirm the result to within their
# tolerances. The next notebook asks what the likelihood is *not*: a probability distribution
# over $\theta$.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
