"""The machinery around the course's training loop (rnn_helpers.training_loop): where the text comes
from, how it is read (streams, random chunks, epochs), time budgets and a decaying learning rate,
held-out validation, progress, interrupts, and the files a run reads and writes (model files and
resumable checkpoints, written atomically). Every function checks its inputs at the door.

`train(rnn, data, n_updates, ...)` is the entry point. This module imports rnn_helpers, never the
other way round.
"""
import dataclasses
import itertools
import functools
import glob
import numbers
import json
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import blas
import rnn_helpers as R
from checks import check_count, check_positive, check_rnn
from textfile import EOD, check_readable, corpus_info, find_corpus, read_book, read_corpus
from rnn_helpers import PARAMS

__all__ = ["find_corpus", "load_corpus", "corpus_info", "read_book", "read_corpus", "EOD", "TrainConfig", "TrainState",
           "TrainingDiverged", "TrainingInterrupted", "CheckpointFailed", "check_writable", "updates_per_epoch", "train", "evaluate", "atomic_write",
           "save_model", "load_model", "load_npz", "save_checkpoint", "load_checkpoint"]


# ---------------------------------------------------------------------------------------------
# The corpus file
# ---------------------------------------------------------------------------------------------

def load_corpus(path=None, retweets=False):
    """(text, corpus_info, char_to_ind, ind_to_char) of the corpus at path, or of find_corpus(): one
    text, or documents each followed by EOD (textfile.read_corpus; corpus_info["documents"] counts
    them; retweets: keep an archive's retweets)."""
    path = Path(path) if path else find_corpus()
    text, documents = read_corpus(path, retweets)
    return (text, corpus_info(path, text, documents)) + R.build_vocab(text)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainConfig:
    """How to train. The defaults are the course's: AdaGrad, η = 0.1, sequences of 25 characters
    read in order, gradients clipped elementwise to [-5, 5] (clip=None: not clipped), the loss of a
    sequence summed over its characters (loss="mean": averaged, as in the 2025-26 handout).

    betas:  Adam's decay rates (β1, β2) of its two moment estimates (0.99 for β2 suits character models).
    batch_size B: the text is cut into B equal streams read side by side, each with its own hidden
            state; the loss (and smooth loss) is summed over the B sequences.
    chunk_length: the text is cut into chunks of this length, visited in a new random order each
            epoch (B at a time), the hidden state reset at the start of each chunk.
    decay:  lower eta linearly to 0 over a call of train: over its n_updates, or when it has none
            over time_budget seconds (then the run depends on the machine's speed).
    time_budget: stop after this many seconds even if n_updates are not done (a cap).
    validate_every, checkpoint_every: how often train measures the held-out loss and writes its
            checkpoint (when it is given validation text and a checkpoint path).
    """
    eta: float = 0.1
    seq_length: int = 25
    eps: float = 1e-8
    clip: float = 5.0
    loss: str = "sum"
    optimizer: str = "adagrad"
    betas: tuple = R.ADAM_BETAS
    batch_size: int = 1
    chunk_length: int = None
    decay: bool = False
    time_budget: float = None
    validate_every: int = 1000
    checkpoint_every: int = 10_000
    # What the run's trajectory depends on: a run may be resumed only with the same values.
    TRAJECTORY = ("eta", "seq_length", "eps", "clip", "loss", "optimizer", "betas", "batch_size", "chunk_length",
                  "decay")

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        set_("eta", check_positive("eta", self.eta))
        set_("eps", check_positive("eps", self.eps))
        if self.clip is not None:
            set_("clip", check_positive("clip", self.clip))
        if self.loss not in R.LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, R.LOSSES))}, got {self.loss!r}.")
        set_("seq_length", check_count("seq_length", self.seq_length, 1))
        set_("batch_size", check_count("batch_size", self.batch_size, 1))
        set_("validate_every", check_count("validate_every", self.validate_every, 1))
        set_("checkpoint_every", check_count("checkpoint_every", self.checkpoint_every, 1))
        if self.chunk_length is not None:
            set_("chunk_length", check_count("chunk_length", self.chunk_length, self.seq_length + 1))
        if self.time_budget is not None:
            set_("time_budget", check_positive("time_budget", self.time_budget))
        if self.optimizer not in R.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(map(repr, R.OPTIMIZERS))}, got {self.optimizer!r}.")
        if not (isinstance(self.betas, (tuple, list)) and len(self.betas) == 2 and all(
                isinstance(x, numbers.Real) and not isinstance(x, bool) and 0 <= x < 1 for x in self.betas)):
            raise ValueError(f"betas must be Adam's two decay rates (beta1, beta2), each in [0, 1), e.g. "
                             f"(0.9, 0.99); got {self.betas!r}.")
        set_("betas", tuple(float(x) for x in self.betas))
        if not isinstance(self.decay, (bool, np.bool_)):
            raise ValueError(f"decay must be True or False, got {self.decay!r}.")
        set_("decay", bool(self.decay))

    def trajectory(self):
        return {k: getattr(self, k) for k in self.TRAJECTORY}


class TrainingDiverged(FloatingPointError):
    """The loss became inf or nan. .state still holds the best model and the last good state."""

    def __init__(self, message, state):
        super().__init__(message)
        self.state = state


class CheckpointFailed(OSError):
    """The checkpoint could not be written (a full disk, a file system gone read-only). Training stopped
    after a whole update: rnn holds its parameters and .state the whole TrainState, to save elsewhere
    (save_checkpoint(other_path, rnn, err.state)) or to go on from."""

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
    cpu_time: float = 0.0                 # ... and the CPU seconds of this process (all its threads) in them

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
class _Reading:
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
    n_characters, seq_length = check_count("n_characters", n_characters, 0), check_count("seq_length", seq_length, 1)
    return (n_characters - seq_length - 1) // seq_length + 1


def train(rnn, data, n_updates=None, *, state=None, rng=None, validation=None, hook=None, hook_at=(),
          checkpoint=None, ind_to_char=None, progress=False, **settings):
    """Train rnn on the encoded text data (N,) for n_updates updates (None: until the time_budget
    setting is spent); returns the TrainState.

    rnn's arrays are updated in place: after the call they hold the trained parameters (the same
    array objects; train works on one flat copy and writes it back, even when it stops early).
    The course's rules, with the default TrainConfig: sequence X = data[e:e+T], Y = data[e+1:e+T+1];
    the hidden state carries over from one sequence to the next; when the next sequence would run
    past the end of the text a new epoch starts from e = 0 with h = 0. Gradients are clipped;
    smooth_loss = 0.999 smooth_loss + 0.001 loss. Parameters train in their own dtype.

    settings: the fields of TrainConfig as keywords (eta=..., batch_size=..., time_budget=...);
            the others keep their defaults, the course's.
    state:  a TrainState (from an earlier call or load_checkpoint) to go on from, bit for bit, with
            the settings it was trained with (a setting given again must have the same value).
    rng:    the generator of a new run (random chunk order, and the hooks sample with state.rng).
    validation: encoded held-out text (N_val,); its loss in nats per character is recorded in
            state.val_loss every config.validate_every updates and at the end (evaluate: each
            stream after a burn-in on the held-out text itself).
    hook:   called as hook(update, rnn, hprev, x0, state) before each update numbered in hook_at
            (1-based), with the hidden state (m,) and first input character of that update's
            sequence (of stream 0).
    checkpoint: a path; the state is written there every config.checkpoint_every updates, at the
            end, and when training is interrupted (then TrainingInterrupted is raised). It needs
            the vocabulary ind_to_char.
    progress: show a progress bar (updates, or seconds of the time budget) with the loss per character.
    """
    config = TrainConfig(**{**(state.config.trajectory() if state else {}), **settings})
    K, m = check_rnn(rnn)
    data = _check_data(data, K, "data")
    if n_updates is None and not config.time_budget:
        raise ValueError("train needs n_updates, or time_budget=<seconds> to train until that time is spent.")
    n_updates = None if n_updates is None else check_count("n_updates", n_updates, 0)
    reading = _Reading.of(len(data), config)
    _check_reading(len(data), config, reading)
    if validation is not None:
        validation = _check_data(validation, K, "validation")
        if len(validation) - 1 <= BURN_IN:
            raise ValueError(f"validation has {len(validation)} characters; its loss is scored after a burn-in of "
                             f"{BURN_IN} (evaluate): hold out more of the text.")
    if checkpoint and (state is None or state.ind_to_char is None) and ind_to_char is None:
        raise ValueError("train(checkpoint=...) needs ind_to_char, the vocabulary to save with the model.")
    if checkpoint:
        check_writable(checkpoint)
    if state is None:
        state = _new_state(rnn, config, reading, ind_to_char, rng)
    elif state.config.trajectory() != config.trajectory():
        name, was = next((k, v) for k, v in state.config.trajectory().items() if getattr(config, k) != v)
        raise ValueError(f"The state to resume was trained with {name}={was!r}, not {getattr(config, name)!r}: "
                         f"resume with the same {name} (or leave it out), or start a new run.")
    elif len(state.order) != reading.n_chunks or state.step > reading.per_epoch:
        raise ValueError(f"The state to resume read a text of another length (an epoch of {len(state.order)} "
                         f"chunks, {state.step} updates into it); this one has {len(data):,} characters: "
                         "resume on the text it was trained on.")
    else:
        _check_resumable(state, rnn)
        state.config = config

    theta, params = R.flat_views(rnn)
    history = list(state.smooth_loss)
    val_loss = [tuple(row) for row in state.val_loss]
    first, hooks = state.update, set(hook_at) if hook else set()
    bar = _progress_bar(n_updates, config.time_budget) if progress else None
    start, start_cpu = time.perf_counter(), time.process_time()

    def steps():
        """What each update reads: its sequences X, Y and learning rate, until n_updates are done,
        the time budget is spent or an interrupt came; the hooks run before their update."""
        for done in itertools.count() if n_updates is None else range(n_updates):
            elapsed = time.perf_counter() - start
            if interrupt.requested or (config.time_budget and elapsed > config.time_budget):
                return
            X, Y = _next_sequences(state, data, reading)
            if state.update + 1 in hooks:
                state.smooth_loss = np.array(history)
                interrupt.in_hook = True
                hook(state.update + 1, rnn | params, R.stream0(state.hprev), int(X.flat[0]), state)
                interrupt.in_hook = False
            if threads.choosing:
                threads.before_update()
            yield X, Y, _learning_rate(config, done, n_updates, elapsed)

    threads = _ThreadChooser(config.batch_size)
    with _deferred_interrupt() as interrupt, np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            blas.blas_threads(threads.count):
        try:
            for smooth in R.training_loop(theta, params, steps(), config, state):
                if threads.choosing:
                    threads.after_update()
                history.append(smooth)
                state.step += 1
                elapsed = time.perf_counter() - start
                if validation is not None and state.update % config.validate_every == 0:
                    val_loss.append((state.update, evaluate(params, validation),
                                     state.wall_time + elapsed))
                if bar is not None:
                    _show_progress(bar, state.update - first, elapsed, state.per_character(smooth))
                if checkpoint and state.update % config.checkpoint_every == 0:
                    _save_or_raise(checkpoint, _copy_back(rnn, params), _record(state, history, val_loss))
        except FloatingPointError as err:
            raise TrainingDiverged(f"{err}: lower eta or clip. The best model so far is in "
                                   ".state.best_rnn.", state) from None
        except KeyboardInterrupt:
            if not interrupt.requested:
                raise                           # not ours: the signal came outside train's handlers
        finally:                                # also after a divergence: the last good state
            state.wall_time += time.perf_counter() - start
            state.cpu_time += time.process_time() - start_cpu
            _copy_back(rnn, params)
            _record(state, history, val_loss)
            if bar is not None:
                if state.update > first:
                    _show_progress(bar, state.update - first, time.perf_counter() - start,
                                   state.per_character(state.smooth_loss[-1]), last=True,
                                   complete=state.update - first == n_updates)
                bar.close()
        if validation is not None and state.update and (not val_loss or val_loss[-1][0] != state.update):
            val_loss.append((state.update, evaluate(rnn, validation), state.wall_time))
            _record(state, history, val_loss)
        if checkpoint:
            _save_or_raise(checkpoint, rnn, state)
    if interrupt.requested:
        raise TrainingInterrupted(state)
    return state


# Characters each stream of a held-out text reads, unscored, before it is scored: after them, where the
# stream started (h = 0, or a state of training) moves the loss by at most 0.004 nats per character on
# the book's and the default corpus's models (0.011 without a burn-in; docs/measurements.md).
BURN_IN = 100


@blas.one_blas_thread
def evaluate(rnn, data, burn_in=BURN_IN, n_streams=64):
    """Mean loss in nats per character of predicting data[1:] from data[:-1] (data: (N,) indices).
    The text is read as up to n_streams contiguous streams side by side (one batched forward pass),
    each from h = 0 and each scored only after its first burn_in characters. So the score is the
    held-out text's alone: not where training stood when it was measured (validating from there
    favoured a run that happened to stand just before the held-out text), and not h = 0, a state a
    network trained on one long stream meets only at the start of each epoch."""
    K, m = check_rnn(rnn)
    data = _check_data(np.asarray(data), K, "data")
    burn_in = check_count("burn_in", burn_in, 0)
    if len(data) - 1 <= burn_in:
        raise ValueError(f"evaluate scores a text after its first burn_in = {burn_in} characters; this one has "
                         f"{len(data)}: give a longer held-out text (or a smaller burn_in).")
    n_streams = max(1, min(check_count("n_streams", n_streams, 1), (len(data) - 1) // (burn_in + 100)))
    L = (len(data) - 1) // n_streams
    idx = np.arange(n_streams) * L + np.arange(L)[:, None]
    _, cache = R.forward(rnn, data[idx], data[idx + 1], np.zeros((n_streams, m), rnn["W"].dtype))
    p = np.take_along_axis(cache.P[burn_in:], data[idx + 1][burn_in:, :, None], axis=-1)
    return float(-np.log(p.astype(np.float64)).mean())


class _ThreadChooser:
    """The BLAS threads of train's updates. One for batch_size 1: its products are vectors, which a
    second thread only slows. Mini-batches are faster with all threads alone (section 5.5's model: 9
    against 13 ms an update) but 10-40x slower beside another process whose BLAS threads wait for work
    too; so train now and then times a few updates with the other count and keeps the faster. (The
    count changes no result: see tests/test_threads.py.)"""
    TRIAL = 4                                 # updates timed with the other count; the first not counted

    def __init__(self, batch_size):
        most = blas.threads_now()
        self.counts = [1] if batch_size == 1 or most == 1 else [most, 1]
        self.choosing = len(self.counts) > 1
        self.count, self.every, self.left, self.recent, self.trial = self.counts[0], 25, 25, [], None
        self.started = None

    def other(self, count):
        return self.counts[1] if count == self.counts[0] else self.counts[0]

    def before_update(self):
        if self.left == 0 and self.trial is None:
            self.trial = []
            self._use(self.other(self.count))
        self.started = time.perf_counter()

    def after_update(self):
        seconds = time.perf_counter() - self.started
        if self.trial is None:
            slow = len(self.recent) == self.TRIAL and seconds > 3 * sum(self.recent) / self.TRIAL
            self.recent = (self.recent + [seconds])[-self.TRIAL:]
            self.left = 0 if slow else max(0, self.left - 1)           # a sudden slowdown: try now
            return
        self.trial.append(seconds)
        usual = sum(self.recent) / len(self.recent)
        if len(self.trial) == self.TRIAL or self.trial[-1] > 3 * usual:        # done, or hopeless
            timed = self.trial[1:] or self.trial
            trial_count, faster = self.count, sum(timed) / len(timed) < usual
            self._use(trial_count if faster else self.other(trial_count))
            self.every = 25 if faster else min(400, 2 * self.every)
            self.left, self.trial, self.recent = self.every, None, [] if faster else self.recent

    def _use(self, n):
        self.count = n
        blas.set_threads(n)


def _new_state(rnn, config, reading, ind_to_char, rng):
    """The TrainState of a run that starts now: h = 0, moments 0, the best model the initial one."""
    rng = rng or np.random.default_rng()
    m, dtype, B = rnn["W"].shape[0], rnn["W"].dtype, config.batch_size
    return TrainState(config, ind_to_char, rng=rng, order=_epoch_order(reading, config, rng),
                      hprev=np.zeros((m,) if B == 1 else (B, m), dtype), best_h=np.zeros(m, dtype),
                      moments={k: {p: np.zeros_like(rnn[p]) for p in PARAMS}
                               for k in R.OPTIMIZERS[config.optimizer][1]},
                      best_rnn={k: rnn[k].copy() for k in PARAMS})


def _check_resumable(state, rnn):
    """The model to train on from state is one of the same shapes and dtype as the one it was trained with."""
    K, m = check_rnn(rnn)
    shapes = {k: (rnn[k].shape, rnn[k].dtype) for k in R.PARAMS}
    theirs = {k: (v.shape, v.dtype) for k, v in state.best_rnn.items()}
    if shapes != theirs:
        k = next(k for k in R.PARAMS if shapes[k] != theirs[k])
        raise ValueError(f"The state to resume was trained with a model whose {k} is {theirs[k][1]} {theirs[k][0]}; "
                         f"this one's is {shapes[k][1]} {shapes[k][0]} (K = {K}, m = {m}): resume with the model "
                         "saved beside it (load_checkpoint returns both).")
    if np.shape(state.hprev) not in ((m,), (state.config.batch_size, m)):
        raise ValueError(f"The state to resume is corrupt: its hidden state has shape {np.shape(state.hprev)}, "
                         f"not ({m},) or ({state.config.batch_size}, {m}).")


def _next_sequences(state, data, reading):
    """X, Y (T,) or (T, B) of the next update, and the reading position moved on: a new epoch (and
    chunk order) when the text is used up, h = 0 where a chunk (or the text) starts."""
    T, B = state.config.seq_length, state.config.batch_size
    if state.step == reading.per_epoch:
        state.epoch, state.step = state.epoch + 1, 0
        state.order = _epoch_order(reading, state.config, state.rng)
    chunk_round, i = divmod(state.step, reading.per_chunk)
    if i == 0:
        state.hprev = np.zeros_like(state.hprev)
    state.e = i * T
    if B == 1:
        start = int(state.order[chunk_round]) * reading.C + state.e
        seq = data[start:start + T + 1]
    else:
        starts = state.order[chunk_round * B:(chunk_round + 1) * B] * reading.C + state.e
        seq = data[starts + np.arange(T + 1)[:, None]]        # (T + 1, B): one column per stream
    return seq[:-1], seq[1:]


def _epoch_order(reading, config, rng):
    """The chunks in the order an epoch reads them: as they stand, or shuffled when cut by chunk_length."""
    return rng.permutation(reading.n_chunks) if config.chunk_length else np.arange(reading.n_chunks)


def _learning_rate(config, done, n_updates, elapsed):
    """η, or with decay η times the share of the run still to go: of its n_updates (then a busy
    machine changes when the run ends, never its schedule), or without them of its time budget."""
    if not config.decay:
        return config.eta
    return config.eta * (1 - (done / n_updates if n_updates else elapsed / config.time_budget))


def _record(state, history, val_loss):
    """Copy the smooth loss so far (the first state.update entries) and the held-out losses into state."""
    state.smooth_loss = np.array(history[:state.update], dtype=float)
    state.val_loss = np.array(val_loss, dtype=float).reshape(-1, 3)
    return state


def _copy_back(rnn, views):
    """Write the trained parameters back into rnn's own arrays."""
    for k in PARAMS:
        rnn[k][...] = views[k]
    return rnn


def _save_or_raise(path, rnn, state):
    try:
        save_checkpoint(path, rnn, state)
    except OSError as err:
        raise CheckpointFailed(f"Training stopped after update {state.update}: its checkpoint could not be "
                               f"written to {path} ({err.strerror or err}). Nothing is lost: the model is in rnn "
                               "and the state in this error's .state; free space or pass another path.",
                               state) from err


def _check_data(data, K, name):
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


def _check_reading(n, config, reading):
    """A clear error unless a text of n characters holds the streams and chunks that config asks for."""
    T, B, C = config.seq_length, config.batch_size, config.chunk_length
    if n // B < T + 1:
        raise ValueError(f"The corpus has {n} characters; training needs at least seq_length + 1 = "
                         f"{T + 1} per stream ({B} streams). Use a longer text or a shorter seq_length.")
    if C is not None and reading.n_chunks < B:
        raise ValueError(f"chunk_length must leave at least batch_size = {B} chunks of the text; got "
                         f"{C} for {n} characters.")


def _progress_bar(n_updates, time_budget):
    """A bar of updates, or of seconds when a time budget bounds the run."""
    from tqdm.auto import tqdm
    if time_budget:
        return tqdm(total=round(time_budget), unit="s", desc="seconds of the budget", mininterval=0.5,
                    bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}")
    return tqdm(total=n_updates, unit="upd", desc="updates", mininterval=0.5)


def _show_progress(bar, done, elapsed, loss_per_character, last=False, complete=False):
    """Every 100 updates of this call, and at its end: move the bar (updates, or seconds of the
    budget, full when every update planned was made) and show the smooth loss per character."""
    if done % 100 and not last:
        return
    if complete and bar.unit == "s":
        bar.reset(total=max(1, round(elapsed)))  # the run ended before its budget: full, at its own time
    seconds = bar.total if complete else min(round(elapsed), bar.total)
    bar.update((seconds if bar.unit == "s" else done) - bar.n)
    bar.set_postfix_str(f"loss {loss_per_character:.3f} nats/char", refresh=False)


class _deferred_interrupt:
    """Within it, Ctrl-C (SIGINT), SIGTERM (a closed terminal, a killed kernel, a scheduler's time
    limit) and SIGHUP only set .requested: train finishes the update in hand, writes its checkpoint,
    then raises TrainingInterrupted. A second signal while a hook runs (.in_hook) stops the hook at
    once; between updates the loop stops within one update anyway. Outside the main thread signals
    cannot be caught, and nothing changes."""
    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __enter__(self):
        self.requested, self.in_hook, self.previous = False, False, {}
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self.request) for s in self.SIGNALS}
        return self

    def request(self, signum, frame):
        if self.requested and self.in_hook:
            raise KeyboardInterrupt(f"signal {signum} again during a hook")
        self.requested = True

    def __exit__(self, *exc):
        for s, handler in self.previous.items():
            signal.signal(s, handler)
        return False


# ---------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------

def atomic_write(path, write):
    """Call write(file) on a new file beside path, then rename it to path: a crash or an interrupt
    never leaves half a file, and two writers never share a temporary name. The file gets the mode
    that the umask gives a new file; temporaries of the same target left by a killed writer go."""
    path = check_writable(path)
    _remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as err:
        raise OSError(err.errno, f"{path} could not be written ({err.strerror}): free space there, or "
                                 "choose another folder (RNN_RUNS)") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        os.unlink(tmp)
        if isinstance(err, OSError) and err.errno and err.filename is None:    # ENOSPC and the like name no file
            raise OSError(err.errno, f"{path} could not be written ({err.strerror}): free space there, or "
                                     "choose another folder (RNN_RUNS); what was there before is unchanged") from None
        raise


def check_writable(path):
    """path as a Path, after making its folder and checking that a file can be written there (by
    writing one: as root, permission bits say nothing about a read-only mount or /proc)."""
    path = Path(path)
    advice = "Choose a folder you can write to."
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give the path of a file in it. {advice}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except (FileExistsError, NotADirectoryError):
        raise NotADirectoryError(f"Cannot write {path}: a part of its folder is a file. {advice}") from None
    except OSError as err:
        raise PermissionError(f"Cannot write {path}: {err.strerror or err}. {advice}") from None
    return path


def _umask():
    mask = os.umask(0)          # the only way to read it is to set it
    os.umask(mask)
    return mask


def _remove_stale_temporaries(path):
    """Temporaries .<name>.<pid>.*.tmp of path whose writing process no longer runs."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:].split(".")[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            pass                # not ours, or a live process of another user


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
    return _model_from(load_npz(path), path, char_to_ind)


def _model_from(z, path, char_to_ind):
    """(rnn, char_to_ind, ind_to_char) from the arrays z of a model file, checked as load_model promises."""
    try:
        rnn = {k: z[k] for k in PARAMS}
        chars = [chr(c) for c in z["chars"]] if z["chars"].dtype.kind in "iu" else [str(c) for c in z["chars"]]
    except KeyError as err:
        raise ValueError(f"{path} is not a model file: it has no array {err}.") from None
    except (ValueError, OverflowError):                     # chr() of a number that is no code point
        raise ValueError(f"{path} is corrupt: its vocabulary holds numbers that are no character "
                         "(code points run from 0 to 0x10FFFF).") from None
    try:
        K, _ = check_rnn(rnn)
    except ValueError as err:
        raise ValueError(f"{path} is corrupt: {err}") from None
    if len(chars) != K:
        raise ValueError(f"{path} is corrupt: its vocabulary has {len(chars)} characters, its model K = {K}.")
    if any(len(ch) != 1 for ch in chars) or len(set(chars)) != K:
        raise ValueError(f"{path} is corrupt: its vocabulary must be {K} distinct single characters.")
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
                   cpu_time=state.cpu_time,
                   rng=state.rng.bit_generator.state)
    extra = {"hprev": state.hprev, "order": state.order, "smooth_loss": state.smooth_loss, "best_h": state.best_h,
             "val_loss": state.val_loss, "state": np.array(json.dumps(scalars))}
    extra |= {f"{moment}_{k}": state.moments[moment][k] for moment in state.moments for k in PARAMS}
    extra |= {f"best_{k}": state.best_rnn[k] for k in PARAMS}
    save_model(path, rnn, state.ind_to_char, **extra)


def load_checkpoint(path, char_to_ind=None):
    """(rnn, state, char_to_ind, ind_to_char); train(rnn, data, n, state=state) goes on bit for bit."""
    z = load_npz(path)
    rnn, c2i, i2c = _model_from(z, path, char_to_ind)
    if "state" not in z:
        raise ValueError(f"{path} is a model without a training state (a best model, or save_model's file), not a "
                         "checkpoint: load it with load_model to use it; to resume training, load the run's "
                         "checkpoint.npz.")
    try:
        s = json.loads(str(z["state"]))
        config = TrainConfig(**s["config"])
        rng = np.random.default_rng()
        rng.bit_generator.state = s["rng"]
        state = TrainState(config, i2c, update=s["update"], epoch=s["epoch"], step=s["step"], e=s["e"],
                           order=z["order"], hprev=z["hprev"], smooth_loss=z["smooth_loss"],
                           moments={moment: {k: z[f"{moment}_{k}"] for k in PARAMS}
                                    for moment in R.OPTIMIZERS[config.optimizer][1]},
                           best_rnn={k: z[f"best_{k}"] for k in PARAMS}, best_smooth_loss=s["best_smooth_loss"],
                           best_update=s["best_update"], best_h=z["best_h"], best_x=s["best_x"],
                           val_loss=z["val_loss"], rng=rng, wall_time=s["wall_time"],
                           cpu_time=s.get("cpu_time", 0.0))      # checkpoints before 6 Dec 2026 lack it
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{path} is not a complete checkpoint ({err}): delete it and train again.") from None
    arrays = {"hprev": state.hprev, "smooth_loss": state.smooth_loss, "best_h": state.best_h} | {
        f"{moment} moments": np.concatenate([v.ravel() for v in state.moments[moment].values()]) for moment in state.moments}
    broken = [name for name, a in arrays.items() if not np.isfinite(a).all()]
    if broken:
        raise ValueError(f"{path} is corrupt: its {' and '.join(broken)} hold inf or nan, which no finished update "
                         "writes; resume from another checkpoint, or train again.")
    return rnn, state, c2i, i2c
