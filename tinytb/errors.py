# SPDX-License-Identifier: MIT
"""tinytb's one exception class.

Mistakes made by the *caller* (a string passed as a scalar, a negative ``max_queue``) raise the
built-in ``TypeError``/``ValueError`` that PyTorch raises for them, so ``except`` clauses written
for ``torch.utils.tensorboard`` keep working. Malformed *bytes* met on the reading side (a CRC that
does not match, a truncated protobuf field, garbage where a record header should be) raise
:class:`DecodeError`, a ``ValueError`` subclass (as ``tomllib.TOMLDecodeError`` is) that says where.
"""

__all__ = ["DecodeError"]


class DecodeError(ValueError):
    """Bytes that are not a valid event file, record or protobuf message.

    Attributes:
        msg: what is wrong, e.g. ``"data crc mismatch: stored 0x1234abcd, computed 0x0badf00d"``.
        offset: the byte offset where it went wrong: into the file for the reader, into the
            buffer for the protobuf decoder.
        section: which part failed. For TFRecords these are TensorBoard's names: ``"header"``
            (the 8-byte length), ``"header crc"``, ``"data"``, ``"data crc"``; for protobuf
            payloads the message path, e.g. ``"Event.summary.value[0].tensor"``.
    """

    def __init__(self, msg, offset=None, section=None):
        where = []
        if offset is not None:
            where.append("at byte %d" % offset)
        if section:
            where.append("in %s" % section)
        super().__init__("%s (%s)" % (msg, ", ".join(where)) if where else msg)
        self.msg = msg
        self.offset = offset
        self.section = section
