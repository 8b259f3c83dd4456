"""ONNX graphs: tinytb's ``add_onnx_graph`` against PyTorch's, and through both TensorBoard
servers.

* Models: a small CNN, an RNN (LSTM then GRU) and a model with two inputs, three outputs and
  nested modules, exported offline with ``torch.onnx.export(dynamo=False)`` (the TorchScript
  exporter), and a model built with ``onnx.helper`` that holds every attribute kind (tensors,
  subgraphs, lists of graphs, sparse tensors, type protos, strings that need escaping).
* GraphDef: ``tinytb._onnx.load_onnx_graph(bytes)`` decoded equals PyTorch's
  ``load_onnx_graph(path)`` node for node (order, names, ops, inputs, attributes as
  serialized ``AttrValue``s, versions). PyTorch prints every node name; tinytb prints nothing.
* Random models: a few hundred generated ``ModelProto``s (fixed seed) with odd floats, strings
  with control characters, invalid UTF-8, unknown fields and enum values, proto2 defaults:
  the same GraphDef, or both refuse the file.
* upb's text format (``str()`` of a message, which the ``parameters`` attribute holds): random
  float32 and float64 values print the same.
* Servers: one logdir with a PyTorch-written and a tinytb-written run per exported model;
  ``tensorboard --load_fast=true`` and ``false`` answer ``/data/plugin/graphs/info`` and
  ``/data/plugin/graphs/graph?conceptual=false`` the same for both.
"""

import contextlib
import importlib
import io
import random
import struct

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")

EXPORTED = ("cnn", "rnn", "multi")


def _onnx_module():
    target.load()
    return importlib.import_module(target.MODULE_NAME + "._onnx")


def _export(torch, name, path):
    nn = torch.nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4 * 4 * 4, 5)

        def forward(self, x):
            x = nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
            return self.fc(x.flatten(1))

    class RNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, batch_first=True)
            self.gru = nn.GRU(6, 3)

        def forward(self, x):
            y, (h, _) = self.lstm(x)
            z, _ = self.gru(y)
            return z, h

    class Multi(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 3)
            self.inner = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

        def forward(self, x, y):
            u = self.a(x) + y * 2.5
            return self.inner(u), u.sum(dim=1, keepdim=True), torch.cat([x, y], 0)

    torch.manual_seed(0)
    if name == "cnn":
        model, args = CNN(), (torch.randn(2, 3, 8, 8),)
        kwargs = dict(input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    elif name == "rnn":
        model, args, kwargs = RNN(), (torch.randn(2, 5, 4),), {}
    else:
        model, args = Multi(), (torch.randn(2, 3), torch.randn(2, 3))
        kwargs = dict(input_names=["x", "y"], output_names=["o1", "o2", "o3"])
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model.eval(), args, path, dynamo=False, **kwargs)


def _zoo(onnx):
    """A model that holds every AttributeProto kind."""
    from onnx import TensorProto, helper

    tensor = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [0.1, -0.0, 1e30, float("nan")])
    raw = helper.make_tensor(
        "r",
        TensorProto.INT64,
        [2],
        b"\x01\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
        raw=True,
    )
    branch = helper.make_graph(
        [helper.make_node("Identity", ["a"], ["b"], name="inner")],
        'then "branch"',
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, "N"])],
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, None)],
    )
    sparse = helper.make_sparse_tensor(
        helper.make_tensor("v", TensorProto.FLOAT, [2], [1, 2]),
        helper.make_tensor("i", TensorProto.INT64, [2], [0, 3]),
        [4],
    )
    nodes = [
        helper.make_node("Constant", [], ["c"], value=tensor),
        helper.make_node("Constant", [], ["r"], value=raw),
        helper.make_node("If", ["cond"], ["out"], then_branch=branch, else_branch=branch),
        helper.make_node("Loop", ["", "cond"], ["l"], body=branch, doc_string="loop\n"),
        helper.make_node(
            "Custom",
            ["c", "", "r"],
            ["x1", "x2"],
            domain="my.domain",
            f=0.25,
            i=-7,
            s='caf\u00e9\t"q"',
            floats=[1.5, 0.1],
            ints=[1, -2],
            strings=[b"a", b"\xff\x00"],
            tensors=[tensor, raw],
            graphs=[branch, branch],
            sparse=sparse,
            tp=helper.make_tensor_type_proto(TensorProto.FLOAT, [3, "M"]),
            tps=[
                helper.make_sequence_type_proto(
                    helper.make_tensor_type_proto(TensorProto.INT32, None)
                )
            ],
        ),
        helper.make_node("Relu", ["x1"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "zoo",
        [
            helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
            helper.make_tensor_value_info("seq", TensorProto.UNDEFINED, None),
            helper.make_tensor_value_info("img", TensorProto.UINT8, ["batch", 3, 224, 224]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2]),
            helper.make_tensor_value_info("out", TensorProto.DOUBLE, [-1]),
        ],
    )
    return helper.make_model(graph, producer_name="zoo")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    torch = deps.need("torch")
    onnx = deps.need("onnx")
    deps.need("tensorboard")
    root = tmp_path_factory.mktemp("onnx-models")
    paths = {}
    for name in EXPORTED:
        paths[name] = str(root / (name + ".onnx"))
        _export(torch, name, paths[name])
    paths["zoo"] = str(root / "zoo.onnx")
    onnx.save(_zoo(onnx), paths["zoo"])
    return paths


def _theirs(path):
    """PyTorch's GraphDef for the file and what it printed."""
    from torch.utils.tensorboard._onnx_graph import load_onnx_graph

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        graph = load_onnx_graph(path)
    return graph, out.getvalue()


def _canon(graph):
    return (
        [
            (
                n.name,
                n.op,
                list(n.input),
                n.device,
                {k: v.SerializeToString() for k, v in n.attr.items()},
            )
            for n in graph.node
        ],
        graph.versions.SerializeToString(),
        graph.library.SerializeToString(),
        graph.version,
    )


def _ours(onnx_mod, data):
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    return GraphDef.FromString(onnx_mod.load_onnx_graph(data))


@pytest.mark.parametrize("name", EXPORTED + ("zoo",))
def test_graph_def_equals_pytorchs(stack, name, capsys):
    onnx_mod = _onnx_module()
    theirs, printed = _theirs(stack[name])
    with open(stack[name], "rb") as f:
        ours = _ours(onnx_mod, f.read())
    assert capsys.readouterr() == ("", "")  # tinytb printed nothing
    assert _canon(ours) == _canon(theirs)
    # PyTorch printed every node's name (Variables by name, nodes by first output)
    assert printed.splitlines() == [n.name for n in theirs.node]
    assert len(theirs.node) > 5
    if name == "zoo":  # the attribute kinds really are there
        custom = next(n for n in ours.node if n.op == "Custom").attr["parameters"].s
        for piece in (
            b"graphs = [GraphProto('then \"branch\"', input=<1 inputs>",
            b"sparse = 11 = values {",
            b"tp = tensor_type {",
            b"tps = [sequence_type",
            b"f = 0.25 = 1",
            b"strings = [b'a', b'\\xff\\x00'] = 8",
            b"i = -7 = 2",
            b'raw_data: "\\001\\000',
        ):
            assert piece in custom


def test_summary_writer_add_onnx_graph(stack, tmp_path, capsys):
    tb = target.load()
    from tensorboard.backend.event_processing import event_file_loader

    onnx_mod = _onnx_module()
    with tb.SummaryWriter(str(tmp_path)) as w:
        w.add_onnx_graph(stack["cnn"])
    assert capsys.readouterr() == ("", "")
    path = next(str(p) for p in tmp_path.iterdir() if "tfevents" in p.name)
    events = [e for e in event_file_loader.EventFileLoader(path).Load() if e.HasField("graph_def")]
    assert len(events) == 1 and events[0].step == 0 and events[0].wall_time > 0
    with open(stack["cnn"], "rb") as f:
        assert events[0].graph_def == onnx_mod.load_onnx_graph(f.read())
    with pytest.raises(ValueError, match="text format"):
        w.add_onnx_graph(str(tmp_path / "model.prototxt"))


# -- random models -----------------------------------------------------------------------------


class _Random:
    """Random ModelProtos through onnx's own classes (then serialized)."""

    def __init__(self, onnx, seed):
        self.onnx = onnx
        self.rng = random.Random(seed)

    def f32(self):
        rng = self.rng
        c = rng.random()
        if c < 0.5:
            return struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        if c < 0.7:
            return rng.choice(
                [
                    0.0,
                    -0.0,
                    0.1,
                    3.0,
                    1e30,
                    -1e-45,
                    float("inf"),
                    float("nan"),
                    16777217.0,
                    3.4028235e38,
                ]
            )
        return struct.unpack(
            "<f", struct.pack("<f", rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-30, 30))
        )[0]

    def f64(self):
        rng = self.rng
        if rng.random() < 0.6:
            return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        return rng.choice([0.0, -0.0, 0.1, 1e300, 5e-324, float("-inf"), 2.0**53 + 1])

    def raw(self):
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 10)))

    def text(self):
        pool = [
            "a",
            "Z",
            " ",
            "\n",
            "\t",
            "\r",
            '"',
            "'",
            "\\",
            "\x00",
            "\x7f",
            "\x1f",
            "\u00e9",
            "\u20ac",
            "\U0001f600",
            "\u0085",
            "\u2028",
            "@@",
        ]
        return "".join(self.rng.choice(pool) for _ in range(self.rng.randint(0, 6)))

    def tensor(self):
        rng, t = self.rng, self.onnx.TensorProto()
        if rng.random() < 0.7:
            t.dims.extend(rng.randint(-3, 2**40) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.7:
            t.data_type = rng.randint(-5, 30)
        if rng.random() < 0.2:
            t.segment.begin = rng.randint(-5, 5)
        if rng.random() < 0.4:
            t.float_data.extend(self.f32() for _ in range(rng.randint(0, 5)))
        if rng.random() < 0.3:
            t.int32_data.extend(rng.randint(-(2**31), 2**31 - 1) for _ in range(3))
        if rng.random() < 0.3:
            t.string_data.extend(self.raw() for _ in range(2))
        if rng.random() < 0.3:
            t.int64_data.extend(rng.randint(-(2**63), 2**63 - 1) for _ in range(2))
        if rng.random() < 0.5:
            t.name = self.text()
        if rng.random() < 0.2:
            t.doc_string = self.text()
        if rng.random() < 0.5:
            t.raw_data = self.raw()
        if rng.random() < 0.2:
            t.external_data.add(key=self.text(), value=self.text())
        if rng.random() < 0.2:
            t.data_location = rng.randint(0, 1)
        if rng.random() < 0.3:
            t.double_data.extend(self.f64() for _ in range(rng.randint(0, 4)))
        if rng.random() < 0.2:
            t.uint64_data.extend(rng.randint(0, 2**64 - 1) for _ in range(2))
        if rng.random() < 0.1:
            t = self.onnx.TensorProto.FromString(  # an unknown field, DataLocation 7
                t.SerializeToString() + b"\x70\x07\xfa\x3e\x02\x01\x02"
            )
        return t

    def type_proto(self, depth=0):
        rng, tp = self.rng, self.onnx.TypeProto()
        c = rng.randint(0, 6 if depth < 2 else 3)
        if c == 0:
            tp.tensor_type.elem_type = rng.randint(0, 16)
            if rng.random() < 0.8:
                tp.tensor_type.shape.SetInParent()
                for _ in range(rng.randint(0, 3)):
                    d = tp.tensor_type.shape.dim.add()
                    r = rng.random()
                    if r < 0.5:
                        d.dim_value = rng.randint(-2, 100)
                    elif r < 0.8:
                        d.dim_param = self.text()
                    if rng.random() < 0.2:
                        d.denotation = "DATA_BATCH"
        elif c == 1:
            tp.sparse_tensor_type.elem_type = 1
        elif c == 2:
            tp.opaque_type.domain = self.text()
        elif c == 4:
            tp.sequence_type.elem_type.CopyFrom(self.type_proto(depth + 1))
        elif c == 5:
            tp.map_type.key_type = 7
            tp.map_type.value_type.CopyFrom(self.type_proto(depth + 1))
        elif c == 6:
            tp.optional_type.elem_type.CopyFrom(self.type_proto(depth + 1))
        if rng.random() < 0.2:
            tp.denotation = self.text()
        return tp

    def attribute(self, depth):
        rng, a = self.rng, self.onnx.AttributeProto()
        if rng.random() < 0.95:
            a.name = self.text() or "n"
        if rng.random() < 0.1:
            a.ref_attr_name = self.text()
        if rng.random() < 0.1:
            a.doc_string = self.text()
        if rng.random() < 0.7:
            a.type = rng.randint(0, 14)
        k = rng.randint(0, 13 if depth < 2 else 10)
        if k == 0:
            a.f = self.f32()
        elif k == 1:
            a.i = rng.randint(-(2**63), 2**63 - 1)
        elif k == 2:
            a.s = self.raw()
        elif k == 3:
            a.t.CopyFrom(self.tensor())
        elif k == 4:
            a.floats.extend(self.f32() for _ in range(rng.randint(0, 4)))
        elif k == 5:
            a.ints.extend(rng.randint(-(2**63), 2**63 - 1) for _ in range(rng.randint(0, 4)))
        elif k == 6:
            a.strings.extend(self.raw() for _ in range(rng.randint(0, 3)))
        elif k == 7:
            a.tensors.extend(self.tensor() for _ in range(rng.randint(0, 3)))
        elif k == 8:
            a.tp.CopyFrom(self.type_proto())
        elif k == 9:
            a.type_protos.extend(self.type_proto() for _ in range(2))
        elif k == 10:
            a.sparse_tensor.values.CopyFrom(self.tensor())
            a.sparse_tensor.dims.extend([3, 4])
        elif k == 11:
            a.g.CopyFrom(self.graph(depth + 1))
        elif k == 12:
            a.graphs.extend(self.graph(depth + 1) for _ in range(2))
        else:
            a.sparse_tensors.add().indices.CopyFrom(self.tensor())
        if rng.random() < 0.1:
            a.i = 0
        r = rng.random()
        if r < 0.1:  # an unknown field
            a = self.onnx.AttributeProto.FromString(a.SerializeToString() + b"\xa0\x06\x05")
        elif r < 0.2:  # a value AttributeType does not name (closed enum)
            a = self.onnx.AttributeProto.FromString(
                a.SerializeToString() + bytes([0xA0, 0x01, rng.choice([15, 99, 0x7F])])
            )
        return a

    def value(self):
        v = self.onnx.ValueInfoProto(name=self.text())
        if self.rng.random() < 0.9:
            v.type.CopyFrom(self.type_proto())
        return v

    def graph(self, depth=0):
        rng, g = self.rng, self.onnx.GraphProto(name=self.text())
        g.input.extend(self.value() for _ in range(rng.randint(0, 3)))
        g.output.extend(self.value() for _ in range(rng.randint(0, 3)))
        for _ in range(rng.randint(0, 4)):
            n = g.node.add(op_type=self.text(), name=self.text())
            n.input.extend(self.text() for _ in range(rng.randint(0, 3)))
            n.output.extend(self.text() for _ in range(rng.randint(1, 2)))
            if rng.random() < 0.2:
                n.domain = "ai.onnx.ml"
            if rng.random() < 0.1:
                config = n.device_configurations.add(configuration_id="c", pipeline_stage=-1)
                spec = config.sharding_spec.add(tensor_name="t")
                spec.sharded_dim.add(axis=1).simple_sharding.add(dim_param="x", num_shards=2)
            n.attribute.extend(self.attribute(depth) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.3:
            g.initializer.append(self.tensor())
        if rng.random() < 0.1:
            g.value_info.append(self.value())
        return g


def test_random_models_equal_pytorchs():
    onnx = deps.need("onnx")
    deps.need("torch")
    from torch.utils.tensorboard._onnx_graph import parse

    onnx_mod = _onnx_module()
    gen = _Random(onnx, 20260)
    compared = refused = 0
    for i in range(300):
        data = gen.onnx.helper.make_model(gen.graph()).SerializeToString()
        if i % 4 < 2:  # invalid UTF-8 (lengths unchanged): a bad start byte, a surrogate
            data = data.replace(b"@@", b"\xc3\xff" if i % 4 == 0 else b"\xed\xa0")
        try:
            model = onnx.ModelProto.FromString(data)
            with contextlib.redirect_stdout(io.StringIO()):
                theirs = parse(model.graph)
        except Exception:  # PyTorch cannot read it (a name that is not UTF-8): nor do we
            with pytest.raises(ValueError):
                onnx_mod.load_onnx_graph(data)
            refused += 1
            continue
        assert _canon(_ours(onnx_mod, data)) == _canon(theirs), i
        compared += 1
    assert compared > 150 and refused > 20


def test_float_text_equals_upb():
    onnx = deps.need("onnx")
    onnx_mod = _onnx_module()
    rng = random.Random(7)
    floats = [struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0] for _ in range(20000)]
    doubles = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20000)]
    data = onnx.TensorProto(float_data=floats, double_data=doubles).SerializeToString()
    assert onnx_mod.text_format(onnx_mod.TENSOR.decode(data)) == str(
        onnx.TensorProto.FromString(data)
    )


# -- servers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_servers(stack, tmp_path_factory):
    """{load_fast: Server} on one logdir with runs torch-<model> and tinytb-<model>."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from . import servers as servers_mod

    tb = target.load()
    root = tmp_path_factory.mktemp("onnx-graphs")
    for name in EXPORTED:
        with contextlib.redirect_stdout(io.StringIO()):
            with TorchWriter(str(root / ("torch-" + name))) as w:
                w.add_onnx_graph(stack[name])
        with tb.SummaryWriter(str(root / ("tinytb-" + name))) as w:
            w.add_onnx_graph(stack[name])
    with servers_mod.running({fast: (root, fast) for fast in (True, False)}, root) as started:
        yield started


def _info_runs(server):
    info = server.get("/data/plugin/graphs/info")
    assert sorted(info) == sorted(w + "-" + n for w in ("torch", "tinytb") for n in EXPORTED)
    for run in info.values():
        assert run["run_graph"] is True, run
    return info


@pytest.mark.parametrize("load_fast", [True, False], ids=["load_fast", "python_loader"])
def test_graphs_dashboard_serves_the_same_graph(onnx_servers, load_fast):
    from . import servers as servers_mod

    server = onnx_servers[load_fast]
    info = servers_mod.eventually(lambda: _info_runs(server), timeout=30.0)
    for name in EXPORTED:
        ours, theirs = "tinytb-" + name, "torch-" + name
        assert dict(info[ours], run=theirs) == info[theirs]
        our_graph = servers_mod.served_graph(server, ours)
        assert our_graph.SerializeToString(deterministic=True) == servers_mod.served_graph(
            server, theirs
        ).SerializeToString(deterministic=True)
        assert any(node.op == "Variable" for node in our_graph.node)
        assert any("parameters" in node.attr for node in our_graph.node)
