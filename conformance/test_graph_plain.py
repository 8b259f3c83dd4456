"""Graphs from tinytb's plain description (no PyTorch counterpart): both TensorBoard loaders
serve the GraphDef tinytb wrote, node for node.

The run is written by the target alone (``SummaryWriter.add_graph`` with a list of node dicts,
as the demo does), then a ``tensorboard --load_fast=true`` and a ``--load_fast=false`` server
read it: ``/data/plugin/graphs/info`` must list the run with its graph, and
``/data/plugin/graphs/graph?run=&conceptual=false`` (the graph as protobuf text) must parse
into the same ``GraphDef`` TensorBoard's own ``graph_pb2`` decodes from the event file.
"""

import pytest

from . import deps, servers, target

DESCRIPTION = [
    {"name": "input/images", "op": "Placeholder", "shape": [None, 1, 28, 28]},
    {
        "name": "features/conv1",
        "op": "Conv2d",
        "inputs": ["input/images"],
        "attrs": {
            "out_channels": 16,
            "kernel_size": [3, 3],
            "bias": True,
            "gain": 0.5,
            "mode": "zeros",
        },
        "shape": [None, 16, 26, 26],
        "device": "/device:CPU:0",
    },
    {
        "name": "features/relu1",
        "op": "ReLU",
        "inputs": ["features/conv1:0", "^input/images"],
        "shapes": [[None, 16, 26, 26], [1]],
    },
    {"name": "loop/merge", "op": "Merge", "inputs": ["features/relu1", "loop/next"]},
    {"name": "loop/next", "op": "NextIteration", "inputs": ["loop/merge"]},
]


@pytest.fixture(scope="module")
def graph_servers(tmp_path_factory):
    deps.need("tensorboard")
    tb = target.load()
    root = tmp_path_factory.mktemp("graph_plain")
    with tb.SummaryWriter(str(root / "plain")) as w:
        w.add_scalar("loss", 1.0, 0)
        w.add_graph(DESCRIPTION)
    with servers.running({fast: (root, fast) for fast in (True, False)}, root) as started:
        yield root, started


def _event_graph(root):
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.compat.proto import graph_pb2

    path = next(p for p in (root / "plain").iterdir() if "tfevents" in p.name)
    for event in event_file_loader.EventFileLoader(str(path)).Load():
        if event.HasField("graph_def"):
            return graph_pb2.GraphDef.FromString(event.graph_def)
    raise AssertionError("no graph_def event")


@pytest.mark.parametrize("fast", [True, False], ids=["load_fast", "python_loader"])
def test_servers_serve_the_described_graph(graph_servers, fast):
    root, started = graph_servers
    server = started[fast]
    info = servers.eventually(lambda: _info_with_graph(server), timeout=30.0)
    assert info["plain"]["run_graph"] is True
    served = servers.served_graph(server, "plain")
    written = _event_graph(root)
    assert served == written
    nodes = {n.name: n for n in served.node}
    assert list(nodes) == [d["name"] for d in DESCRIPTION]
    conv = nodes["features/conv1"]
    assert (conv.op, list(conv.input), conv.device) == ("Conv2d", ["input/images"], "/device:CPU:0")
    assert conv.attr["out_channels"].i == 16 and list(conv.attr["kernel_size"].list.i) == [3, 3]
    assert conv.attr["mode"].s == b"zeros" and conv.attr["bias"].b is True
    assert [[d.size for d in s.dim] for s in conv.attr["_output_shapes"].list.shape] == [
        [-1, 16, 26, 26]
    ]
    assert list(nodes["features/relu1"].input) == ["features/conv1:0", "^input/images"]
    assert served.versions.producer == 22


def _info_with_graph(server):
    info = server.get("/data/plugin/graphs/info")
    runs = info.get("run_to_tag_to_content") or info
    assert "plain" in runs, info
    entry = runs["plain"]
    assert entry.get("run_graph"), info
    return runs
