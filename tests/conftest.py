"""Fixtures shared by the tests: runs of rnn_helpers (forward_spy, small_run), and the reading of the
report's pages as a reader sees them (squeeze, pdftotext, running_text, off_the_page, shaded_spans)."""
import re
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

import builds
import rnn_helpers as R
import rnn_trainer as trainer


def pytest_collection_finish(session):
    """Start the report builds that the selected tests read (tests/builds.py), in the background."""
    wanted = {}
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for fixture, kind in (("report", "report"), ("built", "user_text")):
            if fixture in getattr(item, "fixturenames", ()) and fixture in params:
                wanted[(kind, params[fixture])] = True
    builds.start(wanted)


def pytest_unconfigure(config):
    builds.stop()


@pytest.fixture
def forward_spy(monkeypatch):
    """A list that records (X, Y, h0, loss) of every forward pass that train makes from now on."""
    seen, real_forward = [], R.forward

    def spy(rnn, X, Y, h0, loss="sum", reuse=None):
        loss, cache = real_forward(rnn, X, Y, h0, loss, reuse)
        seen.append((X.copy(), Y.copy(), np.copy(h0), loss))
        return loss, cache
    monkeypatch.setattr(R, "forward", spy)
    return seen


@pytest.fixture
def small_run():
    """A function: a small run with hooks that sample, optionally checkpointed or resumed.
    Returns (rnn, state, samples)."""
    def run(n_updates, state=None, rnn=None, checkpoint=None, **options):
        data = np.random.default_rng(0).integers(0, 8, 400)
        rnn = rnn or R.init_rnn(8, 12, rng=np.random.default_rng(1))
        samples = []

        def hook(update, rnn, hprev, x0, st):
            samples.append(R.synthesize(rnn, hprev, x0, 20, st.rng))
        state = trainer.train(rnn, data, n_updates, state=state, rng=np.random.default_rng(9), hook=hook,
                              hook_at=range(1, 100, 7), checkpoint=checkpoint, checkpoint_every=10,
                              ind_to_char=dict(enumerate("abcdefgh")), **options)
        return rnn, state, samples
    return run



# ---------------------------------------------------------------------------------------------
# The report's pages as a reader sees them (test_report.py, test_rendering.py)
# ---------------------------------------------------------------------------------------------

A4_WIDTH, MARGIN = 595.276, 2.3 / 2.54 * 72             # points; report/template/latex_report


@pytest.fixture(scope="session")
def squeeze():
    """A function: text without white space, no-break spaces or zero-width spaces (wherever the PDF
    or the page breaks a line, the characters stay in order)."""
    return lambda text: re.sub(r"[\s\u00a0\u200b]+", "", text)


@pytest.fixture(scope="session")
def pdftotext():
    """A function: the text of a PDF, by poppler's pdftotext with the options given (-raw, -layout, -bbox)."""
    def run(pdf, *options):
        return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
    return run


@pytest.fixture(scope="session")
def running_text():
    """A function: the text of a PDF (pdftotext's) without its page numbers: each page's line that is
    just its number goes (pdftotext may put it before the page's last line, in the middle of a
    passage that runs on)."""
    def text(pdf_text):
        return "\n".join(re.sub(rf"^{number}$", "", page, count=1, flags=re.M)
                         for number, page in enumerate(pdf_text.split("\f"), start=1))
    return text


@pytest.fixture(scope="session")
def off_the_page(pdftotext):
    """A function: (the words of a PDF, those outside the A4 page's left and right margins)."""
    def words(pdf):
        found = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', pdftotext(pdf, "-bbox"))
        return found, [(x0, x1) for x0, x1 in found if float(x0) < MARGIN - 1 or float(x1) > A4_WIDTH - MARGIN + 1]
    return words


class _ShadedSpans(HTMLParser):
    """(style, title, text) of each span inside <div class="shaded">, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.found, self.inside, self.span = [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "shaded":
            self.inside = True
        elif tag == "span" and self.inside:
            self.span = [attrs.get("style"), attrs.get("title"), ""]

    def handle_endtag(self, tag):
        if tag == "span" and self.span:
            self.found.append(tuple(self.span))
            self.span = None
        elif tag == "div":
            self.inside = False

    def handle_data(self, data):
        if self.span:
            self.span[2] += data


@pytest.fixture(scope="session")
def shaded_spans():
    """A function: [(style, title, text)] of the spans of text shaded character by character
    (report.render.shaded) in an HTML page."""
    def spans(page):
        parser = _ShadedSpans()
        parser.feed(page)
        return parser.found
    return spans
