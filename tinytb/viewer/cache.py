# SPDX-License-Identifier: MIT
"""An on-disk cache of what the viewer's store decoded from each event file, so that
``tinytb serve`` restarted on a log it has read before does not decode it all again.

One folder per log directory (``<cache dir>/viewer/<hash of the log dir's realpath>``), one
entry file per event file (named by a hash of its path relative to the log dir). An entry holds
what reading the file from byte 0 to ``end`` gave (the store's per-file chunk: scalar arrays,
rows of the other kinds, hparams, the bad record that stopped it) and what reading further
needs (the per-tag plugin metadata seen so far), with the file's identity when it was read:
``(size, mtime_ns, inode, device)`` and a CRC-32 of the up to ``WINDOW`` bytes before ``end``.
The store takes an entry only when the file is the same (identity equal) or only grew (same
inode and device, larger) and the window's CRC still matches; then it reads the file on from
``end``. In any doubt it reads the file from 0 as without a cache.

An entry file is untrusted input: ``HEADER`` (magic, format version, marshal version, byte
order, payload length, SHA-256 of the payload) then the payload, a ``marshal`` dump of plain
tuples, dicts, lists, str, bytes, int, float, bool and None (never pickle: loading it cannot
run code). Arrays are their raw bytes in this machine's byte order (``array.tobytes``; the
header's byte order must match). Anything that does not check out -- short, garbage, another
version, a wrong type or length anywhere -- is "no entry": :func:`load` returns None and never
raises. Entries are written best-effort and atomically (a temporary file in the same folder,
then ``os.replace``): a cache that cannot be written costs nothing but the time saved.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import sys
import time
from array import array

from .._values import Array

TYPE_CHECKING = False  # typing is not imported at run time (see store.py)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

__all__ = ["default_dir", "log_folder", "encode", "decode", "load", "save", "prune", "Entry"]

# Entry file header: magic, format version (bump on any change of the payload's layout),
# marshal.version, byte order (0 little, 1 big), 3 zero bytes, payload length, SHA-256 of it.
HEADER = struct.Struct("<4sIIB3sQ32s")
_PAD = bytes(3)
MAGIC = b"TTBC"
VERSION = 1
_ORDER = 0 if sys.byteorder == "little" else 1
#: The bytes before an entry's ``end`` whose CRC-32 must still match for the entry to be used.
WINDOW = 64 << 10
#: Entry files end with this (other files in the folder are left alone, temporaries go).
SUFFIX = ".tbc"
_TEMP = ".tmp"
# A temporary file this old (seconds) is one a writer left behind: prune() removes it.
STALE_TEMP = 3600
_KINDS = ("images", "audio", "histograms", "text")
# Array typecodes of a scalar series' columns (steps, wall times, values): 8 bytes each.
_COLUMNS = ("q", "d", "d")


def default_dir() -> str:
    """The tinytb cache folder: ``$TINYTB_CACHE_DIR``, else ``$XDG_CACHE_HOME/tinytb`` (when
    absolute, as the XDG spec asks), else ``~/.cache/tinytb``. The viewer keeps its entries
    in a "viewer" folder below it."""
    got = os.environ.get("TINYTB_CACHE_DIR")
    if got:
        return got
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "tinytb")
    return os.path.join(os.path.expanduser("~"), ".cache", "tinytb")


def log_folder(cache_dir: str, logdir: str) -> Optional[str]:
    """The folder of ``logdir``'s entries under ``cache_dir``; None when it would be inside
    the log directory (the viewer never writes there).

    Args:
        cache_dir: the cache folder (see :func:`default_dir`).
        logdir: the log directory (or single event file) the store reads.
    """
    real = os.path.realpath(logdir)
    name = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    folder = os.path.join(os.path.realpath(cache_dir), "viewer", name)
    if folder == real or folder.startswith(real.rstrip(os.sep) + os.sep):
        return None
    return folder


def entry_name(rel: str) -> str:
    """The entry file name of an event file.

    Args:
        rel: the event file's path relative to the log dir.
    """
    return hashlib.sha256(os.fsencode(rel)).hexdigest()[:32] + SUFFIX


class Entry:
    """A decoded entry: plain, checked values (see :func:`decode`). ``scalars``: tag ->
    (steps, wall times, values) arrays; ``images``/``audio``: tag -> (steps, item tuples,
    (offset, length, index) of each record); ``histograms``/``text``: tag -> (steps, rows)."""

    __slots__ = (
        "ident", "end", "tail", "plugin", "content", "error", "dead",
        "scalars", "images", "audio", "histograms", "text", "session", "experiment",
    )  # fmt: skip

    def __init__(self, ident: Tuple[int, int, int, int], end: int, tail: Tuple[int, int],
                 plugin: Dict[str, str], content: Dict[str, Dict[str, bytes]],
                 error: Any, dead: bool) -> None:  # fmt: skip
        self.ident = ident
        self.end = end
        self.tail = tail
        self.plugin = plugin
        self.content = content
        self.error: Optional[Tuple[Optional[int], str]] = error
        self.dead = dead
        self.scalars: Dict[str, Tuple[array, array, array]] = {}
        self.images: Dict[str, Tuple[array, List[Any], List[Any]]] = {}
        self.audio: Dict[str, Tuple[array, List[Any], List[Any]]] = {}
        self.histograms: Dict[str, Tuple[array, List[Any]]] = {}
        self.text: Dict[str, Tuple[array, List[Any]]] = {}
        self.session: Optional[Dict[str, Any]] = None
        self.experiment: Optional[Tuple[List[str], List[Tuple[str, str]]]] = None


# -- encoding ----------------------------------------------------------------------------------


def encode(logdir: str, rel: str, chunk: Any) -> bytes:
    """The entry file of one chunk of the store (read from byte 0): header and payload.

    Args:
        logdir: the log directory's realpath (kept in the entry and checked on load).
        rel: the event file's path relative to it.
        chunk: the store's ``_Chunk`` (with ``ident`` and ``tail`` set).
    """
    plugins = chunk.plugins
    content = plugins.content
    data = (
        {tag: (s.steps.tobytes(), s.walls.tobytes(), s.values.tobytes())
         for tag, s in chunk.scalars.items()},
        _rows_out(chunk.images, True),
        _rows_out(chunk.audio, True),
        {tag: (r.steps.tobytes(), [(s, w, [tuple(b) for b in bs]) for s, w, bs in r.rows])
         for tag, r in chunk.histograms.items()},
        {tag: (r.steps.tobytes(), [(s, w, _text_out(v)) for s, w, v in r.rows])
         for tag, r in chunk.text.items()},
        chunk.session,
        None if chunk.experiment is None
        else (list(chunk.experiment[0]), [tuple(m) for m in chunk.experiment[1]]),
    )  # fmt: skip
    payload = marshal.dumps(
        (
            logdir,
            rel,
            tuple(chunk.ident),
            chunk.end,
            tuple(chunk.tail),
            dict(plugins.plugin),
            {name: {t: bytes(c) for t, c in tags.items()} for name, tags in content.items()},
            None if chunk.error is None else tuple(chunk.error),
            bool(chunk.dead),
            data,
        )
    )
    digest = hashlib.sha256(payload).digest()
    head = HEADER.pack(MAGIC, VERSION, marshal.version, _ORDER, _PAD, len(payload), digest)
    return head + payload


def _rows_out(table: Dict[str, Any], media: bool) -> Dict[str, Any]:
    """Images or audio: steps, items as tuples, and where each record is (offset, length,
    value index; the path is the store's to give again)."""
    return {
        tag: (r.steps.tobytes(), [tuple(item) for item in r.rows], [loc[1:] for loc in r.locs])
        for tag, r in table.items()
    }


def _text_out(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return (value.dtype, tuple(value.shape), list(value.data))


# -- decoding ----------------------------------------------------------------------------------


class _Bad(Exception):
    """An entry that does not check out."""


def _need(ok: bool) -> None:
    if not ok:
        raise _Bad()


def decode(blob: bytes, logdir: str, rel: str) -> Optional[Entry]:
    """The :class:`Entry` in an entry file's bytes, or None when anything about it is off
    (never raises).

    Args:
        blob: the file's bytes.
        logdir: the log directory's realpath the entry must be of.
        rel: the event file's path relative to it.
    """
    try:
        return _decode(blob, logdir, rel)
    except Exception:  # untrusted bytes: whatever goes wrong, there is no entry
        return None


def _decode(blob: bytes, logdir: str, rel: str) -> Entry:
    _need(len(blob) >= HEADER.size)
    magic, version, marshal_version, order, pad, size, digest = HEADER.unpack_from(blob)
    _need((magic, version, marshal_version, order) == (MAGIC, VERSION, marshal.version, _ORDER))
    _need(pad == _PAD)
    payload = memoryview(blob)[HEADER.size :]
    _need(len(payload) == size and hashlib.sha256(payload).digest() == digest)
    top = marshal.loads(payload)
    _need(type(top) is tuple and len(top) == 10)
    where, name, ident, end, tail, plugin, content, error, dead, data = top
    _need(where == logdir and name == rel and _ints(ident, 4) and _ints(tail, 2))
    _need(type(end) is int and 0 <= tail[0] <= WINDOW and tail[0] <= end)
    _need(_dict_of(plugin, str) and type(content) is dict and type(dead) is bool)
    _need(all(type(k) is str and _dict_of(v, bytes) for k, v in content.items()))
    _need(error is None or (type(error) is tuple and len(error) == 2 and type(error[1]) is str))
    _need(error is None or error[0] is None or type(error[0]) is int)
    _need(type(data) is tuple and len(data) == 7)
    scalars, images, audio, histograms, text, session, experiment = data
    _need(_plain(session) and (session is None or _dict_of(session, object)))
    if experiment is not None:
        _need(type(experiment) is tuple and len(experiment) == 2)
        names, metrics = experiment
        _need(type(names) is list and all(type(n) is str for n in names))
        _need(type(metrics) is list and all(_strs(m, 2) for m in metrics))
        experiment = (names, metrics)
    entry = Entry(ident, end, tail, plugin, content, error, dead)
    entry.scalars = _scalars_in(scalars)
    entry.images, entry.audio = _media_in(images, 7), _media_in(audio, 7)
    entry.histograms = _rows_in(histograms, _buckets_ok)
    entry.text = _rows_in(text, _text_ok)
    entry.session, entry.experiment = session, experiment
    return entry


def _ints(value: Any, n: int) -> bool:
    return type(value) is tuple and len(value) == n and all(type(x) is int for x in value)


def _strs(value: Any, n: int) -> bool:
    return type(value) is tuple and len(value) == n and all(type(x) is str for x in value)


def _dict_of(value: Any, kind: type) -> bool:
    return type(value) is dict and all(
        type(k) is str and (kind is object or type(v) is kind) for k, v in value.items()
    )


def _plain(value: Any) -> bool:
    """Whether ``value`` is None, bool, int, float, str or lists/dicts (str keys) of them:
    an hparam value."""
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) is list:
        return all(_plain(v) for v in value)
    return type(value) is dict and all(type(k) is str and _plain(v) for k, v in value.items())


def _array(typecode: str, raw: Any) -> array:
    _need(type(raw) is bytes and len(raw) % 8 == 0)
    out = array(typecode)
    out.frombytes(raw)
    return out


def _scalars_in(table: Any) -> Dict[str, Tuple[array, array, array]]:
    _need(type(table) is dict)
    out = {}
    for tag, columns in table.items():
        _need(type(tag) is str and type(columns) is tuple and len(columns) == 3)
        steps, walls, values = (_array(c, raw) for c, raw in zip(_COLUMNS, columns))
        _need(len(steps) == len(walls) == len(values))
        out[tag] = (steps, walls, values)
    return out


def _steps_rows(tag: Any, entry: Any) -> Tuple[array, Any]:
    _need(type(tag) is str and type(entry) is tuple and len(entry) >= 2)
    steps = _array("q", entry[0])
    rows = entry[1]
    _need(type(rows) is list and len(rows) == len(steps))
    previous = None
    for step, row in zip(steps, rows):
        # every row starts with its step (int) and wall time (float); steps strictly increase
        _need(type(row) is tuple and len(row) >= 2 and row[0] == step and type(row[1]) is float)
        _need(type(row[0]) is int and (previous is None or step > previous))
        previous = step
    return steps, rows


def _media_in(table: Any, width: int) -> Dict[str, Tuple[array, List[Any], List[Any]]]:
    _need(type(table) is dict)
    out = {}
    for tag, entry in table.items():
        steps, rows = _steps_rows(tag, entry)
        _need(len(entry) == 3 and type(entry[2]) is list and len(entry[2]) == len(rows))
        for row, loc in zip(rows, entry[2]):
            _need(len(row) == width and all(type(x) in (int, float) for x in row[2:]))
            _need(_ints(loc, 3))
        out[tag] = (steps, rows, entry[2])
    return out


def _buckets_ok(row: tuple) -> bool:
    return (
        len(row) == 3
        and type(row[2]) is list
        and all(
            type(b) is tuple and len(b) == 3 and all(type(x) is float for x in b) for b in row[2]
        )
    )


def _text_ok(row: tuple) -> bool:
    if len(row) != 3:
        return False
    value = row[2]
    if type(value) is str:
        return True
    if not (type(value) is tuple and len(value) == 3 and type(value[0]) is str):
        return False
    shape, items = value[1], value[2]
    if not (type(shape) is tuple and all(type(n) is int and n >= 0 for n in shape)):
        return False
    count = 1
    for n in shape:
        count *= n
    return type(items) is list and len(items) == count and all(type(x) is str for x in items)


def _rows_in(table: Any, ok: Any) -> Dict[str, Tuple[array, List[Any]]]:
    _need(type(table) is dict)
    out = {}
    for tag, entry in table.items():
        steps, rows = _steps_rows(tag, entry)
        _need(len(entry) == 2 and all(ok(row) for row in rows))
        if ok is _text_ok:
            rows = [r if type(r[2]) is str else (r[0], r[1], Array(*r[2])) for r in rows]
        out[tag] = (steps, rows)
    return out


# -- files -------------------------------------------------------------------------------------


def load(folder: str, logdir: str, rel: str) -> Optional[Entry]:
    """The entry of an event file, or None (none, unreadable, or not checking out).

    Args:
        folder: the log directory's cache folder (:func:`log_folder`).
        logdir: the log directory's realpath.
        rel: the event file's path relative to it.
    """
    try:
        with open(os.path.join(folder, entry_name(rel)), "rb") as f:
            blob = f.read()
    except (OSError, ValueError):
        return None
    return decode(blob, logdir, rel)


def save(folder: str, entries: List[Tuple[str, bytes]], keep: List[str]) -> bool:
    """Write entry files (each atomically) and remove the folder's entries of files that are
    not in the log any more; best-effort: False when something could not be done.

    Args:
        folder: the log directory's cache folder (:func:`log_folder`).
        entries: ``(rel, encode(...))`` of each file to write.
        keep: the paths (relative to the log dir) of every event file there now.
    """
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return False
    ok = True
    for rel, blob in entries:
        ok = _write(os.path.join(folder, entry_name(rel)), blob) and ok
    return prune(folder, keep) and ok


def _write(path: str, blob: bytes) -> bool:
    import tempfile  # only when writing (it imports random, shutil...)

    temp = None
    try:
        fd, temp = tempfile.mkstemp(suffix=_TEMP, dir=os.path.dirname(path))  # mode 0600
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(temp, path)
        return True
    except OSError:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
        return False


def prune(folder: str, keep: List[str]) -> bool:
    """Remove the entries of ``folder`` that are not those of ``keep`` (paths relative to the
    log dir); False when something could not be removed.

    Args:
        folder: the log directory's cache folder.
        keep: the paths of the event files there now.
    """
    wanted = {entry_name(rel) for rel in keep}
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    ok = True
    for name in names:
        path = os.path.join(folder, name)
        try:
            if name.endswith(SUFFIX) and name not in wanted:
                os.unlink(path)
            elif name.endswith(_TEMP) and os.stat(path).st_mtime < time.time() - STALE_TEMP:
                os.unlink(path)  # left by a process that died while writing
        except OSError:
            ok = False
    return ok
