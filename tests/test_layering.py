"""House rules checked on the source: standard library only, relative imports, layers pointing
one way, Python 3.8 syntax, a cheap import, and use without site-packages (``python -S``)."""

import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "tinytb")
# Dotted names below the package: "writer", "viewer.server" (subpackages one level deep).
MODULES = sorted(
    os.path.relpath(os.path.join(d, f), PACKAGE)[:-3].replace(os.sep, ".")
    for d, _, files in os.walk(PACKAGE)
    for f in files
    if f.endswith(".py") and "__pycache__" not in d
)

# What each module may import from the package (the layers point one way: this table is the rule).
ALLOWED = {
    "errors": set(),
    "_crc32c": set(),
    "_wire": {"errors"},
    "_tensor": {"errors"},
    "_messages": {"_wire", "errors"},
    "_record": {"_crc32c", "errors"},
    "_convert": {"_arrays"},
    "_fast": {"_messages", "_crc32c", "_record", "_wire"},
    "_event_file": {"_convert", "_files", "_messages", "_record", "_remote"},
    "_files": {"_remote"},
    "_remote": set(),
    "_ranks": set(),
    "summary": {
        "_arrays",
        "_audio",
        "_convert",
        "_draw",
        "_histogram",
        "_image",
        "_messages",
        "_pr_curve",
        "_tensor",
    },
    "_audio": {"_arrays", "_convert"},
    "_arrays": set(),
    "_image": {"_arrays", "_draw", "_gif", "_png"},
    "_png": {"errors"},
    "_gif": {"errors"},
    "_draw": set(),
    "_histogram": {"_arrays", "_convert"},
    "_pr_curve": set(),
    "_graph": {"_messages"},
    "_torch_graph": {"_messages"},
    "_onnx": {"_messages", "_text_format", "errors"},
    "_projector": {"_arrays", "_image", "_png", "_text_format"},
    "_text_format": {"_wire"},
    "writer": {
        "_arrays",
        "_ranks",
        "_remote",
        "_convert",
        "_event_file",
        "_files",
        "_graph",
        "_messages",
        "_onnx",
        "_projector",
        "summary",
        "_fast",
        "_record",
        "_torch_graph",
        "_wire",
    },
    "reader": {
        "_messages",
        "_remote",
        "_record",
        "_scan",
        "_stream",
        "_tables",
        "_tensor",
        "_values",
        "errors",
    },
    "_scan": {"_record", "_crc32c", "_messages", "_remote", "errors"},
    "_values": {"_messages", "_tensor", "_png", "_gif", "errors"},
    "_stream": {"_messages", "_record", "_remote", "_scan", "_values", "errors"},
    "_tables": {"_messages", "_record", "_scan", "_stream", "_values", "errors"},
    "_export": {"reader", "_values", "errors", "_scan", "_messages", "_record"},
    "__init__": {"errors", "writer"},
    "_demo": {"writer"},
    "_dump": {"reader", "_messages", "_record", "_crc32c", "_tensor", "_wire", "errors"},
    "__main__": {
        "__init__",
        "_remote",  # is a path a URL (read through fsspec)
        "reader",
        "_demo",
        "_dump",
        "_export",
        "errors",
        "writer",
        "viewer.server",
        "viewer.report",
        "viewer.cache",  # serve's default cache folder
    },
    # The viewer sits on top: a client of the read layer (never _record or _messages).
    "viewer.__init__": set(),
    "viewer.series": set(),
    "viewer.markdown": {"_values"},
    "viewer.store": {
        "viewer.series",
        "viewer.cache",
        "reader",
        "_remote",  # a URL log, listed and read through fsspec
        "_stream",
        "_scan",
        "_values",
        "errors",
    },
    "viewer.cache": {"_values"},
    "viewer.payloads": {"viewer.markdown"},
    "viewer.server": {"viewer.store", "viewer.series", "viewer.payloads", "viewer.__init__"},
    "viewer.report": {"viewer.store", "viewer.series", "viewer.payloads", "viewer.__init__"},
    # The adapters sit on top, beside the viewer: each is a client of the writer.
    "integrations.__init__": set(),
    "integrations.lightning": {"writer", "summary"},
    "integrations.accelerate": {"writer"},
    "integrations.transformers": {"writer"},
    "integrations.ray": {"summary", "writer"},
}
# integrations/ modules import their framework at module level (only people who have it import
# them); these are the top-level packages each may import besides the standard library.
FRAMEWORKS = {
    "integrations.__init__": set(),
    "integrations.lightning": {"lightning", "lightning_fabric", "pytorch_lightning", "torch"},
    "integrations.accelerate": {"accelerate", "torch", "yaml"},
    "integrations.transformers": {"transformers", "torch"},
    "integrations.ray": {"ray", "numpy"},
}
# Only the event-file layer touches the filesystem; reader and the CLI read files.
FILE_USERS = {
    "integrations.accelerate",  # hparams.yml beside the run, as accelerate's tracker writes it
    "_event_file",
    "_files",
    "_remote",  # URL log dirs, through fsspec
    "reader",
    "_dump",
    "__main__",
    "_scan",
    "_stream",
    "_export",
    "viewer.store",
    "viewer.cache",  # its entry files
    "viewer.server",  # its static files
    "viewer.report",  # the report it writes
}


# A method handed an object of these libraries may import them, inside the function only; so
# may the methods that hand objects of them back (Table.to_pandas, Array.to_numpy), and the
# one that opens a URL log dir (_remote.open_fs: fsspec; docs/remote.md).
CALLER_LIBRARIES = {"torch", "matplotlib", "numpy", "pandas", "ml_dtypes", "fsspec"}


def source_path(module):
    return os.path.join(PACKAGE, *module.split(".")) + ".py"


def _relative(module, level, name):
    """The dotted module a relative import names: ``from .x`` in viewer.server is viewer.x,
    ``from ..x`` is x; ``from . import y`` in a subpackage's __init__ is that subpackage's y."""
    package = module.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    target = ".".join(base + [name]) if name else ".".join(base)
    return target or "__init__"


def imports(module):
    with open(source_path(module), encoding="utf-8") as f:
        tree = ast.parse(f.read(), module, feature_version=(3, 8))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function.update(id(inner) for inner in ast.walk(node) if inner is not node)
    absolute, relative = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {a.name.split(".")[0] for a in node.names}
            if id(node) in in_function:
                names -= CALLER_LIBRARIES
            absolute.update(names)
        elif isinstance(node, ast.ImportFrom):
            if (
                not node.level
                and id(node) in in_function
                and node.module.split(".")[0] in CALLER_LIBRARIES
            ):
                continue
            if node.level:
                if node.module:
                    target = _relative(module, node.level, node.module)
                    for a in node.names:  # from .viewer import server: the module viewer.server
                        inner = target + "." + a.name
                        if inner in ALLOWED:
                            relative.add(inner)
                        elif target + ".__init__" in ALLOWED:
                            relative.add(target + ".__init__")
                        else:
                            relative.add(target)
                else:  # from . import x: x is a module, or a name from the package's __init__
                    for a in node.names:
                        target = _relative(module, node.level, a.name)
                        if target not in ALLOWED:
                            target = _relative(module, node.level, "__init__")
                        relative.add(target)
            else:
                absolute.add(node.module.split(".")[0])
    return absolute, relative, tree


def test_every_module_is_listed():
    assert set(MODULES) == set(ALLOWED)


@pytest.mark.parametrize("module", MODULES)
def test_stdlib_only_and_layers(module):
    absolute, relative, tree = imports(module)
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is not None:  # Python 3.10+
        allowed = set(stdlib) | FRAMEWORKS.get(module, set())
        assert absolute <= allowed, absolute - allowed
    assert "tinytb" not in absolute, "use relative imports so the package can be vendored"
    assert relative <= ALLOWED[module], relative - ALLOWED[module]
    if module not in FILE_USERS:
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert "open" not in names, "only _event_file touches the filesystem"


def test_nothing_outside_integrations_imports_them():
    # the adapters import their framework: the core must never load one
    for module in MODULES:
        if not module.startswith("integrations."):
            _, relative, _ = imports(module)
            assert not {m for m in relative if m.startswith("integrations.")}, module


def run(code, *flags):
    return subprocess.run(
        [sys.executable] + list(flags) + ["-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_is_light():
    # No heavy or optional modules at import: numbers are in bench/, this checks the cause.
    out = run(
        "import sys; before = set(sys.modules); import tinytb; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    assert out.returncode == 0, out.stderr
    loaded = set(out.stdout.split())
    assert "tinytb.writer" in loaded
    for heavy in (
        "numpy",
        "torch",
        "google",
        "socket",
        "json",
        "datetime",
        "zlib",
        "wave",
        "tinytb.reader",
        "queue",
        "multiprocessing",
        "matplotlib",
        "tinytb._png",
        "tinytb._gif",
        "tinytb._draw",
        "fsspec",
    ):
        assert heavy not in loaded, heavy


def test_works_without_site_packages(tmp_path):
    code = (
        "import tinytb, tinytb.reader as r, os, sys; assert 'site' not in sys.modules; "
        "w = tinytb.SummaryWriter(sys.argv[1]); w.add_scalar('a', 1.0, 1); w.close(); "
        "f = r.event_files(sys.argv[1])['.'][0]; print(r.scalars(f))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[(1, 'a', 1.0)]"


def test_clean_under_warnings_as_errors():
    out = run("import tinytb, tinytb.reader, tinytb.summary, tinytb.__main__", "-W", "error")
    assert out.returncode == 0, out.stderr


def test_every_file_has_an_spdx_line():
    for module in MODULES:
        with open(source_path(module), encoding="utf-8") as f:
            assert f.readline().strip() == "# SPDX-License-Identifier: MIT", module
