# Two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Sized so that `make run` serves its first page in under 90 s on a fresh machine.
DEMO_RESPONSES ?= 3000
DEMO_EARLIER ?= 2000
# The PostgreSQL run of the suite happens when this is set (.ci/run sets it).
SURVEY_TEST_DATABASE_URL ?=
CATALOGS := $(wildcard survey/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test test-sqlite test-postgresql lint lock bench-smoke translations messages clean

run: $(VENV)/.installed-run translations
	@scripts/system-packages
	@mkdir -p instance
	SURVEY_ENV=$${SURVEY_ENV:-development} $(FLASK) db upgrade
	SURVEY_ENV=$${SURVEY_ENV:-development} $(FLASK) demo seed --if-empty --dossiers --households --responses $(DEMO_RESPONSES) --earlier $(DEMO_EARLIER) --analyse
	@SURVEY_ENV=$${SURVEY_ENV:-development} $(FLASK) demo accounts
	@echo "Serving the platform on http://127.0.0.1:$(PORT), with a job worker beside it"
	SURVEY_ENV=$${SURVEY_ENV:-development} $(BIN)/python scripts/serve $(PORT)

# The SQLite and PostgreSQL passes run side by side: each spends much of its time waiting
# (on the database, the browser, a job worker), so on two cores the pair takes little more
# than the longer one. Each pass's output is printed whole when it ends.
test: $(VENV)/.installed-test translations lint
	@scripts/system-packages test
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite \
	  $(if $(SURVEY_TEST_DATABASE_URL),test-postgresql)

test-sqlite:
	env -u SURVEY_TEST_DATABASE_URL -u SURVEY_TEST_REQUIRE_POSTGRES $(BIN)/pytest -p no:cacheprovider

test-postgresql:
	SURVEY_TEST_REQUIRE_POSTGRES=1 $(BIN)/pytest -p no:cacheprovider

# Every bench at a tiny size (bench/smoke.py): each must run and do its work, so that
# none rots between the runs at full size. .ci/run runs it after the suite.
bench-smoke: $(VENV)/.installed-test translations
	$(BIN)/python bench/smoke.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The virtualenv is installed from the lock files (exact versions, checked by hash) and
# rebuilt when they change. `make run` installs what running needs; `make test` adds the
# test and development tools. The project itself is built from the locked setuptools and
# Babel, without fetching a build environment.
$(VENV)/.installed-run: requirements/run.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile --require-hashes --no-deps -r requirements/run.txt
	$(BIN)/pip install --quiet --no-compile --no-deps --no-build-isolation -e .
	@# Bytecode on every core, without the libraries' own test suites (pip compiles every
	@# file on one); an optimisation, so a file that will not compile does not stop us.
	-@$(BIN)/python -m compileall -q -j0 -x '/tests?/' $(VENV)/lib > /dev/null 2>&1
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run requirements/test.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	@touch $@

# After changing pyproject.toml's dependencies: write the lock files again (the newest
# versions the ranges allow, with their hashes), then `make test`.
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu pyproject.toml requirements/build.in
lock: $(VENV)/.installed-test
	$(LOCK) -o requirements/run.txt
	$(LOCK) --extra test --extra dev -o requirements/test.txt

translations: $(CATALOGS:.po=.mo)

%.mo: %.po $(VENV)/.installed-run
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing interface strings: extract them, then translate the new entries.
messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location -o survey/translations/messages.pot .
	$(BIN)/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name '*.mo' -path './survey/*' -delete
