"""`make report` end to end, on whatever corpus this machine has (the default one on a fresh clone):
build the report into a temporary directory and read back what a reader would see. The checks hold
for any training trajectory: no particular text, layout or number."""
import html
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import rnn_helpers as R
from report import helpers as H

SECTIONS = ["Gradient computations", "Training and the smooth loss", "Evolution of the synthesized text",
            "A passage from the best model", "Beyond the assignment"]
SUBSECTIONS = ["Temperature and nucleus sampling", "Held-out validation and random order", "Mini-batches", "Adam",
               "A much better model", "Try it yourself", "Faster gradients"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    env = {"RNN_BUDGET_SCALE": "0.1"} | os.environ | {"RNN_RUNS": str(tmp / "runs")}
    done = subprocess.run([sys.executable, "-m", "report.build", "--out", str(tmp / "report"),
                           "--notebooks-out", str(tmp / "notebooks"), "--author", "Test Author"],
                          env=env, capture_output=True, text=True, timeout=1200, cwd=R.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp / "report" / "report.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    page = (tmp / "report" / "report.html").read_text(encoding="utf-8")
    return tmp, pdf_text, page, done.stdout + done.stderr


def visible_text(page):
    """What a browser shows: no tags, no MathML annotations, entities decoded."""
    page = re.sub(r"<(script|style|annotation)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def squeeze(text):
    return re.sub(r"[\s\u00a0\u200b]+", "", text)


def test_build_prints_one_line_per_notebook(report):
    *_, log = report
    lines = log.strip().splitlines()
    notebooks = sorted(p.name for p in (R.ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [line.split()[0] for line in lines[:len(notebooks)]] == notebooks
    assert all(re.fullmatch(r"\S+\.ipynb\s+\d+\.\d s", line) for line in lines[:len(notebooks)])
    assert "WARNING" not in log and "Kernel is running" not in log


def test_title_block_and_sections(report):
    _, pdf_text, page, _ = report
    for text in (pdf_text, visible_text(page)):
        assert "Assignment 4" in text and "Test Author" in text
    headings = [" ".join(h.split()) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)]
    assert [h for h in headings if h in SECTIONS] == SECTIONS            # numbered by the page's CSS
    for number, title in enumerate(SECTIONS, start=1):                   # a heading may open a page (\f)
        assert re.search(rf"^\f?{number}\s+{title}$", pdf_text, flags=re.M), f"PDF: {number} {title}"
    for number, title in enumerate(SUBSECTIONS, start=1):
        assert re.search(rf"^\f?5\.{number}\s+{title}$", pdf_text, flags=re.M), f"PDF: 5.{number} {title}"


def test_evolution_table_has_one_row_per_sample(report):
    tmp, _, page, _ = report
    settings = H.notebook_parameters("02_training.ipynb")
    per_epoch = R.updates_per_epoch(len(H.setup().data), settings["SEQ_LENGTH"])
    n_updates = max(settings["N_UPDATES"], settings["MIN_EPOCHS"] * per_epoch)
    expected = [f"{u:,}" for u in [1] + list(range(settings["SAMPLE_EVERY"], n_updates + 1, settings["SAMPLE_EVERY"]))]
    table = page[page.index("Table 4."):]
    assert re.findall(r"<tr[^>]*>\s*<td[^>]*>([^<]*)</td>", table)[:len(expected)] == expected
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(tmp / "report" / "report.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^\s*(\d[\d,]*)\s+(—|\d+\.\d)\s", layout[layout.index("Table 4."):], flags=re.M)
    assert [update for update, _ in rows][:len(expected)] == expected


def test_the_passage_reaches_both_formats_intact(report):
    tmp, pdf_text, page, _ = report
    corpus = H.setup()
    values = H.notebook_parameters("04_final_passage.ipynb")
    rnn, h0, x0 = H.load_best_model(tmp / "runs" / corpus.name / "best_model.npz", corpus)
    passage = R.decode(R.synthesize(rnn, h0, x0, values["LENGTH"], np.random.default_rng(values["SEED"])),
                       corpus.ind_to_char)
    assert len(passage) == values["LENGTH"]
    assert squeeze(passage.replace("\t", H.TAB)) in squeeze(pdf_text)
    assert squeeze(passage.replace("\t", H.TAB)) in squeeze(visible_text(page))
    assert pdf_text.count(passage[:60].split("\n")[0]) == 1               # printed once, not again in section 5


def test_no_code_prompts_or_debris(report):
    _, pdf_text, page, _ = report
    for text in (pdf_text, visible_text(page)):
        for debris in ("In [", "Out[", "import ", "R.train(", "def ", "Traceback", "Warning", "HBox(", "upd/s]",
                       ": PASS"):
            assert debris not in text, debris
    assert "<script" not in page                                  # one self-contained file
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)


def test_no_missing_glyphs_and_nothing_off_the_page(report):
    tmp, _, _, _ = report
    latex_log = (tmp / "report" / "build" / "report.log").read_text(errors="replace")
    assert "Missing character" not in latex_log
    bbox = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(tmp / "report" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', bbox)
    margin = 2.3 / 2.54 * 72
    assert not [w for w in words if float(w[0]) < margin - 1 or float(w[1]) > 595.276 - margin + 1]


def test_no_table_caption_ends_a_page(report):
    _, pdf_text, _, _ = report
    for page in pdf_text.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        captions = [i for i, line in enumerate(lines) if re.match(r"Table \d+\.", line)]
        assert not captions or len(lines) - captions[-1] > 4, page[-300:]   # rows follow on the same page


def test_notebook_stops_early_when_run_out_of_order(tmp_path):
    env = os.environ | {"RNN_RUNS": str(tmp_path / "empty_runs")}
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output-dir", str(tmp_path), str(R.ROOT / "notebooks" / "03_synthesis_evolution.ipynb")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "run notebooks/02_training.ipynb first" in done.stderr
