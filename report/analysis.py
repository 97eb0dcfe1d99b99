"""What a trained network does with a text: its surprisal at each character, simple features of the
text that single hidden units may track, and text shaded character by character (by surprisal or
by a unit's activation) for the HTML page and the PDF alike."""
import html
import re

import numpy as np

import rnn_helpers as R


def surprisal(rnn, x, y, h0):
    """(bits (T,), P (T, K), H (T + 1, m)): -log2 p_t(y_t) of each target character, the model's
    distributions p_t, and its hidden states, reading x (T,) from h0 (m,)."""
    _, cache = R.forward(rnn, x, y, h0)
    P = cache.P.astype(np.float64)
    return -np.log2(P[np.arange(len(y)), y]), P, cache.H


def by_character(text, bits, minimum=20):
    """{character: (count, mean surprisal in bits)} over the characters of text (each scored by its
    bits), for the characters that occur at least `minimum` times."""
    chars = np.array(list(text))
    return {c: (int((chars == c).sum()), float(bits[chars == c].mean()))
            for c in sorted(set(text)) if (chars == c).sum() >= minimum}


def by_position_in_word(text, bits, longest=8):
    """{position: (count, mean bits)} for the letters of text by their position in their word (1 =
    the first letter; `longest` stands for that position and later)."""
    positions = np.zeros(len(text), int)
    for word in re.finditer(r"[A-Za-z]+", text):
        positions[word.start():word.end()] = np.minimum(np.arange(1, len(word.group()) + 1), longest)
    return {k: (int((positions == k).sum()), float(bits[positions == k].mean()))
            for k in range(1, longest + 1) if (positions == k).any()}


# ---------------------------------------------------------------------------------------------
# Features of a text, one value per character, that a hidden unit may track
# ---------------------------------------------------------------------------------------------

def text_features(text):
    """{name: (N,) float array}: at each character of text, after reading it (as h_t has read x_t),
    inside quotation marks, position in the line, inside a word, at the start of a sentence, a
    capital letter next, inside a line in capitals alone (a speaker's name in the plays), inside a
    capitalised word (a name, mostly)."""
    chars = np.array(list(text))
    quotes = np.zeros(len(text), bool)             # after an odd number of " in the line: a speech in a
    for line in re.finditer(r"[^\n]*\n?", text):   # book reopens its quotes in each new paragraph
        quotes[line.start():line.end()] = np.cumsum(chars[line.start():line.end()] == '"') % 2 == 1
    line_position = np.zeros(len(text))
    for line in re.finditer(r"[^\n]*\n?", text):
        line_position[line.start():line.end()] = np.arange(line.end() - line.start())
    letters = np.char.isalpha(chars)
    sentence_start = np.zeros(len(text), bool)
    for end in re.finditer(r"[.!?][\"')]*\s+", text):              # the spaces after a sentence's end
        sentence_start[end.start() + 1:end.end()] = True
    capital_next = np.append(np.char.isupper(chars[1:]), False)
    speaker = np.zeros(len(text), bool)
    for line in re.finditer(r"^[A-Z][A-Z ]+$", text, flags=re.M):
        speaker[line.start():line.end()] = True
    name = np.zeros(len(text), bool)
    for word in re.finditer(r"\b[A-Z][a-z]+", text):
        name[word.start():word.end()] = True
    return {"inside quotation marks": quotes, "position in the line": line_position, "inside a word": letters,
            "between sentences (after . ! ?)": sentence_start, "a capital letter next": capital_next,
            "inside a line in capitals alone (a speaker's name)": speaker,
            "inside a capitalised word (a name)": name}


def best_units(activations, features, absent=0.002):
    """For each feature, the hidden unit whose activation correlates most with it:
    {name: (unit, Pearson r)}, or None for a feature that (nearly) never varies in the text (a
    binary feature true, or false, at fewer than `absent` of the positions).

    activations: (N, m) hidden states, one row per character; features: {name: (N,) array}.
    """
    A = (activations - activations.mean(0)) / (activations.std(0) + 1e-12)
    result = {}
    for name, f in features.items():
        f = np.asarray(f, float)
        rare = min(f.mean(), 1 - f.mean()) < absent if set(np.unique(f)) <= {0.0, 1.0} else f.std() == 0
        if rare:
            result[name] = None
            continue
        r = A.T.dot((f - f.mean()) / f.std()) / len(f)
        unit = int(np.argmax(np.abs(r)))
        result[name] = (unit, float(r[unit]))
    return result


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
    character; a new line is shown as ↵ and breaks the line, a tab as ⇥."""
    spans, boxes = [], []
    for i, (ch, rgb) in enumerate(zip(text, colors)):
        shown = {"\n": "\u21b5", "\t": "\u21e5"}.get(ch, ch)     # ↵ and ⇥, as report.helpers.generated
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
