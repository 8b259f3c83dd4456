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
