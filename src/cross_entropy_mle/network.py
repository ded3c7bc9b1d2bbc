r"""A one-hidden-layer tanh network as the model :math:`q(y \mid x; \theta)`, by cross entropy.

.. math:: z(x) = V \tanh(A x + a) + c, \qquad q(y \mid x; \theta) = \operatorname{softmax}(z(x))_y

with :math:`A \in \mathbb{R}^{H \times d}`, :math:`a \in \mathbb{R}^H` (the hidden layer) and
:math:`V \in \mathbb{R}^{K \times H}`, :math:`c \in \mathbb{R}^K` (the output layer). As in softmax
regression, class 0 is the pivot: :math:`V_0 = 0`, :math:`c_0 = 0`.

The likelihood does not identify θ. Relabelling the hidden units (a permutation :math:`\pi`)
and flipping the sign of a unit (:math:`\tanh(-u) = -\tanh(u)`, so negating its row of
:math:`A`, its entry of :math:`a` and its column of :math:`V` changes nothing) leave every logit
unchanged: each parameter vector has :math:`H!\, 2^H` equivalents with exactly the same
likelihood (:mod:`~cross_entropy_mle.symmetry`). Everything here is NumPy/SciPy only.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .convergence import FitResult
from .losses import score_logits, softmax
from .optimise import minimise_score
from .simulate import SimulatedData, sample_features, sample_labels
from .validate import check_finite_array, check_int, check_positive, check_rng, check_X_y

__all__ = [
    "Network",
    "check_network",
    "fit_network",
    "network_logit_fn",
    "network_logits",
    "network_nll_grad",
    "pack_network",
    "random_network",
    "simulate_network",
    "unpack_network",
]


@dataclass(frozen=True)
class Network:
    """Parameters of a one-hidden-layer tanh network (pivot class 0).

    Attributes
    ----------
    hidden_weights : ndarray of shape (n_hidden, n_features)
        A.
    hidden_bias : ndarray of shape (n_hidden,)
        a.
    output_weights : ndarray of shape (n_classes, n_hidden)
        V, row 0 zero.
    output_bias : ndarray of shape (n_classes,)
        c, entry 0 zero.
    """

    hidden_weights: np.ndarray
    hidden_bias: np.ndarray
    output_weights: np.ndarray
    output_bias: np.ndarray

    def __post_init__(self):
        A = check_finite_array(self.hidden_weights, "hidden_weights", ndim=2)
        a = check_finite_array(self.hidden_bias, "hidden_bias", ndim=1)
        V = check_finite_array(self.output_weights, "output_weights", ndim=2)
        c = check_finite_array(self.output_bias, "output_bias", ndim=1)
        H = A.shape[0]
        if a.shape != (H,):
            raise ValueError(f"hidden_bias must have shape ({H},), got {a.shape}")
        if V.shape[1] != H or c.shape != (V.shape[0],):
            raise ValueError(
                f"output_weights must have shape (n_classes, {H}) and output_bias "
                f"(n_classes,), got {V.shape} and {c.shape}"
            )
        if V.shape[0] < 2:
            raise ValueError(f"the network needs at least 2 classes, got {V.shape[0]}")
        if np.any(V[0] != 0) or c[0] != 0:
            raise ValueError("class 0 is the pivot: output_weights[0] and output_bias[0] must be 0")
        for name, arr in (
            ("hidden_weights", A),
            ("hidden_bias", a),
            ("output_weights", V),
            ("output_bias", c),
        ):
            object.__setattr__(self, name, arr)

    @property
    def n_features(self):
        return self.hidden_weights.shape[1]

    @property
    def n_hidden(self):
        return self.hidden_weights.shape[0]

    @property
    def n_classes(self):
        return self.output_weights.shape[0]

    def predict_proba(self, X):
        """Class probabilities softmax(z(x)), shape (n_samples, n_classes)."""
        return softmax(network_logits(X, self))


def pack_network(net: "Network") -> np.ndarray:
    """Flatten a :class:`Network` into one parameter vector.

    Returns
    -------
    ndarray of shape (n_hidden * (n_features + 1) + (n_classes - 1) * (n_hidden + 1),)
        ``[A.ravel(), a, V[1:].ravel(), c[1:]]``.
    """
    check_network(net)
    return np.concatenate(
        [
            net.hidden_weights.ravel(),
            net.hidden_bias,
            net.output_weights[1:].ravel(),
            net.output_bias[1:],
        ]
    )


def unpack_network(theta: ArrayLike, n_features: int, n_hidden: int, n_classes: int) -> "Network":
    """Inverse of :func:`pack_network`.

    Parameters
    ----------
    theta : array_like of shape (n_params,)
    n_features, n_hidden, n_classes : int

    Returns
    -------
    Network
    """
    d = check_int(n_features, "n_features", 1)
    H = check_int(n_hidden, "n_hidden", 1)
    K = check_int(n_classes, "n_classes", 2)
    theta = check_finite_array(theta, "theta", ndim=1)
    n_par = H * (d + 1) + (K - 1) * (H + 1)
    if theta.size != n_par:
        raise ValueError(
            f"theta must have {n_par} entries for d={d}, H={H}, K={K}, got {theta.size}"
        )
    A = theta[: H * d].reshape(H, d)
    a = theta[H * d : H * (d + 1)]
    rest = theta[H * (d + 1) :]
    V = np.zeros((K, H))
    V[1:] = rest[: (K - 1) * H].reshape(K - 1, H)
    c = np.zeros(K)
    c[1:] = rest[(K - 1) * H :]
    return Network(A.copy(), a.copy(), V, c)


def random_network(
    n_features: int, n_hidden: int, n_classes: int, rng: np.random.Generator, scale: float = 1.0
) -> "Network":
    r"""A network with independent :math:`\mathcal{N}(0, \text{scale}^2)` free parameters.

    Parameters
    ----------
    n_features, n_hidden, n_classes : int
    rng : numpy.random.Generator
    scale : float

    Returns
    -------
    Network
    """
    d = check_int(n_features, "n_features", 1)
    H = check_int(n_hidden, "n_hidden", 1)
    K = check_int(n_classes, "n_classes", 2)
    check_rng(rng)
    scale = check_positive(scale, "scale")
    n_par = H * (d + 1) + (K - 1) * (H + 1)
    return unpack_network(scale * rng.standard_normal(n_par), d, H, K)


def network_logits(X: ArrayLike, net: "Network") -> np.ndarray:
    r"""Logits :math:`z_i = V \tanh(A x_i + a) + c` of every sample.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    net : Network

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    X = _check_X(X, net)
    return (
        np.tanh(X @ net.hidden_weights.T + net.hidden_bias) @ net.output_weights.T + net.output_bias
    )


def network_nll_grad(X: ArrayLike, y: ArrayLike, net: "Network") -> tuple[float, "Network"]:
    r"""Summed NLL of the network and its gradient, by backpropagation.

    With :math:`s_i = \tanh(A x_i + a)`, :math:`q_i = \operatorname{softmax}(V s_i + c)` and
    :math:`g_i = q_i - h_i` (the gradient of the NLL with respect to the logits):

    .. math::
        \nabla_V = \sum_i g_i s_i^\top, \quad \nabla_c = \sum_i g_i, \quad
        \delta_i = (V^\top g_i) \odot (1 - s_i^2), \quad
        \nabla_A = \sum_i \delta_i x_i^\top, \quad \nabla_a = \sum_i \delta_i

    Row 0 of :math:`\nabla_V` and entry 0 of :math:`\nabla_c` are set to zero (the pivot is fixed).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    net : Network

    Returns
    -------
    nll : float
        Summed negative log-likelihood.
    grad : Network
        The gradient, with the same shapes as ``net``.
    """
    X = _check_X(X, net)
    X, labels, _ = check_X_y(X, y, net.n_classes)
    S = np.tanh(X @ net.hidden_weights.T + net.hidden_bias)
    nll, G = score_logits(labels, S @ net.output_weights.T + net.output_bias, "log")
    gA, ga, gV, gc = _backprop(X, S, net.output_weights, G)
    return nll, Network(gA, ga, gV, gc)


def network_logit_fn(X: ArrayLike, n_hidden: int, n_classes: int) -> Callable:
    """The network's logit function on packed parameters, for :func:`~.optimise.minimise_score`.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    n_hidden, n_classes : int

    Returns
    -------
    callable
        ``theta -> (Z, vjp)``: the logits of shape (n_samples, n_classes) at the packed
        parameters ``theta`` (see :func:`pack_network`) and their vector–Jacobian product.
    """
    X = check_finite_array(X, "X", ndim=2)
    d = X.shape[1]
    H = check_int(n_hidden, "n_hidden", 1)
    K = check_int(n_classes, "n_classes", 2)

    def logit_fn(theta):
        net = unpack_network(theta, d, H, K)
        S = np.tanh(X @ net.hidden_weights.T + net.hidden_bias)
        Z = S @ net.output_weights.T + net.output_bias

        def vjp(G):
            gA, ga, gV, gc = _backprop(X, S, net.output_weights, G)
            return np.concatenate([gA.ravel(), ga, gV[1:].ravel(), gc[1:]])

        return Z, vjp

    return logit_fn


def fit_network(
    X: ArrayLike,
    y: ArrayLike,
    init: Network,
    *,
    prior_sd: float | None = None,
    gtol: float = 1e-6,
    max_iter: int = 5000,
) -> FitResult:
    r"""Fit the network by minimising the summed cross entropy from a given start.

    .. math:: \hat\theta = \arg\min_\theta \sum_i -\log q(y_i \mid x_i; \theta)
              \;\Big[ + \frac{\|\theta\|^2}{2\sigma^2} \Big]

    A local minimiser only (BFGS from ``init``, see :func:`~cross_entropy_mle.minimise_score`):
    the objective is not convex, and each minimum has :math:`H!\,2^H` symmetric copies. With
    ``prior_sd`` the result is the MAP under independent :math:`\mathcal{N}(0, \sigma^2)`
    priors on every parameter.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of int, shape (n_samples,)
    init : Network
        Starting point; fixes the number of hidden units and classes.
    prior_sd : float, optional
    gtol : float
        Tolerance on the largest gradient entry of the mean objective.
    max_iter : int

    Returns
    -------
    FitResult
        ``model`` the fitted :class:`Network`, ``method="network"``.
    """
    check_network(init, "init")
    X = _check_X(X, init)
    X, labels, K = check_X_y(X, y, init.n_classes)
    return minimise_score(
        network_logit_fn(X, init.n_hidden, K),
        pack_network(init),
        labels,
        K,
        rule="log",
        prior_sd=prior_sd,
        gtol=gtol,
        max_iter=max_iter,
        to_model=lambda theta: unpack_network(theta, init.n_features, init.n_hidden, K),
        name="network",
    )


def simulate_network(
    n: int,
    net: "Network",
    rng: np.random.Generator,
    features: str = "normal",
    means: ArrayLike | None = None,
    scale: float = 1.0,
) -> SimulatedData:
    r"""Simulate the generative process with a network as the true :math:`p(y \mid x)`.

    .. math:: x_i \sim p(x), \qquad
              y_i \mid x_i \sim \operatorname{Cat}(\operatorname{softmax}(z(x_i)))

    Parameters
    ----------
    n : int
    net : Network
        The true parameters.
    rng : numpy.random.Generator
    features, means, scale
        The feature distribution; see :func:`~cross_entropy_mle.sample_features`.

    Returns
    -------
    SimulatedData
        ``X`` (n, n_features), ``y`` (n,) and the true ``probabilities`` (n, n_classes).
    """
    check_network(net)
    X = sample_features(n, net.n_features, rng, features, means, scale)
    p = net.predict_proba(X)
    return SimulatedData(X, sample_labels(p, rng), p)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _backprop(X, S, V, G):
    gV = G.T @ S
    gV[0] = 0.0
    gc = G.sum(axis=0)
    gc[0] = 0.0
    delta = (G @ V) * (1.0 - S**2)
    return delta.T @ X, delta.sum(axis=0), gV, gc


def check_network(net: "Network", name: str = "net") -> "Network":
    """Return ``net`` after checking it is a :class:`Network`; ``name`` is used in the error."""
    if not isinstance(net, Network):
        raise TypeError(f"{name} must be a Network, got {type(net).__name__}")
    return net


def _check_X(X, net):
    check_network(net)
    X = check_finite_array(X, "X", ndim=2)
    if X.shape[1] != net.n_features:
        raise ValueError(f"X has {X.shape[1]} features but the network expects {net.n_features}")
    return X
