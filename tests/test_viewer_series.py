"""tinytb.viewer.series: TensorBoard's smoothing (classicSmoothing in
tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts), the x axes, and the reduction
that keeps spikes."""

import math
import random
from array import array

import pytest

from tinytb.viewer import series
from tinytb.viewer.series import reduce, smooth, x_values

NAN = float("nan")
INF = float("inf")


def tb_smoothing(ys, w):
    """classicSmoothing transcribed from the TypeScript, for one series (the reference)."""
    if not math.isfinite(w):
        w = 0
    w = max(0, min(w, 1))
    if all(y == ys[0] for y in ys):  # points.every((point) => point.y == initialYVal)
        return list(ys)
    last, num = 0, 0
    out = []
    for y in ys:
        if not math.isfinite(y):
            out.append(y)
            continue
        last = last * w + (1 - w) * y
        num += 1
        debias = 1 if w == 1 else 1 - math.pow(w, num)
        out.append(last / debias)
    return out


def same(a, b):
    """Bit for bit, NaN equal to NaN."""
    return [struct_bits(x) for x in a] == [struct_bits(x) for x in b]


def struct_bits(x):
    return array("d", [x]).tobytes()


def test_smooth_by_hand_on_three_points():
    # w = 0.5: last = 0.5, 1.25, 2.125; debias = 1 - 0.5**k = 0.5, 0.75, 0.875
    got = smooth([1.0, 2.0, 3.0], 0.5)
    assert isinstance(got, array) and got.typecode == "d"
    assert list(got) == [1.0, 1.25 / 0.75, 2.125 / 0.875]


def test_smooth_matches_the_typescript_transcription():
    rng = random.Random(5)
    for w in (0.0, 0.3, 0.6, 0.9, 0.99, 0.999, 1.0):
        ys = [rng.gauss(0, 10) for _ in range(500)]
        assert same(smooth(ys, w), tb_smoothing(ys, w))


def test_smooth_weight_zero_is_identity_and_one_is_zero():
    ys = [3.0, -1.0, 2.5]
    assert list(smooth(ys, 0.0)) == ys
    assert list(smooth(ys, 1.0)) == [0.0, 0.0, 0.0]  # last stays 0, debias 1 (TB's w === 1)


def test_smooth_weight_clamped_and_non_finite_weight_is_zero():
    ys = [1.0, 5.0, 2.0]
    assert list(smooth(ys, 7.0)) == list(smooth(ys, 1.0))
    assert list(smooth(ys, -3.0)) == ys
    assert list(smooth(ys, NAN)) == ys


def test_smooth_constant_series_is_returned_unchanged():
    ys = [3.0] * 50  # the moving average would give 3.0000000000000004 somewhere
    assert list(smooth(ys, 0.6)) == ys
    assert list(smooth([-0.0, 0.0], 0.9)) == [-0.0, 0.0]  # -0.0 == 0.0: constant
    assert list(smooth([], 0.6)) == []
    assert list(smooth([INF, INF], 0.6)) == [INF, INF]


def test_smooth_nan_is_never_constant_and_passes_through():
    got = smooth([NAN, NAN], 0.6)
    assert all(math.isnan(y) for y in got)
    got = smooth([1.0, NAN, INF, 3.0, -INF, 2.0], 0.6)
    want = tb_smoothing([1.0, NAN, INF, 3.0, -INF, 2.0], 0.6)
    assert same(got, want)
    assert math.isnan(got[1]) and got[2] == INF and got[4] == -INF
    # the average skipped the non-finite points: the 4th value is the 2nd finite one's
    assert got[3] == (0.4 * 1.0 * 0.6 + 0.4 * 3.0) / (1 - 0.6**2)


def test_appending_points_never_changes_earlier_smoothed_values():
    rng = random.Random(7)
    ys = [rng.uniform(-1, 1) for _ in range(3000)]
    ys[100] = NAN
    ys[200] = INF
    for w in (0.6, 0.95, 0.999):
        full = smooth(ys, w)
        for n in (2, 17, 150, 1000, 2999):
            assert same(smooth(ys[:n], w), full[:n])


def test_constant_prefix_changes_only_by_rounding_when_a_new_value_arrives():
    # TensorBoard's constant test looks at the whole series: the prefix is shown as is while
    # the series is constant, as the (equal up to rounding) average once it is not.
    before = smooth([3.0] * 20, 0.6)
    after = smooth([3.0] * 20 + [4.0], 0.6)
    for a, b in zip(before, after):
        assert a == pytest.approx(b, rel=1e-15)


def test_x_values_for_each_axis():
    steps = array("q", [5, 7, 9])
    walls = array("d", [100.5, 101.0, 103.25])
    assert list(x_values(steps, walls, "step")) == [5.0, 7.0, 9.0]
    assert list(x_values(steps, walls, "wall")) == [100.5, 101.0, 103.25]
    assert list(x_values(steps, walls, "relative")) == [0.0, 0.5, 2.75]
    assert list(x_values([], [], "relative")) == []
    assert x_values(steps, walls, "step").typecode == "d"
    with pytest.raises(ValueError, match="axis"):
        x_values(steps, walls, "time")


def test_reduce_keeps_all_points_up_to_twice_the_width():
    xs = list(range(200))
    assert reduce(xs, [0.0] * 200, 100, 0, 199) == list(range(200))
    assert reduce(xs, [0.0] * 200, 99, 0, 199) != list(range(200))


def test_reduce_keeps_a_single_spike_among_100k_points():
    n = 100000
    values = array("d", [math.sin(i / 1000.0) * 0.01 for i in range(n)])
    spike = 54321
    values[spike] = 50.0
    dip = 777
    values[dip] = -50.0
    xs = array("d", range(n))
    kept = reduce(xs, values, 100, 0.0, n - 1.0)
    assert spike in kept and dip in kept
    assert kept[0] == 0 and kept[-1] == n - 1
    assert len(kept) <= 4 * 100
    assert kept == sorted(set(kept))


def test_reduce_keeps_first_last_min_max_per_column():
    xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    values = [5.0, 1.0, 9.0, 5.0, 5.0, 5.0, 2.0, 8.0, 5.0, 5.0]
    # width 2: columns [0..4] and [5..9] (x = 4.5 and up)
    assert reduce(xs, values, 2, 0, 9) == [0, 1, 2, 4, 5, 6, 7, 9]


def test_reduce_first_index_of_ties():
    xs = list(range(10))
    values = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert reduce(xs, values, 1, 0, 9) == [0, 1, 9]


def test_reduce_lo_equal_hi_puts_everything_in_one_column():
    xs = [3.0] * 10
    values = [float(i % 4) for i in range(10)]
    assert reduce(xs, values, 4, 3.0, 3.0) == [0, 3, 9]  # first (and min), first max, last


def test_reduce_keeps_non_finite_values_and_x():
    n = 1000
    xs = array("d", range(n))
    values = array("d", [1.0] * n)
    values[10] = NAN
    values[500] = -INF
    kept = reduce(xs, values, 10, 0, n - 1)
    assert 10 in kept and 500 in kept
    xs[300] = NAN
    kept = reduce(xs, values, 10, 0, n - 1)
    assert 300 in kept and 10 in kept and 500 in kept and 0 in kept and n - 1 in kept


def brute_reduce(xs, values, width, lo, hi):
    """The column rule of the design, point by point (all values finite)."""
    columns = {}
    for i, x in enumerate(xs):
        c = min(width - 1, int((x - lo) / (hi - lo) * width))
        columns.setdefault(c, []).append(i)
    want = set()
    for idx in columns.values():
        want.update((idx[0], idx[-1]))
        want.add(min(idx, key=lambda i: (values[i], i)))
        want.add(min(idx, key=lambda i: (-values[i], i)))
    return sorted(want)


def test_reduce_unsorted_x_agrees_with_the_column_rule():
    rng = random.Random(3)
    xs = [rng.uniform(0, 100) for _ in range(2000)]
    values = [rng.gauss(0, 1) for _ in range(2000)]
    assert reduce(xs, values, 50, 0.0, 100.0) == brute_reduce(xs, values, 50, 0.0, 100.0)


def test_reduce_sorted_x_agrees_with_the_column_rule():
    rng = random.Random(11)
    xs = sorted(rng.uniform(2, 10) for _ in range(5000))
    values = [float(rng.randint(0, 5)) for _ in range(5000)]  # many ties
    for width, lo, hi in ((37, 0.0, 10.0), (600, 2.0, 10.0), (1, 0.0, 10.0)):
        assert reduce(xs, values, width, lo, hi) == brute_reduce(xs, values, width, lo, hi)


def test_reduce_checks_its_arguments():
    with pytest.raises(ValueError, match="width"):
        reduce([1.0], [1.0], 0, 0, 1)
    with pytest.raises(ValueError, match="length"):
        reduce([1.0, 2.0], [1.0], 5, 0, 1)


def test_reduce_survives_x_far_outside_lo_hi():
    xs = [0.0] * 10 + [1e308]
    values = [float(i) for i in range(11)]
    # (1e308 - 0) / 5e-324 * 4 overflows: the point goes to the last column, as in app.js
    assert reduce(xs, values, 4, 0.0, 5e-324) == [0, 9, 10]
    assert reduce(list(reversed(xs)), values, 4, 0.0, 5e-324) == [0, 1, 10]


def test_stride_of_finds_fixed_strides_in_c_and_refuses_the_rest():
    # The progression test the store (steps increasing) and the server (steps left out of
    # /api/scalars) share: against the definition, on both of its paths.
    cases = [
        ([0, 1, 2, 3], 1),
        ([10, 15, 20], 5),
        ([-4, -2, 0, 2], 2),  # negative first: compared as an array
        ([0, 2, 4, 7], None),
        ([3, 3, 3], None),
        ([5, 4, 3], None),
        ([7], None),
        ([], None),
        ([0, 1, 3, 4], None),  # ends where a progression would, but is not one
    ]
    for steps, want in cases:
        assert series.stride_of(array("q", steps)) == want, steps
    long = array("q", range(5, 5 + 3 * (series.MAX_PROGRESSION + 1), 3))  # past the cache bound
    assert series.stride_of(long) == 3
    long[1000] += 1
    assert series.stride_of(long) is None
