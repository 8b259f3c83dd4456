"""tinytb._audio: sample rates, channel layouts, PyTorch's 16-bit PCM, the WAV container."""

import io
import math
import wave
from array import array

import pytest

from tinytb import _arrays, _audio


@pytest.mark.parametrize("rate", [1, 8000, 44100.0, 22050.4, _arrays.MAX_SAMPLE_RATE])
def test_sample_rates_accepted(rate):
    assert _audio.sample_rate(rate) == rate


@pytest.mark.parametrize(
    "rate,error",
    [
        (0, ValueError),
        (-1, ValueError),
        (0.4, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        (2**31, ValueError),
        (2**40, ValueError),
        (_arrays.MAX_SAMPLE_RATE + 1, ValueError),
        ("44100", TypeError),
        (None, TypeError),
        ([44100], TypeError),
        (1 + 0j, TypeError),
    ],
)
def test_sample_rates_refused_naming_the_argument(rate, error):
    with pytest.raises(error, match="sample_rate"):
        _audio.sample_rate(rate)


def test_the_largest_rate_fits_the_wav_header_in_stereo():
    # wave packs the byte rate (rate * channels * 2) as '<L': MAX_SAMPLE_RATE is the largest
    # rate for which that fits with two channels
    data = _audio.wav(array("h", [0, 0]), 2, _arrays.MAX_SAMPLE_RATE)
    with wave.open(io.BytesIO(data)) as w:
        assert w.getframerate() == _arrays.MAX_SAMPLE_RATE
    assert (_arrays.MAX_SAMPLE_RATE + 1) * 4 > 0xFFFFFFFF


@pytest.mark.parametrize(
    "shape,channels",
    [((5,), 1), ((5, 1), 1), ((1, 5, 1), 1), ((1,), 1), ((), 1), ((5, 2), 2), ((1, 5, 2), 2)],
)
def test_channels(shape, channels):
    size = 1
    for n in shape:
        size *= n
    assert _audio.channels(shape, size, "snd_tensor") == channels


@pytest.mark.parametrize("shape", [(5, 3), (2, 5), (3, 3, 3)])
def test_channels_refuses_other_layouts(shape):
    with pytest.raises(ValueError, match="snd_tensor"):
        _audio.channels(shape, 1, "snd_tensor")


def test_too_many_samples_are_refused_before_any_work():
    with pytest.raises(ValueError, match="snd_tensor has .* samples"):
        _audio.channels(
            (_arrays.MAX_AUDIO_SAMPLES + 1,), _arrays.MAX_AUDIO_SAMPLES + 1, "snd_tensor"
        )


def test_pcm16_is_numpys_product_and_truncation():
    # float64: 0.5 * 32767 = 16383.5 -> 16383; -0.5 -> -16383 (toward zero); NaN -> 0
    assert list(_audio.pcm16([0.5, -0.5, 1.0, -1.0, math.nan], "float64")) == [
        16383,
        -16383,
        32767,
        -32767,
        0,
    ]
    # float32: the product is rounded to float32 first (0.99999994 * 32767 = 32766.998...)
    x = array("f", [0.99999994]).tolist()[0]
    assert list(_audio.pcm16([x], "float32")) == [int(array("f", [x * 32767.0])[0])]


def test_clipped_warns_and_clips():
    with pytest.warns(UserWarning, match="snd_tensor: audio amplitude"):
        assert _audio.clipped([2.0, -3.0, 0.5], "snd_tensor") == [1, -1, 0.5]
    assert _audio.clipped([0.5], "x") == [0.5]


def test_wav_is_little_endian_16_bit():
    data = _audio.wav(array("h", [1, -2, 3, -4]), 2, 100)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (
            2,
            2,
            100,
            2,
        )
        assert w.readframes(2) == b"\x01\x00\xfe\xff\x03\x00\xfc\xff"


def test_a_nan_first_does_not_hide_loud_samples():
    # max() and min() keep a leading NaN (every comparison with it is False): the loud 2.0
    # behind it must still be clipped, with the warning
    with pytest.warns(UserWarning, match="x: audio amplitude"):
        assert _audio.clipped([math.nan, 2.0, -3.0, 0.5], "x")[1:] == [1, -1, 0.5]
    assert list(_audio.pcm16(_audio.clipped([math.nan, 0.5], "x"), "float64")) == [0, 16383]


@pytest.mark.parametrize("channels,rate,count", [(1, 44100, 0), (1, 8000, 3), (2, 22050.4, 4)])
def test_wav_header_is_the_wave_modules(channels, rate, count):
    # the reference: the standard wave module writing the same frames
    samples = array("h", range(-count * channels, 0))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    assert _audio.wav(samples, channels, rate) == buf.getvalue()
    assert _audio.wav(memoryview(samples), channels, rate) == buf.getvalue()  # a buffer


# ---------------------------------------------------------------------------
# The fast path (the caller's numpy array through its own methods) against the pure path
#
# The reference: the same array as a buffer (``memoryview`` of a C-contiguous copy: same
# element type and shape, one Python number per sample), and for float64 the same values as
# nested lists (lists are float64). Equal Summary bytes and the same warnings.

_NUMPY = "the fast path drives the caller's numpy arrays; without numpy there is none"
_FLOATS = ("float16", "float32", "float64")
_INTS = ("bool", "int8", "uint8", "int16", "uint16", "int32", "int64")


def _numpy():
    return pytest.importorskip("numpy", reason=_NUMPY)


def _audio_and_warnings(clip, rate=44100):
    import warnings

    from tinytb import summary

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = summary.audio("a", clip, rate)
    return data, [(w.category, str(w.message)) for w in caught]


def _random_clip(np, rng, n, dtype):
    """Values of ``dtype``: uniform in [-1, 1]; exactly k / 32767 (the sample steps) and one
    step of ``dtype`` either side; ±1, 0, -0.0, denormals; and, per clip, maybe loud
    values, infinities and NaN."""
    if dtype not in _FLOATS:
        return rng.integers(-2 if dtype != "bool" else 0, 3, n).astype(dtype)
    x = rng.uniform(-1, 1, n).astype(dtype)
    if n == 0:
        return x
    m = max(1, n // 4)
    steps = (rng.integers(-32767, 32768, m) / 32767).astype(dtype)
    toward = np.where(rng.random(m) < 0.5, -2.0, 2.0).astype(dtype)
    x[rng.integers(0, n, m)] = np.where(rng.random(m) < 0.5, steps, np.nextafter(steps, toward))
    info = np.finfo(dtype)
    specials = [1.0, -1.0, 0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal]
    kind = rng.integers(0, 4)
    if kind >= 1:
        specials += [1.5, -7.0, float(info.max), 1.0 + float(info.eps)]  # loud: clipped
    if kind >= 2:
        specials += [math.inf, -math.inf]
    if kind >= 3:
        specials += [math.nan]
    specials = np.array(specials, dtype=dtype)
    k = max(1, n // 40)
    x[rng.integers(0, n, k)] = specials[rng.integers(0, len(specials), k)]
    return x


def _random_shape(rng, x):
    n = x.size
    shapes = [(n,), (n, 1), (1, n)]
    if n % 2 == 0:
        shapes += [(n // 2, 2), (1, n // 2, 2)]
    if n == 1:
        shapes += [()]
    return x.reshape(shapes[rng.integers(0, len(shapes))])


def _random_layout(np, rng, x):
    choice = rng.integers(0, 4)
    if choice == 1:  # a strided view
        wide = np.empty((2,) + x.shape, dtype=x.dtype)
        wide[0] = x
        return wide[0]
    if choice == 2:
        return x.astype(x.dtype.newbyteorder(">"))
    if choice == 3:
        return np.asfortranarray(x)  # C-order values, Fortran memory: stereo is interleaved
    return x


def test_fast_path_equals_pure_path_on_random_clips():
    np = _numpy()
    rng = np.random.default_rng(21)
    for case in range(240):
        n = int(rng.choice([0, 1, 2, 3, 10, 1000, 1024, 1025, 8192, 16385, 40000]))
        dtype = (_FLOATS * 3 + _INTS)[case % (3 * len(_FLOATS) + len(_INTS))]
        clip = _random_layout(np, rng, _random_shape(rng, _random_clip(np, rng, n, dtype)))
        fast = _audio_and_warnings(clip, 8000)
        assert fast == _audio_and_warnings(memoryview(np.ascontiguousarray(clip)), 8000), (
            case,
            n,
            dtype,
            clip.shape,
        )
        if dtype == "float64":
            assert fast == _audio_and_warnings(clip.tolist(), 8000), case


def test_fast_path_on_a_long_loud_clip_with_nan():
    np = _numpy()
    rng = np.random.default_rng(22)
    clip = rng.uniform(-1.2, 1.2, 441000).astype("float32")
    clip[[5, 300000]] = np.nan
    fast, warned = _audio_and_warnings(clip)
    assert warned == [(UserWarning, "tensor: audio amplitude out of range [-1, 1], clipped")]
    assert (fast, warned) == _audio_and_warnings(memoryview(clip))


def test_fast_path_samples_are_numpys_arithmetic():
    # independently of the pure path: clip, x * 32767 in the input's type, truncation,
    # NaN as 0 (what PyTorch's writer computes, NaN aside)
    np = _numpy()
    rng = np.random.default_rng(23)
    for dtype in ("float32", "float64"):
        x = _random_clip(np, rng, 5000, dtype)
        pcm = _audio.pcm16_host(x, dtype, "x") if np.isfinite(x).all() else None
        if pcm is None:
            continue
        y = x.clip(-1, 1) * 32767
        assert pcm.tobytes() == y.astype("<i2").tobytes()
    x = np.array([np.nan, 0.5, -np.inf], dtype="float32")
    with pytest.warns(UserWarning):
        assert _audio.pcm16_host(x, "float32", "x").tolist() == [0, 16383, -32767]


def test_lists_float64_arrays_and_tensors_give_the_same_bytes():
    np = _numpy()
    torch = pytest.importorskip("torch", reason="torch tensors reach the fast path too")
    rng = np.random.default_rng(24)
    x = _random_clip(np, rng, 5000, "float64")
    expected = _audio_and_warnings(x.tolist())
    assert _audio_and_warnings(x) == expected
    assert _audio_and_warnings(torch.from_numpy(x)) == expected
    x32 = _random_clip(np, rng, 5000, "float32")
    assert _audio_and_warnings(torch.from_numpy(x32)) == _audio_and_warnings(memoryview(x32))


def test_fast_path_leaves_the_callers_array_alone_and_lets_no_numpy_warning_out():
    np = _numpy()
    x = np.array([np.nan, 2.0, -0.5, np.inf, 1e-45], dtype="float32")
    before = x.copy()
    data, warned = _audio_and_warnings(x)
    assert warned == [(UserWarning, "tensor: audio amplitude out of range [-1, 1], clipped")]
    assert np.array_equal(x, before, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_fast_path_peak_memory_is_at_most_twice_the_clip(dtype):
    # tracemalloc sees numpy's allocations; the clip is the bench's 10 s at 44.1 kHz
    np = _numpy()
    import tracemalloc

    from tinytb import summary

    clip = np.random.default_rng(25).uniform(-1.1, 1.1, 441000).astype(dtype)
    clip[7] = np.nan
    limits = [(lambda: _audio.pcm16_host(clip, dtype, "x"), 2.0)]
    if dtype != "float16":  # the WAV alone is as large as a float16 clip (see the report)
        limits.append((lambda: summary.audio("a", clip), 2.0))
    for call, limit in limits:
        tracemalloc.start()
        try:
            with pytest.warns(UserWarning):
                call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak <= limit * clip.nbytes, (peak / clip.nbytes, call)


def test_numpy_scalars_are_one_sample():
    np = _numpy()
    for x in (np.float16(0.5), np.float32(-1.0), np.float64(2.0), np.int8(-3), np.bool_(True)):
        fast = _audio_and_warnings(x)
        assert fast == _audio_and_warnings(memoryview(np.array(x))), x
        assert fast[0] == _audio_and_warnings([float(x)])[0], x  # each value exact in float64
