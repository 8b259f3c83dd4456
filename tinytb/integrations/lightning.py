# SPDX-License-Identifier: MIT
"""Lightning's ``TensorBoardLogger``, writing through tinytb (no TensorBoard package needed).

::

    from tinytb.integrations.lightning import TensorBoardLogger
    trainer = lightning.pytorch.Trainer(logger=TensorBoardLogger("logs"))

Lightning's own logger (``lightning.pytorch.loggers.TensorBoardLogger``, and Fabric's
``lightning.fabric.loggers.TensorBoardLogger``) refuses to start unless ``tensorboard`` or
``tensorboardX`` is installed, builds its writer from one of them, and imports PyTorch's
``torch.utils.tensorboard.summary.hparams`` (which needs ``tensorboard``) for hyperparameters.
The classes here are subclasses of Lightning's, so the Trainer, callbacks and
``isinstance(logger, TensorBoardLogger)`` checks treat them as Lightning's logger; they replace
only those three places:

* the constructor sets the same attributes as Lightning's, without the availability check;
* ``experiment`` is a :class:`tinytb.SummaryWriter` (``log_dir`` and ``**kwargs`` as Lightning
  passes them to PyTorch's writer);
* ``log_hyperparams`` follows Lightning's code path (``_convert_params``, ``_flatten_dict``
  with ``/``, ``_sanitize_params``, the ``hp_metric`` placeholder of ``default_hp_metric``, the
  metrics logged through ``log_metrics`` with the prefix) and writes the three hparams
  summaries with tinytb's ``summary.hparams`` at ``step``, in the order Lightning writes them.

Hyperparameter values are written as PyTorch's ``hparams`` writes what Lightning hands it:
booleans as the numbers 1.0 / 0.0 (tinytb's own ``add_hparams`` writes booleans as booleans),
tensors as the number of their first element, ``None`` and other objects as their ``str``
(Lightning's ``_sanitize_params``). ``log_graph=True`` works without ``tensorboard`` (Lightning
turns it off there with a warning); the graph is traced with tinytb's ``add_graph``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Union

from lightning.fabric.loggers import TensorBoardLogger as _LightningFabricLogger
from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.fabric.utilities.cloud_io import get_filesystem
from lightning.fabric.utilities.logger import _convert_params, _flatten_dict
from lightning.fabric.utilities.rank_zero import rank_zero_only
from lightning.pytorch.loggers import TensorBoardLogger as _LightningLogger

from ..summary import hparams as _hparams_summaries
from ..writer import SummaryWriter

__all__ = ["FabricTensorBoardLogger", "TensorBoardLogger"]

PathLike = Union[str, "os.PathLike[str]"]


def _pytorch_hparam(value: Any) -> Any:
    """``value`` as PyTorch's ``hparams`` records it (after Lightning's ``_sanitize_params``):
    a tensor as its first element, a boolean as a number (``isinstance(True, int)``)."""
    if hasattr(value, "reshape") and hasattr(value, "item"):  # a torch tensor
        value = value.reshape(-1)[0].item()
    if isinstance(value, bool):
        return float(value)
    return value


class FabricTensorBoardLogger(_LightningFabricLogger):
    """``lightning.fabric.loggers.TensorBoardLogger`` writing through tinytb.

    Same arguments: ``root_dir``, ``name="lightning_logs"``, ``version=None`` (the next free
    ``version_N``), ``default_hp_metric=True``, ``prefix=""``, ``sub_dir=None`` and
    ``**kwargs`` for the writer (``max_queue``, ``flush_secs``, ``filename_suffix``...).
    """

    def __init__(
        self,
        root_dir: PathLike,
        name: Optional[str] = "lightning_logs",
        version: Optional[Union[int, str]] = None,
        default_hp_metric: bool = True,
        prefix: str = "",
        sub_dir: Optional[PathLike] = None,
        **kwargs: Any,
    ) -> None:
        # Lightning's constructor less its check for tensorboard/tensorboardX (same attributes)
        super(_LightningFabricLogger, self).__init__()
        root_dir = os.fspath(root_dir)
        self._root_dir = root_dir
        self._name = name or ""
        self._version = version
        self._sub_dir = None if sub_dir is None else os.fspath(sub_dir)
        self._default_hp_metric = default_hp_metric
        self._prefix = prefix
        self._fs = get_filesystem(root_dir)
        self._experiment: Optional[SummaryWriter] = None
        self._kwargs = kwargs

    @property
    @rank_zero_experiment
    def experiment(self) -> SummaryWriter:
        """The :class:`tinytb.SummaryWriter` of ``log_dir`` (a dummy on ranks other than 0)."""
        if self._experiment is not None:
            return self._experiment
        assert rank_zero_only.rank == 0, "tried to init log dirs in non global_rank=0"
        if self.root_dir:
            self._fs.makedirs(self.root_dir, exist_ok=True)
        self._experiment = SummaryWriter(log_dir=self.log_dir, **self._kwargs)
        return self._experiment

    @rank_zero_only
    def log_hyperparams(
        self,
        params: Any,
        metrics: Optional[Any] = None,
        step: Optional[int] = None,
    ) -> None:
        """Record hyperparameters (a dict or ``Namespace``; nested dicts flattened with "/")
        and, as the session's metrics, ``metrics`` (default ``{"hp_metric": -1}``)."""
        params = self._sanitize_params(_flatten_dict(_convert_params(params)))
        if metrics is None:
            if self._default_hp_metric:
                metrics = {"hp_metric": -1}
        elif not isinstance(metrics, dict):
            metrics = {"hp_metric": metrics}
        if metrics:
            self.log_metrics(metrics, step)
            values = {k: _pytorch_hparam(v) for k, v in params.items()}
            writer = self.experiment._get_file_writer()
            for summary in _hparams_summaries(values, metrics):
                writer.add_summary(summary, step)


class TensorBoardLogger(_LightningLogger, FabricTensorBoardLogger):
    """``lightning.pytorch.loggers.TensorBoardLogger`` writing through tinytb.

    Same arguments: ``save_dir``, ``name="lightning_logs"``, ``version=None`` (the next free
    ``version_N`` under ``save_dir/name``), ``log_graph=False``, ``default_hp_metric=True``,
    ``prefix=""``, ``sub_dir=None`` and ``**kwargs`` for the writer. Lightning's
    ``__init__``, ``log_hyperparams`` (which keeps ``self.hparams`` for ``hparams.yaml``),
    ``log_graph``, ``save`` and ``finalize`` run unchanged: their calls to the Fabric logger
    land in :class:`FabricTensorBoardLogger` (it sits between the two in the MRO).
    """

    def __init__(
        self,
        save_dir: PathLike,
        name: Optional[str] = "lightning_logs",
        version: Optional[Union[int, str]] = None,
        log_graph: bool = False,
        default_hp_metric: bool = True,
        prefix: str = "",
        sub_dir: Optional[PathLike] = None,
        **kwargs: Any,
    ) -> None:
        # log_graph=False: Lightning would warn that tensorboard is missing and turn it off
        super().__init__(
            save_dir,
            name=name,
            version=version,
            log_graph=False,
            default_hp_metric=default_hp_metric,
            prefix=prefix,
            sub_dir=sub_dir,
            **kwargs,
        )
        self._log_graph = log_graph


def flatten_hparams(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The hyperparameters as the loggers here write them: Lightning's flattening ("/") and
    sanitizing, then PyTorch's reading of booleans and tensors as numbers."""
    flat = _LightningFabricLogger._sanitize_params(_flatten_dict(_convert_params(dict(params))))
    return {k: _pytorch_hparam(v) for k, v in flat.items()}
