"""The viewer (``tinytb serve``, ``tinytb report``) in a real browser: headless Chromium.

Issue 12, "Tested in a real browser": on a log written by PyTorch's writer, each dashboard
shows a card for every tag of its kind, titled with the tag, where TensorBoard's own loader
(``plugin_event_multiplexer``, with the data_compat conversions the UI uses: ``checks.
loader_view``) says which tags exist and under which plugin; images decode to the logged
width; every audio clip has a player; the hparams table has a row per session; the console
has no error (JavaScript errors, CSP violations and failed loads are all SEVERE); and a
screenshot of each dashboard is saved (``$TINYTB_SCREENSHOTS`` or a directory of the test
run, printed). The same for the one-file report opened from ``file://``. Then: logged
strings that try to run script (text, tags, hparams) run nothing; points appended to a
run while the page is open appear without a reload; and the report's JavaScript smooths
exactly as the server does (``tinytb.viewer.series.smooth``).

The log (``_write_torch_log``): runs ``train``, ``eval`` and the ``add_scalars`` runs
``train/losses_a``, ``train/losses_b``; scalars; ``add_image`` and ``add_images`` (a grid);
a GIF video: PyTorch's ``add_video`` writes a value-less summary without moviepy, which this
suite must not have (README.md), so the GIF is made with Pillow and written through
PyTorch's file writer as the ``Summary.Image`` that ``add_video`` writes with moviepy;
histograms; Markdown text and a rank-2 text table (``tensorboard.plugins.text.summary_v2.
text_pb``, through PyTorch's file writer: ``add_text`` takes a string only); audio; and
three ``add_hparams`` sessions.

Needs Chromium, chromedriver (Debian's packages) and selenium; without them every test
skips with how to install them, and under CI (``CI=true``) a skip is a failure.
"""

import io
import math
import os
import struct
import time

import pytest

from . import browser as br
from . import checks, deps, target

KINDS = ("scalars", "images", "histograms", "text", "audio")
REPORT_KINDS = ("scalars", "images", "histograms", "text")
STEPS = 20  # points per scalar series: few enough that no reduction drops any
IMAGE_W, IMAGE_H = 40, 24
BATCH = 4
VIDEO_W, VIDEO_H, VIDEO_FRAMES = 32, 20, 5
SAMPLE_RATE = 8000
MARKDOWN = (
    "# Notes\n\nSome **bold** and *italic* text, `code`, a [link](https://example.com/x).\n\n"
    "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
)
SESSIONS = (
    {"lr": 0.1, "bs": 16, "opt": "sgd"},
    {"lr": 0.01, "bs": 32, "opt": "adam"},
    {"lr": 0.001, "bs": 64, "opt": "adam"},
)

# Strings that run script if any layer lets HTML through: each sets window.__pwned and
# opens a dialog.
PAYLOADS = (
    "<script>window.__pwned='script';alert('script')</script>",
    "<img src=x onerror=\"window.__pwned='img';alert('img')\">",
    "[click me](javascript:window.__pwned='mdlink';alert('mdlink'))",
    "<a href=\"javascript:window.__pwned='a';alert('a')\">a link</a>",
    "<a href=\"jav&#x09;ascript:window.__pwned='tab'\">tab link</a>",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "<iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    '<style>body{display:none}</style><b style="x:expression(alert(1))">s</b>',
    "![img](javascript:window.__pwned='mdimg')",
    "\"><img src=x onerror=window.__pwned='attr'>",
)
XSS_TEXT_TAGS = ["payloads/text_summary", "all/text_summary"]  # PyTorch appends /text_summary
XSS_TAG = "<img src=x onerror=\"window.__pwned='tag'\">/<script>window.__pwned='tag2'</script>"


# ---------------------------------------------------------------------------
# Logs


def _gif(width, height, frames):
    """An animated GIF (Pillow): a bar moving across a gradient, 100 ms per frame."""
    from PIL import Image

    images = []
    for t in range(frames):
        im = Image.new("RGB", (width, height))
        px = im.load()
        for y in range(height):
            for x in range(width):
                on = (x // 4) % frames == t
                px[x, y] = (255 if on else x * 255 // width, y * 255 // height, 128)
        images.append(im)
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def _picture(np, step, scale):
    """A CHW uint8 picture: a gradient with a disc that moves with the step."""
    y, x = np.mgrid[0:IMAGE_H, 0:IMAGE_W]
    disc = (x - (6 + 8 * step) % IMAGE_W) ** 2 + (y - IMAGE_H / 2) ** 2 < 36
    r = x * 255 // IMAGE_W
    g = y * 255 // IMAGE_H
    b = np.where(disc, 255, int(80 * scale))
    return np.stack([np.where(disc, 255, r), np.where(disc, 40, g), b]).astype(np.uint8)


def _write_torch_log(root):
    """Every dashboard's kind, written by PyTorch's SummaryWriter (see the module docstring)."""
    np = deps.need("numpy")
    deps.need("PIL")
    deps.need("tensorboard")
    torch = deps.need("torch")
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.text import summary_v2 as text_v2
    from torch.utils.tensorboard import SummaryWriter

    rng = np.random.default_rng(12)
    wall = 1.7e9
    for run, scale in (("train", 1.0), ("eval", 1.5)):
        w = SummaryWriter(os.path.join(root, run))
        for s in range(STEPS):
            w.add_scalar("loss", scale / (1 + s) + 0.01 * rng.standard_normal(), s, wall + s)
            w.add_scalar("metrics/accuracy", 1 - scale / (2 + s), s, wall + s)
        if run == "train":
            for s in range(STEPS):
                w.add_scalars("losses", {"a": 1.0 / (1 + s), "b": 2.0 / (1 + s)}, s, wall + s)
        for s in range(3):
            w.add_image("samples/single", _picture(np, s, scale), s, wall + s)
            batch = np.stack([_picture(np, s + k, scale) for k in range(BATCH)]) / 255.0
            batch += rng.normal(0, 0.05, size=batch.shape)
            w.add_images(
                "samples/batch", torch.from_numpy(batch.clip(0, 1).astype(np.float32)), s, wall + s
            )
            w.add_histogram("weights/dense", rng.normal(s, 1.0, size=500), s, walltime=wall + s)
            w.add_histogram(
                "grads", rng.laplace(0, 1 + s, size=300).astype(np.float32), s, walltime=wall + s
            )
            clip = np.sin(np.arange(SAMPLE_RATE // 4) * 2 * math.pi * (220 + 110 * s) / SAMPLE_RATE)
            w.add_audio("voice", torch.from_numpy(clip[None, :] * 0.5), s, SAMPLE_RATE, wall + s)
            w.add_text("notes", MARKDOWN + "\nstep %d of %s" % (s, run), s, wall + s)
        table = np.array([["name", "value"], ["lr", "0.1"], ["**bold**", "<b>x</b>"]])
        w._get_file_writer().add_summary(text_v2.text_pb("table", table), 0, wall)
        if run == "train":
            gif = _gif(VIDEO_W, VIDEO_H, VIDEO_FRAMES)
            video = Summary.Image(
                height=VIDEO_H, width=VIDEO_W, colorspace=3, encoded_image_string=gif
            )
            w._get_file_writer().add_summary(
                Summary(value=[Summary.Value(tag="video", image=video)]), 0, wall
            )
        w.close()
    w = SummaryWriter(os.path.join(root, "sweep"))
    for i, hp in enumerate(SESSIONS):
        w.add_hparams(
            hp,
            {"hparam/accuracy": 0.5 + 0.1 * i, "hparam/loss": 1.0 - 0.2 * i},
            run_name="session_%d" % i,
        )
    w.close()


def _write_xss_log(root):
    """Text, a scalar tag, an image tag and hparams made of PAYLOADS (PyTorch's writer)."""
    np = deps.need("numpy")
    deps.need("tensorboard")
    deps.need("torch")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(os.path.join(root, "run<script>window.__pwned='run'</script>"))
    for i, p in enumerate(PAYLOADS):
        w.add_text("payloads", p, i)
        w.add_text("payload_%d %s" % (i, p), "plain text, tag is the payload", 0)
    w.add_text("all", "\n\n".join(PAYLOADS), 0)
    for s in range(5):
        w.add_scalar(XSS_TAG, float(s), s)
    w.add_image(XSS_TAG, np.zeros((3, 8, 8), dtype=np.uint8), 0)
    w.add_hparams(
        {PAYLOADS[1]: PAYLOADS[0], "lr": 0.1}, {"hparam/" + PAYLOADS[3]: 1.0}, run_name="hp"
    )
    w.close()


def tb_view(root):
    """What TensorBoard's loader shows: ({plugin: {tag: set(runs)}}, {(run, tag): [points]},
    sessions). Plugins come from each tag's metadata (data_compat: legacy simple values,
    images, audio and histograms get theirs), as the UI's dashboards use them."""
    view, runs = checks.loader_view(root)
    tags = {}
    for (run, tag), entry in view.items():
        tags.setdefault(entry["plugin"], {}).setdefault(tag, set()).add(run)
    sessions = sorted(
        run
        for (run, tag), entry in view.items()
        if entry["plugin"] == "hparams" and tag == "_hparams_/session_start_info"
    )
    return tags, view, sessions


# ---------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def shots(tmp_path_factory, request):
    """The screenshot folder, announced on the terminal (past pytest's output capture)."""
    path = br.screenshot_dir(tmp_path_factory)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("\nviewer screenshots: %s" % path)
    else:
        print("viewer screenshots: %s" % path)
    return path


@pytest.fixture(scope="module")
def chrome():
    br.need_browser()
    with br.Browser() as b:
        yield b


@pytest.fixture(scope="module")
def torch_log(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("viewer-torch-log"))
    _write_torch_log(root)
    tags, view, sessions = tb_view(root)
    return root, tags, view, sessions


@pytest.fixture(scope="module")
def served(torch_log, tmp_path_factory):
    br.need_browser()
    log = tmp_path_factory.mktemp("viewer-server") / "serve.log"
    with br.ViewerServer(torch_log[0], log) as server:
        server.wait_ready()
        yield server


@pytest.fixture(scope="module")
def report(torch_log, tmp_path_factory):
    br.need_browser()
    out = tmp_path_factory.mktemp("viewer-report") / "report.html"
    return br.run_report(torch_log[0], out)


# ---------------------------------------------------------------------------
# Page inspection

_CARDS_JS = """
var main = document.getElementById('dashboard');
if (!main) return null;
var out = {kind: main.dataset.kind, cards: []};
main.querySelectorAll('section.card').forEach(function (c) {
  var title = c.querySelector('.card-title');
  var imgs = [], audios = [];
  c.querySelectorAll('img.sample').forEach(function (i) {
    imgs.push({complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
               src: i.src.slice(0, 40)});
  });
  c.querySelectorAll('audio').forEach(function (a) {
    audios.push({controls: a.controls, src: (a.currentSrc || a.src || '').slice(0, 40),
                 error: a.error ? a.error.code : 0, state: a.readyState});
  });
  out.cards.push({tag: c.dataset.tag, title: title ? title.textContent : null,
                  points: c.dataset.points === undefined ? null : Number(c.dataset.points),
                  imgs: imgs, audios: audios,
                  hasSvgOrCanvas: !!c.querySelector('svg, canvas'),
                  tables: Array.prototype.map.call(c.querySelectorAll('table'), function (t) {
                    return Array.prototype.map.call(t.rows, function (r) {
                      return Array.prototype.map.call(r.cells, function (x) {
                        return x.textContent.trim(); }); }); }),
                  markup: ['strong', 'em', 'li', 'code', 'a[href]'].filter(function (q) {
                    return !!c.querySelector(q); }),
                  text: c.textContent.length});
});
return out;
"""


def _cards(chrome):
    page = chrome.js(_CARDS_JS)
    assert page is not None, "no <main id=dashboard> on %s" % chrome.driver.current_url
    return page


def _wait_images(chrome, timeout=15.0):
    chrome.wait(
        lambda: chrome.js(
            "return Array.prototype.every.call(document.querySelectorAll('img.sample'),"
            " function (i) { return i.complete; })"
        ),
        timeout,
        "every img.sample to finish loading",
    )


def _open(chrome, url, kind, shots, name):
    chrome.open(url)
    chrome.wait_ready(what=url)
    if kind == "images":
        _wait_images(chrome)
    page = _cards(chrome)
    path = chrome.screenshot(os.path.join(shots, name + ".png"))
    print("screenshot %s: %s" % (url, path))
    return page


def _check_dashboard(chrome, page, kind, torch_log, where):
    """The cards of ``page`` against TensorBoard's view of the log for ``kind``."""
    root, tags, view, sessions = torch_log
    want = tags.get(kind, {})
    assert want, "the log has no %s tags in TensorBoard's view: the test log is wrong" % kind
    assert page["kind"] == kind, where
    got = [c["tag"] for c in page["cards"]]
    assert sorted(got) == sorted(want), "%s: cards %s, TensorBoard shows %s" % (
        where,
        got,
        sorted(want),
    )
    for card in page["cards"]:
        assert card["title"] is not None and card["title"].strip() == card["tag"], (where, card)
        runs = want[card["tag"]]
        if kind == "scalars":
            total = sum(len(view[(r, card["tag"])]["points"]) for r in runs)
            assert card["points"] == total, (where, card["tag"], card["points"], total)
            assert card["hasSvgOrCanvas"], (where, card["tag"])
        elif kind == "images":
            # The images plugin's tensor: [width, height, encoded image...] as strings.
            sizes = set()
            for r in runs:
                sizes |= {
                    (int(p[2].string_val[0]), int(p[2].string_val[1]))
                    for p in view[(r, card["tag"])]["points"]
                }
            assert len(card["imgs"]) >= len(runs), (where, card["tag"], card["imgs"], runs)
            for img in card["imgs"]:
                assert img["complete"] and img["w"] > 0, (where, card["tag"], img)
                assert (img["w"], img["h"]) in sizes, (where, card["tag"], img, sizes)
        elif kind == "audio":
            # At least the latest clip of every run has a player.
            assert len(card["audios"]) >= len(runs), (where, card["tag"], card["audios"])
            for a in card["audios"]:
                assert a["controls"] and a["src"] and not a["error"], (where, card["tag"], a)
        elif kind == "histograms":
            assert card["hasSvgOrCanvas"], (where, card["tag"], "nothing drawn")
        elif kind == "text" and card["tag"] == "table":
            # TensorBoard's text plugin shows a rank-2 string tensor as a table (make_table).
            assert [["name", "value"], ["lr", "0.1"], ["bold", "<b>x</b>"]] in card["tables"], (
                where,
                card["tables"],
            )
        elif kind == "text":
            assert {"strong", "em", "li", "code", "a[href]"} <= set(card["markup"]), (where, card)
            assert [["a", "b"], ["1", "2"]] in card["tables"], (where, card["tables"])
    chrome.assert_no_errors(where)


# ---------------------------------------------------------------------------
# tinytb serve


def test_tb_view_of_the_log(torch_log):
    """The log holds what the module docstring says, in TensorBoard's own view (a control)."""
    root, tags, view, sessions = torch_log
    assert set(tags["scalars"]) >= {"loss", "metrics/accuracy", "losses"}
    assert tags["scalars"]["losses"] == {"train/losses_a", "train/losses_b"}
    assert set(tags["images"]) == {"samples/single", "samples/batch", "video"}
    assert set(tags["histograms"]) == {"weights/dense", "grads"}
    assert set(tags["text"]) == {"notes/text_summary", "table"}  # PyTorch appends /text_summary
    assert set(tags["audio"]) == {"voice"}
    assert len(sessions) == len(SESSIONS)
    video = view[("train", "video")]["points"][0][2]
    assert video.string_val[2][:6] == b"GIF89a"


@pytest.mark.parametrize("kind", KINDS)
def test_serve_dashboard(chrome, served, torch_log, shots, kind):
    page = _open(chrome, served.url("/" + kind), kind, shots, "serve-" + kind)
    _check_dashboard(chrome, page, kind, torch_log, served.url("/" + kind))


def test_serve_landing_is_scalars(chrome, served, torch_log, shots):
    page = _open(chrome, served.url("/"), "scalars", shots, "serve-landing")
    _check_dashboard(chrome, page, "scalars", torch_log, served.url("/"))


def test_serve_video_plays(chrome, served, torch_log):
    """The GIF's card shows an <img> whose source is a GIF of the logged size."""
    chrome.open(served.url("/images"))
    chrome.wait_ready()
    _wait_images(chrome)
    info = chrome.js(
        "var c = document.querySelector('section.card[data-tag=\"video\"]');"
        "var i = c && c.querySelector('img.sample');"
        "return i ? [i.naturalWidth, i.naturalHeight, i.src] : null;"
    )
    assert info is not None, "no img.sample in the video card"
    assert info[:2] == [VIDEO_W, VIDEO_H], info
    status, headers, body = served.get(info[2][len(served.base) :])
    assert status == 200 and body[:6] == b"GIF89a", (status, body[:10])
    assert headers["Content-Type"] == "image/gif"
    chrome.assert_no_errors("/images (video)")


def test_serve_audio_decodes(chrome, served, torch_log):
    """Every clip's player loads its WAV: Chromium reads the duration the log implies."""
    chrome.open(served.url("/audio"))
    chrome.wait_ready()
    chrome.js(
        "document.querySelectorAll('audio').forEach(function (a) {"
        " a.preload = 'metadata'; a.load(); });"
    )
    chrome.wait(
        lambda: chrome.js(
            "return Array.prototype.every.call(document.querySelectorAll('audio'),"
            " function (a) { return a.readyState >= 1 || a.error; });"
        ),
        15,
        "audio metadata",
    )
    got = chrome.js(
        "return Array.prototype.map.call(document.querySelectorAll('audio'), function (a) {"
        " return [a.error ? a.error.code : 0, a.duration]; });"
    )
    assert got, "no <audio> on /audio"
    for error, duration in got:
        assert error == 0 and abs(duration - 0.25) < 0.01, got  # SAMPLE_RATE // 4 frames
    chrome.assert_no_errors("/audio (metadata)")


def test_serve_hparams(chrome, served, torch_log, shots):
    root, tags, view, sessions = torch_log
    chrome.open(served.url("/hparams"))
    chrome.wait_ready()
    path = chrome.screenshot(os.path.join(shots, "serve-hparams.png"))
    print("screenshot /hparams: %s" % path)
    table = chrome.js(
        "var t = document.getElementById('hparams-table'); if (!t) return null;"
        "var rows = t.tBodies.length ? t.tBodies[0].rows : [];"
        "var heads = Array.prototype.map.call(t.querySelectorAll('thead th'),"
        " function (h) { return h.textContent.trim(); });"
        "return {rows: Array.prototype.map.call(rows, function (r) {"
        " return Array.prototype.map.call(r.cells, function (c) { return c.textContent.trim(); });"
        "}), heads: heads};"
    )
    assert table is not None, "no #hparams-table"
    assert len(table["rows"]) == len(sessions), table
    joined = " ".join(table["heads"])
    for name in ("lr", "bs", "opt", "hparam/accuracy", "hparam/loss"):
        assert name in joined, (name, table["heads"])
    # Sortable: clicking the "lr" header orders the rows by lr.
    col = next(i for i, h in enumerate(table["heads"]) if h.startswith("lr"))

    def lr_column():
        return chrome.js(
            "var t = document.getElementById('hparams-table');"
            "return Array.prototype.map.call(t.tBodies[0].rows, function (r) {"
            " return r.cells[arguments[0]].textContent.trim(); });".replace(
                "arguments[0]", str(col)
            )
        )

    orders = []
    for _ in range(2):
        chrome.js("document.querySelectorAll('#hparams-table thead th')[%d].click();" % col)
        time.sleep(0.2)
        orders.append([float(v) for v in lr_column()])
    assert sorted(orders[0]) in orders and sorted(orders[0], reverse=True) in orders, orders
    assert sorted(orders[0]) == sorted(hp["lr"] for hp in SESSIONS)
    chrome.assert_no_errors("/hparams")


# ---------------------------------------------------------------------------
# tinytb report, from file://


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_report_dashboard(chrome, report, torch_log, shots, kind):
    url = br.file_url(report) + "#" + kind
    page = _open(chrome, url, kind, shots, "report-" + kind)
    _check_dashboard(chrome, page, kind, torch_log, "report #" + kind)


# ---------------------------------------------------------------------------
# Script in logged strings runs nowhere

_INJECTED_JS = """
// The whole page (run names are in the sidebar): the page's own <script>/<style> blocks sit
// directly in <head> or <body>; anything of the kind deeper down came from logged data.
var main = document.getElementById('dashboard') || document.body, page = document.body;
var bad = [];
page.querySelectorAll('script, iframe, frame, object, embed, style, link, meta, base')
  .forEach(function (e) {
    if (e.parentNode !== document.body) bad.push(e.outerHTML.slice(0, 120));
  });
document.documentElement.querySelectorAll('*').forEach(function (e) {
  for (var i = 0; i < e.attributes.length; i++) {
    var n = e.attributes[i].name.toLowerCase();
    if (n.slice(0, 2) === 'on' || n === 'style' && /expression/i.test(e.attributes[i].value))
      bad.push(e.outerHTML.slice(0, 120));
  }
});
page.querySelectorAll('a[href], img[src], [src], [href]').forEach(function (e) {
  var u = e.href || e.src || '';
  if (/^\\s*(javascript|vbscript|data:text\\/html)/i.test(u)) bad.push(e.outerHTML.slice(0, 120));
});
return {pwned: window.__pwned === undefined ? null : String(window.__pwned), bad: bad,
        titles: Array.prototype.map.call(main.querySelectorAll('section.card'), function (c) {
          var t = c.querySelector('.card-title'); return [c.dataset.tag, t ? t.textContent : null];
        })};
"""


@pytest.fixture(scope="module")
def xss_log(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("viewer-xss-log"))
    _write_xss_log(root)
    return root


def _check_no_injection(chrome, where, expect_tags):
    chrome.wait_ready(what=where)
    time.sleep(0.3)  # let any onerror/onload that slipped through fire
    assert chrome.alert_text() is None, "%s: a dialog opened" % where
    got = chrome.js(_INJECTED_JS)
    assert got["pwned"] is None, "%s: logged script ran: %s" % (where, got["pwned"])
    assert not got["bad"], "%s: injected elements/attributes: %s" % (where, got["bad"])
    titles = dict(got["titles"])
    for tag in expect_tags:
        assert titles.get(tag, "").strip() == tag, (where, tag, titles)
    chrome.assert_no_errors(where)


def test_xss_serve(chrome, xss_log, tmp_path, shots):
    br.need_browser()
    with br.ViewerServer(xss_log, tmp_path / "serve.log") as server:
        server.wait_ready()
        for kind, tags in (
            ("text", XSS_TEXT_TAGS),
            ("scalars", [XSS_TAG]),
            ("images", [XSS_TAG]),
            ("hparams", []),
        ):
            chrome.open(server.url("/" + kind))
            _check_no_injection(chrome, "serve /" + kind, tags)
            chrome.screenshot(os.path.join(shots, "xss-serve-%s.png" % kind))


def test_xss_report(chrome, xss_log, tmp_path, shots):
    br.need_browser()
    out = br.run_report(xss_log, tmp_path / "xss.html")
    for kind, tags in (("text", XSS_TEXT_TAGS), ("scalars", [XSS_TAG]), ("images", [XSS_TAG])):
        chrome.open(br.file_url(out) + "#" + kind)
        _check_no_injection(chrome, "report #" + kind, tags)
        chrome.screenshot(os.path.join(shots, "xss-report-%s.png" % kind))


# ---------------------------------------------------------------------------
# Live: points and runs appended while the page is open


def _points(chrome, tag):
    return chrome.js(
        "var c = document.querySelector('section.card[data-tag=\"' + arguments[0] + '\"]');"
        "return c && c.dataset.points !== undefined ? Number(c.dataset.points) : null;",
        tag,
    )


def test_live_tail(chrome, tmp_path, shots):
    br.need_browser()
    tinytb = target.load()  # the package under test writes the live log
    logdir = str(tmp_path / "live")
    w = tinytb.SummaryWriter(os.path.join(logdir, "a"))
    for s in range(10):
        w.add_scalar("live/loss", 1.0 / (1 + s), s)
    w.flush()
    with br.ViewerServer(logdir, tmp_path / "serve.log") as server:
        server.wait_ready()
        reload_s = float(server.get_json("/api/index").get("reload", 5))
        timeout = 4 * reload_s + 10
        chrome.open(server.url("/scalars"))
        chrome.wait_ready()
        assert _points(chrome, "live/loss") == 10
        marker = chrome.js("window.__sameDocument = 1; return 1;")
        for s in range(10, 25):
            w.add_scalar("live/loss", 1.0 / (1 + s), s)
        w.flush()
        chrome.wait(
            lambda: _points(chrome, "live/loss") == 25, timeout, "live/loss to grow to 25 points"
        )
        w2 = tinytb.SummaryWriter(os.path.join(logdir, "b"))
        for s in range(7):
            w2.add_scalar("live/loss", 2.0, s)
            w2.add_scalar("live/new_tag", 3.0, s)
        w2.flush()
        chrome.wait(
            lambda: _points(chrome, "live/loss") == 32 and _points(chrome, "live/new_tag") == 7,
            timeout,
            "the new run and its new tag to appear",
        )
        assert chrome.js("return window.__sameDocument;") == marker, "the page reloaded"
        chrome.wait_ready()
        chrome.screenshot(os.path.join(shots, "serve-live.png"))
        chrome.assert_no_errors("live /scalars")
        w.close()
        w2.close()


# ---------------------------------------------------------------------------
# Smoothing: the report's JavaScript and the server's series.smooth agree


def _js_numbers(values):
    """Numbers for a JSON argument: non-finite ones as the strings JS's Number() reads."""
    return [
        v if math.isfinite(v) else repr(v).replace("inf", "Infinity").replace("nan", "NaN")
        for v in values
    ]


def _py_numbers(values):
    return [float(v) if isinstance(v, str) else v for v in values]


_SMOOTH_JS = """
var vals = arguments[0].map(Number), out = [];
arguments[1].forEach(function (w) {
  var s = window.tinytb.smooth(Float64Array.from(vals), w);
  out.push(Array.prototype.map.call(s, function (v) { return isFinite(v) ? v : String(v); }));
});
return out;
"""


def _series_cases():
    import random

    rnd = random.Random(12)
    noisy = [math.sin(i / 7.0) + rnd.gauss(0, 0.3) for i in range(500)]
    return {
        "noisy": noisy,
        "large": [1e300 * (1 + rnd.random()) for _ in range(50)] + [-1e-300, 5e-324],
        "constant": [3.25] * 40,
        "non_finite": noisy[:30] + [math.nan, math.inf, -math.inf] + noisy[30:60] + [math.nan],
        "starts_nan": [math.nan] + noisy[:20],
        "one": [7.0],
        "empty": [],
        "steps": [float(i % 3) for i in range(100)],
    }


def _close(a, b, rel=1e-12):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def test_smoothing_parity(chrome, report):
    """window.tinytb.smooth (app.js, what the report draws) against series.smooth (what the
    server sends), on series with noise, huge and tiny values, NaN and infinities, a constant
    run and edge lengths, for weights 0..0.999: equal within 1e-12 relative."""
    import importlib

    target.load()  # TINYTB_PATH on sys.path: the copy under test's series module
    series = importlib.import_module(br.module_name() + ".viewer.series")
    weights = [0.0, 0.3, 0.6, 0.9, 0.99, 0.999]
    chrome.open(br.file_url(report) + "#scalars")
    chrome.wait_ready()
    compared = 0
    for name, values in _series_cases().items():
        got = chrome.js(_SMOOTH_JS, _js_numbers(values), weights)
        for w, js in zip(weights, got):
            py = list(series.smooth(values, w))
            js = _py_numbers(js)
            assert len(js) == len(py), (name, w)
            bad = [(i, p, j) for i, (p, j) in enumerate(zip(py, js)) if not _close(p, j)]
            assert not bad, "%s w=%s: (index, python, js) %s" % (name, w, bad[:5])
            compared += len(py)
    assert compared > 1000
    chrome.assert_no_errors("report (smoothing)")


def _decode_scalars(body):
    """An /api/scalars body (docs/viewer.md) as (header, {run: (steps, values, smoothed)});
    smoothed is None for a series sent whole (the page smooths it)."""
    import json

    assert body[:4] == b"TTBS"
    (n,) = struct.unpack_from("<I", body, 4)
    header = json.loads(body[8 : 8 + n].decode("utf-8"))
    at = (8 + n + 7) // 8 * 8
    out = {}
    for s in header["series"]:
        k = s["n"]
        if "step_stride" in s:
            steps = [float(s["step_start"] + i * s["step_stride"]) for i in range(k)]
        else:
            steps, at = list(struct.unpack_from("<%dd" % k, body, at)), at + 8 * k
        at += 8 * k  # wall times
        smoothed = None
        if s["smoothed"]:
            smoothed, at = list(struct.unpack_from("<%dd" % k, body, at)), at + 8 * k
        code = "f" if s["value_bytes"] == 4 else "d"
        values = list(struct.unpack_from("<%d%s" % (k, code), body, at))
        at += (s["value_bytes"] * k + 7) // 8 * 8
        out[s["run"]] = (steps, values, smoothed)
    assert at == len(body)
    return header, out


def test_smoothing_server_vs_report(chrome, served, report, torch_log):
    """End to end: the smoothed column of the server's /api/scalars (width 1: every series is
    reduced, so the server smooths it over all its points) equals app.js's smoothing of the
    report's full-resolution values of the same series, at the points the server kept."""
    root, tags, view, sessions = torch_log
    status, _, body = served.get("/api/scalars?tag=loss&x=step&smoothing=0.6&width=1")
    assert status == 200
    header, server = _decode_scalars(body)
    assert all(s["smoothed"] and s["n"] < s["total"] for s in header["series"])
    assert set(server) == tags["scalars"]["loss"]
    chrome.open(br.file_url(report) + "#scalars")
    chrome.wait_ready()
    js = chrome.js(
        "var d = JSON.parse(document.getElementById('tinytb-data').textContent);"
        "var out = {};"
        "d.scalars['loss'].series.forEach(function (s) {"
        "  var v = window.tinytb.decodeB64(s.value);"
        "  out[s.run] = [Array.from(window.tinytb.decodeB64(s.step)), Array.from(v),"
        "                Array.from(window.tinytb.smooth(v, 0.6))]; });"
        "return out;"
    )
    assert set(js) == set(server)
    for run, (steps, values, smoothed) in js.items():
        s_steps, s_values, s_smoothed = server[run]
        at = {step: i for i, step in enumerate(steps)}
        assert [values[at[x]] for x in s_steps] == s_values, run
        picked = [smoothed[at[x]] for x in s_steps]
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(s_smoothed, picked)) if not _close(a, b)]
        assert not bad, (run, bad[:5])
