# LMS information assistant: two commands for a newcomer.
#   make run    set up what is missing, build the knowledge base, train if needed, start the bot
#   make test   set up what is missing, then run every test (cheapest failure first)
#   make run-cluster   the same bot as several Rasa and action servers on PostgreSQL, Redis and nginx
#
# Every step below is idempotent: a second run only redoes what changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMPS := .make
MODEL  := models/lms-assistant.tar.gz

# Quieter TensorFlow and SQLAlchemy start-up output.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning
export ACTION_ENDPOINT_URL ?= http://localhost:5055/webhook

# Everything the trained model depends on: retrain only when one of these changes.
KNOWLEDGE_QUESTIONS := data/nlu/knowledge_questions.yml
ENTRY_FILES := $(sort $(wildcard knowledge/data/entries/*.yml))
MODEL_INPUTS := config.yml domain.yml $(KNOWLEDGE_QUESTIONS) $(shell find data bot/nlu -type f \( -name '*.yml' -o -name '*.py' -o -name '*.jsonl' \) ! -name knowledge_questions.yml 2>/dev/null | sort)
KNOWLEDGE_INPUTS := $(shell find knowledge -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null | sort)

# Commas would split the call's argument: step texts use none.
step = @printf '\n\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: help setup run test lint db train validate test-unit test-stories test-integration lock clean \
        run-cluster test-cluster cluster-servers

help:
	@echo "make run    set up, build the knowledge base, train if needed and start the bot"
	@echo "            (action server :5055, Rasa server :5005, widget page :8080)"
	@echo "make run-cluster  the same bot as a cluster: PostgreSQL, Redis, nginx, 3 Rasa and 2 action servers"
	@echo "            (page and chat on :7080; sizes and ports: README, Running several servers)"
	@echo "make test   set up and run every test (make lint: ruff only)"
	@echo "make clean  remove the virtualenv, node modules, models and local databases"

# --- setup -------------------------------------------------------------------

setup: $(STAMPS)/python $(STAMPS)/node

$(STAMPS)/python: requirements.in constraints.txt
	$(call step,Python 3.10 virtualenv in $(VENV) with pinned dependencies (first time: about 3 minutes))
	@mkdir -p $(STAMPS)
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	  rm -rf $(VENV); \
	  python310=$$(.ci/find-python310); \
	  echo "Using $$python310"; \
	  "$$python310" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade "pip<24.1"
	$(PY) -m pip install --progress-bar off -c constraints.txt -r requirements.in
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	$(call step,Node packages for the web widget and browser test (npm ci))
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (apt-get install nodejs npm)"; exit 1; }
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMPS)/chromium:
	$(call step,Debian chromium for the browser test)
	@mkdir -p $(STAMPS)
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium'"; exit 1; fi; \
	fi
	@chromium --version
	@touch $@

# PostgreSQL, Redis and nginx for the cluster, checked every time (the check takes no time).
cluster-servers:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v redis-server >/dev/null \
	    || ! { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null; then \
	  printf '\n\033[1m==> %s\033[0m\n' "Debian postgresql and redis-server and nginx for the cluster"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx >/dev/null; \
	  else echo "PostgreSQL, Redis or nginx is missing: run 'sudo apt-get install postgresql redis-server nginx'"; exit 1; fi; \
	fi

# --- knowledge base and model -------------------------------------------------

db: $(STAMPS)/knowledge

$(STAMPS)/knowledge: $(STAMPS)/python $(KNOWLEDGE_INPUTS)
	$(call step,Building the knowledge database)
	$(PY) -m knowledge build
	@touch $@

# The ask_general training examples come from the knowledge entries' example questions.
$(KNOWLEDGE_QUESTIONS): $(STAMPS)/python $(ENTRY_FILES) bot/nlu/knowledge_questions.py
	$(call step,Writing the ask_general training examples from the knowledge entries)
	$(PY) -m bot.nlu.knowledge_questions

train: $(MODEL)

$(MODEL): $(STAMPS)/python $(MODEL_INPUTS)
	$(call step,Training the Rasa model because data/ or config.yml or domain.yml or bot/nlu changed (about 4 minutes on a quiet machine))
	$(RASA) train --config config.yml --domain domain.yml --data data \
	  --out models --fixed-model-name lms-assistant
	@touch $@

# --- run ------------------------------------------------------------------------

run: setup db train
	$(call step,Starting the action server on :5055 and the Rasa server on :5005 and the widget page on :8080 (Ctrl-C stops all))
	$(PY) -m bot run --model $(MODEL)

# Sizes and ports: CLUSTER_RASA_SERVERS, CLUSTER_ACTION_SERVERS, CLUSTER_PORT_BASE (README).
run-cluster: setup db train cluster-servers
	$(call step,Starting PostgreSQL and Redis and the action servers and Rasa servers and the page behind nginx (Ctrl-C stops all))
	$(PY) -m bot cluster --model $(MODEL)

# --- test -----------------------------------------------------------------------

test: setup lint db test-unit validate train test-stories test-integration test-cluster
	$(call step,All tests passed)

lint: $(STAMPS)/python
	$(call step,Lint: ruff check (the cheapest failure first; ruff.toml says which rules))
	$(VENV)/bin/ruff check .

test-unit: $(STAMPS)/python
	$(call step,Test 1/5: unit tests of the knowledge base and the NLU extractor and actions and tools (pytest))
	$(PY) -m pytest -m "not servers and not browser and not model and not cluster" -q

validate: $(STAMPS)/python $(KNOWLEDGE_QUESTIONS)
	$(call step,Test 2/5: checking training data and domain (rasa data validate --fail-on-warnings))
	$(RASA) data validate --fail-on-warnings --config config.yml --domain domain.yml --data data
	$(call step,Checking that no sentence is copied from the reference articles)
	@if [ -f ../shared/tools/check_verbatim.py ]; then $(PY) ../shared/tools/check_verbatim.py . ; \
	 else echo "(../shared/tools/check_verbatim.py not present here; skipped)"; fi

test-stories: $(MODEL)
	$(call step,Test 3/5: end-to-end test stories (rasa test --fail-on-prediction-errors))
	$(RASA) test core --model $(MODEL) --stories tests/stories \
	  --fail-on-prediction-errors --out results/stories

test-integration: $(MODEL) $(STAMPS)/knowledge $(STAMPS)/node $(STAMPS)/chromium
	$(call step,Test 4/5: the trained model on the held-out set and integration tests against the real servers and the widget in Chromium (pytest))
	$(PY) -m pytest -m "servers or browser or model" -q

test-cluster: $(MODEL) $(STAMPS)/knowledge $(STAMPS)/node $(STAMPS)/chromium cluster-servers
	$(call step,Test 5/5: cluster tests with two Rasa servers behind nginx on PostgreSQL and Redis (several minutes; pytest -m cluster))
	$(PY) -m pytest -m cluster -q -s tests/cluster

# --- maintenance ----------------------------------------------------------------

lock:
	$(call step,Re-resolving pinned versions into constraints.txt)
	$(PY) -m pip install -r requirements.in
	( echo "# Generated by 'make lock' from requirements.in with Python 3.10; install with -c constraints.txt"; \
	  $(PY) -m pip freeze --exclude-editable | sort -f ) > constraints.txt

clean:
	rm -rf $(VENV) node_modules models results $(STAMPS) var .rasa .cluster
