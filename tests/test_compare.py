"""The MLE four ways: cross entropy, PyMC's flat-prior MAP, statsmodels and scikit-learn."""

import numpy as np
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.compare import compare_estimates, fit_sklearn, fit_statsmodels

ROWS = ["cross-entropy", "pymc-map", "statsmodels", "scikit-learn"]


def simulated(seed, n, W, b):
    rng = np.random.default_rng(seed)
    X, y, _ = ce.simulate(n, np.asarray(W, float), np.asarray(b, float), rng)
    return X, y


MULTI = dict(W=[[0, 0], [1.0, -0.5], [-0.8, 1.2]], b=[0, 0.3, -0.4])
BINARY = dict(W=[[0, 0, 0], [1.0, -0.7, 0.4]], b=[0, 0.2])


@pytest.fixture(scope="module", params=["multiclass", "binary"])
def table_and_data(request):
    spec = MULTI if request.param == "multiclass" else BINARY
    X, y = simulated(0, 400, **spec)
    return compare_estimates(X, y), X, y


@pytest.mark.slow
def test_table_has_all_four_estimators(table_and_data):
    table, _, _ = table_and_data
    assert list(table.index) == ROWS
    assert table.index.name == "estimator"
    assert list(table.columns) == ["nll", "grad_norm", "converged", "max_abs_diff"]
    assert set(table.attrs["fits"]) == set(ROWS)
    assert table["converged"].all()
    assert table.loc["cross-entropy", "max_abs_diff"] == 0.0


@pytest.mark.slow
def test_exact_estimators_agree(table_and_data):
    table, X, y = table_and_data
    assert table.loc["pymc-map", "max_abs_diff"] < 1e-5
    assert table.loc["statsmodels", "max_abs_diff"] < 1e-5
    ref = table.loc["cross-entropy", "nll"]
    for row in ("pymc-map", "statsmodels"):
        assert table.loc[row, "nll"] == pytest.approx(ref, rel=1e-10)
    # The table's NLLs are the summed NLLs of the stored fits.
    for name, fit in table.attrs["fits"].items():
        assert table.loc[name, "nll"] == pytest.approx(
            ce.negative_log_likelihood(y, ce.linear_predictor(X, fit.weights, fit.bias)), rel=1e-12
        )


def hessian(X, weights, bias):
    """Hessian of the summed NLL over the pivot free parameters, ordered as pack_params."""
    Xt = np.column_stack([np.ones(len(X)), X])
    q = ce.softmax(ce.linear_predictor(X, weights, bias))[:, 1:]
    k, p = q.shape[1], Xt.shape[1]
    A = q[:, :, None] * np.eye(k) - q[:, :, None] * q[:, None, :]
    return np.einsum("ikl,ia,ib->kalb", A, Xt, Xt).reshape(k * p, k * p)


def summed_gradient(X, y, fit):
    """Gradient of the summed NLL over the pivot free parameters, by the explicit formula."""
    Xt = np.column_stack([np.ones(len(X)), X])
    resid = ce.softmax(ce.linear_predictor(X, fit.weights, fit.bias)) - ce.one_hot(y, fit.bias.size)
    return (resid[:, 1:].T @ Xt).ravel()


@pytest.mark.slow
def test_scikit_learn_agrees_to_its_default_tolerance(table_and_data):
    table, X, y = table_and_data
    fits = table.attrs["fits"]
    ref, sk = fits["cross-entropy"], fits["scikit-learn"]
    # LogisticRegression stops at tol=1e-4 on the mean loss, so it is about 1e-3 away from the
    # MLE. To first order the distance is the Newton step H^{-1} g from its estimate, at most
    # |g| / lambda_min(H), with g the gradient of the summed NLL there.
    H = hessian(X, ref.weights, ref.bias)
    g = summed_gradient(X, y, sk)
    # the table's grad_norm is the largest entry of the mean gradient
    assert table.loc["scikit-learn", "grad_norm"] == pytest.approx(
        np.abs(g).max() / y.size, rel=1e-12
    )
    distance = np.linalg.norm(g) / np.linalg.eigvalsh(H)[0]
    assert table.loc["scikit-learn", "max_abs_diff"] <= 1.05 * distance
    diff = ce.pack_params(sk.weights, sk.bias) - ce.pack_params(ref.weights, ref.bias)
    newton = np.linalg.solve(H, g)
    np.testing.assert_allclose(diff, newton, atol=0.05 * np.abs(diff).max())
    assert table.loc["scikit-learn", "max_abs_diff"] < 1e-2
    # Never a lower NLL than the certified minimum (up to rounding), and a larger gradient.
    ref_nll = table.loc["cross-entropy", "nll"]
    assert table.loc["scikit-learn", "nll"] >= ref_nll - 1e-12 * abs(ref_nll)
    assert table.loc["cross-entropy", "grad_norm"] <= table.loc["scikit-learn", "grad_norm"]


# --- the references on their own (no PyMC) -------------------------------------------------------


@pytest.mark.parametrize("spec, k", [(MULTI, 3), (BINARY, 2)])
def test_references_in_the_pivot_parametrisation(spec, k):
    X, y = simulated(1, 500, **spec)
    ref = ce.fit_cross_entropy(X, y)
    theta_ref = ce.pack_params(ref.weights, ref.bias)
    lam_min = np.linalg.eigvalsh(hessian(X, ref.weights, ref.bias))[0]
    radius = np.sqrt(1 + (X**2).sum(axis=1).max())
    for fit in (fit_statsmodels(X, y), fit_sklearn(X, y)):
        assert fit.weights.shape == (k, X.shape[1]) and fit.bias.shape == (k,)
        np.testing.assert_array_equal(fit.weights[0], 0.0)
        assert fit.bias[0] == 0.0
        assert fit.converged
        # grad_norm is the largest entry of the mean gradient of the summed NLL.
        g, g_ref = summed_gradient(X, y, fit), summed_gradient(X, y, ref)
        assert fit.grad_norm == pytest.approx(np.abs(g).max() / y.size, rel=1e-9, abs=1e-15)
        assert fit.nll == pytest.approx(
            ce.negative_log_likelihood(y, ce.linear_predictor(X, fit.weights, fit.bias)), rel=1e-12
        )
        # Each estimate is within |g| / lambda_min of the MLE (to first order), where g is the
        # gradient at it; statsmodels' Newton method gets far closer than 1e-6. A floor of 1e-10
        # covers rounding.
        distance = 1.05 * (np.linalg.norm(g) + np.linalg.norm(g_ref)) / lam_min + 1e-10
        if fit.method == "statsmodels":
            assert distance < 1e-6
        diff = np.abs(ce.pack_params(fit.weights, fit.bias) - theta_ref).max()
        assert diff <= distance
        # Same probabilities whatever the parametrisation: logits move by at most
        # |d theta| * max |(1, x)| and probabilities by at most twice that.
        np.testing.assert_allclose(
            fit.predict_proba(X), ref.predict_proba(X), atol=2 * radius * distance
        )


def test_sklearn_with_a_tight_tolerance_reaches_the_mle():
    X, y = simulated(2, 500, **MULTI)
    ref = ce.fit_cross_entropy(X, y)
    fit = fit_sklearn(X, y, tol=1e-10)
    np.testing.assert_allclose(
        ce.pack_params(fit.weights, fit.bias), ce.pack_params(ref.weights, ref.bias), atol=1e-5
    )


def test_references_refuse_an_empty_class_and_a_rank_deficient_design():
    X, y = simulated(3, 200, **MULTI)
    for fn in (fit_sklearn, fit_statsmodels):
        with pytest.raises(ce.SeparationError, match=r"class\(es\) \[3\] have no observations"):
            fn(X, y, n_classes=4)
        with pytest.raises(ValueError, match="rank"):
            fn(np.column_stack([X, X[:, 0]]), y)


def test_compare_refuses_separated_data_before_fitting_the_references():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    with pytest.raises(ce.SeparationError, match="complete separation"):
        compare_estimates(X, np.array([0, 0, 1, 1]))
