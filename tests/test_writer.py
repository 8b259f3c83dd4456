"""tinytb.writer: SummaryWriter and FileWriter write PyTorch's bytes; bad input writes nothing."""

import decimal
import fractions
import os
import pathlib
import struct
import warnings

import pytest

from tinytb import FileWriter, SummaryWriter, _messages, _record, reader, summary

from vectors import (
    CUSTOM_MULTILINE_SUMMARY,
    PURGE_FILE_VERSION_TAIL,
    PURGE_SESSION_LOG_TAIL,
    SCALAR_DOUBLE,
    SCALAR_NEW,
    SCALAR_PLAIN,
    TEXT,
    TENSOR_INT32,
    FakeArray,
)


def payloads(logdir):
    """Event payloads of the one event file directly in ``logdir``."""
    files = reader.event_files(logdir)["."]
    assert len(files) == 1
    with open(files[0], "rb") as f:
        return [data for _, data in _record.iter_records(f.read())]


def test_events_are_byte_identical_to_pytorchs(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("s/plain", 0.0, 0, walltime=1.5)
        w.add_scalar("s/new", 2.5, 1, walltime=2.0, new_style=True)
        with warnings.catch_warnings():
            # warned once per process (test_double_precision_warns_once asserts it): whether it
            # comes here depends on which test ran first
            warnings.filterwarnings("ignore", r"add_scalar\(double_precision=True\)", UserWarning)
            w.add_scalar("s/newd", 2.5, 2, walltime=2.0, new_style=True, double_precision=True)
        w.add_tensor("t", FakeArray([1, 2, 3], "int32"), 4, walltime=4.0)
        w.add_text("txt", "hello", 8, walltime=8.0)
        w.add_custom_scalars_multilinechart(["s/plain", "s/new"])
    events = payloads(tmp_path)
    header = _messages.decode_event(events[0])
    assert header.file_version == "brain.Event:2"
    assert header.source_metadata.writer == "tinytb"
    assert events[1:6] == [SCALAR_PLAIN, SCALAR_NEW, SCALAR_DOUBLE, TENSOR_INT32, TEXT]
    custom = _messages.decode_event(events[6])
    assert custom.step == 0 and custom.wall_time > 1e9
    assert events[6][9:] == b"\x2a\x61" + CUSTOM_MULTILINE_SUMMARY


def test_double_precision_warns_once(tmp_path, monkeypatch):
    from tinytb import writer as writer_module

    monkeypatch.setattr(writer_module, "_warned", set())
    with SummaryWriter(tmp_path) as w:
        with pytest.warns(UserWarning, match="load_fast"):
            w.add_scalar("d", 1.0, 0, new_style=True, double_precision=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            w.add_scalar("d", 1.0, 1, new_style=True, double_precision=True)


def test_purge_step_writes_two_events_once(tmp_path):
    w = SummaryWriter(tmp_path, purge_step=5)
    w.add_scalar("x", 1.0, 5)
    w.close()
    w.add_scalar("x", 2.0, 6)  # a new file: no purge events again (PyTorch clears purge_step)
    w.close()
    files = reader.event_files(tmp_path)["."]
    assert len(files) == 2
    first = [data for _, data in _record.iter_records(pathlib.Path(files[0]).read_bytes())]
    assert first[1][9:] == PURGE_FILE_VERSION_TAIL
    assert first[2][9:] == PURGE_SESSION_LOG_TAIL
    second = reader.read_events(files[1])
    assert [e.session_log for e in second] == [None, None]
    assert w.purge_step is None


def test_add_scalars_sub_runs(tmp_path):
    with SummaryWriter(tmp_path, filename_suffix=".sfx") as w:
        w.add_scalars("loss/all", {"train": 1.0, "valid": 2.0}, 3, walltime=10.0)
        w.add_scalars("loss/all", {"train": 0.5}, 4, walltime=11.0)
    runs = reader.event_files(tmp_path)
    assert sorted(runs) == [".", "loss_all_train", "loss_all_valid"]
    for files in runs.values():
        assert all(f.endswith(".sfx") for f in files)
    assert reader.scalars(runs["loss_all_train"][0]) == [(3, "loss/all", 1.0), (4, "loss/all", 0.5)]
    assert reader.scalars(runs["loss_all_valid"][0]) == [(3, "loss/all", 2.0)]
    # the uid counter is shared: file names of one process are all distinct
    names = [os.path.basename(f) for files in runs.values() for f in files]
    assert len(set(n.split(".")[-2] for n in names)) == 3


def test_default_log_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.close()
    parts = w.get_logdir().split(os.sep)
    assert parts[0] == "runs"
    assert parts[1].endswith("_" + os.uname().nodename + "_lr0.1")
    assert os.path.isdir(w.get_logdir())


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, 1.0),
        (True, 1.0),
        (decimal.Decimal("0.25"), 0.25),
        (fractions.Fraction(1, 4), 0.25),
        ([0.5], 0.5),
        (FakeArray([0.75], "float64", ()), 0.75),
        (10**400, float("inf")),
    ],
)
def test_scalar_inputs(tmp_path, value, expected):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("x", value, 7)
    assert reader.scalars(reader.event_files(tmp_path)["."][0]) == [(7, "x", expected)]


@pytest.mark.parametrize(
    "step,expected", [(3, 3), (2**33, 2**33), (-1, -1), (4.0, 4), (FakeArray([5], "int64", ()), 5)]
)
def test_step_inputs(tmp_path, step, expected):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("x", 1.0, step)
    assert reader.scalars(reader.event_files(tmp_path)["."][0])[0][0] == expected


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda w: w.add_scalar("x", "1.0"), ValueError, "scalar_value"),
        (lambda w: w.add_scalar("x", [1.0, 2.0]), ValueError, "scalar_value"),
        (lambda w: w.add_scalar("x", FakeArray([1.0, 2.0], "float32")), ValueError, "scalar_value"),
        (lambda w: w.add_scalar("x", 1 + 2j), TypeError, "scalar_value"),
        (lambda w: w.add_scalar("x", None), TypeError, "scalar_value"),
        (lambda w: w.add_scalar(3, 1.0), TypeError, "tag"),
        (lambda w: w.add_scalar("x", 1.0, "3"), TypeError, "global_step"),
        (lambda w: w.add_scalar("x", 1.0, 2.5), ValueError, "global_step"),
        (lambda w: w.add_scalar("x", 1.0, 2**63), ValueError, "global_step"),
        (lambda w: w.add_scalar("x", 1.0, 0, float("nan")), ValueError, "walltime"),
        (lambda w: w.add_scalar("x", 1.0, 0, "now"), TypeError, "walltime"),
        (lambda w: w.add_scalars("m", {"a": 1.0, "b": "x"}), ValueError, "tag_scalar_dict"),
        (lambda w: w.add_scalars("m", [1.0]), TypeError, "tag_scalar_dict"),
        (lambda w: w.add_text("t", 3), TypeError, "text_string"),
        (lambda w: w.add_tensor("t", [[1, 2], [3]]), ValueError, "ragged"),
        (lambda w: w.add_tensor("t", ["a"]), TypeError, "tensor"),
        (
            lambda w: w.add_custom_scalars({"c": {"t": ["Margin", ["a", "b"]]}}),
            ValueError,
            "Margin",
        ),
        (lambda w: w.add_custom_scalars_marginchart(["a", "b"]), ValueError, "3 tags"),
        (lambda w: w.add_custom_scalars(["not a dict"]), TypeError, "layout"),
    ],
)
def test_bad_input_writes_nothing_and_writer_keeps_working(tmp_path, call, error, match):
    w = SummaryWriter(tmp_path)
    w.add_scalar("before", 1.0, 0)
    w.flush()
    size = os.path.getsize(reader.event_files(tmp_path)["."][0])
    with pytest.raises(error, match=match):
        call(w)
    w.flush()
    assert os.path.getsize(reader.event_files(tmp_path)["."][0]) == size
    assert sorted(reader.event_files(tmp_path)) == ["."]  # no half-made add_scalars sub-run
    w.add_scalar("after", 2.0, 1)
    w.close()
    tags = [t for _, t, _ in reader.scalars(reader.event_files(tmp_path)["."][0])]
    assert tags == ["before", "after"]


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"max_queue": -1}, ValueError, "max_queue"),
        ({"max_queue": "10"}, TypeError, "max_queue"),
        ({"flush_secs": -1}, ValueError, "flush_secs"),
        ({"filename_suffix": 3}, TypeError, "filename_suffix"),
        ({"filename_suffix": "a/b"}, ValueError, "filename_suffix"),
        ({"purge_step": "x"}, TypeError, "purge_step"),
        ({"comment": 3}, TypeError, "comment"),
    ],
)
def test_bad_options_create_nothing(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        SummaryWriter(tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


def test_file_writer_raw_events(tmp_path):
    fw = FileWriter(tmp_path)
    assert fw.get_logdir() == str(tmp_path)
    fw.add_summary(summary.scalar("a", 1.0), global_step=2, walltime=3.0)
    # a whole Event: its wall time and step are replaced, its other fields kept in order
    raw = _messages.event(wall_time=99.0, step=1, log_message=_messages.log_message(20, "hi"))
    fw.add_event(raw, step=4, walltime=5.0)
    fw.add_event(raw, walltime=6.0)  # no step: the event's own step stays
    fw.add_graph((b"\x0a\x00", b"\x0a\x00"), walltime=7.0)
    fw.close()
    with pytest.raises(OSError, match="Writer is closed"):
        fw.add_summary(summary.scalar("a", 1.0))
    events = reader.read_events(reader.event_files(tmp_path)["."][0])
    assert events[1].wall_time == 3.0 and events[1].step == 2
    assert (events[2].wall_time, events[2].step, events[2].log_message.message) == (5.0, 4, "hi")
    assert (events[3].wall_time, events[3].step) == (6.0, 1)
    assert events[4].graph_def == b"\x0a\x00"
    assert events[5].tagged_run_metadata.tag == "step1"
    assert _event_bytes(reader.event_files(tmp_path)["."][0], 2) == _messages.event(
        wall_time=5.0, step=4, log_message=_messages.log_message(20, "hi")
    )


def _event_bytes(path, index):
    with open(path, "rb") as f:
        return list(_record.iter_records(f.read()))[index][1]


def test_protobuf_like_objects_are_accepted(tmp_path):
    class FakeProto:
        def SerializeToString(self):
            return summary.scalar("p", 0.5)

    fw = FileWriter(tmp_path)
    fw.add_summary(FakeProto(), 1, 2.0)
    fw.close()
    assert reader.scalars(reader.event_files(tmp_path)["."][0]) == [(1, "p", 0.5)]
    fw = FileWriter(tmp_path)
    with pytest.raises(TypeError, match="summary"):
        fw.add_summary(object())
    fw.close()


def test_add_histogram_vector(tmp_path):
    # docs/event-file-format.md section 6: add_histogram('h_auto', [0,1,1,2,3.5], 5,
    # bins='auto', walltime=5.0), as torch 2.13 wrote it
    def doubles(*values):
        return struct.pack("<%dd" % len(values), *values).hex()

    expected = bytes.fromhex(
        "0900000000000014401005 2a8501 0a8201 0a06 685f6175746f 2a78"  # wall 5.0, step 5, tag
        " 11 000000000000 0c40 19 0000000000001440 21 0000000000001e40 29 0000000000403240".replace(
            " ", ""
        )  # max 3.5, num 5, sum 7.5, sum_squares 18.25 (min 0 left out)
        + "3228"
        + doubles(0, 0.875, 1.75, 2.625, 3.5)
        + "3a28"
        + doubles(0, 1, 2, 1, 1)
    )
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("h_auto", [0, 1, 1, 2, 3.5], 5, bins="auto", walltime=5.0)
    assert payloads(tmp_path)[1] == expected


def test_histogram_inputs_and_errors(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.warns(UserWarning, match="1 NaN or infinite"):
            w.add_histogram("nan", [1.0, float("nan"), 2.0], 0, bins=4)
        w.add_histogram("tf", [5.0], 1)  # PyTorch's default 'tensorflow' edges
        w.add_histogram_raw("raw", 0, 2, 3, 3, 5, [1, 2], [1, 2], 2)
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("empty", [], 3)
        with pytest.raises(ValueError, match="len"):
            w.add_histogram_raw("bad", 0, 1, 1, 1, 1, [1, 2], [1], 3)
        with pytest.raises(ValueError, match="increasing"):
            w.add_histogram_raw("bad", 0, 1, 1, 1, 1, [2, 1], [1, 1], 3)
        with pytest.raises(ValueError, match="negative"):
            w.add_histogram_raw("bad", 0, 1, 1, 1, 1, [1, 2], [1, -1], 3)
    events = reader.read_events(reader.event_files(tmp_path)["."][0])
    histos = {e.summary.value[0].tag: e.summary.value[0].histo for e in events if e.summary}
    assert histos["nan"].num == 2.0 and histos["nan"].max == 2.0
    # [5.0] with 'tensorflow' bins: limits [4.636194617418625, 5.099814079160488], counts [0, 1]
    assert histos["tf"].bucket_limit == [4.636194617418625, 5.099814079160488]
    assert histos["tf"].bucket == [0.0, 1.0]
    assert histos["raw"].bucket == [1.0, 2.0] and histos["raw"].sum_squares == 5.0
    assert set(histos) == {"nan", "tf", "raw"}


# -- nothing leaves log_dir --------------------------------------------------------------------


def _tree(root):
    return sorted(
        os.path.relpath(os.path.join(d, n), str(root))
        for d, dirs, files in os.walk(str(root))
        for n in dirs + files
    )


@pytest.mark.parametrize("key", ["/../../escaped", "a/../../../b", "/..", "x\0y"])
def test_add_scalars_refuses_a_key_whose_sub_run_leaves_log_dir(tmp_path, key):
    # Regression: add_scalars("m", {"/../../escaped": 1}) wrote outside log_dir (as PyTorch's).
    run = tmp_path / "logs" / "run"
    w = SummaryWriter(run)
    before = _tree(tmp_path)
    with pytest.raises(ValueError, match="tag_scalar_dict key"):
        w.add_scalars("m", {"fine": 1.0, key: 1.0}, 0)
    assert _tree(tmp_path) == before  # nothing written, not even the good key's sub-run
    w.add_scalars("m", {"a/b": 2.0}, 1)  # '/' inside stays inside: still allowed
    w.close()
    assert os.path.isdir(str(run / "m_a" / "b"))


@pytest.mark.parametrize(
    "run_name", ["../x", "a/../../x", os.path.abspath(os.sep + "tmp-x"), "x\0"]
)
def test_add_hparams_refuses_a_run_name_outside_log_dir(tmp_path, run_name):
    # Regression: run_name="../x" and an absolute run_name wrote outside log_dir.
    run = tmp_path / "run"
    w = SummaryWriter(run)
    before = _tree(tmp_path)
    with pytest.raises(ValueError, match="run_name"):
        w.add_hparams({"lr": 0.1}, {"m": 1.0}, run_name=run_name)
    assert _tree(tmp_path) == before
    w.add_hparams({"lr": 0.1}, {"m": 1.0}, run_name="trials/1")  # a nested name is fine
    w.close()
    assert os.path.isdir(str(run / "trials" / "1"))
