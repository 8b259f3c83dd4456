"""Check 2: for the same calls and wall times, the target writes PyTorch's bytes,
except for the documented KNOWN_DIVERGENCES."""

import os
import re

import pytest

from . import checks, expected_view, target
from .divergences import BYTE_DIVERGENCES, KNOWN_DIVERGENCES, METHOD_DIVERGENCES

_APPLIED = {}  # case name -> divergences the parity check applied


def _suffixes(case):
    if case.name == "filename_suffix":
        return {r: ".sfx" for r in expected_view.run_dirs(case)}
    return {}


def test_parity(written, case_name):
    err = written.target.errors.get(case_name)
    if err:
        pytest.fail(
            "the target raised while writing case %r:\n%s" % (case_name, err), pytrace=False
        )
    case = written.case(case_name)
    used = checks.check_parity(
        written.torch.root,
        written.torch.window,
        written.target.root,
        written.target.window,
        expected_view.run_dirs(case),
        target_is_torch=target.is_torch(),
        suffixes=_suffixes(case),
        media=expected_view.media_expectations([case]),
        summaries=expected_view.summary_expectations([case]),
    )
    _APPLIED[case_name] = used
    # A byte divergence may only appear where the case table declares it (or its method
    # implies it: a PNG from tinytb's encoder, a GIF where PyTorch writes none).
    declared = {"header_writer"} | {c.divergence for c in case.calls() if c.divergence}
    declared |= {d for c in case.calls() for d in METHOD_DIVERGENCES.get(c.method, ())}
    assert used <= declared, "undeclared divergences %s in case %s" % (used - declared, case_name)
    if not target.is_torch():
        assert "header_writer" in used
        for c in case.calls():
            if c.divergence in BYTE_DIVERGENCES:
                assert c.divergence in used, (c.divergence, c.args[:1])


def test_header_record(written):
    """The first record: file_version brain.Event:2, source_metadata.writer 'tinytb', a
    clock wall time."""
    from tensorboard.compat.proto import event_pb2

    for run in checks.run_dirs_on_disk(written.target.root):
        for path in checks.event_files(os.path.join(written.target.root, run)):
            first = checks.read_records(path)[0][1]
            event = event_pb2.Event.FromString(first)
            assert event.file_version == "brain.Event:2"
            assert event.step == 0
            want = "tensorboard.summary.writer.event_file_writer" if target.is_torch() else "tinytb"
            assert event.source_metadata.writer == want
            lo, hi = written.target.window
            assert lo <= event.wall_time <= hi


def test_divergences_declared_and_used(written):
    """Every divergence the table names is documented, and every documented one is exercised."""
    named = {c.divergence for case in written.cases for c in case.calls() if c.divergence}
    assert named <= set(KNOWN_DIVERGENCES), named - set(KNOWN_DIVERGENCES)
    implicit = {"header_writer", "double_precision_warning"}
    implicit |= {
        d
        for case in written.cases
        for c in case.calls()
        for d in METHOD_DIVERGENCES.get(c.method, ())
    }
    assert set(KNOWN_DIVERGENCES) == named | implicit
    with open(os.path.join(os.path.dirname(__file__), "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for name, reason in KNOWN_DIVERGENCES.items():
        assert "`%s`" % name in readme, "README.md does not document %s" % name
        assert reason


def _double_calls(written):
    case = written.case("scalar_double")
    return [
        i
        for i, c in enumerate(case.calls())
        if c.method == "add_scalar"
        and c.kwargs.get("new_style")
        and c.kwargs.get("double_precision")
    ]


def test_warnings(written):
    """The target warns where the case table says (``Call.warns``: exactly one UserWarning
    matching it, for input PyTorch prints its own warning about: a clipped audio clip, PR
    rows narrower than num_thresholds), about double_precision at most once, and about
    nothing else.

    (Exactly once for double_precision is checked in a fresh interpreter by test_vendored:
    here an earlier test in the same process may have used up the one-time warning.)"""
    if target.is_torch():
        return  # debugging the suite with PyTorch in both slots: nothing to check
    declared = {
        (case.name, i): c.warns
        for case in written.cases
        for i, c in enumerate(case.calls())
        if c.warns
    }
    assert declared
    doubles = {("scalar_double", i) for i in _double_calls(written)}
    double_warnings = []
    for key, warned in written.target.warnings.items():
        if key in doubles:
            double_warnings += warned
            continue
        assert key in declared, "unexpected warnings from the target: %s %s" % (key, warned)
        assert len(warned) == 1, (key, warned)
        category, message = warned[0]
        assert category == "UserWarning" and re.search(declared[key], message), (key, warned)
    missing = set(declared) - set(written.target.warnings)
    assert not missing, "the target did not warn for %s" % sorted(missing)
    assert len(double_warnings) <= 1, double_warnings
    for category, message in double_warnings:
        assert category == "UserWarning" and "double" in message.lower(), (category, message)


def test_purge_events(written):
    """A writer created with purge_step=k first writes, after the header,
    Event(step=k, file_version='brain.Event:2') and Event(step=k, session_log=START),
    both with a clock wall time; a writer without purge_step writes neither."""
    from tensorboard.compat.proto import event_pb2

    files = checks.event_files(os.path.join(written.target.root, "purge"))
    assert len(files) == 3
    lo, hi = written.target.window
    for path, k in zip(files, (None, 4, 2)):
        events = [event_pb2.Event.FromString(d) for _, d in checks.read_records(path)]
        if k is None:
            assert not any(e.HasField("session_log") for e in events)
            assert sum(e.HasField("file_version") for e in events) == 1
            continue
        version, start = events[1], events[2]
        assert version.step == k and version.file_version == "brain.Event:2"
        assert not version.HasField("source_metadata")
        assert start.step == k and start.session_log.status == event_pb2.SessionLog.START
        assert lo <= version.wall_time <= hi and lo <= start.wall_time <= hi
        assert all(e.HasField("summary") for e in events[3:])


def test_media_divergences_applied(written):
    """The implied media divergences are exercised: tinytb's PNGs replaced PyTorch's (after
    the pixel check) and its GIFs filled PyTorch's value-less videos, in every case with
    images or videos (runs after test_parity; a case whose parity failed is left out)."""
    if target.is_torch():
        return
    for case in written.cases:
        if case.name not in _APPLIED:
            continue
        methods = {c.method for c in case.calls()}
        if methods & {"add_image", "add_images", "add_image_with_boxes", "add_figure"}:
            assert "png_encoder" in _APPLIED[case.name], case.name
        if "add_video" in methods:
            assert "video_gif" in _APPLIED[case.name], case.name


def test_summary_divergences_applied(written):
    """The implied divergences of histograms and hparams are exercised: parity replaced
    PyTorch's sums by correctly rounded ones in 'histograms' (most random inputs differ in
    the last bit) and re-ordered the session_start_info maps in 'hparams' (every session with
    two or more hparams); 'hparams_bool' is declared and checked by test_parity."""
    if target.is_torch():
        return
    for case, name in (("histograms", "histogram_sums"), ("hparams", "hparams_map_order")):
        if case in _APPLIED:  # (a case whose parity failed is left out)
            assert name in _APPLIED[case], (case, _APPLIED[case])
