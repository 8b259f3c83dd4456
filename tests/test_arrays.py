"""tinytb._arrays beyond images: complex numbers (for add_tensor only), element types from buffer
item sizes, Python values typed as numpy.array types them, and the refusals media methods keep.

Expected values are written out by hand: IEEE binary32/64 and bfloat16 bit patterns (bfloat16 is
the top half of a binary32), and torch.tensor's type inference (float -> float32, int -> int64,
bool -> bool, complex -> complex64, [] -> float32).
"""

import enum
import struct
import warnings
from array import array

import pytest

from tinytb import SummaryWriter, _arrays

from vectors import FakeArray


class Interface:
    """numpy's duck type: ``__array_interface__``, ``tobytes`` and a ``dtype`` with a name."""

    class _DType:
        def __init__(self, name):
            self.name = name

    def __init__(self, raw, typestr, shape, dtype_name="?"):
        self._raw = raw
        self.__array_interface__ = {"typestr": typestr, "shape": shape, "version": 3}
        self.dtype = self._DType(dtype_name)

    def tobytes(self):
        return self._raw


class NumpyScalar:
    """A numpy scalar inside a list: shape (), dtype, tolist() -> a Python number."""

    class _DType:
        kind = "c"

    def __init__(self, value):
        self._value = value
        self.shape = ()
        self.dtype = self._DType()

    def tolist(self):
        return self._value


def test_complex_from_every_kind_of_input():
    c8 = Interface(struct.pack("<4f", 1.0, 2.0, 0.0, -0.5), "<c8", (2,))
    c16 = Interface(struct.pack(">2d", 3.0, -4.0), ">c16", (1, 1))
    for value, dtype, shape, numbers in [
        (c8, "complex64", (2,), [1 + 2j, -0.5j]),
        (c16, "complex128", (1, 1), [3 - 4j]),
        (FakeArray([1 + 2j], "complex128"), "complex128", (1,), [1 + 2j]),
        ([[1, 2j], [0.5, True]], "complex128", (2, 2), [1, 2j, 0.5, 1]),
        (1j, "complex128", (), [1j]),
        ([NumpyScalar(2 - 1j)], "complex128", (1,), [2 - 1j]),
    ]:
        arr = _arrays.as_array(value, "t", pixels=False, allow_complex=True)
        assert (arr.dtype, arr.shape, list(arr.data)) == (dtype, shape, numbers)
        assert isinstance(arr.data, _arrays.ComplexValues) and len(arr.data) == len(numbers)


def test_complex_lists_keep_float64_parts():
    # 0.1 is 0x3dcccccd in binary32: a list keeps Python's float64 parts, as numpy.array does
    arr = _arrays.as_array([0.1 + 0.1j], "t", pixels=False, allow_complex=True)
    assert arr.dtype == "complex128"
    assert arr.data.parts.tobytes() == struct.pack("=2d", 0.1, 0.1)
    assert arr.data[0] == arr.data[-1] == 0.1 + 0.1j
    with pytest.raises(IndexError):
        arr.data[1]
    # complex64 parts (a typed array) are float32
    parts = _arrays.ComplexValues.of([0.1 + 0.1j], "complex64").parts
    assert parts.tobytes() == struct.pack("=2f", 0.1, 0.1)


@pytest.mark.parametrize(
    "value",
    [
        Interface(b"", "<c8", (0,)),
        Interface(b"", "<c16", (0,)),
        FakeArray([1j], "complex64"),
        [1, 2j],
        1j,
        [NumpyScalar(1j)],
    ],
)
def test_complex_is_refused_unless_allowed(value):
    for pixels in (True, False):
        with pytest.raises(TypeError, match="img_tensor.*complex values cannot be used here"):
            _arrays.as_array(value, "img_tensor", pixels=pixels)


def test_unsupported_element_types_raise_the_builtin_the_caller_names():
    for kwargs, error in (({}, TypeError), ({"dtype_error": ValueError}, ValueError)):
        for value in (Interface(b"", "<M8", (0,)), [1j]):
            with pytest.raises(error, match="x") as info:
                _arrays.as_array(value, "x", **kwargs)
            assert type(info.value) is error  # the built-in itself, no subclass
    with pytest.raises(TypeError, match="x has an unsupported element type '<M8'"):
        _arrays.as_array(Interface(b"", "<M8", (0,)), "x")


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda w, v: w.add_image("i", v, 0), "img_tensor"),
        (lambda w, v: w.add_images("i", v, 0), "img_tensor"),
        (lambda w, v: w.add_histogram("h", v, 0), "values"),
        (lambda w, v: w.add_audio("a", v, 0), "snd_tensor"),
    ],
)
def test_media_methods_refuse_complex(tmp_path, call, name):
    with SummaryWriter(tmp_path) as w:
        for value in ([[[0.5j]]], [[[[1j]]]], Interface(b"\0" * 8, "<c8", (1, 1, 1))):
            with pytest.raises(TypeError, match=name):
                call(w, value)


@pytest.mark.parametrize("typecode", "bBhHiIlLqQfd")
def test_buffer_dtype_follows_the_item_size(typecode):
    values = array(typecode, [1, 2, 3])
    kind = {"f": "float", "d": "float"}.get(typecode, "int" if typecode.islower() else "uint")
    arr = _arrays.as_array(values, "x")
    assert arr.dtype == "%s%d" % (kind, 8 * values.itemsize)
    assert (arr.shape, list(arr.data)) == ((3,), [1, 2, 3])
    # the same buffer through a memoryview with a shape
    view = memoryview(values).cast("B").cast(typecode, (3, 1))
    arr = _arrays.as_array(view, "x")
    assert (arr.shape, list(arr.data)) == ((3, 1), [1, 2, 3])


def test_buffer_formats():
    assert _arrays.as_array(b"\x01\x00", "x").dtype == "uint8"
    arr = _arrays.as_array(memoryview(b"\x01\x00").cast("?"), "x")
    assert (arr.dtype, list(arr.data)) == ("bool", [True, False])
    arr = _arrays.as_array(memoryview(b"ab").cast("c"), "x")
    assert (arr.dtype, arr.data) == ("uint8", b"ab")
    for bad in (array("u", "ab"), memoryview(b"\0" * 8).cast("P")):
        with pytest.raises(TypeError, match="x has an unsupported element type: buffer format"):
            _arrays.as_array(bad, "x")


def test_bfloat16_bits_as_ml_dtypes_stores_them():
    # 0x3f80 is 1.0, 0xc049 is -3.140625, 0x7f80 is inf
    for order, fmt in (("<", "<3H"), (">", ">3H")):
        raw = struct.pack(fmt, 0x3F80, 0xC049, 0x7F80)
        arr = _arrays.as_array(Interface(raw, order + "V2", (3,), "bfloat16"), "x")
        assert (arr.dtype, list(arr.data)) == ("bfloat16", [1.0, -3.140625, float("inf")])
    with pytest.raises(TypeError, match="unsupported element type"):
        _arrays.as_array(Interface(b"\0\0", "|V2", (1,), "void16"), "x")


def test_python_values_are_typed_as_numpy_array_types_them():
    # lists mean float64 (numpy.array, tensorboardX), never a silent rounding to float32
    class Level(enum.IntEnum):
        LOW = 1

    cases = [
        ([], "float64", (0,)),
        ([[], []], "float64", (2, 0)),
        ([True, False], "bool", (2,)),
        ([True, 2], "int64", (2,)),
        ([Level.LOW, 2], "int64", (2,)),
        ([1, 2.5], "float64", (2,)),
        ([True, 2.5], "float64", (2,)),
        (3, "int64", ()),
        (2.5, "float64", ()),
        ([[1, 2], FakeArray([3, 4], "int8")], "int64", (2, 2)),  # an array inside a list
    ]
    for value, dtype, shape in cases:
        arr = _arrays.as_array(value, "x", pixels=False)
        assert (arr.dtype, arr.shape) == (dtype, shape), value
    assert type(_arrays.as_array([Level.LOW], "x", pixels=False).data[0]) is int
    # floats keep every bit: 0.1 is not rounded to float32's 0.10000000149011612
    assert list(_arrays.as_array([0.1, 1, True], "x", pixels=False).data) == [0.1, 1.0, 1.0]
    assert all(type(v) is float for v in _arrays.as_array([1, 2.5], "x", pixels=False).data)
    with pytest.raises(ValueError, match="x holds an int too large"):
        _arrays.as_array([0.5, 10**400], "x", pixels=False)
    # images keep Python ints as uint8 pixels
    assert _arrays.as_array([1, 2], "x").dtype == "uint8"


# -- size limits: measured from the declared shape, before anything is read --------------------


class _Unreadable(Interface):
    """numpy's broadcast_to view: a tiny buffer, a huge declared shape."""

    def tobytes(self):
        raise AssertionError("the data was read before the size was checked")


class _TorchExpand:
    """torch's expand(): dtype 'torch.float32', a huge shape, no readable data."""

    dtype = "torch.float32"

    def __init__(self, shape):
        self.shape = shape

    def detach(self):
        raise AssertionError("the tensor was copied before the size was checked")


class _TolistHuge(FakeArray):
    def tolist(self):
        raise AssertionError("the data was read before the size was checked")

    def reshape(self, *shape):
        raise AssertionError("the data was read before the size was checked")


HUGE = 1 << 40


@pytest.mark.parametrize(
    "value",
    [
        _Unreadable(b"\0" * 4, "<f4", (HUGE, HUGE)),
        _Unreadable(b"\0", "|u1", (1 << 31,)),  # uint8: one byte over the limit
        _TorchExpand((1 << 20, 1 << 20)),
        _TolistHuge([0.0], "float64", (1 << 28,)),  # 2 GiB of float64
    ],
    ids=["array_interface", "uint8", "torch", "tolist"],
)
def test_declared_shapes_beyond_the_limit_are_refused_unread(value):
    with pytest.raises(ValueError, match="img_tensor is too large"):
        _arrays.as_array(value, "img_tensor")


def test_the_limit_is_the_protobuf_message_size():
    assert _arrays.MAX_ARRAY_BYTES == 2**31 - 1  # protobuf's hard limit, minus one byte
    _arrays.check_size((2**31 - 1,), 1, "tensor")  # exactly at the limit: fine
    with pytest.raises(ValueError, match="tensor is too large"):
        _arrays.check_size((2**30,), 2, "tensor")
    with pytest.raises(ValueError, match="tensor is too large"):
        _arrays.check_size((3, 2**29), 2, "tensor")


def test_a_shaped_memoryview_is_measured_too():
    view = memoryview(bytearray(8)).cast("f", (2,))
    assert _arrays.as_array(view, "x").shape == (2,)


# -- the caller's own array (issue 13): kept as ``host``, data made only on first use ---------


def test_a_numpy_array_is_kept_as_the_host_and_read_lazily():
    np = pytest.importorskip("numpy", reason="the host path needs a numpy array")
    for values in (
        np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        np.arange(12, dtype=">f8").reshape(4, 3)[:, ::2],  # big-endian, not contiguous
        np.array([[True, False]]),
        np.arange(-5, 5, dtype=np.int16),
        np.array([1 + 2j, -0.5j], dtype=np.complex64),
        np.array(2.5, dtype=np.float32),  # 0-d
    ):
        arr = _arrays.as_array(values, "x", pixels=False, allow_complex=True)
        assert arr.host is values
        assert arr.shape == np.shape(values)
        assert arr.dtype == np.asarray(values).dtype.name
        # the lazy data equals the buffer path's eager read of the same elements
        plain = _arrays.as_array(
            memoryview(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("="))),
            "x",
            pixels=False,
            allow_complex=True,
        )
        assert list(arr.data) == list(plain.data)
        assert arr.data is arr.data  # made once


def test_no_host_for_lists_buffers_and_bare_interfaces():
    assert _arrays.as_array([0.5, 2.0], "x", pixels=False).host is None
    np = pytest.importorskip("numpy", reason="numpy's scalars and subclasses")
    # a numpy scalar, np.matrix (2-D through ravel) and a masked array take the pure path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # numpy's word on matrix
        matrix = np.matrix([[1.0, 2.0]])
    for value in (np.float32(2.5), matrix, np.ma.masked_array([1.0, 2.0])):
        arr = _arrays.as_array(value, "x", pixels=False)
        assert arr.host is None and list(arr.data) == np.asarray(value).ravel().tolist()
    assert _arrays.as_array(array("f", [0.5]), "x", pixels=False).host is None
    bare = Interface(struct.pack("<2f", 1.0, 2.0), "<f4", (2,))
    arr = _arrays.as_array(bare, "x", pixels=False)
    assert arr.host is None and list(arr.data) == [1.0, 2.0]


def test_a_torch_tensor_hosts_its_numpy_view():
    torch = pytest.importorskip("torch", reason="the torch host path needs torch")
    t = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    arr = _arrays.as_array(t, "x", pixels=False)
    assert arr.dtype == "float64" and arr.shape == (2, 3)
    assert arr.host is not None and arr.host.tolist() == t.tolist()
    assert list(arr.data) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    # bfloat16 has no numpy dtype: read through float32, no host
    b = _arrays.as_array(torch.tensor([1.0, -3.140625], dtype=torch.bfloat16), "x", pixels=False)
    assert b.dtype == "bfloat16" and b.host is None and list(b.data) == [1.0, -3.140625]


def test_a_list_a_float64_array_and_a_float64_tensor_write_the_same_tensor():
    from tinytb import summary

    np = pytest.importorskip("numpy", reason="compares a list with a numpy array")
    values = [[0.1, -2.5, 1e300], [5e-324, -0.0, 3.0]]
    expected = summary.tensor_proto("t", values)
    assert summary.tensor_proto("t", np.array(values)) == expected
    torch = pytest.importorskip("torch", reason="compares with a torch tensor")
    assert summary.tensor_proto("t", torch.tensor(values, dtype=torch.float64)) == expected
