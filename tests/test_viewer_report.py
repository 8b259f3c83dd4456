"""tinytb.viewer.report: the one-file HTML report. The page parses, its data block decodes back
to the store's values bit for bit (scalars as base64 float64, media as data URIs), the CSP
hashes are those of the inline blocks, the media budget is spent in the documented order, no
logged string can end the data block, and a write that fails leaves nothing behind."""

import base64
import hashlib
import json
import os
import re
import sys
from array import array
from html.parser import HTMLParser

import pytest

from tinytb import SummaryWriter
from tinytb._values import Array
from tinytb.viewer import markdown, report
from tinytb.viewer.store import Store

NAN, INF = float("nan"), float("inf")
XSS = "</script><script>alert(1)</script><!--"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"  # PNG spec 5.2


@pytest.fixture
def log(tmp_path):
    """Two runs; scalars with non-finite values, -0.0 and a float32 subnormal; images at three steps
    in two runs; an audio clip; a histogram; text and tags carrying script-ending strings."""
    logdir = tmp_path / "my log"
    with SummaryWriter(str(logdir)) as w:
        for step, value in enumerate([0.5, NAN, INF, -INF, -0.0, 1e-40, 3e38]):
            w.add_scalar("loss", value, step, walltime=100.25 + step)
        w.add_scalar("tag " + XSS, 1.0, 0, walltime=100.0)
        for step in range(3):
            pixels = [[[step * 40, 255], [128, 64]]] * 3
            w.add_image("img/a", pixels, step, walltime=200.0 + step)
        w.add_audio("snd", [0.0, 0.5, -0.5, 1.0], 2, sample_rate=8000, walltime=201.0)
        w.add_histogram("w", [1.0, 2.0, 2.5, 3.0], 3, bins=3, walltime=202.0)
        w.add_text("note", "**bold** " + XSS, 4, walltime=203.0)
        w.add_text("x" + XSS, "plain", 5, walltime=204.0)
    with SummaryWriter(str(logdir / "sub" / "deep")) as w:
        w.add_scalar("loss", 2.0, 7, walltime=300.0)
        for step in range(3):
            w.add_image("img/a", [[[step, 9], [8, 7]]] * 3, 10 + step, walltime=400.0 + step)
    return str(logdir)


class _Page(HTMLParser):
    """Every element's tag and attributes, and the text of script and style elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.blocks = []  # (tag, attrs, text) of script/style elements
        self._open = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs), [])

    def handle_data(self, data):
        if self._open is not None:
            self._open[2].append(data)

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            self.blocks.append((tag, self._open[1], "".join(self._open[2])))
            self._open = None


def parse(page_bytes):
    parser = _Page()
    parser.feed(page_bytes.decode("utf-8"))
    parser.close()
    return parser


def strict_json(text):
    def refuse(name):
        raise ValueError("non-standard JSON constant %s" % name)

    return json.loads(text, parse_constant=refuse)


def bundle_from(parser):
    (data,) = [t for tag, a, t in parser.blocks if a.get("id") == "tinytb-data"]
    return strict_json(data)


def finite(value):
    """The bundle's spelling of a float: non-finite ones as strings."""
    if value != value:
        return "NaN"
    if value in (INF, -INF):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def b64_doubles(text):
    column = array("d")
    column.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        column.byteswap()
    return column


def data_uri_bytes(uri):
    head, _, data = uri.partition(",")
    assert head.endswith(";base64")
    return head[5:-7], base64.b64decode(data)


def written(log, tmp_path, **kw):
    out = str(tmp_path / "report.html")
    report.write_report(log, out, **kw)
    with open(out, "rb") as f:
        return f.read()


# --- the page -----------------------------------------------------------------------------------


def test_page_parses_into_the_expected_elements(log, tmp_path):
    page = written(log, tmp_path)
    parser = parse(page)
    assert page.startswith(b"<!DOCTYPE html>\n")
    kinds = [(tag, a.get("type"), a.get("id")) for tag, a, _ in parser.blocks]
    assert kinds == [
        ("style", None, None),
        ("script", "application/json", "tinytb-data"),
        ("script", None, None),
    ]
    names = {tag for tag, _ in parser.tags}
    assert names == {"html", "head", "meta", "title", "link", "style", "body", "script"}
    # nothing is loaded from anywhere: no src/href but the empty data: icon
    urls = [a.get(k) for _, a in parser.tags for k in ("src", "href") if k in a]
    assert urls == ["data:,"]
    with open(os.path.join(report.STATIC_DIR, "app.js"), encoding="utf-8") as f:
        assert parser.blocks[2][2] == f.read()
    with open(os.path.join(report.STATIC_DIR, "style.css"), encoding="utf-8") as f:
        assert parser.blocks[0][2] == f.read()
    title = re.search(rb"<title>(.*)</title>", page).group(1)
    assert title == b"tinytb report: my log"


def test_csp_allows_exactly_the_inline_blocks_by_hash(log, tmp_path):
    parser = parse(written(log, tmp_path))
    (csp,) = [
        a["content"] for tag, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    policy = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    style = [t for tag, a, t in parser.blocks if tag == "style"][0]
    script = [t for tag, a, t in parser.blocks if tag == "script" and "type" not in a][0]

    def sha(text):
        return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == sha(script)
    assert policy["style-src"] == sha(style)
    assert policy["img-src"] == policy["media-src"] == "data: blob:"
    assert "unsafe" not in csp and "http" not in csp
    # the CSP meta comes before any style or script
    order = [tag for tag, a in parser.tags if tag in ("style", "script") or "http-equiv" in a]
    assert order[0] == "meta"


def test_data_block_decodes_back_to_the_store_bit_for_bit(log, tmp_path):
    bundle = bundle_from(parse(written(log, tmp_path)))
    store = Store(log)
    store.refresh()
    assert bundle["mode"] == "report"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", bundle["generated"])
    index = bundle["index"]
    assert index["runs"] == store.runs() == [".", "sub/deep"]
    assert index["tags"] == store.tags()
    assert index["logdir"] == "my log" and index["errors"] == []
    count = 0
    for tag, runs in store.tags()["scalars"].items():
        got = {s["run"]: s for s in bundle["scalars"][tag]["series"]}
        assert sorted(got) == sorted(runs)
        for run in runs:
            steps, walls, values = store.scalars(run, tag)
            s = got[run]
            assert b64_doubles(s["value"]).tobytes() == array("d", values).tobytes()
            assert b64_doubles(s["wall_time"]).tobytes() == array("d", walls).tobytes()
            assert [int(x) for x in b64_doubles(s["step"])] == list(steps)
            count += len(values)
    assert count == 7 + 1 + 1
    loss = [s for s in bundle["scalars"]["loss"]["series"] if s["run"] == "."][0]
    values = b64_doubles(loss["value"])
    # -0.0, a float32 subnormal and NaN survive (simple_value is a float32)
    assert str(values[4]) == "-0.0" and 0 < values[5] < 1.2e-38 and values[1] != values[1]


def test_media_histograms_text_hparams_as_the_store_has_them(log, tmp_path):
    bundle = bundle_from(parse(written(log, tmp_path)))
    store = Store(log)
    store.refresh()
    for kind in ("images", "audio"):
        for tag, runs in store.tags()[kind].items():
            entry = bundle[kind][tag]
            assert entry["tag"] == tag and [s["run"] for s in entry["series"]] == runs
            for series in entry["series"]:
                items = store.items(kind, series["run"], tag)
                assert len(series["items"]) == len(items)
                for i, (got, item) in enumerate(zip(series["items"], items)):
                    assert got["index"] == i and got["step"] == item.step
                    assert got["wall_time"] == item.wall_time
                    assert len(got["src"]) == item.samples
                    for j, uri in enumerate(got["src"]):
                        mime, data = data_uri_bytes(uri)
                        assert data == store.blob(kind, series["run"], tag, i, j)
                        assert mime == ("image/png" if kind == "images" else "audio/wav")
    (hist,) = bundle["histograms"]["w"]["series"][0]["items"]
    step, wall, buckets = store.histograms(".", "w")[0]
    assert (hist["step"], hist["wall_time"]) == (step, wall)
    assert hist["buckets"] == [[finite(x) for x in b] for b in buckets]
    for tag in store.tags()["text"]:
        for series in bundle["text"][tag]["series"]:
            rows = store.text(series["run"], tag)
            assert [i["html"] for i in series["items"]] == [
                markdown.render_text(v) for _, _, v in rows
            ]
    assert bundle["hparams"] == json.loads(report.encode_json(store.hparams()))


def test_logged_strings_cannot_end_the_data_block(log, tmp_path):
    page = written(log, tmp_path).decode("utf-8")
    assert XSS not in page and "<script>alert" not in page
    assert page.lower().count("</script") == 2  # the data block's and app.js's own end tags
    assert "<!--" not in page
    bundle = bundle_from(parse(page.encode()))
    # ... and the strings come back whole from the JSON
    assert "tag " + XSS in bundle["scalars"]
    assert "x" + XSS + "/text_summary" in bundle["text"]
    series = bundle["text"]["note/text_summary"]["series"]
    html_items = [i["html"] for s in series for i in s["items"]]
    # PyTorch writes text as a rank-1 tensor of one string: TensorBoard shows a 1x1 table
    assert html_items == [markdown.render_text(Array("object", (1,), ["**bold** " + XSS]))]
    assert "<strong>bold</strong> &lt;/script&gt;&lt;script&gt;alert(1)" in html_items[0]
    assert "<script" not in html_items[0]


def test_encode_json_escapes_and_maps_non_finite():
    text = report.encode_json({"a": [NAN, INF, -INF, 1.5], "s": "</script><!--&\u2028é"})
    assert not set(text) & set("<>&") and text.isascii()
    assert strict_json(text) == {
        "a": ["NaN", "Infinity", "-Infinity", 1.5],
        "s": "</script><!--&\u2028é",
    }


# --- the media budget ---------------------------------------------------------------------------


def _uri_length(store, kind, run, tag, index):
    data = store.blob(kind, run, tag, index, 0)
    return len("data:image/png;base64,") + len(base64.b64encode(data))


def _srcs(bundle):
    """{(run, step): src} of the img/a series."""
    return {
        (s["run"], i["step"]): i["src"][0]
        for s in bundle["images"]["img/a"]["series"]
        for i in s["items"]
    }


def test_media_budget_goes_to_the_latest_item_of_each_series_first(log, tmp_path):
    store = Store(log)
    store.refresh()
    latest = _uri_length(store, "images", ".", "img/a", 2) + _uri_length(
        store, "images", "sub/deep", "img/a", 2
    )
    bundle = bundle_from(parse(written(log, tmp_path, max_media_bytes=latest)))
    kept = {key for key, src in _srcs(bundle).items() if src is not None}
    assert kept == {(".", 2), ("sub/deep", 12)}
    assert bundle["audio"]["snd"]["series"][0]["items"][0]["src"] == [None]
    # one byte less: the second latest item (sub/deep, sorted after ".") no longer fits
    bundle = bundle_from(parse(written(log, tmp_path, max_media_bytes=latest - 1)))
    kept = {key for key, src in _srcs(bundle).items() if src is not None}
    assert kept == {(".", 2)}


def test_media_budget_then_newest_first_and_zero_keeps_none(log, tmp_path):
    bundle = bundle_from(parse(written(log, tmp_path, max_media_bytes=0)))
    assert set(_srcs(bundle).values()) == {None}
    assert bundle["audio"]["snd"]["series"][0]["items"][0]["src"] == [None]
    everything = bundle_from(parse(written(log, tmp_path)))
    assert None not in _srcs(everything).values()
    order = report.media_order(bundle)
    assert [(k, r, i["step"]) for k, tag, r, i in order] == [
        ("images", ".", 2),
        ("images", "sub/deep", 12),
        ("audio", ".", 2),
        ("images", ".", 1),
        ("images", "sub/deep", 11),
        ("images", ".", 0),
        ("images", "sub/deep", 10),
    ]


def test_media_cap_bounds_the_file_size(log, tmp_path):
    small = len(written(log, tmp_path, max_media_bytes=0))
    for cap in (0, 300, 1000, 10**6):
        page = written(log, tmp_path, max_media_bytes=cap)
        uris = re.findall(rb'"data:[a-z/]+;base64,[A-Za-z0-9+/=]*"', page)
        assert sum(len(u) - 2 for u in uris) <= cap  # the budget counts the URIs' characters
        assert len(page) - small == sum(len(u) - 4 for u in uris)  # null -> "data:..."


class _FakeStore:
    """A store whose blobs are not images: such samples are never embedded."""

    logdir = "fake"
    generation = 3

    def __init__(self, blobs):
        self._blobs = blobs

    def tags(self):
        return {"scalars": {}, "images": {"t": ["r"]}, "histograms": {}, "text": {}, "audio": {}}

    def runs(self):
        return ["r"]

    def errors(self):
        return [("r/events.out.tfevents.1", 40, "bad CRC")]

    def has_hparams(self):
        return False

    def hparams(self):
        return {"hparams": [], "metrics": [], "sessions": []}

    def items(self, kind, run, tag):
        from tinytb.viewer.store import Item

        return [Item(i, 1.0, 1, 1, 1, 0, 0) for i in range(len(self._blobs))]

    def blob(self, kind, run, tag, index, sample):
        return self._blobs[index]


def test_unknown_or_missing_bytes_are_never_embedded():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    wav = b"RIFF\x00\x00\x00\x00WAVEfmt "
    png = PNG_MAGIC + b"rest"
    bundle = report.bundle_of(_FakeStore([png, svg, None, wav, png]), 10**6, "t")
    srcs = [i["src"][0] for i in bundle["images"]["t"]["series"][0]["items"]]
    expected = "data:image/png;base64," + base64.b64encode(png).decode()
    assert srcs == [expected, None, None, None, expected]
    assert bundle["index"]["errors"] == [
        {"file": "r/events.out.tfevents.1", "offset": 40, "message": "bad CRC"}
    ]
    page = report.build_report(_FakeStore([svg]), max_media_bytes=10**6)
    assert b"<svg" not in page and b"onload" not in page


# --- writing --------------------------------------------------------------------------------


def _leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_replaces_an_existing_file_whole(log, tmp_path):
    out = tmp_path / "r.html"
    out.write_bytes(b"old")
    report.write_report(log, str(out))
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    assert _leftovers(str(tmp_path)) == []
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(str(out)).st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("where", ["missing/dir/r.html", "a_file/r.html", "a_dir"])
def test_unwritable_target_raises_oserror_and_leaves_nothing(log, tmp_path, where):
    (tmp_path / "a_file").write_bytes(b"x")
    (tmp_path / "a_dir").mkdir()
    before = sorted(os.listdir(str(tmp_path)))
    out = str(tmp_path / where)
    with pytest.raises(OSError, match="cannot write the report") as caught:
        report.write_report(log, out)
    assert caught.value.filename == out
    assert sorted(os.listdir(str(tmp_path))) == before
    assert os.listdir(str(tmp_path / "a_dir")) == []


def test_failure_at_the_rename_keeps_the_old_file(log, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    out.write_bytes(b"old")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report.os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        report.write_report(log, str(out))
    assert out.read_bytes() == b"old"
    assert sorted(os.listdir(str(tmp_path))) == ["my log", "r.html"]


def test_arguments_are_checked(log, tmp_path):
    out = str(tmp_path / "r.html")
    with pytest.raises(TypeError, match="max_media_bytes"):
        report.write_report(log, out, max_media_bytes="1")
    with pytest.raises(TypeError, match="max_media_bytes"):
        report.write_report(log, out, max_media_bytes=True)
    with pytest.raises(ValueError, match="max_media_bytes"):
        report.write_report(log, out, max_media_bytes=-1)
    with pytest.raises(TypeError, match="title"):
        report.write_report(log, out, title=3)
    with pytest.raises(FileNotFoundError):
        report.write_report(str(tmp_path / "nope"), out)
    assert not os.path.exists(out)


def test_title_is_escaped(log, tmp_path):
    page = written(log, tmp_path, title="<b>& " + XSS)
    assert b"<title>&lt;b&gt;&amp; &lt;/script&gt;&lt;script&gt;" in page
    assert bundle_from(parse(page))["title"] == "<b>& " + XSS


def test_static_text_that_would_end_its_element_is_refused():
    with pytest.raises(ValueError, match="</script"):
        report.page_of({}, "t", "", "var s = '</SCRIPT>';")
    with pytest.raises(ValueError, match="<!--"):
        report.page_of({}, "t", "", "x <!-- y")
    with pytest.raises(ValueError, match="</style"):
        report.page_of({}, "t", "a{} </style>", "")


def test_empty_log_gives_a_valid_report(tmp_path):
    (tmp_path / "empty").mkdir()
    out = str(tmp_path / "r.html")
    report.write_report(str(tmp_path / "empty"), out, title="nothing")
    with open(out, "rb") as f:
        bundle = bundle_from(parse(f.read()))
    assert bundle["index"]["runs"] == [] and bundle["scalars"] == {}
    assert bundle["title"] == "nothing"
