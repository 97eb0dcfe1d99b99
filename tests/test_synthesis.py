"""Synthesis: the course's sampling rule, temperature and nucleus."""
import numpy as np
import pytest

import rnn_helpers as R

pytestmark = pytest.mark.quick                   # `make check`


def constant_model(p):
    """A model whose every p_t is p: with U = W = V = 0, h_t = 0 and p_t = softmax(c)."""
    rnn = R.init_rnn(len(p), 4, sig=0.0)
    rnn["c"] = np.log(np.asarray(p, dtype=float))
    return rnn


def test_tiny_temperature_samples_the_most_likely_character():
    K, m = 15, 8
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(0))
    out = R.synthesize(rnn, np.zeros(m), 3, 40, np.random.default_rng(1), temperature=1e-4)
    h, x = np.zeros(m), 3                                  # greedy decoding, step by step
    for sampled in out:
        h = np.tanh(rnn["W"] @ h + rnn["U"][:, x] + rnn["b"])
        x = int(np.argmax(rnn["V"] @ h + rnn["c"]))
        assert sampled == x


def test_nucleus_keeps_the_smallest_most_likely_set():
    p = np.array([0.125, 0.5, 0.25, 0.125])
    np.testing.assert_array_equal(R.nucleus(p, 0.5), [0, 1, 0, 0])
    np.testing.assert_allclose(R.nucleus(p, 0.75), [0, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(R.nucleus(p, 0.8), [0.125 / 0.875, 0.5 / 0.875, 0.25 / 0.875, 0])
    np.testing.assert_allclose(R.nucleus(p, 1.0), p)


def test_top_p_samples_only_from_the_nucleus():
    out = R.synthesize(constant_model([0.125, 0.5, 0.25, 0.125]), np.zeros(4), 0, 3000,
                       np.random.default_rng(0), top_p=0.75)
    counts = np.bincount(out, minlength=4)
    assert counts[0] == counts[3] == 0
    assert counts[1] / counts.sum() == pytest.approx(2 / 3, abs=0.03)


def test_sample_frequencies_match_p():
    p = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.03, 0.01])
    n = 20_000
    counts = np.bincount(R.synthesize(constant_model(p), np.zeros(4), 0, n, np.random.default_rng(7)),
                         minlength=len(p))
    chi2 = ((counts - n * p) ** 2 / (n * p)).sum()
    assert chi2 < 22.46                    # the 0.999 quantile of chi-square with 6 degrees of freedom


def test_synthesis_is_reproducible_with_a_seed():
    rnn = R.init_rnn(20, 10, sig=0.3, rng=np.random.default_rng(0))
    a = R.synthesize(rnn, np.zeros(10), 0, 50, np.random.default_rng(5))
    b = R.synthesize(rnn, np.zeros(10), 0, 50, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
