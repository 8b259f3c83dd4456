"""Helpers shared by the framework adapters' suites (test_frameworks_*.py): TensorBoard made
unimportable for a block, and the hparams plugin's session decoded from its bytes."""

import contextlib
import struct
import sys

from tinytb._wire import iter_fields

BLOCKED = ("tensorboard", "tensorboardX", "tensorflow", "torch.utils.tensorboard")


@contextlib.contextmanager
def no_tensorboard():
    """TensorBoard's packages (and PyTorch's ``torch.utils.tensorboard``) made unimportable
    for the block, where not imported already: a ``None`` in ``sys.modules`` makes ``import``
    raise ModuleNotFoundError and ``importlib.util.find_spec`` answer None (not installed)."""
    hidden = [name for name in BLOCKED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def blocked_modules():
    return {
        m
        for m, module in sys.modules.items()
        if module is not None and any(m == b or m.startswith(b + ".") for b in BLOCKED)
    }


def _struct_value(raw):
    """google.protobuf.Value: 1 null, 2 number (double), 3 string, 4 bool."""
    for field, _, value, _ in iter_fields(raw):
        if field == 2:
            return struct.unpack("<d", value)[0]
        if field == 3:
            return value.decode()
        if field == 4:
            return bool(value)
    return None


def session_parts(content, found):
    for field, _, data, _ in iter_fields(content):
        if field == 2:  # Experiment: 4 HParamInfo {1 name, 4 type}; 5 MetricInfo {1 name {2 tag}}
            for f, _, info, _ in iter_fields(data):
                parts = {k: v for k, _, v, _ in iter_fields(info)}
                if f == 4:
                    found["types"][parts[1].decode()] = parts.get(4, 0)
                elif f == 5:
                    name = {k: v for k, _, v, _ in iter_fields(parts[1])}
                    found["metrics"].append(name[2].decode())
        elif field == 3:  # SessionStartInfo: 1 map entry {1 key, 2 Value}
            for f, _, entry, _ in iter_fields(data):
                if f == 1:
                    parts = {k: v for k, _, v, _ in iter_fields(entry)}
                    found["hparams"][parts[1].decode()] = _struct_value(parts[2])
