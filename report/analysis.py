"""What a trained network does with a text: its surprisal at each character (by character and by
position in a word), the hidden units that track features of the text (report.textstats), and the
size of its gradients through time."""
import numbers
from collections.abc import Mapping

import numpy as np

import rnn_helpers as R
from report.textstats import PATTERNS, _check_text


def surprisal(rnn, x, y, h0, K):
    """(bits (T,), P (T, K), H (T + 1, m)): -log2 p_t(y_t) of each target character, the model's
    distributions p_t, and its hidden states, reading x (T,) from h0 (m,). K: the corpus's vocabulary
    size; a model of another vocabulary is refused (its indices mean other characters)."""
    K_model, m = R.check_rnn(rnn)
    if K != K_model:
        raise ValueError(f"The model has a vocabulary of {K_model} characters, the corpus {K}: it was trained on "
                         "another text; load the model trained on this corpus (runs.load_best_model checks this).")
    K = K_model
    x, y = _indices("x", x, K), _indices("y", y, K)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length (y is x moved on by one character), "
                         f"got {len(x)} and {len(y)}.")
    h0 = _real("h0", h0, (m,), "a hidden state of the model (m,)")
    _, cache = R.forward(rnn, x, y, h0)
    P = cache.P.astype(np.float64)
    return -np.log2(P[np.arange(len(y)), y]), P, cache.H


def by_character(text, bits, minimum=20):
    """{character: (count, mean surprisal in bits)} over the characters of text (each scored by its
    bits), for the characters that occur at least `minimum` times."""
    bits = _per_character(bits, _check_text("text", text))
    minimum = R.check_count("minimum", minimum, 1)
    chars = np.array(list(text))
    return {c: (int((chars == c).sum()), float(bits[chars == c].mean()))
            for c in sorted(set(text)) if (chars == c).sum() >= minimum}


def by_position_in_word(text, bits, longest=8):
    """{position: (count, mean bits)} for the letters of text by their position in their word (a word
    of textstats.words; 1 = the first letter, the apostrophe of don't and accents not counted, each CJK
    ideograph a word of one letter; `longest` stands for that position and later)."""
    bits = _per_character(bits, _check_text("text", text))
    longest = R.check_count("longest", longest, 1)
    positions = np.zeros(len(text), int)
    for word in PATTERNS["word"].finditer(text):
        letters = [word.start() + m.start() for m in PATTERNS["letter"].finditer(word.group())]
        positions[letters] = np.minimum(np.arange(1, len(letters) + 1), longest)
    return {k: (int((positions == k).sum()), float(bits[positions == k].mean()))
            for k in range(1, longest + 1) if (positions == k).any()}


def best_units(activations, features, absent=0.002):
    """For each feature, the hidden unit whose activation correlates most with it:
    {name: (unit, Pearson r)}, or None for a feature that (nearly) never varies in the text (a
    binary feature true, or false, at fewer than `absent` of the positions).

    activations: (N, m) hidden states, one row per character; features: {name: (N,) array}.
    """
    activations = np.asarray(activations)
    if activations.ndim != 2 or 0 in activations.shape:
        raise ValueError(f"activations must be hidden states of shape (N, m), one row per character, "
                         f"got shape {activations.shape} (surprisal's H[1:] has that shape).")
    activations = _real("activations", activations, activations.shape, "hidden states")
    if not isinstance(features, Mapping):
        raise ValueError(f"features must be a dict {{name: (N,) array}} (textstats.text_features(text)), "
                         f"got {type(features).__name__}.")
    for name, f in features.items():
        _real(f"The feature {name!r}", f, (len(activations),), "one value per row of activations",
              "; compute the features on the characters the states have read, e.g. "
              "text_features(held_text[:-1]) for H[1:] of x = held_data[:-1]")
    if isinstance(absent, (bool, np.bool_)) or not isinstance(absent, numbers.Real) or not 0 <= absent <= 0.5:
        raise ValueError(f"absent must be a share of the positions between 0 and 0.5, got {absent!r}.")
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


def largest_gradient_entries(rnn, data, seq_length, loss, n=200, h0=None):
    """The largest |entry| of the gradient (unclipped) on each of n sequences (x, y) of seq_length
    characters spread evenly over data (N,), each read from h0 (m,; default 0; give a trained model a
    state it has been in, see rnn_trainer.evaluate): (n,). Clipping to [-c, c] changes the gradients
    whose value here exceeds c."""
    K, _ = R.check_rnn(rnn)
    seq_length, n = R.check_count("seq_length", seq_length, 1), R.check_count("n", n, 1)
    data = _indices("data", data, K)
    if len(data) < seq_length + 1:
        raise ValueError(f"data has {len(data)} characters, fewer than seq_length + 1 = {seq_length + 1}: "
                         "pass a longer text or a shorter seq_length.")
    if loss not in R.LOSSES:
        raise ValueError(f"loss must be one of {R.LOSSES} (the run's config.loss), got {loss!r}.")
    h0 = np.zeros(rnn["W"].shape[0], rnn["W"].dtype) if h0 is None else np.asarray(h0, rnn["W"].dtype)
    starts = np.linspace(0, len(data) - seq_length - 1, n).astype(int)
    return np.array([max(np.abs(g).max() for g in R.compute_grads(rnn, data[e:e + seq_length],
                                                                  data[e + 1:e + seq_length + 1], h0, loss).values())
                     for e in starts])


# ---- Checks at the door ----------------------------------------------------------------------

def _indices(name, seq, K):
    """seq as an array of indices (T,) into the model's vocabulary of K characters, T >= 1."""
    seq = np.asarray(seq)
    if seq.ndim != 1 or seq.size == 0:
        raise ValueError(f"{name} must be a non-empty sequence of character indices, shape (T,), "
                         f"got shape {seq.shape}.")
    if not np.issubdtype(seq.dtype, np.integer):
        raise ValueError(f"{name} must hold integer character indices (R.encode(text, char_to_ind)), got {seq.dtype}.")
    low, high = seq.min(), seq.max()
    if low < 0 or high >= K:
        raise ValueError(f"{name} holds index {low if low < 0 else high}, outside the model's vocabulary of K = {K} "
                         f"characters (0..{K - 1}): encode the text with the char_to_ind of the model's corpus, or "
                         "use a model trained on this text's vocabulary.")
    return seq


def _real(name, values, shape, what, advice=""):
    """values as an array of real, finite numbers of the given shape; else say `what` they must be."""
    array = np.asarray(values)
    if array.shape != tuple(shape) or not (np.issubdtype(array.dtype, np.floating)
                                           or np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        raise ValueError(f"{name} must be {what}: real numbers of shape {tuple(shape)}, got {array.dtype} of "
                         f"shape {array.shape}{advice}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds inf or nan: pass finite numbers ({what}).")
    return array


def _per_character(bits, text):
    """bits as an array (N,), one surprisal per character of text (N,)."""
    bits = np.asarray(bits)
    if bits.shape != (len(text),) or not (np.issubdtype(bits.dtype, np.floating)
                                          or np.issubdtype(bits.dtype, np.integer)):
        raise ValueError(f"bits must be one surprisal per character of text ({len(text)} numbers), got "
                         f"{bits.dtype} of shape {bits.shape}: score the characters the model predicted "
                         "(text = held_text[1:] for the targets y = held_data[1:]).")
    return bits
