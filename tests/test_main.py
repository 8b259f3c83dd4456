"""python -m tinytb: the demo run and the dump of an event file."""

import io
import os
import subprocess
import sys

from tinytb import FileWriter, SummaryWriter, _messages, reader
from tinytb.__main__ import main
from tinytb._dump import dump

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_writes_every_implemented_kind(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tinytb", "demo", str(tmp_path / "demo")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "tensorboard --logdir" in out.stdout
    runs = reader.event_files(tmp_path / "demo")
    assert set(runs) == {".", "wave_sin", "wave_cos", "trial-lr0.3", "trial-lr0.03"}
    events = reader.read_events(runs["."][0])
    values = [v for e in events if e.summary for v in e.summary.value]
    tags = {v.tag for v in values}
    # one tag of every dashboard: scalars, text, tensor, custom scalars, images, video, audio,
    # histograms, PR curves, mesh, hparams
    assert {"loss/train", "loss/valid", "lr", "about/text_summary", "notes/text_summary",
            "tensor/ramp", "custom_scalars__config__", "images/gradient", "images/boxes",
            "video/orbit", "audio/chirp", "weights/layer1", "pr/classifier",
            "mesh/octahedron_VERTEX", "mesh/octahedron_FACE", "mesh/octahedron_COLOR",
            "_hparams_/experiment", "_hparams_/session_start_info",
            "_hparams_/session_end_info"} <= tags
    kinds = {name for v in values for name, _ in v.fields() if name not in ("tag", "metadata")}
    assert kinds == {"simple_value", "tensor", "image", "audio", "histo"}
    steps = [s for s, t, _ in reader.scalars(runs["."][0]) if t == "loss/train"]
    assert steps == list(range(200))
    (graph,) = [e.graph_def for e in events if e.graph_def]  # the graphs dashboard
    assert len(_messages.GRAPH_DEF.decode(graph).node) == 7
    for trial in ("trial-lr0.3", "trial-lr0.03"):
        trial_tags = {v.tag for e in reader.read_events(runs[trial][0]) if e.summary
                      for v in e.summary.value}
        assert trial_tags == {"loss/valid", "_hparams_/experiment",
                              "_hparams_/session_start_info", "_hparams_/session_end_info"}
    # the projector's files
    with open(tmp_path / "demo" / "projector_config.pbtxt", encoding="utf-8") as f:
        config = f.read()
    assert 'tensor_name: "embedding/clusters:00000"' in config
    for name in ("tensors.tsv", "metadata.tsv", "sprite.png"):
        assert (tmp_path / "demo" / "00000" / "embedding%2fclusters" / name).is_file()


def test_dump_prints_offsets_and_values(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3, walltime=2.0)
        w.add_text("note", "hi", 4, walltime=3.0)
    path = reader.event_files(tmp_path)["."][0]
    out = io.StringIO()
    assert dump(path, out) == 0
    text = out.getvalue()
    assert "file_version='brain.Event:2'" in text
    assert "@50       step=3      wall_time=2.000000  summary (1 value)" in text
    assert "tag='loss'  simple_value=0.5" in text
    assert "tag='note/text_summary'  tensor string[1]=[b'hi']  plugin='text'" in text
    assert text.rstrip().endswith("3 records, %d bytes" % os.path.getsize(path))


def test_dump_reports_truncation_and_corruption(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3)
    path = reader.event_files(tmp_path)["."][0]
    data = open(path, "rb").read()
    with open(path, "ab") as f:
        f.write(data[50:60])
    out = io.StringIO()
    assert dump(path, out) == 0
    assert "the last 10 bytes are an incomplete record" in out.getvalue()
    bad = bytearray(data)
    bad[70] ^= 1
    with open(path, "wb") as f:
        f.write(bad)
    out = io.StringIO()
    assert dump(path, out) == 1
    assert "data crc mismatch" in out.getvalue() and "at byte 50" in out.getvalue()


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_dump_of_a_directory_shows_every_run_and_decodes_plugin_data(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3, walltime=2.0)
        w.add_hparams({"lr": 0.1, "aug": True}, {"loss": None}, run_name="trial")
        w.add_pr_curve("pr", [1, 0], [0.75, 0.25], 0, num_thresholds=3)
    out = io.StringIO()
    assert dump(str(tmp_path), out) == 0
    text = out.getvalue()
    assert text.count("== run ") == 2
    assert "== run trial: " in text
    assert "content=PrCurvePluginData(num_thresholds=3)" in text
    assert "HparamsEntry(key='aug', value=Value(bool_value=True))" in text
    assert "tensor float32[6, 3]=" in text


def test_dump_shows_graph_nodes_and_run_metadata(tmp_path):
    fw = FileWriter(tmp_path)
    fw.add_graph((_messages.graph_def([_messages.node_def("net/fc", "Linear", ["x"])], 22),
                  _messages.run_metadata(["/device:CPU:0"])))
    fw.close()
    out = io.StringIO()
    assert dump(str(tmp_path), out) == 0
    text = out.getvalue()
    assert "graph_def (1 nodes, " in text
    assert "node 'net/fc' op='Linear'  inputs=['x']" in text
    assert "tagged_run_metadata tag='step1' devices=['/device:CPU:0']" in text
