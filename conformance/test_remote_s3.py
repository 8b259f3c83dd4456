"""A URL log dir on a real S3 API: moto's server mode (moto[server], its WSGI app served on
loopback by werkzeug, port 0, behind a middleware that logs every request), written by tinytb
through s3fs, read back by TensorBoard's own loader (``EventAccumulator`` over its S3
filesystem: boto3 with ``S3_ENDPOINT``).

Checked: TensorBoard sees every scalar in order across the segments of a run; tinytb made one
PUT per segment, each object once, and no GET or HEAD of its own objects (nothing read back);
the bytes PUT equal the objects' sizes, and are within 1.05x the records themselves (the
headers of the segments are the only overhead); a full segment leaves in the background; a
process that exits without close() uploads what it had, its first request made at exit,
through a host name (``localhost``): resolving it needs asyncio's default executor, which the
interpreter shuts down before ``atexit`` hooks run (an ``atexit`` hook alone fails with
"cannot schedule new futures after interpreter shutdown"; tinytb's runs from threading's
exit hooks, before that). ``add_embedding``'s files on S3; a missing bucket is an error, never
created. And both loaders (RustBoard and the Python loader, as ``tensorboard`` servers) read
a run of 12 segments (through ``file://``) as one run, in order. tinytb's own reader
(``SummaryReader``, ``event_files``) lists and reads an S3 log of two runs of three segments
each as TensorBoard's loader reads them, with GET and HEAD requests only.
"""

import importlib
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="tinytb's own keyword")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUCKET = "tinytb-conformance"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class Recorder:
    """WSGI middleware: (method, path, query, body bytes) of every request, in order."""

    def __init__(self, app):
        self.app = app
        self.log = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        size = environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH") or environ.get("CONTENT_LENGTH")
        with self.lock:
            self.log.append(
                (
                    environ["REQUEST_METHOD"],
                    environ.get("PATH_INFO", ""),
                    environ.get("QUERY_STRING", ""),
                    int(size or 0),
                )
            )
        return self.app(environ, start_response)

    def since(self, mark):
        with self.lock:
            return list(self.log[mark:])


@pytest.fixture(scope="module")
def s3():
    deps.need("moto")
    deps.need("s3fs")
    deps.need("boto3")
    deps.need("tensorboard")
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    saved = {k: os.environ.get(k) for k in list(CREDENTIALS) + ["S3_ENDPOINT"]}
    os.environ.update(CREDENTIALS)
    recorder = Recorder(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", 0, recorder, threaded=True, request_handler=MotoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = "http://127.0.0.1:%d" % server.port
    os.environ["S3_ENDPOINT"] = endpoint  # TensorBoard's S3 filesystem (boto3)
    # TensorBoard reads S3_ENDPOINT once, when its gfile module registers the S3 filesystem
    # (an earlier test of the suite may have imported it): point that instance here too.
    from tensorboard.compat.tensorflow_stub.io import gfile as tb_gfile

    tb_s3 = tb_gfile.get_filesystem("s3://%s" % BUCKET)
    saved_endpoint = tb_s3._s3_endpoint
    tb_s3._s3_endpoint = endpoint
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, recorder
    finally:
        tb_s3._s3_endpoint = saved_endpoint
        server.shutdown()
        thread.join(10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def options(endpoint):
    return {"client_kwargs": {"endpoint_url": endpoint}, "key": "testing", "secret": "testing"}


def objects(endpoint, prefix):
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {o["Key"]: o["Size"] for o in listing.get("Contents", [])}


def tensorboard_scalars(run_url, tag):
    """(step, value) of ``tag`` as TensorBoard's Python loader reads the run from S3."""
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(run_url, size_guidance={"scalars": 0})
    acc.Reload()
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def header_size():
    event_file = target.load()
    module = sys.modules[event_file.__name__ + "._event_file"]
    return len(module._header(1.0e9))


def check_requests(requests, prefix, keys):
    """tinytb's own requests: one PUT per object of ``keys``, nothing read back."""
    mine = [r for r in requests if r[1].startswith("/%s/%s" % (BUCKET, prefix))]
    puts = [r for r in mine if r[0] == "PUT"]
    assert sorted(r[1] for r in puts) == sorted("/%s/%s" % (BUCKET, k) for k in keys)
    assert [r for r in mine if r[0] in ("GET", "HEAD")] == []  # no read of our objects
    assert all(r[0] == "PUT" for r in mine), mine
    return puts


def test_segments_on_s3_read_by_tensorboard_in_order(s3):
    endpoint, recorder = s3
    tb = target.load()
    prefix = "runs/%s" % uuid.uuid4().hex
    run_url = "s3://%s/%s" % (BUCKET, prefix)
    mark = len(recorder.log)
    w = tb.SummaryWriter(run_url, storage_options=options(endpoint))
    for block in range(5):
        for step in range(block * 200, (block + 1) * 200):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            w.add_scalar("acc", step / 1000.0, step)
        w.flush()
        w.flush()  # nothing new: no request
    w.close()
    written = recorder.since(mark)
    keys = objects(endpoint, prefix + "/")
    assert len(keys) == 5
    puts = check_requests(written, prefix, keys)
    assert [r[1] for r in puts] == sorted(r[1] for r in puts)  # made in name order
    uploaded = sum(r[3] for r in puts)
    final = sum(keys.values())
    records = final - len(keys) * header_size()
    assert uploaded == final
    assert uploaded <= 1.05 * records
    print("s3 run: %d PUTs, %d bytes uploaded, %d of records" % (len(puts), uploaded, records))

    seen = tensorboard_scalars(run_url, "loss")
    assert [s for s, _ in seen] == list(range(1000))
    assert [v for _, v in seen] == pytest.approx([1.0 / (s + 1) for s in range(1000)], rel=1e-6)
    assert [s for s, _ in tensorboard_scalars(run_url, "acc")] == list(range(1000))


def test_a_full_segment_leaves_in_the_background_and_rotation_keeps_order(s3, monkeypatch):
    endpoint, recorder = s3
    tb = target.load()
    event_file = sys.modules[tb.__name__ + "._event_file"]
    monkeypatch.setattr(event_file, "SEGMENT_BYTES", 8192)
    prefix = "runs/%s" % uuid.uuid4().hex
    run_url = "s3://%s/%s" % (BUCKET, prefix)
    mark = len(recorder.log)
    w = tb.SummaryWriter(run_url, storage_options=options(endpoint))
    for step in range(3000):
        w.add_scalar("loss", float(step), step)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # flush_secs=120: only full segments leave before close
        if len([r for r in recorder.since(mark) if r[0] == "PUT"]) >= 10:
            break
        time.sleep(0.05)
    else:
        pytest.fail("no full segment was uploaded in the background")
    w.close()
    keys = objects(endpoint, prefix + "/")
    assert len(keys) >= 10
    assert max(keys.values()) <= 8192 + header_size()
    check_requests(recorder.since(mark), prefix, keys)
    assert [s for s, _ in tensorboard_scalars(run_url, "loss")] == list(range(3000))


def test_exit_without_close_uploads_through_a_host_name(s3):
    # No flush before exit: the exit path makes the first connection, so it resolves the name.
    endpoint, recorder = s3
    by_name = endpoint.replace("127.0.0.1", "localhost")
    prefix = "runs/%s" % uuid.uuid4().hex
    run_url = "s3://%s/%s" % (BUCKET, prefix)
    code = (
        "import sys, json\n"
        "import %s as tb\n"
        "w = tb.SummaryWriter(sys.argv[1], storage_options=json.loads(sys.argv[2]))\n"
        "for i in range(150): w.add_scalar('loss', float(i), i)\n"
        "w.add_scalars('m', {'a': 1.0}, 1)\n" % target.MODULE_NAME
    )
    import json

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [target.EXTRA_PATH, ROOT])))
    out = subprocess.run(
        [sys.executable, "-c", code, run_url, json.dumps(options(by_name))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "could not be uploaded" not in out.stderr, out.stderr
    assert [s for s, _ in tensorboard_scalars(run_url, "loss")] == list(range(150))
    assert [s for s, _ in tensorboard_scalars(run_url + "/m_a", "m")] == [1]


def test_embedding_files_and_a_missing_bucket(s3):
    endpoint, recorder = s3
    tb = target.load()
    prefix = "runs/%s" % uuid.uuid4().hex
    run_url = "s3://%s/%s" % (BUCKET, prefix)
    mark = len(recorder.log)
    w = tb.SummaryWriter(run_url, storage_options=options(endpoint))
    w.add_embedding([[1.0, 2.0], [3.0, 4.0]], metadata=["a", "b"], global_step=1, tag="t")
    w.add_embedding([[5.0, 6.0]], global_step=2, tag="t")
    w.close()
    keys = objects(endpoint, prefix + "/")
    files = sorted(k[len(prefix) + 1 :] for k in keys if "tfevents" not in k)
    assert files == [
        "00001/t/metadata.tsv",
        "00001/t/tensors.tsv",
        "00002/t/tensors.tsv",
        "projector_config.pbtxt",
    ]
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    config = client.get_object(Bucket=BUCKET, Key=prefix + "/projector_config.pbtxt")
    text = config["Body"].read().decode()
    assert text.count("embeddings {") == 2
    requests = recorder.since(mark)
    puts = [r[1] for r in requests if r[0] == "PUT"]
    assert puts.count("/%s/%s/projector_config.pbtxt" % (BUCKET, prefix)) == 2  # once a call
    assert all(puts.count(p) == 1 for p in puts if "projector_config" not in p)
    segments = [k for k in keys if "tfevents" in k]
    assert not [r for r in requests if r[0] in ("GET", "HEAD") and "tfevents" in r[1]]
    assert len(segments) == 1  # the header-only segment of the run, at close()

    # A missing bucket is an error naming the URL, and is never created.
    missing = "s3://tinytb-no-such-bucket-%s/run" % uuid.uuid4().hex[:8]
    w = tb.SummaryWriter(missing, storage_options=options(endpoint))
    w.add_scalar("loss", 1.0, 1)
    try:
        with pytest.raises(OSError, match=missing):
            w.flush()
        names = [b["Name"] for b in client.list_buckets()["Buckets"]]
        assert not [n for n in names if n.startswith("tinytb-no-such-bucket")]
    finally:  # let the exit hook not spend its 30 s on it
        w.file_writer.event_writer._sink.release()


def test_both_loaders_read_the_segments_of_a_run_as_one_run(tmp_path):
    # RustBoard reads no s3:// (the Python loader does, above): the same segments, written
    # through fsspec's local filesystem (file://), served by both loaders.
    deps.need("fsspec")
    deps.need("tensorboard")
    from . import servers

    tb = target.load()
    logs = tmp_path / "logs"
    w = tb.SummaryWriter("file://" + str(logs / "run"))
    for block in range(12):  # 12 segments, most of them within one second
        for step in range(block * 50, (block + 1) * 50):
            w.add_scalar("loss", float(step), step)
        w.flush()
    w.close()
    names = sorted(os.listdir(str(logs / "run")))
    assert len(names) == 12
    with servers.running({"fast": (logs, True), "slow": (logs, False)}, tmp_path) as started:
        for server in started.values():

            def check(server=server):
                points = server.get("/data/plugin/scalars/scalars", run="run", tag="loss")
                assert [p[1] for p in points] == list(range(600)), server.name
                assert [p[2] for p in points] == [float(s) for s in range(600)]

            servers.eventually(check, timeout=60.0)


def test_tinytbs_reader_lists_and_reads_the_s3_run_as_tensorboard_does(s3, monkeypatch):
    endpoint, recorder = s3
    tb = target.load()
    reader = importlib.import_module(tb.__name__ + ".reader")
    prefix = "runs/%s" % uuid.uuid4().hex
    run_url = "s3://%s/%s" % (BUCKET, prefix)
    for sub in ("train", "valid"):
        w = tb.SummaryWriter(run_url + "/" + sub, storage_options=options(endpoint))
        for step in range(300):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            if step % 100 == 99:
                w.flush()  # three segments per run
        w.close()
    # the reader takes fsspec's own configuration: the endpoint from the environment
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    mark = len(recorder.log)
    table = reader.SummaryReader(run_url, extra_columns={"dir_name"}).scalars
    for sub in ("train", "valid"):
        mine = [(r.step, r.value) for r in table if r.dir_name == sub]
        assert mine == tensorboard_scalars(run_url + "/" + sub, "loss")
    assert len(mine) == 300
    assert {r[0] for r in recorder.since(mark)} <= {"GET", "HEAD"}  # reading writes nothing
    assert sorted(reader.event_files(run_url)) == ["train", "valid"]
