"""Every public function of report.analysis, report.baselines and report.textstats refuses bad input at
the door, with a sentence that names the problem (ValueError), instead of an exception from deep inside
or a silent wrong number; and Kneser-Ney reports what characters unseen in training cost."""
import math
import re

import numpy as np
import pytest

import rnn_helpers as R
from report import analysis as A
from report.baselines import KneserNey, NgramCounts, compressed_bits_per_character
from report.textstats import (copy_audit, longest_common_substring, shared_features, surface, surface_table,
                              text_features, counted_words, word_chance, word_measure_applies, word_stats, words)

K, M, T = 7, 5, 12
RNN = R.init_rnn(K, M, sig=0.3, rng=np.random.default_rng(0))
X = np.random.default_rng(1).integers(0, K, T)
Y = np.roll(X, -1)
H0 = np.zeros(M)
TEXT = "the cat sat on the mat. " * 4
COUNTS = NgramCounts(TEXT)
MODEL = KneserNey(COUNTS, 3, sorted(set(TEXT)))
STATES = np.random.default_rng(2).standard_normal((len(TEXT), M))
FEATURES = text_features(TEXT)
ORDER = "The order n must be an integer >= 1 (the model reads n - 1 characters of context), got "


def refusal(call, message):
    return pytest.param(call, message, id=message[:48])


CASES = [
    # analysis.surprisal: another vocabulary, lengths, dtypes, h0
    refusal(lambda: A.surprisal(RNN, np.append(X, K), np.append(Y, 0), H0, K),
            f"x holds index {K}, outside the model's vocabulary of K = {K} characters"),
    refusal(lambda: A.surprisal(RNN, X, np.append(Y[:-1], -1), H0, K),
            f"y holds index -1, outside the model's vocabulary of K = {K} characters"),
    refusal(lambda: A.surprisal(RNN, X, Y, H0, K=K + 1),
            f"The model has a vocabulary of {K} characters, the corpus {K + 1}: it was trained on another text"),
    refusal(lambda: A.surprisal(RNN, X, Y[:-1], H0, K), "x and y must have the same length"),
    refusal(lambda: A.surprisal(RNN, X.astype(float), Y, H0, K), "x must hold integer character indices"),
    refusal(lambda: A.surprisal(RNN, X, Y.astype(bool), H0, K), "y must hold integer character indices"),
    refusal(lambda: A.surprisal(RNN, X[:0], Y[:0], H0, K), "x must be a non-empty sequence of character indices"),
    refusal(lambda: A.surprisal(RNN, X.reshape(3, 4), Y.reshape(3, 4), H0, K),
            "x must be a non-empty sequence of character indices, shape (T,)"),
    refusal(lambda: A.surprisal(RNN, X, Y, np.zeros(M + 1), K),
            f"h0 must be a hidden state of the model (m,): real numbers of shape ({M},), "
            f"got float64 of shape ({M + 1},)"),
    refusal(lambda: A.surprisal(RNN, X, Y, np.zeros((2, M)), K), "h0 must be a hidden state of the model"),
    refusal(lambda: A.surprisal(RNN, X, Y, np.full(M, "a"), K), "h0 must be a hidden state of the model"),
    refusal(lambda: A.surprisal(RNN, X, Y, np.full(M, np.nan), K), "h0 holds inf or nan: pass finite numbers"),
    refusal(lambda: A.surprisal({"W": RNN["W"]}, X, Y, H0, K), "A model is a dict of the NumPy arrays"),
    # by_character, by_position_in_word: bits of another length than the text
    refusal(lambda: A.by_character(TEXT, np.ones(len(TEXT) - 1)),
            f"bits must be one surprisal per character of text ({len(TEXT)} numbers), "
            f"got float64 of shape ({len(TEXT) - 1},)"),
    refusal(lambda: A.by_character(TEXT, np.ones((len(TEXT), 1))), "bits must be one surprisal per character"),
    refusal(lambda: A.by_character(TEXT, np.array(list(TEXT))), "bits must be one surprisal per character"),
    refusal(lambda: A.by_character(list(TEXT), np.ones(len(TEXT))), "text must be a str, got list"),
    refusal(lambda: A.by_character(TEXT, np.ones(len(TEXT)), minimum=2.5), "minimum must be an integer >= 1"),
    refusal(lambda: A.by_position_in_word(TEXT, np.ones(len(TEXT) + 1)), "bits must be one surprisal per character"),
    refusal(lambda: A.by_position_in_word(TEXT, np.ones(len(TEXT)), longest=0), "longest must be an integer >= 1"),
    # best_units: activations and features of different lengths, wrong shapes
    refusal(lambda: A.best_units(STATES[1:], FEATURES),
            "The feature 'inside quotation marks' must be one value per row of activations"),
    refusal(lambda: A.best_units(STATES, {"f": np.ones((len(TEXT), 2))}),
            "The feature 'f' must be one value per row of activations: real numbers of shape"),
    refusal(lambda: A.best_units(STATES, {"f": np.array(list(TEXT))}), "The feature 'f' must be one value per row"),
    refusal(lambda: A.best_units(STATES, {"f": np.full(len(TEXT), np.nan)}), "The feature 'f' holds inf or nan"),
    refusal(lambda: A.best_units(STATES[:, 0], FEATURES), "activations must be hidden states of shape (N, m)"),
    refusal(lambda: A.best_units(STATES[:0], {}), "activations must be hidden states of shape (N, m)"),
    refusal(lambda: A.best_units(np.full_like(STATES, np.inf), FEATURES), "activations holds inf or nan"),
    refusal(lambda: A.best_units(STATES, list(FEATURES.values())), "features must be a dict {name: (N,) array}"),
    refusal(lambda: A.best_units(STATES, FEATURES, absent=0.7),
            "absent must be a share of the positions between 0 and 0.5"),
    # largest_gradient_entries
    refusal(lambda: A.largest_gradient_entries(RNN, X, T, "sum", n=2),
            f"data has {T} characters, fewer than seq_length + 1"),
    refusal(lambda: A.largest_gradient_entries(RNN, X + K, 3, "sum", n=2), "data holds index"),
    refusal(lambda: A.largest_gradient_entries(RNN, X, 3, "total", n=2), "loss must be one of"),
    refusal(lambda: A.largest_gradient_entries(RNN, X, 3.0, "sum", n=2), "seq_length must be an integer >= 1"),
    refusal(lambda: A.largest_gradient_entries(RNN, X, 3, "sum", n=0), "n must be an integer >= 1"),
    # baselines: NgramCounts, KneserNey
    refusal(lambda: NgramCounts(list(TEXT)), "The training text must be a str, got list"),
    refusal(lambda: NgramCounts(X), "The training text must be a str, got ndarray"),
    refusal(lambda: COUNTS.grams(0), "length must be an integer >= 1"),
    refusal(lambda: COUNTS.raw(-1), "k must be an integer >= 0"),
    refusal(lambda: KneserNey(COUNTS, 2.5, TEXT), ORDER + "2.5"),
    refusal(lambda: KneserNey(COUNTS, "3", TEXT), ORDER + "'3'"),
    refusal(lambda: KneserNey(COUNTS, 0, TEXT), ORDER + "0"),
    refusal(lambda: KneserNey(COUNTS, True, TEXT), ORDER + "True"),
    refusal(lambda: KneserNey(NgramCounts(""), 3, "abc"),
            "The training text is empty: a Kneser-Ney model needs characters to count"),
    refusal(lambda: KneserNey(TEXT, 3, TEXT), "counts must be NgramCounts(training_text), got str"),
    refusal(lambda: KneserNey(COUNTS, 3, "the ca"),
            "The training text has characters outside the vocabulary ('.', 'm', 'n', 'o', 's')"),
    refusal(lambda: KneserNey(COUNTS, 3, ["th", "e"]), "The vocabulary must be single characters"),
    refusal(lambda: KneserNey(COUNTS, 3, 42), "The vocabulary must be single characters"),
    refusal(lambda: KneserNey(COUNTS, 3, ""), "The vocabulary is empty"),
    refusal(lambda: MODEL.nats_per_character("", TEXT), "text is empty: there is nothing to score"),
    refusal(lambda: MODEL.nats_per_character("the dog", TEXT),
            "The text has characters outside the model's vocabulary ('d', 'g')"),
    refusal(lambda: MODEL.nats_per_character(["t", "h"], TEXT), "text must be a str, got list"),
    refusal(lambda: MODEL.nats_per_character("the", 3), "context must be a str, got int"),
    refusal(lambda: MODEL.unseen_characters("", TEXT), "text is empty: there is nothing to score"),
    refusal(lambda: MODEL.prob("z", "th"), "w must be a character of the model's vocabulary of 11 characters, got 'z'"),
    refusal(lambda: MODEL.prob("t", None), "context must be a str, got NoneType"),
    refusal(lambda: MODEL.distribution(["t"]), "context must be a str, got list"),
    refusal(lambda: compressed_bits_per_character("", TEXT), "train is empty: the compressors measure"),
    refusal(lambda: compressed_bits_per_character(TEXT, ""), "held_out is empty: there is nothing to measure"),
    refusal(lambda: compressed_bits_per_character(TEXT, "a"), "held_out has 1 characters: a compressor's output grows"),
    refusal(lambda: compressed_bits_per_character(TEXT.encode(), TEXT), "train must be a str, got bytes"),
    # textstats
    refusal(lambda: copy_audit("", TEXT, set(words(TEXT))), "passage is empty: there is nothing to audit"),
    refusal(lambda: copy_audit("the cat", "", set(words(TEXT))), "text is empty: there is nothing to compare with"),
    refusal(lambda: copy_audit(X, TEXT, set(words(TEXT))), "passage must be a str, got ndarray"),
    refusal(lambda: copy_audit("the cat", TEXT, "the cat sat"), "vocabulary must be a set of words"),
    refusal(lambda: copy_audit("the cat", TEXT, set(words(TEXT)), n=0), "n must be an integer >= 1"),
    refusal(lambda: longest_common_substring("", TEXT), "passage is empty: there is nothing to look for"),
    refusal(lambda: longest_common_substring("cat", ""), "text is empty: there is nothing to compare with"),
    refusal(lambda: longest_common_substring(None, TEXT), "passage must be a str, got NoneType"),
    refusal(lambda: longest_common_substring("cat", ["the cat"]), "text must be a str, got list"),
    refusal(lambda: words(b"the cat"), "text must be a str, got bytes"),
    refusal(lambda: word_stats("the cat", "the cat sat"), "vocabulary must be a set of words"),
    refusal(lambda: counted_words(None), "text must be a str, got NoneType"),
    refusal(lambda: word_chance(b"the cat"), "corpus_text must be a str, got bytes"),
    refusal(lambda: word_chance("a"), "corpus_text has 1 characters: a part to learn the words from"),
    refusal(lambda: word_chance(TEXT, held_out=1.5), "held_out is the share of the corpus held out, between 0 and 1"),
    refusal(lambda: word_measure_applies(["the cat"]), "corpus_text must be a str, got list"),
    refusal(lambda: surface(None), "text must be a str, got NoneType"),
    refusal(lambda: shared_features("the cat", TEXT, low=2, high=1), "low and high bound the sample's rate"),
    refusal(lambda: shared_features(["the cat"], TEXT), "sample must be a str, got list"),
    refusal(lambda: surface_table("the cat", TEXT), "texts must be a list of texts (e.g. [passage]), got str"),
    refusal(lambda: surface_table([b"the cat"], TEXT), "Each of texts must be a str, got bytes"),
    refusal(lambda: surface_table(3, TEXT), "texts must be a list of texts (e.g. [passage]), got int"),
    refusal(lambda: text_features(X), "text must be a str, got ndarray"),
]


@pytest.mark.parametrize("call, message", CASES)
def test_bad_input_is_refused_at_the_door_with_a_sentence(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_valid_edge_cases_still_work():
    assert text_features("")["inside a word"].shape == (0,)           # an empty text has no features
    assert A.by_character("", np.ones(0)) == {} and word_stats("", set()) == (0.0, 0.0)
    assert word_stats("I a x", {"I", "a"}) == (0.0, 0.0) and counted_words("我们") == []   # one-letter words only
    assert set(word_chance("ab")) == {"held-out", "chance", "covered"}                   # the shortest corpus
    bits, P, H = A.surprisal(RNN, list(X), list(Y), list(H0), K)         # lists are arrays of indices too
    assert bits.shape == (T,) and P.shape == (T, K) and H.shape == (T + 1, M)
    assert KneserNey(COUNTS, np.int64(2), {c: i for i, c in enumerate(sorted(set(TEXT)))}).n == 2


def test_kneser_ney_reports_the_cost_of_characters_unseen_in_training():
    train, held = "abababab abab", "abzab zz"                 # z is in the vocabulary, never in training
    model = KneserNey(NgramCounts(train), 3, set(train) | {"z"})
    count, nats = model.unseen_characters(held, train)
    full = train[-2:] + held
    z_costs = [-math.log(model.prob("z", full[i - 2:i])) for i in range(2, len(full)) if full[i] == "z"]
    assert count == 3 and nats == pytest.approx(sum(z_costs))
    assert all(c > math.log(4) for c in z_costs)             # each dearer than a uniform guess over a, b, " ", z
    # After " z" (a context never seen) only the lowest order speaks: continuations a 2 (after b and " "),
    # b 1, " " 1: 4 in all, N1+ = 3 and D = n1 / (n1 + 2 n2) = 2 / (2 + 2) = 0.5, so p(z) = 0.5 * 3/4 * 1/4.
    assert model.discounts[0] == 0.5 and z_costs[-1] == pytest.approx(-math.log(0.5 * 3 / 4 / 4))
    assert 0 < nats < model.nats_per_character(held, train) * len(held)          # a part of the total
    assert model.unseen_characters("abab", train) == (0, 0.0)
