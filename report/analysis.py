"""What a trained network does with a text: its surprisal at each character (by character and by
position in a word), the hidden units that track features of the text (report.textstats), and the
size of its gradients through time."""
import numpy as np

import rnn_helpers as R
from report.textstats import PATTERNS


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
    for word in PATTERNS["letters"].finditer(text):
        positions[word.start():word.end()] = np.minimum(np.arange(1, len(word.group()) + 1), longest)
    return {k: (int((positions == k).sum()), float(bits[positions == k].mean()))
            for k in range(1, longest + 1) if (positions == k).any()}


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


def largest_gradient_entries(rnn, data, seq_length, loss, n=200):
    """The largest |entry| of the gradient (unclipped) on each of n sequences (x, y) of seq_length
    characters spread evenly over data (N,), each read from h = 0: (n,). Clipping to [-c, c] changes
    the gradients whose value here exceeds c."""
    h0 = np.zeros(rnn["W"].shape[0], rnn["W"].dtype)
    starts = np.linspace(0, len(data) - seq_length - 1, n).astype(int)
    return np.array([max(np.abs(g).max() for g in R.compute_grads(rnn, data[e:e + seq_length],
                                                                  data[e + 1:e + seq_length + 1], h0, loss).values())
                     for e in starts])
