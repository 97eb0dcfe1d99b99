"""Updates per second of rnn_helpers.train against the min-char-rnn style baseline.

Both run the assignment configuration (m = 100, seq_length = 25, eta = 0.1, batch 1) on the same
corpus, in one process, alternating round by round so that both see the same machine load.
Target: train is at least TARGET times faster. Then characters per second with mini-batches, and,
if PyTorch happens to be importable, its autograd on the assignment configuration for comparison.
Run it with `make bench`.
"""
import statistics
import sys
import time

import numpy as np

import rnn_helpers as R
from benchmarks.minchar import train_baseline

ROUNDS, OURS_UPDATES, BASELINE_UPDATES, TARGET = 7, 3000, 600, 5.0
BATCH_SIZES, BATCH_SECONDS = (1, 8, 32, 64), 3.0


def updates_per_second(run, n):
    start = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - start)


def main():
    text, corpus, char_to_ind, _ = R.load_corpus()
    data, K = R.encode(text, char_to_ind), len(char_to_ind)
    print(f"corpus {corpus['name']}: {len(data):,} characters, K = {K}; m = 100, seq_length = 25")
    runs = {
        "rnn_helpers.train, float32": lambda n: R.train(R.init_rnn(K, 100, rng=np.random.default_rng(0),
                                                                   dtype=np.float32), data, n),
        "rnn_helpers.train, float64": lambda n: R.train(R.init_rnn(K, 100, rng=np.random.default_rng(0)),
                                                        data, n),
        "min-char-rnn baseline, float64": lambda n: train_baseline(data, K, n),
    }
    sizes = [OURS_UPDATES, OURS_UPDATES, BASELINE_UPDATES]
    speeds = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for (name, run), n in zip(runs.items(), sizes):
            speeds[name].append(updates_per_second(run, n))
    median = {name: statistics.median(v) for name, v in speeds.items()}
    base = median["min-char-rnn baseline, float64"]
    print(f"{'':32s} {'updates/s (median of ' + str(ROUNDS) + ')':>28s} {'min':>8s} {'max':>8s} {'ratio':>7s}")
    for name, v in speeds.items():
        print(f"{name:32s} {median[name]:28.0f} {min(v):8.0f} {max(v):8.0f} {median[name] / base:7.2f}")
    ratio = median["rnn_helpers.train, float32"] / base
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"train (float32) / baseline = {ratio:.2f}: {verdict} the target of {TARGET:g}")

    print(f"\nmini-batches (m = 100, seq_length = 25, AdaGrad, float32, {BATCH_SECONDS:g} s each):")
    for B in BATCH_SIZES:
        state = R.train(R.init_rnn(K, 100, rng=np.random.default_rng(0), dtype=np.float32), data, 10**9,
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
          f"{n / (time.perf_counter() - start):,.0f} updates/s")


if __name__ == "__main__":
    sys.exit(main())
