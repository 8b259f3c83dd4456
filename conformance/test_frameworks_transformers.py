"""Hugging Face Transformers' Trainer logging through tinytb.integrations.transformers.

A one-layer GPT-2 built from a config (nothing downloaded) trains for a few steps on a tiny
in-memory dataset; the log is read back with tinytb's reader and checked against what the
Trainer logged (a recording callback): the scalar tags, steps and values, the two text
summaries, no hparams session. Where TensorBoard is installed, Transformers' own callback on
PyTorch's writer runs in the same Trainer and both logs must hold the same events; where it is
not (the adapters' environment), Transformers' own callback must refuse to start and this one
must not need it.
"""

import json
import os
import struct

import pytest

from . import deps

transformers = deps.need_framework("transformers")
torch = deps.need_framework("torch")

from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback  # noqa: E402
from transformers import TrainingArguments  # noqa: E402
from transformers.integrations import integration_utils  # noqa: E402

from tinytb.integrations import transformers as tt  # noqa: E402
from tinytb.reader import SummaryReader  # noqa: E402

STEPS = 4
SEQ = 8
VOCAB = 16


class _Recorder(TrainerCallback):
    """What the Trainer hands every logging callback: (global_step, logs) per on_log."""

    def __init__(self):
        self.logs = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.logs.append((state.global_step, dict(logs)))


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def _tag(key):
    # Transformers' rewrite_logs, restated: eval_/test_ prefixes become folders, the rest train/
    for prefix in ("eval", "test"):
        if key.startswith(prefix + "_"):
            return prefix + "/" + key[len(prefix) + 1 :]
    return "train/" + key


def _trainer(tmp_path, callbacks, steps=STEPS, report_to="none"):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    config = GPT2Config(
        vocab_size=VOCAB,
        n_positions=SEQ,
        n_embd=8,
        n_layer=1,
        n_head=2,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = GPT2LMHeadModel(config)
    rows = [[(i * 3 + j) % VOCAB for j in range(SEQ)] for i in range(8)]
    data = [{"input_ids": r, "labels": r} for r in rows]
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=steps,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=4,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="no",
        report_to=report_to,
        use_cpu=True,
        disable_tqdm=True,
        dataloader_num_workers=0,
        seed=0,
    )
    return Trainer(
        model=model, args=args, train_dataset=data, eval_dataset=data[:4], callbacks=callbacks
    )


def _expected_scalars(records):
    expected = {}
    for step, logs in records:
        for key, value in logs.items():
            if isinstance(value, (int, float)):
                expected[(_tag(key), step)] = _f32(value)
    return expected


def _scalars(logdir):
    return {(row.tag, row.step): row.value for row in SummaryReader(logdir).scalars}


def _check_log(logdir, trainer, records):
    r = SummaryReader(logdir)
    assert {(row.tag, row.step): row.value for row in r.scalars} == _expected_scalars(records)
    tags = {row.tag for row in r.scalars}
    assert {"train/loss", "train/learning_rate", "eval/loss", "train/train_runtime"} <= tags
    texts = {(row.tag, row.step): row.value for row in r.text}
    assert texts == {
        ("args", 0): trainer.args.to_json_string(),
        ("model_config", 0): trainer.model.config.to_json_string(),
    }
    assert json.loads(texts[("args", 0)])["max_steps"] == STEPS
    assert len(r.hparams) == 0  # Transformers 5 writes no hparams session


def test_trainer_logs_through_tinytb(tmp_path, monkeypatch):
    if os.environ.get(deps.FRAMEWORKS_ENV, "") == "1":
        assert deps.tensorboard_absent(), "the adapters' environment must not have TensorBoard"
    logdir = str(tmp_path / "tb")
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", logdir)
    recorder = _Recorder()
    trainer = _trainer(tmp_path, [recorder, tt.TensorBoardCallback()])
    trainer.train()
    assert [step for step, _ in recorder.logs if "loss" in _] == [1, 2, 3, 4]
    _check_log(logdir, trainer, recorder.logs)


def test_report_to_tensorboard_after_register(tmp_path, monkeypatch):
    logdir = str(tmp_path / "tb")
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", logdir)
    monkeypatch.setitem(
        integration_utils.INTEGRATION_TO_CALLBACK,
        "tensorboard",
        integration_utils.INTEGRATION_TO_CALLBACK["tensorboard"],
    )
    tt.register()
    recorder = _Recorder()
    trainer = _trainer(tmp_path, [recorder], report_to="tensorboard")
    assert any(isinstance(cb, tt.TensorBoardCallback) for cb in trainer.callback_handler.callbacks)
    trainer.train()
    _check_log(logdir, trainer, recorder.logs)


def test_against_transformers_own_callback(tmp_path):
    if deps.tensorboard_absent():
        # The reason the adapter exists: Transformers' callback cannot start here, even with a
        # writer handed to it.
        with pytest.raises(RuntimeError, match="tensorboard"):
            integration_utils.TensorBoardCallback(tb_writer=object())
        return
    if deps.missing(["tensorboard"]):
        pytest.skip(
            "tensorboardX without tensorboard: neither the adapters' environment (no "
            "TensorBoard package) nor the reference one (PyTorch's writer)"
        )
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    import tinytb

    ours, theirs = str(tmp_path / "tinytb"), str(tmp_path / "torch")
    recorder = _Recorder()
    callbacks = [
        recorder,
        tt.TensorBoardCallback(tb_writer=tinytb.SummaryWriter(ours)),
        integration_utils.TensorBoardCallback(tb_writer=TorchWriter(theirs)),
    ]
    trainer = _trainer(tmp_path, callbacks)
    trainer.train()
    _check_log(ours, trainer, recorder.logs)
    _check_log(theirs, trainer, recorder.logs)
    a, b = SummaryReader(ours), SummaryReader(theirs)
    for kind in ("scalars", "text", "hparams", "tensors"):
        rows = lambda table: sorted(repr(tuple(row)) for row in table)  # noqa: E731
        assert rows(a.get_events(kind)) == rows(b.get_events(kind)), kind
