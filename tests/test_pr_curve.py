"""tinytb._pr_curve: PyTorch's compute_curve (and numpy's histogram arithmetic) without numpy.

Expected values: the verified vector of docs/pytorch-writer.md section 7 (torch 2.13 /
numpy 2.4.6), small cases worked out by hand below, and a slow reference written plainly from
numpy's semantics (``_reference``) on random inputs. conformance/test_pr_curve_parity.py
compares against PyTorch itself.
"""

import math
import random
import struct
from array import array

import pytest

from tinytb import _pr_curve
from tinytb._pr_curve import compute_curve


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _f16(x):
    return struct.unpack("<e", struct.pack("<e", x))[0]


def _bits(rows):
    """Rows as comparable keys: exact float64 bits (so -0.0 != 0.0), NaN as one value."""
    return [["nan" if x != x else struct.pack("<d", x) for x in row] for row in rows]


def _reference(labels, predictions, T, weights=None, rounding=None):
    """compute_curve written plainly from numpy's semantics, item by item:

    index = floor(p * (T - 1)), the product rounded to float32/float16 first when the
    predictions are of that type; each bucket accumulates label * w and (1 - label) * w in
    item order within blocks of 65536 items (np.histogram's BLOCK, one np.bincount each), the
    block sums added to the running totals; reverse cumulative sums; tn = fp[0] - fp,
    fn = tp[0] - tp; precision and recall divide by np.maximum(1e-7, .), which keeps NaN."""
    n = len(labels)
    if weights is None:
        w = [1.0] * n
    elif isinstance(weights, (int, float)):
        w = [float(weights)] * n
    else:
        w = [float(x) for x in weights]
    index = []
    for p in predictions:
        x = p * (T - 1)
        if rounding == "f":
            x = _f32(x)
        elif rounding == "e":
            x = _f16(x)
        index.append(math.floor(x))
    tp_bucket = [0.0] * T
    fp_bucket = [0.0] * T
    for start in range(0, n, 65536):
        block_tp = [0.0] * T
        block_fp = [0.0] * T
        for i in range(start, min(n, start + 65536)):
            label = float(labels[i])
            block_tp[index[i]] += label * w[i]
            block_fp[index[i]] += (1.0 - label) * w[i]
        for k in range(T):
            tp_bucket[k] += block_tp[k]
            fp_bucket[k] += block_fp[k]
    tp = [0.0] * T
    fp = [0.0] * T
    tp[T - 1], fp[T - 1] = tp_bucket[T - 1], fp_bucket[T - 1]
    for k in range(T - 2, -1, -1):
        tp[k] = tp[k + 1] + tp_bucket[k]
        fp[k] = fp[k + 1] + fp_bucket[k]
    tn = [fp[0] - x for x in fp]
    fn = [tp[0] - x for x in tp]

    def at_least(x):
        return x if math.isnan(x) else max(1e-7, x)

    precision = [t / at_least(t + f) for t, f in zip(tp, fp)]
    recall = [t / at_least(t + f) for t, f in zip(tp, fn)]
    return [tp, fp, tn, fn, precision, recall]


# ---------------------------------------------------------------------------
# Section 7's verified vector and hand-worked cases


def test_spec_vector():
    rows = compute_curve([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4], 5)
    assert rows == [
        [3.0, 3.0, 2.0, 1.0, 0.0],
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 1.0, 2.0, 3.0],
        [0.75, 1.0, 1.0, 1.0, 0.0],
        [1.0, 1.0, 2 / 3, 1 / 3, 0.0],
    ]
    assert all(type(x) is float for row in rows for x in row)
    # the table shows the float32 values written to the event: .6666667, .33333334
    assert struct.pack("<f", rows[5][2]) == struct.pack("<f", 0.6666667)
    assert struct.pack("<f", rows[5][3]) == struct.pack("<f", 0.33333334)


def test_spec_vector_with_a_scalar_weight():
    rows = compute_curve([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4], 5, weights=2.0)
    assert rows[:4] == [
        [6.0, 6.0, 4.0, 2.0, 0.0],
        [2.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 2.0, 2.0, 2.0, 2.0],
        [0.0, 0.0, 2.0, 4.0, 6.0],
    ]
    assert rows[4:] == [[0.75, 1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 2 / 3, 1 / 3, 0.0]]


def test_per_item_weights():
    # buckets floor(p * 4): .9 -> 3, .2 -> 0, .6 -> 2, .4 -> 1
    rows = compute_curve([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4], 5, weights=[1, 2, 3, 4])
    assert rows == [
        [8.0, 8.0, 4.0, 1.0, 0.0],
        [2.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 2.0, 2.0, 2.0, 2.0],
        [0.0, 0.0, 4.0, 7.0, 8.0],
        [0.8, 1.0, 1.0, 1.0, 0.0],
        [1.0, 1.0, 0.5, 0.125, 0.0],
    ]


def test_a_single_weight_in_a_sequence_broadcasts():
    assert compute_curve([1, 0, 1], [0.9, 0.2, 0.6], 3, weights=[3]) == compute_curve(
        [1, 0, 1], [0.9, 0.2, 0.6], 3, weights=3
    )


def test_fractional_labels():
    # bucket floor(p * 1): 0 and 1; tp buckets [0.5, 0.25], fp buckets [0.5, 0.75]
    rows = compute_curve([0.5, 0.25], [0.0, 1.0], 2)
    assert rows == [
        [0.75, 0.25],
        [1.25, 0.75],
        [0.0, 0.5],
        [0.0, 0.5],
        [0.375, 0.25],
        [1.0, 0.25 / 0.75],
    ]


def test_labels_other_than_zero_and_one_count_as_numbers():
    # label 2: tp weight 2, fp weight 1 - 2 = -1 (PyTorch accepts any number)
    rows = compute_curve([2, 0], [0.5, 0.5], 2)
    assert rows[0] == [2.0, 0.0] and rows[1] == [0.0, 0.0]


def test_prediction_one_is_the_last_bucket_and_zero_the_first():
    rows = compute_curve([1, 1], [0.0, 1.0], 4)
    assert rows[0] == [2.0, 1.0, 1.0, 1.0]
    assert rows[5] == [1.0, 0.5, 0.5, 0.5]


def test_all_negative():
    rows = compute_curve([0, 0, 0], [0.1, 0.5, 0.9], 3)  # buckets 0, 1, 1
    assert rows == [
        [0.0, 0.0, 0.0],
        [3.0, 2.0, 0.0],
        [0.0, 1.0, 3.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
    ]


def test_all_positive_and_two_thresholds():
    rows = compute_curve([True, True], [0.2, 0.8], 2)  # both in bucket 0
    assert rows == [[2.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 2.0], [1.0, 0.0], [1.0, 0.0]]


def test_empty_input_gives_zeros():
    assert compute_curve([], [], 4) == [[0.0] * 4] * 6


def test_precision_divides_by_at_least_1e_7():
    rows = compute_curve([1], [0.5], 2, weights=1e-9)
    assert rows[4] == [1e-9 / 1e-7, 0.0] and rows[5] == [1e-9 / 1e-7, 0.0]


def test_an_infinite_weight_keeps_numpys_nan():
    # tp bucket 1 * inf = inf, fp bucket 0 * inf = nan; np.maximum(1e-7, nan) is nan, so
    # precision is inf / nan = nan (max() would give 1e-7 and inf)
    rows = compute_curve([1], [0.5], 2, weights=[math.inf])
    assert rows[0] == [math.inf, 0.0]
    assert math.isnan(rows[1][0]) and rows[1][1] == 0.0
    assert math.isnan(rows[4][0]) and rows[4][1] == 0.0
    assert math.isnan(rows[5][0]) and rows[5][1] == 0.0


def test_numpys_block_sums():
    # np.histogram adds weights 65536 items at a time: 65536 ones, then ten 2**-37 (half an
    # ulp of 65536 each). One running sum would stay at 65536; block sums do not.
    n = 65536 + 10
    weights = [1.0] * 65536 + [2.0**-37] * 10
    rows = compute_curve([1] * n, [0.5] * n, 2, weights=weights)
    assert rows[0] == [65536.0 + 10 * 2.0**-37, 0.0]
    running = 0.0
    for w in weights:
        running += w
    assert running == 65536.0 != rows[0][0]


def test_numpys_block_sums_with_a_scalar_weight():
    n = 65536 + 3
    rows = compute_curve([1] * n, [0.25] * n, 2, weights=0.1)
    block = 0.0
    for _ in range(65536):
        block += 0.1
    tail = 0.1 + 0.1 + 0.1
    assert rows[0][0] == block + tail
    running = block
    for _ in range(3):
        running += 0.1
    assert running != block + tail  # the test can tell the two apart


# ---------------------------------------------------------------------------
# float32 / float16 predictions: numpy multiplies in the array's own type


def test_float32_product_rounds_up_into_the_next_bucket():
    p = float.fromhex("0x1.0820820000000p-1")  # a float32 value just below 65/126
    assert _f32(p) == p and p * 126 < 65.0 and _f32(p * 126) == 65.0
    assert compute_curve([1], [p], 127)[0][64:66] == [1.0, 0.0]
    assert compute_curve([1], [p], 127, float32=True)[0][64:66] == [1.0, 1.0]
    # the general path (weights) agrees
    assert compute_curve([1], [p], 127, weights=[1.0], float32=True)[0][64:66] == [1.0, 1.0]


def test_float16_product_rounds_up_into_the_next_bucket():
    p = 0.0079345703125  # a float16 value just below 1/126
    assert _f16(p) == p and p * 126 < 1.0 and _f16(p * 126) == 1.0
    assert compute_curve([1], [p], 127)[0][:2] == [1.0, 0.0]
    assert compute_curve([1], [p], 127, float16=True)[0][:2] == [1.0, 1.0]


@pytest.mark.parametrize("rounding", ["f", "e"])
@pytest.mark.parametrize("T", [2, 3, 5, 50, 127, 128])
def test_rounded_thresholds_are_the_first_grid_values_of_each_bucket(rounding, T):
    grid, bits = {"f": ("<f", "<I"), "e": ("<e", "<H")}[rounding]

    def rounded(x):
        return struct.unpack(grid, struct.pack(grid, x))[0]

    def below(q):
        n = struct.unpack(bits, struct.pack(grid, q))[0] - 1
        return struct.unpack(grid, struct.pack(bits, n))[0]

    up = _pr_curve._rounded_thresholds(T, rounding)
    assert len(up) == T and up[-1] == 2.0
    for k, q in enumerate(up[:-1]):
        assert rounded(q) == q
        assert math.floor(rounded(q * (T - 1))) == k + 1
        assert math.floor(rounded(below(q) * (T - 1))) == k


# ---------------------------------------------------------------------------
# Against the plain reference


def _random_case(rnd, n, T, kind):
    labels = [rnd.random() < 0.4 for _ in range(n)]
    predictions = [rnd.random() for _ in range(n)]
    # values on and next to the thresholds k / (T - 1)
    for i in range(0, n, 3):
        p = rnd.randrange(T) / (T - 1)
        predictions[i] = min(1.0, max(0.0, p + rnd.choice([-1, 0, 1]) * 2.0**-52))
    weights = None
    if kind == "fraction":
        labels = [rnd.choice([0.0, 1.0, 0.5, 0.125, 2.0, -1.0]) for _ in range(n)]
    elif kind == "scalar":
        weights = rnd.choice([0.1, 3, -2.5, 0.0, 1e-300])
    elif kind == "items":
        weights = [rnd.uniform(-1, 3) for _ in range(n)]
    return labels, predictions, weights


@pytest.mark.parametrize("kind", ["binary", "fraction", "scalar", "items"])
@pytest.mark.parametrize("T", [2, 5, 127, 128, 200, 300])
def test_random_inputs_equal_the_reference(kind, T):
    rnd = random.Random(T * 7 + len(kind))
    for n in (0, 1, 10, 257):
        labels, predictions, weights = _random_case(rnd, n, T, kind)
        expected = _bits(_reference(labels, predictions, T, weights))
        assert _bits(compute_curve(labels, predictions, T, weights)) == expected, (n, T, kind)


@pytest.mark.parametrize("rounding", ["f", "e"])
def test_random_rounded_inputs_equal_the_reference(rounding):
    rnd = random.Random(3)
    cast = _f32 if rounding == "f" else _f16
    for T in (2, 7, 127):
        up = _pr_curve._rounded_thresholds(T, rounding)
        predictions = (
            [cast(rnd.random()) for _ in range(500)]
            + up[:50]
            + [cast(u * 0.999999) for u in up[:50]]
        )
        predictions = [min(p, 1.0) for p in predictions]
        labels = [rnd.random() < 0.5 for _ in predictions]
        expected = _bits(_reference(labels, predictions, T, rounding=rounding))
        ours = compute_curve(
            labels, predictions, T, float32=rounding == "f", float16=rounding == "e"
        )
        assert _bits(ours) == expected, T


def test_more_than_one_block_with_weights_equals_the_reference():
    rnd = random.Random(11)
    n = 70000
    labels, predictions, weights = _random_case(rnd, n, 127, "items")
    expected = _bits(_reference(labels, predictions, 127, weights))
    assert _bits(compute_curve(labels, predictions, 127, weights)) == expected
    labels = [rnd.random() < 0.5 for _ in range(n)]
    expected = _bits(_reference(labels, predictions, 127, 0.3))
    assert _bits(compute_curve(labels, predictions, 127, 0.3)) == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda b: array("q", b),
        lambda b: array("b", b),
        lambda b: array("H", b),
        lambda b: array("d", b),
        lambda b: array("f", b),
        lambda b: bytes(b),
        lambda b: bytearray(b),
        lambda b: tuple(bool(x) for x in b),
        lambda b: [float(x) for x in b],
        lambda b: [-0.0 if x == 0 else 1.0 for x in b],
        lambda b: array("d", [-0.0 if x == 0 else 1 for x in b]),
    ],
)
def test_label_containers(make):
    rnd = random.Random(5)
    binary = [rnd.randrange(2) for _ in range(300)]
    predictions = array("d", [rnd.random() for _ in range(300)])
    expected = _reference(binary, predictions, 127)
    assert compute_curve(make(binary), predictions, 127) == expected


@pytest.mark.parametrize(
    "labels",
    [
        array("q", [0, 256, 1]),
        array("q", [0, -1, 1]),
        array("q", [0, 2, 1]),
        array("d", [0.0, 2.0, 1.0]),
        array("d", [0.0, 0.5, 1.0]),
        array("f", [1.0, 2.0, 0.0]),
        bytes([0, 2, 1]),
        [0, 1, 300],
        (True, 2, False),
    ],
)
def test_labels_that_look_binary_in_one_byte_are_not_taken_for_0_or_1(labels):
    predictions = [0.1, 0.5, 0.9]
    assert _pr_curve._binary_labels(labels) is None
    assert compute_curve(labels, predictions, 5) == _reference(list(labels), predictions, 5)


def test_prediction_containers():
    rnd = random.Random(8)
    labels = [rnd.randrange(2) for _ in range(200)]
    values = [rnd.random() for _ in range(200)] + [0.0, 1.0]
    labels += [1, 0]
    expected = _reference(labels, values, 17)
    for make in (list, tuple, lambda v: array("d", v)):
        assert compute_curve(labels, make(values), 17) == expected
    ints = [rnd.randrange(2) for _ in range(202)]
    expected = _reference(labels, ints, 17)
    for make in (list, bytes, lambda v: array("q", v), lambda v: [bool(x) for x in v]):
        assert compute_curve(labels, make(ints), 17) == expected
    singles = array("f", values)
    assert compute_curve(labels, singles, 17, float32=True) == _reference(
        labels, list(singles), 17, rounding="f"
    )


# ---------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    "bad", [-0.1, -1e-300, 1.0000000000000002, 1.5, 3.0, 1e300, math.nan, math.inf, -math.inf]
)
@pytest.mark.parametrize("labels", [[1, 0, 1], [0.5, 0, 1]])  # count path, general path
@pytest.mark.parametrize("T", [2, 127, 300])
def test_predictions_outside_0_1_raise(bad, labels, T):
    with pytest.raises(ValueError, match="predictions"):
        compute_curve(labels, [0.5, bad, 0.25], T)
    with pytest.raises(ValueError, match="predictions"):
        compute_curve(labels, [bad, 0.5, 0.25], T, weights=[1, 2, 3])
    with pytest.raises(ValueError, match="predictions"):
        compute_curve(labels, [0.5, 0.25, bad], T, float32=True)
    with pytest.raises(ValueError, match="predictions"):  # arrays: the sign bits are read
        compute_curve(labels, array("d", [0.5, bad, 0.25]), T)
    if not 0.0 <= array("f", [bad])[0] <= 1.0:  # still invalid as a float32
        with pytest.raises(ValueError, match="predictions"):
            compute_curve(labels, array("f", [0.5, 0.25, bad]), T, float32=True)


def test_prediction_above_one_among_ones_raises():
    with pytest.raises(ValueError, match="predictions"):
        compute_curve([0, 1, 0], [1.0, 1.0, 1.0 + 2.0**-52], 127)
    with pytest.raises(ValueError, match="predictions"):  # index 189: would pass for a positive's
        compute_curve([0, 1], [1.5, 0.5], 127)


def test_negative_zero_and_one_are_valid_predictions():
    assert compute_curve([1, 0], [-0.0, 1.0], 3)[0] == [1.0, 0.0, 0.0]
    for typecode in "fd":
        assert compute_curve([1, 0], array(typecode, [-0.0, 1.0]), 3)[0] == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_labels_raise(bad):
    with pytest.raises(ValueError, match="labels"):
        compute_curve([1, bad], [0.5, 0.5], 3)


@pytest.mark.parametrize(
    "labels, predictions, error, name",
    [
        (["a", 1], [0.5, 0.5], TypeError, "labels"),
        ([1 + 2j, 1], [0.5, 0.5], TypeError, "labels"),
        ([10**400, 1], [0.5, 0.5], ValueError, "labels"),
        ([1, 0], ["0.5", 0.5], TypeError, "predictions"),
        ([1, 0], [0.5j, 0.5], TypeError, "predictions"),
    ],
)
def test_items_that_are_not_numbers(labels, predictions, error, name):
    with pytest.raises(error, match=name):
        compute_curve(labels, predictions, 3)


def test_length_mismatch_names_both():
    with pytest.raises(ValueError, match="labels.*predictions"):
        compute_curve([1, 0], [0.5], 3)


@pytest.mark.parametrize(
    "T, error",
    [(0, ValueError), (-3, ValueError), (2.0, TypeError), ("5", TypeError), (None, TypeError)],
)
def test_num_thresholds(T, error):
    with pytest.raises(error, match="num_thresholds"):
        compute_curve([1], [0.5], T)


@pytest.mark.parametrize(
    "weights, error",
    [([1, 2], ValueError), ("abc", TypeError), ([1, "x", 3], TypeError), (object(), TypeError)],
)
def test_bad_weights(weights, error):
    with pytest.raises(error, match="weights"):
        compute_curve([1, 0, 1], [0.5, 0.5, 0.5], 3, weights=weights)


# ---------------------------------------------------------------------------
# The fast path (numpy arrays driven through their own methods) against the pure path
#
# The reference: the same arrays as buffers (``memoryview`` of a C-contiguous copy: the same
# element type and shape, read one Python number at a time), and for float64 the same values
# as nested lists. Equal rows (bit for bit) and equal Summary bytes, or the same error.

_NUMPY = "the fast path drives the caller's numpy arrays; without numpy there is none"
_PREDICTION_TYPES = ("float16", "float32", "float64")
_LABEL_TYPES = ("bool", "int8", "uint8", "int32", "int64", "uint64") + _PREDICTION_TYPES


def _numpy():
    return pytest.importorskip("numpy", reason=_NUMPY)


def _pure(np, x):
    """``x`` for the pure path: a buffer of the same element type and shape."""
    return x if x is None or isinstance(x, (int, float)) else memoryview(np.ascontiguousarray(x))


def _outcome(f):
    """f()'s rows as bits, or its error's type and message."""
    try:
        return _bits(f())
    except (TypeError, ValueError) as err:
        return (type(err), str(err))


def _both(np, labels, predictions, T, weights=None):
    """(fast outcome, pure outcome) of summary.compute_curve on the arrays."""
    from tinytb import summary

    fast = _outcome(lambda: summary.compute_curve(labels, predictions, T, weights))
    pure = _outcome(
        lambda: summary.compute_curve(
            _pure(np, labels), _pure(np, predictions), T, _pure(np, weights)
        )
    )
    return fast, pure


def _random_predictions(np, rng, n, T, dtype):
    """Uniform values in [0, 1] of ``dtype``, a third of them exactly on a threshold
    k / (T - 1) (as ``dtype`` rounds it) or one step of ``dtype`` either side, and some
    0, -0.0, 1 and denormals."""
    p = rng.random(n).astype(dtype)
    if n == 0:
        return p
    grid = (np.arange(T) / max(T - 1, 1)).astype(dtype)
    m = max(1, n // 3)
    on = grid[rng.integers(0, T, m)]
    toward = np.where(rng.random(m) < 0.5, 0.0, 1.0).astype(dtype)
    near = np.nextafter(on, toward)
    p[rng.integers(0, n, m)] = np.where(rng.random(m) < 0.5, on, near)
    tiny = np.finfo(dtype).smallest_subnormal
    specials = np.array([0.0, -0.0, 1.0, tiny, 1.0 - np.finfo(dtype).epsneg], dtype=dtype)
    p[rng.integers(0, n, max(1, n // 50))] = specials[rng.integers(0, 5, max(1, n // 50))]
    return p


def _random_labels(np, rng, n, dtype):
    labels = (rng.random(n) < 0.5).astype(dtype)
    if dtype.startswith("float") and n:
        labels[(labels == 0) & (rng.random(n) < 0.3)] = -0.0  # still a 0 label
    return labels


def _layout(np, rng, x):
    """``x`` in another memory layout: reversed-stride or strided views, big-endian,
    2-D (C or Fortran order), 0-d for one element; the same flat C-order values."""
    n = x.size
    choice = rng.integers(0, 6)
    if choice == 1:
        wide = np.empty(2 * n, dtype=x.dtype)
        wide[::2] = x
        return wide[::2]
    if choice == 2:
        return x.astype(x.dtype.newbyteorder(">"))
    if choice == 3 and n % 2 == 0 and n:
        return x.reshape(2, n // 2)
    if choice == 4 and n % 2 == 0 and n:
        return np.asfortranarray(x.reshape(2, n // 2))
    if choice == 5 and n == 1:
        return x.reshape(())
    if choice == 5:
        return x[::-1].copy()[::-1]
    return x


def test_fast_path_equals_pure_path_on_random_inputs():
    np = _numpy()
    from tinytb import _arrays

    rng = np.random.default_rng(13)
    taken = 0
    for case in range(300):
        n = int(rng.choice([0, 1, 2, 3, 5, 17, 100, 1000, 4000]))
        T = int(rng.choice([1, 2, 3, 127, 128, 129, 200, int(rng.integers(1, 201))]))
        pdtype = _PREDICTION_TYPES[case % 3]
        ldtype = _LABEL_TYPES[int(rng.integers(0, len(_LABEL_TYPES)))]
        weights = [None, None, 1.0, 0.3, -2.0, 0.0, -0.0, 2][case % 8]
        predictions = _layout(np, rng, _random_predictions(np, rng, n, T, pdtype))
        labels = _layout(np, rng, _random_labels(np, rng, n, ldtype))
        fast, pure = _both(np, labels, predictions, T, weights)
        assert fast == pure, (case, n, T, pdtype, ldtype, weights)
        lab = _arrays.as_array(labels, "labels", pixels=False)
        pred = _arrays.as_array(predictions, "predictions", pixels=False)
        weight = None if weights is None else float(weights)  # as summary passes it
        rows = _pr_curve.compute_curve_host(lab.host, lab.dtype, pred.host, pred.dtype, T, weight)
        if n:  # the fast path took it (and agrees): valid binary input always goes that way
            assert rows is not None and _bits(rows) == pure, (case, n, T)
            taken += 1
    assert taken > 250


def test_fast_path_summary_bytes_equal_the_pure_path_and_lists():
    np = _numpy()
    from tinytb import summary

    rng = np.random.default_rng(14)
    labels = rng.integers(0, 2, 10000)
    for dtype in _PREDICTION_TYPES:
        predictions = _random_predictions(np, rng, 10000, 127, dtype)
        for T in (1, 2, 127, 500):  # pr_curve caps T at 127
            fast = summary.pr_curve("pr", labels, predictions, T)
            assert fast == summary.pr_curve("pr", _pure(np, labels), _pure(np, predictions), T)
            if dtype == "float64":  # lists are float64 (and int64)
                assert fast == summary.pr_curve("pr", labels.tolist(), predictions.tolist(), T)


@pytest.mark.parametrize("n", [65535, 65536, 65537, 100000, 140000])
@pytest.mark.parametrize("weights", [None, 0.3])
def test_fast_path_blocks_equal_the_pure_path(n, weights):
    # numpy adds a weight other than 1 block by block (65536 items): the sums depend on
    # where the blocks end
    np = _numpy()
    rng = np.random.default_rng(n)
    labels = rng.random(n) < 0.5
    predictions = _random_predictions(np, rng, n, 127, "float32")
    fast, pure = _both(np, labels, predictions, 127, weights)
    assert fast == pure


def _host_rows(labels, predictions, T, weights=None):
    """compute_curve_host's answer for what summary.compute_curve would hand it."""
    from tinytb import _arrays

    lab = _arrays.as_array(labels, "labels", pixels=False)
    pred = _arrays.as_array(predictions, "predictions", pixels=False)
    if weights is not None and not isinstance(weights, float):
        weights = _arrays.as_array(weights, "weights", pixels=False).host
    return _pr_curve.compute_curve_host(lab.host, lab.dtype, pred.host, pred.dtype, T, weights)


def _random_weights(np, rng, n, case):
    """None, a number (NaN and infinities too) or an array of one weight per item, of
    several types, with -0.0, NaN and infinities among the floats."""
    kind = case % 6
    if kind == 0:
        return [None, 0.3, -2.0, -0.0, math.nan, math.inf, -math.inf][case % 7]
    dtype = ["float64", "float32", "float16", "int64", "bool"][kind - 1]
    w = rng.uniform(-1, 3, n).astype(dtype) if dtype != "bool" else rng.random(n) < 0.7
    if dtype.startswith("float") and n:
        specials = np.array([-0.0, 0.0, math.nan, math.inf, -math.inf, 1e-300], dtype=dtype)
        k = max(1, n // 100) if case % 3 == 0 else 0
        w[rng.integers(0, n, k)] = specials[rng.integers(0, len(specials), k)]
    return w


def _random_any_labels(np, rng, n, dtype):
    """Labels of any finite value: 0/1, fractions, -0.0, negatives, large ints."""
    if dtype == "bool":
        return rng.random(n) < 0.5
    values = np.where(rng.random(n) < 0.5, rng.integers(0, 2, n), rng.uniform(-2, 3, n))
    if dtype.startswith("float"):
        values[rng.random(n) < 0.05] = -0.0
        return values.astype(dtype)
    values = np.where(rng.random(n) < 0.02, 2**53 + 1, values)  # rounded to a float64
    return values.astype("int64").astype(dtype) if dtype != "uint64" else values.astype(dtype)


def test_fast_sums_equal_pure_path_for_any_labels_and_weights():
    # fractional labels, per-item weights, non-finite weights: each bucket's weights are
    # added in item order as np.bincount does; the fast path takes all of these
    np = _numpy()
    rng = np.random.default_rng(19)
    for case in range(240):
        n = int(rng.choice([1, 2, 3, 17, 300, 3000]))
        T = int(rng.choice([1, 2, 127, 300, int(rng.integers(1, 201))]))
        pdtype = _PREDICTION_TYPES[case % 3]
        ldtype = ("float64", "float32", "float16", "int64", "int8", "uint64", "bool")[case % 7]
        labels = _layout(np, rng, _random_any_labels(np, rng, n, ldtype))
        predictions = _layout(np, rng, _random_predictions(np, rng, n, T, pdtype))
        weights = _random_weights(np, rng, n, case)
        fast, pure = _both(np, labels, predictions, T, weights)
        assert fast == pure, (case, n, T, pdtype, ldtype, weights)
        rows = _host_rows(labels, predictions, T, weights)
        assert rows is not None and _bits(rows) == pure, (case, n, T)


@pytest.mark.parametrize("n", [65537, 140000])
def test_fast_sums_blocks_equal_the_pure_path(n):
    np = _numpy()
    rng = np.random.default_rng(n + 1)
    labels = rng.random(n)
    predictions = _random_predictions(np, rng, n, 127, "float64")
    weights = rng.uniform(-1, 3, n)
    fast, pure = _both(np, labels, predictions, 127, weights)
    assert fast == pure
    assert _bits(_host_rows(labels, predictions, 127, weights)) == pure


def test_inputs_the_fast_path_leaves_to_the_pure_path():
    # non-finite labels, integer and bool predictions, more thresholds than
    # _HOST_MAX_THRESHOLDS, one weight in an array (numpy broadcasts it), lengths that
    # differ: the same rows or the same error, from the pure path
    np = _numpy()
    rng = np.random.default_rng(15)
    n = 300
    predictions = rng.random(n)
    binary = (rng.random(n) < 0.5).astype("float64")
    cases = [
        (binary, predictions.astype("float32"), 4096, None),
        (binary, predictions.astype("float16"), 2050, None),
        (binary, (predictions < 0.5).astype("int64"), 127, None),
        (binary, predictions < 0.5, 127, None),
        (binary, predictions, 127, np.array([0.7])),
        (binary, predictions, 127, np.array([0.7, 0.2])),
        (np.append(binary, np.nan), np.append(predictions, 0.5), 127, None),
        (np.append(binary, np.inf), np.append(predictions, 0.5), 127, 0.3),
        (np.append(rng.random(n), -np.inf), np.append(predictions, 0.5), 127, None),
        (binary[:-1], predictions, 127, None),
        (binary, predictions[:0], 127, None),
        (binary, predictions, 0, None),
    ]
    for i, (labels, p, T, weights) in enumerate(cases):
        fast, pure = _both(np, labels, p, T, weights)
        assert fast == pure, i
        if T >= 1 and weights is None or isinstance(weights, float):
            assert _host_rows(labels, p, T, weights) is None, i
    # a fast path that is taken when the one above is not (the test can fail)
    assert _host_rows(binary, predictions.astype("float16"), 2049) is not None


@pytest.mark.parametrize("dtype", _PREDICTION_TYPES)
@pytest.mark.parametrize("bad", [math.nan, -1e-30, -0.5, 1.5, 1.0001, math.inf, -math.inf])
def test_fast_path_errors_equal_the_pure_paths(dtype, bad):
    np = _numpy()
    rng = np.random.default_rng(16)
    labels = rng.integers(0, 2, 50)
    for where in (0, 17, 49):
        predictions = rng.random(50).astype(dtype)
        predictions[where] = bad
        if 0 <= predictions[where] <= 1:  # -1e-30 is -0.0 in float16/32: valid
            continue
        fast, pure = _both(np, labels, predictions, 127)
        assert fast == pure and fast[0] is ValueError and "predictions" in fast[1]


def test_torch_tensors_equal_numpy_arrays():
    np = _numpy()
    torch = pytest.importorskip("torch", reason="torch tensors reach the fast path too")
    from tinytb import summary

    rng = np.random.default_rng(17)
    labels = rng.integers(0, 2, 3000)
    for dtype in _PREDICTION_TYPES:
        p = _random_predictions(np, rng, 3000, 127, dtype)
        expected = summary.pr_curve("pr", _pure(np, labels), _pure(np, p), 127)
        assert summary.pr_curve("pr", torch.from_numpy(labels), torch.from_numpy(p), 127) == (
            expected
        )
        assert summary.pr_curve("pr", torch.from_numpy(labels).bool(), torch.from_numpy(p)) == (
            expected
        )


def test_fast_path_leaves_the_callers_arrays_alone_and_warns_nothing():
    np = _numpy()
    import warnings

    from tinytb import summary

    rng = np.random.default_rng(18)
    labels = rng.integers(0, 2, 1000)
    predictions = rng.random(1000).astype("float32")
    before = (labels.copy(), predictions.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary.pr_curve("pr", labels, predictions)
        with pytest.raises(ValueError):
            summary.pr_curve("pr", labels, np.where(labels == 1, np.nan, predictions))
    assert (labels == before[0]).all() and (predictions == before[1]).all()


def test_numpy_scalars_take_the_fast_path_as_one_item():
    np = _numpy()
    for p in (np.float16(0.5), np.float32(1.0), np.float64(0.0), np.float64(-0.0)):
        fast, pure = _both(np, np.int64(1), p, 3)
        assert fast == pure == _bits(compute_curve([1], [float(p)], 3)), p
