"""Lightning trains a tiny model through tinytb.integrations.lightning, for real.

A Linear(4, 1) regression, 2 epochs of 4 steps on CPU, logging ``train_loss`` every step and
``val_loss`` every epoch, with hyperparameters that are nested, boolean, None and a list. The
log is read back with tinytb's reader:

* without TensorBoard (requirements-frameworks.txt): tensorboard and tensorflow are absent
  (tensorboardX too, unless ray[tune] brought it: the run below hides all three, and PyTorch's
  ``torch.utils.tensorboard``, behind an import blocker in any environment), and the file
  holds exactly the scalars Lightning handed the logger (``log_metrics`` calls: tags, steps,
  values), the hparams session (Lightning's flattened,
  sanitized hyperparameters, ``hp_metric`` as its metric) and the graph of ``log_graph=True``;
* with TensorBoard (the reference environment): the same run with Lightning's own logger on
  PyTorch's writer gives the same scalars (tags, steps, values) and the same hparams session.
"""

import os

import pytest

from . import deps
from .frameworks import blocked_modules, no_tensorboard, session_parts

lightning = deps.need_framework("lightning")

import torch  # noqa: E402  (after the gate: lightning brings torch)

from tinytb.integrations import lightning as adapter  # noqa: E402
from tinytb.reader import SummaryReader, event_files, read_events  # noqa: E402

# torch's and Lightning's own deprecation notices (its tracer, its pytree use), and
# Lightning's advice for real data loaders: none of them is about the logger
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The '.*dataloader' does not have many workers"),
]

HPARAMS = {
    "lr": 0.05,
    "model": {"width": 4, "act": "relu", "norm": None},
    "use_bias": True,
    "layers": [4, 1],
}


class _Tiny(lightning.pytorch.LightningModule):
    def __init__(self, lr, model, use_bias, layers):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, 1, bias=use_bias)
        self.example_input_array = torch.zeros(2, 4)

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 4, generator=generator)
    y = x.sum(dim=1, keepdim=True)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=2)


def _recording(logger_class):
    """``logger_class`` that also keeps what Lightning handed ``log_metrics``."""

    class Recording(logger_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.calls = []

        def log_metrics(self, metrics, step=None):
            self.calls.append(({k: float(v) for k, v in metrics.items()}, step))
            super().log_metrics(metrics, step)

    return Recording


def _train(logger):
    torch.manual_seed(0)
    trainer = lightning.pytorch.Trainer(
        max_epochs=2,
        logger=logger,
        accelerator="cpu",
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(_Tiny(**HPARAMS), _loader(), _loader())
    return trainer


def _scalars(logdir):
    return [(row.tag, row.step, row.value) for row in SummaryReader(logdir).scalars]


def session(logdir):
    """The hparams session of the event files under ``logdir``: {"hparams": {name: (type,
    value)}, "metrics": [tags], "steps": [steps of the three events]} (map order ignored)."""
    found = {"hparams": {}, "types": {}, "metrics": [], "steps": []}
    for files in event_files(logdir).values():
        for path in files:
            for event in read_events(path):
                for value in event.summary.value if event.summary else ():
                    if not value.tag.startswith("_hparams_/"):
                        continue
                    found["steps"].append(event.step)
                    session_parts(value.metadata.plugin_data.content, found)
    return found


def _has_graph(logdir):
    return any(
        event.graph_def
        for files in event_files(logdir).values()
        for path in files
        for event in read_events(path)
    )


@pytest.fixture(scope="module")
def tinytb_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lightning_tinytb")
    before = blocked_modules()
    with no_tensorboard():
        logger = _recording(adapter.TensorBoardLogger)(str(root), name="tiny", log_graph=True)
        trainer = _train(logger)
    assert blocked_modules() == before  # nothing of TensorBoard's was imported
    return logger, trainer


def test_tensorboard_absent_here():
    if deps.missing(["tensorboard"]) == [] and os.environ.get(deps.FRAMEWORKS_ENV) != "1":
        pytest.skip("the reference environment: TensorBoard is installed here")
    # tensorboardX is left out: ray[tune] (requirements-frameworks.txt) depends on it; the
    # Lightning run hides it anyway
    for name in ("tensorboard", "tensorflow"):
        assert deps.missing([name]) == [name], "%s is installed in the frameworks env" % name


def test_logger_is_lightnings(tinytb_run):
    logger, trainer = tinytb_run
    assert isinstance(logger, lightning.pytorch.loggers.TensorBoardLogger)
    assert logger.log_dir == os.path.join(logger.save_dir, "tiny", "version_0")
    assert trainer.log_dir == logger.log_dir
    assert os.path.isfile(os.path.join(logger.log_dir, "hparams.yaml"))


def test_scalars_are_what_lightning_logged(tinytb_run):
    logger, _ = tinytb_run
    expected = [(tag, step, v) for metrics, step in logger.calls for tag, v in metrics.items()]
    tags = {tag for tag, _, _ in expected}
    assert {"train_loss", "val_loss", "epoch", "hp_metric"} <= tags
    assert len([t for t, _, _ in expected if t == "train_loss"]) == 8  # 2 epochs x 4 steps
    expected = sorted((t, 0 if s is None else s, v) for t, s, v in expected)  # None: step 0
    got = sorted(_scalars(logger.log_dir))
    assert [(t, s) for t, s, _ in got] == [(t, s) for t, s, _ in expected]
    assert [v for _, _, v in got] == pytest.approx([v for _, _, v in expected], rel=1e-6)


def test_hparams_session(tinytb_run):
    logger, _ = tinytb_run
    found = session(logger.log_dir)
    assert found["hparams"] == {
        "lr": 0.05,
        "model/width": 4.0,
        "model/act": "relu",
        "model/norm": "None",  # Lightning's _sanitize_params: str(None)
        "use_bias": 1.0,  # PyTorch's hparams: a bool is an int, written as a number
        "layers": "[4, 1]",
    }
    assert found["metrics"] == ["hp_metric"]
    assert found["steps"] == [0, 0, 0]


def test_log_graph(tinytb_run):
    logger, _ = tinytb_run
    assert _has_graph(logger.log_dir)


def test_same_as_lightnings_own_logger(tinytb_run, tmp_path):
    if deps.missing(["tensorboard"]):
        pytest.skip("no tensorboard here: the comparison runs in the reference environment")
    logger, _ = tinytb_run
    own = lightning.pytorch.loggers.TensorBoardLogger(str(tmp_path), name="tiny", log_graph=True)
    _train(own)
    got, want = _scalars(logger.log_dir), _scalars(own.log_dir)
    assert [(t, s) for t, s, _ in got] == [(t, s) for t, s, _ in want]
    assert [v for _, _, v in got] == pytest.approx([v for _, _, v in want], rel=1e-6)
    assert session(logger.log_dir) == session(own.log_dir)
    assert _has_graph(own.log_dir)
    # the constructor sets what Lightning's sets (it skips only the availability check)
    ours, theirs = adapter.TensorBoardLogger(str(tmp_path)), own.__class__(str(tmp_path))
    assert {k: repr(v) for k, v in vars(ours).items() if k != "_log_graph"} == {
        k: repr(v) for k, v in vars(theirs).items() if k != "_log_graph"
    }


def _fabric_run(logger):
    fabric = lightning.fabric.Fabric(accelerator="cpu", devices=1, loggers=[logger])
    fabric.logger.log_hyperparams({"opt": {"lr": 0.1}, "flag": False})
    for step in range(3):
        fabric.log("loss", 1.0 / (step + 1), step=step)
        fabric.log_dict({"a": float(step), "b": {"x": 2.0 * step}}, step=step)
    logger.finalize("success")
    return logger.log_dir


def test_fabric_logger(tmp_path):
    with no_tensorboard():
        log_dir = _fabric_run(adapter.FabricTensorBoardLogger(str(tmp_path / "tinytb")))
    # the run and log_dict's add_scalars sub-run "b_x" below it
    assert sorted(_scalars(log_dir)) == sorted(
        [("hp_metric", 0, -1.0)]
        + [("loss", s, pytest.approx(1.0 / (s + 1))) for s in range(3)]
        + [("a", s, float(s)) for s in range(3)]
        + [("b", s, 2.0 * s) for s in range(3)],
        key=lambda row: row[:2],
    )
    assert _scalars(os.path.join(log_dir, "b_x")) == [("b", s, 2.0 * s) for s in range(3)]
    assert session(log_dir)["hparams"] == {"opt/lr": 0.1, "flag": 0.0}
    if deps.missing(["tensorboard"]):
        return  # the comparison with Fabric's own logger runs in the reference environment
    own = _fabric_run(lightning.fabric.loggers.TensorBoardLogger(str(tmp_path / "own")))
    assert _scalars(own) == _scalars(log_dir)
    assert session(own) == session(log_dir)
