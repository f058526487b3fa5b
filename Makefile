# Small & Fast — the course's commands. The two that matter:
#   make lab    open the course in JupyterLab (creates .venv and installs on first use)
#   make test   install if needed, then run every test and notebook in fast, offline mode
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Notebook runs: short cell timeout so a dead kernel fails in minutes, not after 2000 s;
# the project's own environment as the kernel; timings/addresses/progress bars sanitized.
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
          --nbval-sanitize-with tests/nbval_sanitize.cfg
# Both cores: two pytest workers; a notebook (or a test module) stays on one worker, in order.
PARALLEL ?= -n 2 --dist loadscope --no-loadscope-reorder
NOTEBOOKS ?= notebooks solutions exercises

.PHONY: help install dev lab web test unit notebooks exercises release collect autograde execute bench pretrain memory mutate portability upgrade-check clean
help:
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'

# Re-install whenever the pinned dependency set changes. torch pulls in triton, which a
# CPU course never uses and which crashes TensorFlow imported before torchvision (see
# course_utils/frameworks.py): remove it after every install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip uninstall --quiet --yes triton || true
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the course and its pinned dependencies

# Authoring extras (jupytext). pip re-resolves torch's dependencies here and would bring
# triton back, so remove it again.
dev: $(STAMP) ## add the authoring tools (jupytext) to .venv
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip uninstall --quiet --yes triton || true

# The website and slides (book/build.py): the `site` extra (Jupyter Book 1) in .venv, and the
# front-end assets they serve themselves (MathJax, RequireJS, the widget manager, reveal.js) from
# npm with book/package-lock.json. Both re-install when their pins change; pip would bring
# triton back, so remove it again.
SITE_STAMP := $(VENV)/.installed-site
NPM_STAMP  := book/node_modules/.installed
$(SITE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[site]"
	$(BIN)/python -m pip uninstall --quiet --yes triton || true
	touch $(SITE_STAMP)
$(NPM_STAMP): book/package.json book/package-lock.json
	cd book && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NPM_STAMP)

site: $(SITE_STAMP) $(NPM_STAMP) ## build the course website into _build/site/html (offline, ~15 s)
	$(BIN)/python book/build.py site

slides: $(SITE_STAMP) $(NPM_STAMP) ## build one reveal.js deck per lecture into _build/slides
	$(BIN)/python book/build.py slides

# Needs the network: not part of make test.
linkcheck: $(SITE_STAMP) $(NPM_STAMP) ## check the site's external links (needs the network)
	$(BIN)/python book/build.py linkcheck

# The game as a web page (lesson 08's third target): the classifier as ONNX in onnxruntime-web, vendored from
# npm with web/package-lock.json next to the page, so _build/web works offline under `python -m http.server`.
# Without a --model in WEB_ARGS it trains lesson 07's classifier first (about 90 s on 2 cores).
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make web needs Node.js and npm: sudo apt-get install nodejs npm (Debian/Ubuntu), brew install node (macOS), or https://nodejs.org"; exit 1; }
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(WEB_STAMP)

web: $(STAMP) $(WEB_STAMP) ## build the camera game page into _build/web (then: python -m http.server -d _build/web)
	COURSE_OFFLINE=1 $(BIN)/python -m course_utils.deploy.web --out _build/web $(WEB_ARGS)

# Root (e.g. in a container) must say --allow-root; extra flags via LAB_ARGS="--port=9999".
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
# Learners get lab/learner's settings (no nbgrader panels, no news prompt); INSTRUCTOR=1 turns nbgrader's on.
LAB_SETTINGS := $(CURDIR)/lab/$(if $(INSTRUCTOR),instructor,learner)
lab: $(STAMP) ## open the course in JupyterLab (INSTRUCTOR=1: with nbgrader's panels)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.app_settings_dir="$(LAB_SETTINGS)" \
	  --LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb $(LAB_ARGS)

test: $(STAMP) $(SITE_STAMP) $(NPM_STAMP) $(WEB_STAMP) ## unit tests, exercise sync check, every notebook, the site (fast, offline)
	COURSE_FAST=1 COURSE_OFFLINE=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q $(PARALLEL) tests $(NOTEBOOKS) $(NBVAL)

unit: $(STAMP) ## unit tests only
	COURSE_FAST=1 COURSE_OFFLINE=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q tests

notebooks: $(STAMP) ## notebooks only, e.g. make notebooks NOTEBOOKS=notebooks/03_conv_cost.ipynb
	COURSE_FAST=1 COURSE_OFFLINE=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q $(NOTEBOOKS) $(NBVAL)

exercises: $(STAMP) ## regenerate exercises/ from solutions/
	$(BIN)/python -m course_utils.exercises

# Grading with nbgrader for the whole course (INSTRUCTORS.md); the course folder is _grading/ (GRADING=... moves it)
GRADING ?= _grading
release: $(STAMP) ## nbgrader: every solutions/ notebook becomes an assignment, released to the exchange
	$(BIN)/python grading/course.py release --root "$(GRADING)"
collect: $(STAMP) ## nbgrader: collect every submission from the exchange
	$(BIN)/python grading/course.py collect --root "$(GRADING)"
autograde: $(STAMP) ## nbgrader: autograde every collected submission and print the points table
	$(BIN)/python grading/course.py autograde --root "$(GRADING)"

# Committed outputs come from a real, full-mode, offline run of each notebook.
# e.g. make execute NB=notebooks/01_hog_svm.ipynb   (default: every lecture and solution)
NB ?= notebooks/*.ipynb solutions/*.ipynb
execute: $(STAMP) ## run notebooks in place to refresh their committed outputs
	for nb in $(NB); do \
	  COURSE_OFFLINE=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=1200 "$$nb" || exit 1; \
	done
	$(MAKE) exercises

bench: $(STAMP) ## print performance figures for this machine (BENCH="conv hog" for some, BENCH=--list to list)
	COURSE_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m course_utils.bench $(BENCH)

# The course backbone shipped in course_utils/transfer/weights (lesson 07), regenerated
# deterministically from generated data (see its MODEL_CARD.md); ~15 min on 2 cores.
pretrain: $(STAMP) ## regenerate the course-pretrained backbone (deterministic, ~15 min)
	COURSE_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m course_utils.transfer.pretrain

# A tool for authors, not part of `make test`: each notebook's peak kernel memory in full mode
# (Binder gives a session ~2 GB: keep every kernel under 1.5 GiB), e.g. make memory NB=notebooks/03_conv_cost.ipynb;
# MEMORY_ARGS="--cells" shows which cells raise the peak, "--write" also saves the outputs (like make execute)
memory: $(STAMP) ## peak kernel memory of each notebook in full mode (NB=... for some)
	$(BIN)/python tests/notebook_memory.py $(MEMORY_ARGS) $(if $(filter command line,$(origin NB)),$(NB))

# A tool for authors, not part of `make test`: plants bugs in a copy of the repository and
# lists those no test catches, e.g. make mutate MUTATE_ARGS="--random 80 --seed 1"
mutate: $(STAMP) ## plant bugs in the core modules and report the ones the tests miss
	$(BIN)/python tests/mutate.py $(MUTATE_ARGS)

# A tool for authors, not part of `make test`: the numerics-sensitive tests and the notebooks whose
# checked outputs depend on training or timing, under five emulated CPUs (tests/portability.py);
# ARGS="--variants here zen", ARGS=--list. Where floors come from: tests/floor_distributions.py.
portability: $(STAMP) ## sensitive tests and notebooks under emulated CPUs (ISA caps, kernels, threads)
	$(BIN)/python tests/portability.py $(ARGS)

# A maintainer's early warning, not part of `make test`: the newest releases of the direct
# dependencies in .venv-upgrade (the pins stay), then the fast suite; prints what moved and broke.
upgrade-check: ## newest releases of the dependencies in .venv-upgrade, then the fast suite
	$(PYTHON) tests/upgrade_check.py $(ARGS)

clean: ## remove the virtual environment, caches, the built site and slides
	rm -rf $(VENV) .venv-upgrade .pytest_cache _build book/node_modules web/node_modules
	find . -name __pycache__ -prune -exec rm -rf {} +
