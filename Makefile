# `make run` starts the API on an embedded default (SQLite, in-process jobs, mail to the log);
# `make test` runs ruff, import-linter, mypy and pytest. Both set up .venv and the system libraries first.
# `make test-frontend` tests the TypeScript client and the WarpDrive integration in frontend-contract/
# against the real service; `make test-browser` drives the reference Ember app
# (frontend-contract/demo) in headless Chromium.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

# cairo and pango render badges; the Noto and DejaVu fonts cover every script attendees use;
# poppler-utils (pdffonts, pdfimages, pdftoppm) lets the tests read PDFs as a printer would;
# ghostscript converts print output (options.output "print") to PDF/X in CMYK, with its own profile,
# in chunks of pages that qpdf joins (api/render/printready.py).
SYSTEM_PACKAGES := libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libpangoft2-1.0-0 fontconfig \
	fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji poppler-utils \
	ghostscript qpdf
# The tests also drive the service with curl (the README walk-through) and a real browser, and
# scan the QR codes they print with zbarimg; qpdf --check reads joined PDFs as strictly as a printer.
TEST_SYSTEM_PACKAGES := $(SYSTEM_PACKAGES) curl chromium zbar-tools
# The benchmarks compare the engine with rsvg-convert (librsvg) and load the HTTP API with wrk.
BENCH_SYSTEM_PACKAGES := $(SYSTEM_PACKAGES) librsvg2-bin wrk

.PHONY: run test test-sqlite test-postgres test-frontend test-browser bench bench-runtime bench-http bench-peers lint typecheck format system-deps test-system-deps bench-system-deps venv clean

venv: $(BIN)/.installed

$(BIN)/.installed: requirements/base.txt requirements/test.txt requirements/dev.txt requirements/prod.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt -r requirements/prod.txt
	@touch $@

system-deps: PACKAGES = $(SYSTEM_PACKAGES)
test-system-deps: PACKAGES = $(TEST_SYSTEM_PACKAGES)
bench-system-deps: PACKAGES = $(BENCH_SYSTEM_PACKAGES)
system-deps test-system-deps bench-system-deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
		for package in $(PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
		done; \
	fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Missing system packages:$$missing"; \
			echo "Install them with: sudo apt-get install$$missing"; \
		fi; \
	fi

run: system-deps venv
	$(BIN)/python manage.py db upgrade
	$(BIN)/python manage.py run --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: test-system-deps venv lint typecheck
	$(BIN)/pytest

test-sqlite: test-system-deps venv
	TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: test-system-deps venv
	TEST_DATABASE=postgres $(BIN)/pytest

# The TypeScript client (frontend-contract/packages/client) and the WarpDrive integration
# (packages/warp-drive) against the real service, which their tests start themselves (SQLite in a
# temporary folder, via packages/test-support). Needs Node.js 20 or later with npm: the locked
# packages, the build, a check that the generated types match openapi.yaml and a type check of the
# WarpDrive tests, the tests (about 1.5 minutes).
test-frontend: test-system-deps venv
	@command -v npm >/dev/null 2>&1 || { echo "test-frontend needs Node.js 20 or later with npm"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "test-frontend needs Node.js 20 or later, not $$(node --version)"; exit 1; }
	cd frontend-contract && npm ci --no-audit --no-fund
	cd frontend-contract && npm run build
	cd frontend-contract && npm run check-types
	cd frontend-contract && BADGES_PYTHON=$(abspath $(BIN))/python npm test

# The reference Ember app (frontend-contract/demo) in Debian's headless Chromium (playwright-core,
# no downloaded browser): the locked packages, the packages' build, then browser-test/run.mjs, which
# builds the demo for production against a fresh API on loopback (SQLite in a temporary folder,
# CORS_ORIGINS = the demo's origin), serves it from a second port and drives every flow, with
# axe-core on each screen. Screenshots (desktop and phone) go to frontend-contract/demo/test-results/.
test-browser: test-system-deps venv
	@command -v npm >/dev/null 2>&1 || { echo "test-browser needs Node.js 20 or later with npm"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "test-browser needs Node.js 20 or later, not $$(node --version)"; exit 1; }
	@test -x /usr/bin/chromium || { echo "test-browser needs Chromium at /usr/bin/chromium (apt-get install chromium)"; exit 1; }
	cd frontend-contract && npm ci --no-audit --no-fund
	cd frontend-contract && npm run build
	cd frontend-contract && BADGES_PYTHON=$(abspath $(BIN))/python npm run test:browser

# Not part of `make test`: about 13 minutes, most of it in the slow baselines.
bench: bench-system-deps venv
	$(BIN)/python tests/benchmarks/bench_render.py

# Previews and small jobs from outside (make run and gunicorn + PostgreSQL), about 2 minutes.
bench-runtime: bench-system-deps venv
	$(BIN)/python tests/benchmarks/bench_runtime.py

# Authenticated reads under wrk beside a bare endpoint, about 2 minutes.
bench-http: bench-system-deps venv
	$(BIN)/python tests/benchmarks/bench_http.py

# The engine beside Typst, reportlab and rsvg-convert on realistic unique names (issue 15), with
# the peers pinned in requirements/bench.txt (benchmark only). About an hour at 1,000 and 10,000
# badges with QR codes; pass e.g. BENCH_PEERS_ARGS="--sizes 1000 --json peers.json".
bench-peers: bench-system-deps venv
	$(BIN)/python -m pip install --quiet -r requirements/bench.txt
	$(BIN)/python tests/benchmarks/bench_peers.py $(BENCH_PEERS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
