# The two commands of the README:
#   make converge   builds the local platform on the embedded AWS emulator (site.yml, inventories/local)
#   make test       runs every test: unit, lint, ansible-test sanity, molecule
# Both set up what they need first: a virtualenv from the pinned requirements and the collection link.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
COLLECTION_LINK := .ansible/collections/ansible_collections/gameops/platform
INVENTORY ?= inventories/local
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.ansible/collections
export PYTHONPATH := $(CURDIR)/tools

.PHONY: setup converge check teardown test test-unit test-lint test-sanity test-molecule benchmark deployer-policy lock clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

# promtool (checks and unit-tests Prometheus rules) from Debian's prometheus package, unpacked without
# installing the daemon. apt-get download needs no root, only apt lists: on a fresh machine it fails
# until they are fetched, so it runs apt-get update (with sudo when not root) and tries again.
APT_SUDO := $(if $(filter 0,$(shell id -u)),,$(shell command -v sudo))
$(BIN)/promtool: | $(VENV)/.installed
	tmp=$$(mktemp -d) && chmod 755 $$tmp && cd $$tmp && \
	{ apt-get download prometheus || { $(APT_SUDO) apt-get update && apt-get download prometheus; }; } && \
	dpkg-deb -x prometheus_*.deb root && install -m 0755 root/usr/bin/promtool $@; \
	status=$$?; rm -rf $$tmp; exit $$status

setup: $(VENV)/.installed $(COLLECTION_LINK) $(BIN)/promtool

converge: setup
	$(BIN)/ansible-playbook site.yml -i $(INVENTORY)

check: setup
	$(BIN)/ansible-playbook site.yml -i $(INVENTORY) --check --diff

teardown: setup
	$(BIN)/ansible-playbook teardown.yml -i $(INVENTORY)

test: test-unit test-lint test-sanity test-molecule

test-unit: setup
	$(BIN)/pytest -q
	$(BIN)/python tools/changelog_fragments.py && tests/units.sh

test-lint: setup
	$(BIN)/ansible-lint

test-sanity: setup
	tests/sanity.sh

test-molecule: setup
	$(BIN)/molecule test --all

# Not part of `make test`: times converge, second converge, check mode and teardown on fresh emulators,
# without and with the latency model (README, Benchmark). BENCHMARK_ARGS="overhead" times ansible settings.
benchmark: setup
	$(BIN)/python -m benchmark $(BENCHMARK_ARGS)

# Not part of `make test`: converge and teardown of inventories/local on a fresh emulator, then the IAM actions
# each layer used written to policies/deployer/<layer>.json (README, Deployer permissions).
deployer-policy: setup
	$(BIN)/python -m deployer_policy $(DEPLOYER_POLICY_ARGS)

lock:
	$(PYTHON) -m venv /tmp/gameops-lock && /tmp/gameops-lock/bin/pip install --quiet -r requirements.in 'python-dateutil<3'
	/tmp/gameops-lock/bin/pip freeze > requirements.txt

clean:
	rm -rf $(VENV) .ansible .emulator tests/output .pytest_cache
