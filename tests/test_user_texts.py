"""`make report` on texts a user brings, made on this machine (tests/corpora.py): Python source with
control characters, a small text in German and Chinese with K in the thousands, and a corpus of
documents in the tweet archive's format (notebook 12). Each is built
end to end on shortened budgets into a temporary folder and read back as a reader would: the PDF
and the HTML written, every character the page shows present in the PDF, no sentence that belongs
to the book, and no number outside its possible range unless the report says that something went
wrong. (A text too short or with characters no font has is refused at once: test_build.py.)"""
import html
import math
import re
from types import SimpleNamespace

import pytest

import builds
from report.findings import WENT_WRONG
from report.render import with_symbols

pytestmark = pytest.mark.user_texts              # `pytest -m "not user_texts"`: a quick run without them


@pytest.fixture(scope="module", params=list(builds.USER_TEXTS))
def built(request, pdftotext):
    """The report of a user's text, built in the background (tests/builds.py)."""
    build = builds.result("user_text", request.param)
    assert build.done.returncode == 0, build.done.stdout + build.done.stderr
    page = (build.tmp / "report" / "report.html").read_text(encoding="utf-8")
    visible = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)))
    return SimpleNamespace(text=build.text, K=len(set(build.text)), pdf=pdftotext(build.tmp / "report" / "report.pdf"),
                           visible=visible, log=build.done.stdout + build.done.stderr)


def paragraphs(text):
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def test_the_pdf_and_the_html_are_written(built):
    assert "wrote " in built.log and "report.pdf and report.html" in built.log
    assert "Gradient computations" in built.pdf and "How good it is, and what it remembers" in built.pdf


def test_every_character_the_page_shows_of_the_text_is_in_the_pdf(built):
    shown = set(built.visible) & set(with_symbols(built.text))          # the text's characters, as shown
    missing = {c for c in shown if not c.isspace() and c not in built.pdf}
    assert not missing, f"characters of the text on the page but not in the PDF: {sorted(missing)[:20]}"
    assert not {"\a", "\x1b"} & set(built.pdf + built.visible)          # control characters only as pictures


def test_no_sentence_belongs_to_the_book(built):
    for text in (built.pdf, built.visible):
        for phrase in ("goblet", "Harry", "Hogwarts", "public solutions report", "best public"):
            assert phrase not in text, f"{phrase!r} in a report on another text"


def test_no_number_is_outside_its_range_unless_the_report_says_something_went_wrong(built):
    ln_k = math.log(built.K)
    for paragraph in paragraphs(built.pdf):
        flagged = "Something went wrong" in paragraph
        losses = [float(n) for n in re.findall(r"(\d+\.\d+) nats", paragraph)] + \
                 [float(b) * math.log(2) for b in re.findall(r"(\d+\.\d+) bits per character", paragraph)]
        for nats in losses:
            assert nats < ln_k or flagged, f"a loss of {nats:.3f} nats (ln K = {ln_k:.2f}) stated as fine: {paragraph}"
        for share in re.findall(r"(\d+(?:\.\d+)?)%", paragraph):
            assert 0 <= float(share) <= 100, paragraph
        for times in re.findall(r"reads ([\d.]+) times as many characters", paragraph):
            assert float(times) > 0 or flagged, paragraph
    assert WENT_WRONG.strip("*") not in built.visible or "Something went wrong:" in built.pdf   # both formats say it
