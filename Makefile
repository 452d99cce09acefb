# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app vez
PYBABEL:= $(VENV)/bin/pybabel
RUFF   := $(VENV)/bin/ruff
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
PORT   ?= 5000
XDIST  ?= -n 2 --dist loadgroup

.PHONY: install translations messages static db run lint test bench cluster cluster-stop clean

# PYTHONWARNINGS: setuptools' notice that an editable install can be shadowed by a same-named folder is known.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	PYTHONWARNINGS=ignore $(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Compile the catalogs (the .mo files are built, never committed; a built wheel carries its own, see setup.py).
# English is the source language: every catalog compiles quietly, then the Ukrainian one reports its statistics.
translations: install
	$(PYBABEL) -q compile -d translations
	$(PYBABEL) compile -d translations -l uk --statistics

# Re-extract message ids and merge them into the catalogs (run after changing texts).
messages: install
	flock translations/.lock sh -c '$(PYBABEL) extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --no-location --sort-output -o translations/messages.pot . && $(PYBABEL) -q update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations'

# Precompressed copies of the static files for WhiteNoise (built, never committed).
static: install
	$(PY) -m whitenoise.compress -q vez/static

db: translations
	$(FLASK) db upgrade
	$(FLASK) demo-data

# FLASK_RUN_PORT is `flask run`'s --port, and the development default of EXTERNAL_URL follows it: the links in
# letters and the gateway's return address point at this port (unless VEZ_EXTERNAL_URL says otherwise).
run: translations static db
	FLASK_RUN_PORT=$(PORT) $(FLASK) run --debug

lint: install
	$(RUFF) check .
	$(RUFF) format --check .

# The whole suite on SQLite; again on PostgreSQL (browser tests aside) when VEZ_TEST_DATABASE_URL is set.
test: lint translations static
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)
	@if [ -n "$$VEZ_TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL"; \
	  VEZ_TEST_BACKEND=postgres $(PY) -m pytest $(XDIST) -m "not browser" $(PYTEST_ARGS); \
	else echo "VEZ_TEST_DATABASE_URL unset: PostgreSQL run skipped"; fi

# The production topology on this machine (scripts/cluster; README, "Production"): PostgreSQL, Redis, two gunicorn
# hosts behind nginx on http://127.0.0.1:$(PORT_CLUSTER), two queue workers, two schedulers. Again: starts what stopped.
PORT_CLUSTER := $(if $(filter command line environment,$(origin PORT)),$(PORT),8080)
cluster: translations static
	PORT=$(PORT_CLUSTER) $(PY) scripts/cluster start

cluster-stop:
	python3 scripts/cluster stop

# BENCH_ONLY=pages runs only issue 16's page budgets (BENCH_DBS=small: without the 500 000-account database);
# figures in bench/results.json (BENCH_JSON); exit 1 when a budget fails (bench/__main__.py).
bench: translations static
	$(PY) -m bench

clean:
	rm -rf $(VENV) instance/*.sqlite3 translations/*/LC_MESSAGES/*.mo
	find vez/static -name '*.gz' -o -name '*.br' | xargs rm -f
