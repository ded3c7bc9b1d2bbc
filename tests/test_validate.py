"""Input checks: every bad input gets a TypeError or ValueError that names the argument."""

import numpy as np
import pytest

from cross_entropy_mle.validate import (
    check_finite_array,
    check_int,
    check_labels,
    check_level,
    check_n_classes,
    check_positive,
    check_probabilities,
    check_rng,
    check_X_y,
)


class TestCheckFiniteArray:
    def test_returns_float64_copy_of_values(self):
        out = check_finite_array([[1, 2], [3, 4]], "X", ndim=2)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])

    @pytest.mark.parametrize("value", [["a", "b"], np.array([1, None], dtype=object)])
    def test_non_numeric_is_type_error(self, value):
        with pytest.raises(TypeError, match="X must hold real numbers"):
            check_finite_array(value, "X")

    def test_complex_is_type_error(self):
        with pytest.raises(TypeError, match="X must hold real numbers"):
            check_finite_array(np.array([1 + 1j, 2]), "X")

    @pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
    def test_non_finite_is_value_error_naming_argument(self, bad, word):
        a = np.ones((3, 2))
        a[1, 1] = bad
        with pytest.raises(ValueError, match=f"features contains {word}"):
            check_finite_array(a, "features")

    def test_wrong_ndim(self):
        with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got shape \(3,\)"):
            check_finite_array(np.ones(3), "X", ndim=2)

    def test_several_accepted_ndims(self):
        assert check_finite_array(np.ones(3), "a", ndim=(1, 2)).shape == (3,)
        with pytest.raises(ValueError, match="1 or 2 dimension"):
            check_finite_array(np.ones((1, 1, 1)), "a", ndim=(1, 2))

    @pytest.mark.parametrize("shape", [(0,), (0, 3)])
    def test_empty_rejected_unless_allowed(self, shape):
        with pytest.raises(ValueError, match="X is empty"):
            check_finite_array(np.ones(shape), "X")
        assert check_finite_array(np.ones(shape), "X", allow_empty=True).shape == shape

    def test_zero_columns_are_not_empty_data(self):
        assert check_finite_array(np.ones((4, 0)), "X", ndim=2).shape == (4, 0)


class TestCheckNClasses:
    @pytest.mark.parametrize("value", [2, 10, np.int64(3)])
    def test_accepts_integers_from_two(self, value):
        assert check_n_classes(value) == int(value)
        assert type(check_n_classes(value)) is int

    @pytest.mark.parametrize("value", [1, 0, -3])
    def test_fewer_than_two(self, value):
        with pytest.raises(ValueError, match="n_classes must be at least 2"):
            check_n_classes(value)

    @pytest.mark.parametrize("value", [2.0, "3", True, None])
    def test_not_an_integer(self, value):
        with pytest.raises(TypeError, match="n_classes must be an integer"):
            check_n_classes(value)


class TestCheckLabels:
    def test_integer_labels_and_default_number_of_classes(self):
        labels, K = check_labels(np.array([0, 2, 1, 2], dtype=np.int32))
        assert labels.dtype == np.int64 and K == 3
        np.testing.assert_array_equal(labels, [0, 2, 1, 2])

    def test_a_single_class_still_means_two_classes(self):
        assert check_labels([0, 0, 0])[1] == 2

    def test_whole_floats_accepted(self):
        labels, K = check_labels([0.0, 1.0, 3.0], n_classes=5)
        np.testing.assert_array_equal(labels, [0, 1, 3])
        assert K == 5

    def test_fractional_floats(self):
        with pytest.raises(ValueError, match="y must hold integer class labels"):
            check_labels([0.0, 1.5, 1.0])

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite_floats(self, bad):
        with pytest.raises(ValueError, match="y must hold finite integer class labels"):
            check_labels([0.0, bad])

    def test_strings(self):
        with pytest.raises(TypeError, match="y must hold integer class labels"):
            check_labels(["a", "b"])

    def test_bools(self):
        with pytest.raises(TypeError, match="y must hold integer class labels, got dtype bool"):
            check_labels(np.array([True, False]))

    def test_negative(self):
        with pytest.raises(ValueError, match="labels has negative labels"):
            check_labels([0, -1, 1], name="labels")

    def test_too_large_for_n_classes(self):
        with pytest.raises(ValueError, match="y has label 3 but n_classes=3"):
            check_labels([0, 1, 3], n_classes=3)

    def test_two_dimensional(self):
        with pytest.raises(ValueError, match="y must be one-dimensional"):
            check_labels(np.zeros((2, 2), dtype=int))

    def test_empty(self):
        with pytest.raises(ValueError, match="y is empty"):
            check_labels(np.array([], dtype=int))

    def test_bad_n_classes(self):
        with pytest.raises(ValueError, match="n_classes must be at least 2"):
            check_labels([0, 0], n_classes=1)
        with pytest.raises(TypeError, match="n_classes must be an integer"):
            check_labels([0, 1], n_classes=2.0)


class TestCheckProbabilities:
    def test_accepts_rows_summing_to_one(self):
        p = check_probabilities([[0.2, 0.8], [1.0, 0.0]], "q")
        assert p.dtype == np.float64 and p.shape == (2, 2)

    def test_negative_entries(self):
        with pytest.raises(ValueError, match="q has negative probabilities"):
            check_probabilities([[1.2, -0.2]], "q")

    def test_rows_not_summing_to_one(self):
        with pytest.raises(ValueError, match="h rows must sum to 1"):
            check_probabilities([[0.5, 0.5], [0.5, 0.6]], "h")

    def test_row_sum_tolerance(self):
        check_probabilities([[0.5, 0.5 + 1e-10]], "q")
        with pytest.raises(ValueError, match="rows must sum to 1"):
            check_probabilities([[0.5, 0.5 + 1e-6]], "q")

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite(self, bad):
        with pytest.raises(ValueError, match="q contains"):
            check_probabilities([[bad, 0.5]], "q")

    def test_scalar_and_single_class(self):
        with pytest.raises(ValueError, match="q must have a last axis over classes"):
            check_probabilities(1.0, "q")
        with pytest.raises(ValueError, match="at least 2 classes"):
            check_probabilities([[1.0], [1.0]], "q")


@pytest.mark.parametrize("value, expected", [(3, 3), (np.int64(0), 0)])
def test_check_int_accepts_integers(value, expected):
    assert check_int(value, "n", 0) == expected


@pytest.mark.parametrize(
    "value, error", [(True, TypeError), (2.0, TypeError), ("3", TypeError), (-1, ValueError)]
)
def test_check_int_names_the_argument(value, error):
    with pytest.raises(error, match="n_bins"):
        check_int(value, "n_bins", 0)


def test_check_positive():
    assert check_positive(2, "sigma") == 2.0
    assert check_positive(np.inf, "bias_sigma", allow_inf=True) == np.inf
    for bad, error in [
        (0.0, ValueError),
        (-1.0, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        (True, TypeError),
        ("1", TypeError),
    ]:
        with pytest.raises(error, match="sigma"):
            check_positive(bad, "sigma")


def test_check_rng():
    rng = np.random.default_rng(0)
    assert check_rng(rng) is rng
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        check_rng(np.random.RandomState(0))


class TestCheckXy:
    def test_returns_float_features_integer_labels_and_k(self):
        X, y, K = check_X_y([[1, 2], [3, 4], [5, 6]], [0, 2, 1])
        assert X.dtype == np.float64 and X.shape == (3, 2)
        np.testing.assert_array_equal(X, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        assert y.dtype == np.int64 and K == 3
        np.testing.assert_array_equal(y, [0, 2, 1])

    def test_explicit_number_of_classes(self):
        assert check_X_y(np.zeros((2, 1)), [0, 1], n_classes=4)[2] == 4

    def test_zero_features_are_allowed(self):
        X, y, K = check_X_y(np.empty((3, 0)), [0, 1, 1])
        assert X.shape == (3, 0) and K == 2

    def test_row_count_mismatch(self):
        with pytest.raises(ValueError, match="X has 3 rows but y has 2 labels"):
            check_X_y(np.zeros((3, 2)), [0, 1])

    def test_one_dimensional_X(self):
        with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got shape \(3,\)"):
            check_X_y(np.zeros(3), [0, 1, 1])

    def test_non_finite_X(self):
        with pytest.raises(ValueError, match="X contains NaN"):
            check_X_y([[0.0], [np.nan]], [0, 1])

    def test_bad_labels_name_y(self):
        with pytest.raises(ValueError, match="y has label 2 but n_classes=2"):
            check_X_y(np.zeros((2, 1)), [0, 2], n_classes=2)
        with pytest.raises(TypeError, match="y must hold integer class labels"):
            check_X_y(np.zeros((2, 1)), ["a", "b"])


class TestCheckLevel:
    @pytest.mark.parametrize("value", [0.5, 0.95, np.float32(0.25), 1e-12, 1 - 1e-12])
    def test_accepts_numbers_strictly_between_0_and_1(self, value):
        out = check_level(value)
        assert type(out) is float and out == float(value)

    @pytest.mark.parametrize("value", [0, 1, 0.0, 1.0, -0.1, 1.5, np.nan, np.inf])
    def test_outside_the_open_interval(self, value):
        with pytest.raises(ValueError, match="level must be a number in \\(0, 1\\)"):
            check_level(value)

    @pytest.mark.parametrize("value", [True, "0.9", None, [0.5]])
    def test_not_a_number(self, value):
        with pytest.raises(TypeError, match="level must be a number in \\(0, 1\\)"):
            check_level(value)

    def test_names_the_argument(self):
        with pytest.raises(ValueError, match="target_ess must be a number"):
            check_level(2.0, "target_ess")
