"""The suite runs against a vendored copy: tinytb/ copied to myapp/_vendor/tinytb and
imported through TINYTB_MODULE (target.py is the one import).  The cases are written
by the copy in a fresh interpreter and checked against PyTorch's output; that fresh
interpreter also shows the double_precision warning is emitted exactly once."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from . import checks, expected_view, target

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def vendored(written, tmp_path_factory):
    if target.is_torch():
        pytest.skip("debugging the suite with PyTorch as the target: nothing to vendor")
    src = os.path.dirname(written.module.__file__)
    app = tmp_path_factory.mktemp("vendored")
    dst = app / "myapp" / "_vendor" / "tinytb"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (app / "myapp" / "__init__.py").write_text("")
    (app / "myapp" / "_vendor" / "__init__.py").write_text("")
    out = app / "logdir"
    env = dict(os.environ, TINYTB_MODULE="myapp._vendor.tinytb", TINYTB_PATH=str(app))
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.write_slot", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report, str(out), str(dst)


def test_vendored_copy_is_used(vendored):
    report, _, dst = vendored
    assert report["module"] == "myapp._vendor.tinytb"
    assert os.path.realpath(report["file"]).startswith(os.path.realpath(dst))
    assert report["other_tinytb_modules"] == []
    assert report["errors"] == {}


def test_vendored_parity(vendored, written):
    """Every case written by the vendored copy is byte-identical to PyTorch's output
    (known divergences applied) and reads back right through the Python loader."""
    report, out, _ = vendored
    window = tuple(report["window"])
    runs = [r for case in written.cases for r in expected_view.run_dirs(case)]
    checks.check_parity(
        written.torch.root,
        written.torch.window,
        out,
        window,
        runs,
        suffixes={r: ".sfx" for r in runs if r.startswith("filename_suffix")},
        media=expected_view.media_expectations(written.cases),
        summaries=expected_view.summary_expectations(written.cases),
    )
    view, _ = checks.loader_view(out)
    points = [p for case in written.cases for p in expected_view.model_points(case)]
    blobs = {
        (run, tag, step): image.encoded_image_string
        for run in runs
        for (tag, step), image in checks.image_blobs(out, run).items()
    }
    blobs.update(
        {
            (run, tag, step): audio.encoded_audio_string
            for run in runs
            for (tag, step), audio in checks.audio_blobs(out, run).items()
        }
    )
    checks.check_view(view, checks.python_semantics(points), window, blobs=blobs)


def test_double_precision_warns_once(vendored, written):
    """In a fresh interpreter: the first double_precision scalar warns (UserWarning, once),
    no other call warns but those the case table says warn (Call.warns, test_parity)."""
    report, _, _ = vendored
    case = written.case("scalar_double")
    doubles = [
        i
        for i, c in enumerate(case.calls())
        if c.method == "add_scalar"
        and c.kwargs.get("new_style")
        and c.kwargs.get("double_precision")
    ]
    assert len(doubles) > 1
    declared = {
        (c.name, i) for c in written.cases for i, call in enumerate(c.calls()) if call.warns
    }
    others = [w for w in report["warnings"] if (w[0], w[1]) not in declared]
    assert len(others) == 1, report["warnings"]
    case_name, index, warned = others[0]
    assert (case_name, index) == ("scalar_double", doubles[0])
    assert len(warned) == 1 and warned[0][0] == "UserWarning", warned
    assert "double" in warned[0][1].lower()
