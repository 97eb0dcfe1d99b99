"""Saving, loading, resuming, and what an interruption leaves behind."""
import os
import signal
import threading

import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer

pytestmark = pytest.mark.quick                   # `make check`


def test_checkpoint_round_trip(tmp_path, small_run):
    rnn, state, _ = small_run(25, checkpoint=tmp_path / "ck.npz")
    rnn2, state2, char_to_ind, ind_to_char = trainer.load_checkpoint(tmp_path / "ck.npz")
    assert ind_to_char == dict(enumerate("abcdefgh"))
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], rnn2[k])
        np.testing.assert_array_equal(state.best_rnn[k], state2.best_rnn[k])
        np.testing.assert_array_equal(state.moments["m"][k], state2.moments["m"][k])
    np.testing.assert_array_equal(state.smooth_loss, state2.smooth_loss)
    np.testing.assert_array_equal(state.hprev, state2.hprev)
    np.testing.assert_array_equal(state.best_h, state2.best_h)
    assert (state2.update, state2.e, state2.step, state2.epoch, state2.best_update, state2.best_x) == \
           (state.update, state.e, state.step, state.epoch, state.best_update, state.best_x)
    assert state2.config == state.config and state2.rng.bit_generator.state == state.rng.bit_generator.state
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]            # no temporary file left


def test_resuming_from_a_checkpoint_is_bit_for_bit(tmp_path, small_run):
    rnn_full, full, samples_full = small_run(100)
    _, _, samples_a = small_run(40, checkpoint=tmp_path / "ck.npz")
    rnn, state, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    rnn, resumed, samples_b = small_run(60, state=state, rnn=rnn)
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], rnn_full[k])
        np.testing.assert_array_equal(resumed.best_rnn[k], full.best_rnn[k])
    np.testing.assert_array_equal(resumed.smooth_loss, full.smooth_loss)
    assert len(samples_a + samples_b) == len(samples_full)
    for a, b in zip(samples_a + samples_b, samples_full):
        np.testing.assert_array_equal(a, b)


def test_resuming_a_float32_run_is_bit_for_bit(tmp_path, small_run):
    f32 = lambda: R.init_rnn(8, 12, rng=np.random.default_rng(1), dtype=np.float32)
    rnn_full, full, _ = small_run(60, rnn=f32())
    small_run(25, rnn=f32(), checkpoint=tmp_path / "ck.npz")
    rnn, state, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    rnn, resumed, _ = small_run(35, state=state, rnn=rnn)
    np.testing.assert_array_equal(resumed.smooth_loss, full.smooth_loss)
    assert resumed.smooth_loss.dtype == full.smooth_loss.dtype == np.float64
    np.testing.assert_array_equal(rnn["W"], rnn_full["W"])


def test_resuming_adam_with_batches_and_random_order_is_bit_for_bit(tmp_path):
    K, m = 8, 6
    data = np.random.default_rng(0).integers(0, K, 3000)
    options = dict(eta=0.01, optimizer="adam", batch_size=3, chunk_length=200, seq_length=10,
                   validation=data[:300], validate_every=7, ind_to_char=dict(enumerate("abcdefgh")))
    full_rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    full = trainer.train(full_rnn, data, 90, rng=np.random.default_rng(2), **options)
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    trainer.train(rnn, data, 40, rng=np.random.default_rng(2), checkpoint=tmp_path / "ck.npz", checkpoint_every=20, **options)
    rnn, state, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    resumed = trainer.train(rnn, data, 50, state=state, **options)
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], full_rnn[k])
    np.testing.assert_array_equal(resumed.smooth_loss, full.smooth_loss)
    np.testing.assert_array_equal(resumed.order, full.order)
    every_7 = lambda v: v[v[:, 0] % 7 == 0]                  # the resumed run also measured at its stop
    np.testing.assert_array_equal(every_7(resumed.val_loss)[:, :2], every_7(full.val_loss)[:, :2])


@pytest.mark.parametrize("optimizer", ["adagrad", "adam"])
def test_an_interrupt_loses_nothing_and_resumes_bit_for_bit(tmp_path, optimizer):
    """Ctrl-C at a random moment (a timer sends SIGINT while train runs): train finishes the update in
    hand, writes the checkpoint, raises TrainingInterrupted; the checkpoint and the state in memory
    are those of a straight run of as many updates, and going on from them is bit for bit."""
    K, m = 20, 16
    data = np.random.default_rng(0).integers(0, K, 20_000)
    options = dict(optimizer=optimizer, eta=0.01 if optimizer == "adam" else 0.1, batch_size=2,
                   ind_to_char={i: chr(65 + i) for i in range(K)})
    rng = np.random.default_rng(5)
    for _ in range(4):
        ck = tmp_path / "ck.npz"
        rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
        fire = lambda *_: signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.01, 0.2))
        previous = signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
        try:
            with pytest.raises(trainer.TrainingInterrupted) as err:
                trainer.train(rnn, data, 10**9, checkpoint=ck, checkpoint_every=10**6, hook=fire, hook_at=[1],
                              rng=np.random.default_rng(2), **options)
        finally:
            signal.signal(signal.SIGALRM, previous)
        n = err.value.state.update
        saved, state, _, _ = trainer.load_checkpoint(ck)
        straight = R.init_rnn(K, m, rng=np.random.default_rng(1))
        reference = trainer.train(straight, data, n, rng=np.random.default_rng(2), **options)
        assert state.update == n > 0
        for k in R.PARAMS:
            np.testing.assert_array_equal(saved[k], straight[k])
            np.testing.assert_array_equal(rnn[k], straight[k])             # the state in memory too
            for moment in state.moments:
                np.testing.assert_array_equal(state.moments[moment][k], reference.moments[moment][k])
                np.testing.assert_array_equal(err.value.state.moments[moment][k], reference.moments[moment][k])
        np.testing.assert_array_equal(state.smooth_loss, reference.smooth_loss)
        trainer.train(saved, data, 7, state=state, **options)
        trainer.train(straight, data, 7, state=reference, **options)
        np.testing.assert_array_equal(saved["W"], straight["W"])
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]


def test_atomic_writes_leave_no_half_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.npz"
    trainer.save_model(path, R.init_rnn(3, 4), {0: "a", 1: "b", 2: "c"})
    before = path.read_bytes()

    def fail(f):
        f.write(b"half a file")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        trainer.atomic_write(path, fail)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_two_writers_at_once_never_share_a_temporary_file(tmp_path):
    """Two threads write the same target at the same moment: each inside its write while the other
    is, so both temporaries exist together. Each must have its own, and the target ends up as one
    whole file of one writer, with no temporary left behind."""
    both_writing = threading.Barrier(2, timeout=10)
    seen = []

    def writer(payload):
        def write(f):
            seen.append(sorted(p.name for p in tmp_path.iterdir()))
            both_writing.wait()                    # the other writer is inside its write too
            f.write(payload)
        trainer.atomic_write(tmp_path / "m.npz", write)
    threads = [threading.Thread(target=writer, args=(bytes([i]) * 100_000,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not both_writing.broken
    temporaries = [name for names in seen for name in names if name.startswith(".m.npz.")]
    assert len(set(temporaries)) == 2, seen
    assert (tmp_path / "m.npz").read_bytes() in (bytes([0]) * 100_000, bytes([1]) * 100_000)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_model_file_holds_the_vocabulary_even_unusual_characters(tmp_path):
    chars = {0: "a", 1: "\x00", 2: "•", 3: " ", 4: "\n"}
    rnn = R.init_rnn(5, 4, rng=np.random.default_rng(0))
    trainer.save_model(tmp_path / "m.npz", rnn, chars)
    with np.load(tmp_path / "m.npz") as z:
        assert sorted(z.files) == ["U", "V", "W", "b", "c", "chars"]
    rnn2, char_to_ind, ind_to_char = trainer.load_model(tmp_path / "m.npz", {ch: i for i, ch in chars.items()})
    assert ind_to_char == chars
    np.testing.assert_array_equal(rnn2["U"], rnn["U"])
