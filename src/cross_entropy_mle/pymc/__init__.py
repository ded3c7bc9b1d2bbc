"""The PyMC layer: the library's models written in PyMC, their MAP estimates and posterior draws.

It sits on the NumPy/SciPy core and is the only part of the package that imports PyMC and
PyTensor; ``import cross_entropy_mle`` loads it on first use of one of its names. The modules:

``models``    softmax regression in PyMC (the pivot, over-parametrised and zero-sum models)
              and the prior checks every builder shares
``map``       the MAP by :func:`pymc.find_MAP` (:func:`~.map.fit_map`) and the reading of its
              report under the core's convergence policy
``network``   the one-hidden-layer network in PyMC, its MAP and its posterior draws as networks
``sampling``  running the sampler quietly: its log lines and warnings collected as text

Every MAP fitter returns the core's :class:`~cross_entropy_mle.FitResult`, with the values
(``nll``, ``objective``, ``grad_norm``) recomputed by the core's objective at PyMC's estimate
and judged by the core's convergence policy (:mod:`cross_entropy_mle.convergence`).
"""
