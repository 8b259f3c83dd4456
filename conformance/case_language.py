"""The case language: how a conformance case is written down, and the executor that runs it.

A case (:class:`Case`) is a small scenario for one summary kind.  It writes into its own run
directory (``<slot root>/<case name>``) of one logdir per writer "slot": the ``target`` slot
(tinytb, or whatever ``target.py`` imports) and the ``torch`` slot
(``torch.utils.tensorboard``).  The same calls go to both slots in lock step, so the two
logdirs are directly comparable.

A case is a list of *phases*; a phase is a list of :class:`Call`, made with ``sw()``,
``fw()``, ``call()`` and ``close()``.  Between two phases the executor (``write_cases``)
waits for the next whole second, so an event file created in a later phase has a later
``%010d`` timestamp in its name and sorts after the earlier files of the same run: the
readers read a run's files in name order, and a process-wide counter (``...<pid>.9`` vs
``...<pid>.10``) does not sort numerically.

Where PyTorch refuses an input that tinytb accepts (numpy arrays for ``add_tensor``,
``decimal``/``fractions`` numbers, ``torch.complex32``), the call carries ``torch=`` - the
equivalent input PyTorch accepts - and parity compares tinytb's output for the original
input with PyTorch's for the equivalent one.

Arguments a deep copy would change (numpy views with negative or step strides) or cannot
give each writer (matplotlib figures, which the writer closes) are :class:`Fresh`: built
anew for each slot by the same function.

Fixed wall times are ``wt(k)`` = ``W0 + 0.25 * k``.  The table itself is case_table.py;
what a reader should show for it is expected_view.py.  This module imports neither numpy
nor torch.
"""

import copy
import math
import os
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Optional

# Fixed wall times are far in the past, so that a wall time inside the writing
# window can only be one the writer took from the clock ("now").
W0 = 1_600_000_000.0

# Calls that are not writer methods.
OPEN_SUMMARY_WRITER = "SummaryWriter"
OPEN_FILE_WRITER = "FileWriter"
CLOSE = "close"


@dataclass
class Call:
    """One writer call (or ``SummaryWriter(...)``/``FileWriter(...)``/``close``).

    ``run`` is only used by the two constructors: the run directory relative to
    the case directory ("" = the case directory itself).  ``torch`` is
    ``(args, kwargs)`` for PyTorch when it refuses ``args``/``kwargs``;
    ``divergence`` names the ``KNOWN_DIVERGENCES`` entry that explains it.
    ``warns`` is a regular expression: the target must emit exactly one warning
    for this call, matching it (PyTorch prints its own warning for the same
    input); a call without ``warns`` must not warn.
    """

    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    run: str = ""
    torch: Optional[tuple] = None
    divergence: Optional[str] = None
    warns: Optional[str] = None

    def for_slot(self, slot, owner=None):
        """(args, kwargs) to use for ``slot`` ("torch" or "target"), fresh copies.

        :class:`Fresh` arguments are built anew, on behalf of ``owner`` (the slot
        writing; ``slot`` by default)."""
        if slot == "torch" and self.torch is not None:
            args, kwargs = self.torch
        else:
            args, kwargs = self.args, self.kwargs
        # Writers may mutate what they are given (PyTorch's FileWriter.add_event
        # sets wall_time/step on the Event), so each slot gets its own copy.
        args, kwargs = copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs))
        owner = owner or slot
        return (
            tuple(_build(a, owner) for a in args),
            {k: _build(v, owner) for k, v in kwargs.items()},
        )

    def reference(self):
        """(args, kwargs) in the form PyTorch accepts: what the model reads."""
        args, kwargs = self.torch if self.torch is not None else (self.args, self.kwargs)
        return (
            tuple(_model_value(a) for a in args),
            {k: _model_value(v) for k, v in kwargs.items()},
        )


class Fresh:
    """An argument built anew for each slot by ``make()``, where a deep copy would not do:
    a numpy view with negative or step strides (``deepcopy`` makes it contiguous), a
    matplotlib figure (each writer renders and closes its own).

    ``model`` is what the expected view reads instead (``None``: a fresh ``make()``).
    Every object built for a slot is kept in ``built`` as ``(slot, object)``, so that
    tests can look at it afterwards (was the figure closed?)."""

    def __init__(self, make, model=None):
        self.make = make
        self.model = model
        self.built = []

    def __deepcopy__(self, memo):
        return self  # built per slot by for_slot, never copied

    def build(self, owner):
        obj = self.make()
        self.built.append((owner, obj))
        return obj

    def __repr__(self):
        return "Fresh(%r)" % (self.model,)


def _build(value, owner):
    return value.build(owner) if isinstance(value, Fresh) else value


def _model_value(value):
    if isinstance(value, Fresh):
        return value.model if value.model is not None else value.make()
    return value


@dataclass
class Case:
    """A named scenario (``doc`` says what it covers): ``phases``, each a list of Call."""

    name: str
    doc: str
    phases: list

    def calls(self):
        """Every Call of every phase, in order."""
        for phase in self.phases:
            yield from phase


def wt(k):
    """The k-th fixed wall time: ``W0 + 0.25 * k``."""
    return W0 + 0.25 * k


def sw(run="", **kwargs):
    return Call(OPEN_SUMMARY_WRITER, kwargs=kwargs, run=run)


def fw(run="", **kwargs):
    return Call(OPEN_FILE_WRITER, kwargs=kwargs, run=run)


def close():
    return Call(CLOSE)


def call(method, *args, torch=None, divergence=None, warns=None, **kwargs):
    return Call(method, args, kwargs, torch=torch, divergence=divergence, warns=warns)


# ---------------------------------------------------------------------------
# Executor


@dataclass
class SlotResult:
    """What writing the case table into one slot produced."""

    name: str
    root: str
    module_name: str
    window: tuple = (0.0, 0.0)  # (start, end) of the writing, for "now" wall times
    errors: dict = field(default_factory=dict)  # case name -> traceback text
    warnings: dict = field(default_factory=dict)  # (case, call index) -> [(category, message)]


def _sleep_to_next_second():
    now = time.time()
    time.sleep(math.floor(now) + 1.0 - now + 0.01)


def write_cases(cases, slots):
    """Write every case into every slot, calls in lock step.

    ``slots`` maps a slot name to ``(module, root)``; the module provides
    ``SummaryWriter`` and ``FileWriter``.  A module from ``torch.`` gets the
    inputs PyTorch accepts (``Call.torch``).  Returns ``{name: SlotResult}``.
    A call that raises is recorded (the case then fails in the checks), and the
    rest of that case is skipped for that slot.
    """
    results = {
        name: SlotResult(name, root, module.__name__) for name, (module, root) in slots.items()
    }
    writers = {(name, case.name): None for name in slots for case in cases}
    start = time.time()
    n_phases = max(len(case.phases) for case in cases)
    for p in range(n_phases):
        if p:
            _sleep_to_next_second()
        for case in cases:
            if p >= len(case.phases):
                continue
            base = sum(len(ph) for ph in case.phases[:p])
            for i, c in enumerate(case.phases[p]):
                for name, (module, root) in slots.items():
                    result = results[name]
                    if case.name in result.errors:
                        continue
                    key = (name, case.name)
                    try:
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            writers[key] = _apply(module, root, case, c, writers[key], name)
                        own = [
                            (w.category.__name__, str(w.message))
                            for w in caught
                            if not issubclass(
                                w.category, (DeprecationWarning, PendingDeprecationWarning)
                            )
                        ]
                        if own:
                            result.warnings[(case.name, base + i)] = own
                    except Exception:
                        result.errors[case.name] = "call #%d %s%r raised:\n%s" % (
                            base + i,
                            c.method,
                            _short(c.reference()[0]),
                            traceback.format_exc(),
                        )
    # Close anything a failed case left open.
    for key, writer in writers.items():
        if writer is not None:
            try:
                writer.close()
            except Exception:
                results[key[0]].errors.setdefault(
                    key[1], "close() raised:\n" + traceback.format_exc()
                )
    end = time.time()
    for result in results.values():
        result.window = (start - 1.0, end + 1.0)
    return results


def _short(args, limit=300):
    text = repr(args)
    return text if len(text) <= limit else text[:limit] + "..."


def _apply(module, root, case, c, writer, slot):
    if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
        log_dir = os.path.join(root, case.name, c.run) if c.run else os.path.join(root, case.name)
        cls = getattr(module, c.method)
        return cls(log_dir, **copy.deepcopy(c.kwargs))
    if c.method == CLOSE:
        writer.close()
        return writer
    args, kwargs = c.for_slot("torch" if module.__name__.startswith("torch.") else slot, owner=slot)
    getattr(writer, c.method)(*args, **kwargs)
    return writer
