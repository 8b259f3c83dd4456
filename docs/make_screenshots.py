# SPDX-License-Identifier: MIT
"""Make the viewer's screenshots in docs/screenshots/ (README.md and docs/viewer.md show them).

    python docs/make_screenshots.py [--out docs/screenshots] [--width 1280] [--height 900]

Writes the demo log (``python -m tinytb demo``) into a temporary folder, starts
``python -m tinytb serve`` on it (127.0.0.1, a free port), opens each dashboard in headless
Chromium, waits until the page says every card has drawn (``document.body.dataset.ready ==
"1"``, the frontend's contract) and saves ``scalars.png`` (pointing at the ``loss/valid``
chart, so that its hover readout shows), ``images.png``, ``histograms.png``, ``text.png``,
``audio.png`` and ``hparams.png``; then writes ``tinytb report`` of the same log and saves
``report.png`` of it opened from ``file://``. Each PNG is the page as wide as the window and
at most --max-height pixels tall (the top of the page: what a reader of the README wants to
see), as Chromium encodes it; console errors, if any, are printed.

Needs Debian's Chromium and chromedriver (``apt-get install chromium chromium-driver``) and
selenium (``pip install -r conformance/requirements.txt``); the driver setup of
conformance/browser.py is reused when it imports.
"""

import argparse
import base64
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARDS = ("scalars", "images", "histograms", "text", "audio", "hparams")
CHROMIUM = os.environ.get("TINYTB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TINYTB_CHROMEDRIVER", "/usr/bin/chromedriver")


def child_env():
    """This checkout importable in the tinytb subprocesses."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
    return env


def tinytb(*args, **kwargs):
    """``python -m tinytb ARGS`` from this checkout (raises on a non-zero status)."""
    cmd = [sys.executable, "-m", "tinytb"] + [str(a) for a in args]
    return subprocess.run(cmd, check=True, env=child_env(), stdin=subprocess.DEVNULL, **kwargs)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(logdir, port, log):
    """``tinytb serve`` in a subprocess, returned once ``/api/index`` answers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinytb",
            "serve",
            logdir,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=child_env(),
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit("tinytb serve exited with status %s" % process.returncode)
        try:
            url = "http://127.0.0.1:%d/api/index" % port
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(process)
            raise SystemExit("tinytb serve did not answer within 60 s")
        time.sleep(0.05)


def stop(process):
    """Stop the server by its pid (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def open_driver(width, height):
    """A headless Chromium driver: conformance/browser.py's when it imports, else the same
    options here (the driver path is given, so Selenium Manager downloads nothing)."""
    sys.path.insert(0, REPO)
    try:
        from conformance import browser

        return browser.Browser(window=(width, height)).driver
    except ImportError:
        pass
    finally:
        sys.path.remove(REPO)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--window-size=%d,%d" % (width, height),
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_ready(driver, timeout=60.0):
    """Wait for ``body.dataset.ready == "1"`` (every card of the dashboard drawn)."""
    deadline = time.monotonic() + timeout
    script = "return document.body ? document.body.dataset.ready || '' : ''"
    while driver.execute_script(script) != "1":
        if time.monotonic() > deadline:
            raise SystemExit("%s never set body.dataset.ready" % driver.current_url)
        time.sleep(0.05)
    time.sleep(0.3)  # let the last frame paint (canvas draws, image decodes)


def fit_window(driver, height, max_height):
    """Make the viewport as tall as the page (at least ``height``, at most ``max_height``
    pixels), so the shot is of the viewport itself: a shot beyond the viewport makes Chromium
    resize the page for it, which ends a hover. Waits for the page to redraw."""
    inner, outer, page = driver.execute_script(
        "return [window.innerHeight, window.outerHeight,"
        " Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)]"
    )
    want = max(height - (outer - inner), min(int(page), max_height))
    if want != inner:
        size = driver.get_window_size()
        driver.set_window_size(size["width"], want + (outer - inner))
        time.sleep(0.3)  # the resize event, then the cards' redraw
        wait_ready(driver)


def hover(driver, tag):
    """Point at the chart of ``tag`` a little right of its middle, so the screenshot shows
    the hover readout (run, smoothed, value, step, time)."""
    from selenium.webdriver.common.action_chains import ActionChains

    cards = driver.find_elements("css selector", 'section.card[data-tag="%s"] canvas' % tag)
    if cards:
        ActionChains(driver).move_to_element(cards[-1]).move_by_offset(30, 10).perform()
        time.sleep(0.3)


def capture(driver, path, width, max_height):
    """Save the top of the page, ``width`` wide and at most ``max_height`` tall, as PNG."""
    page_height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)"
    )
    height = max(200, min(int(page_height), max_height))
    # Beyond the viewport Chromium resizes the page for the shot, which ends a hover: only
    # when the page is taller than the window.
    beyond = height > driver.execute_script("return window.innerHeight")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": beyond,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print("%s  %dx%d  %d bytes" % (path, width, height, os.path.getsize(path)))
    try:  # the console, when the driver keeps it (conformance/browser.py's does)
        errors = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    except Exception:  # a driver without the browser log
        errors = []
    for message in errors:
        print("  console error: %s" % message)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "screenshots"))
    parser.add_argument("--width", type=int, default=1280, help="window width (default 1280)")
    parser.add_argument("--height", type=int, default=900, help="window height (default 900)")
    parser.add_argument(
        "--max-height",
        type=int,
        default=1400,
        help="crop each page to this many pixels from the top (default 1400)",
    )
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="tinytb-shots-")
    logdir = os.path.join(work, "demo")
    try:
        tinytb("demo", logdir, stdout=subprocess.DEVNULL)
        driver = open_driver(args.width, args.height)
        try:
            port = free_port()
            with open(os.path.join(work, "serve.log"), "wb") as log:
                server = start_server(logdir, port, log)
                try:
                    for name in DASHBOARDS:
                        driver.set_window_size(args.width, args.height)  # as fit_window found it
                        driver.get("http://127.0.0.1:%d/%s" % (port, name))
                        wait_ready(driver)
                        fit_window(driver, args.height, args.max_height)
                        if name == "scalars":
                            hover(driver, "loss/valid")
                        capture(
                            driver,
                            os.path.join(args.out, name + ".png"),
                            args.width,
                            args.max_height,
                        )
                finally:
                    stop(server)
            report = os.path.join(work, "report.html")
            tinytb("report", logdir, "-o", report, stdout=subprocess.DEVNULL)
            driver.set_window_size(args.width, args.height)
            driver.get(pathlib.Path(report).as_uri() + "#scalars")
            wait_ready(driver)
            fit_window(driver, args.height, args.max_height)
            capture(driver, os.path.join(args.out, "report.png"), args.width, args.max_height)
        finally:
            driver.quit()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
