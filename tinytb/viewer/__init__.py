# SPDX-License-Identifier: MIT
"""Viewing logs without TensorBoard: ``tinytb serve`` (a standard-library HTTP server with
TensorBoard's core dashboards) and ``tinytb report`` (one self-contained HTML file).

``store`` keeps what the log holds (tailing files by byte offset), ``series`` smooths and
reduces scalar series, ``markdown`` renders logged text safely, ``server`` and ``report`` sit on
top; ``static/`` holds the hand-written page, script and style sheet. Nothing below this package
imports it.
"""
