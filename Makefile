# Sky Park platform. `make run` starts everything on embedded defaults; `make test` runs
# the suite. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL / Redis instead.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev migrate seed lint format messages bench clients clean

# make run installs only what the product needs (requirements.txt); the test and
# tooling packages (requirements-dev.txt) come with make test, lint and bench.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	SKYPARK_DEVELOPMENT=1 $(PY) manage.py seed_demo

run: seed
	@echo "Sky Park on http://127.0.0.1:8000 (admin: /admin/, API docs: /api/docs/). Ctrl-C stops it all."
	SKYPARK_DEVELOPMENT=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

format: install-dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l ru -l ky -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

# S=multihost: the multi-host rehearsal in network namespaces (root; bench/multihost.sh).
bench: install-dev
ifeq ($(S),multihost)
	bench/multihost.sh $(BENCH_ARGS)
else
	$(PY) -m bench $(if $(S),--scenario $(S)) $(BENCH_ARGS)
endif

# Generates the Python and TypeScript clients from a live server's /api/schema/ and runs
# the partner scenario with them (tools/partner_clients/run.py; needs node and npm).
clients: install-dev
	$(PY) tools/partner_clients/run.py

clean:
	rm -rf var/broker var/mail var/sms
