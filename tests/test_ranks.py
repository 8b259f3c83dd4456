"""tinytb._ranks and SummaryWriter(ranks=...): the global rank from torch.distributed or the
launchers' variables; ``"zero"`` writes on rank 0 only (elsewhere an idle writer: no file,
directory, thread or import), ``"each"`` writes to ``<log_dir>/rank_<N>``."""

import os
import subprocess
import sys
import threading
import types

import pytest

from tinytb import SummaryWriter, _ranks, reader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def no_rank(monkeypatch):
    for name in _ranks.RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "torch.distributed", raising=False)
    return monkeypatch


def test_rank_from_the_first_variable_set():
    assert _ranks.global_rank({}) == 0
    assert _ranks.global_rank({"PMI_RANK": "3"}) == 3
    assert _ranks.global_rank({"OMPI_COMM_WORLD_RANK": "2", "PMI_RANK": "3"}) == 2
    assert _ranks.global_rank({"SLURM_PROCID": " 5 ", "OMPI_COMM_WORLD_RANK": "2"}) == 5
    assert _ranks.global_rank({"RANK": "1", "SLURM_PROCID": "5"}) == 1
    assert _ranks.global_rank({"RANK": "", "SLURM_PROCID": "4"}) == 4  # empty: not set


@pytest.mark.parametrize("text", ["-1", "one", "1.5", "0x1"])
def test_a_variable_that_is_no_rank_is_named(text):
    with pytest.raises(ValueError, match="RANK=%r is not a rank" % text):
        _ranks.global_rank({"RANK": text})


def test_an_initialized_torch_distributed_comes_first(no_rank):
    dist = types.SimpleNamespace(
        is_available=lambda: True, is_initialized=lambda: True, get_rank=lambda: 7
    )
    no_rank.setitem(sys.modules, "torch.distributed", dist)
    assert _ranks.global_rank({"RANK": "1"}) == 7
    dist.is_initialized = lambda: False  # imported but no process group: the environment
    assert _ranks.global_rank({"RANK": "1"}) == 1
    dist.is_initialized = lambda: 1 / 0  # a broken stub is not trusted... nor hidden
    with pytest.raises(ZeroDivisionError):
        _ranks.global_rank({})
    no_rank.setitem(sys.modules, "torch.distributed", types.SimpleNamespace())
    assert _ranks.global_rank({"RANK": "2"}) == 2


@pytest.mark.parametrize(
    "ranks, error", [("first", ValueError), ("ALL", ValueError), (0, TypeError), (None, TypeError)]
)
def test_ranks_must_be_one_of_three(tmp_path, ranks, error):
    with pytest.raises(error, match="ranks must be"):
        SummaryWriter(str(tmp_path / "r"), ranks=ranks)
    assert not (tmp_path / "r").exists()


def test_zero_on_rank_zero_and_all_write_as_before(tmp_path, no_rank):
    for ranks in ("zero", "all"):
        with SummaryWriter(str(tmp_path / ranks), ranks=ranks) as w:
            assert type(w) is SummaryWriter
            w.add_scalar("x", 1.0, 0)
        assert [r.value for r in reader.SummaryReader(str(tmp_path / ranks)).scalars] == [1.0]


def test_zero_on_another_rank_is_idle(tmp_path, no_rank):
    no_rank.setenv("RANK", "1")
    threads = threading.active_count()
    w = SummaryWriter(str(tmp_path / "run"), ranks="zero")
    assert isinstance(w, SummaryWriter) and w.get_logdir() == str(tmp_path / "run")
    assert w.add_scalar("x", 1.0, 0) is None
    assert w.add_histogram("h", [1.0, 2.0], 0) is None
    assert w.add_text("t", "hello") is None
    assert w.add_hparams({"lr": 0.1}, {"loss": 1.0}) is None
    assert w.add_embedding([[1.0]]) is None
    w.flush()
    w.close()
    with w as same:
        assert same is w
    assert not (tmp_path / "run").exists()
    assert threading.active_count() == threads
    # the arguments are still checked, so a mistake shows on every rank
    with pytest.raises(ValueError, match="max_queue"):
        SummaryWriter(str(tmp_path / "run"), max_queue=-1, ranks="zero")


def test_each_writes_to_its_rank_directory(tmp_path, no_rank):
    no_rank.setenv("SLURM_PROCID", "2")
    with SummaryWriter(str(tmp_path), ranks="each") as w:
        assert w.get_logdir() == os.path.join(str(tmp_path), "rank_2")
        w.add_scalar("x", 2.0, 5)
    assert sorted(os.listdir(str(tmp_path))) == ["rank_2"]


_RANK_SCRIPT = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import tinytb
before = set(sys.modules)
threads = threading.active_count()
for ranks in ("zero", "each"):
    w = tinytb.SummaryWriter(sys.argv[2] + "/" + ranks, ranks=ranks)
    for step in range(3):
        w.add_scalar("loss", float(step), step)
        w.add_histogram("h", [0.5, 1.5], step)
    w.close()
    if ranks == "zero" and tinytb._ranks.global_rank() != 0:
        # the idle writer imported nothing (not even the histogram code), started no thread
        print(sorted(set(sys.modules) - before), threading.active_count() - threads)
"""


def test_four_processes_by_their_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in _ranks.RANK_VARIABLES}
    procs = []
    for rank, variable in enumerate(("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK")):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _RANK_SCRIPT, ROOT, str(tmp_path)],
                env=dict(env, **{variable: str(rank)}),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                universal_newlines=True,
            )
        )
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outputs
    assert [out for out, _ in outputs[1:]] == ["[] 0\n"] * 3
    zero = reader.SummaryReader(str(tmp_path / "zero"), extra_columns={"dir_name"})
    assert [(r.dir_name, r.value) for r in zero.scalars] == [("", 0.0), ("", 1.0), ("", 2.0)]
    assert len(os.listdir(str(tmp_path / "zero"))) == 1  # one event file: rank 0's
    each = reader.SummaryReader(str(tmp_path / "each"), extra_columns={"dir_name"})
    assert sorted(os.listdir(str(tmp_path / "each"))) == ["rank_%d" % r for r in range(4)]
    assert sorted({r.dir_name for r in each.scalars}) == ["rank_%d" % r for r in range(4)]
    assert len(each.scalars) == len(each.histograms) == 12
