"""The notebooks' common set-up and the files a run leaves for the later notebooks: the corpus and the
handout a notebook answers, where a run keeps its files, which notebook writes which of them, and
the models and records handed on."""
import json
import math
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

import rnn_helpers as R
import rnn_trainer as trainer
from report.handouts import OPTIMIZER_NAMES, Handout, handout
from report.textstats import word_measure_applies, words
from textfile import from_root


# The SHA-256 of the text of goblet_book.txt as read (1,107,542 characters, K = 80), the course's book.
BOOK_SHA256 = "f86bfd40b13d9d0c7be2d8608e2691583322bf7a13d9fdf8979c19ca2f3f15e0"


@dataclass
class Corpus:
    """The training text and its vocabulary, as every notebook uses them."""
    text: str
    info: dict                 # name, characters, K, sha256: what a run records about its data
    char_to_ind: dict
    ind_to_char: dict
    handout: Handout           # the handout the notebooks answer ($RNN_HANDOUT)

    @property
    def name(self):
        return self.info["name"]

    @property
    def is_book(self):
        """Whether this is the course's book, by its SHA-256: the yardsticks measured on the book
        (the handouts' own runs, public solutions' losses) are shown only then."""
        return self.info["sha256"] == BOOK_SHA256

    @property
    def K(self):
        return len(self.char_to_ind)

    @property
    def eod(self):
        """The index of the end-of-document character for a corpus of documents; None for one text.
        R.split_corpus(corpus.data, share, corpus.eod) holds out whole documents."""
        return self.char_to_ind[trainer.EOD] if "documents" in self.info else None

    @cached_property
    def documents(self):
        """The documents of a corpus of documents (without their EOD), in order; None for one text."""
        return self.text.split(trainer.EOD)[:-1] if self.eod is not None else None

    @cached_property
    def data(self):
        """The whole text encoded: character indices (N,)."""
        return R.encode(self.text, self.char_to_ind)

    @cached_property
    def vocabulary(self):
        """The set of the corpus's words."""
        return set(words(self.text))

    @cached_property
    def word_measure(self):
        """Whether "x % of its words are words of the corpus" means something for this corpus
        (textstats.word_measure_applies: not for a text without spaces between its words)."""
        return word_measure_applies(self.text)

    @property
    def runs(self):
        """Where the runs on this corpus for this handout keep their files."""
        return run_dir(self.name, self.handout)


def setup():
    """The first lines of every notebook: figures as crisp PNG for the screen and vector PDF for the
    report, the corpus (from $RNN_CORPUS, data/goblet_book.txt or data/shakespeare.txt) and the
    handout to answer ($RNN_HANDOUT)."""
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    set_matplotlib_formats("retina", "pdf")
    text, info, char_to_ind, ind_to_char = trainer.load_corpus()
    return Corpus(text, info, char_to_ind, ind_to_char, handout())


# ---------------------------------------------------------------------------------------------
# Where a run keeps its files, and which notebook writes each
# ---------------------------------------------------------------------------------------------

def runs_root():
    """Where runs keep their files: $RNN_RUNS (relative: from the repository root), or runs/."""
    value = os.environ.get("RNN_RUNS")
    if value is None:
        return R.ROOT / "runs"
    if not value.strip():
        raise ValueError(f"RNN_RUNS is set but blank ({value!r}): set it to a folder to keep the runs in, "
                         "or unset it (`unset RNN_RUNS`) for runs/.")
    return from_root(value)


def run_dir(corpus_name, handout=None):
    """runs/<corpus-name>/ for the 2017-24 handout, runs/<corpus-name>-2025/ for the 2025-26 one
    ($RNN_RUNS replaces runs/, see runs_root(); the tests point it at a temporary directory)."""
    folder = corpus_name if handout is None or handout.key == "2017" else f"{corpus_name}-{handout.key}"
    return runs_root() / folder


MAX_BUDGET_SCALE = 10


def budget_scale():
    """$RNN_BUDGET_SCALE: the share of their planned work (updates, and the time caps with them) that
    the experiments of notebooks 2, 6, 7 and 8 get (1 when unset, as in the report; the tests use 0.1).
    A finite number > 0 and at most MAX_BUDGET_SCALE (10), or a ValueError that names the variable."""
    value = os.environ.get("RNN_BUDGET_SCALE")
    if value is None:
        return 1.0
    try:
        scale = float(value)
    except ValueError:
        scale = None
    if scale is None or not math.isfinite(scale) or not 0 < scale <= MAX_BUDGET_SCALE:
        raise ValueError(f"RNN_BUDGET_SCALE must be a number > 0 and <= {MAX_BUDGET_SCALE} (the share of the "
                         f"experiments' planned work; 1 as in the report, 0.1 for a quick run), got {value!r}.")
    return scale


# What a notebook leaves for the later ones: a file of corpus.runs, or "file: run", a run that a
# notebook adds to the "runs" of an earlier notebook's record. The notebooks are numbered in the order
# they run.
WRITTEN_BY = {
    "run.json": "02_training.ipynb",
    "samples.json": "02_training.ipynb",
    "checkpoint.npz": "02_training.ipynb",
    "best_model.npz": "02_training.ipynb",
    "comparison.json": "06_validation_and_order.ipynb",
    "comparison.json: other optimizer": "07_batches_and_adam.ipynb",
    "beyond_best.npz": "08_better_model.ipynb",
}


def _present(folder, name):
    file, _, run = name.partition(": ")
    if not (folder / file).is_file():
        return False
    return not run or run in json.loads((folder / file).read_text(encoding="utf-8")).get("runs", {})


def require(corpus, *names):
    """Stop with a clear error unless every file that earlier notebooks write (names: keys of
    WRITTEN_BY) is in corpus.runs. The error names every missing file and every notebook to run
    first, in order: each one, from the first that writes a missing file to the last, that writes a
    file (a notebook's files are made from the earlier notebooks' ones)."""
    unknown = [name for name in names if name not in WRITTEN_BY]
    if unknown:
        raise ValueError(f"runs.require: unknown {', '.join(unknown)}; known: {', '.join(WRITTEN_BY)}.")
    missing = [name for name in names if not _present(corpus.runs, name)]
    if not missing:
        return
    writers = sorted(set(WRITTEN_BY.values()))
    first, last = min(WRITTEN_BY[name] for name in missing), max(WRITTEN_BY[name] for name in missing)
    to_run = [nb for nb in writers if first <= nb <= last]
    raise FileNotFoundError(
        f"Missing in {corpus.runs} (corpus {corpus.name!r}, {corpus.handout.title}): "
        + "; ".join(f"{name} (written by {WRITTEN_BY[name]})" for name in missing)
        + ". Run these notebooks first, in order: " + ", ".join(f"notebooks/{nb}" for nb in to_run) + ".")


def load_run(corpus, name="run.json", notebook="02_training.ipynb"):
    """A record that an earlier notebook wrote for this corpus, with a clear error when there is
    none, when it was made from another text or for the other handout."""
    path = corpus.runs / name
    if not path.is_file():
        raise FileNotFoundError(f"No {name} for the corpus {corpus.name!r} ({path} is missing): "
                                f"run notebooks/{notebook} first.")
    record = json.loads(path.read_text(encoding="utf-8"))
    if record["corpus"]["sha256"] != corpus.info["sha256"]:
        raise ValueError(f"{path} comes from another version of {corpus.name!r} (its sha256 differs): "
                         f"run notebooks/{notebook} again.")
    if record.get("handout", corpus.handout.key) != corpus.handout.key:
        raise ValueError(f"{path} answers the handout {record['handout']!r}, not {corpus.handout.key!r} "
                         f"($RNN_HANDOUT): run notebooks/{notebook} again with this handout.")
    return record


def write_json(path, obj):
    """Write JSON atomically, so an interrupted run never leaves half a file."""
    text = json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8")
    trainer.atomic_write(path, lambda f: f.write(text))


# ---------------------------------------------------------------------------------------------
# Models and runs as the notebooks hand them on
# ---------------------------------------------------------------------------------------------

def save_best_model(path, state, ind_to_char):
    """The run's best model (U, W, V, b, c, chars), with where it was at its best update: the
    hidden state h0 (m,) and the input character x0 that a passage from it starts with."""
    trainer.save_model(path, state.best_rnn, ind_to_char, h0=state.best_h, x0=np.array(state.best_x))


def save_run(corpus, state, planned_updates, time_budget, sample_at, **config):
    """Write section 2's run for the later notebooks: best_model.npz (save_best_model) and run.json,
    its record: the settings (train's, and config: m, sig, dtype, seed, sample_every, sample_length),
    what it planned and what it measured, and the handout's reference points beside this run's
    smooth loss at the same updates. Returns the record."""
    save_best_model(corpus.runs / "best_model.npz", state, corpus.ind_to_char)
    c, loss = state.config, state.smooth_loss
    per_epoch = trainer.updates_per_epoch(len(corpus.data), c.seq_length)
    run = dict(corpus=corpus.info, handout=corpus.handout.key,
               config=dict(config, optimizer=c.optimizer, eta=c.eta, loss=c.loss, clip=c.clip, seq_length=c.seq_length),
               updates=state.update, planned_updates=planned_updates, time_budget=time_budget,
               epochs=state.update / per_epoch, updates_per_epoch=per_epoch,
               wall_time=state.wall_time, updates_per_second=state.updates_per_second,
               first_loss=float(loss[0]), final_smooth_loss=float(loss[-1]),
               best_smooth_loss=state.best_smooth_loss, best_update=state.best_update, sample_at=list(sample_at),
               reference=[[u, theirs, float(loss[u - 1])]        # [update, the handout's smooth loss, this run's]
                          for u, theirs in corpus.handout.reference_points if u <= state.update])
    write_json(corpus.runs / "run.json", run)
    return run


def load_best_model(path, corpus):
    """(rnn, h0, x0) from save_best_model's file."""
    rnn, _, _ = trainer.load_model(path, corpus.char_to_ind)
    z = trainer.load_npz(path)
    missing = [name for name in ("h0", "x0") if name not in z]
    if missing:
        raise ValueError(f"{path} has no {' or '.join(missing)} (the start state of the best update): it is not "
                         "a best model written by save_best_model (a checkpoint? load it with "
                         "rnn_helpers.load_checkpoint). Run notebooks/02_training.ipynb to write best_model.npz.")
    return rnn, z["h0"], int(z["x0"])


def summary(state, **extra):
    """What later notebooks need from a training run: its optimizer, size, time and losses per character."""
    if state.update == 0 or not len(state.smooth_loss):
        raise ValueError("runs.summary: the run made no update (its time budget ran out before the first one?), "
                         "so it has no loss to record: give it more time (RNN_BUDGET_SCALE, the notebook's seconds) "
                         "or more updates.")
    return dict(optimizer=OPTIMIZER_NAMES[state.config.optimizer], eta=state.config.eta,
                updates=state.update, wall_time=state.wall_time, cpu_time=state.cpu_time,
                characters_per_update=state.characters_per_update,
                train_loss=float(state.per_character(state.smooth_loss[-1])),
                val_loss=state.val_loss.tolist(), **extra)


def retrain_assignment_network(corpus, run, data, validation, n_updates, seconds, validate_every, **options):
    """Section 2's network, with its m, initialisation, optimizer, η, loss, clipping, τ, dtype and
    seeds from run.json, trained again on data (N,) for n_updates (or until `seconds`, a cap, are
    spent), its held-out loss on validation measured every validate_every updates; options
    (optimizer=..., chunk_length=...) change the training. Returns the TrainState."""
    cfg = run["config"]
    rnn = R.init_rnn(corpus.K, cfg["m"], sig=cfg["sig"], rng=np.random.default_rng(cfg["seed"]), dtype=cfg["dtype"])
    settings = {k: cfg[k] for k in ("optimizer", "eta", "loss", "clip", "seq_length")} | options
    return trainer.train(rnn, data, n_updates, validation=validation, rng=np.random.default_rng(cfg["seed"] + 1),
                         time_budget=seconds, validate_every=validate_every, **settings)


def notebook_parameters(name):
    """The values that the `parameters` cell of notebooks/<name> sets (tests and benchmarks read the
    settings from there, so that they follow the report)."""
    nb = json.loads((R.ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    values = {}
    exec("".join(cell["source"]), values)
    return values
