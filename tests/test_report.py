"""`make report` end to end, on whatever corpus this machine has (the default one on a fresh clone),
for both handouts (`make report HANDOUT=2025`): build the report into a temporary directory and read
back what a reader would see. The checks hold for any training trajectory: no particular text,
layout or number."""
import html
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import rnn_helpers as R
from report import helpers as H
from report.handouts import HANDOUTS
from test_rendering import ShadedSpans          # tests/ is on the path: pytest's default import mode

SECTIONS = ["Gradient computations", "Training and the smooth loss", "Evolution of the synthesized text",
            "A passage from the best model", "Beyond the assignment", "How good it is, and what it remembers"]
SUBSECTIONS = ["Temperature and nucleus sampling", "Held-out validation and random order", "Mini-batches", "Adam and AdaGrad",
               "A much better model", "Try it yourself", "Faster gradients"]
SECTION_6 = ["A ladder of baselines", "Where the model is surprised", "What single hidden units track",
             "Why a vanilla RNN forgets", "Did it copy the book?"]


class Report:
    """A report built into tmp for a handout: its PDF (and the PDF's text), its HTML page, the
    LaTeX log, the runs the notebooks wrote, and what the build printed."""

    def __init__(self, tmp, handout, log):
        self.handout, self.log = handout, log
        name = "report" if handout.key == "2017" else f"report-{handout.key}"
        self.pdf = tmp / "report" / f"{name}.pdf"
        self.pdf_text = pdftotext(self.pdf)
        self.pdf_raw = pdftotext(self.pdf, "-raw")      # in the order of the content: no columns guessed
        self.page = (tmp / "report" / f"{name}.html").read_text(encoding="utf-8")
        self.latex_log = tmp / "report" / "build" / f"latex-{handout.key}" / "report.log"
        self.runs = tmp / "runs" / H.run_dir(H.setup().name, handout).name


def pdftotext(pdf, *options):
    return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module", params=list(HANDOUTS))
def report(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"report-{request.param}")
    env = {"RNN_BUDGET_SCALE": "0.1"} | os.environ | {"RNN_RUNS": str(tmp / "runs"), "RNN_HANDOUT": request.param}
    done = subprocess.run([sys.executable, "-m", "report.build", "--out", str(tmp / "report"),
                           "--notebooks-out", str(tmp / "notebooks"), "--author", "Test Author"],
                          env=env, capture_output=True, text=True, timeout=1200, cwd=R.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return Report(tmp, HANDOUTS[request.param], done.stdout + done.stderr)


def visible_text(page):
    """What a browser shows: no tags, no MathML annotations, entities decoded."""
    page = re.sub(r"<(script|style|annotation)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def running_text(pdf_text):
    """The PDF's text without its page numbers: each page's line that is just its number goes (pdftotext
    may put it before the page's last line, in the middle of a passage that runs on)."""
    pages = pdf_text.split("\f")
    return "\n".join(re.sub(rf"^{number}$", "", page, count=1, flags=re.M)
                     for number, page in enumerate(pages, start=1))


def squeeze(text):
    return re.sub(r"[\s\u00a0\u200b]+", "", text)


def test_build_prints_one_line_per_notebook(report):
    first, *lines = report.log.strip().splitlines()
    assert first.startswith(f"answering {report.handout.title}: ")
    notebooks = sorted(p.name for p in (R.ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [line.split()[0] for line in lines[:len(notebooks)]] == notebooks
    assert all(re.fullmatch(r"\S+\.ipynb\s+\d+\.\d s", line) for line in lines[:len(notebooks)])
    assert "WARNING" not in report.log and "Kernel is running" not in report.log


def test_title_block_and_sections(report):
    page = report.page
    for text in (report.pdf_text, visible_text(page)):
        assert "Assignment 4" in text and "Test Author" in text
        assert f"after {report.handout.title}" in " ".join(text.split())
    headings = [" ".join(h.split()) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)]
    assert [h for h in headings if h in SECTIONS] == SECTIONS            # numbered by the page's CSS
    for number, title in enumerate(SECTIONS, start=1):                   # a heading may open a page (\f)
        assert re.search(rf"^\f?{number}\s+{re.escape(title)}$", report.pdf_text, flags=re.M), f"PDF: {number} {title}"
    for number, title in enumerate(SUBSECTIONS, start=1):
        assert re.search(rf"^\f?5\.{number}\s+{title}$", report.pdf_text, flags=re.M), f"PDF: 5.{number} {title}"
    for number, title in enumerate(SECTION_6, start=1):
        assert re.search(rf"^\f?6\.{number}\s+{re.escape(title)}$", report.pdf_text, flags=re.M), f"PDF: 6.{number}"


def table_cells(page, caption):
    """The cells of the table whose caption starts with `caption`, as visible text, row by row."""
    start = re.search(r"\s+".join(map(re.escape, caption.split())), page).start()   # pandoc wraps lines
    table = re.search(r"<table.*?</table>", page[start:], flags=re.S).group()
    return [[" ".join(visible_text(cell).split()) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)]


def test_the_introduction_sets_the_two_handouts_side_by_side(report):
    header, *rows = table_cells(report.page, "The two handouts of the assignment.")
    assert header[1:] == [f"{h.years} (this report)" if h is report.handout else h.years for h in HANDOUTS.values()]
    cells = {row[0]: row[1:] for row in rows}
    assert cells["optimizer"][0].startswith("AdaGrad") and cells["optimizer"][1].startswith("Adam")
    assert "1.786 at update 30,000" in cells["reference run (smooth loss)"][1]
    bonus = table_cells(report.page, f"The bonus exercises of {report.handout.title}")[1:]
    assert [row[0].replace("’", "'") for row in bonus] == [item for item, _, _ in report.handout.bonus]
    for (_, _, where), row in zip(report.handout.bonus, bonus):
        assert row[2] == (f"section {where}" if where[0].isdigit() else where)
        if where[0].isdigit():                                         # the section exists, with that number
            assert re.search(rf"^\f?{re.escape(where)}\s+\S", report.pdf_text, flags=re.M)


def test_the_configuration_is_the_handouts(report):
    handout = report.handout
    cells = {row[0]: row[1] for row in table_cells(report.page, "Table 3.")[1:]}
    assert cells["optimizer"].startswith({"adagrad": "AdaGrad", "adam": "Adam"}[handout.optimizer])
    assert f"η = {handout.eta:g}" in cells["optimizer"].replace("\u2062", "")
    assert cells["loss of a sequence"].startswith({"sum": "summed", "mean": "averaged"}[handout.loss])
    assert (cells["gradient clipping"] == "none") == (handout.clip is None)
    run = json.loads((report.runs / "run.json").read_text())
    assert run["handout"] == handout.key
    assert {k: run["config"][k] for k in ("optimizer", "eta", "loss", "clip")} == dict(
        optimizer=handout.optimizer, eta=handout.eta, loss=handout.loss, clip=handout.clip)


def test_the_handouts_reference_points_are_this_runs_smooth_loss_beside_the_handouts(report):
    run = json.loads((report.runs / "run.json").read_text())
    _, state, _, _ = R.load_checkpoint(report.runs / "checkpoint.npz")
    expected = [(u, loss) for u, loss in report.handout.reference_points if u <= run["updates"]]
    assert [(u, loss) for u, loss, _ in run["reference"]] == expected
    assert [ours for *_, ours in run["reference"]] == [state.smooth_loss[u - 1] for u, _ in expected]
    text = " ".join(report.pdf_text.split())
    for u, theirs, ours in run["reference"]:
        assert f"{H.smooth_text(ours, run['config']['loss'])} at update {u:,} (the handout: {theirs:g})" in text
    if report.handout.reference_best:
        assert f"about {report.handout.reference_best:g} at best" in text


def test_evolution_table_has_one_row_per_sample(report):
    settings = H.notebook_parameters("02_training.ipynb")
    per_epoch = R.updates_per_epoch(len(H.setup().data), settings["SEQ_LENGTH"])
    n_updates = max(settings["N_UPDATES"], settings["MIN_EPOCHS"] * per_epoch)
    expected = [f"{u:,}" for u in [1] + list(range(settings["SAMPLE_EVERY"], n_updates + 1, settings["SAMPLE_EVERY"]))]
    assert [row[0] for row in table_cells(report.page, "Table 4.")[1:]] == expected
    layout = pdftotext(report.pdf, "-layout")
    rows = re.findall(r"^\s*(\d[\d,]*)\s+(—|\d+\.\d+)\s", layout[layout.index("Table 4."):], flags=re.M)
    assert [update for update, _ in rows][:len(expected)] == expected


def test_the_passage_reaches_both_formats_intact(report):
    corpus = H.setup()
    values = H.notebook_parameters("04_final_passage.ipynb")
    rnn, h0, x0 = H.load_best_model(report.runs / "best_model.npz", corpus)
    passage = R.decode(R.synthesize(rnn, h0, x0, values["LENGTH"], np.random.default_rng(values["SEED"])),
                       corpus.ind_to_char)
    assert len(passage) == values["LENGTH"]
    assert squeeze(passage.replace("\t", H.TAB)) in squeeze(running_text(report.pdf_raw))
    assert squeeze(passage.replace("\t", H.TAB)) in squeeze(visible_text(report.page))
    assert squeeze(report.pdf_raw).count(squeeze(passage[:60])) == 1      # printed once, not again in section 5


def test_no_code_prompts_or_debris(report):
    for text in (report.pdf_text, visible_text(report.page)):
        for debris in ("In [", "Out[", "import ", "R.train(", "def ", "Traceback", "Warning", "HBox(", "upd/s]",
                       ": PASS"):
            assert debris not in text, debris
    assert "<script" not in report.page                                  # one self-contained file
    assert re.search(r'<img[^>]+src="data:image/png;base64,', report.page)


def test_no_missing_glyphs_and_nothing_off_the_page(report):
    assert "Missing character" not in report.latex_log.read_text(errors="replace")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', pdftotext(report.pdf, "-bbox"))
    margin = 2.3 / 2.54 * 72
    assert not [w for w in words if float(w[0]) < margin - 1 or float(w[1]) > 595.276 - margin + 1]


def test_no_table_caption_ends_a_page(report):
    for page in report.pdf_text.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        captions = [i for i, line in enumerate(lines) if re.match(r"Table \d+\.|The (two handouts|bonus exercises)", line)]
        assert not captions or len(lines) - captions[-1] > 4, page[-300:]   # rows follow on the same page


def test_an_unknown_handout_is_refused_before_any_work(tmp_path):
    env = os.environ | {"RNN_HANDOUT": "2024", "RNN_RUNS": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-m", "report.build", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=R.ROOT)
    assert done.returncode != 0 and not any(tmp_path.iterdir())
    assert "RNN_HANDOUT (make's HANDOUT) must be one of 2017, 2025, got '2024'" in done.stderr


def test_notebook_stops_early_when_run_out_of_order(tmp_path):
    env = os.environ | {"RNN_RUNS": str(tmp_path / "empty_runs")}
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output-dir", str(tmp_path), str(R.ROOT / "notebooks" / "03_synthesis_evolution.ipynb")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "run notebooks/02_training.ipynb first" in done.stderr


def test_the_ladder_of_baselines_lists_every_predictor_in_nats_and_bits(report):
    settings = H.notebook_parameters("10_what_it_learned.ipynb")
    rows = table_cells(report.page, "Table 10.")[1:]
    names = [row[0] for row in rows]
    assert [f"{n}-gram, Kneser–Ney" for n in settings["ORDERS"]] == [n for n in names if "Kneser" in n]
    assert [n.split(",")[0].strip() for n in names if "strongest" in n] == ["gzip", "bz2", "lzma"]
    assert sum("network" in n or "model" in n for n in names) == 3
    for _, nats, bits in rows:
        assert float(bits) == pytest.approx(float(nats) / np.log(2), abs=0.002)


def test_shaded_passages_reach_both_formats(report):
    blocks = re.findall(r'<div class="shaded".*?</div>', report.page, flags=re.S)
    settings = H.notebook_parameters("10_what_it_learned.ipynb")
    assert len(blocks) == 1 + settings["SHADED_UNITS"]                  # surprisal, then each unit
    for block in blocks:
        spans = ShadedSpans()
        spans.feed(block)
        text = "".join(text for _, _, text in spans.found)
        assert len(spans.found) == settings["SHOWN"] and all(title for _, title, _ in spans.found)
        assert squeeze(text) in squeeze(running_text(report.pdf_raw))
