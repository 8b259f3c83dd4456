"""The command line (``tinytb`` / ``python -m tinytb``): the demo run, the dump of event files,
and how it fails: one line on stderr, exit status 1 for bad data and 2 for bad usage, no
traceback, a quiet exit on a closed pipe or Ctrl-C. Run as a user runs it, in a subprocess."""

import configparser
import importlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading

import pytest

import tinytb
import tinytb._demo
import tinytb._dump
from tinytb import FileWriter, SummaryWriter, _messages, reader
from tinytb import __main__ as cli
from tinytb._record import frame

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROG = "python -m tinytb"


def tinytb_cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "tinytb"] + [str(a) for a in args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def event_file(logdir, scalars=3):
    with SummaryWriter(logdir) as w:
        for step in range(scalars):
            w.add_scalar("loss", 1.0 / (step + 1), step, walltime=1.0 + step)
    return reader.event_files(logdir)["."][0]


def record_offsets(path):
    with open(path, "rb") as f:
        return [offset for offset, _ in reader.iter_records(f.read())]


# -- demo ------------------------------------------------------------------------------------


def test_demo_writes_every_implemented_kind(tmp_path):
    out = tinytb_cli("demo", tmp_path / "demo")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "serve" in out.stdout and "tensorboard --logdir" in out.stdout
    runs = reader.event_files(tmp_path / "demo")
    assert set(runs) == {".", "wave_sin", "wave_cos", "trial-lr0.3", "trial-lr0.03"}
    events = reader.read_events(runs["."][0])
    values = [v for e in events if e.summary for v in e.summary.value]
    tags = {v.tag for v in values}
    # one tag of every dashboard: scalars, text, tensor, custom scalars, images, video, audio,
    # histograms, PR curves, mesh, hparams
    assert {
        "loss/train",
        "loss/valid",
        "lr",
        "about/text_summary",
        "notes/text_summary",
        "tensor/ramp",
        "custom_scalars__config__",
        "images/gradient",
        "images/boxes",
        "video/orbit",
        "audio/chirp",
        "weights/layer1",
        "pr/classifier",
        "mesh/octahedron_VERTEX",
        "mesh/octahedron_FACE",
        "mesh/octahedron_COLOR",
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    } <= tags
    kinds = {name for v in values for name, _ in v.fields() if name not in ("tag", "metadata")}
    assert kinds == {"simple_value", "tensor", "image", "audio", "histo"}
    steps = [s for s, t, _ in reader.scalars(runs["."][0]) if t == "loss/train"]
    assert steps == list(range(200))
    (graph,) = [e.graph_def for e in events if e.graph_def]  # the graphs dashboard
    assert len(_messages.GRAPH_DEF.decode(graph).node) == 7
    for trial in ("trial-lr0.3", "trial-lr0.03"):
        trial_tags = {
            v.tag for e in reader.read_events(runs[trial][0]) if e.summary for v in e.summary.value
        }
        assert trial_tags == {
            "loss/valid",
            "_hparams_/experiment",
            "_hparams_/session_start_info",
            "_hparams_/session_end_info",
        }
    # the projector's files
    with open(tmp_path / "demo" / "projector_config.pbtxt", encoding="utf-8") as f:
        config = f.read()
    assert 'tensor_name: "embedding/clusters:00000"' in config
    for name in ("tensors.tsv", "metadata.tsv", "sprite.png"):
        assert (tmp_path / "demo" / "00000" / "embedding%2fclusters" / name).is_file()


def test_demo_refuses_a_folder_that_is_not_empty_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    out = tinytb_cli("demo", tmp_path)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (
        "tinytb: %s is not empty: another demo run there would double every "
        "curve (choose a new folder, or pass --force)\n" % tmp_path
    )
    assert reader.event_files(tmp_path) == {}
    out = tinytb_cli("demo", tmp_path, "--force")
    assert out.returncode == 0, out.stderr
    assert len(reader.event_files(tmp_path)["."]) == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demo_into_a_file_or_below_one_is_one_line(tmp_path):
    (tmp_path / "f").write_text("")
    out = tinytb_cli("demo", tmp_path / "f")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: cannot write the demo run: not a directory: %s\n" % (
        tmp_path / "f"
    )
    out = tinytb_cli("demo", tmp_path / "f" / "run")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: cannot write the demo run: not a directory: %s\n" % (
        tmp_path / "f" / "run"
    )


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="needs POSIX permissions that bind (root writes anywhere)",
)
def test_demo_into_a_read_only_folder_is_one_line(tmp_path):
    os.chmod(tmp_path, 0o500)
    try:
        out = tinytb_cli("demo", tmp_path / "run")
    finally:
        os.chmod(tmp_path, 0o700)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: cannot write the demo run: permission denied: %s\n" % (
        tmp_path / "run"
    )


def test_demo_write_errors_are_one_line(monkeypatch, capsys, tmp_path):
    # Whatever user can run this (root included), an OSError from the writer is reported so.
    def unwritable(logdir):
        raise PermissionError(13, "Permission denied", logdir)

    monkeypatch.setattr(tinytb._demo, "demo", unwritable)
    assert cli.main(["demo", str(tmp_path / "run")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "tinytb: cannot write the demo run: permission denied: %s\n" % (
        tmp_path / "run"
    )


# -- dump: output --------------------------------------------------------------------------


def test_dump_prints_offsets_and_values(tmp_path, capsys):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3, walltime=2.0)
        w.add_text("note", "hi", 4, walltime=3.0)
    path = reader.event_files(tmp_path)["."][0]
    assert cli.main(["dump", path]) == 0
    text = capsys.readouterr().out
    assert "file_version='brain.Event:2'" in text
    assert "@50       step=3      wall_time=2.000000  summary (1 value)" in text
    assert "tag='loss'  simple_value=0.5" in text
    assert "tag='note/text_summary'  tensor string[1]=[b'hi']  plugin='text'" in text
    assert text.rstrip().endswith("3 records, %d bytes" % os.path.getsize(path))


def test_dump_reports_a_truncated_tail(tmp_path):
    path = event_file(tmp_path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "ab") as f:
        f.write(data[50:60])
    out = tinytb_cli("dump", path)
    assert (out.returncode, out.stderr) == (0, "")
    assert "the last 10 bytes are an incomplete record" in out.stdout


def test_dump_of_a_directory_shows_every_run_and_decodes_plugin_data(tmp_path, capsys):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3, walltime=2.0)
        w.add_hparams({"lr": 0.1, "aug": True}, {"loss": None}, run_name="trial")
        w.add_pr_curve("pr", [1, 0], [0.75, 0.25], 0, num_thresholds=3)
    assert cli.main(["dump", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert text.count("== run ") == 2
    assert "== run trial: " in text
    assert "content=PrCurvePluginData(num_thresholds=3)" in text
    assert "HparamsEntry(key='aug', value=Value(bool_value=True))" in text
    assert "tensor float32[6, 3]=" in text


def test_dump_shows_graph_nodes_and_run_metadata(tmp_path, capsys):
    fw = FileWriter(tmp_path)
    fw.add_graph(
        (
            _messages.graph_def([_messages.node_def("net/fc", "Linear", ["x"])], 22),
            _messages.run_metadata(["/device:CPU:0"]),
        )
    )
    fw.close()
    assert cli.main(["dump", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "graph_def (1 nodes, " in text
    assert "node 'net/fc' op='Linear'  inputs=['x']" in text
    assert "tagged_run_metadata tag='step1' devices=['/device:CPU:0']" in text


# -- dump: errors ----------------------------------------------------------------------------


def test_dump_of_a_file_that_is_not_an_event_file(tmp_path):
    out = tinytb_cli("dump", "README.md")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (
        "tinytb: not an event file: README.md (its first record's length checksum does not match)\n"
    )
    # a valid TFRecord whose payload is no Event (a field header with no value)
    (tmp_path / "records").write_bytes(frame(b"\x08"))
    out = tinytb_cli("dump", tmp_path / "records")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.startswith(
        "tinytb: not an event file: %s (its first record is not an "
        "Event message: " % (tmp_path / "records")
    )
    assert out.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "flip, what", [(12 + 3, "data checksum mismatch"), (2, "length checksum mismatch")]
)
def test_dump_of_a_corrupt_record_names_file_byte_and_record(tmp_path, flip, what):
    path = event_file(tmp_path, scalars=12)
    offsets = record_offsets(path)
    assert len(offsets) == 13  # the file_version record and 12 scalars
    data = bytearray(pathlib.Path(path).read_bytes())
    data[offsets[11] + flip] ^= 0x40  # in record 12: its data, or its length field
    with open(path, "wb") as f:
        f.write(data)
    out = tinytb_cli("dump", path)
    assert out.returncode == 1
    assert out.stderr == "tinytb: corrupt event file: %s: %s at byte %d (record 12)\n" % (
        path,
        what,
        offsets[11],
    )
    # the 11 good records before it are shown
    assert out.stdout.count("wall_time=") == 11, out.stdout


def test_dump_of_a_record_that_is_no_event(tmp_path):
    path = event_file(tmp_path)
    with open(path, "ab") as f:
        f.write(frame(b"\x08"))  # record 5: a field header with no value after it
    out = tinytb_cli("dump", path)
    assert out.returncode == 1
    assert out.stderr.startswith("tinytb: corrupt event file: %s: bad protobuf in Event" % path)
    assert out.stderr.endswith(" (record 5)\n")
    assert out.stderr.count("\n") == 1


def test_dump_of_a_directory_names_the_bad_file(tmp_path):
    path = event_file(tmp_path / "run")
    last = record_offsets(path)[-1]
    data = bytearray(pathlib.Path(path).read_bytes())
    data[-1] ^= 1  # the data crc of the last record, the 4th
    with open(path, "wb") as f:
        f.write(data)
    out = tinytb_cli("dump", tmp_path)
    assert out.returncode == 1
    assert out.stderr == (
        "tinytb: corrupt event file: %s: data checksum mismatch at byte %d "
        "(record 4)\n" % (path, last)
    )


def test_dump_of_a_missing_path(tmp_path):
    out = tinytb_cli("dump", tmp_path / "no" / "such")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: no such file or directory: %s\n" % (tmp_path / "no" / "such")


def test_dump_below_a_file(tmp_path):
    out = tinytb_cli("dump", "README.md/x")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: not a directory: README.md/x\n"


def test_dump_of_a_folder_without_event_files(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    out = tinytb_cli("dump", tmp_path)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (
        "tinytb: no event files under %s (their names contain 'tfevents')\n" % tmp_path
    )


@pytest.mark.parametrize(
    "error, message",
    [
        (
            FileNotFoundError(2, "No such file or directory", "a/b"),
            "no such file or directory: a/b",
        ),
        (
            IsADirectoryError(21, "Is a directory", "a/b"),
            "a directory where a file is expected: a/b",
        ),
        (NotADirectoryError(20, "Not a directory", "a/b"), "not a directory: a/b"),
        (PermissionError(13, "Permission denied", "a/b"), "permission denied: a/b"),
        (OSError(5, "Input/output error", "a/b"), "a/b: input/output error"),
    ],
)
def test_os_errors_are_one_line(monkeypatch, capsys, tmp_path, error, message):
    event_file(tmp_path)

    def failing(path, out):
        raise error

    monkeypatch.setattr(tinytb._dump, "dump", failing)
    assert cli.main(["dump", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "tinytb: %s\n" % message


def test_unknown_errors_are_not_hidden(monkeypatch, tmp_path):
    # A bug in tinytb is not something the user caused: it keeps its traceback.
    event_file(tmp_path)

    def buggy(path, out):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(tinytb._dump, "dump", buggy)
    with pytest.raises(ZeroDivisionError):
        cli.main(["dump", str(tmp_path)])


# -- closed pipe, Ctrl-C ---------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path):
    event_file(tmp_path, scalars=3000)  # ~250 kB of dump: more than a pipe holds
    dump = subprocess.Popen(
        [sys.executable, "-m", "tinytb", "dump", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=dump.stdout
    )
    dump.stdout.close()  # only head reads it now
    assert head.wait(timeout=60) == 0
    stderr = dump.communicate(timeout=60)[1]
    assert stderr == b""
    assert dump.returncode == cli.CLOSED_PIPE == 141


def default_sigint():
    """In the child before exec: SIGINT back to its default. A test run started in the
    background by a shell without job control ignores SIGINT, and a Python started with SIGINT
    ignored keeps ignoring it (no KeyboardInterrupt): the signal these tests send would be
    lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a POSIX fifo")
def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    fifo = tmp_path / "events.out.tfevents.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinytb", "dump", str(fifo)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )
    # Opening the writing end returns once dump has opened the reading end: it then waits in
    # read() for the end of the file, which never comes before the SIGINT.
    with open(fifo, "wb") as writer:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        del writer
    assert (proc.returncode, out, err) == (130, b"", b"")


def test_keyboard_interrupt_anywhere_in_a_command(monkeypatch, capsys, tmp_path):
    def interrupted(logdir):
        raise KeyboardInterrupt

    monkeypatch.setattr(tinytb._demo, "demo", interrupted)
    assert cli.main(["demo", str(tmp_path / "run")]) == 130
    assert capsys.readouterr() == ("", "")


# -- usage -----------------------------------------------------------------------------------


def test_no_command_prints_usage_to_stderr_and_exits_2():
    out = tinytb_cli()
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr == (
        "usage: %s [-h] [--version] COMMAND ...\n%s: error: choose a command: "
        "demo, dump, ls, export, tail, check, serve, report (see %s --help)\n" % (PROG, PROG, PROG)
    )


def test_wrong_usage_exits_2():
    for args in (
        ["frobnicate"],
        ["dump"],
        ["dump", "a", "b"],
        ["demo", "--nope"],
        ["ls"],
        ["export", "runs"],
        ["export", "runs", "-o", "x"],
        ["export", "runs", "-o", "x", "--format", "xlsx"],
        ["export", "runs", "-o", "x", "--format", "csv", "--kinds", "scalars,nope"],
        ["tail", "runs", "--tags", "("],
        ["tail", "runs", "--kinds", "scalars"],
        ["tail", "-f", "runs", "--skip-bad"],
        ["check"],
        ["dump", "-n", "0", "--bytes", "f"],
        ["dump", "-n", "2", "f"],
    ):
        out = tinytb_cli(*args)
        assert (out.returncode, out.stdout) == (2, ""), args
        assert out.stderr.startswith("usage: %s " % PROG), args
        assert "Traceback" not in out.stderr


def test_version():
    out = tinytb_cli("--version")
    assert (out.returncode, out.stdout, out.stderr) == (0, "tinytb %s\n" % tinytb.__version__, "")


def test_help_lists_every_command_with_one_line():
    out = tinytb_cli("--help")
    assert (out.returncode, out.stderr) == (0, "")
    lines = out.stdout.splitlines()
    for name in cli.COMMANDS:
        (line,) = [x for x in lines if x.split()[:1] == [name]]
        assert len(line.split()) > 3, line  # the name, then what it does


def test_every_argument_has_help():
    parser = cli._parser("tinytb")
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert {c.dest for c in sub._choices_actions} == set(sub.choices) == set(cli.COMMANDS)
    assert all(c.help for c in sub._choices_actions)
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, (name, action.dest)
        out = tinytb_cli(name, "--help")
        assert (out.returncode, out.stderr) == (0, "")


# -- the package -----------------------------------------------------------------------------


def test_import_tinytb_does_not_import_the_reader_until_used():
    code = (
        "import sys, tinytb\n"
        "assert 'tinytb.reader' not in sys.modules, 'eager'\n"
        "assert 'reader' in dir(tinytb) and 'summary' in dir(tinytb)\n"
        "files = tinytb.reader.event_files\n"
        "assert 'tinytb.reader' in sys.modules\n"
        "assert tinytb.summary is sys.modules['tinytb.summary']\n"
        "try:\n"
        "    tinytb.nothing\n"
        "except AttributeError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout == "module 'tinytb' has no attribute 'nothing'\n"


def setup_cfg():
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"), encoding="utf-8")
    return config


def test_console_script_entry_point_resolves_to_main(capsys):
    scripts = [
        line.split("=")
        for line in setup_cfg()["options.entry_points"]["console_scripts"].strip().splitlines()
    ]
    assert [name.strip() for name, _ in scripts] == ["tinytb"]
    module, _, attr = scripts[0][1].strip().partition(":")
    target = getattr(importlib.import_module(module), attr)
    assert target is cli.main
    # the wrapper pip writes is `sys.exit(main())`: main returns the status, argv from sys.argv
    assert target(["--version"]) == 0
    assert capsys.readouterr().out == "tinytb %s\n" % tinytb.__version__


def test_wheel_ships_py_typed():
    assert setup_cfg()["options.package_data"]["tinytb"].split() == ["py.typed"]
    assert os.path.isfile(os.path.join(ROOT, "tinytb", "py.typed"))
    classifiers = setup_cfg()["metadata"]["classifiers"]
    assert "Typing :: Typed" in classifiers
    for minor in range(8, 14):
        assert "Programming Language :: Python :: 3.%d\n" % minor in classifiers + "\n"


# -- reading: ls, export, tail, check, dump --bytes --------------------------------------------


def utc_cli(*args, **kwargs):
    """tinytb_cli with the local time zone UTC, so that ls's local times are known."""
    env = dict(os.environ, TZ="UTC")
    return tinytb_cli(*args, env=env, **kwargs)


def small_log(root):
    """runs/ with scalars at the top, a sub-run with scalars and text, known wall times."""
    with SummaryWriter(root) as w:
        for step in range(3):
            w.add_scalar("loss", 1.0 / (step + 1), step * 10, walltime=1000.0 + step)
        w.add_scalar("acc", 0.5, 5, walltime=999.0)
    with SummaryWriter(os.path.join(str(root), "b", "c")) as w:
        w.add_scalar("loss", 3.0, 7, walltime=2000.0)
        w.add_text("note", "hi", 1, walltime=2001.0)
    return str(root)


def test_ls_is_an_aligned_table(tmp_path):
    logdir = small_log(tmp_path / "runs")
    out = utc_cli("ls", logdir)
    assert (out.returncode, out.stderr) == (0, "")
    lines = out.stdout.splitlines()
    assert [line.split() for line in lines] == [
        ["RUN", "KIND", "TAG", "COUNT", "FIRST", "STEP", "LAST", "STEP", "LAST", "WRITE"],
        # runs in the readers' order: "b" sorts before "events.out.tfevents..."
        ["b/c", "scalars", "loss", "1", "7", "7", "1970-01-01T00:33:20+00:00"],
        ["b/c", "text", "note", "1", "1", "1", "1970-01-01T00:33:21+00:00"],
        [".", "scalars", "acc", "1", "5", "5", "1970-01-01T00:16:39+00:00"],
        [".", "scalars", "loss", "3", "0", "20", "1970-01-01T00:16:42+00:00"],
    ]
    # aligned: every column starts where its heading starts (numbers end where it ends)
    for heading in ("KIND", "TAG", "LAST WRITE"):
        column = lines[0].index(heading)
        assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines)


def test_ls_json_and_filters(tmp_path):
    logdir = small_log(tmp_path / "runs")
    out = utc_cli("ls", logdir, "--json", "--runs", "^b", "--kinds", "text")
    assert (out.returncode, out.stderr) == (0, "")
    assert [json.loads(line) for line in out.stdout.splitlines()] == [
        {
            "run": "b/c",
            "kind": "text",
            "tag": "note",
            "count": 1,
            "first_step": 1,
            "last_step": 1,
            "last_wall_time": 2001.0,
            "last_write": "1970-01-01T00:33:21+00:00",
        }
    ]


def test_ls_of_nothing_to_list(tmp_path):
    out = tinytb_cli("ls", tmp_path)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (
        "tinytb: no event files under %s (their names contain 'tfevents')\n" % tmp_path
    )
    out = tinytb_cli("ls", tmp_path / "missing")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: no such file or directory: %s\n" % (tmp_path / "missing")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
def test_export_writes_once_and_refuses_to_overwrite(tmp_path, fmt):
    logdir = small_log(tmp_path / "runs")
    target = tmp_path / "out"
    out = tinytb_cli("export", logdir, "-o", target, "--format", fmt)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout == "exported 6 rows to %s (scalars 5, text 1)\n" % target
    assert target.exists()
    again = tinytb_cli("export", logdir, "-o", target, "--format", fmt)
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == "tinytb: %s exists (pass --force to replace it)\n" % target
    forced = tinytb_cli("export", logdir, "-o", target, "--format", fmt, "--force", "--tags", "x")
    assert (forced.returncode, forced.stderr) == (0, "")
    assert forced.stdout == "exported 0 rows to %s\n" % target


def test_export_csv_media_end_to_end(tmp_path):
    logdir = tmp_path / "runs"
    with SummaryWriter(logdir) as w:
        w.add_image("pics/../../x", [[[0, 255], [255, 0]]] * 3, 4)
    out = tinytb_cli("export", logdir, "-o", tmp_path / "out", "--format", "csv", "--media")
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines()[-1] == "media files in %s" % (tmp_path / "out" / "media")
    with open(tmp_path / "out" / "images.csv", encoding="utf-8") as f:
        header, row = f.read().splitlines()
    path = row.split(",")[-1]
    assert path == "media/%2E/pics/%2E./%2E./x/step=4.png"
    png = (tmp_path / "out").joinpath(*path.split("/")).read_bytes()
    events = reader.read_events(reader.event_files(logdir)["."][0])
    assert png == events[1].summary.value[0].image.encoded_image_string


def test_export_of_a_corrupt_log_writes_nothing(tmp_path):
    path = event_file(tmp_path / "runs")
    data = bytearray(pathlib.Path(path).read_bytes())
    data[-1] ^= 0xFF  # the last record's data CRC
    pathlib.Path(path).write_bytes(bytes(data))
    out = tinytb_cli("export", tmp_path / "runs", "-o", tmp_path / "o.jsonl", "--format", "jsonl")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.startswith("tinytb: corrupt event file: %s: data checksum mismatch" % path)
    assert sorted(os.listdir(tmp_path)) == ["runs"]
    out = tinytb_cli(
        "export", tmp_path / "runs", "-o", tmp_path / "o.jsonl", "--format", "jsonl", "--skip-bad"
    )
    assert out.returncode == 0
    assert out.stdout == "exported 2 rows to %s (scalars 2)\n" % (tmp_path / "o.jsonl")
    assert out.stderr.startswith("tinytb: skipped the rest of %s from byte " % path)


def test_tail_prints_scalars_tab_separated(tmp_path):
    logdir = small_log(tmp_path / "runs")
    out = tinytb_cli("tail", logdir)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "b/c\tloss\t7\t3.0",  # the readers' run order: "b" sorts before "events..."
        ".\tloss\t0\t1.0",
        ".\tloss\t10\t0.5",
        ".\tloss\t20\t0.3333333432674408",  # float32 on disk
        ".\tacc\t5\t0.5",
    ]
    out = tinytb_cli("tail", logdir, "--runs", "b", "--tags", "^lo")
    assert out.stdout == "b/c\tloss\t7\t3.0\n"


WRITER = """
import sys, time
from tinytb import SummaryWriter
logdir = sys.argv[1]
w = SummaryWriter(logdir, flush_secs=0.05)
w.add_scalar("loss", 1.0, 0)
w.flush()
sys.stdin.readline()  # the test has seen step 0: write more, and a new run
w.add_scalar("loss", 2.0, 1)
w.flush()
with SummaryWriter(logdir + "/later") as later:
    later.add_scalar("acc", 0.75, 3)
sys.stdin.readline()
w.close()
"""


def read_line(stream, timeout=30.0):
    """One line of a subprocess's stdout, or fail after ``timeout`` seconds."""
    result = []
    reader_thread = threading.Thread(target=lambda: result.append(stream.readline()))
    reader_thread.daemon = True
    reader_thread.start()
    reader_thread.join(timeout)
    assert result, "no line within %s s" % timeout
    return result[0]


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
def test_tail_follow_prints_new_scalars_and_runs_until_ctrl_c(tmp_path):
    logdir = str(tmp_path / "runs")
    os.mkdir(logdir)  # empty: following starts before the run does
    tail = subprocess.Popen(
        [sys.executable, "-m", "tinytb", "tail", "-f", logdir, "--interval", "0.05"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, logdir], cwd=ROOT, stdin=subprocess.PIPE, text=True
    )
    try:
        assert read_line(tail.stdout) == ".\tloss\t0\t1.0\n"
        writer.stdin.write("more\n")
        writer.stdin.flush()
        got = {read_line(tail.stdout), read_line(tail.stdout)}
        assert got == {".\tloss\t1\t2.0\n", "later\tacc\t3\t0.75\n"}
        tail.send_signal(signal.SIGINT)
        out, err = tail.communicate(timeout=30)
        assert (tail.returncode, out, err) == (130, "", "")
    finally:
        writer.stdin.write("done\n")
        writer.stdin.close()
        writer.wait(timeout=30)
        if tail.poll() is None:
            tail.kill()
            tail.communicate()


def test_check_counts_files_and_records(tmp_path):
    logdir = small_log(tmp_path / "runs")
    out = tinytb_cli("check", logdir)
    assert (out.returncode, out.stderr) == (0, "")
    records = sum(
        len(reader.read_events(f)) for fs in reader.event_files(logdir).values() for f in fs
    )
    assert out.stdout == "2 files, %d records OK\n" % records


def test_check_reports_each_bad_file_and_exits_1(tmp_path):
    logdir = small_log(tmp_path / "runs")
    bad = reader.event_files(logdir)["b/c"][0]
    offsets = record_offsets(bad)
    data = bytearray(pathlib.Path(bad).read_bytes())
    data[offsets[1] + 20] ^= 0x01  # the second record's payload
    pathlib.Path(bad).write_bytes(bytes(data))
    (tmp_path / "runs" / "x.tfevents.txt").write_text("not an event file, though named so")
    out = tinytb_cli("check", logdir)
    assert (out.returncode, out.stderr) == (1, "")
    lines = out.stdout.splitlines()
    assert lines[0] == "BAD %s: data checksum mismatch at byte %d (record 2)" % (bad, offsets[1])
    assert lines[1] == (
        "BAD %s: not an event file (its first record's length checksum does not match)"
        % (tmp_path / "runs" / "x.tfevents.txt")
    )
    assert lines[2] == "3 files, %d records OK; 2 bad files" % (
        len(reader.read_events(reader.event_files(logdir)["."][0])) + 1
    )
    out = tinytb_cli("check", bad)  # one file
    assert out.returncode == 1
    assert out.stdout.splitlines()[-1] == "1 file, 1 record OK; 1 bad file"


def test_check_of_a_truncated_file(tmp_path):
    path = event_file(tmp_path)
    offsets = record_offsets(path)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 1)
    out = tinytb_cli("check", path)
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "BAD %s: truncated record (cut short: damaged, or still being written) at byte %d "
        "(record %d)" % (path, offsets[-1], len(offsets)),
        "1 file, %d records OK; 1 bad file" % (len(offsets) - 1),
    ]


def test_dump_bytes_calls_the_annotated_dump(monkeypatch, capsys, tmp_path):
    path = event_file(tmp_path)
    calls = []

    def fake(p, out, records):
        calls.append((p, records))
        out.write("hex\n")

    monkeypatch.setattr(tinytb._dump, "dump_bytes", fake)
    assert cli.main(["dump", "--bytes", path]) == 0
    assert cli.main(["dump", "--bytes", "-n", "5", path]) == 0
    assert calls == [(path, cli.DEFAULT_BYTES_RECORDS), (path, 5)]
    assert capsys.readouterr() == ("hex\nhex\n", "")
    assert cli.main(["dump", "--bytes", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "tinytb: dump --bytes reads one event file, not a folder: %s (for example %s)\n"
        % (tmp_path, path)
    )


def test_dump_bytes_of_a_real_file(tmp_path):
    path = event_file(tmp_path)
    out = tinytb_cli("dump", "--bytes", "-n", "2", path)
    assert (out.returncode, out.stderr) == (0, "")
    offsets = record_offsets(path)
    assert "record 1, at byte %d" % offsets[1] in out.stdout
    assert "record 2, at byte %d" % offsets[2] not in out.stdout  # -n 2: two records only


# -- serve and report ------------------------------------------------------------------------


def start_serve(logdir, *args):
    """``tinytb serve`` on a free port; its process and the URL it printed once ready."""
    env = dict(os.environ, TINYTB_CACHE_DIR=os.path.join(os.path.dirname(logdir), "cache"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinytb", "serve", str(logdir), "--port", "0"] + list(args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    loaded = read_line(proc.stdout, timeout=60)
    serving = read_line(proc.stdout)
    assert loaded.startswith("loaded %s in " % logdir), loaded
    assert serving.startswith("serving on http://127.0.0.1:"), serving
    return proc, serving.split()[2]


def http_get(url, path):
    import http.client
    import urllib.parse

    where = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
def test_serve_answers_until_ctrl_c(tmp_path):
    logdir = tmp_path / "logs"
    event_file(str(logdir / "run1"))
    proc, url = start_serve(logdir)
    try:
        status, body = http_get(url, "/api/index")
        assert status == 200
        index = json.loads(body)
        assert index["runs"] == ["run1"] and index["tags"]["scalars"] == {"loss": ["run1"]}
        assert http_get(url, "/static/../../setup.cfg")[0] == 404
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert (proc.returncode, out, err) == (130, "", "")  # no per-request log lines either
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_of_a_missing_or_wrong_folder_is_one_line(tmp_path):
    out = tinytb_cli("serve", tmp_path / "nope")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "tinytb: no such file or directory: %s\n" % (tmp_path / "nope")
    path = event_file(str(tmp_path / "file"))
    out = tinytb_cli("serve", path)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == (
        "tinytb: not a directory: %s (serve and report read a log folder)\n" % path
    )


def test_serve_on_a_taken_port_is_one_line(tmp_path):
    import socket

    logdir = tmp_path / "logs"
    event_file(str(logdir))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = tinytb_cli("serve", logdir, "--port", port)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.startswith("tinytb: cannot listen on 127.0.0.1:%d: " % port)
    assert out.stderr.endswith("(another server is using that port: choose one with --port)\n")
    assert out.stderr.count("\n") == 1


def test_serve_and_report_usage_errors_exit_2(tmp_path):
    for args in (
        ["serve"],
        ["serve", "logs", "--port", "http"],
        ["serve", "logs", "--port", "70000"],
        ["serve", "logs", "--port", "-1"],
        ["serve", "logs", "--reload", "soon"],
        ["serve", "logs", "--reload", "-1"],
        ["serve", "logs", "--reload", "nan"],
        ["report", "logs"],
        ["report", "logs", "-o", "x.html", "--max-media-bytes", "-5"],
        ["report", "logs", "-o", "x.html", "--max-media-bytes", "1e6"],
    ):
        out = tinytb_cli(*args)
        assert (out.returncode, out.stdout) == (2, ""), args
        assert out.stderr.startswith("usage: %s " % PROG), args
        assert "Traceback" not in out.stderr


def test_serve_passes_its_options(monkeypatch, capsys, tmp_path):
    from tinytb.viewer import server

    calls = []
    monkeypatch.setattr(server, "serve", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv("TINYTB_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["serve", str(tmp_path)]) == 0
    options = ["--host", "0.0.0.0", "--port", "0", "--reload", "0.5", "--verbose"]
    assert cli.main(["serve", str(tmp_path)] + options) == 0
    assert cli.main(["serve", str(tmp_path), "--no-cache"]) == 0
    default = dict(host="127.0.0.1", port=6006, reload=5.0, verbose=False)
    cached = str(tmp_path / "cache")  # $TINYTB_CACHE_DIR: cache.default_dir()
    assert calls == [
        ((str(tmp_path),), dict(default, cache_dir=cached)),
        (
            (str(tmp_path),),
            dict(host="0.0.0.0", port=0, reload=0.5, verbose=True, cache_dir=cached),
        ),
        ((str(tmp_path),), dict(default, cache_dir=None)),
    ]


def test_report_calls_write_report(monkeypatch, capsys, tmp_path):
    import types

    calls = []

    def write_report(logdir, out, **options):
        calls.append((logdir, out, options))
        with open(out, "w") as f:
            f.write("<!doctype html>")

    fake = types.ModuleType("tinytb.viewer.report")
    fake.write_report = write_report
    import tinytb.viewer

    monkeypatch.setitem(sys.modules, "tinytb.viewer.report", fake)
    monkeypatch.setattr(tinytb.viewer, "report", fake, raising=False)
    logdir = tmp_path / "logs"
    event_file(str(logdir))
    out = str(tmp_path / "r.html")
    assert cli.main(["report", str(logdir), "-o", out]) == 0
    assert (
        cli.main(["report", str(logdir), "-o", out, "--max-media-bytes", "0", "--title", "My run"])
        == 0
    )
    assert calls == [
        (str(logdir), out, {"max_media_bytes": cli.DEFAULT_MAX_MEDIA_BYTES, "title": None}),
        (str(logdir), out, {"max_media_bytes": 0, "title": "My run"}),
    ]
    assert capsys.readouterr().out == "wrote %s (15 bytes)\n" % out * 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["report", str(tmp_path / "nope"), "-o", out]) == 1
    assert cli.main(["report", str(empty), "-o", out]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "tinytb: no such file or directory: %s" % (tmp_path / "nope"),
        "tinytb: no event files under %s (their names contain 'tfevents')" % empty,
    ]
    assert len(calls) == 2


def test_the_viewer_loads_only_for_serve_and_report(tmp_path):
    event_file(str(tmp_path))
    code = (
        "import sys\n"
        "from tinytb.__main__ import main\n"
        "main(['ls', sys.argv[1]])\n"
        "assert not [m for m in sys.modules if m.startswith('tinytb.viewer')], 'viewer loaded'\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (out.returncode, out.stderr) == (0, "")


def test_report_default_media_cap_is_the_report_module_s():
    from tinytb.viewer import report

    assert cli.DEFAULT_MAX_MEDIA_BYTES == report.DEFAULT_MAX_MEDIA_BYTES == 20 * 1024 * 1024


def test_report_writes_one_html_file(tmp_path):
    logdir = tmp_path / "logs"
    event_file(str(logdir / "run1"))
    out = tmp_path / "report.html"
    result = tinytb_cli("report", logdir, "-o", out, "--title", "My <run>")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "wrote %s (%d bytes)\n" % (out, os.path.getsize(out))
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "My &lt;run&gt;" in html and "<script src=" not in html


def test_export_choices_agree_with_the_export_module():
    # __main__ keeps its own copies so that building the parser does not import _export.
    from tinytb import _export

    assert cli.EXPORT_KINDS == _export.KINDS
    assert cli.EXPORT_FORMATS == _export.FORMATS


def test_serve_does_not_import_the_export_or_dump_code():
    code = (
        "import sys, tinytb.__main__, tinytb.viewer.server, tinytb.viewer.store; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('tinytb'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    loaded = set(out.stdout.split())
    for module in ("tinytb._export", "tinytb._dump", "tinytb._demo", "tinytb._tables"):
        assert module not in loaded, module
