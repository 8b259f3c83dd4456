"""Event files on disk (tinytb._event_file, through FileWriter and SummaryWriter): naming,
exclusive open, the file_version header, flush, prompt yet batched writes, close/reopen, and
I/O errors (deleted file, removed directory, disk full) reaching the caller.

Everything here writes real files under tmp_path and reads them back with tinytb.reader in
strict mode (every record whole, both CRCs checked). Timing-dependent checks poll with
generous deadlines instead of sleeping a fixed time.
"""

import errno
import itertools
import os
import pathlib
import shutil
import subprocess
import threading
import time

import pytest

from tinytb import FileWriter, SummaryWriter, _event_file, summary

from helpers import (
    HOST,
    CountingWrite,
    FaultyWrite,
    assert_header,
    count_events,
    event_paths,
    only_event_file,
    open_fds_to,
    parse_name,
    read_strict,
    run_python,
    scalar_records,
    wait_until,
)


def add(writer, step, tag="x"):
    """One scalar event, on a FileWriter or a SummaryWriter; the value is the step."""
    if isinstance(writer, FileWriter):
        writer.add_summary(summary.scalar(tag, float(step)), step)
    else:
        writer.add_scalar(tag, float(step), step)


def steps_in(path, tag="x"):
    return [step for t, step, value in scalar_records(path) if t == tag]


def make_writer(kind, logdir, **kwargs):
    return FileWriter(logdir, **kwargs) if kind == "file" else SummaryWriter(logdir, **kwargs)


WRITER_KINDS = ["file", "summary"]


# -- naming and the first record -------------------------------------------------------------


@pytest.mark.parametrize("kind", WRITER_KINDS)
@pytest.mark.parametrize("suffix", ["", ".v2", "_run-a"])
def test_file_name_follows_tensorboards_scheme(tmp_path, kind, suffix):
    before = int(time.time())
    w = make_writer(kind, tmp_path, filename_suffix=suffix)
    after = int(time.time())
    try:
        path = only_event_file(tmp_path)
        name = os.path.basename(path)
        assert name.startswith("events.out.tfevents.")
        fields = parse_name(path)
        assert name.split(".")[3] == "%010d" % fields["time"]
        assert before <= fields["time"] <= after
        assert fields["pid"] == os.getpid()
        assert fields["suffix"] == suffix
        assert name.endswith(suffix)
    finally:
        w.close()


def test_counter_is_shared_by_the_whole_process(tmp_path):
    a = FileWriter(tmp_path / "a")
    b = SummaryWriter(tmp_path / "b")
    c = FileWriter(tmp_path / "a")
    try:
        ns = [parse_name(only_event_file(tmp_path / "b"))["n"]]
        ns += [parse_name(p)["n"] for p in event_paths(tmp_path / "a")]
        assert len(set(ns)) == 3
    finally:
        for w in (a, b, c):
            w.close()


@pytest.mark.parametrize("kind", WRITER_KINDS)
def test_header_is_on_disk_when_the_constructor_returns(tmp_path, kind):
    before = time.time()
    w = make_writer(kind, tmp_path / "run", max_queue=1000, flush_secs=1000)
    after = time.time()
    try:
        # no flush, no close, no waiting: the file and its first record exist already
        path = only_event_file(tmp_path / "run")
        events = read_strict(path)
        assert len(events) == 1
        header = events[0]
        assert_header(header)
        assert header.step == 0
        assert before - 1 <= header.wall_time <= after + 1
    finally:
        w.close()
    events = read_strict(path)
    assert len(events) == 1  # closing an unused writer adds nothing


def test_writers_created_in_the_same_second_get_their_own_files(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1700000000.25)
    writers = [FileWriter(tmp_path) for _ in range(5)]
    writers.append(SummaryWriter(tmp_path))
    try:
        paths = event_paths(tmp_path)
        assert len(paths) == 6
        assert all(parse_name(p)["time"] == 1700000000 for p in paths)
        for i, w in enumerate(writers):
            add(w, i, tag="w%d" % i)
    finally:
        for w in writers:
            w.close()
    seen = []
    for path in event_paths(tmp_path):
        events = read_strict(path)
        assert_header(events[0])
        assert events[0].wall_time == 1700000000.25
        records = scalar_records(path)
        assert len(records) == 1  # exactly its own writer's event: nobody wrote into another's
        seen.append(records[0])
    assert sorted(seen) == sorted(("w%d" % i, i, float(i)) for i in range(6))


def test_an_existing_file_with_the_next_name_is_never_touched(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1700000000.5)
    monkeypatch.setattr(_event_file, "_uid", itertools.count(7))
    stem = "events.out.tfevents.1700000000.%s.%d." % (HOST, os.getpid())
    taken = tmp_path / (stem + "7")
    taken.write_bytes(b"somebody else's data")
    before = os.stat(str(taken))
    link_target = tmp_path / "link-target"
    if hasattr(os, "symlink"):
        os.symlink(str(link_target), str(tmp_path / (stem + "8")))  # dangling symlink

    w = FileWriter(tmp_path)
    add(w, 1)
    w.close()

    assert taken.read_bytes() == b"somebody else's data"
    after = os.stat(str(taken))
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert not link_target.exists()  # O_EXCL does not follow the symlink
    ours = [p for p in event_paths(tmp_path) if not p.endswith((".7", ".8"))]
    assert len(ours) == 1
    assert parse_name(ours[0])["n"] > 7
    events = read_strict(ours[0])
    assert_header(events[0])
    assert steps_in(ours[0]) == [1]


def test_event_files_are_opened_exclusively(tmp_path, monkeypatch):
    real_open = os.open
    flags_seen = []

    def spy(path, flags, *args, **kwargs):
        if "tfevents" in os.fspath(path):
            flags_seen.append(flags)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(_event_file.os, "open", spy)
    w = FileWriter(tmp_path)
    w.close()
    w.reopen()
    w.close()
    s = SummaryWriter(tmp_path / "s")
    s.close()
    assert len(flags_seen) == 3
    for flags in flags_seen:
        assert flags & os.O_CREAT and flags & os.O_EXCL
        assert not flags & getattr(os, "O_APPEND", 0)


# -- close, reopen, add after close (a file is never appended to) ---------------------------


@pytest.mark.parametrize("kind", WRITER_KINDS)
def test_close_flushes_and_is_idempotent(tmp_path, kind):
    w = make_writer(kind, tmp_path, max_queue=1000, flush_secs=1000)
    for step in range(50):
        add(w, step)
    w.close()
    path = only_event_file(tmp_path)
    data = pathlib.Path(path).read_bytes()
    assert steps_in(path) == list(range(50))
    w.close()
    w.close()
    assert pathlib.Path(path).read_bytes() == data
    assert event_paths(tmp_path) == [path]
    fds = open_fds_to(path)
    if fds is not None:
        assert fds == []


def test_summarywriter_add_after_close_starts_a_new_file(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    for step in range(10):
        w.add_scalar("x", float(step), step)
    w.close()
    old = only_event_file(tmp_path)
    old_bytes = pathlib.Path(old).read_bytes()
    w.flush()  # flushing a closed SummaryWriter does nothing, creates nothing
    assert event_paths(tmp_path) == [old]

    w.add_scalar("x", 10.0, 10)
    paths = event_paths(tmp_path)
    assert len(paths) == 2
    new = [p for p in paths if p != old][0]
    assert parse_name(new)["n"] != parse_name(old)["n"]
    w.add_scalar("x", 11.0, 11)
    w.close()
    assert pathlib.Path(old).read_bytes() == old_bytes  # the old file was never appended to
    assert steps_in(old) == list(range(10))
    events = read_strict(new)
    assert_header(events[0])
    assert steps_in(new) == [10, 11]
    assert w.get_logdir() == tmp_path


def test_filewriter_add_after_close_raises(tmp_path):
    w = FileWriter(tmp_path)
    add(w, 0)
    w.close()
    before = event_paths(tmp_path)
    with pytest.raises(OSError, match="Writer is closed"):
        add(w, 1)
    with pytest.raises(OSError, match="Writer is closed"):
        w.add_event(b"")
    assert event_paths(tmp_path) == before
    assert steps_in(before[0]) == [0]


def test_filewriter_reopen_after_close_starts_a_new_file(tmp_path):
    w = FileWriter(tmp_path)
    add(w, 0)
    w.close()
    old = only_event_file(tmp_path)
    old_bytes = pathlib.Path(old).read_bytes()
    w.reopen()
    paths = event_paths(tmp_path)
    assert len(paths) == 2  # the new file and its header exist once reopen() returns
    new = [p for p in paths if p != old][0]
    assert_header(read_strict(new)[0])
    add(w, 1)
    add(w, 2)
    w.close()
    assert pathlib.Path(old).read_bytes() == old_bytes
    assert steps_in(old) == [0]
    assert steps_in(new) == [1, 2]
    with pytest.raises(OSError, match="Writer is closed"):
        add(w, 3)


def test_reopen_on_an_open_writer_does_nothing(tmp_path):
    w = FileWriter(tmp_path, max_queue=1000, flush_secs=1000)
    add(w, 0)
    w.reopen()
    add(w, 1)
    w.reopen()
    w.close()
    path = only_event_file(tmp_path)
    assert steps_in(path) == [0, 1]


def test_context_manager_closes(tmp_path):
    with SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000) as w:
        for step in range(20):
            w.add_scalar("x", float(step), step)
        path = only_event_file(tmp_path)
    assert steps_in(path) == list(range(20))
    assert w.file_writer is None  # PyTorch's close() drops its writers too
    fds = open_fds_to(path)
    if fds is not None:
        assert fds == []


def test_context_manager_closes_when_the_body_raises(tmp_path):
    with pytest.raises(KeyError):
        with SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000) as w:
            w.add_scalar("x", 1.0, 1)
            raise KeyError("boom")
    path = only_event_file(tmp_path)
    assert steps_in(path) == [1]
    fds = open_fds_to(path)
    if fds is not None:
        assert fds == []


# -- flush, prompt visibility, batching ------------------------------------------------------


@pytest.mark.parametrize("kind", WRITER_KINDS)
def test_flush_returns_once_everything_added_is_in_the_file(tmp_path, kind):
    w = make_writer(kind, tmp_path, max_queue=1000, flush_secs=1000)
    try:
        path = only_event_file(tmp_path)
        step = 0
        for round_ in range(25):
            for _ in range(round_ % 7 + 1):
                add(w, step)
                step += 1
            w.flush()
            # read at once: a flush that returned early shows up as missing records
            assert steps_in(path) == list(range(step))
    finally:
        w.close()


def test_flush_covers_the_add_scalars_sub_runs(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    try:
        for step in range(5):
            w.add_scalars("m", {"a": float(step), "b": -float(step)}, step)
            w.flush()
            for run in ("m_a", "m_b"):
                assert steps_in(only_event_file(tmp_path / run), tag="m") == list(range(step + 1))
    finally:
        w.close()


@pytest.mark.parametrize("kind", WRITER_KINDS)
def test_records_become_visible_without_any_further_call(tmp_path, kind):
    w = make_writer(kind, tmp_path, max_queue=1000, flush_secs=1000)
    try:
        path = only_event_file(tmp_path)
        add(w, 0)
        assert wait_until(lambda: count_events(path) == 2, timeout=3.0), (
            "a record was not written within 3 s without flush()"
        )
        for step in range(1, 101):
            add(w, step)
        assert wait_until(lambda: count_events(path) == 102, timeout=3.0)
        assert steps_in(path) == list(range(101))
    finally:
        w.close()


def test_max_queue_0_writes_every_record_in_the_adding_call(tmp_path):
    w = FileWriter(tmp_path, max_queue=0, flush_secs=1000)
    try:
        path = only_event_file(tmp_path)
        for step in range(20):
            add(w, step)
            assert count_events(path) == step + 2  # no waiting, no flush
    finally:
        w.close()


@pytest.mark.parametrize("kind", WRITER_KINDS)
def test_a_tight_loop_does_not_pay_a_write_per_event(tmp_path, monkeypatch, kind):
    n = 5000
    w = make_writer(kind, tmp_path, max_queue=10, flush_secs=1000)
    path = only_event_file(tmp_path)
    counter = CountingWrite(os.write, path)
    monkeypatch.setattr(_event_file.os, "write", counter)
    try:
        for step in range(n):
            add(w, step)
        w.flush()
    finally:
        w.close()
    assert steps_in(path) == list(range(n))
    # about n/10 writes from the adding calls, plus a few from the background thread
    assert 1 <= counter.calls <= n // 10 * 3 // 2, counter.calls


def test_the_write_counter_sees_one_write_per_event_with_max_queue_0(tmp_path, monkeypatch):
    # the control for the test above: the counting wrapper does count tinytb's writes
    n = 300
    w = FileWriter(tmp_path, max_queue=0, flush_secs=1000)
    path = only_event_file(tmp_path)
    counter = CountingWrite(os.write, path)
    monkeypatch.setattr(_event_file.os, "write", counter)
    try:
        for step in range(n):
            add(w, step)
    finally:
        w.close()
    assert counter.calls >= n
    assert steps_in(path) == list(range(n))


# -- garbage collection --------------------------------------------------------------------


def test_a_writer_in_a_reference_cycle_is_closed_when_collected(tmp_path):
    import gc
    import weakref

    class Holder:
        pass

    h = Holder()
    h.me = h
    h.w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    for step in range(30):
        h.w.add_scalar("x", float(step), step)
    ref = weakref.ref(h.w)
    path = only_event_file(tmp_path)
    del h
    gc.collect()
    assert ref() is None
    # If the collection ran while the background thread was writing this file, the finalizer
    # leaves the closing to that thread (it never waits on the lock): allow it a moment.
    deadline = time.monotonic() + 5
    while True:
        fds = open_fds_to(path)
        done = steps_in(path) == list(range(30)) and not fds
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert steps_in(path) == list(range(30))
    if fds is not None:
        assert fds == []


GC_IN_FLUSHER_SCRIPT = r"""
import gc, os, sys, threading, time
import tinytb
from tinytb import _event_file, reader

logdir = sys.argv[1]

class Holder:
    pass

def abandon():
    h = Holder()
    h.me = h  # a reference cycle: only the cyclic garbage collector frees the writer
    h.w = tinytb.SummaryWriter(logdir, max_queue=1000, flush_secs=1000)
    h.w.add_scalar("x", 1.0, 1)  # queued, left to the background thread
    return h.w.file_writer.event_writer.path

real_write = os.write
def write(fd, data):
    # A cyclic collection can start at any allocation of any thread, including inside the
    # background thread's write; run one exactly there.
    if threading.current_thread() is not threading.main_thread():
        gc.collect()
    return real_write(fd, data)

def fds_on(path):
    if not os.path.isdir("/proc/self/fd"):
        return None
    n = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink("/proc/self/fd/" + name) == os.path.realpath(path)
        except OSError:
            pass
    return n

gc.disable()  # so that the cycle is collected exactly where the collection above runs
path = abandon()
_event_file.os.write = write
deadline = time.monotonic() + 10
while len(reader.read_events(path)) < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
while fds_on(path) and time.monotonic() < deadline:
    time.sleep(0.01)  # the abandoned writer's file gets closed too
print(len(reader.read_events(path)), fds_on(path))
sys.stdout.flush()
"""


def test_collection_during_a_background_write_neither_deadlocks_nor_loses_records(tmp_path):
    # Regression: the finalizer used to wait for the sink's (non-reentrant) lock, which the
    # collecting thread itself held: the background thread deadlocked and the process hung
    # at exit.
    try:
        proc = run_python(GC_IN_FLUSHER_SCRIPT, tmp_path, timeout=30)
    except subprocess.TimeoutExpired as err:
        pytest.fail("the process hung: %s" % err)
    assert proc.returncode == 0, proc.stderr
    events, fds = proc.stdout.split()
    assert events == "2"
    assert fds in ("0", "None")


# -- I/O errors reach the caller -------------------------------------------------------------


def _call(errors, fn, *args):
    try:
        fn(*args)
    except OSError as err:
        errors.append(err)


def test_a_deleted_event_file_is_reported_and_writing_goes_on_in_a_new_file(tmp_path):
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    for step in range(5):
        w.add_scalar("x", float(step), step)
    w.flush()
    old = only_event_file(tmp_path)
    os.remove(old)
    errors = []
    for step in range(5, 10):
        _call(errors, w.add_scalar, "x", float(step), step)
    _call(errors, w.flush)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], FileNotFoundError)
    for step in range(10, 15):
        w.add_scalar("x", float(step), step)
    w.close()
    new = only_event_file(tmp_path)
    assert new != old
    assert_header(read_strict(new)[0])
    assert steps_in(new) == list(range(5, 15))  # nothing added after the deletion was lost


@pytest.mark.parametrize("where", ["flush", "close", "add"])
def test_a_removed_log_directory_is_reported(tmp_path, where):
    logdir = tmp_path / "run"
    w = SummaryWriter(logdir, max_queue=1000, flush_secs=1000)
    try:
        for step in range(5):
            w.add_scalar("x", float(step), step)
        w.flush()
        shutil.rmtree(str(logdir))
        w.add_scalar("x", 5.0, 5)
        if where == "flush":
            with pytest.raises(OSError):
                w.flush()
        elif where == "close":
            with pytest.raises(OSError):
                w.close()
        else:
            # nothing but the background thread writes: its error comes out of a later add
            errors = []
            deadline = time.monotonic() + 5
            step = 6
            while not errors and time.monotonic() < deadline:
                _call(errors, w.add_scalar, "x", float(step), step)
                step += 1
                time.sleep(0.02)
            assert errors, "the background write error was never raised"
    finally:
        try:
            w.close()
        except OSError:
            pass
    w.close()  # idempotent, and no stale error afterwards


def _arm(monkeypatch, path, **kwargs):
    fault = FaultyWrite(os.write, path, **kwargs)
    monkeypatch.setattr(_event_file.os, "write", fault)
    fault.armed = True
    return fault


def _three_steps_then_disk_full(w, tmp_path, monkeypatch):
    """Steps 0-2 written and flushed, then every write to the file fails (ENOSPC):
    (path, its size with the three records, the fault)."""
    for step in range(3):
        add(w, step)
    w.flush()
    path = only_event_file(tmp_path)
    return path, os.path.getsize(path), _arm(monkeypatch, path)


def test_disk_full_in_an_adding_call(tmp_path, monkeypatch):
    w = FileWriter(tmp_path, max_queue=4, flush_secs=1000)
    try:
        path, whole, fault = _three_steps_then_disk_full(w, tmp_path, monkeypatch)
        errors = []
        for step in range(3, 13):
            _call(errors, add, w, step)
        assert errors, "disk full was not reported by any add"
        assert all(e.errno == errno.ENOSPC for e in errors)
        assert fault.partial_done
        # the partly written batch was cut back: the file ends on a whole record
        assert wait_until(lambda: os.path.getsize(path) == whole, timeout=5)
        assert steps_in(path) == [0, 1, 2]

        fault.armed = False
        for _ in range(2):  # a second error kept from the background thread may come first
            try:
                w.flush()
                break
            except OSError as err:
                assert err.errno == errno.ENOSPC
        else:
            pytest.fail("flush() kept failing after the fault cleared")
        assert steps_in(path) == list(range(13))  # nothing lost, nothing doubled
        add(w, 13)
    finally:
        w.close()
    assert steps_in(path) == list(range(14))


@pytest.mark.parametrize("next_call", ["flush", "add", "close"])
def test_disk_full_in_the_background_is_raised_by_the_next_call(tmp_path, monkeypatch, next_call):
    w = FileWriter(tmp_path, max_queue=1000, flush_secs=1000)
    try:
        path, whole, fault = _three_steps_then_disk_full(w, tmp_path, monkeypatch)
        for step in range(3, 8):
            add(w, step)  # queued only: max_queue is large
        assert wait_until(lambda: fault.failures >= 1, timeout=10), (
            "the background thread did not write"
        )
        assert any(name != threading.main_thread().name for name in fault.threads)
        assert wait_until(lambda: os.path.getsize(path) == whole, timeout=5), (
            "the partial write was not cut back"
        )
        assert steps_in(path) == [0, 1, 2]

        fault.armed = False
        with pytest.raises(OSError) as info:
            if next_call == "flush":
                w.flush()
            elif next_call == "add":
                add(w, 8)
            else:
                w.close()
        assert info.value.errno == errno.ENOSPC
        w.flush()  # raised once, then gone
    finally:
        w.close()
    expected = list(range(9)) if next_call == "add" else list(range(8))
    assert steps_in(path) == expected


def test_disk_full_at_close_is_raised_and_loses_nothing_it_can_still_write(tmp_path, monkeypatch):
    # Regression: close() used to close the file after a failed write, losing what was queued.
    w = FileWriter(tmp_path, max_queue=1000, flush_secs=1000)
    path, _, fault = _three_steps_then_disk_full(w, tmp_path, monkeypatch)
    for step in range(3, 6):
        add(w, step)
    with pytest.raises(OSError) as info:
        w.close()
    assert info.value.errno == errno.ENOSPC
    assert steps_in(path) == [0, 1, 2]  # whole records only
    with pytest.raises(OSError):
        w.close()  # still full: raised again, still nothing lost
    fault.armed = False
    w.close()  # room again: the queued records are written, then the file is closed
    w.close()  # idempotent
    assert steps_in(path) == list(range(6))
    fds = open_fds_to(path)
    if fds is not None:
        assert fds == []


def test_records_are_written_promptly_again_after_a_transient_background_error(
    tmp_path, monkeypatch
):
    # Regression: the background thread used to be woken only when a queue went from empty
    # to non-empty, so after a failed write nothing more was written in the background.
    w = FileWriter(tmp_path, max_queue=1000, flush_secs=1000)
    try:
        add(w, 0)
        w.flush()
        path = only_event_file(tmp_path)
        fault = _arm(monkeypatch, path)
        add(w, 1)
        assert wait_until(lambda: fault.failures >= 1, timeout=10)
        # let a wake-up already pending fail as well (it would retry once even without the
        # fix), then the disk has room again
        settled = [fault.failures, time.monotonic()]

        def quiet_for_a_while():
            if fault.failures != settled[0]:
                settled[:] = [fault.failures, time.monotonic()]
            return time.monotonic() - settled[1] > 0.3

        assert wait_until(quiet_for_a_while, timeout=10)
        fault.armed = False
        with pytest.raises(OSError) as info:
            add(w, 2)  # reports the background failure
        assert info.value.errno == errno.ENOSPC
        add(w, 3)
        assert wait_until(lambda: count_events(path) == 5, timeout=5.0), (
            "records were not written within 5 s of a transient error"
        )
        assert steps_in(path) == [0, 1, 2, 3]
    finally:
        monkeypatch.undo()
        w.close()


@pytest.mark.parametrize("flush_halfway", [False, True])
@pytest.mark.parametrize("what", ["file", "directory"])
def test_nothing_added_after_a_deletion_is_lost(tmp_path, what, flush_halfway):
    # Regression: of 1,000 scalars added in a tight loop after the file (or its directory) was
    # deleted, 990 went into the deleted file and were lost (505 with a flush halfway): the
    # writer notices a deletion only now and then, off the adding call's path. What reached the
    # deleted file since the last look is now read back and carried into the new file.
    logdir = tmp_path / "run"
    w = SummaryWriter(logdir, max_queue=10, flush_secs=1000)
    w.add_scalar("x", 0.0, 0)
    w.flush()
    old = only_event_file(logdir)
    if what == "file":
        os.remove(old)
    else:
        shutil.rmtree(str(logdir))
    errors = []
    for step in range(1, 1001):
        _call(errors, w.add_scalar, "x", float(step), step)
        if flush_halfway and step == 500:
            _call(errors, w.flush)
    _call(errors, w.close)
    assert errors and all(isinstance(e, FileNotFoundError) for e in errors), errors
    assert len(errors) == 1
    new = only_event_file(logdir)
    assert new != old
    assert steps_in(new) == list(range(1, 1001))
    fds = open_fds_to(new)
    if fds is not None:
        assert fds == []  # close() closed the new file too, though it raised


def test_a_full_disk_costs_each_add_o1_and_the_queue_is_bounded(tmp_path, monkeypatch):
    # Regression: every add_* while the disk was full re-joined and re-wrote the whole backlog
    # (5,000 adds took 17 s at a 185k-record backlog). Now a failed write is retried once per
    # interval, and the queue keeps the newest MAX_BACKLOG bytes.
    monkeypatch.setattr(_event_file, "MAX_BACKLOG", 200_000)
    monkeypatch.setattr(_event_file, "RETRY_MIN", 3600.0)  # no retry during the loop
    monkeypatch.setattr(_event_file, "RETRY_MAX", 3600.0)
    w = FileWriter(tmp_path, max_queue=10, flush_secs=1000)
    try:
        path, _, fault = _three_steps_then_disk_full(w, tmp_path, monkeypatch)
        errors = []
        for step in range(3, 20003):
            _call(errors, add, w, step)
        assert len(errors) == 1 and errors[0].errno == errno.ENOSPC  # said once, not per add
        assert fault.failures <= 2  # the adding call once, the background thread at most once
        sink = w.event_writer._sink
        assert sink.backlog <= 200_000 and sink.dropped[0] > 0
        kept = len(sink.pending)
        fault.armed = False
        with pytest.warns(RuntimeWarning, match=r"\d+ event records .* were dropped") as got:
            w.flush()
        assert got[0].filename == __file__  # the caller's line, not tinytb's
        steps = steps_in(path)
        assert steps[:3] == [0, 1, 2]
        # the newest records were kept, in order, with nothing in between lost
        assert steps[3:] == list(range(20003 - kept, 20003))
    finally:
        w.close()


def test_a_summarywriter_close_that_failed_is_tried_again(tmp_path, monkeypatch):
    # Regression: SummaryWriter.close() forgot its file writers before closing them, so after
    # a close that raised (disk full), close() again did nothing and the queued records stayed
    # in memory until exit.
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1000)
    path, _, fault = _three_steps_then_disk_full(w, tmp_path, monkeypatch)
    for step in range(3, 6):
        add(w, step)
    with pytest.raises(OSError):
        w.close()
    fault.armed = False
    w.close()
    assert steps_in(path) == list(range(6))
    fds = open_fds_to(path)
    if fds is not None:
        assert fds == []
