"""Training: the course's rules (sequences, hidden state, epochs, clipping, AdaGrad, smooth loss, best
model), and the options beyond them (mini-batches, random order, held-out text, Adam, decay)."""
import time

import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer

pytestmark = pytest.mark.quick                   # `make check`


def test_one_adagrad_step_is_the_formula():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    arrays = {k: rnn[k] for k in R.PARAMS}
    g = R.compute_grads(before, data[:25], data[1:26], np.zeros(m))
    trainer.train(rnn, data, 1, eta=0.1)
    for k in R.PARAMS:
        gk = np.clip(g[k], -5, 5)
        np.testing.assert_allclose(rnn[k], before[k] - 0.1 * gk / np.sqrt(gk ** 2 + 1e-8), rtol=1e-12, atol=1e-15)
        assert rnn[k] is arrays[k]                       # updated in place: the same arrays


@pytest.mark.parametrize("clip", [5.0, None])
def test_gradients_are_clipped_before_the_update_unless_clip_is_none(clip):
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=3.0, rng=np.random.default_rng(1))        # huge gradients
    g = R.compute_grads({k: v.copy() for k, v in rnn.items()}, data[:25], data[1:26], np.zeros(m))
    assert max(np.abs(v).max() for v in g.values()) > 5
    state = trainer.train(rnn, data, 1, clip=clip)
    for k in R.PARAMS:
        expected = g[k] if clip is None else np.clip(g[k], -clip, clip)
        np.testing.assert_allclose(state.moments["m"][k], expected ** 2, rtol=1e-12)


def test_sequence_hidden_state_and_epoch_rules_on_a_tiny_book():
    K, m, T = 6, 4, 25
    data = np.random.default_rng(0).integers(0, K, 60)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    seen = []
    trainer.train(rnn, data, 5, seq_length=T, hook=lambda u, rnn, hprev, x0, st: seen.append(
        (u, st.e, st.epoch, hprev.copy(), x0)), hook_at=range(1, 6))
    # 60 characters hold sequences at e = 0 and e = 25; e = 50 would need data[75]: a new epoch
    assert [(u, e, epoch) for u, e, epoch, _, _ in seen] == [(1, 0, 1), (2, 25, 1), (3, 0, 2), (4, 25, 2),
                                                             (5, 0, 3)]
    assert [x0 for *_, x0 in seen] == [data[0], data[25], data[0], data[25], data[0]]
    assert not seen[0][3].any() and not seen[2][3].any() and not seen[4][3].any()   # h = 0 per epoch
    assert seen[1][3].any() and seen[3][3].any()                                    # carried over
    assert trainer.updates_per_epoch(60, T) == 2


def test_hprev_carried_over_is_the_last_hidden_state_of_the_previous_sequence():
    K, m = 6, 4
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    _, cache = R.forward({k: v.copy() for k, v in rnn.items()}, data[:25], data[1:26], np.zeros(m))
    seen = []
    trainer.train(rnn, data, 2, hook=lambda u, rnn, hprev, x0, st: seen.append(hprev.copy()), hook_at=[2])
    np.testing.assert_array_equal(seen[0], cache.H[-1])


def test_smooth_loss_and_the_best_model_are_those_of_the_best_update(forward_spy):
    K, m = 8, 10
    data = np.random.default_rng(0).integers(0, 3, 3000)       # an easy text: only 3 characters
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1), dtype=np.float32)
    models = []
    trainer.train(rnn, data, 300, hook=lambda u, rnn, hprev, x0, st: models.append(
        ({k: rnn[k].copy() for k in R.PARAMS}, hprev.copy(), x0)), hook_at=range(1, 301))
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1), dtype=np.float32)
    forward_spy.clear()
    state = trainer.train(rnn, data, 300)
    expected = [float(forward_spy[0][3])]
    for *_, loss in forward_spy[1:]:
        expected.append(0.999 * expected[-1] + 0.001 * float(loss))
    assert state.smooth_loss.dtype == np.float64                       # in float32 training too
    np.testing.assert_allclose(state.smooth_loss, expected, rtol=1e-12)
    best = int(np.argmin(state.smooth_loss))
    assert state.best_update == best + 1 and state.best_smooth_loss == state.smooth_loss[best]
    params, hprev, x0 = models[best]                                   # before update best + 1 ...
    for k in R.PARAMS:                                                 # ... whose forward pass it was
        np.testing.assert_array_equal(state.best_rnn[k], params[k])
    np.testing.assert_array_equal(state.best_h, hprev)
    assert state.best_x == x0
    assert state.smooth_loss[-1] < state.smooth_loss[0]


def test_after_a_divergence_the_best_model_is_finite(tmp_path):
    K, m = 6, 5
    data = np.random.default_rng(0).integers(0, K, 500)
    rnn = R.init_rnn(K, m, rng=np.random.default_rng(1))
    state = trainer.train(rnn, data, 10)
    rnn["V"][0, 0] = 1e300                                  # what an exploding update leaves behind
    with pytest.raises(trainer.TrainingDiverged, match="update 11") as err:
        trainer.train(rnn, data, 10, state=state)
    diverged = err.value.state
    assert all(np.isfinite(v).all() for v in diverged.best_rnn.values())
    assert diverged.best_update <= 10 and np.isfinite(diverged.best_smooth_loss)
    assert diverged.update == 10 and len(diverged.smooth_loss) == 10          # the last good state


def test_float32_training_stays_float32():
    data = np.random.default_rng(0).integers(0, 8, 500)
    rnn = R.init_rnn(8, 10, rng=np.random.default_rng(1), dtype=np.float32)
    state = trainer.train(rnn, data, 20)
    assert all(v.dtype == np.float32 for v in list(rnn.values()) + list(state.best_rnn.values()))


def test_a_resumed_run_keeps_its_settings_and_names_one_that_differs():
    data = np.random.default_rng(0).integers(0, 8, 2000)
    straight = trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data, 30, eta=0.05, seq_length=10,
                             batch_size=2, time_budget=100)
    rnn = R.init_rnn(8, 6, rng=np.random.default_rng(1))
    state = trainer.train(rnn, data, 10, eta=0.05, seq_length=10, batch_size=2)
    trainer.train(rnn, data, 20, state=state)                     # the state's settings, not the defaults
    np.testing.assert_array_equal(state.smooth_loss, straight.smooth_loss)
    assert state.config == trainer.TrainConfig(eta=0.05, seq_length=10, batch_size=2)     # no time budget
    with pytest.raises(ValueError, match=r"trained with eta=0.05, not 0.1: resume with the same eta"):
        trainer.train(rnn, data, 5, state=state, eta=0.1)


def test_training_until_the_time_budget_needs_one():
    data = np.random.default_rng(0).integers(0, 8, 2000)
    with pytest.raises(ValueError, match="n_updates, or time_budget"):
        trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data)


def test_mini_batches_read_b_streams_side_by_side(forward_spy):
    K, m, T, B = 6, 4, 5, 3
    data = np.random.default_rng(0).integers(0, K, 3 * 40)          # three streams of 40 characters
    state = trainer.train(R.init_rnn(K, m, rng=np.random.default_rng(1)), data, 9, seq_length=T, batch_size=B)
    per_epoch = trainer.updates_per_epoch(40, T)                             # 7 sequences per stream
    for u, (X, Y, h0, _) in enumerate(forward_spy):
        e = (u % per_epoch) * T
        for b in range(B):
            np.testing.assert_array_equal(X[:, b], data[b * 40 + e:b * 40 + e + T])
            np.testing.assert_array_equal(Y[:, b], data[b * 40 + e + 1:b * 40 + e + T + 1])
        assert h0.shape == (B, m) and h0.any() == (u % per_epoch != 0)
    assert state.epoch == 2 and state.smooth_loss.shape == (9,)


def test_random_order_visits_every_chunk_once_per_epoch_from_h0(forward_spy):
    T, C, n_chunks, B = 4, 13, 10, 2               # a chunk of 13 holds sequences at 0, 4 and 8
    data = np.arange(n_chunks * C)                 # each character is its own position
    state = trainer.train(R.init_rnn(len(data), 3, rng=np.random.default_rng(0)), data, 60, seq_length=T,
                          chunk_length=C, batch_size=B, rng=np.random.default_rng(3))
    assert state.epoch == 4                         # 3 sequences x 10 chunks / 2 streams = 15 per epoch
    for epoch in range(4):
        updates = forward_spy[epoch * 15:(epoch + 1) * 15]
        chunks = [X[0, b] // C for X, *_ in updates[::3] for b in range(B)]
        assert sorted(chunks) == list(range(n_chunks))                 # every chunk once
        for i, (X, _, h0, _) in enumerate(updates):
            np.testing.assert_array_equal(X[:, 0] % C, np.arange(T) + (i % 3) * T)   # in order within it
            assert (i % 3 == 0) == (not h0.any())                      # h = 0 as a chunk starts
    assert len({tuple((X[0] // C).tolist()) for X, *_ in forward_spy[::3]}) > 4      # the order changes


def test_held_out_text_is_never_trained_on(forward_spy):
    data = np.arange(1000)                          # each character is its own position
    train_part, held_out = R.split_corpus(data, 0.05)
    assert len(held_out) == 50
    np.testing.assert_array_equal(np.concatenate([train_part, held_out]), data)
    for options in (dict(), dict(batch_size=4), dict(chunk_length=100, batch_size=3)):
        forward_spy.clear()
        trainer.train(R.init_rnn(len(data), 3, rng=np.random.default_rng(1)), train_part, 200, **options)
        assert max(Y.max() for _, Y, *_ in forward_spy) < len(train_part)   # no target in the held-out part


def test_validation_is_recorded_and_time_budget_stops_training():
    K = 6
    data = np.random.default_rng(0).integers(0, K, 5000)
    train_part, held_out = R.split_corpus(data)
    state = trainer.train(R.init_rnn(K, 8, rng=np.random.default_rng(1)), train_part, 50, validation=held_out,
                          validate_every=20)
    assert state.val_loss[:, 0].tolist() == [20, 40, 50]
    assert np.all(state.val_loss[:, 1] > 0)
    quick = trainer.train(R.init_rnn(K, 8, rng=np.random.default_rng(1)), train_part, time_budget=0.2)
    assert 0 < quick.update and quick.smooth_loss.shape == (quick.update,)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.8, 0.99)])
def test_one_adam_step_is_the_formula(betas):
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    grads = [R.compute_grads(before, data[:25], data[1:26], np.zeros(m))]
    trainer.train(rnn, data, 1, eta=0.01, optimizer="adam", betas=betas)
    after_one = {k: v.copy() for k, v in rnn.items()}
    _, cache = R.forward(before, data[:25], data[1:26], np.zeros(m))
    grads.append(R.compute_grads(after_one, data[25:50], data[26:51], cache.H[-1]))
    trainer.train(rnn := {k: v.copy() for k, v in before.items()}, data, 2, eta=0.01, optimizer="adam", betas=betas)
    (b1, b2), eps = betas, 1e-8
    for k in R.PARAMS:
        theta, mo, v = before[k], 0.0, 0.0
        for t, g in enumerate(grads, start=1):
            g = np.clip(g[k], -5, 5)
            mo, v = b1 * mo + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
            theta = theta - 0.01 * (mo / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
            if t == 1:
                np.testing.assert_allclose(after_one[k], theta, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(rnn[k], theta, rtol=1e-10, atol=1e-14)


def test_decay_lowers_eta_linearly_over_the_run():
    K, m = 10, 6
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=0.5, rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    trainer.train(rnn, data, 1, eta=0.1)                                  # the first of 2 decayed steps: eta
    decayed = {k: v.copy() for k, v in before.items()}
    trainer.train(decayed, data, 2, eta=0.1, decay=True)
    _, cache = R.forward(before, data[:25], data[1:26], np.zeros(m))
    g1 = R.compute_grads(before, data[:25], data[1:26], np.zeros(m))
    g2 = R.compute_grads(rnn, data[25:50], data[26:51], cache.H[-1])
    for k in R.PARAMS:
        a, b = np.clip(g1[k], -5, 5), np.clip(g2[k], -5, 5)
        expected = rnn[k] - 0.05 * b / np.sqrt(a ** 2 + b ** 2 + 1e-8)   # the second step: eta / 2
        np.testing.assert_allclose(decayed[k], expected, rtol=1e-10, atol=1e-14)


def test_the_progress_bar_counts_this_calls_updates_or_seconds(capsys):
    data = np.random.default_rng(0).integers(0, 8, 5000)
    state = trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data, 300)
    trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data, 200, state=state, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "200/200" in bar and "nats/char" in bar
    trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data, time_budget=1.0, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "/1 s" in bar and "nats/char" in bar and "1000000000" not in bar
    trainer.train(R.init_rnn(8, 6, rng=np.random.default_rng(1)), data, 50, time_budget=1000, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" in bar and "1/1 s" in bar                      # every update planned was made: full


def test_adam_on_the_averaged_loss_without_clipping_is_the_formula():
    K, m, T = 10, 6, 25
    data = np.random.default_rng(0).integers(0, K, 200)
    rnn = R.init_rnn(K, m, sig=R.init_2025(K, m), rng=np.random.default_rng(1))
    before = {k: v.copy() for k, v in rnn.items()}
    g1 = R.compute_grads(before, data[:T], data[1:T + 1], np.zeros(m), loss="mean")
    state = trainer.train(rnn, data, 1, optimizer="adam", eta=0.001, loss="mean", clip=None)
    assert state.smooth_loss[0] == pytest.approx(R.compute_loss(before, data[:T], data[1:T + 1], np.zeros(m)) / T)
    assert state.per_character(state.smooth_loss[0]) == state.smooth_loss[0]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for k in R.PARAMS:
        mo, v = (1 - b1) * g1[k], (1 - b2) * g1[k] ** 2
        expected = before[k] - 0.001 * (mo / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
        np.testing.assert_allclose(rnn[k], expected, rtol=1e-10, atol=1e-14)


def test_a_run_of_planned_updates_is_the_same_on_a_busy_machine():
    """With n_updates, the decay runs by update and the time budget is only a cap: a run slowed down
    (here by a hook that sleeps) makes the same updates with the same learning rates."""
    data = np.random.default_rng(0).integers(0, 8, 3000)
    settings = dict(optimizer="adam", eta=0.01, decay=True, batch_size=4, seq_length=10, time_budget=600)
    quick, slow = (R.init_rnn(8, 6, rng=np.random.default_rng(1)) for _ in range(2))
    a = trainer.train(quick, data, 40, **settings)
    b = trainer.train(slow, data, 40, **settings, hook=lambda *_: time.sleep(0.01), hook_at=range(1, 41))
    assert b.wall_time > a.wall_time + 0.3 and a.update == b.update == 40
    for k in quick:
        np.testing.assert_array_equal(quick[k], slow[k])
    assert 0 < a.cpu_time and b.cpu_time < b.wall_time            # the sleeping cost wall time, not CPU time
