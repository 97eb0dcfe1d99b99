"""Generated text reaches both formats of the report intact, whatever the model writes, over the
vocabulary of either corpus (the book's, built here without the book, and the default corpus's):
text with no space, every character of the vocabulary in any order, Markdown and TeX syntax,
typographic traps. It goes through the report's own path (report.render → report/build.py →
pandoc → XeLaTeX / HTML) and is read back from the PDF with pdftotext, every word inside the page's
margins, and from the HTML; in the notebooks' Markdown it is the text as written, with nothing
invisible added. And the PDF's pages keep what belongs together: a short table on one page, a
figure with its caption, every word of a table's header inside its column."""
import base64
import html
import os
import random
import re
import subprocess
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
    spans = re.findall(r'<span class="generated"[^>]*>(.*?)</span>', rendered.page, flags=re.S)
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


def markdown_span_texts(markdown):
    """The text inside each span of generated text of a notebook's Markdown, as Jupyter shows it
    (backslash escapes undone, no-break spaces as spaces)."""
    spans = re.findall(r'<span class="generated"[^>]*>(.*?)</span>', markdown, flags=re.S)
    return [re.sub(r"\\(.)", r"\1", span).replace("\u00a0", " ") for span in spans]


@pytest.mark.parametrize("name", list(VOCABULARIES))
def test_the_notebooks_hold_the_text_as_written(name):
    text, cell_text, _ = hostile(VOCABULARIES[name])
    lines = [shown(line) or " " for line in text.split("\n")]
    assert markdown_span_texts(render.passage(text)) == lines
    assert markdown_span_texts(render.generated(cell_text)) == [shown(cell_text)]       # nothing invisible added
    assert "\u200b" not in render.passage("x" * 300)                       # no break points: the style breaks it
    assert 'style="overflow-wrap: anywhere"' in render.generated("x")


def test_one_table_of_symbols_serves_every_rendering():
    assert render.with_symbols("a\tb\nc") == "a\u21e5b\u21b5c"
    assert render.with_symbols("\a\x00\x1b\x7f") == "\u2407\u2400\u241b\u2421"      # control pictures: ␇ ␀ ␛ ␡
    assert render.SYMBOLS["\n"] in render.generated("x\ny") and render.SYMBOLS["\t"] in render.generated("x\ty")
    assert render.shaded("\t\n", [(255, 255, 255)] * 2)["text/html"].count(render.SYMBOLS["\t"]) == 1


# ---------------------------------------------------------------------------------------------
# What the PDF's pages keep together
# ---------------------------------------------------------------------------------------------

SAMPLING_HEADER = ["setting", "corpus words", "distinct", "log p", "perplexity", "the first 160 characters"]
# Each on a page of its own, after this many lines of prose: at every line, near where the page ends.
FIGURES_AFTER, SHORT_TABLES_AFTER, LONG_TABLES_AFTER = range(30, 40), range(40, 50), [*range(15, 20), *range(45, 51)]
LONG_ROWS = 32


@pytest.fixture(scope="module")
def layout(tmp_path_factory, pdftotext):
    """A report of pages that each begin with lines of prose, as many as each setting says, then: a
    figure with a two-line caption, a short table (five rows), a long one (32 rows), or notebook 5's
    table of sampling settings; so that some of each fall where a page ends. Its fields: pages
    (pdftotext's, one string a page), words (the PDF's words: page, left, top, right, text) and
    image_pages (the page of each figure, in order)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tmp = tmp_path_factory.mktemp("layout")
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.plot([1, 2, 3])
    fig.savefig(tmp / "figure.png", dpi=40)
    plt.close(fig)
    png = base64.b64encode((tmp / "figure.png").read_bytes()).decode()

    def page(lines):                               # a new page (raw LaTeX: the PDF only), then lines of prose
        return [nbformat.v4.new_markdown_cell("\\newpage"),
                nbformat.v4.new_markdown_cell("\\\n".join(f"line {i} of prose" for i in range(lines)))]

    def shown_as(data):
        return nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data)])
    sample = render.generated("lore tas.  Domely. said . ... I . . .\n-The lost now of feret one he Vollesongtch "
                              "we the gobsmeer hadry looked to was and ose cald you wey not hoft her the ware")
    cells = [nbformat.v4.new_markdown_cell("# Layout"), shown_as({"text/markdown": render.markdown_table(
        SAMPLING_HEADER, [[f"$T = {t}$", "44%", "77%", "-1.92", "6.79", sample] for t in range(7)],
        widths=[3, 2, 2, 2, 2, 11], caption="**Table S.** Sampling settings.")})]
    for k, lines in enumerate(FIGURES_AFTER):
        cells += page(lines) + [shown_as({"image/png": png, "text/plain": "a figure"}), nbformat.v4.new_markdown_cell(
            f"**Figure {k}.** A caption long enough to wrap once on the page, which says what the figure shows, "
            f"and then says it again in other words, fig{k}end.\n\nA paragraph after it.")]
    for k, lines in enumerate(SHORT_TABLES_AFTER):
        cells += page(lines) + [shown_as({"text/markdown": render.markdown_table(
            ["measure", "corpus", "text"], [[f"short{k}row{i}", "1.0", "2.0"] for i in range(5)],
            caption=f"**Table {k}.** Five rows.")})]
    for k, lines in enumerate(LONG_TABLES_AFTER):
        cells += page(lines) + [shown_as({"text/markdown": render.markdown_table(
            ["update", "loss"], [[f"long{k}row{i}", "1.0"] for i in range(LONG_ROWS)], caption="**Table L.** Many rows.")})]
    nb = build.merge([nbformat.v4.new_notebook(cells=cells)], build.TITLE, "Test", "today")
    build.export_pdf(nb, tmp / "r.pdf", tmp / "build")
    listed = subprocess.run(["pdfimages", "-list", str(tmp / "r.pdf")], capture_output=True, text=True, check=True)
    boxes = [re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page)
             for page in pdftotext(tmp / "r.pdf", "-bbox").split("<page ")[1:]]
    return SimpleNamespace(pages=pdftotext(tmp / "r.pdf", "-layout").split("\f")[:-1],
                           words=[(page, float(x0), float(y0), float(x1), html.unescape(w))
                                  for page, found in enumerate(boxes, start=1) for x0, y0, x1, w in found],
                           image_pages=[int(line.split()[0]) for line in listed.stdout.splitlines()[2:]
                                        if line.split()[2] == "image"])


def pages_of(layout, word):
    return [number for number, page in enumerate(layout.pages, start=1) if re.search(rf"(?<!\w){word}(?!\w)", page)]


def test_a_short_table_never_splits_across_pages(layout):
    for k, _ in enumerate(SHORT_TABLES_AFTER):
        pages = {page for i in range(5) for page in pages_of(layout, f"short{k}row{i}")}
        assert len(pages) == 1 and pages == set(pages_of(layout, f"Table {k}\\.")), k


def test_a_long_table_leaves_no_row_alone_on_a_page(layout):
    for k, _ in enumerate(LONG_TABLES_AFTER):
        counts = [n for n in (len(re.findall(rf"\blong{k}row\d+\b", page)) for page in layout.pages) if n]
        assert sum(counts) == LONG_ROWS and min(counts) >= 2, (k, counts)


def test_a_figure_and_its_whole_caption_share_a_page(layout):
    assert len(layout.image_pages) == len(FIGURES_AFTER)
    for k, page in enumerate(layout.image_pages):
        assert pages_of(layout, f"Figure {k}\\.") == pages_of(layout, f"fig{k}end") == [page], k


def test_every_word_of_a_table_header_stays_in_its_column(layout):
    words = [w for *_, w in layout.words]
    for word in " ".join(SAMPLING_HEADER).split():
        assert word in words, word                # pdftotext runs a word into the next column's: "perplexitythe"
    for page, _, top, right, word in layout.words:
        if word == "perplexity":                  # the next column's header begins a column's gap to its right
            after = min(x0 for p, x0, y0, _, _ in layout.words if p == page and abs(y0 - top) < 1 and x0 > right)
            assert after - right > 10


def test_table_widths_make_room_for_the_longest_word():
    widths = render.fitted_widths([3, 2, 2, 2, 2, 11], [SAMPLING_HEADER])
    share = [w / sum(widths) for w in widths]
    available = render.TEXT_WIDTH_PT - 2 * render.COLUMN_PADDING_PT * 5
    assert all(s * available >= render.longest_word(h) * render.CHAR_PT - 1 for s, h in zip(share, SAMPLING_HEADER))
    assert share[-1] == max(share)                                  # the room comes from the widest column
    assert render.fitted_widths([1, 9], [["update", "text"]]) == [1, 9]         # as they were when every word fits
    assert render.longest_word(render.generated("x" * 500)) == 0           # generated text breaks anywhere
    assert render.longest_word("**top-$p$** = 0.99") == len("top-p")
    short = render.markdown_table(["a", "b"], [["1", "2"]], widths=[1, 30])
    assert "|-|------------------------------|" in short           # pandoc sets it at its natural width: widths unused
