"""Build the report: run the notebooks in order, merge them into one, export report.html and report.pdf.

`make report` runs this (as `python -m report.build`), for the handout that $RNN_HANDOUT picks
(`make report HANDOUT=2025`; report.handouts). For the 2017-24 handout the report is report.pdf and
report.html, and the executed notebooks are written back to notebooks/ (they are the report in
interactive form); for the 2025-26 one, report-2025.pdf and .html, the executed notebooks in
report/build/notebooks-2025/. --out and --notebooks-out say elsewhere. The PDF goes through XeLaTeX with the
template in report/template/; a glyph missing from the fonts fails the build instead of silently
vanishing from the page.
"""
import argparse
import copy
import datetime
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter, LatexExporter
from nbconvert.filters.pandoc import convert_pandoc
from nbconvert.preprocessors import CoalesceStreamsPreprocessor, TagRemovePreprocessor

from report.handouts import handout

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = ROOT / "report" / "template"
LATEX_FILTER = TEMPLATES / "pandoc" / "latex.lua"
TITLE = "Assignment 4: a character-level RNN that writes text"


def execute(paths, out_dir):
    """Run each notebook in a fresh kernel, in order, with notebooks/ as working directory."""
    executed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        print(f"{path.name:32s}", end=" ", flush=True)
        try:
            NotebookClient(nb, timeout=1800, kernel_name="python3",
                           resources={"metadata": {"path": str(NOTEBOOKS)}}).execute(stderr=subprocess.DEVNULL)
        except CellExecutionError as err:
            sys.exit(f"failed\nreport: {path.name} failed, so the report was not built:\n{err}")
        print(f"{time.perf_counter() - start:6.1f} s", flush=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
        executed.append(nb)
    return executed


def merge(notebooks, title, author, date):
    """One notebook of every notebook's cells, with fresh ids and no stderr, and a title block."""
    merged = nbformat.v4.new_notebook(metadata=copy.deepcopy(notebooks[0].metadata))
    merged.metadata.update(title=title, authors=[{"name": author}], date=date)
    for nb in notebooks:
        for cell in nb.cells:
            cell = copy.deepcopy(cell)
            cell.id = uuid.uuid4().hex[:12]
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            merged.cells.append(cell)
    return merged


def exporter(cls, template, **options):
    """nbconvert's exporter with our template; cells tagged remove_cell (set-up, the checked cells
    whose verdict the prose states) and remove_input (code that only displays) are hidden."""
    ex = cls(template_name=template, extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
             exclude_input_prompt=True, exclude_output_prompt=True, **options)
    ex.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove_cell"}, remove_input_tags={
        "remove_input"}, remove_all_outputs_tags={"remove_output"}), enabled=True)
    ex.register_preprocessor(CoalesceStreamsPreprocessor(), enabled=True)
    return ex


def markdown_to_html(markdown):
    """Markdown rendered by pandoc, as for the PDF, with math as MathML: the page needs no script.
    Zero-width spaces (break points for the PDF) are dropped: the page's CSS breaks generated text
    anywhere, and a reader's search and copy see the text as it was written."""
    return convert_pandoc(markdown.replace("\u200b", ""), "markdown", "html", extra_args=["--mathml"])


def pandoc_to_latex(source, from_format, to_format, extra_args=None):
    """nbconvert's convert_pandoc, with our filter (report/template/pandoc/latex.lua) on the way to LaTeX."""
    if to_format == "latex":
        extra_args = [*(extra_args or []), "--lua-filter", str(LATEX_FILTER)]
    return convert_pandoc(source, from_format, to_format, extra_args=extra_args)


def export_html(nb, path):
    html, _ = exporter(HTMLExporter, "html_report", filters={"markdown2html": markdown_to_html}).from_notebook_node(nb)
    path.write_text(html, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def export_pdf(nb, path, build_dir):
    """LaTeX from nbconvert, then XeLaTeX here, so that its log can be checked."""
    if not shutil.which("xelatex"):
        sys.exit("report: XeLaTeX is not installed, so only the HTML was written. `make system` installs "
                 "it (as root), or prints the command to run.")
    tex, resources = exporter(LatexExporter, "latex_report",
                              filters={"convert_pandoc": pandoc_to_latex}).from_notebook_node(nb)
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
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--author", default="DD2424 Assignment 4 solution")
    parser.add_argument("--date", default=datetime.date.today().strftime("%-d %B %Y"))
    parser.add_argument("--out", type=Path, default=ROOT / "report", help="where the PDF and HTML go")
    parser.add_argument("--notebooks-out", type=Path, help="where executed notebooks go")
    parser.add_argument("--no-execute", action="store_true", help="export the notebooks as they are")
    args = parser.parse_args()
    try:
        answered = handout()
    except ValueError as err:
        sys.exit(f"report: {err}")
    name = "report" if answered.key == "2017" else f"report-{answered.key}"
    notebooks_out = args.notebooks_out or (NOTEBOOKS if answered.key == "2017"
                                           else ROOT / "report" / "build" / f"notebooks-{answered.key}")
    print(f"answering {answered.title}: {args.out / name}.pdf and .html")

    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    notebooks = ([nbformat.read(p, as_version=4) for p in paths] if args.no_execute
                 else execute(paths, notebooks_out))
    merged = merge(notebooks, f"{TITLE}, after {answered.title}", args.author, args.date)
    args.out.mkdir(parents=True, exist_ok=True)
    export_html(merged, args.out / f"{name}.html")
    export_pdf(merged, args.out / f"{name}.pdf", args.out / "build" / f"latex-{answered.key}")


if __name__ == "__main__":
    main()
