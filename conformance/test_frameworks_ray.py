"""Ray Tune logging through tinytb.integrations.ray.

A function trainable reports a few results for two trials of a grid search (one CPU, no
dashboard, a temporary storage path); each trial's log is read back with tinytb's reader and
checked against the results Tune handed its callbacks (a recording callback): the
``ray/tune/...`` scalar tags, steps and values, and the hparams session of the searched
parameters. Where tensorboardX is installed, Ray's own TBXLoggerCallback runs in the same Tuner
and both logs must hold the same scalars and session; where it is not (the adapters'
environment), Ray's own callback must refuse to start.
"""

import glob
import math
import os
import shutil
import struct
import tempfile

import pytest

from . import deps

ray = deps.need_framework("ray")
tune = deps.need_framework("ray.tune")

from ray.tune.logger import TBXLoggerCallback as RayTBXLoggerCallback  # noqa: E402
from ray.tune.utils import flatten_dict  # noqa: E402

from tinytb import SummaryWriter  # noqa: E402
from tinytb.integrations import ray as tr  # noqa: E402
from tinytb.reader import SummaryReader, read_events  # noqa: E402

ITERATIONS = 3
LEFT_OUT = ("config", "pid", "timestamp", "time_total_s", "training_iteration")


def _trainable(config):
    for i in range(ITERATIONS):
        tune.report(
            {
                "score": config["lr"] * (i + 1),
                "nested": {"x": i, "flag": i % 2 == 0},
                "nan": float("nan"),
                "label": "text is not logged",
            }
        )


class _Recorder(tune.Callback):
    """What Tune hands every logger callback: each trial's results, path and parameters."""

    def __init__(self):
        self.results = {}
        self.params = {}

    def on_trial_result(self, iteration, trials, trial, result, **info):
        self.results.setdefault(trial.local_path, []).append(dict(result))
        self.params[trial.local_path] = dict(trial.evaluated_params)


@pytest.fixture(scope="module")
def ray_session():
    # Ray's session files (logs, sockets) in a directory of our own, short enough for its
    # Unix socket paths, removed afterwards; one CPU, no dashboard, a small object store.
    temp = tempfile.mkdtemp(prefix="tinytb-ray-")
    ray.init(
        num_cpus=1,
        include_dashboard=False,
        object_store_memory=80 * 1024 * 1024,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=temp,
    )
    yield
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def _expected_scalars(results):
    # Ray's rules, restated: step = timesteps_total or training_iteration; numbers not NaN.
    expected = {}
    for result in results:
        step = result.get("timesteps_total") or result["training_iteration"]
        flat = flatten_dict({k: v for k, v in result.items() if k not in LEFT_OUT}, "/")
        for key, value in flat.items():
            if isinstance(value, (int, float)) and not math.isnan(value):
                expected[("ray/tune/" + key, step)] = _f32(value)
    return expected


def _tune(tmp_path, callbacks):
    tuner = tune.Tuner(
        _trainable,
        param_space={
            "lr": tune.grid_search([0.25, 0.5]),
            "opt": {"momentum": tune.choice([0.875])},
            "fixed": 7,  # a constant: Ray leaves it out of evaluated_params, hence the session
        },
        run_config=tune.RunConfig(
            name="exp", storage_path=str(tmp_path / "results"), callbacks=callbacks, verbose=0
        ),
    )
    grid = tuner.fit()
    assert not grid.errors


def _check_trial(logdir, results, params):
    r = SummaryReader(logdir)
    assert {(row.tag, row.step): row.value for row in r.scalars} == _expected_scalars(results)
    assert {"ray/tune/score", "ray/tune/nested/x", "ray/tune/nested/flag"} <= {
        row.tag for row in r.scalars
    }
    lr = params["lr"]
    assert [row.value for row in r.scalars if row.tag == "ray/tune/score"] == [
        _f32(lr * (i + 1)) for i in range(ITERATIONS)
    ]
    assert {row.tag: row.value for row in r.hparams} == {"lr": lr, "opt/momentum": 0.875}
    return r


def test_tuner_logs_through_tinytb(tmp_path, ray_session):
    if os.environ.get(deps.FRAMEWORKS_ENV, "") == "1":
        assert deps.tensorboard_absent(), "the adapters' environment must not have TensorBoard"
    recorder = _Recorder()
    _tune(tmp_path, [recorder, tr.TBXLoggerCallback()])
    assert len(recorder.results) == 2
    for path, results in recorder.results.items():
        assert [r["training_iteration"] for r in results] == [1, 2, 3]
        # One event file: Ray added no TBXLoggerCallback of its own beside this one.
        assert len(glob.glob(os.path.join(path, "events.out.tfevents.*"))) == 1
        _check_trial(path, results, recorder.params[path])


def test_against_rays_own_callback(tmp_path, ray_session):
    if deps.missing(["tensorboardX"]):
        # The reason the adapter exists: Ray's callback cannot start without tensorboardX.
        with pytest.raises(ImportError):
            RayTBXLoggerCallback()
        return
    ours = tr.TBXLoggerCallback()
    # Ours in a subdirectory of each trial's, Ray's (tensorboardX) in the trial's own.
    ours._summary_writer_cls = lambda path, flush_secs: SummaryWriter(
        os.path.join(path, "tinytb"), flush_secs=flush_secs
    )
    recorder = _Recorder()
    _tune(tmp_path, [recorder, RayTBXLoggerCallback(), ours])
    for path, results in recorder.results.items():
        (theirs,) = glob.glob(os.path.join(path, "events.out.tfevents.*"))
        a = _check_trial(os.path.join(path, "tinytb"), results, recorder.params[path])
        b = _check_trial(theirs, results, recorder.params[path])
        for kind in ("scalars", "hparams", "histograms", "text"):
            rows = lambda table: sorted(repr(tuple(row)) for row in table)  # noqa: E731
            assert rows(a.get_events(kind)) == rows(b.get_events(kind)), kind
        mine, tbx = _hparams_plugin_data(os.path.join(path, "tinytb")), _hparams_plugin_data(theirs)
        for tag in ("_hparams_/experiment", "_hparams_/session_end_info"):
            assert mine[tag] == tbx[tag], tag  # byte for byte
        # session_start_info's hparams are a protobuf map: tensorboardX's entries come in
        # another order (the values were compared above, through the reader)
        start = "_hparams_/session_start_info"
        assert sorted(mine[start][1]) == sorted(tbx[start][1]) and mine[start][0] == tbx[start][0]


def _hparams_plugin_data(log_path):
    """{tag: (step, HParamsPluginData bytes)} of the three hparams summaries."""
    if os.path.isdir(log_path):
        (log_path,) = glob.glob(os.path.join(log_path, "events.out.tfevents.*"))
    found = {}
    for event in read_events(log_path):
        for value in event.summary.value if event.summary else ():
            if value.tag.startswith("_hparams_/"):
                found[value.tag] = (event.step, value.metadata.plugin_data.content)
    assert len(found) == 3
    return found
