# %% [markdown]
# # Maximum likelihood is cross-entropy minimisation
#
# Classifiers are trained by minimising the cross entropy between the one-hot labels and the
# predicted class probabilities. This notebook derives that loss from a single principle,
# maximum likelihood, and runs each step of the derivation on simulated data. The result, for
# softmax regression with one-hot labels $h^{(i)}$, is
#
# $$
# \hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D})
#            = \arg\min_\theta \sum_{i=1}^N H\big(h^{(i)}, q_\theta(\cdot \mid x^{(i)})\big).
# $$
#
# The derivation then goes further: the gradient of the loss, its convexity (hence one
# minimiser), its reading as a KL divergence, binary cross entropy as the case of two classes,
# and the quadratic approximation around the minimiser that leads to the posterior. The model is
# fitted four ways, among them a PyMC model written out here, and the notebook ends with three
# corrections to the way this derivation is usually written down.
#
# **Setting.** We observe $N$ pairs $(x^{(i)}, y^{(i)})$ with $x^{(i)} \in \mathbb{R}^d$ and
# labels $y^{(i)} \in \{0, 1, \dots, C\}$, that is $K = C + 1$ classes, generated as in the
# previous notebook. The model is softmax regression,
# $q(y = k \mid x; \theta) = \operatorname{softmax}(W x + b)_k$, with class 0 as the pivot
# ($w_0 = 0$, $b_0 = 0$), so $\theta$ holds the rows $k = 1, \dots, C$ of $W$ and $b$.

# %%

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from IPython.display import display
from scipy import stats
from scipy.special import expit

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_602
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
az.style.use("arviz-variat")

# %% [markdown]
# ## The data
#
# Three classes, two standard-normal features, and the true parameters of the first notebook.
# A finite maximum-likelihood estimate exists only when no direction in parameter space
# separates the classes; the library's linear-programming check finds none for these data.

# %%
N = 1_500 if FAST else 3_000
K, d = 3, 2
W_true = np.array([[0.0, 0.0], [1.5, -1.0], [-1.0, 2.0]])
b_true = np.array([0.0, 0.5, -0.5])
X, y, _ = ce.simulate(N, W_true, b_true, rng)
assert ce.separation_direction(X, y) is None
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")

# %% [markdown]
# The identities below hold at every parameter value; we evaluate them at an arbitrary guess
# $\theta_0$, deliberately not the truth.

# %%
W0 = np.array([[0.0, 0.0], [1.0, -0.5], [-0.5, 1.0]])
b0 = np.array([0.0, 0.2, 0.1])
z0 = ce.linear_predictor(X, W0, b0)  # (N, K) logits
q0 = ce.softmax(z0)  # predicted class probabilities
l0 = q0[np.arange(N), y]  # the probability each observation's own label receives

# %% [markdown]
# ## Step 1: independence turns the likelihood into a product
#
# The data are $N$ pairs drawn independently from one joint distribution $p(x, y \mid \theta)$
# (i.i.d.), so their joint probability is a product over observations. Each factor splits into
# the feature distribution and the model of the label given the features:
#
# $$
# p(\mathcal{D} \mid \theta) \overset{\text{i.i.d.}}{=} \prod_{i=1}^N p\big(x^{(i)}, y^{(i)} \mid \theta\big)
#   = \prod_{i=1}^N p\big(x^{(i)}\big)\, q\big(y^{(i)} \mid x^{(i)}; \theta\big).
# $$
#
# The feature distribution $p(x)$ does not involve $\theta$ (the model says nothing about how
# features arise), so the factor $\prod_i p(x^{(i)})$ is a positive constant in $\theta$ and
# does not move the maximiser. Maximising the joint likelihood is maximising the *conditional*
# likelihood
#
# $$
# \mathcal{L}(\theta \mid \mathcal{D}) = \prod_{i=1}^N \ell_i(\theta), \qquad
# \ell_i(\theta) = q\big(y^{(i)} \mid x^{(i)}; \theta\big).
# $$
#
# Here $p(x) = \mathcal{N}(0, I_2)$ is known, so both can be computed: their logarithms differ
# by the same number, $\sum_i \log p(x^{(i)})$, at every $\theta$.

# %%
log_px = stats.norm.logpdf(X).sum()  # sum_i log p(x_i): no theta in it
for name, (W, b) in {"theta_0": (W0, b0), "truth": (W_true, b_true)}.items():
    log_cond = -ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b))
    print(
        f"{name:8}: log joint {log_px + log_cond:10.3f} = {log_px:.3f} + log conditional {log_cond:9.3f}"
    )

# %% [markdown]
# For fixed $\theta$ the product $\prod_i \ell_i$ is a probability distribution over the label
# vectors: summed over all $K^n$ of them it gives 1 (checked below for $n = 4$, $3^4 = 81$
# label vectors). A product of thousands of numbers below one is not representable: over all
# $N$ observations it underflows to exactly zero, while its logarithm is an ordinary number.

# %% tags=["hide-input"]
# Check: brute-force sum of the product over all 81 label vectors of 4 observations is 1, up to
# the rounding of 81 four-term products (1e-12 allowed; one class left out would remove ~1/3).
labels = np.array(np.meshgrid(*[range(K)] * 4, indexing="ij")).reshape(4, -1).T
assert np.isclose(np.prod(q0[np.arange(4), labels], axis=1).sum(), 1.0, rtol=0, atol=1e-12)

# %%
print(f"product of all {N} terms: {np.prod(l0)}; sum of their logarithms: {np.log(l0).sum():.2f}")
assert np.prod(l0) == 0.0

# %% [markdown]
# ## Step 2: each factor is a categorical probability mass function
#
# Under the model, $y \mid x$ is categorical with probabilities $q(\cdot \mid x; \theta)$. Its
# PMF picks out the probability of the observed class with an indicator in the exponent, over
# **all** classes $0, \dots, C$:
#
# $$
# \ell_i(\theta) = \prod_{k=0}^{C} q\big(k \mid x^{(i)}; \theta\big)^{1[y^{(i)} = k]} .
# $$

# %%
h = ce.one_hot(y, K)  # h[i, k] = 1[y_i = k]
pmf = np.prod(q0**h, axis=1)

# %% tags=["hide-input"]
# Check: the indicator product equals SciPy's multinomial PMF with one trial, an independent
# implementation (1e-10 relative: rounding of gamma-function terms; a wrong class is off by O(1)).
assert np.allclose(pmf, stats.multinomial.pmf(h, 1, q0), rtol=1e-10, atol=0)

# %% [markdown]
# ## Step 3: the logarithm turns the product into a sum and keeps the maximiser
#
# $$
# \log \mathcal{L}(\theta \mid \mathcal{D}) = \sum_{i=1}^N \log \ell_i(\theta).
# $$
#
# The sum never underflows. Taking the logarithm does not move the maximiser because $\log$ is
# **strictly increasing**: $u < v \iff \log u < \log v$. To see it, we vary one parameter, the
# bias $b_1$ of class 1, keep the others at $\theta_0$, and use the first 40 observations so
# that $\mathcal{L}$ itself is still representable.

# %%
n_slice = 40
b1_grid = np.linspace(-3.0, 4.0, 351 if FAST else 1401)
b_slice = np.tile(b0, (b1_grid.size, 1))
b_slice[:, 1] = b1_grid
W_slice = np.broadcast_to(W0, (b1_grid.size, K, d))
loglik_slice = ce.log_likelihood_grid(X[:n_slice], y[:n_slice], W_slice, b_slice)
lik_slice = np.exp(loglik_slice)
i_max = np.argmax(lik_slice)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
for ax, values, label in ((axes[0], lik_slice, ""), (axes[1], loglik_slice, r"\log ")):
    ax.plot(b1_grid, values)
    ax.axvline(b1_grid[i_max], color="k", ls="--", lw=1, label="maximiser of $\\mathcal{L}$")
    ax.set(
        xlabel="$b_1$ (other parameters at $\\theta_0$)",
        ylabel=f"${label}\\mathcal{{L}}$ (40 obs.)",
    )
axes[0].legend(loc="upper left", fontsize=9)
save_figure(fig, "likelihood-and-log-likelihood")
plt.show()

# %% [markdown]
# ## Steps 4 and 5: the negative log-likelihood is the summed cross entropy
#
# Maximising a function is minimising its negative. With the one-hot vector $h^{(i)}$, a
# probability distribution with all its mass on the observed class, $-\log$ of step 2 is
#
# $$
# -\log \ell_i(\theta) = -\sum_{k=0}^{C} h^{(i)}_k \log q\big(k \mid x^{(i)}; \theta\big)
#                      = H\big(h^{(i)}, q^{(i)}_\theta\big),
# $$
#
# the cross entropy between the label distribution and the prediction. Summed over observations,
#
# $$
# \boxed{\;\hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D})
#        = \arg\min_\theta \underbrace{\sum_{i=1}^N H\big(h^{(i)}, q^{(i)}_\theta\big)}_{\operatorname{NLL}(\theta)}\;}
# $$
#
# The mean cross entropy, the usual training loss, is $\operatorname{NLL}/N$: same minimiser.

# %%
objective = ce.SoftmaxRegressionLoss(X, y, K)  # the library's summed NLL, gradient, Hessian
theta0 = ce.pack_params(W0, b0)
ce0 = ce.cross_entropy(h, q0)  # one cross entropy per observation
print(
    f"summed cross entropy {ce0.sum():.6f}; NLL by the library's objective {objective.loss(theta0):.6f}"
)

# %% tags=["hide-input"]
# Check: summed cross entropy = the objective (which sums log(1 + sum_k e^z) - z_y blockwise)
# = -sum log of SciPy's PMF: three implementations, rounding of N terms ~ N eps (1e-10 allowed).
assert np.isclose(ce0.sum(), objective.loss(theta0), rtol=1e-10, atol=0)
assert np.isclose(ce0.sum(), -np.log(stats.multinomial.pmf(h, 1, q0)).sum(), rtol=1e-10, atol=0)

# %% [markdown]
# ### Cross entropy is a KL divergence
#
# For any two distributions $H(h, q) = H(h) + \operatorname{KL}(h \,\|\, q)$, and a one-hot
# $h$ has entropy $H(h) = 0$. So each observation's cross entropy *is* a KL divergence,
# $H(h^{(i)}, q^{(i)}_\theta) = \operatorname{KL}(h^{(i)} \,\|\, q^{(i)}_\theta)$. With
# continuous features the $x^{(i)}$ are distinct (with probability 1), the empirical
# distribution of $y$ given $x = x^{(i)}$ is $h^{(i)}$, and
#
# $$
# \frac{1}{N}\operatorname{NLL}(\theta)
#   = \mathbb{E}_{x \sim \hat p(x)}\Big[\operatorname{KL}\big(\hat p(y \mid x) \,\|\, q_\theta(y \mid x)\big)\Big]:
# $$
#
# maximum likelihood picks the model closest, in KL divergence, to the empirical distribution.

# %% tags=["hide-input"]
# Check: SciPy's KL divergence (stats.entropy with two arguments) of each one-hot row from its
# prediction equals the cross entropy (rounding of one log, 1e-12), and the x_i are distinct.
assert np.allclose(stats.entropy(h, q0, axis=1), ce0, rtol=1e-12, atol=1e-14)
assert np.unique(X, axis=0).shape[0] == N

# %% [markdown]
# ### Binary cross entropy is the case $K = 2$
#
# With two classes and the pivot, the logits are $(0, z)$ with $z = w_1^\top x + b_1$, and
# $\operatorname{softmax}(0, z)_1 = e^z / (1 + e^z) = \sigma(z)$, the logistic function. The
# categorical NLL becomes the familiar binary cross entropy,
#
# $$
# \sum_{i=1}^N -\Big[y^{(i)} \log \sigma(z_i) + \big(1 - y^{(i)}\big) \log\big(1 - \sigma(z_i)\big)\Big].
# $$

# %%
W2, b2 = np.array([[0.0, 0.0], [1.0, -1.0]]), np.array([0.0, 0.3])
X2, y2, _ = ce.simulate(N, W2, b2, rng)
z2 = X2 @ W2[1] + b2[1]
bce = -np.sum(y2 * np.log(expit(z2)) + (1 - y2) * np.log(1 - expit(z2)))
nll2 = ce.negative_log_likelihood(y2, np.column_stack([np.zeros(N), z2]))
print(f"binary cross entropy {bce:.6f}; K = 2 softmax NLL {nll2:.6f}")

# %% tags=["hide-input"]
# Check: equal up to the rounding of log(1 - sigma(z)) for moderate |z| (1e-10 relative).
assert np.isclose(bce, nll2, rtol=1e-10, atol=0)

# %% [markdown]
# ## The gradient
#
# With $\tilde x = (1, x)$ and $\tilde w_k = (b_k, w_k)$, the derivative of
# $-\log \ell_i = \log \sum_j e^{\tilde w_j^\top \tilde x_i} - \tilde w_{y_i}^\top \tilde x_i$
# with respect to $\tilde w_k$ is $(q_{ik} - h_{ik})\, \tilde x_i$, so
#
# $$
# \nabla_{\tilde w_k} \operatorname{NLL}(\theta) = \sum_{i=1}^N \big(q_{ik} - h_{ik}\big)\, \tilde x_i,
# \qquad k = 1, \dots, C:
# $$
#
# prediction minus label, weighted by the features. At the minimiser the predicted
# probabilities of each class sum, over the data, to its observed count (the bias component),
# and likewise weighted by each feature.

# %%
X1 = np.column_stack([np.ones(N), X])  # rows are x~_i = (1, x_i)
grad0 = ((q0 - h)[:, 1:].T @ X1).ravel()  # rows k = 1..C of [b, W], as pack_params orders them

# %% tags=["hide-input"]
# Check: central differences of the objective. Their error is eps_step^2 |f'''| / 6 (truncation;
# |f'''| <= N max|x~|^3) plus eps |f| / eps_step (rounding); both bounds are computed and 10x
# their sum allowed: a gradient error above that (printed) is detected.
step = 1e-5
fd = np.array(
    [
        (objective.loss(theta0 + step * e) - objective.loss(theta0 - step * e)) / (2 * step)
        for e in np.eye(theta0.size)
    ]
)
fd_error = (
    step**2 * N * np.linalg.norm(X1, axis=1).max() ** 3 / 6 + np.finfo(float).eps * ce0.sum() / step
)
print(
    f"max |gradient - finite differences| {np.abs(grad0 - fd).max():.1e} (allowed {10 * fd_error:.1e})"
)
assert np.abs(grad0 - fd).max() < 10 * fd_error
assert np.allclose(grad0, objective.loss_gradient(theta0)[1], rtol=1e-10, atol=1e-9)

# %% [markdown]
# ## Finding the minimiser
#
# Setting the gradient to zero has no closed-form solution, so the minimiser is found
# numerically. `ce.fit_cross_entropy` centres and scales the columns of $X$, starts from the
# intercept-only MLE (the log-odds of the class frequencies), and takes Newton steps: each
# solves $\nabla^2 \operatorname{NLL}\, s = -\nabla \operatorname{NLL}$ by preconditioned
# conjugate gradients with exact Hessian-vector products, followed by a backtracking line
# search. It stops when the Euclidean norm of the gradient of the mean NLL (in the standardised
# parameters) is at most $10^{-9}$, or at the floating-point floor, where no step changes the
# NLL by more than about $16\epsilon\,|\operatorname{NLL}|$. It then certifies that a minimiser
# exists, by showing that the Newton step that remains is provably small; if it is not, a linear
# program decides between separation (no MLE) and an early stop.

# %%
mle = ce.fit_cross_entropy(X, y)
theta_hat = ce.pack_params(mle.weights, mle.bias)
print(
    f"status {mle.status!r} after {mle.n_iter} Newton steps; max |gradient of mean NLL| {mle.grad_norm:.1e}"
)

# %% [markdown]
# ## Convexity: one minimiser
#
# Differentiating the gradient once more gives the Hessian over the free classes,
#
# $$
# \nabla^2 \operatorname{NLL}(\theta) = \sum_{i=1}^N \big(\operatorname{diag} q_i - q_i q_i^\top\big) \otimes \tilde x_i \tilde x_i^\top,
# \qquad q_i = (q_{i1}, \dots, q_{iC}).
# $$
#
# Each $\operatorname{diag} q_i - q_i q_i^\top$ is the covariance matrix of the indicators
# $(1[y = 1], \dots, 1[y = C])$ under $q_i$, so it is positive semi-definite, and so is every
# Kronecker product and their sum: the NLL is convex. In the pivot parametrisation the
# covariance is positive *definite* (every $q_{ik} > 0$, class 0 included), and when the design
# $[\mathbf 1, X]$ has full column rank the Hessian is positive definite for every $\theta$. A
# strictly convex function has at most one minimiser, and the one found above is it. In the
# symmetric parametrisation (all $K$ rows free) the same sum is only semi-definite: adding one
# vector to every row does not change the probabilities, a flat direction per column of $X$.

# %%
H_hat = ce.nll_hessian(X, y, mle.weights, mle.bias)
q_hat = mle.model.predict_proba(X)
H_all = sum(np.kron(np.diag(q) - np.outer(q, q), np.outer(x, x)) for q, x in zip(q_hat, X1))
eig_pivot, eig_all = np.linalg.eigvalsh(H_hat), np.linalg.eigvalsh(H_all)
print(f"pivot: smallest eigenvalue at the MLE {eig_pivot[0]:.3f} (largest {eig_pivot[-1]:.1f})")
print(
    f"all {K} rows: {d + 1} eigenvalues within {np.abs(eig_all[: d + 1]).max():.0e} of 0, the next {eig_all[d + 1]:.3f}"
)

# %% tags=["hide-input"]
# Check: the formula over the free classes (rows 1..C of H_all, order class-major as pack_params)
# equals ce.nll_hessian (rounding, 1e-9 relative); the smallest pivot eigenvalue is positive
# beyond its rounding error (~ P eps * largest eigenvalue, P = 6 parameters).
free = slice(d + 1, None)
assert np.allclose(H_all[free, free], H_hat, rtol=1e-9, atol=1e-9 * eig_pivot[-1])
assert eig_pivot[0] > 1e3 * theta_hat.size * np.finfo(float).eps * eig_pivot[-1]
assert np.abs(eig_all[: d + 1]).max() < 1e3 * H_all.shape[0] * np.finfo(float).eps * eig_all[-1]

# %% [markdown]
# ## The same model in PyMC
#
# The likelihood can also be written as a probabilistic program: the features as data, flat
# "priors" on the free rows, the pivot logits, and a categorical likelihood. With flat priors
# the log density is the log-likelihood, so its maximum a posteriori (MAP) estimate is the MLE.

# %%
coords = {
    "obs": np.arange(N),
    "feature": ["x0", "x1"],
    "class": np.arange(K),
    "class_free": np.arange(1, K),
}
with pm.Model(coords=coords) as inference:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    W_free = pm.Flat("W_free", dims=("class_free", "feature"))
    b_free = pm.Flat("b_free", dims="class_free")
    z_free = pt.dot(X_data, W_free.T) + b_free
    logits = pm.Deterministic(
        "logits", pt.concatenate([pt.zeros((N, 1)), z_free], axis=1), dims=("obs", "class")
    )
    pm.Categorical("y_obs", logit_p=logits, observed=y, dims="obs")

# ce.model_graph is pm.model_to_graphviz with the library's workaround for Flat variables
# (PyMC issue 8024). The text form is left out.
display(ce.model_graph(inference), include=["image/svg+xml"])

# %% tags=["hide-input"]
# Check: at 3 random points, this model's log density = the library builder's = -NLL of the
# objective. PyMC computes log(softmax), the objective log-sum-exp: they differ by rounding,
# ~eps per logit and observation, so 64 eps sum_i (1 + max|z_i|) is allowed; a dropped class or
# observation would change the log density by O(1).
logp_inline = inference.compile_logp()
logp_library = ce.softmax_regression_model(X, y, "flat").compile_logp()
for _ in range(3):
    theta = rng.normal(size=theta0.size)
    W, b = ce.unpack_params(theta, K, d)
    point = {"W_free": W[1:], "b_free": b[1:]}
    tol = 64 * np.finfo(float).eps * np.sum(1 + np.abs(ce.linear_predictor(X, W, b)).max(axis=1))
    assert abs(logp_inline(point) - logp_library(point)) < tol
    assert abs(logp_inline(point) + objective.loss(theta)) < tol

# %% [markdown]
# `pm.find_MAP` maximises the log density with SciPy's trust-region Newton-CG method
# (`trust-ncg`), from PyMC's gradient and Hessian-vector products; we ask for a summed gradient
# of norm $10^{-8} N$.

# %%
map_dt = pm.find_MAP(
    model=inference,
    method="trust-ncg",
    jitter=False,
    return_inferencedata=True,
    progressbar=False,
    gtol=1e-8 * N,
)
post = map_dt.posterior.to_dataset()
theta_map = np.column_stack([post["b_free"].values[0, 0], post["W_free"].values[0, 0]]).ravel()
print(
    f"find_MAP: max |difference from fit_cross_entropy| {np.abs(theta_map - theta_hat).max():.1e}"
)

# %% [markdown]
# ## The MLE four ways
#
# If the derivation is right, routes that share no code reach the same $\hat\theta$:
# `fit_cross_entropy`; PyMC's flat-prior MAP (the library's `fit_map`, which builds the model
# above); statsmodels' `MNLogit`, the textbook multinomial logit, by Newton's method; and
# scikit-learn's `LogisticRegression(C=np.inf)`, unpenalised, which fits all $K$ rows and is
# moved to the pivot by subtracting row 0. `ce.compare_estimates` tabulates the summed NLL at
# each estimate, the largest entry of the gradient of the *mean* NLL there (`grad_norm`, by the
# library's objective for all four), and the largest difference from `fit_cross_entropy`.
# The standard errors are the square roots of the diagonal of $(\nabla^2 \operatorname{NLL})^{-1}$
# at $\hat\theta$, the large-$N$ spread of the MLE over repeated data sets.

# %%
table = ce.compare_estimates(X, y)
fits = table.attrs["fits"]
se_hat = np.sqrt(np.diag(np.linalg.inv(H_hat)))
table["max_diff / s.e."] = [
    np.abs((ce.pack_params(f.weights, f.bias) - theta_hat) / se_hat).max() for f in fits.values()
]
table.assign(
    nll=table["nll"].map("{:.6f}".format),
    **{c: table[c].map("{:.1e}".format) for c in ["grad_norm", "max_abs_diff", "max_diff / s.e."]},
)

# %% [markdown]
# scikit-learn differs most, for a documented reason: its L-BFGS solver stops once every
# component of the gradient of its mean loss is below `tol`, by default $10^{-4}$. What remains
# is one Newton step short of the optimum: the difference $\theta_{\text{sklearn}} - \hat\theta$
# is $(\nabla^2 \operatorname{NLL})^{-1} \nabla \operatorname{NLL}$ at scikit-learn's estimate,
# up to the quadratic remainder, and it is a small fraction of a standard error.

# %% tags=["hide-input"]
# Check: every estimate's distance from theta_hat is predicted by the Newton steps s = H^-1 g at
# both points, up to the quadratic remainder (10% of the distance allowed) and the rounding of
# the summed gradient (eps sum|x~| mapped through H^-1, x100). Detects an estimate farther from
# the MLE than its own gradient implies, or a different minimum.
H_inv = np.linalg.inv(H_hat)
newton_step = {
    name: H_inv @ objective.loss_gradient(ce.pack_params(f.weights, f.bias))[1]
    for name, f in fits.items()
}
newton_step["find_MAP above"] = H_inv @ objective.loss_gradient(theta_map)[1]
floor = 100 * np.finfo(float).eps * np.abs(X1).sum() * np.linalg.norm(H_inv, 2)
for name, s in newton_step.items():
    theta_e = (
        theta_map
        if name == "find_MAP above"
        else ce.pack_params(fits[name].weights, fits[name].bias)
    )
    delta = theta_e - theta_hat
    assert (
        np.abs(delta - (s - newton_step["cross-entropy"])).max()
        <= 0.1 * np.abs(delta).max() + floor
    ), name
assert table["converged"].all() and fits["scikit-learn"].grad_norm <= 1e-4
print(f"scikit-learn: max |difference| / s.e. {table.loc['scikit-learn', 'max_diff / s.e.']:.3f}")

# %% [markdown]
# ## The quadratic approximation: from the MLE towards the posterior
#
# Near its minimum the NLL is a quadratic bowl,
# $\operatorname{NLL}(\theta) \approx \operatorname{NLL}(\hat\theta) + \tfrac12 (\theta - \hat\theta)^\top \nabla^2 \operatorname{NLL}(\hat\theta)\, (\theta - \hat\theta)$,
# so $\mathcal{L}(\theta) \propto e^{-\operatorname{NLL}(\theta)}$ is approximately a Gaussian
# density in $\theta$, with mean $\hat\theta$ and covariance $(\nabla^2 \operatorname{NLL})^{-1}$.
# Under a flat prior this is the quadratic (Laplace) approximation of the posterior.
#
# The figure shows a two-dimensional slice: the weights of class 1, the other four parameters
# held at the MLE. Solid lines are the exact contours
# $\operatorname{NLL} - \operatorname{NLL}(\hat\theta) = \tfrac12 c^2$, dashed lines those of
# the quadratic approximation, ellipses. Two cautions. On a slice, the extent of the $c = 1$
# ellipse along an axis is a *conditional* standard error (the other four parameters fixed),
# never larger than the marginal one. And under the Gaussian approximation the 2-D region inside the
# contour $c$ holds probability $1 - e^{-c^2/2}$: 39% for $c = 1$, 86% for $c = 2$, 99% for
# $c = 3$, not the 68% of a one-dimensional interval.

# %%
names = [f"{p}_{k}" for k in range(1, K) for p in ["b"] + [f"w{j}" for j in range(d)]]
S = [names.index("w0_1"), names.index("w1_1")]
se_cond = np.sqrt(np.diag(np.linalg.inv(H_hat[np.ix_(S, S)])))  # within the slice
n_grid = 61 if FAST else 101
axes_grid = [theta_hat[j] + 4 * s * np.linspace(-1, 1, n_grid) for j, s in zip(S, se_cond)]
G0, G1 = np.meshgrid(*axes_grid, indexing="ij")
thetas = np.tile(theta_hat, (G0.size, 1))
thetas[:, S[0]], thetas[:, S[1]] = G0.ravel(), G1.ravel()
W_grid, b_grid = map(np.array, zip(*(ce.unpack_params(t, K, d) for t in thetas)))
excess = (-ce.log_likelihood_grid(X, y, W_grid, b_grid) - mle.nll).reshape(G0.shape)
D = np.stack([G0 - theta_hat[S[0]], G1 - theta_hat[S[1]]], axis=-1)
quadratic = 0.5 * np.einsum("...i,ij,...j->...", D, H_hat[np.ix_(S, S)], D)
true_theta = ce.pack_params(W_true, b_true)

fig, ax = plt.subplots(figsize=(6.2, 5))
levels = 0.5 * np.array([1, 2, 3]) ** 2
cs = ax.contour(G0, G1, excess, levels=levels, colors="k", linewidths=1.2)
ax.contour(G0, G1, quadratic, levels=levels, colors="C3", linewidths=1.2, linestyles="--")
ax.clabel(cs, fmt={lv: f"c = {c}" for lv, c in zip(levels, (1, 2, 3))}, fontsize=9)
ax.plot(theta_hat[S[0]], theta_hat[S[1]], "*", color="C3", ms=14, label=r"MLE $\hat\theta$")
ax.plot(true_theta[S[0]], true_theta[S[1]], "X", color="C0", mec="k", ms=10, label="true value")
ax.plot([], [], "k-", label="exact NLL contour")
ax.plot([], [], "--", color="C3", label="quadratic approximation")
ax.set(xlabel="$w_{1,0}$ (weight of $x_0$, class 1)", ylabel="$w_{1,1}$ (weight of $x_1$, class 1)")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
save_figure(fig, "nll-surface")
plt.show()

se_marg = np.sqrt(np.diag(H_inv))[S]
print(
    f"standard errors of w0_1, w1_1: conditional on the slice {np.round(se_cond, 4)}, marginal {np.round(se_marg, 4)}"
)
ring = np.abs(quadratic - 0.5 * 3**2) < 0.3  # grid points near the c = 3 ellipse
print(
    f"near the c = 3 ellipse the exact excess is {excess[ring].min():.2f} to {excess[ring].max():.2f} (quadratic: 4.5)"
)

# %% tags=["hide-input"]
# Check: the grid minimum sits on the MLE (within one grid step: the grid's resolution), and
# 1 - exp(-c^2/2) is the chi-square(2) probability quoted in the text.
j0, j1 = np.unravel_index(np.argmin(excess), excess.shape)
assert all(abs(g[j] - theta_hat[i]) <= g[1] - g[0] for g, j, i in zip(axes_grid, (j0, j1), S))
assert np.allclose(1 - np.exp(-0.5 * np.array([1, 4, 9])), stats.chi2(2).cdf([1, 4, 9]), rtol=1e-12)
assert np.allclose(np.round(100 * stats.chi2(2).cdf([1, 4, 9])), [39, 86, 99])
assert np.all(se_cond <= se_marg)

# %% [markdown]
# The approximation needs only $\hat\theta$ and the Hessian; how good it is as a posterior
# depends on $N$ and on the model. Notebook 03 compares it with the posterior on a grid and
# with MCMC samples on one model.
#
# ---
#
# ## Corrections to the usual derivation
#
# The way this derivation is commonly written down contains three slips. None changes the
# conclusion; each would mislead a reader who took the formulas literally.
#
# ### (a) The sums and products must run over all classes, including class 0
#
# The labels take values in $\{0, 1, \dots, C\}$, yet the per-observation likelihood is often
# written as $\prod_{k=1}^{C} q_k^{1[y = k]}$ and the cross entropy as $\sum_{k=1}^{C}$.
# Starting at $k = 1$ drops class 0. For an observation with $y = 0$ every exponent is 0, so the
# product is a product of ones, equal to 1: the model is scored as if it had predicted that
# observation with certainty, whatever $\theta$ is. The truncated "PMF" is then not a
# distribution: summed over the possible labels it gives $1 + \sum_{k=1}^{C} q_k = 2 - q_0 > 1$.


# %%
def truncated_pmf(labels, q):
    """The per-observation 'likelihood' with the product over k = 1..C only (class 0 dropped)."""
    return np.prod(q[:, 1:] ** ce.one_hot(labels, q.shape[1])[:, 1:], axis=1)


total = sum(truncated_pmf(np.full(N, k), q0) for k in range(K))
print(f"sum over labels of the truncated PMF: between {total.min():.3f} and {total.max():.3f}")

# %% [markdown]
# Worse, the truncated loss has no minimiser. Raising the biases of all classes except 0 by the
# same amount $t$ lowers the probability of class 0 everywhere, which the truncated loss never
# pays for, and raises the probability of every other observed label. Starting from the MLE,
# the true NLL rises along that path while the truncated loss falls for ever, towards a limit
# (the NLL of classes $1, \dots, C$ among themselves) that no finite $\theta$ reaches.

# %%
t_path = np.linspace(0.0, 10.0, 21)
shift = np.r_[0.0, np.ones(K - 1)]
q_path = [ce.softmax(ce.linear_predictor(X, mle.weights, mle.bias + t * shift)) for t in t_path]
path = pd.DataFrame(
    {
        "t": t_path,
        "NLL": [-np.log(q[np.arange(N), y]).sum() for q in q_path],
        "truncated": [-np.log(truncated_pmf(y, q)).sum() for q in q_path],
    }
)
z_hat = ce.linear_predictor(X, mle.weights, mle.bias)[y > 0, 1:]
limit = ce.negative_log_likelihood(y[y > 0] - 1, z_hat)  # classes 1..C among themselves
print(path.iloc[::4].round(2).to_string(index=False), f"\nlimit of the truncated loss: {limit:.2f}")

# %% tags=["hide-input"]
# Check: the identity 2 - q_0 (rounding, 1e-12); along the path the NLL strictly rises and the
# truncated loss strictly falls, by more than its rounding (1e3 eps |loss| per step), yet stays
# above its limit.
assert np.allclose(total, 2 - q0[:, 0], rtol=1e-12, atol=0)
assert np.all(np.diff(path["NLL"]) > 0)
assert np.diff(path["truncated"]).max() < -1e3 * np.finfo(float).eps * path["truncated"].max()
assert np.all(path["truncated"] > limit)

# %% [markdown]
# ### (b) The minus sign in "cross entropy as negative log-likelihood"
#
# The step is sometimes written $-\log \ell_i = \sum_k 1[y^{(i)} = k] \log q_k$, without a
# minus sign on the right. That cannot be: the left side is $\geq 0$ (the logarithm of a
# probability is $\leq 0$) and the right side is $\leq 0$; the right side is $+\log \ell_i$.
# The correct statement is step 5's,
# $-\log \ell_i(\theta) = -\sum_{k=0}^{C} 1[y^{(i)} = k] \log q(k \mid x^{(i)}; \theta)$.

# %%
pd.DataFrame(
    {"-log l_i": -np.log(l0[:3]), "sum_k 1[y_i = k] log q_k": (h * np.log(q0))[:3].sum(axis=1)}
).round(4)

# %% [markdown]
# ### (c) The monotonicity of the logarithm keeps the maximiser, not its concavity
#
# The logarithm is strictly increasing and strictly concave, and the step "taking the log does
# not change the MLE" is often justified by concavity. Concavity is the wrong property: a
# transform $g$ keeps the maximiser of every function (with values where $g$ is defined)
# exactly when it is strictly increasing. Two examples on the likelihood slice of step 3,
# rescaled to $u = \mathcal{L} / \max \mathcal{L} \in (0, 1]$:
#
# * $g(u) = u^2$ is strictly increasing on $u \ge 0$ but **convex**: the maximiser stays put;
# * $g(u) = -(u - \tfrac12)^2$ is strictly **concave** but not monotone: it is largest where the
#   likelihood is half its maximum, away from the MLE.

# %%
u = lik_slice / lik_slice.max()
transforms = {
    r"$\log u$ (increasing, concave)": np.log(u),
    r"$u^2$ (increasing, convex)": u**2,
    r"$-(u - 1/2)^2$ (concave, not monotone)": -((u - 0.5) ** 2),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharex=True)
for ax, (name, values) in zip(axes, transforms.items()):
    ax.plot(b1_grid, values)
    ax.axvline(b1_grid[i_max], color="k", ls="--", lw=1, label="maximiser of $u$")
    ax.axvline(b1_grid[np.argmax(values)], color="C3", ls=":", lw=2, label="maximiser of $g(u)$")
    ax.set_title(name, fontsize=11)
    ax.set_xlabel("$b_1$")
axes[0].legend(loc="lower center", fontsize=9)
save_figure(fig, "monotone-transforms-keep-the-maximiser")
plt.show()

# %% tags=["hide-input"]
# Check: the concave, non-monotone transform peaks where u = 1/2, to within the grid's
# resolution in u (the largest change of u between neighbouring grid points).
assert abs(u[np.argmax(-((u - 0.5) ** 2))] - 0.5) <= np.abs(np.diff(u)).max()

# %% [markdown]
# ## Summary
#
# Independence makes the likelihood a product; the feature distribution drops out because it
# does not involve $\theta$; the categorical PMF gives each remaining factor; the logarithm,
# because it is strictly increasing, turns the product into a sum with the same maximiser; a
# sign flip turns maximisation into minimisation; and with one-hot labels each term is a cross
# entropy, which is also a KL divergence. The loss is strictly convex in the pivot
# parametrisation with a full-rank design, so its minimiser is unique, and four independent
# optimisers find it. The next notebook asks what the likelihood is *not*: a probability
# distribution over $\theta$.
#
# ## References
#
# * Fisher, R. A. (1922). On the mathematical foundations of theoretical statistics.
#   *Philosophical Transactions of the Royal Society A* 222, 309–368.
# * Cover, T. M., and Thomas, J. A. (2006). *Elements of Information Theory*, 2nd edition,
#   chapter 2. Wiley.
# * McCullagh, P., and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd edition,
#   chapter 6 (polytomous data). Chapman & Hall.
# * Nocedal, J., and Wright, S. J. (2006). *Numerical Optimization*, 2nd edition, chapter 7
#   (inexact Newton methods). Springer.
# * Albert, A., and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
#   logistic regression models. *Biometrika* 71, 1–10.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
