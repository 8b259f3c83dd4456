"""tinytb._arrays and tinytb._image: array-likes without numpy, PyTorch's scaling and layouts.

Expected pixels are written out by hand from PyTorch's rules (torch/utils/tensorboard
summary.py ``image``, _utils.py ``convert_to_HWC``/``make_grid``/``_prepare_video``;
docs/pytorch-writer.md 3.1 and 3.2); conformance/ compares them with PyTorch itself.
"""

import math
import struct
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
