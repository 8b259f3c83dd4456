# SPDX-License-Identifier: MIT
"""What a log directory holds, kept up to date by tailing its event files by byte offset.

:class:`Store` is what ``tinytb serve`` and ``tinytb report`` read from. ``refresh()`` walks
LOGDIR again and reads every new or grown event file from the byte offset where the last
refresh stopped, as TensorBoard's Rust data server (RustBoard) does:

- a record cut short at the end of a file is "not yet": it is read at a later refresh, whole;
- a bad record (a CRC that does not match, an Event that does not decode) makes its file
  *dead*: the data before it is kept, the file is listed in ``errors()`` with the offset, and
  it is not read again (unless it shrinks); nothing raises;
- a file that shrank (replaced) or vanished makes its run be read again from scratch.

Runs are named as TensorBoard names them: "." for event files directly in LOGDIR, "a/b" below.
Kinds are those of ``tinytb.reader`` with ``convert_tensors=True``: TensorFlow 2's plugin
tensors count as scalars, histograms, images and audio; text-plugin tensors are text (tags as
written: PyTorch's "<tag>/text_summary", as TensorBoard lists them); hparams sessions come from
``_hparams_/session_start_info`` metadata and the metric names from ``_hparams_/experiment``.

Series follow RustBoard's reservoir preemption: a point whose step is at or below the last
step of its series first drops the points with steps at or above its own, so steps strictly
increase within every series (of every kind).

Speed: plain scalars come from ``_scan.scan`` as columns and stay arrays (step ``q``, wall
time ``d``, value ``d``): grouped by tag with extended slices when a block's tags repeat with a
period (a training loop's order), else with ``compress``, never one Python object per point.
A big first load is shared between processes (``multiprocessing`` with fork, this process
reading a share too), each reading whole files; without fork, or if the pool fails in any way,
the files are read here. Forking is safest while this process runs no other thread: a server
should do its first ``refresh()`` before it starts serving.

Images and audio are not kept in memory: an item remembers its record's offset and length,
and ``blob()`` reads that record again (CRCs checked, decoded by the read layer).

With a ``cache_dir`` (:mod:`tinytb.viewer.cache`), a file read from scratch is first looked
up there: its entry (what reading it from 0 to some offset gave, and the plugin state to go
on) is taken when the file is unchanged or only grew and the bytes before that offset still
have the entry's CRC, and the file is read on from that offset; in any doubt it is read from
0. The refresh then writes the entries of the files it read from 0 or further than their
entry (and, while tailing, of files that grew well past their entry).
"""

from __future__ import annotations

import os
import stat
import threading
import time
import zlib
from array import array
from bisect import bisect_left
from collections import namedtuple
from itertools import compress
from operator import itemgetter

from .. import _remote, _stream, _values
from .._scan import scan
from ..errors import DecodeError
from . import cache as _cache
from .series import stride_of

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    Buckets = Tuple[float, float, float]  # (left, right, count)
    Task = Tuple[str, int, Any, Optional[tuple]]  # _read_file's (path, pos, plugins, track)

__all__ = ["Store", "Item", "KINDS"]

#: The kinds the viewer shows, in the order of its dashboards.
KINDS = ("scalars", "images", "histograms", "text", "audio")

#: One image or audio event of a series (``samples``: images or clips in it; width/height for
#: images, sample_rate/length_frames for audio, 0 when the record does not say).
Item = namedtuple("Item", "step wall_time samples width height sample_rate length_frames")

# TFRecord framing (tensorflow/core/lib/io/record_writer.cc): uint64 length, uint32 masked CRC
# of the length, the data, uint32 masked CRC of the data.
RECORD_OVERHEAD = 8 + 4 + 4
# A first load of at least this many bytes (and two files) is shared between processes: below
# it, starting a process costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
# ... and when at least this many CPUs are idle besides ours (for the other process).
PARALLEL_MIN_SPARE = 1.0
# A tailed file's cache entry is written again when the file grew by this many bytes (and by
# a quarter) since: a server running for hours still restarts from a recent entry.
CACHE_LAG = 1 << 20

# The period of a block's tags is looked for among its first this many records.
MAX_PERIOD = 256
# Up to this many distinct tags in a block are split with one compress() pass per tag; more
# go through one dict of index lists.
COMPRESS_MAX_TAGS = 16


class _Scalars:
    """One scalar series: steps (strictly increasing), wall times, values, as arrays."""

    __slots__ = ("steps", "walls", "values")

    def __init__(self, steps: array, walls: array, values: array) -> None:
        self.steps = steps
        self.walls = walls
        self.values = values

    def extend(self, other: _Scalars) -> None:
        """Append ``other`` (strictly increasing), preempting the points it overlaps."""
        if not len(other.steps):
            return
        cut = bisect_left(self.steps, other.steps[0])
        if cut < len(self.steps):
            del self.steps[cut:], self.walls[cut:], self.values[cut:]
        self.steps += other.steps
        self.walls += other.walls
        self.values += other.values


class _Rows:
    """A series of another kind: steps (strictly increasing), a row per step, and for images
    and audio where each row's record is (``locs``)."""

    __slots__ = ("steps", "rows", "locs")

    def __init__(self) -> None:
        self.steps = array("q")
        self.rows: List[Any] = []
        self.locs: List[Any] = []

    def add(self, step: int, row: Any, loc: Any = None) -> None:
        """Append one row, preempting the rows at ``step`` and after."""
        if len(self.steps) and step <= self.steps[-1]:
            cut = bisect_left(self.steps, step)
            del self.steps[cut:], self.rows[cut:], self.locs[cut:]
        self.steps.append(step)
        self.rows.append(row)
        self.locs.append(loc)

    def extend(self, other: _Rows) -> None:
        """Append ``other`` (strictly increasing), preempting the rows it overlaps."""
        if not len(other.steps):
            return
        cut = bisect_left(self.steps, other.steps[0])
        if cut < len(self.steps):
            del self.steps[cut:], self.rows[cut:], self.locs[cut:]
        self.steps += other.steps
        self.rows += other.rows
        self.locs += other.locs


class _Data:
    """Everything read from some records of one run: a whole run's data in the store, or the
    new records of one file (a :class:`_Chunk`) before they are added to it."""

    __slots__ = ("scalars", "images", "audio", "histograms", "text", "session", "experiment")

    def __init__(self) -> None:
        self.scalars: Dict[str, _Scalars] = {}
        self.images: Dict[str, _Rows] = {}
        self.audio: Dict[str, _Rows] = {}
        self.histograms: Dict[str, _Rows] = {}
        self.text: Dict[str, _Rows] = {}
        self.session: Optional[Dict[str, Any]] = None  # hparams of the session, if any
        self.experiment: Optional[Tuple[List[str], List[Tuple[str, str]]]] = None

    def merge(self, other: _Data) -> None:
        """Add ``other``'s series after this one's (each series in ``other`` is strictly
        increasing); ``other``'s session and experiment, when it has them, win."""
        for tag, series in other.scalars.items():
            mine = self.scalars.get(tag)
            if mine is None:
                self.scalars[tag] = series
            else:
                mine.extend(series)
        for name in ("images", "audio", "histograms", "text"):
            table = getattr(self, name)
            for tag, rows in getattr(other, name).items():
                got = table.get(tag)
                if got is None:
                    table[tag] = rows
                else:
                    got.extend(rows)
        if other.session is not None:
            self.session = other.session
        if other.experiment is not None:
            self.experiment = other.experiment


class _Chunk(_Data):
    """The new records of one file: its data, where reading stopped, the per-file plugin
    state (first metadata per tag), and the bad record that stopped it, if any."""

    __slots__ = ("path", "end", "plugins", "error", "dead", "raw", "ident", "tail", "stale")

    def __init__(self, path: str, pos: int, plugins: Any) -> None:
        super().__init__()
        self.path = path
        self.end = pos
        self.plugins = plugins
        self.error: Optional[Tuple[Optional[int], str]] = None  # (offset, message)
        self.dead = False  # the error is a bad record (not a file that cannot be read now)
        # For the cache (when the read was asked to track them): the file's (size, mtime_ns,
        # inode, device) when opened, (length, CRC-32) of the bytes before ``end``, and
        # whether the cache entry the read started from turned out not to hold (``stale``).
        self.ident: Optional[Tuple[int, int, int, int]] = None
        self.tail: Optional[Tuple[int, int]] = None
        self.stale = False
        # scalars in file order before preemption: tag -> [steps, walls, values]
        self.raw: Dict[str, List[array]] = {}


class _File:
    """What the store remembers of one event file between refreshes."""

    __slots__ = ("path", "rel", "run", "pos", "plugins", "dead")

    def __init__(self, path: str, rel: str, run: str) -> None:
        self.path = path
        self.rel = rel
        self.run = run
        self.pos = 0
        self.plugins = _stream.Plugins()
        self.dead = False


# -- reading one file (module level: worker processes run it too) ---------------------------


def _open(path: str) -> Any:
    """A binary file object reading ``path``: a local file, or an object of a URL log
    (through fsspec)."""
    return _remote.open_read(path) if _remote.is_url(path) else open(path, "rb")


def _read_batch(tasks: List[Task]) -> List[_Chunk]:
    """``_read_file`` of each ``(path, pos, plugins, track)`` task."""
    return [_read_file(*task) for task in tasks]


def _read_file(path: str, pos: int, plugins: Any, track: Optional[tuple] = None) -> _Chunk:
    """The records of ``path`` from byte ``pos`` to the last complete one, as a :class:`_Chunk`
    (``plugins``: the file's state so far, None for a fresh one). Never raises: a bad record
    ends the chunk with ``error`` set; an unreadable file gives an empty chunk with ``error``.

    ``track`` is for the cache: None (off), ``()`` (set the chunk's ``ident`` and ``tail``),
    or a cache entry's ``(ident, end, (length, crc))`` that must still hold for the file (then
    ``pos`` is ``end``): the file is the same or only grew (same inode and device), and the
    bytes before ``pos`` have that CRC-32, else the chunk is ``stale`` and nothing is read."""
    chunk = _Chunk(path, pos, _stream.Plugins() if plugins is None else plugins)
    tracked = None
    try:
        with _open(path) as f:
            source: Any = f
            if track is not None:
                source = tracked = _Tracked(f, pos, track)
                if tracked.stale:
                    chunk.stale = True
                    return chunk
            f.seek(pos)
            for block in scan(source):
                ok = _take_block(chunk, block, pos)
                if not ok:
                    break
                chunk.end = pos + block.end
                if tracked is not None:
                    tracked.mark(chunk.end)
        if tracked is not None:  # what the cache keeps: no error, or a bad record's
            chunk.ident, chunk.tail = tracked.ident, tracked.tail(chunk.end)
    except DecodeError as err:
        offset = None if err.offset is None else pos + err.offset
        chunk.error = (offset, _message(err))
        chunk.dead = True
        if tracked is not None:
            chunk.ident, chunk.tail = tracked.ident, tracked.tail(chunk.end)
    except FileNotFoundError:  # gone since the walk: the next walk drops it
        pass
    except OSError as err:  # unreadable now (permissions...): tried again at the next refresh
        chunk.error = (None, "%s: %s" % (type(err).__name__, err.strerror or err))
    except Exception as err:  # a bug must not take the viewer down: the file is set aside
        chunk.error = (chunk.end, "cannot read: %s: %s" % (type(err).__name__, err))
        chunk.dead = True
    _finish(chunk)
    return chunk


class _Tracked:
    """A file read by ``scan`` that keeps the bytes read in the last ``WINDOW`` before the
    latest record boundary (``mark``), for the CRC an entry of the cache keeps; opened with
    a cache entry to continue from, it checks that the entry still holds (``stale`` if not)."""

    def __init__(self, f: Any, pos: int, track: tuple) -> None:
        self.f = f
        self.name = f.name
        info = os.fstat(f.fileno())
        self.ident = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)
        self.pieces: List[Tuple[int, bytes]] = []  # (file offset, bytes read there)
        self.at = pos
        self.stale = False
        if track:
            ident, end, (length, crc) = track
            same = self.ident == tuple(ident)
            grown = self.ident[2:] == tuple(ident[2:]) and self.ident[0] > ident[0]
            prefix = b""
            if (same or grown) and end == pos and 0 <= length <= end:
                f.seek(end - length)
                prefix = f.read(length)
            if not (same or grown) or len(prefix) != length or zlib.crc32(prefix) != crc:
                self.stale = True
            self.pieces.append((end - length, prefix))

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        if data:
            self.pieces.append((self.at, data))
            self.at += len(data)
        return data

    def mark(self, end: int) -> None:
        """Forget the bytes read before ``end - WINDOW`` (``end``: a record boundary)."""
        keep = end - _cache.WINDOW
        while len(self.pieces) > 1 and self.pieces[1][0] <= keep:
            del self.pieces[0]

    def tail(self, end: int) -> Tuple[int, int]:
        """``(length, CRC-32)`` of the (up to ``WINDOW``) bytes before ``end``."""
        self.mark(end)
        if not self.pieces:
            return 0, zlib.crc32(b"")
        start = self.pieces[0][0]
        data = b"".join(piece for _, piece in self.pieces)[: end - start]
        data = data[max(0, end - _cache.WINDOW - start) :]
        return len(data), zlib.crc32(data)


def _message(err: DecodeError) -> str:
    return "%s (in %s)" % (err.msg, err.section) if err.section else err.msg


def _take_block(chunk: _Chunk, block: Any, base: int) -> bool:
    """Add a block's records (offsets count from ``base``) to ``chunk``, in file order per
    series; False when an Event does not decode (``chunk.error`` and ``end`` then set)."""
    events = []
    stop = None
    for off, data in block.others:
        try:
            event = _stream.decode_other(base + off, data)
        except DecodeError as err:
            chunk.error = (base + off, _message(err))
            chunk.dead = True
            stop = off
            break
        events.append((off, len(data) + RECORD_OVERHEAD, event))
    extra: Dict[str, List[Tuple[int, int, float, float]]] = {}  # scalars among the others
    for off, length, event in events:
        _take_event(chunk, event, base + off, length, extra)
    n = len(block.offsets) if stop is None else bisect_left(block.offsets, stop)
    _take_plain(chunk, block, n, extra)
    if stop is not None:
        chunk.end = base + stop
        return False
    return True


# What a value that cannot be shown raises (a tensor of the wrong shape or dtype, text that is
# not UTF-8...): that value is left out, the rest of the file is read (TensorBoard's plugins
# skip such values too). DecodeError is a ValueError.
_BAD_VALUE = (ValueError, TypeError, IndexError, OverflowError)


def _take_event(
    chunk: _Chunk, event: Any, offset: int, length: int, extra: Dict[str, list]
) -> None:
    """Add the values of one decoded Event (the record at ``offset``, ``length`` bytes long)
    to ``chunk``; its scalars go to ``extra`` (merged with the plain ones by offset)."""
    summary = event.summary
    if summary is None:
        return
    step, wall = event.step, event.wall_time
    plugins = chunk.plugins
    for index, value in enumerate(summary.value):
        tag = value.tag
        if plugins.see(value) and plugins.plugin[tag] == "hparams":
            _take_hparams(chunk, tag, plugins.content["hparams"][tag])
        kind = _stream.value_kind(value)
        if kind == "tensors":
            kind = _stream.tensor_kind(plugins.plugin.get(tag, ""), True)
        try:
            if kind == "scalars":
                y = value.simple_value if value.tensor is None else _tensor_scalar(value.tensor)
                extra.setdefault(tag, []).append((offset, step, wall, y))
            elif kind == "histograms":
                row = (step, wall, _buckets(value))
                chunk.histograms.setdefault(tag, _Rows()).add(step, row)
            elif kind == "images" or kind == "audio":
                item = _media_item(kind, value, step, wall)
                if item is not None:
                    table = chunk.images if kind == "images" else chunk.audio
                    loc = (chunk.path, offset, length, index)
                    table.setdefault(tag, _Rows()).add(step, item, loc)
            elif kind == "text":
                chunk.text.setdefault(tag, _Rows()).add(step, (step, wall, _text(value.tensor)))
        except _BAD_VALUE:
            continue


def _take_hparams(chunk: _Chunk, tag: str, content: bytes) -> None:
    try:
        if tag == _stream.SSI_TAG:
            chunk.session = dict(_values.hparams_values(content))
        elif tag == _stream.EXPERIMENT_TAG:
            chunk.experiment = _stream.experiment_info(content)
    except DecodeError:
        pass  # metadata that does not decode: no session (TensorBoard ignores it too)


def _tensor_scalar(tensor: Any) -> float:
    """The value of a TF2 scalars-plugin tensor: its first element (the scalars plugin reads
    ``make_ndarray(tensor).item()``; the reader takes the first of a longer one)."""
    data = _values.tensor_array(tensor).data
    return float(data[0])  # IndexError for an empty tensor: a value left out


def _buckets(value: Any) -> List[Tuple[float, float, float]]:
    """``[(left, right, count)]`` of a histogram value: a TF2 ``[k, 3]`` tensor as is; a
    legacy HistogramProto as tensorboard/data_compat.py ``_migrate_histogram_value`` turns it
    into one::

        start = next((i for i in range(n) if bucket_counts[i] > 0), n)
        end = next((i for i in reversed(range(n)) if bucket_counts[i] > 0), -1)
        if start > end: buckets = np.zeros([0, 3], dtype=np.float32)
        bucket_counts = bucket_counts[start : end + 1]
        inner_edges = histogram_value.bucket_limit[start:end]
        bucket_lefts = [histogram_value.min] + inner_edges
        bucket_rights = inner_edges + [histogram_value.max]
        buckets = np.array([bucket_lefts, bucket_rights, bucket_counts],
                           dtype=np.float32).transpose()

    (empty buckets at both ends dropped, so that the -DBL_MAX/DBL_MAX outer limits go; every
    number rounded to float32)."""
    histo = value.histo
    if histo is None:
        arr = _values.tensor_array(value.tensor)
        if len(arr.shape) != 2 or arr.shape[1] != 3:
            raise ValueError("a histogram tensor of shape %r" % (arr.shape,))
        data = [float(x) for x in arr.data]
        return list(zip(data[0::3], data[1::3], data[2::3]))
    counts = list(histo.bucket)
    n = len(counts)
    start = next((i for i in range(n) if counts[i] > 0), n)
    end = next((i for i in reversed(range(n)) if counts[i] > 0), -1)
    if start > end:
        return []
    inner = list(histo.bucket_limit[start:end])
    lefts = array("f", [histo.min] + inner)  # float32, as TensorBoard's np.array(...)
    rights = array("f", inner + [histo.max])
    return list(zip(lefts.tolist(), rights.tolist(), array("f", counts[start : end + 1]).tolist()))


def _media_item(kind: str, value: Any, step: int, wall: float) -> Optional[Item]:
    """The Item of an image or audio value (legacy proto, or TF2 tensor of encoded samples);
    None for a tensor without samples."""
    if kind == "images":
        image = value.image
        if image is not None:
            return Item(step, wall, 1, image.width, image.height, 0, 0)
        samples = _stream.converted_rows("images", value.tensor)
        if not samples:
            return None
        if not all(isinstance(sample.encoded, bytes) for sample in samples):
            raise ValueError("an image tensor of numbers")  # TensorBoard wants strings too
        return Item(step, wall, len(samples), samples[0].width, samples[0].height, 0, 0)
    audio = value.audio
    if audio is not None:
        return Item(step, wall, 1, 0, 0, audio.sample_rate, audio.length_frames)
    clips = _stream.converted_rows("audio", value.tensor)
    if not clips:
        return None
    return Item(step, wall, len(clips), 0, 0, clips[0].sample_rate, clips[0].length_frames)


def _text(tensor: Any) -> Any:
    """A text tensor's value as TensorBoard's text plugin takes it: a str for shape (), else
    an Array of str of the tensor's shape (a table); bytes decoded as UTF-8 (bad bytes shown
    as U+FFFD)."""
    arr = _values.tensor_array(tensor)
    items = [
        x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
        for x in (arr.data.tolist() if isinstance(arr.data, array) else arr.data)
    ]
    if not arr.shape:
        return items[0]
    return _values.Array("object", arr.shape, items)


def _take_plain(chunk: _Chunk, block: Any, n: int, extra: Dict[str, list]) -> None:
    """Add the first ``n`` plain scalars of ``block`` to ``chunk.raw``, grouped by tag, merged
    by offset with the block's other scalars of the same tag (``extra``, which it empties)."""
    for tag, pick in _groups(block.tags[:n] if n < len(block.tags) else block.tags):
        steps = _pick(block.steps, pick)
        walls = _pick(block.wall_times, pick)
        values = _pick(block.values, pick)
        more = extra.pop(tag, None)
        if more:
            rows = list(zip(_pick(block.offsets, pick), steps, walls, values)) + more
            rows.sort(key=itemgetter(0))
            steps = array("q", map(itemgetter(1), rows))
            walls = array("d", map(itemgetter(2), rows))
            values = array("d", map(itemgetter(3), rows))
        _raw_add(chunk, tag, steps, walls, values)
    for tag, rows in extra.items():
        steps = array("q", map(itemgetter(1), rows))
        walls = array("d", map(itemgetter(2), rows))
        _raw_add(chunk, tag, steps, walls, array("d", map(itemgetter(3), rows)))
    extra.clear()


def _groups(tags: List[str]) -> List[Tuple[str, Any]]:
    """``(tag, pick)`` for each tag of a block: ``pick`` a slice when the tags repeat with a
    period (a training loop logs its tags in the same order every step), else a mask (few
    tags) or a list of indices."""
    n = len(tags)
    if not n:
        return []
    try:
        p = tags.index(tags[0], 1, min(n, MAX_PERIOD + 1))
    except ValueError:
        p = n if n <= MAX_PERIOD else 0
    if p:
        period = tags[:p]
        if len(set(period)) == p and tags == (period * (n // p + 1))[:n]:
            return [(period[j], slice(j, n, p)) for j in range(p)]
    distinct = list(dict.fromkeys(tags))
    if len(distinct) <= COMPRESS_MAX_TAGS:
        return [(tag, list(map(tag.__eq__, tags))) for tag in distinct]
    where: Dict[str, List[int]] = {}
    for i, tag in enumerate(tags):
        got = where.get(tag)
        if got is None:
            where[tag] = [i]
        else:
            got.append(i)
    return list(where.items())


def _pick(column: array, pick: Any) -> array:
    if isinstance(pick, slice):
        return column[pick]
    if pick and isinstance(pick[0], bool):
        return array(column.typecode, compress(column, pick))
    return array(column.typecode, map(column.__getitem__, pick))


def _raw_add(chunk: _Chunk, tag: str, steps: array, walls: array, values: array) -> None:
    got = chunk.raw.get(tag)
    if got is None:
        chunk.raw[tag] = [steps, walls, values]
    else:
        got[0] += steps
        got[1] += walls
        got[2] += values


def _finish(chunk: _Chunk) -> None:
    """Turn ``chunk.raw`` (file order) into series with strictly increasing steps."""
    for tag, (steps, walls, values) in chunk.raw.items():
        chunk.scalars[tag] = _preempted(steps, walls, values)
    chunk.raw = {}


def _increasing(steps: array) -> bool:
    """Whether ``steps`` strictly increase: in C, first as the arithmetic progression a
    training loop logs, else as a sorted list without repeats."""
    n = len(steps)
    if n < 2 or stride_of(steps) is not None:
        return True
    items = steps.tolist()
    return items == sorted(items) and len(set(items)) == n


def _preempted(steps: array, walls: array, values: array) -> _Scalars:
    """The series left after RustBoard's preemption, point by point: a step at or below the
    last drops the points with steps at or above it. (Checked in C first: usually nothing.)"""
    if _increasing(steps):
        return _Scalars(steps, walls, values)
    out = _Scalars(array("q"), array("d"), array("d"))
    kept = out.steps
    for i in range(len(steps)):
        step = steps[i]
        if len(kept) and step <= kept[-1]:
            cut = bisect_left(kept, step)
            del kept[cut:], out.walls[cut:], out.values[cut:]
        kept.append(step)
        out.walls.append(walls[i])
        out.values.append(values[i])
    return out


# -- reading many files ------------------------------------------------------------------------


def _read_all(tasks: List[Task], workers: int) -> List[_Chunk]:
    """``_read_file`` of every task, in order; with ``workers`` > 1 the fresh files (read from
    0) are shared between this process and ``workers - 1`` forked ones. Any failure of the
    pool (no fork, a worker killed, a pickling error) falls back to reading here."""
    fresh = [t for t in tasks if t[1] == 0]
    if workers > 1 and len(fresh) > 1:
        try:
            got = _read_parallel(fresh, workers)
        except Exception:  # whatever went wrong there, the files can be read here
            got = {}
        if got:
            return [got[t[0]] if t[1] == 0 else _read_file(*t) for t in tasks]
    return _read_batch(tasks)


def _read_parallel(tasks: List[Task], workers: int) -> Dict[str, _Chunk]:
    """Chunks by path of fresh files, read by this process and ``workers - 1`` forked ones:
    files balanced by size (largest first, each to the least loaded), the first share here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")  # ValueError where there is no fork
    sizes = []
    for task in tasks:
        try:
            sizes.append((os.path.getsize(task[0]), task))
        except OSError:
            sizes.append((0, task))
    sizes.sort(key=itemgetter(0), reverse=True)
    shares: List[List[Task]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for size, task in sizes:
        i = loads.index(min(loads))
        loads[i] += size
        shares[i].append(task)
    with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
        futures = [pool.submit(_read_batch, share) for share in shares[1:] if share]
        chunks = _read_batch(shares[0])
        for future in futures:
            chunks += future.result()
    return {chunk.path: chunk for chunk in chunks}


def _spare_cpus() -> float:
    """About how many CPUs are idle besides the one this process runs on: those it may run
    on (its affinity where the OS says) less the others' load. A second process only pays
    when a CPU is idle (on a box where a training job keeps a core busy it slows the load).
    On Linux the load is the tasks runnable right now (``/proc/loadavg``'s fourth field, the
    least of three looks a millisecond apart, ourselves not counted); elsewhere the 1-minute
    load average (which lags: it still counts a job that just ended)."""
    affinity = getattr(os, "sched_getaffinity", None)  # Linux and a few others
    try:
        cpus = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    except OSError:
        cpus = os.cpu_count() or 1
    try:
        runnable = []
        for i in range(3):
            if i:
                time.sleep(0.001)
            with open("/proc/loadavg", "rb") as f:  # b"0.52 0.58 0.59 2/467 12345"
                runnable.append(int(f.read().split()[3].split(b"/")[0]) - 1)
        return cpus - 1 - min(runnable)
    except (OSError, ValueError, IndexError):
        pass
    try:
        return cpus - 1 - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here
        return cpus - 1.0


def _continued(entry: _cache.Entry, chunk: _Chunk) -> _Chunk:
    """The chunk of a whole file: a cache entry's data (bytes 0 to ``entry.end``) followed by
    ``chunk``'s (read on from there, with the entry's plugin state)."""
    path = chunk.path
    whole = _Chunk(path, entry.end, chunk.plugins)
    for tag, (steps, walls, values) in entry.scalars.items():
        whole.scalars[tag] = _Scalars(steps, walls, values)
    for kind in ("images", "audio", "histograms", "text"):
        table = getattr(whole, kind)
        for tag, got in getattr(entry, kind).items():
            rows = table[tag] = _Rows()
            rows.steps = got[0]
            if kind == "images" or kind == "audio":
                rows.rows = [Item._make(row) for row in got[1]]
                rows.locs = [(path,) + loc for loc in got[2]]
            else:
                rows.rows = got[1]
                rows.locs = [None] * len(got[1])
    whole.session, whole.experiment = entry.session, entry.experiment
    whole.merge(chunk)
    whole.end, whole.error, whole.dead = chunk.end, chunk.error, chunk.dead
    whole.ident, whole.tail = chunk.ident, chunk.tail
    return whole


# -- the store ---------------------------------------------------------------------------------


class Store:
    """An incremental index of a log directory, read by ``refresh()`` (see the module
    docstring). Thread-safe: one refresh at a time, and the accessors see the data of one
    refresh or the next, never half of one.

    Args:
        logdir: the log directory (it may not exist yet: then nothing is in it).
        workers: processes for a big first load: 0 (auto) uses 2 when the bytes to read make
            it pay and another CPU is idle (nothing else runnable on it), 1 reads in this
            process only, n > 1 uses n processes (this one and n - 1 forked ones) whatever
            the size and load.
        cache_dir: a folder for the cache of decoded files (:mod:`tinytb.viewer.cache`,
            e.g. ``cache.default_dir()``), or None for none. A file read before comes from
            there when it is unchanged (and from there plus its new bytes when it only grew);
            each refresh that read files from byte 0 writes their entries (best-effort: a
            folder that cannot be written only costs the time). Ignored when it would put
            the cache inside ``logdir``.
    """

    def __init__(self, logdir: str, *, workers: int = 0, cache_dir: Optional[str] = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int):
            raise TypeError("workers must be an int, got %s" % type(workers).__name__)
        if workers < 0:
            raise ValueError("workers must be 0 (auto) or more, got %d" % workers)
        if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
            raise TypeError("cache_dir must be a path or None, got %s" % type(cache_dir).__name__)
        self.logdir = os.fspath(logdir)
        # a URL log (s3://bucket/run): listed and read through fsspec, one process, no cache
        # (the cache trusts a file by its inode and device)
        self._url = _remote.is_url(self.logdir)
        self._real = self.logdir if self._url else os.path.realpath(self.logdir)
        self._cache: Optional[str] = None  # the log dir's folder in the cache
        self._saved: Dict[str, int] = {}  # path -> end of its cache entry (written or tried)
        if cache_dir is not None and not self._url:
            self._cache = _cache.log_folder(os.fsdecode(cache_dir), self.logdir)
        #: Bumped by every refresh() that finds something new.
        self.generation = 0
        self._workers = workers
        self._lock = threading.RLock()  # the data (runs, errors)
        self._refreshing = threading.Lock()  # one refresh at a time (files)
        self._files: Dict[str, _File] = {}
        self._runs: Dict[str, _Data] = {}
        self._errors: Dict[str, Tuple[str, Optional[int], str]] = {}

    # -- refresh -------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Walk LOGDIR again and read what is new: new files and runs, and every grown file
        from where it stopped. Never raises for what is in the files (see ``errors()``).

        Returns:
            True when something changed (``generation`` was bumped).
        """
        with self._refreshing:
            found = self._walk()
            rebuild = self._shrunk(found)
            tasks: List[Task] = []
            entries: Dict[str, _cache.Entry] = {}  # path -> the cache entry a task continues
            for path, rel, run, size in found:
                f = self._files.get(path)
                if f is None or run in rebuild:
                    tasks.append(self._fresh_task(path, rel, entries))
                elif not f.dead and size > f.pos:
                    tasks.append((path, f.pos, f.plugins, None))
            chunks = _read_all(tasks, self._pool_size(tasks, found))
            saves: List[Tuple[str, bytes]] = []
            if self._cache is not None and tasks:
                chunks = self._cached(chunks, entries, found, saves)
            with self._lock:
                changed = self._apply(found, rebuild, chunks)
                if changed:
                    self.generation += 1
            if saves and self._cache is not None:  # once per refresh, and only with news
                _cache.save(self._cache, saves, [rel for _, rel, _, _ in found])
            return changed

    def _fresh_task(self, path: str, rel: str, entries: Dict[str, _cache.Entry]) -> Task:
        """The task reading a file from scratch: from byte 0, or on from its cache entry when
        there is one (then in ``entries``; ``_read_file`` checks that it still holds)."""
        if self._cache is None:
            return (path, 0, None, None)
        entry = _cache.load(self._cache, self._real, rel)
        if entry is None or not all(_increasing(s[0]) for s in entry.scalars.values()):
            return (path, 0, None, ())
        entries[path] = entry
        plugins = _stream.Plugins()
        plugins.plugin, plugins.content = entry.plugin, entry.content
        return (path, entry.end, plugins, (entry.ident, entry.end, entry.tail))

    def _cached(
        self, chunks: List[_Chunk], entries: dict, found: list, saves: List[Tuple[str, bytes]]
    ) -> List[_Chunk]:
        """The chunks of a refresh with the cache: those read on from an entry get its data
        first, those whose entry did not hold (``stale``) are read again from byte 0; the
        encoded entries of those read from 0 or grown go to ``saves``."""
        rels = {path: rel for path, rel, _, _ in found}
        self._saved = {path: end for path, end in self._saved.items() if path in rels}
        # read again from 0: the files whose entry did not hold, and those where reading on
        # from an entry failed before the entry was checked (as a fresh read would fail)
        redo = {c.path for c in chunks if c.stale or (c.path in entries and c.tail is None)}
        stale: List[Task] = [(path, 0, None, ()) for path in redo]
        again = {c.path: c for c in _read_all(stale, self._pool_size(stale, found))}
        out = []
        for chunk in chunks:
            entry = None if chunk.path in redo else entries.get(chunk.path)
            if chunk.path in redo:
                chunk = again[chunk.path]
            elif entry is not None:
                chunk = _continued(entry, chunk)
            out.append(chunk)
            rel = rels[chunk.path]
            if chunk.tail is not None:  # the whole file: from 0 or on from its entry
                self._saved[chunk.path] = chunk.end
                if entry is None or chunk.end != entry.end:
                    saves.append((rel, _cache.encode(self._real, rel, chunk)))
            elif chunk.path in self._saved:  # tailed: its entry is kept up when it lags
                whole = self._lagging(chunk, rel)
                if whole is not None:
                    saves.append((rel, _cache.encode(self._real, rel, whole)))
        return out

    def _lagging(self, chunk: _Chunk, rel: str) -> Optional[_Chunk]:
        """The whole file of a tailed chunk, read again (from its entry on, else from 0),
        when the file has grown by ``CACHE_LAG`` bytes and a quarter since its entry was
        last written (or tried: so a cache that cannot be written costs little)."""
        saved = self._saved[chunk.path]
        if chunk.end - saved < max(CACHE_LAG, saved // 4):
            return None
        self._saved[chunk.path] = chunk.end
        entries: Dict[str, _cache.Entry] = {}
        whole = _read_file(*self._fresh_task(chunk.path, rel, entries))
        if whole.stale:
            whole = _read_file(chunk.path, 0, None, ())
        elif chunk.path in entries:
            whole = _continued(entries[chunk.path], whole)
        return whole if whole.tail is not None else None

    def _walk(self) -> List[Tuple[str, str, str, int]]:
        """``(path, path relative to LOGDIR, run, size)`` of every event file, runs in walk
        order and each run's files sorted by name (the order TensorBoard reads them in)."""
        root = self.logdir
        if self._url:
            return self._walk_url()
        if os.path.isfile(root):  # one event file, whatever its name
            try:
                return [(root, os.path.basename(root), ".", os.path.getsize(root))]
            except OSError:
                return []
        out = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, root)
            run = "." if rel == os.curdir else rel.replace(os.sep, "/")
            for name in sorted(filenames):
                if not _stream.is_event_file(name):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    info = os.stat(path)
                except OSError:  # gone, or a dangling link
                    continue
                if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read
                    continue
                size = info.st_size
                out.append((path, os.path.relpath(path, root).replace(os.sep, "/"), run, size))
        return out

    def _walk_url(self) -> List[Tuple[str, str, str, int]]:
        """:meth:`_walk` of a URL log: one listing (nothing there yet: no files)."""
        try:
            listed = _stream.sized_event_files(self.logdir)
        except OSError:  # the listing failed: try at the next refresh
            return []
        return [
            (ef.path, ef.run + "/" + ef.name if ef.run else ef.name, ef.run or ".", size)
            for ef, size in listed
        ]

    def _shrunk(self, found: List[Tuple[str, str, str, int]]) -> set:
        """The runs to read again from scratch: a file of theirs shrank (it was replaced) or
        vanished (its data must go)."""
        present = {path for path, _, _, _ in found}
        runs = {f.run for path, f in self._files.items() if path not in present}
        for path, _, run, size in found:
            f = self._files.get(path)
            if f is not None and size < f.pos:
                runs.add(run)
        return runs

    def _pool_size(self, tasks: List[Task], found: list) -> int:
        if self._url:  # no fork: a filesystem's connections and event loop do not survive it
            return 1
        if self._workers:
            return self._workers
        fresh = {task[0] for task in tasks if task[1] == 0}
        # Forking a process that runs other threads (a server answering requests) can copy a
        # lock some thread holds: the child would wait on it for ever. Only a lone thread forks.
        if len(fresh) < 2 or threading.active_count() > 1 or _spare_cpus() < PARALLEL_MIN_SPARE:
            return 1
        total = sum(size for path, _, _, size in found if path in fresh)
        return 2 if total >= PARALLEL_MIN_BYTES else 1

    def _apply(self, found: list, rebuild: set, chunks: List[_Chunk]) -> bool:
        """Add the chunks read by a refresh (under the data lock)."""
        changed = bool(rebuild)
        present = {path for path, _, _, _ in found}
        for path in [p for p in self._files if p not in present]:
            del self._files[path]
            self._errors.pop(path, None)
        for run in rebuild:
            self._runs.pop(run, None)
        by_path = {chunk.path: chunk for chunk in chunks}
        for path, rel, run, _ in found:
            data = self._runs.get(run)
            if data is None:
                data = self._runs[run] = _Data()
                changed = True
            chunk = by_path.get(path)
            if chunk is None:
                continue
            f = self._files.get(path)
            if f is None or run in rebuild:
                f = self._files[path] = _File(path, rel, run)
                self._errors.pop(path, None)
            changed = changed or chunk.end != f.pos
            data.merge(chunk)
            f.pos = chunk.end
            f.plugins = chunk.plugins
            f.dead = chunk.dead
            error = None if chunk.error is None else (rel,) + chunk.error
            if self._errors.get(path) != error:
                changed = True
                if error is None:
                    del self._errors[path]
                else:
                    self._errors[path] = error
        runs = {run for _, _, run, _ in found}
        for run in [r for r in self._runs if r not in runs]:
            del self._runs[run]
            changed = True
        return changed

    # -- what the log holds ----------------------------------------------------------------------

    def runs(self) -> List[str]:
        """The runs (directories holding event files), sorted."""
        with self._lock:
            return sorted(self._runs)

    def tags(self) -> Dict[str, Dict[str, List[str]]]:
        """``{kind: {tag: [runs having it]}}`` for the five kinds (tags and runs sorted)."""
        out: Dict[str, Dict[str, List[str]]] = {kind: {} for kind in KINDS}
        with self._lock:
            for run in sorted(self._runs):
                data = self._runs[run]
                for kind in KINDS:
                    table = out[kind]
                    for tag in getattr(data, kind):
                        table.setdefault(tag, []).append(run)
        return {kind: dict(sorted(table.items())) for kind, table in out.items()}

    def errors(self) -> List[Tuple[str, Optional[int], str]]:
        """``(file relative to LOGDIR, byte offset or None, message)`` of each file that has a
        bad record (its data before it is kept) or that cannot be read now, sorted."""
        with self._lock:
            return sorted(self._errors.values(), key=lambda e: (e[0], e[1] or 0))

    def scalars(self, run: str, tag: str) -> Optional[Tuple[array, array, array]]:
        """Copies of one scalar series: steps ``array('q')``, wall times and values
        ``array('d')``; None when the run has no such tag.

        Args:
            run: the run name.
            tag: the scalar tag.
        """
        with self._lock:
            data = self._runs.get(run)
            series = None if data is None else data.scalars.get(tag)
            if series is None:
                return None
            return series.steps[:], series.walls[:], series.values[:]

    def items(self, kind: str, run: str, tag: str) -> List[Item]:
        """The image or audio events of one series, as :data:`Item` (empty when none).

        Args:
            kind: "images" or "audio".
            run: the run name.
            tag: the tag.
        """
        rows = self._rows(kind, run, tag, ("images", "audio"))
        return [] if rows is None else rows[0]

    def blob(self, kind: str, run: str, tag: str, index: int, sample: int) -> Optional[bytes]:
        """The encoded bytes (PNG, GIF...; WAV) of sample ``sample`` of item ``index``, read
        again from its record (both CRCs checked); None when there is no such sample or the
        record is not what it was (the file was replaced).

        Args:
            kind: "images" or "audio".
            run: the run name.
            tag: the tag.
            index: the item's index in ``items(kind, run, tag)``.
            sample: the image or clip within the item (0 for single ones).
        """
        with self._lock:
            data = self._runs.get(run)
            table = getattr(data, kind, None) if kind in ("images", "audio") else None
            series = None if table is None else table.get(tag)
            if series is None or not 0 <= index < len(series.rows):
                return None
            item, loc = series.rows[index], series.locs[index]
        if not 0 <= sample < item.samples:
            return None
        return _read_blob(kind, tag, loc, sample)

    def histograms(self, run: str, tag: str) -> List[Tuple[int, float, List[Buckets]]]:
        """``(step, wall_time, [(left, right, count), ...])`` per histogram event (legacy
        HistogramProtos converted as TensorBoard's data_compat does).

        Args:
            run: the run name.
            tag: the histogram tag.
        """
        rows = self._rows("histograms", run, tag, ("histograms",))
        return [] if rows is None else [(s, w, list(b)) for s, w, b in rows[0]]

    def text(self, run: str, tag: str) -> List[Tuple[int, float, Any]]:
        """``(step, wall_time, value)`` per text event: value a str, or an ``Array`` of str
        for a tensor of rank 1 or more (TensorBoard shows those as a table).

        Args:
            run: the run name.
            tag: the text tag (as written: PyTorch's end in "/text_summary").
        """
        rows = self._rows("text", run, tag, ("text",))
        return [] if rows is None else rows[0]

    def _rows(self, kind: str, run: str, tag: str, kinds: Tuple[str, ...]) -> Optional[tuple]:
        if kind not in kinds:
            raise ValueError("kind must be one of %s, got %r" % (", ".join(kinds), kind))
        with self._lock:
            data = self._runs.get(run)
            series = None if data is None else getattr(data, kind).get(tag)
            return None if series is None else (list(series.rows),)

    def has_hparams(self) -> bool:
        """Whether any run holds an hparams session (what ``/api/index`` tells the page,
        at every poll: without building the table of :meth:`hparams`)."""
        with self._lock:
            return any(data.session is not None for data in self._runs.values())

    def hparams(self) -> Dict[str, Any]:
        """The hparams sessions: ``{"hparams": [names], "metrics": [tags], "sessions":
        [{"run", "hparams": {name: value}, "metrics": {tag: last value in the run}}]}``.
        Metrics are the experiments' metric tags (``_hparams_/experiment``, as PyTorch's
        add_hparams writes) when there are any, else the scalar tags of the session runs;
        hparam names are the experiments' in order, then the sessions' other names sorted.
        """
        with self._lock:
            runs = sorted(self._runs.items())
            names: Dict[str, None] = {}
            metrics: Dict[Tuple[str, str], None] = {}
            for _, data in runs:
                if data.experiment is not None:
                    names.update(dict.fromkeys(data.experiment[0]))
                    metrics.update(dict.fromkeys(data.experiment[1]))
            sessions = [(run, data) for run, data in runs if data.session is not None]
            extra = {name for _, data in sessions for name in data.session or ()}
            names.update(dict.fromkeys(sorted(extra - set(names))))
            if not metrics:
                tags = {tag for _, data in sessions for tag in data.scalars}
                metrics = dict.fromkeys(("", tag) for tag in sorted(tags))
            out = []
            for run, data in sessions:
                values = {}
                for group, tag in metrics:
                    where = self._runs.get(run + "/" + group if group else run)
                    series = None if where is None else where.scalars.get(tag)
                    if series is not None and len(series.values):
                        values[tag] = series.values[-1]
                out.append({"run": run, "hparams": dict(data.session or {}), "metrics": values})
        return {
            "hparams": list(names),
            "metrics": list(dict.fromkeys(tag for _, tag in metrics)),
            "sessions": out,
        }


def _read_blob(kind: str, tag: str, loc: Tuple[str, int, int, int], sample: int) -> Optional[bytes]:
    """Sample ``sample`` of value ``index`` of the record at ``loc`` = (path, offset, length,
    index), read and checked again; None if it is not there any more."""
    path, offset, length, index = loc
    try:
        with _open(path) as f:
            f.seek(offset)
            record = f.read(length)
        (block,) = scan(record, strict=True)  # both CRCs checked again
        ((_, data),) = block.others  # not a plain scalar: it was an image or audio record
        event = _stream.decode_other(offset, data)
        values = event.summary.value if event.summary is not None else []
        if index >= len(values) or values[index].tag != tag:
            return None
        value = values[index]
        if kind == "images" and value.image is not None:
            return bytes(value.image.encoded_image_string) if sample == 0 else None
        if kind == "audio" and value.audio is not None:
            return bytes(value.audio.encoded_audio_string) if sample == 0 else None
        if value.tensor is None:
            return None
        samples = _stream.converted_rows(kind, value.tensor)
        encoded = samples[sample].encoded if sample < len(samples) else None
        return bytes(encoded) if isinstance(encoded, bytes) else None
    except (OSError,) + _BAD_VALUE:  # ValueError: not one record (DecodeError: a bad one)
        return None
