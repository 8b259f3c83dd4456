"""Every known difference between tinytb's output and PyTorch's, with its reason.

Nothing else may differ: the parity check turns PyTorch's Event into the Event
tinytb must write by applying exactly these transformations, then compares
bytes.  Each transformation is precise (it says what tinytb writes), never a
blanket "ignore this field".
"""

KNOWN_DIVERGENCES = {
    "header_writer": (
        "The first record of every event file names its writer in "
        "source_metadata.writer: 'tinytb', where PyTorch (through tensorboard's "
        "EventFileWriter) writes 'tensorboard.summary.writer.event_file_writer'. "
        "The Python loader stores the name and rustboard ignores it; nothing is "
        "displayed differently."
    ),
    "tensor_float16_bits": (
        "add_tensor with float16: half_val holds the IEEE binary16 bit patterns "
        "(TensorFlow's convention, what tensorboard.util.tensor_util.make_ndarray "
        "decodes).  PyTorch writes float32 bit patterns there (its _tensor_to_half_val "
        "packs with struct 'f'), which TensorBoard cannot decode (make_ndarray raises "
        "OverflowError with numpy 2; older numpy gave garbage)."
    ),
    "tensor_bfloat16_bits": (
        "add_tensor with bfloat16: half_val holds the bfloat16 bit patterns (the "
        "upper 16 bits of the float32), TensorFlow's convention.  PyTorch writes "
        "float32 bit patterns.  (TensorBoard without TensorFlow cannot decode "
        "DT_BFLOAT16 at all - make_ndarray raises TypeError for tinytb's bits, "
        "OverflowError for PyTorch's - so the suite decodes the bits itself.)"
    ),
    "tensor_uint8_int_val": (
        "add_tensor with uint8: the values go to int_val (TensorFlow's convention, "
        "decoded by make_ndarray).  PyTorch's _TENSOR_TYPE_MAP has a duplicate "
        "torch.uint8 key whose later entry sends them to uint32_val, which "
        "make_ndarray ignores (it then fails to reshape the empty int_val)."
    ),
    "tensor_complex32": (
        "add_tensor with torch.complex32: tinytb writes DT_COMPLEX64 (the values "
        "widened exactly); PyTorch raises ValueError (unknown enum label "
        "DT_COMPLEX32).  Compared with PyTorch's output for tensor.to(torch.complex64)."
    ),
    "double_precision_warning": (
        "add_scalar(new_style=True, double_precision=True): the bytes are identical "
        "to PyTorch's, but tinytb also emits a one-time UserWarning, because "
        "rustboard (TensorBoard's default loader) drops DT_DOUBLE scalars - the "
        "server checks show that drop for both writers."
    ),
    "scalar_bfloat16_exact": (
        "A bfloat16 tensor as a scalar value is written with its exact value. PyTorch's "
        "make_np converts bfloat16 through float16 first, so a value beyond float16's range "
        "(1e5) is written as inf and a tiny one (1e-10) as 0. Compared with PyTorch's output "
        "for the same value as a float32 tensor."
    ),
    "extra_inputs": (
        "tinytb accepts inputs PyTorch refuses: numpy arrays in add_tensor, "
        "decimal.Decimal and fractions.Fraction scalar values, serialized bytes in "
        "FileWriter.add_event/add_summary.  Compared with PyTorch's output for the "
        "equivalent accepted input (torch.from_numpy(a), float(value), the protobuf "
        "object)."
    ),
}

# Divergences that change bytes (applied by expected_target_event); the others
# are about inputs (the case table gives PyTorch an equivalent call) or
# behaviour (warnings).
BYTE_DIVERGENCES = ("header_writer", "tensor_float16_bits", "tensor_bfloat16_bits",
                    "tensor_uint8_int_val")

TINYTB_WRITER_NAME = "tinytb"

DT_UINT8, DT_BFLOAT16, DT_HALF = 4, 14, 19


def _float32_bits_to_values(bits):
    import numpy as np

    return np.array([b & 0xFFFFFFFF for b in bits], dtype=np.uint32).view(np.float32)


def expected_target_event(torch_event, header):
    """The Event tinytb must write where PyTorch wrote ``torch_event``.

    Returns ``(event, names)``: a modified copy and the divergences applied.
    ``header`` says whether this is the first record of a file.
    """
    import numpy as np
    from tensorboard.compat.proto import event_pb2

    event = event_pb2.Event()
    event.CopyFrom(torch_event)
    names = []
    if header and event.HasField("source_metadata"):
        event.source_metadata.writer = TINYTB_WRITER_NAME
        names.append("header_writer")
    if event.HasField("summary"):
        for value in event.summary.value:
            if not value.HasField("tensor"):
                continue
            t = value.tensor
            if t.dtype == DT_HALF and len(t.half_val):
                halves = _float32_bits_to_values(t.half_val).astype(np.float16).view(np.uint16)
                t.ClearField("half_val")
                t.half_val.extend(int(h) for h in halves)
                names.append("tensor_float16_bits")
            elif t.dtype == DT_BFLOAT16 and len(t.half_val):
                # Exact: every value came from a bfloat16, so its low 16 bits are 0.
                f32 = [b & 0xFFFFFFFF for b in t.half_val]
                assert all(b & 0xFFFF == 0 or (b >> 23) & 0xFF == 0xFF for b in f32), f32
                t.ClearField("half_val")
                t.half_val.extend(b >> 16 for b in f32)
                names.append("tensor_bfloat16_bits")
            elif t.dtype == DT_UINT8 and len(t.uint32_val):
                vals = list(t.uint32_val)
                t.ClearField("uint32_val")
                t.int_val.extend(vals)
                names.append("tensor_uint8_int_val")
    return event, names
