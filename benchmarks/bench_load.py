"""What a busy machine does to the jobs whose products are small: notebook 1's gradient checks and
section 5.5's mini-batch training, each timed alone and then beside a second process that keeps
NumPy's BLAS busy with all its threads (as another notebook or a report build would, before their
threads were chosen per job). Run it alone: `python -m benchmarks.bench_load` (about 3 minutes).
"""
import argparse
import multiprocessing
import time

import numpy as np

import rnn_helpers as R
import rnn_trainer as trainer
from report import better


def busy_blas(seconds):
    """A second BLAS-heavy process: small float32 and complex products with the default threads."""
    a, W = np.ones((64, 256), np.float32), np.ones((256, 256), np.float32)
    v, M = np.ones(100, complex), np.ones((100, 100), complex)
    end = time.time() + seconds
    while time.time() < end:
        for _ in range(50):
            a.dot(W)
            v.dot(M)


def gradient_checks(data, K):
    """Notebook 1's four gradients of the initial networks (m = 5 and 100) on the first 25 characters."""
    x, y = data[:25], data[1:26]
    for m in (5, 100):
        rnn, h0 = R.init_rnn(K, m, rng=np.random.default_rng(42)), np.zeros(m)
        sample = lambda: dict(entries=800_000 // K, rng=np.random.default_rng(42))
        R.compute_grads(rnn, x, y, h0)
        R.compute_grads_num(rnn, x, y, h0, **sample())
        R.compute_grads_complex(rnn, x, y, h0, **sample())
        R.compute_grads_autograd(rnn, x, y, h0)
    return "notebook 1's gradient cell"


def better_model(data, K, seconds=20.0):
    """Section 5.5's network trained for `seconds`: returns its milliseconds per update."""
    rnn = better.initial_network(K, better.RECIPE["m"], 0, np.float32)
    state = trainer.train(rnn, data, time_budget=seconds, **better.settings(better.RECIPE))
    return f"section 5.5's model: {1e3 * state.wall_time / state.update:.1f} ms an update ({state.update:,} updates)"


def timed(job, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    what = job(*args)
    return f"{what}: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="training time of section 5.5's model")
    args = parser.parse_args(argv)
    text, corpus, char_to_ind, _ = trainer.load_corpus()
    data, K = R.encode(text, char_to_ind), len(char_to_ind)
    print(f"corpus {corpus['name']}: K = {K}")
    for label in ("alone", "beside a second BLAS-heavy process"):
        load = None
        if label != "alone":
            load = multiprocessing.get_context("spawn").Process(target=busy_blas, args=(3600,), daemon=True)
            load.start()
            time.sleep(2)
        try:
            print(f"{label}:\n  {timed(gradient_checks, data, K)}\n  {timed(better_model, data, K, args.seconds)}",
                  flush=True)
        finally:
            if load:
                load.terminate()
                load.join()


if __name__ == "__main__":
    main()
