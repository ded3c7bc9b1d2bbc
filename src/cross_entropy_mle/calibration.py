r"""Calibration: reliability curves, and the population cross entropy of a model.

A forecaster is *calibrated* when, among the cases it gives probability :math:`t` to an event,
the event happens a fraction :math:`t` of the time. :func:`reliability_curve` bins forecasts and
compares; :func:`population_cross_entropy` computes the expected per-sample NLL of a
softmax-regression model under the generative process, and its split into the entropy of the
truth and the KL divergence from it.
"""

from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import ArrayLike

from .losses import entropy, kl_divergence, log_softmax, softmax
from .model import linear_predictor
from .validate import check_finite_array, check_int

__all__ = [
    "CrossEntropyDecomposition",
    "ReliabilityCurve",
    "population_cross_entropy",
    "reliability_curve",
]


@dataclass(frozen=True)
class ReliabilityCurve:
    r"""Binned calibration of probability forecasts (non-empty bins only).

    Attributes
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges in forecast space; the outer bins also hold forecasts beyond the outer edges.
    mean_predicted : ndarray of shape (n_nonempty,)
        Mean forecast in each bin.
    observed : ndarray of shape (n_nonempty,)
        Observed frequency of the event in each bin.
    count : ndarray of int, shape (n_nonempty,)
        Forecasts in each bin.
    std_error : ndarray of shape (n_nonempty,)
        Standard error of ``observed`` if the forecasts were calibrated:
        :math:`\sqrt{\sum_{i \in \text{bin}} \tilde q_i (1 - \tilde q_i)} / n_\text{bin}`, with
        :math:`\tilde q` the forecasts clipped to [0, 1], treating events as independent.
    """

    bin_edges: np.ndarray
    mean_predicted: np.ndarray
    observed: np.ndarray
    count: np.ndarray
    std_error: np.ndarray

    @property
    def z(self):
        """Standardised deviations ``(observed - mean_predicted) / std_error`` per bin."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.observed - self.mean_predicted) / self.std_error


def reliability_curve(
    h: ArrayLike, q: ArrayLike, n_bins: int = 10, strategy: str = "uniform"
) -> "ReliabilityCurve":
    r"""Reliability curve: observed event frequency against forecast, in bins of the forecast.

    Every pair (sample, class) is one forecast :math:`q_{ik}` of the event :math:`y_i = k`. A
    calibrated forecaster has :math:`P(y = k \mid q_k = t) = t`, so the curve lies on the diagonal
    up to binomial noise.

    Parameters
    ----------
    h : array_like of shape (n_samples, n_classes) or (n_samples,)
        Event indicators, 0 or 1 (one-hot labels, or a single event per sample).
    q : array_like of the same shape as ``h``
        Forecasts; any real numbers (a linear probability model's forecasts may leave [0, 1]).
    n_bins : int
        Number of bins.
    strategy : {"uniform", "quantile"}
        ``"uniform"``: equal-width bins on [0, 1] (forecasts outside go to the outer bins).
        ``"quantile"``: bins with equal numbers of forecasts.

    Returns
    -------
    ReliabilityCurve
    """
    h = check_finite_array(h, "h", ndim=(1, 2)).ravel()
    q = check_finite_array(q, "q", ndim=(1, 2))
    if q.size != h.size:
        raise ValueError(f"h and q must have the same shape, got {h.size} and {q.size} values")
    q = q.ravel()
    if not np.all((h == 0) | (h == 1)):
        raise ValueError("h must hold event indicators 0 or 1")
    n_bins = check_int(n_bins, "n_bins", 1)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(q, np.linspace(0.0, 1.0, n_bins + 1))
    else:
        raise ValueError(f'strategy must be "uniform" or "quantile", got {strategy!r}')
    which = np.clip(np.searchsorted(edges[1:-1], q, side="right"), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    keep = count > 0
    qc = np.clip(q, 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(which, q, n_bins) / count
        observed = np.bincount(which, h, n_bins) / count
        se = np.sqrt(np.bincount(which, qc * (1 - qc), n_bins)) / count
    return ReliabilityCurve(edges, mean_pred[keep], observed[keep], count[keep], se[keep])


@dataclass(frozen=True)
class CrossEntropyDecomposition:
    r"""Population cross entropy of a model, its entropy part and its KL part.

    :math:`H(p, q) = H(p) + \mathrm{KL}(p \| q)`, each term computed separately.

    Attributes
    ----------
    cross_entropy : float
        :math:`\mathbb{E}_x[H(p(\cdot \mid x), q(\cdot \mid x))]`, the expected NLL per sample.
    entropy : float
        :math:`\mathbb{E}_x[H(p(\cdot \mid x))]`, the part no model can remove.
    kl : float
        :math:`\mathbb{E}_x[\mathrm{KL}(p(\cdot \mid x) \,\|\, q(\cdot \mid x))]`, zero iff q = p.
    """

    cross_entropy: float
    entropy: float
    kl: float


def population_cross_entropy(
    true_weights: ArrayLike,
    true_bias: ArrayLike,
    weights: ArrayLike,
    bias: ArrayLike,
    n_nodes: int = 40,
) -> "CrossEntropyDecomposition":
    r"""Expected per-sample NLL of a softmax-regression model under the generative process.

    For :math:`x \sim \mathcal{N}(0, I_d)` and :math:`y \mid x \sim \operatorname{Cat}(p(x))` with
    :math:`p(x) = \operatorname{softmax}(W^* x + b^*)`, the model :math:`q(x) =
    \operatorname{softmax}(W x + b)` has

    .. math:: \mathbb{E}_{x, y}[-\log q_y(x)] = \mathbb{E}_x[H(p(x))]
              + \mathbb{E}_x[\mathrm{KL}(p(x) \,\|\, q(x))].

    The expectation over :math:`x` is a tensor Gauss–Hermite rule with ``n_nodes`` nodes per
    dimension; the sum over :math:`y` is exact.

    Parameters
    ----------
    true_weights : array_like of shape (n_classes, n_features)
    true_bias : array_like of shape (n_classes,)
    weights : array_like of shape (n_classes, n_features)
    bias : array_like of shape (n_classes,)
    n_nodes : int
        Nodes per dimension (``n_nodes ** n_features`` points in all; at most 10**6).

    Returns
    -------
    CrossEntropyDecomposition
    """
    Ws = check_finite_array(true_weights, "true_weights", ndim=2)
    W = check_finite_array(weights, "weights", ndim=2)
    if Ws.shape != W.shape:
        raise ValueError(f"weights must have the shape of true_weights {Ws.shape}, got {W.shape}")
    n_nodes = check_int(n_nodes, "n_nodes", 1)
    d = W.shape[1]
    if n_nodes**d > 10**6:
        raise ValueError(f"n_nodes ** n_features = {n_nodes}**{d} exceeds 10**6 quadrature points")
    t, w = hermegauss(n_nodes)  # weight exp(-t^2 / 2)
    w = w / np.sqrt(2 * np.pi)
    grids = np.meshgrid(*([t] * d), indexing="ij")
    nodes = np.stack(grids, axis=-1).reshape(-1, d) if d else np.zeros((1, 0))
    weights_q = (
        np.prod(np.stack(np.meshgrid(*([w] * d), indexing="ij"), axis=-1).reshape(-1, d), axis=1)
        if d
        else np.ones(1)
    )
    p = softmax(linear_predictor(nodes, Ws, true_bias))
    log_q = log_softmax(linear_predictor(nodes, W, bias))
    # three separate computations, so that H(p, q) = H(p) + KL(p || q) can be checked
    ce = float(weights_q @ -(p * log_q).sum(axis=1))
    ent = float(weights_q @ entropy(p))
    kl = float(weights_q @ kl_divergence(p, np.exp(log_q)))
    return CrossEntropyDecomposition(ce, ent, kl)
