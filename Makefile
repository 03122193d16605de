# Attribution Lab: `make demo` starts everything, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo room test lint format install install-dev migrate demo-data bench clean real-chrome native

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo-data: migrate
	$(PY) manage.py load_demo_data

## Start every party, a Celery worker and Celery beat; Ctrl-C stops them all.
demo: demo-data
	$(PY) manage.py rundemo

## Serve a workshop room: gunicorn, Celery workers and beat on PostgreSQL and Redis; Ctrl-C stops them all.
## DATABASE_URL and CELERY_BROKER_URL, else the local PostgreSQL and Redis (see "Serving a room" in the README).
room: install
	$(PY) manage.py runroom

## Lint and run the whole test suite.
test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Fetch Chrome 149 (it still ships ARA) with npm into the user's cache; a no-op when it is there.
real-chrome:
	$(PYTHON) -m native install

## Chrome 149 walks the workshop against the running demo (`make demo` in another terminal, same ARA_PORT).
## Options: make native NATIVE_ARGS="--headful --keep-open" (see python manage.py real_chrome --help).
native: install real-chrome
	$(PY) manage.py real_chrome $(NATIVE_ARGS)

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf var/celery var/*.sqlite3* var/celerybeat-schedule*
