# SPDX-License-Identifier: MIT
"""Ray Tune's ``TBXLoggerCallback`` writing through tinytb instead of tensorboardX.

ray 2.60.0's ``ray.tune.logger.TBXLoggerCallback`` imports ``tensorboardX`` when built (and
``tensorboardX.summary.hparams`` at each trial's end). This subclass gives it a
:class:`tinytb.SummaryWriter` per trial and builds the hparams session with
``tinytb.summary.hparams``; everything else is Ray's code, inherited unchanged, so each trial's
directory (``trial.local_path``) gets what Ray writes with tensorboardX:

* per result, at step ``timesteps_total`` (when set and non-zero) else ``training_iteration``:
  every int/float (or numpy int32/int64/float32/float64) value that is not NaN, the result
  flattened with "/" and tagged ``ray/tune/<key>`` (``config``, ``pid``, ``timestamp``,
  ``time_total_s`` and ``training_iteration`` left out); non-empty lists and arrays as a
  histogram, 3-d arrays as an image, 4-d as images, 5-d as a video (20 fps);
* at the trial's end, if it had searched parameters (``trial.evaluated_params``) and results:
  the hparams session (``_hparams_/experiment``, ``session_start_info``, ``session_end_info``,
  step 0, in the trial's own event file): the searched parameters flattened with "/" (str,
  bool, int, float; numpy scalars as Python values; ``None`` and other types left out), the
  last result's scalar tags as the metrics.

Ray adds its own ``TBXLoggerCallback`` unless one is among the callbacks; this class is one (a
subclass), so passing it replaces Ray's rather than doubling the files::

    from tinytb.integrations.ray import TBXLoggerCallback
    tuner = tune.Tuner(fn, run_config=tune.RunConfig(callbacks=[TBXLoggerCallback()]))

or, without touching the code, ``RAY_TUNE_CALLBACKS=tinytb.integrations.ray.TBXLoggerCallback``
(Ray 2.60 builds the callbacks named there before adding its defaults).

Differences from Ray's (tensorboardX): a list-valued hyperparameter is left out of the session
(tensorboardX names it in the experiment, of type ``DATA_TYPE_UNSET``, with no value); the
session's hyperparameters are written in the trial's order (a protobuf map: tensorboardX's
order differs, the decoded session is the same); 5-d arrays are written as GIF videos by tinytb
itself (tensorboardX needs moviepy for them).
"""

from __future__ import annotations

import logging

from ray.tune.logger import TBXLoggerCallback as _RayTBXLoggerCallback
from ray.tune.utils import flatten_dict

from .. import summary as _summary
from ..writer import SummaryWriter

__all__ = ["TBXLoggerCallback"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

logger = logging.getLogger(__name__)

# tensorboardX's hparams() types, in its order: str, bool, then numbers (ints as floats).
_SESSION_TYPES = (str, bool, int, float)


class TBXLoggerCallback(_RayTBXLoggerCallback):
    """Ray Tune's TensorBoard logger callback, writing through tinytb.

    Note that hparams are written only after a trial has terminated, and nested dicts are
    flattened: ``{"a": {"b": 1, "c": 2}} -> {"a/b": 1, "a/c": 2}``, as in Ray.
    """

    def __init__(self) -> None:
        # Ray's __init__ imports tensorboardX's SummaryWriter; the rest is these two tables.
        self._summary_writer_cls = SummaryWriter
        self._trial_writer: Dict[Any, SummaryWriter] = {}
        self._trial_result: Dict[Any, Dict[str, Any]] = {}

    def _try_log_hparams(self, trial: Any, result: Dict[str, Any]) -> None:
        flat_params = flatten_dict(trial.evaluated_params)
        params = {}
        removed = {}
        for key, value in flat_params.items():
            if isinstance(value, self.VALID_NP_HPARAMS):
                value = value.tolist()  # numpy scalar -> Python bool/int/float, as Ray does
            if isinstance(value, _SESSION_TYPES):
                params[key] = value
            elif value is not None:  # tensorboardX skips None silently
                removed[key] = value
        if removed:
            logger.info(
                "Removed the following hyperparameter values when logging to tensorboard: %s",
                str(removed),
            )
        try:
            summaries = _summary.hparams(hparam_dict=params, metric_dict=result)
        except (TypeError, ValueError):
            logger.exception(
                "tinytb failed to log hparams. This may be due to an unsupported type in the "
                "hyperparameter values."
            )
            return
        experiment, session_start, session_end = summaries
        file_writer = self._trial_writer[trial]._get_file_writer()
        for summary in (experiment, session_start, session_end):
            file_writer.add_summary(summary)
