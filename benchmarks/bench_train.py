"""Updates per second of rnn_helpers.train against the min-char-rnn style baseline.

Both run the assignment configuration (m = 100, seq_length = 25, eta = 0.1, batch 1) on the same
corpus, in one process, alternating round by round so that both see the same machine load.
Target: train is at least TARGET times faster. Run it with `make bench`.
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import rnn_helpers as R                                   # noqa: E402
from minchar_baseline import train_baseline               # noqa: E402

ROUNDS, OURS_UPDATES, BASELINE_UPDATES, TARGET = 7, 3000, 600, 5.0


def updates_per_second(run, n):
    start = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - start)


def main():
    path = R.find_corpus()
    text = R.read_book(path)
    char_to_ind, _ = R.build_vocab(text)
    data, K = R.encode(text, char_to_ind), len(char_to_ind)
    print(f"corpus {path.name}: {len(data):,} characters, K = {K}; m = 100, seq_length = 25")
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
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
