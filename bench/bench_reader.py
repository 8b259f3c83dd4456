"""Benchmarks of tinytb's reader, side by side with tbparse and TensorBoard's EventAccumulator.

    python bench/bench_reader.py            # full run: 1M scalars, a ~150 MB image log
    python bench/bench_reader.py --quick    # smoke run, under a minute: 100k scalars, ~20 MB

Run it with an interpreter that has tbparse (with TensorFlow, which tbparse needs for images)
and tensorboard installed to get the comparison (conformance/requirements-reader.txt); without
them it prints tinytb's numbers alone. tinytb is always imported from this checkout.

What it measures (bench/README.md, "Reading"):

(a) scalars: 10 tags x 100,000 steps (quick: 10,000) written by tinytb's SummaryWriter into one
    file; rows/s of tinytb ``SummaryReader(f).scalars`` (len), tinytb ``iter_rows(f,
    kinds=["scalars"])``, tinytb ``.scalars.to_pandas()`` (the read included), tbparse
    ``SummaryReader(f).scalars``, and ``EventAccumulator(f, STORE_EVERYTHING_SIZE_GUIDANCE)``
    ``.Reload()`` + ``.Scalars(tag)`` of every tag. Ratios against tbparse, per round.
(b) images: 512x512 RGB PNGs of noise (~790 kB each) with one scalar per step, ~150 MB
    (quick: ~20 MB); MB/s (file bytes / time) of tinytb ``iter_rows`` over the images (the
    encoded PNGs, CRC checked, not decoded), tinytb ``iter_rows`` of the one scalar tag (must not
    decode images), tbparse ``SummaryReader(f, event_types=...)`` of the images and of the
    scalars, and EventAccumulator's Reload + Images/Scalars. tinytb's reads are first run once
    with its PNG/WAV decoders replaced by functions that raise (no decode allowed). Peak RSS
    of the streaming reads is measured in fresh processes (VmHWM, else ru_maxrss) against the
    file size.

Method: every figure is a median over rounds; in each round every reader runs once, in an
order that rotates from round to round; ratios are per round, then their median; the garbage
collector is collected before and disabled during each timed read; every reader's row count is
checked against what was written (a wrong count is a failure: exit status 1).
"""

from __future__ import print_function

import argparse
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if sys.path[0] != REPO:
    sys.path.insert(0, REPO)

TAGS = 10
MB = 1e6

# Targets of issue 11.
TARGET_SCALAR_SPEEDUP = 5.0
TARGET_IMAGE_MBS = 150.0


# --------------------------------------------------------------------------
# Anchors (optional)


def _load_tbparse():
    try:
        import tbparse

        return tbparse
    except Exception as exc:  # ImportError, or a broken TensorFlow
        return "%s: %s" % (type(exc).__name__, exc)


def _load_ea():
    try:
        from tensorboard.backend.event_processing import event_accumulator

        return event_accumulator
    except Exception as exc:  # ImportError
        return "%s: %s" % (type(exc).__name__, exc)


# --------------------------------------------------------------------------
# Logs


def write_scalars(root, steps):
    from tinytb import SummaryWriter

    w = SummaryWriter(root, max_queue=1000)
    tags = ["metric/%d" % i for i in range(TAGS)]
    for step in range(steps):
        for i, tag in enumerate(tags):
            w.add_scalar(tag, (step * 0.001 + i) % 7.0, step, walltime=1.7e9 + step)
    w.close()
    return _only_file(root)


def write_images(root, target_bytes):
    """Noise PNGs of 512x512x3 and a scalar "loss" per step, until the file holds
    ``target_bytes``, through tinytb's add_image of numpy uint8 arrays."""
    import numpy as np

    from tinytb import SummaryWriter

    rng = np.random.RandomState(0)
    w = SummaryWriter(root)
    step = 0
    written = 0
    while written < target_bytes:
        img = rng.randint(0, 256, (512, 512, 3)).astype(np.uint8)
        w.add_image("noise", img, step, dataformats="HWC", walltime=1.7e9 + step)
        w.add_scalar("loss", 1.0 / (step + 1), step, walltime=1.7e9 + step)
        w.flush()
        step += 1
        written = os.path.getsize(_only_file(root))
    w.close()
    return _only_file(root), step


def _only_file(root):
    files = [f for f in os.listdir(root) if "tfevents" in f]
    assert len(files) == 1, files
    return os.path.join(root, files[0])


# --------------------------------------------------------------------------
# Timing


class Failure(Exception):
    pass


def timed(fn):
    gc.collect()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the anchors' pandas deprecation warnings
            start = time.perf_counter()
            count = fn()
            return time.perf_counter() - start, count
    finally:
        gc.enable()


def interleave(readers, rounds, expected, progress):
    """{name: [seconds per round]}; each round runs every reader once, rotating the order.
    ``readers``: [(name, fn)] where fn() returns the row count (checked against expected)."""
    times = {name: [] for name, _ in readers}
    for r in range(rounds):
        order = readers[r % len(readers) :] + readers[: r % len(readers)]
        for name, fn in order:
            sys.stderr.write("  %s round %d/%d: %s...\n" % (progress, r + 1, rounds, name))
            seconds, count = timed(fn)
            if count != expected[name] if isinstance(expected, dict) else count != expected:
                want = expected[name] if isinstance(expected, dict) else expected
                raise Failure("%s read %r rows, %r expected" % (name, count, want))
            times[name].append(seconds)
    return times


def ratio_to(times, name, base):
    """Median over rounds of base_time / name_time (a speed-up: > 1 is faster than base)."""
    if base not in times or name not in times:
        return None
    return statistics.median(b / t for b, t in zip(times[base], times[name]))


def render_table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, headers))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join("%-*s" % (w, x) for w, x in zip(widths, row)))
    return "\n".join(out)


def fmt_ratio(x):
    return "-" if x is None else "%.2fx" % x


# --------------------------------------------------------------------------
# (a) scalars


def bench_scalars(args, tbparse, ea, results):
    from tinytb import reader

    steps = 10000 if args.quick else 100000
    rows = steps * TAGS
    scratch = tempfile.mkdtemp(prefix="bench-reader-scalars-")
    try:
        sys.stderr.write("writing %d scalars...\n" % rows)
        path = write_scalars(scratch, steps)
        size = os.path.getsize(path)

        readers = [
            ("tinytb SummaryReader.scalars", lambda: len(reader.SummaryReader(path).scalars)),
            (
                "tinytb iter_rows(scalars)",
                lambda: sum(1 for _ in reader.iter_rows(path, kinds=["scalars"])),
            ),
        ]
        if _has_pandas():
            readers.append(
                (
                    "tinytb .scalars.to_pandas()",
                    lambda: len(reader.SummaryReader(path).scalars.to_pandas()),
                )
            )
        if not isinstance(tbparse, str):
            readers.append(("tbparse .scalars", lambda: len(tbparse.SummaryReader(path).scalars)))
        if not isinstance(ea, str):
            readers.append(("EventAccumulator", lambda: _ea_scalars(ea, path)))
        rounds = args.rounds or (2 if args.quick else 3)
        times = interleave(readers, rounds, rows, "scalars")
        table = []
        for name, _ in readers:
            t = statistics.median(times[name])
            table.append(
                [
                    name,
                    "%.3f s" % t,
                    "{:,.0f}".format(rows / t),
                    "%.1f" % (size / t / MB),
                    fmt_ratio(ratio_to(times, name, "tbparse .scalars")),
                    fmt_ratio(ratio_to(times, name, "EventAccumulator")),
                ]
            )
        print()
        print(
            "(a) %s scalars (%d tags x %s steps), one %.1f MB file written by tinytb; "
            "median of %d round(s)"
            % ("{:,}".format(rows), TAGS, "{:,}".format(steps), size / MB, rounds)
        )
        headers = ["reader", "time", "rows/s", "MB/s", "vs tbparse", "vs EventAccumulator"]
        print(render_table(headers, table))
        results["scalars"] = times
        speed = ratio_to(times, "tinytb SummaryReader.scalars", "tbparse .scalars")
        if speed is not None:
            print(
                "target: tinytb SummaryReader.scalars >= %.0fx tbparse: %s (%s)"
                % (
                    TARGET_SCALAR_SPEEDUP,
                    "PASS" if speed >= TARGET_SCALAR_SPEEDUP else "FAIL",
                    fmt_ratio(speed),
                )
            )
        if "tbparse .scalars" in times and "tinytb .scalars.to_pandas()" in times:
            pd_t = statistics.median(times["tinytb .scalars.to_pandas()"])
            tb_t = statistics.median(times["tbparse .scalars"])
            print(
                "target: tinytb to_pandas() (read included) no slower than tbparse's read: "
                "%s (%.2f s vs %.2f s)" % ("PASS" if pd_t <= tb_t else "FAIL", pd_t, tb_t)
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ea_scalars(ea, path):
    acc = ea.EventAccumulator(path, size_guidance=ea.STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    return sum(len(acc.Scalars(tag)) for tag in acc.Tags()["scalars"])


def _ea_images(ea, path):
    acc = ea.EventAccumulator(path, size_guidance=ea.STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    return sum(len(acc.Images(tag)) for tag in acc.Tags()["images"])


def _has_pandas():
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------
# (b) images


RSS_CHILD = r"""
import os, resource, sys
sys.path.insert(0, sys.argv[1])
from tinytb import reader
path, mode = sys.argv[2], sys.argv[3]
n = 0
if mode.startswith("images"):
    stop = int(sys.argv[4]) if len(sys.argv) > 4 else -1
    for row in reader.iter_rows(path, kinds=["images"]):
        n += 1
        if n == stop:
            break
elif mode == "scalar":
    for row in reader.iter_rows(path, kinds=["scalars"], tags="^loss$"):
        n += 1
elif mode.startswith("eventaccumulator"):
    from tensorboard.backend.event_processing import event_accumulator as ea
    if mode == "eventaccumulator":
        acc = ea.EventAccumulator(path, size_guidance=ea.STORE_EVERYTHING_SIZE_GUIDANCE)
        acc.Reload()
        n = sum(len(acc.Images(t)) for t in acc.Tags()["images"])
hwm = None
try:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
except OSError:
    pass
if hwm is None:  # ru_maxrss: KiB on Linux (it may carry the parent's mark across exec)
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(hwm, n)
"""


def peak_rss_kib(path, mode, *extra):
    out = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, REPO, path, mode] + [str(x) for x in extra],
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ).stdout.split()
    return int(out[0]), int(out[1])


def bench_images(args, tbparse, ea, results):
    try:
        import numpy  # noqa: F401  (writing the images: add_image of a uint8 array)
    except ImportError:
        print("\n(b) images: skipped (writing the log needs numpy)")
        return
    from tinytb import reader

    target = (20 if args.quick else 150) * 1000 * 1000
    scratch = tempfile.mkdtemp(prefix="bench-reader-images-")
    try:
        sys.stderr.write("writing ~%d MB of 512x512 noise PNGs...\n" % (target // 1000000))
        path, steps = write_images(scratch, target)
        size = os.path.getsize(path)

        def images():
            n = 0
            for row in reader.iter_rows(path, kinds=["images"]):
                n += 1
                if not row.value.encoded.startswith(b"\x89PNG"):
                    raise Failure("an image row that is not a PNG")
            return n

        readers = [
            ("tinytb iter_rows(images)", images),
            (
                "tinytb iter_rows(one scalar tag)",
                lambda: sum(1 for _ in reader.iter_rows(path, kinds=["scalars"], tags="^loss$")),
            ),
            (
                "tinytb SummaryReader(scalars).scalars",
                lambda: len(reader.SummaryReader(path, event_types={"scalars"}).scalars),
            ),
        ]
        if not isinstance(tbparse, str):
            readers.append(
                (
                    "tbparse images",
                    lambda: len(tbparse.SummaryReader(path, event_types={"images"}).images),
                )
            )
            readers.append(
                (
                    "tbparse scalars",
                    lambda: len(tbparse.SummaryReader(path, event_types={"scalars"}).scalars),
                )
            )
        if not isinstance(ea, str):
            readers.append(("EventAccumulator images", lambda: _ea_images(ea, path)))
        no_decode_check(path, steps)
        rounds = args.rounds or (2 if args.quick else 3)
        times = interleave(readers, rounds, steps, "images")
        table = []
        for name, _ in readers:
            t = statistics.median(times[name])
            base = "tbparse scalars" if "scalar" in name else "tbparse images"
            speed = fmt_ratio(ratio_to(times, name, base))
            vs_ea = fmt_ratio(ratio_to(times, name, "EventAccumulator images"))
            table.append([name, "%.3f s" % t, "%.1f" % (size / t / MB), speed, vs_ea])
        print()
        print(
            "(b) %d 512x512 RGB noise PNGs + one scalar per step: one %.1f MB file; "
            "median of %d round(s)" % (steps, size / MB, rounds)
        )
        headers = ["reader", "time", "MB/s", "vs tbparse", "vs EventAccumulator images"]
        print(render_table(headers, table))
        print(
            "(tbparse images decodes every PNG with TensorFlow; EventAccumulator and tinytb's\n"
            " iter_rows keep the encoded bytes. A scalar reader's 'vs tbparse': vs tbparse scalars)"
        )
        mbs = size / statistics.median(times["tinytb iter_rows(images)"]) / MB
        print(
            "target: tinytb iter_rows(images) >= %.0f MB/s: %s (%.1f MB/s)"
            % (TARGET_IMAGE_MBS, "PASS" if mbs >= TARGET_IMAGE_MBS else "FAIL", mbs)
        )
        results["images"] = times
        rss_table(path, size, steps, ea, args.quick)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _Decoded(Exception):
    pass


def no_decode_check(path, steps):
    """Untimed: the streaming and scalar reads of the image log run with tinytb's PNG/WAV
    decoders (``_values.decode_image``/``decode_audio``) replaced by functions that raise; a
    read that decodes is a failure. Control: making the rows of ``.images`` must decode."""
    from tinytb import _values, reader

    def refuse(*_args, **_kwargs):
        raise _Decoded()

    saved = _values.decode_image, _values.decode_audio
    _values.decode_image = _values.decode_audio = refuse
    try:
        reads = (
            ("iter_rows(images)", lambda: sum(1 for _ in reader.iter_rows(path, kinds=["images"]))),
            (
                "iter_rows(one scalar tag)",
                lambda: sum(1 for _ in reader.iter_rows(path, kinds=["scalars"], tags="^loss$")),
            ),
            (
                "SummaryReader(scalars).scalars",
                lambda: len(list(reader.SummaryReader(path, event_types={"scalars"}).scalars)),
            ),
        )
        for name, fn in reads:
            try:
                n = fn()
            except _Decoded:
                raise Failure("tinytb %s decoded an image or audio clip" % name) from None
            if n != steps:
                raise Failure("tinytb %s read %d rows, %d expected" % (name, n, steps))
        try:
            next(iter(reader.SummaryReader(path, event_types={"images"}).images))
            control = "not reached: the check may be blind"
        except _Decoded:
            control = "reached"
    finally:
        _values.decode_image, _values.decode_audio = saved
    print(
        "\nno PNG decoded by tinytb's streaming or scalar reads (checked; the decoder is %s "
        "when the rows of .images are made)" % control
    )


def rss_table(path, size, steps, ea, quick):
    """Peak RSS of fresh processes: tinytb alone (imported, nothing read), tinytb streaming the
    first half of the images and all of them (flat memory: the same peak), streaming one scalar
    tag; EventAccumulator's Reload for contrast (full runs only: it imports TensorFlow)."""
    idle, _ = peak_rss_kib(path, "none")
    rows = [["tinytb imported, nothing read", "%.1f MB" % (idle / 1024.0), "-"]]
    half = max(1, steps // 2)
    for mode, label, extra in (
        ("images", "tinytb iter_rows(images), first %d images" % half, (half,)),
        ("images", "tinytb iter_rows(images), all %d" % steps, ()),
        ("scalar", "tinytb iter_rows(one scalar tag)", ()),
    ):
        kib, n = peak_rss_kib(path, mode, *extra)
        rows.append([label, "%.1f MB" % (kib / 1024.0), "+%.1f MB" % ((kib - idle) / 1024.0)])
    if quick:
        rows.append(["EventAccumulator images", "(full run only)", "-"])
    elif not isinstance(ea, str):
        # tensorboard imports TensorFlow when it is installed: its own idle line first
        ea_idle, _ = peak_rss_kib(path, "eventaccumulator-idle")
        rows.append(
            ["event_accumulator imported, nothing read", "%.1f MB" % (ea_idle / 1024.0), "-"]
        )
        kib, n = peak_rss_kib(path, "eventaccumulator")
        if n != steps:
            raise Failure("EventAccumulator kept %d of %d images" % (n, steps))
        rows.append(
            [
                "EventAccumulator images",
                "%.1f MB" % (kib / 1024.0),
                "+%.1f MB" % ((kib - ea_idle) / 1024.0),
            ]
        )
    print()
    print("peak RSS (VmHWM of a fresh process) reading the %.1f MB file:" % (size / MB))
    print(render_table(["reader", "peak RSS", "above idle"], rows))


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, under a minute")
    parser.add_argument("--only", default="scalars,images", help="scalars,images")
    parser.add_argument("--rounds", type=int, default=0, help="override the number of rounds")
    parser.add_argument(
        "--no-anchors", action="store_true", help="tinytb alone (skip tbparse and tensorboard)"
    )
    args = parser.parse_args(argv)
    import tinytb

    tbparse = "not asked for" if args.no_anchors else _load_tbparse()
    ea = "not asked for" if args.no_anchors else _load_ea()
    print("tinytb from %s" % os.path.dirname(os.path.abspath(tinytb.__file__)))
    print("Python %s" % sys.version.split()[0])
    anchors = (("tbparse", tbparse, "tbparse"), ("EventAccumulator", ea, "tensorboard"))
    for name, mod, pkg in anchors:
        if isinstance(mod, str):
            print("%s: not measured (%s)" % (name, mod))
        else:
            print("%s: %s %s" % (name, pkg, _version(pkg)))
    results = {}
    only = set(args.only.split(","))
    try:
        if "scalars" in only:
            bench_scalars(args, tbparse, ea, results)
        if "images" in only:
            bench_images(args, tbparse, ea, results)
    except Failure as exc:
        print("FAILED: %s" % exc)
        return 1
    return 0


def _version(dist):
    try:
        from importlib import metadata

        return metadata.version(dist)
    except Exception:  # importlib.metadata missing (3.7) or not installed
        return "?"


if __name__ == "__main__":
    sys.exit(main())
