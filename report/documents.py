"""A corpus of many short documents (notebook 12): documents generated until the model ends them, and
the model's loss on held-out documents read with the hidden state carried over from the document
before or reset at each document's start. Documents are encoded as in the corpus: each one's
characters, then the end-of-document character (index eod, textfile.EOD)."""
import math

import numpy as np

import rnn_helpers as R
from checks import check_count, check_rnn

LIMITS = (140, 280)          # a tweet's limit until November 2017, and after
STARTS = ("carried over", "reset")


def max_length(lengths, share=0.95):
    """The longest a generated document may be: 140 or 280 if that holds `share` of the corpus's
    document lengths (tweets, fortunes, quotes), else their `share` quantile rounded up to 100."""
    if not len(lengths):
        raise ValueError("max_length needs the lengths of the corpus's documents; got none.")
    fits = [limit for limit in LIMITS if np.mean(np.asarray(lengths) <= limit) >= share]
    return fits[0] if fits else int(math.ceil(np.quantile(lengths, share) / 100) * 100)


def split_documents(data, eod):
    """The documents of encoded text data (N,), each an array ending with eod; text after the last
    eod (no whole document) is left out."""
    data = np.asarray(data)
    ends = np.flatnonzero(data == eod)
    starts = np.concatenate([[0], ends[:-1] + 1])
    return [data[s:e + 1] for s, e in zip(starts, ends)]


def _start(rnn):
    return np.zeros(rnn["W"].shape[0], rnn["W"].dtype)


def _check_start(start):
    if start not in STARTS:
        raise ValueError(f"start must be one of {', '.join(map(repr, STARTS))}, got {start!r}.")


def held_out_loss(rnn, documents, eod, start):
    """The loss on documents (split_documents' arrays) in nats per character, every character of each
    and its end-of-document character scored, each read after the input eod (the end of the one
    before), its hidden state `start`: "carried over" from where the document before left it (the
    first from h = 0), or "reset" to h = 0. A dict: loss (per character), end (the mean loss on the
    end-of-document characters alone), characters (scored)."""
    check_rnn(rnn)
    _check_start(start)
    if not documents:
        raise ValueError("held_out_loss needs at least one document.")
    h, total, end, n = _start(rnn), 0.0, 0.0, 0
    for doc in documents:
        x = np.concatenate([[eod], doc[:-1]])
        loss, cache = R.forward(rnn, x, doc, h if start == "carried over" else _start(rnn))
        total, n = total + float(loss), n + len(doc)
        end -= math.log(float(cache.P[-1, eod]))
        h = cache.H[-1].copy()
    return dict(loss=total / n, end=end / len(documents), characters=n)


def generate(rnn, eod, count, limit, rng, start="reset", temperature=1.0):
    """count documents that the model writes, each begun after the input eod and sampled with
    R.synthesize until it writes eod or reaches `limit` characters; start: each from h = 0 ("reset")
    or from the state the one before left ("carried over"). A list of (indices (n,) without the
    eod, whether it ended on its own)."""
    limit = check_count("limit", limit, 1)
    _check_start(start)
    h, documents = _start(rnn), []
    for _ in range(check_count("count", count, 1)):
        h0 = h if start == "carried over" else _start(rnn)
        sample = R.synthesize(rnn, h0, eod, limit + 1, rng, temperature, stop=eod)
        ended = bool(sample[-1] == eod)
        documents.append((sample[:-1] if ended else sample[:limit], ended))
        if start == "carried over":              # the state that wrote the last character
            h = R.hidden_states(rnn, np.concatenate([[eod], sample[:-1]]), h0)[-1]
    return documents
