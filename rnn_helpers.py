"""A character-level vanilla RNN in NumPy: the math of DD2424 Assignment 4, and nothing else.

Read it next to the lecture notes; the names are theirs. For an input sequence x_1..x_T (character
indices into a vocabulary of K characters) and hidden size m:

    a_t = W h_{t-1} + U x_t + b        U (m, K), W (m, m), b (m,)
    h_t = tanh(a_t)
    o_t = V h_t + c                    V (K, m), c (K,)
    p_t = softmax(o_t)
    L   = sum_t -log p_t[y_t]          summed over t (the 2017-24 handout), or averaged over t
                                       with loss="mean" (the 2025-26 handout)

Shapes: a sequence is an int array of shape (T,), or (T, B) for B sequences side by side; hidden
states are (m,) or (B, m), so every product is written with h as a row vector: `h.dot(W.T)` is W h.
Whatever does not depend on the recurrence is computed for all t at once; only the two loops over
time (forward and backward) are in Python.

Contents: the corpus; the model (forward, backward); gradient checks (central differences, complex
step, autograd); synthesis; optimizers; training; saving and loading. Public functions check their inputs and say what is wrong.
"""
import dataclasses
import functools
import hashlib
import json
import math
import numbers
import os
import signal
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
PARAMS = ("U", "W", "V", "b", "c")
LOSSES = ("sum", "mean")                  # the loss of a sequence: summed (2017-24) or averaged (2025-26)
# The gradient check's pass marks, used by the tests and by notebook 1. Central differences are
# judged in absolute terms and as whole arrays (their error, ~1e-10, does not shrink with the
# gradient entry); the complex step, exact to rounding, entry by entry.
GRADIENT_TOLERANCES = dict(central_max_abs=1e-8, central_array_rel=1e-6, complex_max_rel=1e-9)


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

def find_corpus():
    """The training text, first match wins: $RNN_CORPUS, data/goblet_book.txt, data/shakespeare.txt."""
    if "RNN_CORPUS" in os.environ:
        if not os.environ["RNN_CORPUS"].strip():
            raise ValueError("RNN_CORPUS is set but empty: set it to a UTF-8 text file, or unset it "
                             "(`unset RNN_CORPUS`) to use data/goblet_book.txt or the default corpus.")
        return ROOT / os.environ["RNN_CORPUS"]   # a relative path is taken from the repository root
    for path in (ROOT / "data" / "goblet_book.txt", ROOT / "data" / "shakespeare.txt"):
        if path.is_file():
            return path
    raise FileNotFoundError("No corpus found: put the book at data/goblet_book.txt, set RNN_CORPUS to "
                            "a text file, or build the default corpus with `make corpus`.")


def load_corpus(path=None):
    """(text, corpus_info, char_to_ind, ind_to_char) of the corpus at path, or of find_corpus()."""
    path = Path(path) if path else find_corpus()
    text = read_book(path)
    return (text, corpus_info(path, text)) + build_vocab(text)


def corpus_info(path, text):
    """Name, size, vocabulary size and sha256 of a corpus: what a run records about its data."""
    return dict(name=Path(path).stem, characters=len(text), K=len(set(text)),
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_book(path):
    """The whole file as text: line endings \\r\\n and \\r read as \\n, a UTF-8 byte-order mark dropped."""
    path = Path(path)
    check_readable(path, "Copy goblet_book.txt to data/, set RNN_CORPUS to its path, or run "
                         "`make corpus` for the default corpus.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text: byte {err.start} is {raw[err.start]:#04x}. "
                         "Convert the file to UTF-8 (e.g. iconv -t UTF-8).") from None
    if not text:
        raise ValueError(f"{path} is empty: the RNN needs a text to learn from.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_readable(path, advice):
    """A clear error unless path is a regular file this process can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found. {advice}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a directory, not a file. {advice}")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} is not a regular file (a pipe or a device?). {advice}")
    if not os.access(path, os.R_OK):
        raise PermissionError(f"{path} cannot be read (permission denied): change its permissions "
                              "or run as a user who may read it.")


def build_vocab(text):
    """char_to_ind and ind_to_char over the sorted distinct characters of text."""
    chars = sorted(set(text))
    return {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))


def encode(text, char_to_ind):
    """Character indices of text: an int array of shape (len(text),)."""
    try:
        return np.array([char_to_ind[ch] for ch in text], dtype=np.intp)
    except KeyError as err:
        pos = text.index(err.args[0])
        raise ValueError(f"Character {err.args[0]!r} (position {pos}) is not in the vocabulary of "
                         f"{len(char_to_ind)} characters: use text made of the training corpus's "
                         "characters.") from None


def decode(indices, ind_to_char):
    """The text of a sequence of character indices."""
    try:
        return "".join(ind_to_char[int(i)] for i in indices)
    except KeyError as err:
        raise ValueError(f"Index {err.args[0]} is not in the vocabulary (0..{len(ind_to_char) - 1}).") from None


def split_corpus(data, held_out=0.05):
    """(training part, held-out part) of the encoded text data (N,): the last `held_out` share of
    the text is never trained on."""
    if not (isinstance(held_out, numbers.Real) and 0 < held_out < 1):
        raise ValueError(f"held_out must be a share strictly between 0 and 1, got {held_out!r}.")
    n_train = len(data) - int(round(len(data) * held_out))
    return data[:n_train], data[n_train:]


# ---------------------------------------------------------------------------------------------
# The model: forward and backward passes
# ---------------------------------------------------------------------------------------------

def init_rnn(K, m=100, sig=0.01, rng=None, dtype=np.float64):
    """U (m, K), W (m, m), V (K, m) ~ N(0, sig^2) and b (m,) = c (K,) = 0, in float32 or float64.

    sig: one standard deviation for U, W and V (the 2017-24 handout: 0.01), or one each, as a dict
    {"U": ..., "W": ..., "V": ...} (see init_2025).
    """
    K, m = count("K", K, 1), count("m", m, 1)
    sigs = sig if isinstance(sig, dict) else dict.fromkeys(("U", "W", "V"), sig)
    if sorted(sigs) != ["U", "V", "W"]:
        raise ValueError(f"sig must be a number or a dict with the keys U, W and V, got {sig!r}.")
    for k, s in sigs.items():
        if isinstance(s, bool) or not isinstance(s, numbers.Real) or not 0 <= s < math.inf:
            raise ValueError(f"sig must be a finite number >= 0 for U, W and V, got {s!r} for {k}.")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}.")
    rng = np.random.default_rng() if rng is None else rng
    shapes = param_shapes(K, m)
    return {k: (sigs[k] * rng.standard_normal(shapes[k]) if k in sigs else np.zeros(shapes[k])).astype(dtype)
            for k in PARAMS}


def init_2025(K, m):
    """The standard deviations of the 2025-26 handout's initialisation, for init_rnn(sig=...):
    U ~ N(0, 1/(2K)), W ~ N(0, 1/(2m)), V ~ N(0, 1/m)."""
    return {"U": (2 * K) ** -0.5, "W": (2 * m) ** -0.5, "V": m ** -0.5}


def param_shapes(K, m):
    """The shape of each parameter for K characters and m hidden units."""
    return {"U": (m, K), "W": (m, m), "V": (K, m), "b": (m,), "c": (K,)}


def check_rnn(rnn):
    """(K, m) of a model, after checking what train, synthesize and save_model rely on: the five
    arrays U, W, V, b, c with shapes that fit together, one real dtype (float32 or float64), finite."""
    if not isinstance(rnn, dict) or not all(k in rnn for k in PARAMS):
        raise ValueError(f"A model is a dict with the arrays {', '.join(PARAMS)} (see init_rnn), "
                         f"got {type(rnn).__name__}{' with keys ' + str(sorted(rnn)) if isinstance(rnn, dict) else ''}.")
    if not all(isinstance(rnn[k], np.ndarray) for k in PARAMS) or np.ndim(rnn["V"]) != 2:
        raise ValueError("The model's parameters must be NumPy arrays, V of shape (K, m).")
    K, m = rnn["V"].shape
    dtype = rnn["V"].dtype
    for k, shape in param_shapes(K, m).items():
        if rnn[k].shape != shape:
            raise ValueError(f"The model's {k} has shape {rnn[k].shape}; with V of shape {(K, m)} it must be {shape}.")
        if rnn[k].dtype not in (np.float32, np.float64) or rnn[k].dtype != dtype:
            raise ValueError(f"The model's {k} is {rnn[k].dtype}: all parameters must be float32, or all "
                             "float64 (init_rnn(..., dtype=...)).")
        if not np.isfinite(rnn[k]).all():
            raise ValueError(f"The model's {k} holds inf or nan: it diverged. Use the best model of the run "
                             "(state.best_rnn) or train again with a lower eta.")
    return K, m


def softmax(o):
    """Softmax over the last axis; the max is subtracted for stability (its real part, so that
    complex inputs for complex-step differentiation keep their imaginary parts)."""
    e = np.exp(o - o.real.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@functools.lru_cache
def identity(K, dtype):
    """The K x K identity, made once per K and dtype and read-only: one-hot vectors are its rows."""
    eye = np.eye(K, dtype=dtype)
    eye.flags.writeable = False
    return eye


def one_hot(indices, K, dtype=np.float64):
    """(N, K): row i is the one-hot vector of indices[i], taken from the identity, no arithmetic."""
    return identity(K, np.dtype(dtype)).take(indices, axis=0)


@dataclass
class Cache:
    """What the backward pass needs from the forward pass."""
    x: np.ndarray          # input indices, (T,) or (T, B)
    Y: np.ndarray          # one-hot targets: (T, [B,] K)
    H: np.ndarray          # H[0] = h_0, H[t] = h_t: (T + 1, [B,] m)
    P: np.ndarray          # P[t - 1] = p_t: (T, [B,] K)
    scale: float = 1.0     # dL/dl for each character's loss l: 1 when summed, 1/(T B) when averaged


def hidden_states(rnn, x, h0):
    """H (T + 1, [B,] m) with H[0] = h0 and H[t] = h_t after reading x_1..x_t.

    x: input indices (T,) or (T, B); h0: (m,) or (B, m).
    """
    U, W, b = rnn["U"], rnn["W"], rnn["b"]
    H = np.empty((len(x) + 1,) + np.shape(h0), dtype=np.result_type(W, h0))
    H[0] = h0
    A = U.T[x] + b                            # U x_t + b for every t: a one-hot x_t picks a column of U
    WT = W.T
    for a_t, h_prev, h_t in zip(A, H[:-1], H[1:]):    # the recurrence, the only loop over time
        a_t += h_prev.dot(WT)                 # a_t = W h_{t-1} + U x_t + b
        np.tanh(a_t, out=h_t)                 # h_t = tanh(a_t)
    return H


def forward(rnn, x, y, h0, loss="sum"):
    """(L, cache): the loss of predicting y from x, starting from hidden state h0, and what backward
    needs. loss="sum": summed over all T (and B) characters; loss="mean": averaged over them.

    x, y: input and target indices, (T,) or (T, B); h0: (m,) or (B, m).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be 'sum' or 'mean', got {loss!r}.")
    V, c = rnn["V"], rnn["c"]
    x = np.asarray(x)
    H = hidden_states(rnn, x, h0)
    P = softmax(H[1:].dot(V.T) + c)           # o_t = V h_t + c and p_t = softmax(o_t), every t at once
    Y = one_hot(y, len(c), P.real.dtype)
    L = -np.log((P * Y).sum(axis=-1)).sum()   # L = sum_t -log(y_t^T p_t)
    scale = 1.0 if loss == "sum" else 1.0 / x.size
    return L * scale if scale != 1 else L, Cache(x, Y, H, P, scale)


def backward(rnn, cache, grads=None):
    """Gradients of forward's loss (summed or averaged) with respect to U, W, V, b, c (not clipped):
    a dict of arrays of the parameters' shapes.

    cache: from forward. grads: optional dict of arrays to write into (train passes views of one
    flat vector).
    """
    W, V = rnn["W"], rnn["V"]
    x, Y, H, P = cache.x, cache.Y, cache.H, cache.P
    K, m = V.shape
    grads = {k: np.empty(rnn[k].shape, P.dtype) for k in PARAMS} if grads is None else grads
    G = (P - Y).reshape(-1, K)                # g_t = dL/do_t = -(y_t - p_t)^T, one row per t
    if cache.scale != 1:
        G *= cache.scale                      # the averaged loss: every g_t divided by T (B)
    Hs = H[1:].reshape(-1, m)
    np.matmul(G.T, Hs, out=grads["V"])        # dL/dV = sum_t g_t^T h_t^T
    np.sum(G, axis=0, out=grads["c"])         # dL/dc = sum_t g_t

    D = 1 - H[1:] * H[1:]                     # tanh'(a_t) = 1 - h_t^2
    dA = G.dot(V).reshape(D.shape)            # dL/dh_t from o_t alone: g_t V; made dL/da_t below
    dA[-1] *= D[-1]                           # at t = T nothing comes back from a_{T+1}
    for da_t, da_next, d_t in zip(dA[-2::-1], dA[::-1], D[-2::-1]):   # back through time, t = T-1..1
        da_t += da_next.dot(W)                # dL/dh_t = g_t V + dL/da_{t+1} W
        da_t *= d_t                           # dL/da_t = dL/dh_t diag(1 - h_t^2)

    dA = dA.reshape(-1, m)
    np.matmul(dA.T, H[:-1].reshape(-1, m), out=grads["W"])             # dL/dW = sum_t da_t^T h_{t-1}^T
    np.sum(dA, axis=0, out=grads["b"])                                 # dL/db = sum_t da_t
    np.matmul(dA.T, one_hot(x.reshape(-1), K, dA.dtype), out=grads["U"])  # dL/dU = sum_t da_t^T x_t^T
    return grads


def gradient_through_time(rnn, x, y, h0):
    """The norms ||dL_T / dh_{T-k}|| for k = 0, ..., T - 1, (T,): how much the loss of the last
    character of a sequence, L_T = -log y_T^T p_T, depends on the hidden state k steps earlier.

    x, y: input and target indices (T,); h0: (m,).
    """
    W, V = rnn["W"], rnn["V"]
    H = hidden_states(rnn, x, h0)
    g = softmax(H[-1].dot(V.T) + rnn["c"])
    g[y[-1]] -= 1                             # dL_T/do_T = p_T - y_T
    g = g.dot(V)                              # dL_T/dh_T
    norms = np.empty(len(x))
    for k in range(len(x)):
        norms[k] = np.linalg.norm(g)
        g = (g * (1 - H[-1 - k] ** 2)).dot(W)    # dL_T/dh_{t-1} = dL_T/dh_t diag(1 - h_t^2) W, t = T - k
    return norms


def compute_loss(rnn, x, y, h0, loss="sum"):
    """forward's loss, as a Python float (complex for complex parameters)."""
    L = forward(rnn, x, y, h0, loss)[0]
    return float(L) if np.isrealobj(L) else L


def compute_grads(rnn, x, y, h0, loss="sum"):
    """backward(forward(...)): the analytic gradients, a dict of arrays of the parameters' shapes."""
    return backward(rnn, forward(rnn, x, y, h0, loss)[1])


# ---------------------------------------------------------------------------------------------
# Gradient checks
# ---------------------------------------------------------------------------------------------

def compute_grads_num(rnn, x, y, h0, h=1e-4, loss="sum"):
    """Central differences on every entry of every parameter (the course's ComputeGradsNum)."""
    grads = {}
    for k in PARAMS:
        theta = rnn[k]
        grads[k] = g = np.empty(theta.shape)
        for i in np.ndindex(theta.shape):
            old = theta[i]
            theta[i] = old - h
            l1 = compute_loss(rnn, x, y, h0, loss)
            theta[i] = old + h
            l2 = compute_loss(rnn, x, y, h0, loss)
            theta[i] = old
            g[i] = (l2 - l1) / (2 * h)
    return grads


def compute_grads_complex(rnn, x, y, h0, h=1e-20, loss="sum"):
    """Complex-step derivatives: dL/dθ = Im L(θ + i h) / h, exact to rounding (no subtraction)."""
    crnn = {k: rnn[k].astype(complex) for k in PARAMS}
    grads = {}
    for k in PARAMS:
        theta = crnn[k]
        grads[k] = g = np.empty(theta.shape)
        for i in np.ndindex(theta.shape):
            theta[i] += 1j * h
            g[i] = compute_loss(crnn, x, y, h0, loss).imag / h
            theta[i] -= 1j * h
    return grads


def compute_grads_autograd(rnn, x, y, h0, loss="sum"):
    """Reverse-mode automatic differentiation (the autograd package) of the loss written afresh from
    the equations in autograd.numpy, one-hot vectors and a loop over t: an oracle that shares no code
    with forward and backward. x, y: (T,) indices; h0: (m,). A dict of float64 gradients."""
    import autograd
    import autograd.numpy as anp

    X, Y = np.eye(len(rnn["c"]))[np.asarray(x)], np.eye(len(rnn["c"]))[np.asarray(y)]   # one-hot rows

    def L(theta):
        U, W, V, b, c = (theta[k] for k in PARAMS)
        h, total = anp.asarray(h0, dtype=float), 0.0
        for x_t, y_t in zip(X, Y):
            h = anp.tanh(anp.dot(W, h) + anp.dot(U, x_t) + b)
            o = anp.dot(V, h) + c
            log_p = o - anp.max(o) - anp.log(anp.sum(anp.exp(o - anp.max(o))))
            total = total - anp.dot(y_t, log_p)
        return total / len(X) if loss == "mean" else total

    return autograd.grad(L)({k: rnn[k].astype(np.float64) for k in PARAMS})


def compare_gradients(analytic, numerical):
    """Per parameter: the gradient's norm, max |ga - gn|, the max entrywise relative error and the
    relative error of the whole array, ||ga - gn|| / max(1e-12, ||ga|| + ||gn||)."""
    return {k: dict(norm=float(np.linalg.norm(analytic[k])),
                    max_abs=float(np.abs(analytic[k] - numerical[k]).max()),
                    max_rel=relative_error(analytic[k], numerical[k]),
                    array_rel=float(np.linalg.norm(analytic[k] - numerical[k]) /
                                    max(1e-12, np.linalg.norm(analytic[k]) + np.linalg.norm(numerical[k]))))
            for k in PARAMS}


def relative_error(ga, gn):
    """max over entries of |ga - gn| / max(1e-12, |ga| + |gn|)."""
    return float(np.max(np.abs(ga - gn) / np.maximum(1e-12, np.abs(ga) + np.abs(gn))))


# ---------------------------------------------------------------------------------------------
# Synthesis
# ---------------------------------------------------------------------------------------------

def synthesize(rnn, h0, x0, n, rng, temperature=1.0, top_p=1.0):
    """n character indices, an int array (n,), sampled one at a time, each fed back as the next input.

    h0: the hidden state (m,) to start from; x0: the index of the first input character.
    temperature divides o_t before the softmax; top_p keeps the smallest set of most likely
    characters whose probability reaches top_p (nucleus sampling). The pick is the course's rule:
    the first index where cumsum(p) - a > 0, a ~ U(0, 1).
    """
    K, m = check_rnn(rnn)
    U, W, V, b, c = (rnn[k] for k in PARAMS)
    n = count("n", n, 0)
    if not isinstance(temperature, numbers.Real) or not 0 < temperature < math.inf:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}.")
    if not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}.")
    if isinstance(x0, bool) or not isinstance(x0, numbers.Integral) or not 0 <= x0 < K:
        raise ValueError(f"x0={x0!r} is not in the vocabulary (0..{K - 1}).")
    h = check_hidden(h0, (m,), "h0")
    x = int(x0)
    out = np.empty(n, dtype=np.intp)
    for t in range(n):
        h = np.tanh(W @ h + U[:, x] + b)
        p = softmax((V @ h + c) / temperature)
        if top_p < 1:
            p = nucleus(p, top_p)
        cp = np.cumsum(p)
        # a is scaled by cp[-1] so that rounding in the cumulative sum never leaves a past its end
        x = out[t] = np.searchsorted(cp, rng.random() * cp[-1], side="right")
    return out


def check_hidden(h, shape, name):
    """h as an array, if it is real, finite and of the given shape."""
    h = np.asarray(h)
    if h.shape != shape or not np.isrealobj(h) or not np.isfinite(h).all():
        raise ValueError(f"{name} must be a finite real array of shape {shape}, got shape {h.shape}.")
    return h


def nucleus(p, top_p):
    """p (K,) restricted to the smallest set of most likely entries whose mass reaches top_p, renormalised."""
    order = np.argsort(-p, kind="stable")
    n_keep = min(len(p), np.searchsorted(np.cumsum(p[order]), top_p) + 1)
    q = np.zeros_like(p)
    q[order[:n_keep]] = p[order[:n_keep]]
    return q / q.sum()


def mean_log_prob(rnn, h0, x0, indices):
    """The mean log-probability per character that the model gives to a sequence indices (n,) it
    continues from h0 (m,) and x0 (untempered p_t): how plausible the model itself finds a sample."""
    x = np.concatenate([[x0], indices[:-1]])
    return -compute_loss(rnn, x, indices, h0) / len(indices)


# ---------------------------------------------------------------------------------------------
# Optimizers: one interface, step(theta, g, moments, t, eta, eps, tmp), all vectors of one length
# ---------------------------------------------------------------------------------------------

ADAM_BETAS = (0.9, 0.999)


def adagrad_step(theta, g, moments, t, eta, eps, tmp):
    """m_θ += g², θ -= η g / sqrt(m_θ + ε)."""
    m = moments["m"]
    np.multiply(g, g, out=tmp)
    m += tmp
    np.add(m, eps, out=tmp)
    np.sqrt(tmp, out=tmp)
    np.divide(g, tmp, out=tmp)
    tmp *= eta
    theta -= tmp


def adam_step(theta, g, moments, t, eta, eps, tmp):
    """m = β1 m + (1-β1) g, v = β2 v + (1-β2) g², θ -= η m̂ / (sqrt(v̂) + ε) with m̂, v̂ = m, v / (1 - β^t)."""
    (beta1, beta2), m, v = ADAM_BETAS, moments["m"], moments["v"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    np.multiply(g, g, out=tmp)
    tmp *= 1 - beta2
    v += tmp
    np.divide(v, 1 - beta2 ** t, out=tmp)                 # v̂
    np.sqrt(tmp, out=tmp)
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= eta / (1 - beta1 ** t)                         # η m̂ / (sqrt(v̂) + ε)
    theta -= tmp


# name: (step function, the moment vectors it keeps)
OPTIMIZERS = {"adagrad": (adagrad_step, ("m",)), "adam": (adam_step, ("m", "v"))}


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainConfig:
    """How to train. The defaults are the course's: AdaGrad, η = 0.1, sequences of 25 characters
    read in order, gradients clipped elementwise to [-5, 5] (clip=None: not clipped), the loss of a
    sequence summed over its characters (loss="mean": averaged, as in the 2025-26 handout).

    batch_size B: the text is cut into B equal streams read side by side, each with its own hidden
            state; the loss (and smooth loss) is summed over the B sequences.
    chunk_length: the text is cut into chunks of this length, visited in a new random order each
            epoch (B at a time), the hidden state reset at the start of each chunk.
    decay:  lower eta linearly to 0 over a call of train: over its n_updates, or over time_budget
            seconds if that ends first (then the run depends on the machine's speed).
    time_budget: stop after this many seconds even if n_updates are not done.
    validate_every, checkpoint_every: how often train measures the held-out loss and writes its
            checkpoint (when it is given validation text and a checkpoint path).
    """
    eta: float = 0.1
    seq_length: int = 25
    eps: float = 1e-8
    clip: float = 5.0
    loss: str = "sum"
    optimizer: str = "adagrad"
    batch_size: int = 1
    chunk_length: int = None
    decay: bool = False
    time_budget: float = None
    validate_every: int = 1000
    checkpoint_every: int = 10_000
    # What the run's trajectory depends on: a run may be resumed only with the same values.
    TRAJECTORY = ("eta", "seq_length", "eps", "clip", "loss", "optimizer", "batch_size", "chunk_length", "decay")

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        set_("eta", positive("eta", self.eta))
        set_("eps", positive("eps", self.eps))
        if self.clip is not None:
            set_("clip", positive("clip", self.clip))
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, got {self.loss!r}.")
        set_("seq_length", count("seq_length", self.seq_length, 1))
        set_("batch_size", count("batch_size", self.batch_size, 1))
        set_("validate_every", count("validate_every", self.validate_every, 1))
        set_("checkpoint_every", count("checkpoint_every", self.checkpoint_every, 1))
        if self.chunk_length is not None:
            set_("chunk_length", count("chunk_length", self.chunk_length, self.seq_length + 1))
        if self.time_budget is not None:
            set_("time_budget", positive("time_budget", self.time_budget))
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))}, got {self.optimizer!r}.")
        if not isinstance(self.decay, (bool, np.bool_)):
            raise ValueError(f"decay must be True or False, got {self.decay!r}.")
        set_("decay", bool(self.decay))

    def trajectory(self):
        return {k: getattr(self, k) for k in self.TRAJECTORY}


def count(name, value, minimum):
    """value as an int, if it is an integer (not a bool, not 3.0) of at least minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def positive(name, value):
    """value as a float, if it is a real number (not a string, not a bool), finite and > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


class TrainingDiverged(FloatingPointError):
    """The loss became inf or nan. .state still holds the best model and the last good state."""

    def __init__(self, message, state):
        super().__init__(message)
        self.state = state


class TrainingInterrupted(KeyboardInterrupt):
    """Training was interrupted (Ctrl-C, Jupyter's stop button) between two updates; the checkpoint,
    if train had a path for one, was written first. .state is consistent and can be resumed."""

    def __init__(self, state):
        super().__init__(f"Training interrupted after update {state.update}.")
        self.state = state


@dataclass
class TrainState:
    """Everything training needs to go on where it stopped, and what it has recorded."""
    config: TrainConfig                   # eta, seq_length, eps, clip, optimizer, batch_size, chunk_length,
                                          # decay, time_budget, validate_every, checkpoint_every
    ind_to_char: dict = None              # the vocabulary, saved with checkpoints
    update: int = 0                       # updates done so far
    epoch: int = 1
    step: int = 0                         # updates done in this epoch
    e: int = 0                            # where the last sequence started in its chunk (stream 0)
    order: np.ndarray = None              # this epoch's order of the chunks
    hprev: np.ndarray = None              # (m,), or (B, m) for B streams: the hidden state to go on from
    moments: dict = None                  # AdaGrad: {"m": m_θ}; Adam: {"m": first, "v": second moments}
    smooth_loss: np.ndarray = field(default_factory=lambda: np.empty(0))   # float64, one value per update
    best_rnn: dict = None                 # the parameters that had the lowest smooth loss ...
    best_smooth_loss: float = np.inf
    best_update: int = 0                  # ... at this update (its forward pass used best_rnn) ...
    best_h: np.ndarray = None             # ... starting from this hidden state (m,) (stream 0) ...
    best_x: int = 0                       # ... and this first input character
    val_loss: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))  # rows: update, nats/char, seconds
    rng: np.random.Generator = None       # the hooks sample with it, random order draws from it
    wall_time: float = 0.0                # seconds spent in train, summed over calls

    @property
    def updates_per_second(self):
        return self.update / self.wall_time if self.wall_time else float("nan")

    @property
    def characters_per_update(self):
        return self.config.seq_length * self.config.batch_size

    def per_character(self, loss):
        """A loss (or smooth loss) of this run in nats per character."""
        return loss / self.characters_per_update if self.config.loss == "sum" else loss


@dataclass(frozen=True)
class Reading:
    """How a text of n characters is read: B streams, or chunks of C characters in random order,
    each chunk read as the course reads the book (sequences at e = 0, T, 2T, ...)."""
    C: int                                # characters per chunk
    n_chunks: int
    per_chunk: int                        # updates per chunk (per stream)
    per_epoch: int

    @classmethod
    def of(cls, n_characters, config):
        C = config.chunk_length or n_characters // config.batch_size
        n_chunks = n_characters // C
        per_chunk = updates_per_epoch(C, config.seq_length)
        return cls(C, n_chunks, per_chunk, per_chunk * (n_chunks // config.batch_size))


def updates_per_epoch(n_characters, seq_length=25):
    """Sequences start at e = 0, seq_length, 2 seq_length, ... while e <= n_characters - seq_length - 1."""
    return (n_characters - seq_length - 1) // seq_length + 1


def train(rnn, data, n_updates, config=None, *, state=None, rng=None, validation=None, hook=None,
          hook_at=(), checkpoint=None, ind_to_char=None, progress=False, **options):
    """Train rnn on the encoded text data (N,) for n_updates updates; returns the TrainState.

    rnn's arrays are updated in place: after the call they hold the trained parameters (the same
    array objects; train works on one flat copy and writes it back, even when it stops early).
    The course's rules, with the default TrainConfig: sequence X = data[e:e+T], Y = data[e+1:e+T+1];
    the hidden state carries over from one sequence to the next; when the next sequence would run
    past the end of the text a new epoch starts from e = 0 with h = 0. Gradients are clipped;
    smooth_loss = 0.999 smooth_loss + 0.001 loss. Parameters train in their own dtype.

    config: a TrainConfig; keyword options (eta=..., batch_size=..., ...) are folded into it.
    state:  a TrainState (from an earlier call or load_checkpoint) to go on from, bit for bit.
    rng:    the generator of a new run (random chunk order, and the hooks sample with state.rng).
    validation: encoded held-out text (N_val,); its loss in nats per character is recorded in
            state.val_loss every config.validate_every updates and at the end.
    hook:   called as hook(update, rnn, hprev, x0, state) before each update numbered in hook_at
            (1-based), with the hidden state (m,) and first input character of that update's
            sequence (of stream 0).
    checkpoint: a path; the state is written there every config.checkpoint_every updates, at the
            end, and when training is interrupted (then TrainingInterrupted is raised). It needs
            the vocabulary ind_to_char.
    progress: show a progress bar (updates, or seconds of the time budget) with the loss per character.
    """
    config = dataclasses.replace(config or TrainConfig(), **options)
    K, m = check_rnn(rnn)
    data = check_data(data, K, "data")
    n_updates = count("n_updates", n_updates, 0)
    reading = Reading.of(len(data), config)
    check_reading(len(data), config, reading)
    if validation is not None:
        validation = check_data(validation, K, "validation")
    if checkpoint and (state is None or state.ind_to_char is None) and ind_to_char is None:
        raise ValueError("train(checkpoint=...) needs ind_to_char, the vocabulary to save with the model.")
    if state is None:
        state = new_state(rnn, config, reading, ind_to_char, rng)
    elif state.config.trajectory() != config.trajectory():
        raise ValueError(f"The state to resume was trained with {state.config.trajectory()}, "
                         f"not {config.trajectory()}.")
    else:
        state.config = config

    # One flat vector holds all parameters (and one the gradients, one each optimizer moment), with
    # U, W, V, b, c as views into it, so clipping and the update are a few whole-vector operations.
    theta, views = flat_views(rnn)
    grad, grad_views = flat_views({k: np.empty_like(rnn[k]) for k in PARAMS})
    moments = {}
    for k in state.moments:
        moments[k], state.moments[k] = flat_views(state.moments[k])
    best, state.best_rnn = flat_views(state.best_rnn)
    step_fn = OPTIMIZERS[config.optimizer][0]
    tmp = np.empty_like(theta)
    history = np.empty(state.update + n_updates)          # not touched beyond what is used
    history[:state.update] = state.smooth_loss
    val_loss = [tuple(row) for row in state.val_loss]
    smooth = history[state.update - 1] if state.update else None
    hooks = set(hook_at) if hook else set()
    bar = progress_bar(n_updates, config.time_budget) if progress else None
    start = time.perf_counter()
    with deferred_interrupt() as interrupt, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            for done in range(n_updates):
                elapsed = time.perf_counter() - start
                if interrupt.requested or (config.time_budget and elapsed > config.time_budget):
                    break
                X, Y = next_sequences(state, data, reading)
                if state.update + 1 in hooks:
                    state.smooth_loss = history[:state.update]
                    hook(state.update + 1, rnn | views, stream0(state.hprev), int(X.flat[0]), state)

                loss, cache = forward(views, X, Y, state.hprev, config.loss)
                if not np.isfinite(loss):
                    raise TrainingDiverged(f"The loss became {loss} at update {state.update + 1}: lower eta "
                                           "or clip. The best model so far is in .state.best_rnn.", state)
                smooth = float(loss) if smooth is None else 0.999 * smooth + 0.001 * float(loss)
                if smooth < state.best_smooth_loss:
                    keep_best(state, best, theta, smooth, X)
                backward(views, cache, grad_views)
                if config.clip:
                    np.clip(grad, -config.clip, config.clip, out=grad)
                step_fn(theta, grad, moments, state.update + 1, learning_rate(config, done, n_updates, elapsed),
                        config.eps, tmp)

                history[state.update] = smooth
                state.update += 1
                state.step += 1
                state.hprev = cache.H[-1]
                if validation is not None and state.update % config.validate_every == 0:
                    val_loss.append((state.update, evaluate(views, validation), state.wall_time + elapsed))
                if bar is not None:
                    show_progress(bar, done + 1, elapsed, state.per_character(smooth))
                if checkpoint and state.update % config.checkpoint_every == 0:
                    save_checkpoint(checkpoint, copy_back(rnn, views), record(state, history, val_loss))
        finally:                                # also after a divergence: the last good state
            state.wall_time += time.perf_counter() - start
            copy_back(rnn, views)
            record(state, history, val_loss)
            if bar is not None:
                bar.close()
        if validation is not None and state.update and (not val_loss or val_loss[-1][0] != state.update):
            val_loss.append((state.update, evaluate(rnn, validation), state.wall_time))
            record(state, history, val_loss)
        if checkpoint:
            save_checkpoint(checkpoint, rnn, state)
    if interrupt.requested:
        raise TrainingInterrupted(state)
    return state


def new_state(rnn, config, reading, ind_to_char, rng):
    """The TrainState of a run that starts now: h = 0, moments 0, the best model the initial one."""
    rng = rng or np.random.default_rng()
    m, dtype, B = rnn["W"].shape[0], rnn["W"].dtype, config.batch_size
    return TrainState(config, ind_to_char, rng=rng, order=epoch_order(reading, config, rng),
                      hprev=np.zeros((m,) if B == 1 else (B, m), dtype), best_h=np.zeros(m, dtype),
                      moments={k: {p: np.zeros_like(rnn[p]) for p in PARAMS}
                               for k in OPTIMIZERS[config.optimizer][1]},
                      best_rnn={k: rnn[k].copy() for k in PARAMS})


def next_sequences(state, data, reading):
    """X, Y (T,) or (T, B) of the next update, and the reading position moved on: a new epoch (and
    chunk order) when the text is used up, h = 0 where a chunk (or the text) starts."""
    T, B = state.config.seq_length, state.config.batch_size
    if state.step == reading.per_epoch:
        state.epoch, state.step = state.epoch + 1, 0
        state.order = epoch_order(reading, state.config, state.rng)
    chunk_round, i = divmod(state.step, reading.per_chunk)
    if i == 0:
        state.hprev = np.zeros_like(state.hprev)
    state.e = i * T
    starts = state.order[chunk_round * B:(chunk_round + 1) * B] * reading.C + state.e
    seq = data[starts + np.arange(T + 1)[:, None]]            # (T + 1, B): one column per stream
    return (seq[:-1, 0], seq[1:, 0]) if B == 1 else (seq[:-1], seq[1:])


def epoch_order(reading, config, rng):
    """The chunks in the order an epoch reads them: as they stand, or shuffled when cut by chunk_length."""
    return rng.permutation(reading.n_chunks) if config.chunk_length else np.arange(reading.n_chunks)


def keep_best(state, best, theta, smooth, X):
    """The parameters before this update produced its loss: they are the best model so far, and the
    hidden state and input they started from (stream 0) are where the model was at its best."""
    best[:] = theta
    state.best_smooth_loss, state.best_update = smooth, state.update + 1
    state.best_h = np.array(stream0(state.hprev))
    state.best_x = int(X.flat[0])


def stream0(h):
    """The hidden state (m,) of stream 0, from (m,) or (B, m)."""
    return h if h.ndim == 1 else h[0]


def learning_rate(config, done, n_updates, elapsed):
    """η, or with decay η times the share of the run still to go (by updates or by time)."""
    if not config.decay:
        return config.eta
    fraction_done = max(done / n_updates, elapsed / config.time_budget if config.time_budget else 0.0)
    return config.eta * (1 - fraction_done)


def record(state, history, val_loss):
    """Copy the smooth loss so far (the first state.update entries) and the held-out losses into state."""
    state.smooth_loss = history[:state.update].copy()
    state.val_loss = np.array(val_loss, dtype=float).reshape(-1, 3)
    return state


def copy_back(rnn, views):
    """Write the trained parameters back into rnn's own arrays."""
    for k in PARAMS:
        rnn[k][...] = views[k]
    return rnn


def evaluate(rnn, data, n_streams=64):
    """Mean loss in nats per character of predicting data[1:] from data[:-1] (data: (N,) indices).
    The text is read as n_streams contiguous streams side by side, each from h = 0 (a warm-up of a
    few characters out of hundreds), so that the whole held-out text costs one batched forward pass."""
    data = np.asarray(data)
    if len(data) < 2:
        raise ValueError(f"evaluate needs a text of at least 2 characters, got {len(data)}.")
    n_streams = max(1, min(n_streams, (len(data) - 1) // 100))
    L = (len(data) - 1) // n_streams
    idx = np.arange(n_streams) * L + np.arange(L)[:, None]
    loss, _ = forward(rnn, data[idx], data[idx + 1], np.zeros((n_streams, rnn["W"].shape[0]), rnn["W"].dtype))
    return float(loss) / idx.size


def check_data(data, K, name):
    """data as a 1-D integer array of indices into the model's vocabulary 0..K-1."""
    data = np.asarray(data)
    if data.ndim != 1 or not np.issubdtype(data.dtype, np.integer):
        raise ValueError(f"{name} must be encoded text: a 1-D array of character indices (see encode).")
    if len(data) < 2:
        raise ValueError(f"{name} has {len(data)} characters; it needs at least 2.")
    if data.min() < 0 or data.max() >= K:
        raise ValueError(f"{name} holds indices outside the model's vocabulary 0..{K - 1}: encode it with "
                         "the vocabulary the model was made for.")
    return data


def check_reading(n, config, reading):
    """A clear error unless a text of n characters holds the streams and chunks that config asks for."""
    T, B, C = config.seq_length, config.batch_size, config.chunk_length
    if n // B < T + 1:
        raise ValueError(f"The corpus has {n} characters; training needs at least seq_length + 1 = "
                         f"{T + 1} per stream ({B} streams). Use a longer text or a shorter seq_length.")
    if C is not None and reading.n_chunks < B:
        raise ValueError(f"chunk_length must leave at least batch_size = {B} chunks of the text; got "
                         f"{C} for {n} characters.")


def flat_views(arrays):
    """One contiguous vector holding copies of the arrays, and a dict of views of it in their shapes."""
    flat = np.concatenate([np.ravel(arrays[k]) for k in PARAMS])
    views, start = {}, 0
    for k in PARAMS:
        size = np.size(arrays[k])
        views[k] = flat[start:start + size].reshape(np.shape(arrays[k]))
        start += size
    return flat, views


def progress_bar(n_updates, time_budget):
    """A bar of updates, or of seconds when a time budget bounds the run."""
    from tqdm.auto import tqdm
    if time_budget:
        return tqdm(total=round(time_budget), unit="s", desc="seconds of the budget", mininterval=0.5,
                    bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s [{postfix}]")
    return tqdm(total=n_updates, unit="upd", desc="updates", mininterval=0.5)


def show_progress(bar, done, elapsed, loss_per_character):
    """Every 100 updates of this call: move the bar (updates, or seconds of the budget) and show the
    smooth loss per character."""
    if done % 100:
        return
    bar.update((round(elapsed) if bar.unit == "s" else done) - bar.n)
    bar.set_postfix_str(f"loss {loss_per_character:.3f} nats/char", refresh=False)


class deferred_interrupt:
    """Within it, Ctrl-C (SIGINT) only sets .requested: train finishes the update in hand, writes its
    checkpoint, then raises. Outside the main thread signals cannot be caught, and nothing changes."""

    def __enter__(self):
        self.requested, self.previous = False, None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.request)
        return self

    def request(self, signum, frame):
        self.requested = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


# ---------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------

def atomic_write(path, write):
    """Call write(file) on a new file beside path, then rename it to path: a crash or an interrupt
    never leaves half a file, and two writers never share a temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_model(path, rnn, ind_to_char, **extra):
    """U, W, V, b, c and the vocabulary `chars` (code points, in index order) in one .npz, written
    atomically. extra: more arrays to store beside them."""
    K, _ = check_rnn(rnn)
    if not isinstance(ind_to_char, dict) or sorted(ind_to_char) != list(range(K)) or \
            not all(isinstance(ch, str) and len(ch) == 1 for ch in ind_to_char.values()):
        raise ValueError(f"ind_to_char must map 0..{K - 1} (the model's K = {K}) to single characters; "
                         f"got {len(ind_to_char) if isinstance(ind_to_char, dict) else type(ind_to_char).__name__} "
                         "entries. Pass the vocabulary the model was trained with.")
    chars = np.array([ord(ind_to_char[i]) for i in range(K)], dtype=np.int32)
    arrays = {k: rnn[k] for k in PARAMS} | {"chars": chars} | extra
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_model(path, char_to_ind=None):
    """(rnn, char_to_ind, ind_to_char) from a file written by save_model or save_checkpoint.

    char_to_ind: the vocabulary the caller expects; a file from another vocabulary is an error.
    """
    return model_from(load_npz(path), path, char_to_ind)


def model_from(z, path, char_to_ind):
    """(rnn, char_to_ind, ind_to_char) from the arrays z of a model file, checked as load_model promises."""
    try:
        rnn = {k: z[k] for k in PARAMS}
        chars = [chr(c) for c in z["chars"]] if z["chars"].dtype.kind in "iu" else [str(c) for c in z["chars"]]
    except KeyError as err:
        raise ValueError(f"{path} is not a model file: it has no array {err}.") from None
    try:
        K, _ = check_rnn(rnn)
    except ValueError as err:
        raise ValueError(f"{path} is corrupt: {err}") from None
    if len(chars) != K:
        raise ValueError(f"{path} is corrupt: its vocabulary has {len(chars)} characters, its model K = {K}.")
    c2i, i2c = {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))
    if char_to_ind is not None and c2i != char_to_ind:
        raise ValueError(f"{path} was trained on another vocabulary ({K} characters, not "
                         f"{len(char_to_ind)} / a different set): retrain on this corpus, or load "
                         "the corpus it came from.")
    return rnn, c2i, i2c


def load_npz(path):
    """Every array of an .npz file, with clear errors for a missing, unreadable or corrupt file."""
    path = Path(path)
    check_readable(path, "Train a model first (notebooks/02_training.ipynb).")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as err:
        raise ValueError(f"{path} is corrupt or not an .npz file ({type(err).__name__}: {err}): "
                         "delete it and train again.") from None


def save_checkpoint(path, rnn, state):
    """The model and the whole TrainState in one .npz, written atomically."""
    scalars = dict(config=dataclasses.asdict(state.config), update=state.update, epoch=state.epoch,
                   step=state.step, e=state.e, best_smooth_loss=state.best_smooth_loss,
                   best_update=state.best_update, best_x=state.best_x, wall_time=state.wall_time,
                   rng=state.rng.bit_generator.state)
    extra = {"hprev": state.hprev, "order": state.order, "smooth_loss": state.smooth_loss, "best_h": state.best_h,
             "val_loss": state.val_loss, "state": np.array(json.dumps(scalars))}
    extra |= {f"{moment}_{k}": state.moments[moment][k] for moment in state.moments for k in PARAMS}
    extra |= {f"best_{k}": state.best_rnn[k] for k in PARAMS}
    save_model(path, rnn, state.ind_to_char, **extra)


def load_checkpoint(path, char_to_ind=None):
    """(rnn, state, char_to_ind, ind_to_char); train(rnn, data, n, state=state) goes on bit for bit."""
    z = load_npz(path)
    rnn, c2i, i2c = model_from(z, path, char_to_ind)
    try:
        s = json.loads(str(z["state"]))
        config = TrainConfig(**s["config"])
        rng = np.random.default_rng()
        rng.bit_generator.state = s["rng"]
        state = TrainState(config, i2c, update=s["update"], epoch=s["epoch"], step=s["step"], e=s["e"],
                           order=z["order"], hprev=z["hprev"], smooth_loss=z["smooth_loss"],
                           moments={moment: {k: z[f"{moment}_{k}"] for k in PARAMS}
                                    for moment in OPTIMIZERS[config.optimizer][1]},
                           best_rnn={k: z[f"best_{k}"] for k in PARAMS}, best_smooth_loss=s["best_smooth_loss"],
                           best_update=s["best_update"], best_h=z["best_h"], best_x=s["best_x"],
                           val_loss=z["val_loss"], rng=rng, wall_time=s["wall_time"])
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{path} is not a complete checkpoint ({err}): delete it and train again.") from None
    return rnn, state, c2i, i2c
