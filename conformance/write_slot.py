"""Write the case table with the target module alone, in this (fresh) interpreter.

Used by test_vendored.py to run the cases through a vendored copy::

    TINYTB_PATH=<dir> TINYTB_MODULE=myapp._vendor.tinytb python -m conformance.write_slot OUT

Prints a JSON report: the module's file, the writing window, errors, warnings,
and whether any other copy of tinytb got imported.
"""

import json
import sys


def main(argv):
    out = argv[1]
    from . import case_language, case_table, target

    module = target.load()
    table = case_table.build_cases()
    result = case_language.write_cases(table, {"target": (module, out)})["target"]
    report = {
        "module": module.__name__,
        "file": module.__file__,
        "window": list(result.window),
        "errors": result.errors,
        "warnings": [[case, i, w] for (case, i), w in sorted(result.warnings.items())],
        # A vendored copy must not fall back on a top-level tinytb (relative imports only).
        "other_tinytb_modules": sorted(
            name
            for name in sys.modules
            if name.split(".")[0] == "tinytb" and module.__name__.split(".")[0] != "tinytb"
        ),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv)
