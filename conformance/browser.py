"""A small driver for the viewer's browser tests: headless Chromium and ``tinytb serve``.

Chromium and its driver come from Debian's packages (``apt-get install chromium
chromium-driver``: /usr/bin/chromium, /usr/bin/chromedriver; ``TINYTB_CHROMIUM`` and
``TINYTB_CHROMEDRIVER`` point elsewhere), driven through selenium
(conformance/requirements.txt). Selenium Manager is never used: the driver path is
given, so nothing is downloaded.

- ``Browser``: one headless Chromium (``--headless=new --no-sandbox``, a fixed
  1400x1000 window so screenshots compare across runs), with the console kept
  (``goog:loggingPrefs`` browser ALL): ``errors()`` returns the SEVERE entries
  since the last call (JavaScript errors, CSP violations, failed loads).
  ``wait_ready()`` waits for ``document.body.dataset.ready == "1"``, which the page
  sets once every card of the dashboard has drawn (the frontend contract of
  notes/viewer-design.md); ``screenshot()`` saves the whole page.
- ``ViewerServer``: ``python -m tinytb serve LOGDIR --host 127.0.0.1 --port N`` in a
  subprocess on a free port, ready once ``/api/index`` answers 200; stopped by pid.
- ``run_report``: ``python -m tinytb report LOGDIR -o FILE``.

The package under test is the one conformance/target.py names (``TINYTB_MODULE``,
``TINYTB_PATH``), run with ``-m`` in a fresh interpreter.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from . import deps, servers, target

CHROMIUM = os.environ.get("TINYTB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINYTB_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1400, 1000)
BROWSER_HINT = (
    "the browser tests need Debian's Chromium and its driver (apt-get install chromium "
    "chromium-driver) and selenium (pip install -r conformance/requirements.txt)"
)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BrowserError(AssertionError):
    pass


def missing():
    """Why the browser tests cannot run here (a sentence), or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return "%s is not installed; %s" % (path, BROWSER_HINT)
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed; %s" % BROWSER_HINT
    return None


def need_browser():
    """Skip the calling test (a failure under CI) unless Chromium, its driver and selenium
    are all here."""
    import pytest

    why = missing()
    if why:
        pytest.skip(why)
    deps.need("selenium")


def module_name():
    """The module run with ``python -m`` (PyTorch's writer has no viewer: tinytb then)."""
    return "tinytb" if target.is_torch() else target.MODULE_NAME


def child_env():
    """The environment of a tinytb subprocess: this checkout (or TINYTB_PATH) importable."""
    env = dict(os.environ)
    paths = [p for p in (target.EXTRA_PATH, REPO) if p]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # serve keeps a cache of decoded files: the suite's goes to a folder of its own, not ~/.cache
    cache = os.path.join(tempfile.gettempdir(), "tinytb-conformance-cache")
    env.setdefault("TINYTB_CACHE_DIR", cache)
    return env


# ---------------------------------------------------------------------------
# The browser


class Browser:
    """One headless Chromium, quit by ``close()`` (or as a context manager)."""

    def __init__(self, window=WINDOW):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in (
            "--headless=new",
            "--no-sandbox",  # as root in a container: no user namespace for the sandbox
            "--window-size=%d,%d" % window,
            "--disable-gpu",
            "--disable-dev-shm-usage",  # small /dev/shm in containers
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--no-first-run",
            "--disable-extensions",
        ):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # An alert left open must not be dismissed silently: the next command raises.
        options.set_capability("unhandledPromptBehavior", "ignore")
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self._log = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None

    # -- navigation and state

    def open(self, url):
        self.driver.get(url)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def ready(self):
        return self.js("return document.body ? document.body.dataset.ready || '' : ''") == "1"

    def wait_ready(self, timeout=30.0, what="the page"):
        """Wait until ``document.body.dataset.ready == "1"``; returns the seconds waited."""
        return self.wait(self.ready, timeout, "%s to set body.dataset.ready" % what)

    def wait(self, predicate, timeout, what, interval=0.02):
        start = time.monotonic()
        while True:
            self.alert_text(raise_if_open=True)
            if predicate():
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise BrowserError(
                    "timed out after %.0f s waiting for %s (url %s; console: %s)"
                    % (timeout, what, self.driver.current_url, self.console())
                )
            time.sleep(interval)

    def alert_text(self, raise_if_open=False):
        """The text of an open alert/confirm/prompt dialog, or None."""
        from selenium.common.exceptions import NoAlertPresentException

        try:
            text = self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None
        if raise_if_open:
            raise BrowserError("a dialog opened: %r" % (text,))
        return text

    # -- console

    def console(self):
        """Every console entry since the last call, kept for ``errors()`` too."""
        entries = self.driver.get_log("browser")
        self._log.extend(entries)
        return entries

    def errors(self):
        """The SEVERE console entries (errors, CSP violations, failed loads) since the last
        call; the log is then emptied."""
        self.console()
        bad = [e for e in self._log if e.get("level") == "SEVERE"]
        self._log = []
        return bad

    def assert_no_errors(self, where=""):
        bad = self.errors()
        if bad:
            raise BrowserError(
                "console errors%s:\n%s"
                % (" on " + where if where else "", "\n".join(e["message"] for e in bad))
            )

    # -- screenshots

    def screenshot(self, path):
        """Save the whole page (beyond the window) as a PNG at ``path``; returns the path."""
        import base64

        size = self.js(
            "var d = document.documentElement, b = document.body;"
            "return [Math.max(d.scrollWidth, b ? b.scrollWidth : 0),"
            " Math.max(d.scrollHeight, b ? b.scrollHeight : 0)];"
        )
        width = max(WINDOW[0], int(size[0]))
        height = min(max(WINDOW[1], int(size[1])), 16000)
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path


def screenshot_dir(tmp_path_factory):
    """Where screenshots go: ``$TINYTB_SCREENSHOTS`` (created) or a temporary directory of
    the test run (kept by pytest: the last three runs under its basetemp)."""
    chosen = os.environ.get("TINYTB_SCREENSHOTS")
    if chosen:
        os.makedirs(chosen, exist_ok=True)
        return os.path.abspath(chosen)
    return str(tmp_path_factory.mktemp("screenshots"))


# ---------------------------------------------------------------------------
# tinytb serve / report in subprocesses


def free_port():
    """A port the OS says is free now (closed again: the server binds it next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ViewerServer:
    """``python -m tinytb serve LOGDIR`` on 127.0.0.1 and a free port, stopped by pid."""

    def __init__(self, logdir, log_path, port=None, extra_args=(), python=None):
        self.logdir = str(logdir)
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = str(log_path)
        self.started = time.monotonic()
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [python or sys.executable, "-m", module_name(), "serve", self.logdir]
            + ["--host", "127.0.0.1", "--port", str(self.port)]
            + list(extra_args),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=child_env(),
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        return servers.read_log(self.log_path)

    def url(self, path="/"):
        return self.base + path

    def get(self, path, timeout=30):
        """(status, headers, body) of a GET; HTTP errors are returned, not raised."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, path):
        status, _, body = self.get(path)
        if status != 200:
            raise BrowserError("GET %s -> %s: %r" % (path, status, body[:300]))
        return json.loads(body.decode("utf-8"))

    def wait_ready(self, timeout=30.0):
        """Wait until ``/api/index`` answers 200; returns seconds since the process started."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise BrowserError(
                    "tinytb serve exited with %s:\n%s" % (self.process.returncode, self.log())
                )
            try:
                status, _, _ = self.get("/api/index", timeout=5)
                if status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BrowserError(
                    "tinytb serve did not answer /api/index in %ss:\n%s" % (timeout, self.log())
                )
            time.sleep(0.02)

    def stop(self):
        servers.stop_process(self.process, self._log)


def run_report(logdir, out_path, extra_args=(), timeout=120):
    """``python -m tinytb report LOGDIR -o OUT``; returns OUT (raises with the output on a
    non-zero status)."""
    proc = subprocess.run(
        [sys.executable, "-m", module_name(), "report", str(logdir), "-o", str(out_path)]
        + list(extra_args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=child_env(),
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise BrowserError(
            "tinytb report exited with %s:\n%s"
            % (proc.returncode, proc.stdout.decode("utf-8", "replace"))
        )
    return str(out_path)


def file_url(path):
    """The file:// URL of a local path."""
    import pathlib

    return pathlib.Path(os.path.abspath(path)).as_uri()
