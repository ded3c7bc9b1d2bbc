"""Time ``fit_cross_entropy`` against scikit-learn and statsmodels on one softmax-regression MLE.

Simulates N = 200,000 samples with d = 20 features and K = 10 classes from a softmax-regression
model with moderate weights (so the MLE exists) and fits it, in this one process and on the
same data, by

* :func:`cross_entropy_mle.fit_cross_entropy`;
* scikit-learn ``LogisticRegression(C=np.inf, max_iter=10000)`` with L-BFGS at its default
  tolerance, and at ``tol=1e-8`` (about the precision of ``fit_cross_entropy``'s estimate);
* scikit-learn ``LogisticRegression(C=np.inf, solver="newton-cholesky")``;
* statsmodels ``MNLogit(y, [1, X]).fit(method="newton")``.

After an untimed warm-up on a subset, the methods alternate within each round, so that all of
them see the same machine load; the slow ones run fewer rounds. It prints each method's median
time and its ratio to ``fit_cross_entropy``'s, and, computed for every estimate by the same
objective (:class:`cross_entropy_mle.SoftmaxRegressionLoss` on the original X), the summed NLL
and the largest absolute entry of the gradient of the mean NLL. It then times one evaluation of that
objective and its gradient at the fitted parameters, and prints the fit's cost in units of
such evaluations. Last, a scaling table: ``fit_cross_entropy`` alone for N from 10^4 to 2x10^6.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_fit.py``; ``--quick`` for a
smaller smoke run, under a minute).
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from statsmodels.discrete.discrete_model import MNLogit
from threadpoolctl import threadpool_limits

import cross_entropy_mle as ce

N, D, K = 200_000, 20, 10
SEED = 20_260_101
SCALING_N = (10_000, 30_000, 100_000, 300_000, 1_000_000, 2_000_000)
#: fit_cross_entropy's time over scikit-learn L-BFGS's at matched precision (tol=1e-8).
TARGET_RATIO = 0.25
#: fit_cross_entropy's time in units of one loss-and-gradient evaluation.
TARGET_EVALUATIONS = 10.0


def make_data(n=N, d=D, k=K, seed=SEED):
    """Simulated features and labels; the true weights have row norms of about 1."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, 1.0 / np.sqrt(d), size=(k, d))
    bias = rng.normal(0.0, 0.5, size=k)
    weights[0], bias[0] = 0.0, 0.0
    X, y, _ = ce.simulate(n, weights, bias, rng)
    return X, y


def fit_ce(X, y):
    fit = ce.fit_cross_entropy(X, y)
    if not fit.converged:
        raise RuntimeError(f"fit_cross_entropy did not converge (status {fit.status!r})")
    return fit.weights, fit.bias, fit.n_iter


def sklearn_fitter(**options):
    """``LogisticRegression(C=inf, max_iter=10000, **options)``, moved to the pivot."""

    def fit(X, y):
        clf = LogisticRegression(C=np.inf, max_iter=10_000, **options).fit(X, y)
        weights, bias = ce.to_pivot(clf.coef_, clf.intercept_)
        return weights, bias, int(np.max(clf.n_iter_))

    return fit


def fit_statsmodels(X, y):
    """``MNLogit(y, [1, X]).fit(method="newton")`` at its defaults; class 0 is its reference."""
    res = MNLogit(y, np.column_stack([np.ones(len(y)), X])).fit(method="newton", disp=0)
    params = np.asarray(res.params).T  # (K-1, 1+d): rows are classes 1..K-1
    weights = np.vstack([np.zeros((1, X.shape[1])), params[:, 1:]])
    bias = np.concatenate([[0.0], params[:, 0]])
    return weights, bias, int(res.mle_retvals["iterations"])


#: (label, fitter, rounds it runs in: "all" or "slow").
METHODS = [
    ("fit_cross_entropy", fit_ce, "all"),
    ("sklearn lbfgs, default tol", sklearn_fitter(), "all"),
    ("sklearn lbfgs, tol=1e-8", sklearn_fitter(tol=1e-8), "slow"),
    ("sklearn newton-cholesky", sklearn_fitter(solver="newton-cholesky"), "slow"),
    ("statsmodels newton", fit_statsmodels, "slow"),
]


def timed_rounds(X, y, repeats, slow_repeats):
    """Each method's wall times and last output, the methods alternating within every round."""
    times = {label: [] for label, _, _ in METHODS}
    outs, caught = {}, {}
    with warnings.catch_warnings():  # untimed warm-up: first-call costs (imports, thread pools)
        warnings.simplefilter("ignore")
        for _, fn, _ in METHODS:
            fn(X[:5_000], y[:5_000])
    for r in range(repeats):
        for label, fn, kind in METHODS:
            if kind == "slow" and r >= slow_repeats:
                continue
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                start = time.perf_counter()
                outs[label] = fn(X, y)
                times[label].append(time.perf_counter() - start)
            caught.setdefault(label, set()).update(f"{m.category.__name__}: {m.message}" for m in w)
    return times, outs, caught


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def scaling(sizes):
    print(f"\nscaling of fit_cross_entropy (d={D}, K={K}; one fit per N):")
    print(f"{'N':>10}  {'time (s)':>9}  {'per row (us)':>12}  {'iterations':>10}")
    for n in sizes:
        X, y = make_data(n=n, seed=SEED + n)
        start = time.perf_counter()
        _, _, n_iter = fit_ce(X, y)
        elapsed = time.perf_counter() - start
        print(f"{n:>10,}  {elapsed:9.3f}  {1e6 * elapsed / n:12.2f}  {n_iter:>10}")
        del X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the fast methods")
    parser.add_argument(
        "--slow-repeats",
        type=int,
        default=3,
        help="rounds of the slow ones (lbfgs at tol=1e-8, newton-cholesky, statsmodels)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: N=20,000, two rounds, scaling up to N=100,000",
    )
    args = parser.parse_args(argv)
    n, repeats, slow_repeats, sizes = N, args.repeats, args.slow_repeats, SCALING_N
    if args.quick:
        n, repeats, slow_repeats, sizes = 20_000, 2, 1, SCALING_N[:3]

    X, y = make_data(n=n)
    counts = np.bincount(y, minlength=K)
    print(
        f"data: N={n:,}, d={D}, K={K}, seed={SEED}; class counts {counts.min():,}..{counts.max():,}"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; methods "
        f"alternating, {repeats} rounds ({slow_repeats} for the slow ones), median reported"
    )

    times, outs, caught = timed_rounds(X, y, repeats, slow_repeats)

    obj = ce.SoftmaxRegressionLoss(X, y)  # the one objective every estimate is judged by
    theta = {label: ce.pack_params(W, b) for label, (W, b, _) in outs.items()}
    judged = {}
    for label, t in theta.items():
        nll, grad = obj.loss_gradient(t)
        judged[label] = (nll, float(np.max(np.abs(grad))) / n)
    ref = "fit_cross_entropy"
    t_ref = float(np.median(times[ref]))

    print(
        f"\n{'method':<28} {'median s':>9} {'ratio':>7} {'iter':>5} {'summed NLL':>17} "
        f"{'NLL - ce':>10} {'max|grad|/N':>11} {'max|dtheta|':>11}  times (s)"
    )
    for label, _, _ in METHODS:
        t_med = float(np.median(times[label]))
        nll, g = judged[label]
        print(
            f"{label:<28} {t_med:9.3f} {t_med / t_ref:7.3f} {outs[label][2]:5d} {nll:17.6f} "
            f"{nll - judged[ref][0]:+10.2e} {g:11.2e} "
            f"{np.abs(theta[label] - theta[ref]).max():11.2e}  "
            + ", ".join(f"{s:.2f}" for s in times[label])
        )
    for label, messages in caught.items():
        for m in sorted(messages):
            print(f"  {label} warned: {m[:160]}")

    # One evaluation of the objective and its gradient at the estimate, with the BLAS threads
    # the fit itself uses (one) and with the default; the faster is the unit.
    with threadpool_limits(limits=1, user_api="blas"):
        t_eval_1 = median_time(lambda: obj.loss_gradient(theta[ref]), 10)
    t_eval_all = median_time(lambda: obj.loss_gradient(theta[ref]), 10)
    t_eval = min(t_eval_1, t_eval_all)
    evaluations = t_ref / t_eval

    matched = "sklearn lbfgs, tol=1e-8"
    ratio = t_ref / float(np.median(times[matched]))
    print(
        f"\none loss-and-gradient evaluation at the estimate: {t_eval_1 * 1e3:.1f} ms "
        f"(1 BLAS thread), {t_eval_all * 1e3:.1f} ms (default threads)"
    )
    met = "met" if evaluations <= TARGET_EVALUATIONS else "missed"
    print(
        f"fit_cross_entropy costs {evaluations:.1f} evaluations "
        f"(target <= {TARGET_EVALUATIONS:g}): {met}"
    )
    print(
        f"time ratio fit_cross_entropy / {matched}: {ratio:.3f} "
        f"(target <= {TARGET_RATIO}): {'met' if ratio <= TARGET_RATIO else 'missed'}"
    )
    print(
        f"time ratio fit_cross_entropy / sklearn lbfgs, default tol: "
        f"{t_ref / float(np.median(times['sklearn lbfgs, default tol'])):.3f}"
    )

    del X, y
    scaling(sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
