# SPDX-License-Identifier: MIT
"""The embedding projector's files, as bytes: what ``add_embedding`` writes, and the config it
reads back and rewrites. No file is touched here (``_event_file.write_embedding`` does that).

TensorBoard's projector plugin reads no events. It reads ``<log_dir>/projector_config.pbtxt``, a
``ProjectorConfig`` in protobuf text format, and the files its ``EmbeddingInfo`` entries name,
relative to the log dir. PyTorch (``torch/utils/tensorboard/writer.py`` ``add_embedding``,
``_embedding.py``) lays them out as::

    <log_dir>/projector_config.pbtxt
    <log_dir>/<str(step).zfill(5)>/<encode_tag(tag)>/tensors.tsv    one row per point
    <log_dir>/<str(step).zfill(5)>/<encode_tag(tag)>/metadata.tsv   labels, optional
    <log_dir>/<str(step).zfill(5)>/<encode_tag(tag)>/sprite.png     label images, optional

and so does tinytb, with the same names and bytes, except where PyTorch's output is unusable:

* **Directory names** (:func:`encode_tag`): PyTorch's ``_encode`` (``%`` -> ``%25``, ``/`` ->
  ``%2f``, ``\\`` -> ``%5c``), so no tag holds a separator. Beyond it, the tags ``"."`` and
  ``".."`` become ``%2e`` and ``%2e.``: PyTorch writes them into the step directory and into the
  log dir itself (``00000/..``), where every step's ``".."`` embedding overwrites the others.
  ``%2e`` cannot come from any other tag, since ``%`` is always encoded. A tag holding NUL, or
  a lone surrogate (no UTF-8, so no protobuf string), is refused (``ValueError``).
* **tensors.tsv** (:func:`tensors_tsv`): ``str()`` of each value, as PyTorch writes it
  (float32 0.1 -> ``0.10000000149011612``), but bools as ``1``/``0``: PyTorch's ``True`` is a
  value TensorBoard's ``float()`` cannot read, and the plugin then fails for the whole run. For
  the same reason ``mat`` must be 2-D *and non-empty*, and that is checked before anything is
  written (PyTorch checks the shape after writing the other files, and not the size).
  Lists are float64 (0.1 -> ``0.1``), as numpy reads them. The text is made a block of rows
  at a time (:func:`tsv_chunks`): the Python numbers of a block come from the caller's numpy
  array at C speed (``tolist()``, which gives the float64 value of each float32) or from the
  pure path's data, and one ``%`` operation formats the block (``"%r\t...%r\n"`` repeated).
  Measured (10,000 x 128 float32, numpy 2.4.6, shared 2-core host): 1.1 s, of which about 1 s
  is ``repr`` of 1.28 million floats (shortest round-trip digits, usually 17 for a float32
  widened to a double): the floor of any way that produces these bytes in Python; the pure
  path took 1.2-1.6 s. ``add_embedding`` of that matrix with 10,000 labels, end to end: about
  0.4x PyTorch's writer's time (which calls ``item()`` and ``str`` per value). The text is
  about 5 times the input's size: held whole, as ``_files.write_embedding`` takes bytes
  (peak 5.7x the input; streaming :func:`tsv_chunks` to the file would keep it at one block,
  about 0.8 MB). A one-column ``metadata.tsv`` is checked with a few passes over the whole
  text (:func:`_plain_column`), the per-cell checks only naming what it refuses.
* **metadata.tsv** (:func:`metadata_tsv`): PyTorch's format; what the projector would misread
  is refused with a ``ValueError`` naming the cell, rather than written: a tab or line break in
  a value (the file has no escaping; TensorBoard reads it in text mode, where ``\\r`` ends a
  line too), a blank line (the projector skips it, so every later label lands on the wrong
  point), and a one-column header (a header is recognised only by its tab). Row lengths are
  checked against the header for every row, not only the first.
* **sprite.png** (:func:`sprite_png`): any array-like ``(N, C, H, W)``, not only torch
  tensors; uint8 is taken as 0-255 (PyTorch multiplies it by 255 too, so it saturates); other
  types are scaled by 255 in float64 as PyTorch does, clipped, truncated. The grid is ``k x k``
  cells of ``W x H`` pixels, ``k = ceil(sqrt(N))``: the projector finds image ``i`` in column
  ``i % (width / W)`` and row ``floor(i / (height / H))`` (``scatterPlotVisualizerSprites.ts``,
  the inspector's ``nCols``), so both quotients must be ``k``. For square images this is
  PyTorch's sprite pixel for pixel; for ``H != W`` PyTorch's ``(W*k) x (W*k)`` canvas puts
  images where the projector does not look, or crashes. A numpy ``label_img`` is scaled and
  laid out by its own methods (``_image.host_grid``, float64 arithmetic for float64); the PNG
  encoding is then most of the time (10,000 x 1 x 28 x 28 float32 digits-like images: 0.75-0.85
  s instead of 1.6-2.5 s).
* **projector_config.pbtxt** (:func:`update_config`): read, merged (an entry with the same
  ``tensor_name`` is replaced, others kept in order) and rewritten whole, so the embeddings of
  earlier writers survive (PyTorch rewrites it from each writer's own list; tensorboardX appends
  forever). Written as ``text_format.MessageToString`` writes it; read with the rules of
  ``text_format.Parse``, which TensorBoard uses: an unknown field, a repeated singular field or
  bad syntax raises ``ValueError``, so tinytb never drops what it cannot read.
"""

from __future__ import annotations

import math
import warnings
from itertools import repeat
from operator import methodcaller, mul

from . import _text_format
from ._arrays import as_array
from ._image import host_grid, make_grid, to_uint8, transpose
from ._png import encode_png

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

__all__ = [
    "CONFIG_NAME",
    "encode_tag",
    "tensors_tsv",
    "tsv_chunks",
    "metadata_tsv",
    "sprite_png",
    "embedding_info",
    "embedding_files",
    "config_text",
    "parse_config",
    "merge",
    "update_config",
]

CONFIG_NAME = "projector_config.pbtxt"  # the plugin's metadata.PROJECTOR_FILENAME
MAX_SPRITE_SIDE = 8192  # the projector refuses larger sprites (data-provider.ts)

# What JavaScript's String.prototype.trim() removes: the projector skips lines it leaves empty.
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


# --- names -----------------------------------------------------------------------------------


def encode_tag(tag):
    """The directory name of ``tag``: PyTorch's ``_encode``, plus ``.``/``..`` made safe."""
    if not isinstance(tag, str):
        raise TypeError("tag must be a str, not %s" % type(tag).__name__)
    if "\0" in tag:
        raise ValueError("tag %r holds a NUL character, which no file name can" % tag)
    try:
        tag.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("tag %r is not valid Unicode text (a lone surrogate)" % tag) from None
    # PyTorch's order matters: '%' first, so the escapes it adds are not escaped again.
    name = tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")
    if name in (".", ".."):
        name = "%2e" + name[1:]
    return name


def _step_dir(step):
    return str(step).zfill(5)  # PyTorch's str(global_step).zfill(5): -1 -> "-0001"


def _join(subdir, name):
    # os.path.join as PyTorch's gfile join does it, with '/' on every OS: the empty tag's
    # subdir "00000/" gives "00000/tensors.tsv".
    return subdir + name if subdir.endswith("/") else subdir + "/" + name


# --- tensors.tsv -----------------------------------------------------------------------------


def _matrix(mat):
    arr = as_array(mat, "mat", pixels=False)
    if len(arr.shape) != 2:
        raise ValueError("mat must be 2-D (points, dimensions), got shape %s" % (arr.shape,))
    if 0 in arr.shape:
        # TensorBoard's plugin indexes tensor[0] for every tensors.tsv of the run.
        raise ValueError("mat is empty: shape %s" % (arr.shape,))
    return arr


def tensors_tsv(mat):
    """``tensors.tsv``: one line per row of the 2-D ``mat``, values ``str()``-ed and joined by
    tabs, as PyTorch writes them (``str(v.item())``); bools as ``1``/``0``."""
    return bytes(_tensors_tsv(_matrix(mat)))


def _tensors_tsv(arr):
    # grown in place (realloc): the text is several times the input; a join would hold it twice
    text = bytearray()
    for chunk in tsv_chunks(arr):
        text += chunk
    return text


# Rows are formatted a block at a time: one ``%`` operation per block (its format string is the
# row's "%r\t...%r\n" repeated), so the Python floats and the text of one block only are alive.
# repr of a float is the shortest text that reads back as the same double, which is what str()
# gives, and for float32 input it is the float32 widened to a double, as numpy's item() gives it;
# for ints %r is str() too.
_TSV_BLOCK = 1 << 13  # values per block: about 0.8 MB of Python floats and text


def tsv_chunks(arr: Any) -> Iterator[bytes]:
    """The bytes of ``tensors.tsv`` for the 2-D :class:`~tinytb._arrays.Array` ``arr``, in
    pieces of about ``_TSV_BLOCK`` values (whole rows): through the caller's numpy array
    (``tolist()`` of a block of rows: the float64 value of each element at C speed) when there is
    one, else from ``arr.data``. The same bytes either way."""
    n, d = arr.shape
    row_format = "\t".join(["%r"] * d) + "\n"
    rows = max(1, _TSV_BLOCK // d)
    host = arr.host
    if host is not None:
        for i in range(0, n, rows):
            block = host[i : i + rows]
            if arr.dtype == "bool":
                block = block.astype("uint8")  # 1/0: TensorBoard's float() cannot read True
            text = (row_format * len(block)) % tuple(block.ravel().tolist())
            yield text.encode("ascii")
        return
    data = arr.data
    if arr.dtype == "bool":
        data = [int(v) for v in data]
    for i in range(0, n, rows):
        values = tuple(data[i * d : min(n, i + rows) * d])
        yield ((row_format * (len(values) // d)) % values).encode("ascii")


# --- metadata.tsv ----------------------------------------------------------------------------


def _items(value, name):
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError("%s must be a list, not %s" % (name, type(value).__name__))
    try:
        return list(value)
    except TypeError:
        raise TypeError("%s must be a list, not %s" % (name, type(value).__name__)) from None


def _cell(value, name):
    text = str(value)
    for ch, what in (("\t", "a tab"), ("\n", "a line break"), ("\r", "a carriage return")):
        if ch in text:
            raise ValueError(
                "%s = %r holds %s, which would split the metadata.tsv cell "
                "(the format has no escaping)" % (name, text, what)
            )
    return text


def _line(cells, name):
    line = "\t".join(cells)
    if not line.strip(_JS_SPACE):
        raise ValueError(
            "%s is blank (%r): the projector skips blank lines, so every later "
            "label would belong to the wrong point" % (name, line)
        )
    return line


def _plain_column(rows):
    """One label per line, checked with a few C-speed passes over all of them; None when a
    label would be refused (the per-cell checks then name it)."""
    cells = list(map(str, rows))
    text = "\n".join(cells)
    if (
        "\t" in text
        or "\r" in text
        or text.count("\n") != len(cells) - 1  # a line break inside a label
        or not all(map(methodcaller("strip", _JS_SPACE), cells))  # a blank label
    ):
        return None
    return (text + "\n").encode("utf-8")


def metadata_tsv(metadata, metadata_header=None):
    """``metadata.tsv``: one ``str(label)`` per line; with ``metadata_header``, a header row and
    then each row's cells joined by tabs (PyTorch's ``make_tsv``). Returns UTF-8 bytes."""
    rows = _items(metadata, "metadata")
    header = None if metadata_header is None else _items(metadata_header, "metadata_header")
    if not header:  # PyTorch: `if not metadata_header` -> one column
        text = _plain_column(rows)
        if text is not None:
            return text
        lines = [
            _line([_cell(x, "metadata[%d]" % i)], "metadata[%d]" % i) for i, x in enumerate(rows)
        ]
    else:
        if len(header) < 2:
            raise ValueError(
                "metadata_header has one column: the projector takes a first line "
                "without a tab for a label, not a header; pass metadata as a "
                "plain list of labels and no metadata_header"
            )
        lines = [
            _line(
                [_cell(h, "metadata_header[%d]" % j) for j, h in enumerate(header)],
                "metadata_header",
            )
        ]
        for i, row in enumerate(rows):
            cells = _items(row, "metadata[%d]" % i)
            if len(cells) != len(header):
                raise ValueError(
                    "metadata[%d] has %d columns but metadata_header has %d"
                    % (i, len(cells), len(header))
                )
            lines.append(
                _line(
                    [_cell(c, "metadata[%d][%d]" % (i, j)) for j, c in enumerate(cells)],
                    "metadata[%d]" % i,
                )
            )
    lines.append("")
    return "\n".join(lines).encode("utf-8")


# --- sprite.png ------------------------------------------------------------------------------


def _grid_side(n):
    k = math.isqrt(n)  # ceil(sqrt(n)), exactly (PyTorch: math.ceil(n ** 0.5))
    return k if k * k == n else k + 1


def _sprite_pixels(arr):
    """uint8 pixels as PyTorch's ``np.uint8((canvas * 255).clip(0, 255))`` makes them, on a
    float64 canvas, except that uint8 input is kept as is."""
    if arr.dtype != "float64":
        # uint8 kept; float32/16 products are exact in float64, so they equal to_uint8's; ints
        # and bools saturate to 0 or 255 in both.
        return to_uint8(arr)
    # float64: multiplied in float64, with no rounding to float32 first (add_image rounds)
    try:
        return bytes(map(int, map(mul, arr.data, repeat(255.0))))
    except (ValueError, OverflowError):  # outside [0, 256) or NaN: clip (NaN -> 0)
        return bytes(
            [
                int(p) if 0.0 <= p <= 255.0 else (255 if p > 255.0 else 0)
                for p in map(mul, arr.data, repeat(255.0))
            ]
        )


def _label_images(label_img, n_points=None):
    arr = as_array(label_img, "label_img")
    if len(arr.shape) != 4:
        raise ValueError("label_img must be (N, C, H, W), got shape %s" % (arr.shape,))
    n, c, h, w = arr.shape
    if 0 in arr.shape:
        raise ValueError("label_img is empty: shape %s" % (arr.shape,))
    if c not in (1, 3):
        raise ValueError(
            "label_img has %d channels (shape %s): sprites take 1 (grey) or 3 "
            "(RGB)" % (c, arr.shape)
        )
    if n_points is not None and n != n_points:
        raise ValueError("label_img has %d images but mat has %d rows" % (n, n_points))
    return arr


def sprite_png(label_img):
    """``(png, (W, H))``: the images of ``label_img`` ``(N, C, H, W)`` in a ``k x k`` grid of
    ``W x H`` cells (``k = ceil(sqrt(N))``), row by row, unused cells black; RGB PNG."""
    return _sprite_png(_label_images(label_img))


def _sprite_png(arr):
    n, c, h, w = arr.shape
    k = _grid_side(n)
    if k * w > MAX_SPRITE_SIDE or k * h > MAX_SPRITE_SIDE:
        warnings.warn(
            "the sprite is %d x %d pixels; TensorBoard's projector shows none larger "
            "than %d x %d (use fewer or smaller label images)"
            % (k * w, k * h, MAX_SPRITE_SIDE, MAX_SPRITE_SIDE),
            stacklevel=4,
        )
    host = arr.host
    if host is not None:
        rows, grid = host_grid(host, arr.dtype, k, wide=True)
        grid += bytes((k - rows) * h * k * w * 3)  # the empty rows of cells below
        return encode_png(grid, k * w, k * h, 3), (w, h)
    nhwc = transpose(_sprite_pixels(arr), arr.shape, (0, 2, 3, 1))
    height, width, channels, grid = make_grid(nhwc, n, h, w, c, ncols=k)
    grid += bytes((k * h - height) * width * channels)  # the empty bottom rows of cells
    return encode_png(grid, width, k * h, channels), (w, h)


# --- one call ----------------------------------------------------------------------------------


def embedding_info(tag, step, subdir, metadata=False, sprite_dim=None):
    """The ``EmbeddingInfo`` (a dict, see :func:`parse_config`) PyTorch's
    ``get_embedding_info`` makes: the raw tag in ``tensor_name``, paths relative to the log dir,
    ``single_image_dim`` ``[W, H]``."""
    return {
        "tensor_name": "%s:%s" % (tag, _step_dir(step)),
        "metadata_path": _join(subdir, "metadata.tsv") if metadata else "",
        "bookmarks_path": "",
        "tensor_shape": [],
        "sprite": None
        if sprite_dim is None
        else {"image_path": _join(subdir, "sprite.png"), "single_image_dim": list(sprite_dim)},
        "tensor_path": _join(subdir, "tensors.tsv"),
    }


def embedding_files(
    mat: Any,
    metadata: Optional[Sequence[Any]] = None,
    label_img: Any = None,
    global_step: int = 0,
    tag: str = "default",
    metadata_header: Optional[Sequence[str]] = None,
) -> Tuple[str, Dict[str, bytes], Dict[str, Any]]:
    """Everything ``add_embedding`` writes: ``(subdir, {file name: bytes}, entry)``.

    ``subdir`` is ``"<step:05d>/<encoded tag>"`` (relative, '/'-separated), the files go in
    it, and ``entry`` goes into the config (:func:`update_config`). Every argument is checked
    before any byte is made, so a bad call writes nothing. ``global_step`` must already be an
    int (``_convert.to_step``)."""
    subdir = "%s/%s" % (_step_dir(global_step), encode_tag(tag))
    arr = _matrix(mat)
    n = arr.shape[0]
    files = {}
    if metadata is not None:
        rows = _items(metadata, "metadata")
        if len(rows) != n:
            raise ValueError("metadata has %d labels but mat has %d rows" % (len(rows), n))
        files["metadata.tsv"] = metadata_tsv(rows, metadata_header)
    sprite_dim = None
    if label_img is not None:
        files["sprite.png"], sprite_dim = _sprite_png(_label_images(label_img, n))
    files["tensors.tsv"] = tsv_chunks(arr)  # written as it is made: never held whole
    return subdir, files, embedding_info(tag, global_step, subdir, metadata is not None, sprite_dim)


# --- projector_config.pbtxt --------------------------------------------------------------------
# tensorboard/plugins/projector/projector_config.proto (proto3), fields in number order:
#   message SpriteMetadata { string image_path = 1; repeated uint32 single_image_dim = 2; }
#   message EmbeddingInfo { string tensor_name = 1; string metadata_path = 2;
#     string bookmarks_path = 3; repeated uint32 tensor_shape = 4; SpriteMetadata sprite = 5;
#     string tensor_path = 6; }
#   message ProjectorConfig { string model_checkpoint_path = 1;
#     repeated EmbeddingInfo embeddings = 2; string model_checkpoint_dir = 3; }
_FIELDS = {
    "ProjectorConfig": (
        ("model_checkpoint_path", "string", False),
        ("embeddings", "EmbeddingInfo", True),
        ("model_checkpoint_dir", "string", False),
    ),
    "EmbeddingInfo": (
        ("tensor_name", "string", False),
        ("metadata_path", "string", False),
        ("bookmarks_path", "string", False),
        ("tensor_shape", "uint32", True),
        ("sprite", "SpriteMetadata", False),
        ("tensor_path", "string", False),
    ),
    "SpriteMetadata": (("image_path", "string", False), ("single_image_dim", "uint32", True)),
}


def _new(type_name):
    """A message as a dict: every field, at its default (``""``, ``[]``, or ``None`` for an
    absent message)."""
    return _text_format.new_message(_FIELDS, type_name)


def config_text(config: dict) -> str:
    """``text_format.MessageToString`` of a ``ProjectorConfig`` dict (:func:`parse_config`):
    fields in number order, 2-space indent; empty strings and absent messages left out;
    strings escaped as ``CEscape(as_utf8=True)``, text_format's default since protobuf 4.21."""
    printer = _text_format.Printer()
    _print(config, "ProjectorConfig", "", printer)
    return printer.text()


def _print(msg, type_name, indent, printer):
    for name, kind, repeated in _FIELDS[type_name]:
        value = msg.get(name)
        if kind in _FIELDS:
            for item in (value or []) if repeated else ([] if value is None else [value]):
                printer.begin(indent, name)
                _print(item, kind, indent + "  ", printer)
                printer.end(indent)
        elif kind == "uint32":
            for v in value or ():
                printer.field(indent, name, "%d" % v)
        elif value:  # proto3: an empty string is the default and is not written
            printer.field(indent, name, '"%s"' % _text_format.escape_text(value))


# The config is read whole and rewritten whole by every add_embedding: 16 MiB holds about
# 70,000 entries as PyTorch writes them (up to 240 bytes each).
MAX_CONFIG_BYTES = 16 << 20


def parse_config(text: str) -> dict:
    """A ``ProjectorConfig`` (as :func:`config_text` writes it, or PyTorch, tensorboardX, or a
    person) as a dict: ``{"model_checkpoint_path": str, "embeddings": [EmbeddingInfo dicts],
    "model_checkpoint_dir": str}``; an EmbeddingInfo is ``{"tensor_name", "metadata_path",
    "bookmarks_path", "tensor_path": str, "tensor_shape": [int], "sprite": None or
    {"image_path": str, "single_image_dim": [int]}}``. What ``text_format.Parse`` refuses, and
    text over :data:`MAX_CONFIG_BYTES` characters, raises ``ValueError`` naming
    ``projector_config.pbtxt`` (with line and column)."""
    return _text_format.parse(
        text, _FIELDS, "ProjectorConfig", CONFIG_NAME, max_chars=MAX_CONFIG_BYTES
    )


def merge(embeddings, entry):
    """``embeddings`` with ``entry`` in place of the first one with its ``tensor_name`` (later
    ones with that name dropped: tensorboardX's appending leaves such copies), or appended."""
    out = []
    placed = False
    for old in embeddings:
        if old.get("tensor_name") != entry["tensor_name"]:
            out.append(old)
        elif not placed:
            out.append(entry)
            placed = True
    if not placed:
        out.append(entry)
    return out


def update_config(existing: "bytes | None", entry: dict) -> bytes:
    """The new ``projector_config.pbtxt`` (bytes) from the current one (bytes, or None when
    there is none) and one more ``entry``. Raises ``ValueError`` naming the file for one it
    cannot read: not UTF-8, over :data:`MAX_CONFIG_BYTES`, or not a ``ProjectorConfig``."""
    if existing:
        if len(existing) > MAX_CONFIG_BYTES:
            raise ValueError(
                "%s is %d bytes, over the limit of %d"
                % (CONFIG_NAME, len(existing), MAX_CONFIG_BYTES)
            )
        try:
            text = bytes(existing).decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError("%s is not UTF-8 text (%s)" % (CONFIG_NAME, err)) from None
        config = parse_config(text)
    else:
        config = _new("ProjectorConfig")
    config["embeddings"] = merge(config["embeddings"], entry)
    return config_text(config).encode("utf-8")
