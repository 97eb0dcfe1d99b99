"""Updates per second of rnn_trainer.train against the classic min-char-rnn loop (benchmarks/minchar.py).

Both run the assignment's configuration (m = 100, seq_length = 25, eta = 0.1, batch 1) on the same
corpus in one process. The headline is measured in CPU time with one BLAS thread: wall time with
the default threads depends on what else the machine runs, and a second thread can slow the
baseline's (100, 1) products more than ours, which flatters the ratio and once hid a regression.
Each round alternates the two five times, in runs of a quarter of a second or so (the machine's
speed drifts from minute to minute); the ratio is the median of the rounds' ratios. Target: train
at least TARGET times the baseline. Wall time with the default BLAS threads is printed beside it,
labelled. Then characters per second with mini-batches, and, if PyTorch happens to be importable,
its autograd on the assignment's configuration. Run it with `make bench`.
"""
import statistics
import sys
import time

import numpy as np

import blas
import rnn_helpers as R
import rnn_trainer as trainer
from benchmarks.minchar import train_baseline

# 11 rounds: medians of 7 ranged over 5.44-5.85 in eight runs one afternoon on this machine, of 11 over 5.59-5.77 in four
ROUNDS, ALTERNATIONS, TARGET = 11, 5, 5.5
UPDATES = {"rnn_helpers.train, float32": 1000, "rnn_helpers.train, float64": 1000, "min-char-rnn, float64": 200}
BASELINE = "min-char-rnn, float64"
BATCH_SIZES, BATCH_SECONDS = (1, 8, 32, 64), 3.0


def runs(data, K):
    """name: a function that trains for n updates from the same initial weights."""
    def ours(dtype):
        return lambda n: trainer.train(R.init_rnn(K, 100, rng=np.random.default_rng(0), dtype=dtype), data, n)
    return {"rnn_helpers.train, float32": ours(np.float32), "rnn_helpers.train, float64": ours(np.float64),
            BASELINE: lambda n: train_baseline(data, K, n)}


def rounds(functions, clock):
    """{name: [updates per second of clock, one per round]}: each round alternates every function
    ALTERNATIONS times for UPDATES[name] updates."""
    speeds = {name: [] for name in functions}
    for _ in range(ROUNDS):
        spent = dict.fromkeys(functions, 0.0)
        for _ in range(ALTERNATIONS):
            for name, run in functions.items():
                start = clock()
                run(UPDATES[name])
                spent[name] += clock() - start
        for name in functions:
            speeds[name].append(ALTERNATIONS * UPDATES[name] / spent[name])
    return speeds


def table(speeds, title):
    """Print the medians and the ratios to the baseline; return the median of the rounds' ratios of
    train (float32) to the baseline."""
    ratios = {name: statistics.median(s / b for s, b in zip(v, speeds[BASELINE])) for name, v in speeds.items()}
    print(f"\n{title}")
    print(f"{'':32s} {'updates/s (median of ' + str(ROUNDS) + ')':>28s} {'min':>8s} {'max':>8s} {'ratio':>7s}")
    for name, v in speeds.items():
        print(f"{name:32s} {statistics.median(v):28.0f} {min(v):8.0f} {max(v):8.0f} {ratios[name]:7.2f}")
    return ratios["rnn_helpers.train, float32"]


def main():
    text, corpus, char_to_ind, _ = trainer.load_corpus()
    data, K = R.encode(text, char_to_ind), len(char_to_ind)
    print(f"corpus {corpus['name']}: {len(data):,} characters, K = {K}; m = 100, seq_length = 25")
    functions = runs(data, K)
    with blas.blas_threads(1):
        ratio = table(rounds(functions, time.process_time), "CPU time, one BLAS thread (the headline):")
    threads = blas.threads_now()
    table(rounds(functions, time.perf_counter), f"wall time, the default {threads} BLAS threads (for comparison only):")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"\ntrain (float32) / min-char-rnn in CPU time, one BLAS thread = {ratio:.2f}: {verdict} the target of {TARGET:g}")

    print(f"\nmini-batches (m = 100, seq_length = 25, AdaGrad, float32, {BATCH_SECONDS:g} s each, wall time):")
    for B in BATCH_SIZES:
        state = trainer.train(R.init_rnn(K, 100, rng=np.random.default_rng(0), dtype=np.float32), data,
                              batch_size=B, time_budget=BATCH_SECONDS)
        print(f"  B = {B:2d}: {state.update * state.characters_per_update / state.wall_time:9,.0f} characters/s "
              f"({state.updates_per_second:,.0f} updates/s)")
    torch_updates_per_second(data, K)
    return 0 if ratio >= TARGET else 1


def torch_updates_per_second(data, K, n=1500):
    """PyTorch autograd on the assignment configuration, when torch is importable (never required)."""
    try:
        import torch
    except ImportError:
        print("\nPyTorch is not installed: no comparison with its autograd (it is never required).")
        return
    torch.manual_seed(0)
    emb, rnn, out = torch.nn.Embedding(K, 100), torch.nn.RNN(100, 100, nonlinearity="tanh"), torch.nn.Linear(100, K)
    params = [*emb.parameters(), *rnn.parameters(), *out.parameters()]
    opt = torch.optim.Adagrad(params, lr=0.1)
    book = torch.as_tensor(data)
    h = torch.zeros(1, 100)
    start = time.perf_counter()
    for u in range(n):
        e = (u * 25) % (len(book) - 26)
        x, y = book[e:e + 25], book[e + 1:e + 26]
        o, h = rnn(emb(x), h.detach())
        loss = torch.nn.functional.cross_entropy(out(o), y, reduction="sum")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 5.0)
        opt.step()
    print(f"\nPyTorch {torch.__version__} autograd, same configuration: "
          f"{n / (time.perf_counter() - start):,.0f} updates/s (wall time)")


if __name__ == "__main__":
    sys.exit(main())
