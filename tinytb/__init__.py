# SPDX-License-Identifier: MIT
"""tinytb: PyTorch's TensorBoard writer in the Python standard library alone.

    from tinytb import SummaryWriter      # instead of: from torch.utils.tensorboard import ...

General layout (the layers point one way, downwards):

    writer.py       SummaryWriter, FileWriter: PyTorch's API, argument checks
    summary.py      one Summary builder per summary kind (torch.utils.tensorboard.summary)
    _fast.py        the add_scalar hot path: whole records from a cached template
    _event_file.py  event files: naming, exclusive open, queue, background writes, fork, exit
    _convert.py     numbers, steps, wall times, tags -> plain Python values; to_tensor
    _arrays.py      array-likes (numpy, torch, buffers, nested lists) -> dtype, shape, data
    _image.py       PyTorch's image scaling, HWC conversion, grids, video frames
    _png.py, _gif.py, _draw.py   PNG and GIF codecs, boxes/labels/resize as Pillow draws them
    _histogram.py   PyTorch's and numpy's histogram binning
    _pr_curve.py    PyTorch's compute_curve
    _projector.py   the embedding projector's files (tsv, sprite, projector_config.pbtxt)
    _graph.py, _torch_graph.py, _onnx.py   GraphDefs from a description, a torch model, ONNX
    _messages.py    protobuf messages: encoders and schema-driven decoders
    _tensor.py      TensorProto dtypes and value fields, half floats
    _record.py      TFRecord framing and its reader
    _wire.py        protobuf wire format
    _crc32c.py      CRC-32C and the masked CRC of TFRecords
    reader.py       reading logs back (public): SummaryReader (tbparse's API), iter_rows, follow
    _tables.py      tbparse's tables: EventAccumulator's rules per file, columns, to_pandas()
    _stream.py      runs and files of a log dir, rows of every kind from events, filters
    _values.py      values per kind: the stdlib Array, tensors, histograms, images, audio, hparams
    _scan.py        fast bulk reading of records: plain scalars as columns, every CRC checked
    _dump.py        `tinytb dump`: records decoded, or annotated hex (--bytes) for learners
    _export.py      `tinytb export/ls/check`: csv, jsonl and sqlite, streaming
    errors.py       DecodeError
    __main__.py     `tinytb` (also `python -m tinytb`): demo, dump, ls, export, tail, check

Everything here imports the standard library only, with relative imports, so the folder can be
copied into another project as it is.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import DecodeError
from .writer import FileWriter, SummaryToEventTransformer, SummaryWriter

__all__ = ["SummaryWriter", "FileWriter", "SummaryToEventTransformer", "DecodeError", "__version__"]

# Public submodules imported on first use (PEP 562), so ``tinytb.reader`` works after a bare
# ``import tinytb`` without every writer paying for the reader at import. (``summary`` is
# usually loaded already, by writer; importing a submodule sets it as an attribute here, and
# then this hook is not called for it.)
_LAZY_SUBMODULES = ("reader", "summary")


def __getattr__(name: str) -> object:
    """``tinytb.reader`` and ``tinytb.summary``, imported on first use."""
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__() -> list[str]:
    """The module's names and the lazy submodules, for completion in a REPL."""
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
