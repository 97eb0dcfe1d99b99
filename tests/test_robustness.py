"""Nothing already computed is lost when the disk or the signal is not the one expected, and bad
input is refused at the door: unwritable checkpoints (read-only mounts, /proc, a file as folder),
a disk that fills up during training, SIGTERM and SIGHUP, two Ctrl-Cs, killed writers' temporaries,
file modes, and the math functions' own arguments."""
import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import rnn_helpers as R
import rnn_trainer as trainer
import rnn_trainer

pytestmark = pytest.mark.quick                   # `make check`

K, M = 8, 6
DATA = np.random.default_rng(0).integers(0, K, 3000)
VOCAB = dict(enumerate("abcdefgh"))


def model(dtype=np.float64):
    return R.init_rnn(K, M, sig=0.3, rng=np.random.default_rng(1), dtype=dtype)


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder on a read-only tmpfs: as root, permission bits would not stop a write, a mount does."""
    folder = tmp_path / "ro"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("where", ["read-only mount", "/proc", "a file as folder"])
def test_an_unwritable_checkpoint_is_refused_before_any_update(where, tmp_path, request, forward_spy):
    if where == "read-only mount":
        path = request.getfixturevalue("read_only_folder") / "ck.npz"
    elif where == "/proc":
        path = Path("/proc/no-such-process/ck.npz")
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "ck.npz"
    with pytest.raises(OSError, match=f"Cannot write {path}"):
        trainer.train(model(), DATA, 50, checkpoint=path, ind_to_char=VOCAB)
    assert forward_spy == []                                   # refused at the door, no work lost
    with pytest.raises(OSError, match=f"Cannot write {path}"):
        trainer.save_model(path, model(), VOCAB)


def test_a_disk_that_fills_up_stops_training_with_its_state(tmp_path, monkeypatch):
    """The periodic save hits ENOSPC: train stops after a whole update with CheckpointFailed, which
    carries the state; from it, training goes on bit for bit as if nothing had happened."""
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)
    monkeypatch.setattr(rnn_trainer.os, "fsync", fsync)
    rnn = model()
    with pytest.raises(trainer.CheckpointFailed, match="No space left on device") as err:
        trainer.train(rnn, DATA, 500, checkpoint=tmp_path / "ck.npz", checkpoint_every=100, ind_to_char=VOCAB,
                      rng=np.random.default_rng(2))
    state = err.value.state
    assert state.update == 200 and len(state.smooth_loss) == 200
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"]            # update 100's, whole
    monkeypatch.setattr(rnn_trainer.os, "fsync", real_fsync)
    trainer.train(rnn, DATA, 300, state=state)
    straight = model()
    reference = trainer.train(straight, DATA, 500, rng=np.random.default_rng(2))
    for k in R.PARAMS:
        np.testing.assert_array_equal(rnn[k], straight[k])
    np.testing.assert_array_equal(state.smooth_loss, reference.smooth_loss)


CHILD = textwrap.dedent("""
    import sys, time, numpy as np, rnn_helpers as R, rnn_trainer as trainer
    data = np.random.default_rng(0).integers(0, 8, 3000)
    rnn = R.init_rnn(8, 6, sig=0.3, rng=np.random.default_rng(1))
    def hook(update, rnn, h, x0, state):
        print("hook", update, flush=True)
        time.sleep(float(sys.argv[2]))
    trainer.train(rnn, data, 10**9, checkpoint=sys.argv[1], checkpoint_every=10**9, ind_to_char=dict(enumerate("abcdefgh")),
                  hook=hook, hook_at=range(1, 10**9, 2000))
""")


def start_child(tmp_path, hook_seconds):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "ck.npz"), str(hook_seconds)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().startswith("hook 1")               # training has begun
    return child


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_terminating_signal_writes_the_checkpoint_then_stops(tmp_path, sig):
    child = start_child(tmp_path, 0)
    time.sleep(1.0)
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0 and "TrainingInterrupted" in err
    _, state, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    assert state.update > 0 and len(state.smooth_loss) == state.update


def test_two_interrupts_stop_a_long_hook_promptly_after_saving(tmp_path):
    child = start_child(tmp_path, 600)                                # the hook would sleep 10 minutes
    start = time.perf_counter()
    child.send_signal(signal.SIGINT)
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert time.perf_counter() - start < 30 and "TrainingInterrupted" in err
    _, state, _, _ = trainer.load_checkpoint(tmp_path / "ck.npz")
    assert state.update == 0                                         # stopped before the first update


def test_files_get_the_mode_of_the_umask_and_killed_writers_temporaries_go(tmp_path):
    for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        previous = os.umask(mask)
        try:
            trainer.save_model(tmp_path / "m.npz", model(), VOCAB)
        finally:
            os.umask(previous)
        assert (tmp_path / "m.npz").stat().st_mode & 0o777 == mode
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale, live = tmp_path / f".m.npz.{dead}.abc.tmp", tmp_path / f".m.npz.{os.getpid()}.def.tmp"
    stale.write_text("half"), live.write_text("being written")
    trainer.save_model(tmp_path / "m.npz", model(), VOCAB)
    assert not stale.exists() and live.exists()


def test_a_model_file_with_a_broken_vocabulary_is_refused(tmp_path):
    rnn = model()
    for chars in (np.array(["ab"] * K), np.array([ord("a")] * K, dtype=np.int32)):
        np.savez(tmp_path / "m.npz", **rnn, chars=chars)
        with pytest.raises(ValueError, match="distinct single characters"):
            trainer.load_model(tmp_path / "m.npz")


def test_resuming_on_a_text_of_another_length_is_refused(small_run):
    _, state, _ = small_run(30, chunk_length=50)
    with pytest.raises(ValueError, match="another length"):
        trainer.train(model(), DATA[:200], 5, state=state)


def test_a_corpus_that_is_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ValueError, match="cannot be opened"):
        trainer.read_book(tmp_path / "a")


@pytest.mark.parametrize("call, match", [
    (lambda: R.synthesize(model(), np.zeros(M), 0, 5, np.random.default_rng(0), temperature=1e-310), "temperature"),
    (lambda: R.synthesize(model(), np.zeros(M), 0, 5, 42), "rng must be a NumPy Generator"),
    (lambda: R.synthesize(model(), np.zeros(M), 0, 5, None), "rng must be a NumPy Generator"),
    (lambda: R.decode([2.7], VOCAB), "integer character indices"),
    (lambda: R.compute_loss(model(), [0, -1], [1, 2], np.zeros(M)), "character indices 0..7"),
    (lambda: R.compute_grads(model(), [0, 1], [1, 8], np.zeros(M)), "character indices 0..7"),
    (lambda: R.gradient_through_time(model(), [0, 1], [1, 2, 3], np.zeros(M)), "one shape"),
    (lambda: R.mean_log_prob(model(), np.zeros(M), 0, np.array([], int)), "at least one character"),
    (lambda: trainer.updates_per_epoch(100, 0), "seq_length must be an integer >= 1"),
])
def test_the_math_refuses_what_it_cannot_mean(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_central_differences_of_a_float32_model_are_computed_in_float64():
    x, y = DATA[:10], DATA[1:11]
    rnn = model(np.float32)
    in32 = R.compute_grads_num(rnn, x, y, np.zeros(M))
    exact = R.compute_grads_complex(rnn, x, y, np.zeros(M))
    for k, c in R.compare_gradients(exact, in32).items():
        assert c["max_abs"] < R.GRADIENT_TOLERANCES["central_max_abs"], k
