"""tinytb._files.write_embedding and replace_file: the embedding projector's files on disk.

The bytes come from tinytb._projector (tests/test_projector.py); here: where they land, that no
tag writes outside the log dir, that projector_config.pbtxt keeps every writer's entries (also
across threads and processes), and that a refused call writes nothing.
"""

import os
import subprocess
import sys
import threading
import warnings

import pytest

from tinytb import _files, _projector

from helpers import REPO_ROOT

CONFIG = "projector_config.pbtxt"


def add(
    log_dir, mat=((1.0, 2.0),), metadata=None, label_img=None, step=0, tag="default", header=None
):
    """What SummaryWriter.add_embedding does, minus the argument normalisation."""
    subdir, files, entry = _projector.embedding_files(mat, metadata, label_img, step, tag, header)
    return _files.write_embedding(
        str(log_dir), subdir, files, lambda old: _projector.update_config(old, entry)
    )


def read(path):
    with open(path, "rb") as f:
        return f.read()


def config(log_dir):
    return _projector.parse_config(read(os.path.join(str(log_dir), CONFIG)).decode("utf-8"))


def names(log_dir):
    return [e["tensor_name"] for e in config(log_dir)["embeddings"]]


def all_files(root):
    root = str(root)
    return sorted(
        os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
        for d, _, fs in os.walk(root)
        for f in fs
    )


def test_writes_the_files_and_the_config(tmp_path):
    target = add(
        tmp_path, [[0.5, 1.5], [2.5, 3.5]], ["a", "b"], [[[[0]]], [[[255]]]], 12, "emb/a b"
    )
    assert target == os.path.join(str(tmp_path), "00012", "emb%2fa b")
    assert all_files(tmp_path) == [
        "00012/emb%2fa b/metadata.tsv",
        "00012/emb%2fa b/sprite.png",
        "00012/emb%2fa b/tensors.tsv",
        CONFIG,
    ]
    subdir, files, entry = _projector.embedding_files(
        [[0.5, 1.5], [2.5, 3.5]], ["a", "b"], [[[[0]]], [[[255]]]], 12, "emb/a b"
    )
    for name, data in files.items():  # tensors.tsv comes as chunks, written as they come
        whole = data if isinstance(data, bytes) else b"".join(data)
        assert read(os.path.join(target, name)) == whole
    assert read(tmp_path / CONFIG) == _projector.update_config(None, entry)


def test_config_keeps_earlier_calls_and_other_writers(tmp_path):
    add(tmp_path, tag="a")
    add(tmp_path, tag="b", step=1)
    # another writer (here: PyTorch's file, as a fresh SummaryWriter would leave it)
    with open(os.path.join(str(tmp_path), CONFIG), "a") as f:
        f.write(
            'embeddings {\n  tensor_name: "torch:00005"\n'
            '  tensor_path: "00005/torch/tensors.tsv"\n}\n'
        )
    add(tmp_path, tag="c")
    with pytest.warns(UserWarning, match="Embedding dir .* exists"):
        add(tmp_path, tag="a", metadata=["x"])  # the same name again: replaced in place
    assert names(tmp_path) == ["a:00000", "b:00001", "torch:00005", "c:00000"]
    assert config(tmp_path)["embeddings"][0]["metadata_path"] == "00000/a/metadata.tsv"


def test_a_reused_directory_warns_and_a_file_in_the_way_is_refused(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add(tmp_path, tag="t")
    with pytest.warns(UserWarning, match="did you set global_step for add_embedding"):
        add(tmp_path, tag="t")
    os.makedirs(os.path.join(str(tmp_path), "00001"))
    with open(os.path.join(str(tmp_path), "00001", "f"), "wb"):
        pass
    with pytest.raises(NotADirectoryError, match="exists, but is a file"):
        add(tmp_path, tag="f", step=1)
    assert names(tmp_path) == ["t:00000"]


@pytest.mark.parametrize(
    "tag",
    [
        "..",
        ".",
        "/",
        "/etc/passwd",
        "../../escape",
        "..\\..\\x",
        "\\",
        "%2e%2e",
        "a/../../b",
        "C:\\x",
        "~",
        "",
    ],
)
def test_no_tag_writes_outside_its_step_directory(tmp_path, tag):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    add(log_dir, tag=tag, step=3)
    files = all_files(tmp_path)
    assert "log/" + CONFIG in files
    files.remove("log/" + CONFIG)
    assert files and all(f.startswith("log/00003/") for f in files), files
    depth = {f.count("/") for f in files}
    assert depth == ({2} if tag == "" else {3}), files  # "" is PyTorch's: the step directory
    assert names(log_dir) == [tag + ":00003"]


def test_a_subdir_outside_log_dir_is_refused_and_nothing_written(tmp_path):
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    for subdir in ("../x", "00000/..", "00000/../../x", "."):
        with pytest.raises(ValueError, match="not inside log_dir"):
            _files.write_embedding(str(log_dir), subdir, {"tensors.tsv": b"1\n"}, lambda old: b"")
    assert all_files(tmp_path) == []


@pytest.mark.skipif(
    not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symbolic links"
)
def test_a_step_directory_linked_outside_is_refused(tmp_path):
    log_dir = tmp_path / "log"
    outside = tmp_path / "outside"
    log_dir.mkdir()
    outside.mkdir()
    os.symlink(str(outside), str(log_dir / "00000"))
    with pytest.raises(ValueError, match="not inside log_dir"):
        add(log_dir, tag="t")
    assert all_files(outside) == [] and not os.path.exists(str(log_dir / CONFIG))


def test_an_unreadable_config_stops_the_call_before_any_write(tmp_path):
    path = os.path.join(str(tmp_path), CONFIG)
    with open(path, "wb") as f:
        f.write(b"embeddings { future_field: 1 }\n")
    with pytest.raises(ValueError, match='no field named "future_field"'):
        add(tmp_path, tag="t")
    assert all_files(tmp_path) == [CONFIG]
    assert read(path) == b"embeddings { future_field: 1 }\n"


def test_replace_file_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = os.path.join(str(tmp_path), "f")
    _files.replace_file(path, b"old")
    _files.replace_file(path, b"new")
    assert read(path) == b"new" and os.listdir(str(tmp_path)) == ["f"]
    with pytest.raises(TypeError):
        _files.replace_file(path, 12345)  # fails while writing the temporary file
    assert read(path) == b"new" and os.listdir(str(tmp_path)) == ["f"]


def test_threads_do_not_lose_entries(tmp_path):
    errors = []

    def work(i):
        try:
            for j in range(5):
                add(tmp_path, tag="t%d_%d" % (i, j))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(names(tmp_path)) == sorted(
        "t%d_%d:00000" % (i, j) for i in range(8) for j in range(5)
    )


@pytest.mark.skipif(sys.platform == "win32", reason="flock() is POSIX; Windows orders threads only")
def test_processes_do_not_lose_entries(tmp_path):
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tinytb import _files, _projector\n"
        "for j in range(10):\n"
        "    subdir, files, entry = _projector.embedding_files([[1.0, 2.0]], None, None, 0,\n"
        "                                                      'p%s_%d' % (sys.argv[3], j))\n"
        "    _files.write_embedding(sys.argv[2], subdir, files,\n"
        "                                lambda old: _projector.update_config(old, entry))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, REPO_ROOT, str(tmp_path), str(i)])
        for i in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * 4
    assert sorted(names(tmp_path)) == sorted(
        "p%d_%d:00000" % (i, j) for i in range(4) for j in range(10)
    )


# -- a planted projector_config.pbtxt is read as untrusted ------------------------------------


@pytest.mark.skipif(
    not hasattr(os, "symlink") or not os.path.exists("/dev/zero"),
    reason="needs symbolic links and /dev/zero",
)
def test_a_symlinked_config_is_not_followed(tmp_path):
    # Regression: a symlink to /dev/zero was followed and read without bound.
    os.symlink("/dev/zero", str(tmp_path / CONFIG))
    with pytest.raises(ValueError, match="symbolic link"):
        add(tmp_path)
    assert all_files(tmp_path) == [CONFIG]  # nothing written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_config_does_not_block(tmp_path):
    # Regression: a FIFO in the config's place blocked add_embedding forever.
    os.mkfifo(str(tmp_path / CONFIG))
    result = []
    t = threading.Thread(target=lambda: result.append(_raises(add, tmp_path)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "add_embedding blocked on a FIFO"
    assert isinstance(result[0], ValueError) and "not a regular file" in str(result[0])


def test_an_oversized_config_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "MAX_CONFIG_BYTES", 1000)
    (tmp_path / CONFIG).write_bytes(b"#" * 1001)
    with pytest.raises(ValueError, match="over the limit"):
        add(tmp_path)
    assert all_files(tmp_path) == [CONFIG]


def _raises(fn, *args):
    try:
        fn(*args)
    except Exception as err:  # returned to the test thread to look at
        return err
    return None


def test_numpy_inputs_write_the_bytes_of_the_pure_path(tmp_path):
    # numpy arrays go through their own methods (Array.host); a memoryview of the same elements
    # takes the pure path: the files on disk must be the same bytes.
    np = pytest.importorskip("numpy", reason="the host fast path is driven by numpy arrays")
    rng = np.random.default_rng(2)
    mat = rng.standard_normal((9, 4)).astype(np.float32)[:, ::-1]  # a non-contiguous view
    mat[0, :] = [np.nan, -np.inf, -0.0, 1e-45]
    images = rng.random((9, 3, 5, 5))  # float64: the sprite's float64 arithmetic
    labels = ["p%d" % i for i in range(9)]
    fast = add(tmp_path / "fast", mat, labels, images, tag="e")
    pure = add(
        tmp_path / "pure",
        memoryview(np.ascontiguousarray(mat)),
        labels,
        memoryview(np.ascontiguousarray(images)),
        tag="e",
    )
    for name in ("tensors.tsv", "metadata.tsv", "sprite.png"):
        assert read(os.path.join(fast, name)) == read(os.path.join(pure, name)), name
    first = read(os.path.join(fast, "tensors.tsv")).split(b"\n")[0]
    assert first == b"nan\t-inf\t-0.0\t1.401298464324817e-45"  # str() of float32 widened
