"""``ConformanceError``, the one exception the suite's checks raise.

Its own module so that checks.py, divergences.py and media.py can all raise it without
importing each other (checks imports divergences and media; they used to import checks back
for this class).
"""


class ConformanceError(AssertionError):
    """A file or a reader's view does not conform."""
