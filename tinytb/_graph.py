# SPDX-License-Identifier: MIT
"""A model graph from a plain Python description, for TensorBoard's graphs dashboard.

TensorBoard draws a ``GraphDef`` (``tensorboard/compat/proto/graph.proto``): a flat list of
``NodeDef`` s, each with a name, an op, the names of its inputs and a map of attributes. The
dashboard groups nodes into collapsible boxes by the ``/``-separated scopes of their names
(``encoder/layer1/matmul`` sits in ``encoder`` > ``layer1``), draws an edge from every input to
its node, and shows ``_output_shapes`` on the edges. PyTorch builds such a graph by tracing a
torch model; this module builds it from a description anyone can write::

    [{"name": "input", "op": "Placeholder", "shape": [None, 784]},
     {"name": "encoder/fc", "op": "Linear", "inputs": ["input"],
      "attrs": {"in_features": 784, "out_features": 128}, "shape": [None, 128]},
     {"name": "encoder/relu", "op": "ReLU", "inputs": ["encoder/fc"], "shape": [None, 128]}]

A description is a list (or tuple) of node dicts, or a dict ``{name: node dict without
"name"}``. A node dict has:

* ``name`` (str, required): unique; ``/`` makes scopes. No ``:`` (TensorFlow's input syntax
  ``name:k`` names output k of a node) and no leading ``^`` (a control input).
* ``op`` (str, required): the operation, shown in the node's box and used to colour it.
* ``inputs`` (list of str): names of other nodes, each optionally ``name:k`` or ``^name``
  (TensorFlow's syntax, which TensorBoard draws: output k, a control edge).
* ``attrs`` (dict): shown in the node's info card; values str/bytes, bool, int, float, or a
  list of one of those.
* ``shape`` (list of ints, ``None`` or -1 for unknown dims) or ``shapes`` (a list of such
  lists, one per output): written as ``_output_shapes``, as PyTorch writes them.
* ``device`` (str).

Unknown keys, duplicate names and inputs naming no node raise ``ValueError``; wrong types
``TypeError``. Cycles are allowed: TensorFlow's own graphs have them (loops) and TensorBoard
lays them out.
"""

from __future__ import annotations

from . import _messages

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Union

__all__ = ["graph_def", "check_graph_def", "PRODUCER"]

PRODUCER = 22  # VersionDef.producer as PyTorch writes it
_KEYS = {"name", "op", "inputs", "attrs", "shape", "shapes", "device"}


def graph_def(description: Any) -> bytes:
    """The serialized ``GraphDef`` of a plain description (see the module docstring)."""
    nodes = _nodes(description)
    names = set()
    for node in nodes:
        name = node["name"]
        if name in names:
            raise ValueError("model: two nodes are named %r" % name)
        names.add(name)
    encoded = []
    for node in nodes:
        where = "model node %r" % node["name"]
        for source in node.get("inputs", ()):
            if _source_node(source) not in names:
                raise ValueError("%s: input %r names no node" % (where, source))
        attrs = [
            (key, _attr(value, "%s: attrs[%r]" % (where, key)))
            for key, value in node.get("attrs", {}).items()
        ]
        shapes = node.get("shapes")
        if "shape" in node:
            if shapes is not None:
                raise ValueError("%s: give 'shape' or 'shapes', not both" % where)
            shapes = [node["shape"]]
        if shapes is not None:
            dims = [_dims(s, where) for s in _sequence(shapes, where + ": shapes")]
            attrs.append(
                ("_output_shapes", _messages.attr_value(list=_messages.attr_list(shape=dims)))
            )
        encoded.append(
            _messages.node_def(
                node["name"], node["op"], node.get("inputs", ()), node.get("device", ""), attrs
            )
        )
    return _messages.graph_def(encoded, producer=PRODUCER)


def check_graph_def(data: Union[bytes, bytearray, memoryview], name: str = "model") -> bytes:
    """``data`` (bytes, bytearray or memoryview) as ``bytes``, if it decodes as a ``GraphDef``
    (graph.proto); otherwise ``ValueError`` naming ``name``. Bytes that are no GraphDef would
    be written as given and break TensorBoard's graphs dashboard for the whole run."""
    data = bytes(data)
    try:
        _messages.GRAPH_DEF.decode(data)
    except ValueError as err:  # tinytb.errors.DecodeError
        raise ValueError("%s is not a serialized GraphDef: %s" % (name, err)) from None
    return data


def _source_node(source):
    """The node an input names: ``^name`` (a control input) and ``name:k`` (output k)."""
    if source.startswith("^"):
        return source[1:]
    name, colon, output = source.rpartition(":")
    return name if colon and output.isdigit() else source


def _nodes(description):
    if isinstance(description, dict):
        items = []
        for name, node in description.items():
            if not isinstance(node, dict):
                raise TypeError(
                    "model[%r] must be a dict (op, inputs, ...), not %s"
                    % (name, type(node).__name__)
                )
            if "name" in node:
                raise ValueError("model[%r]: the name is the key; no 'name' entry" % (name,))
            items.append(dict(node, name=name))
        description = items
    elif not isinstance(description, (list, tuple)):
        raise TypeError(
            "model must be a list of node dicts or a dict {name: node}, not %s"
            % type(description).__name__
        )
    out = []
    for i, node in enumerate(description):
        if not isinstance(node, dict):
            raise TypeError("model[%d] must be a dict, not %s" % (i, type(node).__name__))
        unknown = set(node) - _KEYS
        if unknown:
            raise ValueError(
                "model[%d]: unknown key(s) %s (known: %s)"
                % (i, ", ".join(sorted(map(repr, unknown))), ", ".join(sorted(_KEYS)))
            )
        for key in ("name", "op"):
            if key not in node:
                raise ValueError("model[%d]: %r is required" % (i, key))
            if not isinstance(node[key], str):
                raise TypeError(
                    "model[%d]: %r must be a str, not %s" % (i, key, type(node[key]).__name__)
                )
            if not node[key]:
                raise ValueError("model[%d]: %r must not be empty" % (i, key))
        name = node["name"]
        if ":" in name or name.startswith("^"):
            raise ValueError(
                "model node %r: a name holds no ':' and starts with no '^' "
                "(they mark outputs and control inputs in 'inputs')" % name
            )
        inputs = node.get("inputs", ())
        if (
            isinstance(inputs, str)
            or not isinstance(inputs, (list, tuple))
            or not all(isinstance(s, str) for s in inputs)
        ):
            raise TypeError("model node %r: 'inputs' must be a list of node names" % name)
        if not isinstance(node.get("attrs", {}), dict):
            raise TypeError("model node %r: 'attrs' must be a dict" % name)
        if not isinstance(node.get("device", ""), str):
            raise TypeError("model node %r: 'device' must be a str" % name)
        out.append(node)
    return out


def _sequence(value, where):
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError("%s must be a list" % where)
    return value


def _dims(shape, where):
    dims = []
    for d in _sequence(shape, where + ": a shape"):
        if d is None:
            dims.append(-1)
        elif isinstance(d, int) and not isinstance(d, bool) and d >= -1:
            dims.append(d)
        else:
            raise ValueError(
                "%s: shape dimensions are ints >= 0, or None/-1 for unknown; got %r" % (where, d)
            )
    return dims


def _attr(value, where):
    """An encoded AttrValue for a Python value: str/bytes -> s, bool -> b, int -> i,
    float -> f, a list of one kind -> list."""
    if isinstance(value, (str, bytes)):
        return _messages.attr_value(s=value)
    if isinstance(value, bool):
        return _messages.attr_value(b=value)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise ValueError("%s: %d does not fit in int64" % (where, value))
        return _messages.attr_value(i=value)
    if isinstance(value, float):
        return _messages.attr_value(f=value)
    if isinstance(value, (list, tuple)):
        kinds = {_kind(v) for v in value}
        if len(kinds) > 1 or None in kinds:
            raise TypeError(
                "%s: a list attribute holds values of one kind (str, bool, int or float)" % where
            )
        kind = kinds.pop() if kinds else "s"
        values = list(value)
        if kind == "i" and not all(-(2**63) <= v < 2**63 for v in values):
            raise ValueError("%s: a value does not fit in int64" % where)
        return _messages.attr_value(list=_messages.attr_list(**{kind: values}))
    raise TypeError(
        "%s: attribute values are str, bytes, bool, int, float or a list of "
        "them, not %s" % (where, type(value).__name__)
    )


def _kind(value):
    if isinstance(value, (str, bytes)):
        return "s"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, float):
        return "f"
    return None
