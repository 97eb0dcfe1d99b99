"""Yardsticks for the network's loss on held-out text: character n-gram models with interpolated
Kneser-Ney smoothing, and the standard library's compressors."""
import bz2
import gzip
import lzma
import math
from collections import Counter, defaultdict

import numpy as np


class NgramCounts:
    """The counts a Kneser-Ney model needs, for every context length k, computed once for a text
    and shared by the models of every order: raw[k][h][w], how often the k characters h are
    followed by w; continuation[k][h][w], after how many different characters h w occurs."""

    def __init__(self, text):
        self.text, self._raw, self._continuation = text, {}, {}

    def grams(self, length):
        return Counter(self.text[i:i + length] for i in range(len(self.text) - length + 1))

    def raw(self, k):
        if k not in self._raw:
            self._raw[k] = nest((g[:-1], g[-1], c) for g, c in self.grams(k + 1).items())
        return self._raw[k]

    def continuation(self, k):
        if k not in self._continuation:
            self._continuation[k] = nest((g[1:-1], g[-1], 1) for g in self.grams(k + 2))
        return self._continuation[k]


def nest(triples):
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
    """

    def __init__(self, counts, n, vocabulary):
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}.")
        self.n, self.vocabulary = n, sorted(set(vocabulary))
        if not set(counts.text) <= set(self.vocabulary):
            raise ValueError("The training text has characters outside the vocabulary.")
        self.levels = [counts.continuation(k) for k in range(n - 1)] + [counts.raw(n - 1)]
        self.totals = [{h: sum(ws.values()) for h, ws in level.items()} for level in self.levels]
        self.discounts = [discount(level) for level in self.levels]

    def prob(self, w, context):
        """P(w | the last n - 1 characters of context)."""
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
        return np.array([self.prob(w, context) for w in self.vocabulary])

    def nats_per_character(self, text, context=""):
        """The mean -ln P of the characters of text, each given the characters before it (the
        first ones given the end of context, e.g. the training text)."""
        full = context[len(context) - (self.n - 1):] + text if self.n > 1 else text
        start = len(full) - len(text)
        return -sum(math.log(self.prob(full[i], full[max(0, i - self.n + 1):i]))
                    for i in range(start, len(full))) / len(text)


def discount(level):
    """D = n1 / (n1 + 2 n2), from the numbers of (context, character) pairs counted once and twice."""
    values = Counter(c for ws in level.values() for c in ws.values())
    return values[1] / (values[1] + 2 * values[2]) if values[1] else 0.5


def compressed_bits_per_character(train, held_out):
    """For gzip, bz2 and lzma at their strongest settings, what the held-out text costs after the
    training text: (C(train + held_out) - C(train)) bytes, in bits per held-out character."""
    compressors = {"gzip": lambda b: gzip.compress(b, compresslevel=9, mtime=0),
                   "bz2": lambda b: bz2.compress(b, compresslevel=9),
                   "lzma": lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME)}
    before, after = train.encode("utf-8"), (train + held_out).encode("utf-8")
    return {name: 8 * (len(c(after)) - len(c(before))) / len(held_out) for name, c in compressors.items()}
