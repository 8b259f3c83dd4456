# SPDX-License-Identifier: MIT
"""Accelerate's ``TensorBoardTracker``, writing through tinytb (no TensorBoard package needed).

::

    from tinytb.integrations.accelerate import TensorBoardTracker
    accelerator = Accelerator(log_with=[TensorBoardTracker("run", "logs")])
    accelerator.init_trackers("run", config={"lr": 0.1})

``Accelerator(log_with="tensorboard")`` drops the tracker (a debug log) when neither
``tensorboard`` nor ``tensorboardX`` is installed, and accelerate's ``TensorBoardTracker``
builds its writer from one of them. Accelerate takes tracker *instances* as they are
(``log_with=[...]``; ``init_trackers`` then calls ``start()`` and ``store_init_configuration``),
so this subclass of accelerate's tracker only builds a :class:`tinytb.SummaryWriter` in
``start()`` and keeps the rest: ``log`` (numbers as scalars, strings as text, dicts through
``add_scalars``, tensors through accelerate's ``listify``), ``log_images``, ``finish``,
``tracker`` / ``accelerator.get_tracker("tensorboard", unwrap=True)`` giving the writer, and
the main-process-only behaviour. Logs go to ``logging_dir/run_name`` as with accelerate's; the
``project_name`` and ``init_kwargs`` of ``init_trackers`` do not reach an instance (accelerate
passes them only to the trackers it builds), so the run name and writer arguments are given
here.

``store_init_configuration(config)`` writes what accelerate's writes with PyTorch's writer: an
hparams session with no metrics in a sub-run named ``str(time.time())`` of the run, and the
config as YAML in ``hparams.yml`` of another such sub-run. Its values are written as PyTorch's
``hparams`` writes them: booleans as the numbers 1.0 / 0.0 (tinytb's own ``add_hparams``
writes booleans as booleans), tensors as the number of their first element, ``None`` left out.
One difference: a nested dict in the config is flattened with "/" (``{"opt": {"lr": 0.1}}`` ->
``opt/lr``), where PyTorch's writer raises ``ValueError``; the YAML keeps the config as given.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Mapping, Union

import yaml  # type: ignore[import-untyped]  # (mypy runs without site-packages)
from accelerate.tracking import TensorBoardTracker as _AccelerateTracker
from accelerate.tracking import on_main_process

from ..writer import SummaryWriter

__all__ = ["TensorBoardTracker", "flatten_config"]

PathLike = Union[str, "os.PathLike[str]"]


def flatten_config(values: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """``values`` as the hparams session records them: nested mappings flattened with "/",
    booleans as numbers and tensors as their first element (PyTorch's ``hparams``)."""
    flat: Dict[str, Any] = {}
    for key, value in values.items():
        name = "%s/%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten_config(value, name))
            continue
        if hasattr(value, "reshape") and hasattr(value, "item"):  # a torch tensor
            value = value.reshape(-1)[0].item()
        flat[name] = float(value) if isinstance(value, bool) else value
    return flat


class TensorBoardTracker(_AccelerateTracker):
    """``accelerate.tracking.TensorBoardTracker`` writing through tinytb.

    Args:
        run_name: the run's name: logs go to ``logging_dir/run_name``.
        logging_dir: the directory of the runs.
        **kwargs: passed to :class:`tinytb.SummaryWriter` (``flush_secs``,
            ``filename_suffix``...), as accelerate passes them to PyTorch's writer.
    """

    def __init__(self, run_name: str, logging_dir: PathLike, **kwargs: Any) -> None:
        super().__init__(run_name, logging_dir, **kwargs)

    @on_main_process
    def start(self) -> None:
        self.logging_dir = os.path.join(self.logging_dir_param, self.run_name)
        self.writer = SummaryWriter(self.logging_dir, **self.init_kwargs)

    @on_main_process
    def store_init_configuration(self, values: Dict[str, Any]) -> None:
        """Log ``values`` (the ``config`` of ``init_trackers``) as the run's hyperparameters,
        and store them as YAML, as accelerate's tracker does."""
        self.writer.add_hparams(flatten_config(values), metric_dict={})
        self.writer.flush()
        # a second timestamp, as accelerate's: the YAML's sub-run is not the session's
        dir_name = os.path.join(self.logging_dir, str(time.time()))
        os.makedirs(dir_name, exist_ok=True)
        with open(os.path.join(dir_name, "hparams.yml"), "w") as outfile:
            yaml.dump(values, outfile)
