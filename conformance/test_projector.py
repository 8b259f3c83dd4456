"""Embeddings: tinytb's ``add_embedding`` against PyTorch's, and through TensorBoard's projector.

* Files: the same calls (float32, float64 and int64 matrices; one- and multi-column metadata,
  non-ASCII included; float32, float64 and grey label images; odd tags) through
  ``torch.utils.tensorboard.SummaryWriter.add_embedding`` and tinytb's give equal
  ``tensors.tsv`` and ``metadata.tsv`` bytes, equal sprite pixels (both PNGs decoded by
  Pillow), and an equal ``projector_config.pbtxt``, byte for byte, which protobuf's
  ``text_format`` reads back to the same message.
* Where tinytb differs on purpose (tinytb/_projector.py says why): sprites of non-square images
  (PyTorch's square canvas; tinytb's is PyTorch's with the unused bottom rows cut, which is
  where the projector looks), uint8 label images (PyTorch saturates them), the tags ``.`` and
  ``..``, and a config written by another writer (kept, where PyTorch drops it).
* The text format: tinytb's printer and parser agree with protobuf's ``text_format`` on random
  configs and on a list of odd inputs (both accept with the same result, or both refuse).
* Servers: TensorBoard (``--load_fast=true`` and ``false``) on tinytb's log dir and on
  PyTorch's: the projector plugin lists the run, its config (``/info``) names every embedding
  with the shape it read, and ``/tensor``, ``/metadata`` and ``/sprite_image`` serve the
  values, the labels and the sprite, equal between the two writers.

Until writer.py's ``SummaryWriter.add_embedding`` exists (it raised NotImplementedError when
this was written), tinytb is driven through ``_tinytb_add_embedding``, which does what that
method is to do with tinytb's own ``_projector`` and ``_event_file`` modules; once the method
is there it is called instead, unchanged.
"""

import contextlib
import importlib
import io
import os
import random

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")

CONFIG = "projector_config.pbtxt"


def _tinytb_add_embedding(
    writer,
    mat,
    metadata=None,
    label_img=None,
    global_step=None,
    tag="default",
    metadata_header=None,
):
    try:
        return writer.add_embedding(
            mat,
            metadata=metadata,
            label_img=label_img,
            global_step=global_step,
            tag=tag,
            metadata_header=metadata_header,
        )
    except NotImplementedError:
        pass
    # Shim: the body proposed for SummaryWriter.add_embedding, through the package's modules.
    package = type(writer).__module__.rsplit(".", 1)[0]
    projector = importlib.import_module(package + "._projector")
    event_file = importlib.import_module(package + "._event_file")
    convert = importlib.import_module(package + "._convert")
    step = 0 if global_step is None else convert.to_step(global_step)
    subdir, files, entry = projector.embedding_files(
        mat, metadata, label_img, step, convert.check_tag(tag), metadata_header
    )
    event_file.write_embedding(
        writer._get_file_writer().get_logdir(),
        subdir,
        files,
        lambda existing: projector.update_config(existing, entry),
    )


def _calls(np, torch):
    """(tag, kwargs) of the calls both writers make, all of which PyTorch's writer takes."""
    torch.manual_seed(3)
    rng = np.random.default_rng(4)
    return [
        (
            "emb/a b",
            dict(
                mat=torch.randn(20, 8),
                metadata=[["p%d" % i, i % 3, i / 7] for i in range(20)],
                metadata_header=["name", "class", "x"],
                label_img=torch.rand(20, 3, 6, 6),
                global_step=12,
            ),
        ),
        (
            "grey",
            dict(
                mat=rng.standard_normal((7, 5)),
                metadata=["k%d" % i for i in range(7)],
                label_img=torch.rand(7, 1, 5, 5, dtype=torch.float64),
            ),
        ),
        ("ints", dict(mat=torch.arange(12).reshape(4, 3) - 5, global_step=3)),
        ("wide", dict(mat=torch.randn(5, 4), label_img=torch.rand(5, 3, 4, 6), global_step=1)),
        (
            "u8",
            dict(
                mat=torch.randn(3, 2),
                label_img=torch.randint(0, 256, (3, 3, 2, 2), dtype=torch.uint8),
                global_step=2,
            ),
        ),
        ("é/ü%\\", dict(mat=torch.tensor([[1e-8, 0.1], [3.0, -0.0]]), metadata=["é", "😀"])),
        (
            "big",
            dict(
                mat=torch.randn(100, 3),
                label_img=torch.rand(100, 3, 3, 3),
                metadata=[str(i) for i in range(100)],
                global_step=7,
            ),
        ),
    ]


class Logdirs:
    def __init__(self, root, calls):
        self.root = root
        self.calls = calls
        self.torch = os.path.join(root, "torch")
        self.target = os.path.join(root, "target")


@pytest.fixture(scope="module")
def logdirs(tmp_path_factory):
    np = deps.need("numpy")
    torch = deps.need("torch")
    deps.need("tensorboard")
    deps.need("PIL")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    tb = target.load()
    root = str(tmp_path_factory.mktemp("projector"))
    dirs = Logdirs(root, _calls(np, torch))
    theirs = TorchWriter(dirs.torch)
    ours = tb.SummaryWriter(dirs.target)
    try:
        for tag, kwargs in dirs.calls:
            with contextlib.redirect_stdout(io.StringIO()):
                theirs.add_embedding(tag=tag, **kwargs)
            _tinytb_add_embedding(ours, tag=tag, **kwargs)
    finally:
        theirs.close()
        ours.close()
    return dirs


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _config(logdir):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    config = ProjectorConfig()
    text_format.Parse(_read(os.path.join(logdir, CONFIG)).decode("utf-8"), config)
    return config


def _embeddings(logdir):
    return {e.tensor_name: e for e in _config(logdir).embeddings}


def _pixels(path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_config_is_pytorchs_byte_for_byte(logdirs):
    ours = _read(os.path.join(logdirs.target, CONFIG))
    assert ours == _read(os.path.join(logdirs.torch, CONFIG))
    from google.protobuf import text_format

    assert text_format.MessageToString(_config(logdirs.target)).encode("utf-8") == ours
    assert [e.tensor_name for e in _config(logdirs.target).embeddings] == [
        "%s:%s" % (tag, str(kw.get("global_step", 0)).zfill(5)) for tag, kw in logdirs.calls
    ]


def test_tsv_files_equal_pytorchs(logdirs):
    theirs = _embeddings(logdirs.torch)
    for name, ours in _embeddings(logdirs.target).items():
        assert ours.tensor_path == theirs[name].tensor_path
        assert _read(os.path.join(logdirs.target, ours.tensor_path)) == _read(
            os.path.join(logdirs.torch, theirs[name].tensor_path)
        ), name
        if ours.metadata_path or theirs[name].metadata_path:
            assert _read(os.path.join(logdirs.target, ours.metadata_path)) == _read(
                os.path.join(logdirs.torch, theirs[name].metadata_path)
            ), name


def test_sprites_equal_pytorchs_where_pytorch_gets_them_right(logdirs):
    import numpy as np

    theirs = _embeddings(logdirs.torch)
    kwargs = dict(logdirs.calls)
    checked = set()
    for name, ours in _embeddings(logdirs.target).items():
        if not ours.HasField("sprite"):
            assert not theirs[name].HasField("sprite")
            continue
        assert list(ours.sprite.single_image_dim) == list(theirs[name].sprite.single_image_dim)
        a = _pixels(os.path.join(logdirs.target, ours.sprite.image_path))
        b = _pixels(os.path.join(logdirs.torch, theirs[name].sprite.image_path))
        tag = name.rsplit(":", 1)[0]
        images = kwargs[tag]["label_img"]
        n, _, h, w = images.shape
        k = int(np.ceil(np.sqrt(n)))
        assert a.shape == (k * h, k * w, 3), name  # k x k cells: where the projector looks
        if tag == "u8":
            # divergence: PyTorch multiplies uint8 by 255 too (saturating); tinytb keeps them
            grid = images.numpy().transpose(0, 2, 3, 1)
            for i in range(n):
                r, c = divmod(i, k)
                assert (a[r * h : (r + 1) * h, c * w : (c + 1) * w] == grid[i]).all()
                assert (
                    b[r * h : (r + 1) * h, c * w : (c + 1) * w] == np.where(grid[i] > 0, 255, 0)
                ).all()
        else:
            # PyTorch's canvas is (W k) x (W k); with H != W its extra rows are black
            assert b.shape == (k * w, k * w, 3)
            assert (a == b[: k * h]).all(), name
            assert not b[k * h :].any()
        checked.add(tag)
    assert checked == {"emb/a b", "grey", "wide", "u8", "big"}


def test_config_of_another_writer_is_kept(tmp_path):
    torch = deps.need("torch")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    tb = target.load()
    logdir = str(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        first = TorchWriter(logdir)
        first.add_embedding(torch.randn(3, 2), tag="torch")
        first.close()
    ours = tb.SummaryWriter(logdir)
    _tinytb_add_embedding(ours, torch.randn(3, 2), tag="tinytb")
    ours.close()
    assert [e.tensor_name for e in _config(logdir).embeddings] == ["torch:00000", "tinytb:00000"]
    # PyTorch's own second writer would have dropped the first one's entry (its bug 12)
    with contextlib.redirect_stdout(io.StringIO()):
        second = TorchWriter(logdir)
        second.add_embedding(torch.randn(3, 2), tag="again")
        second.close()
    assert [e.tensor_name for e in _config(logdir).embeddings] == ["again:00000"]


def test_tensorboardx_config_is_read(tmp_path):
    # tensorboardX 2.6's appended, unindented blocks (section 8 of the reference, verified);
    # protobuf reads them, and so must tinytb before it adds an entry
    torch = deps.need("torch")
    tb = target.load()
    block = (
        'embeddings {\ntensor_name: "emb/a b:00012"\ntensor_path: "00012/emb%2fa b/'
        'tensors.tsv"\nmetadata_path: "00012/emb%2fa b/metadata.tsv"\nsprite {\n'
        'image_path: "00012/emb%2fa b/sprite.png"\nsingle_image_dim: 4\n'
        "single_image_dim: 4\n}\n}\n"
    )
    with open(os.path.join(str(tmp_path), CONFIG), "w") as f:
        f.write(block * 2)
    before = _config(str(tmp_path))
    ours = tb.SummaryWriter(str(tmp_path))
    _tinytb_add_embedding(ours, torch.randn(2, 2), tag="x")
    ours.close()
    after = _config(str(tmp_path))
    assert list(after.embeddings) == list(before.embeddings) + [
        e for e in after.embeddings if e.tensor_name == "x:00000"
    ]


def test_dot_tags_stay_in_their_own_directories(tmp_path):
    torch = deps.need("torch")
    tb = target.load()
    ours = tb.SummaryWriter(str(tmp_path))
    for tag in ("..", ".", "/abs", "\\"):
        _tinytb_add_embedding(ours, torch.randn(2, 2), tag=tag, global_step=4)
    ours.close()
    paths = [e.tensor_path for e in _config(str(tmp_path)).embeddings]
    assert paths == [
        "00004/%2e./tensors.tsv",
        "00004/%2e/tensors.tsv",
        "00004/%2fabs/tensors.tsv",
        "00004/%5c/tensors.tsv",
    ]
    for path in paths:
        assert os.path.isfile(os.path.join(str(tmp_path), path))


def test_tensorboard_reads_a_carriage_return_as_a_line_break(tmp_path):
    # why tinytb refuses '\r' in metadata: TensorBoard's gfile reads the file in text mode
    deps.need("tensorboard")
    from tensorboard.compat import tf

    path = os.path.join(str(tmp_path), "m.tsv")
    with open(path, "wb") as f:
        f.write(b"a\rb\nc\n")
    with tf.io.gfile.GFile(path, "r") as f:
        assert list(f) == ["a\n", "b\n", "c\n"]


# --- the text format against protobuf's --------------------------------------------------------


def _projector_module():
    tb = target.load()
    return importlib.import_module(tb.__name__ + "._projector")


def test_config_text_and_parse_config_agree_with_text_format():
    deps.need("tensorboard")
    from google.protobuf import json_format, text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    P = _projector_module()
    rng = random.Random(11)
    chars = "ab/%:\\\"'\t\n\r\x00\x01\x1f\x7f\x80\xa0é€😀 {}#<>[],;"

    def text():
        return "".join(rng.choice(chars) for _ in range(rng.randrange(0, 8)))

    def uints():
        return [rng.choice([0, 1, 7, 1 << 31, (1 << 32) - 1]) for _ in range(rng.randrange(3))]

    for _ in range(400):
        message = ProjectorConfig(model_checkpoint_path=text(), model_checkpoint_dir=text())
        for _ in range(rng.randrange(0, 4)):
            e = message.embeddings.add(
                tensor_name=text(), metadata_path=text(), bookmarks_path=text(), tensor_path=text()
            )
            e.tensor_shape.extend(uints())
            if rng.random() < 0.6:
                e.sprite.SetInParent()
                e.sprite.image_path = text()
                e.sprite.single_image_dim.extend(uints())
        theirs = text_format.MessageToString(message)
        ours = P.parse_config(theirs)
        assert P.config_text(ours) == theirs
        round_trip = ProjectorConfig()
        text_format.Parse(P.config_text(ours), round_trip)
        assert round_trip == message, json_format.MessageToJson(message)


ODD_INPUTS = [
    'embeddings { tensor_name: "a" tensor_name: "b" }',
    'embeddings { tensor_name: "" tensor_name: "b" }',
    'embeddings { sprite { image_path: "a" } sprite { single_image_dim: 3 } }',
    "embeddings { tensor_shape: [1, 2] tensor_shape: 3 }",
    'embeddings < tensor_name: "x" >',
    "embeddings: { tensor_name: \"x\"; tensor_path: 'y', }",
    '# c\nembeddings {tensor_name:"a" "b"}  # x',
    "embeddings { foo: 1 }",
    "embeddings { tensor_shape: 0x10 tensor_shape: 010 tensor_shape: 0X1f tensor_shape: +1 }",
    "embeddings { tensor_shape: 00 tensor_shape: 0o17 tensor_shape: 0b11 tensor_shape: 1_0 }",
    "embeddings { tensor_shape: -1 }",
    "embeddings { tensor_shape: -0 }",
    "embeddings { tensor_shape: 4294967296 }",
    "embeddings { tensor_shape: 1.0 }",
    "embeddings { tensor_shape: 1u }",
    "embeddings { tensor_shape: 1 2 }",
    "embeddings { tensor_shape: [1,] }",
    "embeddings { tensor_shape: [] }",
    'embeddings { tensor_name: "\\xff" }',
    'embeddings { tensor_name: "\\xabc" }',
    'embeddings { tensor_name: "\\303\\251\\u00e9\\x41\\a\\?\\q\\8\\0\\1234" }',
    'embeddings { tensor_name: "\\U0001F600\\b\\f\\v\\\\\\\'\\"" }',
    'model_checkpoint_path: "a" model_checkpoint_path: "b"',
    "embeddings { tensor_name: x }",
    "embeddings { sprite: { } }",
    "embeddings {} embeddings {}",
    'embeddings { tensor_name: "a\nb" }',
    'embeddings { tensor_name: "\\x" }',
    'embeddings { tensor_name: "a\\u12" }',
    'embeddings { tensor_name: "\\777" }',
    'embeddings { tensor_name: "\\ud800" }',
    'embeddings { tensor_name: "\\N{BULLET}" }',
    'embeddings { tensor_name: "a" , , }',
    "[ext]: 1",
    "}",
    "embeddings",
    "embeddings {",
    'embeddings { sprite  image_path: "a" }',
    "embeddings { tensor_name: 'a\"' }",
    'embeddings { tensor_name: "é€😀\x01" }',
]


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_parse_config_agrees_with_text_format_parse(text):
    deps.need("tensorboard")
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    P = _projector_module()
    message = ProjectorConfig()
    try:
        text_format.Parse(text, message)
        theirs = text_format.MessageToString(message)
    except text_format.ParseError:
        theirs = None
    try:
        ours = P.config_text(P.parse_config(text))
    except ValueError:
        ours = None
    assert ours == theirs


# --- TensorBoard's projector plugin ------------------------------------------------------------


@pytest.fixture(scope="module")
def projector_servers(logdirs, tmp_path_factory):
    """{(load_fast, slot): Server} on the two log dirs, all four ready."""
    from . import servers as servers_mod

    logs = tmp_path_factory.mktemp("projector-server-logs")
    specs = {
        (fast, slot): (getattr(logdirs, slot), fast)
        for fast in (True, False)
        for slot in ("target", "torch")
    }
    with servers_mod.running(specs, logs) as started:
        yield started


@pytest.mark.parametrize("load_fast", [True, False], ids=["load_fast", "python_loader"])
def test_projector_plugin_serves_tinytbs_embeddings(logdirs, projector_servers, load_fast):
    import numpy as np

    from . import servers as servers_mod

    ours = projector_servers[(load_fast, "target")]
    theirs = projector_servers[(load_fast, "torch")]
    route = "/data/plugin/projector/"
    servers_mod.eventually(lambda: _assert_run_listed(ours, route), timeout=30.0)
    servers_mod.eventually(lambda: _assert_run_listed(theirs, route), timeout=30.0)
    info = ours.get(route + "info", run=".")
    assert info == theirs.get(route + "info", run=".")
    shapes = {e["tensorName"]: e["tensorShape"] for e in info["embeddings"]}
    for tag, kwargs in logdirs.calls:
        name = "%s:%s" % (tag, str(kwargs.get("global_step", 0)).zfill(5))
        mat = kwargs["mat"]
        mat = mat.numpy() if hasattr(mat, "numpy") else mat
        assert shapes[name] == list(mat.shape)
        _, tensor = ours.get_bytes(route + "tensor", run=".", name=name)
        assert tensor == np.asarray(mat, dtype=np.float32).tobytes(), name
        assert tensor == theirs.get_bytes(route + "tensor", run=".", name=name)[1]
        if "metadata" in kwargs:
            _, labels = ours.get_bytes(route + "metadata", run=".", name=name)
            assert labels == theirs.get_bytes(route + "metadata", run=".", name=name)[1]
            lines = labels.decode("utf-8").split("\n")
            header = 1 if "metadata_header" in kwargs else 0
            assert len(lines) == len(mat) + header + 1 and lines[-1] == ""
        if "label_img" in kwargs:
            kind, sprite = ours.get_bytes(route + "sprite_image", run=".", name=name)
            assert kind == "image/png"
            path = os.path.join(logdirs.target, name.split(":")[1], _encode(tag), "sprite.png")
            assert sprite == _read(path)


def _assert_run_listed(server, route):
    assert server.get(route + "runs") == ["."]


def _encode(tag):
    return _projector_module().encode_tag(tag)
