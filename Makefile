# Testimony Archive. `make run` serves the archive; `make test` runs the whole suite.
# Both build .venv from the hash-locked requirements first, so they work on a fresh machine.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: venv venv-main run setup serve test lint format lock check clean

venv: $(VENV)/.dev-installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	@# Debian ships venv without ensurepip unless python3-venv is installed; fall back to
	@# fetching the locked pip wheel from PyPI and checking its hash.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(PYTHON) -m venv --without-pip $(VENV) && \
		$(BIN)/python scripts/bootstrap_pip.py requirements/dev.lock; }

$(VENV)/.main-installed: requirements/main.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/main.lock
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	touch $@ $(VENV)/.main-installed

venv-main: $(VENV)/.main-installed

# Migrate, load and index the seeds, and make the first archivist account.
setup: venv-main
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seeds
	$(BIN)/python manage.py import_gazetteer seeds/gazetteer/xjdp-camps-v1.csv
	$(BIN)/python manage.py rebuild_index --if-empty
	$(BIN)/python manage.py ensure_dev_admin

# The index worker runs beside the web server, so every edit reaches search within a second;
# stopping `make run` stops both.
run: setup
	@$(BIN)/python manage.py index_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: gunicorn with the production settings, WhiteNoise for static files, and the
# index worker as its own process. Needs SECRET_KEY (and the rest of .env.example) in the
# environment; docs/deploy.md has the systemd units that replace this on a server.
PROD := DJANGO_SETTINGS_MODULE=config.settings.production
serve: venv-main
	$(PROD) $(BIN)/python manage.py migrate --noinput
	$(PROD) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PROD) $(BIN)/python manage.py load_seeds
	$(PROD) $(BIN)/python manage.py import_gazetteer seeds/gazetteer/xjdp-camps-v1.csv
	$(PROD) $(BIN)/python manage.py rebuild_index --if-empty
	@$(PROD) $(BIN)/python manage.py index_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PROD) $(BIN)/gunicorn --config config/gunicorn.py config.wsgi

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=check-only-$$(date +%s)-not-a-real-secret-key-padding-0123456789 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Re-lock after changing pyproject.toml.
lock: venv
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links -o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
