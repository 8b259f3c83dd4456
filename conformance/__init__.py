"""tinytb's conformance suite: the files tinytb writes, read by the real TensorBoard.

A package (rather than a loose directory of tests) so that pytest puts the
repository root on ``sys.path``: the suite then imports the checkout's
``tinytb`` without installing it.  Nothing in ``tinytb/`` or ``tests/``
imports this package, and it is not part of the wheel (``setup.cfg`` lists
``packages = tinytb`` only).  See README.md.
"""
