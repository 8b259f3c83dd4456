# SPDX-License-Identifier: MIT
"""``tinytb export``, ``ls`` and ``check``: event logs as tidy tables (csv, jsonl, sqlite), a
summary of what a log holds, and a full verification of its records.

Everything streams from :func:`tinytb.reader.iter_rows`: rows are written as they are read, so a
log larger than memory exports in constant memory. The layouts (columns, types, how non-finite
floats and media files are written) are documented in docs/export.md; the tables below are the
code's copy of it.

An export is atomic: it is written under a temporary name beside ``out`` and renamed at the end,
so ``out`` is either the complete export or untouched (an error or Ctrl-C removes the temporary).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil

from . import reader

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

KINDS = ("scalars", "tensors", "histograms", "images", "audio", "text", "hparams")
FORMATS = ("csv", "jsonl", "sqlite")

# Every table starts with these (SQLite types), then the kind's own columns.
COMMON = (("run", "TEXT"), ("tag", "TEXT"), ("step", "INTEGER"), ("wall_time", "REAL"))
# kind -> its value columns (name, SQLite type). "" is no declared type: SQLite keeps each
# value's own storage class (an hparam is a number, a string or a boolean).
COLUMNS = {
    "scalars": (("value", "REAL"),),
    "tensors": (("dtype", "TEXT"), ("shape", "TEXT"), ("value", "TEXT")),
    "histograms": (
        ("min", "REAL"),
        ("max", "REAL"),
        ("num", "REAL"),
        ("sum", "REAL"),
        ("sum_squares", "REAL"),
        ("limits", "TEXT"),
        ("counts", "TEXT"),
    ),
    "images": (
        ("width", "INTEGER"),
        ("height", "INTEGER"),
        ("colorspace", "INTEGER"),
        ("format", "TEXT"),
        ("size", "INTEGER"),
        ("path", "TEXT"),
    ),
    "audio": (
        ("sample_rate", "REAL"),
        ("num_channels", "INTEGER"),
        ("length_frames", "INTEGER"),
        ("content_type", "TEXT"),
        ("format", "TEXT"),
        ("size", "INTEGER"),
        ("path", "TEXT"),
    ),
    "text": (("value", "TEXT"),),
    "hparams": (("value", ""), ("type", "TEXT")),
}
# Columns holding a list (or any JSON value): JSON text in csv and sqlite, native in jsonl.
JSON_COLUMNS = {"tensors": {"shape", "value"}, "histograms": {"limits", "counts"}}

# Non-finite floats in JSON (which has none): the names proto3's JSON mapping uses for float
# fields ("NaN", "Infinity", "-Infinity"), as strings.
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}

# Magic bytes -> the media file's extension (PNG spec 5.2; GIF89a spec 17; JFIF; RIFF WAVE).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xff\xd8\xff", "jpg"),
    (b"RIFF", "wav"),
)
_INF = float("inf")
# One encoder for every row: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False)
_SQLITE_BATCH = 1000  # rows per executemany: few round trips, memory still bounded
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]")
_MAX_NAME = 200  # bytes of an encoded file name kept whole (filesystems allow 255)


# -- cells -------------------------------------------------------------------------------------


def media_format(data: bytes) -> str:
    """The file type of encoded media bytes by their magic number: png, gif, jpg, wav or bin."""
    for magic, ext in _MAGIC:
        if data[: len(magic)] == magic:
            return ext
    return "bin"


def jsonable(obj: Any) -> Any:
    """``obj`` with what JSON cannot hold replaced: non-finite floats by "NaN"/"Infinity"/
    "-Infinity", bytes by their UTF-8 text (undecodable bytes as ``\\xNN``), complex numbers by
    ``[real, imag]``, arrays by their nested lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else _NON_FINITE[repr(obj)]
    if isinstance(obj, (bool, int, str)) or obj is None:
        return obj
    if isinstance(obj, (list, tuple)):
        return [jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode("utf-8", "backslashreplace")
    if isinstance(obj, complex):
        return [jsonable(obj.real), jsonable(obj.imag)]
    tolist = getattr(obj, "tolist", None)
    if tolist is not None:
        return jsonable(tolist())
    return str(obj)


def to_json(obj: Any) -> str:
    """Strict JSON text of ``obj`` (see :func:`jsonable`); the fast path when it is plain."""
    try:
        return _ENCODER.encode(obj)
    except (ValueError, TypeError):
        return _ENCODER.encode(jsonable(obj))


def _tensor_cells(value: Any) -> Tuple[Any, ...]:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return (str(value.dtype), list(value.shape), value.tolist())
    # a 0-d tensor arrives as a Python value: its dtype is the one numpy gives that value
    names = {bool: "bool", int: "int64", float: "float64", complex: "complex128"}
    dtype = names.get(type(value), "object")
    return (dtype, [], value)


def _hparam_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


def cells(kind: str, row: Any, media: Optional[Media] = None) -> Tuple[Any, ...]:
    """The kind's value columns (COLUMNS[kind]) of one reader Row, as Python values; lists
    for JSON_COLUMNS. Images and audio: their encoded bytes go to ``media`` when given."""
    value = row.value
    if kind in ("scalars", "text"):
        return (value,)
    if kind == "hparams":
        return (value, _hparam_type(value))
    if kind == "tensors":
        return _tensor_cells(value)
    if kind == "histograms":
        return (
            value.min,
            value.max,
            value.num,
            value.sum,
            value.sum_squares,
            value.limits.tolist(),
            value.counts.tolist(),
        )
    ext = media_format(value.encoded)
    path = media.write(row.run, row.tag, row.step, ext, value.encoded) if media else None
    size = len(value.encoded)
    if kind == "images":
        return (value.width, value.height, value.colorspace, ext, size, path)
    if kind == "audio":
        return (
            value.sample_rate,
            value.num_channels,
            value.length_frames,
            value.content_type,
            ext,
            size,
            path,
        )
    raise ValueError("kind: unknown kind %r (one of %s)" % (kind, ", ".join(KINDS)))


# -- media files -------------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """One path component that names ``name`` and cannot leave its directory: every character
    but ``A-Za-z0-9_.-`` percent-encoded (UTF-8 bytes as ``%XX``), a leading dot too (no ``.``,
    ``..`` or hidden files), the empty name as ``%``. One-to-one (``%`` itself is encoded);
    longer than 200 characters, it is cut and ends with ``~`` and a hash of the whole name."""
    if not name:
        return "%"
    out = []
    for i, ch in enumerate(name):
        if _SAFE_NAME.match(ch) and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.extend("%%%02X" % b for b in ch.encode("utf-8", "surrogatepass"))
    text = "".join(out)
    if len(text) > _MAX_NAME:
        import hashlib  # only here: loading OpenSSL costs milliseconds at every start

        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        text = text[: _MAX_NAME - 17] + "~" + digest  # "~" is encoded elsewhere: no clash
    return text


class Media:
    """Writes media files below ``root`` as ``<run>/<tag>/step=<step>.<ext>``: the run one
    :func:`safe_name` component (``%2E`` for the top folder's run, which ls shows as "."), the
    tag one component per "/"-separated part, as TensorBoard groups tags. No name can collide
    with another: "=" is always encoded in names, so no tag part is ever a file name of ours.
    A second file of the same run, tag and step gets ``step=<step>_1.<ext>`` and so on. Paths
    returned are ``prefix`` + that relative path, "/"-separated."""

    def __init__(self, root: str, prefix: str) -> None:
        self.root = root
        self.prefix = prefix
        self._made: Dict[Tuple[str, str], str] = {}  # (run, tag) -> its folder, made
        self.files = 0

    def folder(self, run: str, tag: str) -> str:
        """The relative folder of a run's tag, "/"-separated."""
        parts = [safe_name(run or ".")] + [safe_name(p) for p in tag.split("/")]
        return "/".join(parts)

    def write(self, run: str, tag: str, step: int, ext: str, data: bytes) -> str:
        folder = self._made.get((run, tag))
        if folder is None:
            folder = self.folder(run, tag)
            os.makedirs(os.path.join(self.root, *folder.split("/")), exist_ok=True)
            self._made[run, tag] = folder
        n = 0
        while True:
            name = "step=%d%s.%s" % (step, "_%d" % n if n else "", ext)
            path = os.path.join(self.root, *folder.split("/"), name)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                n += 1
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.files += 1
        return self.prefix + folder + "/" + name


# -- writers -----------------------------------------------------------------------------------


# Non-finite floats in csv: the spellings pandas, polars, DuckDB and float() all read as floats
# (polars takes "NaN" but not "nan"; none of them needs "Infinity").
_CSV_NON_FINITE = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as the same double
        return _CSV_NON_FINITE.get(text, text)
    return value


def _column_indexes(kind: str, types: Tuple[str, ...]) -> Tuple[int, ...]:
    """Positions, in a whole row (COMMON + COLUMNS[kind]), of the columns of these types."""
    return tuple(i for i, (_, t) in enumerate(COMMON + COLUMNS[kind]) if t in types)


def _json_indexes(kind: str) -> Tuple[int, ...]:
    names = JSON_COLUMNS.get(kind, ())
    return tuple(i for i, (c, _) in enumerate(COMMON + COLUMNS[kind]) if c in names)


class _CsvSink:
    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.files: Dict[str, Tuple[IO[str], Any]] = {}
        # per kind: (REAL column positions, JSON column positions, untyped positions)
        self.plan = {
            k: (_column_indexes(k, ("REAL",)), _json_indexes(k), _column_indexes(k, ("",)))
            for k in KINDS
        }

    def add(self, kind: str, head: Tuple[Any, ...], values: Tuple[Any, ...]) -> None:
        entry = self.files.get(kind)
        if entry is None:
            f = open(os.path.join(self.folder, kind + ".csv"), "w", encoding="utf-8", newline="")
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([c for c, _ in COMMON + COLUMNS[kind]])
            entry = self.files[kind] = (f, writer)
        row = list(head + values)
        reals, jsons, untyped = self.plan[kind]
        for i in reals:  # csv writes a float as repr(); only the non-finite need a spelling
            v = row[i]
            if v.__class__ is float and not -_INF < v < _INF:
                row[i] = _csv_cell(v)
        for i in jsons:
            row[i] = to_json(row[i])
        for i in untyped:
            row[i] = _csv_cell(row[i])
        entry[1].writerow(row)

    def close(self) -> None:
        for f, _ in self.files.values():
            f.close()
        self.files = {}


class _JsonlSink:
    def __init__(self, path: str) -> None:
        self.f = open(path, "w", encoding="utf-8", newline="\n")
        self.keys = {k: ("kind",) + tuple(c for c, _ in COMMON + COLUMNS[k]) for k in KINDS}

    def add(self, kind: str, head: Tuple[Any, ...], values: Tuple[Any, ...]) -> None:
        obj = dict(zip(self.keys[kind], (kind,) + head + values))
        self.f.write(to_json(obj) + "\n")

    def close(self) -> None:
        self.f.close()


class _SqliteSink:
    def __init__(self, path: str, kinds: Iterable[str]) -> None:
        import sqlite3  # only here: an export to csv or jsonl does not load it

        self.con = sqlite3.connect(path)
        # the file is a temporary renamed at the end: no journal, no fsync per transaction
        self.con.execute("PRAGMA journal_mode=OFF")
        self.con.execute("PRAGMA synchronous=OFF")
        self.batches: Dict[str, List[Tuple[Any, ...]]] = {}
        self.inserts = {}
        self.jsons = {k: _json_indexes(k) for k in KINDS}
        for kind in kinds:  # every kind asked for has its table, even empty
            columns = COMMON + COLUMNS[kind]
            spec = ", ".join(('"%s" %s' % (c, t)).strip() for c, t in columns)
            self.con.execute('CREATE TABLE "%s" (%s)' % (kind, spec))
            self.inserts[kind] = 'INSERT INTO "%s" VALUES (%s)' % (
                kind,
                ", ".join("?" * len(columns)),
            )
            self.batches[kind] = []

    def add(self, kind: str, head: Tuple[Any, ...], values: Tuple[Any, ...]) -> None:
        row = head + values
        jsons = self.jsons[kind]
        if jsons:
            cells = list(row)
            for i in jsons:
                cells[i] = to_json(cells[i])
            row = tuple(cells)
        batch = self.batches[kind]
        batch.append(row)
        if len(batch) >= _SQLITE_BATCH:
            self.flush(kind)

    def flush(self, kind: str) -> None:
        self.con.executemany(self.inserts[kind], self.batches[kind])
        self.batches[kind] = []

    def finish(self) -> None:
        for kind in self.batches:
            self.flush(kind)
            # indexes built after the inserts: one sort instead of a b-tree update per row
            self.con.execute(
                'CREATE INDEX "%s_run_tag_step" ON "%s" (run, tag, step)' % (kind, kind)
            )
        self.con.commit()

    def close(self) -> None:
        self.con.close()


# -- export ------------------------------------------------------------------------------------


class ExportError(Exception):
    """An export refused before anything is written (``out`` exists, its folder does not)."""


def _looks_exported(folder: str) -> bool:
    """Whether a folder holds only what a csv export writes (so --force may replace it)."""
    names = set(os.listdir(folder))
    return names <= {k + ".csv" for k in KINDS} | {"media"}


def _check_target(out: str, fmt: str, media_dir: Optional[str], force: bool) -> None:
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise ExportError("cannot write %s: no such directory: %s" % (out, parent))
    if os.path.lexists(out):
        if not force:
            raise ExportError("%s exists (pass --force to replace it)" % out)
        if fmt == "csv" and not (os.path.isdir(out) and _looks_exported(out)):
            raise ExportError(
                "refusing to replace %s: it is not a csv export (only <kind>.csv files "
                "and media/)" % out
            )
        if fmt != "csv" and (not os.path.isfile(out) or "tfevents" in os.path.basename(out)):
            raise ExportError("refusing to replace %s: not a %s file" % (out, fmt))
    if media_dir and os.path.lexists(media_dir) and not force:
        raise ExportError("%s exists (pass --force to replace it)" % media_dir)


def _temp_name(path: str) -> str:
    head, tail = os.path.split(os.path.abspath(path))
    return os.path.join(head, ".%s.tmp-%d" % (tail, os.getpid()))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def _replace(temp: str, final: str) -> None:
    """Move ``temp`` to ``final``, replacing what is there (a folder too)."""
    if os.path.isdir(final) and not os.path.islink(final):
        trash = _temp_name(final) + ".old"
        os.rename(final, trash)
        os.rename(temp, final)
        shutil.rmtree(trash)
    else:
        os.replace(temp, final)


def _commit_media(writer: Optional[Media], final: str, force: bool) -> None:
    """Move the media written beside a jsonl/sqlite file to ``final`` (``OUT.media``); with
    ``force`` and no media this time, the old export's media go (stale beside the new one)."""
    if writer is not None and os.path.isdir(writer.root):
        _replace(writer.root, final)
    elif force and os.path.lexists(final):
        _remove(final)


def _open_sink(fmt: str, temp: str, kinds: Tuple[str, ...]) -> Any:
    if fmt == "csv":
        os.mkdir(temp)
        return _CsvSink(temp)
    if fmt == "jsonl":
        return _JsonlSink(temp)
    return _SqliteSink(temp, kinds)


def media_dir_of(out: str, fmt: str) -> str:
    """Where ``export(..., media=True)`` writes media files: ``OUT/media`` for csv (OUT is a
    folder), ``OUT.media`` beside a jsonl or sqlite file."""
    return os.path.join(out, "media") if fmt == "csv" else out + ".media"


def parse_kinds(kinds: Optional[Iterable[str]]) -> Tuple[str, ...]:
    """The kinds asked for, in KINDS order (all when None); ValueError names an unknown one."""
    if kinds is None:
        return KINDS
    asked = set(kinds)
    unknown = sorted(asked - set(KINDS))
    if unknown:
        raise ValueError(
            "kinds: unknown kind %s (choose from %s)" % (", ".join(unknown), ", ".join(KINDS))
        )
    return tuple(k for k in KINDS if k in asked)


def export(
    log_path: Union[str, os.PathLike[str]],
    out: Union[str, os.PathLike[str]],
    fmt: str,
    *,
    runs: Optional[str] = None,
    tags: Optional[str] = None,
    kinds: Optional[Iterable[str]] = None,
    media: bool = False,
    force: bool = False,
    errors: str = "raise",
    skipped: Optional[List[Any]] = None,
) -> Dict[str, int]:
    """Export every row of a log (``reader.iter_rows(..., convert_tensors=True)``) to ``out``
    in ``fmt`` (csv, jsonl or sqlite); return the number of rows per kind.

    Args:
        log_path: a log directory or one event file.
        out: the output: a folder for csv (one ``<kind>.csv`` per kind present), a file for
            jsonl and sqlite. Written under a temporary name and renamed at the end.
        fmt: "csv", "jsonl" or "sqlite".
        runs, tags: regexes (``re.search``) the run and tag must match; None for all.
        kinds: the kinds to export (default all seven).
        media: also write images and audio as files (see :func:`media_dir_of`); their path,
            relative to the folder holding ``out`` (to ``out`` for csv), is in column "path".
        force: replace an existing ``out`` (a csv folder only if it holds nothing else).
        errors, skipped: as for ``reader.iter_rows``.

    Raises:
        ExportError: ``out`` exists (without ``force``) or its folder does not.
        DecodeError: a corrupt record (with ``errors="raise"``); ``out`` is left untouched.
    """
    if fmt not in FORMATS:
        raise ValueError("fmt: %r is not one of %s" % (fmt, ", ".join(FORMATS)))
    chosen = parse_kinds(kinds)
    out = os.fspath(out)
    final_media = media_dir_of(out, fmt) if fmt != "csv" else None  # beside a file
    _check_target(out, fmt, final_media if media else None, force)
    temp = _temp_name(out)
    writer = None
    if media:  # csv: media/ inside the folder; jsonl, sqlite: OUT.media beside the file
        temp_media = os.path.join(temp, "media") if final_media is None else _temp_name(final_media)
        prefix = "media/" if final_media is None else os.path.basename(out) + ".media/"
        writer = Media(temp_media, prefix)
    counts = dict.fromkeys(chosen, 0)
    done = False
    sink = None
    try:
        sink = _open_sink(fmt, temp, chosen)
        rows = reader.iter_rows(
            log_path,
            kinds=chosen,
            runs=runs,
            tags=tags,
            convert_tensors=True,
            errors=errors,
            skipped=skipped,
        )
        for row in rows:
            kind = row.kind
            values = (row.value,) if kind == "scalars" else cells(kind, row, writer)
            sink.add(kind, (row.run, row.tag, row.step, row.wall_time), values)
            counts[kind] += 1
        if fmt == "sqlite":
            sink.finish()
        sink.close()
        sink = None
        if final_media is not None:
            _commit_media(writer, final_media, force)
        _replace(temp, out)
        done = True
    finally:
        if sink is not None:
            sink.close()
        if not done:
            _remove(temp)
            if writer is not None and final_media is not None:
                _remove(writer.root)
    return counts


# -- ls ----------------------------------------------------------------------------------------


def summarize(
    log_path: Union[str, os.PathLike[str]],
    *,
    runs: Optional[str] = None,
    tags: Optional[str] = None,
    kinds: Optional[Iterable[str]] = None,
    errors: str = "raise",
    skipped: Optional[List[Any]] = None,
) -> List[Dict[str, Any]]:
    """One dict per (run, kind, tag) of a log: ``run kind tag count first_step last_step
    last_wall_time`` (smallest and largest step, largest wall time; NaN times ignored).
    Runs in reading order, then kinds in KINDS order, then tags sorted.

    Args:
        log_path, runs, tags, kinds, errors, skipped: as for :func:`export`.
    """
    stats: Dict[Tuple[str, str, str], List[Any]] = {}
    run_order: Dict[str, int] = {}
    rows = reader.iter_rows(
        log_path,
        kinds=parse_kinds(kinds),
        runs=runs,
        tags=tags,
        convert_tensors=True,
        errors=errors,
        skipped=skipped,
    )
    for row in rows:
        key = (row.run, row.kind, row.tag)
        step, wall = row.step, row.wall_time
        entry = stats.get(key)
        if entry is None:
            run_order.setdefault(row.run, len(run_order))
            stats[key] = [1, step, step, wall if wall == wall else None]
            continue
        entry[0] += 1
        if step < entry[1]:
            entry[1] = step
        if step > entry[2]:
            entry[2] = step
        if wall == wall and (entry[3] is None or wall > entry[3]):
            entry[3] = wall
    order = sorted(stats, key=lambda k: (run_order[k[0]], KINDS.index(k[1]), k[2]))
    return [
        dict(
            run=run,
            kind=kind,
            tag=tag,
            count=stats[run, kind, tag][0],
            first_step=stats[run, kind, tag][1],
            last_step=stats[run, kind, tag][2],
            last_wall_time=stats[run, kind, tag][3],
        )
        for run, kind, tag in order
    ]


# -- check -------------------------------------------------------------------------------------


def event_files_below(path: Union[str, os.PathLike[str]]) -> List[str]:
    """``path`` itself when it is not a folder, else every event file below it in the
    readers' order: depth first over ``sorted(os.listdir())``, files and folders together,
    as tbparse walks. Event files are TensorBoard's: "tfevents" in the name, not ending in
    ".profile-empty" (io_wrapper.IsSummaryEventsFile)."""
    path = os.fspath(path)
    if "://" in path:  # a URL log (s3://bucket/run): the reader lists it through fsspec
        runs = reader.event_files(path)
        return [f for files in runs.values() for f in files] if runs else [path]
    if not os.path.isdir(path):
        return [path]
    found = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isdir(full):
            if not os.path.islink(full):  # a link back up would never end
                found.extend(event_files_below(full))
        elif "tfevents" in name and not name.endswith(".profile-empty"):
            found.append(full)
    return found


def check(path: Union[str, os.PathLike[str]]) -> Iterator[Tuple[str, int, Optional[Exception]]]:
    """``(file, records, error)`` for every event file at or below ``path`` (see
    :func:`reader.check_records`).

    Args:
        path: an event file or a folder.
    """
    for f in event_files_below(path):
        records, err = reader.check_records(f)
        yield f, records, err
