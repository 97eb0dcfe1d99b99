"""Section 6's measurements that take more than a line of a notebook (notebooks 10 and 11): the
passages of sections 4 and 5.5 generated again, what the model expected at a character, and the
gradient through time averaged over many held-out sequences, with how far it reaches."""
import numpy as np

import rnn_helpers as R
from report import render, runs


def passage_again(notebook, rnn, h0, x0, ind_to_char):
    """The passage that notebooks/<notebook> writes from (rnn, h0, x0), generated again with the
    LENGTH and SEED of that notebook's `parameters` cell."""
    p = runs.notebook_parameters(notebook)
    return R.decode(R.synthesize(rnn, h0, x0, p["LENGTH"], np.random.default_rng(p["SEED"])), ind_to_char)


def likeliest(p, ind_to_char, n=5):
    """The n likeliest characters of a distribution p (K,) and their probabilities, as text:
    "e 0.31, a 0.12, ␣ 0.09, ..." (a space shown as ␣, control characters by their pictures)."""
    top = np.argsort(p)[::-1][:n]
    return ", ".join(f"{render.with_symbols(ind_to_char[k]).replace(' ', '␣')} {p[k]:.2f}" for k in top)


def probe_starts(data, warm_up, length, n, seed=0):
    """n random positions e in data (N,) with warm_up characters before them and length + 1 from them on."""
    return np.random.default_rng(seed).integers(warm_up, len(data) - length - 1, n)


def gradient_through_time(rnn, h_start, data, starts, warm_up, length):
    """The geometric mean over the probes of ||dL_T/dh_{T-k}||, k = 0 .. length - 1
    (R.gradient_through_time), (length,). A probe is the `length` characters of data from a start e,
    read from the hidden state after the warm_up characters before e, which are read from h_start (m,).
    In float64, as float32 would round the tiny norms to 0; a norm of 0 (a saturated unit, h = ±1,
    passes nothing back) counts as the smallest float."""
    rnn = {k: v.astype(np.float64) for k, v in rnn.items()}
    logs = []
    for e in starts:
        h0 = R.hidden_states(rnn, data[e - warm_up:e], np.asarray(h_start, np.float64))[-1]
        norms = R.gradient_through_time(rnn, data[e:e + length], data[e + 1:e + length + 1], h0)
        logs.append(np.log(np.maximum(norms, np.finfo(float).tiny)))
    return np.exp(np.mean(logs, axis=0))


def reach(curve, share=0.01):
    """The first k at which curve (k = 0, 1, ...) has fallen below `share` of curve[0], or None."""
    below = np.nonzero(curve / curve[0] < share)[0]
    return int(below[0]) if len(below) else None


def spectral_radius(W):
    """rho(W): the largest absolute eigenvalue of the square matrix W."""
    return float(np.abs(np.linalg.eigvals(np.asarray(W, np.float64))).max())
