"""A character-level vanilla RNN in NumPy: all the math of DD2424 Assignment 4 in one module.

Read it next to the lecture notes; the names are theirs. For an input sequence x_1..x_T (character
indices into a vocabulary of K characters) and hidden size m:

    a_t = W h_{t-1} + U x_t + b        U (m, K), W (m, m), b (m,)
    h_t = tanh(a_t)
    o_t = V h_t + c                    V (K, m), c (K,)
    p_t = softmax(o_t)
    L   = sum_t -log p_t[y_t]          summed over t, as in the course

Shapes: a sequence is an int array of shape (T,), or (T, B) for B sequences side by side; hidden
states are (m,) or (B, m), so every product is written with h as a row vector: `h.dot(W.T)` is W h.
Whatever does not depend on the recurrence is computed for all t at once; only the two loops over
time (forward and backward) are in Python.
"""
import functools
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
PARAMS = ("U", "W", "V", "b", "c")


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

def find_corpus():
    """The training text, first match wins: $RNN_CORPUS, data/goblet_book.txt, data/shakespeare.txt."""
    if os.environ.get("RNN_CORPUS"):
        path = ROOT / os.environ["RNN_CORPUS"]   # a relative path is taken from the repository root
        if not path.is_file():
            raise FileNotFoundError(f"RNN_CORPUS={os.environ['RNN_CORPUS']!r}: no such file ({path}). "
                                    "Point it at a UTF-8 text file, or unset it to use the default corpus.")
        return path
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


def run_dir(corpus_name):
    """Where a training run on this corpus keeps its files: runs/<corpus-name>/ ($RNN_RUNS overrides runs/)."""
    return Path(os.environ.get("RNN_RUNS") or ROOT / "runs") / corpus_name


def load_run(corpus, notebook="02_training.ipynb"):
    """run.json of the training run on this corpus (a corpus_info dict), with a clear error when
    there is none or it was trained on another text."""
    path = run_dir(corpus["name"]) / "run.json"
    if not path.is_file():
        raise FileNotFoundError(f"No training run on the corpus {corpus['name']!r} ({path} is missing): "
                                f"run notebooks/{notebook} first.")
    run = json.loads(path.read_text())
    if run["corpus"]["sha256"] != corpus["sha256"]:
        raise ValueError(f"{path} comes from another version of {corpus['name']!r} (its sha256 differs): "
                         f"run notebooks/{notebook} again.")
    return run


def write_json(path, obj):
    """Write JSON atomically (aside, then rename), so an interrupted run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, ensure_ascii=False))
    os.replace(tmp, path)


def read_book(path):
    """The whole file as text, with Windows line endings (\\r\\n) read as \\n."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Corpus file {path} not found. Copy goblet_book.txt to data/, set "
                                "RNN_CORPUS to its path, or run `make corpus` for the default corpus.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text: byte {err.start} is {raw[err.start]:#04x}. "
                         "Convert the file to UTF-8 (e.g. iconv -t UTF-8).") from None
    if not text:
        raise ValueError(f"{path} is empty: the RNN needs a text to learn from.")
    return text.replace("\r\n", "\n")


def build_vocab(text):
    """char_to_ind and ind_to_char over the sorted distinct characters of text."""
    chars = sorted(set(text))
    return {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))


def encode(text, char_to_ind):
    try:
        return np.array([char_to_ind[ch] for ch in text], dtype=np.intp)
    except KeyError as err:
        pos = text.index(err.args[0])
        raise ValueError(f"Character {err.args[0]!r} (position {pos}) is not in the vocabulary of "
                         f"{len(char_to_ind)} characters: use text made of the training corpus's "
                         "characters.") from None


def decode(indices, ind_to_char):
    try:
        return "".join(ind_to_char[int(i)] for i in indices)
    except KeyError as err:
        raise ValueError(f"Index {err.args[0]} is not in the vocabulary (0..{len(ind_to_char) - 1}).") from None


# ---------------------------------------------------------------------------------------------
# The model: forward and backward passes
# ---------------------------------------------------------------------------------------------

def init_rnn(K, m=100, sig=0.01, rng=None, dtype=np.float64):
    """U, W, V ~ N(0, sig^2) and b = c = 0."""
    if int(K) != K or K <= 0 or int(m) != m or m <= 0:
        raise ValueError(f"K and m must be positive integers, got K={K}, m={m}.")
    if not sig >= 0:
        raise ValueError(f"sig must be >= 0, got {sig}.")
    rng = np.random.default_rng() if rng is None else rng
    shapes = param_shapes(K, m)
    return {k: (sig * rng.standard_normal(shapes[k]) if k in "UWV" else np.zeros(shapes[k])).astype(dtype)
            for k in PARAMS}


def param_shapes(K, m):
    return {"U": (m, K), "W": (m, m), "V": (K, m), "b": (m,), "c": (K,)}


def softmax(o):
    """Softmax over the last axis; the max is subtracted for stability (its real part, so that
    complex inputs for complex-step differentiation keep their imaginary parts)."""
    e = np.exp(o - o.real.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@functools.lru_cache
def identity(K, dtype):
    eye = np.eye(K, dtype=dtype)
    eye.flags.writeable = False
    return eye


def one_hot(indices, K, dtype=np.float64):
    """Row i is the one-hot vector of indices[i]: rows of the identity, no arithmetic."""
    return identity(K, np.dtype(dtype)).take(indices, axis=0)


@dataclass
class Cache:
    """What the backward pass needs from the forward pass."""
    x: np.ndarray          # input indices, (T,) or (T, B)
    Y: np.ndarray          # one-hot targets: (T, [B,] K)
    H: np.ndarray          # H[0] = h_0, H[t] = h_t: (T + 1, [B,] m)
    P: np.ndarray          # P[t - 1] = p_t: (T, [B,] K)


def hidden_states(rnn, x, h0):
    """H with H[0] = h0 and H[t] = h_t after reading x_1..x_t."""
    U, W, b = rnn["U"], rnn["W"], rnn["b"]
    H = np.empty((len(x) + 1,) + np.shape(h0), dtype=np.result_type(W, h0))
    H[0] = h0
    A = U.T[x] + b                            # U x_t + b for every t: a one-hot x_t picks a column of U
    WT = W.T
    for a_t, h_prev, h_t in zip(A, H[:-1], H[1:]):    # the recurrence, the only loop over time
        a_t += h_prev.dot(WT)                 # a_t = W h_{t-1} + U x_t + b
        np.tanh(a_t, out=h_t)                 # h_t = tanh(a_t)
    return H


def forward(rnn, x, y, h0):
    """The loss of predicting y from x, starting from hidden state h0, and the cache for backward."""
    V, c = rnn["V"], rnn["c"]
    x = np.asarray(x)
    H = hidden_states(rnn, x, h0)
    P = softmax(H[1:].dot(V.T) + c)           # o_t = V h_t + c and p_t = softmax(o_t), every t at once
    Y = one_hot(y, len(c), P.real.dtype)
    loss = -np.log((P * Y).sum(axis=-1)).sum()     # L = sum_t -log(y_t^T p_t)
    return loss, Cache(x, Y, H, P)


def backward(rnn, cache, grads=None):
    """Gradients of the summed loss with respect to U, W, V, b, c (not clipped).

    grads: optional dict of arrays to write into (train passes views of one flat vector).
    """
    W, V = rnn["W"], rnn["V"]
    x, Y, H, P = cache.x, cache.Y, cache.H, cache.P
    K, m = V.shape
    grads = {k: np.empty(rnn[k].shape, P.dtype) for k in PARAMS} if grads is None else grads
    G = (P - Y).reshape(-1, K)                # g_t = dL/do_t = -(y_t - p_t)^T, one row per t
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


def compute_loss(rnn, x, y, h0):
    loss = forward(rnn, x, y, h0)[0]
    return float(loss) if np.isrealobj(loss) else loss


def compute_grads(rnn, x, y, h0):
    return backward(rnn, forward(rnn, x, y, h0)[1])


def compute_grads_num(rnn, x, y, h0, h=1e-4):
    """Central differences on every entry of every parameter (the course's ComputeGradsNum)."""
    grads = {}
    for k in PARAMS:
        theta = rnn[k]
        grads[k] = g = np.empty(theta.shape)
        for i in np.ndindex(theta.shape):
            old = theta[i]
            theta[i] = old - h
            l1 = compute_loss(rnn, x, y, h0)
            theta[i] = old + h
            l2 = compute_loss(rnn, x, y, h0)
            theta[i] = old
            g[i] = (l2 - l1) / (2 * h)
    return grads


def compute_grads_complex(rnn, x, y, h0, h=1e-20):
    """Complex-step derivatives: dL/dθ = Im L(θ + i h) / h, exact to rounding (no subtraction)."""
    crnn = {k: rnn[k].astype(complex) for k in PARAMS}
    grads = {}
    for k in PARAMS:
        theta = crnn[k]
        grads[k] = g = np.empty(theta.shape)
        for i in np.ndindex(theta.shape):
            theta[i] += 1j * h
            g[i] = compute_loss(crnn, x, y, h0).imag / h
            theta[i] -= 1j * h
    return grads


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
    """n character indices sampled one at a time, each fed back as the next input.

    temperature divides o_t before the softmax; top_p keeps the smallest set of most likely
    characters whose probability reaches top_p (nucleus sampling). The pick is the course's rule:
    the first index where cumsum(p) - a > 0, a ~ U(0, 1).
    """
    U, W, V, b, c = (rnn[k] for k in PARAMS)
    K = len(c)
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n}.")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}.")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}.")
    if not 0 <= x0 < K or int(x0) != x0:
        raise ValueError(f"x0={x0} is not in the vocabulary (0..{K - 1}).")
    h, x = np.asarray(h0), int(x0)
    out = np.empty(int(n), dtype=np.intp)
    for t in range(int(n)):
        h = np.tanh(W @ h + U[:, x] + b)
        p = softmax((V @ h + c) / temperature)
        if top_p < 1:
            p = nucleus(p, top_p)
        cp = np.cumsum(p)
        # a is scaled by cp[-1] so that rounding in the cumulative sum never leaves a past its end
        x = out[t] = np.searchsorted(cp, rng.random() * cp[-1], side="right")
    return out


def mean_log_prob(rnn, h0, x0, indices):
    """The mean log-probability per character that the model gives to a sequence it continues
    from h0 and x0 (untempered p_t): how plausible the model itself finds a sample."""
    x = np.concatenate([[x0], indices[:-1]])
    return -compute_loss(rnn, x, indices, h0) / len(indices)


def words(text):
    """The words of a text: runs of letters and apostrophes."""
    return re.findall(r"[A-Za-z']+", text)


def word_stats(text, vocabulary):
    """(share of the text's words that are in `vocabulary`, distinct words / words)."""
    ws = words(text)
    if not ws:
        return 0.0, 0.0
    return sum(w in vocabulary for w in ws) / len(ws), len(set(ws)) / len(ws)


def nucleus(p, top_p):
    """p restricted to the smallest set of most likely entries whose mass reaches top_p, renormalised."""
    order = np.argsort(-p, kind="stable")
    n_keep = min(len(p), np.searchsorted(np.cumsum(p[order]), top_p) + 1)
    q = np.zeros_like(p)
    q[order[:n_keep]] = p[order[:n_keep]]
    return q / q.sum()


# ---------------------------------------------------------------------------------------------
# Training: AdaGrad as in the course, and the options beyond it (mini-batches, Adam, random order,
# held-out validation)
# ---------------------------------------------------------------------------------------------

ADAM_BETAS = (0.9, 0.999)


class TrainingDiverged(FloatingPointError):
    """The loss became inf or nan. .state still holds the best model and the last good state."""

    def __init__(self, message, state):
        super().__init__(message)
        self.state = state


@dataclass
class TrainState:
    """Everything training needs to go on where it stopped, and what it has recorded."""
    config: dict                          # eta, seq_length, eps, clip, optimizer, batch_size, chunk_length
    ind_to_char: dict = None              # the vocabulary, saved with checkpoints
    update: int = 0                       # updates done so far
    epoch: int = 1
    step: int = 0                         # updates done in this epoch
    e: int = 0                            # where the last sequence started in its chunk (stream 0)
    order: np.ndarray = None              # this epoch's order of the chunks
    hprev: np.ndarray = None              # (m,), or (B, m) for B streams
    smooth_loss: np.ndarray = field(default_factory=lambda: np.empty(0))   # one value per update
    moments: dict = None                  # AdaGrad: {"m": m_θ}; Adam: {"m": first, "v": second moments}
    best_rnn: dict = None                 # the parameters with the lowest smooth loss so far
    best_smooth_loss: float = np.inf
    best_update: int = 0
    val_loss: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))  # rows: update, nats/char, seconds
    rng: np.random.Generator = None       # the hooks sample with it, random order draws from it
    wall_time: float = 0.0                # seconds spent in train, summed over calls

    @property
    def updates_per_second(self):
        return self.update / self.wall_time if self.wall_time else float("nan")

    @property
    def characters_per_update(self):
        return self.config["seq_length"] * self.config["batch_size"]


def train(rnn, data, n_updates, eta=0.1, seq_length=25, eps=1e-8, clip=5.0, optimizer="adagrad",
          batch_size=1, chunk_length=None, state=None, rng=None, hook=None, hook_at=(), progress=False,
          checkpoint=None, checkpoint_every=10_000, ind_to_char=None, validation=None,
          validate_every=1000, time_budget=None, decay=False):
    """Train on the encoded book `data`, updating `rnn` in place; returns the TrainState.

    The course's rules, with the defaults: sequence X = data[e:e+seq_length], Y = data[e+1:e+seq_length+1];
    the hidden state carries over from one sequence to the next; when the next sequence would run
    past the end of the book a new epoch starts from e = 0 with h = 0. Gradients are clipped to
    [-clip, clip]; AdaGrad: m_θ += g², θ -= eta g / sqrt(m_θ + eps); smooth_loss = 0.999 smooth_loss
    + 0.001 loss. The parameters are trained in their own dtype (init_rnn(..., dtype=np.float32)).

    Beyond the course:
    batch_size B: the text is cut into B equal streams read side by side, each with its own hidden
            state; the loss (and smooth loss) is summed over the B sequences.
    chunk_length: the text is cut into chunks of this length, visited in a new random order each
            epoch (B at a time), the hidden state reset at the start of each chunk.
    optimizer: "adagrad" or "adam" (beta1, beta2 = 0.9, 0.999; eps as given).
    validation: encoded held-out text; its loss in nats per character is recorded in
            state.val_loss (rows: update, nats/char, seconds of training so far) every
            validate_every updates and at the end.
    time_budget: stop after this many seconds even if n_updates are not done.
    decay:  lower eta linearly to 0 over this call: over n_updates, or over time_budget seconds if
            that ends first (then the run depends on the machine's speed).
    hook:   called as hook(update, rnn, hprev, x0, state) before each update numbered in hook_at
            (1-based), with the hidden state and first input character of that update's sequence
            (of stream 0).
    state:  a TrainState (from an earlier call or load_checkpoint) to go on from, bit for bit.
    checkpoint: a path; the state is written there every checkpoint_every updates and at the end
            (with the vocabulary ind_to_char, which it then needs).
    """
    data = np.asarray(data)
    config = dict(eta=float(eta), seq_length=int(seq_length), eps=float(eps), clip=float(clip),
                  optimizer=optimizer, batch_size=int(batch_size), chunk_length=chunk_length, decay=bool(decay))
    check_train_args(rnn, data, n_updates, config)
    K, m = rnn["V"].shape
    T, B = config["seq_length"], config["batch_size"]
    C = chunk_length or len(data) // B                    # the text in chunks of C characters ...
    n_chunks = len(data) // C
    per_chunk = (C - T - 1) // T + 1                      # ... each read as the course reads the book
    per_epoch = per_chunk * (n_chunks // B)
    if checkpoint and (state is None or state.ind_to_char is None) and ind_to_char is None:
        raise ValueError("train(checkpoint=...) needs ind_to_char, the vocabulary to save with the model.")
    if state is None:
        state = TrainState(config, ind_to_char, rng=rng or np.random.default_rng(),
                           moments={k: {p: np.zeros_like(rnn[p]) for p in PARAMS}
                                    for k in ("mv" if optimizer == "adam" else "m")},
                           best_rnn={k: rnn[k].copy() for k in PARAMS})
        state.order = epoch_order(n_chunks, chunk_length, state.rng)
    elif state.config != config:
        raise ValueError(f"The state to resume was trained with {state.config}, not {config}.")

    # One flat vector holds all parameters (and one the gradients, one each optimizer moment), with
    # U, W, V, b, c as views into it, so clipping and the update are a few whole-vector operations.
    theta, rnn_views = flat_views(rnn)
    rnn.update(rnn_views)
    moments = {}
    for k in state.moments:
        moments[k], state.moments[k] = flat_views(state.moments[k])
    best, state.best_rnn = flat_views(state.best_rnn)
    grad, grad_views = flat_views({k: np.empty_like(rnn[k]) for k in PARAMS})
    tmp = np.empty_like(theta)
    step = adam_step if optimizer == "adam" else adagrad_step

    history = np.empty(state.update + n_updates)
    history[:state.update] = state.smooth_loss
    val_loss = list(map(tuple, state.val_loss))
    hooks = set(hook_at) if hook else set()
    smooth = history[state.update - 1] if state.update else None
    bar = progress_bar(n_updates, state.update) if progress else None
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):    # a bad loss is caught below
        try:
            for done in range(n_updates):
                elapsed = time.perf_counter() - start
                if time_budget is not None and elapsed > time_budget:
                    break
                if state.step == per_epoch:                       # the book is used up: a new epoch
                    state.epoch, state.step = state.epoch + 1, 0
                    state.order = epoch_order(n_chunks, chunk_length, state.rng)
                chunk_round, i = divmod(state.step, per_chunk)
                if i == 0:                                        # a chunk (or the book) starts: h = 0
                    state.hprev = np.zeros((m,) if B == 1 else (B, m), rnn["W"].dtype)
                state.e = i * T
                starts = state.order[chunk_round * B:(chunk_round + 1) * B] * C + state.e
                seq = data[starts + np.arange(T + 1)[:, None]]    # (T + 1, B): one column per stream
                X, Y = (seq[:-1, 0], seq[1:, 0]) if B == 1 else (seq[:-1], seq[1:])
                if state.update + 1 in hooks:
                    state.smooth_loss = history[:state.update]
                    hook(state.update + 1, rnn, state.hprev if B == 1 else state.hprev[0],
                         seq[0, 0], state)

                loss, cache = forward(rnn, X, Y, state.hprev)
                if not np.isfinite(loss):
                    raise TrainingDiverged(f"The loss became {loss} at update {state.update + 1}: lower eta "
                                           "or clip. The best model so far is in .state.best_rnn.", state)
                backward(rnn, cache, grad_views)
                np.clip(grad, -clip, clip, out=grad)
                fraction_done = max(done / n_updates, elapsed / time_budget if time_budget else 0.0)
                step(theta, grad, moments, state.update + 1, eta * (1 - fraction_done) if decay else eta, eps, tmp)

                smooth = loss if smooth is None else 0.999 * smooth + 0.001 * loss
                history[state.update] = smooth
                state.update += 1
                state.step += 1
                state.hprev = cache.H[-1]
                if smooth < state.best_smooth_loss:
                    best[:] = theta
                    state.best_smooth_loss, state.best_update = float(smooth), state.update
                if validation is not None and state.update % validate_every == 0:
                    val_loss.append((state.update, evaluate(rnn, validation),
                                     state.wall_time + time.perf_counter() - start))
                if bar is not None and state.update % 100 == 0:
                    bar.update(100)
                    bar.set_postfix(smooth_loss=f"{smooth:.2f}", refresh=False)
                if checkpoint and state.update % checkpoint_every == 0:
                    state.smooth_loss, state.val_loss = history[:state.update], np.array(val_loss).reshape(-1, 3)
                    save_checkpoint(checkpoint, rnn, state)
        finally:
            state.wall_time += time.perf_counter() - start
            if validation is not None and state.update and (not val_loss or val_loss[-1][0] != state.update):
                val_loss.append((state.update, evaluate(rnn, validation), state.wall_time))
            state.smooth_loss, state.val_loss = history[:state.update], np.array(val_loss).reshape(-1, 3)
            if bar is not None:
                bar.close()
    if checkpoint:
        save_checkpoint(checkpoint, rnn, state)
    return state


def epoch_order(n_chunks, chunk_length, rng):
    """The chunks in the order an epoch reads them: as they stand, or shuffled when cut by chunk_length."""
    return rng.permutation(n_chunks) if chunk_length else np.arange(n_chunks)


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


def evaluate(rnn, data, n_streams=64):
    """Mean loss in nats per character of predicting data[1:] from data[:-1]. The text is read as
    n_streams contiguous streams side by side, each from h = 0 (a warm-up of a few characters
    out of hundreds), so that the whole held-out text costs one batched forward pass."""
    data = np.asarray(data)
    n_streams = max(1, min(n_streams, (len(data) - 1) // 100))
    L = (len(data) - 1) // n_streams
    idx = np.arange(n_streams) * L + np.arange(L)[:, None]
    loss, _ = forward(rnn, data[idx], data[idx + 1], np.zeros((n_streams, rnn["W"].shape[0]), rnn["W"].dtype))
    return float(loss) / idx.size


def split_corpus(data, held_out=0.05):
    """(training part, held-out part): the last `held_out` share of the text is never trained on."""
    n_train = len(data) - int(round(len(data) * held_out))
    return data[:n_train], data[n_train:]


def updates_per_epoch(n_characters, seq_length=25):
    """Sequences start at e = 0, seq_length, 2 seq_length, ... while e <= n_characters - seq_length - 1."""
    return (n_characters - seq_length - 1) // seq_length + 1


def check_train_args(rnn, data, n_updates, config):
    K = rnn["V"].shape[0]
    T, B, C = config["seq_length"], config["batch_size"], config["chunk_length"]
    if int(n_updates) != n_updates or n_updates < 0:
        raise ValueError(f"n_updates must be a non-negative integer, got {n_updates}.")
    if not config["eta"] > 0:
        raise ValueError(f"eta must be > 0, got {config['eta']}.")
    if T <= 0:
        raise ValueError(f"seq_length must be a positive integer, got {T}.")
    if B <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {B}.")
    if config["optimizer"] not in ("adagrad", "adam"):
        raise ValueError(f"optimizer must be 'adagrad' or 'adam', got {config['optimizer']!r}.")
    if data.ndim != 1 or not np.issubdtype(data.dtype, np.integer):
        raise ValueError("data must be the encoded book: a 1-D array of character indices (see encode).")
    if len(data) // B < T + 1:
        raise ValueError(f"The corpus has {len(data)} characters; training needs at least seq_length + 1 = "
                         f"{T + 1} per stream ({B} streams). Use a longer text or a shorter seq_length.")
    if C is not None and not (T + 1 <= C and len(data) // C >= B):
        raise ValueError(f"chunk_length must hold a sequence (>= seq_length + 1 = {T + 1}) and the text "
                         f"at least batch_size = {B} chunks; got {C} for {len(data)} characters.")
    if data.min() < 0 or data.max() >= K:
        raise ValueError(f"data holds indices outside the model's vocabulary 0..{K - 1}.")


def flat_views(arrays):
    """One contiguous vector holding copies of the arrays, and a dict of views of it in their shapes."""
    flat = np.concatenate([np.ravel(arrays[k]) for k in PARAMS])
    views, start = {}, 0
    for k in PARAMS:
        size = np.size(arrays[k])
        views[k] = flat[start:start + size].reshape(np.shape(arrays[k]))
        start += size
    return flat, views


def progress_bar(n_updates, done):
    from tqdm.auto import tqdm
    return tqdm(total=n_updates, initial=0, desc=f"updates (from {done})", unit="upd", mininterval=0.5)


# ---------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------

def save_model(path, rnn, ind_to_char, **extra):
    """U, W, V, b, c and the vocabulary `chars` (in index order) in one .npz, written atomically."""
    chars = np.array([ind_to_char[i] for i in range(len(ind_to_char))])
    arrays = {k: rnn[k] for k in PARAMS} | {"chars": chars} | extra
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:                # write aside, then rename: a crash never leaves half a file
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_model(path, char_to_ind=None):
    """(rnn, char_to_ind, ind_to_char) from a file written by save_model or save_checkpoint.

    char_to_ind: the vocabulary the caller expects; a file from another vocabulary is an error.
    """
    z = load_npz(path)
    try:
        rnn = {k: z[k] for k in PARAMS}
        chars = [str(ch) for ch in z["chars"]]
    except KeyError as err:
        raise ValueError(f"{path} is not a model file: it has no array {err}.") from None
    K, m = rnn["V"].shape
    if any(rnn[k].shape != s for k, s in param_shapes(K, m).items()) or len(chars) != K:
        raise ValueError(f"{path} is corrupt: its parameter shapes do not fit together.")
    c2i, i2c = {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))
    if char_to_ind is not None and c2i != char_to_ind:
        raise ValueError(f"{path} was trained on another vocabulary ({K} characters, not "
                         f"{len(char_to_ind)} / a different set): retrain on this corpus, or load "
                         "the corpus it came from.")
    return rnn, c2i, i2c


def load_npz(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: train a model first (notebooks/02_training.ipynb).")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as err:
        raise ValueError(f"{path} is corrupt or not an .npz file ({type(err).__name__}: {err}): "
                         "delete it and train again.") from None


def save_checkpoint(path, rnn, state):
    """The model and the whole TrainState in one .npz, written atomically."""
    scalars = dict(config=state.config, update=state.update, epoch=state.epoch, step=state.step, e=state.e,
                   best_smooth_loss=state.best_smooth_loss, best_update=state.best_update,
                   wall_time=state.wall_time, rng=state.rng.bit_generator.state)
    extra = {"hprev": state.hprev, "order": state.order, "smooth_loss": state.smooth_loss,
             "val_loss": state.val_loss, "state": np.array(json.dumps(scalars))}
    extra |= {f"{moment}_{k}": state.moments[moment][k] for moment in state.moments for k in PARAMS}
    extra |= {f"best_{k}": state.best_rnn[k] for k in PARAMS}
    save_model(path, rnn, state.ind_to_char, **extra)


def load_checkpoint(path, char_to_ind=None):
    """(rnn, state, char_to_ind, ind_to_char); train(rnn, data, n, state=state) goes on bit for bit."""
    rnn, c2i, i2c = load_model(path, char_to_ind)
    z = load_npz(path)
    try:
        s = json.loads(str(z["state"]))
        rng = np.random.default_rng()
        rng.bit_generator.state = s["rng"]
        moments = {moment: {k: z[f"{moment}_{k}"] for k in PARAMS}
                   for moment in ("mv" if s["config"]["optimizer"] == "adam" else "m")}
        state = TrainState(s["config"], i2c, update=s["update"], epoch=s["epoch"], step=s["step"], e=s["e"],
                           order=z["order"], hprev=z["hprev"], smooth_loss=z["smooth_loss"], moments=moments,
                           best_rnn={k: z[f"best_{k}"] for k in PARAMS}, best_smooth_loss=s["best_smooth_loss"],
                           best_update=s["best_update"], val_loss=z["val_loss"], rng=rng, wall_time=s["wall_time"])
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{path} is not a complete checkpoint ({err}): delete it and train again.") from None
    return rnn, state, c2i, i2c


# ---------------------------------------------------------------------------------------------
# Showing generated text in the report
# ---------------------------------------------------------------------------------------------

MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")      # every ASCII punctuation character


def markdown_text(text, newline="\u21b5", breakable=False):
    """Text as Markdown that renders literally in HTML and in LaTeX: every ASCII punctuation
    character backslash-escaped (so *, _, $, |, #, {, }, ^, ~, <, \\ ... are never markup), tabs
    shown as a visible arrow, newlines as `newline` (a visible arrow by default; pass "  \\n" to keep
    line breaks), leading spaces and runs of spaces made non-breaking. breakable: a zero-width space after each
    punctuation mark and arrow, so that a narrow table column can wrap even untrained gibberish."""
    escaped = "\\{}\u200b" if breakable else "\\{}"
    text = MARKDOWN_PUNCTUATION.sub(lambda mark: escaped.format(mark.group()), text).replace("\t", "\u21e5")
    text = re.sub(r"^ +", lambda spaces: "\u00a0" * len(spaces.group()), text, flags=re.M)  # no code blocks
    text = re.sub(r"(?<= ) ", "\u00a0", text)            # runs of spaces are kept, not collapsed
    return text.replace("\n", newline + "\u200b" * breakable)


def markdown_table(header, rows, widths=None):
    """A Markdown pipe table; widths (relative dash counts) let long cells wrap in the PDF."""
    widths = widths or [3] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * w for w in widths) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])
