"""tinytb.viewer.markdown: logged text rendered as TensorBoard's text plugin renders it, and
nothing in a logged string can put a tag, an attribute or a URL scheme outside the allowed table
into the page (the viewer inserts this HTML with innerHTML).

Where the expected outputs come from:
- TB_CASES: TensorBoard 2.21's own ``plugin_util.markdown_to_safe_html`` (Python-Markdown
  3.11.4 with tables and fenced_code, then its vendored bleach), run on each input in the
  conformance venv; compared as parsed HTML (tags, attributes, text with entities decoded),
  since bleach spells entities and some whitespace its own way (``&#109;...`` in mailto links,
  ``&copy;`` kept, a newline before a dropped comment).
- COMMONMARK_CASES: CommonMark spec 0.31.2 examples (spec.txt, by example number) where
  TensorBoard's Python-Markdown gives something else and this renderer follows CommonMark.
- DIFFERENT_CASES: where this renderer differs from TensorBoard on purpose (raw HTML is always
  shown as text here), exact output, TensorBoard's beside it for the record.
Over all 655 spec examples this renderer gives TensorBoard's parsed HTML for 495 (TensorBoard
itself agrees with the spec on 387). To regenerate a TensorBoard output:
``/work/venv-tf/bin/python -c "from tensorboard import plugin_util as p;
print(repr(p.markdown_to_safe_html(SOURCE)))"``.
"""

import random
import re
import time
from html.parser import HTMLParser

import pytest

from tinytb._values import Array
from tinytb.viewer import markdown
from tinytb.viewer.markdown import markdown_to_html, render_text

# tensorboard/plugin_util.py (2.21), written out here rather than taken from the module under
# test: _ALLOWED_TAGS, _ALLOWED_ATTRIBUTES, and bleach's default ALLOWED_PROTOCOLS.
TB_TAGS = set(
    "ul ol li p pre code blockquote h1 h2 h3 h4 h5 h6 hr br strong em a img "
    "table thead tbody td tr th".split()
)
TB_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "title", "alt"}}
TB_PROTOCOLS = {"http", "https", "mailto"}


class _Dom(HTMLParser):
    """Start tags (attributes sorted), end tags and text (entities decoded, adjacent pieces
    joined, whitespace at the ends of a piece dropped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple(sorted(attrs))))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "text":
            data = self.events.pop()[1] + data
        self.events.append(("text", data))


def dom(html_text):
    parser = _Dom()
    parser.feed(html_text)
    parser.close()
    return [
        (e[0], e[1].strip()) if e[0] == "text" else e
        for e in parser.events
        if not (e[0] == "text" and not e[1].strip())
    ]


# (markdown, TensorBoard 2.21 markdown_to_safe_html output)
TB_CASES = [
    (
        "# h\n\npara *em* **st** `code`",
        "<h1>h</h1>\n<p>para <em>em</em> <strong>st</strong> <code>code</code></p>",
    ),
    ("a  \nb", "<p>a<br>\nb</p>"),
    ("* a\n* b\n    * c", "<ul>\n<li>a</li>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>"),
    ("[x](javascript:alert(1))", "<p><a>x</a></p>"),
    (
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
    ),
    ("```\nx<y\n```", "<pre><code>x&lt;y\n</code></pre>"),
    ("x\n***\n", "<p>x</p>\n<hr>"),
    ('![i](http://x/y.png "t")', '<p><img alt="i" src="http://x/y.png" title="t"></p>'),
    ("<http://a.com>", '<p><a href="http://a.com">http://a.com</a></p>'),
    ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
    ("> q\n> r", "<blockquote>\n<p>q\nr</p>\n</blockquote>"),
    ("Title\n=====", "<h1>Title</h1>"),
    ("foo_bar_baz *a*b", "<p>foo_bar_baz <em>a</em>b</p>"),
    ("    code\n    more", "<pre><code>code\nmore\n</code></pre>"),
    ("<!-- c -->x", "\n<p>x</p>"),
    ("[x](JaVaScRiPt:alert(1))", "<p><a>x</a></p>"),
    ("[x](java&#x09;script:alert(1))", "<p><a>x</a></p>"),
    ("[x](&#106;avascript:alert(1))", "<p><a>x</a></p>"),
    ("[x]( javascript:alert(1))", "<p><a>x</a></p>"),
    ("![x](javascript:alert(1))", '<p><img alt="x"></p>'),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>"),
    ("[x](data:text/html,hi)", "<p><a>x</a></p>"),
    ('[x](/rel/path "ti\\"tle")', '<p><a href="/rel/path" title="ti\\&quot;tle">x</a></p>'),
    ("a & b &amp; &copy; &#60; <", "<p>a &amp; b &amp; &copy; &#60; &lt;</p>"),
    ("*a **b** c*", "<p><em>a <strong>b</strong> c</em></p>"),
    ("__a__ _b_", "<p><strong>a</strong> <em>b</em></p>"),
    ("line1\nline2", "<p>line1\nline2</p>"),
    ("para\n* item", "<p>para\n* item</p>"),
    (
        "para\n\n* item\n\n* item2",
        "<p>para</p>\n<ul>\n<li>\n<p>item</p>\n</li>\n<li>\n<p>item2</p>\n</li>\n</ul>",
    ),
    ("1) a", "<p>1) a</p>"),
    ("3. a\n4. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
    ("## h2 ##", "<h2>h2</h2>"),
    ("####### h7", "<h6># h7</h6>"),
    ("h2\n---", "<h2>h2</h2>"),
    ("`a``b`", "<p><code>a``b</code></p>"),
    ("``a`b``", "<p><code>a`b</code></p>"),
    ("\\*not\\*", "<p>*not*</p>"),
    (
        "<mailto:a@b.c>",
        '<p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#97;&#64;&#98;&#46;&#99;"'
        ">&#97;&#64;&#98;&#46;&#99;</a></p>",
    ),
    (
        "<a@b.c>",
        '<p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;&#97;&#64;&#98;&#46;&#99;"'
        ">&#97;&#64;&#98;&#46;&#99;</a></p>",
    ),
    ("x <b>y</b>", "<p>x &lt;b&gt;y&lt;/b&gt;</p>"),
    ("[a][r]\n\n[r]: http://x.com", '<p><a href="http://x.com">a</a></p>'),
    ("* a\n  * b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("a_b_c", "<p>a_b_c</p>"),
    ("~~~\ncode\n~~~", "<pre><code>code\n</code></pre>"),
    ("```python\nx=1\n```", "<pre><code>x=1\n</code></pre>"),
    ("> # h\n> * l", "<blockquote>\n<h1>h</h1>\n<ul>\n<li>l</li>\n</ul>\n</blockquote>"),
    ("text with http://bare.com url", "<p>text with http://bare.com url</p>"),
    ("<svg onload=alert(1)>", "<p>&lt;svg onload=alert(1)&gt;</p>"),
    ("</textarea><script>x</script>", "<p>&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</p>"),
    ("a\n\n\n\nb", "<p>a</p>\n<p>b</p>"),
    ("  indented para", "<p>indented para</p>"),
    (
        "| a |\n|:-:|\n| <b> |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td>&lt;b&gt;</td>\n</tr>\n</tbody>\n</table>",
    ),
    (
        "a | b\n--|--\n1 | 2",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
    ),
    ("![](x.png)", '<p><img alt="" src="x.png"></p>'),
    ("[link](<http://a b>)", '<p><a href="http://a b">link</a></p>'),
    ("[t](http://a.com 'single')", '<p><a href="http://a.com" title="single">t</a></p>'),
    ("- [ ] task", "<ul>\n<li>[ ] task</li>\n</ul>"),
    ("\t\tcode tab", "<pre><code>    code tab\n</code></pre>"),
    ("```\nabc", "<p>```\nabc</p>"),
    ("\\| x \\< y", "<p>| x \\&lt; y</p>"),
    (
        "a | b\n--|--",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td></td>\n<td></td>\n</tr>\n</tbody>\n</table>",
    ),
    (
        "| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td>1</td>\n<td></td>\n</tr>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>",
    ),
    (
        "| a \\| b | `c|d` |\n|---|---|\n| x | y |",
        "<table>\n<thead>\n<tr>\n<th>a | b</th>\n<th><code>c|d</code></th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>x</td>\n<td>y</td>\n</tr>\n</tbody>\n</table>",
    ),
    ("> a\n\n> b", "<blockquote>\n<p>a</p>\n<p>b</p>\n</blockquote>"),
    ("> a\nlazy", "<blockquote>\n<p>a\nlazy</p>\n</blockquote>"),
    ("* a\n\n* b", "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>"),
    (
        "* a\n\n    code?\n\n* b",
        "<ul>\n<li>\n<p>a</p>\n<p>code?</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>",
    ),
    ("1. a\n* b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
    ("#h", "<h1>h</h1>"),
    ("# C#", "<h1>C</h1>"),
    ("a\nb\n---", "<p>a\nb</p>\n<hr>"),
    ("a\nb\n===", "<p>a\nb\n===</p>"),
    ("* * *", "<hr>"),
    ("text\n```\ncode\n```\nmore", "<p>text</p>\n<pre><code>code\n</code></pre>\n<p>more</p>"),
    ("  # h", "<p># h</p>"),
    ("*a", "<p>*a</p>"),
    ("**a*", "<p>*<em>a</em></p>"),
    ("*a**", "<p><em>a</em>*</p>"),
    ("a*b*c", "<p>a<em>b</em>c</p>"),
    (
        "<http://x.com/a?b=1&c=2>",
        '<p><a href="http://x.com/a?b=1&amp;c=2">http://x.com/a?b=1&amp;c=2</a></p>',
    ),
    ("[a](http://x.com?a=1&amp;b=2)", '<p><a href="http://x.com?a=1&amp;b=2">a</a></p>'),
    ("&nbsp;&bogus;&#x41;&#0;", "<p>&nbsp;&amp;bogus;&#x41;&#0;</p>"),
    ("x\x00y", "<p>xy</p>"),
    ("![a *b* `c`](u.png)", '<p><img alt="a *b* c" src="u.png"></p>'),
    ("[a *b*](u)", '<p><a href="u">a <em>b</em></a></p>'),
    ('[foo]: /url "title"\n\n[foo]', '<p><a href="/url" title="title">foo</a></p>'),
    ("a\\\nb", "<p>a\\\nb</p>"),
    ("# h\ntext", "<h1>h</h1>\n<p>text</p>"),
    ("para\n    not code", "<p>para\n    not code</p>"),
    ("- a\n- b\n\n\n- c", "<ul>\n<li>a</li>\n<li>\n<p>b</p>\n</li>\n<li>\n<p>c</p>\n</li>\n</ul>"),
    ('[x](http://a.com "t" )', '<p><a href="http://a.com" title="t">x</a></p>'),
    ("`code`  \nx", "<p><code>code</code><br>\nx</p>"),
    # everyday text (what training scripts log)
    ("Epoch 1: loss=0.5\nEpoch 2: loss=0.4", "<p>Epoch 1: loss=0.5\nEpoch 2: loss=0.4</p>"),
    ("a < b and c > d", "<p>a &lt; b and c &gt; d</p>"),
    ("x<y>z", "<p>x&lt;y&gt;z</p>"),
    ('{\n  "lr": 0.1,\n  "bs": 32\n}', '<p>{\n  "lr": 0.1,\n  "bs": 32\n}</p>'),
    ('```json\n{"a": 1}\n```', "<pre><code>{&quot;a&quot;: 1}\n</code></pre>"),
    (
        "| param | value |\n|-------|-------|\n| lr | 0.001 |\n| batch_size | 64 |",
        "<table>\n<thead>\n<tr>\n<th>param</th>\n<th>value</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>lr</td>\n<td>0.001</td>\n</tr>\n<tr>\n<td>batch_size</td>\n<td>64</td>\n"
        "</tr>\n</tbody>\n</table>",
    ),
    (
        "Results:\n\n- acc: 0.9\n- loss: 0.1",
        "<p>Results:</p>\n<ul>\n<li>acc: 0.9</li>\n<li>loss: 0.1</li>\n</ul>",
    ),
    ("Results:\n- acc: 0.9\n- loss: 0.1", "<p>Results:\n- acc: 0.9\n- loss: 0.1</p>"),
    ("  - indented item\n  - second", "<ul>\n<li>indented item</li>\n<li>second</li>\n</ul>"),
    (
        "1. first\n\n   continued\n2. second",
        "<ol>\n<li>first</li>\n</ol>\n<p>continued\n2. second</p>",
    ),
    (
        "**Note**: use `--flag`\n\nSee [docs](https://example.com/a_b_c).",
        "<p><strong>Note</strong>: use <code>--flag</code></p>\n"
        '<p>See <a href="https://example.com/a_b_c">docs</a>.</p>',
    ),
    ("path/to/file_name_here.txt", "<p>path/to/file_name_here.txt</p>"),
    ("snake_case_name and __init__", "<p>snake_case_name and <strong>init</strong></p>"),
    ("2 * 3 * 4 = 24", "<p>2 * 3 * 4 = 24</p>"),
    ("a\ttab", "<p>a   tab</p>"),
    (
        "Some text\n\n    def f():\n        return 1\n\nMore",
        "<p>Some text</p>\n<pre><code>def f():\n    return 1\n</code></pre>\n<p>More</p>",
    ),
    ("# Title #\n## Sub\n### Subsub", "<h1>Title</h1>\n<h2>Sub</h2>\n<h3>Subsub</h3>"),
    ("> quote\n>\n> more", "<blockquote>\n<p>quote</p>\n<p>more</p>\n</blockquote>"),
    ("line one  \nline two  \nline three", "<p>line one<br>\nline two<br>\nline three</p>"),
    ("![img](https://a.b/c.png)", '<p><img alt="img" src="https://a.b/c.png"></p>'),
    (
        "- a\n    - b\n        - c",
        "<ul>\n<li>a<ul>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>",
    ),
    ("* [link](http://x)", '<ul>\n<li><a href="http://x">link</a></li>\n</ul>'),
    ("***", "<hr>"),
    ("Hello\n=====\n\nWorld\n-----", "<h1>Hello</h1>\n<h2>World</h2>"),
    ("1. a\n1. b\n1. c", "<ol>\n<li>a</li>\n<li>b</li>\n<li>c</li>\n</ol>"),
    ("10. ten\n11. eleven", "<ol>\n<li>ten</li>\n<li>eleven</li>\n</ol>"),
    ("text `code with <tag>` text", "<p>text <code>code with &lt;tag&gt;</code> text</p>"),
    ("\\_escaped\\_", "<p>_escaped_</p>"),
    ("emoji 🎉 and ünïcödé", "<p>emoji 🎉 and ünïcödé</p>"),
    ("http://example.com/path?x=1&y=2", "<p>http://example.com/path?x=1&amp;y=2</p>"),
    ("a &amp; b", "<p>a &amp; b</p>"),
    ("a --- b", "<p>a --- b</p>"),
    (
        "||\n|-|",
        "<table>\n<thead>\n<tr>\n<th></th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td></td>\n</tr>\n"
        "</tbody>\n</table>",
    ),
]


@pytest.mark.parametrize("source,expected", TB_CASES)
def test_renders_as_tensorboard(source, expected):
    assert dom(markdown_to_html(source)) == dom(expected)


# (spec example number, markdown, CommonMark's HTML)
COMMONMARK_CASES = [
    (23, '[foo]\n\n[foo]: /bar\\* "ti\\*tle"\n', '<p><a href="/bar*" title="ti*tle">foo</a></p>\n'),
    (43, "***\n---\n___\n", "<hr />\n<hr />\n<hr />\n"),
    (73, "### foo ###     \n", "<h3>foo</h3>\n"),
    (92, "> Foo\n---\n", "<blockquote>\n<p>Foo</p>\n</blockquote>\n<hr />\n"),
    (98, "---\n---\n", "<hr />\n<hr />\n"),
    (124, "````\naaa\n```\n``````\n", "<pre><code>aaa\n```\n</code></pre>\n"),
    (135, "```\naaa\n  ```\n", "<pre><code>aaa\n</code></pre>\n"),
    (206, "[foo]\n\n[foo]: first\n[foo]: second\n", '<p><a href="first">foo</a></p>\n'),
    (349, "```foo``\n", "<p>```foo``</p>\n"),
    (354, 'a*"foo"*\n', "<p>a*&quot;foo&quot;*</p>\n"),
    (370, "*(*foo)\n", "<p>*(*foo)</p>\n"),
    (371, "*(*foo*)*\n", "<p><em>(<em>foo</em>)</em></p>\n"),
    (418, "foo***bar***baz\n", "<p>foo<em><strong>bar</strong></em>baz</p>\n"),
    (469, "***foo***\n", "<p><em><strong>foo</strong></em></p>\n"),
    (490, "[link](/my uri)\n", "<p>[link](/my uri)</p>\n"),
    (
        544,
        '[foo] [bar]\n\n[bar]: /url "title"\n',
        '<p>[foo] <a href="/url" title="title">bar</a></p>\n',
    ),
    (570, "[foo](not a link)\n\n[foo]: /url1\n", '<p><a href="/url1">foo</a>(not a link)</p>\n'),
    (604, "<https://foo.bar/baz bim>\n", "<p>&lt;https://foo.bar/baz bim&gt;</p>\n"),
    (626, '</a href="foo">\n', "<p>&lt;/a href=&quot;foo&quot;&gt;</p>\n"),
]


@pytest.mark.parametrize("number,source,expected", COMMONMARK_CASES)
def test_renders_as_commonmark_where_tensorboard_differs(number, source, expected):
    assert dom(markdown_to_html(source)) == dom(expected)


# (markdown, this renderer's exact output, TensorBoard 2.21's output)
DIFFERENT_CASES = [
    # raw HTML: bleach keeps an allowed tag (dropping bad attributes); here it is always text
    (
        "<img src=x onerror=alert(1)>",
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>",
        '<p><img src="x"></p>',
    ),
    ("x <em>y</em>", "<p>x &lt;em&gt;y&lt;/em&gt;</p>", "<p>x <em>y</em></p>"),
    # a raw HTML block is escaped without a paragraph around it by TensorBoard
    (
        "<script>alert(1)</script>",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ),
    # CommonMark's nesting for ***x***
    ("***x***", "<p><em><strong>x</strong></em></p>", "<p><strong><em>x</em></strong></p>"),
    # a marker at column 0 after an item's indented paragraph starts the next item (CommonMark)
    (
        "- a\n\n    para2\n- b",
        "<ul>\n<li>\n<p>a</p>\n<p>para2</p>\n</li>\n<li>b</li>\n</ul>",
        "<ul>\n<li>\n<p>a</p>\n<p>para2\n- b</p>\n</li>\n</ul>",
    ),
    # balanced parentheses in an address (CommonMark); still one escaped attribute
    (
        '[x](http://a.com/"onmouseover="alert(1))',
        '<p><a href="http://a.com/&quot;onmouseover=&quot;alert(1)">x</a></p>',
        '<p><a href="http://a.com/&quot;onmouseover=&quot;alert(1">x</a>)</p>',
    ),
]


@pytest.mark.parametrize("source,expected,tensorboard", DIFFERENT_CASES)
def test_known_differences_from_tensorboard(source, expected, tensorboard):
    assert markdown_to_html(source) == expected
    assert dom(expected) != dom(tensorboard)


def test_exact_spelling_of_common_blocks():
    # TensorBoard's exact strings for these (bleach serialises <br>, <hr> without a slash)
    assert markdown_to_html("a  \nb\n\n***") == "<p>a<br>\nb</p>\n<hr>"
    assert markdown_to_html("* a\n* b\n    * c") == (
        "<ul>\n<li>a</li>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>"
    )
    assert markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |") == (
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>"
    )
    assert markdown_to_html("") == ""


# --- render_text: the text plugin's text_array_to_html --------------------------------------


def test_render_text_scalar_string_and_bytes():
    assert render_text("# hi") == "<h1>hi</h1>"
    assert render_text(Array("object", (), [b"# hi"])) == "<h1>hi</h1>"
    assert render_text(b"a\x00b") == "<p>ab</p>"  # markdowns_to_safe_html drops NUL from bytes


def test_render_text_tables_as_text_plugin():
    # text_array_to_html(np.array(['a', '*b*']), True) in TensorBoard 2.21
    assert render_text(Array("object", (2,), [b"a", b"*b*"])) == (
        "<table>\n<tbody>\n<tr>\n<td><p>a</p></td>\n</tr>\n<tr>\n<td><p><em>b</em></p></td>\n"
        "</tr>\n</tbody>\n</table>"
    )
    # np.array([['a', 'b'], ['c', '<x>']])
    assert render_text(Array("object", (2, 2), ["a", "b", "c", "<x>"])) == (
        "<table>\n<tbody>\n<tr>\n<td><p>a</p></td>\n<td><p>b</p></td>\n</tr>\n<tr>\n"
        "<td><p>c</p></td>\n<td><p>&lt;x&gt;</p></td>\n</tr>\n</tbody>\n</table>"
    )
    # np.array([], dtype=object)
    assert render_text(Array("object", (0,), [])) == "<table>\n<tbody>\n</tbody>\n</table>"


def test_render_text_rank_3_slice_and_warning():
    # np.array([[['a', 'b']], [['c', 'd']]]): the [0, :, :] slice behind the warning
    out = render_text(Array("object", (2, 1, 2), [b"a", b"b", b"c", b"d"]))
    assert out == (
        "<p><strong>Warning:</strong> This text summary contained data of dimensionality 3, "
        "but only   2d tables are supported. Showing a 2d slice of the data instead.</p>"
        "<table>\n<tbody>\n<tr>\n<td><p>a</p></td>\n<td><p>b</p></td>\n</tr>\n</tbody>\n</table>"
    )


@pytest.mark.parametrize("value", [None, 3, 1.5, ["a"], Array("float32", (1,), [1.0])])
def test_render_text_refuses_other_values(value):
    with pytest.raises(TypeError, match="value"):
        render_text(value)


def test_markdown_to_html_refuses_non_text():
    with pytest.raises(TypeError, match="source"):
        markdown_to_html(b"bytes")


def test_a_definition_inside_a_fence_stays_code():
    # CommonMark spec 0.31.2 example 214 (code kept); TensorBoard also defines the reference
    assert markdown_to_html("```\n[foo]: /url\n```\n\n[foo]") == (
        "<pre><code>[foo]: /url\n</code></pre>\n<p>[foo]</p>"
    )


# --- safety -----------------------------------------------------------------------------------

_URL_DROPPED = re.compile("[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\ufeff]")


class _Audit(HTMLParser):
    """Every tag, attribute and address of the output against TensorBoard's tables."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in TB_TAGS:
            self.problems.append("tag <%s>" % tag)
        for name, value in attrs:
            if name not in TB_ATTRIBUTES.get(tag, ()):
                self.problems.append("attribute %s on <%s>" % (name, tag))
            elif name in ("href", "src"):
                # what a browser would see: tab/newline removed anywhere, controls at the ends
                url = _URL_DROPPED.sub("", value or "").lower()
                scheme = re.match(r"^([^/?#]*):", url)
                if scheme and scheme.group(1) not in TB_PROTOCOLS:
                    self.problems.append("address %r" % value)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in TB_TAGS:
            self.problems.append("end tag </%s>" % tag)

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")

    def handle_pi(self, data):
        self.problems.append("processing instruction")

    def unknown_decl(self, data):
        self.problems.append("declaration")


def problems(html_text):
    audit = _Audit()
    audit.feed(html_text)
    audit.close()
    found = list(audit.problems)
    if "<script" in html_text.lower() or "<style" in html_text.lower():
        found.append("raw <script/<style")
    # '<' in the output only ever opens a tag this module wrote: none may carry an on* handler
    # outside its (double-quoted, quote-escaped) attribute values
    bare = re.sub(r'"[^"]*"', '""', html_text)
    if re.search(r"<[a-z0-9]+\b[^>]*\son[a-z]+\s*=", bare, re.I):
        found.append("event handler attribute")
    if re.search(r"<!--|<!\[CDATA\[|</?(textarea|title|xmp|noscript|svg|math)", html_text, re.I):
        found.append("raw markup")
    return found


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=javascript:alert(1)>x</a>",
    "<p style='background:url(javascript:alert(1))'>x</p>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!-- x --><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "<!-- unclosed <script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "    </code></pre><script>alert(1)</script>",
    "| <script>alert(1)</script> | b |\n|---|---|\n| <img src=x onerror=alert(1)> | c |",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;avascript:alert(1))",
    "[x](&#x6a&#x61vascript:alert(1))",
    "[x](   javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](java\u200bscript:alert(1))",
    "[x](javascript\u00ad:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java script:alert(1)>)",
    '[x](javascript:alert(1) "t")',
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "[x](\\javascript:alert(1))",
    "[x](java\\script:alert(1))",
    "![x](javascript:alert(1))",
    "![x](JAVASCRIPT:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '![x](&#106;avascript:alert(1) "t")',
    "<javascript:alert(1)>",
    "<JaVaScRiPt:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,x>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![x][r]\n\n[r]: &#106;avascript:alert(1)",
    "[r]\n\n[r]: <javascript:alert(1)>",
    '[x](http://a/" onmouseover="alert(1))',
    "[x](http://a/' onmouseover='alert(1))",
    '[x](http://a "t" onmouseover="alert(1)")',
    '[x](http://a "t\\" onmouseover=\\"alert(1)")',
    "[x](http://a 'a\" onclick=\"alert(1)')",
    '![x" onerror="alert(1)](y.png)',
    "![x' onerror='alert(1)](y.png)",
    '![x](y.png "t" onerror="alert(1)")',
    '[x" onclick="alert(1)](http://a)',
    '<http://a/"onmouseover="alert(1)>',
    '<a@b.c"onmouseover="alert(1)>',
    "<http://a/><script>alert(1)</script>",
    "**<script>**alert(1)**</script>**",
    "# <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "* <img src=x onerror=alert(1)>",
    "[<img src=x onerror=alert(1)>](http://a)",
    "[a](http://a)<script>",
    "x\n===\n<script>",
    "<<script>script>alert(1)<</script>/script>",
    "<sc\x00ript>alert(1)</sc\x00ript>",
    "<\x00script>alert(1)</script>",
    "\x00<script>alert(1)</script>",
]


@pytest.mark.parametrize("source", XSS)
def test_nothing_unsafe_survives(source):
    out = markdown_to_html(source)
    assert problems(out) == []
    assert "javascript:" not in re.sub(r"\s", "", dom_attrs(out)).lower()


def dom_attrs(html_text):
    return " ".join(
        value or "" for event in dom(html_text) if event[0] == "start" for _, value in event[2]
    )


@pytest.mark.parametrize(
    "source",
    [s for s in XSS if "javascript" in s.lower() and s.lstrip().startswith(("[", "!["))],
)
def test_javascript_addresses_are_dropped_from_links_and_images(source):
    # bleach's behaviour: the attribute goes, the element (and its text) stays
    for event in dom(markdown_to_html(source)):
        if event[0] == "start" and event[1] in ("a", "img"):
            names = {name for name, _ in event[2]}
            assert not names & {"href", "src"}, (source, event)


def test_the_checker_catches_unsafe_html():
    # the audit above would fail on what an unsafe renderer writes
    assert problems('<p><a href="javascript:alert(1)">x</a></p>')
    assert problems('<p><a href="java&#x09;script:alert(1)">x</a></p>')
    assert problems('<img src="x" onerror="alert(1)">')
    assert problems("<script>alert(1)</script>")
    assert problems("<div>x</div>")
    assert problems("<p>x<!-- y --></p>")
    assert problems('<a href="x" style="color:red">x</a>')
    assert problems('<p><a href="http://a" title="t">x</a></p>') == []


def test_safe_links_keep_their_address():
    out = markdown_to_html('[a](https://x.org/p?q=1&r=2 "T") [m](mailto:a@b.c) [r](../up#h)')
    assert dom(out) == [
        ("start", "p", ()),
        ("start", "a", (("href", "https://x.org/p?q=1&r=2"), ("title", "T"))),
        ("text", "a"),
        ("end", "a"),
        ("start", "a", (("href", "mailto:a@b.c"),)),
        ("text", "m"),
        ("end", "a"),
        ("start", "a", (("href", "../up#h"),)),
        ("text", "r"),
        ("end", "a"),
        ("end", "p"),
    ]


def test_every_quote_in_attributes_is_escaped():
    out = markdown_to_html('[a"b\'c](http://x/"\'<> "t\\"\'<>")')
    assert '"' not in re.sub(r'(href|title)="[^"]*"', "", out.split(">", 2)[1])
    assert problems(out) == []
    attrs = dict(dom(out)[1][2])
    assert attrs["href"] == "http://x/\"'<>"


def test_array_cells_are_safe_too():
    cells = [s.encode() for s in XSS[:12]]
    out = render_text(Array("object", (3, 4), cells))
    assert problems(out) == []


# --- fuzz -------------------------------------------------------------------------------------

_PIECES = [
    "<",
    ">",
    '"',
    "'",
    "&",
    "#",
    ";",
    ":",
    "/",
    "\\",
    "(",
    ")",
    "[",
    "]",
    "!",
    "*",
    "_",
    "`",
    "|",
    "-",
    "=",
    "\n",
    "\n\n",
    " ",
    "  ",
    "    ",
    "\t",
    "\x00",
    "\x01",
    "\u200b",
    "javascript",
    "JaVaScRiPt",
    "script",
    "on",
    "onerror=",
    "x",
    "&#106;",
    "&#x09;",
    "&colon;",
    "&lt;",
    "img",
    "src",
    "href",
    "http",
    "data",
    "1. ",
    "* ",
    "> ",
    "```",
    "~~~",
    "---",
    "<!--",
    "-->",
    "](",
    "![",
    "</",
    "style",
]


def test_random_nasty_strings_never_yield_a_disallowed_tag_or_attribute():
    rng = random.Random(12)  # fixed seed: the same 3000 strings each run
    for _ in range(3000):
        source = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 40)))
        out = markdown_to_html(source)
        assert problems(out) == [], source


@pytest.mark.parametrize(
    "source",
    [
        "[a](" * 5000,
        "![a](" * 5000,
        '[a](x "' * 5000,
        "```a\n" * 5000,
        "x\n```a\n" * 3000,
        "> " * 5000 + "x",
        "* " * 5000 + "x",
        "[" * 20000,
        "*a _b " * 10000,
        "` `` " * 5000,
        "<" * 20000,
    ],
    ids=lambda s: repr(s[:8]),
)
def test_pathological_input_costs_linear_time(source):
    start = time.perf_counter()
    out = markdown_to_html(source)
    assert time.perf_counter() - start < 3.0  # each takes well under 0.3 s here
    assert problems(out) == []


def test_nesting_is_bounded():
    out = markdown_to_html("> " * 200 + "x")
    assert out.count("<blockquote>") == markdown._MAX_DEPTH
