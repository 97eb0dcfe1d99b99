"""Measurements of text, so that the prose claims only what a run shows: its words, surface features
(per 1000 characters, and per character for the hidden units to track), and what a generated passage
shares with the training text (the copy audit). One set of regular expressions serves them all."""
import numbers
import re
import unicodedata
from collections.abc import Container, Iterable

import numpy as np

import rnn_helpers as R


# CJK ideographs (with 々 and 〇) are written without spaces between words: each counts as a word.
_HAN_RANGES = ((0x3005, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF))
_NAMES = {}                            # Unicode category: its number in _CATEGORY, of the characters below
_CATEGORY = np.array([_NAMES.setdefault(unicodedata.category(chr(i)), len(_NAMES)) for i in range(0x20000)])
_HAN = np.zeros(len(_CATEGORY), bool)                      # (above 0x20000, letters are CJK ideographs)
for _first, _last in _HAN_RANGES:
    _HAN[_first:_last + 1] = True


def _ranges(pairs):
    """A regular-expression class of the characters from first to last of each (first, last)."""
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in pairs) + "]"


def _unicode_class(*categories):
    """A regular-expression class of the characters, not CJK ideographs, whose Unicode category starts
    with one of `categories` ("L": letters, "Lu": capitals, "M": accents): Python's re has no \\p{Lu}."""
    keep = ~_HAN & np.isin(_CATEGORY, [i for c, i in _NAMES.items() if c.startswith(categories)])
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]])))     # where runs start and end
    return _ranges(zip(edges[::2], edges[1::2] - 1))


HAN = _ranges(_HAN_RANGES)
LETTER, LETTER_OR_MARK = _unicode_class("L"), _unicode_class("L", "M")            # of any script
CAPITAL, CAPITAL_OR_MARK, SMALL_OR_MARK = _unicode_class("Lu", "Lt"), _unicode_class("Lu", "Lt", "M"), _unicode_class("Ll", "M")

# What the measurements find in a text, each pattern in one place. Letters are Unicode letters of
# any script (a letter may carry combining accents); capitals and small letters are Unicode's.
PATTERNS = {
    # a word: a run of letters, with apostrophes (' or ’) inside it (don't, o'clock), or one CJK ideograph
    "word": re.compile(rf"{HAN}|{LETTER}{LETTER_OR_MARK}*(?:['’]{LETTER}{LETTER_OR_MARK}*)*"),
    "letter": re.compile(rf"{HAN}|{LETTER}"),                  # a letter of a word (not an apostrophe or accent)
    "line": re.compile(r"[^\n]*\n?"),                         # a line, with its new line
    "sentence end": re.compile(r"[.!?](?=[ \n])"),            # . ! ? followed by a space or line break
    "after a sentence": re.compile(r"[.!?][\"')]*\s+"),       # a sentence's end, closing marks and spaces
    "capitals line": re.compile(rf"^{CAPITAL}(?:{CAPITAL_OR_MARK}| )+$", re.M),    # a line in capitals alone
    "capitalised word": re.compile(rf"\b{CAPITAL}{SMALL_OR_MARK}+"),   # a capital, then small letters
}


# ---------------------------------------------------------------------------------------------
# Checks at the door (shared with report.analysis and report.baselines)
# ---------------------------------------------------------------------------------------------

def _check_text(name, value, empty=None):
    """value, if it is a str; `empty`: None if an empty text is fine, else what to do instead."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, got {type(value).__name__}: pass the text itself "
                         "(R.decode(indices, ind_to_char) turns character indices into text).")
    if empty is not None and not value:
        raise ValueError(f"{name} is empty: {empty}")
    return value


def _check_vocabulary(vocabulary):
    """vocabulary, if it is a collection of words (not a str, whose `in` would match any piece of a word)."""
    if isinstance(vocabulary, str) or not isinstance(vocabulary, Container):
        raise ValueError(f"vocabulary must be a set of words (e.g. corpus.vocabulary or set(textstats.words(text))), "
                         f"got {type(vocabulary).__name__}.")
    return vocabulary


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------

def words(text):
    """The words of a text: runs of letters of any script (Unicode letters, with their accents), with
    apostrophes (' or ’) inside them (don't, o'clock, l'homme), and each CJK ideograph on its own
    (Chinese and Japanese put no spaces between words). Digits and _ split words (x2, snake_case)."""
    return PATTERNS["word"].findall(_check_text("text", text))


SHORTEST = 2            # the word measures count words of at least this many letters


def counted_words(text):
    """The words of a text that the word measures count: those of two letters or more. Random
    characters make many one-letter words (x, i, e), which a corpus of code, or of short messages,
    holds all of; words of two letters or more random text rarely gets right."""
    return [w for w in words(text) if len(PATTERNS["letter"].findall(w)) >= SHORTEST]


def word_stats(text, vocabulary):
    """(share of the text's counted words (counted_words: two letters or more) that are in
    `vocabulary`, distinct counted words / counted words); (0, 0) for a text without any."""
    _check_vocabulary(vocabulary)
    ws = counted_words(text)
    if not ws:
        return 0.0, 0.0
    return sum(w in vocabulary for w in ws) / len(ws), len(set(ws)) / len(ws)


CHANCE_MARGIN = 0.5     # the corpus's own unseen text must beat random characters by this share of words
COVERED = 0.5           # ... and its counted words hold at least this share of its letters


def word_chance(corpus_text, held_out=0.1, seed=0):
    """What the word measure gives on this corpus: {"held-out": word_stats share of the corpus's last
    `held_out` part against the words of the rest, "chance": the same for random characters drawn
    with the rest's character frequencies, as many as the held-out part, "covered": the share of the
    held-out part's letters that lie in counted words}."""
    if len(_check_text("corpus_text", corpus_text)) < 2:
        raise ValueError(f"corpus_text has {len(corpus_text)} characters: a part to learn the words from and a part "
                         "held out need at least two; pass the corpus's text.")
    if isinstance(held_out, (bool, np.bool_)) or not isinstance(held_out, numbers.Real) or not 0 < held_out < 1:
        raise ValueError(f"held_out is the share of the corpus held out, between 0 and 1, got {held_out!r}.")
    cut = min(len(corpus_text) - 1, max(1, round(len(corpus_text) * (1 - held_out))))
    rest, held = corpus_text[:cut], corpus_text[cut:]
    vocabulary = set(words(rest))
    chars, counts = np.unique(np.array(list(rest)), return_counts=True)
    noise = "".join(np.random.default_rng(seed).choice(chars, len(held), p=counts / counts.sum()))
    letters = len(PATTERNS["letter"].findall(held))
    in_counted = sum(len(PATTERNS["letter"].findall(w)) for w in counted_words(held))
    return {"held-out": word_stats(held, vocabulary)[0], "chance": word_stats(noise, vocabulary)[0],
            "covered": in_counted / letters if letters else 0.0}


def word_measure_applies(corpus_text):
    """Whether "x % of its words are words of the corpus" means something for this corpus: its own
    unseen text (word_chance) beats random characters by CHANCE_MARGIN, and the counted words hold at
    least COVERED of its letters. True for prose in a language that spaces its words (English,
    German, Russian) and for program code; False for Chinese, whose words here are single ideographs,
    too short to count, so that the measure would see only the few words in Latin letters."""
    chance = word_chance(corpus_text)
    return chance["held-out"] - chance["chance"] >= CHANCE_MARGIN and chance["covered"] >= COVERED


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
    _check_text("text", text)
    return {name: 1000 * count(text) / max(1, len(text)) for name, count in SURFACE.items()}


def shared_features(sample, corpus_text, low=0.5, high=2.0):
    """The features of SURFACE that the corpus has and the sample has at a corpus-like rate (between
    low and high times the corpus's), and those the corpus has that the sample lacks."""
    _check_text("sample", sample)
    _check_text("corpus_text", corpus_text)
    if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in (low, high)) \
            or not 0 <= low <= high:
        raise ValueError(f"low and high bound the sample's rate as multiples of the corpus's: they must be numbers "
                         f"with 0 <= low <= high, got low={low!r}, high={high!r}.")
    mine, theirs = surface(sample), surface(corpus_text)
    present = [k for k in SURFACE if theirs[k] > ABSENT]
    like = [k for k in present if low * theirs[k] <= mine[k] <= high * theirs[k]]
    return like, [k for k in present if k not in like]


def surface_table(texts, corpus_text):
    """Rows of a table: each feature of SURFACE per 1000 characters, in the corpus and in each text;
    a feature the corpus lacks is said to be absent there."""
    texts = list(texts) if isinstance(texts, Iterable) and not isinstance(texts, str) else texts
    if not isinstance(texts, list):
        raise ValueError(f"texts must be a list of texts (e.g. [passage]), got {type(texts).__name__}: "
                         "a single str would be read as one text per character.")
    for t in texts:
        _check_text("Each of texts", t)
    _check_text("corpus_text", corpus_text)
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
    chars = np.array(list(_check_text("text", text)), dtype=str)      # (dtype: an empty text too)
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
    _check_text("passage", passage, "there is nothing to look for; pass a generated passage.")
    _check_text("text", text, "there is nothing to compare with; pass the training text.")
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
    character n-grams that occur in the text (None, not measurable, for a passage shorter than n)."""
    _check_text("passage", passage, "there is nothing to audit; pass a generated passage.")
    _check_text("text", text, "there is nothing to compare with; pass the training text.")
    _check_vocabulary(vocabulary)
    n = R.check_count("n", n, 1)
    grams = [passage[i:i + n] for i in range(len(passage) - n + 1)]
    text_grams = {text[i:i + n] for i in range(len(text) - n + 1)}
    return dict(longest=longest_common_substring(passage, text),
                words=word_stats(passage, vocabulary)[0],
                ngrams=sum(g in text_grams for g in grams) / len(grams) if grams else None)
