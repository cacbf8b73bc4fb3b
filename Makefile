# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install migrate demo lint typecheck imports check messages bench worker beat

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Embedded default: SQLite in var/, tasks run in-process, demo data loaded.
run: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite; uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, SQLite otherwise.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

# The import contracts of pyproject.toml ([tool.importlinter], docs/architecture.md).
imports: $(STAMP)
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-logo

# The house's rules in one target (CI runs it): import contracts, ruff (complexity <= 15),
# mypy, and the size limits (tests/test_house.py).
check: $(STAMP)
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(PY) -m pytest -q -p no:cacheprovider tests/test_house.py

# Regenerate and compile the translation catalogues (Vietnamese source strings, English catalogue).
messages: $(STAMP)
	$(PY) manage.py makemessages -l en -l vi --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker -l info -Q default,pdf

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat -l info

# Benchmarks (bench/README.md): the rollup one on PostgreSQL (DATABASE_URL); `$(PY) -m bench pdf`
# the PDF one; `$(PY) -m bench api` the REST API load test (gunicorn + wrk, database apibench).
bench: $(STAMP)
	$(PY) -m bench
