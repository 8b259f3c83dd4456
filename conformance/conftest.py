"""Fixtures of the conformance suite, and "no skips in CI".

Session fixtures:
  written  - every case of case_table.py written, in lock step, by the target
             (tinytb) and by torch.utils.tensorboard into two logdirs of one
             temporary directory;
  servers  - four TensorBoard servers ({--load_fast=true, --load_fast=false} x
             {target logdir, torch logdir}), started together once, stopped by pid.

Under CI (environment variable CI set, as .ci/run does) a skipped test is a
failed test: the reference stack must be complete there.
"""

import os
import sys

import pytest

from . import deps, target

# ---------------------------------------------------------------------------
# No skips in CI


def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = "skipped under CI, which must run every conformance check: %s" % reason


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped:
        report.outcome = "failed"
        report.longrepr = "collection skipped under CI: %s" % (report.longrepr,)


def pytest_report_header(config):
    lines = [
        "conformance target: %s%s"
        % (target.MODULE_NAME, (" (from %s)" % target.EXTRA_PATH) if target.EXTRA_PATH else "")
    ]
    found = deps.installed_versions()
    parts = []
    for name, pinned in deps.PINNED.items():
        have = found[name]
        mark = "" if have and have.split("+")[0] == pinned else " (pinned %s)" % pinned
        parts.append("%s %s%s" % (name, have or "MISSING", mark))
    lines.append("reference stack: " + ", ".join(parts))
    if _in_ci():
        lines.append("CI is set: skips fail")
    return lines


# ---------------------------------------------------------------------------
# Writing the cases


class Written:
    """The two logdirs and what writing them produced."""

    def __init__(self, root, cases, results, module):
        self.root = root
        self.cases = cases
        self.results = results  # {"torch": SlotResult, "target": SlotResult}
        self.module = module
        self.torch = results["torch"]
        self.target = results["target"]

    def case(self, name):
        return next(c for c in self.cases if c.name == name)


@pytest.fixture(scope="session")
def written(tmp_path_factory):
    deps.need("numpy")
    deps.need("tensorboard")
    deps.need("torch")
    deps.need("PIL")  # PyTorch's images, and decoding both writers' PNG and GIF
    deps.need("matplotlib")  # add_figure
    from torch.utils import tensorboard as torch_tb

    from . import case_language, case_table

    module = target.load()  # an ImportError here is an error, never a skip
    root = str(tmp_path_factory.mktemp("logdirs"))
    slots = {
        "torch": (torch_tb, os.path.join(root, "torch")),
        "target": (module, os.path.join(root, "target")),
    }
    table = case_table.build_cases()
    results = case_language.write_cases(table, slots)
    if results["torch"].errors:  # the suite's own mistake, not the target's
        raise RuntimeError(
            "PyTorch's writer failed on the case table: %s" % results["torch"].errors
        )
    return Written(root, table, results, module)


@pytest.fixture(scope="session")
def same_run(written, tmp_path_factory):
    """The target's same-run hparams logdir (``case_table.same_run_cases``): root, cases,
    window, errors, warnings; None when the target is PyTorch's writer (it has no
    same-run mode)."""
    from . import case_language, case_table

    if target.is_torch():
        return None
    import types

    root = str(tmp_path_factory.mktemp("same-run"))
    table = case_table.same_run_cases()
    result = case_language.write_cases(table, {"target": (written.module, root)})["target"]
    return types.SimpleNamespace(
        root=root, cases=table, window=result.window, errors=result.errors, warnings=result.warnings
    )


@pytest.fixture(scope="session")
def servers(written, same_run, tmp_path_factory):
    """{(load_fast, slot): Server}: slot "target" and "torch" (the case table's logdirs), all
    four ready; and, unless the target is PyTorch's writer, slot "same_run" (the target's
    same-run hparams logdir), started once the four are ready and left to boot while the
    other tests run: use them through the ``same_run_servers`` fixture, which waits."""
    deps.need("tensorboard")
    from . import servers as servers_mod

    if not _has_data_server():
        pytest.skip(
            "tensorboard-data-server (rustboard, --load_fast=true) is not installed; "
            + deps.INSTALL_HINT
        )
    logs = tmp_path_factory.mktemp("server-logs")

    def start(load_fast, slot, root):
        started[(load_fast, slot)] = servers_mod.Server(
            root, load_fast, str(logs / ("%s-%s.log" % (slot, "fast" if load_fast else "slow")))
        )

    started = {}
    try:
        for load_fast in (True, False):
            for slot in ("target", "torch"):
                start(load_fast, slot, written.results[slot].root)
        for server in started.values():
            server.wait_ready(timeout=60.0)
        servers_mod.wait_loaded(
            started,
            _loaded_predicate(written),
            _snapshot,
            reference=[(True, "torch"), (False, "torch")],
            timeout=60.0,
        )
        if same_run is not None:
            for load_fast in (True, False):
                start(load_fast, "same_run", same_run.root)
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="session")
def same_run_servers(servers, same_run):
    """{load_fast: Server} on the same-run logdir, ready and loaded (every session listed)."""
    from . import servers as servers_mod

    if same_run is None:
        pytest.skip("PyTorch's writer (TINYTB_MODULE=torch...) has no same-run hparams mode")
    mine = {key: servers[key] for key in ((True, "same_run"), (False, "same_run"))}
    for server in mine.values():
        server.wait_ready(timeout=60.0)
    sessions = len(same_run.cases)

    def loaded(key, server):
        return (
            server.post(
                "/data/plugin/hparams/session_groups",
                {"allowedStatuses": ["STATUS_SUCCESS"], "sliceSize": 100},
            )["totalSize"]
            == sessions
        )

    servers_mod.wait_loaded(mine, loaded, _snapshot, reference=[], timeout=60.0)
    return {load_fast: server for (load_fast, _), server in mine.items()}


_TAGGED_PLUGINS = ("scalars", "text", "images", "histograms", "audio", "pr_curves", "mesh")


def _loaded_predicate(written):
    """A server has loaded the logdir when it lists every expected scalar, text, image,
    histogram, audio, PR curve and mesh tag (PyTorch's logdir: no videos) and a
    custom-scalars layout."""
    from . import checks, expected_view, target

    points = [p for case in written.cases for p in expected_view.model_points(case)]
    want = {}
    for load_fast, semantics in (
        (True, checks.rustboard_semantics),
        (False, checks.python_semantics),
    ):
        for slot in ("target", "torch"):
            tags = {plugin: {} for plugin in _TAGGED_PLUGINS}
            for (run, tag), pts in semantics(points).items():
                if slot == "torch" or target.is_torch():
                    pts = [p for p in pts if expected_view.pytorch_writes(p)]
                if pts and pts[0].plugin in tags:
                    name = pts[0].value.name if pts[0].plugin == "mesh" else tag
                    tags[pts[0].plugin].setdefault(run, set()).add(name)
            want[(load_fast, slot)] = tags

    def loaded(key, server):
        tags = want[key]
        return all(
            {r: set(t) for r, t in server.get("/data/plugin/%s/tags" % plugin).items() if t}
            == tags[plugin]
            for plugin in _TAGGED_PLUGINS
        ) and bool(server.get("/data/plugin/custom_scalars/layout"))

    return loaded


def _snapshot(server):
    return tuple(server.get("/data/plugin/%s/tags" % plugin) for plugin in _TAGGED_PLUGINS) + (
        server.get("/data/runs"),
        server.get("/data/plugin/custom_scalars/layout"),
    )


def _has_data_server():
    try:
        from tensorboard_data_server import server_binary
    except ImportError:
        return False
    return bool(server_binary())


def pytest_configure(config):
    # TensorBoard's text plugin imports its vendored bleach, which warns on import.
    config.addinivalue_line(
        "filterwarnings", "ignore:html5lib's sanitizer is deprecated:DeprecationWarning"
    )
    # setup.cfg makes every warning an error. protobuf's text_format.Parse (the reference in
    # test_projector) unescapes with the 'unicode_escape' codec, which warns on the odd escapes
    # ("\?", "\777") the parity cases feed it on purpose.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:invalid (octal )?escape sequence:DeprecationWarning"
        ":google\\.protobuf\\.text_encoding",
    )
    # Importing the suite's modules from a subprocess (test_vendored) needs the
    # repository root on sys.path, as pytest puts it for this package.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)


def pytest_generate_tests(metafunc):
    """Parametrize ``case_name`` with the case table (one test per case)."""
    if "case_name" in metafunc.fixturenames:
        from .case_table import CASE_NAMES  # no numpy/torch needed to name the cases

        metafunc.parametrize("case_name", CASE_NAMES)
