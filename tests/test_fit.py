"""fit_cross_entropy: the MLE of softmax regression, certified or refused."""

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cross_entropy_mle as ce
from cross_entropy_mle import fit as F


def simulated(seed, n=400, d=2, k=3, scale=0.8):
    """Overlapping classes from moderate true weights (the MLE exists)."""
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=scale, size=(k, d))
    b = rng.normal(scale=0.3, size=k)
    X, y, _ = ce.simulate(n, W, b, rng)
    return X, y


def statsmodels_params(X, y):
    """(K-1, 1+d) parameters of statsmodels' MNLogit, class 0 the reference."""
    design = np.column_stack([np.ones(len(y)), X])
    res = sm.MNLogit(y, design).fit(method="newton", disp=0, maxiter=100, tol=1e-12)
    assert res.mle_retvals["converged"]
    return np.asarray(res.params).T, -res.llf


# --- the estimate against an independent reference ---------------------------------------------


@pytest.mark.parametrize("seed, n, d, k", [(0, 300, 1, 2), (1, 500, 3, 3), (2, 800, 4, 5), (3, 400, 0, 4)])
def test_matches_statsmodels_mnlogit(seed, n, d, k):
    X, y = simulated(seed, n, d, k)
    fit = ce.fit_cross_entropy(X, y)
    params, nll = statsmodels_params(X, y)
    np.testing.assert_allclose(fit.bias[1:], params[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.weights[1:], params[:, 1:], rtol=0, atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)


def test_nearly_separated_but_finite_mle():
    # One observation of each class on the wrong side: the MLE exists, with large weights.
    X = np.array([[-3.0], [-2.0], [-1.0], [0.5], [-0.5], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    fit = ce.fit_cross_entropy(X, y)
    params, nll = statsmodels_params(X, y)
    assert fit.converged
    np.testing.assert_allclose(ce.pack_params(fit.weights, fit.bias), params.ravel(), atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)
    assert ce.separation_direction(X, y) is None


# --- the result -------------------------------------------------------------------------------


def test_result_fields():
    X, y = simulated(4, n=600, d=3, k=4)
    fit = ce.fit_cross_entropy(X, y)
    assert fit.weights.shape == (4, 3) and fit.bias.shape == (4,)
    np.testing.assert_array_equal(fit.weights[0], 0.0)
    assert fit.bias[0] == 0.0
    assert fit.converged and fit.method == "cross-entropy"
    assert isinstance(fit.n_iter, int) and fit.n_iter >= 1
    assert isinstance(fit.nll, float)
    assert fit.nll == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, fit.weights, fit.bias)), rel=1e-12)
    nll, gW, gb = ce.nll_grad(y, X, fit.weights, fit.bias)
    g = np.linalg.norm(ce.pack_params(gW, gb))
    assert fit.grad_norm == pytest.approx(g, rel=1e-6, abs=1e-9)
    # The default tolerance is on the gradient of the mean NLL.
    assert fit.grad_norm <= 1e-9 * len(y)
    p = fit.predict_proba(X)
    assert p.shape == (600, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p, ce.softmax(ce.logits(X, fit.weights, fit.bias)))


def test_score_equations_hold_at_the_mle():
    # Zero gradient: for each class the fitted probabilities reproduce the class sums of (1, x).
    X, y = simulated(5, n=500, d=2, k=3)
    fit = ce.fit_cross_entropy(X, y)
    Xt = np.column_stack([np.ones(len(y)), X])
    q = fit.predict_proba(X)
    h = ce.one_hot(y, 3)
    np.testing.assert_allclose(q.T @ Xt, h.T @ Xt, atol=1e-7)


def test_explicit_n_classes_and_whole_float_labels():
    X, y = simulated(6, n=300, d=2, k=3)
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X, y.astype(float), n_classes=3)
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_intercept_only_mle_is_the_log_frequency_ratio(counts, random):
    y = np.repeat(np.arange(len(counts)), counts)
    random.shuffle(y)
    fit = ce.fit_cross_entropy(np.empty((len(y), 0)), y)
    counts = np.asarray(counts)
    np.testing.assert_allclose(fit.bias, np.log(counts / counts[0]), atol=1e-9)
    assert fit.weights.shape == (len(counts), 0)
    assert fit.converged
    # At the MLE each class's fitted probability is its observed frequency.
    np.testing.assert_allclose(ce.softmax(fit.bias), counts / counts.sum(), atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 10_000),
    st.lists(st.floats(0.1, 10.0), min_size=2, max_size=2),
    st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=2),
)
def test_affine_equivariance(seed, scales, shifts):
    # x' = s x + c gives W' = W / s and b' = b - W (c / s): the same probabilities.
    X, y = simulated(seed, n=300, d=2, k=3)
    s, c = np.asarray(scales), np.asarray(shifts)
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X * s + c, y)
    assert b.nll == pytest.approx(a.nll, rel=1e-9)
    np.testing.assert_allclose(b.weights, a.weights / s, atol=1e-6)
    np.testing.assert_allclose(b.bias, a.bias - (a.weights / s) @ c, atol=1e-5)


def test_row_order_does_not_matter():
    X, y = simulated(7, n=300, d=2, k=3)
    perm = np.random.default_rng(0).permutation(len(y))
    a = ce.fit_cross_entropy(X, y)
    b = ce.fit_cross_entropy(X[perm], y[perm])
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-8)
    np.testing.assert_allclose(a.bias, b.bias, atol=1e-8)


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    W[0], b[0] = 0.0, 0.0
    theta = ce.pack_params(W, b)
    assert theta.shape == (3 * 4,)
    np.testing.assert_array_equal(theta[:4], [b[1], *W[1]])
    W2, b2 = ce.unpack_params(theta, 4, 3)
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)


# --- the objective fit.py minimises: value, gradient and Hessian-vector products --------------


@pytest.fixture(scope="module")
def objective():
    X, y = simulated(8, n=120, d=3, k=4)
    Xt, labels, K = F._design(X, y, None)
    return X, y, F._Objective(Xt, labels, K)


def test_objective_value_and_gradient(objective):
    X, y, obj = objective
    theta = np.random.default_rng(1).normal(size=3 * 4)
    nll, grad = obj.value_and_grad(theta)
    W, b = ce.unpack_params(theta, 4, 3)
    assert nll == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, W, b)), rel=1e-12)
    _, gW, gb = ce.nll_grad(y, X, W, b)
    np.testing.assert_allclose(grad, ce.pack_params(gW, gb), rtol=1e-10, atol=1e-10)
    h = 1e-6
    numeric = np.array(
        [(obj.value_and_grad(theta + h * e)[0] - obj.value_and_grad(theta - h * e)[0]) / (2 * h) for e in np.eye(theta.size)]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6 * nll)


def test_objective_hessian_vector_products(objective):
    _, _, obj = objective
    rng = np.random.default_rng(2)
    theta = rng.normal(size=12)
    other = rng.normal(size=12)
    h = 1e-5
    for _ in range(3):
        v = rng.normal(size=12)
        numeric = (obj.value_and_grad(theta + h * v)[1] - obj.value_and_grad(theta - h * v)[1]) / (2 * h)
        obj.value_and_grad(other)  # the cached probabilities belong to another point now
        Hv = obj.hessp(theta, v)
        np.testing.assert_allclose(Hv, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    # Symmetric and positive semi-definite.
    u, v = rng.normal(size=(2, 12))
    assert u @ obj.hessp(theta, v) == pytest.approx(v @ obj.hessp(theta, u), rel=1e-10)
    assert v @ obj.hessp(theta, v) > 0


def test_preconditioner_is_the_exact_inverse_hessian_on_small_data(objective):
    # With fewer rows than the subsample size, the preconditioner's Hessian uses every row.
    _, _, obj = objective
    rng = np.random.default_rng(3)
    theta = rng.normal(size=12)
    apply = obj.preconditioner(theta)
    for v in rng.normal(size=(3, 12)):
        np.testing.assert_allclose(apply(obj.hessp(theta, v)), v, rtol=1e-8, atol=1e-8)


def test_kronecker_preconditioner_is_exact_when_probabilities_are_constant(objective, monkeypatch):
    # With zero weights every observation has the same q, and the Hessian is A (x) X~'X~.
    _, _, obj = objective
    monkeypatch.setattr(F, "PRECONDITIONER_MAX_PARAMS", 0)
    theta = np.zeros((3, 4))
    theta[:, 0] = [0.3, -0.2, 0.1]
    theta = theta.ravel()
    apply = obj.preconditioner(theta)
    for v in np.random.default_rng(4).normal(size=(3, 12)):
        np.testing.assert_allclose(apply(obj.hessp(theta, v)), v, rtol=1e-8, atol=1e-8)


def test_objective_for_huge_logits(objective):
    # Beyond |z| = 700 the objective shifts the logits before exponentiating.
    X, y, obj = objective
    theta = 300.0 * np.random.default_rng(6).normal(size=12)
    nll, grad = obj.value_and_grad(theta)
    W, b = ce.unpack_params(theta, 4, 3)
    assert np.abs(ce.logits(X, W, b)).max() > 700
    assert nll == pytest.approx(ce.negative_log_likelihood(y, ce.logits(X, W, b)), rel=1e-12)
    _, gW, gb = ce.nll_grad(y, X, W, b)
    np.testing.assert_allclose(grad, ce.pack_params(gW, gb), rtol=1e-9, atol=1e-9 * np.abs(X).max())


def explicit_hessian(obj, theta):
    return np.column_stack([obj.hessp(theta, e) for e in np.eye(theta.size)])


def test_hessian_lower_bound(objective):
    _, _, obj = objective
    rng = np.random.default_rng(7)
    for scale in (0.0, 0.5, 3.0):
        theta = scale * rng.normal(size=12)
        H = explicit_hessian(obj, theta)
        np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-10 * np.abs(H).max())
        lower = obj.hessian_lower_bound(theta)
        assert 0 < lower <= np.linalg.eigvalsh(H)[0] * (1 + 1e-10)
        assert 0 < obj.hessian_lower_bound(theta, subsample=True) <= lower * (1 + 1e-10)


def test_intercept_only_start_is_exact(objective):
    X, y, obj = objective
    counts = np.bincount(y, minlength=4)
    Xt = np.column_stack([np.ones(len(y)), X])
    theta0 = np.zeros((3, 4))
    theta0[:, 0] = np.log(counts[1:] / counts[0])
    theta0 = theta0.ravel()
    nll, grad, inverse_hessian = F._intercept_only_start(obj, counts, Xt.T @ Xt)
    nll_ref, grad_ref = obj.value_and_grad(theta0)
    assert nll == pytest.approx(nll_ref, rel=1e-12)
    np.testing.assert_allclose(grad, grad_ref, atol=1e-10 * np.abs(grad_ref).max())
    H = explicit_hessian(obj, theta0)
    for v in np.random.default_rng(8).normal(size=(3, 12)):
        np.testing.assert_allclose(inverse_hessian(H @ v), v, rtol=1e-8, atol=1e-8)


def test_several_blocks_give_the_statsmodels_fit():
    X, y = simulated(17, n=3 * F._Objective.BLOCK_ROWS + 123, d=3, k=4)
    params, nll = statsmodels_params(X, y)
    fit = ce.fit_cross_entropy(X, y)
    assert fit.converged
    np.testing.assert_allclose(ce.pack_params(fit.weights, fit.bias), params.ravel(), atol=1e-6)
    assert fit.nll == pytest.approx(nll, rel=1e-10)


def test_objective_over_blocks_equals_one_block(objective, monkeypatch):
    X, y, obj = objective
    monkeypatch.setattr(F._Objective, "BLOCK_ROWS", 7)
    Xt, labels, K = F._design(X, y, None, transposed=True)
    small = F._Objective(Xt, labels, K)
    assert len(small.blocks) == -(-len(y) // 7)
    rng = np.random.default_rng(9)
    theta, v = rng.normal(size=(2, 12))
    for scale in (1.0, 300.0):  # the second puts some blocks on the shifted (|z| > 700) path
        a, b = obj.value_and_grad(scale * theta), small.value_and_grad(scale * theta)
        assert a[0] == pytest.approx(b[0], rel=1e-13)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-12 * np.abs(a[1]).max())
        np.testing.assert_allclose(obj.hessp(scale * theta, v), small.hessp(scale * theta, v), rtol=1e-12, atol=1e-12)


def test_certificate_by_conjugate_gradients_when_the_bound_is_inconclusive(monkeypatch):
    X, y = simulated(18, n=400, d=2, k=3)
    a = ce.fit_cross_entropy(X, y)
    monkeypatch.setattr(F._Objective, "hessian_lower_bound", lambda self, theta, subsample=False: 0.0)
    b = ce.fit_cross_entropy(X, y)
    assert b.converged
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-12)


def test_conjugate_gradient_solver():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(30, 30))
    H = A @ A.T + 0.1 * np.eye(30)
    b = rng.normal(size=30)
    x, info = F._pcg(lambda v: H @ v, b, lambda v: v, rtol=1e-12, maxiter=300)
    assert info == 0
    np.testing.assert_allclose(H @ x, b, atol=1e-10 * np.linalg.norm(b))
    x, info = F._pcg(lambda v: H @ v, b, lambda v: np.linalg.solve(H, v), rtol=1e-12, maxiter=3)
    assert info == 0
    _, info = F._pcg(lambda v: -v, b, lambda v: v, rtol=1e-12, maxiter=5)
    assert info == -1
    _, info = F._pcg(lambda v: H @ v, b, lambda v: v, rtol=1e-12, maxiter=2)
    assert info == 1


def test_forced_kronecker_preconditioner_gives_the_same_fit(monkeypatch):
    X, y = simulated(9, n=500, d=3, k=4)
    a = ce.fit_cross_entropy(X, y)
    monkeypatch.setattr(F, "PRECONDITIONER_MAX_PARAMS", 0)
    b = ce.fit_cross_entropy(X, y)
    assert b.converged
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-7)


# --- when the MLE does not exist ------------------------------------------------------------------


def fit_error(X, y, n_classes=None):
    with pytest.raises(ce.SeparationError) as info:
        ce.fit_cross_entropy(X, y, n_classes)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def three_clusters(rng, n=30, spread=0.3):
    X = np.concatenate([rng.normal(scale=spread, size=(n, 2)) + c for c in ([0, 0], [5, 0], [0, 5])])
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


@pytest.mark.parametrize("labels, n_classes, empty", [([0, 1, 2], 4, [3]), ([0, 1, 3], None, [2]), ([1, 2], 3, [0])])
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
    # Along the direction every margin is non-negative and the NLL falls towards 0.
    Xt = np.column_stack([np.ones(len(y)), X])
    margins = Xt @ D.T
    own = margins[np.arange(len(y)), y]
    assert np.all(own[:, None] - margins >= -1e-9)
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


# --- non-convergence, identifiability, bad input ---------------------------------------------------


def test_non_convergence_is_reported():
    X, y = simulated(14, n=500, d=3, k=4, scale=2.0)
    with pytest.warns(ce.ConvergenceWarning, match="stopped after 1 iterations"):
        fit = ce.fit_cross_entropy(X, y, max_iter=1)
    assert not fit.converged
    assert fit.n_iter == 1
    assert fit.grad_norm > 1e-9 * len(y)


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
    Xt = np.column_stack([np.ones(400), X])
    assert np.linalg.matrix_rank(Xt) == 3
    F._check_identifiable(Xt, y, 2)


@pytest.mark.parametrize(
    "X, y, kwargs, exc, match",
    [
        (np.array([[0.0], [np.nan], [1.0]]), [0, 1, 0], {}, ValueError, "X contains NaN"),
        (np.array([[0.0], [np.inf], [1.0]]), [0, 1, 0], {}, ValueError, "X contains inf"),
        (np.zeros(3), [0, 1, 0], {}, ValueError, "X must have 2 dimension"),
        (np.zeros((3, 1)), [0, 1], {}, ValueError, "X has 3 rows but y has 2 labels"),
        (np.zeros((0, 1)), [0], {}, ValueError, "X is empty"),
        (np.zeros((3, 1)), [], {}, ValueError, "y is empty"),
        (np.zeros((3, 1)), [0, 1.5, 0], {}, ValueError, "y must hold integer class labels"),
        (np.zeros((3, 1)), ["a", "b", "a"], {}, TypeError, "y must hold integer class labels"),
        (np.zeros((3, 1)), [True, False, True], {}, TypeError, "y must hold integer class labels"),
        (np.zeros((3, 1)), [0, -1, 1], {}, ValueError, "y has negative labels"),
        (np.zeros((3, 1)), [0, 1, 2], {"n_classes": 2}, ValueError, "y has label 2 but n_classes=2"),
        (np.zeros((3, 1)), [0, 0, 0], {"n_classes": 1}, ValueError, "n_classes must be at least 2"),
        (np.array([["a"], ["b"], ["c"]]), [0, 1, 0], {}, TypeError, "X must hold real numbers"),
    ],
)
def test_bad_input(X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ce.fit_cross_entropy(X, y, **kwargs)
    if "n_classes" not in kwargs:
        with pytest.raises(exc, match=match):
            ce.separation_direction(X, y)
