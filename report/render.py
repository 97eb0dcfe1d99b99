"""Generated text and tables as the report shows them: Markdown that reads the same in Jupyter, in the
HTML page and in the PDF, and text shaded character by character (by surprisal or by a unit's
activation) as HTML and LaTeX."""
import html
import math
import re

# How generated text shows the characters that would otherwise be invisible: ↵ a new line, ⇥ a tab,
# and every other control character of ASCII as its picture in Unicode (␇ for the bell, ␡ for delete).
SYMBOLS = {"\n": "\u21b5", "\t": "\u21e5", "\x7f": "\u2421"} | \
          {chr(c): chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\n\t"}
ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
NBSP = "\u00a0"
# Generated text may break a line anywhere when it has no space to break at: in a browser by its
# style (overflow-wrap, here for Jupyter and in the HTML report's CSS for the page), in the PDF by
# report/template/pandoc/latex.lua. The text itself holds no invisible character.
BREAK_ANYWHERE = "overflow-wrap: anywhere"


def with_symbols(text):
    """text with each character of SYMBOLS replaced by its symbol."""
    return text.translate(str.maketrans(SYMBOLS))


def generated(text, line_breaks=False):
    """Text the model wrote, as Markdown that shows it character for character, in spans of class
    "generated" (monospace, without typographic quotes, dashes or ligatures: report/template).
    Every ASCII punctuation character is escaped, so none is markup; tabs are shown as ⇥ and other
    control characters by their pictures (SYMBOLS); leading spaces and runs of spaces are
    non-breaking, so none collapses. A line may break anywhere in text without spaces (the span's
    style; in the PDF, the pandoc filter's break points), but the text holds nothing it did not
    write: copied or searched, it reads as written. Newlines are shown as ↵, or with line_breaks as
    line breaks (a blank line kept as a line with a space)."""
    if not line_breaks:
        return _span(text)
    return "  \n".join(_span(line or NBSP) for line in text.split("\n"))


def _span(line):
    line = re.sub(r"^ +|(?<= ) ", lambda spaces: NBSP * len(spaces.group()), with_symbols(line))
    escaped = "".join("\\" + ch if ch in ASCII_PUNCTUATION else ch for ch in line)
    return f'<span class="generated" style="{BREAK_ANYWHERE}">{escaped}</span>'


def passage(text):
    """A passage the model wrote, as a Markdown block quote that keeps its lines."""
    return "\n".join("> " + line for line in generated(text, line_breaks=True).split("\n"))


# The PDF's page (report/template/latex_report): pandoc sets a table whose Markdown has a line longer
# than 72 characters across the text's width, its columns as wide as the dashes say (relative), each
# with 6 pt of padding either side; others as wide as their cells.
PANDOC_COLUMNS, TEXT_WIDTH_PT, COLUMN_PADDING_PT = 72, 464.9, 6.0
CHAR_PT = 0.6 * 11 * 0.92        # a character of DejaVu Serif at 11 pt, scaled 0.92: a word's mean is
                                 # 0.47-0.62 em; a wider one takes a point or two of the padding


def markdown_table(header, rows, widths=None, caption=None):
    """A Markdown pipe table; widths (relative dash counts) let long cells wrap in the PDF, and are
    widened where a column would be narrower than its longest word (no word of a header or of a
    cell's prose runs into the next column; text the model wrote breaks anywhere). The caption, a
    paragraph above the table, is kept on the same page as the table's first rows."""
    widths = widths or [3] * len(header)
    cells = [[str(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |"] + ["| " + " | ".join(row) + " |" for row in cells]
    if any(len(line) > PANDOC_COLUMNS for line in lines + ["|" + "|".join("-" * w for w in widths) + "|"]):
        widths = fitted_widths(widths, [header, *cells])
    table = "\n".join(lines[:1] + ["|" + "|".join("-" * w for w in widths) + "|"] + lines[1:])
    return f'<span class="caption">{caption}</span>\n\n{table}' if caption else table


def fitted_widths(widths, rows):
    """widths (dash counts), each column widened to hold its longest word in the PDF (rows: the header
    and the cells, as Markdown), the width taken from the columns with room to spare; widths as they
    were when every word fits."""
    available = TEXT_WIDTH_PT - 2 * COLUMN_PADDING_PT * (len(widths) - 1)
    need = [max((longest_word(row[i]) for row in rows if i < len(row)), default=0) * CHAR_PT / available
            for i in range(len(widths))]
    share = [w / sum(widths) for w in widths]
    if all(s >= n for s, n in zip(share, need)):
        return widths
    if sum(need) >= 1:                                   # no room for every word: as the words need
        return [max(1, round(100 * n / sum(need))) for n in need]
    short = sum(n - s for s, n in zip(share, need) if n > s)
    spare = sum(s - n for s, n in zip(share, need) if s > n)
    fitted = [n if n > s else s - short * (s - n) / spare for s, n in zip(share, need)]
    return [max(1, round(200 * f)) for f in fitted]


def longest_word(markdown):
    """The length of the longest word of a cell's Markdown as set in the PDF (markup left out); 0 for
    text the model wrote, which breaks anywhere."""
    if 'class="generated"' in markdown:
        return 0
    text = re.sub(r"\\(.)", r"\1", re.sub(r"<[^>]+>|[*`$]|\\(?:mathrm|text)\b", "", markdown))
    return max((len(word) for word in text.split()), default=0)


# ---------------------------------------------------------------------------------------------
# Text shaded character by character, for the HTML page and the PDF
# ---------------------------------------------------------------------------------------------

def _shade(value, low):
    """value as a float clipped to [low, 1], if it is a finite number."""
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"a shade needs a finite number, got {value!r}: a surprisal or activation that is not a "
                         "number comes from a broken model (load the run's best model).")
    return min(max(v, low), 1.0)


def heat(value):
    """White at 0 to red at 1 (value clipped to [0, 1]): an RGB triple of 0..255."""
    v = _shade(value, 0.0)
    return 255, int(255 - 175 * v), int(255 - 195 * v)       # light enough for black text at 1


def diverging(value):
    """Blue at -1, white at 0, red at +1 (a tanh unit's activation)."""
    v = _shade(value, -1.0)
    return (255, int(255 - 175 * v), int(255 - 195 * v)) if v >= 0 else \
           (int(255 + 175 * v), int(255 + 120 * v), 255)


def shaded(text, colors, titles=None):
    """A display bundle of text with each character on its own background colour: "text/html"
    (spans, with an optional tooltip each) and "text/latex" (\\colorbox per character, a line
    allowed to break after a space, and discouraged elsewhere). colors: one RGB triple per
    character; a new line is shown as ↵ and breaks the line, a tab as ⇥ (SYMBOLS)."""
    spans, boxes = [], []
    for i, (ch, rgb) in enumerate(zip(text, colors)):
        shown = SYMBOLS.get(ch, ch)
        title = f' title="{html.escape(titles[i])}"' if titles else ""
        spans.append(f'<span style="background:rgb{tuple(rgb)}"{title}>{html.escape(shown)}</span>'
                     + ("<br>" if ch == "\n" else ""))
        glyph = "\\ " if ch == " " else f"\\char{ord(shown)} "    # decimal: the template makes " active
        after = "\\allowbreak " if ch == " " else "\\newline " if ch == "\n" else "\\penalty5000 "
        boxes.append(f"\\colorbox[RGB]{{{rgb[0]},{rgb[1]},{rgb[2]}}}{{\\strut {glyph}}}{after}")
    page = ('<div class="shaded" style="font-family: \'DejaVu Sans Mono\', monospace; font-size: 13px; '
            'white-space: pre-wrap; line-height: 1.6">' + "".join(spans) + "</div>")
    latex = ("\\begin{flushleft}{\\ttfamily\\setlength{\\fboxsep}{0pt}\\small " + "".join(boxes)
             + "\\par}\\end{flushleft}")
    return {"text/html": page, "text/latex": latex, "text/plain": text}
