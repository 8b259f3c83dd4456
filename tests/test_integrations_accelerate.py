"""tinytb.integrations.accelerate: Accelerate's TensorBoardTracker writing through tinytb.

Needs Accelerate (conformance/requirements-frameworks.txt); the training run is in
conformance/test_frameworks_accelerate.py. Here: the config as the session records it, where
the logs go, what ``log`` writes for each kind of value, and the YAML of the config.
"""

import os

import pytest

pytest.importorskip("accelerate", reason="Accelerate is not installed: requirements-frameworks.txt")

import accelerate.tracking  # noqa: E402

from tinytb import reader  # noqa: E402
from tinytb.integrations import accelerate as adapter  # noqa: E402
from tinytb.writer import SummaryWriter  # noqa: E402


def _rows(root, kind):
    table = getattr(reader.SummaryReader(root, extra_columns={"dir_name"}), kind)
    return sorted((row.dir_name, row.tag, getattr(row, "step", None), row.value) for row in table)


def _started(tmp_path, **kwargs):
    tracker = adapter.TensorBoardTracker("run", str(tmp_path), **kwargs)
    tracker.start()
    return tracker


def test_is_accelerates_tracker():
    assert issubclass(adapter.TensorBoardTracker, accelerate.tracking.TensorBoardTracker)
    assert adapter.TensorBoardTracker.name == "tensorboard"
    assert adapter.TensorBoardTracker.requires_logging_directory


def test_flatten_config():
    assert adapter.flatten_config(
        {"opt": {"name": "adam", "betas": {"b1": 0.9}}, "on": True, "off": False, "n": None, 3: 1}
    ) == {"opt/name": "adam", "opt/betas/b1": 0.9, "on": 1.0, "off": 0.0, "n": None, "3": 1}


def test_flatten_config_tensor():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    flat = adapter.flatten_config({"t": torch.tensor([1.5, 2.0]), "b": torch.tensor(True)})
    assert flat == {"t": 1.5, "b": 1.0}


def test_start_builds_a_tinytb_writer(tmp_path):
    tracker = _started(tmp_path, filename_suffix=".acc")
    assert isinstance(tracker.tracker, SummaryWriter)
    assert tracker.logging_dir == os.path.join(str(tmp_path), "run")
    tracker.log({"x": 1}, step=0)
    tracker.finish()
    (name,) = os.listdir(tracker.logging_dir)
    assert name.startswith("events.") and name.endswith(".acc")


def test_log_kinds(tmp_path):
    tracker = _started(tmp_path)
    tracker.log({"loss": 0.5, "epoch": 2, "note": "hello", "pair": {"a": 1.0, "b": 3}}, step=4)
    tracker.log({"skipped": [1, 2]}, step=5)  # a list: accelerate's tracker logs nothing
    tracker.finish()
    assert _rows(str(tmp_path), "scalars") == [
        ("run", "epoch", 4, 2.0),
        ("run", "loss", 4, 0.5),
        ("run/pair_a", "pair", 4, 1.0),
        ("run/pair_b", "pair", 4, 3.0),
    ]
    assert _rows(str(tmp_path), "text") == [("run", "note", 4, "hello")]


def test_store_init_configuration(tmp_path):
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    tracker = _started(tmp_path)
    config = {"lr": 0.1, "opt": {"name": "sgd"}, "flag": True, "none": None}
    tracker.store_init_configuration(config)
    tracker.finish()
    hparams = _rows(str(tmp_path), "hparams")
    assert [(tag, value) for _, tag, _, value in hparams] == [
        ("flag", 1.0),
        ("lr", 0.1),
        ("opt/name", "sgd"),
    ]
    session_run = hparams[0][0]
    assert session_run.startswith("run/") and float(session_run[4:]) > 0  # time.time()
    found = [os.path.join(d, f) for d, _, fs in os.walk(str(tmp_path)) for f in fs]
    (yml,) = [p for p in found if p.endswith("hparams.yml")]
    with open(yml) as f:
        assert yaml.safe_load(f) == config  # the config as given


def test_accelerator_keeps_the_instance(tmp_path):
    tracker = adapter.TensorBoardTracker("run", str(tmp_path))
    assert accelerate.tracking.filter_trackers([tracker]) == [tracker]
