"""The checks at the door of rnn_helpers' functions: a model, sequences, a hidden state, counts and
positive numbers, each refused with a sentence that says what is wrong and what to do."""
import math
import numbers

import numpy as np

PARAMS = ("U", "W", "V", "b", "c")     # a model's arrays, in the order of the lecture's equations


def model_shapes(K, m):
    """The shapes of U, W, V, b, c for a vocabulary of K characters and m hidden units."""
    return {"U": (m, K), "W": (m, m), "V": (K, m), "b": (m,), "c": (K,)}


def check_rnn(rnn):
    """(K, m) of a model, after checking what train, synthesize and save_model rely on: the five
    arrays U, W, V, b, c with shapes that fit together, one real dtype (float32 or float64), finite."""
    if not isinstance(rnn, dict) or not all(isinstance(rnn.get(k), np.ndarray) for k in PARAMS) \
            or np.ndim(rnn["V"]) != 2:
        raise ValueError(f"A model is a dict of the NumPy arrays {', '.join(PARAMS)}, V of shape (K, m) "
                         f"(see init_rnn); got {type(rnn).__name__} {sorted(rnn) if isinstance(rnn, dict) else ''}.")
    K, m = rnn["V"].shape
    dtype = rnn["V"].dtype
    for k, shape in model_shapes(K, m).items():
        if rnn[k].shape != shape:
            raise ValueError(f"The model's {k} has shape {rnn[k].shape}; with V of shape {(K, m)} it must be {shape}.")
        if rnn[k].dtype not in (np.float32, np.float64) or rnn[k].dtype != dtype:
            raise ValueError(f"The model's {k} is {rnn[k].dtype}: all parameters must be float32, or all "
                             "float64 (init_rnn(..., dtype=...)).")
        if not np.isfinite(rnn[k]).all():
            raise ValueError(f"The model's {k} holds inf or nan: it diverged. Use the best model of the run "
                             "(state.best_rnn) or train again with a lower eta.")
    return K, m


def check_sequences(rnn, x, y):
    """x, y as arrays of indices into the model's vocabulary, of one length (T,) or shape (T, B)."""
    x, y, K = np.asarray(x), np.asarray(y), len(rnn["c"])
    for name, seq in (("x", x), ("y", y)):
        if seq.size == 0 or not np.issubdtype(seq.dtype, np.integer) or seq.min() < 0 or seq.max() >= K:
            raise ValueError(f"{name} must hold character indices 0..{K - 1} of the model's vocabulary "
                             f"(and at least one), got {seq.dtype} values {seq.ravel()[:5]}...")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have one shape (y is x moved on by one character), got {x.shape} and {y.shape}.")
    return x, y


def check_index(name, value, K):
    """value as an int, if it is an index into a vocabulary of K characters (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not 0 <= value < K:
        raise ValueError(f"{name}={value!r} is not in the vocabulary (0..{K - 1}).")
    return int(value)


def check_h0(h0, m):
    """h0 as an array, if it is a finite real hidden state of shape (m,)."""
    h = np.asarray(h0)
    if h.shape != (m,) or not np.isrealobj(h) or not np.isfinite(h).all():
        raise ValueError(f"h0 must be a finite real array of shape {(m,)}, got shape {h.shape}.")
    return h


def check_count(name, value, minimum):
    """value as an int, if it is an integer (not a bool, not 3.0) of at least minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_positive(name, value):
    """value as a float, if it is a real number (not a string, not a bool), finite and > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)
