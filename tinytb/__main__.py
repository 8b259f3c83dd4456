# SPDX-License-Identifier: MIT
"""Command line: ``python -m tinytb demo [LOGDIR]`` and ``python -m tinytb dump FILE|DIR``."""

import argparse
import os
import sys

from . import __version__, reader
from ._demo import demo
from ._dump import dump


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinytb", description=(
        "tinytb %s: PyTorch's TensorBoard writer in the standard library." % __version__))
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("demo", help="write a demo run and say how to view it")
    p.add_argument("logdir", nargs="?", default=os.path.join("runs", "tinytb-demo"))
    p = sub.add_parser("dump", help="print every record of an event file (or of every event "
                       "file under a directory), decoded")
    p.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "demo":
        logdir = demo(args.logdir)
        print("wrote a demo run to %s" % logdir)
        for run, files in reader.event_files(logdir).items():
            for f in files:
                print("  %s  (%d bytes)" % (f, os.path.getsize(f)))
        print("view it with:  tensorboard --logdir %s" % logdir)
        print("or read it with:  python -m tinytb dump %s" % logdir)
        return 0
    if args.command == "dump":
        return dump(args.file)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
