"""Check 4: the real servers.  Four tensorboard processes (rustboard via
--load_fast=true and the Python loader via --load_fast=false, each on the
target's logdir and on PyTorch's), queried through the JSON routes the web page
uses.  Every answer must equal the expected view of the case table (with the
loader's semantics: rustboard's step preemption and DT_DOUBLE drop, the Python
loader's START purge) and the same server's answer for PyTorch's files.  Two more
(one per loader) serve the target's same-run hparams logdir, which has no
PyTorch counterpart (test_hparams_same_run)."""

import json
import math

import pytest

from . import case_table, checks, expected_view, target
from .servers import eventually

LOADERS = [pytest.param(True, id="load_fast=true"), pytest.param(False, id="load_fast=false")]


@pytest.fixture(scope="session")
def expected(written):
    """{load_fast: {(run, tag): [Point]}} for the whole logdir."""
    points = [p for case in written.cases for p in expected_view.model_points(case)]
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
        for plugin in (
            "scalars",
            "text",
            "custom_scalars",
            "images",
            "histograms",
            "distributions",
            "audio",
            "pr_curves",
            "mesh",
            "hparams",
        ):
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
                assert checks.same_float(value, _json_number(p.value)), (
                    where,
                    step,
                    value,
                    p.value,
                )
            theirs = torch.get("/data/plugin/scalars/scalars", run=run, tag=tag)
            assert _loose_equal([x[1:] for x in got], [x[1:] for x in theirs]), (where, got, theirs)
            _same_walls(written, [x[0] for x in got], [x[0] for x in theirs], where)

    eventually(check)


def _expected_html(text):
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2
    from tensorboard.plugins.text import text_plugin
    from tensorboard.util import tensor_util

    proto = tensor_pb2.TensorProto(
        dtype=7,
        string_val=[text.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]
        ),
    )
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
            r: sorted(t) for r, t in torch.get("/data/plugin/text/tags").items()
        }
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
        for (run, _), points in _series(expected, load_fast, "custom_scalars").items()
    )
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
            assert all(
                checks.same_float(v, _json_number(p.value)) for (_, _, v), p in zip(events, points)
            )
        assert _loose_equal(
            got, torch.get("/data/plugin/custom_scalars/scalars", run=run, tag=r"scalar/.*")
        )

    eventually(check)


def _loose_equal(a, b):
    """Equality of JSON trees with NaN-safe float comparison (already canonical strings)."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_loose_equal(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(_loose_equal(x, y) for x, y in zip(a, b))
        )
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
        assert (
            fast.get("/data/plugin/scalars/scalars", run="scalar_double", tag="scalar/double") == []
        )
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
        f = [
            (s, v)
            for _, s, v in fast.get("/data/plugin/scalars/scalars", run="purge_once", tag="loss")
        ]
        s = [
            (s, v)
            for _, s, v in slow.get("/data/plugin/scalars/scalars", run="purge_once", tag="loss")
        ]
        assert f == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 14.0), (5, 15.0), (6, 16.0)]
        assert s == [
            (0, 0.0),
            (1, 1.0),
            (2, 2.0),
            (3, 3.0),
            (4, 4.0),
            (5, 5.0),
            (4, 14.0),
            (5, 15.0),
            (6, 16.0),
        ]

    eventually(check)


def test_reader_fact_tensor_plugin_not_served(servers):
    """'tensor' (add_tensor) is not a TensorBoard plugin: no dashboard lists it, for
    either writer (its data is only reachable through the Python loader, test_loader)."""
    for (_, slot), server in servers.items():
        if slot in ("target", "torch"):
            assert "tensor" not in server.get("/data/plugins_listing")


def _image_series(expected, load_fast, slot):
    """{(run, tag): [Point]} of the images a server shows for ``slot``'s logdir (PyTorch's
    has no videos)."""
    series = _series(expected, load_fast, "images")
    if slot == "torch" or target.is_torch():
        series = {k: v for k, v in series.items() if expected_view.pytorch_writes(v[0])}
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
        _image_series(expected, load_fast, "torch")
    )

    def check():
        got = target_server.get("/data/plugin/images/tags")
        assert {r: set(t) for r, t in got.items() if t} == want
        for run, tags in got.items():
            for tag, info in tags.items():
                assert info["samples"] == 1, (run, tag, info)
                assert info["displayName"] in ("", tag) and info["description"] == "", info
        without_videos = {
            r: {t: i for t, i in tags.items() if (r, t) not in videos} for r, tags in got.items()
        }
        # (a run with nothing but PyTorch's value-less videos has no images: not listed)
        assert {r: t for r, t in without_videos.items() if t} == torch_server.get(
            "/data/plugin/images/tags"
        )

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
        done = pool.map(
            lambda item: _served_series(server, written, slot, files, dims, *item), series.items()
        )
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
    dims = (
        [server.get("/data/plugin/images/images", run=run, tag=tag, sample=k) for k in (-2, -1)]
        if dims
        else []
    )
    for i, (e, p) in enumerate(zip(entries, points)):
        image = files[run][(tag, p.step)]
        w = "%s step %d" % (where, p.step)
        ctype, body = server.get_bytes("/data/plugin/images/individualImage", query=e["query"])
        assert body == image.encoded_image_string, (
            w,
            "served %d bytes, the event file has %d" % (len(body), len(image.encoded_image_string)),
        )
        assert ctype == "image/%s" % p.value.format.lower(), (w, ctype)
        for sample, want in zip(dims, (p.value.width, p.value.height)):
            _, body = server.get_bytes(
                "/data/plugin/images/individualImage", query=sample[i]["query"]
            )
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
        p.value.format == "GIF" for pts in series["target"].values() for p in pts
    )

    def check():
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:  # the two servers are separate processes
            mine = pool.submit(_served_images, target_server, written, "target", series["target"])
            # PyTorch's logdir, the control: steps, wall times and blobs
            theirs = pool.submit(
                _served_images, torch_server, written, "torch", series["torch"], dims=False
            )
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
        _image_series(expected, load_fast, "torch")
    )
    assert videos or target.is_torch()
    tags = torch_server.get("/data/plugin/images/tags")
    for run, tag in videos:
        assert tag not in tags.get(run, {}), (run, tag)
        with pytest.raises(ServerError, match="404"):
            torch_server.get("/data/plugin/images/images", run=run, tag=tag)


# ---------------------------------------------------------------------------
# Histograms, distributions, audio, PR curves, meshes, hparams


def _tags_by_run(series):
    want = {}
    for run, tag in series:
        want.setdefault(run, set()).add(tag)
    return want


def _listed(answer):
    """A /tags answer ({run: {tag: info}}) as {run: set(tags)}, runs without tags left out."""
    return {r: set(t) for r, t in answer.items() if t}


def _parallel(check_one, items):
    """``check_one(*item)`` for every item, 8 at a time (each route costs rustboard ~45 ms,
    a gRPC round trip to the data server); the first failure is raised."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(check_one, *item) for item in items]:
            future.result()


def _slots(servers, load_fast, series):
    """[(slot, server, key, points)] for both logdirs and every series."""
    target_server, torch_server = _pair(servers, load_fast)
    return [
        (slot, server, key, points)
        for slot, server in (("target", target_server), ("torch", torch_server))
        for key, points in series.items()
    ]


def _walls_and_steps(written, slot, where, got, points):
    """[(wall_time, step)] served against the model's points (steps in order, fixed wall
    times equal, clock ones inside the slot's writing window)."""
    assert [s for _, s in got] == [p.step for p in points], (where, got)
    for (wall, _), p in zip(got, points):
        checks.check_wall_time(where, wall, p.wall_time, written.results[slot].window)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_histograms(servers, written, expected, load_fast):
    """/data/plugin/histograms/tags lists every histogram tag (the same answer for PyTorch's
    logdir); /data/plugin/histograms/histograms?run=&tag= serves every step with its wall time
    and the buckets the loader makes of the model's HistogramProto: rustboard every bucket,
    float64, edges [min] + limits[:-1] | limits[:-1] + [max]; the Python loader float32
    without the empty outer buckets (reader facts, the same for both writers);
    /data/plugin/distributions/distributions?run=&tag= the compression of those buckets
    (TensorBoard's compressor on the model's buckets)."""
    import numpy as np
    from tensorboard.plugins.distribution import compressor

    target_server, torch_server = _pair(servers, load_fast)
    series = _series(expected, load_fast, "histograms")
    assert len(series) > 20

    def buckets(model):
        return model.rust_buckets() if load_fast else model.python_buckets()

    def check_one(slot, server, key, points):
        run, tag = key
        where = "%s (%s logdir) run %r tag %r" % (server.name, slot, run, tag)
        got = server.get("/data/plugin/histograms/histograms", run=run, tag=tag)
        _walls_and_steps(written, slot, where, [(w, s) for w, s, _ in got], points)
        for (_, step, served), p in zip(got, points):
            want = buckets(p.value)
            assert checks.same_array(
                np.array(served, dtype=np.float64).reshape(-1, 3), want.astype(np.float64)
            ), (where, step, served, want)
        dist = server.get("/data/plugin/distributions/distributions", run=run, tag=tag)
        _walls_and_steps(written, slot, where, [(w, s) for w, s, _ in dist], points)
        for (_, step, served), p in zip(dist, points):
            want = compressor.compress_histogram(buckets(p.value).tolist())
            assert served == [list(x) for x in want], (where, step, served, want)

    def check():
        tags = target_server.get("/data/plugin/histograms/tags")
        assert _listed(tags) == _tags_by_run(series)
        assert tags == torch_server.get("/data/plugin/histograms/tags")
        assert _listed(target_server.get("/data/plugin/distributions/tags")) == _listed(tags)
        _parallel(check_one, _slots(servers, load_fast, series))

    eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_audio(servers, written, expected, load_fast):
    """/data/plugin/audio/tags lists every clip tag (one sample each; the same answer for
    PyTorch's logdir); /data/plugin/audio/audio?run=&tag= every step with its wall time;
    /data/plugin/audio/individualAudio serves each WAV byte for byte as in the event file,
    identical to PyTorch's, which Python's wave module reads back to the model's samples.
    Reader fact (both writers): rustboard labels legacy audio 'application/octet-stream', the
    Python loader 'audio/wav'."""
    target_server, torch_server = _pair(servers, load_fast)
    series = _series(expected, load_fast, "audio")
    assert series
    files = {
        slot: {run: checks.audio_blobs(written.results[slot].root, run) for run, _ in series}
        for slot in ("target", "torch")
    }
    mime = "application/octet-stream" if load_fast else "audio/wav"

    def check_one(slot, server, key, points):
        run, tag = key
        where = "%s (%s logdir) run %r tag %r" % (server.name, slot, run, tag)
        entries = server.get("/data/plugin/audio/audio", run=run, tag=tag)
        _walls_and_steps(
            written, slot, where, [(e["wall_time"], e["step"]) for e in entries], points
        )
        for e, p in zip(entries, points):
            assert e["contentType"] == mime, (where, e)
            ctype, body = server.get_bytes("/data/plugin/audio/individualAudio", query=e["query"])
            assert ctype == mime, (where, ctype)
            assert body == files[slot][run][(tag, p.step)].encoded_audio_string, where
            assert body == files["torch"][run][(tag, p.step)].encoded_audio_string, (
                where,
                "the WAV differs from PyTorch's",
            )
            checks.check_wav("%s step %d" % (where, p.step), body, p.value)

    def check():
        tags = target_server.get("/data/plugin/audio/tags")
        assert _listed(tags) == _tags_by_run(series)
        assert all(i["samples"] == 1 for t in tags.values() for i in t.values()), tags
        assert tags == torch_server.get("/data/plugin/audio/tags")
        _parallel(check_one, _slots(servers, load_fast, series))

    eventually(check)


def _pr_entry(model):
    """What pr_curves_plugin.py makes of a (6, T) tensor: counts truncated to ints, the tail
    where tp + fp == 0 cut (but never the first column), thresholds linspace(0, 1, T)."""
    import numpy as np

    data = model.data
    positives = data[0].astype(int) + data[1].astype(int)
    end = len(positives) - 1
    while end > 0 and positives[end] == 0:
        end -= 1
    end += 1
    names = ("true_positives", "false_positives", "true_negatives", "false_negatives")
    out = {name: [int(v) for v in data[i][:end]] for i, name in enumerate(names)}
    out["precision"] = [float(v) for v in data[4][:end]]
    out["recall"] = [float(v) for v in data[5][:end]]
    out["thresholds"] = np.linspace(0.0, 1.0, data.shape[1])[:end].tolist()
    return out


@pytest.mark.parametrize("load_fast", LOADERS)
def test_pr_curves(servers, written, expected, load_fast):
    """/data/plugin/pr_curves/tags lists every PR curve tag (the same answer for PyTorch's
    logdir); /data/plugin/pr_curves/pr_curves?run=&tag= serves every step with its wall time
    and the model's counts, precision, recall and thresholds (as the plugin trims them)."""
    target_server, torch_server = _pair(servers, load_fast)
    series = _series(expected, load_fast, "pr_curves")
    assert series

    def check_one(slot, server, key, points):
        run, tag = key
        where = "%s (%s logdir) run %r tag %r" % (server.name, slot, run, tag)
        got = server.get("/data/plugin/pr_curves/pr_curves", run=run, tag=tag)[run]
        _walls_and_steps(written, slot, where, [(e["wall_time"], e["step"]) for e in got], points)
        for e, p in zip(got, points):
            want = _pr_entry(p.value)
            assert {k: e[k] for k in want} == want, (where, e, want)

    def check():
        tags = target_server.get("/data/plugin/pr_curves/tags")
        assert _listed(tags) == _tags_by_run(series)
        assert tags == torch_server.get("/data/plugin/pr_curves/tags")
        _parallel(check_one, _slots(servers, load_fast, series))

    eventually(check)


_MESH_DTYPES = {"VERTEX": "float32", "FACE": "int32", "COLOR": "uint8"}


@pytest.mark.parametrize("load_fast", LOADERS)
def test_mesh(servers, written, expected, load_fast):
    """/data/plugin/mesh/tags lists every mesh by its name with the batch size as samples;
    /data/plugin/mesh/meshes?run=&tag= every part of every step (content type, components,
    config, shape, wall time); /data/plugin/mesh/data?run=&tag=&content_type=&sample=&step=
    each sample's vertices (float32), faces (int32) and colors (uint8) as the model says;
    the same answers for PyTorch's logdir."""
    target_server, torch_server = _pair(servers, load_fast)
    series = _series(expected, load_fast, "mesh")
    meshes = {}
    for (run, _), points in series.items():
        for p in points:
            meshes.setdefault((run, p.value.name), []).append(p)
    assert meshes
    types = {1: "VERTEX", 2: "FACE", 3: "COLOR"}

    def check_one(slot, server, key, points):
        run, name = key
        points = sorted(points, key=lambda p: (p.step, p.value.content_type))
        where = "%s (%s logdir) run %r mesh %r" % (server.name, slot, run, name)
        got = sorted(
            server.get("/data/plugin/mesh/meshes", run=run, tag=name),
            key=lambda e: (e["step"], e["content_type"]),
        )
        _walls_and_steps(written, slot, where, [(e["wall_time"], e["step"]) for e in got], points)
        for e, p in zip(got, points):
            m = p.value
            assert (e["content_type"], e["components"], e["config"], e["data_shape"]) == (
                m.content_type,
                m.components,
                m.json_config,
                m.shape,
            ), (where, e)

    def check_data(slot, server, run, name, p, sample):
        kind = types[p.value.content_type]
        _, body = server.get_bytes(
            "/data/plugin/mesh/data",
            run=run,
            tag=name,
            content_type=kind,
            sample=sample,
            step=p.step,
        )
        data = p.value.data[sample].astype(_MESH_DTYPES[kind]).tobytes()
        assert body == data, (server.name, slot, run, name, p.step, kind, sample)

    def check():
        tags = target_server.get("/data/plugin/mesh/tags")
        want = {}
        for (run, name), points in meshes.items():
            want.setdefault(run, {})[name] = {"samples": points[-1].value.data.shape[0]}
        assert {r: t for r, t in tags.items() if t} == want
        assert tags == torch_server.get("/data/plugin/mesh/tags")
        items = _slots(servers, load_fast, meshes)
        _parallel(check_one, items)
        _parallel(
            check_data,
            [
                (slot, server, run, name, p, sample)
                for slot, server, (run, name), points in items
                for p in points
                for sample in range(p.value.data.shape[0])
            ],
        )

    eventually(check)


_ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
_SESSION_GROUPS = {
    "experimentName": "",
    "allowedStatuses": _ALL_STATUSES,
    "colParams": [],
    "startIndex": 0,
    "sliceSize": 1000,
}


def _hparams_sessions(points):
    """{session run: {"experiment", "start": HparamsModel, "metrics": {tag: Point}}} of the
    model points (the metrics' last points)."""
    sessions = {}
    names = dict(zip(expected_view.HPARAMS_TAGS, ("experiment", "start", "end")))
    for p in points:
        if p.plugin == "hparams":
            s = sessions.setdefault(p.run, {"metrics": {}})
            s[names[p.tag]] = p.value
    for p in points:
        if p.run in sessions and p.plugin == "scalars":
            sessions[p.run]["metrics"][p.tag] = p
    return sessions


def _experiment_json(model, bools):
    """The /experiment answer for a session's experiment summary: hparams sorted by name
    (backend_context._sort_and_reduce_to_hparams_limit), as TensorBoard serializes it."""
    from tensorboard import plugin_util
    from tensorboard.plugins.hparams import api_pb2

    exp = api_pb2.Experiment()
    exp.CopyFrom(model.content(bools).experiment)
    infos = sorted(exp.hparam_infos, key=lambda i: (not i.differs, i.name))
    del exp.hparam_infos[:]
    exp.hparam_infos.extend(infos)
    return json.loads(plugin_util.proto_to_json(exp))


def _hparam_json(value, bools):
    if isinstance(value, bool):
        return value if bools else float(value)
    return value


def _check_experiment(server, sessions, bools, where):
    """The hparams dashboard's experiment: with one experiment summary per session (PyTorch's
    layout), TensorBoard takes the first one its data provider lists (reader fact: which one
    varies from server to server), so the answer must be one of the sessions' experiments."""
    got = _typed(server.post("/data/plugin/hparams/experiment", {"experimentName": ""}))
    candidates = {
        run: _typed(_experiment_json(s["experiment"], bools)) for run, s in sessions.items()
    }
    assert got in candidates.values(), (where, got, candidates)
    return [run for run, c in candidates.items() if c == got]


def _typed(answer):
    """A JSON answer in a form where true != 1.0 (Python's True == 1.0)."""
    return json.dumps(answer, sort_keys=True)


def _check_session_groups(server, sessions, bools, window, where):
    """/data/plugin/hparams/session_groups: one group per session run, sorted by name, with
    the session's hparams and, for each metric of the experiment, the metric's last scalar
    (value, step, wall time) in the session's run."""
    got = server.post("/data/plugin/hparams/session_groups", _SESSION_GROUPS)
    assert got["totalSize"] == len(sessions), (where, got["totalSize"], sorted(sessions))
    groups = got["sessionGroups"]
    assert [g["name"] for g in groups] == sorted(sessions), (where, [g["name"] for g in groups])
    for g in groups:
        s = sessions[g["name"]]
        w = "%s session %r" % (where, g["name"])
        want = {k: _hparam_json(v, bools) for k, v in s["start"].hparams}
        assert _typed(g["hparams"]) == _typed(want), (w, g["hparams"], want)
        (session,) = g["sessions"]
        assert session["name"] == g["name"] and session["status"] == "STATUS_SUCCESS", (w, session)
        metrics = s["experiment"].metrics
        values = session["metricValues"]
        want = [{"tag": t, "group": ""} for t in metrics]
        assert [v["name"] for v in values] == want, (w, values)
        for v in values:
            p = s["metrics"][v["name"]["tag"]]
            assert (v["value"], v["trainingStep"]) == (p.value, p.step), (w, v, p)
            checks.check_wall_time(w, v["wallTimeSecs"], p.wall_time, window)
        assert g["metricValues"] == values, (w, g["metricValues"])  # a group of one session


@pytest.mark.parametrize("load_fast", LOADERS)
def test_hparams(servers, written, expected, load_fast):
    """The hparams dashboard (POST /data/plugin/hparams/experiment and /session_groups with
    the JSON bodies the web page sends): the experiment is one of the sessions'; every
    session (a sub-run <case>/<run_name>) is a group with its hparams (tinytb's booleans as
    booleans, PyTorch's as numbers: hparams_bool) and its metrics' last values."""
    points = [p for pts in expected[load_fast].values() for p in pts]
    for slot, server in zip(("target", "torch"), _pair(servers, load_fast)):
        bools = slot == "target" and not target.is_torch()
        sessions = _hparams_sessions(points)
        assert len(sessions) >= 8
        where = "%s (%s logdir)" % (server.name, slot)

        def check(server=server, sessions=sessions, bools=bools, slot=slot, where=where):
            _check_experiment(server, sessions, bools, where)
            _check_session_groups(server, sessions, bools, written.results[slot].window, where)

        eventually(check)


@pytest.mark.parametrize("load_fast", LOADERS)
def test_hparams_same_run(same_run_servers, same_run, load_fast):
    """tinytb's same-run mode (add_hparams(..., run_name='.'), no PyTorch counterpart), in a
    logdir of its own: each session is the writer's own run, and its metric values are the
    last values of the scalars logged in that run: the curves logged before add_hparams when
    the metrics are only declared (value None), the values add_hparams logs at its
    global_step otherwise.  The runs hold nothing else: no sub-run."""
    assert not same_run.errors, same_run.errors
    assert not same_run.warnings, same_run.warnings
    server = same_run_servers[load_fast]
    points = [p for case in same_run.cases for p in expected_view.model_points(case)]
    semantics = checks.rustboard_semantics if load_fast else checks.python_semantics
    points = [p for pts in semantics(points).values() for p in pts]
    sessions = _hparams_sessions(points)
    assert sorted(sessions) == ["declared", "valued"]
    declared = sessions["declared"]["metrics"]
    assert {t: p.step for t, p in declared.items()} == {t: 2 for t in case_table.HPARAM_METRICS}
    valued = sessions["valued"]["metrics"]
    assert {t: p.step for t, p in valued.items()} == {t: 3 for t in case_table.HPARAM_METRICS}
    where = "%s (same-run logdir)" % server.name

    def check():
        assert sorted(server.get("/data/runs")) == ["declared", "valued"]
        _check_experiment(server, sessions, True, where)
        _check_session_groups(server, sessions, True, same_run.window, where)

    eventually(check)


@pytest.mark.parametrize("slot", ["target", "torch"])
def test_reader_fact_histogram_buckets(servers, slot):
    """Documented reader fact, for both writers: PyTorch's histogram layout keeps one empty
    bucket on the left (its right edge is the left edge of the data).  Rustboard serves every
    bucket with edges [min] + limits[:-1] | limits[:-1] + [max] in float64, so that empty
    bucket runs backwards (from min to a smaller edge); the Python loader drops empty outer
    buckets and serves float32 edges.  A constant input (7 x 2.0, bins='auto': limits
    [1.5, 2.5], counts [0, 7])."""
    fast, slow = servers[(True, slot)], servers[(False, slot)]

    def check():
        f = fast.get("/data/plugin/histograms/histograms", run="histograms", tag="input/constant")
        s = slow.get("/data/plugin/histograms/histograms", run="histograms", tag="input/constant")
        assert [b for _, _, b in f] == [[[2.0, 1.5, 0.0], [1.5, 2.0, 7.0]]]
        assert [b for _, _, b in s] == [[[2.0, 2.0, 7.0]]]

    eventually(check)
