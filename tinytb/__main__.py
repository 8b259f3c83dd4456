# SPDX-License-Identifier: MIT
"""Command line (``tinytb`` or ``python -m tinytb``):

    tinytb demo [LOGDIR]                  write a demo run with every dashboard
    tinytb dump FILE|DIR                  every record decoded, with offsets
    tinytb dump --bytes [-n N] FILE       the first N records as annotated hex
    tinytb ls LOGDIR [--json]             runs, kinds, tags: counts, step ranges, last write
    tinytb export LOGDIR -o OUT --format csv|jsonl|sqlite [--runs RE] [--tags RE]
                  [--kinds K,K] [--media] [--force] [--skip-bad]
    tinytb tail [-f] LOGDIR [--runs RE] [--tags RE]   scalars, one per line (-f: as written)
    tinytb check LOGDIR|FILE              every record's CRCs and decoding; status 1 if bad
    tinytb serve LOGDIR [--host H] [--port P] [--reload S] [--verbose] [--no-cache]
                                          view the log in a browser (until Ctrl-C)
    tinytb report LOGDIR -o OUT [--max-media-bytes N] [--title T]
                                          one self-contained HTML file of the log

Anything a user can cause is reported as one line on stderr, ``tinytb: <what is wrong>``, naming
the file, never as a traceback. Exit status:

    0    done
    1    bad data, or data that cannot be read or written: a corrupt or foreign file, a missing
         path, a permission error, a folder with no event files, a demo folder not empty, an
         export's output that exists (without --force); ``check`` finding any bad file
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
import re
import sys

from . import __version__, _remote
from .errors import DecodeError

# The modules behind the commands are imported by the command that uses them (``from . import
# reader`` inside the function): ``tinytb serve`` starts without the export or dump code, and
# ``tinytb ls`` without the viewer.

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

INTERRUPTED = 130  # 128 + SIGINT
CLOSED_PIPE = 141  # 128 + SIGPIPE
DEFAULT_LOGDIR = os.path.join("runs", "tinytb-demo")
DEFAULT_BYTES_RECORDS = 3  # dump --bytes: the header record, then the first two events
COMMANDS = ("demo", "dump", "ls", "export", "tail", "check", "serve", "report")
DEFAULT_PORT = 6006  # TensorBoard's
# report: images and audio inlined up to 20 MiB (viewer/report.py's DEFAULT_MAX_MEDIA_BYTES;
# not imported from there so that the other commands do not load the viewer)
DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024
# export's --kinds and --format choices (_export.KINDS and FORMATS: a test checks they agree;
# not imported from there so that building the parser does not load the export code)
EXPORT_KINDS = ("scalars", "tensors", "histograms", "images", "audio", "text", "hparams")
EXPORT_FORMATS = ("csv", "jsonl", "sqlite")


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
            from . import reader

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
def _failures() -> List[Tuple[type, int, Callable[..., str]]]:
    table: List[Tuple[type, int, Callable[..., str]]] = [
        (DecodeError, 1, _decode_message),
        (CommandError, 1, lambda err, path: str(err)),
    ]
    export = sys.modules.get(__package__ + "._export")  # only a command that loaded it
    if export is not None:
        table.append((export.ExportError, 1, lambda err, path: str(err)))
    table.append((OSError, 1, lambda err, path: _os_message(err)))
    return table


def _regex(text: str) -> str:
    """argparse type of --runs/--tags: a valid regular expression (else exit status 2)."""
    try:
        re.compile(text)
    except re.error as err:
        raise argparse.ArgumentTypeError(
            "not a regular expression: %r (%s)" % (text, err)
        ) from None
    return text


def _kinds(text: str) -> Tuple[str, ...]:
    """argparse type of --kinds: comma-separated kind names."""
    try:
        from . import _export

        return _export.parse_kinds(k.strip() for k in text.split(",") if k.strip())
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).split(": ", 1)[1]) from None


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError("not a positive whole number: %r" % text)
    return n


def _filters(p: argparse.ArgumentParser, kinds: bool = True) -> None:
    p.add_argument(
        "--runs",
        type=_regex,
        metavar="RE",
        help="only runs matching this regex (re.search; the top folder's run is the empty string)",
    )
    p.add_argument("--tags", type=_regex, metavar="RE", help="only tags matching this regex")
    if kinds:
        p.add_argument(
            "--kinds",
            type=_kinds,
            metavar="K,K",
            help="only these kinds, comma-separated: %s (default: all)" % ",".join(EXPORT_KINDS),
        )
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="go on past a damaged file: keep "
        "its records before the first bad one, say on stderr what was skipped",
    )


def _demo_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="write a demo run with every dashboard and say how to view it",
        description="Write a run with one summary of every kind TensorBoard "
        "shows, then print its files and how to view it.",
    )
    p.add_argument(
        "path",
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


def _dump_parser(sub: Any) -> None:
    p = sub.add_parser(
        "dump",
        help="print every record of event files, decoded, with offsets (--bytes: as hex)",
        description="Print every record of an event file, decoded, one line per "
        "event (and one per summary value or graph node), with its byte offset; with --bytes, "
        "the first records as annotated hex, field by field.",
    )
    p.add_argument(
        "path",
        metavar="FILE|DIR",
        help="an event file, or a folder: every event file below it, run by run",
    )
    p.add_argument(
        "--bytes",
        action="store_true",
        help="annotated hex of the first records: "
        "length, its CRC, the payload field by field, the data CRC (one FILE)",
    )
    p.add_argument(
        "-n",
        type=_positive,
        metavar="N",
        dest="records",
        help="with --bytes: how many records (default %d)" % DEFAULT_BYTES_RECORDS,
    )


def _reading_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "ls",
        help="list runs, kinds and tags with counts, step ranges and last write time",
        description="One line per run, kind and tag: how "
        "many values, the smallest and largest step, the last write time (local).",
    )
    p.add_argument("path", metavar="LOGDIR", help="a log folder or one event file")
    p.add_argument("--json", action="store_true", help="one JSON object per line instead")
    _filters(p)
    p = sub.add_parser(
        "export",
        help="write a log's rows as csv, jsonl or sqlite",
        description="Write every row of a log as tidy tables (run, tag, step, "
        "wall_time, then the kind's values), streaming; layouts in docs/export.md.",
    )
    p.add_argument("path", metavar="LOGDIR", help="a log folder or one event file")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output: a folder for csv (one KIND.csv per kind), a file for jsonl and sqlite",
    )
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="output format")
    p.add_argument(
        "--media",
        action="store_true",
        help="also write images and audio as files "
        "(OUT/media for csv, OUT.media beside a file), their paths in column path",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    _filters(p)
    p = sub.add_parser(
        "tail",
        help="print scalars (run, tag, step, value); -f: as written",
        description="Print scalars, one tab-separated line each: run (. for "
        "the top folder), tag, step, value. With -f, keep printing new ones as "
        "they are written (new runs too) until Ctrl-C.",
    )
    p.add_argument("path", metavar="LOGDIR", help="a log folder or one event file")
    p.add_argument("-f", "--follow", action="store_true", help="keep following the log")
    p.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="with -f: how often to look for new data (default %(default)s)",
    )
    _filters(p, kinds=False)
    p = sub.add_parser(
        "check",
        help="verify every record of every event file",
        description="Check both CRCs of every record and decode every Event; "
        "one line per bad file with its first bad offset; exit status 1 if any.",
    )
    p.add_argument("path", metavar="LOGDIR|FILE", help="a log folder or one event file")


def _port(text: str) -> int:
    """argparse type of --port: 0 (any free port) to 65535."""
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError("not a TCP port (0 to 65535): %r" % text)
    return int(text)


def _seconds(text: str) -> float:
    """argparse type of --reload: a finite number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError("not a number of seconds >= 0: %r" % text)
    return value


def _byte_count(text: str) -> int:
    """argparse type of --max-media-bytes: a whole number >= 0."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError("not a whole number of bytes >= 0: %r" % text)
    return int(text)


def _viewer_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="view a log in a browser: scalars, images, histograms, text, audio, hparams",
        description="Serve a log folder's dashboards over HTTP (standard library only) until "
        "Ctrl-C; new points and runs appear as they are written. Read-only; only this machine "
        "can connect unless --host says otherwise.",
    )
    p.add_argument("path", metavar="LOGDIR", help="the log folder (runs below it)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default %(default)s: this machine only; 0.0.0.0: every "
        "interface, anyone who can reach it can read the log)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="TCP port (default %(default)s; 0: any free one)",
    )
    p.add_argument(
        "--reload",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="how often the page looks for new data (default %(default)s; 0: never)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not keep decoded files in the cache folder ($TINYTB_CACHE_DIR, else "
        "$XDG_CACHE_HOME/tinytb or ~/.cache/tinytb), which makes a restart on the same log "
        "fast; an entry is used only while its file's size, mtime and last bytes match",
    )
    p = sub.add_parser(
        "report",
        help="write one self-contained HTML file of a log (opens offline)",
        description="Write the log's scalars, images, histograms, text and audio as one HTML "
        "file, data and code inline, that opens from file:// with no server.",
    )
    p.add_argument("path", metavar="LOGDIR", help="the log folder (runs below it)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the HTML file to write")
    p.add_argument(
        "--max-media-bytes",
        type=_byte_count,
        default=DEFAULT_MAX_MEDIA_BYTES,
        metavar="N",
        help="inline images and audio up to N bytes in all, the rest left out (default "
        "%(default)s, 20 MiB; 0: none)",
    )
    p.add_argument("--title", metavar="T", help="the page title (default: the log folder's name)")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="tinytb %s: PyTorch's TensorBoard writer in the Python standard "
        "library alone. These commands write a demo run and read, list, export, check and "
        "view event logs." % __version__,
        epilog="'%s COMMAND --help' describes a command. Exit status: 0 done, 1 bad or "
        "unreadable data, 2 wrong command line, 130 interrupted, 141 output closed early." % prog,
    )
    parser.add_argument("--version", action="version", version="tinytb %s" % __version__)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    _demo_parser(sub)
    _dump_parser(sub)
    _reading_parsers(sub)
    _viewer_parsers(sub)
    return parser


def _demo(args: argparse.Namespace, prog: str) -> int:
    from . import reader
    from ._demo import demo

    logdir = args.path
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
    print("view it with:  %s serve %s" % (prog, logdir))
    print("(or tensorboard --logdir %s); read it with:  %s dump %s" % (logdir, prog, logdir))
    return 0


def _dump(args: argparse.Namespace) -> int:
    from ._dump import dump

    path = args.path
    if args.bytes:
        return _dump_bytes(path, args.records or DEFAULT_BYTES_RECORDS)
    try:
        dump(path, sys.stdout)  # raises DecodeError (with .path) after the good records
    except FileNotFoundError as err:
        if err.filename == path and os.path.isdir(path):  # dump found no event files below it
            raise CommandError(
                "no event files under %s (their names contain 'tfevents')" % path
            ) from None
        raise
    return 0


def _dump_bytes(path: str, records: int) -> int:
    from . import _dump as dumping
    from . import _export

    if os.path.isdir(path):
        files = _export.event_files_below(path)
        hint = " (for example %s)" % files[0] if files else ""
        raise CommandError("dump --bytes reads one event file, not a folder: %s%s" % (path, hint))
    dumping.dump_bytes(path, sys.stdout, records=records)
    return 0


def _need_event_files(path: str) -> None:
    """FileNotFoundError for a missing path, CommandError for a folder with no event file."""
    from . import _export

    if _remote.is_url(path):
        _need_remote_event_files(path)
        return
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if os.path.isdir(path) and not _export.event_files_below(path):
        raise CommandError("no event files under %s (their names contain 'tfevents')" % path)


def _need_remote_event_files(url: str) -> None:
    """CommandError for a URL with no event file below it, fsspec (or the filesystem's
    package) missing, or a scheme fsspec does not know."""
    from . import reader

    try:
        found = reader.event_files(url)
    except (ImportError, ValueError) as err:
        raise CommandError(str(err)) from None
    if not found:
        raise CommandError("no event files under %s (their names contain 'tfevents')" % url)


def _read_options(args: argparse.Namespace) -> Dict[str, Any]:
    """iter_rows's keyword arguments from the filter options."""
    options = dict(runs=args.runs, tags=args.tags)
    if getattr(args, "kinds", None):
        options["kinds"] = args.kinds
    if getattr(args, "skip_bad", False):
        options["errors"] = "skip"
        options["skipped"] = []
    return options


def _report_skipped(skipped: Optional[List[Any]]) -> None:
    for path, offset, message in skipped or ():
        print(
            "tinytb: skipped the rest of %s from byte %s: %s" % (path, offset, message),
            file=sys.stderr,
        )


def _when(wall_time: Optional[float]) -> str:
    """A wall time as local ISO 8601 with its UTC offset; "-" when there is none."""
    import datetime  # only here: the other commands do not need it

    if wall_time is None:
        return "-"
    try:
        moment = datetime.datetime.fromtimestamp(wall_time)
    except (OverflowError, OSError, ValueError):  # beyond what the platform's time can say
        return repr(wall_time)
    return moment.astimezone().isoformat(timespec="seconds")


def _ls(args: argparse.Namespace) -> int:
    from . import _export

    _need_event_files(args.path)
    options = _read_options(args)
    entries = _export.summarize(args.path, **options)
    _report_skipped(options.get("skipped"))
    if args.json:
        for e in entries:
            e["last_write"] = _when(e["last_wall_time"])
            print(_export.to_json(e))
        return 0
    head = ("RUN", "KIND", "TAG", "COUNT", "FIRST STEP", "LAST STEP", "LAST WRITE")
    table = [head] + [
        (
            e["run"] or ".",
            e["kind"],
            e["tag"],
            str(e["count"]),
            str(e["first_step"]),
            str(e["last_step"]),
            _when(e["last_wall_time"]),
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        cells = [
            c.rjust(w) if 3 <= i <= 5 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        print("  ".join(cells).rstrip())
    return 0


def _export_command(args: argparse.Namespace) -> int:
    from . import _export

    if _remote.is_url(args.path):  # s3://bucket/run...: read through fsspec
        _need_remote_event_files(args.path)
    elif not os.path.exists(args.path):
        raise FileNotFoundError(2, "No such file or directory", args.path)
    options = _read_options(args)
    counts = _export.export(
        args.path, args.output, args.format, media=args.media, force=args.force, **options
    )
    _report_skipped(options.get("skipped"))
    total = sum(counts.values())
    parts = ", ".join("%s %d" % (k, n) for k, n in counts.items() if n)
    print(
        "exported %d row%s to %s%s"
        % (total, "" if total == 1 else "s", args.output, " (%s)" % parts if parts else "")
    )
    if args.media and (counts.get("images") or counts.get("audio")):
        print("media files in %s" % _export.media_dir_of(args.output, args.format))
    return 0


def _tail(args: argparse.Namespace) -> int:
    from . import reader

    if not (args.follow and os.path.isdir(args.path)):  # following an empty folder is fine:
        _need_event_files(args.path)  # the run may not have started yet
    options = _read_options(args)
    if args.follow:
        rows = reader.follow(
            args.path,
            kinds=("scalars",),
            runs=args.runs,
            tags=args.tags,
            interval=args.interval,
        )
    else:
        rows = reader.iter_rows(args.path, kinds=("scalars",), **options)
    write, flush = sys.stdout.write, sys.stdout.flush
    for row in rows:
        write("%s\t%s\t%d\t%r\n" % (row.run or ".", row.tag, row.step, row.value))
        if args.follow:  # a line as soon as it is known, even into a pipe
            flush()
    _report_skipped(options.get("skipped"))
    return 0


def _check_line(err: Exception, path: str, good: int) -> str:
    """``FILE: what failed at byte N (record K)`` for check's report of a bad file whose
    first ``good`` records are sound."""
    if isinstance(err, OSError):
        return "%s: cannot read: %s" % (path, _os_message(err))
    assert isinstance(err, DecodeError)
    if err.msg.startswith("truncated"):  # _record's words for a record cut short
        noun = "truncated record (cut short: damaged, or still being written)"
    else:
        protobuf = "bad protobuf in %s: %s" % (err.section, err.msg)
        noun = _SECTIONS.get(err.section or "", ("", protobuf))[1]
    offset = err.offset if err.offset is not None else 0
    if good == 0 and offset == 0 and err.section in _SECTIONS:  # the first record's framing
        return "%s: not an event file (its first record%s)" % (path, _SECTIONS[err.section][0])
    return "%s: %s at byte %d (record %d)" % (path, noun, offset, good + 1)


def _check(args: argparse.Namespace) -> int:
    from . import _export

    if _remote.is_url(args.path):  # s3://bucket/run...: read through fsspec
        _need_remote_event_files(args.path)
    elif not os.path.exists(args.path):
        raise FileNotFoundError(2, "No such file or directory", args.path)
    files = records = bad = 0
    for path, count, err in _export.check(args.path):
        files += 1
        records += count
        if err is not None:
            bad += 1
            print("BAD %s" % _check_line(err, path, count))
    if not files:
        raise CommandError("no event files under %s (their names contain 'tfevents')" % args.path)
    print(
        "%d file%s, %d record%s OK%s"
        % (
            files,
            "" if files == 1 else "s",
            records,
            "" if records == 1 else "s",
            "; %d bad file%s" % (bad, "" if bad == 1 else "s") if bad else "",
        )
    )
    return 1 if bad else 0


def _log_folder(path: str) -> None:
    if _remote.is_url(path):  # s3://bucket/run...: runs appear as they are listed
        return
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if not os.path.isdir(path):
        raise CommandError("not a directory: %s (serve and report read a log folder)" % path)


def _serve(args: argparse.Namespace) -> int:
    _log_folder(args.path)  # a folder without event files yet is fine: runs appear as written
    from .viewer import cache, server  # only here: the other commands do not load the viewer

    try:
        server.serve(
            args.path,
            host=args.host,
            port=args.port,
            reload=args.reload,
            verbose=args.verbose,
            cache_dir=None if args.no_cache else cache.default_dir(),
        )
    except server.ListenError as err:
        raise CommandError(str(err)) from None
    return 0


def _report(args: argparse.Namespace) -> int:
    _log_folder(args.path)
    _need_event_files(args.path)
    from .viewer import report  # only here, as for serve

    report.write_report(
        args.path, args.output, max_media_bytes=args.max_media_bytes, title=args.title
    )
    print("wrote %s (%d bytes)" % (args.output, os.path.getsize(args.output)))
    return 0


_COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "dump": _dump,
    "ls": _ls,
    "export": _export_command,
    "tail": _tail,
    "check": _check,
    "serve": _serve,
    "report": _report,
}


def _run(argv: Optional[Sequence[str]], prog: str) -> int:
    parser = _parser(prog)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.error("choose a command: %s (see %s --help)" % (", ".join(COMMANDS), prog))
        if args.command == "tail" and args.follow and args.skip_bad:
            parser.error("tail: --skip-bad reads a log once; it cannot be used with -f")
        if args.command == "dump" and args.records is not None and not args.bytes:
            parser.error("dump -n counts the records of dump --bytes: add --bytes")
    except SystemExit as stop:  # argparse's usage errors (2), --help and --version (0)
        return stop.code if isinstance(stop.code, int) else 1
    path = args.path
    try:
        if args.command == "demo":
            status = _demo(args, prog)
        else:
            status = _COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in the buffer
        return status
    except BrokenPipeError:  # an OSError, but main() ends quietly for it
        raise
    except Exception as err:
        for kind, status, message in _failures():
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
