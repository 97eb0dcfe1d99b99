"""Build the report: run the notebooks in order, merge them into one, export report.html and report.pdf.

`make report` runs this (as `python -m report.build`), for the handout that $RNN_HANDOUT picks
(`make report HANDOUT=2025`; report.handouts) and the corpus the notebooks read ($RNN_CORPUS,
data/goblet_book.txt or data/shakespeare.txt). First report.preflight checks the settings, the
corpus and the fonts, in seconds; then the notebooks run into a fresh folder under report/build/,
and only when every notebook ran and both exports worked are the outputs put in place: by default
report/build/<corpus>/ (report/build/<corpus>-2025/ for the 2025-26 handout) with report.pdf,
report.html (report-2025.* for 2025) and the executed notebooks in its notebooks/, and the run
files the notebooks wrote into a copy of $RNN_RUNS/<corpus>/ replace that folder. A failed or
stopped build (Ctrl-C, SIGTERM, SIGHUP) changes none of them and says so; one build of a corpus and
handout runs at a time (lock); tracked files are never touched. `--committed` (`make committed`)
refreshes the committed notebooks/ and report/report.pdf and .html (report/report-2025.* and
report/build/notebooks-2025/ for 2025) from a run on the book. --out and --notebooks-out say
elsewhere. The PDF goes through XeLaTeX with the template in report/template/ (its files in
<out>/build/latex-<handout>/); a glyph missing from the fonts fails the build instead of silently
vanishing from the page.
"""
import argparse
import copy
import datetime
import fcntl
import html
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter, LatexExporter
from nbconvert.filters.pandoc import convert_pandoc
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from traitlets.config import Config

import textfile
from report import live, preflight, runs
from report.handouts import handout
from rnn_helpers import ROOT

NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "report" / "build"
TEMPLATES = ROOT / "report" / "template"
LATEX_FILTER = TEMPLATES / "pandoc" / "latex.lua"
TITLE = "Assignment 4: a character-level RNN that writes text"


def report_name(answered):
    """The report's file name without its suffix: report for the 2017-24 handout, report-2025 for the
    2025-26 one."""
    return "report" if answered.key == "2017" else f"report-{answered.key}"


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop:
    """What SIGINT (Ctrl-C), SIGTERM or SIGHUP asked of the build: during a notebook, its kernel is
    interrupted (run_notebook; the build then says which notebook was stopped); elsewhere the signal
    raises Stopped at once, unless deferred (the outputs are being put in place, or are). Nothing is
    installed after a stop."""

    def __init__(self):
        self.signal, self.deferred = None, False
        for s in STOP_SIGNALS:
            signal.signal(s, self.request)

    def request(self, signum, frame):
        self.signal = signal.Signals(signum).name
        if not self.deferred:
            raise Stopped(self.signal)


def run_notebook(client, stop, **options):
    """client.execute(**options) in a worker thread, so that nbclient leaves the signals to the build
    (in the main thread it installs handlers that shut the kernel down mid-cell and then fail on their
    own clean-up); on a stop, the kernel is interrupted as Jupyter's stop button does (train saves and
    stops cleanly), and killed if it has not stopped 30 s later."""
    failed = []
    worker = threading.Thread(target=lambda: _record_failure(failed, client.execute, **options), daemon=True)
    stop.deferred, interrupted = True, None
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if stop.signal and process is not None and interrupted is None:
            process.send_signal(signal.SIGINT)
            interrupted = time.monotonic()
        elif interrupted and time.monotonic() - interrupted > 30:
            process.kill()
    stop.deferred = False
    if failed:
        raise failed[0]


def _record_failure(failed, call, **options):
    try:
        call(**options)
    except BaseException as err:            # re-raised in the main thread
        failed.append(err)


class Stopped(Exception):
    """The build was stopped by a signal outside a notebook."""


def execute(paths, out_dir, log_dir, stop, env):
    """Run each notebook in a fresh kernel, in order, with notebooks/ as working directory; keep
    the widgets' final state, and make each widget's text the final one (what JupyterLab shows of
    a notebook it does not trust). A failure stops the build with its cause; the whole traceback
    goes to log_dir. A signal (stop) interrupts the notebook and stops the build, naming it. env: the
    kernels' environment. The kernels talk over Unix sockets in a folder of this build's own, not TCP
    ports: a port picked free can be taken by another process before the kernel binds it (the test
    suite starts kernels side by side), and the kernel then dies at its start."""
    with tempfile.TemporaryDirectory(prefix="rnn-kernels-") as sockets:
        return [_execute(path, out_dir, log_dir, stop, env, sockets) for path in paths]


def _execute(path, out_dir, log_dir, stop, env, sockets):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    print(f"{path.name:32s}", end=" ", flush=True)
    running = {}
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}},
                            on_cell_execute=lambda cell, cell_index: running.update(index=cell_index),
                            config=Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}}))
    try:
        run_notebook(client, stop, stderr=subprocess.DEVNULL, env=env)
    except Exception as err:
        if stop.signal:
            print("stopped", flush=True)
            raise Stopped(f"{stop.signal} in {path.name}") from None
        print("failed", flush=True)               # a cell's error, or a kernel that died (at its start too)
        sys.exit(failure(path, running.get("index"), err, log_dir))
    if stop.signal:                              # came as the last cell ended
        raise Stopped(f"{stop.signal} after {path.name}")
    print(f"{time.perf_counter() - start:6.1f} s", flush=True)
    final_widget_text(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    return nb


def failure(path, index, err, log_dir):
    """The message of a failed notebook: where and why first, the whole traceback in a log file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{path.stem}.log"
    whole = str(err) if isinstance(err, CellExecutionError) else "".join(traceback.format_exception(err))
    log.write_text(re.sub(r"\x1b\[[0-9;]*m", "", whole) + "\n", encoding="utf-8")
    cause = f"{err.ename}: {err.evalue}" if isinstance(err, CellExecutionError) else f"{type(err).__name__}: {err}"
    where = f"{path.name}, cell {index + 1}" if index is not None else path.name
    return f"report: {where} failed, so the report was not built.\n{cause}\nThe whole traceback: {log}"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def final_widget_text(nb):
    """Each widget output's text/plain, the widget as it ended: a progress bar (tqdm's) as its last
    line, other widgets as their settings."""
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in models:
                output.data["text/plain"] = widget_text(view["model_id"], models)


def widget_text(model_id, models):
    """A widget (models: the notebook's widget state) as text: a progress bar of tqdm as tqdm prints
    it, a box as its children's texts, a button as [its label], a control as its label and value."""
    def text(value):
        return html.unescape(re.sub(r"<[^>]+>", "", str(value))).replace("\u2007", " ")
    model = models[model_id]
    state, kind = model["state"], model["model_name"]
    children = [models[c.removeprefix("IPY_MODEL_")] for c in state.get("children", [])
                if c.removeprefix("IPY_MODEL_") in models]
    names = [c["model_name"] for c in children]
    if names[1:2] in (["FloatProgressModel"], ["IntProgressModel"]) and len(names) == 3:      # tqdm
        bar = children[1]["state"]
        done = round(10 * bar["value"] / bar["max"]) if bar.get("max") else 0
        return f"{text(children[0]['state']['value'])}|{'█' * done}{' ' * (10 - done)}|{text(children[2]['state']['value'])}"
    if children:
        shown = (widget_text(c.removeprefix("IPY_MODEL_"), models) for c in state["children"]
                 if c.removeprefix("IPY_MODEL_") in models)
        return ("  " if kind == "HBoxModel" else "\n").join(line for line in shown if line)
    if kind == "ButtonModel":
        return f"[{state.get('description', '')}]"
    if "value" in state and "Style" not in kind and "Layout" not in kind:
        return f"{state.get('description', '')} {text(state['value'])}".strip()
    return ""


NOTEBOOK_ONLY = {"exercises", "numbers"}


def merge(notebooks, title, author, date, documents=True):
    """One notebook of every notebook's cells, with fresh ids, and a title block. What a notebook
    shows only in Jupyter is left out: stderr, widgets, the exercises and the values behind a finding
    (cells tagged "exercises" or "numbers": the sentences in the report cite what they need); and for
    a corpus of one text (documents=False), the cells about documents (tagged "documents").
    A figure's alt text is its caption."""
    merged = nbformat.v4.new_notebook(metadata=copy.deepcopy(notebooks[0].metadata))
    merged.metadata.pop("widgets", None)
    merged.metadata.update(title=title, authors=[{"name": author}], date=date)
    for nb in notebooks:
        for cell in nb.cells:
            if (NOTEBOOK_ONLY | (set() if documents else {"documents"})) & set(cell.metadata.get("tags", [])):
                continue
            cell = copy.deepcopy(cell)
            cell.id = uuid.uuid4().hex[:12]
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
                                and WIDGET_VIEW not in o.get("data", {})]
            merged.cells.append(cell)
    caption_figures(merged)
    return merged


def caption_figures(nb):
    """Set each figure's alt text (its output's metadata "alt", which the HTML template writes) to its
    caption: the first paragraph after it, in an output or a Markdown cell, that starts with
    "**Figure N.**", before any other figure."""
    figure = None
    for cell in nb.cells:
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else [{"data": {"text/markdown": cell.source}}]
        for output in outputs:
            data = output.get("data", {})
            if "image/png" in data:
                figure = output
            elif figure is not None:
                caption = caption_text(data.get("text/markdown", ""))
                if caption:
                    figure.setdefault("metadata", {})["alt"] = caption
                    figure = None


def caption_text(markdown):
    """The text of a "**Figure N.** ..." paragraph as plain text (pandoc's: no markup, math in
    Unicode, e.g. ∂L/∂W), or None."""
    paragraph = re.sub(r"<[^>]+>", "", markdown).strip().split("\n\n")[0]
    if not re.match(r"\*\*Figure \d+\.\*\*", paragraph):
        return None
    return " ".join(convert_pandoc(paragraph, "markdown", "plain", extra_args=["--wrap=none"]).split())


def exporter(cls, template, **options):
    """nbconvert's exporter with our template, without the code: the report shows what the cells
    write, never their input."""
    ex = cls(template_name=template, extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
             exclude_input_prompt=True, exclude_output_prompt=True, **options)
    ex.register_preprocessor(CoalesceStreamsPreprocessor(), enabled=True)
    return ex


def markdown_to_html(markdown):
    """Markdown rendered by pandoc, as for the PDF, with math as MathML (no script needed for it);
    the page's CSS breaks generated text anywhere."""
    page = convert_pandoc(markdown, "markdown", "html", extra_args=["--mathml"])
    return upright_math(page)


def upright_math(page):
    """pandoc writes \\mathrm{softmax} as <mstyle mathvariant="normal"> around one <mi> per letter,
    which Chromium ignores (MathML Core honours mathvariant only on <mi>), so that it shows s o f t
    m a x in italics: write it as one upright <mi> instead."""
    def upright(match):
        letters = re.findall(r"<mi>([^<]*)</mi>", match.group(1))
        if "".join(f"<mi>{c}</mi>" for c in letters) == match.group(1):
            return f'<mi mathvariant="normal">{"".join(letters)}</mi>'
        return match.group(1).replace("<mi>", '<mi mathvariant="normal">')
    return re.sub(r'<mstyle mathvariant="normal">((?:(?!<mstyle).)*?)</mstyle>', upright, page, flags=re.S)


def pandoc_to_latex(source, from_format, to_format, extra_args=None):
    """nbconvert's convert_pandoc, with our filter (report/template/pandoc/latex.lua) on the way to LaTeX."""
    if to_format == "latex":
        extra_args = [*(extra_args or []), "--lua-filter", str(LATEX_FILTER)]
    return convert_pandoc(source, from_format, to_format, extra_args=extra_args)


def shown(path):
    """path as the build prints it: from the repository root when inside it."""
    path = Path(path).absolute()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def export_html(nb, path):
    """The HTML page. The live outputs that notebooks 8 and 11 display (report/live.py's MIME types:
    the sampler with both networks, the shaded text) come first, written as the live controls with
    what Jupyter shows in <noscript>; the script that runs them (report/template/html_report/
    charrnn.js) and its style are inlined, so that the page fetches nothing."""
    def live_html(output):
        data = output.get("data", {})
        mimetype = next((t for t in live.TYPES if t in data), None)
        if mimetype is None:
            return ""
        fallback = data["text/html"] if "text/html" in data else markdown_to_html(data.get("text/markdown", ""))
        return live.html_of(data[mimetype], mimetype, fallback)

    folder = TEMPLATES / "html_report"
    priority = [*live.TYPES, *HTMLExporter().default_config.NbConvertBase.display_data_priority]
    ex = exporter(HTMLExporter, "html_report", filters={"markdown2html": markdown_to_html, "live_html": live_html},
                  config=Config({"NbConvertBase": {"display_data_priority": priority}}))
    page, _ = ex.from_notebook_node(nb, resources={
        "live_js": (folder / "charrnn.js").read_text(encoding="utf-8"),
        "live_css": (folder / "charrnn.css").read_text(encoding="utf-8")})
    path.write_text(page, encoding="utf-8")


def export_pdf(nb, path, build_dir):
    """LaTeX from nbconvert, then XeLaTeX here, so that its log can be checked. Characters that the
    report's fonts lack get a font that has them (preflight.fallback_fonts)."""
    charsets = preflight.font_charsets()[0]
    fallbacks = preflight.fallback_fonts(set(nbformat.writes(nb)) - set(map(chr, range(128))), charsets)[0]
    tex, resources = exporter(LatexExporter, "latex_report", filters={"convert_pandoc": pandoc_to_latex}) \
        .from_notebook_node(nb, resources={"fallback_fonts": fallbacks})
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    (build_dir / "report.tex").write_text(tex, encoding="utf-8")
    for name, data in resources.get("outputs", {}).items():
        (build_dir / name).write_bytes(data)
    for _ in range(2):                                    # twice, for the PDF's outline
        done = subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "report.tex"],
                              cwd=build_dir, capture_output=True, text=True)
    log = (build_dir / "report.log").read_text(encoding="utf-8", errors="replace")
    if done.returncode != 0:
        sys.exit(f"report: XeLaTeX failed; see {build_dir / 'report.log'}:\n" + "\n".join(log.splitlines()[-25:]))
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    if missing:
        sys.exit(f"report: the PDF's fonts lack {', '.join(missing)}; those characters would vanish from "
                 "the page. Choose fonts that have them in report/template/latex_report/index.tex.j2.")
    shutil.copyfile(build_dir / "report.pdf", path)


def destinations(args, answered, corpus_path):
    """(folder of the PDF and HTML, folder of the executed notebooks) of this build."""
    if args.committed:
        if corpus_path is None or corpus_path.name != "goblet_book.txt":
            sys.exit(f"report: make committed refreshes the committed notebooks and reports from a run on the book, "
                     f"but the corpus is {corpus_path}: put the book at data/goblet_book.txt or set RNN_CORPUS to it "
                     "(make report builds any other text into report/build/).")
        return ROOT / "report", (NOTEBOOKS if answered.key == "2017" else BUILD / f"notebooks-{answered.key}")
    if args.out is None:
        label = corpus_path.stem if corpus_path else "notebooks"
        out = BUILD / (label if answered.key == "2017" else f"{label}-{answered.key}")
    else:
        out = args.out
    return out, args.notebooks_out or out / "notebooks"


def install(staging, outputs):
    """Move each built file of staging to its place (outputs: {name in staging: destination})."""
    for name, target in outputs.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging / name, target)


def lock(user_runs):
    """Hold .lock-<corpus> beside the run folder user_runs for this process's life, or stop: one
    build at a time writes a run folder (builds with another $RNN_RUNS, like the tests', go on side
    by side). The lock goes with the process."""
    user_runs.parent.mkdir(parents=True, exist_ok=True)
    label = user_runs.name
    fd = os.open(user_runs.parent / f".lock-{label}", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        sys.exit(f"report: a build of {label} is running already (PID {holder}); wait for it to finish, or stop "
                 f"it (kill {holder}). Nothing was run or written.")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _alive(pid):
    """Whether the process of this PID (a string) runs."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:                 # another user's
        pass
    return True


def stage_runs(user_runs):
    """A copy of the run folder user_runs (RNN_RUNS/<corpus>) beside it, for the notebooks to write in;
    returns the folder to give them as RNN_RUNS. A staging left by a build that was killed goes first
    (the caller holds the lock of this corpus and handout)."""
    for stale in user_runs.parent.glob(f".building-{user_runs.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    root = user_runs.parent / f".building-{user_runs.name}-{os.getpid()}"
    if user_runs.is_dir():
        shutil.copytree(user_runs, root / user_runs.name, symlinks=True)
    else:
        (root / user_runs.name).mkdir(parents=True)
    return root


def install_runs(root, user_runs):
    """Put the staged run folder in place of user_runs: two renames on one file system."""
    old = root / ".before"
    if user_runs.exists():
        user_runs.rename(old)
    (root / user_runs.name).rename(user_runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author", default="DD2424 Assignment 4 solution")
    parser.add_argument("--date", default=datetime.date.today().strftime("%-d %B %Y"))
    parser.add_argument("--out", type=Path, help="where the PDF and HTML go (default: report/build/<corpus>[-<handout>]/)")
    parser.add_argument("--notebooks-out", type=Path, help="where executed notebooks go (default: <out>/notebooks/)")
    parser.add_argument("--committed", action="store_true",
                        help="refresh the committed notebooks and reports from a run on the book (make committed)")
    parser.add_argument("--no-execute", action="store_true", help="export the notebooks as they are")
    args = parser.parse_args()
    problems = preflight.check_settings()
    corpus_path = None
    if not args.no_execute or args.committed:
        text, corpus_path = preflight.load()
        problems += [corpus_path] if text is None else preflight.check_text(text, corpus_path)
        corpus_path = corpus_path if text is not None else None
    if not problems:
        answered = handout()
        out, notebooks_out = destinations(args, answered, corpus_path)
        problems += [p for p in (preflight.writable_folder(BUILD, "report/build"), preflight.writable_folder(out, "--out"),
                                 preflight.writable_folder(notebooks_out, "--notebooks-out")) if p]
    if problems:
        sys.exit("\n".join(f"report: {line}" for line in problems)
                 + "\nreport: nothing was run or written; fix the above and build again.")
    name = report_name(answered)
    BUILD.mkdir(parents=True, exist_ok=True)
    user_runs = runs.run_dir(corpus_path.stem if corpus_path else "notebooks", answered)
    held = lock(user_runs)
    print(f"answering {answered.title}: {shown(out / name)}.pdf and .html")

    stop = Stop()
    for stale in BUILD.glob(".building-*"):      # of a build that was killed (its process is gone)
        if not _alive(stale.name.split("-")[1]):
            shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".building-{os.getpid()}-", dir=BUILD))
    staged_runs = None
    try:
        paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
        try:
            if not args.no_execute:             # the notebooks write a copy of the runs folder
                staged_runs = stage_runs(user_runs)
            notebooks = ([nbformat.read(p, as_version=4) for p in paths] if args.no_execute
                         else execute(paths, staging / "notebooks", out / "build" / "logs", stop,
                                      os.environ | {"RNN_RUNS": str(staged_runs)}))
            merged = merge(notebooks, f"{TITLE}, after {answered.title}", args.author, args.date,
                           documents=corpus_path is not None and textfile.read_corpus(corpus_path)[1] is not None)
            export_html(merged, staging / f"{name}.html")
            outputs = {f"{name}.html": out / f"{name}.html"}
            if not args.no_execute:
                outputs |= {f"notebooks/{p.name}": notebooks_out / p.name for p in paths}
            if shutil.which("xelatex"):
                export_pdf(merged, staging / f"{name}.pdf", out / "build" / f"latex-{answered.key}")
                outputs[f"{name}.pdf"] = out / f"{name}.pdf"
            if stop.signal:
                raise Stopped(f"{stop.signal} during the export")
        except (SystemExit, Exception) as err:
            if isinstance(err, Stopped) or stop.signal:
                cause = f"report: stopped ({err if isinstance(err, Stopped) else stop.signal}), so the report was not built."
            elif isinstance(err, SystemExit):
                cause = err.code
            else:                                   # an export that broke: its traceback, then the verdict
                traceback.print_exc()
                cause = f"report: the export failed ({type(err).__name__}: {err})."
            runs_too = f", {shown(user_runs)}/" if staged_runs else ""
            sys.exit(f"{cause}\nreport: nothing you had was changed: {shown(out / name)}.pdf, .html{runs_too} and "
                     f"{shown(notebooks_out)}/ are as they were.")
        stop.deferred = True                     # from here on the build completes: not cut in half
        install(staging, outputs)
        if staged_runs:
            install_runs(staged_runs, user_runs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if staged_runs:
            shutil.rmtree(staged_runs, ignore_errors=True)
        os.close(held)
    where = f"{shown(out)}/: {name}.pdf and {name}.html" if f"{name}.pdf" in outputs else f"{shown(out)}/: {name}.html"
    print(f"wrote {where}" + ("" if args.no_execute else f"; the executed notebooks in {shown(notebooks_out)}/"))
    if f"{name}.pdf" not in outputs:
        sys.exit("report: XeLaTeX is not installed, so only the HTML was written. `make system` installs "
                 "it (as root), or prints the command to run.")


if __name__ == "__main__":
    main()
