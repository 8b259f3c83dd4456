# SPDX-License-Identifier: MIT
"""``add_graph`` for torch models: trace the model with the caller's torch and write the
``GraphDef`` and ``RunMetadata`` PyTorch's ``torch.utils.tensorboard`` writes for it.

PyTorch (``torch/utils/tensorboard/_pytorch_graph.py``, 2.13) traces the model in eval mode
with ``torch.jit.trace(model, args, strict=use_strict_trace)``, inlines the calls to
submodules (``torch._C._jit_pass_inline``) and turns the TorchScript graph into one
``NodeDef`` per value:

* the graph's inputs (the ones used, not the module itself) become ``input/<name>`` nodes and
  the graph's outputs ``output/output.<k>`` nodes, op ``IO Node``;
* every output of every graph node becomes a node named ``<scope>/<value name>`` with the
  node's kind as op (``aten::linear``, ``prim::Constant``, ``prim::GetAttr``...), where the
  scope is the model's class name and the path of submodules, each shown as
  ``Type[attribute]`` (``Net/Sequential[features]/Conv2d[0]``);
* attribute ``attr`` holds the node's TorchScript attributes as PyTorch prints them
  (``str(dict)`` with the single quotes turned into spaces: ``{ value : 1}``), ``""`` on IO
  nodes; attribute ``_output_shapes`` the value's sizes when they are all known;
* ``versions { producer: 22 }``, and a ``RunMetadata`` naming one device, always
  ``/device:CPU:0`` (PyTorch hard-codes it, for CUDA models too).

The work is split in two: :func:`graph` reads the traced graph through torch's own methods
into plain records (:class:`Op`; the only part that touches torch, imported inside the
function since the caller has it loaded), and :func:`scoped_nodes` applies PyTorch's naming
rules to those records with nothing but dicts and strings. The naming rules keep PyTorch's
quirks on purpose, because TensorBoard shows the names: every name, input and node order
equals PyTorch's (``conformance/test_graph_torch.py``).
"""

from __future__ import annotations

import collections

from . import _messages

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Tuple

__all__ = ["graph", "scoped_nodes", "Op", "PRODUCER", "DEVICE"]

PRODUCER = 22  # VersionDef.producer, "reverse engineered from standard TensorBoard logged data"
DEVICE = "/device:CPU:0"  # PyTorch's RunMetadata, whatever device the model is on
_GETATTR = "prim::GetAttr"
_CLASS_TYPE = "ClassType"
_IO_OP = "IO Node"

Op = collections.namedtuple("Op", "kind scope inputs outputs attributes getattr_name")
Op.__doc__ = """One node of the traced graph, in plain values.

kind: the node's kind (``aten::relu``); scope: its ``scopeName()`` (``__module.a/__module.a.0``,
or ``""``); inputs: the debug names of its inputs; outputs: ``(debug name, sizes or None)``
pairs, sizes given only for complete tensors; attributes: the ``attr`` text; getattr_name: for
``prim::GetAttr``, the attribute read (``None`` otherwise)."""


def graph(
    model: Any, args: Any, verbose: bool = False, use_strict_trace: bool = True
) -> Tuple[bytes, bytes]:
    """``(GraphDef bytes, RunMetadata bytes)`` of ``model`` traced with ``args``, equal to
    PyTorch's ``torch.utils.tensorboard._pytorch_graph.graph(model, args, verbose,
    use_strict_trace)`` (map fields aside, whose order protobuf leaves to its hash table).

    Args:
        model (torch.nn.Module): traced in eval mode; every module's ``training`` flag is put
            back afterwards, each to its own value (PyTorch sets them all to the model's), also
            when tracing fails.
        args: the example input: a tensor or a tuple of them, passed to ``torch.jit.trace``.
        verbose (bool): print the traced graph, as PyTorch does.
        use_strict_trace (bool): ``torch.jit.trace``'s ``strict``; False lets a model return
            lists and dicts.

    A ``RuntimeError`` of the trace (a model torch cannot trace) propagates as it is, the type
    PyTorch re-raises; on Python 3.11+ with a note that no graph was written.
    """
    import torch

    with _EvalMode(torch, model):
        try:
            trace = torch.jit.trace(model, args, strict=use_strict_trace)
            jit_graph = trace.graph
            torch._C._jit_pass_inline(jit_graph)
        except RuntimeError as e:
            if hasattr(e, "add_note"):  # Python 3.11+
                e.add_note(
                    "add_graph: torch.jit.trace could not trace %s; no graph written"
                    % type(model).__name__
                )
            raise
    if verbose:
        print(jit_graph)
    inputs, ops, outputs = _read(jit_graph)
    modules = [
        (name, _display_name(torch, module))
        for name, module in trace.named_modules(prefix="__module")
    ]
    nodes = scoped_nodes(_display_name(torch, trace), modules, inputs, ops, outputs)
    graph_def = _messages.graph_def([_node_def(*node) for node in nodes], producer=PRODUCER)
    return graph_def, _messages.run_metadata([DEVICE])


class _EvalMode:
    """Eval mode for the trace, then every module's own ``training`` flag back.

    PyTorch calls ``model.train(False)`` before and ``model.train(was_training)`` after; the
    second call is kept (a model's own ``train`` may do more than set flags), and the flags it
    sets wrongly - submodules that were in the other mode - are then put back one by one."""

    def __init__(self, torch, model):
        self.model = model
        self.flags = None
        if not isinstance(model, torch.jit.ScriptFunction):  # no modes: left alone
            self.was_training = model.training
            modules = model.modules() if isinstance(model, torch.nn.Module) else [model]
            self.flags = [(module, module.training) for module in modules]

    def __enter__(self):
        if self.flags is not None:
            try:
                self.model.train(False)
            except BaseException:
                self.__exit__()
                raise

    def __exit__(self, *exc_info):
        if self.flags is not None:
            self.model.train(self.was_training)
            for module, training in self.flags:
                if module.training != training:
                    module.training = training


def _display_name(torch, module):
    # A traced (sub)module knows its Python class name as _name; a scripted one as original_name.
    if isinstance(module, torch.jit.TracedModule):
        return module._name
    return getattr(module, "original_name", "Module")


def _io_sizes(value):
    # A graph input or output that is no tensor (a tuple of outputs, say) makes sizes() fail
    # with an internal assert; PyTorch shows such values as shape [1].
    try:
        return value.type().sizes()
    except RuntimeError:
        return [1]


def _read(jit_graph):
    """Plain records of an inlined TorchScript graph: ``(inputs, ops, outputs)``, inputs and
    outputs as ``(debug name, sizes)``; the inputs nobody uses and the module itself
    (``self``) are left out, as PyTorch leaves them out."""
    inputs = [
        (value.debugName(), _io_sizes(value))
        for value in jit_graph.inputs()
        if len(value.uses()) and value.type().kind() != _CLASS_TYPE
    ]
    ops = []
    for node in jit_graph.nodes():
        kind = node.kind()
        outputs = [
            (value.debugName(), value.type().sizes() if value.isCompleteTensor() else None)
            for value in node.outputs()
        ]
        if kind == _GETATTR and node.output().type().kind() == _CLASS_TYPE:
            # A submodule: no node of its own (its scope is in the names), but the attributes
            # read from it need its path; the attributes text is never shown.
            ops.append(Op(kind, "", [node.input().debugName()], outputs, None, node.s("name")))
            continue
        # node.<kind>(key) reads an attribute whatever its type (i, f, s, t, ss, ...).
        values = {key: getattr(node, node.kindOf(key))(key) for key in node.attributeNames()}
        ops.append(
            Op(
                kind,
                node.scopeName(),
                [value.debugName() for value in node.inputs()],
                outputs,
                str(values).replace("'", " "),
                node.s("name") if kind == _GETATTR else None,
            )
        )
    outputs = [(value.debugName(), _io_sizes(value)) for value in jit_graph.outputs()]
    return inputs, ops, outputs


class _Entry:
    """A node on its way to a NodeDef; ``io`` is "input"/"output" for IO nodes."""

    __slots__ = ("name", "op", "inputs", "attributes", "sizes", "scope", "io")

    def __init__(self, name, op, inputs, attributes, sizes, scope=None, io=None):
        self.name, self.op, self.inputs, self.attributes = name, op, inputs, attributes
        self.sizes, self.scope, self.io = sizes, scope, io


def scoped_nodes(model_name, modules, inputs, ops, outputs):
    """PyTorch's node list for a traced graph: ``[(name, op, inputs, attr text, sizes)]``.

    Args:
        model_name: the traced model's class name (the outermost scope).
        modules: ``(qualified name, class name)`` of every module, from
            ``named_modules(prefix="__module")`` (``("__module.seq.0", "Linear")``).
        inputs, outputs: the graph's inputs (used ones, no ``self``) and outputs as
            ``(debug name, sizes)``.
        ops: :class:`Op` records in graph order; a ``prim::GetAttr`` whose result is a
            submodule has ``attributes`` None (it only gives its path to the attributes read
            from it).

    The order is PyTorch's: input nodes, output nodes, then the results of the ops.
    """
    # Nodes by debug name, in insertion order; a later node of the same name replaces the
    # earlier one in place, as in PyTorch's OrderedDict.
    table = collections.OrderedDict()
    for name, sizes in inputs:
        table[name] = _Entry(name, _IO_OP, [], "", sizes, io="input")

    attr_paths = {}  # GetAttr result -> "__module.a/__module.a.b" (its scope)
    kept = []
    for op in ops:
        if op.kind == _GETATTR:
            (source,) = op.inputs
            result = op.outputs[0][0]
            if source in attr_paths:
                parent = attr_paths[source]
                attr_paths[result] = "%s/%s.%s" % (parent, parent.split("/")[-1], op.getattr_name)
            else:
                attr_paths[result] = "__module." + op.getattr_name
            if op.attributes is None:
                continue
            op = op._replace(scope=attr_paths[result])
        kept.append(op)

    for k, (name, sizes) in enumerate(outputs, 1):
        sink = "output.%d" % k
        table[sink] = _Entry(sink, _IO_OP, [name], "", sizes, io="output")

    # "__module.seq.0" -> "Linear[0]"; a path part naming no module (a parameter) keeps its
    # last dotted part ("weight").
    shown = {name: "%s[%s]" % (cls, name.split(".")[-1]) for name, cls in modules}
    scopes = []
    for op in kept:
        parts = [shown.get(part) or part.split(".")[-1] for part in op.scope.split("/")]
        scopes.append(model_name + ("/" + "/".join(parts) if any(parts) else ""))

    # Every op result is a node in the op's scope. The root scope is the first part of the
    # last non-empty scope of an op with results ("default" if none).
    root = "default"
    for op, scope in zip(kept, scopes):
        for name, sizes in op.outputs:
            table[name] = _Entry(name, op.kind, op.inputs, op.attributes, sizes, scope=scope)
            if scope:
                root = scope.split("/")[0]

    # Full names: an op's input first gets the scope of the last op reading it, which sticks
    # for values that are no node (the modules GetAttr reads from); nodes get their own.
    full = {}
    for op, scope in zip(kept, scopes):
        for name in op.inputs:
            full[name] = scope + "/" + name
    for key, entry in table.items():
        if entry.io is not None:
            full[key] = entry.io + "/" + entry.name
        if entry.scope is not None:
            full[key] = entry.scope + "/" + entry.name
            if entry.scope == "" and root:
                full[entry.name] = root + "/" + entry.name
    for entry in table.values():
        entry.inputs = [full[name] for name in entry.inputs]
        entry.name = full.get(entry.name, entry.name)
    return [(e.name, e.op, e.inputs, e.attributes, e.sizes) for e in table.values()]


def _node_def(name, op, inputs, attributes, sizes):
    attr = [("attr", _messages.attr_value(s=attributes))]
    if sizes is not None:
        attr.append(
            ("_output_shapes", _messages.attr_value(list=_messages.attr_list(shape=[list(sizes)])))
        )
    return _messages.node_def(name, op, inputs, attr=attr)
