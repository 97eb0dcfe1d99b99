"""The assignment's gradient and training loop written in the classic min-char-rnn style (one-hot
input vectors, np.dot per time step, dicts of states), as most public solutions do it. Kept only to be
timed against rnn_helpers by `make bench` (bench_train.py)."""
import numpy as np


def minchar_grads(U, W, V, b, c, inputs, targets, hprev):
    """loss, (dU, dW, dV, db, dc), last hidden state: one sequence, step by step. b, c, hprev: columns."""
    K = V.shape[0]
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((K, 1), dtype=U.dtype)
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(U, xs[t]) + np.dot(W, hs[t - 1]) + b)
        ys = np.dot(V, hs[t]) + c
        ps[t] = np.exp(ys - np.max(ys)) / np.sum(np.exp(ys - np.max(ys)))
        loss += -np.log(ps[t][targets[t], 0])
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros_like(b), np.zeros_like(c)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dV += np.dot(dy, hs[t].T)
        dc += dy
        dh = np.dot(V.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        db += dhraw
        dU += np.dot(dhraw, xs[t].T)
        dW += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(W.T, dhraw)
    return loss, (dU, dW, dV, db, dc), hs[len(inputs) - 1]


def train_baseline(data, K, n_updates, m=100, eta=0.1, seq_length=25, sig=0.01, seed=0):
    """The course's AdaGrad training loop around minchar_grads; returns the smooth loss."""
    rng = np.random.default_rng(seed)
    U, W, V = (sig * rng.standard_normal(s) for s in ((m, K), (m, m), (K, m)))
    b, c = np.zeros((m, 1)), np.zeros((K, 1))
    mU, mW, mV, mb, mc = (np.zeros_like(p) for p in (U, W, V, b, c))
    e, hprev, smooth_loss = 0, np.zeros((m, 1)), None
    for _ in range(n_updates):
        if e > len(data) - seq_length - 1:
            e, hprev = 0, np.zeros((m, 1))
        loss, grads, hprev = minchar_grads(U, W, V, b, c, data[e:e + seq_length], data[e + 1:e + seq_length + 1], hprev)
        for param, dparam, mem in zip((U, W, V, b, c), grads, (mU, mW, mV, mb, mc)):
            np.clip(dparam, -5, 5, out=dparam)
            mem += dparam * dparam
            param += -eta * dparam / np.sqrt(mem + 1e-8)
        smooth_loss = loss if smooth_loss is None else 0.999 * smooth_loss + 0.001 * loss
        e += seq_length
    return smooth_loss
