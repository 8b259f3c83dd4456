"""Images and video: decoding with Pillow, and the pixel checks of the parity check.

tinytb encodes PNG and GIF itself, so its ``encoded_image_string`` cannot be PyTorch's bytes
(Pillow's encoder). What must be equal are the pixels: ``compare_png`` decodes both PNGs with
Pillow and requires the same format, mode, size and pixel array; the only pixels allowed to
differ are the label glyphs of ``add_image_with_boxes`` (tinytb's bitmap font against Pillow's
antialiased one), inside the text boxes PyTorch draws grown by one pixel (``glyph_mask``; for
``rescale`` != 1 the region is widened by the Lanczos filter's reach).

PyTorch's ``add_video`` writes no payload without moviepy, so ``check_gif`` checks tinytb's
GIF against PyTorch's own frames instead: ``torch.utils.tensorboard._utils._prepare_video``
and ``video()``'s scaling, applied to the same input.

numpy, Pillow and torch are imported inside the functions (the module imports without them).
"""

import io
import math

from .errors import ConformanceError

# A frame with more than 256 colours cannot be exact in a GIF; tinytb quantizes it (median
# cut, no dithering). Measured mean absolute error per sample on uniform noise (the worst
# case): 9.1; the check allows this much.
MAX_QUANTIZED_MEAN_ERROR = 12.0
# Lanczos (a = 3): an output sample reads input samples within 3 * max(1, in/out) of its
# centre (Pillow's support), plus one for the bounds' rounding.
_LANCZOS_A = 3.0


def decode(blob):
    """The Pillow image of ``blob``, fully loaded (first frame)."""
    from PIL import Image

    image = Image.open(io.BytesIO(blob))
    image.load()
    return image


def png_pixels(blob, where):
    """(mode, size, numpy array) of a PNG."""
    import numpy as np

    try:
        image = decode(blob)
    except Exception as e:
        raise ConformanceError(
            "%s: Pillow cannot decode the image (%s: %s)" % (where, type(e).__name__, e)
        ) from e
    if image.format != "PNG":
        raise ConformanceError("%s: a %s image, expected PNG" % (where, image.format))
    return image.mode, image.size, np.asarray(image)


# ---------------------------------------------------------------------------
# Labels


def label_text_boxes(boxes, labels):
    """The text boxes PyTorch's ``_draw_single_box`` draws label text into, as
    ``(x0, y0, x1, y1)`` pixel ranges (ends exclusive), grown by one pixel (antialiasing).

    Text goes at ``(left + margin, bottom - text_h - margin)`` with Pillow's default font;
    the glyphs cover ``font.getbbox(label)`` from there."""
    from PIL import ImageFont

    font = ImageFont.load_default()
    regions = []
    for (left, _top, _right, bottom), label in zip(boxes, labels):
        if not label:
            continue
        x0, t, r, b = font.getbbox(label)
        margin = math.ceil(0.05 * (b - t))
        x, y = left + margin, bottom - (b - t) - margin
        regions.append(
            (
                math.floor(x + x0) - 1,
                math.floor(y + t) - 1,
                math.ceil(x + r) + 1,
                math.ceil(y + b) + 1,
            )
        )
    return regions


def _scaled(lo, hi, in_size, out_size):
    """Output samples a Lanczos resize from in_size to out_size lets input [lo, hi) reach."""
    scale = in_size / out_size
    reach = _LANCZOS_A * max(scale, 1.0) + 1
    return (
        max(0, math.floor((lo - reach) / scale) - 1),
        min(out_size, math.ceil((hi + reach) / scale) + 1),
    )


def glyph_mask(exp, size):
    """Bool (height, width) array of the output pixels where label glyphs may differ."""
    import numpy as np

    width, height = size
    mask = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in exp.glyphs:
        if (width, height) != (exp.model.width, exp.model.height):
            x0, x1 = _scaled(x0, x1, exp.model.width, width)
            y0, y1 = _scaled(y0, y1, exp.model.height, height)
        mask[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = True
    return mask


# ---------------------------------------------------------------------------
# PNG


def compare_png(torch_blob, target_blob, exp, where):
    """PyTorch's PNG and tinytb's decode to the same mode, size and pixels, except label
    glyphs inside ``glyph_mask``.  Returns the number of pixels that differ there."""
    import numpy as np

    a_mode, a_size, a = png_pixels(torch_blob, where + " (PyTorch's)")
    b_mode, b_size, b = png_pixels(target_blob, where)
    if (a_mode, a_size) != (b_mode, b_size):
        raise ConformanceError(
            "%s: a %s %dx%d PNG, PyTorch's is %s %dx%d"
            % (where, b_mode, b_size[0], b_size[1], a_mode, a_size[0], a_size[1])
        )
    if exp is not None and exp.model.format == "PNG" and a_size != exp.model.size:
        raise ConformanceError(
            "%s: PNG size %s, the case table says %s" % (where, a_size, exp.model.size)
        )
    differ = a != b
    if differ.ndim == 3:
        differ = differ.any(axis=2)
    allowed = glyph_mask(exp, a_size) if exp is not None and exp.glyphs else None
    outside = differ if allowed is None else differ & ~allowed
    if outside.any():
        y, x = (int(v) for v in np.argwhere(outside)[0])
        raise ConformanceError(
            "%s: pixels differ from PyTorch's (%d of %d; the first at x=%d, y=%d: %r, "
            "PyTorch's %r)%s"
            % (
                where,
                int(outside.sum()),
                outside.size,
                x,
                y,
                b[y, x].tolist(),
                a[y, x].tolist(),
                " outside the label text boxes" if allowed is not None else "",
            )
        )
    return int(differ.sum())


# ---------------------------------------------------------------------------
# Video


def expected_video_frames(tensor):
    """PyTorch's frames for ``tensor`` (T, H, W, C uint8): its ``make_np``, ``_prepare_video``
    and ``video()``'s scaling (astype(float32) * 255, clip, astype(uint8))."""
    import warnings

    import numpy as np
    from torch.utils.tensorboard._convert_np import make_np
    from torch.utils.tensorboard._utils import _prepare_video

    frames = _prepare_video(make_np(tensor))
    with warnings.catch_warnings():  # NaN: "invalid value encountered in cast"
        warnings.simplefilter("ignore", RuntimeWarning)
        return (frames.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)


def gif_delay_ms(fps):
    """The delay tinytb promises: round(100 / fps) centiseconds, as Pillow reports it (ms)."""
    return round(100 / fps) * 10


def check_gif(blob, exp, where):
    """tinytb's GIF for a video call: Pillow reads it as a GIF of the grid's size with T
    frames, each lasting round(100/fps) cs, looping forever; each frame equals PyTorch's
    frame exactly when that has at most 256 colours, else (quantized) within
    MAX_QUANTIZED_MEAN_ERROR on average.  Returns the number of quantized frames."""
    import numpy as np

    try:
        image = decode(blob)
    except Exception as e:
        raise ConformanceError(
            "%s: Pillow cannot decode the video (%s: %s)" % (where, type(e).__name__, e)
        ) from e
    model = exp.model
    if image.format != "GIF":
        raise ConformanceError("%s: a %s image, expected GIF" % (where, image.format))
    if image.size != model.size:
        raise ConformanceError("%s: GIF size %s, expected %s" % (where, image.size, model.size))
    frames = expected_video_frames(exp.tensor)
    if getattr(image, "n_frames", 1) != len(frames) or len(frames) != model.frames:
        raise ConformanceError(
            "%s: %d frames, expected %d" % (where, getattr(image, "n_frames", 1), len(frames))
        )
    if image.info.get("loop") != 0:
        raise ConformanceError(
            "%s: loop %r, expected 0 (forever)" % (where, image.info.get("loop"))
        )
    quantized = 0
    for i, want in enumerate(frames):
        image.seek(i)
        w = "%s frame %d" % (where, i)
        duration = image.info.get("duration")
        if duration != gif_delay_ms(exp.fps):
            raise ConformanceError(
                "%s: duration %r ms, expected %d (fps %r)"
                % (w, duration, gif_delay_ms(exp.fps), exp.fps)
            )
        got = np.asarray(image.convert("RGB"))
        if want.shape[2] == 1:
            want = np.repeat(want, 3, axis=2)
        if got.shape != want.shape:
            raise ConformanceError("%s: shape %s, expected %s" % (w, got.shape, want.shape))
        colours = len(np.unique(want.reshape(-1, 3), axis=0))
        if colours <= 256:
            if not np.array_equal(got, want):
                y, x = (int(v) for v in np.argwhere((got != want).any(axis=2))[0])
                raise ConformanceError(
                    "%s (%d colours): pixels differ from PyTorch's frame (%d; the "
                    "first at x=%d, y=%d: %r, expected %r)"
                    % (
                        w,
                        colours,
                        int((got != want).any(axis=2).sum()),
                        x,
                        y,
                        got[y, x].tolist(),
                        want[y, x].tolist(),
                    )
                )
        else:
            quantized += 1
            error = float(np.abs(got.astype(np.int16) - want).mean())
            used = len(np.unique(got.reshape(-1, 3), axis=0))
            if error > MAX_QUANTIZED_MEAN_ERROR or used > 256:
                raise ConformanceError(
                    "%s (%d colours, quantized to %d): mean error %.2f > %.1f"
                    % (w, colours, used, error, MAX_QUANTIZED_MEAN_ERROR)
                )
    return quantized
