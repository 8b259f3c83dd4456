# SPDX-License-Identifier: MIT
"""ONNX models: the ``onnx.proto`` message schemas, and the GraphDef that PyTorch's
``add_onnx_graph`` makes of a model.

Owns three things:

* The schemas of ``onnx.proto`` (onnx 1.23.2, IR version 14; ``onnx-ml.proto`` is the same
  file): every message a ``ModelProto`` reaches, so a whole ``.onnx`` file is decoded and
  malformed bytes anywhere raise :class:`~tinytb.errors.DecodeError` naming the field path, as
  ``onnx.load`` fails on them. The file is ``syntax = "proto2"``, which matters twice: a field
  on the wire counts as set even when it holds its default (``i: 0`` is shown), and enums are
  *closed* (an ``AttributeProto.type`` outside ``AttributeType`` is an unknown field, not set).
  Strings are kept as bytes: proto2 does not promise UTF-8, and the protobuf runtime (upb)
  hands invalid UTF-8 back as ``bytes`` and escapes it in text format.
* :func:`load_onnx_graph`, the rules of ``torch/utils/tensorboard/_onnx_graph.py``: every
  ``graph.input`` then every ``graph.output`` becomes ``NodeDef(name, op="Variable",
  attr={dtype: AttrValue(type=elem_type), shape: [dim_value...]})`` -- the ONNX element type
  number is written as it is, though TensorFlow's ``DataType`` numbers differ (ONNX INT64 = 7
  shows as DT_STRING), and a symbolic dimension (``dim_param``) shows as size 0; every
  ``graph.node`` becomes ``NodeDef(name=output[0], op=op_type, input=input,
  attr={parameters: s})``; ``versions { producer: 22 }``. PyTorch prints each node's name as it
  goes; tinytb prints nothing.
* The ``parameters`` string: for each attribute, ``" = ".join(str(value) for value in
  attribute.ListFields())``, joined with ``", "``. ``ListFields`` lists the set fields in
  field-number order; ``str`` of a number is Python's, of ``bytes`` its ``repr``, of a
  repeated field the ``repr`` of the list, and of a message (a Constant's ``TensorProto``, a
  subgraph) upb's text format, which :func:`text_format` reproduces (with
  :mod:`tinytb._text_format`, shared with the projector's config): fields in number order,
  two-space indents, floats as ``%.6g`` if that reads back, else ``%.9g`` (doubles ``%.15g``
  or ``%.17g``), enum values by name, C escapes in strings; a subgraph in a *list* of graphs
  shows as onnx's own ``repr``, ``GraphProto('name', input=<2 inputs>, node=<3 nodes>)``.

Not reproduced (files no ONNX writer makes): a singular message field repeated on the wire is
not merged with the earlier one (the later one wins); a known field with the wrong wire type
raises DecodeError (protobuf keeps it as an unknown field); external tensor data is not
read (``onnx.load`` would read it into ``raw_data`` of a Constant stored outside the file).

Limits. Messages nested more than 100 deep (:data:`MAX_DEPTH`, protobuf's own limit, so
``onnx.load`` refuses the file too) raise DecodeError: the bytes are not a model onnx reads.
The ``parameters`` strings of one graph may print at most :data:`MAX_TEXT_CHARS` characters
in all; past that, ``ValueError`` naming the file. That one is not a DecodeError because the
bytes are a valid model (onnx reads it, PyTorch would convert it): like a node without an
output, it is a model tinytb declines, and DecodeError is kept for malformed bytes. Nested
subgraphs are why the bound is needed: each level re-indents every line of the levels below,
so an 804 KB file of 160 nested subgraphs made a 386 MB GraphDef.
"""

from __future__ import annotations

import os

from . import _messages, _text_format
from ._messages import Message, Schema
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Union

__all__ = [
    "load_onnx_graph",
    "decode_model",
    "parameters",
    "text_format",
    "check_path",
    "MODEL",
    "MAX_DEPTH",
    "MAX_TEXT_CHARS",
]

# -- onnx.proto ----------------------------------------------------------------------------
# Field tables: number -> (name, type, repeated), in onnx.proto's types: a scalar type name,
# an enum (a dict number -> name) or a Schema. The decoding Schema reads "string" as bytes
# (see the docstring) and enums as "enum"; _TYPES keeps the .proto type of every field for the
# printers, by message name.

_TYPES: dict = {}

ATTRIBUTE_TYPE = {
    0: "UNDEFINED",
    1: "FLOAT",
    2: "INT",
    3: "STRING",
    4: "TENSOR",
    5: "GRAPH",
    11: "SPARSE_TENSOR",
    13: "TYPE_PROTO",
    6: "FLOATS",
    7: "INTS",
    8: "STRINGS",
    9: "TENSORS",
    10: "GRAPHS",
    12: "SPARSE_TENSORS",
    14: "TYPE_PROTOS",
}
DATA_LOCATION = {0: "DEFAULT", 1: "EXTERNAL"}


def _message(name):
    return Schema(name, {})


def _define(schema, fields, oneof=()):
    types = {}
    for number, (field, kind, repeated) in fields.items():
        types[field] = kind
        if kind == "string":
            kind = "bytes"
        elif isinstance(kind, dict):
            # Closed enum: a value the enum does not name goes to the unknown fields and
            # leaves the field as it was, so the field's value is the last *named* value on
            # the wire. Decoding it as repeated keeps them all (see _set_fields).
            kind, repeated = "enum", True
        schema.fields[number] = (field, kind, repeated)
    schema.oneof = frozenset(oneof)
    _TYPES[schema.name] = types


MODEL = _message("ModelProto")
OPERATOR_SET_ID = _message("OperatorSetIdProto")
STRING_STRING_ENTRY = _message("StringStringEntryProto")
TRAINING_INFO = _message("TrainingInfoProto")
FUNCTION = _message("FunctionProto")
DEVICE_CONFIGURATION = _message("DeviceConfigurationProto")
GRAPH = _message("GraphProto")
NODE = _message("NodeProto")
ATTRIBUTE = _message("AttributeProto")
VALUE_INFO = _message("ValueInfoProto")
TENSOR = _message("TensorProto")
SEGMENT = _message("TensorProto.Segment")
SPARSE_TENSOR = _message("SparseTensorProto")
TENSOR_ANNOTATION = _message("TensorAnnotation")
TENSOR_SHAPE = _message("TensorShapeProto")
DIMENSION = _message("TensorShapeProto.Dimension")
TYPE = _message("TypeProto")
TYPE_TENSOR = _message("TypeProto.Tensor")
TYPE_SEQUENCE = _message("TypeProto.Sequence")
TYPE_MAP = _message("TypeProto.Map")
TYPE_OPTIONAL = _message("TypeProto.Optional")
TYPE_SPARSE_TENSOR = _message("TypeProto.SparseTensor")
TYPE_OPAQUE = _message("TypeProto.Opaque")
NODE_DEVICE_CONFIGURATION = _message("NodeDeviceConfigurationProto")
SHARDING_SPEC = _message("ShardingSpecProto")
INT_INT_LIST_ENTRY = _message("IntIntListEntryProto")
SHARDED_DIM = _message("ShardedDimProto")
SIMPLE_SHARDED_DIM = _message("SimpleShardedDimProto")

_define(
    MODEL,
    {
        1: ("ir_version", "int64", False),
        8: ("opset_import", OPERATOR_SET_ID, True),
        2: ("producer_name", "string", False),
        3: ("producer_version", "string", False),
        4: ("domain", "string", False),
        5: ("model_version", "int64", False),
        6: ("doc_string", "string", False),
        7: ("graph", GRAPH, False),
        14: ("metadata_props", STRING_STRING_ENTRY, True),
        20: ("training_info", TRAINING_INFO, True),
        25: ("functions", FUNCTION, True),
        26: ("configuration", DEVICE_CONFIGURATION, True),
    },
)
_define(OPERATOR_SET_ID, {1: ("domain", "string", False), 2: ("version", "int64", False)})
_define(STRING_STRING_ENTRY, {1: ("key", "string", False), 2: ("value", "string", False)})
_define(
    TRAINING_INFO,
    {
        1: ("initialization", GRAPH, False),
        2: ("algorithm", GRAPH, False),
        3: ("initialization_binding", STRING_STRING_ENTRY, True),
        4: ("update_binding", STRING_STRING_ENTRY, True),
    },
)
_define(
    FUNCTION,
    {
        1: ("name", "string", False),
        4: ("input", "string", True),
        5: ("output", "string", True),
        6: ("attribute", "string", True),
        11: ("attribute_proto", ATTRIBUTE, True),
        7: ("node", NODE, True),
        8: ("doc_string", "string", False),
        9: ("opset_import", OPERATOR_SET_ID, True),
        10: ("domain", "string", False),
        13: ("overload", "string", False),
        12: ("value_info", VALUE_INFO, True),
        14: ("metadata_props", STRING_STRING_ENTRY, True),
    },
)
_define(
    DEVICE_CONFIGURATION,
    {
        1: ("name", "string", False),
        2: ("num_devices", "int32", False),
        3: ("device", "string", True),
    },
)
_define(
    GRAPH,
    {
        1: ("node", NODE, True),
        2: ("name", "string", False),
        5: ("initializer", TENSOR, True),
        15: ("sparse_initializer", SPARSE_TENSOR, True),
        10: ("doc_string", "string", False),
        11: ("input", VALUE_INFO, True),
        12: ("output", VALUE_INFO, True),
        13: ("value_info", VALUE_INFO, True),
        14: ("quantization_annotation", TENSOR_ANNOTATION, True),
        16: ("metadata_props", STRING_STRING_ENTRY, True),
    },
)
_define(
    NODE,
    {
        1: ("input", "string", True),
        2: ("output", "string", True),
        3: ("name", "string", False),
        4: ("op_type", "string", False),
        7: ("domain", "string", False),
        8: ("overload", "string", False),
        5: ("attribute", ATTRIBUTE, True),
        6: ("doc_string", "string", False),
        9: ("metadata_props", STRING_STRING_ENTRY, True),
        10: ("device_configurations", NODE_DEVICE_CONFIGURATION, True),
    },
)
_define(
    ATTRIBUTE,
    {
        1: ("name", "string", False),
        21: ("ref_attr_name", "string", False),
        13: ("doc_string", "string", False),
        20: ("type", ATTRIBUTE_TYPE, False),
        2: ("f", "float", False),
        3: ("i", "int64", False),
        4: ("s", "bytes", False),
        5: ("t", TENSOR, False),
        6: ("g", GRAPH, False),
        22: ("sparse_tensor", SPARSE_TENSOR, False),
        14: ("tp", TYPE, False),
        7: ("floats", "float", True),
        8: ("ints", "int64", True),
        9: ("strings", "bytes", True),
        10: ("tensors", TENSOR, True),
        11: ("graphs", GRAPH, True),
        23: ("sparse_tensors", SPARSE_TENSOR, True),
        15: ("type_protos", TYPE, True),
    },
)
_define(
    VALUE_INFO,
    {
        1: ("name", "string", False),
        2: ("type", TYPE, False),
        3: ("doc_string", "string", False),
        4: ("metadata_props", STRING_STRING_ENTRY, True),
    },
)
_define(
    TENSOR,
    {
        1: ("dims", "int64", True),
        2: ("data_type", "int32", False),
        3: ("segment", SEGMENT, False),
        4: ("float_data", "float", True),
        5: ("int32_data", "int32", True),
        6: ("string_data", "bytes", True),
        7: ("int64_data", "int64", True),
        8: ("name", "string", False),
        12: ("doc_string", "string", False),
        9: ("raw_data", "bytes", False),
        13: ("external_data", STRING_STRING_ENTRY, True),
        14: ("data_location", DATA_LOCATION, False),
        10: ("double_data", "double", True),
        11: ("uint64_data", "uint64", True),
        16: ("metadata_props", STRING_STRING_ENTRY, True),
    },
)
_define(SEGMENT, {1: ("begin", "int64", False), 2: ("end", "int64", False)})
_define(
    SPARSE_TENSOR,
    {1: ("values", TENSOR, False), 2: ("indices", TENSOR, False), 3: ("dims", "int64", True)},
)
_define(
    TENSOR_ANNOTATION,
    {
        1: ("tensor_name", "string", False),
        2: ("quant_parameter_tensor_names", STRING_STRING_ENTRY, True),
    },
)
_define(TENSOR_SHAPE, {1: ("dim", DIMENSION, True)})
_define(
    DIMENSION,
    {
        1: ("dim_value", "int64", False),
        2: ("dim_param", "string", False),
        3: ("denotation", "string", False),
    },
    oneof=("dim_value", "dim_param"),
)
_define(
    TYPE,
    {
        1: ("tensor_type", TYPE_TENSOR, False),
        4: ("sequence_type", TYPE_SEQUENCE, False),
        5: ("map_type", TYPE_MAP, False),
        9: ("optional_type", TYPE_OPTIONAL, False),
        8: ("sparse_tensor_type", TYPE_SPARSE_TENSOR, False),
        7: ("opaque_type", TYPE_OPAQUE, False),
        6: ("denotation", "string", False),
    },
    oneof=(
        "tensor_type",
        "sequence_type",
        "map_type",
        "optional_type",
        "sparse_tensor_type",
        "opaque_type",
    ),
)
_define(TYPE_TENSOR, {1: ("elem_type", "int32", False), 2: ("shape", TENSOR_SHAPE, False)})
_define(TYPE_SEQUENCE, {1: ("elem_type", TYPE, False)})
_define(TYPE_MAP, {1: ("key_type", "int32", False), 2: ("value_type", TYPE, False)})
_define(TYPE_OPTIONAL, {1: ("elem_type", TYPE, False)})
_define(TYPE_SPARSE_TENSOR, {1: ("elem_type", "int32", False), 2: ("shape", TENSOR_SHAPE, False)})
_define(TYPE_OPAQUE, {1: ("domain", "string", False), 2: ("name", "string", False)})
_define(
    NODE_DEVICE_CONFIGURATION,
    {
        1: ("configuration_id", "string", False),
        2: ("sharding_spec", SHARDING_SPEC, True),
        3: ("pipeline_stage", "int32", False),
    },
)
_define(
    SHARDING_SPEC,
    {
        1: ("tensor_name", "string", False),
        2: ("device", "int64", True),
        3: ("index_to_device_group_map", INT_INT_LIST_ENTRY, True),
        4: ("sharded_dim", SHARDED_DIM, True),
    },
)
_define(INT_INT_LIST_ENTRY, {1: ("key", "int64", False), 2: ("value", "int64", True)})
_define(
    SHARDED_DIM, {1: ("axis", "int64", False), 2: ("simple_sharding", SIMPLE_SHARDED_DIM, True)}
)
_define(
    SIMPLE_SHARDED_DIM,
    {
        1: ("dim_value", "int64", False),
        2: ("dim_param", "string", False),
        3: ("num_shards", "int64", False),
    },
    oneof=("dim_value", "dim_param"),
)


# protobuf's default recursion limit (upb's kUpb_WireFormat_DefaultDepthLimit, C++'s
# kDefaultRecursionLimit), which _messages' decoder applies: onnx.load refuses messages nested
# deeper, and so does tinytb. A subgraph is three levels down (graph, node, attribute): about 33
# levels of If/Loop bodies.
MAX_DEPTH = _messages.MAX_DEPTH


def decode_model(data: bytes) -> Message:
    """Decode a serialized ``ModelProto`` (the bytes of a binary ``.onnx`` file) into a
    :class:`~tinytb._messages.Message` tree; string fields hold ``bytes``. Raises DecodeError
    with the byte offset and field path of malformed bytes, and for messages nested more than
    :data:`MAX_DEPTH` deep (the decoder stops there)."""
    return MODEL.decode(bytes(data))


def _graph_depth(graph):
    """How many graphs deep the subgraphs of ``graph`` go (0: none)."""
    deepest = 0
    pending = [(graph, 0)]
    while pending:
        graph, depth = pending.pop()
        deepest = max(deepest, depth)
        for node in graph.node:
            for attribute in node.attribute:
                subgraphs = list(attribute.graphs)
                if attribute.g is not None:
                    subgraphs.append(attribute.g)
                pending.extend((sub, depth + 1) for sub in subgraphs)
    return deepest


def _set_fields(message):
    """``ListFields()``: (name, .proto type, value) of the set fields in field-number order. A
    repeated field is set when it has elements; a closed enum is set when a number its enum
    names was on the wire (the last such number)."""
    types = _TYPES[message.type_name]
    listed = []
    for name, value in message.fields():
        kind = types[name]
        if isinstance(kind, dict):  # onnx.proto has no repeated enum field
            value = [v for v in value if v in kind]
            if not value:
                continue
            value = value[-1]
        elif isinstance(value, list) and not value:
            continue
        listed.append((name, kind, value))
    return listed


# -- upb's text format (what str() of a message gives) -------------------------------------

_strtof = _text_format.strtof  # C's strtof, which upb's float printing relies on


def _scalar_text(kind, value):
    if kind == "string":
        return '"%s"' % _text_format.escape_string(value)
    if kind == "bytes":
        return '"%s"' % _text_format.escape_bytes(value)
    if kind == "float":
        return _text_format.float_text(value)
    if kind == "double":
        return _text_format.double_text(value)
    if isinstance(kind, dict):
        return kind[value]
    return str(value)  # the integer types; onnx.proto has no bool field


def text_format(message: Message, printer: "_text_format.Printer | None" = None) -> str:
    """``str(message)`` as protobuf's upb runtime prints it (unknown fields left out). With
    ``printer``, printed through it (its limit counts)."""
    printer = _text_format.Printer() if printer is None else printer
    _print_message(message, "", printer)
    return printer.text()


def _print_message(message, indent, printer):
    for name, kind, value in _set_fields(message):
        for item in value if isinstance(value, list) else (value,):
            if isinstance(kind, Schema):
                printer.begin(indent, name)
                _print_message(item, indent + "  ", printer)
                printer.end(indent)
            else:
                printer.field(indent, name, _scalar_text(kind, item))


# -- PyTorch's rules -------------------------------------------------------------------------


def _python_value(kind, value, printer, in_list=False):
    """The Python object protobuf returns for one value of a field (messages printed through
    ``printer``)."""
    if kind == "string":
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value  # upb returns the bytes of a proto2 string that is not UTF-8
    if kind is GRAPH:
        if in_list:  # shown by repr only, which onnx makes short: not printed at all
            return _Printed("", _graph_repr(value, printer))
        return _Printed(text_format(value, printer), _graph_repr(value, printer))
    if isinstance(kind, Schema):
        return _Printed(text_format(value, printer))
    return value


class _Printed(str):
    """A message as ``str`` and ``repr`` show it: ``repr`` of a list calls ``repr`` of each
    message, which upb makes the text format and onnx replaces for GraphProto."""

    def __new__(cls, text, shown=None):
        self = super().__new__(cls, text)
        self.shown = text if shown is None else shown
        return self

    def __repr__(self):
        return self.shown


def _graph_repr(graph, printer):
    """onnx's ``GraphProto.__repr__`` (onnx/__init__.py, ``_graph_proto_repr``)."""
    counts = "".join(
        ", %s=<%d %s>" % (field, len(items), label)
        for field, items, label in (
            ("input", graph.input, "inputs"),
            ("output", graph.output, "outputs"),
            ("initializer", graph.initializer, "initializers"),
            ("node", graph.node, "nodes"),
            ("value_info", graph.value_info, "value_info"),
        )
        if items
    )
    return "GraphProto('%s'%s)" % (_python_value("string", graph.name, printer), counts)


def _str(kind, value, printer):
    """``str(value)`` of a field as ``ListFields()`` returns it."""
    if isinstance(value, list):
        return repr([_python_value(kind, item, printer, in_list=True) for item in value])
    return str(_python_value(kind, value, printer)) if kind != "bytes" else repr(value)


def parameters(node: Any, printer: "_text_format.Printer | None" = None) -> str:
    """The ``parameters`` attribute PyTorch gives a node: per attribute, its set fields'
    ``str`` joined by ``" = "`` (e.g. ``kernel_shape = [3, 3] = 7``), the attributes joined by
    ``", "``. Messages in it are printed through ``printer`` (its limit counts)."""
    printer = _text_format.Printer() if printer is None else printer
    return ", ".join(
        " = ".join(_str(kind, value, printer) for _, kind, value in _set_fields(attribute))
        for attribute in node.attribute
    )


def _text(raw, path):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DecodeError("string is not UTF-8 (%s)" % err.reason, None, path) from None


# What the parameters strings of one graph may print in all, in characters. Text format
# indents every line of a nested message two spaces a level, so a subgraph n levels down
# prints each of its fields with 6n spaces in front (graph, node, attribute per level): a
# few hundred KB of packed numbers 30 levels deep print as a hundred MB. 2**26 characters
# (64 Mi) is far above what any exported model prints.
MAX_TEXT_CHARS = 1 << 26


def _variable_nodes(graph):
    """Every ``graph.input`` then every ``graph.output`` as a ``Variable`` NodeDef."""
    nodes = []
    for group in ("input", "output"):
        for index, value in enumerate(getattr(graph, group)):
            path = "ModelProto.graph.%s[%d]" % (group, index)
            tensor = value.type.tensor_type if value.type is not None else None
            shape = tensor.shape if tensor is not None else None
            dims = [dim.dim_value for dim in shape.dim] if shape is not None else []
            nodes.append(
                _messages.node_def(
                    _text(value.name, path + ".name"),
                    "Variable",
                    attr=[
                        (
                            "dtype",
                            _messages.attr_value(
                                type=tensor.elem_type if tensor is not None else 0
                            ),
                        ),
                        ("shape", _messages.attr_value(shape=dims)),
                    ],
                )
            )
    return nodes


def _op_nodes(graph, printer):
    """Every ``graph.node`` as a NodeDef named by its first output, with ``parameters``."""
    nodes = []
    for index, node in enumerate(graph.node):
        path = "ModelProto.graph.node[%d]" % index
        if not node.output:
            raise ValueError(
                "ONNX node %d (op_type %r) has no output to name it by"
                % (index, node.op_type.decode("utf-8", "replace"))
            )
        inputs = [_text(name, "%s.input[%d]" % (path, i)) for i, name in enumerate(node.input)]
        nodes.append(
            _messages.node_def(
                _text(node.output[0], path + ".output[0]"),
                _text(node.op_type, path + ".op_type"),
                inputs,
                attr=[
                    (
                        "parameters",
                        _messages.attr_value(s=parameters(node, printer).encode("utf-8")),
                    )
                ],
            )
        )
    return nodes


def load_onnx_graph(
    data: bytes, name: "str | None" = None, max_chars: int = MAX_TEXT_CHARS
) -> bytes:
    """The serialized ``GraphDef`` that ``torch.utils.tensorboard._onnx_graph.load_onnx_graph``
    makes of the ONNX model in ``data`` (the bytes of a binary ``.onnx`` file), printing
    nothing. ``name`` (the file's, for messages) defaults to "ONNX model".

    Malformed bytes raise DecodeError, and so do messages nested more than :data:`MAX_DEPTH`
    deep (protobuf refuses them too). A node without outputs, which PyTorch cannot name
    (IndexError), raises ValueError, and so does a model whose ``parameters`` strings would
    print more than ``max_chars`` characters in all (:data:`MAX_TEXT_CHARS`): PyTorch would
    make that GraphDef, but it is a file blown up by deep nesting, not a model to look at."""
    model: Any = decode_model(data)
    graph = model.graph
    if graph is None:  # PyTorch reads the empty default graph: no nodes
        return _messages.graph_def([], producer=22)
    printer = _text_format.Printer(max_chars)
    try:
        nodes = _variable_nodes(graph) + _op_nodes(graph, printer)
    except _text_format.TextTooLarge:
        raise ValueError(
            "%s: the parameters of its nodes print over %d characters (subgraphs "
            "nested %d deep re-indent every line at each level); refused "
            "rather than made into a GraphDef of that size"
            % (name or "ONNX model", max_chars, _graph_depth(graph))
        ) from None
    return _messages.graph_def(nodes, producer=22)


# onnx.load picks a text parser by the file's extension (onnx/serialization.py).
TEXT_EXTENSIONS = frozenset(
    (".txtpb", ".textproto", ".prototxt", ".pbtxt", ".json", ".onnxjson", ".onnxtxt", ".onnxtext")
)


def check_path(path: Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]) -> None:
    """Raise ValueError for a file name whose extension makes ``onnx.load`` read a text format
    (textproto, JSON, ONNX text); tinytb reads binary ``.onnx`` files only."""
    extension = os.path.splitext(os.fsdecode(os.fspath(path)))[1]
    if extension in TEXT_EXTENSIONS:
        raise ValueError(
            "prototxt: %r is an ONNX text format (%s); tinytb reads binary .onnx "
            "files only: save the model with onnx.save(model, 'model.onnx')"
            % (os.fspath(path), extension)
        )
