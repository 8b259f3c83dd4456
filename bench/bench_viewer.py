"""The viewer's load time, side by side with TensorBoard's two servers (issue 12, "Fast").

    python bench/bench_viewer.py            # full run: 100 runs x 10 tags x 1,000 steps
    python bench/bench_viewer.py --quick    # smoke run (~1 min): 20 runs, 1 round, no Python loader

Run it with the conformance venv's interpreter (conformance/requirements.txt: tensorboard
2.21.0 and tensorboard-data-server 0.7.2, selenium) and Debian's chromium + chromium-driver to
get every column; without tensorboard the anchors are skipped, without a browser the browser
rows (a note says which). tinytb is always imported from this checkout.

The log: ``RUNS`` runs x 10 tags x 1,000 steps (full: 100 runs, 1M points, ~48 MB), one file
per run, written once by tinytb's ``SummaryWriter.add_scalar`` into a cache folder
(``--cache``, default ``$TMPDIR/tinytb-bench-viewer-<shape>``; a ``complete`` marker is written
last, so an interrupted write is redone).

Timed from the moment the server process is started (every figure includes interpreter
start-up and imports, as a user sees it):

- **Rust data server** (``tensorboard --load_fast=true``): until one POST of TensorBoard's
  time-series route (``/data/plugin/timeseries/timeSeries``, the 10 scalar tags, as its
  dashboard asks) returns every run with all 1,000 points of every tag (polled: the data
  server loads in the background, so earlier answers are partial).
- **Python loader** (``--load_fast=false``): the same; full runs only (about 73 s).
- **tinytb serve, HTTP**: until ``/api/index`` lists every run and tag and the 10
  ``/api/scalars?tag=`` responses (fetched together on 6 connections, as a browser does;
  ``width=1000``, so nothing is reduced) have every run with all 1,000 points.
- **tinytb serve, browser, first open**: until the scalars page reports ``ready`` with 10
  cards, each with 100,000 (quick: 20,000) ``data-points`` (a browser already running on
  about:blank is pointed at the page as soon as the port accepts connections).
- **tinytb serve, browser, reopen**: a second load of the page against the warm server,
  timed from the navigation.
- **tinytb serve, browser, restart**: that server stopped and a new one started on the same
  log with the cache of decoded files the first wrote (``TINYTB_CACHE_DIR``; every tinytb
  server here starts with an empty one otherwise), timed from the new process's start until
  the page is ready.

Then where tinytb's time goes, each piece timed on its own: interpreter start and imports
(``python -c "import tinytb.__main__, tinytb.viewer.server, tinytb.viewer.store"`` against
``python -c pass``); ``Store(logdir).refresh()`` in this process (a fresh Store each round);
each of the 10 ``/api/scalars`` requests alone against the warm server; and in the browser
(Resource Timing): the page and app.js, the API requests, and the JavaScript after the last
response until ``ready``.

Method as bench_reader.py's: medians over rounds (full 3, quick 1), every contender once per
round in an order that rotates; ratios per round against the Rust server, then their median.
Goals (issue 12): browser first open <= 2x the Rust server's time; reopen <= 1x (both the
warm-server reopen and the restart on a warm cache are held to it). One PASS/FAIL
line per goal. Exit status 0 whatever the timings; 1 when a server never serves every point.
"""

from __future__ import print_function

import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if sys.path[0] != REPO:
    sys.path.insert(0, REPO)

from bench_reader import render_table  # noqa: E402 (this folder is on sys.path: a script)

TAGS = 10
STEPS = 1000
FULL_RUNS = 100
QUICK_RUNS = 20
WIDTH = 1000  # /api/scalars?width=: n <= 2 * width keeps every point (design note, reduce)
CONNECTIONS = 6  # what a browser opens to one host (HTTP/1.1)
TIMEOUT = 240.0  # seconds before a server is declared unable to serve everything

# Goals of issue 12, against the Rust data server's time.
GOAL_FIRST_OPEN = 2.0
GOAL_REOPEN = 1.0

CHROMIUM = os.environ.get("TINYTB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINYTB_CHROMEDRIVER", "/usr/bin/chromedriver")


class Failure(Exception):
    pass


# --------------------------------------------------------------------------
# The log


def tag_names():
    return ["metric/%d" % i for i in range(TAGS)]


def run_names(runs):
    return ["run%03d" % r for r in range(runs)]


def ensure_log(cache, runs):
    """The cached log folder for ``runs`` runs, written first if it is not complete."""
    root = os.path.join(cache, "tinytb-bench-viewer-%dx%dx%d" % (runs, TAGS, STEPS))
    marker = os.path.join(root, "complete")
    if os.path.exists(marker):
        return root
    from tinytb import SummaryWriter

    shutil.rmtree(root, ignore_errors=True)
    sys.stderr.write(
        "writing %d runs x %d tags x %d steps into %s...\n" % (runs, TAGS, STEPS, root)
    )
    start = time.perf_counter()
    for r, run in enumerate(run_names(runs)):
        w = SummaryWriter(os.path.join(root, run), max_queue=1000)
        for step in range(STEPS):
            for i, tag in enumerate(tag_names()):
                w.add_scalar(
                    tag, ((step * 0.001 + i) * (1 + r * 0.01)) % 7.0, step, walltime=1.7e9 + step
                )
        w.close()
    with open(marker, "w") as f:
        f.write("written in %.1f s\n" % (time.perf_counter() - start))
    return root


def log_bytes(root):
    total = 0
    for dirpath, _, files in os.walk(root):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files if "tfevents" in f)
    return total


# --------------------------------------------------------------------------
# Processes and HTTP


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env():
    env = dict(os.environ)
    extra = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
    env["PYTHONPATH"] = os.pathsep.join([REPO] + extra)
    return env


class Process:
    """A server subprocess, output kept in a temporary file, stopped by pid."""

    def __init__(self, argv, port, cache_dir=None, owned=False):
        self.port = port
        self.cache_dir = cache_dir
        self.owned = owned  # the cache folder goes when the process stops
        env = child_env()
        if cache_dir is not None:
            env["TINYTB_CACHE_DIR"] = cache_dir
        self.base = "http://127.0.0.1:%d" % port
        self.log = tempfile.TemporaryFile()
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def output(self, tail=3000):
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        return text[-tail:] if tail else text

    def check_alive(self):
        if self.proc.poll() is not None:
            raise Failure(
                "%s exited with %s:\n%s" % (self.proc.args[:4], self.proc.returncode, self.output())
            )

    def elapsed(self):
        return time.perf_counter() - self.start

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self.log.close()
        if self.owned:
            shutil.rmtree(self.cache_dir, ignore_errors=True)


def http_get(url, timeout=60, data=None):
    request = urllib.request.Request(url, data=data)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def wait_port(process, deadline):
    """Until the port accepts a TCP connection."""
    while True:
        process.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", process.port), timeout=1):
                return
        except OSError:
            pass
        if time.perf_counter() > deadline:
            raise Failure("nothing listens on port %d:\n%s" % (process.port, process.output()))
        time.sleep(0.005)


# --------------------------------------------------------------------------
# TensorBoard


def tensorboard_available():
    try:
        import tensorboard  # noqa: F401
    except ImportError as exc:
        return "tensorboard is not installed (%s)" % exc
    try:
        from tensorboard_data_server import server_binary

        if not server_binary():
            return "tensorboard-data-server has no binary for this platform"
    except ImportError:
        return "tensorboard-data-server is not installed"
    return None


# The line each loader logs (--verbosity 0) when its first load of the logdir is done: the
# Rust data server's load cycle (rustboard_core/src/cli.rs), the Python multiplexer's Reload
# (tensorboard/backend/event_processing/plugin_event_multiplexer.py).
LOADED_LINE = {True: "Finished load cycle", False: "Finished with EventMultiplexer.Reload()"}


def tensorboard_time(root, runs, load_fast, verify=False):
    """Seconds from starting ``tensorboard --load_fast=...`` until its loader says its first
    load is done and the scalars tags route lists every run and tag. With ``verify``, then
    (untimed) one POST of the time-series route for the 10 tags must return every point:
    returns (seconds, seconds of that POST) -- TensorBoard's Python side turns the points
    into JSON, ~3 s per 200k points here, which its dashboard would wait for as well."""
    port = free_port()
    p = Process(
        [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            root,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--verbosity",
            "0",
            "--load_fast=%s" % ("true" if load_fast else "false"),
        ],
        port,
    )
    try:
        want_runs = set(run_names(runs))
        deadline = p.start + (TIMEOUT if load_fast else 3 * TIMEOUT)
        loaded = listed = None
        while loaded is None or listed is None:
            p.check_alive()
            if loaded is None and LOADED_LINE[load_fast] in p.output(tail=None):
                loaded = p.elapsed()
            # The tags route only once the loader says it is done: polled earlier, the Python
            # server's answers (~0.7 s each while loading) would slow its own loader down.
            if loaded is not None and listed is None:
                try:
                    tags = json.loads(http_get(p.base + "/data/plugin/scalars/tags"))
                    if set(tags) == want_runs and all(len(t) == TAGS for t in tags.values()):
                        listed = p.elapsed()
                except (OSError, ValueError):
                    pass
            if time.perf_counter() > deadline:
                raise Failure(
                    "tensorboard --load_fast=%s did not load in %ds:\n%s"
                    % (load_fast, TIMEOUT, p.output())
                )
            time.sleep(0.005)
        elapsed = max(loaded, listed)
        if not verify:
            return elapsed, None
        body = urllib.parse.urlencode(
            {"requests": json.dumps([{"plugin": "scalars", "tag": t} for t in tag_names()])}
        ).encode("ascii")
        start = time.perf_counter()
        answer = json.loads(
            http_get(
                p.base + "/data/plugin/timeseries/timeSeries", data=body, timeout=TIMEOUT
            ).decode("utf-8")
        )
        post = time.perf_counter() - start
        if not _tb_complete(answer, want_runs):
            raise Failure(
                "tensorboard --load_fast=%s said it had loaded, but does not serve "
                "every point" % load_fast
            )
        return elapsed, post
    finally:
        p.stop()


def _tb_complete(answer, want_runs):
    if len(answer) != TAGS:
        return False
    for response in answer:
        series = response.get("runToSeries", {})
        if set(series) != want_runs:
            return False
        if any(len(points) != STEPS for points in series.values()):
            return False
    return True


# --------------------------------------------------------------------------
# tinytb serve


def start_tinytb(root, cache_dir=None):
    """tinytb serve on a free port; its cache of decoded files in ``cache_dir`` (None: a new,
    empty folder, so the load is cold)."""
    port = free_port()
    owned = cache_dir is None
    if owned:
        cache_dir = tempfile.mkdtemp(prefix="tinytb-bench-cache-")
    return Process(
        [sys.executable, "-m", "tinytb", "serve", root, "--host", "127.0.0.1", "--port", str(port)],
        port,
        cache_dir,
        owned,
    )


def scalars_url(base, tag):
    return (
        base
        + "/api/scalars?"
        + urllib.parse.urlencode({"tag": tag, "x": "step", "smoothing": "0.6", "width": str(WIDTH)})
    )


def parse_scalars(body):
    """The JSON header of an /api/scalars body (design note: b"TTBS", uint32 LE length)."""
    if body[:4] != b"TTBS":
        raise Failure("/api/scalars body does not start with TTBS: %r" % body[:16])
    (n,) = struct.unpack_from("<I", body, 4)
    return json.loads(body[8 : 8 + n].decode("utf-8"))


def _scalars_complete(body, runs):
    header = parse_scalars(body)
    series = header["series"]
    return len(series) == runs and all(s["n"] == STEPS and s["total"] == STEPS for s in series)


def tinytb_http_time(root, runs):
    """Seconds from starting ``tinytb serve`` until /api/index lists everything and the 10
    /api/scalars responses (6 at a time) hold every point."""
    p = start_tinytb(root)
    try:
        deadline = p.start + TIMEOUT
        wait_port(p, deadline)
        while True:
            p.check_alive()
            try:
                index = json.loads(http_get(p.base + "/api/index").decode("utf-8"))
                tags = index["tags"].get("scalars", {})
                if len(index["runs"]) == runs and all(
                    len(tags.get(t, [])) == runs for t in tag_names()
                ):
                    break
            except (OSError, ValueError):
                pass
            if time.perf_counter() > deadline:
                raise Failure("tinytb serve never listed every run and tag:\n%s" % p.output())
            time.sleep(0.02)
        with concurrent.futures.ThreadPoolExecutor(CONNECTIONS) as pool:
            bodies = list(pool.map(lambda t: http_get(scalars_url(p.base, t)), tag_names()))
        elapsed = p.elapsed()
        for tag, body in zip(tag_names(), bodies):
            if not _scalars_complete(body, runs):
                raise Failure(
                    "tinytb /api/scalars?tag=%s is not complete: %s"
                    % (tag, parse_scalars(body)["series"][:2])
                )
        return elapsed
    finally:
        p.stop()


# --------------------------------------------------------------------------
# The browser


def browser_available():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return "%s is not installed (apt-get install chromium chromium-driver)" % path
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r conformance/requirements.txt)"
    return None


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--window-size=1400,1000",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.get("about:blank")
    return driver


_READY_JS = """
var b = document.body;
if (!b || b.dataset.ready !== '1') return null;
var cards = document.querySelectorAll('#dashboard section.card');
return Array.prototype.map.call(cards, function (c) { return Number(c.dataset.points || 0); });
"""

_TIMING_JS = """
var nav = performance.getEntriesByType('navigation')[0];
var res = performance.getEntriesByType('resource').map(function (r) {
  return [r.name, r.startTime, r.responseEnd, r.encodedBodySize || 0]; });
return {now: performance.now(), domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
        responseEnd: nav ? nav.responseEnd : null, resources: res};
"""


def _wait_page(driver, runs, deadline):
    """Poll until the page is ready with 10 full cards; returns the points per card."""
    while True:
        points = driver.execute_script(_READY_JS)
        if points is not None and len(points) == TAGS and all(n > 0 for n in points):
            return points
        if time.perf_counter() > deadline:
            raise Failure(
                "the scalars page was not ready with %d cards (got %r); console: %s"
                % (TAGS, points, driver.get_log("browser")[-5:])
            )
        time.sleep(0.005)


def tinytb_browser_times(driver, root, runs):
    """(first open, reopen, restart, (the first open's split, the reopen's split)) in
    seconds: first open from process start with an empty cache; reopen a second page load on
    the same server; restart a new server on the cache the first one wrote, from its start."""
    driver.get("about:blank")
    driver.get_log("browser")  # emptied: only this server's page is judged
    cache_dir = tempfile.mkdtemp(prefix="tinytb-bench-cache-")  # empty: the first load is cold
    p = start_tinytb(root, cache_dir)
    try:
        deadline = p.start + TIMEOUT
        wait_port(p, deadline)
        navigated = p.elapsed()
        driver.get(p.base + "/scalars")  # returns at the load event; the data come after
        points = _wait_page(driver, runs, deadline)
        first = p.elapsed()
        first_split = _split(driver.execute_script(_TIMING_JS))
        first_split["navigation"] = navigated
        _check_points(points, runs)
        driver.get("about:blank")
        start = time.perf_counter()
        driver.get(p.base + "/scalars")
        points = _wait_page(driver, runs, time.perf_counter() + TIMEOUT)
        reopen = time.perf_counter() - start
        timing = driver.execute_script(_TIMING_JS)
        _check_points(points, runs)
        driver.get("about:blank")  # the page's polls stop before its server does
        p.stop()
        p = start_tinytb(root, cache_dir)
        wait_port(p, p.start + TIMEOUT)
        driver.get(p.base + "/scalars")
        _check_points(_wait_page(driver, runs, p.start + TIMEOUT), runs)
        restart = p.elapsed()
        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        if severe:
            raise Failure("console errors: %s" % severe[:3])
        return first, reopen, restart, (first_split, _split(timing))
    finally:
        driver.get("about:blank")
        p.stop()
        shutil.rmtree(cache_dir, ignore_errors=True)


def _check_points(points, runs):
    # Each card draws every run; with 1,000 points per series and the page's own width the
    # server may reduce (keeping first/last/min/max per pixel column), so only "some of every
    # run" is checked here; the HTTP row checks completeness.
    if any(n < runs for n in points):
        raise Failure("a scalars card drew fewer points than runs: %r" % points)


def _query_width(resources):
    for r in resources:
        width = urllib.parse.parse_qs(urllib.parse.urlsplit(r[0]).query).get("width")
        if width:
            return int(width[0])
    return None


def _split(timing):
    """Browser-side split of a page load (seconds since navigation start): the page with
    app.js and style.css; /api/index; the /api/scalars requests (first start to last end);
    and the JavaScript after the last response (decoding, drawing) until ready."""
    res = timing["resources"]
    index = [r for r in res if "/api/index" in r[0]]
    scalars = [r for r in res if "/api/scalars" in r[0]]
    statics = [r for r in res if "/api/" not in r[0]]
    page_end = max([timing["domContentLoaded"] or 0.0] + [r[2] for r in statics])
    api_end = max([r[2] for r in index + scalars] or [page_end])
    return {
        "page": page_end / 1e3,
        "index": sum(r[2] - r[1] for r in index[:1]) / 1e3,
        "scalars": (max(r[2] for r in scalars) - min(r[1] for r in scalars)) / 1e3
        if scalars
        else 0.0,
        "scalars_requests": len(scalars),
        "scalars_bytes": sum(r[3] for r in scalars),
        "width": _query_width(scalars),
        "scalars_each": statistics.median(r[2] - r[1] for r in scalars) / 1e3 if scalars else 0,
        "after_api": (timing["now"] - api_end) / 1e3,
        "total": timing["now"] / 1e3,
    }


# --------------------------------------------------------------------------
# Where tinytb's time goes


def import_time(rounds):
    """(bare interpreter, interpreter + the serve command's imports) in seconds, medians."""

    def run(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=child_env())
        return time.perf_counter() - start

    bare = statistics.median(run("pass") for _ in range(max(3, rounds)))
    full = statistics.median(
        run("import tinytb.__main__, tinytb.viewer.server, tinytb.viewer.store")
        for _ in range(max(3, rounds))
    )
    return bare, full


def store_time(root, runs, rounds):
    """Median seconds of ``Store(root).refresh()`` in this process (a new Store each time)."""
    from tinytb.viewer.store import Store

    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        store = Store(root)
        store.refresh()
        times.append(time.perf_counter() - start)
        tags = store.tags().get("scalars", {})
        if len(store.runs()) != runs or any(len(tags.get(t, [])) != runs for t in tag_names()):
            raise Failure("Store.refresh() did not find every run and tag")
        del store
    return statistics.median(times)


def request_times(root, runs, rounds):
    """{tag: (first, median of repeats, bytes)} of each /api/scalars request alone, one at a
    time, against a server that has loaded the log."""
    p = start_tinytb(root)
    try:
        wait_port(p, p.start + TIMEOUT)
        http_get(p.base + "/api/index", timeout=TIMEOUT)
        out = {}
        for tag in tag_names():
            times = []
            for _ in range(1 + max(3, rounds)):
                start = time.perf_counter()
                body = http_get(scalars_url(p.base, tag))
                times.append(time.perf_counter() - start)
            if not _scalars_complete(body, runs):
                raise Failure("/api/scalars?tag=%s is not complete" % tag)
            # The first request computes the body (smoothing, reduction, encoding); the server
            # keeps it per data generation, so the repeats measure the cache and the transfer.
            out[tag] = (times[0], statistics.median(times[1:]), len(body))
        return out
    finally:
        p.stop()


# --------------------------------------------------------------------------
# Output


def fmt_s(x):
    return "-" if x is None else ("%.3f s" % x if x < 10 else "%.1f s" % x)


def fmt_ms(x):
    return "-" if x is None else "%.1f ms" % (x * 1e3)


def ratio(times, name, base):
    """Median over rounds of name_time / base_time (a slow-down: < 1 is faster than base)."""
    a, b = times.get(name), times.get(base)
    if not a or not b:
        return None
    return statistics.median(x / y for x, y in zip(a, b))


def _version(dist):
    try:
        from importlib import metadata

        return metadata.version(dist)
    except Exception:  # not installed
        return None


def _chromium_version():
    try:
        out = subprocess.run(
            [CHROMIUM, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30
        )
        return out.stdout.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError):
        return None


def environment(args):
    import platform

    import tinytb

    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print("tinytb from %s" % os.path.dirname(os.path.abspath(tinytb.__file__)))
    print(
        "Python %s on %s, %s CPUs, load average %s, %s"
        % (
            sys.version.split()[0],
            platform.platform(),
            os.cpu_count(),
            " ".join("%.2f" % x if isinstance(x, float) else x for x in load),
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        )
    )
    print(
        "anchors: tensorboard %s, tensorboard-data-server %s; browser: %s, selenium %s"
        % (
            _version("tensorboard") or "-",
            _version("tensorboard-data-server") or "-",
            _chromium_version() or "-",
            _version("selenium") or "-",
        )
    )


# --------------------------------------------------------------------------
# Main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (~1 min): 20 runs, 1 round")
    parser.add_argument("--rounds", type=int, default=0, help="override the number of rounds")
    parser.add_argument("--runs", type=int, default=0, help="override the number of runs")
    parser.add_argument(
        "--cache",
        default=os.environ.get("TINYTB_BENCH_CACHE", tempfile.gettempdir()),
        help="folder for the generated log (kept between runs)",
    )
    parser.add_argument("--no-anchors", action="store_true", help="tinytb alone")
    parser.add_argument("--no-browser", action="store_true", help="HTTP only")
    parser.add_argument(
        "--python-loader",
        choices=("auto", "yes", "no"),
        default="auto",
        help="time tensorboard --load_fast=false (auto: full runs only)",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    rounds = args.rounds or (1 if args.quick else 3)
    environment(args)
    root = ensure_log(args.cache, runs)
    size = log_bytes(root)
    print(
        "log: %d runs x %d tags x %d steps = %s points, %.1f MB, one file per run (%s)"
        % (runs, TAGS, STEPS, "{:,}".format(runs * TAGS * STEPS), size / 1e6, root)
    )
    print("rounds: %d (median shown)%s" % (rounds, "; --quick" if args.quick else ""))
    tb_missing = "not asked for" if args.no_anchors else tensorboard_available()
    br_missing = "not asked for" if args.no_browser else browser_available()
    slow = args.python_loader == "yes" or (args.python_loader == "auto" and not args.quick)
    if tb_missing:
        print("TensorBoard anchors: not measured (%s)" % tb_missing)
    if br_missing:
        print("browser rows: not measured (%s)" % br_missing)
    try:
        return _measure(args, root, runs, rounds, tb_missing, br_missing, slow)
    except Failure as exc:
        print("FAILED: %s" % exc)
        return 1


def _measure(args, root, runs, rounds, tb_missing, br_missing, slow):
    driver = None if br_missing else start_browser()
    try:
        contenders = []
        if not tb_missing:
            contenders.append(
                ("rust", lambda: tensorboard_time(root, runs, True, verify=not times["rust"]))
            )
        contenders.append(("tinytb_http", lambda: tinytb_http_time(root, runs)))
        if driver is not None:
            contenders.append(("tinytb_browser", lambda: tinytb_browser_times(driver, root, runs)))
        times = {"rust": [], "tinytb_http": [], "first_open": [], "reopen": [], "restart": []}
        splits = []
        for r in range(rounds):
            order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
            for name, fn in order:
                sys.stderr.write("  round %d/%d: %s...\n" % (r + 1, rounds, name))
                value = fn()
                if name == "rust":
                    times["rust"].append(value[0])
                    if value[1] is not None:
                        times["rust_post"] = [value[1]]
                elif name == "tinytb_browser":
                    times["first_open"].append(value[0])
                    times["reopen"].append(value[1])
                    times["restart"].append(value[2])
                    splits.append(value[3])
                else:
                    times[name].append(value)
        if slow and not tb_missing:
            sys.stderr.write("  python loader (one round)...\n")
            try:
                elapsed, post = tensorboard_time(root, runs, False, verify=True)
                times["python"] = [elapsed]
                times["python_post"] = [post]
            except Failure as exc:  # reported, the other figures still printed
                print("TensorBoard's Python loader: not measured (%s)" % str(exc)[:300])
        sys.stderr.write("  pieces...\n")
        bare, imported = import_time(rounds)
        store_s = store_time(root, runs, rounds)
        requests = request_times(root, runs, rounds)
    finally:
        if driver is not None:
            driver.quit()
    _report(times, splits, bare, imported, store_s, requests, runs)
    return 0


def _report(times, splits, bare, imported, store_s, requests, runs):
    def med(name):
        return statistics.median(times[name]) if times.get(name) else None

    rows = []
    for name, label in (
        ("rust", "TensorBoard, Rust data server (--load_fast=true): loaded, tags listed"),
        ("python", "TensorBoard, Python loader (--load_fast=false): loaded, tags listed"),
        ("tinytb_http", "tinytb serve: /api/index + 10 /api/scalars, every point"),
        ("first_open", "tinytb serve: scalars page ready in Chromium, first open"),
        ("reopen", "tinytb serve: scalars page ready in Chromium, reopen (warm server)"),
        ("restart", "tinytb serve restarted (its disk cache warm): scalars page ready"),
    ):
        if times.get(name):
            ratio_s = ratio(times, name, "rust")
            if name == "python" and med("rust"):
                ratio_s = med("python") / med("rust")
            rows.append([label, fmt_s(med(name)), "-" if ratio_s is None else "%.2fx" % ratio_s])
    print("\nTime from process start until every run and tag is served (reopen: from navigation)")
    print(render_table(["server", "time", "vs Rust"], rows))
    for name, label in (("rust_post", "Rust data server"), ("python_post", "Python loader")):
        if times.get(name):
            print(
                "TensorBoard (%s), loaded: one POST /data/plugin/timeseries/timeSeries of the "
                "10 tags, every point as JSON (what its dashboard waits for): %s"
                % (label, fmt_s(times[name][0]))
            )

    print("\nWhere tinytb's time goes (each piece alone)")
    req_total = sum(t for t, _, _ in requests.values())
    req_warm = sum(t for _, t, _ in requests.values())
    pieces = [
        ["Python start-up (python -c pass)", fmt_ms(bare)],
        [
            "+ imports of tinytb serve (tinytb.__main__, viewer.server, viewer.store)",
            fmt_ms(imported - bare),
        ],
        ["Store(logdir).refresh(), first load, in-process", fmt_ms(store_s)],
        ["10 /api/scalars one by one, first request of each tag (sum)", fmt_ms(req_total)],
        ["10 /api/scalars one by one, repeated: the server's body cache (sum)", fmt_ms(req_warm)],
    ]
    for tag, (t, warm, n) in sorted(requests.items()):
        pieces.append(
            [
                "  /api/scalars?tag=%s (%d series, %.0f kB): first, repeated"
                % (tag, runs, n / 1e3),
                "%s, %s" % (fmt_ms(t), fmt_ms(warm)),
            ]
        )
    for which, label in ((0, "first open"), (1, "reopen")):
        if not splits:
            break

        def ms(key, which=which):
            return statistics.median(s[which][key] for s in splits)

        if which == 0:
            pieces.append(
                [
                    "browser first open: the port accepts connections (navigation starts)",
                    fmt_ms(ms("navigation")),
                ]
            )
        pieces += [
            [
                "browser %s, from navigation: page + app.js + style.css loaded" % label,
                fmt_ms(ms("page")),
            ],
            [
                "browser %s: /api/index (refreshes the store if its last refresh is > 1 s old)"
                % label,
                fmt_ms(ms("index")),
            ],
            [
                "browser %s: %d /api/scalars, width=%s, %.1f MB (first start -> last end; "
                "median one %s)"
                % (
                    label,
                    splits[0][which]["scalars_requests"],
                    splits[0][which]["width"],
                    ms("scalars_bytes") / 1e6,
                    fmt_ms(ms("scalars_each")),
                ),
                fmt_ms(ms("scalars")),
            ],
            [
                "browser %s: after the last response -> ready (JS decode + draw)" % label,
                fmt_ms(ms("after_api")),
            ],
            ["browser %s: navigation -> ready (page clock)" % label, fmt_ms(ms("total"))],
        ]
    print(render_table(["piece", "time"], pieces))

    print()
    rust = med("rust")
    for name, goal, what in (
        ("first_open", GOAL_FIRST_OPEN, "first open"),
        ("reopen", GOAL_REOPEN, "reopen"),
        ("restart", GOAL_REOPEN, "restart (disk cache warm)"),
    ):
        r = ratio(times, name, "rust")
        if r is None:
            print("SKIP tinytb scalars page %s <= %.0fx Rust: not measured" % (what, goal))
            continue
        print(
            "%s tinytb scalars page %s <= %.0fx Rust: tinytb %s vs Rust %s: %.2fx"
            % ("PASS" if r <= goal else "FAIL", what, goal, fmt_s(med(name)), fmt_s(rust), r)
        )


if __name__ == "__main__":
    sys.exit(main())
