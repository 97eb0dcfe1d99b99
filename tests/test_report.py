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

import builds
import nbformat
import rnn_helpers as R
import rnn_trainer as trainer
from report import build, findings, render, runs
from report.build import report_name
from report.handouts import HANDOUTS

SECTIONS = ["Gradient computations", "Training and the smooth loss", "Evolution of the synthesized text",
            "A passage from the best model", "Beyond the assignment", "How good it is, and what it remembers",
            "Many short documents"]
SUBSECTIONS = ["Temperature and nucleus sampling", "Held-out validation and random order", "Mini-batches", "Adam and AdaGrad",
               "A much better model", "Try it yourself", "Faster gradients"]
SECTION_6 = ["A ladder of baselines", "Did it copy the training text?", "Where the model is surprised",
             "What single hidden units track", "Why a vanilla RNN forgets"]


class Report:
    """A report built into tmp for a handout: its PDF (and the PDF's text), its HTML page, the
    LaTeX log, the runs the notebooks wrote, and what the build printed."""

    def __init__(self, tmp, handout, log, pdftotext):
        self.handout, self.log = handout, log
        self.pdf = tmp / "report" / f"{report_name(handout)}.pdf"
        self.pdf_text = pdftotext(self.pdf)
        self.pdf_raw = pdftotext(self.pdf, "-raw")      # in the order of the content: no columns guessed
        self.page = (tmp / "report" / f"{report_name(handout)}.html").read_text(encoding="utf-8")
        self.latex_log = tmp / "report" / "build" / f"latex-{handout.key}" / "report.log"
        self.runs = tmp / "runs" / runs.run_dir(runs.setup().name, handout).name
        self.notebooks = tmp / "notebooks"


@pytest.fixture(scope="module", params=list(HANDOUTS))
def report(request, pdftotext):
    """The report of this machine's corpus for a handout, built in the background (tests/builds.py)."""
    build = builds.result("report", request.param)
    assert build.done.returncode == 0, build.done.stdout + build.done.stderr
    return Report(build.tmp, HANDOUTS[request.param], build.done.stdout + build.done.stderr, pdftotext)


def visible_text(page):
    """What a browser shows: no tags, no MathML annotations, entities decoded."""
    page = re.sub(r"<(script|style|annotation)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


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
    _, state, _, _ = trainer.load_checkpoint(report.runs / "checkpoint.npz")
    expected = [(u, loss) for u, loss in report.handout.reference_points if u <= run["updates"]]
    assert [(u, loss) for u, loss, _ in run["reference"]] == expected
    assert [ours for *_, ours in run["reference"]] == [state.smooth_loss[u - 1] for u, _ in expected]
    text = " ".join(report.pdf_text.split())
    if not runs.setup().is_book:                     # the handout's figures are the book's: not shown beside another text
        assert "not the book: the handout's figures do not apply to it" in text.replace("’", "'")
        assert "(the handout:" not in text and "The handout's run reaches" not in text.replace("’", "'")
        return
    for u, theirs, ours in run["reference"]:
        assert f"{findings.smooth_text(ours, run['config']['loss'])} at update {u:,} (the handout: {theirs:g})" in text
    if report.handout.reference_best:
        assert f"about {report.handout.reference_best:g} at best" in text


def test_evolution_table_has_one_row_per_sample(report, pdftotext):
    settings = runs.notebook_parameters("02_training.ipynb")
    per_epoch = trainer.updates_per_epoch(len(runs.setup().data), settings["SEQ_LENGTH"])
    scale = min(1, float(builds.REPORT_SCALE))            # the tests' runs are shorter, and say so
    n_updates = round(max(settings["N_UPDATES"], settings["MIN_EPOCHS"] * per_epoch) * scale)
    sample_every = max(1, round(settings["SAMPLE_EVERY"] * scale))
    run = json.loads((report.runs / "run.json").read_text())
    assert run["planned_updates"] == n_updates and (run["updates"] == n_updates or run["wall_time"] > run["time_budget"])
    assert run["config"]["sample_every"] == sample_every
    planned = [1] + list(range(sample_every, n_updates + 1, sample_every))
    expected = [f"{u:,}" for u in planned if u <= run["updates"]]      # a busy machine may stop at the time budget
    assert [row[0] for row in table_cells(report.page, "Table 4.")[1:]] == expected
    layout = pdftotext(report.pdf, "-layout")
    rows = re.findall(r"^\s*(\d[\d,]*)\s+(—|\d+\.\d+)\s", layout[layout.index("Table 4."):], flags=re.M)
    assert [update for update, _ in rows][:len(expected)] == expected


def test_the_passage_reaches_both_formats_intact(report, squeeze, running_text):
    corpus = runs.setup()
    values = runs.notebook_parameters("04_final_passage.ipynb")
    rnn, h0, x0 = runs.load_best_model(report.runs / "best_model.npz", corpus)
    passage = R.decode(R.synthesize(rnn, h0, x0, values["LENGTH"], np.random.default_rng(values["SEED"])),
                       corpus.ind_to_char)
    assert len(passage) == values["LENGTH"]
    shown = passage.replace("\t", render.SYMBOLS["\t"])
    assert squeeze(shown) in squeeze(running_text(report.pdf_raw))
    assert squeeze(shown) in squeeze(visible_text(report.page))
    assert squeeze(report.pdf_raw).count(squeeze(passage[:60])) == 1      # printed once, not again in section 5


def test_no_code_prompts_or_debris(report):
    for text in (report.pdf_text, visible_text(report.page)):
        for debris in ("In [", "Out[", "import ", "Traceback", "Warning", "HBox(", "VBox(", "upd/s]", ": PASS"):
            assert debris not in text, debris
    markup = re.sub(r"<style\b.*?</style>", "", report.page, flags=re.S)
    assert "jp-InputArea-editor" not in markup and 'class="highlight' not in markup       # no code's input
    assert all("src=" not in tag for tag in re.findall(r"<script\b[^>]*>", report.page))   # one self-contained file
    assert not re.search(r"""<(link|img|iframe)\b[^>]*(href|src)=["']https?:""", report.page)
    assert re.search(r'<img[^>]+src="data:image/png;base64,', report.page)


def test_no_missing_glyphs_and_nothing_off_the_page(report, off_the_page):
    assert "Missing character" not in report.latex_log.read_text(errors="replace")
    words, outside = off_the_page(report.pdf)
    assert words and not outside


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


@pytest.mark.parametrize("notebook, first", [
    ("03_synthesis_evolution.ipynb", ["02_training.ipynb"]),
    ("08_better_model.ipynb", ["02_training.ipynb", "06_validation_and_order.ipynb", "07_batches_and_adam.ipynb"]),
    *[(name, ["02_training.ipynb", "06_validation_and_order.ipynb", "07_batches_and_adam.ipynb", "08_better_model.ipynb"])
      for name in ("10_how_good_it_is.ipynb", "11_what_it_learned.ipynb")]])
def test_a_notebook_run_out_of_order_names_every_notebook_to_run_first(tmp_path, notebook, first):
    env = os.environ | {"RNN_RUNS": str(tmp_path / "empty_runs")}
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output-dir", str(tmp_path), str(R.ROOT / "notebooks" / notebook)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "Run these notebooks first, in order: " + ", ".join(f"notebooks/{nb}" for nb in first) + "." in done.stderr


def test_the_ladder_of_baselines_lists_every_predictor_in_nats_and_bits(report):
    settings = runs.notebook_parameters("10_how_good_it_is.ipynb")
    rows = table_cells(report.page, "Table 10.")[1:]
    names = [row[0] for row in rows]
    assert [f"{n}-gram, Kneser–Ney" for n in settings["ORDERS"]] == [n for n in names if "Kneser" in n]
    assert [n.split(",")[0].strip() for n in names if "strongest" in n] == ["gzip", "bz2", "lzma"]
    assert sum("network" in n or "model" in n for n in names) == 3
    for _, nats, bits in rows:
        assert float(bits) == pytest.approx(float(nats) / np.log(2), abs=0.002)
    unseen = re.search(r"(\d[\d,]*) held-out characters? never occurs? in the training part; the (\d)-gram .*? at "
                       r"([\d.]+) bits each|Every held-out character also occurs in the training part",
                       " ".join(visible_text(report.page).split()))
    assert unseen, "section 6 does not say what characters unseen in training cost the best n-gram"
    if unseen[1]:
        assert int(unseen[2]) in settings["ORDERS"] and float(unseen[3]) > 0


def test_the_cost_of_characters_unseen_in_training_is_stated_with_its_share():
    from report.findings import beyond
    assert beyond.unseen_cost(5, 0, 0.0, 100.0).startswith("Every held-out character also occurs")
    one = beyond.unseen_cost(5, 1, 10 * np.log(2), 1000.0)
    assert "1 held-out character never occurs" in one and "gives it only" in one and "10.0 bits each" in one
    many = beyond.unseen_cost(4, 3, 30 * np.log(2), 100 * np.log(2))
    assert "3 held-out characters never occur" in many and "10.0 bits each, 30.0% of its whole cost" in many


def test_shaded_passages_reach_both_formats(report, squeeze, running_text, shaded_spans):
    blocks = re.findall(r'<div class="shaded".*?</div>', report.page, flags=re.S)
    settings = runs.notebook_parameters("11_what_it_learned.ipynb")
    assert len(blocks) == 1 + settings["SHADED_UNITS"]                  # surprisal, then each unit
    for block in blocks:
        spans = shaded_spans(block)
        text = "".join(text for _, _, text in spans)
        assert len(spans) == settings["SHOWN"] and all(title for _, title, _ in spans)
        assert squeeze(text) in squeeze(running_text(report.pdf_raw))


def test_figures_have_their_captions_as_alt_text_and_fit_the_column(report):
    images = re.findall(r"<img[^>]*>", report.page)
    alts = [re.search(r'alt="([^"]*)"', img).group(1) for img in images]
    assert alts and [int(re.match(r"Figure (\d+)\. \S", alt).group(1)) for alt in alts] == list(range(1, len(alts) + 1))
    assert all("**" not in alt and "$" not in alt and "\\" not in alt for alt in alts)     # plain text
    assert ".jp-RenderedImage img { max-width: 100%; height: auto; }" in report.page


def test_upright_math_is_upright_in_every_browser(report):
    assert 'mathvariant="normal"' in report.page                       # \mathrm{softmax} and the like
    assert '<mstyle mathvariant="normal">' not in report.page           # which Chromium would show in italics


def test_the_executed_notebooks_keep_their_widgets_final_state(report):
    training = nbformat.read(report.notebooks / "02_training.ipynb", as_version=4)
    assert build.WIDGET_STATE in training.metadata["widgets"]
    for path in sorted(report.notebooks.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        models = nb.metadata.get("widgets", {}).get(build.WIDGET_STATE, {}).get("state", {})
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if build.WIDGET_VIEW in output.get("data", {}):          # what JupyterLab shows untrusted
                    text = output.data["text/plain"]
                    assert text == build.widget_text(output.data[build.WIDGET_VIEW]["model_id"], models), path.name
                    assert not re.match(r"[HV]Box\(", text), (path.name, text)
    bars = [o.data["text/plain"] for c in training.cells for o in c.get("outputs", []) if build.WIDGET_VIEW in o.get("data", {})]
    run = json.loads((report.runs / "run.json").read_text())
    [bar] = bars                                   # the run's time budget bounds it: a bar of its seconds
    shown, total = map(int, re.search(r"(\d+)/(\d+) s", bar).groups())
    if run["updates"] == run["planned_updates"]:   # done before the budget: full, at the run's own time
        assert shown == total and abs(total - run["wall_time"]) <= 1 and "█" * 10 in bar, bar
    else:
        assert total == round(run["time_budget"]) and abs(shown - min(run["wall_time"], total)) <= 1, bar


# ---------------------------------------------------------------------------------------------
# The build's own parts, on small notebooks
# ---------------------------------------------------------------------------------------------

def test_a_failing_notebook_says_where_and_why_first_and_logs_the_traceback(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("def f():\n    raise KeyError('other optimizer')\nf()")]
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(SystemExit) as stop:
        monkeypatch.setattr(build.signal, "signal", lambda *args: None)    # pytest keeps its own handlers
        build.execute([tmp_path / "broken.ipynb"], tmp_path / "out", tmp_path / "logs", build.Stop(), dict(os.environ))
    first, cause, log = str(stop.value).splitlines()
    assert first == "report: broken.ipynb, cell 3 failed, so the report was not built."
    assert cause == "KeyError: 'other optimizer'"
    assert log == f"The whole traceback: {tmp_path / 'logs' / 'broken.log'}"
    assert "raise KeyError" in (tmp_path / "logs" / "broken.log").read_text() and "\x1b[" not in log


def test_a_figures_alt_text_is_its_caption():
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", png)]),
             nbformat.v4.new_markdown_cell("**Figure 1.** The *loss* of `train` against $t$,\nin nats: "
                                           "$\\partial L / \\partial W$.\n\nMore."),
             nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", png),
                                                nbformat.v4.new_output("display_data", {"text/markdown": "**Figure 2.** Two."})])]
    merged = build.merge([nbformat.v4.new_notebook(cells=cells)], "T", "A", "D")
    assert [o.metadata.get("alt") for c in merged.cells if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.data] == ["Figure 1. The loss of train against t, in nats: ∂L/∂W.", "Figure 2. Two."]


def test_the_exercises_and_a_findings_numbers_stay_in_the_notebooks():
    exercises = nbformat.v4.new_markdown_cell("### Exercises\n\n1. Try it.", metadata={"tags": ["exercises"]})
    values = nbformat.v4.new_code_cell("display(numbers({'loss': 1.5}))", metadata={"tags": ["numbers"]})
    lesson = nbformat.v4.new_markdown_cell("## A section")
    merged = build.merge([nbformat.v4.new_notebook(cells=[lesson, values, exercises])], "T", "A", "D")
    assert [c.source for c in merged.cells] == ["## A section"]


def test_the_cells_about_documents_reach_only_a_report_on_documents():
    lesson = nbformat.v4.new_markdown_cell("## 7 Documents")
    prose = nbformat.v4.new_markdown_cell("Each document ends with ␃.", metadata={"tags": ["documents"]})
    notebook = nbformat.v4.new_notebook(cells=[lesson, prose])
    assert [c.source for c in build.merge([notebook], "T", "A", "D", documents=False).cells] == ["## 7 Documents"]
    assert len(build.merge([notebook], "T", "A", "D", documents=True).cells) == 2


def test_a_findings_numbers_are_shown_beside_its_sentence_in_the_notebook():
    """Every notebook whose sentences come from report.findings shows the values of at least one in a
    cell tagged numbers, just before the sentence, and the table lists each value given it."""
    table = findings.numbers({"updates": 12000, "loss": np.float32(1.23456), "share": "5%"})
    assert table.splitlines()[2:] == ["| updates | 12,000 |", "| loss | 1.235 |", "| share | 5% |"]
    for name in ("01_gradient_check", "02_training", "03_synthesis_evolution", "06_validation_and_order",
                 "07_batches_and_adam", "08_better_model", "10_how_good_it_is", "11_what_it_learned",
                 "12_documents"):
        cells = nbformat.read(R.ROOT / "notebooks" / f"{name}.ipynb", as_version=4).cells
        tagged = [i for i, c in enumerate(cells) if "numbers" in c.metadata.get("tags", [])]
        assert tagged, name
        assert {i for i, c in enumerate(cells) if c.cell_type == "code" and "numbers(" in c.source} <= set(tagged), name
        assert all(re.search(r"\b[A-F]\.[a-z_]+\(", cells[i + 1].source) for i in tagged), name


def test_each_lesson_ends_with_two_to_four_exercises():
    for path in sorted((R.ROOT / "notebooks").glob("*.ipynb")):
        if path.name.startswith("09"):             # a timing of the module's own code, not a lesson to try
            continue
        last = nbformat.read(path, as_version=4).cells[-1]
        assert last.metadata.get("tags") == ["exercises"] and last.source.startswith("### Exercises"), path.name
        assert 2 <= len(re.findall(r"^\d\. ", last.source, flags=re.M)) <= 4, path.name


def test_no_exercise_reaches_the_report(report):
    assert "Exercises" not in report.pdf_text and "Exercises" not in visible_text(report.page)


def test_widgets_show_their_final_text():
    models = {"bar": dict(model_name="HBoxModel", state=dict(children=["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"])),
              "l": dict(model_name="HTMLModel", state=dict(value="updates:\u2007100%")),
              "p": dict(model_name="FloatProgressModel", state=dict(value=50.0, max=100.0)),
              "r": dict(model_name="HTMLModel", state=dict(value="\u200750/100\u2007[00:01&lt;00:01]")),
              "box": dict(model_name="VBoxModel", state=dict(children=["IPY_MODEL_t", "IPY_MODEL_b", "IPY_MODEL_o"])),
              "t": dict(model_name="TextModel", state=dict(value="Harry", description="begin with")),
              "b": dict(model_name="ButtonModel", state=dict(description="write")),
              "o": dict(model_name="OutputModel", state=dict(outputs=[]))}
    assert build.widget_text("bar", models) == "updates: 100%|█████     | 50/100 [00:01<00:01]"
    assert build.widget_text("box", models) == "begin with Harry\n[write]"


def test_upright_math_becomes_one_upright_identifier():
    page = build.markdown_to_html(r"$\mathrm{softmax}(o)$, $\mathrm{d}x$, $\mathcal{N}$")
    assert '<mi mathvariant="normal">softmax</mi>' in page and '<mi mathvariant="normal">d</mi>' in page
    assert "<mstyle mathvariant=\"normal\">" not in page


def test_the_kernels_talk_over_unix_sockets_that_go_with_the_build(tmp_path, monkeypatch):
    """No TCP ports: a port picked as free can be taken by another process before the kernel binds it,
    and the kernel then dies at its start (the suite starts kernels side by side)."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("from ipykernel.kernelapp import IPKernelApp\n"
                                          "print(IPKernelApp.instance().transport, IPKernelApp.instance().ip)")]
    nbformat.write(nb, tmp_path / "where.ipynb")
    monkeypatch.setattr(build.signal, "signal", lambda *args: None)
    [done] = build.execute([tmp_path / "where.ipynb"], tmp_path / "out", tmp_path / "logs", build.Stop(), dict(os.environ))
    transport, ip = done.cells[0].outputs[0]["text"].split()
    assert transport == "ipc" and os.path.isabs(ip)
    assert not os.path.exists(os.path.dirname(ip))          # the sockets' folder went with the build


def test_a_kernel_that_dies_is_that_notebooks_failure(tmp_path, monkeypatch):
    """Not "the export failed": a kernel that dies, even before its first cell, names its notebook."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "dies.ipynb")
    def die(client, stop, **options):
        raise RuntimeError("Kernel died before replying to kernel_info")
    monkeypatch.setattr(build, "run_notebook", die)
    monkeypatch.setattr(build.signal, "signal", lambda *args: None)
    with pytest.raises(SystemExit) as stop:
        build.execute([tmp_path / "dies.ipynb"], tmp_path / "out", tmp_path / "logs", build.Stop(), dict(os.environ))
    first, cause, _ = str(stop.value).splitlines()
    assert first == "report: dies.ipynb failed, so the report was not built."
    assert cause == "RuntimeError: Kernel died before replying to kernel_info"
    assert "Traceback" in (tmp_path / "logs" / "dies.log").read_text()
