"""The benchmarks run and print what they promise (on tiny budgets: what they measure is not tested here)."""
import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
from benchmarks import bench_big, bench_train
from report import better, runs


def test_the_benchmark_trains_section_5_5s_recipe_from_section_5_5s_start(monkeypatch):
    assert runs.notebook_parameters("08_better_model.ipynb")["BIG"] == better.RECIPE      # notebook 8 reads it too
    started = []
    monkeypatch.setattr(R, "training_loop", lambda theta, params, steps, config, state: started.append(
        ({k: v.copy() for k, v in params.items()}, config)) or iter(()))
    bench_big.train_numpy(np.arange(5000) % 7, 7, 1.0, [1.0], seed=3)
    (rnn, config), = started
    expected = better.initial_network(7, better.RECIPE["m"], 3, np.float32)
    assert all(np.array_equal(rnn[k], expected[k]) for k in R.PARAMS)
    assert config == trainer.TrainConfig(**better.settings(better.RECIPE))


def test_the_flops_of_an_update_are_its_six_dense_products():
    K, m, B, T = 80, 256, 32, 50
    products = [(m, m), (K, m),            # forward: W h_{t-1}, V h_t
                (K, m), (K, m),            # backward: g_t V, dV
                (m, m), (m, m)]            # dL/da_{t+1} W, dW
    assert bench_big.flops_per_update(K, m, B, T) == sum(2 * T * B * r * c for r, c in products) == 825_753_600


def test_the_streams_are_the_text_read_side_by_side():
    data = np.arange(1000)
    batches = bench_big.stream_batches(data, batch_size=4, seq_length=10)
    X, Y, new = next(batches)
    assert new and X.shape == (10, 4) and (X[:, 1] == np.arange(250, 260)).all() and (Y == X + 1).all()
    X, _, new = next(batches)
    assert not new and X[0, 0] == 10


def test_the_side_by_side_benchmark_runs_and_prints(capsys, monkeypatch):
    monkeypatch.setattr(better, "RECIPE", dict(better.RECIPE, m=16, batch_size=4, seq_length=10))
    losses = bench_big.main(["--seconds", "1.5", "--no-torch"])
    out = capsys.readouterr().out
    assert "sgemm peak" in out and "GFLOP/s" in out and "of the peak" in out and "1.5 s" in out
    (name, by_time), = losses.items()
    assert list(by_time) == [1.5] and by_time[1.5][0] > 0 and 0 < by_time[1.5][1] < 10


def test_pytorch_is_trained_on_the_same_batches_and_evaluated_by_the_same_evaluator():
    pytest.importorskip("torch", reason="PyTorch is optional (never a requirement): its side of the benchmark")
    data = np.random.default_rng(0).integers(0, 7, 3000)
    snapshots = bench_big.train_torch(data, 7, 1.0, [0.5, 1.0], m=8, batch_size=4, seq_length=10)
    assert list(snapshots) == [0.5, 1.0] and snapshots[1.0][0] >= snapshots[0.5][0] > 0
    n, model = snapshots[1.0]
    assert R.check_rnn(model) == (7, 8)
    assert 0 < trainer.evaluate(model, data[:500], n_streams=1) < np.log(7) + 0.5


def test_the_headline_alternates_the_loops_and_takes_the_median_of_the_rounds_ratios(monkeypatch, capsys):
    monkeypatch.setattr(bench_train, "UPDATES", {"ours": 300, bench_train.BASELINE: 60})
    monkeypatch.setattr(bench_train, "ROUNDS", 3)
    order, now = [], [0.0]
    cost = {"ours": [0.03, 0.03, 0.06], bench_train.BASELINE: [0.06, 0.06, 0.06]}    # seconds per run, by round
    runs = {name: (lambda n, name=name: order.append(name) or now.__setitem__(0, now[0] + cost[name][
        sum(o == name for o in order[:-1]) // bench_train.ALTERNATIONS])) for name in cost}
    speeds = bench_train.rounds(runs, clock=lambda: now[0])
    assert order[:4] == ["ours", bench_train.BASELINE] * 2                     # alternated, not one block each
    assert speeds["ours"] == pytest.approx([10_000, 10_000, 5_000]) and speeds[bench_train.BASELINE] == pytest.approx([1_000] * 3)
    speeds["rnn_helpers.train, float32"] = speeds.pop("ours")
    assert bench_train.table(speeds, "title") == pytest.approx(10)            # the median of 10, 10 and 5
    assert "title" in capsys.readouterr().out
