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

# Two workers (the CI machines have two cores), each with its own test database and demo; a file stays on one
# worker so that a browser module starts one demo server.
test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
