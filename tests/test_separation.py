"""When no MLE exists: empty classes, rank deficiency, complete and quasi-complete separation."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from overlapping_data import simulated

import cross_entropy_mle as ce
from cross_entropy_mle.separation import check_identifiable
from cross_entropy_mle.standardise import standardise


def fit_error(X, y, n_classes=None):
    with pytest.raises(ce.SeparationError) as info:
        ce.fit_cross_entropy(X, y, n_classes)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def three_clusters(rng, n=30, spread=0.3):
    X = np.concatenate(
        [rng.normal(scale=spread, size=(n, 2)) + c for c in ([0, 0], [5, 0], [0, 5])]
    )
    return X, np.repeat([0, 1, 2], n)


def test_complete_separation_binary():
    msg = fit_error(np.array([[-2.0], [-1.0], [1.0], [2.0]]), np.array([0, 0, 1, 1]))
    assert msg.startswith("complete separation")


def test_quasi_complete_separation_binary():
    X = np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]])
    msg = fit_error(X, np.array([0, 0, 0, 1, 1, 1]))
    assert msg.startswith("quasi-complete separation")


def test_complete_separation_multiclass():
    X, y = three_clusters(np.random.default_rng(0))
    assert fit_error(X, y).startswith("complete separation")


def test_quasi_complete_separation_multiclass():
    # Classes 0 and 2 share the boundary point x = (0, 2.5); everything else is separated.
    X, y = three_clusters(np.random.default_rng(1))
    X = np.vstack([X, [[0.0, 2.5], [0.0, 2.5]]])
    y = np.concatenate([y, [0, 2]])
    assert "quasi-complete separation" in fit_error(X, y)


def overlap_plus_separable_class(separable, n=300, seed=2):
    """Classes overlap except ``separable``, which alone has x_1 > 3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    others = [c for c in range(3) if c != separable]
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-X[:, 0])), others[1], others[0])
    X[:, 1] = -np.abs(X[:, 1])
    X[:100, 1] = np.abs(X[:100, 1]) + 3.0
    y[:100] = separable
    return X, y


@pytest.mark.parametrize("separable", [0, 1, 2])
def test_one_class_separable_from_the_rest(separable):
    X, y = overlap_plus_separable_class(separable)
    msg = fit_error(X, y)
    assert f"class {separable} is separable from the rest" in msg
    # The other two classes overlap, so not every observation can be classified perfectly.
    assert msg.startswith("quasi-complete separation")


@pytest.mark.parametrize(
    "labels, n_classes, empty", [([0, 1, 2], 4, [3]), ([0, 1, 3], None, [2]), ([1, 2], 3, [0])]
)
def test_class_without_observations(labels, n_classes, empty):
    X, y = simulated(10, n=300, d=2, k=len(labels))
    y = np.asarray(labels)[y]
    msg = fit_error(X, y, n_classes)
    assert f"class(es) {empty} have no observations" in msg


@pytest.mark.parametrize("max_iter", [1, 3, 200])
def test_separation_is_reported_however_early_the_optimiser_stops(max_iter):
    # Never large weights passed off as an estimate, nor a mere convergence warning.
    X, y = three_clusters(np.random.default_rng(4))
    with pytest.raises(ce.SeparationError, match="^complete separation"):
        ce.fit_cross_entropy(X, y, max_iter=max_iter)


def test_separation_direction_none_for_overlapping_data():
    for seed, k in [(11, 2), (12, 3), (13, 5)]:
        X, y = simulated(seed, n=300, d=2, k=k)
        assert ce.separation_direction(X, y) is None


def test_separation_direction_certifies_an_escape():
    X, y = three_clusters(np.random.default_rng(3))
    D = ce.separation_direction(X, y)
    assert D.shape == (3, 3)
    np.testing.assert_array_equal(D[0], 0.0)
    assert np.abs(D).max() == pytest.approx(1.0)
    # Complete separation: along the direction every margin is positive, the NLL falls to 0.
    Xt = np.column_stack([np.ones(len(y)), X])
    margins = Xt @ D.T
    own = margins[np.arange(len(y)), y]
    gaps = own[:, None] - margins
    assert gaps[np.arange(3)[None, :] != y[:, None]].min() > 0
    nll = [ce.negative_log_likelihood(y, t * margins) for t in (1.0, 10.0, 100.0)]
    assert nll[0] > nll[1] > nll[2] and nll[2] < 1e-6


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 14), st.integers(1, 2), st.integers(2, 3))
def test_fit_and_linear_program_agree(seed, n, d, k):
    # Small integer-valued data: a mix of overlapping, quasi- and completely separated sets.
    rng = np.random.default_rng(seed)
    X = rng.integers(-2, 3, size=(n, d)).astype(float)
    y = rng.integers(0, k, size=n)
    assume(np.unique(y).size == k)
    assume(np.linalg.matrix_rank(np.column_stack([np.ones(n), X])) == d + 1)
    direction = ce.separation_direction(X, y)
    if direction is None:
        fit = ce.fit_cross_entropy(X, y)
        assert fit.converged
        assert fit.grad_norm <= 1e-9 * n
    else:
        with pytest.raises(ce.SeparationError, match="separation"):
            ce.fit_cross_entropy(X, y)


@pytest.mark.parametrize("kind", ["duplicate", "constant", "wide"])
def test_rank_deficient_design(kind):
    X, y = simulated(15, n=40, d=2, k=2)
    if kind == "duplicate":
        X = np.column_stack([X, X[:, 0]])
    elif kind == "constant":
        X = np.column_stack([X, np.full(len(y), 3.0)])
    else:
        X, y = X[:2], np.array([0, 1])
    with pytest.raises(ValueError, match="rank") as info:
        ce.fit_cross_entropy(X, y)
    assert not isinstance(info.value, ce.SeparationError)


def test_nearly_collinear_but_full_rank_design_uses_the_exact_rank():
    # A tiny but genuine second direction: the Gram-matrix shortcut cannot decide, the SVD can.
    X, y = simulated(16, n=400, d=1, k=2)
    X = np.column_stack([X[:, 0], X[:, 0] + 1e-5 * np.random.default_rng(0).normal(size=400)])
    assert np.linalg.matrix_rank(np.column_stack([np.ones(400), X])) == 3
    U = standardise(X)[0]
    check_identifiable(np.column_stack([np.ones(400), U]).T, y, 2)  # no error


def test_complete_separation_direction_has_a_positive_smallest_margin():
    # 1-D, complete: the max-min-margin direction's smallest margin is positive.
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    D = ce.separation_direction(X, y)
    margins = np.column_stack([np.ones(4), X]) @ D.T
    gap = np.where(y == 1, margins[:, 1] - margins[:, 0], margins[:, 0] - margins[:, 1])
    assert gap.min() > 0.1
    with pytest.raises(ce.SeparationError) as info:
        ce.fit_cross_entropy(X, y)
    assert info.value.complete is True
    np.testing.assert_allclose(info.value.direction, D)
    # Along it the NLL tends to 0.
    nll = [ce.negative_log_likelihood(y, t * margins) for t in (1.0, 10.0, 100.0)]
    assert nll[0] > nll[1] > nll[2] and nll[2] < 1e-6


def test_quasi_complete_separation_nll_tends_to_a_positive_limit():
    # Two tied observations at x = 0, one of each class: their loss cannot fall below 2 log 2.
    X = np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ce.SeparationError) as info:
        ce.fit_cross_entropy(X, y)
    err = info.value
    assert err.complete is False
    assert "parameters grow without bound while the NLL tends to a positive limit" in str(err)
    margins = np.column_stack([np.ones(6), X]) @ err.direction.T
    gap = np.where(y == 1, margins[:, 1] - margins[:, 0], margins[:, 0] - margins[:, 1])
    assert gap.min() >= -1e-12 and gap.max() > 0
    # Along the direction from the tie-fitting start the NLL falls to 2 log 2, not to 0.
    nll = [ce.negative_log_likelihood(y, t * margins) for t in (0.5, 2.0, 50.0)]
    assert nll[0] > nll[1] > nll[2]
    assert nll[2] == pytest.approx(2 * np.log(2), rel=1e-12)


@pytest.mark.parametrize("s", [1e-10, 1.0, 1e10])
def test_separation_decisions_are_scale_free(s):
    X = np.array([[-2.0, 0.3], [-1.0, -0.2], [1.0, 0.1], [2.0, 0.4], [0.5, -0.5]])
    y = np.array([0, 0, 1, 1, 1])
    with pytest.raises(ce.SeparationError, match="^complete separation"):
        ce.fit_cross_entropy(X * s, y)
    Xo = np.vstack([X, [[1.5, 0.0], [-1.5, 0.0]]])
    yo = np.r_[y, 0, 1]
    assert ce.separation_direction(Xo * s, yo) is None
    assert ce.fit_cross_entropy(Xo * s, yo).converged
