"""Real TensorBoard servers on 127.0.0.1, queried through the JSON API the web page uses.

``--load_fast=true`` runs the Rust data server (rustboard, TensorBoard's
default); ``--load_fast=false`` the Python loader.  Each server is started once
per run of the suite (session fixtures in conftest.py), on a port the OS picks
(``--port 0``; the URL is read from TensorBoard's log), and stopped by its pid.

Routes (tensorboard 2.21, ``tensorboard/plugins/*/..._plugin.py``):
  /data/runs, /data/plugins_listing (core),
  /data/plugin/scalars/tags, /data/plugin/scalars/scalars?run=&tag= (scalars_plugin.py),
  /data/plugin/text/tags, /data/plugin/text/text?run=&tag= (text_plugin.py),
  /data/plugin/custom_scalars/layout, /data/plugin/custom_scalars/scalars?run=&tag=<regex>
  (custom_scalars_plugin.py),
  /data/plugin/images/tags, /data/plugin/images/images?run=&tag=&sample=,
  /data/plugin/images/individualImage?blob_key= (images_plugin.py; the blob key comes from
  the "query" of the images route; sample -2 and -1 address the width and height blobs),
  /data/plugin/histograms/tags, /data/plugin/histograms/histograms?run=&tag=
  (histograms_plugin.py: [wall_time, step, [[left, right, count], ...]]),
  /data/plugin/distributions/tags, /data/plugin/distributions/distributions?run=&tag=
  (distributions_plugin.py: [wall_time, step, [[basis_point, value], ...]]),
  /data/plugin/audio/tags, /data/plugin/audio/audio?run=&tag=,
  /data/plugin/audio/individualAudio?blob_key=&content_type= (audio_plugin.py; the query
  comes from the audio route),
  /data/plugin/pr_curves/tags, /data/plugin/pr_curves/pr_curves?run=&tag= (pr_curves_plugin.py:
  {run: [{wall_time, step, precision, recall, true_positives, ..., thresholds}]}),
  /data/plugin/mesh/tags, /data/plugin/mesh/meshes?run=&tag=<name>,
  /data/plugin/mesh/data?run=&tag=&content_type=VERTEX|FACE|COLOR&sample=&step= (mesh_plugin.py:
  float32, int32 or uint8 bytes),
  POST /data/plugin/hparams/experiment and /data/plugin/hparams/session_groups with the
  request protobuf as JSON (hparams_plugin.py: GetExperimentRequest,
  ListSessionGroupsRequest; an empty allowedStatuses matches no session).
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

_URL = re.compile(r"TensorBoard \S+ at (http://127\.0\.0\.1:(\d+)/)")


class ServerError(RuntimeError):
    pass


class Server:
    """One ``tensorboard`` process."""

    def __init__(self, logdir, load_fast, log_path):
        self.logdir = logdir
        self.load_fast = load_fast
        self.log_path = log_path
        self.base = None
        self._log = open(log_path, "wb")
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tensorboard.main",
                "--logdir",
                logdir,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--load_fast=%s" % ("true" if load_fast else "false"),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    @property
    def name(self):
        return "tensorboard --load_fast=%s" % ("true" if self.load_fast else "false")

    def log(self):
        return read_log(self.log_path)

    def wait_ready(self, timeout=60.0):
        """Wait (bounded) until the server answers /data/runs."""
        deadline = time.monotonic() + timeout
        while self.base is None:
            if self.process.poll() is not None:
                raise ServerError(
                    "%s exited with %s:\n%s" % (self.name, self.process.returncode, self.log())
                )
            m = _URL.search(self.log())
            if m:
                self.base = m.group(1)
                break
            if time.monotonic() > deadline:
                raise ServerError("%s did not start in %ss:\n%s" % (self.name, timeout, self.log()))
            time.sleep(0.1)
        while True:
            try:
                self.get("/data/runs")
                return self
            except (OSError, ServerError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise ServerError(
                        "%s does not answer /data/runs:\n%s" % (self.name, self.log())
                    ) from None
                time.sleep(0.1)

    def get(self, route, **params):
        """The JSON answer of ``route``."""
        return json.loads(self.get_bytes(route, **params)[1].decode("utf-8"))

    def get_bytes(self, route, query=None, **params):
        """(Content-Type, body) of ``route``; ``query`` is an already encoded query string."""
        url = self.base.rstrip("/") + route
        if params:
            query = urllib.parse.urlencode(params)
        if query:
            url += "?" + query
        return self._fetch(urllib.request.Request(url))

    def post(self, route, body):
        """The JSON answer of ``route`` to a POST of the JSON ``body`` (the hparams routes:
        the web page POSTs its request protobuf as JSON)."""
        url = self.base.rstrip("/") + route
        request = urllib.request.Request(
            url, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
        )
        return json.loads(self._fetch(request)[1].decode("utf-8"))

    def _fetch(self, request):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.headers.get("Content-Type"), response.read()
        except urllib.error.HTTPError as e:
            raise ServerError(
                "%s: %s %s -> HTTP %s: %s"
                % (self.name, request.get_method(), request.full_url, e.code, e.read()[:500])
            ) from e

    def stop(self):
        stop_process(self.process, self._log)


def read_log(path):
    """What a server wrote to its log file ("" when there is none to read)."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def stop_process(process, log):
    """SIGTERM, then SIGKILL after 10 s; close the log file the process wrote."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    log.close()


@contextlib.contextmanager
def running(specs, logs):
    """Start one server per ``{key: (logdir, load_fast)}`` (logs in the directory ``logs``),
    wait until each answers, yield ``{key: Server}``, and stop them all at the end."""
    started = {}
    try:
        for i, (key, (logdir, load_fast)) in enumerate(specs.items()):
            started[key] = Server(
                str(logdir),
                load_fast,
                os.path.join(str(logs), "tb-%d-%s.log" % (i, "fast" if load_fast else "slow")),
            )
        for server in started.values():
            server.wait_ready(timeout=60.0)
        yield started
    finally:
        for server in started.values():
            server.stop()


def served_graph(server, run):
    """The ``GraphDef`` the graphs dashboard gets for ``run``: the protobuf text of
    ``/data/plugin/graphs/graph?run=&conceptual=false``, parsed with TensorBoard's graph_pb2.
    (``SerializeToString(deterministic=True)`` of it orders the attr maps by key.)"""
    from google.protobuf import text_format
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    _, body = server.get_bytes("/data/plugin/graphs/graph", run=run, conceptual="false")
    return text_format.Parse(body.decode("utf-8"), GraphDef())


def wait_loaded(servers, loaded, snapshot, reference, timeout=60.0, settle=3.0):
    """Wait (bounded) until the servers have loaded the logdirs.

    Both loaders read the logdir asynchronously after the server answers /data/runs.
    A server is done when ``loaded(key, server)`` is true (it shows every expected
    tag).  A server that never gets there - the writer under test lost or renamed a
    tag - is done once the ``reference`` servers (PyTorch's logdir) are done and its
    ``snapshot(server)`` has not changed for ``settle`` seconds; the tests then say
    precisely what is missing.  Returns the servers still pending at ``timeout``.
    """
    deadline = time.monotonic() + timeout
    pending = dict(servers)
    last = {}
    while pending and time.monotonic() < deadline:
        now = time.monotonic()
        for key, server in list(pending.items()):
            try:
                if loaded(key, server):
                    del pending[key]
                    continue
                snap = snapshot(server)
            except (OSError, ServerError, ValueError, KeyError):
                continue
            if last.get(key, (None,))[0] != snap:
                last[key] = (snap, now)
            elif not any(k in pending for k in reference) and now - last[key][1] >= settle:
                del pending[key]
        if pending:
            time.sleep(0.25)
    return pending


def eventually(check, timeout=5.0, interval=0.25):
    """Run ``check()`` until it passes or ``timeout`` expires (servers load asynchronously).

    Only a failure waits: a passing check returns at once.  The last failure is
    re-raised.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, ServerError):
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)
