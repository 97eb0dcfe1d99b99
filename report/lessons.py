"""Code that one lesson teaches and a later one uses, kept in ONE place: the lesson's own cells.

A notebook marks the code cells it hands on with a tag (d2l.ai's `#@save`, as a cell tag); `load`
runs those cells, in order, in a fresh module and returns it. Notebook 1 writes the forward and the
backward pass one time step at a time (cells tagged "per-step"); notebook 9 times that code:

    import numpy as np, rnn_helpers as R
    from report import lessons
    per_step = lessons.load("01_gradient_check", "per-step", np=np, R=R)
    loss, grads = per_step.compute_grads_per_step(rnn, x, y, h0, "sum")

The tagged cells must be plain Python (no %magics) and must not depend on the notebook's other cells:
what they use besides their own definitions is passed by name (np=np, R=R above). A traceback names
the notebook and the cell (e.g. File "01_gradient_check.ipynb, cell 12", line 5).
"""
import json
import linecache
import types
from pathlib import Path

from rnn_helpers import ROOT

NOTEBOOKS = ROOT / "notebooks"


def tagged_cells(notebook, tag):
    """(path, [(index, source)]): the notebook's file and its code cells that carry tag, in order.
    notebook: a name in notebooks/, with or without .ipynb, or a path."""
    path = Path(notebook)
    if not path.suffix:
        path = path.with_suffix(".ipynb")
    if not path.is_absolute() and not path.exists():
        path = NOTEBOOKS / path
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [(i, "".join(c["source"])) for i, c in enumerate(cells)
             if c["cell_type"] == "code" and tag in c.get("metadata", {}).get("tags", [])]
    if not found:
        raise ValueError(f"{path.name} has no code cell tagged {tag!r}: tag the cells to hand on "
                         "(cell metadata \"tags\", in JupyterLab the property inspector).")
    return path, found


def load(notebook, tag, **names):
    """A module holding what notebook's code cells tagged tag define, run in order, with `names`
    (e.g. np=np) defined first."""
    path, cells = tagged_cells(notebook, tag)
    module = types.ModuleType(f"{path.stem}[{tag}]", f"The cells of {path.name} tagged {tag!r}.")
    module.__dict__.update(names)
    for i, source in cells:
        filename = f"{path.name}, cell {i}"
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        try:
            code = compile(source, filename, "exec")
        except SyntaxError as err:
            raise ValueError(f"{filename} (tagged {tag!r}) is not plain Python: {err.msg}, line {err.lineno}. "
                             "Cells that are handed on must do without %magics and !commands.") from None
        exec(code, module.__dict__)
    return module
