"""tinytb._fast: the scalar record template equals the general encoders, byte for byte."""

import random

from tinytb import _fast

from vectors import RECORD_LOSS

TAGS = ["loss", "train/loss", "a" * 40, "ünïcode/损失", "x" * 120, ""]
# the varint lengths of the step change at 128, 2**14 and 2**21
STEPS = [0, 1, 127, 128, 16383, 16384, 50000, 2**21 - 1, 2**21, 2**31, 2**33, 2**63 - 1, -1]
STEPS.append(-(2**63))
VALUES = [0.0, -0.0, 0.5, 1e-45, 3.4028235e38, 1e39, -1e39, float("inf"), float("nan"), 0.1]


def test_known_record():
    # docs/event-file-format.md sections 2 and 6: Event(wall_time=2.0, step=3, summary{loss: 0.5})
    assert _fast.ScalarRecords().record("loss", 0.5, 3, 2.0) == RECORD_LOSS


def test_template_equals_general_path():
    records = _fast.ScalarRecords()
    for tag in TAGS:
        for step in STEPS:
            for value in VALUES:
                for wall in (1795708089.123456, 0.0, 1.5, -2.0):
                    got = records.record(tag, value, step, wall)
                    assert got == _fast.general_scalar_record(tag, value, step, wall), (
                        tag,
                        step,
                        value,
                        wall,
                    )


def test_random_against_general_path():
    rng = random.Random(11)
    records = _fast.ScalarRecords()
    for _ in range(3000):
        tag = "t%d" % rng.randrange(30)
        step = rng.choice([rng.randrange(1 << rng.randrange(1, 64)), -rng.randrange(1, 1000)])
        value = rng.uniform(-1e6, 1e6)
        wall = rng.uniform(1e9, 2e9)
        assert records.record(tag, value, step, wall) == _fast.general_scalar_record(
            tag, value, step, wall
        )


def test_threads_sharing_templates_never_pair_wrong_halves():
    # wall times whose top four bytes differ (1e9 and 2e9 s): every call replaces the cached
    # part of the top bytes, while other threads read it
    import threading

    records = _fast.ScalarRecords()
    bad = []

    def work(seed):
        rng = random.Random(seed)
        for _ in range(3000):
            wall = rng.choice([1e9, 2e9]) + rng.random()
            step = rng.randrange(1 << 16)
            if records.record("t", 0.5, step, wall) != _fast.general_scalar_record(
                "t", 0.5, step, wall
            ):
                bad.append((step, wall))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
