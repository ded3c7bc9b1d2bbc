# %% [markdown]
# # Maximum likelihood is cross-entropy minimisation
#
# Classifiers are trained by minimising the cross entropy between the one-hot labels and the
# predicted class probabilities. This notebook derives that loss from a single principle,
# maximum likelihood, and runs each step of the derivation on simulated data.
#
# **Setting.** We observe $N$ pairs $(x^{(i)}, y^{(i)})$ with $x^{(i)} \in \mathbb{R}^d$ and
# labels $y^{(i)} \in \{0, 1, \dots, K - 1\}$, generated as in the previous notebook. The model
# is softmax regression,
# $q_\theta(k \mid x) = \operatorname{softmax}(W x + b)_k$, with class 0 as the pivot
# ($w_0 = 0$, $b_0 = 0$), so $\theta$ holds the rows $k = 1, \dots, K - 1$ of $W$ and $b$;
# $w_{k,j}$ is the weight of feature $x_j$ for class $k$. We write
# $q_{ik} = q_\theta(k \mid x^{(i)})$, and $h^{(i)}$ for the *one-hot* vector of the label,
# $h_{ik} = 1[y^{(i)} = k]$: a distribution over the classes with all its mass on the observed
# one. For two distributions $p$, $q$ over the classes, the *cross entropy* is
# $H(p, q) = -\sum_{k=0}^{K-1} p_k \log q_k$ and the *entropy* is $H(p) = H(p, p)$. The result
# is
#
# $$
# \hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D})
#            = \arg\min_\theta \sum_{i=1}^N H\big(h^{(i)}, q_\theta(\cdot \mid x^{(i)})\big).
# $$
#
# The derivation then goes further: the gradient of the loss, its convexity (hence at most one
# minimiser with a full-rank design, and exactly one when the classes are not separated), its reading as a KL divergence, binary cross entropy as the case of two classes,
# and the quadratic approximation around the minimiser. The model is fitted four ways, among
# them a PyMC model written out here, and the notebook ends with three slips that are easy to
# make when writing this derivation down.

# %%
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from IPython.display import display
from numpy.polynomial.hermite_e import hermegauss
from scipy import stats
from scipy.special import expit

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_602
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
az.style.use("arviz-variat")
eps = np.finfo(float).eps

# %% [markdown]
# ## The data
#
# Three classes, two standard-normal features, and the true parameters of the first notebook.
# A finite maximum-likelihood estimate exists only when the classes are not *separated*. With
# $\tilde x_i = (1, x_i)$ and one direction $d_k$ per class ($d_0 = 0$), a direction
# $D = (d_0, \dots, d_{K-1})$ raises the log-odds of each observation's own class against
# class $k$ by $t\,(d_{y_i} - d_k)^\top \tilde x_i$ along $\theta + tD$; the classes are
# separated (completely or quasi-completely) when some $D$ makes all these margins
# non-negative and at least one positive, so that the likelihood rises for ever along it
# (notebook 05). The library's linear-programming check finds no such direction for these
# data.

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
q0 = ce.softmax(z0)  # predicted class probabilities q_ik at theta_0
l0 = q0[np.arange(N), y]  # the probability each observation's own label receives

# %% [markdown]
# ## Step 1: conditional independence turns the likelihood into a product
#
# The model assumes that, given the features, the labels are independent. If the features are
# random too, with a distribution $p(x_1, \dots, x_N)$, the joint probability of the data is
#
# $$
# p(\mathcal{D} \mid \theta) = p\big(x^{(1)}, \dots, x^{(N)}\big) \prod_{i=1}^N q_\theta\big(y^{(i)} \mid x^{(i)}\big).
# $$
#
# Nothing requires the features to be i.i.d., or even random (they may be set by design). What
# is required is that $p(x)$ share no parameter with $\theta$ (*parameter distinctness*). Then
# the first factor is a positive constant in $\theta$ and does not move the maximiser:
# maximising the joint likelihood is maximising the *conditional* likelihood
#
# $$
# \mathcal{L}(\theta \mid \mathcal{D}) = \prod_{i=1}^N \ell_i(\theta), \qquad
# \ell_i(\theta) = q_\theta\big(y^{(i)} \mid x^{(i)}\big).
# $$
#
# The factorisation assumes that the features were not chosen from earlier labels; under a
# sequential design the joint is $\prod_i p(x_i \mid \text{past})\, q_\theta(y_i \mid x_i)$,
# and as long as the design rule does not involve $\theta$ the conclusion below is the same.
# When $p(x)$ and $q_\theta$ do share parameters, as in linear discriminant analysis, the two
# likelihoods have in general different maximisers (Efron 1975). Here $p(x) = \mathcal{N}(0, I_2)$ is
# known, so both can be computed; below, the joint by a PyMC model with the features observed.
# Their logarithms differ by the same number, $\sum_i \log p(x^{(i)})$, at every $\theta$.

# %%
with pm.Model() as joint:
    # data containers, not constants: the compiled log density does not depend on the data
    X_obs, y_obs = pm.Data("X_data", X), pm.Data("y_data", y)
    pm.Normal("X", 0.0, 1.0, observed=X_obs)
    Wf, bf = pm.Flat("W_free", shape=(K - 1, d)), pm.Flat("b_free", shape=K - 1)
    z = pt.concatenate([pt.zeros((N, 1)), pt.dot(X_obs, Wf.T) + bf], axis=1)
    pm.Categorical("y", logit_p=z, observed=y_obs)
logp_joint = joint.compile_logp()
log_px = stats.norm.logpdf(X).sum()  # sum_i log p(x_i): no theta in it
for name, (W, b) in {"theta_0": (W0, b0), "truth": (W_true, b_true)}.items():
    log_j = logp_joint({"W_free": W[1:], "b_free": b[1:]})
    log_c = -ce.negative_log_likelihood(y, ce.linear_predictor(X, W, b))
    print(
        f"{name:8}: log joint (PyMC) {log_j:10.3f}, log conditional {log_c:9.3f}, difference {log_j - log_c:.3f}"
    )
    # rounding of sums of 3N terms, at most 3N eps sum|terms|; a theta-dependent p(x) would show O(1)
    assert abs(log_j - log_c - log_px) < 3 * N * eps * (abs(log_px) + abs(log_c))
print(f"sum_i log p(x_i) = {log_px:.3f}")

# %% [markdown]
# For fixed $\theta$ the product $\prod_i \ell_i$ is a probability distribution over the label
# vectors, with the features fixed: summed over all $K^4 = 81$ label vectors of 4 observations it
# gives 1 (checked below). Over all $N$ observations the product is not representable: a double
# underflows to zero below about $e^{-745}$, and here $\sum_i \log \ell_i$ is far below $-745$,
# while the logarithm itself is an ordinary number.

# %% tags=["hide-input"]
# Check: brute-force sum of the product over all 81 label vectors of 4 observations is 1, up to
# the rounding of 81 four-term products (1e-12 allowed; one class left out would remove ~1/3).
labels = np.array(np.meshgrid(*[range(K)] * 4, indexing="ij")).reshape(4, -1).T
assert np.isclose(np.prod(q0[np.arange(4), labels], axis=1).sum(), 1.0, rtol=0, atol=1e-12)

# %%
print(f"product of all {N} terms: {np.prod(l0)}; sum of their logarithms: {np.log(l0).sum():.2f}")
assert np.prod(l0) == 0.0 and np.log(l0).sum() < -745

# %% [markdown]
# ## Step 2: each factor is a categorical probability mass function
#
# Under the model, $y \mid x$ is categorical with probabilities $q_\theta(\cdot \mid x)$. Its
# PMF picks out the probability of the observed class with an indicator in the exponent, over
# **all** classes $0, \dots, K - 1$:
#
# $$
# \ell_i(\theta) = \prod_{k=0}^{K-1} q_{ik}^{\,h_{ik}} .
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
# that $\mathcal{L}$ itself is still representable. The left panel computes $\mathcal{L}$ as a
# product of the 40 probabilities, the right one $\log \mathcal{L}$ as a sum of their
# logarithms; each marks its own maximiser on the grid.

# %%
n_slice = 40
b1_grid = np.linspace(-3.0, 4.0, 351 if FAST else 1401)
b_slice = np.tile(b0, (b1_grid.size, 1))
b_slice[:, 1] = b1_grid
W_slice = np.broadcast_to(W0, (b1_grid.size, K, d))
loglik_slice = ce.log_likelihood_grid(X[:n_slice], y[:n_slice], W_slice, b_slice)
z_slice = (X[:n_slice] @ W0.T)[None] + b_slice[:, None, :]  # W0 x + b at each grid point
lik_slice = np.prod(ce.softmax(z_slice)[:, np.arange(n_slice), y[:n_slice]], axis=1)  # a product

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
for ax, values, label in ((axes[0], lik_slice, ""), (axes[1], loglik_slice, r"\log ")):
    ax.plot(b1_grid, values)
    ax.axvline(
        b1_grid[np.argmax(values)],
        color="k",
        ls="--",
        lw=1,
        label=f"maximiser of ${label}\\mathcal{{L}}$",
    )
    ax.set(
        xlabel="$b_1$ (other parameters at $\\theta_0$)",
        ylabel=f"${label}\\mathcal{{L}}$ (40 obs.)",
    )
    ax.legend(loc="upper left", fontsize=9)
save_figure(fig, "likelihood-and-log-likelihood")
plt.show()
print(
    f"maximisers on the grid: of L {b1_grid[np.argmax(lik_slice)]:.3f}, of log L {b1_grid[np.argmax(loglik_slice)]:.3f}"
)
# the product and the library's log-likelihood are independent code; neighbouring grid values
# differ by ~1e-4 relative near the peak, far above the rounding (~40 eps) that could swap them
assert np.argmax(lik_slice) == np.argmax(loglik_slice)

# %% [markdown]
# ## Step 4, a sign flip, and step 5, each term is a cross entropy
#
# Step 4: maximising a function is minimising its negative. Step 5: with the one-hot vector
# $h^{(i)}$, $-\log$ of step 2 is
#
# $$
# -\log \ell_i(\theta) = -\sum_{k=0}^{K-1} h_{ik} \log q_{ik}
#                      = H\big(h^{(i)}, q_\theta(\cdot \mid x^{(i)})\big),
# $$
#
# the cross entropy between the label distribution and the prediction. Summed over observations,
#
# $$
# \boxed{\;\hat\theta = \arg\max_\theta \mathcal{L}(\theta \mid \mathcal{D})
#        = \arg\min_\theta \underbrace{\sum_{i=1}^N H\big(h^{(i)}, q_\theta(\cdot \mid x^{(i)})\big)}_{\operatorname{NLL}(\theta)}\;}
# $$
#
# The mean cross entropy, the usual training loss, is $\operatorname{NLL}/N$: same minimiser.
# This holds for hard labels; a soft target vector in place of $h^{(i)}$ still gives a loss,
# but not the log-likelihood of any observed label (notebook 09).

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
# For any two distributions,
# $H(p, q) = -\sum_k p_k \log p_k + \sum_k p_k \log (p_k / q_k) = H(p) + \operatorname{KL}(p \,\|\, q)$,
# and a one-hot $h$ has entropy $H(h) = 0$. So each observation's cross entropy *is* a KL
# divergence, $H(h^{(i)}, q_\theta(\cdot \mid x^{(i)})) = \operatorname{KL}(h^{(i)} \,\|\, q_\theta(\cdot \mid x^{(i)}))$.
# Let $\hat p(x)$ be the empirical distribution of the features (mass $1/N$ on each
# $x^{(i)}$). With continuous features the $x^{(i)}$ are distinct (with probability 1), the
# empirical distribution of $y$ given $x = x^{(i)}$ is $h^{(i)}$, and
#
# $$
# \frac{1}{N}\operatorname{NLL}(\theta)
#   = \mathbb{E}_{x \sim \hat p(x)}\Big[\operatorname{KL}\big(\hat p(y \mid x) \,\|\, q_\theta(y \mid x)\big)\Big]:
# $$
#
# maximum likelihood picks the model closest, in KL divergence, to the empirical distribution.
# With i.i.d. data, as $N$ grows $\operatorname{NLL}/N$ tends to the expected cross entropy
# $\mathbb{E}_x\big[H(p^\star(\cdot \mid x), q_\theta(\cdot \mid x))\big] = \mathbb{E}_x H(p^\star) + \mathbb{E}_x \operatorname{KL}(p^\star \,\|\, q_\theta)$,
# with $p^\star$ the true probabilities of notebook 01. Only the KL term depends on $\theta$, so
# the MLE tends to the model closest to the truth in KL: the truth itself when the model is
# correct (notebooks 06 and 07).

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
# With $\tilde x = (1, x)$ and $\tilde w_k = (b_k, w_k)$, the logits are
# $z_{ik} = \tilde w_k^\top \tilde x_i$ and
# $-\log \ell_i = \log \sum_j e^{z_{ij}} - z_{i y_i}$. Since
# $\partial \log \sum_j e^{z_j} / \partial z_k = e^{z_k} / \sum_j e^{z_j} = q_k$ (the softmax
# again) and $\partial z_{i y_i} / \partial z_{ik} = h_{ik}$, the derivative with respect to
# $z_{ik}$ is $q_{ik} - h_{ik}$, and by the chain rule
#
# $$
# \nabla_{\tilde w_k} \operatorname{NLL}(\theta) = \sum_{i=1}^N \big(q_{ik} - h_{ik}\big)\, \tilde x_i,
# \qquad k = 1, \dots, K - 1:
# $$
#
# prediction minus label, weighted by the features. At the minimiser the gradient is zero: the
# predicted probabilities of each class sum, over the data, to its observed count (the bias
# component), and likewise weighted by each feature (checked after the fit below).

# %%
X1 = np.column_stack([np.ones(N), X])  # rows are x~_i = (1, x_i)
grad0 = ((q0 - h)[:, 1:].T @ X1).ravel()  # rows k = 1..K-1 of [b, W], as pack_params orders them

# %% tags=["hide-input"]
# Check: central differences of the objective. Truncation: step^2 |f'''| / 6, and along one
# parameter (k, j) f''' = sum_i x~_ij^3 k3(q_ik) with |k3| = |q(1-q)(1-2q)| <= 1/(6 sqrt 3).
# Rounding: each NLL is a pairwise sum of N positive terms, error <= (log2 N + 4) eps NLL, and
# the quotient divides it by step. A gradient error above their sum is detected.
step = 1e-5
fd = np.array(
    [
        (objective.loss(theta0 + step * e) - objective.loss(theta0 - step * e)) / (2 * step)
        for e in np.eye(theta0.size)
    ]
)
truncation = step**2 * np.tile((np.abs(X1) ** 3).sum(axis=0), K - 1) / (36 * np.sqrt(3))
rounding = (np.log2(N) + 4) * eps * ce0.sum() / step
print(
    f"max |gradient - finite differences| {np.abs(grad0 - fd).max():.1e} (allowed {(truncation + rounding).max():.1e})"
)
assert np.all(np.abs(grad0 - fd) <= truncation + rounding)
# and the library's gradient: two sums of N terms |(q - h) x~| <= |x~|, rounding <= N eps sum|x~|
assert np.all(
    np.abs(grad0 - objective.loss_gradient(theta0)[1])
    <= N * eps * np.tile(np.abs(X1).sum(0), K - 1)
)

# %% [markdown]
# ## Finding the minimiser
#
# Setting the gradient to zero has no closed-form solution, so the minimiser is found
# numerically. `ce.fit_cross_entropy` centres and scales the columns of $X$, starts from the
# intercept-only MLE (the log-odds of the class frequencies), and takes Newton steps: each
# solves $\nabla^2 \operatorname{NLL}\, s = -\nabla \operatorname{NLL}$, with the Hessian
# $\nabla^2 \operatorname{NLL}$ (the matrix of second derivatives, next section), by conjugate
# gradients, followed by a backtracking line search. It stops when the largest entry of the
# gradient of the mean NLL *in the standardised parameters* is at most $10^{-9}$, or when no
# step can lower the NLL by more than its rounding. It then checks that the Newton step $s$
# that remains is small on the scale of the data, $R \|s\| \le 0.1$ with
# $R = 2 \max_i \|\tilde x_i\|$ (standardised). Under separation the Newton step along the
# escaping direction stays of order $1/R$ instead of shrinking, so this threshold tells the
# cases apart; Bach (2010) proves results of this kind for logistic regression (a small
# enough Newton step guarantees a minimiser close by), the 0.1 is the library's choice. If the
# check fails, a linear program decides between
# separation (no MLE) and an early stop. The printed `grad_norm` is the largest entry of the
# gradient of the mean NLL in the original parameters $(W, b)$.

# %%
mle = ce.fit_cross_entropy(X, y)
theta_hat = ce.pack_params(mle.weights, mle.bias)
q_hat = mle.model.predict_proba(X)
print(f"status {mle.status!r} after {mle.n_iter} Newton steps; grad_norm {mle.grad_norm:.1e}")
print(
    "predicted counts sum_i q_ik:", q_hat.sum(axis=0).round(6), " observed counts:", h.sum(axis=0)
)

# %% tags=["hide-input"]
# Check: the score equations X~^T (q - h) = 0 at the MLE, by the formula above. Each entry is
# N x (entry of the mean gradient), at most N grad_norm, plus the rounding of a sum of N terms
# (N eps sum|x~|); a misplaced minimiser would leave O(1) entries.
score = (q_hat - h)[:, 1:].T @ X1
assert np.abs(score).max() <= N * mle.grad_norm + N * eps * np.abs(X1).sum()
print(f"largest |sum_i (q_ik - h_ik) x~_ij| at the MLE: {np.abs(score).max():.1e}")

# %% [markdown]
# ## Convexity: one minimiser
#
# Differentiating the gradient once more gives the Hessian over the free classes,
#
# $$
# \nabla^2 \operatorname{NLL}(\theta) = \sum_{i=1}^N \big(\operatorname{diag} q_i - q_i q_i^\top\big) \otimes \tilde x_i \tilde x_i^\top,
# \qquad q_i = (q_{i1}, \dots, q_{i,K-1}),
# $$
#
# where $q_i$ leaves class 0 out and $\otimes$ is the Kronecker product: block $(k, l)$ of the
# Hessian is $\sum_i (\operatorname{diag} q_i - q_i q_i^\top)_{kl}\, \tilde x_i \tilde x_i^\top$.
# It does not involve the labels: they enter $-\log \ell_i$ only through the term
# $-z_{i y_i}$, linear in $\theta$, whose second derivative is zero. So the *observed*
# information (this Hessian) equals the *expected* (Fisher) information, its average over
# labels drawn from the model. Each
# $\operatorname{diag} q_i - q_i q_i^\top$ is the covariance matrix of the indicators
# $(1[y = 1], \dots, 1[y = K - 1])$ under $q_\theta(\cdot \mid x_i)$, so it is positive
# semi-definite, and so is every Kronecker product and their sum: the NLL is convex. It is
# positive *definite*: a combination $\sum_{k \ge 1} a_k 1[y = k]$ has zero variance only if it
# is constant, and since it equals 0 when $y = 0$ and $a_k$ when $y = k$, each of positive
# probability (class 0 included), all $a_k = 0$. So when $[\mathbf 1, X]$ has full column rank
# the Hessian is positive definite at every $\theta$. A strictly convex function has at most
# one minimiser; that one exists needs more, that the classes are not separated (checked
# above), and then the point found above is it. In the symmetric parametrisation (all $K$ rows
# free) the same sum is only semi-definite: adding one vector to every row does not change the
# probabilities, which gives $d + 1$ flat directions, one per column of $[\mathbf 1, X]$
# (notebook 04).

# %%
hessian = ce.nll_hessian(X, y, mle.weights, mle.bias)
H_terms = np.array(
    [np.kron(np.diag(q) - np.outer(q, q), np.outer(x, x)) for q, x in zip(q_hat, X1)]
)
H_all = H_terms.sum(axis=0)
eig_pivot, eig_all = np.linalg.eigvalsh(hessian), np.linalg.eigvalsh(H_all)
print(f"pivot: smallest eigenvalue at the MLE {eig_pivot[0]:.3f} (largest {eig_pivot[-1]:.1f})")
print(
    f"all {K} rows: {d + 1} eigenvalues within {np.abs(eig_all[: d + 1]).max():.0e} of 0, the next {eig_all[d + 1]:.3f}"
)

# %% tags=["hide-input"]
# Check: the formula over the free classes (rows 1..K-1 of H_all, order class-major as
# pack_params) equals ce.nll_hessian: two sums of N terms, each entry within N eps sum_i|term_i|
# of the exact sum (recursive summation), so 2 N eps sum_i|term_i| is allowed. The symmetric
# parametrisation has exactly d + 1 eigenvalues at zero: the rounding of the sum is a
# perturbation of Frobenius norm <= N eps sum_i ||term_i||, which moves eigenvalues by at most
# that (Weyl), plus eigvalsh's own P eps ||H|| (P = 9); the next eigenvalue is far above it.
free = slice(d + 1, None)
abs_sum = np.abs(H_terms).sum(axis=0)
assert np.all(np.abs(H_all[free, free] - hessian) <= 2 * N * eps * abs_sum[free, free])
zero = N * eps * np.linalg.norm(H_terms, axis=(1, 2)).sum() + H_all.shape[0] * eps * eig_all[-1]
assert np.abs(eig_all[: d + 1]).max() < zero < eig_all[d + 1]

# %% [markdown]
# ## The same model in PyMC
#
# The likelihood can also be written as a probabilistic program: features and labels as data
# containers (`pm.Data`), flat "priors" on the free rows, the pivot logits, and a categorical
# likelihood. With flat priors the log density is the log-likelihood, so its maximum a
# posteriori (MAP) estimate is the MLE.

# %%
coords = {
    "obs": np.arange(N),
    "feature": ["x0", "x1"],
    "class": np.arange(K),
    "class_free": np.arange(1, K),
}
with pm.Model(coords=coords) as inference:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    y_data = pm.Data("y", y, dims="obs")
    W_free = pm.Flat("W_free", dims=("class_free", "feature"))
    b_free = pm.Flat("b_free", dims="class_free")
    z_free = pt.dot(X_data, W_free.T) + b_free
    logits = pm.Deterministic(
        "logits", pt.concatenate([pt.zeros((N, 1)), z_free], axis=1), dims=("obs", "class")
    )
    pm.Categorical("y_obs", logit_p=logits, observed=y_data, dims="obs")

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
# Four routes, with different code and algorithms, should reach the same $\hat\theta$:
# `fit_cross_entropy`; PyMC's flat-prior MAP (the library's `fit_map`, which builds the model
# above); statsmodels' `MNLogit`, the textbook multinomial logit, which maximises the
# likelihood by Newton's method; and scikit-learn's `LogisticRegression(C=np.inf)` (`C` is its
# inverse penalty strength, not a class count: no penalty), which minimises the log-loss, the
# mean cross entropy, over all $K$ rows, moved to the pivot by subtracting row 0. Their
# agreement checks the optimisers; the pair statsmodels and scikit-learn, written from the two
# sides of the identity (likelihood and loss), is the one that bears on cross entropy = NLL.
# `ce.compare_estimates` tabulates the summed NLL at each estimate, `grad_norm` (the largest
# entry of the gradient of the *mean* NLL there, by the library's objective for all four, in
# the original parameters), and the largest difference from `fit_cross_entropy`. The standard
# errors (s.e.) are the square roots of the diagonal of $(\nabla^2 \operatorname{NLL})^{-1}$ at
# $\hat\theta$. When the model is correctly specified, as here, they approximate the standard
# deviations of the MLE over repeated data sets at large $N$; otherwise the sandwich formula is
# needed (notebook 06, which also checks both by simulation).

# %%
table = ce.compare_estimates(X, y)
fits = table.attrs["fits"]
H_inv = np.linalg.inv(hessian)
se_hat = np.sqrt(np.diag(H_inv))
table["max_diff / s.e."] = [
    np.abs((ce.pack_params(f.weights, f.bias) - theta_hat) / se_hat).max() for f in fits.values()
]
table.assign(
    nll=table["nll"].map("{:.6f}".format),
    **{c: table[c].map("{:.1e}".format) for c in ["grad_norm", "max_abs_diff", "max_diff / s.e."]},
)

# %% [markdown]
# scikit-learn differs most, for a documented reason: its L-BFGS solver stops once every
# component of the gradient of its mean loss is below `tol`, by default $10^{-4}$ (or earlier,
# on its relative-decrease or iteration limits). What remains is about one Newton step,
# $\theta_{\text{sklearn}} - \hat\theta \approx (\nabla^2 \operatorname{NLL})^{-1} \nabla \operatorname{NLL}$
# at scikit-learn's estimate; the printout compares the two, in standard errors.

# %%
theta_sk = ce.pack_params(fits["scikit-learn"].weights, fits["scikit-learn"].bias)
newton_sk = H_inv @ objective.loss_gradient(theta_sk)[1]
print("scikit-learn - MLE, in s.e.:", np.round((theta_sk - theta_hat) / se_hat, 4))
print("one Newton step,    in s.e.:", np.round(newton_sk / se_hat, 4))

# %% tags=["hide-input"]
# Check: each estimate is as close to the MLE as its gradient allows. Along a segment Delta the
# Hessian of this loss changes by at most a factor e^(+-r), r = R ||Delta||, R = 2 max ||x~_i||:
# its third derivative is a third cumulant of variables whose range is <= R ||Delta||, so
# |D^3 NLL[Delta, u, u]| <= R ||Delta|| D^2 NLL[u, u] (generalised self-concordance, Bach
# 2010). With g = (summed gradient at the estimate) - (at the MLE), H the Hessian at the MLE and
# |v|_A = sqrt(v' A v): |Delta|_H <= e^r |g|_(H^-1), and the Newton step H^-1 g misses Delta by
# at most (e^r - 1) |Delta|_H, second order in Delta (3% of it for scikit-learn). The rounding
# of the two gradients (<= N eps sum_i |x~_i| each entry) is added.
R_x = 2 * np.linalg.norm(X1, axis=1).max()
g_hat = objective.loss_gradient(theta_hat)[1]
g_err = 2 * N * eps * np.tile(np.abs(X1).sum(axis=0), K - 1)
err_Hinv = np.linalg.norm(g_err) / np.sqrt(eig_pivot[0])  # |g_err|_(H^-1) bound
estimates = {"find_MAP": theta_map}
estimates |= {name: ce.pack_params(f.weights, f.bias) for name, f in fits.items()}
for name, theta_f in estimates.items():
    delta = theta_f - theta_hat
    g = objective.loss_gradient(theta_f)[1] - g_hat
    r = R_x * np.linalg.norm(delta)
    norm_H = np.sqrt(delta @ hessian @ delta)
    assert norm_H <= np.exp(r) * (np.sqrt(g @ H_inv @ g) + err_Hinv), name
    miss = delta - H_inv @ g
    assert np.sqrt(miss @ hessian @ miss) <= np.expm1(r) * norm_H + err_Hinv, name

# %% [markdown]
# ## The quadratic approximation: from the MLE towards the posterior
#
# Near its minimum the NLL is a quadratic bowl,
# $\operatorname{NLL}(\theta) \approx \operatorname{NLL}(\hat\theta) + \tfrac12 (\theta - \hat\theta)^\top \nabla^2 \operatorname{NLL}(\hat\theta)\, (\theta - \hat\theta)$,
# so $\mathcal{L}(\theta) \propto e^{-\operatorname{NLL}(\theta)}$ is approximately a Gaussian
# density in $\theta$, with mean $\hat\theta$ and covariance $(\nabla^2 \operatorname{NLL})^{-1}$.
# The posterior, the distribution of $\theta$ given the data (notebook 03), is proportional to
# the likelihood under a flat (constant) prior, and this Gaussian is then its quadratic
# (Laplace) approximation.
#
# The figure shows a two-dimensional slice: the weights $w_{1,0}$, $w_{1,1}$ of class 1, the
# other four parameters held at the MLE. Thick grey lines are the exact contours
# $\operatorname{NLL} - \operatorname{NLL}(\hat\theta) = \tfrac12 c^2$, red dashed lines those
# of the quadratic approximation (ellipses); where the quadratic is good, red runs on grey. On
# this slice the Gaussian is the *conditional* distribution of the two weights given the other
# four at $\hat\theta$, and the region inside the contour $c$ holds probability
# $1 - e^{-c^2/2}$ (the $\chi^2_2$ distribution function): 39% for $c = 1$, 86% for $c = 2$,
# 99% for $c = 3$, not the 68% of a one-dimensional interval. The *marginal* 86% region of the
# two weights, from the $2 \times 2$ block of $(\nabla^2 \operatorname{NLL})^{-1}$, is larger
# (blue dotted). The true value is not drawn: it lies in another plane, since the other four
# true parameters differ from their estimates.

# %%
names = [n for k in range(1, K) for n in [f"b_{k}"] + [f"w{k},{j}" for j in range(d)]]  # pack order
S = [names.index("w1,0"), names.index("w1,1")]
H_SS = hessian[np.ix_(S, S)]
se_cond = np.sqrt(np.diag(np.linalg.inv(H_SS)))  # within the slice
n_grid = 61  # 0.15 conditional s.e. between grid lines: contours smooth at this scale
axes_grid = [theta_hat[j] + 4.5 * s * np.linspace(-1, 1, n_grid) for j, s in zip(S, se_cond)]
G0, G1 = np.meshgrid(*axes_grid, indexing="ij")
thetas = np.tile(theta_hat, (G0.size, 1))
thetas[:, S[0]], thetas[:, S[1]] = G0.ravel(), G1.ravel()
W_grid, b_grid = map(np.array, zip(*(ce.unpack_params(t, K, d) for t in thetas)))
excess = (-ce.log_likelihood_grid(X, y, W_grid, b_grid) - mle.nll).reshape(G0.shape)
D = np.stack([G0 - theta_hat[S[0]], G1 - theta_hat[S[1]]], axis=-1)
quadratic = 0.5 * np.einsum("...i,ij,...j->...", D, H_SS, D)
marginal = 0.5 * np.einsum("...i,ij,...j->...", D, np.linalg.inv(H_inv[np.ix_(S, S)]), D)

fig, ax = plt.subplots(figsize=(7.5, 5))
levels = 0.5 * np.array([1, 2, 3]) ** 2
ax.contour(G0, G1, excess, levels=levels, colors="0.6", linewidths=4)
ax.contour(G0, G1, quadratic, levels=levels, colors="tab:red", linewidths=1.2, linestyles="--")
ax.contour(G0, G1, marginal, levels=[0.5 * 2**2], colors="tab:blue", linewidths=1.5, linestyles=":")
lam, vec = np.linalg.eigh(np.linalg.inv(H_SS))  # label each ellipse beside its short axis
for c in (1, 2, 3):
    ax.annotate(
        f"c = {c}",
        theta_hat[S] + c * np.sqrt(lam[0]) * vec[:, 0] * np.sign(vec[1, 0]),
        xytext=(6, 4),
        textcoords="offset points",
        fontsize=10,
        bbox={"boxstyle": "round,pad=0.15", "fc": "w", "ec": "none", "alpha": 0.8},
    )
ax.plot(theta_hat[S[0]], theta_hat[S[1]], "*", color="k", ms=12, label=r"MLE $\hat\theta$")
ax.plot([], [], "-", color="0.6", lw=4, label="exact NLL contour")
ax.plot([], [], "--", color="tab:red", label="quadratic approximation")
ax.plot([], [], ":", color="tab:blue", lw=1.5, label="marginal 86% region")
ax.set(xlabel="$w_{1,0}$ (weight of $x_0$, class 1)", ylabel="$w_{1,1}$ (weight of $x_1$, class 1)")
half = 3.6 * se_cond  # the c = 3 ellipse spans 3 conditional s.e. on each axis
ax.set(xlim=theta_hat[S[0]] + half[0] * np.r_[-1, 1], ylim=theta_hat[S[1]] + half[1] * np.r_[-1, 1])
ax.set_aspect("equal")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=10)
save_figure(fig, "nll-surface")
plt.show()

print(
    f"standard errors of w1,0, w1,1: conditional on the slice {np.round(se_cond, 4)}, marginal {np.round(se_hat[S], 4)}"
)
L_S = np.linalg.cholesky(np.linalg.inv(H_SS))
circle = np.array([np.cos(a := np.linspace(0, 2 * np.pi, 48, endpoint=False)), np.sin(a)])
for c in (1, 2, 3):  # the exact excess NLL on the quadratic's ellipse c, where it would be c^2/2
    on_ellipse = np.tile(theta_hat, (a.size, 1))
    on_ellipse[:, S] += c * (L_S @ circle).T
    exact = np.array([objective.loss(t) for t in on_ellipse]) - mle.nll
    departure = np.abs(exact - c**2 / 2).max()
    print(
        f"ellipse c = {c}: exact excess {exact.min():.3f} to {exact.max():.3f} (quadratic "
        f"{c**2 / 2}); largest departure {departure:.3f}, divided by c^3 {departure / c**3:.4f}"
    )
# the probabilities quoted for the contours: SciPy's chi2_2 CDF against 1 - exp(-c^2 / 2)
coverage = stats.chi2(2).cdf(np.array([1, 2, 3]) ** 2)
assert np.allclose(coverage, 1 - np.exp(-np.array([1, 4, 9]) / 2), rtol=1e-12)
print("chi2_2 probabilities inside c = 1, 2, 3:", coverage.round(3))

# %% [markdown]
# The departures from $\tfrac12 c^2$ grow with $c$ roughly as $c^3$ (the printout divides
# them by $c^3$), as the cubic term of the Taylor expansion does; this is a demonstration on
# one data set, not a bound. The approximation needs only $\hat\theta$ and the Hessian; how good it is as a
# posterior depends on $N$ and on the model. Notebook 03 compares it with the posterior on a
# grid and with MCMC samples on one model.
#
# ---
#
# ## Three slips in writing the derivation
#
# Three slips are easy to make when this derivation is written down. The first changes the
# conclusion: the loss it produces has no minimiser. The other two would mislead a reader who
# took the formulas literally.
#
# ### (a) The sums and products must run over all classes, including class 0
#
# The labels take values in $\{0, 1, \dots, K - 1\}$. Writing the per-observation likelihood
# as $\prod_{k=1}^{K-1} q_{ik}^{\,h_{ik}}$, or the cross entropy as $\sum_{k=1}^{K-1}$, drops
# class 0. For an observation with $y = 0$ every exponent is 0, so the product is a product of
# ones, equal to 1: the model is scored as if it had predicted that observation with
# certainty, whatever $\theta$ is. The truncated "PMF" is then not a distribution: summed over
# the possible labels it gives $1 + \sum_{k=1}^{K-1} q_{ik} = 2 - q_{i0} > 1$.


# %%
def truncated_pmf(labels, q):
    """The per-observation 'likelihood' with the product over k = 1..K-1 only (class 0 dropped)."""
    return np.prod(q[:, 1:] ** ce.one_hot(labels, q.shape[1])[:, 1:], axis=1)


total = sum(truncated_pmf(np.full(N, k), q0) for k in range(K))
print(f"sum over labels of the truncated PMF: between {total.min():.3f} and {total.max():.3f}")

# %% [markdown]
# Worse, the truncated loss has no minimiser. It is the NLL of the observations with $y > 0$
# alone, $-\sum_{i: y_i > 0} \log q_{i y_i}$, and
# $-\log q_{ik} = -\log\big(q_{ik} / (1 - q_{i0})\big) - \log(1 - q_{i0})$: the NLL of a
# $(K-1)$-class model of classes $1, \dots, K - 1$ among themselves, plus a term that is
# positive for every finite $\theta$ (where $q_{i0} > 0$) and tends to 0 as class 0's
# probability is sent to zero. So the infimum of the truncated loss is the smallest NLL of the
# $(K-1)$-class model fitted to the $y > 0$ observations, and no finite $\theta$ reaches it.
# Along one such path, raising the biases of all classes except 0 by the same amount $t$ from
# the MLE, the true NLL rises while the truncated loss falls for ever, towards the
# $(K-1)$-class NLL at the MLE's own logits (a limit above the infimum).

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
limit = ce.negative_log_likelihood(y[y > 0] - 1, z_hat)  # classes 1..K-1 among themselves
infimum = ce.fit_cross_entropy(X[y > 0], y[y > 0] - 1).nll  # the (K-1)-class MLE's NLL
print(path.iloc[::4].round(2).to_string(index=False))
print(f"limit along the path: {limit:.2f}; infimum of the truncated loss: {infimum:.2f}")

# %% tags=["hide-input"]
# Check: the identity 2 - q_0 (rounding, 1e-12); along the path the NLL strictly rises and the
# truncated loss strictly falls, by more than its rounding (1e3 eps |loss| per step), yet stays
# above the path's limit.
assert np.allclose(total, 2 - q0[:, 0], rtol=1e-12, atol=0)
assert np.all(np.diff(path["NLL"]) > 0)
assert np.diff(path["truncated"]).max() < -1e3 * eps * path["truncated"].max()
assert np.all(path["truncated"] > limit)

# %% [markdown]
# ### (b) The minus sign in "cross entropy as negative log-likelihood"
#
# Written as $-\log \ell_i = \sum_k h_{ik} \log q_{ik}$, without a minus sign on the right, the
# step cannot be right: the left side is $\geq 0$ (the logarithm of a probability is
# $\leq 0$) and the right side is $\leq 0$; the right side is $+\log \ell_i$. The correct
# statement is the formula of step 5, $-\log \ell_i(\theta) = -\sum_{k=0}^{K-1} h_{ik} \log q_{ik}$.

# %%
pd.DataFrame(
    {"-log l_i": -np.log(l0[:3]), "sum_k h_ik log q_ik": (h * np.log(q0))[:3].sum(axis=1)}
).round(4)

# %% [markdown]
# ### (c) The monotonicity of the logarithm keeps the maximiser, not its concavity
#
# The logarithm is strictly increasing and strictly concave, and it is tempting to credit the
# step "taking the log does not change the MLE" to concavity. Concavity is the wrong property:
# a transform $g$ keeps the maximiser of every function (with values where $g$ is defined)
# exactly when it is strictly increasing. Two examples on the likelihood slice of step 3,
# rescaled to $u = \mathcal{L} / \max \mathcal{L} \in (0, 1]$:
#
# * $g(u) = u^2$ is strictly increasing on $u \ge 0$ but **convex**: the maximiser stays put;
# * $g(u) = -(u - \tfrac12)^2$ is strictly **concave** but not monotone: it is largest at the
#   two values of $b_1$ where the likelihood is half its maximum, one on each side of the MLE.

# %%
u = lik_slice / lik_slice.max()
i_max = np.argmax(u)
transforms = {
    r"$\log u$ (increasing, concave)": np.log(u),
    r"$u^2$ (increasing, convex)": u**2,
    r"$-(u - 1/2)^2$ (concave, not monotone)": -((u - 0.5) ** 2),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharex=True)
for ax, (name, values) in zip(axes, transforms.items()):
    ax.plot(b1_grid, values)
    ax.axvline(b1_grid[i_max], color="0.6", lw=5, alpha=0.6, label="maximiser of $u$")
    peaks = (
        [np.argmax(values)]
        if "monotone" not in name
        else [np.argmax(values[:i_max]), i_max + np.argmax(values[i_max:])]
    )
    for j, p in enumerate(peaks):
        ax.axvline(
            b1_grid[p],
            color="tab:red",
            ls="--",
            lw=1.2,
            label="maximiser(s) of $g(u)$" if j == 0 else None,
        )
    ax.set_title(name, fontsize=11)
    ax.set(xlabel="$b_1$", ylabel="$g(u)$")
handles, labels_ = axes[2].get_legend_handles_labels()
fig.legend(handles, labels_, loc="lower center", ncol=2, fontsize=10, bbox_to_anchor=(0.5, 0.98))
save_figure(fig, "monotone-transforms-keep-the-maximiser")
plt.show()

# %% tags=["hide-input"]
# Check: the concave, non-monotone transform peaks where u = 1/2 on both sides, to within the
# grid's resolution in u (the largest change of u between neighbouring grid points).
for p in (np.argmax(-((u[:i_max] - 0.5) ** 2)), i_max + np.argmax(-((u[i_max:] - 0.5) ** 2))):
    assert abs(u[p] - 0.5) <= np.abs(np.diff(u)).max()

# %% [markdown]
# ## Summary
#
# Conditional independence of the labels makes the likelihood a product; the feature
# distribution drops out because it shares no parameter with $\theta$; the categorical PMF
# gives each remaining factor; the logarithm, because it is strictly increasing, turns the
# product into a sum with the same maximiser; a sign flip turns maximisation into
# minimisation; and with one-hot labels each term is a cross entropy, which is also a KL
# divergence. The loss is strictly convex in the pivot parametrisation with a full-rank design,
# so it has at most one minimiser; without separation it has one, and four optimisers find
# it. Later notebooks take it from here:
# 03 asks what the likelihood is *not* (a probability distribution over $\theta$); 04 treats
# identifiability; 05 separation and priors, where weight decay, an L2 penalty added to the
# cross entropy, is the MAP under a Gaussian prior; 06 the sampling distribution of
# $\hat\theta$; 07 cross entropy among other scoring rules; 08 the same loss for a network; and
# 09 the training losses that are not a likelihood.
#
# ## Exercises
#
# **1 (easy).** Stack the data on themselves: $2N$ rows, each observation twice. Predict the
# MLE, its NLL and its standard errors, then fit. Are the new standard errors right?

# %% [markdown]
# :::{dropdown} Solution
# The NLL of the doubled data is $2\operatorname{NLL}(\theta)$ at every $\theta$: the same
# minimiser, twice the minimum, twice the Hessian, so standard errors smaller by $\sqrt 2$.
# They are wrong. The likelihood treats the $2N$ labels as independent, but the copies carry no
# new information: the estimate is the same function of the same $N$ observations, so its
# spread over repeated data sets is that of $N$ observations (exercise 3's cell shows it on 400
# data sets: the spread matches `se_hat`, not `se_dup`). The likelihood cannot tell a copy
# from a new observation; independence is an assumption of the model, not something the fit
# checks. The ordinary sandwich estimator $H^{-1} B H^{-1}$ ($B$ the sum of the outer products
# of the per-row scores) does not repair it: on the doubled data it is
# $(2H)^{-1}(2B)(2H)^{-1} = \tfrac12 H^{-1} B H^{-1}$, again $\sqrt 2$ too small. Only a
# sandwich *clustered* on the original observation, which adds the scores of the two copies
# before the outer product, gives $(2H)^{-1}(4B)(2H)^{-1} = H^{-1} B H^{-1}$, the right size.
# :::

# %% tags=["hide-cell"]
X_dup, y_dup = np.vstack([X, X]), np.r_[y, y]
mle_dup = ce.fit_cross_entropy(X_dup, y_dup)
theta_dup = ce.pack_params(mle_dup.weights, mle_dup.bias)
se_dup = ce.standard_errors(X_dup, y_dup, mle_dup.weights, mle_dup.bias)
print(f"NLL {mle.nll:.4f} -> {mle_dup.nll:.4f}; s.e. ratio", (se_dup / se_hat).round(6))
# the same minimiser: the bound of the four-ways check, with the original data's gradient
delta = theta_dup - theta_hat
g = objective.loss_gradient(theta_dup)[1] - g_hat
assert np.sqrt(delta @ hessian @ delta) <= np.exp(R_x * np.linalg.norm(delta)) * (
    np.sqrt(g @ H_inv @ g) + err_Hinv
)
assert np.isclose(mle_dup.nll, 2 * mle.nll, rtol=1e-12, atol=0)  # rounding of 2N-term sums
# the s.e. ratio 1/sqrt 2: the two Hessians are taken at estimates a distance delta apart, which
# changes a Hessian by a factor e^(+-r) (above), and their inverses are rounded (P eps cond H)
tol_se = np.expm1(R_x * np.linalg.norm(delta)) + theta0.size * eps * np.linalg.cond(hessian)
assert np.allclose(se_dup * np.sqrt(2), se_hat, rtol=tol_se, atol=0)


def sandwich_se(X_, y_, fit, clusters=None):
    """Sandwich s.e. sqrt(diag(H^-1 B H^-1)), B from per-row scores (summed per cluster)."""
    q_ = fit.model.predict_proba(X_)
    X1_ = np.column_stack([np.ones(len(y_)), X_])
    scores = np.einsum("ik,ij->ikj", (q_ - ce.one_hot(y_, K))[:, 1:], X1_).reshape(len(y_), -1)
    if clusters is not None:
        summed = np.zeros((clusters.max() + 1, scores.shape[1]))
        np.add.at(summed, clusters, scores)
        scores = summed
    H_inv_ = np.linalg.inv(ce.nll_hessian(X_, y_, fit.weights, fit.bias))
    return np.sqrt(np.diag(H_inv_ @ scores.T @ scores @ H_inv_))


se_sand = sandwich_se(X, y, mle)
ratio_plain = sandwich_se(X_dup, y_dup, mle_dup) / se_sand
ratio_cluster = (
    sandwich_se(X_dup, y_dup, mle_dup, clusters=np.r_[np.arange(N), np.arange(N)]) / se_sand
)
print("sandwich on the doubled data / on the original:", ratio_plain.round(4))
print("clustered on the original observation:         ", ratio_cluster.round(4))
# the same estimate-distance and rounding tolerance, doubled: H enters twice, B once
assert np.allclose(ratio_plain, 1 / np.sqrt(2), rtol=3 * tol_se) and np.allclose(
    ratio_cluster, 1, rtol=3 * tol_se
)

# %% [markdown]
# **2 (medium).** Evaluate the mean cross entropy at the *true* parameters,
# $\operatorname{NLL}(\theta^\star)/N$. Which value does it approach as $N$ grows, and how far
# from that limit may it be at this $N$? Is the MLE's $\operatorname{NLL}(\hat\theta)/N$ above
# or below $\operatorname{NLL}(\theta^\star)/N$?

# %% [markdown]
# :::{dropdown} Solution
# $\operatorname{NLL}(\theta^\star)/N$ is the average of $N$ i.i.d. terms
# $-\log p^\star(y_i \mid x_i)$, whose mean is the expected cross entropy at $\theta^\star$: the
# KL term vanishes and what is left is the expected entropy
# $\mathbb{E}_x H(p^\star(\cdot \mid x)) \approx 0.642$ nats (by a Gauss–Hermite rule, as in
# notebook 01). By the central limit theorem it is off by about the terms' standard deviation
# over $\sqrt N$, where the standard deviation is over $(x, y)$ drawn jointly (features and
# label): about 0.013 for $N = 3000$, so within $\pm 0.05$ (4 s.e.) with overwhelming
# probability; the cell checks that band, and the 0.013 against its Gauss–Hermite value. The
# MLE minimises the NLL on these data, so
# $\operatorname{NLL}(\hat\theta) \le \operatorname{NLL}(\theta^\star)$ always: the in-sample
# loss of the fitted model is below that of the truth (by how much: exercise 3).
# :::


# %% tags=["hide-cell"]
def loss_moments(n_nodes):
    """Mean, variance and 4th central moment of -log p*(y | x), (x, y) from the model."""
    nodes, weights = hermegauss(n_nodes)
    u0, u1 = np.meshgrid(nodes, nodes)
    grid_w = np.outer(weights, weights).ravel() / weights.sum() ** 2
    z_gh = ce.linear_predictor(np.column_stack([u0.ravel(), u1.ravel()]), W_true, b_true)
    p_gh, loss_gh = ce.softmax(z_gh), -ce.log_softmax(z_gh)
    mu = grid_w @ (p_gh * loss_gh).sum(axis=1)
    return [mu] + [grid_w @ (p_gh * (loss_gh - mu) ** j).sum(axis=1) for j in (2, 4)]


(expected_entropy, var_term, mu4_term), moments_160 = loss_moments(80), loss_moments(160)
terms_true = -ce.log_softmax(ce.linear_predictor(X, W_true, b_true))[np.arange(N), y]
se_mean = terms_true.std() / np.sqrt(N)
print(
    f"E_x H(p*) {expected_entropy:.4f}; NLL/N at the truth {terms_true.mean():.4f} "
    f"(s.e. {se_mean:.4f}; Gauss-Hermite {np.sqrt(var_term / N):.4f}), at the MLE {mle.nll / N:.4f}"
)
# quadrature: 80 and 160 nodes agree far below the Monte Carlo errors checked next
assert np.allclose(moments_160, [expected_entropy, var_term, mu4_term], rtol=1e-6)
# the sample variance of the terms: its sd is sqrt((mu4 - sigma^4) / N); 4 sd
assert abs(terms_true.var() - var_term) < 4 * np.sqrt((mu4_term - var_term**2) / N)
assert abs(terms_true.mean() - expected_entropy) < 4 * np.sqrt(var_term / N)  # CLT, 4 s.e.

# %% [markdown]
# **3 (harder).** Over repeated data sets of $N$ observations, how large is
# $\operatorname{NLL}(\theta^\star) - \operatorname{NLL}(\hat\theta)$ on average? And on a
# fresh test set of $N$ observations, how much worse is $\hat\theta$ than $\theta^\star$?
# Predict both, and check on 400 simulated data sets. (This uses two results of later
# notebooks: the MLE's approximate normal distribution, notebook 06, and Wilks' theorem.)

# %% [markdown]
# :::{dropdown} Solution
# By the quadratic approximation around $\hat\theta$,
# $\operatorname{NLL}(\theta^\star) - \operatorname{NLL}(\hat\theta) \approx \tfrac12 (\theta^\star - \hat\theta)^\top \nabla^2 \operatorname{NLL}\, (\theta^\star - \hat\theta)$,
# and for large $N$, $\hat\theta$ is approximately
# $\mathcal{N}\big(\theta^\star, (\nabla^2 \operatorname{NLL})^{-1}\big)$ (notebook 06), so twice
# the gap is approximately $\chi^2_P$ with $P = (K - 1)(d + 1) = 6$ parameters (Wilks' theorem):
# mean $P = 6$, variance $2P = 12$, and 5% of the data sets above the 95% quantile 12.59. The
# in-sample mean cross entropy of the MLE is thus below the truth's by $P / (2N)$ on average,
# 0.001 for $N = 3000$, which is why exercise 2 found $\operatorname{NLL}(\hat\theta)/N$ just
# below $\operatorname{NLL}(\theta^\star)/N$: the fit absorbs a little of the noise, one
# half-unit of NLL per parameter. On a test set the same quadratic form appears with the
# opposite sign: $2(\operatorname{NLL}_{\text{test}}(\hat\theta) - \operatorname{NLL}_{\text{test}}(\theta^\star))$
# has mean $\approx P$ too, so the gap between test and training NLL of the fit is about $P$
# on average, the penalty of Akaike's information criterion. Both statements need a correctly
# specified model; otherwise $P$ becomes $\operatorname{tr}(H^{-1} B)$ (Takeuchi's criterion,
# with $B$ the sum of outer products of the scores). The same 400 fits show exercise 1's
# point: the spread of $\hat\theta$ matches `se_hat`, not `se_dup`.
# :::

# %% tags=["hide-cell"]
R = 400
twice_gap, twice_test, theta_r = np.empty(R), np.empty(R), np.empty((R, theta0.size))
for r in range(R):
    X_r, y_r, _ = ce.simulate(N, W_true, b_true, rng)
    fit_r = ce.fit_cross_entropy(X_r, y_r)
    theta_r[r] = ce.pack_params(fit_r.weights, fit_r.bias)
    nll_true = ce.negative_log_likelihood(y_r, ce.linear_predictor(X_r, W_true, b_true))
    twice_gap[r] = 2 * (nll_true - fit_r.nll)
    X_t, y_t, _ = ce.simulate(N, W_true, b_true, rng)  # a fresh test set
    nll_t = [
        ce.negative_log_likelihood(y_t, ce.linear_predictor(X_t, *wb))
        for wb in ((fit_r.weights, fit_r.bias), (W_true, b_true))
    ]
    twice_test[r] = 2 * (nll_t[0] - nll_t[1])
above = np.mean(twice_gap > stats.chi2(6).ppf(0.95))
print(f"2 (NLL(theta*) - NLL(MLE)): mean {twice_gap.mean():.2f}, variance {twice_gap.var():.1f}")
print(f"share above the chi2_6 95% quantile: {above:.3f}")
print(f"test set, 2 (NLL(MLE) - NLL(theta*)): mean {twice_test.mean():.2f}")
# Monte Carlo: 4 s.e. of a mean of R draws (+-0.7: cannot tell chi2_6 from chi2_5.5), of a
# share near 0.05 (0.044: detects a tail twice too heavy), and of a sample variance of chi2_6,
# whose sd is sqrt((mu4 - sigma^4) / R) = sqrt((720 - 144) / R) = 1.2 (detects 12 vs 17);
# the O(1/N) corrections to Wilks are far smaller
assert abs(twice_gap.mean() - 6) < 4 * twice_gap.std() / np.sqrt(R)
assert abs(above - 0.05) < 4 * np.sqrt(0.05 * 0.95 / R)
assert abs(twice_gap.var() - 12) < 4 * np.sqrt((720 - 144) / R)
assert abs(twice_test.mean() - 6) < 4 * twice_test.std() / np.sqrt(R)
# exercise 1: the spread of the estimates against the two s.e. (a sample sd over R has relative
# sd 1 / sqrt(2 (R - 1)) = 0.035; 4 of them, 0.14, tell 1 from 1 / sqrt 2 = 0.71; the error of
# se_hat itself, from one data set's Hessian, is O(1 / sqrt N), ~2%)
spread = theta_r.std(axis=0, ddof=1)
print("spread of the 400 estimates / se_hat:", (spread / se_hat).round(2))
print("spread of the 400 estimates / se_dup:", (spread / se_dup).round(2))
assert np.all(np.abs(spread / se_hat - 1) < 4 / np.sqrt(2 * (R - 1)))

# %% [markdown]
# ## References
#
# * Fisher, R. A. (1922). On the mathematical foundations of theoretical statistics.
#   *Philosophical Transactions of the Royal Society A* 222, 309–368.
# * Cover, T. M., and Thomas, J. A. (2006). *Elements of Information Theory*, 2nd edition,
#   chapter 2. Wiley.
# * McCullagh, P., and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd edition,
#   chapter 6 (polytomous data). Chapman & Hall.
# * Bach, F. (2010). Self-concordant analysis for logistic regression. *Electronic Journal of
#   Statistics* 4, 384–414.
# * Albert, A., and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
#   logistic regression models. *Biometrika* 71, 1–10.

# %%
# %load_ext watermark
# %watermark -n -u -v -iv -w
