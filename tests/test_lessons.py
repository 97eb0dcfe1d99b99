"""report.lessons: code one notebook teaches and a later one runs, loaded from the cells it tags; and
that code, notebook 1's forward and backward pass one time step at a time, against the module's."""
import traceback

import nbformat
import numpy as np
import pytest

import rnn_helpers as R
from report import lessons

pytestmark = pytest.mark.quick                   # `make check`


@pytest.fixture
def notebook(tmp_path):
    """write(): a notebook of four cells, three tagged "keep", one of those Markdown; write(cells): others."""
    def write(cells=None):
        cells = cells or [nbformat.v4.new_code_cell("import nothing_here", metadata={}),
                          nbformat.v4.new_code_cell("def twice(v):\n    return 2 * scale(v)", metadata={"tags": ["keep"]}),
                          nbformat.v4.new_markdown_cell("raise SystemExit", metadata={"tags": ["keep"]}),
                          nbformat.v4.new_code_cell("SCALE = 10\nfour = twice(2)", metadata={"tags": ["x", "keep"]})]
        path = tmp_path / "lesson.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
        return path
    return write


def test_only_the_tagged_code_cells_run_in_order_with_the_names_given(notebook):
    module = lessons.load(notebook(), "keep", scale=lambda v: v + 1)
    assert module.four == 6 and module.SCALE == 10 and not hasattr(module, "nothing_here")
    assert module.twice.__globals__ is vars(module)


def test_a_notebook_without_the_tag_is_refused(notebook):
    with pytest.raises(ValueError, match="lesson.ipynb has no code cell tagged 'other'"):
        lessons.load(notebook(), "other")


def test_a_magic_is_refused_with_the_cell_named(notebook):
    path = notebook([nbformat.v4.new_code_cell("%timeit 1 + 1", metadata={"tags": ["keep"]})])
    with pytest.raises(ValueError, match="lesson.ipynb, cell 0 .* is not plain Python"):
        lessons.load(path, "keep")


def test_a_traceback_shows_the_cell_and_its_line(notebook):
    path = notebook([nbformat.v4.new_code_cell("x = 1\ny = 1 / 0", metadata={"tags": ["keep"]})])
    with pytest.raises(ZeroDivisionError) as err:
        lessons.load(path, "keep")
    text = "".join(traceback.format_exception(err.value))
    assert 'File "lesson.ipynb, cell 0", line 2' in text and "y = 1 / 0" in text


@pytest.fixture(scope="module")
def per_step():
    return lessons.load("01_gradient_check", "per-step", np=np, R=R)


@pytest.mark.parametrize("loss", R.LOSSES)
def test_notebook_1s_per_step_passes_give_the_modules_loss_and_gradients(per_step, loss):
    K, m, T = 11, 6, 20
    rng = np.random.default_rng(0)
    rnn = R.init_rnn(K, m, sig=0.3, rng=rng)
    x, y, h0 = rng.integers(0, K, T), rng.integers(0, K, T), rng.uniform(-0.5, 0.5, m)
    L, grads = per_step.compute_grads_per_step(rnn, x, y, h0, loss)
    assert L == pytest.approx(R.compute_loss(rnn, x, y, h0, loss), rel=1e-12)
    ours = R.compute_grads(rnn, x, y, h0, loss)
    for k in R.PARAMS:
        assert grads[k].shape == ours[k].shape and R.relative_error(grads[k], ours[k]) < 1e-9, k


def test_notebook_1s_per_step_passes_keep_float32(per_step):
    rnn = R.init_rnn(7, 4, sig=0.3, rng=np.random.default_rng(1), dtype=np.float32)
    x = np.arange(5) % 7
    L, grads = per_step.compute_grads_per_step(rnn, x, x[::-1], np.zeros(4, np.float32))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
