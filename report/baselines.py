"""Yardsticks for the network's loss on held-out text: character n-gram models with interpolated
Kneser-Ney smoothing, and the standard library's compressors."""
import bz2
import gzip
import lzma
import math
import numbers
from collections import Counter, defaultdict

import numpy as np

import rnn_helpers as R
from report.textstats import _check_text


class NgramCounts:
    """The counts a Kneser-Ney model needs, for every context length k, computed once for a text
    and shared by the models of every order: raw[k][h][w], how often the k characters h are
    followed by w; continuation[k][h][w], after how many different characters h w occurs."""

    def __init__(self, text):
        self.text, self._raw, self._continuation = _check_text("The training text", text), {}, {}

    def grams(self, length):
        """{g: how often g occurs in the text} for the character sequences g of the given length."""
        length = R.check_count("length", length, 1)
        return Counter(self.text[i:i + length] for i in range(len(self.text) - length + 1))

    def raw(self, k):
        """raw[h][w] for the contexts h of k characters."""
        k = R.check_count("k", k, 0)
        if k not in self._raw:
            self._raw[k] = _nest((g[:-1], g[-1], c) for g, c in self.grams(k + 1).items())
        return self._raw[k]

    def continuation(self, k):
        """continuation[h][w] for the contexts h of k characters."""
        k = R.check_count("k", k, 0)
        if k not in self._continuation:
            self._continuation[k] = _nest((g[1:-1], g[-1], 1) for g in self.grams(k + 2))
        return self._continuation[k]


def _nest(triples):
    """{h: {w: count}} from (h, w, count) triples, adding the counts of repeated (h, w)."""
    table = defaultdict(Counter)
    for h, w, c in triples:
        table[h][w] += c
    return dict(table)


class KneserNey:
    """A character n-gram model of order n (n - 1 characters of context) with interpolated
    Kneser-Ney smoothing (Chen and Goodman, 1998), one absolute discount D per context length:

        P(w | h) = max(c(h w) - D, 0) / c(h .) + D N1+(h .) / c(h .) * P(w | h')

    where h' is h without its first character and N1+(h .) the number of different characters seen
    after h. The highest order counts occurrences c; the lower ones count continuations (after how
    many different characters h w occurs); below the lowest is the uniform distribution over the
    vocabulary, so every character has a probability > 0. A context never seen falls back to the
    next lower order entirely.

    A character of the vocabulary that the training text never holds gets its probability only
    through that uniform floor: 1/K times the back-off weights D N1+(h .) / c(h .) of the orders whose
    context was seen, a tiny but finite p whose cost -ln p can be many nats. It is not hidden in the mean:
    unseen_characters(text) says how many held-out characters that is and what they cost.

    counts: NgramCounts of the training text (not empty); n: the order, an integer >= 1;
    vocabulary: the characters (a str, or a collection of them such as the corpus's char_to_ind),
    holding every character of the training text and of any text to be scored.
    """

    def __init__(self, counts, n, vocabulary):
        if not isinstance(counts, NgramCounts):
            raise ValueError(f"counts must be NgramCounts(training_text), got {type(counts).__name__}: count the "
                             "training text once and pass the counts to the models of every order.")
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"The order n must be an integer >= 1 (the model reads n - 1 characters of context), "
                             f"got {n!r}.")
        if not counts.text:
            raise ValueError("The training text is empty: a Kneser-Ney model needs characters to count; pass the "
                             "NgramCounts of a non-empty text.")
        try:
            chars = set(vocabulary)
        except TypeError:
            chars = None
        if chars is not None and not chars:
            raise ValueError("The vocabulary is empty: pass the characters of the whole corpus (corpus.char_to_ind).")
        if not chars or not all(isinstance(c, str) and len(c) == 1 for c in chars):
            raise ValueError("The vocabulary must be single characters, as a str or a collection such as the "
                             f"corpus's char_to_ind, got {type(vocabulary).__name__} {_sample(vocabulary)}.")
        self.n, self.vocabulary = int(n), sorted(chars)
        self.seen = set(counts.text)               # the characters of the training text
        if not self.seen <= chars:
            raise ValueError(f"The training text has characters outside the vocabulary "
                             f"({_listing(self.seen - chars)}): pass the vocabulary of the whole corpus "
                             "(corpus.char_to_ind).")
        self._in_vocabulary = frozenset(chars)
        self.levels = [counts.continuation(k) for k in range(n - 1)] + [counts.raw(n - 1)]
        self.totals = [{h: sum(ws.values()) for h, ws in level.items()} for level in self.levels]
        self.discounts = [_discount(level) for level in self.levels]

    def prob(self, w, context):
        """P(w | the last n - 1 characters of context)."""
        if not isinstance(w, str) or w not in self._in_vocabulary:
            raise ValueError(f"w must be a character of the model's vocabulary of {len(self.vocabulary)} "
                             f"characters, got {w!r}: build the model with the vocabulary of the whole corpus "
                             "(corpus.char_to_ind).")
        return self._prob(w, _check_text("context", context))

    def _prob(self, w, context):
        p = 1 / len(self.vocabulary)
        for k, (level, totals, D) in enumerate(zip(self.levels, self.totals, self.discounts)):
            h = context[len(context) - k:] if k else ""
            ws = level.get(h) if len(h) == k else None
            if not ws:
                break                          # an unseen (or too short) context: the lower orders' p
            p = max(ws.get(w, 0) - D, 0) / totals[h] + D * len(ws) / totals[h] * p
        return p

    def distribution(self, context):
        """P(w | context) for every w of the vocabulary, in sorted order: (K,), sums to 1."""
        _check_text("context", context)
        return np.array([self._prob(w, context) for w in self.vocabulary])

    def nats_per_character(self, text, context=""):
        """The mean -ln P of the characters of text, each given the characters before it (the
        first ones given the end of context, e.g. the training text)."""
        full, start = self._scored(text, context)
        return -sum(math.log(self._prob(full[i], full[max(0, i - self.n + 1):i]))
                    for i in range(start, len(full))) / len(text)

    def unseen_characters(self, text, context=""):
        """(how many characters of text the training text never holds, their total -ln P in nats):
        what the uniform floor charges for them, a part of nats_per_character(text, context) * len(text)."""
        full, start = self._scored(text, context)
        costs = [-math.log(self._prob(full[i], full[max(0, i - self.n + 1):i]))
                 for i in range(start, len(full)) if full[i] not in self.seen]
        return len(costs), float(sum(costs))

    def _scored(self, text, context):
        """(context's last n - 1 characters + text, where text starts in it), after checking both."""
        _check_text("text", text, "there is nothing to score; pass at least one held-out character.")
        _check_text("context", context)
        if not set(text) <= self._in_vocabulary:
            raise ValueError(f"The text has characters outside the model's vocabulary "
                             f"({_listing(set(text) - self._in_vocabulary)}): build the model with the vocabulary "
                             "of the whole corpus (corpus.char_to_ind).")
        full = context[len(context) - (self.n - 1):] + text if self.n > 1 else text
        return full, len(full) - len(text)


def _discount(level):
    """D = n1 / (n1 + 2 n2), from the numbers of (context, character) pairs counted once and twice."""
    values = Counter(c for ws in level.values() for c in ws.values())
    return values[1] / (values[1] + 2 * values[2]) if values[1] else 0.5


MIN_COMPRESSED = 100      # held-out characters: one byte of compressed output is then <= 0.08 bits each


def compressed_bits_per_character(train, held_out):
    """For gzip, bz2 and lzma at their strongest settings, what the held-out text costs after the
    training text: (C(train + held_out) - C(train)) bytes, in bits per held-out character."""
    _check_text("train", train, "the compressors measure what the held-out text costs after it; pass the "
                                "training part of the corpus.")
    _check_text("held_out", held_out, "there is nothing to measure; pass at least one held-out character.")
    if len(held_out) < MIN_COMPRESSED:
        raise ValueError(f"held_out has {len(held_out)} characters: a compressor's output grows in whole bytes, "
                         f"8 / {len(held_out)} bits per character at a time, so below {MIN_COMPRESSED} characters "
                         "its cost measures nothing. Hold out more of the corpus.")
    compressors = {"gzip": lambda b: gzip.compress(b, compresslevel=9, mtime=0),
                   "bz2": lambda b: bz2.compress(b, compresslevel=9),
                   "lzma": lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME)}
    before, after = train.encode("utf-8"), (train + held_out).encode("utf-8")
    return {name: 8 * (len(c(after)) - len(c(before))) / len(held_out) for name, c in compressors.items()}


def _listing(chars, most=5):
    """A few characters, sorted and quoted: 'z', '€' (and 3 more)."""
    chars = sorted(chars)
    more = f" and {len(chars) - most} more" if len(chars) > most else ""
    return ", ".join(map(repr, chars[:most])) + more


def _sample(values):
    """The first few values of a collection, for a message."""
    try:
        return repr(list(values)[:5])
    except TypeError:
        return repr(values)
