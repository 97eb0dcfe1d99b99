"""Section 5.5's better model, defined once: its recipe and how its network starts.

Notebook 8 trains it (its `parameters` cell reads RECIPE as BIG: change it there), notebook 11 draws
its initial network beside the trained one, and benchmarks/bench_big.py races it against
torch.nn.RNN; all of them read it here:

    rnn = better.initial_network(K, better.RECIPE["m"], seed=0, dtype="float32")
    state = rnn_trainer.train(rnn, data, time_budget=240, **better.settings(better.RECIPE))
"""
import numpy as np

import rnn_helpers as R

# m hidden units; the rest are settings of rnn_trainer.train (TrainConfig's fields): B = 32 streams
# of tau = 50 characters, Adam with beta2 = 0.99, eta lowered linearly from 0.005 to 0 over the run
# (its time budget), no clipping. Measured on the book: docs/measurements.md.
RECIPE = dict(m=256, batch_size=32, seq_length=50, optimizer="adam", eta=0.005, betas=(0.9, 0.99), decay=True,
              clip=None)


def initial_network(K, m, seed, dtype):
    """The network before training, as section 5.5 starts it: the 2025-26 handout's initialisation
    (R.init_2025: U ~ N(0, 1/2K), W ~ N(0, 1/2m), V ~ N(0, 1/m), b = c = 0), drawn from
    np.random.default_rng(seed), in dtype (float32 or float64)."""
    return R.init_rnn(K, m, sig=R.init_2025(K, m), rng=np.random.default_rng(seed), dtype=dtype)


def settings(recipe):
    """train's keyword arguments of a recipe: all of it but the network's size m."""
    return {k: v for k, v in recipe.items() if k != "m"}
