# The two set-up commands: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

# $(call quietly,COMMAND): run it, showing its output only if it fails, so that what a
# newcomer must read (make run's sign-ins, a failure) is not lost among install lines.
quietly = @out=$$($(1) 2>&1) || { printf '%s\n' "$$out"; echo "make: failed: $(1)" >&2; exit 1; }

.PHONY: run test test-browser test-faults prod-check restore-drill fuzz install install-dev assets migrate seed lint format typecheck clean

$(BIN)/activate:
	@echo "Making the virtual environment in $(VENV)/"
	$(call quietly,$(PYTHON) -m venv $(VENV))
	$(call quietly,$(BIN)/pip install --upgrade pip)

$(VENV)/.installed: requirements.txt $(BIN)/activate
	@echo "Installing the Python packages (requirements.txt)"
	$(call quietly,$(BIN)/pip install -r requirements.txt)
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	@echo "Installing the test tools (requirements-dev.txt)"
	$(call quietly,$(BIN)/pip install -r requirements-dev.txt)
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Front end: npm packages pinned in package-lock.json, copied into app/static/ (git-ignored),
# which the app serves at /assets: the compiled CSS asks for /assets/fonts and /assets/images.
STATIC := app/static
GOVUK := node_modules/govuk-frontend/dist/govuk
MOJ := node_modules/@ministryofjustice/frontend/moj

node_modules/.installed: package.json package-lock.json
	@echo "Installing the front-end packages (package-lock.json)"
	$(call quietly,npm ci --no-audit --no-fund)
	@touch $@

$(STATIC)/.copied: node_modules/.installed $(wildcard frontend/*.css frontend/*.js)
	@echo "Copying the front-end assets into $(STATIC)/"
	@rm -rf $(STATIC)
	@mkdir -p $(STATIC)/images
	@cp $(MOJ)/moj-frontend.min.css $(MOJ)/moj-frontend.min.css.map $(STATIC)/
	@cp $(MOJ)/moj-frontend.min.js $(MOJ)/moj-frontend.min.js.map $(STATIC)/
	@cp $(MOJ)/assets/images/* $(STATIC)/images/
	@cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.css.map $(STATIC)/
	@cp $(GOVUK)/govuk-frontend.min.js $(GOVUK)/govuk-frontend.min.js.map $(STATIC)/
	@cp -R $(GOVUK)/assets/fonts $(STATIC)/fonts
	@cp $(GOVUK)/assets/images/* $(STATIC)/images/
	@cp $(GOVUK)/assets/manifest.json $(STATIC)/
	@cp frontend/*.css frontend/*.js $(STATIC)/
	@touch $@

assets: $(STATIC)/.copied

migrate: install
	@echo "Migrating the database"
	$(call quietly,$(FLASK) db upgrade)

seed: migrate
	$(FLASK) seed-demo

# The Procfile's processes, under honcho (one Ctrl-C stops them all): demo-serve seeds the
# demo data and serves it, printing the sign-ins last of all; the worker delivers the
# notifications (to the log, and the admin Outbox page, unless SMTP_URL is set); the clock
# writes the working-day deadline reminders (`sla tick --every 60`, docs/deadlines.md); the
# lifecycle tick expires approved accounts and reminds of openings and reviews
# (`lifecycle tick --every 300`, docs/accounts.md).
run: migrate assets
	@$(BIN)/honcho start --no-prefix --port $(PORT)

# tests/browser/ runs in the same pytest run: Playwright (requirements-dev.txt) driving
# Debian's Chromium at /usr/bin/chromium (or $PERMIT_CHROMIUM), checked with axe-core
# (package.json). Without Chromium those tests skip with one line; .ci/run installs it.
# pytest-xdist runs the tests on every core: TEST_WORKERS=0 runs them in one process.
# tests/faults/ (marked `faults`) are left to `make test-faults`.
TEST_WORKERS ?= auto
test: install-dev assets
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not faults" $(PYTEST_ARGS)

# Faults under production settings (docs/deploy.md): real gunicorn instances on PostgreSQL
# and Redis, killed with SIGKILL, cut off from the database and from Redis through a TCP
# proxy, raced 50 at a time. Each test makes its own database on TEST_DATABASE_URL's
# server (the machine's PostgreSQL by default) and drops it.
test-faults: export TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
test-faults: install-dev assets
	$(BIN)/python -m pytest -n 0 -p no:randomly -m faults tests/faults $(PYTEST_ARGS)

# Two gunicorn instances on PostgreSQL and Redis, a journey across both (tools/prod_check.py).
prod-check: install assets
	$(BIN)/python tools/prod_check.py

# docs/deploy.md's restore drill, end to end: anchor, pg_dump, restore, audit verify.
restore-drill: install
	bash tools/restore_drill.sh

test-browser: install-dev assets
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

# The JSON API fuzzed from its OpenAPI document for longer than `make test` does (10 examples
# per operation there). FUZZ_EXAMPLES=2000 make fuzz for longer still.
FUZZ_EXAMPLES ?= 500
fuzz: install-dev
	PERMIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/api/test_fuzz.py $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install-dev
	$(BIN)/mypy app

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis node_modules $(STATIC)
