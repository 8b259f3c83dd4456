"""tinytb._torch_graph without torch: a stand-in ``torch`` module (put into ``sys.modules`` for
the test) serves hand-built TorchScript graphs through the methods PyTorch's tracer objects
have, and the GraphDef must equal PyTorch's for the model the graph was copied from.

Expected nodes: ``torch.utils.tensorboard._pytorch_graph.graph(model, args)`` of torch 2.13
(tensorboard 2.21 protos) for the two models written out above each vector; the fake graphs
copy ``print(trace.graph)`` of the same models after ``torch._C._jit_pass_inline``.
conformance/test_graph_torch.py compares against PyTorch itself on real models.
"""

import io
import sys
import types
from contextlib import redirect_stdout

import pytest

from tinytb import _messages
from tinytb._torch_graph import Op, graph, scoped_nodes

# -- a stand-in for torch's tracer objects ------------------------------------------------------


class FakeType:
    def __init__(self, kind, sizes=None):
        self._kind, self._sizes = kind, sizes

    def kind(self):
        return self._kind

    def sizes(self):
        if self._kind != "TensorType":  # torch: an internal assert, a RuntimeError
            raise RuntimeError("r INTERNAL ASSERT FAILED")
        return self._sizes


class FakeValue:
    def __init__(self, name, kind="TensorType", sizes=None):
        self.name, self.type_ = name, FakeType(kind, sizes)
        self.users = []

    def debugName(self):
        return self.name

    def type(self):
        return self.type_

    def uses(self):
        return list(self.users)

    def isCompleteTensor(self):
        return self.type_.kind() == "TensorType" and self.type_._sizes is not None


class FakeNode:
    def __init__(self, kind, inputs, outputs, scope="", attrs=()):
        self._kind, self._inputs, self._outputs, self._scope = kind, inputs, outputs, scope
        self._attrs = dict(attrs)  # key -> (kind letter, value)
        for value in inputs:
            value.users.append(self)

    def kind(self):
        return self._kind

    def scopeName(self):
        return self._scope

    def inputs(self):
        return iter(self._inputs)

    def outputs(self):
        return iter(self._outputs)

    def input(self):
        (value,) = self._inputs
        return value

    def output(self):
        (value,) = self._outputs
        return value

    def attributeNames(self):
        return list(self._attrs)

    def kindOf(self, key):
        return self._attrs[key][0]

    def s(self, key):
        return self._attrs[key][1]

    t = i = s


class Shown:
    """A value whose repr is given (a tensor prints as ``tensor(2)``)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


class FakeGraph:
    def __init__(self, inputs, nodes, outputs):
        self._inputs, self._nodes, self._outputs = inputs, nodes, outputs
        for value in outputs:
            value.users.append("return")
        self.inlined = False

    def inputs(self):
        return iter(self._inputs)

    def nodes(self):
        return iter(self._nodes)

    def outputs(self):
        return iter(self._outputs)

    def __str__(self):
        return "graph(<fake>)"


class TracedModule:
    def __init__(self, name, graph=None, modules=()):
        self._name, self.graph, self._modules = name, graph, modules

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, module in self._modules:
            yield prefix + "." + name, module


class ScriptFunction:
    pass


class Module:
    """A module with PyTorch's train()/modules() semantics."""

    def __init__(self, *children):
        self.training = True
        self.children = children
        self.train_calls = []

    def modules(self):
        yield self
        for child in self.children:
            yield from child.modules()

    def train(self, mode=True):
        self.train_calls.append(mode)
        for module in self.modules():
            module.training = mode
        return self


def fake_torch(traced=None, error=None, seen=None):
    """A ``torch`` module whose ``jit.trace`` returns ``traced`` or raises ``error``; ``seen``
    collects the training flags at trace time and the trace arguments."""
    torch = types.ModuleType("torch")

    def trace(model, args, strict=True):
        if seen is not None:
            seen.append(([m.training for m in model.modules()], args, strict))
        if error is not None:
            raise error
        return traced

    def inline(g):
        g.inlined = True

    torch.jit = types.SimpleNamespace(
        trace=trace, TracedModule=TracedModule, ScriptFunction=ScriptFunction
    )
    torch.nn = types.SimpleNamespace(Module=Module)
    torch._C = types.SimpleNamespace(_jit_pass_inline=inline)
    return torch


@pytest.fixture
def use_torch(monkeypatch):
    def install(torch):
        monkeypatch.setitem(sys.modules, "torch", torch)

    return install


# -- the models ---------------------------------------------------------------------------------


def tiny_trace():
    """class Tiny(nn.Module):  # seq = nn.Sequential(nn.Linear(3, 2))
        def forward(self, x): return self.seq(x).relu()
    traced with torch.randn(1, 3)."""
    this = FakeValue("self.1", "ClassType")
    x = FakeValue("x", sizes=[1, 3])
    seq, lin = FakeValue("seq", "ClassType"), FakeValue("_0", "ClassType")
    bias, weight = FakeValue("bias"), FakeValue("weight")
    v26, v13 = FakeValue("26", sizes=[1, 2]), FakeValue("13", sizes=[1, 2])
    nodes = [
        FakeNode("prim::GetAttr", [this], [seq], attrs={"name": ("s", "seq")}),
        FakeNode("prim::GetAttr", [seq], [lin], attrs={"name": ("s", "0")}),
        FakeNode("prim::GetAttr", [lin], [bias], attrs={"name": ("s", "bias")}),
        FakeNode("prim::GetAttr", [lin], [weight], attrs={"name": ("s", "weight")}),
        FakeNode("aten::linear", [x, weight, bias], [v26], "__module.seq/__module.seq.0"),
        FakeNode("aten::relu", [v26], [v13]),
    ]
    g = FakeGraph([this, x], nodes, [v13])
    modules = [("seq", TracedModule("Sequential")), ("seq.0", TracedModule("Linear"))]
    return TracedModule("Tiny", g, modules)


TINY = [  # name, op, inputs, attr, _output_shapes (None: no such attribute)
    ("input/x", "IO Node", [], "", [1, 3]),
    ("output/output.1", "IO Node", ["Tiny/13"], "", [1, 2]),
    (
        "Tiny/Sequential[seq]/Linear[0]/bias/bias",
        "prim::GetAttr",
        ["Tiny/Sequential[seq]/Linear[0]/weight/_0"],
        "{ name :  bias }",
        None,
    ),
    (
        "Tiny/Sequential[seq]/Linear[0]/weight/weight",
        "prim::GetAttr",
        ["Tiny/Sequential[seq]/Linear[0]/weight/_0"],
        "{ name :  weight }",
        None,
    ),
    (
        "Tiny/Sequential[seq]/Linear[0]/26",
        "aten::linear",
        [
            "input/x",
            "Tiny/Sequential[seq]/Linear[0]/weight/weight",
            "Tiny/Sequential[seq]/Linear[0]/bias/bias",
        ],
        "{}",
        [1, 2],
    ),
    ("Tiny/13", "aten::relu", ["Tiny/Sequential[seq]/Linear[0]/26"], "{}", [1, 2]),
]


def collide_trace():
    """class Collide(nn.Module):  # fc = nn.Linear(3, 3)
        def forward(self, output):
            output = self.fc(output); output = torch.relu(output)
            return output, output * 2, output
    traced with torch.randn(2, 3): the input is named output.1, as PyTorch names the first
    output node, which takes its place (PyTorch's graph has no input node then)."""
    this = FakeValue("self.1", "ClassType")
    arg = FakeValue("output.1", sizes=[2, 3])
    fc, bias, weight = FakeValue("fc", "ClassType"), FakeValue("bias"), FakeValue("weight")
    v3, out = FakeValue("output.3", sizes=[2, 3]), FakeValue("output", sizes=[2, 3])
    two, v12 = FakeValue("11", sizes=[]), FakeValue("12", sizes=[2, 3])
    v13 = FakeValue("13", "TupleType")
    nodes = [
        FakeNode("prim::GetAttr", [this], [fc], attrs={"name": ("s", "fc")}),
        FakeNode("prim::GetAttr", [fc], [bias], attrs={"name": ("s", "bias")}),
        FakeNode("prim::GetAttr", [fc], [weight], attrs={"name": ("s", "weight")}),
        FakeNode("aten::linear", [arg, weight, bias], [v3], "__module.fc"),
        FakeNode("aten::relu", [v3], [out]),
        FakeNode("prim::Constant", [], [two], attrs={"value": ("t", Shown("tensor(2)"))}),
        FakeNode("aten::mul", [out, two], [v12]),
        FakeNode("prim::TupleConstruct", [out, v12, out], [v13]),
    ]
    g = FakeGraph([this, arg], nodes, [v13])
    return TracedModule("Collide", g, [("fc", TracedModule("Linear"))])


COLLIDE = [
    ("output/output.1", "IO Node", ["Collide/13"], "", [1]),
    (
        "Collide/Linear[fc]/bias/bias",
        "prim::GetAttr",
        ["Collide/Linear[fc]/weight/fc"],
        "{ name :  bias }",
        None,
    ),
    (
        "Collide/Linear[fc]/weight/weight",
        "prim::GetAttr",
        ["Collide/Linear[fc]/weight/fc"],
        "{ name :  weight }",
        None,
    ),
    (
        "Collide/Linear[fc]/output.3",
        "aten::linear",
        ["output/output.1", "Collide/Linear[fc]/weight/weight", "Collide/Linear[fc]/bias/bias"],
        "{}",
        [2, 3],
    ),
    ("Collide/output", "aten::relu", ["Collide/Linear[fc]/output.3"], "{}", [2, 3]),
    ("Collide/11", "prim::Constant", [], "{ value : tensor(2)}", []),
    ("Collide/12", "aten::mul", ["Collide/output", "Collide/11"], "{}", [2, 3]),
    (
        "Collide/13",
        "prim::TupleConstruct",
        ["Collide/output", "Collide/12", "Collide/output"],
        "{}",
        None,
    ),
]


def decoded(graph_def):
    """The nodes of a serialized GraphDef as rows like TINY's (attrs read by key)."""
    message = _messages.GRAPH_DEF.decode(graph_def)
    rows = []
    for node in message.node:
        attrs = {entry.key: entry.value for entry in node.attr}
        assert set(attrs) <= {"attr", "_output_shapes"}
        shapes = None
        if "_output_shapes" in attrs:
            (shape,) = attrs["_output_shapes"].list.shape
            shapes = [dim.size for dim in shape.dim]
        rows.append((node.name, node.op, list(node.input), attrs["attr"].s.decode(), shapes))
    return message, rows


# -- tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected", [(tiny_trace, TINY), (collide_trace, COLLIDE)], ids=["tiny", "collide"]
)
def test_graph_def_equals_pytorchs(use_torch, make, expected):
    traced = make()
    use_torch(fake_torch(traced))
    graph_def, run_metadata = graph(Module(), "args")
    message, rows = decoded(graph_def)
    assert rows == expected
    assert message.versions.producer == 22
    assert traced.graph.inlined


def test_run_metadata_is_pytorchs_bytes(use_torch):
    use_torch(fake_torch(tiny_trace()))
    # RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    # .SerializeToString(), torch 2.13 / protobuf 7.
    expected = bytes.fromhex("0a110a0f0a0d2f6465766963653a4350553a30")
    assert graph(Module(), "args")[1] == expected


def test_io_attr_is_an_empty_string_and_shapes_a_one_item_list():
    # AttrValue(s=b"") is written (a oneof member), and _output_shapes holds one shape.
    nodes = scoped_nodes("M", [], [("x", [2])], [], [("x", [2])])
    assert nodes == [
        ("input/x", "IO Node", [], "", [2]),
        ("output/output.1", "IO Node", ["input/x"], "", [2]),
    ]


def test_scope_parts_naming_no_module_keep_their_last_dotted_part():
    op = Op("aten::add", "__module.a/__module.a.b", ["x"], [("y", None)], "{}", None)
    nodes = scoped_nodes("M", [("__module.a", "A")], [("x", [1])], [op], [("y", [1])])
    assert nodes[-1][0] == "M/A[a]/b/y"


def test_values_in_no_scope_go_to_the_root_scope():
    # PyTorch's rule for a node whose scope is "" (only with a model class named ""): it is
    # named after the first part of the last non-empty scope, "default" if there is none.
    op = Op("aten::zeros", "", [], [("z", [1])], "{}", None)
    assert scoped_nodes("", [], [], [op], []) == [("default/z", "aten::zeros", [], "{}", [1])]


def test_the_last_reader_of_a_value_names_it():
    # PyTorch maps every op input to "<scope of its last reader>/<name>" first; a value that is
    # no node (a submodule read by GetAttr) keeps that name.
    ops = [
        Op("aten::neg", "__module.a", ["m"], [("p", [1])], "{}", None),
        Op("aten::neg", "__module.b", ["m"], [("q", [1])], "{}", None),
    ]
    nodes = scoped_nodes("M", [("__module.a", "A"), ("__module.b", "B")], [], ops, [])
    assert [n[2] for n in nodes] == [["M/B[b]/m"], ["M/B[b]/m"]]


def test_training_flags_restored_each_to_its_own(use_torch):
    frozen, live = Module(), Module()
    frozen.training = False
    model = Module(frozen, live)
    seen = []
    use_torch(fake_torch(tiny_trace(), seen=seen))
    graph(model, ("a", "b"), use_strict_trace=False)
    assert seen == [([False, False, False], ("a", "b"), False)]  # traced in eval mode
    assert [m.training for m in model.modules()] == [True, False, True]
    assert model.train_calls == [False, True]  # PyTorch's two calls, a model's own train too


def test_trace_error_propagates_and_flags_are_restored(use_torch):
    model = Module(Module())
    model.training = False
    error = RuntimeError("Tracer cannot infer type of output")
    use_torch(fake_torch(error=error))
    with pytest.raises(RuntimeError) as info:
        graph(model, "args")
    assert info.value is error
    if hasattr(error, "add_note"):  # Python 3.11+
        assert error.__notes__ == [
            "add_graph: torch.jit.trace could not trace Module; no graph written"
        ]
    assert [m.training for m in model.modules()] == [False, True]


def test_script_function_modes_left_alone(use_torch):
    use_torch(fake_torch(tiny_trace()))
    function = ScriptFunction()
    graph(function, "args")  # no training attribute read or set
    assert not hasattr(function, "training")


def test_verbose_prints_the_graph(use_torch):
    use_torch(fake_torch(tiny_trace()))
    out = io.StringIO()
    with redirect_stdout(out):
        graph(Module(), "args", verbose=True)
    assert out.getvalue() == "graph(<fake>)\n"
    out = io.StringIO()
    with redirect_stdout(out):
        graph(Module(), "args")
    assert out.getvalue() == ""
