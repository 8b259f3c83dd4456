"""``tinytb export`` read back by pandas, polars and DuckDB (issue 11: "sqlite with a documented
schema ... that pandas, polars and DuckDB read").

One log tree (tinytb's SummaryWriter through reader_logs.write_tinytb, plus a run of tensors,
odd names and odd values, plus TensorFlow 2's tf.summary through reader_logs.write_tf2) is
exported by the command line, ``python -m tinytb export LOGDIR -o OUT --format F --media``, in
all three formats. Each library reads each format (the reading calls are ``READS`` below) and
must see, kind by kind, the rows of ``tinytb.reader.iter_rows(logdir, convert_tensors=True)``:
the documented columns in order, the same number of rows in the same order, run/tag/step,
wall_time and every float bit for bit (with docs/export.md's non-finite spellings: "NaN",
"Infinity", "-Infinity" in JSON, NULL for NaN in SQLite REAL columns), histogram lists, tensor
dtype/shape/values, hparams by their ``type`` column, and media paths that exist and hold the
event file's encoded bytes.

What the libraries need beyond a bare call, each found here and said at its reading call:
- pandas ``read_csv``: ``keep_default_na=False`` (the top run "" stays "") and "NaN" as NA in
  the REAL columns only (a text "NaN" stays text); TEXT columns as ``str`` (a text "12" is no
  number). ``read_json``: ``dtype=False`` (else ``wall_time``, a name ending in ``_time``,
  becomes a datetime) and ``precise_float=True`` (else 1.0000000031710769e-30 reads back as
  1.0000000031710762e-30); even so it refuses subnormal doubles (a float64 tensor holding
  5e-324: "Range error"), so pandas' jsonl comparison reads an export without that one run
  (test_pandas_read_json_subnormal pins both). ``read_sql(query, sqlite3 connection)``: as is.
- polars ``read_csv``: ``empty_string_is_null=False`` (the top run "" and an empty text),
  TEXT columns as String. ``read_ndjson``: an explicit ``schema`` (the mixed columns as
  String): no inference finds one type for "value" (a float, "NaN", a string, lists of any
  depth) -- it fails even with ``infer_schema_length=None``. ``read_database(query, sqlite3
  connection)``: as is; the untyped hparams ``value`` column comes back as String.
- DuckDB ``read_csv``: ``force_not_null`` on the TEXT columns (an empty field is NULL
  otherwise), TEXT columns typed VARCHAR. ``read_json``: ``sample_size=-1`` (types from the
  first 20480 rows otherwise: a log starting with that many scalars fails on its first text,
  test_duckdb_read_json_samples); "value" is JSON text. The sqlite file: DuckDB 2.0.1 reads
  SQLite only through its sqlite extension, which it downloads on first use (no wheel on the
  package registry matches 2.0.1: duckdb-ext-sqlite 1.4.4 loads into DuckDB 1.4.4 only);
  test_library_reads_export[duckdb-sqlite] compares the rows when the extension loads and
  otherwise asserts that the download is what failed. (Checked by hand with DuckDB 1.4.4 and
  duckdb-ext-sqlite 1.4.4.20260205, the one pairing a wheel allows: every row the same; the
  hparams "value" column, declared with no type, comes back as BLOB of the value's text.)
test_bare_calls_fall_short shows what docs/export.md's bare calls lose on this log.

What docs/export.md does not say, taken here as the export's behaviour:
- SQLite stores a REAL column's -0.0 as the integer 0 (its "integral reals as integers"
  optimisation): -0.0 reads back as 0.0 from the sqlite file, whatever the library
  (``_float_problem``; JSON text in sqlite cells keeps -0.0).
- A 0-d tensor's ``dtype`` is named from the Python value iter_rows gives (float64, int64,
  bool, object): a 0-d float32 tensor exports as "float64" (``_tensor_expected``).

This module needs the reader stack (conformance/requirements-reader.txt, which pins pandas,
polars, DuckDB and TensorFlow). Without it the module skips -- unless TINYTB_READER_STACK=1,
which says the stack must be there: then a missing package fails.

    TINYTB_READER_STACK=1 .venv-reader/bin/python -m pytest conformance/test_export_readers.py
"""

import importlib.util
import json
import math
import os
import struct
import subprocess
import sys

import pytest

from . import deps

STACK = ("numpy", "pandas", "polars", "duckdb", "tensorflow", "tensorboard")
HINT = deps.READER_HINT
deps.need_reader_stack(STACK)

KINDS = ("scalars", "tensors", "histograms", "images", "audio", "text", "hparams")
FORMATS = ("csv", "jsonl", "sqlite")
LIBS = ("pandas", "polars", "duckdb")

# docs/export.md, "Columns": every table's columns (name, SQLite type), written out here from
# the page (not imported from tinytb/_export.py: the page is what users read).
COMMON = (("run", "TEXT"), ("tag", "TEXT"), ("step", "INTEGER"), ("wall_time", "REAL"))
COLUMNS = {
    "scalars": (("value", "REAL"),),
    "tensors": (("dtype", "TEXT"), ("shape", "TEXT"), ("value", "TEXT")),
    "histograms": (
        ("min", "REAL"), ("max", "REAL"), ("num", "REAL"), ("sum", "REAL"),
        ("sum_squares", "REAL"), ("limits", "TEXT"), ("counts", "TEXT"),
    ),
    "images": (
        ("width", "INTEGER"), ("height", "INTEGER"), ("colorspace", "INTEGER"),
        ("format", "TEXT"), ("size", "INTEGER"), ("path", "TEXT"),
    ),
    "audio": (
        ("sample_rate", "REAL"), ("num_channels", "INTEGER"), ("length_frames", "INTEGER"),
        ("content_type", "TEXT"), ("format", "TEXT"), ("size", "INTEGER"), ("path", "TEXT"),
    ),
    "text": (("value", "TEXT"),),
    "hparams": (("value", ""), ("type", "TEXT")),
}  # fmt: skip
# Columns holding JSON (text in csv and sqlite, native in jsonl).
JSON_COLUMNS = {"tensors": ("shape", "value"), "histograms": ("limits", "counts")}
# docs/export.md, "Non-finite floats": JSON's strings for the floats JSON cannot hold.
JSON_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
# docs/export.md, images/audio "format": the encoded file's type by its magic bytes.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"\xff\xd8\xff", "jpg"),
    (b"RIFF", "wav"),
)

ODD_RUN = 'odd, "run"'  # csv quoting, a folder name percent-encoded in media paths
ODD_TAG = "a b/\u00fc,x"
SUBNORMAL_RUN = "subnormal"
SUBNORMALS = (5e-324, -5e-324, 2.225073858507201e-308, 1e-310)
ODD_TEXTS = ("NaN", "12", "", 'line\nbreak, "quoted"')


def _columns(kind):
    return [name for name, _ in COMMON + COLUMNS[kind]]


def _typed(kind, sql_type):
    return [name for name, t in COMMON + COLUMNS[kind] if t == sql_type]


# ---------------------------------------------------------------------------
# The log and its exports


def _write_extra(module, root):
    """Tensors of several dtypes, odd run/tag names, texts that look like numbers or NaN, a
    histogram with non-finite statistics: what the shared writers do not cover."""
    import numpy as np

    wall = 1700000000.0
    w = module.SummaryWriter(os.path.join(root, ODD_RUN))
    w.add_tensor("t/f32", np.array([[1.5, np.nan], [np.inf, -0.0]], np.float32), 0, walltime=wall)
    w.add_tensor("t/f64", np.array([1e-300, -np.inf, 1.7976931348623157e308]), 1, walltime=wall)
    w.add_tensor("t/i64", np.arange(-2, 3, dtype=np.int64), 2, walltime=wall)
    w.add_tensor("t/u8", np.arange(6, dtype=np.uint8).reshape(2, 3), 3, walltime=wall)
    w.add_tensor("t/bool", np.array([True, False]), 4, walltime=wall)
    w.add_tensor("t/scalar", np.float64(2.5), 5, walltime=wall)
    w.add_tensor("t/scalar32", np.float32(-0.0), 6, walltime=wall)
    w.add_tensor("t/int32", np.int32(-7), 7, walltime=wall)
    for i, value in enumerate((-0.0, 1e-45, 3.4028234663852886e38, math.nan, -math.inf)):
        w.add_scalar(ODD_TAG, value, i, walltime=wall + 0.1 * i)
    for i, text in enumerate(ODD_TEXTS):
        w.add_text("odd text", text, i, walltime=wall)
    w.add_histogram_raw(
        "h/raw", -1.0, 2.0, 3, math.nan, math.inf, [0.0, 1.0, 2.0], [1, 0, 2], 0, walltime=wall
    )
    w.add_image(ODD_TAG, np.zeros((2, 3, 3), np.uint8), 0, walltime=wall, dataformats="HWC")
    w.add_image(ODD_TAG, np.ones((2, 3, 3), np.uint8), 0, walltime=wall, dataformats="HWC")
    w.add_hparams({"neg": -0.5, "name": "NaN", "on": False}, {"m": 1.0}, run_name="hp2")
    w.close()
    # Subnormal doubles in a run of their own: pandas.read_json cannot read them exactly
    # (test_pandas_read_json_subnormal), so its jsonl comparison reads an export without them.
    w = module.SummaryWriter(root)  # the top run "": an empty field in csv
    w.add_scalar("top", -0.0, 0, walltime=wall)
    w.add_text("top", "", 0, walltime=wall)
    w.add_image("top", np.full((2, 2, 3), 7, np.uint8), 0, walltime=wall, dataformats="HWC")
    w.close()
    # (Scalars are float32 in the event: 1e-45 above is a float32 subnormal, a normal double.)
    w = module.SummaryWriter(os.path.join(root, SUBNORMAL_RUN))
    w.add_tensor("tiny", np.array(SUBNORMALS), 0, walltime=wall)
    tiny = SUBNORMALS[0]
    w.add_histogram_raw("tiny", tiny, 2 * tiny, 2, 3 * tiny, 0.0, [tiny, 2 * tiny], [1, 1], 0)
    w.close()


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """{"logdir": ..., "rows": {kind: [Row]}, fmt: (OUT, folder media paths are relative to)}."""
    deps.check_reader_stack(STACK)  # only reached with TINYTB_READER_STACK=1
    from . import reader_logs, target

    module = target.load()
    root = tmp_path_factory.mktemp("export-readers")
    logdir = str(root / "logs")
    reader_logs.write_tinytb(os.path.join(logdir, "tinytb"))
    reader_logs.write_tf2(os.path.join(logdir, "tf2"))
    _write_extra(module, logdir)
    reader = importlib.import_module(module.__name__ + ".reader")
    rows = {kind: [] for kind in KINDS}
    for row in reader.iter_rows(logdir, convert_tensors=True):
        rows[row.kind].append(row)
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(module.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    out = {"logdir": logdir, "rows": rows}
    # key -> (format, options): the three formats; jsonl without the subnormal run; and
    # without --media ("path" empty in csv, null in jsonl, NULL in sqlite)
    exports = {fmt: (fmt, ["--media"]) for fmt in FORMATS}
    exports["jsonl-normal"] = ("jsonl", ["--media", "--runs", "^(?!%s$)" % SUBNORMAL_RUN])
    for fmt in FORMATS:
        exports[fmt + "-nomedia"] = (fmt, ["--kinds", "images,audio"])
    for key, (fmt, options) in exports.items():
        path = str(root / ("export-%s.%s" % (key, fmt)))
        command = [sys.executable, "-m", module.__name__, "export", logdir, "-o", path]
        command += ["--format", fmt] + options
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        out[key] = (path, path if fmt == "csv" else str(root))
    return out


# ---------------------------------------------------------------------------
# Reading: each library, each format -> {kind: (column names, [raw row tuple])}


def _pandas_frame(df):
    """Column names and rows of Python values (numpy scalars unwrapped, NA as None)."""
    import pandas as pd

    def cell(v):
        if v is None or (not isinstance(v, (list, str, bytes)) and pd.isna(v) is True):
            if isinstance(v, float):
                return v  # a float NaN read from a float column stays NaN
            return None
        return v.item() if hasattr(v, "item") else v

    return list(df.columns), [tuple(cell(v) for v in r) for r in df.itertuples(index=False)]


def _read_pandas(fmt, path, kinds):
    import sqlite3

    import pandas as pd

    out = {}
    if fmt == "csv":
        for kind in kinds:
            # keep_default_na=False: "" (the top run, an empty text) stays "". "NaN" is NA in
            # the REAL columns only; TEXT columns as str: a text "12" or "NaN" stays text.
            df = pd.read_csv(
                os.path.join(path, kind + ".csv"),
                keep_default_na=False,
                na_values={c: ["NaN"] for c in _typed(kind, "REAL")},
                dtype={c: str for c in _typed(kind, "TEXT") + _typed(kind, "")},
            )
            out[kind] = _pandas_frame(df)
    elif fmt == "jsonl":
        # dtype=False: no guessing (wall_time would become a datetime: pandas converts columns
        # named *_time); precise_float=True: pandas' fast float parser is off by an ulp or so.
        df = pd.read_json(path, lines=True, dtype=False, precise_float=True)
        for kind in kinds:
            part = df[df["kind"] == kind][_columns(kind)]
            out[kind] = _pandas_frame(part)
    else:
        con = sqlite3.connect(path)
        try:
            for kind in kinds:
                out[kind] = _pandas_frame(pd.read_sql('SELECT * FROM "%s"' % kind, con))
        finally:
            con.close()
    return out


def _read_polars(fmt, path, kinds):
    import sqlite3

    import polars as pl

    out = {}
    if fmt == "csv":
        for kind in kinds:
            df = pl.read_csv(
                os.path.join(path, kind + ".csv"),
                empty_string_is_null=False,  # the top run "" and empty texts stay ""
                schema_overrides={c: pl.String for c in _typed(kind, "TEXT") + _typed(kind, "")},
            )
            out[kind] = (df.columns, df.rows())
    elif fmt == "jsonl":
        # No inference: "value" is a number, a string or a list of any depth as the kind and
        # the tensor go, and REAL columns hold "NaN"/"Infinity" strings; polars cannot find one
        # type for them ("failed to determine supertype of struct[8] and struct[8]" on tensors
        # of two ranks, even with infer_schema_length=None or schema_overrides). With a schema
        # those columns are String: polars' text of the JSON value.
        df = pl.read_ndjson(path, schema=_polars_jsonl_schema(pl))
        for kind in kinds:
            part = df.filter(pl.col("kind") == kind).select(_columns(kind))
            out[kind] = (part.columns, part.rows())
    else:
        con = sqlite3.connect(path)
        try:
            for kind in kinds:
                df = pl.read_database('SELECT * FROM "%s"' % kind, con)
                out[kind] = (df.columns, df.rows())
        finally:
            con.close()
    return out


def _read_duckdb(fmt, path, kinds):
    import duckdb

    out = {}
    con = duckdb.connect()
    try:
        if fmt == "csv":
            for kind in kinds:
                text = _typed(kind, "TEXT") + _typed(kind, "")
                rel = con.read_csv(
                    os.path.join(path, kind + ".csv"),
                    force_not_null=text,  # an empty field is "" here, not NULL
                    dtype={c: "VARCHAR" for c in text},
                )
                out[kind] = (rel.columns, rel.fetchall())
        elif fmt == "jsonl":
            # sample_size=-1: types from every row (test_duckdb_read_json_samples says why)
            rel = con.sql("SELECT * FROM read_json(?, sample_size = -1)", params=[path])
            columns = rel.columns
            # a column of JSON type ("value": number, string or list) comes as its JSON text
            loads = [str(t) == "JSON" for t in rel.types]
            every = [
                tuple(_from_json(v, False) if j and v is not None else v for v, j in zip(r, loads))
                for r in rel.fetchall()
            ]
            for kind in kinds:
                pick = [columns.index(c) for c in _columns(kind)]
                rows = [tuple(r[i] for i in pick) for r in every if r[0] == kind]
                out[kind] = (_columns(kind), rows)
        else:
            # a literal, not a parameter: DuckDB 1.x does not take one in ATTACH
            con.sql("ATTACH '%s' AS export (TYPE sqlite, READ_ONLY)" % path.replace("'", "''"))
            for kind in kinds:
                rel = con.sql('SELECT * FROM export."%s"' % kind)
                out[kind] = (rel.columns, rel.fetchall())
    finally:
        con.close()
    return out


def _polars_jsonl_schema(pl):
    schema = {"kind": pl.String}
    for kind in KINDS:
        for name, sql_type in COMMON + COLUMNS[kind]:
            json_column = name in JSON_COLUMNS.get(kind, ())
            integer = sql_type == "INTEGER" and not json_column
            schema.setdefault(name, pl.Int64 if integer else pl.String)
    return schema


READS = {"pandas": _read_pandas, "polars": _read_polars, "duckdb": _read_duckdb}


# ---------------------------------------------------------------------------
# Comparing: the reader's rows as docs/export.md says each format holds them


def _float_problem(got, want, sqlite_real):
    """None when ``got`` is ``want`` bit for bit (any NaN for NaN), else a description."""
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return "%r is not a number (want %r)" % (got, want)
    got = float(got)
    if math.isnan(want):
        return None if math.isnan(got) else "%r, want NaN" % got
    if sqlite_real and want == 0.0:
        want = 0.0  # SQLite keeps a REAL -0.0 as the integer 0 (module docstring)
    if struct.pack("<d", got) != struct.pack("<d", want):
        return "%r, want %r" % (got, want)
    return None


def _json_number(text):
    """An int of a JSON document, "-0" as -0.0: some libraries write a float -0.0 back as the
    JSON integer -0 (polars' String of a JSON value)."""
    return -0.0 if text == "-0" else int(text)


def _from_json(raw, numeric):
    """A JSON cell as a library gives it (text, or already a list/number) as Python values;
    with ``numeric``, the non-finite strings become floats."""
    value = json.loads(raw, parse_int=_json_number) if isinstance(raw, str) else raw

    def fix(v):
        if isinstance(v, list):
            return [fix(x) for x in v]
        if numeric and isinstance(v, str) and v in JSON_NON_FINITE:
            return JSON_NON_FINITE[v]
        return v

    return fix(value)


def _real(raw, fmt):
    """A REAL column's cell as a float: NULL is NaN in sqlite (documented), a JSON string
    "NaN"/"Infinity"/"-Infinity" in jsonl (documented), libraries' text of a number."""
    if raw is None and fmt == "sqlite":
        return math.nan
    if isinstance(raw, str):  # jsonl's non-finite names; polars' text of a JSON number
        return JSON_NON_FINITE[raw] if raw in JSON_NON_FINITE else float(raw)
    return raw


def _same_tree(got, want, sqlite_real=False):
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return "%r, want %r" % (got, want)
        for g, w in zip(got, want):
            problem = _same_tree(g, w, sqlite_real)
            if problem:
                return problem
        return None
    if isinstance(want, float):
        return _float_problem(got, want, sqlite_real)
    if isinstance(want, bool):
        return None if got is want else "%r, want %r" % (got, want)
    return None if got == want and type(got) is type(want) else "%r, want %r" % (got, want)


def _media_format(data):
    return next((ext for magic, ext in MAGIC if data.startswith(magic)), "bin")


def _tensor_expected(value):
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value.dtype, list(value.shape), value.tolist()
    # A 0-d tensor arrives from iter_rows as a Python value: the export names its dtype by the
    # Python type (a float32 0-d tensor is "float64"); docs/export.md does not say so.
    names = {bool: "bool", int: "int64", float: "float64", complex: "complex128"}
    return names.get(type(value), "object"), [], value


def _expected(kind, row):
    """{column: documented value} of one reader Row (media: the encoded bytes for "path")."""
    v = row.value
    cells = {"run": row.run, "tag": row.tag, "step": row.step, "wall_time": row.wall_time}
    if kind in ("scalars", "text"):
        cells["value"] = v
    elif kind == "hparams":
        kind_name = "bool" if isinstance(v, bool) else "string" if isinstance(v, str) else "number"
        cells.update(value=v, type=kind_name)
    elif kind == "tensors":
        cells["dtype"], cells["shape"], cells["value"] = _tensor_expected(v)
    elif kind == "histograms":
        for name in ("min", "max", "num", "sum", "sum_squares"):
            cells[name] = float(getattr(v, name))
        cells["limits"], cells["counts"] = v.limits.tolist(), v.counts.tolist()
    else:
        if kind == "images":
            cells.update(width=v.width, height=v.height, colorspace=v.colorspace)
        else:
            cells.update(
                sample_rate=float(v.sample_rate),
                num_channels=v.num_channels,
                length_frames=v.length_frames,
                content_type=v.content_type,
            )
        cells.update(format=_media_format(v.encoded), size=len(v.encoded), path=v.encoded)
    return cells


def _cell_problem(kind, column, raw, want, fmt, base, got_row):
    sql_type = dict(COMMON + COLUMNS[kind])[column]
    if column == "path":
        if not isinstance(raw, str) or not raw:
            return "path %r" % (raw,)
        full = os.path.join(base, *raw.split("/"))
        if not os.path.isfile(full):
            return "path %r: no such file below %s" % (raw, base)
        with open(full, "rb") as f:
            return None if f.read() == want else "%s does not hold the event's bytes" % raw
    if column in JSON_COLUMNS.get(kind, ()):
        numeric = not (kind == "tensors" and got_row.get("dtype") == "object")
        return _same_tree(_from_json(raw, numeric), want)  # JSON text keeps -0.0
    if sql_type == "REAL":
        return _float_problem(_real(raw, fmt), want, fmt == "sqlite")
    if kind == "hparams" and column == "value":
        return _same_tree(_hparam(raw, got_row.get("type"), fmt), want, fmt == "sqlite")
    if sql_type == "INTEGER" and isinstance(raw, float) and raw == int(raw):
        raw = int(raw)  # pandas' jsonl frame: an integer column with NaN for other kinds
    return _same_tree(raw, want)


def _hparam(raw, type_name, fmt):
    """An hparams value as a library gives it, read by the row's ``type`` column (csv: text;
    sqlite: REAL/TEXT/INTEGER 0-1, or polars' String of them; jsonl: JSON)."""
    if isinstance(raw, bytes):  # DuckDB's sqlite scanner: a column of no type is a BLOB
        raw = raw.decode("utf-8")  # of the value's text (checked with DuckDB 1.4.4)
    if fmt == "jsonl" and isinstance(raw, str) and type_name != "string":
        raw = json.loads(raw)  # polars' String of a JSON number or boolean
    if type_name == "bool":
        if isinstance(raw, str):
            return {"true": True, "false": False, "1": True, "0": False}[raw]
        return bool(raw) if raw in (0, 1) else raw
    if type_name == "number":
        return _real(raw, fmt)
    return raw


def _compare(exported, lib, fmt, got, key=None, keep=None):
    """Assert that ``got`` (a READS result of export ``key``, default ``fmt``) holds the reader's
    rows (those ``keep(row)`` accepts, when given)."""
    base = exported[key or fmt][1]
    problems = []
    for kind in KINDS:
        columns, rows = got[kind]
        want_rows = [r for r in exported["rows"][kind] if keep is None or keep(r)]
        if list(columns) != _columns(kind):
            problems.append("%s: columns %r, want %r" % (kind, list(columns), _columns(kind)))
            continue
        if len(rows) != len(want_rows):
            problems.append("%s: %d rows, want %d" % (kind, len(rows), len(want_rows)))
            continue
        for i, (raw, row) in enumerate(zip(rows, want_rows)):
            want = _expected(kind, row)
            got_row = dict(zip(columns, raw))
            for column in columns:
                problem = _cell_problem(
                    kind, column, got_row[column], want[column], fmt, base, got_row
                )
                if problem:
                    problems.append(
                        "%s row %d (run %r tag %r step %r) %s: %s"
                        % (kind, i, row.run, row.tag, row.step, column, problem)
                    )
                    break
    assert not problems, "%s reading %s:\n%s" % (lib, fmt, "\n".join(problems[:20]))


# ---------------------------------------------------------------------------
# The tests


def test_log_holds_every_kind(exported):
    """Every kind has rows, and the odd values are there (no comparison passes on nothing)."""
    rows = exported["rows"]
    assert all(rows[kind] for kind in KINDS), {k: len(v) for k, v in rows.items()}
    assert {"", ODD_RUN, "tinytb", "tf2"} <= {r.run for r in rows["scalars"]}
    assert {r.run for r in rows["tensors"] if r.tag == "tiny"} == {SUBNORMAL_RUN}
    scalars = [r.value for r in rows["scalars"]]
    assert any(math.isnan(v) for v in scalars) and math.inf in scalars and -math.inf in scalars
    assert any(v == 0.0 and math.copysign(1.0, v) < 0 for v in scalars)
    assert {r.value for r in rows["text"] if r.run == ODD_RUN} == set(ODD_TEXTS)
    assert any(math.isnan(r.value.sum) for r in rows["histograms"])
    assert {type(r.value) for r in rows["hparams"]} == {float, str, bool}
    assert {_media_format(r.value.encoded) for r in rows["images"]} == {"png", "gif"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lib", LIBS)
def test_library_reads_export(exported, lib, fmt):
    if lib == "duckdb" and fmt == "sqlite":
        _duckdb_sqlite(exported)
        return
    if lib == "pandas" and fmt == "jsonl":  # test_pandas_read_json_subnormal says why
        got = _read_pandas(fmt, exported["jsonl-normal"][0], KINDS)
        _compare(exported, lib, fmt, got, "jsonl-normal", lambda r: r.run != SUBNORMAL_RUN)
        return
    _compare(exported, lib, fmt, READS[lib](fmt, exported[fmt][0], KINDS))


def test_pandas_read_json_subnormal(exported):
    """pandas 3.1.1's read_json cannot read a subnormal double exactly: its default parser
    flushes 5e-324 to 0.0 (and is an ulp or so off elsewhere: 1.0000000031710769e-30 reads as
    1.0000000031710762e-30), and precise_float=True refuses it ("Range error when decoding
    numeric as double", strtod's ERANGE). The export is right (json.loads reads it back); the
    other readers take it exactly. When this fails, pandas has changed: update the docstring of
    this module and docs/export.md."""
    import pandas as pd

    path = exported["jsonl"][0]
    with open(path, encoding="utf-8") as f:
        tiny = [json.loads(line) for line in f if '"%s"' % SUBNORMAL_RUN in line]
    assert [t["value"] for t in tiny if t["kind"] == "tensors"] == [list(SUBNORMALS)]
    with pytest.raises(ValueError, match="Range error"):
        pd.read_json(path, lines=True, dtype=False, precise_float=True)
    df = pd.read_json(path, lines=True, dtype=False)
    values = df[(df["kind"] == "tensors") & (df["run"] == SUBNORMAL_RUN)]["value"].tolist()
    assert values[0][0] == 0.0 != SUBNORMALS[0]


def _duckdb_sqlite(exported):
    """DuckDB reads SQLite through its sqlite extension, downloaded on first use. Offline (as
    this suite runs) the ATTACH fails on that download, and nothing else may fail; with the
    extension at hand the rows are compared as for every other reader."""
    import duckdb

    try:
        got = _read_duckdb("sqlite", exported["sqlite"][0], KINDS)
    except duckdb.IOException as exc:
        message = str(exc)
        assert "sqlite_scanner" in message and "download" in message.lower(), message
        return
    _compare(exported, "duckdb", "sqlite", got)


# DuckDB's sqlite reading needs its extension: test_library_reads_export[duckdb-sqlite]
OFFLINE_PAIRS = [
    (lib, fmt) for lib in LIBS for fmt in FORMATS if (lib, fmt) != ("duckdb", "sqlite")
]


@pytest.mark.parametrize("lib, fmt", OFFLINE_PAIRS)
def test_no_media_path(exported, lib, fmt):
    """Without --media, every library reads "path" as docs/export.md says: empty in csv (with
    the reading calls above: "" rather than null), null in jsonl, NULL in sqlite."""
    got = READS[lib](fmt, exported[fmt + "-nomedia"][0], ("images", "audio"))
    want = "" if fmt == "csv" else None
    for kind in ("images", "audio"):
        columns, rows = got[kind]
        assert len(rows) == len(exported["rows"][kind]) > 0
        paths = {r[list(columns).index("path")] for r in rows}
        if lib == "pandas" and fmt == "jsonl":  # pandas' null in a column of nothing else
            paths = {None if isinstance(p, float) and math.isnan(p) else p for p in paths}
        assert paths == {want}, (kind, paths)


def test_bare_calls_fall_short(exported):
    """Why the reading calls above pass options: the bare calls of docs/export.md's "Reading
    an export" lose values of this log. pandas.read_csv(keep_default_na=False,
    na_values=["NaN"]) makes the text "NaN" a float NaN; polars.read_csv makes the top run ""
    null; pandas.read_json(lines=True) makes wall_time a datetime."""
    import pandas as pd
    import polars as pl

    csv_dir = exported["csv"][0]
    text = pd.read_csv(os.path.join(csv_dir, "text.csv"), keep_default_na=False, na_values=["NaN"])
    odd = text[text["run"] == ODD_RUN]["value"].tolist()
    assert any(isinstance(v, float) and math.isnan(v) for v in odd), odd
    scalars = pl.read_csv(os.path.join(csv_dir, "scalars.csv"))
    assert "" in {r.run for r in exported["rows"]["scalars"]}
    assert "" not in set(scalars["run"].to_list()) and None in set(scalars["run"].to_list())
    df = pd.read_json(exported["jsonl-normal"][0], lines=True)
    assert str(df["wall_time"].dtype).startswith("datetime64")


def test_duckdb_read_json_samples(tmp_path):
    """DuckDB's read_json takes the column types from its first 20480 rows: a log whose first
    20480 rows are scalars has a DOUBLE "value", and the first text row fails ("Failed to cast
    value to numerical"). ``sample_size=-1`` reads every row first: "value" is JSON."""
    import duckdb

    from . import target

    module = target.load()
    logdir = str(tmp_path / "logs")
    w = module.SummaryWriter(logdir)
    for step in range(20481):
        w.add_scalar("x", step * 0.5, step, walltime=1700000000.0)
    w.add_text("t", "hello", 0, walltime=1700000000.0)
    w.close()
    out = str(tmp_path / "rows.jsonl")
    export = importlib.import_module(module.__name__ + "._export")
    counts = export.export(logdir, out, "jsonl")
    assert (counts["scalars"], counts["text"], sum(counts.values())) == (20481, 1, 20482)
    con = duckdb.connect()
    try:
        with pytest.raises(duckdb.InvalidInputException, match="Failed to cast value"):
            con.sql("SELECT * FROM read_json(?)", params=[out]).fetchall()
        rel = con.sql("SELECT kind, value FROM read_json(?, sample_size = -1)", params=[out])
        assert [str(t) for t in rel.types] == ["VARCHAR", "JSON"]
        rows = rel.fetchall()
    finally:
        con.close()
    assert len(rows) == 20482 and rows[-1] == ("text", '"hello"')


def test_sqlite_schema_indexes(exported):
    """One table per kind with the documented columns and SQLite types, each indexed on
    (run, tag, step) -- what pandas and polars see through the sqlite3 connection."""
    import sqlite3

    con = sqlite3.connect(exported["sqlite"][0])
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert sorted(tables) == sorted(KINDS)
        for kind in KINDS:
            info = con.execute('PRAGMA table_info("%s")' % kind).fetchall()
            assert [(r[1], r[2]) for r in info] == list(COMMON + COLUMNS[kind]), kind
            indexed = []
            for index in con.execute('PRAGMA index_list("%s")' % kind).fetchall():
                cols = con.execute('PRAGMA index_info("%s")' % index[1]).fetchall()
                indexed.append([c[2] for c in cols])
            assert ["run", "tag", "step"] in indexed, (kind, indexed)
            plan = con.execute(
                'EXPLAIN QUERY PLAN SELECT * FROM "%s" WHERE run = ? AND tag = ? AND step = ?'
                % kind,
                ("", "x", 0),
            ).fetchall()
            assert any("USING INDEX" in str(r[-1]) for r in plan), (kind, plan)
    finally:
        con.close()


def test_reader_stack_pins_readers():
    """requirements-reader.txt pins the readers this module checks, at the installed version."""
    from importlib import metadata

    here = os.path.dirname(os.path.abspath(__file__))
    pins = {}
    with open(os.path.join(here, "requirements-reader.txt")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if "==" in line:
                name, version = line.split("==")
                pins[name.strip()] = version.strip()
    for name in ("pandas", "polars", "duckdb"):
        assert name in pins, name
        assert metadata.version(name).split("+")[0] == pins[name], (name, HINT)
