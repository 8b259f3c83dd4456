"""Check 1: every file parses as TFRecords with both CRCs valid (TensorBoard's own
CRC and record reader), every payload is an Event, canonically encoded."""

import os

import pytest

from . import checks, expected_view


def _fail_if_errored(written, case_name):
    err = written.target.errors.get(case_name)
    if err:
        pytest.fail(
            "the target raised while writing case %r:\n%s" % (case_name, err), pytrace=False
        )


@pytest.mark.parametrize("slot", ["target", "torch"])
def test_records(written, case_name, slot):
    if slot == "target":
        _fail_if_errored(written, case_name)
    case = written.case(case_name)
    root = written.results[slot].root
    n = 0
    for run in expected_view.run_dirs(case):
        files = checks.event_files(os.path.join(root, run))
        assert files, "run %s: no event file" % run
        for path in files:
            n += len(checks.check_event_file(path))
    assert n


def test_file_names(written, case_name):
    """PyTorch's naming: events.out.tfevents.%010d.<host>.<pid>.<n><suffix>, one file per
    writer, a later file after close()."""
    _fail_if_errored(written, case_name)
    case = written.case(case_name)
    suffix = ".sfx" if case_name == "filename_suffix" else ""
    for run in expected_view.run_dirs(case):
        files = checks.event_files(os.path.join(written.target.root, run))
        pattern = checks.file_name_pattern(suffix)
        for path in files:
            m = pattern.match(os.path.basename(path))
            assert m, path
            assert int(m.group(2)) == os.getpid()
        # Files of one run sort in creation order (the case table waits for a new second).
        stamps = [int(pattern.match(os.path.basename(p)).group(1)) for p in files]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == len(stamps), files


def test_only_expected_runs(written):
    """No stray directories or files: the target wrote exactly the runs PyTorch wrote."""
    assert checks.run_dirs_on_disk(written.target.root) == checks.run_dirs_on_disk(
        written.torch.root
    )
    want = sorted(r for case in written.cases for r in expected_view.run_dirs(case))
    assert checks.run_dirs_on_disk(written.torch.root) == want
