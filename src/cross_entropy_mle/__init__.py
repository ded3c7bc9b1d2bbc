"""Cross entropy is the negative log-likelihood of a categorical model: executable checks.

The modules, from the bottom up (each imports only those above it):

``validate``     input checks of every public function
``losses``       log-softmax, cross entropy, the categorical log-pmf, Brier and other scores
``model``        softmax regression: logits, probabilities, the pivot parametrisation
``objective``    the softmax-regression objective, written once (loss, gradient, Hessian)
``standardise``  column centring and scaling, and the parameter map back
``convergence``  the result of every fitter and the one convergence policy
``newton``       the inexact Newton solver and the MLE certificate
``separation``   when no MLE exists (empty classes, rank, separation)
``optimise``     the generic optimiser over any differentiable logit function
``fit``          the public fitters: MLE, L2 MAP, Brier, linear probability
``inference``    Hessian, standard errors, Wald intervals, posteriors, optimiser paths
``likelihood``   the likelihood on a grid of θ and its integral
``calibration``  reliability curves and population cross entropy
``network``      a one-hidden-layer network fitted by the same loss
``symmetry``     the network's relabelling and sign-flip symmetries
``simulate``     the generative process
``plotting``, ``config``  figures and run settings of the notebooks
``compare``      the MLE by scikit-learn, statsmodels and PyMC
``pymc``         the PyMC layer (imported on first use: ``import cross_entropy_mle`` loads
                 neither PyMC nor PyTensor)
"""

import importlib

from .calibration import (
    CrossEntropyDecomposition,
    ReliabilityCurve,
    population_cross_entropy,
    reliability_curve,
)
from .convergence import ConvergenceWarning, FitResult
from .fit import fit_brier, fit_cross_entropy, fit_l2, fit_linear_probability
from .inference import (
    PosteriorSample,
    gradient_descent_path,
    importance_posterior,
    nll_hessian,
    standard_errors,
    wald_intervals,
)
from .likelihood import log_integral, log_likelihood_grid
from .losses import (
    absolute_score,
    brier_score,
    categorical_log_pmf,
    cross_entropy,
    entropy,
    expected_score,
    kl_divergence,
    log_softmax,
    negative_log_likelihood,
    one_hot,
    score_logits,
    softmax,
)
from .model import SoftmaxRegression, linear_predictor, pack_params, to_pivot, unpack_params
from .network import (
    Network,
    fit_network,
    network_logit_fn,
    network_logits,
    network_nll_grad,
    pack_network,
    random_network,
    simulate_network,
    unpack_network,
)
from .objective import SoftmaxRegressionLoss
from .optimise import linear_logit_fn, minimise_score
from .separation import SeparationError, separation_direction
from .simulate import SimulatedData, sample_features, sample_labels, simulate
from .symmetry import canonical_network, flip_hidden, permute_hidden, symmetric_networks

__version__ = "0.2.0"

#: Names served on first use from the PyMC layer and the reference implementations.
_LAZY = {
    "softmax_regression_model": "pymc.models",
    "fit_map": "pymc.map",
    "overparametrised_model": "pymc.models",
    "zero_sum_model": "pymc.models",
    "model_graph": "pymc.models",
    "network_model": "pymc.network",
    "fit_network_map": "pymc.network",
    "posterior_networks": "pymc.network",
    "capture_sampler_messages": "pymc.sampling",
    "compare_estimates": "compare",
    "fit_sklearn": "compare",
    "fit_statsmodels": "compare",
}

__all__ = [
    "ConvergenceWarning",
    "CrossEntropyDecomposition",
    "FitResult",
    "Network",
    "PosteriorSample",
    "ReliabilityCurve",
    "SeparationError",
    "SimulatedData",
    "SoftmaxRegression",
    "SoftmaxRegressionLoss",
    "absolute_score",
    "brier_score",
    "canonical_network",
    "categorical_log_pmf",
    "cross_entropy",
    "entropy",
    "expected_score",
    "fit_brier",
    "fit_cross_entropy",
    "fit_l2",
    "fit_linear_probability",
    "fit_network",
    "flip_hidden",
    "gradient_descent_path",
    "importance_posterior",
    "kl_divergence",
    "linear_logit_fn",
    "linear_predictor",
    "log_integral",
    "log_likelihood_grid",
    "log_softmax",
    "minimise_score",
    "negative_log_likelihood",
    "network_logit_fn",
    "network_logits",
    "network_nll_grad",
    "nll_hessian",
    "one_hot",
    "pack_network",
    "pack_params",
    "permute_hidden",
    "population_cross_entropy",
    "random_network",
    "reliability_curve",
    "sample_features",
    "sample_labels",
    "score_logits",
    "separation_direction",
    "simulate",
    "simulate_network",
    "softmax",
    "standard_errors",
    "symmetric_networks",
    "to_pivot",
    "unpack_network",
    "unpack_params",
    "wald_intervals",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
