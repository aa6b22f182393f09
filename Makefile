# Médianum — one command to run, one command to check. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MEDIANUM_HOME ?= $(CURDIR)/.medianum-demo
export MEDIANUM_HOME

.PHONY: run test lint typecheck pytest bench mutation catalogs translations demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt installer/system-deps.sh
	./installer/system-deps.sh --with-tests
	command -v $(PYTHON) >/dev/null || { echo "Python 3.11 est requis ($(PYTHON))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled message catalogs are build products: never committed, rebuilt when a .po changes.
PO_FILES := $(wildcard resources/locale/*/LC_MESSAGES/medianum.po)
MO_FILES := $(PO_FILES:.po=.mo)
%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -D medianum -i $< -o $@ -l $(word 3,$(subst /, ,$<))

translations: $(MO_FILES)

run: $(VENV)/.installed translations
	$(PY) main.py demo --si-absente
	$(PY) main.py

demo: $(VENV)/.installed translations
	$(PY) main.py demo

test: $(VENV)/.installed translations lint typecheck pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy core mediation pass_numerique lieux fragilite ui main.py selftest.py domaines.py

# Offscreen for the GUI suite; the maps' tests start their own Xvfb (tests/gui/conftest.py) and
# run the real web engine there, so no display server is needed.
pytest: $(VENV)/.installed translations
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadfile

bench: $(VENV)/.installed translations
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

# Mutation testing of the modules where a bug costs money or rights (pyproject [tool.mutmut]);
# not part of `make test` (22 minutes on 2 cores: docs/performance.md). Prints a score per
# module and the survivors. MUTANTS narrows the run to mutant-name globs, e.g.
# `make mutation MUTANTS='pass_numerique.qr.* pass_numerique.serials.*'`; MUTATION_CHILDREN
# sets the workers (one per free core) of the coverage run, of mypy's pre-filter and of the
# mutants.
$(VENV)/.mutation-installed: requirements-mutation.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-mutation.txt
	touch $@

MUTATION_CHILDREN ?= 2
MUTANTS ?=
# typecheck first: mutmut's mypy pre-filter needs the unmutated tree clean, and reuses its cache.
mutation: $(VENV)/.mutation-installed translations typecheck
	rm -rf mutants
	@date -u +"début : %H:%M:%S"
	QT_QPA_PLATFORM=offscreen PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(PY) -m tools.mutation_run run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	@date -u +"fin : %H:%M:%S"
	$(PY) -m tools.mutation_report

# Re-extract the user-visible strings and merge them into the French and English catalogs.
catalogs: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --sort-output \
		--no-location --omit-header -o resources/locale/medianum.pot .
	$(VENV)/bin/pybabel update -D medianum -i resources/locale/medianum.pot -d resources/locale \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) $(MO_FILES)
