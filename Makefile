# netsync.fleet — two commands: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: bootstrap demo test unit system sanity lint typecheck bench clean

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	@$(PY) scripts/demo.py

test: bootstrap
	@scripts/test.sh

unit: bootstrap
	@$(PY) -m pytest tests/unit -q

system: bootstrap
	@$(PY) -m pytest tests/system -q

sanity: bootstrap
	@scripts/sanity.sh

lint: bootstrap
	@scripts/lint.sh

bench: bootstrap
	@$(PY) benchmarks/run.py

clean:
	rm -rf .demo .tmp tests/output build *.tar.gz
