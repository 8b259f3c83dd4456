"""tinytb._graph (a GraphDef from a plain description) and the graph events of the writer.
Byte vectors captured from TensorBoard 2.21's graph_pb2 (protobuf 7.36) for the same
messages; GraphDefs with attrs compared decoded, since protobuf writes map entries in hash
order."""

import pytest

from tinytb import FileWriter, SummaryWriter, _graph, _messages, reader


def decode(data):
    return _messages.GRAPH_DEF.decode(data)


def attrs(node):
    return {entry.key: entry.value for entry in node.attr}


def test_node_def_and_graph_def_vector():
    # graph_pb2.GraphDef(node=[NodeDef(name='Net/Linear[fc]/weight/weight',
    # op='prim::GetAttr', input=['input/x'], attr={'attr': AttrValue(s=b'{ name : weight }')})],
    # versions=VersionDef(producer=22)).SerializeToString()
    expected = bytes.fromhex(
        "0a530a1c4e65742f4c696e6561725b66635d2f7765696768742f776569676874120d7072696d3a3a4765"
        "7441747472 1a07696e7075742f78 2a1b0a046174747212131211 7b206e616d65203a20776569676874"
        "207d 22020816".replace(" ", "")
    )
    node = _messages.node_def(
        "Net/Linear[fc]/weight/weight",
        "prim::GetAttr",
        ["input/x"],
        attr=[("attr", _messages.attr_value(s="{ name : weight }"))],
    )
    assert _messages.graph_def([node], producer=22) == expected


def test_output_shapes_vector():
    # AttrValue(list=ListValue(shape=[TensorShapeProto(dim=[Dim(size=1), Dim(size=-1)])])):
    # an unknown dim is -1, a 10-byte varint
    assert _messages.attr_value(list=_messages.attr_list(shape=[[1, -1]])) == bytes.fromhex(
        "0a133a1112020801120b08ffffffffffffffffff01"
    )


def test_run_metadata_vector():
    # config_pb2.RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(
    # device='/device:CPU:0')])), what PyTorch's add_graph writes
    assert _messages.run_metadata(["/device:CPU:0"]) == bytes.fromhex(
        "0a110a0f0a0d2f6465766963653a4350553a30"
    )


MLP = [
    {"name": "input", "op": "Placeholder", "shape": [None, 784]},
    {
        "name": "mlp/fc1",
        "op": "Linear",
        "inputs": ["input"],
        "attrs": {
            "in_features": 784,
            "out_features": 128,
            "bias": True,
            "gain": 0.5,
            "act": "relu",
            "kernel": [3, 3],
            "names": ["a", "b"],
        },
        "shape": [None, 128],
        "device": "/device:CPU:0",
    },
    {
        "name": "mlp/relu",
        "op": "ReLU",
        "inputs": ["mlp/fc1:0", "^input"],
        "shapes": [[None, 128], [2]],
    },
]


def test_description_to_graph_def():
    graph = decode(_graph.graph_def(MLP))
    assert graph.versions.producer == 22
    assert [(n.name, n.op, n.input, n.device) for n in graph.node] == [
        ("input", "Placeholder", [], ""),
        ("mlp/fc1", "Linear", ["input"], "/device:CPU:0"),
        ("mlp/relu", "ReLU", ["mlp/fc1:0", "^input"], ""),
    ]
    fc1 = attrs(graph.node[1])
    assert fc1["in_features"].i == 784 and fc1["bias"].b is True
    assert abs(fc1["gain"].f - 0.5) == 0 and fc1["act"].s == b"relu"
    assert fc1["kernel"].list.i == [3, 3] and fc1["names"].list.s == [b"a", b"b"]
    shapes = [[d.size for d in s.dim] for s in fc1["_output_shapes"].list.shape]
    assert shapes == [[-1, 128]]
    relu = attrs(graph.node[2])
    assert [[d.size for d in s.dim] for s in relu["_output_shapes"].list.shape] == [[-1, 128], [2]]


def test_dict_description_equals_list_description():
    as_dict = {n["name"]: {k: v for k, v in n.items() if k != "name"} for n in MLP}
    assert _graph.graph_def(as_dict) == _graph.graph_def(MLP)


def test_cycles_are_allowed():
    loop = [
        {"name": "merge", "op": "Merge", "inputs": ["enter", "next"]},
        {"name": "enter", "op": "Enter"},
        {"name": "next", "op": "NextIteration", "inputs": ["merge"]},
    ]
    assert len(decode(_graph.graph_def(loop)).node) == 3


@pytest.mark.parametrize(
    "description, error, match",
    [
        ("not a graph", TypeError, "list of node dicts"),
        ([{"name": "a", "op": "X"}, {"name": "a", "op": "Y"}], ValueError, "two nodes are named"),
        ([{"name": "a", "op": "X", "inputs": ["b"]}], ValueError, "input 'b' names no node"),
        ([{"name": "a", "op": "X", "inputs": ["^b"]}], ValueError, "names no node"),
        ([{"name": "a", "op": "X", "inputs": "a"}], TypeError, "list of node names"),
        ([{"op": "X"}], ValueError, "'name' is required"),
        ([{"name": "a"}], ValueError, "'op' is required"),
        ([{"name": "a", "op": 3}], TypeError, "'op' must be a str"),
        ([{"name": "", "op": "X"}], ValueError, "must not be empty"),
        ([{"name": "a:0", "op": "X"}], ValueError, "no ':'"),
        ([{"name": "a", "op": "X", "input": ["b"]}], ValueError, "unknown key"),
        ([{"name": "a", "op": "X", "attrs": {"k": None}}], TypeError, r"attrs\['k'\]"),
        ([{"name": "a", "op": "X", "attrs": {"k": [1, "x"]}}], TypeError, "one kind"),
        ([{"name": "a", "op": "X", "attrs": {"k": 2**64}}], ValueError, "int64"),
        ([{"name": "a", "op": "X", "shape": [2, -3]}], ValueError, "shape dimensions"),
        ([{"name": "a", "op": "X", "shape": [1], "shapes": [[1]]}], ValueError, "not both"),
        ({"a": {"name": "a", "op": "X"}}, ValueError, "the name is the key"),
    ],
)
def test_bad_descriptions(description, error, match):
    with pytest.raises(error, match=match):
        _graph.graph_def(description)


def graph_events(logdir):
    return [
        e
        for e in reader.read_events(reader.event_files(logdir)["."][0])
        if e.graph_def or e.tagged_run_metadata is not None
    ]


def test_writer_add_graph_from_a_description(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_graph(MLP)
        with pytest.raises(ValueError, match="names no node"):
            w.add_graph([{"name": "a", "op": "X", "inputs": ["nope"]}])
        with pytest.raises(TypeError, match="input_to_model"):
            w.add_graph(MLP, [1.0])
    (event,) = graph_events(tmp_path)  # the graph alone: no run metadata
    assert event.step == 0
    assert event.graph_def == _graph.graph_def(MLP)


def test_writer_add_graph_takes_a_graph_def(tmp_path):
    data = _graph.graph_def(MLP)
    with SummaryWriter(tmp_path) as w:
        w.add_graph(data)
    assert [e.graph_def for e in graph_events(tmp_path)] == [data]


def test_file_writer_add_graph_pair_or_graph_alone(tmp_path):
    data = _graph.graph_def(MLP)
    meta = _messages.run_metadata(["/device:CPU:0"])
    fw = FileWriter(tmp_path)
    fw.add_graph((data, meta), walltime=3.0)
    fw.add_graph(data, walltime=4.0)
    fw.close()
    first, second, third = graph_events(tmp_path)
    assert (first.graph_def, first.wall_time) == (data, 3.0)
    assert second.tagged_run_metadata.tag == "step1"
    assert second.tagged_run_metadata.run_metadata == meta
    assert (third.graph_def, third.wall_time) == (data, 4.0)


def test_check_graph_def_takes_graph_defs_and_refuses_other_bytes():
    data = _graph.graph_def([{"name": "x", "op": "Placeholder"}])
    assert _graph.check_graph_def(data) == data
    assert _graph.check_graph_def(memoryview(data)) == data
    assert _graph.check_graph_def(b"") == b""  # an empty GraphDef is a GraphDef
    for bad in (b"\xff\xff\xff", b"not a graph", data[:-1]):
        with pytest.raises(ValueError, match="model is not a serialized GraphDef"):
            _graph.check_graph_def(bad)
