# make run   install what is missing, bring the database up to date, load the demo data, serve on
#            HOST:PORT (127.0.0.1:5000 unless told: make run HOST=0.0.0.0 PORT=8000)
# make test  install what is missing, run the whole suite on SQLite, then on a throw-away PostgreSQL
# make lint  ruff check and ruff format --check
# make migration m="what changed"   a new revision in migrations/versions/ for the changed models

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/pyproject.installed.toml
FLASK := $(BIN)/flask --app proposals
# the suite runs across the machine's cores (JOBS=0: in this process alone); a test file stays on one worker
JOBS ?= $(shell nproc)
# --durations: the slowest tests, printed at the end of each run, to keep the suite short
PYTEST := $(BIN)/python -m pytest -n $(JOBS) --dist loadfile --durations=25
ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# System packages (Debian's) the tests need, each with the check that tells it is there.
TEST_PACKAGES := postgresql chromium openssl slapd ldap-utils nodejs npm
have_postgresql := compgen -G '/usr/lib/postgresql/*/bin/initdb'
# the browser tests (tests/browser/) drive it through Playwright, which needs no chromedriver
have_chromium := test -x /usr/bin/chromium
have_openssl := command -v openssl
# tests/ldap_server.py starts its own OpenLDAP server (slapd, slapadd); ldap-utils: ldapsearch, to look by hand
have_slapd := test -x /usr/sbin/slapd -a -x /usr/sbin/slapadd
have_ldap-utils := command -v ldapsearch
# the OpenID Connect provider the sign-in tests start (tests/oidc/provider.mjs, node's oidc-provider)
have_nodejs := command -v node
have_npm := command -v npm
OIDC_PROVIDER := tests/oidc/node_modules/.installed

.PHONY: run test test-sqlite test-postgres lint migration install catalogs test-packages test-oidc-provider

run: install catalogs
	$(FLASK) db upgrade
	@if $(FLASK) --help 2>/dev/null | grep -qE '^ +seed-demo( |$$)'; then \
		$(FLASK) seed-demo; \
	else \
		echo "(no seed-demo command yet: starting without demo data)"; \
	fi
	$(FLASK) run --host $(HOST) --port $(PORT)

# Both runs always happen; the result fails when either does.
test: install catalogs test-packages
	@status=0; \
	echo "=== tests on SQLite ==="; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	echo "=== tests on PostgreSQL ==="; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

test-sqlite: install catalogs test-packages test-oidc-provider
	env -u TEST_DATABASE_URL $(PYTEST) $(ARGS)

# tests/pg_server.py starts a server unless TEST_DATABASE_URL names one already
test-postgres: install catalogs test-packages test-oidc-provider
	$(BIN)/python -m tests.pg_server -- $(PYTEST) $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# autogenerate against a scratch SQLite database at the current head, not instance/'s
migration: install
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	export DATABASE_URL="sqlite:///$$scratch/schema.sqlite"; \
	$(FLASK) db upgrade && $(FLASK) db migrate -m "$(m)"

# (re)installed only when pyproject.toml differs from the copy kept at the last install
install: | $(BIN)/python
	@cmp -s pyproject.toml $(STAMP) || { \
		echo "installing the project and its dependencies into $(VENV)"; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' && cp pyproject.toml $(STAMP); \
	}

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the compiled .mo files are not committed: build them from translations/*/LC_MESSAGES/*.po
# messages.po merged with each area's parts/*.po (see proposals.i18n.compile_translations)
catalogs: install
	@$(BIN)/python -c 'from proposals.i18n import compile_translations; compile_translations(force=True)'

# node_modules is not committed: installed from the lockfile when missing or when the lockfile changed
test-oidc-provider: test-packages $(OIDC_PROVIDER)

$(OIDC_PROVIDER): tests/oidc/package-lock.json tests/oidc/package.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-packages:
	@missing=""; \
	$(foreach p,$(TEST_PACKAGES),$(have_$(p)) >/dev/null || missing="$$missing $(p)";) \
	if [ -n "$$missing" ]; then \
		echo "installing from Debian:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
