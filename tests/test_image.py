"""tinytb._arrays and tinytb._image: array-likes without numpy, PyTorch's scaling and layouts.

Expected pixels are written out by hand from PyTorch's rules (torch/utils/tensorboard
summary.py ``image``, _utils.py ``convert_to_HWC``/``make_grid``/``_prepare_video``;
docs/pytorch-writer.md 3.1 and 3.2); conformance/ compares them with PyTorch itself.
"""

import math
import struct
import warnings
from array import array

import pytest

from tinytb import _arrays, _image

from vectors import FakeArray


class Interface:
    """An object with numpy's ``__array_interface__`` and ``tobytes`` (numpy's duck type)."""

    def __init__(self, raw, typestr, shape):
        self._raw = raw
        self.__array_interface__ = {"typestr": typestr, "shape": shape, "version": 3}

    def tobytes(self):
        return self._raw


def test_as_array_kinds():
    a = _arrays.as_array([[1, 2], [3, 4]], "x")
    assert (a.dtype, a.shape, a.data) == ("uint8", (2, 2), bytes([1, 2, 3, 4]))
    a = _arrays.as_array([[0.5, 1], [0, 0.25]], "x")
    assert (a.dtype, a.shape, list(a.data)) == ("float64", (2, 2), [0.5, 1.0, 0.0, 0.25])
    a = _arrays.as_array(array("f", [0.1, 0.2]), "x")
    assert a.dtype == "float32" and a.shape == (2,)
    assert list(a.data) == list(array("f", [0.1, 0.2]))
    mv = memoryview(bytes(range(24))).cast("B", (2, 3, 4))
    a = _arrays.as_array(mv, "x")
    assert (a.dtype, a.shape, a.data) == ("uint8", (2, 3, 4), bytes(range(24)))
    a = _arrays.as_array(Interface(struct.pack("<3e", 1.0, -2.0, 0.5), "<f2", (3,)), "x")
    assert (a.dtype, list(a.data)) == ("float16", [1.0, -2.0, 0.5])
    a = _arrays.as_array(Interface(struct.pack(">2d", 1.5, 2.5), ">f8", (1, 2)), "x")
    assert (a.dtype, a.shape, list(a.data)) == ("float64", (1, 2), [1.5, 2.5])
    a = _arrays.as_array(Interface(bytes([1, 0]), "|b1", (2,)), "x")
    assert (a.dtype, list(a.data)) == ("bool", [True, False])
    assert _arrays.as_array(True, "x").dtype == "bool"


@pytest.mark.parametrize(
    "value,error,match",
    [
        ([[1, 2], [3]], ValueError, "ragged"),
        ([["a"]], TypeError, "elements must be numbers"),
        ([[300]], ValueError, "0..255"),
        ([[-1]], ValueError, "0..255"),
        ("img", TypeError, "must be an array"),
        (object(), TypeError, "must be an array"),
        (Interface(b"", "<c16", (0,)), TypeError, "unsupported element type"),
    ],
)
def test_as_array_errors_name_the_argument(value, error, match):
    with pytest.raises(error, match=match) as info:
        _arrays.as_array(value, "img_tensor")
    assert "img_tensor" in str(info.value)


def test_scaling_follows_pytorch():
    floats = _arrays.as_array(
        [0.0, 0.5, 1.0, -0.1, 1.2, float("nan"), float("inf"), float("-inf"), 0.999], "x"
    )
    # x.astype(float32) * 255, clip, truncate
    # (docs/pytorch-writer.md 3.1: 0.5 -> 127, -0.1 -> 0, 1.2 -> 255)
    assert list(_image.to_uint8(floats)) == [0, 127, 255, 0, 255, 0, 255, 0, 254]
    # uint8 kept, other integer types saturate (an int64 0..255 image is not unscaled)
    assert _image.to_uint8(_arrays.as_array([0, 7, 255], "x")) == bytes([0, 7, 255])
    ints = _arrays.as_array(FakeArray([0, 1, 7, -3], "int64"), "x")
    assert list(_image.to_uint8(ints)) == [0, 255, 255, 0]
    bools = _arrays.as_array([True, False], "x")
    assert list(_image.to_uint8(bools)) == [255, 0]


def test_float64_input_is_rounded_to_float32_first():
    # PyTorch: tensor.astype(np.float32) * 255. 1 - 2**-30 is 1.0 in float32 (pixel 255); in
    # float64 it would give 254.
    y = 1.0 - 2.0**-30
    assert int(y * 255.0) == 254
    assert _image.to_uint8(_arrays.Array("float64", (1,), [y])) == bytes([255])
    assert _image.to_uint8(_arrays.Array("float64", (2,), [0.5019607843137255, 1e300])) == bytes(
        [128, 255]
    )


def test_layouts():
    # CHW 3x1x2 -> HWC
    chw = [[[1, 2]], [[3, 4]], [[5, 6]]]
    assert _image.image_hwc(chw, "CHW") == (1, 2, 3, bytes([1, 3, 5, 2, 4, 6]))
    assert _image.image_hwc(chw, "chw") == (1, 2, 3, bytes([1, 3, 5, 2, 4, 6]))
    # HWC passes through; 1 channel is repeated to RGB; RGBA and grey+alpha are kept
    hwc = [[[1, 2, 3, 4]]]
    assert _image.image_hwc(hwc, "HWC") == (1, 1, 4, bytes([1, 2, 3, 4]))
    assert _image.image_hwc([[[9]]], "HWC") == (1, 1, 3, bytes([9, 9, 9]))
    assert _image.image_hwc([[[9, 8]]], "HWC") == (1, 1, 2, bytes([9, 8]))
    # HW and WH: the plane stacked three times
    assert _image.image_hwc([[1, 2, 3]], "HW") == (1, 3, 3, bytes([1, 1, 1, 2, 2, 2, 3, 3, 3]))
    assert _image.image_hwc([[1], [2]], "WH") == (1, 2, 3, bytes([1, 1, 1, 2, 2, 2]))
    # an unusual order: WCH
    wch = [[[1], [2], [3]], [[4], [5], [6]]]  # W=2, C=3, H=1
    assert _image.image_hwc(wch, "WCH") == (1, 2, 3, bytes([1, 2, 3, 4, 5, 6]))


def test_grid_of_a_batch():
    # 10 grey 1x1 images, NCHW: 8 columns, 2 rows, the unused cells zero, grey -> RGB
    batch = [[[[i + 1]]] for i in range(10)]
    h, w, c, px = _image.image_hwc(batch, "NCHW")
    assert (h, w, c) == (2, 8, 3)
    row0 = bytes(v for i in range(8) for v in (i + 1,) * 3)
    row1 = bytes([9] * 3 + [10] * 3 + [0] * 18)
    assert px == row0 + row1
    # NHWC gives the same grid
    assert _image.image_hwc([[[[i + 1]]] for i in range(10)], "NHWC") == (h, w, c, px)


def test_transpose_matches_index_arithmetic():
    shape = (2, 3, 4, 5)
    data = bytes(range(120))
    perm = (2, 0, 3, 1)
    out = _image.transpose(data, shape, perm)
    new_shape = [shape[p] for p in perm]
    strides = [60, 20, 5, 1]
    expected = bytearray()
    for a in range(new_shape[0]):
        for b in range(new_shape[1]):
            for c in range(new_shape[2]):
                for d in range(new_shape[3]):
                    idx = dict(zip(perm, (a, b, c, d)))
                    expected.append(data[sum(idx[k] * strides[k] for k in range(4))])
    assert out == bytes(expected)


@pytest.mark.parametrize(
    "value,fmt,match",
    [
        ([[[1]]], "CHWW", "repeats a letter"),
        ([[[1]]], "CCH", "repeats a letter"),
        ([[[1]]], "XYZ", "order of HW, CHW or NCHW"),
        ([[1, 2]], "CHW", "does not match"),
        ([[[]]], "CHW", "empty"),
        ([[[1] * 5]], "HWC", "5 channels"),
    ],
)
def test_bad_shapes_and_formats(value, fmt, match):
    with pytest.raises(ValueError, match=match):
        _image.image_hwc(value, fmt)


def test_video_grid_and_frames():
    # N=3 videos, T=2, C=1, 1x1: padded to 4, 1 row of 4 (docs/pytorch-writer.md 3.2: N=3 -> 1x4)
    vid = [[[[[10 * b + t]]] for t in range(2)] for b in range(3)]
    h, w, c, frames = _image.video_frames(vid, "vid_tensor")
    assert (h, w, c) == (1, 4, 1)
    assert frames == [bytes([0, 10, 20, 0]), bytes([1, 11, 21, 0])]
    # N=8 -> 2 rows x 4 columns
    vid = [[[[[b]]]] for b in range(8)]
    h, w, c, frames = _image.video_frames(vid, "vid_tensor")
    assert (h, w) == (2, 4) and frames == [bytes([0, 1, 2, 3, 4, 5, 6, 7])]
    with pytest.raises(ValueError, match="5 dimensions"):
        _image.video_frames([[[1]]], "vid_tensor")


def test_video_uint8_round_trip_is_exact():
    # uint8 / 255 * 255 in float32 returns every value unchanged (PyTorch's _prepare_video)
    assert _image._video_u8_table() == bytes(range(256))


def test_to_rgb():
    assert _image.to_rgb(bytes([5]), 1) == bytes([5, 5, 5])
    assert _image.to_rgb(bytes([5, 9]), 2) == bytes([5, 5, 5])
    assert _image.to_rgb(bytes([1, 2, 3, 4]), 4) == bytes([1, 2, 3])


def test_normalised_8bit_images_take_the_level_path_and_agree_with_the_general_one():
    levels = array("f", [k / 255.0 for k in range(256)] * 3)
    arr = _arrays.Array("float32", (len(levels),), levels)
    fast = _image._from_8bit_levels(levels)
    assert fast == bytes(range(256)) * 3
    assert _image.to_uint8(arr) == fast
    # general path on the same values (a list is not an array: no level path)
    assert _image.to_uint8(_arrays.Array("float32", (len(levels),), list(levels))) == fast
    # one value a float32 ulp off a level: not all levels, and the general path decides
    off = array("f", levels)
    bits = struct.unpack("<I", struct.pack("<f", off[-1]))[0]
    off[-1] = struct.unpack("<f", struct.pack("<I", bits - 1))[0]
    assert _image._from_8bit_levels(off) is None
    assert _image.to_uint8(_arrays.Array("float32", (len(off),), off))[-1] == 254
    # a value outside [0, 1]
    assert _image._from_8bit_levels(array("f", [0.0, 2.0])) is None


# -- size limits: checked before the pixels are allocated ---------------------------------------


class _NoData(FakeArray):
    def tolist(self):
        raise AssertionError("pixels were read before the size was checked")


def test_check_pixels():
    _image.check_pixels(1 << 14, 1 << 14, "img_tensor")  # 16384 x 16384: the limit
    with pytest.raises(ValueError, match="img_tensor makes a 16385 x 16384 image"):
        _image.check_pixels(1 << 14, (1 << 14) + 1, "img_tensor")


def _declared(monkeypatch, shape):
    # an input of this shape, under the array limit, whose pixels must not be touched
    monkeypatch.setattr(_image, "as_array", lambda value, name: _arrays.Array("uint8", shape, None))
    monkeypatch.setattr(_image, "to_uint8", _NoData.tolist)


def test_a_grid_beyond_the_limit_is_refused_before_scaling(monkeypatch):
    # 4097 images of 1 x 256 x 256 pixels as uint8 are 256 MiB of input (under the array
    # limit) but a grid of 8 x 513 tiles: 2048 x 131328 pixels, over MAX_IMAGE_PIXELS.
    _declared(monkeypatch, (4097, 1, 256, 256))
    with pytest.raises(ValueError, match="img_tensor makes a 2048 x 131328 image"):
        _image.image_hwc(None, "NCHW", "img_tensor")


def test_rescale_beyond_the_limit_is_refused():
    with pytest.raises(ValueError, match="rescale makes a"):
        _image.scaled_size(100, 100, 1000.0)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="rescale must be a positive finite number"):
            _image.scaled_size(100, 100, bad)
    with pytest.raises(ValueError, match="empty"):
        _image.scaled_size(100, 100, 0.001)
    assert _image.scaled_size(100, 50, 0.5) == (50, 25)


def test_a_video_beyond_the_limit_is_refused_before_its_frames(monkeypatch):
    # 2**16 grey frames of 128 x 128: 1 GiB of input, 3 GiB of RGB frames (MAX_VIDEO_BYTES)
    _declared(monkeypatch, (1, 1 << 16, 1, 128, 128))
    with pytest.raises(ValueError, match="vid_tensor: 65536 frames"):
        _image.video_frames(None, "vid_tensor")


def test_boxes_must_be_finite():
    assert _image.boxes([[0, 1, 2, 3]], "box_tensor") == [(0, 1, 2, 3)]
    with pytest.raises(ValueError, match="box_tensor must hold finite numbers, found nan"):
        _image.boxes([[0, math.nan, 2, 3]], "box_tensor")
    with pytest.raises(ValueError, match=r"box_tensor must have shape \(N, 4\)"):
        _image.boxes([0, 1, 2, 3], "box_tensor")


# -- the caller's numpy array (Array.host) -----------------------------------------------------
# The fast path drives the caller's numpy array through its own methods; the pure path (a
# memoryview of the same elements: no host) is the reference, and the bytes must be the same.


def _numpy():
    return pytest.importorskip("numpy", reason="the host fast path is driven by numpy arrays")


# values that take every branch of the scaling: on and between the 8-bit levels, the ends,
# beyond [0, 1], NaN, infinities, signed zeros, denormals of float32 and float64, and float64
# values that round across a level or overflow when cast to float32
_SPECIAL = [
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    0.5,
    1 / 255,
    254 / 255,
    1 - 2**-30,
    1 + 2**-23,
    255 / 256,
    1 / 256,
    1 / 256 - 2**-40,
    5e-324,
    1e-45,
    1.1754942e-38,
    1e300,
    -1e300,
    3.4e38,
    65504.0,
    -1e-9,
]
_DTYPES = ["u1", "f2", "f4", "f8", ">f4", ">f8", ">f2", "i1", ">i2", "i4", "u8", "?"]


def _random_values(np, rng, shape, dtype):
    """An array of ``shape``/``dtype`` whose values mix levels, in-between values and specials."""
    x = rng.random(shape) * 1.4 - 0.2
    kind = rng.integers(3)
    if kind == 0:
        x = np.floor(rng.random(shape) * 256) / 255  # exactly on the levels (as float64)
    mask = rng.random(shape) < 0.25
    x[mask] = rng.choice(np.array(_SPECIAL), int(mask.sum()))
    with np.errstate(all="ignore"):
        if np.dtype(dtype).kind in "iub":
            if np.dtype(dtype).kind == "b":
                return rng.random(shape) < 0.5
            if dtype == "u1":
                return rng.integers(0, 256, shape).astype(dtype)
            return rng.integers(-3, 4, shape).astype(dtype)
        return x.astype(dtype)


def _random_view(np, rng, a):
    """``a`` itself, or a non-contiguous view of the same shape (transposed back, strided)."""
    choice = rng.integers(3)
    if choice == 1:  # transposed storage, viewed in the original axis order
        perm = tuple(int(p) for p in rng.permutation(a.ndim))
        inverse = tuple(int(p) for p in np.argsort(perm))
        return np.ascontiguousarray(a.transpose(perm)).transpose(inverse)
    if choice == 2:  # every other element along the last axis of a wider array
        wide = np.repeat(a, 2, axis=-1)
        wide[..., 1::2] = 0
        return wide[..., ::2]
    return a


def _pure(np, a):
    """The same elements without a host: the buffer path (memoryview of a C-order copy)."""
    return memoryview(np.ascontiguousarray(a))


@pytest.mark.parametrize("block", [7, 1 << 16])
def test_host_images_are_the_pure_paths_pixels(monkeypatch, block):
    np = _numpy()
    monkeypatch.setattr(_image, "_BLOCK", block)  # blocks that split rows, and the default
    rng = np.random.default_rng(13)
    letters = {2: "HW", 3: "HWC", 4: "NCHW"}
    checked = 0
    for _ in range(300):
        ndim = int(rng.integers(2, 5))
        fmt = "".join(rng.permutation(list(letters[ndim])))
        sizes = {k: int(rng.integers(1, 7)) for k in "NHW"}
        sizes["C"] = int(rng.choice([1, 2, 3, 4]))
        if rng.random() < 0.3:
            sizes["N"] = int(rng.integers(7, 20))  # more than 8 columns: a partial last row
        shape = tuple(sizes[k] for k in fmt)
        dtype = str(rng.choice(_DTYPES))
        a = _random_view(np, rng, _random_values(np, rng, shape, dtype))
        before = a.copy()
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy warning may reach the caller
            fast = _image.image_hwc(a, fmt.lower() if rng.random() < 0.2 else fmt)
        assert fast == _image.image_hwc(_pure(np, a), fmt), (dtype, shape, fmt)
        if a.dtype == np.float64:
            assert fast == _image.image_hwc(a.tolist(), fmt)
        assert np.array_equal(a, before, equal_nan=a.dtype.kind == "f")  # never written
        checked += 1
    assert checked == 300


def test_host_scaling_of_every_kind_of_float32():
    # random bit patterns: every exponent, NaN payloads of both signs, denormals
    np = _numpy()
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 1 << 32, 200_000, dtype=np.uint64).astype(np.uint32)
    with np.errstate(all="ignore"):
        tiny = bits.view(np.float32) * np.float32(2**-100)  # denormals and zeros
    for values in (bits.view(np.float32), tiny):
        arr = _arrays.as_array(values, "x")
        fast = _image.to_uint8(arr)
        assert arr._data is None  # the host path never made the pure data
        assert fast == _image.to_uint8(_arrays.as_array(_pure(np, values), "x"))
    # and the whole of [0, 1] at a fine step, where the float32 product is rounded
    grid = np.arange(0, 1 << 24, 7, dtype=np.uint32).view(np.float32)[: 1 << 21]
    grid = (grid.view(np.uint32) + np.uint32(0x3B800000)).view(np.float32)  # from 1/256 up
    assert _image.to_uint8(_arrays.as_array(grid, "x")) == _image.to_uint8(
        _arrays.as_array(_pure(np, grid), "x")
    )


def test_host_video_frames_are_the_pure_paths():
    np = _numpy()
    rng = np.random.default_rng(3)
    for _ in range(40):
        shape = (
            int(rng.integers(1, 6)),
            int(rng.integers(1, 4)),
            int(rng.choice([1, 3, 4])),
            int(rng.integers(1, 5)),
            int(rng.integers(1, 5)),
        )
        dtype = str(rng.choice(_DTYPES))
        a = _random_view(np, rng, _random_values(np, rng, shape, dtype))
        with np.errstate(all="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            fast = _image.video_frames(a)
        assert fast == _image.video_frames(_pure(np, a)), (dtype, shape)


def test_a_list_a_float64_array_and_a_float64_tensor_give_the_same_image():
    np = _numpy()
    torch = pytest.importorskip("torch", reason="compares a torch tensor's host path")
    rng = np.random.default_rng(8)
    a = _random_values(np, rng, (3, 5, 6), "f8")
    expected = _image.image_hwc(a.tolist(), "CHW")
    assert _image.image_hwc(a, "CHW") == expected
    assert _image.image_hwc(torch.from_numpy(a), "CHW") == expected
    with np.errstate(all="ignore"):
        rounded = a.astype(np.float32)
    assert _image.image_hwc(torch.from_numpy(a).float(), "CHW") == _image.image_hwc(rounded, "CHW")


def test_host_image_memory_stays_under_twice_the_input():
    np = _numpy()
    import tracemalloc

    img = np.random.default_rng(1).random((3, 256, 256)).astype(np.float32)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        _image.image_hwc(img, "CHW")
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak <= 2 * img.nbytes, (peak, img.nbytes)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
def test_numpy_subclasses_take_the_pure_path():
    # np.matrix stays 2-D through ravel and indexing: its methods mean something else
    np = _numpy()
    m = np.matrix(np.random.default_rng(2).random((4, 5)))
    arr = _arrays.as_array(m, "x")
    assert arr.host is None  # _arrays keeps only numpy's own ndarray (or memmap) as a host
    assert _image.image_hwc(m, "HW") == _image.image_hwc(_pure(np, m), "HW")
    assert _arrays.as_array(np.asarray(m), "x").host is not None
