# gridgov: two commands. `make demo` builds and serves the demo; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test fuzz install serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gridgov demo

# Two passes. First every test that works inside a transaction on top of the session's demo, on two
# workers (the CI machines have two cores), each with its own test database and demo; a file stays on one
# worker, and the browser tests all run on one worker with one demo server (xdist groups: tests/conftest.py). Then the transactional tests (PostgreSQL races),
# which flush their database, in one process without the demo (they build what they need). The
# schemathesis pass over the API (marker fuzz) takes minutes: .ci/run runs it, and `make fuzz`.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider
test: $(STAMP)
	$(PYTEST) -n $(TEST_WORKERS) --dist loadgroup --transactional skip -m "not fuzz"
	$(PYTEST) --transactional only

fuzz: $(STAMP)
	$(PYTEST) -m fuzz tests/security/test_schemathesis.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
