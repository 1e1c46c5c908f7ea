# PrepLab's two front doors: `make run` and `make test` (plus `make bench`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.app-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test bench lint import serve clean vendor labs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# The dev extra holds the app's own dependencies too: one pip run on a fresh machine, not two.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(APP_STAMP) $@

# The labs' PyTorch: the pinned CPU build by default (what pip finds for torch==2.13.0 here; runs every lab at its
# toy size). For a CUDA build, name PyTorch's index for your CUDA version, e.g.
#   make labs TORCH_INDEX=https://download.pytorch.org/whl/cuXYZ TORCH_REINSTALL=--force-reinstall  (cuXYZ: your CUDA)
TORCH_VERSION := 2.13.0
TORCH_INDEX ?=
TORCH_REINSTALL ?=
labs: $(APP_STAMP)  ## install the labs extra (torch, peft, transformers) so that /labs can run them here
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH_REINSTALL) \
		--index-url $(TORCH_INDEX) torch==$(TORCH_VERSION))
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[labs]'

run: $(APP_STAMP)  ## create .venv, install, migrate, import content/, serve on http://127.0.0.1:8000
	$(BIN)/preplab import
	$(BIN)/preplab serve

import: $(APP_STAMP)
	$(BIN)/preplab import

serve: $(APP_STAMP)
	$(BIN)/preplab serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check app labs solutions tests migrations
	$(BIN)/mypy app

# The suite runs twice, side by side: on SQLite, and on PostgreSQL (PREPLAB_TEST_POSTGRES_URL's server, else a
# throwaway cluster from Debian's binaries, else skipped with a line saying how to enable it; with CI=true it must
# run). PREPLAB_TEST_WORKERS=N gives each half N pytest-xdist workers (tests/suite.py). `mypy app` runs beside the
# two halves (--mypy), and fails the run as a failing half does.
test: $(DEV_STAMP)  ## install what tests need, lint, run the whole suite on SQLite and on PostgreSQL
	$(BIN)/ruff check app labs solutions tests migrations
	$(BIN)/python -m tests.suite --mypy

bench: $(DEV_STAMP)  ## benchmarks: figures printed as ratios to a baseline measured in the same run
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) preplab.db preplab.db-wal preplab.db-shm

HTMX_VERSION := 2.0.11
KATEX_VERSION := 0.19.1
UPLOT_VERSION := 1.6.32
SWAGGER_UI_VERSION := 5.35.0
REDOC_VERSION := 2.5.4
vendor:  ## refresh static/vendor/ from the npm registry (htmx, KaTeX, uPlot, Swagger UI, ReDoc)
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp static/vendor/htmx static/vendor/katex/fonts static/vendor/uplot \
		static/vendor/swagger-ui static/vendor/redoc
	cd .vendor-tmp && npm pack --silent htmx.org@$(HTMX_VERSION) katex@$(KATEX_VERSION) uplot@$(UPLOT_VERSION) \
		swagger-ui-dist@$(SWAGGER_UI_VERSION) redoc@$(REDOC_VERSION) >/dev/null \
		&& for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cp .vendor-tmp/htmx.org-$(HTMX_VERSION)/package/dist/htmx.min.js static/vendor/htmx/
	cp .vendor-tmp/katex-$(KATEX_VERSION)/package/dist/katex.min.js .vendor-tmp/katex-$(KATEX_VERSION)/package/dist/katex.min.css \
		.vendor-tmp/katex-$(KATEX_VERSION)/package/dist/contrib/auto-render.min.js static/vendor/katex/
	cp .vendor-tmp/katex-$(KATEX_VERSION)/package/dist/fonts/*.woff2 static/vendor/katex/fonts/
	cp .vendor-tmp/uplot-$(UPLOT_VERSION)/package/dist/uPlot.esm.js .vendor-tmp/uplot-$(UPLOT_VERSION)/package/dist/uPlot.min.css \
		static/vendor/uplot/
	cp .vendor-tmp/uplot-$(UPLOT_VERSION)/package/LICENSE static/vendor/uplot/LICENSE
	cp .vendor-tmp/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/swagger-ui-bundle.js \
		.vendor-tmp/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/swagger-ui.css \
		.vendor-tmp/swagger-ui-dist-$(SWAGGER_UI_VERSION)/package/LICENSE static/vendor/swagger-ui/
	cp .vendor-tmp/redoc-$(REDOC_VERSION)/package/bundles/redoc.standalone.js \
		.vendor-tmp/redoc-$(REDOC_VERSION)/package/LICENSE static/vendor/redoc/
	rm -rf .vendor-tmp
