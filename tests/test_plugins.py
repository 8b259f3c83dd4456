"""tinytb.summary and tinytb.writer for the plugin summaries: hparams, meshes and PR curves
(their message encoders are pinned in tests/test_messages.py, the PR-curve arithmetic in
tests/test_pr_curve.py)."""

import collections
import os
import struct

import pytest

from tinytb import SummaryWriter, _messages, reader, summary

from vectors import FakeArray


def values_by_run(logdir):
    """{run: [(step, Summary.Value)]} for every summary value below ``logdir``."""
    out = {}
    for run, files in reader.event_files(logdir).items():
        for f in files:
            for _, event in reader.iter_events(f):
                if event.summary is not None:
                    out.setdefault(run, []).extend((event.step, v) for v in event.summary.value)
    return out


def plugin_content(value, schema):
    assert value.metadata.plugin_data.plugin_name
    return schema.decode(value.metadata.plugin_data.content)


# -- hparams -----------------------------------------------------------------------------------


def test_hparams_layout_is_pytorchs(tmp_path):
    # PyTorch: a sub-run <log_dir>/<run_name> holding experiment, session_start_info,
    # session_end_info (value-less, plugin hparams) and then one scalar per metric, all at
    # global_step
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(
            {"lr": 0.1, "bsize": 32, "opt": "adam", "skip": None},
            {"hparam/accuracy": 0.5},
            run_name="trial",
            global_step=7,
        )
    runs = values_by_run(tmp_path)
    assert list(runs) == ["trial"]
    steps_tags = [(step, v.tag) for step, v in runs["trial"]]
    assert steps_tags == [
        (7, "_hparams_/experiment"),
        (7, "_hparams_/session_start_info"),
        (7, "_hparams_/session_end_info"),
        (7, "hparam/accuracy"),
    ]
    exp, ssi, sei, metric = [v for _, v in runs["trial"]]
    for v in (exp, ssi, sei):
        assert [name for name, _ in v.fields()] == ["tag", "metadata"]  # no value
        assert v.metadata.plugin_data.plugin_name == "hparams"
    experiment = plugin_content(exp, _messages.HPARAMS_PLUGIN_DATA).experiment
    assert [(h.name, h.type) for h in experiment.hparam_infos] == [
        ("lr", _messages.DATA_TYPE_FLOAT64),
        ("bsize", _messages.DATA_TYPE_FLOAT64),
        ("opt", _messages.DATA_TYPE_STRING),
    ]
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    start = plugin_content(ssi, _messages.HPARAMS_PLUGIN_DATA).session_start_info
    assert [(e.key, e.value.fields()) for e in start.hparams] == [
        ("lr", [("number_value", 0.1)]),
        ("bsize", [("number_value", 32.0)]),
        ("opt", [("string_value", "adam")]),
    ]
    end = plugin_content(sei, _messages.HPARAMS_PLUGIN_DATA).session_end_info
    assert end.status == _messages.STATUS_SUCCESS
    assert metric.simple_value == 0.5


def test_hparams_booleans_are_booleans(tmp_path):
    # PyTorch writes True as number_value 1.0 of type FLOAT64 (its bool branch is dead code)
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(
            {
                "aug": True,
                "n": FakeArray([3], "int64", ()),
                "f": FakeArray([0.25], "float64", ()),
                "b": FakeArray([False], "bool", ()),
            },
            {"m": 1.0},
            hparam_domain_discrete={"aug": [True, False]},
            run_name="r",
        )
    exp, ssi = [v for _, v in values_by_run(tmp_path)["r"][:2]]
    infos = plugin_content(exp, _messages.HPARAMS_PLUGIN_DATA).experiment.hparam_infos
    assert [(h.name, h.type) for h in infos] == [
        ("aug", _messages.DATA_TYPE_BOOL),
        ("n", _messages.DATA_TYPE_FLOAT64),
        ("f", _messages.DATA_TYPE_FLOAT64),
        ("b", _messages.DATA_TYPE_BOOL),
    ]
    assert [v.fields() for v in infos[0].domain_discrete.values] == [
        [("bool_value", True)],
        [("bool_value", False)],
    ]
    start = plugin_content(ssi, _messages.HPARAMS_PLUGIN_DATA).session_start_info
    assert [e.value.fields() for e in start.hparams] == [
        [("bool_value", True)],
        [("number_value", 3.0)],
        [("number_value", 0.25)],
        [("bool_value", False)],
    ]


def test_hparams_accept_any_mapping(tmp_path):
    # PyTorch checks type(hparam_dict) is dict and rejects OrderedDict
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(
            collections.OrderedDict(b=2, a=1), collections.OrderedDict(m=0.0), run_name="r"
        )
    start = plugin_content(values_by_run(tmp_path)["r"][1][1], _messages.HPARAMS_PLUGIN_DATA)
    assert [e.key for e in start.session_start_info.hparams] == ["b", "a"]


def test_hparams_default_run_name_is_the_time(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1}, {"m": 1.0})
    (run,) = values_by_run(tmp_path)
    assert float(run) == pytest.approx(__import__("time").time(), abs=60)


def test_hparams_same_run_mode(tmp_path):
    # run_name="." writes the session into the writer's own file, so the curves logged
    # there are the session's metrics; a metric value of None names the metric only
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_hparams({"lr": 0.1}, {"loss": None, "final": 0.25}, run_name=".", global_step=2)
    assert os.listdir(tmp_path) == [os.path.basename(reader.event_files(tmp_path)["."][0])]
    tags = [(step, v.tag) for step, v in values_by_run(tmp_path)["."]]
    assert tags == [
        (0, "loss"),
        (1, "loss"),
        (2, "loss"),
        (2, "_hparams_/experiment"),
        (2, "_hparams_/session_start_info"),
        (2, "_hparams_/session_end_info"),
        (2, "final"),
    ]
    exp = values_by_run(tmp_path)["."][3][1]
    metrics = plugin_content(exp, _messages.HPARAMS_PLUGIN_DATA).experiment.metric_infos
    assert [m.name.tag for m in metrics] == ["loss", "final"]


def test_hparams_sub_writer_keeps_the_writers_options(tmp_path):
    # PyTorch's sub-writer drops filename_suffix (docs/pytorch-writer.md section 1)
    with SummaryWriter(tmp_path, filename_suffix=".x") as w:
        w.add_hparams({"lr": 0.1}, {"m": 1.0}, run_name="r")
    assert reader.event_files(tmp_path)["r"][0].endswith(".x")


@pytest.mark.parametrize(
    "args, error, match",
    [
        (([("lr", 0.1)], {}), TypeError, "hparam_dict"),
        (({"lr": 0.1}, 5), TypeError, "metric_dict"),
        (({"lr": [1, 2]}, {}), ValueError, r"hparam_dict\['lr'\]"),
        (({"lr": 1j}, {}), ValueError, r"hparam_dict\['lr'\]"),
        (({"lr": FakeArray([1.0, 2.0], "float32")}, {}), ValueError, "one value"),
        (({1: 0.1}, {}), TypeError, "hparam_dict key"),
        (({"lr": 0.1}, {"m": "high"}), ValueError, r"metric_dict\['m'\]"),
        (({"lr": 0.1}, {}, {"other": [1]}), TypeError, "hparam_domain_discrete"),
        (({"lr": 0.1}, {}, {"lr": ["a"]}), TypeError, "same type"),
        (({"lr": 0.1}, {}, {"lr": 0.5}), TypeError, "list"),
    ],
)
def test_hparams_bad_input_writes_nothing(tmp_path, args, error, match):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(error, match=match):
            w.add_hparams(*args, run_name="r")
        w.add_scalar("still", 1.0, 0)  # the writer stays usable
    assert list(values_by_run(tmp_path)) == ["."]


def test_summary_hparams_returns_three_summaries():
    exp, ssi, sei = summary.hparams({"lr": 0.1}, {"m": 1.0})
    tags = [_messages.SUMMARY.decode(s).value[0].tag for s in (exp, ssi, sei)]
    assert tags == [
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    ]
    # session_end content: docs/pytorch-writer.md section 4.2 "22 02 08 01"
    assert _messages.SUMMARY.decode(sei).value[0].metadata.plugin_data.content == bytes.fromhex(
        "22020801"
    )


# -- meshes ------------------------------------------------------------------------------------

# PyTorch's own writer test (test/test_tensorboard.py, test_mesh): a tetrahedron
TETRA_V = [[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]]
TETRA_C = [[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]]
TETRA_F = [[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]]


def flat(nested):
    return [x for batch in nested for row in batch for x in row]


def test_mesh_values_tags_and_components(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_mesh(
            "my_mesh",
            vertices=FakeArray(flat(TETRA_V), "float64", (1, 4, 3)),
            colors=FakeArray(flat(TETRA_C), "uint8", (1, 4, 3)),
            faces=FakeArray(flat(TETRA_F), "int64", (1, 4, 3)),
            config_dict={"camera": {"fov": 75}},
            global_step=3,
        )
    ((step, v), (_, f), (_, c)) = values_by_run(tmp_path)["."]
    assert step == 3
    assert [v.tag, f.tag, c.tag] == ["my_mesh_VERTEX", "my_mesh_FACE", "my_mesh_COLOR"]
    for value, content_type, nested in ((v, 1, TETRA_V), (f, 2, TETRA_F), (c, 3, TETRA_C)):
        dtype, shape, data = reader.tensor_values(value.tensor)
        assert (dtype, shape) == ("float32", [1, 4, 3])  # all DT_FLOAT, as PyTorch
        assert data == [float(x) for x in flat(nested)]
        meta = plugin_content(value, _messages.MESH_PLUGIN_DATA)
        assert (meta.name, meta.content_type, meta.shape, meta.components) == (
            "my_mesh",
            content_type,
            [1, 4, 3],
            14,
        )
        assert meta.json_config == '{"camera": {"fov": 75}}'


@pytest.mark.parametrize(
    "colors, faces, components",
    [(None, None, 2), (None, TETRA_F, 6), (TETRA_C, None, 10), (TETRA_C, TETRA_F, 14)],
)
def test_mesh_components_bitmask(tmp_path, colors, faces, components):
    # docs/pytorch-writer.md section 4.1: V only = 2, V+F = 6, V+C = 10, V+F+C = 14
    data = summary.mesh("m", TETRA_V, colors, faces, None)
    values = _messages.SUMMARY.decode(data).value
    assert len(values) == 1 + (colors is not None) + (faces is not None)
    for value in values:
        meta = plugin_content(value, _messages.MESH_PLUGIN_DATA)
        assert meta.components == components
        assert meta.json_config == "{}"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vertices=[[1.0, 2.0, 3.0]]), "vertices must have shape"),
        (dict(vertices=[[[1.0, 2.0]]]), "vertices must have shape"),
        (dict(vertices=TETRA_V, colors=[[[1, 2, 3]]]), "colors has shape"),
        (dict(vertices=TETRA_V, faces=[[[0, 1, 4]]]), "faces must hold vertex indices"),
        (dict(vertices=TETRA_V, faces=[[[-1, 1, 2]]]), "faces must hold vertex indices"),
    ],
)
def test_mesh_bad_shapes_raise_value_error(tmp_path, kwargs, match):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=match):
            w.add_mesh("m", **kwargs)
        with pytest.raises(TypeError, match="config_dict"):
            w.add_mesh("m", TETRA_V, config_dict={"f": object()})
    assert values_by_run(tmp_path) == {}


# -- PR curves ---------------------------------------------------------------------------------


def floats32(values):
    return [struct.unpack("<f", struct.pack("<f", v))[0] for v in values]


def test_pr_curve_spec_vector(tmp_path):
    # docs/pytorch-writer.md section 7 (verified): labels [1,0,1,1], predictions
    # [.9,.2,.6,.4], num_thresholds=5; written as a (6, 5) DT_FLOAT tensor, plugin data 10 05
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", [1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4], 1, num_thresholds=5)
    ((step, value),) = values_by_run(tmp_path)["."]
    assert step == 1 and value.tag == "pr"
    dtype, shape, data = reader.tensor_values(value.tensor)
    assert (dtype, shape) == ("float32", [6, 5])
    assert data == floats32(
        [
            3,
            3,
            2,
            1,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            1,
            1,
            1,
            1,
            0,
            0,
            1,
            2,
            3,
            0.75,
            1,
            1,
            1,
            0,
            1,
            1,
            2 / 3,
            1 / 3,
            0,
        ]
    )
    assert value.metadata.plugin_data.plugin_name == "pr_curves"
    assert value.metadata.plugin_data.content == bytes.fromhex("1005")


def test_pr_curve_thresholds_capped_at_127(tmp_path):
    data = summary.pr_curve("pr", [1, 0], [0.5, 0.25], num_thresholds=500)
    value = _messages.SUMMARY.decode(data).value[0]
    assert reader.tensor_values(value.tensor)[1] == [6, 127]
    assert value.metadata.plugin_data.content == bytes.fromhex("107f")


def test_pr_curve_raw(tmp_path):
    rows = [[3, 3, 2], [1, 0, 0], [0, 1, 1], [0, 0, 1], [0.75, 1, 1], [1, 1, 2 / 3]]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve_raw("raw", *rows, global_step=2, num_thresholds=3)
        with pytest.warns(UserWarning, match="num_thresholds"):
            w.add_pr_curve_raw("raw", *rows, global_step=3)  # 127 thresholds, 3 columns
        with pytest.raises(ValueError, match="precision has 2 values"):
            w.add_pr_curve_raw("raw", *(rows[:4] + [[1, 1], rows[5]]))
        with pytest.raises(ValueError, match="num_thresholds"):
            w.add_pr_curve_raw("raw", *rows, num_thresholds=0)
        with pytest.raises(TypeError, match="precision"):
            w.add_pr_curve_raw("raw", *(rows[:4] + [["a", 1, 1], rows[5]]))
        with pytest.raises(ValueError, match="recall has 4 values"):
            w.add_pr_curve_raw("raw", *(rows[:5] + [[1, 1, 1, 1]]))
    (step, value), (_, second) = values_by_run(tmp_path)["."]
    assert reader.tensor_values(value.tensor)[1:] == ([6, 3], floats32(sum(rows, [])))
    assert value.metadata.plugin_data.content == bytes.fromhex("1003")
    assert second.metadata.plugin_data.content == bytes.fromhex("107f")


def test_pr_curve_bad_input_writes_nothing(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="predictions"):
            w.add_pr_curve("pr", [1, 0], [0.5, 1.5])
        with pytest.raises(ValueError):
            w.add_pr_curve("pr", [1, 0, 1], [0.5, 0.5])
        with pytest.raises(TypeError, match="tag"):
            w.add_pr_curve(3, [1], [0.5])
    assert values_by_run(tmp_path) == {}
