# SPDX-License-Identifier: MIT
"""tbparse's tables on the standard library: what ``EventAccumulator`` keeps of each file,
assembled as tbparse 0.0.9's ``SummaryReader`` assembles it, stored in columns.

Per file (one ``EventAccumulator`` each, every size guidance 0 = keep everything):

- "first metadata per tag wins": a tag's plugin is named by its first value with metadata;
- purge (``_MaybePurgeOrphanedData``): once the file said ``brain.Event:N`` with N >= 2, a
  ``SessionLog`` START at step s drops what the file held so far at steps >= s; before any
  version (or below 2), an event with a summary whose step is below the latest step seen
  drops, for the tags of that event (all tags for an empty tag: ``FilterItems`` tests
  ``if key``), what was held at steps >= its step. Only the scalars, histograms, images and
  audio reservoirs are purged (``accumulated_attrs``): tensors, and so text, never are;
- tensors: tensor tags minus those of the text and hparams plugins; text: the text plugin's
  tags, read from the tensors reservoir (whose size guidance is tbparse's minimum, 1, when
  "tensors" is not among the event types: then only each tag's last tensor is kept);
  hparams: the ``_hparams_/session_start_info`` content's hparams.

Then tbparse concatenates the files (depth first over ``sorted(os.listdir)``) and sorts the
rows stably on the present ones of [dir_name, file_name, tag, step]. ``Table`` holds a kind's
rows in per-file order with the permutation of that sort; its values (tensor arrays, PNG and
WAV decodes) are made from the payload kept for each row only when rows are made.
``Table.to_pandas`` rebuilds tbparse's DataFrame: directly from the columns for long-format
scalars, else by replaying ``SummaryReader.get_events`` on per-file frames (pivot tables need
pandas' own groupby; a one-key sort is pandas' unstable quicksort).
"""

from __future__ import annotations

import gc
import math
from array import array
from collections import namedtuple
from itertools import repeat

from . import _values
from ._messages import decode_event
from ._record import HEADER_SIZE
from ._scan import scan
from ._stream import (
    CONVERTED,
    KINDS,
    SESSION_START,
    SSI_TAG,
    Plugins,
    strip_text,
    value_kind,
)
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

    from ._messages import Message
    from ._stream import EventFile

#: tbparse's ALL_EXTRA_COLUMNS.
EXTRA_COLUMNS = frozenset(
    (
        "dir_name",
        "file_name",
        "wall_time",
        "min",
        "max",
        "num",
        "sum",
        "sum_squares",
        "width",
        "height",
        "content_type",
        "length_frames",
        "sample_rate",
    )
)
#: The reservoirs ``_Purge`` filters (EventAccumulator.accumulated_attrs, less the compressed
#: histograms tbparse never reads).
PURGED = ("scalars", "histograms", "images", "audio")
ALL_RESERVOIRS = frozenset(PURGED + ("tensors",))
#: Columns after the value(s), in the order of tbparse's per-kind ``columns`` dicts.
KIND_EXTRAS = {
    "histograms": ("max", "min", "num", "sum", "sum_squares"),
    "images": ("height", "width"),
    "audio": ("content_type", "length_frames", "sample_rate"),
}
TAIL = ("wall_time", "dir_name", "file_name")


def columns_of(kind: str, extras: FrozenSet[str]) -> Tuple[str, ...]:
    """tbparse's long-format columns for a kind: step, tag, value(s), extras, tail."""
    head = ["tag", "value"] if kind == "hparams" else ["step", "tag"]
    if kind == "histograms":
        head += ["counts", "limits"]
    elif kind != "hparams":
        head.append("value")
    head += [c for c in KIND_EXTRAS.get(kind, ()) if c in extras]
    tail = [c for c in TAIL if c in extras and not (c == "wall_time" and kind == "hparams")]
    return tuple(head + tail)


def parse_version(text: str) -> float:
    """event_util.ParseFileVersion: the number after "brain.Event:", -1 when it is none."""
    try:
        return float(text.split("brain.Event:")[-1])
    except ValueError:
        return -1.0


# -- one file: what its EventAccumulator holds --------------------------------------------------


class FileData:
    """One file's reservoirs: ``res[kind][tag]`` lists items in the order they were added
    (scalars: indices into the columns ``off step wall val tag``; other kinds: tuples
    ``(offset, step, wall_time, datum)``), keys in order of first addition."""

    def __init__(self) -> None:
        self.off = array("q")
        self.step = array("q")
        self.wall = array("d")
        self.val = array("d")
        self.tag: List[str] = []
        self.events: List[Tuple[int, Message]] = []
        self.plugins = Plugins()
        self.res: Dict[str, Dict[str, list]] = {k: {} for k in PURGED + ("tensors",)}


def read_file(path: str, errors: str, skipped: Optional[list]) -> FileData:
    """Read every record of a file: plain scalars into columns, other Events decoded. A bad
    record raises, or with errors="skip" ends the file there (what came before is kept)."""
    fd = FileData()
    try:
        for block in scan(path):
            others = block.others
            for offset, data in others:
                try:
                    event = decode_event(data, offset + HEADER_SIZE)
                except DecodeError:
                    _cut_block(fd, block, offset)
                    raise
                fd.events.append((offset, event))
            _add_block(fd, block, len(block.offsets))
    except DecodeError as err:
        err.with_path(path)
        if errors == "raise":
            raise
        if skipped is not None:
            skipped.append((path, err.offset, err.msg))
    return fd


def _add_block(fd: FileData, block: Any, n: int) -> None:
    fd.off.extend(block.offsets[:n])
    fd.step.extend(block.steps[:n])
    fd.wall.extend(block.wall_times[:n])
    fd.val.extend(block.values[:n])
    fd.tag.extend(block.tags[:n])


def _cut_block(fd: FileData, block: Any, offset: int) -> None:
    """Keep the block's plain scalars that come before the bad record at ``offset``."""
    import bisect

    _add_block(fd, block, bisect.bisect_left(block.offsets, offset))


def needed_reservoirs(event_types: FrozenSet[str], convert: bool) -> FrozenSet[str]:
    """The reservoirs the tables of ``event_types`` read (the others' items are not kept)."""
    needed = set(event_types) & set(PURGED)
    if event_types & {"tensors", "text"} or (convert and needed):
        needed.add("tensors")
    return frozenset(needed)


def accumulate(fd: FileData, tensors_kept: bool, needed: FrozenSet[str] = ALL_RESERVOIRS) -> None:
    """Fill ``fd.res`` as EventAccumulator.Reload does for the file's records (items of the
    reservoirs not ``needed`` are left out: they change nothing that is kept)."""
    extra = []  # simple_values of events that are not plain scalars: (offset, step, wall, tag, v)
    for offset, event in fd.events:
        if event.summary is None:
            continue
        for value in event.summary.value:
            fd.plugins.see(value)
            kind = value_kind(value)
            if kind == "scalars":
                extra.append((offset, event.step, event.wall_time, value.tag, value.simple_value))
            elif kind is not None and kind in needed:
                key = value.tag or value.node_name if kind == "tensors" else value.tag
                datum = getattr(value, _DATUM[kind])
                item = (offset, event.step, event.wall_time, datum)
                fd.res[kind].setdefault(key, []).append(item)
    if extra:
        _merge_scalars(fd, extra)
    if _needs_replay(fd):
        _replay(fd, needed)
    else:
        fd.res["scalars"] = _group(fd.tag)  # type: ignore[assignment]  # ranges or lists
    if not tensors_kept:  # tbparse's size guidance 1: a reservoir of one keeps the last item
        for tag, items in fd.res["tensors"].items():
            fd.res["tensors"][tag] = items[-1:]


_DATUM = {"histograms": "histo", "images": "image", "audio": "audio", "tensors": "tensor"}


def _merge_scalars(fd: FileData, extra: list) -> None:
    """Put the simple_values of other events into the columns, everything in file order."""
    for offset, step, wall, tag, v in extra:
        fd.off.append(offset)
        fd.step.append(step)
        fd.wall.append(wall)
        fd.val.append(v)
        fd.tag.append(tag)
    order = sorted(range(len(fd.off)), key=fd.off.__getitem__)  # stable: values keep order
    fd.off = array("q", [fd.off[i] for i in order])
    fd.step = array("q", [fd.step[i] for i in order])
    fd.wall = array("d", [fd.wall[i] for i in order])
    fd.val = array("d", [fd.val[i] for i in order])
    fd.tag = [fd.tag[i] for i in order]


def _group(tags: Sequence[str]) -> Dict[str, Sequence[int]]:
    """Indices by tag, tags in order of first appearance (``range`` objects when the tags
    repeat with a period, as a training loop logging the same tags every step writes them)."""
    out: Dict[str, Any] = {}
    n = len(tags)
    first: Dict[str, None] = dict.fromkeys(tags[:256])
    period = len(first)
    if n and len(tags) > period and tags[:period] == list(first):
        pattern = list(first)
        if tags == (pattern * (n // period + 1))[:n]:  # compared in C
            return {tag: range(k, n, period) for k, tag in enumerate(pattern)}
    if n and period == 1 and tags.count(tags[0]) == n:
        return {tags[0]: range(n)}
    for i, tag in enumerate(tags):
        bucket = out.get(tag)
        if bucket is None:
            bucket = out[tag] = []
        bucket.append(i)
    return out


def _ascending(step: Any, segments: List[tuple]) -> bool:
    """Whether one segment's steps are already in order (then the stable sort is a no-op)."""
    if len(segments) != 1:
        return False
    run = step[segments[0][1] : segments[0][2]].tolist()
    return run == sorted(run)


def _records(fd: FileData) -> Iterator[Tuple[int, Any]]:
    """The file's records in order: ``(offset, i)`` for a plain scalar i, ``(offset, Event)``."""
    events, off = fd.events, fd.off
    j, n = 0, len(events)
    i, m = 0, len(off)
    while i < m or j < n:
        if j < n and (i >= m or events[j][0] <= off[i]):
            yield events[j]
            offset = events[j][0]
            j += 1
            while i < m and off[i] == offset:  # its own simple_values: part of that event
                i += 1
        else:
            yield off[i], i
            i += 1


def _needs_replay(fd: FileData) -> bool:
    """Whether a purge can happen: else the reservoirs are the records grouped by tag."""
    events = fd.events
    versions = [e for _, e in events if "file_version" in e._present]
    first = events[0][0] if events else None
    if (
        len(versions) == 1
        and first is not None
        and "file_version" in events[0][1]._present
        and (not fd.off or fd.off[0] > first)
    ):
        version = parse_version(events[0][1].file_version)
        if version and version >= 2:  # purges only at SessionLog START, for the whole file
            return any(
                e.session_log is not None and e.session_log.status == SESSION_START
                for _, e in events
            )
    if not versions and not events:
        steps = fd.step.tolist()
        return steps != sorted(steps)
    return _replay_check(fd)


def _replay_check(fd: FileData) -> bool:
    """The record-by-record test of _needs_replay (versions that change, legacy files)."""
    version: Optional[float] = None
    latest = -1
    for _, item in _records(fd):
        if isinstance(item, int):
            step, summary = fd.step[item], True
        else:
            if "file_version" in item._present:
                version = parse_version(item.file_version)
            step, summary = item.step, item.summary is not None
            log = item.session_log
            if version and version >= 2:
                if log is not None and log.status == SESSION_START:
                    return True
                continue
        if version and version >= 2:
            continue
        if step < latest and summary:
            return True
        latest = step
    return False


def _replay(fd: FileData, needed: FrozenSet[str] = ALL_RESERVOIRS) -> None:
    """EventAccumulator's record-by-record logic, purges included (the rare path)."""
    res: Dict[str, Dict[str, list]] = {k: {} for k in PURGED + ("tensors",)}
    version: Optional[float] = None
    latest = -1
    step_of = fd.step.__getitem__
    for offset, item in _records(fd):
        if isinstance(item, int):
            step, summary, tags = fd.step[item], True, [fd.tag[item]]
        else:
            if "file_version" in item._present:
                version = parse_version(item.file_version)
            step, summary = item.step, item.summary is not None
            tags = [v.tag for v in item.summary.value] if summary else []
        if version and version >= 2:
            log = None if isinstance(item, int) else item.session_log
            if log is not None and log.status == SESSION_START:
                _purge(res, step, None, step_of)
        elif step < latest and summary:
            _purge(res, step, tags, step_of)
        else:
            latest = step
        if isinstance(item, int):
            res["scalars"].setdefault(fd.tag[item], []).append(item)
            continue
        _replay_values(fd, res, offset, item, needed)
    fd.res = res


def _replay_values(
    fd: FileData,
    res: Dict[str, Dict[str, list]],
    offset: int,
    event: Any,
    needed: FrozenSet[str],
) -> None:
    if event.summary is None:
        return
    i = _first_index(fd.off, offset)
    for value in event.summary.value:
        kind = value_kind(value)
        if kind == "scalars":
            res["scalars"].setdefault(value.tag, []).append(i)
            i += 1
        elif kind is not None and kind in needed:
            key = value.tag or value.node_name if kind == "tensors" else value.tag
            item = (offset, event.step, event.wall_time, getattr(value, _DATUM[kind]))
            res[kind].setdefault(key, []).append(item)


def _first_index(off: Any, offset: int) -> int:
    import bisect

    return bisect.bisect_left(off, offset)


def _purge(res: Dict[str, Dict[str, list]], step: int, tags: Optional[list], step_of: Any) -> None:
    """Reservoir.FilterItems(lambda x: x.step < step, key) on the purged reservoirs."""
    for kind in PURGED:
        buckets = res[kind]
        if tags is None or any(not t for t in tags):
            keys = list(buckets)
        else:
            keys = [t for t in tags if t in buckets]
        for key in keys:
            items = buckets[key]
            if kind == "scalars":
                buckets[key] = [i for i in items if step_of(i) < step]
            else:
                buckets[key] = [it for it in items if it[1] < step]


# -- one file: tbparse's entries per kind ---------------------------------------------------


def file_entries(fd: FileData, kind: str, convert: bool) -> List[Tuple[str, list]]:
    """``[(tag, items)]`` of a kind in one file, in tbparse's order (its tag_to_events)."""
    plugins = fd.plugins
    if kind == "hparams":
        content = plugins.content.get("hparams", {}).get(SSI_TAG)
        if content is None:
            return []
        return [(name, [value]) for name, value in _values.hparams_values(content)]
    tensors = fd.res["tensors"]
    if kind == "text":
        out: Dict[str, list] = {}
        for raw in plugins.content.get("text", {}):
            if raw in tensors:
                out[strip_text(raw)] = tensors[raw]
        return list(out.items())
    if kind == "tensors":
        hidden = set(plugins.content.get("text", ())) | set(plugins.content.get("hparams", ()))
        return [
            (tag, items)
            for tag, items in tensors.items()
            if tag not in hidden and not (convert and plugins.plugin.get(tag) in CONVERTED)
        ]
    entries = list(fd.res[kind].items())
    if convert:
        entries += [
            (tag, [it[:3] + (("tensor", it[3]),) for it in items])
            for tag, items in tensors.items()
            if plugins.plugin.get(tag) == kind
        ]
    return entries


def file_tags(fd: FileData, kind: str, convert: bool) -> List[str]:
    """tbparse's per-file ``tags[kind]`` (text tags keep their raw "/text_summary" names)."""
    if kind == "text":
        return list(fd.plugins.content.get("text", {}))
    if kind == "hparams":
        return [name for name, _ in file_entries(fd, kind, convert)]
    return [tag for tag, _ in file_entries(fd, kind, convert)]


# -- tables ------------------------------------------------------------------------------------


class Table:
    """The rows of one kind, in tbparse's order: ``len()``, iteration (namedtuples with
    tbparse's column names), ``.columns``, ``.to_pandas()``.

    Values: scalars float; tensors a Python scalar (shape ()) or an ``Array``; histograms'
    counts/limits ``Array`` (float64); images ``Array`` (uint8, H x W x C); audio ``Array``
    (float32, frames x channels); text str; hparams float/str/bool."""

    def __init__(
        self,
        kind: str,
        extras: FrozenSet[str],
        files: List[EventFile],
        pivot: bool = False,
        root_is_file: bool = False,
    ) -> None:
        self.kind = kind
        self._root_is_file = root_is_file
        self._extras = extras
        self._files = files
        self._pivot = pivot
        self._long = columns_of(kind, extras)
        self._fidx = array("i")
        self._tcode = array("i")
        self._tags: List[str] = []
        self._codes: Dict[str, int] = {}
        self._step = array("q")
        self._wall = array("d")
        self._pay: Any = array("d") if kind == "scalars" else []
        self._order: Optional[Sequence[int]] = None
        self._sorted = False
        self._pivoted: Optional[Tuple[Tuple[str, ...], List[tuple]]] = None

    @property
    def columns(self) -> Tuple[str, ...]:
        """tbparse's column names, in its order."""
        if self._pivot:
            return self._pivot_rows()[0]
        return self._long if len(self) else ()

    def __len__(self) -> int:
        if self._pivot:
            return len(self._pivot_rows()[1])
        return len(self._fidx)

    def __repr__(self) -> str:
        return "<Table %s: %d rows, columns %s>" % (self.kind, len(self), ", ".join(self.columns))

    # -- filling -------------------------------------------------------------------------------

    def _code(self, tag: str) -> int:
        code = self._codes.get(tag)
        if code is None:
            code = self._codes[tag] = len(self._tags)
            self._tags.append(tag)
        return code

    def add_file(self, fi: int, fd: FileData, entries: List[Tuple[str, list]]) -> None:
        """Append one file's entries (its tags in order, each tag's items in order)."""
        for tag, items in entries:
            n = len(items)
            # an array times n: filled by memcpy (extending from an iterator converts n ints)
            self._fidx += array("i", [fi]) * n
            self._tcode += array("i", [self._code(tag)]) * n
            if self.kind == "scalars" and n and isinstance(items[0], tuple):  # converted
                self._step.extend([it[1] for it in items])
                self._wall.extend([it[2] for it in items])
                self._pay.extend([_tensor_scalar(it[3][1]) for it in items])
            elif self.kind == "scalars":
                if isinstance(items, range):  # a slice of the columns, copied in C
                    cut = slice(items.start, items.stop, items.step)
                    self._step.extend(fd.step[cut])
                    self._wall.extend(fd.wall[cut])
                    self._pay.extend(fd.val[cut])
                else:
                    self._step.extend([fd.step[i] for i in items])
                    self._wall.extend([fd.wall[i] for i in items])
                    self._pay.extend([fd.val[i] for i in items])
            elif self.kind == "hparams":
                self._step.extend(repeat(0, n))
                self._wall.extend(repeat(math.nan, n))
                self._pay.extend(items)
            else:
                self._step.extend([it[1] for it in items])
                self._wall.extend([it[2] for it in items])
                self._pay.extend([it[3] for it in items])

    # -- order -----------------------------------------------------------------------------------

    def order(self) -> Sequence[int]:
        """Row indices in tbparse's order: a stable sort on [dir_name?, file_name?, tag, step]."""
        if not self._sorted:
            self._order = self._sort()
            self._sorted = True
        return self._order if self._order is not None else range(len(self._fidx))

    def _group_key(self, fi: int, code: int) -> tuple:
        ef = self._files[fi]
        key: tuple = ()
        if "dir_name" in self._extras:
            key += (ef.run,)
        if "file_name" in self._extras:
            key += (ef.name,)
        return key + (self._tags[code],)

    def _sort(self) -> Optional[Sequence[int]]:
        fidx, tcode, step = self._fidx, self._tcode, self._step
        n = len(fidx)
        segments = []  # runs of rows of one file and tag: (key, start, stop)
        start = 0
        for i in range(1, n + 1):
            if i == n or fidx[i] != fidx[start] or tcode[i] != tcode[start]:
                segments.append((self._group_key(fidx[start], tcode[start]), start, i))
                start = i
        segments.sort(key=lambda s: s[0])  # stable: files keep their walk order
        order: List[int] = []
        k = 0
        while k < len(segments):
            j = k
            while j < len(segments) and segments[j][0] == segments[k][0]:
                j += 1
            rows: List[int] = []
            for _, a, b in segments[k:j]:
                rows.extend(range(a, b))
            if self.kind != "hparams" and not _ascending(step, segments[k:j]):
                rows.sort(key=step.__getitem__)  # stable, and linear on sorted runs
            order.extend(rows)
            k = j
        if all(order[i] == i for i in range(0, n, max(1, n // 64))) and order == list(range(n)):
            return None
        return array("q", order)

    # -- rows -----------------------------------------------------------------------------------

    def _scalar_rows(self) -> Iterator[tuple]:
        """Long-format scalar rows, zipped from the columns (the 1M-row path)."""
        order = self.order()
        step: Sequence[int] = self._step
        tcode: Sequence[int] = self._tcode
        pay: Sequence[float] = self._pay
        wall: Sequence[float] = self._wall
        fidx: Sequence[int] = self._fidx
        if not isinstance(order, range):
            pick = order.__iter__
            step = [self._step[i] for i in pick()]
            tcode = [self._tcode[i] for i in pick()]
            pay = [self._pay[i] for i in pick()]
            wall = [self._wall[i] for i in pick()]
            fidx = [self._fidx[i] for i in pick()]
        tags = [self._tags[c] for c in tcode]
        columns: List[Any] = [step, tags, pay]
        if "wall_time" in self._extras:
            columns.append(wall)
        if "dir_name" in self._extras:
            columns.append([self._files[f].run for f in fidx])
        if "file_name" in self._extras:
            columns.append([self._files[f].name for f in fidx])
        return zip(*columns)

    def cells(self, i: int, numpy: bool = False) -> tuple:
        """The kind's value cells of row i (after step and tag)."""
        return _CELLS[self.kind](self, self._pay[i], numpy)

    def long_row(self, i: int, numpy: bool = False) -> tuple:
        ef = self._files[self._fidx[i]]
        head: tuple = (self._tags[self._tcode[i]],)
        if self.kind != "hparams":
            head = (self._step[i],) + head
        tail: tuple = ()
        if "wall_time" in self._extras and self.kind != "hparams":
            tail += (self._wall[i],)
        if "dir_name" in self._extras:
            tail += (ef.run,)
        if "file_name" in self._extras:
            tail += (ef.name,)
        return head + self.cells(i, numpy) + tail

    def __iter__(self) -> Iterator[Any]:
        if self._pivot:
            columns, rows = self._pivot_rows()
            wide = namedtuple("Row", columns, rename=True)  # type: ignore[misc]
            return iter([wide._make(r) for r in rows])
        make = namedtuple("Row", self._long, rename=True)  # type: ignore[misc]
        if self.kind == "scalars":
            return map(make._make, self._scalar_rows())
        return (make._make(self.long_row(i)) for i in self.order())

    def _pivot_rows(self) -> Tuple[Tuple[str, ...], List[tuple]]:
        if self._pivoted is None:
            self._pivoted = pivot_rows(self)
        return self._pivoted

    def to_pandas(self) -> Any:
        """tbparse's DataFrame for this kind (pandas and numpy imported here)."""
        import pandas as pd

        if len(self._fidx) == 0:
            return pd.DataFrame()
        if self.kind == "scalars" and not self._pivot:
            return _scalars_frame(self)
        return tbparse_frame(self)


def _tensor_scalar(tensor: Message) -> float:
    """A TF2 scalars-plugin tensor's value (its first element), as a float."""
    value = _values.tensor_value(tensor)
    first = value.tolist()[0] if isinstance(value, _values.Array) else value
    return float(first)  # type: ignore[arg-type]  # a number: the scalars plugin's


def _scalar_cells(table: Table, pay: float, numpy: bool) -> tuple:
    return (pay,)


def _tensor_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    if isinstance(pay, tuple):  # a converted tensor: ("tensor", TensorProto)
        pay = pay[1]
    value = _values.tensor_value(pay)
    if numpy and isinstance(value, _values.Array):
        value = value.to_numpy()
    return (value,)


def _text_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    return (_values.text_value(pay),)


def _hparam_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    return (pay,)


def _histogram_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    if isinstance(pay, tuple):
        h = _values.histogram_from_tensor(pay[1])
    else:
        h = _values.histogram_from_proto(pay)
    counts, limits = h.counts, h.limits
    if numpy:
        counts, limits = counts.to_numpy(), limits.to_numpy()
    extra = {"max": h.max, "min": h.min, "num": h.num, "sum": h.sum, "sum_squares": h.sum_squares}
    wanted = [c for c in KIND_EXTRAS["histograms"] if c in table._extras]
    return (counts, limits) + tuple(extra[c] for c in wanted)


def _image_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    if isinstance(pay, tuple):
        value, width, height = _converted_image(pay[1], numpy)
    else:
        value = _values.decode_image(pay.encoded_image_string)
        width, height = pay.width, pay.height
        if numpy:
            value = value.to_numpy()
    extra = {"height": height, "width": width}
    return (value,) + tuple(extra[c] for c in KIND_EXTRAS["images"] if c in table._extras)


def _audio_cells(table: Table, pay: Any, numpy: bool) -> tuple:
    if isinstance(pay, tuple):
        value, content_type, frames, rate = _converted_audio(pay[1], numpy)
    else:
        value = _values.decode_audio(pay.encoded_audio_string)
        content_type, frames, rate = pay.content_type, pay.length_frames, pay.sample_rate
        if numpy:
            value = value.to_numpy()
    extra = {"content_type": content_type, "length_frames": frames, "sample_rate": rate}
    return (value,) + tuple(extra[c] for c in KIND_EXTRAS["audio"] if c in table._extras)


def _converted_image(tensor: Message, numpy: bool) -> Tuple[Any, int, int]:
    value, width, height = _values.image_from_tensor(tensor)
    return (value.to_numpy() if numpy else value), width, height


def _converted_audio(tensor: Message, numpy: bool) -> Tuple[Any, str, int, Any]:
    # tbparse's tensor_to_audio, except that one clip's rate is a float, as a legacy audio
    # summary's sample_rate is, so that both forms fill one column alike
    value, rates, frames = _values.audio_from_tensor(tensor)
    rate: Any = float(rates.data[0]) if rates.shape == () else rates
    if numpy:
        value = value.to_numpy()
        rate = rate if isinstance(rate, float) else rate.to_numpy()
    return value, "audio/wav", frames, rate


_CELLS = {
    "scalars": _scalar_cells,
    "tensors": _tensor_cells,
    "text": _text_cells,
    "hparams": _hparam_cells,
    "histograms": _histogram_cells,
    "images": _image_cells,
    "audio": _audio_cells,
}


def _scalars_frame(table: Table) -> Any:
    """Long-format scalars straight from the columns: every file's frame has the same dtypes
    (int64, str, float64...), so one frame in sorted order is tbparse's concatenation."""
    import numpy as np
    import pandas as pd

    order = table.order()
    idx = None if isinstance(order, range) else np.frombuffer(order, dtype=np.int64)

    def take(column: Any, dtype: Any) -> Any:
        values = np.frombuffer(column, dtype=dtype)
        return values.copy() if idx is None else values[idx]

    fidx = take(table._fidx, np.int32)
    data: Dict[str, Any] = {"step": take(table._step, np.int64)}
    data["tag"] = np.array(table._tags, dtype=object)[take(table._tcode, np.int32)]
    data["value"] = take(table._pay, np.float64)
    if "wall_time" in table._extras:
        data["wall_time"] = take(table._wall, np.float64)
    if "dir_name" in table._extras:
        data["dir_name"] = np.array([ef.run for ef in table._files], dtype=object)[fidx]
    if "file_name" in table._extras:
        data["file_name"] = np.array([ef.name for ef in table._files], dtype=object)[fidx]
    return pd.DataFrame(data)


# -- the whole log -----------------------------------------------------------------------------


def build(
    files: List[EventFile],
    event_types: FrozenSet[str],
    extras: FrozenSet[str],
    pivot: bool,
    convert: bool,
    errors: str,
    skipped: Optional[list],
    root_is_file: bool = False,
) -> Tuple[Dict[str, Table], Dict[str, List[str]]]:
    """Every file read once: the tables of the kinds asked for, and tbparse's ``tags``."""
    tables = {
        kind: Table(kind, extras, files, pivot, root_is_file)
        for kind in KINDS
        if kind in event_types
    }
    tags: Dict[str, List[str]] = {kind: [] for kind in KINDS}
    seen: Dict[str, Dict[str, None]] = {kind: {} for kind in KINDS}
    needed = needed_reservoirs(event_types, convert)
    # Decoding makes millions of small objects that all live on in the tables: the cycle
    # collector would walk them again and again and find nothing (measured: a third of the
    # time of 200k tensor events). Paused for the read, restored whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for fi, ef in enumerate(files):
            fd = read_file(ef.path, errors, skipped)
            accumulate(fd, "tensors" in event_types, needed)
            for kind, table in tables.items():
                table.add_file(fi, fd, file_entries(fd, kind, convert))
                seen[kind].update(dict.fromkeys(file_tags(fd, kind, convert)))
            del fd
    finally:
        if collecting:
            gc.enable()
    for kind in tables:
        tags[kind] = list(seen[kind])
    return tables, tags


# -- pandas: tbparse's SummaryReader.get_events replayed on per-file frames ----------------------


def _value_names(table: Table) -> Tuple[str, ...]:
    """The columns made from a row's cells (between step/tag and the tail)."""
    skip = ("step", "tag") + TAIL
    names = tuple(c for c in table._long if c not in skip)
    return names if table.kind != "hparams" else ("value",)


def _file_rows(table: Table) -> Dict[int, List[int]]:
    rows: Dict[int, List[int]] = {}
    for i, fi in enumerate(table._fidx):
        rows.setdefault(fi, []).append(i)
    return rows


def _leaf_frame(table: Table, fi: int, rows: List[int]) -> Any:
    """tbparse's ``_parse_events`` frame of one file (its ``cols`` dict, in its key order)."""
    import collections

    import numpy as np
    import pandas as pd

    if not rows:  # get_events of the file: concat of an empty frame -> pd.DataFrame()
        return pd.DataFrame()
    n, kind, extras = len(rows), table.kind, table._extras
    cols: Dict[str, Any] = collections.defaultdict(lambda: [np.nan] * n)
    if "dir_name" in extras:
        cols["dir_name"] = [""] * n
    if "file_name" in extras:
        cols["file_name"] = [table._files[fi].name] * n
    if "wall_time" in extras and kind != "hparams":
        cols["wall_time"] = [table._wall[i] for i in rows]
    names = _value_names(table)
    for idx, i in enumerate(rows):
        tag = table._tags[table._tcode[i]]
        if kind != "hparams":
            cols["step"][idx] = table._step[i]
        if not table._pivot:
            cols["tag"][idx] = tag
        for name, value in zip(names, table.cells(i, numpy=True)):
            key = name if not table._pivot else (tag if name == "value" else tag + "/" + name)
            cols[key][idx] = value
    for name in TAIL:
        if name in cols:
            cols[name] = cols.pop(name)
    return pd.DataFrame.from_dict(cols)


def _tree(files: List[EventFile], indices: List[int], depth: int) -> List[tuple]:
    """The directory tree of the files (in walk order): ("file", fi) and ("dir", name, kids)."""
    out: List[tuple] = []
    k = 0
    while k < len(indices):
        parts = files[indices[k]].run.split("/") if files[indices[k]].run else []
        if len(parts) == depth:
            out.append(("file", indices[k]))
            k += 1
            continue
        name, j = parts[depth], k
        while j < len(indices):
            other = files[indices[j]].run.split("/") if files[indices[j]].run else []
            if len(other) <= depth or other[depth] != name:
                break
            j += 1
        out.append(("dir", name, _tree(files, indices[k:j], depth + 1)))
        k = j
    return out


def merge_values(s: Any) -> Any:
    """tbparse's SummaryReader._merge_values: NaNs dropped, lists flattened."""
    import numpy as np
    import pandas as pd

    try:
        assert isinstance(s, pd.Series)
        if len(s) == 1:
            # tbparse returns ``s``, which pandas turns into its one value (and, since 3.1,
            # warns that it will stop): the value itself is the same result
            return s.iloc[0]
        lst: List[Any] = []
        for xx in s:
            if isinstance(xx, list):
                lst.extend(xx)
            elif np.isscalar(xx):
                if not pd.isnull(xx):
                    lst.append(xx)
            else:
                lst.append(xx)
        if len(lst) == 0:
            return np.nan
        if len(lst) == 1:
            return lst[0]
        return lst
    except Exception as error:
        raise ValueError from error


def _get_events(table: Table, node: tuple, rows: Dict[int, List[int]]) -> Any:
    """SummaryReader.get_events of one node of the tree, as tbparse 0.0.9 writes it."""
    import pandas as pd

    group_columns: List[Any] = [c for c in ("dir_name", "file_name") if c in table._extras]
    dfs = []
    if node[0] == "file":
        dfs.append(_leaf_frame(table, node[1], rows.get(node[1], [])))
    else:
        for child in node[2]:
            df = _get_events(table, child, rows)
            if "dir_name" in df and child[0] == "dir":
                dir_name = child[1]
                df_cond = df["dir_name"] == ""
                df.loc[df_cond, "dir_name"] = dir_name
                df.loc[~df_cond, "dir_name"] = dir_name + "/" + df.loc[~df_cond, "dir_name"]
            dfs.append(df)
    if len(dfs) == 0:
        return pd.DataFrame()
    df_stacked = pd.concat(dfs, ignore_index=True)
    if df_stacked.empty:
        return pd.DataFrame()
    if not table._pivot:
        group_columns += ["tag"]
    group_columns += ["step"]
    group_columns = [c for c in group_columns if c in df_stacked.columns]
    # tbparse sorts in place; pandas 3 deprecates inplace= (the same sort, assigned)
    df_stacked = df_stacked.sort_values(group_columns, ignore_index=True)
    if not table._pivot:
        return df_stacked
    if len(group_columns) == 0:
        group_columns = [True] * len(df_stacked)
    df = df_stacked.groupby(group_columns, sort=False).aggregate(merge_values)
    df = df.reset_index()
    middle = sorted(c for c in df_stacked.columns if c not in ("step",) + TAIL)
    columns = [c for c in ["step"] + middle + list(TAIL) if c in df_stacked.columns]
    return df[columns]


def tbparse_frame(table: Table) -> Any:
    """tbparse's DataFrame: its per-file frames, concatenated and sorted level by level."""
    rows = _file_rows(table)
    everything = list(range(len(table._files)))
    if table._root_is_file:
        root: tuple = ("file", 0)
    else:
        root = ("dir", "", _tree(table._files, everything, 0))
    return _get_events(table, root, rows)


# -- pivot on the standard library ------------------------------------------------------------


def _merge(values: List[Any]) -> Any:
    """merge_values on plain lists: NaN dropped, lists flattened, one value unwrapped."""
    if len(values) == 1:
        return values[0]
    out: List[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(v)
        elif not (isinstance(v, float) and v != v):
            out.append(v)
    if not out:
        return math.nan
    return out[0] if len(out) == 1 else out


def pivot_rows(table: Table) -> Tuple[Tuple[str, ...], List[tuple]]:
    """Wide rows, one per (dir_name?, file_name?, step): each tag's value(s) in a column of
    its name (histograms, images and audio: "tag/counts"...), merged as tbparse merges them.
    (The order of values merged into a list follows the long order; to_pandas() is exact.)"""
    kind, extras = table.kind, table._extras
    names = _value_names(table)
    groups: Dict[tuple, Dict[str, List[Any]]] = {}
    wide: Dict[str, None] = {}
    for i in table.order():
        ef = table._files[table._fidx[i]]
        key: tuple = ()
        if "dir_name" in extras:
            key += (ef.run,)
        if "file_name" in extras:
            key += (ef.name,)
        if kind != "hparams":
            key += (table._step[i],)
        group = groups.setdefault(key, {})
        tag = table._tags[table._tcode[i]]
        for name, value in zip(names, table.cells(i)):
            column = tag if name == "value" else tag + "/" + name
            wide[column] = None
            group.setdefault(column, []).append(value)
        if "wall_time" in extras and kind != "hparams":
            group.setdefault("wall_time", []).append(table._wall[i])
    middle = sorted(wide)
    head = ("step",) if kind != "hparams" else ()
    tail = tuple(c for c in TAIL if c in extras and not (c == "wall_time" and kind == "hparams"))
    out = []
    for key in sorted(groups):
        group = groups[key]
        rest = dict(zip([c for c in ("dir_name", "file_name") if c in extras], key))
        row: tuple = (key[-1],) if head else ()
        row += tuple(_merge(group.get(c, [math.nan])) for c in middle)
        for c in tail:
            row += (_merge(group["wall_time"]),) if c == "wall_time" else (rest[c],)
        out.append(row)
    return head + tuple(middle) + tail, out
