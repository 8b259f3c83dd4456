"""The reading side against mutated event files: whatever the bytes, reader.read_events (of
bytes and of a path), reader.scalars, reader.tensor_values and dump raise DecodeError or
nothing, allocate at most 64 MB at once and take at most a few seconds.

Seeds are valid files of every kind tinytb's SummaryWriter writes (tests/fuzzing.py); each
case stacks one to three mutations: bit flips, byte overwrites, truncations, length fields
edited with the header CRC recomputed, payloads edited with the data CRC recomputed (so the
protobuf decoder sees them), records spliced and duplicated across files, random protobuf
messages in valid frames, deeply nested messages. The seed of the random generator is fixed:
a failure names its case number, and ``case(seed, n)`` rebuilds it.

The test run makes 2000 cases (``TINYTB_FUZZ_CASES`` changes that); a long run:

    python tests/test_fuzz.py --long [N]      # N cases, default 100000, with progress
"""

import os
import random
import sys

if __name__ == "__main__":  # run as a script: import tinytb from this checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import fuzzing  # noqa: E402
from tinytb import reader  # noqa: E402

SEED = 20261207
CASES = int(os.environ.get("TINYTB_FUZZ_CASES", "2000"))

# What the seeds must hold between them: every plugin tinytb writes, and the legacy kinds.
KINDS = {
    "scalars",
    "text",
    "tensor",
    "audio",
    "pr_curves",
    "mesh",
    "hparams",
    "custom_scalars",
    "simple_value",
    "image",
    "histo",
    "graph_def",
    "tagged_run_metadata",
}


def kinds_of(data):
    found = set()
    for event in reader.read_events(data):
        for name, _ in event.fields():
            if name in ("graph_def", "tagged_run_metadata"):
                found.add(name)
        for value in event.summary.value if event.summary is not None else ():
            found.update(
                k for k in ("simple_value", "image", "histo", "audio") if k in value._present
            )
            if value.metadata is not None and value.metadata.plugin_data is not None:
                found.add(value.metadata.plugin_data.plugin_name)
    return found


def test_seeds_are_valid_files_of_every_kind(tmp_path):
    seeds = fuzzing.write_seeds(str(tmp_path))
    found = set()
    for name, data in sorted(seeds.items()):
        assert fuzzing.check_case(data, str(tmp_path / "seed")) == "ok", name
        found |= kinds_of(data)
    assert KINDS <= found, KINDS - found


def test_the_guard_sees_a_big_allocation():
    _, peak, _ = fuzzing.guarded(lambda: len(bytearray(100 * fuzzing.MB)))
    assert peak >= 100 * fuzzing.MB


def test_every_mutation_kind_runs():
    seeds = {"a": fuzzing.event_file(), "b": fuzzing.audio_file(8000.0)}
    rng = random.Random(1)
    for name, mutation in sorted(fuzzing.MUTATIONS.items()):
        for _ in range(20):
            assert isinstance(mutation(rng, seeds["a"]), bytes), name
    seen = set()
    for _ in range(400):
        applied, data = fuzzing.mutate(rng, seeds)
        seen.update(applied)
    assert seen == set(fuzzing.MUTATIONS) | {"splice"}


def test_mutated_files_raise_decode_error_or_nothing(tmp_path):
    counts = fuzzing.run(SEED, CASES, str(tmp_path))
    assert counts["cases"] == CASES == counts["ok"] + counts["DecodeError"]
    # the mutations reach past the framing: some cases decode, some fail inside the payload
    assert counts["ok"] > CASES // 10 and counts["DecodeError"] > CASES // 10


def case(seed, n, tmpdir):
    """The bytes of case ``n`` of a run with ``seed`` (to look at a failure)."""
    seeds = fuzzing.write_seeds(tmpdir)
    rng = random.Random(seed)
    for _ in range(n):
        fuzzing.mutate(rng, seeds)
    return fuzzing.mutate(rng, seeds)


def main(argv):
    import argparse
    import tempfile
    import time

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--long",
        nargs="?",
        type=int,
        const=100000,
        default=CASES,
        metavar="N",
        help="number of cases (default with --long: 100000)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    started = time.time()
    with tempfile.TemporaryDirectory() as tmpdir:
        counts = fuzzing.run(args.seed, args.long, tmpdir, progress=10000)
    print(
        "seed %d: %d cases in %.0f s: %d ok, %d DecodeError, 0 other"
        % (args.seed, counts["cases"], time.time() - started, counts["ok"], counts["DecodeError"])
    )
    for kind, outcome in sorted(counts["by mutation"].items()):
        print("  %-15s ok %6d  DecodeError %6d" % (kind, outcome["ok"], outcome["DecodeError"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
