# SPDX-License-Identifier: MIT
"""Tests for tinytb._gif: the GIF89a encoder behind add_video and its small decoder.

A golden file assembled by hand from the spec first, then LZW against a textbook reference
(every code-size step, the end-of-stream width, the 4096-code table), then lossless round trips
for images of at most 256 colours, quantization (bounded error, deterministic), frame timing
and looping, the decoder on features the encoder does not use, corrupted input, and argument
errors.

Spec: https://www.w3.org/Graphics/GIF/spec-gif89a.txt (section numbers below are its own).
The same files were also checked outside tests/ with Pillow 13.0.0 (conformance, not here):
frames, durations, loop count and pixels agree.
"""

import hashlib
import os
import random
import struct
import subprocess
import sys

import pytest

from tinytb import _gif
from tinytb._gif import decode_gif, encode_gif
from tinytb.errors import DecodeError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def random_bytes(rng, n):
    # random.Random.randbytes is Python 3.9+
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def palette_frames(rng, width, height, palette, count=1):
    """``count`` frames of pixels drawn at random from ``palette`` (a list of 3-byte colours)."""
    return [b"".join(rng.choice(palette) for _ in range(width * height)) for _ in range(count)]


def distinct_colours(frame):
    return {frame[i : i + 3] for i in range(0, len(frame), 3)}


# --- Golden file ----------------------------------------------------------------------------

# Hand-assembled on 2026-11-26 from the GIF89a spec, field by field, with the LZW codes worked
# out on paper from Appendix F (below); not produced by tinytb. Two 2x2 frames at fps=4:
# frame 0 is black, white / white, black; frame 1 is all white. Pillow 13.0.0 opens it as 2
# frames of these pixels, duration 250 ms each, loop 0 (checked outside tests/).
GOLDEN_2X2 = bytes.fromhex(
    "474946383961"  # s17 Header: "GIF89a"
    "0200"
    "0200"
    "f0"
    "00"
    "00"  # s18: 2 x 2; GCT flag, colour resolution 7, size 0 (2 entries)
    "000000"
    "ffffff"  # s19 Global Color Table: black, white (sorted)
    "21ff0b"
    "4e45545343415045322e30"
    "030100"
    "00"
    "00"  # NETSCAPE2.0, loop count 0 = forever
    # frame 0
    "21f904"
    "04"
    "1900"
    "00"
    "00"  # s23: disposal 1 (do not dispose), delay 25 cs, no transp.
    "2c"
    "0000"
    "0000"
    "0200"
    "0200"
    "00"  # s20 Image Descriptor: whole screen, no local table
    "02"  # s22 LZW Minimum Code Size 2: Clear = 4, End of Information = 5, codes start 3 bits
    # indices 0 1 1 0 -> codes Clear(4) 0 1 1 | 0 EOI(5): the table gains 6, 7, 8 = (1, 0);
    # assigning 8 = 2**3 widens to 4 bits. Packed right to left: 0x050244 -> 44 02 05
    "03"
    "440205"
    "00"
    # frame 1
    "21f904"
    "04"
    "1900"
    "00"
    "00"
    "2c"
    "0000"
    "0000"
    "0200"
    "0200"
    "00"
    "02"
    # indices 1 1 1 1 -> Clear 1 6 1 EOI: 6 is read before it is defined (the KwKwK case);
    # after the last 1 the decoder's table reaches 8 = 2**3, so End of Information takes 4
    # bits: 0x538c -> 8c 53
    "02"
    "8c53"
    "00"
    "3b"  # s27 Trailer
)
BLACK, WHITE = b"\x00\x00\x00", b"\xff\xff\xff"
GOLDEN_FRAMES = [BLACK + WHITE + WHITE + BLACK, WHITE * 4]


def test_golden_file_encodes_byte_for_byte():
    assert encode_gif(GOLDEN_FRAMES, 2, 2, fps=4) == GOLDEN_2X2


def test_golden_file_decodes():
    assert decode_gif(GOLDEN_2X2) == (2, 2, GOLDEN_FRAMES, [25, 25], 0)


# --- LZW --------------------------------------------------------------------------------------


def reference_codes(indices, min_code_size):
    """Appendix F as a textbook LZW over tuples, returning ``(code, width)`` pairs.

    Widths follow the spec's rule from the decoder's side: the decoder adds one table entry per
    code after the first following a Clear, and "whenever the LZW code value would exceed the
    current code length, the code length is increased by one", up to 12 bits. An encoder that
    assigns code ``2**width`` must therefore widen right after it, and the End of Information
    code is read after the decoder's entry for the last data code. The table is cleared as soon
    as code 4095 has been assigned (no deferred clear).
    """
    clear = 1 << min_code_size
    end = clear + 1

    def fresh():
        return {(i,): i for i in range(clear)}

    table, next_code, width = fresh(), end + 1, min_code_size + 1
    codes = [(clear, width)]
    string = ()
    for k in indices:
        if string + (k,) in table:
            string += (k,)
            continue
        codes.append((table[string], width))
        if next_code < 4096:
            table[string + (k,)] = next_code
            if next_code == 1 << width:
                width += 1
            next_code += 1
        else:
            codes.append((clear, width))
            table, next_code, width = fresh(), end + 1, min_code_size + 1
        string = (k,)
    if string:
        codes.append((table[string], width))
        if next_code == 1 << width and width < 12:
            width += 1
    codes.append((end, width))
    return codes


def pack(codes):
    """Appendix F "Build 8-bit bytes": codes packed right to left, picked off 8 bits at a time."""
    acc = nbits = 0
    for code, width in codes:
        acc |= code << nbits
        nbits += width
    return acc.to_bytes((nbits + 7) // 8, "little")


def read_codes(data, min_code_size):
    """The codes in ``data``, widths found the way a decoder finds them: count table entries."""
    clear = 1 << min_code_size
    codes = []
    pos = 0
    width = min_code_size + 1
    entries = clear + 2
    first = True
    while True:
        chunk = int.from_bytes(data[pos // 8 : pos // 8 + 3], "little")
        code = (chunk >> pos % 8) & ((1 << width) - 1)
        pos += width
        codes.append(code)
        if code == clear:
            width, entries, first = min_code_size + 1, clear + 2, True
            continue
        if code == clear + 1:
            return codes
        assert code < entries + (not first), "code %d used before it exists" % code
        if not first and entries < 4096:
            entries += 1
        first = False
        if entries == 1 << width and width < 12:
            width += 1


class EndStates:
    """One pass of the reference algorithm recording, for every prefix length n, the state a
    stream ending there would close in: whether its End of Information code is widened, and
    how many table-full Clears came before it."""

    def __init__(self, indices, min_code_size):
        clear = 1 << min_code_size
        table = {(i,): i for i in range(clear)}
        next_code, width = clear + 2, min_code_size + 1
        self.widened, self.clears = [], []
        string = ()
        clears = 0
        for k in indices:
            if string and string + (k,) not in table:
                if next_code < 4096:
                    table[string + (k,)] = next_code
                    if next_code == 1 << width:
                        width += 1
                    next_code += 1
                else:
                    table = {(i,): i for i in range(clear)}
                    next_code, width = clear + 2, min_code_size + 1
                    clears += 1
                string = (k,)
            else:
                string += (k,)
            self.widened.append(next_code == 1 << width and width < 12)
            self.clears.append(clears)


def check_lzw(indices, min_code_size):
    expected = reference_codes(indices, min_code_size)
    data = _gif.lzw_encode(bytes(indices), min_code_size)
    assert data == pack(expected)
    assert read_codes(data, min_code_size) == [code for code, _ in expected]
    assert _gif.lzw_decode(data, min_code_size, len(indices)) == bytes(indices)


@pytest.mark.parametrize("min_code_size", range(2, 9))
def test_lzw_matches_reference_on_random_data(min_code_size):
    rng = random.Random(min_code_size)
    for n in list(range(1, 40)) + [100, 257, 1000, 3000]:
        for alphabet in {2, 1 << min_code_size}:
            check_lzw([rng.randrange(alphabet) for _ in range(n)], min_code_size)


@pytest.mark.parametrize("min_code_size, alphabet", [(2, 2), (2, 4), (4, 16), (8, 3), (8, 256)])
def test_lzw_every_code_size_step_and_widened_end(min_code_size, alphabet):
    # Find, in one pass of the reference, every prefix length at which the stream would end in
    # a widened End of Information code (the decoder's entry for the last code reaches 2**n),
    # then check the encoder there and one pixel either side, for every width up to 12.
    rng = random.Random(alphabet)
    indices = [rng.randrange(alphabet) for _ in range(40000 if alphabet < 4 else 12000)]
    states = EndStates(indices, min_code_size)
    first_end_at_width = {}
    for n, (widened, clears) in enumerate(zip(states.widened, states.clears), 1):
        if clears:
            break
        if widened:
            width = reference_codes(indices[:n], min_code_size)[-1][1]
            first_end_at_width.setdefault(width, n)
    assert set(first_end_at_width) == set(range(min_code_size + 2, 13))
    for n in first_end_at_width.values():
        for m in (n - 1, n, n + 1):
            check_lzw(indices[:m], min_code_size)


@pytest.mark.parametrize("min_code_size, alphabet", [(8, 256), (2, 4), (3, 5)])
def test_lzw_table_full_clears_and_restarts(min_code_size, alphabet):
    # Random data fills the 4096-code table: the encoder must send a Clear (at 12 bits) right
    # after the code that found code 4095 assigned, and restart at min_code_size + 1 bits.
    rng = random.Random(4096 + alphabet)
    indices = [rng.randrange(alphabet) for _ in range(30000 if alphabet > 16 else 80000)]
    states = EndStates(indices, min_code_size)
    assert states.clears[-1] >= 2
    first = states.clears.index(1)
    for n in (first - 1, first, first + 1, len(indices)):
        check_lzw(indices[:n], min_code_size)
    clear = 1 << min_code_size
    codes = read_codes(_gif.lzw_encode(bytes(indices), min_code_size), min_code_size)
    clears = [i for i, code in enumerate(codes) if code == clear]
    assert clears[0] == 0 and len(clears) == states.clears[-1] + 1
    # between two Clears: one data code per table entry (clear + 2 .. 4095), plus the code
    # sent when the table is full
    assert all(b - a - 1 == 4096 - (clear + 2) + 1 for a, b in zip(clears, clears[1:]))


def test_lzw_long_runs():
    # One colour: each code is one pixel longer than the last (KwKwK every time)
    for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 36, 37, 100, 1000):
        check_lzw([0] * n, 2)
    for n in (65535 * 3, 10**6):
        assert _gif.lzw_decode(_gif.lzw_encode(bytes(n), 2), 2, n) == bytes(n)


def test_lzw_decoder_accepts_a_deferred_clear():
    # Cover sheet: "when the decoder's table is full, it must not change the table until a
    # clear code is received". Hand-made: fill the table, keep sending 12-bit codes, then Clear.
    rng = random.Random(7)
    codes = reference_codes([rng.randrange(4) for _ in range(40000)], 2)
    full_at = next(i for i, (code, _) in enumerate(codes) if code == 4 and i > 0)
    # where the encoder sent its Clear: three more 12-bit codes (a root, the newest string,
    # an old string) into the full table, then the Clear, one 3-bit code and End
    deferred = codes[:full_at] + [(3, 12), (4095, 12), (300, 12), (4, 12), (0, 3), (5, 3)]
    expected = _expand_codes(deferred, 2)
    assert _gif.lzw_decode(pack(deferred), 2, len(expected)) == bytes(expected)


def _expand_codes(codes, min_code_size):
    """Decode (code, width) pairs with a tuple table, for the deferred-clear test."""
    clear = 1 << min_code_size
    table = {i: (i,) for i in range(clear)}
    out, prev = [], None
    for code, _ in codes:
        if code == clear:
            table = {i: (i,) for i in range(clear)}
            prev = None
            continue
        if code == clear + 1:
            break
        next_code = clear + 2 + len(table) - clear
        entry = table[code] if code in table else prev + prev[:1]
        if prev is not None and next_code < 4096:
            table[next_code] = prev + entry[:1]
        out.extend(entry)
        prev = entry
    return out


def test_sub_blocks():
    # s15: "A data sub-block may contain from 0 to 255 data bytes"; s16: 00 terminates
    assert _gif.sub_blocks(b"") == b"\x00"
    assert _gif.sub_blocks(b"ab") == b"\x02ab\x00"
    assert _gif.sub_blocks(b"x" * 255) == b"\xff" + b"x" * 255 + b"\x00"
    assert _gif.sub_blocks(b"x" * 256) == b"\xff" + b"x" * 255 + b"\x01x\x00"
    assert _gif.sub_blocks(b"x" * 510) == (b"\xff" + b"x" * 255) * 2 + b"\x00"


# --- Structure of what encode_gif writes ------------------------------------------------------


def blocks(gif):
    """Walk a GIF the encoder wrote: yield (kind, offset, fields)."""
    pos = 13
    if gif[10] & 0x80:
        pos += 3 << ((gif[10] & 7) + 1)
    while gif[pos] != 0x3B:
        if gif[pos] == 0x21 and gif[pos + 1] == 0xF9:
            yield "gce", pos, struct.unpack_from("<BBBBHBB", gif, pos)
            pos += 8
        elif gif[pos] == 0x21 and gif[pos + 1] == 0xFF:
            start = pos
            pos += 3 + gif[pos + 2]
            sizes = []
            while gif[pos]:
                sizes.append(gif[pos])
                pos += 1 + gif[pos]
            yield "app", start, (gif[start + 3 : start + 14], gif[start + 14 : pos], sizes)
            pos += 1
        else:
            assert gif[pos] == 0x2C
            fields = struct.unpack_from("<BHHHHB", gif, pos)
            start = pos
            pos += 10
            if fields[5] & 0x80:
                pos += 3 << ((fields[5] & 7) + 1)
            pos += 1  # LZW minimum code size
            sizes = []
            while gif[pos]:
                sizes.append(gif[pos])
                pos += 1 + gif[pos]
            pos += 1
            yield "image", start, fields + (sizes,)
    assert pos == len(gif) - 1


def test_structure_of_a_video():
    rng = random.Random(3)
    frames = palette_frames(rng, 40, 30, [bytes((i, i, i)) for i in range(50)], count=5)
    gif = encode_gif(frames, 40, 30, fps=10)
    assert gif[:6] == b"GIF89a"
    assert struct.unpack_from("<HHBBB", gif, 6) == (40, 30, 0x80 | 0x70 | 5, 0, 0)
    found = list(blocks(gif))
    kinds = [kind for kind, _, _ in found]
    assert kinds == ["app"] + ["gce", "image"] * 5
    # NETSCAPE2.0 right after the Global Color Table: sub-block 1, loop count 0 (forever)
    assert found[0][2] == (b"NETSCAPE2.0", b"\x03\x01\x00\x00", [3])
    assert gif[13 + 3 * 64 : 13 + 3 * 64 + 19] == _gif.NETSCAPE_LOOP_FOREVER
    for kind, _, fields in found:
        if kind == "gce":
            # 21 F9 04, disposal 1 (do not dispose), no user input, no transparency, 10 cs
            assert fields == (0x21, 0xF9, 4, 1 << 2, 10, 0, 0)
        elif kind == "image":
            assert fields[:6] == (0x2C, 0, 0, 40, 30, 0)  # full screen, global table
            assert all(size == 255 for size in fields[6][:-1]) and 0 < fields[6][-1] <= 255


def test_many_colours_in_all_but_few_per_frame_use_local_tables():
    # 16 frames of 200 colours each, 3200 in all: no single exact table exists, each frame's
    # own table is exact. Frame 0's goes global; a frame repeating frame 0 needs no local one.
    width, height = 20, 10
    frames = [b"".join(bytes((f * 16, i, 7)) for i in range(200)) for f in range(16)]
    frames.append(frames[0])
    gif = encode_gif(frames, width, height)
    assert decode_gif(gif)[2] == frames
    images = [fields for kind, _, fields in blocks(gif) if kind == "image"]
    assert [bool(fields[5] & 0x80) for fields in images] == [False] + [True] * 15 + [False]
    assert all(fields[5] & 7 == 7 for fields in images[1:16])  # 256-entry tables


# --- Lossless round trips ---------------------------------------------------------------------

SIZES = [
    (1, 1),
    (1, 2),
    (2, 1),
    (1, 31),
    (31, 1),
    (2, 2),
    (3, 5),
    (5, 3),
    (7, 13),
    (16, 16),
    (17, 9),
    (33, 31),
    (64, 64),
    (255, 3),
]


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("colours", [1, 2, 3, 5, 16, 17, 255, 256])
def test_lossless_up_to_256_colours(width, height, colours):
    rng = random.Random(width * 1000 + height * 10 + colours)
    palette = [random_bytes(rng, 3) for _ in range(colours)]
    frames = palette_frames(rng, width, height, palette, count=3)
    assert decode_gif(encode_gif(frames, width, height))[:3] == (width, height, frames)


@pytest.mark.parametrize("width, height", [(16, 16), (256, 1), (1, 256), (32, 8)])
def test_exactly_256_colours_all_present(width, height):
    frame = b"".join(bytes((i, 255 - i, (i * 37) & 255)) for i in range(256))
    gif = encode_gif([frame], width, height)
    assert decode_gif(gif)[2] == [frame]
    assert gif[10] & 7 == 7  # a full 256-entry Global Color Table
    assert gif[13 + 768 + 19 + 8 + 10] == 8  # LZW Minimum Code Size 8


def test_single_colour_and_two_colours_tables():
    # s18: a table holds 2**(size+1) entries, so one colour is padded to two; code size >= 2
    gif = encode_gif([b"\x10\x20\x30" * 6], 3, 2)
    assert gif[10] & 7 == 0 and gif[13:19] == b"\x10\x20\x30\x00\x00\x00"
    assert decode_gif(gif)[2] == [b"\x10\x20\x30" * 6]
    gif = encode_gif([WHITE * 3 + BLACK * 3], 3, 2)
    assert gif[10] & 7 == 0 and gif[13:19] == BLACK + WHITE


def test_bytes_like_frames():
    frame = bytes(range(48))
    expected = decode_gif(encode_gif([frame], 4, 4))
    for like in (bytearray(frame), memoryview(frame), memoryview(frame).cast("B", (4, 4, 3))):
        assert decode_gif(encode_gif([like], 4, 4)) == expected
    assert decode_gif(encode_gif((f for f in [frame, frame]), 4, 4))[2] == [frame, frame]


# --- Quantization ---------------------------------------------------------------------------


def gradient(width, height, t=0):
    return b"".join(
        bytes(((x * 255 // (width - 1) + t) & 255, y * 255 // (height - 1), (x + y + 3 * t) & 255))
        for y in range(height)
        for x in range(width)
    )


def max_error(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def test_quantized_colours_stay_within_their_box():
    # Every colour maps to the mean of the median-cut box holding it, so no channel is off by
    # more than the box's range in that channel.
    rng = random.Random(11)
    frame = random_bytes(rng, 3 * 48 * 48)
    colours = _gif._colours(frame)
    palette, lookup, tree = _gif.median_cut(colours)
    assert len(palette) == 256 and set(lookup) == set(colours)
    assert _gif.classify(colours, tree) == lookup
    boxes = {}
    for colour in lookup:
        boxes.setdefault(lookup[colour], []).append(colour)
    for index, members in boxes.items():
        for shift in (16, 8, 0):
            values = [c >> shift & 255 for c in members]
            mean = palette[index] >> shift & 255
            assert min(values) <= mean <= max(values)


def test_quantized_noise_and_gradients_decode_close():
    # Empirical bounds with margin (measured: max 38 and 7, mean 10.6 and 3.1): 256 boxes over
    # the whole RGB cube are about 40 values wide; a gradient (a 2-D sheet) needs far fewer.
    rng = random.Random(5)
    noise = random_bytes(rng, 3 * 64 * 64)
    smooth = gradient(64, 64)
    gif = encode_gif([noise, smooth], 64, 64)
    decoded = decode_gif(gif)[2]
    assert max_error(decoded[0], noise) <= 48
    assert max_error(decoded[1], smooth) <= 12
    assert sum(abs(a - b) for a, b in zip(decoded[0], noise)) / len(noise) <= 14
    assert sum(abs(a - b) for a, b in zip(decoded[1], smooth)) / len(smooth) <= 4
    for frame in decoded:
        assert len(distinct_colours(frame)) <= 256


def test_257_colours_quantize_to_256():
    frame = b"".join(bytes((i % 256, i // 256 * 128, 0)) for i in range(257)) + bytes(3 * 32)
    (decoded,) = decode_gif(encode_gif([frame], 17, 17))[2]
    assert len(distinct_colours(decoded)) == 256
    assert max_error(decoded, frame) <= 1  # two colours one step apart share a box


def test_quantization_is_deterministic_and_order_free():
    rng = random.Random(21)
    frame = random_bytes(rng, 3 * 32 * 32)
    assert encode_gif([frame], 32, 32) == encode_gif([bytes(frame)], 32, 32)
    # the palette depends on the multiset of colours only
    pixels = [frame[i : i + 3] for i in range(0, len(frame), 3)]
    rng.shuffle(pixels)
    shuffled = b"".join(pixels)
    assert _gif.median_cut(_gif._colours(shuffled)) == _gif.median_cut(_gif._colours(frame))


def test_quantization_same_bytes_in_every_process():
    # Nothing hashes str/bytes (PYTHONHASHSEED) or uses randomness: two processes agree.
    code = (
        "import hashlib, random, sys; from tinytb._gif import encode_gif; "
        "r = random.Random(8); "
        "fs = [r.getrandbits(8 * 3 * 900).to_bytes(3 * 900, 'little') for _ in range(2)]; "
        "print(hashlib.sha256(encode_gif(fs, 30, 30)).hexdigest())"
    )
    digests = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    rng = random.Random(8)
    frames = [random_bytes(rng, 3 * 900) for _ in range(2)]
    digests.add(hashlib.sha256(encode_gif(frames, 30, 30)).hexdigest())
    assert len(digests) == 1


def test_small_box_median_equals_counter_median(monkeypatch):
    # _median_cut_value has two paths (sorting small planes, a Counter for large ones): the
    # same cut either way.
    rng = random.Random(13)
    frame = random_bytes(rng, 3 * 40 * 40) + gradient(40, 40)
    colours = _gif._colours(frame)
    monkeypatch.setattr(_gif, "_SORT_BELOW", 0)
    by_counter = _gif.median_cut(colours)
    monkeypatch.setattr(_gif, "_SORT_BELOW", 10**9)
    assert _gif.median_cut(colours) == by_counter


def test_fewer_colours_than_boxes_stop_early():
    palette, lookup, tree = _gif.median_cut(_gif._colours(BLACK * 5 + WHITE * 3))
    assert palette == [0, 0xFFFFFF] and lookup == {0: 0, 0xFFFFFF: 1}
    assert tree == ({0: (0, 255, 1, 2)}, {1: 0, 2: 1})  # one cut: red below 255, or not


def test_classify_places_unseen_colours_in_the_box_around_them():
    # The cuts partition the whole cube: a colour never seen lands in the box whose region
    # holds it, the same box as any seen colour on the same side of every cut.
    rng = random.Random(31)
    seen = _gif._colours(random_bytes(rng, 3 * 2000))
    palette, lookup, tree = _gif.median_cut(seen, max_colors=64)
    unseen = _gif._colours(random_bytes(rng, 3 * 3000))
    placed = _gif.classify(unseen, tree)
    splits, leaves = tree
    for colour, index in placed.items():
        node = 0
        while node not in leaves:
            channel, cut, below, rest = splits[node]
            node = below if (colour >> (16 - 8 * channel) & 255) < cut else rest
        assert leaves[node] == index


def gradient_with_disc(size, frames):
    """A static gradient (more than 256 colours) with a disc moving across it."""
    background = gradient(size, size)
    video = []
    for t in range(frames):
        frame = bytearray(background)
        cx, cy, radius = size * (0.2 + 0.6 * t / frames), size / 2, size / 6
        for y in range(size):
            for x in range(size):
                if (x - cx) ** 2 + (y - cy) ** 2 < radius**2:
                    frame[(y * size + x) * 3 : (y * size + x) * 3 + 3] = bytes((230, 40 + t, 40))
        video.append(bytes(frame))
    return video


def tables(gif):
    """Each frame's colour table: the global one, or its local one."""
    global_table = gif[13 : 13 + (3 << ((gif[10] & 7) + 1))]
    found = []
    for kind, offset, fields in blocks(gif):
        if kind == "image":
            flags = fields[5]
            found.append(
                gif[offset + 10 : offset + 10 + (3 << ((flags & 7) + 1))]
                if flags & 0x80
                else global_table
            )
    return found


def test_static_content_shares_one_palette_and_does_not_flicker():
    # A palette per frame would move box boundaries every frame and re-colour the static
    # background; one palette for the run keeps every unchanged pixel the same in every frame.
    video = gradient_with_disc(40, 8)
    gif = encode_gif(video, 40, 40)
    assert len(set(tables(gif))) == 1 and b"\x2c\x00\x00\x00\x00\x28\x00\x28\x00\x00" in gif
    decoded = decode_gif(gif)[2]
    for before, after, shown_before, shown_after in zip(video, video[1:], decoded, decoded[1:]):
        for i in range(0, len(before), 3):
            if before[i : i + 3] == after[i : i + 3]:
                assert shown_before[i : i + 3] == shown_after[i : i + 3]
    assert max(max_error(a, b) for a, b in zip(decoded, video)) <= 16


def test_noise_frames_share_one_palette():
    rng = random.Random(41)
    video = [random_bytes(rng, 3 * 64 * 64) for _ in range(4)]
    gif = encode_gif(video, 64, 64)
    assert len(set(tables(gif))) == 1
    assert max(max_error(a, b) for a, b in zip(decode_gif(gif)[2], video)) <= 48


def test_a_scene_cut_starts_a_new_palette():
    # 3 frames of a gradient scene, a cut, 3 frames of a mostly red noise scene, then an exact
    # frame: three tables, the first scene's is global (ties: the earliest), the rest local.
    rng = random.Random(43)
    scene = gradient(32, 32)
    red = [
        bytes(
            b"".join(
                bytes((200 + rng.randrange(56), rng.randrange(40), rng.randrange(40)))
                for _ in range(32 * 32)
            )
        )
        for _ in range(3)
    ]
    exact = BLACK * (32 * 32)
    video = [scene] * 3 + red + [exact]
    gif = encode_gif(video, 32, 32)
    found = tables(gif)
    assert found[0] == found[1] == found[2] != found[3] == found[4] == found[5] != found[6]
    assert gif[13 : 13 + 768] == found[0]
    decoded = decode_gif(gif)[2]
    assert decoded[6] == exact and decoded[0] == decoded[1] == decoded[2]
    assert max(max_error(a, b) for a, b in zip(decoded, video)) <= 48


def test_drifting_colours_get_a_palette_each():
    # frames whose colours lie far from each other (the R-G, G-B and B-R planes): each run is
    # one frame long
    video = []
    for t in range(3):
        frame = bytearray(3 * 32 * 32)
        frame[t::3] = bytes(x * 8 for y in range(32) for x in range(32))
        frame[(t + 1) % 3 :: 3] = bytes(y * 8 for y in range(32) for x in range(32))
        video.append(bytes(frame))
    gif = encode_gif(video, 32, 32)
    assert len(set(tables(gif))) == 3
    assert max(max_error(a, b) for a, b in zip(decode_gif(gif)[2], video)) <= 16


def test_runs_stop_at_max_pixels(monkeypatch):
    # A run's palette is cut from all of its pixels, so runs are capped: here at 3 frames.
    monkeypatch.setattr(_gif, "RUN_MAX_PIXELS", 3 * 40 * 40)
    video = gradient_with_disc(40, 7)
    gif = encode_gif(video, 40, 40)
    found = tables(gif)
    assert found[0] == found[1] == found[2] != found[3] == found[4] == found[5] != found[6]
    decoded = decode_gif(gif)[2]
    assert max(max_error(a, b) for a, b in zip(decoded, video)) <= 16


def test_a_small_object_keeps_its_colour_and_its_box():
    # A small object on a static gradient in one frame of a run: it keeps its colour, and no
    # background colour is pulled into its box (a sampled palette did that: error 86).
    background = gradient(48, 48)
    video = [background] * 6
    frame = bytearray(background)
    for y in range(20, 23):
        frame[(y * 48 + 20) * 3 : (y * 48 + 23) * 3] = b"\xff\x00\xff" * 3
    video[2] = bytes(frame)
    decoded = decode_gif(encode_gif(video, 48, 48))[2]
    assert decoded[2][(21 * 48 + 21) * 3 : (21 * 48 + 22) * 3] == b"\xff\x00\xff"
    assert max(max_error(a, b) for a, b in zip(decoded, video)) <= 16


def test_colour_shape_distance():
    red, blue = RED * 100, BLUE * 100
    half = RED * 50 + BLUE * 50
    shape = _gif._colour_shape
    assert sum(shape(half)) == pytest.approx(1)
    assert _gif._distance(shape(red), shape(red)) == 0
    assert _gif._distance(shape(red), shape(blue)) == 1
    assert _gif._distance(shape(half), [a + b for a, b in zip(shape(red), shape(blue))]) == 0
    assert _gif._distance(shape(red), shape(half)) == pytest.approx(0.5)


# --- Timing and looping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fps, delay",
    [
        (1, 100),
        (4, 25),
        (10, 10),
        (30, 3),
        (0.5, 200),
        (60, 2),
        (24, 4),
        (25, 4),
        (40, 2),
        (200, 1),
        (1000, 1),
        (0.0016, 62500),
    ],
)
def test_frame_delays(fps, delay):
    # s23 Delay Time in 1/100 s: round(100 / fps) (Python's round: 2.5 -> 2), at least 1
    frames = [BLACK * 4, WHITE * 4, BLACK * 4]
    width, height, decoded, delays, loop = decode_gif(encode_gif(frames, 2, 2, fps=fps))
    assert decoded == frames and delays == [delay] * 3 and loop == 0
    assert _gif.frame_delay(fps) == delay


def test_frame_count_and_single_frame():
    for count in (1, 2, 16, 100):
        frames = [bytes((i, i, i)) * 6 for i in range(count)]
        assert len(decode_gif(encode_gif(frames, 3, 2))[2]) == count


def test_loop_forever_block():
    gif = encode_gif([BLACK], 1, 1)
    assert gif.count(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00") == 1
    assert decode_gif(gif)[4] == 0


# --- The decoder on what the encoder never writes ---------------------------------------------


def image(left, top, width, height, indices, min_code_size=2, flags=0, table=b""):
    return (
        struct.pack("<BHHHHB", 0x2C, left, top, width, height, flags)
        + table
        + bytes((min_code_size,))
        + _gif.sub_blocks(_gif.lzw_encode(bytes(indices), min_code_size))
    )


def gce(disposal=0, delay=0, transparent=None):
    flags = disposal << 2 | (transparent is not None)
    return struct.pack("<BBBBHBB", 0x21, 0xF9, 4, flags, delay, transparent or 0, 0)


RED, GREEN, BLUE = b"\xff\x00\x00", b"\x00\xff\x00", b"\x00\x00\xff"


def test_decoder_composites_like_a_viewer():
    # A 4x3 screen, background index 1 (green), no NETSCAPE block: exercised are a partial
    # image, transparency, disposals 2 (restore to background) and 3 (restore to previous),
    # a local colour table, an interlaced image (Appendix E), and comment/plain-text blocks.
    header = b"GIF87a" + struct.pack("<HHBBB", 4, 3, 0x80 | 1, 1, 0)  # 4-entry global table
    global_table = BLACK + GREEN + RED + BLUE
    bg = GREEN * 12
    comment = b"\x21\xfe\x05hello\x00"
    plain_text = b"\x21\x01\x0c" + bytes(12) + b"\x02hi\x00"
    stream = [
        header,
        global_table,
        comment,
        # 1: a 2x2 red square at (1, 1), disposal 2, 7 cs
        gce(2, 7),
        image(1, 1, 2, 2, [2, 2, 2, 2]),
        # 2: full screen blue with a transparent (index 0) column 0, disposal 3
        gce(3, 8, transparent=0),
        image(0, 0, 4, 3, [0, 3, 3, 3] * 3),
        # 3: no GCE; 1x1 local-table (white, black) image at (3, 2)
        image(3, 2, 1, 1, [0], flags=0x80, table=WHITE + BLACK),
        plain_text,
        # 4: interlaced 1x3 column at x=0: stored rows 0, 2, 1 (Appendix E order)
        gce(1, 9),
        image(0, 0, 1, 3, [2, 3, 1], flags=0x40),
        b"\x3b",
    ]
    width, height, frames, delays, loop = decode_gif(b"".join(stream))
    assert (width, height, delays, loop) == (4, 3, [7, 8, 0, 9], None)
    after1 = bytearray(bg)
    for y in (1, 2):
        after1[(y * 4 + 1) * 3 : (y * 4 + 3) * 3] = RED * 2
    assert frames[0] == after1
    # the red square is restored to green, then blue drawn except the transparent column
    after2 = (GREEN + BLUE * 3) * 3
    assert frames[1] == after2
    # disposal 3 restores the screen from before image 2 (green, the red already disposed)
    after3 = bytearray(bg)
    after3[(2 * 4 + 3) * 3 :] = WHITE
    assert frames[2] == after3
    after4 = bytearray(after3)
    for y, colour in enumerate((RED, GREEN, BLUE)):  # rows 0, 2, 1 held 2, 3, 1
        after4[y * 12 : y * 12 + 3] = colour
    assert frames[3] == after4


def test_decoder_deinterlaces_every_pass():
    # Appendix E: rows are stored 0, 8, 16, ...; 4, 12, ...; 2, 6, ...; 1, 3, 5, ...
    height = 21
    order = (
        list(range(0, height, 8))
        + list(range(4, height, 8))
        + list(range(2, height, 4))
        + list(range(1, height, 2))
    )
    table = b"".join(bytes((v, v, v)) for v in range(0, 256, 8))  # 32 greys
    header = b"GIF89a" + struct.pack("<HHBBB", 1, height, 0x80 | 4, 0, 0) + table
    gif = header + image(0, 0, 1, height, [row for row in order], 5, 0x40) + b"\x3b"
    (frame,) = decode_gif(gif)[2]
    assert frame == b"".join(bytes((8 * y,)) * 3 for y in range(height))


def test_decoder_reads_loop_counts():
    def looped(count, identifier=b"NETSCAPE2.0"):
        return (
            GOLDEN_2X2[:19]
            + b"\x21\xff\x0b"
            + identifier
            + b"\x03\x01"
            + struct.pack("<H", count)
            + b"\x00"
            + GOLDEN_2X2[38:]
        )

    assert decode_gif(looped(0))[4] == 0
    assert decode_gif(looped(3))[4] == 3
    assert decode_gif(looped(5, b"ANIMEXTS1.0"))[4] == 5
    assert decode_gif(looped(5, b"XMP DataXMP"))[4] is None
    assert decode_gif(GOLDEN_2X2[:19] + GOLDEN_2X2[38:])[4] is None


# --- Corrupted input --------------------------------------------------------------------------

SMALL = encode_gif([bytes(range(0, 240, 5)), bytes(range(240, 0, -5))], 4, 4, fps=2)


def test_every_truncation_raises_decode_error():
    for cut in range(len(SMALL)):
        with pytest.raises(DecodeError) as info:
            decode_gif(SMALL[:cut])
        assert info.value.offset is not None and 0 <= info.value.offset <= cut


def test_bit_flips_raise_decode_error_or_decode():
    # fuzz invariant: a corrupted file either decodes or raises DecodeError, never anything else
    rng = random.Random(17)
    for pos in range(len(SMALL)):
        for _ in range(3):
            corrupt = bytearray(SMALL)
            corrupt[pos] ^= 1 << rng.randrange(8)
            try:
                width, height, frames, _, _ = decode_gif(bytes(corrupt))
            except DecodeError:
                continue
            assert all(len(frame) == width * height * 3 for frame in frames)


def corrupt(gif, offset, value):
    return gif[:offset] + bytes((value,)) + gif[offset + 1 :]


@pytest.mark.parametrize(
    "data, offset, message",
    [
        (b"", 0, "truncated header"),
        (b"GIF89b" + GOLDEN_2X2[6:], 0, "not a GIF"),
        (b"PNG\r\n\x1a" + GOLDEN_2X2[6:], 0, "not a GIF"),
        (GOLDEN_2X2[:8], 6, "truncated logical screen descriptor"),
        (corrupt(GOLDEN_2X2, 6, 0), 6, "logical screen is 0x2"),
        (GOLDEN_2X2[:15], 13, "truncated global color table"),
        (GOLDEN_2X2[:-1], len(GOLDEN_2X2) - 1, "no Trailer"),
        (GOLDEN_2X2[:38] + b"\x00" + GOLDEN_2X2[38:], 38, "unknown block introducer 0x00"),
        (corrupt(GOLDEN_2X2, 40, 5), 38, "graphic control extension with block size 5"),
        (corrupt(GOLDEN_2X2, 21, 10), 19, "application extension block size 10"),
        (corrupt(GOLDEN_2X2, 51, 3), 46, "image 3x2 at (0, 0) does not fit the 2x2"),
        (corrupt(GOLDEN_2X2, 51, 0), 46, "image 0x2 at (0, 0) does not fit"),
        (corrupt(GOLDEN_2X2, 10, 0x70), 13, "unknown block introducer 0x00"),  # GCT flag cleared
        # a 2-entry Local Color Table flagged: 6 bytes of table, then 0x21 as the code size
        (corrupt(GOLDEN_2X2, 55, 0x80), 62, "LZW minimum code size 33"),
        (corrupt(GOLDEN_2X2, 56, 1), 56, "LZW minimum code size 1"),
        (corrupt(GOLDEN_2X2, 56, 9), 56, "LZW minimum code size 9"),
        (
            corrupt(GOLDEN_2X2, 57, 255),
            57,
            "truncated image data (frame 0): a sub-block of 255 bytes has 28",
        ),
        # codes Clear 7: 7 is the first code after Clear, before any entry exists
        (corrupt(GOLDEN_2X2, 58, 0x7C), 58, "LZW code 7 is not in the table (next free code 6)"),
        # codes Clear 0 1 1 End: three pixels of four
        (corrupt(GOLDEN_2X2, 59, 0x52), 61, "image data ends after 3 of 4 pixels"),
    ],
)
def test_corrupt_inputs(data, offset, message):
    with pytest.raises(DecodeError) as info:
        decode_gif(data)
    assert message in str(info.value)
    assert info.value.offset == offset


def test_missing_colour_table_and_index_out_of_table():
    no_tables = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
    with pytest.raises(DecodeError, match="no color table"):
        decode_gif(no_tables + image(0, 0, 1, 1, [0]) + b"\x3b")
    two_entries = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + BLACK + WHITE
    with pytest.raises(DecodeError, match="color index 3 of a 2-entry color table"):
        decode_gif(two_entries + image(0, 0, 1, 1, [3]) + b"\x3b")


def test_decode_rejects_non_bytes():
    with pytest.raises(TypeError, match="gif must be a bytes-like object"):
        decode_gif("GIF89a")


# --- Arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (([], 1, 1), {}, ValueError, "frames is empty"),
        (([b"\x00" * 5], 1, 2), {}, ValueError, "frames[0] has 5 bytes; width=1 x height=2"),
        (([b"\x00" * 6, b"\x00" * 7], 1, 2), {}, ValueError, "frames[1] has 7 bytes"),
        (([b"\x00" * 3], 0, 1), {}, ValueError, "width must be between 1 and 65535"),
        (([b"\x00" * 3], 1, 65536), {}, ValueError, "height must be between 1 and 65535"),
        (([b"\x00" * 3], -1, 1), {}, ValueError, "width"),
        (([b"\x00" * 3], 1, 1), {"fps": 0}, ValueError, "fps must be a positive"),
        (([b"\x00" * 3], 1, 1), {"fps": -4}, ValueError, "fps must be a positive"),
        (([b"\x00" * 3], 1, 1), {"fps": float("nan")}, ValueError, "fps must be a positive"),
        (([b"\x00" * 3], 1, 1), {"fps": float("inf")}, ValueError, "fps must be a positive"),
        (([b"\x00" * 3], 1, 1), {"fps": 0.001}, ValueError, "over the GIF maximum of 65535 cs"),
        (([b"\x00" * 3], 1.0, 1), {}, TypeError, "width must be an int"),
        (([b"\x00" * 3], 1, True), {}, TypeError, "height must be an int"),
        (([b"\x00" * 3], 1, 1), {"fps": "4"}, TypeError, "fps must be a number"),
        ((b"\x00" * 3, 1, 1), {}, TypeError, "not a single bytes"),
        ((None, 1, 1), {}, TypeError, "frames must be a list"),
        (([[0, 0, 0]], 1, 1), {}, TypeError, "frames[0] must be a bytes-like object"),
        (([memoryview(bytes(12)).cast("I")], 1, 1), {}, ValueError, "frames[0] must hold 8-bit"),
    ],
)
def test_argument_errors(args, kwargs, error, message):
    with pytest.raises(error) as info:
        encode_gif(*args, **kwargs)
    assert message in str(info.value)


def test_decoder_refuses_a_huge_screen_without_allocating_it():
    import struct

    header = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0) + b";"
    with pytest.raises(DecodeError, match="over this decoder"):
        _gif.decode_gif(header)


# --- Decoder limits ---------------------------------------------------------------------------


def tiny_frames_gif(width, height, count):
    """A screen of ``width`` x ``height`` and ``count`` images of 1x1 pixel, 16 bytes each:
    every image makes the decoder copy the whole screen."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + BLACK + WHITE
    return header + image(0, 0, 1, 1, [1]) * count + b"\x3b"


def test_many_tiny_frames_are_refused_before_the_output_passes_max_pixels():
    # The case: the number of frames was unbounded, and each costs a whole screen.
    # 17 images of 1x1 on a 4096 x 4096 screen: a 275-byte file, 17 x 48 MiB of RGB frames
    # (816 MiB) before; refused now, at the 17th image (16 x 2**24 = 2**28 pixels are fine),
    # by a walk over the blocks before any image is decoded.
    gif = tiny_frames_gif(4096, 4096, 17)
    assert len(gif) < 400
    with pytest.raises(DecodeError) as info:
        decode_gif(gif)
    assert info.value.section == "image descriptor (frame 16)"
    assert info.value.offset == 19 + 16 * 15
    assert (
        "would make 17 frames of 4096x4096 pixels, over the decoder's limit of "
        "268435456 pixels in all (max_pixels)" in info.value.msg
    )


def test_max_pixels_bounds_frames_times_screen():
    gif = tiny_frames_gif(3, 2, 4)
    width, height, frames, delays, loop = decode_gif(gif, max_pixels=24)
    assert (width, height, len(frames), delays, loop) == (3, 2, 4, [0] * 4, None)
    assert frames[-1] == WHITE + BLACK * 5
    with pytest.raises(DecodeError, match="would make 4 frames of 3x2 pixels"):
        decode_gif(gif, max_pixels=23)
    with pytest.raises(DecodeError, match="logical screen 3x2 is over this decoder's 5 pixels"):
        decode_gif(gif, max_pixels=5)
    with pytest.raises(TypeError, match="max_pixels must be an int"):
        decode_gif(gif, max_pixels=24.0)


def fuzz_seeds():
    """Small valid GIFs exercising every block the decoder reads."""
    header = b"GIF87a" + struct.pack("<HHBBB", 4, 3, 0x80 | 1, 1, 0)
    composite = b"".join(
        [
            header,
            BLACK + GREEN + RED + BLUE,
            b"\x21\xfe\x05hello\x00",
            gce(2, 7),
            image(1, 1, 2, 2, [2, 2, 2, 2]),
            gce(3, 8, transparent=0),
            image(0, 0, 4, 3, [0, 3, 3, 3] * 3),
            image(3, 2, 1, 1, [0], flags=0x80, table=WHITE + BLACK),
            b"\x21\x01\x0c" + bytes(12) + b"\x02hi\x00",
            gce(1, 9),
            image(0, 0, 1, 3, [2, 3, 1], flags=0x40),
            b"\x3b",
        ]
    )
    rng = random.Random(5)
    noise = [random_bytes(rng, 6 * 5 * 3) for _ in range(3)]
    return [GOLDEN_2X2, SMALL, composite, encode_gif(noise, 6, 5)]


def mutate(rng, gif):
    """One random change: bytes set, cut, inserted, or a stretch of the file repeated."""
    how = rng.randrange(4)
    out = bytearray(gif)
    if how == 0:
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.choice(
                (0, 1, 0x21, 0x2C, 0x3B, 0xFF, rng.randrange(256))
            )
    elif how == 1:
        del out[rng.randrange(len(out)) :]
    elif how == 2:
        at = rng.randrange(len(out) + 1)
        out[at:at] = random_bytes(rng, rng.randint(1, 8))
    else:
        start = rng.randrange(len(out))
        end = rng.randrange(start, min(len(out), start + 40) + 1)
        out[start:start] = out[start:end] * rng.randint(1, 5)
    return bytes(out)


def test_fuzz_only_decode_error_escapes():
    # max_pixels keeps each case small (a changed screen size could ask for 2**26 pixels);
    # the limit itself is what the tests above check.
    rng = random.Random(20261207)
    seeds = fuzz_seeds()
    for seed in seeds:
        decode_gif(seed)  # the seeds are valid
    decoded = 0
    for case in range(3000):
        gif = mutate(rng, rng.choice(seeds))
        try:
            width, height, frames, delays, _ = decode_gif(gif, max_pixels=1 << 16)
        except DecodeError:
            continue
        except Exception as error:  # pragma: no cover - what the test is for
            raise AssertionError("case %d: %r raised %r" % (case, gif, error)) from error
        assert len(frames) == len(delays)
        assert all(len(frame) == width * height * 3 for frame in frames)
        decoded += 1
    assert 0 < decoded < 3000  # some changes leave a valid GIF; most do not
