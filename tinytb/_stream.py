# SPDX-License-Identifier: MIT
"""The reading pipeline's lower half: which files a log holds, their events in file order,
and rows of the seven summary kinds, streamed (``iter_rows``, ``follow``).

Order follows tbparse 0.0.9 (``SummaryReader`` walks ``sorted(os.listdir(...))`` depth first,
one ``EventAccumulator`` per file): the run of a file is its directory relative to the log
("" at the top, "a/b" below), runs and files come in that walk's order, records in file order.
Event files are the names TensorBoard takes (``io_wrapper.IsSummaryEventsFile``: "tfevents" in
the name, not ending in ".profile-empty").

A value's kind is the ``Summary.Value`` field that is set, as in ``EventAccumulator``:
``simple_value`` -> scalars, ``histo`` -> histograms, ``image`` -> images, ``audio`` -> audio,
``tensor`` -> tensors, except tensors whose tag's *first* metadata in the file names the
``text`` plugin (-> text, the "/text_summary" suffix PyTorch adds stripped from the tag) or
the ``hparams`` plugin (hparams rows come from the ``_hparams_/session_start_info`` metadata
content). With ``convert_tensors``, tensors of the scalars/histograms/images/audio plugins
(TensorFlow 2's ``tf.summary``) become rows of those kinds. Streaming keeps every record as
written: nothing is purged or sampled (the tables in ``_tables`` do what tbparse does).
"""

from __future__ import annotations

import bisect
import functools
import os
import struct
import time
from collections import namedtuple
from itertools import compress, repeat

from . import _remote, _values
from ._messages import HPARAMS_PLUGIN_DATA, decode_event
from ._record import HEADER_SIZE, OVERHEAD, iter_records
from ._scan import scan
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

    from ._messages import Message

    PathLike = Union[str, "os.PathLike[str]"]

#: The seven kinds, in the order tbparse's ``tags`` dict lists them.
KINDS = ("images", "audio", "histograms", "scalars", "tensors", "hparams", "text")
#: PyTorch's text summaries are tagged "<tag>/text_summary" (tbparse's PLUGIN_RAW_TAGS["text"]).
TEXT_SUFFIX = "/text_summary"
#: The hparams plugin's tag holding the session's hyperparameters (plugin/hparams/metadata.py).
SSI_TAG = "_hparams_/session_start_info"
#: The hparams plugin's tag holding the experiment (plugin/hparams/metadata.py EXPERIMENT_TAG).
EXPERIMENT_TAG = "_hparams_/experiment"
#: Plugin names whose tensors ``convert_tensors`` turns into rows of the kind of the same name.
CONVERTED = ("scalars", "histograms", "images", "audio")
#: event.proto: enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; STOP = 2; CHECKPOINT = 3; }
SESSION_START = 1

Row = namedtuple("Row", "kind run tag step wall_time value")
EventFile = namedtuple("EventFile", "path run name")


def is_event_file(name: str) -> bool:
    """TensorBoard's test of a file name (io_wrapper.IsSummaryEventsFile)."""
    return "tfevents" in name and not name.endswith(".profile-empty")


def event_files(log_path: PathLike) -> List[EventFile]:
    """The event files of a log in tbparse's order: ``(path, run, name)``.

    Args:
        log_path: a directory (every event file below it) or one event file (read whatever
            its name); or a URL fsspec knows (``s3://bucket/run``), fsspec installed.

    Raises:
        ValueError: ``log_path`` does not exist (tbparse's error).
    """
    path = os.fspath(log_path)
    if _remote.is_url(path):  # s3://bucket/run...: listed through fsspec
        files = _remote.list_files(path)
        if files == [(path, "")]:
            return [EventFile(path, "", path.rstrip("/").rsplit("/", 1)[-1])]
        return [
            EventFile(url, run, url.rsplit("/", 1)[-1])
            for url, run in files
            if is_event_file(url.rsplit("/", 1)[-1])
        ]
    if not os.path.exists(path):
        raise ValueError("File or directory not found: %s" % path)
    if os.path.isfile(path):
        return [EventFile(path, "", os.path.basename(path))]
    out: List[EventFile] = []
    _walk(path, "", out)
    return out


def _walk(directory: str, run: str, out: List[EventFile]) -> None:
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            if is_event_file(name):
                out.append(EventFile(path, run, name))
        elif os.path.isdir(path):
            _walk(path, run + "/" + name if run else name, out)


def merged(block: Any) -> Iterator[Tuple[int, Any]]:
    """A block's records in file order: ``(offset, i)`` for the plain scalar ``i`` of the block,
    ``(offset, Event)`` for the others (decoded here; DecodeError names the file's offset)."""
    offsets = block.offsets
    others = block.others
    j, n = 0, len(others)
    for i in range(len(offsets)):
        offset = offsets[i]
        while j < n and others[j][0] < offset:
            yield others[j][0], decode_event(others[j][1], others[j][0] + HEADER_SIZE)
            j += 1
        yield offset, i
    while j < n:
        yield others[j][0], decode_event(others[j][1], others[j][0] + HEADER_SIZE)
        j += 1


def decode_other(offset: int, data: bytes) -> Message:
    """The Event of a record that ``scan`` left in ``Block.others`` as ``(offset, data)``;
    DecodeError offsets count in the file (``offset`` is the record's).

    Args:
        offset: the record's byte offset in the file.
        data: the record's Event bytes (CRC checked by ``scan``).
    """
    return decode_event(data, offset + HEADER_SIZE)


def experiment_info(content: bytes) -> Optional[Tuple[List[str], List[Tuple[str, str]]]]:
    """``(hparam names, [(group, tag)] of the metrics)`` of an ``_hparams_/experiment``
    summary's ``HParamsPluginData``, in the order written; None when the content holds no
    experiment (a session start or end).

    Args:
        content: ``SummaryMetadata.plugin_data.content`` of the hparams plugin.
    """
    experiment = HPARAMS_PLUGIN_DATA.decode(bytes(content)).experiment
    if experiment is None:
        return None
    names = [info.name for info in experiment.hparam_infos]
    metrics = [
        ("", "") if info.name is None else (info.name.group, info.name.tag)
        for info in experiment.metric_infos
    ]
    return names, metrics


def value_kind(value: Message) -> Optional[str]:
    """The reservoir EventAccumulator puts a Summary.Value in (its SUMMARY_TYPES), or None."""
    if value.tensor is not None:
        return "tensors"
    if "simple_value" in value._present:
        return "scalars"
    if value.histo is not None:
        return "histograms"
    if value.image is not None:
        return "images"
    if value.audio is not None:
        return "audio"
    return None


class Plugins:
    """Per-file "first metadata per tag wins" (EventAccumulator.summary_metadata): the plugin of
    each tag and the content of its first metadata."""

    __slots__ = ("plugin", "content")

    def __init__(self) -> None:
        self.plugin: Dict[str, str] = {}
        self.content: Dict[str, Dict[str, bytes]] = {}

    def see(self, value: Message) -> bool:
        """Record a value's metadata if it is its tag's first; True when it was."""
        metadata = value.metadata
        if metadata is None or value.tag in self.plugin:
            return False
        data = metadata.plugin_data
        name = data.plugin_name if data is not None else ""
        self.plugin[value.tag] = name
        if name:
            self.content.setdefault(name, {})[value.tag] = data.content
        return True


def tensor_kind(plugin: str, convert: bool) -> str:
    """Where a tensor value of a tag with this plugin goes."""
    if plugin == "text":
        return "text"
    if plugin == "hparams":
        return ""  # hparams rows come from the metadata content, not from the tensor
    if convert and plugin in CONVERTED:
        return plugin
    return "tensors"


def strip_text(tag: str) -> str:
    return tag[: -len(TEXT_SUFFIX)] if tag.endswith(TEXT_SUFFIX) else tag


# -- values of streamed rows --------------------------------------------------------------------


def image_of(image: Message) -> Any:
    return _values.Image(image.width, image.height, image.colorspace, image.encoded_image_string)


def audio_of(audio: Message) -> Any:
    return _values.Audio(
        audio.sample_rate,
        audio.num_channels,
        audio.length_frames,
        audio.content_type,
        audio.encoded_audio_string,
    )


# RIFF/WAVE header fields (the canonical 44-byte header tf.audio.encode_wav and tinytb write):
# "RIFF" size "WAVE" "fmt " 16 format(u16) channels(u16) rate(u32) byte_rate(u32) align(u16) bits
_WAV_FMT = struct.Struct("<HHIIHH")
_WAV_FMT_AT = 20


def _wav_header(encoded: bytes) -> Tuple[float, int, int]:
    """(sample_rate, channels, frames) from a canonical WAV header, zeros if it is not one."""
    if len(encoded) < 44 or encoded[:4] != b"RIFF" or encoded[8:12] != b"WAVE":
        return 0.0, 0, 0
    _, channels, rate, _, align, _ = _WAV_FMT.unpack_from(encoded, _WAV_FMT_AT)
    frames = (len(encoded) - 44) // align if align else 0
    return float(rate), channels, frames


def converted_rows(kind: str, tensor: Message) -> List[Any]:
    """Streamed values of a TF2 plugin tensor: one value, or one per image/clip."""
    if kind == "scalars":
        value = _values.tensor_value(tensor)
        first = value.tolist()[0] if isinstance(value, _values.Array) else value
        return [float(first)]  # type: ignore[arg-type]  # a number: the scalars plugin's
    if kind == "histograms":
        return [_values.histogram_from_tensor(tensor)]
    flat = _values.tensor_value(tensor)
    items = flat.tolist() if isinstance(flat, _values.Array) else [flat]
    if kind == "images":  # [width, height, png, png...] as strings
        if len(items) < 2:
            return []
        width, height = int(items[0]), int(items[1])
        return [_values.Image(width, height, 0, enc) for enc in items[2:]]
    out = []
    for clip in items:  # audio: [[wav, label], ...]
        wav = clip[0] if isinstance(clip, list) else clip
        rate, channels, frames = _wav_header(wav)
        out.append(_values.Audio(rate, channels, frames, "audio/wav", wav))
    return out


# -- streaming -------------------------------------------------------------------------------


class Filter:
    """Which rows a stream keeps: kinds, run and tag regexes (re.search), memoised per name."""

    def __init__(
        self,
        kinds: Optional[Iterable[str]],
        runs: Optional[str],
        tags: Optional[str],
        convert: bool,
    ) -> None:
        if kinds is None:
            self.kinds = frozenset(KINDS)
        else:
            if isinstance(kinds, str):
                raise TypeError("kinds should be an iterable of kind names, not a str")
            self.kinds = frozenset(kinds)
            unknown = self.kinds - set(KINDS)
            if unknown:
                raise ValueError("kinds: unknown kind(s) %s" % sorted(unknown))
        import re

        self._runs = re.compile(runs).search if runs is not None else None
        self._tags = re.compile(tags).search if tags is not None else None
        self._tag_cache: Dict[str, bool] = {}
        self.tags_filtered = tags is not None
        self.convert = convert

    def run(self, run: str) -> bool:
        return self._runs is None or self._runs(run) is not None

    def tag(self, tag: str) -> bool:
        if self._tags is None:
            return True
        ok = self._tag_cache.get(tag)
        if ok is None:
            ok = self._tag_cache[tag] = self._tags(tag) is not None
        return ok


class FileState:
    """What a stream remembers about one file between records (and between polls)."""

    __slots__ = ("plugins", "pos")

    def __init__(self) -> None:
        self.plugins = Plugins()
        self.pos = 0


def event_rows(event: Message, run: str, state: FileState, want: Filter) -> Iterator[Row]:
    """Rows of one decoded Event (its Summary values), filtered."""
    summary = event.summary
    if summary is None:
        return
    step, wall = event.step, event.wall_time
    for value in summary.value:
        tag = value.tag
        if state.plugins.see(value) and tag == SSI_TAG and state.plugins.plugin[tag] == "hparams":
            if "hparams" in want.kinds:
                content = state.plugins.content["hparams"][tag]
                for name, hvalue in _values.hparams_values(content):
                    if want.tag(name):
                        yield Row("hparams", run, name, 0, wall, hvalue)
        kind = value_kind(value)
        if kind == "tensors":
            kind = tensor_kind(state.plugins.plugin.get(tag, ""), want.convert)
            if kind == "text":
                tag = strip_text(tag)
            elif kind == "tensors" and not tag:
                tag = value.node_name  # EventAccumulator's key for old plugin-asset tensors
        if kind is None or kind == "" or kind not in want.kinds or not want.tag(tag):
            continue
        yield Row(kind, run, tag, step, wall, _row_value(kind, value, want.convert))


def _row_value(kind: str, value: Message, convert: bool) -> Any:
    if kind == "scalars" and value.tensor is None:
        return value.simple_value
    if kind == "histograms" and value.histo is not None:
        return _values.histogram_from_proto(value.histo)
    if kind == "images" and value.image is not None:
        return image_of(value.image)
    if kind == "audio" and value.audio is not None:
        return audio_of(value.audio)
    if kind == "text":
        return _values.text_value(value.tensor)
    if kind == "tensors":
        return _values.tensor_value(value.tensor)
    return converted_rows(kind, value.tensor)  # a list: event_rows' callers flatten it


def _flatten(row: Row) -> Iterator[Row]:
    """A converted TF2 images/audio tensor holds several values: one Row each."""
    if isinstance(row.value, list):
        for item in row.value:
            yield row._replace(value=item)
    else:
        yield row


def file_rows(ef: EventFile, want: Filter) -> Iterator[Row]:
    """Every kept row of one file, in file order (plain scalars come from scan's columns)."""
    state = FileState()
    scalars = "scalars" in want.kinds
    try:
        for block in scan(ef.path):
            offsets = block.offsets
            start = 0
            for offset, data in block.others:
                stop = bisect.bisect_left(offsets, offset, start)
                if scalars and stop > start:
                    yield from _scalar_rows(block, start, stop, ef.run, want)
                start = stop
                event = decode_event(data, offset + HEADER_SIZE)
                for row in event_rows(event, ef.run, state, want):
                    yield from _flatten(row)
            if scalars and len(offsets) > start:
                yield from _scalar_rows(block, start, len(offsets), ef.run, want)
    except DecodeError as err:
        err.with_path(ef.path)
        raise


_new_row = functools.partial(tuple.__new__, Row)


def _scalar_rows(block: Any, start: int, stop: int, run: str, want: Filter) -> Iterator[Row]:
    """Rows of the plain scalars ``start:stop`` of a block, made in C (map over zip)."""
    tags = block.tags[start:stop]
    rows: Iterator[tuple] = zip(
        repeat("scalars"),
        repeat(run),
        tags,
        block.steps[start:stop],
        block.wall_times[start:stop],
        block.values[start:stop],
    )
    if want.tags_filtered:
        rows = compress(rows, [want.tag(t) for t in tags])
    return map(_new_row, rows)


def iter_rows(
    log_path: PathLike,
    *,
    kinds: Optional[Iterable[str]] = None,
    runs: Optional[str] = None,
    tags: Optional[str] = None,
    convert_tensors: bool = True,
    errors: str = "raise",
    skipped: Optional[List[Tuple[str, Optional[int], str]]] = None,
) -> Iterator[Row]:
    """Every row of every kind, as written (nothing purged or sampled), file by file in
    tbparse's walk order and record by record within a file, in constant memory.

    Yields ``Row(kind, run, tag, step, wall_time, value)``: run is "" for files at the top of
    ``log_path`` and "a/b" below. Values: scalars float; tensors a Python scalar (shape ()) or
    an ``Array``; histograms ``Histogram``; images ``Image`` and audio ``Audio`` (the encoded
    bytes, left to ``_values.decode_image``/``decode_audio``); text str; hparams one row per
    hyperparameter (tag = its name, step 0). Payloads of kinds not asked for are not decoded.

    Args:
        log_path: a directory or one event file.
        kinds: the kind names to keep (None: all seven).
        runs: a regex the run must match (re.search), or None.
        tags: a regex the tag must match (re.search), or None.
        convert_tensors: rows of TensorFlow 2's plugin tensors (scalars, histograms, images,
            audio) as those kinds (an image/audio tensor gives one row per image/clip).
        errors: "raise", or "skip": a file whose record is bad keeps its rows before it and
            the rest of it is skipped; reading goes on with the next file.
        skipped: a list to which "skip" appends ``(path, offset, message)``.

    Raises:
        DecodeError: a bad record (errors="raise"), with the file and offset.
        ValueError: ``log_path`` does not exist; an unknown kind; a bad ``errors``.
    """
    check_errors(errors)
    want = Filter(kinds, runs, tags, convert_tensors)
    for ef in event_files(log_path):
        if not want.run(ef.run):
            continue
        try:
            yield from file_rows(ef, want)
        except DecodeError as err:
            if errors == "raise":
                raise
            if skipped is not None:
                skipped.append((ef.path, err.offset, err.msg))


def check_errors(errors: str) -> None:
    if errors not in ("raise", "skip"):
        raise ValueError("errors should be 'raise' or 'skip', not %r" % (errors,))


# -- follow ----------------------------------------------------------------------------------


_RECORD_SECTIONS = ("header", "header crc", "data", "data crc")


def poll_file(ef: EventFile, state: FileState, want: Filter) -> Iterator[Row]:
    """Rows of the records completed since the last poll; a record still being written (cut
    short at the end) is left for the next one."""
    with _remote.open_read(ef.path) if _remote.is_url(ef.path) else open(ef.path, "rb") as f:
        f.seek(state.pos)
        base = state.pos
        try:
            for offset, data in iter_records(f):
                event = decode_event(data, base + offset + HEADER_SIZE)
                state.pos = base + offset + OVERHEAD + len(data)
                for row in event_rows(event, ef.run, state, want):
                    yield from _flatten(row)
        except DecodeError as err:
            if err.offset is not None and err.section in _RECORD_SECTIONS:
                err.offset += base  # iter_records counts from where the file was read
            err.with_path(ef.path)
            raise


def follow(
    log_path: PathLike,
    *,
    kinds: Optional[Iterable[str]] = None,
    runs: Optional[str] = None,
    tags: Optional[str] = None,
    interval: float = 1.0,
    stop: Any = None,
    convert_tensors: bool = True,
) -> Iterator[Row]:
    """New rows as files grow and runs appear, like ``tail -f``: every ``interval`` seconds
    the log is walked again and each file read from where the last poll stopped. A record
    still being written (cut short at the end) is "not yet": it comes at a later poll.

    Args:
        log_path: a directory or one event file (it may not exist yet).
        kinds, runs, tags, convert_tensors: as :func:`iter_rows`.
        interval: seconds between polls.
        stop: a ``threading.Event``; the generator ends at the first poll after it is set
            (None: never).

    Raises:
        DecodeError: a record that is bad, not merely incomplete.
    """
    want = Filter(kinds, runs, tags, convert_tensors)
    states: Dict[str, FileState] = {}
    wait: Callable[[float], Any] = stop.wait if stop is not None else time.sleep
    while stop is None or not stop.is_set():
        for ef, size in sized_event_files(os.fspath(log_path)):
            if not want.run(ef.run):
                continue
            state = states.get(ef.path)
            if state is None:
                state = states[ef.path] = FileState()
            if size > state.pos:
                yield from poll_file(ef, state, want)
        wait(interval)


def sized_event_files(path: str) -> List[Tuple[EventFile, int]]:
    """The event files of ``path`` with their sizes now; none while ``path`` does not exist.
    A URL log is listed once per poll (its objects do not grow: new ones appear)."""
    if _remote.is_url(path):
        try:
            listed = _remote.list_sized(path)
        except ValueError:  # nothing there yet
            return []
        if len(listed) == 1 and listed[0][0] == path:  # one event file
            return [(EventFile(path, "", path.rstrip("/").rsplit("/", 1)[-1]), listed[0][2])]
        return [
            (EventFile(url, run, url.rsplit("/", 1)[-1]), size)
            for url, run, size in listed
            if is_event_file(url.rsplit("/", 1)[-1])
        ]
    if not os.path.exists(path):
        return []
    return [(ef, os.path.getsize(ef.path)) for ef in event_files(path)]
