"""The network's symmetries: relabelled and sign-flipped hidden units leave the logits unchanged."""

import itertools
import math

import numpy as np
import pytest

from cross_entropy_mle.network import network_logits, pack_network, random_network
from cross_entropy_mle.symmetry import (
    canonical_network,
    flip_hidden,
    permute_hidden,
    symmetric_networks,
)


@pytest.fixture(scope="module")
def net():
    return random_network(2, 3, 3, np.random.default_rng(0), scale=1.5)


def test_permutations_and_sign_flips_leave_the_logits_unchanged(net):
    X = np.random.default_rng(4).normal(size=(20, 2))
    z = network_logits(X, net)
    for perm in itertools.permutations(range(3)):
        np.testing.assert_allclose(
            network_logits(X, permute_hidden(net, np.array(perm))), z, rtol=1e-13, atol=1e-13
        )
    for signs in itertools.product((1, -1), repeat=3):
        np.testing.assert_allclose(
            network_logits(X, flip_hidden(net, np.array(signs))), z, rtol=1e-13, atol=1e-13
        )
    swapped = permute_hidden(net, np.array([1, 0, 2]))
    np.testing.assert_array_equal(swapped.hidden_weights[0], net.hidden_weights[1])
    flipped = flip_hidden(net, np.array([-1, 1, 1]))
    np.testing.assert_array_equal(flipped.output_weights[:, 0], -net.output_weights[:, 0])


def test_symmetric_networks_are_distinct_equivalent_and_share_a_canonical_form(net):
    X = np.random.default_rng(5).normal(size=(20, 2))
    copies = symmetric_networks(net)
    assert len(copies) == math.factorial(3) * 2**3
    thetas = np.array([pack_network(c) for c in copies])
    assert len({tuple(np.round(t, 12)) for t in thetas}) == len(copies)
    np.testing.assert_array_equal(thetas[0], pack_network(net))
    canon = pack_network(canonical_network(net))
    for c in copies:
        np.testing.assert_allclose(network_logits(X, c), network_logits(X, net), atol=1e-12)
        np.testing.assert_allclose(pack_network(canonical_network(c)), canon, atol=1e-15)
    assert np.all(canonical_network(net).output_weights[1] >= 0)
    assert np.all(np.diff(canonical_network(net).output_weights[1]) <= 0)


def test_canonical_network_with_a_sort_key(net):
    def angle(n):
        return np.arctan2(n.hidden_weights[:, 1], n.hidden_weights[:, 0])

    canon = canonical_network(net, sort_key=angle)
    assert np.all(np.diff(angle(canon)) >= 0)
    assert np.all(canon.output_weights[1] >= 0)
    for c in symmetric_networks(net):
        np.testing.assert_allclose(
            pack_network(canonical_network(c, sort_key=angle)), pack_network(canon), atol=1e-15
        )
    with pytest.raises(ValueError, match="one number per hidden unit"):
        canonical_network(net, sort_key=lambda n: np.zeros(2))
    with pytest.raises(TypeError, match="callable"):
        canonical_network(net, sort_key="angle")
