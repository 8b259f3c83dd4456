"""tinytb._convert: steps, wall times, scalars, tags and paths, with PyTorch's error types."""

import decimal
import fractions
import math
import os
import warnings

import pytest

from tinytb import _convert

from vectors import FakeArray


@pytest.mark.parametrize(
    "step,expected",
    [
        (3, 3),
        (True, 1),
        (4.0, 4),
        (decimal.Decimal(5), 5),
        (fractions.Fraction(6), 6),
        (FakeArray([7], "int64", ()), 7),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
    ],
)
def test_to_step(step, expected):
    assert _convert.to_step(step) == expected


@pytest.mark.parametrize(
    "step,error",
    [
        # protobuf refuses these in Event.step (PyTorch's writer): TypeError
        ("1", TypeError),
        (b"1", TypeError),
        ([1], TypeError),
        ((1,), TypeError),
        (1 + 0j, TypeError),
        (None, TypeError),
        (object(), TypeError),
        ({}, TypeError),
        # numbers of the wrong value
        (1.5, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        (2**63, ValueError),
        (-(2**63) - 1, ValueError),
    ],
)
def test_to_step_refuses(step, error):
    with pytest.raises(error, match="global_step"):
        _convert.to_step(step)


@pytest.mark.parametrize(
    "walltime,error",
    [
        ("now", TypeError),
        ([1.0], TypeError),
        (1 + 0j, TypeError),
        (None, TypeError),
        (math.nan, ValueError),
        (math.inf, ValueError),
    ],
)
def test_to_walltime_refuses(walltime, error):
    with pytest.raises(error, match="walltime"):
        _convert.to_walltime(walltime)


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, 1.0),
        (True, 1.0),
        ([0.5], 0.5),
        (decimal.Decimal("0.25"), 0.25),
        (10**400, math.inf),
        (-(10**400), -math.inf),
        (FakeArray([0.75], "float64", ()), 0.75),
    ],
)
def test_to_float(value, expected):
    assert _convert.to_float(value) == expected


@pytest.mark.parametrize(
    "value,error",
    [
        ("1.0", ValueError),
        ("", ValueError),
        (b"x", ValueError),  # PyTorch: float(np.array(s))
        (None, TypeError),
        (1 + 2j, TypeError),
        (object(), TypeError),
        ([1.0, 2.0], ValueError),
        ([], ValueError),
    ],
)
def test_to_float_refuses_with_pytorchs_types(value, error):
    with pytest.raises(error, match="scalar_value"):
        _convert.to_float(value)


@pytest.mark.parametrize(
    "value,error",
    [([4], TypeError), ((4,), TypeError), ("4", TypeError), (None, TypeError), (1 + 0j, TypeError)],
)
def test_to_real_takes_no_sequences(value, error):
    with pytest.raises(error, match="fps"):
        _convert.to_real(value, "fps")
    assert _convert.to_real(FakeArray([4.0], "float32", ()), "fps") == 4.0


def test_check_tag():
    class Tag(str):
        pass

    assert type(_convert.check_tag(Tag("a"))) is str
    for bad in (None, 1, b"x", ["a"]):
        with pytest.raises(TypeError, match="main_tag must be a str"):
            _convert.check_tag(bad, "main_tag")


def test_check_path():
    assert _convert.check_path("a/b", "prototxt") == "a/b"
    assert _convert.check_path(b"a", "prototxt") == b"a"
    with pytest.raises(TypeError, match="prototxt must be a path"):
        _convert.check_path(3, "prototxt")
    for bad in ("a\0b", b"a\0"):
        with pytest.raises(ValueError, match="prototxt must not contain a NUL"):
            _convert.check_path(bad, "prototxt")


def _helper_in_a_test_file():
    _convert.warn_caller("from a helper")  # not inside tinytb: the helper's own line


def test_warn_caller_points_at_the_first_frame_outside_tinytb():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _convert.warn_caller("direct", RuntimeWarning)
        _helper_in_a_test_file()
    assert [os.path.basename(w.filename) for w in record] == [os.path.basename(__file__)] * 2
    assert record[0].category is RuntimeWarning
    assert record[1].lineno == _helper_in_a_test_file.__code__.co_firstlineno + 1
