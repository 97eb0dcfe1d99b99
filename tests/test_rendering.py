"""Generated text reaches both formats of the report intact, whatever the model writes: text with no
space, every character of the corpora, Markdown and TeX syntax, typographic traps. It goes through
the report's own path (report/helpers.py → report/build.py → pandoc → XeLaTeX / HTML) and is read
back from the PDF with pdftotext, every word inside the page's margins, and from the HTML."""
import html
import re
from html.parser import HTMLParser
import string
import subprocess

import nbformat
import pytest

from report import analysis, build, helpers

pytestmark = pytest.mark.skipif(build.shutil.which("xelatex") is None, reason="XeLaTeX is missing: run `make system`")

HOSTILE = "\n".join([
    "QZZEDEUDXXEX&XZZXKEUDYZXXEQKOXZG" * 32,                     # 1024 characters, no space
    "".join(sorted(set(string.printable) - set("\r\x0b\x0c"))) + "ü•",   # both corpora's vocabularies, and more
    "runs   of    spaces,     and\ttabs\t\tinside",
    "   leading spaces",
    "dashes -- and --- and ``quotes'' and 'single' fi fl ff ffi ... !",
    r"\backslash \\ $ % & # _ ^ ~ { } < > | \n \\\ ",
    "",
    "",
    "- a list?",
    "+ another",
    "1. numbered?",
    "> quoted?",
    "# heading?",
    "    four spaces: code?",
    "*not emphasis* **nor strong** `nor code` [nor](link) <b>nor html</b> &amp; $x^2$",
])
SHADED = HOSTILE[::-1][:1500]                                    # shaded character by character (section 6)
A4_WIDTH, MARGIN = 595.276, 2.3 / 2.54 * 72                      # points; report/template/latex_report


def squeeze(text):
    return re.sub(r"[\s\u00a0\u200b]+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    outputs = [
        helpers.passage(HOSTILE),
        helpers.markdown_table(["update", "text"], [["1", helpers.generated(HOSTILE)]], widths=[1, 9],
                               caption="**Table 1.** A hostile cell."),
        "In a sentence: " + helpers.generated(HOSTILE[-200:]) + ", then prose.",
    ]
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", {"text/markdown": md})
                                              for md in outputs])
    colors = [analysis.heat(i / len(SHADED)) for i in range(len(SHADED))]
    cell.outputs.append(nbformat.v4.new_output("display_data", analysis.shaded(SHADED, colors, list(SHADED))))
    nb = build.merge([nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hostile text"), cell])],
                     build.TITLE, "Test", "today")
    build.export_html(nb, tmp / "r.html")
    build.export_pdf(nb, tmp / "r.pdf", tmp / "build")
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp / "r.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    bbox = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(tmp / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    return pdf, bbox, (tmp / "r.html").read_text(encoding="utf-8")


def test_the_hostile_text_covers_both_corpora():
    assert set(helpers.setup().text) <= set(HOSTILE)


def test_every_character_reaches_the_pdf(rendered):
    pdf, _, _ = rendered
    shown = HOSTILE.replace("\t", helpers.TAB)
    assert squeeze(shown) in squeeze(pdf)                                      # the passage
    assert squeeze(shown.replace("\n", helpers.NEWLINE)) in squeeze(pdf)       # the table cell
    assert squeeze(shown[-200:].replace("\n", helpers.NEWLINE)) in squeeze(pdf)


def test_nothing_leaves_the_page(rendered):
    _, bbox, _ = rendered
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', bbox)
    assert len(words) > 100
    outside = [(x0, x1) for x0, x1 in words if float(x0) < MARGIN - 1 or float(x1) > A4_WIDTH - MARGIN + 1]
    assert not outside


def test_every_character_reaches_the_html(rendered):
    _, _, page = rendered
    spans = re.findall(r'<span class="generated">(.*?)</span>', page, flags=re.S)
    # what a browser shows: runs of white space (not no-break spaces) collapse into one space
    texts = [html.unescape(re.sub(r"[ \t\r\n]+", " ", s)).replace("\u00a0", " ") for s in spans]
    lines = [line.replace("\t", helpers.TAB) or " " for line in HOSTILE.split("\n")]
    assert texts[:len(lines)] == lines                                        # the passage, line by line
    assert texts[len(lines)] == HOSTILE.replace("\t", helpers.TAB).replace("\n", helpers.NEWLINE)   # the cell
    assert "\u200b" not in page


def test_the_caption_stays_with_its_table(rendered):
    pdf, _, _ = rendered
    page = next(body for body in pdf.split("\f") if "A hostile cell." in body)
    assert re.search(r"^update\s+text$", page[page.index("A hostile cell."):], flags=re.M)


def shown(text):
    return text.replace("\t", helpers.TAB).replace("\n", helpers.NEWLINE)


def test_shaded_text_reaches_both_formats(rendered):
    pdf, _, page = rendered
    assert squeeze(shown(SHADED)) in squeeze(pdf)
    spans = ShadedSpans()
    spans.feed(page)
    assert "".join(text for _, _, text in spans.found) == shown(SHADED)          # every character, in order
    assert [title for _, title, _ in spans.found] == list(SHADED)                  # each with its tooltip
    assert all(style.startswith("background:rgb(") for style, _, _ in spans.found)


class ShadedSpans(HTMLParser):
    """(style, title, text) of each span inside <div class="shaded">, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.found, self.inside, self.span = [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "shaded":
            self.inside = True
        elif tag == "span" and self.inside:
            self.span = [attrs.get("style"), attrs.get("title"), ""]

    def handle_endtag(self, tag):
        if tag == "span" and self.span:
            self.found.append(tuple(self.span))
            self.span = None
        elif tag == "div":
            self.inside = False

    def handle_data(self, data):
        if self.span:
            self.span[2] += data
