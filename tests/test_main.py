"""The command line (``tinytb`` / ``python -m tinytb``): the demo run, the dump of event files,
and how it fails: one line on stderr, exit status 1 for bad data and 2 for bad usage, no
traceback, a quiet exit on a closed pipe or Ctrl-C. Run as a user runs it, in a subprocess."""

import configparser
import importlib
import os
import pathlib
import signal
import subprocess
import sys

import pytest

import tinytb
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
    assert "tensorboard --logdir" in out.stdout
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

    monkeypatch.setattr(cli, "demo", unwritable)
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

    monkeypatch.setattr(cli, "dump", failing)
    assert cli.main(["dump", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "tinytb: %s\n" % message


def test_unknown_errors_are_not_hidden(monkeypatch, tmp_path):
    # A bug in tinytb is not something the user caused: it keeps its traceback.
    event_file(tmp_path)

    def buggy(path, out):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(cli, "dump", buggy)
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


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a POSIX fifo")
def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    fifo = tmp_path / "events.out.tfevents.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinytb", "dump", str(fifo)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
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

    monkeypatch.setattr(cli, "demo", interrupted)
    assert cli.main(["demo", str(tmp_path / "run")]) == 130
    assert capsys.readouterr() == ("", "")


# -- usage -----------------------------------------------------------------------------------


def test_no_command_prints_usage_to_stderr_and_exits_2():
    out = tinytb_cli()
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr == (
        "usage: %s [-h] [--version] COMMAND ...\n%s: error: choose a command: "
        "demo or dump (see %s --help)\n" % (PROG, PROG, PROG)
    )


def test_wrong_usage_exits_2():
    for args in (["frobnicate"], ["dump"], ["dump", "a", "b"], ["demo", "--nope"]):
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
    for name in ("demo", "dump"):
        (line,) = [x for x in lines if x.split()[:1] == [name]]
        assert len(line.split()) > 3, line  # the name, then what it does


def test_every_argument_has_help():
    parser = cli._parser("tinytb")
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert {c.dest for c in sub._choices_actions} == set(sub.choices) == {"demo", "dump"}
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
