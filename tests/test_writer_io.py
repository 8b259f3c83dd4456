"""What happens to event files around the life of a process: exit without close() (normal
exit, uncaught exception, sys.exit), garbage collection, os.fork and multiprocessing children,
many threads on one writer, and options rejected before anything is created.

Process-level cases run in a fresh interpreter (``sys.executable``, the checkout on
PYTHONPATH), so that exit hooks, forks and the background thread's settings cannot disturb
the pytest process. Every child process is waited for with a deadline: a hang fails the test
instead of stalling the run.
"""

import gc
import json
import os
import sys
import threading
import weakref

import pytest

from tinytb import FileWriter, SummaryWriter, summary

from helpers import (
    assert_header,
    event_paths,
    only_event_file,
    open_fds_to,
    parse_name,
    read_strict,
    run_python,
    scalar_records,
)

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def scalars(path):
    return [(tag, step, value) for tag, step, value in scalar_records(path)]


def expected(tag, steps):
    return [(tag, i, float(i)) for i in steps]


# -- exit without close() --------------------------------------------------------------------

EXIT_SCRIPT = r"""
import sys
import tinytb
from tinytb import _event_file, summary

logdir, kind, how, linger = sys.argv[1:5]
if linger == "never":
    # the background thread never gets to write: everything is left to the exit hook
    _event_file.LINGER = 3600.0
if kind == "summary":
    w = tinytb.SummaryWriter(logdir, max_queue=100000, flush_secs=100000)
    for i in range(2001):
        w.add_scalar("loss", float(i), i)
else:
    w = tinytb.FileWriter(logdir, max_queue=100000, flush_secs=100000)
    for i in range(2001):
        w.add_summary(summary.scalar("loss", float(i)), i)
if how == "exception":
    raise RuntimeError("boom: uncaught")
if how == "sys_exit":
    sys.exit(3)
# "normal": the script just ends, no close(), no flush()
"""


@pytest.mark.parametrize("linger", ["default", "never"])
@pytest.mark.parametrize("how, returncode", [("normal", 0), ("exception", 1), ("sys_exit", 3)])
@pytest.mark.parametrize("kind", ["summary", "file"])
def test_exit_without_close_keeps_every_record(tmp_path, kind, how, returncode, linger):
    proc = run_python(EXIT_SCRIPT, tmp_path, kind, how, linger, timeout=60)
    assert proc.returncode == returncode, proc.stderr
    if how == "exception":
        assert "boom: uncaught" in proc.stderr
    else:
        assert proc.stderr == ""
    path = only_event_file(tmp_path)
    events = read_strict(path)
    assert_header(events[0])
    assert len(events) == 2002
    assert scalars(path) == expected("loss", range(2001))


GC_SCRIPT = r"""
import gc, json, os, sys
import tinytb
from tinytb import _event_file, reader

logdir = sys.argv[1]
_event_file.LINGER = 3600.0  # the background thread never writes: only the finalizer can

def abandon():
    w = tinytb.SummaryWriter(logdir, max_queue=100000, flush_secs=100000)
    for i in range(100):
        w.add_scalar("x", float(i), i)
    return w.file_writer.event_writer.path   # w is dropped here, never closed

path = abandon()
gc.collect()
fds = None
if os.path.isdir("/proc/self/fd"):
    fds = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == os.path.realpath(path):
                fds += 1
        except OSError:
            pass
# read before exiting: the exit hook must not be what wrote them
print(json.dumps({"events": len(reader.read_events(path, strict=True)), "fds": fds}))
"""


def test_a_collected_writer_has_written_and_closed_its_file(tmp_path):
    proc = run_python(GC_SCRIPT, tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["events"] == 101
    if result["fds"] is not None:
        assert result["fds"] == 0
    assert scalars(only_event_file(tmp_path)) == expected("x", range(100))


def test_the_exit_hook_does_not_keep_writers_alive(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    for i in range(20):
        w.add_scalar("x", float(i), i)
        w.add_scalars("m", {"a": float(i)}, i)
    refs = [weakref.ref(w), weakref.ref(w.file_writer), weakref.ref(w.file_writer.event_writer)]
    refs += [weakref.ref(fw) for fw in w.all_writers.values()]
    main = only_event_file(tmp_path)
    sub = only_event_file(tmp_path / "m_a")
    del w
    gc.collect()
    assert [r() for r in refs] == [None] * len(refs)
    assert scalars(main) == expected("x", range(20))
    assert scalars(sub) == expected("m", range(20))
    for path in (main, sub):
        fds = open_fds_to(path)
        if fds is not None:
            assert fds == [], "the collected writer left its file open"


# -- fork --------------------------------------------------------------------------------------

WAIT_HELPER = r"""
import os, signal, time

def wait_all(pids, timeout):
    # {pid: exit code, "signal N" or "hang"}; a child still running at the deadline is killed
    deadline = time.monotonic() + timeout
    left, out = set(pids), {}
    while left:
        for pid in list(left):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                left.discard(pid)
                out[pid] = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                            else "signal %d" % os.WTERMSIG(status))
        if left and time.monotonic() > deadline:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                out[pid] = "hang"
            break
        time.sleep(0.005)
    return [out[pid] for pid in pids]
"""

FORK_SCRIPT = (
    WAIT_HELPER
    + r"""
import json, sys, traceback
import tinytb

logdir, how = sys.argv[1:3]
w = tinytb.SummaryWriter(logdir, max_queue=1000, flush_secs=1000)
for i in range(100):
    w.add_scalar("parent", float(i), i)
pid = os.fork()  # some of the parent's records are most likely still queued
if pid == 0:
    if how == "os_exit":
        try:
            for i in range(50):
                w.add_scalar("child", float(i), i)
            w.flush()
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if how == "sys_exit":  # no flush, no close: the exit hook writes
        for i in range(50):
            w.add_scalar("child", float(i), i)
        sys.exit(0)
    if how == "close":
        for i in range(50):
            w.add_scalar("child", float(i), i)
        w.close()
        sys.exit(0)
    sys.exit(0)  # "idle": the child writes nothing
for i in range(100, 200):
    w.add_scalar("parent", float(i), i)
status = wait_all([pid], 30)[0]
for i in range(200, 250):
    w.add_scalar("parent", float(i), i)
w.close()
print(json.dumps({"parent": os.getpid(), "child": pid, "status": status}))
"""
)


@needs_fork
@pytest.mark.parametrize("how", ["os_exit", "sys_exit", "close", "idle"])
def test_fork_child_writes_its_own_file_and_parent_keeps_its_own(tmp_path, how):
    proc = run_python(FORK_SCRIPT, tmp_path, how, timeout=90)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == 0, "child: %r\n%s" % (result["status"], proc.stderr)
    paths = event_paths(tmp_path)
    by_pid = {}
    for path in paths:
        by_pid.setdefault(parse_name(path)["pid"], []).append(path)
    assert len(by_pid.get(result["parent"], [])) == 1
    parent_file = by_pid[result["parent"]][0]
    assert_header(read_strict(parent_file)[0])
    # exactly the parent's events, in order: nothing of the child's, nothing twice
    assert scalars(parent_file) == expected("parent", range(250))
    if how == "idle":
        assert sorted(by_pid) == [result["parent"]]  # a child that logs nothing makes no file
        return
    assert sorted(by_pid) == sorted([result["parent"], result["child"]])
    assert len(by_pid[result["child"]]) == 1
    child_file = by_pid[result["child"]][0]
    events = read_strict(child_file)
    assert_header(events[0])
    assert scalars(child_file) == expected("child", range(50))


MP_SCRIPT = r"""
import json, multiprocessing, os, sys
import tinytb
from tinytb import _event_file

logdir = sys.argv[1]
_event_file.LINGER = 3600.0  # children's background threads never write: only their exit does
shared = tinytb.SummaryWriter(os.path.join(logdir, "inherited"), max_queue=100000,
                              flush_secs=100000)

def new_writer(logdir):
    global keep
    keep = tinytb.SummaryWriter(os.path.join(logdir, "new"), max_queue=100000,
                                flush_secs=100000)
    for i in range(300):
        keep.add_scalar("new", float(i), i)
    # no close(): the child leaves through os._exit, with `keep` still alive

def inherited():
    for i in range(300):
        shared.add_scalar("inherited", float(i), i)

if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    out = {"parent": os.getpid()}
    for name, target, args in (("new", new_writer, (logdir,)), ("inherited", inherited, ())):
        p = ctx.Process(target=target, args=args)
        p.start()
        p.join(30)
        if p.is_alive():
            p.kill()
            p.join()
            out[name] = [p.pid, "hang"]
        else:
            out[name] = [p.pid, p.exitcode]
    shared.close()
    print(json.dumps(out))
"""


@needs_fork
def test_multiprocessing_fork_children_write_everything_without_close(tmp_path):
    proc = run_python(MP_SCRIPT, tmp_path, timeout=90)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    new_pid, new_status = result["new"]
    inh_pid, inh_status = result["inherited"]
    assert (new_status, inh_status) == (0, 0), proc.stderr

    new_file = only_event_file(tmp_path / "new")
    assert parse_name(new_file)["pid"] == new_pid
    assert_header(read_strict(new_file)[0])
    assert scalars(new_file) == expected("new", range(300))

    files = {parse_name(p)["pid"]: p for p in event_paths(tmp_path / "inherited")}
    assert sorted(files) == sorted([result["parent"], inh_pid])
    assert scalars(files[result["parent"]]) == []  # the parent logged nothing itself
    assert_header(read_strict(files[inh_pid])[0])
    assert scalars(files[inh_pid]) == expected("inherited", range(300))


HAMMER_SCRIPT = (
    WAIT_HELPER
    + r"""
import json, sys, threading, traceback
import tinytb

logdir, nforks = sys.argv[1], int(sys.argv[2])
w = tinytb.SummaryWriter(logdir, max_queue=10, flush_secs=1000)
stop = threading.Event()
done = []
started = threading.Event()

def hammer():
    i = 0
    while not stop.is_set():
        w.add_scalar("hammer", float(i), i)
        i += 1
        if i == 100:
            started.set()
    done.append(i)

t = threading.Thread(target=hammer)
t.start()
started.wait(30)
children = []
for k in range(nforks):
    time.sleep(0.003)
    pid = os.fork()
    if pid == 0:
        try:
            for j in range(5):
                w.add_scalar("child%d" % k, float(j), j)
            if k % 2:
                sys.exit(0)  # normal exit, no flush: the exit hook writes
            w.flush()
        except SystemExit:
            raise
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    children.append(pid)
statuses = wait_all(children, 60)
stop.set()
t.join(60)
w.close()
print(json.dumps({"parent": os.getpid(), "children": children, "statuses": statuses,
                  "hammered": done[0]}))
"""
)


@needs_fork
def test_fork_while_another_thread_is_adding_never_hangs_the_child(tmp_path):
    nforks = 16
    proc = run_python(HAMMER_SCRIPT, tmp_path, nforks, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["statuses"] == [0] * nforks, proc.stderr
    files = {parse_name(p)["pid"]: p for p in event_paths(tmp_path)}
    assert sorted(files) == sorted([result["parent"]] + result["children"])
    assert scalars(files[result["parent"]]) == expected("hammer", range(result["hammered"]))
    for k, pid in enumerate(result["children"]):
        assert_header(read_strict(files[pid])[0])
        assert scalars(files[pid]) == expected("child%d" % k, range(5))


FORK_IN_ADD_SCALARS_SCRIPT = (
    WAIT_HELPER
    + r"""
import json, sys, threading
import tinytb

logdir = sys.argv[1]
w = tinytb.SummaryWriter(logdir)
inside, release = threading.Event(), threading.Event()
real_makedirs = os.makedirs

def slow_makedirs(path, *args, **kwargs):
    # another thread is creating add_scalars' sub-run writer (directory, file, header: I/O)
    # at the moment of the fork; hold it there so that the fork lands inside deterministically
    if os.path.basename(path) == "m_new":
        inside.set()
        release.wait(30)
    return real_makedirs(path, *args, **kwargs)

os.makedirs = slow_makedirs
t = threading.Thread(target=w.add_scalars, args=("m", {"new": 1.0}, 0))
t.start()
assert inside.wait(30)
pid = os.fork()
if pid == 0:
    w.add_scalar("child", 1.0, 1)
    w.flush()
    os._exit(0)
release.set()
t.join(30)
status = wait_all([pid], 30)[0]
w.close()
print(json.dumps({"parent": os.getpid(), "child": pid, "status": status}))
"""
)


@needs_fork
def test_fork_while_another_thread_is_inside_add_scalars_never_hangs_the_child(tmp_path):
    # Regression: SummaryWriter._lock was not reset in a forked child, so a fork while another
    # thread held it made the child's flush(), close() or add_scalars() wait forever.
    proc = run_python(FORK_IN_ADD_SCALARS_SCRIPT, tmp_path, timeout=90)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == 0, proc.stderr
    files = {parse_name(p)["pid"]: p for p in event_paths(tmp_path)}
    assert sorted(files) == sorted([result["parent"], result["child"]])
    assert scalars(files[result["child"]]) == [("child", 1, 1.0)]
    assert scalars(files[result["parent"]]) == []
    assert scalars(only_event_file(tmp_path / "m_new")) == [("m", 0, 1.0)]


# -- threads -----------------------------------------------------------------------------------


def _run_threads(targets, timeout=60):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as err:  # reported by the test, not lost in the thread
                errors.append(err)

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert errors == []


@pytest.mark.parametrize("max_queue", [0, 10, 1000])
def test_threads_lose_and_interleave_nothing(tmp_path, max_queue):
    nthreads, n = 8, 2000
    w = SummaryWriter(tmp_path, max_queue=max_queue, flush_secs=1000)
    barrier = threading.Barrier(nthreads)

    def worker(k):
        def run():
            barrier.wait(30)
            for i in range(n):
                w.add_scalar("t%d" % k, float(k * 10000 + i), i)

        return run

    _run_threads([worker(k) for k in range(nthreads)])
    w.close()
    path = only_event_file(tmp_path)
    events = read_strict(path)  # every record whole, both CRCs right
    assert_header(events[0])
    assert len(events) == 1 + nthreads * n
    per_tag = {}
    for event in events[1:]:
        assert event.summary is not None and len(event.summary.value) == 1
        value = event.summary.value[0]
        per_tag.setdefault(value.tag, []).append((event.step, value.simple_value))
    assert sorted(per_tag) == sorted("t%d" % k for k in range(nthreads))
    for k in range(nthreads):
        assert per_tag["t%d" % k] == [(i, float(k * 10000 + i)) for i in range(n)]


def test_threads_adding_while_another_flushes(tmp_path):
    nthreads, n = 4, 1500
    w = SummaryWriter(tmp_path, max_queue=50, flush_secs=1000)
    finished = []

    def adder(k):
        def run():
            try:
                for i in range(n):
                    w.add_scalar("t%d" % k, float(i), i)
                    if i % 300 == 0:
                        w.add_text("note%d" % k, "step %d" % i, i)
            finally:
                finished.append(k)

        return run

    def flusher():
        flushes = 0
        while len(finished) < nthreads or flushes == 0:
            w.flush()
            flushes += 1

    _run_threads([adder(k) for k in range(nthreads)] + [flusher])
    w.close()
    path = only_event_file(tmp_path)
    assert len(read_strict(path)) == 1 + nthreads * (n + n // 300)
    records = scalars(path)
    for k in range(nthreads):
        assert [r for r in records if r[0] == "t%d" % k] == expected("t%d" % k, range(n))


def test_writers_created_concurrently_in_one_directory_get_their_own_files(tmp_path):
    nthreads = 8
    barrier = threading.Barrier(nthreads)
    writers = [None] * nthreads

    def make(k):
        def run():
            barrier.wait(30)
            writers[k] = FileWriter(tmp_path)
            for i in range(50):
                writers[k].add_summary(summary.scalar("w%d" % k, float(i)), i)
            writers[k].close()

        return run

    _run_threads([make(k) for k in range(nthreads)])
    paths = event_paths(tmp_path)
    assert len(paths) == nthreads
    tags = set()
    for path in paths:
        records = scalars(path)
        tag = records[0][0]
        assert records == expected(tag, range(50))
        tags.add(tag)
    assert tags == {"w%d" % k for k in range(nthreads)}


# -- options rejected before anything is created -----------------------------------------------

BAD_OPTIONS = [
    ({"max_queue": -1}, ValueError, "max_queue"),
    ({"max_queue": -100}, ValueError, "max_queue"),
    ({"filename_suffix": 5}, TypeError, "filename_suffix"),
    ({"filename_suffix": b".v2"}, TypeError, "filename_suffix"),
    ({"filename_suffix": None}, TypeError, "filename_suffix"),
    ({"flush_secs": -1}, ValueError, "flush_secs"),
]


@pytest.mark.parametrize("kwargs, error, word", BAD_OPTIONS)
@pytest.mark.parametrize("cls", [FileWriter, SummaryWriter])
def test_bad_options_raise_and_create_nothing(tmp_path, cls, kwargs, error, word):
    logdir = tmp_path / "run"
    with pytest.raises(error, match=word):
        cls(logdir, **kwargs)
    assert not logdir.exists()
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("kwargs, error, word", BAD_OPTIONS)
def test_bad_options_create_no_default_runs_directory(tmp_path, monkeypatch, kwargs, error, word):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=word):
        SummaryWriter(**kwargs)
    assert os.listdir(str(tmp_path)) == []


def test_good_options_after_bad_ones_work(tmp_path):
    with pytest.raises(ValueError):
        SummaryWriter(tmp_path, max_queue=-1)
    with SummaryWriter(tmp_path, max_queue=0, filename_suffix=".ok") as w:
        w.add_scalar("x", 1.0, 1)
    path = only_event_file(tmp_path)
    assert path.endswith(".ok")
    assert scalars(path) == [("x", 1, 1.0)]


def _steps_by_tag(logdir):
    """{(run dir, tag): sorted steps} over every event file below ``logdir``, read strictly."""
    found = {}
    for dirpath, _, names in os.walk(str(logdir)):
        for name in sorted(n for n in names if "tfevents" in n):
            for event in read_strict(os.path.join(dirpath, name))[1:]:
                for value in event.summary.value:
                    key = (os.path.relpath(dirpath, str(logdir)), value.tag)
                    found.setdefault(key, []).append(event.step)
    return {k: sorted(v) for k, v in found.items()}


@pytest.mark.parametrize("max_queue", [0, 10])
def test_close_racing_adds_in_other_threads_neither_raises_nor_loses(tmp_path, max_queue):
    # Regression: three threads adding while a fourth closed the writer in a loop got
    # AttributeError ('NoneType' object has no attribute 'get', from add_scalars) and
    # OSError('Writer is closed') within seconds. Every add must land in the old file (before
    # it closes) or in a new one.
    w = SummaryWriter(tmp_path, max_queue=max_queue, flush_secs=1000)
    n = 1500
    done = []

    def scalars_():
        for i in range(n):
            w.add_scalar("s", float(i), i)
        done.append(1)

    def texts():
        for i in range(n // 3):
            w.add_text("t", "step %d" % i, i)
        done.append(1)

    def scalars_dict():
        for i in range(n // 3):
            w.add_scalars("m", {"a": float(i), "b": -float(i)}, i)
        done.append(1)

    def closer():
        closes = 0
        while len(done) < 3 or closes < 10:
            w.close()
            closes += 1

    _run_threads([scalars_, texts, scalars_dict, closer])
    w.close()
    steps = _steps_by_tag(tmp_path)
    assert steps[(".", "s")] == list(range(n))
    assert steps[(".", "t/text_summary")] == list(range(n // 3))
    assert steps[("m_a", "m")] == list(range(n // 3))
    assert steps[("m_b", "m")] == list(range(n // 3))
    assert len(event_paths(tmp_path)) > 1  # the closes did happen in between


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket/run",
        "memory://x",
        "gs://b/exp/run1",
        "file:///tmp/run",
        "hdfs://namenode:8020/logs",
    ],
)
@pytest.mark.parametrize("cls", [SummaryWriter, FileWriter])
def test_a_url_log_dir_without_fsspec_says_what_to_install_and_creates_nothing(
    tmp_path, monkeypatch, url, cls
):
    # Regression: SummaryWriter("s3://bucket/run") created a local directory named "s3:".
    # Without fsspec (None in sys.modules makes its import fail), a URL is never taken for a
    # local path: the error says what to install. tests/test_remote.py covers URLs with it.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "fsspec", None)
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    with pytest.raises(ImportError, match="pip install fsspec") as info:
        cls(url)
    assert url in str(info.value)
    if url.startswith("s3://"):
        assert "s3fs" in str(info.value)
    assert os.listdir(str(tmp_path)) == []
