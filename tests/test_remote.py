"""URL log dirs (tinytb/_remote.py, the segments of _event_file._RemoteSink, _files on a URL),
on fsspec's in-memory filesystem (``memory://``), a counting subclass of it (every upload and
every read of the filesystem counted, failures injected) and, where another process must see
the files, ``file://``. Skipped where fsspec is not installed (it is no dependency of tinytb);
conformance/test_remote_s3.py runs the same writer against a real S3 API (moto) and
TensorBoard's own loader.
"""

import gc
import os
import sys
import threading
import time
import uuid

import pytest

fsspec = pytest.importorskip("fsspec", reason="URL log dirs need fsspec (pip install fsspec)")
from fsspec.implementations.memory import MemoryFileSystem  # noqa: E402

from tinytb import FileWriter, SummaryWriter, _event_file, _remote, reader  # noqa: E402

from helpers import HOST, assert_header, parse_name, run_python, wait_until  # noqa: E402

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


class CountingFS(MemoryFileSystem):
    """A memory filesystem of its own (protocol ``countmem``) that counts what the writer
    does to it: uploads (calls and bytes per path), reads, and fails the next ``fail``
    uploads with an exception that is not an OSError (as botocore's are not)."""

    protocol = "countmem"
    store = {}
    pseudo_dirs = [""]
    uploads = []  # (path, bytes)
    reads = []
    fail = 0
    interrupt = 0
    options = []

    def __init__(self, *args, **kwargs):
        CountingFS.options.append(kwargs)
        super().__init__(*args, **kwargs)

    def pipe_file(self, path, value, *args, **kwargs):
        if CountingFS.interrupt:
            CountingFS.interrupt -= 1
            raise KeyboardInterrupt
        if CountingFS.fail:
            CountingFS.fail -= 1
            raise RuntimeError("injected upload failure")
        CountingFS.uploads.append((self._strip_protocol(path), len(value)))
        return super().pipe_file(path, value, *args, **kwargs)

    def cat_file(self, path, *args, **kwargs):
        CountingFS.reads.append(path)
        return super().cat_file(path, *args, **kwargs)

    def _open(self, path, mode="rb", *args, **kwargs):
        if "r" in mode:
            CountingFS.reads.append(path)
        elif CountingFS.fail:
            CountingFS.fail -= 1
            raise RuntimeError("injected upload failure")
        return super()._open(path, mode, *args, **kwargs)


fsspec.register_implementation("countmem", CountingFS, clobber=True)


@pytest.fixture
def counting():
    CountingFS.store.clear()
    CountingFS.pseudo_dirs[:] = [""]
    CountingFS.uploads[:] = []
    CountingFS.reads[:] = []
    CountingFS.options[:] = []
    CountingFS.fail = CountingFS.interrupt = 0
    yield CountingFS
    CountingFS.fail = CountingFS.interrupt = 0
    CountingFS.store.clear()


@pytest.fixture
def memurl():
    """A fresh ``memory://`` log dir, removed afterwards (the memory store is global)."""
    root = "/tinytb-test-%s" % uuid.uuid4().hex
    yield "memory://" + root.lstrip("/")
    fs = fsspec.filesystem("memory")
    if fs.exists(root):
        fs.rm(root, recursive=True)


def segments(url, fs=None):
    """``[(path, bytes)]`` of the event files directly in ``url``, in name order."""
    fs = fs or fsspec.filesystem(url.split("://")[0])
    path = fs._strip_protocol(url)
    if not fs.exists(path):
        return []
    names = sorted(p for p in fs.ls(path, detail=False) if "tfevents" in p.rsplit("/", 1)[-1])
    return [(p, fs.cat_file(p)) for p in names]


def run_scalars(url, fs=None):
    """The scalars of a run read as TensorBoard reads it: its segments in name order."""
    out = []
    for _, data in segments(url, fs):
        out.extend((tag, step, value) for step, tag, value in reader.scalars(data))
    return out


def check_segment(data):
    events = reader.read_events(data, strict=True)
    assert_header(events[0])
    assert not any(e.file_version for e in events[1:])
    return events


def expected(tag, steps):
    return [(tag, i, float(i)) for i in steps]


# -- segments: what is uploaded, when, and how often ------------------------------------------


def test_flush_uploads_one_segment_each_time_and_nothing_when_nothing_is_new(counting):
    w = SummaryWriter("countmem://b/run")
    assert counting.uploads == []  # nothing is stored before the first flush
    for i in range(10):
        w.add_scalar("loss", float(i), i)
    w.flush()
    assert len(counting.uploads) == 1
    w.flush()  # nothing new
    assert len(counting.uploads) == 1
    for i in range(10, 30):
        w.add_scalar("loss", float(i), i)
    w.flush()
    w.close()  # nothing new either: close stores nothing
    assert len(counting.uploads) == 2
    assert counting.reads == []  # never read back
    segs = segments("countmem://b/run")
    assert [p for p, _ in segs] == [p for p, _ in counting.uploads]  # in creation order
    for _, data in segs:
        check_segment(data)
    assert run_scalars("countmem://b/run") == expected("loss", range(30))


def test_close_uploads_what_is_left_and_an_empty_run_still_gets_its_header(counting):
    w = FileWriter("countmem://b/r1")
    w.close()
    ((path, data),) = segments("countmem://b/r1")
    assert [e.file_version for e in check_segment(data)] == ["brain.Event:2"]
    w.close()  # idempotent
    assert len(counting.uploads) == 1
    w2 = SummaryWriter("countmem://b/r2")
    w2.add_scalar("a", 1.0, 1)
    w2.close()
    assert run_scalars("countmem://b/r2") == [("a", 1, 1.0)]
    assert len(counting.uploads) == 2


def test_names_are_event_file_names_that_sort_in_creation_order(counting):
    # Many segments within one second (the counter decides) and across seconds: sorted by
    # name, as both TensorBoard loaders order a run's files, they come in creation order.
    w = SummaryWriter("countmem://b/run", filename_suffix=".sfx")
    for i in range(25):
        w.add_scalar("s", float(i), i)
        w.flush()
    w.close()
    made = [p for p, _ in counting.uploads]
    assert len(made) == 25
    assert sorted(made) == made
    fields = [parse_name(p) for p in made]
    assert {f["pid"] for f in fields} == {os.getpid()}
    assert {f["suffix"] for f in fields} == {".sfx"}
    assert run_scalars("countmem://b/run") == expected("s", range(25))


def test_the_time_in_the_names_never_goes_back(counting, monkeypatch):
    w = SummaryWriter("countmem://b/run")
    clock = [2000000000.5]
    monkeypatch.setattr(_event_file.time, "time", lambda: clock[0])
    w.add_scalar("s", 0.0, 0)
    w.flush()
    clock[0] = 1999999990.0  # the wall clock is set back ten seconds
    w.add_scalar("s", 1.0, 1)
    w.flush()
    monkeypatch.undo()
    w.close()
    made = [p for p, _ in counting.uploads]
    assert [parse_name(p)["time"] for p in made] == [2000000000, 2000000000]
    assert sorted(made) == made


def test_upload_bytes_stay_within_five_percent_of_the_run(counting):
    # A realistic run: 2000 steps of 4 scalars and a histogram every 100, flushed every 200
    # steps (ten segments). Every byte uploaded is in the final objects; the only overhead is
    # one header record per segment.
    import random

    rng = random.Random(0)
    w = SummaryWriter("countmem://b/run")
    for step in range(2000):
        for tag in ("loss", "acc", "lr", "grad_norm"):
            w.add_scalar(tag, rng.random(), step)
        if step % 100 == 0:
            w.add_histogram("weights", [rng.gauss(0, 1) for _ in range(1000)], step)
        if step % 200 == 199:
            w.flush()
    w.close()
    assert counting.reads == []  # never read back
    uploaded = sum(n for _, n in counting.uploads)
    final = sum(len(data) for _, data in segments("countmem://b/run"))
    headers = len(counting.uploads) * len(_event_file._header(time.time()))
    assert len(counting.uploads) == 10
    assert uploaded == final  # nothing uploaded twice, nothing uploaded and replaced
    assert uploaded <= 1.05 * (final - headers)  # within 5% of the records themselves
    assert len({p for p, _ in counting.uploads}) == len(counting.uploads)
    assert len(run_scalars("countmem://b/run")) == 4 * 2000


def test_a_full_segment_is_uploaded_by_the_background_and_rotation_keeps_order(
    counting, monkeypatch
):
    monkeypatch.setattr(_event_file, "SEGMENT_BYTES", 4096)
    w = SummaryWriter("countmem://b/run")  # flush_secs=120: only the size triggers uploads
    for i in range(1000):
        w.add_scalar("s", float(i), i)
    assert wait_until(lambda: len(counting.uploads) >= 5, timeout=10)
    sizes = [n for _, n in counting.uploads]
    w.close()
    header = len(_event_file._header(time.time()))
    assert max(sizes) <= 4096 + header
    assert run_scalars("countmem://b/run") == expected("s", range(1000))
    made = [p for p, _ in counting.uploads]
    assert sorted(made) == made


def test_flush_secs_uploads_in_the_background(counting):
    w = SummaryWriter("countmem://b/run", flush_secs=0.2)
    w.add_scalar("s", 1.0, 1)
    assert wait_until(lambda: len(counting.uploads) == 1, timeout=10)
    w.add_scalar("s", 2.0, 2)
    w.add_scalar("s", 3.0, 3)
    assert wait_until(lambda: len(counting.uploads) == 2, timeout=10)
    time.sleep(0.5)  # nothing new: nothing more
    assert len(counting.uploads) == 2
    w.close()
    assert run_scalars("countmem://b/run") == expected("s", [1, 2, 3])


# -- failures ---------------------------------------------------------------------------------


def test_a_failed_upload_is_raised_by_flush_and_its_records_stored_later_once(counting):
    w = SummaryWriter("countmem://b/run")
    for i in range(5):
        w.add_scalar("s", float(i), i)
    counting.fail = 1
    with pytest.raises(OSError, match="countmem://b/run") as info:
        w.flush()
    assert isinstance(info.value, _remote.UploadError)
    assert "injected upload failure" in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert counting.uploads == []
    for i in range(5, 8):
        w.add_scalar("s", float(i), i)
    w.flush()  # the failed segment first (the same object), then the newer records
    w.close()
    assert [n for n in map(parse_name, (p for p, _ in counting.uploads))] == sorted(
        map(parse_name, (p for p, _ in counting.uploads)), key=lambda f: (f["time"], f["n"])
    )
    assert run_scalars("countmem://b/run") == expected("s", range(8))


def test_close_that_fails_raises_keeps_the_records_and_can_be_tried_again(counting):
    w = SummaryWriter("countmem://b/run")
    w.add_scalar("s", 1.0, 1)
    counting.fail = 1
    with pytest.raises(OSError, match="injected"):
        w.close()
    assert counting.uploads == []
    w.close()  # again: the writer kept the records
    assert run_scalars("countmem://b/run") == [("s", 1, 1.0)]


def test_background_failures_are_retried_then_raised_by_add_and_nothing_is_lost(
    counting, monkeypatch
):
    monkeypatch.setattr(_event_file, "REMOTE_RETRY_MIN", 0.02)
    monkeypatch.setattr(_event_file, "REMOTE_RETRY_MAX", 0.05)
    w = SummaryWriter("countmem://b/run", flush_secs=0)
    sink = w.file_writer.event_writer._sink
    counting.fail = 10**6
    w.add_scalar("s", 0.0, 0)
    assert wait_until(lambda: sink.failures >= _event_file.REPORT_AFTER, timeout=10)
    # Persistent: the next add raises it (its record is queued all the same).
    with pytest.raises(OSError, match="injected"):
        for i in range(1, 200):
            w.add_scalar("s", float(i), i)
            time.sleep(0.005)
    last = i
    counting.fail = 0
    assert wait_until(lambda: not sink.pending and sink.segment is None, timeout=10)
    w.close()
    assert run_scalars("countmem://b/run") == expected("s", range(last + 1))
    assert len({p for p, _ in counting.uploads}) == len(counting.uploads)


def test_a_single_background_failure_is_retried_without_raising(counting, monkeypatch):
    monkeypatch.setattr(_event_file, "REMOTE_RETRY_MIN", 0.02)
    w = SummaryWriter("countmem://b/run", flush_secs=0)
    counting.fail = 1
    w.add_scalar("s", 0.0, 0)
    assert wait_until(lambda: len(counting.uploads) == 1, timeout=10)
    w.add_scalar("s", 1.0, 1)  # no error: the retry stored it
    w.close()
    assert run_scalars("countmem://b/run") == expected("s", [0, 1])


def test_an_interrupted_upload_leaves_the_writer_usable(counting):
    # Ctrl-C during flush()'s upload: the segment is kept, and nothing waits forever for an
    # upload that will never finish.
    w = SummaryWriter("countmem://b/run")
    w.add_scalar("s", 1.0, 1)
    counting.interrupt = 1
    with pytest.raises(KeyboardInterrupt):
        w.flush()
    done = []
    closer = threading.Thread(target=lambda: done.append(w.close()), daemon=True)
    closer.start()
    closer.join(10)
    assert done == [None]
    assert run_scalars("countmem://b/run") == [("s", 1, 1.0)]


# -- everything else that writes files ------------------------------------------------------


def test_sub_runs_of_add_scalars_and_add_hparams(memurl):
    w = SummaryWriter(memurl)
    w.add_scalars("m", {"a": 1.0, "b": 2.0}, 3)
    w.add_hparams({"lr": 0.1}, {"hp/acc": 0.5}, run_name="session")
    w.close()
    assert run_scalars(memurl + "/m_a") == [("m", 3, 1.0)]
    assert run_scalars(memurl + "/m_b") == [("m", 3, 2.0)]
    hp = [e for _, data in segments(memurl + "/session") for e in reader.read_events(data)]
    tags = {v.tag for e in hp if e.summary for v in e.summary.value}
    assert "_hparams_/session_start_info" in tags and "hp/acc" in tags


def test_add_embedding_files_on_a_url(memurl):
    w = SummaryWriter(memurl)
    w.add_embedding([[1.0, 2.0], [3.0, 4.0]], metadata=["x", "y"], global_step=1, tag="t")
    w.add_embedding([[5.0, 6.0]], global_step=2, tag="t")
    w.close()
    fs = fsspec.filesystem("memory")
    root = fs._strip_protocol(memurl)
    assert fs.cat_file(root + "/00001/t/tensors.tsv") == b"1.0\t2.0\n3.0\t4.0\n"
    assert fs.cat_file(root + "/00001/t/metadata.tsv") == b"x\ny\n"
    config = fs.cat_file(root + "/projector_config.pbtxt").decode()
    assert config.count("embeddings {") == 2  # the second call merged into the first's
    assert "00001/t/tensors.tsv" in config and "00002/t/tensors.tsv" in config
    with pytest.raises(ValueError, match="not inside log_dir"):
        from tinytb import _files

        _files.write_embedding(memurl, "../escape", {"a": b""}, lambda old: b"")


# -- opening: fsspec missing, unknown scheme, options ---------------------------------------


@pytest.mark.parametrize("cls", [SummaryWriter, FileWriter, _event_file.EventFileWriter])
def test_without_fsspec_a_url_says_what_to_install(monkeypatch, tmp_path, cls):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "fsspec", None)
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    with pytest.raises(ImportError, match=r"pip install fsspec gcsfs"):
        cls("gs://bucket/run")
    assert os.listdir(str(tmp_path)) == []


def test_an_unknown_scheme_is_a_value_error_naming_log_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"log_dir 'nosuchscheme://b/run'"):
        SummaryWriter("nosuchscheme://b/run")
    assert os.listdir(str(tmp_path)) == []


def test_storage_options_reach_the_filesystem(counting):
    w = SummaryWriter("countmem://b/run", storage_options={"skip_instance_cache": True, "k": 7})
    w.add_scalars("m", {"a": 1.0}, 1)
    w.close()
    assert sum(1 for o in counting.options if o.get("k") == 7) >= 2  # the run and its sub-run
    with pytest.raises(TypeError, match="storage_options"):
        SummaryWriter("countmem://b/run", storage_options=["k"])
    with pytest.raises(TypeError, match="storage_options"):
        FileWriter("countmem://b/run", storage_options="k=7")


def test_a_local_log_dir_ignores_storage_options_and_stays_a_plain_file(tmp_path):
    w = SummaryWriter(str(tmp_path), storage_options={"anon": True})
    w.add_scalar("s", 1.0, 1)
    w.close()
    (name,) = os.listdir(str(tmp_path))
    n = name.rsplit(".", 1)[1]
    assert n == str(int(n))  # a local file keeps its unpadded counter
    assert type(FileWriter(str(tmp_path)).event_writer) is _event_file.EventFileWriter


# -- lifetime: garbage collection, exit, fork -----------------------------------------------


def test_a_writer_collected_without_close_is_finished_by_the_uploader(counting):
    w = FileWriter("countmem://b/run")
    w.add_summary(b"")  # an empty Summary: one record
    del w
    gc.collect()
    assert wait_until(lambda: len(counting.uploads) == 1, timeout=10)
    ((_, data),) = segments("countmem://b/run")
    assert len(check_segment(data)) == 2
    assert wait_until(lambda: not _event_file._orphans, timeout=10)


def test_exit_without_close_uploads_what_is_left(tmp_path):
    url = "file://" + str(tmp_path / "run")
    out = run_python(
        "import sys; from tinytb import SummaryWriter\n"
        "w = SummaryWriter(sys.argv[1])\n"
        "for i in range(50): w.add_scalar('s', float(i), i)\n"
        "w.flush()\n"
        "for i in range(50, 80): w.add_scalar('s', float(i), i)\n",
        url,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert run_scalars(url) == expected("s", range(80))
    assert len(segments(url)) == 2


def test_exit_waits_a_bounded_time_and_says_what_it_could_not_upload(tmp_path):
    code = (
        "import sys, time\n"
        "import fsspec\n"
        "from fsspec.implementations.memory import MemoryFileSystem\n"
        "class Down(MemoryFileSystem):\n"
        "    protocol = 'down'\n"
        "    def pipe_file(self, *a, **k): raise ConnectionError('store is down')\n"
        "fsspec.register_implementation('down', Down, clobber=True)\n"
        "from tinytb import SummaryWriter, _event_file\n"
        "_event_file.EXIT_WAIT = 1.0\n"
        "_event_file.REMOTE_RETRY_MIN = 0.1\n"
        "w = SummaryWriter('down://b/run')\n"
        "for i in range(7): w.add_scalar('s', float(i), i)\n"
        "sys.stdout.write(str(time.monotonic()))\n"
    )
    t0 = time.monotonic()
    out = run_python(code, timeout=60)
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - t0 < 30
    assert "could not be uploaded to down://b/run" in out.stderr
    assert "7 event records" in out.stderr
    assert "store is down" in out.stderr


@needs_fork
def test_fork_child_forgets_the_parents_records(tmp_path):
    url = "file://" + str(tmp_path / "run")
    w = SummaryWriter(url)
    for i in range(5):
        w.add_scalar("parent", float(i), i)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            w.add_scalar("child", 1.0, 1)
            w.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert status == 0
    w.close()
    by_pid = {}
    for path, data in segments(url):
        tags = [t for _, t, _ in reader.scalars(data)]
        by_pid.setdefault(parse_name(path)["pid"], []).extend(tags)
    assert by_pid == {os.getpid(): ["parent"] * 5, pid: ["child"]}


def test_host_in_segment_names(counting):
    w = FileWriter("countmem://b/run")
    w.close()
    assert ("." + HOST + ".") in counting.uploads[0][0]


# -- reading a URL log: SummaryReader, reader.event_files, iter_events, tinytb ls / export ---


def _nested_run(url):
    for sub, value in (("b", 2.0), ("a/x", 1.0), ("", 0.5)):
        with SummaryWriter(url + ("/" + sub if sub else ""), flush_secs=3600) as w:
            w.add_scalar("loss", value, 1)
            w.add_text("note", "hello %s" % sub, 1)


def test_list_files_walks_depth_first_each_folder_sorted(memurl):
    _nested_run(memurl)
    files = _remote.list_files(memurl)
    # tbparse's walk: sorted(os.listdir) of each folder, depth first: "a", "b", "events..."
    assert [folder for _, folder in files] == ["a/x", "b", ""]
    first = files[0][0]
    assert first.startswith(memurl + "/a/x/events.out.tfevents.")
    assert _remote.list_files(first) == [(first, "")]  # one file
    with pytest.raises(ValueError, match="File or directory not found"):
        _remote.list_files(memurl + "/nothing")


def test_summary_reader_reads_a_url_as_a_local_copy(memurl, tmp_path):
    _nested_run(memurl)
    _nested_run(str(tmp_path))
    remote = reader.SummaryReader(memurl, extra_columns={"dir_name"})
    local = reader.SummaryReader(str(tmp_path), extra_columns={"dir_name"})
    for kind in ("scalars", "text"):
        strip = lambda rows: [(r.dir_name, r.tag, r.step, r.value) for r in rows]  # noqa: E731
        assert strip(getattr(remote, kind)) == strip(getattr(local, kind)), kind
    assert sorted((r.dir_name, r.value) for r in remote.scalars) == [
        ("", 0.5),
        ("a/x", 1.0),
        ("b", 2.0),
    ]
    runs = reader.event_files(memurl)
    assert sorted(runs) == [".", "a/x", "b"]
    assert reader.event_files(memurl + "/nothing") == {}
    events = reader.read_events(runs["b"][0])
    assert events[0].file_version == _event_file.FILE_VERSION


def test_reading_a_url_reads_and_never_writes(counting):
    url = "countmem://logs/run"
    with SummaryWriter(url) as w:
        w.add_scalar("loss", 1.5, 3)
    uploads = len(counting.uploads)
    rows = list(reader.iter_rows(url))
    assert [(r.tag, r.step, r.value) for r in rows] == [("loss", 3, 1.5)]
    assert len(counting.uploads) == uploads


def test_the_command_line_lists_and_exports_a_url(memurl, tmp_path, capsys):
    from tinytb.__main__ import main

    _nested_run(memurl)
    assert main(["ls", memurl]) == 0
    out = capsys.readouterr().out
    assert "a/x" in out and "loss" in out
    assert main(["export", memurl, "-o", str(tmp_path / "out.jsonl"), "--format", "jsonl"]) == 0
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert sum('"loss"' in line for line in lines) == 3
    assert main(["check", memurl]) == 0
    assert "3 files" in capsys.readouterr().out
    assert main(["tail", memurl]) == 0
    assert "loss" in capsys.readouterr().out
    assert main(["ls", memurl + "/nothing"]) == 1
    assert "no event files under" in capsys.readouterr().err
    assert main(["ls", "nosuchscheme://x/y"]) == 1
    assert "nosuchscheme" in capsys.readouterr().err


def test_follow_a_url_sees_new_segments(memurl):
    import threading as _threading

    stop = _threading.Event()
    w = SummaryWriter(memurl, flush_secs=3600)
    w.add_scalar("loss", 1.0, 1)
    w.flush()
    rows = reader.follow(memurl, kinds=["scalars"], interval=0.01, stop=stop)
    assert next(rows).value == 1.0
    w.add_scalar("loss", 2.0, 2)
    w.flush()  # a new segment: the next listing finds it
    assert next(rows).value == 2.0
    stop.set()
    w.close()
    assert list(rows) == []


def test_the_viewer_store_lists_and_reads_a_url(memurl, tmp_path):
    from tinytb.viewer import store as _store

    with SummaryWriter(memurl + "/a", flush_secs=3600) as w:
        w.add_scalar("loss", 1.0, 1)
        w.add_image("img", [[0.0, 1.0]], 1, dataformats="HW")
    s = _store.Store(memurl, cache_dir=str(tmp_path / "cache"))
    assert s.refresh()
    assert s.runs() == ["a"]
    steps, _, values = s.scalars("a", "loss")
    assert (list(steps), list(values)) == ([1], [1.0])
    items = s.items("images", "a", "img")
    assert len(items) == 1 and s.blob("images", "a", "img", 0, 0).startswith(b"\x89PNG")
    assert not (tmp_path / "cache").exists()  # no cache for a URL log
    with SummaryWriter(memurl + "/a", flush_secs=3600) as w:
        w.add_scalar("loss", 2.0, 2)
    assert s.refresh()  # a new segment
    assert list(s.scalars("a", "loss")[2]) == [1.0, 2.0]
    assert not s.refresh()  # nothing new: nothing changes
    assert _store.Store(memurl + "/nothing").refresh() is False


def test_tinytb_serve_a_url(memurl):
    import json
    import urllib.request

    from tinytb.viewer import server
    from tinytb.viewer import store as _store

    with SummaryWriter(memurl, flush_secs=3600) as w:
        for step in range(3):
            w.add_scalar("loss", float(step), step)
    s = _store.Store(memurl)
    s.refresh()
    httpd = server.make_server(s, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        base = "http://127.0.0.1:%d" % httpd.server_port
        with urllib.request.urlopen(base + "/api/index") as reply:
            index = json.loads(reply.read().decode("utf-8"))
        assert "loss" in json.dumps(index)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def test_a_readers_storage_options_reach_every_file_below_its_url(counting):
    url = "countmem://logs/opts"
    with SummaryWriter(url + "/a") as w:
        w.add_scalar("loss", 1.5, 3)
    counting.options[:] = []
    table = reader.SummaryReader(url, storage_options={"reader_option": 7}).scalars
    assert [(r.step, r.value) for r in table] == [(3, 1.5)]
    assert counting.options and all(o.get("reader_option") == 7 for o in counting.options)
    with pytest.raises(TypeError, match="storage_options"):
        reader.SummaryReader(url, storage_options=["not", "a", "dict"])
