# Two commands do everything on a fresh machine with Python 3.11 (see README.md):
#   make book   set up .venv and the front-end assets, build the HTML book (every notebook executed)
#   make test   set up, build the book, run every test (library, notebooks with nbval, real browser)
#   make serve  serve the built book on http://127.0.0.1:8000/
#   make pdf    the printed book and chapters in _build/pdf, through LaTeX (after make book; not in make test)
#   make dist   the library's wheel and sdist in _build/dist; make cells rewrites the setup cells
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: book test test-lib test-notebooks test-browser serve setup assets browser tex store bench bench-peers clean dist cells pdf pdf-web student

setup: $(STAMP) assets

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (deeplinear)" >/dev/null
	touch $(STAMP)

# MathJax, require.js and the widget manager from npm (package.json), copied into vendor/ by
# tools/build_book.py. Without npm the build falls back to CDNs and says so.
assets:
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "make: npm not found: the book will load MathJax and widget scripts from CDNs"; fi

book: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/build_book.py

# The student edition: the same book with every solution removed (pages and downloadable
# notebooks), in _build/student/html. Its outputs come from the main build's execution cache,
# so no notebook is executed again (tools/build_student.py).
student: book
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/build_student.py
	$(PY) -m pytest -q -p no:cacheprovider tests/check_student_edition.py

# Debian's Chromium for the real-browser tests (Playwright cannot download its own browser here),
# and poppler's pdftoppm, with which the PDF checks look at printed pages.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/pdftoppm || { echo "make: installing chromium and poppler-utils"; \
	  (apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq chromium poppler-utils >/dev/null); }
	@test -x /usr/bin/chromium || { echo "make: /usr/bin/chromium is missing and could not be installed"; exit 1; }
	@test -x /usr/bin/pdftoppm || { echo "make: /usr/bin/pdftoppm (poppler-utils) is missing and could not be installed"; exit 1; }

# TeX Live from Debian for `make pdf` (XeLaTeX, latexmk, the LaTeX packages Sphinx and
# sphinx-jupyterbook-latex load, the FreeFont fonts; about 360 MB), and poppler's
# pdftoppm, with which the PDF checks look at printed pages.
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-recommended texlive-latex-extra \
  texlive-fonts-recommended fonts-freefont-otf poppler-utils
tex:
	@test -x /usr/bin/xelatex -a -x /usr/bin/latexmk -a -x /usr/bin/pdftoppm || { echo "make: installing TeX Live (xelatex, latexmk)"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null) || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null); }
	@test -x /usr/bin/xelatex -a -x /usr/bin/latexmk || { echo "make: xelatex or latexmk is missing and could not be installed"; exit 1; }
	@test -x /usr/bin/pdftoppm || { echo "make: /usr/bin/pdftoppm (poppler-utils) is missing and could not be installed"; exit 1; }

# One pytest run: library tests, the examples in the library's docstrings (doctest), nbval on
# every chapter and on the library's worked example (outputs of the cells tagged
# nbval-check-output are compared), and the browser checks of the built book.
# pytest's exit 5 ("no tests collected") counts as a failure.
test: book browser
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest tests lib chapters library \
	  --doctest-modules --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg; \
	  rc=$$?; if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests"; exit 1; fi; exit $$rc

# The printed book: _build/pdf/book.pdf through Jupyter Book's LaTeX builder and XeLaTeX, and
# each chapter's pages of it in _build/pdf/chapters/ (tools/build_latex.py). The outputs come
# from the HTML build's execution cache: nothing is executed again. Then checks the PDFs
# (titles, no ??, no TeX source, no undefined reference, no blank chapter) and links them from
# every page's download menu. About a minute; not part of `make test`.
pdf: book tex
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/build_latex.py

# The web pages printed by headless Chromium instead (tools/build_pdf.py), for a machine
# without TeX: same place, same checks and links. tests/browser/test_pdf.py checks its tooling.
pdf-web: book browser
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/build_pdf.py

serve:
	@test -d _build/html || { echo "make: build the book first: make book"; exit 1; }
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

# Re-execute the chapters and store the outputs that nbval compares (tools/store_outputs.py).
store: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/store_outputs.py chapters/*.ipynb library/*.ipynb

# The library's wheel and sdist (_build/dist), built with the environment's setuptools.
dist: setup
	$(PY) -m build --no-isolation --outdir _build/dist .

# Rewrite every notebook's hidden setup cell from _config.yml (library_source, repository.url).
cells: setup
	$(PY) tools/setup_cells.py

bench: setup
	$(PY) benchmarks/run_all.py

# deeplinear against torch, JAX and diffrax (benchmarks/results/peers.md). The peers live in
# their own environment (benchmarks/requirements-peers.txt), never in the book's.
PEERS := .venv-peers
bench-peers:
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt
	PYTHONPATH=lib $(PEERS)/bin/python benchmarks/bench_peers.py

clean:
	rm -rf _build vendor
