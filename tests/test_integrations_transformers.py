# SPDX-License-Identifier: MIT
"""tinytb.integrations.transformers: the callback's hooks driven by hand (no training run:
conformance/test_frameworks_transformers.py trains a model)."""

import json
import logging
import os
import struct
import sys

import pytest

pytest.importorskip("transformers", reason="tinytb.integrations.transformers needs transformers")

from transformers import TrainerControl, TrainerState  # noqa: E402
from transformers.integrations import integration_utils  # noqa: E402

from tinytb import SummaryWriter  # noqa: E402
from tinytb.integrations import transformers as tt  # noqa: E402
from tinytb.reader import SummaryReader  # noqa: E402


class _Args:
    """The two things the callback reads from ``TrainingArguments``."""

    def __init__(self, output_dir):
        self.output_dir = output_dir

    def to_json_string(self):
        return json.dumps({"output_dir": self.output_dir, "learning_rate": 0.5}, indent=2)


class _Config:
    def to_json_string(self):
        return '{"n_layer": 1}'


class _Model:
    config = _Config()


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _state(step, zero=True):
    state = TrainerState()
    state.global_step = step
    state.is_world_process_zero = zero
    return state


def test_builds_without_tensorboard_and_keeps_a_given_writer(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    cb = tt.TensorBoardCallback(tb_writer=writer)
    assert cb.tb_writer is writer
    assert isinstance(cb, integration_utils.TensorBoardCallback)
    writer.close()


def test_builds_where_transformers_own_refuses(tmp_path, monkeypatch):
    # A None entry in sys.modules makes importlib.util.find_spec report the package absent,
    # which is how Transformers decides TensorBoard is not installed.
    for name in ("tensorboard", "tensorboardX"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(RuntimeError, match="tensorboard"):
        integration_utils.TensorBoardCallback()
    cb = tt.TensorBoardCallback()
    assert cb._SummaryWriter is SummaryWriter and cb.tb_writer is None


def test_logging_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", "~/tb-here")
    assert tt.TensorBoardCallback().logging_dir == os.path.expanduser("~/tb-here")
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR")
    assert tt.TensorBoardCallback().logging_dir is None


def test_hooks_write_text_scalars_and_close(tmp_path, monkeypatch, caplog):
    logdir = str(tmp_path / "tb")
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", logdir)
    cb = tt.TensorBoardCallback()
    args, control = _Args(str(tmp_path)), TrainerControl()
    cb.on_train_begin(args, _state(0), control, model=_Model())
    assert isinstance(cb.tb_writer, SummaryWriter)
    cb.on_log(args, _state(3), control, logs={"loss": 1.25, "grad_norm": 2, "epoch": 0.5})
    with caplog.at_level(logging.WARNING):
        cb.on_log(args, _state(4), control, logs={"eval_loss": 0.75, "eval_v": [1, 2]})
    assert "eval/v" in caplog.text
    cb.on_log(args, _state(5), control, logs={"test_acc": 0.125, "note": "hi"})
    cb.on_train_end(args, _state(5), control)
    assert cb.tb_writer is None

    r = SummaryReader(logdir)
    got = {(row.tag, row.step): row.value for row in r.scalars}
    assert got == {
        ("train/loss", 3): 1.25,
        ("train/grad_norm", 3): 2.0,
        ("train/epoch", 3): 0.5,
        ("eval/loss", 4): 0.75,
        ("test/acc", 5): 0.125,
    }
    texts = {(row.tag, row.step): row.value for row in r.text}
    assert json.loads(texts[("args", 0)])["output_dir"] == str(tmp_path)
    assert texts[("model_config", 0)] == '{"n_layer": 1}'
    assert texts[("train/note", 5)] == "hi"
    assert len(r.hparams) == 0  # Transformers 5 writes no hparams session


def test_default_logdir_is_under_output_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    cb = tt.TensorBoardCallback()
    args = _Args(str(tmp_path))
    cb.on_train_begin(args, _state(0), TrainerControl())
    cb.on_log(args, _state(1), TrainerControl(), logs={"loss": 0.1})
    cb.on_train_end(args, _state(1), TrainerControl())
    runs = tmp_path / "runs"
    (run,) = os.listdir(str(runs))
    r = SummaryReader(str(runs / run))
    assert [(row.tag, row.step, row.value) for row in r.scalars] == [("train/loss", 1, _f32(0.1))]


def test_other_processes_write_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", str(tmp_path / "tb"))
    cb = tt.TensorBoardCallback()
    args = _Args(str(tmp_path))
    cb.on_train_begin(args, _state(0, zero=False), TrainerControl())
    cb.on_log(args, _state(1, zero=False), TrainerControl(), logs={"loss": 0.1})
    assert cb.tb_writer is None
    assert not (tmp_path / "tb").exists()


def test_register_replaces_the_tensorboard_entry(monkeypatch):
    table = integration_utils.INTEGRATION_TO_CALLBACK
    monkeypatch.setitem(table, "tensorboard", table["tensorboard"])
    tt.register()
    assert integration_utils.get_reporting_integration_callbacks(["tensorboard"]) == [
        tt.TensorBoardCallback
    ]
