"""What the notebooks and the report need besides the math of rnn_helpers: the notebooks' common
set-up, where a run keeps its files, measurements of generated text for the prose, and generated
text as Markdown that reads the same in Jupyter, in the HTML and in the PDF."""
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

import rnn_helpers as R
from report.handouts import OPTIMIZER_NAMES, Handout, handout

# The best training loss that public solutions of the assignment report, in nats per character
# (a smooth loss of about 37.6 summed over 25 characters): the reference line of section 5.
PUBLIC_BEST_TRAINING_LOSS = 1.50


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
    def K(self):
        return len(self.char_to_ind)

    @cached_property
    def data(self):
        """The whole text encoded: character indices (N,)."""
        return R.encode(self.text, self.char_to_ind)

    @cached_property
    def vocabulary(self):
        """The set of the corpus's words."""
        return set(words(self.text))

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
    text, info, char_to_ind, ind_to_char = R.load_corpus()
    return Corpus(text, info, char_to_ind, ind_to_char, handout())


# ---------------------------------------------------------------------------------------------
# Runs: the files a notebook leaves for the next ones
# ---------------------------------------------------------------------------------------------

def run_dir(corpus_name, handout=None):
    """runs/<corpus-name>/ for the 2017-24 handout, runs/<corpus-name>-2025/ for the 2025-26 one
    ($RNN_RUNS replaces runs/; the tests point it at a temporary directory)."""
    folder = corpus_name if handout is None or handout.key == "2017" else f"{corpus_name}-{handout.key}"
    return Path(os.environ.get("RNN_RUNS") or R.ROOT / "runs") / folder


def load_run(corpus, name="run.json", notebook="02_training.ipynb"):
    """A record that an earlier notebook wrote for this corpus, with a clear error when there is
    none or when it was made from another text."""
    path = corpus.runs / name
    if not path.is_file():
        raise FileNotFoundError(f"No {name} for the corpus {corpus.name!r} ({path} is missing): "
                                f"run notebooks/{notebook} first.")
    record = json.loads(path.read_text(encoding="utf-8"))
    if record["corpus"]["sha256"] != corpus.info["sha256"]:
        raise ValueError(f"{path} comes from another version of {corpus.name!r} (its sha256 differs): "
                         f"run notebooks/{notebook} again.")
    return record


def write_json(path, obj):
    """Write JSON atomically, so an interrupted run never leaves half a file."""
    text = json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8")
    R.atomic_write(path, lambda f: f.write(text))


# ---------------------------------------------------------------------------------------------
# Measuring generated text, so that the prose claims only what a run shows
# ---------------------------------------------------------------------------------------------

def words(text):
    """The words of a text: runs of letters and apostrophes."""
    return re.findall(r"[A-Za-z']+", text)


def word_stats(text, vocabulary):
    """(share of the text's words that are in `vocabulary`, distinct words / words)."""
    ws = words(text)
    if not ws:
        return 0.0, 0.0
    return sum(w in vocabulary for w in ws) / len(ws), len(set(ws)) / len(ws)


# name: (what it measures, per 1000 characters of text)
SURFACE = {
    "line breaks": lambda t: t.count("\n"),
    "quotation marks": lambda t: t.count('"'),
    "sentence ends (. ! ?) followed by a space or line break": lambda t: len(re.findall(r"[.!?](?=[ \n])", t)),
    "capitalised words": lambda t: len(re.findall(r"\b[A-Z][a-z]+", t)),
    "lines in capitals alone (speakers' names)": lambda t: len(re.findall(r"^[A-Z][A-Z ]+$", t, flags=re.M)),
}


ABSENT = 0.05            # a feature rarer than this per 1000 characters of the corpus: the corpus lacks it


def surface(text):
    """Per 1000 characters of text, how often each feature of SURFACE occurs."""
    return {name: 1000 * count(text) / max(1, len(text)) for name, count in SURFACE.items()}


def shared_features(sample, corpus_text, low=0.5, high=2.0):
    """The features of SURFACE that the corpus has and the sample has at a corpus-like rate (between
    low and high times the corpus's), and those the corpus has that the sample lacks."""
    mine, theirs = surface(sample), surface(corpus_text)
    present = [k for k in SURFACE if theirs[k] > ABSENT]
    like = [k for k in present if low * theirs[k] <= mine[k] <= high * theirs[k]]
    return like, [k for k in present if k not in like]


def surface_table(texts, corpus_text):
    """Rows of a table: each feature of SURFACE per 1000 characters, in the corpus and in each text;
    a feature the corpus lacks is said to be absent there."""
    corpus_rates = surface(corpus_text)
    rows = []
    for name in SURFACE:
        if corpus_rates[name] <= ABSENT:
            rows.append([name, "absent"] + ["—"] * len(texts))
        else:
            rows.append([name, f"{corpus_rates[name]:.1f}"] + [f"{surface(t)[name]:.1f}" for t in texts])
    return rows


def char_name(ch):
    """A character as the prose names it: “a”, or in words where it would be invisible."""
    return {" ": "a space", "\n": "a new line", "\t": "a tab"}.get(ch, f"“{generated(ch)}”")


def listing(items):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


# ---------------------------------------------------------------------------------------------
# Generated text as Markdown
# ---------------------------------------------------------------------------------------------

ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
NEWLINE, TAB, NBSP, ZWSP = "\u21b5", "\u21e5", "\u00a0", "\u200b"      # ↵ and ⇥ show \n and \t in tables


def generated(text, line_breaks=False):
    """Text the model wrote, as Markdown that shows it character for character, in spans of class
    "generated" (monospace, without typographic quotes, dashes or ligatures: report/template).
    Every ASCII punctuation character is escaped, so none is markup; tabs are shown as ⇥; leading
    spaces and runs of spaces are non-breaking, so none collapses; a zero-width space follows every
    other character not followed by a space, so that a line may break anywhere in text without spaces. Newlines are shown
    as ↵, or with line_breaks as line breaks (a blank line kept as a line with a space)."""
    if not line_breaks:
        return generated_span(text.replace("\n", NEWLINE))
    return "  \n".join(generated_span(line or NBSP) for line in text.split("\n"))


def generated_span(line):
    line = re.sub(r"^ +|(?<= ) ", lambda spaces: NBSP * len(spaces.group()), line.replace("\t", TAB))
    marked = "".join(ch if ch == " " else ("\\" + ch if ch in ASCII_PUNCTUATION else ch) + ZWSP for ch in line)
    # no break point right before a space: TeX could then no longer break at the space itself
    return f'<span class="generated">{marked.replace(ZWSP + " ", " ")}</span>'


def passage(text):
    """A passage the model wrote, as a Markdown block quote that keeps its lines."""
    return "\n".join("> " + line for line in generated(text, line_breaks=True).split("\n"))


def markdown_table(header, rows, widths=None, caption=None):
    """A Markdown pipe table; widths (relative dash counts) let long cells wrap in the PDF. The
    caption, a paragraph above the table, is kept on the same page as the table's first rows."""
    widths = widths or [3] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * w for w in widths) + "|"]
    table = "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])
    return f'<span class="caption">{caption}</span>\n\n{table}' if caption else table


# ---------------------------------------------------------------------------------------------
# Models and runs as the notebooks hand them on
# ---------------------------------------------------------------------------------------------

def save_best_model(path, state, ind_to_char):
    """The run's best model (U, W, V, b, c, chars), with where it was at its best update: the
    hidden state h0 (m,) and the input character x0 that a passage from it starts with."""
    R.save_model(path, state.best_rnn, ind_to_char, h0=state.best_h, x0=np.array(state.best_x))


def load_best_model(path, corpus):
    """(rnn, h0, x0) from save_best_model's file."""
    rnn, _, _ = R.load_model(path, corpus.char_to_ind)
    z = R.load_npz(path)
    return rnn, z["h0"], int(z["x0"])


def summary(state, **extra):
    """What later notebooks need from a training run: its optimizer, size, time and losses per character."""
    return dict(optimizer=OPTIMIZER_NAMES[state.config.optimizer], eta=state.config.eta,
                updates=state.update, wall_time=state.wall_time, characters_per_update=state.characters_per_update,
                train_loss=float(state.per_character(state.smooth_loss[-1])),
                val_loss=state.val_loss.tolist(), **extra)


def largest_gradient_entries(rnn, data, seq_length, loss, n=200):
    """The largest |entry| of the gradient (unclipped) on each of n sequences (x, y) of seq_length
    characters spread evenly over data (N,), each read from h = 0: (n,). Clipping to [-c, c] changes
    the gradients whose value here exceeds c."""
    h0 = np.zeros(rnn["W"].shape[0], rnn["W"].dtype)
    starts = np.linspace(0, len(data) - seq_length - 1, n).astype(int)
    return np.array([max(np.abs(g).max() for g in R.compute_grads(rnn, data[e:e + seq_length],
                                                                  data[e + 1:e + seq_length + 1], h0, loss).values())
                     for e in starts])


def smooth_text(value, loss):
    """A smooth loss as the prose prints it: summed losses (tens) to 0.1, averaged ones to 0.001."""
    return f"{value:.1f}" if loss == "sum" else f"{value:.3f}"


def gap_words(train_loss, val_loss):
    """How the held-out loss compares with the training loss (both per character), in words that
    claim no cause: a gap may be overfitting or a held-out text harder than the rest."""
    gap = val_loss - train_loss
    if abs(gap) < 0.05:
        return "the two are within 0.05 nats of each other"
    return f"the held-out loss is {abs(gap):.2f} nats {'higher' if gap > 0 else 'lower'}"


def retrain_assignment_network(corpus, run, data, validation, seconds, validate_every, **options):
    """Section 2's network, with its m, initialisation, optimizer, η, loss, clipping, τ, dtype and
    seeds from run.json, trained again on data (N,) for `seconds`, its held-out loss on validation
    measured every validate_every updates; options (optimizer=..., chunk_length=...) change the
    training. Returns the TrainState."""
    cfg = run["config"]
    rnn = R.init_rnn(corpus.K, cfg["m"], sig=cfg["sig"], rng=np.random.default_rng(cfg["seed"]), dtype=cfg["dtype"])
    config = R.TrainConfig(**{k: cfg[k] for k in ("optimizer", "eta", "loss", "clip", "seq_length")},
                           time_budget=seconds, validate_every=validate_every)
    return R.train(rnn, data, 10**9, config, validation=validation, rng=np.random.default_rng(cfg["seed"] + 1),
                   **options)


def notebook_parameters(name):
    """The values that the `parameters` cell of notebooks/<name> sets (tests and benchmarks read the
    settings from there, so that they follow the report)."""
    nb = json.loads((R.ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    values = {}
    exec("".join(cell["source"]), values)
    return values
