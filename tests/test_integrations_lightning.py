"""tinytb.integrations.lightning: Lightning's TensorBoardLogger writing through tinytb.

Needs Lightning (conformance/requirements-frameworks.txt); the training runs are in
conformance/test_frameworks_lightning.py. Here: versions, directories, prefix, the
hp_metric placeholder and the hyperparameter values as the logger writes them.
"""

import argparse
import os

import pytest

pytest.importorskip("lightning", reason="Lightning is not installed (requirements-frameworks.txt)")

import lightning  # noqa: E402

from tinytb import reader  # noqa: E402
from tinytb.integrations import lightning as adapter  # noqa: E402


def _scalars(logdir):
    return sorted((row.tag, row.step, row.value) for row in reader.SummaryReader(logdir).scalars)


def _hparams(logdir):
    return {row.tag: row.value for row in reader.SummaryReader(logdir).hparams}


def test_subclasses_lightnings_loggers():
    assert issubclass(adapter.TensorBoardLogger, lightning.pytorch.loggers.TensorBoardLogger)
    assert issubclass(adapter.FabricTensorBoardLogger, lightning.fabric.loggers.TensorBoardLogger)
    # Lightning's own methods call into the Fabric logger: ours must come first
    mro = adapter.TensorBoardLogger.__mro__
    assert mro.index(adapter.FabricTensorBoardLogger) < mro.index(
        lightning.fabric.loggers.TensorBoardLogger
    )


def test_versions_count_up(tmp_path):
    first = adapter.TensorBoardLogger(str(tmp_path), name="exp")
    first.log_metrics({"a": 1.0}, step=0)
    first.finalize("success")
    second = adapter.TensorBoardLogger(str(tmp_path), name="exp")
    assert (first.version, second.version) == (0, 1)
    assert second.log_dir == os.path.join(str(tmp_path), "exp", "version_1")


def test_string_version_and_sub_dir(tmp_path):
    logger = adapter.TensorBoardLogger(tmp_path, name="", version="run", sub_dir="train")
    assert logger.log_dir == os.path.join(str(tmp_path), "run", "train")
    logger.log_metrics({"loss": 0.5}, step=2)
    logger.finalize("success")
    assert _scalars(logger.log_dir) == [("loss", 2, 0.5)]


def test_prefix_and_dict_metrics(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path), prefix="train")
    logger.log_metrics({"loss": 0.25, "acc": {"top1": 0.5}}, step=3)
    logger.finalize("success")
    scalars = _scalars(logger.log_dir)
    assert ("train-loss", 3, 0.25) in scalars
    # add_scalars: a sub-run per key, as PyTorch's writer does
    sub = os.path.join(logger.log_dir, "train-acc_top1")
    assert _scalars(sub) == [("train-acc", 3, 0.5)]


def test_hp_metric_placeholder(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path))
    logger.log_hyperparams({"lr": 0.1})
    logger.finalize("success")
    assert _scalars(logger.log_dir) == [("hp_metric", 0, -1.0)]
    assert _hparams(logger.log_dir) == {"lr": 0.1}
    assert os.path.isfile(os.path.join(logger.log_dir, "hparams.yaml"))


def test_no_placeholder_no_session(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path), default_hp_metric=False)
    logger.log_hyperparams({"lr": 0.1})
    logger.log_metrics({"loss": 1.0}, step=0)
    logger.finalize("success")
    assert _hparams(logger.log_dir) == {}
    assert logger.hparams == {"lr": 0.1}  # still kept for hparams.yaml


def test_metric_value_becomes_hp_metric(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path))
    logger.log_hyperparams(argparse.Namespace(depth=3), metrics=0.75, step=5)
    logger.finalize("success")
    assert _scalars(logger.log_dir) == [("hp_metric", 5, 0.75)]
    assert _hparams(logger.log_dir) == {"depth": 3.0}


def test_hparam_values_as_lightning_hands_them_to_pytorch():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    flat = adapter.flatten_hparams(
        {
            "opt": {"name": "adam", "betas": (0.9, 0.99), "nested": {"eps": 1e-8}},
            "flag": False,
            "none": None,
            "t": torch.tensor([2.5, 1.0]),
            "grid": torch.zeros(2, 2),
        }
    )
    assert flat == {
        "opt/name": "adam",
        "opt/betas": "(0.9, 0.99)",
        "opt/nested/eps": 1e-8,
        "flag": 0.0,  # PyTorch's hparams: a bool is an int
        "none": "None",  # Lightning's _sanitize_params
        "t": 2.5,  # PyTorch's hparams: the first element
        "grid": str(torch.zeros(2, 2)),  # Lightning: ndim > 1 is a string
    }


def test_session_written_with_those_values(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path))
    logger.log_hyperparams({"model": {"depth": 2, "act": "gelu"}, "bias": True, "x": None})
    logger.finalize("success")
    assert _hparams(logger.log_dir) == {
        "model/depth": 2.0,
        "model/act": "gelu",
        "bias": 1.0,
        "x": "None",
    }


def test_fabric_logger(tmp_path):
    logger = adapter.FabricTensorBoardLogger(str(tmp_path), name="fab", sub_dir="s")
    assert logger.log_dir == os.path.join(str(tmp_path), "fab", "version_0", "s")
    logger.log_hyperparams({"lr": 0.5}, metrics={"val": 2.0}, step=1)
    logger.finalize("success")
    assert _scalars(logger.log_dir) == [("val", 1, 2.0)]
    assert _hparams(logger.log_dir) == {"lr": 0.5}


def test_writer_kwargs_reach_tinytb(tmp_path):
    logger = adapter.TensorBoardLogger(str(tmp_path), filename_suffix=".tiny")
    logger.log_metrics({"a": 1.0}, step=0)
    logger.finalize("success")
    names = os.listdir(logger.log_dir)
    assert [n for n in names if n.startswith("events.")][0].endswith(".tiny")


def test_pickles_without_its_writer(tmp_path):
    import pickle

    logger = adapter.TensorBoardLogger(str(tmp_path))
    logger.log_metrics({"a": 1.0}, step=0)  # the writer exists now
    copy = pickle.loads(pickle.dumps(logger))  # as DDP spawn does
    assert type(copy) is adapter.TensorBoardLogger and copy._experiment is None
    logger.finalize("success")
