"""Cross entropy is the negative log-likelihood of a categorical model: executable checks.

The NumPy/SciPy core (:mod:`.losses`, :mod:`.simulate`, :mod:`.fit`, :mod:`.likelihood`) never
imports PyMC; the PyMC layer (:mod:`.pymc_models`) and the comparison with independent
references (:mod:`.compare`) are imported on first use.
"""

from .fit import (
    ConvergenceWarning,
    FitResult,
    SeparationError,
    fit_cross_entropy,
    pack_params,
    separation_direction,
    unpack_params,
)
from .inference import (
    PosteriorSample,
    fit_l2,
    gradient_descent_path,
    importance_posterior,
    to_pivot,
    wald_intervals,
)
from .likelihood import log_integral, log_likelihood_grid
from .losses import (
    categorical_log_pmf,
    cross_entropy,
    log_softmax,
    logits,
    negative_log_likelihood,
    nll_grad,
    one_hot,
    softmax,
)
from .network import (
    Network,
    NetworkFit,
    canonical_network,
    fit_network,
    flip_hidden,
    network_logit_fn,
    network_logits,
    network_nll_grad,
    pack_network,
    permute_hidden,
    random_network,
    simulate_network,
    symmetric_networks,
    unpack_network,
)
from .scoring import (
    ConvergenceError,
    absolute_score,
    brier_score,
    entropy,
    expected_score,
    fit_brier,
    fit_linear_probability,
    fit_logits,
    kl_divergence,
    linear_logit_fn,
    population_cross_entropy,
    reliability_curve,
    score_logits,
)
from .simulate import SimulatedData, sample_features, simulate

__version__ = "0.1.0"

_LAZY = {
    "softmax_regression_model": "pymc_models",
    "fit_map": "pymc_models",
    "compare_estimates": "compare",
    "fit_sklearn": "compare",
    "fit_statsmodels": "compare",
    "network_model": "pymc_network",
    "fit_network_map": "pymc_network",
    "posterior_networks": "pymc_network",
    "overparametrised_model": "pymc_variants",
    "zero_sum_model": "pymc_variants",
    "capture_sampler_messages": "pymc_variants",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
