# Sky Park platform. `make run` starts everything on embedded defaults; `make test` runs
# the suite. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL / Redis instead.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format messages bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Sky Park on http://127.0.0.1:8000 (admin: /admin/, API docs: /api/docs/). Ctrl-C stops it all."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l ru -l ky -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) -m bench $(if $(S),--scenario $(S)) $(BENCH_ARGS)

clean:
	rm -rf var/broker var/mail var/sms
