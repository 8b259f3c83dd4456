# SPDX-License-Identifier: MIT
"""``tinytb report``: a log directory as one self-contained HTML file that opens offline.

The file holds ``static/style.css`` in a ``<style>`` block, the data in
``<script type="application/json" id="tinytb-data">`` and ``static/app.js`` in a ``<script>``
block; ``app.js`` sees the data block and runs in report mode (routes by ``location.hash``,
smooths and reduces scalars itself with the algorithm of ``series.py``). A
``<meta http-equiv="Content-Security-Policy">`` lets only those two blocks run, by their
sha256 hashes, and images and audio load only from ``data:`` (and ``blob:``) URLs.

The data bundle is the design note's "Report mode" (the same JSON as the server's API,
built by ``payloads``):
``{"mode": "report", "generated", "title", "index", "scalars", "images", "audio",
"histograms", "text", "hparams"}``. Scalars are kept at full resolution, each column base64 of
float64 little-endian (steps too: exact up to 2**53). Non-finite floats elsewhere are the
strings "NaN", "Infinity", "-Infinity" (JSON has none), as the server writes them.

Nothing in a logged string can end the data block: the JSON is ASCII with ``<``, ``>`` and
``&`` written as ``\\u003c``, ``\\u003e``, ``\\u0026``; text is rendered by ``markdown`` (safe
HTML) as for the server.

Media budget (``max_media_bytes``, counted in characters of the data URIs, about 4/3 of the
encoded bytes): first the latest item of every (kind, tag, run) series (images before audio,
tags and runs sorted), then the other items newest first, one from each series in turn; every
sample gets a ``data:`` URI until the next one would pass the budget, and from there on every
sample has ``"src": null`` (shown as "not in the report"). A sample whose bytes are not a known
image or WAV format, or that cannot be read any more, is null too and costs nothing.

The file is written to a temporary file in the target's folder and renamed over it: a reader
never sees half a report, and a failure leaves nothing behind.
"""

from __future__ import annotations

import base64
import datetime
import errno
import hashlib
import html
import json
import os
import sys
import tempfile
from array import array

from . import payloads
from .store import Store

TYPE_CHECKING = False  # typing is not imported at run time (see tinytb/_stream.py)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

__all__ = ["write_report", "build_report", "DEFAULT_MAX_MEDIA_BYTES"]

DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")

# Inside <script type="application/json">, "</script" or "<!--" would end or confuse the
# element (HTML's script data states): no '<' (nor '>', '&') is left raw.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def write_report(
    logdir: str,
    out: str,
    *,
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
    title: Optional[str] = None,
) -> None:
    """Write the report of ``logdir`` to ``out`` (replaced atomically if it exists).

    Args:
        logdir: the log directory (must exist).
        out: the HTML file to write.
        max_media_bytes: the budget of the images' and audio's data URIs, in bytes of the
            file (see the module docstring for which samples get it); 0 keeps no media.
        title: the page title; default "tinytb report: <logdir's name>".

    Raises:
        TypeError, ValueError: a bad ``max_media_bytes`` or ``title``.
        FileNotFoundError: ``logdir`` is not a directory.
        OSError: ``out`` cannot be written (nothing is left behind).
    """
    if isinstance(max_media_bytes, bool) or not isinstance(max_media_bytes, int):
        raise TypeError("max_media_bytes must be an int, got %s" % type(max_media_bytes).__name__)
    if max_media_bytes < 0:
        raise ValueError("max_media_bytes must be 0 or more, got %d" % max_media_bytes)
    if title is not None and not isinstance(title, str):
        raise TypeError("title must be a str or None, got %s" % type(title).__name__)
    logdir = os.fspath(logdir)
    if not os.path.isdir(logdir):
        raise FileNotFoundError(errno.ENOENT, "no such log directory", logdir)
    store = Store(logdir)
    store.refresh()
    page = build_report(store, max_media_bytes=max_media_bytes, title=title)
    _write_atomically(os.fspath(out), page)


def build_report(
    store: Any, *, max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES, title: Optional[str] = None
) -> bytes:
    """The report page of what ``store`` holds now, as UTF-8 bytes.

    Args:
        store: a refreshed :class:`~tinytb.viewer.store.Store` (or an object with its
            accessors).
        max_media_bytes: the data-URI budget of images and audio (see the module docstring).
        title: the page title (default from the store's log directory name).
    """
    name = payloads.logdir_name(store)
    if title is None:
        title = "tinytb report: " + (name or "log")
    bundle = bundle_of(store, max_media_bytes, title)
    return page_of(bundle, title, _static("style.css"), _static("app.js"))


def bundle_of(store: Any, max_media_bytes: int, title: str) -> Dict[str, Any]:
    """The report's data bundle (the design note's "Report mode" JSON, before encoding).

    Args:
        store: a refreshed Store.
        max_media_bytes: the data-URI budget of images and audio.
        title: the page title (kept in the bundle as "title").
    """
    index = payloads.index(store, 0)  # a report never polls
    tags = index["tags"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    bundle = {
        "mode": "report",
        "generated": now.isoformat().replace("+00:00", "Z"),
        "title": title,
        "index": index,
        "scalars": _scalars(store, tags.get("scalars", {})),
        "images": _media(store, "images", tags.get("images", {})),
        "audio": _media(store, "audio", tags.get("audio", {})),
        "histograms": {
            tag: payloads.histograms(store, tag, runs)
            for tag, runs in tags.get("histograms", {}).items()
        },
        "text": {
            tag: payloads.text(store, tag, runs) for tag, runs in tags.get("text", {}).items()
        },
        "hparams": payloads.hparams(store),
    }
    _embed_media(store, bundle, max_media_bytes)
    return bundle


def page_of(bundle: Dict[str, Any], title: str, css: str, script: str) -> bytes:
    """The HTML page: CSP meta, the style sheet, the data block, the script.

    Args:
        bundle: the data bundle (JSON-able; non-finite floats are mapped to strings here).
        title: the page title (escaped here).
        css: the style sheet text, inlined as it is.
        script: the script text, inlined as it is.

    Raises:
        ValueError: the style sheet or the script holds text that would end its element early
            (``</style``, ``</script``, ``<!--``): inlined, it would break the page.
    """
    for text, closing in ((css, "</style"), (script, "</script"), (script, "<!--")):
        if closing in text.lower():
            raise ValueError("static file holds %r: it cannot be inlined" % closing)
    csp = (
        "default-src 'none'; script-src '%s'; style-src '%s'; img-src data: blob:; "
        "media-src data: blob:; base-uri 'none'; form-action 'none'"
        % (csp_hash(script), csp_hash(css))
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        # the policy has no '"' (fixed words and base64): written as it is, quotes and all
        '<meta http-equiv="Content-Security-Policy" content="%s">\n' % csp,
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<title>%s</title>\n" % html.escape(title),
        '<link rel="icon" href="data:,">\n',
        "<style>%s</style>\n</head>\n<body>\n" % css,
        '<script type="application/json" id="tinytb-data">%s</script>\n' % encode_json(bundle),
        "<script>%s</script>\n</body>\n</html>\n" % script,
    ]
    return "".join(parts).encode("utf-8")


def csp_hash(text: str) -> str:
    """CSP's hash source of an inline block: 'sha256-' + base64 of SHA-256 of its UTF-8 text
    (CSP Level 3, "Does element match source list for type and source?").

    Args:
        text: the exact text between the element's tags.
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def encode_json(value: Any) -> str:
    """JSON safe inside a script element: ASCII only, '<', '>' and '&' as \\u escapes,
    non-finite floats as the strings "NaN", "Infinity", "-Infinity".

    Args:
        value: dicts, lists, tuples, strings, numbers, bools and None.
    """
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a NaN or infinity somewhere: map them (the common case skips the walk)
        text = json.dumps(payloads.finite(value), allow_nan=False, separators=(",", ":"))
    return text.translate(_JSON_ESCAPES)


def _static(name: str) -> str:
    with open(os.path.join(STATIC_DIR, name), encoding="utf-8") as f:
        return f.read()


def _b64_float64(values: Any) -> str:
    """base64 of ``values`` as float64 little-endian (what app.js decodes)."""
    column = values if isinstance(values, array) and values.typecode == "d" else array("d", values)
    if sys.byteorder != "little":
        column = array("d", column)
        column.byteswap()
    return base64.b64encode(column.tobytes()).decode("ascii")


def _scalars(store: Any, tags: Dict[str, List[str]]) -> Dict[str, Any]:
    out = {}
    for tag, runs in tags.items():
        series = []
        for run in runs:
            columns = store.scalars(run, tag)
            if columns is None:
                continue
            steps, walls, values = columns
            series.append(
                {
                    "run": run,
                    "step": _b64_float64(steps),
                    "wall_time": _b64_float64(walls),
                    "value": _b64_float64(values),
                }
            )
        out[tag] = {"series": series}
    return out


def _media(store: Any, kind: str, tags: Dict[str, List[str]]) -> Dict[str, Any]:
    """As /api/images or /api/audio per tag, every item with "src": [None] * samples (filled
    later by :func:`_embed_media`)."""
    out = {}
    for tag, runs in tags.items():
        listing = payloads.media(store, kind, tag, runs)
        for series in listing["series"]:
            for item in series["items"]:
                item["src"] = [None] * item["samples"]
        out[tag] = listing
    return out


def media_order(bundle: Dict[str, Any]) -> List[Tuple[str, str, str, Dict[str, Any]]]:
    """``(kind, tag, run, item)`` in the order the media budget is spent: the latest item of
    every series first (images, then audio; tags and runs sorted), then the others newest
    first, one from each series in turn.

    Args:
        bundle: a bundle from :func:`bundle_of` (its "images" and "audio").
    """
    ranked = []
    for k, kind in enumerate(("images", "audio")):
        for tag in sorted(bundle[kind]):
            for series in sorted(bundle[kind][tag]["series"], key=lambda s: s["run"]):
                items = series["items"]
                for age, item in enumerate(reversed(items)):
                    ranked.append(((age, k, tag, series["run"]), item))
    ranked.sort(key=lambda pair: pair[0])
    return [(("images", "audio")[key[1]], key[2], key[3], item) for key, item in ranked]


def _embed_media(store: Any, bundle: Dict[str, Any], budget: int) -> None:
    """Fill in the "src" lists: data URIs in :func:`media_order` until the budget is spent."""
    used = 0
    for kind, tag, run, item in media_order(bundle):
        for sample in range(len(item["src"])):
            data = store.blob(kind, run, tag, item["index"], sample)
            mime = payloads.blob_type(data) if data is not None else None
            if mime is None or (kind == "images") != mime.startswith("image/"):
                continue  # unknown or unreadable bytes: never embedded, cost nothing
            uri = "data:%s;base64,%s" % (mime, base64.b64encode(data).decode("ascii"))
            if used + len(uri) > budget:
                return  # the budget is spent: this and every later sample stay null
            used += len(uri)
            item["src"][sample] = uri


def _write_atomically(path: str, data: bytes) -> None:
    """``data`` to ``path`` through a temporary file in the same folder and ``os.replace``:
    readers see the old file or the whole new one; on failure the temporary file goes."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(
            dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
        )
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600; a report is an ordinary file (0666 less the umask)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise OSError(
            err.errno, "cannot write the report: %s" % (err.strerror or err), path
        ) from err
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
