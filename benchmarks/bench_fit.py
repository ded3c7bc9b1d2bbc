"""Time ``fit_cross_entropy`` against scikit-learn's unpenalised multinomial logistic regression.

Simulates N = 200,000 samples with d = 20 features and K = 10 classes from a softmax-regression
model with moderate weights (so the MLE exists), fits it by :func:`cross_entropy_mle.fit_cross_entropy`
and by ``LogisticRegression(C=np.inf, max_iter=10000)`` with its default tolerance, each a few
times in this one process, and prints the median times, their ratio, the summed NLL and the
gradient norm of each fit (both from :func:`cross_entropy_mle.nll_grad` over the pivot free
parameters), and the largest parameter difference.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_fit.py``).
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

import cross_entropy_mle as ce

N, D, K = 200_000, 20, 10
SEED = 20_260_101
TARGET_RATIO = 0.5


def make_data(n=N, d=D, k=K, seed=SEED):
    """Simulated features and labels; the true weights have row norms of about 1."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, 1.0 / np.sqrt(d), size=(k, d))
    bias = rng.normal(0.0, 0.5, size=k)
    weights[0], bias[0] = 0.0, 0.0
    X, y, _ = ce.simulate(n, weights, bias, rng)
    return X, y


def fit_sklearn(X, y):
    """LogisticRegression(C=inf, max_iter=10000), default tol, moved to the pivot parametrisation."""
    clf = LogisticRegression(C=np.inf, max_iter=10_000).fit(X, y)
    return clf.coef_ - clf.coef_[0], clf.intercept_ - clf.intercept_[0], int(np.max(clf.n_iter_))


def fit_ce(X, y):
    fit = ce.fit_cross_entropy(X, y)
    if not fit.converged:
        raise RuntimeError("fit_cross_entropy did not certify its estimate")
    return fit.weights, fit.bias, fit.n_iter


def timed(fns, X, y, repeats):
    """Median wall time of each function over ``repeats`` rounds, run alternately.

    Alternating keeps both methods under the same conditions when the machine's load changes.
    """
    times = [[] for _ in fns]
    outs = [None] * len(fns)
    for _ in range(repeats):
        for j, fn in enumerate(fns):
            start = time.perf_counter()
            outs[j] = fn(X, y)
            times[j].append(time.perf_counter() - start)
    return [(float(np.median(t)), t, out) for t, out in zip(times, outs)]


def nll_and_grad_norm(X, y, weights, bias):
    nll, gW, gb = ce.nll_grad(y, X, weights, bias)
    return nll, float(np.linalg.norm(ce.pack_params(gW, gb)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fits per method (median reported)")
    args = parser.parse_args(argv)

    X, y = make_data()
    counts = np.bincount(y, minlength=K)
    print(f"data: N={N:,}, d={D}, K={K}, seed={SEED}; class counts {counts.min():,}..{counts.max():,}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{args.repeats} alternating fits of each (median reported)")

    (t_ce, all_ce, (W_ce, b_ce, it_ce)), (t_sk, all_sk, (W_sk, b_sk, it_sk)) = timed(
        [fit_ce, fit_sklearn], X, y, args.repeats
    )
    nll_ce, g_ce = nll_and_grad_norm(X, y, W_ce, b_ce)
    nll_sk, g_sk = nll_and_grad_norm(X, y, W_sk, b_sk)
    diff = np.abs(ce.pack_params(W_ce, b_ce) - ce.pack_params(W_sk, b_sk)).max()
    ratio = t_ce / t_sk

    fmt = lambda ts: ", ".join(f"{t:.2f}" for t in ts)  # noqa: E731
    print(f"fit_cross_entropy   : median {t_ce:7.3f} s  ({fmt(all_ce)})  iterations {it_ce}")
    print(f"scikit-learn lbfgs  : median {t_sk:7.3f} s  ({fmt(all_sk)})  iterations {it_sk}")
    print(f"time ratio (cross-entropy / scikit-learn): {ratio:.3f}  (target <= {TARGET_RATIO})")
    print(f"summed NLL    cross-entropy {nll_ce:.6f}   scikit-learn {nll_sk:.6f}   "
          f"difference {nll_ce - nll_sk:+.3e}")
    print(f"gradient norm cross-entropy {g_ce:.3e}   scikit-learn {g_sk:.3e}")
    print(f"largest parameter difference |theta_ce - theta_sklearn|: {diff:.3e}")
    met = ratio <= TARGET_RATIO and nll_ce <= nll_sk and g_ce < g_sk
    print(f"target {'met' if met else 'missed'}: time ratio <= {TARGET_RATIO}, NLL no higher, "
          "smaller gradient norm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
