"""Shared helpers for the tests that write real event files (tests/test_event_file.py,
tests/test_writer_io.py): listing and reading event files, polling, subprocesses, fault
injection into ``os.write``. Standard library only."""

import errno
import os
import re
import socket
import subprocess
import sys
import threading
import time

from tinytb import reader

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOST = socket.gethostname()


def parse_name(path, host=HOST):
    """The fields of an event file name ``events.out.tfevents.<%010d time>.<host>.<pid>.<n>
    <suffix>``: ``{"time", "pid", "n"}`` as ints and ``"suffix"``. The host is matched
    literally (it may contain dots), so the fields cannot be confused."""
    pattern = r"^events\.out\.tfevents\.(\d{10})\.%s\.(\d+)\.(\d+)(.*)$" % re.escape(host)
    m = re.match(pattern, os.path.basename(path))
    assert m, "not an event file name of host %r: %r" % (host, path)
    return {
        "time": int(m.group(1)),
        "pid": int(m.group(2)),
        "n": int(m.group(3)),
        "suffix": m.group(4),
    }


def event_paths(logdir):
    """Event files directly in ``logdir``, sorted by name."""
    logdir = os.fspath(logdir)
    if not os.path.isdir(logdir):
        return []
    return sorted(os.path.join(logdir, n) for n in os.listdir(logdir) if "tfevents" in n)


def only_event_file(logdir):
    paths = event_paths(logdir)
    assert len(paths) == 1, "expected one event file in %s, found %r" % (logdir, paths)
    return paths[0]


def read_strict(path):
    """Every Event of a file; raises if any record is cut short or fails its CRC."""
    return reader.read_events(path, strict=True)


def count_events(path):
    """Events readable now (a record being written at the end is not counted)."""
    try:
        return len(reader.read_events(path))
    except FileNotFoundError:
        return 0


def scalar_records(path):
    """``[(tag, step, value)]`` of the scalar events of a file, read strictly."""
    out = []
    for event in read_strict(path):
        if event.summary is not None:
            for value in event.summary.value:
                out.append((value.tag, event.step, value.simple_value))
    return out


def assert_header(event):
    assert event.file_version == "brain.Event:2"
    assert event.source_metadata is not None
    assert event.source_metadata.writer == "tinytb"
    assert event.summary is None


def wait_until(predicate, timeout=10.0, interval=0.01):
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def open_fds_to(path):
    """File descriptors of this process open on ``path`` (including a deleted one), or None
    where that cannot be seen (no /proc)."""
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        return None
    target = os.path.realpath(path)
    found = []
    for name in os.listdir(fd_dir):
        try:
            link = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue
        if link == target or link == target + " (deleted)":
            found.append(int(name))
    return found


def run_python(code, *args, timeout=60, env_extra=None):
    """Run ``code`` in a fresh interpreter with the checkout importable; CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.pop("PYTHONSTARTUP", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code] + [str(a) for a in args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=timeout,
    )


class FaultyWrite:
    """A replacement for ``os.write`` that fails writes to one file while ``armed``.

    The first failing call writes ``partial`` (a fraction) of its data for real and then raises
    ``OSError(ENOSPC)``, as a disk filling up mid-write does; later failing calls raise at
    once. Writes to any other file go through. ``calls`` counts writes to the file,
    ``failures`` the failed ones, ``threads`` the names of the threads that wrote.
    """

    def __init__(self, real_write, path, partial=0.5):
        self.real_write = real_write
        self.ino = os.stat(path).st_ino
        self.dev = os.stat(path).st_dev
        self.partial = partial
        self.armed = False
        self.fail_limit = None  # None: fail every call while armed; n: only the next n
        self.calls = 0
        self.failures = 0
        self.partial_done = False
        self.threads = []
        self.lock = threading.Lock()

    def _ours(self, fd):
        try:
            st = os.fstat(fd)
        except OSError:
            return False
        return st.st_ino == self.ino and st.st_dev == self.dev

    def __call__(self, fd, data):
        if not self._ours(fd):
            return self.real_write(fd, data)
        with self.lock:
            self.calls += 1
            self.threads.append(threading.current_thread().name)
            fail = self.armed and (self.fail_limit is None or self.fail_limit > 0)
            if fail and self.fail_limit is not None:
                self.fail_limit -= 1
            first = fail and not self.partial_done
            if first:
                self.partial_done = True
        if not fail:
            return self.real_write(fd, data)
        if first:
            view = memoryview(data)
            cut = max(1, int(len(view) * self.partial))
            if cut < len(view):
                self.real_write(fd, view[:cut])
        with self.lock:
            self.failures += 1
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class CountingWrite:
    """A replacement for ``os.write`` that counts the calls writing to one file."""

    def __init__(self, real_write, path):
        self.real_write = real_write
        st = os.stat(path)
        self.key = (st.st_dev, st.st_ino)
        self.calls = 0

    def __call__(self, fd, data):
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == self.key:
            self.calls += 1
        return self.real_write(fd, data)
