"""Images, figures-free image paths and video through SummaryWriter and tinytb.summary, read
back with tinytb's own PNG and GIF decoders. (conformance/ compares them with PyTorch.)"""

import os

import pytest

from tinytb import SummaryWriter, _messages, _png, reader, summary
from tinytb._gif import decode_gif


def images_of(logdir):
    out = {}
    for path in reader.event_files(logdir)["."]:
        for event in reader.read_events(path):
            for value in event.summary.value if event.summary else ():
                if value.image is not None:
                    out[value.tag] = (event.step, value.image)
    return out


def test_add_image_and_images(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", [[[0.0, 1.0]], [[0.5, 0.25]], [[1.0, 0.0]]], 3)
        w.add_image("hw", [[0, 128, 255]], 4, dataformats="HW")
        w.add_images("grid", [[[[10]]], [[[20]]], [[[30]]]], 5)
        w.add_image("rgba", [[[1, 2, 3, 4]]], 6, dataformats="HWC")
    got = images_of(tmp_path)
    step, img = got["chw"]
    assert (step, img.height, img.width, img.colorspace) == (3, 1, 2, 3)
    assert _png.decode_png(img.encoded_image_string) == (2, 1, 3, bytes([0, 127, 255, 255, 63, 0]))
    _, img = got["hw"]
    assert _png.decode_png(img.encoded_image_string)[3] == bytes([0] * 3 + [128] * 3 + [255] * 3)
    _, img = got["grid"]
    assert (img.height, img.width, img.colorspace) == (1, 3, 3)
    assert _png.decode_png(img.encoded_image_string)[3] == bytes([10] * 3 + [20] * 3 + [30] * 3)
    _, img = got["rgba"]
    assert img.colorspace == 4
    assert _png.decode_png(img.encoded_image_string) == (1, 1, 4, bytes([1, 2, 3, 4]))


def test_boxes_and_rescale_keep_the_original_size_in_the_header(tmp_path):
    white = [[[255] * 3 for _ in range(20)] for _ in range(10)]  # HWC uint8, 20 wide, 10 high
    with SummaryWriter(tmp_path) as w:
        w.add_image_with_boxes(
            "boxes", white, [[2, 2, 12, 8]], 0, dataformats="HWC", labels=["a", "b"]
        )  # label count mismatch: labels dropped
        w.add_image_with_boxes("half", white, [[2, 2, 12, 8]], 0, dataformats="HWC", rescale=0.5)
    got = images_of(tmp_path)
    _, img = got["boxes"]
    width, height, channels, px = _png.decode_png(img.encoded_image_string)
    assert (width, height) == (20, 10)
    red = bytes([255, 0, 0])
    assert px[(2 * 20 + 2) * 3 : (2 * 20 + 2) * 3 + 3] == red  # the top-left corner is red
    assert px[(5 * 20 + 6) * 3 : (5 * 20 + 6) * 3 + 3] == bytes([255] * 3)  # inside stays white
    _, img = got["half"]
    assert (img.width, img.height) == (20, 10)  # PyTorch keeps the original size here
    assert _png.decode_png(img.encoded_image_string)[:2] == (10, 5)


def test_grey_alpha_boxes_use_the_luma_of_red():
    grey_alpha = [[[200, 255]] * 6 for _ in range(6)]
    data = summary.image_boxes("la", grey_alpha, [[0, 0, 4, 4]], dataformats="HWC")
    img = _messages.SUMMARY.decode(data).value[0].image
    width, height, channels, px = _png.decode_png(img.encoded_image_string)
    assert channels == 2 and img.colorspace == 2
    assert px[0:2] == bytes([76, 255])  # Pillow's "Red" in an LA image
    assert px[(5 * 6 + 5) * 2 : (5 * 6 + 5) * 2 + 2] == bytes([200, 255])


def test_add_video_writes_a_gif(tmp_path):
    # N=1, T=3, C=1, H=2, W=2 uint8: grey frames 0, 100, 200
    vid = [[[[[t * 100] * 2] * 2] for t in range(3)]]
    with SummaryWriter(tmp_path) as w:
        w.add_video("clip", vid, 7, fps=10)
    step, img = images_of(tmp_path)["clip"]
    assert (step, img.height, img.width, img.colorspace) == (7, 2, 2, 1)
    width, height, frames, delays, loop = decode_gif(img.encoded_image_string)
    assert (width, height, loop, delays) == (2, 2, 0, [10, 10, 10])
    assert frames == [bytes([v] * 12) for v in (0, 100, 200)]


def test_summary_functions_return_summary_bytes():
    data = summary.image("i", [[[0.5]]], dataformats="CHW")
    value = _messages.SUMMARY.decode(data).value[0]
    assert value.tag == "i" and value.image.colorspace == 3
    encoded = summary.make_image([[[1, 2, 3]]])
    assert _messages.IMAGE.decode(encoded).width == 1
    drawn = summary.draw_boxes([[[0, 0, 0]] * 5] * 5, [[0, 0, 3, 3]])
    assert drawn.shape == (5, 5, 3) and drawn.tobytes()[:3] == bytes([255, 0, 0])
    gif = _messages.IMAGE.decode(summary.make_video([[[[1, 2, 3]]]] * 2, 4))
    assert decode_gif(gif.encoded_image_string)[3] == [25, 25]
    assert _messages.SUMMARY.decode(summary.video("v", [[[[[0.0]]]]])).value[0].image.height == 1


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda w: w.add_image("i", [[[1, 2]]], dataformats="CHWN"), ValueError, "dataformats"),
        (lambda w: w.add_image("i", [[[1], [2, 3]]]), ValueError, "ragged"),
        (lambda w: w.add_image("i", [[["x"]]]), TypeError, "img_tensor"),
        (lambda w: w.add_image("i", [[[]]]), ValueError, "empty"),
        (lambda w: w.add_image("i", [[[1]]], dataformats=3), TypeError, "dataformats"),
        (lambda w: w.add_image_with_boxes("i", [[[1]]], [[1, 2, 3]]), ValueError, "box_tensor"),
        (
            lambda w: w.add_image_with_boxes("i", [[[1]]], [[0, 0, 1, 1]], rescale=0),
            ValueError,
            "rescale",
        ),
        (lambda w: w.add_video("v", [[[1]]]), ValueError, "5 dimensions"),
        (lambda w: w.add_video("v", [[[[[1]]]]], fps=0), ValueError, "fps"),
        (lambda w: w.add_figure("f", object()), TypeError, "figure"),
    ],
)
def test_bad_media_input_writes_nothing(tmp_path, call, error, match):
    w = SummaryWriter(tmp_path)
    w.flush()
    path = reader.event_files(tmp_path)["."][0]
    size = os.path.getsize(path)
    with pytest.raises(error, match=match):
        call(w)
    w.flush()
    assert os.path.getsize(path) == size
    w.add_image("after", [[[1]]], 0)
    w.close()
    assert "after" in images_of(tmp_path)


def test_add_audio_matches_pytorchs_bytes(tmp_path):
    # docs/pytorch-writer.md 3.3 / docs/event-file-format.md 6:
    # add_audio([0, .5, -.5, 1], sample_rate=8000)
    wav = bytes.fromhex(
        "524946462c000000 57415645 666d7420 10000000 0100 0100 401f0000"
        " 803e0000 0200 1000 64617461 08000000 0000 ff3f 01c0 ff7f".replace(" ", "")
    )
    with SummaryWriter(tmp_path) as w:
        w.add_audio("a", [0.0, 0.5, -0.5, 1.0], 2, sample_rate=8000, walltime=3.0)
    events = reader.read_events(reader.event_files(tmp_path)["."][0])
    audio = events[1].summary.value[0].audio
    assert (audio.sample_rate, audio.num_channels, audio.length_frames) == (8000.0, 1, 4)
    assert audio.encoded_audio_string == wav and audio.content_type == "audio/wav"


def test_audio_squeezes_clips_and_takes_stereo():
    import io
    import wave

    mono = _messages.SUMMARY.decode(summary.audio("m", [[0.25], [0.5]], 100)).value[0].audio
    assert mono.length_frames == 2 and mono.num_channels == 1
    with pytest.warns(UserWarning, match="clipped"):
        loud = summary.audio("l", [2.0, -3.0, 0.0], 100)
    with wave.open(
        io.BytesIO(_messages.SUMMARY.decode(loud).value[0].audio.encoded_audio_string)
    ) as wav:
        assert wav.readframes(3) == bytes.fromhex("ff7f 0180 0000".replace(" ", ""))
    stereo = _messages.SUMMARY.decode(summary.audio("s", [[0.5, -0.5]] * 3, 100)).value[0].audio
    assert (stereo.num_channels, stereo.length_frames) == (2, 3)
    with pytest.raises(ValueError, match="mono"):
        summary.audio("x", [[0.1] * 3] * 3, 100)
    with pytest.raises(ValueError, match="sample_rate"):
        summary.audio("x", [0.1], 0)
