"""Measurements of text, so that the prose claims only what a run shows: its words, surface features
(per 1000 characters, and per character for the hidden units to track), and what a generated passage
shares with the training text (the copy audit). One set of regular expressions serves them all."""
import re

import numpy as np

# What the measurements find in a text, each pattern in one place.
PATTERNS = {
    "word": re.compile(r"[A-Za-z']+"),                        # a word: letters and apostrophes
    "letters": re.compile(r"[A-Za-z]+"),                      # the letters of a word
    "line": re.compile(r"[^\n]*\n?"),                         # a line, with its new line
    "sentence end": re.compile(r"[.!?](?=[ \n])"),            # . ! ? followed by a space or line break
    "after a sentence": re.compile(r"[.!?][\"')]*\s+"),       # a sentence's end, closing marks and spaces
    "capitals line": re.compile(r"^[A-Z][A-Z ]+$", re.M),     # a line in capitals alone
    "capitalised word": re.compile(r"\b[A-Z][a-z]+"),
}


def words(text):
    """The words of a text: runs of letters and apostrophes."""
    return PATTERNS["word"].findall(text)


def word_stats(text, vocabulary):
    """(share of the text's words that are in `vocabulary`, distinct words / words)."""
    ws = words(text)
    if not ws:
        return 0.0, 0.0
    return sum(w in vocabulary for w in ws) / len(ws), len(set(ws)) / len(ws)


# ---------------------------------------------------------------------------------------------
# Surface features per 1000 characters
# ---------------------------------------------------------------------------------------------

# name: (what it measures, per 1000 characters of text)
SURFACE = {
    "line breaks": lambda t: t.count("\n"),
    "quotation marks": lambda t: t.count('"'),
    "sentence ends (. ! ?) followed by a space or line break": lambda t: len(PATTERNS["sentence end"].findall(t)),
    "capitalised words": lambda t: len(PATTERNS["capitalised word"].findall(t)),
    "lines in capitals alone (speakers' names)": lambda t: len(PATTERNS["capitals line"].findall(t)),
}


ABSENT = 0.05            # a feature rarer than this per 1000 characters of the corpus: the corpus lacks it


def surface(text):
    """Per 1000 characters of text, how often each feature of SURFACE occurs."""
    return {name: 1000 * count(text) / max(1, len(text)) for name, count in SURFACE.items()}


def shared_features(sample, corpus_text, low=0.5, high=2.0):
    """The features of SURFACE that the corpus has and the sample has at a corpus-like rate (between
    low and high times the corpus's), and those the corpus has that the sample lacks."""
    mine, theirs = surface(sample), surface(corpus_text)
    present = [k for k in SURFACE if theirs[k] > ABSENT]
    like = [k for k in present if low * theirs[k] <= mine[k] <= high * theirs[k]]
    return like, [k for k in present if k not in like]


def surface_table(texts, corpus_text):
    """Rows of a table: each feature of SURFACE per 1000 characters, in the corpus and in each text;
    a feature the corpus lacks is said to be absent there."""
    corpus_rates = surface(corpus_text)
    rows = []
    for name in SURFACE:
        if corpus_rates[name] <= ABSENT:
            rows.append([name, "absent"] + ["—"] * len(texts))
        else:
            rows.append([name, f"{corpus_rates[name]:.1f}"] + [f"{surface(t)[name]:.1f}" for t in texts])
    return rows


# ---------------------------------------------------------------------------------------------
# Features of a text, one value per character, that a hidden unit may track
# ---------------------------------------------------------------------------------------------

def _spans(pattern, text):
    """A boolean (N,) array, True inside every match of PATTERNS[pattern] in text."""
    inside = np.zeros(len(text), bool)
    for match in PATTERNS[pattern].finditer(text):
        inside[match.start():match.end()] = True
    return inside


def text_features(text):
    """{name: (N,) float array}: at each character of text, after reading it (as h_t has read x_t),
    inside quotation marks, position in the line, inside a word, at the start of a sentence, a
    capital letter next, inside a line in capitals alone (a speaker's name in the plays), inside a
    capitalised word (a name, mostly)."""
    chars = np.array(list(text))
    quotes = np.zeros(len(text), bool)             # after an odd number of " in the line: a speech in a
    line_position = np.zeros(len(text))            # book reopens its quotes in each new paragraph
    for line in PATTERNS["line"].finditer(text):
        quotes[line.start():line.end()] = np.cumsum(chars[line.start():line.end()] == '"') % 2 == 1
        line_position[line.start():line.end()] = np.arange(line.end() - line.start())
    sentence_start = np.zeros(len(text), bool)
    for end in PATTERNS["after a sentence"].finditer(text):        # the spaces after a sentence's end
        sentence_start[end.start() + 1:end.end()] = True
    return {"inside quotation marks": quotes, "position in the line": line_position,
            "inside a word": np.char.isalpha(chars),
            "between sentences (after . ! ?)": sentence_start,
            "a capital letter next": np.append(np.char.isupper(chars[1:]), False),
            "inside a line in capitals alone (a speaker's name)": _spans("capitals line", text),
            "inside a capitalised word (a name)": _spans("capitalised word", text)}


# ---------------------------------------------------------------------------------------------
# What a generated passage shares with the training text
# ---------------------------------------------------------------------------------------------

def longest_common_substring(passage, text):
    """The longest substring of passage that also occurs in text (the first of them): grown one
    character at a time from each start, which is quick for a passage of a few thousand characters."""
    best = ""
    for i in range(len(passage)):
        length = len(best) + 1
        while i + length <= len(passage) and passage[i:i + length] in text:
            best = passage[i:i + length]
            length += 1
    return best


def copy_audit(passage, text, vocabulary, n=8):
    """How much of a generated passage the training text already holds: the longest common
    substring, the share of the passage's words that are words of the text, the share of its
    character n-grams that occur in the text."""
    grams = [passage[i:i + n] for i in range(len(passage) - n + 1)]
    text_grams = {text[i:i + n] for i in range(len(text) - n + 1)}
    return dict(longest=longest_common_substring(passage, text),
                words=word_stats(passage, vocabulary)[0],
                ngrams=sum(g in text_grams for g in grams) / max(1, len(grams)))
