# SPDX-License-Identifier: MIT
"""Adapters that let frameworks log through tinytb where no TensorBoard package is installed.

Each module imports its framework (import one only where the framework is installed):

* :mod:`tinytb.integrations.lightning`: ``TensorBoardLogger`` for Lightning's ``Trainer``;
* :mod:`tinytb.integrations.transformers`: ``TensorBoardCallback`` for Hugging Face's
  ``Trainer``;
* :mod:`tinytb.integrations.accelerate`: ``TensorBoardTracker`` for
  ``Accelerator(log_with=[...])``;
* :mod:`tinytb.integrations.ray`: ``TBXLoggerCallback`` for Ray Tune.

Nothing else in tinytb imports this package (tests/test_layering.py checks), so the core stays
on the standard library.
"""
