"""House rules on the source that a reader meets first: functions short enough to read in one
screen, public methods documented with their arguments (``Args:``, and ``Shape:`` for media, as
PyTorch's docstrings are), and no ``typing`` import at run time (it costs milliseconds at
``import tinytb``; annotations are strings under ``from __future__ import annotations``)."""

import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "tinytb")
SOURCES = sorted(
    os.path.relpath(os.path.join(d, f), PACKAGE)
    for d, _, files in os.walk(PACKAGE)
    for f in files
    if f.endswith(".py") and "__pycache__" not in d
)
MAX_FUNCTION_LINES = 80
# Public modules whose functions and methods are documented argument by argument.
DOCUMENTED = ["writer.py", "summary.py", "reader.py"]
MEDIA = ("image", "video", "audio", "mesh", "embedding", "histogram")


def _tree(name):
    with open(os.path.join(PACKAGE, name), encoding="utf-8") as f:
        return ast.parse(f.read(), name)


@pytest.mark.parametrize("name", SOURCES)
def test_no_function_is_longer_than_80_lines(name):
    long = [
        "%s (%d lines)" % (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(_tree(name))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def _public_functions(tree):
    """(qualified name, node) of the public functions and of the public methods of public
    classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    yield "%s.%s" % (node.name, item.name), item


@pytest.mark.parametrize("name", DOCUMENTED)
def test_public_functions_document_their_arguments(name):
    missing = []
    for qualname, node in _public_functions(_tree(name)):
        args = [a.arg for a in node.args.args + node.args.kwonlyargs if a.arg != "self"]
        doc = ast.get_docstring(node) or ""
        if args and "Args:" not in doc:
            missing.append(qualname + ": no Args:")
        short = qualname.rsplit(".", 1)[-1]
        media = short.startswith("add_") or name == "summary.py"
        if media and any(m in short for m in MEDIA) and "Shape:" not in doc:
            missing.append(qualname + ": no Shape:")
    assert missing == []


def test_import_does_not_load_typing():
    code = "import sys, tinytb, tinytb.reader, tinytb.summary; print('typing' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        universal_newlines=True,
        check=True,
    ).stdout
    assert out.strip() == "False"
