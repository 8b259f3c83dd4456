"""The one place the suite imports the package under test.

Set ``TINYTB_MODULE`` to test another copy, for example a vendored one::

    TINYTB_PATH=/path/to/app TINYTB_MODULE=myapp._vendor.tinytb \\
        python -m pytest conformance

``TINYTB_PATH`` (optional) is prepended to ``sys.path`` first.  For debugging
the suite itself, ``TINYTB_MODULE=torch.utils.tensorboard`` runs PyTorch's writer
in both slots; the known divergences are then not expected (see
``divergences.expected_divergences``).
"""

import importlib
import os
import sys

MODULE_NAME = os.environ.get("TINYTB_MODULE", "tinytb")
EXTRA_PATH = os.environ.get("TINYTB_PATH", "")


def load():
    """Import and return the module under test (it must export SummaryWriter, FileWriter)."""
    if EXTRA_PATH and EXTRA_PATH not in sys.path:
        sys.path.insert(0, EXTRA_PATH)
    module = importlib.import_module(MODULE_NAME)
    for name in ("SummaryWriter", "FileWriter"):
        if not hasattr(module, name):
            raise ImportError("%s has no %s" % (MODULE_NAME, name))
    return module


def is_torch():
    """True when the 'target' slot is PyTorch's own writer (suite self-debugging)."""
    return MODULE_NAME.startswith("torch.")
