# SPDX-License-Identifier: MIT
"""Tests for tinytb._draw: boxes, the label font, Lanczos resizing.

The expected pixel maps and resized bytes below were produced with Pillow 13.0.0
(ImageDraw.line(width=2, fill="Red"), ImageDraw.rectangle, Image.resize(..., LANCZOS)),
the calls PyTorch's add_image_with_boxes makes, and pasted here as literals; only the label
glyphs are tinytb's own (marked where they appear).  conformance/test_draw_pillow.py
repeats the comparison against Pillow itself on thousands of random cases.
"""

import string

import pytest

from tinytb import _draw

W, H = 12, 10  # the canvas of the pixel maps


def render(boxes, labels=None, width=W, height=H, channels=3, background=b"\x00\x00\x00"):
    pixels = bytearray(background[:channels] * (width * height))
    _draw.draw_boxes(pixels, width, height, channels, boxes, labels)
    return pixels


def pixel_map(pixels, width=W, channels=3):
    """One string per row: '#' red, 'k' black, '.' anything else."""
    names = {b"\xff\x00\x00": "#", b"\x00\x00\x00": "k"}
    rows = []
    for y in range(len(pixels) // (width * channels)):
        row = pixels[y * width * channels : (y + 1) * width * channels]
        rows.append(
            "".join(
                names.get(bytes(row[x * channels : x * channels + 3]), ".") for x in range(width)
            )
        )
    return rows


def red_map(pixels, width=W, channels=3):
    """'#' red, '.' anything else (the maps below, verified against Pillow 13.0.0 with a
    black background)."""
    return [row.replace("k", ".") for row in pixel_map(pixels, width, channels)]


# --- Box lines: each map is Pillow 13.0.0's output for the same box -----------------

INTEGER_BOX = [
    "..########..",
    "..########..",
    "..##....##..",
    "..##....##..",
    "..##....##..",
    "..##....##..",
    "..##....##..",
    "..########..",
    "..########..",
    "............",
]

BOX_MAPS = {
    # Each segment is 2 pixels thick, on one side of the line: the left edge (drawn
    # downwards) to its right, the bottom (rightwards) below, the right edge (upwards) to its
    # left, the top (leftwards) above.
    "integer": ([(2, 1, 9, 7)], INTEGER_BOX),
    # Coordinates are truncated toward zero (C's (int) cast), so these are (2, 1, 9, 7).
    "fractional": ([(2.7, 1.2, 9.9, 7.5)], INTEGER_BOX),
    # An inverted box draws the same outline.
    "inverted": ([(9, 7, 2, 1)], INTEGER_BOX),
    # (-1, 0, 4, 3) after truncation; clipped at the image's edges.
    "fractional_negative": (
        [(-1.5, -0.7, 4.2, 3.9)],
        [
            "#####.......",
            "#..##.......",
            "#..##.......",
            "#####.......",
            "#####.......",
            "............",
            "............",
            "............",
            "............",
            "............",
        ],
    ),
    # A point box is one pixel; a zero-width box is a 3-pixel-wide bar, a zero-height one a
    # 3-pixel-high bar (two 2-pixel segments on opposite sides, overlapping by one).
    "degenerate": (
        [(5, 5, 5, 5), (1, 2, 1, 8), (7, 1, 11, 1)],
        [
            ".......#####",
            ".......#####",
            "###....#####",
            "###.........",
            "###.........",
            "###..#......",
            "###.........",
            "###.........",
            "###.........",
            "............",
        ],
    ),
    "off_image": (
        [(-20, -20, -5, -5), (8, 6, 30, 30)],
        [
            "............",
            "............",
            "............",
            "............",
            "............",
            "........####",
            "........####",
            "........##..",
            "........##..",
            "........##..",
        ],
    ),
    # Label "_": text box 5x1, margin ceil(0.05) = 1, so the red rectangle spans
    # (1, 5 - 1 - 2) to (1 + 5, 5); the glyph itself lands below the image, in Pillow too.
    "label_rectangle": (
        [(1, 0, 10, 5)],
        [
            ".##########.",
            ".##......##.",
            ".######..##.",
            ".######..##.",
            ".######..##.",
            ".##########.",
            ".##########.",
            "............",
            "............",
            "............",
        ],
        ["_"],
    ),
}


@pytest.mark.parametrize("name", sorted(BOX_MAPS))
def test_box_maps_verified_against_pillow(name):
    boxes, expected, *labels = BOX_MAPS[name]
    assert red_map(render(boxes, labels[0] if labels else None)) == expected


def test_rgba_sets_opaque_red_and_leaves_the_rest():
    # Pillow 13.0.0 on an RGBA image of (10, 20, 30, 40): the same map, red pixels
    # (255, 0, 0, 255), every other pixel unchanged.
    pixels = render([(2, 1, 9, 7)], channels=4, background=b"\x0a\x14\x1e\x28")
    for y, row in enumerate(INTEGER_BOX):
        for x, c in enumerate(row):
            i = (y * W + x) * 4
            want = b"\xff\x00\x00\xff" if c == "#" else b"\x0a\x14\x1e\x28"
            assert pixels[i : i + 4] == want, (x, y)


def test_labelled_box():
    # The red parts (outline and label rectangle) are Pillow 13.0.0's; the 'k' glyph pixels
    # are tinytb's font ("H" then "i"), where Pillow draws antialiased Aileron.  As in
    # PyTorch, the text is placed lower than the rectangle by the text's top bearing, so it
    # runs over the box's bottom line.
    pixels = render([(0, 0, 17, 14)], ["Hi"], width=18, height=16, background=b"\xff\xff\xff")
    assert pixel_map(pixels, width=18) == [
        "##################",
        "##..............##",
        "##..............##",
        "##..............##",
        "############....##",
        "############....##",
        "############....##",
        "#k####k##k##....##",
        "#k####k#####....##",
        "#k####k##k##....##",
        "#kkkkkk##k##....##",
        "#k####k##k##....##",
        "#k####k##k##....##",
        "#k####k##k##....##",
        "#k####k##k########",
        "##################",
    ]


def test_empty_and_none_labels_draw_no_label():
    plain = render([(1, 1, 10, 8), (0, 0, 5, 5)])
    assert render([(1, 1, 10, 8), (0, 0, 5, 5)], ["", None]) == plain


def test_later_boxes_cover_earlier_labels():
    # The second box's top line (rows 2-3) and bottom line (rows 8-9) cover the first box's
    # label text there.
    under = pixel_map(render([(0, 0, 11, 9)], ["Wide label"], background=b"\xff\xff\xff"))
    both = pixel_map(
        render([(0, 0, 11, 9), (0, 3, 11, 8)], ["Wide label", None], background=b"\xff\xff\xff")
    )
    for y in (2, 3, 8, 9):
        assert "k" in under[y] and both[y] == "#" * W, y


def test_draw_boxes_argument_checks():
    pixels = bytearray(W * H * 3)
    with pytest.raises(TypeError, match="bytearray"):
        _draw.draw_boxes(bytes(pixels), W, H, 3, [])
    with pytest.raises(ValueError, match="needs 360"):
        _draw.draw_boxes(bytearray(10), W, H, 3, [])
    with pytest.raises(ValueError, match="channels"):
        _draw.draw_boxes(bytearray(W * H * 2), W, H, 2, [])
    with pytest.raises(ValueError, match="width and height"):
        _draw.draw_boxes(bytearray(), 0, H, 3, [])
    with pytest.raises(TypeError, match="width must be an int"):
        _draw.draw_boxes(pixels, 12.0, H, 3, [])
    with pytest.raises(ValueError, match=r"boxes\[0\].*found 3 values"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3)])
    with pytest.raises(TypeError, match=r"boxes\[1\] must be"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, 4), 5])
    with pytest.raises(TypeError, match=r"boxes\[0\] must hold 4 numbers, found str"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, "4")])
    with pytest.raises(TypeError, match="found bool"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, True)])
    with pytest.raises(ValueError, match="finite"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, float("nan"))])
    with pytest.raises(ValueError, match="2 entries for 1 boxes"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, 4)], ["a", "b"])
    with pytest.raises(TypeError, match="not a str"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, 4)], "a")
    with pytest.raises(TypeError, match=r"labels\[0\] must be a str or None, not int"):
        _draw.draw_boxes(pixels, W, H, 3, [(1, 2, 3, 4)], [1])
    assert pixels == bytearray(W * H * 3)  # nothing drawn by a failed call


def test_coordinates_from_other_number_types():
    from fractions import Fraction

    assert render([(Fraction(5, 2), 1, 9, Fraction(15, 2))]) == render([(2, 1, 9, 7)])


# --- The label font ------------------------------------------------------------------


def test_every_printable_ascii_character_has_a_glyph():
    assert set(_draw._GLYPH_DATA) == set(string.printable[:95])


@pytest.mark.parametrize("ch", list(string.printable[:95]))
def test_glyph_fits_its_box(ch):
    advance, left, top, right, bottom, rows = _draw._GLYPH_DATA[ch]
    width = right - left
    assert 1 <= advance <= 10 and 1 <= width <= 10 and -1 <= left <= 0
    assert 0 < top <= bottom <= 12 and bottom >= 10  # boxes reach the baseline, y = 10
    rows = [int(h, 16) for h in rows.split()]
    assert len(rows) <= bottom - top
    assert all(0 <= row < 1 << width for row in rows)
    if ch != " ":
        assert any(rows), "no ink"
    ink = _draw._GLYPHS[ch][2]
    assert all(left <= dx < right and top <= dy < bottom for dx, dy in ink)


def test_replacement_box():
    assert _draw._GLYPHS.get("\u00e9", _draw._REPLACEMENT) is _draw._REPLACEMENT
    advance, box, ink = _draw._REPLACEMENT
    assert (advance, box) == (5, (0, 3, 5, 10))  # Pillow's .notdef metrics
    assert len(ink) == 4 * 2 + 5 * 2  # a hollow 4x7 box


# (text, Pillow 13.0.0's ImageFont.load_default().getbbox(text))
TEXT_BOXES = [
    ("", (0, 0, 0, 0)),
    ("cat", (0, 2, 13, 10)),
    ("person", (0, 4, 32, 12)),
    ("dog 0.93", (0, 2, 39, 12)),
    ("Hello World", (0, 2, 55, 10)),
    ("A", (0, 2, 7, 10)),
    ("s", (-1, 4, 4, 10)),
    (" ", (0, 10, 2, 10)),
    ("_", (0, 10, 5, 11)),
    ("\u00e9", (0, 3, 5, 10)),
    ("\u4e2d", (0, 3, 5, 10)),
    ("\n", (0, 3, 5, 10)),
]


@pytest.mark.parametrize("text, box", TEXT_BOXES)
def test_text_bbox_as_pillow_measures(text, box):
    assert _draw.text_bbox(text) == box


# --- resize --------------------------------------------------------------------------

# (width, height, channels, new_width, new_height, input hex, Pillow 13.0.0 output hex),
# inputs numpy.random.RandomState(seed).randint(0, 256, (h, w, c)) for seeds 1..5.
RESIZE_VECTORS = [
    (
        4,
        3,
        3,
        2,
        2,
        "25eb8c48ff89cb854fc09081cc47edfc8619b214fe6592d48bfcea9c9d8e3244d7d7e9f1",
        "82b284b27c8bb08bad8a7ada",
    ),
    (
        2,
        2,
        3,
        3,
        3,
        "a80fed48162bd24b6807a2b1",
        "ad08ff79078c430400d027af73458d1e6267f2464b6c838d00c0cf",
    ),
    # The height shrinks by 7, the width by 1: Pillow 13 makes the vertical pass first.
    (
        3,
        9,
        3,
        2,
        2,
        "6a98f983b8c80015fd93ca6bf9a98a9577a6e094ac5da78ef81a51da964202bf3c81b35a45686e619d6a98"
        "fb3e07f8ab217b4fb025145e31957fcef41c773600c0e91274bfa5b8b8c7a5fdae2171015575",
        "88aa8585837a4b8fab618566",
    ),
    # RGBA: premultiplied by alpha around the resampling, as Pillow does.
    (3, 2, 4, 2, 1, "7aaeb7c5816857c832893afc676d5e37b73968a4b22c267e", "8a7c8a91745e40bf"),
    (5, 1, 3, 2, 1, "63ceefbde676904908e4e7be9b709e", "95bd85bb967f"),
]


@pytest.mark.parametrize("vector", RESIZE_VECTORS, ids=lambda v: "%dx%dx%d-%dx%d" % v[:5])
def test_resize_vectors(vector):
    width, height, channels, new_width, new_height, src, want = vector
    got = _draw.resize(bytearray.fromhex(src), width, height, channels, new_width, new_height)
    assert isinstance(got, bytearray)
    assert got.hex() == want


@pytest.mark.parametrize("channels", [3, 4])
def test_resize_same_size_is_a_copy(channels):
    src = bytearray(range(3 * 2 * channels))
    got = _draw.resize(src, 3, 2, channels, 3, 2)
    assert got == src and got is not src
    got[0] = 99
    assert src[0] == 0


@pytest.mark.parametrize("channels", [3, 4])
def test_resize_keeps_a_flat_image_flat(channels):
    colour = bytes([200, 100, 50, 255][:channels])
    for size in [(1, 1), (2, 7), (13, 5), (40, 40)]:
        got = _draw.resize(colour * (9 * 6), 9, 6, channels, *size)
        assert got == colour * (size[0] * size[1]), size


def test_resize_accepts_bytes_and_memoryview():
    src = bytes(range(4 * 3 * 3))
    want = _draw.resize(bytearray(src), 4, 3, 3, 2, 5)
    assert _draw.resize(src, 4, 3, 3, 2, 5) == want
    assert _draw.resize(memoryview(src), 4, 3, 3, 2, 5) == want


def test_alpha_tables_leave_opaque_pixels_alone():
    premultiply, unpremultiply = _draw._alpha_tables()
    assert all(premultiply[255 << 8 | c] == c == unpremultiply[255 << 8 | c] for c in range(256))
    assert premultiply[128 << 8 | 255] == 128 and unpremultiply[128 << 8 | 128] == 255


def test_resize_argument_checks():
    src = bytearray(4 * 3 * 3)
    with pytest.raises(ValueError, match="height and width must be > 0"):
        _draw.resize(src, 4, 3, 3, 0, 3)
    with pytest.raises(ValueError, match="height and width must be > 0"):
        _draw.resize(src, 4, 3, 3, 2, -1)
    with pytest.raises(TypeError, match="new_width must be an int"):
        _draw.resize(src, 4, 3, 3, 2.0, 3)
    with pytest.raises(ValueError, match="needs 36"):
        _draw.resize(src[:-1], 4, 3, 3, 2, 3)
    with pytest.raises(ValueError, match="channels"):
        _draw.resize(bytearray(4 * 3), 4, 3, 1, 2, 3)
