# SPDX-License-Identifier: MIT
"""tinytb._onnx: ONNX bytes built by hand with the wire encoders, decoded, turned into the
GraphDef of PyTorch's ``add_onnx_graph``, and that GraphDef decoded back.

The expected ``parameters`` strings and text-format lines were produced by PyTorch's own
``torch.utils.tensorboard._onnx_graph.parse`` on the same bytes (torch 2.13.0, onnx 1.23.2,
protobuf 7.36.2 with its upb runtime), which is also what conformance/test_graph_onnx.py
checks against the installed stack.
"""

import os

import pytest

from tinytb import _messages, _onnx, _wire
from tinytb._files import read_file
from tinytb.errors import DecodeError

# -- builders: onnx.proto field numbers --------------------------------------------------------


def msg(field, *parts):
    return _wire.bytes_field(field, b"".join(parts))


def text(field, value):
    return _wire.bytes_field(field, value.encode("utf-8") if isinstance(value, str) else value)


def num(field, value):
    return _wire.uint_field(field, value)


def f32(field, value):
    return _wire.float_field(field, value)


def dim(value=None, param=None):
    """TensorShapeProto.dim = 1 { dim_value = 1 | dim_param = 2 }"""
    return msg(1, b"" if value is None else num(1, value), b"" if param is None else text(2, param))


def value_info(field, name, elem_type=None, dims=None):
    """GraphProto.input = 11 / output = 12: ValueInfoProto { name = 1; type = 2 }, TypeProto
    { tensor_type = 1 { elem_type = 1; shape = 2 } }"""
    if elem_type is None:
        return msg(field, text(1, name))
    shape = b"" if dims is None else msg(2, *dims)
    return msg(field, text(1, name), msg(2, msg(1, num(1, elem_type), shape)))


def node(inputs, outputs, op_type, *attributes):
    """GraphProto.node = 1: NodeProto { input = 1; output = 2; op_type = 4; attribute = 5 }"""
    return msg(
        1,
        *[text(1, i) for i in inputs],
        *[text(2, o) for o in outputs],
        text(4, op_type),
        *[msg(5, a) for a in attributes],
    )


def attr(name, *parts):
    """AttributeProto { name = 1; type = 20; f = 2; i = 3; s = 4; t = 5; g = 6; floats = 7;
    ints = 8; strings = 9; tensors = 10; graphs = 11 }"""
    return text(1, name) + b"".join(parts)


def model(*graph_parts):
    """ModelProto { ir_version = 1; graph = 7 }"""
    return num(1, 8) + msg(7, *graph_parts)


def decoded(graph_def):
    """The GraphDef as [(name, op, inputs, {attr key: AttrValue Message})], versions."""
    graph = _messages.GRAPH_DEF.decode(graph_def)
    nodes = [(n.name, n.op, n.input, {e.key: e.value for e in n.attr}) for n in graph.node]
    return nodes, graph.versions.producer


def params(graph_def):
    return [
        attrs["parameters"].s for _, _, _, attrs in decoded(graph_def)[0] if "parameters" in attrs
    ]


TENSOR = msg(5, num(1, 2), num(2, 1), f32(4, 0.1), f32(4, 16777217.0), text(8, "c\n\u00e9"))
SUBGRAPH = node(["a"], ["b"], "Relu") + text(2, "sub") + value_info(11, "a")

EXAMPLE = model(
    text(2, "main"),
    value_info(11, "x", 1, [dim(param="N"), dim(3), dim(224)]),
    value_info(11, "untyped"),
    value_info(12, "y", 7, [dim(2)]),
    node(
        ["x", "w", ""],
        ["c"],
        "Conv",
        attr("kernel_shape", num(8, 3), num(8, 3), num(20, 7)),
        attr("strides", _wire.packed_varints(8, [1, 2]), num(20, 7)),
        attr("pads", num(8, -1), num(8, 0), num(20, 7)),
    ),
    node([], ["k"], "Constant", attr("value", TENSOR, num(20, 4))),
    node(
        ["c", "k"],
        ["y", "extra"],
        "Custom",
        attr("alpha", f32(2, 0.1), num(20, 1)),
        attr("mode", text(4, b'say "hi"\xff\n'), num(20, 3)),
        attr("zero", num(3, 0), num(20, 2)),
        attr("enum", num(3, 5), num(20, 2), num(20, 99)),
        attr("body", msg(6, SUBGRAPH), num(20, 5)),
        attr("branches", msg(11, SUBGRAPH), msg(11, text(2, "e")), num(20, 10)),
        attr("floats", f32(7, 1.5), f32(7, -0.0), f32(7, float("inf")), num(20, 6)),
        attr("strings", text(9, b"a"), text(9, b"\x00'"), num(20, 8)),
    ),
    node(["y"], ["z"], "Relu"),
)

# PyTorch's parse() of EXAMPLE (see the module docstring).
EXAMPLE_PARAMETERS = [
    b"kernel_shape = [3, 3] = 7, strides = [1, 2] = 7, pads = [-1, 0] = 7",
    b"value = dims: 2\ndata_type: 1\nfloat_data: 0.1\nfloat_data: 16777216\n"
    b'name: "c\\n\xc3\xa9"\n = 4',
    b"alpha = 0.10000000149011612 = 1, mode = b'say \"hi\"\\xff\\n' = 3, zero = 0 = 2, "
    b'enum = 5 = 2, body = node {\n  input: "a"\n  output: "b"\n  op_type: "Relu"\n}\n'
    b'name: "sub"\ninput {\n  name: "a"\n}\n = 5, branches = [GraphProto(\'sub\', '
    b"input=<1 inputs>, node=<1 nodes>), GraphProto('e')] = 10, floats = [1.5, -0.0, inf] = 6, "
    b"strings = [b'a', b\"\\x00'\"] = 8",
    b"",
]


# -- the GraphDef ------------------------------------------------------------------------------


def test_example_graph_def():
    nodes, producer = decoded(_onnx.load_onnx_graph(EXAMPLE))
    assert producer == 22
    assert [(name, op, inputs) for name, op, inputs, _ in nodes] == [
        ("x", "Variable", []),
        ("untyped", "Variable", []),
        ("y", "Variable", []),
        ("c", "Conv", ["x", "w", ""]),
        ("k", "Constant", []),
        ("y", "Custom", ["c", "k"]),
        ("z", "Relu", ["y"]),
    ]
    variables = {name: attrs for name, op, _, attrs in nodes if op == "Variable"}
    assert {name: sorted(a) for name, a in variables.items()} == {
        "x": ["dtype", "shape"],
        "untyped": ["dtype", "shape"],
        "y": ["dtype", "shape"],
    }
    # the ONNX element type number as it is (INT64 = 7), a dim_param as size 0
    assert variables["x"]["dtype"].fields() == [("type", 1)]
    assert [d.size for d in variables["x"]["shape"].shape.dim] == [0, 3, 224]
    assert variables["y"]["dtype"].type == 7
    assert [d.size for d in variables["y"]["shape"].shape.dim] == [2]
    # no type at all: type 0 and an empty shape, both still set (AttrValue's oneof)
    assert variables["untyped"]["dtype"].fields() == [("type", 0)]
    assert variables["untyped"]["shape"].shape is not None
    assert variables["untyped"]["shape"].shape.dim == []


def test_example_parameters_match_pytorch():
    assert params(_onnx.load_onnx_graph(EXAMPLE)) == EXAMPLE_PARAMETERS


def test_op_nodes_byte_exact():
    # With one attribute per node nothing depends on map order: PyTorch's
    # GraphDef.SerializeToString() for this model, byte for byte. AttrValue(s=b"") is a oneof
    # member, so it is written (12 00).
    graph = _onnx.load_onnx_graph(
        model(node(["a", ""], ["b"], "Relu"), node([], ["c"], "Op", attr("i", num(3, 1))))
    )
    assert graph == bytes.fromhex(
        "0a20"
        "0a0162"
        "120452656c75"
        "1a0161"
        "1a00"
        "2a10"
        "0a0a706172616d6574657273"
        "12021200"
        "0a1e"
        "0a0163"
        "12024f70"
        "2a15"
        "0a0a706172616d6574657273"
        "1207120569203d2031"
        "22020816"
    )


def test_prints_nothing(capsys):
    _onnx.load_onnx_graph(EXAMPLE)
    assert capsys.readouterr() == ("", "")


def test_empty_model_and_no_graph():
    assert decoded(_onnx.load_onnx_graph(b"")) == ([], 22)
    assert decoded(_onnx.load_onnx_graph(num(1, 8))) == ([], 22)
    assert _onnx.load_onnx_graph(b"") == msg(4, num(1, 22))


def test_other_type_and_missing_shape():
    # a sequence type (TypeProto.sequence_type = 4) and a tensor type without a shape
    seq = msg(11, text(1, "s"), msg(2, msg(4, msg(1, msg(1, num(1, 1))))))
    nodes, _ = decoded(_onnx.load_onnx_graph(model(seq, value_info(11, "t", 9))))
    assert [(a["dtype"].type, a["shape"].shape.dim) for _, _, _, a in nodes] == [(0, []), (9, [])]


def test_negative_and_large_dims():
    graph = model(value_info(11, "x", 1, [dim(-1), dim(1 << 40)]))
    nodes, _ = decoded(_onnx.load_onnx_graph(graph))
    assert [d.size for d in nodes[0][3]["shape"].shape.dim] == [-1, 1 << 40]


def test_dim_param_after_dim_value_clears_it():
    # a oneof: the later member wins, and dim_value reads as 0 again
    graph = model(value_info(11, "x", 1, [msg(1, num(1, 5), text(2, "N"))]))
    nodes, _ = decoded(_onnx.load_onnx_graph(graph))
    assert [d.size for d in nodes[0][3]["shape"].shape.dim] == [0]


# -- proto2 rules --------------------------------------------------------------------------------


def one_parameter(*parts):
    return params(_onnx.load_onnx_graph(model(node([], ["o"], "Op", attr("a", *parts)))))[0]


def test_presence_of_defaults():
    assert one_parameter(num(3, 0), f32(2, 0.0), text(4, b"")) == b"a = 0.0 = 0 = b''"
    assert one_parameter(text(13, "")) == b"a = "  # doc_string = 13, set and empty


def test_empty_packed_field_is_not_set():
    assert one_parameter(_wire.bytes_field(8, b"")) == b"a"


def test_closed_enum():
    # AttributeType has no 99: an unknown field to protobuf, so the last named value stays
    assert one_parameter(num(20, 99)) == b"a"
    assert one_parameter(num(20, 4), num(20, 99)) == b"a = 4"
    assert one_parameter(num(20, 4), num(20, 2)) == b"a = 2"


def test_field_number_order():
    # type (20) after ints (8) after f (2), whatever the wire order
    assert one_parameter(num(20, 7), num(8, 1), f32(2, 2.5)) == b"a = 2.5 = [1] = 7"


def test_singular_field_repeated_on_the_wire():
    # the last value wins (needs _messages.Schema.decode to take a second value of a
    # singular number field; it raised TypeError)
    assert one_parameter(num(3, 1), num(3, 2), f32(2, 1.0), f32(2, 0.5)) == b"a = 0.5 = 2"


def test_unknown_fields_are_skipped():
    assert one_parameter(num(100, 5), text(101, b"x"), num(3, 1)) == b"a = 1"


def test_invalid_utf8_in_attribute_strings():
    # upb hands back the bytes of a proto2 string that is not UTF-8: str() is their repr; the
    # text format escapes the bad bytes in octal and keeps valid UTF-8
    assert one_parameter(text(13, b"\xc3(")) == b"a = b'\\xc3('"
    tensor = msg(5, text(8, b"\xe2\x82\xac\xff\xed\xa0\x80"))
    assert one_parameter(tensor) == b'a = name: "\xe2\x82\xac\\377\\355\\240\\200"\n'


# -- upb's text format ------------------------------------------------------------------------


def tensor_text(*parts):
    return _onnx.text_format(_onnx.TENSOR.decode(b"".join(parts)))


def test_float_and_double_text():
    # %.6g if it reads back as the same float32, else %.9g; doubles %.15g, else %.17g
    # (values printed by upb: str(TensorProto(float_data=..., double_data=...)))
    floats = [
        0.1,
        16777217.0,
        8.4337253e18,
        -0.0,
        1e-45,
        float("inf"),
        float("nan"),
        3.0,
        1.17549435e-38,
    ]
    assert tensor_text(*[f32(4, v) for v in floats]) == (
        "float_data: 0.1\nfloat_data: 16777216\nfloat_data: 8.43372533e+18\nfloat_data: -0\n"
        "float_data: 1.4013e-45\nfloat_data: inf\nfloat_data: nan\nfloat_data: 3\n"
        "float_data: 1.17549435e-38\n"
    )
    doubles = [0.1, -3.2777084516938659e-155, 1e300, 5e-324, -float("inf"), 2.0**53 + 2]
    assert tensor_text(_wire.packed_doubles(10, doubles)) == (
        "double_data: 0.1\ndouble_data: -3.2777084516938659e-155\ndouble_data: 1e+300\n"
        "double_data: 4.94065645841247e-324\ndouble_data: -inf\n"
        "double_data: 9007199254740994\n"
    )


def test_strtof_rounds_once():
    # 1 + 2**-24 is halfway between the float32s 1 and 1 + 2**-23: a decimal just above it
    # rounds up in strtof, though its nearest double is exactly the midpoint (ties to even: 1)
    assert _onnx._strtof("1.000000059604644775390625") == 1.0
    assert _onnx._strtof("1.00000005960464477539062500001") == 1 + 2**-23
    assert _onnx._strtof("-1.00000005960464477539062500001") == -(1 + 2**-23)
    assert _onnx._strtof("1.00000005960464477539062499999") == 1.0
    assert _onnx._strtof("3.4028235e38") == 3.4028234663852886e38


def test_integers_enums_bytes_strings():
    assert tensor_text(
        num(1, -1),
        num(2, -5),
        num(7, -3),
        num(11, (1 << 64) - 1),
        num(14, 1),
        text(9, b"\"'\\\t\x7f\x80 ~"),
    ) == (
        'dims: -1\ndata_type: -5\nint64_data: -3\nraw_data: "\\"\\\'\\\\\\t\\177\\200 ~"\n'
        "uint64_data: 18446744073709551615\ndata_location: EXTERNAL\n"
    )
    # string fields: control characters escaped, valid UTF-8 kept
    assert tensor_text(text(8, "\x00\x1f\u00e9\u2028\r")) == 'name: "\\000\\037\u00e9\u2028\\r"\n'


def test_nested_messages_indent():
    sub = msg(13, text(1, "k"), text(2, "v")) + msg(3, b"")
    assert tensor_text(sub) == 'segment {\n}\nexternal_data {\n  key: "k"\n  value: "v"\n}\n'


def test_list_of_tensors_repr():
    assert one_parameter(msg(10, b""), msg(10, num(1, 1))) == b"a = [, dims: 1\n]"


# -- errors --------------------------------------------------------------------------------------


def test_truncated_bytes_raise_decode_error():
    with pytest.raises(DecodeError) as err:
        _onnx.load_onnx_graph(EXAMPLE[:-3])
    assert (err.value.section, err.value.offset) == ("ModelProto", 2)  # graph's length
    assert "runs past the end" in err.value.msg
    # inside: a varint cut short in the first attribute (i = 3, 0xff and nothing after)
    bad = model(node([], ["o"], "Op", attr("a", b"\x18\xff")))
    with pytest.raises(DecodeError) as err:
        _onnx.load_onnx_graph(bad)
    assert err.value.section == "ModelProto.graph.node[0].attribute[0]"
    assert err.value.msg == "truncated varint"
    assert bad[err.value.offset :] == b"\xff"


def test_wrong_wire_type_names_the_field():
    bad = model(node([], ["o"], "Op", attr("a", num(5, 1))))  # t = 5 is a message
    with pytest.raises(DecodeError, match=r"ModelProto\.graph\.node\[0\]\.attribute\[0\]\.t"):
        _onnx.load_onnx_graph(bad)


def test_text_instead_of_protobuf():
    with pytest.raises(DecodeError):
        _onnx.load_onnx_graph(b'ir_version: 8\ngraph {\n  name: "g"\n}\n')


def test_invalid_utf8_name_raises():
    bad = model(node(["a"], [b"\xff"], "Relu"))
    with pytest.raises(DecodeError, match=r"not UTF-8.*ModelProto\.graph\.node\[0\]\.output\[0\]"):
        _onnx.load_onnx_graph(bad)
    bad = model(msg(11, text(1, b"\xc3")))
    with pytest.raises(DecodeError, match=r"ModelProto\.graph\.input\[0\]\.name"):
        _onnx.load_onnx_graph(bad)


def test_node_without_output():
    with pytest.raises(ValueError, match="node 1 .*'Relu'.* no output"):
        _onnx.load_onnx_graph(model(node([], ["a"], "Constant"), node(["a"], [], "Relu")))


def test_deep_nesting():
    graph = b""
    for _ in range(2000):  # graph inside an attribute inside a node inside a graph ...
        graph = node([], ["o"], "If", attr("g", msg(6, graph)))
    with pytest.raises(DecodeError, match="messages nested more than 100 deep"):
        _onnx.load_onnx_graph(model(graph))


@pytest.mark.parametrize(
    "name",
    [
        "m.prototxt",
        "m.textproto",
        "m.pbtxt",
        "m.txtpb",
        "m.json",
        "m.onnxjson",
        "m.onnxtxt",
        "m.onnxtext",
        b"m.json",
    ],
)
def test_check_path_refuses_text_formats(name):
    with pytest.raises(ValueError, match="prototxt: .*binary"):
        _onnx.check_path(name)


@pytest.mark.parametrize("name", ["m.onnx", "m.pb", "model", "m.PROTOTXT", "dir.json/m.onnx"])
def test_check_path_accepts_binary(name):
    assert _onnx.check_path(name) is None


def test_read_file(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(EXAMPLE)
    assert read_file(path) == EXAMPLE
    assert read_file(str(path).encode()) == EXAMPLE
    with pytest.raises(FileNotFoundError):
        read_file(os.path.join(str(tmp_path), "missing.onnx"))


# -- limits --------------------------------------------------------------------------------------


def nested(levels, innermost=b"", extra=b""):
    """A graph holding a node whose attribute "g" holds a graph ... ``levels`` graphs deep;
    ``extra`` goes into every level's node as one more attribute."""
    graph = innermost
    for _ in range(levels):
        graph = node([], ["o"], "If", attr("g", msg(6, graph)), *([extra] if extra else []))
    return graph


def packed_dims(count):
    """AttributeProto.t = 5: TensorProto { dims = 1 (packed: ``count`` zeros, a byte each) }:
    each byte prints as a line "dims: 0" in text format."""
    return attr("t", msg(5, _wire.bytes_field(1, bytes(count))))


def test_160_nested_subgraphs_are_refused():
    # The case: 160 nested subgraphs in 804 KB made a 386 MB GraphDef; each level here
    # holds 5000 packed dims. 160 graphs are 480 messages deep: protobuf refuses them
    # (its limit is 100), and so does tinytb now, before printing anything.
    data = model(nested(160, extra=packed_dims(5000)))
    assert 800_000 < len(data) < 810_000
    with pytest.raises(DecodeError) as info:
        _onnx.load_onnx_graph(data)
    assert info.value.msg == "messages nested more than 100 deep"
    assert info.value.section.startswith("ModelProto")


def test_nesting_limit_is_100_messages():
    # ModelProto.graph is level 1; each graph level adds graph, node, attribute: the 34th
    # graph is level 100 (allowed), a node in it level 101 (refused).
    graph_def = _onnx.load_onnx_graph(model(nested(33, text(2, "deepest"))))
    assert b"deepest" in params(graph_def)[0]
    with pytest.raises(DecodeError, match="messages nested more than 100 deep"):
        _onnx.load_onnx_graph(model(nested(33, node([], ["x"], "Relu"))))


def test_parameters_text_over_the_limit_is_refused():
    # 30 levels (within protobuf's depth) with 400 KB of packed dims at the bottom: every byte
    # prints as a line indented 180 spaces, 75 M characters where the limit is 64 Mi.
    data = model(nested(30, node([], ["d"], "Constant", packed_dims(400_000))))
    assert len(data) < 401_000
    with pytest.raises(ValueError) as info:
        _onnx.load_onnx_graph(data, "deep.onnx")
    assert not isinstance(info.value, DecodeError)
    assert str(info.value).startswith(
        "deep.onnx: the parameters of its nodes print over "
        "67108864 characters (subgraphs nested 30 deep"
    )


def test_max_chars_bounds_all_nodes_together():
    data = model(
        node([], ["a"], "Constant", packed_dims(3)), node([], ["b"], "Constant", packed_dims(3))
    )
    one = params(_onnx.load_onnx_graph(data))[0]
    assert one == b"t = dims: 0\ndims: 0\ndims: 0\n"
    text_chars = len(one) - len("t = ")
    assert params(_onnx.load_onnx_graph(data, max_chars=2 * text_chars)) == [one, one]
    with pytest.raises(ValueError, match=r"^ONNX model: the parameters .* over 47 characters"):
        _onnx.load_onnx_graph(data, max_chars=2 * text_chars - 1)


def test_list_of_graphs_is_not_printed():
    # a graph in a list shows as onnx's repr: its text is not made, so it counts for nothing
    graphs = attr("gs", msg(11, nested(20, extra=packed_dims(1000))))
    graph_def = _onnx.load_onnx_graph(model(node([], ["o"], "Loop", graphs)), max_chars=0)
    assert params(graph_def) == [b"gs = [GraphProto('', node=<1 nodes>)]"]
