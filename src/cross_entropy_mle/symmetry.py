r"""The symmetries of a one-hidden-layer tanh network: relabelled and sign-flipped hidden units.

Relabelling the hidden units (a permutation :math:`\pi`) and flipping the sign of a unit
(:math:`\tanh(-u) = -\tanh(u)`) leave every logit unchanged, so each parameter vector of a
:class:`~cross_entropy_mle.network.Network` has :math:`H!\, 2^H` equivalents with exactly the
same likelihood. :func:`canonical_network` picks one representative per class.
"""

import itertools
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .network import Network, check_network

__all__ = ["canonical_network", "flip_hidden", "permute_hidden", "symmetric_networks"]

# --------------------------------------------------------------------------------------------


def permute_hidden(net: Network, perm: ArrayLike) -> Network:
    r"""Relabel the hidden units: unit ``j`` of the result is unit ``perm[j]`` of ``net``.

    .. math:: A' = P A, \quad a' = P a, \quad V' = V P^\top

    The logits, and so the likelihood, are unchanged.

    Parameters
    ----------
    net : Network
    perm : array_like of int, shape (n_hidden,)
        A permutation of ``0..n_hidden-1``.

    Returns
    -------
    Network
    """
    check_network(net)
    perm = np.asarray(perm)
    H = net.n_hidden
    if (
        perm.shape != (H,)
        or not np.issubdtype(perm.dtype, np.integer)
        or not np.array_equal(np.sort(perm), np.arange(H))
    ):
        raise ValueError(f"perm must be a permutation of 0..{H - 1}, got {perm.tolist()}")
    return Network(
        net.hidden_weights[perm],
        net.hidden_bias[perm],
        net.output_weights[:, perm],
        net.output_bias,
    )


def flip_hidden(net: Network, signs: ArrayLike) -> Network:
    r"""Flip the sign of hidden units: unit ``j``'s input and output weights times ``signs[j]``.

    Because :math:`\tanh` is odd, :math:`v_j \tanh(A_j x + a_j) = (-v_j)\tanh(-A_j x - a_j)`:
    the logits, and so the likelihood, are unchanged.

    Parameters
    ----------
    net : Network
    signs : array_like of shape (n_hidden,)
        Entries +1 or -1.

    Returns
    -------
    Network
    """
    check_network(net)
    s = np.asarray(signs)
    if s.shape != (net.n_hidden,) or not np.all(np.isin(s, (-1, 1))):
        raise ValueError(f"signs must hold {net.n_hidden} entries of +1 or -1, got {s.tolist()}")
    s = s.astype(float)
    return Network(
        net.hidden_weights * s[:, None],
        net.hidden_bias * s,
        net.output_weights * s,
        net.output_bias,
    )


def symmetric_networks(net: Network) -> list[Network]:
    r"""All :math:`H!\, 2^H` networks obtained by permuting and sign-flipping the hidden units.

    Parameters
    ----------
    net : Network

    Returns
    -------
    list of Network
        The identity first; every entry has the same logits as ``net``.
    """
    check_network(net)
    H = net.n_hidden
    out = []
    for perm in itertools.permutations(range(H)):
        for signs in itertools.product((1, -1), repeat=H):
            out.append(flip_hidden(permute_hidden(net, np.array(perm)), np.array(signs)))
    return out


def canonical_network(net: Network, sort_key: Callable | None = None) -> Network:
    r"""The representative of ``net``'s symmetry class with a fixed sign and order of hidden units.

    Each unit's sign is flipped so that its output weight to class 1, :math:`V_{1j}`, is
    non-negative; then the units are sorted in increasing order of ``sort_key`` (by default
    :math:`-V_{1j}`, so by decreasing output weight). Two networks related by
    :func:`permute_hidden` and :func:`flip_hidden` have the same canonical form whenever the
    :math:`V_{1j}` are non-zero and the keys are distinct. When two units have nearly equal
    keys, nearby networks can be sorted differently; choose a key that separates the units
    (for instance the direction of each unit's input weights).

    Parameters
    ----------
    net : Network
    sort_key : callable, optional
        ``sort_key(flipped) -> ndarray of shape (n_hidden,)``, evaluated on the sign-fixed
        network.

    Returns
    -------
    Network
    """
    check_network(net)
    v1 = net.output_weights[1]
    flipped = flip_hidden(net, np.where(v1 < 0, -1, 1))
    if sort_key is None:
        key = -flipped.output_weights[1]
    elif callable(sort_key):
        key = np.asarray(sort_key(flipped), dtype=float)
        if key.shape != (net.n_hidden,):
            raise ValueError(
                f"sort_key must return one number per hidden unit, shape "
                f"({net.n_hidden},), got {key.shape}"
            )
    else:
        raise TypeError(f"sort_key must be callable, got {type(sort_key).__name__}")
    order = np.argsort(key, kind="stable")
    return permute_hidden(flipped, order)
