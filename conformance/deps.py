"""Requirement gate: a missing reference package skips, with how to install it.

Under CI (the ``CI`` environment variable set) conftest.py turns every skip into
a failure, so a broken CI environment can never pass by skipping.
"""

import importlib

import pytest

INSTALL_HINT = (
    "the conformance suite needs the pinned reference stack: "
    "pip install -r conformance/requirements.txt"
)

# name -> pinned version, as in requirements.txt (reported in the pytest header).
PINNED = {
    "torch": "2.13.0",
    "tensorboard": "2.21.0",
    "tensorboard_data_server": "0.7.2",
    "numpy": "2.4.6",
    "google.protobuf": "7.36.2",
    "PIL": "13.0.0",
    "matplotlib": "3.11.2",
    "onnx": "1.23.2",
    "selenium": "4.51.0",
}


def need(module_name):
    """Import ``module_name`` or skip the calling test with an install hint."""
    return pytest.importorskip(
        module_name, reason="%s is not installed; %s" % (module_name, INSTALL_HINT)
    )


def installed_versions():
    """{name: version or None} for the pinned packages, without failing."""
    found = {}
    for name in PINNED:
        try:
            module = importlib.import_module(name)
        except Exception:  # missing or broken: reported, never raised here
            found[name] = None
            continue
        found[name] = getattr(module, "__version__", "?")
    return found
