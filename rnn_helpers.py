"""A character-level vanilla RNN in NumPy: the math of DD2424 Assignment 4, in the lecture's order.

Read it next to the lecture notes; the names are theirs. For an input sequence x_1..x_T (character
indices into a vocabulary of K characters) and hidden size m:

    a_t = W h_{t-1} + U x_t + b        U (m, K), W (m, m), b (m,)
    h_t = tanh(a_t)
    o_t = V h_t + c                    V (K, m), c (K,)
    p_t = softmax(o_t)
    L   = sum_t -log p_t[y_t]          summed over t (the 2017-24 handout), or averaged over t
                                       with loss="mean" (the 2025-26 handout)

One vector convention throughout: vectors are ROWS. A hidden state is (m,), or (B, m) for B sequences
side by side, and W h_{t-1} is written `h.dot(W.T)`; a one-hot x_t picks row x_t of U.T. A sequence is an
int array (T,), or (T, B). What does not depend on the recurrence is computed for all t at once; only
the two loops over time (forward and backward) are in Python.

The machinery around the course's loop (files, checkpoints, interrupts, time budgets, progress) is in
rnn_trainer.py, which imports this module: `from rnn_trainer import train, TrainConfig, evaluate`.
"""
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from blas import one_blas_thread
from checks import PARAMS, check_count, check_h0, check_index, check_rnn, check_sequences, model_shapes

ROOT = Path(__file__).resolve().parent
LOSSES = ("sum", "mean")                  # the loss of a sequence: summed (2017-24) or averaged (2025-26)
# The gradient check's pass marks (tests, notebook 1). Central differences are judged in absolute terms
# and as whole arrays (their error, ~1e-10, does not shrink with the entry); the complex step, entrywise.
GRADIENT_TOLERANCES = dict(central_max_abs=1e-8, central_array_rel=1e-6, complex_max_rel=1e-9)


# ---- The corpus as indices -------------------------------------------------------------------

def build_vocab(text):
    """char_to_ind and ind_to_char over the sorted distinct characters of text."""
    chars = sorted(set(text))
    return {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))


def encode(text, char_to_ind):
    """Character indices of text: an int array of shape (len(text),)."""
    try:
        return np.array([char_to_ind[ch] for ch in text], dtype=np.intp)
    except KeyError as err:
        raise ValueError(f"Character {err.args[0]!r} (position {text.index(err.args[0])}) is not in the "
                         f"vocabulary of {len(char_to_ind)} characters: use text made of the training "
                         "corpus's characters.") from None


def decode(indices, ind_to_char):
    """The text of a sequence of character indices (n,)."""
    indices = np.asarray(indices)
    if indices.size and not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"decode needs integer character indices, got {indices.dtype}.")
    try:
        return "".join(ind_to_char[int(i)] for i in indices)
    except KeyError as err:
        raise ValueError(f"Index {err.args[0]} is not in the vocabulary (0..{len(ind_to_char) - 1}).") from None


def split_corpus(data, held_out=0.05, boundary=None):
    """(training part, held-out part) of the encoded text data (N,): the last `held_out` share of
    the text is never trained on. boundary: the index of the end-of-document character of a corpus
    of documents; the cut then moves back to just after the last one before it, so that the
    held-out part is whole documents."""
    if not (isinstance(held_out, numbers.Real) and 0 < held_out < 1):
        raise ValueError(f"held_out must be a share strictly between 0 and 1, got {held_out!r}.")
    n_train = len(data) - int(round(len(data) * held_out))
    if boundary is not None:
        ends = np.flatnonzero(np.asarray(data[:n_train]) == boundary)
        if not len(ends):
            raise ValueError(f"No end of a document (index {boundary}) in the first {n_train:,} characters: the "
                             "first document is longer than the training part.")
        n_train = int(ends[-1]) + 1
    return data[:n_train], data[n_train:]


# ---- The model: forward and backward passes --------------------------------------------------

def init_rnn(K, m=100, sig=0.01, rng=None, dtype=np.float64):
    """U (m, K), W (m, m), V (K, m) ~ N(0, sig^2) and b (m,) = c (K,) = 0, in float32 or float64.

    sig: one standard deviation for U, W and V (the 2017-24 handout: 0.01), or one each, as a dict
    {"U": ..., "W": ..., "V": ...} (see init_2025).
    """
    K, m = check_count("K", K, 1), check_count("m", m, 1)
    sigs = sig if isinstance(sig, dict) else dict.fromkeys(("U", "W", "V"), sig)
    if sorted(sigs) != ["U", "V", "W"]:
        raise ValueError(f"sig must be a number or a dict with the keys U, W and V, got {sig!r}.")
    for k, s in sigs.items():
        if isinstance(s, bool) or not isinstance(s, numbers.Real) or not 0 <= s < math.inf:
            raise ValueError(f"sig must be a finite number >= 0 for U, W and V, got {s!r} for {k}.")
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}.")
    rng = np.random.default_rng() if rng is None else rng
    shapes = model_shapes(K, m)
    return {k: (sigs[k] * rng.standard_normal(shapes[k]) if k in sigs else np.zeros(shapes[k])).astype(dtype)
            for k in PARAMS}


def init_2025(K, m):
    """The standard deviations of the 2025-26 handout's initialisation, for init_rnn(sig=...):
    U ~ N(0, 1/(2K)), W ~ N(0, 1/(2m)), V ~ N(0, 1/m)."""
    return {"U": (2 * K) ** -0.5, "W": (2 * m) ** -0.5, "V": m ** -0.5}


def softmax(o, out=None):
    """Softmax over the last axis, into out (o itself: in place); the max is subtracted for stability
    (its real part, so that complex inputs for complex-step differentiation keep their imaginary parts)."""
    e = np.subtract(o, o.real.max(axis=-1, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def one_hot(indices, K, dtype=np.float64):
    """(*indices.shape, K): the one-hot vector of each index (no identity matrix: K may be thousands)."""
    indices = np.asarray(indices)
    Y = np.zeros((indices.size, K), dtype)
    Y.ravel()[np.arange(0, Y.size, K) + indices.ravel()] = 1     # flat indices: Y[t, indices[t]]
    return Y.reshape(indices.shape + (K,))


@dataclass
class Cache:
    """What backward needs from forward, and the arrays both passes write into. The training loop hands
    each update's cache to the next forward pass (reuse=), which overwrites the same arrays and walks
    the same views of their rows: fresh megabytes cost page faults (27 ms an update, not 15), and a
    fresh view of a row at every step of the loops over time about 4 % of an update (m = 100)."""
    x: np.ndarray = None   # input indices, (T,) or (T, B)
    y: np.ndarray = None   # target indices, (T,) or (T, B)
    H: np.ndarray = None   # H[0] = h_0, H[t] = h_t: (T + 1, [B,] m)
    P: np.ndarray = None   # P[t - 1] = p_t: (T, [B,] K)
    at_y: np.ndarray = None   # where each p_t[y_t] is in P.ravel(): (T [B],)
    scale: float = 1.0     # dL/dl for each character's loss l: 1 when summed, 1/(T B) when averaged
    G: np.ndarray = None   # backward's g_t = dL/do_t: (T [B], K)
    D: np.ndarray = None   # backward's tanh'(a_t) = 1 - h_t^2: (T, [B,] m)
    dA: np.ndarray = None  # backward's dL/da_t: (T, [B,] m)
    rows: dict = field(default_factory=dict)   # name: the rows of that array, a list of views

    def array(self, name, shape, dtype):
        """The array `name`, of this shape and dtype: the one the cache has, or a new one it keeps."""
        a = getattr(self, name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = np.empty(shape, dtype)
            setattr(self, name, a)
            self.rows[name] = list(a)
        return a


def hidden_states(rnn, x, h0, cache=None):
    """H (T + 1, [B,] m): H[0] = h0, H[t] = h_t after reading x_1..x_t.
    x: input indices (T,) or (T, B); h0: (m,) or (B, m); cache: the Cache whose H to fill (forward's)."""
    U, W, b = rnn["U"], rnn["W"], rnn["b"]
    cache = Cache() if cache is None else cache
    H = cache.array("H", (len(x) + 1,) + np.shape(h0), np.result_type(W, h0))
    H[0] = h0
    np.add(U.T[x], b, out=H[1:])              # U x_t + b for every t: a one-hot x_t picks a column of U
    h_prev, WT = H[0], W.T
    for a_t in cache.rows["H"][1:]:           # the recurrence, the only loop over time (H[1:])
        a_t += h_prev.dot(WT)                 # a_t = W h_{t-1} + U x_t + b
        h_prev = np.tanh(a_t, out=a_t)        # h_t = tanh(a_t), in a_t's place
    return H


def forward(rnn, x, y, h0, loss="sum", reuse=None):
    """(L, cache): the loss of predicting y from x, starting from hidden state h0, and what backward
    needs. loss="sum": summed over all T (and B) characters; loss="mean": averaged over them.
    x, y: input and target indices, (T,) or (T, B); h0: (m,) or (B, m).
    reuse: the cache of an earlier pass, whose arrays this pass overwrites where their shapes match;
    it is returned, holding this pass."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be 'sum' or 'mean', got {loss!r}.")
    V, c = rnn["V"], rnn["c"]
    x, y, (K, m) = np.asarray(x), np.asarray(y), V.shape
    cache = Cache() if reuse is None else reuse
    H = hidden_states(rnn, x, h0, cache)
    P = cache.array("P", x.shape + (K,), H.dtype)
    np.matmul(H[1:].reshape(-1, m), V.T, out=P.reshape(-1, K))   # o_t = V h_t + c, every t at once
    P += c
    softmax(P, out=P)                                            # p_t = softmax(o_t)
    at_y = np.arange(0, P.size, K) + y.ravel()                  # P.ravel()[at_y[t]] = p_t[y_t]
    L = -np.log(P.ravel()[at_y]).sum()                          # L = sum_t -log(y_t^T p_t)
    cache.x, cache.y, cache.at_y, cache.scale = x, y, at_y, 1.0 if loss == "sum" else 1.0 / x.size
    return L * cache.scale if cache.scale != 1 else L, cache


def backward(rnn, cache, grads=None):
    """Gradients of forward's loss (summed or averaged) with respect to U, W, V, b, c (not clipped): a
    dict of arrays of the parameters' shapes. cache: from forward. grads: optional dict of arrays to
    write into (the training loop passes views of one flat vector)."""
    W, V, (K, m) = rnn["W"], rnn["V"], rnn["V"].shape
    x, y, H, P = cache.x, cache.y, cache.H, cache.P
    grads = {k: np.empty(rnn[k].shape, P.dtype) for k in PARAMS} if grads is None else grads
    G = cache.array("G", (x.size, K), P.dtype)
    G[:] = P.reshape(-1, K)
    G.ravel()[cache.at_y] -= 1                # g_t = dL/do_t = -(y_t - p_t)^T, one row per t
    if cache.scale != 1:
        G *= cache.scale                      # the averaged loss: every g_t divided by T (B)
    np.matmul(G.T, H[1:].reshape(-1, m), out=grads["V"])                # dL/dV = sum_t g_t^T h_t^T
    G.sum(axis=0, out=grads["c"])             # dL/dc = sum_t g_t

    D = cache.array("D", H[1:].shape, P.dtype)
    np.multiply(H[1:], H[1:], out=D)
    np.subtract(1, D, out=D)                  # tanh'(a_t) = 1 - h_t^2, every t at once
    dA = cache.array("dA", H[1:].shape, P.dtype)
    np.matmul(G, V, out=dA.reshape(-1, m))    # dL/dh_t from o_t alone: g_t V; made dL/da_t below
    da_next = dA[-1]
    da_next *= D[-1]                          # nothing comes back from a_{T+1}
    for da_t, d_t in zip(cache.rows["dA"][-2::-1], cache.rows["D"][-2::-1]):   # back through time, t = T-1..1
        da_t += da_next.dot(W)                # dL/dh_t = g_t V + dL/da_{t+1} W
        da_t *= d_t                           # dL/da_t = dL/dh_t diag(1 - h_t^2)
        da_next = da_t

    dA = dA.reshape(-1, m)
    np.matmul(dA.T, H[:-1].reshape(-1, m), out=grads["W"])             # dL/dW = sum_t da_t^T h_{t-1}^T
    dA.sum(axis=0, out=grads["b"])                                     # dL/db = sum_t da_t
    np.matmul(dA.T, one_hot(x.reshape(-1), K, dA.dtype), out=grads["U"])  # dL/dU = sum_t da_t^T x_t^T
    return grads


def compute_loss(rnn, x, y, h0, loss="sum"):
    """forward's loss, as a Python float (complex for complex parameters)."""
    L = forward(rnn, *check_sequences(rnn, x, y), h0, loss)[0]
    return float(L) if np.isrealobj(L) else L


def compute_grads(rnn, x, y, h0, loss="sum"):
    """backward(forward(...)): the analytic gradients, a dict of arrays of the parameters' shapes."""
    return backward(rnn, forward(rnn, *check_sequences(rnn, x, y), h0, loss)[1])


def gradient_through_time(rnn, x, y, h0):
    """The norms ||dL_T / dh_{T-k}|| for k = 0, ..., T - 1, (T,): how much the loss of the last
    character of a sequence, L_T = -log y_T^T p_T, depends on the hidden state k steps earlier.
    x, y: input and target indices (T,) of one sequence; h0: (m,)."""
    W, V = rnn["W"], rnn["V"]
    x, y = check_sequences(rnn, x, y)
    if x.ndim != 1:
        raise ValueError(f"gradient_through_time reads one sequence: x and y of shape (T,), got {x.shape}.")
    h0 = check_h0(h0, W.shape[0])
    H = hidden_states(rnn, x, h0)
    g = softmax(H[-1].dot(V.T) + rnn["c"])
    g[y[-1]] -= 1                             # dL_T/do_T = p_T - y_T
    g = g.dot(V)                              # dL_T/dh_T
    norms = np.empty(len(x))
    for k in range(len(x)):
        norms[k] = np.linalg.norm(g)
        g = (g * (1 - H[-1 - k] ** 2)).dot(W)    # dL_T/dh_{t-1} = dL_T/dh_t diag(1 - h_t^2) W, t = T - k
    return norms


# ---- Gradient checks -------------------------------------------------------------------------

@one_blas_thread
def compute_grads_num(rnn, x, y, h0, h=1e-4, loss="sum", entries=None, rng=None):
    """Central differences (the course's ComputeGradsNum), on a float64 copy of the model (in float32
    the differences would drown in rounding). entries: None for every entry of every parameter, or n
    for n entries of each drawn at random with rng (the others nan): a large K then costs seconds."""
    rnn = {k: rnn[k].astype(np.float64) for k in PARAMS}

    def central(theta, i):
        old = theta[i]
        theta[i] = old - h
        l1 = compute_loss(rnn, x, y, h0, loss)
        theta[i] = old + h
        l2 = compute_loss(rnn, x, y, h0, loss)
        theta[i] = old
        return (l2 - l1) / (2 * h)
    return _entrywise(rnn, central, entries, rng)


@one_blas_thread
def compute_grads_complex(rnn, x, y, h0, h=1e-20, loss="sum", entries=None, rng=None):
    """Complex-step derivatives: dL/dθ = Im L(θ + i h) / h, exact to rounding (no subtraction).
    entries, rng: as for compute_grads_num."""
    crnn = {k: rnn[k].astype(complex) for k in PARAMS}

    def complex_step(theta, i):
        theta[i] += 1j * h
        g = compute_loss(crnn, x, y, h0, loss).imag / h
        theta[i] -= 1j * h
        return g
    return _entrywise(crnn, complex_step, entries, rng)


def _entrywise(rnn, derivative, entries, rng):
    """{k: derivative(rnn[k], i) at every entry i of each parameter, or at `entries` random ones}."""
    grads = {}
    for k in PARAMS:
        grads[k] = g = np.full(rnn[k].shape, np.nan)
        where = np.ndindex(g.shape)
        if entries is not None and check_count("entries", entries, 1) < g.size:
            where = zip(*np.unravel_index(np.sort(rng.choice(g.size, entries, replace=False)), g.shape))
        for i in where:
            g[i] = derivative(rnn[k], i)
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
            h = anp.tanh(anp.dot(h, W.T) + anp.dot(x_t, U.T) + b)
            o = anp.dot(h, V.T) + c
            log_p = o - anp.max(o) - anp.log(anp.sum(anp.exp(o - anp.max(o))))
            total = total - anp.dot(y_t, log_p)
        return total / len(X) if loss == "mean" else total

    return autograd.grad(L)({k: rnn[k].astype(np.float64) for k in PARAMS})


def compare_gradients(analytic, numerical):
    """Per parameter: the gradient's norm, max |ga - gn|, the max entrywise relative error and the
    relative error of the whole array, ||ga - gn|| / max(1e-12, ||ga|| + ||gn||), over the entries
    that numerical has (not nan)."""
    result = {}
    for k in PARAMS:
        checked = ~np.isnan(numerical[k])
        ga, gn = analytic[k][checked], numerical[k][checked]
        result[k] = dict(norm=float(np.linalg.norm(analytic[k])), max_abs=float(np.abs(ga - gn).max()),
                         max_rel=relative_error(ga, gn), checked=int(checked.sum()),
                         array_rel=float(np.linalg.norm(ga - gn) / max(1e-12, np.linalg.norm(ga) + np.linalg.norm(gn))))
    return result


def relative_error(ga, gn):
    """max over entries of |ga - gn| / max(1e-12, |ga| + |gn|)."""
    return float(np.max(np.abs(ga - gn) / np.maximum(1e-12, np.abs(ga) + np.abs(gn))))


# ---- Synthesis -------------------------------------------------------------------------------

@one_blas_thread
def synthesize(rnn, h0, x0, n, rng, temperature=1.0, top_p=1.0, stop=None):
    """n character indices, an int array (n,), sampled one at a time, each fed back as the next input.

    h0: the hidden state (m,) to start from; x0: the index of the first input character.
    temperature divides o_t before the softmax; top_p keeps the smallest set of most likely
    characters whose probability reaches top_p (nucleus sampling). The pick is the course's rule:
    the first index where cumsum(p) - a > 0, a ~ U(0, 1). stop: the index of a character (the end of
    a document) that ends the sample early, as its last index; n is then the longest it may be.
    """
    K, m = check_rnn(rnn)
    U, W, V, b, c = (rnn[k] for k in PARAMS)
    n = check_count("n", n, 0)
    real = lambda v: isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
    if not real(temperature) or not 1e-6 <= temperature < math.inf:
        raise ValueError(f"temperature must be a finite number >= 1e-6 (below, o_t / temperature "
                         f"overflows), got {temperature!r}.")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a NumPy Generator, e.g. np.random.default_rng(0); got {rng!r}.")
    if not real(top_p) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}.")
    x, stop = check_index("x0", x0, K), stop if stop is None else check_index("stop", stop, K)
    h, UT, WT, VT = check_h0(h0, m), U.T, W.T, V.T
    out = np.empty(n, dtype=np.intp)
    for t in range(n):
        h = np.tanh(h.dot(WT) + UT[x] + b)    # h_t = tanh(W h_{t-1} + U x_t + b)
        p = softmax((h.dot(VT) + c) / temperature)
        if top_p < 1:
            p = nucleus(p, top_p)
        cp = np.cumsum(p)
        # a is scaled by cp[-1] so that rounding in the cumulative sum never leaves a past its end
        x = out[t] = np.searchsorted(cp, rng.random() * cp[-1], side="right")
        if x == stop:
            return out[:t + 1]
    return out


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
    if len(indices) == 0:
        raise ValueError("mean_log_prob needs at least one character.")
    x = np.concatenate([[x0], indices[:-1]])
    return -compute_loss(rnn, x, indices, h0) / len(indices)


# ---- Optimizers: step(theta, g, moments, t, eta, eps, betas) on whole vectors, in place ------

ADAM_BETAS = (0.9, 0.999)


def adagrad_step(theta, g, moments, t, eta, eps, betas=None):
    """AdaGrad: m_θ ← m_θ + g², θ ← θ − η g / sqrt(m_θ + ε) (betas: Adam's, not used)."""
    moments["m"] += g * g
    theta -= g / np.sqrt(moments["m"] + eps) * eta


def adam_step(theta, g, moments, t, eta, eps, betas=ADAM_BETAS):
    """Adam: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², θ ← θ − η m̂ / (sqrt(v̂) + ε), with the
    bias corrections m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t) written into the two scalar factors."""
    (beta1, beta2), m, v = betas, moments["m"], moments["v"]
    m += (1 - beta1) * (g - m)                # = β1 m + (1 − β1) g, with one temporary
    v += (1 - beta2) * (g * g - v)
    theta -= eta / (1 - beta1 ** t) * (m / (np.sqrt(v / (1 - beta2 ** t)) + eps))


# name: (step function, the moment vectors it keeps)
OPTIMIZERS = {"adagrad": (adagrad_step, ("m",)), "adam": (adam_step, ("m", "v"))}


# ---- The course's training loop --------------------------------------------------------------

def training_loop(theta, params, steps, config, state):
    """The handout's algorithm: for each (X, Y, eta) of steps -- input and target sequences (T,) or
    (T, B) and the learning rate -- one forward pass from the hidden state h carried over from the
    last sequence, the smooth loss, the best model so far kept, one backward pass, the gradients
    clipped, one optimizer step. Yields the smooth loss after each update.

    theta: one flat vector holding U, W, V, b, c, and params their views by name (flat_views), so
    that clipping and the optimizer step are whole-vector operations. config: a TrainConfig (loss,
    clip, optimizer, eps); state: a TrainState (h, moments, smooth loss, best model) it updates.
    rnn_trainer.train runs it, with the reading of the text, checkpoints and the rest around it.
    """
    grad, grads = flat_views(params)
    moments = {}
    for k in state.moments:
        moments[k], state.moments[k] = flat_views(state.moments[k])
    best, state.best_rnn = flat_views(state.best_rnn)
    optimizer_step = OPTIMIZERS[config.optimizer][0]
    smooth, cache = state.smooth_loss[-1] if state.update else None, None
    for X, Y, eta in steps:
        loss, cache = forward(params, X, Y, state.hprev, config.loss, reuse=cache)
        if not math.isfinite(loss):
            raise FloatingPointError(f"The loss became {loss} at update {state.update + 1}")
        smooth = float(loss) if smooth is None else 0.999 * smooth + 0.001 * float(loss)
        if smooth < state.best_smooth_loss:      # theta gave this loss: the best model so far, and
            best[:] = theta                      # where it was: the state and input of stream 0
            state.best_smooth_loss, state.best_update = smooth, state.update + 1
            state.best_h, state.best_x = np.array(stream0(state.hprev)), int(X.flat[0])
        backward(params, cache, grads)
        if config.clip:
            grad.clip(-config.clip, config.clip, out=grad)
        optimizer_step(theta, grad, moments, state.update + 1, eta, config.eps, config.betas)
        state.update, state.hprev = state.update + 1, cache.H[-1].copy()   # the next pass overwrites H
        yield smooth


def flat_views(arrays):
    """One contiguous vector holding copies of five parameter-shaped arrays, and its views by name."""
    flat = np.concatenate([np.ravel(arrays[k]) for k in PARAMS])
    sizes = np.cumsum([0] + [np.size(arrays[k]) for k in PARAMS])
    return flat, {k: flat[sizes[i]:sizes[i + 1]].reshape(np.shape(arrays[k])) for i, k in enumerate(PARAMS)}


def stream0(h):
    """The hidden state (m,) of stream 0, from (m,) or (B, m)."""
    return h if h.ndim == 1 else h[0]
