"""SummaryWriter(ranks=...) in a real torch.distributed job: 4 processes on the CPU (gloo),
each joining one process group, every one told ``RANK=0`` by its environment so that only
the process group can say which rank it is.

* ``ranks="zero"``: only rank 0's event file exists; the other three made no file, directory
  or thread and imported nothing.
* ``ranks="each"``: ``rank_0`` .. ``rank_3``, each with that rank's own scalars, which
  TensorBoard's own loader (``EventMultiplexer``) reads as four runs.
"""

import os
import subprocess
import sys

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="tinytb's own keyword")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_WORKER = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import torch.distributed as dist
log_dir, store, rank = sys.argv[2], sys.argv[3], int(sys.argv[4])
dist.init_process_group("gloo", init_method="file://" + store, rank=rank, world_size=4)
import tinytb
before, threads = set(sys.modules), threading.active_count()
w = tinytb.SummaryWriter(log_dir + "/zero", ranks="zero")
for step in range(5):
    w.add_scalar("loss", 10.0 * rank + step, step)
w.close()
if rank:
    print(sorted(set(sys.modules) - before), threading.active_count() - threads)
with tinytb.SummaryWriter(log_dir + "/each", ranks="each") as w:
    for step in range(5):
        w.add_scalar("loss", 10.0 * rank + step, step)
dist.barrier()
dist.destroy_process_group()
"""


def test_four_gloo_processes(tmp_path):
    deps.need("torch.distributed")
    deps.need("tensorboard")
    from tensorboard.backend.event_processing import event_multiplexer

    env = dict(os.environ, RANK="0", WORLD_SIZE="4")  # the process group must win
    store = str(tmp_path / "store")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, ROOT, str(tmp_path), store, str(rank)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
        )
        for rank in range(4)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outputs
    assert [out for out, _ in outputs[1:]] == ["[] 0\n"] * 3  # idle: no import, no thread
    assert len(os.listdir(str(tmp_path / "zero"))) == 1

    def loss(run_dir):
        mux = event_multiplexer.EventMultiplexer(size_guidance={"scalars": 0})
        mux.AddRunsFromDirectory(run_dir)
        mux.Reload()
        return {run: [e.value for e in mux.Scalars(run, "loss")] for run in sorted(mux.Runs())}

    assert loss(str(tmp_path / "zero")) == {".": [0.0, 1.0, 2.0, 3.0, 4.0]}
    assert loss(str(tmp_path / "each")) == {
        "rank_%d" % r: [10.0 * r + s for s in range(5)] for r in range(4)
    }
