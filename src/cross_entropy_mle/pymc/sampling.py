"""Running PyMC's sampler quietly: its log lines and warnings collected as text.

:func:`capture_sampler_messages` collects what PyMC logs and warns while it runs, so a notebook
can report the relevant facts (divergences, tree depth, chain diagnostics) as text instead of
leaking log lines into its output, without ever hiding a deprecation.
"""

import contextlib
import logging
import warnings

__all__ = ["capture_sampler_messages"]

#: Warnings about the calling code rather than the sampler's findings: never kept back.
NEVER_HIDDEN = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


@contextlib.contextmanager
def capture_sampler_messages(logger="pymc"):
    """Collect the log records and warnings emitted inside the ``with`` block.

    The records of ``logger`` (and its children) are kept out of the output and stored, as are
    the sampler's own warnings; the caller decides what to show. Deprecation and future warnings
    (:data:`NEVER_HIDDEN`) are not the sampler's findings but problems of the code calling it:
    they are warned again when the block ends, so they are never hidden.

    Parameters
    ----------
    logger : str
        Name of the logger to capture.

    Yields
    ------
    list of str
        Filled with ``"<LEVEL>: <message>"`` for each log record and
        ``"<WarningClass>: <message>"`` for each warning: the log records as they arrive, the
        warnings (each in order) when the block ends.
    """
    if not isinstance(logger, str):
        raise TypeError(f"logger must be a logger name, got {type(logger).__name__}")
    messages = []

    class _Collect(logging.Handler):
        def emit(self, record):
            messages.append(f"{record.levelname}: {record.getMessage()}")

    log = logging.getLogger(logger)
    handler = _Collect(level=logging.DEBUG)
    old_level, old_propagate, old_handlers = log.level, log.propagate, log.handlers[:]
    log.handlers = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        for w in caught:
            if issubclass(w.category, NEVER_HIDDEN):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            else:
                messages.append(f"{w.category.__name__}: {w.message}")
    finally:
        log.handlers = old_handlers
        log.propagate = old_propagate
        log.setLevel(old_level)
