"""Input checks shared by the public functions.

Every public entry point validates its arguments here, so that bad input raises a
``TypeError`` or ``ValueError`` that names the argument, instead of returning a wrong number.
"""

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "check_X_y",
    "check_finite_array",
    "check_int",
    "check_labels",
    "check_level",
    "check_n_classes",
    "check_positive",
    "check_probabilities",
    "check_rng",
]


def check_finite_array(
    a: ArrayLike, name: str, ndim: int | tuple[int, ...] | None = None, allow_empty: bool = False
) -> np.ndarray:
    """Return ``a`` as a float array after checking its type, shape and values.

    Parameters
    ----------
    a : array_like
        Real numbers.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Accepted numbers of dimensions.
    allow_empty : bool, default False
        Whether an array with no elements along its first axis is accepted.

    Returns
    -------
    ndarray of float64
    """
    arr = np.asarray(a)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if np.isscalar(ndim) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {arr.shape}"
            )
    if not allow_empty and (arr.size == 0 and (arr.ndim == 0 or arr.shape[0] == 0)):
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name} contains {bad}; every value must be finite")
    return arr


def check_int(value: int, name: str, minimum: int) -> int:
    """Return ``value`` as an int after checking it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_positive(value: float, name: str, allow_inf: bool = False) -> float:
    """Return ``value`` as a float after checking it is a positive real number.

    ``allow_inf`` accepts ``+inf`` (for instance an infinite prior sd: no penalty).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    if np.isnan(value) or value <= 0 or (np.isinf(value) and not allow_inf):
        kind = "positive number (inf allowed)" if allow_inf else "positive finite number"
        raise ValueError(f"{name} must be a {kind}, got {value}")
    return float(value)


def check_rng(rng: np.random.Generator, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` after checking it is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def check_n_classes(n_classes: int, name: str = "n_classes") -> int:
    """Return ``n_classes`` as an int after checking it is an integer >= 2."""
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(n_classes).__name__}")
    if n_classes < 2:
        raise ValueError(f"{name} must be at least 2, got {n_classes}")
    return int(n_classes)


def check_labels(
    y: ArrayLike, n_classes: int | None = None, name: str = "y"
) -> tuple[np.ndarray, int]:
    """Return integer labels in ``0..n_classes-1`` and the number of classes.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Class labels. Integer dtype, or floats that are whole numbers.
    n_classes : int, optional
        Number of classes K. Defaults to ``max(y) + 1`` (and at least 2).
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    y : ndarray of int64, shape (n_samples,)
    n_classes : int
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if np.issubdtype(arr.dtype, np.bool_) or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.integer):
        if np.iscomplexobj(arr) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite integer class labels")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
    labels = arr.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{name} has negative labels (min {labels.min()}); classes are 0..K-1")
    if n_classes is None:
        n_classes = max(int(labels.max()) + 1, 2)
    n_classes = check_n_classes(n_classes)
    if labels.max() >= n_classes:
        raise ValueError(
            f"{name} has label {labels.max()} but n_classes={n_classes}; labels must be "
            f"in 0..{n_classes - 1}"
        )
    return labels, n_classes


def check_probabilities(p: ArrayLike, name: str, atol: float = 1e-8) -> np.ndarray:
    """Return ``p`` as a float array of probability rows (last axis sums to 1).

    Parameters
    ----------
    p : array_like of shape (..., n_classes)
        Each row a probability vector.
    name : str
        The argument's name, used in error messages.
    atol : float
        Tolerance on the row sums.
    """
    arr = check_finite_array(p, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a last axis over classes, got a scalar")
    if arr.shape[-1] < 2:
        raise ValueError(
            f"{name} must have at least 2 classes on its last axis, got shape {arr.shape}"
        )
    if (arr < 0).any():
        raise ValueError(f"{name} has negative probabilities (min {arr.min():.3g})")
    sums = arr.sum(axis=-1)
    worst = np.max(np.abs(sums - 1.0))
    if worst > atol:
        raise ValueError(f"{name} rows must sum to 1; the worst row is off by {worst:.3g}")
    return arr


def check_X_y(
    X: ArrayLike, y: ArrayLike, n_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return checked features, integer labels and the number of classes of a data set.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Finite real features; ``n_features`` may be 0.
    y : array_like of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int, optional
        K; defaults to ``max(y) + 1`` (and at least 2).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
    n_classes : int
    """
    X = check_finite_array(X, "X", ndim=2)
    labels, K = check_labels(y, n_classes)
    if labels.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.size} labels")
    return X, labels, K


def check_level(level: float, name: str = "level") -> float:
    """Return ``level`` as a float after checking it is a number strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in (0, 1), got {type(level).__name__}")
    if not (0 < level < 1):
        raise ValueError(f"{name} must be a number in (0, 1), got {level!r}")
    return float(level)
