"""Generated text reaches both formats of the report intact, whatever the model writes, over the
vocabulary of either corpus (the book's, built here without the book, and the default corpus's):
text with no space, every character of the vocabulary in any order, Markdown and TeX syntax,
typographic traps. It goes through the report's own path (report.render → report/build.py →
pandoc → XeLaTeX / HTML) and is read back from the PDF with pdftotext, every word inside the page's
margins, and from the HTML."""
import html
import os
import random
import re
from types import SimpleNamespace

import nbformat
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
from report import build, render, runs

pytestmark = pytest.mark.skipif(build.shutil.which("xelatex") is None, reason="XeLaTeX is missing: run `make system`")

# The set of the 80 characters of the book (data/goblet_book.txt), in code-point order: its vocabulary,
# not an excerpt. The book is not part of the project; this stands in for it.
BOOK_VOCABULARY = ("\t\n !\"'(),-./01234679:;?ABCDEFGHIJKLMNOPQRSTUVWXYZ^_abcdefghijklmnopqrstuvwxyz}\u00fc\u2022")
DEFAULT_CORPUS = R.ROOT / "data" / "shakespeare.txt"

TRAPS = [
    "QZZEDEUDXXEX&XZZXKEUDYZXXEQKOXZG" * 32,                     # 1024 characters, no space
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
]


def vocabularies():
    """{name: the characters of a corpus}: the book's and the default corpus's; this machine's corpus
    too when it has characters that neither has (a user's own text)."""
    found = {"the book": set(BOOK_VOCABULARY)}
    if DEFAULT_CORPUS.is_file():
        found["the default corpus"] = set(trainer.read_book(DEFAULT_CORPUS))
    try:
        mine = set(trainer.load_corpus()[0])
    except (FileNotFoundError, ValueError):
        return found
    # a user's own text: letters beyond ASCII, CJK and control characters, in fonts other than DejaVu
    found["a user's text"] = set("abc xyz ÄÖÜäöüß ÉÈéèçñ ЖЯжя αβΩ 中文汉字日本語 한국어 \a\x1b\x7f\t\n.,!?'\"")
    if not mine <= set().union(*found.values()):
        found["this machine's corpus"] = mine
    return found


VOCABULARIES = vocabularies()


def hostile(vocabulary):
    """Text a model over `vocabulary` may write, at its worst: (a passage: every character of the
    vocabulary in order, a run of them without a space, 1500 drawn at random (runs of spaces, new
    lines, tabs and punctuation in any order), then the traps; a table cell, shorter than a page:
    every character, 600 drawn at random, the traps; text to shade character by character: every
    character, 1200 drawn at random)."""
    chars = sorted(vocabulary)
    rng = random.Random(0)
    solid = "".join(c for c in chars if not c.isspace())
    drawn = "".join(rng.choice(chars) for _ in range(1500))
    return ("\n".join(["".join(chars), solid * (1024 // len(solid) + 1), drawn] + TRAPS),
            "\n".join(["".join(chars), drawn[:600]] + TRAPS), "".join(chars) + drawn[:1200])


def test_the_vocabularies_are_the_corpora():
    assert len(BOOK_VOCABULARY) == len(set(BOOK_VOCABULARY)) == 80
    if not DEFAULT_CORPUS.is_file():
        pytest.skip("the default corpus is missing: `make corpus` builds it")
    assert "the default corpus" in VOCABULARIES and len(VOCABULARIES["the default corpus"]) > 26


def test_the_book_vocabulary_is_the_books():
    book = R.ROOT / "data" / "goblet_book.txt"
    if os.environ.get("RNN_CORPUS", "").strip().endswith("goblet_book.txt"):
        book = R.ROOT / os.environ["RNN_CORPUS"].strip()
    if not book.is_file():
        pytest.skip("the book is not on this machine: the vocabulary above stands in for it")
    assert set(trainer.read_book(book)) == set(BOOK_VOCABULARY)
    info = trainer.corpus_info(book, trainer.read_book(book))            # and the report knows it as the book
    assert info["sha256"] == runs.BOOK_SHA256 and info["characters"] == 1_107_542


@pytest.fixture(scope="module", params=list(VOCABULARIES))
def rendered(request, tmp_path_factory, pdftotext, running_text):
    """The hostile text over one vocabulary, rendered as the notebooks do (a passage, a table cell, a
    phrase in a sentence, text shaded per character) and exported as the report. Its fields: the
    vocabulary, text, cell and shaded (what was rendered), pdf (the file), pages (its text in the
    order of its content, pages apart), running (the same without page breaks and numbers), page
    (the HTML)."""
    tmp = tmp_path_factory.mktemp("hostile")
    vocabulary = VOCABULARIES[request.param]
    text, cell_text, shaded = hostile(vocabulary)
    outputs = [
        render.passage(text),
        render.markdown_table(["update", "text"], [["1", render.generated(cell_text)]], widths=[1, 9],
                              caption="**Table 1.** A hostile cell."),
        "In a sentence: " + render.generated(text[-200:]) + ", then prose.",
    ]
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", {"text/markdown": md})
                                              for md in outputs])
    colors = [render.heat(i / len(shaded)) for i in range(len(shaded))]
    cell.outputs.append(nbformat.v4.new_output("display_data", render.shaded(shaded, colors, list(shaded))))
    nb = build.merge([nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hostile text"), cell])],
                     build.TITLE, "Test", "today")
    build.export_html(nb, tmp / "r.html")
    build.export_pdf(nb, tmp / "r.pdf", tmp / "build")
    pages = pdftotext(tmp / "r.pdf", "-raw")
    return SimpleNamespace(vocabulary=vocabulary, text=text, cell=cell_text, shaded=shaded, pdf=tmp / "r.pdf",
                           pages=pages, running=running_text(pages), page=(tmp / "r.html").read_text(encoding="utf-8"))


def shown(text):
    """text with new lines and tabs as the report shows them."""
    return render.with_symbols(text)


def test_the_hostile_text_holds_every_character_of_the_vocabulary(rendered):
    assert rendered.vocabulary <= set(rendered.text) & set(rendered.cell) & set(rendered.shaded)


def test_every_character_reaches_the_pdf(rendered, squeeze):
    pdf = squeeze(rendered.running)
    assert squeeze(shown(rendered.text).replace(render.SYMBOLS["\n"], "\n")) in pdf     # the passage
    assert squeeze(shown(rendered.cell)) in pdf                                           # the table cell
    assert squeeze(shown(rendered.text[-200:])) in pdf                                    # the phrase


def test_nothing_leaves_the_page(rendered, off_the_page):
    words, outside = off_the_page(rendered.pdf)
    assert len(words) > 100 and not outside


def test_every_character_reaches_the_html(rendered):
    spans = re.findall(r'<span class="generated">(.*?)</span>', rendered.page, flags=re.S)
    # what a browser shows: runs of white space (not no-break spaces) collapse into one space
    texts = [html.unescape(re.sub(r"[ \t\r\n]+", " ", s)).replace("\u00a0", " ") for s in spans]
    lines = [shown(line) or " " for line in rendered.text.split("\n")]
    assert texts[:len(lines)] == lines                                        # the passage, line by line
    assert texts[len(lines)] == shown(rendered.cell)                          # the cell
    assert texts[len(lines) + 1] == shown(rendered.text[-200:])               # the phrase
    assert "\u200b" not in rendered.page


def test_the_caption_stays_with_its_table(rendered):
    page = next(body for body in rendered.pages.split("\f") if "A hostile cell." in body)
    assert re.search(r"^update\s+text$", page[page.index("A hostile cell."):], flags=re.M)


def test_shaded_text_reaches_both_formats(rendered, squeeze, shaded_spans):
    assert squeeze(shown(rendered.shaded)) in squeeze(rendered.running)
    spans = shaded_spans(rendered.page)
    assert "".join(text for _, _, text in spans) == shown(rendered.shaded)   # every character, in order
    assert [title for _, title, _ in spans] == list(rendered.shaded)         # each with its tooltip
    assert all(style.startswith("background:rgb(") for style, _, _ in spans)


def test_one_table_of_symbols_serves_every_rendering():
    assert render.with_symbols("a\tb\nc") == "a\u21e5b\u21b5c"
    assert render.with_symbols("\a\x00\x1b\x7f") == "\u2407\u2400\u241b\u2421"      # control pictures: ␇ ␀ ␛ ␡
    assert render.SYMBOLS["\n"] in render.generated("x\ny") and render.SYMBOLS["\t"] in render.generated("x\ty")
    assert render.shaded("\t\n", [(255, 255, 255)] * 2)["text/html"].count(render.SYMBOLS["\t"]) == 1
