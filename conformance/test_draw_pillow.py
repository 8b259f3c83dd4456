"""tinytb._draw against Pillow (pinned 13.0.0), the library PyTorch's add_image_with_boxes uses.

* Box lines and label rectangles: pixel-identical to PyTorch's ``_draw_single_box`` calls
  (ImageDraw.line width 2, ImageDraw.rectangle) on random images of 1..300 pixels a side,
  for integer, fractional, negative, degenerate, inverted and off-image boxes, RGB and RGBA.
  The label text is the one known difference (tinytb's own bitmap font, where Pillow draws
  its antialiased default font), so there the comparison leaves out exactly the pixels
  tinytb inked black, on backgrounds that contain no black.
* Label text: where and by how much it differs is measured and bounded (see
  ``TYPICAL_LABEL_DIFFS``): tinytb's text box equals Pillow's ``getbbox`` for ASCII and
  non-ASCII text (which both draw as a replacement box), every differing pixel lies in the
  drawn text's box grown by one pixel, and the number of differing pixels is recorded.
* ``resize``: pixel-identical to ``Image.resize(size, Image.LANCZOS)`` for RGB and RGBA.

Pillow and numpy are imported inside the tests (``deps.need``), so the module imports in a
bare environment and its tests skip there (and fail under CI).
"""

import importlib
import math
import random
import string

import pytest

from . import deps, target

# Differing pixels between tinytb's and Pillow's rendering of one labelled box (white
# background, box (5, 5, 110, 35) in a 120x40 RGB image), measured with Pillow 13.0.0 and
# its bundled FreeType.  All of them lie in the label's text box; the rectangle is equal.
# label: (differing pixels, text box w x h)
TYPICAL_LABEL_DIFFS = {
    "cat": (61, (13, 8)),
    "dog 0.93": (192, (39, 10)),
    "person": (157, (32, 8)),
    "car: 87%": (168, (37, 8)),
    "traffic light": (242, (50, 11)),
    "Label_12": (182, (43, 9)),
    "A": (37, (7, 8)),
    "0.99": (107, (20, 8)),
    "\u00e9": (31, (5, 7)),  # not in tinytb's font (nor in Pillow's): a replacement box
}
# Over random labels, differing pixels per pixel of text box (w x h): measured mean 0.53,
# maximum 0.94 (a one-character label).
MEAN_DIFF_PER_TEXT_PIXEL = 0.6


@pytest.fixture(scope="module")
def pil():
    deps.need("numpy")
    return deps.need("PIL")


@pytest.fixture(scope="module")
def draw():
    if target.is_torch():
        pytest.skip("TINYTB_MODULE is PyTorch's writer, which has no _draw module")
    return importlib.import_module(target.load().__name__ + "._draw")


def _pillow_boxes(image, boxes, labels, font):
    """PyTorch's _draw_single_box for each box (torch/utils/tensorboard/summary.py), with
    the same Pillow calls and numpy arithmetic; ``font=None`` leaves out the text."""
    import numpy as np
    from PIL import ImageDraw, ImageFont

    measure = ImageFont.load_default()
    d = ImageDraw.Draw(image)
    for (left, top, right, bottom), label in zip(boxes, labels):
        d.line(
            [(left, top), (left, bottom), (right, bottom), (right, top), (left, top)],
            width=2,
            fill="Red",
        )
        if label:
            x0, t, r, b = measure.getbbox(label)
            text_width, text_height = r - x0, b - t
            margin = np.ceil(0.05 * text_height)
            d.rectangle(
                [(left, bottom - text_height - 2 * margin), (left + text_width, bottom)], fill="Red"
            )
            if font is not None:
                d.text(
                    (left + margin, bottom - text_height - margin), label, fill="black", font=font
                )
    return image


def _coordinate(rng, size):
    kind = rng.random()
    if kind < 0.35:
        return rng.randint(-3, size + 3)
    if kind < 0.75:
        return rng.uniform(-3.0, size + 3.0)
    if kind < 0.85:
        return rng.uniform(-1.0, 1.0)  # truncation toward zero around the edge
    if kind < 0.95:
        return rng.uniform(-400.0, size + 400.0)
    return float(rng.choice((0, size - 1, size, size + 1)))


def _random_box(rng, width, height):
    xmin, xmax = _coordinate(rng, width), _coordinate(rng, width)
    ymin, ymax = _coordinate(rng, height), _coordinate(rng, height)
    if rng.random() < 0.5:  # mostly proper boxes, the rest inverted as they come
        xmin, xmax = min(xmin, xmax), max(xmin, xmax)
        ymin, ymax = min(ymin, ymax), max(ymin, ymax)
    if rng.random() < 0.08:
        xmax = xmin
    if rng.random() < 0.08:
        ymax = ymin
    return (xmin, ymin, xmax, ymax)


_LABEL_CHARS = string.printable[:95] + "\u00e9\u00df\u4e2d"


def _random_label(rng):
    kind = rng.random()
    if kind < 0.3:
        return None
    if kind < 0.35:
        return ""
    return "".join(rng.choice(_LABEL_CHARS) for _ in range(rng.randint(1, 14)))


def _background(rng, width, height, channels):
    # No sample is 0 (so every black pixel tinytb leaves is label text) and colours are never
    # pure red.
    import numpy as np

    state = np.random.RandomState(rng.getrandbits(32))
    return state.randint(1, 255, (height, width, channels)).astype(np.uint8)


def test_box_lines_and_label_rectangles_match_pillow(pil, draw):
    import numpy as np
    from PIL import Image

    rng = random.Random(20240613)
    boxes_checked = labels_checked = 0
    sizes = [(1, 1), (1, 7), (7, 1), (2, 2), (300, 300), (300, 5), (5, 300)]
    sizes += [(rng.randint(1, 300), rng.randint(1, 300)) for _ in range(400)]
    sizes += [(rng.randint(1, 40), rng.randint(1, 40)) for _ in range(800)]
    for width, height in sizes:
        channels = rng.choice((3, 4))
        background = _background(rng, width, height, channels)
        n = rng.randint(1, 5)
        boxes = [_random_box(rng, width, height) for _ in range(n)]
        labels = [_random_label(rng) for _ in range(n)]
        want = np.asarray(
            _pillow_boxes(Image.fromarray(background.copy()), boxes, labels, font=None)
        )
        pixels = bytearray(background.tobytes())
        draw.draw_boxes(pixels, width, height, channels, boxes, labels)
        got = np.frombuffer(bytes(pixels), np.uint8).reshape(height, width, channels)
        text = (got[..., :3] == 0).all(axis=2)  # tinytb's glyph ink; compared below
        same = (got == want).all(axis=2) | text
        if not same.all():
            y, x = np.argwhere(~same)[0]
            pytest.fail(
                "%dx%dx%d, boxes %r, labels %r: pixel (x=%d, y=%d) is %r, Pillow %s "
                "draws %r"
                % (
                    width,
                    height,
                    channels,
                    boxes,
                    labels,
                    x,
                    y,
                    got[y, x].tolist(),
                    pil.__version__,
                    want[y, x].tolist(),
                )
            )
        boxes_checked += n
        labels_checked += sum(1 for label in labels if label)
    assert boxes_checked > 3000 and labels_checked > 1500


def test_text_box_matches_pillow_getbbox(pil, draw):
    from PIL import ImageFont

    font = ImageFont.load_default()
    rng = random.Random(7)
    texts = list(string.printable[:95]) + ["", "cat", "person", "s", "x", " ", "\u00e9", "\u4e2d"]
    texts += [
        "".join(rng.choice(_LABEL_CHARS) for _ in range(rng.randint(1, 20))) for _ in range(2000)
    ]
    for text in texts:
        assert draw.text_bbox(text) == font.getbbox(text), repr(text)


def _label_diff(draw, label, np, Image, font):
    width, height, box = 120, 40, (5, 5, 110, 35)
    background = np.full((height, width, 3), 255, np.uint8)
    want = np.asarray(_pillow_boxes(Image.fromarray(background.copy()), [box], [label], font))
    pixels = bytearray(background.tobytes())
    draw.draw_boxes(pixels, width, height, 3, [box], [label])
    got = np.frombuffer(bytes(pixels), np.uint8).reshape(height, width, 3)
    return (got != want).any(axis=2)


def _text_region(draw, label, left, bottom, shape, np):
    # Where the text is drawn: its box at the position _draw_single_box gives, grown by one
    # pixel for antialiasing.
    x0, t, r, b = draw.text_bbox(label)
    margin = math.ceil(0.05 * (b - t))
    x, y = int(left + margin), int(bottom - (b - t) - margin)
    region = np.zeros(shape, bool)
    region[max(y + t - 1, 0) : max(y + b + 1, 0), max(x + x0 - 1, 0) : max(x + r + 1, 0)] = True
    return region


def test_typical_label_differences(pil, draw):
    import numpy as np
    from PIL import Image, ImageFont

    font = ImageFont.load_default()
    measured = {}
    for label, (_bound, (w, h)) in TYPICAL_LABEL_DIFFS.items():
        x0, t, r, b = draw.text_bbox(label)
        assert (r - x0, b - t) == (w, h), label
        diff = _label_diff(draw, label, np, Image, font)
        assert not (diff & ~_text_region(draw, label, 5, 35, diff.shape, np)).any(), label
        measured[label] = int(diff.sum())
    # Within 10% of what was measured with Pillow 13.0.0 (FreeType antialiasing decides it).
    over = {k: v for k, v in measured.items() if v > TYPICAL_LABEL_DIFFS[k][0] * 1.1}
    assert not over, "label pixels differ more than recorded: %r (Pillow %s)" % (
        over,
        pil.__version__,
    )


def test_random_label_differences(pil, draw):
    import numpy as np
    from PIL import Image, ImageFont

    font = ImageFont.load_default()
    rng = random.Random(11)
    total_diff = total_area = 0
    for _ in range(200):
        label = "".join(rng.choice(_LABEL_CHARS) for _ in range(rng.randint(1, 15)))
        diff = _label_diff(draw, label, np, Image, font)
        outside = diff & ~_text_region(draw, label, 5, 35, diff.shape, np)
        assert not outside.any(), (label, np.argwhere(outside)[:5].tolist())
        x0, t, r, b = draw.text_bbox(label)
        total_diff += int(diff.sum())
        total_area += (r - x0) * (b - t)
    assert total_diff / total_area <= MEAN_DIFF_PER_TEXT_PIXEL, total_diff / total_area


def test_replica_is_pytorchs_draw_boxes(pil):
    """_pillow_boxes does what PyTorch's own draw_boxes does (the rest of this module trusts
    it): same image for the same boxes and labels, text included."""
    deps.need("torch")
    import numpy as np
    from PIL import Image, ImageFont
    from torch.utils.tensorboard import summary as torch_summary

    rng = random.Random(3)
    for _ in range(30):
        width, height = rng.randint(1, 120), rng.randint(1, 120)
        background = _background(rng, width, height, 3)
        n = rng.randint(1, 4)
        boxes = [_random_box(rng, width, height) for _ in range(n)]
        labels = [
            "".join(rng.choice(_LABEL_CHARS) for _ in range(rng.randint(1, 9))) for _ in range(n)
        ]
        theirs = torch_summary.draw_boxes(
            Image.fromarray(background.copy()), np.array(boxes, dtype=np.float64), labels=labels
        )
        ours = _pillow_boxes(
            Image.fromarray(background.copy()), boxes, labels, ImageFont.load_default()
        )
        assert np.array_equal(np.asarray(theirs), np.asarray(ours)), (boxes, labels)


def _resize_cases():
    rng = random.Random(5)
    cases = [
        (1, 1, 1, 2),
        (1, 1, 3, 3),
        (2, 1, 1, 1),
        (300, 200, 111, 74),
        (97, 61, 300, 199),
        (64, 48, 6, 5),
        (33, 7, 99, 2),
        (5, 300, 3, 30),
        # Pillow 13's pass order: vertical first iff the height shrinks by more than
        # twice as many pixels as the width (the boundary, both sides).
        (100, 100, 60, 19),
        (100, 100, 60, 20),
        (100, 50, 80, 9),
        (100, 50, 80, 10),
        (50, 100, 120, 40),
    ]
    for _ in range(260):
        width, height = rng.randint(1, 80), rng.randint(1, 80)
        fx, fy = rng.uniform(0.1, 3.0), rng.uniform(0.1, 3.0)
        if rng.random() < 0.15:
            fx = 1.0
        elif rng.random() < 0.15:
            fy = 1.0
        cases.append((width, height, max(1, int(width * fx)), max(1, int(height * fy))))
    return cases


def test_resize_matches_pillow_lanczos(pil, draw):
    import numpy as np
    from PIL import Image

    rng = random.Random(9)
    for width, height, new_width, new_height in _resize_cases():
        for channels in (3, 4):
            state = np.random.RandomState(rng.getrandbits(32))
            if rng.random() < 0.5:
                array = state.randint(0, 256, (height, width, channels))
            else:  # flat areas and hard edges: overshoot, clipping, alpha 0 and 255
                array = state.choice([0, 1, 127, 254, 255], (height, width, channels))
            array = array.astype(np.uint8)
            want = np.asarray(Image.fromarray(array).resize((new_width, new_height), Image.LANCZOS))
            got = draw.resize(
                bytearray(array.tobytes()), width, height, channels, new_width, new_height
            )
            assert isinstance(got, bytearray)
            if bytes(got) != want.tobytes():
                got = np.frombuffer(bytes(got), np.uint8).reshape(want.shape)
                y, x, c = np.argwhere(got != want)[0]
                pytest.fail(
                    "%dx%dx%d -> %dx%d: sample (x=%d, y=%d, c=%d) is %d, Pillow %s "
                    "gives %d (%d samples differ)"
                    % (
                        width,
                        height,
                        channels,
                        new_width,
                        new_height,
                        x,
                        y,
                        c,
                        got[y, x, c],
                        pil.__version__,
                        want[y, x, c],
                        int((got != want).sum()),
                    )
                )


def test_make_image_rescale_sizes(pil, draw):
    """make_image's int(W * rescale) x int(H * rescale) for the rescale values people use,
    resized like Pillow."""
    import numpy as np
    from PIL import Image

    state = np.random.RandomState(1)
    array = state.randint(0, 256, (37, 53, 3)).astype(np.uint8)
    for rescale in (0.1, 0.25, 1 / 3, 0.5, 0.75, 1, 1.5, 2, 2.5, 3):
        size = (int(53 * rescale), int(37 * rescale))
        want = np.asarray(Image.fromarray(array).resize(size, Image.LANCZOS)).tobytes()
        assert bytes(draw.resize(bytearray(array.tobytes()), 53, 37, 3, *size)) == want, rescale
