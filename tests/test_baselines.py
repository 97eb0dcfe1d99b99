"""The yardsticks of section 6 (Kneser-Ney n-grams, compressors) and its copy audit (report.textstats)."""
import math
import random

import numpy as np
import pytest

from report.baselines import KneserNey, NgramCounts, compressed_bits_per_character
from report.textstats import copy_audit, longest_common_substring


def test_kneser_ney_bigram_by_hand():
    # "abracadabra": continuation counts a 3 (ra, ca, da), b, c, d, r 1 each, 7 in all; D = 4/(4 + 0) = 1
    # at the unigram level. Bigram counts a→b 2, a→c 1, a→d 1, b→r 2, r→a 2, c→a 1, d→a 1: four pairs
    # counted once, three twice, so D = 4 / (4 + 2·3) = 0.4.
    model = KneserNey(NgramCounts("abracadabra"), 2, "abcdr")
    assert model.discounts == pytest.approx([1.0, 0.4])
    unigram_a = (3 - 1) / 7 + 1 * 5 / 7 * (1 / 5)
    unigram_b = (1 - 1) / 7 + 1 * 5 / 7 * (1 / 5)
    assert model.prob("a", "") == pytest.approx(unigram_a)
    assert model.prob("b", "a") == pytest.approx((2 - 0.4) / 4 + 0.4 * 3 / 4 * unigram_b)
    assert model.prob("r", "a") == pytest.approx(0 + 0.4 * 3 / 4 * unigram_b)       # never seen after a
    assert model.prob("b", "z") == pytest.approx(unigram_b)                          # unseen context: backs off
    assert model.nats_per_character("ab", "r") == pytest.approx(-(math.log(model.prob("a", "r"))
                                                                   + math.log(model.prob("b", "a"))) / 2)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_kneser_ney_probabilities_sum_to_one_over_the_vocabulary(n):
    rng = random.Random(n)
    text = "".join(rng.choice("ab c\n") for _ in range(3000)) + "the cat sat on the mat. " * 20
    vocabulary = sorted(set(text) | {"z"})                    # z never occurs: still p > 0
    model = KneserNey(NgramCounts(text), n, vocabulary)
    for context in ["", "the ca", "zzzzzzz", text[-20:], "a\n"]:
        p = model.distribution(context)
        assert p.sum() == pytest.approx(1, abs=1e-12) and (p > 0).all()


def test_a_higher_order_predicts_a_repetitive_text_better():
    text = "the cat sat on the mat. " * 50
    counts = NgramCounts(text)
    losses = [KneserNey(counts, n, set(text)).nats_per_character("the cat sat", text) for n in (1, 3, 6)]
    assert losses[0] > losses[1] > losses[2]


def test_compressors_charge_almost_nothing_for_text_they_have_seen():
    sentence = "The quick brown fox jumps over the lazy dog. "
    bits = compressed_bits_per_character(sentence * 2000, sentence * 200)
    # (bz2 may even come out a few bytes shorter: its blocks fall differently)
    assert set(bits) == {"gzip", "bz2", "lzma"} and all(abs(b) < 0.1 for b in bits.values()), bits
    rng = random.Random(0)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(20000))
    assert all(b > 4.0 for b in compressed_bits_per_character(noise, noise[::-1]).values())   # log2 26 = 4.7


def test_copy_audit_on_a_crafted_passage():
    text = "Harry looked at the castle. Ron laughed loudly at him."
    passage = "Ron laughed at the castle quietly"
    assert longest_common_substring(passage, text) == "ed at the castle"
    audit = copy_audit(passage, text, {"Harry", "looked", "at", "the", "castle", "Ron", "laughed", "loudly", "him"}, n=8)
    assert audit["longest"] == "ed at the castle"
    assert audit["words"] == pytest.approx(5 / 6)                      # all but "quietly"
    grams = [passage[i:i + 8] for i in range(len(passage) - 7)]
    assert audit["ngrams"] == pytest.approx(np.mean([g in text for g in grams]))
    assert 0 < audit["ngrams"] < 1
