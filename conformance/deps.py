"""Requirement gate: a missing reference package skips, with how to install it.

Under CI (the ``CI`` environment variable set) conftest.py turns every skip into
a failure, so a broken CI environment can never pass by skipping.
"""

import importlib
import importlib.util
import os

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
    "fsspec": "2026.9.0",
    "s3fs": "2026.9.0",
    "moto": "5.2.6",
}


# The reader's suites (test_reader_tbparse.py, test_export_readers.py) run in their own venv,
# TensorFlow's stack: requirements-reader.txt.
READER_STACK_ENV = "TINYTB_READER_STACK"
READER_HINT = "pip install -r conformance/requirements-reader.txt (and set %s=1)" % READER_STACK_ENV


def missing(modules):
    """The names of ``modules`` that cannot be imported here."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


def need_reader_stack(modules):
    """At a module's top: skip the whole module when its stack (``modules``) is not installed,
    unless TINYTB_READER_STACK=1 says it must be (then :func:`check_reader_stack` fails)."""
    if os.environ.get(READER_STACK_ENV, "") != "1" and missing(modules):
        pytest.skip(
            "%s unset and the reader stack is not installed (missing %s): %s"
            % (READER_STACK_ENV, ", ".join(missing(modules)), READER_HINT),
            allow_module_level=True,
        )


def check_reader_stack(modules):
    """Fail (only reached with TINYTB_READER_STACK=1) unless every module of the stack is
    installed."""
    absent = missing(modules)
    if absent:
        pytest.fail(
            "%s=1 but %s not installed: %s" % (READER_STACK_ENV, ", ".join(absent), READER_HINT)
        )


# The framework adapters' suites (test_frameworks_*.py) need their frameworks; in CI they run
# in their own venv, without TensorBoard: requirements-frameworks.txt.
FRAMEWORKS_ENV = "TINYTB_FRAMEWORKS"
FRAMEWORKS_HINT = "pip install -r conformance/requirements-frameworks.txt (and set %s=1)" % (
    FRAMEWORKS_ENV
)


def need_framework(module_name):
    """At a module's top: the framework ``module_name`` imported, or the whole module skipped
    (with the install hint) unless TINYTB_FRAMEWORKS=1 says it must be there (then fail)."""
    if os.environ.get(FRAMEWORKS_ENV, "") != "1" and missing([module_name]):
        pytest.skip(
            "%s unset and %s is not installed: %s" % (FRAMEWORKS_ENV, module_name, FRAMEWORKS_HINT),
            allow_module_level=True,
        )
    if missing([module_name]):
        pytest.fail(
            "%s=1 but %s is not installed: %s" % (FRAMEWORKS_ENV, module_name, FRAMEWORKS_HINT)
        )
    return importlib.import_module(module_name)


def tensorboard_absent():
    """Whether none of TensorBoard's packages is installed (the adapters' own environment)."""
    return not [m for m in ("tensorboard", "tensorboardX", "tensorflow") if not missing([m])]


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
