"""Check 4: the real servers.  Four tensorboard processes (rustboard via
--load_fast=true and the Python loader via --load_fast=false, each on the
target's logdir and on PyTorch's), queried through the JSON routes the web page
uses.  Every answer must equal the expected view of the case table (with the
loader's semantics: rustboard's step preemption and DT_DOUBLE drop, the Python
loader's START purge) and the same server's answer for PyTorch's files."""

import json
import math

import pytest

from . import cases as cases_mod
from . import checks, target
from .servers import eventually

LOADERS = [pytest.param(True, id="load_fast=true"), pytest.param(False, id="load_fast=false")]


@pytest.fixture(scope="session")
def expected(written):
    """{load_fast: {(run, tag): [Point]}} for the whole logdir."""
    points = [p for case in written.cases for p in cases_mod.model_points(case)]
    return {True: checks.rustboard_semantics(points), False: checks.python_semantics(points)}


def _series(expected, load_fast, plugin):
    return {k: v for k, v in expected[load_fast].items() if v[0].plugin == plugin}


def _json_number(x):
    """How TensorBoard's JSON (json_util.Cleanse) spells a float."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _pair(servers, load_fast):
    return servers[(load_fast, "target")], servers[(load_fast, "torch")]


def _same_walls(written, got_target, got_torch, where):
    """Equal wall times, except clock ('now') ones, which must be inside each slot's window."""
    assert len(got_target) == len(got_torch), where
    for a, b in zip(got_target, got_torch):
        a_now = written.target.window[0] <= a <= written.target.window[1]
        b_now = written.torch.window[0] <= b <= written.torch.window[1]
        assert a_now == b_now and (a_now or a == b), (where, a, b)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_runs(servers, written, load_fast):
    target, torch = _pair(servers, load_fast)
    want = checks.run_dirs_on_disk(written.target.root)

    def check():
        got = sorted(target.get("/data/runs"))
        assert got == want, (got, want)
        assert sorted(torch.get("/data/runs")) == want

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_plugins_listing(servers, load_fast):
    target, torch = _pair(servers, load_fast)

    def check():
        got = target.get("/data/plugins_listing")
        for plugin in ("scalars", "text", "custom_scalars", "images"):
            assert got[plugin]["enabled"], (plugin, got[plugin])
        assert got == torch.get("/data/plugins_listing")

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_scalar_tags(servers, expected, load_fast):
    target, torch = _pair(servers, load_fast)
    want = {}
    for run, tag in _series(expected, load_fast, "scalars"):
        want.setdefault(run, set()).add(tag)

    def check():
        got = target.get("/data/plugin/scalars/tags")
        assert {r: set(t) for r, t in got.items() if t} == want
        assert got == torch.get("/data/plugin/scalars/tags")

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_scalars(servers, written, expected, load_fast):
    """Every scalar series: [wall_time, step, value] in order, as the case table says."""
    target, torch = _pair(servers, load_fast)
    series = _series(expected, load_fast, "scalars")
    assert series

    def check():
        for (run, tag), points in series.items():
            where = "%s run %r tag %r" % (target.name, run, tag)
            got = target.get("/data/plugin/scalars/scalars", run=run, tag=tag)
            assert [s for _, s, _ in got] == [p.step for p in points], (where, got)
            for (wall, step, value), p in zip(got, points):
                checks.check_wall_time(where, wall, p.wall_time, written.target.window)
                assert checks.same_float(value, _json_number(p.value)), (where, step, value, p.value)
            theirs = torch.get("/data/plugin/scalars/scalars", run=run, tag=tag)
            assert _loose_equal([x[1:] for x in got], [x[1:] for x in theirs]), (where, got, theirs)
            _same_walls(written, [x[0] for x in got], [x[0] for x in theirs], where)

    eventually(check)


def _expected_html(text):
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2
    from tensorboard.plugins.text import text_plugin
    from tensorboard.util import tensor_util

    proto = tensor_pb2.TensorProto(
        dtype=7, string_val=[text.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
    return text_plugin.text_array_to_html(tensor_util.make_ndarray(proto), True)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_text(servers, written, expected, load_fast):
    """Text tags, and each text rendered from Markdown exactly as for the original string."""
    target, torch = _pair(servers, load_fast)
    series = _series(expected, load_fast, "text")
    want_tags = {}
    for run, tag in series:
        want_tags.setdefault(run, set()).add(tag)

    def check():
        tags = target.get("/data/plugin/text/tags")
        assert {r: set(t) for r, t in tags.items() if t} == want_tags
        assert {r: sorted(t) for r, t in tags.items()} == {
            r: sorted(t) for r, t in torch.get("/data/plugin/text/tags").items()}
        for (run, tag), points in series.items():
            where = "%s run %r tag %r" % (target.name, run, tag)
            got = target.get("/data/plugin/text/text", run=run, tag=tag)
            assert [g["step"] for g in got] == [p.step for p in points], (where, got)
            for g, p in zip(got, points):
                checks.check_wall_time(where, g["wall_time"], p.wall_time, written.target.window)
                assert g["text"] == _expected_html(p.value), (where, g["text"])
            assert got == torch.get("/data/plugin/text/text", run=run, tag=tag), where

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_custom_scalars_layout(servers, expected, load_fast):
    """The layout route merges every run's layout (runs in sorted order); the case table
    uses distinct category titles, so the merge is a concatenation."""
    from tensorboard import plugin_util
    from tensorboard.plugins.custom_scalar import layout_pb2

    target, torch = _pair(servers, load_fast)
    layouts = sorted(
        (run, points[-1].value)
        for (run, _), points in _series(expected, load_fast, "custom_scalars").items())
    merged = layout_pb2.Layout()
    for _, layout in layouts:
        merged.category.extend(layout.category)
    want = json.loads(plugin_util.proto_to_json(merged))
    assert len(layouts) == 3

    def check():
        got = target.get("/data/plugin/custom_scalars/layout")
        assert got == want
        assert torch.get("/data/plugin/custom_scalars/layout") == want

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_custom_scalars_scalars(servers, written, expected, load_fast):
    """The custom-scalars chart data route (tag regex) returns the scalar series."""
    target, torch = _pair(servers, load_fast)
    run = "scalar_values"
    series = {t: pts for (r, t), pts in _series(expected, load_fast, "scalars").items() if r == run}

    def check():
        got = target.get("/data/plugin/custom_scalars/scalars", run=run, tag=r"scalar/.*")
        assert got["regex_valid"] is True
        assert set(got["tag_to_events"]) == set(series)
        for tag, points in series.items():
            events = got["tag_to_events"][tag]
            assert [(w, s) for w, s, _ in events] == [(p.wall_time, p.step) for p in points]
            assert all(checks.same_float(v, _json_number(p.value)) for (_, _, v), p in zip(events, points))
        assert _loose_equal(got, torch.get("/data/plugin/custom_scalars/scalars", run=run, tag=r"scalar/.*"))

    eventually(check)


def _loose_equal(a, b):
    """Equality of JSON trees with NaN-safe float comparison (already canonical strings)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_loose_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_loose_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return checks.same_float(a, b)
    return a == b


@pytest.mark.parametrize("slot", ["target", "torch"])
def test_reader_fact_rustboard_drops_double(servers, slot):
    """Documented reader fact, for both writers: rustboard drops DT_DOUBLE scalars
    (double_precision=True), the Python loader shows them with float64 precision."""
    fast, slow = servers[(True, slot)], servers[(False, slot)]

    def check():
        assert "scalar/double" not in fast.get("/data/plugin/scalars/tags").get("scalar_double", {})
        assert fast.get("/data/plugin/scalars/scalars", run="scalar_double", tag="scalar/double") == []
        assert "scalar/double_old_style" in fast.get("/data/plugin/scalars/tags")["scalar_double"]
        got = slow.get("/data/plugin/scalars/scalars", run="scalar_double", tag="scalar/double")
        assert [v for _, _, v in got][:1] == [0.1]  # float64 0.1, not float32 0.10000000149...

    eventually(check)


@pytest.mark.parametrize("slot", ["target", "torch"])
def test_reader_fact_purge(servers, slot):
    """Documented reader fact, for both writers: a single resumed session (purge_step=4)
    duplicates steps 4 and 5 in the Python loader; rustboard preempts them (SessionLog
    ignored, a step s evicts stored steps >= s)."""
    fast, slow = servers[(True, slot)], servers[(False, slot)]

    def check():
        f = [(s, v) for _, s, v in fast.get("/data/plugin/scalars/scalars", run="purge_once", tag="loss")]
        s = [(s, v) for _, s, v in slow.get("/data/plugin/scalars/scalars", run="purge_once", tag="loss")]
        assert f == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 14.0), (5, 15.0), (6, 16.0)]
        assert s == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (5, 5.0),
                     (4, 14.0), (5, 15.0), (6, 16.0)]

    eventually(check)


def test_reader_fact_tensor_plugin_not_served(servers):
    """'tensor' (add_tensor) is not a TensorBoard plugin: no dashboard lists it, for
    either writer (its data is only reachable through the Python loader, test_loader)."""
    for server in servers.values():
        assert "tensor" not in server.get("/data/plugins_listing")


def _image_series(expected, load_fast, slot):
    """{(run, tag): [Point]} of the images a server shows for ``slot``'s logdir (PyTorch's
    has no videos)."""
    series = _series(expected, load_fast, "images")
    if slot == "torch" or target.is_torch():
        series = {k: v for k, v in series.items() if cases_mod.pytorch_writes(v[0])}
    return series


@pytest.mark.parametrize("load_fast", LOADERS)
def test_image_tags(servers, expected, load_fast):
    """/data/plugin/images/tags lists every image, figure and video tag, one sample each;
    PyTorch's logdir gives the same answer without the videos."""
    target_server, torch_server = _pair(servers, load_fast)
    want = {}
    for run, tag in _image_series(expected, load_fast, "target"):
        want.setdefault(run, set()).add(tag)
    videos = set(_image_series(expected, load_fast, "target")) - set(
        _image_series(expected, load_fast, "torch"))

    def check():
        got = target_server.get("/data/plugin/images/tags")
        assert {r: set(t) for r, t in got.items() if t} == want
        for run, tags in got.items():
            for tag, info in tags.items():
                assert info["samples"] == 1, (run, tag, info)
                assert info["displayName"] in ("", tag) and info["description"] == "", info
        without_videos = {r: {t: i for t, i in tags.items() if (r, t) not in videos}
                          for r, tags in got.items()}
        # (a run with nothing but PyTorch's value-less videos has no images: not listed)
        assert {r: t for r, t in without_videos.items() if t} == torch_server.get(
            "/data/plugin/images/tags")

    eventually(check)


def _served_images(server, written, slot, series, dims=True):
    """Check every image the server gives for ``series`` against the event files (and the
    width and height blobs if ``dims``); returns {(run, tag): [(wall_time, step)]}.  Tags
    are queried in parallel: each images route costs rustboard ~45 ms (a gRPC round trip
    to the data server)."""
    from concurrent.futures import ThreadPoolExecutor

    root = written.results[slot].root
    files = {run: checks.image_blobs(root, run) for run, _ in series}
    with ThreadPoolExecutor(8) as pool:
        done = pool.map(lambda item: _served_series(server, written, slot, files, dims, *item),
                        series.items())
        return dict(zip(series, done))


def _served_series(server, written, slot, files, dims, key, points):
    run, tag = key
    where = "%s (%s logdir) run %r tag %r" % (server.name, slot, run, tag)
    entries = server.get("/data/plugin/images/images", run=run, tag=tag)
    assert [e["step"] for e in entries] == [p.step for p in points], (where, entries)
    window = written.results[slot].window
    for e, p in zip(entries, points):
        checks.check_wall_time(where, e["wall_time"], p.wall_time, window)
    # sample -2 and -1 address the blob sequence's width and height
    dims = [server.get("/data/plugin/images/images", run=run, tag=tag, sample=k)
            for k in (-2, -1)] if dims else []
    for i, (e, p) in enumerate(zip(entries, points)):
        image = files[run][(tag, p.step)]
        w = "%s step %d" % (where, p.step)
        ctype, body = server.get_bytes("/data/plugin/images/individualImage",
                                       query=e["query"])
        assert body == image.encoded_image_string, (
            w, "served %d bytes, the event file has %d" % (len(body),
                                                            len(image.encoded_image_string)))
        assert ctype == "image/%s" % p.value.format.lower(), (w, ctype)
        for sample, want in zip(dims, (p.value.width, p.value.height)):
            _, body = server.get_bytes("/data/plugin/images/individualImage",
                                       query=sample[i]["query"])
            assert body == str(want).encode(), (w, body, want)
        assert (image.width, image.height) == (p.value.width, p.value.height), w
    return [(e["wall_time"], e["step"]) for e in entries]


@pytest.mark.parametrize("load_fast", LOADERS)
def test_images(servers, written, expected, load_fast):
    """/data/plugin/images/images?run=&tag= lists every step of every image series with its
    wall time; /data/plugin/images/individualImage?blob_key= serves each PNG and GIF byte
    for byte as in the event file (Content-Type image/png, image/gif), and the width and
    height blobs (sample -2, -1) as the case table says.  The same for PyTorch's logdir
    (without the width and height blobs), with the same steps and wall times."""
    target_server, torch_server = _pair(servers, load_fast)
    series = {slot: _image_series(expected, load_fast, slot) for slot in ("target", "torch")}
    assert target.is_torch() or any(
        p.value.format == "GIF" for pts in series["target"].values() for p in pts)

    def check():
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:  # the two servers are separate processes
            mine = pool.submit(_served_images, target_server, written, "target",
                               series["target"])
            # PyTorch's logdir, the control: steps, wall times and blobs
            theirs = pool.submit(_served_images, torch_server, written, "torch",
                                 series["torch"], dims=False)
            mine, theirs = mine.result(), theirs.result()
        for key, entries in theirs.items():
            _same_walls(written, [w for w, _ in mine[key]], [w for w, _ in entries], key)
            assert [s for _, s in mine[key]] == [s for _, s in entries], key

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_reader_fact_torch_video_not_served(servers, expected, load_fast):
    """Documented reader fact behind video_gif, for both loaders: PyTorch's value-less video
    summaries (no moviepy) are not served at all (no tag; the images route answers 404)."""
    from .servers import ServerError

    torch_server = servers[(load_fast, "torch")]
    videos = set(_image_series(expected, load_fast, "target")) - set(
        _image_series(expected, load_fast, "torch"))
    assert videos or target.is_torch()
    tags = torch_server.get("/data/plugin/images/tags")
    for run, tag in videos:
        assert tag not in tags.get(run, {}), (run, tag)
        with pytest.raises(ServerError, match="404"):
            torch_server.get("/data/plugin/images/images", run=run, tag=tag)
