"""tinytb._messages and tinytb.summary: canonical bytes for every message a writer needs."""

import struct

import pytest

from tinytb import _messages, _tensor, summary
from tinytb.errors import DecodeError

from vectors import (
    CUSTOM_MULTILINE_SUMMARY,
    MARGIN_LAYOUT,
    PURGE_FILE_VERSION_TAIL,
    PURGE_SESSION_LOG_TAIL,
    SCALAR_DOUBLE,
    SCALAR_NEW,
    SCALAR_PLAIN,
    TEXT,
    TENSOR_INT32,
    FakeArray,
)


def event_with(summary_bytes, wall_time, step):
    return _messages.event(wall_time=wall_time, step=step, summary=summary_bytes)


def test_scalar_old_style_vector():
    assert event_with(summary.scalar("s/plain", 0.0), 1.5, 0) == SCALAR_PLAIN


def test_scalar_new_style_vector():
    assert event_with(summary.scalar("s/new", 2.5, new_style=True), 2.0, 1) == SCALAR_NEW


def test_scalar_double_precision_vector():
    data = summary.scalar("s/newd", 2.5, new_style=True, double_precision=True)
    assert event_with(data, 2.0, 2) == SCALAR_DOUBLE


def test_tensor_int32_vector():
    data = summary.tensor_proto("t", FakeArray([1, 2, 3], "int32"))
    assert event_with(data, 4.0, 4) == TENSOR_INT32


def test_text_vector():
    assert event_with(summary.text("txt", "hello"), 8.0, 8) == TEXT


def test_custom_scalars_vectors():
    layout = {"default": {"untitled": ["Multiline", ["s/plain", "s/new"]]}}
    assert summary.custom_scalars(layout) == CUSTOM_MULTILINE_SUMMARY
    margin = summary.custom_scalars({"cat": {"m": ["Margin", ["a", "b", "c"]]}})
    assert MARGIN_LAYOUT in margin
    decoded = _messages.SUMMARY.decode(margin).value[0]
    assert decoded.tensor.string_val == [MARGIN_LAYOUT]
    assert "tensor_shape" in decoded.tensor._present  # present and empty: 12 00


def test_purge_events_vectors():
    fv = _messages.event(wall_time=1.0, step=5, file_version="brain.Event:2")
    sl = _messages.event(wall_time=1.0, step=5, session_log=_messages.session_log(_messages.START))
    assert fv[9:] == PURGE_FILE_VERSION_TAIL
    assert sl[9:] == PURGE_SESSION_LOG_TAIL


def test_proto3_presence_rules():
    # implicit presence: zero scalars and empty strings are not written
    assert _messages.event() == b""
    assert _messages.event(wall_time=0.0, step=0) == b""
    # -0.0 differs from 0.0 in its bits, and protobuf compares bits
    assert _messages.event(wall_time=-0.0) == b"\x09" + struct.pack("<d", -0.0)
    # oneof members are written even when default
    assert _messages.summary_value(tag="", simple_value=0.0) == bytes.fromhex("1500000000")
    assert _messages.event(graph_def=b"") == bytes.fromhex("2200")
    assert _messages.event(summary=b"") == bytes.fromhex("2a00")
    # embedded messages are written when set, even empty
    assert _messages.summary_metadata("") == bytes.fromhex("0a00")
    assert _messages.tensor_proto(0, ()) == bytes.fromhex("1200")
    assert _messages.tensor_proto(0, None) == b""
    # a dim of size 0 is an empty Dim message
    assert _messages.tensor_shape([0, 2]) == bytes.fromhex("1200 12020802".replace(" ", ""))


def test_source_metadata_header_event():
    # The layout of PyTorch's first record with our writer name
    # (docs/event-file-format.md section 1.1)
    data = _messages.event(
        wall_time=1.5,
        file_version="brain.Event:2",
        source_metadata=_messages.source_metadata("tinytb"),
    )
    assert data == (
        bytes.fromhex("09000000000000f83f 1a0d".replace(" ", ""))
        + b"brain.Event:2"
        + bytes.fromhex("5208 0a06".replace(" ", ""))
        + b"tinytb"
    )


def test_histogram_proto_field_order():
    data = _messages.histogram_proto(
        min=0.0,
        max=3.5,
        num=5.0,
        sum=7.5,
        sum_squares=18.25,
        bucket_limit=[0.0, 3.5],
        bucket=[0.0, 5.0],
    )
    # min=0 omitted (docs/event-file-format.md section 6, add_histogram vector), then 2,3,4,5,6,7
    assert [f for f, _, _, _ in __import__("tinytb")._wire.iter_fields(data)] == [2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    "dtype,values,field,expected",
    [
        ("float32", [1.5, -2.0], "float_val", [1.5, -2.0]),
        ("float64", [0.1], "double_val", [0.1]),
        ("float16", [1.0, -2.0, 65504.0], "half_val", [0x3C00, 0xC000, 0x7BFF]),
        ("bfloat16", [1.0, -2.0, 3.140625], "half_val", [0x3F80, 0xC000, 0x4049]),
        ("uint8", [0, 255], "int_val", [0, 255]),
        ("int8", [-128, 127], "int_val", [-128, 127]),
        ("int16", [-32768], "int_val", [-32768]),
        ("int64", [-(2**63), 2**63 - 1], "int64_val", [-(2**63), 2**63 - 1]),
        ("bool", [True, False], "bool_val", [True, False]),
        ("complex64", [1 + 2j], "scomplex_val", [1.0, 2.0]),
        ("complex128", [3 - 4j], "dcomplex_val", [3.0, -4.0]),
        ("uint32", [2**32 - 1], "uint32_val", [2**32 - 1]),
    ],
)
def test_tensor_dtypes_follow_tensorflow(dtype, values, field, expected):
    data = summary.tensor_proto("t", FakeArray(values, dtype))
    tensor = _messages.SUMMARY.decode(data).value[0].tensor
    assert tensor.dtype == _tensor.DTYPES[dtype][0]
    assert getattr(tensor, field) == expected
    name, shape, back = _tensor.decode(tensor)
    assert (name, shape) == (dtype, [len(values)])
    assert back == [complex(v) if "complex" in dtype else v for v in values]


def test_half_float_bits():
    # IEEE binary16 vectors (Wikipedia "Half-precision floating-point format" examples)
    assert _tensor.half_bits(1.0) == 0x3C00
    assert _tensor.half_bits(65504.0) == 0x7BFF
    assert _tensor.half_bits(2**-24) == 0x0001  # smallest subnormal
    assert _tensor.half_bits(-0.0) == 0x8000
    assert _tensor.half_bits(1e6) == 0x7C00  # overflow -> inf
    assert _tensor.half_bits(float("inf")) == 0x7C00
    assert _tensor.half_from_bits(0x3555) == pytest.approx(0.333251953125)
    # bfloat16: the top 16 bits of the float32, rounded to nearest even
    assert _tensor.bfloat16_bits(1.0) == 0x3F80
    assert _tensor.bfloat16_bits(1.00390625) == 0x3F80  # halfway, rounds to even
    assert _tensor.bfloat16_bits(1.01171875) == 0x3F82  # halfway, rounds to even (up)
    assert _tensor.bfloat16_bits(float("nan")) & 0x7FC0 == 0x7FC0


def test_decode_round_trip_event():
    data = event_with(summary.scalar("s/new", 2.5, new_style=True), 2.0, 1)
    event = _messages.decode_event(data)
    assert event.wall_time == 2.0 and event.step == 1
    value = event.summary.value[0]
    assert value.tag == "s/new"
    assert value.tensor.float_val == [2.5]
    assert value.metadata.plugin_data.plugin_name == "scalars"
    assert event.file_version == "" and event.session_log is None
    assert "Event(" in repr(event) and "wall_time=2.0" in repr(event)


def test_decode_oneof_presence_and_unknown_fields():
    value = _messages.VALUE.decode(_messages.summary_value(tag="x", simple_value=0.0))
    assert "simple_value" in value._present and value.simple_value == 0.0
    # an unknown field (99) is skipped, as protobuf parsers do
    data = _messages.summary_value(tag="x") + bytes.fromhex("98060a")
    assert _messages.VALUE.decode(data).tag == "x"


def test_decode_errors_name_the_field_path():
    good = event_with(summary.scalar("s/new", 2.5, new_style=True), 2.0, 1)
    bad = bytearray(good)
    bad[good.index(bytes.fromhex("2a04")) + 1] = 0x09  # float_val length runs past the end
    with pytest.raises(DecodeError) as info:
        _messages.decode_event(bytes(bad))
    assert info.value.section.startswith("Event.summary.value[0].tensor")
    with pytest.raises(DecodeError, match="UTF-8"):
        _messages.decode_event(bytes.fromhex("1a02c328"))
    with pytest.raises(DecodeError, match="wire type"):
        _messages.decode_event(bytes.fromhex("0801"))  # wall_time as a varint


def test_layout_decode():
    layout = _messages.LAYOUT.decode(MARGIN_LAYOUT)
    chart = layout.category[0].chart[0]
    assert layout.category[0].title == "cat" and chart.title == "m"
    series = chart.margin.series[0]
    assert (series.value, series.lower, series.upper) == ("a", "b", "c")
    assert chart.multiline is None


# -- plugin data of PR curves, meshes and hparams ----------------------------------------------


def test_pr_curve_plugin_data_vector():
    # docs/event-file-format.md section 6: add_pr_curve(..., num_thresholds=5) metadata
    # "4a.. 0a.. 0a09 'pr_curves' 1202 1005"
    assert _messages.pr_curve_plugin_data(5) == bytes.fromhex("1005")
    assert _messages.summary_metadata(
        "pr_curves", _messages.pr_curve_plugin_data(5)
    ) == bytes.fromhex("0a0f0a09") + b"pr_curves" + bytes.fromhex("12021005")


def test_mesh_plugin_data_vector():
    # section 3.2.6: vertices [1,3,3] with faces and colors, as torch 2.13 wrote it
    expected = bytes.fromhex("12046d65736818012a027b7d3203010303380e")
    assert (
        _messages.mesh_plugin_data("mesh", _messages.MESH_VERTEX, "{}", [1, 3, 3], 14) == expected
    )
    decoded = _messages.MESH_PLUGIN_DATA.decode(expected)
    assert (decoded.name, decoded.content_type, decoded.shape, decoded.components) == (
        "mesh",
        1,
        [1, 3, 3],
        14,
    )


def test_hparams_session_end_vector():
    # section 3.2.5: session_end content "22 02 08 01"
    assert _messages.hparams_plugin_data(
        session_end_info=_messages.session_end_info(_messages.STATUS_SUCCESS)
    ) == bytes.fromhex("22020801")


def test_hparams_session_start_vector():
    # captured from protobuf 7.36 (upb): HParamsPluginData(session_start_info=ssi) with
    # ssi.hparams[''].string_value = '', ['a'].number_value = 0.0, ['b'].bool_value = False:
    # map entries always carry key and value, and oneof members keep explicit presence
    expected = bytes.fromhex(
        "1a210a060a0012021a000a0e0a016112091100000000000000000a070a016212022000"
    )
    ssi = _messages.session_start_info([("", ""), ("a", 0.0), ("b", False)])
    assert _messages.hparams_plugin_data(session_start_info=ssi) == expected
    decoded = _messages.HPARAMS_PLUGIN_DATA.decode(expected).session_start_info
    assert [(e.key, e.value.fields()) for e in decoded.hparams] == [
        ("", [("string_value", "")]),
        ("a", [("number_value", 0.0)]),
        ("b", [("bool_value", False)]),
    ]


def test_hparam_info_and_experiment_vectors():
    # captured from protobuf 7.36: HParamInfo(name='x', type=DATA_TYPE_BOOL,
    # domain_discrete=ListValue([True, False])); MetricInfo(name=MetricName(tag='m'));
    # HParamsPluginData(experiment=Experiment()) keeps the empty experiment: "12 00"
    assert _messages.hparam_info("x", _messages.DATA_TYPE_BOOL, [True, False]) == bytes.fromhex(
        "0a017820022a080a0220010a022000"
    )
    assert _messages.metric_info("m") == bytes.fromhex("0a0312016d")
    assert _messages.hparams_plugin_data(experiment=_messages.experiment()) == b"\x12\x00"
    assert _messages.struct_value(None) == b"\x08\x00"
    assert _messages.struct_value(1.5) == b"\x11" + struct.pack("<d", 1.5)


# -- nesting, and nothing but DecodeError for any bytes (defect 3) ------------------------------


def test_nesting_is_bounded_at_100_messages():
    from fuzzing import nested_struct

    # Value -> Struct -> entry -> Value: three messages per level
    ok = _messages.STRUCT_VALUE.decode(nested_struct(33))  # the outer Value and 99 below it
    assert ok.struct_value.fields[0].key == "a"
    for depth in (34, 300, 5000):  # 300: a RecursionError in tinytb 0.x
        with pytest.raises(DecodeError, match="nested more than 100 deep") as info:
            _messages.STRUCT_VALUE.decode(nested_struct(depth))
        assert info.value.section.startswith("Value.struct_value.fields[0].value.struct_value")


def test_repr_of_a_struct_whose_field_is_named_fields():
    from fuzzing import nested_struct

    value = _messages.STRUCT_VALUE.decode(nested_struct(2))
    assert repr(value) == (
        "Value(struct_value=Struct(fields=[HparamsEntry(key='a', value=Value("
        "struct_value=Struct(fields=[HparamsEntry(key='a', value=Value("
        "number_value=1.0))])))]))"
    )
    assert _messages.Message.fields(value.struct_value)[0][0] == "fields"


SCHEMAS = sorted(
    (v for v in vars(_messages).values() if isinstance(v, _messages.Schema)), key=lambda s: s.name
)


@pytest.mark.parametrize(
    "bad, what",
    [
        (b"\x1a\x02\xff\xfe", "not UTF-8"),  # file_version
        (b"\x08" + b"\x80" * 10 + b"\x01", "longer than 10 bytes"),
        (b"\x2d\x00\x00\x00\x00", "wire type 5 for a message field"),  # summary as I32
        (b"\x09\x00\x00", "truncated fixed64"),
        (b"\x0b", "unsupported wire type 3"),
        (b"\x00\x00", "field number 0"),
        (b"\x2a\x05\x0a\x03\x0a\x01", "runs past the end"),
    ],
)
def test_malformed_events_raise_decode_error(bad, what):
    with pytest.raises(DecodeError, match=what):
        _messages.decode_event(bad)


def test_every_schema_raises_only_decode_error_on_random_bytes():
    import random

    rng = random.Random(7)
    for schema in SCHEMAS:
        for _ in range(300):
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(24)))
            try:
                repr(schema.decode(data))
            except DecodeError:
                pass


# -- the fast decoder against the checked one --------------------------------------------------


def _canon(value):
    """A comparable form of a decoded value: messages as (type, present fields, every field),
    floats by their bits (NaN == NaN)."""
    if isinstance(value, _messages.Message):
        fields = value._schema.fields.values()
        return (
            value.type_name,
            sorted(value._present),
            [(name, _canon(getattr(value, name))) for name, _, _ in fields],
        )
    if isinstance(value, list):
        return [_canon(v) for v in value]
    if isinstance(value, float):
        return struct.pack("<d", value)
    return (type(value).__name__, value)


def _random_fields(rng, schema, depth=0):
    """A message of ``schema``: its fields in random order, wire types right or (rarely)
    wrong, packed and unpacked repeated numbers, unknown fields, nested messages."""
    from tinytb import _wire

    out = []
    for _ in range(rng.randrange(8)):
        if not schema.fields or rng.random() < 0.1:
            number, kind, repeated = rng.choice([1, 15, 16, 99, 5000]), "bytes", False
        else:
            number, (_, kind, repeated) = rng.choice(sorted(schema.fields.items()))
        if isinstance(kind, _messages.Schema):
            payload = _random_fields(rng, kind, depth + 1) if depth < 5 else b""
            out.append(_wire.bytes_field(number, payload))
        elif repeated and kind in _messages._PACKABLE and rng.random() < 0.5:
            count = rng.randrange(4)
            if kind in ("double", "float"):
                code = "d" if kind == "double" else "f"
                packed = struct.pack("<%d%s" % (count, code), *[rng.random() for _ in range(count)])
            else:
                packed = b"".join(_wire.varint(rng.randrange(1 << 64)) for _ in range(count))
            out.append(_wire.bytes_field(number, packed))
        else:
            wire_type = _messages._WIRE_TYPES[kind] if rng.random() < 0.95 else rng.randrange(8)
            raw = {
                _wire.VARINT: _wire.varint(rng.choice([0, 1, 127, 128, 1 << 31, 1 << 63, -1])),
                _wire.I64: struct.pack("<d", rng.choice([0.0, -0.0, 1.5, float("nan")])),
                _wire.I32: struct.pack("<f", rng.choice([0.0, -1.0, float("inf")])),
                _wire.LEN: _wire.varint(3) + rng.choice([b"abc", b"\xff\xfe\xfd", b"\xc3\xa9!"]),
            }.get(wire_type, b"")
            out.append(_wire.key(number, wire_type) + raw)
    return b"".join(out)


def _mutated(rng, data):
    data = bytearray(data)
    if data and rng.random() < 0.5:
        i = rng.randrange(len(data))
        data[i] = rng.choice([0, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    if data and rng.random() < 0.3:
        del data[rng.randrange(len(data)) :]
    return bytes(data)


def test_fast_decoder_agrees_with_the_checked_one():
    import random

    rng = random.Random(20261207)
    counts = {"ok": 0, "error": 0}
    for schema in SCHEMAS:
        for _ in range(150):
            data = _random_fields(rng, schema)
            data = _mutated(rng, data) if rng.random() < 0.5 else data
            try:
                expected = _canon(schema._checked(data, 0, None, 0))
            except DecodeError as err:
                # decode() must raise exactly the checked decoder's error (the fast one gives up)
                with pytest.raises(DecodeError) as info:
                    schema.decode(data)
                assert info.value.args == err.args
                counts["error"] += 1
                continue
            # valid bytes: the fast decoder takes them itself (no silent fall-back) and agrees
            assert _canon(schema._fast(data, 0)) == expected, (schema.name, data.hex())
            counts["ok"] += 1
    assert min(counts.values()) > 1000, counts


def test_decode_falls_back_to_the_checked_errors_at_the_right_depth():
    from fuzzing import nested_struct

    data = nested_struct(33)  # the outer Value and 99 below it: one more level allowed
    assert _canon(_messages.STRUCT_VALUE._fast(data, 0)) == _canon(
        _messages.STRUCT_VALUE._checked(data, 0, None, 0)
    )
    with pytest.raises(DecodeError, match="nested more than 100 deep") as info:
        _messages.STRUCT_VALUE.decode(data, 40, "Outer", 2)
    assert info.value.section.startswith("Outer.struct_value.fields[0]")


def test_absent_repeated_fields_are_fresh_lists():
    data = _messages.tensor_proto(_tensor.DT_FLOAT, float_val=[1.5])
    a, b = _messages.TENSOR.decode(data), _messages.TENSOR.decode(data)
    assert a.float_val == [1.5] and a.double_val == [] and a.string_val == []
    assert a.double_val is not b.double_val
    a.double_val.append(2.0)  # a list read once is kept: changes to it stick
    assert a.double_val == [2.0] and b.double_val == []
    assert a != b and _messages.TENSOR.decode(data) == b
    assert "double_val" not in dict(a.fields())  # still not "on the wire"
    with pytest.raises(AttributeError):
        assert a.no_such_field is None  # not reached: the attribute does not exist


def test_oneof_member_set_later_clears_the_earlier():
    data = _messages.summary_value(tag="x", simple_value=1.0) + _messages.bytes_field(
        8, _messages.tensor_proto(_tensor.DT_FLOAT, float_val=[2.0])
    )
    value = _messages.VALUE.decode(data)
    assert value.simple_value == 0.0 and "simple_value" not in value._present
    assert value.tensor.float_val == [2.0] and "tensor" in value._present


def test_repeated_metadata_decodes_to_one_shared_message():
    meta = _messages.summary_metadata("scalars")
    values = [_messages.summary_value(tag=t, simple_value=1.0, metadata=meta) for t in "ab"]
    other = _messages.summary_value(tag="c", metadata=_messages.summary_metadata("text"))
    decoded = _messages.SUMMARY.decode(_messages.summary(values + [other])).value
    assert decoded[0].metadata is decoded[1].metadata
    assert decoded[0].metadata.plugin_data.plugin_name == "scalars"
    assert decoded[2].metadata.plugin_data.plugin_name == "text"
