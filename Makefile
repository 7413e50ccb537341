# gridgov: two commands. `make demo` builds and serves the demo; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gridgov demo

# On SQLite two workers (the CI machines have two cores), each with its own test database and demo; a file
# stays on one worker so that a browser module starts one demo server. On PostgreSQL one process: the
# transactional race tests flush their database, which under xdist empties the demo of the tests after them.
TEST_WORKERS ?= $(if $(findstring postgres,$(DATABASE_URL)),0,2)
test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
