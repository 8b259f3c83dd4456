"""The viewer's HTTP server (tinytb/viewer/server.py), over real sockets on 127.0.0.1: every
route with its content type and security headers, the binary scalars format decoded back and
compared with the store, the CSV at full resolution, JSON without NaN, the Host check (DNS
rebinding), path traversal in every encoding, methods other than GET/HEAD, live tailing, and a
quiet stderr. Most tests serve a log written by tinytb.SummaryWriter through the real Store; a
small fake store covers what a writer cannot produce (a blob of every format, a failing store)."""

import array
import collections
import contextlib
import csv
import http.client
import io
import json
import math
import os
import socket
import struct
import threading
import time

import pytest

from tinytb import SummaryWriter
from tinytb.viewer import markdown, payloads, series, server
from tinytb.viewer.store import Store

CSP = server.CSP
SCALAR_STEPS = 1500  # more than 2 x a small width: reduction has something to drop


# -- logs and stores -------------------------------------------------------------------------


def png_bytes():
    """A 1x1 PNG (PNG spec: signature, IHDR, IDAT, IEND)."""
    import zlib

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def write_log(logdir):
    """Runs ".", "a" and "b/c": scalars (with NaN and inf), images, audio, histograms, text."""
    with SummaryWriter(logdir) as w:
        for step in range(SCALAR_STEPS):
            value = math.sin(step / 50.0) + (5.0 if step == 777 else 0.0)  # one spike
            if step == 100:
                value = float("nan")
            elif step == 200:
                value = float("inf")
            w.add_scalar("loss", value, step, walltime=1000.0 + step * 0.5)
        w.add_text("notes", "# Title\n<script>alert(1)</script> *x*", 0, walltime=1.0)
        w.add_text("notes", "second", 5, walltime=2.0)
        for step in range(120):
            w.add_histogram("weights", [float(i % 7) + step for i in range(50)], step, walltime=3.0)
    with SummaryWriter(os.path.join(logdir, "a")) as w:
        for step in range(0, 300, 3):
            w.add_scalar("loss", 1.0 / (step + 1), step, walltime=2000.0 + step)
            w.add_scalar("acc", step / 300.0, step, walltime=2000.0 + step)
        w.add_image("pic", [[[0.0, 1.0], [1.0, 0.0]]], 1, walltime=4.0)
        w.add_image("pic", [[[0.5, 1.0], [1.0, 0.5]]], 2, walltime=5.0)
        w.add_audio("beep", [0.0, 0.5, -0.5, 0.25] * 10, 3, sample_rate=8000, walltime=6.0)
    with SummaryWriter(os.path.join(logdir, "b", "c")) as w:
        w.add_scalar("loss", 2.0, 0, walltime=3000.0)
        w.add_scalar("loss", 1.0, 1, walltime=3001.0)
        w.add_hparams({"lr": 0.1, "opt": "sgd"}, {"hp/metric": float("nan")}, run_name="hp")
    return logdir


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    return write_log(str(tmp_path_factory.mktemp("viewer") / "mylogs"))


@pytest.fixture(scope="module")
def store(logdir):
    s = Store(logdir)
    s.refresh()
    return s


Item = collections.namedtuple(
    "Item", "step wall_time samples width height sample_rate length_frames"
)


class FakeStore:
    """The Store interface of the design note over fixed data; counts refreshes."""

    def __init__(self, logdir="/somewhere/fakelogs"):
        self.logdir = logdir
        self.generation = 1
        self.refreshes = 0
        self.fail = None
        self.scalar_data = {}
        self.item_data = {}
        self.blobs = {}
        self.hist = {}
        self.texts = {}
        self.hp = {"hparams": [], "metrics": [], "sessions": []}
        self.errs = []

    def refresh(self):
        self.refreshes += 1
        return False

    def runs(self):
        return sorted({k[-2] for d in self._kinds().values() for k in d})

    def _kinds(self):
        return {
            "scalars": self.scalar_data,
            "images": {k[1:]: v for k, v in self.item_data.items() if k[0] == "images"},
            "audio": {k[1:]: v for k, v in self.item_data.items() if k[0] == "audio"},
            "histograms": self.hist,
            "text": self.texts,
        }

    def tags(self):
        if self.fail:
            raise self.fail
        out = {}
        for kind, data in self._kinds().items():
            for run, tag in sorted(data):
                out.setdefault(kind, {}).setdefault(tag, []).append(run)
        return out

    def errors(self):
        return list(self.errs)

    def scalars(self, run, tag):
        got = self.scalar_data.get((run, tag))
        return None if got is None else tuple(array.array(a.typecode, a) for a in got)

    def items(self, kind, run, tag):
        return list(self.item_data.get((kind, run, tag), []))

    def blob(self, kind, run, tag, index, sample):
        return self.blobs.get((kind, run, tag, index, sample))

    def histograms(self, run, tag):
        return list(self.hist.get((run, tag), []))

    def text(self, run, tag):
        return list(self.texts.get((run, tag), []))

    def has_hparams(self):
        return bool(self.hp["sessions"])

    def hparams(self):
        return self.hp


def scalar_series(steps, values, wall0=100.0):
    return (
        array.array("q", steps),
        array.array("d", [wall0 + s for s in steps]),
        array.array("d", values),
    )


# -- HTTP helpers ----------------------------------------------------------------------------


Reply = collections.namedtuple("Reply", "status headers body")


@contextlib.contextmanager
def serving(store, **options):
    httpd = server.make_server(store, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Client(httpd.server_port)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


class Client:
    def __init__(self, port):
        self.port = port
        self.host = "127.0.0.1:%d" % port

    def request(self, method, target, host=None, body=None, headers=()):
        """One request on a fresh connection (``host=False``: no Host header at all)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            if host is not False:
                conn.putheader("Host", self.host if host is None else host)
            for name, value in headers:
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def get(self, target, **kwargs):
        return self.request("GET", target, **kwargs)

    def json(self, target):
        reply = self.get(target)
        assert reply.status == 200, reply.body
        assert reply.headers["Content-Type"] == "application/json"
        return strict_json(reply.body)

    def raw(self, request_bytes):
        """Send bytes as they are; the status code of the reply (the server closes after)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(request_bytes)
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        return int(data.split(b" ", 2)[1])


def strict_json(body):
    """JSON as a strict parser reads it: NaN, Infinity and -Infinity are not JSON."""

    def refuse(name):
        raise ValueError("not JSON: %s" % name)

    return json.loads(body.decode("utf-8"), parse_constant=refuse)


def assert_security_headers(headers):
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe" not in CSP


def decode_scalars(body):
    """The /api/scalars body back into (header, [(step, wall, value, smoothed) arrays])."""
    assert body[:4] == b"TTBS"
    (length,) = struct.unpack_from("<I", body, 4)
    header = strict_json(body[8 : 8 + length])
    at = 8 + length
    assert body[at : -(-at // 8) * 8] == b"\0" * (-at % 8)  # zero padding
    at = -(-at // 8) * 8
    assert at % 8 == 0
    out = []
    for entry in header["series"]:
        n = entry["n"]
        if "step_stride" in entry:  # steps by a fixed stride: not sent
            steps = tuple(float(entry["step_start"] + i * entry["step_stride"]) for i in range(n))
        else:
            steps = struct.unpack_from("<%dd" % n, body, at)
            at += 8 * n
        walls = struct.unpack_from("<%dd" % n, body, at)
        at += 8 * n
        smoothed = None  # a series sent whole: the page smooths it
        if entry["smoothed"]:
            smoothed = struct.unpack_from("<%dd" % n, body, at)
            at += 8 * n
        kind = {4: "f", 8: "d"}[entry["value_bytes"]]
        values = struct.unpack_from("<%d%s" % (n, kind), body, at)
        at += entry["value_bytes"] * n
        assert body[at : -(-at // 8) * 8] == b"\0" * (-at % 8)  # zero padding
        at = -(-at // 8) * 8
        out.append([steps, walls, values, smoothed])
    assert at == len(body)
    return header, out


def same_floats(a, b):
    """Element-wise equality where NaN equals NaN."""
    return len(a) == len(b) and all(x == y or (x != x and y != y) for x, y in zip(a, b))


@pytest.fixture
def static_dir(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>tinytb</title>INDEX")
    (folder / "app.js").write_text("// APP")
    (folder / "style.css").write_text("/* STYLE */")
    (tmp_path / "secret.txt").write_text("SECRET")
    return str(folder)


# -- pages and static files ------------------------------------------------------------------


def test_every_page_is_index_html_with_security_headers(static_dir):
    with serving(FakeStore(), static_dir=static_dir) as client:
        for page in ("/", "/scalars", "/images", "/histograms", "/text", "/audio", "/hparams"):
            for target in (page, page + "?run=x"):
                reply = client.get(target)
                assert reply.status == 200, target
                assert reply.body.endswith(b"INDEX")
                assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
                assert_security_headers(reply.headers)
        for target, kind, text in (
            ("/static/app.js", "text/javascript; charset=utf-8", b"// APP"),
            ("/static/style.css", "text/css; charset=utf-8", b"/* STYLE */"),
        ):
            reply = client.get(target)
            assert (reply.status, reply.headers["Content-Type"], reply.body) == (200, kind, text)
            assert_security_headers(reply.headers)


def test_the_package_static_files_are_served(store):
    with serving(store) as client:
        for target in ("/", "/static/app.js", "/static/style.css"):
            name = "index.html" if target == "/" else target.rsplit("/", 1)[1]
            path = os.path.join(server.STATIC_DIR, name)
            reply = client.get(target)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    assert (reply.status, reply.body) == (200, f.read())
            else:  # the front end is not written yet: a plain 404, not a crash
                assert reply.status == 404


TRAVERSALS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..%2Fsecret.txt",
    "/static%2f..%2fsecret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/%252e%252e%252fsecret.txt",
    "/static/..%5csecret.txt",
    "/static/..\\secret.txt",
    "/static\\..\\secret.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static/%c0%af..%c0%afsecret.txt",
    "/static/%e0%80%ae%e0%80%ae/secret.txt",
    "/static/app.js%00.html",
    "/static/app.js%2500",
    "/static/./app.js",
    "/static//app.js",
    "//static/app.js",
    "/static/app.js/",
    "/static/APP.JS",
    "/STATIC/app.js",
    "/static/index.html",
    "/index.html",
    "/static/",
    "/static",
    "/static/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/static/....//secret.txt",
    "/static/%2e%2e%2f%2e%2e%2fserver.py",
    "/server.py",
    "/static/../server.py",
    "/scalars/",
    "/scalars/../static/app.js",
    "/api/",
    "/api/index/",
    "/api/../static/app.js",
    "/favicon.ico",
    "http://127.0.0.1/static/app.js",
    "http://evil.com/",
    "file:///etc/passwd",
    "*",
]


def test_anything_outside_the_table_is_404_in_every_encoding(static_dir):
    with serving(FakeStore(), static_dir=static_dir) as client:
        for target in TRAVERSALS:
            reply = client.get(target)
            assert reply.status == 404, target
            assert b"SECRET" not in reply.body and b"APP" not in reply.body, target
            assert_security_headers(reply.headers)
        # bytes http.client refuses to send: a NUL, a raw backslash path, a space, non-ASCII
        for target in (
            b"/static/app.js\x00",
            b"/static/\xc0\xae\xc0\xae/secret.txt",
            b"/static/..\\..\\secret.txt",
            b"/\xff",
        ):
            status = client.raw(
                b"GET "
                + target
                + b" HTTP/1.1\r\nHost: "
                + client.host.encode()
                + b"\r\nConnection: close\r\n\r\n"
            )
            assert status == 404, target
        assert client.raw(b"GET /static/a b HTTP/1.1\r\n\r\n") == 400  # http.server's own


# -- Host header (DNS rebinding) -------------------------------------------------------------


def test_a_foreign_host_header_is_refused(static_dir):
    with serving(FakeStore(), static_dir=static_dir) as client:
        port = client.port
        for host in (
            "evil.com",
            "evil.com:%d" % port,
            "localhost.evil.com:%d" % port,
            "127.0.0.1.nip.io:%d" % port,
            "10.0.0.1:%d" % port,
            "[::2]:%d" % port,
            "localhost:%d@evil.com" % port,
            "localhost:port",
            "",
        ):
            for target in ("/", "/api/index", "/static/app.js", "/nothing"):
                reply = client.get(target, host=host)
                assert reply.status == 403, (host, target)
                assert_security_headers(reply.headers)
                assert b"INDEX" not in reply.body and b"generation" not in reply.body
        assert client.get("/", host=False).status == 403  # no Host header at all
        status = client.raw(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.com\r\nConnection: close\r\n\r\n"
        )
        assert status == 403  # two Host headers
        assert client.raw(b"GET / HTTP/1.0\r\n\r\n") == 403
        for host in (
            "localhost:%d" % port,
            "127.0.0.1:%d" % port,
            "[::1]:%d" % port,
            "LOCALHOST:%d" % port,
            "localhost",
            "localhost:8000",
        ):
            assert client.get("/", host=host).status == 200, host  # 8000: ssh -L forwarding


def test_hosts_allowed_for_every_interface():
    names, any_ip = server.allowed_hosts("0.0.0.0")
    assert any_ip and "localhost" in names and socket.gethostname().lower() in names
    app = server.App(FakeStore(), host="0.0.0.0")
    assert app.host_ok(["192.168.1.7:6006"]) and app.host_ok(["[fe80::1]:6006"])
    assert app.host_ok([socket.gethostname() + ":6006"])
    assert not app.host_ok(["evil.com:6006"]) and not app.host_ok(["1.2.3.4.evil.com"])
    app = server.App(FakeStore(), host="192.168.1.7")
    assert app.host_ok(["192.168.1.7:6006"]) and not app.host_ok(["192.168.1.8:6006"])
    app = server.App(FakeStore(), host="::1")
    assert app.host_ok(["[::1]:6006"]) and app.host_ok(["localhost"])


# -- methods ---------------------------------------------------------------------------------


def test_only_get_and_head(static_dir):
    with serving(FakeStore(), static_dir=static_dir) as client:
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"):
            for target in ("/", "/api/index", "/nothing"):
                reply = client.request(method, target, body=b"x=1")
                assert reply.status == 405, (method, target)
                assert reply.headers["Allow"] == "GET, HEAD"
                assert_security_headers(reply.headers)
        get, head = client.get("/api/index"), client.request("HEAD", "/api/index")
        assert (head.status, head.body) == (200, b"")
        assert head.headers["Content-Length"] == str(len(get.body))
        assert head.headers["Content-Type"] == "application/json"
        assert_security_headers(head.headers)


def test_a_request_body_is_not_read_as_the_next_request(static_dir):
    with serving(FakeStore(), static_dir=static_dir) as client:
        smuggled = b"GET /api/index HTTP/1.1\r\nHost: %s\r\n\r\n" % client.host.encode()
        request = b"POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s" % (
            client.host.encode(),
            len(smuggled),
            smuggled,
        )
        with socket.create_connection(("127.0.0.1", client.port), timeout=30) as sock:
            sock.sendall(request)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        assert data.startswith(b"HTTP/1.1 405 ") and data.count(b"HTTP/1.1 ") == 1


# -- /api/index and refresh ------------------------------------------------------------------


def test_index_lists_runs_tags_and_errors(store, logdir):
    with serving(store, reload=2.5) as client:
        reply = client.get("/api/index")
        assert reply.headers["Cache-Control"] == "no-store"
        assert_security_headers(reply.headers)
        index = strict_json(reply.body)
    assert set(index) == {"generation", "logdir", "reload", "runs", "tags", "hparams", "errors"}
    assert index["logdir"] == "mylogs" == os.path.basename(logdir)
    assert index["reload"] == 2.5
    assert index["generation"] == store.generation
    assert index["runs"] == store.runs() and {".", "a", "b/c"} <= set(index["runs"])
    assert index["tags"] == store.tags()
    assert index["tags"]["scalars"]["loss"] == [".", "a", "b/c"]
    assert index["tags"]["images"] == {"pic": ["a"]}
    assert index["hparams"] is True
    assert index["errors"] == []


def test_index_reports_store_errors_and_non_finite_values():
    fake = FakeStore()
    fake.errs = [("run/events.out.tfevents.1", 40, "data checksum mismatch"), ("x", None, "bad")]
    with serving(fake) as client:
        index = client.json("/api/index")
    assert index["errors"] == [
        {"file": "run/events.out.tfevents.1", "offset": 40, "message": "data checksum mismatch"},
        {"file": "x", "offset": None, "message": "bad"},
    ]
    assert index["logdir"] == "fakelogs" and index["hparams"] is False and index["reload"] == 5.0


def test_index_refreshes_at_most_once_a_second(monkeypatch):
    fake = FakeStore()
    with serving(fake) as client:
        for _ in range(5):
            client.json("/api/index")
        assert fake.refreshes == 1
        client.json("/api/hparams")  # other routes read the store as it is
        assert fake.refreshes == 1
        monkeypatch.setattr(server, "REFRESH_AFTER", 0.0)
        time.sleep(0.01)
        client.json("/api/index")
        assert fake.refreshes == 2


def test_live_tail_new_points_and_new_runs(tmp_path):
    logdir = str(tmp_path / "live")
    writer = SummaryWriter(logdir, flush_secs=3600)
    writer.add_scalar("loss", 1.0, 0, walltime=1.0)
    writer.flush()
    live = Store(logdir)
    live.refresh()
    try:
        with serving(live) as client:
            first = client.json("/api/index")
            header, _ = decode_scalars(client.get("/api/scalars?tag=loss").body)
            assert first["runs"] == ["."] and header["series"][0]["total"] == 1
            writer.add_scalar("loss", 0.5, 1, walltime=2.0)
            writer.add_scalar("loss", 0.25, 2, walltime=3.0)
            writer.flush()
            with SummaryWriter(os.path.join(logdir, "later")) as later:
                later.add_scalar("acc", 0.75, 3, walltime=4.0)
            time.sleep(server.REFRESH_AFTER + 0.1)
            second = client.json("/api/index")
            assert second["generation"] != first["generation"]
            assert second["runs"] == [".", "later"]
            assert second["tags"]["scalars"] == {"loss": ["."], "acc": ["later"]}
            header, columns = decode_scalars(client.get("/api/scalars?tag=loss").body)
            assert header["series"][0]["total"] == 3
            assert columns[0][0] == (0.0, 1.0, 2.0) and columns[0][2] == (1.0, 0.5, 0.25)
            third = client.json("/api/index")  # nothing new: the same generation
            assert third["generation"] == second["generation"]
    finally:
        writer.close()


# -- /api/scalars ----------------------------------------------------------------------------


def check_scalars(store, body, tag, runs, axis, smoothing, width):
    """Decode a body and compare every column with the store and series.py."""
    header, columns = decode_scalars(body)
    assert (header["tag"], header["x"], header["smoothing"], header["width"]) == (
        tag,
        axis,
        smoothing,
        width,
    )
    assert [e["run"] for e in header["series"]] == runs
    full = [store.scalars(run, tag) for run in runs]
    xs = [series.x_values(s, w, axis) for s, w, v in full]
    lo = min(min(x) for x in xs)
    hi = max(max(x) for x in xs)
    for entry, cols, (steps, walls, values), x in zip(header["series"], columns, full, xs):
        keep = series.reduce(x, values, width, lo, hi)
        smoothed = series.smooth(values, smoothing)
        assert entry["total"] == len(steps) and entry["n"] == len(keep)
        assert entry["first_wall"] == walls[0]
        assert list(cols[0]) == [float(steps[i]) for i in keep]
        assert list(cols[1]) == [walls[i] for i in keep]
        assert same_floats(cols[2], [values[i] for i in keep])
        # smoothed over every point: sent for a reduced series, left to the page for a whole one
        assert entry["smoothed"] == (len(values) > 2 * width)
        if entry["smoothed"]:
            assert same_floats(cols[3], [smoothed[i] for i in keep])
        else:
            assert cols[3] is None and len(keep) == len(values)
    return header, columns


def test_scalars_binary_matches_the_store(store):
    with serving(store) as client:
        reply = client.get("/api/scalars?tag=loss&x=step&smoothing=0.6&width=600")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/octet-stream"
        assert reply.headers["Cache-Control"] == "no-store"
        assert_security_headers(reply.headers)
        header, columns = check_scalars(
            store, reply.body, "loss", [".", "a", "b/c"], "step", 0.6, 600
        )
        main = header["series"][0]
        assert main["total"] == SCALAR_STEPS and main["n"] < SCALAR_STEPS  # reduced
        kept_values = columns[0][2]
        spike = struct.unpack("<f", struct.pack("<f", 5.0 + math.sin(777 / 50.0)))[0]  # float32
        assert spike in kept_values  # the spike survives reduction
        assert any(v != v for v in kept_values) and math.inf in kept_values
        assert header["series"][1]["n"] == header["series"][1]["total"] == 100
        for axis, smoothing, width in (("relative", 0.0, 10), ("wall", 0.95, 5000)):
            body = client.get(
                "/api/scalars?tag=loss&x=%s&smoothing=%s&width=%d&run=a&run=."
                % (axis, smoothing, width)
            ).body
            check_scalars(store, body, "loss", [".", "a"], axis, smoothing, width)
        header, columns = decode_scalars(client.get("/api/scalars?tag=loss&run=b/c").body)
        assert header["x"] == "step" and header["smoothing"] == 0.6
        assert [e["run"] for e in header["series"]] == ["b/c"]
        assert columns[0][0] == (0.0, 1.0) and columns[0][2] == (2.0, 1.0)
        # a smoothed value depends on earlier points only: the same at every width
        narrow = decode_scalars(client.get("/api/scalars?tag=loss&run=.&width=1").body)[1][0]
        assert narrow[0][0] == 0.0 and narrow[0][-1] == SCALAR_STEPS - 1


def test_scalars_of_an_unknown_tag_or_run_are_empty(store):
    with serving(store) as client:
        for target in (
            "/api/scalars?tag=nope",
            "/api/scalars?tag=loss&run=nope",
            "/api/scalars?tag=pic",
        ):
            reply = client.get(target)
            assert reply.status == 200
            header, columns = decode_scalars(reply.body)
            assert header["series"] == [] and columns == []


def test_scalars_clamp_width_and_smoothing():
    fake = FakeStore()
    fake.scalar_data[("r", "t")] = scalar_series(range(50), [float(i % 5) for i in range(50)])
    with serving(fake) as client:
        header, columns = decode_scalars(client.get("/api/scalars?tag=t&width=0&smoothing=5").body)
        assert header["width"] == 1 and header["smoothing"] == server.MAX_SMOOTHING
        assert header["series"][0]["n"] == len(
            series.reduce(
                array.array("d", range(50)), fake.scalar_data[("r", "t")][2], 1, 0.0, 49.0
            )
        )
        header, _ = decode_scalars(client.get("/api/scalars?tag=t&width=99999&smoothing=-1").body)
        assert header["width"] == server.MAX_WIDTH and header["smoothing"] == 0.0


BAD_QUERIES = [
    ("/api/scalars", "'tag'"),
    ("/api/scalars?tag=", None),
    ("/api/scalars?tag=a&tag=b", "2 times"),
    ("/api/scalars?tag=a&x=epoch", "'x'"),
    ("/api/scalars?tag=a&smoothing=abc", "'smoothing'"),
    ("/api/scalars?tag=a&smoothing=nan", "'smoothing'"),
    ("/api/scalars?tag=a&smoothing=inf", "'smoothing'"),
    ("/api/scalars?tag=a&width=1.5", "'width'"),
    ("/api/scalars?tag=a&width=", "'width'"),
    ("/api/scalars?tag=%ff", "UTF-8"),
    ("/api/scalars?tag=a%00b", "NUL"),
    ("/api/scalars.csv?run=a", "'tag'"),
    ("/api/images", "'tag'"),
    ("/api/audio?tag=a&tag=b", "2 times"),
    ("/api/histograms?tag=a&max=many", "'max'"),
    ("/api/text", "'tag'"),
    ("/api/blob?kind=video&run=a&tag=t&index=0&sample=0", "'kind'"),
    ("/api/blob?kind=images&tag=t&index=0&sample=0", "'run'"),
    ("/api/blob?kind=images&run=a&tag=t&index=-1&sample=0", "'index'"),
    ("/api/blob?kind=images&run=a&tag=t&index=0&sample=1e3", "'sample'"),
    ("/api/blob?kind=images&run=a&tag=t&index=0", "'sample'"),
    ("/api/blob?kind=images&run=a&tag=t&index=%D9%A3&sample=0", "'index'"),  # Arabic 3
]


def test_bad_query_parameters_are_400_with_a_message():
    with serving(FakeStore()) as client:
        for target, words in BAD_QUERIES:
            reply = client.get(target)
            if words is None:  # an empty tag is a tag like any other: nothing logged under it
                assert reply.status == 200, target
                continue
            assert reply.status == 400, target
            assert reply.headers["Content-Type"] == "application/json"
            assert_security_headers(reply.headers)
            message = strict_json(reply.body)["error"]
            assert words in message, (target, message)
            assert "Traceback" not in message


# -- CSV -------------------------------------------------------------------------------------


def test_csv_is_full_resolution(store):
    with serving(store) as client:
        reply = client.get("/api/scalars.csv?tag=loss")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert reply.headers["Content-Disposition"] == 'attachment; filename="loss.csv"'
        assert_security_headers(reply.headers)
        rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8"))))
        only_a = list(
            csv.reader(
                io.StringIO(client.get("/api/scalars.csv?tag=loss&run=a").body.decode("utf-8"))
            )
        )
    assert rows[0] == ["run", "step", "wall_time", "value"]
    expected = []
    for run in (".", "a", "b/c"):
        steps, walls, values = store.scalars(run, "loss")
        expected += [[run, str(s), repr(w), repr(v)] for s, w, v in zip(steps, walls, values)]
    assert rows[1:] == expected
    assert len(rows) == 1 + SCALAR_STEPS + 100 + 2
    assert [".", "100", repr(1050.0), "nan"] in rows and [".", "200", repr(1100.0), "inf"] in rows
    assert only_a[1:] == [r for r in expected if r[0] == "a"]


def test_csv_file_name_keeps_only_safe_characters():
    fake = FakeStore()
    tag = 'loss/train "x";\r\n\u00e9.v-1_'
    fake.scalar_data[('r,"1"', tag)] = scalar_series([1], [0.5])
    with serving(fake) as client:
        from urllib.parse import quote

        reply = client.get("/api/scalars.csv?tag=" + quote(tag))
    assert reply.headers["Content-Disposition"] == (
        'attachment; filename="loss_train__x_____.v-1_.csv"'
    )
    assert list(csv.reader(io.StringIO(reply.body.decode("utf-8")))) == [
        ["run", "step", "wall_time", "value"],
        ['r,"1"', "1", "101.0", "0.5"],
    ]


# -- images, audio, blobs --------------------------------------------------------------------


def test_images_and_audio_list_items_and_blobs_decode(store):
    with serving(store) as client:
        images = client.json("/api/images?tag=pic")
        audio = client.json("/api/audio?tag=beep")
        assert images["tag"] == "pic" and [s["run"] for s in images["series"]] == ["a"]
        items = store.items("images", "a", "pic")
        assert images["series"][0]["items"] == [
            {
                "index": i,
                "step": it.step,
                "wall_time": it.wall_time,
                "samples": it.samples,
                "width": it.width,
                "height": it.height,
            }
            for i, it in enumerate(items)
        ]
        assert [it["step"] for it in images["series"][0]["items"]] == [1, 2]
        assert images["series"][0]["items"][0]["width"] == 2
        clips = store.items("audio", "a", "beep")
        assert audio["series"][0]["items"] == [
            {
                "index": i,
                "step": it.step,
                "wall_time": it.wall_time,
                "samples": it.samples,
                "sample_rate": it.sample_rate,
                "length_frames": it.length_frames,
            }
            for i, it in enumerate(clips)
        ]
        assert audio["series"][0]["items"][0]["sample_rate"] == 8000
        for kind, tag, content_type in (
            ("images", "pic", "image/png"),
            ("audio", "beep", "audio/wav"),
        ):
            reply = client.get("/api/blob?kind=%s&run=a&tag=%s&index=0&sample=0" % (kind, tag))
            assert reply.status == 200
            assert reply.headers["Content-Type"] == content_type
            assert "Content-Disposition" not in reply.headers
            assert_security_headers(reply.headers)
            assert reply.body == store.blob(kind, "a", tag, 0, 0)
        for target in (
            "/api/blob?kind=images&run=a&tag=pic&index=9&sample=0",
            "/api/blob?kind=images&run=a&tag=pic&index=0&sample=3",
            "/api/blob?kind=images&run=zz&tag=pic&index=0&sample=0",
            "/api/blob?kind=audio&run=a&tag=pic&index=0&sample=0",
        ):
            reply = client.get(target)
            assert reply.status == 404, target
            assert strict_json(reply.body) == {"error": "no such sample"}
        assert client.json("/api/images?tag=nope") == {"tag": "nope", "series": []}


# Known formats are served as their type, anything else as an attachment; every signature
# payloads.blob_type knows is tested in tests/test_viewer_payloads.py.
BLOBS = [
    (png_bytes(), "image/png"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    (b"<svg onload=alert(1)>", None),
    (b"<html><script>alert(1)</script>", None),
    (b"", None),
]


def test_blob_content_type_by_magic_bytes():
    fake = FakeStore()
    for i, (data, _) in enumerate(BLOBS):
        fake.blobs[("images", "r", "t", i, 0)] = data
    with serving(fake) as client:
        for i, (data, content_type) in enumerate(BLOBS):
            reply = client.get("/api/blob?kind=images&run=r&tag=t&index=%d&sample=0" % i)
            assert (reply.status, reply.body) == (200, data)
            assert_security_headers(reply.headers)
            if content_type is None:
                assert reply.headers["Content-Type"] == "application/octet-stream"
                assert reply.headers["Content-Disposition"] == "attachment"
            else:
                assert reply.headers["Content-Type"] == content_type
                assert "Content-Disposition" not in reply.headers


# -- histograms, text, hparams ---------------------------------------------------------------


def test_histograms_are_sampled_evenly_keeping_first_and_last(store):
    with serving(store) as client:
        reply = client.json("/api/histograms?tag=weights")
        few = client.json("/api/histograms?tag=weights&max=7")
        one = client.json("/api/histograms?tag=weights&max=1")
        every = client.json("/api/histograms?tag=weights&max=500")
    events = store.histograms(".", "weights")
    assert len(events) == 120
    items = reply["series"][0]["items"]
    assert reply["tag"] == "weights" and reply["series"][0]["run"] == "."
    assert len(items) == 50 and items[0]["step"] == 0 and items[-1]["step"] == 119
    steps = [it["step"] for it in items]
    gaps = {b - a for a, b in zip(steps, steps[1:])}
    assert steps == sorted(set(steps)) and gaps <= {2, 3}
    assert [it["step"] for it in few["series"][0]["items"]] == [0, 20, 40, 60, 79, 99, 119]
    assert [it["step"] for it in one["series"][0]["items"]] == [119]
    assert len(every["series"][0]["items"]) == 120
    for item in items:
        step, wall_time, buckets = events[item["step"]]
        assert item["buckets"] == [list(b) for b in buckets]
        assert (item["min"], item["max"]) == (buckets[0][0], buckets[-1][1])
        assert item["wall_time"] == wall_time


def test_text_is_rendered_by_markdown(store):
    (tag,) = store.tags()["text"]  # "notes", or "notes/text_summary" as TensorBoard shows it
    assert tag.startswith("notes")
    with serving(store) as client:
        reply = client.json("/api/text?tag=" + tag)
    (entry,) = reply["series"]
    expected = [
        {"step": step, "wall_time": wall, "html": markdown.render_text(value)}
        for step, wall, value in store.text(".", tag)
    ]
    assert entry == {"run": ".", "items": expected} and len(expected) == 2
    assert "<script>" not in expected[0]["html"]


def test_hparams_json_has_no_nan(store):
    with serving(store) as client:
        reply = client.get("/api/hparams")
        assert reply.headers["Cache-Control"] == "no-store"
        hparams = strict_json(reply.body)
    assert hparams == json.loads(json.dumps(payloads.finite(store.hparams())))
    (session,) = hparams["sessions"]
    assert session["hparams"] == {"lr": 0.1, "opt": "sgd"}
    assert session["metrics"]["hp/metric"] == "NaN"


def test_to_json_maps_non_finite_floats():
    value = {"a": [math.nan, math.inf, -math.inf, 1.5, "NaN"], "b": (1, {"c": -math.inf})}
    assert strict_json(server.to_json(value)) == {
        "a": ["NaN", "Infinity", "-Infinity", 1.5, "NaN"],
        "b": [1, {"c": "-Infinity"}],
    }
    assert server.to_json({"t": "\u00e9<"}) == '{"t":"\u00e9<"}'.encode("utf-8")


# -- logging and failures --------------------------------------------------------------------


def test_no_stderr_noise(store, capfd, static_dir):
    with serving(store, static_dir=static_dir) as client:
        for target in (
            "/",
            "/api/index",
            "/api/scalars?tag=loss",
            "/nothing",
            "/api/scalars",
            "/api/blob?kind=images&run=a&tag=pic&index=0&sample=0",
        ):
            client.get(target)
        client.get("/", host="evil.com")
        client.request("POST", "/", body=b"")
        with socket.create_connection(("127.0.0.1", client.port)) as sock:  # not HTTP
            sock.sendall(b"GARBAGE\r\n\r\n")
            sock.recv(4096)
        with socket.create_connection(("127.0.0.1", client.port)) as sock:  # hangs up at once
            sock.sendall(b"GET /api/scalars?tag=loss HTTP/1.1\r\n")
        time.sleep(0.2)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_verbose_logs_each_request(store, capfd, static_dir):
    with serving(store, static_dir=static_dir, verbose=True) as client:
        client.get("/api/index")
        client.get("/nothing")
    err = capfd.readouterr().err
    assert '"GET /api/index HTTP/1.1" 200' in err and '"GET /nothing HTTP/1.1" 404' in err


def test_a_failing_store_is_a_500_and_one_line(capfd):
    fake = FakeStore()
    fake.fail = RuntimeError("disk on fire")
    with serving(fake) as client:
        reply = client.get("/api/images?tag=x")
        assert reply.status == 500
        assert strict_json(reply.body) == {"error": "internal error: RuntimeError"}
        assert_security_headers(reply.headers)
        assert client.get("/api/hparams").status == 200  # the server goes on
    err = capfd.readouterr().err
    assert err == "tinytb serve: error answering /api/images?tag=x: RuntimeError: disk on fire\n"


def test_a_taken_port_is_a_listen_error():
    with serving(FakeStore()) as client:
        with pytest.raises(server.ListenError) as caught:
            server.make_server(FakeStore(), "127.0.0.1", client.port)
    message = str(caught.value)
    assert message.startswith("cannot listen on 127.0.0.1:%d: " % client.port)
    assert "--port" in message and "\n" not in message
    with pytest.raises(server.ListenError, match="unknown host"):
        server.make_server(FakeStore(), "no-such-host.invalid", 0)


def test_serve_loads_first_then_prints_the_url(logdir, monkeypatch):
    printed = io.StringIO()
    started = threading.Event()
    servers = []
    real = server.make_server

    def spy(*args, **kwargs):
        made = real(*args, **kwargs)
        servers.append(made)
        made.service_actions = started.set  # called by serve_forever's loop
        return made

    monkeypatch.setattr(server, "make_server", spy)
    thread = threading.Thread(
        target=server.serve, args=(logdir, "127.0.0.1", 0), kwargs={"out": printed}
    )
    thread.daemon = True
    thread.start()
    assert started.wait(60)
    (httpd,) = servers
    text = printed.getvalue()
    try:
        assert text.startswith("loaded %s in " % logdir)
        assert "s: 4 runs, " in text.splitlines()[0]
        url = "http://127.0.0.1:%d/" % httpd.server_port
        assert text.splitlines()[1] == "serving on %s  (Ctrl-C to stop)" % url
        assert httpd.app.store.runs() == [".", "a", "b/c", "b/c/hp"]  # loaded before serving
        client = Client(httpd.server_port)
        assert client.json("/api/index")["runs"] == [".", "a", "b/c", "b/c/hp"]
    finally:
        httpd.shutdown()
        thread.join(30)
    assert not thread.is_alive()


def test_scalars_bodies_are_cached_per_generation():
    fake = FakeStore()
    fake.scalar_data[("r", "t")] = scalar_series(range(5), [1.0, 2.0, 3.0, 4.0, 5.0])
    calls = []
    real = server.scalars_body

    def counting(*args):
        calls.append(args[1:])
        return real(*args)

    with serving(fake) as client:
        server.scalars_body, saved = counting, server.scalars_body
        try:
            first = client.get("/api/scalars?tag=t").body
            assert client.get("/api/scalars?tag=t").body == first and len(calls) == 1
            client.get("/api/scalars?tag=t&smoothing=0.5")
            assert len(calls) == 2  # other parameters: computed
            fake.scalar_data[("r", "t")] = scalar_series(range(6), [1.0] * 6)
            fake.generation += 1  # what a refresh that found new data does
            header, columns = decode_scalars(client.get("/api/scalars?tag=t").body)
            assert len(calls) == 3 and header["series"][0]["total"] == 6
        finally:
            server.scalars_body = saved


def test_keep_alive_serves_many_requests_on_one_connection(store, static_dir):
    with serving(store, static_dir=static_dir) as client:
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
        try:
            bodies = []
            for target in (
                "/",
                "/api/index",
                "/nothing",
                "/api/scalars?tag=loss",
                "/api/x?",
                "/api/scalars?tag=loss",
            ):
                conn.request("GET", target)
                resp = conn.getresponse()
                bodies.append((resp.status, resp.read()))
            conn.request("HEAD", "/static/app.js")
            head = conn.getresponse()
            assert (head.status, head.read()) == (200, b"")
            conn.request("GET", "/static/app.js")  # after a HEAD: no body was left behind
            assert conn.getresponse().read() == b"// APP"
        finally:
            conn.close()
    assert [s for s, _ in bodies] == [200, 200, 404, 200, 404, 200]
    assert bodies[3][1] == bodies[5][1] and bodies[3][1][:4] == b"TTBS"


def test_ipv6_loopback():
    try:
        httpd = server.make_server(FakeStore(), "::1", 0)
    except server.ListenError as err:
        pytest.skip("no IPv6 loopback here: %s" % err)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        conn = http.client.HTTPConnection("::1", httpd.server_port, timeout=30)
        conn.request("GET", "/api/hparams")  # http.client sends Host: [::1]:port
        resp = conn.getresponse()
        assert (resp.status, strict_json(resp.read())["sessions"]) == (200, [])
        conn.close()
        assert server.url_of(httpd, "::1") == "http://[::1]:%d/" % httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def test_tags_and_runs_with_query_characters_round_trip():
    from urllib.parse import urlencode

    fake = FakeStore()
    tag, run = "a+b &c=d%e/\u00e9;f#g", "run +1&x=%"
    fake.scalar_data[(run, tag)] = scalar_series([0, 1], [1.0, 2.0])
    fake.texts[(run, tag)] = [(0, 1.0, "hi")]
    with serving(fake) as client:
        target = "/api/scalars?" + urlencode({"tag": tag, "run": run})  # spaces as "+"
        header, columns = decode_scalars(client.get(target).body)
        assert header["tag"] == tag and [e["run"] for e in header["series"]] == [run]
        assert columns[0][2] == (1.0, 2.0)
        assert client.json("/api/text?" + urlencode({"tag": tag}))["series"][0]["run"] == run
        assert client.json("/api/index")["tags"]["scalars"] == {tag: [run]}


def test_scalars_layout_leaves_out_what_it_can_and_stays_aligned():
    # Steps by a fixed stride are not sent and float32-exact values take 4 bytes; irregular
    # steps and float64 values are sent whole; every series starts 8-byte aligned.
    fake = FakeStore()
    steps = array.array("q", range(10, 10 + 5 * 7, 5))  # 7 points: odd, so float32 pads
    walls = array.array("d", [1000.0 + i for i in range(7)])
    halves = array.array("d", [i / 2 for i in range(7)])  # exact in float32
    fake.scalar_data[("a", "t")] = (steps, walls, halves)
    odd = array.array("q", [0, 1, 3, 7])
    tenths = array.array("d", [0.1, 0.2, 0.3, 0.4])  # not float32
    fake.scalar_data[("b", "t")] = (odd, array.array("d", [5.0, 6.0, 7.0, 8.0]), tenths)
    with serving(fake) as client:
        body = client.get("/api/scalars?tag=t&smoothing=0").body
    header, columns = decode_scalars(body)
    first, second = header["series"]
    assert (first["step_start"], first["step_stride"], first["value_bytes"]) == (10, 5, 4)
    assert "step_stride" not in second and second["value_bytes"] == 8
    assert columns[0][0] == tuple(float(s) for s in steps)
    assert columns[0][2] == tuple(halves) and columns[1][2] == tuple(tenths)
    assert columns[1][0] == (0.0, 1.0, 3.0, 7.0)
    head = 8 + struct.unpack_from("<I", body, 4)[0]
    head += -head % 8
    # both sent whole (the page smooths them): a: wall float64, values 7 x 4 bytes + 4 of
    # padding; b: steps, wall and values float64
    assert not first["smoothed"] and not second["smoothed"]
    assert len(body) == head + (7 * 8 + 7 * 4 + 4) + 4 * 3 * 8
    # reduced to 1 pixel column, the server smooths (over all points) and sends that column
    with serving(fake) as client:
        header, columns = decode_scalars(client.get("/api/scalars?tag=t&width=1").body)
    assert header["series"][0]["smoothed"] and header["series"][0]["n"] < 7
    assert columns[0][3][-1] == series.smooth(halves, 0.6)[-1]
