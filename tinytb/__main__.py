# SPDX-License-Identifier: MIT
"""Command line: ``tinytb demo [LOGDIR]`` and ``tinytb dump FILE|DIR`` (or ``python -m tinytb``).

Anything a user can cause is reported as one line on stderr, ``tinytb: <what is wrong>``, naming
the file, never as a traceback. Exit status:

    0    done
    1    bad data, or data that cannot be read or written: a corrupt or foreign file, a missing
         path, a permission error, a folder with no event files, a demo folder not empty
    2    a wrong command line (argparse's own status: unknown command or option, no command)
    130  interrupted (Ctrl-C), as a shell reports a process stopped by SIGINT
    141  stdout closed early (``tinytb dump runs | head``): 128 + SIGPIPE, what the shell reports
         for ``cat``/``grep`` stopped the same way, so ``set -o pipefail`` scripts see the usual
         status; nothing is printed.

``main()`` returns the status (the ``tinytb`` console script passes it to ``sys.exit``).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__, reader
from ._demo import demo
from ._dump import dump
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Callable, Optional, Sequence, Tuple

INTERRUPTED = 130  # 128 + SIGINT
CLOSED_PIPE = 141  # 128 + SIGPIPE
DEFAULT_LOGDIR = os.path.join("runs", "tinytb-demo")


class CommandError(Exception):
    """A refusal the command explains itself (``demo`` into a folder that is not empty)."""


# What a DecodeError's section means, said two ways: after "its first record", where a failure
# means the file is something else (README.md, a checkpoint), and for a later record, where it
# means a damaged event file. Sections are _record's names; anything else is a protobuf field
# path inside the Event ("Event.summary.value[0].tensor").
_SECTIONS = {
    "header crc": ("'s length checksum does not match", "length checksum mismatch"),
    "header": ("'s length is impossible", "impossible record length"),
    "data crc": ("'s data checksum does not match", "data checksum mismatch"),
    "data": (" is cut short", "truncated record"),
}

# OSError subclass -> what is wrong with the path; the first match wins (subclasses first).
_OS_ERRORS = (
    (FileNotFoundError, "no such file or directory: %s"),
    (IsADirectoryError, "a directory where a file is expected: %s"),
    (NotADirectoryError, "not a directory: %s"),
    (PermissionError, "permission denied: %s"),
    (FileExistsError, "already exists: %s"),
)


def _decode_message(err: DecodeError, path: str) -> str:
    """``not an event file: FILE (...)`` or ``corrupt event file: FILE: ... (record N)``."""
    path = getattr(err, "path", None) or path
    offset = err.offset if err.offset is not None else 0
    clause, noun = _SECTIONS.get(
        err.section or "",
        (
            " is not an Event message: %s in %s" % (err.msg, err.section),
            "bad protobuf in %s: %s" % (err.section, err.msg),
        ),
    )
    number = _record_number(path, offset)
    if number == 1 or (number is None and offset == 0):
        return "not an event file: %s (its first record%s)" % (path, clause)
    where = "at byte %d" % offset
    if number is not None:
        where += " (record %d)" % number
    return "corrupt event file: %s: %s %s" % (path, noun, where)


def _record_number(path: str, offset: int) -> Optional[int]:
    """The 1-based number of the record holding byte ``offset``, counted by framing alone;
    None when the file cannot be read again (a pipe, or gone)."""
    if not os.path.isfile(path):
        return None
    number = 0
    try:
        with open(path, "rb") as f:
            for start, _ in reader.iter_records(f):
                if start > offset:
                    return number
                number += 1
    except DecodeError:  # the framing of the bad record itself failed
        return number + 1
    except OSError:
        return None
    return number


def _os_message(err: OSError) -> str:
    path = err.filename if err.filename is not None else "?"
    for kind, text in _OS_ERRORS:
        if isinstance(err, kind):
            return text % path
    return "%s: %s" % (path, (err.strerror or str(err)).lower())


# Exception -> (exit status, one-line message); the first match wins. BrokenPipeError and
# KeyboardInterrupt are not here: main() ends quietly for those.
_FAILURES: Tuple[Tuple[type, int, Callable[..., str]], ...] = (
    (DecodeError, 1, _decode_message),
    (CommandError, 1, lambda err, path: str(err)),
    (OSError, 1, lambda err, path: _os_message(err)),
)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="tinytb %s: PyTorch's TensorBoard writer in the Python standard "
        "library alone. These commands write a demo run and show what event files hold."
        % __version__,
        epilog="'%s COMMAND --help' describes a command. Exit status: 0 done, 1 bad or "
        "unreadable data, 2 wrong command line, 130 interrupted, 141 output closed early." % prog,
    )
    parser.add_argument("--version", action="version", version="tinytb %s" % __version__)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    p = sub.add_parser(
        "demo",
        help="write a demo run with every dashboard and say how to view it",
        description="Write a run with one summary of every kind TensorBoard "
        "shows, then print its files and how to view it.",
    )
    p.add_argument(
        "logdir",
        nargs="?",
        default=DEFAULT_LOGDIR,
        metavar="LOGDIR",
        help="folder to write the run into; it must not exist or be empty (default: %(default)s)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into LOGDIR even if it is not empty (a second demo run there adds "
        "a second point at every step of every curve)",
    )
    p = sub.add_parser(
        "dump",
        help="print every record of event files, decoded, with offsets",
        description="Print every record of an event file, decoded, one line per "
        "event (and one per summary value or graph node), with its byte offset.",
    )
    p.add_argument(
        "path",
        metavar="FILE|DIR",
        help="an event file, or a folder: every event file below it, run by run",
    )
    return parser


def _demo(args: argparse.Namespace, prog: str) -> int:
    logdir = args.logdir
    if os.path.exists(logdir) and not os.path.isdir(logdir):
        raise CommandError("cannot write the demo run: not a directory: %s" % logdir)
    if os.path.isdir(logdir) and os.listdir(logdir) and not args.force:
        raise CommandError(
            "%s is not empty: another demo run there would double every curve "
            "(choose a new folder, or pass --force)" % logdir
        )
    try:
        logdir = demo(logdir)
    except OSError as err:
        raise CommandError("cannot write the demo run: %s" % _os_message(err)) from err
    print("wrote a demo run to %s" % logdir)
    for files in reader.event_files(logdir).values():
        for f in files:
            print("  %s  (%d bytes)" % (f, os.path.getsize(f)))
    print("view it with:  tensorboard --logdir %s" % logdir)
    print("or read it with:  %s dump %s" % (prog, logdir))
    return 0


def _dump(args: argparse.Namespace) -> int:
    path = args.path
    try:
        dump(path, sys.stdout)  # raises DecodeError (with .path) after the good records
    except FileNotFoundError as err:
        if err.filename == path and os.path.isdir(path):  # dump found no event files below it
            raise CommandError(
                "no event files under %s (their names contain 'tfevents')" % path
            ) from None
        raise
    return 0


def _run(argv: Optional[Sequence[str]], prog: str) -> int:
    parser = _parser(prog)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.error("choose a command: demo or dump (see %s --help)" % prog)
    except SystemExit as stop:  # argparse's usage errors (2), --help and --version (0)
        return stop.code if isinstance(stop.code, int) else 1
    path = getattr(args, "path", None) or args.logdir
    try:
        status = _demo(args, prog) if args.command == "demo" else _dump(args)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in the buffer
        return status
    except BrokenPipeError:  # an OSError, but main() ends quietly for it
        raise
    except Exception as err:
        for kind, status, message in _FAILURES:
            if isinstance(err, kind):
                print("tinytb: %s" % message(err, path), file=sys.stderr)
                return status
        raise


def main(argv: Optional[Sequence[str]] = None, prog: str = "tinytb") -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    try:
        return _run(argv, prog)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away. Point stdout at devnull so the interpreter's
        # final flush of what is still buffered does not raise (and print) the same error.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
            pass
        return CLOSED_PIPE


if __name__ == "__main__":
    sys.exit(main(prog="python -m tinytb"))
