"""`make report` end to end, on whatever corpus this machine has (the default one on a fresh clone):
build the report into a temporary directory and read back what a reader would see."""
import html
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import rnn_helpers as R

SECTIONS = ["Gradient computations", "Training and the smooth loss", "Evolution of the synthesized text",
            "A passage from the best model", "Beyond the assignment"]
UPDATES = ["1"] + [f"{u:,}" for u in range(10_000, 100_001, 10_000)]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    env = {"RNN_BUDGET_SCALE": "0.1"} | os.environ | {"RNN_RUNS": str(tmp / "runs")}
    done = subprocess.run([sys.executable, str(R.ROOT / "report" / "build.py"), "--out", str(tmp / "report"),
                           "--notebooks-out", str(tmp / "notebooks"), "--author", "Test Author"],
                          env=env, capture_output=True, text=True, timeout=1200)
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
    """Text compared without layout: no white space, the PDF's typographic quotes as typed."""
    text = text.translate({ord("“"): '"', ord("”"): '"', ord("‘"): "'", ord("’"): "'"})
    return re.sub(r"[\s\u00a0\u200b]+", "", text)


def test_title_block_and_sections(report):
    _, pdf_text, page, _ = report
    for text in (pdf_text, visible_text(page)):
        assert "Assignment 4" in text and "Test Author" in text
    headings = [" ".join(h.split()) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S)]
    assert [h for h in headings if h in SECTIONS] == SECTIONS            # numbered by the page's CSS
    for number, title in enumerate(SECTIONS, start=1):
        assert re.search(rf"^{number}\s+{title}$", pdf_text, flags=re.M), f"PDF: {number} {title}"


def test_evolution_table_has_the_eleven_updates(report):
    tmp, _, page, _ = report
    table = page[page.index("200 synthesized characters"):]
    first_cells = re.findall(r"<tr[^>]*>\s*<td[^>]*>([^<]*)</td>", table)[:11]
    assert first_cells == UPDATES
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(tmp / "report" / "report.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^\s*(1|\d{2,3},000)\s+(—|\d+\.\d)\s", layout[layout.index("200 synthesized characters"):],
                      flags=re.M)
    assert [update for update, _ in rows][:11] == UPDATES


def test_the_passage_reaches_both_formats_intact(report):
    tmp, pdf_text, page, _ = report
    _, corpus, char_to_ind, ind_to_char = R.load_corpus()
    nb = json.loads((tmp / "notebooks" / "04_final_passage.ipynb").read_text())
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    values = {}
    exec("".join(params["source"]), values)
    rnn, _, _ = R.load_model(tmp / "runs" / corpus["name"] / "best_model.npz", char_to_ind)
    passage = R.decode(R.synthesize(rnn, np.zeros(rnn["W"].shape[0]), char_to_ind[values["X0"]],
                                    values["LENGTH"], np.random.default_rng(values["SEED"])), ind_to_char)
    assert len(passage) == 1000
    assert squeeze(passage) in squeeze(pdf_text)
    assert squeeze(passage) in squeeze(visible_text(page))


def test_no_code_prompts_or_debris(report):
    _, pdf_text, page, _ = report
    for text in (pdf_text, visible_text(page)):
        for debris in ("In [", "Out[", "import ", "R.train(", "def ", "Traceback", "Warning", "HBox(", "upd/s]"):
            assert debris not in text, debris
    assert "<script" not in page                                  # one self-contained file
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)


def test_no_missing_glyphs(report):
    tmp, _, _, _ = report
    latex_log = (tmp / "report" / "build" / "report.log").read_text(errors="replace")
    assert "Missing character" not in latex_log


def test_notebook_stops_early_when_run_out_of_order(tmp_path):
    env = os.environ | {"RNN_RUNS": str(tmp_path / "empty_runs")}
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output-dir", str(tmp_path), str(R.ROOT / "notebooks" / "03_synthesis_evolution.ipynb")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "run notebooks/02_training.ipynb first" in done.stderr
