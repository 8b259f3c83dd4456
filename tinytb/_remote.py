# SPDX-License-Identifier: MIT
"""Log dirs given as URLs (``s3://bucket/run``, ``gs://``, ``memory://``...), through fsspec.

The only module that talks to fsspec; ``_event_file`` (event-file segments) and ``_files``
(projector files) call it. fsspec is imported inside :func:`open_fs`, for a URL log dir only:
``import tinytb`` never imports it, and a local log dir never does.

What is used of fsspec: ``fsspec.core.url_to_fs(url, **storage_options)`` (credentials and
endpoint come from fsspec's and the filesystem's own configuration, plus those options),
``pipe_file`` (one object, written once: one PUT, or one multipart upload for a large one),
``open(path, "wb")`` for data that arrives in pieces, ``cat_file`` with a byte range for a
file another writer made (the projector config), ``exists``/``isdir`` and ``makedirs``.
Nothing is ever appended to, and nothing this process uploaded is read back.

Every exception the filesystem raises while storing or reading (botocore's, aiohttp's, an
``OSError``...) leaves here as an :class:`UploadError` (an ``OSError``) naming the URL, so the
writer treats it like any I/O error: kept, retried, raised by the next call.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

# RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); a URL log dir is "scheme://..."
# (checked by hand: importing re would cost milliseconds at import tinytb)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
# The package that gives fsspec each scheme (fsspec.registry.known_implementations), for the
# install line printed when fsspec itself is missing.
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "adl": "adlfs",
    "hdfs": "pyarrow",
}
# Object stores have no directories: nothing to make (and makedirs would create a missing
# bucket, which a log dir must not do silently).
OBJECT_STORES = frozenset(
    ["s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2", "b2", "wasb", "wasbs"]
)


class UploadError(OSError):
    """Storing to (or reading from) a URL log dir failed. The message names the URL; the
    filesystem's own exception is ``__cause__``."""


def scheme(path: str) -> Optional[str]:
    """The scheme of ``path`` if it is a URL (``s3`` for ``s3://bucket/run``), else None."""
    name, sep, _ = path.partition("://")
    if sep and name[:1].isalpha() and _SCHEME_CHARS.issuperset(name):
        return name.lower()
    return None


def is_url(path: object) -> bool:
    """Whether ``path`` is a URL log dir (a str ``scheme://...``) rather than a local path."""
    return isinstance(path, str) and scheme(path) is not None


def join(base: str, *names: str) -> str:
    """``base/name/...`` with ``/`` whatever the local separator (URLs and fsspec paths)."""
    out = base.rstrip("/")
    for name in names:
        out = (out + "/" + name.strip("/")) if out else name.strip("/")
    return out


def check_storage_options(value: Any) -> Optional[Dict[str, Any]]:
    """``storage_options`` checked: None or a dict with str keys (a copy)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(
            "storage_options must be a dict of fsspec filesystem options, not %s"
            % type(value).__name__
        )
    for key in value:
        if not isinstance(key, str):
            raise TypeError("storage_options keys must be str, got %r" % (key,))
    return dict(value)


# Options a reader was given for a URL log (SummaryReader(url, storage_options=...)), used for
# every path below it that is opened without options of its own: the reading pipeline passes
# paths, not filesystems, down to the file it opens.
_READ_OPTIONS: Dict[str, Dict[str, Any]] = {}


def remember_options(url: str, storage_options: Any) -> None:
    """Use ``storage_options`` (checked) for ``url`` and every path below it, in this
    process, wherever no options are given."""
    options = check_storage_options(storage_options)
    if options is not None:
        _READ_OPTIONS[url.rstrip("/")] = options


def _options_for(url: str) -> Optional[Dict[str, Any]]:
    best = ""
    for prefix in _READ_OPTIONS:
        if (url == prefix or url.startswith(prefix + "/")) and len(prefix) > len(best):
            best = prefix
    return _READ_OPTIONS.get(best) if best else None


def _install_line(url: str) -> str:
    package = _PACKAGES.get(scheme(url) or "")
    return "pip install fsspec" + (" " + package if package else "")


def open_fs(
    url: str, storage_options: Optional[Dict[str, Any]] = None, name: str = "log_dir"
) -> Tuple[Any, str]:
    """``(filesystem, path)`` for ``url``: the fsspec filesystem and the path in it (no
    protocol, no trailing ``/``). No request is made here (fsspec filesystems connect lazily).

    Raises:
        ImportError: fsspec, or the filesystem's package, is not installed; the message says
            what to ``pip install``.
        ValueError: fsspec does not know the scheme (or refuses the URL); names ``name``.
        TypeError: the filesystem refused ``storage_options``.
    """
    try:
        import fsspec.core
    except ImportError:
        raise ImportError(
            "%s %r is a URL: it needs fsspec and the filesystem for %r (%s)"
            % (name, url, scheme(url), _install_line(url))
        ) from None
    if storage_options is None:
        storage_options = _options_for(url)
    try:
        fs, path = fsspec.core.url_to_fs(url, **(storage_options or {}))
    except ImportError as err:  # fsspec knows the scheme, its package is missing
        raise ImportError("%s %r: %s (%s)" % (name, url, err, _install_line(url))) from err
    except ValueError as err:  # "Protocol not known: ..."
        raise ValueError("%s %r: %s" % (name, url, err)) from err
    except TypeError as err:
        raise TypeError("%s %r: storage_options refused: %s" % (name, url, err)) from err
    return fs, path.rstrip("/") if path != "/" else path


def is_object_store(fs: Any) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return any(p in OBJECT_STORES for p in protocols)


def _failed(what: str, fs: Any, path: str, err: BaseException) -> UploadError:
    try:
        url = fs.unstrip_protocol(path)
    except Exception:
        url = path
    return UploadError("%s %s failed: %s: %s" % (what, url, type(err).__name__, err))


def makedirs(fs: Any, path: str) -> None:
    """Make the directory ``path`` where directories exist (local, HDFS, memory...); nothing
    on an object store."""
    if is_object_store(fs):
        return
    try:
        fs.makedirs(path, exist_ok=True)
    except Exception as err:
        raise _failed("making the directory", fs, path, err) from err


def upload(fs: Any, path: str, data: Union[bytes, Iterable[bytes]]) -> None:
    """Store ``data`` as the object ``path``, once: ``pipe_file`` for bytes (one PUT or one
    multipart upload); for an iterable of bytes, one ``open(path, "wb")`` written piece by
    piece (the filesystem buffers it into the same one upload)."""
    try:
        if isinstance(data, (bytes, bytearray, memoryview)):
            fs.pipe_file(path, bytes(data) if not isinstance(data, bytes) else data)
        else:
            with fs.open(path, "wb") as f:
                for chunk in data:
                    f.write(chunk)
    except Exception as err:
        raise _failed("upload of", fs, path, err) from err


def read_if_exists(fs: Any, path: str, limit: int, what: str) -> Optional[bytes]:
    """The bytes of ``path`` (a file another writer made), None if there is none. Reads at
    most ``limit + 1`` bytes (a ranged read): more than ``limit`` raises ``ValueError``."""
    try:
        data = fs.cat_file(path, start=0, end=limit + 1)
    except FileNotFoundError:
        return None
    except Exception as err:
        raise _failed("reading", fs, path, err) from err
    if len(data) > limit:
        raise ValueError("%s %s has over %d bytes" % (what, fs.unstrip_protocol(path), limit))
    return bytes(data)


def kind(fs: Any, path: str) -> Optional[str]:
    """``"dir"``, ``"file"`` or None (nothing there)."""
    try:
        if not fs.exists(path):
            return None
        return "dir" if fs.isdir(path) else "file"
    except Exception as err:
        raise _failed("looking at", fs, path, err) from err


# -- reading a URL log (the reader: SummaryReader, tinytb ls / export) ------------------------


def list_files(url: str, storage_options: Optional[Dict[str, Any]] = None) -> List[Tuple[str, str]]:
    """Every file below the URL ``url`` as ``(its URL, its folder relative to url)`` ("" at
    the top, "a/b" below), in the order of a depth-first walk that lists each folder sorted
    by name (tbparse's ``sorted(os.listdir)``); ``[(url, "")]`` when ``url`` is one file.

    Raises:
        ValueError: nothing exists at ``url`` (tbparse's error for a missing path).
    """
    return [(file_url, folder) for file_url, folder, _ in list_sized(url, storage_options)]


def list_sized(
    url: str, storage_options: Optional[Dict[str, Any]] = None
) -> List[Tuple[str, str, int]]:
    """:func:`list_files` with each file's size: ``(URL, folder, size)``, one listing."""
    fs, root = open_fs(url, storage_options, "log_path")
    found = kind(fs, root)
    if found is None:
        raise ValueError("File or directory not found: %s" % url)
    try:
        if found == "file":
            return [(url, "", int(fs.size(root) or 0))]
        infos = fs.find(root, withdirs=False, detail=True)
    except Exception as err:
        raise _failed("listing", fs, root, err) from err
    base = url.rstrip("/")
    out = []
    for path, info in infos.items():
        rel = path[len(root) :].strip("/") if path.startswith(root) else path
        parts = rel.split("/")
        # depth first, each folder sorted: the order of the path's parts as a tuple
        out.append((parts, join(base, rel), "/".join(parts[:-1]), int(info.get("size") or 0)))
    out.sort(key=lambda item: item[0])
    return [(file_url, folder, size) for _, file_url, folder, size in out]


def open_read(url: str, storage_options: Optional[Dict[str, Any]] = None) -> Any:
    """A binary file object reading the object ``url`` (fsspec's, with read-ahead)."""
    fs, path = open_fs(url, storage_options, "path")
    try:
        return fs.open(path, "rb")
    except FileNotFoundError:
        raise
    except Exception as err:
        raise _failed("opening", fs, path, err) from err
