"""The data set the fitting tests share: overlapping classes, so the MLE exists."""

import numpy as np

import cross_entropy_mle as ce


def simulated(seed, n=400, d=2, k=3, scale=0.8):
    """Overlapping classes from moderate true weights (the MLE exists)."""
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=scale, size=(k, d))
    b = rng.normal(scale=0.3, size=k)
    X, y, _ = ce.simulate(n, W, b, rng)
    return X, y
