r"""Centring and scaling the columns of X, and the map between the two parametrisations.

The fitters work on standardised features :math:`u_{ij} = (x_{ij} - \mu_j) / s_j`, so that their
tolerances, rank decisions and separation tests do not depend on the units of X. Logits are
unchanged by the change of variables when the parameters are mapped as

.. math:: w_{kj} = w'_{kj} / s_j, \qquad b_k = b'_k - \sum_j w'_{kj} \mu_j / s_j ,

so the NLL is the same and the weights of a rescaled column scale inversely (equivariance).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["Standardisation", "fit_standardisation", "standardise"]


@dataclass(frozen=True)
class Standardisation:
    """Column shifts ``mean`` and scales ``scale``, each of shape (n_features,)."""

    mean: np.ndarray
    scale: np.ndarray

    def apply(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean) / scale``."""
        return (X - self.mean) / self.scale

    def params_to_original(self, theta: np.ndarray, n_free: int) -> np.ndarray:
        """Packed pivot parameters fitted on standardised X, mapped to the original X."""
        T = np.reshape(theta, (n_free, -1)).copy()
        T[:, 1:] /= self.scale
        T[:, 0] -= T[:, 1:] @ self.mean
        return T.ravel()

    def params_to_standardised(self, theta: np.ndarray, n_free: int) -> np.ndarray:
        """Inverse of :meth:`params_to_original`."""
        T = np.reshape(theta, (n_free, -1)).copy()
        T[:, 0] += T[:, 1:] @ self.mean
        T[:, 1:] *= self.scale
        return T.ravel()

    def gradient_to_original(self, grad: np.ndarray, n_free: int) -> np.ndarray:
        r"""Gradient in the standardised parameters mapped to the original ones (chain rule:
        :math:`\partial f / \partial w_{kj} = s_j\, \partial f / \partial w'_{kj} + \mu_j\,
        \partial f / \partial b'_k`,
        :math:`\partial f / \partial b_k = \partial f / \partial b'_k`)."""
        G = np.reshape(grad, (n_free, -1)).copy()
        G[:, 1:] = G[:, 1:] * self.scale + G[:, :1] * self.mean
        return G.ravel()


def fit_standardisation(X: np.ndarray, centre: bool = True, chunk: int = 8192) -> Standardisation:
    """Column shifts (means, or zeros without ``centre``) and root-mean-square scales of ``X``.

    ``X`` is a checked float array (n, d). Computed in chunks, without a copy of ``X``, and
    without overflow or underflow for magnitudes from about 1e-300 to 1e300: each column is
    divided by its largest magnitude before its moments are taken. A constant column keeps
    scale 1 (after centring it is zero, and the rank check then reports it).
    """
    n, d = X.shape
    top = np.abs(X).max(axis=0, initial=0.0)
    top = np.where(top > 0, top, 1.0)
    extreme = d > 0 and (top.max() >= 1e150 or top.min() <= 1e-150)
    if not extreme:
        top = np.ones(d)  # moderate magnitudes: their squares and sums are representable

    def rows(start):
        part = X[start : start + chunk]
        return part / top if extreme else part

    mean = np.zeros(d)
    if centre:
        for start in range(0, n, chunk):
            mean += rows(start).sum(axis=0)
        mean /= n
    squares = np.zeros(d)
    for start in range(0, n, chunk):
        part = rows(start) - mean
        squares += np.einsum("ij,ij->j", part, part)
    rms = np.sqrt(squares / n)
    return Standardisation(mean * top, np.where(rms > 0, rms, 1.0) * top)


def standardise(X: np.ndarray, centre: bool = True) -> tuple[np.ndarray, Standardisation]:
    """Centre (optionally) and scale each column of a checked float array ``X`` (n, d).

    See :func:`fit_standardisation`.

    Returns
    -------
    U : ndarray of shape (n, d)
        The standardised features.
    Standardisation
        The shifts and scales, to map parameters back.
    """
    st = fit_standardisation(X, centre)
    return st.apply(X), st
