"""docs/format.md against the code: ``python docs/make_format_guide.py --check`` passes, so
every listing in the guide is what tinytb's writer and ``dump_bytes`` make now; and the check
fails when a listing, a generated section or a byte string quoted in the prose is off."""

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "docs", "make_format_guide.py")
GUIDE = os.path.join(ROOT, "docs", "format.md")


def load_script():
    spec = importlib.util.spec_from_file_location("make_format_guide", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Done:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(*args):
    """The script's main(args) in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = load_script().main(list(args))
        except SystemExit as stop:  # a message: printed to stderr, status 1 (as sys.exit does)
            status = stop.code if isinstance(stop.code, int) else 1
            if not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
    return Done(status, out.getvalue(), err.getvalue())


def guide_text():
    with open(GUIDE, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module", autouse=True)
def same_zlib():
    # The image record holds a PNG whose compressed bytes are zlib's: another zlib may make
    # other (equally valid) bytes, and the guide names the zlib it was made with.
    try:
        import zlib
    except ImportError:
        pytest.skip("no zlib module: tinytb cannot write the guide's PNG")
    made_with = re.search(r"compressed by zlib ([\w.\-]+)\)", guide_text())
    assert made_with, "the guide names the zlib its PNG was made with"
    if made_with.group(1) != zlib.ZLIB_RUNTIME_VERSION:
        pytest.skip(
            "the guide's PNG was made with zlib %s, this Python has %s"
            % (made_with.group(1), zlib.ZLIB_RUNTIME_VERSION)
        )


def test_the_guide_is_what_the_code_makes():
    # as CI and people run it: the script on its own, from the repository root
    done = subprocess.run(
        [sys.executable, SCRIPT, "--check"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "docs/format.md is up to date"


def copy(tmp_path, text):
    path = tmp_path / "format.md"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_listing_off_by_one_byte_fails_the_check(tmp_path):
    text = guide_text()
    # record 1's length CRC, as the scalar listing shows it (TFRecord framing, section 2)
    line = re.search(r"(?m)^     58  ([0-9a-f]{2}) .*length CRC.*$", text)
    assert line, "the scalar listing shows record 1's length CRC at offset 58"
    wrong = "%02x" % (int(line.group(1), 16) ^ 1)
    changed = line.group(0).replace(line.group(1), wrong, 1)
    path = copy(tmp_path, text.replace(line.group(0), changed, 1))
    done = run("--check", "--guide", path)
    assert done.returncode == 1
    assert "-" + changed in done.stderr
    assert "+" + line.group(0) in done.stderr
    # and without --check the listing is rewritten, the prose left as it was
    assert run("--guide", path).returncode == 0
    with open(path, encoding="utf-8") as f:
        assert f.read() == text


def test_prose_quoting_bytes_the_file_does_not_hold_fails(tmp_path):
    text = guide_text()
    assert "`78 11 3d fd`" in text  # section 3: record 0's length CRC, worked out
    done = run("--check", "--guide", copy(tmp_path, text.replace("`78 11 3d fd`", "`78 11 3d fe`")))
    assert done.returncode == 1 and "78 11 3d fe" in done.stderr


def test_a_missing_or_unknown_section_fails(tmp_path):
    text = guide_text()
    start = text.index("<!-- generated:tensor -->")
    end = text.index("<!-- end:tensor -->") + len("<!-- end:tensor -->")
    done = run("--check", "--guide", copy(tmp_path, text[:start] + text[end:]))
    assert done.returncode == 1 and "'tensor'" in done.stderr
    extra = text + "\n<!-- generated:nothing -->\n<!-- end:nothing -->\n"
    done = run("--check", "--guide", copy(tmp_path, extra))
    assert done.returncode == 1 and "'nothing'" in done.stderr


def test_every_generated_section_is_filled():
    text = guide_text()
    sections = re.findall(r"<!-- generated:([\w-]+) -->\n(.*?)<!-- end:\1 -->", text, re.S)
    assert len(sections) >= 10
    for name, body in sections:
        assert body.strip(), name
