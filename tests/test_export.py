"""tinytb._export: the csv, jsonl and sqlite layouts of docs/export.md read back (csv, json and
sqlite3 from the standard library; pandas in /work/venv-tf when it is there), media files next
to the export and their names that cannot leave its folder, atomic and refused overwrites,
constant memory, ``summarize`` (``tinytb ls``) and ``check`` (``tinytb check``)."""

import csv
import json
import os
import sqlite3
import subprocess
import tracemalloc

import pytest

from tinytb import SummaryWriter, _export, reader
from tinytb._record import frame
from tinytb._export import KINDS, Media, cells, export, jsonable, safe_name, to_json
from tinytb.errors import DecodeError

VENV_TF_PYTHON = "/work/venv-tf/bin/python"
NAN, INF = float("nan"), float("inf")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"  # PNG spec 5.2


def strict_json(text):
    """json.loads that refuses NaN/Infinity literals (not JSON, though Python writes them)."""

    def refuse(name):
        raise ValueError("non-standard JSON constant %s" % name)

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def log(tmp_path):
    """A log with a top run and a nested one, scalars with non-finite values, an image, an
    audio clip, a histogram, text, a tensor and hparams, at known wall times."""
    logdir = tmp_path / "runs"
    with SummaryWriter(str(logdir)) as w:
        for step, value in enumerate([0.5, NAN, INF, -INF]):
            w.add_scalar("loss", value, step, walltime=100.0 + step)
        w.add_image("img/a", [[[0, 255], [128, 64]]] * 3, 1, walltime=200.0)
        w.add_audio("snd", [0.0, 0.5, -0.5, 1.0], 2, sample_rate=8000, walltime=201.0)
        w.add_histogram("w", [1.0, 2.0, 2.5, 3.0], 3, bins=3, walltime=202.0)
        w.add_text("note", 'héllo, "world"\nline 2', 4, walltime=203.0)
    with SummaryWriter(str(logdir / "sub" / "deep")) as w:
        w.add_scalar("loss", 2.0, 7, walltime=300.0)
        w.add_scalar("acc", 0.25, 9, walltime=301.0)
    return str(logdir)


def rows_of(logdir, **kw):
    return list(reader.iter_rows(logdir, convert_tensors=True, **kw))


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def record_by_record_error(path):
    """The first DecodeError of the record-by-record reader (the oracle of the fast check)."""
    try:
        for _ in reader.iter_events(path, strict=True):
            pass
    except DecodeError as err:
        return err
    return None


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


# -- names of media files ----------------------------------------------------------------------


TRICKY = [
    "",
    ".",
    "..",
    "...",
    ".hidden",
    "a/b",
    "a%2Fb",
    "%",
    "a b",
    "a\x00b",
    "C:\\x",
    "~",
    "步骤",
    "x" * 300,
    "x" * 299 + "y",
    "step=0.png",
]


def test_safe_name_is_one_harmless_component_and_one_to_one():
    names = [safe_name(n) for n in TRICKY]
    assert len(set(names)) == len(TRICKY)  # no two names share a file
    for name in names:
        assert name and len(name) <= 200
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert not name.startswith(".")
        assert os.path.basename(name) == name
    assert safe_name("loss_1.0-x") == "loss_1.0-x"  # readable names stay as they are


@pytest.mark.parametrize(
    "run, tag",
    [("", "../../escape"), ("..", "x"), ("a/b", "/etc/passwd"), ("", "a/../../.."), ("", "")],
)
def test_media_files_stay_below_their_folder(tmp_path, run, tag):
    root = tmp_path / "media"
    media = Media(str(root), "media/")
    rel = media.write(run, tag, 3, "png", b"data")
    assert rel.startswith("media/")
    path = os.path.realpath(os.path.join(str(tmp_path), *rel.split("/")))
    assert path.startswith(os.path.realpath(str(root)) + os.sep)
    with open(path, "rb") as f:
        assert f.read() == b"data"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path.joinpath(*rel.split("/"))]


def test_media_of_the_same_step_twice_get_two_files(tmp_path):
    media = Media(str(tmp_path), "")
    first = media.write("r", "t", 5, "png", b"1")
    second = media.write("r", "t", 5, "png", b"2")
    assert first != second
    assert tmp_path.joinpath(*first.split("/")).read_bytes() == b"1"
    assert tmp_path.joinpath(*second.split("/")).read_bytes() == b"2"
    # a tag part can never be one of the files: a tag "t/step=5.png" is its own folder
    third = media.write("r", "t/step=5.png", 5, "png", b"3")
    assert tmp_path.joinpath(*third.split("/")).read_bytes() == b"3"


# -- JSON --------------------------------------------------------------------------------------


def test_json_has_no_nan_or_infinity_literals():
    text = to_json({"v": [NAN, INF, -INF, 1.5], "b": b"ok\xff", "c": 1 + 2j})
    assert strict_json(text) == {
        "v": ["NaN", "Infinity", "-Infinity", 1.5],
        "b": "ok\\xff",
        "c": [1.0, 2.0],
    }
    assert jsonable((1, True, None, "s")) == [1, True, None, "s"]


# -- the three formats -------------------------------------------------------------------------


def test_csv_has_one_file_per_kind_present_with_the_documented_columns(log, tmp_path):
    out = tmp_path / "csv"
    counts = export(log, out, "csv")
    rows = rows_of(log)
    present = sorted({r.kind for r in rows})
    assert sorted(p.name for p in out.iterdir()) == [k + ".csv" for k in present]
    assert counts == {k: sum(r.kind == k for r in rows) for k in KINDS}
    for kind in present:
        table = read_csv(out / (kind + ".csv"))
        expected = [r for r in rows if r.kind == kind]
        assert len(table) == len(expected)
        names = [c for c, _ in _export.COMMON + _export.COLUMNS[kind]]
        assert list(table[0]) == names
        for got, row in zip(table, expected):
            assert (got["run"], got["tag"], int(got["step"])) == (row.run, row.tag, row.step)
            assert float(got["wall_time"]) == row.wall_time
    scalars = read_csv(out / "scalars.csv")
    by_step = {(s["run"], int(s["step"])): s["value"] for s in scalars if s["tag"] == "loss"}
    # the spellings pandas, polars and DuckDB all read as floats (polars refuses "nan")
    assert [by_step["", i] for i in range(4)] == ["0.5", "NaN", "inf", "-inf"]
    assert by_step["sub/deep", 7] == "2.0"


def test_csv_text_and_histogram_cells_read_back(log, tmp_path):
    export(log, tmp_path / "csv", "csv")
    (text,) = read_csv(tmp_path / "csv" / "text.csv")
    assert text["value"] == 'héllo, "world"\nline 2'
    (histo,) = read_csv(tmp_path / "csv" / "histograms.csv")
    (row,) = rows_of(log, kinds=["histograms"])
    assert strict_json(histo["limits"]) == jsonable(row.value.limits.tolist())
    assert strict_json(histo["counts"]) == jsonable(row.value.counts.tolist())
    assert sum(strict_json(histo["counts"])) == float(histo["num"]) == 4


def test_jsonl_lines_carry_their_kind_and_are_strict_json(log, tmp_path):
    out = tmp_path / "all.jsonl"
    export(log, out, "jsonl")
    lines = [strict_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    rows = rows_of(log)
    assert [(d["kind"], d["run"], d["tag"], d["step"]) for d in lines] == [
        (r.kind, r.run, r.tag, r.step) for r in rows
    ]
    loss = [d["value"] for d in lines if d["kind"] == "scalars" and d["run"] == ""]
    assert loss == [0.5, "NaN", "Infinity", "-Infinity"]
    (histo,) = [d for d in lines if d["kind"] == "histograms"]
    assert isinstance(histo["limits"], list) and isinstance(histo["counts"], list)
    (image,) = [d for d in lines if d["kind"] == "images"]
    assert (image["width"], image["height"], image["format"], image["path"]) == (2, 2, "png", None)


def test_sqlite_tables_types_and_indexes(log, tmp_path):
    out = tmp_path / "log.sqlite"
    export(log, out, "sqlite", kinds=["scalars", "images", "hparams"])
    con = sqlite3.connect(str(out))
    try:
        tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"scalars", "images", "hparams"}  # every kind asked for, even empty
        for table in tables:
            (index,) = con.execute("PRAGMA index_list(%s)" % table).fetchall()
            assert [c[2] for c in con.execute("PRAGMA index_info(%s)" % index[1])] == [
                "run",
                "tag",
                "step",
            ]
        got = con.execute(
            "SELECT run, tag, step, wall_time, value, typeof(value) FROM scalars "
            "ORDER BY run, tag, step"
        ).fetchall()
    finally:
        con.close()
    assert got == [
        ("", "loss", 0, 100.0, 0.5, "real"),
        ("", "loss", 1, 101.0, None, "null"),  # SQLite has no NaN: it stores NULL
        ("", "loss", 2, 102.0, INF, "real"),
        ("", "loss", 3, 103.0, -INF, "real"),
        ("sub/deep", "acc", 9, 301.0, 0.25, "real"),
        ("sub/deep", "loss", 7, 300.0, 2.0, "real"),
    ]


def test_sqlite_reads_with_pandas_when_installed(log, tmp_path):
    if not os.path.exists(VENV_TF_PYTHON):
        pytest.skip("no %s (pandas)" % VENV_TF_PYTHON)
    out = tmp_path / "log.sqlite"
    export(log, out, "sqlite")
    code = (
        "import sys, sqlite3, pandas as pd\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "df = pd.read_sql('SELECT * FROM scalars', con)\n"
        "print(list(df.columns), len(df), str(df['value'].dtype), str(df['step'].dtype))\n"
    )
    done = subprocess.run(
        [VENV_TF_PYTHON, "-c", code, str(out)], capture_output=True, text=True, timeout=120
    )
    if done.returncode and "No module named 'pandas'" in done.stderr:
        pytest.skip("pandas is not installed in /work/venv-tf")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "['run',",
        "'tag',",
        "'step',",
        "'wall_time',",
        "'value']",
        "6",
        "float64",
        "int64",
    ]


def test_filters_reach_the_reader(log, tmp_path):
    export(log, tmp_path / "x.jsonl", "jsonl", runs="deep", tags="^loss$")
    lines = [json.loads(x) for x in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert [(d["run"], d["tag"], d["step"]) for d in lines] == [("sub/deep", "loss", 7)]
    counts = export(log, tmp_path / "k.jsonl", "jsonl", kinds=["text"])
    assert counts == {"text": 1}


def test_tensors_hparams_and_cells_by_kind():
    # cells() on hand-made rows: the value columns of docs/export.md, in COLUMNS order
    class Arr:
        dtype, shape = "int32", (2, 2)

        def tolist(self):
            return [[1, 2], [3, 4]]

    row = reader.Row("tensors", "", "t", 0, 1.0, Arr())
    assert cells("tensors", row) == ("int32", [2, 2], [[1, 2], [3, 4]])
    assert cells("tensors", row._replace(value=2.5)) == ("float64", [], 2.5)
    hp = reader.Row("hparams", "", "lr", 0, 1.0, True)
    assert cells("hparams", hp) == (True, "bool")
    assert cells("hparams", hp._replace(value=0.1)) == (0.1, "number")
    assert cells("hparams", hp._replace(value="adam")) == ("adam", "string")
    for kind in KINDS:
        assert kind in _export.COLUMNS


# -- media -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
def test_media_files_are_the_encoded_bytes(log, tmp_path, fmt):
    out = tmp_path / ("out." + fmt if fmt != "csv" else "out")
    export(log, out, fmt, media=True)
    base = out if fmt == "csv" else tmp_path
    if fmt == "csv":
        paths = [r["path"] for r in read_csv(out / "images.csv") + read_csv(out / "audio.csv")]
    elif fmt == "jsonl":
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        paths = [d["path"] for d in lines if d["kind"] in ("images", "audio")]
    else:
        con = sqlite3.connect(str(out))
        query = "SELECT path FROM images UNION ALL SELECT path FROM audio"
        paths = [p for (p,) in con.execute(query)]
        con.close()
    encoded = [r.value.encoded for r in rows_of(log, kinds=["images", "audio"])]
    assert len(paths) == len(encoded) == 2
    assert sorted(base.joinpath(*p.split("/")).read_bytes() for p in paths) == sorted(encoded)
    assert any(p.endswith(".png") for p in paths) and any(p.endswith(".wav") for p in paths)
    media_dir = _export.media_dir_of(str(out), fmt)
    assert os.path.isdir(media_dir)
    files = [os.path.join(d, f) for d, _, fs in os.walk(media_dir) for f in fs]
    assert len(files) == 2


# -- atomic writes and overwrites --------------------------------------------------------------


def leftovers(folder):
    return [n for n in os.listdir(str(folder)) if ".tmp-" in n]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
def test_an_existing_output_is_refused_unless_forced(log, tmp_path, fmt):
    out = tmp_path / "out"
    export(log, out, fmt, kinds=["text"])
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(_export.ExportError, match="exists"):
        export(log, out, fmt)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    counts = export(log, out, fmt, force=True, kinds=["scalars"])
    assert counts == {"scalars": 6}
    assert leftovers(tmp_path) == []


def test_force_does_not_replace_a_folder_that_is_no_csv_export(log, tmp_path):
    with pytest.raises(_export.ExportError, match="not a csv export"):
        export(log, log, "csv", force=True)
    assert reader.event_files(log)  # the log is still there
    with pytest.raises(_export.ExportError, match="not a sqlite file"):
        export(log, log, "sqlite", force=True)


def test_force_removes_the_old_media_beside_a_file(log, tmp_path):
    out = tmp_path / "x.sqlite"
    export(log, out, "sqlite", media=True)
    assert os.path.isdir(str(out) + ".media")
    export(log, out, "sqlite", force=True, media=True, kinds=["scalars"])
    assert not os.path.exists(str(out) + ".media")


def test_force_without_media_removes_the_old_media_too(log, tmp_path):
    out = tmp_path / "x.jsonl"
    export(log, out, "jsonl", media=True)
    export(log, out, "jsonl", force=True)  # the old media would describe another export
    assert sorted(os.listdir(str(tmp_path))) == ["runs", "x.jsonl"]


def test_missing_output_folder_is_refused(log, tmp_path):
    with pytest.raises(_export.ExportError, match="no such directory"):
        export(log, tmp_path / "no" / "x.jsonl", "jsonl")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
def test_a_corrupt_file_leaves_nothing_behind(log, tmp_path, fmt):
    path = reader.event_files(log)["sub/deep"][0]
    data = bytearray(read_bytes(path))
    data[-3] ^= 0xFF  # the last record's data CRC
    write_bytes(path, data)
    out = tmp_path / "out"
    with pytest.raises(DecodeError):
        export(log, out, fmt, media=True)
    assert not out.exists() and not os.path.exists(str(out) + ".media")
    assert leftovers(tmp_path) == []
    skipped = []
    counts = export(log, out, fmt, errors="skip", skipped=skipped)
    assert len(skipped) == 1 and counts["scalars"] == 5


def test_ctrl_c_leaves_nothing_behind(log, tmp_path, monkeypatch):
    real = reader.iter_rows

    def interrupted(*args, **kwargs):
        yield from real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(_export.reader, "iter_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(log, tmp_path / "out", "csv", media=True)
    assert os.listdir(str(tmp_path)) == ["runs"]


def test_bad_arguments_name_themselves(log, tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        export(log, tmp_path / "x", "xlsx")
    with pytest.raises(ValueError, match="kinds: unknown kind images2"):
        export(log, tmp_path / "x", "csv", kinds=["images2"])


# -- constant memory ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
def test_export_streams_in_constant_memory(tmp_path, monkeypatch, fmt):
    # 10k rows with a 4 kB tag each: 40 MB if anything kept them; the peak must stay small
    def many(*args, **kwargs):
        for i in range(10000):
            yield reader.Row("scalars", "r", "t%05d" % i + "x" * 4000, i, 1.0, 0.5)

    monkeypatch.setattr(_export.reader, "iter_rows", many)
    tracemalloc.start()
    try:
        counts = export("unused", tmp_path / "out", fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["scalars"] == 10000
    assert peak < 12 * 2**20, peak


# -- summarize (ls) and check ------------------------------------------------------------------


def test_summarize_counts_steps_and_last_wall_time(log):
    got = _export.summarize(log)
    assert [(e["run"], e["kind"], e["tag"]) for e in got][:1] == [("", "scalars", "loss")]
    by_key = {(e["run"], e["kind"], e["tag"]): e for e in got}
    loss = by_key["", "scalars", "loss"]
    assert (loss["count"], loss["first_step"], loss["last_step"]) == (4, 0, 3)
    assert loss["last_wall_time"] == 103.0
    assert by_key["sub/deep", "scalars", "acc"]["last_wall_time"] == 301.0
    assert {k[1] for k in by_key} == {r.kind for r in rows_of(log)}
    kinds = [KINDS.index(e["kind"]) for e in got if e["run"] == ""]
    assert kinds == sorted(kinds)


def test_check_counts_records_and_finds_the_first_bad_one(log, tmp_path):
    results = list(_export.check(log))
    assert len(results) == 2 and all(err is None for _, _, err in results)
    total = sum(n for _, n, _ in results)
    assert total == sum(
        len(reader.read_events(p)) for fs in reader.event_files(log).values() for p in fs
    )
    path = results[1][0]
    data = bytearray(read_bytes(path))
    offsets = [o for o, _ in reader.iter_records(bytes(data))]
    data[offsets[2] + 13] ^= 0x01  # inside the third record's payload: its data CRC fails
    write_bytes(path, data)
    records, err = reader.check_records(path)
    assert records == 2
    assert isinstance(err, DecodeError) and err.offset == offsets[2]
    assert err.path == path


def test_check_of_a_truncated_tail(log):
    path = reader.event_files(log)["."][0]
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size - 2)
    records, err = reader.check_records(path)
    assert isinstance(err, DecodeError)
    assert records == len(reader.read_events(path))  # the whole records before it


def test_check_counts_exactly_when_a_record_between_scalars_does_not_decode(tmp_path):
    # CRCs right, protobuf wrong, in the middle of plain scalars (the fast path's columns):
    # the count is the records before it, and the error is the record-by-record reader's
    path = event_file_with_scalars(tmp_path, 50)
    data = read_bytes(path)
    offsets = [o for o, _ in reader.iter_records(data)]
    bad_at = offsets[20]
    write_bytes(path, data[:bad_at] + frame(b"\x0a\xff") + data[bad_at:])
    records, err = reader.check_records(path)
    assert records == 20
    expected = record_by_record_error(path)
    assert (err.offset, err.section, err.msg, err.path) == (
        expected.offset,
        expected.section,
        expected.msg,
        path,
    )
    assert bad_at < err.offset < bad_at + 16  # inside that record's Event bytes


def test_check_agrees_with_the_record_by_record_reader(tmp_path):
    path = event_file_with_scalars(tmp_path, 300)
    assert reader.check_records(path) == (301, None)
    data = bytearray(read_bytes(path))
    offsets = [o for o, _ in reader.iter_records(bytes(data))]
    data[offsets[150] + 14] ^= 0x40  # a scalar's value: its data CRC fails
    write_bytes(path, data)
    records, err = reader.check_records(path)
    expected = record_by_record_error(path)
    assert records == 150
    assert (
        (err.offset, err.section)
        == (expected.offset, expected.section)
        == (
            offsets[150],
            "data crc",
        )
    )


def event_file_with_scalars(folder, n):
    with SummaryWriter(str(folder)) as w:
        for step in range(n):
            w.add_scalar("loss", step * 0.5, step, walltime=1.0 + step)
    (path,) = reader.event_files(str(folder))["."]
    return path
