# SPDX-License-Identifier: MIT
"""Hugging Face Transformers' ``TensorBoardCallback`` writing through tinytb.

transformers 5.25.0's ``transformers.integrations.integration_utils.TensorBoardCallback``
refuses to be built (``RuntimeError``) unless ``tensorboard`` or ``tensorboardX`` is installed,
even when handed a writer. This subclass skips that check and makes its writer a
:class:`tinytb.SummaryWriter`; every hook (``on_train_begin``, ``on_log``, ``on_train_end``) is
Transformers' own, inherited unchanged, so the output is what Transformers writes with
PyTorch's writer:

* ``args/text_summary`` (``TrainingArguments.to_json_string()``) and
  ``model_config/text_summary`` (the model's ``config.to_json_string()``), step 0, at
  ``on_train_begin``;
* at each ``on_log``, every int/float value of the logs as a scalar at ``state.global_step``,
  renamed as Transformers does: ``eval_x`` -> ``eval/x``, ``test_x`` -> ``test/x``, anything
  else ``train/x``; string values as text; other values dropped with a warning;
* no hyperparameter session (transformers 5.x does not call ``add_hparams``).

The log directory is ``$TENSORBOARD_LOGGING_DIR`` or ``<output_dir>/runs/<date>_<host>``
(``<output_dir>/runs/<date>_<host>/<trial>`` in a hyperparameter search), as Transformers'.

Use::

    from tinytb.integrations.transformers import TensorBoardCallback
    trainer = Trainer(model, args, train_dataset=ds, callbacks=[TensorBoardCallback()])

with ``report_to`` left at ``"none"`` (Transformers 5's default): ``report_to="tensorboard"``
would add Transformers' own callback, which fails without TensorBoard. Or call :func:`register`
once, and ``report_to="tensorboard"`` (or ``["tensorboard", ...]``) picks this callback.
"""

from __future__ import annotations

import os

from transformers.integrations import integration_utils as _integration_utils
from transformers.integrations.integration_utils import (
    TensorBoardCallback as _HFTensorBoardCallback,
)

from ..writer import SummaryWriter

__all__ = ["TensorBoardCallback", "register"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional


class TensorBoardCallback(_HFTensorBoardCallback):
    """A ``TrainerCallback`` that sends the logs to TensorBoard event files, through tinytb.

    Args:
        tb_writer: the writer to use (a :class:`tinytb.SummaryWriter`, or anything with
            ``add_text``, ``add_scalar``, ``flush`` and ``close``). One is made at the start of
            training if not set.

    Environment:
        TENSORBOARD_LOGGING_DIR: the log directory (default
            ``os.path.join(args.output_dir, default_logdir())``), as in Transformers.
    """

    def __init__(self, tb_writer: Optional[Any] = None) -> None:
        # Transformers' __init__ only checks for tensorboard, picks a SummaryWriter class and
        # reads the environment; the check is the part left out.
        self._SummaryWriter = SummaryWriter
        self.tb_writer = tb_writer
        self.logging_dir = os.getenv("TENSORBOARD_LOGGING_DIR", None)
        if self.logging_dir is not None:
            self.logging_dir = os.path.expanduser(self.logging_dir)


def register() -> None:
    """Make ``report_to="tensorboard"`` use :class:`TensorBoardCallback` (this module's).

    Transformers looks ``report_to`` names up in ``INTEGRATION_TO_CALLBACK`` when a ``Trainer``
    is built (``get_reporting_integration_callbacks``); this replaces the "tensorboard" entry
    of that dict in place. The table is Transformers' internal, not a documented extension
    point, so passing ``callbacks=[TensorBoardCallback()]`` is the stable route.
    """
    _integration_utils.INTEGRATION_TO_CALLBACK["tensorboard"] = TensorBoardCallback
