# SPDX-License-Identifier: MIT
"""Protobuf text format: the pieces that ``_onnx`` and ``_projector`` print and parse.

Two printers of protobuf's text format live in tinytb, and they print the same way:

* ``_onnx`` reproduces ``str(message)`` of the upb runtime (``onnx.proto`` is proto2): a
  Constant's ``TensorProto`` or a subgraph inside a node's ``parameters`` string;
* ``_projector`` writes ``projector_config.pbtxt`` as ``text_format.MessageToString`` does
  (proto3), and reads it back with the rules of ``text_format.Parse``.

The rules, with where they come from:

* **Layout** (``text_format.MessageToString``, upb's ``txtenc``): one field a line, fields in
  field-number order, ``name: value`` for scalars, ``name {`` ... ``}`` for messages, nested
  lines indented two spaces a level. :class:`Printer`.
* **Escapes** (protobuf's ``text_encoding.CEscape``; upb's ``txtenc_string``): ``\\t \\n \\r``,
  both quotes and the backslash escaped with a backslash, other ASCII controls and DEL as
  3-digit octal. Then either every byte outside printable ASCII as octal too (``bytes`` fields,
  ``CEscape(as_utf8=False)``: :func:`escape_bytes`), or non-ASCII text as it is (``as_utf8``:
  :func:`escape_text`; for a proto2 ``string`` of bytes that are not all UTF-8, upb escapes the
  bytes that are not: :func:`escape_string`).
* **Floats** (upb's ``_upb_EncodeRoundTripFloat``/``Double``, protobuf's old ``SimpleFtoa``/
  ``SimpleDtoa``): ``%.6g`` when it reads back as the same float32, else ``%.9g``; doubles
  ``%.15g`` else ``%.17g``. :func:`float_text`, :func:`double_text`.
* **Parsing** (``text_format.Parse`` and its ``Tokenizer``): whitespace and ``#`` comments,
  ``name: value`` or ``name { ... }`` / ``name < ... >`` (the colon optional before a message),
  ``,`` or ``;`` after a field, ``[a, b]`` for a repeated scalar, adjacent quoted strings
  concatenated, C escapes (octal, ``\\x``, ``\\u``, ``\\U``) and C's ``010`` octal integers.
  :func:`parse`. Its input is bounded (:data:`MAX_TEXT_CHARS` characters, :data:`MAX_DEPTH`
  nested messages) and anything malformed raises ``ValueError`` naming the source: never
  another exception type, and no recursion past :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import re
import struct
from fractions import Fraction

from ._wire import float32_bytes

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import List, Mapping, Optional, Sequence, Tuple

    # A schema for :func:`parse`: message name -> ((field name, kind, repeated), ...) in field-
    # number order, kind "string" (proto3: no presence), "uint32", or another message's name.
    FieldsT = Mapping[str, Sequence[Tuple[str, str, bool]]]

__all__ = [
    "escape_bytes",
    "escape_text",
    "escape_string",
    "float_text",
    "double_text",
    "strtof",
    "Printer",
    "TextTooLarge",
    "parse",
    "new_message",
    "MAX_TEXT_CHARS",
    "MAX_DEPTH",
]

# -- escapes -----------------------------------------------------------------------------------

# text_encoding.py, _cescape_chr_to_symbol_map: "\t", "\n", "\r" (optional escapes), '"' and
# "\\" (necessary), "'" (optional).
_SYMBOLS = {9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 39: "\\'", 92: "\\\\"}


def _byte_escape(i):
    return _SYMBOLS.get(i, chr(i) if 32 <= i < 127 else "\\%03o" % i)


# CEscape(as_utf8=False), text_encoding.py's _cescape_byte_to_str: "necessary escapes at
# (o >= 127 or o < 32)", as 3-digit octal. A str.translate table over latin-1 text.
_BYTES_TABLE = {i: _byte_escape(i) for i in range(256) if _byte_escape(i) != chr(i)}
# As UTF-8 text: the same for ASCII, non-ASCII kept.
_TEXT_TABLE = {i: e for i, e in _BYTES_TABLE.items() if i < 128}
# upb, a string field holding invalid UTF-8: each byte that is not part of valid UTF-8
# (surrogateescape decodes it as U+DC00 + byte) escaped as a bytes field's would be.
_STRING_TABLE = dict(_TEXT_TABLE)
_STRING_TABLE.update((0xDC00 + i, "\\%03o" % i) for i in range(128, 256))


def escape_bytes(raw: bytes) -> str:
    """A ``bytes`` field's value between the quotes: ``CEscape(raw, as_utf8=False)``."""
    return bytes(raw).decode("latin-1").translate(_BYTES_TABLE)


def escape_text(text: str) -> str:
    """A string between the quotes, non-ASCII kept: ``CEscape(text, as_utf8=True)``."""
    return text.translate(_TEXT_TABLE)


def escape_string(raw: bytes) -> str:
    """A proto2 ``string`` field held as bytes, as upb prints it: valid UTF-8 kept, the bytes
    of invalid UTF-8 as octal escapes."""
    return bytes(raw).decode("utf-8", "surrogateescape").translate(_STRING_TABLE)


# -- numbers -----------------------------------------------------------------------------------

_F32 = struct.Struct("<f")  # IEEE 754 binary32, the bytes of a float field
_I32 = struct.Struct("<i")  # the same 4 bytes as a signed integer: the next float is +-1


def strtof(text: str) -> float:
    """C's ``strtof``: the decimal ``text`` rounded once, to the nearest float32 (ties to
    even). Rounding through a double first can differ only when the double lands exactly
    halfway between two float32 values; that case is settled with exact fractions."""
    wide = float(text)
    raw = float32_bytes(wide)
    narrow = _F32.unpack(raw)[0]
    if narrow == wide or narrow != narrow or abs(narrow) == float("inf"):
        return narrow
    bits = _I32.unpack(raw)[0]
    step = 1 if abs(wide) > abs(narrow) else -1  # the float32 on the other side of wide
    other = _F32.unpack(_I32.pack(bits + step))[0]
    if (narrow + other) / 2 != wide:
        return narrow
    exact, middle = abs(Fraction(text)), abs(Fraction(wide))
    if exact == middle:
        return narrow  # a true tie: the cast already chose the even one
    # other lies beyond wide (step 1) or short of it (step -1): which side is text on?
    return other if (exact > middle) == (step == 1) else narrow


def float_text(value: float) -> str:
    """upb's ``_upb_EncodeRoundTripFloat`` (protobuf's old ``SimpleFtoa``): ``%.6g`` when it
    reads back as the same float32, else ``%.9g`` (never 7 or 8 digits: ``8.43372533e+18``)."""
    if value != value:
        return "nan"
    text = "%.6g" % value
    return text if strtof(text) == value else "%.9g" % value


def double_text(value: float) -> str:
    """upb's ``_upb_EncodeRoundTripDouble``: ``%.15g`` when it reads back, else ``%.17g``."""
    if value != value:
        return "nan"
    text = "%.15g" % value
    return text if float(text) == value else "%.17g" % value


# -- printing ----------------------------------------------------------------------------------


class TextTooLarge(ValueError):
    """A :class:`Printer` passed its ``limit`` (characters)."""

    def __init__(self, limit: int) -> None:
        super().__init__("text format output over %d characters" % limit)
        self.limit = limit


class Printer:
    """Text-format lines, gathered: ``field``/``begin``/``end`` at an indent (two spaces a
    level, as protobuf prints), :meth:`text` at the end. With ``limit``, printing more than
    that many characters in all raises :class:`TextTooLarge` as soon as it happens, so a
    small input that would print gigabytes (nested messages re-indent every line) stops early.
    A printer can be shared by several messages, to bound them together."""

    def __init__(self, limit: Optional[int] = None) -> None:
        self.limit = limit
        self.size = 0
        self._parts: List[str] = []

    def _add(self, piece: str) -> None:
        self.size += len(piece)
        if self.limit is not None and self.size > self.limit:
            raise TextTooLarge(self.limit)
        self._parts.append(piece)

    def field(self, indent: str, name: str, value: str) -> None:
        """``name: value``, the value already in text format."""
        self._add("%s%s: %s\n" % (indent, name, value))

    def begin(self, indent: str, name: str) -> None:
        """``name {``: a message's fields follow at ``indent + "  "``."""
        self._add("%s%s {\n" % (indent, name))

    def end(self, indent: str) -> None:
        self._add(indent + "}\n")

    def text(self) -> str:
        """Everything printed since the last call (the parts are handed over)."""
        text = "".join(self._parts)
        self._parts = []
        return text


# -- parsing -----------------------------------------------------------------------------------

MAX_TEXT_CHARS = 16 << 20  # 16 Mi characters: far above any config a writer makes
MAX_DEPTH = 100  # nested messages: protobuf's default recursion limit
_MAX_NUMBER_CHARS = 64  # no uint32 is longer, even in octal with a sign; int() is quadratic

# text_format's Tokenizer: whitespace and '#' comments, identifiers, numbers, quoted strings
# (no raw line break inside), and single-character symbols.
_TOKENS = re.compile(
    r"""
    (?P<space>(?:\s|\#[^\n]*)+)
  | (?P<string>"(?:[^"\n\\]|\\.)*"|'(?:[^'\n\\]|\\.)*')
  | (?P<name>[A-Za-z_][0-9A-Za-z_+-]*)
  | (?P<number>(?:[0-9+-]|\.[0-9])[0-9A-Za-z_.+-]*)
  | (?P<symbol>[{}<>:\[\],;])
""",
    re.VERBOSE,
)
_STRING_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})?|u([0-9A-Fa-f]{4})?|U([0-9A-Fa-f]{8})?|(.))"
)
_SIMPLE_ESCAPES = {
    "a": b"\a",
    "b": b"\b",
    "f": b"\f",
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "v": b"\v",
    "\\": b"\\",
    "'": b"'",
    '"': b'"',
}
_OCTAL = re.compile(r"(-?)0([0-9]+)$")  # text_format reads C's 010 as 8
_CLOSE = {"{": "}", "<": ">"}


def new_message(fields: FieldsT, type_name: str) -> dict:
    """A message as a dict: every field at its default (``""``, ``[]``, or ``None`` for an
    absent message)."""
    return {
        name: [] if repeated else ("" if kind == "string" else None)
        for name, kind, repeated in fields[type_name]
    }


class _Parser:
    """One pass over the text, a token at a time (the tokens are never all held)."""

    def __init__(self, text, fields, source, max_depth):
        self.text = text
        self.fields = fields
        self.source = source
        self.max_depth = max_depth
        self.pos = 0  # where the text after the current token starts
        self.last = 0  # where the token taken last starts
        self.kind = self.token = None
        self.start = 0  # where the current token starts
        self.advance()

    def fail(self, msg, pos=None):
        if pos is None:
            pos = self.start
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        raise ValueError("%s: %s (line %d, column %d)" % (self.source, msg, line, column))

    def advance(self):
        """Read the next token (None at the end) into ``kind``, ``token`` and ``start``."""
        text = self.text
        while True:
            if self.pos >= len(text):
                self.kind = self.token = None
                self.start = len(text)
                return
            m = _TOKENS.match(text, self.pos)
            if m is None:
                self.fail("unexpected character %r" % text[self.pos], self.pos)
            self.pos = m.end()
            if m.lastgroup != "space":
                self.kind, self.token, self.start = m.lastgroup, m.group(), m.start()
                return

    def peek(self):
        return self.token

    def take(self, *expected):
        token = self.token
        if token is None or (expected and token not in expected):
            self.fail(
                "expected %s, found %s"
                % (
                    " or ".join(map(repr, expected)) or "more",
                    "the end" if token is None else repr(token),
                )
            )
        self.last = self.start
        self.advance()
        return token

    def message(self, type_name, close, depth):
        if depth > self.max_depth:
            self.fail("messages nested more than %d deep" % self.max_depth)
        msg = new_message(self.fields, type_name)
        fields = {name: (kind, repeated) for name, kind, repeated in self.fields[type_name]}
        while self.token != close:
            if self.token is None:
                self.fail("expected %r, found the end" % close)
            is_name = self.kind == "name"
            name = self.take()
            if not is_name:
                self.fail("expected a field name, found %r" % name, self.last)
            if name not in fields:
                self.fail('%s has no field named "%s"' % (type_name, name), self.last)
            kind, repeated = fields[name]
            # text_format: a singular field given twice is an error; for proto3 strings, which
            # have no presence, only when the first value was not the default "".
            if not repeated and msg[name] not in ("", None):
                self.fail('%s should not have multiple "%s" fields' % (type_name, name), self.last)
            if kind in self.fields:
                self.field_message(msg, name, kind, repeated, depth)
            else:
                self.take(":")
                self.field_scalar(msg, name, kind)
            if self.token in (",", ";"):
                self.take()
        return msg

    def field_message(self, msg, name, kind, repeated, depth):
        if self.token == ":":
            self.take()
        end = _CLOSE[self.take("{", "<")]
        value = self.message(kind, end, depth + 1)
        self.take(end)
        if repeated:
            msg[name].append(value)
        else:
            msg[name] = value

    def field_scalar(self, msg, name, kind):
        if kind == "string":
            msg[name] = self.string()
        elif self.token == "[":  # the short form of a repeated field: [1, 2]
            self.take()
            if self.token != "]":
                msg[name].append(self.uint32())
                while self.token == ",":
                    self.take()
                    msg[name].append(self.uint32())
            self.take("]")
        else:
            msg[name].append(self.uint32())

    def uint32(self):
        token = self.take()
        text = token
        octal = _OCTAL.match(text)
        if octal:
            text = octal.group(1) + "0o" + octal.group(2)
        try:
            if len(text) > _MAX_NUMBER_CHARS:
                raise ValueError(text)
            value = int(text, 0)
        except ValueError:
            self.fail("cannot parse integer %r" % token[:_MAX_NUMBER_CHARS], self.last)
        if not 0 <= value < 1 << 32:
            self.fail("uint32 value out of range: %r" % token, self.last)
        return value

    def string(self):
        """Adjacent quoted strings, concatenated, unescaped as text_format does, UTF-8."""
        if self.kind != "string":
            self.fail("expected a string, found %r" % self.token)
        start = self.start
        data = []
        while self.kind == "string":
            data.append(self.unescape(self.take()[1:-1], self.last))
        try:
            return b"".join(data).decode("utf-8")
        except UnicodeDecodeError as err:
            self.fail("string is not valid UTF-8 (%s)" % err, start)

    def unescape(self, body, where):
        out = []
        pos = 0
        for m in _STRING_ESCAPE.finditer(body):
            out.append(body[pos : m.start()].encode("utf-8", "surrogatepass"))
            pos = m.end()
            out.append(self.escape(m, where))
        out.append(body[pos:].encode("utf-8", "surrogatepass"))
        return b"".join(out)

    def escape(self, m, where):
        octal, hex2, hex4, hex8, other = m.groups()
        letter = m.group()[1]
        if octal:
            if int(octal, 8) > 255:
                self.fail("octal escape \\%s is more than a byte" % octal, where)
            return bytes([int(octal, 8)])
        if hex2:
            return bytes([int(hex2, 16)])
        if hex4 or hex8:
            try:
                return chr(int(hex4 or hex8, 16)).encode("utf-8")
            except (ValueError, UnicodeEncodeError):
                self.fail("escape %s is no Unicode character" % m.group(), where)
        if letter in "xuUN":
            self.fail("malformed escape %r" % m.group(), where)
        # Python's unicode_escape, which text_format uses, keeps an unknown escape such as
        # \? or \q as it is, backslash included.
        return _SIMPLE_ESCAPES.get(other) or ("\\" + other).encode("utf-8", "surrogatepass")


def parse(
    text: str,
    fields: FieldsT,
    type_name: str,
    source: str,
    max_chars: int = MAX_TEXT_CHARS,
    max_depth: int = MAX_DEPTH,
) -> dict:
    """The message ``type_name`` of schema ``fields`` in ``text``, as dicts
    (:func:`new_message`). What ``text_format.Parse`` refuses, text over ``max_chars``
    characters and messages nested over ``max_depth`` deep raise ``ValueError`` starting with
    ``source`` (the file's name) and ending with the line and column."""
    if not isinstance(text, str):
        raise TypeError("%s: text must be a str, not %s" % (source, type(text).__name__))
    if len(text) > max_chars:
        raise ValueError("%s: %d characters, over the limit of %d" % (source, len(text), max_chars))
    parser = _Parser(text, fields, source, max_depth)
    return parser.message(type_name, None, 0)
