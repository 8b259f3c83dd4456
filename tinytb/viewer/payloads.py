# SPDX-License-Identifier: MIT
"""The viewer's JSON payloads, built from a ``Store``: the one owner of the shapes that the
server's API sends (``/api/index``, ``/api/images``, ``/api/audio``, ``/api/histograms``,
``/api/text``, ``/api/hparams``) and that the report embeds in its data bundle, so the page
reads the same JSON in both modes (the design note's "HTTP API" and "Report mode").

Pure functions: nothing here reads a file or a socket except through the store's accessors;
encoding (``server.to_json``, ``report.encode_json``) stays with the callers, which map
non-finite floats with :func:`finite` (JSON has no NaN). Which runs a payload covers is the
caller's choice (the server filters by ``run=``; the report takes every run having the tag).
"""

from __future__ import annotations

import math
import os

from . import markdown

TYPE_CHECKING = False  # typing is not imported at run time (see tinytb/_stream.py)
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional

__all__ = [
    "finite",
    "blob_type",
    "spread",
    "logdir_name",
    "index",
    "media",
    "histograms",
    "text",
    "hparams",
    "DEFAULT_HISTOGRAMS",
]

DEFAULT_HISTOGRAMS = 50  # histogram events per run: /api/histograms' default max, the report's
# The fields of a media item after its "index", in the order the JSON gives them.
MEDIA_FIELDS = {
    "images": ("step", "wall_time", "samples", "width", "height"),
    "audio": ("step", "wall_time", "samples", "sample_rate", "length_frames"),
}
# Leading bytes -> content type of a blob (file signatures of each format's spec); anything
# else is sent as an attachment, never rendered (an SVG or HTML "image" could run script), and
# never embedded in a report.
MAGIC_TYPES = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),  # PNG spec 5.2
    (0, b"GIF87a", "image/gif"),  # GIF89a spec, Header block
    (0, b"GIF89a", "image/gif"),
    (0, b"\xff\xd8\xff", "image/jpeg"),  # SOI marker, then another marker
    (8, b"WEBP", "image/webp"),  # RIFF container, form type WEBP
    (8, b"WAVE", "audio/wav"),  # RIFF container, form type WAVE
    (0, b"BM", "image/bmp"),  # BITMAPFILEHEADER bfType
)
_RIFF = b"RIFF"  # the container the form types at offset 8 sit in
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by "NaN", "Infinity" or "-Infinity"
    (through dicts, lists and tuples; tuples become lists, as JSON writes them).

    Args:
        value: dicts, lists, tuples, strings, numbers, bools and None.
    """
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if value != value else _NON_FINITE[value]
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def blob_type(data: bytes) -> Optional[str]:
    """The content type a blob's leading bytes announce, or None (an unknown format).

    Args:
        data: the encoded image or audio.
    """
    for at, magic, kind in MAGIC_TYPES:
        if data[at : at + len(magic)] == magic:
            if at == 8 and data[:4] != _RIFF:
                continue
            return kind
    return None


def spread(n: int, k: int) -> List[int]:
    """At most ``k`` indices of ``n`` items, evenly spaced, first and last kept (k >= 2).

    Args:
        n: how many items there are.
        k: how many to keep at most (>= 1; with 1, the last).
    """
    if n <= k:
        return list(range(n))
    if k == 1:
        return [n - 1]
    return sorted({(i * (n - 1) + (k - 1) // 2) // (k - 1) for i in range(k)})


def logdir_name(store: Any) -> str:
    """The name of the store's log directory (its last path part; "" when it has none).

    Args:
        store: a ``Store`` (its ``logdir``; any object without one gives "").
    """
    logdir = getattr(store, "logdir", "") or ""
    return os.path.basename(os.path.normpath(os.path.abspath(logdir))) if logdir else ""


def index(store: Any, reload: float) -> Dict[str, Any]:
    """``/api/index``: generation, log directory name, poll interval, runs, tags, whether
    there are hparams sessions, and the files with bad records.

    Args:
        store: a ``Store`` (read as it is: refreshing is the caller's business).
        reload: seconds the client should wait between polls (the report sends 0: no polls).
    """
    return {
        "generation": store.generation,  # read first: the rest can only be as new or newer
        "logdir": logdir_name(store),
        "reload": reload,
        "runs": store.runs(),
        "tags": store.tags(),
        "hparams": store.has_hparams(),
        "errors": [
            {"file": f, "offset": offset, "message": message}
            for f, offset, message in store.errors()
        ],
    }


def media(store: Any, kind: str, tag: str, runs: Iterable[str]) -> Dict[str, Any]:
    """``/api/images`` or ``/api/audio``: each run's items of ``tag`` (the blobs are fetched,
    or embedded, separately by item index and sample).

    Args:
        store: a ``Store`` (``items(kind, run, tag)``).
        kind: "images" or "audio".
        tag: the tag.
        runs: the runs to include, in order.
    """
    fields = MEDIA_FIELDS[kind]
    out = []
    for run in runs:
        items = []
        for i, item in enumerate(store.items(kind, run, tag)):
            entry = {"index": i}  # type: Dict[str, Any]
            entry.update((f, getattr(item, f)) for f in fields)
            items.append(entry)
        out.append({"run": run, "items": items})
    return {"tag": tag, "series": out}


def histograms(
    store: Any, tag: str, runs: Iterable[str], most: int = DEFAULT_HISTOGRAMS
) -> Dict[str, Any]:
    """``/api/histograms``: at most ``most`` events of each run, evenly spaced (:func:`spread`),
    each with its buckets as ``[left, right, count]`` and their overall min and max.

    Args:
        store: a ``Store`` (``histograms(run, tag)``).
        tag: the histogram tag.
        runs: the runs to include, in order.
        most: events kept per run at the most (>= 1).
    """
    out = []
    for run in runs:
        events = store.histograms(run, tag)
        items = []
        for i in spread(len(events), most):
            step, wall_time, buckets = events[i]
            items.append(
                {
                    "step": step,
                    "wall_time": wall_time,
                    "min": buckets[0][0] if buckets else None,
                    "max": buckets[-1][1] if buckets else None,
                    "buckets": [list(b) for b in buckets],
                }
            )
        out.append({"run": run, "items": items})
    return {"tag": tag, "series": out}


def text(store: Any, tag: str, runs: Iterable[str]) -> Dict[str, Any]:
    """``/api/text``: each event's text as safe HTML (``markdown.render_text``).

    Args:
        store: a ``Store`` (``text(run, tag)``).
        tag: the text tag.
        runs: the runs to include, in order.
    """
    out = []
    for run in runs:
        items = [
            {"step": step, "wall_time": wall_time, "html": markdown.render_text(value)}
            for step, wall_time, value in store.text(run, tag)
        ]
        out.append({"run": run, "items": items})
    return {"tag": tag, "series": out}


def hparams(store: Any) -> Dict[str, Any]:
    """``/api/hparams``: the store's hparams sessions as they are (``Store.hparams``).

    Args:
        store: a ``Store``.
    """
    return store.hparams()
