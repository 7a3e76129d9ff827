# mfaops.cognito: set up, build and test. `make help` lists the targets.
#
# Every target that needs tools first makes .venv (Python 3.12+ when one is found, else
# 3.11; pinned versions from tests/requirements/ansible-*.txt). A re-run installs nothing
# unless the requirements file changed. PYTHON=/path/to/python3.12 picks the interpreter.
#
# The version matrix: ANSIBLE_CORE=2.17 runs a target with .venv-2.17 (pins and Python from
# tests/requirements/ansible-2.17.txt) and its own build/collections-2.17. `make test` runs
# every suite on the newest entry, then sanity, unit and demo on each entry of MATRIX.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ANSIBLE_CORE ?=
MATRIX ?= 2.17 2.18 2.19 2.20
MATRIX_SUITES ?= sanity unit demo
NEWEST_SUITES ?= sanity lint unit integration demo changelog-lint docs-lint docs
VENV ?= $(if $(ANSIBLE_CORE),.venv-$(ANSIBLE_CORE),.venv)
VENV_DIR := $(abspath $(VENV))
PY := $(VENV_DIR)/bin/python
COLLECTIONS := $(CURDIR)/build/collections$(if $(ANSIBLE_CORE),-$(ANSIBLE_CORE))
COLLECTION_DIR := $(COLLECTIONS)/ansible_collections/mfaops/cognito
PYTEST_ARGS ?=
BENCH_ARGS ?=
# Seconds one test may take before pytest-timeout fails it (a hung test must not hang CI).
UNIT_TIMEOUT ?= 300
INTEGRATION_TIMEOUT ?= 1200
# Integration tests run side by side (pytest-xdist), each worker with its own stand-in: much of a
# test's time is spent waiting (rate limits, the next TOTP step), not on the 2 CPUs.
INTEGRATION_WORKERS ?= 3
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

.PHONY: help venv collection sanity lint unit integration test matrix demo bench docs docs-lint \
	changelog changelog-lint dist standin standin-stop clean distclean conformance conformance-clean

help:
	@echo "make demo         run the demo against a local Cognito stand-in"
	@echo "make test         every suite on the newest ansible-core, then the version matrix (non-zero on any failure)"
	@echo "make matrix       sanity + unit + demo on each older ansible-core of MATRIX ($(MATRIX))"
	@echo "make sanity       ansible-test sanity on build/collections/.../mfaops/cognito"
	@echo "make lint         ansible-lint, production profile"
	@echo "make unit         pytest tests/unit"
	@echo "make integration  pytest tests/integration (ansible-playbook against the stand-in)"
	@echo "make bench        benchmarks against the stand-in and the quota proxy (BENCH_ARGS='--part account'), chart in build/bench/"
	@echo "make conformance  the conformance probes against the stand-in (TARGET=aws: a real account, see docs/conformance.md)"
	@echo "make conformance-clean  delete the user pools a killed conformance run left (TARGET=aws or CONFORMANCE_ENDPOINT_URL)"
	@echo "make standin      start the local Cognito stand-in with the example pools (make standin-stop ends it)"
	@echo "make docs         documentation site (antsibull-docs + Sphinx) in build/docs/html"
	@echo "make docs-lint    antsibull-docs lint-collection-docs"
	@echo "make changelog    write CHANGELOG.md from changelogs/ (antsibull-changelog)"
	@echo "make changelog-lint  antsibull-changelog lint (the fragments in changelogs/fragments/)"
	@echo "make dist         build the collection tarball into build/dist/"
	@echo "make collection   copy the tree to build/collections/ansible_collections/mfaops/cognito"
	@echo "make venv         create/update .venv only"
	@echo "make clean        remove build/ and test output; 'make distclean' also removes .venv"
	@echo "Options: PYTHON=/path/to/python3.12  PYTEST_ARGS='-k name'  SANITY_ARGS='--test pep8'  INTEGRATION_WORKERS=1"
	@echo "         ANSIBLE_CORE=2.17 (one matrix entry)  MATRIX='2.17 2.20'  NEWEST_SUITES='unit demo'"

venv:
	@ANSIBLE_CORE="$(ANSIBLE_CORE)" tests/tools/venv.sh "$(VENV_DIR)"

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
	@$(RUN_ENV) PYTEST_TIMEOUT=$(INTEGRATION_TIMEOUT) tests/tools/pytest.sh tests/integration -n $(INTEGRATION_WORKERS) --durations=15 $(PYTEST_ARGS)

# Run every suite even when one fails, then fail if any did; say how long each took.
# The newest ansible-core first (the default .venv), then each entry of the matrix.
test: venv collection
	@failed=""; summary=""; \
	run() { label=$$1; shift; echo "==> make $$label"; start=$$(date +%s); \
	    if $(MAKE) --no-print-directory "$$@"; then result=ok; else result=FAILED; failed="$$failed $$label"; fi; \
	    summary="$$summary"$$'\n'"  $$label=$$result($$(( $$(date +%s) - start ))s)"; }; \
	newest=$$($(VENV_DIR)/bin/python -c 'import ansible.release as r; print(".".join(r.__version__.split(".")[:2]))'); \
	for suite in $(NEWEST_SUITES); do run "$$suite@$$newest" $$suite; done; \
	for core in $(MATRIX); do \
	    run "venv@$$core" ANSIBLE_CORE=$$core VENV=$(CURDIR)/.venv-$$core venv; \
	    for suite in $(MATRIX_SUITES); do run "$$suite@$$core" ANSIBLE_CORE=$$core VENV=$(CURDIR)/.venv-$$core $$suite; done; \
	done; \
	echo "make test:$$summary"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi

# The matrix alone (what `make test` runs after the newest entry).
matrix:
	@$(MAKE) --no-print-directory test NEWEST_SUITES=

demo: venv collection
	$(RUN_ENV) $(PY) tests/support/demo.py

bench: venv collection $(VENV_DIR)/.bench-requirements
	$(RUN_ENV) $(PY) benchmarks/run.py $(BENCH_ARGS)

# The chart's matplotlib, into the venv once (again when benchmarks/requirements.txt changes).
$(VENV_DIR)/.bench-requirements: benchmarks/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
	@touch $@

# The conformance kit (tests/conformance/, docs/conformance.md): the stand-in (default), any endpoint
# (CONFORMANCE_ENDPOINT_URL), or TARGET=aws with the caller's AWS_PROFILE and CONFORMANCE_CONFIRM=yes.
# Only TARGET=aws keeps the caller's AWS settings; every other run gets the fake keys of RUN_ENV.
TARGET ?=
CONFORMANCE_ENV = $(if $(filter aws,$(TARGET)),env PATH="$(VENV_DIR)/bin:$$PATH",$(RUN_ENV)) TARGET="$(TARGET)"

conformance: venv
	@$(CONFORMANCE_ENV) $(PY) -m tests.conformance run

conformance-clean: venv
	@$(CONFORMANCE_ENV) $(PY) -m tests.conformance clean

standin: venv collection
	@$(RUN_ENV) $(PY) tests/tools/standin.py start

standin-stop:
	@if [ -x "$(PY)" ]; then $(PY) tests/tools/standin.py stop; else echo "stand-in not running (no venv)"; fi

docs: venv collection
	@$(RUN_ENV) tests/tools/docs.sh build "$(COLLECTIONS)" "$(CURDIR)/build/docs"

docs-lint: venv collection
	@$(RUN_ENV) tests/tools/docs.sh lint "$(COLLECTIONS)" "$(CURDIR)/build/docs"

changelog: venv
	@PATH="$(VENV_DIR)/bin:$$PATH" antsibull-changelog lint
	@PATH="$(VENV_DIR)/bin:$$PATH" antsibull-changelog generate
	@echo "changelog: CHANGELOG.md written from changelogs/"

changelog-lint: venv
	@echo "changelog-lint: antsibull-changelog lint (changelogs/fragments/)"
	@PATH="$(VENV_DIR)/bin:$$PATH" antsibull-changelog lint

# The collection tarball as ansible-galaxy builds it with galaxy.yml's build_ignore (what a release ships).
dist: venv
	@mkdir -p build/dist
	@$(RUN_ENV) ansible-galaxy collection build --force --output-path build/dist .

clean: standin-stop
	rm -rf build tests/output .pytest_cache .hypothesis .ansible

distclean: clean
	rm -rf "$(VENV_DIR)" $(CURDIR)/.venv-*
