# SPDX-License-Identifier: MIT
"""tinytb._text_format: protobuf text format as _onnx and _projector print and parse it.

Sources of the vectors:

* upb (protobuf 7.36.2's Python runtime, with onnx 1.23.2): ``str(TensorProto(...))`` of the
  values below, as captured in tests/test_onnx.py (``test_float_and_double_text``,
  ``test_integers_enums_bytes_strings``, ``test_invalid_utf8_in_attribute_strings``);
* protobuf 7.36.2 ``text_format.MessageToString`` of a ``ProjectorConfig``, as captured in
  tests/test_projector.py (``test_config_text_escapes_as_protobuf``);
* protobuf's ``text_encoding.CEscape`` source (python/google/protobuf/text_encoding.py): the
  table of escapes (``_cescape_chr_to_symbol_map``, octal for bytes ``< 32`` and ``>= 127``).
"""

import random

import pytest

from tinytb import _text_format as T

# -- escapes -------------------------------------------------------------------------------------


def test_escape_bytes_is_cescape_of_bytes():
    # upb: raw_data: "\"\'\\\t\177\200 ~" (test_onnx.test_integers_enums_bytes_strings)
    assert T.escape_bytes(b"\"'\\\t\x7f\x80 ~") == "\\\"\\'\\\\\\t\\177\\200 ~"
    # text_encoding.py: \t \n \r by name, the other controls and 127..255 as 3-digit octal
    assert T.escape_bytes(bytes(range(256))) == "".join(
        {9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 39: "\\'", 92: "\\\\"}.get(
            i, chr(i) if 32 <= i < 127 else "\\%03o" % i
        )
        for i in range(256)
    )
    assert T.escape_bytes(bytearray(b"\xff")) == "\\377"


def test_escape_text_keeps_non_ascii():
    # protobuf 7.36.2 MessageToString (test_projector.test_config_text_escapes_as_protobuf)
    assert (
        T.escape_text("a'b\"c\\d\ne\tf\x01\x7f\x80é€😀\r\x1b")
        == "a\\'b\\\"c\\\\d\\ne\\tf\\001\\177\x80é€😀\\r\\033"
    )


def test_escape_string_escapes_only_invalid_utf8():
    # upb: name: "€\377\355\240\200" (test_onnx.test_invalid_utf8_in_attribute_strings):
    # the euro sign kept, 0xff and an encoded surrogate (invalid UTF-8) escaped byte by byte
    assert T.escape_string(b"\xe2\x82\xac\xff\xed\xa0\x80") == "\u20ac\\377\\355\\240\\200"
    # upb: name: "\000\037é\u2028\r" (test_onnx.test_integers_enums_bytes_strings)
    assert T.escape_string("\x00\x1f\u00e9\u2028\r".encode()) == "\\000\\037\u00e9\u2028\\r"


def test_escapes_agree_on_ascii():
    # one table for ASCII in all three: what _onnx and _projector printed before, alike
    ascii_bytes = bytes(range(128))
    assert (
        T.escape_bytes(ascii_bytes)
        == T.escape_string(ascii_bytes)
        == T.escape_text(ascii_bytes.decode("ascii"))
    )


# -- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        # upb's float_data lines (test_onnx.test_float_and_double_text)
        (0.1, "0.1"),
        (16777217.0, "16777216"),
        (8.4337253e18, "8.43372533e+18"),
        (-0.0, "-0"),
        (1e-45, "1.4013e-45"),
        (float("inf"), "inf"),
        (float("nan"), "nan"),
        (3.0, "3"),
        (1.17549435e-38, "1.17549435e-38"),
    ],
)
def test_float_text(value, text):
    # the printers get float32 values: round as the wire would
    import struct

    value = struct.unpack("<f", struct.pack("<f", value))[0]
    assert T.float_text(value) == text


@pytest.mark.parametrize(
    "value, text",
    [
        # upb's double_data lines (test_onnx.test_float_and_double_text)
        (0.1, "0.1"),
        (-3.2777084516938659e-155, "-3.2777084516938659e-155"),
        (1e300, "1e+300"),
        (5e-324, "4.94065645841247e-324"),
        (-float("inf"), "-inf"),
        (2.0**53 + 2, "9007199254740994"),
        (float("nan"), "nan"),
    ],
)
def test_double_text(value, text):
    assert T.double_text(value) == text


def test_strtof_rounds_once():
    # 1 + 2**-24 is halfway between float32 1 and 1 + 2**-23 (ties to even: 1); a decimal a
    # hair above it rounds up in C's strtof though its nearest double is the midpoint
    assert T.strtof("1.000000059604644775390625") == 1.0
    assert T.strtof("1.00000005960464477539062500001") == 1 + 2**-23
    assert T.strtof("-1.00000005960464477539062500001") == -(1 + 2**-23)
    assert T.strtof("3.4028235e38") == 3.4028234663852886e38
    assert T.strtof("1e39") == float("inf")


# -- printing ------------------------------------------------------------------------------------


def test_printer_layout():
    # test_onnx.test_nested_messages_indent: upb's layout of nested messages
    printer = T.Printer()
    printer.begin("", "segment")
    printer.end("")
    printer.begin("", "external_data")
    printer.field("  ", "key", '"k"')
    printer.field("  ", "value", '"v"')
    printer.end("")
    expected = 'segment {\n}\nexternal_data {\n  key: "k"\n  value: "v"\n}\n'
    assert printer.text() == expected
    assert printer.text() == ""  # handed over
    assert printer.size == len(expected)  # the count goes on


def test_printer_limit_counts_every_message_printed():
    printer = T.Printer(limit=20)
    printer.field("", "a", "1")  # 5 characters
    assert printer.text() == "a: 1\n"
    printer.field("  ", "bb", '"x"')  # 10 more
    with pytest.raises(T.TextTooLarge) as info:
        printer.field("", "c", "22")  # 6 more: 21
    assert info.value.limit == 20 and isinstance(info.value, ValueError)


# -- parsing -------------------------------------------------------------------------------------

FIELDS = {
    "Outer": (("name", "string", False), ("items", "Inner", True), ("one", "Inner", False)),
    "Inner": (("n", "uint32", True), ("label", "string", False), ("child", "Inner", False)),
}


def parse(text, **limits):
    return T.parse(text, FIELDS, "Outer", "x.pbtxt", **limits)


def test_parse_syntax():
    text = (
        '# comment\nname: \'a\' "b";\nitems < n: [0x10, 010] n: +3, label: "\\303\\251" >\n'
        "one: { child { n: 7 } }"
    )
    assert parse(text) == {
        "name": "ab",
        "items": [{"n": [16, 8, 3], "label": "é", "child": None}],
        "one": {"n": [], "label": "", "child": {"n": [7], "label": "", "child": None}},
    }


@pytest.mark.parametrize(
    "text, message",
    [
        ("nope: 1", r'^x\.pbtxt: Outer has no field named "nope" \(line 1, column 1\)$'),
        ("one {} one {}", r'multiple "one" fields \(line 1, column 8\)'),
        (
            "items { n: 99999999999999999999999999999999999999999999999999999999999999999 }",
            "cannot parse integer",
        ),
        ("items { n: " + "9" * 5000 + " }", "cannot parse integer"),
        ("items { n: 4294967296 }", "out of range"),
        ("name: 'a\\777'", "more than a byte"),
        ("name: 'a\\U00110000'", "no Unicode character"),
        ("name: '\ud800'", "not valid UTF-8"),
        ("name: 'a'\x00", "unexpected character"),
        ("one {", "expected '}', found the end"),
    ],
)
def test_parse_errors_name_the_source(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse(text)
    assert type(info.value) is ValueError and str(info.value).startswith("x.pbtxt: ")


def test_parse_limits():
    deep = "one { " + "child { " * 5 + "}" * 6
    assert parse(deep, max_depth=6)["one"]["child"] is not None
    with pytest.raises(ValueError, match="x.pbtxt: messages nested more than 5 deep"):
        parse(deep, max_depth=5)
    # the default depth, with a text far deeper than Python's stack
    with pytest.raises(ValueError, match="nested more than 100 deep"):
        parse("one { " + "child { " * 100000)
    with pytest.raises(ValueError, match=r"^x\.pbtxt: 11 characters, over the limit of 10$"):
        parse("name: 'ab'\n", max_chars=10)
    with pytest.raises(TypeError, match="x.pbtxt: text must be a str"):
        parse(b"name: 'a'")


def test_parse_fuzz_raises_only_value_error():
    # any text: a dict or ValueError naming the source, never another exception
    rng = random.Random(11)
    pieces = [
        "name",
        "items",
        "one",
        "child",
        "n",
        "label",
        ":",
        "{",
        "}",
        "<",
        ">",
        "[",
        "]",
        ",",
        ";",
        " ",
        "\n",
        "#",
        "'",
        '"',
        "\\",
        "\\x",
        "\\u12",
        "\\777",
        "0x",
        "010",
        "-1",
        "1e3",
        "9" * 30,
        "\x00",
        "é",
        "\ud800",
        "+",
        ".",
    ]
    parsed = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30)))
        try:
            parse(text)
        except ValueError as error:
            assert str(error).startswith("x.pbtxt: ")
            continue
        parsed += 1
    assert parsed > 0
