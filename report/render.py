"""Generated text and tables as the report shows them: Markdown that reads the same in Jupyter, in the
HTML page and in the PDF, and text shaded character by character (by surprisal or by a unit's
activation) as HTML and LaTeX."""
import html
import re

# How generated text shows the characters that would otherwise be invisible: ↵ a new line, ⇥ a tab,
# and every other control character of ASCII as its picture in Unicode (␇ for the bell, ␡ for delete).
SYMBOLS = {"\n": "\u21b5", "\t": "\u21e5", "\x7f": "\u2421"} | \
          {chr(c): chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\n\t"}
ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
NBSP, ZWSP = "\u00a0", "\u200b"


def with_symbols(text):
    """text with each character of SYMBOLS replaced by its symbol."""
    return text.translate(str.maketrans(SYMBOLS))


def generated(text, line_breaks=False):
    """Text the model wrote, as Markdown that shows it character for character, in spans of class
    "generated" (monospace, without typographic quotes, dashes or ligatures: report/template).
    Every ASCII punctuation character is escaped, so none is markup; tabs are shown as ⇥ and other
    control characters by their pictures (SYMBOLS); leading
    spaces and runs of spaces are non-breaking, so none collapses; a zero-width space follows every
    other character not followed by a space, so that a line may break anywhere in text without
    spaces. Newlines are shown as ↵, or with line_breaks as line breaks (a blank line kept as a line
    with a space)."""
    if not line_breaks:
        return _span(text)
    return "  \n".join(_span(line or NBSP) for line in text.split("\n"))


def _span(line):
    line = re.sub(r"^ +|(?<= ) ", lambda spaces: NBSP * len(spaces.group()), with_symbols(line))
    marked = "".join(ch if ch == " " else ("\\" + ch if ch in ASCII_PUNCTUATION else ch) + ZWSP for ch in line)
    # no break point right before a space: TeX could then no longer break at the space itself
    return f'<span class="generated">{marked.replace(ZWSP + " ", " ")}</span>'


def passage(text):
    """A passage the model wrote, as a Markdown block quote that keeps its lines."""
    return "\n".join("> " + line for line in generated(text, line_breaks=True).split("\n"))


def markdown_table(header, rows, widths=None, caption=None):
    """A Markdown pipe table; widths (relative dash counts) let long cells wrap in the PDF. The
    caption, a paragraph above the table, is kept on the same page as the table's first rows."""
    widths = widths or [3] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * w for w in widths) + "|"]
    table = "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])
    return f'<span class="caption">{caption}</span>\n\n{table}' if caption else table


# ---------------------------------------------------------------------------------------------
# Text shaded character by character, for the HTML page and the PDF
# ---------------------------------------------------------------------------------------------

def heat(value):
    """White at 0 to red at 1 (value clipped to [0, 1]): an RGB triple of 0..255."""
    v = min(max(float(value), 0.0), 1.0)
    return 255, int(255 - 175 * v), int(255 - 195 * v)       # light enough for black text at 1


def diverging(value):
    """Blue at -1, white at 0, red at +1 (a tanh unit's activation)."""
    v = min(max(float(value), -1.0), 1.0)
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
