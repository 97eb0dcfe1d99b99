"""BLAS threads per job: one where the products are small (gradient checks, synthesis, batch-1 training,
evaluation), and for mini-batches the count that is faster now, which changes no result."""
import numpy as np
import pytest

import blas
import rnn_helpers as R
import rnn_trainer as trainer
import rnn_trainer

pytestmark = pytest.mark.quick


def blas_threads_now():
    return [lib.get_num_threads() for lib in blas.libraries()]


@pytest.fixture
def two_threads():
    if not blas.libraries():
        pytest.fail("threadpoolctl finds no BLAS in NumPy: the thread control would do nothing")
    with blas.blas_threads(2):
        yield


def test_blas_threads_sets_the_count_and_restores_it(two_threads):
    with blas.blas_threads(1):
        assert blas_threads_now() == [1] * len(blas_threads_now())
    assert set(blas_threads_now()) == {2}


@pytest.mark.parametrize("call", ["compute_grads_num", "compute_grads_complex", "synthesize"])
def test_gradient_checks_and_synthesis_use_one_thread(two_threads, monkeypatch, call):
    rnn, seen = R.init_rnn(5, 4, rng=np.random.default_rng(0)), []
    for inner in ("compute_loss", "softmax"):
        real = getattr(R, inner)
        monkeypatch.setattr(R, inner, lambda *a, real=real, **k: seen.append(blas_threads_now()) or real(*a, **k))
    x, y = np.array([0, 1, 2]), np.array([1, 2, 3])
    args = dict(synthesize=(rnn, np.zeros(4), 0, 5, np.random.default_rng(0))).get(call, (rnn, x, y, np.zeros(4)))
    getattr(R, call)(*args)
    assert seen and all(set(s) == {1} for s in seen)
    assert set(blas_threads_now()) == {2}


def test_batch_one_training_and_evaluation_use_one_thread(two_threads, monkeypatch):
    seen = []
    real_forward = R.forward
    monkeypatch.setattr(R, "forward", lambda *a, **k: seen.append(blas_threads_now()) or real_forward(*a, **k))
    data = np.random.default_rng(0).integers(0, 6, 500)
    trainer.train(R.init_rnn(6, 8, rng=np.random.default_rng(1)), data, 30, validation=data[:300], validate_every=10)
    assert len(seen) > 30 and all(set(s) == {1} for s in seen)
    assert set(blas_threads_now()) == {2}


def test_the_thread_count_changes_no_result_of_mini_batch_training():
    data = np.random.default_rng(0).integers(0, 30, 20_000)
    results = []
    for n in (1, 2):
        with blas.blas_threads(n):
            rnn = R.init_rnn(30, 128, rng=np.random.default_rng(1), dtype=np.float32)
            state = trainer.train(rnn, data, 20, batch_size=32, seq_length=20, optimizer="adam", eta=0.01)
        results.append(b"".join(rnn[k].tobytes() for k in R.PARAMS) + state.smooth_loss.tobytes())
    assert results[0] == results[1]


class FakeClock:
    """time.perf_counter for the chooser: an update takes seconds_per_update[count] of the count in use."""

    def __init__(self, monkeypatch, seconds_per_update):
        self.now, self.seconds = 0.0, seconds_per_update
        monkeypatch.setattr(rnn_trainer.time, "perf_counter", lambda: self.now)

    def run(self, chooser, n):
        counts = []
        for _ in range(n):
            chooser.before_update()
            self.now += self.seconds[chooser.count]
            chooser.after_update()
            counts.append(chooser.count)
        return counts


@pytest.fixture
def chooser(two_threads, monkeypatch):
    monkeypatch.setattr(rnn_trainer._ThreadChooser, "_use", lambda self, n: setattr(self, "count", n))
    return rnn_trainer._ThreadChooser(batch_size=32)


def test_mini_batches_keep_two_threads_while_they_are_faster(chooser, monkeypatch):
    counts = FakeClock(monkeypatch, {2: 0.009, 1: 0.013}).run(chooser, 2000)
    assert counts[0] == 2 and counts.count(1) < 0.02 * len(counts)     # the trials cost under 2 % of updates


def test_mini_batches_move_to_one_thread_when_two_crawl_and_back_when_they_recover(chooser, monkeypatch):
    clock = FakeClock(monkeypatch, {2: 0.150, 1: 0.023})                # beside another busy BLAS process
    counts = clock.run(chooser, 1000)
    assert 1 in counts[:40] and counts[-400:].count(2) < 10
    clock.seconds = {2: 0.009, 1: 0.013}                                  # the other process ended
    assert clock.run(chooser, 600)[-100:] == [2] * 100


def test_batch_one_never_tries_two_threads(two_threads):
    chooser = rnn_trainer._ThreadChooser(batch_size=1)
    assert chooser.counts == [1] and chooser.count == 1 and not chooser.choosing
