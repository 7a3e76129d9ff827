# mfaops.cognito: set up, build and test. `make help` lists the targets.
#
# Every target that needs tools first makes .venv (Python 3.12+ when one is found, else
# 3.11; pinned versions from tests/requirements-py3*.txt). A re-run installs nothing
# unless the requirements file changed. PYTHON=/path/to/python3.12 picks the interpreter.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
VENV_DIR := $(abspath $(VENV))
PY := $(VENV_DIR)/bin/python
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_DIR := $(COLLECTIONS)/ansible_collections/mfaops/cognito
PYTEST_ARGS ?=
# Seconds one test may take before pytest-timeout fails it (a hung test must not hang CI).
UNIT_TIMEOUT ?= 300
INTEGRATION_TIMEOUT ?= 1200
SANITY_ARGS ?=
LINT_ARGS ?=

# What ansible-playbook, pytest, the demo and the benchmark run with: the venv's tools
# first on PATH, this collection from build/ (amazon.aws from the venv's site-packages),
# and fake AWS credentials (no profile, no config file), so nothing can reach a real account.
RUN_ENV := env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_SECURITY_TOKEN \
	-u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER \
	PATH="$(VENV_DIR)/bin:$$PATH" \
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

.PHONY: help venv collection sanity lint unit integration test demo bench clean distclean

help:
	@echo "make demo         run the demo against a local Cognito stand-in"
	@echo "make test         sanity + lint + unit + integration (non-zero on any failure)"
	@echo "make sanity       ansible-test sanity on build/collections/.../mfaops/cognito"
	@echo "make lint         ansible-lint, production profile"
	@echo "make unit         pytest tests/unit"
	@echo "make integration  pytest tests/integration (ansible-playbook against the stand-in)"
	@echo "make bench        benchmark against the stand-in"
	@echo "make collection   copy the tree to build/collections/ansible_collections/mfaops/cognito"
	@echo "make venv         create/update .venv only"
	@echo "make clean        remove build/ and test output; 'make distclean' also removes .venv"
	@echo "Options: PYTHON=/path/to/python3.12  PYTEST_ARGS='-k name'  SANITY_ARGS='--test pep8'"

venv:
	@tests/tools/venv.sh "$(VENV_DIR)"

collection:
	@tests/tools/build_collection.sh "$(COLLECTION_DIR)"

sanity: venv collection
	@tests/tools/sanity.sh "$(VENV_DIR)" "$(COLLECTION_DIR)" $(SANITY_ARGS)

lint: venv collection
	@echo "lint: ansible-lint (production profile) in $(COLLECTION_DIR)"
	@cd "$(COLLECTION_DIR)" && $(RUN_ENV) ansible-lint $(LINT_ARGS)

unit: venv collection
	@$(RUN_ENV) PYTEST_TIMEOUT=$(UNIT_TIMEOUT) tests/tools/pytest.sh tests/unit $(PYTEST_ARGS)

integration: venv collection
	@$(RUN_ENV) PYTEST_TIMEOUT=$(INTEGRATION_TIMEOUT) tests/tools/pytest.sh tests/integration $(PYTEST_ARGS)

# Run every suite even when one fails, then fail if any did.
test: venv collection
	@failed=""; summary=""; \
	for suite in sanity lint unit integration; do \
	    echo "==> make $$suite"; start=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$suite; then result=ok; else result=FAILED; failed="$$failed $$suite"; fi; \
	    summary="$$summary $$suite=$$result($$(( $$(date +%s) - start ))s)"; \
	done; \
	echo "make test:$$summary"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi

demo: venv collection
	$(RUN_ENV) $(PY) tests/support/demo.py

bench: venv collection
	$(RUN_ENV) $(PY) benchmarks/run.py

clean:
	rm -rf build tests/output .pytest_cache .hypothesis .ansible

distclean: clean
	rm -rf "$(VENV_DIR)"
