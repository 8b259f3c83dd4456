# SPDX-License-Identifier: MIT
"""Logged text as TensorBoard's text plugin shows it, as HTML that is safe by construction.

TensorBoard (``tensorboard/plugin_util.py``, ``markdown_to_safe_html``) runs Python-Markdown
with the ``tables`` and ``fenced_code`` extensions and then bleach's ``Cleaner`` with a fixed
list of tags and attributes (and bleach's default protocols). ``text_plugin.text_array_to_html``
renders a rank-0 string as Markdown and a rank-1/2 string tensor as an HTML table of rendered
cells (``make_table``), a rank > 2 tensor as its ``[0, ..., 0, :, :]`` slice behind a warning.

Here a small Markdown renderer on the standard library does the same, without a sanitizer
pass: every piece of text is escaped (``html.escape(quote=True)``) before it is placed, the only
tags are the ones this module writes (a subset of :data:`ALLOWED_TAGS`), the only attributes
those of :data:`ALLOWED_ATTRIBUTES`, and a link or image address is kept only when its scheme
(after entity decoding and dropping whitespace and control characters, as a browser does) is one
of :data:`ALLOWED_PROTOCOLS` or it has none (a relative address); otherwise the attribute is
left out (``<a>text</a>``, ``<img alt="...">``), which is what bleach does.

Block and inline rules follow Python-Markdown (TensorBoard's behaviour) where it differs from
CommonMark: lists do not interrupt a paragraph, nested lists are indented four spaces, list
items are loose (``<p>``) when a blank line touches them, ATX headings start at column 0 and
need no space (``#h``), an unclosed code fence is plain text, bare URLs are not linked,
underscores inside words are literal. Known differences from TensorBoard (all render as
harmless text): raw HTML is always shown as text, even TensorBoard's allowed tags (``<em>``,
``<img src=...>``, which bleach keeps); HTML comments are dropped (as bleach does) only inside a
paragraph's text; ``***x***`` nests ``<em><strong>`` (CommonMark) rather than
``<strong><em>``; a raw HTML block (``<script>...``) is escaped inside a ``<p>``; reference
definitions span one line. On the 655 examples of the CommonMark spec (0.31.2) the parsed HTML
is TensorBoard 2.21's for 495 (tests/test_viewer_markdown.py keeps a selection).

Cost is linear in the input: code spans and brackets are matched in one pass each, unclosed
fences are refused from a precomputed table, inline links give up after ``_MAX_TRIES``
failures per paragraph, and nesting stops at ``_MAX_DEPTH``.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata

TYPE_CHECKING = False  # typing is not imported at run time (see tinytb/_stream.py)
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Tuple

__all__ = [
    "render_text",
    "markdown_to_html",
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
]

# tensorboard/plugin_util.py (2.21):
#   _ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "title", "alt"]}
#   _ALLOWED_TAGS = ["ul", "ol", "li", "p", "pre", "code", "blockquote", "h1", "h2", "h3", "h4",
#                    "h5", "h6", "hr", "br", "strong", "em", "a", "img", "table", "thead",
#                    "tbody", "td", "tr", "th"]
#   Cleaner(tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES)  # protocols: bleach's default
ALLOWED_TAGS = frozenset(
    "ul ol li p pre code blockquote h1 h2 h3 h4 h5 h6 hr br strong em a img "
    "table thead tbody td tr th".split()
)
ALLOWED_ATTRIBUTES = {"a": frozenset(("href", "title")), "img": frozenset(("src", "title", "alt"))}
# bleach/sanitizer.py: ALLOWED_PROTOCOLS = frozenset(("http", "https", "mailto"))
ALLOWED_PROTOCOLS = frozenset(("http", "https", "mailto"))

# text_plugin.WARNING_TEMPLATE (its two lines joined by textwrap.dedent's backslash-newline)
_WARNING = (
    "**Warning:** This text summary contained data of dimensionality %d, but only "
    "  2d tables are supported. Showing a 2d slice of the data instead."
)
# Python-Markdown's ESCAPED_CHARS, plus '|' (the tables extension escapes it)
_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|")
_MAX_LINK = 4096  # the longest "(address "title")" of an inline link
_MAX_TRIES = 256  # failed "[...](" link parses per paragraph before '[' is only text
_MAX_DEPTH = 16  # block quotes / lists nested deeper are shown as text (bounded recursion)

_BLANK = re.compile(r"^[ \t]*$")
_ATX = re.compile(r"^(#{1,6})(.*?)#*[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,})[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^`]*$")
_QUOTE = re.compile(r"^ {0,3}> ?")
_ITEM = re.compile(r"^ {0,3}(?:[*+-]|\d+\.)[ \t]+(.*)$")
_ORDERED = re.compile(r"^ {0,3}\d+\.")
_TABLE_SEP = re.compile(r"^[ \t]*:?-+:?[ \t]*$")
_REF_DEF = re.compile(
    r"^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]*)>?(?:[ \t]+(?:\"(.*)\"|'(.*)'|\((.*)\)))?[ \t]*$"
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>")
_EMAIL = re.compile(r"<([^\s@<>\\]+@[^\s@<>\\]+\.[^\s@<>\\]+)>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCHEME = re.compile(r"^([^/?#]*?):")
# browsers drop ASCII whitespace and C0 controls around a URL and tab/newline inside it; here
# every control, whitespace and invisible format character goes before the scheme is judged
_URL_JUNK = re.compile("[\\x00-\\x20\\x7f-\\x9f\\u00ad\\u200b-\\u200f\\u2028-\\u202e\\ufeff]")


_C0_SPACE = "".join(chr(c) for c in range(0x21))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# --- public --------------------------------------------------------------------------------


def render_text(value: Any) -> str:
    """Safe HTML for a text summary value, as TensorBoard's text plugin shows it.

    Args:
        value: a ``str`` (or UTF-8 ``bytes``), rendered as Markdown; or a
            ``tinytb._values.Array`` of strings: rank 0 as Markdown, rank 1 and 2 as an HTML
            table whose cells are rendered Markdown (``text_plugin.make_table``), higher ranks as
            their ``[0, ..., 0, :, :]`` slice behind TensorBoard's warning.

    Raises:
        TypeError: ``value`` is neither text nor an array of text.
    """
    if isinstance(value, (str, bytes)):
        return markdown_to_html(_as_str(value))
    shape = getattr(value, "shape", None)
    data = getattr(value, "data", None)
    if not isinstance(shape, tuple) or data is None:
        raise TypeError("value: expected str, bytes or an Array of strings, got %s" % type(value))
    cells = [_as_str(x) for x in data]
    if not shape:
        return markdown_to_html(cells[0])
    warning = ""
    if len(shape) > 2:
        # text_plugin.reduce_to_2d: arr[0, ..., 0, :, :] -- the first rows*cols elements in C order
        warning = markdown_to_html(_WARNING % len(shape))
        shape = shape[-2:]
        cells = cells[: shape[0] * shape[1]]
    if len(shape) == 1:
        rows = [[c] for c in cells]
    else:
        width = shape[1]
        rows = [cells[r * width : (r + 1) * width] for r in range(shape[0])]
    body = "".join(
        "<tr>\n" + "".join("<td>%s</td>\n" % markdown_to_html(c) for c in row) + "</tr>\n"
        for row in rows
    )
    return warning + "<table>\n<tbody>\n%s</tbody>\n</table>" % body


def markdown_to_html(source: str) -> str:
    """Markdown to safe HTML (see the module docstring for the dialect and the guarantees).

    Args:
        source: the Markdown text.
    """
    if not isinstance(source, str):
        raise TypeError("source must be a str, got %s" % type(source).__name__)
    text = source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = text.expandtabs(4).split("\n")
    refs = {}  # type: Dict[str, Tuple[str, Optional[str]]]
    kept = []
    fence = ""  # inside a code fence, a line that looks like a definition stays code
    for line in lines:
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""  # the closing line
        else:
            opening = _FENCE.match(line)
            if opening:
                fence = opening.group(1)
        m = None if fence else _REF_DEF.match(line)
        if m and not m.group(1).startswith("^"):
            title = m.group(3) or m.group(4) or m.group(5)
            refs.setdefault(_ref_key(m.group(1)), (m.group(2), title))
        else:
            kept.append(line)
    return "\n".join(html_ for _, html_ in _blocks(kept, refs, False, 0))


def _as_str(value: Any) -> str:
    if isinstance(value, bytes):
        # markdowns_to_safe_html: bytes are decoded as UTF-8 and NUL characters removed
        return value.decode("utf-8", "replace").replace("\x00", "")
    if isinstance(value, str):
        return value
    raise TypeError("value: array elements must be str or bytes, got %s" % type(value))


def _ref_key(label: str) -> str:
    return " ".join(label.lower().split())


# --- blocks --------------------------------------------------------------------------------


def _blocks(lines: List[str], refs: Dict, nested: bool, depth: int) -> List[Tuple[str, str]]:
    """``(kind, html)`` of each block of ``lines``; kind "p" holds a paragraph's inline HTML
    (list items unwrap it when tight). ``nested``: inside a list item, where a list marker may
    start a list right after a paragraph line (the indented sub-list)."""
    out = []  # type: List[Tuple[str, str]]
    i, n = 0, len(lines)
    fences = _fence_index(lines)
    while i < n:
        line = lines[i]
        if _BLANK.match(line):
            i += 1
            continue
        fence_end = _fence_end(lines, i, fences)
        if fence_end:
            body = "".join(_esc(x) + "\n" for x in lines[i + 1 : fence_end])
            out.append(("pre", "<pre><code>%s</code></pre>" % body))
            i = fence_end + 1
        elif line.startswith("    "):
            i = _indented_code(lines, i, out)
        elif _ATX.match(line):
            heading = _ATX.match(line)
            assert heading is not None
            level = len(heading.group(1))
            content = _inline(heading.group(2).strip(), refs)
            out.append(("h", "<h%d>%s</h%d>" % (level, content, level)))
            i += 1
        elif _HR.match(line):
            out.append(("hr", "<hr>"))
            i += 1
        elif _QUOTE.match(line) and depth < _MAX_DEPTH:
            i = _blockquote(lines, i, refs, depth, out)
        elif _ITEM.match(line) and depth < _MAX_DEPTH:
            i = _list(lines, i, refs, depth, out)
        elif i + 1 < n and "|" in line and _table_sep(line, lines[i + 1]):
            i = _table(lines, i, refs, out)
        else:
            i = _paragraph(lines, i, refs, nested, out, fences)
    return out


def _fence_index(lines: List[str]) -> Dict[str, List[int]]:
    """For '`' and '~': at index i, the longest line of only that character (at least three,
    so a possible closing fence) at i or after; lets _fence_end refuse an unclosed fence at
    once (else many unclosed fences would cost quadratic time)."""
    index = {}
    for char in "`~":
        best, suffix = 0, [0] * (len(lines) + 1)
        for k in range(len(lines) - 1, -1, -1):
            stripped = lines[k].strip()
            if len(stripped) >= 3 and stripped[0] == char and not stripped.strip(char):
                best = max(best, len(stripped))
            suffix[k] = best
        index[char] = suffix
    return index


def _fence_end(lines: List[str], i: int, fences: Dict[str, List[int]]) -> int:
    """The index of the closing fence of a code fence opened at ``lines[i]``, or 0 (not a
    fence: Python-Markdown's fenced_code needs the closing line, else the text stays a
    paragraph). ``fences``: :func:`_fence_index` of ``lines``."""
    m = _FENCE.match(lines[i])
    if not m:
        return 0
    fence = m.group(1)
    if fences[fence[0]][i + 1] < len(fence):
        return 0
    for j in range(i + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            return j
    return 0


def _indented_code(lines: List[str], i: int, out: List[Tuple[str, str]]) -> int:
    code = []
    while i < len(lines) and (lines[i].startswith("    ") or _BLANK.match(lines[i])):
        code.append(lines[i][4:])
        i += 1
    while code and not code[-1].strip():
        code.pop()
    out.append(("pre", "<pre><code>%s</code></pre>" % "".join(_esc(x) + "\n" for x in code)))
    return i


def _blockquote(lines: List[str], i: int, refs: Dict, depth: int, out: List) -> int:
    inner = []
    n = len(lines)
    while i < n:
        line = lines[i]
        if _BLANK.match(line):
            # "> a\n\n> b" is one quote of two paragraphs (Python-Markdown joins siblings)
            j = i
            while j < n and _BLANK.match(lines[j]):
                j += 1
            if j < n and _QUOTE.match(lines[j]):
                inner.append("")
                i = j
                continue
            break
        m = _QUOTE.match(line)
        if m is None and (_HR.match(line) or _ATX.match(line) or _ITEM.match(line)):
            break  # only paragraph text continues a quote lazily
        inner.append(line[m.end() :] if m else line)  # a line without ">" continues lazily
        i += 1
    body = "\n".join(h for _, h in _blocks(inner, refs, False, depth + 1))
    out.append(("blockquote", "<blockquote>\n%s\n</blockquote>" % body))
    return i


def _list(lines: List[str], i: int, refs: Dict, depth: int, out: List) -> int:
    """A list from ``lines[i]``: items start at a marker indented less than four spaces (any
    marker continues the list, as in Python-Markdown); lines indented four spaces belong to the
    last item, dedented; other lines continue it lazily; a blank line ends the list unless an
    item or an indented line follows."""
    ordered = bool(_ORDERED.match(lines[i]))
    items = []  # type: List[List[str]]
    loose = []  # type: List[bool]
    n = len(lines)
    while i < n:
        line = lines[i]
        m = _ITEM.match(line)
        if m and not _HR.match(line):
            items.append([m.group(1)])
            loose.append(False)
            i += 1
            continue
        if _BLANK.match(line):
            j = i
            while j < n and _BLANK.match(lines[j]):
                j += 1
            if j < n and (lines[j].startswith("    ") or _ITEM.match(lines[j])):
                if not _ITEM.match(lines[j]):
                    loose[-1] = True  # a second paragraph or block in the item
                items[-1].append("")
                i = j
                continue
            break
        if line.startswith("    "):
            items[-1].append(line[4:])
        elif _QUOTE.match(line) or _ATX.match(line) or _HR.match(line):
            break
        else:
            items[-1].append(line)
        i += 1
    for k, item in enumerate(items):
        if item[-1] == "":  # a blank line after the item (before the next one)
            item.pop()
            loose[k] = True
            if k + 1 < len(items):
                loose[k + 1] = True
    tag = "ol" if ordered else "ul"
    lis = [_list_item(item, refs, depth, lo) for item, lo in zip(items, loose)]
    out.append((tag, "<%s>\n%s\n</%s>" % (tag, "\n".join(lis), tag)))
    return i


def _list_item(item: List[str], refs: Dict, depth: int, loose: bool) -> str:
    blocks = _blocks(item, refs, True, depth + 1)
    if loose:
        return "<li>\n%s\n</li>" % "\n".join(h for _, h in blocks)
    parts = []
    for k, (kind, h) in enumerate(blocks):
        if kind == "p" and k == 0:
            parts.append(h[3:-4])  # the paragraph's inline HTML without <p>...</p>
        else:
            parts.append(h + "\n")
    return "<li>%s</li>" % "".join(parts)


def _paragraph(lines: List[str], i: int, refs: Dict, nested: bool, out: List, fences: Dict) -> int:
    n = len(lines)
    para = [lines[i].lstrip()]
    i += 1
    if i < n and _SETEXT.match(lines[i]):
        level = 1 if lines[i].startswith("=") else 2
        out.append(("h", "<h%d>%s</h%d>" % (level, _inline(para[0].strip(), refs), level)))
        return i + 1
    while i < n:
        line = lines[i]
        if (
            _BLANK.match(line)
            or _fence_end(lines, i, fences)
            or _ATX.match(line)
            or _HR.match(line)
            or _QUOTE.match(line)
            or (nested and _ITEM.match(line))
        ):
            break
        para.append(line)
        i += 1
    content = _inline("\n".join(para).rstrip(), refs)
    if content.strip():
        out.append(("p", "<p>%s</p>" % content))
    return i


def _split_row(line: str) -> List[str]:
    """A table row's cells: split at '|' outside code spans and not escaped (tables
    extension), the outer pipes dropped."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells, start = [], 0
    for k, c in _outside_code(row, _code_spans(row)):
        if c == "|":
            cells.append(row[start:k].strip())
            start = k + 1
    cells.append(row[start:].strip())
    return cells


def _table_sep(header: str, sep: str) -> bool:
    if "|" not in sep and "|" not in header:
        return False
    head, cols = _split_row(header), _split_row(sep)
    bordered = header.strip().startswith("|") or header.strip().endswith("|")
    if len(head) < 2 and not bordered:
        return False
    return len(cols) == len(head) and all(_TABLE_SEP.match(c) for c in cols)


def _table(lines: List[str], i: int, refs: Dict, out: List) -> int:
    head = _split_row(lines[i])
    width = len(head)
    i += 2
    body = []
    while i < len(lines) and not _BLANK.match(lines[i]):
        cells = _split_row(lines[i])[:width]
        body.append(cells + [""] * (width - len(cells)))
        i += 1
    if not body:  # Python-Markdown gives a header-only table one empty row
        body.append([""] * width)

    def _row(cells: List[str], tag: str) -> str:
        inner = "".join("<%s>%s</%s>\n" % (tag, _inline(c, refs), tag) for c in cells)
        return "<tr>\n%s</tr>\n" % inner

    html_ = "<table>\n<thead>\n%s</thead>\n<tbody>\n%s</tbody>\n</table>" % (
        _row(head, "th"),
        "".join(_row(r, "td") for r in body),
    )
    out.append(("table", html_))
    return i


# --- inline --------------------------------------------------------------------------------


class _Delim:
    """A run of '*' or '_' waiting for CommonMark's "process emphasis" pass."""

    __slots__ = ("char", "count", "orig", "can_open", "can_close", "opens", "closes")

    def __init__(self, char: str, count: int, can_open: bool, can_close: bool) -> None:
        self.char = char
        self.count = count
        self.orig = count
        self.can_open = can_open
        self.can_close = can_close
        self.opens = []  # type: List[str]
        self.closes = []  # type: List[str]

    def html(self) -> str:
        return "".join(self.closes) + self.char * self.count + "".join(self.opens)


def _code_spans(text: str) -> Dict[int, Tuple[int, int]]:
    """start of an opening backtick run -> (content start, end after the closing run): a run
    closes at the next run of the same length (runs preceded by a backslash do not open)."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    by_len = {}  # type: Dict[int, List[int]]
    for idx, (s, e) in enumerate(runs):
        by_len.setdefault(e - s, []).append(idx)
    spans = {}
    after = 0  # runs before this position are inside a span already found
    for idx, (s, e) in enumerate(runs):
        if s < after:
            continue
        k = s
        while k > 0 and text[k - 1] == "\\":
            k -= 1
        s += (s - k) % 2  # an escaped first backtick is text (a closing run needs no check)
        if s == e:
            continue
        same = by_len.get(e - s, ())
        pos = bisect.bisect_right(same, idx)
        if pos < len(same):
            spans[s] = (e, runs[same[pos]][1])
            after = spans[s][1]
    return spans


def _brackets(text: str, spans: Dict[int, Tuple[int, int]]) -> Dict[int, int]:
    """'[' position -> its matching ']' (nesting counted, escapes and code spans skipped)."""
    stack, match = [], {}
    for k, c in _outside_code(text, spans):
        if c == "[":
            stack.append(k)
        elif c == "]" and stack:
            match[stack.pop()] = k
    return match


def _outside_code(text: str, spans: Dict[int, Tuple[int, int]]) -> Iterator[Tuple[int, str]]:
    """(position, character) of ``text`` outside backslash escapes and code spans (``spans``:
    a span's start -> (content start, end)), for the scanners that look for syntax."""
    k, n = 0, len(text)
    while k < n:
        c = text[k]
        if c == "\\":
            k += 2
            continue
        if k in spans:
            k = spans[k][1]
            continue
        yield k, c
        k += 1


def _is_punct(c: str) -> bool:
    return unicodedata.category(c)[0] in "PS"


def _delim(text: str, i: int) -> Tuple[_Delim, int]:
    """The delimiter run at ``text[i]`` with CommonMark's flanking rules (an underscore inside a
    word neither opens nor closes, as Python-Markdown's smart emphasis)."""
    char = text[i]
    j = i
    while j < len(text) and text[j] == char:
        j += 1
    before = text[i - 1] if i else " "
    after = text[j] if j < len(text) else " "
    left = not after.isspace() and (not _is_punct(after) or before.isspace() or _is_punct(before))
    right = not before.isspace() and (not _is_punct(before) or after.isspace() or _is_punct(after))
    if char == "*":
        return _Delim(char, j - i, left, right), j
    can_open = left and (not right or _is_punct(before))
    can_close = right and (not left or _is_punct(after))
    return _Delim(char, j - i, can_open, can_close), j


def _emphasis(nodes: List[Any]) -> str:
    """CommonMark's "process emphasis" over ``nodes`` (HTML strings and :class:`_Delim`)."""
    delims = [k for k, x in enumerate(nodes) if isinstance(x, _Delim)]
    bottom = {}  # type: Dict[Tuple[str, bool, int], int]
    alive = list(delims)
    c = 0
    while c < len(alive):
        closer = nodes[alive[c]]
        if not closer.can_close or closer.count == 0:
            c += 1
            continue
        key = (closer.char, closer.can_open, closer.orig % 3)
        o = c - 1
        found = -1
        while o >= bottom.get(key, 0):
            opener = nodes[alive[o]]
            if opener.char == closer.char and opener.can_open and opener.count:
                odd = (opener.can_close or closer.can_open) and (
                    (opener.orig + closer.orig) % 3 == 0
                    and not (opener.orig % 3 == 0 and closer.orig % 3 == 0)
                )
                if not odd:
                    found = o
                    break
            o -= 1
        if found < 0:
            bottom[key] = c
            if not closer.can_open:
                closer.can_close = False
            c += 1
            continue
        opener = nodes[alive[found]]
        use = 2 if opener.count >= 2 and closer.count >= 2 else 1
        tag = "strong" if use == 2 else "em"
        opener.count -= use
        closer.count -= use
        opener.opens.insert(0, "<%s>" % tag)
        closer.closes.append("</%s>" % tag)
        del alive[found + 1 : c]  # delimiters between them stay literal text
        c = found + 1
        if closer.count == 0:
            c += 1
    return "".join(x.html() if isinstance(x, _Delim) else x for x in nodes)


def _safe_url(raw: str) -> Optional[str]:
    """The address to write into href/src, or None when its scheme is not allowed. Entities
    and backslash escapes are decoded first, then whitespace and control characters dropped,
    so ``java&#x09;script:``, ``&#106;avascript:`` and `` JaVaScRiPt:`` are all seen as
    ``javascript:``."""
    url = _unescape(raw)
    m = _SCHEME.match(_URL_JUNK.sub("", url))
    if m and m.group(1).lower() not in ALLOWED_PROTOCOLS:
        return None
    # what a browser strips around a URL; characters inside stay (escaped on output)
    return url.strip(_C0_SPACE)


def _unescape(text: str) -> str:
    """Backslash escapes, then entities, decoded (a link's address or title)."""
    return html.unescape(re.sub(r"\\([\\`*_{}\[\]()>#+\-.!|])", r"\1", text))


def _link_html(text_html: str, url: str, title: Optional[str]) -> str:
    safe = _safe_url(url)
    attrs = "" if safe is None else ' href="%s"' % _esc(safe)
    if title is not None:
        attrs += ' title="%s"' % _esc(_unescape(title))
    return "<a%s>%s</a>" % (attrs, text_html)


def _image_html(alt: str, url: str, title: Optional[str]) -> str:
    # bleach writes attributes sorted: alt, src, title
    plain = html.unescape(alt).replace("`", "")  # Python-Markdown's alt keeps * and _
    safe = _safe_url(url)
    attrs = ' alt="%s"' % _esc(plain)
    if safe is not None:
        attrs += ' src="%s"' % _esc(safe)
    if title is not None:
        attrs += ' title="%s"' % _esc(_unescape(title))
    return "<img%s>" % attrs


def _destination(text: str, k: int) -> Optional[Tuple[str, Optional[str], int]]:
    """``(url, title, end)`` of an inline link's ``(url "title")`` starting after the '('
    (within _MAX_LINK characters, so that many unclosed '(' cost linear time)."""
    n = min(len(text), k + _MAX_LINK)
    while k < n and text[k] in " \n":
        k += 1
    if k < n and text[k] == "<":
        close = text.find(">", k)
        if close < 0 or "\n" in text[k:close]:
            return None
        url, k = text[k + 1 : close], close + 1
    else:
        start, depth = k, 0
        while k < n and not text[k].isspace():
            c = text[k]
            if c == "\\":
                k += 1
            elif c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            k += 1
        url = text[start:k]
    while k < n and text[k] in " \n":
        k += 1
    title = None
    if k < n and text[k] in "\"'(":
        closing = ")" if text[k] == "(" else text[k]
        m = re.compile(r"(.*?)%s[ \n]*(?=\))" % re.escape(closing), re.S).match(text, k + 1, n)
        if m is None:
            return None
        title, k = m.group(1), m.end()
    while k < n and text[k] in " \n":
        k += 1
    if k >= n or text[k] != ")":
        return None
    return url, title, k + 1


def _link(text: str, i: int, close: int, refs: Dict, image: bool) -> Optional[Tuple[str, int]]:
    """The link or image whose text is ``text[i+1:close]`` ('[' at i), or None."""
    label = text[i + 1 : close]
    k = close + 1
    target = None  # type: Optional[Tuple[str, Optional[str]]]
    if k < len(text) and text[k] == "(":
        dest = _destination(text, k + 1)
        if dest is not None:
            target, k = (dest[0], dest[1]), dest[2]
    if target is None:
        ref, end = label, k
        m = re.match(r"\[([^\]]*)\]", text[k:])
        if m:
            ref, end = (m.group(1) or label), k + m.end()
        target = refs.get(_ref_key(ref))
        if target is None:
            return None
        k = end
    if image:
        return _image_html(label, target[0], target[1]), k
    return _link_html(_inline(label, refs, True), target[0], target[1]), k


def _inline(text: str, refs: Dict, in_link: bool = False) -> str:
    """Inline Markdown of ``text`` as HTML: every character of text goes through _esc."""
    spans = _code_spans(text)
    brackets = _brackets(text, spans)
    nodes = []  # type: List[Any]
    buf = []  # type: List[str]

    def flush() -> None:
        if buf:
            nodes.append(_esc("".join(buf)))
            del buf[:]

    i, n = 0, len(text)
    tries = _MAX_TRIES
    while i < n:
        c = text[i]
        done = None  # type: Optional[Tuple[str, int]]
        if c == "\\" and i + 1 < n and text[i + 1] in _ESCAPABLE:
            buf.append(text[i + 1])
            i += 2
            continue
        if c == "`" and i in spans:
            start, end = spans[i]  # the closing run is as long as the opening one
            done = "<code>%s</code>" % _esc(text[start : end - (start - i)].strip()), end
        elif c == "<":
            done = _angle(text, i, in_link)
        elif c == "&":
            m = _ENTITY.match(text, i)
            if m:
                buf.append(html.unescape(m.group()))
                i = m.end()
                continue
        elif c == "!" and i + 1 < n and text[i + 1] == "[" and i + 1 in brackets and tries:
            done = _link(text, i + 1, brackets[i + 1], refs, True)
            tries -= done is None
        elif c == "[" and not in_link and i in brackets and tries:
            done = _link(text, i, brackets[i], refs, False)
            tries -= done is None
        elif c in "*_":
            flush()
            delim, i = _delim(text, i)
            nodes.append(delim)
            continue
        elif c == "\n" and len(buf) >= 2 and buf[-1] == " " and buf[-2] == " ":
            while buf and buf[-1] == " ":
                buf.pop()
            flush()
            nodes.append("<br>\n")
            i += 1
            continue
        if done is None:
            buf.append(c)
            i += 1
            continue
        flush()
        nodes.append(done[0])
        i = done[1]
    flush()
    return _emphasis(nodes)


def _angle(text: str, i: int, in_link: bool) -> Optional[Tuple[str, int]]:
    """An HTML comment (dropped, as bleach strips comments) or an autolink at ``text[i]``."""
    m = _COMMENT.match(text, i)
    if m:
        return "", m.end()
    if in_link:
        return None
    m = _AUTOLINK.match(text, i)
    if m and _safe_url(m.group(1)) is not None:
        shown = m.group(1)
        if shown.lower().startswith("mailto:"):  # Python-Markdown shows the address alone
            shown = shown[7:]
        return _link_html(_esc(shown), m.group(1), None), m.end()
    m = _EMAIL.match(text, i)
    if m:
        return _link_html(_esc(m.group(1)), "mailto:" + m.group(1), None), m.end()
    return None
