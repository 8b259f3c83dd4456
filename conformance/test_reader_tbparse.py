"""tinytb.reader.SummaryReader against tbparse 0.0.9 and TensorBoard's EventAccumulator.

The same calls are written by PyTorch's SummaryWriter, tensorboardX, TensorFlow 2's
``tf.summary``, TensorFlow's legacy ``tf.compat.v1.summary`` and tinytb (reader_logs.py).
For every writer, every keyword case of ``CASES`` (default, pivot, each of tbparse's 13
extra_columns and all of them, event_types subsets, a single event file as log_path) and
every one of the seven kinds, ``tinytb.reader.SummaryReader(path, **kw).<kind>.to_pandas()``
must equal ``tbparse.SummaryReader(path, **kw).<kind>`` exactly (reader_compare.py: columns,
index, dtypes, every cell, numpy array cells by dtype, shape and elements); where tbparse
raises, tinytb must raise the same exception type. The scalars of every event file must also
equal EventAccumulator(STORE_EVERYTHING_SIZE_GUIDANCE)'s ``Scalars(tag)`` (wall time, step,
value).

This module needs the reader stack (conformance/requirements-reader.txt: tbparse, TensorFlow,
pandas, torch, tensorboardX). In an environment without it, the module skips -- unless
TINYTB_READER_STACK=1, which says the stack must be there: then a missing package fails.

    TINYTB_READER_STACK=1 .venv-reader/bin/python -m pytest conformance/test_reader_tbparse.py
"""

import importlib.util
import os
import warnings

import pytest

from . import deps

STACK = ("numpy", "pandas", "tbparse", "tensorflow", "tensorboard", "torch", "tensorboardX")
HINT = deps.READER_HINT
deps.need_reader_stack(STACK)

KINDS = ("scalars", "tensors", "histograms", "images", "audio", "text", "hparams")
EXTRA = (
    "dir_name", "file_name", "wall_time", "min", "max", "num", "sum", "sum_squares",
    "width", "height", "content_type", "length_frames", "sample_rate",
)  # fmt: skip
WRITERS = ("torch", "tbx", "tf2", "tf1", "tinytb")

# id -> (keyword arguments, read a single file instead of the tree)
CASES = {"default": ({}, False), "pivot": ({"pivot": True}, False)}
CASES.update({"extra-" + name: ({"extra_columns": {name}}, False) for name in EXTRA})
CASES["extra-all"] = ({"extra_columns": set(EXTRA)}, False)
CASES["pivot-extra-all"] = ({"pivot": True, "extra_columns": set(EXTRA)}, False)
CASES["types-scalars"] = ({"event_types": {"scalars"}}, False)
CASES["types-media"] = ({"event_types": {"images", "audio"}}, False)
CASES["types-tensors-text-hparams"] = ({"event_types": {"tensors", "text", "hparams"}}, False)
CASES["types-histograms-scalars-pivot"] = (
    {"event_types": {"histograms", "scalars"}, "pivot": True},
    False,
)
CASES["file"] = ({}, True)
CASES["file-extra-all"] = ({"extra_columns": set(EXTRA)}, True)
CASES["file-pivot"] = ({"pivot": True}, True)

# (writer, case id, kind) -> reason: known divergences, tbparse behaviour deliberately not
# copied. Each entry must say why; keep it empty unless a difference is a tbparse bug.
KNOWN = {}


# ---------------------------------------------------------------------------
# Fixtures: the logs (TensorFlow imported once), and both readers' results, cached


@pytest.fixture(scope="session")
def logs(tmp_path_factory):
    deps.check_reader_stack(STACK)  # only reached with TINYTB_READER_STACK=1
    from . import reader_logs

    root = tmp_path_factory.mktemp("reader-logs")
    out = {}
    for name in WRITERS:
        out[name] = str(root / name)
        reader_logs.WRITERS[name](out[name])
    return out


def _tinytb_reader():
    """tinytb.reader of the package under test (conformance/target.py: TINYTB_MODULE)."""
    from . import target

    return importlib.import_module(target.load().__name__ + ".reader")


def _single_file(root):
    """The top run's first event file (the one with every kind in it)."""
    from . import reader_logs

    top = [p for p in reader_logs.event_files(root) if os.path.dirname(p) == root]
    return top[0]


def _outcome(fn, reference=False):
    """("ok", result) or ("raise", exception). For the reference (tbparse), its own warnings
    (pandas deprecations inside tbparse) are silenced, and only the exceptions tbparse raises
    on purpose (ValueError, KeyError) are outcomes: anything else is the suite's error."""
    if reference:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return ("ok", fn())
            except (ValueError, KeyError) as exc:
                return ("raise", exc)
    try:
        return ("ok", fn())
    except Exception as exc:  # the outcome compared is the exception's type
        return ("raise", exc)


class _Cache:
    def __init__(self, logs):
        self.logs = logs
        self.readers = {}
        self.frames = {}

    def path(self, writer, case):
        kwargs, single = CASES[case]
        return _single_file(self.logs[writer]) if single else self.logs[writer]

    def reader(self, lib, writer, case):
        key = (lib, writer, case)
        if key not in self.readers:
            kwargs, _ = CASES[case]
            if lib == "tbparse":
                import tbparse

                cls = tbparse.SummaryReader
            else:
                cls = _tinytb_reader().SummaryReader
            self.readers[key] = _outcome(
                lambda: cls(self.path(writer, case), **kwargs), lib == "tbparse"
            )
        return self.readers[key]

    def frame(self, lib, writer, case, kind):
        key = (lib, writer, case, kind)
        if key not in self.frames:
            status, reader = self.reader(lib, writer, case)
            if status != "ok":
                self.frames[key] = (status, reader)
            elif lib == "tbparse":
                self.frames[key] = _outcome(lambda: getattr(reader, kind), True)
            else:
                self.frames[key] = _outcome(lambda: getattr(reader, kind).to_pandas())
        return self.frames[key]


@pytest.fixture(scope="session")
def cache(logs):
    return _Cache(logs)


# ---------------------------------------------------------------------------
# The stack itself


def test_reader_stack_pinned():
    """Every package of requirements-reader.txt importable at its pinned version."""
    from importlib import metadata

    here = os.path.dirname(os.path.abspath(__file__))
    pins = {}
    with open(os.path.join(here, "requirements-reader.txt")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if "==" in line:
                name, version = line.split("==")
                pins[name.strip()] = version.strip()
    assert {"tbparse", "tensorflow-cpu", "pandas", "torch"} <= set(pins)
    wrong = {}
    for name, version in pins.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is None or have.split("+")[0] != version:
            wrong[name] = (have, version)
    assert not wrong, "installed vs pinned: %r (%s)" % (wrong, HINT)


# What each writer's log holds, as tbparse reads it (so that no comparison passes on two
# empty frames). tensorboardX has no audio (its add_audio needs soundfile); TF2 writes
# scalars, histograms, images and audio as tensors.
HOLDS = {
    "torch": ("scalars", "histograms", "images", "audio", "text", "hparams"),
    "tbx": ("scalars", "histograms", "images", "text", "hparams"),
    "tinytb": ("scalars", "histograms", "images", "audio", "text", "hparams"),
    "tf2": ("tensors", "text", "hparams"),
    "tf1": ("scalars", "histograms", "images", "audio", "text"),
}


@pytest.mark.parametrize("writer", WRITERS)
def test_logs_hold_every_kind(cache, writer):
    held = []
    for kind in KINDS:
        status, frame = cache.frame("tbparse", writer, "default", kind)
        assert status == "ok", frame
        if len(frame):
            held.append(kind)
    assert tuple(held) == HOLDS[writer]


# ---------------------------------------------------------------------------
# tinytb vs tbparse, frame by frame


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("writer", WRITERS)
def test_frame_equals_tbparse(cache, writer, case, kind):
    from . import reader_compare

    if (writer, case, kind) in KNOWN:
        pytest.xfail(KNOWN[(writer, case, kind)])
    want_status, want = cache.frame("tbparse", writer, case, kind)
    got_status, got = cache.frame("tinytb", writer, case, kind)
    context = "%s log, %s, %s (%s)" % (writer, case, kind, cache.path(writer, case))
    if want_status == "raise":
        assert got_status == "raise", "%s: tbparse raises %r, tinytb returns a frame" % (
            context,
            want,
        )
        assert type(got) is type(want), "%s: tbparse raises %r, tinytb raises %r" % (
            context,
            want,
            got,
        )
        return
    if got_status == "raise":
        raise AssertionError("%s: tinytb raises %r" % (context, got)) from got
    reader_compare.assert_same_frame(got, want, context)


@pytest.mark.parametrize("writer", WRITERS)
def test_tags_equal_tbparse(cache, writer):
    status, tb = cache.reader("tbparse", writer, "default")
    assert status == "ok", tb
    status, mine = cache.reader("tinytb", writer, "default")
    if status != "ok":
        raise AssertionError("tinytb SummaryReader raises %r" % (mine,)) from mine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = tb.tags
        want_kinds = {kind: tb.get_tags(kind) for kind in KINDS}
    got = mine.tags
    got_kinds = {kind: mine.get_tags(kind) for kind in KINDS}
    # Known divergence, not copied: tbparse lists hparams tags in the iteration order of the
    # protobuf map SessionStartInfo.hparams (``list(ssi.hparams.keys())``), which with the upb
    # backend is its hash-table order under a per-process seed: three runs of tbparse on one
    # file gave ['flag','opt','lr','layers'], ['opt','layers','lr','flag'],
    # ['lr','opt','layers','flag'] (2026-12-07). No order can match it; compared as sets.
    for tags in (got, want, got_kinds, want_kinds):
        tags["hparams"] = sorted(tags["hparams"])
    assert got == want
    for kind in KINDS:
        assert got_kinds[kind] == want_kinds[kind], kind


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("writer", WRITERS)
def test_table_protocol(cache, writer, kind):
    """len(), .columns and iteration of the stdlib Table agree with the tbparse frame."""
    status, want = cache.frame("tbparse", writer, "extra-all", kind)
    assert status == "ok", want
    status, mine = cache.reader("tinytb", writer, "extra-all")
    if status != "ok":
        raise AssertionError("tinytb SummaryReader raises %r" % (mine,)) from mine
    table = getattr(mine, kind)
    assert len(table) == len(want)
    assert tuple(table.columns) == tuple(want.columns)
    rows = list(table)
    assert len(rows) == len(want)
    if rows and "step" in want.columns:
        assert [r[0] for r in rows] == want["step"].tolist()


BAD_ARGS = {
    "extra-list": {"extra_columns": ["dir_name"]},
    "extra-unknown": {"extra_columns": {"nope"}},
    "types-list": {"event_types": ["scalars"]},
    "types-unknown": {"event_types": {"nope"}},
}


@pytest.mark.parametrize("bad", list(BAD_ARGS))
def test_bad_arguments_raise_as_tbparse(logs, bad):
    import tbparse

    SummaryReader = _tinytb_reader().SummaryReader
    path = logs["tinytb"]
    want = _outcome(lambda: tbparse.SummaryReader(path, **BAD_ARGS[bad]), True)
    got = _outcome(lambda: SummaryReader(path, **BAD_ARGS[bad]).scalars)
    assert want[0] == "raise"
    assert got[0] == "raise" and type(got[1]) is type(want[1]), (got, want)


def test_missing_path_raises_as_tbparse(tmp_path):
    import tbparse

    SummaryReader = _tinytb_reader().SummaryReader
    path = str(tmp_path / "absent")
    want = _outcome(lambda: tbparse.SummaryReader(path), True)
    got = _outcome(lambda: SummaryReader(path))
    assert want[0] == "raise" and got[0] == "raise"
    assert type(got[1]) is type(want[1])


# ---------------------------------------------------------------------------
# Scalars against EventAccumulator, file by file


def _same_float(a, b):
    import math

    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("writer", WRITERS)
def test_scalars_equal_event_accumulator(logs, writer):
    from tensorboard.backend.event_processing import event_accumulator as ea

    from . import reader_logs

    SummaryReader = _tinytb_reader().SummaryReader
    checked = 0
    problems = []
    for path in reader_logs.event_files(logs[writer]):
        acc = ea.EventAccumulator(path, size_guidance=ea.STORE_EVERYTHING_SIZE_GUIDANCE)
        acc.Reload()
        table = SummaryReader(path, extra_columns={"wall_time"}).scalars
        index = {name: i for i, name in enumerate(table.columns)}
        rows = list(table)
        tags = acc.Tags()["scalars"]
        mine_tags = sorted({r[index["tag"]] for r in rows}) if rows else []
        if sorted(tags) != mine_tags:
            problems.append("%s: tags %r vs EventAccumulator %r" % (path, mine_tags, tags))
        for tag in tags:
            want = [(e.wall_time, e.step, e.value) for e in acc.Scalars(tag)]
            got = [
                (r[index["wall_time"]], r[index["step"]], r[index["value"]])
                for r in rows
                if r[index["tag"]] == tag
            ]
            checked += len(want)
            if len(got) != len(want):
                problems.append("%s tag %r: %d rows vs %d" % (path, tag, len(got), len(want)))
                continue
            for i, (g, w) in enumerate(zip(got, want)):
                if g[1] != w[1] or not _same_float(g[0], w[0]) or not _same_float(g[2], w[2]):
                    problems.append("%s tag %r row %d: %r vs %r" % (path, tag, i, g, w))
                    break
    assert not problems, "\n".join(problems)
    if writer != "tf2":  # TF2 writes scalars as tensors: EventAccumulator has none
        assert checked > 0


# ---------------------------------------------------------------------------
# convert_tensors=True (tinytb only): TF2's plugin tensors as rows of their kinds, built as
# tbparse's own helpers build them from its tensors table.

TF2_SCALAR_TAGS = ("acc/train", "hparam/acc", "loss", "special", "x", "zero")
TF2_HISTOGRAM_TAGS = ("hist/ints", "hist/normal")


def _tbparse_tensors(logs, extras):
    import tbparse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tbparse.SummaryReader(logs["tf2"], extra_columns=set(extras)).tensors


def test_convert_tensors_scalars(logs):
    """TF2 scalars: tbparse's tensors rows of the scalar tags, value as float64."""
    from . import reader_compare

    extras = ("wall_time", "dir_name")
    tensors = _tbparse_tensors(logs, extras)
    want = tensors[tensors["tag"].isin(TF2_SCALAR_TAGS)].reset_index(drop=True)
    want["value"] = [float(v) for v in want["value"]]
    want["value"] = want["value"].astype("float64")
    assert len(want) > 0
    reader = _tinytb_reader().SummaryReader(
        logs["tf2"], convert_tensors=True, extra_columns=set(extras)
    )
    reader_compare.assert_same_frame(reader.scalars.to_pandas(), want, "tf2 scalars converted")
    left = reader.tensors.to_pandas()
    assert not set(TF2_SCALAR_TAGS) & set(left["tag"] if len(left) else ())


def test_convert_tensors_histograms(logs):
    """TF2 histograms: tbparse.SummaryReader.tensor_to_histogram of each [k, 3] tensor."""
    import numpy as np
    import pandas as pd
    import tbparse

    from . import reader_compare

    extras = ("wall_time", "dir_name", "min", "max", "num", "sum", "sum_squares")
    tensors = _tbparse_tensors(logs, ("wall_time", "dir_name"))
    rows = tensors[tensors["tag"].isin(TF2_HISTOGRAM_TAGS)].reset_index(drop=True)
    assert len(rows) > 0
    cols = {"step": rows["step"], "tag": rows["tag"]}
    hist = [tbparse.SummaryReader.tensor_to_histogram(v) for v in rows["value"]]
    for key in ("counts", "limits", "max", "min", "num", "sum", "sum_squares"):
        cols[key] = [h[key] for h in hist]
    cols["wall_time"], cols["dir_name"] = rows["wall_time"], rows["dir_name"]
    want = pd.DataFrame(cols)
    for key in ("max", "min", "num", "sum", "sum_squares"):
        want[key] = want[key].astype(np.float64)
    reader = _tinytb_reader().SummaryReader(
        logs["tf2"], convert_tensors=True, extra_columns=set(extras)
    )
    got = reader.histograms.to_pandas()
    reader_compare.assert_same_frame(got, want, "tf2 histograms converted")
