"""Tests for cross_entropy_mle.pymc.sampling: collecting the sampler's messages."""

import logging
import warnings

import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.pymc.sampling import capture_sampler_messages


def test_the_package_serves_the_layer_name():
    assert ce.capture_sampler_messages is capture_sampler_messages


def test_capture_sampler_messages_collects_and_restores():
    log = logging.getLogger("pymc")
    before = (log.level, log.propagate, list(log.handlers))
    with capture_sampler_messages() as messages:
        log.info("sampling started")
        logging.getLogger("pymc.sampling").warning("reached the maximum tree depth")
        warnings.warn("r_hat is large", UserWarning, stacklevel=1)
    assert messages == [
        "INFO: sampling started",
        "WARNING: reached the maximum tree depth",
        "UserWarning: r_hat is large",
    ]
    assert (log.level, log.propagate, list(log.handlers)) == before


def test_capture_sampler_messages_restores_after_an_error():
    log = logging.getLogger("pymc")
    before = (log.level, log.propagate, list(log.handlers))
    with pytest.raises(RuntimeError, match="sampler failed"):
        with capture_sampler_messages():
            raise RuntimeError("sampler failed")
    assert (log.level, log.propagate, list(log.handlers)) == before


@pytest.mark.parametrize("category", [DeprecationWarning, FutureWarning, PendingDeprecationWarning])
def test_capture_sampler_messages_never_hides_deprecations(category):
    with pytest.warns(category, match="old API"):
        with capture_sampler_messages() as messages:
            warnings.warn("old API", category, stacklevel=1)
    assert messages == []


def test_capture_sampler_messages_rejects_a_logger_object():
    with pytest.raises(TypeError, match="logger"):
        with capture_sampler_messages(logging.getLogger("pymc")):
            pass
