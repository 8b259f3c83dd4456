"""tinytb._projector: the embedding projector's files, as bytes.

Vectors are from docs/pytorch-writer.md section 8 (captured from torch 2.13 +
tensorboard 2.21, protobuf 7.36): the projector_config.pbtxt example, the metadata.tsv
example, the float32 strings of tensors.tsv, the sprite sizes, and tensorboardX's appended
config. conformance/test_projector.py checks the same against PyTorch, protobuf and
TensorBoard's projector plugin themselves.
"""

import math
import random
import warnings
from array import array

import pytest

from tinytb import _image, _png, _projector as P

from vectors import FakeArray


def typed(values, typecode, shape):
    """A buffer-protocol array of C type ``typecode`` (array.array) with ``shape``."""
    return memoryview(array(typecode, values)).cast("B").cast(typecode, shape)


# --- encode_tag --------------------------------------------------------------------------------


def pytorch_encode(rawstr):
    # torch/utils/tensorboard/writer.py, SummaryWriter._encode (torch 2.13), verbatim
    retval = rawstr
    retval = retval.replace("%", f"%{ord('%'):02x}")
    retval = retval.replace("/", f"%{ord('/'):02x}")
    retval = retval.replace("\\", "%%%02x" % (ord("\\")))  # noqa: UP031
    return retval


@pytest.mark.parametrize(
    "tag, name",
    [
        ("emb/a b", "emb%2fa b"),  # section 8's example
        ("default", "default"),
        ("%", "%25"),
        ("a%2fb", "a%252fb"),  # '%' first: an escape in the tag is not confused
        ("a\\b", "a%5cb"),
        ("/etc/passwd", "%2fetc%2fpasswd"),
        ("C:\\Windows", "C:%5cWindows"),
        ("../../x", "..%2f..%2fx"),
        ("..", "%2e."),  # PyTorch: "00000/.." is the log dir itself
        (".", "%2e"),  # PyTorch: "00000/." is the step directory
        ("...", "..."),
        (".a", ".a"),
        ("a..", "a.."),
        ("", ""),
        ("é 😀", "é 😀"),
    ],
)
def test_encode_tag_vectors(tag, name):
    assert P.encode_tag(tag) == name


def test_encode_tag_is_pytorchs_for_every_ordinary_tag():
    rng = random.Random(12)
    alphabet = "ab./\\%2f5c_ é"
    for _ in range(3000):
        tag = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 7)))
        if tag in (".", ".."):
            continue
        assert P.encode_tag(tag) == pytorch_encode(tag), tag


def test_encode_tag_is_one_to_one_and_never_a_path():
    rng = random.Random(3)
    alphabet = ".%/\\e2a"
    tags = {
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))) for _ in range(5000)
    } | {".", "..", "%2e", "%2e.", "%2e%2e"}
    names = {}
    for tag in tags:
        name = P.encode_tag(tag)
        assert "/" not in name and "\\" not in name and name not in (".", ".."), tag
        assert names.setdefault(name, tag) == tag, (tag, names[name])


def test_encode_tag_refusals():
    with pytest.raises(ValueError, match="tag.*NUL"):
        P.encode_tag("a\0b")
    with pytest.raises(ValueError, match="tag.*surrogate"):
        P.encode_tag("a\ud800")
    with pytest.raises(TypeError, match="tag must be a str"):
        P.encode_tag(b"bytes")


# --- tensors.tsv -------------------------------------------------------------------------------


def test_tensors_tsv_float32_strings():
    # section 8: float32 0.1 -> 0.10000000149011612, 1e-8 -> 9.99999993922529e-09
    mat = typed([0.1, 1e-8, -2.5, 0.0], "f", (2, 2))
    assert P.tensors_tsv(mat) == b"0.10000000149011612\t9.99999993922529e-09\n-2.5\t0.0\n"


def test_tensors_tsv_nested_floats_are_float64_and_float32_stays():
    assert P.tensors_tsv([[0.1, 0.2]]) == b"0.1\t0.2\n"
    assert P.tensors_tsv(typed([0.1, 0.2], "d", (1, 2))) == b"0.1\t0.2\n"
    assert P.tensors_tsv(typed([0.1, 0.2], "f", (1, 2))) == (
        b"0.10000000149011612\t0.20000000298023224\n"
    )


def test_tensors_tsv_ints_bools_and_specials():
    assert P.tensors_tsv([[1, 2], [3, -4]]) == b"1\t2\n3\t-4\n"  # str(int), as PyTorch
    assert P.tensors_tsv(typed([7, 255], "B", (1, 2))) == b"7\t255\n"
    # bools as 1/0: PyTorch's True/False is what TensorBoard's float() cannot read
    assert P.tensors_tsv([[True, False]]) == b"1\t0\n"
    assert P.tensors_tsv(FakeArray([True, False], "bool", (2, 1))) == b"1\n0\n"
    inf = float("inf")
    assert P.tensors_tsv(typed([inf, -inf, float("nan")], "d", (3, 1))) == b"inf\n-inf\nnan\n"


@pytest.mark.parametrize(
    "mat, message",
    [
        ([1.0, 2.0], r"mat must be 2-D.*\(2,\)"),
        ([[[1.0]]], "mat must be 2-D"),
        (FakeArray([], "float32", (0, 3)), "mat is empty"),
        (FakeArray([], "float32", (3, 0)), "mat is empty"),
    ],
)
def test_tensors_tsv_refuses_what_the_plugin_cannot_read(mat, message):
    with pytest.raises(ValueError, match=message):
        P.tensors_tsv(mat)


# --- metadata.tsv ------------------------------------------------------------------------------


def test_metadata_tsv_with_header_is_the_spec_example():
    # section 8 [verified]: name\tn\nx\t1\ny\t2\n
    assert P.metadata_tsv([["x", 1], ["y", 2]], ["name", "n"]) == b"name\tn\nx\t1\ny\t2\n"


def test_metadata_tsv_single_column():
    assert P.metadata_tsv(["a", 1, 2.5, None, ("t", 1)]) == b"a\n1\n2.5\nNone\n('t', 1)\n"
    assert P.metadata_tsv(["é", "😀"]) == "é\n😀\n".encode("utf-8")
    assert P.metadata_tsv(range(3)) == b"0\n1\n2\n"
    # PyTorch: `if not metadata_header` -> an empty header means one column
    assert P.metadata_tsv(["a", "b"], []) == b"a\nb\n"


def test_metadata_tsv_cells_may_be_blank_but_not_whole_lines():
    assert P.metadata_tsv([["a", ""], ["", "b"]], ["h1", "h2"]) == b"h1\th2\na\t\n\tb\n"
    for blank in ("", " ", "\u3000", "\ufeff", "\u00a0 "):
        with pytest.raises(ValueError, match=r"metadata\[1\] is blank"):
            P.metadata_tsv(["a", blank])
    with pytest.raises(ValueError, match=r"metadata\[0\] is blank"):
        P.metadata_tsv([["", " "]], ["h1", "h2"])
    with pytest.raises(ValueError, match=r"metadata_header is blank"):
        P.metadata_tsv([["a", "b"]], ["", ""])


@pytest.mark.parametrize(
    "metadata, header, message",
    [
        (["a", "b\tc"], None, r"metadata\[1\] = 'b\\tc' holds a tab"),
        (["a\nb"], None, r"metadata\[0\] = 'a\\nb' holds a line break"),
        (["a\rb"], None, r"metadata\[0\] = 'a\\rb' holds a carriage return"),
        ([["a", "b\n"]], ["h1", "h2"], r"metadata\[0\]\[1\] = 'b\\n' holds a line break"),
        ([["a", "b"]], ["h\t1", "h2"], r"metadata_header\[0\] = 'h\\t1' holds a tab"),
        (
            [["a", "b"], ["c"]],
            ["h1", "h2"],
            r"metadata\[1\] has 1 columns but metadata_header has 2",
        ),
        ([["a", "b", "c"]], ["h1", "h2"], r"metadata\[0\] has 3 columns"),
        ([["a"]], ["h1"], "metadata_header has one column"),
    ],
)
def test_metadata_tsv_refuses_what_the_projector_would_misread(metadata, header, message):
    with pytest.raises(ValueError, match=message):
        P.metadata_tsv(metadata, header)


def test_metadata_tsv_type_errors():
    with pytest.raises(TypeError, match="metadata must be a list, not str"):
        P.metadata_tsv("abc")
    with pytest.raises(TypeError, match="metadata_header must be a list, not str"):
        P.metadata_tsv([["a", "b"]], "ab")
    with pytest.raises(TypeError, match=r"metadata\[0\] must be a list, not str"):
        P.metadata_tsv(["ab"], ["h1", "h2"])
    with pytest.raises(TypeError, match="metadata must be a list, not int"):
        P.metadata_tsv(3)


# --- sprite.png --------------------------------------------------------------------------------


def solid_images(n, c, h, w):
    """uint8 (N, C, H, W) nested lists; image i is filled with value 10 * (i + 1) + channel."""
    return [[[[10 * (i + 1) + ch] * w for _ in range(h)] for ch in range(c)] for i in range(n)]


def projector_cell(i, width, height, w, h):
    """Where TensorBoard's projector looks for image i (scatterPlotVisualizerSprites.ts):
    spritesPerRow = width / W, spritesPerColumn = height / H, column = i mod spritesPerRow,
    row = floor(i / spritesPerColumn)."""
    per_row, per_column = width / w, height / h
    return int(i % per_row), int(math.floor(i / per_column))


@pytest.mark.parametrize(
    "n, h, w, size",
    [
        (5, 4, 4, (12, 12)),  # section 8 [verified] sizes for square images
        (2, 4, 4, (8, 8)),
        (1, 3, 3, (3, 3)),
        (9, 2, 2, (6, 6)),
        (10, 2, 2, (8, 8)),
        (5, 4, 6, (18, 12)),  # PyTorch: 18 x 18, images where the projector does not look
        (5, 6, 4, (12, 18)),  # PyTorch: crashes (H * rows > W * nrow)
        (3, 1, 7, (14, 2)),
    ],
)
def test_sprite_layout_is_where_the_projector_looks(n, h, w, size):
    png, dim = P.sprite_png(solid_images(n, 3, h, w))
    width, height, channels, pixels = _png.decode_png(png)
    assert (width, height) == size and channels == 3 and dim == (w, h)
    k = math.ceil(math.sqrt(n))
    for i in range(k * k):
        col, row = projector_cell(i, width, height, w, h)
        assert (col, row) == (i % k, i // k)
        for y in range(row * h, (row + 1) * h):
            start = (y * width + col * w) * 3
            cell = pixels[start : start + w * 3]
            want = (
                bytes([10 * (i + 1), 10 * (i + 1) + 1, 10 * (i + 1) + 2]) * w
                if i < n
                else bytes(w * 3)
            )  # unused cells are black
            assert cell == want, (i, y)


def test_sprite_grey_is_replicated_and_uint8_is_kept():
    png, dim = P.sprite_png([[[[0, 100], [200, 255]]]])  # N=1, C=1, 2 x 2, Python ints: uint8
    assert dim == (2, 2)
    assert _png.decode_png(png) == (2, 2, 3, bytes(sum(([v] * 3 for v in (0, 100, 200, 255)), [])))
    png, _ = P.sprite_png(typed([0, 1, 100, 255], "B", (1, 1, 2, 2)))
    assert _png.decode_png(png)[3] == bytes(sum(([v] * 3 for v in (0, 1, 100, 255)), []))


def test_sprite_float_scaling_is_pytorchs():
    # np.uint8((canvas * 255).clip(0, 255)) on a float64 canvas: truncation, clipping, NaN -> 0
    values = [0.5, 1.0, 2.0, -1.0, float("nan"), 0.999, 1 / 255, 0.0, 0.25]
    png, _ = P.sprite_png(typed(values, "f", (1, 1, 3, 3)))
    assert _png.decode_png(png)[3] == bytes(
        sum(([v] * 3 for v in (127, 255, 255, 0, 0, 254, 1, 0, 63)), [])
    )
    # float64 is multiplied in float64: 1 - 2**-30 gives 254 (add_image rounds it to float32
    # first, to 1.0, and gives 255)
    png, _ = P.sprite_png(typed([1 - 2**-30, 0.5, 1e300, -1e300], "d", (1, 1, 2, 2)))
    assert _png.decode_png(png)[3] == bytes(sum(([v] * 3 for v in (254, 127, 255, 0)), []))
    assert _image.to_uint8(_image.as_array(typed([1 - 2**-30], "d", (1,)), "x")) == b"\xff"
    # ints saturate, as in PyTorch (x * 255 clipped)
    png, _ = P.sprite_png(FakeArray([0, 1, 2, -3], "int64", (1, 1, 2, 2)))
    assert _png.decode_png(png)[3] == bytes(sum(([v] * 3 for v in (0, 255, 255, 0)), []))


@pytest.mark.parametrize(
    "label_img, message",
    [
        ([[[1, 2]]], r"label_img must be \(N, C, H, W\), got shape \(1, 1, 2\)"),
        (solid_images(1, 2, 2, 2), "label_img has 2 channels"),
        (solid_images(1, 4, 2, 2), "label_img has 4 channels"),
        (FakeArray([], "uint8", (0, 3, 2, 2)), "label_img is empty"),
    ],
)
def test_sprite_refusals(label_img, message):
    with pytest.raises(ValueError, match=message):
        P.sprite_png(label_img)


def test_sprite_larger_than_the_projector_shows_warns():
    with pytest.warns(UserWarning, match="8194 x 2 pixels"):
        png, _ = P.sprite_png(typed(bytes(4 * 4097), "B", (4, 1, 1, 4097)))
    assert _png.decode_png(png)[:2] == (8194, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P.sprite_png(typed(bytes(4 * 4096), "B", (4, 1, 1, 4096)))  # 8192 wide: shown


# --- projector_config.pbtxt --------------------------------------------------------------------

# section 8 [verified]: torch 2.13's file after add_embedding(..., metadata, label_img 4x4,
# global_step=12, tag="emb/a b") and add_embedding(..., metadata, tag="emb2")
TORCH_PBTXT = """\
embeddings {
  tensor_name: "emb/a b:00012"
  metadata_path: "00012/emb%2fa b/metadata.tsv"
  sprite {
    image_path: "00012/emb%2fa b/sprite.png"
    single_image_dim: 4
    single_image_dim: 4
  }
  tensor_path: "00012/emb%2fa b/tensors.tsv"
}
embeddings {
  tensor_name: "emb2:00000"
  metadata_path: "00000/emb2/metadata.tsv"
  tensor_path: "00000/emb2/tensors.tsv"
}
"""
# section 8 [verified]: tensorboardX's appended block for the first of those calls
TENSORBOARDX_BLOCK = """\
embeddings {
tensor_name: "emb/a b:00012"
tensor_path: "00012/emb%2fa b/tensors.tsv"
metadata_path: "00012/emb%2fa b/metadata.tsv"
sprite {
image_path: "00012/emb%2fa b/sprite.png"
single_image_dim: 4
single_image_dim: 4
}
}
"""


def torch_entries():
    first = P.embedding_info("emb/a b", 12, "00012/emb%2fa b", metadata=True, sprite_dim=(4, 4))
    second = P.embedding_info("emb2", 0, "00000/emb2", metadata=True)
    return [first, second]


def test_config_text_is_torchs_file():
    config = {"embeddings": torch_entries()}
    assert P.config_text(config) == TORCH_PBTXT


def test_embedding_files_make_the_torch_entries():
    mat = [[0.5] * 3] * 5
    subdir, files, entry = P.embedding_files(
        mat, list("abcde"), solid_images(5, 3, 4, 4), 12, "emb/a b"
    )
    assert subdir == "00012/emb%2fa b"
    assert sorted(files) == ["metadata.tsv", "sprite.png", "tensors.tsv"]
    assert entry == torch_entries()[0]
    subdir, files, entry = P.embedding_files(mat[:2], list("ab"), None, 0, "emb2")
    assert (subdir, sorted(files), entry) == (
        "00000/emb2",
        ["metadata.tsv", "tensors.tsv"],
        torch_entries()[1],
    )


def test_config_text_escapes_as_protobuf():
    # protobuf 7.36.2 text_format.MessageToString of tensor_name = 'a\'b"c\\d\ne\tf\x01\x7f'
    # '\x80é€😀\r\x1b', tensor_shape [3, 4], an empty sprite, model_checkpoint_dir 'x'
    entry = P.embedding_info("", 0, "")
    entry.update(
        tensor_name="a'b\"c\\d\ne\tf\x01\x7f\x80é€😀\r\x1b",
        tensor_path="",
        tensor_shape=[3, 4],
        sprite={"image_path": "", "single_image_dim": []},
    )
    text = P.config_text({"embeddings": [entry], "model_checkpoint_dir": "x"})
    assert text == (
        'embeddings {\n  tensor_name: "a\\\'b\\"c\\\\d\\ne\\tf\\001\\177\x80é€😀'
        '\\r\\033"\n  tensor_shape: 3\n  tensor_shape: 4\n  sprite {\n  }\n}\n'
        'model_checkpoint_dir: "x"\n'
    )
    assert P.parse_config(text)["embeddings"] == [entry]


def test_parse_config_reads_torchs_and_tensorboardxs_files():
    assert P.parse_config(TORCH_PBTXT) == {
        "model_checkpoint_path": "",
        "embeddings": torch_entries(),
        "model_checkpoint_dir": "",
    }
    tbx = P.parse_config(TENSORBOARDX_BLOCK + TENSORBOARDX_BLOCK)
    assert tbx["embeddings"] == [torch_entries()[0]] * 2
    assert P.parse_config("") == {
        "model_checkpoint_path": "",
        "embeddings": [],
        "model_checkpoint_dir": "",
    }


def test_parse_config_takes_the_whole_text_format_syntax():
    text = (
        "# a comment\nmodel_checkpoint_path: 'ck' \"pt\";\n"
        'embeddings < tensor_name: "\\303\\251\\u00e9\\x41\\?" tensor_shape: [0x10, 010]'
        " tensor_shape: +3, sprite: { single_image_dim: [] } >\n"
        "embeddings {}  # trailing\n"
    )
    config = P.parse_config(text)
    assert config["model_checkpoint_path"] == "ckpt"
    first, second = config["embeddings"]
    assert first["tensor_name"] == "ééA\\?"  # an unknown escape stays, as in Python's protobuf
    assert first["tensor_shape"] == [16, 8, 3]
    assert first["sprite"] == {"image_path": "", "single_image_dim": []}
    assert second == P._new("EmbeddingInfo")
    # proto3 strings have no presence: a repeat after the default "" is allowed
    assert (
        P.parse_config('embeddings { tensor_name: "" tensor_name: "b" }')["embeddings"][0][
            "tensor_name"
        ]
        == "b"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("embeddings { foo: 1 }", r'EmbeddingInfo has no field named "foo" \(line 1, column 14\)'),
        ("bookmarks_path: 'x'", 'ProjectorConfig has no field named "bookmarks_path"'),
        ('embeddings { tensor_name: "a" tensor_name: "b" }', 'multiple "tensor_name" fields'),
        ("embeddings { sprite {} sprite {} }", 'multiple "sprite" fields'),
        (
            'model_checkpoint_path: "a"\nmodel_checkpoint_path: "b"',
            r'multiple "model_checkpoint_path" fields \(line 2, column 1\)',
        ),
        ("embeddings { tensor_shape: -1 }", "out of range: '-1'"),
        ("embeddings { tensor_shape: 4294967296 }", "out of range"),
        ("embeddings { tensor_shape: 1.0 }", "cannot parse integer '1.0'"),
        ("embeddings { tensor_shape: [1,] }", "cannot parse integer ']'"),
        ("embeddings { tensor_name: x }", "expected a string, found 'x'"),
        ('embeddings { tensor_name: "\\xff" }', "not valid UTF-8"),
        ('embeddings { tensor_name: "\\x" }', "malformed escape"),
        ('embeddings { tensor_name: "\\ud800" }', "no Unicode character"),
        ('embeddings { tensor_name: "\\777" }', "more than a byte"),
        ('embeddings { tensor_name: "a\nb" }', "unexpected character"),
        ("embeddings {", "expected '}', found the end"),
        ("embeddings", "expected '{' or '<', found the end"),
        ("}", "expected a field name, found '}'"),
        ("[ext]: 1", "expected a field name, found '\\['"),
        ("embeddings { tensor_name: 'a' , , }", "expected a field name, found ','"),
        ("embeddings { tensor_name: 'a' } @", "unexpected character '@'"),
    ],
)
def test_parse_config_refuses_what_text_format_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        P.parse_config(text)


def test_config_round_trips_random_configs():
    rng = random.Random(7)
    chars = "ab/%:\\\"'\t\n\r\x00\x01\x7f\x80é€😀 {}#<>[],;"

    def text():
        return "".join(rng.choice(chars) for _ in range(rng.randrange(0, 8)))

    for _ in range(300):
        embeddings = []
        for _ in range(rng.randrange(0, 4)):
            entry = {
                "tensor_name": text(),
                "metadata_path": text(),
                "bookmarks_path": text(),
                "tensor_shape": [rng.randrange(1 << 32) for _ in range(rng.randrange(3))],
                "sprite": rng.choice(
                    [
                        None,
                        {
                            "image_path": text(),
                            "single_image_dim": [
                                rng.randrange(1 << 32) for _ in range(rng.randrange(3))
                            ],
                        },
                    ]
                ),
                "tensor_path": text(),
            }
            embeddings.append(entry)
        config = {
            "model_checkpoint_path": text(),
            "embeddings": embeddings,
            "model_checkpoint_dir": text(),
        }
        assert P.parse_config(P.config_text(config)) == config


# --- merge and update_config -------------------------------------------------------------------


def entry(name, path="p"):
    e = P.embedding_info(name, 0, path)
    e["tensor_name"] = name
    return e


def test_merge_replaces_in_place_appends_and_drops_stale_copies():
    a, b, c = entry("a"), entry("b"), entry("c")
    assert P.merge([], a) == [a]
    assert P.merge([a, b], c) == [a, b, c]
    b2 = entry("b", "new")
    assert P.merge([a, b, c], b2) == [a, b2, c]
    assert P.merge([b, a, b, c, b], b2) == [b2, a, c]  # tensorboardX's appended copies


def test_update_config_keeps_other_writers_entries():
    first, second = torch_entries()
    assert P.update_config(None, first) == P.config_text({"embeddings": [first]}).encode()
    assert P.update_config(b"", first) == P.update_config(None, first)
    # a file of another writer (PyTorch's, here) keeps its entries; the new one is appended
    third = P.embedding_info("emb3", 1, "00001/emb3")
    assert (
        P.update_config(TORCH_PBTXT.encode(), third)
        == P.config_text({"embeddings": [first, second, third]}).encode()
    )
    # the same tensor_name again: replaced where it was
    again = P.embedding_info("emb/a b", 12, "00012/emb%2fa b")  # no metadata, no sprite now
    assert (
        P.update_config(TORCH_PBTXT.encode(), again)
        == P.config_text({"embeddings": [again, second]}).encode()
    )
    # tensorboardX's file, appended to twice: read, and the copies become one entry
    tbx = P.update_config((TENSORBOARDX_BLOCK * 2).encode(), first)
    assert P.update_config(tbx, second) == TORCH_PBTXT.encode()
    # ... while copies of other names are left as they are
    assert P.parse_config(P.update_config((TENSORBOARDX_BLOCK * 2).encode(), second).decode())[
        "embeddings"
    ] == [first, first, second]
    # a model checkpoint path survives
    assert P.update_config(b'model_checkpoint_path: "ck"\n', second) == (
        b'model_checkpoint_path: "ck"\n' + P.config_text({"embeddings": [second]}).encode()
    )


def test_update_config_refuses_a_file_it_cannot_read():
    with pytest.raises(ValueError, match="not UTF-8"):
        P.update_config(b"\xff", entry("a"))
    with pytest.raises(ValueError, match='no field named "future_field"'):
        P.update_config(b"embeddings { future_field: 1 }", entry("a"))


def test_config_over_the_size_cap_is_refused():
    # 16 MiB of PyTorch's own entries (the file is read whole, rewritten whole)
    big = TORCH_PBTXT.encode() * (P.MAX_CONFIG_BYTES // len(TORCH_PBTXT) + 1)
    assert P.MAX_CONFIG_BYTES == 16 << 20 < len(big)
    with pytest.raises(
        ValueError,
        match=r"^projector_config\.pbtxt is \d+ bytes, over the "
        r"limit of 16777216$",
    ):
        P.update_config(big, entry("a"))
    with pytest.raises(ValueError, match=r"^projector_config\.pbtxt: \d+ characters, over"):
        P.parse_config(big.decode())


def test_any_bytes_give_a_config_or_a_value_error_naming_the_file():
    # the file may hold anything: a dict or ValueError naming it, no other exception, and no
    # deep recursion (the schema nests 3 messages at most)
    rng = random.Random(3)
    sources = [
        TORCH_PBTXT.encode(),
        (TENSORBOARDX_BLOCK * 2).encode(),
        b"embeddings { sprite { single_image_dim: [1, 2] } tensor_shape: 0x10 }",
        b"embeddings { " * 50000,
    ]
    read = 0
    for _ in range(2000):
        data = bytearray(rng.choice(sources)[:2000])
        for _ in range(rng.randint(1, 4)):
            where = rng.randrange(len(data) + 1)
            if rng.random() < 0.5:
                data[where : where + 1] = bytes([rng.randrange(256)])
            else:
                data[where:where] = rng.choice(
                    [
                        b"{",
                        b"}",
                        b"<",
                        b"\\",
                        b"'",
                        b'"',
                        b"#",
                        b"\xff",
                        b"\n",
                        b":",
                        b"[",
                        b"]",
                        b",",
                    ]
                )
        try:
            P.update_config(bytes(data), entry("a"))
        except ValueError as error:
            assert type(error) is ValueError
            assert str(error).startswith("projector_config.pbtxt")
            continue
        read += 1
    assert 0 < read < 2000
    with pytest.raises(
        ValueError, match='projector_config.pbtxt: EmbeddingInfo has no field named "embeddings"'
    ):
        P.update_config(b"embeddings { " * 50000, entry("a"))


# --- embedding_files ---------------------------------------------------------------------------


def test_embedding_files_contents():
    mat = typed([0.1, 0.2, 0.3, 0.4], "f", (2, 2))
    subdir, files, e = P.embedding_files(
        mat, [["x", 1], ["y", 2]], solid_images(2, 1, 3, 5), 7, "t", ["name", "n"]
    )
    assert subdir == "00007/t"
    assert b"".join(files["tensors.tsv"]) == P.tensors_tsv(mat)
    assert files["metadata.tsv"] == b"name\tn\nx\t1\ny\t2\n"
    assert files["sprite.png"] == P.sprite_png(solid_images(2, 1, 3, 5))[0]
    assert e["sprite"] == {"image_path": "00007/t/sprite.png", "single_image_dim": [5, 3]}
    assert e["tensor_name"] == "t:00007"


@pytest.mark.parametrize(
    "step, tag, subdir, name",
    [
        (0, "default", "00000/default", "default:00000"),
        (123456, "a/b", "123456/a%2fb", "a/b:123456"),
        (-1, "x", "-0001/x", "x:-0001"),  # str(-1).zfill(5), as PyTorch
        (3, "..", "00003/%2e.", "..:00003"),  # tensor_name keeps the raw tag
        (0, "", "00000/", ":00000"),  # PyTorch's: files in the step directory
    ],
)
def test_embedding_files_names(step, tag, subdir, name):
    got_subdir, _, e = P.embedding_files([[1.0, 2.0]], None, None, step, tag)
    assert (got_subdir, e["tensor_name"]) == (subdir, name)
    assert e["tensor_path"] == subdir.rstrip("/") + "/tensors.tsv"
    assert e["metadata_path"] == "" and e["sprite"] is None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(mat=[1.0, 2.0], metadata=["a", "b"]), ValueError, "mat must be 2-D"),
        (
            dict(mat=[[1.0]] * 3, metadata=["a", "b"]),
            ValueError,
            "metadata has 2 labels but mat has 3",
        ),
        (
            dict(mat=[[1.0]] * 3, label_img=solid_images(2, 3, 2, 2)),
            ValueError,
            "label_img has 2 images but mat has 3",
        ),
        (dict(mat=[[1.0]] * 2, metadata=["a", "\n"]), ValueError, "line break"),
        (dict(mat=[[1.0]], tag="a\0"), ValueError, "NUL"),
        (dict(mat=[[1.0]], tag=5), TypeError, "tag must be a str"),
        (dict(mat="ab"), TypeError, "mat must be an array"),
    ],
)
def test_embedding_files_checks_everything(kwargs, error, message):
    with pytest.raises(error, match=message):
        P.embedding_files(**kwargs)


# --- the caller's numpy array (Array.host) -----------------------------------------------------
# tensors.tsv and sprite.png from the caller's numpy array, through its own methods: the same
# bytes as the pure path (a memoryview of the same elements has no host), always.


def _numpy():
    return pytest.importorskip("numpy", reason="the host fast path is driven by numpy arrays")


_SPECIALS = [
    float("nan"),
    -float("nan"),
    float("inf"),
    -float("inf"),
    0.0,
    -0.0,
    0.1,
    1e-8,
    5e-324,
    1e-45,
    1.1754942e-38,
    1e16,
    1e-5,
    123456789.0,
    3.4e38,
    1e300,
    65504.0,
    1.0,
    0.5,
]
_TSV_DTYPES = ["f2", "f4", "f8", ">f4", ">f8", ">f2", "i1", ">i2", "i4", "i8", "u1", "u2", "u8"]
_TSV_DTYPES.append("?")


def _random_matrix(np, rng, shape, dtype):
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.random(shape) < 0.5
    if kind in "iu":
        info = np.iinfo(dtype)
        ends = np.array([info.min, info.max, 0, 1], dtype=dtype)
        native = np.dtype(dtype).newbyteorder("=")
        a = rng.integers(info.min, info.max, shape, dtype=native, endpoint=True).astype(dtype)
        mask = rng.random(shape) < 0.2
        a[mask] = rng.choice(ends, int(mask.sum()))
        return a
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7, shape)
    mask = rng.random(shape) < 0.3
    x[mask] = rng.choice(np.array(_SPECIALS), int(mask.sum()))
    with np.errstate(all="ignore"):
        return x.astype(dtype)


def _strided(np, rng, a):
    """``a``, or a non-contiguous view with the same elements."""
    choice = rng.integers(3)
    if choice == 1:
        return np.ascontiguousarray(a.T).T  # Fortran order
    if choice == 2:
        wide = np.repeat(a, 2, axis=1)
        return wide[:, ::2]
    return a


def _pure(np, a):
    return memoryview(np.ascontiguousarray(a))


@pytest.mark.parametrize("block", [3, 1 << 13])
def test_host_tensors_tsv_is_the_pure_paths(monkeypatch, block):
    np = _numpy()
    monkeypatch.setattr(P, "_TSV_BLOCK", block)  # blocks of one row and of many rows
    rng = np.random.default_rng(21)
    for _ in range(150):
        shape = (int(rng.integers(1, 9)), int(rng.integers(1, 6)))
        dtype = str(rng.choice(_TSV_DTYPES))
        a = _strided(np, rng, _random_matrix(np, rng, shape, dtype))
        arr = P._matrix(a)
        fast = P._tensors_tsv(arr)
        assert arr._data is None  # the host path never made the pure data
        assert fast == P.tensors_tsv(_pure(np, a)), (dtype, shape)
        if a.dtype == np.float64:
            assert fast == P.tensors_tsv(a.tolist())
        if a.dtype.kind != "b":  # PyTorch's text: str(x.item()) per element (bools: 1/0 here)
            rows = ["\t".join(str(x.item()) for x in row) for row in a]
            assert fast == ("\n".join(rows) + "\n").encode("ascii")


def test_tensors_tsv_of_a_list_a_float64_array_and_a_float64_tensor_are_the_same():
    np = _numpy()
    torch = pytest.importorskip("torch", reason="compares a torch tensor's host path")
    a = _random_matrix(np, np.random.default_rng(4), (6, 5), "f8")
    expected = P.tensors_tsv(a.tolist())
    assert P.tensors_tsv(a) == expected
    assert P.tensors_tsv(torch.from_numpy(a)) == expected
    f32 = torch.from_numpy(a).float()
    assert P.tensors_tsv(f32) == P.tensors_tsv(f32.numpy()) == P.tensors_tsv(_pure(np, f32.numpy()))


def test_host_tensors_tsv_memory_is_one_block_at_a_time():
    np = _numpy()
    import tracemalloc

    mat = np.random.default_rng(1).standard_normal((1500, 128)).astype(np.float32)
    arr = P._matrix(mat)
    size = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        for chunk in P.tsv_chunks(arr):  # as a streaming writer would consume it
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert size > 4 * mat.nbytes  # the text is several times the input ...
    assert peak <= 2 * mat.nbytes, (peak, mat.nbytes)  # ... but only a block of it is alive


def test_host_sprites_are_the_pure_paths():
    np = _numpy()
    rng = np.random.default_rng(9)
    checked = 0
    for _ in range(60):
        shape = (
            int(rng.integers(1, 11)),
            int(rng.choice([1, 3])),
            int(rng.integers(1, 5)),
            int(rng.integers(1, 5)),
        )
        dtype = str(rng.choice(["u1", "f2", "f4", "f8", ">f8", "i4", "?"]))
        if dtype == "u1":
            a = rng.integers(0, 256, shape).astype(np.uint8)
        else:
            a = _random_matrix(np, rng, shape, dtype)
            if a.dtype.kind == "f":  # mostly in [0, 1], where the scaling matters
                # just under a level: float64 gives k - 1, rounded to float32 first it gives k
                edge = rng.integers(1, 256, shape) / 255 - 2.0**-40
                x = np.where(rng.random(shape) < 0.5, rng.random(shape), edge)
                with np.errstate(all="ignore"):
                    a = np.where(rng.random(shape) < 0.7, x, a).astype(dtype)
        if rng.random() < 0.3:  # stored in another axis order, viewed as (N, C, H, W)
            a = np.ascontiguousarray(a.transpose(3, 1, 0, 2)).transpose(2, 1, 3, 0)
        elif rng.random() < 0.3:  # every other image of a larger batch
            a = np.repeat(a, 2, axis=0)[::2]
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            fast = P.sprite_png(a)
        assert fast == P.sprite_png(_pure(np, a)), (dtype, shape)
        checked += 1
    assert checked == 60


def test_metadata_single_column_fast_check_agrees_with_the_per_cell_one():
    # _plain_column checks all labels at once; where it declines, the per-cell checks raise
    rng = random.Random(17)
    alphabet = ["a", "\u00e9", " ", "\t", "\n", "\r", "\u3000", "\ufeff", "\v", "0"]
    accepted = 0
    for _ in range(400):
        labels = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(4))) or "x"]
        labels += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(4))) for _ in range(3)]
        if rng.random() < 0.5:
            labels = [
                x if x.strip(P._JS_SPACE) and not set(x) & set("\t\n\r") else "ok" for x in labels
            ]
        fast = P._plain_column(labels)
        try:
            lines = [P._line([P._cell(x, "m")], "m") for x in labels]
        except ValueError:
            assert fast is None
            with pytest.raises(ValueError):
                P.metadata_tsv(labels)
            continue
        assert fast == ("\n".join(lines) + "\n").encode("utf-8") == P.metadata_tsv(labels)
        accepted += 1
    assert 50 < accepted < 350  # both outcomes were tried


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
def test_tensors_tsv_of_a_numpy_subclass_is_the_pure_paths():
    np = _numpy()
    m = np.matrix(np.random.default_rng(2).random((3, 4)).astype(np.float32))
    assert P.tensors_tsv(m) == P.tensors_tsv(_pure(np, m)) == P.tensors_tsv(np.asarray(m))
