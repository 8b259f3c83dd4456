"""Byte-exact Event payloads written by torch 2.13 + tensorboard 2.21 (protobuf 7.36, upb).

Each comment gives the call that produced the bytes: the call went through PyTorch's
SummaryWriter into an empty logdir and the record it wrote was read back from the event file
(both CRCs checked with TensorBoard's masked_crc32c); the RECORD_* vectors are an Event framed
by TensorBoard's RecordWriter. docs/event-file-format.md ("Test vectors") explains them field
by field. Regenerate or check them with the reference stack installed
(pip install -r conformance/requirements.txt):

    python conformance/print_vectors.py            # print every vector as hex
    python conformance/print_vectors.py --check    # compare with this file

Spaces only separate fields for reading; they are not part of the bytes.
"""


def unhex(text):
    return bytes.fromhex("".join(text.split()))


# add_scalar('s/plain', 0.0, 0, walltime=1.5)
SCALAR_PLAIN = unhex("09000000000000f83f 2a10 0a0e 0a07 732f706c61696e 15 00000000")
# add_scalar('s/new', 2.5, 1, walltime=2.0, new_style=True)
SCALAR_NEW = unhex(
    "0900000000000000401001 2a20 0a1e 0a05 732f6e6577 4208 0801 2a04 00002040"
    " 4a0b 0a09 0a07 7363616c617273"
)
# add_scalar('s/newd', 2.5, 2, walltime=2.0, new_style=True, double_precision=True)
SCALAR_DOUBLE = unhex(
    "0900000000000000401002 2a25 0a23 0a06 732f6e657764 420c 0802 3208"
    " 0000000000000440 4a0b0a090a077363616c617273"
)
# add_tensor('t', torch.tensor([1, 2, 3], dtype=torch.int32), 4, walltime=4.0)
TENSOR_INT32 = unhex(
    "0900000000000010401004 2a20 0a1e 0a01 74 420d 0803 1204 1202 0803 3a03"
    " 010203 4a0a 0a08 0a06 74656e736f72"
)
# add_text('txt', 'hello', 8, walltime=8.0)
TEXT = unhex(
    "0900000000000020401008 2a2f 0a2d 0a10 7478742f746578745f73756d6d617279 420f"
    " 0807 1204 1202 0801 4205 68656c6c6f 4a08 0a06 0a04 74657874"
)
# add_custom_scalars_multilinechart(['s/plain', 's/new']): the Summary (the event's field 5);
# the event's wall time is "now".
CUSTOM_MULTILINE_SUMMARY = unhex(
    "0a5f 0a18" + b"custom_scalars__config__".hex() + "422f 0807 1200 4229"
    " 1227 0a07"
    + b"default".hex()
    + "121c 0a08"
    + b"untitled".hex()
    + "1210 0a07"
    + b"s/plain".hex()
    + "0a05"
    + b"s/new".hex()
    + "4a12 0a10 0a0e"
    + b"custom_scalars".hex()
)
# add_custom_scalars_marginchart(['a', 'b', 'c'], category='cat', title='m'): the Layout bytes
MARGIN_LAYOUT = unhex("1217 0a03 636174 1210 0a01 6d 1a0b 0a09 0a0161 120162 1a0163")
# purge_step=5: the two events' bytes after their wall time
PURGE_FILE_VERSION_TAIL = unhex("10 05 1a 0d 627261696e2e4576656e743a32")
PURGE_SESSION_LOG_TAIL = unhex("10 05 3a 02 08 01")

# Whole records: the Event framed by tensorboard.summary.writer.record_writer.RecordWriter
RECORD_FILE_VERSION = unhex(
    "1800000000000000 a37f4b22 09000000000000f83f1a0d627261696e2e4576656e743a32 2a28646c"
)  # Event(wall_time=1.5, file_version=...)
RECORD_LOSS = unhex(
    "1a00000000000000 129bd82d 09000000000000004010032a0d0a0b0a046c6f7373150000003f bac36b94"
)  # Event(wall_time=2.0, step=3, summary loss=0.5)


class FakeArray:
    """Enough of numpy's ndarray for tinytb's duck typing: shape, dtype.name, reshape, tolist,
    item. Lets tests/ feed typed arrays without numpy."""

    class _DType:
        def __init__(self, name):
            self.name = name

        def __str__(self):
            return self.name

    def __init__(self, values, dtype, shape=None):
        self._flat = list(values)
        self.dtype = self._DType(dtype)
        self.shape = (len(self._flat),) if shape is None else tuple(shape)

    def reshape(self, *shape):
        return FakeArray(self._flat, self.dtype.name, (len(self._flat),))

    def tolist(self):
        return list(self._flat)

    def item(self):
        assert len(self._flat) == 1
        return self._flat[0]
