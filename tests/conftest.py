"""Fixtures shared by the tests of rnn_helpers."""
import numpy as np
import pytest

import rnn_helpers as R


@pytest.fixture
def forward_spy(monkeypatch):
    """A list that records (X, Y, h0, loss) of every forward pass that train makes from now on."""
    seen, real_forward = [], R.forward

    def spy(rnn, X, Y, h0, loss="sum"):
        loss, cache = real_forward(rnn, X, Y, h0, loss)
        seen.append((X.copy(), Y.copy(), np.copy(h0), loss))
        return loss, cache
    monkeypatch.setattr(R, "forward", spy)
    return seen


@pytest.fixture
def small_run():
    """A function: a small run with hooks that sample, optionally checkpointed or resumed.
    Returns (rnn, state, samples)."""
    def run(n_updates, state=None, rnn=None, checkpoint=None, **options):
        data = np.random.default_rng(0).integers(0, 8, 400)
        rnn = rnn or R.init_rnn(8, 12, rng=np.random.default_rng(1))
        samples = []

        def hook(update, rnn, hprev, x0, st):
            samples.append(R.synthesize(rnn, hprev, x0, 20, st.rng))
        state = R.train(rnn, data, n_updates, state=state, rng=np.random.default_rng(9), hook=hook,
                        hook_at=range(1, 100, 7), checkpoint=checkpoint, checkpoint_every=10,
                        ind_to_char=dict(enumerate("abcdefgh")), **options)
        return rnn, state, samples
    return run

