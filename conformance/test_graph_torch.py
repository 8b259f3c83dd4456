"""add_graph of torch models: tinytb's GraphDef and RunMetadata against PyTorch's, and both
through TensorBoard's graphs dashboard.

* Graphs: for each model below, in train and in eval mode, tinytb's
  ``_torch_graph.graph(model, args, verbose, use_strict_trace)`` and PyTorch's
  ``torch.utils.tensorboard._pytorch_graph.graph`` give GraphDefs that decode to equal
  messages (protobuf's own equality: node order, names, ops, inputs, the ``attr`` text and
  ``_output_shapes``, ``versions``; map entries in any order) and byte-identical RunMetadata;
  afterwards every module's ``training`` flag is what it was before.
  Models: a small CNN (conv, pool, linear, relu), an LSTM, nested modules (Sequentials in
  modules, ModuleLists, the same submodule names under two parents, dropout/batch norm that
  behave differently in train mode), several inputs and a tuple of outputs, a dict and a
  list output (``use_strict_trace=False``), a module and a parameter used twice, no
  parameters, a scripted submodule, an input named like PyTorch's first output node, and an
  input returned as it is with an unused one.
* Where tinytb differs on purpose: a model whose submodules are in different modes gets each
  flag back (PyTorch sets them all to the model's flag).
* Errors: models torch cannot trace raise the same exception type with the same message;
  tinytb prints nothing (PyTorch prints the message and "Error occurs, No graph saved").
* ``verbose=True`` prints what PyTorch prints (the inlined TorchScript graph).
* Servers: one logdir with runs written by PyTorch's ``SummaryWriter.add_graph`` and by
  tinytb's (``SummaryWriter.add_graph`` once it is wired, until then ``FileWriter.add_graph``
  of the pair); TensorBoard ``--load_fast=true`` and ``false`` answer
  ``/data/plugin/graphs/info``, ``/graph?conceptual=false`` (the GraphDef as text) and
  ``/run_metadata?tag=step1`` the same for both writers' runs.
"""

import contextlib
import importlib
import io
import os

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")


def _models(torch):
    """{name: (model class, make args, use_strict_trace)}; classes made here, where torch is
    known to be installed."""
    nn, F = torch.nn, torch.nn.functional

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.conv2 = nn.Conv2d(4, 8, 3)
            self.fc = nn.Linear(8 * 2 * 2, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = F.relu(self.conv2(x))
            return self.fc(torch.flatten(x, 1))

    class LSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True)
            self.head = nn.Linear(6, 2)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out[:, -1]), (h, c)

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(n, n) for _ in range(2)])
            self.act = nn.Sequential(nn.ReLU(), nn.Sequential(nn.Dropout(0.1), nn.Tanh()))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.act(x)

    class Nested(nn.Module):
        def __init__(self):
            super().__init__()
            self.block1 = Block(5)
            self.block2 = Block(5)
            self.out = nn.Sequential(nn.Linear(5, 3), nn.BatchNorm1d(3))

        def forward(self, x):
            return self.out(self.block2(self.block1(x)))

    class MultiIO(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 4)
            self.b = nn.Linear(2, 4)

        def forward(self, x, y, z):
            s = self.a(x) + self.b(y)
            return s, s * z, torch.cat([x, y], 1)

    class DictOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(3, 3)

        def forward(self, x, y):
            h = self.enc(x)
            return {"h": h, "sum": h + y}, [h.mean(), y.max()]

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.alias = self.lin  # one module under two names
            self.scale = nn.Parameter(torch.ones(4))

        def forward(self, x):
            x = self.lin(x) * self.scale
            x = self.alias(x) * self.scale
            return torch.relu(self.lin(x)) + self.scale

    class NoParams(nn.Module):
        def forward(self, x, y):
            return torch.sigmoid(x) * 2 + y.t().sum(), x.unsqueeze(0)

    class Scripted(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = torch.jit.script(nn.Sequential(nn.Linear(3, 3), nn.ReLU()))
            self.fc = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(self.inner(x))

    class Collide(nn.Module):  # the input is traced as "output.1", the first output's name
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, output):
            output = torch.relu(self.fc(output))
            return output, output * 2

    class Identity(nn.Module):
        def forward(self, x, unused):
            return x

    randn = torch.randn
    return {
        "cnn": (CNN, lambda: randn(2, 1, 8, 8), True),
        "lstm": (LSTMNet, lambda: randn(3, 5, 4), True),
        "nested": (Nested, lambda: randn(4, 5), True),
        "multi_io": (MultiIO, lambda: (randn(2, 3), randn(2, 2), randn(1, 4)), True),
        "dict_out": (DictOut, lambda: (randn(2, 3), randn(2, 3)), False),
        "shared": (Shared, lambda: randn(3, 4), True),
        "no_params": (NoParams, lambda: (randn(2, 3), randn(3, 2)), True),
        "scripted": (Scripted, lambda: randn(2, 3), True),
        "collide": (Collide, lambda: randn(2, 3), True),
        "identity": (Identity, lambda: (randn(2, 3), randn(1)), True),
    }


CASES = [
    "cnn",
    "lstm",
    "nested",
    "multi_io",
    "dict_out",
    "shared",
    "no_params",
    "scripted",
    "collide",
    "identity",
]


class Stack:
    def __init__(self):
        self.torch = deps.need("torch")
        deps.need("tensorboard")
        from torch.utils.tensorboard import _pytorch_graph

        self.pytorch_graph = _pytorch_graph.graph
        self.module = target.load()
        self.ours = importlib.import_module(self.module.__name__ + "._torch_graph").graph
        self.models = _models(self.torch)

    def build(self, name):
        cls, make_args, strict = self.models[name]
        self.torch.manual_seed(0)
        return _quiet(cls), make_args(), strict


@pytest.fixture(scope="module")
def stack():
    return Stack()


def _flags(model):
    return [(name, m.training) for name, m in model.named_modules()]


def _quiet(call, *args, **kwargs):
    # PyTorch's tracer warns (TracerWarning) about some of these models, for both writers.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def _rows(graph_def):
    """Readable node rows, for the failure message (the test compares whole messages)."""
    rows = []
    for node in graph_def.node:
        shapes = (
            [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]
            if "_output_shapes" in node.attr
            else None
        )
        rows.append(
            (
                node.name,
                node.op,
                list(node.input),
                node.attr["attr"].s if "attr" in node.attr else None,
                shapes,
            )
        )
    return rows


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", CASES)
def test_graph_equals_pytorchs(stack, name, training):
    from tensorboard.compat.proto.config_pb2 import RunMetadata
    from tensorboard.compat.proto.graph_pb2 import GraphDef

    model, args, strict = stack.build(name)
    model.train(training)
    before = _flags(model)
    theirs, their_metadata = _quiet(stack.pytorch_graph, model, args, False, strict)
    assert _flags(model) == before  # PyTorch's own restoration, for uniform flags
    graph_def, run_metadata = _quiet(stack.ours, model, args, False, strict)
    assert _flags(model) == before
    ours = GraphDef.FromString(graph_def)
    assert _rows(ours) == _rows(theirs)
    assert ours == theirs
    assert ours.versions.producer == 22
    assert run_metadata == their_metadata.SerializeToString()
    assert RunMetadata.FromString(run_metadata).step_stats.dev_stats[0].device == "/device:CPU:0"


def test_mixed_training_flags_each_restored(stack):
    # Divergence on purpose: PyTorch's model.train(was_training) afterwards puts every
    # submodule into the model's mode; tinytb puts each back into its own.
    model, args, strict = stack.build("nested")
    model.train(True)
    model.block2.eval()  # a frozen part, with dropout off
    model.out[1].eval()  # frozen batch norm statistics
    before = _flags(model)
    _quiet(stack.ours, model, args, False, strict)
    assert _flags(model) == before
    _quiet(stack.pytorch_graph, model, args, False, strict)
    assert _flags(model) != before and all(flag for _, flag in _flags(model))


def _error_models(torch):
    nn = torch.nn
    models = _models(torch)

    class IntOut(nn.Module):
        def forward(self, x):
            return 3

    class MixedDict(nn.Module):
        def forward(self, x):
            return {"h": x, "parts": [x.mean()]}

    torch.manual_seed(0)
    return {
        "dict_output_strict": (models["dict_out"][0](), (torch.randn(2, 3),) * 2, True),
        "int_output": (IntOut(), torch.randn(1), True),
        "mixed_dict": (MixedDict(), torch.randn(2), False),
        "wrong_shape": (models["cnn"][0](), torch.randn(2, 3, 8, 8), True),
    }


@pytest.mark.parametrize("name", ["dict_output_strict", "int_output", "mixed_dict", "wrong_shape"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_trace_errors_as_pytorchs(stack, name, training, capsys):
    model, args, strict = _error_models(stack.torch)[name]
    model.train(training)
    before = _flags(model)
    with pytest.raises(Exception) as theirs:
        _quiet(stack.pytorch_graph, model, args, False, strict)
    assert "Error occurs, No graph saved" in capsys.readouterr().out
    assert _flags(model) == before
    with pytest.raises(Exception) as ours:
        _quiet(stack.ours, model, args, False, strict)
    assert capsys.readouterr().out == ""
    assert type(ours.value) is type(theirs.value) is RuntimeError
    assert str(ours.value) == str(theirs.value)
    if hasattr(ours.value, "add_note"):  # Python 3.11+: what failed, in the traceback
        assert any("no graph written" in note for note in ours.value.__notes__)
    assert _flags(model) == before


def test_verbose_prints_what_pytorch_prints(stack, capsys):
    import re

    # Every trace of a class after the first gets TorchScript type names mangled with a
    # counter (__torch__.m.___torch_mangle_10.CNN): the same graph, another type name.
    unmangled = re.compile(r"___torch_mangle_\d+\.")
    model, args, strict = stack.build("cnn")
    _quiet(stack.pytorch_graph, model, args, True, strict)
    theirs = capsys.readouterr().out
    _quiet(stack.ours, model, args, True, strict)
    assert unmangled.sub("", capsys.readouterr().out) == unmangled.sub("", theirs)
    assert theirs.startswith("graph(%self") and "scope: __module.conv1" in theirs
    _quiet(stack.ours, model, args, False, strict)
    assert capsys.readouterr().out == ""


# --- TensorBoard's graphs dashboard ------------------------------------------------------------

SERVED = ["nested", "multi_io"]


def _tinytb_add_graph(module, logdir, graph_profile, model, args):
    writer = module.SummaryWriter(logdir)
    try:
        try:
            writer.add_graph(model, args)
            return
        except NotImplementedError:
            pass
        # Until SummaryWriter.add_graph is wired: the pair through FileWriter.add_graph.
        writer._get_file_writer().add_graph(graph_profile)
    finally:
        writer.close()


@pytest.fixture(scope="module")
def graph_servers(stack, tmp_path_factory):
    """{load_fast: Server} on one logdir with runs torch-<model> and tinytb-<model>."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from . import servers as servers_mod

    root = str(tmp_path_factory.mktemp("graphs"))
    for name in SERVED:
        model, args, strict = stack.build(name)
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = TorchWriter(os.path.join(root, "torch-" + name))
            _quiet(theirs.add_graph, model, args, use_strict_trace=strict)
            theirs.close()
        profile = _quiet(stack.ours, model, args, False, strict)
        _quiet(
            _tinytb_add_graph,
            stack.module,
            os.path.join(root, "tinytb-" + name),
            profile,
            model,
            args,
        )
    logs = tmp_path_factory.mktemp("graph-server-logs")
    with servers_mod.running({fast: (root, fast) for fast in (True, False)}, logs) as started:
        yield started


def _info_runs(server):
    info = server.get("/data/plugin/graphs/info")
    assert sorted(info) == sorted(w + "-" + n for w in ("torch", "tinytb") for n in SERVED)
    for run in info.values():  # the graph and its run metadata loaded
        assert run["run_graph"] is True and list(run["tags"]) == ["step1"], run
    return info


@pytest.mark.parametrize("load_fast", [True, False], ids=["load_fast", "python_loader"])
def test_graphs_dashboard_serves_the_same_graph(stack, graph_servers, load_fast):
    from . import servers as servers_mod

    server = graph_servers[load_fast]
    info = servers_mod.eventually(lambda: _info_runs(server), timeout=30.0)
    for name in SERVED:
        ours, theirs = "tinytb-" + name, "torch-" + name
        assert dict(info[ours], run=theirs) == info[theirs]
        our_graph = servers_mod.served_graph(server, ours)
        assert our_graph.SerializeToString(deterministic=True) == servers_mod.served_graph(
            server, theirs
        ).SerializeToString(deterministic=True)
        assert any(node.op == "IO Node" for node in our_graph.node)
        _, our_metadata = server.get_bytes(
            "/data/plugin/graphs/run_metadata", run=ours, tag="step1"
        )
        _, their_metadata = server.get_bytes(
            "/data/plugin/graphs/run_metadata", run=theirs, tag="step1"
        )
        assert our_metadata == their_metadata
        assert b'device: "/device:CPU:0"' in our_metadata
