"""Section 5.5's better model against PyTorch's own RNN, side by side in one run, on this machine.

Both train the same network (m hidden units, tanh, K one-hot inputs, softmax output) with section
5.5's recipe (report.better.RECIPE, which notebook 8 trains with) on the same mini-batches -- the
training text cut into B streams read side by side, tau characters at a time, the hidden state carried
on -- with the same Adam, learning-rate schedule (linear decay to 0 over the wall-time budget) and
clipping, for the same wall time. Each run's parameters are copied at 30, 60, 120 and 240 s of
training (the copies are not timed) and every copy is then measured by one evaluator, trainer.evaluate
in float64, read sequentially from h = 0 over the held-out 5 % of the text.

It prints this machine's single-precision GEMM peak (NumPy's 1024 x 1024 float32 matmul with the
default threads, measured before and after the runs) and the arithmetic the NumPy model achieves:
an update's dense matrix products are 6 T B m (m + K) floating-point operations -- forward W h_{t-1}
(m^2) and V h_t (m K) per character, backward g_t V and dV (m K each), dL/da_{t+1} W and dW (m^2
each), 2 operations per multiply-add. U x_t and dU are a row lookup and a one-hot sum: not counted.

PyTorch is never a requirement: without it the NumPy model runs alone. `make bench` runs this after
bench_train; `python -m benchmarks.bench_big --seconds 240` on its own.
"""
import argparse
import time

import numpy as np

import rnn_helpers as R
import rnn_trainer as trainer
from report import better

CHECKPOINTS = (30, 60, 120, 240)


def sgemm_peak(n=1024, repeats=10):
    """GFLOP/s of NumPy's n x n float32 matrix product: the best of `repeats` timings."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def flops_per_update(K, m, batch_size, seq_length):
    """The floating-point operations of one update's dense matrix products (see the module's docstring)."""
    return 6 * seq_length * batch_size * m * (m + K)


def stream_batches(data, batch_size, seq_length):
    """(X, Y, new) forever: input and target indices (T, B) of the B streams' next sequences, and
    whether the streams start over (then the hidden state is reset)."""
    L = len(data) // batch_size
    starts, offsets = np.arange(batch_size) * L, np.arange(seq_length + 1)[:, None]
    while True:
        for e in range(0, L - seq_length, seq_length):
            seq = data[starts + e + offsets]
            yield seq[:-1], seq[1:], e == 0


def _timed_steps(data, config, seconds, checkpoints, snapshot):
    """The batches and learning rates of a run of `seconds` seconds; snapshot(t) is called, untimed,
    when the training time passes each checkpoint t. Yields (X, Y, new, eta)."""
    pending, paused, start = sorted(checkpoints), 0.0, time.perf_counter()
    for X, Y, new in stream_batches(data, config.batch_size, config.seq_length):
        elapsed = time.perf_counter() - start - paused
        while pending and elapsed >= pending[0]:
            stop = time.perf_counter()
            snapshot(pending.pop(0))
            paused += time.perf_counter() - stop
        if elapsed >= seconds:
            return
        yield X, Y, new, config.eta * (1 - elapsed / seconds) if config.decay else config.eta


def train_numpy(data, K, seconds, checkpoints=CHECKPOINTS, seed=0, **recipe):
    """rnn_helpers' training loop on the better model's recipe (report.better.RECIPE, with `recipe`'s
    changes), started as section 5.5 starts it (better.initial_network): {checkpoint: (updates, model)}."""
    recipe = {**better.RECIPE, **recipe}
    m, config = recipe["m"], trainer.TrainConfig(**better.settings(recipe))
    rnn = better.initial_network(K, m, seed, np.float32)
    theta, params = R.flat_views(rnn)
    state = trainer.TrainState(config, hprev=np.zeros((config.batch_size, m), np.float32),
                               moments={k: {p: np.zeros_like(rnn[p]) for p in R.PARAMS} for k in ("m", "v")},
                               best_rnn={k: rnn[k].copy() for k in R.PARAMS})
    snapshots = {}

    def steps():
        for X, Y, new, eta in _timed_steps(data, config, seconds, checkpoints, snapshot):
            if new:
                state.hprev = np.zeros_like(state.hprev)
            yield X, Y, eta

    def snapshot(t):
        snapshots[t] = (state.update, {k: v.astype(np.float64) for k, v in params.items()})
    for _ in R.training_loop(theta, params, steps(), config, state):
        pass
    return snapshots


def train_torch(data, K, seconds, checkpoints=CHECKPOINTS, seed=0, **recipe):
    """torch.nn.RNN (tanh, one-hot inputs) and a linear output layer, with its own initialisation,
    trained on the same batches, Adam and schedule: {checkpoint: (updates, model as U, W, V, b, c)}."""
    import torch
    recipe = {**better.RECIPE, **recipe}
    config = trainer.TrainConfig(**better.settings(recipe))
    if config.optimizer != "adam":
        raise ValueError(f"train_torch trains with Adam only, got the optimizer {config.optimizer!r}.")
    torch.manual_seed(seed)
    rnn, out = torch.nn.RNN(K, recipe["m"], nonlinearity="tanh"), torch.nn.Linear(recipe["m"], K)
    params = [*rnn.parameters(), *out.parameters()]
    optimizer = torch.optim.Adam(params, lr=config.eta, betas=config.betas, eps=config.eps)
    h, snapshots, n = torch.zeros(1, config.batch_size, recipe["m"]), {}, [0]

    def snapshot(t):
        with torch.no_grad():
            snapshots[t] = (n[0], {k: v.double().numpy().copy() for k, v in dict(
                U=rnn.weight_ih_l0, W=rnn.weight_hh_l0, b=rnn.bias_ih_l0 + rnn.bias_hh_l0,
                V=out.weight, c=out.bias).items()})
    for X, Y, new, eta in _timed_steps(data, config, seconds, checkpoints, snapshot):
        for group in optimizer.param_groups:
            group["lr"] = eta
        h = torch.zeros_like(h) if new else h.detach()
        o, h = rnn(torch.nn.functional.one_hot(torch.from_numpy(X), K).float(), h)
        loss = torch.nn.functional.cross_entropy(out(o).reshape(-1, K), torch.from_numpy(Y).reshape(-1),
                                                 reduction="sum")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip:
            torch.nn.utils.clip_grad_value_(params, config.clip)
        optimizer.step()
        n[0] += 1
    return snapshots


def held_out_losses(snapshots, held_out):
    """{checkpoint: (updates, held-out nats/char)}: every model read from h = 0 over the held-out text."""
    return {t: (n, trainer.evaluate(model, held_out, n_streams=1)) for t, (n, model) in snapshots.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=max(CHECKPOINTS), help="training time of each run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", action="store_true", help="the NumPy model alone")
    args = parser.parse_args(argv)
    if not args.seconds > 0:
        parser.error(f"--seconds must be > 0, got {args.seconds}")
    checkpoints = [t for t in CHECKPOINTS if t < args.seconds] + [args.seconds]

    text, corpus, char_to_ind, _ = trainer.load_corpus()
    train_data, held_out = R.split_corpus(R.encode(text, char_to_ind))
    K = len(char_to_ind)
    recipe = ", ".join(f"{k} = {v}" for k, v in better.RECIPE.items())
    print(f"\nThe better model on {corpus['name']} (K = {K}): {recipe} (report.better.RECIPE; decay: eta lowered "
          f"linearly to 0 over {args.seconds:g} s); held-out: the last {len(held_out):,} characters, read from h = 0 "
          f"in float64.")
    peak = sgemm_peak()
    runs = {"rnn_helpers (NumPy, float32)": train_numpy(train_data, K, args.seconds, checkpoints, args.seed)}
    try:
        import torch
        if not args.no_torch:
            runs[f"torch.nn.RNN {torch.__version__} (float32)"] = train_torch(
                train_data, K, args.seconds, checkpoints, args.seed)
    except ImportError:
        print("PyTorch is not installed: the NumPy model alone (PyTorch is never required).")
    peak = max(peak, sgemm_peak())
    losses = {name: held_out_losses(s, held_out) for name, s in runs.items()}

    print(f"\n{'held-out nats/char (updates)':40s}" + "".join(f"{f'{t:g} s':>18s}" for t in checkpoints))
    for name, by_time in losses.items():
        print(f"{name:40s}" + "".join(f"{f'{by_time[t][1]:.3f} ({by_time[t][0]:,})':>18s}" for t in checkpoints))
    updates = losses["rnn_helpers (NumPy, float32)"][checkpoints[-1]][0]
    flops = flops_per_update(K, better.RECIPE["m"], better.RECIPE["batch_size"], better.RECIPE["seq_length"])
    achieved = flops * updates / args.seconds / 1e9
    print(f"\nsgemm peak (1024 x 1024 float32, best of 10, before and after): {peak:.0f} GFLOP/s")
    print(f"NumPy model: {updates / args.seconds:.1f} updates/s x {flops / 1e9:.3f} GFLOP = {achieved:.0f} GFLOP/s, "
          f"{achieved / peak:.0%} of the peak")
    return losses


if __name__ == "__main__":
    main()
