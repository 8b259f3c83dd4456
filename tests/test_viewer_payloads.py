"""tinytb.viewer.payloads: the JSON shapes the server's API sends and the report embeds. Content
types by magic bytes (each format's signature, and the RIFF container the WebP/WAVE form types
need), histogram sampling (first and last kept, evenly spaced), the non-finite float mapping
through nested containers, and each payload compared with what a real Store (over a log that
tinytb.SummaryWriter wrote) or a small fake store holds."""

import json
import math

import pytest

from tinytb import SummaryWriter
from tinytb.viewer import markdown, payloads
from tinytb.viewer.store import Item, Store

NAN, INF = float("nan"), float("inf")


# -- content types ---------------------------------------------------------------------------

# PNG spec 5.2 signature, then the first chunk's length and type (a 1x1 image's IHDR).
PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
# (bytes, expected type); signatures from: PNG spec 5.2, GIF89a spec "Header", JPEG (ITU T.81)
# SOI marker FFD8 then a marker FF.., RIFF container (form type at byte 8) for WebP and WAVE,
# BMP BITMAPFILEHEADER bfType "BM".
BLOBS = [
    (PNG_HEAD, "image/png"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    (b"GIF87a\x01\x00\x01\x00", "image/gif"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"BM\x1e\x00\x00\x00", "image/bmp"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    (b"<svg onload=alert(1)>", None),
    (b"<html><script>alert(1)</script>", None),
    (b"XXXX\x10\x00\x00\x00WEBP", None),  # WEBP without its RIFF container
    (b"RIFX\x24\x00\x00\x00WAVEfmt ", None),  # big-endian RIFX: not what the page can play
    (b"GIF88a", None),  # no such GIF version
    (b"\x89PNG\r\n", None),  # a signature cut short
    (b"\xff\xd8", None),
    (b"", None),
]


@pytest.mark.parametrize("data, expected", BLOBS)
def test_blob_type_by_magic_bytes(data, expected):
    assert payloads.blob_type(data) == expected


def test_blob_type_reads_only_the_leading_bytes():
    png = PNG_HEAD
    assert payloads.blob_type(png + b"<svg>") == "image/png"
    assert payloads.blob_type(b"<svg>" + png) is None
    assert payloads.blob_type(bytearray(png)) == "image/png"
    assert payloads.blob_type(memoryview(b"RIFF\0\0\0\0WAVE")) == "audio/wav"


# -- spread ----------------------------------------------------------------------------------


def test_spread_keeps_first_and_last_and_is_even():
    for n in range(0, 60):
        for k in range(1, 15):
            kept = payloads.spread(n, k)
            assert kept == sorted(set(kept)) and len(kept) == min(n, k), (n, k)
            assert all(0 <= i < n for i in kept)
            if n and k > 1:
                assert kept[0] == 0 and kept[-1] == n - 1, (n, k)
            if n > k > 1:  # every gap is the ideal (n-1)/(k-1) rounded down or up
                ideal = (n - 1) / (k - 1)
                gaps = {b - a for a, b in zip(kept, kept[1:])}
                assert gaps <= {math.floor(ideal), math.ceil(ideal)}, (n, k, gaps)


def test_spread_small_cases():
    assert payloads.spread(0, 5) == []
    assert payloads.spread(3, 5) == [0, 1, 2]
    assert payloads.spread(5, 5) == [0, 1, 2, 3, 4]
    assert payloads.spread(9, 1) == [8]  # one kept: the latest
    assert payloads.spread(9, 2) == [0, 8]
    assert payloads.spread(9, 3) == [0, 4, 8]


# -- finite ----------------------------------------------------------------------------------


def test_finite_maps_non_finite_floats_anywhere():
    value = {
        "a": [NAN, INF, -INF, 1.5, -0.0, "NaN", None, True, 3],
        "b": (1, {"c": -INF, "d": [[NAN], ()]}),
        "e": 2.0,
    }
    mapped = payloads.finite(value)
    assert mapped == {
        "a": ["NaN", "Infinity", "-Infinity", 1.5, -0.0, "NaN", None, True, 3],
        "b": [1, {"c": "-Infinity", "d": [["NaN"], []]}],
        "e": 2.0,
    }
    assert math.copysign(1.0, mapped["a"][4]) == -1.0  # -0.0 is finite: kept with its sign
    assert mapped["a"][7] is True and type(mapped["a"][8]) is int
    json.dumps(mapped, allow_nan=False)  # strict JSON now
    assert value["a"][0] != value["a"][0] and value["b"][1]["c"] == -INF  # input untouched


def test_finite_of_scalars():
    assert payloads.finite(NAN) == "NaN"
    assert payloads.finite(INF) == "Infinity"
    assert payloads.finite(-INF) == "-Infinity"
    assert payloads.finite(1e308) == 1e308
    assert payloads.finite("Infinity") == "Infinity"


# -- payloads vs a real store ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Runs "." and "b": images, audio, histograms (one with more events than the default
    max), text with markdown and script, an hparams session with a NaN metric."""
    logdir = tmp_path_factory.mktemp("payloads") / "my logs"
    with SummaryWriter(str(logdir)) as w:
        for step in range(3):
            w.add_image("pic", [[[step * 40, 255], [128, 64]]] * 3, step, walltime=10.0 + step)
        w.add_audio("snd", [0.0, 0.5, -0.5, 1.0], 2, sample_rate=8000, walltime=11.0)
        for step in range(75):
            w.add_histogram("w", [1.0, 2.0, 2.5, 3.0 + step], step, bins=3, walltime=20.0 + step)
        w.add_text("note", "**bold** <script>alert(1)</script>", 4, walltime=30.0)
        w.add_text("note", "second", 6, walltime=31.0)
    with SummaryWriter(str(logdir / "b")) as w:
        w.add_image("pic", [[[9, 9], [8, 7]]] * 3, 5, walltime=40.0)
        w.add_histogram("w", [0.5], 1, bins=2, walltime=41.0)
        w.add_hparams({"lr": 0.1}, {"hp/metric": NAN})
    s = Store(str(logdir))
    s.refresh()
    return s


def test_index_is_the_store_overview(store):
    got = payloads.index(store, 5.0)
    assert list(got) == ["generation", "logdir", "reload", "runs", "tags", "hparams", "errors"]
    assert got["generation"] == store.generation and got["logdir"] == "my logs"
    assert got["reload"] == 5.0 and payloads.index(store, 0)["reload"] == 0
    assert got["runs"] == store.runs() and {".", "b"} <= set(got["runs"])
    assert got["tags"] == store.tags() and got["tags"]["images"]["pic"] == [".", "b"]
    assert got["hparams"] is bool(store.hparams()["sessions"]) is True
    assert got["errors"] == []


def test_media_lists_the_store_items_in_the_runs_given(store):
    got = payloads.media(store, "images", "pic", ["b", "."])
    assert got["tag"] == "pic" and [s["run"] for s in got["series"]] == ["b", "."]
    image_fields = ["step", "wall_time", "samples", "width", "height"]  # the design note's
    for entry in got["series"]:
        items = store.items("images", entry["run"], "pic")
        assert len(entry["items"]) == len(items) > 0
        for i, (listed, item) in enumerate(zip(entry["items"], items)):
            assert list(listed) == ["index"] + image_fields
            assert listed["index"] == i
            assert [listed[f] for f in image_fields] == [getattr(item, f) for f in image_fields]
    assert [it["step"] for it in got["series"][1]["items"]] == [0, 1, 2]
    (audio,) = payloads.media(store, "audio", "snd", ["."])["series"]
    (item,) = audio["items"]
    assert list(item) == ["index", "step", "wall_time", "samples", "sample_rate", "length_frames"]
    assert (item["step"], item["sample_rate"], item["length_frames"]) == (2, 8000, 4)
    assert payloads.media(store, "images", "pic", []) == {"tag": "pic", "series": []}


def test_histograms_sample_the_store_events(store):
    got = payloads.histograms(store, "w", [".", "b"])
    first, second = got["series"]
    events = store.histograms(".", "w")
    assert len(events) == 75 and len(first["items"]) == payloads.DEFAULT_HISTOGRAMS
    assert [it["step"] for it in first["items"]] == [
        events[i][0] for i in payloads.spread(75, payloads.DEFAULT_HISTOGRAMS)
    ]
    assert (first["run"], second["run"]) == (".", "b") and len(second["items"]) == 1
    for entry in (first, second):
        by_step = {e[0]: e for e in store.histograms(entry["run"], "w")}
        for item in entry["items"]:
            step, wall_time, buckets = by_step[item["step"]]
            assert item == {
                "step": step,
                "wall_time": wall_time,
                "min": buckets[0][0],
                "max": buckets[-1][1],
                "buckets": [list(b) for b in buckets],
            }
    few = payloads.histograms(store, "w", ["."], 4)["series"][0]["items"]
    assert [it["step"] for it in few] == [events[i][0] for i in (0, 25, 49, 74)]


def test_text_is_rendered_safe_html(store):
    (tag,) = store.tags()["text"]  # "note", or "note/text_summary" as TensorBoard shows it
    assert tag.startswith("note")
    got = payloads.text(store, tag, ["."])
    assert got["tag"] == tag
    (entry,) = got["series"]
    rows = store.text(".", tag)
    assert len(rows) == 2
    assert entry["items"] == [
        {"step": s, "wall_time": w, "html": markdown.render_text(v)} for s, w, v in rows
    ]
    assert "<strong>bold</strong>" in entry["items"][0]["html"]
    assert "<script>" not in entry["items"][0]["html"]


def test_hparams_is_the_store_sessions(store):
    got = payloads.hparams(store)
    (session,) = got["sessions"]
    assert session["hparams"] == {"lr": 0.1}
    assert math.isnan(session["metrics"]["hp/metric"])
    assert payloads.finite(got)["sessions"][0]["metrics"]["hp/metric"] == "NaN"


# -- payloads vs a fake store (what a writer cannot produce) ---------------------------------


class FakeStore:
    """The Store accessors payloads reads, over fixed data."""

    generation = 7

    def __init__(self, logdir):
        if logdir is not None:
            self.logdir = logdir

    def runs(self):
        return ["r"]

    def tags(self):
        return {"histograms": {"h": ["r"]}}

    def has_hparams(self):
        return False

    def hparams(self):
        return {"hparams": [], "metrics": [], "sessions": []}

    def errors(self):
        return [("r/events.out.tfevents.1", 40, "bad CRC"), ("x", None, "cannot read")]

    def items(self, kind, run, tag):
        return [Item(3, 1.5, 2, 4, 5, 0, 0)]

    def histograms(self, run, tag):
        return [(0, 1.0, []), (1, 2.0, [(-1.0, 0.0, 2.0), (0.0, 1.0, NAN)])]


def test_index_of_a_store_with_errors_and_no_sessions():
    got = payloads.index(FakeStore("/some/where/logs/"), 0)
    assert got["logdir"] == "logs" and got["generation"] == 7 and got["hparams"] is False
    assert got["errors"] == [
        {"file": "r/events.out.tfevents.1", "offset": 40, "message": "bad CRC"},
        {"file": "x", "offset": None, "message": "cannot read"},
    ]


@pytest.mark.parametrize("logdir, name", [(None, ""), ("", ""), ("a/b/../c", "c"), ("/x/y", "y")])
def test_logdir_name(logdir, name):
    assert payloads.logdir_name(FakeStore(logdir)) == name


def test_histogram_without_buckets_has_no_min_or_max():
    (entry,) = payloads.histograms(FakeStore("l"), "h", ["r"])["series"]
    empty, full = entry["items"]
    assert empty == {"step": 0, "wall_time": 1.0, "min": None, "max": None, "buckets": []}
    assert (full["min"], full["max"]) == (-1.0, 1.0)
    assert full["buckets"][0] == [-1.0, 0.0, 2.0] and math.isnan(full["buckets"][1][2])


def test_media_item_fields_come_from_the_store_item():
    (entry,) = payloads.media(FakeStore("l"), "images", "t", ["r"])["series"]
    assert entry["items"] == [
        {"index": 0, "step": 3, "wall_time": 1.5, "samples": 2, "width": 4, "height": 5}
    ]
