# %% [markdown]
# # A neural network as the model: same loss, new likelihood geometry
#
# The derivation in notebook 02 never used the form of the model $q(y \mid x; \theta)$. It
# needed only that the model returns a probability vector over the classes for every $x$; the
# parameters $\theta$ could be, as the usual phrasing goes, the weights of a neural network.
# This notebook takes that literally. It fits a small network by minimising the summed cross
# entropy, checks that this is again the MAP of the same model written in PyMC, and then looks
# at what changes: the likelihood of a network has many symmetric maxima, so the estimate is one
# of a set of equally good points; it can also have worse local optima; and the posterior has
# many modes, which changes what a convergence diagnostic can tell us.
#
# The model is a network with one hidden layer of $J$ tanh units:
#
# $$
# z(x) = V \tanh(A x + a) + c, \qquad
# q(y = k \mid x; \theta) = \operatorname{softmax}\big(z(x)\big)_k ,
# $$
#
# with $A \in \mathbb{R}^{J \times d}$, $a \in \mathbb{R}^J$, $V \in \mathbb{R}^{K \times J}$,
# $c \in \mathbb{R}^K$. Class 0 is the pivot, as in notebook 04: the class whose logit is fixed
# at zero ($V_0 = 0$, $c_0 = 0$), which removes the softmax's invariance to adding a constant to
# all logits. Softmax regression is the analogous model with linear logits $z = Wx + b$. The
# negative log-likelihood is still the summed cross entropy between the one-hot labels $h_i$
# and the predictions $q_i$,
#
# $$
# -\log \mathcal{L}(\theta \mid \mathcal{D}) = -\sum_{i=1}^N \log q(y_i \mid x_i; \theta)
#   = \sum_{i=1}^N H(h_i, q_i) ,
# $$
#
# because nothing in that step depended on how $q$ is computed.

# %%
import itertools

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy import stats
from scipy.spatial.distance import pdist

import cross_entropy_mle as ce
from cross_entropy_mle.config import fast_mode
from cross_entropy_mle.plotting import save_figure

RANDOM_SEED = 20_240_607
rng = np.random.default_rng(RANDOM_SEED)
FAST = fast_mode()
plt.style.use("arviz-variat")

# %% [markdown]
# ## Data that a linear model cannot fit
#
# The generative process is the one of notebook 01 with a network in place of the linear
# logits: $x \sim \mathcal{N}(0, I_2)$ and
# $y \mid x \sim \operatorname{Cat}\big(\operatorname{softmax}(z_{\theta^*}(x))\big)$ with two
# classes. The true network has three hidden units, one per side of a triangle around the
# origin. Unit $j$ computes $\tanh(3 - 3\, e_j \cdot x)$, with $e_j$ the outward normal of side
# $j$: close to $+1$ inside that side, $0$ on it, close to $-1$ beyond it. The logit of class 1
# is $2 \times$ the sum of the three minus 4, high inside the triangle and low outside. No
# straight line separates the classes, and the labels overlap heavily: the true
# $q(y = 1 \mid x)$ is at most 0.88 (at the centre), and even the true model has an expected
# NLL per observation of about 0.48, against $\log 2 \approx 0.69$ for a coin flip.

# %%
K, d, H_units = 2, 2, 3
angles = np.deg2rad([90, 210, 330])
edges = np.column_stack([np.cos(angles), np.sin(angles)])  # the outward normals e_j
true_net = ce.Network(
    hidden_weights=-3.0 * edges,
    hidden_bias=np.full(H_units, 3.0),
    output_weights=np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]),
    output_bias=np.array([0.0, -4.0]),
)
N = 400
X, y, p_true = ce.simulate_network(N, true_net, rng)
X_test, y_test, p_test = ce.simulate_network(20_000, true_net, rng)
q_centre = true_net.predict_proba(np.zeros((1, 2)))[0, 1]
bayes_nll = ce.entropy(p_test)  # expected NLL of the true model at each test x
print(f"N = {N}; label counts {np.bincount(y, minlength=K).tolist()}")
print(f"true q(y=1 | centre) {q_centre:.3f}; expected NLL of the truth {bayes_nll.mean():.3f}")
# Check: the centre is the maximum over 20,000 draws of x; the expected NLL is 0.48 within
# 3 standard errors of its mean over those draws plus the 0.005 of rounding to 0.48.
se_bayes = bayes_nll.std(ddof=1) / np.sqrt(bayes_nll.size)
assert p_test[:, 1].max() <= q_centre and abs(bayes_nll.mean() - 0.48) < 0.005 + 3 * se_bayes

# %% [markdown]
# ## The model in PyMC
#
# For a network we use a weak prior rather than a flat one: independent $\mathcal{N}(0, 3^2)$
# on every parameter (the reason follows below). The model is four blocks of parameters, the
# network's logits with the pivot column of zeros, and a categorical likelihood. `coords` name
# the axes (observations, features, hidden units, the one free class) and `dims` attach them to
# each variable, so draws come out labelled; `pm.Data` holds $X$ and $y$ as data nodes. The
# graph shows the four blocks feeding the 400 observed labels.

# %%
SIGMA = 3.0
coords = {"obs": np.arange(N), "feature": ["x0", "x1"], "hidden": np.arange(H_units)}
with pm.Model(coords=coords | {"class_free": [1]}) as model:
    X_data = pm.Data("X", X, dims=("obs", "feature"))
    y_data = pm.Data("y", y, dims="obs")
    A = pm.Normal("hidden_weights", 0.0, SIGMA, dims=("hidden", "feature"))
    a = pm.Normal("hidden_bias", 0.0, SIGMA, dims="hidden")
    V = pm.Normal("output_weights_free", 0.0, SIGMA, dims=("class_free", "hidden"))
    c = pm.Normal("output_bias_free", 0.0, SIGMA, dims="class_free")
    z_free = pt.tanh(X_data @ A.T + a) @ V.T + c
    z = pt.concatenate([pt.zeros((N, 1)), z_free], axis=1)
    pm.Categorical("y_obs", logit_p=z, observed=y_data, dims="obs")
pm.model_to_graphviz(model)

# %% [markdown]
# ## Fitting the network: cross entropy and the PyMC MAP
#
# The MAP (maximum a posteriori estimate) is the parameter value with the highest posterior
# density. Up to a constant, the log posterior is the log-likelihood minus
# $\lVert\theta\rVert^2 / (2\sigma^2)$: with $P = 13$ parameters,
# $\log p(\theta \mid \mathcal{D}) = -f(\theta) - P \log(\sigma\sqrt{2\pi}) + \text{const}$,
# where
#
# $$
# f(\theta) = \sum_{i=1}^N H(h_i, q_i) + \frac{\lVert\theta\rVert^2}{2 \sigma^2},
# \qquad \sigma = 3 ,
# $$
#
# so the MAP minimises the summed cross entropy plus an L2 penalty. (This is "weight decay":
# a decay $\lambda$ applied to the *mean* loss, as in PyTorch's SGD, corresponds to
# $\sigma^2 = 1/(N\lambda)$.) The check below confirms the identity for PyMC's log density,
# up to a constant offset below $10^{-6}$ ($-\log p(\mathcal D)$ is the constant it leaves out).

# %%
# Two helpers: a packed parameter vector as a PyMC point, and f(theta) in NumPy.
FREE = {"hidden_weights": (3, 2), "hidden_bias": (3,), "output_weights_free": (1, 3)}
FREE |= {"output_bias_free": (1,)}  # pack_network's order


def as_point(theta):
    """PyMC point (dict of the four blocks) of packed parameters theta."""
    parts = np.split(theta, np.cumsum([np.prod(s) for s in FREE.values()])[:-1])
    return {k: p.reshape(s) for (k, s), p in zip(FREE.items(), parts)}


def objective_at(theta, sigma=SIGMA):
    """f(theta): summed NLL plus the L2 penalty (sigma=None: the NLL alone)."""
    nll = ce.network_nll_grad(X, y, ce.unpack_network(theta, d, H_units, K))[0]
    return nll + (0.0 if sigma is None else theta @ theta / (2 * sigma**2))


logp_here = model.compile_logp()  # PyMC's log density of a point

# %% tags=["hide-input"]
# Check: PyMC's log density is the library builder's (the same graph: 1e-12 relative covers a
# different summation order) and equals -f(theta) - P log(sigma sqrt(2 pi)) + offset with f
# computed in NumPy (network_nll_grad). The offset, about -2.6e-7 (PyMC's normalising constant
# of the normal differs from ours by ~2e-8 per term), is the same at every point, so it cannot
# move the MAP: it varies by < 1e-10 relative, the rounding of ~400 terms of size <~ 20
# (N * 20 * eps ~ 2e-12 absolute), while any modelling difference would show at order 1.
logp_lib = ce.network_model(X, y, H_units, prior=SIGMA).compile_logp()
log_norm = 13 * np.log(SIGMA * np.sqrt(2 * np.pi))
offsets = []
for _ in range(5):
    theta = 2.0 * rng.standard_normal(13)
    assert np.isclose(logp_here(as_point(theta)), logp_lib(as_point(theta)), rtol=1e-12, atol=0)
    offsets.append(logp_here(as_point(theta)) + objective_at(theta) + log_norm)
assert np.ptp(offsets) < 1e-10 * 100 and abs(np.mean(offsets)) < 1e-6

# %% [markdown]
# `ce.fit_network` minimises $f$ with BFGS, using the library's cross entropy and its gradient
# by backpropagation. The objective is not convex, so a fit is only a local minimum and depends
# on where the optimiser starts. We draw 40 random starting points, with independent
# $\mathcal{N}(0, 2^2)$ entries, fit from each, and keep the best. A fit that does not reach the
# gradient tolerance warns and has `converged=False`; none does here. (The Hessian by central
# differences of the gradient, defined here too, serves the checks further down.)


# %%
def objective_hessian(net, sigma=SIGMA):
    """Hessian of the objective (sigma=None: of the NLL) by differences of the gradient."""

    def grad(theta):
        g = ce.network_nll_grad(X, y, ce.unpack_network(theta, d, net.n_hidden, K))[1]
        return ce.pack_network(g) + (0.0 if sigma is None else theta / sigma**2)

    theta, h = ce.pack_network(net), 1e-5
    hess = [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    return (np.array(hess) + np.transpose(hess)) / 2


starts = [ce.random_network(d, H_units, K, rng, scale=2.0) for _ in range(40)]
fits = [ce.fit_network(X, y, s, prior_sd=SIGMA) for s in starts]
assert all(f.converged for f in fits)
best_index = int(np.argmin([f.objective for f in fits]))
best = fits[best_index]
print(f"best objective {best.objective:.4f} (NLL {best.nll:.4f}) from start {best_index}")

# %% [markdown]
# PyMC's `pm.find_MAP` on the model above (through `ce.fit_network_map`), from the *same*
# starting point, finds the same point. Both run scipy's BFGS on the same objective from the
# same start, so this agreement checks one thing: that PyTensor's automatic gradient of the log
# posterior equals the library's backpropagated gradient at every step along the path (a
# difference would send BFGS along other steps). That the two end at one minimum, not merely
# nearby points, follows from a bound: a fit with gradient $g$ lies within
# $\lVert g\rVert / \lambda_{\min}$ of the minimiser, $\lambda_{\min}$ being the smallest
# eigenvalue of the Hessian of $f$ there. The two fits agree far more closely than that bound.

# %%
map_fit = ce.fit_network_map(model, starts[best_index])
max_diff = np.max(np.abs(ce.pack_network(map_fit.model) - ce.pack_network(best.model)))
eig_min_map = np.linalg.eigvalsh(objective_hessian(best.model)).min()
# ||g||_2 <= sqrt(13) * N * grad_norm (grad_norm is max|g| / N); two fits: twice the distance
bound = 2 * np.sqrt(13) * N * max(best.grad_norm, map_fit.grad_norm) / eig_min_map
print(f"objective {best.objective:.6f} (library), {map_fit.objective:.6f} (PyMC)")
print(
    f"largest parameter difference {max_diff:.1e}; bound {bound:.1e} (lambda_min {eig_min_map:.3f})"
)

# %% tags=["hide-input"]
# Check: the two fits are one minimum (a positive definite Hessian, so the bound applies).
assert map_fit.converged and eig_min_map > 0 and max_diff < bound
assert np.isclose(map_fit.objective, best.objective, rtol=1e-9)

# %% [markdown]
# How much does the prior move the estimate? We start BFGS at the MAP on the NLL alone (a flat
# prior, under which PyMC's MAP would be the maximum likelihood estimate). The NLL's gradient
# there, $-\hat\theta/\sigma^2$, is not zero, so the fit lowers the NLL; where it stops depends
# on the sample. On some samples it stops at a nearby local MLE, one of many (see below); on
# others the weights keep growing, a hidden unit sharpening towards a step function, until the
# likelihood is so flat that the gradient test stops the optimiser, which then reports
# convergence all the same (the next paragraph explains the flatness). Which case occurred on
# this sample is printed below (the NLL's gradient and smallest Hessian eigenvalue there). The right scale for the
# move is the posterior's spread: the Laplace approximation at the MAP (a Gaussian with
# covariance the inverse Hessian of $f$) gives each coordinate a posterior sd, and in some
# coordinate the move is, on this sample, more than half of one. The Hessian of $f$ is the NLL's plus
# $1/\sigma^2 = 0.11$ in every direction; along the NLL's flattest direction at the MAP its
# curvature is below five times that, so there the prior supplies a sixth or more of the
# posterior's curvature.

# %%
mle_fit = ce.fit_network(X, y, best.model)
theta_hat, theta_mle = ce.pack_network(best.model), ce.pack_network(mle_fit.model)
laplace_sd = np.sqrt(np.diag(np.linalg.inv(objective_hessian(best.model))))
shift = (theta_mle - theta_hat) / laplace_sd
eig_nll = np.linalg.eigvalsh(objective_hessian(best.model, sigma=None)).min()
eig_mle = np.linalg.eigvalsh(objective_hessian(mle_fit.model, sigma=None)).min()
case = "a local MLE" if mle_fit.converged and eig_mle > 1e-3 else "no clear local MLE"
print(f"flat-prior fit: max|grad|/N {mle_fit.grad_norm:.1e}, min Hessian eig {eig_mle:.3f}: {case}")
print(f"NLL: {mle_fit.nll:.4f} after the flat-prior fit, {best.nll:.4f} at the MAP")
print(f"largest |parameter|: {np.abs(theta_mle).max():.1f} after it,", end=" ")
print(f"{np.abs(theta_hat).max():.1f} at the MAP")
print(f"move in Laplace posterior sds: up to {np.abs(shift).max():.2f}")
print(f"flattest NLL curvature at the MAP {eig_nll:.3f}; prior precision {SIGMA**-2:.3f}")

# %% tags=["hide-input"]
# Check: a move of more than half a posterior sd somewhere; the NLL's flattest curvature at the
# MAP positive and below 5 / sigma^2. Both are properties of the sample, not theorems; here they
# hold with margin. The difference Hessians err by ~1e-8, far below these margins.
assert mle_fit.nll < best.nll and np.abs(shift).max() > 0.5 and 0 < eig_nll < 5 / SIGMA**2

# %% [markdown]
# Why the prior, then? Because of what can happen *away* from this optimum. If a hidden unit's
# output weight is zero, its input weights do not affect the likelihood at all. If a unit's
# input weights are multiplied by $s$, then as $s \to \infty$ the unit becomes a step function
# and the likelihood tends to a positive limit instead of falling to zero. Along
# such directions a flat prior gives a posterior density that does not decay, over an unbounded
# range: its integral is infinite (the posterior is improper), so the flat-prior model may be
# optimised from a good start but must never be sampled, and an optimiser can run off to
# infinity. Under the $\mathcal{N}(0, 3^2)$ prior the posterior is proper (a proper prior times
# a likelihood bounded by 1) and $f$ grows without bound in every direction, so a MAP exists.
#
# ## The network beats the linear model
#
# Softmax regression, fitted by `ce.fit_cross_entropy`, has a straight line as its boundary
# $q(y = 1 \mid x) = 1/2$. On these data the *population*-optimal linear logit is exactly
# constant: $x$ is isotropic and the true $p(y \mid x)$ is unchanged by a $120°$ rotation, so
# the expected cross entropy of $w \cdot x + b$, strictly convex in $(w, b)$, takes the same
# value at $w$ and its rotations, and by convexity at their average, $w = 0$. The fitted slope
# is noise (a Wald test below), and so is the fitted probability's variation over the plotted
# square (its range is printed below). On a test set of 20,000 new draws the network's NLL per
# observation is far below softmax regression's; its excess over the true network is of the size
# $k/(2N) = 13/800$ that asymptotic theory gives for the MLE of a correctly specified model
# with $k$ parameters near a locally identifiable maximum ($2N$ times the excess is then about
# $\chi^2_k$, with sd $\sqrt{2k}/(2N) = 0.006$ across training sets); the network here is the
# MAP, whose prior moves it by order $1/N$, which changes the excess only at higher order in
# $1/N$ (exercise 2). Test-set differences are
# given with their paired standard error (sd of the per-observation differences over
# $\sqrt{20{,}000}$).

# %%
linear = ce.fit_cross_entropy(X, y)
test_logits = {
    "softmax regression": ce.linear_predictor(X_test, linear.weights, linear.bias),
    "network (MAP)": ce.network_logits(X_test, best.model),
    "true network": ce.network_logits(X_test, true_net),
}
test_nll = {k: -ce.categorical_log_pmf(y_test, ce.log_softmax(z)) for k, z in test_logits.items()}
gap = test_nll["softmax regression"] - test_nll["network (MAP)"]
excess = test_nll["network (MAP)"] - test_nll["true network"]
se_gap, se_excess = (v.std(ddof=1) / np.sqrt(v.size) for v in (gap, excess))
print(f"linear - network: {gap.mean():.3f} ± {se_gap:.3f} per observation")
print(f"network - truth: {excess.mean():.4f} ± {se_excess:.4f}; k/(2N) = {13 / (2 * N):.4f}")
corners = np.array(np.meshgrid([-3.5, 3.5], [-3.5, 3.5])).reshape(2, -1).T
q_linear = linear.predict_proba(corners)[:, 1]  # a linear logit is extreme at the corners
print(
    f"softmax regression's q(y=1 | x) on the square: {q_linear.min():.2f} to {q_linear.max():.2f}"
)
pd.Series({k: v.mean() for k, v in test_nll.items()}, name="test NLL / obs.").round(3)

# %% tags=["hide-input"]
# Check: the gap exceeds 3 paired SE (chance < 0.2% that test noise alone makes it so). The
# excess is within 3 combined sd of k/(2N): test noise and the chi^2_k spread over training
# sets. The slope's Wald statistic w' Cov^-1 w ~ chi^2_2 under w = 0: a 0.1% false alarm.
assert gap.mean() > 3 * se_gap
k_over_2n, sd_train = 13 / (2 * N), np.sqrt(2 * 13) / (2 * N)
assert abs(excess.mean() - k_over_2n) < 3 * np.hypot(se_excess, sd_train)
slope = ce.pack_params(linear.weights, linear.bias)[1:]  # [b_1, W_10, W_11] -> W_1
cov = np.linalg.inv(ce.nll_hessian(X, y, linear.weights, linear.bias))[1:, 1:]
assert stats.chi2.sf(slope @ np.linalg.solve(cov, slope), 2) > 1e-3

# %% [markdown]
# The figure shows $q(y = 1 \mid x)$ with the sides of the true triangle (dashed). Softmax
# regression's surface has its own, narrower colour scale centred at 1/2 (set by its range on
# the square): on the 0-1 scale of the others its variation would hardly show.

# %%
lim = (-3.5, 3.5)
g1, g2 = np.meshgrid(np.linspace(*lim, 200), np.linspace(*lim, 200))
grid = np.column_stack([g1.ravel(), g2.ravel()])
true_sides = (grid @ true_net.hidden_weights.T + true_net.hidden_bias).reshape(*g1.shape, 3)


def plot_probability(ax, fitted, title, vlim=(0, 1)):
    """q(y = 1 | x) on the grid, its 1/2 contour, the true triangle's sides and the data."""
    surface = fitted.predict_proba(grid)[:, 1].reshape(g1.shape)
    im = ax.pcolormesh(g1, g2, surface, cmap="RdBu_r", vmin=vlim[0], vmax=vlim[1], alpha=0.6)
    if surface.min() < 0.5 < surface.max():
        ax.contour(g1, g2, surface, levels=[0.5], colors="k", linewidths=1.5)
    for j in range(3):
        ax.contour(g1, g2, true_sides[..., j], levels=[0], colors="0.3", linestyles="--")
    ax.plot([], [], "--", c="0.3", label="sides of the true triangle")
    style = {0: dict(marker="o", fc="white", ec="k"), 1: dict(marker="^", fc="k", ec="white")}
    for k, kw in style.items():
        ax.scatter(*X[y == k].T, s=30, lw=0.6, label=f"y = {k}", **kw)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("$x_0$")
    return im


def finish_probability_figure(fig, axes, name, **colorbar):
    axes[0].set_ylabel("$x_1$")
    handles = axes[0].get_legend_handles_labels()
    fig.legend(*handles, loc="outside upper center", ncols=3, fontsize=10, markerscale=1.3)
    label = "$q(y = 1 \\mid x)$; black line: 1/2"
    bar = fig.colorbar(axes[0].collections[0], shrink=0.85, label=label, **colorbar)
    bar.ax.axhline(0.5, c="k")
    save_figure(fig, name)
    plt.show()


fig, axes = plt.subplots(1, 3, figsize=(14, 5.2), sharex=True, sharey=True)
plot_probability(axes[0], true_net, "true network")
half = np.ceil(np.abs(q_linear - 0.5).max() / 0.05) * 0.05  # rounded up to 0.05
im = plot_probability(
    axes[1], linear, "softmax regression (MLE), own scale", (0.5 - half, 0.5 + half)
)
plot_probability(axes[2], best.model, "network (MAP)")
fig.colorbar(im, ax=axes[1], location="bottom", shrink=0.8, label="$q(y = 1 \\mid x)$")
finish_probability_figure(fig, axes, "network-vs-softmax-regression-probabilities", ax=axes[[0, 2]])

# %% [markdown]
# ## The likelihood has symmetric maxima
#
# Two operations on the hidden layer change the parameters but not the function
# (`ce.permute_hidden`, `ce.flip_hidden`):
#
# - **permuting the hidden units**: reordering the rows of $A$ and $a$ together with the columns
#   of $V$ only reorders a sum;
# - **flipping the sign of a unit**: $\tanh$ is odd, so
#   $v_j \tanh(A_j x + a_j) = (-v_j) \tanh(-A_j x - a_j)$.
#
# With $J = 3$ units there are $3! \cdot 2^3 = 48$ combinations (`ce.symmetric_networks`), and
# each maps a parameter vector to one with exactly the same logits, the same likelihood and,
# since the prior is symmetric too, the same posterior density. They give 48 *distinct* points
# only if no symmetry fixes the point: a unit with $(A_j, a_j, V_{1j}) = 0$ is unchanged by its
# flip, two equal units by their swap. For a network with non-zero output weights, non-zero
# $A_j$ and no two units with $(A_j, a_j) = \pm (A_k, a_k)$ (Sussmann's conditions), no symmetry
# fixes it and these 48 are the only parameter vectors that compute the same function of $x$
# (Sussmann 1992). The fitted MAP meets the conditions, and its 48 copies are distinct points
# with the same posterior density under PyMC's log density:

# %%
units = np.column_stack([best.model.hidden_weights, best.model.hidden_bias])
pairs = np.triu_indices(3, 1)
signs = np.array([1, -1])[:, None, None, None]
unit_gap = np.linalg.norm(units[None, :, None] - signs * units[None, None], axis=-1)
sussmann = {
    "min |V_1j|": np.abs(best.model.output_weights[1]).min(),
    "min |A_j|": np.linalg.norm(best.model.hidden_weights, axis=1).min(),
    "min |(A_j, a_j) -+ (A_k, a_k)|": unit_gap[:, pairs[0], pairs[1]].min(),
}
copy_thetas = np.array([ce.pack_network(c) for c in ce.symmetric_networks(best.model)])
copy_logp = np.array([logp_here(as_point(t)) for t in copy_thetas])
print(", ".join(f"{k} {v:.2f}" for k, v in sussmann.items()))
print(f"{len(copy_thetas)} copies; closest two {pdist(copy_thetas).min():.2f} apart; ", end="")
print(f"log density spread {np.ptp(copy_logp):.1e}")

# %% tags=["hide-input"]
# Check: the conditions hold, and the copies are distinct, by more than the bound above on the
# fit's distance from the exact MAP, so also at the exact MAP; their log densities agree to the
# rounding of summing the same N terms in another order (N * eps * |logp|, about 2e-11).
assert min(sussmann.values()) > bound and pdist(copy_thetas).min() > bound
assert np.ptp(copy_logp) < N * np.finfo(float).eps * abs(copy_logp).max()

# %% [markdown]
# So the maximiser of the likelihood (or of the posterior) is not a point but a set of 48
# equally good points: the data can at best determine the function the network computes, and
# its parameters only up to these symmetries.
#
# ## Many starts, one optimum, many points
#
# The 40 fits from random starts show the symmetry at work. Those that reach the best
# objective value (how many do is printed below; a start can also end at a worse local
# optimum, as the next section shows) end at *different* parameter vectors. Mapped to a
# canonical representative they coincide: they are symmetric copies of one optimum. The
# canonical form
# (`ce.canonical_network`) flips each unit's sign so that its output weight $V_{1j}$ is
# positive and then sorts the units by the angle of their input weights $A_j$ in the plane.
# Such an ordering is an artificial identifiability constraint, the device of the
# label-switching literature for mixtures (Jasra et al. 2005). An angle needs a branch cut: we
# measure it from $90°$, midway between two true units (at $-90°$, $30°$, $150°$), $60°$ from
# each; the posterior draws below are checked not to be sorted across it. As the start
# distribution and BFGS are unchanged by the symmetries, a start that reaches this optimum
# lands in each of its 48 copies with probability 1/48, and the number of copies reached by $n$
# such starts is that of $n$ random draws from 48 boxes, $48\,(1 - (47/48)^n)$ on average.


# %%
def direction(net):
    """Angle of each hidden unit's input-weight vector: the sort key of the canonical form."""
    return np.arctan2(net.hidden_weights[:, 1], net.hidden_weights[:, 0])


def sort_key(net):
    """The angle measured from 90 degrees: its branch cut lies midway between two true units."""
    return np.mod(direction(net) - np.pi / 2, 2 * np.pi)


def canonical(net):
    return ce.pack_network(ce.canonical_network(net, sort_key=sort_key))


theta_canon = canonical(best.model)

losses = np.array([f.objective for f in fits])
at_best = losses - best.objective < 1e-8 * best.objective  # the fits' own precision
fits_best, n_best = [f for f, b in zip(fits, at_best) if b], int(at_best.sum())
theta_fit = np.array([ce.pack_network(f.model) for f in fits_best])
distance = np.linalg.norm(theta_fit - theta_hat, axis=1)
canonical_distance = np.linalg.norm([canonical(f.model) - theta_canon for f in fits_best], axis=1)
n_copies_found = len({int(np.argmin(np.linalg.norm(copy_thetas - t, axis=1))) for t in theta_fit})
print(f"{n_best} of the 40 starts reach the best objective, in {n_copies_found} copies", end=" ")
print(f"({48 * (1 - (47 / 48) ** n_best):.1f} on average for {n_best} random draws)")
print(
    f"distance to the best fit up to {distance.max():.2f}, canonical {canonical_distance.max():.1e}"
)

# %% tags=["hide-input"]
# Check: the other fits are worse by far more than the 1e-8 relative precision (so the split is
# unambiguous); the fits at the best value are copies of one another: each canonical distance
# within the precision bound of the MAP section with that fit's gradient in place of the PyMC
# fit's (the copies share the Hessian's eigenvalues), against > 1 between distinct points. The
# number of copies reached lies in the central 99.8% of the occupancy distribution of n_best
# draws over 48 boxes.
assert np.all(losses[~at_best] - best.objective > 1e-3) and n_best > 1
bound_fits = np.sqrt(13) * N * (np.array([f.grad_norm for f in fits_best]) + best.grad_norm)
assert distance.max() > 1.0 and np.all(canonical_distance < bound_fits / eig_min_map)
occupancy, boxes = np.eye(n_best + 1)[0], np.arange(n_best + 1)  # P(k boxes hit), 0 draws
for _ in range(n_best):
    occupancy = occupancy * boxes / 48 + np.r_[0, occupancy[:-1] * (48 - boxes[:-1]) / 48]
assert np.isclose(occupancy @ boxes, 48 * (1 - (47 / 48) ** n_best))  # the textbook mean
cdf = np.cumsum(occupancy)
assert cdf[n_copies_found] > 1e-3 and 1 - cdf[n_copies_found - 1] > 1e-3

# %% [markdown]
# ## Other stationary points: a saddle and worse local minima
#
# That so many starts found the best optimum is a property of these data and this network, not
# a guarantee, and gradient-based fitting only certifies a *stationary* point. One stationary
# point is easy to construct. A "dead" hidden unit, with all its weights zero, outputs
# $\tanh(0) = 0$ and receives zero gradient, so an optimiser started there never revives it and
# ends at a two-unit network. The gradient vanishes there, yet the objective is clearly worse;
# the Hessian has a negative eigenvalue, so the point is a saddle, which only a perturbation
# would let the optimiser leave. At such reducible points the Fisher information is singular
# (the dead unit's input weights do not affect the likelihood), so asymptotics such as
# $k/(2N)$ or Wald intervals do not apply there.


# %%
alive = np.ones(theta_hat.size)
alive[[4, 5, 8, 11]] = 0.0  # A[2, :], a[2] and V[1, 2] in pack_network's order: unit 2 dead
dead = ce.unpack_network(ce.pack_network(starts[0]) * alive, d, H_units, K)
stuck = ce.fit_network(X, y, dead, prior_sd=SIGMA)
eig_min = np.linalg.eigvalsh(objective_hessian(stuck.model)).min()
print(f"dead-unit start: objective {stuck.objective:.2f} (best {best.objective:.2f})")
print(f"max |gradient| / N {stuck.grad_norm:.1e}; smallest Hessian eigenvalue {eig_min:.2f}")

# %% tags=["hide-input"]
# Check: the unit stayed exactly dead, the point is stationary and worse, and the Hessian has a
# negative eigenvalue, beyond the difference Hessian's error: about h^2 * (third derivative)
# (truncation) plus eps * N / h (rounding of a sum of N terms), both about 1e-8.
assert np.all(stuck.model.hidden_weights[2] == 0) and stuck.model.output_weights[1, 2] == 0
assert stuck.converged and stuck.objective > best.objective + 10
assert eig_min < -1e-4

# %% [markdown]
# The saddle is a two-unit network with a spare unit, so its objective is that of a two-unit
# fit (the dead unit's weights add no penalty); which two-unit minimum it reaches depends on
# the start. A network with *only* two units shows genuinely different local minima. We fit
# such networks from 20 random starts. The fits end at a few different objective values, so
# they are not symmetric copies of one another; each is a local minimum (its Hessian is
# positive definite). Each is a wedge bounded by one line per unit; the table matches each unit
# to the nearest true unit by the direction of $A_j$ and gives the angle between them. The
# minima differ in which pair of true units their lines follow, or in how closely they follow
# them (table and figure).

# %%
starts_2 = [ce.random_network(d, 2, K, rng, scale=2.0) for _ in range(20)]
fits_2 = [ce.fit_network(X, y, s, prior_sd=SIGMA) for s in starts_2]
obj_2 = np.array([f.objective for f in fits_2])
order = np.argsort(obj_2)
group = np.cumsum(np.r_[0, np.diff(obj_2[order]) > 1e-3])  # same minimum: within 1e-3
first = order[np.unique(group, return_index=True)[1]]
values, counts = obj_2[first], np.bincount(group)
minima_2 = [fits_2[i].model for i in first]
eig_2 = [np.linalg.eigvalsh(objective_hessian(m)).min() for m in minima_2]
true_angles = np.rad2deg(direction(true_net))
angles_2 = [np.rad2deg(np.sort(direction(ce.canonical_network(m)))) for m in minima_2]
turn = [(a[:, None] - true_angles + 180) % 360 - 180 for a in angles_2]  # (unit, true unit)
two_unit = pd.DataFrame({"objective": values, "starts": counts, "min Hessian eigenvalue": eig_2})
two_unit["directions (°)"] = [a.round().tolist() for a in angles_2]
two_unit["true units"] = [tuple(np.argmin(np.abs(t), axis=1).tolist()) for t in turn]
two_unit["angle to them (°)"] = [np.abs(t).min(axis=1).round().tolist() for t in turn]
two_unit.round(3)

# %% tags=["hide-input"]
# Check: at least two local minima. A fit with gradient g near a minimum with curvature >=
# lambda has objective within ||g||^2 / (2 lambda) of it, ||g|| <= 3 N max|g|/N: that is the
# spread allowed inside a group. The grouping threshold 1e-3 lies between it and the smallest
# gap between groups, so the grouping is unambiguous. Positive definite by a margin far above
# the difference Hessian's 1e-8 error. Each minimum's two units follow two different true
# units; the saddle's objective is one of the two-unit minima (to the same precision).
assert all(f.converged for f in fits_2) and len(values) >= 2 and np.diff(values).min() > 1e-3
assert min(eig_2) > 0.01
slack = (3 * N * max(f.grad_norm for f in [*fits_2, stuck])) ** 2 / (2 * min(eig_2))
assert slack < 1e-3
assert all(np.ptp(obj_2[order][group == g]) <= slack for g in range(len(values)))
assert all(len(set(s)) == 2 for s in two_unit["true units"])
assert np.abs(values - stuck.objective).min() < slack

# %%
fig, axes = plt.subplots(1, len(minima_2), figsize=(4.3 * len(minima_2) + 1, 5.2), sharey=True)
for ax, m, v in zip(axes, minima_2, values):
    plot_probability(ax, m, f"two units: objective {v:.1f}")
finish_probability_figure(fig, axes, "two-unit-network-local-minima", ax=axes)

# %% [markdown]
# ## How high is the wall between copies?
#
# Between two copies of the MAP the objective rises. On the straight line from the MAP to its
# copy with two units swapped, or with one unit's sign flipped, $f$ climbs far above its
# minimum: the average of two equally good networks is a much worse network. At the midpoint
# of the swap line units 0 and 1 are identical, both pointing between two sides; at the
# midpoint of the flip line $V_{10} = 0$, so unit 0 is switched off. The highest point on a
# line is only an *upper* bound on the barrier: another path may pass lower (in large networks
# copies are often joined by nearly flat paths; Garipov et al. 2018). For a sign flip there is
# a lower bound valid for every path: $V_{1j}$ changes sign, so any continuous path crosses
# $V_{1j} = 0$, where unit $j$ drops out of the likelihood and the network is a two-unit
# network, whose objective is at least the two-unit minimum (unit $j$'s remaining weights only
# add penalty). Taking the best two-unit fit above as that minimum (a local search cannot
# certify a global one), every path to a sign-flipped copy climbs at least as printed below:
# the posterior density on the way is below $e^{-\text{barrier}}$ times its value at the MAP.

# %%
t_path = np.linspace(-0.25, 1.25, 121)
targets = {
    "units 0 and 1 swapped": ce.pack_network(ce.permute_hidden(best.model, np.array([1, 0, 2]))),
    "unit 0 sign-flipped": ce.pack_network(ce.flip_hidden(best.model, np.array([-1, 1, 1]))),
}
path_f = {
    n: np.array([objective_at((1 - t) * theta_hat + t * v) for t in t_path])
    for n, v in targets.items()
}
barrier_line = {name: v.max() - best.objective for name, v in path_f.items()}
barrier_flip = values[0] - best.objective  # lower bound for every path to a flipped copy
print("highest point on the line: " + ", ".join(f"{n} +{h:.1f}" for n, h in barrier_line.items()))
print(f"any path to a sign-flipped copy: at least +{barrier_flip:.1f}")

# %% tags=["hide-input"]
# Check: the flip line's midpoint (V_10 = 0) is itself a two-unit network: its objective is
# at least the two-unit minimum, as the argument requires (it would fail if a lower two-unit
# network existed there). The MAP lies below every two-unit network found.
midpoint = objective_at((theta_hat + targets["unit 0 sign-flipped"]) / 2)
assert midpoint >= values[0] and barrier_flip > 0

# %%
fig, ax = plt.subplots(figsize=(8, 4.8))
for i, (name, v) in enumerate(path_f.items()):
    ax.plot(t_path, v, color=f"C{i}", label=f"straight line to the copy with {name}")
    top = np.argmax(v)
    ax.text(t_path[top] + 0.03, v[top], f"+{barrier_line[name]:.0f}", color=f"C{i}", fontsize=10)
ax.axhline(best.objective, color="k", lw=0.8, ls="--", label="objective at the MAP")
bound_label = f"any path to the flipped copy rises above (+{barrier_flip:.0f})"
ax.hlines(values[0], 0.3, 0.7, color="C1", lw=1.5, ls=":", label=bound_label)
for t in (0, 1):
    ax.axvline(t, color="0.6", lw=0.8)
ax.set_xlabel("position on the straight line, 0 = MAP, 1 = symmetric copy")
ax.set_ylabel("objective f (NLL + penalty)")
ax.set_title("Two equal minima and a wall between them", fontsize=11)
fig.legend(loc="outside lower center", ncols=2, fontsize=9)
save_figure(fig, "network-nll-between-symmetric-copies")
plt.show()

# %% [markdown]
# ## The posterior is multimodal
#
# By the same symmetries every posterior mode that no symmetry fixes (units distinct and
# non-zero, as at the MAP) comes with 47 other copies of the same mass. A consequence that holds
# whatever the sampler does: flipping unit $j$ maps the posterior onto itself and
# $A_j, a_j, V_{1j}$ onto their negatives, so the exact posterior mean of every parameter except
# the output bias $c_1$ is zero. Summaries of the raw weights from a few chains do not estimate
# that; they describe whichever copies the chains happened to visit, so no table of them is
# shown here.
#
# We sample with NUTS (the No-U-Turn Sampler, PyMC's default Hamiltonian Monte Carlo method).
# A chain is one sequence of draws, each depending on the previous one, from its own starting
# point (`initvals`); its first `tune` steps adapt the step size and are discarded. A
# divergence is a failed numerical trajectory, a sign of a region the sampler cannot explore
# reliably. We run four chains from dispersed random points (drawn as the optimiser's starts
# were), so that each can settle in a different copy; `ce.capture_sampler_messages` collects
# PyMC's log messages instead of printing them.

# %%
initvals = [as_point(2.0 * rng.standard_normal(13)) for _ in range(4)]
draws, tune = (200, 250) if FAST else (300, 300)
options = dict(cores=1, init="adapt_diag", progressbar=False, compute_convergence_checks=False)
with model, ce.capture_sampler_messages() as sampler_messages:
    dt = pm.sample(
        draws, tune=tune, chains=4, initvals=initvals, random_seed=RANDOM_SEED, **options
    )
n_divergent = int(dt.sample_stats.to_dataset()["diverging"].values.sum())
posterior = ce.posterior_networks(dt.posterior)  # (chain, draw, 13 parameters)
nets = [[ce.unpack_network(t, d, H_units, K) for t in chain] for chain in posterior]


def copy_label(net):
    """Which of the 48 copies a network is in, as a tuple of 6 numbers: the signs of V_1
    (which units are flipped), then the order of the flipped units' directions (the
    permutation)."""
    signs = np.where(net.output_weights[1] < 0, -1, 1)
    return tuple(signs) + tuple(np.argsort(sort_key(ce.flip_hidden(net, signs))))


labels = [{copy_label(n) for n in chain} for chain in nets]
print(f"divergences: {n_divergent}; copies visited by each chain: {[len(s) for s in labels]}")
n_distinct = len(set().union(*labels))  # the R-hat and p_D checks below depend on it
print(f"distinct copies over the 4 chains: {n_distinct}")
print(f"(chance that 2+ of 4 chains in random copies share one: {1 - 47 * 46 * 45 / 48**3:.2f})")

# %% [markdown]
# Each chain stays in one copy: every draw of a chain has the same signs of $V_1$ and order of
# units, as the wall above predicts. Whether two chains share a copy is luck. $\hat R$ compares
# chains. ArviZ's default, the rank-normalised split-$\hat R$ of Vehtari et al. (2021), splits
# each chain in half, replaces the draws by normal scores of their ranks, and computes
# $\hat R = \sqrt{\widehat{\operatorname{var}}^+ / W}$, where $W$ is the mean within-half-chain
# variance and $\widehat{\operatorname{var}}^+$ adds the variance between the half-chain means;
# it reports the larger of this and the same for the folded draws $|\theta - \text{median}|$.
# It is close to 1 when all chains sample the same distribution. ESS, the effective sample
# size, is the number of independent draws that would give the same Monte Carlo error. On the
# raw weights $\hat R$ detects the different copies, while on quantities that the symmetries
# leave unchanged it checks whether the chains agree on them: the log-likelihood of the data,
# the predicted probability at three points, and each parameter in canonical form. The MCSE
# (Monte Carlo standard error of a posterior mean, the posterior sd over $\sqrt{\text{ESS}}$,
# with ArviZ's ESS for the mean) states each mean's precision; the MAP plug-in and the truth
# are shown beside it.

# %%
canon = np.array([[canonical(n) for n in chain] for chain in nets])
x_probe = np.array([[0.0, 0.0], [1.5, 0.0], [0.0, -1.5]])
prob_probe = np.array([[n.predict_proba(x_probe)[:, 1] for n in chain] for chain in nets])
invariants = {"log-likelihood": np.array([[-objective_at(t, None) for t in c] for c in posterior])}
invariants |= {
    f"q(y=1 | x=({x[0]:g}, {x[1]:g}))": prob_probe[..., j] for j, x in enumerate(x_probe)
}
stats_fns = {"posterior mean": np.mean, "MCSE": az.mcse, "ess_bulk": az.ess, "r_hat": az.rhat}
diag = pd.DataFrame({k: [float(f(v)) for v in invariants.values()] for k, f in stats_fns.items()})
diag.index = list(invariants)
diag["MAP"] = [-best.nll, *best.model.predict_proba(x_probe)[:, 1]]
diag["truth"] = [-ce.network_nll_grad(X, y, true_net)[0], *true_net.predict_proba(x_probe)[:, 1]]
rhat_raw = np.array([float(az.rhat(posterior[..., j])) for j in range(12)])  # all but c_1
rhat_canon = np.array([float(az.rhat(canon[..., j])) for j in range(13)])
checked = [*invariants.values(), *np.moveaxis(canon, -1, 0)]
ess_low = np.array([min(float(az.ess(v)), float(az.ess(v, method="folded"))) for v in checked])
print(f"r_hat of the 12 raw weights: {rhat_raw.min():.2f} to {rhat_raw.max():.2f}")
print(f"13 canonical parameters: r_hat <= {rhat_canon.max():.3f}, ess >= {ess_low[4:].min():.0f}")
diag.round(3)

# %% tags=["hide-input"]
# Check: no divergences; one copy per chain. The R-hat threshold is an approximation derived
# for plain split-R-hat (applied here to ArviZ's rank-normalised, folded version): when 8
# half-chains agree, each half-chain mean has variance ~ 8 sd^2 / ESS, so
# R-hat^2 - 1 <~ (8 / ESS) chi^2_7 / 7. Each of the 17 quantities has two R-hats (bulk,
# folded): each threshold is the chi^2_7 quantile at 1 - 0.01 / 34, a 1% family-wise false
# alarm; ESS >= 100 keeps >= 12 effective draws per half-chain for the normal approximation.
# When the chains are in two or more distinct copies, some raw weight must exceed the largest
# threshold (a weight whose slot holds the same unit with the same sign in every chain would
# not); if all four shared one copy (chance ~1e-5) raw R-hat would be near 1 too. Each canonical unit stays within
# 60 degrees (half the spacing) of the MAP's unit in its slot; a draw sorted across the branch
# cut would be > 60 degrees off, so the canonical order is unambiguous.
assert n_divergent == 0 and all(len(s) == 1 for s in labels) and ess_low.min() > 100
limit = np.sqrt(1 + 8 / ess_low * stats.chi2.ppf(1 - 0.01 / 34, 7) / 7)
assert (np.r_[diag["r_hat"], rhat_canon] < limit).all()
assert rhat_raw.max() > limit.max() or n_distinct == 1
key = lambda n: np.rad2deg(sort_key(ce.canonical_network(n, sort_key=sort_key)))  # noqa: E731
off = np.abs(np.array([[key(n) for n in c] for c in nets]) - key(best.model)).max(axis=-1)
print(f"largest angle of a canonical unit from the MAP's: {off.max():.0f}°")
assert off.max() < 60
print(f"R-hat thresholds {limit.min():.3f} to {limit.max():.3f}")

# %% [markdown]
# What $\hat R$ shows here, precisely:
#
# - On the raw weights it is far above 1 (printed range) because the chains are in different
#   symmetric copies (here as many as printed above; were all four in one copy, raw $\hat R$
#   would be close to 1 as well). In parameter space they have not converged to the posterior, which is the equal
#   mixture of all 48 copies, and their raw means are no estimate of the true ones (zero).
# - On the invariant quantities it is close to 1: the four chains, started at dispersed points,
#   found the same mode up to symmetry and agree on everything the symmetries leave unchanged.
#   For such quantities every copy has the same distribution, so one copy is enough; if this
#   mode (with its 48 copies) holds essentially all the posterior mass, these posterior means,
#   good to the MCSE shown, are the model's predictions.
# - Neither proves that every mode has been visited. Four chains visit at most four of the 48
#   copies, and a mode that no chain found leaves no trace in $\hat R$ at all; the two-unit
#   network showed that network likelihoods do have worse local optima. No diagnostic computed
#   from the chains alone can rule such a mode out.
#
# The posterior mean is not the mode: in canonical form, the draws' mean lies further out than
# the MAP along the MAP's direction, by many MCSE and by a sizeable fraction of the posterior
# sd along that direction (both printed below). A Laplace approximation, a Gaussian centred at
# the MAP, would misplace the posterior's centre along that direction.
#
# The figure shows two of the twelve weights, chosen from the draws so that the four chains'
# raw clouds are well apart (the pair in which the two closest chains' means are furthest
# apart): the separation shown is the largest of 66 pairs, selected, not typical. In the raw
# parameters each chain forms its own cloud; a slot holds a different unit in each copy, so
# the clouds differ in shape. After canonicalisation the chains' distributions of each weight
# (right) lie on top of each other.

# %%
names = [f"A[{j},{m}]" for j in range(3) for m in range(2)] + [f"a[{j}]" for j in range(3)]
names += [f"V[1,{j}]" for j in range(3)]
means = posterior[..., :12].mean(axis=1)  # (chain, weight)
ix, iy = max(itertools.combinations(range(12), 2), key=lambda ij: pdist(means[:, list(ij)]).min())
fig, axes = plt.subplots(1, 3, figsize=(14, 4.8), width_ratios=[1.2, 1, 1])
for c in range(4):
    axes[0].scatter(
        posterior[c, ::2, ix], posterior[c, ::2, iy], s=10, alpha=0.6, label=f"chain {c}"
    )
    for ax, j in zip(axes[1:], (ix, iy)):
        ax.hist(canon[c, :, j], bins=12, histtype="step", density=True, lw=1.5)
axes[0].set(xlabel=f"raw {names[ix]}", ylabel=f"raw {names[iy]}")
axes[0].set_title("raw draws: one symmetric copy per chain", fontsize=12)
for ax, j in zip(axes[1:], (ix, iy)):
    ax.set(xlabel=f"canonical {names[j]}", ylabel="density", yticks=[])
    ax.set_title("canonical: the same in every chain", fontsize=12)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=10)
save_figure(fig, "network-posterior-symmetric-modes")
plt.show()

# %% tags=["hide-input"]
# Check: the mean is not the mode. Each canonical draw projected on the MAP's direction; the
# mean of the projections exceeds the MAP's length by more than 3 MCSE of that mean.
map_canon = canonical(best.model)
along = canon @ (map_canon / np.linalg.norm(map_canon))  # (chain, draw)
excess_along, mcse_along = along.mean() - np.linalg.norm(map_canon), float(az.mcse(along))
print(f"canonical mean beyond the MAP along its direction: {excess_along:.2f}", end=" ")
print(f"(MCSE {mcse_along:.2f}; {excess_along / along.std():.2f} posterior sd along it)")
assert excess_along > 3 * mcse_along

# %% [markdown]
# ## What this gives us
#
# Replacing the linear logits by a network changes nothing in the derivation: the negative
# log-likelihood is still the summed cross entropy, and minimising it (plus the prior's
# penalty) is still exactly what PyMC's MAP does. What changes is the geometry. The likelihood
# of a network is invariant under permutations and sign flips of the hidden units, so every
# optimum that no symmetry fixes comes with $J!\,2^J$ equal copies, separated by walls that
# the sampler did not cross; and it can have worse local optima and saddles besides, as the
# two-unit network and the dead unit showed. Maximum likelihood then picks one member of a set
# of equivalent points, while the posterior is a mixture over all of them. $\hat R$ must be
# read with that in mind: on raw weights it flags chains in different copies, on invariant
# quantities it checks that the chains agree, and on neither does it show that all modes were
# found. Statements about the model are best made about the function it computes rather than
# about its weights.
#
# ## Exercises
#
# **1 (easy).** How many *distinct* parameter vectors do the 48 symmetries make of the saddle
# `stuck` (unit 2 dead, the two others distinct and non-zero)? How many of a network with
# $J = 4$ hidden units whose weights are in general position?

# %% [markdown]
# :::{dropdown} Solution
# The symmetries form a group of $J!\,2^J$ operations, and the number of distinct images of a
# point is the group's size divided by the number of operations that leave the point unchanged
# (the orbit–stabiliser theorem). For the saddle, flipping the dead unit changes nothing, and
# no other operation fixes it (any permutation moving the dead unit puts a live one in its
# slot): $48 / 2 = 24$ distinct vectors. Directly: the dead unit can sit in any of 3 slots, the
# two live units in either order, each with either sign: $3 \times 2 \times 2^2 = 24$. Four units
# in general position are fixed only by the identity: $4! \cdot 2^4 = 384$. (A random draw of
# weights from a continuous distribution is in general position with probability 1.)
# :::

# %% tags=["hide-cell"]
# Count distinct images exactly (the symmetries only reorder and negate entries; -0.0 == 0.0).
nets_ex = {"saddle": stuck.model, "J = 4": ce.random_network(d, 4, K, rng, scale=2.0)}
n_images = {
    k: len({tuple(ce.pack_network(c)) for c in ce.symmetric_networks(n)})
    for k, n in nets_ex.items()
}
print(n_images)
assert n_images == {"saddle": 24, "J = 4": 384}

# %% [markdown]
# **2 (medium).** At $N = 400$ the network's excess test NLL over the true network was close to
# $k/(2N) = 0.016$. Predict it for $N = 1{,}600$ training observations, then fit a network to
# 1,600 new draws (starting from the true network) and measure it on the same test set.

# %% [markdown]
# :::{dropdown} Solution
# Near a locally identifiable optimum of a correctly specified model, $2N$ times the excess of
# the *MLE* is about $\chi^2_{13}$: mean $13/3200 = 0.0041$, a quarter of the value at
# $N = 400$, and sd $\sqrt{26}/3200 = 0.0016$. The fit is the MAP: the prior moves it by
# order $1/N$, which adds order $1/N^{3/2}$ to the excess (cross term with the MLE's
# $1/\sqrt N$ error) and order $1/N^2$ (its square), both of higher order than $13/(2N)$.
# Starting at the truth is an oracle start: it selects the optimum next to the truth, the
# consistent root the theory describes (any of its 48 copies would do as well), and so shows
# that root's behaviour, not that of a fit from random starts.
# :::

# %% tags=["hide-cell"]
# The 0.1% and 99.9% quantiles of chi2_13 / (2N), widened by 3 paired s.e. of the test set: a
# 0.2% false alarm. Only the upper end tests anything (lo - 3 se < 0 here): it fails an excess
# that did not shrink, 0.016, the N = 400 size, being far above. The Fisher information at the
# truth, sum_i p_i (1 - p_i) grad z_i grad z_i^T over the N = 400 inputs (z the class-1 logit),
# is positive definite: the local identifiability the chi^2_k law assumes.
X_4, y_4, _ = ce.simulate_network(4 * N, true_net, rng)
fit_4 = ce.fit_network(X_4, y_4, true_net, prior_sd=SIGMA)
excess_4 = -ce.categorical_log_pmf(y_test, ce.log_softmax(ce.network_logits(X_test, fit_4.model)))
excess_4 -= test_nll["true network"]
se_4 = excess_4.std(ddof=1) / np.sqrt(excess_4.size)
lo, hi = stats.chi2(13).ppf([1e-3, 1 - 1e-3]) / (2 * 4 * N)
print(f"excess at N = {4 * N}: {excess_4.mean():.4f} ± {se_4:.4f}; 13/(2N) = {13 / (8 * N):.4f}")
assert fit_4.converged and lo - 3 * se_4 < excess_4.mean() < hi + 3 * se_4 < 13 / (2 * N)
t_h = np.tanh(X @ true_net.hidden_weights.T + true_net.hidden_bias)  # (N, 3)
dz = true_net.output_weights[1] * (1 - t_h**2)  # dz / da_j
grad_z = np.column_stack([(dz[:, :, None] * X[:, None, :]).reshape(N, 6), dz, t_h, np.ones(N)])
fisher = grad_z.T @ (grad_z * (p_true[:, 1] * p_true[:, 0])[:, None])
eig_truth = np.linalg.eigvalsh(fisher).min()
print(f"smallest eigenvalue of the Fisher information at the truth: {eig_truth:.2f}")
assert eig_truth > 1e-6 * np.linalg.eigvalsh(fisher).max()  # far above rounding

# %% [markdown]
# **3 (harder).** DIC (Spiegelhalter, Best, Carlin and van der Linde 2002, *JRSS B* 64)
# measures a model's effective number of parameters by
# $p_D = 2\,[\ell(\bar\theta) - \overline{\ell(\theta)}]$: twice the log-likelihood at the
# posterior mean $\bar\theta$ minus the posterior mean of the log-likelihood. Predict $p_D$
# with $\bar\theta$ the mean of the raw draws pooled over the four
# chains, and with $\bar\theta$ the mean of the canonical draws.

# %% [markdown]
# :::{dropdown} Solution
# Write $H_\ell = -\nabla^2 \ell$ for the Hessian of the NLL and $\Sigma$ for the posterior
# covariance. Expanding $\ell$ to second order around $\bar\theta$, the linear term averages
# to zero over the posterior (as $\bar\theta$ is its mean), so
# $\mathbb{E}[\ell(\bar\theta) - \ell(\theta)] \approx \tfrac12 \operatorname{tr}(H_\ell \Sigma)$
# and $p_D \approx \operatorname{tr}(H_\ell \Sigma)$. With the Laplace approximation
# $\Sigma \approx H_f^{-1}$ ($H_f$, the Hessian of $f$, adds the prior's $1/\sigma^2$) this is
# $\operatorname{tr}(H_\ell H_f^{-1})$: each direction counts by the share of its curvature
# that comes from the data, so $p_D$ is positive and below 13. The canonical draws lie in one
# copy and their mean is a network near the MAP, so $p_D$ should be of that size; not equal
# to its value at the MAP, because the posterior is skewed (its mean lies beyond the MAP, as
# shown above), so $\ell$ is not quadratic over the posterior's spread: even with the draws'
# own covariance and $H_\ell$ at their mean, $\operatorname{tr}(H_\ell \Sigma)$ differs from
# $p_D$ by a few units (printed below; the cubic terms that skew the posterior enter $p_D$). When
# the chains are in two or more copies, the mean of the pooled raw draws averages different
# networks, like the points of the wall section: $\ell(\bar\theta)$ is far below every
# draw's and $p_D$ is negative, a nonsense value (if all four chains shared one copy it would
# equal the canonical one). Every summary that averages raw weights across copies fails the
# same way.
# :::

# %% tags=["hide-cell"]
# Monte Carlo error: the four chains as batches (each stays in one copy, so the mean of its raw
# draws is a symmetric image of its canonical mean): a t test with 3 df, quantile 1 - 1e-3.
# The pooled raw mean is, chain by chain, an average of copies of one network: the least
# harmful mixture of the MAP with one other copy, weights 1/4 or 1/2, already lowers the
# log-likelihood by the printed amount, more than p_D / 2, so with >= 2 copies p_D < 0.
loglik_draws = invariants["log-likelihood"]
p_D = {
    name: 2 * (-objective_at(v.reshape(-1, 13).mean(axis=0), None) - loglik_draws.mean())
    for name, v in (("raw, pooled", posterior), ("canonical", canon))
}
per_chain = [
    2 * (-objective_at(t.mean(axis=0), None) - ll.mean()) for t, ll in zip(posterior, loglik_draws)
]
se_pD, t_3 = np.std(per_chain, ddof=1) / 2, stats.t(3).ppf(1 - 1e-3)
mean_net = ce.unpack_network(canon.reshape(-1, 13).mean(axis=0), d, H_units, K)
tr_draws = np.trace(objective_hessian(mean_net, None) @ np.cov(canon.reshape(-1, 13).T))
laplace_pD = np.trace(
    np.linalg.solve(objective_hessian(best.model), objective_hessian(best.model, None))
)
mixtures = [(1 - w) * theta_hat + w * t for t in copy_thetas[1:] for w in (0.25, 0.5)]
mix_drop = min(objective_at(m, None) for m in mixtures) - best.nll
print(", ".join(f"p_D, {k}: {v:.1f}" for k, v in p_D.items()), f"(batch s.e. {se_pD:.2f})")
print(f"tr(H_l Sigma), draws' covariance {tr_draws:.1f}; tr(H_l H_f^-1), MAP {laplace_pD:.1f}")
print(f"log-likelihood drop of the least harmful two-copy mixture: {mix_drop:.1f}")
assert p_D["canonical"] - t_3 * se_pD > 0 and mix_drop > 13
one_copy = abs(p_D["raw, pooled"] - p_D["canonical"]) < 1e-6  # all chains in one copy
assert p_D["raw, pooled"] < 0 if n_distinct > 1 else one_copy

# ## References
#
# - Sussmann, H. J. (1992). Uniqueness of the weights for minimal feedforward nets with a given
#   input-output map. *Neural Networks* 5(4), 589–593.
# - Neal, R. M. (1996). *Bayesian Learning for Neural Networks*. Lecture Notes in Statistics
#   118, Springer.
# - Jasra, A., Holmes, C. C. and Stephens, D. A. (2005). Markov chain Monte Carlo methods and
#   the label switching problem in Bayesian mixture modeling. *Statistical Science* 20(1),
#   50–67.
# - Garipov, T., Izmailov, P., Podoprikhin, D., Vetrov, D. and Wilson, A. G. (2018). Loss
#   surfaces, mode connectivity, and fast ensembling of DNNs. *NeurIPS* 31.
# - Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
#   Rank-normalization, folding, and localization: an improved $\hat R$ for assessing
#   convergence of MCMC. *Bayesian Analysis* 16(2), 667–718.

# %% tags=["hide-cell"]
# %load_ext watermark
# %watermark -n -u -v -iv -w
