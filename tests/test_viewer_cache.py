"""tinytb.viewer.cache: the on-disk cache of decoded event files, through the Store that uses
it (a warm store must serve exactly what a cold one does, whatever happened to the files or
to the cache) and directly (the entry format, paths, writing)."""

import functools
import marshal
import os
import random
import struct

import pytest

from tinytb import SummaryWriter, _record, _scan
from tinytb.viewer import cache
from tinytb.viewer import store as store_module
from tinytb.viewer.store import Store
from test_viewer_store import (  # the store's own log writers and its full snapshot
    FORK_WARNING,
    VERSION,
    raw_file,
    scalar,
    snapshot,
    write_all_kinds,
    write_mixed_log,
)

# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch):
    """Counts the bytes ``scan`` read from each file the store read with the cache (not the
    window checked before an entry's end): [(path, n)]."""
    got = []
    real = store_module._Tracked.read

    def read(self, n=-1):
        data = real(self, n)
        got.append((self.name, len(data)))
        return data

    monkeypatch.setattr(store_module._Tracked, "read", read)
    return got


def bytes_read(reads, path=None):
    return sum(n for name, n in reads if path is None or name == str(path))


def cold(logdir):
    """What a store without a cache serves."""
    st = Store(str(logdir), workers=1)
    st.refresh()
    return snapshot(st)


def cached(logdir, cache_dir, **kwargs):
    kwargs.setdefault("workers", 1)
    st = Store(str(logdir), cache_dir=str(cache_dir), **kwargs)
    st.refresh()
    return st


def entries(cache_dir):
    """The entry files under a cache folder: {path: bytes}."""
    out = {}
    for d, _, names in os.walk(str(cache_dir)):
        for name in names:
            with open(os.path.join(d, name), "rb") as f:
                out[os.path.join(d, name)] = f.read()
    return out


def write_full_log(logdir):
    """Every kind, hparams sessions and experiment, and a dead file."""
    write_all_kinds(logdir)
    with SummaryWriter(os.path.join(str(logdir), "hp")) as w:
        w.add_scalar("loss", 1.0, 0)
        w.add_hparams({"lr": 0.1, "opt": "adam"}, {"hp/acc": 0.75}, run_name="s1")
    records = [_record.frame(scalar("x", float(i), i)) for i in range(1, 5)]
    bad = bytearray(records[2])
    bad[20] ^= 0x01  # the data CRC no longer matches
    os.makedirs(os.path.join(str(logdir), "bad"))
    with open(os.path.join(str(logdir), "bad", "events.out.tfevents.1"), "wb") as f:
        f.write(records[0] + records[1] + bytes(bad) + records[3])


def read_bytes(path):
    with open(str(path), "rb") as f:
        return f.read()


def steps_file(path, n, value=1.0, first=0):
    return raw_file(path, [VERSION] + [scalar("x", value, first + i) for i in range(n)])


# -- warm equals cold --------------------------------------------------------------------------


def test_warm_refresh_serves_what_a_cold_one_does_for_every_kind(tmp_path, reads):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    write_full_log(logdir)
    reference = cold(logdir)
    assert len(reference["errors"]) == 1 and reference["hparams"]["sessions"]
    first = cached(logdir, cache_dir)
    assert snapshot(first) == reference
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(str(logdir)) for n in ns)
    assert bytes_read(reads) >= size  # the cold one read everything...
    written = entries(cache_dir)
    assert len(written) == 5  # one entry per event file
    del reads[:]
    warm = cached(logdir, cache_dir)
    assert snapshot(warm) == reference
    # ... the warm one only the window before each entry's end and the dead file's bad record
    bad = os.path.join(str(logdir), "bad", "events.out.tfevents.1")
    assert bytes_read(reads) - bytes_read(reads, bad) <= 4 * cache.WINDOW
    assert bytes_read(reads, bad) < os.path.getsize(bad)
    assert entries(cache_dir) == written  # nothing new: nothing written
    assert warm.refresh() is False


def test_a_warm_store_keeps_tailing(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "a/events.out.tfevents.1", 5)
    cached(logdir, cache_dir)
    st = cached(logdir, cache_dir)
    raw_file(path, [scalar("x", 2.0, 5), scalar("y", 3.0, 5)], mode="ab")
    assert st.refresh() is True
    assert snapshot(st) == cold(logdir)
    assert list(st.scalars("a", "x")[0]) == list(range(6))


@pytest.mark.filterwarnings(FORK_WARNING)
def test_the_process_pool_fills_the_cache_too(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    write_mixed_log(logdir)
    reference = cold(logdir)
    assert snapshot(cached(logdir, cache_dir, workers=2)) == reference
    assert entries(cache_dir)
    assert snapshot(cached(logdir, cache_dir, workers=2)) == reference


# -- files that changed ------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [None, 1000, 70000])  # scan's reads: one, or many pieces
def test_a_grown_file_is_read_from_the_cached_offset_only(tmp_path, reads, monkeypatch, chunk):
    if chunk is not None:
        monkeypatch.setattr(store_module, "scan", functools.partial(_scan.scan, chunk_size=chunk))
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "r/events.out.tfevents.1", 3000)  # > WINDOW: a real prefix
    cached(logdir, cache_dir)
    old = os.path.getsize(path)
    raw_file(path, [scalar("x", 5.0, 10), scalar("z", 1.0, 1)], mode="ab")  # preempts too
    del reads[:]
    st = cached(logdir, cache_dir)
    assert bytes_read(reads) == os.path.getsize(path) - old  # scan read the new bytes only
    assert snapshot(st) == cold(logdir)
    assert list(st.scalars("r", "x")[0]) == list(range(10)) + [10]
    # that refresh wrote the grown file's entry: the next start reads no new bytes
    del reads[:]
    assert snapshot(cached(logdir, cache_dir)) == cold(logdir)
    assert bytes_read(reads) == 0


def test_a_long_running_store_keeps_the_entries_of_growing_files_recent(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "CACHE_LAG", 1000)
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "events.out.tfevents.1", 100)
    st = cached(logdir, cache_dir)
    written = entries(cache_dir)
    raw_file(path, [scalar("x", 1.0, 100 + i) for i in range(10)], mode="ab")  # < CACHE_LAG
    assert st.refresh() is True and entries(cache_dir) == written
    raw_file(path, [scalar("x", 2.0, 200 + i) for i in range(100)], mode="ab")
    assert st.refresh() is True and entries(cache_dir) != written
    (blob,) = entries(cache_dir).values()
    entry = cache.decode(blob, os.path.realpath(str(logdir)), "events.out.tfevents.1")
    assert entry.end == os.path.getsize(path)
    assert snapshot(st) == cold(logdir) == snapshot(cached(logdir, cache_dir))


@pytest.mark.parametrize("shift", [-(10**10), 0, 10**10])  # mtime older, same, newer (ns)
def test_a_file_rewritten_with_the_same_size_is_read_again(tmp_path, shift):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "events.out.tfevents.1", 50, value=1.0)
    cached(logdir, cache_dir)
    info = os.stat(path)
    steps_file(logdir / "events.out.tfevents.1", 50, value=2.0)  # same layout, other values
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + shift))
    assert os.path.getsize(path) == info.st_size
    st = cached(logdir, cache_dir)
    assert set(st.scalars(".", "x")[2]) == {2.0}
    assert snapshot(st) == cold(logdir)


def test_a_rewritten_prefix_with_a_larger_size_is_read_again(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "events.out.tfevents.1", 3000, value=1.0)
    cached(logdir, cache_dir)
    info = os.stat(path)
    with open(path, "r+b") as f:  # same inode: only the CRC of the window tells
        f.write(read_bytes(steps_file(tmp_path / "other/f", 3001, value=3.0)))
    assert os.stat(path).st_ino == info.st_ino and os.path.getsize(path) > info.st_size
    st = cached(logdir, cache_dir)
    assert set(st.scalars(".", "x")[2]) == {3.0} and len(st.scalars(".", "x")[2]) == 3001
    assert snapshot(st) == cold(logdir)


def test_a_shrunk_or_replaced_file_is_read_again(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    path = steps_file(logdir / "events.out.tfevents.1", 50)
    cached(logdir, cache_dir)
    steps_file(logdir / "events.out.tfevents.1", 20, first=100)  # smaller
    assert snapshot(cached(logdir, cache_dir)) == cold(logdir)
    other = steps_file(tmp_path / "other/events.out.tfevents.1", 40, first=7)
    data = read_bytes(path)
    with open(other, "ab") as f:
        f.write(data)  # the old file's bytes after new ones: a bigger file on a new inode
    os.replace(other, path)
    st = cached(logdir, cache_dir)
    assert snapshot(st) == cold(logdir) and len(st.scalars(".", "x")[0]) == 40 + 20


def test_a_dead_file_stays_dead_from_the_cache_with_the_same_error(tmp_path, reads):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    write_full_log(logdir)
    first = cached(logdir, cache_dir)
    (error,) = first.errors()
    del reads[:]
    warm = cached(logdir, cache_dir)
    assert warm.errors() == [error]
    bad = os.path.join(str(logdir), "bad", "events.out.tfevents.1")
    assert bytes_read(reads, bad) < os.path.getsize(bad)
    assert list(warm.scalars("bad", "x")[0]) == [1, 2]


def test_vanished_files_lose_their_entries(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    steps_file(logdir / "a/events.out.tfevents.1", 5)
    gone = steps_file(logdir / "b/events.out.tfevents.1", 5)
    cached(logdir, cache_dir)
    assert len(entries(cache_dir)) == 2
    os.unlink(gone)
    steps_file(logdir / "c/events.out.tfevents.1", 5)
    st = cached(logdir, cache_dir)
    assert st.runs() == ["a", "c"] and len(entries(cache_dir)) == 2


# -- a damaged or unusable cache ---------------------------------------------------------------


def damage_cases(blob):
    """(name, damaged bytes) of an entry file: cut short, garbage, bit flips, other versions."""
    rng = random.Random(12)
    out = [("empty", b""), ("header only", blob[: cache.HEADER.size])]
    out += [("cut at %d" % n, blob[:n]) for n in rng.sample(range(1, len(blob)), 8)]
    out += [("random", bytes(rng.getrandbits(8) for _ in range(len(blob))))]
    out += [("appended", blob + b"\0")]
    for bit in sorted(rng.sample(range(8 * len(blob)), 40)) + list(range(0, 8 * 64, 13)):
        flipped = bytearray(blob)
        flipped[bit // 8] ^= 1 << (bit % 8)
        out.append(("bit %d" % bit, bytes(flipped)))
    magic, version, mversion, order, pad, size, digest = cache.HEADER.unpack_from(blob)
    payload = blob[cache.HEADER.size :]
    for name, fields in [
        ("version", (magic, version + 1, mversion, order, pad)),
        ("marshal version", (magic, version, mversion + 1, order, pad)),
        ("byte order", (magic, version, mversion, 1 - order, pad)),
    ]:
        out.append((name, cache.HEADER.pack(*fields, size, digest) + payload))
    return out


def signed(payload):
    """An entry file around any payload, with a right checksum (wrong types get through it)."""
    digest = cache.hashlib.sha256(payload).digest()
    head = cache.HEADER.pack(
        cache.MAGIC, cache.VERSION, marshal.version, cache._ORDER, bytes(3), len(payload), digest
    )
    return head + payload


def wrong_types(blob):
    top = list(marshal.loads(blob[cache.HEADER.size :]))
    data = list(top[9])
    cases = []
    for i, bad in [(2, ("1", 2, 3, 4)), (3, -1.0), (4, (cache.WINDOW + 1, 0)), (5, {"x": 1}),
                   (8, 1), (9, ()), (7, ("offset", "message"))]:  # fmt: skip
        top2 = list(top)
        top2[i] = bad
        cases.append(("field %d" % i, signed(marshal.dumps(tuple(top2)))))
    scalars = {tag: (cols[0], cols[1][:-8], cols[2]) for tag, cols in data[0].items()}
    for j, bad in [
        (0, scalars),
        (0, {"x": (b"\0" * 7, b"", b"")}),
        (3, {"h": (b"", [1])}),
        (4, {"t": (b"", [("no", "rows")])}),
        (5, {"lr": object}),
        (6, ("a", [])),
    ]:
        data2 = list(data)
        data2[j] = bad
        top2 = list(top)
        top2[9] = tuple(data2)
        try:
            cases.append(("data %d" % j, signed(marshal.dumps(tuple(top2)))))
        except ValueError:  # marshal cannot hold it: nothing to test
            pass
    cases.append(("not a tuple", signed(marshal.dumps([1, 2]))))
    cases.append(("not marshal", signed(b"\xff\x00garbage")))
    return cases


def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    write_full_log(logdir)
    reference = cold(logdir)
    cached(logdir, cache_dir)
    written = entries(cache_dir)
    (target,) = [p for p, b in written.items() if b"note/text_summary" in b]  # the torch run
    blob = written[target]
    rel = next(r for r in _rels(logdir) if r.startswith("torch/"))
    real = os.path.realpath(str(logdir))
    assert cache.decode(signed(blob[cache.HEADER.size :]), real, rel) is not None  # control
    cases = damage_cases(blob) + wrong_types(blob)
    assert len(cases) > 80
    for name, damaged in cases:
        with open(target, "wb") as f:
            f.write(damaged)
        assert cache.decode(damaged, real, rel) is None, name
        st = cached(logdir, cache_dir)
        assert snapshot(st) == reference, name
        assert cache.decode(entries(cache_dir)[target], real, rel) is not None, name  # rebuilt


def test_decode_refuses_what_does_not_check_out(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    write_full_log(logdir)
    cached(logdir, cache_dir)
    real = os.path.realpath(str(logdir))
    for blob in entries(cache_dir).values():
        ok = [r for r in _rels(logdir) if cache.decode(blob, real, r) is not None]
        assert len(ok) == 1  # the entry of exactly one file
        assert cache.decode(blob, real + "x", ok[0]) is None  # another log dir's
        for name, damaged in damage_cases(blob)[:20]:
            assert cache.decode(damaged, real, ok[0]) is None, name


def _rels(logdir):
    return [
        os.path.relpath(os.path.join(d, n), str(logdir)).replace(os.sep, "/")
        for d, _, names in os.walk(str(logdir))
        for n in names
    ]


def test_an_unwritable_cache_dir_is_harmless(tmp_path):
    logdir = tmp_path / "log"
    write_full_log(logdir)
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a file where the cache folder would go")
    for cache_dir in (blocker, blocker / "below"):
        st = cached(logdir, cache_dir)
        assert snapshot(st) == cold(logdir)
        assert blocker.read_bytes() == b"a file where the cache folder would go"


def test_a_cache_inside_the_log_dir_is_not_used(tmp_path):
    logdir = tmp_path / "log"
    steps_file(logdir / "events.out.tfevents.1", 5)
    before = sorted(_rels(logdir))
    st = cached(logdir, logdir / "cache")
    assert sorted(_rels(logdir)) == before and list(st.scalars(".", "x")[0]) == list(range(5))
    assert cache.log_folder(str(logdir), str(logdir)) is None
    assert cache.log_folder(str(tmp_path / "c"), str(logdir)) is not None


def test_leftover_temporary_files_are_removed_when_old(tmp_path):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    steps_file(logdir / "a/events.out.tfevents.1", 5)
    cached(logdir, cache_dir)
    (folder,) = {os.path.dirname(p) for p in entries(cache_dir)}
    old, new = os.path.join(folder, "tmpold.tmp"), os.path.join(folder, "tmpnew.tmp")
    for path in (old, new):
        open(path, "wb").close()
    os.utime(old, (1, 1))
    steps_file(logdir / "b/events.out.tfevents.1", 5)  # something new: the cache is written
    cached(logdir, cache_dir)
    assert not os.path.exists(old) and os.path.exists(new)


# -- the module itself -------------------------------------------------------------------------


def test_default_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYTB_CACHE_DIR", str(tmp_path / "t"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache.default_dir() == str(tmp_path / "t")
    monkeypatch.delenv("TINYTB_CACHE_DIR")
    assert cache.default_dir() == os.path.join(str(tmp_path / "x"), "tinytb")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_dir() == os.path.join(str(tmp_path / "home"), ".cache", "tinytb")


def test_folders_are_per_log_dir_below_viewer(tmp_path):
    a = cache.log_folder(str(tmp_path / "c"), str(tmp_path / "a"))
    b = cache.log_folder(str(tmp_path / "c"), str(tmp_path / "a" / ".." / "b"))
    assert os.path.dirname(a) == os.path.join(str(tmp_path / "c"), "viewer") == os.path.dirname(b)
    assert a != b
    assert cache.log_folder(str(tmp_path / "c"), str(tmp_path / "b")) == b  # by realpath


def test_the_header_layout():
    assert cache.HEADER.size == 4 + 4 + 4 + 1 + 3 + 8 + 32
    assert struct.calcsize("<4sIIB3sQ32s") == cache.HEADER.size


def test_store_checks_cache_dir(tmp_path):
    with pytest.raises(TypeError, match="cache_dir"):
        Store(str(tmp_path), cache_dir=3)


def test_a_file_that_cannot_be_read_now_does_not_serve_its_entry(tmp_path, monkeypatch):
    logdir, cache_dir = tmp_path / "log", tmp_path / "cache"
    steps_file(logdir / "a/events.out.tfevents.1", 5)
    locked = steps_file(logdir / "b/events.out.tfevents.1", 5)
    cached(logdir, cache_dir)
    real = store_module._Tracked.__init__

    def init(self, f, pos, track):
        if f.name == locked:
            raise PermissionError(13, "Permission denied")
        real(self, f, pos, track)

    monkeypatch.setattr(store_module._Tracked, "__init__", init)
    st = cached(logdir, cache_dir)
    ((name, offset, message),) = st.errors()
    assert (name, offset) == ("b/events.out.tfevents.1", None) and "Permission" in message
    assert st.scalars("b", "x") is None  # not the entry's data, which could not be checked
    assert list(st.scalars("a", "x")[0]) == list(range(5))
    monkeypatch.undo()
    assert st.refresh() is True and snapshot(st) == cold(logdir)
