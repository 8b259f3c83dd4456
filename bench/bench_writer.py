"""Benchmarks of tinytb's writer, side by side with PyTorch's and tensorboardX's.

    python bench/bench_writer.py            # full run, a few minutes
    python bench/bench_writer.py --quick    # smoke run, about a minute and a half
    python bench/bench_writer.py --list     # the registered benchmarks

Run it with an interpreter that has torch and/or tensorboardX installed to get
the comparison; whatever is not importable is skipped with a note.  tinytb is
always imported from this checkout (the directory above bench/).

Method (docs/benchmark-method.md, section 1):

- every figure is a median over rounds;
- in each round every library runs once, in an order that rotates from round
  to round, each with a fresh writer in a fresh temporary directory;
- ratios against PyTorch are taken per round, then their median;
- the garbage collector is disabled while timing;
- import time is measured in fresh processes, each paired with a bare
  ``python -c pass``; peak RSS is the child's own VmHWM (``ru_maxrss`` cannot
  be used: a forked child inherits the parent's high-water mark);
- the peak extra memory of a call (benchmark ``memory``) is tracemalloc's peak
  over that one call, tracing started right before it (after a warm-up call
  with a small slice on the same writer), against the input's size; numpy
  reports its array buffers to tracemalloc, torch's allocator does not, so
  PyTorch's figure is a lower bound printed for reference.

Targets (the PASS/FAIL lines at the end; ratios are tinytb's per-round e2e time
over PyTorch's, e2e = calls + close()):

- issue 2: import <= 30 ms over bare Python; add_scalar >= 10x PyTorch's
  events/s; add_scalar caller p50 < 5 us (10 us until issue 13);
- issue 4: add_image 3x512x512 uint8 <= 0.5x, PNG no larger than Pillow's;
- issue 5: add_histogram of 1e3 float32 values <= 0.5x;
- issue 13: add_histogram of 1e6 float32 values <= 0.3x (ns per value still
  printed); add_histogram of a list of 1e6 Python floats <= 300 ns per value
  (PyTorch, which takes no list, is timed on np.array(the list), conversion
  included, as the anchor); add_pr_curve of 10k float32 and float64
  predictions <= 0.5x (issue 5: 1.0x); add_image 3x512x512 float32 with values
  between the 8-bit levels <= 0.5x, and the same photo on the levels (u8 / 255)
  raised from 1.0x to 0.5x too; add_audio 10 s at 44.1 kHz <= 0.5x (was
  1.0x); add_embedding of 10,000 x 128 float32 with 10,000 string labels
  <= 0.5x; peak extra memory of each of those large-input calls <= 2x the
  input's size (a list of floats counts 8 bytes per value).

Benchmarks are reported, not asserted: the exit status is 0 whatever the
timings and memory figures, and 1 only if a correctness check fails (an event
file that does not hold every event that was added, an embedding whose files
are incomplete) or a benchmark crashes.

Adding a benchmark: write ``def bench_x(ctx): ... return Section(...)`` and
decorate it with ``@benchmark('x', 'one-line description')``.  ``ctx`` gives the
libraries (``ctx.libs``, each with ``.writer_class``), the mode (``ctx.quick``),
``ctx.interleave`` (rotating rounds) and ``ctx.count_events`` (the framing
check).  The Section carries tables, notes, verdicts and failures; the driver
prints them.
"""

from __future__ import print_function

import argparse
import gc
import math
import os
import platform
import random
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Reference figures (docs/benchmark-method.md, section 2: measured 2026-11-26 on the project's
# 2-core VM, torch 2.13.0), used only when PyTorch's writer
# cannot be run here (they are printed as references, never as a measurement).
REFERENCE_TORCH_EVENTS_PER_S = 17132.0
REFERENCE_TORCH_IMPORT_S = (1.5, 2.3)

# Targets of issue 2 (the p50 tightened from 10 to 5 µs by issue 13).
TARGET_IMPORT_MS = 30.0
TARGET_SCALAR_SPEEDUP = 10.0
TARGET_P50_US = 5.0


# --------------------------------------------------------------------------
# Libraries under test


class Lib(object):
    """One SummaryWriter implementation.

    ``import_stmt`` is what a fresh process runs in the import benchmark: the
    line a user writes.  ``load()`` imports it in this process and returns the
    SummaryWriter class, or raises.
    """

    def __init__(self, name, label, import_stmt, loader):
        self.name = name
        self.label = label
        self.import_stmt = import_stmt
        self._loader = loader
        self.writer_class = None
        self.version = None
        self.error = None

    def load(self):
        try:
            self.writer_class, self.version = self._loader()
        except Exception as exc:  # ImportError, or a package that is mid-edit
            self.error = "%s: %s" % (type(exc).__name__, exc)
            self.writer_class = None
        return self.writer_class is not None


def _load_tinytb():
    if sys.path[0] != REPO:
        sys.path.insert(0, REPO)
    import tinytb

    if getattr(tinytb, "__file__", None) is None:
        raise ImportError("tinytb/ has no __init__.py yet")
    where = os.path.dirname(os.path.abspath(tinytb.__file__))
    if os.path.dirname(where) != REPO:
        raise ImportError("tinytb was imported from %s, not from this checkout" % where)
    return tinytb.SummaryWriter, getattr(tinytb, "__version__", "?")


def _load_torch():
    import torch
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter, torch.__version__


def _load_tbx():
    import tensorboardX
    from tensorboardX import SummaryWriter

    return SummaryWriter, getattr(tensorboardX, "__version__", "?")


def all_libs():
    return [
        Lib("tinytb", "tinytb", "from tinytb import SummaryWriter", _load_tinytb),
        Lib(
            "torch",
            "torch.utils.tensorboard",
            "from torch.utils.tensorboard import SummaryWriter",
            _load_torch,
        ),
        Lib("tbx", "tensorboardX", "from tensorboardX import SummaryWriter", _load_tbx),
    ]


BASELINE = "torch"  # ratios are against PyTorch's writer


# --------------------------------------------------------------------------
# Statistics and formatting


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def percentile(sorted_xs, q):
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_xs:
        return None
    k = max(0, int(math.ceil(q / 100.0 * len(sorted_xs))) - 1)
    return sorted_xs[min(k, len(sorted_xs) - 1)]


def fmt_time(seconds):
    if seconds is None:
        return "-"
    a = abs(seconds)
    if a >= 1:
        return "%.3f s" % seconds
    if a >= 1e-3:
        return "%.1f ms" % (seconds * 1e3)
    if a >= 1e-6:
        return "%.2f µs" % (seconds * 1e6)
    return "%.0f ns" % (seconds * 1e9)


def fmt_ms(seconds):
    return "-" if seconds is None else "%.1f ms" % (seconds * 1e3)


def fmt_rate(x):
    return "-" if x is None else "{:,.0f}/s".format(x)


def fmt_ratio(x):
    if x is None:
        return "-"
    if x >= 100 or x < 0.01:
        return "%.3gx" % x
    return "%.2fx" % x


def fmt_mib(kib):
    return "-" if kib is None else "%.1f MiB" % (kib / 1024.0)


def render_table(headers, rows, markdown=False):
    rows = [[str(c) for c in r] for r in rows]
    if markdown:
        out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = lambda cells: "  ".join(  # noqa: E731
        (c.ljust(w) if i == 0 else c.rjust(w)) for i, (c, w) in enumerate(zip(cells, widths))
    )
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


class Section(object):
    """What a benchmark reports: tables, notes, verdicts, correctness failures."""

    def __init__(self, title):
        self.title = title
        self.tables = []  # (headers, rows)
        self.notes = []  # strings
        self.verdicts = []  # (target, 'PASS'|'FAIL'|'SKIP', detail)
        self.failures = []  # correctness failures: strings
        self.raw = {}

    def table(self, headers, rows):
        self.tables.append((headers, rows))

    def note(self, text):
        self.notes.append(text)

    def verdict(self, target, ok, detail):
        status = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
        self.verdicts.append((target, status, detail))


# --------------------------------------------------------------------------
# Event-file check: count records by walking the TFRecord framing


def count_records(path):
    """Count the records of one event file, reading lengths only.

    A record is: u64 length, u32 masked CRC of the length, data, u32 masked
    CRC of the data.  Returns (records, bytes, header_ok, problem) where
    header_ok says whether the first record looks like the file_version event
    and problem is None or says why the framing does not end cleanly.
    """
    size = os.path.getsize(path)
    n = 0
    off = 0
    header_ok = False
    unpack_q = struct.Struct("<Q").unpack
    with open(path, "rb") as f:
        while off < size:
            f.seek(off)
            head = f.read(8)
            if len(head) < 8:
                return n, size, header_ok, "truncated length at byte %d" % off
            (length,) = unpack_q(head)
            end = off + 12 + length + 4
            if end > size:
                return n, size, header_ok, "truncated record at byte %d" % off
            if n == 0:
                f.seek(off + 12)
                header_ok = b"brain.Event:" in f.read(min(length, 256))
            n += 1
            off = end
    return n, size, header_ok, None


def check_counts(ctx, sec, res, expected, what="event file holds %d events, expected %d"):
    """Names of the libraries whose event files did not hold ``expected`` events in some
    round; each such round is recorded as a correctness failure of ``sec``. ``what``
    words the failure for other counts (the embedding benchmark counts complete embeddings)."""
    lossy = set()
    for lib in ctx.libs:
        for r in res.get(lib.name, ()):
            if r["events"] != expected or r["problems"]:
                lossy.add(lib.name)
                sec.failures.append(
                    "%s: %s %s"
                    % (lib.label, what % (r["events"], expected), "; ".join(r["problems"]))
                )
    return lossy


def count_events(log_dir):
    """Events (records other than each file's file_version header) under log_dir.

    Returns (events, bytes, problems).
    """
    events = 0
    nbytes = 0
    problems = []
    for root, _dirs, files in os.walk(log_dir):
        for name in sorted(files):
            if "tfevents" not in name:
                continue
            path = os.path.join(root, name)
            n, size, header_ok, problem = count_records(path)
            nbytes += size
            events += n - (1 if header_ok else 0)
            if problem:
                problems.append("%s: %s" % (name, problem))
            if n and not header_ok:
                problems.append("%s: first record is not a file_version event" % name)
    return events, nbytes, problems


# --------------------------------------------------------------------------
# The harness


class Context(object):
    def __init__(self, libs, quick, rounds_override=None, markdown=False):
        self.libs = libs  # loaded (in-process) libraries, in display order
        self.quick = quick
        self.rounds_override = rounds_override
        self.markdown = markdown
        self.all_libs = []  # every library, loaded or not (for the import bench)
        self.crashes = []  # (lib label, traceback) from interleave()

    def rounds(self, full, quick):
        if self.rounds_override:
            return self.rounds_override
        return quick if self.quick else full

    def interleave(self, libs, rounds, fn, progress=""):
        """Run fn(lib, round_index) for every lib, `rounds` times.

        The order rotates each round.  GC is collected before and disabled
        during each call.  Returns {lib.name: [result per round]}.  A library
        whose call raises is recorded in self.crashes (a correctness failure)
        and dropped from the results.
        """
        results = {lib.name: [] for lib in libs}
        crashed = set()
        k = len(libs)
        progress = progress if sys.stderr.isatty() else ""
        for r in range(rounds):
            order = libs[r % k :] + libs[: r % k] if k else []
            for lib in order:
                if lib.name in crashed:
                    continue
                gc.collect()
                was_enabled = gc.isenabled()
                gc.disable()
                try:
                    results[lib.name].append(fn(lib, r))
                except Exception:
                    crashed.add(lib.name)
                    self.crashes.append((lib.label, traceback.format_exc()))
                finally:
                    if was_enabled:
                        gc.enable()
            if progress:
                sys.stderr.write("\r  %s: round %d/%d " % (progress, r + 1, rounds))
                sys.stderr.flush()
        if progress:
            sys.stderr.write("\n")
        for name in crashed:
            del results[name]
        return results

    count_events = staticmethod(count_events)


BENCHMARKS = []  # (name, description, function), in run order


def benchmark(name, description):
    def register(fn):
        BENCHMARKS.append((name, description, fn))
        return fn

    return register


def paired_ratios(results, key, baseline=BASELINE):
    """{lib: median over rounds of result[key] / baseline_result[key]}."""
    base = results.get(baseline)
    out = {}
    for name, rs in results.items():
        if base is None:
            out[name] = None
            continue
        rat = [r[key] / b[key] for r, b in zip(rs, base) if r.get(key) is not None and b.get(key)]
        out[name] = median(rat)
    return out


def medians(results, key):
    return {name: median([r.get(key) for r in rs]) for name, rs in results.items()}


def _unmeasured(ctx, name="tinytb"):
    """(status, detail) for a target whose library produced no result."""
    if any(lib.name == name for lib in ctx.libs):
        return False, "%s crashed (see below)" % name
    return None, "%s not importable" % name


def _ratio_verdict(ctx, sec, res, lossy, ratio, target, limit):
    """The verdict "tinytb's per-round time ratio to PyTorch's <= limit": FAIL when tinytb
    crashed or lost events, SKIP with tinytb's time when PyTorch did not run."""
    if "tinytb" not in res:
        sec.verdict(target, *_unmeasured(ctx))
    elif "tinytb" in lossy:
        sec.verdict(target, False, "tinytb lost events (see below)")
    elif ratio.get("tinytb") is None:
        sec.verdict(
            target,
            None,
            "tinytb %s; PyTorch not run here" % fmt_time(medians(res, "e2e")["tinytb"]),
        )
    else:
        sec.verdict(
            target,
            ratio["tinytb"] <= limit,
            "tinytb %s vs torch %s: %.2fx"
            % (
                fmt_time(medians(res, "e2e")["tinytb"]),
                fmt_time(medians(res, "e2e").get(BASELINE)),
                ratio["tinytb"],
            ),
        )


def _numpy(sec):
    """numpy, which builds the inputs of the media, histogram and PR-curve benchmarks; None
    (with a note in ``sec``) when it is not installed."""
    try:
        import numpy
    except ImportError:
        sec.note("numpy is not installed: skipped (the inputs are numpy arrays).")
        return None
    return numpy


def temp_logdir():
    return tempfile.mkdtemp(prefix="tinytb-bench-")


# --------------------------------------------------------------------------
# 1. Import time and peak RSS, in fresh processes

_CHILD_TAIL = """
try:
    with open('/proc/self/status') as _f:
        for _l in _f:
            if _l.startswith('VmHWM:'):
                print(_l.split()[1])
except OSError:
    print(-1)
"""


def _run_child(stmt, env, cwd):
    """Run `python -c stmt` in a fresh process.

    Returns (wall seconds, cpu seconds, VmHWM KiB or None, error or None).
    """
    code = stmt + "\n" + _CHILD_TAIL
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        msg = err.decode("utf-8", "replace").strip().splitlines()
        return wall, cpu, None, "exit %d: %s" % (p.returncode, msg[-1] if msg else "")
    try:
        hwm = int(out.split()[-1])
    except (ValueError, IndexError):
        hwm = None
    return wall, cpu, (hwm if hwm and hwm > 0 else None), None


class ImportVariant(object):
    """One command measured in fresh processes, with the environment it runs in.

    Its paired `python -c pass` runs in the same environment and directory.
    """

    def __init__(self, name, label, stmt, env, cwd):
        self.name, self.label, self.stmt, self.env, self.cwd = name, label, stmt, env, cwd


def _child_env(pythonpath, **changes):
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env["PYTHONPATH"] = pythonpath + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def _import_variants(ctx, scratch):
    """The commands to time.

    torch and tensorboardX are measured as installed: their site-packages hold
    compiled bytecode.  tinytb is measured the same way, with its bytecode
    cached under a private PYTHONPYCACHEPREFIX in `scratch` (so nothing is
    written into the checkout, and PYTHONDONTWRITEBYTECODE in the caller's
    environment does not make it recompile every time); and once more as
    source only (a copy without __pycache__ and PYTHONDONTWRITEBYTECODE=1),
    the cost of a vendored copy that never gets its .pyc files.
    """
    out = []
    for lib in ctx.all_libs:
        if lib.writer_class is None:
            continue
        if lib.name == "tinytb":
            env = _child_env(
                REPO,
                PYTHONDONTWRITEBYTECODE=None,
                PYTHONPYCACHEPREFIX=os.path.join(scratch, "pycache"),
            )
            out.append(ImportVariant("tinytb", "tinytb", lib.import_stmt, env, REPO))
            src = os.path.join(scratch, "src")
            shutil.copytree(
                os.path.join(REPO, "tinytb"),
                os.path.join(src, "tinytb"),
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
            env = _child_env(src, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=None)
            out.append(ImportVariant("tinytb-nopyc", "tinytb, no .pyc", lib.import_stmt, env, src))
        else:
            env = _child_env(REPO)
            out.append(ImportVariant(lib.name, lib.label, lib.import_stmt, env, REPO))
    return out


@benchmark("import", "import time over bare Python and peak RSS, fresh processes")
def bench_import(ctx):
    sec = Section('1. Import time: `python -c "<import>"` minus `python -c pass`, fresh processes')
    target = "tinytb import <= %g ms over bare Python" % TARGET_IMPORT_MS
    for lib in ctx.all_libs:
        if lib.writer_class is None:
            sec.note("%s: not importable here (%s), skipped" % (lib.label, lib.error))
    scratch = tempfile.mkdtemp(prefix="tinytb-bench-import-")
    try:
        return _bench_import(ctx, sec, target, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bench_import(ctx, sec, target, scratch):
    variants = []
    for v in _import_variants(ctx, scratch):
        _run_child("pass", v.env, v.cwd)  # warm-up, and compiles into the cache prefix
        _w, _c, _h, error = _run_child(v.stmt, v.env, v.cwd)
        if error:
            sec.note(
                "%s: imports in-process but not in a fresh process (%s), skipped" % (v.label, error)
            )
            continue
        variants.append(v)
    if not variants:
        sec.verdict(target, None, "no library to measure")
        return sec

    rounds = ctx.rounds(15, 3)

    def one(v, r):
        # Pair the import with `pass`, alternating which goes first.
        first = (r + variants.index(v)) % 2 == 0
        runs = {}
        for which in (v.stmt, "pass") if first else ("pass", v.stmt):
            runs[which] = _run_child(which, v.env, v.cwd)
        w, c, h, err = runs[v.stmt]
        pw, pc, ph, perr = runs["pass"]
        if err or perr:
            return {"error": err or perr}
        return {
            "wall": w,
            "cpu": c,
            "hwm": h,
            "pass_wall": pw,
            "pass_hwm": ph,
            "inc": w - pw,
            "cpu_inc": c - pc,
        }

    # GC state does not matter for a child process; interleave for the rotation.
    res = ctx.interleave(variants, rounds, one, progress="import")
    for name, rs in res.items():
        errs = [r["error"] for r in rs if "error" in r]
        if errs:
            sec.note("%s: %d child import(s) failed, e.g. %s" % (name, len(errs), errs[0]))
        res[name] = [r for r in rs if "error" not in r]
    sec.raw = res

    inc = medians(res, "inc")
    ratio = paired_ratios(res, "inc")
    rows = []
    for v in variants:
        rs = res.get(v.name)
        if not rs:
            continue
        walls = [r["wall"] for r in rs]
        rows.append(
            [
                v.label,
                "%s [%.0f-%.0f]" % (fmt_ms(median(walls)), min(walls) * 1e3, max(walls) * 1e3),
                fmt_ms(median([r["pass_wall"] for r in rs])),
                fmt_ms(inc[v.name]),
                fmt_ms(median([r["cpu_inc"] for r in rs])),
                fmt_mib(median([r["hwm"] for r in rs])),
                fmt_mib(median([r["pass_hwm"] for r in rs])),
                fmt_ratio(ratio[v.name]),
            ]
        )
    sec.table(
        [
            "library",
            "wall [min-max]",
            "bare python",
            "wall minus bare",
            "cpu minus bare",
            "peak RSS",
            "bare RSS",
            "increment / torch's",
        ],
        rows,
    )
    sec.note(
        "%d rounds, each import paired with `python -c pass` in the same environment "
        "(order alternating); the line is the drop-in one, `from X import SummaryWriter`; "
        "peak RSS is the child's VmHWM." % rounds
    )
    sec.note(
        'Bytecode: torch and tensorboardX use their installed .pyc files; "tinytb" uses '
        "cached bytecode (a private PYTHONPYCACHEPREFIX, as after pip install); "
        '"tinytb, no .pyc" compiles tinytb from source on every import '
        "(PYTHONDONTWRITEBYTECODE=1, as a vendored copy in a read-only place)."
    )
    if inc.get("tinytb") is not None:
        t = inc["tinytb"] * 1e3
        detail = "tinytb %.1f ms over bare Python" % t
        if inc.get("tinytb-nopyc") is not None:
            detail += " (%.1f ms without .pyc)" % (inc["tinytb-nopyc"] * 1e3)
        if inc.get(BASELINE) is not None and ratio.get("tinytb"):
            detail += "; torch %.0f ms, %s as long" % (
                inc[BASELINE] * 1e3,
                fmt_ratio(1.0 / ratio["tinytb"]),
            )
        elif inc.get(BASELINE) is None:
            detail += "; torch not run, reference %.1f-%.1f s" % REFERENCE_TORCH_IMPORT_S
        sec.verdict(target, t <= TARGET_IMPORT_MS, detail)
    else:
        sec.verdict(target, None, "tinytb not measured")
    return sec


# --------------------------------------------------------------------------
# 2. add_scalar throughput: N calls then close(), end to end

SCALAR_TAG = "train/loss"


def _values(n):
    rnd = random.Random(0)
    return [rnd.random() * 2.0 for _ in range(n)]


@benchmark("scalar", "add_scalar throughput: N calls then close(), events/s end to end")
def bench_scalar(ctx):
    n = 10000 if ctx.quick else 100000
    rounds = ctx.rounds(5, 3)
    sec = Section(
        "2. add_scalar throughput: %s x add_scalar(%r, float, step) then close()"
        % ("{:,}".format(n), SCALAR_TAG)
    )
    values = _values(n)

    def one(lib, r):
        d = temp_logdir()
        try:
            w = lib.writer_class(d)
            add = w.add_scalar
            tag = SCALAR_TAG
            vals = values
            c0 = time.process_time()
            t0 = time.perf_counter()
            for i in range(n):
                add(tag, vals[i], i)
            t1 = time.perf_counter()
            w.close()
            t2 = time.perf_counter()
            c2 = time.process_time()
            events, nbytes, problems = count_events(d)
            return {
                "e2e": t2 - t0,
                "calls": t1 - t0,
                "close": t2 - t1,
                "cpu": c2 - c0,
                "rate": n / (t2 - t0),
                "events": events,
                "bytes": nbytes,
                "problems": problems,
            }
        finally:
            shutil.rmtree(d, ignore_errors=True)

    res = ctx.interleave(ctx.libs, rounds, one, progress="add_scalar x %d" % n)
    sec.raw = res
    rate = medians(res, "rate")
    ratio = paired_ratios(res, "rate")
    rows = []
    lossy = check_counts(ctx, sec, res, n)
    for lib in ctx.libs:
        if lib.name not in res:
            continue
        rs = res[lib.name]
        rows.append(
            [
                lib.label + (" (LOSSY)" if lib.name in lossy else ""),
                fmt_rate(rate[lib.name]),
                fmt_time(median([r["e2e"] / n for r in rs])),
                fmt_time(median([r["cpu"] / n for r in rs])),
                fmt_time(median([r["close"] for r in rs])),
                "%.1f" % median([r["bytes"] / float(n) for r in rs]),
                "%d/%d" % (sum(r["events"] == n and not r["problems"] for r in rs), len(rs)),
                fmt_ratio(ratio[lib.name]),
            ]
        )
    sec.table(
        [
            "library",
            "events/s",
            "e2e/event",
            "process CPU/event",
            "close()",
            "file bytes/event",
            "count ok",
            "events/s / torch's",
        ],
        rows,
    )
    sec.note(
        "%d rounds; fresh writer in a fresh directory each round; e2e = (calls + close()) / N; "
        "after each run the event files are walked record by record and must hold "
        "exactly N events besides the file_version header." % rounds
    )
    target = "tinytb add_scalar events/s >= %gx PyTorch" % TARGET_SCALAR_SPEEDUP
    if rate.get("tinytb") is None:
        sec.verdict(target, *_unmeasured(ctx))
    elif "tinytb" in lossy:
        sec.verdict(
            target,
            False,
            "tinytb %s, but its event files lost events (see below)" % fmt_rate(rate["tinytb"]),
        )
    elif ratio.get("tinytb") is not None:
        sec.verdict(
            target,
            ratio["tinytb"] >= TARGET_SCALAR_SPEEDUP,
            "tinytb %s vs torch %s: %s (median of per-round ratios)"
            % (fmt_rate(rate["tinytb"]), fmt_rate(rate[BASELINE]), fmt_ratio(ratio["tinytb"])),
        )
    else:
        ref = rate["tinytb"] / REFERENCE_TORCH_EVENTS_PER_S
        sec.verdict(
            target,
            ref >= TARGET_SCALAR_SPEEDUP,
            "tinytb %s; torch not run here, against the spec reference %s: %s"
            % (fmt_rate(rate["tinytb"]), fmt_rate(REFERENCE_TORCH_EVENTS_PER_S), fmt_ratio(ref)),
        )
    return sec


# --------------------------------------------------------------------------
# 3. Caller latency of one add_scalar


@benchmark("latency", "caller latency of one add_scalar: p50, p99, max")
def bench_latency(ctx):
    n = 5000 if ctx.quick else 20000
    warm = 1000 if ctx.quick else 2000
    rounds = ctx.rounds(5, 3)
    sec = Section(
        "3. add_scalar latency seen by the caller: %s timed calls after %s warm-up"
        % ("{:,}".format(n), "{:,}".format(warm))
    )
    values = _values(warm + n)

    pc = time.perf_counter_ns
    gc.disable()
    xs = []
    for _ in range(5):
        lat = [0] * 20000
        for i in range(20000):
            t0 = pc()
            t1 = pc()
            lat[i] = t1 - t0
        xs.append(statistics.median(lat))
    gc.enable()
    timer_ns = statistics.median(xs)

    def one(lib, r):
        d = temp_logdir()
        try:
            w = lib.writer_class(d)
            add = w.add_scalar
            tag = SCALAR_TAG
            vals = values
            for i in range(warm):
                add(tag, vals[i], i)
            lat = [0] * n
            for j in range(n):
                i = warm + j
                v = vals[i]
                t0 = pc()
                add(tag, v, i)
                t1 = pc()
                lat[j] = t1 - t0
            w.close()
            events, _nbytes, problems = count_events(d)
            lat.sort()
            return {
                "p50": percentile(lat, 50) * 1e-9,
                "p90": percentile(lat, 90) * 1e-9,
                "p99": percentile(lat, 99) * 1e-9,
                "p999": percentile(lat, 99.9) * 1e-9,
                "max": lat[-1] * 1e-9,
                "events": events,
                "problems": problems,
            }
        finally:
            shutil.rmtree(d, ignore_errors=True)

    res = ctx.interleave(ctx.libs, rounds, one, progress="latency x %d" % n)
    sec.raw = res
    p50 = medians(res, "p50")
    ratio = paired_ratios(res, "p50")
    rows = []
    lossy = check_counts(ctx, sec, res, warm + n)
    for lib in ctx.libs:
        if lib.name not in res:
            continue
        if lib.name in lossy:
            row_label = lib.label + " (LOSSY)"
        else:
            row_label = lib.label
        rows.append(
            [
                row_label,
                fmt_time(p50[lib.name]),
                fmt_time(medians(res, "p90")[lib.name]),
                fmt_time(medians(res, "p99")[lib.name]),
                fmt_time(medians(res, "p999")[lib.name]),
                fmt_time(medians(res, "max")[lib.name]),
                fmt_ratio(ratio[lib.name]),
            ]
        )
    sec.table(["library", "p50", "p90", "p99", "p99.9", "max", "p50 / torch's"], rows)
    sec.note(
        "%d rounds; each figure is the median over rounds of that round's percentile; "
        "GC off; includes ~%d ns of perf_counter_ns overhead per call (not subtracted)."
        % (rounds, timer_ns)
    )
    target = "tinytb add_scalar caller p50 < %g µs" % TARGET_P50_US
    if p50.get("tinytb") is None:
        sec.verdict(target, *_unmeasured(ctx))
    elif "tinytb" in lossy:
        sec.verdict(
            target,
            False,
            "tinytb p50 %s, but its event files lost events (see below)" % fmt_time(p50["tinytb"]),
        )
    else:
        detail = "tinytb p50 %s, p99 %s, max %s" % (
            fmt_time(p50["tinytb"]),
            fmt_time(medians(res, "p99")["tinytb"]),
            fmt_time(medians(res, "max")["tinytb"]),
        )
        if p50.get(BASELINE) is not None:
            detail += " (torch p50 %s)" % fmt_time(p50[BASELINE])
        sec.verdict(target, p50["tinytb"] < TARGET_P50_US * 1e-6, detail)
    return sec


# --------------------------------------------------------------------------
# 4. add_image of a 3x512x512 "photo", uint8 and float32; 5. add_video

TARGET_IMAGE_U8_RATIO = 0.5  # tinytb's time per call at most half of PyTorch's (issue 4)
# float32 with values between the 8-bit levels (a network's output): issue 13. The photo as
# u8 / 255 (on the levels) had 1.0x (issue 4); issue 13 raises it to the same 0.5x, since the
# general float32 path it may now take must meet 0.5x anyway.
TARGET_IMAGE_F32_RATIO = 0.5
TARGET_IMAGE_F32_CONT_RATIO = 0.5


def _photo(np, size=512):
    """The reference figures' 'photo' (docs/benchmark-method.md, section 2): sinusoids plus
    gaussian noise (sigma 6), CHW uint8."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    planes = [128 + 60 * np.sin(x / (17 + 9 * c)) * np.cos(y / (23 + 5 * c)) for c in range(3)]
    img = np.stack(planes) + rng.normal(0, 6, (3, size, size))
    return img.clip(0, 255).astype(np.uint8)


def _continuous(np, u8):
    """The photo as float32 with values between the 8-bit levels (a network's output)."""
    noise = np.random.default_rng(2).random(u8.shape)
    return ((u8 + noise) / 256.0).astype(np.float32)


def _image_blob_sizes(log_dir):
    """Sizes of the encoded images in the event files of log_dir (read with tinytb's reader)."""
    from tinytb import reader

    sizes = []
    for files in reader.event_files(log_dir).values():
        for path in files:
            for event in reader.read_events(path):
                for value in event.summary.value if event.summary else ():
                    if value.image is not None:
                        sizes.append(len(value.image.encoded_image_string))
    return sizes


@benchmark("image", "add_image of a 3x512x512 photo, uint8 and float32: time per call, PNG size")
def bench_image(ctx):
    sec = Section('4. add_image: 3x512x512 CHW "photo" (sinusoids + noise), k calls then close()')
    np = _numpy(sec)
    if np is None:
        return sec
    k = 2 if ctx.quick else 5
    rounds = ctx.rounds(5, 2)
    u8 = _photo(np)
    # 'float32' is the same photo as u8 / 255 (what ToTensor gives: 256 levels); 'float32
    # continuous' has values between the levels (as a network's output). Each has a target.
    inputs = {
        "uint8": u8,
        "float32": u8.astype(np.float32) / 255.0,
        "float32 continuous": _continuous(np, u8),
    }
    pillow = None
    try:
        import io
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(u8.transpose(1, 2, 0))).save(buf, format="PNG")
        pillow = len(buf.getvalue())
    except ImportError:
        pass
    rows, verdicts = [], []
    for kind, img in inputs.items():

        def one(lib, r, img=img):
            d = temp_logdir()
            try:
                w = lib.writer_class(d)
                t0 = time.perf_counter()
                for i in range(k):
                    w.add_image("photo", img, i)
                t1 = time.perf_counter()
                w.close()
                t2 = time.perf_counter()
                events, _nbytes, problems = count_events(d)
                sizes = _image_blob_sizes(d)
                return {
                    "e2e": (t2 - t0) / k,
                    "caller": (t1 - t0) / k,
                    "events": events,
                    "problems": problems,
                    "png": median(sizes) if sizes else None,
                }
            finally:
                shutil.rmtree(d, ignore_errors=True)

        res = ctx.interleave(ctx.libs, rounds, one, progress="add_image %s" % kind)
        lossy = check_counts(ctx, sec, res, k)
        ratio = paired_ratios(res, "e2e")
        for lib in ctx.libs:
            if lib.name not in res:
                continue
            rows.append(
                [
                    kind,
                    lib.label + (" (LOSSY)" if lib.name in lossy else ""),
                    fmt_time(medians(res, "caller")[lib.name]),
                    fmt_time(medians(res, "e2e")[lib.name]),
                    "{:,}".format(int(medians(res, "png")[lib.name] or 0)),
                    fmt_ratio(ratio[lib.name]),
                ]
            )
        limit = {
            "uint8": TARGET_IMAGE_U8_RATIO,
            "float32": TARGET_IMAGE_F32_RATIO,
            "float32 continuous": TARGET_IMAGE_F32_CONT_RATIO,
        }[kind]
        target = "tinytb add_image %s e2e <= %gx PyTorch" % (kind, limit)
        _ratio_verdict(ctx, sec, res, lossy, ratio, target, limit)
        if kind == "uint8" and pillow and "tinytb" in res:
            size = medians(res, "png")["tinytb"]
            verdicts.append(
                (
                    "tinytb PNG no larger than Pillow's",
                    size <= pillow,
                    "tinytb %s bytes, Pillow %s bytes (%.3fx)"
                    % ("{:,}".format(int(size)), "{:,}".format(pillow), size / pillow),
                )
            )
    sec.table(["input", "library", "caller/call", "e2e/call", "PNG bytes", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; e2e = (calls + close()) / k; PNG bytes are read back from "
        "the event file; Pillow alone makes %s bytes for this image."
        % (rounds, k, "{:,}".format(pillow) if pillow else "?")
    )
    for v in verdicts:
        sec.verdict(*v)
    return sec


@benchmark("video", "add_video of 16 frames 3x64x64: time and GIF size")
def bench_video(ctx):
    sec = Section(
        "5. add_video: one video of 16 frames, 3x64x64 (a moving gradient + noise), fps=4"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    rng = np.random.default_rng(1)
    t = np.arange(16)[:, None, None, None]
    y, x = np.mgrid[0:64, 0:64]
    base = np.stack(
        [(x + 4 * t[:, 0]) % 64 * 4, (y + 2 * t[:, 0]) % 64 * 4, np.full((16, 64, 64), 128)], axis=1
    )
    vid = (base + rng.normal(0, 3, base.shape)).clip(0, 255).astype(np.uint8)[None]
    rounds = ctx.rounds(5, 2)

    def one(lib, r):
        d = temp_logdir()
        try:
            w = lib.writer_class(d)
            t0 = time.perf_counter()
            w.add_video("clip", vid, 0, fps=4)
            w.close()
            t1 = time.perf_counter()
            sizes = _image_blob_sizes(d)
            return {"e2e": t1 - t0, "gif": sizes[0] if sizes else 0}
        finally:
            shutil.rmtree(d, ignore_errors=True)

    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # PyTorch prints "add_video needs moviepy"
        res = ctx.interleave(ctx.libs, rounds, one, progress="add_video")
    rows = []
    for lib in ctx.libs:
        if lib.name not in res:
            continue
        gif = medians(res, "gif")[lib.name]
        rows.append(
            [
                lib.label,
                fmt_time(medians(res, "e2e")[lib.name]),
                "{:,}".format(int(gif)) if gif else "no video written",
            ]
        )
    sec.table(["library", "e2e (call + close)", "GIF bytes"], rows)
    sec.note(
        "PyTorch and tensorboardX need moviepy (PyTorch: < 2) and write a value-less "
        "summary without it; %d rounds." % rounds
    )
    return sec


TARGET_AUDIO_RATIO = 0.5  # add_audio of 10 s at 44.1 kHz: half of PyTorch's time (issue 13)


def _clip(np):
    """10 s of mono float32 noise in [-1, 1] at 44.1 kHz."""
    return np.random.default_rng(3).uniform(-1, 1, 441000).astype(np.float32)


@benchmark("audio", "add_audio of 10 s mono at 44.1 kHz, float32: time per call")
def bench_audio(ctx):
    sec = Section("6. add_audio: 10 s mono at 44.1 kHz, float32 in [-1, 1], k calls then close()")
    np = _numpy(sec)
    if np is None:
        return sec
    clip = _clip(np)
    k = 2 if ctx.quick else 5
    rounds = ctx.rounds(5, 2)

    def one(lib, r):
        d = temp_logdir()
        try:
            w = lib.writer_class(d)
            t0 = time.perf_counter()
            for i in range(k):
                w.add_audio("clip", clip, i, sample_rate=44100)
            w.close()
            t1 = time.perf_counter()
            events, _nbytes, problems = count_events(d)
            return {"e2e": (t1 - t0) / k, "events": events, "problems": problems}
        finally:
            shutil.rmtree(d, ignore_errors=True)

    libs = list(ctx.libs)
    try:
        import soundfile  # noqa: F401  (tensorboardX's add_audio needs it)
    except ImportError:
        libs = [lib for lib in libs if lib.name != "tbx"]
    res = ctx.interleave(libs, rounds, one, progress="add_audio")
    lossy = check_counts(ctx, sec, res, k)
    ratio = paired_ratios(res, "e2e")
    rows = [
        [
            lib.label + (" (LOSSY)" if lib.name in lossy else ""),
            fmt_time(medians(res, "e2e")[lib.name]),
            fmt_ratio(ratio[lib.name]),
        ]
        for lib in ctx.libs
        if lib.name in res
    ]
    sec.table(["library", "e2e/call", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; tensorboardX is left out unless soundfile, which its "
        "add_audio needs, is installed." % (rounds, k)
    )
    _ratio_verdict(
        ctx,
        sec,
        res,
        lossy,
        ratio,
        "tinytb add_audio 10 s e2e <= %gx PyTorch" % TARGET_AUDIO_RATIO,
        TARGET_AUDIO_RATIO,
    )
    return sec


# --------------------------------------------------------------------------
# 7-8. add_histogram of float32 values, default ('tensorflow') bins; 9. add_pr_curve

TARGET_HISTOGRAM_1E3_RATIO = 0.5  # 1e3 values: at most half of PyTorch's time per call (issue 5)
TARGET_HISTOGRAM_1E6_RATIO = 0.3  # 1e6 float32 values: issue 13 (issue 5 had 300 ns/value)
TARGET_HISTOGRAM_LIST_NS = 300.0  # a list of 1e6 Python floats: ns per value (issue 13)
TARGET_PR_CURVE_RATIO = 0.5  # 10k labels: half of PyTorch's time (issue 13; issue 5 had 1.0x)


def _calls_then_close(ctx, sec, libs, rounds, k, call, progress, calls=None, check=None, what=None):
    """Interleaved rounds of: fresh writer, ``call(writer, i)`` for i in range(k), close().

    ``calls`` ({library name: call}) overrides ``call`` for some libraries (the same data in
    the form each one accepts). Returns (results per library, libraries that lost events).
    Each result holds 'caller' (time of the calls / k), 'e2e' ((calls + close()) / k) and
    the event-count check; ``check(log_dir, k)`` -> (count, problems) replaces that check
    (the count must equal k; ``what`` words its failure, as in check_counts)."""

    def one(lib, r):
        fn = (calls or {}).get(lib.name, call)
        d = temp_logdir()
        try:
            w = lib.writer_class(d)
            t0 = time.perf_counter()
            for i in range(k):
                fn(w, i)
            t1 = time.perf_counter()
            w.close()
            t2 = time.perf_counter()
            if check is None:
                events, _nbytes, problems = count_events(d)
            else:
                events, problems = check(d, k)
            return {
                "e2e": (t2 - t0) / k,
                "caller": (t1 - t0) / k,
                "events": events,
                "problems": problems,
            }
        finally:
            shutil.rmtree(d, ignore_errors=True)

    res = ctx.interleave(libs, rounds, one, progress=progress)
    if what is None:
        return res, check_counts(ctx, sec, res, k)
    return res, check_counts(ctx, sec, res, k, what=what)


def _time_rows(ctx, res, lossy, label=None, per=None):
    """Table rows: [label,] library, caller/call, e2e/call, [ns per value,] e2e / torch's."""
    ratio = paired_ratios(res, "e2e")
    rows = []
    for lib in ctx.libs:
        if lib.name not in res:
            continue
        e2e = medians(res, "e2e")[lib.name]
        row = [
            lib.label + (" (LOSSY)" if lib.name in lossy else ""),
            fmt_time(medians(res, "caller")[lib.name]),
            fmt_time(e2e),
        ]
        if per:
            row.append("%.0f ns" % (e2e / per * 1e9))
        row.append(fmt_ratio(ratio[lib.name]))
        rows.append(([label] if label else []) + row)
    return rows, ratio


def _normal_f32(np, n, seed):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


@benchmark("histogram_1e3", "add_histogram of 1e3 float32 values, default bins: time per call")
def bench_histogram_1e3(ctx):
    sec = Section(
        "7. add_histogram: 1,000 float32 standard-normal values, default "
        "('tensorflow') bins, k calls then close()"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    values = _normal_f32(np, 1000, 4)
    k = 20 if ctx.quick else 100
    rounds = ctx.rounds(5, 2)
    res, lossy = _calls_then_close(
        ctx,
        sec,
        ctx.libs,
        rounds,
        k,
        lambda w, i: w.add_histogram("h", values, i),
        "add_histogram 1e3",
    )
    rows, ratio = _time_rows(ctx, res, lossy)
    sec.table(["library", "caller/call", "e2e/call", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; e2e = (calls + close()) / k. With the TF buckets a standard "
        "normal keeps ~600 buckets, so each event is ~9.9 KB and its CRC is a large part of "
        "PyTorch's time (docs/benchmark-method.md, section 2)." % (rounds, k)
    )
    _ratio_verdict(
        ctx,
        sec,
        res,
        lossy,
        ratio,
        "tinytb add_histogram 1e3 e2e <= %gx PyTorch" % TARGET_HISTOGRAM_1E3_RATIO,
        TARGET_HISTOGRAM_1E3_RATIO,
    )
    return sec


@benchmark("histogram_1e6", "add_histogram of 1e6 float32 values: time per call, ns per value")
def bench_histogram_1e6(ctx):
    sec = Section(
        "8. add_histogram: 1,000,000 float32 standard-normal values, default "
        "('tensorflow') bins, k calls then close()"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    n = 1000000
    values = _normal_f32(np, n, 5)
    k = 1 if ctx.quick else 3
    rounds = ctx.rounds(3, 3)  # cheap once tinytb bins at C speed; 1 round is noisy
    res, lossy = _calls_then_close(
        ctx,
        sec,
        ctx.libs,
        rounds,
        k,
        lambda w, i: w.add_histogram("h", values, i),
        "add_histogram 1e6",
    )
    rows, ratio = _time_rows(ctx, res, lossy, per=n)
    sec.table(["library", "caller/call", "e2e/call", "e2e per value", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; e2e = (calls + close()) / k. tinytb bins a numpy array "
        "through the array's own methods (issue 13); the pure-Python path (lists, buffers) "
        "is timed by histogram_list_1e6." % (rounds, k)
    )
    _ratio_verdict(
        ctx,
        sec,
        res,
        lossy,
        ratio,
        "tinytb add_histogram 1e6 float32 e2e <= %gx PyTorch" % TARGET_HISTOGRAM_1E6_RATIO,
        TARGET_HISTOGRAM_1E6_RATIO,
    )
    return sec


def _pr_inputs(np):
    """(labels, {'float64': predictions, 'float32': the same as float32}), 10k of each."""
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 2, 10000)
    # PyTorch's docstring example, at 10k: np.random.rand predictions (float64); float32, as
    # a model's sigmoid output would be (numpy multiplies it in float32).
    inputs = {"float64": rng.random(10000)}
    inputs["float32"] = inputs["float64"].astype(np.float32)
    return labels, inputs


@benchmark("pr_curve_10k", "add_pr_curve of 10k labels and predictions: time per call")
def bench_pr_curve(ctx):
    sec = Section(
        "9. add_pr_curve: 10,000 labels (0/1 int64) and predictions, 127 thresholds, "
        "k calls then close()"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    labels, inputs = _pr_inputs(np)
    k = 10 if ctx.quick else 20
    rounds = ctx.rounds(5, 3)
    rows = []
    for kind, predictions in inputs.items():
        res, lossy = _calls_then_close(
            ctx,
            sec,
            ctx.libs,
            rounds,
            k,
            lambda w, i, p=predictions: w.add_pr_curve("pr", labels, p, i),
            "add_pr_curve %s" % kind,
        )
        kind_rows, ratio = _time_rows(ctx, res, lossy, label=kind)
        rows.extend(kind_rows)
        _ratio_verdict(
            ctx,
            sec,
            res,
            lossy,
            ratio,
            "tinytb add_pr_curve 10k %s e2e <= %gx PyTorch" % (kind, TARGET_PR_CURVE_RATIO),
            TARGET_PR_CURVE_RATIO,
        )
    sec.table(["predictions", "library", "caller/call", "e2e/call", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; e2e = (calls + close()) / k; each event is ~3.1 KB "
        "(6 x 127 float32)." % (rounds, k)
    )
    return sec


# --------------------------------------------------------------------------
# 10. add_histogram of a Python list of 1e6 floats


def _normal_list(np, n, seed):
    """The float32 normals of histogram_1e6 as a list of Python floats (float64 values)."""
    return _normal_f32(np, n, seed).astype(float).tolist()


@benchmark("histogram_list_1e6", "add_histogram of a list of 1e6 Python floats: ns per value")
def bench_histogram_list(ctx):
    sec = Section(
        "10. add_histogram: a Python list of 1,000,000 floats (the values of 8, "
        ".astype(float).tolist()), default bins, k calls then close()"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    n = 1000000
    values = _normal_list(np, n, 5)
    k = 1 if ctx.quick else 3
    rounds = ctx.rounds(3, 2)
    res, lossy = _calls_then_close(
        ctx,
        sec,
        ctx.libs,
        rounds,
        k,
        lambda w, i: w.add_histogram("h", values, i),
        "add_histogram list 1e6",
        # PyTorch's add_histogram does not take a list: it gets np.array(the list), the
        # conversion timed with the call (the anchor a PyTorch user would write).
        calls={BASELINE: lambda w, i: w.add_histogram("h", np.array(values), i)},
    )
    rows, _ratio = _time_rows(ctx, res, lossy, per=n)
    for row in rows:
        if any(lib.name == BASELINE and row[0].startswith(lib.label) for lib in ctx.libs):
            row[0] += " on np.array(list)"
    sec.table(["library", "caller/call", "e2e/call", "e2e per value", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d calls; e2e = (calls + close()) / k. tinytb and tensorboardX get the "
        "list itself; PyTorch's add_histogram does not take a list, so its row times "
        "add_histogram(np.array(the_list)), the conversion (%s alone, best of 3) included: the "
        "side-by-side anchor. The target is tinytb's ns per value (its pure-Python path)."
        % (rounds, k, fmt_time(_best_time(lambda: np.array(values))))
    )
    target = "tinytb add_histogram of a list of 1e6 floats <= %g ns/value" % (
        TARGET_HISTOGRAM_LIST_NS
    )
    e2e = medians(res, "e2e").get("tinytb")
    if e2e is None:
        sec.verdict(target, *_unmeasured(ctx))
    elif "tinytb" in lossy:
        sec.verdict(target, False, "tinytb lost events (see below)")
    else:
        torch_e2e = medians(res, "e2e").get(BASELINE)
        sec.verdict(
            target,
            e2e / n * 1e9 <= TARGET_HISTOGRAM_LIST_NS,
            "tinytb %.0f ns/value (%s per call)%s"
            % (
                e2e / n * 1e9,
                fmt_time(e2e),
                ""
                if torch_e2e is None
                else "; torch on np.array(list) %.0f ns/value" % (torch_e2e / n * 1e9),
            ),
        )
    return sec


def _best_time(fn, runs=3):
    """The fastest of ``runs`` calls of fn(), GC off (for a note, not a verdict)."""
    best = None
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            t = time.perf_counter() - t0
            best = t if best is None else min(best, t)
    finally:
        gc.enable()
    return best


# --------------------------------------------------------------------------
# 11. add_embedding of 10,000 x 128 float32 with 10,000 string labels

TARGET_EMBEDDING_RATIO = 0.5  # e2e (call + close()) at most half of PyTorch's (issue 13)


def _embedding_inputs(np, n=10000, dim=128):
    """(mat, metadata): n x dim float32 normals and n string labels (100 distinct)."""
    mat = np.random.default_rng(7).standard_normal((n, dim)).astype(np.float32)
    return mat, ["label_%d" % (i % 100) for i in range(n)]


def _embedding_check(log_dir, k, n):
    """(complete embeddings, problems): steps 0..k-1 each have tensors.tsv and metadata.tsv of
    n lines under <step:05d>/default/, named in projector_config.pbtxt."""
    problems = []
    try:
        with open(os.path.join(log_dir, "projector_config.pbtxt")) as f:
            config = f.read()
    except OSError:
        config = ""
        problems.append("no projector_config.pbtxt")
    done = 0
    for step in range(k):
        sub = "%05d/default" % step
        ok = sub + "/tensors.tsv" in config
        if not ok and config:
            problems.append("%s not in projector_config.pbtxt" % sub)
        for name in ("tensors.tsv", "metadata.tsv"):
            try:
                with open(os.path.join(log_dir, sub, name), "rb") as f:
                    lines = f.read().count(b"\n")
            except OSError:
                problems.append("%s/%s missing" % (sub, name))
                ok = False
                continue
            if lines != n:
                problems.append("%s/%s has %d lines, expected %d" % (sub, name, lines, n))
                ok = False
        done += ok
    return done, problems


@benchmark("embedding_10k", "add_embedding of 10k x 128 float32 with metadata: time per call")
def bench_embedding(ctx):
    sec = Section(
        "11. add_embedding: 10,000 x 128 float32 (normals) with metadata (10,000 string "
        "labels), k calls (steps 0..k-1) then close()"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    mat, meta = _embedding_inputs(np)
    n = len(meta)
    k = 1
    rounds = ctx.rounds(5, 1)
    res, lossy = _calls_then_close(
        ctx,
        sec,
        ctx.libs,
        rounds,
        k,
        lambda w, i: w.add_embedding(mat, metadata=meta, global_step=i),
        "add_embedding 10k x 128",
        check=lambda d, k: _embedding_check(d, k, n),
        what="log dir holds %d complete embeddings, expected %d",
    )
    rows, ratio = _time_rows(ctx, res, lossy)
    sec.table(["library", "caller/call", "e2e/call", "e2e / torch's"], rows)
    sec.note(
        "%d rounds of %d call; e2e = (call + close()) / k. Each call writes tensors.tsv "
        "(~25 MB of text), metadata.tsv and projector_config.pbtxt; afterwards both TSV files "
        "must hold 10,000 lines and the config must name the tensors. PyTorch's add_embedding "
        "runs without TensorFlow (tensorboard's tf.io.gfile stub)." % (rounds, k)
    )
    _ratio_verdict(
        ctx,
        sec,
        res,
        lossy,
        ratio,
        "tinytb add_embedding 10k x 128 e2e <= %gx PyTorch" % TARGET_EMBEDDING_RATIO,
        TARGET_EMBEDDING_RATIO,
    )
    return sec


# --------------------------------------------------------------------------
# 12. Peak extra memory of one call with a large input

TARGET_PEAK_RATIO = 2.0  # peak extra memory of a call <= 2x the input's size (issue 13)


def _traced_peak(call):
    """Peak bytes allocated, and not yet freed, during ``call()``, by tracemalloc.

    tracemalloc traces only what is allocated after start(), so the figure is the call's
    own high-water mark above what existed before it: Python objects and numpy's array
    buffers (numpy reports them to tracemalloc), not torch's or protobuf's C++ allocators."""
    import tracemalloc

    if tracemalloc.is_tracing():
        raise RuntimeError("tracemalloc is already tracing (PYTHONTRACEMALLOC set?)")
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _memory_cases(np):
    """The large inputs of the time benchmarks, as ([(name, input bytes, {library name:
    fn(writer, step)}, {library name: warm-up fn(writer, step)})], the list of floats, the
    metadata's bytes). A library without an entry of its own uses the 'tinytb' one."""
    values = _normal_f32(np, 1000000, 5)
    lst = values.astype(float).tolist()
    labels, preds = _pr_inputs(np)
    img = _continuous(np, _photo(np))
    clip = _clip(np)
    mat, meta = _embedding_inputs(np)
    meta_bytes = sum(len(m.encode("utf-8")) + 1 for m in meta)  # as metadata.tsv lines

    def hist(v):
        return lambda w, i: w.add_histogram("h", v, i)

    cases = [
        (
            "add_histogram 1e6 float32",
            values.nbytes,
            {"tinytb": hist(values)},
            {"tinytb": hist(values[:1000])},
        ),
        (
            "add_histogram list of 1e6 floats",
            8 * len(lst),
            {"tinytb": hist(lst), BASELINE: lambda w, i: w.add_histogram("h", np.array(lst), i)},
            {"tinytb": hist(lst[:1000]), BASELINE: hist(values[:1000].astype(float))},
        ),
    ]
    for kind in ("float32", "float64"):
        p = preds[kind]
        cases.append(
            (
                "add_pr_curve 10k %s" % kind,
                labels.nbytes + p.nbytes,
                {"tinytb": lambda w, i, p=p: w.add_pr_curve("pr", labels, p, i)},
                {"tinytb": lambda w, i, p=p: w.add_pr_curve("pr", labels[:100], p[:100], i)},
            )
        )
    cases += [
        (
            "add_image 3x512x512 float32 continuous",
            img.nbytes,
            {"tinytb": lambda w, i: w.add_image("img", img, i)},
            {"tinytb": lambda w, i: w.add_image("img", img[:, :16, :16], i)},
        ),
        (
            "add_audio 10 s 44.1 kHz float32",
            clip.nbytes,
            {"tinytb": lambda w, i: w.add_audio("clip", clip, i, sample_rate=44100)},
            {"tinytb": lambda w, i: w.add_audio("clip", clip[:1000], i, sample_rate=44100)},
        ),
        (
            "add_embedding 10k x 128 float32 + metadata",
            mat.nbytes + meta_bytes,
            {"tinytb": lambda w, i: w.add_embedding(mat, metadata=meta, global_step=i)},
            {"tinytb": lambda w, i: w.add_embedding(mat[:10], metadata=meta[:10], global_step=i)},
        ),
    ]
    return cases, lst, meta_bytes


@benchmark("memory", "peak extra memory of one large-input call (tracemalloc), vs input size")
def bench_memory(ctx):
    sec = Section(
        "12. Peak extra memory of one call with a large input (tracemalloc), against the "
        "input's size"
    )
    np = _numpy(sec)
    if np is None:
        return sec
    import tracemalloc

    if tracemalloc.is_tracing():
        sec.note("tracemalloc is already tracing (PYTHONTRACEMALLOC?): skipped.")
        return sec
    cases, lst, meta_bytes = _memory_cases(np)
    libs = [lib for lib in ctx.libs if lib.name in ("tinytb", BASELINE)]
    rows = []
    list_peak = None
    for name, nbytes, calls, warm in cases:

        def one(lib, r, calls=calls, warm=warm):
            call = calls.get(lib.name, calls["tinytb"])
            warm_up = warm.get(lib.name, warm["tinytb"])
            d = temp_logdir()
            try:
                w = lib.writer_class(d)
                warm_up(w, 0)  # lazy imports and first-call caches are not the call's memory
                peak = _traced_peak(lambda: call(w, 1))
                w.close()
                return {"peak": peak}
            finally:
                shutil.rmtree(d, ignore_errors=True)

        res = ctx.interleave(libs, 1, one, progress="memory %s" % name)
        peak = medians(res, "peak")
        if "list" in name:
            list_peak = peak.get("tinytb")
        row = [name, "{:,}".format(nbytes)]
        for lib in libs:
            p = peak.get(lib.name)
            row += ["-", "-"] if p is None else ["{:,}".format(p), "%.3fx" % (p / nbytes)]
        rows.append(row)
        target = "tinytb peak extra memory of %s <= %gx input" % (name, TARGET_PEAK_RATIO)
        if peak.get("tinytb") is None:
            sec.verdict(target, *_unmeasured(ctx))
        else:
            detail = "%.2f MB peak extra for %.2f MB of input: %.3fx" % (
                peak["tinytb"] / 1e6,
                nbytes / 1e6,
                peak["tinytb"] / nbytes,
            )
            if peak.get(BASELINE) is not None:
                detail += " (torch %.3fx, Python and numpy memory only)" % (peak[BASELINE] / nbytes)
            sec.verdict(target, peak["tinytb"] <= TARGET_PEAK_RATIO * nbytes, detail)
    headers = ["call", "input bytes"]
    for lib in libs:
        headers += ["%s peak extra" % lib.label, "%s / input" % lib.name]
    sec.table(headers, rows)
    sizeof = sys.getsizeof(lst) + sum(sys.getsizeof(x) for x in lst)
    sec.note(
        "Peak extra = tracemalloc's peak over one call (started right before it, after a "
        "warm-up call with a small slice on the same writer): what the call allocates on top "
        "of what exists, Python objects and numpy array buffers (numpy reports them to "
        "tracemalloc). PyTorch's figure is a lower bound, for reference: torch's and "
        "protobuf's C++ allocations are not traced. One measurement per call (the figure does "
        "not depend on the machine's load)."
    )
    sec.note(
        "Input bytes: the arrays' nbytes (pr_curve: labels int64 + predictions; embedding: "
        "the matrix + the metadata as TSV lines, %s bytes); the list of 1e6 floats counts as "
        "8 bytes per value, the float64 it means. By sys.getsizeof the list and its float "
        "objects hold %s bytes%s. PyTorch's list row is add_histogram(np.array(list))."
        % (
            "{:,}".format(meta_bytes),
            "{:,}".format(sizeof),
            ""
            if list_peak is None
            else ": tinytb's peak against that size is %s" % fmt_ratio(list_peak / sizeof),
        )
    )
    return sec


# --------------------------------------------------------------------------
# 13. SummaryWriter(ranks="zero") on a rank other than 0 (issue 14)

TARGET_IDLE_NS = 500.0  # an add_* call on an idle rank costs at most 0.5 us

_IDLE_CHILD = r"""
import json, os, sys, threading, timeit
import tinytb
log_dir = sys.argv[1]
imported, threads = set(sys.modules), threading.active_count()
w = tinytb.SummaryWriter(log_dir, ranks="zero")
n, out = int(sys.argv[2]), {"kind": type(w).__name__}
for name, stmt in (
    ("add_scalar", "w.add_scalar('loss', 0.5, 10)"),
    ("add_histogram", "w.add_histogram('h', values, 10)"),
    ("add_image", "w.add_image('i', values, 10, dataformats='HW')"),
):
    g = {"w": w, "values": [[0.5, 1.0]]}
    out[name] = min(timeit.repeat(stmt, globals=g, number=n, repeat=5)) / n
w.close()
out["new_modules"] = sorted(set(sys.modules) - imported)
out["new_threads"] = threading.active_count() - threads
out["made_dir"] = os.path.exists(log_dir)
print(json.dumps(out))
"""


@benchmark("idle_rank", "add_* on a rank that does not write (ranks='zero', RANK=1): ns per call")
def bench_idle_rank(ctx):
    import json

    sec = Section(
        '13. SummaryWriter(ranks="zero") on rank 1 (RANK=1): time of an add_* call, '
        "and what the idle writer leaves behind"
    )
    n = 20000 if ctx.quick else 200000
    scratch = tempfile.mkdtemp(prefix="tinytb-idle-")
    try:
        log_dir = os.path.join(scratch, "run")
        env = _child_env(REPO, RANK="1")
        p = subprocess.run(
            [sys.executable, "-c", _IDLE_CHILD, log_dir, str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    target = "tinytb idle add_* <= %g ns per call" % TARGET_IDLE_NS
    if p.returncode != 0:
        sec.failures.append("idle writer child failed: %s" % p.stderr.strip()[-300:])
        sec.verdict(target, False, "the child process failed")
        return sec
    out = json.loads(p.stdout.strip().splitlines()[-1])
    calls = ("add_scalar", "add_histogram", "add_image")
    sec.table(["call", "per call"], [[c, "%.0f ns" % (out[c] * 1e9)] for c in calls])
    sec.note(
        "best of 5 timeit loops of %s calls in a fresh process with RANK=1 (the loop's own "
        "cost included); writer class %s; "
        "modules imported by it and its calls: %s; threads started: %d; log dir created: %s"
        % (
            "{:,}".format(n),
            out["kind"],
            out["new_modules"] or "none",
            out["new_threads"],
            out["made_dir"],
        )
    )
    worst = max(out[c] for c in calls) * 1e9
    clean = not out["new_modules"] and not out["new_threads"] and not out["made_dir"]
    if not clean:
        sec.failures.append("the idle writer imported, started a thread or made a directory")
    sec.verdict(target, worst <= TARGET_IDLE_NS and clean, "slowest %.0f ns" % worst)
    return sec


# --------------------------------------------------------------------------
# Driver


def profile_scalar(lib, n=20000, top=15):
    """Print where one library's add_scalar loop spends its time."""
    import cProfile
    import io
    import pstats

    values = _values(n)
    d = temp_logdir()
    try:
        w = lib.writer_class(d)
        prof = cProfile.Profile()
        prof.enable()
        for i in range(n):
            w.add_scalar(SCALAR_TAG, values[i], i)
        w.close()
        prof.disable()
        events, _b, problems = count_events(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print()
    print(
        "### profile: %s, %d x add_scalar + close() (events in file: %d%s)"
        % (lib.label, n, events, "; " + "; ".join(problems) if problems else "")
    )
    print("    (cProfile sees the calling thread only; a background writer thread is not profiled)")
    print(out.getvalue())


def print_section(sec, markdown):
    print()
    print(("### " if markdown else "") + sec.title)
    print()
    for headers, rows in sec.tables:
        print(render_table(headers, rows, markdown))
        print()
    for note in sec.notes:
        print(("- " if markdown else "  ") + note)


def main(argv=None):
    names = [b[0] for b in BENCHMARKS]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: fewer rounds and calls (about a minute and a half with all three)",
    )
    ap.add_argument(
        "--only", metavar="NAMES", help="comma-separated benchmarks to run (%s)" % ", ".join(names)
    )
    ap.add_argument(
        "--libs",
        metavar="NAMES",
        default="tinytb,torch,tbx",
        help="comma-separated libraries to compare (default: %(default)s)",
    )
    ap.add_argument("--rounds", type=int, help="override the number of rounds")
    ap.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    ap.add_argument(
        "--json", metavar="PATH", help="also write every per-round measurement to PATH as JSON"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="instead of benchmarking, profile 20,000 add_scalar + close() "
        "of each library with cProfile and print the top functions",
    )
    args = ap.parse_args(argv)

    if args.list:
        for name, desc, _fn in BENCHMARKS:
            print("%-20s %s" % (name, desc))
        return 0
    selected = names if not args.only else [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in selected if s not in names]
    if unknown:
        ap.error("unknown benchmark(s): %s" % ", ".join(unknown))
    wanted = [s.strip() for s in args.libs.split(",") if s.strip()]

    print(
        "tinytb writer benchmarks (%s)%s"
        % (
            "profile" if args.profile else "quick" if args.quick else "full",
            "" if args.rounds is None else ", rounds=%d" % args.rounds,
        )
    )
    print(
        "date %s · python %s (%s) · %s · %d cores · %s"
        % (
            time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            platform.python_version(),
            sys.executable,
            platform.platform(terse=True),
            os.cpu_count() or 0,
            platform.processor() or platform.machine(),
        )
    )
    if hasattr(os, "getloadavg"):
        print(
            "load average at start %.2f %.2f %.2f (other work on the machine skews timings; "
            "the per-round ratios are the most robust figures)" % os.getloadavg()
        )

    libs = [lib for lib in all_libs() if lib.name in wanted]
    loaded = []
    for lib in libs:
        t0 = time.perf_counter()
        if lib.load():
            print(
                "  %-24s %-10s loaded in %s"
                % (lib.label, lib.version, fmt_time(time.perf_counter() - t0))
            )
            loaded.append(lib)
        else:
            print("  %-24s skipped: not importable (%s)" % (lib.label, lib.error))
    if not any(lib.name == BASELINE for lib in loaded):
        print("  note: PyTorch's writer is not available; ratios against it are not measured")

    if args.profile:
        for lib in loaded:
            profile_scalar(lib)
        return 0

    ctx = Context(loaded, args.quick, args.rounds, args.markdown)
    ctx.all_libs = libs

    sections = []
    started = time.perf_counter()
    for name, _desc, fn in BENCHMARKS:
        if name not in selected:
            continue
        try:
            sec = fn(ctx)
        except Exception:
            sec = Section("%s: crashed" % name)
            sec.failures.append("benchmark %r raised:\n%s" % (name, traceback.format_exc()))
        sections.append(sec)
        print_section(sec, args.markdown)

    if args.json:
        import json

        with open(args.json, "w") as f:
            json.dump(
                {
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "python": platform.python_version(),
                    "quick": args.quick,
                    "libs": {lib.name: lib.version for lib in loaded},
                    "sections": [
                        {
                            "title": sec.title,
                            "rounds": sec.raw,
                            "verdicts": sec.verdicts,
                            "failures": sec.failures,
                        }
                        for sec in sections
                    ],
                },
                f,
                indent=1,
                default=str,
            )
    print()
    print("Verdicts (elapsed %.0f s):" % (time.perf_counter() - started))
    failures = []
    failures.extend("%s crashed:\n%s" % c for c in ctx.crashes)
    for sec in sections:
        for target, status, detail in sec.verdicts:
            print("  %-4s %s: %s" % (status, target, detail))
        failures.extend(sec.failures)
    if failures:
        print()
        print("CORRECTNESS FAILURES:")
        for f in failures:
            print("  - " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
