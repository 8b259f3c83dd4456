# SPDX-License-Identifier: MIT
"""tinytb.integrations.ray: the logger callback driven by hand with a stand-in trial (no Ray
cluster: conformance/test_frameworks_ray.py runs a Tuner)."""

import logging
import os
import struct
import sys

import pytest

pytest.importorskip("ray.tune", reason="tinytb.integrations.ray needs ray[tune]")

from ray.tune import logger as ray_logger  # noqa: E402

from tinytb import SummaryWriter  # noqa: E402
from tinytb.integrations import ray as tr  # noqa: E402
from tinytb.reader import SummaryReader  # noqa: E402


class _Trial:
    """What the callback reads from a ``ray.tune.experiment.Trial``."""

    def __init__(self, path, evaluated_params):
        self.local_path = str(path)
        self.evaluated_params = evaluated_params

    def init_local_path(self):
        os.makedirs(self.local_path, exist_ok=True)


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _result(iteration, **values):
    base = {
        "training_iteration": iteration,
        "timestamp": 1700000000 + iteration,
        "time_total_s": 0.5 * iteration,
        "pid": 4242,
        "config": {"lr": 0.1},
        "trial_id": "abc",
        "done": False,
    }
    base.update(values)
    return base


def test_builds_without_tensorboardx(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # "import tensorboardX" fails
    with pytest.raises(ImportError):
        ray_logger.TBXLoggerCallback()
    cb = tr.TBXLoggerCallback()
    assert cb._summary_writer_cls is SummaryWriter
    assert isinstance(cb, ray_logger.TBXLoggerCallback)  # so Ray adds no default one


def test_results_and_hparams(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    params = {"lr": 0.25, "opt": {"name": "sgd", "nesterov": True}, "gone": None, "ws": [1, 2]}
    trial = _Trial(tmp_path / "trial", params)
    cb = tr.TBXLoggerCallback()
    cb.log_trial_start(trial)
    cb.log_trial_result(1, trial, _result(1, score=1.5, info={"x": 3}, nan=float("nan")))
    cb.log_trial_result(2, trial, _result(2, score=0.75, info={"x": 4}, timesteps_total=20))
    cb.log_trial_result(3, trial, _result(3, score=0.5, info={"x": 5}, hist=[1.0, 2.0, 2.0]))
    cb.log_trial_end(trial)
    assert trial not in cb._trial_writer

    r = SummaryReader(trial.local_path)
    got = {(row.tag, row.step): row.value for row in r.scalars}
    assert got == {
        ("ray/tune/score", 1): 1.5,
        ("ray/tune/info/x", 1): 3.0,
        ("ray/tune/done", 1): 0.0,
        ("ray/tune/score", 20): 0.75,
        ("ray/tune/info/x", 20): 4.0,
        ("ray/tune/done", 20): 0.0,
        ("ray/tune/timesteps_total", 20): 20.0,
        ("ray/tune/score", 3): 0.5,
        ("ray/tune/info/x", 3): 5.0,
        ("ray/tune/done", 3): 0.0,
    }
    (hist,) = list(r.histograms)
    assert (hist.tag, hist.step) == ("ray/tune/hist", 3)
    hp = {row.tag: row.value for row in r.hparams}
    assert hp == {"lr": 0.25, "opt/name": "sgd", "opt/nesterov": True}


def test_no_hparams_without_searched_parameters(tmp_path):
    trial = _Trial(tmp_path / "trial", {})
    cb = tr.TBXLoggerCallback()
    cb.log_trial_result(1, trial, _result(1, score=_f32(0.1)))
    cb.log_trial_end(trial)
    r = SummaryReader(trial.local_path)
    got = {(row.tag, row.step): row.value for row in r.scalars}
    assert got[("ray/tune/score", 1)] == _f32(0.1)
    assert len(r.hparams) == 0


def test_numpy_parameters_become_python_values(tmp_path):
    np = pytest.importorskip("numpy", reason="numpy hyperparameters need numpy")
    params = {"a": np.float32(0.5), "b": np.int64(3), "c": np.bool_(False), "d": object()}
    trial = _Trial(tmp_path / "trial", params)
    cb = tr.TBXLoggerCallback()
    cb.log_trial_result(1, trial, _result(1, score=np.float64(2.0)))
    cb.log_trial_end(trial)
    r = SummaryReader(trial.local_path)
    assert {row.tag: row.value for row in r.hparams} == {"a": 0.5, "b": 3.0, "c": False}
    assert [row.value for row in r.scalars if row.tag == "ray/tune/score"] == [2.0]


def test_hparams_failure_is_logged_not_raised(tmp_path, caplog):
    # A non-str name: tensorboardX's protobuf map refuses it too, and Ray logs the exception.
    trial = _Trial(tmp_path / "trial", {1: 0.5})
    cb = tr.TBXLoggerCallback()
    cb.log_trial_result(1, trial, _result(1, score=1.0))
    with caplog.at_level(logging.ERROR):
        cb.log_trial_end(trial)
    assert "failed to log hparams" in caplog.text
    assert trial not in cb._trial_writer
    assert len(SummaryReader(trial.local_path).hparams) == 0


def test_arrays_become_media_and_bad_values_a_warning(tmp_path, caplog):
    np = pytest.importorskip("numpy", reason="array results need numpy")
    trial = _Trial(tmp_path / "trial", {})
    cb = tr.TBXLoggerCallback()
    rng = np.random.RandomState(0)
    result = _result(
        2,
        img=rng.rand(3, 4, 5).astype(np.float32),  # CHW: one image
        imgs=rng.rand(2, 3, 4, 5),  # NCHW: a batch of images
        vid=rng.rand(1, 2, 3, 4, 4),  # NTCHW: a video
        bad=[[]],  # tinytb refuses it; Ray warns once and goes on
    )
    with caplog.at_level(logging.WARNING):
        cb.log_trial_result(2, trial, result)
    cb.log_trial_end(trial)
    r = SummaryReader(trial.local_path)
    assert sorted((row.tag, row.step) for row in r.images) == [
        ("ray/tune/img", 2),
        ("ray/tune/imgs", 2),
        ("ray/tune/vid", 2),
    ]
    assert len(r.histograms) == 0


def _tbx_loggers(callbacks):
    return [type(cb) for cb in callbacks if isinstance(cb, ray_logger.TBXLoggerCallback)]


def test_ray_adds_no_default_tbx_logger_beside_this_one(monkeypatch):
    from ray.tune.utils.callback import _create_default_callbacks

    monkeypatch.delenv("RAY_TUNE_CALLBACKS", raising=False)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # Ray's would fail: warned, left out
    assert _tbx_loggers(_create_default_callbacks([tr.TBXLoggerCallback()])) == [
        tr.TBXLoggerCallback
    ]
    # RAY_TUNE_CALLBACKS (class import paths) is read before Ray adds its defaults.
    monkeypatch.setenv("RAY_TUNE_CALLBACKS", "tinytb.integrations.ray.TBXLoggerCallback")
    assert _tbx_loggers(_create_default_callbacks([])) == [tr.TBXLoggerCallback]
