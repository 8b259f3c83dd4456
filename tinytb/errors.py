# SPDX-License-Identifier: MIT
"""tinytb's one exception class.

Mistakes made by the *caller* (a string passed as a scalar, a negative ``max_queue``) raise the
built-in ``TypeError``/``ValueError`` that PyTorch raises for them, so ``except`` clauses written
for ``torch.utils.tensorboard`` keep working. Malformed *bytes* met on the reading side (a CRC that
does not match, a truncated protobuf field, garbage where a record header should be) raise
:class:`DecodeError`, a ``ValueError`` subclass (as ``tomllib.TOMLDecodeError`` is) that says
where: the file, the byte offset and the part that failed.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["DecodeError"]


class DecodeError(ValueError):
    """Bytes that are not a valid event file, record or protobuf message.

    ``str(err)`` is ``msg`` followed by where, e.g. ``"data crc mismatch: stored 0x1234abcd,
    computed 0x0badf00d (file runs/a/events.out.tfevents.1.host, at byte 50, in data crc)"``.

    Attributes:
        msg: what is wrong, e.g. ``"data crc mismatch: stored 0x1234abcd, computed 0x0badf00d"``.
        offset: the byte offset where it went wrong: into the file for the reader, into the
            buffer for the protobuf decoder.
        section: which part failed. For TFRecords these are TensorBoard's names: ``"header"``
            (the 8-byte length), ``"header crc"``, ``"data"``, ``"data crc"``; for protobuf
            payloads the message path, e.g. ``"Event.summary.value[0].tensor"``.
        path: the file the bytes came from, when they came from a file (set by
            :func:`tinytb.reader.iter_events` and by ``tinytb dump``), else ``None``.
    """

    def __init__(
        self,
        msg: str,
        offset: Optional[int] = None,
        section: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        """Args:
        msg: what is wrong.
        offset: byte offset where it went wrong, or None.
        section: the part that failed (record section or message path), or None.
        path: the file, or None.
        """
        # All four in args, so that copy/pickle rebuild the same error.
        super().__init__(msg, offset, section, path)
        self.msg = msg
        self.offset = offset
        self.section = section
        self.path = path

    def with_path(self, path: Optional[str]) -> DecodeError:
        """Set :attr:`path` (unless already set) and return the same error, to re-raise it.

        Args:
            path: the file the bytes came from.
        """
        if self.path is None and path is not None:
            self.path = path
            self.args = (self.msg, self.offset, self.section, path)
        return self

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append("file %s" % self.path)
        if self.offset is not None:
            where.append("at byte %d" % self.offset)
        if self.section:
            where.append("in %s" % self.section)
        return "%s (%s)" % (self.msg, ", ".join(where)) if where else self.msg
