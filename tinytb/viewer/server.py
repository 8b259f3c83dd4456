# SPDX-License-Identifier: MIT
"""``tinytb serve``: the viewer's HTTP server, on ``http.server`` alone.

Read-only and local by design: only GET and HEAD (405 for any other method), every page and
static file from a fixed table of package files (a request's path is looked up, never joined to
a folder, so traversal in any encoding is a 404), a ``Host`` check against DNS rebinding (403),
the same security headers on every response. The API is the one the design note gives
(``/api/index``, ``/api/scalars`` (binary), ``/api/scalars.csv``, ``/api/images``,
``/api/audio``, ``/api/blob``, ``/api/histograms``, ``/api/text``, ``/api/hparams``); what it
serves comes from a ``Store`` (``store.py``), refreshed by ``/api/index`` when the last refresh
is over a second old; its JSON shapes are built by ``payloads.py`` (shared with the report).
"""

from __future__ import annotations

import array
import collections
import http.server
import json
import math
import operator
import os
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

from . import payloads, series

TYPE_CHECKING = False  # typing is not imported at run time (see tinytb/__main__.py)
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

    Response = Tuple[int, bytes, str, List[Tuple[str, str]]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Sent with every response, errors included (added in end_headers).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", CSP),
)
NO_STORE = ("Cache-Control", "no-store")  # every /api/ response: live data is never cached
STATIC_CACHE = ("Cache-Control", "no-cache")  # pages and static files: revalidate each time

# The dashboards, each at its own path; every one is index.html (the script routes by path).
PAGES = frozenset(("/", "/scalars", "/images", "/histograms", "/text", "/audio", "/hparams"))
INDEX_FILE = ("index.html", "text/html; charset=utf-8")
# Request path -> (file name in static/, content type). The only files ever read for a request.
STATIC = {
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")

JSON_TYPE = "application/json"
REFRESH_AFTER = 1.0  # seconds: /api/index refreshes the store when the last one is older
DEFAULT_RELOAD = 5.0  # seconds between the client's polls of /api/index
MAX_QUERY_FIELDS = 1000

# /api/scalars body (docs/viewer.md, "The scalars response"): b"TTBS", uint32 LE header length
# H, H bytes of UTF-8 JSON, zero padding to a multiple of 8 (so a Float64Array can view the
# data in place), then per series, little-endian: the steps as float64 (left out when the
# header gives "step_start" and "step_stride": steps that go up by a fixed stride, the usual
# case, cost nothing), wall_time float64, the smoothed values as float64 (only when the
# header says "smoothed": true: a series reduced to fit the chart, smoothed here over all its
# points first; a series sent whole is smoothed by the page with the same function), value as
# float32 when the header says "value_bytes": 4 (every value exactly a float32, as
# simple_value always is) else float64, zero padding to a multiple of 8. A page of 100 runs x
# 1,000 points is 12 bytes a point rather than 32, and the server smooths nothing for it:
# both were most of a first open's time.
SCALARS_MAGIC = b"TTBS"
SCALARS_LENGTH = struct.Struct("<I")
SCALARS_ALIGN = 8
AXES = ("step", "relative", "wall")
DEFAULT_SMOOTHING = 0.6  # TensorBoard's default
MAX_SMOOTHING = 0.999
DEFAULT_WIDTH = 1000
MAX_WIDTH = 10000
MAX_HISTOGRAMS = 10000
MEDIA_KINDS = ("images", "audio")
# /api/scalars bodies kept for a reopen or a second tab: keyed by the store's generation (bumped
# by every refresh that finds anything new), so a cached body is never older than the data.
CACHE_BYTES = 64 * 1024 * 1024

CSV_NAME = re.compile(r"[^A-Za-z0-9._-]")
LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "[::1]"))
WILDCARDS = frozenset(("", "0.0.0.0", "::", "[::]"))
_JSON_OPTIONS = dict(allow_nan=False, separators=(",", ":"), ensure_ascii=False)  # type: Any


class BadRequest(Exception):
    """A query the API cannot answer; its message goes back with status 400."""


class ListenError(Exception):
    """The server cannot listen where asked (port taken, unknown host): one line for the CLI."""


# -- encodings -------------------------------------------------------------------------------


def to_json(value: Any) -> bytes:
    """UTF-8 JSON of ``value``; non-finite floats as strings (JSON has no NaN).

    Args:
        value: dicts, lists, tuples, strings, numbers, bools and None.
    """
    try:
        text = json.dumps(value, **_JSON_OPTIONS)
    except ValueError:  # a NaN or infinity somewhere: map them (the common case skips this walk)
        text = json.dumps(payloads.finite(value), **_JSON_OPTIONS)
    return text.encode("utf-8")


def _little(values: array.array) -> array.array:
    """``values`` as float64 little-endian bytes (a copy swapped on a big-endian machine)."""
    if sys.byteorder != "little":
        values = array.array("d", values)
        values.byteswap()
    return values


def _x_range(columns: Sequence[array.array], axis: str) -> Tuple[float, float]:
    """The smallest and largest finite x over every series (0, 0 when there is none)."""
    if axis == "step":  # steps increase within a series (the store drops out-of-order points)
        lows = [xs[0] for xs in columns if len(xs)]
        highs = [xs[-1] for xs in columns if len(xs)]
    else:  # wall times need not
        lows = [min(xs) for xs in columns if len(xs)]
        highs = [max(xs) for xs in columns if len(xs)]
    lo, hi = min(lows, default=0.0), max(highs, default=0.0)
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    finite = [x for xs in columns for x in xs if math.isfinite(x)]  # rare: a NaN wall time
    return (min(finite), max(finite)) if finite else (0.0, 0.0)


def _stride(steps: array.array) -> Optional[int]:
    """The fixed stride of ``steps`` if they go up by one (a single step: 1), else None; not
    when a step is beyond 2**53, where a float64 step is not exact."""
    if len(steps) == 1:
        return 1
    stride = series.stride_of(steps)
    if stride is None or max(abs(steps[0]), abs(steps[-1])) >= 2**53:
        return None
    return stride


def _as_float32(values: array.array) -> Optional[array.array]:
    """``values`` as float32 if that keeps every one exactly (compared in C), else None."""
    try:
        narrow = array.array("f", values)
    except OverflowError:
        return None
    if array.array("d", narrow) != values:  # NaN differs from itself: such series stay float64
        return None
    if sys.byteorder != "little":
        narrow.byteswap()
    return narrow


def _gather(columns: Sequence[Any], keep: List[int]) -> List[array.array]:
    """float64 arrays of ``column[i] for i in keep``, for each column (gathered in C)."""
    if len(keep) == 1:
        return [array.array("d", [column[keep[0]]]) for column in columns]
    take = operator.itemgetter(*keep)
    return [array.array("d", take(column)) for column in columns]


def _series_chunks(
    entry: Dict[str, Any], steps: array.array, walls: array.array, values: Any, smoothed: Any
) -> List[Any]:
    """One series' columns in the response's layout (see SCALARS_MAGIC), noting in ``entry``
    the step progression, whether the smoothed column is there, and the value width."""
    chunks: List[Any] = []
    stride = _stride(steps) if steps.typecode == "q" else None
    if stride is None:
        chunks.append(_little(array.array("d", steps) if steps.typecode != "d" else steps))
    else:
        entry.update(step_start=steps[0], step_stride=stride)
    chunks.append(_little(walls))
    entry["smoothed"] = smoothed is not None
    if smoothed is not None:
        chunks.append(_little(smoothed))
    narrow = _as_float32(values)
    entry["value_bytes"] = 8 if narrow is None else 4
    chunks.append(_little(values) if narrow is None else narrow)
    if narrow is not None and len(values) % 2:
        chunks.append(b"\0\0\0\0")  # the next series starts 8-aligned
    return chunks


def scalars_body(
    store: Any,
    tag: str,
    runs: Iterable[str],
    axis: str = "step",
    smoothing: float = DEFAULT_SMOOTHING,
    width: int = DEFAULT_WIDTH,
) -> bytes:
    """The ``/api/scalars`` body: every run's series of ``tag`` smoothed over all its points,
    then reduced to what ``width`` pixel columns can show (x range shared by all series).

    Args:
        store: a ``Store`` (``scalars(run, tag)``).
        tag: the scalar tag.
        runs: the runs to include, in order; runs without the tag are left out.
        axis: "step", "relative" or "wall".
        smoothing: the smoothing weight, 0 <= w < 1.
        width: the chart's width in pixel columns (>= 1).
    """
    loaded = []
    for run in runs:
        got = store.scalars(run, tag)
        if got is not None and len(got[0]):
            steps, walls, values = got
            # x is only needed to reduce, and for the x range: steps increase, so on the step
            # axis the first and last step give the range without the float64 copy
            need_x = axis != "step" or len(steps) > 2 * width
            xs = series.x_values(steps, walls, axis) if need_x else steps
            loaded.append((run, steps, walls, values, xs))
    lo, hi = _x_range([xs for _, _, _, _, xs in loaded], axis)
    entries, chunks = [], []  # type: List[Dict[str, Any]], List[Any]
    for run, steps, walls, values, xs in loaded:
        entry = {"run": run, "n": len(values), "total": len(values), "first_wall": walls[0]}
        smoothed = None  # a series sent whole is smoothed by the client (the same function)
        if len(values) > 2 * width:
            smoothed = series.smooth(values, smoothing)  # over every point, then reduced
            keep = series.reduce(xs, values, width, lo, hi)
            if len(keep) != len(values):
                entry["n"] = len(keep)
                steps, walls, values, smoothed = _gather((steps, walls, values, smoothed), keep)
        chunks += _series_chunks(entry, steps, walls, values, smoothed)
        entries.append(entry)
    header = to_json(
        {"tag": tag, "x": axis, "smoothing": smoothing, "width": width, "series": entries}
    )
    pad = b"\0" * (-len(header) % SCALARS_ALIGN)  # 4 + 4 bytes before it: already aligned
    return b"".join([SCALARS_MAGIC, SCALARS_LENGTH.pack(len(header)), header, pad] + chunks)


def scalars_csv(store: Any, tag: str, runs: Iterable[str]) -> bytes:
    """The ``/api/scalars.csv`` body: ``run,step,wall_time,value``, every point, floats as
    ``repr`` prints them (``nan``, ``inf`` included).

    Args:
        store: a ``Store``.
        tag: the scalar tag.
        runs: the runs to include, in order.
    """
    import csv
    import io
    import itertools

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(("run", "step", "wall_time", "value"))
    for run in runs:
        got = store.scalars(run, tag)
        if got is not None:
            steps, walls, values = got
            # str(float) is repr(float) since Python 3.2: shortest round-trip digits
            writer.writerows(zip(itertools.repeat(run), steps, walls, values))
    return out.getvalue().encode("utf-8")


# -- queries ---------------------------------------------------------------------------------


def _parse_query(raw: str) -> Dict[str, List[str]]:
    try:
        return urllib.parse.parse_qs(
            raw, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS
        )
    except UnicodeDecodeError:
        raise BadRequest("the query string is not UTF-8") from None
    except ValueError as err:  # too many fields
        raise BadRequest("bad query string: %s" % err) from None


def _one(query: Dict[str, List[str]], name: str, default: Optional[str] = None) -> str:
    values = query.get(name)
    if not values:
        if default is None:
            raise BadRequest("missing query parameter %r" % name)
        return default
    if len(values) > 1:
        raise BadRequest("query parameter %r given %d times" % (name, len(values)))
    if "\0" in values[0]:
        raise BadRequest("query parameter %r holds a NUL character" % name)
    return values[0]


def _number(query: Dict[str, List[str]], name: str, default: Any, lo: Any, hi: Any) -> Any:
    """A query parameter as ``type(default)``, clamped to [lo, hi]; 400 if not a number."""
    text = _one(query, name, str(default))
    try:
        value = type(default)(text)
    except ValueError:
        value = None
    if value is None or value != value or value in (math.inf, -math.inf):
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise BadRequest("query parameter %r must be %s, not %r" % (name, kind, text))
    return min(max(value, lo), hi)


def _index(query: Dict[str, List[str]], name: str) -> int:
    text = _one(query, name)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise BadRequest("query parameter %r must be a whole number >= 0, not %r" % (name, text))
    return int(text)


def _json_response(value: Any, status: int = 200) -> Response:
    return status, to_json(value), JSON_TYPE, [NO_STORE]


def _error(status: int, message: str, api: bool) -> Response:
    if api:
        return status, to_json({"error": message}), JSON_TYPE, [NO_STORE]
    return status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8", []


# -- hosts -----------------------------------------------------------------------------------


def _is_ip(name: str) -> bool:
    if name.startswith("[") and name.endswith("]"):
        name, families = name[1:-1], (socket.AF_INET6,)
    else:
        families = (socket.AF_INET,)
    for family in families:
        try:
            socket.inet_pton(family, name)
            return True
        except (OSError, ValueError):
            pass
    return False


def _host_name(header: str) -> Optional[str]:
    """The host part of a ``Host`` header, lower case, IPv6 in brackets; None if malformed."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        name, rest = header[: end + 1], header[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    else:
        name, _, port = header.partition(":")
    if (port and not port.isdigit()) or not name or not name.isascii():
        return None
    return name


def allowed_hosts(bound: str) -> Tuple[frozenset, bool]:
    """The host names a request may name for a server bound to ``bound``, and whether any IP
    literal is fine too (bound to every interface: the address a client used is unknown).

    A DNS-rebinding page can only send its own host name, never one of these, so the port is
    not checked: a browser reaching the server through ``ssh -L 8000:localhost:6006`` sends
    ``localhost:8000``.

    Args:
        bound: the ``--host`` the server was bound to.
    """
    names = set(LOOPBACK_NAMES)
    bound = bound.lower()
    if ":" in bound and not bound.startswith("["):
        bound = "[%s]" % bound
    if bound in WILDCARDS:
        for name in (socket.gethostname(), socket.getfqdn()):
            names.add(name.lower())
        return frozenset(names), True
    names.add(bound)
    return frozenset(names), False


# -- the application -------------------------------------------------------------------------


class App:
    """What the server answers: routes over a store (no sockets; the handler calls ``handle``).

    Args:
        store: the ``Store`` to serve.
        host: the address the server is bound to (for the ``Host`` check).
        static_dir: the folder of index.html, app.js and style.css (default: the package's).
        reload: seconds the client should wait between polls of ``/api/index``.
        verbose: log every request on stderr.
    """

    def __init__(
        self,
        store: Any,
        host: str = "127.0.0.1",
        static_dir: Optional[str] = None,
        reload: float = DEFAULT_RELOAD,
        verbose: bool = False,
    ) -> None:
        self.store = store
        self.static_dir = static_dir or STATIC_DIR
        self.reload = reload
        self.verbose = verbose
        self.hosts, self.any_ip = allowed_hosts(host)
        self.last_refresh = -math.inf
        self._refresh_lock = threading.Lock()
        self._cache = collections.OrderedDict()  # type: collections.OrderedDict[Any, bytes]
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()
        self.routes = {
            "/api/index": self.index,
            "/api/scalars": self.scalars,
            "/api/scalars.csv": self.scalars_csv,
            "/api/images": lambda q: self.media(q, "images"),
            "/api/audio": lambda q: self.media(q, "audio"),
            "/api/blob": self.blob,
            "/api/histograms": self.histograms,
            "/api/text": self.text,
            "/api/hparams": lambda q: _json_response(payloads.hparams(self.store)),
        }

    def host_ok(self, hosts: Optional[Sequence[str]]) -> bool:
        """Whether the request's ``Host`` headers name this server (exactly one header).

        Args:
            hosts: every ``Host`` header of the request.
        """
        if not hosts or len(hosts) != 1:
            return False
        name = _host_name(hosts[0])
        return name is not None and (name in self.hosts or (self.any_ip and _is_ip(name)))

    def handle(self, target: str, hosts: Optional[Sequence[str]]) -> Response:
        """The response to ``GET target``: status, body, content type, extra headers.

        Args:
            target: the request target as sent (never decoded before the table lookup).
            hosts: every ``Host`` header of the request.
        """
        api = target.startswith("/api/")
        if not self.host_ok(hosts):
            return _error(403, "this server answers to localhost only (Host header refused)", api)
        path, _, raw_query = target.partition("?")
        if path in PAGES:
            return self.static(*INDEX_FILE)
        if path in STATIC:
            return self.static(*STATIC[path])
        route = self.routes.get(path)
        if route is None:
            return _error(404, "not found", api)
        try:
            return route(_parse_query(raw_query))
        except BadRequest as err:
            return _error(400, str(err), True)

    def static(self, name: str, content_type: str) -> Response:
        """A file of the fixed static table (404 if the package lacks it).

        Args:
            name: the file name in the static folder (from the table, never from a request).
            content_type: its content type.
        """
        try:
            with open(os.path.join(self.static_dir, name), "rb") as f:
                return 200, f.read(), content_type, [STATIC_CACHE]
        except OSError:
            return _error(404, "not found (%s is missing from the package)" % name, False)

    def refresh(self, force: bool = False) -> None:
        """Refresh the store when the last refresh is over REFRESH_AFTER seconds old; one
        thread at a time (the others then find it fresh).

        Args:
            force: refresh whatever the age.
        """
        with self._refresh_lock:
            if force or time.monotonic() - self.last_refresh > REFRESH_AFTER:
                self.store.refresh()
                self.last_refresh = time.monotonic()

    def _runs(self, query: Dict[str, List[str]], kind: str, tag: str) -> List[str]:
        """The runs having ``tag`` of ``kind`` (sorted), only those named by ``run=`` if any."""
        having = self.store.tags().get(kind, {}).get(tag, [])
        wanted = query.get("run")
        if wanted:
            chosen = set(wanted)
            having = [r for r in having if r in chosen]
        return sorted(having)

    def index(self, query: Dict[str, List[str]]) -> Response:
        """``/api/index`` (after a refresh if the last is over REFRESH_AFTER seconds old).

        Args:
            query: the parsed query string (unused).
        """
        self.refresh()
        return _json_response(payloads.index(self.store, self.reload))

    def scalars(self, query: Dict[str, List[str]]) -> Response:
        """``/api/scalars``: the binary body of ``scalars_body``, cached per generation.

        Args:
            query: tag, x, smoothing, width, run (repeated).
        """
        tag = _one(query, "tag")
        axis = _one(query, "x", "step")
        if axis not in AXES:
            raise BadRequest("query parameter 'x' must be one of %s, not %r" % (AXES, axis))
        smoothing = _number(query, "smoothing", DEFAULT_SMOOTHING, 0.0, MAX_SMOOTHING)
        width = _number(query, "width", DEFAULT_WIDTH, 1, MAX_WIDTH)
        generation = self.store.generation  # read first: the data can only be as new or newer
        runs = self._runs(query, "scalars", tag)
        key = (generation, tag, tuple(runs), axis, smoothing, width)
        with self._cache_lock:
            body = self._cache.get(key)
            if body is not None:
                self._cache.move_to_end(key)
        if body is None:
            body = scalars_body(self.store, tag, runs, axis, smoothing, width)
            self._remember(key, body)
        return 200, body, "application/octet-stream", [NO_STORE]

    def _remember(self, key: Any, body: bytes) -> None:
        """Cache a scalars body, dropping the least recently used beyond CACHE_BYTES."""
        with self._cache_lock:
            if key in self._cache or len(body) > CACHE_BYTES // 4:
                return
            self._cache[key] = body
            self._cache_bytes += len(body)
            while self._cache_bytes > CACHE_BYTES:
                self._cache_bytes -= len(self._cache.popitem(last=False)[1])

    def scalars_csv(self, query: Dict[str, List[str]]) -> Response:
        """``/api/scalars.csv``: every point, as a download named after the tag.

        Args:
            query: tag, run (repeated).
        """
        tag = _one(query, "tag")
        body = scalars_csv(self.store, tag, self._runs(query, "scalars", tag))
        name = CSV_NAME.sub("_", tag) + ".csv"
        disposition = ("Content-Disposition", 'attachment; filename="%s"' % name)
        return 200, body, "text/csv; charset=utf-8", [NO_STORE, disposition]

    def media(self, query: Dict[str, List[str]], kind: str) -> Response:
        """``/api/images`` and ``/api/audio``: each run's items (the blobs are separate).

        Args:
            query: tag, run (repeated).
            kind: "images" or "audio".
        """
        tag = _one(query, "tag")
        return _json_response(payloads.media(self.store, kind, tag, self._runs(query, kind, tag)))

    def blob(self, query: Dict[str, List[str]]) -> Response:
        """``/api/blob``: one image or clip as logged, typed by its magic bytes.

        Args:
            query: kind, run, tag, index, sample.
        """
        kind = _one(query, "kind")
        if kind not in MEDIA_KINDS:
            raise BadRequest("query parameter 'kind' must be images or audio, not %r" % kind)
        run, tag = _one(query, "run"), _one(query, "tag")
        index, sample = _index(query, "index"), _index(query, "sample")
        data = self.store.blob(kind, run, tag, index, sample)
        if data is None:
            return _error(404, "no such sample", True)
        content_type = payloads.blob_type(data)
        headers = [NO_STORE]
        if content_type is None:
            content_type = "application/octet-stream"
            headers.append(("Content-Disposition", "attachment"))
        return 200, bytes(data), content_type, headers

    def histograms(self, query: Dict[str, List[str]]) -> Response:
        """``/api/histograms``: at most ``max`` events per run, evenly spaced.

        Args:
            query: tag, max, run (repeated).
        """
        tag = _one(query, "tag")
        most = _number(query, "max", payloads.DEFAULT_HISTOGRAMS, 1, MAX_HISTOGRAMS)
        runs = self._runs(query, "histograms", tag)
        return _json_response(payloads.histograms(self.store, tag, runs, most))

    def text(self, query: Dict[str, List[str]]) -> Response:
        """``/api/text``: each event's text as safe HTML (``markdown.render_text``).

        Args:
            query: tag, run (repeated).
        """
        tag = _one(query, "tag")
        return _json_response(payloads.text(self.store, tag, self._runs(query, "text", tag)))


# -- HTTP ------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """One connection: GET and HEAD through ``App.handle``; 405 for every other method."""

    server_version = "tinytb"
    sys_version = ""
    protocol_version = "HTTP/1.1"  # keep-alive: a dashboard fetches a dozen URLs at once
    timeout = 120  # an idle keep-alive connection gives its thread back after this

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>: every method but GET and HEAD is refused alike
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self.close_connection = True  # a request body may follow that nobody will read
        body = b"only GET and HEAD: nothing here can be changed\n"
        self._send(405, body, "text/plain; charset=utf-8", [("Allow", "GET, HEAD")], True)

    def _respond(self, send_body: bool) -> None:
        app = self.server.app  # type: ignore[attr-defined]
        # the target as sent: newer http.server versions rewrite a leading "//" in self.path
        words = self.requestline.split()
        target = words[1] if len(words) == 3 else self.path
        try:
            response = app.handle(target, self.headers.get_all("Host"))
        except Exception as err:  # a bug, not the client's fault: 500, one line on stderr
            if app.verbose:
                import traceback

                traceback.print_exc()
            else:
                sys.stderr.write(
                    "tinytb serve: error answering %s: %s: %s\n"
                    % (target[:200], type(err).__name__, err)
                )
            response = _error(500, "internal error: %s" % type(err).__name__, True)
        status, body, content_type, headers = response
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a GET with a body: do not read it as a request
        self._send(status, body, content_type, headers, send_body)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Sequence[Tuple[str, str]],
        send_body: bool,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def end_headers(self) -> None:
        # here rather than in _send: http.server's own errors (bad request line, 414) get them
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    """A threaded HTTP server (daemon threads) answering with an ``App``."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = os.name != "nt"  # on Windows it would let two servers share a port
    app = None  # type: Optional[App]

    def server_bind(self) -> None:
        # not HTTPServer.server_bind: its socket.getfqdn() can wait seconds for DNS
        if self.address_family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
            try:  # "::" also accepts IPv4 where the system allows it
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            except OSError:
                pass
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for a client that hung up; one line (a traceback with --verbose) otherwise.

        Args:
            request: the connection's socket.
            client_address: the client's address.
        """
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, socket.timeout)):  # the client went away
            return
        if self.app is not None and self.app.verbose:
            super().handle_error(request, client_address)
        else:
            sys.stderr.write("tinytb serve: connection error: %s: %s\n" % (type(err).__name__, err))


def make_server(
    store: Any,
    host: str = "127.0.0.1",
    port: int = 6006,
    static_dir: Optional[str] = None,
    reload: float = DEFAULT_RELOAD,
    verbose: bool = False,
) -> Server:
    """A bound, listening server for ``store`` (call ``serve_forever()``; port 0 picks one:
    ``server.server_port`` says which).

    Args:
        store: the ``Store`` to serve.
        host: the address to listen on (127.0.0.1: this machine only).
        port: the TCP port (0: any free one).
        static_dir: the folder of index.html, app.js and style.css (default: the package's).
        reload: seconds the client should wait between polls of ``/api/index``.
        verbose: log every request on stderr.

    Raises:
        ListenError: the address cannot be used (port taken, unknown host, no permission).
    """
    address = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        infos = socket.getaddrinfo(address or None, port, type=socket.SOCK_STREAM)
        family = infos[0][0]
    except (OSError, UnicodeError) as err:
        raise ListenError("cannot listen on %s: unknown host (%s)" % (host, err)) from None
    server_class = type("Server", (Server,), {"address_family": family})
    try:
        server = server_class((address, port), _Handler)
    except OSError as err:
        where = "%s:%d" % ("[%s]" % address if ":" in address else address, port)
        reason = (err.strerror or str(err)).lower()
        hint = ""
        if getattr(err, "errno", None) in _IN_USE:
            hint = " (another server is using that port: choose one with --port)"
        raise ListenError("cannot listen on %s: %s%s" % (where, reason, hint)) from None
    server.app = App(store, host=host, static_dir=static_dir, reload=reload, verbose=verbose)
    return server


def _in_use_errnos() -> frozenset:
    import errno

    return frozenset(
        getattr(errno, name) for name in ("EADDRINUSE", "WSAEADDRINUSE") if hasattr(errno, name)
    )


_IN_USE = _in_use_errnos()


def url_of(server: Server, host: str) -> str:
    """The URL to open for a server bound to ``host``.

    Args:
        server: the listening server.
        host: the ``--host`` it was bound to.
    """
    name = host
    if host in WILDCARDS:
        name = socket.gethostname()
    elif ":" in host and not host.startswith("["):
        name = "[%s]" % host
    return "http://%s:%d/" % (name, server.server_port)


def _count(n: int, noun: str) -> str:
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")


def serve(
    logdir: str,
    host: str = "127.0.0.1",
    port: int = 6006,
    reload: float = DEFAULT_RELOAD,
    verbose: bool = False,
    out: Any = None,
    cache_dir: Optional[str] = None,
) -> None:
    """Serve ``logdir`` until interrupted (Ctrl-C raises KeyboardInterrupt out of here). The
    store is loaded in full before the first request is answered; the URL is printed then.

    Args:
        logdir: the log folder.
        host: the address to listen on (127.0.0.1: this machine only).
        port: the TCP port (0: any free one).
        reload: seconds the client should wait between polls of ``/api/index``.
        verbose: log every request on stderr.
        out: where to print the address (default sys.stdout).
        cache_dir: the cache of decoded files (``cache.default_dir()``), or None for none.

    Raises:
        ListenError: the address cannot be used.
    """
    from .store import Store  # here: the server module is usable with any store object

    out = out if out is not None else sys.stdout
    store = Store(logdir, cache_dir=cache_dir)
    server = make_server(store, host, port, reload=reload, verbose=verbose)  # fails fast
    try:
        start = time.perf_counter()
        server.app.refresh(force=True)  # type: ignore[union-attr]
        seconds = time.perf_counter() - start
        runs = len(store.runs())
        tags = sum(len(by_tag) for by_tag in store.tags().values())
        counts = "%s, %s" % (_count(runs, "run"), _count(tags, "tag"))
        out.write("loaded %s in %.2f s: %s\n" % (logdir, seconds, counts))
        out.write("serving on %s  (Ctrl-C to stop)\n" % url_of(server, host))
        out.flush()
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
