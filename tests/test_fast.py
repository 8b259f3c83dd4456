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
