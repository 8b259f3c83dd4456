"""Images, figures and video beyond the record-by-record parity check.

* The label glyph divergence, measured: on the case table's white 120x40 image with the box
  (5, 5, 110, 35), the pixels where tinytb's label differs from PyTorch's (Pillow's font) are
  counted and must be exactly the numbers ``KNOWN_DIVERGENCES["label_glyphs"]`` states, all
  inside the text box grown by one pixel.
* The label rectangle, character by character: through both writers' public ``draw_boxes``,
  every printable ASCII character, Latin-1 and Latin Extended-A/B, and a few beyond, the
  drawing outside the text box is PyTorch's exactly, except for the seven characters the
  divergence names (whose rectangle differs).
* The videos: every GIF tinytb wrote (from its event files, independently of PyTorch's
  value-less records) decodes with Pillow to PyTorch's own frames, exactly where a frame
  has at most 256 colours, quantized only in the video that has more.
* ``add_figure(close=True)`` closes the figures (``plt.get_fignums()``), ``close=False``
  leaves them open, for both writers.
"""

import importlib

from . import case_table, checks, deps, expected_view, media, target
from .divergences import KNOWN_DIVERGENCES

# Differing pixels between tinytb's label and PyTorch's, measured with Pillow 13.0.0 (its
# bundled FreeType renders Pillow's default font), and the text box (w, h).
MEASURED_GLYPHS = {"cat": (61, (13, 8)), "person": (157, (32, 8)), "traffic light": (242, (50, 11))}
# The characters whose text box (so the label rectangle) differs from Pillow's.
RECTANGLE_DIFFERS = set("\u00ab\u00bb\u00a9\u00b0\u00b1\u00b4\u00b7")


def _decoded(root, tag):
    import numpy as np

    image = checks.image_blobs(root, "image_boxes")[(tag, 0)]
    return np.asarray(media.decode(image.encoded_image_string))


def test_label_glyph_differences(written):
    """The numbers in the label_glyphs divergence, measured on the written files."""
    import numpy as np
    from PIL import ImageFont

    if target.is_torch():
        return  # PyTorch against itself: no glyphs differ
    font = ImageFont.load_default()
    ratios = []
    for label, tag in case_table.GLYPH_LABELS.items():
        a, b = _decoded(written.torch.root, tag), _decoded(written.target.root, tag)
        differ = (a != b).any(axis=2)
        ((x0, y0, x1, y1),) = media.label_text_boxes([case_table.GLYPH_BOX], [label])
        inside = np.zeros_like(differ)
        inside[y0:y1, x0:x1] = True
        assert not (differ & ~inside).any(), (label, np.argwhere(differ & ~inside)[:5].tolist())
        text_left, t, r, bottom = font.getbbox(label)
        count, box = MEASURED_GLYPHS[label]
        assert (r - text_left, bottom - t) == box, (label, (r - text_left, bottom - t))
        assert int(differ.sum()) == count, (
            "label %r: %d pixels differ from PyTorch's, the divergence says %d (Pillow %s)"
            % (label, int(differ.sum()), count, deps.installed_versions()["PIL"])
        )
        assert "%d for '%s'" % (count, label) in KNOWN_DIVERGENCES["label_glyphs"]
        ratios.append(count / (box[0] * box[1]))
    # "about 0.5 per text-box pixel"
    assert 0.4 <= sum(ratios) / len(ratios) <= 0.6, ratios


def _characters():
    chars = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x250)]
    return chars + ["\u4e2d", "\u20ac", "\u2014", "\U0001f600", "\ufffd"]


def test_label_rectangle_by_character():
    """The label rectangle (and the box) is PyTorch's, pixel for pixel, for every character
    but the seven the divergence names; for those it differs.  Compared outside the text
    box PyTorch draws (grown by one pixel), through both writers' public draw_boxes."""
    deps.need("numpy")
    deps.need("PIL")
    deps.need("torch")
    import numpy as np
    from PIL import Image
    from torch.utils.tensorboard import summary as torch_summary

    if target.is_torch():
        return
    summary = importlib.import_module(target.load().__name__ + ".summary")
    box = [2.0, 2.0, 36.0, 26.0]
    background = np.full((30, 40, 3), 255, np.uint8)
    differs = set()
    for ch in _characters():
        label = ch
        theirs = np.asarray(
            torch_summary.draw_boxes(
                Image.fromarray(background.copy()), np.array([box]), labels=[label]
            )
        )
        mine = np.asarray(summary.draw_boxes(background.copy(), [box], labels=[label]))
        ((x0, y0, x1, y1),) = media.label_text_boxes([box], [label])
        outside = (theirs != mine).any(axis=2)
        outside[max(y0, 0) : y1, max(x0, 0) : x1] = False
        if outside.any():
            differs.add(ch)
    assert differs == RECTANGLE_DIFFERS, sorted(differs ^ RECTANGLE_DIFFERS)
    for ch in sorted(RECTANGLE_DIFFERS):
        assert ch in KNOWN_DIVERGENCES["label_glyphs"], ch


def test_video_gifs(written):
    """Every GIF in tinytb's files: Summary.Image header (grid height, width, C) and the GIF
    itself (media.check_gif: frames, delays, loop, pixels).  Only the video with more than
    256 colours per frame is quantized."""
    if target.is_torch():
        return  # PyTorch writes no video without moviepy
    case = written.case("video")
    expectations = expected_view.media_expectations([case])
    images = checks.image_blobs(written.target.root, "video")
    assert len(expectations) == len(images) >= 10
    fps_seen = set()
    for (_run, tag, step), exp in expectations.items():
        image = images[(tag, step)]
        where = "video tag %r step %d" % (tag, step)
        assert (image.height, image.width, image.colorspace) == (
            exp.model.height,
            exp.model.width,
            exp.model.colorspace,
        ), where
        quantized = media.check_gif(image.encoded_image_string, exp, where)
        assert quantized == (exp.model.frames if tag == "video/many_colours" else 0), (
            where,
            quantized,
        )
        fps_seen.add(exp.fps)
    assert {1, 2.5, 4, 10, 30} <= fps_seen


def test_figures_closed(written):
    """add_figure(close=True) - the default - closes the figure (and each figure of a list):
    plt.get_fignums() no longer has it; close=False leaves it open.  For both writers."""
    import matplotlib.pyplot as plt

    case = written.case("figure")
    open_figures = [plt.figure(n) for n in plt.get_fignums()]
    seen = 0
    for c in case.calls():
        if c.method != "add_figure":
            continue
        fresh = c.args[1]
        keep = c.kwargs.get("close", True) is False
        assert {slot for slot, _ in fresh.built} == {"target", "torch"}, fresh.built
        for slot, built in fresh.built:
            for fig in built if isinstance(built, list) else [built]:
                is_open = any(fig is f for f in open_figures)
                assert is_open == keep, (c.args[0], slot, "open" if is_open else "closed")
                seen += 1
                if keep:
                    plt.close(fig)
    assert seen == 8  # single, list of two, kept open; for two writers


def test_image_headers_keep_original_size(written):
    """Summary.Image height and width are the original image's, also when rescale resizes
    the PNG (as PyTorch's; test_parity compares the bytes)."""
    images = checks.image_blobs(written.target.root, "image_boxes")
    for tag, factor in (("boxes/rescale_0.5", 0.5), ("boxes/rescale_2", 2)):
        image = images[(tag, 0)]
        decoded = media.decode(image.encoded_image_string)
        assert (image.width, image.height) == (60, 40), tag
        assert decoded.size == (int(60 * factor), int(40 * factor)), (tag, decoded.size)


def test_no_moviepy():
    """The video_gif divergence assumes PyTorch's writer without moviepy (requirements.txt)."""
    import importlib.util

    assert importlib.util.find_spec("moviepy") is None, (
        "moviepy is installed: PyTorch's add_video would write a GIF; uninstall it"
    )
