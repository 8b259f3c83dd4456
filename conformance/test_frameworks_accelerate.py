"""Accelerate trains a tiny model through tinytb.integrations.accelerate, for real.

A Linear(4, 1) regression for 6 steps on CPU under ``Accelerator(log_with=[TensorBoardTracker
(...)])``: ``init_trackers`` with a config (a float, an int, a string, a bool, None), then
``accelerator.log`` of the loss (a tensor: accelerate's ``listify``), the learning rate, a
string and a dict every step. The log is read back with tinytb's reader:

* without TensorBoard (requirements-frameworks.txt): tensorboard and tensorflow are absent
  (tensorboardX too, unless ray[tune] brought it: the run hides all three, and PyTorch's
  ``torch.utils.tensorboard``, behind an import blocker in any environment), and the run holds
  the scalars and text that were logged (tags, steps, values), the ``add_scalars`` sub-runs,
  and the hparams session of the config in its own sub-run, beside ``hparams.yml``;
* with TensorBoard (the reference environment): the same run with accelerate's own tracker
  (``log_with="tensorboard"``) on PyTorch's writer gives the same scalars, text and session.
"""

import os

import pytest

from . import deps
from .frameworks import blocked_modules, no_tensorboard, session_parts

accelerate = deps.need_framework("accelerate")

import torch  # noqa: E402  (after the gate: accelerate brings torch)

from tinytb.integrations import accelerate as adapter  # noqa: E402
from tinytb.reader import SummaryReader, event_files, read_events  # noqa: E402

CONFIG = {"lr": 0.05, "steps": 6, "optimizer": "sgd", "bias": True, "seed": None}


def _train(log_with, logging_dir):
    """Train; return what was handed to ``accelerator.log``: [(values, step)]."""
    torch.manual_seed(0)
    accelerator = accelerate.Accelerator(cpu=True, log_with=log_with, project_dir=logging_dir)
    accelerator.init_trackers("tiny", config=dict(CONFIG))
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=CONFIG["lr"])
    model, optimizer = accelerator.prepare(model, optimizer)
    generator = torch.Generator().manual_seed(0)
    logged = []
    for step in range(CONFIG["steps"]):
        x = torch.randn(2, 4, generator=generator)
        loss = torch.nn.functional.mse_loss(model(x), x.sum(dim=1, keepdim=True))
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        values = {
            "loss": loss.detach(),
            "lr": CONFIG["lr"],
            "phase": "train %d" % step,
            "parts": {"a": float(step), "b": 2.0 * step},
        }
        accelerator.log(values, step=step)
        logged.append(({k: v for k, v in values.items()}, step))
    accelerator.end_training()
    return logged


def _rows(root, kind):
    """(dir relative to root with time-named sub-runs as "<time>", tag, step, value)."""
    table = getattr(SummaryReader(root, extra_columns={"dir_name"}), kind)
    return sorted((_dir(row.dir_name), row.tag, row.step, row.value) for row in table)


def _dir(name):
    return "/".join("<time>" if p.replace(".", "").isdigit() else p for p in name.split("/"))


def session(root):
    """{dir: {"hparams": {...}, "metrics": [...], "steps": [...]}} of the hparams events."""
    found = {}
    for run, files in event_files(root).items():
        for path in files:
            for event in read_events(path):
                for value in event.summary.value if event.summary else ():
                    if value.tag.startswith("_hparams_/"):
                        part = found.setdefault(
                            _dir(run),  # the run's name: its path below root
                            {"hparams": {}, "types": {}, "metrics": [], "steps": []},
                        )
                        part["steps"].append(event.step)
                        session_parts(value.metadata.plugin_data.content, part)
    return found


@pytest.fixture(scope="module")
def tinytb_run(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("accelerate_tinytb"))
    before = blocked_modules()
    with no_tensorboard():
        logged = _train([adapter.TensorBoardTracker("tiny", root)], root)
    assert blocked_modules() == before  # nothing of TensorBoard's was imported
    return root, logged


def test_tensorboard_absent_here():
    if deps.missing(["tensorboard"]) == [] and os.environ.get(deps.FRAMEWORKS_ENV) != "1":
        pytest.skip("the reference environment: TensorBoard is installed here")
    # tensorboardX is left out: ray[tune] (requirements-frameworks.txt) depends on it; the
    # accelerate run hides it anyway
    for name in ("tensorboard", "tensorflow"):
        assert deps.missing([name]) == [name], "%s is installed in the frameworks env" % name


def test_scalars_and_text_are_what_was_logged(tinytb_run):
    root, logged = tinytb_run
    steps = [step for _, step in logged]
    assert steps == list(range(CONFIG["steps"]))
    scalars = _rows(root, "scalars")
    want = sorted(
        [("tiny", "loss", s, pytest.approx(float(v["loss"]), rel=1e-6)) for v, s in logged]
        + [("tiny", "lr", s, pytest.approx(CONFIG["lr"])) for s in steps]
        + [("tiny/parts_a", "parts", s, float(s)) for s in steps]
        + [("tiny/parts_b", "parts", s, 2.0 * s) for s in steps],
        key=lambda r: r[:3],
    )
    assert [r[:3] for r in scalars] == [r[:3] for r in want]
    assert [r[3] for r in scalars] == [r[3] for r in want]
    assert _rows(root, "text") == sorted(("tiny", "phase", s, "train %d" % s) for s in steps)


def test_hparams_session_and_yaml(tinytb_run):
    root, _ = tinytb_run
    found = session(root)
    assert list(found) == ["tiny/<time>"]
    assert found["tiny/<time>"]["hparams"] == {
        "lr": 0.05,
        "steps": 6.0,
        "optimizer": "sgd",
        "bias": 1.0,  # PyTorch's hparams: a bool is an int, written as a number
    }  # seed=None is left out, as PyTorch does
    assert found["tiny/<time>"]["metrics"] == []
    yamls = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f == "hparams.yml"]
    assert len(yamls) == 1
    with open(yamls[0]) as f:
        assert "optimizer: sgd" in f.read()


def test_nested_config_is_flattened(tmp_path):
    tracker = adapter.TensorBoardTracker("nested", str(tmp_path))
    tracker.start()
    tracker.store_init_configuration({"opt": {"name": "adam", "betas": {"b1": 0.9}}, "x": 1})
    tracker.finish()
    (part,) = session(str(tmp_path)).values()
    assert part["hparams"] == {"opt/name": "adam", "opt/betas/b1": 0.9, "x": 1.0}


def test_same_as_accelerates_own_tracker(tinytb_run, tmp_path):
    if deps.missing(["tensorboard"]):
        pytest.skip("no tensorboard here: the comparison runs in the reference environment")
    root, logged = tinytb_run
    own = str(tmp_path)
    logged_own = _train("tensorboard", own)
    assert [float(v["loss"]) for v, _ in logged_own] == [float(v["loss"]) for v, _ in logged]
    got, want = _rows(root, "scalars"), _rows(own, "scalars")
    assert [r[:3] for r in got] == [r[:3] for r in want]
    assert [r[3] for r in got] == pytest.approx([r[3] for r in want], rel=1e-6)
    assert _rows(root, "text") == _rows(own, "text")
    assert session(root) == session(own)
